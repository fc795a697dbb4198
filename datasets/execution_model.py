"""Recipe for ``laban/execution_model.safetensors``: the learned execution (``laban.execution``), what real dancers
do with what the notation leaves free.

    python datasets/execution_model.py            # writes laban/execution_model.safetensors
    python datasets/execution_model.py --check    # recomputes and says whether the shipped model still agrees

Pairs (capture, its score): every shared CMU dance trial of the **training split only** (``datasets/cmu_split.csv``,
``split == train``; ``motiongpt.data.Trial.is_dance``), read at its real frame rate and tokenized by
``laban.tokenize`` on the motion's own pulse. From each pair, in the body's own cross of axes as the tokenizer
measures it:

- ``direction_mean`` (columns × 26 × 3) and ``direction_spread`` (columns × 26 × 2 × 3): where the limb of each
  gesture column (legs only while their foot is free) is at the end of every direction symbol of each cell: the
  normalised mean, and the two principal axes of the spread around it in its tangent plane, each scaled by its
  standard deviation (radians). Cells seen fewer than ``SHRINK`` times are pulled towards the cell's centre and a
  ``DEFAULT_SPREAD`` (weight n / (n + SHRINK)).
- ``knee_flexion`` (3 levels: high, middle, low × mean, std; degrees): the knee bend of a supporting leg at the
  middle of each support symbol of that level.
- ``step_travel`` (one foot, both feet × mean, std of the logarithm): the pelvis travel over each support symbol
  with a direction, divided by the dancer's standing pelvis height (its median over the take).
- ``sway`` (columns: RMS degrees): how far a limb wanders around where it is held, between the end of a symbol
  and the start of the next one in its column (holds of at least ``HOLD`` seconds): the secondary motion. The
  decoder lets a held arm sink by up to this much (at most ``laban.execution.SETTLING_MOST``).

Plain arrays (safetensors, read with ``safetensors.numpy``; no pickle), float32; ``columns`` is in the metadata.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import laban  # noqa: E402
from laban import BodyPart as B  # noqa: E402
from laban.analysis import analyse  # noqa: E402
from laban.cells import CELL_COUNT, body_components, cell_centre  # noqa: E402
from laban.execution import symbol_ends  # noqa: E402
from laban.score import Column, Direction, Level, Sign  # noqa: E402
from laban.tokenizer import _gesture_limbs  # noqa: E402

MODEL = REPO / "laban" / "execution_model.safetensors"
COLUMNS = (Column.TORSO, Column.HEAD, Column.UPPER_ARM_LEFT, Column.UPPER_ARM_RIGHT, Column.FOREARM_LEFT,
           Column.FOREARM_RIGHT, Column.LEG_LEFT, Column.LEG_RIGHT)
SWAYING = COLUMNS[:6]
SHRINK = 5.0  # symbol ends that count as much as the cell's centre and the default spread
DEFAULT_SPREAD = 8.0  # degrees, the spread of a cell never seen
HOLD = 0.5  # s: the shortest hold whose sway counts
LEVELS = (Level.HIGH, Level.MIDDLE, Level.LOW)


def tangent(mean: np.ndarray) -> np.ndarray:
    """Two unit vectors (2, 3) spanning the tangent plane of the sphere at ``mean``."""
    helper = np.array([0.0, 0.0, 1.0]) if abs(mean[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    a = np.cross(helper, mean)
    a /= np.linalg.norm(a)
    return np.stack([a, np.cross(mean, a)])


def limb_directions(analysis, score: laban.Score):
    """column → list of (cell, unit direction at the symbol's end), and column → list of hold RMS (degrees)."""
    ends, sways = defaultdict(list), defaultdict(list)
    for column, (cells, directions, usable) in symbol_ends(analysis, score).items():
        if column in COLUMNS:
            ends[column] = [(int(c), d) for c, d, u in zip(cells, directions, usable) if u]
    traj = analysis.trajectories
    for column, (base, tip), _ in _gesture_limbs(analysis):
        symbols = [s for s in score.column(column) if s.sign is Sign.DIRECTION]
        if column not in SWAYING or not symbols:
            continue
        v = (traj.part(tip) - traj.part(base)).astype(np.float64)
        body = body_components(v, analysis.forward, analysis.right)
        body /= np.maximum(np.linalg.norm(body, axis=1, keepdims=True), 1e-9)
        frames = np.clip(np.round(score.grid.beats_to_seconds(np.array([[s.end for s in symbols],
                                                                         [s.start for s in symbols]])) * traj.fps
                                  ).astype(int), 0, traj.frame_count - 1)
        for k in range(len(symbols)):  # from a symbol's end to the next one's start
            f, stop = frames[0, k], frames[1, k + 1] if k + 1 < len(symbols) else traj.frame_count - 1
            if (stop - f) / traj.fps >= HOLD:
                held = body[f:stop]
                centre = held.mean(axis=0)
                centre /= np.linalg.norm(centre)
                angles = np.degrees(np.arccos(np.clip(held @ centre, -1.0, 1.0)))
                sways[column].append(float(np.sqrt(np.mean(angles ** 2))))
    return ends, sways


def supports(analysis, score: laban.Score):
    """(level index, knee flexion at the middle of each support symbol) and (feet, travel / standing height)."""
    traj = analysis.trajectories
    pelvis = traj.part(B.PELVIS).astype(np.float64)
    standing = float(np.median(pelvis[:, 1]))
    knees, travels = [], []
    for foot, column, (hip, knee, ankle) in ((0, Column.SUPPORT_LEFT, (B.THIGH_LEFT, B.SHIN_LEFT, B.FOOT_LEFT)),
                                             (1, Column.SUPPORT_RIGHT, (B.THIGH_RIGHT, B.SHIN_RIGHT, B.FOOT_RIGHT))):
        thigh = traj.part(knee) - traj.part(hip)
        shin = traj.part(ankle) - traj.part(knee)
        cosine = np.einsum("ta,ta->t", thigh, shin) / (np.linalg.norm(thigh, axis=1) * np.linalg.norm(shin, axis=1))
        flexion = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
        for s in score.column(column):
            if s.sign is not Sign.DIRECTION or s.duration <= 0:
                continue
            a, b = (int(np.clip(round(float(score.grid.beats_to_seconds(x)) * traj.fps), 0, traj.frame_count - 1))
                    for x in (s.start, s.end))
            if b - a < 2:
                continue
            middle = (a + b) // 2
            if analysis.contacts[middle, foot]:
                knees.append((LEVELS.index(s.level), float(flexion[middle])))
            if s.direction is not Direction.PLACE:
                both = bool(analysis.contacts[middle].all())
                travel = float(np.linalg.norm(pelvis[b, [0, 2]] - pelvis[a, [0, 2]])) / standing
                if travel > 0.02:
                    travels.append((int(both), travel))
    return knees, travels


def compute() -> tuple[dict[str, np.ndarray], dict[str, str]]:
    from motiongpt.data import cmu_trials
    from motiongpt.evaluate import read_cmu_split

    split = read_cmu_split()
    trials = [t for t in cmu_trials() if t.is_dance and split[t.name]["split"] == "train"]
    ends, sways = defaultdict(list), defaultdict(list)
    knees, travels = [], []
    for trial in trials:
        motion = laban.read_bvh(trial.path, frame_rate=trial.fps)
        analysis = analyse(motion)
        score = laban.tokenize(analysis, title=trial.name)
        e, s = limb_directions(analysis, score)
        for column in COLUMNS:
            ends[column] += e[column]
            sways[column] += s[column]
        k, t = supports(analysis, score)
        knees += k
        travels += t
    mean = np.zeros((len(COLUMNS), CELL_COUNT, 3))
    spread = np.zeros((len(COLUMNS), CELL_COUNT, 2, 3))
    count = np.zeros((len(COLUMNS), CELL_COUNT))
    default = np.radians(DEFAULT_SPREAD) ** 2 * np.eye(2)
    for c, column in enumerate(COLUMNS):
        for cell in range(CELL_COUNT):
            vectors = np.array([d for k, d in ends[column] if k == cell]).reshape(-1, 3)
            n = len(vectors)
            centre = cell_centre(cell)
            m = vectors.sum(axis=0) if n else centre
            m = m / np.linalg.norm(m)
            w = n / (n + SHRINK)
            m = w * m + (1.0 - w) * centre
            m /= np.linalg.norm(m)
            axes = tangent(m)
            if n >= 2:
                coordinates = np.arcsin(np.clip(vectors @ axes.T, -1.0, 1.0))  # (n, 2) radians off the mean
                covariance = np.cov(coordinates.T, ddof=1)
            else:
                covariance = default
            covariance = w * covariance + (1.0 - w) * default
            values, vectors2 = np.linalg.eigh(covariance)
            spread[c, cell] = (np.sqrt(np.maximum(values, 0.0))[:, None] * (vectors2.T @ axes))
            mean[c, cell], count[c, cell] = m, n
    knee = np.zeros((3, 2))
    for level in range(3):
        values = np.array([f for k, f in knees if k == level])
        knee[level] = (np.mean(values), np.std(values)) if len(values) > 1 else (np.nan, np.nan)
    travel = np.zeros((2, 2))
    for both in (0, 1):
        values = np.log([x for b, x in travels if b == both])
        travel[both] = (np.mean(values), np.std(values))
    sway = np.array([np.median(sways[c]) if sways[c] else 0.0 for c in SWAYING])
    arrays = {"direction_mean": mean, "direction_spread": spread, "direction_count": count, "knee_flexion": knee,
              "knee_count": np.array([sum(1 for k, _ in knees if k == level) for level in range(3)], float),
              "step_travel": travel, "step_count": np.array([sum(1 for b, _ in travels if b == x) for x in (0, 1)],
                                                            float),
              "sway": sway}
    arrays = {k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()}
    metadata = {"about": "learned execution: datasets/execution_model.py (CMU dance trials of the training split)",
                "columns": json.dumps([c.value for c in COLUMNS]),
                "sway_columns": json.dumps([c.value for c in SWAYING]),
                "trials": json.dumps([t.name for t in trials])}
    return arrays, metadata


def main() -> None:
    from safetensors.numpy import load_file, save_file

    from laban.files import atomic_path

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped model instead of writing")
    args = parser.parse_args()
    arrays, metadata = compute()
    if args.check:
        shipped = load_file(str(MODEL))
        same = shipped.keys() == arrays.keys() and all(
            np.allclose(shipped[k], arrays[k], atol=1e-4, equal_nan=True) for k in arrays)
        print("the shipped model agrees with the recipe" if same else "the shipped model differs from the recipe")
        sys.exit(0 if same else 1)
    with atomic_path(MODEL) as path:
        save_file(arrays, str(path), metadata=metadata)
    print(f"wrote {MODEL.relative_to(REPO)}: {len(json.loads(metadata['trials']))} training trials, "
          f"{int(arrays['direction_count'].sum())} symbol ends, knee flexion per level (deg) "
          f"{np.round(arrays['knee_flexion'], 1).tolist()}, step travel exp(mean) "
          f"{np.round(np.exp(arrays['step_travel'][:, 0]), 3).tolist()}, "
          f"sway (deg) {np.round(arrays['sway'], 1).tolist()}")


if __name__ == "__main__":
    main()
