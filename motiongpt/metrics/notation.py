"""Notation fidelity: how far two scores of the same dance agree, column by column, in the notation's own terms.

No public data set pairs motion capture with hand-written Labanotation, so agreement is measured between scores
(a score and the score tokenized back from its decoded motion — a round trip — or a score and a model's) on a
grid of (column, beat) cells, the way published accuracy is counted (per beat and per limb, direction and level
separately):

- **direction / level accuracy** per column: in each cell, what the column says in both scores (``laban.reading``:
  a limb's destination in effect, the starting or natural position before any; a support while its foot
  carries weight) compared with ``laban.compare.agreement``, the measure of the decoder's round-trip figure;
- **support / flight F1**: in each cell, which feet carry weight (a support-column symbol, or a centre-column turn
  on both feet, covers it) and whether the body is in flight;
- **timing error** in beats: each symbol matched to the nearest symbol of the same column and content in the
  other score within a tolerance;
- **tokens per minute**: the compactness a score promises (a minute of 21 joints at 30 fps is 37,800 numbers).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from laban import Column, Score, Sign, Symbol
from laban.compare import agreement as agreement_of_cells
from laban.score import GESTURE_COLUMNS, SUPPORT_COLUMNS

TOKENS_PER_SYMBOL = 4  # start, column, duration, what (one of 27 direction cells, a turn amount, hold or flight)
NUMBERS_PER_MINUTE = 21 * 30 * 60  # the yardstick: 21 joints at 30 fps for a minute


def cells(reference: Score, candidate: Score, resolution: float = 1.0) -> np.ndarray:
    """Cell centres in beats covering the longer of the two scores, ``resolution`` beats apart."""
    length = max(reference.duration, candidate.duration, resolution)
    return (np.arange(int(np.ceil(length / resolution))) + 0.5) * resolution


def covered(score: Score, columns: tuple[Column, ...], at: np.ndarray, signs: tuple[Sign, ...] | None = None
            ) -> np.ndarray:
    """Whether any symbol (of ``signs``, default any) in ``columns`` covers each beat: start <= beat < end."""
    spans = np.array([(s.start, s.end) for s in score.symbols
                      if s.column in columns and (signs is None or s.sign in signs)]).reshape(-1, 2)
    return ((spans[:, 0] <= at[:, None]) & (at[:, None] < spans[:, 1])).any(axis=1)


def weight(score: Score, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per beat: (T, 2) which feet carry weight, and (T,) flight."""
    flight = covered(score, (Column.CENTRE,), at, (Sign.FLIGHT,))
    both = covered(score, (Column.CENTRE,), at, (Sign.TURN,)) & ~flight  # a turn on both feet
    feet = np.stack([covered(score, (c,), at) | both for c in SUPPORT_COLUMNS], axis=1) & ~flight[:, None]
    return feet, flight


def f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    """F1 of boolean predictions; NaN when neither has a positive (nothing to find, nothing found)."""
    hits = np.count_nonzero(truth & predicted)
    total = np.count_nonzero(truth) + np.count_nonzero(predicted)
    return 2.0 * hits / total if total else float("nan")


def column_accuracy(reference: Score, candidate: Score, resolution: float = 1.0,
                    columns: tuple[Column, ...] = GESTURE_COLUMNS + SUPPORT_COLUMNS) -> dict[str, dict[str, float]]:
    """Per column: the fraction of cells whose direction, and whose level, agree (``laban.compare.agreement``:
    what each column says, ``laban.reading``), over the cells where either score says something there (a
    support column only while that foot carries weight); NaN where neither does."""
    found = agreement_of_cells(reference, candidate, cells(reference, candidate, resolution), columns)
    return {c.value: found.get(c.value, {"direction": float("nan"), "level": float("nan"), "cells": 0})
            for c in columns}


