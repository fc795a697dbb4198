"""BVH reading and writing: the shared CMU files, round trips, units, frame rates and every malformed case."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

import laban.bvh
from laban.bvh import read_bvh, standing_height, write_bvh
from laban.errors import MotionFileError
from laban.motion import Motion
from laban.skeleton import Skeleton
from motiongpt.data import mocap_root

# cgspeed variants start with a T-pose frame; the salsa files (cgspeed-daz-scaled) and amc2bvh-raw do not: their
# frame 0 has a non-zero root rotation and flows into frame 1.
TPOSE_FRAMES = {"cgspeed-motionbuilder": 1, "cgspeed-daz": 1, "cgspeed-daz-scaled": 0, "amc2bvh-raw": 0}
METRES_PER_UNIT = {"cgspeed-motionbuilder": 0.056444, "cgspeed-daz": 0.01, "amc2bvh-raw": 0.056444}

SMALL = """\
HIERARCHY
ROOT Hips
{
\tOFFSET 0 0 0
\tCHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation
\tJOINT Spine
\t{
\t\tOFFSET 0 0.9 0
\t\tCHANNELS 3 Zrotation Yrotation Xrotation
\t\tEnd Site
\t\t{
\t\t\tOFFSET 0 0.8 0
\t\t}
\t}
}
MOTION
Frames: 3
Frame Time: 0.0333333
0 1 0 10 20 30 1 2 3
0 1 0 11 21 31 1 2 3
0 1 0 12 22 32 1 2 3
"""

# Position channels on a non-root joint, unusual and partial rotation orders, one joint without channels.
ODD = """\
HIERARCHY
ROOT Pelvis
{
  OFFSET 0.0 0.0 0.0
  CHANNELS 6 Zposition Xposition Yposition Xrotation Zrotation Yrotation
  JOINT Chest
  {
    OFFSET 0.0 0.35 0.02
    CHANNELS 3 Yrotation Xrotation Zrotation
    JOINT Head
    {
      OFFSET 0.0 0.25 0.0
      CHANNELS 4 Yposition Zrotation Xposition Yrotation
      End Site
      {
        OFFSET 0.0 0.1 0.0
      }
    }
  }
  JOINT Leg
  {
    OFFSET 0.1 -0.1 0.0
    CHANNELS 3 Xrotation Zrotation Yrotation
    JOINT Shin
    {
      OFFSET 0.0 -0.45 0.0
      CHANNELS 1 Xrotation
      JOINT Foot
      {
        OFFSET 0.0 -0.4 0.0
        End Site
        {
          OFFSET 0.0 -0.05 0.1
        }
      }
    }
  }
}
MOTION
"""
ODD_ORDERS = {"Pelvis": "XZY", "Chest": "YXZ", "Head": "ZY", "Leg": "XZY", "Shin": "X", "Foot": ""}


def odd_file(path: Path, frames: int = 50, seed: int = 0, newline: str = "\n") -> np.ndarray:
    """Write ODD with random frames (tabs and runs of spaces between values); returns the values written."""
    rng = np.random.default_rng(seed)
    values = np.round(rng.uniform(-170, 170, (frames, 17)), 4)
    values[:, [0, 1, 2, 9, 11]] = np.round(rng.uniform(-1, 1, (frames, 5)), 4)  # positions
    lines = ["\t".join(f"{v:.4f}" for v in row[:8]) + "  " + " ".join(f"{v:.4f}" for v in row[8:]) for row in values]
    text = ODD + f"Frames: {frames}\nFrame Time: 0.0083333\n" + "\n".join(lines) + "\n"
    path.write_bytes(text.replace("\n", newline).encode())
    return values


def write_text(tmp_path: Path, text: str, name: str = "motion.bvh") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def same_rotations(a: np.ndarray, b: np.ndarray, atol: float = 2e-6) -> bool:
    """Quaternions equal up to sign, component by component (2e-6 is about 4e-6 rad)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return bool(np.all(np.minimum(np.abs(a - b).max(axis=-1), np.abs(a + b).max(axis=-1)) < atol))


def assert_same_motion(a: Motion, b: Motion) -> None:
    assert a.skeleton.names == b.skeleton.names
    assert np.array_equal(a.skeleton.parents, b.skeleton.parents)
    assert a.skeleton.channels == b.skeleton.channels
    assert np.allclose(a.skeleton.offsets, b.skeleton.offsets, atol=1e-6)
    assert a.skeleton.end_sites.keys() == b.skeleton.end_sites.keys()
    for j, offset in a.skeleton.end_sites.items():
        assert np.allclose(offset, b.skeleton.end_sites[j], atol=1e-6)
    assert a.fps == pytest.approx(b.fps, rel=1e-9)
    assert a.frame_count == b.frame_count
    assert same_rotations(a.rotations, b.rotations)
    assert np.allclose(a.translations, b.translations, atol=2e-6)
    assert np.abs(a.trajectories().positions - b.trajectories().positions).max() < 1e-4


def manifest() -> dict[str, dict[str, str]]:
    with open(mocap_root() / "cmu" / "manifest.csv", newline="") as f:
        return {row["trial"]: row for row in csv.DictReader(f)}


# --- the shared CMU data -------------------------------------------------------------------------------------------

