"""Position inputs: the Kinect v2 CSV reader and ``.npz`` joint arrays."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from laban.arrays import read_joint_arrays, skeleton_from_positions, write_joint_arrays
from laban.bodyparts import recognised
from laban.errors import MotionFileError
from laban.io import read_motion
from laban.kinect import KINECT_V2_HIERARCHY, KINECT_V2_JOINTS, read_kinect_csv
from laban.motion import Trajectories
from laban.skeleton import BodyPart, Skeleton

TICK = 333_333  # 100 ns ticks between frames at 30 fps
START = 131_000_000_000_000_000  # a real Kinect clock reading (ticks since 1601), too big for exact float64

# A performer standing 2.5 m in front of the sensor, facing it (facing -z), so their left is -x. Camera space.
REST = {
    "SpineBase": (0, -0.2, 2.5), "SpineMid": (0, 0.1, 2.5), "SpineShoulder": (0, 0.3, 2.5), "Neck": (0, 0.37, 2.5),
    "Head": (0, 0.5, 2.5), "ShoulderLeft": (-0.18, 0.27, 2.5), "ElbowLeft": (-0.2, 0.0, 2.5),
    "WristLeft": (-0.21, -0.24, 2.5), "HandLeft": (-0.21, -0.32, 2.5), "HandTipLeft": (-0.21, -0.4, 2.5),
    "ThumbLeft": (-0.18, -0.33, 2.45), "HipLeft": (-0.08, -0.25, 2.5), "KneeLeft": (-0.09, -0.67, 2.5),
    "AnkleLeft": (-0.09, -1.07, 2.52), "FootLeft": (-0.09, -1.1, 2.4),
}
REST |= {k.replace("Left", "Right"): (-x, y, z) for k, (x, y, z) in REST.items() if "Left" in k}
LEFT_ARM = {"ElbowLeft": 0.27, "WristLeft": 0.51, "HandLeft": 0.59, "HandTipLeft": 0.67, "ThumbLeft": 0.6}


def column(name: str) -> int:
    return KINECT_V2_JOINTS.index(name)


def standing(frames: int = 60) -> np.ndarray:
    """Positions (T, 25, 3) in file order: still, but for the left arm rising forward to horizontal."""
    positions = np.tile(np.array([REST[n] for n in KINECT_V2_JOINTS], dtype=float), (frames, 1, 1))
    angle = np.linspace(0.0, np.pi / 2, frames)
    arm = np.stack([np.zeros(frames), -np.cos(angle), -np.sin(angle)], axis=1)  # towards the sensor = forward
    shoulder = positions[:, column("ShoulderLeft")]
    for name, reach in LEFT_ARM.items():
        positions[:, column(name)] = shoulder + reach * arm
    return positions


def write_csv(path, positions, states=None, ticks=None, trailing_comma=True) -> None:
    frames = len(positions)
    states = np.full(positions.shape[:2], 2) if states is None else states
    ticks = START + TICK * np.arange(frames) if ticks is None else ticks
    with open(path, "w") as f:
        for t, frame, state in zip(ticks, positions, states):
            joints = ",".join(f"{x:.6f},{y:.6f},{z:.6f},{s:d}" for (x, y, z), s in zip(frame, state))
            f.write(f"{t:d},{joints}{',' if trailing_comma else ''}\n")


def in_file_order(trajectories: Trajectories) -> np.ndarray:
    names = trajectories.skeleton.names
    return trajectories.positions[:, [names.index(n) for n in KINECT_V2_JOINTS]]


@pytest.mark.parametrize("trailing_comma", [True, False])
def test_reads_positions_and_frame_rate(tmp_path, trailing_comma):
    truth = standing()
    write_csv(tmp_path / "take.csv", truth, trailing_comma=trailing_comma)
    motion = read_kinect_csv(tmp_path / "take.csv")
    assert motion.fps == pytest.approx(30.0, rel=1e-4)
    assert motion.frame_count == len(truth)
    np.testing.assert_allclose(in_file_order(motion), truth, atol=1e-5)


def test_the_skeleton_puts_parents_first_and_knows_its_parts(tmp_path):
    write_csv(tmp_path / "take.csv", standing())
    motion = read_kinect_csv(tmp_path / "take.csv")
    skeleton = motion.skeleton
    assert skeleton.names == tuple(name for name, _ in KINECT_V2_HIERARCHY)
    for name, parent in KINECT_V2_HIERARCHY:
        j = skeleton.index(name)
        assert (skeleton.parents[j] == -1) if parent is None else skeleton.names[skeleton.parents[j]] == parent
    # Offsets are the median bone vectors: the right arm never moves.
    np.testing.assert_allclose(skeleton.offsets[skeleton.index("ElbowRight")],
                               np.subtract(REST["ElbowRight"], REST["ShoulderRight"]), atol=1e-6)
    assert {p.value: skeleton.names[j] for p, j in skeleton.parts.items()} == {
        "pelvis": "SpineBase", "spine": "SpineMid", "chest": "SpineShoulder", "neck": "Neck", "head": "Head",
        "upper-arm-left": "ShoulderLeft", "upper-arm-right": "ShoulderRight", "forearm-left": "ElbowLeft",
        "forearm-right": "ElbowRight", "hand-left": "WristLeft", "hand-right": "WristRight",
        "thigh-left": "HipLeft", "thigh-right": "HipRight", "shin-left": "KneeLeft", "shin-right": "KneeRight",
        "foot-left": "AnkleLeft", "foot-right": "AnkleRight", "toes-left": "FootLeft", "toes-right": "FootRight",
    }
    # The performer's own left: the rising arm is the left one, on the sensor's right (-x).
    assert motion.part(BodyPart.UPPER_ARM_LEFT)[0, 0] < 0 < motion.part(BodyPart.UPPER_ARM_RIGHT)[0, 0]
    assert motion.part(BodyPart.HAND_LEFT)[-1, 1] == pytest.approx(REST["ShoulderLeft"][1], abs=1e-5)


def test_untracked_joints_are_interpolated_from_the_frames_around_them(tmp_path):
    truth = standing()
    states = np.full(truth.shape[:2], 2)
    garbled = truth.copy()
    wrist = column("WristLeft")
    states[20:26, wrist] = 0
    states[:3, column("KneeRight")] = 0
    states[26:40, column("HandLeft")] = 1  # inferred positions are kept as they are
    garbled[20:26, wrist] = 0.0
    garbled[:3, column("KneeRight")] = 0.0
    write_csv(tmp_path / "take.csv", garbled, states)
    read = in_file_order(read_kinect_csv(tmp_path / "take.csv"))
    frames = np.arange(len(truth))
    expected = np.stack([np.interp(frames[20:26], [19, 26], truth[[19, 26], wrist, axis]) for axis in range(3)], 1)
    np.testing.assert_allclose(read[20:26, wrist], expected, atol=1e-5)
    np.testing.assert_allclose(read[20:26, wrist], truth[20:26, wrist], atol=0.01)  # a chord of the arc
    np.testing.assert_allclose(read[:3, column("KneeRight")], truth[:3, column("KneeRight")], atol=1e-5)
    np.testing.assert_allclose(read[26:40], truth[26:40], atol=1e-5)


def test_a_dropped_frame_does_not_shift_the_time_after_it(tmp_path):
    truth = standing()
    kept = np.delete(np.arange(len(truth)), 30)
    write_csv(tmp_path / "take.csv", truth[kept], ticks=START + TICK * kept)
    motion = read_kinect_csv(tmp_path / "take.csv")
    assert motion.frame_count == len(truth) and motion.fps == pytest.approx(30.0, rel=1e-4)
    np.testing.assert_allclose(in_file_order(motion), truth, atol=1e-3)


def test_a_given_frame_rate_is_used_as_it_is(tmp_path):
    truth = standing(5)
    write_csv(tmp_path / "take.csv", truth[:1])
    one = read_kinect_csv(tmp_path / "take.csv", fps=30.0)
    assert one.fps == 30.0 and one.frame_count == 1
    write_csv(tmp_path / "take.csv", truth)
    assert read_kinect_csv(tmp_path / "take.csv", fps=15.0).fps == 15.0


@pytest.mark.parametrize("fps", [0.0, -30.0, 5000.0, float("nan")])
def test_a_given_frame_rate_must_be_a_captures(tmp_path, fps):
    """Called from Python, not through read_motion: 0 and -30 raised a bare ValueError, 5000 and NaN were used."""
    write_csv(tmp_path / "take.csv", standing(5))
    with pytest.raises(MotionFileError, match=r"take\.csv: the frame rate given is \S+ frames per second; a capture "
                                              r"has 1 to 1000$") as error:
        read_kinect_csv(tmp_path / "take.csv", fps=fps)
    assert error.value.path == str(tmp_path / "take.csv")


def test_a_frame_rate_from_the_timestamps_must_be_a_captures(tmp_path):
    """Timestamps a microsecond apart (a clock written in the wrong unit) gave a million frames a second. Now a
    unit that gives a camera's rate is taken (ticks 10 apart: 100 fps in milliseconds); one tick apart is none."""
    write_csv(tmp_path / "take.csv", standing(5), ticks=START + 1 * np.arange(5))
    with pytest.raises(MotionFileError, match=r"take\.csv: the timestamps are 1 apart, which gives none of the frame "
                                              r"rates .* \(5 to 250 per second\) .* or pass fps$"):
        read_kinect_csv(tmp_path / "take.csv")
    write_csv(tmp_path / "take.csv", standing(5), ticks=START + 10 * np.arange(5))
    assert read_kinect_csv(tmp_path / "take.csv").fps == pytest.approx(100.0)


