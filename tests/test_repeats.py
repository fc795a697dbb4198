"""Where the music repeats, the dance repeats: a bar marked as repeating an earlier one is written with that bar's
events, token for token, in one pass and across the passes of a long dance (a pass of copies without the model,
the same bytes), and the bar before it ties into what the source opens with; the score stays valid and the seed
still decides it; words that ask something else of the bar win; bad repeats are one-line errors. Continuing on
music copies where that music repeats, from before what the model sees too, and a dance made on music goes on
with that music's next bars."""

from __future__ import annotations

import numpy as np
import pytest

import laban
from motiongpt.grammar import ScoreGrammar
from motiongpt.model import MotionGPT, build, tiny_config
from motiongpt.model.conditions import repeat_rows
from motiongpt.model.generate import GenerationError, generate
from motiongpt.model.repeats import bar_parts


@pytest.fixture(scope="module")
def model() -> MotionGPT:
    return build(tiny_config(), seed=5).eval()


def split(model: MotionGPT, tokens: list[int]) -> tuple[list[tuple[int, int]], list[int]]:
    """A bar's tokens (after its ``<bar>``) as the (column, what) of each continuation it opens with and the tokens
    of what the bar itself starts (``repeats.bar_parts``)."""
    pieces, _, events = bar_parts(model.vocabulary, tokens)
    return [tuple(piece[1:3]) for piece in pieces], events


def events(model: MotionGPT, score: laban.Score) -> list[list[int]]:
    """Each bar's tokens after the continuations that open it (what the bar itself starts)."""
    ids = model.vocabulary.encode(score)
    return [split(model, ids[a + 1:b])[1] for a, b in model.vocabulary.bar_spans(ids)]


@pytest.fixture
def unmended(monkeypatch):
    """What the model wrote, before ``plausibility.mended``: its ``weight_kept`` holds the weight over a gap in
    the supports on the feet last down, which may differ between a bar and its copy where the bars before them
    differ (an untrained model leaves many gaps; the built-in one few)."""
    from motiongpt.model import generate as module

    monkeypatch.setattr(module, "mended", lambda score, begin, end: score)


def test_a_repeated_bar_starts_what_its_source_started(model, unmended):
    grid = laban.BeatGrid.uniform(110, 24, 4)  # 6 bars
    bars = model.vocabulary.bar_count(grid)
    grammar = ScoreGrammar(model.vocabulary)
    copied = free = 0
    for seed in range(4):
        dance = generate(model, grid, seed=seed, repeats={3: 1, 4: 2})
        assert grammar.accepts([model.vocabulary.encode(dance)], [grid], [bars]) == [True]
        written = events(model, dance)
        copied += (written[3] == written[1]) + (written[4] == written[2])
        plain = events(model, generate(model, grid, seed=seed))
        free += (plain[3] == plain[1]) + (plain[4] == plain[2])
    assert copied == 8 and free == 0
    again = generate(model, grid, seed=3, repeats={3: 1, 4: 2})
    assert model.vocabulary.encode(again) == model.vocabulary.encode(dance)


def test_the_bar_before_a_copy_ties_into_what_its_source_opens_with(model, unmended, monkeypatch):
    """Bar 2 is written freely before bar 3, a copy of bar 1: it ends tied into the symbols bar 1 opens with (and
    into no others), so bar 3 opens as bar 1 does; without that, bar 3 opened otherwise in every seed."""
    from motiongpt.model.repeats import RepeatedBars

    grid, v = laban.BeatGrid.uniform(110, 24, 4), model.vocabulary

    def matched() -> int:
        count = 0
        for seed in range(8):
            ids = v.encode(generate(model, grid, seed=seed, repeats={3: 1, 4: 2}))
            (a1, b1), (a3, b3) = v.bar_spans(ids)[1], v.bar_spans(ids)[3]
            count += split(model, ids[a3 + 1:b3])[0] == split(model, ids[a1 + 1:b1])[0]
        return count

    tied = matched()
    monkeypatch.setattr(RepeatedBars, "_opening", lambda self, state: None)
    assert tied > 4 and matched() < tied


