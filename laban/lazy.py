"""Names a package exports, imported from their modules on first use (PEP 562): ``import laban`` or ``import viz``
costs nothing until a name is asked for, so a command that only reads a score never loads scipy, the decoder or
the renderer. ``from package import X``, ``package.X``, ``dir(package)`` and ``__all__`` work as with plain
imports; a submodule (``laban.timing``) is reached the same way.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def exports(package: str, namespace: dict, table: dict[str, tuple[str, ...]]
            ) -> tuple[list[str], Callable[[str], object], Callable[[], list[str]]]:
    """``__all__``, ``__getattr__`` and ``__dir__`` for ``package`` whose ``namespace`` (its ``globals()``)
    exports, per module inside it, the names of ``table``.

    A name its module shares (``motiongpt.cocreate.regenerate``, the function, in the module of that name) is
    imported now: the first import of the module by name sets the package's attribute to the module, and the name
    would then be the module for good (the studio's ``cocreate.regenerate(...)`` failed, "'module' object is not
    callable", once a test had imported the module). Such a module must be light."""
    home = {name: module for module, names in table.items() for name in names}
    names = sorted(home)
    for name, module in home.items():
        if name == module:
            namespace[name] = getattr(importlib.import_module(f"{package}.{name}"), name)

    def getattr_(name: str):
        module = home.get(name)
        if module is not None:
            try:
                value = getattr(importlib.import_module(f"{package}.{module}"), name)
            except AttributeError as error:  # raised while importing: not "no such name", which Python would say
                raise ImportError(f"importing {package}.{module} failed: {error}") from error
            namespace[name] = value  # later look-ups are plain attribute reads
            return value
        if not name.startswith("_"):
            try:
                return importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as error:
                if error.name != f"{package}.{name}":
                    raise
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def dir_() -> list[str]:
        return sorted(set(namespace) | set(names))

    return names, getattr_, dir_
