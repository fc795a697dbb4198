"""Constrained sampling: a small state machine over the token stream that says which tokens may come next, so
that every sampled sequence is a valid score (grammar-constrained decoding, as for code models).

What it enforces, on top of the layout of ``motiongpt.vocabulary``:

- the order ``<bos> <start> (col what)* (<bar> ...){bars} <eos>``, exactly ``bars`` bars, then only padding;
- columns: the starting position once per column, in staff order, cells only, nothing in the centre;
- signs per column: flight and turns only in the centre (and turns on the supports), the 27 cells on a support,
  26 on a gesture (a limb has no 'place middle'), holds outside the centre;
- time: positions increase within a bar and stay inside it (and after the upbeat in an upbeat bar); events at one
  position in staff order; a duration fits inside the bar; ``<tie>`` only on an event that reaches the bar line,
  and never in the last bar; the next bar opens with exactly the ``<cont>`` of every tie, in lane order, with the
  same column and what;
- no overlaps: a column (a lane: the centre's flight and its turns are two) is busy until its event ends; and
  flight means no weight, so no support symbol sounds during a flight;
- modifiers (a version-2 vocabulary): after a what, a contraction only on a leg gesture's or a forearm's direction,
  then a space measurement only on a step's direction or a flight, each at most once; a ``<cont>`` piece repeats
  exactly the modifiers of the piece that tied into it. A version-1 vocabulary has none, and its masks are what
  they were.

The state lives in a few integer arrays, one row per sequence, so the mask of a whole batch is a handful of
vectorised operations on tables precomputed once (which whats each column may say, which token is of which
kind). They are numpy arrays, not torch tensors: single-threaded numpy on arrays this small is many times
faster than torch's thread pool (and indifferent to a busy machine); ``ScoreGrammarProcessor`` exposes the
grammar as a ``transformers.LogitsProcessor`` and moves only the mask to the logits' device. Sampling and greedy search
only: beam search reorders rows, which this state does not follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from transformers import LogitsProcessor

from laban.timing import BeatGrid

from .vocabulary import COLUMNS, LANE_COUNT, SPECIALS, Vocabulary, VocabularyError, lane_column

# Kinds of token
(PAD, BOS, EOS, START, BAR, CONT, TIE, FIM_PREFIX, FIM_SUFFIX, FIM_MIDDLE, COL, WHAT, POS, DUR, MOD) = range(15)
_NO_MORE = 3  # a row's modifier rank where no modifier may follow (before any what)
# Phases: what the machine waits for
(P_BOS, P_START, P_START_NEXT, P_START_WHAT, P_EVENT, P_COL, P_WHAT, P_DUR, P_AFTER_DUR, P_CONT_COL,
 P_CONT_WHAT, P_DONE, P_SUFFIX, P_AFTER_SUFFIX, P_MIDDLE_OPEN, P_FIM) = range(16)
SUPPORT_LANES = (2, 3)  # support-left, support-right
_SUPPORTS, _AIRBORNE = np.array(SUPPORT_LANES), np.array([0, *SUPPORT_LANES])  # (as index arrays: made once)


@dataclass
class State:
    """Per-row state (B,) or (B, lanes); positions in subdivisions from the bar's start."""

    phase: np.ndarray
    bar: np.ndarray  # index of the bar being written; -1 before the first
    bars: np.ndarray  # how many bars the row writes
    length: np.ndarray  # bar length
    upbeat_floor: np.ndarray  # first position of the first bar (after an upbeat's silent beats)
    pos: np.ndarray  # position of the events being written; -1 before the bar's first position
    last_col: np.ndarray  # last column written at this position (or in the starting position)
    col: np.ndarray
    what: np.ndarray
    lane: np.ndarray
    ev_pos: np.ndarray  # where the event being written starts (0 for a continuation)
    ev_end: np.ndarray
    busy: np.ndarray  # (B, lanes): each lane is busy until this position in the current bar
    ties: np.ndarray  # (B, lanes): what each lane ties into the next bar, -1 none
    pending: np.ndarray  # (B, lanes): what each lane must continue from the bar before, -1 none
    bad: np.ndarray  # (B,) bool: a token the grammar did not allow was fed
    modified: np.ndarray  # (B,) rank of the last modifier after the current what (0 none, 1 contraction, 2 space)
    mods: np.ndarray  # (B, 2): the current event's contraction and space modifier (index, -1 none)
    need: np.ndarray  # (B, 2): the modifiers a <cont> event must repeat (-1 none), -2: free (not a continuation)
    tie_mods: np.ndarray  # (B, lanes, 2): the modifiers of what each lane ties into the next bar
    pending_mods: np.ndarray  # (B, lanes, 2): the modifiers each lane's continuation must repeat
    # fill in the middle: <fim_prefix> P <fim_suffix> S <fim_middle> M <eos>
    fim: np.ndarray  # (B,) bool: the row is a fill-in-the-middle sequence
    middle: np.ndarray  # (B,) bool: writing the middle
    saved_bar: np.ndarray  # the prefix's last bar
    saved_ties: np.ndarray  # (B, lanes): what the prefix ties into the middle
    suffix_bars: np.ndarray
    suffix_col: np.ndarray
    suffix_opening: np.ndarray  # (B,) bool: reading the continuations that open the suffix's first bar
    suffix_conts: np.ndarray  # (B, lanes): what the suffix continues, so the middle may tie into it; -1 none
    suffix_cont_mods: np.ndarray  # (B, lanes, 2): the modifiers those continuations repeat (-1 none)
    suffix_lane: np.ndarray  # (B,) the lane of the suffix's opening continuation being read
    open_end: np.ndarray  # (B,) bool: the last bar may tie into a bar a later sequence writes