def test_every_shared_trial_reads_into_a_human_sized_rigid_body(trials):
    rows = manifest()
    assert len(trials) == 150
    for name, trial in trials.items():
        motion = read_bvh(trial.path)
        skeleton = motion.skeleton
        dropped = int(rows[name]["frames"]) - motion.frame_count  # the T-pose and the converter's blend out of it
        assert (1 <= dropped <= 13) if TPOSE_FRAMES[trial.skeleton] else dropped == 0, name
        assert skeleton.joint_count == int(rows[name]["joints"])
        assert motion.fps == 120.0
        assert motion.rotations.dtype == np.float32 and motion.translations.dtype == np.float32
        assert 1.4 <= standing_height(skeleton) <= 2.0, name
        bones = skeleton.bone_lengths()
        assert 0.3 <= bones.max() <= 0.6, name  # the longest bone, thigh or shin, in metres
        # Bones keep their length over time: world positions agree with the rest offsets (sampled at 10 fps).
        positions = motion.trajectories(fps=10).positions
        child = np.flatnonzero(skeleton.parents >= 0)
        lengths = np.linalg.norm(positions[:, child] - positions[:, skeleton.parents[child]], axis=-1)
        assert np.abs(lengths - bones[child]).max() < 1e-4, name


def test_units_are_detected_per_skeleton_variant(trials):
    for variant, factor in METRES_PER_UNIT.items():
        trial = next(t for t in trials.values() if t.skeleton == variant)
        in_file_units = read_bvh(trial.path, scale=1.0)
        in_metres = read_bvh(trial.path)
        assert np.allclose(in_metres.skeleton.offsets, in_file_units.skeleton.offsets * factor)
        assert np.allclose(in_metres.translations, in_file_units.translations * factor, rtol=1e-6, atol=1e-6)
    salsa = read_bvh(trials["60_01"].path)  # a 1.2 m figure in metres: scaled to 1.70 m
    assert standing_height(salsa.skeleton) == pytest.approx(1.70)
    assert standing_height(read_bvh(trials["60_01"].path, scale=1.0).skeleton) == pytest.approx(1.27, abs=0.01)


def test_tpose_frame_is_dropped_only_where_the_converter_put_one(trials):
    for name in ("05_01", "10_04", "07_12", "60_01", "16_01"):
        trial = trials[name]
        kept = read_bvh(trial.path, drop_tpose=False)
        detected = read_bvh(trial.path)
        dropped = kept.frame_count - detected.frame_count
        assert (dropped >= 1) if TPOSE_FRAMES[trial.skeleton] else dropped == 0, name
        assert np.array_equal(detected.rotations, kept.rotations[dropped:]), name
        assert np.array_equal(detected.translations, kept.translations[dropped:]), name
        if dropped:  # after a T-pose, what is left starts at a human pace, the converter's blend gone with it
            closeness = np.abs(np.sum(detected.rotations[1] * detected.rotations[0], axis=-1)).min()
            assert np.degrees(2 * np.arccos(min(closeness, 1.0))) * detected.fps < laban.bvh.BLEND_SPEED, name
    motionbuilder = read_bvh(trials["05_01"].path, drop_tpose=False)
    assert np.all(motionbuilder.rotations[0, 0] == [0, 0, 0, 1])  # the T-pose's root rotation is the identity
    assert read_bvh(trials["16_01"].path, drop_tpose=True).frame_count == int(manifest()["16_01"]["frames"]) - 1


def test_a_decoded_dance_is_read_back_whole_not_as_a_converters_tpose(trials, tmp_path):
    """A dance the decoder writes faces exactly front on its first frame (root rotation 0, as a converter's T-pose)
    and, standing still, its next frames' small settling stood many times over the still median: read back, its
    first 3 frames were dropped as a T-pose and its blend (05_02: 282 frames read as 279, the dance 0.1 s ahead of
    its own score and beats). A converter's T-pose jumps into the motion by 21 degrees or more in one frame in every
    shared take that has one."""
    motion = laban.decode(laban.tokenize(read_bvh(trials["05_02"].path)))
    write_bvh(motion, tmp_path / "dance.bvh")
    again = read_bvh(tmp_path / "dance.bvh")
    assert again.frame_count == motion.frame_count
    assert np.allclose(again.trajectories().positions, motion.trajectories().positions, atol=1e-4)


@pytest.mark.parametrize("name", ["05_01", "10_04", "60_01", "16_01"])  # Z Y X, Z X Y, salsa, amc2bvh
def test_real_files_round_trip(trials, tmp_path, name):
    motion = read_bvh(trials[name].path)
    write_bvh(motion, tmp_path / "again.bvh")
    assert_same_motion(motion, read_bvh(tmp_path / "again.bvh"))
    write_bvh(motion, tmp_path / "cmu.bvh", scale=0.056444)
    assert_same_motion(motion, read_bvh(tmp_path / "cmu.bvh", scale=0.056444))


def test_written_file_keeps_the_channel_layout(trials, tmp_path):
    original = Path(trials["10_04"].path).read_text()
    write_bvh(read_bvh(trials["10_04"].path), tmp_path / "again.bvh")
    def layout(text: str) -> list[str]:
        return [" ".join(line.split()) for line in text.splitlines()
                if line.split()[:1] in (["ROOT"], ["JOINT"], ["CHANNELS"])]
    assert layout((tmp_path / "again.bvh").read_text()) == layout(original)


# --- meaning of channels, units, frame rate --------------------------------------------------------------------

