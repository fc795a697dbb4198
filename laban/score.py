"""The score: Labanotation symbols on the columns of a vertical staff, in musical time.

A ``Score`` knows nothing about joints or neural networks. Its vocabulary is the notation's own: a ``Symbol``
sits in a ``Column`` of the staff, starts on a beat, lasts a number of beats and, for a direction symbol, says
``Direction`` and ``Level``. Other signs are turns (pivots, with their amount), holds and flight (a jump: no
weight on the floor). JSON, the text form and LabanEditor JSON are views of this one type (``laban.formats``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

from .timing import BeatGrid


class Direction(str, Enum):
    """The nine horizontal directions, judged in the performer's standard cross of axes."""

    PLACE = "place"
    FORWARD = "forward"
    RIGHT_FORWARD = "right-forward"
    RIGHT = "right"
    RIGHT_BACKWARD = "right-backward"
    BACKWARD = "backward"
    LEFT_BACKWARD = "left-backward"
    LEFT = "left"
    LEFT_FORWARD = "left-forward"

    @property
    def azimuth(self) -> float | None:
        """Degrees clockwise from the front seen from above (forward 0, right 90); ``None`` for place."""
        return None if self is Direction.PLACE else 45.0 * (_HORIZONTAL.index(self))

    @classmethod
    def from_azimuth(cls, degrees: float) -> "Direction":
        """The horizontal direction whose 45° sector holds ``degrees`` (clockwise from the front)."""
        return _HORIZONTAL[int(round((degrees % 360.0) / 45.0)) % 8]


_HORIZONTAL = (
    Direction.FORWARD, Direction.RIGHT_FORWARD, Direction.RIGHT, Direction.RIGHT_BACKWARD,
    Direction.BACKWARD, Direction.LEFT_BACKWARD, Direction.LEFT, Direction.LEFT_FORWARD,
)
HORIZONTAL_DIRECTIONS: tuple[Direction, ...] = _HORIZONTAL


class Level(str, Enum):
    """Elevation: high (~45° up; straight up for place), middle (horizontal), low (~45° down)."""

    HIGH = "high"
    MIDDLE = "middle"
    LOW = "low"


class Column(str, Enum):
    """Columns of the staff. ``CENTRE`` holds signs that span both support columns (jumps, two-foot turns)."""

    CENTRE = "centre"
    SUPPORT_LEFT = "support-left"
    SUPPORT_RIGHT = "support-right"
    LEG_LEFT = "leg-left"
    LEG_RIGHT = "leg-right"
    TORSO = "torso"
    UPPER_ARM_LEFT = "upper-arm-left"
    UPPER_ARM_RIGHT = "upper-arm-right"
    FOREARM_LEFT = "forearm-left"
    FOREARM_RIGHT = "forearm-right"
    HEAD = "head"

    @property
    def side(self) -> str | None:
        """'left', 'right' or ``None`` for columns on the centre line or the torso and head."""
        for side in ("left", "right"):
            if self.value.endswith(side):
                return side
        return None

    @property
    def is_support(self) -> bool:
        return self in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT, Column.CENTRE)


SUPPORT_COLUMNS: tuple[Column, ...] = (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)
GESTURE_COLUMNS: tuple[Column, ...] = (
    Column.LEG_LEFT, Column.LEG_RIGHT, Column.TORSO, Column.UPPER_ARM_LEFT, Column.UPPER_ARM_RIGHT,
    Column.FOREARM_LEFT, Column.FOREARM_RIGHT, Column.HEAD,
)
ARM_COLUMNS: tuple[Column, ...] = (Column.UPPER_ARM_LEFT, Column.UPPER_ARM_RIGHT, Column.FOREARM_LEFT,
                                   Column.FOREARM_RIGHT)
# Where a contraction sign may stand: the leg gestures (the knee's bend) and the forearms (the elbow's bend; the arm
# is written as upper arm + forearm, as the Microsoft tool does, so the elbow belongs to the forearm's symbol).
BENDING_COLUMNS: tuple[Column, ...] = (Column.LEG_LEFT, Column.LEG_RIGHT, Column.FOREARM_LEFT, Column.FOREARM_RIGHT)
CONTRACTION_DEGREES = 6  # Labanotation's six-degree scale of contraction: 6 is the limb folded right up
CONTRACTION_STEP = 30.0  # degrees of knee or elbow flexion per degree of contraction (6 degrees: 180°)
SPACE_SIGNS = 3  # at most three small or large signs beside a symbol (one: somewhat; two, three: more)
MAX_TURNS = 64  # whole turns one turn sign may write (a dervish's spin is tens): more is a typo, not a dance
# The longest dance one score may ask for, decoded (``laban.decoder``) or drawn (``viz.staff``, ``viz.pages``): longer
# is a typo (a bar number with zeros too many) that would decode for hours into gigabytes, or draw thousands of pages.
LONGEST_SCORE_S = 4 * 3600.0


