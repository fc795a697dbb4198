"""Steps on the beat: while sampling on music, what carries the weight (a support symbol: a step, a transfer of
weight, a turn on a foot; and the centre's: a jump's flight, a turn on both feet) is pushed to start and arrive on
the music's beats (``StepsOnTheBeat``), or on its half beats.

Why: the model learned its rhythm from captures danced without music, each written on the motion's own pulse
(``laban.beats.motion_pulse``), and in them the feet start a support on every quarter of a beat alike (the
training split's 29 dance takes: 26 % of 1,426 support symbols on the beat, 26 / 25 / 24 % a quarter, a half and
three quarters after it), so the pulse the tokenizer found is the body's sway more than the feet's. With music, its
accents steer the steps towards the struck beats (36 % on the beat) but do not bind them, and the dance's motion
beats fell on the music's beats hardly more often than by chance (``docs/conditioning.md``, "Accents"). A dancer to
music steps on the beat; the dance is pushed to (70 % of its supports on the beat at ``PUSH``, over 18 pieces).

Reading the grammar's state (``motiongpt.grammar.ScoreGrammarProcessor.state``), it takes ``PUSH`` nats from the
support and centre columns at a position off the beat and, for their durations, from each end off the beat (the
bar's end is always on one). Both ends: the body slows where a transfer of weight arrives, and steps started on the
beat but arriving anywhere followed the music's beats less than the model's own. The centre too: a jump taken off
the beat lands off it, and the weight held up to it (the unwritten springs held, ``motiongpt.plausibility.
weight_kept``) arrives off it. A push, not a refusal: words that ask for more steps than the beats hold (a phrase
of a capture written on a slow pulse) can still have them, and best of N keeps the sample that does what they ask.
Turns suffered most, so while a phrase still owes the turn its words ask (``steering.TurnAsked.owing``), its
supports may start anywhere (``spared``; their ends are still pushed). Gestures keep every position: the arms, a leg
in the air, torso and head may syncopate.
"""

from __future__ import annotations

import numpy as np
import torch
from transformers import LogitsProcessor

from laban.score import Column

from motiongpt.grammar import P_AFTER_DUR, P_COL, P_DUR, P_EVENT, ScoreGrammarProcessor
from motiongpt.vocabulary import COLUMNS

WEIGHT = np.array([COLUMNS.index(c) for c in (Column.CENTRE, Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)])
# Nats taken from a weight-bearing symbol off the beat. Chosen on 18 pieces of music21's corpus (bench/
# music_following.py's, not figure 3's two; 12 bars, seed 0, the CLI's sampling) and the validation split's 59
# phrases danced to the Maple Leaf Rag's controls (bench/words_followed.py --music, seed 0): beat alignment over
# chance / words followed 1.09 / 0.74 with no push, 1.32 / 0.75 at 1.5, 1.41 / 0.72 at 3, 1.32 / 0.66 at 5,
# 1.41 / 0.59 refused outright (docs/conditioning.md).
PUSH = 3.0


def on_grid(every: float, subdivision: int) -> int | None:
    """``every`` beats in subdivisions of a beat, or None where it is not a whole positive number of them."""
    step = round(every * subdivision) if isinstance(every, (int, float)) and np.isfinite(every) else 0
    return step if step >= 1 and abs(step - every * subdivision) < 1e-9 else None


class StepsOnTheBeat(LogitsProcessor):
    """The supports and the centre's signs pushed (``push`` nats, default ``PUSH``; ``inf``: refused, where anything
    else is left) to start and end on multiples of ``every`` beats from the bar line (1: the beat; 0.5: the beat or
    its half); their starts not in the rows ``spared(input_ids)`` says (B,) bool; run after ``grammar`` and the
    processors that narrow, before the warpers."""

    def __init__(self, grammar: ScoreGrammarProcessor, every: float = 1.0, push: float | None = None,
                 spared=None) -> None:
        self.grammar, self.push, self.spared = grammar, PUSH if push is None else push, spared
        vocabulary = grammar.grammar.vocabulary
        self.v = vocabulary
        self.step = on_grid(every, vocabulary.subdivision)  # in the grammar's subdivisions of a beat
        self.weight = vocabulary.column0 + WEIGHT
        self.carries = np.isin(np.arange(len(COLUMNS)), WEIGHT)  # by column index: whether it carries the weight
        self.lengths = np.arange(vocabulary.max_positions) + 1  # each duration token's length in subdivisions

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        s, v, step, phase = self.grammar.state, self.v, self.step, self.grammar.state.phase
        if not {P_COL, P_EVENT, P_AFTER_DUR, P_DUR} & set(phase.tolist()):  # no row choosing a column or a length
            return scores
        # a column chosen for an event at a position off the beat: not one that carries the weight
        late = ((phase == P_COL) | (phase == P_EVENT) | (phase == P_AFTER_DUR)) & (s.pos >= 0) & (s.pos % step != 0)
        # their durations: they arrive on the beat (or at the bar's end)
        timing = (phase == P_DUR) & self.carries[s.col]
        if not (late.any() or timing.any()):
            return scores
        if self.spared is not None and late.any():
            late &= ~self.spared(input_ids)
        off = np.zeros(scores.shape, dtype=bool)
        off[:, self.weight] = late[:, None]
        if timing.any():
            ends = s.ev_pos[:, None] + self.lengths[None]
            between = (ends % step != 0) & (ends != s.length[:, None])
            off[:, v.duration0:v.duration0 + v.max_positions] |= timing[:, None] & between
        if not off.any():
            return scores
        mask = torch.from_numpy(off).to(scores.device)
        if self.push != float("inf"):
            return scores - mask * self.push
        refused = scores.masked_fill(mask, float("-inf"))
        empty = torch.isinf(refused).all(1) & ~torch.isinf(scores).all(1)  # never empty a row: leave it
        return torch.where(empty[:, None], scores, refused)
