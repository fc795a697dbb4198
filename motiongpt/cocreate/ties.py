"""Kept bars keep their symbols whole: a logits processor that makes bars written anew (fill-in-the-middle) carry
on every symbol tied into them from the kept bars before for exactly as long as the parent's score did
(``TiesKept``), and one that makes them end with a symbol tied into each piece the kept bar after them continues
(``TiedIntoKept``).

A symbol belongs to the bar it starts in; its length is part of what that bar says. When the bars after it are
written anew, the grammar already makes them open with its continuation (``<cont>``, the same column and what),
but the model chose how long it goes on: a hold from beat 0 ran 8.5 beats instead of 10, an arm's movement 3.25
instead of 3. The kept bar then still read the same, but no longer meant the same: a movement's speed, the moment
it is seen to begin, and what depends on where it arrives (a forearm's bend measured from its upper arm) follow
from its length, so the motion changed before the edit, by millimetres, up to a bar before it. Keeping the
lengths keeps the kept bars' symbols identical (the score exact, not only the same in sound) and their motion the
same, and leaves every new symbol to the model (it writes around what is still sounding, as a choreographer
writing bar 3 under a movement drawn from bar 2 into it would).

Reading the grammar's state (``motiongpt.grammar.ScoreGrammarProcessor.state``, which runs before this in the
processor list): at the duration of such a continuation only the parent's duration; after it, a ``<tie>`` exactly
where the parent's piece tied on. Where the grammar allows none of that, the row is left as the grammar has it.
"""

from __future__ import annotations

import numpy as np
import torch
from transformers import LogitsProcessor

from laban.timing import BeatGrid

from motiongpt.grammar import (DUR, P_AFTER_DUR, P_COL, P_DUR, P_EVENT, P_WHAT, TIE, ScoreGrammar,
                               ScoreGrammarProcessor)
from motiongpt.vocabulary import COLUMNS, LANE_COUNT, lane_column


def kept_ties(grammar: ScoreGrammar, ids: list[int], grid: BeatGrid, first: int, stop: int
              ) -> dict[tuple[int, int], tuple[int, bool]]:
    """The continuation pieces in vocabulary bars ``first``..``stop-1`` of the score ``ids`` that carry on a
    symbol begun before bar ``first``: (bar, lane) -> (duration token's argument, whether it ties on)."""
    v = grammar.vocabulary
    state = grammar.start_for([grid], [len(v.bar_spans(ids))])
    pieces: dict[tuple[int, int], list] = {}
    current = None
    for token in ids:
        continuing = int(state.phase[0]) == P_DUR and int(state.need[0, 0]) != -2  # a <cont> piece's duration
        grammar.advance(state, np.array([token]), check=False)
        kind = int(grammar.kind[token])
        if continuing and kind == DUR:
            current = (int(state.bar[0]), int(state.lane[0]))
            pieces[current] = [int(grammar.arg[token]), False]
        elif current is not None and kind == TIE:
            pieces[current][1] = True
            current = None
        else:
            current = None
    kept: dict[tuple[int, int], tuple[int, bool]] = {}
    lanes = {lane for bar, lane in pieces if bar == first}  # every continuation of the first bar comes from before
    for bar in range(first, stop):
        for lane in sorted(lanes):
            if (bar, lane) in pieces:
                kept[(bar, lane)] = tuple(pieces[(bar, lane)])
        lanes = {lane for lane in lanes if (bar, lane) in kept and kept[(bar, lane)][1]}
    return kept


class TiesKept(LogitsProcessor):
    """Continuations of the kept bars' symbols keep the parent's durations and ties (``kept``: ``kept_ties``),
    reading ``grammar``'s state; put it after ``grammar`` in the list."""

    def __init__(self, grammar: ScoreGrammarProcessor, kept: dict[tuple[int, int], tuple[int, bool]]) -> None:
        self.grammar, self.kept = grammar, kept
        v = grammar.grammar.vocabulary
        self.durations = slice(v.duration0, v.duration0 + v.max_positions)
        self.duration0, self.tie = v.duration0, v.tie_id

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        s = self.grammar.state
        if not self.kept:
            return scores
        continuing = s.middle & (s.need[:, 0] != -2)
        refused = np.zeros(scores.shape, dtype=bool)
        for (bar, lane), (duration, tie) in self.kept.items():
            here = continuing & (s.bar == bar) & (s.lane == lane)
            timing = here & (s.phase == P_DUR)
            if timing.any():
                refused[timing, self.durations] = True
                refused[timing, self.duration0 + duration] = False
            after = here & (s.phase == P_AFTER_DUR)
            if after.any():
                if tie:
                    refused[after] = True
                    refused[after, self.tie] = False
                else:
                    refused[after, self.tie] = True
        return _refused(scores, refused)


