"""Body-part recognition on the real CMU skeletons and on the naming conventions of other rigs."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from laban.bodyparts import label, recognise, recognised
from laban.errors import SkeletonError
from laban.kinect import KINECT_V2_HIERARCHY
from laban.skeleton import REQUIRED_PARTS, BodyPart, Skeleton

# --- the real CMU variants -----------------------------------------------------------------------------------

CMU_PARTS = {
    "cgspeed-motionbuilder": {
        "pelvis": "Hips", "spine": "Spine", "chest": "Spine1", "neck": "Neck", "head": "Head",
        "shoulder-left": "LeftShoulder", "shoulder-right": "RightShoulder",
        "upper-arm-left": "LeftArm", "upper-arm-right": "RightArm",
        "forearm-left": "LeftForeArm", "forearm-right": "RightForeArm",
        "hand-left": "LeftHand", "hand-right": "RightHand",
        "thigh-left": "LeftUpLeg", "thigh-right": "RightUpLeg", "shin-left": "LeftLeg", "shin-right": "RightLeg",
        "foot-left": "LeftFoot", "foot-right": "RightFoot", "toes-left": "LeftToeBase", "toes-right": "RightToeBase",
    },
    "cgspeed-daz": {
        "pelvis": "hip", "spine": "abdomen", "chest": "chest", "neck": "neck", "head": "head",
        "shoulder-left": "lCollar", "shoulder-right": "rCollar", "upper-arm-left": "lShldr",
        "upper-arm-right": "rShldr", "forearm-left": "lForeArm", "forearm-right": "rForeArm",
        "hand-left": "lHand", "hand-right": "rHand", "thigh-left": "lThigh", "thigh-right": "rThigh",
        "shin-left": "lShin", "shin-right": "rShin", "foot-left": "lFoot", "foot-right": "rFoot",
    },
    "amc2bvh-raw": {
        "pelvis": "hip", "spine": "upperback", "chest": "thorax", "neck": "lowerneck", "head": "head",
        "shoulder-left": "lclavicle", "shoulder-right": "rclavicle", "upper-arm-left": "lhumerus",
        "upper-arm-right": "rhumerus", "forearm-left": "lradius", "forearm-right": "rradius",
        "hand-left": "lwrist", "hand-right": "rwrist", "thigh-left": "lfemur", "thigh-right": "rfemur",
        "shin-left": "ltibia", "shin-right": "rtibia", "foot-left": "lfoot", "foot-right": "rfoot",
        "toes-left": "ltoes", "toes-right": "rtoes",
    },
}
CMU_PARTS["cgspeed-daz-scaled"] = CMU_PARTS["cgspeed-daz"]


def header_skeleton(path) -> Skeleton:
    """Joint names, parents and offsets from a BVH file's HIERARCHY (independent of the BVH reader)."""
    names, parents, offsets, end_sites, open_joints = [], [], [], {}, []
    latest: int | None = None
    with open(path) as f:
        for line in f:
            words = line.split()
            if not words:
                continue
            if words[0] == "MOTION":
                break
            if words[0] in ("ROOT", "JOINT"):
                parents.append(open_joints[-1] if open_joints else -1)
                names.append(words[1])
                latest = len(names) - 1
            elif words[0] == "End":
                latest = None
            elif words[0] == "{":
                open_joints.append(latest)
            elif words[0] == "}":
                open_joints.pop()
            elif words[0] == "OFFSET":
                offset = [float(w) for w in words[1:4]]
                if open_joints[-1] is None:
                    end_sites[open_joints[-2]] = np.array(offset)
                else:
                    offsets.append(offset)
    return Skeleton(names, parents, offsets, end_sites=end_sites)


def named_parts(skeleton: Skeleton, mapping: dict | None = None) -> dict[str, str]:
    return {part.value: skeleton.names[joint] for part, joint in recognise(skeleton, mapping).items()}


@pytest.mark.parametrize("variant", sorted(CMU_PARTS))
def test_every_real_cmu_skeleton_maps_to_its_joints(trials, variant):
    files = [t.path for t in trials.values() if t.skeleton == variant]
    assert files, f"no shared trial of the {variant} skeleton"
    for path in files:
        assert named_parts(header_skeleton(path)) == CMU_PARTS[variant], path


def rest_positions(skeleton: Skeleton) -> np.ndarray:
    positions = np.zeros((skeleton.joint_count, 3))
    for j, parent in enumerate(skeleton.parents):
        positions[j] = skeleton.offsets[j] + (positions[parent] if parent >= 0 else 0.0)
    return positions


@pytest.mark.parametrize("variant", sorted(CMU_PARTS))
def test_real_left_parts_lie_on_the_performers_left(trials, variant):
    path = next(t.path for t in trials.values() if t.skeleton == variant)
    skeleton = header_skeleton(path)
    parts = recognise(skeleton)
    rest = rest_positions(skeleton)
    # The rest pose faces where the feet point (their end sites); its left is up × forward.
    forward = skeleton.end_sites[parts.get(BodyPart.TOES_LEFT, parts[BodyPart.FOOT_LEFT])] * [1, 0, 1]
    left = np.cross([0.0, 1.0, 0.0], forward / np.linalg.norm(forward))
    for part in ("upper-arm", "hand", "thigh", "foot"):  # CMU's clavicles sit on the chest
        if BodyPart(f"{part}-left") in parts:
            across = rest[parts[BodyPart(f"{part}-left")]] - rest[parts[BodyPart(f"{part}-right")]]
            assert across @ left > 0, part


# --- other conventions, built here ----------------------------------------------------------------------------


def build(rows) -> Skeleton:
    """A skeleton from (name, parent name or None, offset) rows, parents first."""
    names = [name for name, _, _ in rows]
    return Skeleton(names, [names.index(p) if p else -1 for _, p, _ in rows], [o for _, _, o in rows])


def with_right_side(rows, to_right) -> list:
    """Rows followed by mirror copies (x negated) of the rows whose names ``to_right`` changes."""
    left = {name for name, _, _ in rows if to_right(name) != name}
    right = [(to_right(n), to_right(p) if p in left else p, (-o[0], o[1], o[2])) for n, p, o in rows if n in left]
    return rows + right


