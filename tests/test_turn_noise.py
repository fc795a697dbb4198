"""Turn signs are turns the body made: the pelvis twisting with every salsa step or drifting slowly is not a turn,
and what is left out still adds up (a front left behind is caught up at the next turn)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import laban
from laban import Sign
from laban.analysis import WORKING_FPS
from laban.tokenizer import _Timing, _turns

FPS = 30.0
SALSA = ("60_01", "60_07", "61_01", "61_09")


def turns_of(heading_degrees: np.ndarray) -> list[float]:
    """The turns ``_turns`` writes for a pelvis heading (standing on both feet, 120 bpm, quarter beats)."""
    frames = len(heading_degrees)
    analysis = SimpleNamespace(heading=np.asarray(heading_degrees, dtype=float),
                               trajectories=SimpleNamespace(fps=FPS), supports=np.full(frames, "B"))
    beats = np.arange(frames + 1) / FPS * 2.0
    return [t.turn for t in _turns(analysis, _Timing(beats, 4, FPS / 2.0))]


def test_a_pelvis_twisting_back_and_forth_is_not_a_turn():
    t = np.arange(int(12 * FPS)) / FPS  # twelve seconds of twisting, then a second at rest
    rest = np.zeros(int(FPS))
    assert turns_of(np.r_[30.0 * np.sin(2 * np.pi * 1.2 * t), rest]) == []  # ±30° with every step, at 1.2 Hz
    assert turns_of(np.r_[38.0 * np.sin(2 * np.pi * 0.5 * t), rest]) == []  # past an eighth's half-way, and back
    assert turns_of(np.r_[50.0 * np.sin(2 * np.pi * 0.8 * t), rest]) == []  # fast and wide, and back


def test_a_pivot_is_a_turn_and_a_slow_drift_is_caught_up_by_the_next_one():
    still, pivot = np.zeros(int(2 * FPS)), np.linspace(0.0, 180.0, int(0.6 * FPS))
    heading = np.r_[still, pivot, np.full(int(2 * FPS), 180.0)]
    assert turns_of(heading) == [0.5]
    # A 40° drift over 8 s is no turn by itself; the half turn after it is written as 5/8, so the sum is right.
    drift = np.linspace(0.0, 40.0, int(8 * FPS))
    heading = np.r_[drift, 40.0 + pivot, np.full(int(2 * FPS), 220.0)]
    turns = turns_of(heading)
    assert turns == [0.625] and abs(360 * sum(turns) - 220.0) <= 22.5


def test_salsa_is_not_peppered_with_eighth_turns_and_its_turns_still_add_up(trials):
    eighths, seconds = 0, 0.0
    for name in SALSA:
        trial = trials[name]
        motion = laban.read_bvh(trial.path, frame_rate=trial.fps, max_fps=WORKING_FPS)  # 60 fps, as listed
        score = laban.tokenize(motion)
        turns = [s.turn for s in score.symbols if s.sign is Sign.TURN]
        eighths += sum(abs(t) == 0.125 for t in turns)
        seconds += motion.frame_count / motion.fps
        hips = motion.trajectories().part(laban.BodyPart.THIGH_RIGHT) - \
            motion.trajectories().part(laban.BodyPart.THIGH_LEFT)
        heading = np.degrees(np.unwrap(np.arctan2(hips[:, 2], hips[:, 0])))
        assert abs(360 * sum(turns) - (heading[-1] - heading[0])) <= 45.0, name
    per_minute = eighths / seconds * 60
    assert per_minute <= 20.0, f"{per_minute:.1f} turns of 1/8 a minute"  # about 30 before the thresholds


@pytest.mark.parametrize("name", ["05_02", "05_06", "06_12"])
def test_turn_sums_of_the_turning_clips_stay_within_an_eighth(trials, name):
    trial = trials[name]
    motion = laban.read_bvh(trial.path, frame_rate=trial.fps, max_fps=WORKING_FPS)
    turns = [s.turn for s in laban.tokenize(motion).symbols if s.sign is Sign.TURN]
    traj = motion.trajectories()
    hips = traj.part(laban.BodyPart.THIGH_RIGHT) - traj.part(laban.BodyPart.THIGH_LEFT)
    heading = np.degrees(np.unwrap(np.arctan2(hips[:, 2], hips[:, 0])))
    assert abs(360 * sum(turns) - (heading[-1] - heading[0])) <= 45.0
