"""Training examples and batches, without Lightning: what the model learns from, as plain data.

An ``Example`` is one plain token sequence (``<bos> ... <eos>``) with its conditions. ``examples_from_scores``
makes them from scores and their metadata (windows of a few bars, so a long take gives many examples); the
corpus's own iterator can yield ``Example`` objects directly instead.

``batch(examples, step, ...)`` is a pure function of the seed and the step (and the rank under DDP): which
examples, which become fill-in-the-middle sequences, which conditions are dropped. So a run resumed after a kill
sees exactly the batches the uninterrupted run would have seen, with no sampler state to save.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from laban.score import Score
from motiongpt.model.config import MotionGPTConfig, tempo_bucket
from motiongpt.vocabulary import Vocabulary, VocabularyError, quantise

MAX_FIM_BARS = 4  # the longest span of bars a fill-in-the-middle example writes
WORD_FACTS = ("steps", "step_direction", "turn", "jumps", "arm_level")  # the facts a prompt may leave unsaid


@dataclass
class Example:
    """One training sequence and its conditions (None = absent)."""

    ids: list[int]
    text: np.ndarray | None = None  # (384,) unit sentence vector
    style: int | None = None
    tempo: int | None = None  # tempo bucket (motiongpt.model.config.tempo_bucket)
    meter: int | None = None  # beats per bar
    controls: np.ndarray | None = None  # (bars, K) levels, -1 absent
    facts: np.ndarray | None = None  # (bars, F) word-fact levels (motiongpt.model.conditions.fact_rows), -1 absent


def examples_from_scores(scores: Sequence[Score], vocabulary: Vocabulary, config: MotionGPTConfig, *,
                         texts: Sequence[str | np.ndarray | None] | None = None,
                         styles: Sequence[str | int | None] | None = None,
                         controls: Sequence[np.ndarray | None] | None = None,
                         facts: Sequence[np.ndarray | None] | None = None, window_bars: int = 8, hop_bars: int | None = None) -> list[Example]:
    """Examples from scores: each score quantised onto the vocabulary's grid and cut (``laban.algebra.cut``)
    into windows of ``window_bars`` bars every ``hop_bars`` (default half a window), each window with its
    score's text, style, tempo and meter and its own bars' rows of ``controls`` (per score a (bars, K) array, one
    row per ``<bar>`` of the whole score, as ``motiongpt.model.conditions.control_rows`` makes it) and of
    ``facts`` (the same, ``fact_rows``). Windows longer than ``config.train_length`` tokens, or that do not
    encode, are left out."""
    from laban.algebra import bar_count, cut
    from laban.errors import LabanError

    count = len(scores)
    texts, styles, controls, facts = (list(x) if x is not None else [None] * count
                                      for x in (texts, styles, controls, facts))
    if not len(texts) == len(styles) == len(controls) == len(facts) == count:
        raise VocabularyError("texts, styles, controls and facts need one entry per score")
    words = sorted({t for t in texts if isinstance(t, str)})
    if words:
        from motiongpt.text import encode_text

        vectors = dict(zip(words, encode_text(words)))
        texts = [vectors[t] if isinstance(t, str) else t for t in texts]
    hop = hop_bars or max(1, window_bars // 2)
    out = []
    for score, text, style, levels, asked in zip(scores, texts, styles, controls, facts):
        score = quantise(score, vocabulary.subdivision)
        low, high = (0 if score.grid.downbeat else 1), bar_count(score)  # bars as the staff counts them
        firsts = [low] if high - low + 1 <= window_bars else list(range(low, high - window_bars + 2, hop))
        if firsts[-1] + window_bars - 1 < high:
            firsts.append(high - window_bars + 1)
        for first in firsts:
            try:
                piece = score if len(firsts) == 1 else cut(score, first, first + window_bars - 1)
                ids = vocabulary.encode(piece)
            except LabanError:
                continue
            if len(ids) > config.train_length:
                continue
            bars = len(vocabulary.bar_spans(ids))
            out.append(Example(ids, None if text is None else np.asarray(text, np.float32), config.style_id(style),
                               tempo_bucket(piece.grid.tempo, config.tempo_buckets), piece.grid.beats_per_bar,
                               window_rows(levels, first - low, bars, config.control_count),
                               window_rows(asked, first - low, bars, config.fact_count)))
    return out


def window_rows(rows: np.ndarray | None, first: int, bars: int, width: int) -> np.ndarray | None:
    """Rows ``first..first+bars-1`` of a whole score's per-bar rows, padded with -1 (absent) past its end."""
    if rows is None:
        return None
    window = np.full((bars, width), -1, dtype=np.int64)
    part = np.asarray(rows, dtype=np.int64)[first:first + bars]
    window[:len(part)] = part
    return window


