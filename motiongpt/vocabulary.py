"""The vocabulary: a Labanotation score as a sequence of token ids for a language model, and back.

A score is written bar by bar, REMI-style (bar / position / what / duration events, Pop Music Transformer 2020),
so that any run of bars can be cut out, regenerated and put back::

    <bos> <start> (col what)*                              the starting position, in column order
    <bar> (<cont> col what dur [<tie>])*                   bar 1: first the symbols continued from the bar before,
          ([pos] col what dur [<tie>])*                    then its events by (position, column)
    <bar> ...                                              one <bar> per bar of the grid, empty bars included
    <eos>

- ``pos`` is where an event starts in its bar, in 1/``subdivision`` of a beat (written only when it changes);
  ``dur`` how long it lasts *inside this bar*. A symbol that runs over a bar line is cut there: its piece in
  this bar ends with ``<tie>``, and the next bar opens with ``<cont>`` and the same column and what, so that a
  bar read alone says everything sounding in it. ``to_score`` merges the pieces back.
- ``what`` is one token: a direction cell (``forward/middle``), ``hold``, ``flight`` or a turn in eighths of a
  turn (``turn:+1/8`` .. ``turn:+3``); from version 2, Labanotation's modifiers may follow it, in this order:
  ``contraction:1`` .. ``contraction:6`` (a bent knee or elbow, on a leg gesture or a forearm) and ``space:-1``
  .. ``space:+3`` (small or large signs beside a step or a flight); ``col what [contraction] [space] dur``. Every
  piece of a symbol repeats them (a bar read alone says everything sounding in it); ``to_score`` gives a merged
  symbol its first piece's.
- Bars count from the grid's first beat: with an upbeat of *u* beats, the first ``<bar>`` is that upbeat, a
  bar whose positions start at beat *meter - u* (its first *meter - u* beats lie before the music starts).

**The grid is conditioning, not text.** Tempo, beat times, meter and upbeat travel beside the ids (the model
receives them as conditioning, the grammar needs meter, upbeat and the number of bars); ``to_score(ids, grid)``
takes the grid back, and the title too, since neither is part of the dance.

**Quantisation.** Positions and durations are whole multiples of 1/``subdivision`` beat (default 4, as the
tokenizer writes them), turns of 1/8 turn. ``encode`` refuses, in one line, a score that is off this grid;
``quantise`` rounds one onto it (documented there) first. On such scores ``to_score(encode(s), s.grid,
s.title) == s`` exactly.

**Fill in the middle.** ``<fim_prefix> P <fim_suffix> S <fim_middle> M <eos>`` (``fill_in_the_middle``):
bars ``M`` written after the bars before (``P``) and after (``S``) them (Bavarian et al. 2022).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from laban.errors import LabanError
from laban.files import atomic_path
from laban.score import (BENDING_COLUMNS, CONTRACTION_DEGREES, SPACE_SIGNS, SUPPORT_COLUMNS, Column, Direction,
                         Level, Score, Sign, Symbol)
from laban.timing import BeatGrid

VERSION = 2  # 2: the modifier tokens (contraction, space measurement); version-1 files are still read
VERSIONS = (1, 2)
FILE_NAME = "vocabulary.json"
FORMAT = "motiongpt-vocabulary"

SPECIALS = ("<pad>", "<bos>", "<eos>", "<start>", "<bar>", "<cont>", "<tie>",
            "<fim_prefix>", "<fim_suffix>", "<fim_middle>")
COLUMNS: tuple[Column, ...] = tuple(Column)
CELLS: tuple[tuple[Direction, Level], ...] = tuple((d, lv) for d in Direction for lv in Level)
TURN_STEP = 8  # turns in eighths of a turn, as the tokenizer writes them
CONTRACTIONS = tuple(f"contraction:{k}" for k in range(1, CONTRACTION_DEGREES + 1))
SPACES = tuple(f"space:{k:+d}" for k in range(-SPACE_SIGNS, SPACE_SIGNS + 1) if k)

# Lanes: what may not overlap in time. One per column, except the centre, where a turn in the air stands beside
# the flight it turns in: lane 0 flight, lane 1 centre turns, then the other columns in staff order.
LANE_COUNT = len(COLUMNS) + 1


def lane(column: Column, sign: Sign) -> int:
    if column is Column.CENTRE:
        return 0 if sign is Sign.FLIGHT else 1
    return COLUMNS.index(column) + 1


def lane_column(index: int) -> Column:
    return Column.CENTRE if index < 2 else COLUMNS[index - 1]


class VocabularyError(LabanError):
    """A score the vocabulary cannot write exactly, or ids that are no score."""


@dataclass(frozen=True)
class Piece:
    """One event of the token stream: a symbol's part inside one bar (positions in subdivisions of a beat)."""

    bar: int
    position: int
    column: Column
    what: str
    duration: int
    tie: bool = False  # continues into the next bar
    cont: bool = False  # continues from the bar before
    modifiers: tuple[str, ...] = ()  # modifier token names (version 2), repeated on every piece of a symbol


