"""Sampling asks only for flights a body can make (motiongpt.plausibility)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch

import laban
from laban import BodyPart as B
from laban.score import Column, Direction, Level, Sign, Symbol
from motiongpt.model import build, tiny_config
from motiongpt.model.generate import variations
from motiongpt.plausibility import (FASTEST_TURN, GAP_PENALTY, LONGEST_BEND, LONGEST_FLIGHT, LONGEST_LEAN,
                                    FlightLimit, SupportsContinued, TurnLimit, mended, pivots_freed, steps_together,
                                    torso_raised, weight_kept, weight_transferred)
from motiongpt.vocabulary import Vocabulary


def test_a_flight_may_not_last_longer_than_a_jump_nor_be_tied_on():
    vocabulary = Vocabulary()
    limit = FlightLimit(vocabulary, laban.BeatGrid.uniform(120, 8, 4))  # 0.5 s a beat: at most 1.25 beats
    flight, step = vocabulary.ids["flight"], vocabulary.ids["forward/middle"]
    asked = torch.tensor([[vocabulary.bos_id, flight], [vocabulary.bos_id, step]])
    scores = limit(asked, torch.zeros(2, len(vocabulary)))
    refused = [vocabulary.tokens[i] for i in torch.nonzero(scores[0] == float("-inf")).flatten().tolist()]
    assert "dur:1.25" not in refused and "dur:1.5" in refused and "dur:4" in refused
    assert not (scores[1] == float("-inf")).any()  # a step may last as long as the bar allows
    timed = limit(torch.tensor([[flight, vocabulary.duration0 + 2]]), torch.zeros(1, len(vocabulary)))
    assert timed[0, vocabulary.tie_id] == float("-inf") and (timed[0] == float("-inf")).sum() == 1


def test_no_flight_takes_off_before_the_last_one_has_landed():
    vocabulary = Vocabulary()
    limit = FlightLimit(vocabulary, laban.BeatGrid.uniform(120, 8, 4))
    ids = vocabulary.ids
    step = [ids["col:support-left"], ids["forward/middle"], vocabulary.duration0 + 1]
    hop = [ids["col:centre"], ids["flight"], vocabulary.duration0 + 1]
    for history, allowed in (([*step, *hop], False), ([*hop, *step], True), (step, True)):
        asked = torch.tensor([[vocabulary.bos_id, *history, ids["col:centre"]]])
        scores = limit(asked, torch.zeros(1, len(vocabulary)))
        assert bool(scores[0, ids["flight"]] == 0.0) is allowed
        assert scores[0, ids["turn:+1/4"]] == 0.0  # a turn on both feet is still free to come


def leaning_logits(tokens, durations: tuple[float, float]) -> torch.Tensor:
    """(V,) logits added to a model's: 8 nats on ``tokens``, a ramp along the durations (shortest to longest)."""
    vocabulary = Vocabulary()
    leaning = torch.zeros(len(vocabulary))
    leaning[[vocabulary.ids[t] for t in tokens]] = 8.0
    leaning[vocabulary.duration0:vocabulary.duration0 + vocabulary.max_positions] = torch.linspace(*durations, 32)
    return leaning


def leaning_model(monkeypatch, tokens: list[str], durations: tuple[float, float]):
    """A tiny model whose logits, after the grammar, lean towards ``tokens`` and along a ramp of durations (from
    the shortest to the longest): what a model that asks for too much would write."""
    import motiongpt.model.generate as generation

    leaning = leaning_logits(tokens, durations)

    class Leaning(generation.ScoreGrammarProcessor):
        def __call__(self, input_ids, scores):
            return super().__call__(input_ids, scores) + leaning

    monkeypatch.setattr(generation, "ScoreGrammarProcessor", Leaning)
    return build(tiny_config(), seed=3).eval()


def test_sampled_dances_keep_their_flights_short(monkeypatch):
    """A model that leans to flights, long ones, writes them as long as the grammar allows (checked: without the
    limit the longest lasts 4 s); under the limit none lasts longer than a real jump at the dance's slow tempo."""
    model = leaning_model(monkeypatch, ["col:centre", "flight"], (0, 6))
    grid = laban.BeatGrid.uniform(60, 16, 4)  # 1 s a beat: beats are seconds
    flights = [s.duration for score in variations(model, grid, 4, seed=4)
               for s in score.symbols if s.sign is Sign.FLIGHT]
    assert len(flights) >= 4 and max(flights) <= LONGEST_FLIGHT


def test_sampled_flights_land_before_the_next_takes_off_while_the_centre_turns(monkeypatch):
    """A model that leans to the centre, to flights and to long turns there: with a turn sounding in the centre,
    the centre column could once be opened in the air with only a flight left to write after it, and the limit
    let that flight through rather than leave nothing (checked: flights followed one another with no support
    between them). Now every flight after the first lands on a support first, as in every shared score."""
    model = leaning_model(monkeypatch, ["col:centre", "flight", "turn:+1/4"], (0, 6))
    grid = laban.BeatGrid.uniform(120, 16, 4)
    flights = 0
    for score in variations(model, grid, 4, seed=4):
        takeoffs = sorted(s.start for s in score.symbols if s.sign is Sign.FLIGHT)
        supports = [s.start for s in score.symbols if s.column in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]
        flights += len(takeoffs)
        for before, after in zip(takeoffs, takeoffs[1:]):
            assert any(before < t <= after for t in supports), (before, after)
    assert flights >= 8


