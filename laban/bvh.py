"""Read and write BVH motion capture files.

``read_bvh`` reads any hierarchy, each joint with its own channel order, into a ``Motion`` in metres, y up: it
turns a figure that stands along z (Blender's export) upright and detects the units from the body's height (kept
as ``Skeleton.up`` and ``Skeleton.unit``), and drops the T-pose frame that the cgspeed converters put first.
``read_skeleton`` reads the skeleton alone, the same way (a rig to write a dance onto needs no frames).
``write_bvh`` writes a ``Motion`` back with the channel layout, the axes and the units it was read with. A
malformed file raises ``MotionFileError`` naming its line.

Euler angles: channels ``Zrotation Yrotation Xrotation`` mean R = Rz·Ry·Rx, scipy's intrinsic
``Rotation.from_euler('ZYX', angles, degrees=True)``. Position channels replace the OFFSET components they name.
"""

from __future__ import annotations

import copy
import math
import os
import re
import warnings
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import MotionFileError
from .files import atomic_path
from .limits import FRAME_RATES
from .motion import Motion
from .skeleton import Skeleton

# Metres per file unit, tried in order: the first that makes the standing height human (HUMAN_HEIGHT) is the file's.
UNITS = {"metres": 1.0, "CMU units": 0.056444, "centimetres": 0.01, "inches": 0.0254, "millimetres": 0.001}
HUMAN_HEIGHT = (1.4, 2.0)
NORMAL_HEIGHT = 1.70
# The heights a figure may stand once a scale given for its units is applied: outside, the scale is a slip of units
# (centimetres given for metres makes a dancer 170 m tall, who hops as a jump; millimetres, hips that coincide).
SCALED_HEIGHT = (0.3, 4.0)
# A rest pose at least this many times as deep along z as along y stands along z (a person is 5-8 times as tall as
# deep, T-pose or A-pose; Blender writes its armatures z up, facing -y): read turned by _Y_UP, written turned back.
Z_UP_DEPTH = 2.0
_Y_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])  # file (x, y, z) → ours (x, z, -y)

# A converter T-pose is a jump into the motion: some joint turns this many times further from frame 0 to frame 1
# than the median largest turn per frame of the file's first HEAD_SECONDS. Shared data: T-poses 3.8 and up (most
# over 10), real first frames 1.3 at most (the same takes are found with the whole file's median or half a second's).
TPOSE_JUMP = 2.5
HEAD_SECONDS = 1.0
# ... and a jump in earnest: some joint turns at least this far (degrees) from frame 0 to frame 1. Shared data: 21
# and more in all 120 takes with a T-pose; a dance the decoder writes, still on its first frames and facing exactly
# front (its root rotation 0, as a T-pose's), turns a joint half a degree, which a still median made a jump.
TPOSE_TURN = 10.0
# ... and the frames that blend out of it turn joints faster than a person does (shared data: 1,700-4,500°/s for
# one to four frames; captured motion right after them 1,150°/s at most).
BLEND_SPEED = 1500.0
BLEND_SECONDS = 0.1

_CHANNELS = {f"{axis}{kind}".upper(): f"{axis}{kind}" for axis in "XYZ" for kind in ("position", "rotation")}
_BLOCK_BYTES = 1 << 19  # frame lines are read in blocks of 512 KiB: memory stays flat for any length of file
_NUMBER = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_NUMBER_BYTES = b"0123456789.-+eE"
_WHITESPACE = b" \t\r\n"
_IS_SPACE = np.zeros(256, dtype=bool)
_IS_SPACE[list(_WHITESPACE)] = True
_LARGEST = 1e7  # a frame value beyond this is no body's (100 km in cm, 27,000 turns in degrees): a damaged file
_BOM = b"\xef\xbb\xbf"  # the UTF-8 byte order mark that Windows editors put before the text
_SLICE = 1024  # frames converted at a time: temporaries stay small (twice as fast as 8192) for any length


