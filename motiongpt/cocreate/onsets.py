"""A logits processor that makes a sampled bar step where another score steps: the grammar-aware push behind
style translation keeping its rhythm.

Per-bar controls (accents) steer the model toward the source's beats but do not bind it, and choosing the best of
several draws cannot put back a step no draw wrote: the misses are steps not written, not steps misplaced. So,
reading the grammar's own state (``motiongpt.grammar.ScoreGrammarProcessor.state``, which runs before this in the
processor list), at each of the source's support onsets in the bar being written:

- the row may not move past the onset (a later position, ``<bar>``, ``<eos>``) while a support could still start
  there and none has;
- at the onset, no column after the supports in staff order (which would pass them by) and no flight taking
  off until a support is written;
- a support or a flight may not last past the next onset, so that a foot is free to step on it.

Where the grammar allows nothing the push asks for (a centre turn holding the floor, a continuation the bar
must open with), the row is left as the grammar has it: the push narrows, never empties, a row's choices.
Everything else (which foot, what direction and level, gestures, extra steps) is the model's, under the style.
"""

from __future__ import annotations

import numpy as np
import torch
from transformers import LogitsProcessor

from laban.score import Column
from laban.timing import BeatGrid

from motiongpt.grammar import (MOD, P_AFTER_DUR, P_COL, P_DUR, P_EVENT, P_WHAT, WHAT, ScoreGrammar,
                               ScoreGrammarProcessor)
from motiongpt.model.ties import refused_where
from motiongpt.vocabulary import COLUMNS

SUPPORT_COLUMNS = (COLUMNS.index(Column.SUPPORT_LEFT), COLUMNS.index(Column.SUPPORT_RIGHT))  # the feet


def support_onsets(grammar: ScoreGrammar, ids: list[int], grid: BeatGrid) -> list[np.ndarray]:
    """Per vocabulary bar, the sorted positions (subdivisions from the bar's start, as the grammar counts them)
    where a support symbol of the score ``ids`` starts (continuations across a bar line are not onsets)."""
    bars = len(grammar.vocabulary.bar_spans(ids))
    state = grammar.start_for([grid], [bars])
    onsets: list[set] = [set() for _ in range(bars)]
    for token in ids:
        phase = int(state.phase[0])  # P_WHAT: an event's what (a continuation's is P_CONT_WHAT)
        grammar.advance(state, np.array([token]), check=False)
        if phase == P_WHAT and int(state.col[0]) in SUPPORT_COLUMNS and 0 <= state.bar[0] < bars:
            onsets[int(state.bar[0])].add(int(state.ev_pos[0]))
    return [np.array(sorted(o), dtype=np.int64) for o in onsets]


