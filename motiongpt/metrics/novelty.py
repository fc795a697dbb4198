"""Novelty: how much of a generated dance is copied verbatim from the training scores, counted in whole bars.

A model trained on a few dozen takes could recite them; FID and R-precision would then look good for the wrong
reason. A bar is copied when its tokens (``motiongpt.vocabulary``, one ``<bar>`` to the next, on the
vocabulary's grid after ``quantise``) equal a training bar's; a run is copied when consecutive bars equal
consecutive bars of one training score. A bar's tokens do not depend on where it stands (they carry no bar
number, tempo or position), so the comparison is exact and cheap: each distinct bar becomes one integer, and the
longest common run of integers is found diagonal by diagonal.

Short runs are expected even from a model that invents: a bar of standing still, or of four plain steps forward,
is written alike by anyone. Issue 11's aim: at most 2 bars in 95 % of the dances.
"""

from __future__ import annotations

import numpy as np

from laban import Score
from laban.errors import LabanError

from ..vocabulary import Vocabulary, quantise


def bar_keys(score: Score, vocabulary: Vocabulary) -> list[tuple[int, ...]]:
    """The tokens of each bar of ``score`` (quantised to the vocabulary's grid), one tuple a bar."""
    ids = vocabulary.encode(quantise(score, vocabulary.subdivision))
    return [tuple(ids[a:b]) for a, b in vocabulary.bar_spans(ids)]


def longest_run(bars: np.ndarray, other: np.ndarray) -> int:
    """The longest run of consecutive entries of ``bars`` equal to consecutive entries of ``other`` (1-D int
    arrays): the longest common substring, by running lengths along the diagonals of the equality matrix."""
    if not len(bars) or not len(other):
        return 0
    equal = bars[:, None] == other[None, :]
    run = np.zeros(len(other) + 1, dtype=np.int64)
    best = 0
    for row in equal:  # run[j + 1]: the run ending at (this bar, other[j])
        run[1:] = np.where(row, run[:-1] + 1, 0)
        best = max(best, int(run.max()))
    return best


class TrainingBars:
    """The training scores' bars, each distinct bar an integer: built once, asked for many dances."""

    def __init__(self, scores: list[Score], vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.ids: dict[tuple[int, ...], int] = {}
        self.sequences, self.unreadable = [], 0
        for s in scores:
            try:
                self.sequences.append(self._ids(bar_keys(s, vocabulary), grow=True))
            except LabanError:  # a score the vocabulary cannot hold (a bar too long) has no bars to copy
                self.unreadable += 1

    def _ids(self, keys: list[tuple[int, ...]], grow: bool = False) -> np.ndarray:
        if grow:
            return np.array([self.ids.setdefault(k, len(self.ids)) for k in keys], dtype=np.int64)
        return np.array([self.ids.get(k, -1 - i) for i, k in enumerate(keys)], dtype=np.int64)  # unseen: unique

    def longest_copy(self, score: Score) -> int:
        """The longest run of bars of ``score`` copied verbatim from any one training score."""
        bars = self._ids(bar_keys(score, self.vocabulary))
        return max((longest_run(bars, s) for s in self.sequences), default=0)


def novelty(scores: list[Score], training: TrainingBars | list[Score], vocabulary: Vocabulary | None = None,
            allowed: int = 2) -> dict:
    """For each dance the longest run of bars copied from a training score; the share of dances whose longest
    copy is at most ``allowed`` bars, the 95th percentile and the largest, and the share of all bars that occur
    in training at all (copied one by one). A score the vocabulary cannot encode is left out and counted."""
    if not isinstance(training, TrainingBars):
        if vocabulary is None:
            raise ValueError("novelty needs the vocabulary to read training scores with")
        training = TrainingBars(training, vocabulary)
    runs, seen, unreadable = [], [], 0
    for score in scores:
        try:
            keys = bar_keys(score, training.vocabulary)
        except LabanError:  # a score the vocabulary cannot hold (a read score with a bar too long) is counted
            unreadable += 1
            continue
        runs.append(training.longest_copy(score))
        seen += [k in training.ids for k in keys]
    runs = np.array(runs, dtype=np.int64)
    return {"n": len(runs), "unreadable": unreadable, "longest_runs": runs.tolist(), "allowed": allowed,
            "share_within": float(np.mean(runs <= allowed)) if len(runs) else float("nan"),
            "p95": float(np.percentile(runs, 95)) if len(runs) else float("nan"),
            "max": int(runs.max()) if len(runs) else 0,
            "bars_seen_in_training": float(np.mean(seen)) if seen else float("nan")}
