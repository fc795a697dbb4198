"""Reading a score on a time grid: what every column of the staff says at each of a series of beats.

A notator reads a column at a moment as what the body does there, not as the symbols drawn:

- a **gesture column** says where its limb is going or resting: the destination of the direction symbol covering
  the moment, else of the last one before it (a limb stays where it arrived), else the starting position, else the
  body's natural position (``laban.score.NATURAL_POSITION``: torso and head upright, limbs hanging);
- a **leg column** says nothing while its foot supports. Each time the foot comes free the leg starts from
  hanging (place low; at the very start, from the starting position) and then goes where its symbols say;
- a **support column** says the symbol covering the moment (a step's direction and level, a hold, a turn), and
  nothing while that foot carries no weight; a foot of the starting position holds until the first support;
- the **centre column** says flight, a two-foot or aerial turn, or nothing.

Each beat read stands for the cell around it, bounded halfway to its neighbours (``cell_centres`` makes the usual
regular cells); a symbol *starts* in the cell that holds its start. This is the one reading behind the round-trip
figure (``laban.compare``), the notation metrics and the text ↔ score evaluator of ``motiongpt``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .score import GESTURE_COLUMNS, NATURAL_POSITION, Column, Direction, Level, Score, Sign, Symbol

COLUMNS: tuple[Column, ...] = tuple(Column)  # the rows of a reading, in the staff's order
SIGNS: tuple[Sign, ...] = tuple(Sign)
DIRECTIONS: tuple[Direction, ...] = tuple(Direction)
LEVELS: tuple[Level, ...] = tuple(Level)
NOTHING = -1  # the code of 'nothing said' in every code array

_ROW = {c: i for i, c in enumerate(COLUMNS)}
_SIGN = {s: i for i, s in enumerate(SIGNS)}
_DIRECTION = {d: i for i, d in enumerate(DIRECTIONS)}
_LEVEL = {v: i for i, v in enumerate(LEVELS)}
_LEG_SUPPORT = {Column.LEG_LEFT: Column.SUPPORT_LEFT, Column.LEG_RIGHT: Column.SUPPORT_RIGHT}


@dataclass(frozen=True)
class Reading:
    """What each column says at each beat read: rows are ``COLUMNS``, codes index ``SIGNS``, ``DIRECTIONS`` and
    ``LEVELS`` (``NOTHING`` where the column says nothing, or the sign has no direction and level)."""

    beats: np.ndarray  # (T,) the beats read
    sign: np.ndarray  # (C, T) int
    direction: np.ndarray  # (C, T) int
    level: np.ndarray  # (C, T) int
    turn: np.ndarray  # (C, T) float: a turn's amount in whole turns (+ to the right), 0 for any other sign
    starts: np.ndarray  # (C, T) bool: a symbol of the column starts in the cell of this beat

    def row(self, column: Column) -> int:
        return _ROW[column]

    def says(self, column: Column) -> np.ndarray:
        """(T,) whether ``column`` says anything at each beat."""
        return self.sign[_ROW[column]] != NOTHING


def cell_centres(length: float, per_beat: int) -> np.ndarray:
    """Centres of the cells of 1/``per_beat`` beat that cover ``length`` beats (a last part cell included)."""
    return (np.arange(int(np.ceil(length * per_beat - 1e-9))) + 0.5) / per_beat


def read(score: Score, beats: np.ndarray) -> Reading:
    """What every column of ``score`` says at ``beats`` (ascending), and where its symbols start."""
    beats = np.asarray(beats, dtype=float)
    shape = (len(COLUMNS), len(beats))
    out = Reading(beats, np.full(shape, NOTHING), np.full(shape, NOTHING), np.full(shape, NOTHING),
                  np.zeros(shape), np.zeros(shape, dtype=bool))
    edges = _edges(beats)
    start: dict[Column, Symbol] = {}
    for s in score.starting_position:
        start.setdefault(s.column, s)
    first_support = min((s.start for s in score.symbols if s.column.is_support), default=np.inf)
    by_column: dict[Column, list[Symbol]] = {c: [] for c in COLUMNS}
    for s in score.symbols:  # sorted by start: a later symbol overrides an earlier one
        by_column[s.column].append(s)
    for column in COLUMNS:
        r, symbols = _ROW[column], by_column[column]
        if column in _LEG_SUPPORT:
            _free_leg(out, r, symbols, by_column[_LEG_SUPPORT[column]], start, first_support, edges)
        elif column in GESTURE_COLUMNS:
            first = start.get(column)
            rest = (first.direction, first.level) if first is not None and first.sign is Sign.DIRECTION else \
                NATURAL_POSITION[column]
            _destinations(out, r, np.arange(len(beats)), symbols, rest)
        else:
            for s in symbols:
                _say(out, r, (beats >= s.start) & (beats < s.end), s)
            if column is not Column.CENTRE and column in start:  # the starting position stands until the first step
                before = (beats < first_support) & (out.sign[r] == NOTHING)
                out.sign[r, before] = _SIGN[Sign.HOLD]
        if len(beats) and symbols:
            out.starts[r, np.searchsorted(edges[1:-1], [s.start for s in symbols], side="right")] = True
    return out


def _edges(beats: np.ndarray) -> np.ndarray:
    """(T + 1,) cell boundaries: halfway between neighbouring beats, the outer ones as far out as the inner."""
    if len(beats) == 0:
        return np.zeros(1)
    if len(beats) == 1:
        return np.array([beats[0] - 0.5, beats[0] + 0.5])
    middle = 0.5 * (beats[1:] + beats[:-1])
    return np.concatenate([[beats[0] - (middle[0] - beats[0])], middle, [beats[-1] + (beats[-1] - middle[-1])]])


def _say(out: Reading, r: int, where: np.ndarray, symbol: Symbol) -> None:
    out.sign[r, where] = _SIGN[symbol.sign]
    is_direction = symbol.sign is Sign.DIRECTION
    out.direction[r, where] = _DIRECTION[symbol.direction] if is_direction else NOTHING
    out.level[r, where] = _LEVEL[symbol.level] if is_direction else NOTHING
    out.turn[r, where] = symbol.turn if symbol.sign is Sign.TURN else 0.0


def _destinations(out: Reading, r: int, cells: np.ndarray, symbols: list[Symbol],
                  rest: tuple[Direction, Level]) -> None:
    """Over ``cells``: the destination of the last direction symbol started at or before each beat, else ``rest``."""
    moves = [s for s in symbols if s.sign is Sign.DIRECTION]
    which = np.searchsorted([s.start for s in moves], out.beats[cells], side="right") - 1
    out.sign[r, cells] = _SIGN[Sign.DIRECTION]
    out.direction[r, cells] = np.array([_DIRECTION[s.direction] for s in moves] + [_DIRECTION[rest[0]]])[which]
    out.level[r, cells] = np.array([_LEVEL[s.level] for s in moves] + [_LEVEL[rest[1]]])[which]


def _free_leg(out: Reading, r: int, symbols: list[Symbol], support: list[Symbol], start: dict[Column, Symbol],
              first_support: float, edges: np.ndarray) -> None:
    """A leg column: nothing while its foot supports; from each time the foot comes free, hanging (or the
    starting position at the very start) until its symbols say otherwise."""
    beats = out.beats
    supported = np.zeros(len(beats), dtype=bool)
    for s in support:
        supported |= (beats >= s.start) & (beats < s.end)
    foot = _LEG_SUPPORT[COLUMNS[r]]
    if foot in start:
        supported |= beats < first_support
    first = start.get(COLUMNS[r])
    first = (first.direction, first.level) if first is not None and first.sign is Sign.DIRECTION else None
    padded = np.concatenate([[False], ~supported, [False]])
    bounds = np.flatnonzero(padded[1:] != padded[:-1])
    for begin, end in zip(bounds[::2], bounds[1::2]):
        # A symbol may start up to a cell before the foot comes free (the tokenizer's quantisation).
        opened = edges[begin - 1] if begin > 0 else -np.inf
        moves = [s for s in symbols if s.start >= opened and s.start < edges[end]]
        rest = first if begin == 0 and first is not None else (Direction.PLACE, Level.LOW)
        _destinations(out, r, np.arange(begin, end), moves, rest)
