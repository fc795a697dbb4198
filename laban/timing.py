"""Musical time: the one place where seconds become beats and back.

A ``BeatGrid`` is the list of beat times in seconds plus the meter. It comes from a tempo, from given beat
times (``read_beats``), from a music file (``beats_from_music``: exact from a score, estimated from a recording by
``beats_from_audio``), or from the motion's own pulse (``pulse_grid``); every symbol in a score is placed in beats
on it.
Between beats time is linear; before the first and after the last beat the nearest beat interval continues.
"""

from __future__ import annotations

import contextvars
import functools
import math
import os
import sys
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from .errors import MusicError
from .limits import MAX_BEATS_PER_BAR, MAX_TEMPO, MIN_TEMPO

SHORTEST_BEAT, LONGEST_BEAT = 60.0 / MAX_TEMPO, 60.0 / MIN_TEMPO  # seconds from one given beat to the next


@dataclass(frozen=True)
class BeatGrid:
    """Beat times in seconds, strictly increasing, and the meter.

    ``downbeat`` is the index of the first beat that starts a bar (beats before it form an upbeat).
    """

    times: tuple[float, ...]
    beats_per_bar: int = 4
    downbeat: int = 0

    def __post_init__(self) -> None:
        times = tuple(float(t) for t in self.times)
        object.__setattr__(self, "times", times)
        if len(times) < 2:
            raise ValueError("a beat grid needs at least two beats")
        if not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0):
            raise ValueError("beat times must be finite and strictly increasing")
        if self.beats_per_bar < 1:
            raise ValueError(f"beats per bar must be at least 1, not {self.beats_per_bar}")
        if not 0 <= self.downbeat < max(self.beats_per_bar, 1):
            raise ValueError(f"downbeat index {self.downbeat} must lie in the first bar")

    @classmethod
    def uniform(cls, bpm: float, duration: float, beats_per_bar: int = 4, offset: float = 0.0) -> "BeatGrid":
        """A steady tempo covering ``duration`` seconds, the first beat at ``offset`` seconds."""
        if not np.isfinite(bpm) or bpm <= 0:
            raise ValueError(f"tempo must be a positive number of beats per minute, not {bpm}")
        period = 60.0 / bpm
        count = max(int(np.ceil((duration - offset) / period)) + 1, 2)
        return cls(tuple(offset + period * np.arange(count)), beats_per_bar)

    @property
    def tempo(self) -> float:
        """Median tempo in beats per minute."""
        return float(60.0 / np.median(np.diff(self.times)))

    @property
    def beat_count(self) -> int:
        return len(self.times)

    def seconds_to_beats(self, seconds: ArrayLike) -> np.ndarray:
        """Beat positions (0 = first beat) of times in seconds."""
        t = np.asarray(self.times)
        s = np.asarray(seconds, dtype=float)
        beats = np.interp(s, t, np.arange(len(t), dtype=float))
        first, last = t[1] - t[0], t[-1] - t[-2]
        beats = np.where(s < t[0], (s - t[0]) / first, beats)
        return np.where(s > t[-1], len(t) - 1 + (s - t[-1]) / last, beats)

    def beats_to_seconds(self, beats: ArrayLike) -> np.ndarray:
        """Times in seconds of beat positions."""
        t = np.asarray(self.times)
        b = np.asarray(beats, dtype=float)
        seconds = np.interp(b, np.arange(len(t), dtype=float), t)
        first, last = t[1] - t[0], t[-1] - t[-2]
        seconds = np.where(b < 0, t[0] + b * first, seconds)
        return np.where(b > len(t) - 1, t[-1] + (b - len(t) + 1) * last, seconds)

    def through(self, seconds: float) -> "BeatGrid":
        """The grid up to its first bar line at or after ``seconds`` (at least its first whole bar; all of it where
        it ends before): the beats of music that lasts longer than a motion laid on them, so that the motion's
        score ends with the bar the motion ends in, not bars of standing to the music's end."""
        beat = float(self.seconds_to_beats(seconds))
        bars = int(np.ceil((beat - self.downbeat) / self.beats_per_bar - 1e-9))
        line = self.downbeat + max(bars, 1) * self.beats_per_bar
        return self if line >= self.beat_count - 1 else BeatGrid(self.times[:line + 1], self.beats_per_bar,
                                                                   self.downbeat)

    def bar_and_beat(self, beat: float) -> tuple[int, float]:
        """1-based bar number and 1-based beat within the bar; an upbeat lies in bar 0."""
        rel = beat - self.downbeat
        bar = int(np.floor(rel / self.beats_per_bar))
        return bar + 1, rel - bar * self.beats_per_bar + 1


def tempo_problem(bpm: float) -> str | None:
    """What is wrong with a tempo given in a file, in the words of its message, or None when it is one that
    ``--bpm`` takes too (``MIN_TEMPO`` to ``MAX_TEMPO``)."""
    if MIN_TEMPO <= bpm <= MAX_TEMPO:  # NaN too
        return None
    return f"{bpm:g} is not a tempo from {MIN_TEMPO:g} to {MAX_TEMPO:g} beats per minute"


def spacing_problem(previous: float, time: float) -> str | None:
    """What is wrong with a beat at ``time`` seconds given after one at ``previous``, or None.

    It must come later, by no less than a beat at ``MAX_TEMPO`` and no more than one at ``MIN_TEMPO``: the
    range ``--bpm`` takes, so that every way of giving beats (a tempo, a beats file, a score's beat times)
    admits the same tempi. A gap of a few beats missed by a beat tracker is still well within a minute.
    """
    gap = time - previous
    if not gap > 0:
        return f"beat time {time:g} s does not come after the previous beat ({previous:g} s)"
    if gap < SHORTEST_BEAT:
        return (f"beat time {time:g} s comes {gap:g} s after the previous beat ({previous:g} s), faster than "
                f"{MAX_TEMPO:g} beats per minute (beats at least {SHORTEST_BEAT:g} s apart)")
    if gap > LONGEST_BEAT:
        return (f"beat time {time:g} s comes {gap:g} s after the previous beat ({previous:g} s), slower than "
                f"{MIN_TEMPO:g} beat per minute (beats at most {LONGEST_BEAT:g} s apart)")
    return None


