"""Co-creation on a tiny untrained model and the example scores: every operation keeps what it promises to keep
(the bars outside an edit, token for token; the motion before it), records where its result came from, writes
its folder whole or not at all, and refuses bad input in one line."""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

import laban
from laban.score import NATURAL_POSITION, Column, Sign
from laban.algebra import bar_count, bar_start, cut, repeat
from motiongpt.cocreate import (CocreateError, Dance, Lineage, blend, continue_dance, format_history, regenerate,
                                save_variations, translate, vary)
from motiongpt.cocreate.editing import assemble, bars_of
from motiongpt.cocreate.models import Loaded
from motiongpt.cocreate.translate import support_beats_kept
from motiongpt.model import build, tiny_config

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from cocreate_figures import score_distance, token_bars  # noqa: E402

EXAMPLES = sorted((REPO / "examples").glob("*.laban"))


@pytest.fixture(scope="module")
def loaded() -> Loaded:
    return Loaded(build(tiny_config(styles=["salsa"]), seed=2).eval(), None, {"model": "tiny"})


@pytest.fixture(scope="module")
def model_dir(loaded, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("model") / "model"
    loaded.model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def dance() -> Dance:
    return Dance(laban.Score.load(REPO / "examples" / "first_phrase.laban"), {"text": "a phrase"},
                 Lineage("example", seed=3))


def cli(args: list[str], capsys) -> tuple[int, str]:
    from motiongpt.cli import main

    code = main(args)
    return code, capsys.readouterr().err


def saved(dances: dict, tmp_path: Path) -> None:
    """Each dance saved under tmp_path/dances by its name."""
    (tmp_path / "dances").mkdir()
    for name, dance in dances.items():
        dance.save(tmp_path / "dances" / name, video=False)


def assert_developed_and_made_again(folder: Path, name: str, model_dir: Path, capsys) -> None:
    """The dance ``name`` of ``folder`` regenerated at bar 2 by the command line, then every dance there made
    again the same by ``history --replay``: an older dance, its edit made now and the dance beside them."""
    from motiongpt.cli import main

    code, err = cli(["regenerate", str(folder / name), "--bars", "2", "--no-video", "-o",
                     str(folder / f"{name}-regenerate"), "--model", str(model_dir)], capsys)
    assert code == 0, err
    code = main(["history", str(folder), "--replay"])
    lines = capsys.readouterr().out.splitlines()
    count = len(list(folder.iterdir()))
    assert code == 0 and lines[-1] == f"{count} of {count} dances made again the same (0 not made again)", lines


def test_a_dance_folder_is_written_whole_and_loads_back(dance, tmp_path, monkeypatch):
    out = dance.save(tmp_path / "d", video=False)
    assert {p.name for p in out.iterdir()} == {"score.laban", "score.json", "staff.svg", "dance.bvh", "dance.beats",
                                               "prompt.json", "lineage.json"}
    again = Dance.load(out)
    assert again.score == dance.score and again.lineage == dance.lineage and again.text == "a phrase"
    moved = laban.read_bvh(out / "dance.bvh").trajectories().positions
    assert np.allclose(moved, again.motion().trajectories().positions, atol=1e-4)  # the file is the decode
    child = again.child(dance.score, "vary", seed=1)
    child.save(tmp_path / "c", video=False)
    parent = json.loads((tmp_path / "c" / "lineage.json").read_text())["parents"][0]
    assert parent == {"path": "../d", "score": again.digest()}  # relative: a tree moves as a whole

    import viz.pages

    monkeypatch.setattr(viz.pages, "save_staff", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        dance.save(tmp_path / "broken", video=False)
    with pytest.raises(OSError):
        dance.save(out, video=False)  # replacing fails: the old folder is left as it was
    assert not (tmp_path / "broken").exists() and Dance.load(out).score == dance.score
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "d"]  # no temporary folder left behind
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    with pytest.raises(CocreateError, match="holds files that are not a dance's"):
        dance.save(tmp_path / "mine", video=False)


def test_o_never_deletes_a_persons_files_nor_the_dance_it_is_made_from(dance, tmp_path):
    """-o replaces a folder of what these commands write, and only that: a dance beside a person's own files, a
    capture tokenized into a folder, the dance an edit is made from or the folder above it are refused whole
    (until 2026-12-07 any folder holding a score.laban, or a folder of one, was replaced with all it held)."""
    (tmp_path / "set").mkdir()
    dance.save(tmp_path / "set" / "1", video=False)
    (tmp_path / "set" / "overview.png").write_bytes(b"png")
    dance.save(tmp_path / "set", video=False)  # variations, replaced whole by a dance: all of it ours
    assert Dance.load(tmp_path / "set").score == dance.score
    mixed = dance.save(tmp_path / "mixed", video=False)
    (mixed / "song.mid").write_bytes(b"MThd")
    for out in (mixed, tmp_path):
        with pytest.raises(CocreateError, match="holds files that are not a dance's"):
            dance.save(out, video=False)
    assert (mixed / "song.mid").read_bytes() == b"MThd"
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "lead.bvh").write_text("a person's capture")  # a name a duet writes, without its record
    with pytest.raises(CocreateError, match="holds files that are not a dance's"):
        dance.save(tmp_path / "theirs", video=False)
    (tmp_path / "p").mkdir()
    parent = Dance.load(dance.save(tmp_path / "p" / "a", video=False))
    dance.save(tmp_path / "p" / "b", video=False)
    child = parent.child(dance.score, "vary", seed=1)
    for out, said in ((tmp_path / "p" / "a", "is the dance which"), (tmp_path / "p", "holds .*a, which")):
        with pytest.raises(CocreateError, match=said):
            child.save(out, video=False)
    assert {p.name for p in (tmp_path / "p").iterdir()} == {"a", "b"}


def test_a_hand_edit_of_score_laban_wins_and_without_it_score_json_is_read_and_said(dance, tmp_path):
    """score.laban is the file a person edits: it is read, silently, when score.json beside it disagrees; when it
    is gone, score.json is read, and said, since a hand edit made in the score.laban is not in it."""
    out = dance.save(tmp_path / "d", video=False)
    laban_file = out / "score.laban"
    edited = laban_file.read_text().replace("bar 1\n", "bar 1\n  1 head right high 1/2\n", 1)  # a head turned
    assert edited != laban_file.read_text()
    laban_file.write_text(edited)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Dance.load(out).score == laban.Score.load(laban_file) != dance.score
    json_file = out / "score.json"  # score.json edited after score.laban (by a program): score.laban read, and said
    json_file.write_text(json_file.read_text().replace('"title": "', '"title": "renamed ', 1))
    later = laban_file.stat().st_mtime + 60
    os.utime(json_file, (later, later))
    with pytest.warns(UserWarning, match=r"score.json was changed after score.laban and says another score"):
        assert Dance.load(out).score == laban.Score.load(laban_file)
    laban_file.unlink()
    with pytest.warns(UserWarning, match=r"d: no score.laban, so the score is read from score.json$"):
        assert Dance.load(out).score != dance.score  # (the renamed one)


@pytest.mark.parametrize(("name", "content", "said"), [
    ("lineage.json", "[1, 2]", "not a JSON object of named fields"),
    ("lineage.json", '{"operation": "vary", "parents": "abc"}', "its parents are not a list"),
    ("lineage.json", '{"operation": "vary", "bars": 5}', "its bars are not"),
    ("lineage.json", '{"operation": "vary", "settings": [1]}', "its settings are not a record"),
    ("prompt.json", '"hello"', "not a JSON object of named fields"),
    ("prompt.json", '{"text": 5}', "its text is not text"),  # (vary and regenerate raised a TypeError deep inside)
    ("prompt.json", '{"text": "a turn", "bars": "four"}', "its bars is not a whole number"),
    ("prompt.json", '{"top_p": NaN}', "its top_p is not a number"),
    ("prompt.json", '{"phrases": [[1, 2, 3]]}', "its phrases are not"),
])
def test_a_damaged_record_of_a_dance_is_one_line(dance, tmp_path, name, content, said):
    out = dance.save(tmp_path / "d", video=False)
    (out / name).write_text(content)
    with pytest.raises(CocreateError, match=said) as error:
        Dance.load(out)
    assert "\n" not in str(error.value) and str(error.value).startswith(str(out / name))


def test_generate_writes_ranked_variations_with_an_overview(model_dir, tmp_path, capsys):
    args = ["generate", "--bars", "2", "--bpm", "100", "--seed", "4", "--text", "a turn", "--variations", "3",
            "--model", str(model_dir), "-o", str(tmp_path / "v")]
    code, err = cli(args, capsys)
    assert code == 0, err
    assert {p.name for p in (tmp_path / "v").iterdir()} == {"1", "2", "3", "overview.png"}
    prompts = [json.loads((tmp_path / "v" / str(k) / "prompt.json").read_text()) for k in (1, 2, 3)]
    assert [p["rank"] for p in prompts] == [1, 2, 3]
    qualities = [p["quality"]["quality"] for p in prompts]
    assert qualities == sorted(qualities, reverse=True)
    lineages = [Dance.load(tmp_path / "v" / str(k)).lineage for k in (1, 2, 3)]
    assert len({x.settings["row"] for x in lineages}) == 3  # each names the draw it was, of 3 x 4 (best of 4)
    assert {x.settings["pool"] for x in lineages} == {12}
    # the API makes the same dances, in the same order, to the byte
    from motiongpt.cocreate import generate, load_model

    again = generate(load_model(model_dir), text="a turn", bars=2, bpm=100, seed=4, count=3)
    for k, dance in enumerate(again, 1):
        dance.score.save(tmp_path / f"{k}.json")
        assert (tmp_path / f"{k}.json").read_bytes() == (tmp_path / "v" / str(k) / "score.json").read_bytes()


def flights(score, first: int, last: int) -> int:
    """Flights starting in staff bars ``first``..``last``."""
    return sum(s.sign == Sign.FLIGHT and bar_start(score.grid, first) <= s.start < bar_start(score.grid, last + 1)
               for s in score.symbols)


