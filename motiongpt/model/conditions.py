"""Conditioning values in the model's terms, from the package's own types (no torch needed).

``control_rows`` turns per-bar controls (``motiongpt.conditioning.controls.BarControls``, read by attribute so
this module does not depend on it) into the (bars, K) integer array the model takes: one row per ``<bar>`` of the
vocabulary (the first ``<bar>`` is the upbeat bar when there is one), -1 where a bar has no controls.
"""

from __future__ import annotations

import numpy as np

from laban.timing import BeatGrid

from .config import CONTROL_NAMES


def accent_mask(accents: np.ndarray) -> np.ndarray:
    """(bars, beats) 0/1 → (bars,) bit masks: bit b set when beat b of the bar is struck (first 8 beats)."""
    accents = np.asarray(accents, dtype=np.int64)[:, :8]
    return (accents.clip(0, 1) << np.arange(accents.shape[1])).sum(1)


def control_rows(controls, grid: BeatGrid, bars: int, names=CONTROL_NAMES) -> np.ndarray:
    """(bars, K) levels for the ``bars`` bars the vocabulary writes on ``grid``, from an object with ``bars``
    (bar numbers: an upbeat is bar 0, the first full bar 1) and one attribute per control name (``accents``
    per beat, turned into a bit mask)."""
    rows = np.full((bars, len(names)), -1, dtype=np.int64)
    first = 0 if grid.downbeat else 1  # the bar number of the vocabulary's first <bar>
    numbers = np.asarray(controls.bars, dtype=np.int64)
    for k, name in enumerate(names):
        values = np.asarray(getattr(controls, name))
        values = accent_mask(values) if name == "accents" else values.astype(np.int64)
        for number, value in zip(numbers, values):
            if 0 <= number - first < bars:
                rows[number - first, k] = value
    return rows
