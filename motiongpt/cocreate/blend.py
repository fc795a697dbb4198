"""Blend two dances: ``bars`` new bars that travel from one dance's material to another's.

The model fills in the middle of a scaffold: dance A's last ``CONTEXT_BARS`` bars as the past, dance B's first
bars as the future (each cut with ``laban.algebra.cut``, joined as token runs on one grid), and ``bars`` bars between
them written by fill-in-the-middle under the mean of the two dances' word vectors, so that what it writes must
leave A's state and arrive at B's. The result is the scaffold: A's bars, the bridge, B's bars.

``positions`` measures it: each bar's place on the line from A to B in the shipped text ↔ score evaluator's
score space (0 at the mean of A's bars, 1 at B's).
"""

from __future__ import annotations

import numpy as np

from .dance import CocreateError, Dance
from .editing import readable, staff_bars
from .models import Loaded

CONTEXT_BARS = 2  # bars of each dance kept on either side of the bridge


def blend(a: Dance, b: Dance, loaded: Loaded, bars: int = 8, *, seed: int = 0, temperature: float = 1.0,
          context: int = CONTEXT_BARS) -> Dance:
    """A's last ``context`` bars, ``bars`` bars from A's material to B's, B's first ``context`` bars."""
    from laban.algebra import cut

    from .editing import assemble, bars_of, beats_through, closing_period, fill, joined_grid

    if isinstance(bars, bool) or not isinstance(bars, int) or bars < 1:
        raise CocreateError(f"a blend has a whole number of bars from 1, not {bars!r}")
    if a.score.beats_per_bar != b.score.beats_per_bar:
        raise CocreateError(f"the dances have {a.score.beats_per_bar} and {b.score.beats_per_bar} beats a bar: "
                            "a blend needs one meter")
    vocabulary = loaded.model.vocabulary
    score_a, score_b = readable(a, vocabulary), readable(b, vocabulary)
    a_low, a_high = staff_bars(score_a, vocabulary)
    b_low, b_high = staff_bars(score_b, vocabulary)
    a_first, b_first = max(a_low if a_low > 0 else 1, a_high - context + 1), 1
    b_last = min(b_high, b_first + context - 1)
    past, future = cut(score_a, a_first, a_high), cut(score_b, b_first, b_last)
    kept, meter = a_high - a_first + 1, a.score.beats_per_bar
    header, past_bars = bars_of(vocabulary, past)
    future_bars = bars_of(vocabulary, future)[1]
    period = closing_period(past.grid)
    bridge = period * np.arange(bars * meter + 1)
    grid = joined_grid([beats_through(past.grid, kept * meter), bridge,
                        beats_through(future.grid, len(future_bars) * meter)], meter)
    title = f"{a.score.title} → {b.score.title}"
    scaffold = assemble(vocabulary, header, past_bars + [[vocabulary.bar_id]] * bars + future_bars, grid, title)
    score = fill(loaded, scaffold, kept, kept + bars, text=_mean_words(a, b), style=_shared(a.style, b.style),
                 seed=seed, temperature=temperature)[0]
    words = " → ".join(t for t in (a.text, b.text) if t) or None
    prompt = {**a.prompt, "text": words, "bars": kept + bars + len(future_bars)}
    return a.child(score, "blend", prompt=prompt, parents=(_ref(b),), bars=(kept + 1, kept + bars), text=words,
                   style=_shared(a.style, b.style), seed=seed,
                   settings={"blend_bars": bars, "context": context, "temperature": temperature},
                   **loaded.versions)


def positions(score, a, b, evaluator=None) -> np.ndarray:
    """Each bar of ``score`` (staff bars from 1) placed on the line from dance A's bars to dance B's bars in the
    evaluator's score space: the projection (e − ā)·(b̄ − ā) / |b̄ − ā|², 0 at A's mean bar, 1 at B's."""
    from laban.algebra import bar_count, cut

    from motiongpt.metrics.text_score import shipped

    evaluator = evaluator or shipped()

    def bar_vectors(s):
        return evaluator.embed_scores([cut(s, k, k) for k in range(1, bar_count(s) + 1)])

    centre_a, centre_b = bar_vectors(a).mean(0), bar_vectors(b).mean(0)
    axis = centre_b - centre_a
    return (bar_vectors(score) - centre_a) @ axis / float(axis @ axis)


def _mean_words(a: Dance, b: Dance):
    texts = [t for t in (a.text, b.text) if t]
    if not texts:
        return None
    from motiongpt.text import encode_text

    return encode_text(texts).mean(0)


def _shared(x, y):
    return x if x == y else None


def _ref(dance: Dance) -> dict:
    from .dance import parent_ref

    return parent_ref(dance)
