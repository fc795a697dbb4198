"""The direction × level cell space: where a limb points, as the notation reads it.

A gesture symbol names a cell, not a point: one of 8 horizontal directions (45° sectors of azimuth, sector 0
forward, clockwise) at one of 3 levels (elevation above 22.5° high, below -22.5° low, middle between), or place
high / place low around the vertical (elevation beyond ±67.5°). Cell ids are ``sector * 3 + level`` (level 0
high, 1 middle, 2 low), ``PLACE_HIGH`` (24) and ``PLACE_LOW`` (25): 26 cells in all.

A limb hovering on a boundary must not flicker between two symbols, so a limb changes cell only once it is
``HYSTERESIS`` degrees inside the new one (its *core*), measured along the sphere. The tokenizer bins motion with
``limb_cells``; the decoder samples directions inside cores (``core_cell``, ``cell_centre``) so that the tokenizer
reads back what was written; the execution-prior recipe and metrics number cells with ``cell_of``. Vectors are
given in the body's own cross of axes as (forward, right, up) components (``body_components`` makes them from
world vectors and the body's forward and right).
"""

from __future__ import annotations

import numpy as np

from .score import HORIZONTAL_DIRECTIONS, Column, Direction, Level, Sign, Symbol

SECTOR = 45.0  # degrees of azimuth per horizontal direction
LEVEL_EDGE = 22.5  # degrees of elevation between middle and high (or low)
PLACE_EDGE = 67.5  # ... and between high (low) and place high (place low)
HYSTERESIS = 10.0  # degrees a limb has to pass into a cell before its symbol changes
PLACE_HIGH, PLACE_LOW = 24, 25  # cell ids after the 8 sectors × 3 levels
CELL_COUNT = 26
LEVELS = (Level.HIGH, Level.MIDDLE, Level.LOW)  # level index 0, 1, 2 of a cell id
LEVEL_ELEVATION = {Level.HIGH: 45.0, Level.MIDDLE: 0.0, Level.LOW: -45.0}  # degrees, the middle of each level
_EDGES = np.array([-PLACE_EDGE, -LEVEL_EDGE, LEVEL_EDGE, PLACE_EDGE])


def body_components(vectors: np.ndarray, forward: np.ndarray, right: np.ndarray) -> np.ndarray:
    """World vectors (T, 3), y up, → (forward, right, up) components in the body's axes (forward, right: (T, 3)
    horizontal unit vectors per frame)."""
    return np.stack([np.einsum("ta,ta->t", vectors, forward), np.einsum("ta,ta->t", vectors, right),
                     vectors[:, 1]], axis=-1)


def cell_depth(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cell ids of vectors (..., 3) in (forward, right, up) components (any length), and how many degrees inside
    its cell each lies: to the nearest edge, along the sphere (so that sectors narrowing towards the poles are not
    over-strict)."""
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    elevation = np.degrees(np.arctan2(z, np.hypot(x, y)))
    azimuth = np.degrees(np.arctan2(y, x)) % 360.0
    nearest = np.round(azimuth / SECTOR)
    sector = nearest.astype(np.int64) % 8
    level = np.where(elevation > LEVEL_EDGE, 0, np.where(elevation < -LEVEL_EDGE, 2, 1))
    cell = np.where(elevation > PLACE_EDGE, PLACE_HIGH,
                    np.where(elevation < -PLACE_EDGE, PLACE_LOW, sector * 3 + level))
    to_level = np.min(np.abs(elevation[..., None] - _EDGES), axis=-1)
    to_sector = (0.5 * SECTOR - np.abs(azimuth - SECTOR * nearest)) * np.cos(np.radians(elevation))
    placed = cell >= PLACE_HIGH
    return cell, np.where(placed, to_level, np.minimum(to_level, to_sector))


def cells_with_core(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cell ids of vectors (..., 3) in (forward, right, up) components (any length), and whether each lies in
    its cell's core (at least ``HYSTERESIS`` degrees inside, ``cell_depth``)."""
    cell, depth = cell_depth(v)
    return cell, depth >= HYSTERESIS


def limb_cells(vectors: np.ndarray, forward: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Cell of limb vectors (T, 3) (world, y up) in the body's cross of axes at each frame, with hysteresis: a
    limb keeps its cell until it is ``HYSTERESIS`` degrees inside another one."""
    from .analysis import latch  # the one hysteresis; imported here so that the cell space itself stays light

    cell, core = cells_with_core(body_components(vectors, forward, right))
    return latch(cell, core)


def core_cell(v: np.ndarray) -> np.ndarray:
    """Cell ids of vectors (..., 3) in (forward, right, up) components that lie in a cell's core (where the
    hysteresis switches to that cell whatever came before); -1 elsewhere."""
    cell, core = cells_with_core(v)
    return np.where(core, cell, -1)


def cell_of(direction: Direction, level: Level) -> int:
    """The cell id of a direction and level (place middle counts as place low: a hanging limb)."""
    if direction is Direction.PLACE:
        return PLACE_HIGH if level is Level.HIGH else PLACE_LOW
    return round(direction.azimuth / SECTOR) % 8 * 3 + LEVELS.index(level)


def direction_of(cell: int) -> tuple[Direction, Level]:
    """The direction and level a cell id names (the inverse of ``cell_of``)."""
    if cell == PLACE_HIGH:
        return Direction.PLACE, Level.HIGH
    if cell == PLACE_LOW:
        return Direction.PLACE, Level.LOW
    if not 0 <= cell < PLACE_HIGH:
        raise ValueError(f"no cell {cell}: cells are numbered 0 to {CELL_COUNT - 1}")
    return HORIZONTAL_DIRECTIONS[cell // 3], LEVELS[cell % 3]


def symbol_for_cell(cell: int, column: Column, start: float, duration: float) -> Symbol:
    """The direction symbol that writes ``cell`` in ``column``."""
    direction, level = direction_of(cell)
    return Symbol(start, column, duration, Sign.DIRECTION, direction, level)


def cell_centre(cell: int) -> np.ndarray:
    """Unit vector (forward, right, up) at the middle of a cell."""
    if cell >= PLACE_HIGH:
        return np.array([0.0, 0.0, 1.0 if cell == PLACE_HIGH else -1.0])
    sector, level = divmod(cell, 3)
    e, a = np.radians(LEVEL_ELEVATION[LEVELS[level]]), np.radians(SECTOR * sector)
    return np.array([np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)])