class TiedIntoKept(LogitsProcessor):
    """The bars written anew end with a symbol tied into each piece the kept bar after them continues (put it after
    ``grammar`` in the list). A symbol belongs to the bar it starts in: one the parent began in the rewritten bars
    and ran on into the kept bar leaves its piece there (``<cont>``, kept with that bar's tokens), and where the
    new bars did not tie into it, it read back as a symbol of the kept bar, a step, a turn or an arm's movement at
    its first beat that the parent never wrote there (7 of 12 regenerated dances of ``bench/cocreate_figures.py
    --only locality``). In the last bar written, for each lane the suffix continues (the grammar's
    ``suffix_conts``) and that is not tied yet: an event of the lane with another what may not reach the bar line;
    one with the same what that reaches it ties on; the bar does not end before they are written; and at the bar's
    last position each such lane is written, in staff order: that what for that last step, tied on. Where the
    grammar allows none of that, the row is left as the grammar has it."""

    def __init__(self, grammar: ScoreGrammarProcessor) -> None:
        self.grammar = grammar
        v = grammar.grammar.vocabulary
        self.durations = slice(v.duration0, v.duration0 + v.max_positions)
        self.positions = slice(v.position0, v.position0 + v.max_positions)
        self.columns = slice(v.column0, v.column0 + len(COLUMNS))
        self.whats = slice(v.what0, v.what0 + len(v.whats))
        self.duration0, self.column0, self.what0 = v.duration0, v.column0, v.what0
        self.tie, self.eos = v.tie_id, v.eos_id
        self.lane_column = np.array([COLUMNS.index(lane_column(k)) for k in range(LANE_COUNT)])

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        s = self.grammar.state
        if s is None or not s.middle.any():
            return scores
        last = s.middle & (s.bar == s.bars - 1)
        needed = last[:, None] & (s.suffix_conts >= 0) & (s.ties != s.suffix_conts)
        if not needed.any():
            return scores
        rows = np.arange(len(last))
        refused = np.zeros(scores.shape, dtype=bool)
        ph, length = s.phase, s.length
        between = (ph == P_EVENT) | (ph == P_AFTER_DUR)
        waiting = needed.any(1)
        # the bar does not end before every needed lane is tied
        refused[between & waiting, self.eos] = True
        # an event of a needed lane: another what may not reach the bar line, the same what reaching it ties on
        lane_needed = needed[rows, s.lane]
        same = s.suffix_conts[rows, s.lane] == s.what
        timing = lane_needed & (ph == P_DUR)
        for r in np.flatnonzero(timing):
            to_end = self.duration0 + int(length[r] - s.ev_pos[r] - 1)
            if same[r] and s.ev_pos[r] == length[r] - 1:
                refused[r, self.durations] = True
                refused[r, to_end] = False
            elif not same[r]:
                refused[r, to_end] = True
        tying = lane_needed & same & (ph == P_AFTER_DUR) & (s.ev_end == length)
        refused[tying] = True
        refused[tying, self.tie] = False
        # at the bar's last position, the needed lanes in staff order: the column, then the suffix's what
        at_last = waiting & (s.pos == length - 1)
        choosing = at_last & ((ph == P_COL) | between)
        for r in np.flatnonzero(choosing):
            lane = int(np.flatnonzero(needed[r])[0])
            refused[r, self.positions] = True
            refused[r, self.columns] = True
            refused[r, self.column0 + int(self.lane_column[lane])] = False
        naming = at_last & (ph == P_WHAT)
        for r in np.flatnonzero(naming):
            lanes = [k for k in np.flatnonzero(needed[r]) if self.lane_column[k] == s.col[r]]
            if lanes:
                refused[r, self.whats] = True
                for k in lanes:
                    refused[r, self.what0 + int(s.suffix_conts[r, k])] = False
        return _refused(scores, refused)


def _refused(scores: torch.FloatTensor, refused: np.ndarray) -> torch.FloatTensor:
    """``scores`` with the ``refused`` tokens at -inf, except in a row where that would leave nothing: as it was."""
    if not refused.any():
        return scores
    kept = scores.masked_fill(torch.from_numpy(refused).to(scores.device), float("-inf"))
    empty = torch.isinf(kept).all(1) & ~torch.isinf(scores).all(1)  # never empty a row: leave it
    return torch.where(empty[:, None], scores, kept)