def test_a_long_dance_repeats_bars_an_earlier_pass_wrote(model, monkeypatch, unmended):
    from motiongpt.model import generate as module

    monkeypatch.setattr(module, "WINDOW_BARS", 3)  # passes of 3 bars, continuing 1: as 12 and 4, but quicker
    monkeypatch.setattr(module, "CONTEXT_BARS", 1)
    grid = laban.BeatGrid.uniform(100, 28, 4)  # 8 bars: four passes
    bars = model.vocabulary.bar_count(grid)
    dance = generate(model, grid, seed=2, repeats={5: 0, 6: 1, 7: 4})
    assert ScoreGrammar(model.vocabulary).accepts([model.vocabulary.encode(dance)], [grid], [bars]) == [True]
    written = events(model, dance)
    assert (written[5], written[6], written[7]) == (written[0], written[1], written[4])


def test_words_that_ask_something_else_of_the_bar_are_followed_instead(model, unmended):
    grid = laban.BeatGrid.uniform(110, 16, 4)  # 4 bars, staff bars 1-4
    words = [((1, 2), "four steps forward"), ((3, 4), "a jump")]
    asked = generate(model, grid, seed=1, text=words, repeats={2: 0})
    assert model.vocabulary.encode(asked) == model.vocabulary.encode(generate(model, grid, seed=1, text=words))
    same = [((1, 4), "four steps forward")]  # the same facts for both bars: the copy is made
    written = events(model, generate(model, grid, seed=1, text=same, repeats={2: 0}))
    assert written[2] == written[0]


def test_a_bar_ties_into_the_modifiers_the_next_bar_opens_with():
    """``ties.TiedInto`` asked for a right forearm forward with contraction 2 at the next bar line: an event of that
    lane and what with no contraction, or another, may not reach the bar line; at the bar's last position the
    forearm is written, forward, and then only that contraction before its step; an event with it ties on. (Asked
    the what alone, the contraction was the model's: a copy then opened with another bend than its source, 4 of the
    21 copies of ``bench/repeats_figures.py`` that were not whole.)"""
    import torch

    from motiongpt.grammar import ScoreGrammarProcessor
    from motiongpt.model.ties import TiedInto
    from motiongpt.vocabulary import LANE_COUNT, Vocabulary

    v = Vocabulary()
    grammar = ScoreGrammarProcessor(v, bars=2, grids=[laban.BeatGrid.uniform(60, 8, 4)])  # 2 bars of 4 beats
    lane = 1 + [t for t in v.tokens if t.startswith("col:")].index("col:forearm-right")
    whats = np.full((1, LANE_COUNT), -2)
    whats[0, lane] = v.whats.index("forward/middle")
    mods = np.full((1, LANE_COUNT, 2), -1)
    mods[0, lane, 0] = v.modifiers.index("contraction:2")
    asked = TiedInto(grammar, lambda state: (whats, mods) if state.bar[0] == 0 else None)

    def allowed(tokens: list[str]) -> set[str]:
        ids = torch.tensor([[v.ids[t] for t in tokens]])
        scores = asked(ids, grammar(ids, torch.zeros(1, len(v))))
        return {v.tokens[i] for i in torch.nonzero(torch.isfinite(scores[0])).flatten().tolist()}

    start = ["<bos>", "<start>", "col:support-left", "place/middle", "col:support-right", "place/middle", "<bar>"]
    plain = start + ["pos:3", "col:forearm-right", "forward/middle"]  # from beat 3
    assert "dur:2" not in allowed(plain) and "dur:1.75" in allowed(plain)  # no contraction: not to the bar line
    assert "dur:2" not in allowed(plain + ["contraction:3"])  # another bend
    assert "dur:2" in allowed(plain + ["contraction:2"])  # the asked one: it may
    assert allowed(plain + ["contraction:2", "dur:2"]) == {"<tie>"}  # and, reaching it, ties on
    last = start + ["pos:4.75", "col:forearm-right"]
    assert allowed(last) == {"forward/middle"}
    assert allowed(last + ["forward/middle"]) == {"contraction:2"}
    assert allowed(last + ["forward/middle", "contraction:2"]) == {"dur:0.25"}