def read_bvh(path: str | os.PathLike, scale: float | None = None, drop_tpose: bool | None = None, *,
             frame_rate: float | None = None, max_fps: float | None = None) -> Motion:
    """The motion in a BVH file, in metres.

    ``frame_rate`` is the capture's real rate when the header's Frame Time is wrong (the CMU salsa takes say 120,
    CMU lists 60), and then the header's is not used; either is refused outside ``FRAME_RATES``. ``max_fps`` reads
    only every k-th frame so that the rate is at most that: a tokenizer needs no more than 30 fps, and unread
    frames cost no parsing.

    ``scale`` multiplies file units into metres. Without it the units are detected from the rest pose's standing
    height: the first of ``UNITS`` that makes it 1.4–2.0 m. A figure that fits none (the salsa files are a
    1.2 m figure in metres) is scaled to 1.70 m, so pass ``scale=1.0`` to read a file known to be in metres as
    it is. ``drop_tpose`` drops frame 0; ``None`` drops it when it is a converter T-pose (root rotation channels
    exactly 0 and a jump into frame 1, see ``TPOSE_JUMP``), with the frames that blend out of it.
    """
    path = Path(path)
    if scale is not None and not 0 < scale < np.inf:
        raise MotionFileError(path, f"scale must be a positive number, not {scale}")
    if max_fps is not None and not 0 < max_fps < np.inf:
        raise MotionFileError(path, f"max_fps must be a positive number of frames per second, not {max_fps}")
    if frame_rate is not None:
        check_frame_rate(path, frame_rate, f"the frame rate given is {frame_rate:g}")
    try:
        with open(path, "rb") as stream:
            words = _HeaderWords(stream, path)
            joints = _read_hierarchy(words, path)
            frame_count, fps = _read_frame_header(words, path, frame_rate)
            step = max(1, int(fps / max_fps + 1e-6)) if max_fps else 1
            channel_count = sum(len(joint.channels) for joint in joints)
            if channel_count == 0:
                raise MotionFileError(path, "the hierarchy declares no channels", words.line)
            skeleton = _skeleton(joints)
            # The first second is read whole at any rate asked: it tells a converter's frames from the capture's.
            # Then the capture's first frame and every step-th after it are kept, the frames that a full read's
            # Motion.trajectories(fps / step) samples: a tokenizer reads a file the same either way.
            head, line = _read_head(stream, path, words.line + 1, min(frame_count, int(HEAD_SECONDS * fps) + 1),
                                    channel_count)
            first = _converter_frames(skeleton, head, fps) if drop_tpose is None else int(bool(drop_tpose))
            if frame_count - first <= step:  # not two frames at max_fps: read whole, so that a take too short to
                step = 1  # notate is said to be in its own frames (3 at 120 fps, not 1 at 30 fps)
            rest = _read_frames(stream, path, line, frame_count, channel_count, step, phase=first,
                                found=head.shape[1])
    except OSError as error:
        raise MotionFileError(path, f"cannot read: {error.strerror}") from None
    values = np.concatenate([head[:, first::step], rest], axis=1)
    if not values.shape[1]:
        raise MotionFileError(path, "no frames left after dropping the T-pose frame")
    rotations, translations = _upright_in_metres(skeleton, *_joint_motion(skeleton, values), scale)
    return Motion(skeleton, rotations, translations, fps / step)


def read_skeleton(path: str | os.PathLike, scale: float | None = None) -> Skeleton:
    """The skeleton of a BVH file, in metres, y up, with the file's units and axes kept as ``read_bvh`` reads
    them: a rig that a dance is written onto (``--skeleton``). Only the hierarchy is read: a rig is its joints and
    rest pose, so an export with no frames (``Frames: 0``, a rest pose alone, or no MOTION section at all: a
    hierarchy exported alone) performs as a capture's skeleton does, and a long capture's frames cost nothing.
    ``scale`` as ``read_bvh``'s."""
    path = Path(path)
    if scale is not None and not 0 < scale < np.inf:
        raise MotionFileError(path, f"scale must be a positive number, not {scale}")
    try:
        with open(path, "rb") as stream:
            words = _HeaderWords(stream, path)
            joints = _read_hierarchy(words, path, rig=True)
    except OSError as error:
        raise MotionFileError(path, f"cannot read: {error.strerror}") from None
    if not any(joint.channels for joint in joints):
        raise MotionFileError(path, "the hierarchy declares no channels", words.line)
    skeleton = _skeleton(joints)
    _upright_in_metres(skeleton, np.zeros((0, skeleton.joint_count, 4), np.float32),
                       np.zeros((0, len(skeleton.translated), 3), np.float32), scale)
    return skeleton


def check_frame_rate(path: str | os.PathLike, rate: float, said: str, line: int | None = None) -> None:
    """MotionFileError unless ``rate`` (frames per second) is within ``FRAME_RATES``; ``said`` is where the rate
    comes from, worded to go before "frames per second" ("Frame Time 2 s is a rate of 0.5")."""
    low, high = FRAME_RATES
    if not low <= rate <= high:  # NaN too
        raise MotionFileError(path, f"{said} frames per second; a capture has {low:g} to {high:g}", line)


def check_scale(path: str | os.PathLike, skeleton: Skeleton, scale: float) -> None:
    """MotionFileError where a person's ``scale`` for a file's units (the command line's ``--scale``), which read
    it as ``skeleton`` (in metres), makes a figure of no dancer's height (``SCALED_HEIGHT``): a slip of units,
    which went on to a score of a giant's hops or to a refusal that blamed the rig's hips. Says the units the file
    looks in. (The library reads any scale asked of it: ``scale=1.0`` is a file's own units.)"""
    height = standing_height(skeleton)
    if SCALED_HEIGHT[0] <= height <= SCALED_HEIGHT[1]:
        return
    units = next((f"{name} ({factor:g} m each)" for name, factor in UNITS.items()
                  if HUMAN_HEIGHT[0] <= height / scale * factor <= HUMAN_HEIGHT[1]), None)
    raise MotionFileError(path, f"a scale of {scale:g} m per unit makes the figure {height:.3g} m tall, which no "
                                f"dancer is ({SCALED_HEIGHT[0]:g} to {SCALED_HEIGHT[1]:g} m): "
                                + (f"its units look like {units}" if units else "check the file's units"))


