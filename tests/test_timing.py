"""Beat grids: conversions, beats files, music files (written here with music21) and the motion's own pulse."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from laban.errors import MusicError
from laban.timing import DEFAULT_PULSE_BPM, BeatGrid, beats_from_music, pulse_grid, quantise, read_beats

# ---------------------------------------------------------------------------------------------------------------
# BeatGrid


def test_seconds_and_beats_are_inverse_inside_and_outside_the_grid():
    grid = BeatGrid((0.5, 1.0, 2.0, 2.5, 3.5))
    beats = np.linspace(-3.0, 8.0, 45)
    np.testing.assert_allclose(grid.seconds_to_beats(grid.beats_to_seconds(beats)), beats, atol=1e-12)
    seconds = np.linspace(-2.0, 6.0, 33)
    np.testing.assert_allclose(grid.beats_to_seconds(grid.seconds_to_beats(seconds)), seconds, atol=1e-12)


def test_conversions_interpolate_between_beats_and_extrapolate_the_end_intervals():
    grid = BeatGrid((0.5, 1.0, 2.0, 2.5, 3.5))
    np.testing.assert_allclose(grid.seconds_to_beats([0.5, 1.5, 2.25]), [0.0, 1.5, 2.5])
    np.testing.assert_allclose(grid.seconds_to_beats([0.0, -0.5]), [-1.0, -2.0])  # first interval 0.5 s
    np.testing.assert_allclose(grid.seconds_to_beats([4.5, 5.5]), [5.0, 6.0])  # last interval 1 s
    np.testing.assert_allclose(grid.beats_to_seconds([-1.0, 4.0, 6.0]), [0.0, 3.5, 5.5])


def test_uniform_grid_and_tempo():
    grid = BeatGrid.uniform(90.0, 10.0, beats_per_bar=3, offset=-0.2)
    assert grid.tempo == pytest.approx(90.0)
    assert grid.times[0] == pytest.approx(-0.2) and grid.times[-1] >= 10.0
    np.testing.assert_allclose(np.diff(grid.times), 60.0 / 90.0)
    assert grid.beats_per_bar == 3


def test_bar_and_beat_with_an_upbeat():
    grid = BeatGrid.uniform(120.0, 10.0, beats_per_bar=4)
    upbeat = BeatGrid(grid.times, 4, downbeat=1)
    assert upbeat.bar_and_beat(0.0) == (0, 4.0)  # the upbeat is the last beat of bar 0
    assert upbeat.bar_and_beat(1.0) == (1, 1.0)
    assert upbeat.bar_and_beat(5.5) == (2, 1.5)
    assert grid.bar_and_beat(4.0) == (2, 1.0)


def test_beat_grid_rejects_bad_beats():
    with pytest.raises(ValueError):
        BeatGrid((1.0,))
    with pytest.raises(ValueError):
        BeatGrid((0.0, 1.0, 1.0))
    with pytest.raises(ValueError):
        BeatGrid((0.0, 1.0), beats_per_bar=4, downbeat=4)


def test_quantise():
    np.testing.assert_allclose(quantise([0.1, 0.13, 1.49, 2.6], 4), [0.0, 0.25, 1.5, 2.5])


# ---------------------------------------------------------------------------------------------------------------
# Beats files


def _write(tmp_path, text: str, name: str = "beats.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_read_beats_first_column_comments_and_downbeat_marks(tmp_path):
    path = _write(tmp_path, "# from a beat tracker\n\n0.50\t3\n1.00\t4   # comment\n1.52,1,0.9\n2.01 2\n")
    grid = read_beats(path)
    assert grid.times == (0.5, 1.0, 1.52, 2.01)
    assert grid.downbeat == 2 and grid.beats_per_bar == 4


def test_read_beats_without_marks_starts_bars_on_the_first_beat(tmp_path):
    grid = read_beats(_write(tmp_path, "0\n0.5\n1\n"), beats_per_bar=3)
    assert grid.downbeat == 0 and grid.beats_per_bar == 3
    assert read_beats(_write(tmp_path, "0 2\n0.5 3\n1 1\n1.5 2\n"), beats_per_bar=2).downbeat == 0  # 2 % 2


@pytest.mark.parametrize(("text", "message"), [
    ("0.5\n1.0\nabc\n", r"beats\.txt:3: beat time 'abc' is not a number"),
    ("0.5\nnan\n", r"beats\.txt:2: beat time 'nan' is not a number"),
    ("0.5\n1.0\n1.0\n", r"beats\.txt:3: beat time 1 s does not come after the previous beat"),
    ("0.5\n0.4\n", r"beats\.txt:2: .*does not come after"),
    ("# nothing\n0.5\n", r"beats\.txt: a beats file needs at least two beat times, found 1"),
    ("", r"beats\.txt: a beats file needs at least two beat times, found 0"),
])
def test_read_beats_errors_name_file_line_and_problem(tmp_path, text, message):
    with pytest.raises(MusicError, match=message) as error:
        read_beats(_write(tmp_path, text))
    assert "\n" not in str(error.value)


def test_read_beats_missing_file(tmp_path):
    with pytest.raises(MusicError, match=r"nope\.txt: no such beats file"):
        read_beats(tmp_path / "nope.txt")


# ---------------------------------------------------------------------------------------------------------------
# Music files


def _score(bars: int, signature: str = "4/4", bpm: float | None = 90.0, changes: dict[int, float] | None = None,
           pickup: float = 0.0):
    """A one-part score of whole-bar notes, with tempo ``changes`` (bar index -> bpm) and an optional pickup."""
    from music21 import meter, note, stream, tempo

    score, part = stream.Score(), stream.Part()
    bar_length = meter.TimeSignature(signature).barDuration.quarterLength
    for index in range(-1 if pickup else 0, bars):
        measure = stream.Measure(number=index + 1)
        if index == (-1 if pickup else 0):
            measure.append(meter.TimeSignature(signature))
            if bpm:
                measure.append(tempo.MetronomeMark(number=bpm))
        if changes and index in changes:
            measure.append(tempo.MetronomeMark(number=changes[index]))
        measure.append(note.Note("C4", quarterLength=pickup if index < 0 else bar_length))
        if index < 0:
            measure.padAsAnacrusis()
        part.append(measure)
    score.append(part)
    return score


def _write_score(score, tmp_path, suffix: str):
    path = tmp_path / f"piece{suffix}"
    score.write({".mid": "midi", ".musicxml": "musicxml", ".mxl": "mxl"}[suffix], fp=path)
    return path


@pytest.mark.parametrize("suffix", [".mid", ".musicxml", ".mxl"])
def test_steady_four_four_at_90_bpm(tmp_path, suffix):
    grid = beats_from_music(_write_score(_score(4), tmp_path, suffix))
    np.testing.assert_allclose(np.diff(grid.times), 60.0 / 90.0)
    assert grid.times[0] == 0.0 and grid.times[-1] == pytest.approx(16 * 60.0 / 90.0)  # covers the whole piece
    assert (grid.beats_per_bar, grid.downbeat) == (4, 0)


@pytest.mark.parametrize("suffix", [".mid", ".musicxml"])
def test_tempo_change_mid_piece(tmp_path, suffix):
    grid = beats_from_music(_write_score(_score(4, bpm=120.0, changes={2: 60.0}), tmp_path, suffix))
    np.testing.assert_allclose(np.diff(grid.times)[:8], 0.5)
    np.testing.assert_allclose(np.diff(grid.times)[8:16], 1.0)
    assert grid.times[8] == pytest.approx(4.0) and grid.times[16] == pytest.approx(12.0)


def _repeated(marks: str):
    """Eight bars of 4/4 at 120 bpm, bar k a whole note of pitch 60 + k, marked with ``marks``: 'repeat' (|: bars
    1-4 :|, played 12 bars), 'endings' (|: 1-3, bar 4 the first ending :|, bar 5 the second: 11 bars), 'fine' (Fine
    after bar 4, D.C. al fine at the end: 12 bars) or 'broken' (a second ending with no first, that cannot be
    played)."""
    from music21 import bar, meter, note, repeat, spanner, stream, tempo

    measures = [stream.Measure([note.Note(60 + k, quarterLength=4.0)], number=k + 1) for k in range(8)]
    measures[0].insert(0, meter.TimeSignature("4/4"))
    measures[0].insert(0, tempo.MetronomeMark(number=120))
    part = stream.Part(measures)
    if marks in ("repeat", "endings", "broken"):
        measures[0].leftBarline, measures[3].rightBarline = bar.Repeat(direction="start"), bar.Repeat(direction="end")
    if marks == "endings":
        part.insert(0, spanner.RepeatBracket(measures[3], number=1))
    if marks in ("endings", "broken"):
        part.insert(0, spanner.RepeatBracket(measures[4], number=2))
    if marks == "fine":
        measures[3].append(repeat.Fine())
        measures[7].append(repeat.DaCapoAlFine())
    return stream.Score([part])


@pytest.mark.parametrize(("marks", "played"), [("repeat", 12), ("endings", 11), ("fine", 12)])
def test_a_score_with_repeats_is_read_as_it_is_played(tmp_path, marks, played):
    """A MusicXML's repeats, endings and D.C. al fine are played, as music21's MIDI export plays them (and a
    recording of the piece): the dance on it lasts as long as the music heard beside it. Read as written, all three
    were 8 bars long."""
    score = _repeated(marks)
    grid = beats_from_music(_write_score(score, tmp_path, ".musicxml"))
    assert grid.beat_count == played * 4 + 1 and grid.times[-1] == pytest.approx(played * 2.0)
    np.testing.assert_allclose(np.diff(grid.times), 0.5)
    assert grid.times == beats_from_music(_write_score(score, tmp_path, ".mid")).times


def test_repeats_that_cannot_be_played_leave_the_score_as_written(tmp_path):
    path = _write_score(_repeated("broken"), tmp_path, ".musicxml")
    with pytest.warns(UserWarning, match=r"piece\.musicxml: repeats not expanded, the music read as written") as caught:
        grid = beats_from_music(path)
    assert grid.beat_count == 8 * 4 + 1 and all("\n" not in str(w.message) for w in caught)


@pytest.mark.parametrize(("suffix", "bpm", "changes", "marked", "at"), [
    (".musicxml", 0.001, None, "0.001", 0), (".mid", 100000.0, None, "100000", 0),
    (".mid", 90.0, {2: 5000.0}, "5000", 8), (".musicxml", 7.0, None, "0", 0)])
def test_a_tempo_no_music_has_is_refused(tmp_path, suffix, bpm, changes, marked, at):
    """A metronome mark of 0.001 or 100000 bpm (a slip) made beats days apart or thousands a second, and 0 a
    traceback: refused in one line naming the file, where the mark is and the tempo, as --bpm refuses it."""
    path = _write_score(_score(4, bpm=bpm, changes=changes), tmp_path, suffix)
    if marked == "0":  # music21 cannot write a zero tempo: the file says it as a hand-edited one would
        path.write_text(path.read_text().replace("<per-minute>7<", "<per-minute>0<").replace('tempo="7"', 'tempo="0"'))
    with pytest.raises(MusicError, match=rf"piece{suffix}: the tempo marked at quarter note {at}: {marked} is not a "
                                         "tempo from 1 to 1000 beats per minute$") as error:
        beats_from_music(path)
    assert "\n" not in str(error.value)


def test_beats_agree_with_music21_note_onsets_in_seconds(tmp_path):
    from music21 import converter, note

    path = _write_score(_score(6, bpm=100.0, changes={2: 75.0, 4: 140.0}), tmp_path, ".musicxml")
    grid = beats_from_music(path)
    onsets = [entry["offsetSeconds"] for entry in converter.parse(path).flatten().secondsMap
              if isinstance(entry["element"], note.Note)]
    assert len(onsets) == 6
    for onset, bar in zip(onsets, range(6)):
        assert grid.times[4 * bar] == pytest.approx(onset)


def test_no_tempo_mark_means_120_bpm(tmp_path):
    grid = beats_from_music(_write_score(_score(2, bpm=None), tmp_path, ".musicxml"))
    np.testing.assert_allclose(np.diff(grid.times), 0.5)


def test_three_four(tmp_path):
    grid = beats_from_music(_write_score(_score(4, "3/4", bpm=120.0), tmp_path, ".mid"))
    assert grid.beats_per_bar == 3 and grid.beat_count == 13
    assert grid.bar_and_beat(3.0) == (2, 1.0)


def test_six_eight_counts_dotted_quarters_unless_told_otherwise(tmp_path):
    from music21 import duration, tempo

    score = _score(2, "6/8", bpm=None)
    score.parts[0].getElementsByClass("Measure").first().insert(
        0, tempo.MetronomeMark(number=60, referent=duration.Duration(1.5)))
    path = _write_score(score, tmp_path, ".musicxml")
    grid = beats_from_music(path)
    assert grid.beats_per_bar == 2
    np.testing.assert_allclose(np.diff(grid.times), 1.0)  # dotted quarter = 60
    eighths = beats_from_music(path, beats_per_bar=6)
    assert eighths.beats_per_bar == 6
    np.testing.assert_allclose(np.diff(eighths.times), 1.0 / 3.0)


def _meter_change(tmp_path, suffix: str):
    """Two bars of 3/4 then two of 2/4 at 120 bpm, a note a beat."""
    from music21 import meter, note, stream, tempo

    part = stream.Part()
    for number, count in enumerate((3, 3, 2, 2), 1):
        measure = stream.Measure(number=number)
        if number in (1, 3):
            measure.append(meter.TimeSignature(f"{count}/4"))
        if number == 1:
            measure.append(tempo.MetronomeMark(number=120))
        measure.append([note.Note(60 + k, quarterLength=1.0) for k in range(count)])
        part.append(measure)
    return _write_score(stream.Score([part]), tmp_path, suffix)


@pytest.mark.parametrize("suffix", [".mid", ".musicxml"])
def test_music_read_again_with_its_own_meter_keeps_its_beats_after_a_change_of_meter(tmp_path, suffix):
    """A dance's music is read again with its grid's meter (``motiongpt history --replay``, regenerate, vary,
    continue): read with 3 beats a bar, a 3/4 that turns 2/4 had its 2/4 bars cut in three (beats 0.33 s apart, 25
    where the music has 21), so a dance made on it was made again as another dance. Another meter still divides
    every bar."""
    path = _meter_change(tmp_path, suffix)
    own = beats_from_music(path)
    np.testing.assert_allclose(np.diff(own.times), 0.5)  # the quarters, through the change
    assert (own.beat_count, own.beats_per_bar, own.downbeat) == (11, 3, 0)
    assert beats_from_music(path, beats_per_bar=3) == own
    halves = beats_from_music(path, beats_per_bar=6)  # every bar in six: 3/4 in eighths, 2/4 in sixths of a half
    np.testing.assert_allclose(np.diff(halves.times)[:12], 0.25)
    np.testing.assert_allclose(np.diff(halves.times)[12:24], 1.0 / 6.0)


def test_pickup_bar_sets_the_downbeat(tmp_path):
    grid = beats_from_music(_write_score(_score(3, pickup=1.0), tmp_path, ".musicxml"))
    assert grid.downbeat == 1 and grid.times[0] == 0.0
    assert grid.times[1] == pytest.approx(60.0 / 90.0)  # bar 1 starts after the one-beat pickup
    assert grid.bar_and_beat(0.0) == (0, 4.0) and grid.bar_and_beat(5.0) == (2, 1.0)


def test_midi_pickup_written_as_a_short_first_bar(tmp_path):
    from music21 import meter, note, stream, tempo

    part = stream.Part()
    first = stream.Measure(number=0)
    first.append([meter.TimeSignature("2/4"), tempo.MetronomeMark(number=120), note.Note(quarterLength=2.0)])
    part.append(first)
    for number in (1, 2):
        measure = stream.Measure(number=number)
        if number == 1:
            measure.append(meter.TimeSignature("4/4"))
        measure.append(note.Note(quarterLength=4.0))
        part.append(measure)
    score = stream.Score()
    score.append(part)
    grid = beats_from_music(_write_score(score, tmp_path, ".mid"))
    assert (grid.beats_per_bar, grid.downbeat) == (4, 2)
    np.testing.assert_allclose(grid.times[:3], [0.0, 0.5, 1.0])


def test_empty_music_file(tmp_path):
    from music21 import meter, stream

    score, part, measure = stream.Score(), stream.Part(), stream.Measure()
    measure.append(meter.TimeSignature("4/4"))
    part.append(measure)
    score.append(part)
    for suffix in (".mid", ".musicxml"):
        with pytest.raises(MusicError, match=r"piece\.\w+: empty music file"):
            beats_from_music(_write_score(score, tmp_path, suffix))
    (tmp_path / "zero.mid").write_bytes(b"")
    with pytest.raises(MusicError, match=r"zero\.mid: empty music file"):
        beats_from_music(tmp_path / "zero.mid")


@pytest.mark.parametrize(("name", "content"), [
    ("corrupt.mid", bytes(range(256)) * 4),
    ("corrupt.musicxml", b"<?xml version='1.0'?><score-partwise><part id='P1'><measure"),
    ("corrupt.mxl", b"PK\x03\x04 not really a zip"),
])
def test_corrupt_music_file(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(MusicError, match=rf"{name.replace('.', '[.]')}: cannot read music file") as error:
        beats_from_music(tmp_path / name)
    assert "\n" not in str(error.value)


def test_a_music_error_names_the_file_as_it_was_given(tmp_path, monkeypatch):
    """A corrupt or note-less score was named by its absolute path, every other music error by the path as typed."""
    from music21 import meter, note, stream

    monkeypatch.chdir(tmp_path)
    (tmp_path / "corrupt.mid").write_bytes(bytes(range(256)) * 4)
    stream.Score([stream.Part([meter.TimeSignature("3/4"), note.Rest(quarterLength=6.0)])]).write(
        "musicxml", fp=tmp_path / "rests.musicxml")
    for given, message in (("corrupt.mid", "cannot read music file"), ("rests.musicxml", "empty music file")):
        with pytest.raises(MusicError, match=rf"^{given.replace('.', '[.]')}: {message}"):
            beats_from_music(given)


def test_music_file_type_errors(tmp_path):
    with pytest.raises(MusicError, match=r"song\.wav: no such audio file"):  # audio: tests/test_audio_beats.py
        beats_from_music(tmp_path / "song.wav")
    with pytest.raises(MusicError, match=r"notes\.txt: not a music file"):
        beats_from_music(tmp_path / "notes.txt")
    with pytest.raises(MusicError, match=r"missing\.mid: no such music file"):
        beats_from_music(tmp_path / "missing.mid")


# ---------------------------------------------------------------------------------------------------------------
# The motion's own pulse


def _bouncing(bpm: float, fps: float, seconds: float, first_minimum: float, travel: float = 0.0,
              noise: float = 0.0005, joints: int = 20) -> np.ndarray:
    """Joints swinging back and forth along their own directions: speed ∝ |sin(π (t - m) / P)|, so the summed
    speed is zero exactly at m + kP; ``travel`` m/s carries the whole body forward."""
    rng = np.random.default_rng(7)
    t = np.arange(round(seconds * fps)) / fps
    amplitude = rng.uniform(0.02, 0.15, joints)[None, :, None]
    directions = rng.normal(size=(1, joints, 3))
    directions /= np.linalg.norm(directions, axis=2, keepdims=True)
    swing = np.cos(np.pi * (t - first_minimum) * bpm / 60.0)[:, None, None]
    positions = rng.normal(size=(1, joints, 3)) + amplitude * swing * directions
    positions[..., 0] += travel * t[:, None]
    return positions + rng.normal(scale=noise, size=positions.shape)


def _beat_errors(grid: BeatGrid, minima: np.ndarray, duration: float) -> np.ndarray:
    """Distance from each grid beat inside the clip to the nearest known minimum, in seconds."""
    times = np.array(grid.times)
    times = times[(times >= 0) & (times <= duration)]
    return np.abs(times[:, None] - minima[None]).min(axis=1)


@pytest.mark.parametrize(("bpm", "fps", "seconds", "travel"), [
    (100.0, 60.0, 20.0, 0.0), (100.0, 30.0, 12.0, 1.2), (87.3, 120.0, 30.0, 0.0), (143.0, 60.0, 30.0, 0.5),
])
def test_pulse_of_a_periodic_bounce(bpm, fps, seconds, travel):
    positions = _bouncing(bpm, fps, seconds, first_minimum=0.23, travel=travel)
    grid = pulse_grid(positions, fps, beats_per_bar=3)
    assert grid.tempo == pytest.approx(bpm, rel=0.02)
    duration = (len(positions) - 1) / fps
    minima = 0.23 + 60.0 / bpm * np.arange(-1, seconds * bpm / 60.0 + 2)
    assert _beat_errors(grid, minima, duration).max() <= 1.0 / fps
    assert grid.times[0] <= 0.0 < grid.times[1] and grid.times[-1] >= duration
    assert (grid.beats_per_bar, grid.downbeat) == (3, 0)


def test_pulse_of_a_ten_minute_clip_does_not_drift():
    bpm, fps = 104.0, 60.0
    positions = _bouncing(bpm, fps, 600.0, first_minimum=0.4, joints=31)
    grid = pulse_grid(positions, fps)
    minima = 0.4 + 60.0 / bpm * np.arange(-1, 600.0 * bpm / 60.0 + 2)
    assert _beat_errors(grid, minima, (len(positions) - 1) / fps).max() <= 1.0 / fps


def test_pulse_outside_the_range_is_halved_into_it():
    grid = pulse_grid(_bouncing(200.0, 60.0, 20.0, first_minimum=0.1), 60.0)
    assert grid.tempo == pytest.approx(100.0, rel=0.02)


@pytest.mark.parametrize("noise", [0.0, 0.0005])
def test_still_body_gets_the_default_tempo(noise):
    rng = np.random.default_rng(3)
    positions = rng.normal(size=(1, 20, 3)) + rng.normal(scale=noise, size=(600, 20, 3))
    with pytest.warns(UserWarning, match=r"^no steady pulse in the motion \(it hardly moves\): the beats are a "
                                         r"steady 100 bpm .*--bpm, --beats or --music$"):
        grid = pulse_grid(positions, 60.0)
    assert grid.tempo == pytest.approx(DEFAULT_PULSE_BPM)
    assert grid.times[0] == 0.0 and grid.times[-1] >= 599 / 60.0


def test_too_short_for_a_pulse_gets_the_default_tempo():
    with pytest.warns(UserWarning, match="no steady pulse in the motion"):
        grid = pulse_grid(_bouncing(100.0, 60.0, 0.5, first_minimum=0.1), 60.0)
    assert grid.tempo == pytest.approx(DEFAULT_PULSE_BPM)
    for frames in (2, 3, 10):
        with pytest.warns(UserWarning, match="no steady pulse in the motion"):
            grid = pulse_grid(np.random.default_rng(frames).normal(size=(frames, 20, 3)), 60.0)
        assert grid.tempo == pytest.approx(DEFAULT_PULSE_BPM) and grid.times[-1] >= (frames - 1) / 60.0


def test_pulse_grid_argument_errors():
    with pytest.raises(ValueError, match="shape"):
        pulse_grid(np.zeros((10, 3)), 60.0)
    with pytest.raises(ValueError, match="frame rate"):
        pulse_grid(np.zeros((10, 2, 3)), 0.0)
    with pytest.raises(ValueError, match="tempo range"):
        pulse_grid(np.zeros((10, 2, 3)), 60.0, bpm_range=(120.0, 60.0))


def test_walk_pulse_is_its_step_rate(trials):
    """CMU 05_01: the pulse of a walk is its footfalls (heel strikes about 0.60 s apart)."""
    from scipy.signal import find_peaks

    bvh = pytest.importorskip("laban.bvh")
    trajectories = bvh.read_bvh(trials["05_01"].path).trajectories()
    names = trajectories.skeleton.names
    lifts = np.sort(np.concatenate([
        find_peaks(trajectories.positions[:, names.index(foot), 1], prominence=0.05)[0]
        for foot in ("LeftFoot", "RightFoot")])) / trajectories.fps
    step_rate = 60.0 / np.median(np.diff(lifts))
    assert step_rate == pytest.approx(100.0, rel=0.03)
    assert pulse_grid(trajectories.positions, trajectories.fps).tempo == pytest.approx(step_rate, rel=0.03)


def test_a_pulse_found_is_not_announced():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pulse_grid(_bouncing(100.0, 60.0, 20.0, first_minimum=0.1), 60.0)


# --- frame rates that cannot be right -------------------------------------------------------------------------

def test_salsa_read_at_its_headers_rate_warns_and_at_its_capture_rate_does_not(trials):
    """The salsa headers say 120 fps; CMU captured them at 60. Read at 120 the dancers step about 240 times a
    minute with their feet at a jog: tokenize says so in one line and suggests --fps."""
    import laban

    trial = trials["60_01"]
    fast = laban.read_bvh(trial.path, frame_rate=120.0, max_fps=30)
    with pytest.warns(UserWarning) as caught:
        laban.tokenize(fast)
    messages = [str(w.message) for w in caught if "frame rate" in str(w.message)]
    assert len(messages) == 1 and "\n" not in messages[0] and "--fps" in messages[0]
    steps = int(re.search(r"steps (\d+) times a minute", messages[0])[1])
    assert 200 <= steps <= 300
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        laban.tokenize(laban.read_bvh(trial.path, frame_rate=trial.fps, max_fps=30))


def test_a_run_at_its_true_rate_does_not_warn(trials):
    import laban

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        laban.tokenize(laban.read_bvh(trials["09_01"].path, max_fps=30))


# ---------------------------------------------------------------------------------------------------------------
# Beats files keep to the tempi --bpm takes


@pytest.mark.parametrize(("text", "message"), [
    ("0\n1e9\n", r"beats\.txt:2: beat time 1e\+09 s comes 1e\+09 s after the previous beat \(0 s\), slower than 1 "
                 r"beat per minute \(beats at most 60 s apart\)"),
    ("0\n5000\n", r"beats\.txt:2: .* slower than 1 beat per minute"),
    ("0\n0.5\n1\n61.5\n", r"beats\.txt:4: beat time 61\.5 s comes 60\.5 s after the previous beat \(1 s\)"),
    ("0\n1e-12\n2e-12\n", r"beats\.txt:2: beat time 1e-12 s comes 1e-12 s after the previous beat \(0 s\), faster "
                          r"than 1000 beats per minute \(beats at least 0\.06 s apart\)"),
    ("# a tracker's double hit\n0.5\n1.0\n1.01\n", r"beats\.txt:4: .*faster than 1000 beats per minute"),
])
def test_read_beats_refuses_beats_closer_or_farther_apart_than_the_tempi_bpm_takes(tmp_path, text, message):
    """Beats 1e9 s apart made tokenize divide by zero, 1e-12 s apart a score at 6e13 bpm that decode refused and
    render --staff hung on, 5000 s apart a 24 MB decoded BVH; --bpm stops at 1 and 1000 beats a minute."""
    with pytest.raises(MusicError, match=message) as error:
        read_beats(_write(tmp_path, text))
    assert "\n" not in str(error.value)


def test_read_beats_takes_the_edges_of_bpms_range_and_a_few_missing_beats(tmp_path):
    from laban.timing import LONGEST_BEAT, MAX_TEMPO, MIN_TEMPO, SHORTEST_BEAT
    from motiongpt.cli import common

    assert common.bpm(f"{MIN_TEMPO:g}") == MIN_TEMPO and common.bpm(f"{MAX_TEMPO:g}") == MAX_TEMPO  # one range
    grid = read_beats(_write(tmp_path, f"0\n{SHORTEST_BEAT!r}\n{SHORTEST_BEAT + LONGEST_BEAT!r}\n"))
    assert grid.beat_count == 3
    assert read_beats(_write(tmp_path, "0\n0.5\n1\n3\n3.5\n")).times == (0.0, 0.5, 1.0, 3.0, 3.5)  # 3 beats missed


def test_a_grid_through_a_time_ends_at_the_bar_line_after_it():
    """``BeatGrid.through``: music's beats cut for a shorter motion, to the first bar line at or after its end (at
    least the first whole bar; an upbeat kept), and the whole grid where the motion outlasts it."""
    steady = BeatGrid.uniform(120, 20.0, 4)  # beats every 0.5 s, bar lines every 2 s
    assert steady.through(5.0).times[-1] == 6.0 and steady.through(6.0).times[-1] == 6.0
    assert steady.through(0.1).times[-1] == 2.0  # the first bar, whole
    assert steady.through(25.0) is steady
    upbeat = BeatGrid(steady.times, 4, 1)  # bar lines at beats 1, 5, 9, ...: 0.5, 2.5, 4.5 s
    cut = upbeat.through(3.0)
    assert cut.times[-1] == 4.5 and cut.downbeat == 1 and cut.beats_per_bar == 4
