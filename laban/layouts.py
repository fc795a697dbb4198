"""The joint layouts that position captures come in: which joints a recorder writes, in which order, how they hang
together, and in what clock it stamps its frames. The readers of positions (``laban.kinect`` for CSV,
``laban.arrays`` for ``.npz``, ``laban.azure`` for body tracking JSON) take a layout's joints by name, in any
order and spelling ('SpineBase', 'spine_base', 'SPINE_BASE' are one joint), so that a file need not say its
hierarchy.

| layout | joints | notes |
|---|---|---|
| Kinect v2 | 25: SpineBase, SpineMid, Neck, Head, ShoulderLeft, …, HandTipRight, ThumbRight | timestamps: 100 ns |
| Kinect v1 | 20: HipCenter, Spine, ShoulderCenter, Head, ShoulderLeft, …, FootRight | timestamps in ms |
| Azure Kinect | 32: PELVIS, SPINE_NAVEL, SPINE_CHEST, NECK, CLAVICLE_LEFT, …, EAR_RIGHT | timestamps in µs |
| SMPL | 24: pelvis, left_hip, right_hip, spine1, …, left_hand, right_hand (the first 22: SMPL-H/X, AMASS) | |
| MediaPipe Pose | 33 landmarks: nose, left_eye_inner, …, right_foot_index | timestamps in ms |

Joint names are the performer's own sides (MediaPipe's and Azure's 'left' too). MediaPipe Pose has no joints on
the body's midline, so its layout adds three where a skeleton needs them: ``pelvis`` midway between the hips,
``chest`` between the shoulders and ``head`` between the ears. A file may hold a subset of a layout's joints (a
joint the recorder never tracked, left out): each joint then hangs from its nearest ancestor that is there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Layout:
    """``joints`` in the recorder's order; ``hierarchy`` (joint, parent) with every parent before its children, the
    ``added`` joints among them; ``added`` (joint, a, b): a joint put midway between two the recorder writes;
    ``clock`` the recorder's timestamp units per second; ``states`` the tracking states it writes, 0 for a joint
    not tracked in that frame."""

    name: str
    joints: tuple[str, ...]
    hierarchy: tuple[tuple[str, str | None], ...]
    added: tuple[tuple[str, str, str], ...] = ()
    clock: float = 1.0
    states: tuple[int, ...] = (0, 1, 2)

    def arranged(self, names: list[str], positions: np.ndarray) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
        """The skeleton's joint names and parents (hierarchy order) and its positions (T, K, 3), from positions
        (T, J, 3) of the joints ``names`` (this layout's, any spelling, any order, perhaps not all). An added joint
        is there when both of its joints are, unseen (NaN) in a frame where either is."""
        given = {key(name): k for k, name in enumerate(names)}
        columns = {joint: positions[:, given[key(joint)]] for joint in self.joints if key(joint) in given}
        for joint, a, b in self.added:
            if a in columns and b in columns:
                columns[joint] = 0.5 * (columns[a] + columns[b])
        kept = [joint for joint, _ in self.hierarchy if joint in columns]
        parent_of = dict(self.hierarchy)
        parents = []
        for joint in kept:
            parent = parent_of[joint]
            while parent is not None and parent not in columns:  # the nearest ancestor there
                parent = parent_of[parent]
            parents.append(-1 if parent is None else kept.index(parent))
        if parents.count(-1) != 1:
            raise ValueError(f"the {self.name} joints given ({', '.join(names)}) do not hang together from one root")
        stacked = np.stack([columns[joint] for joint in kept], axis=1) if kept else positions[:, :0]
        return tuple(kept), np.array(parents, dtype=np.int64), stacked


def key(name: str) -> str:
    """A joint name as layouts compare them: letters and digits, lower case ('Spine_Base' → 'spinebase')."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _sides(*pairs: tuple[str, str | None]) -> tuple[tuple[str, str | None], ...]:
    """(joint, parent) pairs written for the left side ('{side}'), for the left and then the right."""
    return tuple((joint.format(side=side), None if parent is None else parent.format(side=side))
                 for side in ("Left", "Right") for joint, parent in pairs)


KINECT_V2 = Layout(
    "Kinect v2",
    ("SpineBase", "SpineMid", "Neck", "Head", "ShoulderLeft", "ElbowLeft", "WristLeft", "HandLeft",
     "ShoulderRight", "ElbowRight", "WristRight", "HandRight", "HipLeft", "KneeLeft", "AnkleLeft", "FootLeft",
     "HipRight", "KneeRight", "AnkleRight", "FootRight", "SpineShoulder", "HandTipLeft", "ThumbLeft", "HandTipRight",
     "ThumbRight"),
    (("SpineBase", None), ("SpineMid", "SpineBase"), ("SpineShoulder", "SpineMid"), ("Neck", "SpineShoulder"),
     ("Head", "Neck"))
    + _sides(("Shoulder{side}", "SpineShoulder"), ("Elbow{side}", "Shoulder{side}"), ("Wrist{side}", "Elbow{side}"),
             ("Hand{side}", "Wrist{side}"), ("HandTip{side}", "Hand{side}"), ("Thumb{side}", "Hand{side}"))
    + _sides(("Hip{side}", "SpineBase"), ("Knee{side}", "Hip{side}"), ("Ankle{side}", "Knee{side}"),
             ("Foot{side}", "Ankle{side}")),
    clock=1e7)  # LabanotationSuite writes the sensor's RelativeTime, in 100 ns ticks

KINECT_V1 = Layout(
    "Kinect v1",
    ("HipCenter", "Spine", "ShoulderCenter", "Head", "ShoulderLeft", "ElbowLeft", "WristLeft", "HandLeft",
     "ShoulderRight", "ElbowRight", "WristRight", "HandRight", "HipLeft", "KneeLeft", "AnkleLeft", "FootLeft",
     "HipRight", "KneeRight", "AnkleRight", "FootRight"),
    (("HipCenter", None), ("Spine", "HipCenter"), ("ShoulderCenter", "Spine"), ("Head", "ShoulderCenter"))
    + _sides(("Shoulder{side}", "ShoulderCenter"), ("Elbow{side}", "Shoulder{side}"), ("Wrist{side}", "Elbow{side}"),
             ("Hand{side}", "Wrist{side}"))
    + _sides(("Hip{side}", "HipCenter"), ("Knee{side}", "Hip{side}"), ("Ankle{side}", "Knee{side}"),
             ("Foot{side}", "Ankle{side}")),
    clock=1e3)  # the SDK's SkeletonFrame.Timestamp, in milliseconds

_AZURE_SIDE = ("CLAVICLE", "SHOULDER", "ELBOW", "WRIST", "HAND", "HANDTIP", "THUMB")
AZURE_KINECT = Layout(
    "Azure Kinect",
    ("PELVIS", "SPINE_NAVEL", "SPINE_CHEST", "NECK")
    + tuple(f"{joint}_{side}" for side in ("LEFT", "RIGHT") for joint in _AZURE_SIDE)
    + tuple(f"{joint}_{side}" for side in ("LEFT", "RIGHT") for joint in ("HIP", "KNEE", "ANKLE", "FOOT"))
    + ("HEAD", "NOSE", "EYE_LEFT", "EAR_LEFT", "EYE_RIGHT", "EAR_RIGHT"),
    (("PELVIS", None), ("SPINE_NAVEL", "PELVIS"), ("SPINE_CHEST", "SPINE_NAVEL"), ("NECK", "SPINE_CHEST"),
     ("HEAD", "NECK"), ("NOSE", "HEAD"))
    + tuple((joint.upper(), parent.upper()) for joint, parent in _sides(
        ("Eye_{side}", "Head"), ("Ear_{side}", "Head"), ("Clavicle_{side}", "Spine_Chest"),
        ("Shoulder_{side}", "Clavicle_{side}"), ("Elbow_{side}", "Shoulder_{side}"), ("Wrist_{side}", "Elbow_{side}"),
        ("Hand_{side}", "Wrist_{side}"), ("HandTip_{side}", "Hand_{side}"), ("Thumb_{side}", "Wrist_{side}"),
        ("Hip_{side}", "Pelvis"), ("Knee_{side}", "Hip_{side}"), ("Ankle_{side}", "Knee_{side}"),
        ("Foot_{side}", "Ankle_{side}"))),
    clock=1e6,  # k4abt's timestamps, in microseconds
    states=(0, 1, 2, 3))  # k4abt_joint_confidence_level_t: none, low (predicted), medium, high

SMPL = Layout(
    "SMPL",
    ("pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2", "left_ankle", "right_ankle",
     "spine3", "left_foot", "right_foot", "neck", "left_collar", "right_collar", "head", "left_shoulder",
     "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hand", "right_hand"),
    (("pelvis", None), ("left_hip", "pelvis"), ("right_hip", "pelvis"), ("spine1", "pelvis"),
     ("left_knee", "left_hip"), ("right_knee", "right_hip"), ("spine2", "spine1"), ("left_ankle", "left_knee"),
     ("right_ankle", "right_knee"), ("spine3", "spine2"), ("left_foot", "left_ankle"), ("right_foot", "right_ankle"),
     ("neck", "spine3"), ("left_collar", "spine3"), ("right_collar", "spine3"), ("head", "neck"),
     ("left_shoulder", "left_collar"), ("right_shoulder", "right_collar"), ("left_elbow", "left_shoulder"),
     ("right_elbow", "right_shoulder"), ("left_wrist", "left_elbow"), ("right_wrist", "right_elbow"),
     ("left_hand", "left_wrist"), ("right_hand", "right_wrist")))

_FACE = ("nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
         "left_ear", "right_ear", "mouth_left", "mouth_right")
MEDIAPIPE_POSE = Layout(
    "MediaPipe Pose",
    _FACE + ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
             "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
             "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel",
             "left_foot_index", "right_foot_index"),
    (("pelvis", None), ("chest", "pelvis"), ("head", "chest")) + tuple((joint, "head") for joint in _FACE)
    + tuple((joint.format(side=side), None if parent is None else parent.format(side=side))
            for side in ("left", "right") for joint, parent in (
                ("{side}_shoulder", "chest"), ("{side}_elbow", "{side}_shoulder"), ("{side}_wrist", "{side}_elbow"),
                ("{side}_pinky", "{side}_wrist"), ("{side}_index", "{side}_wrist"), ("{side}_thumb", "{side}_wrist"),
                ("{side}_hip", "pelvis"), ("{side}_knee", "{side}_hip"), ("{side}_ankle", "{side}_knee"),
                ("{side}_heel", "{side}_ankle"), ("{side}_foot_index", "{side}_ankle"))),
    added=(("pelvis", "left_hip", "right_hip"), ("chest", "left_shoulder", "right_shoulder"),
           ("head", "left_ear", "right_ear")),
    clock=1e3)

LAYOUTS: tuple[Layout, ...] = (KINECT_V2, KINECT_V1, AZURE_KINECT, SMPL, MEDIAPIPE_POSE)


def layout_of(names: list[str] | tuple[str, ...]) -> Layout | None:
    """The first layout that has every one of ``names`` (any spelling), or None."""
    wanted = {key(name) for name in names}
    if len(wanted) != len(names):
        return None  # two names that are one joint
    return next((layout for layout in LAYOUTS if wanted <= {key(j) for j in layout.joints}), None)
