"""The figure the decoder moves: a default human skeleton, and what the decoder needs to know about any skeleton.

``default_skeleton()`` is a 22-joint rig with Mixamo-style names, 1.70 m tall, in a T-pose facing +z, y up, in
metres. ``Rig.of(skeleton)`` reads a recognised skeleton (the default one or, say, the one of an animator's BVH
file) into the chains the decoder drives: the spine and neck chains, the arms, the legs and the feet, with their
rest directions and lengths. Nothing here assumes a T-pose: directions are taken from the rest offsets, so the
CMU MotionBuilder figure (legs splayed 20°) and the Daz figure (arms down a little, no toe joint) work alike.
``centre_of_mass`` weighs the body's segments (de Leva 1996) for balance and flight.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .bodyparts import recognised
from .errors import SkeletonError
from .ik import frame, unit
from .skeleton import BodyPart as B
from .skeleton import Skeleton

UP = np.array([0.0, 1.0, 0.0])
SOLE = 0.02  # m between the floor and the lowest joint of a flat foot (joint centres sit inside the foot)

# name, parent, offset (m). Proportions of a 1.70 m adult (Drillis & Contini); the sole is 2 cm under the ball. The
# ball of the foot 0.119 m in front of the ankle, the CMU training subjects' reach for this leg length
# (datasets/default_foot.py; it was 0.13: the evaluation's foot relations read the toes).
_DEFAULT = (
    ("Hips", -1, (0.0, 0.0, 0.0)),
    ("Spine", 0, (0.0, 0.10, -0.01)),
    ("Spine1", 1, (0.0, 0.12, 0.0)),
    ("Spine2", 2, (0.0, 0.12, 0.01)),
    ("Neck", 3, (0.0, 0.13, 0.0)),
    ("Head", 4, (0.0, 0.11, 0.02)),
    ("LeftShoulder", 3, (0.03, 0.10, 0.0)),
    ("LeftArm", 6, (0.15, 0.0, 0.0)),
    ("LeftForeArm", 7, (0.29, 0.0, 0.0)),
    ("LeftHand", 8, (0.25, 0.0, 0.0)),
    ("RightShoulder", 3, (-0.03, 0.10, 0.0)),
    ("RightArm", 10, (-0.15, 0.0, 0.0)),
    ("RightForeArm", 11, (-0.29, 0.0, 0.0)),
    ("RightHand", 12, (-0.25, 0.0, 0.0)),
    ("LeftUpLeg", 0, (0.09, -0.06, 0.0)),
    ("LeftLeg", 14, (0.0, -0.42, 0.0)),
    ("LeftFoot", 15, (0.0, -0.42, 0.0)),
    ("LeftToeBase", 16, (0.0, -0.055, 0.119)),
    ("RightUpLeg", 0, (-0.09, -0.06, 0.0)),
    ("RightLeg", 18, (0.0, -0.42, 0.0)),
    ("RightFoot", 19, (0.0, -0.42, 0.0)),
    ("RightToeBase", 20, (0.0, -0.055, 0.119)),
)
_DEFAULT_END_SITES = {"Head": (0.0, 0.15, 0.0), "LeftHand": (0.18, 0.0, 0.0), "RightHand": (-0.18, 0.0, 0.0),
                      "LeftToeBase": (0.0, 0.0, 0.06), "RightToeBase": (0.0, 0.0, 0.06)}


def default_skeleton() -> Skeleton:
    """A 22-joint human skeleton (Hips, Spine…Head, Left/Right Shoulder, Arm, ForeArm, Hand, UpLeg, Leg, Foot,
    ToeBase), 1.70 m tall, T-pose facing +z, metres. Root channels: position then Y X Z rotation (heading outermost,
    so that turning never meets gimbal lock); other joints Z X Y."""
    names = [name for name, _, _ in _DEFAULT]
    channels = [("Xposition", "Yposition", "Zposition", "Yrotation", "Xrotation", "Zrotation")]
    channels += [("Zrotation", "Xrotation", "Yrotation")] * (len(names) - 1)
    skeleton = Skeleton(names, [p for _, p, _ in _DEFAULT], [o for _, _, o in _DEFAULT], tuple(channels),
                        {names.index(n): np.array(o) for n, o in _DEFAULT_END_SITES.items()})
    return recognised(skeleton)


# Segment masses as fractions of the body (de Leva 1996) and where their centre lies from proximal to distal.
_SEGMENTS = (  # (proximal part, distal part, mass fraction, centre ratio)
    (B.PELVIS, "neck", 0.4346, 0.45),
    ("neck", B.HEAD, 0.0694, 1.3),
    (B.UPPER_ARM_LEFT, B.FOREARM_LEFT, 0.0271, 0.58), (B.UPPER_ARM_RIGHT, B.FOREARM_RIGHT, 0.0271, 0.58),
    (B.FOREARM_LEFT, B.HAND_LEFT, 0.0162, 0.46), (B.FOREARM_RIGHT, B.HAND_RIGHT, 0.0162, 0.46),
    (B.FOREARM_LEFT, B.HAND_LEFT, 0.0061, 1.25), (B.FOREARM_RIGHT, B.HAND_RIGHT, 0.0061, 1.25),  # the hands
    (B.THIGH_LEFT, B.SHIN_LEFT, 0.1416, 0.41), (B.THIGH_RIGHT, B.SHIN_RIGHT, 0.1416, 0.41),
    (B.SHIN_LEFT, B.FOOT_LEFT, 0.0433, 0.44), (B.SHIN_RIGHT, B.FOOT_RIGHT, 0.0433, 0.44),
    (B.SHIN_LEFT, B.FOOT_LEFT, 0.0137, 1.1), (B.SHIN_RIGHT, B.FOOT_RIGHT, 0.0137, 1.1),  # the feet, near the ankle
)


def centre_of_mass(skeleton: Skeleton, positions: np.ndarray) -> np.ndarray:
    """Whole-body centre of mass (T, 3) from joint positions (T, J, 3) of a recognised skeleton."""
    parts = recognised(skeleton).parts
    neck = parts.get(B.NECK, parts[B.CHEST])
    total = np.zeros(positions.shape[:-2] + (3,))
    for proximal, distal, mass, ratio in _SEGMENTS:
        a = positions[..., neck if proximal == "neck" else parts[proximal], :]
        b = positions[..., neck if distal == "neck" else parts[distal], :]
        total += mass * (a + ratio * (b - a))
    return total


@dataclass
class Arm:
    upper: int  # joint at the shoulder (its bone runs to the elbow)
    fore: int  # joint at the elbow
    hand: int
    upper_length: float
    fore_length: float
    rest_frame: np.ndarray  # (3, 3): upper arm direction, its front (where the elbow bends to), their cross


@dataclass
class Leg:
    thigh: int  # joint at the hip
    shin: int  # knee
    foot: int  # ankle
    toes: int | None  # ball of the foot, when the skeleton has one
    thigh_length: float
    shin_length: float
    hip: np.ndarray  # rest offset of the hip joint from the pelvis
    rest_frame: np.ndarray  # (3, 3): thigh direction, knee cap direction, their cross
    ball: np.ndarray  # rest vector ankle → ball (the point a flat foot pivots on in relevé)
    ankle_height: float  # height of the ankle over the floor when the foot is flat
    ball_height: float  # height of the ball


@dataclass
class Rig:
    """The chains of a recognised skeleton that the decoder drives, read from its rest pose."""

    skeleton: Skeleton
    rest: np.ndarray  # (J, 3) rest positions, root at the origin
    forward: np.ndarray  # where the rest pose faces (horizontal unit)
    right: np.ndarray
    pelvis: int
    carrier: int  # the joint whose position channels carry the pelvis (``carries``)
    carried: np.ndarray  # (3,) the pelvis's place from the carrier's position channels
    neck: int  # the torso's top landmark (neck, or chest when there is no neck)
    head: int
    torso_chain: list[int]  # joints whose rotation tilts pelvis → neck, with their shares of the tilt
    torso_weights: np.ndarray
    head_chain: list[int]
    head_weights: np.ndarray
    arms: dict[str, Arm] = field(default_factory=dict)
    legs: dict[str, Leg] = field(default_factory=dict)

    @classmethod
    def of(cls, skeleton: Skeleton) -> "Rig":
        skeleton = recognised(skeleton)
        parts = skeleton.parts
        rest = np.zeros((skeleton.joint_count, 3))
        for j, p in enumerate(skeleton.parents):
            if p >= 0:
                rest[j] = rest[p] + skeleton.offsets[j]
        hips = rest[parts[B.THIGH_RIGHT]] - rest[parts[B.THIGH_LEFT]]
        hips[1] = 0.0
        if np.linalg.norm(hips) < 1e-6:
            raise SkeletonError("cannot decode onto this skeleton: its hip joints coincide in the rest pose")
        right = unit(hips)
        forward = np.cross(UP, right)
        pelvis = parts[B.PELVIS]
        carrier, carried = carries(skeleton, pelvis)
        neck = parts.get(B.NECK, parts[B.CHEST])
        head = parts[B.HEAD]
        torso_chain = _between(skeleton, pelvis, neck)
        head_chain = _between(skeleton, neck, head, include_base=neck != parts[B.CHEST])
        rig = cls(skeleton, rest, forward, right, pelvis, carrier, carried, neck, head, torso_chain,
                  _shares(skeleton, torso_chain, neck), head_chain, _shares(skeleton, head_chain, head))
        for side in ("left", "right"):
            rig.arms[side] = rig._arm(side)
            rig.legs[side] = rig._leg(side)
        return rig

    def body_frame(self, vector_fru: np.ndarray) -> np.ndarray:
        """A direction given as (forward, right, up) components in the rest pose's own axes, in world terms."""
        return vector_fru[..., 0:1] * self.forward + vector_fru[..., 1:2] * self.right + vector_fru[..., 2:3] * UP

    def _arm(self, side: str) -> Arm:
        parts, rest = self.skeleton.parts, self.rest
        upper, fore, hand = (parts[B(f"{p}-{side}")] for p in ("upper-arm", "forearm", "hand"))
        bone = rest[fore] - rest[upper]
        front = arm_front(self._in_body(unit(bone))[None], side)[0]
        return Arm(upper, fore, hand, float(np.linalg.norm(bone)), float(np.linalg.norm(rest[hand] - rest[fore])),
                   frame(bone, self.body_frame(front)))

    def _leg(self, side: str) -> Leg:
        parts, rest, skeleton = self.skeleton.parts, self.rest, self.skeleton
        thigh, shin, foot = (parts[B(f"{p}-{side}")] for p in ("thigh", "shin", "foot"))
        toes = parts.get(B(f"toes-{side}"))
        bone = rest[shin] - rest[thigh]
        knee_cap = leg_front(self._in_body(unit(bone))[None])[0]
        if toes is not None:
            ball = rest[toes] - rest[foot]
            tip = ball + skeleton.end_sites.get(toes, np.zeros(3))
        elif foot in skeleton.end_sites:
            ball = tip = skeleton.end_sites[foot]
        else:  # no toes at all: a foot a sixth of the leg long, forward and down
            length = np.linalg.norm(rest[foot] - rest[thigh])
            ball = tip = length * (0.16 * self.forward - 0.06 * UP)
        lowest = min(0.0, ball[1], tip[1])
        return Leg(thigh, shin, foot, toes, float(np.linalg.norm(bone)), float(np.linalg.norm(rest[foot] - rest[shin])),
                   rest[thigh] - rest[self.pelvis], frame(bone, self.body_frame(knee_cap)), ball,
                   SOLE - lowest, SOLE + ball[1] - lowest)

    def _in_body(self, world: np.ndarray) -> np.ndarray:
        """World direction → (forward, right, up) components in the rest pose's axes."""
        return np.stack([world @ self.forward, world @ self.right, world @ UP], axis=-1)

    def standing_height(self) -> float:
        """Height of the pelvis over the floor when standing straight (legs straight down)."""
        leg = self.legs["left"]
        return leg.ankle_height + leg.thigh_length + leg.shin_length - leg.hip[1]


