"""Recipe for the default figure's foot reach (``laban/figure.py``: the ToeBase offsets' forward component): how far
in front of the ankle the ball of the foot sits, as the shared CMU skeletons have it, scaled to the figure's legs.

    python datasets/default_foot.py            # prints the reach and what laban/figure.py ships
    python datasets/default_foot.py --check    # exit 1 when the shipped reach is not the recipe's (to the mm)

The figure's proportions are Drillis & Contini's, but its foot reached 13 cm in front of the ankle, where the CMU
dancers' skeletons reach 10-13 cm for legs of the same length; the evaluation's geometric relations read the toes
("foot-left-behind" is the left foot behind the plane through the pelvis, the right hip and the right toes), so a
longer foot put the decoded left foot behind that plane in 60 % of frames against the captures' 47 %
(``docs/execution.md``, "The foot's reach").

Data: the **training split only** (``datasets/cmu_split.csv``), one take per CMU subject that has a toe joint (the
skeleton is the subject's in every take): the rest pose's ankle-to-toes offset along the figure's forward axis, over
the leg's length (hip to knee to ankle), averaged over subjects with the left and right sides together, times the
default figure's leg length.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's packages, not installed ones


def foot_and_leg(skeleton) -> tuple[float, float] | None:
    """The ankle-to-toes offset along the rest pose's forward axis (+z, the BVH convention of these files) and the
    leg's length (hip to knee to ankle), both sides averaged, in the file's units; None without toe joints."""
    from laban.bodyparts import recognised, rest_positions
    from laban.skeleton import BodyPart as B

    parts, at = recognised(skeleton).parts, rest_positions(skeleton)
    reaches, legs = [], []
    for thigh, shin, foot, toes in ((B.THIGH_LEFT, B.SHIN_LEFT, B.FOOT_LEFT, B.TOES_LEFT),
                                    (B.THIGH_RIGHT, B.SHIN_RIGHT, B.FOOT_RIGHT, B.TOES_RIGHT)):
        if toes not in parts:
            return None
        reaches.append((at[parts[toes]] - at[parts[foot]])[2])
        legs.append(np.linalg.norm(at[parts[shin]] - at[parts[thigh]])
                    + np.linalg.norm(at[parts[foot]] - at[parts[shin]]))
    return float(np.mean(reaches)), float(np.mean(legs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when laban/figure.py's reach differs")
    args = parser.parse_args()
    from laban import read_bvh
    from laban.figure import default_skeleton
    from motiongpt.data import cmu_trials

    split = {r["trial"]: r["split"] for r in csv.DictReader(open(REPO / "datasets" / "cmu_split.csv"))}
    ratios: dict[str, float] = {}
    for trial in cmu_trials():
        subject = trial.name.split("_")[0]
        if split.get(trial.name) != "train" or subject in ratios:
            continue
        measured = foot_and_leg(read_bvh(trial.path).skeleton)
        if measured is not None:
            ratios[subject] = measured[0] / measured[1]
    shipped, leg = foot_and_leg(default_skeleton())
    ratio = float(np.mean(list(ratios.values())))
    reach = round(ratio * leg, 3)
    print(f"{len(ratios)} training subjects with toes ({', '.join(sorted(ratios))}): reach / leg {ratio:.4f} "
          f"(from {min(ratios.values()):.4f} to {max(ratios.values()):.4f}); the figure's leg {leg:.3f} m: reach "
          f"{reach:.3f} m; laban/figure.py ships {shipped:.3f} m")
    return 1 if args.check and reach != round(shipped, 3) else 0


if __name__ == "__main__":
    sys.exit(main())