# The vocabulary's blocks a phase may take a token from: columns, whats, positions, durations, the suffix read,
# modifiers
_BLOCKS = np.zeros((16, 6), dtype=bool)
_BLOCKS[[P_START_NEXT, P_COL, P_EVENT, P_AFTER_DUR, P_CONT_COL], 0] = True
_BLOCKS[[P_START_WHAT, P_WHAT, P_CONT_WHAT], 1] = True
_BLOCKS[[P_EVENT, P_AFTER_DUR], 2] = True
_BLOCKS[P_DUR, 3] = True
_BLOCKS[P_SUFFIX, 4] = True
_BLOCKS[[P_START_NEXT, P_DUR], 5] = True


def _phase_table() -> np.ndarray:
    """(phases, kinds): the phase a token of each kind moves the machine to from each phase (the same phase where
    a kind does not move it). The fill-in-the-middle moves that need more than the phase are made apart."""
    table = np.repeat(np.arange(16)[:, None], 15, axis=1)  # a modifier leaves the phase as it is
    for kind, phase in ((BOS, P_START), (FIM_PREFIX, P_BOS), (START, P_START_NEXT), (CONT, P_CONT_COL),
                        (COL, P_WHAT), (DUR, P_AFTER_DUR), (TIE, P_EVENT), (BAR, P_EVENT), (POS, P_COL),
                        (EOS, P_DONE), (FIM_SUFFIX, P_SUFFIX)):
        table[:, kind] = phase
    table[P_START_NEXT, COL], table[P_CONT_COL, COL] = P_START_WHAT, P_CONT_WHAT
    table[P_START_WHAT, WHAT] = P_START_NEXT
    table[[P_WHAT, P_CONT_WHAT], WHAT] = P_DUR
    return table