def test_no_jump_takes_off_from_standing_in_the_dances_first_beat():
    """With the grammar it runs after, the limit refuses a flight in the dance's first beat while the dancer still
    stands as the dance began (no support written since the starting position): a take-off needs the beat before
    it. After that beat, or after a support, a flight may come; without the grammar, as before."""
    from motiongpt.grammar import ScoreGrammarProcessor

    vocabulary = Vocabulary()
    grid = laban.BeatGrid.uniform(120, 9, 4)
    start = ["<bos>", "<start>", "col:support-left", "place/middle", "col:support-right", "place/middle", "<bar>"]

    def flight_open(history: list[str], with_grammar: bool = True) -> bool:
        grammar = ScoreGrammarProcessor(vocabulary, bars=2)
        limit = FlightLimit(vocabulary, grid, grammar=grammar if with_grammar else None)
        ids = torch.tensor([[vocabulary.ids[t] for t in start + history]])
        scores = limit(ids, grammar(ids, torch.zeros(1, len(vocabulary))))
        return bool(torch.isfinite(scores[0, vocabulary.ids["flight"]]))

    assert not flight_open(["pos:1", "col:centre"]) and not flight_open(["pos:1.75", "col:centre"])
    assert flight_open(["pos:2", "col:centre"])
    assert flight_open(["pos:1", "col:support-left", "hold", "dur:0.5", "pos:1.5", "col:centre"])
    assert flight_open(["pos:1", "col:centre"], with_grammar=False)


def test_a_turn_takes_at_least_the_time_the_fastest_real_turn_would():
    vocabulary = Vocabulary()
    limit = TurnLimit(vocabulary, laban.BeatGrid.uniform(60, 8, 4))  # a quarter of a beat is 0.25 s
    three = vocabulary.ids["turn:+3"]  # three turns need 3 / 3.7 = 0.81 s: four quarters of a beat, 1 s
    scores = limit(torch.tensor([[vocabulary.bos_id, three]]), torch.zeros(1, len(vocabulary)))
    refused = {vocabulary.tokens[i] for i in torch.nonzero(scores[0] == float("-inf")).flatten().tolist()}
    assert refused == {"dur:0.25", "dur:0.5", "dur:0.75"}
    eighth = vocabulary.ids["turn:-1/8"]
    assert not (limit(torch.tensor([[eighth]]), torch.zeros(1, len(vocabulary))) == float("-inf")).any()
    # where the bar leaves only shorter durations (the turn reaches the bar line, a tie may carry it on), they stay
    short = torch.full((1, len(vocabulary)), float("-inf"))
    short[0, vocabulary.duration0] = 0.0
    assert limit(torch.tensor([[three]]), short)[0, vocabulary.duration0] == 0.0


def test_a_turn_left_alone_in_the_last_bar_is_not_refused():
    """In the last bar a turn too big for the room left is refused, unless it is all the grammar leaves (a filled-in
    passage that must tie into the turn its kept bars continue): refused there, the row had nothing to write and the
    passage never finished (the studio's regenerate on a tiny model, once steps were bounded)."""
    from motiongpt.grammar import ScoreGrammarProcessor

    vocabulary = Vocabulary()
    grammar = ScoreGrammarProcessor(vocabulary, bars=1)
    limit = TurnLimit(vocabulary, laban.BeatGrid.uniform(60, 8, 4), grammar=grammar)
    ids = torch.tensor([[vocabulary.ids[t] for t in ("<bos>", "<start>", "col:support-left", "place/middle", "<bar>",
                                                     "pos:4.75", "col:support-right")]])
    open_ = grammar(ids, torch.zeros(1, len(vocabulary)))
    big = vocabulary.ids["turn:+3"]  # 0.81 s: four quarters of a beat, one left
    assert torch.isinf(limit(ids, open_)[0, big]) and torch.isfinite(open_[0, big])  # among others: refused
    alone = torch.full_like(open_, float("-inf"))
    alone[0, big] = 0.0
    assert limit(ids, alone)[0, big] == 0.0


def test_sampled_dances_turn_no_faster_than_real_dancers(monkeypatch):
    """A model that leans to big turns in short durations (checked: without the limit they spin 24 turns a second)
    turns under the limit no faster than the captures' fastest turn, counting a tied turn's whole length."""
    model = leaning_model(monkeypatch, ["turn:+2", "turn:-3"], (6, 0))
    grid = laban.BeatGrid.uniform(120, 16, 4)  # half a second a beat
    turns = [(abs(s.turn), s.duration * 0.5) for score in variations(model, grid, 4, seed=4)
             for s in score.symbols if s.sign is Sign.TURN and s.turn]
    assert len(turns) >= 4 and max(amount / seconds for amount, seconds in turns) <= FASTEST_TURN


def test_the_limits_shortcut_refuses_what_their_full_reading_refuses(monkeypatch):
    """Most steps the limits skip their tensor work (``_idle``: no flight or turn to time among the last ids);
    every prefix of the shared examples (a leap, turns, flights), alone and batched, reads the same either way."""
    from pathlib import Path

    vocabulary = Vocabulary()
    examples = Path(__file__).resolve().parents[1] / "examples"
    rows = [vocabulary.encode(laban.Score.load(p)) for p in sorted(examples.glob("*.laban"))]
    grid = laban.BeatGrid.uniform(150, 8, 4)
    scores = torch.randn(2, len(vocabulary), generator=torch.Generator().manual_seed(0))
    skipped = 0
    for limit in (FlightLimit(vocabulary, grid), TurnLimit(vocabulary, grid)):
        for row in rows:
            for end in range(1, len(row) + 1):
                ids = torch.tensor([row[:end], ([vocabulary.bos_id] + row)[:end]])
                for batch in (ids[:1], ids):
                    quick = limit(batch, scores[:len(batch)])
                    skipped += limit._idle(batch)
                    with monkeypatch.context() as m:
                        m.setattr(type(limit), "_idle", lambda self, input_ids: False)
                        full = limit(batch, scores[:len(batch)])
                    assert torch.equal(quick, full), (type(limit).__name__, vocabulary.tokens[row[end - 1]])
    assert skipped  # the shortcut is taken (else this compares the full reading with itself)