def test_words_given_bar_by_bar_ask_of_their_bars(model_dir, tmp_path, capsys):
    """A jump asked of bars 3-4 is danced there and a jump asked of bars 1-2 there (the asked jump is pushed for,
    phrase by phrase); prompt.json records the phrases, which the dance reads back as its words."""
    from motiongpt.cocreate import generate, load_model

    loaded = load_model(model_dir)
    walk, jump = "four steps forward", "a jump"
    late = [generate(loaded, phrases=[((1, 2), walk), ((3, 4), jump)], bars=4, bpm=100, seed=s)[0].score
            for s in range(3)]
    early = [generate(loaded, phrases=[((1, 2), jump), ((3, 4), walk)], bars=4, bpm=100, seed=s)[0].score
             for s in range(3)]
    assert sum(flights(s, 3, 4) for s in late) > sum(flights(s, 1, 2) for s in late)
    assert sum(flights(s, 1, 2) for s in early) > sum(flights(s, 3, 4) for s in early)
    code, err = cli(["generate", "--phrase", "3-4", jump, "--phrase", "1-2", walk, "--bars", "4", "--bpm", "100",
                     "--model", str(model_dir), "-o", str(tmp_path / "p")], capsys)
    assert code == 0, err
    prompt = json.loads((tmp_path / "p" / "prompt.json").read_text())
    assert prompt["text"] is None and prompt["phrases"] == [[1, 2, walk], [3, 4, jump]]
    made = Dance.load(tmp_path / "p")
    assert made.words == [((1, 2), walk), ((3, 4), jump)] and made.text == f"{walk}; {jump}"
    assert made.score == late[0]  # the command is the API, to the symbol
    # the same phrases from a file, a line each, as motiongpt describe writes them
    (tmp_path / "words.txt").write_text(f"bars 1-2: {walk}\nbars 3-4: {jump}\n")
    code, err = cli(["generate", "--words-file", str(tmp_path / "words.txt"), "--bars", "4", "--bpm", "100",
                     "--model", str(model_dir), "-o", str(tmp_path / "f")], capsys)
    assert code == 0, err
    assert (tmp_path / "f" / "score.json").read_bytes() == (tmp_path / "p" / "score.json").read_bytes()
    (tmp_path / "back.txt").write_text(f"bars 3-1: {walk}\n")  # said as --phrase says it, not as bars the dance lacks
    code, err = cli(["generate", "--words-file", str(tmp_path / "back.txt"), "--bars", "4", "--bpm", "100",
                     "--model", str(model_dir), "-o", str(tmp_path / "b")], capsys)
    assert code == 2 and "bars 3-1: the last bar comes before the first" in err and not (tmp_path / "b").exists()


def test_a_dance_worded_bar_by_bar_keeps_its_phrases_through_its_edits(model_dir, monkeypatch):
    """Regenerated bars are written under the phrases over them, new words become the phrase of the bars
    rewritten (the phrases they cut keep their bars on either side), a continuation is one more phrase under the
    words of the last; a dance worded as a whole given new words for some bars is worded bar by bar from then on."""
    from motiongpt.cocreate import generate, load_model
    from motiongpt.cocreate.generate import phrases_in, rephrased, words_at

    loaded = load_model(model_dir)
    phrases = [((1, 2), "four steps forward"), ((3, 4), "a jump")]
    assert rephrased(phrases, 2, 3, "a turn") == [((1, 1), "four steps forward"), ((2, 3), "a turn"),
                                                   ((4, 4), "a jump")]
    assert rephrased(phrases, 1, 4, "a turn") == [((1, 4), "a turn")]
    assert words_at(phrases, 3) == "a jump" and words_at([((1, 1), "x")], 2) is None
    assert phrases_in("1-2: four steps forward\n 3 - 4 : a jump\n") == phrases
    assert phrases_in("bars 1-2: four steps forward\nBar 3: a jump") == [phrases[0], ((3, 3), "a jump")]
    assert phrases_in("a slow solo: steps forward") is None and phrases_in("1-2: walk\nthen a jump") is None
    dance = generate(loaded, phrases=phrases, bars=4, bpm=100, seed=1)[0]
    asked = []  # the words each regenerate gives the model
    regenerating = sys.modules["motiongpt.cocreate.regenerate"]
    real_fill = regenerating.fill
    monkeypatch.setattr(regenerating, "fill", lambda *a, **k: asked.append(k["text"]) or real_fill(*a, **k))
    kept = regenerate(dance, loaded, 3, 4, seed=2)
    turned = regenerate(dance, loaded, 2, 3, text="a turn", seed=2)
    assert asked == [phrases, "a turn"]
    assert kept.phrases == phrases
    assert turned.phrases == [((1, 1), "four steps forward"), ((2, 3), "a turn"), ((4, 4), "a jump")]
    longer = continue_dance(dance, loaded, 2, seed=0)
    assert longer.phrases == phrases + [((5, 6), "a jump")] and longer.prompt["text"] is None
    assert blend(dance, longer, loaded, 2).phrases is None  # a blend's bars are not its parents': one text
    # a dance worded as a whole: new words for some bars make it worded bar by bar, so that a later edit of the
    # other bars is written under their own words, not the last words given
    plain = generate(loaded, text="four steps forward", bars=4, bpm=100, seed=1)[0]
    turned = regenerate(plain, loaded, 3, 4, text="a turn", seed=2)
    assert turned.phrases == [((1, 2), "four steps forward"), ((3, 4), "a turn")] and turned.prompt["text"] is None
    asked.clear()
    regenerate(turned, loaded, 1, 1, seed=3)
    assert asked == [turned.phrases]
    assert regenerate(plain, loaded, 1, 1, seed=3).prompt == plain.prompt  # no new words: worded as before
    assert continue_dance(plain, loaded, 1, text="a jump", seed=0).phrases == [((1, 4), "four steps forward"),
                                                                               ((5, 5), "a jump")]


def test_vary_moves_further_with_strength(dance, loaded):
    vocabulary = loaded.model.vocabulary
    header, bars = bars_of(vocabulary, dance.score)
    long = Dance(assemble(vocabulary, header, bars + bars[1:] * 2, laban.BeatGrid(tuple(0.6 * np.arange(26)), 4, 1),
                          "thrice"), dance.prompt, dance.lineage)  # 7 bars of real material
    assert [v.score for v in vary(long, loaded, 0.0, count=2)] == [long.score] * 2
    distance = [np.mean([score_distance(long.score, v.score)
                         for v in vary(long, loaded, strength, count=3, seed=1, rank_them=False)])
                for strength in (0.0, 0.3, 1.0)]
    assert distance[0] == 0 and all(np.diff(distance) > 0), distance


def test_a_variation_of_a_short_dance_rewrites_a_bar_at_least(dance, loaded):
    """A quarter of a dance of 1 or 2 bars rounded to no bar: vary gave the dance back as each variation, and the
    studio's Vary near on a short phrase showed four options that were the dance itself. A variation asked for
    (strength above 0) rewrites one bar at least; strength 0 still gives the dance back, and variations made before
    (no ``least`` in their lineage) are made again as they were made."""
    from motiongpt.cocreate.replay import replay

    vocabulary = loaded.model.vocabulary
    header, bars = bars_of(vocabulary, dance.score)  # the upbeat, then two bars
    short = Dance(assemble(vocabulary, header, bars[1:], laban.BeatGrid(tuple(0.6 * np.arange(9)), 4, 0), "two"),
                  dance.prompt, dance.lineage)
    near = vary(short, loaded, 0.25, count=3, seed=1, rank_them=False)
    assert all(v.score != short.score and v.lineage.bars in ((1, 1), (2, 2)) for v in near)
    assert [len(token_bars(vocabulary, v.score)) for v in near] == [2, 2, 2]
    assert [v.score for v in vary(short, loaded, 0.0, count=2)] == [short.score] * 2
    older = vary(short, loaded, 0.25, count=2, seed=1, rank_them=False, least=0)
    assert [v.score for v in older] == [short.score] * 2 and "least" not in older[0].lineage.settings
    for made in (near, older):
        assert [replay(v, [short], lambda style: loaded, {}).score for v in made] == [v.score for v in made]


def test_regenerate_keeps_every_other_bar_and_the_motion_before(dance, loaded):
    vocabulary = loaded.model.vocabulary
    before = token_bars(vocabulary, dance.score)
    for seed in range(2):
        edited = regenerate(dance, loaded, 2, 2, seed=seed)
        after = token_bars(vocabulary, edited.score)
        assert after[:2] == before[:2] and len(after) == len(before)
        assert edited.lineage.bars == (2, 2) and edited.decode_seed == dance.decode_seed
        # a symbol of the kept bars that runs into the edited one (the plié closing bar 1) goes on as written:
        # the kept bars keep their symbols whole, lengths included
        edge = bar_start(dance.score.grid, 2)
        kept = [s for s in dance.score.symbols if s.start < edge - 1e-9]
        assert any(s.end > edge for s in kept) and set(kept) <= set(edited.score.symbols), seed
        # the motion before the bar ahead of the edit is the same motion (the decoder is bar-local)
        a, b = dance.motion().trajectories(), edited.motion().trajectories()
        end = int(dance.score.grid.beats_to_seconds(bar_start(dance.score.grid, 1)) * a.fps)
        assert np.abs(a.positions[:end] - b.positions[:end]).max() < 1e-6
    with pytest.raises(CocreateError, match="not bars of this score"):
        regenerate(dance, loaded, 2, 5)
    with pytest.raises(CocreateError, match="never negative"):
        regenerate(dance, loaded, -1, 1)


def test_bars_of_a_dance_longer_than_the_model_reads_are_regenerated_and_varied_in_a_window(dance, loaded):
    """A dance past the positions the model reads at once (the tiny model's 2048 here; 4096 built in: some 130
    bars of a busy dance) was refused whole by regenerate and vary. The model now reads the bars around those it
    writes, 8 in all as it was trained to fill in (``editing.fill_window``), and the new bars go back into the
    whole dance: every other bar as it was, token for token. The new bars are the same whatever lies outside the
    window (the same bars in a dance of 43 bars); a dance of 8 bars or fewer is still read whole."""
    vocabulary = loaded.model.vocabulary
    header, bars = bars_of(vocabulary, dance.score)  # the upbeat, then two bars of real material

    def repeated(times: int) -> Dance:
        material = bars + bars[1:] * times
        grid = laban.BeatGrid(tuple(0.6 * np.arange(2 + (len(material) - 1) * 4)), 4, 1)
        return Dance(assemble(vocabulary, header, material, grid, "long"), dance.prompt, dance.lineage)

    long, shorter = repeated(66), repeated(20)
    before = token_bars(vocabulary, long.score)
    assert len(before) == 135 and len(vocabulary.encode(long.score)) > loaded.model.config.max_position_embeddings
    edited = regenerate(long, loaded, 100, 101, seed=0)
    after = token_bars(vocabulary, edited.score)
    assert len(after) == len(before) and after[:100] == before[:100] and after[102:] == before[102:]
    assert after[100:102] != before[100:102] and edited.lineage.bars == (100, 101)
    assert token_bars(vocabulary, regenerate(shorter, loaded, 20, 21, seed=0).score)[20:22] == after[100:102]
    for seed in range(2):
        varied = vary(long, loaded, 0.02, count=1, seed=seed)[0]
        first, last = varied.lineage.bars
        after = token_bars(vocabulary, varied.score)
        assert last - first + 1 == 3 and after[:first] == before[:first] and after[last + 1:] == before[last + 1:]
    from motiongpt.cocreate.editing import FILL_WINDOW_BARS, fill_window

    assert fill_window(vocabulary, long.score, 100, 102) == (97, 105)  # 3 bars either side
    assert fill_window(vocabulary, long.score, 0, 1) == (0, FILL_WINDOW_BARS)  # moved in from the dance's ends
    assert fill_window(vocabulary, long.score, 133, 135) == (135 - FILL_WINDOW_BARS, 135)
    assert fill_window(vocabulary, long.score, 10, 30) == (8, 32)  # a longer run: 2 bars either side
    assert fill_window(vocabulary, repeated(2).score, 3, 4) == (0, 7)  # 7 bars: the whole dance, as before
    from motiongpt.cocreate.replay import replay

    # the lineage says how the bars were read: an edit made before (no window recorded) read the whole dance, and
    # is made again so; one made now is made again in its window
    short = repeated(8)  # 19 bars: read whole, or in a window
    for window in (None, FILL_WINDOW_BARS):
        edit = regenerate(short, loaded, 12, 13, seed=0, window=window)
        assert edit.lineage.settings.get("window") == window
        assert replay(edit, [short], lambda style: loaded).score == edit.score
        varied = vary(short, loaded, 0.1, count=2, seed=1, window=window)
        assert [replay(v, [short], lambda style: loaded, {}).score for v in varied] == [v.score for v in varied]