class ScoreGrammar:
    """The tables of the grammar for one vocabulary; ``start`` makes a batch's state, ``allowed`` its mask,
    ``advance`` feeds it one token per row."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        v = self.vocabulary = vocabulary
        size = len(v)
        self.kind = np.zeros(size, dtype=np.int64)
        self.arg = np.zeros(size, dtype=np.int64)
        self.kind[:len(SPECIALS)] = np.arange(len(SPECIALS))
        for kind, first, count in ((COL, v.column0, len(v.columns)), (WHAT, v.what0, len(v.whats)),
                                   (POS, v.position0, v.max_positions), (DUR, v.duration0, v.max_positions),
                                   (MOD, v.modifier0, len(v.modifiers))):
            self.kind[first:first + count] = kind
            self.arg[first:first + count] = np.arange(count)
        index = {w: i for i, w in enumerate(v.whats)}
        self.what_allowed = np.zeros((len(COLUMNS), len(v.whats)), dtype=bool)
        self.start_allowed = np.zeros((len(COLUMNS), len(v.whats)), dtype=bool)
        for c, column in enumerate(COLUMNS):
            self.what_allowed[c, [index[w] for w in v.allowed_whats(column)]] = True
            starts = [index[w] for w in v.allowed_whats(column, start=True)]
            self.start_allowed[c, starts] = True
        self.start_columns = self.start_allowed.any(1)
        # (columns, whats, modifiers): which modifier may follow which what in which column; each modifier's rank
        self.modifier_allowed = np.zeros((len(COLUMNS), len(v.whats), len(v.modifiers)), dtype=bool)
        modifier_index = {m: i for i, m in enumerate(v.modifiers)}
        for c, column in enumerate(COLUMNS):
            for w, what in enumerate(v.whats):
                self.modifier_allowed[c, w, [modifier_index[m] for m in v.allowed_modifiers(column, what)]] = True
        self.modifier_rank = np.array([1 if m.startswith("contraction") else 2 for m in v.modifiers], dtype=np.int64)
        self.is_flight = np.array([w == "flight" for w in v.whats])
        self.is_turn = np.array([w in v.turn_eighths for w in v.whats])
        self.lane_col = np.array([COLUMNS.index(lane_column(k)) for k in range(LANE_COUNT)])
        self.columns = np.arange(len(COLUMNS))
        self.column_lane = np.array([max(c + 1, 1) if c else 0 for c in range(len(COLUMNS))])
        self.whats = np.arange(len(v.whats))
        self.steps = np.arange(v.max_positions)
        self.lanes = np.arange(LANE_COUNT)[None]
        self.next_phase = _phase_table()
        # (phases, specials): the special tokens each phase allows by itself; ``allowed`` adds those that also hang
        # on the rest of the state (a bar line, the end, a continuation, a tie, the suffix)
        self.specials = np.zeros((16, len(SPECIALS)), dtype=bool)
        self.specials[P_BOS, v.bos_id] = self.specials[P_START, v.start_id] = True
        self.specials[[P_DONE, P_SUFFIX], v.eos_id] = self.specials[P_DONE, v.pad_id] = True
        self.specials[P_FIM, v.fim_prefix_id] = True
        self.specials[[P_SUFFIX, P_AFTER_SUFFIX], v.fim_middle_id] = True
        self.specials[[P_MIDDLE_OPEN, P_SUFFIX], v.bar_id] = True
        self.centre_lane = np.where(self.is_flight, 0, 1)  # a centre what's lane: flight 0, a turn 1

    def start(self, bars: Sequence[int] | int, beats_per_bar: Sequence[int] | int = 4,
              upbeat: Sequence[int] | int = 0, batch: int | None = None,
              fill_in: Sequence[bool] | bool = False, open_end: bool = False) -> State:
        """The state before a sequence's first token, one row per sequence (scalars apply to every row).
        ``fill_in`` rows are fill-in-the-middle sequences: they open with ``<fim_prefix>``, and only they may.
        ``open_end``: the last bar may end tied (``<tie>``) into a bar that is not in the sequence (a pass of a long
        dance, which the next pass continues)."""
        lists = [x if isinstance(x, Sequence) else None for x in (bars, beats_per_bar, upbeat, fill_in)]
        batch = batch or max((len(x) for x in lists if x is not None), default=1)

        def row(x) -> list[int]:
            values = list(x) if isinstance(x, Sequence) else [x] * batch
            if len(values) != batch:
                raise VocabularyError(f"{len(values)} grammar settings for a batch of {batch}")
            return [int(value) for value in values]

        bars, beats_per_bar, upbeat, fill_in = row(bars), row(beats_per_bar), row(upbeat), row(fill_in)
        if min(bars) < 1:
            raise VocabularyError("a score has at least one bar")
        geometry = [self.vocabulary.bar_geometry(b, u) for b, u in zip(beats_per_bar, upbeat)]
        q = self.vocabulary.subdivision

        def tensor(values, **kw):
            return np.array(values, dtype=np.int64, **kw)

        def filled(value, width=None):
            shape = (batch,) if width is None else (batch, width)
            return np.full(shape, value, dtype=np.int64)

        no = np.zeros(batch, dtype=bool)
        fim = tensor(fill_in).astype(bool)
        return State(phase=np.where(fim, P_FIM, P_BOS), bar=filled(-1), bars=tensor(bars),
                     length=tensor([g[0] for g in geometry]),
                     upbeat_floor=tensor([(b - u) * q if u else 0 for b, u in zip(beats_per_bar, upbeat)]),
                     pos=filled(-1), last_col=filled(-1), col=filled(0), what=filled(0), lane=filled(0),
                     ev_pos=filled(0), ev_end=filled(0), busy=filled(0, LANE_COUNT), ties=filled(-1, LANE_COUNT),
                     pending=filled(-1, LANE_COUNT), bad=no.copy(), modified=filled(_NO_MORE),
                     mods=np.full((batch, 2), -1, dtype=np.int64), need=np.full((batch, 2), -2, dtype=np.int64),
                     tie_mods=np.full((batch, LANE_COUNT, 2), -1, dtype=np.int64),
                     pending_mods=np.full((batch, LANE_COUNT, 2), -1, dtype=np.int64), fim=fim, middle=no.copy(),
                     saved_bar=filled(-1), saved_ties=filled(-1, LANE_COUNT), suffix_bars=filled(0),
                     suffix_col=filled(0), suffix_opening=no.copy(), suffix_conts=filled(-1, LANE_COUNT),
                     suffix_cont_mods=np.full((batch, LANE_COUNT, 2), -1, dtype=np.int64), suffix_lane=filled(0),
                     open_end=np.full(batch, bool(open_end)))

    def start_for(self, grids: Sequence[BeatGrid], bars: Sequence[int] | None = None,
                  fill_in: Sequence[bool] | bool = False) -> State:
        """The state for scores on these grids: their meters, upbeats and (unless given) bar counts."""
        bars = bars if bars is not None else [self.vocabulary.bar_count(g) for g in grids]
        return self.start(list(bars), [g.beats_per_bar for g in grids], [g.downbeat for g in grids], len(grids),
                          fill_in)

    # --- the mask -----------------------------------------------------------------------------------------

    def _column_free_time(self, s: State) -> np.ndarray:
        """(B, columns): from where in the bar each column can take a new event."""
        busy = s.busy
        free = busy[:, self.column_lane]  # (a copy: fancy indexing)
        supports = busy[:, _SUPPORTS]
        flight = np.maximum(busy[:, 0], supports.max(1))  # flight needs both feet off the floor
        free[:, 0] = np.minimum(flight, busy[:, 1])
        free[:, _SUPPORTS - 1] = np.maximum(supports, busy[:, :1])  # a support waits for the flight over it to end
        return free

    def _forced(self, s: State) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The first pending continuation of each row: (any, lane, what)."""
        waiting = s.pending >= 0
        lane = np.argmax(waiting, axis=1)
        return waiting.any(1), lane, s.pending[np.arange(len(lane)), lane]

    def _required(self, s: State) -> np.ndarray:
        """(B,): the modifier a continuation must write next to repeat its tie's (index), -1 when none is left."""
        first = (s.need[:, 0] >= 0) & (s.mods[:, 0] < 0) & (s.modified < 1)
        second = (s.need[:, 1] >= 0) & (s.mods[:, 1] < 0)
        return np.where(first, s.need[:, 0], np.where(second, s.need[:, 1], -1))

    def allowed(self, s: State) -> np.ndarray:
        """(B, vocabulary) bool: the tokens each row may take next. Each block of the vocabulary (columns,
        whats, positions, durations) is worked out only when some row is in a phase that may take it: with one
        row, one block a step."""
        v = self.vocabulary
        ph = s.phase
        batch = ph.shape[0]
        m = np.zeros((batch, len(v)), dtype=bool)
        waiting, forced_lane, forced_what = self._forced(s)
        between = (ph == P_EVENT) | (ph == P_AFTER_DUR)
        free_to_go = between & ~waiting
        last_bar = s.bar == s.bars - 1
        specials = self.specials
        m[:, :specials.shape[1]] = specials[ph]  # what the phase alone allows
        opening = (ph == P_START_NEXT) | free_to_go
        m[:, v.bar_id] |= opening & (s.bar < s.bars - 1)
        in_prefix = s.fim & ~s.middle
        if in_prefix.any():
            m[:, v.fim_suffix_id] = in_prefix & opening & (ph != P_SUFFIX)
        m[:, v.eos_id] |= free_to_go & last_bar & ~in_prefix
        m[:, v.cont_id] = between & waiting
        tie = (ph == P_AFTER_DUR) & (s.ev_end == s.length)
        if tie.any():
            rows = np.arange(batch)
            into_suffix = s.middle & (s.suffix_conts[rows, s.lane] == s.what)
            m[:, v.tie_id] = tie & (~last_bar | into_suffix | s.open_end)

        needs = _BLOCKS[ph].any(0)
        if needs[0] or needs[2]:
            free_time = self._column_free_time(s)
        if needs[0]:
            free = free_time <= s.pos[:, None]
            cols = self.columns[None]
            last = s.last_col[:, None]
            in_order = (cols > last) | ((cols == 0) & (last == 0))  # the centre may take its second lane
            columns = (((ph == P_START_NEXT)[:, None] & self.start_columns[None] & (cols > last))
                       | ((ph == P_COL)[:, None] & free)
                       | ((free_to_go & (s.pos >= 0))[:, None] & in_order & free)
                       | ((ph == P_CONT_COL)[:, None] & (cols == self.lane_col[forced_lane][:, None])))
            m[:, v.column0:v.column0 + len(COLUMNS)] = columns
        if needs[1]:
            flight_ok = (s.busy[:, _AIRBORNE] <= s.pos[:, None]).all(1)
            turn_ok = s.busy[:, 1] <= s.pos
            centre_ok = ((s.col != 0)[:, None] | (self.is_flight[None] & flight_ok[:, None])
                         | (self.is_turn[None] & turn_ok[:, None]))
            whats = (((ph == P_START_WHAT)[:, None] & self.start_allowed[s.col])
                     | ((ph == P_WHAT)[:, None] & self.what_allowed[s.col] & centre_ok)
                     | ((ph == P_CONT_WHAT)[:, None] & (self.whats[None] == forced_what[:, None])))
            m[:, v.what0:v.what0 + len(v.whats)] = whats
        q = self.steps[None]
        if needs[2] and free_to_go.any():
            floor = np.where(s.bar == 0, s.upbeat_floor, 0)
            lowest = np.maximum(np.maximum(s.pos + 1, floor), free_time.min(1))
            m[:, v.position0:v.position0 + v.max_positions] = (free_to_go[:, None] & (q >= lowest[:, None])
                                                                & (q < s.length[:, None]))
        if needs[3] or needs[5]:
            required = self._required(s)  # a continuation's next modifier to repeat, -1 none
        if needs[3]:
            m[:, v.duration0:v.duration0 + v.max_positions] = ((ph == P_DUR)[:, None]
                                                               & (q < (s.length - s.ev_pos)[:, None])
                                                               & (required < 0)[:, None])
        if needs[5] and len(v.modifiers):
            may = ((ph == P_DUR) | ((ph == P_START_NEXT) & (s.last_col >= 0)))[:, None]
            free = may & (s.need[:, :1] == -2) & self.modifier_allowed[s.col, s.what] \
                & (self.modifier_rank[None] > s.modified[:, None])
            repeat = may & (s.need[:, :1] != -2) & (np.arange(len(v.modifiers))[None] == required[:, None])
            m[:, v.modifier0:v.modifier0 + len(v.modifiers)] = free | repeat
        if needs[4]:
            reading = ph == P_SUFFIX  # the suffix is given: read, not checked (to_score checks it)
            m[reading, v.column0:] = True
            m[reading, v.cont_id] = True
            m[reading, v.tie_id] = True
        return m

    # --- feeding tokens -----------------------------------------------------------------------------------

    def advance(self, s: State, tokens: np.ndarray, check: bool = True) -> State:
        """Feed one token per row (in place, and returned). With ``check`` a token the grammar did not allow
        marks its row ``bad``; the row's state after it is meaningless. The phase moves by ``next_phase``; the
        rest of the state changes only for the kinds of token some row was fed."""
        tokens = np.asarray(tokens.cpu() if torch.is_tensor(tokens) else tokens, dtype=np.int64)
        if check:
            s.bad |= ~self.allowed(s)[np.arange(len(tokens)), tokens]
        kind, arg = self.kind[tokens], self.arg[tokens]
        ph = s.phase
        new = self.next_phase[ph, kind]
        if s.fim.any():  # only a fill-in-the-middle row may be fed these tokens without being bad
            suffix = (ph == P_SUFFIX) | (ph == P_AFTER_SUFFIX)
            self._fill_in_the_middle(s, kind, arg, suffix)
            read = suffix | (kind == FIM_MIDDLE)  # the suffix is read, not written
            new = np.where(read, s.phase, new)  # set by _fill_in_the_middle
            kind = np.where(read, -1, kind)
        # the kinds fed, as Python numbers: each part of the state below moves only for its kinds (a sampling step
        # feeds one token a row, so most parts are skipped, and a set lookup costs less than an array's any())
        fed = set(kind.tolist())
        lanes = self.lanes
        if COL in fed:
            is_col = kind == COL
            start_col = is_col & (ph == P_START_NEXT)
            event_col = is_col & ~start_col & (ph != P_CONT_COL)
            s.col = np.where(is_col, arg, s.col)
            s.last_col = np.where(start_col | event_col, arg, s.last_col)
            s.ev_pos = np.where(event_col, s.pos, s.ev_pos)
        if WHAT in fed:
            is_what = kind == WHAT
            cont_what = is_what & (ph == P_CONT_WHAT)
            event_what = is_what & (ph == P_WHAT)
            _, forced_lane, _ = self._forced(s)
            s.modified = np.where(is_what, 0, s.modified)
            s.mods = np.where(is_what[:, None], -1, s.mods)
            s.need = np.where(cont_what[:, None], s.pending_mods[np.arange(len(arg)), forced_lane],
                              np.where(is_what[:, None], -2, s.need))
            s.what = np.where(cont_what | event_what | (is_what & (ph == P_START_WHAT)), arg, s.what)
            centre_lane = self.centre_lane[np.minimum(arg, len(self.centre_lane) - 1)]
            s.lane = np.where(cont_what, forced_lane,
                              np.where(event_what, np.where(s.col == 0, centre_lane, s.col + 1), s.lane))
            s.pending = np.where(cont_what[:, None] & (lanes == forced_lane[:, None]), -1, s.pending)
        if MOD in fed:
            is_mod = kind == MOD
            rank = self.modifier_rank[np.minimum(arg, len(self.modifier_rank) - 1)]
            s.modified = np.where(is_mod, rank, s.modified)
            s.mods = np.where(is_mod[:, None] & (np.arange(2)[None] == rank[:, None] - 1), arg[:, None], s.mods)
        if DUR in fed:
            is_dur = kind == DUR
            s.ev_end = np.where(is_dur, s.ev_pos + arg + 1, s.ev_end)
            s.busy = np.where(is_dur[:, None] & (lanes == s.lane[:, None]), s.ev_end[:, None], s.busy)
        if TIE in fed:
            is_tie = kind == TIE
            s.ties = np.where(is_tie[:, None] & (lanes == s.lane[:, None]), s.what[:, None], s.ties)
            s.tie_mods = np.where((is_tie[:, None] & (lanes == s.lane[:, None]))[:, :, None], s.mods[:, None],
                                  s.tie_mods)
        if CONT in fed:
            s.ev_pos = np.where(kind == CONT, 0, s.ev_pos)
        if fed & {START, POS, BAR}:
            is_pos, is_bar = kind == POS, kind == BAR
            s.last_col = np.where((kind == START) | is_pos | is_bar, -1, s.last_col)
            s.pos = np.where(is_pos, arg, np.where(is_bar, -1, s.pos))
        if BAR in fed:
            s.bar = np.where(is_bar, s.bar + 1, s.bar)
            s.pending = np.where(is_bar[:, None], s.ties, s.pending)
            s.ties = np.where(is_bar[:, None], -1, s.ties)
            s.pending_mods = np.where(is_bar[:, None, None], s.tie_mods, s.pending_mods)
            s.tie_mods = np.where(is_bar[:, None, None], -1, s.tie_mods)
            s.busy = np.where(is_bar[:, None], 0, s.busy)
        s.phase = new
        return s

    def _fill_in_the_middle(self, s: State, kind: np.ndarray, arg: np.ndarray, suffix: np.ndarray) -> None:
        """The fill-in-the-middle tokens: remember the prefix's end, read the suffix's bar count and opening
        continuations, and on ``<fim_middle>`` go back to the prefix's end to write the bars in between."""
        leaving = kind == FIM_SUFFIX
        s.saved_bar = np.where(leaving, s.bar, s.saved_bar)
        s.saved_ties = np.where(leaving[:, None], s.ties, s.saved_ties)
        bar = suffix & (kind == BAR)
        s.suffix_bars = s.suffix_bars + bar.astype(np.int64)
        s.suffix_opening = np.where(bar, s.suffix_bars == 1, s.suffix_opening & ~(suffix & (kind == POS)))
        s.suffix_col = np.where(suffix & (kind == COL), arg, s.suffix_col)
        opening = suffix & s.suffix_opening & (kind == WHAT)
        lane = np.where(s.suffix_col == 0, np.where(self.is_flight[arg.clip(max=len(self.is_flight) - 1)], 0, 1), s.suffix_col + 1)
        lanes = np.arange(LANE_COUNT)[None]
        s.suffix_conts = np.where(opening[:, None] & (lanes == lane[:, None]), arg[:, None], s.suffix_conts)
        s.suffix_lane = np.where(opening, lane, s.suffix_lane)
        modifier = suffix & s.suffix_opening & (kind == MOD)
        if modifier.any():
            slot = self.modifier_rank[np.minimum(arg, len(self.modifier_rank) - 1)] - 1
            at = (lanes == s.suffix_lane[:, None])[:, :, None] & (np.arange(2)[None, None] == slot[:, None, None])
            s.suffix_cont_mods = np.where(modifier[:, None, None] & at, arg[:, None, None], s.suffix_cont_mods)
        s.phase = np.where(suffix & (kind == EOS), P_AFTER_SUFFIX, s.phase)
        entering = kind == FIM_MIDDLE
        s.middle |= entering
        s.bar = np.where(entering, s.saved_bar, s.bar)
        s.ties = np.where(entering[:, None], s.saved_ties, s.ties)
        s.bars = np.where(entering, s.bars - s.suffix_bars, s.bars)
        s.bad |= entering & (s.bars <= s.saved_bar + 1)  # no bar left for the middle
        s.phase = np.where(entering, P_MIDDLE_OPEN, s.phase)

    def accepts(self, sequences: Sequence[Sequence[int]], grids: Sequence[BeatGrid],
                bars: Sequence[int] | None = None) -> list[bool]:
        """Whether each sequence is a complete score the grammar allows on its grid (and bar count)."""
        fill_in = [len(x) > 0 and x[0] == self.vocabulary.fim_prefix_id for x in sequences]
        state = self.start_for(grids, bars, fill_in=fill_in)
        width = max(len(x) for x in sequences)
        pad = self.vocabulary.pad_id
        ids = np.array([list(x) + [pad] * (width - len(x)) for x in sequences], dtype=np.int64)
        outside = ((ids < 0) | (ids >= len(self.vocabulary))).any(1)
        ids = ids.clip(0, len(self.vocabulary) - 1)
        for t in range(width):
            self.advance(state, ids[:, t])
        return (~state.bad & ~outside & (state.phase == P_DONE)).tolist()


