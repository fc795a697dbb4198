"""Music for the model: the beat grid the dance will stand on, and what the music does on each of its beats.

The grid comes through the one door, ``laban.beats.beat_grid``, so that the dance's beats *are* the music's
(tempo changes, meter and upbeat included). The features then ride on that grid: one value per grid beat, beat
``i`` covering the time from grid beat ``i`` to ``i + 1`` (the last beat, at or after the end of the piece, covers
one more beat interval and is usually silent). Notes are placed on the grid by the same quarter-note → seconds
tempo map the grid was built with, then ``BeatGrid.seconds_to_beats``: a feature can never drift off its beat.

A score (MIDI, MusicXML, a ``corpus:composer/piece`` of music21's corpus) is read exactly with music21; a recording
(.wav, .flac, .ogg, .mp3) is estimated with librosa, an optional dependency. Both give the same keys, in the same
ranges, so the model cannot tell which one spoke (``docs/conditioning.md`` lists them).
"""

from __future__ import annotations

import difflib
import functools
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from laban.beats import beat_grid
from laban.errors import MusicError
from laban.timing import AUDIO_SUFFIXES, MUSIC_SUFFIXES, BeatGrid, parse_music

CORPUS_PREFIX = "corpus:"
SAMPLES_PER_BEAT = 8  # what sounds when is sampled this finely within a beat (rests, loudness, register, chroma)
ON_BEAT = 1 / 8  # an attack this close to a beat (in beats) is on it
LOWEST, HIGHEST = 21, 108  # MIDI pitches of the piano's range: register 0 and 1
DEFAULT_LOUDNESS = 0.55  # mezzo-forte (music21's volume scalar), for notes with neither velocity nor dynamic mark
SECTION_BARLINES = {"double", "final", "heavy", "heavy-light", "heavy-heavy", "light-light", "light-heavy"}
FEATURES = ("metrical", "attack", "onsets", "loudness", "register", "harmony", "rest", "section", "chroma")


@dataclass(frozen=True)
class MusicFeatures:
    """A piece's beat grid and its per-beat features: each value of ``per_beat`` is float32 with the grid's beat
    count on axis 0 (``chroma`` is (beats, 12), the others (beats,)). ``kind`` is 'score' or 'audio'."""

    grid: BeatGrid
    per_beat: dict[str, np.ndarray]
    source: str = ""
    kind: str = "score"

    def matrix(self, keys: tuple[str, ...] = FEATURES) -> np.ndarray:
        """The features as one (beats, channels) float32 array, for a model that reads them raw (paired data)."""
        return np.concatenate([self.per_beat[k].reshape(self.grid.beat_count, -1) for k in keys], axis=1)

    def counted_as(self, grid: BeatGrid) -> "MusicFeatures":
        """These features with their bars counted as ``grid`` counts them, where ``grid`` is a dance's made on
        this music (its beats are the music's, from the first, in the same meter) but its bar lines stand elsewhere:
        a dance made on a recording before its bar lines were heard (``laban.timing.bar_lines``) counted bars from
        the first beat. Its music, read again for an edit or a continuation, is then read on the dance's own bars
        (the metrical strength on its downbeats, so the controls per bar of its bars). Otherwise as they are."""
        own, danced = np.asarray(self.grid.times), np.asarray(grid.times, dtype=float)
        both = min(len(own), len(danced))  # a dance continued past the music, or elsewhere, shares a first part
        if (grid.downbeat == self.grid.downbeat or grid.beats_per_bar != self.grid.beats_per_bar
                or not np.allclose(danced[:both], own[:both], atol=1e-6)):
            return self
        recounted = BeatGrid(self.grid.times, self.grid.beats_per_bar, grid.downbeat)
        return replace(self, grid=recounted, per_beat={**self.per_beat, "metrical": metrical_strength(recounted)})


# ---------------------------------------------------------------------------------------------------------------
# Where the music is


