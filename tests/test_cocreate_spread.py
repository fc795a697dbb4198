"""Variations chosen spread out (``motiongpt.cocreate.spread``): from all the draws, eight that keep the words and
are not near copies of each other; the first the best of its own draws (what one dance is), and variation k the
same dance whether k+1 or more are asked for."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist

from motiongpt.cocreate import CocreateError, generate
from motiongpt.cocreate.generate import TOP_P, VARIED_TOP_P
from motiongpt.cocreate.models import Loaded
from motiongpt.cocreate.spread import motion_features, spread_out
from motiongpt.model import build, tiny_config


@pytest.fixture(scope="module")
def loaded() -> Loaded:
    return Loaded(build(tiny_config(styles=["salsa"]), seed=2).eval(), None,
                  {"model": "tiny", "model_version": "tiny", "motiongpt": "test"})


def test_the_best_by_the_words_of_each_group_are_not_all_shown_when_they_are_copies():
    # 4 groups of 4 draws: the draw each group's words rank first (kept 1.0) is the same dance everywhere; the
    # others (kept 0.75, one thing asked of four missed) are four different dances
    copy = np.zeros(3)
    others = [np.array(v, float) for v in ((5, 0, 0), (0, 5, 0), (0, 0, 5), (5, 5, 5))]
    features, kept = [], []
    for group in range(4):
        for draw in range(4):
            first = draw == 0
            features.append(copy + 1e-3 * group if first else others[group] + 0.1 * draw)
            kept.append(1.0 if first else 0.75)
    features, kept = np.stack(features), np.array(kept)
    old = [max(range(g * 4, g * 4 + 4), key=lambda r: (kept[r], -r)) for g in range(4)]
    assert pdist(features[old]).min() < 0.01  # best of each group: four near copies
    chosen = spread_out(features, kept, 4, 4)
    assert chosen[0] == 0  # the first: the best of its own draws by the words
    assert len(set(chosen)) == 4 and all(r < (k + 1) * 4 for k, r in enumerate(chosen))
    assert pdist(features[chosen]).min() > 1.0  # no two alike
    assert spread_out(features, kept, 4, 4, spread=0.0) == [0, 4, 8, 12]  # no weight on difference: words only


def test_variation_k_reads_only_the_draws_before_it():
    # far-off later draws re-scale the features of the whole pool; the choice of the first k must not move
    rng = np.random.default_rng(3)
    features, kept = rng.normal(size=(24, 5)), rng.choice([0.5, 0.75, 1.0], 24)
    features[16:] *= 50.0
    for spread in (0.5, 4.0):
        six = spread_out(features, kept, 6, 4, spread)
        assert [spread_out(features[:4 * k], kept[:4 * k], k, 4, spread) for k in (2, 3, 4)] == \
            [six[:2], six[:3], six[:4]]


def test_variations_are_spread_out_stable_and_reproducible(loaded):
    # (every draw at one top-p, so that the spread is compared with the best of each on the same distribution)
    settings = dict(text="turn to the right, arms high", bars=2, bpm=100, seed=4, rank_them=False, varied_top_p=0.9)
    before = generate(loaded, count=3, spread=0.0, **settings)  # each the best of its 4 draws by the words
    two, three = generate(loaded, count=2, **settings), generate(loaded, count=3, **settings)
    assert [d.score for d in two] == [d.score for d in three[:2]]  # variation k: the same whether 2 or 3 asked
    assert three[0].score == generate(loaded, count=1, **settings)[0].score == before[0].score
    rows = [d.lineage.settings["row"] for d in three]
    assert len(set(rows)) == 3 and all(r < 4 * (k + 1) for k, r in enumerate(rows))
    assert {d.lineage.settings["pool"] for d in three} == {12}
    # the set is more spread out in the evaluation's motion features than the best of each group's draws
    features = np.stack([motion_features(d.motion()) for d in before + three])
    z = (features - features.mean(0)) / np.where(features.std(0) > 0, features.std(0), 1.0)
    assert pdist(z[3:]).mean() > pdist(z[:3]).mean(), (pdist(z[3:]).mean(), pdist(z[:3]).mean())
    with pytest.raises(CocreateError, match="spread"):
        generate(loaded, count=2, spread=-1.0, **settings)


def test_the_variations_after_the_first_draw_from_the_whole_distribution(loaded):
    settings = dict(text="turn to the right, arms high", bars=2, bpm=100, seed=4, rank_them=False)
    wide, narrow = generate(loaded, count=3, **settings), generate(loaded, count=3, varied_top_p=0.9, **settings)
    # the first is the dance written alone, whatever the others draw from; the others draw otherwise
    assert wide[0].score == narrow[0].score == generate(loaded, count=1, **settings)[0].score
    assert [d.score for d in wide[1:]] != [d.score for d in narrow[1:]]
    assert {d.lineage.settings["varied_top_p"] for d in wide} == {VARIED_TOP_P} and VARIED_TOP_P > TOP_P
    with pytest.raises(CocreateError, match="top-p"):
        generate(loaded, count=2, varied_top_p=0.0, **settings)
