"""Kinect v2 skeleton CSV, as Microsoft's LabanotationSuite records it.

One line per frame: a timestamp in 100 ns ticks, then 25 joints × (x, y, z, tracking state), a trailing comma
allowed. Positions are in metres in the sensor's camera space: y up, x to the sensor's left, z away from the
sensor, so a performer facing the sensor faces -z and their left is -x. Joint names are the performer's own
(ShoulderLeft is the performer's left shoulder). The floor is wherever the camera puts it (not y = 0); the
tokenizer finds it. Tracking states: 0 not tracked, 1 inferred, 2 tracked; untracked joints are filled in by
interpolating between the frames where they are seen.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np

from .arrays import skeleton_from_positions
from .bvh import check_frame_rate
from .errors import MotionFileError
from .motion import Trajectories
from .skeleton import Skeleton

# Joint order in the file.
KINECT_V2_JOINTS: tuple[str, ...] = (
    "SpineBase", "SpineMid", "Neck", "Head", "ShoulderLeft", "ElbowLeft", "WristLeft", "HandLeft",
    "ShoulderRight", "ElbowRight", "WristRight", "HandRight", "HipLeft", "KneeLeft", "AnkleLeft", "FootLeft",
    "HipRight", "KneeRight", "AnkleRight", "FootRight", "SpineShoulder", "HandTipLeft", "ThumbLeft", "HandTipRight",
    "ThumbRight",
)

# (joint, parent) in skeleton order: every parent before its children.
KINECT_V2_HIERARCHY: tuple[tuple[str, str | None], ...] = (
    ("SpineBase", None), ("SpineMid", "SpineBase"), ("SpineShoulder", "SpineMid"), ("Neck", "SpineShoulder"),
    ("Head", "Neck"),
    ("ShoulderLeft", "SpineShoulder"), ("ElbowLeft", "ShoulderLeft"), ("WristLeft", "ElbowLeft"),
    ("HandLeft", "WristLeft"), ("HandTipLeft", "HandLeft"), ("ThumbLeft", "HandLeft"),
    ("ShoulderRight", "SpineShoulder"), ("ElbowRight", "ShoulderRight"), ("WristRight", "ElbowRight"),
    ("HandRight", "WristRight"), ("HandTipRight", "HandRight"), ("ThumbRight", "HandRight"),
    ("HipLeft", "SpineBase"), ("KneeLeft", "HipLeft"), ("AnkleLeft", "KneeLeft"), ("FootLeft", "AnkleLeft"),
    ("HipRight", "SpineBase"), ("KneeRight", "HipRight"), ("AnkleRight", "KneeRight"), ("FootRight", "AnkleRight"),
)

_NAMES = tuple(name for name, _ in KINECT_V2_HIERARCHY)
_PARENTS = np.array([-1 if parent is None else _NAMES.index(parent) for _, parent in KINECT_V2_HIERARCHY])
_COLUMNS = np.array([KINECT_V2_JOINTS.index(name) for name in _NAMES])  # file joint of each skeleton joint
_FIELDS = 1 + 4 * len(KINECT_V2_JOINTS)
TICKS_PER_SECOND = 1e7
MAX_GAP = 1.0  # s between timestamps beyond which frames are missing rather than late
_TRAILING_COMMA = re.compile(r",[ \t]*$", re.MULTILINE)
_INTEGER_TIMESTAMP = re.compile(r"^[ \t]*(\d{1,18})[ \t]*,", re.MULTILINE)  # fits int64


def kinect_v2_skeleton(positions: np.ndarray) -> Skeleton:
    """The Kinect v2 skeleton (joints in ``KINECT_V2_HIERARCHY`` order) with rest offsets from positions
    (T, 25, 3) in file order, body parts recognised."""
    return skeleton_from_positions(_NAMES, _PARENTS, positions[:, _COLUMNS])


def read_kinect_csv(path: str | Path, fps: float | None = None) -> Trajectories:
    """Trajectories from a Kinect v2 CSV, joints in skeleton order.

    ``fps`` is the capture's frame rate; by default it comes from the median interval between timestamps, and the
    frames are then resampled on those regular ticks so that a dropped frame does not shift the time after it.
    A given ``fps`` is refused outside ``laban.limits.FRAME_RATES``, as a BVH file's is.
    """
    path = Path(path)
    if fps is not None:
        check_frame_rate(path, fps, f"the frame rate given is {fps:g}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise MotionFileError(path, f"cannot read as text ({error})") from None
    if not text.strip():
        raise MotionFileError(path, "empty file: no frames")
    text = _TRAILING_COMMA.sub("", text)
    try:
        values = np.loadtxt(io.StringIO(text), delimiter=",", comments=None, ndmin=2)
    except ValueError:
        values = np.empty((0, 0))
    if values.shape[1:] != (_FIELDS,) or not np.isfinite(values).all():
        raise _malformed(path, text)

    ticks = _elapsed_ticks(text, values[:, 0])
    if np.any(back := np.diff(ticks) <= 0):
        raise MotionFileError(path, "the timestamp is not later than the one before (timestamps must increase)",
                              line=_frame_lines(text)[int(np.argmax(back)) + 1])
    joints = values[:, 1:].reshape(len(values), len(KINECT_V2_JOINTS), 4)
    state = joints[..., 3]
    if np.any(odd := ~np.isin(state, (0, 1, 2)).all(axis=1)):
        raise MotionFileError(path, "tracking states must be 0, 1 or 2", line=_frame_lines(text)[np.argmax(odd)])
    never = [KINECT_V2_JOINTS[j] for j in np.flatnonzero(~(state > 0).any(axis=0))]
    if never:
        raise MotionFileError(path, f"joint(s) never tracked (state 0 in every frame): {', '.join(never)}")

    if fps is None:
        if len(ticks) < 2:
            raise MotionFileError(path, "one frame gives no frame rate; pass fps")
        step = float(np.median(np.diff(ticks)))
        if np.any(gap := np.diff(ticks) > TICKS_PER_SECOND * MAX_GAP):
            raise MotionFileError(path, f"the timestamps jump by more than {MAX_GAP:g} s: frames are missing (pass "
                                        "fps to read the frames as they are)",
                                  line=_frame_lines(text)[int(np.argmax(gap)) + 1])
        fps = TICKS_PER_SECOND / step
        check_frame_rate(path, fps, f"the timestamps, {step / TICKS_PER_SECOND * 1000:g} ms apart, give {fps:g}")
        times = step * np.arange(int(np.floor(ticks[-1] / step + 0.5)) + 1)
    else:
        times = ticks
    positions = _sampled(times, ticks, joints[..., :3], state > 0)
    return Trajectories(kinect_v2_skeleton(positions), positions[:, _COLUMNS], float(fps))


def _elapsed_ticks(text: str, parsed: np.ndarray) -> np.ndarray:
    """Ticks since the first frame. Read as integers where they are, since a Kinect clock reading (about 1.3e17
    ticks since 1601) has no exact float64 and its rounding would jitter the frame intervals."""
    whole = _INTEGER_TIMESTAMP.findall(text)
    ticks = np.array(whole, dtype=np.int64) if len(whole) == len(parsed) else parsed
    return (ticks - ticks[0]).astype(np.float64)


def _frame_lines(text: str) -> list[int]:
    """The 1-based file line of each frame (blank lines hold none)."""
    return [n for n, row in enumerate(text.splitlines(), 1) if row.strip()]


def _malformed(path: Path, text: str) -> MotionFileError:
    """What is wrong with a file the fast parser refused, and on which line (the error path may loop over lines)."""
    for n, row in enumerate(text.splitlines(), 1):
        if not row.strip():
            continue
        values = row.split(",")
        if len(values) != _FIELDS:
            return MotionFileError(path, f"expected {_FIELDS} comma-separated values (a timestamp, then 25 joints × "
                                         f"x, y, z, tracking state), found {len(values)}", line=n)
        for value in values:
            try:
                number = float(value)
            except ValueError:
                return MotionFileError(path, f"'{value.strip()}' is not a number", line=n)
            if not np.isfinite(number):
                return MotionFileError(path, f"'{value.strip()}' is not a finite number", line=n)
    return MotionFileError(path, "not a Kinect v2 CSV")


def _sampled(times: np.ndarray, ticks: np.ndarray, xyz: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Positions (len(times), J, 3) at ``times``, interpolated per joint from the frames where it is seen."""
    out = np.empty((len(times),) + xyz.shape[1:])
    for j in range(xyz.shape[1]):  # a loop over joints, not frames
        for axis in range(3):
            out[:, j, axis] = np.interp(times, ticks[seen[:, j]], xyz[seen[:, j], j, axis])
    return out
