"""Comparing two scores cell by cell, in what their columns say (``laban.reading``): the one agreement measure
behind the decoder's round-trip figure (tokenize(decode(score)) vs score) and the notation metrics.

In each cell, two scores agree on **direction** when their columns say the same thing (the same sign and, for a
direction symbol, the same direction), and on **level** likewise (the same sign and, for a direction symbol, the
same level); a turn agrees only with a turn of the same amount, a hold with a hold, flight with flight. A cell
where both scores say nothing is not counted; one where only one says nothing counts as disagreeing.
"""

from __future__ import annotations

import numpy as np

from .reading import COLUMNS, Reading, cell_centres, read
from .score import Column, Score


def agreement(a: Score | Reading, b: Score | Reading, beats: np.ndarray | None = None,
              columns: tuple[Column, ...] = COLUMNS) -> dict[str, dict[str, float]]:
    """Per column of ``columns`` where either score says something, and ``'all'`` (cells pooled):
    {'direction': fraction, 'level': fraction, 'cells': count} of the cells at ``beats`` where ``b`` says what
    ``a`` says. ``a`` and ``b`` may be scores (read at ``beats``) or readings already made at the same beats."""
    ra = a if isinstance(a, Reading) else read(a, beats)
    rb = b if isinstance(b, Reading) else read(b, ra.beats if beats is None else beats)
    same_sign = (ra.sign == rb.sign) & (ra.turn == rb.turn)
    direction = same_sign & (ra.direction == rb.direction)
    level = same_sign & (ra.level == rb.level)
    counted = (ra.sign >= 0) | (rb.sign >= 0)
    result: dict[str, dict[str, float]] = {}
    totals = np.zeros(3)
    for column in columns:
        r = ra.row(column)
        n = int(counted[r].sum())
        if n == 0:
            continue
        same = np.array([direction[r][counted[r]].sum(), level[r][counted[r]].sum(), n])
        totals += same
        result[column.value] = {"direction": same[0] / n, "level": same[1] / n, "cells": n}
    result["all"] = {"direction": totals[0] / max(totals[2], 1), "level": totals[1] / max(totals[2], 1),
                     "cells": int(totals[2])}
    return result


def cell_agreement(a: Score, b: Score, subdivision: int = 4) -> dict[str, dict[str, float]]:
    """``agreement`` on cells of 1/``subdivision`` beat, up to the later of the two scores' last symbol ends:
    the decoder's round-trip figure."""
    return agreement(a, b, cell_centres(max(_end(a), _end(b)), subdivision))


def _end(score: Score) -> float:
    return max((s.end for s in score.symbols), default=0.0)
