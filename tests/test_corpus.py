"""The corpus: building one from a folder (sidecars, manifest, music), its cache, its index, the CMU styles and
split, and the training windows with their exact augmentations and words."""

from __future__ import annotations

import csv
import json
import runpy
import shutil
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from laban.algebra import bar_count, bar_start, mirror
from laban.score import SUPPORT_COLUMNS, Sign
from motiongpt.cli import main
from motiongpt.data import read_cmu_split
from motiongpt.data.augment import (ALL, TEMPO_FACTORS, Augmentation, augment, mirrored_words, window_count,
                                    windows)
from motiongpt.data.corpus import Corpus, CorpusError, build, scan
from motiongpt.data.manifest import ManifestError
from motiongpt.data.styles import DANCE_STYLES, STYLES, cmu_style

REPO = Path(__file__).resolve().parents[1]
TINY = {"05_01": "05_01", "05_02": "05_02", "sub/07_01": "07_01", "60_10": "60_10"}  # take name -> CMU trial


def midi(path: Path, bpm: float, meter: str = "3/4", beats: int = 24) -> None:
    """A synthetic piece: ``beats`` crotchets at ``bpm`` in ``meter``."""
    import music21

    stream = music21.stream.Stream()
    stream.append(music21.tempo.MetronomeMark(number=bpm))
    stream.append(music21.meter.TimeSignature(meter))
    for i in range(beats):
        stream.append(music21.note.Note("C4" if i % 3 == 0 else "E4", quarterLength=1))
    stream.write("midi", fp=str(path))


