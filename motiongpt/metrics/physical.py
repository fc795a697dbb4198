"""Physical plausibility: foot contact (PFC), foot skating (two variants), floor penetration and float, jitter,
bone-length drift. Positions in metres, y up; each function says at which frame rate its thresholds hold.

The floor is the clip's own (``laban.analysis.estimate_floor``: where the lowest foot joint rests, robust to
spikes and jumps) unless ``floor`` is given: real captures put it anywhere within centimetres of y = 0, and a
generator is judged on whether its feet stay on a consistent floor. Pass ``floor=0.0`` to hold output written in
a world frame to y = 0.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import minimum_filter1d

from laban import BodyPart as B
from laban import Trajectories
from laban.analysis import estimate_floor

from .features import LANDMARKS, landmarks, resample

_I = {part: i for i, part in enumerate(LANDMARKS)}
FEET = (B.FOOT_LEFT, B.TOES_LEFT, B.FOOT_RIGHT, B.TOES_RIGHT)
SKATING_VARIANTS = ("contact", "toe-speed")


def _floor(traj: Trajectories, floor: float | None) -> float:
    return estimate_floor(traj) if floor is None else float(floor)


def pfc(traj: Trajectories, fps: float = 30.0, window: float | None = 5.0) -> float:
    """Physical foot contact score (EDGE): 10⁴ × the mean over frames of (left foot's smaller horizontal ankle/toe
    displacement per frame) × (same, right foot) × (root acceleration with its upward part clamped to ≥ 0,
    normalised by its maximum in the clip). When the body is pushed, some foot must be planted. Lower is better.

    EDGE scores 5-second clips at 30 fps: the motion is resampled to ``fps`` and cut into ``window``-second pieces
    (the whole clip when None; a last piece under a second is dropped), and the pieces' scores are averaged.
    """
    p = resample(landmarks(traj), traj.fps, fps)
    size = len(p) if window is None else int(round(window * fps))
    starts = np.arange(0, max(len(p) - int(fps) + 1, 1), size) if len(p) > size else np.array([0])
    return float(np.mean([_pfc(p[s:s + size], fps) for s in starts]))


def _pfc(p: np.ndarray, fps: float) -> float:
    if len(p) < 3:
        return float("nan")
    root = p[:, _I[B.PELVIS]]
    accel = np.diff(root, 2, axis=0) * fps**2  # (T-2, 3)
    accel[:, 1] = np.maximum(accel[:, 1], 0.0)
    accel = np.linalg.norm(accel, axis=1)
    accel = accel / accel.max() if accel.max() > 0 else accel
    feet = p[:, [_I[f] for f in FEET]][..., [0, 2]]
    moved = np.linalg.norm(feet[2:] - feet[1:-1], axis=2)  # (T-2, 4) horizontal displacement per frame
    left, right = np.minimum(moved[:, 0], moved[:, 1]), np.minimum(moved[:, 2], moved[:, 3])
    return float(1e4 * np.mean(left * right * accel))


def foot_skating(traj: Trajectories, variant: str = "contact", floor: float | None = None) -> float:
    """Foot-skating ratio, by variant:

    - ``'contact'``: a foot is in contact when its ankle is at most 8 cm and its toe at most 5 cm above the
      floor; it skates when it moves more than 1 cm (horizontally, ankle or toe, whichever moves less) from one
      frame to the next while in contact. Ratio = skating frames / contact frames, averaged over the feet that
      touch the floor. Thresholds per frame at 60 fps: resample to 60 first (``landmark_trajectories``).
    - ``'toe-speed'``: a foot skates in a frame when its toe was below 5 cm in that frame and the one before and
      its horizontal speed exceeds 0.5 m/s; ratio = frames in which either foot skates / all frames.
    """
    p = landmarks(traj)
    height = p[..., 1] - _floor(traj, floor)
    feet = p[:, [_I[f] for f in FEET]]
    step = np.linalg.norm(np.diff(feet[..., [0, 2]], axis=0), axis=2)  # (T-1, 4)
    if variant == "contact":
        ankles, toes = height[:, [_I[B.FOOT_LEFT], _I[B.FOOT_RIGHT]]], height[:, [_I[B.TOES_LEFT], _I[B.TOES_RIGHT]]]
        contact = ((ankles <= 0.08) & (toes <= 0.05))[1:]  # (T-1, 2): the frame a step arrives in
        sliding = np.minimum(step[:, [0, 2]], step[:, [1, 3]]) > 0.01
        touching = contact.sum(axis=0)
        ratios = (contact & sliding).sum(axis=0)[touching > 0] / touching[touching > 0]
        return float(ratios.mean()) if len(ratios) else 0.0
    if variant == "toe-speed":
        toes = height[:, [_I[B.TOES_LEFT], _I[B.TOES_RIGHT]]]
        low = (toes[1:] < 0.05) & (toes[:-1] < 0.05)
        fast = step[:, [1, 3]] * traj.fps > 0.5
        return float((low & fast).any(axis=1).mean()) if len(low) else 0.0
    raise ValueError(f"unknown foot-skating variant {variant!r} (known: {', '.join(SKATING_VARIANTS)})")


def penetration(traj: Trajectories, floor: float | None = None) -> float:
    """Mean depth (mm) of the lowest landmark below the floor, over all frames (0 when it never goes under)."""
    lowest = landmarks(traj)[..., 1].min(axis=1) - _floor(traj, floor)
    return float(1e3 * np.maximum(-lowest, 0.0).mean())


def floating(traj: Trajectories, floor: float | None = None, longest_flight: float = 1.0) -> float:
    """Mean height (mm) of the lowest landmark above the floor where the body stays off it for longer than any
    jump: the lowest height within ±``longest_flight``/2 s of each frame, so flight shorter than that scores 0.
    Joint centres ride a few centimetres above the floor on planted feet, so real motion scores tens of mm."""
    lowest = landmarks(traj)[..., 1].min(axis=1) - _floor(traj, floor)
    size = max(int(round(longest_flight * traj.fps)) | 1, 1)
    return float(1e3 * np.maximum(minimum_filter1d(lowest, size, mode="nearest"), 0.0).mean())


def jitter(traj: Trajectories) -> float:
    """Mean over frames and landmarks of ‖third finite difference of position‖ × fps³ (m/s³). Depends strongly on
    the frame rate: compare at one rate (the protocol's 60 fps)."""
    p = landmarks(traj)
    if len(p) < 4:
        return float("nan")
    return float(np.linalg.norm(np.diff(p, 3, axis=0), axis=2).mean() * traj.fps**3)


def bone_drift(traj: Trajectories, shortest: float = 1e-3) -> float:
    """Bone-length drift (mm): the standard deviation over frames of each bone's length (every joint to its
    parent in the clip's own skeleton, bones shorter than ``shortest`` m left out), averaged over bones.
    0 for motion from rotations (BVH, a decoder's forward kinematics); positions from a network drift."""
    parents = traj.skeleton.parents
    child = np.flatnonzero(parents >= 0)
    lengths = np.linalg.norm(traj.positions[:, child] - traj.positions[:, parents[child]], axis=2)
    keep = lengths.mean(axis=0) >= shortest
    return float(1e3 * lengths[:, keep].std(axis=0).mean()) if keep.any() else 0.0