def smpl_rows(name) -> list:
    """SMPL's 24 joints in their order (facing +z, left = +x), named by ``name(lower-case SMPL name)``."""
    rows = [
        ("pelvis", None, (0, 0.93, 0)), ("left_hip", "pelvis", (0.06, -0.09, 0)),
        ("right_hip", "pelvis", (-0.06, -0.09, 0)), ("spine1", "pelvis", (0, 0.11, -0.02)),
        ("left_knee", "left_hip", (0.04, -0.38, 0)), ("right_knee", "right_hip", (-0.04, -0.38, 0)),
        ("spine2", "spine1", (0, 0.13, 0)), ("left_ankle", "left_knee", (-0.01, -0.4, -0.04)),
        ("right_ankle", "right_knee", (0.01, -0.4, -0.04)), ("spine3", "spine2", (0, 0.05, 0.02)),
        ("left_foot", "left_ankle", (0.04, -0.06, 0.12)), ("right_foot", "right_ankle", (-0.04, -0.06, 0.12)),
        ("neck", "spine3", (0, 0.21, -0.03)), ("left_collar", "spine3", (0.08, 0.11, -0.02)),
        ("right_collar", "spine3", (-0.08, 0.11, -0.02)), ("head", "neck", (0, 0.06, 0.05)),
        ("left_shoulder", "left_collar", (0.12, 0.05, -0.01)),
        ("right_shoulder", "right_collar", (-0.12, 0.05, -0.01)),
        ("left_elbow", "left_shoulder", (0.25, -0.01, -0.02)), ("right_elbow", "right_shoulder", (-0.25, -0.01, -0.02)),
        ("left_wrist", "left_elbow", (0.25, 0.01, 0)), ("right_wrist", "right_elbow", (-0.25, 0.01, 0)),
        ("left_hand", "left_wrist", (0.08, -0.01, -0.01)), ("right_hand", "right_wrist", (-0.08, -0.01, -0.01)),
    ]
    return [(name(n), name(p) if p else None, o) for n, p, o in rows]


def smpl_caps(name: str) -> str:
    """'left_hip' → 'L_Hip', 'spine1' → 'Spine1': the other SMPL spelling."""
    side, _, rest = name.partition("_")
    return f"{side[0].upper()}_{rest.title()}" if rest else name.title()


def mixamo_rows(prefix: str = "mixamorig:") -> list:
    left = [
        ("mixamorig:Hips", None, (0, 1.0, 0)), ("mixamorig:Spine", "mixamorig:Hips", (0, 0.1, 0.01)),
        ("mixamorig:Spine1", "mixamorig:Spine", (0, 0.12, 0)), ("mixamorig:Spine2", "mixamorig:Spine1", (0, 0.14, 0)),
        ("mixamorig:Neck", "mixamorig:Spine2", (0, 0.16, 0.01)), ("mixamorig:Head", "mixamorig:Neck", (0, 0.1, 0.03)),
        ("mixamorig:HeadTop_End", "mixamorig:Head", (0, 0.18, 0.06)),
        ("mixamorig:LeftShoulder", "mixamorig:Spine2", (0.06, 0.09, 0)),
        ("mixamorig:LeftArm", "mixamorig:LeftShoulder", (0.12, 0, 0)),
        ("mixamorig:LeftForeArm", "mixamorig:LeftArm", (0.27, 0, 0)),
        ("mixamorig:LeftHand", "mixamorig:LeftForeArm", (0.26, 0, 0)),
        ("mixamorig:LeftHandThumb1", "mixamorig:LeftHand", (0.03, 0, 0.03)),
        ("mixamorig:LeftHandIndex1", "mixamorig:LeftHand", (0.09, 0, 0.02)),
        ("mixamorig:LeftUpLeg", "mixamorig:Hips", (0.09, -0.06, 0)),
        ("mixamorig:LeftLeg", "mixamorig:LeftUpLeg", (0, -0.42, 0)),
        ("mixamorig:LeftFoot", "mixamorig:LeftLeg", (0, -0.41, -0.02)),
        ("mixamorig:LeftToeBase", "mixamorig:LeftFoot", (0, -0.07, 0.13)),
        ("mixamorig:LeftToe_End", "mixamorig:LeftToeBase", (0, 0, 0.08)),
    ]
    left = [(n.replace("mixamorig:", prefix), p and p.replace("mixamorig:", prefix), o) for n, p, o in left]
    return with_right_side(left, lambda n: n.replace("Left", "Right"))


MIXAMO_PARTS = {
    "pelvis": "Hips", "spine": "Spine", "chest": "Spine2", "neck": "Neck", "head": "Head",
    "shoulder-left": "LeftShoulder", "shoulder-right": "RightShoulder", "upper-arm-left": "LeftArm",
    "upper-arm-right": "RightArm", "forearm-left": "LeftForeArm", "forearm-right": "RightForeArm",
    "hand-left": "LeftHand", "hand-right": "RightHand", "thigh-left": "LeftUpLeg", "thigh-right": "RightUpLeg",
    "shin-left": "LeftLeg", "shin-right": "RightLeg", "foot-left": "LeftFoot", "foot-right": "RightFoot",
    "toes-left": "LeftToeBase", "toes-right": "RightToeBase",
}


def test_smpl_names_in_both_spellings():
    expected = {
        "pelvis": "pelvis", "spine": "spine1", "chest": "spine3", "neck": "neck", "head": "head",
        "shoulder-left": "left_collar", "shoulder-right": "right_collar", "upper-arm-left": "left_shoulder",
        "upper-arm-right": "right_shoulder", "forearm-left": "left_elbow", "forearm-right": "right_elbow",
        "hand-left": "left_wrist", "hand-right": "right_wrist", "thigh-left": "left_hip", "thigh-right": "right_hip",
        "shin-left": "left_knee", "shin-right": "right_knee", "foot-left": "left_ankle", "foot-right": "right_ankle",
        "toes-left": "left_foot", "toes-right": "right_foot",
    }
    assert named_parts(build(smpl_rows(str))) == expected
    assert named_parts(build(smpl_rows(smpl_caps))) == {p: smpl_caps(j) for p, j in expected.items()}
    assert smpl_caps("left_collar") == "L_Collar" and smpl_caps("pelvis") == "Pelvis"


def test_mixamo_names():
    assert named_parts(build(mixamo_rows())) == {p: f"mixamorig:{j}" for p, j in MIXAMO_PARTS.items()}


# Kinect v2's rest offsets (m) as a capture facing the camera gives them: the performer faces -z, left is -x.
KINECT_OFFSETS = {
    "SpineMid": (0, 0.3, 0), "SpineShoulder": (0, 0.2, 0), "Neck": (0, 0.07, 0), "Head": (0, 0.13, 0),
    "ShoulderLeft": (-0.18, -0.03, 0), "ElbowLeft": (-0.02, -0.27, 0), "WristLeft": (-0.01, -0.24, 0),
    "HandLeft": (0, -0.08, 0), "HandTipLeft": (0, -0.08, 0), "ThumbLeft": (0.03, -0.01, -0.05),
    "HipLeft": (-0.08, -0.05, 0), "KneeLeft": (-0.01, -0.42, 0), "AnkleLeft": (0, -0.4, 0.02),
    "FootLeft": (0, -0.03, -0.12),
}
KINECT_OFFSETS |= {k.replace("Left", "Right"): (-x, y, z) for k, (x, y, z) in KINECT_OFFSETS.items() if "Left" in k}


