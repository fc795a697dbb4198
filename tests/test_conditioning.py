"""Conditioning: music on the one beat grid with per-beat features, and per-bar controls from music or dance.

Real music from music21's corpus (a 3/4 and a 4/4 chorale at different tempi, Joplin's rag), a synthetic MIDI
whose loud and repeated bars are known by construction, a real CMU dance, and (with librosa) a click track.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from laban import BeatGrid, MusicError
from motiongpt.conditioning import (FEATURES, LEVELS, controls_from_music, controls_from_score, metrical_strength,
                                    music_features, music_notes, paired_music, resolve_music)
from motiongpt.conditioning.controls import rank_levels

DANCE = Path(__file__).parents[1] / ".." / "shared" / "mocap" / "cmu" / "05" / "05_06.bvh"
needs_librosa = pytest.mark.skipif(importlib.util.find_spec("librosa") is None,
                                   reason="librosa is not installed (pip install librosa)")


def _one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert message and "\n" not in message
    return message


# ---------------------------------------------------------------------------------------------------------------
# Music on its grid


@pytest.mark.parametrize("work, meter", [("bach/bwv130.6", 3), ("bach/bwv66.6", 4)])
def test_corpus_pieces_give_grids_of_their_meter_and_tempo(work, meter):
    from music21 import corpus, stream

    features = music_features(f"corpus:{work}")
    grid = features.grid
    score = corpus.parse(work)
    bpm = score.metronomeMarkBoundaries()[0][2].getQuarterBPM()
    assert grid.beats_per_bar == meter
    assert grid.tempo == pytest.approx(bpm, rel=1e-6)
    # The grid's downbeats are the score's bar lines: each full measure starts on a beat of metrical strength 1,
    # one bar (meter × 60 / bpm seconds) after the previous one.
    measures = [m for m in score.parts[0].getElementsByClass(stream.Measure)
                if m.duration.quarterLength == m.barDuration.quarterLength]
    bar_lines = np.array([float(m.offset) for m in measures]) * 60.0 / bpm
    beats = np.round(grid.seconds_to_beats(bar_lines)).astype(int)
    assert np.allclose(np.asarray(grid.times)[beats], bar_lines, atol=1e-6)
    assert np.all(features.per_beat["metrical"][beats] == 1.0)
    assert np.sum(features.per_beat["metrical"] == 1.0) == pytest.approx(grid.beat_count / meter, abs=1.5)
    assert np.allclose(np.diff(bar_lines[:4]), meter * 60.0 / bpm)


@pytest.mark.parametrize("spec", ["corpus:bach/bwv130.6", "corpus:joplin/maple_leaf_rag"])
def test_features_ride_on_the_grid_in_their_ranges(spec):
    features = music_features(spec)
    count = features.grid.beat_count
    assert set(features.per_beat) == set(FEATURES)
    for name, values in features.per_beat.items():
        assert values.dtype == np.float32 and values.shape[0] == count, name
        assert np.all(np.isfinite(values)) and values.min() >= 0.0 and values.max() <= 1.0, name
    assert features.per_beat["chroma"].shape == (count, 12)
    assert features.matrix().shape == (count, len(FEATURES) - 1 + 12)  # chroma is 12 wide
    f = features.per_beat
    assert f["rest"][-1] == 1.0 and f["rest"][:-2].mean() < 0.2  # the last beat lies after the end; music sounds
    assert f["attack"][:-1].mean() > 0.5 and 0.2 < f["register"].mean() < 0.8
    assert 0.0 < f["harmony"].mean() < 1.0


def test_rag_sections_at_its_repeat_signs_and_its_return():
    features = music_features("corpus:joplin/maple_leaf_rag")
    sections = np.flatnonzero(features.per_beat["section"])
    assert 4 <= len(sections) <= 10  # the strains' repeat signs and double bars, not every bar line
    controls = controls_from_music(features)
    # The rag as played (music21's reading of its repeats: the file's A strain has a first ending and no second,
    # so A is played once): B (bars 18-32) again from bar 34, A (bars 1-15) back from bar 50, C (66-80) again from
    # 82, D (98-112) from 114. Each later strain is found repeating the earlier one, bar for bar in most bars (a
    # strain that repeats its own first bars may name those instead).
    for first, again in ((18, 34), (1, 50), (66, 82), (98, 114)):
        later = (controls.bars >= again) & (controls.bars < again + 15)
        assert controls.repeat[later].mean() >= 0.9
        assert np.mean(controls.repeat_of[later] == controls.bars[later] - again + first) >= 0.75


def test_music21_parses_each_file_once(tmp_path, monkeypatch):
    """The beat grid and the note features share one parse of a file, and asking again parses nothing."""
    import shutil

    import music21

    from motiongpt.conditioning.music import resolve_music

    path = tmp_path / "chorale.mxl"
    shutil.copy(resolve_music("corpus:bach/bwv66.6"), path)  # a file no earlier test has parsed
    parses = []
    parse = music21.converter.parse
    monkeypatch.setattr(music21.converter, "parse", lambda *a, **k: parses.append(a) or parse(*a, **k))
    music_features(path)
    assert len(parses) == 1
    music_features(path, meter=2)
    assert len(parses) == 1


def test_metrical_strength_follows_the_meter_and_the_upbeat():
    def strength(n, downbeat=0):
        return metrical_strength(BeatGrid(tuple(np.arange(2 * n) * 0.5), n, downbeat)).tolist()

    assert strength(3) == [1, 0, 0] * 2
    assert strength(4) == [1, 0, 0.5, 0] * 2
    assert strength(6) == [1, 0, 0, 0.5, 0, 0] * 2
    assert strength(2) == [1, 0] * 2
    assert strength(4, downbeat=1)[:5] == [0, 1, 0, 0.5, 0]


# ---------------------------------------------------------------------------------------------------------------
# Controls from music: a synthetic MIDI whose loud and repeated bars are known


def _write_piece(path: Path) -> None:
    """4/4 at 100 bpm: A (4 quiet bars of quarter notes, each bar its own arpeggio), B (4 loud bars of eighth-note
    chords), A again note for note."""
    from music21 import stream

    stream.Score([_strains("ABA")]).write("midi", fp=path)


def _strains(order: str) -> "stream.Part":
    """The strains of ``_write_piece`` in the ``order`` named ('ABA', 'AB')."""
    from music21 import chord, meter, note, stream, tempo

    part = stream.Part([tempo.MetronomeMark(number=100), meter.TimeSignature("4/4")])
    a_roots, b_roots = (60, 62, 65, 57), (55, 50, 52, 53)
    for roots, loud in [{"A": (a_roots, False), "B": (b_roots, True)}[strain] for strain in order]:
        for root in roots:
            if loud:
                for k in range(8):
                    c = chord.Chord([root, root + 12 + (0, 7, 4, 9, 2, 11, 5, 7)[k]], quarterLength=0.5)
                    c.volume.velocity = 115
                    part.append(c)
            else:
                for k in range(4):
                    n = note.Note(root + (0, 4, 7, 4)[k], quarterLength=1.0)
                    n.volume.velocity = 40
                    part.append(n)
    return part


def test_synthetic_midi_energy_follows_loudness_and_repeats_are_found(tmp_path):
    _write_piece(tmp_path / "piece.mid")
    features = music_features(tmp_path / "piece.mid")
    assert features.grid.beats_per_bar == 4 and features.grid.tempo == pytest.approx(100.0)
    loud = features.per_beat["loudness"]
    assert loud[16:32].min() > loud[:16].max() and loud[16:32].min() > loud[32:48].max()
    controls = controls_from_music(features)
    assert controls.bars.tolist() == list(range(1, 13))
    quiet_bars = np.r_[0:4, 8:12]
    assert controls.energy[4:8].min() > controls.energy[quiet_bars].max()
    assert controls.repeat.tolist() == [0] * 8 + [1] * 4
    assert controls.repeat_of[8:].tolist() == [1, 2, 3, 4]
    assert controls.phrase[0] == 2 and controls.phrase[4] == 2  # the piece and the loud B begin sections
    assert controls.accents.shape == (12, 4) and controls.accents[:, 0].all()  # every downbeat is struck
    for name, levels in LEVELS.items():
        values = getattr(controls, name)
        assert values.min() >= 0 and values.max() < levels


def test_a_repeat_sign_is_played_and_its_bars_found_as_repeats(tmp_path):
    """|: A :| B written in MusicXML is played A A B, as its MIDI export and a recording play it: 12 bars, bars 5-8
    repeats of bars 1-4 (so the dance copies them), sections where A starts again and where B starts, and the notes a
    page plays beside the dance play A twice. Read as written it was 8 bars, and nothing repeated."""
    from music21 import bar, stream

    part = _strains("AB").makeMeasures()
    measures = part.getElementsByClass(stream.Measure)
    measures[0].leftBarline, measures[3].rightBarline = bar.Repeat(direction="start"), bar.Repeat(direction="end")
    path = tmp_path / "strains.musicxml"
    stream.Score([part]).write("musicxml", fp=path)
    controls = controls_from_music(music_features(path))
    assert controls.bars.tolist() == list(range(1, 13))
    assert controls.repeat.tolist() == [0] * 4 + [1] * 4 + [0] * 4
    assert controls.repeat_of[4:8].tolist() == [1, 2, 3, 4]
    assert controls.phrase[4] == 2 and controls.phrase[8] == 2
    notes = music_notes(path)
    assert notes[:, 1].max() == pytest.approx(12 * 4 * 0.6)
    np.testing.assert_array_equal(notes[16:32, 2], notes[:16, 2])


def _drums(bars: int, loud_from: int, melody: bool = False) -> "stream.Score":
    """4/4 at 100 bpm, a bass drum on every beat (General MIDI channel 10: music21 reads it back as Unpitched),
    soft until bar ``loud_from``, loud after; with ``melody``, a tune in half notes above it."""
    from music21 import instrument, meter, note, stream, tempo

    drums = stream.Part([instrument.BassDrum(), tempo.MetronomeMark(number=100), meter.TimeSignature("4/4")])
    for beat in range(4 * bars):
        hit = note.Unpitched(displayName="C4", quarterLength=1.0)
        hit.storedInstrument = instrument.BassDrum()
        hit.volume.velocity = 120 if beat >= 4 * loud_from else 40
        drums.append(hit)
    parts = [drums]
    if melody:
        parts.append(stream.Part([instrument.Piano(), meter.TimeSignature("4/4")]
                                 + [note.Note(60 + k % 5, quarterLength=2.0) for k in range(2 * bars)]))
    return stream.Score(parts)


def test_a_drum_track_is_music_its_hits_the_attacks_and_its_velocities_the_energy(tmp_path):
    """Drums are what many dance to: a drum-only MIDI was refused as having no notes (music21 reads a drum as an
    Unpitched, which has no pitches), and drums under a tune were not heard at all."""
    _drums(8, 4).write("midi", fp=tmp_path / "drums.mid")
    features = music_features(tmp_path / "drums.mid")
    assert features.grid.beats_per_bar == 4 and features.grid.tempo == pytest.approx(100.0)
    beats = slice(0, 32)
    assert features.per_beat["attack"][beats].all() and features.per_beat["onsets"][beats].min() == 1.0
    loud = features.per_beat["loudness"]
    assert loud[16:32].min() > loud[:16].max() > 0
    assert not features.per_beat["chroma"].any()  # no pitch to hear, and no register made up from one
    assert np.ptp(features.per_beat["register"]) == 0
    controls = controls_from_music(features)
    assert controls.energy[4:].min() > controls.energy[:4].max()
    assert controls.accents[:, 0].all() and controls.accents[4:].all()  # the loud bars struck on every beat
    with pytest.raises(MusicError) as error:  # nothing for the studio page to play: it clicks the beats
        music_notes(tmp_path / "drums.mid")
    assert "drums" in _one_line(error)

    _drums(8, 4, melody=True).write("midi", fp=tmp_path / "band.mid")
    band = music_features(tmp_path / "band.mid")
    assert band.per_beat["attack"][beats].all()  # the tune alone strikes every other beat
    assert band.per_beat["register"][:32] == pytest.approx((60 + 2 - 21) / 87, abs=0.03)  # the tune's, not 0
    assert np.isfinite(music_notes(tmp_path / "band.mid")).all() and len(music_notes(tmp_path / "band.mid")) == 16


# ---------------------------------------------------------------------------------------------------------------
# Controls from a dance


@pytest.fixture(scope="module")
def cmu_dance():
    if not DANCE.exists():
        pytest.skip(f"shared CMU motion capture not found at {DANCE.resolve()}")
    import laban

    motion = laban.read_bvh(DANCE)
    return laban.tokenize(motion), motion


@pytest.mark.parametrize("with_motion", [False, True])
def test_controls_from_a_cmu_dance_score(cmu_dance, with_motion):
    score, motion = cmu_dance
    controls = controls_from_score(score, motion if with_motion else None)
    grid = score.grid
    last_bar = grid.bar_and_beat(np.ceil(score.duration) - 1)[0]
    assert controls.bars.tolist() == list(range(0 if grid.downbeat else 1, last_bar + 1))
    assert controls.accents.shape == (len(controls), grid.beats_per_bar)
    assert sorted(set(controls.energy.tolist())) == list(range(LEVELS["energy"]))  # all levels used
    assert controls.phrase[controls.bars == 1] == 2
    stepped = [s for s in score.symbols if s.column.is_support and float(s.start).is_integer()]
    assert controls.accents.sum() == len({s.start for s in stepped})  # accents are the steps on beats
    assert controls.source == ("motion" if with_motion else "score")


def test_the_controls_of_an_upbeat_alone(cmu_dance):
    """A streamed duet reads its lead's controls bar by bar, the first of them the lead's upbeat alone: its phrase
    starts there and was marked on bar 1, which such a score has not (an IndexError). A lone upbeat is one bar of
    controls, its steps on beats its accents; with bar 1 beside it, the phrase is marked on bar 1, not the upbeat."""
    from laban.algebra import cut

    score, _ = cmu_dance
    upbeat = laban_with_upbeat(score)
    alone, with_next = controls_from_score(cut(upbeat, 0, 0)), controls_from_score(cut(upbeat, 0, 1))
    assert alone.bars.tolist() == [0] and alone.accents.sum() > 0
    assert with_next.bars.tolist() == [0, 1] and with_next.phrase[0] == 0 < with_next.phrase[1]


def laban_with_upbeat(score):
    """``score`` tokenized as begun 3 beats before its first bar line (an upbeat of 3 of its 4 beats)."""
    import laban

    return laban.tokenize(laban.read_bvh(DANCE), BeatGrid(score.grid.times, score.beats_per_bar, 3))


def test_score_and_motion_energy_agree_on_the_busiest_bar(cmu_dance):
    score, motion = cmu_dance
    written, moved = controls_from_score(score), controls_from_score(score, motion)
    assert np.argmax(written.energy_raw) == np.argmax(moved.energy_raw)
    assert np.argmin(written.energy_raw) == np.argmin(moved.energy_raw)


def test_rank_levels_share_bars_equally_and_ties_alike():
    assert rank_levels(np.arange(8.0), 4).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert rank_levels(np.array([5.0, 1.0, 5.0, 9.0]), 4).tolist() == [1, 0, 1, 3]  # the 5s share ranks 1 and 2
    assert set(rank_levels(np.ones(6), 4).tolist()) == {1}


# ---------------------------------------------------------------------------------------------------------------
# Where music comes from, and what it refuses


def test_resolve_music_finds_corpus_works_and_names_near_misses(tmp_path):
    path = resolve_music("corpus:joplin/maple_leaf_rag")
    assert path.is_file() and path.name == "maple_leaf_rag.mxl"
    assert resolve_music("corpus:joplin/maple_leaf_rag.mxl") == path
    (tmp_path / "song.mid").write_bytes(b"MThd")
    assert resolve_music(str(tmp_path / "song.mid")) == tmp_path / "song.mid"
    for given, says in ((tmp_path / "other.mid", "other.mid: no such file"),
                        (tmp_path, f"{tmp_path.name}: a folder, not a music file")):
        with pytest.raises(MusicError) as error:
            resolve_music(given)
        assert says in _one_line(error)
    with pytest.raises(MusicError) as error:
        resolve_music("corpus:joplin/mapel_leaf_rag")
    assert "corpus:joplin/maple_leaf_rag" in _one_line(error)
    with pytest.raises(MusicError) as error:
        resolve_music("corpus:nobody/nothing_at_all")
    assert "no such work" in _one_line(error)


def test_paired_corpus_music_beside_the_motion(tmp_path):
    (tmp_path / "take1.bvh").write_text("")
    (tmp_path / "take1.wav").write_bytes(b"")
    (tmp_path / "take1.mid").write_bytes(b"")
    (tmp_path / "take2.bvh").write_text("")
    assert paired_music(tmp_path / "take1.bvh") == tmp_path / "take1.mid"  # a score's exact beats first
    assert paired_music(tmp_path / "take2.bvh") is None


@pytest.mark.parametrize("name, content", [
    ("empty.mid", b""),
    ("corrupt.mid", b"MThd\x00\x00\x00\x06 this is not a MIDI file"),
    ("corrupt.musicxml", b"<score-partwise><part id='P1'><measure"),
    ("missing.mid", None),
])
def test_bad_music_is_one_line_music_error(tmp_path, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(MusicError) as error:
        music_features(path)
    assert name in _one_line(error)


def test_a_scores_notes_name_a_corrupt_file_as_it_was_given(tmp_path, monkeypatch):
    """The notes a page plays (``music_notes``) named a corrupt score by its absolute path."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "corrupt.mid").write_bytes(bytes(range(256)) * 4)
    with pytest.raises(MusicError, match=r"^corrupt\.mid: cannot read music file"):
        music_notes("corrupt.mid")


