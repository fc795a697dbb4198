"""The words' turn is a budget while sampling (motiongpt.model.steering): never overshot, never the other way."""

from __future__ import annotations

import numpy as np
import torch

import laban
from laban.description import PhraseFacts
from motiongpt.model import build, tiny_config
from motiongpt.model.conditions import fact_rows
from motiongpt.model.config import FACT_NAMES
from motiongpt.model.steering import TurnAsked
from motiongpt.vocabulary import Vocabulary

GRID = laban.BeatGrid.uniform(60, 8, 4)  # two bars of four 1-s beats


def asked(turn: int | None, bars: int = 2) -> np.ndarray:
    return fact_rows([((1, bars), PhraseFacts(None, None, turn, None, None))], GRID, bars)


def refused(steering: TurnAsked, history: list[str]) -> set[str]:
    vocabulary = Vocabulary()
    ids = torch.tensor([[vocabulary.ids[t] for t in history]])
    scores = steering(ids, torch.zeros(1, len(vocabulary)))
    return {vocabulary.tokens[i] for i in torch.nonzero(scores[0] == float("-inf")).flatten().tolist()}


def test_a_half_turn_asked_refuses_the_other_way_and_past_the_amount():
    vocabulary = Vocabulary()
    half = TurnAsked(vocabulary, asked(4), FACT_NAMES)  # half a turn to the right: 4 eighths
    start = ["<bos>", "<start>", "col:support-left", "place/middle", "<bar>"]
    quarter = ["pos:1", "col:support-left", "turn:+1/4", "dur:1"]
    no = refused(half, start + quarter + ["<bar>", "pos:1", "col:support-right"])  # 2 eighths written, bar 2
    assert {"turn:+1/4", "turn:+3/8", "turn:-1/8"}.isdisjoint(no)  # to 4 or 5 eighths; an eighth back is no turn
    assert {"turn:+1/2", "turn:+1", "turn:-1/4", "turn:-1/2"} <= no
    assert "forward/middle" not in no and "hold" not in no  # only turns are refused
    assert refused(half, start + quarter + ["pos:2", "col:torso"]) == set()  # a column that does not turn
    assert refused(TurnAsked(vocabulary, asked(None), FACT_NAMES), start + ["pos:1", "col:centre"]) == set()
    still = refused(TurnAsked(vocabulary, asked(0), FACT_NAMES), start + ["pos:1", "col:centre"])
    assert "turn:+1/4" in still and "turn:-1/8" not in still  # no turn asked: none that counts


def test_sampled_dances_turn_no_further_than_the_words_ask(monkeypatch):
    """A model that leans to big turns both ways (checked: without the budget its phrases that ask for a half turn
    right turn 6, 30, 50 and -52 eighths, whole turns both ways) turns, under the budget, at most an eighth past the half turn and
    never back; the grammar and the other limits still hold (every sample is a valid score)."""
    import motiongpt.model.generate as generation
    from laban.description import phrase_facts

    vocabulary = Vocabulary()
    leaning = torch.zeros(len(vocabulary))
    leaning[[vocabulary.ids[t] for t in ("col:support-left", "turn:+2", "turn:-3", "turn:+1/4")]] = 8.0

    class Leaning(generation.ScoreGrammarProcessor):
        def __call__(self, input_ids, scores):
            return super().__call__(input_ids, scores) + leaning

    monkeypatch.setattr(generation, "ScoreGrammarProcessor", Leaning)
    model = build(tiny_config(), seed=3).eval()
    grid = laban.BeatGrid.uniform(60, 16, 4)
    rows = fact_rows([((1, 4), PhraseFacts(None, None, 4, None, None))], grid, 4)
    scores = generation.variations(model, grid, 4, facts=rows, seed=4)
    turned = [phrase_facts(score, (1, 4)).turn for score in scores]
    assert all(0 <= t <= 5 for t in turned) and any(t > 0 for t in turned)
    assert all(s.turn > 0 or abs(s.turn) < 0.25 for score in scores for s in score.symbols if s.turn)
