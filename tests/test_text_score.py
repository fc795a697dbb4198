"""Text ↔ score retrieval: the offline sentence encoder, the staff read cell by cell, R-precision, the shipped
contrastive evaluator (it loads without pickle, refuses damaged files, and tells held-out CMU dances' descriptions
apart), and training that learns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import laban
from laban import BeatGrid, Column, Direction, Level, Score, Sign, Symbol
from motiongpt.errors import CheckpointError
from motiongpt.data import read_cmu_split
from motiongpt.metrics import text_score
from motiongpt.metrics.text_score import (CELL_FEATURES, Pairs, TextScoreConfig, TextScoreEvaluator, r_precision,
                                          staff_cells)
from motiongpt.text import encode_text


def test_sentences_become_unit_vectors_offline_and_meaning_sets_their_distance(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    v = encode_text(["salsa dance with a partner", "a couple dancing salsa", "basketball - forward dribble"])
    assert v.shape == (3, 384) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    assert np.array_equal(encode_text(["walk"]), encode_text(["walk"]))  # deterministic


def test_r_precision_counts_how_many_texts_outrank_the_own_one():
    texts = np.eye(4)
    scores = np.array([[1.0, 0, 0, 0],      # own text first
                       [0.9, 0.5, 0.4, 0],  # own text (1) second
                       [0.1, 0.2, 0.0, 0.3]  # own text (2) last of four
                       ])
    r = r_precision(scores, texts, np.array([0, 1, 2]), ks=(1, 3))
    assert r["top1"] == pytest.approx(1 / 3) and r["top3"] == pytest.approx(2 / 3)
    assert r["pool"] == 4 and r["chance1"] == 0.25 and r["chance3"] == 0.75 and r["n"] == 3
    # a pool smaller than the texts: one own text and one drawn other
    small = r_precision(scores, texts, np.array([0, 1, 2]), ks=(1,), pool=2, seed=3)
    assert small["pool"] == 2 and small["chance1"] == 0.5 and small["top1"] >= r["top1"]


def _step(start, column, direction, level=Level.MIDDLE, duration=1.0):
    return Symbol(start, column, duration, Sign.DIRECTION, direction, level)


def test_the_staff_is_read_cell_by_cell_in_half_beats():
    grid = BeatGrid.uniform(120, 10.0)
    score = Score(grid, [_step(1.0, Column.SUPPORT_LEFT, Direction.RIGHT_FORWARD, Level.HIGH),
                         _step(0.0, Column.UPPER_ARM_RIGHT, Direction.FORWARD, Level.HIGH, 2.0),
                         Symbol(2.0, Column.CENTRE, 0.5, Sign.TURN, turn=-0.25)])
    cells = staff_cells(score)
    assert cells.shape == (int(np.ceil(score.duration * 2)), CELL_FEATURES)
    per = text_score._PER_COLUMN
    left = list(Column).index(Column.SUPPORT_LEFT) * per
    said = cells[:, left:left + len(text_score._WORDS)]
    stepping = text_score._WORDS[Direction.RIGHT_FORWARD.value]
    assert said[2:4, stepping].all() and said[4:].sum() == 0 and said[:2, stepping].sum() == 0
    assert cells[2, left + len(text_score._WORDS) + text_score._LEVELS["high"]] == 1
    assert cells[2, left + per - 1] == 1 and cells[3, left + per - 1] == 0  # where the step starts
    arm = list(Column).index(Column.UPPER_ARM_RIGHT) * per
    assert cells[:, arm + text_score._WORDS["forward"]].all()  # a limb stays where it arrived
    centre = list(Column).index(Column.CENTRE) * per
    assert cells[4, centre + text_score._WORDS["turn left"]] == 1 and cells[4, centre:centre + per - 1].sum() == 1
    assert np.allclose(cells[:, -1], 0.0)  # 120 bpm: log2(1)


def test_save_and_load_give_the_same_embeddings_and_damaged_files_fail_in_one_line(tmp_path):
    model = TextScoreEvaluator(TextScoreConfig(width=16, dimensions=8))
    path = tmp_path / "evaluator.safetensors"
    model.save_pretrained(path, {"what": "test"})
    loaded = TextScoreEvaluator.from_pretrained(path)
    score = Score.load(Path(__file__).parents[1] / "examples" / "first_phrase.laban")
    assert np.array_equal(model.embed_scores([score]), loaded.embed_scores([score]))
    assert loaded.notes == {"what": "test"}

    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    other = tmp_path / "other.safetensors"
    from safetensors.torch import save_file
    import torch
    save_file({"w": torch.zeros(2)}, str(other), {"model": "something else"})
    for bad, words in ((damaged, "not a readable safetensors"), (other, "not a text-score evaluator"),
                       (tmp_path / "missing.safetensors", "no such")):
        with pytest.raises(CheckpointError, match=words) as error:
            TextScoreEvaluator.from_pretrained(bad)
        assert "\n" not in str(error.value) and str(bad) in str(error.value)


def _synthetic(kind: str, rng: np.random.Generator) -> Score:
    """A travelling dance (steps forward) or an arm dance (standing, arms going up and out)."""
    grid = BeatGrid.uniform(float(rng.uniform(90, 140)), 30.0)
    symbols, beats = [], int(rng.integers(16, 40))
    for b in range(beats):
        if kind == "travel":
            symbols.append(_step(float(b), (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)[b % 2], Direction.FORWARD))
        else:
            symbols.append(_step(float(b), Column.UPPER_ARM_LEFT, (Direction.PLACE, Direction.LEFT)[b % 2],
                                 (Level.HIGH, Level.MIDDLE)[b % 2]))
    return Score(grid, symbols)


def test_training_learns_to_tell_descriptions_apart():
    rng = np.random.default_rng(0)
    words = {"travel": "walking forward", "arms": "standing still, raising the arms"}
    kinds = ["travel", "arms"] * 6
    train = Pairs.of([_synthetic(k, rng) for k in kinds], [words[k] for k in kinds])
    held = Pairs.of([_synthetic(k, rng) for k in kinds[:6]], [words[k] for k in kinds[:6]])
    model, _ = text_score.train(train, steps=60, batch=8, config=TextScoreConfig(width=16, layers=1, dimensions=8),
                                log=lambda _: None)
    assert text_score.evaluate_pairs(model, held)["top1"] == 1.0
    swapped = Pairs(held.cells, 1 - held.text, held.descriptions, held.sentences)  # each dance with the other's words
    assert text_score.evaluate_pairs(model, swapped)["top1"] == 0.0


def test_the_shipped_evaluator_retrieves_held_out_descriptions_well_above_chance(trials):
    split = {name: row["split"] for name, row in read_cmu_split().items()}
    test = [t for t in trials.values() if split[t.name] == "test"]
    scores = [laban.tokenize(laban.read_bvh(t.path, frame_rate=t.fps)) for t in test]
    texts = [t.description for t in test]
    result = text_score.retrieval(scores, texts)
    assert result["pool"] == len(set(texts)) and result["n"] == len(test)
    assert result["top3"] >= 3 * result["chance3"]  # chance: 3 of 20 descriptions
    shuffled = text_score.retrieval(scores, list(np.random.default_rng(0).permutation(texts)))
    assert shuffled["top3"] < result["top3"]
