"""viz — what people look at: the Laban staff and the dancer.

Names are imported from their modules on first use (as in ``laban``), so that ``viz.progress`` or
``viz.staff`` never load the renderer (pyrender, trimesh). ``viz.render`` is the module (its entry point is
``viz.render.render``): a lazy package cannot also give a function of the module's own name.
"""

from __future__ import annotations

from laban.lazy import exports

EXPORTS: dict[str, tuple[str, ...]] = {
    "render": ("render_frames",),
    "pages": ("draw_pages", "save_staff"),
    "staff": ("Staff", "draw_staff"),
}

__all__, __getattr__, __dir__ = exports(__name__, globals(), EXPORTS)