def test_kinect_v2_layout():
    skeleton = build([(n, p, KINECT_OFFSETS.get(n, (0, 0, 0))) for n, p in KINECT_V2_HIERARCHY])
    assert named_parts(skeleton) == {
        "pelvis": "SpineBase", "spine": "SpineMid", "chest": "SpineShoulder", "neck": "Neck", "head": "Head",
        "upper-arm-left": "ShoulderLeft", "upper-arm-right": "ShoulderRight",
        "forearm-left": "ElbowLeft", "forearm-right": "ElbowRight", "hand-left": "WristLeft",
        "hand-right": "WristRight", "thigh-left": "HipLeft", "thigh-right": "HipRight",
        "shin-left": "KneeLeft", "shin-right": "KneeRight", "foot-left": "AnkleLeft", "foot-right": "AnkleRight",
        "toes-left": "FootLeft", "toes-right": "FootRight",
    }


def test_mediapipe_pose_landmarks_with_the_joints_its_layout_adds():
    """MediaPipe's 'left_foot_index' (the tip of the toes) was taken for a finger and left out: the feet had no
    toes, their direction came from the shins alone, and a walk's hips and shoulders were warned to lie on the
    performer's wrong side. Recognised with the midline joints the layout adds, the toes are the toes."""
    import warnings

    from laban.layouts import MEDIAPIPE_POSE

    rest = {"pelvis": (0, 0.95, 0), "chest": (0, 1.45, 0), "head": (0, 1.65, 0), "nose": (0, 1.65, 0.1)}
    for side, x in (("left", 1.0), ("right", -1.0)):  # facing +z, the performer's left at +x
        rest |= {f"{side}_hip": (0.09 * x, 0.95, 0), f"{side}_knee": (0.1 * x, 0.52, 0),
                 f"{side}_ankle": (0.1 * x, 0.1, 0), f"{side}_heel": (0.1 * x, 0.05, -0.06),
                 f"{side}_foot_index": (0.1 * x, 0.02, 0.15), f"{side}_shoulder": (0.18 * x, 1.45, 0),
                 f"{side}_elbow": (0.2 * x, 1.17, 0), f"{side}_wrist": (0.21 * x, 0.93, 0),
                 f"{side}_ear": (0.07 * x, 1.65, 0)}
    names = [n for n in MEDIAPIPE_POSE.joints if n in rest]
    skeleton_names, parents, positions = MEDIAPIPE_POSE.arranged(names, np.array([[rest[n] for n in names]]))
    offsets = positions[0] - positions[0][np.maximum(parents, 0)]
    skeleton = Skeleton(skeleton_names, parents, offsets)
    assert label("left_foot_index") == label("LeftToeBase") and label("left_foot_index").parts == {"toes": 2}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert {p.value: skeleton.names[j] for p, j in recognise(skeleton).items()} == {
            "pelvis": "pelvis", "chest": "chest", "head": "head",
            "upper-arm-left": "left_shoulder", "upper-arm-right": "right_shoulder", "forearm-left": "left_elbow",
            "forearm-right": "right_elbow", "hand-left": "left_wrist", "hand-right": "right_wrist",
            "thigh-left": "left_hip", "thigh-right": "right_hip", "shin-left": "left_knee", "shin-right": "right_knee",
            "foot-left": "left_ankle", "foot-right": "right_ankle", "toes-left": "left_foot_index",
            "toes-right": "right_foot_index"}


def test_unreal_mannequin_names_with_twist_and_ik_bones():
    left = [
        ("root", None, (0, 0, 0)), ("pelvis", "root", (0, 0.97, 0)), ("spine_01", "pelvis", (0, 0.11, 0)),
        ("spine_02", "spine_01", (0, 0.19, 0)), ("spine_03", "spine_02", (0, 0.14, 0)),
        ("neck_01", "spine_03", (0, 0.17, 0)), ("head", "neck_01", (0, 0.09, 0.02)),
        ("clavicle_l", "spine_03", (0.04, 0.11, 0)), ("upperarm_l", "clavicle_l", (0.15, 0, 0)),
        ("upperarm_twist_01_l", "upperarm_l", (0.14, 0, 0)), ("lowerarm_l", "upperarm_l", (0.3, 0, 0)),
        ("hand_l", "lowerarm_l", (0.26, 0, 0)), ("index_01_l", "hand_l", (0.12, 0, 0.02)),
        ("thigh_l", "pelvis", (0.09, 0, 0)), ("calf_l", "thigh_l", (0, -0.45, 0)),
        ("foot_l", "calf_l", (0, -0.42, 0)), ("ball_l", "foot_l", (0, -0.07, 0.14)),
        ("ik_foot_root", "root", (0, 0, 0)), ("ik_foot_l", "ik_foot_root", (0.1, 0.1, 0)),
    ]
    skeleton = build(with_right_side(left, lambda n: n[:-2] + "_r" if n.endswith("_l") else n))
    assert named_parts(skeleton) == {
        "pelvis": "pelvis", "spine": "spine_01", "chest": "spine_03", "neck": "neck_01", "head": "head",
        "shoulder-left": "clavicle_l", "shoulder-right": "clavicle_r", "upper-arm-left": "upperarm_l",
        "upper-arm-right": "upperarm_r", "forearm-left": "lowerarm_l", "forearm-right": "lowerarm_r",
        "hand-left": "hand_l", "hand-right": "hand_r", "thigh-left": "thigh_l", "thigh-right": "thigh_r",
        "shin-left": "calf_l", "shin-right": "calf_r", "foot-left": "foot_l", "foot-right": "foot_r",
        "toes-left": "ball_l", "toes-right": "ball_r",
    }


