"""The baselines any model must beat, each standing in for the held-out clips: the nearest training clip by
motion features (retrieval), the held-out clips' own scores decoded (the decoder's realism and round trip), and
random valid scores decoded."""

from __future__ import annotations

import numpy as np

import laban
from laban import BeatGrid, Column, Direction, Level, Score, Sign, Symbol

from .. import metrics
from ..data import Clip
from .protocol import Measured


def decoded(scores: list[tuple[str, Score]] | list[tuple[str, Score, str]], held_out: list[Measured]
            ) -> tuple[list[Clip], list[Measured]]:
    """Clips decoded from (name, score) pairs — or (name, score, words) triples: the words it was written from —,
    each with the score it was made from, and the held-out clips they stand in for; a score the decoder refuses is
    left out (and counted by the caller)."""
    made, kept = [], []
    for (name, score, *words), target in zip(scores, held_out):
        try:
            made.append(Clip(name, laban.decode(score), score=score, text=words[0] if words else ""))
        except laban.LabanError:
            continue
        kept.append(target)
    return made, kept


def nearest(held_out: list[Measured], pool: list[Measured], reference: list[Measured]) -> list[Measured]:
    """For each held-out clip, the pool clip nearest in kinetic ⊕ geometric features (each z-scored with the
    reference's statistics): retrieval, the baseline a generator has to beat on fidelity to its condition."""
    def features(ms: list[Measured]) -> np.ndarray:
        k = metrics.normalise(np.stack([m.kinetic for m in ms]), np.stack([m.kinetic for m in reference]))[0]
        g = metrics.normalise(np.stack([m.geometric for m in ms]), np.stack([m.geometric for m in reference]))[0]
        return np.concatenate([k, g], axis=1)

    a, b = features(held_out), features(pool)
    distance = ((a[:, None] - b[None]) ** 2).sum(axis=2)
    return [pool[i] for i in distance.argmin(axis=1)]


def random_score(grid: BeatGrid, beats: float, rng: np.random.Generator) -> Score:
    """A random valid score on ``grid`` lasting ``beats``: alternating steps of random direction, level and
    length (½, 1 or 2 beats) with an occasional half-beat jump between them, and random gestures of the arms,
    torso and head; the starting position stands on both feet, arms hanging, torso and head upright."""
    directions, levels = list(Direction), list(Level)
    lengths = np.array([0.5, 1.0, 2.0])
    start = [Symbol(0.0, c, 0.0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE)
             for c in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]
    start += [Symbol(0.0, c, 0.0, Sign.DIRECTION, Direction.PLACE, Level.LOW) for c in
              (Column.UPPER_ARM_LEFT, Column.UPPER_ARM_RIGHT, Column.FOREARM_LEFT, Column.FOREARM_RIGHT)]
    start += [Symbol(0.0, c, 0.0, Sign.DIRECTION, Direction.PLACE, Level.HIGH) for c in (Column.TORSO, Column.HEAD)]
    symbols = []
    count = int(beats / 0.5) + 2  # enough draws for any column to reach the end
    for column in (Column.TORSO, Column.UPPER_ARM_LEFT, Column.UPPER_ARM_RIGHT, Column.FOREARM_LEFT,
                   Column.FOREARM_RIGHT, Column.HEAD):
        durations = rng.choice(lengths, count)
        starts = np.concatenate([[0.0], np.cumsum(durations)[:-1]])
        keep = starts < beats
        for s, d, i, j in zip(starts[keep], durations[keep], rng.integers(9, size=count), rng.integers(3, size=count)):
            symbols.append(Symbol(float(s), column, float(d), Sign.DIRECTION, directions[i], levels[j]))
    t, foot = 0.0, int(rng.integers(2))
    while t < beats:
        if t > 0 and rng.random() < 0.1:
            symbols.append(Symbol(t, Column.CENTRE, 0.5, Sign.FLIGHT))
            t += 0.5
            continue
        d = float(rng.choice(lengths))
        column = (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)[foot]
        symbols.append(Symbol(t, column, d, Sign.DIRECTION, directions[int(rng.integers(9))],
                              levels[int(rng.integers(3))]))
        t, foot = t + d, 1 - foot
    return Score(grid, symbols, start, "random")
