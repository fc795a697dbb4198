"""Steps on the beat (motiongpt.model.rhythm): asked, every support a sampled dance writes starts and arrives on
the beat (or its half), whatever the model leans to; the prompt records where the steps land, and the edits of a
dance keep its choice."""

from __future__ import annotations

import pytest

import laban
from laban.score import Column
from motiongpt.cocreate.dance import CocreateError
from motiongpt.cocreate.generate import steps_named

from test_steering import leaning

FEET = (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)
OFF_THE_BEAT = {"pos:1.25": 6.0, "pos:2.75": 6.0, "pos:3.5": 6.0, "dur:0.75": 6.0, "dur:0.25": 4.0,
                "col:support-left": 4.0, "col:support-right": 4.0}


def landings(scores) -> list[float]:
    """Where each support symbol of ``scores`` starts and ends, in beats."""
    return [t for score in scores for s in score.symbols if s.column in FEET and s.duration > 0
            for t in (s.start, s.start + s.duration)]


def test_asked_steps_start_and_arrive_on_the_beat_though_the_model_leans_off_it(monkeypatch):
    """A model that leans to quarter-beat positions and lengths writes most of its steps off the beat; asked to
    step on the beat, none is, and asked for the half beat, none is off a half beat; every sample still a valid
    score with steps in it."""
    generation, model = leaning(monkeypatch, OFF_THE_BEAT)
    grid = laban.BeatGrid.uniform(100, 12, 4)  # 5 bars of 4/4
    free = generation.variations(model, grid, 3, bars=4, seed=2)
    off = [t for t in landings(free) if t % 1]
    assert len(off) > len(landings(free)) / 3  # what the push has to hold against
    for every in (1.0, 0.5):
        scores = generation.variations(model, grid, 3, bars=4, seed=2, steps_on=every)
        times = landings(scores)
        assert len(times) >= 12 and all(abs(t / every - round(t / every)) < 1e-9 for t in times)
    with pytest.raises(laban.LabanError, match="1/4 beat"):
        generation.variations(model, grid, 1, bars=1, steps_on=0.3)


def test_where_steps_land_by_default_and_by_name():
    assert steps_named(None, "corpus:joplin/maple_leaf_rag") == "beat"
    assert steps_named(None, None) == "anywhere"
    assert steps_named("half-beat", None) == "half-beat"
    with pytest.raises(CocreateError, match="beat, half-beat, anywhere"):
        steps_named("offbeat", None)
