"""Microsoft LabanEditor JSON (LabanotationSuite): export a score's arms and head, import LabanEditor keyframes.

::

    {"<name>": {"Position0": {"start time": ["67"], "duration": ["1"], "head": ["Forward", "Normal"],
                              "right elbow": ["Place", "Low"], "right wrist": ["Forward", "Low"],
                              "left elbow": [...], "left wrist": [...], "rotation": ["ToLeft", "0"]},
                "Position1": {...}}}

LabanEditor JSON is a list of keyframes: each Position is the pose of five parts at a time in milliseconds.
"elbow" is the upper arm column (shoulder to elbow), "wrist" the forearm column (elbow to wrist), "head" the
head column; a pose is a direction (Forward, Right Forward, ... Place) and a level (High, Normal = middle, Low).

What it cannot carry, so what export leaves out (with a warning giving the count) and import cannot give back:
supports, leg gestures, the torso and the centre column (steps, jumps and flight, turns), turn and hold signs in
any column, beats, bars, tempo and meter (only milliseconds), and how long a movement takes apart from the
keyframes it runs between. "rotation" is a base rotation of LabanEditor's robot, not a Labanotation turn:
export writes LabanEditor's own ["ToLeft", "0"] and import ignores it (warning when it is not zero).

The head's conventions differ. LabanEditor writes ["Forward", "Normal"] for a neutral, upright head (its code
writes that constant: it never analyses the head), while in Labanotation, and in our scores and decoder, head
forward middle is a head bowed forward and the upright head is place high (``NATURAL_POSITION``). So in the head
column, and only there, the two are exchanged both ways: LabanEditor ["Forward", "Normal"] is our place high and
LabanEditor ["Place", "High"] our forward middle (``HEAD_SWAPPED``). A LabanEditor file then decodes with the
head up, our upright head is written the way LabanEditor writes it, and both round trips stay the identity.

Export writes a keyframe at the starting position (the time of beat 0) and at every start and end of an arm
or head direction symbol, each with the pose every part has reached by then (a part moving at that moment
still shows where it came from). A part the score never places starts in its natural position: arms hanging
(place low), head upright (our place high, LabanEditor's forward normal). "duration" is the time to the next
keyframe in ms (-1 on the last, as LabanEditor writes); the name is the score's title ("score" when it has none).

Import builds a score on a steady grid (``tempo``, default 120 bpm, ``beats_per_bar``, default 4) whose
beat 0 is Position0's time and whose title is the name. Position0 gives the starting position of all five
parts; each change of a part between consecutive keyframes becomes a direction symbol in its column spanning
those two keyframes. Keyframe times are rounded to 1/``subdivision`` of a beat (default 4, a sixteenth note
in 4/4; ``None`` keeps them exact); keyframes that then share a time merge, the later pose winning, with a
warning. A keyframe that changes nothing is dropped unless the next change starts from it, so exporting an
imported file gives back its keyframes except runs of identical poses (and an unchanged last pose).
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections import deque
from typing import Any, Callable, NoReturn

from ..errors import ScoreFileError
from ..score import NATURAL_POSITION, Column, Direction, Level, Score, Sign, Symbol
from ..timing import BeatGrid, quantise
from .json import MAX_BEATS, parse_json, uniform_times

PARTS = {"head": Column.HEAD, "right elbow": Column.UPPER_ARM_RIGHT, "right wrist": Column.FOREARM_RIGHT,
         "left elbow": Column.UPPER_ARM_LEFT, "left wrist": Column.FOREARM_LEFT}
DIRECTIONS = {Direction.FORWARD: "Forward", Direction.RIGHT_FORWARD: "Right Forward", Direction.RIGHT: "Right",
              Direction.RIGHT_BACKWARD: "Right Backward", Direction.BACKWARD: "Backward",
              Direction.LEFT_BACKWARD: "Left Backward", Direction.LEFT: "Left",
              Direction.LEFT_FORWARD: "Left Forward", Direction.PLACE: "Place"}
LEVELS = {Level.HIGH: "High", Level.MIDDLE: "Normal", Level.LOW: "Low"}
NATURAL = {c: NATURAL_POSITION[c] for c in PARTS.values()}
# Head poses whose meaning LabanEditor and Labanotation exchange (see the module docstring), in our terms.
HEAD_SWAPPED = {(Direction.PLACE, Level.HIGH): (Direction.FORWARD, Level.MIDDLE),
                (Direction.FORWARD, Level.MIDDLE): (Direction.PLACE, Level.HIGH)}

Pose = dict[Column, tuple[Direction, Level]]
_Fail = Callable[[str, str], NoReturn]  # fail(where, what) raises ScoreFileError
_POSITION = re.compile(r"Position(\d+)")
_FIELDS = ("start time", "duration", *PARTS, "rotation")


# Export

def dumps(score: Score) -> str:
    """LabanEditor JSON of the score's arm and head directions; warns with the count of symbols left out."""
    columns = set(PARTS.values())
    carried = [s for s in score.symbols if s.column in columns and s.sign is Sign.DIRECTION]
    starting = [s for s in score.starting_position if s.column in columns and s.sign is Sign.DIRECTION]
    total = len(score.symbols) + len(score.starting_position)
    if total > len(carried) + len(starting):
        warnings.warn(f"LabanEditor JSON carries only arm and head directions: "
                      f"{total - len(carried) - len(starting)} of {total} symbols left out", stacklevel=3)

    pose: Pose = NATURAL | {s.column: (s.direction, s.level) for s in starting}
    beats = sorted({0.0} | {s.start for s in carried} | {s.end for s in carried})
    arrivals = deque(sorted(carried, key=lambda s: (s.end, s.start)))
    milliseconds = [round(float(t) * 1000) for t in score.grid.beats_to_seconds(beats)]
    keyframes: list[tuple[int, Pose]] = []
    for beat, ms in zip(beats, milliseconds):
        while arrivals and arrivals[0].end <= beat:
            s = arrivals.popleft()
            pose = pose | {s.column: (s.direction, s.level)}
        if keyframes and keyframes[-1][0] == ms:  # closer than a millisecond: keep the later pose
            keyframes.pop()
        keyframes.append((ms, pose))

    positions = {}
    for i, (ms, pose) in enumerate(keyframes):
        duration = keyframes[i + 1][0] - ms if i + 1 < len(keyframes) else -1
        written = {c: _swapped(c, pose[c]) for c in PARTS.values()}
        positions[f"Position{i}"] = {"start time": [str(ms)], "duration": [str(duration)]} | {
            name: [DIRECTIONS[written[c][0]], LEVELS[written[c][1]]] for name, c in PARTS.items()
        } | {"rotation": ["ToLeft", "0"]}
    return json.dumps({score.title or "score": positions}, indent=2) + "\n"


