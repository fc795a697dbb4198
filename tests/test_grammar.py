"""The grammar: every real score passes it, every rule of the notation it enforces refuses a sequence that breaks
it, and whatever it lets a sampler write (random logits, an untrained transformer, a middle between two given
parts) reads back as a valid score."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel, LogitsProcessorList

import laban
from laban import BeatGrid, Column, Direction, Level, Score, Sign
from laban.score import SUPPORT_COLUMNS
from motiongpt.grammar import P_DONE, ScoreGrammar, ScoreGrammarProcessor
from motiongpt.vocabulary import Vocabulary, VocabularyError

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.laban"))


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary()


@pytest.fixture(scope="module")
def grammar(vocabulary) -> ScoreGrammar:
    return ScoreGrammar(vocabulary)


def grid(beats_per_bar: int = 4, upbeat: int = 0, bars: int = 1) -> BeatGrid:
    beats = upbeat + bars * beats_per_bar - (beats_per_bar if upbeat else 0) + 1
    return BeatGrid(tuple(0.5 * i for i in range(max(beats, 2))), beats_per_bar, upbeat)


def problems(score: Score, vocabulary: Vocabulary, bars: int) -> list[str]:
    """What makes a score invalid, checked directly on its symbols (not through the vocabulary or grammar)."""
    q, g = vocabulary.subdivision, score.grid
    first = g.downbeat - g.beats_per_bar if g.downbeat else 0
    found = []
    for s in score.symbols:
        if s.start * q != int(s.start * q) or s.duration * q != int(s.duration * q) or s.duration <= 0:
            found.append(f"{s} off the grid or without length")
        if s.end > first + bars * g.beats_per_bar:
            found.append(f"{s} ends after the last bar")
        if s.column is Column.CENTRE and s.sign not in (Sign.FLIGHT, Sign.TURN):
            found.append(f"{s.sign.value} in the centre")
        if s.sign is Sign.TURN and s.column not in (Column.CENTRE, *SUPPORT_COLUMNS):
            found.append(f"turn in {s.column.value}")
        if (s.sign is Sign.DIRECTION and s.column not in SUPPORT_COLUMNS
                and (s.direction, s.level) == (Direction.PLACE, Level.MIDDLE)):
            found.append(f"place middle in {s.column.value}")
    lanes: dict[tuple, list] = {}
    for s in score.symbols:
        lanes.setdefault((s.column, s.sign if s.column is Column.CENTRE else None), []).append(s)
    for lane, symbols in lanes.items():
        for a, b in zip(symbols, symbols[1:]):
            if b.start < a.end:
                found.append(f"overlap in {lane[0].value} at beat {b.start}")
    flights = [s for s in score.symbols if s.sign is Sign.FLIGHT]
    for s in score.symbols:
        if s.column in SUPPORT_COLUMNS and any(f.start < s.end and s.start < f.end for f in flights):
            found.append(f"support at beat {s.start} during a flight")
    columns = [s.column for s in score.starting_position]
    if len(set(columns)) != len(columns) or Column.CENTRE in columns:
        found.append("starting position repeats a column or uses the centre")
    return found


def sample(grammar: ScoreGrammar, state, seed: int, prompt: list[int] = (), limit: int = 4000) -> list[list[int]]:
    """Random logits masked by the grammar, sampled by the Gumbel-max trick; a fresh spread each step, so that
    both long and short choices happen."""
    rng = np.random.default_rng(seed)
    for token in prompt:
        grammar.advance(state, np.full(len(state.phase), token))
    assert not state.bad.any()
    rows = []
    for _ in range(limit):
        mask = grammar.allowed(state)
        logits = rng.normal(size=mask.shape) * rng.uniform(0, 4) + rng.gumbel(size=mask.shape)
        tokens = np.where(mask, logits, -np.inf).argmax(1)
        grammar.advance(state, tokens, check=False)
        rows.append(tokens)
        if bool((state.phase == P_DONE).all()):
            break
    eos = grammar.vocabulary.eos_id
    return [list(prompt) + r[:r.index(eos) + 1] if eos in r else r for r in np.stack(rows, 1).tolist()]


def test_examples_and_real_scores_are_accepted(vocabulary, grammar, trials):
    scores = [Score.load(p) for p in EXAMPLES]
    scores += [laban.tokenize(laban.read_bvh(trials[n].path, frame_rate=trials[n].fps)) for n in ("05_06", "60_03")]
    assert grammar.accepts([vocabulary.encode(s) for s in scores], [s.grid for s in scores]) == [True] * len(scores)


def test_a_turn_in_the_air_over_a_bar_line_is_accepted(vocabulary, grammar):
    """Both centre lanes continue into the next bar: continuations come in lane order, flight first, whatever
    their lengths."""
    score = Score(grid(4, 0, 2), [laban.Symbol(3.5, Column.CENTRE, 1.0, Sign.FLIGHT),
                                  laban.Symbol(3.5, Column.CENTRE, 0.75, Sign.TURN, turn=0.5)])
    ids = vocabulary.encode(score)
    assert vocabulary.names(ids).count("<cont>") == 2
    assert vocabulary.to_score(ids, score.grid) == score
    assert grammar.accepts([ids], [score.grid]) == [True]


def test_random_logits_under_the_grammar_write_only_valid_scores(vocabulary, grammar):
    settings = [(m, u, b) for m in (2, 3, 4, 6, 8) for u in range(min(m, 3)) for b in (1, 2, 4)]
    rows = settings * 8
    state = grammar.start([b for _, _, b in rows], [m for m, _, _ in rows], [u for _, u, _ in rows])
    sequences = sample(grammar, state, seed=1)
    assert bool((state.phase == P_DONE).all())  # every row finished
    for ids, (meter, upbeat, bars) in zip(sequences, rows):
        g = grid(meter, upbeat, bars)
        score = vocabulary.to_score(ids, g)
        assert len(vocabulary.bar_spans(ids)) == bars
        assert problems(score, vocabulary, bars) == []
        assert vocabulary.to_score(vocabulary.encode(score), g) == score
    lengths = [len(ids) for ids in sequences]
    assert max(lengths) > 3 * min(lengths)  # the sampler explored: empty bars as well as busy ones


def test_an_untrained_transformer_generates_valid_scores_and_repeats_with_its_seed(vocabulary):
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=len(vocabulary), n_positions=1024, n_embd=16, n_layer=1,
                                       n_head=2, bos_token_id=vocabulary.bos_id, eos_token_id=vocabulary.eos_id))
    grids = [grid(4, 0, 2), grid(3, 1, 2), grid(6, 0, 1), grid(2, 1, 3)]

    def generate(seed: int) -> list[list[int]]:
        torch.manual_seed(seed)
        processor = ScoreGrammarProcessor(vocabulary, grids=grids)
        out = model.generate(torch.full((len(grids), 1), vocabulary.bos_id), do_sample=True, max_new_tokens=1000,
                             logits_processor=LogitsProcessorList([processor]), pad_token_id=vocabulary.pad_id,
                             eos_token_id=vocabulary.eos_id, top_k=0)
        return out.tolist()

    first = generate(3)
    assert generate(3) == first
    for ids, g in zip(first, grids):
        assert vocabulary.eos_id in ids
        score = vocabulary.to_score(ids, g)
        assert len(vocabulary.bar_spans(ids)) == vocabulary.bar_count(g)
        assert problems(score, vocabulary, vocabulary.bar_count(g)) == []


def test_the_processor_asked_again_reads_the_same_mask_once(vocabulary, grammar, monkeypatch):
    """The sampling loop asks the processor twice at one length (first on logits of zeros, then on the model's):
    the second answer is the first mask, not worked out again, and at every length of real scores the state read on
    token by token gives the mask of a processor that reads the whole prefix at once."""
    worked = []
    allowed = ScoreGrammar.allowed
    monkeypatch.setattr(ScoreGrammar, "allowed", lambda self, state: worked.append(1) or allowed(self, state))
    for path in EXAMPLES[:3]:
        score = Score.load(path)
        ids = torch.tensor([vocabulary.encode(score)])
        bars = len(vocabulary.bar_spans(ids[0].tolist()))
        processor = ScoreGrammarProcessor(grammar, bars=bars, grids=[score.grid])
        logits = torch.randn(1, len(vocabulary), generator=torch.Generator().manual_seed(0))
        for length in range(1, ids.shape[1]):
            zeros = processor(ids[:, :length], torch.zeros(1, len(vocabulary)))
            worked.clear()
            again = processor(ids[:, :length], logits)
            assert worked == [] and torch.equal(torch.isinf(again), torch.isinf(zeros))
            at_once = ScoreGrammarProcessor(grammar, bars=bars, grids=[score.grid])(ids[:, :length], logits)
            assert torch.equal(again, at_once)


def test_the_processor_refuses_a_prompt_outside_the_grammar(vocabulary):
    processor = ScoreGrammarProcessor(vocabulary, bars=2)
    prompt = torch.tensor([[vocabulary.bos_id, vocabulary.bar_id]])  # no <start>
    with pytest.raises(VocabularyError, match="prompt"):
        processor(prompt, torch.zeros(1, len(vocabulary)))
    scores = processor(torch.tensor([[vocabulary.bos_id]]), torch.zeros(1, len(vocabulary) + 6))
    assert torch.isfinite(scores[0]).tolist() == [i == vocabulary.start_id for i in range(len(vocabulary) + 6)]


START = ["<bos>", "<start>", "col:support-left", "place/middle", "col:support-right", "place/middle"]
EVENT = ["pos:1", "col:support-left", "forward/middle", "dur:1"]


@pytest.mark.parametrize("tokens, meter, upbeat, bars, ok", [
    (START + ["<bar>", *EVENT, "<eos>"], 4, 0, 1, True),
    (START + ["<bar>", *EVENT, "<eos>"], 4, 0, 2, False),  # one bar short
    (START + ["<bar>", "<bar>", "<eos>"], 4, 0, 1, False),  # one bar too many
    (["<bos>", "<start>", "col:centre", "flight", "<bar>", "<eos>"], 4, 0, 1, False),  # flight at the start
    (["<bos>", "<start>", "col:head", "forward/high", "col:torso", "place/high", "<bar>", "<eos>"], 4, 0, 1, False),
    (START + ["<bar>", "pos:1", "col:support-left", "flight", "dur:1", "<eos>"], 4, 0, 1, False),
    (START + ["<bar>", "pos:1", "col:head", "turn:+1/4", "dur:1", "<eos>"], 4, 0, 1, False),
    (START + ["<bar>", "pos:1", "col:upper-arm-left", "place/middle", "dur:1", "<eos>"], 4, 0, 1, False),
    (START + ["<bar>", "pos:1", "col:support-left", "place/middle", "dur:1", "<eos>"], 4, 0, 1, True),
    (START + ["<bar>", "pos:2", "col:head", "left/high", "dur:1", "pos:1", "col:torso", "forward/high", "dur:1",
              "<eos>"], 4, 0, 1, False),  # positions go back
    (START + ["<bar>", "pos:1", "col:torso", "left/high", "dur:1", "col:head", "forward/high", "dur:1", "<eos>"],
     4, 0, 1, True),
    (START + ["<bar>", "pos:1", "col:head", "left/high", "dur:1", "col:torso", "forward/high", "dur:1", "<eos>"],
     4, 0, 1, False),  # columns out of staff order at one position
    (START + ["<bar>", "pos:1", "col:head", "left/high", "dur:2", "pos:2", "col:head", "forward/high", "dur:1",
              "<eos>"], 4, 0, 1, False),  # overlap in a column
    (START + ["<bar>", "pos:1", "col:head", "left/high", "dur:2", "pos:3", "col:head", "forward/high", "dur:1",
              "<eos>"], 4, 0, 1, True),
    (START + ["<bar>", "pos:4", "col:head", "left/high", "dur:2", "<eos>"], 4, 0, 1, False),  # past the bar line
    (START + ["<bar>", "pos:3", "col:head", "left/high", "dur:1", "<tie>", "<bar>", "<eos>"], 4, 0, 2, False),
    (START + ["<bar>", "pos:3", "col:head", "left/high", "dur:2", "<tie>", "<eos>"], 4, 0, 1, False),  # last bar
    (START + ["<bar>", "pos:3", "col:head", "left/high", "dur:2", "<tie>", "<bar>", "<eos>"], 4, 0, 2, False),
    (START + ["<bar>", "pos:3", "col:head", "left/high", "dur:2", "<tie>", "<bar>", "<cont>", "col:head",
              "right/high", "dur:1", "<eos>"], 4, 0, 2, False),  # continued as something else
    (START + ["<bar>", "pos:3", "col:head", "left/high", "dur:2", "<tie>", "<bar>", "<cont>", "col:head",
              "left/high", "dur:1", "pos:1", "col:head", "forward/high", "dur:1", "<eos>"], 4, 0, 2, False),
    (START + ["<bar>", "pos:3", "col:head", "left/high", "dur:2", "<tie>", "<bar>", "<cont>", "col:head",
              "left/high", "dur:1", "pos:2", "col:head", "forward/high", "dur:1", "<eos>"], 4, 0, 2, True),
    (START + ["<bar>", "pos:1", "col:centre", "flight", "dur:1", "col:support-left", "forward/low", "dur:1",
              "<eos>"], 4, 0, 1, False),  # a support under a flight
    (START + ["<bar>", "pos:1", "col:support-right", "forward/low", "dur:2", "pos:2", "col:centre", "flight",
              "dur:1", "<eos>"], 4, 0, 1, False),  # a flight over a support
    (START + ["<bar>", "pos:1", "col:centre", "flight", "dur:1", "col:centre", "turn:+1/2", "dur:0.5",
              "pos:2", "col:support-left", "forward/low", "dur:1", "<eos>"], 4, 0, 1, True),  # a turn in the air
    (START + ["<bar>", "pos:1", "col:centre", "flight", "dur:1", "col:centre", "flight", "dur:0.5", "<eos>"],
     4, 0, 1, False),
    (START + ["<bar>", "pos:1", "col:head", "left/high", "dur:1", "<bar>", "<eos>"], 3, 1, 2, False),  # before the upbeat
    (START + ["<bar>", "pos:3", "col:head", "left/high", "dur:1", "<tie>", "<bar>", "<cont>", "col:head",
              "left/high", "dur:0.5", "<eos>"], 3, 1, 2, True),
])
def test_each_rule_refuses_what_breaks_it(vocabulary, grammar, tokens, meter, upbeat, bars, ok):
    ids = [vocabulary.ids[t] for t in tokens]
    assert grammar.accepts([ids], [grid(meter, upbeat, bars)], [bars]) == [ok]


def test_a_middle_sampled_between_given_bars_fits_them(vocabulary, grammar, trials):
    score = laban.tokenize(laban.read_bvh(trials["05_02"].path, frame_rate=trials["05_02"].fps))
    ids = vocabulary.encode(score)
    bars = len(vocabulary.bar_spans(ids))
    first, stop = 1, 3
    fim = vocabulary.fill_in_the_middle(ids, first, stop)
    assert grammar.accepts([fim], [score.grid]) == [True]
    prompt = fim[:fim.index(vocabulary.fim_middle_id) + 1]
    state = grammar.start_for([score.grid] * 64, fill_in=True)
    lo, hi = first * 4, stop * 4  # no upbeat: bar k starts at beat 4k
    kept = [s for s in score.symbols if s.end <= lo or s.start >= hi]
    assert any(s.start < lo < s.end or s.start < hi < s.end for s in score.symbols)  # ties at both ends
    for sequence in sample(grammar, state, seed=2, prompt=prompt):
        assert sequence[-1] == vocabulary.eos_id
        plain = vocabulary.from_fill_in_the_middle(sequence)
        result = vocabulary.to_score(plain, score.grid)
        assert len(vocabulary.bar_spans(plain)) == bars
        assert problems(result, vocabulary, bars) == []
        assert all(s in result.symbols for s in kept)
