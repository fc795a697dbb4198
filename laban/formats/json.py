"""Native JSON: the lossless, versioned file form of a ``Score``.

::

    {"format": "motiongpt-score", "version": 1, "title": "...",
     "grid": {"tempo": 120.0, "beats": 64, "offset": 0.0, "beats_per_bar": 4, "downbeat": 0},
     "starting_position": [{"column": "head", "start": 0.0, "duration": 0.0, "sign": "direction",
                            "direction": "forward", "level": "middle"}],
     "symbols": [{"column": "centre", "start": 2.5, "duration": 1.0, "sign": "turn", "turn": -0.25}, ...]}

Floats are written with ``repr``, so a score loads back equal to the one saved. A steady grid is stored as
tempo, beat count and offset (beat ``i`` at ``offset + (60 / tempo) * i``, the formula of
``BeatGrid.uniform``) only when that rebuilds every beat time bit for bit; otherwise as ``"times"``.
``direction``, ``level`` and ``turn`` are left out when they are null. ``title`` and ``starting_position``
may be left out; every other field is required and unknown fields are refused, so a typo cannot pass silently.
Symbols that overlap in a column are refused as in the text form (``laban.score.overlapping``).
"""

from __future__ import annotations

import json
import math
import re
from enum import Enum
from typing import Any, Callable, NoReturn, TypeVar

from ..errors import ScoreFileError
from ..score import Column, Direction, Level, Score, Sign, Symbol, overlapping
from ..limits import MAX_BEATS_PER_BAR
from ..timing import BeatGrid, spacing_problem, tempo_problem

FORMAT = "motiongpt-score"
VERSION = 1
MAX_BEATS = 1_000_000  # a bound on a compact grid's beat count, so a typo cannot exhaust memory

# "contraction" and "space" (Labanotation's modifiers, ``laban.score.Symbol``) are written only where a symbol has
# them, so a score without them is the same file as before they existed, and such files read unchanged.
_SYMBOL_FIELDS = ("column", "start", "duration", "sign", "direction", "level", "turn", "contraction", "space")
_E = TypeVar("_E", bound=Enum)
_Fail = Callable[[str, str], NoReturn]  # fail(where, what) raises ScoreFileError


def dumps(score: Score) -> str:
    """The score as native JSON text: one line per symbol, so diffs stay readable."""
    data = to_data(score)
    head = [f"  {json.dumps(key)}: {json.dumps(data[key], ensure_ascii=False)}"
            for key in ("format", "version", "title", "grid")]
    lists = [f"  {json.dumps(key)}: " + _list_lines(data[key]) for key in ("starting_position", "symbols")]
    return "{\n" + ",\n".join(head + lists) + "\n}\n"


def _list_lines(items: list[dict]) -> str:
    if not items:
        return "[]"
    return "[\n" + ",\n".join("    " + json.dumps(item) for item in items) + "\n  ]"