def test_a_window_reaches_back_to_what_runs_into_the_bars_written(loaded):
    """The window read around the bars written starts where nothing begun before it still runs into them: cut at a
    held arm (``laban.algebra.cut`` keeps only where the arm is), the new bar was not tied to it and the kept arm
    was cut short at their bar line, 20 beats of its 24 (3 seeds of 3)."""
    from laban.score import Direction, Level, Score, Symbol
    from motiongpt.cocreate.editing import fill_window

    grid = laban.BeatGrid(tuple(0.5 * np.arange(81)), 4, 0)  # 20 bars, none an upbeat
    feet = [Symbol(4.0 * k, c, 4.0, Sign.HOLD) for k in range(20)
            for c in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]
    arm = Symbol(20.0, Column.UPPER_ARM_RIGHT, 24.0, Sign.DIRECTION, Direction.RIGHT, Level.HIGH)  # bars 6-11
    held = Dance(Score(grid, feet + [arm]), {"text": "a phrase"}, Lineage("example", seed=3))
    vocabulary = loaded.model.vocabulary
    assert fill_window(vocabulary, Score(grid, feet), 10, 11) == (7, 15)
    assert fill_window(vocabulary, held.score, 10, 11) == (5, 15)  # from the arm's bar
    for seed in range(3):
        edited = regenerate(held, loaded, 11, 11, seed=seed)
        assert arm in edited.score.symbols, seed  # kept whole: the new bar carries it on to its end


def test_edits_follow_their_words_as_generate_does_and_older_ones_replay_as_made(dance, loaded, monkeypatch):
    """Regenerate and continue write their bars with generate's guidance, top-p and best-of (filled in as the model
    is, the built-in model kept 0.63 of what 59 validation phrases asked, 0.89 so), and their lineage says so; an
    edit whose lineage records none of it (made before) is made again as it was, the model as it is."""
    from dataclasses import replace

    import motiongpt.model.generate as generation
    from motiongpt.cocreate.generate import AS_THE_MODEL_IS, BEST_OF_BARS, MUSIC_GUIDANCE, TOP_P, WORDS_GUIDANCE
    from motiongpt.cocreate.replay import replay

    asked = []
    sample = generation.variations
    monkeypatch.setattr(generation, "variations", lambda *a, **k: asked.append(k) or sample(*a, **k))
    edited = regenerate(dance, loaded, 2, 2, text="four steps forward", seed=1)
    longer = continue_dance(dance, loaded, BEST_OF_BARS + 1, seed=1)
    for made, settings in zip((edited, longer), asked):
        assert settings["guidance"] == {"words": WORDS_GUIDANCE, "music": MUSIC_GUIDANCE}
        assert settings["top_p"] == TOP_P and settings["best_of"] == (4 if made is edited else 1)  # one bar; 13
        assert {k: made.lineage.settings[k] for k in AS_THE_MODEL_IS} == {
            "guidance": WORDS_GUIDANCE, "music_guidance": MUSIC_GUIDANCE, "top_p": TOP_P,
            "best_of": settings["best_of"]}
    for made in (regenerate(dance, loaded, 2, 2, text="four steps forward", seed=1, **AS_THE_MODEL_IS),
                 continue_dance(dance, loaded, 2, seed=1, **AS_THE_MODEL_IS)):
        older = Dance(made.score, made.prompt, replace(made.lineage, settings={
            k: v for k, v in made.lineage.settings.items() if k not in AS_THE_MODEL_IS}))
        assert replay(older, [dance], lambda style: loaded).score == made.score
    assert asked[-1]["guidance"] == {"words": 1.0, "music": 1.0} and asked[-1]["best_of"] == 1


def test_regenerated_bars_give_the_kept_bars_their_limbs_back():
    """A limb stays where its last sign put it until its next sign, so new bars that leave an arm elsewhere moved
    that arm in every kept bar after them (the built-in model's regenerated dances: a hand 18-20 cm away for bars
    on end, in 3 of 12). The new bars now end with each arm, the head and the torso in the cell the kept bars
    expect them in: the motion a beat after the edit is the parent's again."""
    from laban.score import Direction, Level, Score, Sign, Symbol
    from motiongpt.cocreate.editing import limbs_returned

    grid = laban.BeatGrid(tuple(0.5 * np.arange(17)), 4, 0)
    feet = [Symbol(0.0, c, 16.0, Sign.HOLD) for c in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]
    arm = Column.UPPER_ARM_RIGHT
    after = [Symbol(12.0, Column.HEAD, 1.0, Sign.DIRECTION, Direction.FORWARD, Level.MIDDLE)]  # a kept bar
    parent = Score(grid, feet + after + [Symbol(4.0, arm, 1.0, Sign.DIRECTION, Direction.PLACE, Level.LOW)])
    # bars 2-3 (beats 4-12) written anew: the arm raised and left there; the head turned, the torso untouched
    new = [Symbol(5.0, arm, 4.0, Sign.DIRECTION, Direction.RIGHT, Level.HIGH),
           Symbol(6.0, Column.HEAD, 1.0, Sign.DIRECTION, Direction.LEFT, Level.MIDDLE)]
    edited = Score(grid, feet + after + new)
    returned = limbs_returned(parent, edited, 4.0, 12.0, 0.25)
    added = {(s.column, s.end, s.direction, s.level): s for s in set(returned.symbols) - set(edited.symbols)}
    assert set(added) == {(arm, 12.0, Direction.PLACE, Level.LOW),  # the arm's own place in the parent
                          (Column.HEAD, 12.0, *NATURAL_POSITION[Column.HEAD])}  # the head's: nothing written
    assert set(edited.symbols) <= set(returned.symbols)  # the new signs as written: they end before the returns
    # the arm comes down 135° at an unhurried pace (two beats here), the head turns back 90° (a beat and a quarter)
    assert added[(arm, 12.0, Direction.PLACE, Level.LOW)].start == 10.0
    assert added[(Column.HEAD, 12.0, *NATURAL_POSITION[Column.HEAD])].start == 10.75
    assert limbs_returned(parent, parent, 4.0, 12.0, 0.25).symbols == parent.symbols  # nothing to return
    first, second, third = (laban.decode(s, seed=0).trajectories().positions for s in (parent, edited, returned))
    later = int(np.ceil(grid.beats_to_seconds(13.0) * 30.0))  # a beat after the edit
    assert np.abs(first[later:] - second[later:]).max() > 0.1  # before: the arm stayed up
    # back in the same cells, and to the same places in them (where in a cell a limb goes is drawn once for the
    # dance, ``laban.decoder.gestures.spot``): under 0.1 mm; drawn afresh for each sign, 1.7 cm remained here
    assert np.abs(first[later:] - third[later:]).max() < 1e-4


def test_a_hand_edit_of_the_score_is_regenerated_around(dance, loaded, tmp_path):
    folder = dance.save(tmp_path / "d", video=False)
    text = (folder / "score.laban").read_text()
    score = laban.Score.load(folder / "score.laban")
    arm = next(s for s in score.symbols if s.column is laban.Column.UPPER_ARM_LEFT and s.start < 4)
    from dataclasses import replace

    hand = replace(arm, level=laban.Level.HIGH if arm.level is not laban.Level.HIGH else laban.Level.LOW)
    edited = replace(score, symbols=[hand if s is arm else s for s in score.symbols])
    edited.save(folder / "score.laban")
    assert (folder / "score.laban").read_text() != text
    result = regenerate(Dance.load(folder), loaded, 2, 2, seed=1)
    assert hand in result.score.symbols and arm not in result.score.symbols


def test_continue_keeps_the_dance_and_adds_bars(dance, loaded, trials, tmp_path):
    vocabulary = loaded.model.vocabulary
    longer = continue_dance(dance, loaded, 2, seed=1)
    before, after = token_bars(vocabulary, dance.score), token_bars(vocabulary, longer.score)
    assert after[:len(before)] == before and len(after) == len(before) + 2
    assert np.allclose(longer.score.grid.times[:len(dance.score.grid.times)], dance.score.grid.times)
    assert longer.lineage.operation == "continue" and longer.lineage.bars == (3, 4)
    again = continue_dance(longer, loaded, 1, seed=2)  # a continued dance is a score the model reads again
    assert token_bars(vocabulary, again.score)[:len(after)] == after
    # a capture, tokenized first
    from laban import read_motion, write_bvh
    from motiongpt.cocreate import from_capture
    from motiongpt.data import first_seconds

    capture = tmp_path / "take.bvh"
    write_bvh(first_seconds(read_motion(trials["05_02"].path), 4.0), capture)
    taken = from_capture(capture)
    assert taken.lineage.operation == "capture" and taken.skeleton == capture
    continued = continue_dance(taken, loaded, 2, seed=0)
    assert token_bars(vocabulary, continued.score)[:-3] == token_bars(vocabulary, taken.score)[:-1]
    # the capture ends inside its last bar: the weight it ends on holds to the bar line (``hold_to``)
    end = taken.score.duration
    added = [s for s in continued.score.symbols if s not in taken.score.symbols and s.start < end + 1e-9]
    join = bar_start(continued.score.grid, continued.lineage.bars[0])
    assert added and all(s.sign is Sign.HOLD and s.column.is_support and s.end == join for s in added)
    assert set(taken.score.symbols) <= set(continued.score.symbols)  # nothing of the capture's last bar lost


def test_a_capture_on_a_rig_named_by_a_map_is_continued_on_that_rig(trials, model_dir, tmp_path, capsys):
    """``continue capture.bvh --map ...`` on a rig whose joints are named J1, J2, ...: the capture was tokenized
    with the map, but its continuation was performed on the capture's skeleton without it, and the command failed
    asking for the --map it had been given. The continuation, and what is made from it, dance on the rig."""
    from conftest import anonymous_rig
    from laban import read_motion, write_bvh
    from motiongpt.cli import main
    from motiongpt.data import first_seconds

    write_bvh(first_seconds(read_motion(trials["05_02"].path), 4.0), tmp_path / "named.bvh")
    mapping = anonymous_rig(tmp_path / "named.bvh", tmp_path / "take.bvh")
    assert main(["continue", str(tmp_path / "take.bvh"), "--bars", "1", "--no-video", "--model", str(model_dir),
                 *mapping, "-o", str(tmp_path / "more")]) == 0, capsys.readouterr().err
    rig = laban.read_bvh(tmp_path / "take.bvh").skeleton.names
    assert laban.read_bvh(tmp_path / "more" / "dance.bvh").skeleton.names == rig
    assert main(["regenerate", str(tmp_path / "more"), "--bars", "1", "--no-video", "--model", str(model_dir),
                 "-o", str(tmp_path / "again")]) == 0, capsys.readouterr().err
    assert laban.read_bvh(tmp_path / "again" / "dance.bvh").skeleton.names == rig


