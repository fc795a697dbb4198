"""Per-bar controls that music and dance both yield: how the model learns to follow music without paired music.

The shared dances have no music. What they do have, a piece of music also has: bars that are busier than others
(energy), beats that are struck (accents), places where a phrase or a section begins (phrase), and bars that come
back (repeat). Each is computed from the dance's score (or its motion) at training time and from the music at
generation time, then quantised to a few levels by rank *within the piece*, so the model sees one small vocabulary
of control values whichever side they came from, and a dance trained on "energy 3 here" dances energetically
where the music is loudest and busiest. ``docs/conditioning.md`` explains each pairing and its limits.

Bars are the grid's: bar 1 starts on ``grid.downbeat``, an upbeat is bar 0 (as in ``laban.describe``), and bar
``b``'s beat slots run 0 .. beats_per_bar − 1 (an upbeat's beats sit at the end of its bar, as they are played).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from laban.motion import Motion, Trajectories
from laban.score import SUPPORT_COLUMNS, Column, Score
from laban.timing import BeatGrid

from .music import ON_BEAT, MusicFeatures, _peaks, checkerboard_novelty

LEVELS = {"energy": 4, "accents": 2, "phrase": 3, "repeat": 2}  # how many values each control takes
PHRASE_BARS = 4  # music's phrases: every this many bars after a section starts (the commonest hypermeter)
SECTION_BARS = 4  # the novelty kernel's half width in bars: a section is at least this long
MUSIC_REPEAT = 0.9  # correlation of two bars' centred music features from which the later repeats the earlier
DANCE_REPEAT = 0.6  # share of symbols (Jaccard) two bars must have in common for the later to repeat the earlier


@dataclass(frozen=True)
class BarControls:
    """One row per bar (``bars``: bar numbers, first to last).

    - ``energy`` (bars,) 0–3: rank of ``energy_raw`` within the piece, in quarters.
    - ``accents`` (bars, beats_per_bar) 0/1: beats that are struck (music) / stepped on (dance).
    - ``phrase`` (bars,) 0–2: 2 where a section starts, 1 where a phrase starts, 0 inside one.
    - ``repeat`` (bars,) 0/1: the bar repeats an earlier bar, ``repeat_of`` (bars,) its bar number, else −1.
    - ``energy_raw`` (bars,) float32: what was ranked (music: loudness + onset density in [0, 1]; dance: symbols
      and moving columns a bar, or kinetic energy in m²/s² per joint when the motion is given).
    """

    bars: np.ndarray
    beats_per_bar: int
    energy: np.ndarray
    accents: np.ndarray
    phrase: np.ndarray
    repeat: np.ndarray
    repeat_of: np.ndarray
    energy_raw: np.ndarray
    source: str = "music"

    def __len__(self) -> int:
        return len(self.bars)

    def as_dict(self) -> dict:
        """Plain JSON types, one list a control."""
        return {"bars": self.bars.tolist(), "beats_per_bar": self.beats_per_bar, "source": self.source,
                "energy": self.energy.tolist(), "accents": self.accents.tolist(), "phrase": self.phrase.tolist(),
                "repeat": self.repeat.tolist(), "repeat_of": self.repeat_of.tolist(),
                "energy_raw": [round(float(v), 6) for v in self.energy_raw]}


# ---------------------------------------------------------------------------------------------------------------
# From music


def controls_from_music(features: MusicFeatures) -> BarControls:
    """The controls of a piece: energy from loudness and onset density, accents from struck strong or salient
    beats, sections from the notation's markers (or audio novelty) and from where the bars' material changes,
    phrases every ``PHRASE_BARS`` bars after a section, repeats from bars whose features correlate."""
    grid, f = features.grid, features.per_beat
    beats = max(grid.beat_count - 1, 1)  # the last grid beat marks the end of the piece
    bar, slot, numbers = _layout(grid, beats)
    rows = bar - numbers[0]
    n = grid.beats_per_bar

    salience = (f["loudness"] + f["onsets"])[:beats]
    raw = _bar_mean(salience / 2.0, rows, len(numbers))

    struck = f["attack"][:beats] > 0
    typical = np.median(salience[struck]) if struck.any() else 0.0
    accented = struck & ((f["metrical"][:beats] >= 0.5) | (salience >= typical))
    accents = np.zeros((len(numbers), n), dtype=np.int8)
    accents[rows[accented], slot[accented]] = 1

    per_slot = np.concatenate([f["chroma"], f["onsets"][:, None], f["attack"][:, None], f["loudness"][:, None],
                               f["register"][:, None]], axis=1)[:beats]
    vectors = np.zeros((len(numbers), n, per_slot.shape[1]))
    vectors[rows, slot] = per_slot
    vectors = vectors.reshape(len(numbers), -1)
    centred = vectors - vectors.mean(axis=0)
    unit = centred / np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9)
    similarity = unit @ unit.T
    similarity[np.linalg.norm(centred, axis=1) < 1e-9] = 0.0  # a bar that is the average bar says nothing

    marked = np.zeros(len(numbers), dtype=bool)
    marked[rows[f["section"][:beats] > 0]] = True
    sections = marked | _novelty(similarity)
    phrase = _phrases_after_sections(sections, numbers)
    repeat, repeat_of = _repeats(similarity, MUSIC_REPEAT, numbers)
    return BarControls(numbers, n, rank_levels(raw, LEVELS["energy"]), accents, phrase, repeat, repeat_of,
                       raw.astype(np.float32), "music")


# ---------------------------------------------------------------------------------------------------------------
# From a dance


def controls_from_score(score: Score, motion: Motion | Trajectories | None = None) -> BarControls:
    """The controls of a dance, on its score's grid: energy from how much is written a bar (or, given the
    ``motion`` the score was written from, its kinetic energy a bar), accents from steps and jumps that start on a
    beat, phrases from ``laban.description.phrase_spans`` (phrasing "auto"), sections from where the bars' material
    changes, repeats from bars that share most of their symbols."""
    from laban.description import phrase_spans

    grid = score.grid
    beats = max(int(np.ceil(score.duration - 1e-6)), 1)
    bar, slot, numbers = _layout(grid, beats)
    count, n = len(numbers), grid.beats_per_bar
    first_bar = int(numbers[0])

    symbols = score.symbols
    starts = np.array([s.start for s in symbols], dtype=float)
    rows = np.clip(_bar_of(grid, np.floor(starts + 1e-9)) - first_bar, 0, count - 1) if symbols else np.zeros(0, int)

    if motion is not None:
        raw = _kinetic_per_bar(motion, grid, first_bar, count)
    else:
        written = np.bincount(rows, minlength=count).astype(float)
        columns = {(int(r), s.column) for r, s in zip(rows, symbols)}
        moving = np.bincount([r for r, _ in columns], minlength=count).astype(float) if columns else 0.0
        raw = written + moving

    accents = np.zeros((count, n), dtype=np.int8)
    for s, start in zip(symbols, starts):
        if (s.column in SUPPORT_COLUMNS or s.column is Column.CENTRE) and abs(start - round(start)) <= ON_BEAT:
            beat = int(round(start))
            if beat < beats:
                accents[bar[beat] - first_bar, slot[beat]] = 1

    keys: list[set] = [set() for _ in range(count)]
    for s, start, r in zip(symbols, starts, rows):
        within = start - _bar_start(grid, int(numbers[r]))
        turn = None if s.turn is None else round(s.turn * 8)
        keys[r].add((s.column, s.sign, s.direction, s.level, turn, round(within * 2) / 2))
    similarity = _jaccard(keys)

    phrase = np.zeros(count, dtype=np.int8)
    for first, _ in phrase_spans(score, phrasing="auto"):
        at = max(first, 1) - first_bar  # a phrase from the upbeat is marked on bar 1 (an upbeat alone has none)
        if at < count:
            phrase[at] = 1
    sections = _novelty(similarity)
    sections[min(1 - first_bar, count - 1)] = True
    phrase[sections] = 2
    if first_bar == 0 and count > 1:
        phrase[0] = 0
    repeat, repeat_of = _repeats(similarity, DANCE_REPEAT, numbers)
    return BarControls(numbers, n, rank_levels(raw, LEVELS["energy"]), accents, phrase, repeat, repeat_of,
                       np.asarray(raw, dtype=np.float32), "motion" if motion is not None else "score")


# ---------------------------------------------------------------------------------------------------------------
# Shared pieces


def rank_levels(values: np.ndarray, levels: int) -> np.ndarray:
    """Quantise by rank within the piece into ``levels`` equal shares (ties share the average rank, so equal
    values get equal levels): the loudest quarter of a piece's bars is energy 3 whatever its absolute volume."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return np.zeros(0, dtype=np.int8)
    ordered = np.sort(values)
    rank = (np.searchsorted(ordered, values, "left") + np.searchsorted(ordered, values, "right") - 1) / 2.0
    return np.clip(np.floor(rank * levels / len(values)), 0, levels - 1).astype(np.int8)