def gaps(score: laban.Score) -> list[tuple[float, float]]:
    """Where neither foot, a flight nor a turn on both feet is written, after the first support."""
    spans = sorted((s.start, s.end) for s in score.symbols if s.column in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)
                   or (s.column is Column.CENTRE and s.duration > 0))
    found, reach = [], spans[0][0]
    for start, end in spans:
        if start > reach + 1e-9:
            found.append((reach, start))
        reach = max(reach, end)
    return found


def test_a_gap_in_the_supports_is_danced_on_the_feet_before_it_unless_a_flight_was_written():
    """A gap in the supports is not a spring: the step before it lasts until the next support (a hold written
    into it, as before stop 62, read back as another step where the feet did not change). Not after a flight,
    whose gap the decoder flies or lands; a turn before the gap (which would turn slower), a symbol an edit keeps
    (from before ``begin``) and a step a turn follows at once (the decoder would turn from it) still have the gap
    held. Inside ``gaps_held`` (a dance made before, made again) every gap is held, as it was."""
    from motiongpt.plausibility import gaps_held

    grid = laban.BeatGrid.uniform(120, 6, 4)
    step = [Symbol(0, Column.SUPPORT_LEFT, 1, Sign.DIRECTION, Direction.FORWARD, Level.MIDDLE),
            Symbol(1.5, Column.SUPPORT_RIGHT, 1, Sign.DIRECTION, Direction.FORWARD, Level.MIDDLE),
            Symbol(2.5, Column.CENTRE, 0.5, Sign.FLIGHT), Symbol(3.25, Column.SUPPORT_LEFT, 1, Sign.DIRECTION,
                                                                 Direction.FORWARD, Level.MIDDLE)]
    score = laban.Score(grid, step)
    kept = weight_kept(score)
    assert kept.symbols == [dataclasses.replace(step[0], duration=1.5), *step[1:]]  # not after the flight
    assert gaps(kept) == [(3.0, 3.25)]
    assert weight_kept(score, 2.0) == score  # only from beat 2 on
    held = weight_kept(score, 0.5)  # the step from before ``begin`` is kept as it was: the gap held
    assert [(s.start, s.column, s.duration) for s in held.symbols if s.sign is Sign.HOLD] == [
        (1.0, Column.SUPPORT_LEFT, 0.5)] and [s for s in held.symbols if s.sign is not Sign.HOLD] == step
    # a stream's last bar, which nothing follows yet: a gap running to its end is covered too
    early = laban.Score(grid, step[:2])
    assert weight_kept(early, 0.0, 6.0, open_end=True).symbols == [dataclasses.replace(step[0], duration=1.5),
                                                                    dataclasses.replace(step[1], duration=4.5)]
    # a turn on the foot before the gap, or one right after it: held
    turning = [dataclasses.replace(step[0], sign=Sign.TURN, direction=None, level=None, turn=0.5), step[1]]
    turned_to = [step[0], Symbol(1.5, Column.SUPPORT_LEFT, 1, Sign.TURN, turn=0.5)]  # (the same foot's turn)
    for written in (turning, turned_to):
        assert [s.start for s in weight_kept(laban.Score(grid, written)).symbols if s.sign is Sign.HOLD] == [1.0]
    with gaps_held():  # as every dance made before stop 62 had its gaps
        old = [s for s in weight_kept(score).symbols if s.sign is Sign.HOLD]
        opened = [s for s in weight_kept(early, 0.0, 6.0, open_end=True).symbols if s.sign is Sign.HOLD]
    assert [(s.start, s.column, s.duration) for s in old] == [(1.0, Column.SUPPORT_LEFT, 0.5)]
    assert [(s.start, s.column, s.duration) for s in opened] == [
        (1.0, Column.SUPPORT_LEFT, 0.5), (2.5, Column.SUPPORT_RIGHT, 3.5)]
    assert weight_kept(score).symbols[0].duration == 1.5  # and after the block, lengthened again


def test_the_built_in_models_gaps_lengthened_dance_the_same_and_read_back_as_written(monkeypatch):
    """The built-in model's walks (2 bars, three seeds) leave gaps in their supports after a step. Covered by the
    step lasting on rather than by a hold, each dance moves exactly as it did with the holds (the decoder reads one
    run of weight either way), and its support columns say more of what the feet are read back doing: a hold
    read back as the next step, where the feet did not change, no longer disagrees."""
    import motiongpt.model.generate as generation
    from laban.compare import cell_agreement
    from motiongpt.model import MotionGPT, builtin_model_path
    from motiongpt.plausibility import gaps_held, mended

    model = MotionGPT.from_pretrained(builtin_model_path())
    grid = laban.BeatGrid.uniform(100, 16, 4)
    sampled = []
    monkeypatch.setattr(generation, "mended", lambda score, *args, **kwargs: sampled.append((score, args, kwargs))
                        or score)
    for seed in range(3):
        generation.generate(model, grid, text="walk forward", bars=2, seed=seed)
    agreed = np.zeros((2, 2))
    for score, args, kwargs in sampled:
        lengthened = mended(score, *args, **kwargs)
        with gaps_held():
            held = mended(score, *args, **kwargs)
        assert lengthened != held  # (a gap after a step in each)
        motion = laban.decode(lengthened)
        assert np.allclose(motion.trajectories().positions, laban.decode(held).trajectories().positions,
                           rtol=0, atol=1e-9)
        read = laban.tokenize(motion, grid)
        for k, written in enumerate((lengthened, held)):  # support cells read back as written, and of how many
            cells = [cell_agreement(written, read)[c.value] for c in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]
            agreed[k] += [sum(c["direction"] * c["cells"] for c in cells), sum(c["cells"] for c in cells)]
    assert agreed[0, 0] / agreed[0, 1] > agreed[1, 0] / agreed[1, 1], agreed


