"""Batch tokenizing through the command line: all shared CMU trials with ``--jobs 1`` and ``--jobs 2``, as a
multiple of real time, process start-up included (the wall time of the whole ``motiongpt tokenize`` command).

    python bench/tokenize_batch.py              # all 150 trials, --jobs 1 then 2
    python bench/tokenize_batch.py 05_ 1 2 4    # trials whose name starts with 05_, --jobs 1, 2 and 4

The salsa takes' headers say 120 fps but they were captured at 60: the command is given the shared manifest's
rates (``--manifest``, a CSV of file,fps written here from ``motiongpt.data.cmu_trials``). Motion seconds are
frames / real rate from the shared manifest. Besides the wall time, the CPU seconds of the command, its fork
server and its workers give the figure per core, which other work on a shared machine does not move: this process
becomes a child subreaper (Linux prctl), so the fork server and its workers, orphaned when the command exits, are
reaped here and counted in getrusage(RUSAGE_CHILDREN).
"""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import checkout  # noqa: E402,F401  (-h: the docstring; this checkout's packages)

from motiongpt.data import cmu_trials, mocap_root  # noqa: E402


def subreaper() -> None:
    """Orphaned descendants (the command's fork server and, through it, its workers) become our children."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def reap() -> None:
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def main() -> None:
    checkout.usage(__doc__)
    subreaper()
    prefix = sys.argv[1] if len(sys.argv) > 1 else ""
    counts = [int(n) for n in sys.argv[2:]] or [1, 2]
    trials = [t for t in cmu_trials() if t.name.startswith(prefix)]
    if not trials:
        raise SystemExit(f"no shared CMU trial's name starts with {prefix!r}")
    with open(mocap_root() / "cmu" / "manifest.csv", newline="") as f:
        frames = {row["trial"]: int(row["frames"]) for row in csv.DictReader(f)}
    seconds = sum(frames[t.name] / t.fps for t in trials)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    print(f"{len(trials)} trials, {seconds / 60:.1f} min of motion (salsa at 60 fps), {os.cpu_count()} CPUs here")
    with tempfile.TemporaryDirectory() as folder:
        rates = Path(folder) / "rates.csv"
        rates.write_text("file,fps\n" + "".join(f"{t.path},{t.fps:g}\n" for t in trials))
        for jobs in counts:
            out = Path(folder) / f"scores-{jobs}"
            command = [sys.executable, "-m", "motiongpt.cli", "tokenize", *(str(t.path) for t in trials),
                       "-o", f"{out}/", "--manifest", str(rates), "--jobs", str(jobs)]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            begin = time.perf_counter()
            result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
            wall = time.perf_counter() - begin
            reap()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            written = sum(1 for _ in out.rglob("*.laban"))
            print(f"  --jobs {jobs}: {wall:6.2f} s wall = {seconds / wall:5.0f}x real time "
                  f"({seconds / wall / jobs:4.0f}x per worker); {cpu:6.2f} s CPU = {seconds / cpu:5.0f}x per core; "
                  f"{written} scores, exit {result.returncode}")
            for line in (result.stdout + result.stderr).strip().splitlines()[-3:]:
                print(f"      {line}")


if __name__ == "__main__":
    main()
