"""What the words ask, kept while sampling (motiongpt.model.steering): the turn is a budget, never overshot, never
the other way; an asked jump is pushed for until the phrase has one, and a jump past the count pushed down."""

from __future__ import annotations

import numpy as np
import torch

import laban
from laban.description import PhraseFacts
from motiongpt.model import build, tiny_config
from motiongpt.model.conditions import fact_rows
from motiongpt.model.config import FACT_NAMES
from motiongpt.model.steering import JumpAsked, TurnAsked
from motiongpt.vocabulary import Vocabulary

GRID = laban.BeatGrid.uniform(60, 8, 4)  # two bars of four 1-s beats


def asked(turn: int | None, bars: int = 2, jumps: int | None = None, steps: int | None = None) -> np.ndarray:
    return fact_rows([((1, bars), PhraseFacts(steps, None, turn, jumps, None))], GRID, bars)


def leaning(monkeypatch, biases: dict[str, float]):
    """The generate module with ``biases`` added to the logits after the grammar (a model that prefers or avoids
    some tokens: what the steering has to hold against), and a tiny untrained model."""
    import motiongpt.model.generate as generation

    vocabulary = Vocabulary()
    bias = torch.zeros(len(vocabulary))
    for token, value in biases.items():
        bias[vocabulary.ids[token]] = value

    class Leaning(generation.ScoreGrammarProcessor):
        def __call__(self, input_ids, scores):
            return super().__call__(input_ids, scores) + bias

    monkeypatch.setattr(generation, "ScoreGrammarProcessor", Leaning)
    return generation, build(tiny_config(), seed=3).eval()


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


def test_a_phrase_that_only_turns_is_pushed_to_turn_its_way_until_it_has():
    """Words that ask a turn and no step ("a slow turn", "turn around") were written standing still (the model
    rarely turns on the spot): while such a phrase owes its turn, a turning column about to say what it does has the
    turns the asked way that the budget leaves open raised; not once the turn is written, nor where the phrase
    steps or leaves its steps unsaid."""
    vocabulary = Vocabulary()
    start = ["<bos>", "<start>", "col:support-left", "place/middle", "<bar>", "pos:1", "col:support-left"]
    ids = torch.tensor([[vocabulary.ids[t] for t in start]])
    eighths = vocabulary.turn_eighths

    def raised(steering: TurnAsked, history=start) -> set[str]:
        scores = steering(torch.tensor([[vocabulary.ids[t] for t in history]]), torch.zeros(1, len(vocabulary)))
        return {vocabulary.tokens[i] for i in torch.nonzero(scores[0] > 0).flatten().tolist()}

    half = TurnAsked(vocabulary, asked(4, steps=0), FACT_NAMES, push=5.0)
    assert raised(half) == {t for t, k in eighths.items() if 0 < k <= 5}  # to the amount and an eighth more
    assert float(half(ids, torch.zeros(1, len(vocabulary)))[0, vocabulary.ids["turn:+1/2"]]) == 5.0
    turned = start + ["turn:+1/2", "dur:1", "<bar>", "pos:1", "col:support-right"]
    assert raised(half, turned) == set()  # the phrase has its half turn
    assert raised(TurnAsked(vocabulary, asked(4, steps=2), FACT_NAMES, push=5.0)) == set()  # it steps as well
    assert raised(TurnAsked(vocabulary, asked(4), FACT_NAMES, push=5.0)) == set()  # its steps unsaid
    left = TurnAsked(vocabulary, asked(-2, steps=0), FACT_NAMES, push=5.0)
    assert raised(left) == {t for t, k in eighths.items() if -3 <= k < 0}


def test_a_phrase_that_only_turns_opens_a_support_while_it_owes_its_turn():
    """The turn push acts where a support says what it does; a sample that held one support for all its 8 bars
    ("a slow turn", seeds 2 and 3) never turned. While a phrase that asks a turn and no step owes it, the support
    columns are raised where the grammar lets one begin a new symbol (``opening``); not once it has turned, nor
    where it steps, nor with no opening (as before stop 63), nor elsewhere than a column's choice."""
    vocabulary = Vocabulary()
    start = ["<bos>", "<start>", "col:support-left", "place/middle", "<bar>"]

    def raised(steering: TurnAsked, history) -> dict[str, float]:
        scores = torch.zeros(1, len(vocabulary))
        scores[0, [vocabulary.ids[t] for t in ("col:torso", "hold")]] = float("-inf")  # (a closed one stays closed)
        scores = steering(torch.tensor([[vocabulary.ids[t] for t in history]]), scores)
        return {vocabulary.tokens[i]: float(scores[0, i]) for i in torch.nonzero(scores[0] > 0).flatten().tolist()}

    whole = TurnAsked(vocabulary, asked(8, steps=0), FACT_NAMES, opening=3.0)
    assert raised(whole, start) == {"col:support-left": 3.0, "col:support-right": 3.0}
    half_way = start + ["pos:1", "col:support-left", "turn:+1/2", "dur:1", "pos:2"]
    assert raised(whole, half_way) == {"col:support-left": 3.0, "col:support-right": 3.0}  # 4 of 8 eighths
    turned = half_way + ["col:support-right", "turn:+1/2", "dur:1", "<bar>"]
    assert raised(whole, turned) == {}  # its whole turn written
    assert raised(TurnAsked(vocabulary, asked(8, steps=2), FACT_NAMES, opening=3.0), start) == {}  # it steps
    assert raised(TurnAsked(vocabulary, asked(8, steps=0), FACT_NAMES), start) == {}  # no opening
    assert raised(whole, start[:-1]) == {}  # the starting position: no bar yet