def test_channels_are_intrinsic_euler_angles_in_channel_order(tmp_path):
    motion = read_bvh(write_text(tmp_path, SMALL), drop_tpose=False)
    for frame, angles in enumerate(([10, 20, 30], [11, 21, 31], [12, 22, 32])):
        expected = Rotation.from_euler("ZYX", angles, degrees=True).as_quat()
        assert same_rotations(motion.rotations[frame, 0], expected)
    assert same_rotations(motion.rotations[:, 1], Rotation.from_euler("ZYX", [1, 2, 3], degrees=True).as_quat())
    # Z 90 then X 90 (R = Rz·Rx) takes the spine, 0.9 m up, onto +z; the extrinsic reading would put it on -x.
    turned = SMALL.replace("0 1 0 10 20 30 1 2 3", "0 1 0 90 0 90 0 0 0")
    positions = read_bvh(write_text(tmp_path, turned), drop_tpose=False).trajectories().positions
    assert np.allclose(positions[0, 1], [0, 1, 0.9], atol=1e-6)


def test_odd_layout_reads_each_joint_in_its_own_order(tmp_path):
    values = odd_file(tmp_path / "odd.bvh")
    motion = read_bvh(tmp_path / "odd.bvh")
    skeleton = motion.skeleton
    assert skeleton.names == tuple(ODD_ORDERS)
    assert [skeleton.rotation_order(j) for j in range(6)] == list(ODD_ORDERS.values())
    assert skeleton.translated == (0, 2)
    assert sorted(skeleton.end_sites) == [2, 5]
    assert np.allclose(skeleton.end_sites[5], [0, -0.05, 0.1])
    # Pelvis: Z X Y positions; Head: Y then X position channels, z from its OFFSET (0).
    assert np.allclose(motion.translations[:, 0], values[:, [1, 2, 0]], atol=1e-6)
    assert np.allclose(motion.translations[:, 1], np.stack([values[:, 11], values[:, 9], 0 * values[:, 9]], 1),
                       atol=1e-6)
    columns = {"Pelvis": [3, 4, 5], "Chest": [6, 7, 8], "Head": [10, 12], "Leg": [13, 14, 15], "Shin": [16]}
    for j, name in enumerate(skeleton.names[:5]):
        expected = Rotation.from_euler(ODD_ORDERS[name], values[:, columns[name]], degrees=True).as_quat()
        assert same_rotations(motion.rotations[:, j], expected), name
    assert np.all(motion.rotations[:, 5] == [0, 0, 0, 1])
    assert motion.fps == 120.0


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_odd_layout_round_trips(tmp_path, newline):
    odd_file(tmp_path / "odd.bvh", newline=newline)
    motion = read_bvh(tmp_path / "odd.bvh")
    write_bvh(motion, tmp_path / "again.bvh")
    assert_same_motion(motion, read_bvh(tmp_path / "again.bvh"))


def test_crlf_and_lf_read_the_same(tmp_path):
    odd_file(tmp_path / "lf.bvh")
    odd_file(tmp_path / "crlf.bvh", newline="\r\n")
    lf, crlf = read_bvh(tmp_path / "lf.bvh"), read_bvh(tmp_path / "crlf.bvh")
    assert np.array_equal(lf.rotations, crlf.rotations) and np.array_equal(lf.translations, crlf.translations)


def test_gimbal_lock_round_trips(tmp_path):
    locked = SMALL.replace("0 1 0 10 20 30 1 2 3", "0 1 0 10 90 30 40 -90 60")
    motion = read_bvh(write_text(tmp_path, locked), drop_tpose=False)
    write_bvh(motion, tmp_path / "again.bvh")
    assert_same_motion(motion, read_bvh(tmp_path / "again.bvh", drop_tpose=False))


def test_skeleton_built_in_code_writes_depth_first(tmp_path):
    # root, arm, leg, hand: the hand (child of arm) comes after the leg, so BVH order moves it before the leg
    skeleton = Skeleton(names=("root", "arm", "leg", "hand"), parents=[-1, 0, 0, 1],
                        offsets=[[0, 0, 0], [0.2, 0.7, 0], [0.1, -0.9, 0], [0.5, 0, 0]],
                        end_sites={3: np.array([0.1, 0, 0])})
    rng = np.random.default_rng(1)
    rotations = Rotation.random(40 * 4, random_state=2).as_quat().astype(np.float32).reshape(40, 4, 4)
    motion = Motion(skeleton, rotations, rng.uniform(-1, 1, (40, 1, 3)).astype(np.float32), 30.0)
    write_bvh(motion, tmp_path / "code.bvh")
    again = read_bvh(tmp_path / "code.bvh", scale=1.0)
    assert again.skeleton.names == ("root", "arm", "hand", "leg")
    order = [0, 1, 3, 2]
    assert same_rotations(again.rotations, motion.rotations[:, order])
    assert np.allclose(again.skeleton.offsets, skeleton.offsets[order])
    assert np.allclose(again.skeleton.end_sites[2], [0.1, 0, 0])
    assert np.abs(again.trajectories().positions - motion.trajectories().positions[:, order]).max() < 1e-4
    assert again.fps == 30.0


@pytest.mark.parametrize("unit, factor", [("metres", 1.0), ("CMU units", 0.056444), ("centimetres", 0.01),
                                          ("inches", 0.0254), ("millimetres", 0.001)])
