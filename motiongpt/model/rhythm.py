"""Steps on the beat: while sampling on music, what carries the weight (a support symbol: a step, a transfer of
weight, a turn on a foot; and the centre's: a jump's flight, a turn on both feet) starts and arrives only on the
music's beats (``StepsOnTheBeat``), or on its half beats.

Why: the model learned its rhythm from captures danced without music, each written on the motion's own pulse
(``laban.beats.motion_pulse``), and in them the feet start a support on every quarter of a beat alike (the
training split's 29 dance takes: 26 % of 1,426 support symbols on the beat, 26 / 25 / 24 % a quarter, a half and
three quarters after it), so the pulse the tokenizer found is the body's sway more than the feet's. With music, its
accents steer the steps towards the struck beats (36 % on the beat) but do not bind them, and the dance's motion
beats fell on the music's beats hardly more often than by chance (``docs/evaluation.md``, figure 3). A dancer to
music steps on the beat; so does the dance, where this processor runs.

Reading the grammar's state (``motiongpt.grammar.ScoreGrammarProcessor.state``), it refuses the support and centre
columns at a position off the beat and, for their durations, an end off the beat (the bar's end is always on
one). The centre too: a jump taken off the beat would land off it, and the weight held up to it (the unwritten
springs held, ``motiongpt.plausibility.weight_kept``) would arrive off it. Where the grammar and the processors
before it leave nothing else (a symbol tied in that must keep its length), the row is left as they have it: it
narrows, never empties, a row's choices. Gestures keep every position: the arms, legs in the air, torso and head
may syncopate.
"""

from __future__ import annotations

import numpy as np
import torch
from transformers import LogitsProcessor

from laban.score import Column

from motiongpt.grammar import P_AFTER_DUR, P_COL, P_DUR, P_EVENT, ScoreGrammarProcessor
from motiongpt.vocabulary import COLUMNS

WEIGHT = np.array([COLUMNS.index(c) for c in (Column.CENTRE, Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)])


def on_grid(every: float, subdivision: int) -> int | None:
    """``every`` beats in subdivisions of a beat, or None where it is not a whole positive number of them."""
    step = round(every * subdivision) if isinstance(every, (int, float)) and np.isfinite(every) else 0
    return step if step >= 1 and abs(step - every * subdivision) < 1e-9 else None


class StepsOnTheBeat(LogitsProcessor):
    """The supports and the centre's signs start and end on multiples of ``every`` beats from the bar line (1: the
    beat; 0.5: the beat or its half); run after ``grammar`` and the processors that narrow, before the warpers."""

    def __init__(self, grammar: ScoreGrammarProcessor, every: float = 1.0) -> None:
        self.grammar = grammar
        vocabulary = grammar.grammar.vocabulary
        self.v = vocabulary
        self.step = on_grid(every, vocabulary.subdivision)  # in the grammar's subdivisions of a beat
        self.weight = vocabulary.column0 + WEIGHT
        self.lengths = np.arange(vocabulary.max_positions) + 1  # each duration token's length in subdivisions

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        s, v, step = self.grammar.state, self.v, self.step
        refused = np.zeros(scores.shape, dtype=bool)
        # a column chosen for an event at a position off the beat: not one that carries the weight
        off = np.isin(s.phase, (P_COL, P_EVENT, P_AFTER_DUR)) & (s.pos >= 0) & (s.pos % step != 0)
        refused[np.ix_(off, self.weight)] = True
        # their durations: they arrive on the beat (or at the bar's end)
        timing = (s.phase == P_DUR) & np.isin(s.col, WEIGHT)
        if timing.any():
            ends = s.ev_pos[:, None] + self.lengths[None]
            late = (ends % step != 0) & (ends != s.length[:, None])
            refused[:, v.duration0:v.duration0 + v.max_positions] |= timing[:, None] & late
        if not refused.any():
            return scores
        pushed = scores.masked_fill(torch.from_numpy(refused).to(scores.device), float("-inf"))
        empty = torch.isinf(pushed).all(1) & ~torch.isinf(scores).all(1)  # never empty a row: leave it
        return torch.where(empty[:, None], scores, pushed)
