"""The layering rules of ARCHITECTURE.md, checked on the source: every import statement of ``laban``, ``viz`` and
``motiongpt``, at module level and inside functions alike (a lazy import is still a dependency), parsed with
``ast`` without importing anything."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGES = ("laban", "viz", "motiongpt")

# Who may not import whom: (importer prefix, forbidden prefixes, why).
RULES = [
    ("laban", ("motiongpt", "viz", "torch", "transformers", "lightning", "pytorch_lightning"),
     "the notation stands alone: no model, no drawing, no deep-learning framework"),
    ("viz", ("motiongpt",), "drawing knows the notation, not the model or its evaluation"),
    ("motiongpt.metrics", ("motiongpt.data", "motiongpt.evaluate", "motiongpt.cli"),
     "a metric is a pure function of motion or scores: it never loads data or runs an evaluation"),
]
# Who alone may import what: (imported prefixes, the only importer prefix allowed, why).
ONLY = [
    (("lightning", "pytorch_lightning", "peft"), "motiongpt.train",
     "training is the one place the training framework and adapters live"),
    (("motiongpt.cli",), "motiongpt.cli", "the command line is the top: the library never imports it"),
]
# The one dependency allowed to close a loop: a Score saves and loads itself through its file formats, which are
# views of the Score type (``Score.save`` / ``Score.load`` import ``laban.formats`` when called).
ALLOWED_BACK_EDGES = {("laban.score", "laban.formats")}


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted module name → (file, whether it is a package's __init__)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


MODULES = _modules()


def imports(name: str) -> list[tuple[str, int]]:
    """(imported module, line) for every import in module ``name``, relative imports made absolute; ``from a
    import b`` names ``a.b`` when that is a module of the tree, else ``a``."""
    path, is_package = MODULES[name]
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found += [(f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module, node.lineno)
                      for a in node.names]
    return found


def graph() -> dict[str, set[str]]:
    """The import graph between the tree's own modules."""
    return {m: {t for t, _ in imports(m) if t in MODULES and t != m} for m in MODULES}


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("importer, forbidden, why", RULES, ids=[rule[0] for rule in RULES])
def test_imports_run_one_way(importer, forbidden, why):
    broken = [f"{MODULES[m][0].relative_to(ROOT)}:{line} imports {target}"
              for m in MODULES if _within(m, importer)
              for target, line in imports(m) if any(_within(target, f) for f in forbidden)]
    assert not broken, f"{why}:\n" + "\n".join(broken)


@pytest.mark.parametrize("imported, home, why", ONLY, ids=[rule[1] for rule in ONLY])
def test_some_imports_have_one_home(imported, home, why):
    broken = [f"{MODULES[m][0].relative_to(ROOT)}:{line} imports {target}"
              for m in MODULES if not _within(m, home)
              for target, line in imports(m) if any(_within(target, f) for f in imported)]
    assert not broken, f"{why}:\n" + "\n".join(broken)


def test_there_are_no_import_cycles():
    edges = {m: targets - {t for a, t in ALLOWED_BACK_EDGES if a == m} for m, targets in graph().items()}
    cycles = _cycles(edges)
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(c) for c in cycles)


def test_the_checks_see_lazy_imports_and_find_cycles():
    edges = graph()
    assert "motiongpt.metrics.text_score" in edges["motiongpt.evaluate.protocol"]  # imported inside a function
    assert "laban.formats" in edges["laban.score"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"b"}}) == [["b", "c", "b"]]  # a loop not through the first


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """A cycle (a path that returns to its start) through each module on one, each loop reported once."""
    cycles: list[list[str]] = []
    for start in sorted(edges):
        if any(start in c for c in cycles):
            continue
        path = _loop(edges, start)
        if path:
            cycles.append(path)
    return cycles


def _loop(edges: dict[str, set[str]], start: str) -> list[str] | None:
    """A shortest path from ``start`` back to itself, if there is one."""
    queue, seen = [(start, [start])], {start}
    while queue:
        node, path = queue.pop(0)
        for target in sorted(edges.get(node, ())):
            if target == start:
                return path + [start]
            if target not in seen:
                seen.add(target)
                queue.append((target, path + [target]))
    return None