def test_a_dance_continued_at_its_own_tempo_keeps_its_tempo_line(dance, loaded, tmp_path):
    """The continuation's grid joins the dance's beats and the new bars' at its closing tempo; summed in floats,
    the times came out a last digit off the steady tempo's, and score.laban listed every beat's time instead of
    ``tempo: ...``, so a choreographer changing the tempo by hand had every time to edit."""
    from laban.formats.json import uniform_tempo

    tempo = uniform_tempo(dance.score.grid)
    assert tempo is not None  # the case: a dance at a steady tempo
    longer = continue_dance(dance, loaded, 3, seed=1)
    assert uniform_tempo(longer.score.grid) == tempo
    longer.score.save(tmp_path / "longer.laban")
    assert f"tempo: {tempo!r}" in (tmp_path / "longer.laban").read_text()


def test_continue_holds_the_weight_a_dance_ends_on_to_its_last_bar_line(loaded):
    """A dance whose last step ends before its last bar line keeps its weight there; continued, the empty time
    would be a jump from that step (the built-in model's dance at seed 45 moved 43 mm before the join). The kept
    bars are the dance's, the last one with the hold it was performed with, and the motion before the join less a
    beat is the dance's."""
    from laban.score import Direction, Level, Score, Symbol
    from laban.timing import BeatGrid

    right, left = Column.SUPPORT_RIGHT, Column.SUPPORT_LEFT
    score = Score(BeatGrid(tuple(60.0 / 110.0 * np.arange(9)), 4, 0),
                  [Symbol(0.0, right, 4.0, Sign.HOLD), Symbol(0.0, left, 4.0, Sign.HOLD),
                   Symbol(4.0, left, 1.25, Sign.DIRECTION, Direction.FORWARD, Level.MIDDLE),
                   Symbol(5.25, right, 2.0, Sign.DIRECTION, Direction.FORWARD, Level.LOW, space=2),
                   Symbol(4.0, Column.UPPER_ARM_LEFT, 4.0, Sign.DIRECTION, Direction.FORWARD, Level.HIGH)])
    dance = Dance(score, {"text": "steps forward"}, Lineage("example", seed=0))
    vocabulary = loaded.model.vocabulary
    for seed in range(3):
        longer = continue_dance(dance, loaded, 1, seed=seed)
        assert token_bars(vocabulary, longer.score)[0] == token_bars(vocabulary, score)[0]
        last = [s for s in longer.score.symbols if 4.0 <= s.start < 8.0]
        assert [s for s in last if s not in score.symbols] == [Symbol(7.25, right, 0.75, Sign.HOLD)]
        assert all(s in last for s in score.symbols if s.start >= 4.0)  # and nothing of it lost
        before = int(np.ceil(score.grid.beats_to_seconds(7.0) * 30.0))
        alone = dance.motion().trajectories().positions[:before]
        assert np.abs(longer.motion().trajectories().positions[:before] - alone).max() < 1e-6


def test_continue_holds_no_weight_on_a_free_foot_at_the_join(dance, loaded):
    """The first new bar may not open with a hold on a foot that bears no weight at the join (a transfer without
    a step: the decoder can only jump the foot to the floor); a foot that bears it may hold."""
    from motiongpt.cocreate.extend import closed
    from motiongpt.cocreate.onsets import WeightHeld
    from motiongpt.grammar import ScoreGrammarProcessor

    vocabulary = loaded.model.vocabulary
    prompt = closed(vocabulary, dance.score)
    kept = len(vocabulary.bar_spans(prompt)) - 1
    hold = vocabulary.what0 + vocabulary.whats.index("hold")
    for column, weight, refused in ((1, {2}, True), (1, {1}, False), (2, {1, 2}, False)):
        ids = torch.tensor([prompt + [vocabulary.position0, vocabulary.column0 + column]])
        grammar = ScoreGrammarProcessor(vocabulary, bars=kept + 2, grids=[dance.score.grid])
        scores = grammar(ids, torch.zeros(1, len(vocabulary)))
        assert torch.isfinite(scores[0, hold])
        scores = WeightHeld(grammar, kept, weight)(ids, scores)
        assert bool(torch.isinf(scores[0, hold])) is refused
        assert torch.isfinite(scores).sum() > 1  # other supports stay open


def test_new_bars_go_on_in_the_dances_own_style_unless_another_is_asked(dance, loaded):
    from dataclasses import replace

    from motiongpt.cocreate.models import style_for

    assert style_for(loaded, replace(dance, prompt={"style": "salsa"})) == "salsa"
    assert style_for(loaded, replace(dance, prompt={"style": "tango"})) is None  # not a style the model knows
    assert style_for(replace(loaded, style="salsa"), replace(dance, prompt={})) == "salsa"


def test_blend_keeps_both_ends_and_names_both_parents(dance, loaded):
    other = Dance(laban.Score.load(EXAMPLES[1]), {"text": "a leap"}, Lineage("example"))
    if other.score.beats_per_bar != dance.score.beats_per_bar:
        with pytest.raises(CocreateError, match="one meter"):
            blend(dance, other, loaded, 2)
        other = Dance(repeat(dance.score, 2), {"text": "twice"}, Lineage("example"))
    vocabulary = loaded.model.vocabulary
    mixed = blend(dance, other, loaded, 3, seed=0)
    bars = token_bars(vocabulary, mixed.score)
    a = token_bars(vocabulary, dance.score)
    assert bars[:2] == a[-2:] and len(bars) == 2 + 3 + 2
    assert bars[-2:] == token_bars(vocabulary, cut(other.score, 1, 2))  # B's first bars, as they stand alone
    assert len(mixed.lineage.parents) == 2 and mixed.lineage.operation == "blend"


def test_a_blend_hands_the_body_over_from_a_to_b_one_part_at_a_time(dance, loaded):
    """The crossfade's bridge dances the two bars it joins (A's last, B's first), more and more of it as B's: body
    part by body part (head, torso, arms, then the feet, or the feet first, one order all through) and, inside the
    part changing over, from a beat that only comes earlier bar by bar; a part handed over whole takes B's posture
    with it (a limb B's bar leaves where it was is first carried to where B holds it)."""
    from motiongpt.cocreate.blend import ORDERS

    other = Dance(repeat(dance.score, 2), {"text": "twice"}, Lineage("example"))
    bars = 6
    mixed = blend(dance, other, loaded, bars, seed=0)
    last_a = cut(dance.score, 2, 2)  # the first phrase's bars: 0 (an upbeat), 1, 2
    first_b = cut(other.score, 1, 1)

    def content(score, column):
        return {(s.start, s.duration, s.direction, s.level) for s in score.symbols if s.column is column}

    columns = [c for c in Column if content(last_a, c) != content(first_b, c)]
    groups = [{c: g for g, names in enumerate(order) for c in names} for order in ORDERS]
    kept_a, kept_b, inside = [], [], False
    for k in range(bars):
        bridge = cut(mixed.score, 3 + k, 3 + k)
        kept_a.append({c: content(last_a, c) & content(bridge, c) for c in columns})
        kept_b.append({c: content(first_b, c) & content(bridge, c) for c in columns})
        whole = {c for c in columns if kept_b[k][c] == content(first_b, c) and kept_a[k][c] <= content(first_b, c)}
        begun = {c for c in columns if kept_a[k][c] != content(last_a, c) or kept_b[k][c] - content(last_a, c)}
        groups = [group for group in groups  # a part changes over only once every part before it has, in an order
                  if all(c in whole for d in begun for c in columns if group[c.value] < group[d.value])]
        assert groups, k
        inside |= any(s[0] > 0 and s not in content(last_a, c) | content(first_b, c) for c in begun - whole
                      for s in content(bridge, c))  # cut at a beat inside the bar
        for c in whole - (set() if k == 0 else previous):
            if c in NATURAL_POSITION and not any(s.start == 0 for s in first_b.symbols if s.column is c):
                held = {(s.direction, s.level) for s in first_b.starting_position if s.column is c}
                assert {(s.direction, s.level) for s in bridge.symbols if s.column is c and s.start == 0} \
                    == (held or {NATURAL_POSITION[c]}), (k, c)
        previous = whole
    for k in range(bars - 1):  # B's part only grows, A's only shrinks
        assert all(kept_a[k + 1][c] <= kept_a[k][c] and kept_b[k][c] <= kept_b[k + 1][c] for c in columns), k
    assert sum(map(len, kept_b[-1].values())) > sum(map(len, kept_b[0].values())) and inside


def test_a_crossfade_steps_evenly_from_a_to_b(trials, loaded):
    """The bridge's bars stand further from A and nearer B bar by bar as the text ↔ score evaluator places them
    (``blend.positions``), on two captured dances (training takes). Handed over at even levels, the upper body's
    handover read as a few hundredths a bar either way and the feet's as most of the way: this pair's bridge stood
    still, fell and then jumped (Spearman rho 0.09)."""
    from scipy.stats import spearmanr

    from motiongpt.cocreate.blend import positions

    scores = [laban.tokenize(laban.read_bvh(trials[name].path)) for name in ("05_02", "05_10")]
    a, b = (Dance(cut(score, 1, min(6, bar_count(score))), {"text": "a dance"}, Lineage("example")) for score in scores)
    bars = 6
    mixed = blend(a, b, loaded, bars)
    places = positions(mixed.score, a.score, b.score)[2:2 + bars]  # after A's two kept bars
    assert spearmanr(np.arange(bars), places)[0] >= 0.9, places
    assert 0 < places[0] < places[-1] < 1.2, places


def test_a_dance_blended_with_itself_is_handed_over_evenly(dance, loaded):
    """A dance blended with itself has no line from A to B to place its bars on (the centres coincide): the bridge
    hands over by even shares of the body, without dividing by zero (a RuntimeWarning, and every place NaN)."""
    import warnings

    from motiongpt.cocreate.blend import positions

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        mixed = blend(dance, dance, loaded, 3)
        assert np.isnan(positions(mixed.score, dance.score, dance.score)).all()
    assert bar_count(mixed.score) == 2 + 3 + 2


def test_regenerated_bars_tie_into_what_the_bar_after_them_continues(dance, loaded):
    """A symbol belongs to the bar it starts in. The plié begun in bar 1 runs on into bar 2, whose tokens keep its
    piece there; regenerating bar 1, the new bar ends with a symbol tied into that piece (``ties.TiedIntoKept``),
    so bar 2 reads as it did: its own symbols and no others (an untied piece read back as a plié of bar 2's
    first beat)."""
    vocabulary = loaded.model.vocabulary
    edge = bar_start(dance.score.grid, 2)
    assert [s for s in dance.score.symbols if s.start < edge - 1e-9 < s.end - 2e-9 and s.start >= 0]  # the case
    own = {s for s in dance.score.symbols if s.start >= edge - 1e-9}
    for seed in range(3):
        edited = regenerate(dance, loaded, 1, 1, seed=seed)
        assert {s for s in edited.score.symbols if s.start >= edge - 1e-9} == own, seed
        assert token_bars(vocabulary, edited.score)[2:] == token_bars(vocabulary, dance.score)[2:], seed