def test_a_copy_in_the_last_bar_goes_on_past_its_sources_tie():
    """Bar 2, the last bar a sequence writes, repeats bar 0, whose right forearm ties into bar 1. The last bar cannot
    tie on: the copy passes over the tie and goes on as its source does (its head at the same beat, then the end),
    where it was left to sample freely before (a pass of copies then met a choice and was written with the model:
    the 60-second job's one pass at the end)."""
    import torch

    from motiongpt.grammar import ScoreGrammarProcessor
    from motiongpt.model.repeats import RepeatedBars
    from motiongpt.vocabulary import Vocabulary

    v = Vocabulary()
    grammar = ScoreGrammarProcessor(v, bars=3, grids=[laban.BeatGrid.uniform(60, 12, 4)])  # 3 bars of 4 beats
    copying = RepeatedBars(grammar, {2: 0})

    def allowed(tokens: list[str]) -> set[str]:
        ids = torch.tensor([[v.ids[t] for t in tokens]])
        scores = copying(ids, grammar(ids, torch.zeros(1, len(v))))
        return {v.tokens[i] for i in torch.nonzero(torch.isfinite(scores[0])).flatten().tolist()}

    start = ["<bos>", "<start>", "col:support-left", "place/middle", "col:support-right", "place/middle"]
    tied = ["pos:3", "col:forearm-right", "forward/middle", "dur:2"]
    head = ["pos:3", "col:head", "forward/high", "dur:2"]  # (the head after the forearm, in staff order)
    source = ["<bar>", *tied, "<tie>", "col:head", "forward/high", "dur:2"]
    between = ["<bar>", "<cont>", "col:forearm-right", "forward/middle", "dur:1"]
    copy = ["<bar>", *tied]
    assert allowed(start + source + between + copy) == {"col:head"}  # not the tie, not the end, not a free column
    assert allowed(start + source + between + copy + head[1:]) == {"<eos>"}


def test_a_copy_turns_as_its_source_did_though_the_words_turn_is_spent(model, unmended, monkeypatch):
    """The words ask a quarter turn of the whole dance, and a model leaning to quarter turns spends it early; a
    copy of a bar that turned turns again (the music restates material the words have had: the turn budget,
    ``steering.TurnAsked``, leaves copies alone). Checked: with the budget applied to copies too, 2 of the 8 copies
    lost their source's turn."""
    import torch

    from laban.description import PhraseFacts
    from motiongpt.model import generate as module
    from motiongpt.model.conditions import fact_rows

    v = model.vocabulary
    bias = torch.zeros(len(v))
    bias[v.ids["turn:+1/4"]] = 6.0

    class Leaning(module.ScoreGrammarProcessor):
        def __call__(self, input_ids, scores):
            return super().__call__(input_ids, scores) + bias

    monkeypatch.setattr(module, "ScoreGrammarProcessor", Leaning)
    grid = laban.BeatGrid.uniform(110, 24, 4)
    rows = fact_rows([((1, 6), PhraseFacts(None, None, 2, None, None))], grid, 6)
    turned = 0
    for seed in range(8):
        written = events(model, generate(model, grid, seed=seed, facts=rows, repeats={3: 1, 4: 2}))
        assert written[3] == written[1] and written[4] == written[2]
        turned += any(v.tokens[t].startswith("turn:") for t in written[1])
    assert turned >= 1


