"""The text form: a score a choreographer can read and edit by hand, which parses back to an equal ``Score``.

::

    # motiongpt score, text form v1
    title: 05_02 dance - expressive arms, pirouette
    tempo: 112.5
    beats: 64
    meter: 4/4
    upbeat: 1

    start
      support-left     place middle
      upper-arm-left   place low

    bar 0
      4       head             hold             1
    bar 1
      1       support-left     forward middle   1
      2.5     support-right    turn +1/2        1
      3       centre           flight           0.5
      3+1/3   upper-arm-right  right high       2/3

Lines are read one at a time; blank lines and everything after ``#`` are ignored (except on the title line).
Words are case-insensitive and indentation is free, except where noted.

Header, first, each key at most once:

- ``title: <text>``: the rest of the line, ``#`` included. A title with line breaks, or leading or trailing
  spaces, or a leading ``"``, is written as a JSON string: ``title: "  spaced  "``.
- ``tempo: <bpm>``: a steady grid, beat *i* at ``first beat + i * 60 / tempo`` seconds, with
  ``beats: <count>`` (default: enough beats for the last symbol to end) and ``first beat: <seconds>``
  (default 0). Or, instead of these three, ``beat times: <seconds> <seconds> ...``: every beat's time,
  strictly increasing, continued on as many indented lines as needed.
- A grid may end before its symbols do: a take danced on past the end of the music it was tokenized on is
  written so (``beats:`` or ``beat times:`` the music's). The file is read as written; past the grid's last beat
  the symbols keep its last beat interval (``laban.timing``), and a warning names the header's line, the grid's
  last beat and the symbol that ends after it, so that a count an edit left behind does not pass silently.
- ``meter: 3/4``: beats per bar, the same in every bar (the lower number is read but not kept: a beat is what the
  grid says). A ``meter:`` or ``tempo:`` line among the bars, a change meant there, is refused saying so.
- ``upbeat: <beats>``: beats before bar 1 (default 0); they form bar 0.

``start`` then opens the starting position: one ``<column> <what>`` per line. ``bar <n>`` opens bar *n*
(in increasing order; bar 0 is the upbeat; one that leaves more empty bars before it than a dance rests is read
as written, with a warning naming its line: 'bar 99999' for 'bar 9'): one ``<beat> <column> <what> <duration>``
per line, where

- ``<beat>`` is where the symbol starts within the bar, from 1 (the bar's first beat) up to but not including
  one more than the meter: ``1``, ``2.5``, ``3.25``, ``2+1/3`` (beat 2 and a third);
- ``<duration>`` is its length in beats: ``1``, ``0.5``, ``1/3``, ``1+1/2``;
- ``<column>`` is a column's name: centre, support-left, support-right, leg-left, leg-right, torso,
  upper-arm-left, upper-arm-right, forearm-left, forearm-right, head;
- ``<what>`` is ``<direction> <level>`` (``forward middle``, ``left-forward high``, ``place low``),
  ``turn <amount>`` in whole turns, clockwise (to the right) positive, no sign meaning clockwise
  (``+1/2``, ``-1/4``, ``+1 1/4``, ``-0.125``), ``hold``, or ``flight`` (centre column only); then, where the
  notation has them, its modifiers (``laban.score.Symbol``): ``contraction <1-6>`` on a leg gesture or a forearm
  (the knee or elbow bent, e.g. ``forward middle contraction 3``), and ``small`` or ``large`` (with a count of
  signs, 2 or 3, for more: ``large 2``) beside a step or a flight (its length or height). A symbol without them
  is a straight limb, a normal step or jump.

A column holds one symbol at a time: its symbols may touch (one ends on the beat where the next starts) but
not overlap, except a turn beside a flight in the centre column (a turn in the air) and zero-length symbols at
one beat (restatements). An overlap is refused, naming the lines of both symbols (``laban.score.overlapping``).

Short words: ``L``, ``R``, ``F``, ``B`` stand for left, right, forward, backward inside any name
(``support-L``, ``upper-arm-R``, ``L-F high``); ``center`` for centre; ``mid`` and ``normal`` for middle.

Numbers are whole numbers, decimals (``1e-3`` too), fractions ``n/d`` and mixed numbers ``w+n/d``, all read
exactly and rounded to a float once, so the writer can give each start and duration in a short form (``2+1/3``,
``0.1``) or, when nothing short rounds to the very same float, in full (``1.0000000000000002``). A number is
written in at most 100 characters and within a float's range: a longer one is a key held down, refused on its line.
The writer aligns the columns, writes the canonical names, and stores a grid that is not exactly steady as beat
times.

"""

