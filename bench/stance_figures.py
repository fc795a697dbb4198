"""How wide dancers stand on both feet, captured and decoded: what a score does not yet write (issue 13).

    PYTHONPATH=. python bench/stance_figures.py                    # the training split (a diagnosis: ~1 min)
    PYTHONPATH=. python bench/stance_figures.py --split validation

A support on both feet is written the same in both columns (``place low``, or the way the weight travels onto
them), so where the feet stand apart, and which is ahead, is left to the decoder, which stands 0.13-0.16 m wide and
feet level whatever the take. For every stretch on both feet of at least ``SHORTEST`` seconds (``laban.analyse``'s
support phases, capture and its score decoded at seed 0 read alike), the median distance between the ankles across
the body (along the pelvis's right) and along it (one foot ahead), in the dancer's own leg lengths, per category
of ``datasets/cmu_split.csv``. Found with it (2026-12-06, stop 52): the training captures stand 0.24 leg lengths
apart at the median (martial arts 0.53), one foot 0.13 ahead (modern dance 0.56); ``docs/execution.md``.
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import argparse
import csv
from collections import defaultdict
from pathlib import Path

import numpy as np

SHORTEST = 0.25  # s on both feet for a stance to count


def stances(motion) -> list[tuple[float, float]]:
    """(across, ahead) in leg lengths, the median over each stretch on both feet of ``motion``."""
    from laban.analysis import analyse, leg_length, runs
    from laban.skeleton import BodyPart as B

    analysis = analyse(motion)
    traj = analysis.trajectories
    apart = traj.part(B.FOOT_LEFT) - traj.part(B.FOOT_RIGHT)
    leg = leg_length(traj)
    across = np.einsum("ta,ta->t", apart, -analysis.right) / leg  # the left foot on the left: positive
    ahead = np.abs(np.einsum("ta,ta->t", apart, analysis.forward)) / leg
    return [(float(np.median(across[s:e])), float(np.median(ahead[s:e])))
            for s, e in runs(analysis.supports == "B") if e - s >= SHORTEST * traj.fps]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="train", choices=("train", "validation"))
    args = parser.parse_args()
    import laban
    from motiongpt.evaluate import load, measure

    table = Path(__file__).resolve().parents[1] / "datasets" / "cmu_split.csv"
    category = {r["trial"]: r["category"] for r in csv.DictReader(open(table))}
    rows = defaultdict(lambda: {"captured": [], "decoded": []})
    for clip in load(args.split)[0]:
        row = rows[category.get(clip.name, "?")]
        row["captured"] += stances(clip.motion)
        row["decoded"] += stances(laban.decode(measure(clip).score, seed=0))
    print(f"{args.split} split: stances on both feet of {SHORTEST} s or more, medians in leg lengths "
          "(across: ankle to ankle across the body; ahead: one foot in front of the other)")
    print(f"{'category':12} {'stances':>8}  {'across, captured':>17} {'decoded':>8}  "
          f"{'ahead, captured':>16} {'decoded':>8}")
    pooled = {"captured": [], "decoded": []}
    for name in sorted(rows) + ["all"]:
        row = pooled if name == "all" else rows[name]
        if name != "all":
            for kind in pooled:
                pooled[kind] += row[kind]
        c, d = np.array(row["captured"]).reshape(-1, 2), np.array(row["decoded"]).reshape(-1, 2)
        med = [np.median(x[:, i]) if len(x) else float("nan") for i in (0, 1) for x in (c, d)]
        print(f"{name:12} {len(c):8}  {med[0]:17.3f} {med[1]:8.3f}  {med[2]:16.3f} {med[3]:8.3f}")


if __name__ == "__main__":
    main()