def test_a_turn_whose_way_is_not_said_is_asked_to_the_right_and_copies_are_left_alone():
    """"Steps forward, a half turn" asks the half turn the right way (the model needs a way asked; either way keeps
    the words, ``laban.words_followed``), so the budget refuses a half turn to the left; a bar written as a copy of
    an earlier one refuses nothing (its turn is its source's)."""
    vocabulary = Vocabulary()
    either = fact_rows([((1, 2), laban.facts_from_text("steps forward, a half turn"))], GRID, 2)
    start = ["<bos>", "<start>", "col:support-left", "place/middle", "<bar>", "pos:1", "col:support-left"]
    assert refused(TurnAsked(vocabulary, either, FACT_NAMES), start) == refused(TurnAsked(vocabulary, asked(4),
                                                                                          FACT_NAMES), start)
    assert "turn:-1/2" in refused(TurnAsked(vocabulary, either, FACT_NAMES), start)
    spent = start + ["turn:+1/2", "dur:1", "<bar>", "pos:1", "col:support-right"]  # bar 2 after a half turn
    assert "turn:+1/2" in refused(TurnAsked(vocabulary, either, FACT_NAMES), spent)
    assert refused(TurnAsked(vocabulary, either, FACT_NAMES, copies={1}), spent) == set()


def test_the_turn_budget_counts_a_filled_in_phrase_by_its_own_bars():
    """Filling in bar 2 (a phrase asking a half turn right) after bar 1 and before a suffix: the prefix's other
    phrase and the suffix's turns are not the middle's; its own quarter turn is."""
    vocabulary = Vocabulary()
    second = fact_rows([((2, 2), PhraseFacts(None, None, 4, None, None))], GRID, 2)
    half = TurnAsked(vocabulary, second, FACT_NAMES)
    quarter = ["pos:1", "col:support-left", "turn:+1/4", "dur:1"]
    prefix = ["<fim_prefix>", "<bos>", "<start>", "col:support-left", "place/middle", "<bar>", *quarter]
    suffix = ["<fim_suffix>", "<bar>", "pos:1", "col:support-left", "turn:-1/2", "dur:1", "<eos>"]
    middle = ["<fim_middle>", "<bar>", *quarter, "pos:2", "col:support-right"]
    no = refused(half, prefix + suffix + middle)  # 2 eighths written in bar 2: at most 3 more that way
    assert {"turn:+1/4", "turn:+3/8", "turn:-1/8"}.isdisjoint(no)
    assert {"turn:+1/2", "turn:+1", "turn:-1/4"} <= no


def test_sampled_dances_turn_no_further_than_the_words_ask(monkeypatch):
    """A model that leans to big turns both ways (checked: without the budget its phrases that ask for a half turn
    right turn 6, 30, 50 and -52 eighths, whole turns both ways) turns, under the budget, at most an eighth past the half turn and
    never back; the grammar and the other limits still hold (every sample is a valid score)."""
    from laban.description import phrase_facts

    generation, model = leaning(monkeypatch, {t: 8.0 for t in ("col:support-left", "turn:+2", "turn:-3", "turn:+1/4")})
    grid = laban.BeatGrid.uniform(60, 16, 4)
    rows = fact_rows([((1, 4), PhraseFacts(None, None, 4, None, None))], grid, 4)
    scores = generation.variations(model, grid, 4, facts=rows, seed=4)
    turned = [phrase_facts(score, (1, 4)).turn for score in scores]
    assert all(0 <= t <= 5 for t in turned) and any(t > 0 for t in turned)
    assert all(s.turn > 0 or abs(s.turn) < 0.25 for score in scores for s in score.symbols if s.turn)


def pushed(steering: JumpAsked, history: list[str]) -> dict[str, float]:
    vocabulary = Vocabulary()
    ids = torch.tensor([[vocabulary.ids[t] for t in history]])
    scores = steering(ids, torch.zeros(1, len(vocabulary)))
    return {vocabulary.tokens[i]: float(scores[0, i]) for i in torch.nonzero(scores[0]).flatten().tolist()}