def to_data(score: Score) -> dict[str, Any]:
    """The score as plain JSON data (dicts, lists, strings and numbers)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": score.title,
        "grid": _grid_data(score.grid),
        "starting_position": [_symbol_data(s) for s in score.starting_position],
        "symbols": [_symbol_data(s) for s in score.symbols],
    }


def _grid_data(grid: BeatGrid) -> dict[str, Any]:
    tempo = uniform_tempo(grid)
    if tempo is None:
        data: dict[str, Any] = {"times": list(grid.times)}
    else:
        data = {"tempo": tempo, "beats": grid.beat_count, "offset": grid.times[0]}
    return data | {"beats_per_bar": grid.beats_per_bar, "downbeat": grid.downbeat}


def _symbol_data(symbol: Symbol) -> dict[str, Any]:
    values = {name: getattr(symbol, name) for name in _SYMBOL_FIELDS}
    return {name: v.value if isinstance(v, Enum) else v for name, v in values.items() if v is not None}


def uniform_times(tempo: float, beats: int, offset: float) -> tuple[float, ...]:
    """Beat times of a steady tempo, computed exactly as ``BeatGrid.uniform`` does."""
    period = 60.0 / tempo
    return tuple(offset + period * i for i in range(beats))


def uniform_tempo(grid: BeatGrid) -> float | None:
    """The tempo whose ``uniform_times`` rebuild ``grid.times`` bit for bit, or ``None`` if there is none.

    A short decimal (six places) is tried first, so a grid made from 112.5 bpm is stored as 112.5.
    """
    times = grid.times
    raw = 60.0 / (times[1] - times[0])
    for tempo in (round(raw, 6), raw):
        if tempo > 0 and uniform_times(tempo, len(times), times[0]) == times:  # a tempo under 5e-7 rounds to 0
            return tempo
    return None


def parse_json(text: str, source: str) -> Any:
    """JSON text to data; bad JSON, NaN and Infinity raise ScoreFileError with the line and column."""
    def refuse_constant(name: str) -> NoReturn:
        raise ScoreFileError(f"{source}: {name} is not a number JSON allows")

    try:
        return json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as e:
        raise ScoreFileError(f"{source}:{e.lineno}:{e.colno}: not valid JSON: {e.msg}") from None
    except RecursionError:
        raise ScoreFileError(f"{source}: JSON nested too deeply") from None


def loads(text: str, source: str = "<string>") -> Score:
    """Parse and validate native JSON text; ``source`` names the file in error messages."""
    return from_data(parse_json(text, source), source)


def from_data(data: Any, source: str = "<string>") -> Score:
    """Validate parsed native JSON and build the Score; every problem raises ScoreFileError."""
    def fail(where: str, what: str) -> NoReturn:  # a value too long to be meant (a 401-digit number) cut short
        what = re.sub(r"\S{101,}", lambda m: f"{m.group(0)[:20]}... ({len(m.group(0))} characters)", what)
        raise ScoreFileError(f"{source}: {where}: {what}")

    top = _fields(data, "(top level)", fail, required=("format", "version", "grid", "symbols"),
                  optional=("title", "starting_position"))
    if top["format"] != FORMAT:
        fail("format", f"{top['format']!r} is not {FORMAT!r}")
    version = top["version"]
    if not _is_int(version):
        fail("version", f"{version!r} is not a whole number")
    if version != VERSION:
        fail("version", f"version {version} is not one this reader knows (it reads version {VERSION})")
    title = top.get("title", "")
    if not isinstance(title, str):
        fail("title", f"{title!r} is not a string")
    grid = _grid(top["grid"], fail)
    starting = _symbols(top.get("starting_position", []), "starting_position", fail)
    symbols = _symbols(top["symbols"], "symbols", fail)
    pair = overlapping(symbols)
    if pair is not None:
        (i, a), (j, b) = ((k, symbols[k]) for k in pair)
        fail(f"symbols[{j}]", f"{b.column.value} {says(b)} (beats {b.start:g} to {b.end:g}) overlaps symbols[{i}], "
                              f"{says(a)} (beats {a.start:g} to {a.end:g}): a column holds one symbol at a time")
    return Score(grid, symbols, starting, title)


def says(symbol: Symbol) -> str:
    """What a symbol says, in the words of the file formats: 'left middle', 'turn -0.25', 'hold', 'flight'."""
    if symbol.sign is Sign.DIRECTION:
        return f"{symbol.direction.value} {symbol.level.value}"
    return f"turn {symbol.turn:+g}" if symbol.sign is Sign.TURN else symbol.sign.value


def _grid(data: Any, fail: _Fail) -> BeatGrid:
    if isinstance(data, dict) and "times" not in data and "tempo" in data:
        fields = _fields(data, "grid", fail, required=("tempo", "beats"),
                         optional=("offset", "beats_per_bar", "downbeat"))
        tempo = _number(fields["tempo"], "grid.tempo", fail)
        if problem := tempo_problem(tempo):  # the tempi --bpm takes
            fail("grid.tempo", problem)
        beats = fields["beats"]
        if not _is_int(beats) or not 2 <= beats <= MAX_BEATS:
            fail("grid.beats", f"{beats!r} is not a whole number of beats from 2 to {MAX_BEATS}")
        times = uniform_times(tempo, beats, _number(fields.get("offset", 0.0), "grid.offset", fail))
    else:
        fields = _fields(data, "grid", fail, required=("times",), optional=("beats_per_bar", "downbeat"))
        times = fields["times"]
        if not isinstance(times, list) or len(times) < 2:
            fail("grid.times", "expected a list of at least two beat times in seconds")
        times = [_number(t, f"grid.times[{i}]", fail) for i, t in enumerate(times)]
        for i in range(1, len(times)):  # spaced as in a beats file: the tempi --bpm takes
            if problem := spacing_problem(times[i - 1], times[i]):
                fail(f"grid.times[{i}]", problem)
    per_bar, downbeat = fields.get("beats_per_bar", 4), fields.get("downbeat", 0)
    if not _is_int(per_bar) or not 1 <= per_bar <= MAX_BEATS_PER_BAR:  # as the text form's meter and --meter
        fail("grid.beats_per_bar", f"{per_bar!r} is not a whole number from 1 to {MAX_BEATS_PER_BAR}")
    if not _is_int(downbeat) or not 0 <= downbeat < per_bar:
        fail("grid.downbeat", f"{downbeat!r} is not a beat index in the first bar (0 to {per_bar - 1})")
    try:
        return BeatGrid(tuple(times), per_bar, downbeat)
    except ValueError as e:  # e.g. a steady grid whose offset is so large that beats coincide
        fail("grid", str(e))


def _symbols(data: Any, where: str, fail: _Fail) -> list[Symbol]:
    if not isinstance(data, list):
        fail(where, "expected a list of symbols")
    return [_symbol(item, f"{where}[{i}]", fail) for i, item in enumerate(data)]


def _symbol(data: Any, where: str, fail: _Fail) -> Symbol:
    fields = _fields(data, where, fail, required=("column", "start", "duration", "sign"),
                     optional=("direction", "level", "turn", "contraction", "space"))
    start = _number(fields["start"], f"{where}.start", fail)
    duration = _number(fields["duration"], f"{where}.duration", fail)
    for name, value in (("start", start), ("duration", duration)):
        if value < 0:
            fail(f"{where}.{name}", f"{value} is negative")
    if start + duration > MAX_BEATS:
        fail(where, f"it ends at beat {start + duration:g}, beyond the {MAX_BEATS} beats a grid may have")
    turn = fields.get("turn")
    modifiers = {}
    for name in ("contraction", "space"):
        if name in fields:
            if not _is_int(fields[name]):
                fail(f"{where}.{name}", f"{fields[name]!r} is not a whole number")
            modifiers[name] = fields[name]
    # read outside the try: their one-line errors are not to be wrapped again
    column, sign = _enum(Column, fields["column"], f"{where}.column", fail), _enum(Sign, fields["sign"],
                                                                                   f"{where}.sign", fail)
    direction = _enum(Direction, fields.get("direction"), f"{where}.direction", fail)
    level = _enum(Level, fields.get("level"), f"{where}.level", fail)
    turn = None if turn is None else _number(turn, f"{where}.turn", fail)
    try:
        return Symbol(start, column, duration, sign, direction, level, turn, **modifiers)
    except ValueError as e:  # the rules Symbol itself checks, e.g. flight outside the centre column
        fail(where, str(e))


def _fields(data: Any, where: str, fail: _Fail, required: tuple[str, ...], optional: tuple[str, ...]) -> dict:
    if not isinstance(data, dict):
        fail(where, f"expected an object with {', '.join(required)}")
    for name in required:
        if name not in data:
            fail(where, f"missing field {name!r}")
    for name in data:
        if name not in required + optional:
            fail(where, f"unknown field {name!r} (known: {', '.join(required + optional)})")
    return data


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any, where: str, fail: _Fail) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail(where, f"{value!r} is not a number")
    try:
        number = float(value)
    except OverflowError:  # a JSON integer too large for a float
        number = math.inf
    if not math.isfinite(number):
        fail(where, f"{value!r} is not a finite number")
    return number


def _enum(kind: type[_E], value: Any, where: str, fail: _Fail) -> _E | None:
    if value is None:
        return None
    if isinstance(value, str) and value in kind._value2member_map_:
        return kind(value)
    fail(where, f"{value!r} is not a {kind.__name__.lower()} ({', '.join(m.value for m in kind)})")