def carries(skeleton: Skeleton, pelvis: int) -> tuple[int, np.ndarray]:
    """The joint whose position channels move the body, and where the pelvis lies from them.

    It is the translated joint nearest above the pelvis (or the pelvis itself): the root of a CMU or Mixamo file, a
    root bone at the floor with the pelvis under it (Unreal's 'root', HumanIK's 'Reference'), or the pelvis where
    every joint has position channels (Blender's export). The joints above the pelvis are not turned, so the pelvis
    lies at the carrier's position plus the offsets of the other joints down to it (the other translated joints
    keep theirs). A rig with no position channels there cannot travel: a ``SkeletonError``."""
    chain = [pelvis]
    while skeleton.parents[chain[-1]] >= 0:
        chain.append(int(skeleton.parents[chain[-1]]))
    carrier = next((j for j in chain if j in skeleton.translated), None)
    if carrier is None:
        raise SkeletonError(f"cannot decode onto this skeleton: neither the pelvis '{skeleton.names[pelvis]}' nor a "
                            f"joint above it has position channels, so the body cannot travel or jump")
    return carrier, skeleton.offsets[[j for j in chain if j != carrier]].sum(axis=0)


def arm_front(direction: np.ndarray, side: str) -> np.ndarray:
    """Where the elbow bends to (the front of the upper arm) for upper-arm directions (..., 3) in (forward, right,
    up) components: the front of an arm held out to the side and a little forward, carried along the shortest arc
    to each direction. Hanging arms bend forward and in, raised-forward arms up, overhead arms forward and in; the
    one direction without a front (the field's pole) is behind the other shoulder, where no arm goes."""
    s = 1.0 if side == "right" else -1.0
    pole = np.array([np.sqrt(0.5), s * np.sqrt(0.5), 0.0])
    front = np.array([np.sqrt(0.5), -s * np.sqrt(0.5), 0.0])
    return _carried(pole, front, direction)