def test_an_asked_jump_is_pushed_for_until_the_phrase_has_one_and_down_after():
    vocabulary = Vocabulary()
    start = ["<bos>", "<start>", "col:support-left", "place/middle", "<bar>", "pos:1"]
    one = JumpAsked(vocabulary, asked(None, jumps=1), FACT_NAMES, push=5.0)
    assert pushed(one, start) == {"col:centre": 5.0}  # choosing a column: the centre is raised, nothing else
    assert pushed(one, start + ["col:centre"]) == {"col:centre": 5.0, "flight": 5.0}
    assert pushed(one, start + ["<cont>", "col:centre"]) == {"col:centre": 5.0}  # a continued symbol: no new flight
    flown = start + ["col:centre", "flight", "dur:1", "<bar>", "pos:1", "col:centre"]
    assert pushed(one, flown) == {}  # the phrase has its jump (bar 2 is still the same phrase)
    assert pushed(JumpAsked(vocabulary, asked(None, jumps=0), FACT_NAMES), start + ["col:centre"]) == {}
    assert pushed(JumpAsked(vocabulary, asked(None), FACT_NAMES), start + ["col:centre"]) == {}  # unsaid
    # the words counted the jump ("a jump", not "jump, balance"): no more than that
    counted = JumpAsked(vocabulary, asked(None, jumps=1), FACT_NAMES, push=5.0, bound=[1, 1])
    assert pushed(counted, start) == {"col:centre": 5.0}
    assert pushed(counted, flown) == {"flight": -10.0}
    assert pushed(counted, flown[:-1]) == {"col:centre": -10.0}  # ... and the centre, where only a flight is said
    assert pushed(JumpAsked(vocabulary, asked(None, jumps=0), FACT_NAMES, bound=[0, 0]), start + ["col:centre"]) == {
        "flight": -12.0}  # words that count no jump ask for none
    # the facts' top level is "three or more", but the words' own count is a count: three flights written, the
    # fourth is pushed down (until 2026-12-07 a count at the top level bounded nothing, as StepsAsked's eight did)
    three = JumpAsked(vocabulary, asked(None, jumps=3), FACT_NAMES, push=5.0, bound=[3, 3])
    thrice = flown[:-2] + ["col:centre", "flight", "dur:1", "pos:2", "col:centre", "flight", "dur:1", "pos:3",
                           "col:centre"]
    assert pushed(three, thrice) == {"flight": -10.0}
    five = JumpAsked(vocabulary, asked(None, jumps=3), FACT_NAMES, push=5.0, bound=[5, 5])  # "five jumps"
    assert pushed(five, thrice) == {"col:centre": 5.0, "flight": 5.0, "col:support-left": 5.0,
                                    "col:support-right": 5.0}  # owed five, not the rows' three (and landed first)
    # filling in bar 2 between bar 1 (which flew) and the end: the middle's bars follow the prefix's
    filling = ["<fim_prefix>", *start[:-1], "col:centre", "flight", "dur:1", "<fim_suffix>", "<eos>",
               "<fim_middle>", "<bar>", "pos:1", "col:centre"]
    assert pushed(one, filling) == {}  # one phrase over bars 1-2: its jump is in bar 1
    assert pushed(counted, filling) == {"flight": -10.0}
    second = fact_rows([((2, 2), PhraseFacts(None, None, None, 1, None))], GRID, 2)
    # (bar 1's flight has no landing written: in the air, the feet are raised too, for the jump bar 2 owes)
    assert pushed(JumpAsked(vocabulary, second, FACT_NAMES, push=5.0), filling) == {
        "col:centre": 5.0, "flight": 5.0, "col:support-left": 5.0, "col:support-right": 5.0}
    closed = torch.full((1, len(vocabulary)), float("-inf"))
    ids = torch.tensor([[vocabulary.ids[t] for t in start + ["col:centre"]]])
    assert torch.isinf(one(ids, closed)).all()  # what the grammar closed stays closed


def test_a_jump_is_landed_while_the_phrase_owes_more():
    """A flight takes off only from the floor (``FlightLimit``): in the air after the first of three jumps, the
    feet are raised as the centre is, so that a landing is written and the next can take off (before, the model
    wrote no landing and filled the centre with turns: 1-2 jumps where three were asked)."""
    vocabulary = Vocabulary()
    start = ["<bos>", "<start>", "col:support-left", "place/middle", "<bar>", "pos:1"]
    three = JumpAsked(vocabulary, asked(None, jumps=3), FACT_NAMES, push=5.0)
    flown = start + ["col:centre", "flight", "dur:0.5", "pos:2"]
    assert pushed(three, flown) == {"col:centre": 5.0, "col:support-left": 5.0, "col:support-right": 5.0}
    landed = flown + ["col:support-right", "place/middle", "dur:0.5", "pos:3"]
    assert pushed(three, landed) == {"col:centre": 5.0}  # on the floor again: only the next jump is raised
    one = JumpAsked(vocabulary, asked(None, jumps=1), FACT_NAMES, push=5.0)
    assert pushed(one, flown) == {}  # the phrase has its jump: where it lands is the model's


def test_sampled_dances_fly_as_often_as_the_words_ask(monkeypatch):
    """A model that leans away from the support columns lands no flight by itself; asked for three jumps, every
    dance flies three times or more, through the grammar and the flight limits."""
    from laban.description import phrase_facts

    generation, model = leaning(monkeypatch, {"col:support-left": -4.0, "col:support-right": -4.0})
    grid = laban.BeatGrid.uniform(60, 16, 4)
    rows = fact_rows([((1, 4), PhraseFacts(None, None, None, 3, None))], grid, 4)
    scores = generation.variations(model, grid, 4, facts=rows, seed=4)
    assert all(sum(s.sign.value == "flight" for s in score.symbols) >= 3 for score in scores)


def test_sampled_dances_jump_no_more_than_the_words_count(monkeypatch):
    """A model that leans to the centre column flies again (checked: two of its four dances fly twice or more in
    four bars); words that count one jump get one in every dance, and words that count none, none, through the
    grammar, the flight limits and the words' turn budget (which leaves the centre a flight to say). Words that say
    a jump without its number ("jump, balance", as CMU's descriptions do) are not held to one."""
    from laban.description import phrase_facts

    generation, model = leaning(monkeypatch, {"col:centre": 5.0})
    grid = laban.BeatGrid.uniform(60, 16, 4)
    plain = generation.variations(model, grid, 4, bars=4, seed=4)
    assert sum(phrase_facts(score, (1, 4)).jumps >= 2 for score in plain) >= 2
    for words, count in (("a jump", 1), ("four steps forward", 0), ("three jumps", 3)):  # 3 3 4 4 with the facts'
        # top level ("three or more") left unbounded
        scores = generation.variations(model, grid, 4, text=words, bars=4, seed=4)
        assert all(phrase_facts(score, (1, 4)).jumps == count for score in scores), words
    loose = generation.variations(model, grid, 4, text="jump, balance", bars=4, seed=4)
    assert any(phrase_facts(score, (1, 4)).jumps >= 2 for score in loose)


