"""Motion features for FID and diversity: kinetic (3 per landmark) and geometric (32 boolean pose relations).

Every skeleton is reduced to the same 21 landmarks first (``laban.BodyPart``, found by ``laban.recognised``), so
clips from CMU, Daz, SMPL or our own decoder are measured on one body: ``landmark_trajectories`` resamples them to
``PROTOCOL_FPS`` (60, the AIST++/Bailando protocol), cuts the first ``seconds`` and puts the root of frame 0 at
the origin, as the reference code does before extracting features.

Both feature sets follow the AIST++ reference implementation (fairmotion-derived, used by FACT, Bailando, EDGE)
relation for relation, vectorised over frames; ``quirk=True`` reproduces its two time-step slips so that numbers
can stand beside published ones, ``quirk=False`` (the default) is the physically correct form.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline

from laban import BodyPart as B
from laban import Skeleton, Trajectories, recognised
from laban.bodyparts import COINCIDENT

PROTOCOL_FPS = 60.0
LANDMARKS: tuple[B, ...] = tuple(B)  # 21 landmarks, in BodyPart order
_INDEX = {part: i for i, part in enumerate(LANDMARKS)}
_PARENT = {B.PELVIS: None, B.SPINE: B.PELVIS, B.CHEST: B.SPINE, B.NECK: B.CHEST, B.HEAD: B.NECK}
for _side in ("LEFT", "RIGHT"):
    _PARENT.update({B[f"SHOULDER_{_side}"]: B.CHEST, B[f"UPPER_ARM_{_side}"]: B[f"SHOULDER_{_side}"],
                    B[f"FOREARM_{_side}"]: B[f"UPPER_ARM_{_side}"], B[f"HAND_{_side}"]: B[f"FOREARM_{_side}"],
                    B[f"THIGH_{_side}"]: B.PELVIS, B[f"SHIN_{_side}"]: B[f"THIGH_{_side}"],
                    B[f"FOOT_{_side}"]: B[f"SHIN_{_side}"], B[f"TOES_{_side}"]: B[f"FOOT_{_side}"]})
LANDMARK_PARENTS = np.array([-1 if _PARENT[p] is None else _INDEX[_PARENT[p]] for p in LANDMARKS])

# T-pose scales of the reference code (SMPL neutral body), metres.
HUMERUS, SHOULDER_WIDTH, HIP_WIDTH = 0.2568, 0.3908, 0.1192
REFERENCE_DT = 1.0 / 120.0  # the geometric relations' time step in the reference code, whatever the frame rate


# --- landmarks --------------------------------------------------------------------------------------------------

def landmarks(traj: Trajectories) -> np.ndarray:
    """Positions (T, 21, 3) of the ``LANDMARKS``. Optional parts a skeleton lacks are put where they would be:
    spine halfway from pelvis to chest, neck halfway from chest to head, a clavicle halfway from chest to
    shoulder joint, toes at the ankle; so is a spine, neck or clavicle that sits on its parent landmark."""
    parts = recognised(traj.skeleton).parts
    out = np.empty((traj.frame_count, len(LANDMARKS), 3))  # float64: features difference nearby frames
    for i, part in enumerate(LANDMARKS):
        if part in parts:
            out[:, i] = traj.positions[:, parts[part]]
    fallback = {B.SPINE: (B.PELVIS, B.CHEST), B.NECK: (B.CHEST, B.HEAD),
                B.SHOULDER_LEFT: (B.CHEST, B.UPPER_ARM_LEFT), B.SHOULDER_RIGHT: (B.CHEST, B.UPPER_ARM_RIGHT),
                B.TOES_LEFT: (B.FOOT_LEFT, B.FOOT_LEFT), B.TOES_RIGHT: (B.FOOT_RIGHT, B.FOOT_RIGHT)}
    for part, (a, b) in fallback.items():
        if part not in parts or _on_parent(out, part):
            out[:, _INDEX[part]] = 0.5 * (out[:, _INDEX[a]] + out[:, _INDEX[b]])
    return out


def _on_parent(p: np.ndarray, part: B) -> bool:
    """Whether an optional landmark sits on its parent landmark (a zero-length bone): CMU's MotionBuilder figure
    hangs its Neck and clavicles at Spine1 with no offset, so the chest → neck direction of the relations "hand
    above neck" would be undefined there (always false) and true on every other body. Such a part is as good as
    missing."""
    parent = _PARENT[part]
    return parent is not None and part is not B.TOES_LEFT and part is not B.TOES_RIGHT and bool(
        np.median(np.linalg.norm(p[:, _INDEX[part]] - p[:, _INDEX[parent]], axis=-1)) < COINCIDENT)


def landmark_skeleton() -> Skeleton:
    """The 21-landmark stick figure (names are BodyPart values, parts already filled in)."""
    return Skeleton([p.value for p in LANDMARKS], LANDMARK_PARENTS, np.zeros((len(LANDMARKS), 3)),
                    parts={p: i for i, p in enumerate(LANDMARKS)})


def resample(positions: np.ndarray, fps: float, target: float) -> np.ndarray:
    """Positions (T, ...) at ``target`` frames per second along a cubic spline through the frames: the frames
    themselves when ``fps`` is a whole multiple of ``target``, smooth between them when upsampling (repeated or
    linearly interpolated frames would fake stops and ties in speed, and jerk at every source frame)."""
    if fps == target or len(positions) < 2:
        return positions
    count = int(np.floor((len(positions) - 1) * target / fps + 1e-9)) + 1
    t = np.arange(count) * (fps / target)
    if len(positions) < 4:  # too few frames for a spline: straight lines
        lo = np.minimum(np.floor(t).astype(np.int64), len(positions) - 2)
        w = (t - lo).reshape((-1,) + (1,) * (positions.ndim - 1))
        return positions[lo] * (1.0 - w) + positions[lo + 1] * w
    return CubicSpline(np.arange(len(positions)), positions, axis=0)(t)


def landmark_trajectories(traj: Trajectories, fps: float = PROTOCOL_FPS, seconds: float | None = 20.0,
                          zero_root: bool = True) -> Trajectories:
    """The protocol's view of a clip: 21 landmarks at ``fps``, the first ``seconds`` (all when None), the root of
    frame 0 at the origin (horizontally and vertically, as the reference code does)."""
    positions = resample(landmarks(traj), traj.fps, fps)
    if seconds is not None:
        positions = positions[: max(int(round(seconds * fps)), 1)]
    if zero_root:
        positions = positions - positions[:1, _INDEX[B.PELVIS]]
    return Trajectories(landmark_skeleton(), positions, fps)


# --- kinetic features -------------------------------------------------------------------------------------------

def kinetic_features(traj: Trajectories, quirk: bool = False, window: int = 2) -> np.ndarray:
    """Kinetic features (3 per landmark: 63): per landmark, the mean over frames of the squared horizontal speed,
    the squared vertical speed, and the magnitude of the acceleration ("energy expenditure"), each averaged over
    a ±``window``-frame window of finite differences, as in the AIST++ reference code.

    ``quirk=True`` reproduces the reference's acceleration term, whose inner velocity divides only the older
    position by Δt (``p[k] - p[k-1] / dt``), which makes it depend on absolute position (published FID_k has it);
    ``quirk=False`` uses the true second difference. Give landmark trajectories at the protocol's rate
    (``landmark_trajectories``): the features depend on frame rate and on where the root starts.
    """
    p = landmarks(traj)
    n, dt = len(p), 1.0 / traj.fps
    if n < 3:
        raise ValueError(f"kinetic features need at least 3 frames, not {n}")
    i = np.arange(1, n)  # the reference averages over frames 1..T-1
    # Velocity at i: the mean of first differences d[k] = p[k] - p[k-1], k in [i-w, i+w] ∩ [1, T-1]; a sum of
    # differences telescopes to p[hi] - p[lo-1].
    lo, hi = np.maximum(i - window, 1), np.minimum(i + window, n - 1)
    velocity = (p[hi] - p[lo - 1]) / ((hi - lo + 1) * dt)[:, None, None]
    horizontal = (velocity[..., 0] ** 2 + velocity[..., 2] ** 2).mean(axis=0)
    vertical = (velocity[..., 1] ** 2).mean(axis=0)
    # Acceleration at i: the mean of second differences at k in [i-w, i+w] ∩ [1, T-2], via a running sum.
    k = np.arange(1, n - 1)
    newer = (p[k + 1] - p[k]) / dt
    older = p[k] - p[k - 1] / dt if quirk else (p[k] - p[k - 1]) / dt
    running = np.concatenate([np.zeros((1,) + p.shape[1:]), np.cumsum((newer - older) / dt, axis=0)])
    lo, hi = np.maximum(i - window, 1), np.minimum(i + window, n - 2)
    acceleration = (running[hi] - running[lo - 1]) / (hi - lo + 1)[:, None, None]  # running[m] sums k = 1..m
    energy = np.linalg.norm(acceleration, axis=2).mean(axis=0)
    return np.stack([horizontal, vertical, energy], axis=1).reshape(-1)


# --- geometric features -----------------------------------------------------------------------------------------

# The 32 relations in the reference's order, named by what they compute (as coded: ``move`` measures the velocity
# of its third joint relative to the first along first→second; the reference's fourth joint is unused, so
# relations 5 and 6 are the same). Kinds: nmove (velocity along a plane's normal), move (velocity along a
# direction), nplane (offset along a direction), plane (offset from a plane through three joints), angle (between
# two bones, degrees, open interval), fast (speed). 'zero', 'up', 'down', 'floor' are the origin, ±y, and the
# lowest landmark's height.
GEOMETRIC_RELATIONS: tuple[tuple[str, str, tuple[str, ...], float | tuple[float, float]], ...] = (
    ("hand-right-moves-backward", "nmove", ("neck", "thigh-right", "thigh-left", "hand-right"), 1.8 * HUMERUS),
    ("hand-left-moves-forward", "nmove", ("neck", "thigh-left", "thigh-right", "hand-left"), 1.8 * HUMERUS),
    ("hand-right-above-neck", "nplane", ("chest", "neck", "neck", "hand-right"), 0.2 * HUMERUS),
    ("hand-left-above-neck", "nplane", ("chest", "neck", "neck", "hand-left"), 0.2 * HUMERUS),
    ("chest-rises-fast", "move", ("spine", "chest", "chest"), 1.8 * HUMERUS),
    ("chest-rises-fast-again", "move", ("spine", "chest", "chest"), 1.8 * HUMERUS),
    ("elbow-right-bent", "angle", ("forearm-right", "upper-arm-right", "forearm-right", "hand-right"), (0, 110)),
    ("elbow-left-bent", "angle", ("forearm-left", "upper-arm-left", "forearm-left", "hand-left"), (0, 110)),
    ("hands-wide-apart", "nplane", ("upper-arm-left", "upper-arm-right", "hand-left", "hand-right"),
     2.5 * SHOULDER_WIDTH),
    ("hands-separate-fast", "move", ("hand-left", "hand-right", "hand-right"), 1.4 * HUMERUS),
    ("hand-left-moves-rootward-of-right", "move", ("hand-right", "pelvis", "hand-left"), 1.4 * HUMERUS),
    ("hand-right-moves-rootward-of-left", "move", ("hand-left", "pelvis", "hand-right"), 1.4 * HUMERUS),
    ("hand-right-fast", "fast", ("hand-right",), 2.5 * HUMERUS),
    ("hand-left-fast", "fast", ("hand-left",), 2.5 * HUMERUS),
    ("foot-right-in-front", "plane", ("pelvis", "thigh-left", "toes-left", "foot-right"), 0.38 * HUMERUS),
    ("foot-left-behind", "plane", ("pelvis", "thigh-right", "toes-right", "foot-left"), 0.38 * HUMERUS),
    ("foot-right-raised", "nplane", ("zero", "up", "floor", "foot-right"), 1.2 * HUMERUS),
    ("foot-left-raised", "nplane", ("zero", "up", "floor", "foot-left"), 1.2 * HUMERUS),
    ("feet-wide-apart", "nplane", ("thigh-left", "thigh-right", "foot-left", "foot-right"), 2.1 * HIP_WIDTH),
    ("knee-right-bent", "angle", ("shin-right", "thigh-right", "shin-right", "foot-right"), (0, 110)),
    ("knee-left-bent", "angle", ("shin-left", "thigh-left", "shin-left", "foot-left"), (0, 110)),
    ("foot-right-fast", "fast", ("foot-right",), 2.5 * HUMERUS),
    ("foot-left-fast", "fast", ("foot-left",), 2.5 * HUMERUS),
    ("arm-right-raised", "angle", ("neck", "pelvis", "upper-arm-right", "forearm-right"), (25, 180)),
    ("arm-left-raised", "angle", ("neck", "pelvis", "upper-arm-left", "forearm-left"), (25, 180)),
    ("thigh-right-raised", "angle", ("neck", "pelvis", "thigh-right", "shin-right"), (50, 180)),
    ("thigh-left-raised", "angle", ("neck", "pelvis", "thigh-left", "shin-left"), (50, 180)),
    ("pelvis-forward-of-feet", "plane", ("foot-right", "neck", "foot-left", "pelvis"), 0.5 * HUMERUS),
    ("torso-horizontal", "angle", ("neck", "pelvis", "zero", "up"), (70, 110)),
    ("hand-right-low", "nplane", ("zero", "down", "floor", "hand-right"), -1.2 * HUMERUS),
    ("hand-left-low", "nplane", ("zero", "down", "floor", "hand-left"), -1.2 * HUMERUS),
    ("root-fast", "fast", ("pelvis",), 2.3 * HUMERUS),
)
GEOMETRIC_NAMES = tuple(r[0] for r in GEOMETRIC_RELATIONS)


def geometric_features(traj: Trajectories, quirk: bool = False) -> np.ndarray:
    """Geometric features (32): the fraction of frames 1..T-1 in which each of ``GEOMETRIC_RELATIONS`` holds
    (after Müller et al., as in the AIST++ reference code, with its SMPL T-pose scales).

    Velocity relations divide a frame's displacement by Δt: ``quirk=True`` uses the reference's 1/120 s whatever
    the frame rate (at 60 fps it doubles every speed), ``quirk=False`` the true 1/fps.
    """
    p = landmarks(traj)
    if len(p) < 2:
        raise ValueError("geometric features need at least 2 frames")
    dt = REFERENCE_DT if quirk else 1.0 / traj.fps
    now, before = p[1:], p[:-1]
    n = len(now)
    floor = now[..., 1].min(axis=1)
    constants = {"zero": np.zeros(3), "up": np.array([0.0, 1.0, 0.0]), "down": np.array([0.0, -1.0, 0.0])}

    def at(name: str, frames: np.ndarray = now) -> np.ndarray:
        if name == "floor":
            return np.stack([np.zeros(n), floor, np.zeros(n)], axis=1)
        if name in constants:
            return np.broadcast_to(constants[name], (n, 3))
        return frames[:, _INDEX[B(name)]]

    def along(v: np.ndarray, direction: np.ndarray) -> np.ndarray:
        return np.einsum("ta,ta->t", v, direction) / np.linalg.norm(direction, axis=1)

    columns = []
    with np.errstate(invalid="ignore", divide="ignore"):  # a degenerate plane or bone: NaN compares False
        for _, kind, joints, threshold in GEOMETRIC_RELATIONS:
            j = [at(name) for name in joints]
            if kind in ("move", "nmove"):
                moving = joints[2] if kind == "move" else joints[3]
                velocity = (at(moving) - j[0] - (at(moving, before) - at(joints[0], before))) / dt
                direction = j[1] - j[0] if kind == "move" else np.cross(j[2] - j[0], j[1] - j[0])
                holds = along(velocity, direction) > threshold
            elif kind == "nplane":
                holds = along(j[3] - j[2], j[1] - j[0]) > threshold
            elif kind == "plane":
                holds = along(j[3] - j[0], np.cross(j[2] - j[0], j[1] - j[0])) > threshold
            elif kind == "angle":
                a, b = j[1] - j[0], j[3] - j[2]
                cosine = np.einsum("ta,ta->t", a, b) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
                angle = np.degrees(np.arccos(cosine))
                holds = (angle > threshold[0]) & (angle < threshold[1])
            else:  # fast
                holds = np.linalg.norm(j[0] - at(joints[0], before), axis=1) / dt > threshold
            columns.append(holds)
    return np.stack(columns, axis=1).mean(axis=0)
