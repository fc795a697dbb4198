"""Generation: every sample is a valid score on its grid, the same seed gives the same bytes (without touching
the caller's random state), a batch of variations comes from one call, continuation keeps the given bars and
filling in keeps every other bar identical; the command writes the whole dance folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import LogitsProcessor

import laban
from laban.formats import save_score
from laban.timing import beats_file_meter
from motiongpt.grammar import ScoreGrammar
from motiongpt.model import MotionGPT, build, tiny_config
from motiongpt.model.generate import GenerationError, generate, variations

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.laban"))


@pytest.fixture(scope="module")
def model() -> MotionGPT:
    """A tiny untrained model, its per-bar tables (zero at initialisation) given values so that they act."""
    model = build(tiny_config(styles=["salsa"]), seed=2).eval()
    with torch.no_grad():
        for table in (model.control_embedding, model.fact_embedding):
            table.weight.normal_(0.0, 0.02, generator=torch.Generator().manual_seed(3))
    return model


@pytest.fixture(scope="module")
def score() -> laban.Score:
    return laban.Score.load(EXAMPLES[1])


def spans(model, score) -> list[list[int]]:
    ids = model.vocabulary.encode(score)
    return [ids[a:b] for a, b in model.vocabulary.bar_spans(ids)]


def as_json(score, tmp_path: Path, name: str) -> bytes:
    save_score(score, tmp_path / f"{name}.json")
    return (tmp_path / f"{name}.json").read_bytes()


def test_samples_are_valid_scores_and_the_seed_decides_them(model, tmp_path):
    grid = laban.BeatGrid.uniform(100, 4, 3)  # 3/4: bars of the grid's own meter
    state = torch.random.get_rng_state()
    scores = variations(model, grid, 4, seed=7, text=np.eye(384, dtype=np.float32)[0], style="salsa",
                        controls=[[1, 3, 0, 0]] * 3, temperature=0.9, top_k=40, top_p=0.95)
    assert torch.equal(torch.random.get_rng_state(), state)  # the caller's random state is left alone
    grammar = ScoreGrammar(model.vocabulary)
    bars = model.vocabulary.bar_count(grid)
    for s in scores:
        ids = model.vocabulary.encode(s)  # encodes: on the grid, no overlaps
        assert grammar.accepts([ids], [grid], [bars]) == [True]
        assert len(model.vocabulary.bar_spans(ids)) == bars and s.beats_per_bar == 3
    again = variations(model, grid, 4, seed=7, text=np.eye(384, dtype=np.float32)[0], style="salsa",
                       controls=[[1, 3, 0, 0]] * 3, temperature=0.9, top_k=40, top_p=0.95)
    assert [as_json(s, tmp_path, f"a{i}") for i, s in enumerate(scores)] == \
           [as_json(s, tmp_path, f"b{i}") for i, s in enumerate(again)]
    assert len({as_json(s, tmp_path, "c") for s in scores}) > 1  # variations, not copies
    other = generate(model, grid, seed=8)
    assert as_json(other, tmp_path, "d") != as_json(generate(model, grid, seed=7), tmp_path, "e")


def test_filling_in_keeps_every_other_bar(model, score):
    before = spans(model, score)
    changed = False
    for seed in range(3):
        after = spans(model, generate(model, score.grid, fill_in=(score, 1, 3), seed=seed))
        assert len(after) == len(before)
        assert after[0] == before[0] and after[3:] == before[3:]
        changed |= after[1:3] != before[1:3]
    assert changed


def test_filling_in_a_dance_past_the_models_positions_is_one_line(model, score):
    """vary and regenerate fill bars in with the whole dance read at once: one past the model's positions (a long
    dance, or "bar 3000" typed in a score.laban for "bar 3", which the file takes with a warning) failed after the
    model was loaded, on the tensors' sizes (a RuntimeError and a traceback)."""
    from laban.formats import text

    written = text.dumps(score)
    last = max(int(line.split()[1]) for line in written.splitlines() if line.startswith("bar "))
    with pytest.warns(UserWarning, match="past the grid's last beat"):
        mistyped = text.loads(written.replace(f"\nbar {last}\n", "\nbar 3000\n"))
    with pytest.raises(GenerationError, match=r"^the dance read around the bars to write is \d+ tokens long, past "
                                              r"the 2044 the model reads at once: write fewer bars at once, or "
                                              r"edit an excerpt$"):
        generate(model, mistyped.grid, fill_in=(mistyped, 1, 2), seed=0)