def test_a_count_of_jumps_past_the_facts_top_level_is_owed_as_said():
    """The fact rows hold a jump count up to "three or more"; the words' own count (``conditions.jump_bounds``) is
    what a phrase owes. The built-in model asked "five jumps" over 4 bars at 120 bpm, owed the rows' three, wrote 2,
    3, 3 and 4 flights; owed five, 4, 3, 4 and 4 (the push raises a flight where one may take off; it forces none)."""
    from laban.description import phrase_facts
    from motiongpt.cocreate import load_model
    from motiongpt.model.conditions import jump_bounds, word_phrases
    from motiongpt.model.generate import variations

    grid = laban.BeatGrid.uniform(120, 16, 4)
    assert jump_bounds(word_phrases("five jumps", grid, 4)[1], grid, 4).tolist() == [5] * 4
    model = load_model(None, None).model
    flights = [phrase_facts(score, (1, 4)).jumps
               for score in variations(model, grid, 4, text="five jumps", bars=4, seed=0, guidance=3.0, top_p=0.9)]
    assert min(flights) >= 3 and sum(n >= 4 for n in flights) >= 3 and max(flights) <= 5, flights


def test_a_phrase_that_has_its_steps_steps_no_further():
    """Counted as the words' check counts them: a direction that moves the weight is a step, and so is place on the
    foot that does not carry it; place on the foot that does (a rise), a hold and a landing are not; two feet said
    at one position are one step. Once the phrase has its two, what would be a third is pushed down."""
    from motiongpt.model.steering import StepsAsked

    vocabulary = Vocabulary()
    two = StepsAsked(vocabulary, asked(None, steps=2), FACT_NAMES, push=5.0)
    start = ["<bos>", "<start>", "col:support-left", "place/middle", "<bar>"]
    ways = [t for t in vocabulary.tokens if t.partition("/")[2] in ("high", "middle", "low")]  # not "turn:+7/8"
    moves = {t: -5.0 for t in ways if not t.startswith("place/")}
    in_place = {t: -5.0 for t in ways if t.startswith("place/")}
    one = start + ["pos:1", "col:support-right", "forward/middle", "dur:1"]
    assert pushed(two, one + ["pos:2", "col:support-left"]) == {}  # one step so far
    rise = one + ["pos:2", "col:support-right", "place/high", "dur:1"]  # on the foot that carries: not a step
    assert pushed(two, rise + ["pos:3", "col:support-left"]) == {}
    both = one + ["pos:2", "col:support-left", "place/middle", "col:support-right", "place/middle", "dur:1"]
    assert pushed(two, both[:-3]) == {}  # the second foot of a step onto both is the same step
    assert pushed(two, both + ["pos:3", "col:support-right"]) == moves  # both carry: a place is a rise
    hopped = one + ["pos:2", "col:centre", "flight", "dur:0.5", "pos:2.5", "col:support-left"]
    assert pushed(two, hopped) == {}  # a landing is the jump's
    landed = hopped + ["left/middle", "dur:0.5", "pos:3", "col:support-left"]
    assert pushed(two, landed) == {}  # still one step: a place on the left would be a rise, another move the second
    stepped = one + ["pos:2", "col:support-left", "forward/middle", "dur:1"]
    assert pushed(two, stepped + ["pos:3", "col:support-right"]) == {**moves, **in_place}  # right carries no weight
    assert pushed(two, stepped + ["pos:3", "col:support-left"]) == moves  # a rise on the left is still free
    assert pushed(two, stepped + ["pos:3", "<cont>", "col:support-left"]) == {}  # a continuation says nothing new
    unsaid = StepsAsked(vocabulary, asked(None), FACT_NAMES, push=5.0)
    assert pushed(unsaid, stepped + ["pos:3", "col:support-right"]) == {}
    eight = StepsAsked(vocabulary, asked(None, steps=8), FACT_NAMES, push=5.0)  # the facts' top: eight or more
    walked = start + [t for k in range(8) for t in (f"pos:{1 + k / 2:g}", f"col:support-{('right', 'left')[k % 2]}",
                                                    "forward/middle", "dur:0.5")]
    assert pushed(two, walked + ["<bar>", "pos:1", "col:support-right"]) == {**moves, **in_place}
    assert pushed(eight, walked + ["<bar>", "pos:1", "col:support-right"]) == {}


def test_sampled_dances_step_no_more_than_the_words_count(monkeypatch):
    """A model that leans towards stepping (every support a step forward) writes many more than two; asked for two
    steps, none writes more."""
    from laban.description import phrase_facts

    generation, model = leaning(monkeypatch, {"col:support-left": 5.0, "col:support-right": 5.0,
                                              "forward/middle": 6.0})
    grid = laban.BeatGrid.uniform(60, 16, 4)
    plain = generation.variations(model, grid, 4, bars=4, seed=4)
    assert all(phrase_facts(score, (1, 4)).steps > 4 for score in plain)
    rows = fact_rows([((1, 4), PhraseFacts(2, None, None, None, None))], grid, 4)
    scores = generation.variations(model, grid, 4, facts=rows, seed=4)
    assert all(phrase_facts(score, (1, 4)).steps <= 2 for score in scores)