# Import

def is_labaneditor(data: Any) -> bool:
    """Whether parsed JSON has LabanEditor's shape, ``{"<name>": {"Position0": ...}}``."""
    if not (isinstance(data, dict) and len(data) == 1):
        return False
    body = next(iter(data.values()))
    return isinstance(body, dict) and any(_POSITION.fullmatch(key) for key in body)


def loads(text: str, source: str = "<string>", *, tempo: float = 120.0, beats_per_bar: int = 4,
          subdivision: int | None = 4) -> Score:
    """Parse LabanEditor JSON text into a Score (see the module docstring for the grid it invents)."""
    return from_data(parse_json(text, source), source, tempo=tempo, beats_per_bar=beats_per_bar,
                     subdivision=subdivision)


def from_data(data: Any, source: str = "<string>", *, tempo: float = 120.0, beats_per_bar: int = 4,
              subdivision: int | None = 4) -> Score:
    """Validate parsed LabanEditor JSON and build the Score; every problem raises ScoreFileError."""
    def fail(where: str, what: str) -> NoReturn:
        raise ScoreFileError(f"{source}: {where}: {what}")

    if not (isinstance(tempo, (int, float)) and math.isfinite(tempo) and tempo > 0):
        fail("tempo", f"{tempo!r} is not a positive number of beats per minute")
    if not (isinstance(beats_per_bar, int) and beats_per_bar >= 1):
        fail("beats_per_bar", f"{beats_per_bar!r} is not a whole number of at least 1")
    if subdivision is not None and not (isinstance(subdivision, int) and subdivision >= 1):
        fail("subdivision", f"{subdivision!r} is not a whole number of at least 1 (or None)")
    if not (isinstance(data, dict) and len(data) == 1):
        fail("(top level)", 'expected one object {"<name>": {"Position0": {...}, ...}}')
    name, body = next(iter(data.items()))
    if not isinstance(body, dict) or not body:
        fail(name, "expected an object of Positions")
    numbered = {}
    for key in body:
        match = _POSITION.fullmatch(key)
        if not match:
            fail(f"{name}.{key}", "unknown field (expected Position0, Position1, ...)")
        numbered[int(match[1])] = key
    if 0 not in numbered:
        fail(name, "missing Position0, the starting position")

    keyframes: list[tuple[float, Pose]] = []
    rotated = 0
    for index in sorted(numbered):
        where = f"{name}.{numbered[index]}"
        ms, pose, rotation = _position(body[numbered[index]], where, fail)
        if keyframes and not ms > keyframes[-1][0]:
            fail(f"{where}.start time", f"{ms:g} ms is not after the position before it ({keyframes[-1][0]:g} ms)")
        keyframes.append((ms, pose))
        rotated += rotation != 0
    if rotated:
        warnings.warn(f"{source}: {rotated} LabanEditor positions have a non-zero rotation, which a score "
                      f"cannot carry; ignored", stacklevel=3)
    return _score(keyframes, name, tempo, beats_per_bar, subdivision, source, fail)


