"""The studio: the co-creation loop (``motiongpt.cocreate``) as a local web page, for people who do not use a
terminal. ``motiongpt studio`` serves it at http://127.0.0.1:PORT (this machine only; nothing is fetched from
elsewhere: the page's scripts and styles are this package's ``static/`` files).

- ``app``: the routes (Starlette), ``create_app(folder, model)``;
- ``session``: what the studio does, as jobs on the co-creation API;
- ``jobs``: the background worker, progress and cancel;
- ``files``: the session folder, safe names, uploads checked and limited;
- ``views``: what the page is sent (a dance, its motion as joint positions, the history, downloads).

Needs the ``studio`` extra (starlette, uvicorn). See docs/studio.md.
"""


def create_app(folder, model=None, **options):
    from .app import create_app as create

    return create(folder, model, **options)