def test_a_count_of_steps_said_in_words_bounds_past_the_facts_top_level():
    """The fact rows hold a step count up to "eight or more", which bounds nothing; the words' own count does
    (``conditions.step_bounds``). The built-in model asked "eight steps forward" over 4 bars at 120 bpm wrote 19,
    19 and 13 steps when the bound was read from the rows; held to the words' eight, it writes eight, within the one
    step the words' check allows (the bound is a push, not a refusal)."""
    from laban.description import phrase_facts
    from motiongpt.cocreate import load_model
    from motiongpt.model.conditions import step_bounds, word_phrases
    from motiongpt.model.generate import variations
    from motiongpt.model.steering import StepsAsked

    grid = laban.BeatGrid.uniform(120, 16, 4)
    assert step_bounds(word_phrases("eight steps forward", grid, 4)[1], grid, 4).tolist() == [8] * 4
    assert step_bounds(word_phrases("walk forward", grid, 4)[1], grid, 4).tolist() == [-1] * 4
    vocabulary = Vocabulary()
    walked = ["<bos>", "<start>", "col:support-left", "place/middle", "<bar>"] + [
        t for k in range(8) for t in (f"pos:{1 + k / 2:g}", f"col:support-{('right', 'left')[k % 2]}",
                                      "forward/middle", "dur:0.5")] + ["<bar>", "pos:1", "col:support-right"]
    eight = StepsAsked(vocabulary, asked(None, steps=8), FACT_NAMES, push=5.0, bound=[8, 8])
    assert set(pushed(eight, walked).values()) == {-5.0}  # the ninth step is pushed down
    assert pushed(StepsAsked(vocabulary, asked(None, steps=8), FACT_NAMES, push=5.0, bound=[-1, -1]), walked) == {}

    model = load_model(None, None).model
    scores = variations(model, grid, 3, text="eight steps forward", bars=4, seed=0, guidance=3.0, top_p=0.9)
    assert all(abs(phrase_facts(score, (1, 4)).steps - 8) <= 1 for score in scores)


def test_a_turn_said_past_one_whole_turn_is_asked_whole_up_to_what_its_bars_hold():
    """The fact rows hold at most one whole turn either way (``conditions.HELD_TURN``, the model's trained levels),
    and the budget read from them kept "two pirouettes" within an eighth of one whole turn; the words' own amount
    is the budget now (``conditions.turn_bounds``), up to what the phrase's bars hold at the fastest captured turn
    ("32 fouettés" over 4 bars at 120 bpm: 29.5 turns), while the rows given to the model stay capped. A lineage
    that read words as at stop 62 is read with the rows' turn, as it was made. The built-in model asked "two
    pirouettes" (``cocreate.generate``, 4 bars at 120 bpm, seed 1) turned 0 eighths under the old budget; now it
    writes the two turns asked, and "a half turn" (within one whole turn) comes out to the byte as before."""
    from laban.description import phrase_facts
    from laban.description.text import WORDS_READ_62, words_read_before
    from motiongpt.cocreate import generate, load_model
    from motiongpt.model.conditions import UNSAID, turn_bounds, word_phrases

    grid = laban.BeatGrid.uniform(120, 16, 4)

    def bounds(words: str):
        return turn_bounds(word_phrases(words, grid, 4)[1], grid, 4)

    assert bounds("two pirouettes").tolist() == [16] * 4 and bounds("a double turn to the left").tolist() == [-16] * 4
    assert bounds("32 fouettés").tolist() == [236] * 4  # 3.7 turns a second for 8 s, in whole eighths
    assert bounds("a half turn").tolist() == [4] * 4 and (bounds("salsa dance") == UNSAID).all()
    assert fact_rows(word_phrases("two pirouettes", grid, 4)[1], grid, 4)[0, FACT_NAMES.index("turn")] == 16  # +8
    with words_read_before(WORDS_READ_62):
        assert bounds("two pirouettes") is None
    vocabulary = Vocabulary()
    once = ["<bos>", "<start>", "col:support-left", "place/middle", "<bar>", "pos:1", "col:support-left", "turn:+1",
            "dur:1", "pos:2", "col:support-right"]  # one whole turn written
    assert "turn:+1" in refused(TurnAsked(vocabulary, asked(16), FACT_NAMES), once)  # the rows' one turn: spent
    twice = refused(TurnAsked(vocabulary, asked(16), FACT_NAMES, bound=[16, 16]), once)
    assert {"turn:+1", "turn:+1+1/8"}.isdisjoint(twice) and {"turn:+1+1/4", "turn:-1/4"} <= twice

    loaded = load_model()
    two = generate(loaded, text="two pirouettes", bars=4, bpm=120, seed=1)[0]
    assert abs(phrase_facts(two.score).turn - 16) <= 1  # as the words' check counts it: within an eighth
    half = generate(loaded, text="a half turn", bars=4, bpm=120, seed=1)[0]
    with words_read_before(WORDS_READ_62):
        assert generate(loaded, text="a half turn", bars=4, bpm=120, seed=1)[0].score == half.score


def test_an_asked_jump_waits_for_a_take_off_and_keeps_the_supports_short_until_then():
    """Given the flight limit (and through it the grammar): standing in the dance's first beat, where no flight
    may take off, the centre is not raised (raised, it took a turn instead); a support written while the jump is
    owed is pushed to stand no longer than ``LONGEST_WAIT`` beats (held through the phrase, it left the jump no
    room); after the first beat the centre is raised as before."""
    from motiongpt.grammar import ScoreGrammarProcessor
    from motiongpt.model.steering import LONGEST_WAIT
    from motiongpt.plausibility import FlightLimit

    vocabulary = Vocabulary()
    grammar = ScoreGrammarProcessor(vocabulary, bars=2)
    limit = FlightLimit(vocabulary, GRID, grammar=grammar)
    steering = JumpAsked(vocabulary, asked(None, jumps=1), FACT_NAMES, push=5.0, limit=limit)

    def raised(history: list[str]) -> dict[str, float]:
        ids = torch.tensor([[vocabulary.ids[t] for t in history]])
        scores = limit(ids, grammar(ids, torch.zeros(1, len(vocabulary))))
        change = steering(ids, scores) - scores
        return {vocabulary.tokens[i]: float(change[0, i]) for i in torch.nonzero(change[0].nan_to_num()).flatten()}

    start = ["<bos>", "<start>", "col:support-left", "place/middle", "<bar>"]
    assert raised(start + ["pos:1"]) == {}
    longer = {t: -5.0 for t in vocabulary.tokens if t.startswith("dur:") and LONGEST_WAIT < float(t[4:]) <= 4}
    assert longer and raised(start + ["pos:1", "col:support-left", "hold"]) == longer
    assert raised(start + ["pos:2"]) == {"col:centre": 5.0}
    flown = start + ["pos:2", "col:centre", "flight", "dur:0.5", "pos:3", "col:support-left", "hold"]
    assert raised(flown) == {}  # the phrase has its jump: its supports stand as long as the model writes them