def test_units_are_detected_from_the_body_height(tmp_path, unit, factor):
    in_metres = read_bvh(write_text(tmp_path, SMALL, "metres.bvh"), drop_tpose=False)
    text = SMALL.replace("0.9", repr(0.9 / factor)).replace("0.8", repr(0.8 / factor))
    text = text.replace("0 1 0 1", f"0 {1 / factor!r} 0 1")
    motion = read_bvh(write_text(tmp_path, text), drop_tpose=False)
    assert np.allclose(motion.skeleton.offsets, in_metres.skeleton.offsets)
    assert np.allclose(motion.skeleton.end_sites[1], [0, 0.8, 0])
    assert np.allclose(motion.translations, in_metres.translations)


def test_a_figure_of_no_human_height_is_scaled_to_170_cm(tmp_path):
    small_figure = SMALL.replace("0.9", "0.6").replace("0.8", "0.5")  # 1.1 tall in any unit
    motion = read_bvh(write_text(tmp_path, small_figure), drop_tpose=False)
    assert standing_height(motion.skeleton) == pytest.approx(1.70)
    assert np.allclose(motion.translations[:, 0, 1], 1.70 / 1.1)
    as_given = read_bvh(write_text(tmp_path, small_figure), scale=2.0, drop_tpose=False)
    assert standing_height(as_given.skeleton) == pytest.approx(2.2)


@pytest.mark.parametrize("frame_time, fps", [(".0083333", 120.0), ("0.008333", 120.0), ("0.0333333", 30.0),
                                             ("0.04", 25.0), ("0.0416667", 24.0), ("0.033", 30.0),
                                             ("8.3333333e-3", 120.0), ("0.01234567", 1 / 0.01234567)])
def test_frame_rate_comes_from_frame_time(tmp_path, frame_time, fps):
    motion = read_bvh(write_text(tmp_path, SMALL.replace("0.0333333", frame_time)), drop_tpose=False)
    assert motion.fps == pytest.approx(fps, rel=1e-12)


def test_tpose_detection_can_be_forced(tmp_path):
    tpose = SMALL.replace("0 1 0 10 20 30 1 2 3", "0 1 0 0 0 0 0 0 0")
    assert read_bvh(write_text(tmp_path, tpose)).frame_count == 2  # root 0 0 0, then a 20° jump
    assert read_bvh(write_text(tmp_path, tpose), drop_tpose=False).frame_count == 3
    assert read_bvh(write_text(tmp_path, SMALL)).frame_count == 3
    assert read_bvh(write_text(tmp_path, SMALL), drop_tpose=True).frame_count == 2


def test_smooth_start_from_the_identity_is_kept(tmp_path):
    # Root rotation exactly 0 in frame 0, as a decoded motion may start, but no jump into frame 1.
    lines = [f"0 1 0 {0.5 * t:.4f} 0 0 {0.5 * t:.4f} 0 0" for t in range(20)]
    text = SMALL.split("MOTION")[0] + "MOTION\nFrames: 20\nFrame Time: 0.0333333\n" + "\n".join(lines) + "\n"
    assert read_bvh(write_text(tmp_path, text)).frame_count == 20


def test_values_with_a_plus_sign_and_exponents_read_like_the_others(tmp_path):
    plain = read_bvh(write_text(tmp_path, SMALL, "plain.bvh"), drop_tpose=False)
    signed = SMALL.replace("0 1 0 11 21 31 1 2 3", "+0 1e0 0 +11 2.1E1 31. 1 .2e1 3")
    assert np.array_equal(read_bvh(write_text(tmp_path, signed), drop_tpose=False).rotations, plain.rotations)


def test_blank_lines_between_frames_are_skipped(tmp_path):
    spaced = SMALL.replace("1 2 3\n", "1 2 3\n\n  \n")
    motion = read_bvh(write_text(tmp_path, spaced), drop_tpose=False)
    assert motion.frame_count == 3


def test_long_file_is_read_in_blocks(tmp_path):
    rng = np.random.default_rng(3)
    values = np.round(rng.uniform(-90, 90, (30000, 9)), 4)
    values[:, 3:6] += 100  # no T-pose
    body = "\n".join(" ".join(f"{v:.4f}" for v in row) for row in values)
    text = SMALL.split("Frames:")[0] + f"Frames: 30000\nFrame Time: 0.01\n{body}\n"
    motion = read_bvh(write_text(tmp_path, text), scale=1.0)
    assert motion.frame_count == 30000 and motion.fps == 100.0
    assert np.allclose(motion.translations[:, 0], values[:, :3], atol=1e-4)
    expected = Rotation.from_euler("ZYX", values[:, 6:9], degrees=True).as_quat()
    assert same_rotations(motion.rotations[:, 1], expected)


# --- malformed files -------------------------------------------------------------------------------------------

def lines_of(text: str) -> list[str]:
    return text.splitlines()


def replaced(line: int, new: str | None, text: str = SMALL) -> str:
    """SMALL with its 1-based ``line`` replaced (or removed, for None)."""
    lines = lines_of(text)
    lines[line - 1:line] = [] if new is None else [new]
    return "\n".join(lines) + "\n"


