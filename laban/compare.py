"""Comparing two scores cell by cell: the round-trip figure of the decoder (tokenize(decode(score)) vs score).

The staff is a grid of columns × beat subdivisions. Each cell holds what its column *says* there:

- a support column: the support symbol covering the cell (a step's direction and level, a hold, a turn), or
  nothing when that foot carries no weight;
- a gesture column: where the limb is going or resting: the destination of the symbol covering the cell, else of
  the last symbol before it (a limb stays where it arrived), else the starting position. A leg column says
  nothing while its foot supports, and a free leg starts from hanging (place low), as the tokenizer writes it;
- the centre column: flight, a two-foot or aerial turn, or nothing.

``cell_agreement`` counts, per column and overall, the cells where two scores say the same direction and the
same level (separately). A cell where both scores say nothing is not counted; one where only one says nothing
counts as disagreeing. Non-direction signs (hold, turn with its amount, flight) agree when they are the same
sign, for direction and for level alike.
"""

from __future__ import annotations

import numpy as np

from .score import GESTURE_COLUMNS, NATURAL_POSITION, Column, Direction, Level, Score, Sign, Symbol

_NOTHING = "-"
_SUPPORT = {Column.LEG_LEFT: Column.SUPPORT_LEFT, Column.LEG_RIGHT: Column.SUPPORT_RIGHT}
_DEFAULTS = NATURAL_POSITION


def column_cells(score: Score, column: Column, cells: int, subdivision: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """(direction words, level words) of ``cells`` cells of 1/``subdivision`` beat, sampled at their centres."""
    centres = (np.arange(cells) + 0.5) / subdivision
    direction = np.full(cells, _NOTHING, dtype=object)
    level = np.full(cells, _NOTHING, dtype=object)
    symbols = score.column(column)
    if column in GESTURE_COLUMNS:
        start = next((s for s in score.starting_position if s.column is column), None)
        if start is not None and start.sign is Sign.DIRECTION:
            direction[:], level[:] = start.direction.value, start.level.value
        else:
            direction[:], level[:] = (v.value for v in _DEFAULTS[column])
        for s in symbols:  # each destination holds from the symbol's start until a later symbol starts
            if s.sign is Sign.DIRECTION:
                direction[centres >= s.start], level[centres >= s.start] = s.direction.value, s.level.value
        if column in _SUPPORT:
            direction, level = _free_leg(score, column, centres, subdivision)
        return direction, level
    for s in symbols:
        inside = (centres >= s.start) & (centres < s.end)
        direction[inside], level[inside] = _words(s)
    if column.is_support and column is not Column.CENTRE:  # the starting position stands until the first step
        if any(s.column is column for s in score.starting_position):
            before = centres < _first_support(score)
            direction[before & (direction == _NOTHING)] = Sign.HOLD.value
            level[before & (level == _NOTHING)] = Sign.HOLD.value
    return direction, level


def cell_agreement(a: Score, b: Score, subdivision: int = 4) -> dict[str, dict[str, float]]:
    """Per column and ``'all'``: {'direction': fraction, 'level': fraction, 'cells': count} of the cells (of
    1/``subdivision`` beat, up to the later of the two scores' ends) where ``b`` says what ``a`` says."""
    cells = int(np.ceil(max(_end(a), _end(b)) * subdivision - 1e-9))
    result: dict[str, dict[str, float]] = {}
    totals = np.zeros(3)
    for column in Column:
        da, la = column_cells(a, column, cells, subdivision)
        db, lb = column_cells(b, column, cells, subdivision)
        counted = (da != _NOTHING) | (db != _NOTHING)
        n = int(counted.sum())
        if n == 0:
            continue
        same = np.array([(da[counted] == db[counted]).sum(), (la[counted] == lb[counted]).sum(), n])
        totals += same
        result[column.value] = {"direction": same[0] / n, "level": same[1] / n, "cells": n}
    result["all"] = {"direction": totals[0] / max(totals[2], 1), "level": totals[1] / max(totals[2], 1),
                     "cells": int(totals[2])}
    return result


def _free_leg(score: Score, column: Column, centres: np.ndarray, subdivision: int) -> tuple[np.ndarray, np.ndarray]:
    """A leg column says nothing while its foot supports. Each time the foot comes free the leg starts from
    hanging (place low; at the very start, from the starting position), then goes where its symbols say."""
    support = _SUPPORT[column]
    supported = _covered(score.column(support), centres)
    if any(s.column is support for s in score.starting_position):
        supported |= centres < _first_support(score)
    cells = len(centres)
    direction = np.full(cells, _NOTHING, dtype=object)
    level = np.full(cells, _NOTHING, dtype=object)
    start = next((s for s in score.starting_position if s.column is column and s.sign is Sign.DIRECTION), None)
    padded = np.concatenate([[False], ~supported, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    for begin, end in zip(edges[::2], edges[1::2]):
        first = start if begin == 0 and start is not None else None
        direction[begin:end] = first.direction.value if first else Direction.PLACE.value
        level[begin:end] = first.level.value if first else Level.LOW.value
        opened = begin / subdivision - 1.0 / subdivision  # a symbol may start a subdivision before the foot frees
        for s in score.column(column):
            if s.sign is Sign.DIRECTION and (begin == 0 or s.start >= opened) and s.start < end / subdivision:
                inside = np.arange(begin, end)
                inside = inside[centres[inside] >= s.start]
                direction[inside], level[inside] = s.direction.value, s.level.value
    return direction, level


def _first_support(score: Score) -> float:
    """Beat of the first symbol in the support columns (where the starting position stops standing)."""
    return min((s.start for s in score.symbols if s.column.is_support), default=np.inf)


def _words(symbol: Symbol) -> tuple[str, str]:
    if symbol.sign is Sign.DIRECTION:
        return symbol.direction.value, symbol.level.value
    if symbol.sign is Sign.TURN:
        word = f"turn {symbol.turn:+g}"
        return word, word
    return symbol.sign.value, symbol.sign.value


def _covered(symbols: list[Symbol], centres: np.ndarray) -> np.ndarray:
    covered = np.zeros(len(centres), dtype=bool)
    for s in symbols:
        covered |= (centres >= s.start) & (centres < s.end)
    return covered


def _end(score: Score) -> float:
    return max((s.end for s in score.symbols), default=0.0)