def test_sampled_dances_jump_where_the_words_ask_though_the_model_would_not(monkeypatch):
    """A model that leans away from the centre column (checked: without the push none of its four dances has a
    flight) writes the jump its words ask for in every dance, through the grammar and the flight limits (every
    sample is a valid score, its flights no longer than a real one)."""
    from laban.description import phrase_facts

    generation, model = leaning(monkeypatch, {"col:centre": -3.0})
    grid = laban.BeatGrid.uniform(60, 16, 4)
    plain = generation.variations(model, grid, 4, bars=4, seed=4)
    assert all(phrase_facts(score, (1, 4)).jumps == 0 for score in plain)
    rows = fact_rows([((1, 4), PhraseFacts(None, None, None, 1, None))], grid, 4)
    scores = generation.variations(model, grid, 4, facts=rows, seed=4)
    assert all(phrase_facts(score, (1, 4)).jumps >= 1 for score in scores)


def test_a_phrase_owes_its_turn_until_it_has_turned_it():
    """``TurnAsked.owing``: a phrase asking a half turn owes it before any turn and after a quarter, not once it has
    turned three eighths or more that way; turns the other way do not pay it; a phrase that asks none owes none."""
    steering = TurnAsked(Vocabulary(), asked(4), FACT_NAMES)
    start = ["<bos>", "<start>", "<bar>", "<bar>", "pos:1", "col:support-left"]

    def owes(history: list[str]) -> bool:
        vocabulary = Vocabulary()
        return bool(steering.owing(torch.tensor([[vocabulary.ids[t] for t in start + history]]))[0])

    assert owes([]) and owes(["turn:+1/4", "dur:1", "pos:2", "col:support-right"])
    assert owes(["turn:-1/2", "dur:1", "pos:2", "col:support-right"])
    assert not owes(["turn:+3/8", "dur:1", "pos:2", "col:support-right"])
    assert not TurnAsked(Vocabulary(), asked(None), FACT_NAMES).owing(
        torch.tensor([[Vocabulary().ids[t] for t in start]]))[0]
    # ``turning``: where a turn may still be written as the words ask: owed, or unsaid; not where none is asked
    ids = torch.tensor([[Vocabulary().ids[t] for t in start]])
    assert steering.turning(ids)[0] and TurnAsked(Vocabulary(), asked(None), FACT_NAMES).turning(ids)[0]
    assert not TurnAsked(Vocabulary(), asked(0), FACT_NAMES).turning(ids)[0]


def bars_of(input_ids: torch.LongTensor, bar: int, suffix: int, middle: int) -> torch.Tensor:
    """The bar each position stands in, read whole (-1: before the first, or in a filled-in score's suffix): in
    ``<fim_prefix> P <fim_suffix> S <fim_middle> M`` the middle's bars follow P's."""
    is_bar = input_ids == bar
    segment = (input_ids == suffix).long().cumsum(1) + (input_ids == middle).long().cumsum(1)
    before = (is_bar & (segment == 0)).sum(1, keepdim=True)
    counted = torch.where(segment == 2, before + (is_bar & (segment == 2)).long().cumsum(1),
                          (is_bar & (segment == 0)).long().cumsum(1))
    return torch.where(segment == 1, -1, counted - 1)


def test_what_a_phrase_owes_is_read_as_the_rows_grow_as_it_would_be_read_whole():
    """``owing`` reads only the tokens a step adds; on random rows grown a few tokens at a time (bars, turns said
    by turning columns or continued, fill-in-the-middle segments), it says what reading each row whole says."""
    from motiongpt.model.steering import UNSAID

    vocabulary = Vocabulary()
    ids = vocabulary.ids
    steering = TurnAsked(vocabulary, fact_rows([((1, 3), PhraseFacts(None, None, 4, None, None)),
                                                ((4, 6), PhraseFacts(None, None, -2, None, None))],
                                               laban.BeatGrid.uniform(60, 24, 4), 6), FACT_NAMES)

    def whole(rows: torch.Tensor) -> np.ndarray:
        bar_of = bars_of(rows, steering.bar, steering.suffix, steering.middle)
        bar = bar_of[:, -1].clamp(0, len(steering.asked) - 1)
        asked = steering.asked[bar]
        said = torch.zeros_like(rows, dtype=torch.bool)
        said[:, 1:] = torch.isin(rows[:, :-1], steering.turning_columns)
        said[:, 2:] &= rows[:, :-2] != steering.cont
        turned = steering.eighths[rows] * (said & (bar_of >= steering.starts[bar][:, None]) & (bar_of >= 0))
        way = torch.where(asked > 0, turned.clamp(min=0).sum(1), (-turned).clamp(min=0).sum(1))
        return ((asked != UNSAID) & (asked != 0) & (bar_of[:, -1] >= 0) & (way < asked.abs() - 1)).numpy()

    pool = [ids[t] for t in ("<bar>", "<bar>", "<cont>", "col:support-left", "col:centre", "col:upper-arm-left",
                             "turn:+1/4", "turn:+1/8", "turn:-1/4", "pos:2", "dur:1")]
    rng = np.random.default_rng(0)
    for trial in range(6):
        head = [ids["<fim_prefix>"], ids["<bar>"], ids["<bar>"], ids["<fim_suffix>"], ids["<bar>"],
                ids["<fim_middle>"]] if trial % 2 else [ids["<bos>"], ids["<start>"]]
        rows = torch.tensor([head + list(rng.choice(pool, 120)) for _ in range(3)])
        length, seen = len(head), []
        while length < rows.shape[1]:
            length = min(rows.shape[1], length + int(rng.integers(1, 6)))
            assert np.array_equal(steering.owing(rows[:, :length]), whole(rows[:, :length]))
            seen.append(steering.owing(rows[:, :length]).tolist())  # the same question asked again
        assert any(any(s) for s in seen) and not all(all(s) for s in seen)


