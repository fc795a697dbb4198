"""Where a turn amount goes: the free spot nearest its turn sign, found among the ink already on the page.

A notator writes the amount beside the turn sign, on the staff's outer side of it. When something stands there
(a leg gesture beside a support turn, the next staff's bar numbers beside a head turn), the amount slides along
the sign, then out to a free column further along the staff, with a hairline back to its sign; it may cross a
staff line or a bar line only when nothing better is free. It never covers ink (any symbol, a flight's gap, a bar
number, another amount) and never leaves its staff's share of the page. The search is a vectorised scan of
candidate corners: a few hundred per amount, against the boxes near the sign.
"""

from __future__ import annotations

import numpy as np

PAD = 1.0  # the least space between an amount and any ink
BESIDE = 1.5  # an amount beside its sign stands this far from it
STEP = 1.5  # the spacing of candidate positions along the sign
LINE_CROSSING = 40.0  # cost of an amount across a staff line (readable, but a notator avoids it)
BAR_CROSSING = 8.0  # ... across a bar line
OTHER_SIDE = 12.0  # ... on the side of the sign away from its own side of the staff
AWAY = 1.5  # ... per unit stood off sideways from the sign
BEYOND = 2.0  # ... per unit slid past the sign's ends (0.3 while still alongside it)


def free_spot(sign: tuple[float, float, float, float], size: tuple[float, float], side: str, *,
              area: tuple[float, float, float, float], edges: list[float], lines: list[float],
              bars: list[tuple[float, float, float]], boxes: np.ndarray,
              reach: float) -> tuple[float, float, bool] | None:
    """The cheapest free top-left corner for an amount of ``size`` (w, h) near ``sign`` (x0, top, x1, bottom),
    and whether it stands away from the sign (then it wants a leader); None when there is no room.

    ``side``: 'left' or 'right', the side tried first. ``area``: the box the amount must stay in. ``edges``: x
    of the column edges (where an amount moved off sideways lines up). ``lines``: x of vertical staff lines;
    ``bars``: (y, x0, x1) of bar lines; ``boxes``: (N, 4) ink. ``reach``: how far past the sign's middle to look.
    """
    w, h = size
    sx0, sy0, sx1, sy1 = sign
    right_of, left_of = sx1 + BESIDE, sx0 - BESIDE - w
    xs, extra, other = [], [], []
    for s in ("right", "left"):
        if s == "right":
            options = [right_of] + [e + STEP for e in edges if e + STEP > right_of]
            distance = [x - right_of for x in options]
        else:
            options = [left_of] + [e - STEP - w for e in edges if e - STEP - w < left_of]
            distance = [left_of - x for x in options]
        xs += options
        extra += distance
        other += [0.0 if s == side else OTHER_SIDE] * len(options)
    mid = (sy0 + sy1) / 2
    steps = np.arange(0.0, reach, STEP)
    dys = np.concatenate([steps, -steps[1:]])
    X = np.repeat(np.array(xs), len(dys))
    Y = np.tile(mid + dys - h / 2, len(xs))
    along = max((sy1 - sy0 - h) / 2, 0.0)  # sliding this far keeps the amount alongside the sign: cheap
    slide = 0.3 * np.minimum(np.abs(dys), along) + BEYOND * np.maximum(np.abs(dys) - along, 0.0)
    cost = np.tile(slide, len(xs)) + AWAY * np.repeat(extra, len(dys)) + np.repeat(np.array(other), len(dys))

    ax0, ay0, ax1, ay1 = area
    ok = (X >= ax0) & (X + w <= ax1) & (Y >= ay0) & (Y + h <= ay1)
    window = (boxes[:, 0] < ax1) & (boxes[:, 2] > ax0) & (boxes[:, 1] < mid + reach + h) & \
        (boxes[:, 3] > mid - reach - h)
    for bx0, by0, bx1, by1 in boxes[window]:
        ok &= ~((X < bx1 + PAD) & (X + w > bx0 - PAD) & (Y < by1 + PAD) & (Y + h > by0 - PAD))
    if not ok.any():
        return None
    for line in lines:
        cost += LINE_CROSSING * ((X < line + 0.3) & (X + w > line - 0.3))
    for y, x0, x1 in bars:
        cost += BAR_CROSSING * ((Y < y) & (Y + h > y) & (X < x1) & (X + w > x0))
    best = int(np.argmin(np.where(ok, cost, np.inf)))
    x, y = float(X[best]), float(Y[best])
    beside = abs(x - right_of) < 1e-6 or abs(x - left_of) < 1e-6
    return x, y, not (beside and y + h > sy0 and y < sy1)