def line_of(path, number: int) -> str:
    return path.read_text().splitlines()[number - 1]


@pytest.mark.parametrize("spoil, line, message", [
    (lambda lines: [], None, "empty file"),
    (lambda lines: ["", "  "], None, "empty file"),
    (lambda lines: lines[:2] + [lines[2].rsplit(",", 3)[0]] + lines[3:], 3, "expected 101 comma-separated values"),
    (lambda lines: lines[:1] + [lines[1].replace("2.500000", "far", 1)] + lines[2:], 2, "'far' is not a number"),
    (lambda lines: lines[:4] + [lines[4].replace("0.270000", "inf", 1)] + lines[5:], 5, "'inf' is not a finite number"),
    (lambda lines: lines[:3] + [lines[2]] + lines[4:], 4, "timestamps must increase"),
    (lambda lines: [lines[0].replace(",2,", ",7,", 1)] + lines[1:], 1, "tracking states must be 0, 1 or 2"),
    (lambda lines: lines[:1], None, "pass fps"),
])
def test_malformed_files_say_where_and_what(tmp_path, spoil, line, message):
    good = tmp_path / "good.csv"
    write_csv(good, standing(6))
    bad = tmp_path / "bad.csv"
    bad.write_text("".join(f"{row}\n" for row in spoil(good.read_text().splitlines())))
    with pytest.raises(MotionFileError, match=message) as error:
        read_kinect_csv(bad)
    assert error.value.line == line and error.value.path == str(bad) and "\n" not in str(error.value)


