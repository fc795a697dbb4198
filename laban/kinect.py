"""Skeleton CSV, one line per frame, as Kinect recorders and people's own scripts write it.

Without a header row the count of values says the layout: a timestamp, then 25 joints (Kinect v2, in the order
Microsoft's LabanotationSuite records them, ``KINECT_V2_JOINTS``) or 20 (Kinect v1) × (x, y, z, tracking state),
a trailing separator allowed. The states may be left out (every joint tracked), and the timestamp too when the
frame rate is given. With a header row the columns are found by their names, in any order: a time column ('time',
'timestamp', with its unit where it says one: 'time_ms', 'Time (s)', 'timestamp_usec', 'ticks'), a frame column
(left aside), and for each joint its x, y, z and perhaps a state ('SpineBase_X', 'spine_base.x', 'HIP_LEFT_z',
'AnkleLeft_TrackingState', 'PELVIS_confidence'; a MediaPipe 'visibility' is left aside), of any layout
``laban.layouts`` knows (Kinect v1/v2, Azure Kinect, MediaPipe Pose, SMPL), all its joints or some. Joints may
also come one to a row (timestamp, joint, x, y, z[, state], a header naming them), a frame's rows together.

Values are separated by commas, semicolons (a decimal comma then reads as a point), tabs or spaces. Timestamps
are read in the layout's clock (Kinect v2: 100 ns ticks; v1: milliseconds; Azure Kinect: microseconds) unless the
header names their unit; where the clock gives no capture's frame rate but seconds or milliseconds do (one of the
two only), in that. A dropped frame does not shift the time after it: frames are resampled on the regular ticks.

Positions are a Kinect's camera space: y up, x to the sensor's left, z away from the sensor, so a performer facing
the sensor faces -z and their left is -x; in metres or millimetres, and y down as Azure Kinect and MediaPipe write
them, both read from the body (``laban.arrays.trajectories_from_positions``). Joint names are the performer's own
(ShoulderLeft is the performer's left shoulder). The floor is wherever the camera puts it; the tokenizer finds it,
and a camera tilted down (a tripod's 10-20°) is levelled by the floor the feet stand on.
Tracking states: 0 not tracked, 1 inferred, 2 tracked (Azure's confidence 3, high); a joint not tracked, or whose
cells are empty or NaN, is filled in between the frames where it is seen, for up to ``laban.arrays.MAX_GAP``.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np

from .arrays import MAX_GAP, skeleton_from_positions, trajectories_from_positions
from .bvh import check_frame_rate
from .errors import MotionFileError
from .layouts import KINECT_V1, KINECT_V2, LAYOUTS, Layout, key, layout_of
from .motion import Trajectories
from .skeleton import Skeleton

KINECT_V2_JOINTS: tuple[str, ...] = KINECT_V2.joints  # joint order in the file
KINECT_V2_HIERARCHY: tuple[tuple[str, str | None], ...] = KINECT_V2.hierarchy  # (joint, parent), parents first
HEADERLESS = (KINECT_V2, KINECT_V1)  # the layouts a file without a header may be in, told apart by its width
TICKS_PER_SECOND = KINECT_V2.clock
# How much of a CSV ``is_skeleton_csv`` reads: a header of 33 MediaPipe landmarks' x, y, z and visibility is 3 KB,
# with orientations an Azure Kinect's is 6 KB; a headerless Kinect v2 frame is 1 KB.
SNIFF_BYTES = 16_384

_NAMES = tuple(name for name, _ in KINECT_V2_HIERARCHY)
_PARENTS = np.array([-1 if parent is None else _NAMES.index(parent) for _, parent in KINECT_V2_HIERARCHY])
_COLUMNS = np.array([KINECT_V2_JOINTS.index(name) for name in _NAMES])  # file joint of each skeleton joint
_SEPARATORS = (";", "\t", ",")  # in the order they are looked for on the first line; none of them: spaces
# A time column's unit, from the words of its name, in units per second.
_CLOCKS = {"s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0, "ms": 1e3, "msec": 1e3, "millis": 1e3,
           "milliseconds": 1e3, "us": 1e6, "usec": 1e6, "microseconds": 1e6, "ticks": 1e7}
_CLOCK_NAMES = {1.0: "seconds", 1e3: "milliseconds", 1e6: "microseconds", 1e7: "100 ns ticks"}
# The frame rates of the cameras and captures whose timestamps are read in an unsaid unit (Azure Kinect 5-30 fps,
# Kinect 15-30, phone video 24-240, optical capture 60-240): narrow enough that at most one of the units ten or a
# thousand times apart gives one, so that microseconds are not read as ticks (300 fps for 30).
USUAL_RATES = (5.0, 250.0)
_TIME_WORDS = {"time", "timestamp", "timestamps", "times", "relativetime", "t"}
_FRAME_WORDS = {"frame", "frames", "frameid", "framenumber", "frameindex", "index", "idx"}
_JOINT_WORDS = {"joint", "jointname", "jointtype", "name", "bodypart", "landmark"}
_FIELD = re.compile(r"^(?P<joint>.*?)[\s_.:\-]*(?:(?P<kind>pos(?:ition)?|q|quat|quaternion|rot(?:ation)?|"
                    r"orientation|ori)[\s_.:\-]*)?"
                    r"(?P<field>x|y|z|w|state|trackingstate|tracking|confidence|conf|visibility|presence)$",
                    re.IGNORECASE)
# Tracking states written as words (Kinect SDK's TrackingState enumeration), read as its numbers.
_STATE_WORDS = re.compile(r"(?<![\w.])(not_?tracked|inferred|tracked)(?![\w.])", re.IGNORECASE)
_STATE_NUMBERS = {"nottracked": "0", "not_tracked": "0", "inferred": "1", "tracked": "2"}
_POSITION = {"x": 0, "y": 1, "z": 2}
_IGNORED_FIELDS = {"visibility", "presence"}


def kinect_v2_skeleton(positions: np.ndarray) -> Skeleton:
    """The Kinect v2 skeleton (joints in ``KINECT_V2_HIERARCHY`` order) with rest offsets from positions
    (T, 25, 3) in file order, body parts recognised."""
    return skeleton_from_positions(_NAMES, _PARENTS, positions[:, _COLUMNS])


def read_kinect_csv(path: str | Path, fps: float | None = None) -> Trajectories:
    """Trajectories from a skeleton CSV (the module's docstring says which), joints in skeleton order.

    ``fps`` is the capture's frame rate; by default it comes from the median interval between timestamps, and the
    frames are then resampled on those regular ticks so that a dropped frame does not shift the time after it.
    A given ``fps`` is refused outside ``laban.limits.FRAME_RATES``, as a BVH file's is, and reads the frames as
    they are.
    """
    path = Path(path)
    if fps is not None:
        check_frame_rate(path, fps, f"the frame rate given is {fps:g}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise MotionFileError(path, f"cannot read as text ({error})") from None
    rows = _rows(text)
    if not rows:
        raise MotionFileError(path, "empty file: no frames")
    separator = _separator(rows[0][1])
    header, first = None, rows[0][0]
    if not all(_is_number(cell) for cell in _cells(rows[0][1], separator)):
        header, rows = _cells(rows[0][1], separator), rows[1:]
        if not rows:
            raise MotionFileError(path, "a header row and no frames")
    if separator == ";":  # the spreadsheets that separate by semicolons write a decimal comma
        rows = [(n, row.replace(",", ".")) for n, row in rows]
    # A header's columns are found before its values are read: a CSV that is no capture (notes named on the command
    # line) is told that its header names no joints, not that its second line holds a date.
    joint_rows = header is not None and _joint_column(header) is not None
    columns = _Columns._named(path, header, first) if header is not None and not joint_rows else None
    if joint_rows:
        header, values, lines = _one_joint_a_row(path, header, rows, separator)
    else:
        values, lines = _table(path, header, rows, separator), [n for n, _ in rows]
    columns = columns or _Columns.of(path, header, values.shape[1], first)
    if np.isinf(values).any():
        row, column = np.argwhere(np.isinf(values))[0]
        raise MotionFileError(path, f"'{values[row, column]}' is not a finite number", line=lines[row])

    layout = columns.layout
    xyz = values[:, columns.xyz]  # (T, J, 3), NaN where a cell is empty
    state = values[:, columns.state] if columns.state is not None else np.full(xyz.shape[:2], layout.states[-1])
    if np.any(odd := ~(np.isin(state, layout.states) | np.isnan(state)).all(axis=1)):
        raise MotionFileError(path, f"tracking states must be {', '.join(map(str, layout.states[:-1]))} or "
                                    f"{layout.states[-1]}", line=lines[int(np.argmax(odd))])
    xyz[~(state > 0)] = np.nan
    try:
        names, parents, positions = layout.arranged(columns.names, xyz)
    except ValueError as error:
        raise MotionFileError(path, str(error), line=first) from None

    if columns.time is None:
        if fps is None:
            raise MotionFileError(path, "no timestamps (no time column): pass the frame rate (fps, --fps)")
        return trajectories_from_positions(path, names, parents, positions, fps)
    stamps = _elapsed(rows, columns.time, separator, values[:, columns.time])
    return timed(path, names, parents, positions, stamps, fps, lambda step: columns.clock or _clock(path, layout, step),
                 lines)


def timed(path: Path, names, parents: np.ndarray, positions: np.ndarray, stamps: np.ndarray, fps: float | None,
          clock, lines: list[int] | None = None) -> Trajectories:
    """Trajectories from positions (T, J, 3) stamped at ``stamps`` (since the first frame, in the recorder's
    units): a given ``fps`` reads the frames as they are; otherwise the rate is the median interval's, in
    ``clock(step)`` units per second, and the frames are resampled on those regular ticks, so that a dropped frame
    does not shift the time after it. ``lines`` (T,) are the frames' lines in the file, for errors."""
    where = (lambda k: lines[k]) if lines is not None else (lambda k: None)  # noqa: E731
    if np.any(back := ~(np.diff(stamps) > 0)):
        raise MotionFileError(path, "the timestamp is not later than the one before (timestamps must increase)",
                              line=where(int(np.argmax(back)) + 1))
    if fps is not None:
        return trajectories_from_positions(path, names, parents, positions, fps)
    if len(stamps) < 2:
        raise MotionFileError(path, "one frame gives no frame rate; pass fps")
    step = float(np.median(np.diff(stamps)))
    clock = clock(step)
    if np.any(gap := np.diff(stamps) > clock * MAX_GAP):
        raise MotionFileError(path, f"the timestamps jump by more than {MAX_GAP:g} s: frames are missing (pass "
                                    "fps to read the frames as they are)", line=where(int(np.argmax(gap)) + 1))
    fps = clock / step
    check_frame_rate(path, fps, f"the timestamps, {step / clock * 1000:g} ms apart, give {fps:g}")
    ticks = step * np.arange(int(np.floor(stamps[-1] / step + 0.5)) + 1)
    return trajectories_from_positions(path, names, parents, positions, fps, times=stamps / clock, at=ticks / clock)


class _Columns:
    """Where a file's values are: its layout, the joints' names as the file gives them, their x, y, z columns
    (J, 3), state columns (J,) or None, the time column or None and the time's units per second (None: unsaid)."""

    def __init__(self, layout: Layout, names: list[str], xyz: np.ndarray, state: np.ndarray | None,
                 time: int | None, clock: float | None) -> None:
        self.layout, self.names, self.xyz, self.state, self.time, self.clock = layout, names, xyz, state, time, clock

    @classmethod
    def of(cls, path: Path, header: list[str] | None, width: int, line: int) -> "_Columns":
        return cls._named(path, header, line) if header is not None else cls._counted(path, width, line)

    @classmethod
    def _counted(cls, path: Path, width: int, line: int) -> "_Columns":
        """A file without a header: a timestamp (or none), then each joint's x, y, z (and state), by its width."""
        for layout in HEADERLESS:
            count = len(layout.joints)
            for time in (True, False):
                for fields in (4, 3):
                    if width == time + count * fields:
                        first = np.arange(count) * fields + time
                        return cls(layout, list(layout.joints), first[:, None] + np.arange(3),
                                   first + 3 if fields == 4 else None, 0 if time else None, None)
        widths = ", ".join(f"{1 + 4 * len(lay.joints)} or {1 + 3 * len(lay.joints)} ({lay.name})" for lay in HEADERLESS)
        raise MotionFileError(path, f"expected a timestamp, then the joints' x, y, z, tracking state (or x, y, z): "
                                    f"{widths} values, or a header row naming the columns; found {width}", line=line)

    @classmethod
    def _named(cls, path: Path, header: list[str], line: int) -> "_Columns":
        """A file with a header: the columns by their names."""
        time = clock = None
        fields: dict[str, dict[str, int]] = {}  # joint (as written) → {x, y, z, state: column}
        for k, cell in enumerate(header):
            words = re.findall(r"[a-z]+", cell.lower())
            if time is None and (set(words) & _TIME_WORDS or key(cell) in ("ms", "us", "usec", "ticks")):
                time, clock = k, next((_CLOCKS[w] for w in words if w in _CLOCKS), None)
            elif key(cell) in _FRAME_WORDS or (words and words[0] == "frame"):
                continue
            elif match := _FIELD.match(cell.strip()):
                field = match["field"].lower()
                kind = (match["kind"] or "pos").lower()
                if field not in _IGNORED_FIELDS and match["joint"] and kind.startswith("pos") and field != "w":
                    fields.setdefault(match["joint"], {})["state" if field not in _POSITION else field] = k
        complete = {joint: f for joint, f in fields.items() if all(axis in f for axis in _POSITION)}
        if not complete:
            raise MotionFileError(path, "the header names no joint's x, y and z columns (as 'SpineBase_X', "
                                        "'spine_base.y', 'PELVIS_z')", line=line)
        names = list(complete)
        layout = layout_of(names)
        if layout is None:
            known = {key(j) for lay in LAYOUTS for j in lay.joints}
            unknown = [n for n in names if key(n) not in known] or names
            raise MotionFileError(path, f"joint(s) {', '.join(unknown[:6])} are of no layout known here (Kinect v1/v2, "
                                        "Azure Kinect, MediaPipe Pose, SMPL: laban.layouts), or of two", line=line)
        xyz = np.array([[complete[n][axis] for axis in _POSITION] for n in names])
        states = [complete[n].get("state") for n in names]
        if any(s is None for s in states):
            states = None
        return cls(layout, names, xyz, None if states is None else np.array(states), time, clock)


def is_skeleton_csv(path: str | Path) -> bool:
    """Whether a CSV is a capture this module reads, from its first ``SNIFF_BYTES`` (a take is megabytes, and a
    folder of them is asked about at each batch's start): a header naming the x, y, z columns of joints of a layout
    ``laban.layouts`` knows, or a joint column whose rows name such joints (one joint a row), or rows of numbers as
    wide as a headerless layout (``HEADERLESS``). A notes or descriptions CSV beside the takes, or a manifest, is
    not: read as a capture, it failed a whole batch. What it says yes to may still fail on reading (a row cut
    short, a joint lost too long), in one line that says where."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError:
        return False
    if len(head) == SNIFF_BYTES and b"\n" in head.rstrip(b"\r\n"):
        head = head[: head.rstrip(b"\r\n").rfind(b"\n")]  # a line cut short by the read is left out, but a header
    rows = _rows(head.decode("utf-8-sig", errors="replace"))
    if not rows:
        return False
    separator = _separator(rows[0][1])
    cells = _cells(rows[0][1], separator)
    try:
        if all(_is_number(cell) for cell in cells):
            _Columns._counted(path, len(cells), rows[0][0])
        elif (joint := _joint_column(cells)) is not None:
            _joint_rows(path, cells, rows[0][0])
            names = list(dict.fromkeys(c[joint] for _, row in rows[1:] if len(c := _cells(row, separator)) > joint))
            return not names or layout_of(names) is not None
        else:
            _Columns._named(path, cells, rows[0][0])
    except MotionFileError:
        return False
    return True


def _rows(text: str) -> list[tuple[int, str]]:
    """The lines that hold something, numbered from 1 and stripped, tracking states written as words read as their
    numbers."""
    if "acked" in (lowered := text.lower()) or "inferred" in lowered:  # a whole-text regex search costs more
        text = _STATE_WORDS.sub(lambda m: _STATE_NUMBERS[m[1].lower()], text)
    return [(n, row.strip()) for n, row in enumerate(text.splitlines(), 1) if row.strip()]


def _separator(row: str) -> str | None:
    """The first line's separator (None: spaces)."""
    return next((s for s in _SEPARATORS if s in row), None)


def _cells(row: str, separator: str | None) -> list[str]:
    cells = row.split(separator)
    if separator is not None and len(cells) > 1 and not cells[-1].strip():
        cells = cells[:-1]  # a trailing separator ends the line, it starts no value
    return [cell.strip() for cell in cells]


def _is_number(cell: str) -> bool:
    try:
        float(cell.replace(",", "."))
    except ValueError:
        return not cell  # an empty cell is a joint not seen, not a header
    return True


def _table(path: Path, header: list[str] | None, rows: list[tuple[int, str]], separator: str | None) -> np.ndarray:
    """The values (T, C), NaN for an empty cell; a row of another width or a cell that is no number is refused on
    its line. Parsed whole where it can be (a long take is megabytes); cell by cell only where cells are empty,
    and line by line on the error path."""
    width = len(header) if header is not None else len(_cells(rows[0][1], separator))
    body = "\n".join(row for _, row in rows)
    if separator is not None:  # a trailing separator ends the line, it starts no value (rows are stripped)
        body = body.replace(separator + "\n", "\n").removesuffix(separator)
    for attempt in range(2):
        if attempt:  # empty cells: a joint not seen
            body = "\n".join(",".join(cell or "nan" for cell in _cells(row, separator)) for _, row in rows)
        try:
            values = np.loadtxt(io.StringIO(body), delimiter="," if attempt else separator, comments=None, ndmin=2)
        except ValueError:
            continue
        if values.shape[1] == width:
            return values
    said = {None: "space-separated", ",": "comma-separated", ";": "semicolon-separated", "\t": "tab-separated"}
    for n, row in rows:
        cells = _cells(row, separator)
        if len(cells) != width:
            if header is None and width == 1 + 4 * len(KINECT_V2.joints):
                raise MotionFileError(path, f"expected {width} {said[separator]} values (a timestamp, then 25 joints "
                                            f"× x, y, z, tracking state), found {len(cells)}", line=n)
            raise MotionFileError(path, f"expected {width} {said[separator]} values "
                                        f"({'as the header names' if header else 'as the first line'}), found "
                                        f"{len(cells)}", line=n)
        for cell in cells:
            if not _is_number(cell):
                raise MotionFileError(path, f"'{cell}' is not a number", line=n)
    raise MotionFileError(path, "not a skeleton CSV")


def _joint_column(header: list[str]) -> int | None:
    """The column that names the joint when joints come one to a row."""
    return next((k for k, cell in enumerate(header) if key(cell) in _JOINT_WORDS), None)


def _one_joint_a_row(path: Path, header: list[str], rows: list[tuple[int, str]],
                     separator: str | None) -> tuple[list[str], np.ndarray, list[int]]:
    """Rows of one joint each (time, joint, x, y, z[, state]) as rows of one frame each: the header and values a
    frame-per-row file would have, and each frame's first line. A frame is the rows of one time (or frame)."""
    joint = _joint_column(header)
    when, fields = _joint_rows(path, header, rows[0][0] - 1)
    cells = [_cells(row, separator) for _, row in rows]
    if any(len(c) != len(header) for c in cells):
        n = next(rows[i][0] for i, c in enumerate(cells) if len(c) != len(header))
        raise MotionFileError(path, f"expected {len(header)} values as the header names", line=n)
    names = list(dict.fromkeys(c[joint] for c in cells))
    frames = list(dict.fromkeys(c[when] for c in cells))
    kept = [k for k, f in fields.items() if f in ("x", "y", "z", "state", "trackingstate", "confidence")]
    values = np.full((len(frames), len(names), len(kept)), np.nan)
    frame_of = {f: i for i, f in enumerate(frames)}
    first_line = {}
    for (n, _), c in zip(rows, cells):
        i = frame_of[c[when]]
        first_line.setdefault(i, n)
        try:
            values[i, names.index(c[joint])] = [float(c[k]) if c[k] else np.nan for k in kept]
        except ValueError:
            raise MotionFileError(path, "a value is not a number", line=n) from None
    wide = [header[when]] + [f"{name}_{fields[k]}" for name in names for k in kept]
    try:
        stamps = np.array(frames, dtype=np.int64)  # exact, as _elapsed reads them
        stamps = (stamps - stamps[0]).astype(np.float64)
    except (ValueError, OverflowError):
        try:
            stamps = np.array([float(f) for f in frames])
        except ValueError:
            raise MotionFileError(path, f"the {header[when]} '{next(f for f in frames if not _is_number(f))}' is not "
                                        f"a number") from None
    table = np.concatenate([stamps[:, None], values.reshape(len(frames), -1)], axis=1)
    return wide, table, [first_line[i] for i in range(len(frames))]


def _joint_rows(path: Path, header: list[str], line: int) -> tuple[int, dict[int, str]]:
    """Where one joint a row keeps its time (or frame), and each column's field ('x', 'state', 'joint', ...)."""
    fields = {k: (m["field"].lower() if (m := _FIELD.match(cell)) else key(cell)) for k, cell in enumerate(header)}
    when = next((k for k, cell in enumerate(header) if set(re.findall(r"[a-z]+", cell.lower())) & _TIME_WORDS),
                next((k for k, f in fields.items() if f in _FRAME_WORDS), None))
    if when is None or not {"x", "y", "z"} <= set(fields.values()):
        raise MotionFileError(path, "one joint a row needs a time (or frame) column and x, y, z columns", line=line)
    return when, fields


def _elapsed(rows: list[tuple[int, str]], column: int, separator: str | None, parsed: np.ndarray) -> np.ndarray:
    """Timestamps since the first frame, in the file's units. Read as integers where they are, since a Kinect
    clock reading (about 1.3e17 ticks since 1601) has no exact float64 and its rounding would jitter the frame
    intervals."""
    if len(rows) == len(parsed) and np.all(parsed == np.round(parsed)):
        whole = [_cells(row, separator)[column] for _, row in rows] if column else \
            [re.match(r"[^,;\s]*", row)[0] for _, row in rows]
        if all(re.fullmatch(r"-?\d{1,18}", cell) for cell in whole):
            stamps = np.array(whole, dtype=np.int64)
            return (stamps - stamps[0]).astype(np.float64)
    return parsed - parsed[0]


def _clock(path: Path, layout: Layout, step: float) -> float:
    """Timestamp units per second: the layout's clock where it gives a usual frame rate (``USUAL_RATES``), else
    the one unit of seconds, milliseconds, microseconds and 100 ns ticks that does (a script's own timestamps)."""
    fits = [clock for clock in (layout.clock, 1.0, 1e3, 1e6, 1e7) if USUAL_RATES[0] <= clock / step <= USUAL_RATES[1]]
    if fits and (fits[0] == layout.clock or len(set(fits)) == 1):
        return fits[0]
    low, high = USUAL_RATES
    said = "gives none" if not fits else f"gives one in {' and in '.join(_CLOCK_NAMES[c] for c in sorted(set(fits)))}"
    raise MotionFileError(path, f"the timestamps are {step:g} apart, which {said} of the frame rates a camera or "
                                f"a capture runs at ({low:g} to {high:g} per second) in seconds, milliseconds, "
                                f"microseconds or 100 ns ticks: name the unit in a header (time_ms, time_s) or "
                                f"pass fps")
