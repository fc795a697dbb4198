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


def test_positions_beyond_any_body_in_a_skeleton_csv_are_refused(walk, tmp_path):
    """A real walk's CSV with one value damaged to 1e300 was tokenized (exit 0), as an npz's is not: every reader of
    positions refuses them alike (``laban.arrays.LARGEST_POSITION``), naming the frame and joint."""
    cells = frames_of(walk)
    cells[5][4 * 3 + 1] = "1e300"  # frame 5, Head's y
    write_rows(tmp_path / "damaged.csv", None, [[START + TICK * k] + c for k, c in enumerate(cells)])
    with pytest.raises(MotionFileError, match=r"damaged\.csv: positions are out of range \(beyond ±100000 m: no "
                                              r"body's; .*\) in 1 value\(s\), first at frame 5, joint Head$"):
        read_kinect_csv(tmp_path / "damaged.csv")


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
        positions = azure_joints(walk)
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


def azure_joints(walk: np.ndarray) -> np.ndarray:
    """The walk as Azure Kinect's body tracking gives it: its 32 joints (T, 32, 3), in millimetres, y down, x to the
    camera's right (the Kinect v2 joints it has, and the others put near them)."""
    joint = {name: walk[:, k] for k, name in enumerate(KINECT_V2_JOINTS)}
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
    return np.stack([source[n] for n in azure], axis=1) * [-1000.0, -1000.0, 1000.0]


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


def test_positions_centred_on_the_hips_travel_as_their_planted_feet_say(tmp_path, walk):
    """MediaPipe's world landmarks (metres, y down, centred on the hips in every frame: what most MediaPipe tools
    export) were refused, as they held no travel; read as they were, they made a score of shuffles in place from a
    walk. The travel is read from the planted feet: the walk steps forward on the same feet as the capture, about
    as far, and a warning says where the travel came from."""
    from laban import tokenize
    from laban.io import read_motion

    path = other_layouts(tmp_path, walk, "MediaPipe Pose, camera space")
    landmarks = laban_layouts().MEDIAPIPE_POSE.joints
    motion = read_motion(path)
    hips = 0.5 * (motion.positions[:, motion.skeleton.index("left_hip")]
                  + motion.positions[:, motion.skeleton.index("right_hip")])
    centred = np.stack([motion.positions[:, motion.skeleton.index(n)] - hips for n in landmarks], axis=1)
    np.savez(tmp_path / "world.npz", positions=centred * [1.0, -1.0, -1.0], names=np.array(landmarks), fps=30.0)
    with pytest.warns(UserWarning, match=r"^positions centred on the hips \(no travel of their own\): travel read "
                                         r"from the planted feet"):
        world = read_motion(tmp_path / "world.npz")
    expected = steps(tokenize(motion, bpm=100))
    assert len(expected) >= 8 and steps(tokenize(world, bpm=100))[:8] == expected[:8]
    travel = lambda m: np.linalg.norm((m.part(BodyPart.PELVIS)[-1] - m.part(BodyPart.PELVIS)[0])[[0, 2]])  # noqa: E731
    assert 0.85 < travel(world) / travel(motion) < 1.1, (travel(world), travel(motion))


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


def body_tracking_json(path: Path, walk: np.ndarray, **changes) -> Path:
    """The walk as Azure Kinect's offline_processor writes it (frames of bodies, mm, y down, device timestamps in
    µs), with what a real recording has: 20 frames before the dancer walks into view, a second body (a passer-by)
    for a moment, a frame dropped, joints the tracker had no confidence in. ``changes`` replace top-level keys."""
    import json

    azure = laban_layouts().AZURE_KINECT
    joints = azure_joints(walk)
    frames = []
    for k in range(20 + len(walk)):
        if k == 20 + 50:
            continue  # dropped
        frame = {"bodies": [], "frame_id": k, "num_bodies": 0, "timestamp_usec": 1_233_411 + 33_333 * k}
        if k >= 20:
            confidence = [3] * len(azure.joints)
            if 100 <= k < 104:
                confidence[azure.joints.index("WRIST_LEFT")] = 0
            frame["bodies"].append({"body_id": 1, "joint_confidence": confidence,
                                    "joint_orientations": [[1.0, 0.0, 0.0, 0.0]] * len(azure.joints),
                                    "joint_positions": np.round(joints[k - 20], 3).tolist()})
        if 40 <= k < 45:
            frame["bodies"].append({"body_id": 2, "joint_orientations": [[1.0, 0.0, 0.0, 0.0]] * len(azure.joints),
                                    "joint_positions": (joints[0] + [2000.0, 0.0, 1000.0]).tolist()})
        frame["num_bodies"] = len(frame["bodies"])
        frames.append(frame)
    names = list(azure.joints)
    names[names.index("SPINE_NAVEL")] = "SPINE_NAVAL"  # as some of the SDK's samples spell it
    data = {"bone_list": [[joint, parent] for joint, parent in azure.hierarchy if parent], "frames": frames,
            "joint_names": names, "k4abt_sdk_version": "1.1.2", "source_file": "take.mkv",
            "start_offset_usec": 200_000} | changes
    path.write_text(json.dumps(data))
    return path