class ScoreGrammarProcessor(LogitsProcessor):
    """Masks the logits of every token the grammar does not allow next (to -inf), row by row.

    Give each row's bar count, meter and upbeat (scalars for all rows), or ``grids=`` to take them from beat
    grids. The prompt (``<bos>``, a score's first bars, or a fill-in-the-middle prompt up to ``<fim_middle>``:
    then the bar count is the whole score's) is fed on the first call; a prompt the grammar
    refuses raises VocabularyError. A new ``generate`` call (input no longer than seen) starts the state afresh,
    but the same ids asked again (the sampling loop asks first without the model's logits) read it as it is, and
    are answered with the mask worked out the first time.
    """

    def __init__(self, vocabulary: Vocabulary | ScoreGrammar, bars: Sequence[int] | int | None = None,
                 beats_per_bar: Sequence[int] | int = 4, upbeat: Sequence[int] | int = 0,
                 grids: Sequence[BeatGrid] | None = None, open_end: bool = False) -> None:
        self.grammar = vocabulary if isinstance(vocabulary, ScoreGrammar) else ScoreGrammar(vocabulary)
        self.open_end = open_end
        if grids is not None:
            v = self.grammar.vocabulary
            bars = bars if bars is not None else [v.bar_count(g) for g in grids]
            beats_per_bar, upbeat = [g.beats_per_bar for g in grids], [g.downbeat for g in grids]
        if bars is None:
            raise VocabularyError("the grammar needs the number of bars (or grids)")
        self.settings = (bars, beats_per_bar, upbeat)
        self.state: State | None = None
        self.seen, self.asked, self.refused = 0, None, None

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        batch, length = input_ids.shape
        again = length == self.seen and torch.equal(input_ids, self.asked)  # the same question, asked again
        if self.state is None or not (0 < self.seen < length or again) or self.state.phase.shape[0] != batch:
            fill_in = (input_ids[:, 0] == self.grammar.vocabulary.fim_prefix_id).tolist()
            self.state = self.grammar.start(*self.settings, batch=batch, fill_in=fill_in, open_end=self.open_end)
            self.seen, again = 0, False
        for t in range(self.seen, length):  # sampled tokens were allowed by the last mask: only the prompt is checked
            self.grammar.advance(self.state, input_ids[:, t].cpu().numpy(), check=self.seen == 0)
        if self.seen == 0 and bool(self.state.bad.any()):
            row = int(np.flatnonzero(self.state.bad)[0])
            raise VocabularyError(f"the prompt of row {row} is not a score the grammar allows")
        if not (again and self.refused is not None and self.refused.device == scores.device):
            self.refused = torch.from_numpy(~self.grammar.allowed(self.state)).to(scores.device)
        self.seen, self.asked = length, input_ids
        refused = self.refused  # the same question asked again: the same mask, not worked out twice
        size = len(self.grammar.vocabulary)
        if scores.shape[1] == size:
            return scores.masked_fill(refused, float("-inf"))
        masked = torch.full_like(scores, float("-inf"))
        masked[:, :size] = scores[:, :size].masked_fill(refused, float("-inf"))
        return masked