def test_rigify_names_with_a_numbered_spine_and_no_head_name():
    # The meta-rig's spine runs spine (hips) … spine.003 (chest), spine.004–.005 (neck), spine.006 (head).
    spine = [("spine", None, (0, 1.0, 0))] + [(f"spine.00{i}", "spine" if i == 1 else f"spine.00{i - 1}",
                                               (0, 0.12, 0)) for i in range(1, 7)]
    left = [
        ("shoulder.L", "spine.003", (0.03, 0.1, 0)), ("upper_arm.L", "shoulder.L", (0.16, 0, 0)),
        ("forearm.L", "upper_arm.L", (0.27, 0, 0)), ("hand.L", "forearm.L", (0.25, 0, 0)),
        ("thigh.L", "spine", (0.1, 0, 0)), ("shin.L", "thigh.L", (0, -0.45, 0)), ("foot.L", "shin.L", (0, -0.42, 0)),
        ("toe.L", "foot.L", (0, -0.06, 0.13)), ("heel.02.L", "foot.L", (0, -0.07, -0.05)),
    ]
    skeleton = build(spine + with_right_side(left, lambda n: n.replace(".L", ".R")))
    assert named_parts(skeleton) == {
        "pelvis": "spine", "spine": "spine.001", "chest": "spine.003", "neck": "spine.004", "head": "spine.006",
        "shoulder-left": "shoulder.L", "shoulder-right": "shoulder.R", "upper-arm-left": "upper_arm.L",
        "upper-arm-right": "upper_arm.R", "forearm-left": "forearm.L", "forearm-right": "forearm.R",
        "hand-left": "hand.L", "hand-right": "hand.R", "thigh-left": "thigh.L", "thigh-right": "thigh.R",
        "shin-left": "shin.L", "shin-right": "shin.R", "foot-left": "foot.L", "foot-right": "foot.R",
        "toes-left": "toe.L", "toes-right": "toe.R",
    }


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_limbs_named_without_sides_are_sided_by_where_the_feet_point(facing):
    def limbs(tag: str, x: float) -> list:
        return [
            (f"clavicle_{tag}", "chest", (x * 0.05, 0.1, 0)), (f"upperarm_{tag}", f"clavicle_{tag}", (x * 0.15, 0, 0)),
            (f"forearm_{tag}", f"upperarm_{tag}", (x * 0.27, 0, 0)),
            (f"hand_{tag}", f"forearm_{tag}", (x * 0.25, 0, 0)),
            (f"thigh_{tag}", "hips", (x * 0.1, 0, 0)), (f"knee_{tag}", f"thigh_{tag}", (0, -0.45, 0)),
            (f"ankle_{tag}", f"knee_{tag}", (0, -0.42, 0)), (f"toe_{tag}", f"ankle_{tag}", (0, -0.06, facing * 0.13)),
        ]

    torso = [("hips", None, (0, 1, 0)), ("spine", "hips", (0, 0.2, 0)), ("chest", "spine", (0, 0.2, 0)),
             ("neck", "chest", (0, 0.2, 0)), ("head", "neck", (0, 0.1, 0))]
    found = named_parts(build(torso + limbs("a", 1.0) + limbs("b", -1.0)))
    # Facing +z (y up) the performer's left is +x; facing -z it is -x.
    left, right = ("a", "b") if facing > 0 else ("b", "a")
    assert found["hand-left"] == f"hand_{left}" and found["toes-left"] == f"toe_{left}"
    assert found["thigh-right"] == f"thigh_{right}" and found["upper-arm-right"] == f"upperarm_{right}"


def test_an_unnamed_joint_fills_the_gap_after_a_named_neighbour():
    rows = [(n.replace("LeftHand", "LeftPalm"), p and p.replace("LeftHand", "LeftPalm"), o) for n, p, o in
            mixamo_rows() if "Thumb" not in n and "Index" not in n]
    assert named_parts(build(rows))["hand-left"] == "mixamorig:LeftPalm"


# --- the rigs animators perform our dances on (tests/test_decoder.py dances on them, test_bvh.py and
# test_blender.py write them) ----------------------------------------------------------------------------------


def sided(parts: dict[str, str], to_right) -> dict[str, str]:
    """Expected parts: the torso's and the left limbs' joints as given, the right limbs' named by ``to_right``."""
    return parts | {p.replace("-left", "-right"): to_right(j) for p, j in parts.items() if p.endswith("-left")}


def a_pose(rows) -> list:
    """Mixamo-named rows with the arms hanging 45° (an A-pose): the bones below the upper arms turned down."""
    c = np.sqrt(0.5)
    return [(n, p, (c * o[0] + k * c * o[1], c * o[1] - k * c * o[0], o[2]) if "ForeArm" in n or "Hand" in n else o)
            for n, p, o in rows for k in [1 if "Left" in n else -1]]


def unreal_rows() -> list:
    """Unreal Engine 5's mannequin: a 'root' bone on the floor above the pelvis, five spine and two neck bones,
    twist bones beside the limb bones, metacarpals, IK bones under the root; arms in an A-pose."""
    left = [
        ("root", None, (0, 0, 0)), ("pelvis", "root", (0, 0.97, 0)), ("spine_01", "pelvis", (0, 0.08, -0.01)),
        ("spine_02", "spine_01", (0, 0.1, 0)), ("spine_03", "spine_02", (0, 0.1, 0)),
        ("spine_04", "spine_03", (0, 0.11, 0)), ("spine_05", "spine_04", (0, 0.12, 0)),
        ("neck_01", "spine_05", (0, 0.09, 0.01)), ("neck_02", "neck_01", (0, 0.05, 0)),
        ("head", "neck_02", (0, 0.06, 0.01)),
        ("clavicle_l", "spine_05", (0.03, 0.03, 0.01)), ("upperarm_l", "clavicle_l", (0.15, 0, -0.01)),
        ("upperarm_twist_01_l", "upperarm_l", (0.1, -0.1, 0)), ("lowerarm_l", "upperarm_l", (0.2, -0.2, 0)),
        ("lowerarm_twist_01_l", "lowerarm_l", (0.09, -0.09, 0)), ("hand_l", "lowerarm_l", (0.18, -0.18, 0)),
        ("index_metacarpal_l", "hand_l", (0.02, -0.02, 0.02)), ("index_01_l", "index_metacarpal_l", (0.04, -0.04, 0)),
        ("thumb_01_l", "hand_l", (0.01, -0.02, 0.03)), ("thigh_l", "pelvis", (0.09, -0.01, 0)),
        ("thigh_twist_01_l", "thigh_l", (0, -0.2, 0)), ("calf_l", "thigh_l", (0, -0.44, 0)),
        ("calf_twist_01_l", "calf_l", (0, -0.2, 0)), ("foot_l", "calf_l", (0, -0.44, -0.02)),
        ("ball_l", "foot_l", (0, -0.08, 0.13)), ("ik_foot_root", "root", (0, 0, 0)),
        ("ik_foot_l", "ik_foot_root", (0.1, 0.09, -0.02)),
    ]
    return with_right_side(left, lambda n: n[:-2] + "_r" if n.endswith("_l") else n)