def test_regenerated_bars_tie_into_the_kept_pieces_modifiers():
    """The kept bar after the rewritten one opens with a piece of a right forearm bent by contraction 2: the new
    bar's last symbol of that forearm and what reaches the bar line only with that contraction (a symbol is read
    from where it starts, so a piece tied in from another bend would bend the kept bar's arm otherwise); at the
    bar's last position the forearm is written, forward, with that contraction. Not asked before 2026-12-05."""
    import torch

    from motiongpt.cocreate.ties import TiedIntoKept
    from motiongpt.grammar import ScoreGrammarProcessor
    from motiongpt.vocabulary import Vocabulary

    v = Vocabulary()
    start = ["<bos>", "<start>", "col:support-left", "place/middle", "col:support-right", "place/middle"]
    parent = start + ["<bar>", "pos:1", "col:head", "forward/high", "dur:1", "<bar>", "pos:3", "col:forearm-right",
                      "forward/middle", "contraction:2", "dur:2", "<tie>", "<bar>", "<cont>", "col:forearm-right",
                      "forward/middle", "contraction:2", "dur:1", "<eos>"]
    fill = [v.tokens[i] for i in v.fill_in_the_middle([v.ids[t] for t in parent], 1, 2)]
    middle = fill[:fill.index("<fim_middle>") + 2]  # ... <fim_middle> <bar>: bar 1 to write anew
    grammar = ScoreGrammarProcessor(v, bars=3, grids=[laban.BeatGrid.uniform(60, 12, 4)])
    tied = TiedIntoKept(grammar)

    def allowed(tokens: list[str]) -> set[str]:
        ids = torch.tensor([[v.ids[t] for t in tokens]])
        scores = tied(ids, grammar(ids, torch.zeros(1, len(v))))
        return {v.tokens[i] for i in torch.nonzero(torch.isfinite(scores[0])).flatten().tolist()}

    plain = middle + ["pos:3", "col:forearm-right", "forward/middle"]
    assert "dur:2" not in allowed(plain) and "dur:2" not in allowed(plain + ["contraction:4"])
    assert "dur:2" in allowed(plain + ["contraction:2"])
    last = middle + ["pos:4.75", "col:forearm-right", "forward/middle"]
    assert allowed(last) == {"contraction:2"}


def test_translate_asks_for_a_style_and_keeps_its_steps_measurable(dance, loaded):
    result = translate(dance, loaded, "salsa", seed=0, candidates=2)
    assert result.lineage.style == "salsa" and result.prompt["style"] == "salsa"
    kept = support_beats_kept(dance.score, result.score)
    assert result.lineage.settings["support_beats_kept"] == pytest.approx(kept, abs=1e-6)
    assert support_beats_kept(dance.score, dance.score) == 1.0
    with pytest.raises(CocreateError, match="which style"):
        translate(dance, loaded, None)


def test_translate_follows_the_style_by_guidance_and_older_ones_replay_unguided(dance, loaded, monkeypatch):
    """Translate samples each bar's candidates with guidance on the style (a row without it beside each: the model
    unstyled), records the scale, and a translation whose lineage records none (made before) is made again
    unguided; the guided candidates are other dances than the unguided."""
    from dataclasses import replace

    from motiongpt.cocreate.replay import replay
    from motiongpt.cocreate.translate import STYLE_GUIDANCE
    from motiongpt.model.guidance import Guidance

    rows = []
    guide = Guidance.__init__
    monkeypatch.setattr(Guidance, "__init__", lambda self, scales, conditions: guide(self, scales, conditions)
                        or rows.append((scales, self.rows)))
    guided = translate(dance, loaded, "salsa", seed=3, candidates=2)
    assert guided.lineage.settings["style_guidance"] == STYLE_GUIDANCE > 1
    assert rows and all(r == ({"style": STYLE_GUIDANCE}, 2) for r in rows)  # every bar: the style guided
    plain = translate(dance, loaded, "salsa", seed=3, candidates=2, style_guidance=1.0)
    assert plain.score != guided.score
    older = Dance(plain.score, plain.prompt, replace(plain.lineage, settings={
        k: v for k, v in plain.lineage.settings.items() if k != "style_guidance"}))
    assert replay(older, [dance], lambda style: Loaded(loaded.model, style, loaded.versions)).score == plain.score


def test_translate_pushes_the_steps_onto_the_source_beats(dance, loaded):
    """Even an untrained model steps where the source does once the onsets are pushed (not without)."""
    pushed = support_beats_kept(dance.score, translate(dance, loaded, "salsa", seed=1, candidates=1).score)
    free = support_beats_kept(dance.score, translate(dance, loaded, "salsa", seed=1, candidates=1,
                                                     push=False).score)
    assert pushed >= 0.75 and pushed > free


def test_history_shows_the_tree_of_choices(dance, loaded, tmp_path, capsys, model_dir):
    """A regenerated dance under its parent, variations of it under it (found by their relative paths)."""
    dance.save(tmp_path / "root", video=False)
    code, err = cli(["regenerate", str(tmp_path / "root"), "--bars", "2-2", "--no-video", "--model",
                     str(model_dir)], capsys)
    assert code == 0, err
    assert (tmp_path / "root-regenerate" / "lineage.json").is_file()
    picks = vary(Dance.load(tmp_path / "root-regenerate"), loaded, 0.5, count=2, rank_them=False)
    save_variations(tmp_path / "picks", picks, picture=False)
    lines = format_history(tmp_path).splitlines()
    assert lines[0].startswith("root  example") and lines[1].startswith("  root-regenerate  regenerate bars 2-2")
    assert {line.split()[0] for line in lines[2:]} == {"picks/1", "picks/2"}
    assert all(line.startswith("    ") for line in lines[2:])
    # one dance's history is its tree: its edits beside it, where they go by default (picks/ was named otherwise)
    (tmp_path / "root-elsewhere").mkdir()
    dance.save(tmp_path / "rooted", video=False)  # named like it, not its child
    assert format_history(tmp_path / "root").splitlines() == lines[:2]