MALFORMED = [
    # (name, text, line, message pattern)
    ("empty", "", 1, "empty file"),
    ("blank", "\n  \n", 1, "empty file"),
    ("no HIERARCHY", replaced(1, None), 1, "missing HIERARCHY"),
    ("no MOTION", "\n".join(lines_of(SMALL)[:15]) + "\n", 16, "missing MOTION"),
    ("joint left open", replaced(14, None), 15, "unbalanced braces.*Hips"),
    ("brace too many", replaced(15, "}\n}"), 16, "unbalanced braces"),
    ("file ends inside", "\n".join(lines_of(SMALL)[:9]) + "\n", 10, "unbalanced braces.*Spine"),
    ("unknown channel", replaced(9, "\t\tCHANNELS 3 Zrotation Yrotation Xrot"), 9, "unknown channel name 'Xrot'"),
    ("channel count", replaced(9, "\t\tCHANNELS 2 Zrotation Yrotation Xrotation"), 9, "more channel names follow"),
    ("bad offset", replaced(8, "\t\tOFFSET 0 zero 0"), 8, "OFFSET value 'zero'"),
    ("no Frames", replaced(17, None), 17, "expected 'Frames:"),
    ("bad Frames", replaced(17, "Frames: many"), 17, "'many' is not a whole number"),
    ("zero frames", replaced(17, "Frames: 0"), 17, "zero frames"),
    ("Frame Time text", replaced(18, "Frame Time: fast"), 18, "bad Frame Time 'fast'"),
    ("Frame Time zero", replaced(18, "Frame Time: 0"), 18, "bad Frame Time '0'"),
    ("Frame Time negative", replaced(18, "Frame Time: -0.01"), 18, "bad Frame Time"),
    # A rate no capture has (fuzzing found 1e30 a traceback allocating its score, 1000 s a 20-frame take read as
    # 5.5 hours and notated as such, 1e-320 an overflow rounding its infinite rate).
    ("Frame Time 1000 s", replaced(18, "Frame Time: 1000"), 18,
     r"^\S+: Frame Time 1000 s is a rate of 0\.001 frames per second; a capture has 1 to 1000$"),
    ("Frame Time 1e30", replaced(18, "Frame Time: 1e30"), 18, "Frame Time 1e30 s is a rate of 1e-30 frames"),
    ("Frame Time too short", replaced(18, "Frame Time: 0.0001"), 18, "rate of 10000 frames.*1 to 1000"),
    ("Frame Time denormal", replaced(18, "Frame Time: 1e-320"), 18, "rate of inf frames per second"),
    ("truncated", replaced(17, "Frames: 5"), 22, "truncated.*found 3 of the 5"),
    ("too many frames", replaced(17, "Frames: 2"), 21, "more frame lines"),
    ("too few values", replaced(20, "0 1 0 11 21 31 1 2"), 20, "expected 9 values.*got 8"),
    ("too many values", replaced(20, "0 1 0 11 21 31 1 2 3 4"), 20, "expected 9 values.*got 10"),
    ("two lines glued", replaced(20, "0 1 0 11 21 31 1 2-3"), 20, "expected 9 values.*got 8"),
    ("a value moved to the next line", replaced(21, "3 0 1 0 12 22 32 1 2 3", replaced(20, "0 1 0 11 21 31 1 2")),
     20, "expected 9 values.*got 8"),
    ("not a number", replaced(21, "0 1 0 12 abc 32 1 2 3"), 21, "'abc' is not a number"),
    ("comma", replaced(21, "0 1 0 12 2,5 32 1 2 3"), 21, "'2,5' is not a number"),
    ("NaN", replaced(20, "0 1 0 nan 21 31 1 2 3"), 20, "'nan' is not finite"),
    ("infinity", replaced(20, "0 1 0 11 -inf 31 1 2 3"), 20, "'-inf' is not finite"),
    ("overflow", replaced(20, "0 1 0 11 1e999 31 1 2 3"), 20, "'1e999' is out of range"),
    ("beyond float32", replaced(20, "0 1 0 11 -1e39 31 1 2 3"), 20, "'-1e39' is out of range"),
    ("beyond any body", replaced(20, "1e30 1 0 11 21 31 1 2 3"), 20, "'1e30' is out of range.*no body"),
    ("Windows NaN", replaced(19, "0 1 0 10 -1.#IND 30 1 2 3"), 19, "'-1.#IND' is not a number"),
    ("NUL byte", replaced(19, "0 1 0 10 2\0 30 1 2 3"), 19, "is not a number"),
]


@pytest.mark.parametrize("name, text, line, message", MALFORMED, ids=[case[0] for case in MALFORMED])
def test_malformed_file_names_its_line(tmp_path, name, text, line, message):
    for newline in ("\n", "\r\n"):
        path = write_text(tmp_path, text.replace("\n", newline))
        with pytest.raises(MotionFileError) as error:
            read_bvh(path)
        assert error.value.line == line
        assert re.search(message, str(error.value)), str(error.value)
        assert str(error.value).startswith(f"{path}:{line}: ")


def test_the_frame_rates_of_captures_are_read(tmp_path):
    """1 and 1000 fps, the ends of the range a Frame Time may give, are read as any other rate."""
    for frame_time, fps in (("1", 1.0), ("0.001", 1000.0)):
        assert read_bvh(write_text(tmp_path, replaced(18, f"Frame Time: {frame_time}")), drop_tpose=False).fps == fps


def test_a_frame_rate_given_must_be_a_captures(tmp_path):
    """``frame_rate`` replaces the header's rate, in the same range: 5000 was taken as it was."""
    path = write_text(tmp_path, SMALL)
    for rate in (5000, 0.5, 0, float("nan")):
        with pytest.raises(MotionFileError, match="the frame rate given is .* frames per second; a capture has 1 to"):
            read_bvh(path, frame_rate=rate)


