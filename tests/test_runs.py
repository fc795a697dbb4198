"""A run the words ask for, written as a run (motiongpt.model.strides): a twice-large step a stride from foot to
foot, a small flight after every second one, the trailing leg kicked back and folded under, the arms swinging in
opposition, one way, caught in motion; performed, it runs."""

from __future__ import annotations

import numpy as np
import pytest

import laban
from laban import Column, Direction, Sign
from motiongpt.model.strides import rhythm, running_bars
from test_steering import leaning

FEET = (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)


def test_the_bars_whose_words_say_run_and_their_way():
    forward, backward = list(Direction).index(Direction.FORWARD), list(Direction).index(Direction.BACKWARD)
    phrases = [((1, 2), "four steps forward"), ((3, 4), "run"), ((5, 5), "jogging backward, arms low")]
    assert running_bars(phrases, 1, 6).tolist() == [-1, -1, forward, forward, backward, -1]
    assert running_bars(phrases, 0, 6).tolist() == [-1, -1, -1, forward, forward, backward]  # bar 0: an upbeat
    assert (running_bars([((1, 3), "a rerun of the turn, a runway walk")], 1, 3) == -1).all()


def test_words_that_run_after_or_before_other_moves_run_in_their_own_share_of_the_bars():
    forward, backward = list(Direction).index(Direction.FORWARD), list(Direction).index(Direction.BACKWARD)
    assert running_bars([((1, 8), "walk backward, then run")], 1, 8).tolist() == [-1] * 4 + [forward] * 4
    assert running_bars([((1, 6), "run backward; a half turn, arms high")], 1, 6).tolist() == [backward] * 3 + [-1] * 3
    assert running_bars([((2, 7), "walk, then jog backward, then a jump")], 1, 8).tolist() == \
        [-1, -1, -1, backward, backward, -1, -1, -1]
    assert running_bars([((1, 1), "walk, then run")], 1, 1).tolist() == [forward]  # at least a bar
    # the arms and other colour go beside the moves: one move, run throughout, the way from all the words
    assert running_bars([((1, 4), "steps backward running, arms swinging low")], 1, 4).tolist() == [backward] * 4


def test_words_that_say_not_to_run_do_not_run():
    """"walk forward, don't run" ran its second half (its "run" read as a clause that runs)."""
    assert (running_bars([((1, 4), "walk forward, don't run")], 1, 4) == -1).all()
    assert (running_bars([((1, 4), "no running")], 1, 4) == -1).all()
    assert (running_bars([((1, 4), "run forward, no jumps")], 1, 4) >= 0).all()


def test_the_rhythm_strides_every_beat_or_every_half_beat_when_the_beat_is_slow():
    def listed(pattern):
        return [x.tolist() if hasattr(x, "tolist") else x for x in pattern]

    assert listed(rhythm(4, 60 / 160)) == [8, [0, 5], [4], 1]  # a step a beat, a flight every second one
    assert listed(rhythm(4, 60 / 90)) == [4, [0, 3], [2], 1]  # a step a half beat
    assert listed(rhythm(12, 60 / 160)) == [24, [0, 15], [12], 3]  # triplets: the flight still a quarter beat


