"""The camera: from three-quarters in front, slightly above, chosen once per clip from where the dancers face (or
across the line a duet spreads along); it follows the pelvises through a low-pass filter and moves back just far
enough to keep every joint in frame. ``Camera.project`` gives the pixels where it sees any point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d, maximum_filter1d

from .body import Figure, _unit

YFOV = np.radians(38.0)
ELEVATION = np.radians(14.0)  # the camera looks down on the dancers this much
THREE_QUARTER = np.radians(35.0)  # and this far round from straight in front
MARGIN = 0.9  # the dancers fill at most this part of the frame's half-width and half-height
PAD = 0.1  # metres added round every joint when framing: the body's own thickness
FOLLOW = 0.4  # s, the low-pass filter (Gaussian sigma) the camera's aim follows the pelvises through
ZOOM_HOLD = 1.5  # s, how long the camera stays back after the dancers needed it


@dataclass
class Camera:
    """Camera-to-world poses (N, 4, 4), looking down -z with y up, the vertical field of view, the image size
    and the points (N, 3) the camera looks at (on the floor: where the stage's pool of light follows)."""

    poses: np.ndarray
    yfov: float
    size: tuple[int, int]
    aims: np.ndarray | None = None

    def project(self, points: np.ndarray) -> np.ndarray:
        """Pixel coordinates (N, ..., 2) (x right, y down, from the top-left corner) of world points (N, ..., 3)."""
        width, height = self.size
        world_to_cam = np.linalg.inv(self.poses)
        flat = points.reshape(points.shape[0], -1, 3)
        cam = np.einsum("nab,npb->npa", world_to_cam[:, :3, :3], flat) + world_to_cam[:, None, :3, 3]
        t = np.tan(self.yfov / 2)
        depth = np.maximum(-cam[..., 2], 1e-6)
        ndc_x = cam[..., 0] / depth / (t * width / height)
        ndc_y = cam[..., 1] / depth / t
        pixels = np.stack([(ndc_x + 1) / 2 * width, (1 - ndc_y) / 2 * height], axis=-1)
        return pixels.reshape(points.shape[:-1] + (2,))


def follow_camera(figures: list[Figure], fps: float, size: tuple[int, int], *, follow: float = FOLLOW,
                  steady_zoom: bool = False) -> Camera:
    """A three-quarter view slightly above that follows the dancers' pelvises and keeps every joint in frame.

    ``follow``: seconds of low-pass on the aim (0: locked on the pelvises). ``steady_zoom``: one distance for the
    whole clip (poses side by side stay comparable) instead of moving back and in as the dancers need.
    """
    count = max(f.frame_count for f in figures)
    points = np.concatenate([_held(f.points, count) for f in figures], axis=1)  # (N, P, 3)
    pelvis = np.mean([_held(f.points[:, f.pelvis], count) for f in figures], axis=0)
    height = max(f.height for f in figures)
    aim = pelvis.copy()
    if follow > 0 and count > 1:
        aim = gaussian_filter1d(aim, follow * fps, axis=0, mode="nearest")
    aim[:, 1] = 0.5 * height

    back = _view_direction(figures, count)  # unit vector from the dancers towards the camera
    z = np.array([back[0] * np.cos(ELEVATION), np.sin(ELEVATION), back[2] * np.cos(ELEVATION)])
    x = _unit(np.cross([0.0, 1.0, 0.0], z))
    y = np.cross(z, x)
    width, height_px = size
    tan_v = np.tan(YFOV / 2) * MARGIN
    tan_h = tan_v * width / height_px
    rel = points - aim[:, None, :]
    along = rel @ z
    need = np.maximum(along + (np.abs(rel @ x) + PAD) / tan_h, along + (np.abs(rel @ y) + PAD) / tan_v)
    distance = np.maximum(need.max(axis=1), 2.0)
    if steady_zoom:
        distance = np.full(count, distance.max())
    elif count > 1:
        held = maximum_filter1d(distance, size=max(1, int(round(2 * ZOOM_HOLD * fps))) | 1, mode="nearest")
        distance = np.maximum(gaussian_filter1d(held, 0.5 * fps, mode="nearest"), distance)
    poses = np.tile(np.eye(4), (count, 1, 1))
    poses[:, :3, 0], poses[:, :3, 1], poses[:, :3, 2] = x, y, z
    poses[:, :3, 3] = aim + distance[:, None] * z
    return Camera(poses, YFOV, size, aim * np.array([1.0, 0.0, 1.0]))


def _view_direction(figures: list[Figure], count: int) -> np.ndarray:
    """Horizontal unit vector towards the camera: three-quarters in front of where the dancers mostly face, or,
    when they face every way (a duet facing each other, a dancer turning), across the line they spread along."""
    facing = np.concatenate([_held(f.forward, count) for f in figures]).mean(axis=0)
    facing[1] = 0.0
    if np.linalg.norm(facing) > 0.35:
        front = _unit(facing)
    else:
        spread = np.concatenate([_held(f.points[:, f.pelvis], count) for f in figures])[:, [0, 2]]
        spread = spread - spread.mean(axis=0)
        _, _, axes = np.linalg.svd(spread, full_matrices=False)
        along = np.array([axes[0, 0], 0.0, axes[0, 1]])
        front = _unit(np.cross(along, [0.0, 1.0, 0.0]))
        if np.linalg.norm(facing) > 1e-6 and front @ facing < 0:
            front = -front
    c, s = np.cos(THREE_QUARTER), np.sin(THREE_QUARTER)
    return np.array([c * front[0] + s * front[2], 0.0, -s * front[0] + c * front[2]])


def _held(values: np.ndarray, count: int) -> np.ndarray:
    """The first ``count`` frames of ``values``, the last frame held when it is shorter."""
    if values.shape[0] >= count:
        return values[:count]
    return np.concatenate([values, np.repeat(values[-1:], count - values.shape[0], axis=0)])