def test_a_frame_rate_given_reads_a_header_whose_frame_time_is_no_captures(tmp_path):
    """The header's rate is what a given rate corrects: a damaged Frame Time is refused only when it is used."""
    path = write_text(tmp_path, replaced(18, "Frame Time: 1000"))
    assert read_bvh(path, frame_rate=30, drop_tpose=False).fps == 30.0


def test_a_take_too_short_for_the_rate_asked_is_read_whole(tmp_path):
    """3 frames at 30 fps read at max_fps 10 would be one frame at 10 fps: they are kept as they are, so that the
    tokenizer says the take is too short in its own frames."""
    motion = read_bvh(write_text(tmp_path, SMALL), drop_tpose=False, max_fps=10)
    assert motion.frame_count == 3 and motion.fps == pytest.approx(30.0, rel=1e-6)


def test_a_byte_order_mark_is_skipped(tmp_path):
    """Windows editors begin a UTF-8 file with a byte order mark: it read as 'missing HIERARCHY'."""
    plain = read_bvh(write_text(tmp_path, SMALL, "plain.bvh"), drop_tpose=False)
    for newline in ("\n", "\r\n"):
        marked = tmp_path / "marked.bvh"
        marked.write_bytes(b"\xef\xbb\xbf" + SMALL.replace("\n", newline).encode())
        motion = read_bvh(marked, drop_tpose=False)
        assert np.array_equal(motion.rotations, plain.rotations) and motion.fps == plain.fps
        assert laban.bvh.starts_as_bvh(marked.read_bytes()[:512])  # what an upload's check asks before reading
    with pytest.raises(MotionFileError, match=r"marked.bvh:18: bad Frame Time 'fast'"):  # lines counted as before
        marked.write_bytes(b"\xef\xbb\xbf" + replaced(18, "Frame Time: fast").encode())
        read_bvh(marked)


def test_error_deep_in_a_long_file_names_its_line(tmp_path):
    rows = ["0 1 0 10 20 30 1 2 3"] * 60000
    rows[45000] = "0 1 0 10 20 30 1 2"
    text = SMALL.split("Frames:")[0] + "Frames: 60000\nFrame Time: 0.01\n" + "\n".join(rows) + "\n"
    with pytest.raises(MotionFileError) as error:
        read_bvh(write_text(tmp_path, text))
    assert error.value.line == 19 + 45000


@pytest.mark.parametrize("damage, message", [("0 1 0 10 20 abc 1 2 3", "'abc' is not a number"),
                                             ("0 1 0 10 nan 30 1 2 3", "'nan' is not finite"),
                                             ("0 1 0 10 20 30 1 2", "expected 9 values.*got 8"),
                                             ("0 1 0 10 20 30 1 2 3 4", "expected 9 values.*got 10")])
def test_a_damaged_line_is_refused_at_a_lower_rate_too(tmp_path, damage, message):
    """A read at max_fps parses only the frames it keeps, but looks at the others: a file damaged on a frame
    it skips is refused as at the full rate, naming the line (it read as if whole)."""
    rows = ["0 1 0 10 20 30 1 2 3"] * 3000
    rows[2001] = damage  # a frame that a read at a quarter of the rate skips, after the first second read whole
    text = SMALL.split("Frames:")[0] + "Frames: 3000\nFrame Time: 0.01\n" + "\n".join(rows) + "\n"
    path = write_text(tmp_path, text)
    for max_fps in (None, 25):
        with pytest.raises(MotionFileError, match=message) as error:
            read_bvh(path, max_fps=max_fps)
        assert error.value.line == 19 + 2001


def test_randomly_damaged_files_read_or_raise_motion_file_errors(tmp_path):
    rng = np.random.default_rng(7)
    good = (ODD + "Frames: 4\nFrame Time: 0.01\n" + "\n".join(" ".join(["1.5"] * 17) for _ in range(4)) + "\n").encode()
    alphabet = list(b"0123456789.-+eE \t\r\n{}:#x\0\xff")
    for case in range(400):
        data = bytearray(good)
        for _ in range(rng.integers(1, 4)):
            at = int(rng.integers(0, len(data)))
            if rng.random() < 0.4:
                data[at] = alphabet[rng.integers(len(alphabet))]
            elif rng.random() < 0.7:
                data[at:at] = bytes(alphabet[k] for k in rng.integers(0, len(alphabet), rng.integers(1, 5)))
            else:
                del data[at:at + int(rng.integers(1, 30))]
        path = tmp_path / f"damaged{case}.bvh"
        path.write_bytes(bytes(data))
        try:
            motion = read_bvh(path)
        except MotionFileError as error:
            assert error.line is None or error.line >= 1
        else:
            assert np.isfinite(motion.rotations).all() and np.isfinite(motion.translations).all()


def test_binary_garbage_and_missing_files_raise_motion_file_errors(tmp_path):
    garbage = tmp_path / "garbage.bvh"
    garbage.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(MotionFileError, match="missing HIERARCHY"):
        read_bvh(garbage)
    with pytest.raises(MotionFileError, match="cannot read"):
        read_bvh(tmp_path / "absent.bvh")
    with pytest.raises(MotionFileError, match="scale"):
        read_bvh(write_text(tmp_path, SMALL), scale=0)


# --- failed writes leave nothing behind ---------------------------------------------------------------------

def small_motion(tmp_path: Path) -> Motion:
    return read_bvh(write_text(tmp_path, SMALL, "source.bvh"), drop_tpose=False)


