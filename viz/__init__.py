"""viz — what people look at: the Laban staff and the dancer.

Names are imported from their modules on first use (as in ``laban``), so that ``viz.progress`` or
``viz.staff`` never load the renderer (pyrender, trimesh). ``viz.render`` is the module (its entry point is
``viz.render.render``): a lazy package cannot also give a function of the module's own name.
"""

from __future__ import annotations

import importlib

EXPORTS: dict[str, tuple[str, ...]] = {
    "render": ("render_frames",),
    "pages": ("draw_pages", "save_staff"),
    "staff": ("Staff", "draw_staff"),
}

_HOME = {name: module for module, names in EXPORTS.items() for name in names}
__all__ = sorted(_HOME)


def __getattr__(name: str):
    module = _HOME.get(name)
    if module is not None:
        try:
            value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        except AttributeError as error:  # raised while importing: not "no such name", which Python would say
            raise ImportError(f"importing {__name__}.{module} failed: {error}") from error
        globals()[name] = value
        return value
    if not name.startswith("_"):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