def test_azure_kinect_body_tracking_json_walks_as_the_capture_does(tmp_path, walk):
    """The offline_processor's JSON was an unknown motion format ('.json'). It reads as the CSV of the same walk:
    the dancer from when they come into view, the passer-by left out (and named), the dropped frame and the wrist
    the tracker lost filled in, and steps forward on the same feet at the same beats."""
    from laban import read_motion, tokenize

    write_csv(tmp_path / "documented.csv", walk)
    documented = read_motion(tmp_path / "documented.csv")
    path = body_tracking_json(tmp_path / "take.json", walk)
    with pytest.warns(UserWarning, match=r"2 bodies tracked; read body 1, seen in \d+ of \d+ frames \(not 2\)"):
        motion = read_motion(path)
    from laban.io import is_motion_file

    assert is_motion_file(path)
    assert motion.fps == pytest.approx(30.0, rel=1e-4) and motion.frame_count == len(walk)
    assert 1.3 < standing_height_of(motion) < 1.8
    expected = steps(tokenize(documented, bpm=100))
    assert len(expected) >= 8 and steps(tokenize(motion, bpm=100))[:len(expected)] == expected
    pelvis = lambda m: m.part(BodyPart.PELVIS)  # noqa: E731
    np.testing.assert_allclose(pelvis(motion) - pelvis(motion)[0], pelvis(documented) - pelvis(documented)[0],
                               atol=1e-3)  # the same travel, frame for frame


def standing_height_of(motion) -> float:
    from laban.bvh import standing_height

    return standing_height(motion.skeleton)


@pytest.mark.filterwarnings("ignore:2 bodies tracked")
def test_a_json_that_is_no_body_tracking_is_no_motion(tmp_path, walk):
    """A score's JSON beside the captures is not motion (the package's own: a batch must not take it for a take),
    and read as motion says what a .json must hold; a body tracking JSON without a body says so."""
    from laban import Score
    from laban.io import read_motion

    score = Score.load(Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban")
    score.save(tmp_path / "score.json")
    with pytest.raises(MotionFileError, match=r"score\.json: not motion: a \.json is read as Azure Kinect Body "
                                              r"Tracking"):
        read_motion(tmp_path / "score.json")
    from laban.io import is_motion_file

    assert not is_motion_file(tmp_path / "score.json")
    empty = body_tracking_json(tmp_path / "empty.json", walk, frames=[{"bodies": [], "timestamp_usec": 0}] * 3)
    with pytest.raises(MotionFileError, match=r"empty\.json: no body tracked in any of its 3 frames$"):
        read_motion(empty)
    odd = body_tracking_json(tmp_path / "odd.json", walk[:40], joint_names=["a"] * 32)
    assert read_motion(odd).skeleton.names == read_motion(body_tracking_json(tmp_path / "t.json", walk[:40])
                                                          ).skeleton.names  # the SDK's order


@pytest.mark.parametrize("tilt", [12.0, 20.0])
def test_a_camera_tilted_down_reads_a_level_floor(tmp_path, walk, tilt):
    """A Kinect on a tripod pointing down: its floor slopes along its depth, and the floor was read from the raw y
    axis, so the walk towards it climbed 0.9 m (at 15°) and lost its last step. Levelled by the plane the feet stand
    on, the feet stand on one floor from the start of the take to its end, and it steps as the level camera's."""
    from laban import analyse, read_motion, tokenize

    write_csv(tmp_path / "level.csv", walk)
    angle = np.radians(tilt)
    pitch = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(angle), -np.sin(angle)], [0.0, np.sin(angle), np.cos(angle)]])
    write_csv(tmp_path / "tilted.csv", walk @ pitch.T)
    motion = read_motion(tmp_path / "tilted.csv")
    toes = analyse(motion).trajectories.part(BodyPart.TOES_LEFT)[:, 1]
    third = len(toes) // 3
    assert abs(toes[:third].min() - toes[-third:].min()) < 0.02, (toes[:third].min(), toes[-third:].min())
    expected = steps(tokenize(read_motion(tmp_path / "level.csv"), bpm=100))
    assert len(expected) >= 10 and steps(tokenize(motion, bpm=100)) == expected


