"""Runs, walks, spins and landings: the decoded score beside its capture, take by take (issue 13, "Strides").

    PYTHONPATH=. python bench/gait_figures.py                       # the validation split's runs, walks and salsa
    PYTHONPATH=. python bench/gait_figures.py --takes 09_01 61_13   # any shared CMU takes
    PYTHONPATH=. python bench/gait_figures.py --execution learned

For each take: its score (``laban.tokenize`` of the capture read at its real frame rate, on its own pulse),
decoded at 60 fps (seed 0), and beside the capture's:

- **path**: metres the pelvis travels over the floor, and decoded / captured;
- **pelvis height**: its range (lowest to highest, metres above the lowest point of either body's feet);
- **ankle up**: the highest either ankle rises above its lowest (a runner's kicked heel);
- **turning p99**: the 99th percentile of the turning speed (deg/s, the pelvis's heading as the tokenizer reads
  it), and decoded / captured;
- **pelvis jolt**: the largest vertical acceleration of the pelvis (m/s², 60 fps);
- **speed**: the pelvis's mean speed over the floor (m/s), and over the first ``START`` seconds (a take cut from a
  longer one is on its way from its first frame: "A take caught in motion").
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

import laban  # noqa: E402
from laban import BodyPart as B  # noqa: E402

FPS = 60.0
START = 0.2  # s at the start whose speed is measured


def validation_takes() -> list[str]:
    """The validation split's locomotion and salsa takes."""
    with open(REPO / "datasets" / "cmu_split.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["trial"] for r in rows if r["split"] == "validation" and r["category"] in ("locomotion", "salsa")]


def figures(motion: laban.Motion) -> dict:
    trajectories = motion.trajectories()
    fps = trajectories.fps
    pelvis = np.asarray(trajectories.part(B.PELVIS), dtype=float)
    ankles = np.stack([np.asarray(trajectories.part(p), dtype=float)[:, 1] for p in (B.FOOT_LEFT, B.FOOT_RIGHT)])
    floor = ankles.min()
    analysis = laban.analyse(motion)
    turning = np.abs(np.gradient(analysis.heading)) * analysis.trajectories.fps
    height = np.interp(np.arange(0, len(pelvis) / fps, 1.0 / FPS), np.arange(len(pelvis)) / fps, pelvis[:, 1])
    path = float(np.linalg.norm(np.diff(pelvis[:, [0, 2]], axis=0), axis=1).sum())
    start = min(int(round(START * fps)), len(pelvis) - 1)
    return {
        "path": path,
        "speed": path / max((len(pelvis) - 1) / fps, 1e-9),
        "start": float(np.linalg.norm(pelvis[start, [0, 2]] - pelvis[0, [0, 2]])) / max(start / fps, 1e-9),
        "height": (float(pelvis[:, 1].min() - floor), float(pelvis[:, 1].max() - floor)),
        "ankle": float((ankles - ankles.min(axis=1, keepdims=True)).max()),
        "turning": float(np.percentile(turning, 99)),
        "jolt": float(np.abs(np.diff(height, 2)).max() * FPS ** 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--takes", nargs="*", help="shared CMU takes (default: the validation runs, walks, salsa)")
    parser.add_argument("--execution", default="rules", choices=("rules", "learned"))
    args = parser.parse_args()
    from motiongpt.data import cmu_trials

    trials = {t.name: t for t in cmu_trials()}
    print(f"{'take':7} {'':8} {'path m':>7} {'ratio':>6} {'pelvis height m':>16} {'ankle up':>9} "
          f"{'turn p99':>9} {'ratio':>6} {'pelvis jolt':>12} {'speed':>6} {'at start':>9}")
    for name in args.takes or validation_takes():
        trial = trials[name]
        capture = laban.read_bvh(trial.path)  # (a converter's T-pose frame is dropped)
        capture = laban.Motion(capture.skeleton, capture.rotations, capture.translations, trial.fps)
        score = laban.tokenize(capture)
        decoded = laban.decode(score, seed=0, fps=FPS, execution=args.execution)
        real, made = figures(capture), figures(decoded)
        for label, f in (("capture", real), ("decoded", made)):
            ratio = f"{f['path'] / max(real['path'], 1e-9):6.2f}" if label == "decoded" else " " * 6
            turn = f"{f['turning'] / max(real['turning'], 1e-9):6.2f}" if label == "decoded" else " " * 6
            print(f"{name if label == 'capture' else '':7} {label:8} {f['path']:7.2f} {ratio} "
                  f"{f['height'][0]:7.2f} - {f['height'][1]:5.2f} {f['ankle']:9.2f} {f['turning']:9.0f} {turn} "
                  f"{f['jolt']:12.0f} {f['speed']:6.2f} {f['start']:9.2f}")


if __name__ == "__main__":
    main()