from __future__ import annotations

import json
import math
import re
import sys
import warnings
from enum import Enum
from fractions import Fraction
from functools import lru_cache
from typing import Callable, NoReturn, TypeVar

from ..errors import ScoreFileError
from ..score import Column, Direction, Level, Score, Sign, Symbol, overlapping
from ..limits import MAX_BEATS_PER_BAR
from ..timing import BeatGrid, spacing_problem, tempo_problem
from .json import MAX_BEATS, uniform_tempo, uniform_times

HEADER_KEYS = ("title", "tempo", "beats", "first beat", "beat times", "meter", "upbeat")
_MAX_DENOMINATOR = 96  # the finest subdivision written as a fraction: 1/96 of a beat
_LONGEST_NUMBER = 100  # characters: no beat, count or tempo needs more, and int() refuses past 4300 digits
_FLOAT_MAX = Fraction(sys.float_info.max)
_LONGEST_REST = 32  # empty bars one bar heading may leave after another unremarked (the tokenizer's rests are 1)
_TIMES_PER_LINE = 8
_TITLE = re.compile(r"\s*title\s*:(.*)", re.IGNORECASE)
_NUMBER = re.compile(r"([+-]?)(?:(\d+)\+)?(\d+)/(\d+)|([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?)")
_ALIASES = {"l": "left", "r": "right", "f": "forward", "b": "backward", "center": "centre",
            "mid": "middle", "normal": "middle"}
_E = TypeVar("_E", bound=Enum)
_Fail = Callable[[int, str], NoReturn]  # fail(line, what) raises ScoreFileError; line 0 = the whole header


# Writing

def dumps(score: Score) -> str:
    """The score in the text form."""
    bars: dict[int, list[tuple[str, str, str, str]]] = {}
    for s in score.symbols:
        bar, position = _bar_position(s.start, score.grid)
        bars.setdefault(bar, []).append((position, s.column.value, _what_text(s), _length_text(float(s.duration))))
    rows = [row for rows in bars.values() for row in rows]
    wide = [max((len(row[i]) for row in rows), default=0) for i in range(3)]
    wide[1] = max([wide[1]] + [len(s.column.value) for s in score.starting_position])

    lines = _header_lines(score)
    if score.starting_position:
        lines += ["", "start"]
        lines += [f"  {s.column.value:<{wide[1]}}  {_what_text(s)}" for s in score.starting_position]
    for bar, rows in bars.items():
        lines += ["", f"bar {bar}"]
        lines += [f"  {p:<{wide[0]}}  {c:<{wide[1]}}  {w:<{wide[2]}}  {d}" for p, c, w, d in rows]
    return "\n".join(lines) + "\n"


def _header_lines(score: Score) -> list[str]:
    grid = score.grid
    lines = ["# motiongpt score, text form v1"]
    if score.title:
        lines.append(f"title: {_title_text(score.title)}")
    tempo = uniform_tempo(grid)
    if tempo is None:
        lines.append("beat times:")
        lines += ["  " + " ".join(map(repr, grid.times[i:i + _TIMES_PER_LINE]))
                  for i in range(0, grid.beat_count, _TIMES_PER_LINE)]
    else:
        lines += [f"tempo: {tempo!r}", f"beats: {grid.beat_count}"]
        if grid.times[0]:
            lines.append(f"first beat: {grid.times[0]!r}")
    lines.append(f"meter: {grid.beats_per_bar}/4")
    if grid.downbeat:
        lines.append(f"upbeat: {grid.downbeat}")
    return lines


def _title_text(title: str) -> str:
    plain = title == title.strip() and title.isprintable() and not title.startswith('"')
    return title if plain else json.dumps(title, ensure_ascii=False)