def support_f1(reference: Score, candidate: Score, resolution: float = 0.25) -> dict[str, float]:
    """F1 of weight on each foot (pooled over both feet) and of flight, cell by cell, the reference as truth."""
    at = cells(reference, candidate, resolution)
    (feet1, flight1), (feet2, flight2) = weight(reference, at), weight(candidate, at)
    return {"support": f1(feet1.ravel(), feet2.ravel()), "flight": f1(flight1, flight2)}


def _key(symbol: Symbol) -> tuple:
    return (symbol.column, symbol.sign, symbol.direction, symbol.level, np.sign(symbol.turn or 0.0))


def timing_error(reference: Score, candidate: Score, tolerance: float = 1.0) -> dict[str, float]:
    """Each reference symbol matched to the candidate symbol of the same column and content (direction and
    level; a turn's sense) whose start is nearest, within ``tolerance`` beats. Returns the mean and median
    |start difference| in beats over matched symbols and the fraction of reference symbols matched."""
    errors, total = [], 0
    keys = {}
    for s in candidate.symbols:
        keys.setdefault(_key(s), []).append(s.start)
    groups: dict[tuple, list[float]] = {}
    for s in reference.symbols:
        groups.setdefault(_key(s), []).append(s.start)
    for key, starts in groups.items():  # a loop over symbol kinds, vectorised within each
        total += len(starts)
        if key not in keys:
            continue
        gap = np.abs(np.array(starts)[:, None] - np.array(keys[key])[None]).min(axis=1)
        errors.append(gap[gap <= tolerance])
    errors = np.concatenate(errors) if errors else np.zeros(0)
    return {"mean": float(errors.mean()) if len(errors) else float("nan"),
            "median": float(np.median(errors)) if len(errors) else float("nan"),
            "matched": len(errors) / total if total else float("nan")}


def agreement(reference: Score, candidate: Score, resolution: float = 1.0) -> dict:
    """All fidelity figures of ``candidate`` against ``reference``: per-column accuracy (and their means over
    gesture columns and support columns), support/flight F1, timing error."""
    columns = column_accuracy(reference, candidate, resolution)

    def mean(names: tuple[Column, ...], what: str) -> float:
        values = [columns[c.value][what] for c in names if columns[c.value]["cells"]]
        return float(np.mean(values)) if values else float("nan")

    return {"columns": columns,
            "gesture_direction": mean(GESTURE_COLUMNS, "direction"), "gesture_level": mean(GESTURE_COLUMNS, "level"),
            "support_direction": mean(SUPPORT_COLUMNS, "direction"), "support_level": mean(SUPPORT_COLUMNS, "level"),
            **{f"{k}_f1": v for k, v in support_f1(reference, candidate).items()},
            "timing": timing_error(reference, candidate), "resolution_beats": resolution}


def round_trip(score: Score, decode: Callable[[Score], object], resolution: float = 1.0, **tokenize_options) -> dict:
    """Agreement between a score and the score tokenized back from its decoded motion on the score's own grid
    (``decode``: Score → Motion or Trajectories, e.g. ``laban.decode``)."""
    from laban import tokenize

    again = tokenize(decode(score), score.grid, **tokenize_options)
    return agreement(score, again, resolution)


def seconds(score: Score) -> float:
    """The score's length in seconds on its grid."""
    return float(score.grid.beats_to_seconds(score.duration) - score.grid.beats_to_seconds(0.0))


def symbols_per_minute(score: Score, duration: float | None = None) -> float:
    """Symbols written per minute of dance (starting position included); ``duration`` in seconds defaults to
    the score's length on its grid."""
    minutes = (duration if duration is not None else seconds(score)) / 60.0
    return (len(score.symbols) + len(score.starting_position)) / minutes if minutes > 0 else float("nan")


def tokens_per_minute(score: Score, duration: float | None = None, per_symbol: int = TOKENS_PER_SYMBOL) -> float:
    """Tokens per minute of dance at ``per_symbol`` tokens a symbol (the language model's vocabulary is not
    fixed yet: 4 = start, column, duration, content). Compare with ``NUMBERS_PER_MINUTE`` (37,800)."""
    return per_symbol * symbols_per_minute(score, duration)