def rigify_rows() -> list:
    """Blender Rigify's deform bones, as a game export keeps them: 'DEF-spine' (the hips) to 'DEF-spine.006' (the
    head), limbs split in two segments ('DEF-thigh.L', 'DEF-thigh.L.001'), a 'DEF-pelvis.L' beside the thigh."""
    spine = [("DEF-spine", None, (0, 1.0, 0.05))] + [
        (f"DEF-spine.00{i}", "DEF-spine" if i == 1 else f"DEF-spine.00{i - 1}", (0, h, 0))
        for i, h in enumerate((0.12, 0.12, 0.14, 0.16, 0.05, 0.05), 1)]
    left = [
        ("DEF-pelvis.L", "DEF-spine", (0, 0, 0)), ("DEF-breast.L", "DEF-spine.003", (0.1, -0.04, 0.1)),
        ("DEF-shoulder.L", "DEF-spine.003", (0.02, 0.1, 0.02)), ("DEF-upper_arm.L", "DEF-shoulder.L", (0.16, 0, -0.02)),
        ("DEF-upper_arm.L.001", "DEF-upper_arm.L", (0.135, 0, 0)),
        ("DEF-forearm.L", "DEF-upper_arm.L.001", (0.135, 0, 0)), ("DEF-forearm.L.001", "DEF-forearm.L", (0.13, 0, 0)),
        ("DEF-hand.L", "DEF-forearm.L.001", (0.13, 0, 0)), ("DEF-thumb.01.L", "DEF-hand.L", (0.02, -0.01, 0.03)),
        ("DEF-f_index.01.L", "DEF-hand.L", (0.09, 0, 0.02)), ("DEF-palm.01.L", "DEF-hand.L", (0.01, 0, 0.02)),
        ("DEF-thigh.L", "DEF-spine", (0.1, 0, 0)), ("DEF-thigh.L.001", "DEF-thigh.L", (0, -0.225, 0)),
        ("DEF-shin.L", "DEF-thigh.L.001", (0, -0.225, 0)), ("DEF-shin.L.001", "DEF-shin.L", (0, -0.21, 0)),
        ("DEF-foot.L", "DEF-shin.L.001", (0, -0.21, -0.02)), ("DEF-toe.L", "DEF-foot.L", (0, -0.07, 0.13)),
    ]
    return spine + with_right_side(left, lambda n: n.replace(".L", ".R"))


def humanik_rows() -> list:
    """MotionBuilder's HumanIK: a 'Reference' on the floor above the hips, roll bones beside the limb bones."""
    left = [
        ("Reference", None, (0, 0, 0)), ("Hips", "Reference", (0, 1.0, 0)), ("Spine", "Hips", (0, 0.1, 0)),
        ("Spine1", "Spine", (0, 0.12, 0)), ("Spine2", "Spine1", (0, 0.12, 0)), ("Neck", "Spine2", (0, 0.16, 0)),
        ("Neck1", "Neck", (0, 0.05, 0)), ("Head", "Neck1", (0, 0.07, 0.02)),
        ("LeftShoulder", "Spine2", (0.04, 0.12, 0)), ("LeftArm", "LeftShoulder", (0.14, 0, 0)),
        ("LeftArmRoll", "LeftArm", (0.13, 0, 0)), ("LeftForeArm", "LeftArm", (0.28, 0, 0)),
        ("LeftForeArmRoll", "LeftForeArm", (0.12, 0, 0)), ("LeftHand", "LeftForeArm", (0.25, 0, 0)),
        ("LeftHandThumb1", "LeftHand", (0.03, 0, 0.03)), ("LeftInHandIndex", "LeftHand", (0.03, 0, 0.015)),
        ("LeftHandIndex1", "LeftInHandIndex", (0.06, 0, 0.005)), ("LeftUpLeg", "Hips", (0.09, -0.05, 0)),
        ("LeftUpLegRoll", "LeftUpLeg", (0, -0.22, 0)), ("LeftLeg", "LeftUpLeg", (0, -0.43, 0)),
        ("LeftLegRoll", "LeftLeg", (0, -0.2, 0)), ("LeftFoot", "LeftLeg", (0, -0.43, 0)),
        ("LeftToeBase", "LeftFoot", (0, -0.07, 0.13)), ("LeftFootMiddle1", "LeftToeBase", (0, 0, 0.04)),
    ]
    return with_right_side(left, lambda n: n.replace("Left", "Right"))


def smplx_rows() -> list:
    """SMPL-X: SMPL's joints less its hands, with a jaw, eyes and three joints for each finger from the wrist."""
    rows = [row for row in smpl_rows(str) if not row[0].endswith("_hand")]
    rows += [("jaw", "head", (0, 0, 0.02))] + [(f"{s}_eye_smplhf", "head", (x * 0.03, 0.04, 0.08))
                                               for s, x in (("left", 1), ("right", -1))]
    for side, x in (("left", 1), ("right", -1)):
        for finger, at in (("index", (0.09, 0, 0.02)), ("middle", (0.095, 0, 0)), ("pinky", (0.075, 0, -0.03)),
                           ("ring", (0.085, 0, -0.015)), ("thumb", (0.03, -0.01, 0.03))):
            parent = f"{side}_wrist"
            for k in (1, 2, 3):
                rows.append((f"{side}_{finger}{k}", parent, (x * at[0], at[1], at[2]) if k == 1 else (x * 0.03, 0, 0)))
                parent = f"{side}_{finger}{k}"
    return rows


def character_creator_rows() -> list:
    """Reallusion Character Creator / iClone: the thighs hang from 'CC_Base_Pelvis', a joint under 'CC_Base_Hip'
    beside the 'CC_Base_Waist' that carries the spine; twist bones within the limbs."""
    left = [
        ("CC_Base_BoneRoot", None, (0, 0, 0)), ("CC_Base_Hip", "CC_Base_BoneRoot", (0, 1.0, 0)),
        ("CC_Base_Pelvis", "CC_Base_Hip", (0, 0, 0)), ("CC_Base_L_Thigh", "CC_Base_Pelvis", (0.09, -0.05, 0)),
        ("CC_Base_L_Calf", "CC_Base_L_Thigh", (0, -0.44, 0)), ("CC_Base_L_Foot", "CC_Base_L_Calf", (0, -0.42, 0)),
        ("CC_Base_L_ToeBase", "CC_Base_L_Foot", (0, -0.06, 0.13)),
        ("CC_Base_L_ThighTwist01", "CC_Base_L_Thigh", (0, -0.1, 0)), ("CC_Base_Waist", "CC_Base_Hip", (0, 0.08, 0)),
        ("CC_Base_Spine01", "CC_Base_Waist", (0, 0.12, 0)), ("CC_Base_Spine02", "CC_Base_Spine01", (0, 0.14, 0)),
        ("CC_Base_NeckTwist01", "CC_Base_Spine02", (0, 0.18, 0)),
        ("CC_Base_NeckTwist02", "CC_Base_NeckTwist01", (0, 0.05, 0)),
        ("CC_Base_Head", "CC_Base_NeckTwist02", (0, 0.05, 0.01)),
        ("CC_Base_L_Clavicle", "CC_Base_Spine02", (0.03, 0.14, 0)),
        ("CC_Base_L_Upperarm", "CC_Base_L_Clavicle", (0.14, 0, 0)),
        ("CC_Base_L_UpperarmTwist01", "CC_Base_L_Upperarm", (0.07, 0, 0)),
        ("CC_Base_L_Forearm", "CC_Base_L_Upperarm", (0.28, 0, 0)),
        ("CC_Base_L_ForearmTwist01", "CC_Base_L_Forearm", (0.12, 0, 0)),
        ("CC_Base_L_Hand", "CC_Base_L_Forearm", (0.25, 0, 0)), ("CC_Base_L_Index1", "CC_Base_L_Hand", (0.09, 0, 0.02)),
    ]
    return with_right_side(left, lambda n: n.replace("_L_", "_R_"))


