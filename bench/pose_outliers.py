"""Poses no capture has: the built-in model's dances decoded, scanned for what the body should not do.

    PYTHONPATH=. python bench/pose_outliers.py                      # the model's dances of the validation clips
    PYTHONPATH=. python bench/pose_outliers.py --seeds 0 1 2 3
    PYTHONPATH=. python bench/pose_outliers.py --scores 'my_dances/*.laban'
    PYTHONPATH=. python bench/pose_outliers.py --captures           # the same figures of the training captures

The model writes scores no capture would give, and the decoder must still perform them as a body can
(``docs/execution.md``, "A leg that reached back, feet that spread"; ``docs/model.md``, "A torso bent to the
horizontal comes back up"). For each dance (the model's, written for each validation clip's words, style and grid
as ``motiongpt evaluate --held-out validation`` writes them; or score files; decoded with seed 0) and, with
``--captures``, for each take of the training split:

- **feet apart**: the largest distance (m) between the ankles while both feet are on the floor (the tokenizer's
  contacts, ``laban.analysis``);
- **pelvis**: its lowest height (m) above the floor the tokenizer finds;
- **hands**: the lowest of either hand (m) above it;
- **bent**: the longest time (s) the torso (neck over pelvis) stays more than 60° from the vertical;
- **leaning**: the longest time (s) it stays past the edge of the upright cell (22.5° from the vertical,
  ``laban.cells``: a lean the tokenizer writes as a torso direction at the high level);
- **speed**: the fastest landmark (m/s; the evaluation's 21 landmarks at 60 fps), at the 99.9th percentile of
  frames (a capture's marker swaps are single frames).

It prints each figure's worst dances and how many pass a bound (feet over 1 m apart, pelvis under 0.6 m, hands
under 0.1 m, bent over 2.7 s, leaning over 2.1 s, a landmark over 10 m/s). The training captures (``--captures``,
96 takes): feet at most 1.03 m apart, hands at least 0.12 m up, bent at most 2.70 s; 19 crouch with the pelvis under
0.6 m, and 15 have a landmark over 10 m/s at the 99.9th percentile (marker swaps among them); leaning, the dance
takes (modern dance, salsa) at most 2.05 s (61_11), others up to 21 s (a basketball dribble, bent over its ball;
playground climbs 9.5 s). Score files
(``--scores``) are decoded as they are, without the sampling repairs (``motiongpt.plausibility.mended``).
"""

from __future__ import annotations

import argparse
import csv
import glob
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
BOUNDS = {"feet apart": (">", 1.0), "pelvis": ("<", 0.6), "hands": ("<", 0.1), "bent": (">", 2.7),
          "leaning": (">", 2.1), "speed": (">", 10.0)}


def figures(motion) -> dict:
    """The six figures of one motion (see the module's docstring)."""
    from laban.analysis import analyse, runs
    from laban.cells import PLACE_EDGE
    from motiongpt import metrics
    from motiongpt.evaluate.protocol import trajectories

    reading = analyse(motion)  # the tokenizer's floor and foot contacts
    body = reading.trajectories
    part = {p: np.asarray(body.part(p), dtype=float) for p in
            (B.FOOT_LEFT, B.FOOT_RIGHT, B.PELVIS, B.HAND_LEFT, B.HAND_RIGHT)}
    contacts = np.asarray(reading.contacts, dtype=bool)
    contacts = contacts if contacts.shape[0] == 2 else contacts.T
    down = contacts[0] & contacts[1]
    apart = np.linalg.norm((part[B.FOOT_LEFT] - part[B.FOOT_RIGHT])[:, [0, 2]], axis=1)[down]
    landmarks = metrics.landmark_trajectories(trajectories(motion), FPS, None, zero_root=False)
    axis = np.asarray(landmarks.part(B.NECK), dtype=float) - np.asarray(landmarks.part(B.PELVIS), dtype=float)
    tilt = np.degrees(np.arccos(np.clip(axis[:, 1] / np.linalg.norm(axis, axis=1), -1.0, 1.0)))

    def longest(above: float) -> float:
        return max((end - begin for begin, end in runs(tilt > above)), default=0) / FPS

    speed = (np.linalg.norm(np.diff(landmarks.positions, axis=0), axis=2) * FPS).max(axis=1)
    return {"feet apart": float(apart.max()) if len(apart) else 0.0, "pelvis": float(part[B.PELVIS][:, 1].min()),
            "hands": float(min(part[B.HAND_LEFT][:, 1].min(), part[B.HAND_RIGHT][:, 1].min())),
            "bent": longest(60.0), "leaning": longest(90.0 - PLACE_EDGE), "speed": float(np.percentile(speed, 99.9))}


def model_dances(seeds: list[int]) -> list[tuple[str, object]]:
    """(name, motion) of the built-in model's dances of the validation clips, one per clip and seed."""
    import torch

    from motiongpt.data import load
    from motiongpt.evaluate import measure
    from motiongpt.evaluate.generated import cmu_styles, load_model, written

    torch.set_num_threads(1)
    held, _ = load("validation", "all")
    measured, model, styles = [measure(c) for c in held], load_model("builtin"), cmu_styles()
    out = []
    for seed in seeds:
        made, _, _ = written(model, measured, seed, styles)
        out += [(f"{seed}_{name.removeprefix('generated-')}", laban.decode(score, seed=0)) for name, score, _ in made]
    return out


def captures() -> list[tuple[str, object]]:
    """(name, motion) of the training split's takes, each at its real frame rate (the salsa takes' headers say
    120 fps; they were captured at 60)."""
    from motiongpt.data import cmu_trials

    split = {r["trial"]: r["split"] for r in csv.DictReader(open(REPO / "datasets" / "cmu_split.csv"))}
    return [(t.name, laban.read_bvh(t.path, frame_rate=t.fps)) for t in cmu_trials() if split.get(t.name) == "train"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1], help="the model's dances: sampling seeds")
    parser.add_argument("--scores", help="score files to decode instead (a glob)")
    parser.add_argument("--captures", action="store_true", help="the training split's captures instead")
    parser.add_argument("--worst", type=int, default=3, help="dances shown per figure")
    args = parser.parse_args()

    if args.captures:
        motions = captures()
    elif args.scores:
        motions = [(Path(f).stem, laban.decode(laban.Score.load(f), seed=0)) for f in sorted(glob.glob(args.scores))]
    else:
        motions = model_dances(args.seeds)
    rows = [(name, figures(motion)) for name, motion in motions]
    print(f"{len(rows)} motions")
    for key, (sense, bound) in BOUNDS.items():
        values = [(row[key], name) for name, row in rows]
        worst = sorted(values, reverse=sense == ">")[:args.worst]
        passing = sum(v > bound if sense == ">" else v < bound for v, _ in values)
        shown = ", ".join(f"{name} {v:.2f}" for v, name in worst)
        print(f"  {key:10} {sense} {bound:<5g} in {passing:3d}   worst: {shown}")


if __name__ == "__main__":
    main()