def test_a_session_of_choices_is_made_again_the_same(model_dir, tmp_path, capsys):
    """``history --replay`` makes every dance of a session again from its lineage — variations worded bar by bar,
    a regenerate with new words, a vary, a continue, a blend, a translate, a capture continued (read at its real
    frame rate) — and each comes out the same score; a hand edit since is told apart (exit 1)."""
    from motiongpt.cli import main

    model, g = ["--model", str(model_dir)], tmp_path / "g"
    laban.write_bvh(laban.decode(laban.Score.load(EXAMPLES[0])), tmp_path / "take.bvh")  # a capture to continue
    for args in (["generate", "--phrase", "1-2", "four steps forward", "--phrase", "3-4", "a jump", "--bars", "4",
                  "--bpm", "100", "--variations", "2", "--seed", "1", "-o", str(g)],
                 ["regenerate", str(g / "1"), "--bars", "2-3", "--text", "a turn", "--seed", "2", "--no-video"],
                 ["vary", str(g / "2"), "--strength", "0.5", "--count", "2"],
                 ["continue", str(g / "1-regenerate"), "--bars", "1", "--no-video"],
                 ["blend", str(g / "1"), str(g / "2"), "--bars", "2", "--no-video"],
                 ["translate", str(g / "2"), "--style", "salsa", "--no-video"],
                 ["continue", str(tmp_path / "take.bvh"), "--fps", "60", "--bars", "1", "--no-video", "-o",
                  str(g / "take")]):
        code, err = cli(args + model, capsys)
        assert code == 0, (args, err)
    code = main(["history", str(tmp_path), "--replay"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and lines[-1] == "9 of 9 dances made again the same (0 not made again)", lines
    assert sum("made again: the same" in line for line in lines) == 9
    edited = g / "2-vary" / "1" / "score.laban"  # a hand edit: a head movement added on the first beat of bar 1
    text = edited.read_text()
    edited.write_text(text.replace("bar 1\n", "bar 1\n  1  head  forward high  0.25\n", 1))
    code = main(["history", str(tmp_path), "--replay"])
    out = capsys.readouterr().out
    assert code == 1 and "8 of 9 dances made again the same" in out
    assert [x.split()[0] for x in out.splitlines() if "ANOTHER SCORE" in x] == ["g/2-vary/1"]
    lineage = json.loads((g / "2-vary" / "2" / "lineage.json").read_text())  # a damaged lineage: one line
    del lineage["settings"]["strength"]
    (g / "2-vary" / "2" / "lineage.json").write_text(json.dumps(lineage))
    main(["history", str(tmp_path), "--replay"])
    out = capsys.readouterr().out
    assert "could not be made again: its lineage.json lacks 'strength'" in out and "7 of 9 dances made again" in out


def test_a_session_made_with_relative_paths_is_made_again_from_anywhere(model_dir, tmp_path, capsys, monkeypatch):
    """A model folder and a capture given relative to where the commands ran are recorded so that ``history
    --replay`` finds them from another folder (they were looked up from the folder it ran in)."""
    import shutil

    from motiongpt.cli import main

    work = tmp_path / "work"
    shutil.copytree(model_dir, work / "my_model")
    laban.write_bvh(laban.decode(laban.Score.load(EXAMPLES[0])), work / "take.bvh")
    monkeypatch.chdir(work)
    for args in (["generate", "--text", "four steps forward", "--bars", "2", "--bpm", "100", "--seed", "1",
                  "--no-video", "-o", "a"],
                 ["continue", "take.bvh", "--fps", "60", "--bars", "1", "--no-video", "-o", "b"]):
        code, err = cli(args + ["--model", "my_model"], capsys)
        assert code == 0, (args, err)
    monkeypatch.chdir(tmp_path)
    code = main(["history", "work", "--replay"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and lines[-1] == "2 of 2 dances made again the same (0 not made again)", lines
    shutil.rmtree(work / "my_model")  # what made them is gone: they cannot be made again, and replay says so
    code = main(["history", "work", "--replay"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1 and lines[-1] == "0 of 2 dances made again the same (0 not made again)", lines
    assert sum("could not be made again: " in line for line in lines) == 2, lines


def test_music_given_relative_or_given_again_is_edited_and_made_again_as_it_was(model_dir, tmp_path, capsys,
                                                                                   monkeypatch):
    """Music given relative to where a command ran is recorded whole: the dance is regenerated, continued and made
    again from another folder (it was looked up from there: "tune.mid: no such file (the music this dance was made
    on)"). A continue given the dance's own music again starts it from its first bar and is made again so (it was
    made again on the music's next bars: another score). A ``Path`` given as music is written to prompt.json (it
    raised TypeError there)."""
    music21 = pytest.importorskip("music21")
    from motiongpt.cli import main
    from motiongpt.cocreate import generate, load_model

    work = tmp_path / "work"
    work.mkdir()
    part = music21.stream.Part([music21.meter.TimeSignature("4/4"), music21.tempo.MetronomeMark(number=100)])
    part.append([music21.note.Note(60 + k % 5, quarterLength=1.0) for k in range(16)])
    part.append(music21.tempo.MetronomeMark(number=140))  # its next bars faster: another grid
    part.append([music21.note.Note(67 - k % 3, quarterLength=1.0) for k in range(16)])
    part.write("midi", fp=str(work / "tune.mid"))
    model = ["--model", str(model_dir)]
    monkeypatch.chdir(work)
    code, err = cli(["generate", "--text", "steps forward", "--music", "tune.mid", "--bars", "4", "--seed", "1",
                     "--no-video", "-o", "a"] + model, capsys)
    assert code == 0, err
    monkeypatch.chdir(tmp_path)
    for args in (["regenerate", "work/a", "--bars", "2", "--no-video", "-o", "work/r"],
                 ["continue", "work/a", "--bars", "2", "--no-video", "-o", "work/next"],
                 ["continue", "work/a", "--bars", "2", "--music", "work/tune.mid", "--no-video", "-o", "work/again"]):
        code, err = cli(args + model, capsys)
        assert code == 0, (args, err)
    assert json.loads((work / "a" / "prompt.json").read_text())["music"] == str((work / "tune.mid").resolve())
    code = main(["history", "work", "--replay"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and lines[-1] == "4 of 4 dances made again the same (0 not made again)", lines
    generate(load_model(model_dir), text="steps", music=work / "tune.mid", bars=2)[0].save(tmp_path / "p", video=False)
    assert json.loads((tmp_path / "p" / "prompt.json").read_text())["music"] == str((work / "tune.mid").resolve())


def test_music_changed_since_a_dance_was_made_is_named_by_replay(model_dir, tmp_path, capsys):
    """prompt.json names music by its path only: a tune exported again under the same name made the dance again on
    other notes, and ``history --replay`` said "ANOTHER SCORE (edited by hand since, or made by other code)". The
    file's digest is recorded beside its path, and a replay on another file says which file changed."""
    music21 = pytest.importorskip("music21")
    from motiongpt.cli import main

    def tune(pitches, bpm):
        part = music21.stream.Part([music21.meter.TimeSignature("4/4"), music21.tempo.MetronomeMark(number=bpm)])
        part.append([music21.note.Note(p, quarterLength=1.0) for p in pitches])
        part.write("midi", fp=str(tmp_path / "tune.mid"))

    tune([60 + k % 5 for k in range(16)], 100)
    model = ["--model", str(model_dir)]
    for args in (["generate", "--text", "steps forward", "--music", str(tmp_path / "tune.mid"), "--bars", "2",
                  "--no-video", "-o", str(tmp_path / "a")],
                 ["continue", str(tmp_path / "a"), "--bars", "1", "--music", str(tmp_path / "tune.mid"),
                  "--no-video", "-o", str(tmp_path / "next")]):
        code, err = cli(args + model, capsys)
        assert code == 0, (args, err)
    assert main(["history", str(tmp_path), "--replay"]) == 0
    capsys.readouterr()
    tune([67 - k % 3 for k in range(16)], 140)  # the same name, other notes and tempo
    code = main(["history", str(tmp_path), "--replay"])
    out = capsys.readouterr().out
    assert code != 0 and "ANOTHER SCORE" not in out, out
    assert out.count("tune.mid: not the music it was made on (changed since") == 2, out


def test_a_dance_made_before_repeats_were_played_is_made_again_and_developed_on_its_music_as_written(
        model_dir, tmp_path, capsys):
    """Since stop 61 a score's repeats are played (``laban.timing``): a dance on ``|: 4 bars :| 4 bars`` lasts 12 bars,
    where one made before lasted 8, and read again with its repeats played, made again it was another dance. A
    dance's prompt says how its music was read (``music_read``); one that says nothing is made again, and edited,
    reading its music as written."""
    music21 = pytest.importorskip("music21")
    from laban.timing import repeats_as_written
    from motiongpt.cocreate import generate, load_model

    part = music21.stream.Part([music21.meter.TimeSignature("4/4"), music21.tempo.MetronomeMark(number=120)])
    for k in range(8):
        bar = music21.stream.Measure(number=k + 1)
        bar.append([music21.note.Note(60 + k + j, quarterLength=1.0) for j in range(4)] if k < 4 else
                   [music21.note.Note(48 - k, quarterLength=4.0)])  # a strain repeated, then slow low notes
        if k == 0:
            bar.leftBarline = music21.bar.Repeat(direction="start")
        if k == 3:
            bar.rightBarline = music21.bar.Repeat(direction="end")
        part.append(bar)
    piece = tmp_path / "tune.musicxml"
    part.write("musicxml", fp=str(piece))
    loaded = load_model(model_dir)
    played = generate(loaded, text="steps forward", music=piece, seed=1)[0]
    with repeats_as_written():
        before = generate(loaded, text="steps forward", music=piece, seed=1)[0]  # as a dance made before stop 61
    assert played.prompt["music_read"] == "repeats played" and "music_read" not in before.prompt
    assert len(played.score.grid.times) > len(before.score.grid.times)  # 12 bars played, 8 written
    saved({"played": played, "before": before}, tmp_path)
    assert_developed_and_made_again(tmp_path / "dances", "before", model_dir, capsys)


def test_a_dance_made_before_gaps_were_lengthened_is_made_again_and_developed_to_the_byte(model_dir, tmp_path,
                                                                                         capsys):
    """Since stop 62 a gap in a sampled dance's supports is covered by the step before it lasting on, not by a hold
    (``plausibility.weight_kept``): the same motion, another score. A lineage records how its dance's sampling
    was mended (``mended``); a dance whose lineage says nothing, made before, is made again with its gaps held,
    to the byte, and an edit of it made since is made again as it was made."""
    from dataclasses import replace

    from motiongpt.cocreate import generate, load_model
    from motiongpt.plausibility import MENDED, gaps_held

    loaded = load_model(model_dir)
    now = generate(loaded, text="steps forward", bars=4, seed=1)[0]
    with gaps_held():
        held = generate(loaded, text="steps forward", bars=4, seed=1)[0]
    before = replace(held, lineage=replace(held.lineage, mended=None))  # as a dance made before stop 62
    assert now.lineage.mended == MENDED and now.score != before.score  # (the tiny model leaves gaps)
    assert sum(s.sign is Sign.HOLD for s in now.score.symbols) < sum(s.sign is Sign.HOLD for s in held.score.symbols)
    saved({"now": now, "before": before}, tmp_path)
    assert "mended" not in json.loads((tmp_path / "dances" / "before" / "lineage.json").read_text()) or \
        json.loads((tmp_path / "dances" / "before" / "lineage.json").read_text())["mended"] is None
    assert_developed_and_made_again(tmp_path / "dances", "before", model_dir, capsys)


def test_a_dance_made_before_two_foot_steps_parted_is_made_again_and_developed_to_the_byte(model_dir, tmp_path,
                                                                                           capsys):
    """Since 2026-12-07 (after stop 62) a sampled step onto both feet whose feet end apart is written as the decoder
    dances it, the weight going on to one foot in a step in place (``plausibility.weight_onto_one``): the same
    motion, another score. A dance whose lineage records the mending before (``GAPS_LENGTHENED``) is made again
    without it, to the byte, and an edit of it made since is made again as it was made."""
    from dataclasses import replace

    from motiongpt.cocreate import generate, load_model
    from motiongpt.plausibility import GAPS_LENGTHENED, MENDED, mended_as

    loaded = load_model(model_dir)
    now = generate(loaded, text="steps forward", bars=4, seed=2)[0]
    with mended_as(GAPS_LENGTHENED):
        made = generate(loaded, text="steps forward", bars=4, seed=2)[0]
    before = replace(made, lineage=replace(made.lineage, mended=GAPS_LENGTHENED))  # as made at stop 62
    assert now.lineage.mended == MENDED != GAPS_LENGTHENED and now.score != before.score  # (a two-foot step parted)
    saved({"now": now, "before": before}, tmp_path)
    assert_developed_and_made_again(tmp_path / "dances", "before", model_dir, capsys)


def test_a_dance_made_before_two_foot_holds_parted_is_made_again_and_developed_to_the_byte(model_dir, tmp_path,
                                                                                           capsys):
    """Since later on 2026-12-07 two holds begun together on both feet (or a step and a hold) whose feet end apart
    are parted as two-foot steps are (``plausibility.weight_onto_one``): the same motion, another score. A dance
    whose lineage records the mending before (``STEPS_PARTED``) is made again without it, to the byte, and an edit
    of it made since is made again as it was made."""
    from dataclasses import replace

    from motiongpt.cocreate import generate, load_model
    from motiongpt.plausibility import MENDED, STEPS_PARTED, mended_as

    loaded = load_model(model_dir)
    now = generate(loaded, text="steps forward", bars=4, seed=6)[0]
    with mended_as(STEPS_PARTED):
        made = generate(loaded, text="steps forward", bars=4, seed=6)[0]
    before = replace(made, lineage=replace(made.lineage, mended=STEPS_PARTED))  # as made before holds were parted
    assert now.lineage.mended == MENDED != STEPS_PARTED and now.score != before.score  # (two holds parted)
    saved({"now": now, "before": before}, tmp_path)
    assert_developed_and_made_again(tmp_path / "dances", "before", model_dir, capsys)


def test_a_dance_made_before_its_words_pace_was_read_is_made_again_as_it_was(tmp_path, capsys):
    """Since stop 62 the pace words say ("a slow solo") moves the dance's energy control and is checked by best-of
    (``laban.description.text.PACE_WORDS``): the same words and seed make another dance. A lineage says how its
    words were read (``words_read``); one that says nothing (a lineage.json written before) is made again reading
    them without their pace, and an edit made of it now reads them with it, as its own lineage says."""
    import json

    from laban.description.text import WORDS_READ, words_read_before
    from motiongpt.cocreate import generate, load_model

    import torch

    network = build(tiny_config(styles=["salsa"]), seed=2)
    with torch.no_grad():  # the controls drawn, as a trained model's are (built, they start at zero: unread)
        weights = network.control_embedding.weight
        weights.copy_(torch.randn(weights.shape, generator=torch.Generator().manual_seed(0)))
    model_dir = tmp_path / "model"
    network.save_pretrained(model_dir)
    loaded = load_model(model_dir)
    words = "a slow solo: steps forward, a half turn, arms rising high"
    paced = generate(loaded, text=words, bpm=120, bars=4, seed=1)[0]
    with words_read_before():  # as a dance made before stop 62
        before = generate(loaded, text=words, bpm=120, bars=4, seed=1)[0]
    assert paced.lineage.words_read == WORDS_READ and before.lineage.words_read is None
    assert paced.digest() != before.digest()
    saved({"paced": paced, "before": before}, tmp_path)
    record = tmp_path / "dances" / "before" / "lineage.json"
    lineage = json.loads(record.read_text())
    del lineage["words_read"]  # as a lineage.json written before stop 62 has it
    record.write_text(json.dumps(lineage))
    assert_developed_and_made_again(tmp_path / "dances", "before", model_dir, capsys)


@pytest.mark.parametrize("words, reading", [("two pirouettes", "WORDS_READ_62"),
                                            ("a slow solo: steps forward", "WORDS_READ_TURNS"),
                                            ("a whole turn on the spot", "WORDS_READ_TURNS")])
def test_a_dance_made_before_its_words_were_read_as_now_is_made_again_as_it_was(model_dir, tmp_path, capsys, words,
                                                                                 reading):
    """Two readings changed what the same words and seed make: since 2026-12-07 a turn past one whole turn is asked
    whole while sampling ("two pirouettes": the turn budget reads the words' 16 eighths, ``conditions.turn_bounds``,
    where it kept to the one whole turn the facts hold; ``WORDS_READ_TURNS``), and since stop 63 the pace the words
    say is written in the lengths of the phrase's symbols (``steering.PaceAsked``), where it moved the energy control
    (``conditions.paced``), a pace said not to be asked asks none ("not slow" was written slow), and a phrase that
    turns and does not step has its supports opened while it owes its turn (``TurnAsked``'s ``opening``;
    ``WORDS_READ``).
    A dance's lineage says how its words were read (``words_read``); one that
    says an older reading is made again with it, to the byte, and an edit made of it now reads them as now."""
    from laban.description import text as reading_of
    from motiongpt.cocreate import generate, load_model

    loaded = load_model(model_dir)
    now = generate(loaded, text=words, bpm=120, bars=4, seed=1)[0]
    with reading_of.words_read_before(getattr(reading_of, reading)):  # as a dance made with that reading
        before = generate(loaded, text=words, bpm=120, bars=4, seed=1)[0]
    assert now.lineage.words_read == reading_of.WORDS_READ and before.lineage.words_read == getattr(reading_of,
                                                                                                    reading)
    assert now.digest() != before.digest()
    saved({"now": now, "before": before}, tmp_path)
    assert_developed_and_made_again(tmp_path / "dances", "before", model_dir, capsys)


def test_a_folder_moved_with_its_music_is_made_again_and_developed(model_dir, tmp_path, capsys, monkeypatch):
    """prompt.json names music by its whole path: a folder of dances moved elsewhere with its music (a studio
    folder, or its history zip unpacked on another computer) could not be made again nor developed ("tune.mid: no
    such file (the music this dance was made on)"). The music is found again under the dance's own folder tree, by
    the most of its recorded path's last parts."""
    music21 = pytest.importorskip("music21")
    import shutil

    from motiongpt.cli import main

    work = tmp_path / "work"
    for folder in ("music", "dances"):
        (work / folder).mkdir(parents=True)
    for bpm, where in ((100, "music"), (140, "dances")):  # beside the dances: another tune of the same name
        part = music21.stream.Part([music21.meter.TimeSignature("4/4"), music21.tempo.MetronomeMark(number=bpm)])
        part.append([music21.note.Note(60 + k % 5, quarterLength=1.0) for k in range(32)])
        part.write("midi", fp=str(work / where / "tune.mid"))
    model = ["--model", str(model_dir)]
    monkeypatch.chdir(work)
    for args in (["generate", "--text", "steps forward", "--music", "music/tune.mid", "--bars", "4", "--seed", "1",
                  "--no-video", "-o", "dances/a"],
                 ["regenerate", "dances/a", "--bars", "2", "--no-video", "-o", "dances/r"],
                 ["continue", "dances/a", "--bars", "2", "--no-video", "-o", "dances/next"]):
        code, err = cli(args + model, capsys)
        assert code == 0, (args, err)
    monkeypatch.chdir(tmp_path)
    shutil.move(work, tmp_path / "moved")
    code = main(["history", "moved/dances", "--replay"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and lines[-1] == "3 of 3 dances made again the same (0 not made again)", lines
    code, err = cli(["continue", "moved/dances/a", "--bars", "2", "--no-video", "-o", "moved/dances/on"] + model,
                    capsys)
    assert code == 0, err
    lineage = json.loads((tmp_path / "moved" / "dances" / "on" / "lineage.json").read_text())
    assert lineage["settings"]["own_music"]  # on the music's next bars, not at the dance's closing tempo


def test_a_folder_moved_with_its_model_adapter_and_capture_is_made_again_and_developed(model_dir, tmp_path, capsys,
                                                                                      monkeypatch):
    """A lineage names a model folder, a style adapter and a capture continued by their whole paths: a folder of
    dances moved elsewhere with them (the original gone) made none of them again ("no such folder", "neither a
    style this model knows nor an adapter folder", "no such file"), and a dance written by the adapter could not be
    varied nor continued ("not there any more"). Each is found again under the dance's own folder tree, as its
    music is, and the adapter's dance goes on being written by it."""
    pytest.importorskip("peft", reason="style adapters need peft")
    import shutil

    from conftest import make_adapter

    from motiongpt.cli import main
    from motiongpt.cocreate import load_model

    work = tmp_path / "work"
    shutil.copytree(model_dir, work / "my_model")
    make_adapter(model_dir, work / "runs" / "x" / "adapter", seed=1)
    for folder in ("takes", "dances"):
        (work / folder).mkdir()
    laban.write_bvh(laban.decode(laban.Score.load(EXAMPLES[0])), work / "takes" / "take.bvh")
    monkeypatch.chdir(work)
    for args in (["generate", "--text", "four steps forward", "--bars", "3", "--bpm", "100", "--style",
                  "runs/x/adapter", "--seed", "1", "--no-video", "-o", "dances/a"],
                 ["vary", "dances/a", "--strength", "0.5", "--count", "1", "--seed", "3"],
                 ["continue", "takes/take.bvh", "--fps", "60", "--bars", "1", "--no-video", "-o", "dances/b"]):
        code, err = cli(args + ["--model", "my_model"], capsys)
        assert code == 0, (args, err)
    prompt = json.loads((work / "dances" / "a" / "prompt.json").read_text())  # given relative, named whole (as
    assert prompt["style"] == str((work / "runs" / "x" / "adapter").resolve())  # the lineage does; it was as given)
    monkeypatch.chdir(tmp_path)
    moved = tmp_path / "moved"
    shutil.move(work, moved)
    code = main(["history", "moved/dances", "--replay"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and lines[-1] == "3 of 3 dances made again the same (0 not made again)", lines

    model, adapter = ["--model", "moved/my_model"], moved / "runs" / "x" / "adapter"
    dance = Dance.load(moved / "dances" / "a")
    adapted, plain = load_model(moved / "my_model", adapter), load_model(moved / "my_model")
    for args, made, other in (
            (["vary", "moved/dances/a", "--strength", "0.5", "--count", "1", "--seed", "5", "-o", "moved/dances/v"],
             vary(dance, adapted, 0.5, count=1, seed=5)[0], vary(dance, plain, 0.5, count=1, seed=5)[0]),
            (["continue", "moved/dances/a", "--bars", "1", "--seed", "4", "--no-video", "-o", "moved/dances/c"],
             continue_dance(dance, adapted, 1, seed=4), continue_dance(dance, plain, 1, seed=4))):
        code, err = cli(args + model, capsys)
        assert code == 0, (args, err)
        folder = Path(args[-1]) / ("1" if args[0] == "vary" else "")
        developed = Dance.load(folder)
        assert developed.lineage.adapter == str(adapter.resolve())  # the adapter where it is now
        assert developed.digest() == made.digest() != other.digest()  # written by it, in its style


def test_bars_not_danced_on_the_dance_s_music_are_not_given_its_controls(model_dir):
    """A dance on a chorale continued on another: regenerating or varying it read the chorale's controls for the
    bars danced on the other music (the chorale's bars 5-6 for bars 5-6 of the dance). Those bars' controls are
    now absent (-1), the chorale's bars keep theirs, and a continue of it goes on at its closing tempo, not on the
    chorale's next bars; a blend is on neither dance's music."""
    pytest.importorskip("music21")
    from motiongpt.cocreate import generate, load_model
    from motiongpt.cocreate.editing import controls_for, staff_bars

    loaded = load_model(model_dir)
    vocabulary = loaded.model.vocabulary
    dance = generate(loaded, text="steps forward", music="corpus:bach/bwv66.6", bars=4, seed=1)[0]
    longer = continue_dance(dance, loaded, 2, music="corpus:bach/bwv1.6", seed=2)
    bars = len(vocabulary.bar_spans(vocabulary.encode(longer.score)))
    rows, before = controls_for(longer, loaded, bars), controls_for(dance, loaded, bars)
    new = bars - 2  # the vocabulary's bars of the continuation: the last two
    assert (before[new:] >= 0).any()  # the case: the chorale has bars there, which were read for them
    assert np.array_equal(rows[:new], before[:new]) and (rows[new:] == -1).all()
    last = staff_bars(dance.score, vocabulary)[1]  # the chorale's last bar danced (it opens with an upbeat)
    assert longer.prompt["music"] == dance.prompt["music"] and longer.prompt["music_bars"] == last
    again = continue_dance(longer, loaded, 1, seed=3)  # not on the chorale's bars 7: at the closing tempo
    assert again.lineage.settings["music"] is None and not again.lineage.settings["own_music"]
    assert blend(dance, longer, loaded, 1).prompt["music"] is None


def test_a_length_in_seconds_is_danced_whole_on_music_with_an_upbeat_and_to_its_very_end(model_dir, tmp_path):
    """``--seconds`` on music counts the bars that hold its first seconds, the upbeat one of them: with an upbeat
    of one beat in 4/4 the bars were counted as if it were three, so 3 s of a tune at 120 bpm were danced as bars
    0-1, which end at 2.5 s; and a waltz's whole 14.4 s was refused, its 24 beats 24.0000001 in floating point."""
    music21 = pytest.importorskip("music21")
    from motiongpt.cocreate import generate, load_model

    loaded = load_model(model_dir)
    part = music21.stream.Part()
    upbeat = music21.stream.Measure(number=0)
    upbeat.append([music21.meter.TimeSignature("4/4"), music21.tempo.MetronomeMark(number=120),
                   music21.note.Note(67, quarterLength=1.0)])
    upbeat.padAsAnacrusis()
    part.append(upbeat)
    for number in range(1, 5):
        measure = music21.stream.Measure(number=number)
        measure.append([music21.note.Note(60 + k, quarterLength=1.0) for k in range(4)])
        part.append(measure)
    music21.stream.Score([part]).write("musicxml", fp=tmp_path / "upbeat.musicxml")
    for seconds, bars in ((0.5, 1), (0.6, 2), (3.0, 3)):
        dance = generate(loaded, music=tmp_path / "upbeat.musicxml", seconds=seconds, seed=1)[0]
        grid = dance.score.grid
        assert (grid.downbeat, dance.prompt["bars"]) == (1, bars), seconds
        assert grid.times[min(1 + 4 * (bars - 1), len(grid.times) - 1)] >= seconds  # the last bar holds the end

    waltz = music21.stream.Part([music21.meter.TimeSignature("3/4"), music21.tempo.MetronomeMark(number=100)])
    waltz.append([music21.note.Note(60 + k % 3, quarterLength=1.0) for k in range(24)])
    waltz.write("midi", fp=str(tmp_path / "waltz.mid"))
    assert generate(loaded, music=tmp_path / "waltz.mid", seconds=14.4, seed=1)[0].prompt["bars"] == 8
    with pytest.raises(CocreateError, match=r"^the music's beats end at 14.40 s, before the 14.5 s asked for$"):
        generate(loaded, music=tmp_path / "waltz.mid", seconds=14.5, seed=1)


def test_a_dance_on_music_that_changes_meter_is_made_again_and_edited_on_its_beats(model_dir, tmp_path):
    """Music in 3/4 that turns 2/4: prompt.json records the grid's meter, 3, and reading the music again with it
    cut each 2/4 bar in three; the dance was made again as another (``history --replay``: ANOTHER SCORE) and its
    edits read their controls on beats it was not danced on."""
    music21 = pytest.importorskip("music21")
    from motiongpt.cocreate import generate, load_model
    from motiongpt.cocreate.editing import controls_for
    from motiongpt.cocreate.generate import music_controls
    from motiongpt.cocreate.replay import replay
    from motiongpt.conditioning import music_features

    part = music21.stream.Part([music21.meter.TimeSignature("3/4"), music21.tempo.MetronomeMark(number=120)])
    part.append([music21.note.Note(60 + k % 7, quarterLength=1.0) for k in range(12)])
    part.append(music21.meter.TimeSignature("2/4"))
    part.append([music21.note.Note(72 - k % 5, quarterLength=1.0) for k in range(8)])
    part.write("midi", fp=str(tmp_path / "turns.mid"))
    loaded = load_model(model_dir)
    made = generate(loaded, text="steps forward", music=tmp_path / "turns.mid", seed=1)[0]
    assert made.prompt["meter"] == 3
    np.testing.assert_allclose(np.diff(made.score.grid.times), 0.5)  # the quarters through the change
    again = replay(made, [], lambda style: loaded)
    assert again.score == made.score and again.prompt == made.prompt
    bars = len(loaded.model.vocabulary.bar_spans(loaded.model.vocabulary.encode(made.score)))
    danced = music_controls(loaded, music_features(tmp_path / "turns.mid"), made.score.grid, bars)
    assert np.array_equal(controls_for(made, loaded, bars), danced)  # what regenerate and vary follow


def test_a_dance_is_developed_in_its_own_style_and_adapter(model_dir, tmp_path, capsys):
    """A dance made in a style, or by a style adapter, is regenerated, varied and continued in it from the command
    line (which loads no style) as the studio does it (which loads the dance's), and made again the same; an
    adapter no longer there is one line."""
    pytest.importorskip("peft", reason="style adapters need peft")
    from conftest import make_adapter

    from motiongpt.cli import main
    from motiongpt.cocreate import load_model

    model = ["--model", str(model_dir)]
    adapter = make_adapter(model_dir, tmp_path / "lora", seed=1)
    for name, style in (("styled", "salsa"), ("adapted", str(adapter))):
        code, err = cli(["generate", "--text", "four steps forward", "--bars", "3", "--bpm", "100", "--style", style,
                         "--seed", "1", "--no-video", "-o", str(tmp_path / name)] + model, capsys)
        assert code == 0, err
        made, dance = load_model(model_dir, style), Dance.load(tmp_path / name)
        for args in (["regenerate", str(tmp_path / name), "--bars", "2-2", "--seed", "2", "--no-video"],
                     ["vary", str(tmp_path / name), "--strength", "0.5", "--count", "1", "--seed", "3"],
                     ["continue", str(tmp_path / name), "--bars", "1", "--seed", "4", "--no-video"]):
            code, err = cli(args + model, capsys)
            assert code == 0, (args, err)
        as_the_studio = regenerate(dance, made, 2, 2, seed=2)  # the studio loads the dance's style
        assert Dance.load(tmp_path / f"{name}-regenerate").digest() == as_the_studio.digest()
        plain = regenerate(dance, load_model(model_dir), 2, 2, seed=2)
        if style == "salsa":  # a model loaded without the style still writes in it: regenerate reads the dance's
            assert plain.digest() == as_the_studio.digest()
        else:
            assert plain.digest() != as_the_studio.digest()  # a plain model is not the adapter's
            assert Dance.load(tmp_path / f"{name}-vary" / "1").lineage.adapter == str(adapter.resolve())
        as_the_studio.save(tmp_path / f"{name}-studio", video=False)
    code = main(["history", str(tmp_path), "--replay"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and lines[-1] == "10 of 10 dances made again the same (0 not made again)", lines
    adapter.rename(tmp_path / "elsewhere")
    code, err = cli(["regenerate", str(tmp_path / "adapted"), "--bars", "2-2", "--no-video"] + model, capsys)
    assert code == 2 and "lora, which is not there" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("args, message", [
    (["regenerate", "{missing}", "--bars", "1-2"], "no such folder"),
    (["regenerate", "{dance}", "--bars", "2-9"], "not bars of this score"),
    (["regenerate", "{dance}", "--bars=-1-2"], "bars are written A-B"),
    (["vary", "{dance}", "--count", "-2"], "number of variations"),
    (["vary", "{dance}", "--strength", "2"], "strength"),
    (["continue", "{dance}", "--bars", "0"], "number of bars"),
    (["continue", "{dance}", "--bars", "1", "--music", "{missing}.mid"], "nothing.mid: no such file"),
    (["continue", "{dance}", "--bars", "1", "--music", "{empty}"], "empty: a folder, not a music file"),
    (["continue", "{dance}", "--bars", "1", "--fps", "-60"], "frame rate"),
    (["continue", "{dance}", "--bars", "1", "--map", "hand-left"], "--map expects PART=JOINT"),
    (["blend", "{dance}", "{missing}"], "no such folder"),
    (["translate", "{dance}", "--style", "tango"], "style 'tango'"),
    (["translate", "{dance}", "--style", ""], "style '' is neither"),
    (["history", "{missing}"], "no such folder"),
    (["history", "{dance}/score.laban"], "score.laban: a file, not a folder"),
    (["generate", "--text", "walk", "--bars", "100000", "-o", "{missing}"], "at most 1024, not 100000"),
    (["generate", "--text", "walk", "--seconds", "1e9", "-o", "{missing}"], "at most 1800, not 1e9"),
    (["generate", "--text", "walk", "--steps-on", "offbeat", "-o", "{missing}"], "invalid choice: 'offbeat'"),
    (["history", "{empty}"], "no dances here"),
    (["generate", "--phrase", "1-2", "walk", "--phrase", "2-3", "a jump", "--bars", "4", "-o", "{missing}"],
     "bars 1-2 and 2-3 overlap"),
    (["generate", "--phrase", "3-5", "walk", "--bars", "4", "-o", "{missing}"], "the dance has bars 1-4"),
    (["generate", "--phrase", "1-2", " ", "--bars", "4", "-o", "{missing}"], "bars 1-2: no words"),
    (["generate", "--phrase", "two", "walk", "--bars", "4", "-o", "{missing}"], "bars are written A-B"),
    (["generate", "--text", "walk", "--phrase", "1-2", "walk", "-o", "{missing}"], "not allowed with argument"),
    (["generate", "--words-file", "{dance}/empty", "-o", "{missing}"], "a folder, not a file"),
    (["generate", "--words-file", "{missing}.txt", "-o", "{missing}"], "nothing.txt: no such file"),
])
def test_bad_input_is_one_line_and_writes_nothing(dance, model_dir, tmp_path, capsys, args, message):
    dance.save(tmp_path / "d", video=False)
    (tmp_path / "d" / "empty").mkdir()
    paths = {"dance": str(tmp_path / "d"), "missing": str(tmp_path / "nothing"), "empty": str(tmp_path / "d" / "empty")}
    code, err = cli([a.format(**paths) for a in args] + (["--model", str(model_dir)] if args[0] != "history"
                                                        else []), capsys)
    assert code == 2 and err.startswith("motiongpt: error: ") and err.count("\n") == 1 and message in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]


@pytest.mark.parametrize("length, message", [
    ({"bars": 1025}, "at most 1024 bars"), ({"seconds": 1e9}, "or 1800 seconds"), ({"seconds": -1.0}, "some seconds"),
])
def test_a_dance_too_long_or_of_no_length_is_refused_before_any_work(loaded, length, message):
    """A few zeros too many would sample for hours, or build a beat grid of a billion beats first: refused."""
    from motiongpt.cocreate import generate

    with pytest.raises(CocreateError, match=message):
        generate(loaded, text="walk", **length)


def test_history_lists_the_other_dances_past_a_damaged_lineage(dance, tmp_path, capsys):
    """A lineage.json damaged by hand is one line in its dance's place, and the other dances are listed and made
    again all the same; ``history`` and ``history --replay`` stopped at the first such file until 2026-12-07 (and
    at a parent's score digest or a strength that was not of its kind, with a traceback)."""
    from motiongpt.cli import main

    for name in ("a", "b", "c", "d", "e"):
        dance.save(tmp_path / name, video=False)
    (tmp_path / "b" / "lineage.json").write_text("{not json")
    for name, lineage in (("c", {"bars": "5-8"}), ("d", {"parents": [{"score": [1]}]}),
                          ("e", {"settings": {"strength": "lots"}})):
        (tmp_path / name / "lineage.json").write_text(json.dumps({"operation": "vary", **lineage}))
    assert main(["history", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == 'a  example "a phrase" seed 3' and len(lines) == 5, lines
    assert lines[1] == f"b  cannot be read: {tmp_path / 'b' / 'lineage.json'}: not valid JSON (JSONDecodeError)"
    assert lines[2].startswith("c  cannot be read: ") and "its bars are not [first, last]" in lines[2]
    assert lines[3].startswith("d  cannot be read: ") and "its parents are not a list of {path, score}" in lines[3]
    assert lines[4].startswith("e  cannot be read: ") and "its strength is not a number" in lines[4]
    assert main(["history", str(tmp_path), "--replay"]) == 1  # what cannot be read cannot be made again
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("a  example") and out[-1] == "0 of 4 dances made again the same (1 not made again)"
    assert main(["history", str(tmp_path / "b")]) == 0  # the damaged dance itself: said, not "no dances here"
    assert capsys.readouterr().out.startswith("b  cannot be read: ")


def test_lineages_in_a_circle_are_named_not_an_empty_tree(dance, tmp_path):
    """Two dances whose lineage.json name each other as parent (edited by hand) are said to be a circle, not "no
    dances here" (the message until 2026-12-07)."""
    for name, other in (("a", "b"), ("b", "a")):
        out = dance.save(tmp_path / name, video=False)
        (out / "lineage.json").write_text(json.dumps({"operation": "vary", "parents": [{"path": f"../{other}"}]}))
    with pytest.raises(CocreateError, match="name one another in a circle"):
        format_history(tmp_path)