AGAINST = {"flight": -8.0, "hold": 4.0, "turn:+1/4": 4.0, "place/middle": 4.0, "backward/middle": 3.0,
           "space:+1": 3.0}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_run_is_written_as_strides_from_foot_to_foot_with_flights(monkeypatch, seed):
    generation, model = leaning(monkeypatch, AGAINST)
    grid = laban.BeatGrid.uniform(160, 3.0, 4)  # two bars at a runner's cadence
    score = generation.generate(model, grid, text="run", seed=seed)
    steps = sorted((s for s in score.symbols if s.column in FEET and s.duration > 0), key=lambda s: s.start)
    flights = sorted((s for s in score.symbols if s.column == Column.CENTRE and s.duration > 0),
                     key=lambda s: s.start)
    assert [s.start for s in steps] == [0, 1.25, 2, 3.25, 4, 5.25, 6, 7.25]  # a stride a beat, a quarter late
    assert [s.start for s in flights] == [1, 3, 5, 7]  # after every second one
    assert all(f.sign is Sign.FLIGHT and f.space == -1 and f.duration == 0.25 for f in flights)
    assert all(a.column != b.column for a, b in zip(steps, steps[1:]))  # from foot to foot
    assert all(s.direction == Direction.FORWARD and s.space == 2 for s in steps)
    feet = sorted(steps + flights, key=lambda s: s.start)
    assert all(a.end == b.start for a, b in zip(feet, feet[1:]))  # each lasts until the next: no gap, no overlap
    # the trailing leg kicks back as its foot leaves the floor (a step on the beat, a flight) and folds under
    leg_of = {Column.SUPPORT_LEFT: Column.LEG_LEFT, Column.SUPPORT_RIGHT: Column.LEG_RIGHT}
    other = {Column.SUPPORT_LEFT: Column.LEG_RIGHT, Column.SUPPORT_RIGHT: Column.LEG_LEFT}
    kicks = sorted([(s.start, other[s.column]) for s in steps if s.start % 1 == 0]
                   + [(f.start, leg_of[max((s for s in steps if s.start < f.start), key=lambda s: s.start).column])
                      for f in flights])
    legs = sorted((s for s in score.symbols if s.column in (Column.LEG_LEFT, Column.LEG_RIGHT)),
                  key=lambda s: s.start)
    assert [(s.start, s.column) for s in legs if s.direction == Direction.BACKWARD] == kicks
    assert all(s.level == laban.Level.LOW and (s.duration == 0.25 if s.direction == Direction.BACKWARD else
                                               s.direction == Direction.PLACE and 1 <= s.contraction <= 3)
               for s in legs)
    standing = [s for s in score.starting_position if s.column in FEET]
    assert len(standing) == 1 and standing[0].column == steps[0].column  # caught in motion: on the first foot

    walked = generation.generate(model, grid, text="four steps forward", seed=seed)
    assert not [s for s in walked.symbols if s.column == Column.CENTRE and s.sign is Sign.FLIGHT]  # the lean, unpushed


def test_a_run_written_runs(monkeypatch):
    """Performed, the written run travels at a runner's pace (over 2 m/s, the captured runs 3.5); the same model
    asked to walk does not."""
    generation, model = leaning(monkeypatch, AGAINST)
    grid = laban.BeatGrid.uniform(160, 3.0, 4)

    def speed(score) -> float:
        motion = laban.decode(score)
        pelvis = motion.trajectories().positions[:, 0, [0, 2]]
        return float(np.linalg.norm(np.diff(pelvis, axis=0), axis=1).sum() / motion.duration)

    ran = speed(generation.generate(model, grid, text="run", seed=0))
    walked = speed(generation.generate(model, grid, text="four steps forward", seed=0))
    assert ran > 2.0 and ran > 2 * walked, (ran, walked)


def test_bars_regenerated_as_a_run_stride_between_the_kept_bars(monkeypatch):
    """Filling in bars 2-3 of a walk with "run": the new bars' steps are strides with flights between them and
    no turn on both feet (the kept bars after them are co-creation's to keep: tests/test_cocreate.py)."""
    generation, model = leaning(monkeypatch, AGAINST)
    grid = laban.BeatGrid.uniform(160, 6.0, 4)  # four bars
    walk = generation.generate(model, grid, text="four steps forward", seed=1)
    ran = generation.variations(model, grid, 1, text="run", fill_in=(walk, 1, 3), seed=2)[0]

    def between(score, a, b):
        return sorted((s for s in score.symbols if a <= s.start < b), key=lambda s: (s.start, s.column.value))

    assert between(ran, 0, 4) == between(walk, 0, 4)
    new = between(ran, 4, 12)
    steps = [s for s in new if s.column in FEET and s.sign is not Sign.HOLD]
    flights = [s for s in new if s.column == Column.CENTRE and s.sign is Sign.FLIGHT]
    assert len(flights) >= 3 and not [s for s in new if s.column == Column.CENTRE and s.sign is Sign.TURN]
    assert all(s.direction == Direction.FORWARD and s.space == 2 for s in steps)