def _layout(grid: BeatGrid, beats: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For beats 0 .. beats − 1: their bar numbers and slots in the bar, and the bar numbers in order."""
    index = np.arange(beats)
    bar = _bar_of(grid, index)
    slot = (index - grid.downbeat) % grid.beats_per_bar
    return bar, slot, np.arange(bar[0], bar[-1] + 1)


def _bar_of(grid: BeatGrid, beats: np.ndarray) -> np.ndarray:
    """Bar numbers of whole beats (bar 0 is the upbeat)."""
    beats = np.asarray(beats)
    return np.where(beats < grid.downbeat, 0, 1 + (beats - grid.downbeat) // grid.beats_per_bar).astype(int)


def _bar_start(grid: BeatGrid, bar: int) -> float:
    return 0.0 if bar <= 0 else float(grid.downbeat + (bar - 1) * grid.beats_per_bar)


def _bar_mean(values: np.ndarray, rows: np.ndarray, count: int) -> np.ndarray:
    return np.bincount(rows, values, minlength=count) / np.maximum(np.bincount(rows, minlength=count), 1)


def _kinetic_per_bar(motion: Motion | Trajectories, grid: BeatGrid, first_bar: int, count: int) -> np.ndarray:
    """Mean kinetic energy a bar (unit mass a joint: mean over joints of |velocity|², m²/s²)."""
    traj = motion.trajectories() if isinstance(motion, Motion) else motion
    velocity = np.gradient(traj.positions, axis=0) * traj.fps
    energy = np.einsum("tjk,tjk->t", velocity, velocity) / velocity.shape[1]
    beats = np.floor(grid.seconds_to_beats(np.arange(traj.frame_count) / traj.fps)).astype(int)
    rows = _bar_of(grid, beats) - first_bar
    inside = (beats >= 0) & (rows >= 0) & (rows < count)
    return _bar_mean(energy[inside], rows[inside], count)


def _jaccard(keys: list[set]) -> np.ndarray:
    """Shared symbols over all symbols of two bars; two empty bars (stillness) are alike."""
    count = len(keys)
    similarity = np.eye(count)
    for i in range(count):
        for j in range(i):
            union = len(keys[i] | keys[j])
            similarity[i, j] = similarity[j, i] = len(keys[i] & keys[j]) / union if union else 1.0
    return similarity


def _novelty(similarity: np.ndarray) -> np.ndarray:
    """Bars where a new section's material begins (Foote novelty peaks of the bars' self-similarity)."""
    sections = np.zeros(len(similarity), dtype=bool)
    if len(similarity) >= 2 * SECTION_BARS + 1:
        peaks = _peaks(checkerboard_novelty(similarity, SECTION_BARS), SECTION_BARS, 1.0)
        sections[peaks[(peaks >= SECTION_BARS) & (peaks <= len(similarity) - SECTION_BARS)]] = True
    return sections


def _phrases_after_sections(sections: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """2 on section starts (and bar 1), 1 every ``PHRASE_BARS`` bars after the latest section start."""
    phrase = np.zeros(len(numbers), dtype=np.int8)
    sections = sections.copy()
    sections[numbers == 1] = True
    sections[numbers == 0] = False
    last = None
    for i in range(len(numbers)):
        if sections[i]:
            phrase[i], last = 2, i
        elif last is not None and (i - last) % PHRASE_BARS == 0:
            phrase[i] = 1
    return phrase


def _repeats(similarity: np.ndarray, threshold: float, numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each bar, the most similar earlier bar if it is similar enough."""
    earlier = np.tril(similarity, -1) + np.triu(np.full_like(similarity, -np.inf))
    best = earlier.argmax(axis=1) if len(similarity) else np.zeros(0, dtype=int)
    found = earlier[np.arange(len(similarity)), best] >= threshold
    found[0:1] = False
    return found.astype(np.int8), np.where(found, numbers[best], -1)
