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
