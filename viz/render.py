"""The dancer: a shaded mannequin per performer on a gridded floor, seen by a camera that follows, rendered
off-screen with pyrender (EGL: no display needed, and no GPU: Mesa's llvmpipe rasterises on the CPU).

    >>> frames = render_frames([motion], slice(0, 30))      # (30, 480, 640, 3) uint8 at 30 fps
    >>> render("duet.mp4", [lead, follow], score=score)     # the one entry point: MP4, GIF or contact sheet PNG

The body is built once per dancer from its recognised body parts (``laban.bodyparts``): a capsule per bone
(thicker for the thighs than the shins, and so on), ellipsoids for the pelvis and the ribcage that turn with the
hips and the shoulders, balls at the shoulders, a head with a nose that shows where the chest faces. The left
limbs are a lighter shade of the dancer's colour than the right, as a score's left and right columns are read.
Every rigid piece gets a pose per frame (``Figure.solids``); a frame moves the pieces' vertices in numpy, shades
them there (a sky/floor hemisphere, a key, a fill and a back light, a soft highlight and a rim), and GL draws all
bodies as one unlit mesh over a transparent background: with a software rasteriser that is several times faster
than a lit draw call per bone. Each dancer stands on the floor of its own capture (``estimate_floor``), which
becomes y = 0.

The floor and the sky (``Stage``) are drawn per pixel in numpy, on a worker thread while GL draws the bodies:
anti-aliased lines every metre and half metre, a pool of light that follows the dancers, haze to the horizon,
and the contact shadows (``shadows``): a soft dark blob under each foot and each pelvis that grows and fades as
it rises from the floor (drawn on the floor itself, they need no depth tricks and never cover a foot).

The camera looks from three-quarters in front, slightly above, chosen once per clip from where the dancers face
(or across the line a duet spreads along), follows the pelvises through a low-pass filter and moves back just
far enough to keep every joint in frame. ``project`` gives the pixels where it sees each joint.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d, maximum_filter1d

from laban.bodyparts import recognised
from laban.errors import LabanError
from laban.motion import Motion, Trajectories
from laban.skeleton import BodyPart as B
from laban.skeleton import Skeleton
from laban.analysis import estimate_floor
from laban.beats import beat_grid

Dancer = Motion | Trajectories
Frames = slice | Sequence[int] | np.ndarray | None

NO_GL = ("no OpenGL for off-screen rendering: install the Debian packages libegl1 and libgl1-mesa-dri "
         "(apt-get install libegl1 libgl1-mesa-dri) and set PYOPENGL_PLATFORM=egl")

# Dancer colours (sRGB): a warm coral and a cool blue first, so that a duet reads at a glance.
COLORS = ("#e4683f", "#2f7fc1", "#4f9d57", "#9b5fc0", "#d4a82a", "#d0508a")
SKY, HORIZON = "#d5dbe4", "#eef0f3"  # the sky from its top down to the horizon
FLOOR, GRID, HAZE = "#dcd8d0", "#8f8a80", "#e6e7e9"  # the floor near, its lines every metre, far away

YFOV = np.radians(38.0)
ELEVATION = np.radians(14.0)  # the camera looks down on the dancers this much
THREE_QUARTER = np.radians(35.0)  # and this far round from straight in front
MARGIN = 0.9  # the dancers fill at most this part of the frame's half-width and half-height
PAD = 0.1  # metres added round every joint when framing: the body's own thickness
FOLLOW = 0.4  # s, the low-pass filter (Gaussian sigma) the camera's aim follows the pelvises through
ZOOM_HOLD = 1.5  # s, how long the camera stays back after the dancers needed it
# Body lighting (linear): directional lights at degrees round from the camera (positive: to its left) and
# degrees up, with intensity and colour; a sky above and the floor's bounce below; a rim and a highlight.
LIGHTS = ((40.0, 50.0, 1.1, (1.0, 0.96, 0.9)), (-70.0, 15.0, 0.22, (0.8, 0.88, 1.0)),
          (165.0, 35.0, 0.35, (1.0, 1.0, 1.0)))
SKY_LIGHT, GROUND_LIGHT = np.array([0.26, 0.28, 0.32]), np.array([0.13, 0.12, 0.11])
WRAP, SHINE, RIM = 0.2, 0.12, 0.08
CAPSULE_SECTIONS = (16, 12)  # trimesh's count: round each cap, along
SPHERE_SUBDIVISIONS = 2  # an icosphere's: 320 triangles
LONG_RENDER = 60  # frames: a render this long shows a progress bar
REFERENCE_HEIGHT = 1.7  # m; body radii below are for a dancer this tall and scale with the dancer's height

# Radii in metres for a 1.7 m dancer.
R_WAIST, R_NECK, R_HEAD = 0.08, 0.042, 0.105
R_SHOULDER, R_UPPER_ARM, R_FOREARM, R_HAND = 0.052, 0.046, 0.038, 0.034
R_THIGH, R_SHIN, R_FOOT = 0.068, 0.05, 0.038


# --- the bodies ---------------------------------------------------------------------------------------------

@dataclass
class Solid:
    """One rigid piece of a body: a capsule along z centred at the origin (``length`` between its cap centres),
    a sphere, or a unit sphere that its poses stretch into an ellipsoid; ``poses`` (T, 4, 4) place it per frame."""

    kind: str  # 'capsule' | 'sphere' | 'ellipsoid'
    radius: float
    length: float
    tint: str  # 'torso' | 'left' | 'right'
    poses: np.ndarray


@dataclass
class Figure:
    """One dancer as the renderer draws it: points (T, P, 3) with the floor at y = 0 (the skeleton's joints first,
    then derived points: hand and toe tips, head centre), the solids of its body, and where its feet are."""

    points: np.ndarray
    joint_count: int
    floor: float  # the capture's floor height, subtracted
    height: float  # standing height of the top of the head above the floor, metres
    pelvis: int
    forward: np.ndarray  # (T, 3) horizontal front of the chest
    solids: list[Solid] = field(default_factory=list)
    feet: list[tuple[int, int]] = field(default_factory=list)  # ankle, toe tip: a contact shadow each

    @property
    def frame_count(self) -> int:
        return int(self.points.shape[0])

    def add(self, point: np.ndarray) -> int:
        self.points = np.concatenate([self.points, point[:, None, :]], axis=1)
        return self.points.shape[1] - 1

    def capsule(self, a: int, b: int, radius: float, tint: str) -> None:
        pa, pb = self.points[:, a], self.points[:, b]
        rest = float(np.median(np.linalg.norm(pb - pa, axis=1)))
        if rest > 0.01:
            self.solids.append(Solid("capsule", radius, rest, tint, _bone_poses(pa, pb, rest)))

    def sphere(self, centre: np.ndarray, radius: float, tint: str) -> None:
        poses = np.tile(np.eye(4), (len(centre), 1, 1))
        poses[:, :3, 3] = centre
        self.solids.append(Solid("sphere", radius, 0.0, tint, poses))

    def ellipsoid(self, centre: np.ndarray, x: np.ndarray, y: np.ndarray, half: tuple[float, float, float],
                  tint: str) -> None:
        """An ellipsoid with half-axes ``half`` along x, y (orthogonalised to x) and their cross product."""
        x = _unit(x)
        y = _unit(y - np.sum(y * x, axis=1, keepdims=True) * x)
        poses = np.tile(np.eye(4), (len(centre), 1, 1))
        poses[:, :3, :3] = np.stack([x, y, np.cross(x, y)], axis=2) * np.asarray(half)
        poses[:, :3, 3] = centre
        self.solids.append(Solid("ellipsoid", 1.0, 0.0, tint, poses))


def figure(dancer: Dancer, fps: float) -> Figure:
    """The figure of a dancer at ``fps`` frames per second (a ``Motion`` also gives its BVH end sites: toe tips)."""
    skeleton = recognised(dancer.skeleton)
    if isinstance(dancer, Motion):
        positions, ends = _positions_with_end_sites(dancer, fps)
    else:
        traj = dancer if abs(dancer.fps - fps) < 1e-9 else dancer.resampled(fps)
        positions, ends = np.asarray(traj.positions, dtype=np.float64), {}
    if positions.shape[0] == 0:
        raise LabanError("a motion with no frames cannot be rendered")
    floor = estimate_floor(Trajectories(skeleton, positions, fps))
    positions = positions - np.array([0.0, floor, 0.0])
    parts = skeleton.parts
    p = lambda part: positions[:, parts[part]]
    height = float(np.median(p(B.HEAD)[:, 1])) * 1.09  # the skull's top is ~9 % of stature above the head joint
    s = height / REFERENCE_HEIGHT

    # The body's axes: up along the spine, right across the shoulders and the hips, forward out of the chest.
    up = _unit(p(B.HEAD) - p(B.PELVIS))
    shoulders = p(B.UPPER_ARM_RIGHT) - p(B.UPPER_ARM_LEFT)
    hips = p(B.THIGH_RIGHT) - p(B.THIGH_LEFT)
    forward = _unit(np.cross(up, shoulders))
    level = _unit(forward * np.array([1.0, 0.0, 1.0]))
    fig = Figure(positions.copy(), skeleton.joint_count, floor, height, parts[B.PELVIS], level)

    # Torso: a pelvis and a ribcage (ellipsoids that turn with the hips and the shoulders), a waist between them,
    # the neck and a head whose nose shows where the chest faces.
    neck = parts.get(B.NECK, parts[B.CHEST])
    pelvis_up = _unit(positions[:, neck] - p(B.PELVIS))
    hip_width = float(np.median(np.linalg.norm(hips, axis=1)))
    pelvis = fig.add((p(B.THIGH_LEFT) + p(B.THIGH_RIGHT)) / 2 + pelvis_up * 0.045 * s)
    fig.ellipsoid(fig.points[:, pelvis], hips, pelvis_up, (hip_width / 2 + 0.075 * s, 0.105 * s, 0.092 * s), "torso")
    chest_up = _unit((p(B.UPPER_ARM_LEFT) + p(B.UPPER_ARM_RIGHT)) / 2 - p(B.PELVIS))
    shoulder_width = max(float(np.median(np.linalg.norm(shoulders, axis=1))), 0.3 * s)
    chest = fig.add((p(B.UPPER_ARM_LEFT) + p(B.UPPER_ARM_RIGHT)) / 2 - chest_up * 0.13 * s)
    fig.ellipsoid(fig.points[:, chest], shoulders, chest_up, (shoulder_width / 2 - 0.015 * s, 0.15 * s, 0.09 * s),
                  "torso")
    fig.capsule(pelvis, chest, R_WAIST * s, "torso")
    neck_base = fig.add(fig.points[:, chest] + chest_up * 0.12 * s)
    head_dir = _unit(p(B.HEAD) - positions[:, skeleton.parents[parts[B.HEAD]]])
    head = fig.add(p(B.HEAD) + head_dir * 0.5 * R_HEAD * s)
    fig.capsule(neck_base, head, R_NECK * s, "torso")
    fig.sphere(fig.points[:, head], R_HEAD * s, "torso")
    fig.sphere(fig.points[:, head] + forward * 0.92 * R_HEAD * s, 0.026 * s, "torso")

    for side in ("left", "right"):
        part = lambda name, side=side: parts[B(f"{name}-{side}")]
        # Arms: a shoulder ball, upper arm, forearm and a hand pointing along the fingers.
        fig.sphere(positions[:, part("upper-arm")], R_SHOULDER * s, side)
        fig.capsule(part("upper-arm"), part("forearm"), R_UPPER_ARM * s, side)
        fig.capsule(part("forearm"), part("hand"), R_FOREARM * s, side)
        wrist = part("hand")
        fingers = skeleton.children(wrist)
        pointing = positions[:, fingers].mean(axis=1) - positions[:, wrist] if fingers else None
        if pointing is None or np.median(np.linalg.norm(pointing, axis=1)) < 0.01:
            pointing = positions[:, wrist] - positions[:, part("forearm")]
        fig.capsule(wrist, fig.add(positions[:, wrist] + _unit(pointing) * 0.085 * s), R_HAND * s, side)
        # Legs: thigh, shin and a foot to the tip of the toes.
        fig.capsule(part("thigh"), part("shin"), R_THIGH * s, side)
        fig.capsule(part("shin"), part("foot"), R_SHIN * s, side)
        ankle = part("foot")
        toes = parts.get(B(f"toes-{side}"))
        foot = [ankle] + ([toes] if toes is not None else [])
        if foot[-1] in ends:
            tip = fig.add(ends[foot[-1]] - np.array([0.0, floor, 0.0]))
        elif toes is not None:
            tip = fig.add(positions[:, toes] + _unit(positions[:, toes] - positions[:, ankle]) * 0.05 * s)
        else:  # no toes and no end site: the foot points where the body faces, down towards the floor
            guess = positions[:, ankle] + level * 0.14 * s
            guess[:, 1] = np.maximum(positions[:, ankle, 1] - 0.05 * s, 0.025 * s)
            tip = fig.add(guess)
        for a, b in zip(foot, foot[1:] + [tip]):
            fig.capsule(a, b, R_FOOT * s, side)
        fig.feet.append((ankle, tip))
    return fig


def _positions_with_end_sites(motion: Motion, fps: float) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Joint positions (T, J, 3) at ``fps`` and the positions (T, 3) of each joint's BVH end site."""
    skel = motion.skeleton
    ends = sorted(skel.end_sites)
    if not ends:
        return np.asarray(motion.trajectories(fps).positions, dtype=np.float64), {}
    extended = Skeleton(
        skel.names + tuple(f"{skel.names[j]}/end" for j in ends),
        np.concatenate([skel.parents, ends]),
        np.concatenate([skel.offsets, [skel.end_sites[j] for j in ends]]),
        skel.channels + (("Zrotation", "Yrotation", "Xrotation"),) * len(ends),
    )
    still = np.zeros(motion.rotations.shape[:1] + (len(ends), 4), dtype=motion.rotations.dtype)
    still[..., 3] = 1.0
    both = Motion(extended, np.concatenate([motion.rotations, still], axis=1), motion.translations, motion.fps)
    positions = np.asarray(both.trajectories(fps).positions, dtype=np.float64)
    joints = skel.joint_count
    return positions[:, :joints], {j: positions[:, joints + k] for k, j in enumerate(ends)}


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


