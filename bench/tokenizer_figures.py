"""Every figure issue 2 asks of the tokenizer, on all shared CMU trials (run by hand, prints a report).

    python bench/tokenizer_figures.py
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

import laban
from laban import BodyPart, Column, Sign
from laban.bvh import standing_height
from laban.analysis import analyse
from motiongpt.data import cmu_trials

SUPPORTS = (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)


def main() -> None:
    checkout.usage(__doc__)
    trials = cmu_trials()
    heights, drift, floor = defaultdict(list), [], []
    rows = []
    for trial in trials:
        motion = laban.read_bvh(trial.path, frame_rate=trial.fps)
        traj = motion.trajectories()
        parents = motion.skeleton.parents
        bones = np.linalg.norm(traj.positions[:, 1:] - traj.positions[:, parents[1:]], axis=2)
        drift.append(float((bones.max(axis=0) - bones.min(axis=0)).max()))
        heights[trial.skeleton].append(standing_height(motion.skeleton))
        analysis = analyse(motion)
        parts = analysis.trajectories.skeleton.parts
        y = analysis.trajectories.positions[..., 1]
        for foot, joints in enumerate(((BodyPart.FOOT_LEFT, BodyPart.TOES_LEFT),
                                       (BodyPart.FOOT_RIGHT, BodyPart.TOES_RIGHT))):
            planted = analysis.contacts[:, foot]
            lowest = y[planted][:, [parts[j] for j in joints if j in parts]].min(axis=1)
            if planted.any():
                floor.append(float(np.median(lowest)))
        score = laban.tokenize(motion)
        rows.append((trial, motion, score))
    print(f"parsed {len(trials)} / {len(trials)} BVH files; bone-length drift max {max(drift) * 1000:.3f} mm")
    for variant, values in heights.items():
        print(f"  {variant:24s} standing height of the rest pose {min(values):.2f}-{max(values):.2f} m")
    print(f"  lowest joint of a planted foot above the estimated floor, median per clip and foot: "
          f"{np.median(floor) * 100:.1f} cm (5-95 %: {np.percentile(floor, 5) * 100:.1f} to "
          f"{np.percentile(floor, 95) * 100:.1f} cm)")

    by_name = {trial.name: (trial, motion, score) for trial, motion, score in rows}
    trial, motion, score = by_name["05_01"]
    steps = [s for s in score.symbols if s.column in SUPPORTS and s.sign is Sign.DIRECTION]
    print(f"05_01 walk: {len({s.start for s in steps})} weight transfers, sides "
          f"{''.join(s.column.value[8].upper() for s in steps)}, directions "
          f"{sorted({s.direction.value for s in steps})}, contacts {_contacts(analyse(motion))}")

    per_beat = [len([s for s in sc.symbols if s.column in SUPPORTS and s.sign is Sign.DIRECTION]) / sc.duration
                for t, _, sc in rows if t.subject in ("60", "61")]
    print(f"salsa (28 takes at 60 fps): steps per beat {np.mean(per_beat):.2f} mean, "
          f"{min(per_beat):.2f}-{max(per_beat):.2f}")

    print("turns (notated sum vs pelvis rotation, degrees):")
    for name in ("05_02", "05_03", "05_06", "05_07", "05_08", "05_11", "05_13", "06_10", "06_11", "06_12", "01_01"):
        trial, motion, score = by_name[name]
        notated = 360 * sum(s.turn for s in score.symbols if s.sign is Sign.TURN)
        turned = _turned(motion)
        print(f"  {name} {trial.description[:48]:48s} notated {notated:7.0f}  turned {turned:7.0f}  "
              f"error {abs(notated - turned):4.0f}")

    print("jumps (flight symbols):")
    for trial, _, score in rows:
        if "jump" in trial.description or "jete" in trial.description:
            flights = sum(s.sign is Sign.FLIGHT for s in score.symbols)
            print(f"  {trial.name} {trial.description[:50]:50s} {flights} flight(s)")

    dance = [(t, sc) for t, _, sc in rows if t.is_dance]
    rates = [len(sc.symbols) / (sc.duration * len({s.column for s in sc.symbols})) for _, sc in dance]
    short = sum(s.duration < 0.25 for _, sc in dance for s in sc.symbols)
    print(f"readability over {len(dance)} dance clips: {np.mean(rates):.2f} symbols per beat per used column "
          f"(max clip {max(rates):.2f}); symbols shorter than a quarter beat: {short}")

    with tempfile.TemporaryDirectory() as folder:
        equal = defaultdict(int)
        for _, _, score in rows:
            for name in ("s.json", "s.laban"):
                score.save(Path(folder) / name)
                equal[name] += laban.Score.load(Path(folder) / name) == score
        print(f"round trips equal: JSON {equal['s.json']}/{len(rows)}, text form {equal['s.laban']}/{len(rows)}")


def _contacts(analysis) -> int:
    starts = analysis.contacts[1:] & ~analysis.contacts[:-1]
    return int(starts.sum() + analysis.contacts[0].sum())


def _turned(motion) -> float:
    traj = motion.trajectories()
    hips = traj.part(BodyPart.THIGH_RIGHT) - traj.part(BodyPart.THIGH_LEFT)
    heading = np.unwrap(np.arctan2(hips[:, 2], hips[:, 0]))
    return float(np.degrees(heading[-1] - heading[0]))


if __name__ == "__main__":
    main()