class SupportOnsets(LogitsProcessor):
    """Pushes each row to start a support symbol at ``onsets[bar]`` (positions per vocabulary bar, as
    ``support_onsets`` gives them), reading ``grammar``'s state; put it after ``grammar`` in the list."""

    def __init__(self, grammar: ScoreGrammarProcessor, onsets: list[np.ndarray]) -> None:
        self.grammar = grammar
        g = grammar.grammar
        v = g.vocabulary
        self.v = v
        width = max([len(o) for o in onsets] + [1])
        self.onsets = np.full((len(onsets) + 1, width + 1), 1 << 30, dtype=np.int64)  # padded with "never"
        for bar, o in enumerate(onsets):
            self.onsets[bar, :len(o)] = o
        self.met = None  # per row: the (bar, position) of the last support written
        self.seen, self.asked = 0, None

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        s = self.grammar.state
        g, v = self.grammar.grammar, self.v
        batch, length = input_ids.shape
        again = length == self.seen and torch.equal(input_ids, self.asked)  # the same ids asked again
        if self.met is None or (length <= self.seen and not again) or len(self.met) != batch:  # a new call
            self.met = np.full((batch, 2), -1, dtype=np.int64)
        self.seen, self.asked = length, input_ids
        ids = np.pad(input_ids[:, -4:].cpu().numpy(), ((0, 0), (max(0, 4 - length), 0)), constant_values=v.pad_id)
        rows = np.arange(batch)
        # a support event just named (col what [space], not <cont> col what [space]): the grammar is waiting for
        # its duration (a support takes at most one modifier, its space measurement)
        modified = g.kind[ids[:, -1]] == MOD
        opening = np.where(modified, ids[:, 0], ids[:, 1])  # the token before the column
        # (or a turn in the centre column: a turn on both feet holds the floor as a support does)
        centre_turn = (s.col == 0) & ~g.is_flight[np.clip(s.what, 0, len(g.is_flight) - 1)]
        named = ((s.phase == P_DUR) & (np.isin(s.col, SUPPORT_COLUMNS) | centre_turn)
                 & (modified | (g.kind[ids[:, -1]] == WHAT)) & (opening != v.cont_id))
        self.met[named] = np.stack([s.bar, s.ev_pos], 1)[named]
        bar = np.clip(s.bar, 0, len(self.onsets) - 1)
        table = np.where((s.bar >= 0)[:, None], self.onsets[bar], 1 << 30)
        # an onset at the current position is still to meet while no support started there and staff order
        # still lets one come (nothing after the support columns written at this position yet)
        open_here = ~((self.met[:, 0] == s.bar) & (self.met[:, 1] == s.pos)) & (s.last_col < max(SUPPORT_COLUMNS))
        pending = (table > s.pos[:, None]) | ((table == s.pos[:, None]) & open_here[:, None])
        target = np.where(pending.any(1), table[rows, pending.argmax(1)], 1 << 30)
        refused = np.zeros(scores.shape, dtype=bool)

        free_time = g._column_free_time(s)[:, list(SUPPORT_COLUMNS)].min(1)
        waiting = (s.pending >= 0).any(1)
        between = ((s.phase == P_EVENT) | (s.phase == P_AFTER_DUR) | (s.phase == P_COL)) & ~waiting
        can_step = between & (target < s.length) & (free_time <= target)
        positions = np.arange(v.max_positions)[None]
        moving_on = np.zeros(scores.shape[1], dtype=bool)
        moving_on[[v.bar_id, v.eos_id, v.fim_suffix_id]] = True
        later = can_step & (s.pos < target)
        refused[later] |= moving_on
        refused[:, v.position0:v.position0 + v.max_positions] |= later[:, None] & (positions > target[:, None])
        now = can_step & (s.pos == target)
        if now.any():
            # columns after the supports in staff order would pass them by; earlier ones may still come first
            refused[now] |= moving_on
            refused[np.ix_(now, np.arange(v.position0, v.position0 + v.max_positions))] = True
            later_columns = np.arange(len(v.columns)) > max(SUPPORT_COLUMNS)
            refused[np.ix_(now, v.column0 + np.flatnonzero(later_columns))] = True

        # no flight taking off on an onset still to meet (it would hold both feet off the floor there)
        lifting = (s.phase == P_WHAT) & (s.col == 0) & (s.pos == target)
        refused[np.ix_(lifting, v.what0 + np.flatnonzero(g.is_flight))] = True
        # durations: a support or a flight ends by the next onset after it starts
        timing = (s.phase == P_DUR) & (np.isin(s.col, SUPPORT_COLUMNS)
                                       | ((s.col == 0) & g.is_flight[np.minimum(s.what, len(g.is_flight) - 1)]))
        if timing.any():
            after = np.where(self.onsets[bar] > s.ev_pos[:, None], self.onsets[bar], 1 << 30).min(1)
            ends = s.ev_pos[:, None] + positions + 1
            refused[:, v.duration0:v.duration0 + v.max_positions] |= timing[:, None] & (ends > after[:, None])

        return refused_where(scores, refused)


def weight_at(score, beat: float) -> set[int]:
    """The support columns (vocabulary column indices) bearing weight at ``beat``: those whose support symbol
    lasts until it; when none does, those of the last support onset before it (steps at one moment: both feet)."""
    feet = {COLUMNS[c] for c in SUPPORT_COLUMNS}
    starts = [s for s in score.symbols if s.column in feet and s.duration > 0 and s.start < beat - 1e-9]
    if not starts:
        return set(SUPPORT_COLUMNS)
    sounding = {COLUMNS.index(s.column) for s in starts if s.end >= beat - 1e-9}
    last = max(s.start for s in starts)
    return sounding or {COLUMNS.index(s.column) for s in starts if abs(s.start - last) < 1e-9}


class WeightHeld(LogitsProcessor):
    """In vocabulary bar ``bar``, until its first support is written, no ``hold`` in a support column whose foot
    bears no weight (``weight``: column indices, ``weight_at``). A hold keeps the weight where it is; on a free foot
    it is a transfer without a step, which the decoder can only perform as a jump of the foot to the floor. The
    model writes it at a join it did not see written (a continuation's first bar)."""

    def __init__(self, grammar: ScoreGrammarProcessor, bar: int, weight: set[int]) -> None:
        self.grammar, self.bar = grammar, bar
        v = grammar.grammar.vocabulary
        self.hold = v.what0 + v.whats.index("hold")
        self.free = np.array([c for c in SUPPORT_COLUMNS if c not in weight], dtype=np.int64)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        s = self.grammar.state
        if not len(self.free):
            return scores
        stepped = (s.busy[:, [c + 1 for c in SUPPORT_COLUMNS]] > 0).any(1)  # a support written in this bar
        refused = ((s.phase == P_WHAT) & (s.bar == self.bar) & np.isin(s.col, self.free) & ~stepped)
        if not refused.any():
            return scores
        mask = torch.zeros(scores.shape, dtype=torch.bool, device=scores.device)
        mask[torch.from_numpy(refused), self.hold] = True
        return scores.masked_fill(mask, float("-inf"))
