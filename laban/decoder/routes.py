"""Routes of a limb on the sphere that the tokenizer reads as one movement from one cell to another.

The great circle between two directions may pass through the core of a third cell (place low to place high passes
forward low, middle and high), which the tokenizer would write as three symbols. Such a move goes along the cells'
edges instead, through their corners, where no cell's core lies.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..cells import LEVEL_EDGE, PLACE_EDGE, PLACE_HIGH, PLACE_LOW, SECTOR, cell_centre, core_cell
from ..ik import slerp, unit
from .clock import clamp


def _corner_graph() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Corners of the cells (where a sector edge meets a level edge), far from every cell's core, and the
    shortest ways between them along the edges: (corners (32, 3), distances (32, 32), next hop (32, 32))."""
    elevations = np.radians([-PLACE_EDGE, -LEVEL_EDGE, LEVEL_EDGE, PLACE_EDGE])
    azimuths = np.radians(0.5 * SECTOR + SECTOR * np.arange(8))
    e, a = np.meshgrid(elevations, azimuths, indexing="ij")  # node = level_edge * 8 + k
    corners = np.stack([np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)], axis=-1).reshape(-1, 3)
    n = len(corners)
    distance = np.full((n, n), np.inf)
    np.fill_diagonal(distance, 0.0)
    for i in range(4):
        for k in range(8):
            node = i * 8 + k
            for other in (i * 8 + (k + 1) % 8, (i + 1) * 8 + k if i < 3 else None):
                if other is not None:
                    angle = np.arccos(np.clip(corners[node] @ corners[other], -1, 1))
                    distance[node, other] = distance[other, node] = angle
    hop = np.tile(np.arange(n), (n, 1))
    for k in range(n):  # Floyd-Warshall, keeping the first hop of each shortest way
        through = distance[:, k:k + 1] + distance[k:k + 1, :]
        better = through < distance - 1e-12
        distance = np.where(better, through, distance)
        hop = np.where(better, hop[:, k:k + 1], hop)
    return corners, distance, hop


_CORNERS, _CORNER_DISTANCE, _CORNER_HOP = _corner_graph()


def _cell_corners(cell: int) -> np.ndarray:
    """Corner node ids of a cell."""
    if cell == PLACE_HIGH:
        return 3 * 8 + np.arange(8)
    if cell == PLACE_LOW:
        return np.arange(8)
    sector, level = divmod(cell, 3)
    edges = {0: (2, 3), 1: (1, 2), 2: (0, 1)}[level]
    ks = ((sector - 1) % 8, sector)
    return np.array([i * 8 + k for i in edges for k in ks])


class Paths:
    """Limbs' ways from one direction to another on the sphere, one per move, that the tokenizer reads as one
    movement from the first cell to the second: the great circle when it passes through no third cell's core,
    else along the cells' edges (a raised arm goes up along the edge between forward and right-forward rather
    than through forward low, middle and high). Evaluated by arc length, so the speed along a path is what the
    timing says."""

    _SAMPLES = np.linspace(0.0, 1.0, 13)

    def __init__(self, starts: np.ndarray, targets: np.ndarray) -> None:
        self.routes = [[a, b] for a, b in zip(unit(starts), unit(targets))]
        n = len(targets)
        a = np.repeat(unit(starts), len(self._SAMPLES), axis=0)
        b = np.repeat(unit(targets), len(self._SAMPLES), axis=0)
        cells = core_cell(slerp(a, b, np.tile(self._SAMPLES, n))).reshape(n, -1)
        ends = cells[:, [0, -1]]
        crossed = ((cells >= 0) & (cells != ends[:, :1]) & (cells != ends[:, 1:])).any(axis=1)
        for k in np.flatnonzero(crossed & (ends >= 0).all(axis=1)):
            a, b = self.routes[k]
            self.routes[k] = [a, *_CORNERS[list(_corner_route(int(ends[k, 0]), int(ends[k, 1])))], b]
        self._pack()

    def _pack(self) -> None:
        longest = max(len(r) for r in self.routes)
        self.points = np.array([r + [r[-1]] * (longest - len(r)) for r in self.routes])  # (n, P, 3)
        arcs = np.arccos(np.clip(np.einsum("npi,npi->np", self.points[:, 1:], self.points[:, :-1]), -1.0, 1.0))
        self.bounds = np.concatenate([np.zeros((len(arcs), 1)), np.cumsum(arcs, axis=1)], axis=1)  # (n, P)
        self.angle = np.degrees(self.bounds[:, -1])

    def at(self, which: np.ndarray, done: np.ndarray) -> np.ndarray:
        """Points on paths ``which`` (m,) a fraction ``done`` (m,) of their length along."""
        bounds = self.bounds[which]
        along = done * bounds[:, -1]
        segment = np.clip((along[:, None] >= bounds[:, 1:]).sum(axis=1), 0, bounds.shape[1] - 2)
        rows = np.arange(len(which))
        lower, upper = bounds[rows, segment], bounds[rows, segment + 1]
        s = clamp((along - lower) / np.maximum(upper - lower, 1e-9))
        points = self.points[which]
        return slerp(points[rows, segment], points[rows, segment + 1], s)


@lru_cache(maxsize=None)
def _corner_route(first: int, last: int) -> tuple[int, ...]:
    """The corners a limb passes from the centre of cell ``first`` to the centre of cell ``last``."""
    a, b = cell_centre(first), cell_centre(last)
    first_corners, last_corners = _cell_corners(first), _cell_corners(last)
    to_first = np.arccos(np.clip(_CORNERS[first_corners] @ a, -1, 1))
    from_last = np.arccos(np.clip(_CORNERS[last_corners] @ b, -1, 1))
    total = to_first[:, None] + _CORNER_DISTANCE[np.ix_(first_corners, last_corners)] + from_last[None, :]
    i, j = np.unravel_index(np.argmin(total), total.shape)
    node, goal = int(first_corners[i]), int(last_corners[j])
    route = [node]
    while node != goal:
        node = int(_CORNER_HOP[node, goal])
        route.append(node)
    return tuple(route)
