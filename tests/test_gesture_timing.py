"""The timing inside a long arm symbol (issue 13): dancers do not crawl through it.

A move that would go slower than the decoder's slowest plateau speed goes at that speed, arrives early and holds
(``laban/decoder/gestures.py``: ``_GESTURE_SPEED``). At 70°/s a long arm symbol crawled nearly its whole length: the
training captures' upper arms peak at 173°/s through arm symbols of 0.8-1.5 s, the decoded ones peaked at 92°/s
(``bench/gesture_speeds.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import laban
from laban import BodyPart as B
from laban import Column, Direction, Level, Score, Sign, Symbol
from laban.analysis import angular_speed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from gesture_speeds import speeds  # noqa: E402  (the bench's measure: one home for it)


def _upper_arm_speed(motion, side: str = "RIGHT") -> tuple[np.ndarray, np.ndarray]:
    """Seconds and the upper arm's angular speed (°/s), shoulder to elbow, at the tokenizer's frames."""
    trajectories = laban.analyse(motion).trajectories
    arm = trajectories.part(B[f"FOREARM_{side}"]) - trajectories.part(B[f"UPPER_ARM_{side}"])
    return np.arange(trajectories.frame_count) / trajectories.fps, angular_speed(arm, trajectories.fps)


def test_a_slow_arm_symbol_is_danced_at_a_dancers_speed_and_reads_back_on_time():
    """An arm raised forward to shoulder height over four beats at 60 bpm (22.5°/s on average) moves at 150°/s or
    more at its peak (it crawled at 70 before), arrives early, and still reads back as the one symbol it is, on
    its beat."""
    start = [Symbol(0, Column.SUPPORT_LEFT, 0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE),
             Symbol(0, Column.SUPPORT_RIGHT, 0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE)]
    symbols = [Symbol(1.0, Column.UPPER_ARM_RIGHT, 4.0, Sign.DIRECTION, Direction.FORWARD, Level.MIDDLE)]
    score = Score(laban.BeatGrid.uniform(60, 7.0), symbols, start)
    motion = laban.decode(score, seed=0)
    t, speed = _upper_arm_speed(motion)
    assert speed.max() >= 145.0
    moving = t[speed > 25.0]
    assert moving[-1] < 3.5  # arrived well before the symbol's end at 5 s, and held
    again = laban.tokenize(motion, score.grid)
    assert [(s.start, s.direction, s.level) for s in again.column(Column.UPPER_ARM_RIGHT)] == \
        [(1.0, Direction.FORWARD, Level.MIDDLE)]


@pytest.mark.parametrize("take", ["05_02", "05_10"])
def test_long_arm_symbols_of_a_real_dance_move_near_the_dancers_speed(trials, take):
    """Through the upper-arm symbols of 0.8 s or more of a training-split modern dance, the decoded arm peaks (90th
    percentile of its speed over the symbol, median over the symbols: bench/gesture_speeds.py's ``speeds``) at half
    the captured arm's or more (0.45 and 0.38 before; 0.72 and 0.57 now)."""
    capture = laban.read_bvh(trials[take].path)
    score = laban.tokenize(capture)
    peaks = [np.median([peak for peak, _, _, seconds in speeds(motion, score) if seconds >= 0.8])
             for motion in (capture, laban.decode(score, seed=0))]
    assert peaks[1] >= 0.5 * peaks[0], peaks