def test_sampled_dances_write_no_spring_without_a_flight():
    """An untrained model ends and starts its supports anywhere; what it writes keeps the weight in between, and
    stays a score the grammar reads (to continue or regenerate it)."""
    from motiongpt.grammar import ScoreGrammar

    model = build(tiny_config(), seed=3)
    grid = laban.BeatGrid.uniform(100, 20, 4)
    scores = variations(model, grid, 4, seed=1)
    for score in scores:
        flights = [s for s in score.symbols if s.sign is Sign.FLIGHT]
        assert all(any(abs(f.end - a) < 1e-9 for f in flights) for a, _ in gaps(score))
        assert not pivots_on_both_feet(score)
        assert not steps_inside_the_other_support(score)
    assert all(ScoreGrammar(model.vocabulary).accepts([model.vocabulary.encode(s) for s in scores], [grid] * 4))


def test_leaving_the_feet_empty_costs_nats_and_nothing_else_does():
    """The tokenizer writes no gap in the supports (each support begins where the last ends); ``SupportsContinued``
    takes ``GAP_PENALTY`` nats from each token that would open one (moving on in time past where the supports end,
    or, at a moment with nothing on the feet, writing an arm before a support) and from no other, refusing none.
    After a flight the gap is its landing's, and in a bar whose words count the steps the model is left to hold
    the weight: nothing is pushed there."""
    from motiongpt.grammar import ScoreGrammarProcessor

    vocabulary = Vocabulary()
    grid = laban.BeatGrid.uniform(120, 8, 4)

    def pushed(tokens: list[str], counted=None) -> set[str]:
        grammar = ScoreGrammarProcessor(vocabulary, grids=[grid])
        ids = torch.tensor([[vocabulary.ids[t] for t in tokens]])
        allowed = grammar(ids, torch.zeros(1, len(vocabulary)))
        after = SupportsContinued(grammar, counted)(ids, allowed)
        assert torch.equal(torch.isinf(after), torch.isinf(allowed))  # a push, never a refusal
        taken = allowed[0] - after[0]
        assert set(taken[torch.isfinite(taken) & (taken != 0)].tolist()) <= {GAP_PENALTY}
        return {vocabulary.tokens[i] for i in torch.nonzero(torch.isfinite(taken) & (taken > 0)).flatten().tolist()}

    def positions(after: float) -> set[str]:  # in the bar of 4 beats, after beat ``after``
        return {t for t in vocabulary.ids if t.startswith("pos:") and after < float(t[4:]) < 5}

    bar = ["<bos>", "<start>", "col:support-left", "place/middle", "col:support-right", "place/middle", "<bar>"]
    assert pushed(bar) == positions(1) | {"<bar>"}  # the bar opens with a support on its first moment
    step = bar + ["pos:1", "col:support-left", "forward/middle", "dur:1"]
    assert pushed(step) == positions(2) | {"<bar>"}  # the next support on beat 2, where the step ends
    assert pushed(step + ["pos:2"]) == {f"col:{c.value}" for c in Column} - {
        "col:centre", "col:support-left", "col:support-right"}  # on beat 2, a support before the rest
    assert pushed(step + ["pos:2", "col:support-right", "forward/middle", "dur:1"]) == positions(3) | {"<bar>"}
    assert pushed(bar + ["pos:1", "col:centre", "flight", "dur:0.5"]) == set()
    assert pushed(step, counted=np.array([True, False])) == set()  # the first bar's words count its steps
    assert pushed(step, counted=np.array([False, True])) == positions(2) | {"<bar>"}


def test_sampled_dances_leave_the_feet_empty_less_often(monkeypatch):
    """An untrained model ends and starts its supports anywhere; with the push (in every sampling, words or none)
    what it writes, before ``weight_kept`` holds what is left, leaves the feet empty less."""
    import motiongpt.model.generate as generation

    model = build(tiny_config(), seed=3)
    grid = laban.BeatGrid.uniform(100, 20, 4)
    monkeypatch.setattr(generation, "mended", lambda score, *args, **kwargs: score)

    def empty_beats() -> float:
        return sum(b - a for score in variations(model, grid, 4, seed=1) for a, b in gaps(score))

    pushed = empty_beats()
    monkeypatch.setattr(SupportsContinued, "__call__", lambda self, input_ids, scores: scores)
    assert pushed < 0.5 * empty_beats()


def pivots_on_both_feet(score: laban.Score) -> list:
    """Turn signs in one support column overlapping a symbol of the other's (what the tokenizer never writes)."""
    feet = (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)
    return [(t, s) for t in score.symbols if t.column in feet and t.sign is Sign.TURN for s in score.symbols
            if s.column in feet and s.column is not t.column and s.start < t.end - 1e-9 and s.end > t.start + 1e-9]