def starts_as_bvh(head: bytes) -> bool:
    """Whether a file's first bytes begin as ``read_bvh`` reads a BVH file: HIERARCHY, in any case, after a byte
    order mark and whitespace. For a check of what a file claims to be before reading it (the studio's uploads),
    so that it accepts what the reader does."""
    return head.removeprefix(_BOM).lstrip().upper().startswith(b"HIERARCHY")


def write_bvh(motion: Motion, path: str | os.PathLike, scale: float | None = None) -> None:
    """Write ``motion`` as BVH with lengths divided by ``scale`` (1.0: metres, 0.01: centimetres), atomically:
    into a temporary file beside ``path``, renamed when complete, so that a failure leaves no partial file.

    By default ``scale`` is the skeleton's ``unit``: a motion on a skeleton read from a file (a dance decoded onto
    an animator's rig) is written in that file's units and proportions, so that it drops onto the same armature;
    a skeleton built in code (the decoder's default figure) is written in metres.

    Joints are written depth-first, the order BVH requires (a skeleton read from BVH has it already), each with
    its ``skeleton.channels`` in order and its rotations as Euler angles in that order, 6 decimals.
    """
    path = Path(path)
    scale = motion.skeleton.unit if scale is None else scale
    _check_writable(motion, path, scale)
    if motion.skeleton.up == "z":  # back to the file's axes, as its units
        skeleton = copy.copy(motion.skeleton)
        motion = Motion(skeleton, *_turned(skeleton, motion.rotations, motion.translations, _Y_UP.T), motion.fps)
    order = _depth_first(motion.skeleton)
    with atomic_path(path) as temporary, open(temporary, "x", encoding="utf-8", newline="\n") as out:
        out.write(_hierarchy_text(motion.skeleton, order, scale))
        out.write(f"MOTION\nFrames: {motion.frame_count}\nFrame Time: {1 / motion.fps:.10f}\n")
        for start in range(0, motion.frame_count, _SLICE):
            rows = _channel_values(motion, order, slice(start, start + _SLICE), scale)
            line = " ".join(["%.6f"] * rows.shape[1]) + "\n"
            out.write((line * len(rows)) % tuple(rows.ravel()))


# --- hierarchy ---------------------------------------------------------------------------------------------------

class _Joint:
    def __init__(self, name: str, parent: int) -> None:
        self.name = name
        self.parent = parent
        self.offset = (0.0, 0.0, 0.0)
        self.channels: tuple[str, ...] = ()
        self.end_site: tuple[float, ...] | None = None


class _HeaderWords:
    """The header's whitespace-separated words (braces apart) and the line of the last one read. Lines are read
    one at a time, so that the stream is left at the first frame line."""

    def __init__(self, stream: BinaryIO, path: Path) -> None:
        self.stream, self.path = stream, path
        if stream.read(len(_BOM)) != _BOM:  # a byte order mark is no part of the text: 'HIERARCHY' follows it
            stream.seek(0)
        self.line = 0
        self.pending: list[str] = []  # the current line's words not yet read, last word first

    def peek(self) -> str | None:
        while not self.pending:
            raw = self.stream.readline()
            if not raw:
                return None
            self.line += 1
            self.pending = raw.decode("utf-8", "replace").replace("{", " { ").replace("}", " } ").split()[::-1]
        return self.pending[-1]

    def next(self, expected: str) -> str:
        if self.peek() is None:
            raise MotionFileError(self.path, f"file ends where {expected} was expected", self.line + 1)
        return self.pending.pop()

    def expect(self, keyword: str) -> None:
        word = self.next(repr(keyword))
        if word.upper() != keyword.upper():
            raise MotionFileError(self.path, f"expected {keyword!r}, found {word!r}", self.line)

    def number(self, what: str) -> float:
        word = self.next(what)
        if not _NUMBER.fullmatch(word.encode()) or not math.isfinite(float(word)):
            raise MotionFileError(self.path, f"{what} {word!r} is not a finite number", self.line)
        return float(word)

    def line_text(self) -> str:
        """The words left on the current line, or else on the next line that has any, joined by spaces."""
        self.peek()
        words, self.pending = self.pending, []
        return " ".join(reversed(words))


def _skeleton(joints: list[_Joint]) -> Skeleton:
    """The skeleton of the joints read, in the file's units and axes."""
    return Skeleton(names=[joint.name for joint in joints], parents=[joint.parent for joint in joints],
                    offsets=[joint.offset for joint in joints], channels=tuple(joint.channels for joint in joints),
                    end_sites={j: np.array(joint.end_site) for j, joint in enumerate(joints)
                               if joint.end_site is not None})


