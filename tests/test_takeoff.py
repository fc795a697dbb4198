"""A jump's take-off as a body can do it (issues 12 and 13): a quick step into a jump pushes the pelvis up no
harder than the floor can push a dancer.

The ground under a jumping dancer pushes with at most about four to five body weights (force plates: 2-3 in a
standing vertical jump, 3-5 in a running take-off), so the centre of mass, and the pelvis that carries it,
accelerates upwards by at most about 4 g net of gravity in the push. The decoder had the pelvis sink and spring
in a frame or two when the step into a jump was short (a quarter beat): 55 m/s² upwards and 120-150 m/s² at the
knee and the neck.
"""

from __future__ import annotations

import numpy as np
import pytest

import laban
from laban import BeatGrid, Column, Direction, Level, Score, Sign, Symbol
from laban import BodyPart as B

D, L = Direction, Level
GRAVITY = 9.81
HARDEST_PUSH = 4 * GRAVITY  # m/s², net upwards: a ground reaction of five body weights


def step_into_jump(step: float) -> Score:
    """Walking, then a step of ``step`` beats (0.5 s each) straight into a jump of a beat, landing on the other foot
    and walking on."""
    off = 2 + step
    return Score(BeatGrid(tuple(0.5 * i for i in range(14)), 4, 0), [
        Symbol(1, Column.SUPPORT_LEFT, 1, Sign.DIRECTION, D.FORWARD, L.MIDDLE),
        Symbol(2, Column.SUPPORT_RIGHT, step, Sign.DIRECTION, D.FORWARD, L.LOW),
        Symbol(off, Column.CENTRE, 1, Sign.FLIGHT),
        Symbol(off + 1, Column.SUPPORT_LEFT, 1, Sign.DIRECTION, D.FORWARD, L.LOW),
        Symbol(off + 2, Column.SUPPORT_RIGHT, 1, Sign.DIRECTION, D.FORWARD, L.MIDDLE)],
        [Symbol(0, Column.SUPPORT_LEFT, 0, Sign.DIRECTION, D.PLACE, L.MIDDLE),
         Symbol(0, Column.SUPPORT_RIGHT, 0, Sign.DIRECTION, D.PLACE, L.MIDDLE)])


@pytest.mark.parametrize("step", [0.25, 0.5])
def test_a_quick_step_into_a_jump_pushes_off_as_a_body_can(step):
    score = step_into_jump(step)
    take_off = score.grid.beats_to_seconds(2 + step)
    for seed in (0, 1):
        traj = laban.decode(score, seed=seed).trajectories()
        height = traj.part(B.PELVIS)[:, 1]
        upwards = np.diff(height, 2) * traj.fps ** 2  # at frames 1 .. T-2
        t = np.arange(1, len(height) - 1) / traj.fps
        push = (t > take_off - 0.5) & (t < take_off)  # the step and the push, up to the frame before leaving
        assert upwards[push].max() <= HARDEST_PUSH
        # and it does jump: the pelvis flies a beat, well above where it pushed from
        assert height[int(round((take_off + 0.25) * traj.fps))] > height[int(round(take_off * traj.fps))] + 0.1