def test_continuing_keeps_the_given_bars(model, score):
    ids = model.vocabulary.encode(score)
    prompt = ids[:model.vocabulary.bar_spans(ids)[2][0]]  # the starting position and bars 0, 1
    longer = generate(model, score.grid, continue_from=prompt, seed=1)
    assert model.vocabulary.encode(longer)[:len(prompt)] == prompt
    with pytest.raises(GenerationError, match="more than"):
        generate(model, score.grid, continue_from=score, bars=1)


def test_more_processors_run_after_the_grammar_and_may_stop_sampling(model, score, monkeypatch):
    """``processors=``: each sees the grammar's mask already applied and may narrow it further (no tie is ever
    written when it refuses the tie); the function form is given the pass's grammar processor; one that raises
    stops sampling (the studio's cancel)."""
    from motiongpt.grammar import ScoreGrammarProcessor

    # what is sampled, without what is mended afterwards (a hold put in over a gap may cross a bar line)
    monkeypatch.setattr("motiongpt.model.generate.mended", lambda score, *_: score)

    tie = model.vocabulary.tie_id
    masked, grammars = [], []

    def no_tie(ids, scores):
        masked.append(bool(torch.isinf(scores).any()))
        return scores.index_fill(1, torch.tensor([tie]), float("-inf"))

    def given(grammar):
        grammars.append(grammar)
        return [no_tie]

    plain = variations(model, score.grid, 4, bars=4, seed=5)
    untied = variations(model, score.grid, 4, bars=4, seed=5, processors=given)
    assert any(tie in model.vocabulary.encode(s) for s in plain)  # the tiny model ties when it may
    assert all(tie not in model.vocabulary.encode(s) for s in untied) and all(masked)
    assert len(grammars) == 1 and isinstance(grammars[0], ScoreGrammarProcessor)
    as_list = variations(model, score.grid, 4, bars=4, seed=5, processors=[no_tie])
    assert [model.vocabulary.encode(s) for s in as_list] == [model.vocabulary.encode(s) for s in untied]

    class Stop(Exception):
        pass

    def stop(ids, scores):
        raise Stop

    with pytest.raises(Stop):
        generate(model, score.grid, bars=2, processors=[stop])


def test_bad_settings_are_one_line(model, score):
    for settings in ({"seed": -1}, {"style": "tango"}, {"controls": [[9, 0, 0, 0]]}, {"text": np.zeros(5)},
                     {"temperature": -1}):
        with pytest.raises(GenerationError) as error:
            generate(model, score.grid, **settings)
        assert "\n" not in str(error.value)


def test_a_nucleus_per_row_warps_each_row_as_it_would_alone(model):
    from transformers import TopPLogitsWarper

    from motiongpt.model.generate import NucleusByRow

    scores = torch.stack([torch.randperm(30, generator=torch.Generator().manual_seed(k)) * 0.3 for k in range(4)])
    ids = torch.zeros(4, 1, dtype=torch.long)
    warped = NucleusByRow([0.9, 1.0, 0.5, 0.9])(ids, scores)
    assert torch.equal(warped[[0, 3]], TopPLogitsWarper(0.9)(ids[[0, 3]], scores[[0, 3]]))
    assert torch.equal(warped[2:3], TopPLogitsWarper(0.5)(ids[2:3], scores[2:3]))
    assert torch.equal(warped[1], scores[1])  # top-p 1 keeps every token
    assert torch.isinf(warped[2]).sum() > torch.isinf(warped[0]).sum() > 0
    grid = laban.BeatGrid.uniform(100.0, 4 * 60 / 100, beats_per_bar=4)
    # a dance drawn at its own top-p in a batch of others is the dance drawn alone
    mixed = variations(model, grid, 3, seed=2, top_p=[0.9, 1.0, 0.5])
    assert [mixed[0], mixed[2]] == [variations(model, grid, 3, seed=2, top_p=p)[k] for k, p in ((0, 0.9), (2, 0.5))]
    with pytest.raises(GenerationError, match="one per dance"):
        variations(model, grid, 3, top_p=[0.9, 1.0])