def test_a_foot_turning_lifts_the_other():
    """A half turn written on the right foot while the left foot's column still holds weight (as the built-in
    model wrote half its support turns): the left foot lifts for the turn, and comes down again after it, so the
    body does not turn over two planted feet and cross the legs."""
    grid = laban.BeatGrid.uniform(60, 8, 4)  # a second a beat
    start = [Symbol(0.0, c, 0.0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE)
             for c in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]
    written = [Symbol(0.0, Column.SUPPORT_LEFT, 2.0, Sign.HOLD),
               Symbol(0.0, Column.SUPPORT_RIGHT, 1.0, Sign.HOLD),
               Symbol(1.0, Column.SUPPORT_RIGHT, 2.0, Sign.TURN, turn=0.5),
               Symbol(2.5, Column.SUPPORT_LEFT, 1.5, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE),
               Symbol(4.0, Column.SUPPORT_RIGHT, 1.0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE)]
    score = laban.Score(grid, written, start)
    freed = pivots_freed(score)
    left = [(s.start, s.duration) for s in freed.column(Column.SUPPORT_LEFT)]
    assert left == [(0.0, 1.0), (3.0, 1.0)]  # lifted as the turn begins, down again as it ends
    assert freed.column(Column.SUPPORT_RIGHT) == score.column(Column.SUPPORT_RIGHT)
    assert pivots_on_both_feet(score) and not pivots_on_both_feet(freed)
    assert pivots_freed(score, begin=1.5).column(Column.SUPPORT_LEFT)[0].duration == 2.0  # written before: kept

    def crossed(s: laban.Score) -> float:
        """How far, at most, the left ankle lies right of the right one (across the hips), in metres."""
        traj = laban.decode(s, seed=0).trajectories()
        hips = traj.part(laban.BodyPart.THIGH_LEFT) - traj.part(laban.BodyPart.THIGH_RIGHT)
        hips[:, 1] = 0.0
        hips /= np.linalg.norm(hips, axis=1, keepdims=True)
        feet = traj.part(laban.BodyPart.FOOT_LEFT) - traj.part(laban.BodyPart.FOOT_RIGHT)
        return float(-np.einsum("ta,ta->t", feet, hips).min())

    assert crossed(score) > 0.2  # as written, the body turns over planted feet: crossed by 24 cm
    assert crossed(freed) < 0.05  # the free foot, carried round, lags by a few centimetres


def test_a_turn_cut_short_by_the_other_foots_turns_less_not_faster():
    """Two turns on the two feet overlapping (a model wrote three turns on the right foot over 2.25 beats, and the
    left foot's turn a quarter beat later): lifting the other foot ends the right's turn after a quarter beat,
    which at the turns written would spin 24 turns a second; it turns as much as ``FASTEST_TURN`` allows in that
    time instead, in eighths, or holds the weight where not even an eighth fits."""
    grid = laban.BeatGrid.uniform(120, 8, 4)  # half a second a beat
    start = [Symbol(0.0, c, 0.0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE)
             for c in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]
    for lead, (sign, turn) in ((0.0625, (Sign.HOLD, None)), (0.25, (Sign.TURN, -0.375)), (1.0, (Sign.TURN, -1.75)),
                               (2.0, (Sign.TURN, -3.0))):
        right = Symbol(0.0, Column.SUPPORT_RIGHT, 2.25, Sign.TURN, turn=-3.0)
        left = Symbol(lead, Column.SUPPORT_LEFT, 2.25, Sign.TURN, turn=-2.0)
        cut = pivots_freed(laban.Score(grid, [right, left], start)).column(Column.SUPPORT_RIGHT)
        assert [(s.start, s.duration, s.sign, s.turn) for s in cut] == [(0.0, min(lead, 2.25), sign, turn)]
        assert not cut[0].turn or abs(cut[0].turn) / (cut[0].duration * 0.5) <= FASTEST_TURN


def steps_inside_the_other_support(score: laban.Score) -> list:
    """Steps that begin while the other foot's support symbol, begun earlier, still sounds (what the tokenizer never
    writes: its supports change together)."""
    feet = (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)
    return [(a, b) for a in score.symbols if a.column in feet and a.sign is Sign.DIRECTION for b in score.symbols
            if b.column in feet and b.column is not a.column and b.start + 1e-9 < a.start < b.end - 1e-9]


def test_a_step_takes_the_weight_from_the_other_foot():
    """The right foot steps forward at beat 2 while the left foot's step, written from beat 1 for two beats, still
    sounds (as the built-in model writes five times a dance): the left foot's symbol ends at beat 2, the right
    takes the weight. A step onto both feet at once, and steps before ``begin``, stay as written; the tokenizer's
    own scores have no such step, so it leaves them as they are."""
    grid = laban.BeatGrid.uniform(60, 8, 4)
    forward = dict(sign=Sign.DIRECTION, direction=Direction.FORWARD, level=Level.MIDDLE)
    written = [Symbol(1.0, Column.SUPPORT_LEFT, 2.0, **forward), Symbol(2.0, Column.SUPPORT_RIGHT, 1.0, **forward),
               Symbol(4.0, Column.SUPPORT_LEFT, 1.0, **forward), Symbol(4.0, Column.SUPPORT_RIGHT, 1.0, **forward)]
    score = laban.Score(grid, written)
    moved = weight_transferred(score)
    assert [(s.start, s.duration) for s in moved.column(Column.SUPPORT_LEFT)] == [(1.0, 1.0), (4.0, 1.0)]
    assert moved.column(Column.SUPPORT_RIGHT) == score.column(Column.SUPPORT_RIGHT)
    assert steps_inside_the_other_support(score) and not steps_inside_the_other_support(moved)
    assert weight_transferred(score, begin=2.0).symbols == score.symbols  # the left step was written before
    # danced: the left foot is off the floor once the right has landed, where as written both stood on
    left = laban.decode(score, seed=0).trajectories().part(laban.BodyPart.FOOT_LEFT)[:, 1]
    after = laban.decode(moved, seed=0).trajectories().part(laban.BodyPart.FOOT_LEFT)[:, 1]
    late = slice(int(2.4 * 30), int(2.8 * 30))  # beats 2.4-2.8 at 30 fps, a second a beat
    assert left[late].max() - left[late].min() < 0.01 and after[late].max() > left[late].max() + 0.03


