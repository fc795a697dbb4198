"""Benchmarks measure this checkout: importing this module puts the repository root on ``sys.path`` ahead of the
installed packages, so that ``python bench/x.py`` reads the packages as they stand here, not a copy installed
earlier (``pip install .`` copies; an edit after it would otherwise go unmeasured). A ``PYTHONPATH`` given still
comes first, so that a script can measure another checkout (``bench/generate_speed.py`` on older code)."""

import os
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
_GIVEN = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]  # sys.path[1:1 + len] holds them
if ROOT not in sys.path[:1 + len(_GIVEN)]:
    sys.path.insert(1 + len(_GIVEN), ROOT)


def usage(doc: str | None) -> None:
    """For a script that reads ``sys.argv`` by hand: with ``-h`` or ``--help``, print its docstring (how it is run)
    and stop, instead of reading the flag as a number or a name (and crashing, or running the whole bench)."""
    if {"-h", "--help"} & set(sys.argv[1:]):
        print((doc or "").strip())
        raise SystemExit(0)
