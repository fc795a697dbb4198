"""Beats from audio: librosa's tracker on synthetic click tracks and, where fluidsynth is installed, rendered MIDI.

librosa is optional: the tests that track beats skip without it; the error tests that stop before librosa is
needed run everywhere.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from laban import MusicError
from laban.timing import beats_from_audio, beats_from_music, read_audio

needs_librosa = pytest.mark.skipif(importlib.util.find_spec("librosa") is None,
                                   reason="librosa is not installed (pip install librosa)")
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
RATE = 22050


def click_track(path: Path, bpm: float, seconds: float, first: float = 0.5, rate: int = RATE) -> np.ndarray:
    """Write a WAV of 10-ms decaying 1-kHz clicks at ``bpm`` from ``first`` seconds; returns the click times."""
    clicks = np.arange(first, seconds - 0.1, 60.0 / bpm)
    signal = np.zeros(round(seconds * rate))
    t = np.arange(round(0.01 * rate)) / rate
    burst = np.sin(2 * np.pi * 1000.0 * t) * np.exp(-t / 0.003)
    for click in clicks:
        start = round(click * rate)
        signal[start:start + len(burst)] += burst
    wavfile.write(path, rate, (0.5 * signal * 32767).astype(np.int16))
    return clicks


def _nearest(times: np.ndarray, targets: np.ndarray) -> np.ndarray:
    return np.abs(np.asarray(times)[:, None] - np.asarray(targets)[None]).min(axis=1)


ACCENTS = {"pitch and loudness": ((1600.0, 0.9), (800.0, 0.5)), "pitch": ((1600.0, 0.5), (800.0, 0.5)),
           "loudness": ((800.0, 0.9), (800.0, 0.5))}


def metronome(path: Path, bpm: float, meter: int, bars: int, marked: str = "pitch and loudness",
              fade: float = 1.0) -> np.ndarray:
    """Write a WAV of a metronome from time 0: a struck click (5-ms decay) on every beat, the downbeat's marked as
    ``ACCENTS[marked]`` says ((Hz, amplitude) of the downbeat's click and of the others'), the last bar's clicks at
    ``fade`` times their amplitude (a diminuendo); one second of silence after the last click. The click times."""
    clicks = 60.0 / bpm * np.arange(meter * bars)
    signal = np.zeros(round((clicks[-1] + 1.0) * RATE))
    t = np.arange(round(0.025 * RATE)) / RATE
    for index, click in enumerate(clicks):
        frequency, amplitude = ACCENTS[marked][index % meter != 0]
        amplitude *= fade if index >= meter * (bars - 1) else 1.0
        start = round(click * RATE)
        signal[start:start + len(t)] += amplitude * np.sin(2 * np.pi * frequency * t) * np.exp(-t / 0.005)
    wavfile.write(path, RATE, (0.9 * signal * 32767).astype(np.int16))
    return clicks


@needs_librosa
@pytest.mark.parametrize("bpm", [96.0, 128.0])
def test_click_track_tempo_and_beats(tmp_path, bpm):
    clicks = click_track(tmp_path / "clicks.wav", bpm, 20.0)
    grid = beats_from_audio(tmp_path / "clicks.wav", beats_per_bar=3)
    assert grid.tempo == pytest.approx(bpm, rel=0.02)
    assert _nearest(grid.times[:-1], clicks).max() <= 0.030  # every beat found is on a click, but librosa's
    assert _nearest(grid.times[-1:], clicks).max() <= 0.1  # last beat, which ends its search off the music
    assert np.mean(_nearest(clicks, grid.times) <= 0.030) >= 0.9  # and nearly every click has its beat
    assert (grid.beats_per_bar, grid.downbeat) == (3, 0)


@needs_librosa
def test_beats_from_music_reads_audio(tmp_path):
    path = tmp_path / "clicks.flac"
    clicks = click_track(tmp_path / "clicks.wav", 120.0, 12.0)
    import soundfile  # a librosa dependency: writes FLAC

    soundfile.write(path, *reversed(wavfile.read(tmp_path / "clicks.wav")))
    grid = beats_from_music(path)
    assert (grid.beats_per_bar, grid.downbeat) == (4, 0)  # even clicks mark no bar: fours from the first beat
    assert grid.tempo == pytest.approx(120.0, rel=0.02)
    assert _nearest(grid.times[:-1], clicks).max() <= 0.030
    assert beats_from_music(path, beats_per_bar=2).beats_per_bar == 2


@needs_librosa
def test_a_recording_is_read_once_for_its_beats_and_its_features_and_again_once_changed(tmp_path, monkeypatch):
    import librosa

    from motiongpt.conditioning import music_features

    path = tmp_path / "clicks.wav"
    click_track(path, 120.0, 8.0)
    reads = []
    load = librosa.load
    monkeypatch.setattr(librosa, "load", lambda *a, **k: reads.append(a[0]) or load(*a, **k))
    first = music_features(path)
    assert len(reads) == 1  # the beat grid's read serves the features (read twice before)
    click_track(path, 90.0, 8.0)  # the file changed: read again, not served from the cache
    assert music_features(path).grid.tempo == pytest.approx(90.0, rel=0.03) != first.grid.tempo
    assert len(reads) == 2


@needs_librosa
def test_metric_audio_beats_are_motion_frames(tmp_path):
    from motiongpt.metrics.beats import audio_beat_frames

    clicks = click_track(tmp_path / "clicks.wav", 110.0, 15.0, first=0.3, rate=44100)
    for fps in (60.0, 30.0):
        frames = audio_beat_frames(tmp_path / "clicks.wav", fps)
        assert frames.dtype == np.int64
        assert _nearest(frames[:-1] / fps, clicks).max() <= 0.030 + 1.0 / fps  # a frame more than 30 ms at most
        assert len(frames) >= 0.9 * len(clicks)
    assert audio_beat_frames(tmp_path / "clicks.wav", 60.0, frame_count=300).max() < 300


def _wav(tmp_path: Path, samples: np.ndarray, name: str = "piece.wav") -> Path:
    path = tmp_path / name
    wavfile.write(path, RATE, samples.astype(np.int16))
    return path


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p.write_bytes(b""), r"piece\.wav: empty audio file \(0 bytes\)"),
    (lambda p: None, r"piece\.wav: no such audio file"),
])
def test_audio_errors_before_librosa(tmp_path, make, message):
    make(tmp_path / "piece.wav")
    with pytest.raises(MusicError, match=message):
        beats_from_audio(tmp_path / "piece.wav")


@needs_librosa
@pytest.mark.parametrize(("samples", "name", "message"), [
    (None, "piece.wav", r"piece\.wav: cannot decode: not audio, or a format this machine has no decoder for$"),
    (None, "piece.ogg", r"piece\.ogg: cannot decode: not audio, or a format this machine has no decoder for$"),
    (np.zeros(0), "piece.wav", r"piece\.wav: empty audio file \(no samples\)"),
    (np.zeros(RATE * 5), "piece.wav", r"piece\.wav: silent audio file"),
    # silence exported with dither (±1 of 16 bits): it was given 17 beats at 120 bpm, and a dance on them
    (np.random.default_rng(0).integers(-1, 2, RATE * 5), "piece.wav",
     r"piece\.wav: silent audio file \(at most -92 dB full scale: no beats to track\)$"),
])
def test_unreadable_empty_and_silent_audio(tmp_path, samples, name, message):
    path = tmp_path / name
    if samples is None:
        path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8)  # a header, then garbage
    else:
        _wav(tmp_path, samples, name)
    with pytest.raises(MusicError, match=message) as error:
        beats_from_audio(path)
    assert "\n" not in str(error.value)


NOT_AUDIO = r"cannot decode: not audio, or a format this machine has no decoder for$"


def _cut(tmp_path: Path, suffix: str, keep: float = 0.5) -> Path:
    """Four seconds of a tone beating twice a second, written as ``suffix``, then cut to ``keep`` of its bytes."""
    import soundfile

    t = np.arange(4 * RATE) / RATE
    soundfile.write(tmp_path / f"whole{suffix}", 0.3 * np.sin(2 * np.pi * 440 * t) * (np.sin(4 * np.pi * t) > 0), RATE)
    whole = (tmp_path / f"whole{suffix}").read_bytes()
    (tmp_path / f"piece{suffix}").write_bytes(whole[:round(len(whole) * keep)])
    return tmp_path / f"piece{suffix}"


@needs_librosa
@pytest.mark.parametrize(("make", "message"), [
    # cut in half: the WAV and the MP3 decoded their first two seconds, the Ogg nothing ("empty audio file"), the
    # FLAC raised NoBackendError; a WAV cut inside its header raised EOFError
    (lambda p: _cut(p, ".wav"), r"piece\.wav: cut short: a WAV of 88,\d{3} bytes whose header promises 176,444$"),
    (lambda p: _cut(p, ".mp3"), r"piece\.mp3: cut short: its header promises 4\.0 s, only 2\.0 s decode$"),
    (lambda p: _cut(p, ".ogg"), r"piece\.ogg: cut short: an Ogg stream without its last page$"),
    (lambda p: _cut(p, ".flac"), r"piece\.flac: cannot decode: damaged or cut short \(its header promises 4\.0 s"),
    (lambda p: _cut(p, ".wav", keep=30 / 176444), r"piece\.wav: cut short: a WAV of 30 bytes whose header"),
    # not audio at all: each raised NoBackendError
    (lambda p: (p / "piece.mp3").write_bytes(np.random.default_rng(0).bytes(20000)) and p / "piece.mp3",
     rf"piece\.mp3: {NOT_AUDIO}"),
    (lambda p: (p / "piece.wav").write_bytes(b"RIFX\0\0\0\0WAVExyz" + bytes(5000)) and p / "piece.wav",
     rf"piece\.wav: {NOT_AUDIO}"),
    (lambda p: (p / "piece.ogg").write_text("not audio\n" * 100) and p / "piece.ogg", rf"piece\.ogg: {NOT_AUDIO}"),
])
def test_an_unreadable_recording_says_what_is_wrong_in_words(tmp_path, capfd, make, message):
    path = make(tmp_path)
    capfd.readouterr()
    with pytest.raises(MusicError, match=message) as error:
        read_audio(path)
    assert "\n" not in str(error.value) and "Error" not in str(error.value)
    assert capfd.readouterr().err == ""  # the MP3 decoder wrote "Note: Illegal Audio-MPEG-Header..." above it


@needs_librosa
@pytest.mark.parametrize("suffix", [".wav", ".mp3", ".ogg", ".flac"])
def test_a_whole_recording_is_not_cut_short(tmp_path, suffix):
    assert len(read_audio(_cut(tmp_path, suffix, keep=1.0))) == 4 * RATE


@needs_librosa
def test_a_piece_that_speeds_up_keeps_its_beats_on_the_clicks(tmp_path):
    """librosa tracks one tempo for the whole recording: clicks going from 100 to 200 bpm over 20 s had their beats
    tracked at 178 bpm, and half the beats of the first 9 s fell between two clicks (up to 0.29 s from either), the
    bars counted in three. Tracked at the tempo of where they are, every beat is a click and the bars are fours."""
    clicks, now = [], 0.0
    while now < 19.9:
        clicks.append(now)
        now += 60.0 / (100.0 * (1.0 + now / 20.0))
    clicks = np.array(clicks)
    signal = np.zeros(20 * RATE)
    t = np.arange(round(0.025 * RATE)) / RATE
    for index, click in enumerate(clicks):
        start = round(click * RATE)
        strong = index % 4 == 0
        burst = (0.9 if strong else 0.5) * np.sin(2 * np.pi * (1600.0 if strong else 800.0) * t) * np.exp(-t / 0.005)
        signal[start:start + len(burst)] += burst[:len(signal) - start]
    wavfile.write(tmp_path / "faster.wav", RATE, (0.9 * signal * 32767).astype(np.int16))
    grid = beats_from_audio(tmp_path / "faster.wav")
    assert _nearest(grid.times, clicks).max() < 0.05  # no beat between two clicks
    assert np.mean(_nearest(clicks, grid.times) < 0.05) > 0.95  # and a beat on (nearly) every click
    assert (grid.beats_per_bar, grid.downbeat) == (4, 0)


@needs_librosa
def test_a_very_quiet_recording_is_music_not_silence(tmp_path):
    """Silence is refused by level (``SILENT_DB``): clicks at -77 dB full scale, quieter than any mix, keep their
    beats."""
    clicks = click_track(tmp_path / "clicks.wav", 100.0, 12.0)
    rate, loud = wavfile.read(tmp_path / "clicks.wav")
    wavfile.write(tmp_path / "quiet.wav", rate, np.round(loud * 0.003).astype(np.int16))
    grid = beats_from_audio(tmp_path / "quiet.wav")
    assert grid.tempo == pytest.approx(100.0, rel=0.02) and _nearest(clicks, grid.times).max() < 0.05


@needs_librosa
def test_a_single_click_has_no_beat_grid(tmp_path):
    signal = np.zeros(RATE * 4)
    signal[RATE: RATE + 100] = 20000
    with pytest.raises(MusicError, match=r"piece\.wav: found \d beat\(s\) in the audio; a beat grid needs at least"):
        beats_from_audio(_wav(tmp_path, signal))


def test_missing_librosa_names_the_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "librosa", None)  # import librosa now raises ImportError
    path = _wav(tmp_path, np.ones(RATE))
    with pytest.raises(MusicError, match=r"piece\.wav: reading audio needs librosa \(pip install librosa\)"):
        beats_from_music(path)


@needs_librosa
@pytest.mark.skipif(shutil.which("fluidsynth") is None or not SOUNDFONT.is_file(),
                    reason="needs fluidsynth and the General MIDI soundfont (apt-get install fluidsynth "
                           "fluid-soundfont-gm)")
def test_rendered_midi_beats_are_near_the_score(tmp_path):
    """Piano quarter notes at 120 bpm, rendered: librosa's beats lie within 70 ms of the score's (they come
    some 40 ms late, librosa's usual bias; bench/audio_beats.py measures more pieces)."""
    from music21 import instrument, meter, note, stream, tempo

    part = stream.Part([instrument.Piano(), meter.TimeSignature("4/4"), tempo.MetronomeMark(number=120)])
    for k in range(32):
        part.append(note.Note(["C4", "E4", "G4", "C5"][k % 4], quarterLength=1.0))
    midi, wav = tmp_path / "piece.mid", tmp_path / "piece.wav"
    stream.Score([part]).write("midi", fp=midi)
    subprocess.run(["fluidsynth", "-ni", "-q", "-F", str(wav), "-r", str(RATE), str(SOUNDFONT), str(midi)],
                   check=True, capture_output=True)
    true = np.array(beats_from_music(midi).times)[:-1]  # the closing beat, where the music stops, has no note
    found = beats_from_audio(wav)
    assert found.tempo == pytest.approx(120.0, rel=0.03)
    assert np.mean(_nearest(true, found.times) <= 0.070) >= 0.8


def chords(bpm: float, meter: int, bars: int, upbeat: int = 0, rate: int = RATE) -> np.ndarray:
    """A piano-like accompaniment at ``bpm``: a chord on every beat, the harmony changing at each bar line (I, vi,
    IV, V), its first beat struck harder and with the bass, after ``upbeat`` beats of the last bar's chord."""
    harmonies = [(48, 64, 67, 72), (45, 64, 69, 72), (41, 65, 69, 72), (43, 62, 67, 71)]
    beat = 60.0 / bpm
    signal = np.zeros(round((upbeat + meter * bars + 2) * beat * rate))
    t = np.arange(round(0.9 * beat * rate)) / rate
    for index in range(upbeat + meter * bars):
        bar, position = divmod(index - upbeat, meter)
        bass, *upper = harmonies[bar % len(harmonies)]
        keys = ([bass] if position == 0 else []) + upper
        loud = 1.0 if position == 0 else 0.45
        tone = sum(np.sin(2 * np.pi * 440.0 * 2 ** ((k - 69) / 12) * t) for k in keys)
        start = round((0.5 + index * beat) * rate)
        signal[start:start + len(t)] += loud * tone * np.exp(-t / 0.25)
    return 6000 * signal / np.abs(signal).max()


@needs_librosa
@pytest.mark.parametrize(("meter", "upbeat", "bpm"), [(3, 1, 96.0), (3, 0, 132.0), (4, 1, 110.0), (4, 3, 90.0)])
def test_a_recordings_meter_and_first_bar_line_are_heard(tmp_path, meter, upbeat, bpm):
    """A waltz is counted in threes and a 4/4 in fours, and the bars start where the harmony changes and the bass
    strikes, after the upbeat (until 2026-12-07 every recording had four beats a bar from the first beat)."""
    grid = beats_from_audio(_wav(tmp_path, chords(bpm, meter, 12, upbeat)))
    assert grid.tempo == pytest.approx(bpm, rel=0.03)
    assert (grid.beats_per_bar, grid.downbeat) == (meter, upbeat)
    downbeat = grid.times[upbeat]
    assert downbeat == pytest.approx(0.5 + upbeat * 60.0 / bpm, abs=0.07)  # on the first bar's struck chord
    assert beats_from_audio(tmp_path / "piece.wav", beats_per_bar=meter).downbeat == upbeat  # meter given


@needs_librosa
@pytest.mark.parametrize("marked", list(ACCENTS))
@pytest.mark.parametrize(("meter", "bpm"), [(4, 96.0), (4, 132.0), (3, 96.0), (3, 132.0)])
def test_a_metronomes_bars_start_on_its_accented_clicks_from_the_first(tmp_path, meter, bpm, marked):
    """A metronome from time 0, read as the command line reads music: a beat on every click from the first, and
    the bars on the accented ones. librosa lost the first click (no onset at time 0, its first frame already
    hearing it; and its trim drops the beats before the first one as strong as most), and the bars were put a beat
    early or counted in fours where the pitch marked them: the beat before an accent heard half its click's pitch
    (chroma up to the next beat, every frame scaled to 1) (until 2026-12-07)."""
    from motiongpt.conditioning import music_features

    clicks = metronome(tmp_path / "metronome.wav", bpm, meter, 12, marked)
    grid = music_features(tmp_path / "metronome.wav").grid
    times = np.array(grid.times)
    assert times[0] == pytest.approx(clicks[0], abs=0.030)  # the first click is the first beat
    assert _nearest(clicks, times).max() <= 0.030  # and every click has its beat
    assert (grid.beats_per_bar, grid.downbeat) == (meter, 0)
    assert _nearest(times[::meter][:12], clicks[::meter]).max() <= 0.030  # bar lines on the accented clicks


@needs_librosa
def test_a_quiet_last_bar_keeps_its_beats(tmp_path):
    """A diminuendo: the last bar's clicks at a third of the others' loudness are still beats (librosa's trim
    dropped every trailing beat weaker than the RMS of all, so the grid ran on at the last tempo past music that
    was still playing: the last 22 s of a 36 s quartet movement in bench/audio_meter.py)."""
    clicks = metronome(tmp_path / "metronome.wav", 110.0, 4, 6, "loudness", fade=1 / 3)
    grid = beats_from_audio(tmp_path / "metronome.wav")
    assert _nearest(clicks, grid.times).max() <= 0.030
    assert grid.times[-1] < clicks[-1] + 0.1  # and the silence after them is not


def test_the_mp3_decoder_is_quieted_only_in_the_main_thread():
    """Its notes go to the process's descriptor 2, which the quieting points at nothing while it decodes: in a
    server's worker thread (the studio's) that would lose what every other thread writes meanwhile, so there the
    decoder is left to talk."""
    import os
    import threading

    from laban.timing import _decoder_quiet

    def quieted() -> bool:
        with _decoder_quiet("song.mp3"):
            return os.path.samestat(os.fstat(2), os.stat(os.devnull))

    seen = {}
    worker = threading.Thread(target=lambda: seen.setdefault("worker", quieted()))
    worker.start()
    worker.join()
    assert quieted() and seen["worker"] is False