def leg_front(direction: np.ndarray) -> np.ndarray:
    """Where the knee cap faces for thigh or leg directions (..., 3) in (forward, right, up) components: forward
    for a hanging leg, carried along the shortest arc (up for a leg raised forward, down for one raised back)."""
    return _carried(np.array([0.0, 0.0, -1.0]), np.array([1.0, 0.0, 0.0]), direction)


def _carried(pole: np.ndarray, front: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """``front`` (perpendicular to ``pole``) carried by the smallest rotation from ``pole`` to ``direction``."""
    d = unit(direction)
    c = d @ pole
    k = np.cross(pole, d)
    # Rodrigues for the rotation pole → d applied to front: v + k×v + k×(k×v)/(1+c)
    kv = np.cross(k, front)
    carried = front + kv + np.cross(k, kv) / np.maximum(1.0 + c, 1e-6)[..., None]
    return unit(carried - (carried * d).sum(-1, keepdims=True) * d)


def _between(skeleton: Skeleton, base: int, top: int, include_base: bool = False) -> list[int]:
    """Joints strictly between ``base`` and its descendant ``top`` (and ``base`` itself when asked), base first:
    the joints whose rotation moves ``top`` relative to ``base``."""
    chain = []
    j = int(skeleton.parents[top])
    while j >= 0 and j != base:
        chain.append(j)
        j = int(skeleton.parents[j])
    if j != base:
        return []
    chain = chain[::-1]
    return [base] + chain if include_base else chain


def _shares(skeleton: Skeleton, chain: list[int], top: int) -> np.ndarray:
    """Each chain joint's share of a tilt: the length of the bone it turns towards ``top``."""
    if not chain:
        return np.zeros(0)
    lengths = []
    for k, j in enumerate(chain):
        nxt = chain[k + 1] if k + 1 < len(chain) else top
        lengths.append(np.linalg.norm(skeleton.offsets[nxt]))
    lengths = np.asarray(lengths)
    return lengths / lengths.sum() if lengths.sum() > 0 else np.full(len(chain), 1.0 / len(chain))