def test_a_rig_the_package_does_not_recognise_performs_the_dance_with_a_map(model, tmp_path, capsys):
    """``generate --skeleton`` on a rig whose joints are named J1, J2, ...: without ``--map``, refused at once
    (before any sampling) asking for it, nothing written; with it, the dance is performed on the rig and the
    prompt keeps the map, so that a dance made from it (vary) is performed on the rig too. Before, generate took
    no --map: the way to such a rig was a second command (decode --skeleton --map)."""
    from conftest import anonymous_rig
    from motiongpt.cli import main

    laban.write_bvh(laban.decode(laban.Score.load(Path(__file__).parents[1] / "examples" / "first_phrase.laban")),
                    tmp_path / "named.bvh")
    mapping = anonymous_rig(tmp_path / "named.bvh", tmp_path / "rig.bvh")
    model.save_pretrained(tmp_path / "model")
    given = ["generate", "--bars", "1", "--no-video", "--model", str(tmp_path / "model"),
             "--skeleton", str(tmp_path / "rig.bvh")]
    assert main(given + ["-o", str(tmp_path / "refused")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "cannot recognise pelvis" in err and "--map PART=JOINT" in err
    assert not (tmp_path / "refused").exists()
    assert main(given[:-2] + mapping[:1] + ["-o", str(tmp_path / "refused")]) == 2  # a map without its rig
    assert "give --skeleton too" in capsys.readouterr().err and not (tmp_path / "refused").exists()

    assert main(given + mapping + ["-o", str(tmp_path / "dance")]) == 0
    performed = laban.read_bvh(tmp_path / "dance" / "dance.bvh").skeleton
    assert performed.names == laban.read_bvh(tmp_path / "rig.bvh").skeleton.names  # the rig's own joints
    prompt = json.loads((tmp_path / "dance" / "prompt.json").read_text())
    assert prompt["map"] == dict(item.removeprefix("--map=").split("=") for item in mapping)
    assert main(["vary", str(tmp_path / "dance"), "--count", "1", "--no-video", "--model", str(tmp_path / "model"),
                 "-o", str(tmp_path / "varied")]) == 0
    assert laban.read_bvh(tmp_path / "varied" / "1" / "dance.bvh").skeleton.names == performed.names


def test_the_command_writes_the_dance_folder(model, tmp_path, capsys):
    from motiongpt.cli import main

    model.save_pretrained(tmp_path / "model")
    assert main(["generate", "--bars", "3", "--bpm", "90", "--meter", "3", "--seed", "3", "--no-video",
                 "--model", str(tmp_path / "model"), "-o", str(tmp_path / "dance")]) == 0
    files = {p.name for p in (tmp_path / "dance").iterdir()}
    assert files == {"score.laban", "score.json", "staff.svg", "dance.bvh", "dance.beats", "prompt.json",
                     "lineage.json"}
    prompt = json.loads((tmp_path / "dance" / "prompt.json").read_text())
    assert (prompt["seed"], prompt["bars"], prompt["bpm"], prompt["meter"]) == (3, 3, 90, 3)
    score = laban.Score.load(tmp_path / "dance" / "score.laban")
    assert score.beats_per_bar == 3 and laban.read_bvh(tmp_path / "dance" / "dance.bvh").duration > 0
    # the dance's beats beside its motion, so that `motiongpt render dance.bvh` counts the score's bars
    beats = tmp_path / "dance" / "dance.beats"
    read = laban.read_beats(beats)  # the meter it counts (tokenize --beats counted fours before)
    assert (read.beats_per_bar, read.downbeat) == (score.grid.beats_per_bar, score.grid.downbeat)
    assert read == laban.read_beats(beats, beats_file_meter(beats)) == laban.beat_grid(beats=beats)
    assert np.allclose(read.times, score.grid.times, atol=1e-6)
    first = (tmp_path / "dance" / "score.json").read_bytes()
    assert main(["generate", "--bars", "3", "--bpm", "90", "--meter", "3", "--seed", "3", "--no-video",
                 "--model", str(tmp_path / "model"), "-o", str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "score.json").read_bytes() == first
    capsys.readouterr()
    assert main(["generate", "--text", "a turn", "--model", str(tmp_path / "nothing"), "-o",
                 str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("motiongpt: error: ") and err.count("\n") == 1
    assert not (tmp_path / "none").exists()


def test_a_dance_longer_than_a_window_is_written_pass_by_pass(model, monkeypatch, tmp_path):
    from motiongpt.model import generate as module

    monkeypatch.setattr(module, "WINDOW_BARS", 3)  # passes of 3 bars, continuing 1: as 12 and 4, but quicker
    monkeypatch.setattr(module, "CONTEXT_BARS", 1)
    grid = laban.BeatGrid.uniform(100, 16, 4)  # 7 bars: three passes
    bars = model.vocabulary.bar_count(grid)
    dance = generate(model, grid, seed=4, controls=[[0, 1, 0, 0]] * bars)
    ids = model.vocabulary.encode(dance)
    assert len(model.vocabulary.bar_spans(ids)) == bars
    assert ScoreGrammar(model.vocabulary).accepts([ids], [grid], [bars]) == [True]
    again = generate(model, grid, seed=4, controls=[[0, 1, 0, 0]] * bars)
    assert as_json(again, tmp_path, "a") == as_json(dance, tmp_path, "b")


def test_a_long_batch_says_its_bars_as_each_pass_ends_and_is_drawn_the_same(model, tmp_path):
    """A dance longer than a pass is written a pass at a time, and a person waits on it (the studio's progress):
    ``on_bar(k, total)`` is told after each pass how many bars of the batch are written, rising to the total, and
    the dances are the same to the byte with it or without; one pass says the total once."""
    from motiongpt.model.generate import CONTEXT_BARS, WINDOW_BARS

    bars = WINDOW_BARS + (WINDOW_BARS - CONTEXT_BARS) + 1  # three passes, the last of one bar
    grid = laban.BeatGrid.uniform(120, bars * 2, 4)  # (seconds: 4 beats a bar at 2 a second)
    settings = dict(bars=bars, seed=5, controls=[[0, 1, 0, 0]] * bars, text="four steps forward", repeats={bars - 1: 2})
    told = []
    scores = variations(model, grid, 2, on_bar=lambda k, n: told.append((k, n)), **settings)
    assert told == [(WINDOW_BARS, bars), (2 * WINDOW_BARS - CONTEXT_BARS, bars), (bars, bars)]
    plain = variations(model, grid, 2, **settings)
    assert [as_json(s, tmp_path, f"told{k}") for k, s in enumerate(scores)] == \
        [as_json(s, tmp_path, f"plain{k}") for k, s in enumerate(plain)]
    assert all(len(model.vocabulary.bar_spans(model.vocabulary.encode(s))) == bars for s in scores)
    told.clear()
    variations(model, laban.BeatGrid.uniform(120, 4, 4), 2, seed=5, on_bar=lambda k, n: told.append((k, n)))
    assert told == [(2, 2)]


def test_a_symbol_goes_on_over_a_pass_end_as_over_any_bar_line(monkeypatch):
    """A long dance is written pass by pass; a pass's last bar may tie into the next pass's first, which opens with
    the continuation (a model leaning to ties writes some at every pass's end; before, each pass ended every
    symbol), and the dance reads back whole under the grammar."""
    from motiongpt.model import generate as module
    from test_steering import leaning

    generation, model = leaning(monkeypatch, {"<tie>": 8.0})
    monkeypatch.setattr(module, "WINDOW_BARS", 3)  # passes of 3 bars continuing 1: bars 0-2, 3-4, 5-6
    monkeypatch.setattr(module, "CONTEXT_BARS", 1)
    grid = laban.BeatGrid.uniform(100, 16, 4)
    v = model.vocabulary
    for seed in range(3):
        ids = v.encode(generation.generate(model, grid, seed=seed))
        spans = v.bar_spans(ids)
        assert ScoreGrammar(v).accepts([ids], [grid], [len(spans)]) == [True]
        for end in (2, 4):  # each pass's last bar
            (a, b), (c, _) = spans[end], spans[end + 1]
            assert v.tie_id in ids[a:b] and ids[c + 1] == v.cont_id, (seed, end)


def test_the_command_dances_on_the_musics_grid_with_its_controls(model, tmp_path):
    pytest.importorskip("music21")
    from motiongpt.cli import main

    model.save_pretrained(tmp_path / "model")
    assert main(["generate", "--music", "corpus:bach/bwv66.6", "--bars", "2", "--seed", "1", "--no-video",
                 "--model", str(tmp_path / "model"), "-o", str(tmp_path / "dance")]) == 0
    prompt = json.loads((tmp_path / "dance" / "prompt.json").read_text())
    assert prompt["music"] == "corpus:bach/bwv66.6" and prompt["controls"] is True and prompt["bars"] == 2
    score = laban.Score.load(tmp_path / "dance" / "score.json")
    music = laban.beat_grid(music=str(__import__("motiongpt.conditioning.music", fromlist=["x"]).resolve_music(
        "corpus:bach/bwv66.6")))
    assert score.grid.beats_per_bar == music.beats_per_bar
    n = len(score.grid.times)  # the music's beats up to the end of the dance's two bars
    assert 2 < n < len(music.times) and np.allclose(score.grid.times, music.times[:n])


def test_the_built_in_model_dances_to_words_and_music_the_same_for_a_seed(tmp_path, capsys):
    """The README's first command, short: the shipped model writes a valid score on the music's own grid, and the
    same seed writes the same bytes."""
    from motiongpt.cli import main

    args = ["generate", "--text", "steps forward, a half turn, arms rising high", "--music",
            "corpus:joplin/maple_leaf_rag", "--bars", "2", "--seed", "3", "--no-video"]
    assert main([*args, "-o", str(tmp_path / "a")]) == 0, capsys.readouterr().err
    assert main([*args, "-o", str(tmp_path / "b")]) == 0
    score = laban.Score.load(tmp_path / "a" / "score.laban")
    assert score.beats_per_bar == 2 and any(s.column.is_support for s in score.symbols)
    assert (tmp_path / "a" / "score.json").read_bytes() == (tmp_path / "b" / "score.json").read_bytes()
    assert json.loads((tmp_path / "a" / "prompt.json").read_text())["model"] == "builtin"


class Taught(LogitsProcessor):
    """Forces ``tokens`` (after the prompt) one by one, then leaves the choice: a run no row chooses."""

    def __init__(self, width: int, tokens: list[int]) -> None:
        self.width, self.tokens = width, tokens

    def __call__(self, input_ids, scores):
        at = input_ids.shape[1] - self.width
        if at >= len(self.tokens):
            return scores
        return torch.full_like(scores, float("-inf")).index_fill(1, torch.tensor([self.tokens[at]]), 0.0)


@pytest.mark.parametrize("middle,taught", [(False, False), (True, False), (False, True)])
def test_the_sampling_loop_computes_the_models_own_forward(model, score, monkeypatch, middle, taught):
    """The fast stack, fed the bars the loop's tokens are in and the embeddings read from forward, gives at every
    step the logits of ``MotionGPT.forward`` over the whole sequence written (which finds each token's bar
    itself), also after a fill-in-the-middle prompt (bars numbered as in the score), with per-bar controls and
    word facts; and where the processors force a run of tokens in every row (``taught``: the score's first bar),
    the run is fed to the stack in one step when the next choice needs the logits, with the same logits."""
    from motiongpt.model import sampling
    from motiongpt.model.generate import _conditions
    from motiongpt.grammar import ScoreGrammarProcessor
    from transformers import LogitsProcessorList

    vocabulary = model.vocabulary
    ids = vocabulary.encode(score)
    bars = len(vocabulary.bar_spans(ids))
    prompt = vocabulary.fill_in_the_middle(ids, 1, 3) if middle else [vocabulary.bos_id]
    prompt = prompt[:prompt.index(vocabulary.fim_middle_id) + 1] if middle else prompt
    controls = [[k % 4, 37 * k % 256, k % 3, k % 2] for k in range(bars)]
    facts = [[k % 9, 1, 8 + k % 3, k % 2, 2, k % 2, 1] for k in range(bars)]
    conditions = _conditions(model, score.grid, 2, bars, np.eye(384, dtype=np.float32)[3], "salsa", controls,
                             facts)
    seen, fed = [], []  # each step's logits, and how many positions it was fed

    class Recorded(sampling.FastStep):
        def __call__(self, ids, numbers):
            seen.append(super().__call__(ids, numbers))
            fed.append(ids.shape[1])
            return seen[-1]

    monkeypatch.setattr(sampling, "FastStep", Recorded)
    grammar = ScoreGrammarProcessor(vocabulary, bars=bars, grids=[score.grid] * 2)
    processors = [grammar, Taught(len(prompt), ids[1:ids.index(vocabulary.bar_id, 2)])] if taught else [grammar]
    with torch.random.fork_rng(), torch.inference_mode():
        torch.manual_seed(0)
        out = sampling.sample(model, torch.tensor([prompt] * 2), LogitsProcessorList(processors), conditions, 400,
                              fast=True)
        whole = model(out, **conditions).logits
    assert (out == vocabulary.eos_id).any(1).all() and out.shape[1] > len(prompt) + 20
    last = np.cumsum(fed) - 1  # the position each step's logits are for
    assert (max(fed[1:]) > 5) == taught  # the taught run in one step (the grammar alone forces runs of a few)
    assert torch.allclose(torch.stack(seen, 1), whole[:, last], atol=1e-5)
    assert not torch.allclose(torch.stack(seen, 1)[0], torch.stack(seen, 1)[1])  # two rows, two samples


def test_the_reference_path_samples_what_the_fast_path_samples(model, score):
    """Greedy sampling through ``forward`` and transformers' cache writes the same tokens as the fast stack, also
    after a run every row is forced to write (the score's first bar), fed to either in one step."""
    from motiongpt.model.generate import _conditions
    from motiongpt.model.sampling import sample
    from motiongpt.grammar import ScoreGrammarProcessor
    from transformers import LogitsProcessorList

    vocabulary = model.vocabulary
    bars = vocabulary.bar_count(score.grid)
    conditions = _conditions(model, score.grid, 3, bars, None, "salsa", None, None)
    written = []
    ids = vocabulary.encode(score)
    taught = Taught(1, ids[1:ids.index(vocabulary.bar_id, 2)])
    for fast in (True, False):
        grammar = LogitsProcessorList([ScoreGrammarProcessor(vocabulary, bars=bars, grids=[score.grid] * 3), taught])
        with torch.inference_mode():
            written.append(sample(model, torch.full((3, 1), vocabulary.bos_id), grammar, conditions, 600,
                                  greedy=True, fast=fast))
    assert torch.equal(written[0], written[1]) and written[0][0, 1:len(taught.tokens) + 1].tolist() == taught.tokens
    assert ScoreGrammar(vocabulary).accepts(written[0].tolist(), [score.grid] * 3, [bars] * 3) == [True] * 3


def test_a_step_no_row_chooses_draws_nothing_and_the_next_choice_draws_as_ever(model, score, monkeypatch):
    """A step where every row's token is forced (or given, or the row is done) makes no draw: ``sampling.draw``
    runs only on steps where some row chooses, and a row's draws still move on only where it chooses, so what it
    draws after a forced run is its generator's next number (the same dance as when every step drew)."""
    from motiongpt.model import sampling
    from motiongpt.model.generate import _conditions
    from motiongpt.grammar import ScoreGrammarProcessor
    from transformers import LogitsProcessorList

    vocabulary = model.vocabulary
    bars = vocabulary.bar_count(score.grid)
    conditions = _conditions(model, score.grid, 2, bars, None, "salsa", None, None)
    ids = vocabulary.encode(score)
    first = ids[1:ids.index(vocabulary.bar_id, 2)]  # the score's opening: forced in both rows
    drawn, draw = [], sampling.draw
    monkeypatch.setattr(sampling, "draw", lambda scores, uniform: drawn.append(uniform) or draw(scores, uniform))

    def sampled(taught: list[int]):
        drawn.clear()
        processors = LogitsProcessorList([ScoreGrammarProcessor(vocabulary, bars=bars, grids=[score.grid] * 2),
                                          Taught(1, taught)])
        with torch.inference_mode():
            return sampling.sample(model, torch.full((2, 1), vocabulary.bos_id), processors, conditions, 600,
                                   seeds=[11, 12])

    whole = sampled(ids[1:])  # every token forced: nothing drawn
    assert whole[0].tolist() == ids and whole[1].tolist() == ids and drawn == []
    out = sampled(first)
    written = out.shape[1] - 1 - len(first)
    assert out[:, 1:len(first) + 1].tolist() == [first] * 2 and 0 < len(drawn) <= written
    generators = [torch.Generator().manual_seed(s) for s in (11, 12)]
    assert torch.equal(drawn[0], torch.stack([torch.rand(256, generator=g)[0] for g in generators]))


def test_word_guidance_contrasts_the_words_with_their_absence(model):
    """Guidance 0 is the model without what the words state (their per-bar facts), 1 the model as it is, and more
    pushes past it: the same seed then writes the dance of the words' sentence alone, the plain dance and a third
    one, each the same again for that seed; the sentence vector is a group of its own ("text"). (Words that state
    no turn and no step count: a stated turn is also a budget sampling keeps, with or without guidance,
    motiongpt.model.steering, and bars whose steps are counted are not pushed to keep the weight on the feet,
    motiongpt.plausibility.SupportsContinued.)"""
    grid = laban.BeatGrid.uniform(120, 8, 4)
    words = "a slow solo going forward, arms high"
    unstated = generate(model, grid, text=words, facts=np.full((2, model.config.fact_count), -1), seed=5)
    assert generate(model, grid, text=words, seed=5, guidance=0.0) == unstated
    plain = generate(model, grid, text=words, seed=5)
    assert generate(model, grid, text=words, seed=5, guidance=1.0) == plain
    pushed = generate(model, grid, text=words, seed=5, guidance=4.0)
    assert pushed != plain and generate(model, grid, text=words, seed=5, guidance=4.0) == pushed
    with pytest.raises(GenerationError, match="guidance"):
        generate(model, grid, text=words, guidance=-1.0)


def test_best_of_keeps_the_sample_that_does_most_of_what_the_words_ask(model):
    from motiongpt.model.conditions import word_phrases, words_kept

    grid = laban.BeatGrid.uniform(120, 8, 4)
    words = "four steps forward, a jump"
    _, phrases = word_phrases(words, grid, model.vocabulary.bar_count(grid))
    candidates = variations(model, grid, 6, text=words, seed=1)  # what best_of=6 samples for one dance
    kept = [words_kept(c, phrases) for c in candidates]
    best = generate(model, grid, text=words, seed=1, best_of=6)
    assert best == candidates[kept.index(max(kept))]
    assert generate(model, grid, seed=1, best_of=6) == generate(model, grid, seed=1)  # no words: nothing to check


def test_words_that_ask_nothing_checkable_are_sampled_once(model, monkeypatch):
    """"salsa dance (lead)" names a style, not a step count, a direction, a turn, a jump or an arm level: best of 4
    would keep the first of 4 samples whatever the others wrote, so one is drawn (4 were, until 2026-12-05); words
    that ask one of those draw 4."""
    from motiongpt.model import generate as module

    drawn, sample = [], module._sample

    def counting(model, grid, prompts, *args, **kwargs):
        drawn.append(len(prompts))
        return sample(model, grid, prompts, *args, **kwargs)

    monkeypatch.setattr(module, "_sample", counting)
    grid = laban.BeatGrid.uniform(120, 8, 4)
    assert generate(model, grid, text="salsa dance (lead)", seed=1, best_of=4) \
        == generate(model, grid, text="salsa dance (lead)", seed=1)
    assert drawn == [1, 1]
    generate(model, grid, text="four steps forward", seed=1, best_of=4)
    assert drawn[2:] == [4]


def test_energy_followed_measures_the_decoded_dances_kinetic_energy():
    """The music-fit measure best-of ranks by: ρ of the asked energy levels against the decoded motion's kinetic
    energy a bar, on the vocabulary's bars (an upbeat is row 0)."""
    from motiongpt.conditioning import controls_from_score
    from motiongpt.model.conditions import energy_followed, spearman

    score = laban.Score.load(EXAMPLES[1])  # 4 bars of 3/4 with an upbeat: a leap among steps
    motion = laban.decode(score)
    kinetic = controls_from_score(score, motion).energy_raw
    assert len(kinetic) == 4 and np.ptp(kinetic) > 0
    follows = np.argsort(np.argsort(kinetic))  # levels that rise and fall as the dance does
    assert energy_followed(score, follows) == pytest.approx(1.0)
    assert energy_followed(score, follows.max() - follows) == pytest.approx(-1.0)
    assert energy_followed(score, follows, motion) == pytest.approx(1.0)  # the same motion given, not decoded
    assert energy_followed(score, [-1, -1, -1, -1]) == 0.0  # nothing asked
    assert spearman([1, 2, 3, 4], [10, 30, 20, 40]) == pytest.approx(0.8)
    assert spearman([1, 1, 1], [1, 2, 3]) == 0.0


def test_best_of_keeps_the_sample_whose_energy_follows_the_music(model):
    """With the music's controls and no words, best-of ranks the samples by how their decoded per-bar kinetic
    energy follows the music's energy control; with words too, by the words first (the music breaks ties)."""
    from motiongpt.model.conditions import energy_followed, word_phrases, words_kept

    grid = laban.BeatGrid.uniform(120, 8, 4)  # 4 bars
    bars = model.vocabulary.bar_count(grid)
    rows = np.full((bars, 4), -1)
    rows[:, 0] = [0, 3, 1, 2]  # energy only
    candidates = variations(model, grid, 4, controls=rows, seed=2)  # what best_of=4 samples for one dance
    fit = [energy_followed(c, rows[:, 0]) for c in candidates]
    assert len(set(fit)) > 1  # the samples differ in how they follow: the ranking has something to choose
    best = generate(model, grid, controls=rows, seed=2, best_of=4)
    assert best == candidates[int(np.argmax(fit))]
    absent = np.full((1, 4), -1)  # no energy asked: nothing to rank by, one sample
    assert generate(model, grid, controls=absent, bars=1, best_of=4) == generate(model, grid, controls=absent, bars=1)

    words = "four steps forward, a jump"
    _, phrases = word_phrases(words, grid, bars)
    both = variations(model, grid, 4, text=words, controls=rows, seed=7)
    key = [(words_kept(c, phrases), energy_followed(c, rows[:, 0])) for c in both]
    assert generate(model, grid, text=words, controls=rows, seed=7, best_of=4) == both[key.index(max(key))]


def test_a_prompt_shared_by_rows_is_read_once_with_the_same_logits_and_cache(model, monkeypatch):
    """Rows that begin with the same prompt (best-of's samples, a translated bar's candidates) run it through the
    stack once, each distinct prompt its own row; the logits and the cache the rows go on from are those of every
    row run apart."""
    from motiongpt.model import sampling

    d = model.config.hidden_size
    torch.manual_seed(0)
    a, b = torch.randn(1, 20, d), torch.randn(1, 20, d)
    x = torch.cat([a, b, a, a])
    widths = []
    stack = sampling.FastStack.__dict__["_stack"]
    monkeypatch.setattr(sampling.FastStack, "_stack", lambda self, y, caches: widths.append(len(y)) or stack(
        self, y, caches))
    with torch.no_grad():
        shared = sampling.FastStack(model, 4)
        logits = shared.step(x)
        monkeypatch.setattr(sampling, "SHARED_PROMPT", 10 ** 9)
        apart = sampling.FastStack(model, 4)
        alone = apart.step(x)
        after = torch.randn(4, 1, d)
        assert torch.allclose(shared.step(after), apart.step(after), atol=1e-6)
    assert widths[:2] == [2, 4]  # two prompts read, not four rows
    assert torch.allclose(logits, alone, atol=1e-6) and torch.allclose(shared.cache, apart.cache, atol=1e-6)
    assert torch.equal(logits[0], logits[2]) and not torch.allclose(logits[0], logits[1])


def test_the_command_shows_a_long_dances_bars_as_they_are_written(model, tmp_path, capsys, monkeypatch):
    """A whole piece (the Maple Leaf Rag's 130 bars) took the command tens of seconds with nothing said until the
    end. A dance written in more than one sampling pass shows its bars as a progress bar on a terminal, ending at
    all of them; a dance of one pass, or output that is not a terminal, shows nothing, and the dance is the same."""
    import sys

    from motiongpt.cli import main
    from motiongpt.model.generate import WINDOW_BARS

    model.save_pretrained(tmp_path / "model")
    bars = str(WINDOW_BARS + 3)

    def made(name, *more):
        assert main(["generate", "--bars", *more, "--bpm", "120", "--seed", "3", "--no-video", "--model",
                     str(tmp_path / "model"), "-o", str(tmp_path / name)]) == 0
        return capsys.readouterr().err, (tmp_path / name / "score.json").read_bytes()

    piped = made("piped", bars)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    shown, short = made("shown", bars), made("short", "2")
    assert f"{bars}/{bars} bars" in shown[0] and "writing" in shown[0] and shown[1] == piped[1]
    assert "writing" not in piped[0] and "writing" not in short[0]
