"""How the decoder executes a score next to the dancer it came from (issue 13): rule-based vs learned execution.

    python bench/execution_figures.py                       # every shared CMU dance clip, both executions
    python bench/execution_figures.py --clips 05_06 60_07 --executions rules

For each shared dance clip: its score (``laban.tokenize`` of the capture at its real frame rate, on its own
pulse), decoded at 30 fps on the default skeleton with seeds 0 and 1 by each execution, and:

- **reconstruction per column**: mean angle between the capture's and the decoded limb direction (each in its own
  body's cross of axes, as the tokenizer measures the limb) at the end of every direction symbol of the column;
  the legs only where the foot is off the floor in both. Beside it, the capture to its cells' centres (what a
  decoder knowing only the cell reaches on average) and the within-cell spread.
- **amplitude ratios** decoded / captured, per phrase (8 beats of the score's grid), median over phrases: flight
  apex (pelvis height above its standing height, the clip's median, at the top of each written flight), legs
  apart in flight (the widest angle between the two legs, hip → ankle, during each written flight; "in leaps":
  the phrases whose captured legs are ``LEAP`` degrees apart or more), step
  length (pelvis travel over each step with a direction), highest leg elevation (hip → ankle, degrees from
  hanging) and highest arm elevation (shoulder → hand). Lengths are divided by each body's standing pelvis height
  (the default skeleton is not the CMU dancer).
- **seeds**: mean joint distance between seeds 0 and 1 (world positions, and with each frame's pelvis removed).
- **round trip** (direction and level, ¼-beat cells, pooled) and the decoder's plausibility figures
  (``bench/decoder_figures.plausibility``: skating, penetration, jitter, bone drift), on seed 0.
- **speed**: decode + BVH write of the salsa take 60_01 looped to 60 s (``bench/decode_speed.py``), best of 5.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's laban, not an installed one
import laban  # noqa: E402
from laban import BodyPart as B  # noqa: E402
from laban.analysis import analyse  # noqa: E402
from laban.cells import cell_centre  # noqa: E402
from laban.compare import cell_agreement  # noqa: E402
from laban.decoder import decode  # noqa: E402
from laban.score import Column, Sign  # noqa: E402
from laban.execution import symbol_ends  # noqa: E402

from decode_speed import looped  # noqa: E402  (bench/ is on the path when a bench script runs)
from decoder_figures import plausibility  # noqa: E402

FPS = 30.0
PHRASE = 8.0  # beats per phrase
LEAP = 90.0  # degrees between the captured legs in a flight that make it a leap (a split), not a hop


def angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.degrees(np.arccos(np.clip(np.einsum("ta,ta->t", a, b), -1.0, 1.0)))


def between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Degrees between vectors (T, 3) of any length, frame by frame (how far apart two legs are)."""
    cosine = np.einsum("ta,ta->t", a, b) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-9)
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))


def elevation(v: np.ndarray) -> np.ndarray:
    """Degrees from hanging straight down of vectors (T, 3), y up."""
    return np.degrees(np.arccos(np.clip(-v[:, 1] / np.maximum(np.linalg.norm(v, axis=1), 1e-9), -1.0, 1.0)))