def _bar_position(start: float, grid: BeatGrid) -> tuple[int, str]:
    """Bar number and the beat within it, worked out exactly so that the parser lands on ``start`` again."""
    return _bar_and_beat(float(start), grid.beats_per_bar, grid.downbeat)


# Scores repeat a few hundred start and length values (quantised beats): each is worked out in fractions once.
@lru_cache(maxsize=4096)
def _bar_and_beat(start: float, beats_per_bar: int, downbeat: int) -> tuple[int, str]:
    bar = int((Fraction(start) - downbeat) // beats_per_bar) + 1
    return bar, _beats_text(_exact(start, _bar_shift(bar, beats_per_bar, downbeat)))


@lru_cache(maxsize=4096)
def _length_text(duration: float) -> str:
    return _beats_text(_exact(duration))


def _bar_shift(bar: int, beats_per_bar: int, downbeat: int) -> int:
    """What to add to a beat-in-bar (1-based) to get the absolute beat (0-based from the grid's first beat)."""
    return downbeat + (bar - 1) * beats_per_bar - 1


def _exact(value: float, shift: int = 0) -> Fraction:
    """A short number ``p`` with ``float(shift + p) == value``: a fraction of small denominator if one rounds to
    ``value``, else ``repr(value)``'s decimal."""
    short = Fraction(value).limit_denominator(_MAX_DENOMINATOR)
    return (short if float(short) == value else Fraction(repr(value))) - shift


def _decimal(value: Fraction) -> str | None:
    """The exact decimal of a non-negative fraction whose denominator divides a power of ten, else None."""
    rest, twos, fives = value.denominator, 0, 0
    while rest % 2 == 0:
        rest, twos = rest // 2, twos + 1
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    if rest != 1:
        return None
    places = max(twos, fives)
    digits = str(value.numerator * 10 ** places // value.denominator).rjust(places + 1, "0")
    return digits[:len(digits) - places] + ("." + digits[len(digits) - places:] if places else "")


def _beats_text(value: Fraction) -> str:
    whole, part = divmod(value.numerator, value.denominator)
    mixed = f"{whole}+{part}/{value.denominator}" if whole else f"{part}/{value.denominator}"
    return _decimal(value) or mixed


def _what_text(symbol: Symbol) -> str:
    if symbol.sign is Sign.DIRECTION:
        text = f"{symbol.direction.value} {symbol.level.value}"
    elif symbol.sign is Sign.TURN:
        text = f"turn {_turn_text(symbol.turn)}"
    else:
        text = symbol.sign.value
    if symbol.contraction is not None:
        text += f" contraction {symbol.contraction}"
    if symbol.space is not None:
        text += (" small" if symbol.space < 0 else " large") + (f" {abs(symbol.space)}" if abs(symbol.space) > 1
                                                                else "")
    return text


_MODIFIERS = ("contraction", "small", "large")


def _modifiers(what: list[str], number: int, fail: _Fail) -> tuple[list[str], int | None, int | None]:
    """Split the trailing modifiers off a symbol's words: (the words before them, contraction, space)."""
    words = [w.lower() for w in what]
    at = next((i for i, w in enumerate(words) if w in _MODIFIERS), len(words))
    contraction = space = None
    i = at
    while i < len(words):
        word = words[i]
        count = words[i + 1] if i + 1 < len(words) and words[i + 1] not in _MODIFIERS else None
        if word not in _MODIFIERS:
            fail(number, f"expected contraction <degree>, small or large after the symbol, not {what[i]!r}")
        if word == "contraction":
            if count is None or not _is_whole(count):
                fail(number, "contraction needs its degree, 1 to 6 (e.g. 'contraction 3')")
            if contraction is not None:
                fail(number, "contraction is written once per symbol")
            contraction = int(count)
        else:
            if count is not None and not _is_whole(count):
                fail(number, f"{word} takes a count of signs (2 or 3), not {_shown(count)}")
            if space is not None:
                fail(number, "a symbol is either small or large, once")
            space = (int(count) if count is not None else 1) * (-1 if word == "small" else 1)
        i += 1 + (count is not None)
    return what[:at], contraction, space


def _turn_text(turn: float) -> str:
    """Whole turns as ``+1/2``, ``-1 1/4``, ``+3`` or, for tenths and the like, a decimal ``+0.3``."""
    sign, amount = "+" if turn > 0 else "-", _exact(abs(turn))
    decimal = _decimal(amount)
    if decimal is not None and amount.denominator % 5 == 0:
        return sign + decimal
    whole, part = divmod(amount.numerator, amount.denominator)
    fraction = f"{part}/{amount.denominator}" if part else ""
    return sign + (f"{whole} {fraction}" if whole and part else str(whole) if whole else fraction)


# Reading

def loads(text: str, source: str = "<string>") -> Score:
    """Parse the text form; every problem raises ScoreFileError naming ``source`` and the line."""
    def fail(line: int, what: str) -> NoReturn:
        raise ScoreFileError(f"{source}:{line}: {what}" if line else f"{source}: header: {what}")

    header: dict[str, tuple[int, str]] = {}
    times: list[tuple[int, str]] = []  # beat time words with their line numbers
    start_rows: list[tuple[int, list[str]]] = []
    bar_rows: list[tuple[int, int, list[str]]] = []
    section, bar = "header", -1
    headings: list[tuple[int, int, int]] = []  # (line, bar, the bar before it): rests said once the file has read
    for number, raw in enumerate(text.splitlines(), 1):
        version = re.fullmatch(r"\s*#\s*motiongpt score, text form v(\d+)\s*", raw)
        if version and int(version[1]) != 1:  # a later writer's form: its new lines would be misread, not refused
            fail(number, f"text form v{version[1]}: this version of motiongpt reads text form v1")
        is_title = section == "header" and _TITLE.fullmatch(raw)
        line = raw if is_title else raw.split("#", 1)[0]  # a title may hold a '#
        words = line.split()
        if not words:
            continue
        if [w.lower() for w in words] == ["start"]:
            if section != "header":
                fail(number, "'start' comes once, before the first bar")
            section = "start"
        elif words[0].lower() == "bar":
            if len(words) != 2 or not _is_whole(words[1]):
                fail(number, f"expected 'bar <n>' with n a whole number (0 for an upbeat), not {_shown(line.strip())}")
            if int(words[1]) <= bar:
                fail(number, f"bar {words[1]} after bar {bar}: bars go in increasing order")
            headings.append((number, int(words[1]), bar))
            section, bar = "bar", int(words[1])
        elif section == "header":
            if raw[:1].isspace() and ":" not in line and list(header)[-1:] == ["beat times"]:
                times += [(number, w) for w in words]  # beat times go on over indented lines
                continue
            key, colon, value = line.partition(":")
            key = " ".join(key.lower().split())
            if not colon or key not in HEADER_KEYS:
                fail(number, f"expected a header line ({', '.join(k + ':' for k in HEADER_KEYS)}), 'start' or "
                             f"'bar 1', not {line.strip()!r}")
            if key in header:
                fail(number, f"{key!r} given twice (first on line {header[key][0]})")
            header[key] = (number, value.strip())
            if key == "beat times":
                times += [(number, w) for w in value.split()]
        elif ":" in line:
            fail(number, _misplaced_header(line, bar))
        elif section == "start":
            start_rows.append((number, words))
        else:
            bar_rows.append((number, bar, words))

    title = _parse_title(header, fail)
    per_bar, upbeat = _parse_meter(header, fail)
    starting = [_parse_start_row(number, words, fail) for number, words in start_rows]
    symbols = [_parse_bar_row(number, n, words, per_bar, upbeat, fail) for number, n, words in bar_rows]
    pair = overlapping(symbols)
    if pair is not None:
        (a, (line_a, bar_a, row_a)), (b, (line_b, bar_b, row_b)) = ((symbols[k], bar_rows[k]) for k in pair)
        fail(line_b, f"{b.column.value} {_what_text(b)} (bar {bar_b}, beat {row_b[0]}, length {row_b[-1]}) overlaps "
                     f"{_what_text(a)} on line {line_a} (bar {bar_a}, beat {row_a[0]}, length {row_a[-1]}): a column "
                     f"holds one symbol at a time")
    grid = _parse_grid(header, times, symbols, per_bar, upbeat, fail)
    _warn_past_grid(header, grid, symbols, bar_rows, source)
    for heading in headings:
        _warn_long_rest(*heading, source)
    return Score(grid, symbols, starting, title)


def _parse_title(header: dict[str, tuple[int, str]], fail: _Fail) -> str:
    line, value = header.get("title", (0, ""))
    if not value.startswith('"'):
        return value
    try:
        title = json.loads(value)
    except json.JSONDecodeError as e:
        fail(line, f"a title that starts with \" must be one JSON string: {e.msg}")
    if not isinstance(title, str):
        fail(line, "a title that starts with \" must be one JSON string")
    if re.search("[\ud800-\udfff]", title):  # a lone half of a pair: no UTF-8 writes it, nor the score again
        fail(line, "a title's \\u escapes name characters, not halves of a pair (\\ud800 to \\udfff alone)")
    return title


def _parse_meter(header: dict[str, tuple[int, str]], fail: _Fail) -> tuple[int, int]:
    line, meter = header.get("meter", (0, "4/4"))
    match = re.fullmatch(r"(\d+)\s*(?:/\s*(\d+))?", meter) if len(meter) <= _LONGEST_NUMBER else None
    if not match or not 1 <= int(match[1]) <= MAX_BEATS_PER_BAR or match[2] is not None and int(match[2]) < 1:
        fail(line, f"meter: expected beats per bar like 4/4 or 3/4, not {_shown(meter)}")
    per_bar = int(match[1])
    line, upbeat = header.get("upbeat", (0, "0"))
    if not _is_whole(upbeat) or int(upbeat) >= per_bar:
        fail(line, f"upbeat: expected a whole number of beats shorter than a bar of {per_bar}, not {_shown(upbeat)}")
    return per_bar, int(upbeat)


def _parse_grid(header: dict[str, tuple[int, str]], times: list[tuple[int, str]], symbols: list[Symbol],
                per_bar: int, upbeat: int, fail: _Fail) -> BeatGrid:
    if "beat times" in header:
        for key in ("tempo", "beats", "first beat"):
            if key in header:
                fail(max(header[key][0], header["beat times"][0]), f"give either beat times or {key}, not both")
        seconds = []
        for line, word in times:  # spaced as in a beats file: the tempi --bpm takes
            seconds.append(float(_number(word, line, "a beat time in seconds", fail)))
            if len(seconds) > 1 and (problem := spacing_problem(seconds[-2], seconds[-1])):
                fail(line, problem)
        if len(seconds) < 2:
            fail(header["beat times"][0], "beat times: a grid needs at least two beats")
        return BeatGrid(tuple(seconds), per_bar, upbeat)
    if "tempo" not in header:
        fail(0, "no tempo: add a line 'tempo: 120' (beats per minute) or 'beat times: 0.0 0.5 ...' (seconds)")
    line, value = header["tempo"]
    tempo = float(_number(value, line, "tempo in beats per minute", fail))
    if problem := tempo_problem(tempo):  # the tempi --bpm takes
        fail(line, f"tempo: {problem}")
    offset, offset_line = 0.0, line
    if "first beat" in header:
        offset_line, value = header["first beat"]
        offset = float(_number(value, offset_line, "the time of the first beat in seconds", fail))
    count = max(math.ceil(max((s.end for s in symbols), default=0.0)) + 1, 2)  # beats for the last symbol to end on
    if "beats" in header:
        line, value = header["beats"]
        if not _is_whole(value) or not 2 <= int(value) <= MAX_BEATS:
            fail(line, f"beats: expected a whole number of beats from 2 to {MAX_BEATS}, not {_shown(value)}")
        count = int(value)
    try:
        return BeatGrid(uniform_times(tempo, count, offset), per_bar, upbeat)
    except ValueError as e:  # a first beat so large that consecutive beats round to the same float
        fail(offset_line, str(e))


def _misplaced_header(line: str, bar: int) -> str:
    """Why a header line among the bars is refused: a change of meter or tempo there is what it is meant as, and
    the grid has one meter (``BeatGrid.beats_per_bar``) and its tempo only in its beat times."""
    key = " ".join(line.partition(":")[0].lower().split())
    where = f"after bar {bar}" if bar >= 0 else "in the start section"
    if key == "meter":
        return (f"{line.strip()!r} {where}: a score keeps one meter, the header's, in every bar; a change of meter "
                f"is not written mid-score (write the later bars' beats in the header's meter)")
    if key in ("tempo", "beats", "first beat"):
        return (f"{line.strip()!r} {where}: a score's beats are timed once, in the header; a change of tempo is "
                f"written there as 'beat times:', every beat's time")
    return f"header lines like {line.strip()!r} come before 'start' and the bars"


def _warn_long_rest(number: int, bar: int, before: int, source: str) -> None:
    """Say where a bar heading leaves more empty bars before it than any dance rests (a typo: 'bar 99999' for
    'bar 9' makes a score of days, described phrase by phrase and decoded frame by frame). Read as written, as
    the writer may have written it: a score saved with such a rest must load again."""
    rest = bar - max(before, 0) - 1  # the bars between (from bar 0, an upbeat or none, before the first heading)
    if rest > _LONGEST_REST:
        after = f"after bar {before}" if before >= 0 else "first"
        warnings.warn(f"{source}:{number}: bar {bar} comes {after} with {rest} empty bars before it, more than the "
                      f"{_LONGEST_REST} any dance rests: read as written (a typo for a smaller bar number?)",
                      stacklevel=3)


def _warn_past_grid(header: dict[str, tuple[int, str]], grid: BeatGrid, symbols: list[Symbol],
                    rows: list[tuple[int, int, list[str]]], source: str) -> None:
    """Say where the symbols run on past the grid's last beat (the module's docstring says why it is no error)."""
    if not symbols:
        return
    last = max(range(len(symbols)), key=lambda k: symbols[k].end)
    if symbols[last].end <= grid.beat_count - 1:
        return
    key = "beat times" if "beat times" in header else "beats"  # without either the grid covers every symbol
    bar, beat = grid.bar_and_beat(grid.beat_count - 1)
    end_bar, end_beat = grid.bar_and_beat(symbols[last].end)
    said = f"beats: {grid.beat_count}" if key == "beats" else f"beat times: {grid.beat_count} beats"
    warnings.warn(f"{source}:{header[key][0]}: {said}, the last on bar {bar} beat {beat:g}, "
                  f"but the symbol on line {rows[last][0]} ends on bar {end_bar} beat {end_beat:g}: past the grid's "
                  f"last beat the symbols keep its last beat interval ({grid.times[-1] - grid.times[-2]:.3g} s)",
                  stacklevel=3)


def _parse_start_row(number: int, words: list[str], fail: _Fail) -> Symbol:
    if _NUMBER.fullmatch(words[0]):
        fail(number, "a line with a beat belongs under a 'bar <n>' heading; the start section lists "
                     "'<column> <what>', e.g. 'support-left place middle'")
    return _symbol(number, 0.0, words[0], words[1:], 0.0, fail)


def _parse_bar_row(number: int, bar: int, words: list[str], per_bar: int, upbeat: int, fail: _Fail) -> Symbol:
    if len(words) < 4:
        fail(number, f"expected '<beat> <column> <what> <duration>', e.g. '1 support-left forward middle 1', "
                     f"not {' '.join(words)!r}")
    beat = _number(words[0], number, "the beat in the bar where the symbol starts", fail)
    if not 1 <= beat < per_bar + 1:
        fail(number, f"beat {words[0]} is not in a bar of {per_bar} beats (1 up to but not including {per_bar + 1})")
    start = float(_bar_shift(bar, per_bar, upbeat) + beat)  # (a bar of at most _LONGEST_NUMBER digits)
    if start < 0:
        where = (f"the upbeat is bar 0's last {upbeat} beat{'s' * (upbeat > 1)}, from beat {per_bar - upbeat + 1}"
                 if upbeat else "there is no upbeat: add 'upbeat: <beats>' to the header")
        fail(number, f"bar {bar} beat {words[0]} comes before the first beat ({where})")
    duration = _number(words[-1], number, "the duration in beats (last on the line)", fail)
    if duration < 0:
        fail(number, f"duration {words[-1]} is negative")
    if start + duration > MAX_BEATS - 1:  # the grid under it would need more beats than a grid may have
        fail(number, f"bar {bar} beat {words[0]} lasting {words[-1]} ends on beat {float(start + duration):g} of the "
                     f"score, beyond the {MAX_BEATS} beats a grid may have")
    return _symbol(number, start, words[1], words[2:-1], float(duration), fail)


def _symbol(number: int, start: float, column: str, what: list[str], duration: float, fail: _Fail) -> Symbol:
    if not what:
        fail(number, "missing what the symbol says: a direction and level, turn <amount>, hold or flight")
    what, contraction, space = _modifiers(what, number, fail)
    if not what:
        fail(number, "missing what the symbol says before its modifiers")
    first, direction, level, turn = what[0].lower(), None, None, None
    if first in ("hold", "flight", "turn"):
        sign = Sign(first)
        if sign is Sign.TURN:
            turn = float(_turn_amount(what[1:], number, fail))
        elif len(what) > 1:
            fail(number, f"nothing goes between {first} and the duration, but found {' '.join(what[1:])!r}")
    elif len(what) == 2:
        sign = Sign.DIRECTION
        direction, level = _word(what[0], Direction, number, fail), _word(what[1], Level, number, fail)
    else:
        fail(number, f"expected a direction and a level (like 'forward middle'), turn <amount>, hold or flight, "
                     f"not {' '.join(what)!r}")
    column = _word(column, Column, number, fail)  # (outside the try: its one line is not to be wrapped again)
    try:
        return Symbol(start, column, duration, sign, direction, level, turn, contraction, space)
    except ValueError as e:  # the rules Symbol itself checks, e.g. flight outside the centre column
        fail(number, str(e))


def _turn_amount(words: list[str], number: int, fail: _Fail) -> Fraction:
    """``+1/2``, ``-0.25``, ``1+1/4`` or whole turns and a fraction as two words, ``+1 1/4``."""
    if len(words) == 2 and re.fullmatch(r"[+-]?\d+", words[0]) and re.fullmatch(r"\d+/\d+", words[1]):
        whole = _number(words[0], number, "whole turns", fail)
        part = _number(words[1], number, "a fraction of a turn", fail)
        amount = whole - part if words[0].startswith("-") else whole + part
    elif len(words) == 1:
        amount = _number(words[0], number, "a turn amount in whole turns, like +1/2 or -1/4", fail)
    else:
        fail(number, f"expected a turn amount like +1/2, -1/4 or +1 1/4, not {' '.join(words) or 'nothing'!r}")
    if not amount:
        fail(number, "a turn needs a non-zero amount")
    return amount


def _word(word: str, kind: type[_E], number: int, fail: _Fail) -> _E:
    name = "-".join(_ALIASES.get(part, part) for part in word.lower().split("-"))
    if name not in kind._value2member_map_:
        fail(number, f"{word!r} is not a {kind.__name__.lower()} ({', '.join(m.value for m in kind)})")
    return kind(name)


def _number(word: str, number: int, what: str, fail: _Fail) -> Fraction:
    """The number ``word`` says, exactly; one a float can hold (``1e999`` is refused here, as written)."""
    match = _NUMBER.fullmatch(word) if len(word) <= _LONGEST_NUMBER else None
    if not match or match[4] is not None and int(match[4]) == 0:
        fail(number, f"expected {what}, not {_shown(word)}")
    sign, whole, numerator, denominator, decimal = match.groups()
    if decimal is not None:
        value = Fraction(decimal)
    else:
        value = int(whole or 0) + Fraction(int(numerator), int(denominator))
        value = -value if sign == "-" else value
    if abs(value) > _FLOAT_MAX:
        fail(number, f"{word} is too large")
    return value


def _is_whole(word: str) -> bool:
    """A whole number ``int`` reads: decimal digits (``isdigit`` would take a '²', which ``int`` refuses), short."""
    return word.isdecimal() and len(word) <= _LONGEST_NUMBER


def _shown(word: str) -> str:
    """``word`` quoted for a message, cut short where it is too long to be a number (a key held down)."""
    return repr(word) if len(word) <= _LONGEST_NUMBER else repr(word[:20]) + f"... ({len(word)} characters)"