def test_the_musics_repeats_become_the_vocabularys_bars():
    class Controls:  # staff numbers: bar 0 is an upbeat
        bars, repeat, repeat_of = np.arange(6), np.array([0, 0, 0, 1, 1, 1]), np.array([-1, -1, -1, 1, 0, 9])

    upbeat = laban.BeatGrid(tuple(np.arange(22) * 0.5), 4, 2)
    assert repeat_rows(Controls, upbeat, 6) == {3: 1, 4: 0}  # bar 5 repeats a bar that is not there
    whole = laban.BeatGrid.uniform(120, 20, 4)
    assert repeat_rows(Controls, whole, 5) == {2: 0}  # the vocabulary's bar 0 is staff bar 1


@pytest.mark.parametrize("repeats", [{1: 3}, {2: 2}, {9: 1}, {2: -1}, {"2": 1}, [3, 1]])
def test_bad_repeats_are_one_line(model, repeats):
    with pytest.raises(GenerationError) as error:
        generate(model, laban.BeatGrid.uniform(110, 16, 4), repeats=repeats)
    assert "\n" not in str(error.value) and "repeat" in str(error.value)


def test_the_command_records_whether_the_music_was_repeated(model, tmp_path):
    pytest.importorskip("music21")
    import json

    from motiongpt.cli import main

    model.save_pretrained(tmp_path / "model")
    for flags, name in (([], "a"), (["--no-repeats"], "b")):
        assert main(["generate", "--music", "corpus:bach/bwv66.6", "--bars", "2", "--no-video", *flags,
                     "--model", str(tmp_path / "model"), "-o", str(tmp_path / name)]) == 0
    assert json.loads((tmp_path / "a" / "prompt.json").read_text())["repeats"] is True
    assert json.loads((tmp_path / "b" / "prompt.json").read_text())["repeats"] is False


FIGURES = [[60, 64, 67, 72], [62, 62, 65, 69], [57, 59, 60, 52], [55, 67, 55, 67], [53, 57, 60, 65],
           [52, 55, 59, 64], [50, 53, 57, 62], [59, 62, 67, 71]]


def tune(music21, folder, bars=(0, 1, 2, 3, 0, 1), name="tune.mid"):
    """A MIDI file of 4/4 at 100 bpm playing ``FIGURES[k]`` for each k of ``bars`` (by default bars 5 and 6 repeat
    bars 1 and 2), then a closing bar."""
    part = music21.stream.Part([music21.meter.TimeSignature("4/4"), music21.tempo.MetronomeMark(number=100)])
    for pitches in [FIGURES[k] for k in bars] + [[48, 48, 48, 48]]:
        for pitch in pitches:
            part.append(music21.note.Note(pitch, quarterLength=1.0))
    path = folder / name
    part.write("midi", fp=str(path))
    return path


def test_a_dance_continued_on_music_repeats_where_that_music_repeats(tmp_path, monkeypatch):
    """``motiongpt continue --music``: the new bars are the new music's, and so are its repeats."""
    music21 = pytest.importorskip("music21")
    from pathlib import Path

    from motiongpt.cocreate import Dance, Lineage, continue_dance
    from motiongpt.cocreate.models import Loaded
    from motiongpt.conditioning.controls import controls_from_music
    from motiongpt.conditioning.music import music_features
    from motiongpt.model import generate as module

    path = tune(music21, tmp_path)
    music = controls_from_music(music_features(path, 4))
    assert [(int(b), int(o)) for b, r, o in zip(music.bars, music.repeat, music.repeat_of) if r] == [(5, 1), (6, 2)]

    asked = []
    plain = module.variations
    monkeypatch.setattr(module, "variations", lambda *a, **k: asked.append(k["repeats"]) or plain(*a, **k))
    loaded = Loaded(build(tiny_config(), seed=5).eval(), None, {"model": "tiny"})
    example = Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban"
    dance = Dance(laban.Score.load(example), {"text": None}, Lineage("example", seed=3))
    longer = continue_dance(dance, loaded, 6, music=str(path), seed=1)
    assert len(events(loaded.model, longer.score)) == 3 + 6  # an upbeat and two bars, six more
    # continued from the example's two whole bars (vocabulary bars 0, 1): new bars 2-7, the music's bars 1-6
    assert asked == [{6: 2, 7: 3}]
    assert continue_dance(dance, loaded, 3, music=str(path), seed=1) and asked[-1] == {}  # those bars not danced