def test_a_joint_never_tracked_is_refused(tmp_path):
    states = np.full((6, 25), 2)
    states[:, column("AnkleLeft")] = 0
    write_csv(tmp_path / "take.csv", standing(6), states)
    with pytest.raises(MotionFileError, match="never tracked.*AnkleLeft"):
        read_kinect_csv(tmp_path / "take.csv")


def test_a_missing_file_is_a_motion_file_error(tmp_path):
    with pytest.raises(MotionFileError, match="cannot read"):
        read_kinect_csv(tmp_path / "nowhere.csv")


# --- joint arrays (.npz) --------------------------------------------------------------------------------------


def kinect_trajectories(tmp_path) -> Trajectories:
    write_csv(tmp_path / "take.csv", standing(12))
    return read_kinect_csv(tmp_path / "take.csv")


def test_joint_arrays_round_trip(tmp_path):
    motion = kinect_trajectories(tmp_path)
    write_joint_arrays(motion, tmp_path / "take.npz")
    back = read_joint_arrays(tmp_path / "take.npz")
    np.testing.assert_array_equal(back.positions, motion.positions)
    assert back.fps == motion.fps and back.skeleton.names == motion.skeleton.names
    np.testing.assert_array_equal(back.skeleton.parents, motion.skeleton.parents)
    np.testing.assert_allclose(back.skeleton.offsets, motion.skeleton.offsets)
    assert back.skeleton.parts == motion.skeleton.parts
    with np.load(tmp_path / "take.npz", allow_pickle=False) as data:
        assert data["names"].dtype.kind == "U" and data["positions"].shape == motion.positions.shape


def test_writing_replaces_the_file_and_leaves_no_temporary_behind(tmp_path):
    motion = kinect_trajectories(tmp_path)
    target = tmp_path / "take.npz"
    target.write_text("an older file")
    write_joint_arrays(motion, target)
    assert read_joint_arrays(target).frame_count == motion.frame_count
    assert sorted(p.name for p in tmp_path.iterdir()) == ["take.csv", "take.npz"]


def test_unusual_joint_names_leave_the_parts_to_a_mapping(tmp_path):
    skeleton = Skeleton(["a", "b"], [-1, 0], np.zeros((2, 3)))
    write_joint_arrays(Trajectories(skeleton, np.random.default_rng(0).normal(size=(4, 2, 3)), 25.0),
                       tmp_path / "two.npz")
    back = read_joint_arrays(tmp_path / "two.npz")
    assert back.skeleton.parts == {} and back.fps == 25.0
    with pytest.raises(Exception, match="cannot recognise pelvis"):
        recognised(back.skeleton)


def arrays(**changes) -> dict:
    good = {"positions": np.zeros((3, 2, 3)), "names": np.array(["hips", "head"]), "parents": np.array([-1, 0]),
            "fps": np.float64(30.0)}
    return {k: v for k, v in (good | changes).items() if v is not None}


