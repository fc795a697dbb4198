"""Tokenizer throughput on every shared CMU file, BVH parsing included, on one core.

    python bench/tokenize_throughput.py            # all 150 trials
    python bench/tokenize_throughput.py 05_        # trials whose name starts with 05_

Prints seconds of motion, wall time and the multiple of real time, overall and per skeleton variant, plus the
peak memory of tokenizing a synthetic 30-minute BVH file.
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the figure says
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import laban  # noqa: E402
from laban.analysis import WORKING_FPS  # noqa: E402
from motiongpt.data import cmu_trials  # noqa: E402


def main() -> None:
    checkout.usage(__doc__)
    prefix = sys.argv[1] if len(sys.argv) > 1 else ""
    trials = [t for t in cmu_trials() if t.name.startswith(prefix)]
    if not trials:
        raise SystemExit(f"no shared CMU trial's name starts with {prefix!r}")
    motion_seconds = defaultdict(float)
    cpu = defaultdict(float)  # CPU time: on a shared machine it is what the tokenizer itself costs
    wall = time.perf_counter()
    for trial in trials:
        begin = time.process_time()
        motion = laban.read_bvh(trial.path, frame_rate=trial.fps, max_fps=WORKING_FPS)
        laban.tokenize(motion)
        cpu[trial.skeleton] += time.process_time() - begin
        motion_seconds[trial.skeleton] += motion.duration
    wall = time.perf_counter() - wall
    total_motion, total_cpu = sum(motion_seconds.values()), sum(cpu.values())
    print(f"{len(trials)} trials, {total_motion / 60:.1f} min of motion (salsa at 60 fps), tokenized in "
          f"{total_cpu:.2f} s CPU ({wall:.2f} s wall) = {total_motion / total_cpu:.0f}x real time on one core, "
          f"BVH parsing included")
    for variant in sorted(cpu):
        print(f"  {variant:24s} {motion_seconds[variant]:7.1f} s motion  {cpu[variant]:6.2f} s  "
              f"{motion_seconds[variant] / cpu[variant]:6.0f}x")
    print(f"peak memory tokenizing a 30-minute BVH: {long_file_peak_mb(trials[0].path):.0f} MB")


def long_file_peak_mb(source: Path, minutes: float = 30.0) -> float:
    """Build a 30-minute BVH by repeating a real file's frames, tokenize it in a fresh process, report its peak RSS."""
    header, _, body = source.read_text().partition("MOTION")
    lines = body.strip().splitlines()
    frame_time = float(lines[1].split(":")[1])
    frames = lines[2:]
    count = int(minutes * 60 / frame_time)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.bvh"
        with open(path, "w") as f:
            f.write(f"{header}MOTION\nFrames: {count}\nFrame Time: {frame_time}\n")
            for start in range(0, count, len(frames)):
                f.write("\n".join(frames[: count - start]) + "\n")
        code = ("import resource, laban; laban.tokenize(laban.read_bvh(%r, max_fps=30), bpm=120); "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)" % str(path))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        return int(out.stdout.strip().splitlines()[-1]) / 1024


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