@pytest.fixture(scope="module")
def folder(trials, tmp_path_factory) -> Path:
    """Four short shared takes: .txt sidecars, a manifest with the real split, style and frame rate (salsa at 60
    fps), and a synthetic MIDI beside one of them."""
    root = tmp_path_factory.mktemp("takes")
    split = read_cmu_split()
    (root / "sub").mkdir()
    with open(root / "manifest.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "style", "split", "fps"])
        for name, trial in TINY.items():
            t = trials[trial]
            shutil.copy(t.path, root / f"{name}.bvh")
            (root / f"{name}.txt").write_text(t.description + "\n")
            writer.writerow([f"{name}.bvh", cmu_style(t), split[trial]["split"], t.fps if trial == "60_10" else ""])
    midi(root / "sub" / "07_01.mid", 100)
    return root


@pytest.fixture(scope="module")
def corpus(folder, tmp_path_factory) -> Corpus:
    out = tmp_path_factory.mktemp("corpus") / "tiny"
    built = build(scan([folder], folder / "manifest.csv"), out, jobs=2)
    assert not built.failures
    return built.corpus


def test_build_reads_sidecars_manifest_and_music(folder, corpus, trials):
    loaded = Corpus.load(corpus.folder)
    assert loaded == corpus
    assert sorted(t.name for t in loaded) == sorted(TINY)
    vocabulary = loaded.vocabulary()
    split = read_cmu_split()
    for take in loaded:
        trial = trials[TINY[take.name]]
        assert take.description == trial.description  # the .txt sidecar
        assert (take.style, take.split) == (cmu_style(trial), split[trial.name]["split"])  # the manifest
        score = take.score()
        ids = vocabulary.encode(score)
        assert vocabulary.to_score(ids, score.grid, score.title) == score
        assert (take.tokens, take.bars) == (len(ids), bar_count(score))
    salsa = loaded.take("60_10")
    assert salsa.fps == 60 and salsa.seconds == pytest.approx(1197 / 60, abs=0.02)  # not the header's 120 fps
    paired = loaded.take("sub/07_01")
    assert paired.music == str(folder / "sub" / "07_01.mid")
    grid = paired.score().grid
    assert grid.beats_per_bar == 3 and np.allclose(np.diff(grid.times), 0.6)  # the music's grid: 100 bpm, 3/4
    # the take (2.6 s) is shorter than its music (14.4 s): its score ends with the bar it ends in (it ran on to the
    # music's end, bars of standing a paired corpus trained on as what loud music asks)
    assert paired.seconds <= grid.times[-1] < paired.seconds + 3 * 0.6 + 1e-6
    assert loaded.take("05_02").music is None and loaded.take("05_02").score().beats_per_bar == 4
    assert scan([folder]) == scan([folder], folder / "manifest.csv")  # a folder's own manifest.csv is read
    index = json.loads((corpus.folder / "corpus.json").read_text())
    assert index["format"] == "motiongpt-corpus" and index["vocabulary_version"] == 2 and index["subdivision"] == 4
    assert set(index["takes"][0]) >= {"name", "score", "source", "sha256", "split", "style", "description", "music",
                                      "fps", "seconds", "bars", "tokens"}


def test_a_rebuild_reuses_what_has_not_changed(folder, corpus, tmp_path):
    work = tmp_path / "takes"
    shutil.copytree(folder, work)
    out = tmp_path / "corpus"
    first = build(scan([work], work / "manifest.csv"), out)
    assert (first.made, first.reused) == (4, 0)
    again = build(scan([work], work / "manifest.csv"), out)
    assert (again.made, again.reused) == (0, 4) and again.corpus.takes == first.corpus.takes
    (work / "05_02.txt").write_text("a new description\n")  # metadata: taken afresh, no tokenizing
    midi(work / "sub" / "07_01.mid", 120)  # the music changed: that take is redone, on its new grid
    changed = build(scan([work], work / "manifest.csv"), out)
    assert (changed.made, changed.reused) == (1, 3)
    assert changed.corpus.take("05_02").description == "a new description"
    assert np.allclose(np.diff(changed.corpus.take("sub/07_01").score().grid.times), 0.5)
    index = json.loads((out / "corpus.json").read_text())  # another vocabulary version made this one
    index["takes"][0]["made_with"]["vocabulary"] = 0
    (out / "corpus.json").write_text(json.dumps(index))
    assert build(scan([work], work / "manifest.csv"), out).made == 1
    assert build(scan([work], work / "manifest.csv"), out, force=True).made == 4


def test_the_command_line_builds_shows_and_fails_in_one_line(folder, tmp_path, capsys):
    work = tmp_path / "takes"
    shutil.copytree(folder, work)
    (work / "broken.bvh").write_text("HIERARCHY\nROOT Hips\n")
    out = tmp_path / "corpus"
    assert main(["corpus", "build", str(work), "-o", str(out), "--manifest", str(work / "manifest.csv"), "-q",
                 "--jobs", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"motiongpt: error: {work / 'broken.bvh'}:3: file ends where")
    assert sorted(t.name for t in Corpus.load(out)) == sorted(TINY)  # the others are indexed
    assert main(["corpus", "show", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "4 takes" in shown and "salsa lead" in shown
    assert main(["corpus", "show", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "not a corpus" in err


def test_a_take_that_fails_is_named_once(tmp_path, capsys):
    """A file given to ``corpus build`` that is no capture is one line naming it once: "afile: afile: unknown
    motion format" until 2026-12-07 (the take's name before the reader's line, which names the file already)."""
    (tmp_path / "afile").write_text("hello\n")
    assert main(["corpus", "build", str(tmp_path / "afile"), "-o", str(tmp_path / "corpus"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"motiongpt: error: {tmp_path / 'afile'}: unknown motion format") and err.count("\n") == 1
    assert err.count("afile") == 1 and not (tmp_path / "corpus").exists()


def test_a_corpus_of_one_take_is_counted_in_the_singular(trials, tmp_path, capsys):
    """``corpus build`` and ``corpus show`` of one take said "1 takes" (until 2026-12-07)."""
    shutil.copy(trials["05_02"].path, tmp_path / "05_02.bvh")
    assert main(["corpus", "build", str(tmp_path / "05_02.bvh"), "-o", str(tmp_path / "c")]) == 0
    assert capsys.readouterr().out.startswith(f"{tmp_path / 'c'}: 1 take (1 tokenized, 0 reused, 0 failed), ")
    assert main(["corpus", "show", str(tmp_path / "c")]) == 0
    assert capsys.readouterr().out.startswith(f"{tmp_path / 'c'}: 1 take, ")


def test_takes_on_a_rig_whose_joints_say_nothing_are_built_with_map(trials, tmp_path, capsys):
    """A researcher's own captures, their joints named J1, J2, ...: every take refused in one line that says
    --map, then built with ``--map PART=JOINT`` for all of them (corpus build took no --map)."""
    from conftest import anonymous_rig

    takes = tmp_path / "takes"
    takes.mkdir()
    mapping = anonymous_rig(trials["05_01"].path, takes / "a.bvh")
    assert main(["corpus", "build", str(takes), "-o", str(tmp_path / "no"), "-q"]) == 2
    assert "--map pelvis=<joint>" in capsys.readouterr().err
    assert main(["corpus", "build", str(takes), "-o", str(tmp_path / "corpus"), "-q", *mapping]) == 0
    [take] = Corpus.load(tmp_path / "corpus")
    assert take.tokens > 0 and len(take.score().symbols) > 0


def test_a_corpus_built_from_a_relative_folder_finds_its_music_and_captures_from_anywhere(folder, tmp_path,
                                                                                            monkeypatch):
    """``motiongpt corpus build takes -o corpus`` recorded takes/... as each take's motion and music: trained from
    another folder, a paired take's controls were silently its dance's instead of its music's, and no take's
    energy came from its capture."""
    from motiongpt.train.corpus import read_corpus

    shutil.copytree(folder, tmp_path / "takes")
    monkeypatch.chdir(tmp_path)
    assert main(["corpus", "build", "takes", "-o", "corpus", "-q"]) == 0
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    paired = Corpus.load(tmp_path / "corpus").take("sub/07_01")
    assert Path(paired.music).is_file() and Path(paired.source).is_file()
    assert paired.music == str(tmp_path / "takes" / "sub" / "07_01.mid")
    takes = [t for split in ("train", "validation", "test") for t in read_corpus(tmp_path / "corpus", split)]
    assert len(takes) == len(TINY) and all(capture is not None and Path(capture[0]).is_file() for *_, capture in takes)
    assert any(music is not None and Path(music).is_file() for _, _, _, music, _ in takes)


def test_a_corpus_moved_with_its_takes_finds_its_music_and_says_when_it_is_gone(folder, tmp_path):
    """A corpus and its input folder copied to another machine (another home) recorded each take's music by the
    path it had on the first: every paired take silently trained on its dance's controls instead of its music's,
    and every take's energy came from its score instead of its capture."""
    from motiongpt.train.corpus import read_corpus

    shutil.copytree(folder, tmp_path / "first" / "takes")
    assert main(["corpus", "build", str(tmp_path / "first" / "takes"), "-o", str(tmp_path / "first" / "corpus"),
                 "-q"]) == 0
    shutil.move(tmp_path / "first", tmp_path / "second")  # (the index as every corpus has it: whole paths)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is missing: nothing said
        moved = Corpus.load(tmp_path / "second" / "corpus")
        takes = [t for split in ("train", "validation", "test") for t in read_corpus(moved.folder, split)]
    assert moved.take("sub/07_01").music == str(tmp_path / "second" / "takes" / "sub" / "07_01.mid")
    assert [music for *_, music, _ in takes if music] == [str(tmp_path / "second" / "takes" / "sub" / "07_01.mid")]
    assert all(capture is not None and Path(capture[0]).is_file() for *_, capture in takes)
    (tmp_path / "second" / "takes" / "sub" / "07_01.mid").unlink()  # moved without its music: said, once a load
    with pytest.warns(UserWarning) as said:
        Corpus.load(tmp_path / "second" / "corpus")
    assert len(said) == 1 and "1 of its 4 takes lost their music" in str(said[0].message)


@pytest.mark.parametrize("damage, message", [
    (lambda p: p.unlink(), "not a corpus"),
    (lambda p: p.write_text('{"format": "motiongpt-corpus", "takes": [}'), "damaged corpus index"),
    (lambda p: p.write_text('{"format": "something else"}'), "not a motiongpt corpus index"),
    (lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "vocabulary_version": 99})),
     "vocabulary version 99"),
    (lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "takes": [{"name": "x"}]})),
     "damaged corpus index"),
])
def test_a_missing_or_damaged_index_is_one_line(corpus, tmp_path, damage, message):
    copy = tmp_path / "copy"
    shutil.copytree(corpus.folder, copy)
    damage(copy / "corpus.json")
    with pytest.raises(CorpusError, match=message) as caught:
        Corpus.load(copy)
    assert "\n" not in str(caught.value)


def test_a_file_given_as_a_corpus_is_called_a_file(tmp_path):
    (tmp_path / "corpus.json").write_text("{}")
    with pytest.raises(CorpusError, match="a file, not a corpus folder"):  # it said 'no such folder'
        Corpus.load(tmp_path / "corpus.json")
    with pytest.raises(CorpusError, match="no such folder"):
        Corpus.load(tmp_path / "nothing")


def test_a_take_no_manifest_row_names_is_said_to_be_read_as_training(folder, tmp_path):
    """A manifest row mistyped (05-04.bvh for 05_04.bvh) names no take, and the take it meant went silently into the
    training split, a held-out take among them: such a row is refused, naming it and where it looked, and each take
    no row names (its row left out) is said, with what it is read as."""
    work = tmp_path / "work"
    shutil.copytree(folder, work)
    rows = (work / "manifest.csv").read_text().splitlines()
    first = rows[1].split(",")[0]
    (work / "manifest.csv").write_text("\n".join([rows[0], rows[1].replace(first, first.replace("_", "-"), 1),
                                                   *rows[2:]]) + "\n")
    with pytest.raises(ManifestError, match=rf"manifest.csv:2: {work / first.replace('_', '-')}: no such file"):
        scan([work])
    (work / "manifest.csv").write_text("\n".join([rows[0], *rows[2:]]) + "\n")
    with pytest.warns(UserWarning, match=rf"^1 take named in no row of the manifest, read as training takes: "
                                         rf"{Path(first).stem}$"):
        taken = scan([work])
    assert {s.name: s.split for s in taken}[Path(first).stem] == "train"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scan([folder])  # every take named: nothing said


def test_a_missing_score_and_bad_manifests_are_one_line(corpus, folder, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(corpus.folder, copy)
    (copy / "scores" / "05_02.laban").unlink()
    with pytest.raises(CorpusError, match="05_02.*missing"):
        Corpus.load(copy).take("05_02").score()
    bad = tmp_path / "bad.csv"
    bad.write_text("file,split\n05_02.bvh,holdout\n")
    with pytest.raises(ManifestError, match=r"bad.csv:2: split 'holdout'"):
        scan([folder], bad)
    bad.write_text("style,split\nsalsa,train\n")
    with pytest.raises(ManifestError, match="needs a 'file'"):
        scan([folder], bad)
    # which row holds would depend on the order (the take named as it is, from anywhere: a row names a real file)
    bad.write_text(f"file,fps\n{folder / '05_02.bvh'},120\n{folder / '05_02.bvh'},60\n")
    with pytest.raises(ManifestError, match=r"bad.csv:3: \S*05_02.bvh again.*fps 120.0 vs 60.0"):
        scan([folder], bad)
    with pytest.raises(CorpusError, match="would both be take"):
        scan([folder, _twin(folder, tmp_path)])


def _twin(folder: Path, tmp_path: Path) -> Path:
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(folder / "05_02.bvh", other / "05_02.bvh")
    return other


def test_every_shared_trial_has_a_style_and_the_recipe_the_fixed_split(trials):
    styles = {name: cmu_style(t) for name, t in trials.items()}
    assert set(styles.values()) == set(STYLES)  # every style has trials, and no trial is left without one
    assert all(styles[n] == "salsa lead" for n in trials if n.startswith("60_"))
    assert all(styles[n] == "salsa follow" for n in trials if n.startswith("61_"))
    dance = {n for n, s in styles.items() if s == "modern dance"}
    assert dance == {n for n in trials if n.startswith("05_")} - {"05_01"}  # 05_01 is a walk
    assert all(styles[n] == "martial arts" for n in trials if n.startswith("135_"))
    assert styles["02_10"] == "gestures" and styles["06_02"] == "basketball" and styles["01_02"] == "playground"
    assert styles["13_11"] == "jumps" and styles["09_01"] == "locomotion" and styles["02_07"] == "martial arts"
    sources = runpy.run_path(str(REPO / "datasets" / "cmu_corpus.py"))["cmu_sources"]()
    split = read_cmu_split()
    assert len(sources) == len(trials) == 150
    assert all(s.split == split[s.name]["split"] and s.style == styles[s.name] for s in sources)
    assert sum(s.split == "test" for s in sources) == 27  # kept in the index, marked test
    assert all(s.fps == 60 for s in sources if s.style in DANCE_STYLES[1:])  # the salsa at its real rate


def test_augmentations_of_real_scores_encode_and_round_trip(corpus):
    vocabulary = corpus.vocabulary()
    for take in corpus:
        score = take.score()
        ids = vocabulary.encode(score)
        assert mirror(mirror(score)) == score
        assert vocabulary.encode(mirror(score)) != ids  # a new sequence: columns swap sides
        for a in ALL:
            augmented = a.apply(score)
            new = vocabulary.encode(augmented)
            assert vocabulary.to_score(new, augmented.grid, augmented.title) == augmented
            if not a.mirror:
                assert new == ids  # tempo and front are conditioning: the beats are the same
            assert np.allclose(np.diff(augmented.grid.times), np.diff(score.grid.times) / a.tempo)
            performed = a.performed(score)
            turns = [s for s in performed.symbols if s.sign is Sign.TURN and s.start == 0 and s.duration == 0]
            assert [round(s.turn * 8) % 8 for s in turns] == ([a.front] if a.front else [])
    assert sorted({a.tempo for a in ALL}) == list(TEMPO_FACTORS) and len(ALL) == 2 * 5 * 8


def test_a_windows_bars_are_the_source_bars(corpus):
    vocabulary = corpus.vocabulary()
    seen = set()
    for example in windows(corpus, "train", bars=(2, 6), rng=np.random.default_rng(4), augment=False, count=40):
        source = example.take.score()
        first, last = example.bars
        piece = example.score
        assert bar_count(piece) == last - first + 1
        start, stop = bar_start(source.grid, first), bar_start(source.grid, last + 1)
        stop = min(stop, source.duration)
        beats = np.diff(source.grid.times[start:start + piece.grid.beat_count])
        assert np.allclose(np.diff(piece.grid.times)[:len(beats)], beats)  # the same music
        moved = {replace(s, start=s.start - start, duration=min(s.end, stop) - s.start) for s in source.symbols
                 if start <= s.start < stop and s.duration > 0}
        written = set(piece.symbols)
        assert moved <= written  # every movement of those bars, at its place
        assert all(s.sign is Sign.HOLD and s.start == 0 and s.column in SUPPORT_COLUMNS for s in written - moved)
        ids = vocabulary.encode(piece)
        assert vocabulary.to_score(ids, piece.grid, piece.title) == piece
        seen.add((example.take.name, example.bars))
    assert len(seen) > 10


def test_the_test_split_is_never_yielded_for_training(corpus, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(corpus.folder, copy)
    loaded = Corpus.load(copy)
    held_out = [t for t in loaded if t.split == "test"]
    assert held_out  # 05_01 and 07_01 are in the CMU test split
    for take in held_out:
        (copy / take.score_path).unlink()  # not even read
    names = {e.take.name for e in windows(loaded, "train", rng=np.random.default_rng(0), count=200)}
    assert names == {t.name for t in loaded if t.split == "train"}
    with pytest.raises(CorpusError, match="no validation takes"):
        next(windows(loaded, "validation"))


def test_windows_carry_coarse_and_exact_words_and_repeat_with_a_seed(corpus):
    def draw(seed):
        return list(windows(corpus, rng=np.random.default_rng(seed), count=12))

    one, two = draw(7), draw(7)
    assert [(e.take.name, e.bars, e.augmentation) for e in one] == [(e.take.name, e.bars, e.augmentation)
                                                                      for e in two]
    assert all(a.score == b.score and a.text == b.text for a, b in zip(one, two))
    assert any(e.augmentation.mirror for e in one) and any(not e.augmentation.mirror for e in one)
    for e in one:
        assert e.description == (mirrored_words(e.take.description) if e.augmentation.mirror else e.take.description)
        assert e.phrases and e.text
        assert e.phrases[0].bars[0] <= 1 and e.phrases[-1].bars[1] == bar_count(e.score)  # the window's own bars
    assert mirrored_words("basketball - forward dribble, 90-degree Left turns") == \
        "basketball - forward dribble, 90-degree Right turns"
    score, what = augment(corpus.take("60_10").score(), np.random.default_rng(1))
    assert isinstance(what, Augmentation) and score == what.apply(corpus.take("60_10").score())


def piece(path: Path) -> None:
    """4/4 at 100 bpm after a one-beat pickup (MIDI's way: a first 1/4 bar): A (4 quiet bars of crotchets), B (4
    loud bars of quaver dyads), A again note for note, so bars 5-8 are the loudest and bars 9-12 repeat bars 1-4."""
    from music21 import chord, meter, note, stream, tempo

    part = stream.Part([tempo.MetronomeMark(number=100), meter.TimeSignature("1/4"), note.Note(67, quarterLength=1),
                        meter.TimeSignature("4/4")])
    for roots, loud in (((60, 62, 65, 57), False), ((55, 50, 52, 53), True), ((60, 62, 65, 57), False)):
        for root in roots:
            for k in range(8 if loud else 4):
                sound = (chord.Chord([root, root + 12 + (0, 7, 4, 9, 2, 11, 5, 7)[k]], quarterLength=0.5) if loud
                         else note.Note(root + (0, 4, 7, 4)[k], quarterLength=1.0))
                sound.volume.velocity = 115 if loud else 40
                part.append(sound)
    stream.Score([part]).write("midi", fp=str(path))


@pytest.fixture(scope="module")
def paired(folder, tmp_path_factory) -> Corpus:
    """A paired corpus to train on: the salsa take danced to ``piece`` (its score on the piece's grid: the upbeat
    bar 0 and bars 1-9), and 05_02 without music."""
    root = tmp_path_factory.mktemp("paired")
    for name in ("60_10", "05_02"):
        shutil.copy(folder / f"{name}.bvh", root)
        shutil.copy(folder / f"{name}.txt", root)
    (root / "manifest.csv").write_text("file,style,split,fps\n60_10.bvh,salsa lead,train,60\n05_02.bvh,,train,\n")
    piece(root / "60_10.mid")
    built = build(scan([root]), tmp_path_factory.mktemp("paired_corpus") / "corpus")
    assert not built.failures
    return built.corpus


def _reads(monkeypatch) -> list:
    """The music files ``music_features`` reads from now on."""
    import motiongpt.conditioning.music as music

    read, features = [], music.music_features
    monkeypatch.setattr(music, "music_features", lambda path, *rest: read.append(str(path)) or features(path, *rest))
    return read


def test_augmented_windows_of_a_paired_take_carry_its_music_controls(paired, monkeypatch):
    """Mirrored, retimed and turned windows of a take danced to music took their controls from the dance (its
    score), so exactly the windows augmentation adds taught music-following from the dance: they carry the
    music's controls of the take's bars now, the rows a plain window of those bars carries, the music read once."""
    from motiongpt.model import tiny_config
    from motiongpt.train.corpus import _controls, examples_from_corpus, examples_from_windows, read_corpus

    vocabulary, config = paired.vocabulary(), tiny_config(train_length=1024)  # the whole take as one window
    take = paired.take("60_10")
    assert take.score().grid.downbeat == 1 and take.bars == 9  # an upbeat: the take's rows are bars 0..9
    [plain] = examples_from_corpus([t for t in read_corpus(paired.folder) if t[3]], vocabulary, config, 16)
    energy, repeat = config.control_names.index("energy"), config.control_names.index("repeat")
    assert plain.controls.shape[0] == 10 and set(plain.controls[5:9, energy]) == {3}  # the loud B section
    assert set(plain.controls[1:5, energy]) == {1} and plain.controls[9, repeat] == 1  # bar 9 repeats bar 1

    read = _reads(monkeypatch)
    drawn = list(windows(paired, "train", bars=(2, 4), rng=np.random.default_rng(1), count=16))
    examples = examples_from_windows(drawn, vocabulary, config, exact_words=0.0)
    assert len(examples) == len(drawn) and read == [take.music]
    danced = [(w, e) for w, e in zip(drawn, examples) if w.take.music]
    assert {w.augmentation.mirror for w, _ in danced} == {False, True}
    assert any(w.augmentation.tempo != 1.0 for w, _ in danced)
    assert any(w.bars[0] > 1 and w.bars[1] == 9 for w, _ in danced)  # a repeat of a bar before the window
    for w, e in danced:
        first, last = w.bars
        assert np.array_equal(e.controls, plain.controls[first:last + 1]), w  # the take's bars 1.., row 0 bar 0
        assert not np.array_equal(e.controls, _controls(w.score, None, vocabulary, config)), w  # not the dance's
    unpaired = [(w, e) for w, e in zip(drawn, examples) if not w.take.music]
    assert unpaired and all(np.array_equal(e.controls, _controls(w.score, None, vocabulary, config))
                            for w, e in unpaired)  # a take without music: its window's score, as before


def test_the_command_trains_on_augmented_windows_of_a_paired_corpus(paired, tmp_path, monkeypatch, capsys):
    pytest.importorskip("lightning")
    read = _reads(monkeypatch)
    (tmp_path / "tiny.json").write_text('{"model": "tiny", "batch_size": 2, "window_bars": 4, "warmup_steps": 1, '
                                        '"augmented_windows": 6}')
    assert main(["train", "--corpus", str(paired.folder), "--config", str(tmp_path / "tiny.json"), "--max-steps",
                 "2", "--quiet", "-o", str(tmp_path / "run")]) == 0
    assert read == [paired.take("60_10").music]  # its windows' controls are the music's
    assert "trained 2 steps on 6 windows of 2 takes" in capsys.readouterr().out
    assert (tmp_path / "run" / "model").is_dir()


def test_window_counts():
    assert window_count(2) == 1 and window_count(4) == 1 and window_count(5) == 3
    assert window_count(20) == sum(20 - n + 1 for n in range(4, 17))