class Sign(str, Enum):
    """What a symbol says: a direction (and level), a turn, a hold, or flight."""

    DIRECTION = "direction"
    TURN = "turn"
    HOLD = "hold"
    FLIGHT = "flight"


@dataclass(frozen=True)
class Symbol:
    """One symbol on the staff.

    ``start`` and ``duration`` are in beats from the first beat of the score; a movement starts at the bottom
    edge of its symbol and arrives at its destination at the top edge. ``turn`` is the amount of a turn sign in
    whole turns, positive clockwise (to the right). Symbols of the starting position have duration 0.

    Two modifiers, Labanotation's own, say what a plain direction symbol cannot; absent (``None``) they say what
    the notation assumes without them, so a score without them reads and performs as it always has:

    - ``contraction``: the contraction sign (the X-shaped sign) on a leg gesture or a forearm, in degrees 1 to 6
      of the six-degree scale: the knee or elbow bent by about ``CONTRACTION_STEP`` degrees per degree. Without
      it the limb is at its natural extension (straight), so "bent-knee lift" and "straight kick" differ.
    - ``space``: space measurement signs beside a step (its length) or a flight (the jump's height): negative
      for that many *small* (narrow) signs, positive for that many *large* (wide) signs, up to ``SPACE_SIGNS``.
      Without them the step or jump is of normal size; sizes are judged against the performer's own leg length
      (``laban.analysis.space_measurement``).
    """

    start: float
    column: Column
    duration: float
    sign: Sign = Sign.DIRECTION
    direction: Direction | None = None
    level: Level | None = None
    turn: float | None = None
    contraction: int | None = None
    space: int | None = None

    def __post_init__(self) -> None:
        if not (self.start >= 0 and self.duration >= 0):
            raise ValueError(f"symbol in {self.column.value} must have start >= 0 and duration >= 0")
        if self.sign is Sign.DIRECTION and (self.direction is None or self.level is None):
            raise ValueError(f"direction symbol in {self.column.value} needs a direction and a level")
        if self.sign is Sign.TURN and not self.turn:
            raise ValueError(f"turn sign in {self.column.value} needs a non-zero amount")
        if self.sign is Sign.TURN and not abs(self.turn) <= MAX_TURNS:
            raise ValueError(f"a turn of {self.turn:g} turns in {self.column.value}: more than the {MAX_TURNS} "
                             "whole turns one sign may write")
        if self.sign is Sign.FLIGHT and self.column is not Column.CENTRE:
            raise ValueError("flight is written in the centre column")
        if self.sign is not Sign.TURN and self.turn is not None:
            raise ValueError("only a turn sign has a turn amount")
        if self.sign is not Sign.DIRECTION and (self.direction is not None or self.level is not None):
            raise ValueError(f"a {self.sign.value} sign has no direction or level")
        if self.contraction is not None:
            if isinstance(self.contraction, bool) or self.contraction not in range(1, CONTRACTION_DEGREES + 1):
                raise ValueError(f"contraction in {self.column.value} must be a degree from 1 to "
                                 f"{CONTRACTION_DEGREES}, not {self.contraction!r}")
            if self.sign is not Sign.DIRECTION or self.column not in BENDING_COLUMNS:
                raise ValueError(f"a contraction sign stands on a leg gesture or a forearm direction symbol, "
                                 f"not on a {self.sign.value} in {self.column.value}")
        if self.space is not None:
            if isinstance(self.space, bool) or self.space not in range(-SPACE_SIGNS, SPACE_SIGNS + 1) \
                    or self.space == 0:
                raise ValueError(f"space measurement in {self.column.value} must be -{SPACE_SIGNS}..-1 (small) or "
                                 f"1..{SPACE_SIGNS} (large), not {self.space!r}")
            if not (self.sign is Sign.FLIGHT or self.sign is Sign.DIRECTION and self.column in SUPPORT_COLUMNS):
                raise ValueError(f"space measurement signs stand beside a step or a flight, not a "
                                 f"{self.sign.value} in {self.column.value}")

    @property
    def end(self) -> float:
        return self.start + self.duration

    @property
    def bend(self) -> float:
        """Degrees of knee or elbow flexion the contraction sign asks for (0: the limb straight)."""
        return CONTRACTION_STEP * (self.contraction or 0)


