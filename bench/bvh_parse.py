"""BVH parsing speed on every shared CMU file, and the peak memory of parsing a synthetic 30-minute file.

    python bench/bvh_parse.py

Prints frames, seconds of motion, wall and CPU time and the multiple of real time (one core) of reading every
frame and of reading at 30 fps (what the tokenizer asks for), and the peak RSS of a fresh process that parses the
30-minute file (with the RSS of its imports alone, for reference).
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the figures say
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from laban.bvh import read_bvh  # noqa: E402
from motiongpt.data import cmu_trials  # noqa: E402

CHILD = """
import sys, time
from laban.bvh import read_bvh

def peak_mb():  # this process's own high-water mark (ru_maxrss would include the parent's, from before exec)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024

imports = peak_mb()
begin = time.perf_counter()
motion = read_bvh(sys.argv[1])
seconds = time.perf_counter() - begin
motion_bytes = motion.rotations.nbytes + motion.translations.nbytes
print(motion.frame_count, motion.duration, seconds, imports, peak_mb(), motion_bytes)
"""

def main() -> None:
    checkout.usage(__doc__)
    trials = cmu_trials()
    for trial in trials[:3]:  # warm the file cache and imports
        read_bvh(trial.path)
    for max_fps in (None, 30):
        frames, motion_seconds, size = 0, 0.0, 0
        wall, cpu = time.perf_counter(), time.process_time()
        for trial in trials:
            motion = read_bvh(trial.path, frame_rate=trial.fps, max_fps=max_fps)
            frames += motion.frame_count
            motion_seconds += motion.duration
            size += Path(trial.path).stat().st_size
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{len(trials)} trials, {size / 1e6:.0f} MB, {motion_seconds / 60:.1f} min of motion, "
              f"read at {max_fps or 'full'} fps: {frames} frames")
        print(f"  read_bvh: {wall:.2f} s wall, {cpu:.2f} s CPU = {motion_seconds / cpu:.0f}x real time on one core")
    long_file(Path(trials[1].path))


def long_file(source: Path, minutes: float = 30.0) -> None:
    """Repeat a real file's frame lines into a BVH of ``minutes``, parse it in a fresh process, report its peak RSS."""
    header, _, body = source.read_bytes().partition(b"MOTION")
    lines = body.strip().splitlines()
    frame_time = float(lines[1].split(b":")[1])
    frame_lines = lines[3:]  # without the converter's T-pose
    count = round(minutes * 60 / frame_time)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.bvh"
        with open(path, "wb") as f:
            f.write(header + b"MOTION\nFrames: %d\nFrame Time: %s\n" % (count, lines[1].split(b":")[1].strip()))
            f.writelines(b"\n".join(frame_lines[:count - start]) + b"\n" for start in range(0, count, len(frame_lines)))
        size = path.stat().st_size
        result = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True)
    frames, duration, seconds, imports_mb, peak_mb, motion_bytes = (float(x) for x in result.stdout.split())
    print(f"30-minute file ({source.name} repeated): {int(frames)} frames, {size / 1e6:.0f} MB, parsed in "
          f"{seconds:.2f} s = {duration / seconds:.0f}x real time")
    print(f"  peak RSS {peak_mb:.0f} MB (imports alone {imports_mb:.0f} MB, the Motion returned "
          f"{motion_bytes / 2**20:.0f} MB)")


if __name__ == "__main__":
    main()