def test_a_walk_then_a_run_walks_first_and_runs_after(monkeypatch):
    """One text for the whole dance, "walk forward, then run": the first half walks (no flight: the model leans
    away from them), the second half strides with flights."""
    generation, model = leaning(monkeypatch, AGAINST)
    grid = laban.BeatGrid.uniform(160, 6.0, 4)  # four bars
    score = generation.generate(model, grid, text="walk forward, then run", seed=0)
    flights = [s.start for s in score.symbols if s.column == Column.CENTRE and s.sign is Sign.FLIGHT]
    steps = [s for s in score.symbols if s.column in FEET and s.sign is not Sign.HOLD and s.start >= 8]
    assert flights and min(flights) >= 8 and len(flights) >= 3
    assert all(s.space == 2 and s.direction == Direction.FORWARD for s in steps)


def test_a_runners_arms_swing_in_opposition_to_the_feet_bent_at_the_elbow(monkeypatch):
    """A model that leans to arms a runner never uses (raised high, to the side, nearly straight) and to a leaning
    torso and head writes, in the bars that run, the captured runs' arms: an upper arm moves with a stride and holds
    until the next, back low on the side of the foot that steps and through (place low) on the other; a forearm
    forward low or middle, bent at the elbow (contraction 3-4); the torso and head upright, from the starting
    position on; asked to walk, it keeps its own."""
    arms = {"col:upper-arm-left": 3.0, "col:upper-arm-right": 3.0, "col:forearm-left": 3.0, "col:forearm-right": 3.0,
            "col:torso": 3.0, "col:head": 3.0, "right/high": 5.0, "left/middle": 5.0, "forward/high": 5.0,
            "contraction:1": 4.0}
    generation, model = leaning(monkeypatch, {**AGAINST, **arms})
    grid = laban.BeatGrid.uniform(160, 3.0, 4)
    uppers = (Column.UPPER_ARM_LEFT, Column.UPPER_ARM_RIGHT)
    forearms = (Column.FOREARM_LEFT, Column.FOREARM_RIGHT)
    for seed in (0, 1):
        score = generation.generate(model, grid, text="run", seed=seed)
        steps = sorted((s for s in score.symbols if s.column in FEET and s.duration > 0), key=lambda s: s.start)
        swung = [s for s in score.symbols if s.column in uppers]
        bent = [s for s in score.symbols if s.column in forearms]
        assert swung and bent
        strides = [s.start for s in steps]
        for arm in swung:  # with a stride, until the next (or the dance's end), in opposition to its foot
            assert arm.start in strides and (arm.end in strides or arm.end == score.duration), arm
            foot = next(s for s in steps if s.start == arm.start)
            back = FEET.index(foot.column) == uppers.index(arm.column)
            assert (arm.direction, arm.level) == ((Direction.BACKWARD if back else Direction.PLACE),
                                                  laban.Level.LOW), (arm, foot)
        assert all(s.direction == Direction.FORWARD and s.level in (laban.Level.LOW, laban.Level.MIDDLE)
                   and s.contraction in (3, 4) for s in bent)
        upright = [s for s in [*score.starting_position, *score.symbols] if s.column in (Column.TORSO, Column.HEAD)]
        assert upright and all((s.direction, s.level) == (Direction.PLACE, laban.Level.HIGH) for s in upright)
    walked = generation.generate(model, grid, text="four steps forward", seed=0)
    assert any(s.level == laban.Level.HIGH or s.direction in (Direction.RIGHT, Direction.LEFT)
               for s in walked.symbols if s.column in uppers + forearms)
    assert any(s.direction != Direction.PLACE for s in walked.symbols if s.column in (Column.TORSO, Column.HEAD))
