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

from motiongpt.grammar import DUR, P_AFTER_DUR, P_DUR, TIE, ScoreGrammar, ScoreGrammarProcessor
from motiongpt.model.ties import TiedInto, refused_where


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
        return refused_where(scores, refused)


class TiedIntoKept(TiedInto):
    """The bars written anew end with a symbol tied into each piece the kept bar after them continues (put it after
    ``grammar`` in the list). A symbol belongs to the bar it starts in: one the parent began in the rewritten bars
    and ran on into the kept bar leaves its piece there (``<cont>``, kept with that bar's tokens), and where the
    new bars did not tie into it, it read back as a symbol of the kept bar, a step, a turn or an arm's movement at
    its first beat that the parent never wrote there (7 of 12 regenerated dances of ``bench/cocreate_figures.py
    --only locality``). What the kept bar opens with is the grammar's ``suffix_conts``, with the modifiers its
    pieces repeat (``suffix_cont_mods``: a symbol that ties in with another contraction than the kept piece's is
    another symbol, and the kept bar's arm would bend otherwise), asked of the last bar written
    (``motiongpt.model.ties.TiedInto`` says how)."""

    def __init__(self, grammar: ScoreGrammarProcessor) -> None:
        super().__init__(grammar, _suffix_opening)


def _suffix_opening(s) -> tuple[np.ndarray, np.ndarray] | None:
    """In the last bar of a fill's middle, what the kept bar after it opens with, and with which modifiers; None
    elsewhere."""
    if not s.middle.any():
        return None
    last = s.middle & (s.bar == s.bars - 1)
    return np.where(last[:, None], s.suffix_conts, -1), s.suffix_cont_mods
