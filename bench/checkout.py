"""Benchmarks measure this checkout: importing this module puts the repository root first on ``sys.path``, so that
``python bench/x.py`` reads the packages as they stand here, not a copy installed earlier (``pip install .``
copies; an edit after it would otherwise go unmeasured)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path[:1]:
    sys.path.insert(0, str(ROOT))
