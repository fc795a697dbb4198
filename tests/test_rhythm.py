"""Steps on the beat (motiongpt.model.rhythm): pushed there, a sampled dance's supports start and arrive on the
beat far more often than the model would put them; refused off it, every one does (or on its half), whatever the
model leans to; the names of where steps land."""

from __future__ import annotations

from pathlib import Path

import pytest

import laban
from laban.algebra import bar_count
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


def on_the_beat(scores) -> float:
    times = landings(scores)
    return sum(t % 1 == 0 for t in times) / len(times)


def test_steps_pushed_onto_the_beat_land_there_more_often():
    """An untrained model puts a third of its supports' ends on the beat (quarter positions alike); pushed, most."""
    from motiongpt.model import build, tiny_config
    from motiongpt.model.generate import variations

    model = build(tiny_config(), seed=3).eval()
    grid = laban.BeatGrid.uniform(100, 12, 4)
    free = on_the_beat(variations(model, grid, 4, bars=4, seed=1))
    pushed = on_the_beat(variations(model, grid, 4, bars=4, seed=1, steps_on=1.0))
    assert free < 0.5 and pushed > free + 0.25


def test_steps_refused_off_the_beat_start_and_arrive_on_it_though_the_model_leans_off_it(monkeypatch):
    """A model that leans to quarter-beat positions and lengths writes most of its steps off the beat; with the
    weight's symbols refused off the beat, none is, and off the half beat, none is off a half beat; every sample
    still a valid score with steps in it."""
    from motiongpt.model import rhythm

    generation, model = leaning(monkeypatch, OFF_THE_BEAT)
    monkeypatch.setattr(rhythm, "PUSH", float("inf"))
    grid = laban.BeatGrid.uniform(100, 12, 4)  # 5 bars of 4/4
    free = generation.variations(model, grid, 3, bars=4, seed=2)
    assert on_the_beat(free) < 0.5  # what the refusal has to hold against
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


def test_the_edits_of_a_dance_keep_where_its_steps_land(monkeypatch):
    """A dance whose prompt says its steps land on the beat: its regenerated bar, its continuation and a bridge the
    model fills in from it to another such dance put theirs there too (refused off it, so that a tiny model leaning
    to steps of three quarters shows it), but for the weight held from where a kept symbol ends; and the
    continuation's and the blend's prompts say so."""
    from laban.algebra import bar_start
    from motiongpt.cocreate import Dance, Lineage, blend, continue_dance, regenerate
    from motiongpt.cocreate.models import Loaded
    from motiongpt.model import rhythm

    monkeypatch.setattr(rhythm, "PUSH", float("inf"))
    _, model = leaning(monkeypatch, {"col:support-left": 6.0, "col:support-right": 6.0, "dur:0.75": 6.0})
    loaded = Loaded(model, None, {"model": "tiny"})
    score = laban.Score.load(Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban")
    dance = Dance(score, {"text": "a phrase", "steps_on": "beat"}, Lineage("example", seed=3))

    def new_landings(result, edge: float) -> list[float]:
        kept_ends = {s.end for s in result.score.symbols if s.start < edge - 1e-9}
        return [t for t in landings([result.score]) if t >= edge - 1e-9 and t not in kept_ends]

    assert any(t % 1 for t in landings([score]))  # the example steps off the beat, in the bar edited too
    edited, added, bridge = [], [], []  # over three seeds (a bar of one may hold no step)
    for seed in range(3):
        edited += new_landings(regenerate(dance, loaded, 2, 2, seed=seed), bar_start(score.grid, 2))
        longer = continue_dance(dance, loaded, 2, seed=seed)
        added += new_landings(longer, bar_start(longer.score.grid, bar_count(score) + 1))
        mixed = blend(dance, dance, loaded, 2, seed=seed, method="fill")
        bridge += [t for t in new_landings(mixed, bar_start(mixed.score.grid, mixed.lineage.bars[0]))
                   if t < bar_start(mixed.score.grid, mixed.lineage.bars[1] + 1) - 1e-9]
        assert longer.prompt["steps_on"] == mixed.prompt["steps_on"] == "beat"
    assert edited and added and bridge and all(t % 1 == 0 for t in edited + added + bridge)
    asked = continue_dance(dance, loaded, 2, seed=0, steps_on="anywhere")
    assert asked.prompt["steps_on"] == "anywhere"
    assert any(t % 1 for t in new_landings(asked, bar_start(asked.score.grid, bar_count(score) + 1)))