def test_a_step_onto_both_feet_goes_one_way_and_reads_back_so():
    """The model writes a step onto both feet with a direction for each (forward on the left, left-forward on the
    right), which no dancer's centre of weight can do; the decoder travelled the left's and the right column never
    read back. Both now go the way their mean goes, at the left's size, each foot keeping its level; a two-foot
    step forward and backward is one in place; steps before ``begin`` stay as written."""
    grid = laban.BeatGrid.uniform(60, 8, 4)
    start = [Symbol(0.0, Column.SUPPORT_LEFT, 0.0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE)]
    written = [Symbol(1.0, Column.SUPPORT_LEFT, 2.0, Sign.DIRECTION, Direction.FORWARD, Level.MIDDLE),
               Symbol(1.0, Column.SUPPORT_RIGHT, 2.0, Sign.DIRECTION, Direction.LEFT_FORWARD, Level.LOW),
               Symbol(4.0, Column.SUPPORT_LEFT, 1.0, Sign.DIRECTION, Direction.FORWARD, Level.MIDDLE),
               Symbol(4.0, Column.SUPPORT_RIGHT, 1.0, Sign.DIRECTION, Direction.BACKWARD, Level.MIDDLE)]
    score = laban.Score(grid, written, start)
    together = steps_together(score)
    ways = [(s.start, s.column, s.direction, s.level) for s in together.symbols]
    assert ways == [(1.0, Column.SUPPORT_LEFT, Direction.FORWARD, Level.MIDDLE),
                    (1.0, Column.SUPPORT_RIGHT, Direction.FORWARD, Level.LOW),
                    (4.0, Column.SUPPORT_LEFT, Direction.PLACE, Level.MIDDLE),
                    (4.0, Column.SUPPORT_RIGHT, Direction.PLACE, Level.MIDDLE)]
    assert steps_together(score, begin=2.0).symbols[:2] == written[:2]
    assert steps_together(together).symbols == together.symbols  # what goes one way already stays
    # danced and read again: the right foot's step reads as now written, where it did not as first written
    for dance, way in ((score, Direction.LEFT_FORWARD), (together, Direction.FORWARD)):
        again = laban.tokenize(laban.decode(dance, seed=0), grid)
        right = [s.direction for s in again.column(Column.SUPPORT_RIGHT)
                 if s.sign is Sign.DIRECTION and abs(s.start - 1.0) <= 0.25]
        assert (right == [way]) == (dance is together), right


def right_foot_read_back(score, parted) -> list[float]:
    """``score`` and its mended ``parted`` danced: the same motion to the bit (asserted); that motion tokenized again
    on the score's grid, the share of the right support column's cells whose direction each of the two says."""
    from laban.compare import cell_agreement

    motion = laban.decode(parted, seed=0)
    assert np.array_equal(motion.trajectories().positions, laban.decode(score, seed=0).trajectories().positions)
    again = laban.tokenize(motion, score.grid)
    return [cell_agreement(dance, again)[Column.SUPPORT_RIGHT.value]["direction"] for dance in (score, parted)]


def test_a_step_onto_both_feet_whose_feet_end_apart_reads_back_as_danced():
    """The model writes a step onto both feet whose symbols end apart (forward from beat 1, the left for one beat,
    the right for two), which the tokenizer never writes: the decoder lifts the left foot at beat 2 and shifts the
    weight over the right, read back as a new step in place there, so the right column's forward was misread for
    a beat. Written so (the right's step ends with the left's, a step in place at its level carries the weight to
    beat 3), the dance moves exactly as before and its support columns read back as written; where the left foot
    goes on (a hold), steps before ``begin``, and a dance mended as before (``mended_as``), stay as written."""
    from motiongpt.plausibility import GAPS_LENGTHENED, mended_as, weight_onto_one

    grid = laban.BeatGrid.uniform(60, 8, 4)
    start = [Symbol(0.0, Column.SUPPORT_LEFT, 0.0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE)]  # on the left
    forward = dict(sign=Sign.DIRECTION, direction=Direction.FORWARD, level=Level.MIDDLE)
    written = [Symbol(1.0, Column.SUPPORT_LEFT, 1.0, **forward), Symbol(1.0, Column.SUPPORT_RIGHT, 2.0, **forward),
               Symbol(3.0, Column.SUPPORT_LEFT, 1.0, **forward), Symbol(3.0, Column.SUPPORT_RIGHT, 1.0, **forward)]
    score = laban.Score(grid, written, start)
    parted = mended(score)
    assert [(s.start, s.duration, s.direction) for s in parted.column(Column.SUPPORT_RIGHT)] == [
        (1.0, 1.0, Direction.FORWARD), (2.0, 1.0, Direction.PLACE), (3.0, 1.0, Direction.FORWARD)]
    assert parted.column(Column.SUPPORT_LEFT) == score.column(Column.SUPPORT_LEFT)
    assert weight_onto_one(parted).symbols == parted.symbols
    assert weight_onto_one(score, begin=2.0).symbols == score.symbols  # the two-foot step was written before
    held = laban.Score(grid, written + [Symbol(2.0, Column.SUPPORT_LEFT, 1.0, Sign.HOLD)], start)
    assert weight_onto_one(held).symbols == held.symbols  # the left foot stays down: both feet go on
    with mended_as(GAPS_LENGTHENED):
        assert mended(score).symbols == score.symbols
    # danced: the same motion; read again: the right column says what the feet did, where it did not
    agreed = right_foot_read_back(score, parted)
    assert agreed == [8 / 12, 1.0], agreed  # (the right foot's 12 quarter-beat cells: 4 misread before)