def test_writing_a_motion_with_nan_fails_and_writes_nothing(tmp_path):
    motion = small_motion(tmp_path)
    motion.rotations[1, 1] = np.nan
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(MotionFileError, match="NaN"):
        write_bvh(motion, out / "bad.bvh")
    assert list(out.iterdir()) == []


def test_a_write_that_fails_midway_leaves_no_partial_file(tmp_path, monkeypatch):
    motion = small_motion(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept.bvh").write_text("old contents")

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(laban.bvh.os, "replace", fail)
    for name in ("new.bvh", "kept.bvh"):
        with pytest.raises(OSError, match="disk full"):
            write_bvh(motion, out / name)
    assert [p.name for p in out.iterdir()] == ["kept.bvh"]
    assert (out / "kept.bvh").read_text() == "old contents"


def test_reading_at_a_lower_rate_keeps_every_kth_frame(trials):
    """max_fps parses only the frames it keeps; they are exactly the full read's frames at that step."""
    for name in ("05_01", "16_01"):
        full = read_bvh(trials[name].path, drop_tpose=False)
        fast = read_bvh(trials[name].path, drop_tpose=False, max_fps=30)
        assert fast.fps == 30
        assert np.array_equal(fast.rotations, full.rotations[::4])
        assert np.array_equal(fast.translations, full.translations[::4])


def test_a_lower_rate_reads_what_a_full_read_samples_at_that_rate(trials):
    """After a converter's T-pose and the frames blending out of it, a read at max_fps keeps the capture's first
    frame and every k-th after it, the frames the full read's trajectories sample at that rate: a take is scored
    the same by the CLI (which reads at 30 fps) and by a script (05_01 was counted at 101.3 bpm one way and 99.3
    the other, 25 ms apart)."""
    for name, dropped in (("05_01", 2), ("06_12", 1), ("61_06", 0)):  # T-pose and blend frames; a 60-fps take
        fps = trials[name].fps
        full = read_bvh(trials[name].path, frame_rate=fps)
        fast = read_bvh(trials[name].path, frame_rate=fps, max_fps=30)
        assert read_bvh(trials[name].path, frame_rate=fps, drop_tpose=False).frame_count - full.frame_count == dropped
        assert np.array_equal(fast.trajectories().positions, full.trajectories(30).positions)
    assert laban.tokenize(fast) == laban.tokenize(full)


def test_a_corrected_frame_rate_replaces_the_header(trials):
    salsa = read_bvh(trials["60_01"].path, frame_rate=60)
    assert salsa.fps == 60
    assert read_bvh(trials["60_01"].path, frame_rate=60, max_fps=30).fps == 30


# --- a dance decoded onto an animator's rig goes back in the rig's own units -----------------------------------

def header_offsets(path: Path) -> list[tuple[float, ...]]:
    """Every OFFSET of a BVH header (joints and end sites) in file order, read independently of the reader."""
    header = Path(path).read_text().split("MOTION")[0]
    return [tuple(float(v) for v in m.split()) for m in re.findall(r"OFFSET\s+(\S+\s+\S+\s+\S+)", header)]


@pytest.mark.parametrize(("name", "unit"), [("05_01", 0.056444), ("60_01", None), ("16_01", 0.056444)])
def test_a_dance_decoded_onto_a_rig_is_written_in_the_rigs_units_and_proportions(trials, tmp_path, name, unit):
    import laban

    rig = read_bvh(trials[name].path).skeleton
    if unit is None:  # the salsa figure is 1.27 m in metres: read at 1.70 m, so its unit is 1.70 / 1.27
        unit = 1.70 / standing_height(read_bvh(trials[name].path, scale=1.0).skeleton)
    assert rig.unit == pytest.approx(unit, rel=1e-6)
    score = laban.Score.load(Path(__file__).resolve().parents[1] / "examples" / "leap_and_turn.laban")
    motion = laban.decode(score, rig, fps=30.0)
    write_bvh(motion, tmp_path / "dance.bvh")
    # The hierarchy is the rig's as the animator's file has it (6 decimals), not rescaled to metres.
    written, original = header_offsets(tmp_path / "dance.bvh"), header_offsets(trials[name].path)
    assert np.allclose(written, original, atol=2e-6, rtol=1e-6)
    # ... and the motion scales with it: read back in the file's units, the dance is the one decoded.
    again = read_bvh(tmp_path / "dance.bvh", scale=unit)
    assert np.allclose(again.trajectories().positions, motion.trajectories().positions, atol=1e-4)


def test_the_default_figure_is_written_in_metres(tmp_path):
    import laban

    motion = laban.decode(laban.Score.load(Path(__file__).resolve().parents[1] / "examples" / "leap_and_turn.laban"))
    write_bvh(motion, tmp_path / "dance.bvh")
    assert motion.skeleton.unit == 1.0
    written = read_bvh(tmp_path / "dance.bvh", scale=1.0).skeleton
    assert np.allclose(written.offsets, motion.skeleton.offsets, atol=1e-6)


# --- a rig that stands along z (Blender's export) --------------------------------------------------------------

def rig_file(rows, path: Path, unit: float = 1.0, z_up: bool = False, every_joint: bool = False) -> Path:
    """A BVH file of a rig built from (name, parent name, offset in metres) rows, parents first, in file units of
    ``unit`` metres, standing along z and facing -y when ``z_up`` (as Blender writes), with position channels on
    every joint when ``every_joint`` (Blender again); three frames of its rest pose. Written here, not by
    ``write_bvh``."""
    turn = np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]]) if z_up else np.eye(3)  # y up, +z front → z up, -y front
    offsets = {name: turn @ np.asarray(offset, float) / unit for name, _, offset in rows}
    lines, values = ["HIERARCHY"], []

    def joint(name: str, depth: int) -> None:
        tab, children = "\t" * depth, [n for n, parent, _ in rows if parent == name]
        moved = depth == 0 or every_joint
        lines.extend([f"{tab}{'JOINT' if depth else 'ROOT'} {name}", f"{tab}{{",
                      f"{tab}\tOFFSET {' '.join(f'{v:.6f}' for v in offsets[name])}",
                      f"{tab}\tCHANNELS {6 if moved else 3} " + "Xposition Yposition Zposition " * moved
                      + "Zrotation Xrotation Yrotation"])
        values.extend([*offsets[name], 0, 0, 0] if moved else [0, 0, 0])
        for child in children:
            joint(child, depth + 1)
        lines.append(f"{tab}}}")

    joint(rows[0][0], 0)
    frame = " ".join(f"{v:.6f}" for v in values)
    path.write_text("\n".join(lines + ["MOTION", "Frames: 3", "Frame Time: 0.0333333", frame, frame, frame]) + "\n")
    return path