@pytest.mark.parametrize("contents, message", [
    (arrays(fps=None), "missing array.*fps"),
    (arrays(positions=np.zeros((3, 2))), "positions must be numbers shaped"),
    (arrays(positions=np.zeros((3, 2, 3)).astype(str)), "positions must be numbers shaped"),
    (arrays(names=np.array(["hips"])), "names must be 2 strings"),
    (arrays(names=np.array(["hips", "hips"])), "unique"),
    (arrays(parents=np.array([-1.0, 0.0])), "parents must be 2 integers"),
    (arrays(parents=np.array([1, -1])), "parent before the joint"),
    (arrays(fps=np.float64(0.0)), "fps must be one positive number"),
    (arrays(fps=np.float64(5000.0)), "fps is 5000 frames per second; a capture has 1 to 1000$"),
    (arrays(fps=np.float64(0.5)), "fps is 0.5 frames per second; a capture has 1 to 1000$"),
    (arrays(fps=np.float64(1e30)), "fps is 1e\\+30 frames per second"),
    (arrays(positions=np.where(np.arange(18).reshape(3, 2, 3) == 10, 1e30, 0.0)),
     r"positions are out of range \(beyond ±100000 m.* in 1 value\(s\), first at frame 1, joint head$"),
    (arrays(positions=np.full((3, 2, 3), -2e5)), "out of range .* in 18 value"),
    (arrays(positions=np.where(np.arange(18).reshape(3, 2, 3) == 10, np.inf, 0.0)),
     "positions are infinite in 1 value.*frame 1, joint head"),
    (arrays(names=np.array([{"a": 1}, "head"], dtype=object)), "not a readable .npz"),
])
def test_bad_joint_arrays_are_refused_with_a_reason(tmp_path, contents, message):
    np.savez(tmp_path / "bad.npz", **contents)
    with pytest.raises(MotionFileError, match=message):
        read_joint_arrays(tmp_path / "bad.npz")


def test_a_file_that_is_no_npz_is_refused(tmp_path):
    (tmp_path / "text.npz").write_text("positions, names, parents, fps")
    with pytest.raises(MotionFileError, match="not a readable .npz"):
        read_joint_arrays(tmp_path / "text.npz")


def test_the_ends_of_the_frame_rates_and_a_long_way_from_the_origin_are_read(tmp_path):
    for fps, far in ((1.0, 1e5), (1000.0, -1e5)):
        np.savez(tmp_path / "good.npz", **arrays(fps=np.float64(fps), positions=np.full((3, 2, 3), far)))
        assert read_joint_arrays(tmp_path / "good.npz").fps == fps


@pytest.mark.parametrize("suffix", [".npz", ".csv"])
def test_a_frame_rate_given_for_positions_must_be_a_captures(tmp_path, suffix):
    """read_motion's ``frame_rate`` replaced an npz's rate as it was (5000 fps), and a CSV's with a ValueError."""
    write_joint_arrays(kinect_trajectories(tmp_path), tmp_path / "take.npz")
    for rate in (5000.0, 0.0, -30.0):
        with pytest.raises(MotionFileError, match="the frame rate given is .* a capture has 1 to 1000"):
            read_motion(tmp_path / f"take{suffix}", frame_rate=rate)
    assert read_motion(tmp_path / f"take{suffix}", frame_rate=25.0).fps == 25.0


def test_a_bone_that_turns_keeps_its_length_in_the_rest_pose():
    """A forearm swinging round its elbow: the median of its components was a 4 cm bone, which the body parts'
    check then took for a helper joint. Its rest bone is its real length, pointing the way it most often does."""
    angle = np.linspace(0.0, 2 * np.pi, 90, endpoint=False)
    forearm = 0.25 * np.stack([np.cos(angle), np.sin(angle), np.zeros_like(angle)], axis=1)
    positions = np.zeros((90, 3, 3))
    positions[:, 1] = [0.0, 0.3, 0.0]  # the elbow, still above the root
    positions[:, 2] = positions[:, 1] + forearm
    offsets = skeleton_from_positions(["root", "elbow", "hand"], np.array([-1, 0, 1]), positions).offsets
    np.testing.assert_allclose(np.linalg.norm(offsets, axis=1), [0.0, 0.3, 0.25])
    np.testing.assert_allclose(offsets[1], [0.0, 0.3, 0.0])
    hanging = positions.copy()
    hanging[:60, 2] = positions[:60, 1] + [0.0, -0.25, 0.0]  # most of the take, hanging down
    offsets = skeleton_from_positions(["root", "elbow", "hand"], np.array([-1, 0, 1]), hanging).offsets
    np.testing.assert_allclose(offsets[2], [0.0, -0.25, 0.0], atol=1e-12)


