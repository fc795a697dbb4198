"""The describer: what each phrase of a score does, in the words a choreographer would use.

    >>> for phrase in describe(score, seed=3):
    ...     print(phrase.bars, phrase.text)
    (1, 2) Two steps forward, a step to the right, both arms rise overhead, a jump.

Training text for the words-to-dance model, with exact text ↔ bars pairs by construction: each ``Phrase`` holds
its bar span, its sentence and the facts the sentence states (``PhraseFacts``: step count and direction, turn in
eighths, jumps, arm level). The same seed gives the same words; another seed other words for the same facts
(synonyms, sentence shapes, joiners), so a model does not learn one template. ``facts_from_text`` reads a
sentence back into facts and ``words_followed`` checks a generated phrase against the facts its prompt asked for
(step count within one, step direction, turn within an eighth, jump or not and a count of two or more within one,
arm level, and the pace a prompt says: slow or lively); ``check`` does so phrase by phrase with the values asked and
done, in words.

Phrases are 1–4 bars. ``phrasing=2`` (the default) cuts every two bars, any whole number 1–4 every that many
(the last phrase takes what is left); ``phrasing="auto"`` finds the boundaries in the score: a bar line that no
support, turn or flight crosses and where little starts is a good place to breathe, and two-bar phrases are
preferred to others (a small dynamic programme over bar lines). An upbeat (bar 0) joins the first phrase.
Tempo is not worded: it is a condition of its own for the model.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..errors import LabanError
from ..score import LONGEST_SCORE_S, SUPPORT_COLUMNS, Column, Score, Sign, too_long
from .checks import Checked, check, prompt_spans
from .facts import PhraseFacts, bar_start, phrase_events, phrase_facts, words_followed
from .text import facts_from_text, sentence

__all__ = ["Checked", "Phrase", "PhraseFacts", "check", "describe", "facts_from_text", "phrase_facts",
           "phrase_spans", "prompt_spans", "words_followed"]

MAX_PHRASE_BARS = 4
# The "auto" phrasing's preference for phrase lengths (added to the cost of the bar lines it cuts at).
_LENGTH_COST = {1: 2.0, 2: 0.0, 3: 1.0, 4: 0.5}


@dataclass(frozen=True)
class Phrase:
    """A span of bars (first, last; inclusive, 1-based, 0 = the upbeat), its sentence and the facts it states."""

    bars: tuple[int, int]
    text: str
    facts: PhraseFacts

    @property
    def label(self) -> str:
        first, last = self.bars
        return f"bar {first}" if first == last else f"bars {first}-{last}"

    def as_dict(self) -> dict:
        """Plain JSON types: ``{"bars": [1, 2], "text": ..., "facts": {"steps": 4, "step_direction": "forward",
        "turn_eighths": 4, "jumps": 1, "arm_level": "high"}}``."""
        f = self.facts
        return {"bars": list(self.bars), "text": self.text,
                "facts": {"steps": f.steps, "step_direction": f.step_direction and f.step_direction.value,
                          "turn_eighths": f.turn, "jumps": f.jumps, "arm_level": f.arm_level and f.arm_level.value}}


def describe(score: Score, *, bars: tuple[int, int] | None = None, seed: int = 0,
             phrasing: int | str = 2) -> list[Phrase]:
    """One sentence per phrase of ``score`` (or of bars ``first..last`` of it), worded by ``seed``.

    A phrase's words depend only on the seed, its bar span and the score, not on the other phrases, so
    describing a few bars gives the same sentence as describing the whole score. Raises ``LabanError`` for a
    phrasing that is not 1–4 or "auto", or bars outside the score, and for a whole score longer than the decoder
    dances (``laban.score.too_long``: a bar number typed with digits too many was 50,000 phrases of nothing).
    """
    said = too_long(score) if bars is None else None
    if said:
        raise LabanError(f"{said}; a description stops at {LONGEST_SCORE_S / 3600:g} h, as the decoder and the staff "
                         f"do: describe some of its bars (--bars A-B), or mend the bar numbers")
    phrases = []
    for first, last in phrase_spans(score, bars=bars, phrasing=phrasing):
        events = phrase_events(score, bar_start(score, first), bar_start(score, last + 1))
        rng = random.Random(f"{seed}/{first}-{last}")
        phrases.append(Phrase((first, last), sentence(events, rng), events.facts))
    return phrases


def phrase_spans(score: Score, *, bars: tuple[int, int] | None = None,
                 phrasing: int | str = 2) -> list[tuple[int, int]]:
    """The phrases' bar spans (first, last), in order, covering the score's bars (or ``bars``)."""
    if phrasing != "auto" and not (isinstance(phrasing, int) and 1 <= phrasing <= MAX_PHRASE_BARS):
        raise LabanError(f"phrasing must be a number of bars from 1 to {MAX_PHRASE_BARS} or 'auto', "
                         f"not {phrasing!r}")
    lowest, highest = _bar_range(score)
    first, last = bars if bars is not None else (lowest, highest)
    if not (lowest <= first <= last <= highest):
        raise LabanError(f"bars {first}-{last} are not inside the score's bars {lowest}-{highest}")
    upbeat = first == 0
    first = max(first, 1)
    if last < first:  # nothing but the upbeat
        return [(0, 0)]
    count = last - first + 1
    if phrasing == "auto":
        lengths = _auto_lengths(score, first, count)
    else:
        lengths = [phrasing] * (count // phrasing) + ([count % phrasing] if count % phrasing else [])
    spans, bar = [], first
    for length in lengths:
        spans.append((bar, bar + length - 1))
        bar += length
    if upbeat:
        spans[0] = (0, spans[0][1])
    return spans


def _bar_range(score: Score) -> tuple[int, int]:
    """The score's first bar (0 when there is an upbeat) and the last bar anything happens in."""
    grid = score.grid
    first = 0 if grid.downbeat > 0 else 1
    end = max((s.start for s in score.symbols), default=0.0)
    end = max(end, score.duration - 1e-6)
    return first, max(first, grid.bar_and_beat(end)[0], 1)


def _auto_lengths(score: Score, first: int, count: int) -> list[int]:
    """Phrase lengths (1–4 bars) whose cuts fall on the quietest bar lines, two-bar phrases preferred."""
    lines = [bar_start(score, first + i) for i in range(count + 1)]
    cost = [_bar_line_cost(score, beat) for beat in lines]
    best = [0.0] + [float("inf")] * count  # best[i]: the cheapest cut of the first i bars
    back = [0] * (count + 1)
    for i in range(1, count + 1):
        for length in range(1, min(MAX_PHRASE_BARS, i) + 1):
            total = best[i - length] + _LENGTH_COST[length] + (cost[i] if i < count else 0.0)
            if total < best[i] - 1e-9:
                best[i], back[i] = total, length
    lengths, i = [], count
    while i > 0:
        lengths.append(back[i])
        i -= back[i]
    return lengths[::-1]


def _bar_line_cost(score: Score, beat: float) -> float:
    """How much a cut at ``beat`` would split: supports, turns and flights in progress across it count two,
    other symbols in progress and symbols starting in the beat either side count one half."""
    cost = 0.0
    for s in score.symbols:
        if s.start >= beat + 1:
            break
        weight = s.column in SUPPORT_COLUMNS or s.column is Column.CENTRE or s.sign is Sign.TURN
        if s.start < beat < s.end:
            cost += 2.0 if weight else 0.5
        elif beat - 1 < s.start < beat + 1:
            cost += 0.5
    return cost
