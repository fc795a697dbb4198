"""A bar that ends tied into what the next bar is known to open with: a logits processor (``TiedInto``) shared by the
fills of co-creation (``motiongpt.cocreate.ties.TiedIntoKept``: the kept bar after the rewritten ones) and by
repeated bars (``repeats.RepeatedBars``: the bar before a copy, so the copy opens as its source does).

A symbol belongs to the bar it starts in; one that runs on over the bar line leaves a piece in the next bar
(``<cont>``, the same column and what). When the next bar's opening pieces are fixed in advance, the bar being
written must tie into each of them, or the piece reads back as a new symbol at the next bar's first beat, a step, a
turn or an arm's movement nobody wrote there. ``wanted(state)`` says, per row and lane, what the next bar opens with
(-1: nothing asked; -2: nothing, so no event of that lane ties on), and may say with which modifiers (a piece
repeats the modifiers of the symbol it continues: a contraction, a space measurement); then, in the bar being
written, for each such lane not tied yet: an event of the lane with another what, or other modifiers, may not reach
the bar line; one with the same what and modifiers that reaches it ties on; the bar does not end before they are
written; and at the bar's last position each such lane is written, in staff order: that what, its modifiers, for
that last step, tied on. Where the grammar allows none of that, the row is left as the grammar has it. It reads
the grammar's state, so it goes after ``grammar`` in the list.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from transformers import LogitsProcessor

from motiongpt.grammar import P_AFTER_DUR, P_COL, P_DUR, P_EVENT, P_WHAT, ScoreGrammarProcessor, State
from motiongpt.vocabulary import COLUMNS, LANE_COUNT, lane_column


class TiedInto(LogitsProcessor):
    """The bar being written ends tied into ``wanted(state)``: (B, lanes) whats the next bar opens with, -1 not
    asked, -2 none; or a pair of that and (B, lanes, 2) modifiers (the contraction's and the space measurement's
    index in the vocabulary's modifiers, -1 none) that those pieces carry; or None: nothing asked at this step."""

    def __init__(self, grammar: ScoreGrammarProcessor,
                 wanted: Callable[[State], np.ndarray | tuple[np.ndarray, np.ndarray] | None]) -> None:
        self.grammar, self.wanted = grammar, wanted
        v = grammar.grammar.vocabulary
        self.durations = slice(v.duration0, v.duration0 + v.max_positions)
        self.positions = slice(v.position0, v.position0 + v.max_positions)
        self.columns = slice(v.column0, v.column0 + len(COLUMNS))
        self.whats = slice(v.what0, v.what0 + len(v.whats))
        self.modifiers = slice(v.modifier0, v.modifier0 + len(v.modifiers))
        self.duration0, self.column0, self.what0, self.modifier0 = v.duration0, v.column0, v.what0, v.modifier0
        self.tie, self.eos = v.tie_id, v.eos_id
        self.lane_column = np.array([COLUMNS.index(lane_column(k)) for k in range(LANE_COUNT)])

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        s = self.grammar.state
        wanted = None if s is None else self.wanted(s)
        if wanted is None:
            return scores
        wanted, mods = wanted if isinstance(wanted, tuple) else (wanted, None)
        rows = np.arange(len(wanted))
        refused = np.zeros(scores.shape, dtype=bool)
        ph, length = s.phase, s.length
        refused[(wanted[rows, s.lane] == -2) & (ph == P_AFTER_DUR), self.tie] = True  # the next bar opens without it
        needed = (wanted >= 0) & (s.ties != wanted)
        if not needed.any():
            return refused_where(scores, refused)
        between = (ph == P_EVENT) | (ph == P_AFTER_DUR)
        waiting = needed.any(1)
        # the bar does not end before every needed lane is tied
        refused[between & waiting, self.eos] = True
        # an event of a needed lane: another what may not reach the bar line, the same what reaching it ties on
        lane_needed = needed[rows, s.lane]
        same = wanted[rows, s.lane] == s.what
        timing = lane_needed & (ph == P_DUR)
        if mods is not None:  # the same what with other modifiers is another symbol: it may not tie on either
            asked = mods[rows, s.lane]  # (B, 2)
            fits = (s.mods == asked).all(1)
            # at the bar's last position the event must reach the bar line: its missing modifiers written first
            owing = timing & same & ~fits & (s.ev_pos == length - 1)
            for r in np.flatnonzero(owing):
                contraction, space = (int(m) for m in asked[r])
                due = contraction if contraction >= 0 and s.mods[r, 0] < 0 and s.modified[r] < 1 else \
                    space if space >= 0 and s.mods[r, 1] < 0 else -1
                if due >= 0:
                    refused[r, self.durations] = True
                    refused[r, self.modifiers] = True
                    refused[r, self.modifier0 + due] = False
            same &= fits
            timing &= ~owing  # (one that cannot be made to fit any more ends as the grammar has it)
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
        # at the bar's last position, the needed lanes in staff order: the column, then the wanted what
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
                    refused[r, self.what0 + int(wanted[r, k])] = False
        return refused_where(scores, refused)


def refused_where(scores: torch.FloatTensor, refused: np.ndarray) -> torch.FloatTensor:
    """``scores`` with the ``refused`` tokens at -inf, except in a row where that would leave nothing: as it was."""
    if not refused.any():
        return scores
    kept = scores.masked_fill(torch.from_numpy(refused).to(scores.device), float("-inf"))
    empty = torch.isinf(kept).all(1) & ~torch.isinf(scores).all(1)  # never empty a row: leave it
    return torch.where(empty[:, None], scores, kept)
