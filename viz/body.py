"""The dancer's body as the renderer draws it: a ``Figure`` per dancer, built once from its recognised body parts
(``laban.bodyparts``): a capsule per bone (thicker for the thighs than the shins, and so on), ellipsoids for the
pelvis and the ribcage that turn with the hips and the shoulders, balls at the shoulders, a head with a nose that
shows where the chest faces. Every rigid piece (``Solid``) gets a pose per frame. Each dancer stands on the floor
of its own capture (``estimate_floor``), which becomes y = 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from laban.analysis import estimate_floor
from laban.bodyparts import recognised
from laban.errors import LabanError
from laban.motion import Motion, Trajectories
from laban.skeleton import BodyPart as B
from laban.skeleton import Skeleton

Dancer = Motion | Trajectories

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
