"""One reading of a score on a time grid (``laban.reading``) and the one agreement measure on it
(``laban.compare``), shared by the round-trip figure, the notation metrics and the text ↔ score evaluator."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from laban import BeatGrid, Column, Direction, Level, Score, Sign, Symbol
from laban.compare import agreement, cell_agreement
from laban.reading import DIRECTIONS, LEVELS, NOTHING, SIGNS, cell_centres, read
from laban.score import NATURAL_POSITION
from motiongpt.metrics import notation

PHRASE = Path(__file__).parents[1] / "examples" / "first_phrase.laban"


def _d(start, column, duration, direction, level=Level.MIDDLE):
    return Symbol(start, column, duration, Sign.DIRECTION, direction, level)


def _said(reading, column):
    """(sign, direction, level) per beat as enum members or None."""
    r = reading.row(column)
    return [(SIGNS[s] if s != NOTHING else None, DIRECTIONS[d] if d != NOTHING else None,
             LEVELS[v] if v != NOTHING else None)
            for s, d, v in zip(reading.sign[r], reading.direction[r], reading.level[r])]


def _score():
    """Four beats: weight on both feet (starting position), a step right forward on the left foot at beat 1, the
    right leg then free; the right arm rises forward at beat 2; a quarter turn in the centre at beat 3."""
    start = [_d(0, Column.SUPPORT_LEFT, 0, Direction.PLACE), _d(0, Column.SUPPORT_RIGHT, 0, Direction.PLACE),
             _d(0, Column.UPPER_ARM_LEFT, 0, Direction.LEFT, Level.LOW)]
    symbols = [_d(1, Column.SUPPORT_LEFT, 2, Direction.RIGHT_FORWARD, Level.HIGH),
               _d(2, Column.UPPER_ARM_RIGHT, 1, Direction.FORWARD, Level.HIGH),
               _d(1.75, Column.LEG_RIGHT, 0.5, Direction.BACKWARD, Level.LOW),  # a quarter beat before beat 2
               Symbol(3, Column.CENTRE, 1, Sign.TURN, turn=0.25)]
    return Score(BeatGrid.uniform(60, 4.0), symbols, start)


def test_gesture_columns_keep_the_last_destination_else_the_start_else_the_natural_position():
    staff = read(_score(), cell_centres(4, 2))  # half beats: 0.25, 0.75, ..., 3.75
    arm = _said(staff, Column.UPPER_ARM_RIGHT)
    natural = (Sign.DIRECTION, *NATURAL_POSITION[Column.UPPER_ARM_RIGHT])
    assert arm[:4] == [natural] * 4 and arm[4:] == [(Sign.DIRECTION, Direction.FORWARD, Level.HIGH)] * 4
    assert set(_said(staff, Column.UPPER_ARM_LEFT)) == {(Sign.DIRECTION, Direction.LEFT, Level.LOW)}
    assert set(_said(staff, Column.HEAD)) == {(Sign.DIRECTION, Direction.PLACE, Level.HIGH)}


def test_supports_hold_from_the_starting_position_and_legs_speak_only_when_free():
    staff = read(_score(), cell_centres(4, 4))
    left = _said(staff, Column.SUPPORT_LEFT)
    assert left[:4] == [(Sign.HOLD, None, None)] * 4  # the starting position stands until the first step
    assert left[4:12] == [(Sign.DIRECTION, Direction.RIGHT_FORWARD, Level.HIGH)] * 8 and left[12:] == [(None,) * 3] * 4
    right = _said(staff, Column.SUPPORT_RIGHT)
    assert right[:4] == [(Sign.HOLD, None, None)] * 4 and right[4:] == [(None,) * 3] * 12
    leg = _said(staff, Column.LEG_RIGHT)
    assert leg[:4] == [(None,) * 3] * 4  # the foot supports: the leg says nothing
    # free from beat 1: hanging, then backward low from 1.75 (the symbol started before the foot came free)
    assert leg[4:7] == [(Sign.DIRECTION, Direction.PLACE, Level.LOW)] * 3
    assert leg[7:] == [(Sign.DIRECTION, Direction.BACKWARD, Level.LOW)] * 9
    assert staff.says(Column.LEG_LEFT)[4:12].sum() == 0 and staff.says(Column.LEG_LEFT)[12:].all()


def test_the_centre_and_where_symbols_start():
    staff = read(_score(), cell_centres(4, 2))
    centre = staff.row(Column.CENTRE)
    assert list(staff.sign[centre]) == [NOTHING] * 6 + [SIGNS.index(Sign.TURN)] * 2
    assert list(staff.turn[centre]) == [0.0] * 6 + [0.25] * 2
    assert np.flatnonzero(staff.starts[staff.row(Column.LEG_RIGHT)]).tolist() == [3]  # 1.75 is in [1.5, 2)
    assert np.flatnonzero(staff.starts[staff.row(Column.SUPPORT_LEFT)]).tolist() == [2]
    assert not staff.starts[staff.row(Column.HEAD)].any()  # the starting position is not a start


def test_agreement_counts_sign_direction_and_level_separately():
    a = _score()
    lower = Score(a.grid, [replace(s, level=Level.MIDDLE) if s.column is Column.UPPER_ARM_RIGHT else s
                           for s in a.symbols], a.starting_position)
    figures = cell_agreement(a, lower)["upper-arm-right"]
    assert figures == {"direction": 1.0, "level": 0.5, "cells": 16}
    other_turn = Score(a.grid, [replace(s, turn=-0.25) if s.sign is Sign.TURN else s for s in a.symbols],
                       a.starting_position)
    assert cell_agreement(a, other_turn)["centre"] == {"direction": 0.0, "level": 0.0, "cells": 4}
    # a column that one score leaves silent counts as disagreeing; silent in both, it is not counted
    no_step = Score(a.grid, [s for s in a.symbols if s.column is not Column.SUPPORT_LEFT], a.starting_position)
    left = cell_agreement(a, no_step)["support-left"]
    assert left["cells"] == 12 and left["direction"] == pytest.approx(4 / 12)


def test_the_round_trip_measure_and_the_notation_metric_are_one_measure():
    score = Score.load(PHRASE)
    changed = Score(score.grid, [replace(s, direction=Direction.LEFT) if s.column is Column.UPPER_ARM_LEFT else s
                                 for s in score.symbols], score.starting_position)
    at = notation.cells(score, changed, 1.0)
    same = agreement(score, changed, at)
    columns = notation.column_accuracy(score, changed, 1.0)
    for column, figures in columns.items():
        assert figures == same.get(column, {"direction": pytest.approx(np.nan, nan_ok=True),
                                            "level": pytest.approx(np.nan, nan_ok=True), "cells": 0})
    assert columns["upper-arm-left"]["direction"] < 1.0 and columns["upper-arm-left"]["level"] == 1.0
    assert agreement(read(score, at), read(changed, at)) == same  # readings made once can be compared