def test_jumps_owed_and_bounded_are_read_as_the_rows_grow_as_they_would_be_read_whole():
    """``JumpAsked`` reads only the tokens a step adds (flights a bar, in the air or not); on random rows grown a
    few tokens at a time (bars, flights, supports, continued symbols, fill-in-the-middle segments), its pushes are
    what reading each row whole gives: the flights of the last token's phrase against what its words ask and
    count, and the body in the air (``plausibility.airborne``)."""
    from motiongpt.plausibility import airborne

    vocabulary = Vocabulary()
    ids = vocabulary.ids
    facts = fact_rows([((1, 2), PhraseFacts(None, None, None, 2, None)),
                       ((3, 4), PhraseFacts(None, None, None, 1, None))], laban.BeatGrid.uniform(60, 16, 4), 4)
    steering = JumpAsked(vocabulary, facts, FACT_NAMES, push=5.0, bound=[2, 2, 1, 1])
    feet = torch.tensor(steering.feet)
    starts = torch.tensor(steering.starts)

    def whole(rows: torch.Tensor) -> torch.Tensor:
        bar_of = bars_of(rows, steering.bar, steering.suffix, steering.middle)
        bar = bar_of[:, -1]
        at = bar.clamp(0, len(starts) - 1)
        written = ((rows == steering.flight) & (bar_of >= starts[at][:, None])).sum(1)
        owing = (bar >= 0) & (steering.asked[at] > written)
        done = (bar >= 0) & (steering.bound[at] >= 0) & (written >= steering.bound[at])
        opened = (rows[:, -1] == steering.centre) & (rows[:, -2] != steering.cont)
        push = torch.zeros(len(rows), len(vocabulary))
        push[:, steering.centre] = torch.where(done & ~opened, -10.0, 0.0) + torch.where(owing, 5.0, 0.0)
        push[:, steering.flight] = torch.where(done & opened, -10.0, 0.0) + torch.where(owing & opened, 5.0, 0.0)
        push[:, steering.feet] = torch.where(owing & airborne(rows, steering.flight, feet), 5.0, 0.0)[:, None]
        return push

    pool = [ids[t] for t in ("<bar>", "<cont>", "col:support-left", "col:support-right", "col:centre", "flight",
                             "flight", "place/middle", "pos:2", "dur:1")]
    rng = np.random.default_rng(1)
    pushes = set()
    for trial in range(6):
        head = [ids["<fim_prefix>"], ids["<bar>"], ids["<fim_suffix>"], ids["<bar>"],
                ids["<fim_middle>"]] if trial % 2 else [ids["<bos>"], ids["<start>"]]
        rows = torch.tensor([head + list(rng.choice(pool, 80)) for _ in range(3)])
        length = len(head)
        while length < rows.shape[1]:
            length = min(rows.shape[1], length + int(rng.integers(1, 5)))
            grown = steering(rows[:, :length], torch.zeros(3, len(vocabulary)))
            assert torch.equal(grown, whole(rows[:, :length]))
            pushes.update(grown.unique().tolist())
    assert {-10.0, 5.0} <= pushes  # bounded and owed rows both met


