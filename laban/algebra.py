"""A score algebra: cut, splice, concatenate, repeat, mirror, retime, stretch and rotate the front — pure
functions that return new Scores, never changing their inputs.

fairmotion cuts, blends and stitches motion, where every join needs blending; on the notation an edit is exact,
and what a join would blend is a question the score can answer (``transitions``). The rules, once:

- **Bars** are counted as a choreographer counts them, on the score's own grid: bar 0 is the upbeat (the beats
  before ``grid.downbeat``), bar 1 starts at the downbeat; the last bar is the one holding the score's end.
- **A cut is a window in time**: the symbols that start inside bars k..l. A symbol running over the last bar line
  is clipped there: a movement belongs to the bar it starts in, and arrives by the bar line (a gesture at its
  destination, a turn with its whole amount). A symbol running over the *first* bar line has begun before the
  cut: what it does is the state at the cut, and the state at the cut becomes the piece's **starting position**,
  so that the piece stands on its own. A gesture's state is where it is going (the destination of the last symbol
  begun before the cut, as ``laban.compare`` reads a column), so a gesture crossing the first bar line is taken
  whole into the starting position; a turn crossing it has turned (the piece faces its own front); a support or
  turn crossing it keeps the weight on its feet as a hold for the rest of its time. A cut that starts in
  the air starts on the feet it lands on. The piece starts facing its own front (``front_at`` and
  ``rotate_front`` keep the room's facing when that is wanted).
- **A starting position is a state**, written in one form: the supporting feet (place, at their level), each
  free leg, and every other gesture column that is not in the natural position (``NATURAL_POSITION``); the
  standing before the first support symbol is written out as holds from beat 0 (as the tokenizer writes it).
- **A join restates** what the following material starts from: where it differs from the state the material
  before leaves, zero-length symbols at the join say it (an instant change on paper, which ``transitions``
  reports and a choreographer should give time to), and the feet it stands on hold until its first step. Thus
  concatenation then cut gives each part back, and a splice's bars are exactly the source's bars; the bars
  after a splice are left exactly as they were.
- **Zero-length symbols** at a beat are an inline starting position: ``cut`` folds those at its first beat into
  its starting position. A zero-length turn at beat 0 is the front the performance starts facing in the room
  (``rotate_front``): the score's symbols are relative to the performer's front, so that turn is all that
  rotating the front changes, and the file formats carry it without a new field.

A cut's first beat keeps the time the score's first beat had (the lead-in before it), so a piece's seconds stay
relative to its own start. Beats are shifted by whole numbers of beats in float arithmetic: a concatenated and
re-cut score is equal to its part up to that rounding (1e-9 beat), and exactly where beats are small fractions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .errors import LabanError
from .formats.json import uniform_tempo, uniform_times
from .score import (GESTURE_COLUMNS, NATURAL_POSITION, SUPPORT_COLUMNS, Column, Direction, Level, Score, Sign,
                    Symbol)
from .timing import BeatGrid

__all__ = [
    "EditError", "Jump", "bar_count", "bar_start", "concatenate", "cut", "front_at", "hold_to", "join_beats",
    "mirror", "repeat", "retime", "rotate_front", "splice", "starting_position_at", "stretch", "transitions",
]

NEIGHBOURING = 60.0  # degrees between cell centres that still counts as a neighbouring cell (diagonals: 60°)
FASTEST_GESTURE = 900.0  # deg/s: about the fastest a dancer's arm swings (as the decoder assumes)
_EPS = 1e-9  # beats: closer than this is the same instant

_LEGS = {Column.LEG_LEFT: Column.SUPPORT_LEFT, Column.LEG_RIGHT: Column.SUPPORT_RIGHT}
_LIMBS = tuple(c for c in GESTURE_COLUMNS if c not in _LEGS)  # torso, arms, head: always have a state
_MIRRORED_COLUMN = {c: Column(c.value.replace("left", "@").replace("right", "left").replace("@", "right"))
                    for c in Column}


class EditError(LabanError):
    """An edit the score cannot take: a bar it does not have, meters that do not match, a bad factor."""


# ---------------------------------------------------------------------------------------------------------------
# Bars


def bar_start(grid: BeatGrid, bar: int) -> int:
    """The beat (index on the grid) where ``bar`` starts: 0 for the upbeat (bar 0), the downbeat for bar 1."""
    return 0 if bar == 0 else grid.downbeat + (bar - 1) * grid.beats_per_bar


def bar_count(score: Score) -> int:
    """The number of the last bar: the one holding the end of the score (its last symbol or its grid's end)."""
    return score.grid.bar_and_beat(score.duration - _EPS)[0] if score.duration > 0 else 1


def _bars(score: Score, first: int, last: int) -> tuple[int, int]:
    """[start, stop) beats of bars first..last, the stop at the score's end when the last bar is incomplete."""
    grid, count = score.grid, bar_count(score)
    if first == 0 and grid.downbeat == 0:
        raise EditError("bar 0 is the upbeat, and this score has none: bars start at 1")
    if not 0 <= first <= last <= count:
        raise EditError(f"bars {first}..{last} are not bars of this score (it has bars "
                        f"{0 if grid.downbeat else 1}..{count})")
    stop = min(bar_start(grid, last + 1), math.ceil(score.duration - _EPS))
    return bar_start(grid, first), max(stop, bar_start(grid, first) + 1)


# ---------------------------------------------------------------------------------------------------------------
# The state of a score at a beat


@dataclass(frozen=True)
class _State:
    """What each column holds at an instant: supporting feet with their levels, and each limb's cell (torso,
    arms, head always; a leg only while its foot is free)."""

    feet: dict[Column, Level]
    limbs: dict[Column, tuple[Direction, Level]]
    bends: dict[Column, int] = field(default_factory=dict)  # a limb's contraction, where its last move wrote one

    def starting_position(self) -> list[Symbol]:
        """The state written as a starting position (feet, free legs, limbs out of the natural position)."""
        symbols = [Symbol(0.0, c, 0.0, Sign.DIRECTION, Direction.PLACE, level) for c, level in self.feet.items()]
        symbols += [Symbol(0.0, c, 0.0, Sign.DIRECTION, *cell, contraction=self.bends.get(c))
                    for c, cell in self.limbs.items() if cell != NATURAL_POSITION[c] or c in self.bends]
        return sorted(symbols, key=lambda s: list(Column).index(s.column))


def _spans(symbols: list[Symbol]) -> list[tuple[Symbol, tuple[Column, ...]]]:
    """Symbols that carry weight, with the feet they carry it on: every support symbol that lasts, and a turn in
    the centre column that does not stand beside a flight (a turn on both feet), as the decoder reads them."""
    flights = [s for s in symbols if s.sign is Sign.FLIGHT]
    spans = [(s, (s.column,)) for s in symbols if s.column in SUPPORT_COLUMNS and s.duration > 0]
    spans += [(s, SUPPORT_COLUMNS) for s in symbols if s.column is Column.CENTRE and s.sign is Sign.TURN
              and s.duration > 0 and not any(f.start < s.end and s.start < f.end for f in flights)]
    return spans


def _state(score: Score, at: float, instant: bool = True) -> _State:
    """The state at beat ``at``: what the symbols begun before it (and, with ``instant``, the zero-length
    symbols at it) leave each column holding."""
    symbols = score.symbols
    now = [s for s in symbols if instant and s.duration == 0 and abs(s.start - at) < _EPS
           and s.sign is Sign.DIRECTION]
    begun = [s for s in symbols if s.start < at - _EPS] + now
    start = {s.column: s for s in score.starting_position if s.sign is Sign.DIRECTION}

    def level(foot: Column, until: list[Symbol]) -> Level:
        steps = [s for s in until if s.column is foot and s.sign is Sign.DIRECTION]
        return steps[-1].level if steps else start[foot].level if foot in start else Level.MIDDLE

    feet_now = [s for s in now if s.column in SUPPORT_COLUMNS]
    spans = _spans(symbols)
    if feet_now:  # a restated support says where the weight is
        feet = {s.column: s.level for s in feet_now}
    else:
        covering = {f for s, fs in spans if s.start < at - _EPS and s.end >= at - _EPS for f in fs}
        if not covering and any(s.end < at - _EPS for s, _ in spans):  # in the air, or after the last support
            later = [(s, fs) for s, fs in spans if s.start >= at - _EPS]
            if later:  # a cut in the air starts on the feet it lands on
                first = min(s.start for s, _ in later)
                landing = [(s, fs) for s, fs in later if s.start - first < _EPS]
                return _State(*_limbs_and({f: level(f, begun + [s for s, _ in landing]) for s, fs in landing
                                           for f in fs}, score, begun, start, at))
            last = max(s.end for s, _ in spans)  # after the end: the last supports stand
            covering = {f for s, fs in spans if abs(s.end - last) < _EPS for f in fs}
        elif not covering:  # before the first support: the starting position stands
            covering = {c for c in SUPPORT_COLUMNS if c in start} or set(SUPPORT_COLUMNS)
        feet = {f: level(f, begun) for f in SUPPORT_COLUMNS if f in covering}
    return _State(*_limbs_and(feet, score, begun, start, at))


def _limbs_and(feet: dict[Column, Level], score: Score, begun: list[Symbol], start: dict[Column, Symbol],
               at: float) -> tuple[dict[Column, Level], dict[Column, tuple[Direction, Level]], dict[Column, int]]:
    """The feet given, each limb's cell at ``at`` from the symbols ``begun`` before it, and its contraction."""
    limbs, bends = {}, {}
    spans = _spans(score.symbols)
    for column in GESTURE_COLUMNS:
        if column in _LEGS and _LEGS[column] in feet:
            continue  # a supporting leg is no gesture
        moves = [s for s in begun if s.column is column and s.sign is Sign.DIRECTION]
        supported = [s.end for s, fs in spans if column in _LEGS and _LEGS[column] in fs and s.start < at - _EPS]
        if supported:  # a leg freed by a support starts from hanging; its symbol may lead by a quarter beat
            moves = [s for s in moves if s.start >= max(supported) - 0.25 - _EPS]
        if moves:
            limbs[column] = (moves[-1].direction, moves[-1].level)
            if moves[-1].contraction is not None:
                bends[column] = moves[-1].contraction
        elif column in start and not supported:
            limbs[column] = (start[column].direction, start[column].level)
            if start[column].contraction is not None:
                bends[column] = start[column].contraction
        else:
            limbs[column] = NATURAL_POSITION[column]
    return feet, limbs, bends


def starting_position_at(score: Score, beat: float) -> list[Symbol]:
    """The starting position of a piece that would begin at ``beat``: the state every column is in there."""
    return _state(score, beat).starting_position()


# ---------------------------------------------------------------------------------------------------------------
# Excerpts and joins


def _clipped(symbol: Symbol, stop: float) -> Symbol:
    """``symbol`` ending at ``stop`` at the latest: a movement belongs to the bar it starts in, and arrives (a
    gesture at its destination, a turn at its full amount) by the bar line."""
    return symbol if symbol.end <= stop + _EPS else replace(symbol, duration=stop - symbol.start)


def _excerpt(score: Score, start: int, stop: int, downbeat: int = 0) -> Score:
    """Beats [start, stop) of ``score`` as a piece of its own (the rules of the module docstring)."""
    state = _state(score, float(start))
    carried = {id(s): fs for s, fs in _spans(score.symbols)}
    written = {}  # a column's first symbol in the piece (from the cut): where weight carried in must give way
    for s in score.symbols:
        if start - _EPS <= s.start < stop - _EPS and s.duration > 0:
            written.setdefault(s.column, s.start - start)
    symbols = []
    for s in score.symbols:
        if s.start >= stop - _EPS:
            continue
        if s.start >= start - _EPS:
            if s.duration == 0 and s.start < start + _EPS and s.sign in (Sign.DIRECTION, Sign.HOLD):
                continue  # an inline starting position: in ``state`` already
            symbols.append(replace(_clipped(s, stop), start=s.start - start))
        elif s.end > start + _EPS:  # begun before the cut and still running: the weight stays on its feet
            for foot in carried.get(id(s), ()):
                held = min(min(s.end, stop) - start, written.get(foot, math.inf))
                if foot in state.feet and held > _EPS and not any(h.column is foot and h.start == 0
                                                                  for h in symbols):
                    symbols.append(Symbol(0.0, foot, held, Sign.HOLD))
    symbols += _standing(symbols, state.feet, stop - start)
    grid = score.grid
    times = _extended(grid, stop + 1)
    if start == 0:  # the first beats: exactly the score's own
        cut_grid = BeatGrid(tuple(times), grid.beats_per_bar, downbeat)
    else:
        cut_grid = _grid(times[start:] - times[start] + grid.times[0], grid.beats_per_bar, downbeat)
    return Score(cut_grid, symbols, state.starting_position(), score.title)


def _standing(symbols: list[Symbol], feet: dict[Column, Level], length: float) -> list[Symbol]:
    """Holds on the starting feet until the first support symbol, where none is written from beat 0: the
    standing a starting position implies, written out, as the tokenizer writes it and as a join must (mid-score
    nothing stands without a symbol). They end where the first support or the first flight begins: no weight
    stands under a jump."""
    first = min([s.start for s, _ in _spans(symbols)] + [s.start for s in symbols if s.sign is Sign.FLIGHT],
                default=length)
    return [Symbol(0.0, foot, first, Sign.HOLD) for foot in feet] if first > _EPS else []


def _restated(before: _State, piece: Score, at: float) -> list[Symbol]:
    """The symbols that make ``piece`` start, at beat ``at``, from its own starting position after material that
    leaves ``before``: zero-length symbols where the states differ, holds on its feet until its first support."""
    after = _state(piece, 0.0)
    symbols = []
    if after.feet != before.feet:
        symbols += [Symbol(at, c, 0.0, Sign.DIRECTION, Direction.PLACE, level) for c, level in after.feet.items()]
    symbols += [Symbol(at, c, 0.0, Sign.DIRECTION, *cell, contraction=after.bends.get(c))
                for c, cell in after.limbs.items()  # a leg freed from a support hangs already
                if before.limbs.get(c, NATURAL_POSITION[c]) != cell or before.bends.get(c) != after.bends.get(c)]
    return symbols + _shifted(_standing(piece.symbols, after.feet, piece.duration), at)


def _shifted(symbols: list[Symbol], by: float) -> list[Symbol]:
    return [replace(s, start=s.start + by) for s in symbols]


def _extend_supports(symbols: list[Symbol], at: float, until: float, tail: list[Symbol]) -> list[Symbol]:
    """The support symbols that run to beat ``at`` run on to ``until`` or the next support of their foot in
    ``tail`` (the weight stays where it is until the material after a splice, which had its weight on from
    before, takes over)."""
    def end(foot: Column) -> float:
        return min([until] + [s.start for s, fs in _spans(tail) if foot in fs])

    return [replace(s, duration=max(end(s.column), at) - s.start) if s.column in SUPPORT_COLUMNS
            and s.duration > 0 and abs(s.end - at) < _EPS else s for s in symbols]


def _extended(grid: BeatGrid, count: int) -> np.ndarray:
    """The times of ``count`` beats of ``grid``, beyond its end at its last interval (a steady grid by its own
    formula, so that its beats stay bit for bit what they were)."""
    tempo = uniform_tempo(grid)
    if tempo is not None:
        return np.asarray(uniform_times(tempo, count, grid.times[0]))
    return np.concatenate([grid.times[:count], grid.beats_to_seconds(np.arange(grid.beat_count, count, dtype=float))])


def _grid(times: np.ndarray, beats_per_bar: int, downbeat: int) -> BeatGrid:
    """A grid of these beat times, written as a steady tempo's (as ``BeatGrid.uniform`` computes them) when they
    are one to within a nanosecond, so that a cut of a steady score is a steady score again."""
    times = np.asarray(times, dtype=float)
    period = (times[-1] - times[0]) / (len(times) - 1)
    for tempo in (round(60.0 / period, 6), 60.0 / period, 60.0 / (times[1] - times[0])):
        steady = uniform_times(tempo, len(times), float(times[0]))
        if np.allclose(steady, times, rtol=0.0, atol=1e-9):
            return BeatGrid(steady, beats_per_bar, downbeat)
    return BeatGrid(tuple(times), beats_per_bar, downbeat)


def _check_meters(scores: tuple[Score, ...]) -> None:
    meters = {s.beats_per_bar for s in scores}
    if len(meters) > 1:
        raise EditError(f"a score has one meter; these have {', '.join(map(str, sorted(meters)))} beats a bar")


# ---------------------------------------------------------------------------------------------------------------
# Cut, splice, concatenate, repeat


def cut(score: Score, first: int, last: int | None = None, *, upbeat: int = 0) -> Score:
    """Bars ``first``..``last`` (default: to the end) as a piece that stands on its own: the state at the cut is
    its starting position, symbols crossing the last bar line are clipped there. ``upbeat`` beats before bar
    ``first`` come along as the piece's upbeat (bar 0), as a phrase is taken with its pickup."""
    last = bar_count(score) if last is None else last
    start, stop = _bars(score, first, last)
    downbeat = score.grid.downbeat if first == 0 else upbeat
    if first == 0 and upbeat:
        raise EditError("bar 0 is the upbeat already; an upbeat before it does not exist")
    if not 0 <= upbeat < score.beats_per_bar or upbeat > start:
        raise EditError(f"an upbeat of {upbeat} beats does not fit before bar {first} "
                        f"(a bar has {score.beats_per_bar} beats)")
    return _excerpt(score, start - upbeat, stop, downbeat)


def splice(score: Score, first: int, last: int, source: Score, source_first: int | None = None) -> Score:
    """``score`` with bars ``first``..``last`` replaced by as many bars of ``source`` from ``source_first``
    (default: the same bar numbers). The music (the grid) and every symbol that starts outside those bars stay as
    they were; symbols of ``score`` running into the spliced bars are clipped at their first bar line. The
    spliced bars are the source's bars exactly, restated at the join where the score leaves another state, and
    the weight they end on holds as long as the score held its own across the last bar line."""
    _check_meters((score, source))
    start, stop = _bars(score, first, last)
    source_first = first if source_first is None else source_first
    piece = cut(source, source_first, min(source_first + last - first, bar_count(source)))
    if piece.grid.beat_count - 1 < stop - start:
        raise EditError(f"the source has {piece.grid.beat_count - 1} beats from bar {source_first}; "
                        f"bars {first}..{last} need {stop - start}")
    piece_symbols = [_clipped(s, stop - start) for s in piece.symbols if s.start < stop - start - _EPS]
    piece = replace(piece, symbols=piece_symbols)
    head = [_clipped(s, start) for s in score.symbols if s.start < start - _EPS]
    tail = [s for s in score.symbols if s.start >= stop - _EPS]
    before = _state(score, float(start), instant=False)
    middle = _restated(before, piece, float(start)) + _shifted(piece_symbols, start)
    held = [s.end for s, _ in _spans(score.symbols) if s.start < stop - _EPS < s.end - 2 * _EPS]
    if held:
        middle = _extend_supports(middle, float(stop), max(held), tail)
    return Score(score.grid, head + middle + tail, list(score.starting_position), score.title)


def _join(first: Score, second: Score) -> int:
    """The beat of ``first``'s grid where ``second`` starts after it: its bar 1 on the first bar line at or after
    the end of ``first`` (its upbeat before that bar line)."""
    end = math.ceil(first.duration - _EPS)
    return end + (first.grid.downbeat - second.grid.downbeat - end) % first.beats_per_bar


def join_beats(*scores: Score) -> list[int]:
    """The beats at which each score after the first starts in ``concatenate(*scores)``, for ``transitions``."""
    _check_meters(scores)
    joins, result = [], scores[0]
    for score in scores[1:]:
        joins.append(_join(result, score))
        result = _append(result, score, joins[-1])
    return joins


def concatenate(*scores: Score, title: str | None = None) -> Score:
    """The scores one after the other on one grid: each next score's beats continue its own intervals (its tempo)
    from the join (``join_beats``), where what it starts from is restated; the first's meter, upbeat and starting
    position, the last bar of each but the last completed with rests (the feet hold, ``hold_to``, from where its
    supports end). The scores must share a meter (a Score has one)."""
    if not scores:
        raise EditError("nothing to concatenate")
    _check_meters(scores)
    result = scores[0]
    for score in scores[1:]:
        result = _append(result, score, _join(result, score))
    return replace(result, title=scores[0].title if title is None else title)


def hold_to(score: Score, beat: float) -> Score:
    """``score`` with the weight it ends on held to ``beat``: where its supports end before ``beat`` with no
    flight after them, holds on the feet they were on, from there. Alone, a score keeps its weight after its last
    support (nothing follows: the decoder reads the empty time so, ``laban.decoder.supports``); with more after it
    (a continuation, a concatenation), an empty time in the support columns is a jump, as Labanotation reads it.
    Written before anything follows, the holds keep the motion up to ``beat`` what it was alone."""
    spans = _spans(score.symbols)
    last = max((s.end for s, _ in spans), default=None)
    flown = max((s.end for s in score.symbols if s.sign is Sign.FLIGHT and s.duration > 0), default=-math.inf)
    if last is None or last >= beat - _EPS or flown >= last - _EPS:
        return score
    feet = {f for s, fs in spans if abs(s.end - last) < _EPS for f in fs}
    held = [Symbol(last, c, beat - last, Sign.HOLD) for c in SUPPORT_COLUMNS if c in feet]
    return replace(score, symbols=[*score.symbols, *held])


def _append(first: Score, second: Score, join: int) -> Score:
    first = hold_to(first, join)
    end = first.duration
    before = _state(first, end)
    symbols = list(first.symbols)
    if join > end + _EPS:  # rests to the bar line: the last feet hold
        symbols += [Symbol(end, c, join - end, Sign.HOLD) for c in before.feet]
    symbols += _restated(before, second, float(join)) + _shifted(second.symbols, join)
    times = _extended(first.grid, join + 1)
    later = _extended(second.grid, max(second.grid.beat_count, math.ceil(second.duration - _EPS) + 1))
    times = np.concatenate([times[:-1], times[-1] + (later - later[0])])
    grid = _grid(times, first.beats_per_bar, first.grid.downbeat)
    return Score(grid, symbols, list(first.starting_position), first.title)


def repeat(score: Score, times: int, first: int | None = None, last: int | None = None) -> Score:
    """Bars ``first``..``last`` played ``times`` times in a row, the rest of the score before and after as it
    was; without bars, the whole score ``times`` times (``concatenate``). Each repetition starts from the state
    the bars started from (restated where the previous repetition ends elsewhere)."""
    if not (isinstance(times, int) and times >= 1):
        raise EditError(f"a repeat is played a whole number of times, at least once, not {times!r}")
    if first is None and last is None:
        return concatenate(*([score] * times))
    first = 1 if first is None else first
    last = bar_count(score) if last is None else last
    start, stop = _bars(score, first, last)
    section = _excerpt(score, start, stop)
    length = stop - start
    head = [_clipped(s, start) for s in score.symbols if s.start < start - _EPS]
    symbols, state = head, _state(score, float(start), instant=False)
    for k in range(times):
        at = start + k * length
        symbols += _restated(state, section, float(at)) + _shifted(section.symbols, at)
        state = _state(section, float(length))
    end = start + times * length
    tail = _shifted([s for s in score.symbols if s.start >= stop - _EPS], end - stop)
    held = [s.end for s, _ in _spans(score.symbols) if s.start < stop - _EPS < s.end - 2 * _EPS]
    if held:
        symbols = _extend_supports(symbols, float(end), max(held) + end - stop, tail)
    symbols += tail
    grid = score.grid
    count = max(grid.beat_count - 1, math.ceil(score.duration - _EPS))
    original = _extended(grid, count + 1)  # the beats before the repeat stay bit for bit
    steps = np.concatenate([np.tile(np.diff(original[start:stop + 1]), times), np.diff(original[stop:])])
    new_times = np.concatenate([original[:start + 1], original[start] + np.cumsum(steps)])
    return Score(_grid(new_times, grid.beats_per_bar, grid.downbeat), symbols,
                 list(score.starting_position), score.title)


# ---------------------------------------------------------------------------------------------------------------
# Mirror, retime, stretch, front


def _mirrored(symbol: Symbol) -> Symbol:
    direction = symbol.direction
    if direction is not None and direction is not Direction.PLACE:
        direction = Direction.from_azimuth(-direction.azimuth)
    return replace(symbol, column=_MIRRORED_COLUMN[symbol.column], direction=direction,
                   turn=None if symbol.turn is None else -symbol.turn)


def mirror(score: Score) -> Score:
    """Left and right exchanged: columns swap sides, directions mirror (right-forward ↔ left-forward), turns
    change sign, the starting position too. Mirroring twice gives the score back."""
    return Score(score.grid, [_mirrored(s) for s in score.symbols], [_mirrored(s) for s in score.starting_position],
                 score.title)


def retime(score: Score, grid: BeatGrid | None = None, *, bpm: float | None = None) -> Score:
    """The same beats at new seconds: the beat times of ``grid`` (a music's, with its tempo changes; see
    ``laban.beats.beat_grid``) or a steady ``bpm`` from the score's first beat. Every symbol keeps its beats, the
    score its meter, upbeat and number of beats (a shorter grid goes on at its last interval)."""
    if (grid is None) == (bpm is None):
        raise EditError("retime to a grid or to a tempo (bpm), one of the two")
    count = score.grid.beat_count
    if bpm is not None:
        if not (isinstance(bpm, (int, float)) and math.isfinite(bpm) and bpm > 0):
            raise EditError(f"tempo must be a positive number of beats per minute, not {bpm!r}")
        times = score.grid.times[0] + 60.0 / bpm * np.arange(count)
    else:
        times = grid.beats_to_seconds(np.arange(count, dtype=float))
    return replace(score, grid=BeatGrid(tuple(times), score.beats_per_bar, score.grid.downbeat))


def stretch(score: Score, factor: float) -> Score:
    """Every start and duration times ``factor`` beats on the same music: 2 is half-time (each movement takes
    twice the beats), 0.5 double-time. The grid goes on at its own intervals to cover the longer piece; the
    upbeat scales with the rest, so it must come out as whole beats shorter than a bar."""
    if not (isinstance(factor, (int, float)) and math.isfinite(factor) and factor > 0):
        raise EditError(f"a stretch factor must be a positive number, not {factor!r}")
    grid = score.grid
    downbeat = grid.downbeat * factor
    if abs(downbeat - round(downbeat)) > _EPS or round(downbeat) >= grid.beats_per_bar:
        raise EditError(f"an upbeat of {grid.downbeat} beats stretched by {factor:g} is not a whole number of "
                        f"beats shorter than a bar")
    symbols = [replace(s, start=s.start * factor, duration=s.duration * factor) for s in score.symbols]
    count = max(math.ceil((grid.beat_count - 1) * factor - _EPS), math.ceil(max((s.end for s in symbols),
                                                                            default=0.0) - _EPS), 1)
    times = _extended(grid, count + 1)
    return Score(BeatGrid(tuple(times), grid.beats_per_bar, int(round(downbeat))), symbols,
                 list(score.starting_position), score.title)


def _front_signs(score: Score) -> list[Symbol]:
    return [s for s in score.symbols if s.sign is Sign.TURN and s.start == 0 and s.duration == 0]


def rotate_front(score: Score, turn: float) -> Score:
    """The performance starts facing ``turn`` whole turns clockwise of where it faced (0.25: a quarter to the
    right; in eighths, k/8). Symbols are relative to the performer's front, so nothing else changes: the facing
    is a zero-length turn sign at beat 0 in the column of the starting support (the centre column on both feet),
    merged with one already there and kept within half a turn either way; a whole turn leaves no sign."""
    signs = _front_signs(score)
    total = sum(s.turn for s in signs) + turn
    total = -((-total + 0.5) % 1.0 - 0.5)  # into (-1/2, 1/2]
    symbols = [s for s in score.symbols if s not in signs]
    if abs(total) > 1e-12:
        feet = _state(score, 0.0).feet
        column = next(iter(feet)) if len(feet) == 1 else Column.CENTRE
        symbols.append(Symbol(0.0, column, 0.0, Sign.TURN, turn=total))
    return replace(score, symbols=sorted(symbols, key=lambda s: (s.start, s.duration)))


def front_at(score: Score, beat: float) -> float:
    """Whole turns clockwise from the room's front that the performer faces, or is turning to, at ``beat`` (every
    turn begun before it counts whole, as in a cut; the starting facing of ``rotate_front`` included), as a cut
    at ``beat`` may want to keep: ``rotate_front(cut(score, k, l), front_at(score, bar_start(score.grid, k)))``."""
    return sum(s.turn for s in score.symbols if s.sign is Sign.TURN and s.column in (Column.CENTRE, *SUPPORT_COLUMNS)
               and (s.start < beat - _EPS or (s.duration == 0 and s.start <= beat + _EPS)))


# ---------------------------------------------------------------------------------------------------------------
# Transitions at a join


@dataclass(frozen=True)
class Jump:
    """Something discontinuous at a join, as a caller can show it.

    ``kind``: 'jump' (a limb changes by more than a neighbouring cell with no time), 'too-fast' (a movement
    faster than a dancer's arm can swing), 'weight' (weight arrives on a foot without a step), 'landing' (from
    the air onto the floor without a landing step), 'level' (a supporting leg changes level with no time),
    'front' (the facing turns with no time). ``degrees``: the angle a limb must cover, where one applies.
    """

    beat: float
    column: Column | None
    kind: str
    before: str
    after: str
    degrees: float | None
    message: str


def _vector(cell: tuple[Direction, Level]) -> np.ndarray:
    direction, level = cell
    if direction is Direction.PLACE:
        return np.array([0.0, 0.0, 1.0 if level is Level.HIGH else -1.0])
    e = math.radians({Level.HIGH: 45.0, Level.MIDDLE: 0.0, Level.LOW: -45.0}[level])
    a = math.radians(direction.azimuth)
    return np.array([math.cos(e) * math.cos(a), math.cos(e) * math.sin(a), math.sin(e)])


def _angle(a: tuple[Direction, Level], b: tuple[Direction, Level]) -> float:
    return math.degrees(math.acos(float(np.clip(_vector(a) @ _vector(b), -1.0, 1.0))))


def _words(cell: tuple[Direction, Level] | None) -> str:
    return "nothing" if cell is None else f"{cell[0].value} {cell[1].value}"


def transitions(score: Score, beat: float) -> list[Jump]:
    """What jumps discontinuously at ``beat`` (a join of ``splice``, ``concatenate`` or ``repeat``): limbs that
    change by more than a neighbouring cell with no movement time, or must move faster than a dancer can, weight
    that arrives on a foot without a step (a landing without a landing step), support levels and the facing that
    change with no time. An empty list is a seamless join."""
    grid = score.grid
    bar, in_bar = grid.bar_and_beat(beat)
    where = f"bar {bar} beat {in_bar:g}"
    jumps = []
    before, after = _state(score, beat, instant=False), _state(score, beat)
    here = [s for s in score.symbols if abs(s.start - beat) < _EPS]
    steps = {s.column for s in here if s.column in SUPPORT_COLUMNS and s.sign is Sign.DIRECTION and s.duration > 0}

    def add(column, kind, old, new, degrees, what):
        jumps.append(Jump(beat, column, kind, old, new, degrees, f"{where}: {what}"))

    covered = {f for s, fs in _spans(score.symbols) if s.start <= beat + _EPS < s.end for f in fs}
    restated = {s.column for s in here if s.duration == 0 and s.column in SUPPORT_COLUMNS}
    arriving = (set(after.feet) if restated else covered)
    spans = _spans(score.symbols)
    was = {f for s, fs in spans if s.start < beat - _EPS and s.end >= beat - _EPS for f in fs}
    if not was and not any(s.end < beat - _EPS for s, _ in spans):  # the starting position still stands
        was = set(before.feet)
    for foot in SUPPORT_COLUMNS:
        if foot in arriving and foot not in was and foot not in steps:
            kind = "landing" if not was and beat > 0 else "weight"
            what = "lands on" if kind == "landing" else "the weight arrives on"
            add(foot, kind, "free", "supporting", None, f"{what} the {foot.value.split('-')[1]} foot without a step")
        elif foot in arriving and foot in before.feet and foot in after.feet and foot not in steps \
                and before.feet[foot] is not after.feet[foot]:
            add(foot, "level", before.feet[foot].value, after.feet[foot].value, None,
                f"{foot.value} changes level from {before.feet[foot].value} to {after.feet[foot].value} with no time")
    for column in GESTURE_COLUMNS:
        old, new = before.limbs.get(column), after.limbs.get(column)
        if old is not None and new is not None and old != new and _angle(old, new) > NEIGHBOURING + 1e-6:
            add(column, "jump", _words(old), _words(new), _angle(old, new),
                f"{column.value} jumps from {_words(old)} to {_words(new)} ({_angle(old, new):.0f}°) with no time")
        moves = [s for s in here if s.column is column and s.sign is Sign.DIRECTION and s.duration > 0]
        if new is not None and moves:
            target = (moves[0].direction, moves[0].level)
            angle = _angle(new, target)
            seconds = float(grid.beats_to_seconds(moves[0].end) - grid.beats_to_seconds(moves[0].start))
            if angle / max(seconds, 1e-9) > FASTEST_GESTURE:
                add(column, "too-fast", _words(new), _words(target), angle,
                    f"{column.value} must swing {angle:.0f}° in {seconds:.2f} s")
    for s in here:
        if s.sign is Sign.TURN and s.duration == 0 and beat > 0:
            add(s.column, "front", "", f"{s.turn:+g}", abs(s.turn) * 360.0,
                f"the front turns {s.turn:+g} of a turn with no time")
    return jumps