def _read_hierarchy(words: _HeaderWords, path: Path, rig: bool = False) -> list[_Joint]:
    """Joints in file order (parents first), reading up to and including MOTION; a stack of open joints instead
    of recursion, so that no nesting depth can overflow. A ``rig`` (``read_skeleton``) may end with its hierarchy,
    whole: a capture (``read_bvh``) may not, since a file cut short after it is a capture whose frames are lost."""
    first = words.peek()
    if first is None:
        raise MotionFileError(path, "empty file", 1)
    if first.upper() != "HIERARCHY":
        raise MotionFileError(path, f"missing HIERARCHY: the file starts with {first!r}", words.line)
    words.next("HIERARCHY")
    joints: list[_Joint] = []
    open_joints: list[int] = []  # indices, innermost last
    names: set[str] = set()
    while True:
        if words.peek() is None:
            if open_joints:
                raise MotionFileError(path, f"unbalanced braces: the file ends inside joint "
                                            f"{joints[open_joints[-1]].name!r}", words.line + 1)
            if rig and not joints:
                raise MotionFileError(path, "the hierarchy has no ROOT joint", words.line + 1)
            if rig:
                return joints
            raise MotionFileError(path, "missing MOTION after the hierarchy", words.line + 1)
        word = words.next("a keyword")
        keyword = word.upper()
        if keyword in ("ROOT", "JOINT") and (keyword == "ROOT") == (not open_joints):
            name = words.next(f"a name after {word}")
            if name in names:
                raise MotionFileError(path, f"joint name {name!r} is used twice", words.line)
            joints.append(_Joint(name, open_joints[-1] if open_joints else -1))
            names.add(name)
            words.expect("{")
            open_joints.append(len(joints) - 1)
        elif keyword in ("ROOT", "JOINT"):
            where = "inside a joint" if open_joints else "outside any ROOT"
            raise MotionFileError(path, f"unbalanced braces: {word} {where}", words.line)
        elif keyword == "END" and open_joints:
            joint = joints[open_joints[-1]]
            words.expect("Site")
            if joint.end_site is not None:
                raise MotionFileError(path, f"joint {joint.name!r} has a second End Site", words.line)
            words.expect("{")
            words.expect("OFFSET")
            joint.end_site = tuple(words.number("End Site OFFSET value") for _ in range(3))
            words.expect("}")
        elif keyword == "OFFSET" and open_joints:
            joints[open_joints[-1]].offset = tuple(words.number("OFFSET value") for _ in range(3))
        elif keyword == "CHANNELS" and open_joints:
            joints[open_joints[-1]].channels = _read_channels(words, path, joints[open_joints[-1]].name)
        elif keyword == "}" and open_joints:
            open_joints.pop()
        elif keyword == "}":
            raise MotionFileError(path, "unbalanced braces: '}' closes no joint", words.line)
        elif keyword == "MOTION" and open_joints:
            raise MotionFileError(path, f"unbalanced braces: joint {joints[open_joints[-1]].name!r} is still "
                                        f"open at MOTION", words.line)
        elif keyword == "MOTION":
            if not joints:
                raise MotionFileError(path, "the hierarchy has no ROOT joint", words.line)
            return joints
        else:
            raise MotionFileError(path, f"unexpected {word!r} in the hierarchy", words.line)


def _read_channels(words: _HeaderWords, path: Path, joint: str) -> tuple[str, ...]:
    count = words.next("the channel count")
    if not _WHOLE_NUMBER.fullmatch(count):
        raise MotionFileError(path, f"CHANNELS count {count!r} is not a whole number", words.line)
    channels: list[str] = []
    for _ in range(int(count)):
        name = words.next("a channel name")
        if name.upper() not in _CHANNELS:
            raise MotionFileError(path, f"unknown channel name {name!r} (joint {joint!r})", words.line)
        if _CHANNELS[name.upper()] in channels:
            raise MotionFileError(path, f"joint {joint!r} lists channel {name!r} twice", words.line)
        channels.append(_CHANNELS[name.upper()])
    following = words.peek()
    if following is not None and following.upper() in _CHANNELS:
        raise MotionFileError(path, f"CHANNELS {count} but more channel names follow (joint {joint!r})",
                              words.line)
    return tuple(channels)


def _read_frame_header(words: _HeaderWords, path: Path, given_rate: float | None = None) -> tuple[int, float]:
    """Frame count and frame rate from the 'Frames:' and 'Frame Time:' lines after MOTION. A ``given_rate`` is
    the rate, so that a header whose Frame Time is no capture's can be read with the real one."""
    key, _, count = words.line_text().partition(":")
    count = count.strip()
    if key.strip().upper() != "FRAMES":
        raise MotionFileError(path, "expected 'Frames: <count>' after MOTION", words.line)
    if not _WHOLE_NUMBER.fullmatch(count):
        raise MotionFileError(path, f"Frames: {count!r} is not a whole number", words.line)
    if int(count) == 0:
        raise MotionFileError(path, "the file has zero frames (Frames: 0)", words.line)
    key, _, frame_time = words.line_text().partition(":")
    frame_time = frame_time.strip()
    if " ".join(key.upper().split()) != "FRAME TIME":
        raise MotionFileError(path, "expected 'Frame Time: <seconds>' after the Frames line", words.line)
    if not _NUMBER.fullmatch(frame_time.encode()) or not 0 < float(frame_time) < np.inf:
        raise MotionFileError(path, f"bad Frame Time {frame_time!r}: must be a positive number of seconds",
                              words.line)
    if given_rate is not None:
        return int(count), float(given_rate)
    rate = 1 / float(frame_time)  # (checked before _frame_rate rounds it: a Frame Time of 1e-320 is a rate of inf)
    check_frame_rate(path, rate, f"Frame Time {frame_time} s is a rate of {rate:.6g}", words.line)
    return int(count), _frame_rate(frame_time)


