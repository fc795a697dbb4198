"""Where the music repeats, the dance repeats: a bar whose music repeats an earlier bar's is written with that bar's
material, token for token (``RepeatedBars``, a logits processor), as a choreographer sets a returning section to its
returning phrase.

Why not the model: the music's controls tell it *that* a bar repeats (the ``repeat`` control, 0 or 1), never *which*
bar's material, and the shared corpus has no music to learn repetition from. Measured (``bench/music_following.py``,
figure 3 of issue 11), the model's bars where the music repeats shared fewer tokens with the bars they repeat (0.35)
than bars elsewhere at the same distances did (0.38). A copy is exact and readable: the returning bars are the same
symbols on the staff.

How, per row: a bar written freely before a copy of bar ``s`` ends tied into exactly the symbols bar ``s`` opens
with (``ties.TiedInto``), so the copy can open as ``s`` does. In the copy, the continuations of what the bar before
tied into it come first (the grammar makes them; their lengths and ties are ``s``'s where ``s`` opens with the same
symbol), then the next token is the next of bar ``s``'s own events, then the bar line, as long as the grammar and
every processor before this one allow it. Where one does not (a continuation still holds the column bar ``s`` starts
an event in; a flight the limits refuse), the row samples the rest of that bar freely: the copy is as close as the
dance allows and never forced against the grammar. A tie of the source's into its next bar that the copy cannot
write (in the dance's last bar; a pass of a long dance may tie into the next since 2026-12-05) is passed over,
and the copy goes on as its source does. It only narrows what the processors before it left, so it goes after
every processor that refuses tokens and before temperature and top-k/top-p.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from transformers import LogitsProcessor

from motiongpt.grammar import ScoreGrammarProcessor
from motiongpt.vocabulary import LANE_COUNT

from .ties import TiedInto


class RepeatedBars(LogitsProcessor):
    """Bars written as copies of earlier bars. ``repeats``: bar → the earlier bar it repeats, in the dance's
    vocabulary bars (0 = the first ``<bar>``); the sequence's bar ``b`` is the dance's bar ``b + offset`` (a later
    pass of a long dance starts from a context cut out of it), and only its bars from ``first`` on are written
    here (the prompt's are given). A repeated bar's tokens are read from the row itself or from ``known`` (per
    row, dance bar → its tokens after the ``<bar>``: bars written by an earlier pass)."""

    def __init__(self, grammar: ScoreGrammarProcessor, repeats: dict[int, int], offset: int = 0, first: int = 0,
                 known: list[dict[int, list[int]]] | None = None) -> None:
        vocabulary = self.vocabulary = grammar.grammar.vocabulary
        self.grammar = grammar
        self.repeats = {int(bar): int(source) for bar, source in repeats.items()}
        self.offset, self.first, self.known = offset, first, known
        self.bar, self.tie, self.ends = vocabulary.bar_id, vocabulary.tie_id, (vocabulary.bar_id, vocabulary.eos_id)
        self.durations = range(vocabulary.duration0, vocabulary.duration0 + vocabulary.max_positions)
        self.arg, self.centre_lane = grammar.grammar.arg, grammar.grammar.centre_lane
        self.modifier_ids = range(vocabulary.modifier0, vocabulary.modifier0 + len(vocabulary.modifiers))
        self.modifier_rank = grammar.grammar.modifier_rank  # 1 a contraction, 2 a space measurement
        self.starts: list[list[int]] = []  # per row, where its <bar> tokens stand
        self.seen, self.ids = 0, None
        self.parts: dict[tuple[int, int], tuple] = {}  # (row, source) -> its bar_parts: a source once written stays
        self.tying = TiedInto(grammar, self._opening)  # the bar before a copy ties into what its source opens with

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        batch, length = input_ids.shape
        if len(self.starts) != batch or length < self.seen:  # a new sampling call
            self.starts, self.seen, self.parts = [[] for _ in range(batch)], 0, {}
        for row, tokens in enumerate(input_ids[:, self.seen:length].tolist()):  # (Python numbers: a token or two)
            self.starts[row] += [self.seen + at for at, token in enumerate(tokens) if token == self.bar]
        self.seen, self.ids = length, input_ids
        scores = self.tying(input_ids, scores)
        state = self.grammar.state
        for row in range(batch):
            bar = int(state.bar[row])
            source = self.repeats.get(bar + self.offset)
            parts = None if bar < self.first or source is None else self._parts(row, source)
            if parts is None:
                continue  # not a repeated bar, or its source is not written yet
            pieces, _, target = parts
            so_far = input_ids[row, self.starts[row][-1] + 1:length].tolist()
            _, piece, events = bar_parts(self.vocabulary, so_far, whole=False)
            owed = bool((state.pending[row] >= 0).any())  # the grammar still makes continuations
            allowed, refused = None, None
            if piece is not None:  # a continuation: its what is the grammar's, its length and tie the source's
                match = next((p for p in pieces if p[:len(piece)] == piece), None)
                if match is not None and len(match) > len(piece):
                    allowed = [match[len(piece)]]
                elif match is not None:
                    refused = [self.tie] if owed else None
                    allowed = None if owed else target[:1] or list(self.ends)
                elif piece[-1] in self.durations and not owed:
                    allowed = (target[:1] or list(self.ends)) + [self.tie]  # the source has no such piece
            elif not owed and (at := _matched(events, target, self.tie)) is not None:
                allowed = target[at:at + 1] or list(self.ends)
                if allowed == [self.tie] and not torch.isfinite(scores[row, self.tie]):
                    allowed = target[at + 1:at + 2] or list(self.ends)  # the last bar written ties on to nothing
            keep = [t for t, x in zip(allowed, scores[row, allowed].tolist()) if math.isfinite(x)] if allowed else []
            if keep:
                only = torch.ones(scores.shape[1], dtype=torch.bool, device=scores.device)
                only[keep] = False
                scores[row] = scores[row].masked_fill(only, float("-inf"))
            elif refused and int(torch.isfinite(scores[row]).sum()) > 1:
                scores[row, refused] = float("-inf")
        return scores

    def copied(self, bars: int) -> set[int]:
        """The sequence's bars (of its first ``bars``) written here as copies."""
        return {bar for bar in range(self.first, bars) if bar + self.offset in self.repeats}

    def _opening(self, state) -> tuple[np.ndarray, np.ndarray] | None:
        """(B, lanes) whats and (B, lanes, 2) modifiers the next bar opens with where it is a copy: its source's
        opening pieces (tied in from the bar before it), -2 in the other lanes (nothing ties on there); -1 in the
        other rows; None: nowhere. A bar that is a copy itself is left to end as its source did (its source's next
        bar opened with what it tied), and a source not written yet (the bar being written) asks nothing."""
        wanted = mods = None
        for row, bar in enumerate(state.bar.tolist()):
            source = self.repeats.get(bar + 1 + self.offset)
            free = bar >= self.first and bar + self.offset not in self.repeats
            parts = self._parts(row, source) if free and source is not None else None
            if parts is None:
                continue
            if wanted is None:
                wanted = np.full((len(state.bar), LANE_COUNT), -1, dtype=np.int64)
                mods = np.full((len(state.bar), LANE_COUNT, 2), -1, dtype=np.int64)
            wanted[row] = -2  # no lane ties on that the source does not open with
            for piece in parts[0]:  # <cont> col what [modifiers] dur [<tie>]
                column, what = int(self.arg[piece[1]]), int(self.arg[piece[2]])
                lane = int(self.centre_lane[what]) if column == 0 else column + 1
                wanted[row, lane] = what
                for token in piece[3:]:
                    if token in self.modifier_ids:
                        index = int(self.arg[token])
                        mods[row, lane, int(self.modifier_rank[index]) - 1] = index
        return None if wanted is None else (wanted, mods)

    def _parts(self, row: int, source: int) -> tuple | None:
        """``bar_parts`` of the dance's bar ``source`` (None: not written yet), read from ``known`` or the row."""
        if (row, source) not in self.parts:
            if self.known is not None and source in self.known[row]:
                tokens = self.known[row][source]
            else:
                bar, starts = source - self.offset, self.starts[row]
                if not 0 <= bar < len(starts) - 1:
                    return None
                tokens = self.ids[row, starts[bar] + 1:starts[bar + 1]].tolist()
            self.parts[(row, source)] = bar_parts(self.vocabulary, tokens)
        return self.parts[(row, source)]


def _matched(events: list[int], target: list[int], tie: int) -> int | None:
    """How far into ``target`` (a source bar's events) the copy's ``events`` have come, or None where they part: a
    ``<tie>`` of the source that the copy could not write (the last bar a sequence writes, where nothing follows) is
    passed over, so the copy goes on as its source does, untied."""
    at = 0
    for token in events:
        if at < len(target) and target[at] == token:
            at += 1
        elif at + 1 < len(target) and target[at] == tie and target[at + 1] == token:
            at += 2
        else:
            return None
    return at


def bar_parts(vocabulary, tokens: list[int], whole: bool = True):
    """A bar's tokens after its ``<bar>`` as (the continuations that open it, each ``<cont> col what [modifiers]
    dur [<tie>]``; the last one if it may still go on, else None; the tokens of what the bar itself starts). A bar
    not ``whole``ly written may end inside a continuation, or at its duration with a ``<tie>`` still to come."""
    durations = range(vocabulary.duration0, vocabulary.duration0 + vocabulary.max_positions)
    pieces, at = [], 0
    while at < len(tokens) and tokens[at] == vocabulary.cont_id:
        end = at + 1
        while end < len(tokens) and tokens[end] not in durations:
            end += 1
        if end >= len(tokens) - 1 and not whole:
            return pieces, tokens[at:], []
        end = min(end + 1, len(tokens))
        if end < len(tokens) and tokens[end] == vocabulary.tie_id:
            end += 1
        pieces.append(tokens[at:end])
        at = end
    return pieces, None, tokens[at:]
