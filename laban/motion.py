"""Motion as two plain types: ``Motion`` (joint rotations, what BVH stores and the decoder writes) and
``Trajectories`` (world joint positions, what the tokenizer, metrics and renderer read).

Forward kinematics lives here and nowhere else: every position in the package comes from ``Motion.trajectories``.
Conventions: metres, y up, quaternions scalar-last (x, y, z, w) as in ``scipy.spatial.transform.Rotation``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .skeleton import BodyPart, Skeleton


@dataclass
class Trajectories:
    """World positions (T, J, 3) in metres, y up, sampled at ``fps``."""

    skeleton: Skeleton
    positions: np.ndarray
    fps: float

    @property
    def frame_count(self) -> int:
        return int(self.positions.shape[0])

    @property
    def duration(self) -> float:
        return self.frame_count / self.fps

    def part(self, part: BodyPart) -> np.ndarray:
        """Positions (T, 3) of the joint at the proximal end of a body part."""
        return self.positions[:, self.skeleton.parts[part]]

    def resampled(self, fps: float) -> "Trajectories":
        """The nearest frame at each tick of the new rate (downsampling a capture loses nothing a score keeps)."""
        return Trajectories(self.skeleton, self.positions[_frames_at(self.frame_count, self.fps, fps)], fps)


@dataclass
class Motion:
    """Local joint rotations (T, J, 4) and the positions (T, K, 3) of the K joints that have position channels
    (``skeleton.translated``, usually the root alone), in metres, at ``fps`` frames per second."""

    skeleton: Skeleton
    rotations: np.ndarray
    translations: np.ndarray
    fps: float

    @property
    def frame_count(self) -> int:
        return int(self.rotations.shape[0])

    @property
    def duration(self) -> float:
        return self.frame_count / self.fps

    def trajectories(self, fps: float | None = None) -> Trajectories:
        """World joint positions by forward kinematics, at ``fps`` (default: the motion's own rate)."""
        frames = slice(None) if fps is None else _frames_at(self.frame_count, self.fps, fps)
        positions = forward_kinematics(self.skeleton, self.rotations[frames], self.translations[frames])
        return Trajectories(self.skeleton, positions, self.fps if fps is None else fps)


def forward_kinematics(skeleton: Skeleton, rotations: np.ndarray, translations: np.ndarray) -> np.ndarray:
    """World positions (T, J, 3) from local rotations (T, J, 4) and translated joints' positions (T, K, 3).

    Vectorised over frames; the only loop is over joints, parents first.
    """
    local = quaternion_to_matrix(rotations)
    frames, joints = local.shape[:2]
    offsets = np.broadcast_to(skeleton.offsets.astype(local.dtype), (frames, joints, 3)).copy()
    for k, j in enumerate(skeleton.translated):
        offsets[:, j] = translations[:, k]
    world_rot = np.empty_like(local)
    world_pos = np.empty((frames, joints, 3), dtype=local.dtype)
    for j, p in enumerate(skeleton.parents):
        if p < 0:
            world_rot[:, j] = local[:, j]
            world_pos[:, j] = offsets[:, j]
        else:
            world_rot[:, j] = world_rot[:, p] @ local[:, j]
            world_pos[:, j] = world_pos[:, p] + np.einsum("tab,tb->ta", world_rot[:, p], offsets[:, j])
    return world_pos


def quaternion_to_matrix(q: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) from unit quaternions (..., 4), scalar last."""
    x, y, z, w = np.moveaxis(q, -1, 0)
    xx, yy, zz = x * x, y * y, z * z
    xy, xz, yz, wx, wy, wz = x * y, x * z, y * z, w * x, w * y, w * z
    m = np.stack([
        1 - 2 * (yy + zz), 2 * (xy - wz), 2 * (xz + wy),
        2 * (xy + wz), 1 - 2 * (xx + zz), 2 * (yz - wx),
        2 * (xz - wy), 2 * (yz + wx), 1 - 2 * (xx + yy),
    ], axis=-1)
    return m.reshape(q.shape[:-1] + (3, 3))


def _frames_at(frame_count: int, source_fps: float, target_fps: float) -> np.ndarray:
    if target_fps <= 0:
        raise ValueError(f"frame rate must be positive, not {target_fps}")
    # The ticks inside the motion's time [0, frame_count / source_fps): counted, not stepped in floats, which
    # overshoot by a tick (60 to 30 fps: 1,772 frames gave 887 ticks, the last a copy of the frame before).
    ticks = np.arange(math.ceil(frame_count * target_fps / source_fps - 1e-6)) / target_fps
    return np.minimum(np.round(ticks * source_fps).astype(np.int64), frame_count - 1)