def phrase_amplitudes(traj, score: laban.Score) -> dict[str, dict[int, float]]:
    """quantity → {phrase index: amplitude} of one clip (see the module's docstring)."""
    t = np.arange(traj.frame_count) / traj.fps
    beats = score.grid.seconds_to_beats(t)
    phrase = np.floor(beats / PHRASE).astype(int)
    pelvis = traj.part(B.PELVIS).astype(np.float64)
    standing = float(np.median(pelvis[:, 1] - laban.analysis.estimate_floor(traj)))
    found: dict[str, dict[int, float]] = defaultdict(dict)

    def frame(beat):
        return int(np.clip(round(float(score.grid.beats_to_seconds(beat)) * traj.fps), 0, traj.frame_count - 1))

    floor = laban.analysis.estimate_floor(traj)
    thighs_to_feet = [traj.part(B.FOOT_LEFT) - traj.part(B.THIGH_LEFT), traj.part(B.FOOT_RIGHT) - traj.part(B.THIGH_RIGHT)]
    for s in score.column(Column.CENTRE):
        if s.sign is Sign.FLIGHT and s.duration > 0:
            a, b = frame(s.start), frame(s.end)
            apex = (pelvis[a:b + 1, 1].max() - floor - standing) / standing
            k = int(s.start // PHRASE)
            found["flight apex"][k] = max(found["flight apex"].get(k, -np.inf), apex)
            split = float(between(thighs_to_feet[0][a:b + 1], thighs_to_feet[1][a:b + 1]).max())
            found["legs apart in flight"][k] = max(found["legs apart in flight"].get(k, -np.inf), split)
    steps: dict[int, list[float]] = defaultdict(list)
    for column in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT):
        for s in score.column(column):
            if s.sign is Sign.DIRECTION and s.direction is not laban.Direction.PLACE and s.duration > 0:
                a, b = frame(s.start), frame(s.end)
                steps[int(s.start // PHRASE)].append(float(np.linalg.norm(pelvis[b, [0, 2]] - pelvis[a, [0, 2]])))
    found["step length"] = {k: float(np.median(v)) / standing for k, v in steps.items()}
    legs = np.maximum(elevation(traj.part(B.FOOT_LEFT) - traj.part(B.THIGH_LEFT)),
                      elevation(traj.part(B.FOOT_RIGHT) - traj.part(B.THIGH_RIGHT)))
    arms = np.maximum(elevation(traj.part(B.HAND_LEFT) - traj.part(B.UPPER_ARM_LEFT)),
                      elevation(traj.part(B.HAND_RIGHT) - traj.part(B.UPPER_ARM_RIGHT)))
    for k in np.unique(phrase[beats >= 0]):
        inside = phrase == k
        if inside.sum() > traj.fps:  # at least a second of the phrase
            found["highest leg"][int(k)] = float(legs[inside].max())
            found["highest arm"][int(k)] = float(arms[inside].max())
    return found


def seed_distance(a, b) -> tuple[float, float]:
    """Mean joint distance (m) between two decodings, world and pelvis-relative."""
    pa, pb = a.positions.astype(np.float64), b.positions.astype(np.float64)
    world = float(np.linalg.norm(pa - pb, axis=-1).mean())
    root = a.skeleton.parts[B.PELVIS]
    local = float(np.linalg.norm((pa - pa[:, root:root + 1]) - (pb - pb[:, root:root + 1]), axis=-1).mean())
    return world, local


def speed(execution: str) -> float:
    from motiongpt.data import cmu_trials

    trial = next(t for t in cmu_trials() if t.name == "60_01")
    score = looped(laban.tokenize(laban.read_bvh(trial.path, frame_rate=trial.fps)), 60.0)
    best = np.inf
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(5):
            started = time.perf_counter()
            laban.write_bvh(decode(score, fps=FPS, seed=0, execution=execution), Path(folder) / "dance.bvh")
            best = min(best, time.perf_counter() - started)
    return best


def measure(trials, execution: str) -> dict:
    recon: dict[str, list[float]] = defaultdict(list)
    ratios: dict[str, list[float]] = defaultdict(list)
    cells = np.zeros(3)
    distances, plaus = [], defaultdict(list)
    for trial, motion, score, original in trials:
        dances = [decode(score, fps=FPS, seed=seed, execution=execution) for seed in (0, 1)]
        trajs = [d.trajectories() for d in dances]
        distances.append(seed_distance(*trajs))
        for dance in dances:
            figure = cell_agreement(score, laban.tokenize(dance, score.grid))["all"]
            cells += [figure["direction"] * figure["cells"], figure["level"] * figure["cells"], figure["cells"]]
        captured, decoded_ends = symbol_ends(original, score), symbol_ends(analyse(trajs[0]), score)
        for column, (cell, real, usable) in captured.items():
            _, made, usable_made = decoded_ends[column]
            keep = usable & usable_made
            recon[column.value] += angle(real[keep], made[keep]).tolist()
            centres = np.array([cell_centre(c) for c in cell[keep]]).reshape(-1, 3)
            recon[column.value + " (centres)"] += angle(real[keep], centres).tolist()
        real, made = phrase_amplitudes(original.trajectories, score), phrase_amplitudes(trajs[0], score)
        for quantity, phrases in real.items():
            for k, value in phrases.items():
                if k in made.get(quantity, {}) and value > 1e-3:
                    ratios[quantity].append(made[quantity][k] / value)
                    if quantity == "legs apart in flight" and value >= LEAP:
                        ratios["legs apart in leaps"].append(made[quantity][k] / value)
        for name, value in plausibility(trajs[0]).items():
            plaus[name].append(value)
    return {"recon": recon, "ratios": ratios, "cells": cells, "distances": np.array(distances), "plaus": plaus}


ARMS_TORSO_HEAD = ("torso", "head", "upper-arm-left", "upper-arm-right", "forearm-left", "forearm-right")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", nargs="*", help="trial names (default: every shared dance clip)")
    parser.add_argument("--executions", nargs="*", default=["rules", "learned"])
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args()
    from motiongpt.data import cmu_trials

    trials = []
    for trial in cmu_trials():
        if trial.is_dance and (not args.clips or trial.name in args.clips):
            motion = laban.read_bvh(trial.path, frame_rate=trial.fps)
            trials.append((trial, motion, laban.tokenize(motion, title=trial.name), analyse(motion.trajectories())))
    started = time.perf_counter()
    results = {e: measure(trials, e) for e in args.executions}
    speeds = {e: speed(e) for e in args.executions} if not args.no_speed else {}
    names = " → ".join(args.executions)
    print(f"{len(trials)} CMU dance clips, seeds 0 and 1, at {FPS:g} fps on the default skeleton "
          f"({time.perf_counter() - started:.0f} s); figures: {names}")
    arrow = lambda values, f: " → ".join(f.format(v) for v in values)  # noqa: E731
    print("\nreconstruction (mean angle at symbol ends, degrees; capture to its cells' centres for scale)")
    columns = [c for c in results[args.executions[0]]["recon"] if not c.endswith("(centres)")]
    for column in columns:
        r = [np.mean(results[e]["recon"][column]) for e in args.executions]
        centre = np.mean(results[args.executions[0]]["recon"][column + " (centres)"])
        print(f"  {column:16} {arrow(r, '{:5.1f}°'):24} centres {centre:5.1f}°  "
              f"n {len(results[args.executions[0]]['recon'][column])}")
    overall = [np.mean([a for c in ARMS_TORSO_HEAD for a in results[e]["recon"].get(c, [])]) for e in args.executions]
    print(f"  {'arms+torso+head':16} {arrow(overall, '{:5.1f}°')}")
    print("\namplitude ratio decoded / captured per phrase (median; quartiles of the first)")
    for quantity in ("flight apex", "legs apart in flight", "legs apart in leaps", "step length", "highest leg",
                     "highest arm"):
        values = [np.median(results[e]["ratios"][quantity]) if results[e]["ratios"][quantity] else np.nan
                  for e in args.executions]
        q = np.percentile(results[args.executions[0]]["ratios"][quantity] or [np.nan], [25, 75])
        print(f"  {quantity:20} {arrow(values, '{:5.2f}'):16} [{q[0]:.2f}, {q[1]:.2f}]  "
              f"phrases {len(results[args.executions[0]]['ratios'][quantity])}")
    print("\nseeds 0 vs 1, mean joint distance")
    world = [results[e]["distances"][:, 0].mean() * 100 for e in args.executions]
    local = [results[e]["distances"][:, 1].mean() * 100 for e in args.executions]
    print(f"  world            {arrow(world, '{:5.1f} cm')}")
    print(f"  pelvis-relative  {arrow(local, '{:5.1f} cm')}")
    print("\nround trip (¼-beat cells, pooled over clips and both seeds)")
    for k, name in enumerate(("direction", "level")):
        shares = [results[e]["cells"][k] / results[e]["cells"][2] for e in args.executions]
        print(f"  {name:16} {arrow(shares, '{:.4f}')}")
    print("\nplausibility (mean over clips, seed 0)")
    for name in ("skating contact %", "penetration mm", "penetration max mm", "jitter m/s3 (60 fps)",
                 "bone drift mm", "balanced %"):
        print(f"  {name:22} {arrow([np.nanmean(results[e]['plaus'][name]) for e in args.executions], '{:8.3f}')}")
    if speeds:
        print(f"\nspeed: decode + BVH write, 60 s (60_01 looped), one core, best of 5: "
              f"{arrow([speeds[e] for e in args.executions], '{:.3f} s')}")


if __name__ == "__main__":
    main()