def test_a_pass_of_copies_is_written_without_the_model_and_the_same(model, monkeypatch):
    """A later pass whose bars all repeat earlier ones is written by the processors alone where they leave no
    choice at any step; the dance is the same bytes as when the model runs through it."""
    from motiongpt.model import generate as module
    from motiongpt.model.sampling import NotForced

    monkeypatch.setattr(module, "WINDOW_BARS", 3)
    monkeypatch.setattr(module, "CONTEXT_BARS", 1)
    grid = laban.BeatGrid.uniform(100, 36, 4)  # 10 bars: bars 3-9 repeat bars 0-6
    repeats = {bar: bar - 3 for bar in range(3, 10)}
    plain, written = module._sample, []

    def spied(*args, **settings):
        out = plain(*args, **settings)  # raises NotForced where the processors left a choice
        written.append(settings.get("forced_only", False))
        return out

    monkeypatch.setattr(module, "_sample", spied)
    fast = [model.vocabulary.encode(generate(model, grid, seed=seed, repeats=repeats)) for seed in range(3)]
    assert True in written  # some pass was written without the model

    def without(*args, **settings):
        if settings.get("forced_only"):
            raise NotForced("the model writes every pass")
        return plain(*args, **settings)

    monkeypatch.setattr(module, "_sample", without)
    assert [model.vocabulary.encode(generate(model, grid, seed=seed, repeats=repeats)) for seed in range(3)] == fast


def test_a_dance_made_on_music_continues_on_that_musics_next_bars(tmp_path, monkeypatch):
    """``motiongpt continue`` without ``--music``: the next bars of the dance's own music, its beats, its controls
    and its repeats (new bars 5, 6 repeat bars 1, 2 of the dance, in the context the model continues from)."""
    music21 = pytest.importorskip("music21")
    from motiongpt.cocreate import continue_dance, generate as made
    from motiongpt.cocreate.models import Loaded
    from motiongpt.conditioning.music import music_features
    from motiongpt.model import generate as module

    path = tune(music21, tmp_path)
    loaded = Loaded(build(tiny_config(), seed=5).eval(), None,
                    {"model": "tiny", "model_version": "tiny", "motiongpt": "test"})
    dance = made(loaded, music=str(path), bars=4, seed=1)[0]
    asked = []
    plain = module.variations
    monkeypatch.setattr(module, "variations", lambda *a, **k: asked.append(k) or plain(*a, **k))
    longer = continue_dance(dance, loaded, 2, seed=2)
    beats = music_features(path, 4).grid.times
    assert len(longer.score.grid.times) > len(dance.score.grid.times)
    assert np.allclose(longer.score.grid.times, beats[:len(longer.score.grid.times)])  # the music's own beats
    assert asked[0]["repeats"] == {4: 0, 5: 1}  # context: bars 1-4 (vocabulary 0-3); new: the music's bars 5, 6
    assert (np.asarray(asked[0]["controls"]) >= 0).all()  # every bar's controls, the context's too
    assert longer.lineage.settings["music"] == str(path)
    with pytest.raises(laban.LabanError, match="the music has 1 bar after this dance's, fewer than the 2"):
        continue_dance(longer, loaded, 2, seed=2)
    slow = music21.stream.Part([music21.meter.TimeSignature("4/4"), music21.tempo.MetronomeMark(number=60)])
    slow.append([music21.note.Note(60, quarterLength=1.0) for _ in range(12)])
    slow.write("midi", fp=str(tmp_path / "slow.mid"))
    elsewhere = continue_dance(dance, loaded, 2, music=str(tmp_path / "slow.mid"), seed=2)  # its prompt: the tune
    assert continue_dance(elsewhere, loaded, 1, seed=3).lineage.settings["music"] is None  # its beats are not


