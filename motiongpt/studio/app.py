"""The studio's web app (Starlette): the page and its assets from the package, and a small JSON API over
``Studio``. Every route that names a file names it by a dance number or an upload's name, checked in
``files``; the page's own assets are a fixed list (``ASSETS``), so no request path ever becomes a file path.

    GET  /                              the page
    GET  /static/NAME                   its script, style sheet (ASSETS only)
    GET  /api/state                     folder, styles, style adapters, whether a partner can be asked for, the history
    GET  /api/corpus?q=WORDS            music21 corpus works whose name holds the words
    PUT  /api/upload?kind=K&name=N      the request body is the file (music, capture, score, rig; adapter: a zip)
    GET  /api/uploads/ID                an uploaded recording, to play
    POST /api/ask                       {text, music, style, bars, bpm, seed, count, rig?, map?} -> job
    POST /api/start                     {upload, fps?, map?} a capture (at its real frame rate) or a score -> job
    POST /api/dances/ID/OPERATION       regenerate, vary, continue, blend, translate, partner, render -> job
    PUT  /api/dances/ID/score           the score's text form, edited -> job (an error names the line)
    GET  /api/dances/ID                 the dance (score text, staff geometry, bars, grid, music)
    GET  /api/dances/ID/motion          joint positions for the browser's dancer
    GET  /api/dances/ID/staff.svg       its staff
    GET  /api/dances/ID/download/KIND   bvh (?rig=UPLOAD&map=JSON), laban, json, svg, pdf, mp4
    GET  /api/history                   the tree;   GET /api/history.zip  the whole folder
    GET  /api/jobs/ID[?after=VERSION]   progress (after: once it has moved past VERSION, or 10 s on)
    POST /api/jobs/ID/cancel

The studio answers this computer's own pages only (``LocalOnly``): a request whose Host is not this computer (a
web site whose name was pointed at 127.0.0.1, "DNS rebinding", to read the folder) and a request that changes
anything sent from another site's page (a form posted across sites needs no permission from the browser) are
refused before any route runs.

A rig or capture whose joints' names do not say its body parts is refused with the parts to name (the answer's
``rig``: ``files.check_performer``); the request sent again with ``map`` ({part: joint}, the command line's
``--map``) performs on it, and a dance made so keeps the map in its prompt, as ``motiongpt generate --skeleton
--map`` does.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from importlib import resources
from pathlib import Path

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from laban.errors import LabanError

from . import views
from .files import StudioError, part_joints
from .session import Studio, partner_available

ASSETS = {"studio.js": "text/javascript", "viewer.js": "text/javascript", "staff.js": "text/javascript",
          "studio.css": "text/css"}
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
PAGE_HEADERS = {**HEADERS, "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
                                                     "media-src 'self' blob:; style-src 'self'; script-src 'self'"}
MAX_JSON = 4 * 1024 * 1024
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")  # the names this computer answers to (the server binds 127.0.0.1)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class LocalOnly:
    """ASGI middleware: a request must name this computer as its Host, and one that may change the folder (any
    method but GET, HEAD, OPTIONS) must not come from another site: its ``Origin``, where the browser sends one,
    names this computer, and its ``Sec-Fetch-Site`` is not ``cross-site``. A refusal is the API's one-line JSON
    error (403). Clients that send neither header (a script, curl) are served as before."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            why = _foreign(headers, scope["method"])
            if why:
                await _json({"error": why, "line": None}, 403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _foreign(headers: dict[str, str], method: str) -> str | None:
    """Why a request is not this computer's own (None: it is)."""
    host = _hostname(headers.get("host", ""))
    if host not in LOCAL_HOSTS:
        return f"the studio answers requests to this computer only, not to {host or 'no host'!r}"
    if method.upper() in SAFE_METHODS:
        return None
    origin = headers.get("origin")
    if origin is not None and _hostname(origin.split("://", 1)[-1]) not in LOCAL_HOSTS:
        return f"the studio takes changes from its own page only, not from {origin!r}"
    if headers.get("sec-fetch-site", "").lower() == "cross-site":
        return "the studio takes changes from its own page only, not from another site's"
    return None


def _hostname(authority: str) -> str:
    """'127.0.0.1' of '127.0.0.1:8000', '[::1]' of '[::1]:8000', lower-cased."""
    authority = authority.strip().lower().split("/", 1)[0]
    if authority.startswith("["):
        return authority[:authority.find("]") + 1]
    return authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority


def create_app(folder, model=None, *, adapters=None, warm: bool = True) -> Starlette:
    """The app on studio folder ``folder`` with the model in ``model`` (default: the built-in one) and the style
    adapters in folder ``adapters`` besides the studio folder's own; ``warm`` loads the model (and samples a
    moment, see ``Studio.warm_up``) at once in the background."""
    studio = Studio(folder, model, adapters)
    if warm:
        studio.warm_up()

    async def page(request: Request):
        return Response(_asset("index.html"), media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    async def asset(request: Request):
        name = request.path_params["name"]
        if name not in ASSETS:
            raise StudioError("no such file", 404)
        return Response(_asset(name), media_type=ASSETS[name] + "; charset=utf-8", headers=HEADERS)

    def state(request: Request):
        return _json({"folder": str(studio.folder.root), "styles": studio.styles(),
                      "adapters": list(studio.folder.adapters()),
                      "model_ready": studio._loaded is not None, "model_error": studio.load_error(),
                      "partner": partner_available(),
                      "history": views.history_view(studio.folder),
                      "jobs": [j.as_dict() for j in studio.jobs.all() if j.state in ("queued", "running")]})

    def corpus(request: Request):
        from motiongpt.conditioning.music import _corpus_works

        words = request.query_params.get("q", "").lower().split()[:6]
        works = [w for w in sorted(_corpus_works()) if all(word in w for word in words)] if words else []
        return _json({"works": [f"corpus:{w}" for w in works[:40]], "more": max(0, len(works) - 40)})

    async def upload(request: Request):
        kind = request.query_params.get("kind", "")
        name = request.query_params.get("name", "")
        length = request.headers.get("content-length")
        from .files import MAX_UPLOAD, MiB

        if kind in MAX_UPLOAD and length and length.isdigit() and int(length) > MAX_UPLOAD[kind]:
            raise StudioError(f"{name}: larger than the {MAX_UPLOAD[kind] // MiB} MiB a {kind} upload may be", 413)
        path = await studio.folder.receive(kind, name, request.stream())
        if kind == "adapter":
            try:
                adapter = await run_in_threadpool(studio.folder.install_adapter, path, name)
            finally:
                path.unlink(missing_ok=True)  # the adapter's folder is what is kept
            await run_in_threadpool(studio.check_fits, adapter, name)
            return _json({"adapter": adapter, "style": "adapter:" + adapter, "kind": kind})
        return _json({"upload": path.name, "kind": kind})

    def uploaded(request: Request):
        path = studio.folder.upload_path(request.path_params["upload"], ("music",))
        return FileResponse(path, media_type=views.media_type(path), headers=HEADERS)

    # an ask on a rig and a start from a capture read its skeleton before answering: off the event loop
    async def ask(request: Request):
        return _job(await run_in_threadpool(studio.ask, await _body(request)))

    async def start(request: Request):
        return _job(await run_in_threadpool(studio.start, await _body(request)))

    async def operate(request: Request):
        dance_id, operation = request.path_params["dance"], request.path_params["operation"]
        if operation == "render":
            return _job(studio.render_video(dance_id))
        return _job(studio.develop(dance_id, operation, await _body(request)))

    async def edit(request: Request):
        body = await request.body()
        if len(body) > MAX_JSON:
            raise StudioError("the score's text is too long", 413)
        return _job(studio.edit(request.path_params["dance"], body.decode("utf-8", errors="replace")))

    def dance(request: Request):
        return _json(views.dance_view(studio.folder, request.path_params["dance"]))

    def motion(request: Request):
        return _json(views.motion_view(studio.folder, request.path_params["dance"]))

    def staff(request: Request):
        path = studio.folder.dance_path(request.path_params["dance"]) / "staff.svg"
        return FileResponse(path, media_type="image/svg+xml", headers=HEADERS)

    def download(request: Request):
        mapping = request.query_params.get("map")
        if mapping:
            try:
                given = json.loads(mapping)
            except ValueError:
                raise StudioError('map names body parts\' joints as JSON, {"hand-left": "LWrist", ...}') from None
            mapping = part_joints(given)
        content, media, name = views.download(studio.folder, request.path_params["dance"],
                                              request.path_params["kind"], request.query_params.get("rig"),
                                              mapping or None)
        headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
        if isinstance(content, bytes):
            return Response(content, media_type=media, headers=headers)
        return FileResponse(content, media_type=media, headers=headers)

    def history(request: Request):
        return _json(views.history_view(studio.folder))

    def history_zip(request: Request):
        handle, name = tempfile.mkstemp(prefix="motiongpt-history-", suffix=".zip")
        os.close(handle)
        try:
            views.write_history_zip(studio.folder, Path(name))
        except BaseException:
            os.unlink(name)
            raise
        return FileResponse(name, media_type="application/zip", background=BackgroundTask(os.unlink, name),
                            headers={**HEADERS, "Content-Disposition": 'attachment; filename="studio-history.zip"'})

    async def job(request: Request):
        found = studio.jobs.get(request.path_params["job"])
        if found is None:
            raise StudioError("no such job", 404)
        after = request.query_params.get("after", "")
        if after.isdigit():
            found = await studio.jobs.changed(found, int(after))
        return _json(found.as_dict())

    def cancel(request: Request):
        found = studio.jobs.get(request.path_params["job"])
        if found is None:
            raise StudioError("no such job", 404)
        found.cancel()
        return _json(found.as_dict())

    routes = [
        Route("/", page), Route("/static/{name}", asset),
        Route("/api/state", state), Route("/api/corpus", corpus),
        Route("/api/upload", upload, methods=["PUT", "POST"]), Route("/api/uploads/{upload}", uploaded),
        Route("/api/ask", ask, methods=["POST"]), Route("/api/start", start, methods=["POST"]),
        Route("/api/dances/{dance}", dance), Route("/api/dances/{dance}/motion", motion),
        Route("/api/dances/{dance}/staff.svg", staff), Route("/api/dances/{dance}/score", edit, methods=["PUT"]),
        Route("/api/dances/{dance}/download/{kind}", download),
        Route("/api/dances/{dance}/{operation}", operate, methods=["POST"]),
        Route("/api/history", history), Route("/api/history.zip", history_zip),
        Route("/api/jobs/{job}", job), Route("/api/jobs/{job}/cancel", cancel, methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={LabanError: _error, 404: _not_found},
                    middleware=[Middleware(LocalOnly)])
    app.state.studio = studio
    return app


def _asset(name: str) -> bytes:
    return resources.files("motiongpt.studio").joinpath("static", name).read_bytes()


def _json(data, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=HEADERS)


def _job(job) -> JSONResponse:
    return _json(job.as_dict(), 202)


async def _body(request: Request) -> dict:
    body = await request.body()
    if len(body) > MAX_JSON:
        raise StudioError("the request is too long", 413)
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise StudioError("send the settings as JSON") from None
    if not isinstance(data, dict):
        raise StudioError("send the settings as a JSON object")
    return data


async def _error(request: Request, error: LabanError):
    """Every refusal: one line, the line of the score it points at where there is one, and what more the page can
    do with it (``StudioError.details``: the body parts of a rig to name)."""
    message = " ".join(str(error).split())
    found = re.search(r"score\.laban:(\d+):", message)
    return _json({"error": message, "line": int(found.group(1)) if found else None,
                  **getattr(error, "details", {})}, getattr(error, "status", 400))


async def _not_found(request: Request, error):
    return _json({"error": "no such page or file"}, 404)
