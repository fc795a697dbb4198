"""Training windows of a corpus, with the augmentations the notation makes exact.

The shared data is small (about 36 minutes, 15 of them dance), so a training example is a **window** of 4 to 16
bars cut at bar lines (``laban.algebra.cut``: the state at the cut becomes the window's starting position, so
the window stands on its own and its bars are the take's bars), varied in ways that are exact on a score where
on motion they would need retargeting or resampling:

- **mirror** left ↔ right (``laban.algebra.mirror``): columns swap sides, directions and turns mirror. A new
  token sequence; mirroring twice gives the score back.
- **tempo**: the same beats at another speed, in ±15 % steps (``TEMPO_FACTORS``; ``laban.algebra.retime``). The
  tokens are in beats, so they do not change: the tempo is conditioning, and the model learns that the same
  material is danced at 90 and at 120 bpm.
- **front**: the room direction the performance starts facing, in eighths of a turn (``laban.algebra
  .rotate_front``). Labanotation writes every direction relative to the performer's front, so this too leaves
  the tokens unchanged: the front is a zero-length turn at beat 0, which the vocabulary (whose symbols last at
  least one subdivision) does not write. ``Example.score`` is the encodable score and ``Example.augmentation
  .front`` the facing as conditioning; ``Example.performed()`` is the score with the facing written in, for the
  decoder or the staff.

Words travel with every window: the take's **description** (coarse: CMU's "salsa dance (lead)"; left and right
exchanged in a mirrored window) and the window's **phrases** from ``laban.describe`` (exact: the words of these
bars, after mirroring), so that a training example can carry either.

The test split is never yielded for training: ``windows(corpus, split="train")`` draws from the takes marked
``train`` only. Same rng state, same windows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from itertools import product
from typing import Iterator

import numpy as np

from laban.algebra import bar_count, cut, mirror, retime, rotate_front
from laban.score import Score
from laban.timing import BeatGrid

from .corpus import Corpus, CorpusError, Take

TEMPO_FACTORS = (0.7, 0.85, 1.0, 1.15, 1.3)  # beats per minute times this: ±15 % steps
FRONTS = tuple(range(8))  # eighths of a turn clockwise
WINDOW_BARS = (4, 16)


@dataclass(frozen=True)
class Augmentation:
    """What was done to a window: mirrored or not, its tempo times ``tempo``, facing ``front`` eighths clockwise."""

    mirror: bool = False
    tempo: float = 1.0
    front: int = 0

    def apply(self, score: Score) -> Score:
        """The score mirrored and retimed (what the vocabulary encodes; the front is conditioning)."""
        if self.mirror:
            score = mirror(score)
        if self.tempo != 1.0:
            score = retimed(score, self.tempo)
        return score

    def performed(self, score: Score) -> Score:
        """``apply`` with the facing written in as a front sign (for the decoder and the staff)."""
        score = self.apply(score)
        return rotate_front(score, self.front / 8) if self.front else score


ALL = tuple(Augmentation(m, t, f) for m, t, f in product((False, True), TEMPO_FACTORS, FRONTS))
IDENTITY = Augmentation()


def retimed(score: Score, factor: float) -> Score:
    """The same beats ``factor`` times as fast (1.15: 15 % quicker), tempo changes kept in proportion."""
    if not factor > 0:
        raise CorpusError(f"a tempo factor must be positive, not {factor!r}")
    times = np.asarray(score.grid.times, dtype=float)
    grid = BeatGrid(tuple(times[0] + (times - times[0]) / factor), score.beats_per_bar, score.grid.downbeat)
    return retime(score, grid)


def augmentations(score: Score) -> Iterator[tuple[Score, Augmentation]]:
    """Every augmentation of ``score`` (``ALL``: 2 mirrors × 5 tempi × 8 fronts), as (encodable score, what)."""
    for a in ALL:
        yield a.apply(score), a


def augment(score: Score, rng: np.random.Generator) -> tuple[Score, Augmentation]:
    """One augmentation drawn with ``rng`` (each of ``ALL`` equally likely)."""
    a = ALL[int(rng.integers(len(ALL)))]
    return a.apply(score), a


_SIDES = re.compile(r"\b(left|right)\b", re.IGNORECASE)


def mirrored_words(text: str) -> str:
    """``text`` with left and right exchanged (a mirrored take's description)."""
    def swap(match: re.Match) -> str:
        word = {"left": "right", "right": "left"}[match.group(1).lower()]
        return word.capitalize() if match.group(1)[0].isupper() else word

    return _SIDES.sub(swap, text)


@dataclass(frozen=True)
class Example:
    """A training window: the score (encodable), the take it was cut from, which bars, what was done to it."""

    score: Score
    take: Take
    bars: tuple[int, int]  # the take's bars first..last that the window holds (its bars 1..last-first+1)
    augmentation: Augmentation = IDENTITY
    seed: int = 0  # picks the phrasing of the exact words
    phrasing: int | str = field(default=2, repr=False)

    @property
    def description(self) -> str:
        """The take's words (coarse), with left and right exchanged if the window is mirrored."""
        d = self.take.description
        return mirrored_words(d) if self.augmentation.mirror else d

    @property
    def style(self) -> str:
        return self.take.style

    @cached_property
    def phrases(self) -> list:
        """``laban.describe`` of the window itself: exact words ↔ bars (bars counted in the window)."""
        from laban.description import describe

        return describe(self.score, seed=self.seed, phrasing=self.phrasing)

    @property
    def text(self) -> str:
        """The exact words of the whole window, phrase after phrase."""
        return " ".join(p.text for p in self.phrases)

    def performed(self) -> Score:
        """The window with its facing written in (``Augmentation.performed``)."""
        return rotate_front(self.score, self.augmentation.front / 8) if self.augmentation.front else self.score


def window(score: Score, first: int, last: int) -> Score:
    """Bars ``first``..``last`` of ``score`` as a score of their own (``laban.algebra.cut``)."""
    return cut(score, first, last)


def windows(corpus: Corpus, split: str = "train", bars: tuple[int, int] = WINDOW_BARS,
            rng: np.random.Generator | None = None, *, augment: bool = True, count: int | None = None,
            styles: tuple[str, ...] | None = None) -> Iterator[Example]:
    """Training windows of ``split``'s takes (``styles``: only those), ``count`` of them (None: without end).

    A take is drawn in proportion to its bars (every bar equally likely to be trained on), then a length of
    ``bars[0]``..``bars[1]`` bars (the whole take when it is shorter) and a first bar from 1; with ``augment`` one
    of ``ALL`` is applied. Only takes marked ``split`` are ever read: for ``split="train"`` no test (nor
    validation) take is touched."""
    rng = np.random.default_rng(0) if rng is None else rng
    low, high = bars
    if not 1 <= low <= high:
        raise CorpusError(f"a window has from 1 bar up, and at least as many as its least: not {low}..{high}")
    takes = [t for t in corpus.split(split) if styles is None or t.style in styles]
    if not takes:
        raise CorpusError(f"{corpus.folder}: no {split} takes" + (f" of style {', '.join(styles)}" if styles else ""))
    weights = np.array([max(t.bars, 1) for t in takes], dtype=float)
    weights /= weights.sum()
    scores: dict[str, Score] = {}
    made = 0
    while count is None or made < count:
        take = takes[int(rng.choice(len(takes), p=weights))]
        if take.name not in scores:
            scores[take.name] = take.score()
        score = scores[take.name]
        total = bar_count(score)
        length = min(int(rng.integers(low, high + 1)), total)
        first = int(rng.integers(1, total - length + 2))
        piece = window(score, first, first + length - 1)
        what = ALL[int(rng.integers(len(ALL)))] if augment else IDENTITY
        yield Example(what.apply(piece), take, (first, first + length - 1), what, int(rng.integers(2 ** 31)))
        made += 1


def window_count(bars: int, lengths: tuple[int, int] = WINDOW_BARS) -> int:
    """How many distinct windows of ``lengths`` bars a take of ``bars`` bars has (the whole take if shorter)."""
    low, high = lengths
    if bars < low:
        return 1
    return sum(bars - n + 1 for n in range(low, min(high, bars) + 1))
