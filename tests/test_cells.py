"""The direction × level cell space (laban.cells): one numbering, binning with hysteresis, cores and centres,
shared by the tokenizer, the decoder and the execution-prior recipe."""

from __future__ import annotations

import numpy as np
import pytest

from laban import cells
from laban.score import HORIZONTAL_DIRECTIONS, Column, Direction, Level, Sign


def fru(elevation: float, azimuth: float) -> np.ndarray:
    e, a = np.radians(elevation), np.radians(azimuth)
    return np.array([np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)])


def test_every_cell_names_one_direction_and_level_and_back():
    named = set()
    for cell in range(cells.CELL_COUNT):
        direction, level = cells.direction_of(cell)
        assert cells.cell_of(direction, level) == cell
        named.add((direction, level))
        symbol = cells.symbol_for_cell(cell, Column.HEAD, 2.0, 1.0)
        assert (symbol.sign, symbol.direction, symbol.level, symbol.start) == (Sign.DIRECTION, direction, level, 2.0)
    assert len(named) == cells.CELL_COUNT
    assert cells.cell_of(Direction.PLACE, Level.MIDDLE) == cells.PLACE_LOW  # a hanging limb
    with pytest.raises(ValueError):
        cells.direction_of(26)


def test_a_cell_centre_lies_in_the_core_of_its_own_cell():
    for cell in range(cells.CELL_COUNT):
        centre = cells.cell_centre(cell)
        assert np.isclose(np.linalg.norm(centre), 1.0)
        assert int(cells.core_cell(centre)) == cell


def test_binning_follows_the_sectors_and_levels():
    for k, direction in enumerate(HORIZONTAL_DIRECTIONS):
        for elevation, level in ((45.0, Level.HIGH), (-5.0, Level.MIDDLE), (-45.0, Level.LOW)):
            cell, core = cells.cells_with_core(fru(elevation, 45.0 * k + 3.0))
            assert int(cell) == cells.cell_of(direction, level) and core
    assert int(cells.cells_with_core(fru(80.0, 123.0))[0]) == cells.PLACE_HIGH
    assert int(cells.cells_with_core(fru(-80.0, 17.0))[0]) == cells.PLACE_LOW
    # near an edge: in the cell, not in its core
    cell, core = cells.cells_with_core(fru(0.0, 20.0))
    assert int(cell) == cells.cell_of(Direction.FORWARD, Level.MIDDLE) and not core
    assert int(cells.core_cell(fru(0.0, 20.0))) == -1


def test_a_limb_changes_cell_only_well_inside_the_next():
    """An arm sweeping from forward to right-forward and hovering on the boundary keeps its cell until it is
    HYSTERESIS degrees past the edge (body facing +z, right -x)."""
    azimuths = np.concatenate([np.linspace(0.0, 25.0, 20), np.full(10, 23.0), np.linspace(23.0, 40.0, 20)])
    body = np.stack([fru(0.0, a) for a in azimuths])  # (forward, right, up)
    world = np.stack([-body[:, 1], body[:, 2], body[:, 0]], axis=1)
    forward = np.tile([0.0, 0.0, 1.0], (len(world), 1))
    right = np.tile([-1.0, 0.0, 0.0], (len(world), 1))
    assert np.allclose(cells.body_components(world, forward, right), body)
    binned = cells.limb_cells(world, forward, right)
    forward_middle = cells.cell_of(Direction.FORWARD, Level.MIDDLE)
    right_forward_middle = cells.cell_of(Direction.RIGHT_FORWARD, Level.MIDDLE)
    past_core = azimuths >= 22.5 + cells.HYSTERESIS
    first_switch = np.flatnonzero(binned != forward_middle)[0]
    assert first_switch == np.flatnonzero(past_core)[0]
    assert np.all(binned[first_switch:] == right_forward_middle)


def test_the_tokenizer_and_decoder_use_this_cell_space():
    from laban import tokenizer
    from laban.decoder import cell_centre, cell_of, core_cell

    assert tokenizer.limb_cells is cells.limb_cells
    assert (cell_of, cell_centre, core_cell) == (cells.cell_of, cells.cell_centre, cells.core_cell)