def _frame_rate(frame_time: str) -> float:
    """Frames per second. Frame Time is printed rounded (.0083333), so a whole rate whose frame time rounds to
    the printed value is taken as exact: 120, not 120.0005."""
    rate = round(1 / float(frame_time))
    printed = Decimal(frame_time)
    try:
        if rate > 0 and (Decimal(1) / rate).quantize(printed) == printed:
            return float(rate)
    except InvalidOperation:  # more printed digits than Decimal carries: no rounded whole rate
        pass
    return 1 / float(frame_time)


# --- frames ------------------------------------------------------------------------------------------------------

def _kept_frames(frames: np.ndarray, step: int, phase: int = 0) -> np.ndarray:
    """Which of these frame numbers a read keeps: ``phase`` and every ``step``-th frame after it."""
    return np.ones(len(frames), dtype=bool) if step == 1 else (frames - phase) % step == 0


def _read_head(stream: BinaryIO, path: Path, first_line: int, count: int,
               channel_count: int) -> tuple[np.ndarray, int]:
    """The first ``count`` frame lines from the stream's position (fewer where the file ends), all of them, as
    float32 (channels, frames); and the line number after them."""
    lines, found = [], 0
    while found < count and (line := stream.readline()):
        lines.append(line)
        found += not line.isspace()
    text = b"".join(lines)
    if text and not text.endswith(b"\n"):
        text += b"\n"
    rows, _, line_count = _parse_block(text, path, first_line, channel_count)
    return np.asarray(rows, np.float32), first_line + line_count


