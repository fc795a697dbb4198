"""The decoder's figures (issue 3): physical plausibility beside motion capture, round trip, reconstruction.

    python bench/decoder_figures.py                 # every shared CMU dance clip, seeds 0 1 2
    python bench/decoder_figures.py --clips 05_02 61_03 --seeds 0

For each clip: its score (``laban.tokenize`` of the capture at its real frame rate, the motion's own pulse), the
decoded dance (``laban.decoder.decode`` on the default skeleton at 30 fps), and:

- **plausibility**, with ``motiongpt.metrics`` (shared/docs/metrics.md's definitions) on the 21 landmarks, as
  ``motiongpt.evaluate`` measures them (``landmark_trajectories`` at the protocol's 60 fps, the clip's own floor,
  ``laban.tokenizer.estimate_floor``): PFC, foot skating (variants 'contact' and 'toe-speed'), penetration (mean
  depth of the lowest landmark under the floor) and float, jitter (at 60 fps and, as the decoder writes it, at
  30 fps), bone-length drift (on the clip's own skeleton). Three figures ``motiongpt.metrics`` does not have stay
  here: the worst frame's penetration, flight (a parabola fitted to the centre of mass, de Leva segment masses,
  during each time the tokenizer finds no foot carrying weight: its acceleration and RMS residual) and balance
  (share of still frames — the centre of mass slower than 0.1 m/s throughout the 0.4 s around the frame, a foot
  in contact — whose centre of mass lies within 5 cm of the convex hull of the contact feet's ankle and toe
  joints, and of the toe of a foot on its ball (relevé), horizontally; at 30 fps).
- **round trip**: ``laban.compare.cell_agreement(score, tokenize(decode(score, seed), score.grid))`` per column,
  direction and level separately, over all clips and seeds (cells pooled).
- **reconstruction**: the mean angle between the original's and the decoded dance's limb directions (in each
  body's own cross of axes) at the end of every gesture symbol of the arms, torso and head, over all clips and
  over the clips of each split of ``datasets/cmu_split.csv`` (the decoder's execution prior is measured on the
  training split: the test split is the honest figure).
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import argparse
import time
from collections import defaultdict

import numpy as np

import laban
from laban import BodyPart as B
from laban.compare import cell_agreement
from laban.decoder import decode
from laban.figure import centre_of_mass
from laban.motion import Trajectories
from laban.score import Column, Sign
from laban.analysis import analyse, estimate_floor
from motiongpt import metrics

FPS = 30.0
STILL_SPEED, STILL_FOR = 0.1, 0.4  # standing still: the centre of mass slower than 0.1 m/s for 0.4 s around a frame
GESTURES = {  # column: (base, tip) as the tokenizer measures them
    Column.UPPER_ARM_LEFT: (B.UPPER_ARM_LEFT, B.FOREARM_LEFT), Column.UPPER_ARM_RIGHT: (B.UPPER_ARM_RIGHT, B.FOREARM_RIGHT),
    Column.FOREARM_LEFT: (B.FOREARM_LEFT, B.HAND_LEFT), Column.FOREARM_RIGHT: (B.FOREARM_RIGHT, B.HAND_RIGHT),
    Column.TORSO: (B.PELVIS, B.NECK), Column.HEAD: (B.NECK, B.HEAD),
}


# --- physical plausibility ---------------------------------------------------------------------------------------

def plausibility(traj: Trajectories) -> dict[str, float]:
    """Plausibility figures of one clip (positions at any rate)."""
    world = metrics.landmark_trajectories(traj, metrics.PROTOCOL_FPS, None, zero_root=False)
    at_30 = metrics.landmark_trajectories(traj, FPS, None, zero_root=False)
    floor = estimate_floor(traj)
    lowest = metrics.landmarks(traj)[..., 1].min(axis=1) - floor
    if traj.fps > FPS * 1.01:
        traj = traj.resampled(FPS)
    skeleton = laban.recognised(traj.skeleton)
    parts = skeleton.parts
    positions = traj.positions.astype(np.float64) - np.array([0.0, estimate_floor(traj), 0.0])
    feet = [(parts[B.FOOT_LEFT], parts.get(B.TOES_LEFT, parts[B.FOOT_LEFT])),
            (parts[B.FOOT_RIGHT], parts.get(B.TOES_RIGHT, parts[B.FOOT_RIGHT]))]
    contacts = [(positions[:, ankle, 1] <= 0.08) & (positions[:, toe, 1] <= 0.05) for ankle, toe in feet]
    com = centre_of_mass(skeleton, positions)
    flights = _flights(traj, com)
    return {
        "PFC": metrics.pfc(traj),
        "skating contact %": 100 * metrics.foot_skating(world, "contact"),
        "skating toe-speed %": 100 * metrics.foot_skating(world, "toe-speed"),
        "penetration mm": metrics.penetration(world),
        "penetration max mm": 1000 * float(np.maximum(0.0, -lowest).max()),
        "float mm": metrics.floating(world),
        "jitter m/s3 (60 fps)": metrics.jitter(world),
        "jitter m/s3 (30 fps)": metrics.jitter(at_30),
        "bone drift mm": metrics.bone_drift(traj),
        "flights": float(len(flights)),
        "flight accel m/s2": float(np.mean([f[0] for f in flights])) if flights else float("nan"),
        "flight residual mm": 1000 * float(np.mean([f[1] for f in flights])) if flights else float("nan"),
        "balanced %": 100 * _balanced(positions, com, feet, contacts, traj.fps),
    }


def _flights(traj: Trajectories, com: np.ndarray) -> list[tuple[float, float]]:
    """(vertical acceleration, RMS residual) of a parabola fitted to the centre of mass in each flight of at
    least 4 frames that the tokenizer finds."""
    phases = analyse(traj).supports
    found = []
    padded = np.concatenate([[False], phases == "F", [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    for begin, end in zip(edges[::2], edges[1::2]):
        if end - begin >= 4:
            t = np.arange(begin, end) / traj.fps
            coefficients, residual, *_ = np.polyfit(t - t[0], com[begin:end, 1], 2, full=True)
            rms = float(np.sqrt(residual[0] / (end - begin))) if len(residual) else 0.0
            found.append((2 * coefficients[0], rms))
    return found


def _balanced(positions, com, feet, contacts, fps) -> float:
    """Share of still frames (``STILL_SPEED`` for ``STILL_FOR``, a foot in contact) with the centre of mass over
    (within 5 cm of) the support: the hull of the ankle and toe joints of the feet in contact, and of the toe of a
    foot on its ball (toe on the floor, heel up: relevé)."""
    speed = np.linalg.norm(np.gradient(com[:, [0, 2]], axis=0), axis=-1) * fps
    window = 2 * int(round(STILL_FOR / 2 * fps)) + 1
    calm = np.lib.stride_tricks.sliding_window_view(np.pad(speed, window // 2, mode="edge"), window).max(axis=1)
    contact = np.stack(contacts, 1)
    on_ball = np.stack([positions[:, toe, 1] <= 0.05 for _, toe in feet], 1) & ~contact
    still = (calm < STILL_SPEED) & contact.any(axis=1)
    if not still.any():
        return float("nan")
    inside = []
    for t in np.flatnonzero(still):
        joints = [j for f, (a, b) in enumerate(feet) for j in ((a, b) if contact[t, f] else (b,) if on_ball[t, f]
                                                                else ())]
        inside.append(_hull_distance(com[t, [0, 2]], positions[t, joints][:, [0, 2]]) <= 0.05)
    return float(np.mean(inside))


def _cross(u: np.ndarray, v: np.ndarray) -> float:
    return float(u[0] * v[1] - u[1] * v[0])


def _hull_distance(p: np.ndarray, points: np.ndarray) -> float:
    """Distance from ``p`` to the convex hull of a few points (0 inside)."""
    n = len(points)
    for i in range(n):  # inside a triangle of three of them: inside the hull
        for j in range(i + 1, n):
            for k in range(j + 1, n):
                a, b, c = points[i], points[j], points[k]
                d = [_cross(b - a, p - a), _cross(c - b, p - b), _cross(a - c, p - c)]
                if (min(d) >= 0 or max(d) <= 0) and abs(_cross(b - a, c - a)) > 1e-9:
                    return 0.0
    best = min(np.linalg.norm(p - q) for q in points)
    for i in range(n):
        for j in range(i + 1, n):
            a, b = points[i], points[j]
            s = np.clip(np.dot(p - a, b - a) / max(np.dot(b - a, b - a), 1e-12), 0, 1)
            best = min(best, float(np.linalg.norm(p - (a + s * (b - a)))))
    return best


# --- reconstruction -------------------------------------------------------------------------------------------

def reconstruction_angles(original: Trajectories, decoded: Trajectories, score: laban.Score) -> list[float]:
    """Angles (degrees) between the original's and the decoded limb directions, each in its own body's cross of
    axes, at the end of every gesture symbol of the arms, torso and head."""
    first, second = analyse(original), analyse(decoded)
    angles = []
    for column, (base, tip) in GESTURES.items():
        ends = [s.end for s in score.column(column) if s.sign is Sign.DIRECTION]
        if not ends:
            continue
        seconds = score.grid.beats_to_seconds(np.array(ends))
        vectors = []
        for analysis in (first, second):
            traj = analysis.trajectories
            frames = np.clip(np.round(seconds * traj.fps).astype(int), 0, traj.frame_count - 1)
            v = traj.part(tip)[frames] - traj.part(base)[frames]
            body = np.stack([np.einsum("ta,ta->t", v, analysis.forward[frames]),
                             np.einsum("ta,ta->t", v, analysis.right[frames]), v[:, 1]], axis=1)
            vectors.append(body / np.linalg.norm(body, axis=1, keepdims=True))
        angles += np.degrees(np.arccos(np.clip(np.einsum("ta,ta->t", *vectors), -1, 1))).tolist()
    return angles


def bin_centre_angles(original: Trajectories, score: laban.Score) -> list[float]:
    """For scale: angles between the original's limb directions at the same symbol ends and the centre of the
    cell each symbol writes (what any decoder that knows only the score can at best reproduce, on average)."""
    analysis = analyse(original)
    traj = analysis.trajectories
    angles = []
    for column, (base, tip) in GESTURES.items():
        symbols = [s for s in score.column(column) if s.sign is Sign.DIRECTION]
        if not symbols:
            continue
        seconds = score.grid.beats_to_seconds(np.array([s.end for s in symbols]))
        frames = np.clip(np.round(seconds * traj.fps).astype(int), 0, traj.frame_count - 1)
        v = traj.part(tip)[frames] - traj.part(base)[frames]
        body = np.stack([np.einsum("ta,ta->t", v, analysis.forward[frames]),
                         np.einsum("ta,ta->t", v, analysis.right[frames]), v[:, 1]], axis=1)
        body /= np.linalg.norm(body, axis=1, keepdims=True)
        for s, vector in zip(symbols, body):
            elevation = {"high": 45.0, "middle": 0.0, "low": -45.0}[s.level.value]
            if s.direction.azimuth is None:
                centre = np.array([0.0, 0.0, 1.0 if s.level.value == "high" else -1.0])
            else:
                e, a = np.radians(elevation), np.radians(s.direction.azimuth)
                centre = np.array([np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)])
            angles.append(float(np.degrees(np.arccos(np.clip(vector @ centre, -1, 1)))))
    return angles


# --- the run --------------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", nargs="*", help="trial names (default: every shared dance clip)")
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    args = parser.parse_args()
    from motiongpt.data import cmu_trials
    from motiongpt.evaluate import read_cmu_split

    split = read_cmu_split()
    trials = [t for t in cmu_trials() if t.is_dance and (not args.clips or t.name in args.clips)]
    capture, decoded = defaultdict(list), defaultdict(list)
    cells = defaultdict(lambda: np.zeros(3))
    angles: dict[str, list[float]] = defaultdict(list)  # split → angles
    centres: dict[str, list[float]] = defaultdict(list)
    started = time.perf_counter()
    for trial in trials:
        motion = laban.read_bvh(trial.path, frame_rate=trial.fps)
        score = laban.tokenize(motion, title=trial.name)
        original = motion.trajectories(FPS)
        for name, value in plausibility(motion.trajectories()).items():
            capture[name].append(value)
        for seed in args.seeds:
            dance = decode(score, fps=FPS, seed=seed)
            again = laban.tokenize(dance, score.grid)
            for column, figure in cell_agreement(score, again).items():
                cells[column] += [figure["direction"] * figure["cells"], figure["level"] * figure["cells"],
                                  figure["cells"]]
            if seed == args.seeds[0]:
                traj = dance.trajectories()
                for name, value in plausibility(traj).items():
                    decoded[name].append(value)
                part = split[trial.name]["split"] if trial.name in split else "unsplit"
                angles[part] += reconstruction_angles(original, traj, score)
                centres[part] += bin_centre_angles(original, score)
    print(f"{len(trials)} CMU dance clips, seeds {args.seeds}, decoded at {FPS:g} fps on the default skeleton "
          f"({time.perf_counter() - started:.0f} s)")
    print("\nphysical plausibility (mean over clips; motiongpt.metrics on 21 landmarks at 60 fps unless said)")
    print(f"  {'':24} {'motion capture':>15} {'decoded':>10}")
    for name in capture:
        print(f"  {name:24} {np.nanmean(capture[name]):15.3f} {np.nanmean(decoded[name]):10.3f}")
    worst = {name: (np.nanmax(capture[name]), np.nanmax(decoded[name])) for name in ("penetration max mm",
                                                                                      "bone drift mm")}
    for name, (a, b) in worst.items():
        print(f"  {name + ' (worst clip)':24} {a:15.3f} {b:10.3f}")
    print("\nround trip: tokenize(decode(score)) vs score, cells of 1/4 beat (pooled over clips and seeds)")
    print(f"  {'column':16} {'direction':>9} {'level':>7} {'cells':>7}")
    for column, (d, lv, n) in sorted(cells.items(), key=lambda item: item[0] == "all"):
        print(f"  {column:16} {d / n:9.4f} {lv / n:7.4f} {int(n):7d}")
    print("\nreconstruction: mean angle between original and decoded limb directions at symbol ends; for scale, the "
          "original to the centres of the cells written for it")
    print(f"  {'clips':12} {'decoded':>8} {'median':>7} {'centres':>8} {'median':>7} {'ends':>6}")
    groups = {"all": [a for part in angles.values() for a in part], **dict(sorted(angles.items()))}
    centre_groups = {"all": [a for part in centres.values() for a in part], **dict(sorted(centres.items()))}
    for name, values in groups.items():
        print(f"  {name:12} {np.mean(values):7.1f}° {np.median(values):6.1f}° {np.mean(centre_groups[name]):7.1f}° "
              f"{np.median(centre_groups[name]):6.1f}° {len(values):6d}")


if __name__ == "__main__":
    main()