def biped_rows() -> list:
    """3ds Max Biped with the 'Bip01 ' cut from its names: the thighs hang from the 'Spine' under 'Pelvis', the
    clavicles from the neck."""
    left = [
        ("Bip01", None, (0, 1.0, 0)), ("Pelvis", "Bip01", (0, 0, 0)), ("Spine", "Pelvis", (0, 0.08, 0)),
        ("Spine1", "Spine", (0, 0.14, 0)), ("Spine2", "Spine1", (0, 0.14, 0)), ("Neck", "Spine2", (0, 0.16, 0)),
        ("Head", "Neck", (0, 0.08, 0.01)), ("L_Clavicle", "Neck", (0.02, -0.02, 0)),
        ("L_UpperArm", "L_Clavicle", (0.15, 0, 0)), ("L_Forearm", "L_UpperArm", (0.28, 0, 0)),
        ("L_Hand", "L_Forearm", (0.25, 0, 0)), ("L_Finger0", "L_Hand", (0.03, 0, 0.03)),
        ("L_Thigh", "Spine", (0.09, -0.08, 0)), ("L_Calf", "L_Thigh", (0, -0.44, 0)),
        ("L_Foot", "L_Calf", (0, -0.42, 0)), ("L_Toe0", "L_Foot", (0, -0.06, 0.13)),
    ]
    return with_right_side(left, lambda n: n.replace("L_", "R_"))


def _named(prefix: str, parts: dict[str, str]) -> dict[str, str]:
    return {p: prefix + j for p, j in parts.items()}


# rig: (rows, the body parts it must be recognised as)
ANIMATORS_RIGS = {
    "mixamo": (mixamo_rows, _named("mixamorig:", MIXAMO_PARTS)),
    "mixamo-a-pose": (lambda: a_pose(mixamo_rows("mixamorig1:")), _named("mixamorig1:", MIXAMO_PARTS)),
    "unreal": (unreal_rows, sided({
        "pelvis": "pelvis", "spine": "spine_01", "chest": "spine_05", "neck": "neck_01", "head": "head",
        "shoulder-left": "clavicle_l", "upper-arm-left": "upperarm_l", "forearm-left": "lowerarm_l",
        "hand-left": "hand_l", "thigh-left": "thigh_l", "shin-left": "calf_l", "foot-left": "foot_l",
        "toes-left": "ball_l"}, lambda j: j[:-2] + "_r")),
    "rigify": (rigify_rows, sided({
        "pelvis": "DEF-spine", "spine": "DEF-spine.001", "chest": "DEF-spine.003", "neck": "DEF-spine.004",
        "head": "DEF-spine.006", "shoulder-left": "DEF-shoulder.L", "upper-arm-left": "DEF-upper_arm.L",
        "forearm-left": "DEF-forearm.L", "hand-left": "DEF-hand.L", "thigh-left": "DEF-thigh.L",
        "shin-left": "DEF-shin.L", "foot-left": "DEF-foot.L", "toes-left": "DEF-toe.L"},
        lambda j: j.replace(".L", ".R"))),
    "humanik": (humanik_rows, MIXAMO_PARTS),
    "smpl-x": (smplx_rows, sided({
        "pelvis": "pelvis", "spine": "spine1", "chest": "spine3", "neck": "neck", "head": "head",
        "shoulder-left": "left_collar", "upper-arm-left": "left_shoulder", "forearm-left": "left_elbow",
        "hand-left": "left_wrist", "thigh-left": "left_hip", "shin-left": "left_knee", "foot-left": "left_ankle",
        "toes-left": "left_foot"}, lambda j: j.replace("left", "right"))),
    "character-creator": (character_creator_rows, sided({
        "pelvis": "CC_Base_Hip", "spine": "CC_Base_Waist", "chest": "CC_Base_Spine02", "neck": "CC_Base_NeckTwist01",
        "head": "CC_Base_Head", "shoulder-left": "CC_Base_L_Clavicle", "upper-arm-left": "CC_Base_L_Upperarm",
        "forearm-left": "CC_Base_L_Forearm", "hand-left": "CC_Base_L_Hand", "thigh-left": "CC_Base_L_Thigh",
        "shin-left": "CC_Base_L_Calf", "foot-left": "CC_Base_L_Foot", "toes-left": "CC_Base_L_ToeBase"},
        lambda j: j.replace("_L_", "_R_"))),
    "3ds-max-biped": (biped_rows, sided({
        "pelvis": "Spine", "spine": "Spine1", "chest": "Spine2", "neck": "Neck", "head": "Head",
        "shoulder-left": "L_Clavicle", "upper-arm-left": "L_UpperArm", "forearm-left": "L_Forearm",
        "hand-left": "L_Hand", "thigh-left": "L_Thigh", "shin-left": "L_Calf", "foot-left": "L_Foot",
        "toes-left": "L_Toe0"}, lambda j: "R" + j[1:])),
}


@pytest.mark.parametrize("rig", sorted(ANIMATORS_RIGS))
def test_the_rigs_animators_have_are_recognised_without_a_map(rig):
    """Names with a namespace, a side as a prefix or a suffix, numbered and split bones; fingers, twist, roll, IK
    and helper bones beside the limbs; a root bone on the floor above the pelvis; T- and A-poses. The pelvis is
    the joint the legs and the spine hang from: Character Creator's legs hang from a 'Pelvis' under the 'Hip' that
    carries the waist (taken for the pelvis, it left the upper body behind in every turn), Biped's from the 'Spine'
    under 'Pelvis' (the named 'Pelvis' was taken, and bending the torso dragged the planted feet)."""
    import warnings

    rows, expected = ANIMATORS_RIGS[rig]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no left-right doubt either
        assert named_parts(build(rows())) == expected


# --- names ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, side, parts", [
    ("mixamorig:LeftUpLeg", "left", {"thigh": 2}), ("lfemur", "left", {"thigh": 2}),
    ("rradius", "right", {"forearm": 2}), ("upper_arm.L", "left", {"upper-arm": 2}),
    ("L_Hip", "left", {"thigh": 1}), ("hip", None, {"pelvis": 2}),
    ("ShoulderLeft", "left", {"shoulder": 1, "upper-arm": 1}),
    ("SpineShoulder", None, {"chest": 2}), ("SpineMid", None, {"spine": 2}), ("lowerback", None, {"spine": 2}),
    ("Bip01 R Calf", "right", {"shin": 2}),
])
def test_names_say_side_and_part(name, side, parts):
    assert label(name) == (side, parts, False)


@pytest.mark.parametrize("name", ["HandTipLeft", "LeftHandIndex1", "lThumb1", "leftEye", "HeadTop_End",
                                  "upperarm_twist_01_l", "ik_foot_l", "rButtock"])
def test_fingers_eyes_ends_and_helpers_are_no_part(name):
    assert label(name).ignored


# --- what is missing, and the user's mapping ------------------------------------------------------------------


