"""Hanging arms swing against the legs as the body walks (issue 13), on shared CMU walks of the training split.

A walker's arms swing 20-30° either side, each against the foot of its own side; the tokenizer reads that as
"place low" (the swing stays within its hysteresis) and at most writes the forearm coming forward. The decoder held
such an upper arm straight down, so a decoded walk's hands moved half as far as the capture's and only in front of
the shoulder (``laban/decoder/body.py``: ``_arm_swings``, ``_swing_arm``).
"""

from __future__ import annotations

import numpy as np
import pytest

import laban
from laban import BodyPart as B
from laban import Column, Direction, Level, Score, Sign, Symbol

ARMS = (Column.UPPER_ARM_LEFT, Column.UPPER_ARM_RIGHT, Column.FOREARM_LEFT, Column.FOREARM_RIGHT)


def _hands_along_the_front(motion: laban.Motion) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per side: the hand ahead of its shoulder and the foot ahead of the other foot, along the body's front (m)."""
    analysis = laban.analyse(motion)
    trajectories, forward = analysis.trajectories, np.asarray(analysis.forward, dtype=float)

    def ahead(a: B, b: B) -> np.ndarray:
        return np.einsum("ta,ta->t", np.asarray(trajectories.part(a), float) - np.asarray(trajectories.part(b), float),
                         forward)

    return [(ahead(B.HAND_LEFT, B.UPPER_ARM_LEFT), ahead(B.FOOT_LEFT, B.FOOT_RIGHT)),
            (ahead(B.HAND_RIGHT, B.UPPER_ARM_RIGHT), ahead(B.FOOT_RIGHT, B.FOOT_LEFT))]


@pytest.mark.parametrize("take", ["08_01", "02_01"])
def test_a_walkers_hands_swing_as_far_as_the_captured_ones_against_the_legs(trials, take):
    """Each decoded hand travels at least 0.7 of the captured hand's span before and behind its shoulder (5th to
    95th percentile; 0.41-0.75 before), against its own side's foot."""
    capture = laban.read_bvh(trials[take].path)
    decoded = laban.decode(laban.tokenize(capture), seed=0)
    for (hand, _), (swung, foot) in zip(_hands_along_the_front(capture), _hands_along_the_front(decoded)):
        span = np.percentile(hand, 95) - np.percentile(hand, 5)
        assert np.percentile(swung, 95) - np.percentile(swung, 5) >= 0.7 * span
        assert np.corrcoef(swung, foot)[0, 1] < -0.5


@pytest.mark.parametrize("take", ["08_01", "02_01"])
def test_the_swing_reads_back_as_the_arms_were_written(trials, take):
    """The swing adds no arm symbol and changes none: the decoded walk's arm columns read back as written, each
    move at most a quarter beat early or late (the tokenizer times a forearm's move by where it stops moving
    relative to the body, and the swing moves it; timed exactly on the decoder before)."""
    score = laban.tokenize(laban.read_bvh(trials[take].path))
    again = laban.tokenize(laban.decode(score, seed=0), score.grid)
    for column in ARMS:
        written, read = score.column(column), again.column(column)
        assert [(s.direction, s.level) for s in read] == [(s.direction, s.level) for s in written], column
        assert all(abs(a.start - b.start) <= 0.25 for a, b in zip(read, written)), column


def test_arms_do_not_swing_where_the_body_does_not_travel():
    """Stepping in place, a hanging arm stays where it was written; stepping forward, it swings."""
    start = [Symbol(0, Column.SUPPORT_LEFT, 0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE),
             Symbol(0, Column.SUPPORT_RIGHT, 0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE)]
    spans = {}
    for direction in (Direction.PLACE, Direction.FORWARD):
        steps = [Symbol(1.0 + k, (Column.SUPPORT_RIGHT, Column.SUPPORT_LEFT)[k % 2], 1.0, Sign.DIRECTION, direction,
                        Level.MIDDLE) for k in range(8)]
        motion = laban.decode(Score(laban.BeatGrid.uniform(110, 10.0), steps, start), seed=0)
        spans[direction] = [np.percentile(hand, 95) - np.percentile(hand, 5)
                            for hand, _ in _hands_along_the_front(motion)]
    assert max(spans[Direction.PLACE]) < 0.03
    assert min(spans[Direction.FORWARD]) > 0.06


@pytest.mark.parametrize("fps", [1.0, 2.0, 30.0])
def test_a_dance_a_frame_or_two_long_still_decodes(fps):
    """The swing reads the arms' speed and the body's travel over frames: a score of a frame or two (a step of a
    hundredth of a beat, or strides at one frame a second) decodes as before, with nothing to swing."""
    start = [Symbol(0, Column.SUPPORT_LEFT, 0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE),
             Symbol(0, Column.SUPPORT_RIGHT, 0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE),
             Symbol(0, Column.UPPER_ARM_LEFT, 0, Sign.DIRECTION, Direction.PLACE, Level.LOW)]
    for steps in ([Symbol(0, Column.SUPPORT_RIGHT, 0.01, Sign.DIRECTION, Direction.FORWARD, Level.MIDDLE)],
                  [Symbol(k * 0.5, (Column.SUPPORT_RIGHT, Column.SUPPORT_LEFT)[k % 2], 0.5, Sign.DIRECTION,
                          Direction.FORWARD, Level.MIDDLE, space=2) for k in range(8)]):
        motion = laban.decode(Score(laban.BeatGrid.uniform(120, 4.0), steps, start), fps=fps)
        assert len(motion.rotations) >= 1 and np.isfinite(motion.rotations).all()