def test_music_whose_bars_are_now_heard_elsewhere_is_read_on_the_dances_own_bars(tmp_path, monkeypatch):
    """A dance made on a recording before its bar lines were heard counted its bars from the first beat; heard
    now, the recording's first bar line may fall a beat later. Continued, the dance still goes on on its music
    (was: at its closing tempo, the music dropped), and regenerated or varied, its bars get the controls of its
    own bars (was: of bars a beat off)."""
    music21 = pytest.importorskip("music21")
    from dataclasses import replace

    from motiongpt.cocreate import continue_dance, generate as made
    from motiongpt.cocreate.editing import controls_for
    from motiongpt.cocreate.models import Loaded
    from motiongpt.conditioning import music as conditioning

    part = music21.stream.Part([music21.meter.TimeSignature("4/4"), music21.tempo.MetronomeMark(number=100)])
    part.append([music21.note.Note(60 + k % 5, quarterLength=2.0) for k in range(14)])  # struck on beats 1 and 3
    path = tmp_path / "halves.mid"
    part.write("midi", fp=str(path))
    loaded = Loaded(build(tiny_config(), seed=5).eval(), None,
                    {"model": "tiny", "model_version": "tiny", "motiongpt": "test"})
    dance = made(loaded, music=str(path), bars=4, seed=1)[0]
    before = controls_for(dance, loaded, 4)
    heard = conditioning.music_features

    def heard_later(music, meter=None):  # the same beats, the first bar line a beat later
        features = heard(music, meter)
        grid = laban.BeatGrid(features.grid.times, features.grid.beats_per_bar, 1)
        return replace(features, grid=grid, per_beat={**features.per_beat,
                                                     "metrical": conditioning.metrical_strength(grid)})

    monkeypatch.setattr(conditioning, "music_features", heard_later)
    assert heard_later(path, 4).grid.downbeat != dance.score.grid.downbeat
    assert np.array_equal(controls_for(dance, loaded, 4), before)
    longer = continue_dance(dance, loaded, 2, seed=2)
    assert longer.lineage.settings["music"] == str(path)
    beats = heard(path, 4).grid.times
    assert np.allclose(longer.score.grid.times, beats[:len(longer.score.grid.times)])


def test_a_continuation_repeats_bars_from_before_what_the_model_sees(tmp_path, monkeypatch, unmended):
    """The music's bars 9 and 10 repeat its bars 1 and 2; a 6-bar dance on it, continued by 4, is continued from
    bars 3-6 (the context), and its bars 9 and 10 are written as copies of the dance's bars 1 and 2 all the same."""
    music21 = pytest.importorskip("music21")
    from motiongpt.cocreate import continue_dance, generate as made
    from motiongpt.cocreate.models import Loaded
    from motiongpt.conditioning.controls import controls_from_music
    from motiongpt.conditioning.music import music_features
    from motiongpt.model import generate as module

    path = tune(music21, tmp_path, bars=(0, 1, 2, 3, 4, 5, 6, 7, 0, 1), name="long.mid")
    music = controls_from_music(music_features(path, 4))
    assert [(int(b), int(o)) for b, r, o in zip(music.bars, music.repeat, music.repeat_of) if r] == [(9, 1), (10, 2)]
    loaded = Loaded(build(tiny_config(), seed=5).eval(), None,
                    {"model": "tiny", "model_version": "tiny", "motiongpt": "test"})
    asked = []
    plain = module.variations
    monkeypatch.setattr(module, "variations", lambda *a, **k: asked.append(k) or plain(*a, **k))
    dance = made(loaded, music=str(path), bars=6, seed=1)[0]
    longer = continue_dance(dance, loaded, 4, seed=2)
    assert asked[-1]["repeats"] == {6: -2, 7: -1} and sorted(asked[-1]["sources"]) == [-2, -1]
    written = events(loaded.model, longer.score)  # vocabulary bar k: staff bar k + 1
    assert written[8] == written[0] != written[4]  # (bar 10's copy may meet what the untrained model holds over)
