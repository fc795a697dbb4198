"""The bar-by-bar stream (``motiongpt.cocreate.stream``) on a tiny untrained model: it writes what one pass of
``generate`` writes (the KV cache kept across bars reads the same sequence), restarts after its window, and is
fixed by its seed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from laban.algebra import cut
from laban.timing import BeatGrid
from motiongpt.cocreate.stream import BarStream
from motiongpt.model import build, tiny_config
from motiongpt.model.generate import generate


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return build(tiny_config(styles=["salsa"]), seed=4).eval()


GRID = BeatGrid.uniform(110.0, 14 * 4 * 60.0 / 110.0, 4)


def streamed(model, bars: int, **settings) -> BarStream:
    stream = BarStream(model, GRID, **settings)
    rows = np.random.default_rng(0).integers(0, 2, size=(bars, model.config.control_count))
    for k in range(bars):
        stream.bar(rows[k])
    return stream


def test_a_greedy_stream_writes_the_bars_one_pass_writes(model, monkeypatch):
    # (what one pass mends afterwards, motiongpt.plausibility.mended, is not sampled)
    monkeypatch.setattr("motiongpt.model.generate.mended", lambda score, *_: score)
    stream = streamed(model, 4, style="salsa", temperature=0.0)
    rows = np.random.default_rng(0).integers(0, 2, size=(4, model.config.control_count))
    whole = generate(model, GRID, bars=4, style="salsa", controls=rows, temperature=0.0)
    v = model.vocabulary
    ids, once = stream.ids, v.encode(whole)
    # the first three bars (the fourth is a last bar to generate: no tie, then <eos>)
    a, b = v.bar_spans(ids), v.bar_spans(once)
    assert ids[:a[3][0]] == once[:b[3][0]]


def test_the_stream_restarts_and_is_fixed_by_its_seed(model):
    one = streamed(model, 7, seed=5, window=4, context=2)
    again = streamed(model, 7, seed=5, window=4, context=2)
    other = streamed(model, 7, seed=6, window=4, context=2)
    v = model.vocabulary
    assert one.ids == again.ids and one.ids != other.ids
    assert len(v.bar_spans(one.ids)) == 7
    score = v.to_score(one.ids + [v.eos_id], GRID)  # a valid score, across two restarts
    assert max(s.end for s in score.symbols) <= 7 * 4 + 1e-9


def test_a_model_the_fast_stack_does_not_cover_streams_the_same_bars(model, monkeypatch):
    """(An unmerged adapter, say): the model's own forward with transformers' cache, across a restart."""
    from motiongpt.model import sampling

    fast = streamed(model, 5, style="salsa", temperature=0.0, window=3, context=2).ids
    monkeypatch.setattr(sampling.FastStack, "covers", staticmethod(lambda model: False))
    slow = streamed(model, 5, style="salsa", temperature=0.0, window=3, context=2)
    assert slow.stack is None and slow.ids == fast


def test_a_stream_prepared_between_bars_writes_the_same_bars(model):
    """``prepare`` (the restart, done before the next bar's controls are known) changes when work is done, not
    what is written: across four restarts, at temperature 1, the bars are the same ids."""
    rows = np.random.default_rng(1).integers(0, 2, size=(7, model.config.control_count))
    plain = BarStream(model, GRID, seed=3, window=3, context=2)
    ready = BarStream(model, GRID, seed=3, window=3, context=2)
    restarts = 0
    for k in range(7):
        plain.bar(rows[k])
        before = ready.first_bar
        ready.prepare()
        restarts += ready.first_bar != before
        ready.prepare()  # a second call: nothing more to do
        ready.bar(rows[k])
    assert restarts == 4 and ready.ids == plain.ids  # bars 4-7 each begin a sequence again


def test_a_grid_with_an_upbeat_is_streamed_as_one_pass_writes_it(model, monkeypatch):
    """A dance's music may begin before its first bar line: the stream refused such a grid ('a stream starts on a
    downbeat'), so a streamed duet's follower stood still through its lead's upbeat. The stream's first bar is the
    upbeat now, as in one pass (greedy: the same ids), and a restart takes its bars by the staff's numbers (bar 0
    the upbeat): a valid score, its bars where the grid has them."""
    monkeypatch.setattr("motiongpt.model.generate.mended", lambda score, *_: score)
    grid = BeatGrid(GRID.times, 4, 3)
    rows = np.random.default_rng(0).integers(0, 2, size=(7, model.config.control_count))
    stream = BarStream(model, grid, style="salsa", temperature=0.0)
    for k in range(4):
        stream.bar(rows[k])
    whole = generate(model, grid, bars=4, style="salsa", controls=rows[:4], temperature=0.0)
    v = model.vocabulary
    ids, once = stream.ids, v.encode(whole)
    a, b = v.bar_spans(ids), v.bar_spans(once)
    assert ids[:a[3][0]] == once[:b[3][0]]
    upbeat = v.to_score(ids[:a[1][0]] + [v.eos_id], grid)  # bar 0: the grid's 3 beats before its downbeat
    assert upbeat.symbols and max(s.start for s in upbeat.symbols) < 3
    long = BarStream(model, grid, seed=5, window=4, context=2)
    for k in range(4):
        long.bar(rows[k])
    long.prepare()  # the window is full: the sequence starts again from its last two bars, the upbeat's 2 and 3
    assert long.first_bar == 2
    assert long.sequence == v.encode(cut(v.to_score(long.ids + [v.eos_id], grid), 2, 3))[:-1] + [v.bar_id]
    for k in range(4, 7):  # and once more
        long.bar(rows[k])
    assert len(v.bar_spans(long.ids)) == 7
    score = v.to_score(long.ids + [v.eos_id], grid)
    assert max(s.end for s in score.symbols) <= 3 + 6 * 4 + 1e-9