def resolve_music(spec: str | Path) -> Path:
    """The file a music argument names: a path, or ``corpus:composer/piece`` (a work of music21's corpus, the
    suffix optional: ``corpus:joplin/maple_leaf_rag``, ``corpus:bach/bwv66.6``). A corpus name that matches no
    work, or only works in a format the beat grid cannot read (abc, humdrum), raises a one-line ``MusicError``
    naming the nearest matches; so does a path that is not a file (the one home of that check)."""
    text = str(spec)
    if not text.startswith(CORPUS_PREFIX):
        path = Path(text)
        if path.is_dir():
            raise MusicError(f"{path}: a folder, not a music file")
        if not path.is_file():
            raise MusicError(f"{path}: no such file")
        return path
    name = text[len(CORPUS_PREFIX):].strip().strip("/").lower()
    works = _corpus_works()
    if name in works:
        return works[name]
    stem = name.rsplit(".", 1)[0] if name.endswith(MUSIC_SUFFIXES) else None
    if stem in works:
        return works[stem]
    near = difflib.get_close_matches(name, list(works), n=3, cutoff=0.6)
    near += [w for w in works if name and name in w and w not in near][: 3 - len(near)]
    hint = f"; did you mean {', '.join(CORPUS_PREFIX + w for w in near)}?" if near else ""
    raise MusicError(f"{text}: no such work in the music21 corpus (MusicXML or MIDI){hint}")


@functools.lru_cache(maxsize=1)
def _corpus_works() -> dict[str, Path]:
    """music21's corpus works the beat grid can read, by 'composer/piece' (lower case, no suffix)."""
    from music21 import corpus

    works: dict[str, Path] = {}
    for path in corpus.getCorePaths():
        path = Path(path)
        if path.suffix.lower() not in MUSIC_SUFFIXES:
            continue
        parts = path.parts
        at = max(i for i, part in enumerate(parts) if part == "corpus")  # .../music21/corpus/<composer>/...
        works.setdefault("/".join(parts[at + 1:]).rsplit(".", 1)[0].lower(), path)
    return works


def paired_music(motion_path: str | Path) -> Path | None:
    """The music of a take in a paired corpus (AIST++-like): the file beside the motion with the same stem and a
    music suffix (scores before audio: exact beats before estimated ones), or ``None``."""
    motion_path = Path(motion_path)
    for suffix in MUSIC_SUFFIXES + AUDIO_SUFFIXES:
        for candidate in (motion_path.with_suffix(suffix), motion_path.with_suffix(suffix.upper())):
            if candidate.is_file():
                return candidate
    return None


# ---------------------------------------------------------------------------------------------------------------
# Features


def music_features(music: str | Path, meter: int | None = None) -> MusicFeatures:
    """The beat grid of ``music`` (a path or ``corpus:composer/piece``) and its per-beat features.

    ``meter`` overrides the beats per bar as in ``laban.beat_grid``. Empty, unreadable or note-less music raises
    a one-line ``MusicError``."""
    path = resolve_music(music)
    grid = beat_grid(music=path, meter=meter)
    if path.suffix.lower() in AUDIO_SUFFIXES:
        per_beat = _audio_features(path, grid)
        kind = "audio"
    else:
        per_beat = _score_features(_read_notes(*_key(path)), grid)
        kind = "score"
    per_beat["metrical"] = metrical_strength(grid)
    per_beat = {k: np.ascontiguousarray(per_beat[k], dtype=np.float32) for k in FEATURES}
    return MusicFeatures(grid, per_beat, str(music), kind)


def music_notes(music: str | Path, until: float | None = None) -> np.ndarray:
    """The struck notes of a score (MIDI, MusicXML or ``corpus:composer/piece``) as rows of (start s, end s, MIDI
    pitch, loudness 0-1), on the clock its beat grid has (what a page needs to play the score beside a dance);
    only those that start before ``until`` seconds, drums left out. Audio, or a score of drums alone, has no notes
    to play: a one-line ``MusicError``."""
    path = resolve_music(music)
    if path.suffix.lower() in AUDIO_SUFFIXES:
        raise MusicError(f"{path}: a recording has no notes to read")
    notes = _read_notes(*_key(path))
    pitched = np.isfinite(notes.pitch)
    if not pitched.any():  # a page plays pitches: a drum track's page clicks the beats instead
        raise MusicError(f"{path}: only drums, no pitched notes to play")
    keep = notes.struck & pitched & (notes.start < (np.inf if until is None else until))
    return np.stack([notes.start, notes.end, notes.pitch, notes.loudness], 1)[keep]