@dataclass
class Score:
    """A Labanotation score: a beat grid, the starting position and the symbols, sorted by start and column."""

    grid: BeatGrid
    symbols: list[Symbol] = field(default_factory=list)
    starting_position: list[Symbol] = field(default_factory=list)
    title: str = ""

    def __post_init__(self) -> None:
        self.symbols = sorted(self.symbols, key=_order)
        self.starting_position = sorted(self.starting_position, key=_order)
        if any(s.start != 0 or s.duration != 0 for s in self.starting_position):
            raise ValueError("starting-position symbols start at beat 0 and have duration 0")

    @property
    def tempo(self) -> float:
        return self.grid.tempo

    @property
    def beats_per_bar(self) -> int:
        return self.grid.beats_per_bar

    @property
    def duration(self) -> float:
        """Length in beats: to the end of the last symbol, or the grid's last beat if later."""
        last = max((s.end for s in self.symbols), default=0.0)
        return max(last, float(self.grid.beat_count - 1))

    def column(self, column: Column) -> list[Symbol]:
        return [s for s in self.symbols if s.column is column]

    def between(self, start: float, stop: float) -> "Score":
        """The symbols that start in [start, stop) beats, moved so that ``start`` becomes beat 0."""
        shifted = [replace(s, start=s.start - start) for s in self.symbols if start <= s.start < stop]
        return Score(self.grid, shifted, list(self.starting_position), self.title)

    def save(self, path: str | Path, format: str | None = None) -> None:
        """Write the score atomically; the format follows the suffix (``.json``, ``.txt``/``.laban``,
        ``.labaneditor.json``) unless ``format`` ('json', 'text', 'labaneditor') says otherwise."""
        from .formats import save_score

        save_score(self, path, format)

    @classmethod
    def load(cls, path: str | Path, format: str | None = None) -> "Score":
        """Read a score written by ``save`` (or by Microsoft's LabanEditor); bad files raise ScoreFileError."""
        from .formats import load_score

        return load_score(path, format)


def too_long(score: Score) -> str | None:
    """How long ``score`` lasts from its first beat, said with the bar it ends in, where that is longer than
    ``LONGEST_SCORE_S`` (else None): what the staff and ``describe`` refuse, as the decoder does, before any work."""
    seconds = float(score.grid.beats_to_seconds(score.duration)) - score.grid.times[0]
    if seconds <= LONGEST_SCORE_S:
        return None
    bar, _ = score.grid.bar_and_beat(score.duration - 1e-6)  # the bar it ends in, not the bar line after
    return f"the score lasts {seconds / 3600:.1f} h (to bar {bar})"


# What a gesture column says before its first symbol when the starting position leaves it out: the natural
# position of the body — torso and head upright (place high), legs and arms hanging (place low).
NATURAL_POSITION: dict[Column, tuple[Direction, Level]] = {
    column: (Direction.PLACE, Level.HIGH if column in (Column.TORSO, Column.HEAD) else Level.LOW)
    for column in GESTURE_COLUMNS
}

_COLUMN_ORDER = {c: i for i, c in enumerate(Column)}


def _order(symbol: Symbol) -> tuple:
    return (symbol.start, _COLUMN_ORDER[symbol.column], symbol.duration, symbol.sign.value)


# --- validation ------------------------------------------------------------------------------------------------

TOUCHING = 1e-9  # beats: symbols that meet within float rounding (a score shifted by whole beats) only touch


def overlapping(symbols: Sequence[Symbol]) -> tuple[int, int] | None:
    """The first two symbols that say two things at once in one column, as indices into ``symbols`` (the one that
    starts first, then the one that starts while it still runs), or None when the column reads one way.

    A column holds one symbol at a time; symbols that touch (one ends on the beat the next starts, as a step and
    its turn do in a support column) do not overlap. Two exceptions say one thing, not two: zero-length symbols
    at the same beat are restatements (an inline starting position, as the score algebra writes at joins), and in
    the centre column a turn may stand beside a flight (a turn in the air). A zero-length symbol inside a running
    one does overlap it: the column would be in two states at that instant. The score readers call this, so that
    a hand-written score is refused with the place of both symbols instead of being read one way or another."""
    order = sorted(range(len(symbols)), key=lambda i: (symbols[i].start, i))
    running: dict[Column, list[int]] = {}  # per column, the symbols seen that may still run
    for later in order:
        b = symbols[later]
        active = [i for i in running.get(b.column, []) if symbols[i].end > b.start + TOUCHING
                  or symbols[i].duration == 0 and abs(symbols[i].start - b.start) <= TOUCHING]
        for earlier in active:
            if _at_once(symbols[earlier], b):
                return earlier, later
        running[b.column] = active + [later]
    return None


def _at_once(a: Symbol, b: Symbol) -> bool:
    """Whether ``a`` (starting no later than ``b``) and ``b`` say two things at once in their column."""
    if a.column is Column.CENTRE and {a.sign, b.sign} == {Sign.TURN, Sign.FLIGHT}:
        return False  # a turn in the air
    if a.duration == 0 and b.duration == 0:
        return False  # restatements at one beat (the running list keeps only those at b's beat)
    if a.duration == 0:  # an instant at or after b's start is inside b only when b has begun
        return b.start + TOUCHING < a.start < b.end - TOUCHING
    if b.duration == 0:
        return a.start + TOUCHING < b.start < a.end - TOUCHING
    return min(a.end, b.end) - max(a.start, b.start) > TOUCHING