def choose(examples: Sequence[Example], step: int, size: int, seed: int, rank: int = 0, world: int = 1
           ) -> list[int]:
    """Indices of the examples of one step's batch on one rank: epochs of seeded permutations, each example
    once per epoch across all ranks."""
    n = len(examples)
    out, orders = [], {}
    for i in range(size):
        g = (step * world + rank) * size + i
        epoch, at = divmod(g, n)
        if epoch not in orders:  # (one permutation an epoch, not one an example: a batch's cost was size × n)
            orders[epoch] = np.random.default_rng([seed, epoch]).permutation(n)
        out.append(int(orders[epoch][at]))
    return out


def batch(examples: Sequence[Example], step: int, vocabulary: Vocabulary, config: MotionGPTConfig, *,
          size: int, seed: int, rank: int = 0, world: int = 1, fim_rate: float = 0.3,
          condition_drop: float = 0.1, fact_drop: float = 0.3, augment: bool = True) -> dict[str, torch.Tensor]:
    """The batch of ``step``: a pure function of its arguments. With ``augment``, a share ``fim_rate`` of the
    sequences become fill-in-the-middle sequences (a run of 1 to 4 bars written last), each condition is
    dropped with probability ``condition_drop`` (so the model also learns without it: classifier-free), and each
    word fact (step count, direction, ...) with probability ``fact_drop``, as a prompt leaves some unsaid."""
    picked = [examples[i] for i in choose(examples, step, size, seed, rank, world)]
    rows = []
    for i, example in enumerate(picked):
        rng = np.random.default_rng([seed, step, rank, i, 1])
        ids, drop = list(example.ids), rng.random(5) < condition_drop if augment else np.zeros(5, bool)
        unsaid = rng.random(config.fact_count) < fact_drop if augment else np.zeros(config.fact_count, bool)
        unsaid &= np.isin(config.fact_names, WORD_FACTS)  # a bar's place in its phrase is never unsaid
        bars = len(vocabulary.bar_spans(ids))
        if augment and rng.random() < fim_rate:
            first = int(rng.integers(0, bars))
            stop = int(rng.integers(first + 1, min(bars, first + MAX_FIM_BARS) + 1))
            ids = vocabulary.fill_in_the_middle(ids, first, stop)
        rows.append((ids[:config.train_length], example, (drop, unsaid), bars))
    return collate(rows, vocabulary, config)


def collate(rows, vocabulary: Vocabulary, config: MotionGPTConfig) -> dict[str, torch.Tensor]:
    """(ids, example, (dropped [text, style, tempo+meter, controls, facts], unsaid facts), bars) rows → the model's
    keyword tensors."""
    b, width = len(rows), max(len(r[0]) for r in rows)
    most = max(r[3] for r in rows)
    ids = torch.full((b, width), vocabulary.pad_id, dtype=torch.long)
    text = torch.zeros(b, config.text_dimensions)
    style, tempo = torch.full((b,), -1, dtype=torch.long), torch.full((b,), -1, dtype=torch.long)
    meter, bars = torch.zeros(b, dtype=torch.long), torch.zeros(b, dtype=torch.long)
    controls = torch.full((b, most, config.control_count), -1, dtype=torch.long)
    facts = torch.full((b, most, config.fact_count), -1, dtype=torch.long)
    for k, (sequence, example, (drop, unsaid), count) in enumerate(rows):
        ids[k, :len(sequence)] = torch.tensor(sequence)
        bars[k] = count
        if example.text is not None and not drop[0]:
            text[k] = torch.as_tensor(example.text)
        if example.style is not None and not drop[1]:
            style[k] = example.style
        if not drop[2]:
            tempo[k] = -1 if example.tempo is None else example.tempo
            meter[k] = example.meter or 0
        if example.controls is not None and not drop[3]:
            levels = torch.as_tensor(example.controls)[:count]
            controls[k, :len(levels)] = levels
        if example.facts is not None and not drop[4]:
            levels = torch.as_tensor(example.facts)[:count].clone()
            levels[:, torch.as_tensor(unsaid)] = -1
            facts[k, :len(levels)] = levels
    labels = ids.masked_fill(ids == vocabulary.pad_id, -100)
    return {"input_ids": ids, "labels": labels, "text": text, "style": style, "tempo": tempo, "meter": meter,
            "controls": controls, "facts": facts, "bars": bars}


class StepBatches(torch.utils.data.Dataset):
    """Batches ``first``..``last-1`` as a dataset of whole batches (a DataLoader with ``batch_size=None``).

    ``counted``: batches of the epoch already done before ``first``, which its length includes. A resumed Lightning
    epoch goes on counting its batches from the checkpoint's while its loader starts afresh, and ends where the
    count reaches the loader's length: a loader of only the batches left ended a run killed before half-way early,
    and its next epoch gave the steps after that the batches from ``first`` again. (The indices past the batches
    left, never asked for, are the steps after ``last``.)"""

    def __init__(self, examples: Sequence[Example] | Iterable[Example], first: int, last: int, counted: int = 0,
                 **settings) -> None:
        self.examples = list(examples)
        if not self.examples:
            raise VocabularyError("no training examples")
        self.first, self.last, self.counted, self.settings = first, max(first, last), counted, settings

    def __len__(self) -> int:
        return self.counted + self.last - self.first

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return batch(self.examples, self.first + index, **self.settings)