def _score(keyframes: list[tuple[float, Pose]], name: str, tempo: float, beats_per_bar: int,
           subdivision: int | None, source: str, fail: _Fail) -> Score:
    first = keyframes[0][0]
    beats = [(ms - first) / 1000 * tempo / 60 for ms, _ in keyframes]
    if subdivision is not None:
        beats = [float(b) for b in quantise(beats, subdivision)]
    merged: list[tuple[float, Pose]] = []
    for beat, (_, pose) in zip(beats, keyframes):
        if merged and merged[-1][0] == beat:
            merged.pop()
        merged.append((beat, pose))
    if len(merged) < len(keyframes):
        warnings.warn(f"{source}: {len(keyframes) - len(merged)} LabanEditor positions fell on the same "
                      f"1/{subdivision} beat as the one before and were merged into it", stacklevel=4)

    count = max(math.ceil(merged[-1][0]) + 1, 2)
    if count > MAX_BEATS:
        fail(name, f"the positions run to beat {count - 1}, beyond the {MAX_BEATS} beats a grid may have")
    grid = BeatGrid(uniform_times(tempo, count, first / 1000), beats_per_bar)
    starting = [Symbol(0.0, c, 0.0, Sign.DIRECTION, *merged[0][1][c]) for c in PARTS.values()]
    symbols = [Symbol(before, c, after - before, Sign.DIRECTION, *pose[c])
               for (before, previous), (after, pose) in zip(merged, merged[1:])
               for c in PARTS.values() if pose[c] != previous[c]]
    return Score(grid, symbols, starting, name)


def _position(data: Any, where: str, fail: _Fail) -> tuple[float, Pose, float]:
    """Start time in ms, the pose and the rotation in degrees of one Position."""
    if not isinstance(data, dict):
        fail(where, "expected an object with start time, head, elbows and wrists")
    for field in ("start time", *PARTS):
        if field not in data:
            fail(where, f"missing field {field!r}")
    for field in data:
        if field not in _FIELDS:
            fail(where, f"unknown field {field!r} (known: {', '.join(_FIELDS)})")
    ms = _number(_strings(data["start time"], 1, f"{where}.start time", fail)[0], f"{where}.start time", fail)
    if "duration" in data:  # a placeholder in LabanEditor: checked for shape, not used
        _number(_strings(data["duration"], 1, f"{where}.duration", fail)[0], f"{where}.duration", fail)
    rotation = 0.0
    if "rotation" in data:
        way, degrees = _strings(data["rotation"], 2, f"{where}.rotation", fail)
        if way not in ("ToLeft", "ToRight"):
            fail(f"{where}.rotation", f"{way!r} is not ToLeft or ToRight")
        rotation = _number(degrees, f"{where}.rotation", fail)
    pose = {}
    for field, column in PARTS.items():
        direction, level = _strings(data[field], 2, f"{where}.{field}", fail)
        pose[column] = _swapped(column, (_lookup(DIRECTIONS, direction, f"{where}.{field}", "direction", fail),
                                         _lookup(LEVELS, level, f"{where}.{field}", "level", fail)))
    return ms, pose, rotation


def _swapped(column: Column, pose: tuple[Direction, Level]) -> tuple[Direction, Level]:
    """A pose in LabanEditor's convention from ours, or ours from LabanEditor's: only the head's differ, and the
    exchange is its own inverse."""
    return HEAD_SWAPPED.get(pose, pose) if column is Column.HEAD else pose


def _strings(value: Any, count: int, where: str, fail: _Fail) -> list[str]:
    if not (isinstance(value, list) and len(value) == count and all(isinstance(v, str) for v in value)):
        fail(where, f"expected a list of {count} string{'s' * (count > 1)}, not {json.dumps(value)}")
    return value


def _number(text: str, where: str, fail: _Fail) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        fail(where, f"{text!r} is not a number")
    return value


def _lookup(names: dict, word: str, where: str, kind: str, fail: _Fail) -> Any:
    for value, name in names.items():
        if name == word:
            return value
    fail(where, f"{word!r} is not a LabanEditor {kind} ({', '.join(names.values())})")
