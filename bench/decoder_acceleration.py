"""Joint accelerations of decoded dances beside the captures they were written from (issues 12 and 13).

    PYTHONPATH=. python bench/decoder_acceleration.py                    # training and validation dance takes
    PYTHONPATH=. python bench/decoder_acceleration.py --clips 05_06 --top 5

For each shared CMU dance take of the chosen splits (never the test split unless asked): its score
(``laban.tokenize`` of the capture), decoded at 30 fps (seed 0, rules), and the 99th percentile and the largest
landmark acceleration (m/s², 21 landmarks at the protocol's 60 fps, as ``bench/cocreate_figures.py`` measures the
joins of regenerate) of the capture and of the decoded dance, per take; ``--top`` lists the decoded dance's
largest peaks (landmark, time, and the nearest take-off or landing of a flight in the score). The capture data's
99th percentile over all its frames is the bound real dancers set.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

from cocreate_figures import speeds  # noqa: E402

FPS = 30.0
JUMP_WINDOW = 0.3  # s either side of a take-off or a landing that counts as the jump's


def flight_edges(score) -> np.ndarray:
    """Seconds at which a flight of ``score`` takes off or lands (the supports' runs with no foot carrying)."""
    from laban.decoder.clock import Clock
    from laban.decoder.supports import support_runs

    clock = Clock(score, FPS)
    runs = support_runs(score, clock)
    edges = [t for run in runs if not run.feet for t in (run.t0, run.t1)]
    return np.array(edges)


def take_figures(motion, score, seed: int = 0, top: int = 0) -> dict:
    """p99 and max landmark acceleration of the capture ``motion`` and of ``score`` decoded."""
    from laban.decoder import decode
    from motiongpt.metrics.features import landmark_skeleton

    _, captured, _ = speeds(motion)
    _, decoded, t = speeds(decode(score, fps=FPS, seed=seed))
    figures = {"capture_p99": float(np.percentile(captured, 99)), "capture_max": float(captured.max()),
               "decoded_p99": float(np.percentile(decoded, 99)), "decoded_max": float(decoded.max()),
               "peaks": []}
    edges = flight_edges(score)
    for name, accel in (("capture", captured), ("decoded", decoded)):
        times = (np.arange(len(accel)) + 1) / 60.0
        near = np.zeros(len(accel), dtype=bool)
        for edge in edges:
            near |= np.abs(times - edge) <= JUMP_WINDOW
        figures[f"{name}_jumps"] = accel[near].ravel() if near.any() else np.zeros(0)
    if top:
        names = landmark_skeleton().names
        edges = flight_edges(score)
        frame_peak = decoded.max(axis=1)
        order = np.argsort(-frame_peak)
        taken: list[int] = []
        for i in order:
            if len(taken) == top:
                break
            if any(abs(int(i) - j) < 6 for j in taken):
                continue
            taken.append(int(i))
            when = t[i + 1]
            near = float(edges[np.argmin(abs(edges - when))] - when) if len(edges) else np.nan
            figures["peaks"].append((float(frame_peak[i]), names[int(decoded[i].argmax())], float(when), near))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", nargs="*", help="trial names (default: every dance take of --splits)")
    parser.add_argument("--splits", nargs="*", default=["train", "validation"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top", type=int, default=0, help="list this many of each decoded dance's largest peaks")
    args = parser.parse_args()
    import laban
    from motiongpt.data import cmu_trials
    from motiongpt.evaluate import read_cmu_split

    split = read_cmu_split()
    trials = [t for t in cmu_trials() if t.is_dance and t.name in split
              and (t.name in args.clips if args.clips else split[t.name]["split"] in args.splits)]
    print(f"{'take':8} {'split':10} {'capture p99':>11} {'max':>6} {'decoded p99':>11} {'max':>6}  (m/s², 60 fps)")
    rows = []
    for trial in trials:
        motion = laban.read_bvh(trial.path, frame_rate=trial.fps)
        score = laban.tokenize(motion, title=trial.name)
        f = take_figures(motion, score, args.seed, args.top)
        rows.append(f)
        print(f"{trial.name:8} {split[trial.name]['split']:10} {f['capture_p99']:11.1f} {f['capture_max']:6.0f} "
              f"{f['decoded_p99']:11.1f} {f['decoded_max']:6.0f}")
        for peak, name, when, near in f["peaks"]:
            print(f"    {peak:6.0f} {name:14} at {when:6.2f} s, nearest flight edge {near:+.2f} s")
    jumps = {name: np.concatenate([r[f"{name}_jumps"] for r in rows]) for name in ("capture", "decoded")}
    if len(jumps["capture"]):
        print(f"within {JUMP_WINDOW} s of the scores' take-offs and landings, all takes' frames and landmarks pooled:")
        for name, values in jumps.items():
            print(f"  {name:8} p50 {np.percentile(values, 50):6.1f}  p90 {np.percentile(values, 90):6.1f}  p99 "
                  f"{np.percentile(values, 99):6.1f}  max {values.max():6.0f}  ({len(values)} values)")
    if rows:
        print(f"{'median':19} {np.median([r['capture_p99'] for r in rows]):11.1f} "
              f"{np.median([r['capture_max'] for r in rows]):6.0f} {np.median([r['decoded_p99'] for r in rows]):11.1f} "
              f"{np.median([r['decoded_max'] for r in rows]):6.0f}")


if __name__ == "__main__":
    main()