def test_a_folder_tokenizes_every_motion_file_it_holds_and_says_what_it_skipped(tmp_path, walk, trials, capsys):
    """``motiongpt tokenize DIR`` took only ``*.bvh`` unless given --glob: a folder of Kinect CSVs was 'no files
    matching *.bvh', and a folder of both left its CSVs out without a word. It takes every file the package reads
    (as the corpus builder does), in any format, a score's JSON and notes not among them, and lists those."""
    from laban import Score
    from motiongpt.cli import main

    captures = tmp_path / "captures"
    (captures / "kinect").mkdir(parents=True)
    (captures / "05_01.bvh").symlink_to(trials["05_01"].path)
    write_csv(captures / "kinect" / "walk.csv", walk)
    body_tracking_json(captures / "kinect" / "azure.json", walk)
    write_joint_arrays(read_kinect_csv(captures / "kinect" / "walk.csv"), captures / "joints.npz")
    Score.load(Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban").save(captures / "score.json")
    (captures / "notes.txt").write_text("takes of 7 December")
    (captures / "rates.csv").write_text("trial,fps\nwalk,30\n")
    out = tmp_path / "scores"
    code = main(["tokenize", str(captures), "-o", f"{out}/", "--bpm", "100", "--manifest", str(captures / "rates.csv")])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert f"warning: {captures / 'kinect' / 'azure.json'}: 2 bodies tracked" in printed.err
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.laban")) == [
        "05_01.laban", "joints.laban", "kinect/azure.laban", "kinect/walk.laban"]
    assert (f"skipped 2 files that are no motion the package reads: {captures / 'notes.txt'}, "
            f"{captures / 'score.json'}") in printed.out
    assert steps(Score.load(out / "kinect" / "azure.laban")) == steps(Score.load(out / "kinect" / "walk.laban"))


def test_a_csv_is_motion_by_its_first_lines_and_a_folders_notes_are_skipped(tmp_path, walk, trials, capsys):
    """Every .csv was motion, so a folder of takes with notes or descriptions beside them (as the shared CMU folder
    keeps its index.csv and framerates.csv) failed its batch, exit 2. A CSV is motion where its first lines are a
    capture's: each Kinect variant and each recorder's CSV is; notes, descriptions, a manifest of other columns, a
    table of named points of no body and a sheet of numbers of no layout's width are not, and a batch lists them
    as skipped. Named on the command line, a CSV is still read, and refused in one line."""
    from laban.io import is_motion_file
    from motiongpt.cli import main
    from motiongpt.data import mocap_root
    from motiongpt.data.corpus import scan

    captures = tmp_path / "captures"
    captures.mkdir()
    for k, variant in enumerate(KINECT_VARIANTS):
        kinect_variant(captures / f"variant_{k}.csv", walk[:40], variant)
    write_csv(captures / "documented.csv", walk[:40])
    recorders = [other_layouts(captures, walk[:40], layout) for layout in ("Kinect v1", "Azure Kinect",
                                                                          "MediaPipe Pose, camera space")]
    takes = sorted(captures.glob("*.csv"))
    assert len(takes) == len(KINECT_VARIANTS) + 4
    assert [p.name for p in takes if not is_motion_file(p)] == []
    assert all(read_motion(p).frame_count >= 39 for p in recorders)

    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "05_01.bvh").symlink_to(trials["05_01"].path)
    others = {"notes.csv": "date,note\n2026-12-07,the walk was taken twice\n",
              "descriptions.csv": "file,split,description,style,fps\n05_01.bvh,train,a walk forward,,120\n",
              "markers.csv": "name,time,x,y,z\ntable,0.0,1.0,0.0,2.0\nchair,0.0,1.5,0.0,2.0\n",
              "measurements.csv": "\n".join(",".join(f"{(r * 7 + c) % 11 * 0.5:g}" for c in range(12))
                                                for r in range(30)) + "\n"}
    for name, text in others.items():
        (folder / name).write_text(text)
    for name in ("index.csv", "framerates.csv"):  # the shared CMU folder's own, beside its takes
        (folder / name).symlink_to(mocap_root() / "cmu" / name)
    assert [p.name for p in sorted(folder.glob("*.csv")) if is_motion_file(p)] == []
    assert main(["tokenize", str(folder), "-o", f"{tmp_path / 'scores'}/", "--bpm", "100"]) == 0
    printed = capsys.readouterr()
    assert sorted(p.name for p in (tmp_path / "scores").rglob("*.laban")) == ["05_01.laban"]
    assert f"skipped 6 files that are no motion the package reads: {folder / 'descriptions.csv'}" in printed.out
    assert [source.path.name for source in scan([folder])] == ["05_01.bvh"]  # what `motiongpt corpus build` takes

    assert is_motion_file(folder / "notes.csv", named=True)  # a command's input: read, and refused in one line
    assert main(["tokenize", str(folder / "notes.csv"), "-o", str(tmp_path / "notes.laban")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{folder / 'notes.csv'}:1: the header names no joint's x, y and z columns" in err
    assert not (tmp_path / "notes.laban").exists()
