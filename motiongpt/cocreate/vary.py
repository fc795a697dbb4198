"""Variations of a chosen dance, near or far: ``strength`` is the share of its bars the model writes anew
(fill-in-the-middle between the kept bars), so 0 gives the dance back, 1 a new dance under the same prompt, and in
between the change grows with the share of bars changed.

Each variation regenerates one run of ``round(strength × bars)`` consecutive bars (one at least where ``strength``
is above 0: ``least``), the run's place chosen by the seed (different places for different variations, so that a
set shows different parts changed); the decoder keeps the parent's seed, and the new bars end with the limbs where
the bars after them expect them (``editing.limbs_returned``), so the kept bars keep their motion. The variations
come back ranked by ``quality``.
"""

from __future__ import annotations

import numpy as np

from .dance import CocreateError, Dance
from .editing import FILL_WINDOW_BARS, controls_for, fill, kept_bars_given_limbs, readable, staff_bars
from .generate import steps_of, within
from .models import Loaded, style_for

LEAST_BARS = 1  # the fewest bars a variation asked for rewrites: one, however short the dance


def vary(dance: Dance, loaded: Loaded, strength: float = 0.3, *, count: int = 4, seed: int = 0,
         temperature: float = 1.0, rank_them: bool = True, window: int | None = FILL_WINDOW_BARS,
         least: int = LEAST_BARS) -> list[Dance]:
    """``count`` variations of ``dance`` with a share ``strength`` (0..1) of its bars regenerated, each run read
    in ``window`` bars (``editing.fill``; None: the whole dance, as variations made before stop 61), and ``least``
    bars at the fewest where ``strength`` is above 0 (0: the share rounded, as variations made before 2026-12-07
    were: a quarter of a dance of 1 or 2 bars rounded to none, and the studio's Vary near gave the dance back, the
    same, as each of its four options)."""
    if not (isinstance(strength, (int, float)) and 0.0 <= strength <= 1.0):
        raise CocreateError(f"strength is a share of the bars, from 0 to 1, not {strength!r}")
    if not (isinstance(count, int) and count >= 1):
        raise CocreateError(f"the number of variations must be a whole number from 1, not {count!r}")
    from motiongpt.model.generate import _derived

    vocabulary = loaded.model.vocabulary
    source = readable(dance, vocabulary)
    low, high = staff_bars(source, vocabulary)
    total = high - low + 1
    length = int(round(strength * total))
    if strength > 0:
        length = max(length, min(least, total))
    controls = controls_for(dance, loaded, total)
    words = within(dance.words, low, high)
    rng = np.random.default_rng([int(seed), 7])
    dances = []
    for row in range(count):
        row_seed = _derived(seed, row)
        if length == 0:
            score, bars = source, None
        else:
            start = int(rng.integers(0, total - length + 1))
            score = fill(loaded, source, start, start + length, text=words, style=style_for(loaded, dance),
                         controls=controls, seed=row_seed, temperature=temperature, steps_on=steps_of(dance),
                         window=window)[0]
            score = kept_bars_given_limbs(loaded, source, score, start, start + length)
            bars = (low + start, low + start + length - 1)
        dances.append(dance.child(score, "vary", bars=bars, seed=row_seed,
                                  settings={"strength": float(strength), "row": row, "count": count,
                                            "vary_seed": int(seed), "temperature": temperature,
                                            **({"window": window} if window else {}),
                                            **({"least": least} if least else {})},
                                  **loaded.versions))
    if count > 1 and rank_them:
        from .quality import rank

        dances = rank(dances)
    return dances
