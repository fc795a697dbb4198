"""Decoder speed: decode a 60-second dance at 30 fps and write it as BVH, wall time on one core.

    python bench/decode_speed.py            # the CMU salsa take 60_01, its score looped to 60 s
    python bench/decode_speed.py --example  # examples/first_phrase.laban looped to 60 s (no motion capture needed)

The score is tokenized once; the figure is the best of ``--repeat`` runs of ``decode`` + ``write_bvh``, with
numpy's thread pools held to one thread (set before numpy is imported).
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import laban  # noqa: E402
from laban.decoder import decode  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SECONDS = 60.0


def looped(score: laban.Score, seconds: float) -> laban.Score:
    """The score's symbols repeated end to end on a steady grid at its tempo until ``seconds``."""
    length = max(s.end for s in score.symbols)
    beats = seconds * score.tempo / 60.0
    grid = laban.BeatGrid.uniform(score.tempo, seconds + 1.0, score.beats_per_bar)
    symbols, shift = [], 0.0
    while shift < beats:
        symbols += [replace(s, start=s.start + shift) for s in score.symbols if s.start + shift < beats]
        shift += length
    symbols = [replace(s, duration=min(s.duration, beats - s.start)) for s in symbols if beats - s.start > 1e-9]
    return laban.Score(grid, symbols, list(score.starting_position), score.title)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--example", action="store_true", help="loop examples/first_phrase.laban instead")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    if args.example:
        source, score = "examples/first_phrase.laban", laban.Score.load(REPO / "examples" / "first_phrase.laban")
    else:
        from motiongpt.data import cmu_trials

        trial = next(t for t in cmu_trials() if t.name == "60_01")
        motion = laban.read_bvh(trial.path)
        motion.fps = trial.fps
        source, score = "CMU 60_01 (salsa)", laban.tokenize(motion)
    score = looped(score, SECONDS)
    times, decoding = [], []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeat):
            started = time.perf_counter()
            dance = decode(score, fps=30.0, seed=0)
            decoded = time.perf_counter()
            laban.write_bvh(dance, Path(folder) / "dance.bvh")
            times.append(time.perf_counter() - started)
            decoding.append(decoded - started)
    print(f"{source} looped to {SECONDS:g} s: {len(score.symbols)} symbols, {dance.frame_count} frames at 30 fps, "
          f"{dance.skeleton.joint_count} joints")
    print(f"decode + write BVH, one core: best {min(times):.3f} s, median {sorted(times)[len(times) // 2]:.3f} s "
          f"of {args.repeat} (decode alone: best {min(decoding):.3f} s)")


if __name__ == "__main__":
    main()