# --- the camera ---------------------------------------------------------------------------------------------

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


# --- the stage ----------------------------------------------------------------------------------------------

class Stage:
    """The floor and the sky, drawn per pixel in numpy for a camera pose: a pale floor with anti-aliased lines
    every metre (fainter every half metre), lit a little brighter round the dancers, fading into a haze towards
    a soft horizon under a graded sky. The lines thin out where they get denser than the pixels.

    The camera never rolls (its x axis stays level), so a row of pixels sees the floor at one depth: everything
    per pixel is an outer product of per-row and per-column terms, a few dozen float32 operations a frame.
    """

    LIGHT_POOL = 3.5  # m, radius of the brighter floor round the dancers
    HAZE_DISTANCE = 16.0  # m, where the floor is 63 % haze
    LINES = ((1.0, 0.012, 0.55), (0.5, 0.007, 0.25))  # spacing, half-width (m), strength

    def __init__(self, size: tuple[int, int], yfov: float) -> None:
        width, height = size
        t = np.tan(yfov / 2)
        self.u = (((np.arange(width) + 0.5) / width * 2 - 1) * t * width / height).astype(np.float32)
        self.v = ((1 - (np.arange(height) + 0.5) / height * 2) * t).astype(np.float32)
        self.norm = np.sqrt(self.u[None, :] ** 2 + self.v[:, None] ** 2 + 1).astype(np.float32)  # |ray|
        self.norm15 = self.norm ** 1.5
        self.pixel = np.float32(2 * t / height)  # radians per pixel
        self.half_extent = (t * width / height, t)  # of the image plane at distance 1
        self.colors = {k: np.array(_rgb(c), dtype=np.float32) * 255
                       for k, c in (("sky", SKY), ("horizon", HORIZON), ("floor", FLOOR), ("grid", GRID),
                                    ("haze", HAZE))}
        self._local = threading.local()  # scratch planes per thread: numpy is fastest in memory it already has

    def image(self, pose: np.ndarray, centre: np.ndarray, blobs: np.ndarray | None = None) -> np.ndarray:
        """The stage as three planes (3, H, W) float32 in 0..255 seen from camera pose (4, 4) (its x axis
        level), lit round ``centre``, with the contact shadows ``blobs`` (K, 7) of ``shadows`` on the floor."""
        c, f32 = self.colors, np.float32
        shape = self.norm.shape
        work = getattr(self._local, "work", None)
        if work is None:
            work = self._local.work = np.empty((8,) + shape, dtype=np.float32)
        rot = pose[:3, :3].astype(np.float32)
        origin = pose[:3, 3]
        h = f32(max(float(origin[1]), 0.05))
        # The world ray of pixel (row j, column i) is u_i * x_axis + v_j * y_axis - z_axis; its height does not
        # depend on i.
        dy = self.v * rot[1, 1] - rot[1, 2]
        rows = np.flatnonzero(dy < -1e-4)
        top = rows[0] if len(rows) else shape[0]
        sky = np.clip(dy[:top] / np.sqrt(self.v[:top] ** 2 + 1) * 3.0, 0, 1)
        out = np.empty((3,) + shape, dtype=np.float32)
        for k in range(3):
            out[k, :top] = (c["horizon"][k] + (c["sky"][k] - c["horizon"][k]) * sky)[:, None]
        if top == shape[0]:
            return out
        n = shape[0] - top
        x, z, foot, ink, cover, f, reach, upper = (w[:n] for w in work)
        dyf = dy[top:]
        t = h / -dyf  # per row: the ray parameter where it meets the floor
        np.multiply.outer(t, self.u * rot[0, 0], out=x)
        x += (t * (self.v[top:] * rot[0, 1] - rot[0, 2]) + f32(origin[0]))[:, None]
        np.multiply.outer(t, self.u * rot[2, 0], out=z)
        z += (t * (self.v[top:] * rot[2, 1] - rot[2, 2]) + f32(origin[2]))[:, None]
        # Footprint of a pixel on the floor (m): distance × pixel angle, stretched where the view grazes.
        np.multiply((t * np.sqrt(-1 / dyf) * self.pixel)[:, None], self.norm15[top:], out=foot)
        ink.fill(0)
        for spacing, width, strength in self.LINES:
            # In units of the spacing a line covers [-w, w] and a pixel [off - f/2, off + f/2]: the covered share
            # is (w + f/2 - off) / f, at most 2w / f and 1, faded out where lines crowd closer than pixels.
            np.multiply(foot, f32(1 / spacing), out=f)
            np.multiply(f, f32(0.5), out=reach)
            reach += f32(width / spacing)
            np.multiply(f, f32(-4), out=upper)
            upper += f32(1.5)
            np.clip(upper, f32(0), f32(1), out=upper)
            upper *= f32(strength)
            np.divide(f32(1), f, out=f)  # f is now 1 / footprint
            np.minimum(upper, f * f32(2 * width / spacing * strength), out=upper)
            for coord in (x, z):
                np.multiply(coord, f32(1 / spacing), out=cover)
                np.subtract(cover, np.rint(cover), out=cover)
                np.abs(cover, out=cover)
                np.subtract(reach, cover, out=cover)
                cover *= f
                cover *= f32(strength)
                np.clip(cover, f32(0), upper, out=cover)
                np.maximum(ink, cover, out=ink)
        # Brighter round the dancers (smooth: worked out on every fourth pixel) and hazier far away (per row).
        step = 4
        xs, zs = x[::step, ::step] - f32(centre[0]), z[::step, ::step] - f32(centre[2])
        pool = np.exp((xs * xs + zs * zs) * f32(-1 / self.LIGHT_POOL ** 2)) * f32(0.08) + f32(0.94)
        keep = np.repeat(np.repeat(pool, step, axis=0), step, axis=1)[:n, :shape[1]]
        haze = 1 - np.exp(t * self.norm[top:, shape[1] // 2] * f32(-1 / self.HAZE_DISTANCE))
        for blob in () if blobs is None else blobs:
            self._shadow(keep, x, z, top, pose, blob)
        keep *= (1 - haze)[:, None]
        for k in range(3):
            channel = out[k, top:]
            np.multiply(ink, c["grid"][k] - c["floor"][k], out=channel)
            channel += c["floor"][k]
            channel *= keep
            channel += (c["haze"][k] * haze)[:, None]
        return out

    def _shadow(self, keep: np.ndarray, x: np.ndarray, z: np.ndarray, top: int, pose: np.ndarray,
                blob: np.ndarray) -> None:
        """Darken ``keep`` (the floor rows from ``top``) with one soft elliptic blob, inside its box on screen."""
        cx, cz, ux, uz, half_length, half_width, opacity = blob
        if opacity <= 0.005:
            return
        height, width = self.norm.shape
        corners = np.array([[cx + i * half_length * ux + j * half_width * uz, 0.0,
                             cz + i * half_length * uz - j * half_width * ux] for i in (-1, 1) for j in (-1, 1)])
        cam = (corners - pose[:3, 3]) @ pose[:3, :3]  # camera coordinates: x right, y up, looking down -z
        if (cam[:, 2] > -1e-3).any():  # partly behind the camera: search the whole floor
            rows, cols = slice(0, height - top), slice(0, width)
        else:
            col = (cam[:, 0] / -cam[:, 2] / self.half_extent[0] + 1) * width / 2
            row = (1 - cam[:, 1] / -cam[:, 2] / self.half_extent[1]) * height / 2
            c0, c1 = int(np.clip(col.min() - 2, 0, width)), int(np.clip(col.max() + 3, 0, width))
            r0, r1 = int(np.clip(row.min() - 2, top, height)), int(np.clip(row.max() + 3, top, height))
            rows, cols = slice(r0 - top, r1 - top), slice(c0, c1)
        dx, dz = x[rows, cols] - np.float32(cx), z[rows, cols] - np.float32(cz)
        a = (dx * np.float32(ux) + dz * np.float32(uz)) * np.float32(1 / half_length)
        b = (dx * np.float32(uz) - dz * np.float32(ux)) * np.float32(1 / half_width)
        falloff = np.clip(1 - np.sqrt(a * a + b * b), 0, 1) ** 1.5
        keep[rows, cols] *= 1 - np.float32(opacity) * falloff


# --- the scene ----------------------------------------------------------------------------------------------

class DanceScene:
    """Dancers on a floor, a follow camera and an off-screen renderer; frames are numbered at ``fps``.

    Use as a context manager (or call ``close``) to free the GL context.
    """

    def __init__(self, dancers: Sequence[Dancer], *, fps: float = 30.0, size: tuple[int, int] = (640, 480),
                 colors: Sequence | None = None, follow: float = FOLLOW, steady_zoom: bool = False) -> None:
        if not dancers:
            raise LabanError("nothing to render: no dancers")
        if fps <= 0:
            raise LabanError(f"frame rate must be positive, not {fps}")
        self.size = (int(size[0]), int(size[1]))
        if min(self.size) < 8:
            raise LabanError(f"image size {self.size[0]}x{self.size[1]} is too small")
        self.fps = float(fps)
        self.figures = [figure(d, fps) for d in dancers]
        self.frame_count = max(f.frame_count for f in self.figures)
        palette = list(colors) if colors else list(COLORS)
        self.colors = [_rgb(palette[k % len(palette)]) for k in range(len(self.figures))]
        self.camera = follow_camera(self.figures, self.fps, self.size, follow=follow, steady_zoom=steady_zoom)
        self._scene = None
        self._renderer = None
        self._stage = Stage(self.size, self.camera.yfov)
        self.cpu = {"floor": 0.0, "bodies": 0.0, "compositing": 0.0, "frames": 0}

    @property
    def duration(self) -> float:
        return self.frame_count / self.fps

    def indices(self, frames: Frames = None) -> np.ndarray:
        if frames is None:
            return np.arange(self.frame_count)
        if isinstance(frames, slice):
            return np.arange(self.frame_count)[frames]
        idx = np.asarray(frames, dtype=np.int64).reshape(-1)
        if idx.size and (idx.min() < 0 or idx.max() >= self.frame_count):
            raise LabanError(f"frames must lie in 0..{self.frame_count - 1}")
        return idx

    def project(self, frames: Frames = None) -> list[np.ndarray]:
        """Pixel coordinates (N, J, 2) of each dancer's skeleton joints in the selected frames."""
        idx = self.indices(frames)
        cam = Camera(self.camera.poses[idx], self.camera.yfov, self.size)
        return [cam.project(_held(f.points, self.frame_count)[idx, :f.joint_count]) for f in self.figures]

    def frames(self, frames: Frames = None, *, show_dancers: bool = True, progress: bool = False
               ) -> Iterator[np.ndarray]:
        """Rendered frames (H, W, 3) uint8, one by one; ``show_dancers=False`` gives the empty stage.

        The stage of the next frames is drawn on a worker thread (numpy lets go of the GIL) while GL draws this
        one's bodies."""
        from concurrent.futures import ThreadPoolExecutor

        from .video import Progress

        idx = self.indices(frames)
        self._gl()
        ahead = 2
        with ThreadPoolExecutor(1, thread_name_prefix="stage") as pool, \
                Progress(len(idx), "rendering", enabled=progress) as bar:
            stages = [pool.submit(self._stage_image, i, show_dancers) for i in idx[:ahead]]
            for k, i in enumerate(idx):
                stage = stages[k].result()
                stages[k] = None
                if k + ahead < len(idx):
                    stages.append(pool.submit(self._stage_image, idx[k + ahead], show_dancers))
                image = self.frame(int(i), show_dancers=show_dancers, stage=stage)
                bar.update()
                yield image

    def frame(self, i: int, *, show_dancers: bool = True, stage: np.ndarray | None = None) -> np.ndarray:
        """Frame ``i`` (H, W, 3) uint8: the stage from numpy (``Stage.image``, unless given), the bodies and their
        shadows from GL over it.

        ``cpu`` adds up the process CPU seconds spent in each part (for the bench; only while nothing else runs
        in the process, as when frames are asked for one by one)."""
        renderer = self._gl()
        c0 = time.process_time()
        if stage is None:
            stage = self._stage_image(i, show_dancers)
        c1 = c2 = time.process_time()
        rgba = None
        if show_dancers:
            self._pose(i)
            rgba, _ = renderer.render(self._scene, flags=self._pr.RenderFlags.RGBA | self._pr.RenderFlags.FLAT)
            c2 = time.process_time()
        image = _composite(stage, rgba)
        c3 = time.process_time()
        for part, seconds in (("floor", c1 - c0), ("bodies", c2 - c1), ("compositing", c3 - c2)):
            self.cpu[part] += seconds
        self.cpu["frames"] += 1
        return image

    def _stage_image(self, i: int, show_dancers: bool) -> np.ndarray:
        blobs = shadows(self.figures, i) if show_dancers else None
        return self._stage.image(self.camera.poses[i], self.camera.aims[i], blobs)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.delete()
            self._renderer = None

    def __enter__(self) -> "DanceScene":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - the GL context may already be gone at interpreter exit
            pass

    # The GL side: built on the first frame asked for. The floor and the sky are drawn in numpy (``Stage``), the
    # bodies and their shadows by GL on a transparent background over them, as two meshes rebuilt from numpy each
    # frame: with a software rasteriser that costs far less than a draw call per bone or a shaded floor.
    def _gl(self):
        if self._renderer is None:
            pyrender = _pyrender()
            self._build(pyrender)
            try:
                self._renderer = pyrender.OffscreenRenderer(*self.size)
            except Exception as error:  # EGL/OSMesa failures come in many types
                raise LabanError(f"{NO_GL} ({_one_line(error)})") from error
        return self._renderer

    def _build(self, pyrender) -> None:
        self._pr = pyrender
        scene = pyrender.Scene(bg_color=[0.0, 0.0, 0.0, 0.0])
        self._scene = scene
        camera = pyrender.PerspectiveCamera(yfov=self.camera.yfov, aspectRatio=self.size[0] / self.size[1],
                                            znear=0.05, zfar=200.0)
        self._camera_node = scene.add(camera, pose=self.camera.poses[0])
        self._bodies = _BodyMeshes(self.figures, self.colors, self.frame_count)
        self._lights = _lights(self.camera.poses[0][:3, 2])
        self._body_material = pyrender.MetallicRoughnessMaterial(baseColorFactor=[1.0, 1.0, 1.0, 1.0])
        self._dynamic: list = []

    def _pose(self, frame: int) -> None:
        pyrender, scene = self._pr, self._scene
        scene.set_pose(self._camera_node, self.camera.poses[frame])
        for node in self._dynamic:
            scene.remove_node(node)
        self._dynamic = []
        positions, normals, albedo, faces = self._bodies.at(frame)
        colors = _shade(positions, normals, albedo, self.camera.poses[frame][:3, 3], self._lights)
        body = pyrender.Primitive(positions=positions, color_0=colors, indices=faces,
                                  material=self._body_material, mode=4)
        self._dynamic.append(scene.add(pyrender.Mesh([body])))


def _composite(stage: np.ndarray, rgba: np.ndarray | None) -> np.ndarray:
    """The frame (H, W, 3) uint8: GL's bodies (H, W, 4), premultiplied by their coverage, over the stage's
    planes (3, H, W), blended only inside the box where GL drew anything."""
    image = np.empty(stage.shape[1:] + (3,), dtype=np.uint8)
    box = None
    if rgba is not None:
        alpha = rgba[..., 3]
        rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
        if len(rows):
            box = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
            keep = 1 - alpha[box].astype(np.float32) * np.float32(1 / 255)
    for k in range(3):
        plane = stage[k]
        if box is not None:
            plane[box] *= keep
            plane[box] += rgba[box + (k,)]
        plane += np.float32(0.5)
        image[..., k] = np.minimum(plane, 255)
    return image


class _BodyMeshes:
    """All dancers' solids as one triangle mesh in rest position, and its vertices posed at any frame."""

    def __init__(self, figures: list[Figure], colors: list, frame_count: int) -> None:
        import trimesh

        shapes = {}
        rest, normals, faces, owner, tints, poses = [], [], [], [], [], []
        count = 0
        for fig, color in zip(figures, colors):
            tint = {"torso": color, "left": _mix(color, (1.0, 1.0, 1.0), 0.3), "right": _mix(color, (0, 0, 0), 0.08)}
            for solid in fig.solids:
                key = (solid.kind, round(solid.radius, 4), round(solid.length, 4))
                if key not in shapes:
                    if solid.kind == "capsule":
                        mesh = trimesh.creation.capsule(height=solid.length, radius=solid.radius,
                                                        count=list(CAPSULE_SECTIONS))
                    else:
                        mesh = trimesh.creation.icosphere(subdivisions=SPHERE_SUBDIVISIONS, radius=solid.radius)
                    shapes[key] = (np.asarray(mesh.vertices), np.asarray(mesh.vertex_normals),
                                   np.asarray(mesh.faces))
                v, n, f = shapes[key]
                rest.append(v)
                normals.append(n)
                faces.append(f + count)
                owner.append(np.full(len(v), len(poses)))
                tints.append(np.tile([*_linear(tint[solid.tint]), 1.0], (len(v), 1)))
                poses.append(_held(solid.poses, frame_count))
                count += len(v)
        self.rest = np.concatenate(rest)
        self.normals = np.concatenate(normals)
        self.faces = np.concatenate(faces).astype(np.uint32)
        self.owner = np.concatenate(owner)
        self.colors = np.concatenate(tints).astype(np.float32)
        self.poses = np.stack(poses, axis=1)  # (T, S, 4, 4)

    def at(self, frame: int):
        linear = self.poses[frame, :, :3, :3]
        shift = self.poses[frame, :, :3, 3]
        normal_map = np.linalg.inv(linear).transpose(0, 2, 1)
        positions = np.einsum("vij,vj->vi", linear[self.owner], self.rest) + shift[self.owner]
        normals = _unit(np.einsum("vij,vj->vi", normal_map[self.owner], self.normals))
        return positions.astype(np.float32), normals.astype(np.float32), self.colors, self.faces


def _lights(view: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(direction towards the light, linear colour × intensity) of each light, fixed in the world for a clip and
    placed round the camera's first view direction ``view`` (pointing from the dancers to the camera)."""
    out = []
    for azimuth, elevation, intensity, tint in LIGHTS:
        base = np.arctan2(view[0], view[2]) + np.radians(azimuth)
        e = np.radians(elevation)
        direction = np.array([np.sin(base) * np.cos(e), np.sin(e), np.cos(base) * np.cos(e)])
        out.append((direction, np.asarray(tint) * intensity))
    return out


def _shade(positions: np.ndarray, normals: np.ndarray, albedo: np.ndarray, eye: np.ndarray,
           lights: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Vertex colours (V, 4) in sRGB: a sky/floor hemisphere, wrapped diffuse light and a soft highlight from
    each light, and a rim where the surface turns away from the camera (shading per vertex in numpy is what
    lets GL draw the bodies with its cheapest, unlit shader)."""
    n = normals.astype(np.float64)
    sky = 0.5 + 0.5 * n[:, 1:2]
    light = SKY_LIGHT * sky + GROUND_LIGHT * (1 - sky)
    view = _unit(eye - positions)
    highlight = np.zeros((len(n), 1))
    for direction, color in lights:
        facing = n @ direction
        light = light + color * np.clip((facing[:, None] + WRAP) / (1 + WRAP), 0, None)
        half = _unit(direction + view)
        highlight += SHINE * np.clip(np.sum(n * half, axis=1, keepdims=True), 0, None) ** 24 * (facing[:, None] > 0)
    rim = RIM * np.clip(1 - np.sum(n * view, axis=1, keepdims=True), 0, 1) ** 3
    linear = albedo[:, :3] * light + highlight + rim
    out = np.empty((len(n), 4), dtype=np.float32)
    out[:, :3] = np.clip(linear, 0, 1) ** (1 / 2.2)
    out[:, 3] = 1.0
    return out


def _bone_poses(a: np.ndarray, b: np.ndarray, rest: float) -> np.ndarray:
    """Poses (T, 4, 4) that carry a capsule of length ``rest`` along z, centred at the origin, onto the bones
    a→b (T, 3), stretched along z to each frame's length."""
    d = b - a
    length = np.linalg.norm(d, axis=1)
    z = d / np.maximum(length, 1e-9)[:, None]
    c = z[:, 2]
    vx = np.zeros((len(z), 3, 3))
    vx[:, 0, 2], vx[:, 1, 2] = z[:, 0], z[:, 1]
    vx[:, 2, 0], vx[:, 2, 1] = -z[:, 0], -z[:, 1]
    rot = np.eye(3) + vx + vx @ vx / np.maximum(1 + c, 1e-9)[:, None, None]
    flipped = c < -1 + 1e-6
    rot[flipped] = np.diag([1.0, -1.0, -1.0])
    poses = np.tile(np.eye(4), (len(z), 1, 1))
    poses[:, :3, :3] = rot * np.stack([np.ones_like(length), np.ones_like(length),
                                       np.maximum(length, 1e-3) / rest], axis=1)[:, None, :]
    poses[:, :3, 3] = (a + b) / 2
    return poses


def shadows(figures: list[Figure], frame: int) -> np.ndarray:
    """The contact shadows at a frame, (K, 7): centre x, z, unit direction x, z, half length, half width and
    opacity of a soft blob stretched along each foot, and of a wide faint one under each pelvis; each grows and
    fades as what casts it rises from the floor."""
    blobs = []
    for fig in figures:
        pts = fig.points[min(frame, fig.frame_count - 1)]
        s = fig.height / REFERENCE_HEIGHT
        for ankle, tip in fig.feet:
            a, t = pts[ankle], pts[tip]
            rise = max(min(a[1], t[1]) - 0.03 * s, 0.0)
            along = (t - a)[[0, 2]]
            length = float(np.linalg.norm(along))
            along = along / length if length > 1e-6 else np.array([0.0, 1.0])
            grow = 1.0 + 1.5 * rise
            centre = (a + t)[[0, 2]] / 2
            blobs.append([*centre, *along, (length / 2 + 0.11 * s) * grow, 0.11 * s * grow,
                          0.7 * float(np.clip(1.0 - rise / 0.45, 0.0, 1.0))])
        pelvis = pts[fig.pelvis]
        rise = max(pelvis[1] - 0.55 * fig.height, 0.0)
        blobs.append([pelvis[0], pelvis[2], 0.0, 1.0, 0.4 * s, 0.4 * s,
                      0.3 * float(np.clip(1.0 - rise / 0.6, 0.0, 1.0))])
    return np.array(blobs, dtype=np.float64).reshape(-1, 7)


def _pyrender():
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    try:
        import pyrender
    except ModuleNotFoundError as error:
        if error.name in ("pyrender", "trimesh"):
            raise LabanError(f"rendering needs the Python package {error.name} (pip install {error.name})") from error
        raise LabanError(f"{NO_GL} ({_one_line(error)})") from error
    except Exception as error:  # PyOpenGL fails in many ways when a GL library is missing
        raise LabanError(f"{NO_GL} ({_one_line(error)})") from error
    return pyrender


def _one_line(error: BaseException, limit: int = 160) -> str:
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rgb(color) -> tuple[float, float, float]:
    """An sRGB colour as three floats 0..1, from '#rrggbb', (r, g, b) in 0..1 or (r, g, b) in 0..255."""
    if isinstance(color, str):
        text = color.lstrip("#")
        if len(text) != 6:
            raise LabanError(f"colour '{color}' is not #rrggbb")
        return tuple(int(text[i:i + 2], 16) / 255 for i in (0, 2, 4))
    values = np.asarray(color, dtype=float).reshape(-1)[:3]
    if values.size != 3:
        raise LabanError(f"colour {color!r} needs three components")
    return tuple((values / 255 if values.max() > 1 else values).tolist())


def _linear(color) -> tuple[float, float, float]:
    """sRGB to the linear values a physically based material takes (the shader writes gamma 2.2)."""
    return tuple(float(c) ** 2.2 for c in color)


def _mix(a, b, t: float) -> tuple[float, float, float]:
    return tuple((1 - t) * x + t * y for x, y in zip(a, b))


# --- entry points -------------------------------------------------------------------------------------------

def render_frames(dancers: Sequence[Dancer], frames: Frames = None, *, fps: float = 30.0,
                  size: tuple[int, int] = (640, 480), colors: Sequence | None = None, progress: bool = False,
                  show_dancers: bool = True) -> np.ndarray:
    """Frames (N, H, W, 3) uint8 of the dancers at ``fps``; ``frames`` picks output frames (default: all)."""
    with DanceScene(dancers, fps=fps, size=size, colors=colors) as scene:
        idx = scene.indices(frames)
        out = np.empty((len(idx), size[1], size[0], 3), dtype=np.uint8)
        for k, image in enumerate(scene.frames(idx, show_dancers=show_dancers, progress=progress)):
            out[k] = image
        return out


def project(dancers: Sequence[Dancer], frames: Frames = None, *, fps: float = 30.0,
            size: tuple[int, int] = (640, 480)) -> list[np.ndarray]:
    """Where the render's camera sees each dancer's joints: per dancer, pixels (N, J, 2) (x right, y down)."""
    return DanceScene(dancers, fps=fps, size=size).project(frames)


def render(path: str | Path, dancers: Sequence[Dancer], *, score=None, fps: float = 30.0,
           size: tuple[int, int] = (640, 480), colors: Sequence | None = None, progress: bool = True) -> Path:
    """Write the dancers to ``path``: ``.mp4`` (H.264) or ``.gif`` video at ``fps``, with the score's staff beside
    the dancer and a play-head in time when ``score`` is given; ``.png`` a contact sheet with a pose every beat
    (the score's beats, else the motion's own pulse)."""
    from . import video

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".png":
        grid = score.grid if score is not None else beat_grid(motion=dancers[0])
        title = f"{(score.title if score is not None else '') or path.stem}  ·  a pose every beat at " \
                f"{grid.tempo:.0f} bpm"
        video.contact_sheet(dancers, grid, path, colors=colors, title=title, progress=progress)
        return path
    if suffix not in video.VIDEO_SUFFIXES:
        raise LabanError(f"{path}: unknown output format '{suffix}' (expected .mp4, .gif or .png)")
    with DanceScene(dancers, fps=fps, size=size, colors=colors) as scene:
        frames = scene.frames(progress=progress and scene.frame_count >= LONG_RENDER)
        if score is not None:
            seconds = np.arange(scene.frame_count) / fps
            frames = video.beside_staff(frames, score, score.grid.seconds_to_beats(seconds), size[1])
        video.save_video(path, frames, fps)
    return path