def _read_frames(stream: BinaryIO, path: Path, first_line: int, frame_count: int, channel_count: int,
                 step: int = 1, phase: int = 0, found: int = 0) -> np.ndarray:
    """The kept frame lines from the stream's position on, as float32 (channels, frames), read block by block;
    ``found`` frame lines of the ``frame_count`` were read before it."""
    # 'Frames:' may be wrong: allocate no more than the rest of the file can hold at two bytes per value.
    remaining = os.fstat(stream.fileno()).st_size - stream.tell()
    capacity = max(0, min(frame_count - found, remaining // (2 * channel_count) + 1))
    values = np.empty((channel_count, int(_kept_frames(found + np.arange(capacity), step, phase).sum())), np.float32)
    kept, line, carry = 0, first_line, b""
    while True:
        block = stream.read(_BLOCK_BYTES)
        text = carry + block
        cut = text.rfind(b"\n") + 1 if block else len(text)  # whole lines now; the rest waits for the next block
        text, carry = text[:cut], text[cut:]
        if text and not text.endswith(b"\n"):  # the last line, without a newline
            text += b"\n"
        lines_here = 0
        if text:
            rows, frame_lines, lines_here = _parse_block(text, path, line, channel_count, found, step, phase)
            if found + len(frame_lines) > frame_count:
                raise MotionFileError(path, f"more frame lines than 'Frames: {frame_count}' declares",
                                      line + int(frame_lines[frame_count - found]))
            values[:, kept:kept + rows.shape[1]] = rows
            found += len(frame_lines)
            kept += rows.shape[1]
        line += lines_here
        if not block:
            break
    if found < frame_count:
        raise MotionFileError(path, f"truncated MOTION block: found {found} of the {frame_count} frames that "
                                    f"'Frames:' declares", line)
    return values


def _parse_block(text: bytes, path: Path, first_line: int, channel_count: int, first_frame: int = 0,
                 step: int = 1, phase: int = 0) -> tuple[np.ndarray, np.ndarray, int]:
    """Values (channels, n) of the n kept frame lines in ``text`` (whole lines; the first is frame number
    ``first_frame``), the 0-based offsets of all its frame lines (blank lines are skipped) and its line count.

    The fast path reads the kept lines with ``np.loadtxt``; lines a lower rate skips are counted, not parsed.
    Anything it refuses goes to ``_parse_block_slowly``, which reads what it can (a leading '+') or names the bad
    line.
    """
    lines = text.split(b"\n")[:-1]
    frame_lines = np.flatnonzero([not line.isspace() and line != b"" for line in lines])
    kept = frame_lines[_kept_frames(first_frame + np.arange(len(frame_lines)), step, phase)]
    if len(kept) < len(frame_lines) and not _numbers_only(text, len(frame_lines) * channel_count):
        return _parse_block_slowly(text, path, first_line, channel_count, first_frame, step, phase) + (len(lines),)
    try:
        with warnings.catch_warnings():  # an empty block (a file cut in its first frame) is said in one line below
            warnings.simplefilter("ignore", UserWarning)
            rows = np.loadtxt([lines[k] for k in kept], dtype=np.float32, ndmin=2)
    except ValueError:
        rows = None
    if rows is None or (len(kept) and rows.shape[1] != channel_count) or not (np.abs(rows) <= _LARGEST).all():
        return _parse_block_slowly(text, path, first_line, channel_count, first_frame, step, phase) + (len(lines),)
    return rows.reshape(-1, channel_count).T, frame_lines, len(lines)


def _numbers_only(text: bytes, value_count: int) -> bool:
    """Whether ``text`` holds number characters and whitespace only, ``value_count`` words in all: a look at the
    lines a lower rate does not parse (about a fifth of the parse's time), so that a damaged file is refused at any
    rate; ``_parse_block_slowly`` then names the line."""
    if text.translate(None, _NUMBER_BYTES + _WHITESPACE):
        return False
    space = _IS_SPACE[np.frombuffer(text, dtype=np.uint8)]
    words = int(np.count_nonzero(space[:-1] & ~space[1:])) + int(len(space) > 0 and not space[0])
    return words == value_count


def _parse_block_slowly(text: bytes, path: Path, first_line: int, channel_count: int, first_frame: int = 0,
                        step: int = 1, phase: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``_parse_block`` line by line in Python: reads any value Python's float reads and the number pattern
    allows, and raises for the first bad line."""
    rows, frame_lines = [], []
    for offset, line in enumerate(text.split(b"\n")[:-1]):
        words = line.split()
        if not words:
            continue
        if len(words) != channel_count:
            raise MotionFileError(path, f"expected {channel_count} values (one per channel), got {len(words)}",
                                  first_line + offset)
        for word in words:
            shown = word.decode("utf-8", "replace")
            if not _NUMBER.fullmatch(word):
                special = word.lower().lstrip(b"+-") in (b"nan", b"inf", b"infinity")
                problem = "is not finite (NaN or infinity)" if special else "is not a number"
                raise MotionFileError(path, f"value {shown!r} {problem}", first_line + offset)
            if not abs(float(word)) <= _LARGEST:
                raise MotionFileError(path, f"value {shown!r} is out of range (beyond ±{_LARGEST:g}: no body's "
                                            "position or angle)", first_line + offset)
        rows.append([float(word) for word in words])
        frame_lines.append(offset)
    rows = np.array(rows, np.float64).reshape(-1, channel_count)
    return rows[_kept_frames(first_frame + np.arange(len(rows)), step, phase)].T, np.array(frame_lines, np.int64)


# --- channels to joint motion and back ---------------------------------------------------------------------------

def _channel_columns(skeleton: Skeleton) -> list[dict[str, int]]:
    """For each joint, its channel names to their columns in a frame line."""
    columns, start = [], 0
    for channels in skeleton.channels:
        columns.append({name: start + k for k, name in enumerate(channels)})
        start += len(channels)
    return columns


def _joint_motion(skeleton: Skeleton, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotations (T, J, 4) as float32 quaternions and translations (T, K, 3) in file units from channel values
    (channels, T); joints without rotation channels get the identity, axes without a position channel the OFFSET."""
    joints, frames = skeleton.joint_count, values.shape[1]
    columns = _channel_columns(skeleton)
    axes = np.zeros((joints, 3), np.int64)
    angle_columns = np.zeros((3, joints), np.int64)
    present = np.zeros((3, joints, 1), np.float32)  # 1 for an axis with a channel, 0 for one added by _three_axes
    for j in range(joints):
        order, places = _three_axes(skeleton.rotation_order(j))
        axes[j] = ["XYZ".index(axis) for axis in order]
        for k in places:
            angle_columns[k, j], present[k, j] = columns[j][f"{order[k]}rotation"], 1.0
    rotations = np.empty((frames, joints, 4), np.float32)
    for start in range(0, frames, _SLICE):
        angles = values[angle_columns, start:start + _SLICE] * present
        rotations[start:start + _SLICE] = _euler_to_quaternions(angles, axes)
    translations = np.empty((frames, len(skeleton.translated), 3), np.float32)
    for k, j in enumerate(skeleton.translated):
        for a, axis in enumerate("XYZ"):
            column = columns[j].get(f"{axis}position")
            translations[:, k, a] = skeleton.offsets[j, a] if column is None else values[column]
    return rotations, translations


def _three_axes(order: str) -> tuple[str, tuple[int, ...]]:
    """A joint's rotation order completed to three axes, and the places of its own axes in it. A missing axis
    (angle 0) goes between two given ones, as Euler decomposition keeps the middle angle within ±90° and so gives
    back that 0 when writing: 'ZY' → 'ZXY'; 'Z' → 'ZXY'."""
    missing = "".join(axis for axis in "XYZ" if axis not in order)
    if len(order) == 2:
        return order[0] + missing + order[1], (0, 2)
    return order + missing, tuple(range(len(order)))


def _euler_to_quaternions(degrees: np.ndarray, axes: np.ndarray) -> np.ndarray:
    """Quaternions (T, J, 4) of intrinsic Euler angles (3, J, T) about each joint's three distinct ``axes`` (J, 3;
    0, 1, 2 for X, Y, Z): R = R1·R2·R3 expanded in closed form, in float32 (within 5e-7 rad of float64). scipy's
    ``Rotation.from_euler`` gives the same one joint at a time, twenty times slower."""
    half = degrees * np.float32(np.pi / 360)
    (s1, s2, s3), (c1, c2, c3) = np.sin(half), np.cos(half)
    # e_i e_j = +e_k for axes in cyclic order (XYZ, YZX, ZXY), -e_k otherwise
    sign = np.where((axes[:, 1] - axes[:, 0]) % 3 == 1, np.float32(1), np.float32(-1))[:, None]
    joints = np.arange(len(axes))
    quaternions = np.empty(degrees.shape[:0:-1] + (4,), np.float32)
    quaternions[:, joints, axes[:, 0]] = (s1 * c2 * c3 + sign * c1 * s2 * s3).T
    quaternions[:, joints, axes[:, 1]] = (c1 * s2 * c3 - sign * s1 * c2 * s3).T
    quaternions[:, joints, axes[:, 2]] = (c1 * c2 * s3 + sign * s1 * s2 * c3).T
    quaternions[..., 3] = (c1 * c2 * c3 - sign * s1 * s2 * s3).T
    return quaternions


def _check_writable(motion: Motion, path: Path, scale: float) -> None:
    skeleton = motion.skeleton
    frames = motion.frame_count
    problem = None
    if frames == 0:
        problem = "the motion has no frames"
    elif motion.rotations.shape != (frames, skeleton.joint_count, 4):
        problem = f"rotations of shape {motion.rotations.shape} do not fit {skeleton.joint_count} joints"
    elif motion.translations.shape != (frames, len(skeleton.translated), 3):
        problem = (f"translations of shape {motion.translations.shape} do not fit the "
                   f"{len(skeleton.translated)} joints with position channels")
    elif not (np.isfinite(motion.rotations).all() and np.isfinite(motion.translations).all()):
        problem = "the motion has NaN or infinite values"
    elif not (0 < motion.fps < np.inf and 0 < scale < np.inf):
        problem = f"frame rate {motion.fps} and scale {scale} must be positive"
    elif any(not name or re.search(r"[\s{}]", name) for name in skeleton.names):
        problem = "joint names must be non-empty, without whitespace or braces"
    elif any(name not in _CHANNELS.values() for channels in skeleton.channels for name in channels) or any(
            len(set(channels)) < len(channels) for channels in skeleton.channels):
        problem = f"channels must be distinct names among {', '.join(_CHANNELS.values())}"
    if problem:
        raise MotionFileError(path, f"cannot write: {problem}")


def _channel_values(motion: Motion, order: list[int], frames: slice, scale: float) -> np.ndarray:
    """Channel values (n, C) of a slice of frames, joints in ``order``, lengths divided by ``scale``."""
    from scipy.spatial.transform import Rotation  # only for writing: a tenth of a second of start-up to read

    skeleton = motion.skeleton
    rotations, translations = motion.rotations[frames].astype(np.float64), motion.translations[frames]
    columns = []
    for j in order:
        by_channel = {}
        if rotation_order := skeleton.rotation_order(j):
            axes, places = _three_axes(rotation_order)
            with warnings.catch_warnings():  # at gimbal lock scipy picks one of the equal solutions, and says so
                warnings.filterwarnings("ignore", "Gimbal lock")
                euler = Rotation.from_quat(rotations[:, j]).as_euler(axes, degrees=True)
            by_channel = {f"{axes[k]}rotation": euler[:, k] for k in places}
        if j in skeleton.translated:
            position = translations[:, skeleton.translated.index(j)] / scale
            by_channel.update({f"{axis}position": position[:, a] for a, axis in enumerate("XYZ")})
        columns.extend(by_channel[name] for name in skeleton.channels[j])
    return np.stack(columns, axis=1) if columns else np.empty((len(rotations), 0))


def _depth_first(skeleton: Skeleton) -> list[int]:
    order, stack = [], [j for j in range(skeleton.joint_count) if skeleton.parents[j] < 0][::-1]
    while stack:
        j = stack.pop()
        order.append(j)
        stack.extend(reversed(skeleton.children(j)))
    return order


def _hierarchy_text(skeleton: Skeleton, order: list[int], scale: float) -> str:
    lines = ["HIERARCHY"]
    depth = {-1: -1}
    still_open: list[int] = []  # joints whose '}' is due, innermost last

    def numbers(offset: np.ndarray) -> str:
        return " ".join(f"{value / scale:.6f}" for value in offset)

    for j in order:
        parent = int(skeleton.parents[j])
        while still_open and still_open[-1] != parent:
            lines.append("\t" * depth[still_open.pop()] + "}")
        depth[j] = depth[parent] + 1
        tab = "\t" * depth[j]
        lines += [f"{tab}{'ROOT' if parent < 0 else 'JOINT'} {skeleton.names[j]}", f"{tab}{{",
                  f"{tab}\tOFFSET {numbers(skeleton.offsets[j])}",
                  f"{tab}\tCHANNELS {len(skeleton.channels[j])} {' '.join(skeleton.channels[j])}".rstrip()]
        if j in skeleton.end_sites:
            lines += [f"{tab}\tEnd Site", f"{tab}\t{{", f"{tab}\t\tOFFSET {numbers(skeleton.end_sites[j])}",
                      f"{tab}\t}}"]
        still_open.append(j)
    lines += ["\t" * depth[j] + "}" for j in reversed(still_open)]
    return "\n".join(lines) + "\n"


# --- T-pose and units --------------------------------------------------------------------------------------------

def _converter_frames(skeleton: Skeleton, head: np.ndarray, fps: float) -> int:
    """How many leading frames a converter added rather than the capture, told from the file's first frames
    ``head`` (channels, frames), every one of them.

    Frame 0 is a T-pose when its root rotation channels are exactly 0 (as cgspeed writes them; a captured first
    frame practically never is, a decoded one facing front is) and it jumps into frame 1 as the motion itself never
    does (``TPOSE_JUMP``, ``TPOSE_TURN``). After
    a T-pose the converters blend into the motion, or repeat the pose, for a few frames: everything up to the last
    joint turn faster than ``BLEND_SPEED`` within the first ``BLEND_SECONDS`` goes too."""
    if head.shape[1] < 3:
        return 0
    root_columns = [k for k, name in enumerate(skeleton.channels[0]) if name.endswith("rotation")]
    if not root_columns or np.any(head[root_columns, 0] != 0):
        return 0  # (first: the speeds below are only worked out for a frame 0 that may be a T-pose)
    rotations, _ = _joint_motion(skeleton, head)
    # The largest joint turn between frames: 2·arccos of the smallest |q_t · q_t+1| over joints.
    closeness = np.abs(np.einsum("tjc,tjc->tj", rotations[1:], rotations[:-1])).min(axis=1)
    speeds = np.degrees(2 * np.arccos(np.minimum(closeness, 1.0))) * fps  # degrees per second
    if not (speeds[0] > TPOSE_JUMP * np.median(speeds[1:]) and speeds[0] >= TPOSE_TURN * fps):
        return 0
    blending = np.flatnonzero((speeds > BLEND_SPEED) & (np.arange(len(speeds)) < BLEND_SECONDS * fps))
    return int(blending[-1]) + 1 if blending.size else 1


def _upright_in_metres(skeleton: Skeleton, rotations: np.ndarray, translations: np.ndarray,
                       scale: float | None) -> tuple[np.ndarray, np.ndarray]:
    """A skeleton read in its file's axes and units turned y up (``_stands_along_z``) and into metres (``scale``, or
    the units its standing height says) in place, ``up`` and ``unit`` kept on it, with its motion's rotations and
    translations turned and scaled alike: the one way ``read_bvh`` and ``read_skeleton`` read a file's body."""
    if _stands_along_z(skeleton):
        skeleton.up = "z"
        rotations, translations = _turned(skeleton, rotations, translations, _Y_UP)
    factor = scale if scale is not None else _metres_per_unit(skeleton)
    skeleton.offsets = skeleton.offsets * factor
    skeleton.end_sites = {j: offset * factor for j, offset in skeleton.end_sites.items()}
    skeleton.unit = float(factor)
    return rotations, translations * np.float32(factor)


def _stands_along_z(skeleton: Skeleton) -> bool:
    """Whether the rest pose stands along z: its joints reach ``Z_UP_DEPTH`` times as far along z as along y."""
    rest = np.zeros((skeleton.joint_count, 3))
    for j, parent in enumerate(skeleton.parents):
        rest[j] = skeleton.offsets[j] + (rest[parent] if parent >= 0 else 0.0)
    extent = np.ptp(rest, axis=0)
    return bool(extent[2] > Z_UP_DEPTH * extent[1])


def _turned(skeleton: Skeleton, rotations: np.ndarray, translations: np.ndarray,
            turn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotations and translations in axes turned by ``turn`` (3, 3), the skeleton's offsets and end sites turned in
    place. Every joint's rest frame is the file's, so a local rotation turns as its axis does: a quaternion's
    vector part turns, its angle stays."""
    skeleton.offsets = skeleton.offsets @ turn.T
    skeleton.end_sites = {j: offset @ turn.T for j, offset in skeleton.end_sites.items()}
    turned = rotations.copy()
    turned[..., :3] = rotations[..., :3] @ turn.T.astype(rotations.dtype)
    return turned, (translations @ turn.T.astype(translations.dtype)).astype(translations.dtype)


def standing_height(skeleton: Skeleton) -> float:
    """Vertical extent (y up) of the rest pose, joints and end sites, as if standing straight: a bone that points
    down counts with its full length, for rest poses that splay the legs (the CMU figures', by 20°)."""
    carriers = list(skeleton.end_sites)
    offsets = np.concatenate([skeleton.offsets, np.reshape([skeleton.end_sites[j] for j in carriers], (-1, 3))])
    parents = np.concatenate([skeleton.parents, carriers]).astype(np.int64)  # end sites after every joint
    rises = np.where(offsets[:, 1] >= 0, offsets[:, 1], -np.linalg.norm(offsets, axis=1))
    heights = np.zeros(len(offsets))
    for j, parent in enumerate(parents):
        heights[j] = rises[j] + (heights[parent] if parent >= 0 else 0.0)
    return float(np.ptp(heights))


def _metres_per_unit(skeleton: Skeleton) -> float:
    height = standing_height(skeleton)
    for factor in UNITS.values():
        if HUMAN_HEIGHT[0] <= height * factor <= HUMAN_HEIGHT[1]:
            return factor
    return NORMAL_HEIGHT / height if 0 < height < np.inf else 1.0