def test_a_rig_is_read_from_its_hierarchy_alone_as_its_capture_reads(trials, tmp_path):
    """``read_skeleton`` gives the skeleton ``read_bvh`` gives, in metres, y up, the file's units and axes kept
    (CMU units; Blender's z up in centimetres), without the frames: a rig exported with none ('Frames: 0'), or
    with no MOTION section at all (its hierarchy alone, refused as "missing MOTION" until 2026-12-07), which
    ``read_bvh`` refuses as a motion, is a skeleton to dance on."""
    from laban.bvh import read_skeleton
    from test_bodyparts import ANIMATORS_RIGS

    z_up = rig_file(ANIMATORS_RIGS["mixamo"][0](), tmp_path / "z.bvh", 0.01, z_up=True, every_joint=True)
    for path in (trials["05_01"].path, z_up):
        lines = path.read_text().splitlines()
        rest, alone = tmp_path / f"rest-{path.name}", tmp_path / f"alone-{path.name}"
        rest.write_text("\n".join(lines[:lines.index("MOTION") + 1] + ["Frames: 0", "Frame Time: 0.0333"]) + "\n")
        alone.write_text("\n".join(lines[:lines.index("MOTION")]) + "\n")
        with pytest.raises(MotionFileError, match="zero frames"):
            read_bvh(rest)
        with pytest.raises(MotionFileError, match="missing MOTION"):  # a capture cut short is not read as one
            read_bvh(alone)
        captured = read_bvh(path).skeleton
        for skeleton in (read_skeleton(path), read_skeleton(rest), read_skeleton(alone)):
            assert (skeleton.names, skeleton.channels, skeleton.unit, skeleton.up) == \
                (captured.names, captured.channels, captured.unit, captured.up)
            assert np.allclose(skeleton.offsets, captured.offsets) and skeleton.end_sites.keys() == \
                captured.end_sites.keys()
            assert all(np.allclose(skeleton.end_sites[j], captured.end_sites[j]) for j in captured.end_sites)
    assert read_skeleton(z_up).up == "z" and read_skeleton(z_up).unit == 0.01


@pytest.mark.parametrize(("rig", "unit"), [("rigify", 1.0), ("mixamo", 0.01)])
def test_a_rig_standing_along_z_is_read_upright_and_danced_on_in_its_own_axes(tmp_path, rig, unit):
    """Blender writes its armatures z up, facing -y, with position channels on every joint. Read as if y up, the
    Rigify figure (1 m hips in metres) was 8.7 times too tall and Mixamo's in centimetres read as inches, the
    figure lying on its back; a dance went into the rig's file standing along y."""
    import laban
    from test_bodyparts import ANIMATORS_RIGS

    rows = ANIMATORS_RIGS[rig][0]()
    upright = read_bvh(rig_file(rows, tmp_path / "y.bvh", unit))
    lying = read_bvh(rig_file(rows, tmp_path / "z.bvh", unit, z_up=True, every_joint=True))
    assert lying.skeleton.unit == upright.skeleton.unit == unit
    assert np.allclose(lying.trajectories().positions, upright.trajectories().positions, atol=1e-6)
    assert (upright.skeleton.up, lying.skeleton.up) == ("y", "z")
    score = laban.Score.load(Path(__file__).resolve().parents[1] / "examples" / "leap_and_turn.laban")
    motion = laban.decode(score, lying.skeleton, fps=30.0)
    write_bvh(motion, tmp_path / "dance.bvh")
    # The rig's own hierarchy, z up, and the dance standing along z in the file's numbers: the root's first
    # position channels put the hips at their height on z
    assert np.allclose(header_offsets(tmp_path / "dance.bvh"), header_offsets(tmp_path / "z.bvh"), atol=2e-6)
    first = [float(v) for v in (tmp_path / "dance.bvh").read_text().split("Frame Time:")[1].splitlines()[1].split()]
    hips = motion.trajectories().positions[0, 0]
    assert np.allclose(np.array(first[:3]) * unit, [hips[0], -hips[2], hips[1]], atol=1e-5)
    again = read_bvh(tmp_path / "dance.bvh")
    assert again.skeleton.up == "z"
    assert np.allclose(again.trajectories().positions, motion.trajectories().positions, atol=1e-4)
