"""A decoded dance exported as BVH opens in Blender with the same world joint positions as ours (within 1 mm), on
every rig of the shared data (CMU MotionBuilder, Daz, the Daz salsa figure, amc2bvh), on the CMU walk's rig with
helper joints named as limbs, and on Mixamo-, SMPL-, Kinect-, Unreal- and Character Creator-named rigs built here
(the last two with a root bone on the floor above the pelvis), and on a Rigify rig as Blender exports it (z up,
position channels on every joint).

Runs when ``blender`` is on PATH (Debian: ``apt-get install -y blender``). Debian's Blender 3.4 BVH importer opens
files with mode 'rU', which its Python 3.11 refuses; the script below gives the importer an ``open`` without 'U'.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import laban
from laban.decoder import decode
from laban.figure import default_skeleton
from laban.kinect import KINECT_V2_HIERARCHY
from laban.motion import Motion
from laban.skeleton import Skeleton

BLENDER = shutil.which("blender")
pytestmark = pytest.mark.skipif(BLENDER is None, reason="blender is not installed (apt-get install -y blender)")

# Imports a BVH as an armature (scale 1, no axis conversion) and writes every bone head's world position per frame.
READ_BACK = """
import builtins, json, sys
import bpy
from mathutils import Matrix
import io_anim_bvh.import_bvh as importer
importer.open = lambda path, mode="r", *a, **k: builtins.open(path, mode.replace("U", ""), *a, **k)
bvh, out = sys.argv[sys.argv.index("--") + 1:]
bpy.ops.wm.read_factory_settings(use_empty=True)
importer.load(bpy.context, bvh, target="ARMATURE", rotate_mode="NATIVE", global_scale=1.0, frame_start=1,
              global_matrix=Matrix.Identity(4), use_fps_scale=False)
armature = next(o for o in bpy.context.scene.objects if o.type == "ARMATURE")
first, last = (int(round(f)) for f in armature.animation_data.action.frame_range)
frames = []
for frame in range(first, last + 1):
    bpy.context.scene.frame_set(frame)
    frames.append({bone.name: list(armature.matrix_world @ bone.head) for bone in armature.pose.bones})
json.dump(frames, open(out, "w"))
"""


def blender_positions(bvh: Path, tmp_path: Path) -> list[dict[str, list[float]]]:
    script = tmp_path / "read_back.py"
    script.write_text(READ_BACK)
    out = tmp_path / "positions.json"
    subprocess.run([BLENDER, "-b", "--factory-startup", "--python", str(script), "--", str(bvh), str(out)],
                   check=True, capture_output=True, timeout=300)
    return json.loads(out.read_text())


def synthetic_rig(kind: str, tmp_path: Path) -> Skeleton:
    """Rigs built in metres as test_bodyparts builds them; the Rigify rig read from a file as Blender writes it."""
    from test_bodyparts import ANIMATORS_RIGS, KINECT_OFFSETS, build, smpl_rows
    from test_bvh import rig_file

    if kind == "smpl":
        return build(smpl_rows(str))
    if kind == "kinect":
        return build([(n, p, KINECT_OFFSETS.get(n, (0, 0, 0))) for n, p in KINECT_V2_HIERARCHY])
    if kind == "rigify-z-up":
        rows = ANIMATORS_RIGS["rigify"][0]()
        return laban.read_bvh(rig_file(rows, tmp_path / "rig.bvh", z_up=True, every_joint=True)).skeleton
    return build(ANIMATORS_RIGS[kind][0]())


SHARED_RIGS = {"cmu": "05_02", "daz": "10_04", "daz-salsa": "60_01", "amc2bvh": "16_01"}


@pytest.mark.parametrize("skeleton", ["default", *SHARED_RIGS, "cmu-helpers", "mixamo", "smpl", "kinect", "unreal",
                                      "character-creator", "rigify-z-up"])
def test_blender_reads_back_our_joint_positions(tmp_path, skeleton, request):
    score = laban.Score.load(Path(__file__).resolve().parents[1] / "examples" / "leap_and_turn.laban")
    if skeleton in SHARED_RIGS:
        trials = request.getfixturevalue("trials")
        rig = laban.read_bvh(trials[SHARED_RIGS[skeleton]].path).skeleton  # in the file's own units
    elif skeleton == "cmu-helpers":  # zero-length helpers at the pelvis named as the thighs
        from test_bodyparts import HELPER_RIGS, renamed_bvh

        trials = request.getfixturevalue("trials")
        rig = laban.read_bvh(renamed_bvh(trials["05_01"].path, HELPER_RIGS["motionbuilder"], tmp_path)).skeleton
    elif skeleton == "default":
        rig = default_skeleton()  # Y X Z root, Z X Y elsewhere
    else:
        rig = synthetic_rig(skeleton, tmp_path)
    motion = decode(score, rig, fps=30.0, seed=4)
    frames = slice(0, motion.frame_count, 3)  # the jump, the turn and the gestures, every third frame
    motion = Motion(motion.skeleton, motion.rotations[frames], motion.translations[frames], motion.fps)
    laban.write_bvh(motion, tmp_path / "dance.bvh")  # in the rig's own units (Blender imports at scale 1)
    read = blender_positions(tmp_path / "dance.bvh", tmp_path)
    ours = motion.trajectories().positions
    theirs = np.array([[frame[name] for name in motion.skeleton.names] for frame in read]) * motion.skeleton.unit
    if motion.skeleton.up == "z":  # Blender reads the file's own axes: (x, y, z) there is (x, -z, y) here
        theirs = np.stack([theirs[..., 0], theirs[..., 2], -theirs[..., 1]], axis=-1)
    assert theirs.shape == ours.shape
    assert np.abs(theirs - ours).max() < 1e-3