def _beats(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def _turn_name(eighths: int) -> str:
    """``turn:+1/8``, ``turn:-1/2``, ``turn:+1+1/4``: whole turns, clockwise positive, as the text form counts."""
    whole, part = divmod(abs(eighths), TURN_STEP)
    fraction = Fraction(part, TURN_STEP)
    amount = f"{whole}+{fraction}" if whole and part else str(whole) if whole else str(fraction)
    return f"turn:{'+' if eighths > 0 else '-'}{amount}"


class Vocabulary:
    """Token ids ↔ scores, for one subdivision of the beat, longest bar and largest turn.

    ``save_pretrained(dir)`` / ``from_pretrained(dir)`` write and read ``vocabulary.json`` (versioned, beside a
    model's weights); the token list is stored and must match what these settings build.

    ``version`` 2 (the default) has the modifier tokens after all others, so a version-1 vocabulary's ids are the
    same tokens in both. A version-1 vocabulary (a model trained before them; the built-in one is version 2) has no
    modifier tokens: encoding a score for it drops the contraction and space measurement signs (the score reads
    as straight limbs and normal steps and jumps), and its ids decode exactly as before.
    """

    def __init__(self, subdivision: int = 4, max_beats_per_bar: int = 8, max_turn: int = 3,
                 version: int = VERSION) -> None:
        if not (subdivision >= 1 and max_beats_per_bar >= 1 and max_turn >= 1):
            raise VocabularyError("subdivision, max_beats_per_bar and max_turn must be at least 1")
        if version not in VERSIONS:
            raise VocabularyError(f"vocabulary version {version!r}; this package reads {', '.join(map(str, VERSIONS))}")
        self.version = version
        self.subdivision, self.max_beats_per_bar, self.max_turn = subdivision, max_beats_per_bar, max_turn
        self.max_positions = max_beats_per_bar * subdivision
        self.columns = [f"col:{c.value}" for c in COLUMNS]
        turns = [k for k in range(-max_turn * TURN_STEP, max_turn * TURN_STEP + 1) if k]
        self.whats = ([f"{d.value}/{lv.value}" for d, lv in CELLS] + ["hold", "flight"]
                      + [_turn_name(k) for k in turns])
        self.turn_eighths = {_turn_name(k): k for k in turns}
        self._cells = frozenset(f"{d.value}/{lv.value}" for d, lv in CELLS)
        q = Fraction(1, subdivision)
        self.positions = [f"pos:{_beats(1 + p * q)}" for p in range(self.max_positions)]
        self.durations = [f"dur:{_beats((d + 1) * q)}" for d in range(self.max_positions)]
        self.modifiers = [*CONTRACTIONS, *SPACES] if version >= 2 else []
        self.tokens = [*SPECIALS, *self.columns, *self.whats, *self.positions, *self.durations, *self.modifiers]
        self.ids = {t: i for i, t in enumerate(self.tokens)}
        if len(self.ids) != len(self.tokens):
            raise VocabularyError("duplicate token names (subdivision too fine for the names)")
        for name in SPECIALS:
            setattr(self, name.strip("<>") + "_id", self.ids[name])
        self.column0 = len(SPECIALS)
        self.what0 = self.column0 + len(self.columns)
        self.position0 = self.what0 + len(self.whats)
        self.duration0 = self.position0 + self.max_positions
        self.modifier0 = self.duration0 + self.max_positions
        self._allowed = {(start, c): set(self.allowed_whats(c, start)) for c in COLUMNS for start in (False, True)}

    def __len__(self) -> int:
        return len(self.tokens)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self.tokens == other.tokens

    def __repr__(self) -> str:
        return (f"Vocabulary({len(self)} tokens: subdivision={self.subdivision}, "
                f"max_beats_per_bar={self.max_beats_per_bar}, max_turn={self.max_turn}, version={self.version})")

    # --- what each column may say -------------------------------------------------------------------------

    def allowed_whats(self, column: Column, start: bool = False) -> list[str]:
        """What a column may say: flight and turns in the centre; a support any of the 27 cells, a turn or a
        hold; a gesture one of the 26 cells (a limb has no 'place middle') or a hold. The starting position says
        only cells, and nothing in the centre."""
        if column is Column.CENTRE:
            return [] if start else ["flight", *self.turn_eighths]
        cells = [f"{d.value}/{lv.value}" for d, lv in CELLS
                 if column in SUPPORT_COLUMNS or (d, lv) != (Direction.PLACE, Level.MIDDLE)]
        if start:
            return cells
        return cells + ["hold"] + (list(self.turn_eighths) if column in SUPPORT_COLUMNS else [])

    def allowed_modifiers(self, column: Column, what: str) -> list[str]:
        """The modifier tokens that may follow ``what`` in ``column``: contraction on a leg gesture's or a forearm's
        direction, space measurement on a step's direction or a flight (none in a version-1 vocabulary)."""
        if not self.modifiers:
            return []
        cell = what in self._cells
        if cell and column in BENDING_COLUMNS:
            return list(CONTRACTIONS)
        if (cell and column in SUPPORT_COLUMNS) or what == "flight":
            return list(SPACES)
        return []

    def modifiers_of(self, symbol: Symbol) -> tuple[str, ...]:
        """The modifier token names of a symbol, in stream order; none in a version-1 vocabulary (dropped)."""
        if not self.modifiers:
            return ()
        names = [] if symbol.contraction is None else [f"contraction:{symbol.contraction}"]
        return tuple(names + ([] if symbol.space is None else [f"space:{symbol.space:+d}"]))

    def what_of(self, symbol: Symbol) -> str:
        """The what-token name of a symbol; refuses what the vocabulary cannot say exactly."""
        if symbol.sign is Sign.DIRECTION:
            return f"{symbol.direction.value}/{symbol.level.value}"
        if symbol.sign is Sign.TURN:
            eighths = symbol.turn * TURN_STEP
            if eighths != round(eighths) or abs(eighths) > self.max_turn * TURN_STEP:
                raise VocabularyError(f"turn of {symbol.turn:+g} at beat {symbol.start:g} in {symbol.column.value} "
                                      f"is not a multiple of 1/8 turn up to {self.max_turn} turns (quantise it)")
            return _turn_name(int(round(eighths)))
        return symbol.sign.value

    def symbol(self, what: str, column: Column, start: float, duration: float,
               modifiers: tuple[str, ...] = ()) -> Symbol:
        extra = {}
        for name in modifiers:
            kind, value = name.split(":")
            extra[kind] = int(value)
        if what in self.turn_eighths:
            return Symbol(start, column, duration, Sign.TURN, turn=self.turn_eighths[what] / TURN_STEP)
        if what in ("hold", "flight"):
            return Symbol(start, column, duration, Sign(what), **extra)
        direction, level = what.split("/")
        return Symbol(start, column, duration, Sign.DIRECTION, Direction(direction), Level(level), **extra)

    # --- bars ---------------------------------------------------------------------------------------------

    def bar_geometry(self, beats_per_bar: int, upbeat: int = 0) -> tuple[int, int]:
        """(bar length, first bar's offset) in subdivisions: bar k starts at ``offset + k * length`` from the
        grid's first beat; with an upbeat the offset is negative and the first bar is the upbeat."""
        if not 1 <= beats_per_bar <= self.max_beats_per_bar:
            raise VocabularyError(f"a bar of {beats_per_bar} beats is longer than this vocabulary's "
                                  f"{self.max_beats_per_bar}")
        length = beats_per_bar * self.subdivision
        return length, (upbeat - beats_per_bar) * self.subdivision if upbeat else 0

    def bar_beat(self, grid: BeatGrid, bar: int) -> float:
        """The beat (from the grid's first) where bar ``bar`` of the ids starts, 0 for an upbeat bar (it starts
        before the grid); ``bar`` = the bar count gives where the last bar ends."""
        length, offset = self.bar_geometry(grid.beats_per_bar, grid.downbeat)
        return max(offset + bar * length, 0) / self.subdivision

    def bar_count(self, grid: BeatGrid, beats: float | None = None) -> int:
        """Bars that cover the grid up to its last beat, or (given) its first ``beats`` beats: an upbeat is a bar,
        and ``beats`` that reach a bar line (to within rounding: a length in seconds is rarely a whole number of
        beats in floating point) end with the bar before it."""
        length, offset = self.bar_geometry(grid.beats_per_bar, grid.downbeat)
        end = (grid.beat_count - 1 if beats is None else beats) * self.subdivision
        return max(1, math.ceil((end - offset) / length - 1e-6))

    # --- score -> ids -------------------------------------------------------------------------------------

    def pieces(self, score: Score) -> tuple[list[tuple[Column, str, tuple[str, ...]]], list[Piece], int]:
        """The starting position, the events bar by bar, and the bar count of a score on the vocabulary's grid."""
        grid = score.grid
        length, offset = self.bar_geometry(grid.beats_per_bar, grid.downbeat)
        start = []
        for s in score.starting_position:
            what = self.what_of(s)
            if what not in self._allowed[True, s.column] or any(c is s.column for c, _, _ in start):
                raise VocabularyError(f"the starting position cannot say {what} in {s.column.value} "
                                      f"(one cell per column, none in the centre)")
            start.append((s.column, what, self.modifiers_of(s)))
        pieces: list[Piece] = []
        busy: dict[int, tuple[int, Symbol]] = {}
        flights: list[tuple[int, int]] = []
        supports: list[tuple[int, int]] = []
        end = 0
        for s in score.symbols:
            a = self._subdivisions(s, s.start)
            b = a + self._subdivisions(s, s.duration)
            what = self.what_of(s)
            modifiers = self.modifiers_of(s)
            if b <= a:
                raise VocabularyError(f"{s.sign.value} in {s.column.value} at beat {s.start:g} has no length "
                                      f"(a symbol lasts at least 1/{self.subdivision} beat)")
            if what not in self._allowed[False, s.column]:
                raise VocabularyError(f"{s.column.value} cannot say {what} (beat {s.start:g})")
            k = lane(s.column, s.sign)
            if k in busy and busy[k][0] > a:
                raise VocabularyError(f"{s.column.value}: the symbol at beat {s.start:g} starts before the one at "
                                      f"beat {busy[k][1].start:g} ends")
            busy[k] = (b, s)
            (flights if s.sign is Sign.FLIGHT else supports if s.column in SUPPORT_COLUMNS else []).append((a, b))
            end = max(end, b)
            bar, first = (a - offset) // length, a
            while True:
                bar_start = offset + bar * length
                piece_end = min(b, bar_start + length)
                pieces.append(Piece(bar, a - bar_start, s.column, what, piece_end - a, piece_end < b, a > first,
                                    modifiers))
                if piece_end == b:
                    break
                a, bar = piece_end, bar + 1
        for f0, f1 in flights:
            if any(s0 < f1 and f0 < s1 for s0, s1 in supports):
                raise VocabularyError(f"flight at beat {f0 / self.subdivision:g} has a support under it "
                                      f"(flight means no weight on either foot)")
        bars = max(self.bar_count(grid), math.ceil((end - offset) / length))
        order = {c: i for i, c in enumerate(COLUMNS)}
        # continuations in lane order (the grammar asks for them so), then events as the Score orders symbols
        pieces.sort(key=lambda p: (p.bar, 0, lane(p.column, Sign.FLIGHT if p.what == "flight" else Sign.TURN))
                    if p.cont else (p.bar, 1, p.position, order[p.column], p.duration, p.what))
        return start, pieces, bars

    def _subdivisions(self, symbol: Symbol, beats: float) -> int:
        n = round(beats * self.subdivision)
        if float(n) / self.subdivision != beats:
            raise VocabularyError(f"{symbol.sign.value} in {symbol.column.value} at beat {symbol.start:g} "
                                  f"(duration {symbol.duration:g}) is off the 1/{self.subdivision}-beat grid "
                                  f"(quantise the score first)")
        return n

    def encode(self, score: Score) -> list[int]:
        """The token ids of a score (the grid and the title are not in them: see the module's docstring)."""
        start, pieces, bars = self.pieces(score)
        ids = [self.bos_id, self.start_id]
        for column, what, modifiers in start:
            ids += [self.ids[f"col:{column.value}"], self.ids[what], *(self.ids[m] for m in modifiers)]
        by_bar: list[list[Piece]] = [[] for _ in range(bars)]
        for p in pieces:
            by_bar[p.bar].append(p)
        for events in by_bar:
            ids.append(self.bar_id)
            position = None
            for p in events:
                if p.cont:
                    ids.append(self.cont_id)
                elif p.position != position:
                    ids.append(self.position0 + p.position)
                    position = p.position
                ids += [self.ids[f"col:{p.column.value}"], self.ids[p.what], *(self.ids[m] for m in p.modifiers),
                        self.duration0 + p.duration - 1]
                if p.tie:
                    ids.append(self.tie_id)
        return ids + [self.eos_id]

    # --- ids -> score -------------------------------------------------------------------------------------

    def parse(self, ids: list[int]) -> tuple[list[tuple[Column, str, tuple[str, ...]]], list[Piece]]:
        """Parse ids into the starting position and events; malformed ids raise VocabularyError. Positions and
        durations are checked against the bar only by ``to_score``, which knows the grid."""
        names = self.names(ids)
        i = 0

        def take(expected: str | None = None) -> str:
            nonlocal i
            if i >= len(names):
                raise VocabularyError(f"ids end at token {i} where {expected or 'more'} was expected")
            name = names[i]
            if expected is not None and not name.startswith(expected):
                raise VocabularyError(f"token {i} is {name!r} where {expected!r} was expected")
            i += 1
            return name

        def modifiers(column: Column, what: str) -> tuple[str, ...]:
            nonlocal i
            allowed = self.allowed_modifiers(column, what)
            found: list[str] = []
            while i < len(names) and names[i] in self.modifiers:
                name = names[i]
                kinds = [m.split(":")[0] for m in found]
                if name not in allowed or name.split(":")[0] in kinds or (kinds and name.startswith("contraction")):
                    raise VocabularyError(f"token {i} is {name!r}, which cannot follow {what} in {column.value} here")
                found.append(name)
                i += 1
            return tuple(found)

        take("<bos>")
        take("<start>")
        start = []
        while i < len(names) and names[i].startswith("col:"):
            column = Column(take("col:")[4:])
            what = self._what(take(), i - 1, column, start=True)
            start.append((column, what, modifiers(column, what)))
        pieces: list[Piece] = []
        bar = -1
        while i < len(names) and names[i] not in ("<eos>", "<pad>"):
            take("<bar>")
            bar += 1
            position = None
            while i < len(names) and names[i] not in ("<bar>", "<eos>", "<pad>"):
                cont = names[i] == "<cont>"
                if cont:
                    if position is not None:
                        raise VocabularyError(f"token {i}: <cont> after the bar's events")
                    i += 1
                elif names[i].startswith("pos:"):
                    position = self.positions.index(take())
                elif position is None:
                    raise VocabularyError(f"token {i} is {names[i]!r} where a position was expected")
                column = Column(take("col:")[4:])
                what = self._what(take(), i - 1, column)
                found = modifiers(column, what)
                duration = self.durations.index(take("dur:")) + 1
                tie = i < len(names) and names[i] == "<tie>"
                i += tie
                pieces.append(Piece(bar, 0 if cont else position, column, what, duration, tie, cont, found))
        if i < len(names):
            i += 1
            if any(n != "<pad>" for n in names[i:]):
                raise VocabularyError(f"token {i} follows <eos>")
        return start, pieces

    def _what(self, name: str, index: int, column: Column, start: bool = False) -> str:
        if name not in self._allowed[start, column]:
            raise VocabularyError(f"token {index} is {name!r}, which {column.value} cannot say"
                                  + (" in the starting position" if start else ""))
        return name

    def to_score(self, ids: list[int], grid: BeatGrid, title: str = "") -> Score:
        """The score that ids write, on ``grid``: pieces tied over a bar line are merged. A ``<cont>`` whose bar
        before does not tie into it (bars spliced in from elsewhere) starts a symbol at the bar line, and a
        ``<tie>`` that nothing continues ends at it. (Read by a ``ScoreReader``, as a stream reads its bars.)"""
        reader = ScoreReader(self, grid)
        reader.add(ids)
        return reader.score(title)

    def names(self, ids: list[int]) -> list[str]:
        """The token names of ids (for reading a sequence by eye)."""
        try:
            return [self.tokens[int(i)] for i in ids]
        except IndexError:
            raise VocabularyError(f"an id outside this vocabulary of {len(self)} tokens") from None

    # --- bar spans and fill in the middle -----------------------------------------------------------------

    def bar_spans(self, ids: list[int]) -> list[tuple[int, int]]:
        """[begin, end) of each bar's tokens in ids: from its ``<bar>`` to the next ``<bar>`` or the end."""
        starts = [i for i, t in enumerate(ids) if t == self.bar_id]
        stop = next((i for i, t in enumerate(ids) if t in (self.eos_id, self.pad_id, self.fim_suffix_id,
                                                           self.fim_middle_id) and i > (starts or [0])[-1]), len(ids))
        return list(zip(starts, starts[1:] + [stop]))

    def fill_in_the_middle(self, ids: list[int], first: int, stop: int) -> list[int]:
        """A training sequence that writes bars [first, stop) last, after the bars before and after them:
        ``<fim_prefix> <bos> <start> ... bars before <fim_suffix> bars after <eos> <fim_middle> middle <eos>``."""
        spans = self.bar_spans(ids)
        if not 0 <= first < stop <= len(spans):
            raise VocabularyError(f"bars {first}..{stop} are not a run of the {len(spans)} bars")
        a, b = spans[first][0], spans[stop - 1][1]
        return [self.fim_prefix_id, *ids[:a], self.fim_suffix_id, *ids[b:], self.fim_middle_id, *ids[a:b],
                self.eos_id]

    def from_fill_in_the_middle(self, ids: list[int]) -> list[int]:
        """The plain sequence of a fill-in-the-middle one (the middle back between prefix and suffix)."""
        try:
            s, m = ids.index(self.fim_suffix_id), ids.index(self.fim_middle_id)
        except ValueError:
            raise VocabularyError("not a fill-in-the-middle sequence: <fim_suffix> or <fim_middle> missing") from None
        if ids[:1] != [self.fim_prefix_id] or not s < m:
            raise VocabularyError("a fill-in-the-middle sequence is <fim_prefix> P <fim_suffix> S <fim_middle> M")
        middle = [t for t in ids[m + 1:] if t not in (self.eos_id, self.pad_id)]
        return [*ids[1:s], *middle, *ids[s + 1:m]]

    # --- files --------------------------------------------------------------------------------------------

    def save_pretrained(self, directory: str | Path) -> Path:
        """Write ``vocabulary.json`` into ``directory`` (made if missing), atomically."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        data = {"format": FORMAT, "version": self.version, "subdivision": self.subdivision,
                "max_beats_per_bar": self.max_beats_per_bar, "max_turn": self.max_turn, "tokens": self.tokens}
        path = directory / FILE_NAME
        with atomic_path(path) as temporary:
            temporary.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        return path

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> "Vocabulary":
        """Read ``vocabulary.json`` from ``directory``; a missing, damaged or newer file raises VocabularyError."""
        path = Path(directory) / FILE_NAME
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise VocabularyError(f"{path}: no vocabulary file") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise VocabularyError(f"{path}: cannot read the vocabulary ({str(error).splitlines()[0]})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise VocabularyError(f"{path}: not a motiongpt vocabulary file")
        version = data.get("version")
        if isinstance(version, bool) or version not in VERSIONS:
            raise VocabularyError(f"{path}: vocabulary version {version!r}; this package reads "
                                  f"{', '.join(map(str, VERSIONS))}")
        try:
            vocabulary = cls(int(data["subdivision"]), int(data["max_beats_per_bar"]), int(data["max_turn"]),
                             version)
        except (KeyError, TypeError, ValueError):
            raise VocabularyError(f"{path}: the vocabulary's settings are missing or not numbers") from None
        if data.get("tokens") != vocabulary.tokens:
            raise VocabularyError(f"{path}: the token list does not match version {version} with these settings")
        return vocabulary


class ScoreReader:
    """The score that ids write, read as they come: ``add(ids)`` reads more of them (the first ids read begin with
    ``<bos> <start>``, the rest are whole bars, each from its ``<bar>``), ``score()`` is the score so far (a tie
    that nothing continues yet ends at its bar line), ``since(beat)`` what of it a state from ``beat`` on reads.

    Why: a stream (``motiongpt.cocreate.stream``) writes its score a bar at a time for as long as its lead dances,
    and reading all its ids again at each bar costs what grows with the dance. ``Vocabulary.to_score`` reads with
    one too, so the score read bar by bar is the score read whole, to the byte: the symbols come out in the same
    order (``closed``: each as its last piece is read, or at the next bar line for a tie nothing continued)."""

    def __init__(self, vocabulary: Vocabulary, grid: BeatGrid) -> None:
        self.vocabulary, self.grid = vocabulary, grid
        self.length, self.offset = vocabulary.bar_geometry(grid.beats_per_bar, grid.downbeat)
        self.starting: list[Symbol] | None = None  # the starting position, from the first ids read
        self.closed: list[Symbol] = []  # the symbols ended so far, in the order to_score makes them
        self.open_ties: dict[tuple[Column, str], tuple[int, int, tuple[str, ...]]] = {}  # (start, end so far, mods)
        self.bars = 0  # bars read
        self._recent: list[tuple[int, Symbol]] = []  # (index in closed, symbol) not yet ended before ``_since``
        self._last: dict[tuple, tuple[tuple, tuple[int, Symbol]]] = {}  # of those ended before: see ``since``
        self._after: dict[Column, list[tuple[int, Symbol]]] = {}  # of those, what began after a column's last move
        self._folded, self._since = 0, -math.inf

    def add(self, ids: list[int]) -> "ScoreReader":
        v, q = self.vocabulary, self.vocabulary.subdivision
        if self.starting is None:
            start, pieces = v.parse(ids)
            self.starting = [v.symbol(what, column, 0.0, 0.0, mods) for column, what, mods in start]
        else:  # more bars: read as bars of a score with no starting position, numbered on from those read
            _, pieces = v.parse([v.bos_id, v.start_id, *ids])
        first, length, open_ties, symbols = self.bars, self.length, self.open_ties, self.closed

        def close(before: int) -> None:  # end the ties that nothing continued at bar line ``before``
            for key in [key for key, (_, b, _) in open_ties.items() if b <= before]:
                a, b, mods = open_ties.pop(key)
                symbols.append(v.symbol(key[1], key[0], a / q, (b - a) / q, mods))

        for p in pieces:
            bar = first + p.bar
            bar_start = self.offset + bar * length
            close(bar_start - 1 if p.cont else bar_start)
            a = bar_start + p.position
            if a < 0 or not 0 <= p.position < length or p.position + p.duration > length:
                raise VocabularyError(f"bar {bar + 1}: an event at position {p.position} lasting {p.duration} does "
                                      f"not fit a bar of {length} subdivisions (upbeat {self.grid.downbeat})")
            if p.tie and p.position + p.duration != length:
                raise VocabularyError(f"bar {bar + 1}: a tie on an event that ends before the bar line")
            key = (p.column, p.what)
            mods = p.modifiers
            if p.cont and open_ties.get(key, (0, None, ()))[1] == a:
                a, _, mods = open_ties.pop(key)
            b = bar_start + p.position + p.duration
            if p.tie:
                if key in open_ties:  # two ties of one column and what in a bar: the first ends where it is
                    a0, b0, m0 = open_ties.pop(key)
                    symbols.append(v.symbol(p.what, p.column, a0 / q, (b0 - a0) / q, m0))
                open_ties[key] = (a, b, mods)
            else:
                symbols.append(v.symbol(p.what, p.column, a / q, (b - a) / q, mods))
        self.bars += sum(1 for i in ids if i == v.bar_id)
        return self

    def _open(self) -> list[Symbol]:
        """The ties still open, ended where they are (as ``to_score`` ends them at the end of its ids)."""
        v, q = self.vocabulary, self.vocabulary.subdivision
        return [v.symbol(key[1], key[0], a / q, (b - a) / q, mods) for key, (a, b, mods) in self.open_ties.items()]

    def score(self, title: str = "") -> Score:
        """The score of the ids read so far (``to_score`` of them)."""
        return Score(self.grid, self.closed + self._open(), list(self.starting or []), title)

    def since(self, beat: float) -> Score:
        """The score so far less the symbols that no state from ``beat`` on reads, so that a stream's cuts and
        repairs there cost what its last bars hold, however long the dance. Kept: everything that ends from
        ``beat`` on, or from where the earliest of what still sounds there began (the repairs,
        ``motiongpt.plausibility.mended``, end a held foot where the other steps inside it); and of the rest, each
        column's and sign's last begun and longest lasting (the level a foot last stepped to, a limb's last move,
        where the supports last were and when a leg was last freed: what ``laban.algebra``'s state at a cut reads)
        and what a column began after its last direction (what a torso's last bend gives way to, which
        ``mended`` raises it by). ``beat`` never goes back (what was let go is not kept). Tested against the whole
        score's cuts and repairs on real dances (``tests/test_vocabulary.py``)."""
        if beat < self._since:
            raise VocabularyError(f"a score read since beat {self._since:g} cannot be read since {beat:g} again")
        self._since = beat
        self._recent += enumerate(self.closed[self._folded:], self._folded)
        self._folded = len(self.closed)
        q = self.vocabulary.subdivision
        horizon = min([beat] + [s.start for _, s in self._recent if s.end >= beat]
                      + [a / q for a, _, _ in self.open_ties.values()])
        # (never earlier than the call before's: what sounds at ``beat`` sounded at the beat before, or began later)
        kept = []
        for item in self._recent:  # in the order read: a column's symbols are let go in the order they began
            i, s = item
            if s.end >= horizon:
                kept.append(item)
                continue
            # the last begun as a score orders its symbols (a column's, by start, then duration), and the longest
            # lasting; ties to the later read, as the score's sort keeps them
            for kind, rank in (("begun", (s.start, s.duration, i)), ("lasting", (s.end, i))):
                held = self._last.get((s.column, s.sign, kind))
                if held is None or rank >= held[0]:
                    self._last[s.column, s.sign, kind] = (rank, item)
            moved = self._last.get((s.column, Sign.DIRECTION, "begun"))
            after = self._after.setdefault(s.column, [])
            if s.sign is Sign.DIRECTION and moved[1] is item:
                after[:] = [(j, a) for j, a in after if a.start >= s.start]
            elif s.sign is not Sign.DIRECTION and moved is not None and s.start >= moved[1][1].start:
                after.append(item)
        self._recent = kept
        symbols = dict(kept)
        symbols.update(item for _, item in self._last.values())
        symbols.update(item for after in self._after.values() for item in after)
        return Score(self.grid, [symbols[i] for i in sorted(symbols)] + self._open(), list(self.starting or []))


def quantise(score: Score, subdivision: int = 4) -> Score:
    """A score on the vocabulary's grid: starts and ends rounded to the nearest 1/``subdivision`` beat, turns to
    the nearest 1/8 turn. Rounding keeps order, so symbols that did not overlap in a column still do not. What
    would vanish is dropped: a symbol whose start and end round together (unless it can have one subdivision
    where its column is free) and a turn that rounds to nothing."""
    q = subdivision
    kept: list[Symbol] = []
    busy: dict[int, float] = {}
    ordered = sorted(score.symbols, key=lambda s: (s.start, s.end))
    for s in ordered:
        a, b = round(s.start * q), round(s.end * q)
        turn = round(s.turn * TURN_STEP) / TURN_STEP if s.sign is Sign.TURN else None
        if turn == 0:
            continue
        k = lane(s.column, s.sign)
        if b <= a:
            b = a + 1
            later = [round(t.start * q) for t in ordered
                     if t is not s and lane(t.column, t.sign) == k and t.start >= s.start]
            if busy.get(k, 0) > a or any(a <= t < b for t in later):
                continue
        busy[k] = b
        kept.append(replace(s, start=a / q, duration=(b - a) / q, turn=turn))
    return Score(score.grid, kept, list(score.starting_position), score.title)