def metrical_strength(grid: BeatGrid) -> np.ndarray:
    """1 on a downbeat, 0.5 on a bar's secondary strong beat, 0 on the others, from the grid's meter.

    The secondary strong beat splits the bar where the meter groups it: the middle of an even bar (beat 3 of 4,
    beat 4 of 6), every third beat of a bar of 6, 9 or 12 counted in eighths, beat 4 of 7 and beat 3 of 5 (the
    long group first). Bars of 2 and 3 have only their downbeat."""
    n = grid.beats_per_bar
    strong = np.zeros(n, dtype=np.float32)
    strong[0] = 1.0
    if n % 3 == 0 and n >= 6:
        strong[3::3] = 0.5
    elif n % 2 == 0 and n >= 4:
        strong[n // 2] = 0.5
    elif n >= 5:
        strong[(n + 1) // 2] = 0.5
    return strong[(np.arange(grid.beat_count) - grid.downbeat) % n]


@dataclass(frozen=True)
class _Notes:
    """A score reduced to numpy: every note (chord tones apart) with onset and end in seconds, MIDI pitch (NaN
    for a drum), loudness in [0, 1] and whether it is struck, and the times in seconds where a section starts."""

    start: np.ndarray
    end: np.ndarray
    pitch: np.ndarray
    loudness: np.ndarray
    struck: np.ndarray  # False for the continuation of a tied note: it sounds but is not attacked
    sections: np.ndarray


def _key(path: Path) -> tuple[str, str, int, int, bool]:
    """Cache key: a file that changes is read again, and read again as written where its repeats are not played
    (``laban.timing.repeats_as_written``). The path as given leads it: the errors name that."""
    from laban.timing import repeats_played

    if not path.is_file():
        raise MusicError(f"{path}: no such music file")
    stat = path.stat()
    return str(path), str(path.resolve()), stat.st_mtime_ns, stat.st_size, repeats_played()


@functools.lru_cache(maxsize=16)
def _read_notes(path: str, _resolved: str, _mtime: int, _size: int, _played: bool) -> _Notes:
    """The score's notes as numbers, from the parse its beat grid was read from (``laban.timing.parse_music``)."""
    from music21 import bar, dynamics, expressions, key, meter, stream

    score = parse_music(path)
    try:
        parts = list(score.parts) or [score]
        starts, ends, pitches, louds, struck = [], [], [], [], []
        for part in parts:
            flat = part.flatten()
            marks = [(float(d.offset), float(d.volumeScalar)) for d in flat.getElementsByClass(dynamics.Dynamic)]
            mark_offsets = np.array([m[0] for m in marks])
            for note in flat.notes:
                offset, length = float(note.offset), float(note.duration.quarterLength)
                if length <= 0:  # grace notes take no time
                    continue
                velocity = note.volume.velocity
                if velocity is not None:
                    loud = velocity / 127.0
                elif marks:
                    at = np.searchsorted(mark_offsets, offset, side="right") - 1
                    loud = marks[at][1] if at >= 0 else DEFAULT_LOUDNESS
                else:
                    loud = DEFAULT_LOUDNESS
                # A drum (music21's Unpitched, or a PercussionChord of them) is struck and sounds but has no
                # pitch: NaN, so a drum track counts in the onsets, attacks, loudness and rests, not the pitches.
                for pitch in [tone.midi for tone in note.pitches] or [np.nan]:
                    starts.append(offset)
                    ends.append(offset + length)
                    pitches.append(pitch)
                    louds.append(loud)
                    struck.append(note.tie is None or note.tie.type == "start")
        sections = _section_offsets(score, bar, expressions, key, meter, stream)
        to_seconds = _tempo_map(score)
    except MusicError:
        raise
    except Exception as error:  # music21 raises many unrelated types
        raise MusicError(f"{path}: cannot read music file ({_one_line(error)})") from None
    if not starts:
        raise MusicError(f"{path}: empty music file (no notes)")
    return _Notes(to_seconds(np.array(starts)), to_seconds(np.array(ends)), np.array(pitches, dtype=float),
                  np.clip(np.array(louds, dtype=float), 0.0, 1.0), np.array(struck), to_seconds(sections))


def _section_offsets(score, bar, expressions, key, meter, stream) -> np.ndarray:
    """Quarter-note offsets where the notation starts a section: repeat signs and double / final bar lines (read
    on the first part's measures: the parts share their bar lines), rehearsal marks, and changes of key or meter
    (after the first)."""
    found: set[float] = set()
    first = score.parts[0] if score.parts else score
    for measure in first.recurse().getElementsByClass(stream.Measure):
        start = float(measure.getOffsetInHierarchy(score))
        for line, offset in ((measure.leftBarline, start), (measure.rightBarline,
                                                             start + float(measure.duration.quarterLength))):
            if line is not None and (isinstance(line, bar.Repeat) or line.type in SECTION_BARLINES):
                found.add(round(offset, 3))
    for mark in score.recurse().getElementsByClass(expressions.RehearsalMark):
        found.add(round(float(mark.getOffsetInHierarchy(score)), 3))
    for kind in (key.KeySignature, meter.TimeSignature):
        offsets = sorted({round(float(e.getOffsetInHierarchy(score)), 3)
                          for e in score.recurse().getElementsByClass(kind)})
        found.update(offsets[1:])
    return np.array(sorted(found), dtype=float)


def _tempo_map(score):
    """Quarter notes → seconds through the score's metronome marks, as ``laban.timing.beats_from_music`` does,
    so that a note lands on the very beat the grid has for it."""
    marks = score.metronomeMarkBoundaries()
    mark_starts = np.array([float(start) for start, _, _ in marks])
    per_quarter = np.array([mark.secondsPerQuarter() for _, _, mark in marks])
    mark_seconds = np.concatenate([[0.0], np.cumsum(np.diff(mark_starts) * per_quarter[:-1])])

    def to_seconds(quarters: np.ndarray) -> np.ndarray:
        which = np.clip(np.searchsorted(mark_starts, quarters, side="right") - 1, 0, None)
        return mark_seconds[which] + (quarters - mark_starts[which]) * per_quarter[which]

    return to_seconds


def _score_features(notes: _Notes, grid: BeatGrid) -> dict[str, np.ndarray]:
    """Per-beat features of a score's notes on the grid (see ``docs/conditioning.md`` for each one's meaning)."""
    count = grid.beat_count
    start = grid.seconds_to_beats(notes.start)
    end = np.maximum(grid.seconds_to_beats(notes.end), start + 1e-6)

    # What sounds at SAMPLES_PER_BEAT points a beat: a difference array over samples, one row a channel.
    samples = count * SAMPLES_PER_BEAT
    first = np.clip(np.ceil(start * SAMPLES_PER_BEAT - 1e-6).astype(int), 0, samples)
    last = np.clip(np.ceil(end * SAMPLES_PER_BEAT - 1e-6).astype(int), 0, samples)
    pitched = np.isfinite(notes.pitch)  # not a drum
    channels = np.zeros((len(start), 16))
    channels[np.flatnonzero(pitched), notes.pitch[pitched].astype(int) % 12] = 1.0
    channels[:, 12] = 1.0
    channels[:, 13] = notes.loudness
    channels[:, 14] = np.where(pitched, notes.pitch, 0.0)
    channels[:, 15] = pitched
    sounding = np.zeros((samples + 1, 16))
    np.add.at(sounding, first, channels)
    np.add.at(sounding, last, -channels)
    sounding = np.cumsum(sounding[:-1], axis=0).reshape(count, SAMPLES_PER_BEAT, 16)
    voices, tones = sounding[..., 12], sounding[..., 15]
    heard, tuned = voices > 0.5, tones > 0.5
    with np.errstate(invalid="ignore", divide="ignore"):
        loudness = np.where(heard, sounding[..., 13] / voices, 0.0).sum(axis=1) / np.maximum(heard.sum(axis=1), 1)
        pitch = np.where(tuned, sounding[..., 14] / tones, 0.0).sum(axis=1) / tuned.sum(axis=1)  # NaN: no pitch
    chroma = (sounding[..., :12] > 0.5).mean(axis=1)

    onsets, attack = _attacks(np.unique(np.round(start[notes.struck] * 48) / 48), count)  # chords, voices: one

    section = np.zeros(count)
    marked = np.round(grid.seconds_to_beats(notes.sections)).astype(int)
    last_sound = float(end.max())
    useful = (marked > grid.downbeat) & (marked < last_sound - grid.beats_per_bar)  # not the first or last bar
    section[marked[useful]] = 1.0
    return {"attack": attack, "onsets": onsets, "loudness": loudness,
            "register": _register(_fill(pitch)), "harmony": _harmonic_change(chroma),
            "rest": 1.0 - heard.mean(axis=1), "section": section, "chroma": chroma}


# ---------------------------------------------------------------------------------------------------------------
# Audio (librosa, an optional dependency)

AUDIO_HOP = 512  # samples a feature frame, at laban.timing's AUDIO_RATE (its beat tracker's frames are finer)
SILENCE_DB = -40.0  # frames this far below the loudest are silence
NOVELTY_BEATS = 8  # the checkerboard kernel's half width: a section changes over about two bars


def _audio_features(path: Path, grid: BeatGrid) -> dict[str, np.ndarray]:
    """Per-beat features of a recording: frames of librosa's analyses averaged over each beat of the grid."""
    from laban.timing import AUDIO_RATE, read_audio

    signal, rate = read_audio(path), AUDIO_RATE  # the read the beat grid made, not a second one
    import librosa

    count = grid.beat_count
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short files make librosa warn about window sizes
        rms = librosa.feature.rms(y=signal, hop_length=AUDIO_HOP)[0]
        decibels = librosa.amplitude_to_db(rms, ref=np.max(rms))
        chroma = librosa.feature.chroma_stft(y=signal, sr=rate, hop_length=AUDIO_HOP)
        centroid = librosa.feature.spectral_centroid(y=signal, sr=rate, hop_length=AUDIO_HOP)[0]
        mfcc = librosa.feature.mfcc(y=signal, sr=rate, hop_length=AUDIO_HOP, n_mfcc=13)
        onset_frames = librosa.onset.onset_detect(y=signal, sr=rate, hop_length=AUDIO_HOP)
    frames = min(len(rms), chroma.shape[1], len(centroid), mfcc.shape[1])
    beat_of_frame = grid.seconds_to_beats(np.arange(frames) * AUDIO_HOP / rate)
    index = np.floor(beat_of_frame).astype(int)
    keep = (index >= 0) & (index < count)

    def per_beat(values: np.ndarray, empty: float = np.nan) -> np.ndarray:
        values = np.asarray(values)[..., :frames]
        sums = np.stack([np.bincount(index[keep], v[keep], minlength=count) for v in np.atleast_2d(values)], 1)
        frames_in = np.bincount(index[keep], minlength=count)[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(frames_in > 0, sums / np.maximum(frames_in, 1), empty)
        return mean[:, 0] if values.ndim == 1 else mean

    silent = decibels < SILENCE_DB
    rest = per_beat(silent.astype(float), 1.0)
    level = _nan_per_beat(np.where(silent, np.nan, decibels)[:frames], index, keep, count)  # of what sounds
    loudness = np.clip(np.nan_to_num(level, nan=-60.0) / 60.0 + 1.0, 0.0, 1.0)
    pitch = np.where(silent, np.nan, librosa.hz_to_midi(np.maximum(centroid, 1.0)))
    register = _nan_per_beat(pitch[:frames], index, keep, count)
    beat_chroma = per_beat(chroma[:, :frames] * ~silent[:frames], 0.0)  # librosa scales silence up: drop it
    beat_chroma = beat_chroma / np.maximum(beat_chroma.max(axis=1, keepdims=True), 1e-9)
    onsets, attack = _attacks(grid.seconds_to_beats(onset_frames * AUDIO_HOP / rate), count)

    timbre = per_beat(mfcc, 0.0)
    section = np.zeros(count)
    section[novelty_peaks(np.concatenate([beat_chroma, _standardise(timbre)], axis=1), NOVELTY_BEATS)] = 1.0
    return {"attack": attack, "onsets": onsets, "loudness": loudness, "register": _register(_fill(register)),
            "harmony": _harmonic_change(beat_chroma), "rest": rest, "section": section, "chroma": beat_chroma}


def _nan_per_beat(values: np.ndarray, index: np.ndarray, keep: np.ndarray, count: int) -> np.ndarray:
    """Mean of the finite values of each beat's frames; NaN for a beat with none."""
    good = keep & np.isfinite(values)
    sums = np.bincount(index[good], values[good], minlength=count)
    counts = np.bincount(index[good], minlength=count)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


# ---------------------------------------------------------------------------------------------------------------
# Shared pieces


def novelty_peaks(features: np.ndarray, half_width: int, threshold: float = 1.0) -> np.ndarray:
    """Indices where the material changes: Foote's checkerboard kernel slid along the diagonal of the rows'
    cosine self-similarity, peaks at least ``threshold`` standard deviations over the mean novelty and a
    ``half_width`` apart. Used on beats of audio here and on bars of music and dance in ``controls``."""
    features = np.asarray(features, dtype=float)
    n = len(features)
    if n < 2 * half_width + 1 or half_width < 1:
        return np.zeros(0, dtype=int)
    unit = features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-9)
    peaks = _peaks(checkerboard_novelty(unit @ unit.T, half_width), half_width, threshold)
    return peaks[(peaks >= half_width) & (peaks <= n - half_width)]  # the kernel half off the ends: no evidence


def checkerboard_novelty(similarity: np.ndarray, half_width: int) -> np.ndarray:
    """Foote (2000): how much the blocks before and after each index differ, from a (n, n) similarity matrix;
    a Gaussian-tapered kernel, zero padding at the ends (edges weigh less, not more)."""
    n = len(similarity)
    w = half_width
    sign = np.sign(np.arange(-w, w) + 0.5)
    taper = np.exp(-0.5 * ((np.arange(-w, w) + 0.5) / (0.5 * w)) ** 2)
    kernel = np.outer(sign * taper, sign * taper)
    padded = np.zeros((n + 2 * w, n + 2 * w))
    padded[w:w + n, w:w + n] = similarity
    windows = np.lib.stride_tricks.sliding_window_view(padded, (2 * w, 2 * w))
    diagonal = windows[np.arange(n + 1), np.arange(n + 1)]  # index i: the boundary between i - 1 and i
    return np.einsum("kij,ij->k", diagonal, kernel)[:n]


def _peaks(novelty: np.ndarray, spacing: int, threshold: float) -> np.ndarray:
    """Local maxima over ``spacing`` either side that stand ``threshold`` standard deviations above the mean."""
    if novelty.std() < 1e-9:
        return np.zeros(0, dtype=int)
    padded = np.pad(novelty, spacing, constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * spacing + 1)
    is_peak = (novelty >= windows.max(axis=1)) & (novelty > novelty.mean() + threshold * novelty.std())
    peaks = np.flatnonzero(is_peak)
    return peaks[peaks > 0]


def _attacks(beats: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Attacks (beat positions) counted per beat, and whether one falls on the beat. An attack up to ``ON_BEAT``
    before a beat belongs to it (a recording's onsets come a little early or late)."""
    index = np.floor(beats + ON_BEAT).astype(int)
    index = index[(index >= 0) & (index < count)]
    onsets = np.bincount(index, minlength=count).astype(float)
    nearest = np.round(beats)
    on_beat = nearest[(np.abs(beats - nearest) <= ON_BEAT) & (nearest >= 0) & (nearest < count)].astype(int)
    attack = np.zeros(count)
    attack[on_beat] = 1.0
    return _per_piece(onsets), attack


def _per_piece(values: np.ndarray) -> np.ndarray:
    """Counts over the piece's busiest beats (95th percentile of the beats that have any), clipped to [0, 1]:
    a quartet and a solo line are both busy at 1."""
    busy = values[values > 0]
    scale = np.percentile(busy, 95) if busy.size else 1.0
    return np.clip(values / max(scale, 1.0), 0.0, 1.0)


def _fill(values: np.ndarray) -> np.ndarray:
    """NaNs (silent beats) take the last value heard, or the first one for a silent start; all NaN → the middle."""
    finite = np.isfinite(values)
    if not finite.any():
        return np.full(len(values), (LOWEST + HIGHEST) / 2)
    at = np.maximum.accumulate(np.where(finite, np.arange(len(values)), -1))
    at = np.where(at < 0, np.flatnonzero(finite)[0], at)
    return values[at]


def _register(pitch: np.ndarray) -> np.ndarray:
    return np.clip((pitch - LOWEST) / (HIGHEST - LOWEST), 0.0, 1.0)


def _harmonic_change(chroma: np.ndarray) -> np.ndarray:
    """1 − cosine between each beat's pitch classes and those last heard before it (silence changes nothing)."""
    at = np.maximum.accumulate(np.where(chroma.sum(axis=1) > 0, np.arange(len(chroma)), -1))
    held = np.where((at >= 0)[:, None], chroma[np.maximum(at, 0)], 0.0)
    norm = np.linalg.norm(held, axis=1)
    cosine = np.einsum("ij,ij->i", held[1:], held[:-1]) / np.maximum(norm[1:] * norm[:-1], 1e-9)
    change = np.where((norm[1:] > 0) & (norm[:-1] > 0), 1.0 - cosine, 0.0)
    return np.clip(np.concatenate([[0.0], change]), 0.0, 1.0)


def _standardise(values: np.ndarray) -> np.ndarray:
    return (values - values.mean(axis=0)) / np.maximum(values.std(axis=0), 1e-9)


def _one_line(error: BaseException, limit: int = 120) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


__all__ = ["FEATURES", "MusicFeatures", "metrical_strength", "music_features", "novelty_peaks", "paired_music",
           "resolve_music"]