def quantise(beats: ArrayLike, subdivision: int = 4) -> np.ndarray:
    """Round beat positions to the nearest 1/``subdivision`` of a beat."""
    return np.round(np.asarray(beats, dtype=float) * subdivision) / subdivision


# ---------------------------------------------------------------------------------------------------------------
# Beats from a file


def read_beats(path: str | Path, beats_per_bar: int | None = None) -> BeatGrid:
    """A beats file: one beat time in seconds per line, in the first column (space, tab or comma separated).

    ``#`` starts a comment; blank lines and further columns are ignored, except that a second column ``1`` marks
    a downbeat (the beat-in-bar numbering ``1 2 3 4 1 ...`` that beat trackers write): the first marked beat fixes
    ``downbeat`` (modulo ``beats_per_bar``), later marks are not checked against the meter. Without
    ``beats_per_bar``, the meter that numbering counts (``beats_file_meter``: what ``write_beats`` wrote), else 4.
    Consecutive beats are from ``SHORTEST_BEAT`` to ``LONGEST_BEAT`` seconds apart (``spacing_problem``).
    """
    path = Path(path)
    if beats_per_bar is None:
        beats_per_bar = beats_file_meter(path) or 4
    if beats_per_bar < 1:
        raise MusicError(f"{path}: beats per bar must be at least 1, not {beats_per_bar}")
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise MusicError(f"{path}: no such beats file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise MusicError(f"{path}: cannot read beats file ({_one_line(error)})") from None
    times: list[float] = []
    downbeat = None
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split("#", 1)[0].replace(",", " ").split()
        if not fields:
            continue
        time = _number(fields[0])
        if time is None:
            raise MusicError(f"{path}:{number}: beat time {fields[0]!r} is not a number of seconds")
        if times and (problem := spacing_problem(times[-1], time)):
            raise MusicError(f"{path}:{number}: {problem}")
        if downbeat is None and len(fields) > 1 and _number(fields[1]) == 1:
            downbeat = len(times)
        times.append(time)
    if len(times) < 2:
        raise MusicError(f"{path}: a beats file needs at least two beat times, found {len(times)}")
    return BeatGrid(tuple(times), beats_per_bar, (downbeat or 0) % beats_per_bar)


def write_beats(grid: BeatGrid, path: str | Path, *, title: str = "") -> Path:
    """A beat grid as a beats file (atomically): a time in seconds per line and the beat's number in its bar (1:
    downbeat), which ``read_beats`` reads back to the same grid with ``beats_file_meter``'s meter. Written beside
    a decoded dance (``dance.bvh`` -> ``dance.beats``) so that what is drawn of it counts the score's beats, not
    the motion's own pulse."""
    from .files import atomic_path

    path, count = Path(path), grid.beats_per_bar
    lines = [f"# beats of {title or 'a dance'}: seconds, beat in bar; {count} beats a bar, {grid.tempo:.2f} bpm"]
    lines += [f"{t:.6f} {(k - grid.downbeat) % count + 1}" for k, t in enumerate(grid.times)]
    with atomic_path(path) as partial:
        partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def beats_path(motion: str | Path) -> Path:
    """Where a motion file's beats lie: ``dance.bvh`` -> ``dance.beats``."""
    return Path(motion).with_suffix(".beats")


def beats_file_meter(path: str | Path) -> int | None:
    """The beats per bar a beats file counts (the largest beat-in-bar number of its second column), or None when
    it has no such column."""
    largest = 0
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None  # read_beats says what is wrong with the file
    for line in lines:
        fields = line.split("#", 1)[0].replace(",", " ").split()
        if len(fields) > 1 and fields[1].isdigit():
            largest = max(largest, int(fields[1]))
    return largest if 1 <= largest <= MAX_BEATS_PER_BAR else None


MUSIC_SUFFIXES = (".mid", ".midi", ".xml", ".musicxml", ".mxl")
AUDIO_SUFFIXES = (".wav", ".mp3", ".ogg", ".flac")


# Whether a score's repeats are played (``_performed``): music read so since stop 61, and as written before it; a
# dance made before is made again reading its music as it was then (``repeats_as_written``).
_REPEATS_PLAYED = contextvars.ContextVar("repeats_played", default=True)


@contextmanager
def repeats_as_written():
    """Music read as written inside this block, its repeats not played: how every dance made before stop 61 read
    its music, so that such a dance is made again, edited and continued on the music it was made on
    (``motiongpt.cocreate``: a prompt with music and no ``music_read``)."""
    token = _REPEATS_PLAYED.set(False)
    try:
        yield
    finally:
        _REPEATS_PLAYED.reset(token)


def repeats_played() -> bool:
    """Whether music is read now with its repeats played (``repeats_as_written``)."""
    return _REPEATS_PLAYED.get()


def _stat_of(path: Path, kind: str, suffixes: tuple, expected: tuple):
    """The ``os.stat`` of a ``kind`` ("music" or "audio") file about to be read, which its cache is keyed by; a
    one-line ``MusicError`` for a file of another kind, a missing one or an empty one."""
    if path.suffix.lower() not in suffixes:
        raise MusicError(f"{path}: not {'an' if kind == 'audio' else 'a'} {kind} file (expected {', '.join(expected)})")
    if not path.is_file():
        raise MusicError(f"{path}: no such {kind} file")
    stat = path.stat()
    if stat.st_size == 0:
        raise MusicError(f"{path}: empty {kind} file (0 bytes)")
    return stat


def parse_music(path: str | Path):
    """A MIDI or MusicXML file read by music21: the one parse of a music file, shared by its beat grid and the
    features read from its notes (``motiongpt.conditioning``), so a piece is parsed once per process (a second
    or so for a rag), as it is performed: its repeats played (``_performed``). The parsed score is cached by path,
    size and modification time; callers only read it. Never music21's own pickled cache (``forceSource``). A
    missing, empty, unreadable or note-less file raises a one-line ``MusicError``."""
    path = Path(path)
    stat = _stat_of(path, "music", MUSIC_SUFFIXES, MUSIC_SUFFIXES + AUDIO_SUFFIXES)
    return _parse_music(str(path), str(path.resolve()), stat.st_mtime_ns, stat.st_size, repeats_played())


@functools.lru_cache(maxsize=4)
def _parse_music(path: str, _resolved: str, _mtime: int, _size: int, played: bool = True):
    """``path`` as it was given, which the errors name; ``_resolved``, size and time tell a changed file."""
    from music21 import converter  # half a second to import: only when a score is read

    try:
        score = converter.parse(path, forceSource=True)
        end = float(score.highestTime)
        has_notes = bool(score.recurse().notes)
    except Exception as error:  # music21 raises many unrelated types (MidiException, ParseError, IndexError...)
        raise MusicError(f"{path}: cannot read music file ({_one_line(error)})") from None
    if end <= 0 or not has_notes:
        raise MusicError(f"{path}: empty music file (no notes)")
    return _performed(score, path) if played else score


def _performed(score, path: str):
    """The score as it is played: repeats taken, first and second endings chosen, D.C. / D.S. al fine / al coda
    followed (music21's ``expandRepeats``, which its MIDI export also plays, as a notation program's playback and a
    recording do). A dance on a MusicXML then lasts as long as the music played beside it, and a repeated strain is
    there twice for the repeat controls to find and the dance to repeat. A score without repeat marks is returned
    as it is; marks that cannot be expanded (a second ending with no first) leave it as written, with a warning."""
    from music21 import bar, repeat, spanner

    marks = score.recurse().getElementsByClass((bar.Repeat, spanner.RepeatBracket, repeat.RepeatExpression))
    if marks.first() is None:
        return score
    try:
        return score.expandRepeats()
    except Exception as error:  # music21's ExpanderException, and whatever a malformed score trips over
        warnings.warn(f"{path}: repeats not expanded, the music read as written ({_one_line(error)})", stacklevel=2)
        return score


def beats_from_music(path: str | Path, beats_per_bar: int | None = None) -> BeatGrid:
    """The beat grid of a MIDI or MusicXML score, exact from the notation (read with music21).

    Tempo changes are honoured (MetronomeMark / MIDI set-tempo; 120 bpm until the first one). The beat is the
    first time signature's beat: 4/4 and 3/4 count quarters, 6/8, 9/8 and 12/8 count dotted quarters (2, 3 and 4
    beats a bar), 2/2 halves, 5/8 and 7/8 eighths; ``beats_per_bar`` other than the first meter's count instead
    divides every bar into that many equal beats (6 for a 6/8 counted in eighths). A later change of meter moves
    the beats exactly, but the grid keeps the first meter for bar numbers. A pickup bar (an incomplete first bar,
    or in MIDI a first one-bar time signature shorter than the next with the same beat) becomes upbeat beats
    before ``downbeat``; a pickup of a fraction of a beat puts the first beat before time 0. Beats run from the
    start to the first beat at or after the end of the piece as it is performed (its repeats, endings and D.C. /
    D.S. played: ``parse_music``). A tempo marked outside ``MIN_TEMPO`` to ``MAX_TEMPO`` quarter notes a minute
    is refused.

    Audio (.wav, .flac, .ogg, .mp3) has no notation: its beats are estimated by ``beats_from_audio``.
    """
    path = Path(path)
    if path.suffix.lower() in AUDIO_SUFFIXES:
        return beats_from_audio(path, beats_per_bar)
    if beats_per_bar is not None and beats_per_bar < 1:
        raise MusicError(f"{path}: beats per bar must be at least 1, not {beats_per_bar}")
    score = parse_music(path)
    end = float(score.highestTime)
    from music21 import meter, stream

    # Meters as (offset, bar length, beats a bar) in quarter notes; every part repeats them, keep one of each.
    meters: dict[float, tuple[float, int]] = {}
    for signature in score.recurse().getElementsByClass(meter.TimeSignature):
        offset = float(signature.getOffsetInHierarchy(score))
        meters.setdefault(offset, (float(signature.barDuration.quarterLength), int(signature.beatCount)))
    if not meters:
        meters[0.0] = (4.0, 4)
    offsets = sorted(meters)
    bars = [meters[o][0] for o in offsets]
    counts = [meters[o][1] for o in offsets]
    offsets[0] = 0.0  # the first meter holds from the start even if the file states it late

    pickup = 0.0
    first = score.recurse().getElementsByClass(stream.Measure).first()
    length = float(first.duration.quarterLength) if first is not None else 0.0
    if first is not None and 0 < length < min(first.barDuration.quarterLength, end):
        pickup = length  # an incomplete first bar that is not the whole piece
    elif (len(offsets) > 1 and math.isclose(offsets[1], bars[0]) and counts[0] < counts[1]
          and math.isclose(bars[0] / counts[0], bars[1] / counts[1])):
        pickup = bars[0]  # MIDI cannot mark a pickup: a short first bar of the same beat is one
        del offsets[0], bars[0], counts[0]
    # An override divides every bar into that many beats; otherwise each meter counts its own beats. The first
    # meter's own count is no override: a dance's music is read again with its grid's meter (to make it again, to
    # edit or continue it), and after a change of meter its beats must be the ones it was danced on.
    if beats_per_bar == counts[0]:
        beats_per_bar = None
    divisions = [beats_per_bar] * len(bars) if beats_per_bar else counts
    beat_lengths = [bar / division for bar, division in zip(bars, divisions)]

    # Beat offsets in quarter notes: the upbeat counted back from the first bar line, then each meter's beats
    # from its first bar line up to the next meter, the last one up to the first beat at or after the end.
    upbeat = math.ceil(pickup / beat_lengths[0] - 1e-9)
    pieces = [pickup - beat_lengths[0] * np.arange(upbeat, 0, -1)]
    starts = [pickup, *offsets[1:]]
    stops = [*offsets[1:], math.inf]
    for start, stop, beat in zip(starts, stops, beat_lengths):
        last = stop >= end
        count = math.ceil(((end if last else stop) - start) / beat - 1e-9) + last
        pieces.append(start + beat * np.arange(count))
        if last:
            break
    quarters = np.concatenate(pieces)

    # Quarter notes to seconds through the tempo map (music21 fills in 120 bpm before the first mark).
    mark_starts, per_quarter = _tempo_map(score, path)
    mark_seconds = np.concatenate([[0.0], np.cumsum(np.diff(mark_starts) * per_quarter[:-1])])
    which = np.clip(np.searchsorted(mark_starts, quarters, side="right") - 1, 0, None)
    seconds = mark_seconds[which] + (quarters - mark_starts[which]) * per_quarter[which]
    meter_beats = beats_per_bar or counts[0]
    return BeatGrid(tuple(seconds), meter_beats, upbeat % meter_beats)


def _tempo_map(score, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(quarter note where each tempo starts, seconds per quarter note) of a parsed score. A marked tempo outside
    the range ``--bpm`` takes is refused, counted in quarter notes a minute as MIDI and MusicXML's sound tempo
    count it: a metronome mark of 0.001 or 100000 is a slip, which made beats days apart or thousands a second
    (and 0 a traceback)."""
    marks = score.metronomeMarkBoundaries()
    for start, _, mark in marks:
        try:
            bpm = mark.getQuarterBPM()
        except ZeroDivisionError:  # music21 converts a marked 0 through 60 / 0
            bpm = 0.0
        if problem := tempo_problem(bpm):
            raise MusicError(f"{path}: the tempo marked at quarter note {float(start):g}: {problem}")
    return (np.array([float(start) for start, _, _ in marks]),
            np.array([mark.secondsPerQuarter() for _, _, mark in marks]))


# ---------------------------------------------------------------------------------------------------------------
# Beats from audio (librosa, an optional dependency)

# librosa's rate with half its default hop (11.6 ms): its tempo is a whole number of hops per beat, which at 512
# samples moves in 4.5 % steps at 120 bpm (117.5 or 123.0, never 120) and drags the beats off the clicks; 256 halves
# the steps, and 128 would make the tempogram five times slower (9 s for a three-minute song) for little more.
AUDIO_RATE, AUDIO_HOP = 22050, 256


# The bar in a recording (`beats_from_audio`): the meters its accents can tell apart (triple from duple: a 2/4 is
# counted in fours), how much more a chord's change tells of a bar line than a loud onset does, and how much
# evidence (in the t statistic's units) it takes to start the first bar elsewhere than on the first beat found.
# Chosen on 34 music21 pieces rendered by fluidsynth (`bench/audio_meter.py`, docs/conditioning.md, "Bars in a
# recording"); the pieces of bench/audio_beats.py, not looked at while choosing, are the check.
AUDIO_METERS = (3, 4)
HARMONY_WEIGHT = 2.0
FIRST_BEAT_PRIOR = 1.0
MIN_CONTRAST = 0.5  # standard deviations of salience between the downbeats and the other beats, at least

# librosa's analysis window (n_fft) for onset strength and chroma, in samples: a frame hears half of it either side.
ANALYSIS_WINDOW = 2048
# The beats tracked run from the first to the last whose onset reaches this part of the median beat's (`_track`).
HEARD = 0.5
# A recording's tempo is heard over TEMPO_WINDOW seconds of onsets (librosa's own window); where the global tempo
# fits them less than GLOBAL_FIT as well as the window's own tempo, the tempo has changed there (`_tempi`).
TEMPO_WINDOW = 8.0
GLOBAL_FIT = 0.5
# A recording whose loudest analysis window is quieter than this (RMS, dB full scale) is silence: the beat tracker
# scales its onsets to the loudest, and found a tempo and a dance in the dither of a silent take (±1 of 16 bits,
# -92 dB: 120 bpm in 4/4). Music lies far above it: fluidsynth renders a tune at mf at -42 dB, and at velocity 10
# (ppp) at -80 dB, where its beats are still tracked (99.4 bpm for 100).
SILENT_DB = -85.0


def beats_from_audio(path: str | Path, beats_per_bar: int | None = None) -> BeatGrid:
    """The beat grid of a recording: beats estimated by librosa's beat tracker (Ellis 2007: onset strength, a
    global tempo, dynamic programming for the beats), bars by where the accents fall (``bar_lines``).

    Unlike a score's beats these are a guess: a few tens of milliseconds late or early, sometimes at half or
    double the tempo (``docs/evaluation.md``, "Music beats: librosa vs the score", measures how far off on
    rendered MIDI). A recording names no meter: without ``beats_per_bar`` it is 3 or 4 beats, whichever the
    accents mark better, and either way the first bar line is put where they mark it (the beats before it are
    an upbeat). Beats cover the music from its first to its last onset (librosa's last beat can miss by a fifth
    of a beat) and the grid continues past them.
    """
    path = Path(path)
    if beats_per_bar is not None and beats_per_bar < 1:
        raise MusicError(f"{path}: beats per bar must be at least 1, not {beats_per_bar}")
    signal = read_audio(path, AUDIO_RATE)
    envelope, beats = _track(signal, AUDIO_RATE, AUDIO_HOP, path)
    meters = AUDIO_METERS if beats_per_bar is None else (beats_per_bar,)
    meter, downbeat = bar_lines(signal, envelope, beats, meters, AUDIO_RATE, AUDIO_HOP)
    return BeatGrid(tuple(beats * AUDIO_HOP / AUDIO_RATE), meter, downbeat)


def track_beats(path: str | Path, rate: int = AUDIO_RATE, hop: int = AUDIO_HOP) -> np.ndarray:
    """Beat frame indices of an audio file: librosa's beat tracker on the onset strength of the mono signal
    resampled to ``rate``, in frames of ``hop`` samples (so ``rate = fps * hop`` puts one frame on each motion
    frame, as the beat-alignment metric wants). At least two beats, or a one-line ``MusicError``."""
    path = Path(path)
    return _track(read_audio(path, rate), rate, hop, path)[1]


def bar_lines(signal: np.ndarray, envelope: np.ndarray, beats: np.ndarray, meters: tuple[int, ...] = AUDIO_METERS,
              rate: int = AUDIO_RATE, hop: int = AUDIO_HOP) -> tuple[int, int]:
    """(beats per bar, index of the first beat that starts a bar) of a recording's ``beats`` (frame indices).

    A bar line is heard where the harmony changes and a strong onset lands more often than between them (the
    beat-synchronous cues of Davies & Plumbley 2006 and Klapuri et al. 2006): each beat's salience is its onset
    strength plus ``HARMONY_WEIGHT`` times how far its chroma moved from the beat before's, both standardised.
    Every meter of ``meters`` and every phase of it is scored by Welch's t between the beats it calls downbeats
    and the others (comparable across meters of different sizes), phase 0 (the first beat found) given
    ``FIRST_BEAT_PRIOR`` more; the best wins where its downbeats stand out by ``MIN_CONTRAST`` at least. Where
    nothing does, or there are too few beats to hear two bars: 4 beats a bar (or the one meter given) from the
    first beat, as a recording was counted before.
    """
    count = len(beats)
    plain = 4 if 4 in meters else meters[0]
    if count < 2 * max(meters) + 1:
        return plain, 0
    import librosa

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short files make librosa warn about window sizes
        # norm=None: a frame weighs as loud as it sounds. Scaled one by one (librosa's default), a frame of a
        # click's decay or of a rest counted as much as the chord, and so did one that hears the next beat's
        # attack only at its window's edge.
        chroma = librosa.feature.chroma_stft(y=signal, sr=rate, hop_length=hop, norm=None)
    frames = chroma.shape[1]
    gap = int(np.median(np.diff(beats)))
    edges = np.clip(np.append(beats, beats[-1] + gap), 0, frames - 1)
    # A beat's harmony is heard from its beat up to half a window before the next: a frame centred later already
    # hears the next beat's attack. Heard up to the next beat, a click's pitch was half in the beat before it,
    # and a chord's change at the bar line was heard partly a beat early.
    starts = edges[:-1]
    stops = np.maximum(edges[1:] - ANALYSIS_WINDOW // (2 * hop), starts + 1)
    sums = np.concatenate([np.zeros((12, 1)), np.cumsum(chroma, axis=1)], axis=1)
    per_beat = ((sums[:, stops] - sums[:, starts]) / (stops - starts)).T  # (beats, 12) mean chroma
    per_beat /= np.maximum(np.linalg.norm(per_beat, axis=1, keepdims=True), 1e-9)
    change = 1.0 - np.einsum("ij,ij->i", per_beat[1:], per_beat[:-1])
    change = np.concatenate([[change.mean()], change])  # the first beat: no beat before it to change from
    accent = _accents(envelope, beats)
    # standardised, but a cue that hardly varies (evenly struck clicks, one chord throughout) stays near 0
    salience = (_standardise(accent, 0.1 * np.median(accent)) + HARMONY_WEIGHT * _standardise(change, 0.02))

    best = None
    for meter in sorted(meters, key=lambda m: m != plain):  # a tie (accents that mark nothing) keeps 4
        for phase in range(meter):
            on = np.zeros(count, bool)
            on[phase::meter] = True
            a, b = salience[on], salience[~on]
            if not len(b) or (meter, phase) != (plain, 0) and a.mean() - b.mean() < MIN_CONTRAST:
                continue  # too little heard to move the bar line from the plain one
            t = (a.mean() - b.mean()) / math.sqrt(a.var() / len(a) + b.var() / len(b) + 1e-9)
            score = t + FIRST_BEAT_PRIOR * (phase == 0)
            if best is None or score > best[0]:
                best = (score, meter, phase)
    return (plain, 0) if best is None else best[1:]


def _standardise(values: np.ndarray, floor: float) -> np.ndarray:
    return (values - values.mean()) / max(values.std(), floor, 1e-12)


def read_audio(path: str | Path, rate: int = AUDIO_RATE) -> np.ndarray:
    """The mono signal of an audio file at ``rate`` (read-only): the one read of a recording, shared by its beat
    grid and the features heard in it (``motiongpt.conditioning``), cached by path, size and modification time
    as ``parse_music`` caches a score. A one-line ``MusicError`` for a file that is missing, empty, undecodable,
    cut short or silent, or when librosa is not installed."""
    path = Path(path)
    stat = _stat_of(path, "audio", AUDIO_SUFFIXES, AUDIO_SUFFIXES)
    return _read_audio(str(path), str(path.resolve()), stat.st_mtime_ns, stat.st_size, rate)


@functools.lru_cache(maxsize=2)
def _read_audio(path: str, _resolved: str, _mtime: int, _size: int, rate: int) -> np.ndarray:
    try:  # a second or more to import, and an optional dependency: only when audio is read
        import librosa
    except ImportError:
        raise MusicError(f"{path}: reading audio needs librosa (pip install librosa)") from None
    try:
        with warnings.catch_warnings(), _decoder_quiet(path):  # librosa warns before falling back to audioread
            warnings.simplefilter("ignore")
            signal, _ = librosa.load(path, sr=rate, mono=True)
    except Exception:  # soundfile, audioread and the decoders raise many unrelated types, named not explained
        with _decoder_quiet(path):
            problem = _undecodable(path)
        raise MusicError(f"{path}: {problem}") from None
    with _decoder_quiet(path):
        problem = _cut_short(path, signal.size / rate)
    if problem:
        raise MusicError(f"{path}: {problem}")
    if signal.size == 0:
        raise MusicError(f"{path}: empty audio file (no samples)")
    if not np.any(signal):
        raise MusicError(f"{path}: silent audio file (no beats to track)")
    if (loudest := _loudest_db(signal)) < SILENT_DB:
        raise MusicError(f"{path}: silent audio file (at most {loudest:.0f} dB full scale: no beats to track)")
    signal.flags.writeable = False  # shared by every caller: read, never written
    return signal


@contextmanager
def _decoder_quiet(path: str):
    """The MP3 decoder inside soundfile (libmpg123) writes its notes on a damaged file ("Illegal Audio-MPEG-Header",
    "Xing stream size off") straight to file descriptor 2, three lines or more above the one-line error that says
    what is wrong: while it decodes, that descriptor goes nowhere. Only for MP3, the one decoder that talks, and
    only in a program's main thread: the descriptor is the whole process's, and a server's other threads (the
    studio's) would lose what they write meanwhile."""
    import threading

    if not path.lower().endswith(".mp3") or threading.current_thread() is not threading.main_thread():
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def _undecodable(path: str) -> str:
    """What is wrong with an audio file that no decoder read, in words: the decoders' own errors name a class
    (audioread's ``NoBackendError`` once soundfile has given up, ``EOFError`` from a WAV cut inside its header)."""
    if problem := _cut_short(path, None):
        return problem
    import soundfile  # librosa's own decoder: installed with it

    try:
        promised = soundfile.info(path).duration
    except Exception:  # its header is not one soundfile knows
        return "cannot decode: not audio, or a format this machine has no decoder for"
    return f"cannot decode: damaged or cut short (its header promises {promised:.1f} s, its audio does not decode)"


# A decoder may end a few frames before the length a header promises (an MP3's encoder delay, 1105 samples at
# 44.1 kHz): a file is cut short where it ends more than this before it, in seconds or as a part of the whole.
SHORT_BY = (0.1, 0.01)
OGG_PAGE_MAX = 27 + 255 + 255 * 255  # bytes: its header, a lacing value per segment, 255 segments of 255


def _cut_short(path: str, heard: float | None) -> str | None:
    """Why a recording ends before its own header says it does, or None: a file whose copy or download stopped
    part-way decodes up to the cut without a word (a WAV, an MP3 with a Xing header), or to nothing (an Ogg), and
    was danced to as if it were the whole piece. ``heard``: the seconds decoded, None where nothing decoded."""
    size = os.path.getsize(path)
    with open(path, "rb") as file:
        head = file.read(12)
        file.seek(max(0, size - OGG_PAGE_MAX))
        tail = file.read()
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        declared = int.from_bytes(head[4:8], "little") + 8  # 0 or 0xFFFFFFFF: a stream's length left unwritten
        # a pad byte or two left unwritten, or a writer that counted the first 8 bytes too, is no cut
        if 8 < declared < 0xFFFFFFFF + 8 and declared - size > max(8, SHORT_BY[1] * declared):
            return f"cut short: a WAV of {size:,} bytes whose header promises {declared:,}"
    if head[:4] == b"OggS":  # an Ogg stream ends on a whole page flagged end-of-stream (header type bit 2)
        page = tail.rfind(b"OggS")
        header = tail[page:page + 27] if page >= 0 else b""
        lacing = tail[page + 27:page + 27 + header[26]] if len(header) == 27 else b""
        whole = len(header) == 27 and len(lacing) == header[26] and page + 27 + header[26] + sum(lacing) <= len(tail)
        if not whole or not header[5] & 4:
            return "cut short: an Ogg stream without its last page"
    if heard is None:
        return None
    import soundfile

    try:
        promised = soundfile.info(path).duration
    except Exception:  # decoded by another decoder (audioread): no header of soundfile's to hold it to
        return None
    if promised - heard > max(SHORT_BY[0], SHORT_BY[1] * promised):
        return f"cut short: its header promises {promised:.1f} s, only {heard:.1f} s decode"
    return None


def _loudest_db(signal: np.ndarray) -> float:
    """The level of a signal's loudest ``ANALYSIS_WINDOW`` (RMS, in dB full scale)."""
    frames = np.pad(signal, (0, -len(signal) % ANALYSIS_WINDOW)).reshape(-1, ANALYSIS_WINDOW)
    power = float(np.max(np.einsum("ij,ij->i", frames, frames, dtype=np.float64))) / ANALYSIS_WINDOW
    return 10.0 * math.log10(max(power, 1e-20))


def _track(signal: np.ndarray, rate: int, hop: int, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(onset strength envelope, beat frame indices) of a signal; at least two beats, or a ``MusicError``.

    librosa's tracker, with three things it does at a recording's edges undone, each of which lost the first beat
    of a click track, and of MIDI rendered to audio (which starts on its first note):

    - an onset is a rise from the frame before: a note at time 0 had none, its first frame already hearing it; the
      signal is heard after ``ANALYSIS_WINDOW`` samples of silence;
    - its dynamic program links each beat to one about a beat before; a first onset between half a beat and two
      beats from the start could only link to silence too near it, and lost to a beat in that silence: the
      envelope is tracked after two beats of silence (the tempo estimated first, as librosa does);
    - its trim drops every leading and trailing beat under the RMS of all the beats' smoothed onsets, which accents
      pull up: the weak beats before the first accent and after the last (a pickup, clicks softer or higher than
      the accented one) and a quiet ending (the last 22 s of a 36 s quartet movement in ``bench/audio_meter.py``).
      Beats are trimmed here only where nothing is heard: from the first to the last beat whose onset
      (``_accents``) reaches ``HEARD`` of the median beat's, librosa's own intent (half a typical beat; its
      maintainers advise trimming by hand, librosa/librosa#205) measured against the median, which accents do not
      pull up.
    """
    import librosa

    lead_in = hop * -(-ANALYSIS_WINDOW // hop)  # whole frames: the envelope's frames stay the signal's
    heard_after_silence = np.concatenate([np.zeros(lead_in, dtype=signal.dtype), signal])
    envelope = librosa.onset.onset_strength(y=heard_after_silence, sr=rate, hop_length=hop)[lead_in // hop:]
    beats = np.zeros(0, dtype=np.int64)
    if envelope.any():
        tempo, bpm = _tempi(envelope, rate, hop)
        lead = 2 * round(rate / hop * 60.0 / tempo)
        _, found = librosa.beat.beat_track(onset_envelope=np.pad(envelope, (lead, 0)), sr=rate, hop_length=hop,
                                           bpm=np.pad(bpm, (lead, 0), mode="edge"), trim=False)
        beats = np.asarray(found, dtype=np.int64) - lead
        beats = beats[beats >= 0]
    if len(beats):
        strength = _accents(envelope, beats)
        heard = np.flatnonzero(strength > HEARD * np.median(strength))
        beats = beats[heard[0]:heard[-1] + 1] if len(heard) else beats[:0]
    if len(beats) < 2:
        raise MusicError(f"{path}: found {len(beats)} beat(s) in the audio; a beat grid needs at least two")
    return envelope, beats


def _tempi(envelope: np.ndarray, rate: int, hop: int) -> tuple[float, np.ndarray]:
    """(the global tempo, the tempo to track each frame at) of an onset envelope, in bpm.

    librosa tracks one global tempo: a piece that speeds up (100 to 200 bpm over 20 s) had its beats fall between
    its clicks for the first half, and after a change from 100 to 140 bpm a third of the true beats had none. Each
    frame's own tempo (``TEMPO_WINDOW`` of onsets around it, drawn toward the global tempo as librosa draws it)
    is tracked where the global tempo, its half and its double fit the onsets there less than ``GLOBAL_FIT`` as
    well as it does: a steady piece's local estimates flip to half the tempo, or two thirds, for seconds at a time
    (for 2 to 18 s in 15 of the 34 corpus pieces rendered by ``bench/audio_meter.py``), while the global tempo
    still fits there (a local tempo is tracked somewhere in 4 of them); a change of tempo leaves it fitting about
    a tenth as well. Elsewhere the global tempo, as before.
    """
    import librosa

    window = librosa.time_to_frames(TEMPO_WINDOW, sr=rate, hop_length=hop).item()
    tempogram = librosa.feature.tempogram(onset_envelope=envelope, sr=rate, hop_length=hop, win_length=window)
    tempo = float(np.atleast_1d(librosa.feature.tempo(tg=tempogram, sr=rate, hop_length=hop))[0])
    local = np.asarray(librosa.feature.tempo(tg=tempogram, sr=rate, hop_length=hop, start_bpm=tempo,
                                             aggregate=None), dtype=float).reshape(-1)
    frames = np.arange(tempogram.shape[1])

    def fit(bpm: np.ndarray) -> np.ndarray:  # the tempogram (onsets' autocorrelation) at each frame's lag
        return tempogram[np.clip(np.round(60.0 * rate / (hop * bpm)).astype(int), 1, window - 1), frames]

    held = np.max([fit(np.full(len(local), tempo * octave)) for octave in (0.5, 1.0, 2.0)], axis=0)
    return tempo, np.where(held < GLOBAL_FIT * fit(local), local, tempo)


def _accents(envelope: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """Each beat's onset strength summed over ± 3 frames (± 35 ms): its peak alone rises and falls with where the
    onset falls between two frames, a pattern that repeats every few beats and would pass for a meter."""
    padded = np.pad(envelope, 3)
    return np.sum([padded[np.clip(beats + k, 0, len(padded) - 1)] for k in range(7)], axis=0)


# ---------------------------------------------------------------------------------------------------------------
# The motion's own pulse

DEFAULT_PULSE_BPM = 100.0  # the tempo given to motion without a pulse (still, or aperiodic): a calm walking pace
_PRIOR_BPM, _PRIOR_OCTAVES = 110.0, 1.0  # mild log-normal tempo prior (Ellis 2007) that makes octave errors rare
_TRAVEL_S = 0.5  # the body's travel (mean joint velocity smoothed over this, seconds) is no pulse: removed
_SMOOTH_S = 0.04  # speed smoothing (seconds): removes capture jitter, keeps pulses up to about 4 Hz
_TREND_S = 1.0  # changes of speed slower than this (seconds) are phrasing, not pulse
_WINDOW_S, _HOP_S = 8.0, 1.0  # tempogram windows: several beats long, short enough to follow a drifting tempo
_STILL_SPEED = 0.02  # m/s per joint: a speed fluctuation below this is standing still
_MIN_PERIODICITY = 0.1  # normalised autocorrelation at the tempo below which the motion has no pulse


def pulse_grid(positions: np.ndarray, fps: float, beats_per_bar: int = 4,
               bpm_range: tuple[float, float] = (60.0, 180.0)) -> BeatGrid:
    """A steady beat grid from the motion's own pulse, for motion without music.

    ``positions`` (T, J, 3) in metres at ``fps``. The body slows down on the beat: kinematic beats are minima of
    the summed joint speed, taken relative to the body's smoothed travel so that crossing the room does not drown
    the steps. Tempo: 8-second windows of the detrended speed give a tempogram, the product of autocorrelation
    (which suppresses faster harmonics) and Fourier magnitude (which suppresses slower sub-harmonics) times a
    mild prior around 110 bpm; its best peak between half the slowest and twice the fastest tempo is made exact
    by the drift of its phase from window to window, then halved or doubled into ``bpm_range``. Phase: the grid
    goes where the body is slowest on average, then a least-squares line through the kinematic beats near the
    grid fixes tempo and phase. The grid is uniform (one tempo for the whole clip; a dancer's drift is averaged),
    starts at or before frame 0, ends at or after the last frame, and bars start at its first beat.
    Motion without a pulse (still, or no periodicity) gets ``DEFAULT_PULSE_BPM`` from frame 0, with a warning
    that says so: a tempo nobody chose must not pass for the motion's own.
    """
    positions = np.asarray(positions, dtype=float)
    if positions.ndim != 3 or positions.shape[2] != 3 or len(positions) < 2:
        raise ValueError(f"positions must have shape (frames >= 2, joints, 3), not {positions.shape}")
    if not fps > 0:
        raise ValueError(f"frame rate must be positive, not {fps}")
    low, high = bpm_range
    if not 0 < low < high:
        raise ValueError(f"tempo range must be increasing positive beats per minute, not {bpm_range}")
    duration = (len(positions) - 1) / fps
    speed, novelty = _speed_and_novelty(positions, fps)
    still = novelty.std() < _STILL_SPEED * positions.shape[1]
    bpm = None if still else _tempo(novelty, fps, low, high)
    if bpm is None:
        warnings.warn(f"no steady pulse in the motion ({'it hardly moves' if still else 'no movement repeats'}): "
                      f"the beats are a steady {DEFAULT_PULSE_BPM:g} bpm from the first frame; give the real ones "
                      f"with --bpm, --beats or --music", stacklevel=2)
        return BeatGrid.uniform(DEFAULT_PULSE_BPM, duration, beats_per_bar)
    period = 60.0 / bpm
    period, phase = _fit_kinematic_beats(speed, fps, period, _phase(novelty, fps, period))
    return BeatGrid.uniform(60.0 / period, duration, beats_per_bar, offset=phase - period * math.ceil(phase / period))


def _speed_and_novelty(positions: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Summed joint speed (T,) in m/s relative to the body's smooth travel, despiked and lightly smoothed, and
    its novelty: the speed's dips below its one-second trend (high where the body slows)."""
    from .smoothing import gaussian_filter1d, median_filter1d

    velocity = np.gradient(positions, axis=0) * fps
    travel = gaussian_filter1d(np.einsum("tjk->tk", velocity) / velocity.shape[1], _TRAVEL_S * fps, axis=0,
                               mode="nearest")  # smoothing velocity, not position, keeps a steady travel exact
    velocity -= travel[:, None]
    speed = np.sqrt(np.einsum("tjk,tjk->tj", velocity, velocity)).sum(axis=1)  # einsum: faster than norm
    speed = median_filter1d(speed, 2 * round(0.02 * fps) + 1)  # capture spikes of a frame or two
    speed = gaussian_filter1d(speed, _SMOOTH_S * fps, mode="nearest")
    return speed, gaussian_filter1d(speed, _TREND_S * fps, mode="nearest") - speed


def _tempo(novelty: np.ndarray, fps: float, low: float, high: float) -> float | None:
    """The pulse tempo in bpm within [low, high], or None when the motion has no pulse (see ``pulse_grid``)."""
    n = len(novelty)
    length = min(n, round(_WINDOW_S * fps))
    starts = np.arange(0, n - length + 1, max(1, round(_HOP_S * fps)))
    taper = np.hanning(length + 2)[1:-1]
    frames = novelty[starts[:, None] + np.arange(length)]
    frames = (frames - frames.mean(axis=1, keepdims=True)) * taper
    size = 1 << (4 * length - 1).bit_length()  # padding: linear (not circular) correlation and fine frequency bins
    spectra = np.fft.rfft(frames, size, axis=1)
    power = np.abs(spectra) ** 2
    # Windows summed, so that quiet passages weigh little; dividing by the taper's own autocorrelation unbiases lags.
    autocorrelation = np.fft.irfft(power.sum(axis=0), size)[:length]
    autocorrelation /= np.fft.irfft(np.abs(np.fft.rfft(taper, size)) ** 2, size)[:length]
    autocorrelation /= autocorrelation[0]
    bpm = np.fft.rfftfreq(size, 1.0 / fps) * 60.0
    usable = np.flatnonzero((bpm >= max(low / 2, 120.0 * fps / length)) & (bpm <= 2 * high))  # lags <= half a window
    periodicity = np.interp(60.0 * fps / bpm[usable], np.arange(length), autocorrelation)
    prior = np.exp(-0.5 * (np.log2(bpm[usable] / _PRIOR_BPM) / _PRIOR_OCTAVES) ** 2)
    score = np.clip(periodicity, 0.0, None) * np.sqrt(power[:, usable]).sum(axis=0) * prior
    peaks = _strict_minima(-score, 1)
    peaks = peaks[periodicity[peaks] >= _MIN_PERIODICITY]  # a pulse must repeat, not merely have energy
    if not peaks.size:
        return None
    best = peaks[np.argmax(score[peaks])]
    # The phase of the peak frequency drifts from window to window by the frequency error: its slope corrects it.
    frequency = bpm[usable[best]] / 60.0
    local = spectra[:, usable[best]] * np.exp(-2j * np.pi * frequency * starts / fps)  # phases at time 0
    if len(local) > 1:
        slope = np.polyfit(starts / fps, np.unwrap(np.angle(local)), 1, w=np.abs(local))[0]
        frequency += np.clip(slope / (2 * np.pi), -fps / size, fps / size)  # the peak is right to within a bin
    tempo = 60.0 * frequency
    octaves = math.ceil(math.log2(low / tempo)) if tempo < low else min(0, math.floor(math.log2(high / tempo)))
    return float(np.clip(tempo * 2.0**octaves, low, high))  # clipping only matters for a range under an octave


def _phase(novelty: np.ndarray, fps: float, period: float) -> float:
    """The offset in [0, period) whose beats fall where the body is slowest on average (quarter-frame steps)."""
    phases = np.arange(0.0, period, 0.25 / fps)
    beats = phases[:, None] + period * np.arange(int(len(novelty) / fps / period) + 1)
    values = np.interp(beats * fps, np.arange(len(novelty)), novelty, right=np.nan)
    return float(phases[np.argmax(np.nanmean(values, axis=1))])


def _fit_kinematic_beats(speed: np.ndarray, fps: float, period: float, phase: float) -> tuple[float, float]:
    """Period and phase of the least-squares line through the speed minima within a quarter beat of the grid.

    The spectral tempo of a clip shorter than two windows is good to about a percent; the kinematic beats
    themselves pin it. Kept only when at least half the beats have a minimum near them.
    """
    minima = _strict_minima(speed, max(1, int(period * fps / 4))) / fps
    index = np.round((minima - phase) / period)
    near = np.abs(minima - phase - index * period) < period / 4
    if np.unique(index[near]).size < max(2, 0.5 * len(speed) / fps / period):
        return period, phase
    slope, intercept = np.polyfit(index[near], minima[near], 1)
    return float(slope), float(intercept)


def _strict_minima(values: np.ndarray, order: int) -> np.ndarray:
    """Indices of the values lower than all others within ``order`` on either side (whole neighbourhoods only;
    scipy.signal.argrelmin would do, but importing scipy.signal costs most of a second)."""
    if len(values) <= 2 * order:
        return np.zeros(0, dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(values, 2 * order + 1)
    others = np.minimum(windows[:, :order].min(axis=1), windows[:, order + 1:].min(axis=1))
    return np.flatnonzero(windows[:, order] < others) + order


def _number(text: str) -> float | None:
    """A finite float, or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _one_line(error: BaseException, limit: int = 120) -> str:
    """An exception as a short single line, for messages that must fit on one line."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