def test_a_decoded_dance_written_as_joint_positions_tokenizes_back_to_its_score(tmp_path):
    """``motiongpt decode score -o dance.npz`` wrote a file that tokenize refused: the arms, turning through the
    dance, had rest forearms of 4.3 cm (see above). Read back, it says what the score says."""
    from pathlib import Path

    from laban import Score, tokenize
    from laban.compare import cell_agreement
    from laban.decoder import decode

    score = Score.load(Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban")
    write_joint_arrays(decode(score, seed=0).trajectories(), tmp_path / "dance.npz")
    figures = cell_agreement(score, tokenize(read_joint_arrays(tmp_path / "dance.npz"), score.grid))
    assert figures["all"]["direction"] >= 0.98 and figures["all"]["level"] >= 0.98, figures


# --- captures as people bring them: a real walk (CMU 05_01) in each layout and variant ---------------------------

# Kinect v2 joints taken from the CMU figure's joints (the head 60% of the neck-to-head bone beyond its joint, to its
# centre, as a Kinect puts it).
CMU_AS_KINECT = {
    "SpineBase": "Hips", "SpineMid": "Spine", "Neck": "Neck1", "SpineShoulder": "Spine1",
    "ShoulderLeft": "LeftArm", "ElbowLeft": "LeftForeArm", "WristLeft": "LeftHand", "HandLeft": "LeftFingerBase",
    "HandTipLeft": "LeftHandIndex1", "ThumbLeft": "LThumb", "HipLeft": "LeftUpLeg", "KneeLeft": "LeftLeg",
    "AnkleLeft": "LeftFoot", "FootLeft": "LeftToeBase",
}
CMU_AS_KINECT |= {k.replace("Left", "Right"): v.replace("Left", "Right").replace("LThumb", "RThumb")
                  for k, v in CMU_AS_KINECT.items() if "Left" in k}
KINECT_V1_NAMES = {"HipCenter": "SpineBase", "Spine": "SpineMid", "ShoulderCenter": "SpineShoulder"}


@pytest.fixture(scope="module")
def walk(trials) -> np.ndarray:
    """CMU 05_01 at 30 fps, a walk along +z, as a Kinect v2 sees it: positions (T, 25, 3) in file order, camera
    space (metres, y up, the performer's left at -x), the sensor 4.5 m ahead of the start, 0.8 m up, facing them."""
    import laban

    world = laban.read_bvh(trials["05_01"].path).trajectories(30.0)
    joint = lambda name: world.positions[:, world.skeleton.index(name)].astype(np.float64)  # noqa: E731
    joints = {k: joint(v) for k, v in CMU_AS_KINECT.items()}
    joints["Head"] = joint("Head") + 0.6 * (joint("Head") - joint("Neck1"))
    positions = np.stack([joints[name] for name in KINECT_V2_JOINTS], axis=1)
    return np.stack([-positions[..., 0], positions[..., 1] - 0.8, 4.5 - positions[..., 2]], axis=-1)


def write_rows(path, header, rows, separator=","):
    lines = ([separator.join(header)] if header else []) + [separator.join(map(str, row)) for row in rows]
    path.write_text("\n".join(lines) + "\n")


def frames_of(positions, states=True, scale=1.0, digits=6):
    """Each frame's cells: per joint x, y, z (and a tracking state 2)."""
    return [sum(([f"{v * scale:.{digits}f}" for v in joint] + (["2"] if states else []) for joint in frame), [])
            for frame in positions]


def joint_header(names, fields=("X", "Y", "Z", "TrackingState"), style="{name}_{field}"):
    return [style.format(name=name, field=field) for name in names for field in fields]


def kinect_variant(path, walk, variant):
    """The walk written as people write Kinect v2 CSVs other than LabanotationSuite's."""
    frames = len(walk)
    ticks = [START + TICK * k for k in range(frames)]
    ms = [f"{k * 1000 / 30:.3f}" for k in range(frames)]
    cells = frames_of(walk)
    if variant == "a header row":
        write_rows(path, ["Timestamp"] + joint_header(KINECT_V2_JOINTS), [[t] + c for t, c in zip(ticks, cells)])
    elif variant == "a header, joints in another order, time last in seconds":
        order = np.random.default_rng(0).permutation(25)
        write_rows(path, joint_header([KINECT_V2_JOINTS[j] for j in order], style="{name}.{field}") + ["time (s)"],
                   [sum((c[4 * j:4 * j + 4] for j in order), []) + [f"{k / 30:.7f}"] for k, c in enumerate(cells)])
    elif variant == "snake_case names, no states, orientations":
        names = [re.sub(r"(?<!^)([A-Z])", r"_\1", n).lower() for n in KINECT_V2_JOINTS]
        write_rows(path, ["time_ms"] + joint_header(names, ("x", "y", "z", "qx", "qy", "qz", "qw")),
                   [[t] + sum((c[4 * j:4 * j + 3] + ["0", "0", "0", "1"] for j in range(25)), [])
                    for t, c in zip(ms, cells)])
    elif variant == "milliseconds, no header":
        write_rows(path, None, [[t] + c for t, c in zip(ms, cells)])
    elif variant == "microseconds, no header":
        write_rows(path, None, [[33_333 * k] + c for k, c in enumerate(cells)])
    elif variant == "no tracking states":
        write_rows(path, None, [[t] + c for t, c in zip(ticks, frames_of(walk, states=False))])
    elif variant == "semicolons and decimal commas":
        write_rows(path, None, [[t.replace(".", ",")] + [v.replace(".", ",") for v in c] for t, c in zip(ms, cells)],
                   ";")
    elif variant == "tabs, states as words":
        write_rows(path, None, [[t] + [v if k % 4 != 3 else "Tracked" for k, v in enumerate(c)]
                                for t, c in zip(ticks, cells)], "\t")
    elif variant == "spaces":
        write_rows(path, None, [[t] + c for t, c in zip(ticks, cells)], " ")
    elif variant == "millimetres":
        write_rows(path, None, [[t] + c for t, c in zip(ticks, frames_of(walk, scale=1000.0, digits=1))])
    elif variant == "one joint a row":
        write_rows(path, ["timestamp", "joint", "x", "y", "z", "state"],
                   [[t, name] + c[4 * j:4 * j + 4] for t, c in zip(ticks, cells)
                    for j, name in enumerate(KINECT_V2_JOINTS)])


KINECT_VARIANTS = ["a header row", "a header, joints in another order, time last in seconds",
                   "snake_case names, no states, orientations", "milliseconds, no header", "microseconds, no header",
                   "no tracking states", "semicolons and decimal commas", "tabs, states as words",
                   "spaces", "millimetres", "one joint a row"]


@pytest.mark.parametrize("variant", KINECT_VARIANTS)
def test_kinect_csvs_as_people_write_them_read_as_the_documented_layout(tmp_path, walk, variant):
    """Each was refused (a header, another separator, no states, rows of joints, a timestamp in ms) or misread
    (millimetres as metres: a 1,700 m figure; microseconds as ticks: 300 fps) by a reader of LabanotationSuite's
    layout alone. Each reads as the same walk, at 30 fps."""
    write_csv(tmp_path / "documented.csv", walk)
    documented = read_kinect_csv(tmp_path / "documented.csv")
    kinect_variant(tmp_path / "take.csv", walk, variant)
    motion = read_kinect_csv(tmp_path / "take.csv")
    assert motion.fps == pytest.approx(30.0, rel=1e-3) and motion.skeleton.names == documented.skeleton.names
    np.testing.assert_allclose(motion.positions, documented.positions, atol=2e-4)
    assert motion.skeleton.parts == documented.skeleton.parts


def steps(score) -> list[tuple[str, str]]:
    return [(s.column.value, s.direction and s.direction.value) for s in score.symbols
            if s.column.value.startswith("support")]


def other_layouts(path: Path, walk: np.ndarray, layout: str) -> Path:
    """The walk as other recorders write it (a Kinect v1; Azure Kinect: mm, y down, x right; SMPL joints z up,
    as AMASS's are; MediaPipe landmarks in camera space: metres, y down, x right)."""
    joint = {name: walk[:, k] for k, name in enumerate(KINECT_V2_JOINTS)}
    image = lambda p: p * [-1.0, -1.0, 1.0]  # noqa: E731 (Kinect camera space → a camera's image axes)
    if layout == "Kinect v1":  # milliseconds, no states, no header
        v1 = np.stack([joint[KINECT_V1_NAMES.get(n, n)] for n in laban_layouts().KINECT_V1.joints], axis=1)
        write_rows(path := path / "v1.csv", None,
                   [[f"{k * 1000 / 30:.0f}"] + c for k, c in enumerate(frames_of(v1, states=False))])
    elif layout == "Azure Kinect":
        azure = laban_layouts().AZURE_KINECT.joints
        source = {n: joint[n.title().replace("_", "").replace("Handtip", "HandTip")] for n in azure if
                  n.title().replace("_", "").replace("Handtip", "HandTip") in joint}
        source |= {"PELVIS": joint["SpineBase"], "SPINE_NAVEL": joint["SpineMid"], "NECK": joint["Neck"],
                   "SPINE_CHEST": 0.5 * (joint["SpineMid"] + joint["SpineShoulder"]), "HEAD": joint["Head"]}
        for side in ("LEFT", "RIGHT"):
            source[f"CLAVICLE_{side}"] = 0.6 * joint["SpineShoulder"] + 0.4 * joint[f"Shoulder{side.title()}"]
            for n, dx in (("EYE", 0.03), ("EAR", 0.07)):
                source[f"{n}_{side}"] = joint["Head"] + [dx if side == "RIGHT" else -dx, 0.03, -0.05]
        source["NOSE"] = joint["Head"] + [0.0, 0.0, -0.09]
        positions = image(np.stack([source[n] for n in azure], axis=1)) * 1000.0
        write_rows(path := path / "azure.csv", ["timestamp_usec"] + joint_header(azure, ("x", "y", "z", "confidence")),
                   [[1_000_000 + 33_333 * k] + [c if i % 4 != 3 else "3" for i, c in enumerate(cells)]
                    for k, cells in enumerate(frames_of(positions, digits=2))])
    elif layout == "SMPL, z up":
        smpl = laban_layouts().SMPL.joints[:22]
        source = {f"{side.lower()}_{a}": joint[f"{b}{side}"] for side in ("Left", "Right") for a, b in (
            ("hip", "Hip"), ("knee", "Knee"), ("ankle", "Ankle"), ("foot", "Foot"), ("shoulder", "Shoulder"),
            ("elbow", "Elbow"), ("wrist", "Wrist"))}
        source |= {"pelvis": joint["SpineBase"], "spine1": joint["SpineMid"], "spine2": joint["SpineMid"] * 0.5 +
                   joint["SpineShoulder"] * 0.5, "spine3": joint["SpineShoulder"], "neck": joint["Neck"],
                   "head": joint["Head"]}
        for side in ("left", "right"):
            source[f"{side}_collar"] = 0.5 * (joint["SpineShoulder"] + source[f"{side}_shoulder"])
        y_up = np.stack([source[n] for n in smpl], axis=1)
        hierarchy = dict(laban_layouts().SMPL.hierarchy)
        parents = [-1 if hierarchy[n] is None else smpl.index(hierarchy[n]) for n in smpl]
        np.savez(path := path / "smpl.npz", positions=np.stack([y_up[..., 0], -y_up[..., 2], y_up[..., 1]], -1),
                 names=np.array(smpl), parents=np.array(parents), fps=np.float64(30.0))
    elif layout == "MediaPipe Pose, camera space":
        landmarks = laban_layouts().MEDIAPIPE_POSE.joints
        source = {f"{side.lower()}_{a}": joint[f"{b}{side}"] for side in ("Left", "Right") for a, b in (
            ("shoulder", "Shoulder"), ("elbow", "Elbow"), ("wrist", "Wrist"), ("pinky", "Hand"),
            ("index", "HandTip"), ("thumb", "Thumb"), ("hip", "Hip"), ("knee", "Knee"), ("ankle", "Ankle"),
            ("foot_index", "Foot"))}
        for side, dx in (("left", -1.0), ("right", 1.0)):
            source[f"{side}_heel"] = source[f"{side}_ankle"] + [0.0, -0.05, 0.06]
            for name, x, y in (("eye_inner", 0.015, 0.03), ("eye", 0.03, 0.03), ("eye_outer", 0.045, 0.03),
                               ("ear", 0.07, 0.0)):
                source[f"{side}_{name}"] = joint["Head"] + [dx * x, y, -0.08 if name != "ear" else 0.0]
            source[f"mouth_{side}"] = joint["Head"] + [dx * 0.02, -0.04, -0.08]
        source["nose"] = joint["Head"] + [0.0, 0.0, -0.1]
        positions = image(np.stack([source[n] for n in landmarks], axis=1))
        write_rows(path := path / "mediapipe.csv", ["frame", "timestamp_ms"] + joint_header(
            landmarks, ("x", "y", "z", "visibility")),
            [[k, f"{k * 1000 / 30:.1f}"] + [c if i % 4 != 3 else "0.98" for i, c in enumerate(cells)]
             for k, cells in enumerate(frames_of(positions))])
    return path


def laban_layouts():
    import laban.layouts

    return laban.layouts


@pytest.mark.parametrize("layout", ["Kinect v1", "Azure Kinect", "SMPL, z up", "MediaPipe Pose, camera space"])
def test_other_recorders_walk_on_the_right_feet_upright(tmp_path, walk, layout):
    """Kinect v1 and Azure Kinect CSVs were refused (their widths); SMPL joints standing along z were notated
    lying down ('torso forward middle', steps in place); MediaPipe's landmarks have no pelvis or chest to hang a
    skeleton from. Each walks forward as the Kinect v2 take does, steps
    on the same feet, the torso upright, and is read in metres (Azure's millimetres) with y up (Azure's and
    MediaPipe's y down, SMPL's z up)."""
    from laban import read_motion, tokenize
    from laban.bvh import standing_height

    write_csv(tmp_path / "documented.csv", walk)
    documented = tokenize(read_motion(tmp_path / "documented.csv"), bpm=100)
    motion = read_motion(other_layouts(tmp_path, walk, layout))
    score = tokenize(motion, bpm=100)
    expected = steps(documented)
    assert len(expected) >= 8 and all(direction == "forward" for _, direction in expected[:8])
    assert steps(score)[:8] == expected[:8], (layout, steps(score))
    torso = next(s for s in score.starting_position if s.column.value == "torso")
    assert (torso.direction.value, torso.level.value) == ("place", "high")
    assert 1.3 < standing_height(motion.skeleton) < 1.8
    assert motion.part(BodyPart.HEAD)[:, 1].mean() > motion.part(BodyPart.FOOT_LEFT)[:, 1].mean() + 1.0


def test_lost_tracking_is_filled_in_where_short_and_refused_where_long(tmp_path, walk):
    """NaN or empty cells where tracking was lost were refused ("'nan' is not a finite number"), in an npz as in a
    CSV, and a hand tip never tracked refused the take. A short loss is filled in between the frames around it,
    a joint no body part needs is left out, and a body part lost for over a second is refused, saying which and
    when."""
    from laban.io import read_motion

    write_csv(tmp_path / "documented.csv", walk)
    documented = in_file_order(read_kinect_csv(tmp_path / "documented.csv"))
    lost = walk.copy()
    lost[60:64] = np.nan  # four frames with no body
    lost[10:14, column("AnkleLeft")] = np.nan
    lost[:, column("HandTipLeft")] = np.nan  # never seen
    write_csv(tmp_path / "take.csv", lost)
    (tmp_path / "take.csv").write_text((tmp_path / "take.csv").read_text().replace("nan", "", 40))  # empty cells too
    motion = read_kinect_csv(tmp_path / "take.csv")
    assert "HandTipLeft" not in motion.skeleton.names and motion.frame_count == len(walk)
    kept = [KINECT_V2_JOINTS.index(n) for n in motion.skeleton.names]
    read = motion.positions
    truth = walk[:, kept]
    np.testing.assert_allclose(read[:58], documented[:58, kept], atol=0.04)  # the ankle in swing: a 4-frame chord
    np.testing.assert_allclose(read[65:], truth[65:], atol=1e-5)
    chord = truth[59] + (truth[64] - truth[59]) * (np.arange(1, 5) / 5)[:, None, None]  # across 0.13 s of walking
    np.testing.assert_allclose(read[60:64], chord, atol=1e-5)

    names = tuple(name for name, _ in KINECT_V2_HIERARCHY)
    arrays = {"names": np.array(names), "parents": np.array([-1 if p is None else names.index(p)
                                                             for _, p in KINECT_V2_HIERARCHY]), "fps": 30.0}
    order = [KINECT_V2_JOINTS.index(n) for n in names]
    np.savez(tmp_path / "take.npz", positions=lost[:, order], **arrays)
    np.testing.assert_allclose(read_motion(tmp_path / "take.npz").positions, read, atol=1e-5)

    long = walk.copy()
    long[40:100, column("SpineBase")] = np.nan
    np.savez(tmp_path / "long.npz", positions=long[:, order], **arrays)
    with pytest.raises(MotionFileError, match=r"long\.npz: SpineBase is not tracked for 2\.03 s from 1\.30 s: a gap "
                                              r"longer than 1 s cannot be filled in \(cut the take there\)$"):
        read_motion(tmp_path / "long.npz")


def test_positions_centred_on_the_hips_are_refused_saying_so(tmp_path, walk):
    """MediaPipe's world landmarks are centred on the hips in every frame: read, they made a score of shuffles in
    place (23 symbols, steps on alternate quarter beats) from a walk. They hold no travel and no floor."""
    from laban.io import read_motion

    path = other_layouts(tmp_path, walk, "MediaPipe Pose, camera space")
    landmarks = laban_layouts().MEDIAPIPE_POSE.joints
    motion = read_motion(path)
    hips = 0.5 * (motion.positions[:, motion.skeleton.index("left_hip")]
                  + motion.positions[:, motion.skeleton.index("right_hip")])
    centred = np.stack([motion.positions[:, motion.skeleton.index(n)] - hips for n in landmarks], axis=1)
    np.savez(tmp_path / "world.npz", positions=centred * [1.0, -1.0, -1.0], names=np.array(landmarks), fps=30.0)
    with pytest.raises(MotionFileError, match=r"world\.npz: pelvis is at the origin in every frame: positions centred "
                                              r"on the hips .* hold no travel and no floor"):
        read_motion(tmp_path / "world.npz")


def test_what_cannot_be_read_says_what_to_give_instead(tmp_path, walk):
    """AMASS's body-model parameters and an .npy of positions were refused for lacking 'positions, names,
    parents, fps' or as an unknown format; an npz without fps was refused even with the frame rate given."""
    from laban.io import read_motion

    np.savez(tmp_path / "amass.npz", poses=np.zeros((3, 156)), trans=np.zeros((3, 3)), betas=np.zeros(16),
             mocap_framerate=120.0)
    with pytest.raises(MotionFileError, match=r"amass\.npz: holds a body model's parameters \(poses, trans: "
                                              r"SMPL/AMASS\), not joint positions; run the body model"):
        read_motion(tmp_path / "amass.npz")
    np.save(tmp_path / "joints.npy", walk)
    with pytest.raises(MotionFileError, match=r"joints\.npy: an \.npy holds positions without their joints' names"):
        read_motion(tmp_path / "joints.npy")
    np.savez(tmp_path / "take.npz", positions=walk, names=np.array(KINECT_V2_JOINTS))
    with pytest.raises(MotionFileError, match="missing array.s. fps"):
        read_motion(tmp_path / "take.npz")
    motion = read_motion(tmp_path / "take.npz", frame_rate=30.0)  # Kinect v2 names: no parents needed
    assert motion.fps == 30.0 and motion.skeleton.names == tuple(name for name, _ in KINECT_V2_HIERARCHY)


def test_the_command_line_refuses_a_long_loss_in_one_line_and_writes_nothing(tmp_path, walk, capsys):
    from motiongpt.cli import main

    long = walk.copy()
    long[40:100, column("KneeRight")] = np.nan
    write_csv(tmp_path / "take.csv", long)
    assert main(["tokenize", str(tmp_path / "take.csv"), "-o", str(tmp_path / "take.laban")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "KneeRight is not tracked for 2.03 s from 1.30 s" in err
    assert not (tmp_path / "take.laban").exists()
