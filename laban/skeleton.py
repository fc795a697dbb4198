"""The skeleton: joints, their hierarchy and rest offsets, and which joint is which part of the body.

Body parts are named by the joint at their proximal end, as BVH files name them: the UPPER_ARM landmark is the
shoulder joint, FOREARM the elbow, HAND the wrist, THIGH the hip joint, SHIN the knee, FOOT the ankle.
``recognise`` maps a skeleton's joints to these parts by names and hierarchy (``laban.bodyparts``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np


class BodyPart(str, Enum):
    PELVIS = "pelvis"
    SPINE = "spine"
    CHEST = "chest"
    NECK = "neck"
    HEAD = "head"
    SHOULDER_LEFT = "shoulder-left"
    SHOULDER_RIGHT = "shoulder-right"
    UPPER_ARM_LEFT = "upper-arm-left"
    UPPER_ARM_RIGHT = "upper-arm-right"
    FOREARM_LEFT = "forearm-left"
    FOREARM_RIGHT = "forearm-right"
    HAND_LEFT = "hand-left"
    HAND_RIGHT = "hand-right"
    THIGH_LEFT = "thigh-left"
    THIGH_RIGHT = "thigh-right"
    SHIN_LEFT = "shin-left"
    SHIN_RIGHT = "shin-right"
    FOOT_LEFT = "foot-left"
    FOOT_RIGHT = "foot-right"
    TOES_LEFT = "toes-left"
    TOES_RIGHT = "toes-right"


# Parts without which no score can be written; the rest (spine, shoulders, toes) improve it when present.
REQUIRED_PARTS: tuple[BodyPart, ...] = (
    BodyPart.PELVIS, BodyPart.CHEST, BodyPart.HEAD,
    BodyPart.UPPER_ARM_LEFT, BodyPart.UPPER_ARM_RIGHT, BodyPart.FOREARM_LEFT, BodyPart.FOREARM_RIGHT,
    BodyPart.HAND_LEFT, BodyPart.HAND_RIGHT, BodyPart.THIGH_LEFT, BodyPart.THIGH_RIGHT,
    BodyPart.SHIN_LEFT, BodyPart.SHIN_RIGHT, BodyPart.FOOT_LEFT, BodyPart.FOOT_RIGHT,
)


@dataclass
class Skeleton:
    """Joint names, parents (-1 for the root; a parent always precedes its children) and rest offsets in metres.

    ``channels`` keeps each joint's BVH channel names in file order (e.g. ``('Zrotation', 'Yrotation',
    'Xrotation')``) so that a written file has the layout of the one read; ``end_sites`` holds the offsets of
    BVH end sites by the joint that carries them. ``parts`` maps body parts to joint indices. ``unit`` is the metres
    per unit of the file the skeleton was read from (``laban.bvh.read_bvh`` detects it: 0.056444 for CMU units,
    1.334 for the shared 1.27 m Daz salsa figure scaled to 1.70 m, 1.0 for a skeleton built in metres), so that
    what is written onto it goes back in the file's own units and proportions. ``up`` is the file's vertical axis:
    'z' for a figure standing along z (Blender's BVH export), which ``read_bvh`` turns to y up and ``write_bvh``
    turns back, for the same reason.
    """

    names: tuple[str, ...]
    parents: np.ndarray
    offsets: np.ndarray
    channels: tuple[tuple[str, ...], ...] = ()
    end_sites: dict[int, np.ndarray] = field(default_factory=dict)
    parts: dict[BodyPart, int] = field(default_factory=dict)
    unit: float = 1.0
    up: str = "y"

    def __post_init__(self) -> None:
        self.names = tuple(self.names)
        self.parents = np.asarray(self.parents, dtype=np.int64)
        self.offsets = np.asarray(self.offsets, dtype=np.float64).reshape(-1, 3)
        if not self.channels:
            self.channels = (("Xposition", "Yposition", "Zposition", "Zrotation", "Yrotation", "Xrotation"),) + (
                ("Zrotation", "Yrotation", "Xrotation"),) * (len(self.names) - 1)
        if not (len(self.names) == len(self.parents) == len(self.offsets) == len(self.channels)):
            raise ValueError("names, parents, offsets and channels must have one entry per joint")
        if np.any(self.parents >= np.arange(len(self.parents))):
            raise ValueError("every joint's parent must come before it")

    @property
    def joint_count(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        return self.names.index(name)

    @property
    def translated(self) -> tuple[int, ...]:
        """Joints with position channels (the root, usually)."""
        return tuple(j for j, ch in enumerate(self.channels) if any(c.endswith("position") for c in ch))

    def rotation_order(self, joint: int) -> str:
        """The joint's Euler order as written in its channels, e.g. 'ZYX' ('' when it has no rotation)."""
        return "".join(c[0].upper() for c in self.channels[joint] if c.endswith("rotation"))

    def children(self, joint: int) -> list[int]:
        return [int(j) for j in np.flatnonzero(self.parents == joint)]

    def bone_lengths(self) -> np.ndarray:
        """Rest length of the bone from each joint's parent to the joint (0 for the root)."""
        lengths = np.linalg.norm(self.offsets, axis=1)
        lengths[self.parents < 0] = 0.0
        return lengths
