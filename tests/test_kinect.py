"""Position inputs: the Kinect v2 CSV reader and ``.npz`` joint arrays."""

from __future__ import annotations

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
    """Timestamps a microsecond apart (a clock written in the wrong unit) gave a million frames a second."""
    write_csv(tmp_path / "take.csv", standing(5), ticks=START + 10 * np.arange(5))
    with pytest.raises(MotionFileError, match=r"take\.csv: the timestamps, 0\.001 ms apart, give 1e\+06 frames per "
                                              r"second; a capture has 1 to 1000$"):
        read_kinect_csv(tmp_path / "take.csv")


def line_of(path, number: int) -> str:
    return path.read_text().splitlines()[number - 1]


@pytest.mark.parametrize("spoil, line, message", [
    (lambda lines: [], None, "empty file"),
    (lambda lines: ["", "  "], None, "empty file"),
    (lambda lines: lines[:2] + [lines[2].rsplit(",", 3)[0]] + lines[3:], 3, "expected 101 comma-separated values"),
    (lambda lines: lines[:1] + [lines[1].replace("2.500000", "far", 1)] + lines[2:], 2, "'far' is not a number"),
    (lambda lines: lines[:4] + [lines[4].replace("0.270000", "nan", 1)] + lines[5:], 5, "'nan' is not a finite number"),
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
    (arrays(positions=np.where(np.arange(18).reshape(3, 2, 3) == 10, np.nan, 0.0)), "frame 1, joint head"),
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