def without(rows, cut: str) -> list:
    """The rows less the joint ``cut`` and everything below it."""
    gone = {cut}
    kept = []
    for name, parent, offset in rows:
        if name in gone or parent in gone:
            gone.add(name)
        else:
            kept.append((name, parent, offset))
    return kept


def test_a_missing_hand_is_named_in_the_error_with_a_hint():
    skeleton = build(without(mixamo_rows(), "mixamorig:LeftHand"))
    with pytest.raises(SkeletonError) as error:
        recognise(skeleton)
    message = str(error.value)
    assert "hand-left" in message and "mapping={'hand-left': '<joint>'}" in message
    assert "hand-right" not in message.split(" among ")[0] and "\n" not in message


def test_every_missing_part_is_listed_at_once():
    skeleton = build(without(without(mixamo_rows(), "mixamorig:LeftHand"), "mixamorig:RightUpLeg"))
    with pytest.raises(SkeletonError, match="cannot recognise hand-left, thigh-right, shin-right, foot-right among"):
        recognise(skeleton)


def test_a_mapping_overrides_and_completes_recognition():
    # A wrist named as no part of the body ('twist' bones are left out) leaves the left hand for the mapping.
    rows = [(n.replace("LeftHand", "LeftWristTwist"), p and p.replace("LeftHand", "LeftWristTwist"), o)
            for n, p, o in mixamo_rows() if "Thumb" not in n and "Index" not in n]
    with pytest.raises(SkeletonError, match="cannot recognise hand-left"):
        recognise(build(rows))
    found = named_parts(build(rows), {"hand-left": "mixamorig:LeftWristTwist", BodyPart.HEAD: "mixamorig:Neck",
                                      "CHEST": "mixamorig:Spine1"})
    assert found["hand-left"] == "mixamorig:LeftWristTwist"
    assert found["head"] == "mixamorig:Neck" and found["chest"] == "mixamorig:Spine1"
    assert found["hand-right"] == "mixamorig:RightHand"


def test_a_mapping_to_a_joint_that_is_not_there_is_refused():
    with pytest.raises(SkeletonError, match="'LWrist'.*no such joint"):
        recognise(build(mixamo_rows()), {"hand-left": "LWrist"})
    with pytest.raises(SkeletonError, match="unknown body part 'paw'"):
        recognise(build(mixamo_rows()), {"paw": "mixamorig:LeftHand"})
    for damaged in (5, ["hand-left"], {"hand-left": 3}):  # a mapping read back from a damaged record (duet.json)
        with pytest.raises(SkeletonError, match="a mapping names body parts' joints"):
            recognise(build(mixamo_rows()), damaged)


def test_a_mapping_that_names_one_joint_for_two_required_parts_is_refused():
    """Both hands, or the pelvis and the chest, mapped to one joint was taken: no check of the body looks at two
    parts that are not neighbours in a limb, and the dance was decoded onto a figure with one hand. An optional part
    may share its joint (a rig without a neck: the head mapped to the neck, the neck recognised there too)."""
    skeleton = build(mixamo_rows())
    for mapping, both in (({"hand-left": "mixamorig:LeftHand", "hand-right": "mixamorig:LeftHand"},
                           "hand-left and hand-right"),
                          ({"pelvis": "mixamorig:Hips", "CHEST": "mixamorig:Hips"}, "pelvis and chest")):
        with pytest.raises(SkeletonError, match=f"joint 'mixamorig:(LeftHand|Hips)' for both {both}: each needs"):
            recognise(skeleton, mapping)
    found = named_parts(skeleton, {"head": "mixamorig:Neck", "neck": "mixamorig:Neck"})
    assert found["head"] == found["neck"] == "mixamorig:Neck"


def test_recognised_fills_the_skeleton_and_keeps_a_users_mapping():
    skeleton = build(mixamo_rows())
    assert recognised(skeleton) is skeleton and set(REQUIRED_PARTS) <= set(skeleton.parts)
    recognised(skeleton, {"hand-left": "mixamorig:LeftHandIndex1"})
    recognised(skeleton)
    assert skeleton.names[skeleton.parts[BodyPart.HAND_LEFT]] == "mixamorig:LeftHandIndex1"


# --- helper joints: bone geometry has the last word ------------------------------------------------------------

# 3ds Max and MotionBuilder exports put zero-length or coincident helper joints at the pelvis beside the real hips,
# named like limbs. Built here by renaming the joints of the CMU walk 05_01, whose 'LHipJoint' and 'RHipJoint' are
# such zero-length joints at the pelvis: the motion of every joint stays the same, only the names mislead.
HELPER_RIGS = {
    # MotionBuilder: the zero-length joint is called 'LeftUpLeg' (the thigh's usual name), the real hip 'LeftThigh'.
    "motionbuilder": {"LHipJoint": "LeftUpLeg", "LeftUpLeg": "LeftThigh", "RHipJoint": "RightUpLeg",
                      "RightUpLeg": "RightThigh"},
    # 'LeftHip' at the pelvis, then 'LeftLegUpper' (the real hip) and 'LeftLegLower' (the knee): names alone put
    # the thigh at the pelvis and the knee at the hip.
    "upper-lower": {"LHipJoint": "LeftHip", "LeftUpLeg": "LeftLegUpper", "LeftLeg": "LeftLegLower",
                    "RHipJoint": "RightHip", "RightUpLeg": "RightLegUpper", "RightLeg": "RightLegLower"},
    # 3ds Max Biped ('Bip01 L Thigh', spaces written as '_' in BVH): helpers at the pelvis, the real hips numbered.
    "3ds-max": {"Hips": "Bip01_Pelvis", "LHipJoint": "Bip01_L_Thigh", "LeftUpLeg": "Bip01_L_Thigh1",
                "LeftLeg": "Bip01_L_Calf", "LeftFoot": "Bip01_L_Foot", "LeftToeBase": "Bip01_L_Toe0",
                "RHipJoint": "Bip01_R_Thigh", "RightUpLeg": "Bip01_R_Thigh1", "RightLeg": "Bip01_R_Calf",
                "RightFoot": "Bip01_R_Foot", "RightToeBase": "Bip01_R_Toe0"},
}
REAL_LEGS = {"thigh": ("LeftUpLeg", "RightUpLeg"), "shin": ("LeftLeg", "RightLeg")}


def renamed_bvh(source, renames: dict[str, str], tmp_path):
    text = re.sub(r"^(\s*(?:ROOT|JOINT)) (\S+)", lambda m: f"{m.group(1)} {renames.get(m.group(2), m.group(2))}",
                  source.read_text(), flags=re.MULTILINE)
    path = tmp_path / "rig.bvh"
    path.write_text(text)
    return path


def supports(score) -> list[tuple]:
    from laban import Column, Sign

    return [(s.start, s.column, s.direction) for s in score.symbols
            if s.column in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT) and s.sign is Sign.DIRECTION]