def test_two_feet_held_whose_holds_end_apart_read_back_as_danced():
    """The model holds both feet together and ends the holds apart (from beat 2, the left for one beat, the right for
    two, after a step forward onto both feet at the low level): the decoder lifts the left foot at beat 3, and what
    reads back there is a step in place on the right, not a hold. Written so (the right's hold ends with the left's,
    a step in place at the low level the hold kept carries the weight to beat 4: at any other level the body would
    rise), the dance moves exactly as before and reads back as written; a dance mended as before holds were parted
    (``STEPS_PARTED``) stays as written."""
    from motiongpt.plausibility import STEPS_PARTED, mended_as

    grid = laban.BeatGrid.uniform(60, 8, 4)
    start = [Symbol(0.0, Column.SUPPORT_LEFT, 0.0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE)]  # on the left
    low = dict(sign=Sign.DIRECTION, direction=Direction.FORWARD, level=Level.LOW)
    written = [Symbol(1.0, Column.SUPPORT_LEFT, 1.0, **low), Symbol(1.0, Column.SUPPORT_RIGHT, 1.0, **low),
               Symbol(2.0, Column.SUPPORT_LEFT, 1.0, Sign.HOLD), Symbol(2.0, Column.SUPPORT_RIGHT, 2.0, Sign.HOLD),
               Symbol(4.0, Column.SUPPORT_LEFT, 1.0, **low), Symbol(4.0, Column.SUPPORT_RIGHT, 1.0, **low)]
    score = laban.Score(grid, written, start)
    parted = mended(score)
    assert [(s.start, s.duration, s.sign, s.direction, s.level) for s in parted.column(Column.SUPPORT_RIGHT)] == [
        (1.0, 1.0, Sign.DIRECTION, Direction.FORWARD, Level.LOW), (2.0, 1.0, Sign.HOLD, None, None),
        (3.0, 1.0, Sign.DIRECTION, Direction.PLACE, Level.LOW),
        (4.0, 1.0, Sign.DIRECTION, Direction.FORWARD, Level.LOW)]
    assert parted.column(Column.SUPPORT_LEFT) == score.column(Column.SUPPORT_LEFT)
    with mended_as(STEPS_PARTED):
        assert mended(score).symbols == score.symbols
    agreed = right_foot_read_back(score, parted)
    assert agreed == [0.5, 0.75], agreed  # (the right foot's 16 quarter-beat cells: beat 3's 4 now read as written)


def test_a_torso_bent_to_the_horizontal_comes_back_up_in_the_time_dancers_hold_it():
    """A model's dance held its torso bent forward to the horizontal through all 8 s; the training scores hold such
    a bend 1.9 s at most and never start with one. A bend written now comes back upright from the first whole
    beat ``LONGEST_BEND`` after it arrives (0.5 s a beat: arriving at beat 1, raised at beat 3), and the decoded
    dance is bent no longer than that and the beats it takes to bend and rise. A starting position's bend is
    stood up where it stands. A bend that rises in time stays as written, and so does one whose rising would fall
    outside what was sampled."""
    grid = laban.BeatGrid.uniform(120, 8.0, 4)
    feet = [Symbol(0.0, c, 0.0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE)
            for c in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]
    standing = [Symbol(0.0, c, 16.0, Sign.HOLD) for c in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]  # all 8 s
    bend = Symbol(0.0, Column.TORSO, 1.0, Sign.DIRECTION, Direction.FORWARD, Level.MIDDLE)
    bent = laban.Score(grid, [bend, *standing], feet)
    raised = mended(bent)
    assert [(s.start, s.duration, s.direction, s.level) for s in raised.column(Column.TORSO)] == [
        (0.0, 1.0, Direction.FORWARD, Level.MIDDLE), (3.0, 1.0, Direction.PLACE, Level.HIGH)]
    vocabulary = Vocabulary()  # what is added is a score the model's vocabulary writes
    assert vocabulary.to_score(vocabulary.encode(raised), grid).column(Column.TORSO) == raised.column(Column.TORSO)

    def seconds_bent(score: laban.Score) -> float:
        trajectories = laban.decode(score, seed=0).trajectories()
        axis = np.asarray(trajectories.part(B.NECK), float) - np.asarray(trajectories.part(B.PELVIS), float)
        tilted = np.degrees(np.arccos(axis[:, 1] / np.linalg.norm(axis, axis=1))) > 60.0
        return tilted.sum() / trajectories.fps

    assert seconds_bent(bent) > 6.0
    assert 0.5 * LONGEST_BEND < seconds_bent(raised) <= LONGEST_BEND + 2 * 0.5 + 0.05

    from_the_start = laban.Score(grid, standing, feet + [dataclasses.replace(bend, duration=0.0)])
    stood = mended(from_the_start)
    assert stood.symbols == standing and [(s.direction, s.level) for s in stood.starting_position
                                          if s.column is Column.TORSO] == [(Direction.FORWARD, Level.HIGH)]
    assert seconds_bent(from_the_start) > 7.0 and seconds_bent(stood) == 0.0
    assert torso_raised(from_the_start, begin=1.0) == from_the_start  # the start is not what was sampled
    for kept in (torso_raised(bent, begin=4.0), torso_raised(bent, end=3.0)):
        assert kept == bent
    back = laban.Score(grid, [bend, Symbol(2.0, Column.TORSO, 1.0, Sign.DIRECTION, Direction.PLACE, Level.HIGH),
                              *standing], feet)
    assert torso_raised(back) == back
    # leaning back is held no longer than a bend (the training scores never hold it), and no dance starts so
    leaning = dataclasses.replace(bend, direction=Direction.BACKWARD, level=Level.HIGH)
    assert mended(laban.Score(grid, [leaning, *standing], feet)).column(Column.TORSO) == [
        leaning, Symbol(3.0, Column.TORSO, 1.0, Sign.DIRECTION, Direction.PLACE, Level.HIGH)]
    started = mended(laban.Score(grid, standing, feet + [dataclasses.replace(leaning, duration=0.0)]))
    assert [(s.direction, s.level) for s in started.starting_position if s.column is Column.TORSO] == [
        (Direction.PLACE, Level.HIGH)]