def test_a_slow_or_lively_phrase_is_danced_sparser_and_slower_or_busier():
    """"a slow solo" was danced as busily as the same words without "slow" (its pace was no fact: the README's first
    command on the rag's 8 bars, seeds 0-3, wrote 9.0 symbols a bar against 8.6 without the word). At stop 62 a
    phrase's pace moved its energy control into that half of the levels (``conditions.paced``, kept for the dances
    made so: on music halved into it, without music at its end); since stop 63 it is written in the symbols' lengths
    (``steering.PaceAsked``). The built-in model, as the command line writes a dance (best of 4), writes a slow phrase
    sparser and slower than the plain words, and a lively one busier and faster."""
    from laban import decode
    from motiongpt.cocreate import generate, load_model
    from motiongpt.conditioning.controls import controls_from_music
    from motiongpt.conditioning.music import music_features, resolve_music
    from motiongpt.model.conditions import control_rows, paced, word_phrases

    features = music_features(resolve_music("corpus:joplin/maple_leaf_rag"))
    loaded = load_model(None, None)
    grid, model = features.grid, loaded.model
    names = model.config.control_names
    music = control_rows(controls_from_music(features), grid, 8, names)
    energy = names.index("energy")
    for words, levels in (("a slow solo", music[:, energy] // 2), ("a lively solo", 2 + music[:, energy] // 2),
                          ("a solo", music[:, energy])):
        assert paced(music, word_phrases(words, grid, 8)[1], grid, 8, names)[:, energy].tolist() == levels.tolist()
    # without music: the half's end, nothing else (bar 0 is the rag's upbeat)
    alone = paced(None, word_phrases([((0, 3), "slowly"), ((4, 7), "fast")], grid, 8)[1], grid, 8, names)
    assert alone[:, energy].tolist() == [0] * 4 + [3] * 4 and (np.delete(alone, energy, axis=1) == -1).all()

    def danced(words):  # symbols a bar and the decoded joints' mean speed (m/s), seeds 0-3 as the CLI writes them
        dances = [generate(loaded, text=f"{words}: steps forward, a half turn, arms rising high",
                           music="corpus:joplin/maple_leaf_rag", bars=8, seed=seed)[0] for seed in range(4)]
        speeds = []
        for dance in dances:
            joints = decode(dance.score).trajectories()
            speeds.append(np.linalg.norm(np.gradient(joints.positions, axis=0) * joints.fps, axis=-1).mean())
        return np.mean([len(d.score.symbols) / 8 for d in dances]), np.mean(speeds)

    slow, plain, lively = danced("a slow solo"), danced("a solo"), danced("a lively solo")
    # 6.8, 8.8 and 10.4 symbols a bar, 0.48, 0.57 and 0.72 m/s (by the energy at stop 62: 7.8, 8.8, 11.0 and 0.41,
    # 0.57, 0.62; before: "slow" read as no fact, 9.0 and 0.53)
    assert slow[0] < plain[0] < lively[0] and lively[0] - slow[0] > 2, (slow, plain, lively)
    assert slow[1] < plain[1] < lively[1], (slow, plain, lively)


def test_a_slow_or_lively_phrase_is_written_in_longer_or_shorter_symbols(monkeypatch):
    """The pace a phrase's words say tilts the lengths of the symbols it writes (``steering.PaceAsked``): a slow
    phrase's new symbols get a nat more for each doubling of their length (and for going on over the bar line), a
    lively one's a nat less, and nothing is refused. Against a model that likes short symbols (tiny, untrained,
    leaning to half beats), a slow phrase writes longer symbols than the same words without the pace, and starts
    fewer a second; a lively one shorter."""
    from motiongpt.grammar import P_DUR, ScoreGrammarProcessor
    from motiongpt.model.steering import PaceAsked

    generation, model = leaning(monkeypatch, {"dur:0.5": 1.5, "dur:0.25": 1.0})
    grid = laban.BeatGrid.uniform(120, 24, 4)  # six bars of four beats

    def written(words):  # bars 2-5 say ``words``, 1 and 6 nothing: symbols a second there and how they read
        scores = generation.variations(model, grid, 6, text=[((1, 1), "a dance"), ((2, 5), words), ((6, 6), "a dance")],
                            bars=6, seed=0)
        inside = [[s.duration for s in score.symbols if 4 <= s.start < 20] for score in scores]  # bars 2-5, 8 s
        return np.mean([len(lengths) / 8 for lengths in inside]), np.mean(np.concatenate(inside))

    slow, plain, lively = written("a slow dance"), written("a dance"), written("a lively dance")
    # 1.43, 0.97 and 0.85 beats a symbol; 3.7, 4.3 and 4.5 symbols a second
    assert slow[1] > plain[1] > lively[1] and slow[0] < min(plain[0], lively[0]), (slow, plain, lively)

    # the processor alone: where the grammar waits for a new symbol's length, only the lengths move, by the
    # doublings of their length in beats (a two-beat symbol a nat more when slow, a half-beat one a nat less)
    v = Vocabulary()
    score = laban.Score(GRID, [laban.Symbol(0.0, laban.Column.SUPPORT_LEFT, 2.0, laban.Sign.DIRECTION,
                                            laban.Direction.FORWARD, laban.Level.MIDDLE)])
    ids = v.encode(score)
    ids = torch.tensor([ids[:ids.index(v.ids["forward/middle"]) + 1]] * 3)  # three rows about to time the step
    grammar = ScoreGrammarProcessor(v, bars=2, beats_per_bar=4, upbeat=0.0)
    open_ = grammar(ids, torch.zeros(3, len(v)))
    assert (grammar.state.phase == P_DUR).all()
    paced = [PaceAsked(grammar, np.array([pace, pace]))(ids, open_) for pace in (-1, 0, 1)]
    moved = [(scores - open_).nan_to_num(0.0) for scores in paced]
    two, half = v.duration0 + 2 * v.subdivision - 1, v.duration0 + v.subdivision // 2 - 1
    assert moved[0][0, two].item() == 1.0 and moved[0][0, half].item() == -1.0 and moved[2][0, two].item() == -1.0
    assert not moved[1].any() and (moved[0] != 0).sum() <= v.max_positions * 3  # only the lengths
    assert all(torch.equal(torch.isinf(scores), torch.isinf(open_)) for scores in paced)  # nothing refused
    # a turn sign keeps the length the model gives it (tilted, "a slow turn" was a 1/8 turn held 12 beats)
    turning = torch.tensor([[*ids[0, :-1].tolist(), v.ids["turn:+1/2"]]])
    grammar = ScoreGrammarProcessor(v, bars=2, beats_per_bar=4, upbeat=0.0)
    open_ = grammar(turning, torch.zeros(1, len(v)))
    assert (grammar.state.phase == P_DUR).all()
    assert torch.equal(PaceAsked(grammar, np.array([-1, -1]))(turning, open_), open_)
