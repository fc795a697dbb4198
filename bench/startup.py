"""Start-up of the command line: wall time of ``motiongpt --help``, ``import laban`` and tokenizing one short BVH
through the command, each in a fresh process (median of several runs), for the checkout this script lies in.

    python bench/startup.py            # 7 runs each
    python bench/startup.py 15         # 15 runs each

Also prints a bare ``python -c pass`` (the interpreter's own start-up, which no change here can remove) and which
heavy modules each command imported (``-X importtime`` is not needed: the script asks ``sys.modules`` at exit).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import checkout  # noqa: E402,F401  (-h: the docstring; this checkout's packages)
HEAVY = ("torch", "transformers", "librosa", "pyrender", "scipy.signal", "scipy.ndimage", "scipy.spatial",
         "laban.decoder", "motiongpt.evaluate", "music21", "PIL", "trimesh")
# Imports the command's process ends with, printed from an exit hook so the command runs unchanged.
PROBE = ("import atexit, sys\n"
         "atexit.register(lambda: print('HEAVY:' + ','.join(m for m in {heavy!r} if m in sys.modules), "
         "file=sys.stderr))\n"
         "from motiongpt.cli import main\n"
         "sys.argv = ['motiongpt'] + {args!r}\n"
         "try:\n    code = main({args!r})\nexcept SystemExit as e:\n    code = e.code\nsys.exit(code)\n")


def timed(command: list[str], runs: int) -> tuple[float, float, float]:
    """Median and best wall seconds, and median CPU seconds (user + system: what other work on a shared machine
    does not move)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        begin = time.perf_counter()
        subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - begin)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times), min(times), statistics.median(cpu)


def heavy(args: list[str]) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY, args=args)], env=env, cwd=ROOT,
                            capture_output=True, text=True)
    lines = [line for line in result.stderr.splitlines() if line.startswith("HEAVY:")]
    return lines[-1][6:] if lines else "?"


def main() -> None:
    checkout.usage(__doc__)
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    from motiongpt.data import cmu_trials

    source = next(t for t in cmu_trials() if t.name == "05_01").path  # 5 s of walking, 599 frames at 120 fps
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / "s.laban")
        cases = [
            ("python -c pass", [sys.executable, "-c", "pass"], None),
            ("python -c 'import laban'", [sys.executable, "-c", "import laban"], None),
            ("motiongpt --help", [sys.executable, "-m", "motiongpt.cli", "--help"], ["--help"]),
            ("motiongpt tokenize --help", [sys.executable, "-m", "motiongpt.cli", "tokenize", "--help"],
             ["tokenize", "--help"]),
            ("motiongpt tokenize 05_01.bvh (5 s)", [sys.executable, "-m", "motiongpt.cli", "tokenize", str(source),
                                                   "-o", out], ["tokenize", str(source), "-o", out]),
        ]
        print(f"{runs} runs each: median wall seconds (best), median CPU seconds; {ROOT}")
        for label, command, args in cases:
            median, best, cpu = timed(command, runs)
            extra = f"   imports: {heavy(args) or '-'}" if args is not None else ""
            print(f"  {label:36s} {median:6.3f} s ({best:.3f})  CPU {cpu:6.3f} s{extra}")


if __name__ == "__main__":
    main()