def test_a_torso_lean_comes_back_upright_in_the_time_dancers_hold_one():
    """Salsa followers of the model leaned forward (a torso direction at the high level) through 14 s of a 20-s
    dance, where no dance take of the training split leans past the upright cell for more than 2.05 s (salsa
    followers, none in their scores). A lean now comes back upright from the first whole beat ``LONGEST_LEAN``
    after it arrives, and the decoded dance leans no longer than that and the beats it takes to lean and rise; a
    lean that gives way in time stays as written."""
    grid = laban.BeatGrid.uniform(120, 10.0, 4)
    feet = [Symbol(0.0, c, 0.0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE)
            for c in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]
    standing = [Symbol(0.0, c, 20.0, Sign.HOLD) for c in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]  # all 10 s
    lean = Symbol(0.0, Column.TORSO, 1.0, Sign.DIRECTION, Direction.FORWARD, Level.HIGH)  # arrives at beat 1
    leaning = laban.Score(grid, [lean, *standing], feet)
    raised = mended(leaning)
    beat = math.ceil(1.0 + LONGEST_LEAN / 0.5 - 1e-9)  # 0.5 s a beat
    assert raised.column(Column.TORSO) == [lean, Symbol(float(beat), Column.TORSO, 1.0, Sign.DIRECTION,
                                                        Direction.PLACE, Level.HIGH)]

    def seconds_leaning(score: laban.Score) -> float:
        trajectories = laban.decode(score, seed=0).trajectories()
        axis = np.asarray(trajectories.part(B.NECK), float) - np.asarray(trajectories.part(B.PELVIS), float)
        return (np.degrees(np.arccos(axis[:, 1] / np.linalg.norm(axis, axis=1))) > 22.5).sum() / trajectories.fps

    assert seconds_leaning(leaning) > 8.0
    assert seconds_leaning(raised) <= LONGEST_LEAN + 2 * 0.5 + 0.05
    turned = laban.Score(grid, [lean, dataclasses.replace(lean, start=4.0, direction=Direction.RIGHT_FORWARD),
                                Symbol(7.0, Column.TORSO, 1.0, Sign.DIRECTION, Direction.PLACE, Level.HIGH),
                                *standing], feet)
    assert torso_raised(turned) == turned  # each lean gives way within 2 s


def test_the_shared_scores_need_no_mending(trials):
    """What the repairs mend is only what a model writes: a tokenized capture has no pivot on both feet and no
    step inside the other foot's support, no two-foot step whose feet end apart, and comes through unchanged."""
    from motiongpt.plausibility import weight_onto_one

    for name in ("05_02", "60_03"):
        trial = trials[name]
        score = laban.tokenize(laban.read_bvh(trial.path, frame_rate=trial.fps))
        assert not pivots_on_both_feet(score) and not steps_inside_the_other_support(score)
        assert weight_onto_one(weight_transferred(pivots_freed(steps_together(score)))).symbols == score.symbols
        assert torso_raised(score).symbols == score.symbols


def test_a_streamed_dance_lands_each_flight_before_the_next(monkeypatch):
    """A stream (``motiongpt.cocreate.stream``) runs the limits on its own grammar state as one pass does: with a
    model that leans to the centre, to flights and to turns there, every flight after the first lands on a support
    first (the stream ran the flight limit without its state, where the centre could be opened in the air with only
    a flight left to write: here 22 of its 23 flights followed another with no support between; now 5 flights)."""
    from motiongpt.cocreate.stream import BarStream

    vocabulary = Vocabulary()
    leaning = leaning_logits(["col:centre", "flight", "turn:+1/4"], (0, 6))
    logits = BarStream._logits
    monkeypatch.setattr(BarStream, "_logits", lambda self: logits(self) + leaning)
    grid = laban.BeatGrid.uniform(120, 16, 4)
    stream = BarStream(build(tiny_config(), seed=3).eval(), grid, seed=4)
    for _ in range(8):
        stream.bar()
    score = vocabulary.to_score(stream.ids + [vocabulary.eos_id], grid)
    takeoffs = sorted(s.start for s in score.symbols if s.sign is Sign.FLIGHT)
    supports = [s.start for s in score.symbols if s.column in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]
    assert len(takeoffs) >= 4
    for before, after in zip(takeoffs, takeoffs[1:]):
        assert any(before < t <= after for t in supports), (before, after)