@pytest.mark.parametrize("rig", sorted(HELPER_RIGS))
def test_helper_joints_at_the_pelvis_are_not_taken_for_the_legs(trials, tmp_path, rig):
    import laban
    from laban.figure import Rig

    renames = HELPER_RIGS[rig]
    plain = laban.read_bvh(trials["05_01"].path)
    motion = laban.read_bvh(renamed_bvh(trials["05_01"].path, renames, tmp_path))
    parts = recognise(motion.skeleton)
    for kind, real in REAL_LEGS.items():
        for side, joint in zip(("left", "right"), real):
            assert motion.skeleton.names[parts[BodyPart(f"{kind}-{side}")]] == renames.get(joint, joint)
    # The walk is notated as on the plain rig: forward steps, not plié on the spot.
    steps = supports(laban.tokenize(motion, bpm=120))
    assert steps == supports(laban.tokenize(plain, bpm=120))
    assert sum(s[2].value == "forward" for s in steps) >= 4
    # ... and the decoder's rig reads real legs (it refused 'coincident hips' when helpers were the thighs).
    thigh = Rig.of(motion.skeleton).legs["left"].thigh_length
    assert thigh == pytest.approx(Rig.of(plain.skeleton).legs["left"].thigh_length)


# OptiTrack Motive's own names (without 'MotionBuilder Names'): a side letter before abbreviated bones, 'LUArm' the
# upper arm and 'LFArm' the forearm.
MOTIVE = {"Hips": "Hip", "LowerBack": "Ab", "Spine1": "Chest"} | {
    cmu.format(side=long): motive.format(side=short) for long, short in (("Left", "L"), ("Right", "R"))
    for cmu, motive in (("{side}Shoulder", "{side}Shoulder"), ("{side}Arm", "{side}UArm"),
                        ("{side}ForeArm", "{side}FArm"), ("{side}Hand", "{side}Hand"), ("{side}UpLeg", "{side}Thigh"),
                        ("{side}Leg", "{side}Shin"), ("{side}Foot", "{side}Foot"), ("{side}ToeBase", "{side}Toe"))}


def test_optitrack_motive_names_are_recognised_and_danced_on(trials, tmp_path):
    """The CMU take renamed as Motive names its skeleton: camelCase cut 'LFArm' into 'LF' and 'Arm', read as a
    side-less upper arm, so no forearm was found (--skeleton refused, found 2026-12-07). Recognised, a dance on it
    reads back as written, as on the plain rig."""
    import laban

    plain = laban.read_bvh(trials["05_01"].path).skeleton
    skeleton = laban.read_bvh(renamed_bvh(trials["05_01"].path, MOTIVE, tmp_path)).skeleton
    parts = recognise(skeleton)
    assert {p: skeleton.names[j] for p, j in parts.items()} == {
        p: MOTIVE.get(plain.names[j], plain.names[j]) for p, j in recognise(plain).items()}
    assert skeleton.names[parts[BodyPart.FOREARM_LEFT]] == "LFArm"
    assert skeleton.names[parts[BodyPart.UPPER_ARM_RIGHT]] == "RUArm"
    score = laban.Score.load(Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban")
    danced = laban.tokenize(laban.decode(score, skeleton), score.grid)
    assert laban.cell_agreement(score, danced)["all"]["direction"] > 0.95


def test_hips_or_shoulders_that_coincide_are_an_error_naming_the_joints_and_the_map(trials, tmp_path):
    import laban

    motion = laban.read_bvh(trials["05_01"].path)
    with pytest.raises(SkeletonError, match=r"hip joints coincide: thigh-left 'LHipJoint' and thigh-right "
                                            r"'RHipJoint'.*--map thigh-left=") as error:
        recognise(motion.skeleton, {"thigh-left": "LHipJoint", "thigh-right": "RHipJoint"})
    assert "\n" not in str(error.value)
    with pytest.raises(SkeletonError, match=r"shoulder joints coincide: upper-arm-left 'mixamorig:Spine2' and "
                                            r"upper-arm-right 'mixamorig:Spine2'.*--map upper-arm-left="):
        recognise(build(mixamo_rows()), {"upper-arm-left": "mixamorig:Spine2", "upper-arm-right": "mixamorig:Spine2"})


def test_a_thigh_shorter_than_five_centimetres_is_an_error():
    rows = [(n, p, (0.0, -0.03, 0.0) if n.endswith("LeftLeg") else o) for n, p, o in mixamo_rows()]
    with pytest.raises(SkeletonError, match=r"thigh from 'mixamorig:LeftUpLeg' to 'mixamorig:LeftLeg' is 3.0 cm "
                                            r".*--map shin-left="):
        recognise(build(rows))


def test_left_and_right_on_the_wrong_sides_warn_with_the_map_that_swaps_them():
    swap = {"Left": "Right", "Right": "Left"}
    mirrored = lambda n: n and re_sub(n, swap)  # noqa: E731
    rows = [(mirrored(n), mirrored(p), o) for n, p, o in mixamo_rows()]
    with pytest.warns(UserWarning) as caught:
        recognise(build(rows))
    assert len(caught) == 1 and "\n" not in str(caught[0].message)
    assert re.search(r"thigh-left 'mixamorig:LeftUpLeg' and upper-arm-left 'mixamorig:LeftArm' lie\(s\) on the "
                     r"performer's right.*--map thigh-left=mixamorig:RightUpLeg", str(caught[0].message))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recognise(build(mixamo_rows()))


def re_sub(name: str, swap: dict[str, str]) -> str:
    return re.sub("|".join(swap), lambda m: swap[m.group(0)], name)


def test_thighs_that_really_start_at_the_pelvis_are_refused_not_shifted_down_the_leg():
    # No helper to step over: moving the thigh to the knee would push the foot onto the toes. Refused instead.
    rows = [(n, p, (0.0, 0.0, 0.0) if n.endswith("UpLeg") else
             (0.09 if "Left" in n else -0.09, -0.48, 0.0) if n.endswith("Leg") else o) for n, p, o in mixamo_rows()]
    with pytest.raises(SkeletonError, match="hip joints coincide: thigh-left 'mixamorig:LeftUpLeg'"):
        recognise(build(rows))


def test_reading_motion_takes_the_users_map(trials, tmp_path):
    from laban.io import read_motion

    path = renamed_bvh(trials["05_01"].path, HELPER_RIGS["upper-lower"], tmp_path)
    motion = read_motion(path, mapping={"head": "Neck"})
    assert motion.skeleton.names[motion.skeleton.parts[BodyPart.HEAD]] == "Neck"
    with pytest.raises(SkeletonError, match=r"the thigh from 'LeftLegUpper' to 'LeftLegUpper' is 0.0 cm long .*"
                                            r"--map shin-left=<joint>"):
        read_motion(path, mapping={"shin-left": "LeftLegUpper"})