def test_music_without_notes_is_one_line_music_error(tmp_path):
    from music21 import meter, note, stream

    stream.Score([stream.Part([meter.TimeSignature("3/4"), note.Rest(quarterLength=6.0)])]).write(
        "musicxml", fp=tmp_path / "rests.musicxml")
    with pytest.raises(MusicError) as error:
        music_features(tmp_path / "rests.musicxml")
    assert "no notes" in _one_line(error)


# ---------------------------------------------------------------------------------------------------------------
# Audio


@needs_librosa
def test_click_track_features_and_energy(tmp_path):
    """16 s of clicks at 120 bpm, three times louder in the second half."""
    from scipy.io import wavfile

    rate, seconds = 22050, 16.0
    signal = np.zeros(int(rate * seconds))
    t = np.arange(int(0.03 * rate)) / rate
    for k, start in enumerate(np.arange(0.5, seconds - 0.5, 0.5)):
        pitch = 880.0 if k % 4 == 0 else 440.0
        burst = (0.3 if start < 8.0 else 0.9) * np.sin(2 * np.pi * pitch * t) * np.exp(-t / 0.01)
        at = int(start * rate)
        signal[at:at + len(t)] += burst
    wavfile.write(tmp_path / "clicks.wav", rate, (signal * 32767 * 0.9).astype(np.int16))

    features = music_features(tmp_path / "clicks.wav")
    grid = features.grid
    assert features.kind == "audio" and grid.tempo == pytest.approx(120.0, rel=0.03)
    for name, values in features.per_beat.items():
        assert values.shape[0] == grid.beat_count and values.min() >= 0.0 and values.max() <= 1.0, name
    beat_times = np.asarray(grid.times)
    early, late = beat_times < 7.5, (beat_times > 8.5) & (beat_times < seconds - 1.0)
    assert features.per_beat["loudness"][late].mean() > features.per_beat["loudness"][early].mean() + 0.05
    assert features.per_beat["attack"][early | late].mean() > 0.9  # a click on every beat
    controls = controls_from_music(features)
    bar_times = np.asarray(grid.beats_to_seconds(grid.downbeat + (controls.bars - 1) * grid.beats_per_bar))
    quiet, loud = controls.energy[bar_times + 2.0 < 8.0], controls.energy[bar_times > 8.0]
    assert loud.mean() > quiet.mean() + 1.0


def test_tiny_paired_corpus_lines_up_bar_for_bar(tmp_path, cmu_dance):
    """A take with its music beside it: tokenized on the music's grid, the dance's controls and the music's
    controls describe the same bars."""
    import shutil

    import laban

    _, motion = cmu_dance
    shutil.copy(DANCE, tmp_path / "take.bvh")
    _write_piece(tmp_path / "take.mid")
    music = paired_music(tmp_path / "take.bvh")
    assert music == tmp_path / "take.mid"
    features = music_features(music)
    score = laban.tokenize(laban.read_bvh(tmp_path / "take.bvh"), features.grid)
    assert score.grid == features.grid
    from_music, from_dance = controls_from_music(features), controls_from_score(score, motion)
    shared = min(len(from_music), len(from_dance))
    assert shared >= 3 and from_dance.bars[:shared].tolist() == from_music.bars[:shared].tolist()
    assert from_dance.accents.shape[1] == from_music.accents.shape[1] == 4
