"""The learned execution (``laban.execution``, ``decode(..., execution="learned")``): drawn from what dancers do,
still read back as the score, a seed a different performance, the model plain arrays learned on training data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import laban
from laban import BodyPart
from laban.cells import limb_cells
from laban.compare import cell_agreement
from laban.decoder import DecodeError, decode, sample_direction
from laban.execution import MODEL_FILE, ExecutionModel
from laban.score import HORIZONTAL_DIRECTIONS, Column, Direction, Level, Score

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def phrase() -> Score:
    return Score.load(REPO / "examples" / "first_phrase.laban")


def _pelvis_relative(motion: laban.Motion) -> np.ndarray:
    traj = motion.trajectories()
    root = traj.skeleton.parts[BodyPart.PELVIS]
    return traj.positions - traj.positions[:, root:root + 1]


def test_a_seed_is_one_performance_and_another_seed_a_visibly_different_one(phrase):
    first = decode(phrase, seed=0, execution="learned")
    again = decode(phrase, seed=0, execution="learned")
    assert np.array_equal(first.rotations, again.rotations) and np.array_equal(first.translations,
                                                                               again.translations)
    other = decode(phrase, seed=1, execution="learned")
    learned = np.linalg.norm(_pelvis_relative(first) - _pelvis_relative(other), axis=-1).mean()
    rules = np.linalg.norm(_pelvis_relative(decode(phrase, seed=0)) - _pelvis_relative(decode(phrase, seed=1)),
                           axis=-1).mean()
    assert learned > 1.5 * rules, (learned, rules)  # the body itself, not only where it travels, differs more


def test_learned_directions_stay_inside_their_cells():
    model = ExecutionModel.load()
    rng = np.random.default_rng(3)
    forward, right = np.array([[0.0, 0.0, 1.0]]), np.array([[-1.0, 0.0, 0.0]])
    for direction in Direction:
        for level in Level:
            if direction is Direction.PLACE and level is Level.MIDDLE:
                continue
            for column in (Column.UPPER_ARM_LEFT, Column.FOREARM_RIGHT, Column.HEAD, Column.LEG_LEFT):
                for _ in range(10):
                    f, r, u = sample_direction(direction, level, rng, column=column, model=model)
                    cell = int(limb_cells(np.array([[-r, u, f]]), forward, right)[0])
                    expected = (24 if level is Level.HIGH else 25) if direction is Direction.PLACE else \
                        HORIZONTAL_DIRECTIONS.index(direction) * 3 + list(Level).index(level)
                    assert cell == expected, (direction, level, column)


def test_a_learned_performance_of_a_real_dance_reads_back_as_its_score(trials):
    trial = trials["05_04"]  # a validation take: the model never saw it
    score = laban.tokenize(laban.read_bvh(trial.path, frame_rate=trial.fps))
    for seed in (0, 1):
        figures = cell_agreement(score, laban.tokenize(decode(score, seed=seed, execution="learned"), score.grid))
        assert figures["all"]["direction"] >= 0.96 and figures["all"]["level"] >= 0.96, (seed, figures["all"])


def test_an_arm_edit_leaves_the_planted_feet_where_they_stood(phrase):
    from test_locality import assert_the_feet_stay, edited

    arm = next(s for s in phrase.symbols if s.column is Column.UPPER_ARM_LEFT)
    first = decode(phrase, seed=0, execution="learned").trajectories()
    second = decode(edited(phrase, arm, "change"), seed=0, execution="learned").trajectories()
    # a sinking arm moves the centre of mass, and balance the pelvis a hair: a planted foot follows by under a
    # millimetre (the rule-based execution stays under 1e-5 m), a free foot goes where its hip goes
    assert_the_feet_stay(first, second, 1e-3)


def test_the_model_is_plain_arrays_learned_on_the_training_split_only():
    from safetensors import safe_open

    from motiongpt.evaluate import read_cmu_split

    with safe_open(str(MODEL_FILE), framework="numpy") as file:
        trials = json.loads(file.metadata()["trials"])
    split = read_cmu_split()
    assert trials and all(split[name]["split"] == "train" for name in trials)
    model = ExecutionModel.load()
    low, middle = model.knee[2, 0], model.knee[1, 0]
    assert low > laban.analysis.PLIE_KNEE > middle  # dancers' pliés are deeper than their normal level
    assert np.allclose(np.linalg.norm(model.mean, axis=-1), 1.0, atol=1e-4)


def test_an_unknown_execution_is_refused_in_one_line(phrase):
    with pytest.raises(DecodeError, match="execution must be one of rules, learned"):
        decode(phrase, execution="improvised")
