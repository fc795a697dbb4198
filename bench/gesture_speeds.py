"""How fast an upper arm moves through a written arm symbol, captured and decoded, by how long the symbol lasts
(issue 13: the timing inside a symbol).

    PYTHONPATH=. python bench/gesture_speeds.py                   # the training split (~1 min)
    PYTHONPATH=. python bench/gesture_speeds.py --split validation

For every upper-arm direction symbol of a take's score (``laban.tokenize`` on its own pulse) through which the arm
turns at least ``LEAST`` degrees, the upper arm's angular speed frame by frame (shoulder to elbow, ``laban.analyse``'s
frames, from 0.1 s before the symbol to its end), in the capture and in its score decoded (rules, seed 0): the
90th percentile of the speed, the degrees travelled, and the share of frames moving (over 25°/s). Medians per
symbol duration. Found with it (2026-12-06, stop 52, before the change): in symbols of 0.8-1.5 s the captured arm
peaks at 173°/s and travels 109°, the decoded one 92°/s and 68° (its slow moves crawled at ``_GESTURE_SPEED``, then
70°/s, the whole symbol long); ``docs/execution.md``, "Slow moves not crawled".
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import argparse

import numpy as np

LEAST = 30.0  # degrees an arm must turn through a symbol to count
BINS = ((0.0, 0.4), (0.4, 0.8), (0.8, 1.5), (1.5, np.inf))  # symbol durations, s


def speeds(motion, score) -> list[tuple[float, float, float, float]]:
    """(90th percentile of speed °/s, degrees travelled, share of frames moving, seconds) per upper-arm symbol."""
    from laban.analysis import analyse, angular_speed
    from laban.score import Column, Sign
    from laban.skeleton import BodyPart as B

    traj = analyse(motion).trajectories
    t = np.arange(traj.frame_count) / traj.fps
    out = []
    for column, (shoulder, elbow) in ((Column.UPPER_ARM_LEFT, (B.UPPER_ARM_LEFT, B.FOREARM_LEFT)),
                                      (Column.UPPER_ARM_RIGHT, (B.UPPER_ARM_RIGHT, B.FOREARM_RIGHT))):
        turn = angular_speed(traj.part(elbow) - traj.part(shoulder), traj.fps)
        for symbol in score.column(column):
            if symbol.sign is not Sign.DIRECTION or symbol.duration <= 0:
                continue
            t0, t1 = (float(score.grid.beats_to_seconds(b)) for b in (symbol.start, symbol.end))
            i0, i1 = np.searchsorted(t, [t0 - 0.1, t1])
            through = turn[i0:i1]
            if len(through) >= 4 and through.sum() / traj.fps >= LEAST:
                out.append((float(np.percentile(through, 90)), float(through.sum() / traj.fps),
                            float((through > 25.0).mean()), t1 - t0))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="train", choices=("train", "validation"))
    args = parser.parse_args()
    import laban
    from motiongpt.evaluate import load, measure

    rows = {"captured": [], "decoded": []}
    for clip in load(args.split)[0]:
        score = measure(clip).score
        rows["captured"] += speeds(clip.motion, score)
        rows["decoded"] += speeds(laban.decode(score, seed=0), score)
    print(f"{args.split} split: upper-arm symbols turning {LEAST:g}° or more; medians per symbol "
          "(p90 speed °/s, degrees travelled, share of frames moving)")
    for low, high in BINS:
        cells = []
        for kind, values in rows.items():
            r = np.array(values).reshape(-1, 4)
            r = r[(r[:, 3] >= low) & (r[:, 3] < high)]
            cells.append(f"{kind} {len(r):4} symbols: {np.median(r[:, 0]):4.0f}°/s, {np.median(r[:, 1]):4.0f}°, "
                         f"{np.median(r[:, 2]):.2f}" if len(r) else f"{kind} none")
        print(f"  {low:.1f}-{high:.1f} s   " + "   ".join(cells))


if __name__ == "__main__":
    main()
