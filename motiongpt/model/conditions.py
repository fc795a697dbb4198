"""Conditioning values in the model's terms, from the package's own types (no torch needed).

``control_rows`` turns per-bar controls (``motiongpt.conditioning.controls.BarControls``, read by attribute so
this module does not depend on it) into the (bars, K) integer array the model takes: one row per ``<bar>`` of the
vocabulary (the first ``<bar>`` is the upbeat bar when there is one), -1 where a bar has no controls.

``fact_rows`` does the same for words: each phrase's facts (``laban.facts_from_text`` of its words: step count,
step direction, turn, jumps, arm level) on every bar of the phrase, with the bar's place in it. A sentence vector
alone did not carry these (the built-in model trained on one followed words no better than chance: 0.40 against
a random phrase's 0.39), while a few discrete facts per bar are what the describer's words state exactly, so the
model learns them from a small corpus; the vector stays for what facts do not say (mood, style words).
"""

from __future__ import annotations

import numpy as np

from laban.timing import BeatGrid

from laban.score import Direction, Level

from .config import CONTROL_LEVELS, CONTROL_NAMES, FACT_LEVELS, FACT_NAMES

DIRECTIONS, LEVELS = list(Direction), list(Level)
HELD_TURN = 8  # eighths: the most turn a phrase's facts hold either way (one whole turn: the model's turn levels)
UNSAID = 1 << 20  # a turn no phrase's words state (``turn_bounds``, ``steering.TurnAsked``)


def accent_mask(accents: np.ndarray) -> np.ndarray:
    """(bars, beats) 0/1 → (bars,) bit masks: bit b set when beat b of the bar is struck (first 8 beats)."""
    accents = np.asarray(accents, dtype=np.int64)[:, :8]
    return (accents.clip(0, 1) << np.arange(accents.shape[1])).sum(1)


def control_rows(controls, grid: BeatGrid, bars: int, names=CONTROL_NAMES) -> np.ndarray:
    """(bars, K) levels for the ``bars`` bars the vocabulary writes on ``grid``, from an object with ``bars``
    (bar numbers: an upbeat is bar 0, the first full bar 1) and one attribute per control name (``accents``
    per beat, turned into a bit mask)."""
    rows = np.full((bars, len(names)), -1, dtype=np.int64)
    first = 0 if grid.downbeat else 1  # the bar number of the vocabulary's first <bar>
    numbers = np.asarray(controls.bars, dtype=np.int64)
    for k, name in enumerate(names):
        values = np.asarray(getattr(controls, name))
        values = accent_mask(values) if name == "accents" else values.astype(np.int64)
        for number, value in zip(numbers, values):
            if 0 <= number - first < bars:
                rows[number - first, k] = value
    return rows


def paced(controls, phrases, grid: BeatGrid, bars: int, names=CONTROL_NAMES, levels=CONTROL_LEVELS
          ) -> np.ndarray | None:
    """As words were read at stop 62 (``laban.description.text.pace_in_lengths`` false; since, the pace is written
    in the symbols' lengths, ``pace_rows``): ``controls`` ((bars, K) levels, or None) with the energy of each phrase
    whose words say its pace
    (``laban.PhraseFacts.pace``: "a slow solo", "lively") moved into that half of its levels: on music a bar's level
    is halved into it (slow 0, 0, 1, 1; lively 2, 2, 3, 3), so that the dance still rises where the music does;
    where a bar has no level (no music) the half's end, 0 or 3, the other controls left absent. Why the energy: it
    is the control the model learned each capture's kinetic energy a bar from, in quarters of its own bars, and a
    slow phrase is a calm one (docs/model.md, "Slow and lively": fewer symbols a bar and slower joints).
    ``controls`` as given where no phrase says its pace."""
    said = [(span, facts.pace) for span, facts in phrases if facts.pace is not None]
    if not said or "energy" not in names:
        return controls
    rows = np.full((bars, len(names)), -1, dtype=np.int64) if controls is None else np.array(controls, dtype=np.int64)
    if rows.shape != (bars, len(names)):
        return controls  # refused with its one-line error where the controls become tensors
    k = list(names).index("energy")
    half = int(levels[k]) // 2
    for (first, last), pace in said:
        span = phrase_rows(first, last, grid, len(rows))
        level = rows[span, k]
        rows[span, k] = np.where(level >= 0, level * half // int(levels[k]), half - 1 if pace > 0 else 0) + (
            half if pace > 0 else 0)
    return rows


def pace_rows(phrases, grid: BeatGrid, bars: int) -> np.ndarray | None:
    """(bars,) the pace each bar's phrase says (``laban.PhraseFacts.pace``: -1 slow, +1 lively, 0 unsaid), for the
    ``bars`` bars the vocabulary writes on ``grid``: the lengths ``steering.PaceAsked`` tilts. None where no phrase
    says one, or where words are read as before stop 63 (``laban.description.text.pace_in_lengths``: ``paced``
    moved the energy control instead)."""
    from laban.description.text import pace_in_lengths

    if not pace_in_lengths():
        return None
    out = _counts(phrases, grid, bars, lambda facts: facts.pace or None, absent=0)
    return out if out.any() else None


def repeat_rows(controls, grid: BeatGrid, bars: int) -> dict[int, int]:
    """Bar → the earlier bar whose material it repeats, for the ``bars`` bars the vocabulary writes on ``grid``
    (``generate.variations(repeats=...)``), from an object with ``bars``, ``repeat`` and ``repeat_of`` (bar
    numbers as the staff counts them, as ``control_rows`` reads them)."""
    first = 0 if grid.downbeat else 1  # the bar number of the vocabulary's first <bar>
    pairs = zip(np.asarray(controls.bars), np.asarray(controls.repeat), np.asarray(controls.repeat_of))
    return {int(b) - first: int(o) - first for b, r, o in pairs if r and 0 <= o - first < b - first < bars}


def fact_values(facts) -> dict[str, int]:
    """A phrase's facts (``laban.PhraseFacts``, read by attribute) as levels, -1 where the words leave one open."""
    top = dict(zip(FACT_NAMES, FACT_LEVELS))
    steps, direction, turn, jumps, arms = (facts.steps, facts.step_direction, facts.turn, facts.jumps,
                                           facts.arm_level)
    return {"steps": -1 if steps is None else min(int(steps), top["steps"] - 1),
            "step_direction": -1 if direction is None else DIRECTIONS.index(direction),
            "turn": -1 if turn is None else max(-HELD_TURN, min(HELD_TURN, int(turn))) + HELD_TURN,
            "jumps": -1 if jumps is None else min(int(jumps), top["jumps"] - 1),
            "arm_level": -1 if arms is None else LEVELS.index(arms)}


def fact_rows(phrases, grid: BeatGrid, bars: int, names=FACT_NAMES) -> np.ndarray:
    """(bars, F) levels for the ``bars`` bars the vocabulary writes on ``grid``, from ``((first, last), facts)``
    phrases (staff bar numbers: an upbeat is bar 0): each bar of a phrase gets the phrase's facts, its place in
    the phrase (``phrase_bar`` from 0) and the phrase's length (``phrase_bars`` from 1, stored less one), capped at
    the top level; bars no phrase covers stay -1."""
    top = dict(zip(FACT_NAMES, FACT_LEVELS))
    rows = np.full((bars, len(names)), -1, dtype=np.int64)
    first_bar = 0 if grid.downbeat else 1
    for (first, last), facts in phrases:
        values = fact_values(facts)
        length = last - first + 1
        for number in range(first, last + 1):
            row = number - first_bar
            if not 0 <= row < bars:
                continue
            values.update(phrase_bar=min(number - first, top["phrase_bar"] - 1),
                          phrase_bars=min(length, top["phrase_bars"]) - 1)
            rows[row] = [values.get(name, -1) for name in names]
    return rows


def jump_bounds(phrases, grid: BeatGrid, bars: int) -> np.ndarray:
    """(bars,) the jumps each bar's phrase counts, for the ``bars`` bars the vocabulary writes on ``grid``, -1 where
    its words do not count them (``PhraseFacts.jumps_counted``: "a jump" is one, "jump, balance" at least one) or
    no phrase covers it: how many flights a phrase may write (``steering.JumpAsked``)."""
    return _counts(phrases, grid, bars, lambda facts: facts.jumps if facts.jumps_counted else None)


def step_bounds(phrases, grid: BeatGrid, bars: int) -> np.ndarray:
    """(bars,) the steps each bar's phrase counts, as ``jump_bounds``: how many steps a phrase may write
    (``steering.StepsAsked``). The count as said, where the fact rows hold it only up to their top level ("eight or
    more"): read from the rows, "eight steps forward" was bounded by nothing, and the built-in model wrote 14-19."""
    return _counts(phrases, grid, bars, lambda facts: facts.steps)


def _counts(phrases, grid: BeatGrid, bars: int, count, absent: int = -1) -> np.ndarray:
    """(bars,) ``count(facts)`` of each bar's phrase, ``absent`` where it is None or no phrase covers the bar."""
    out = np.full(bars, absent, dtype=np.int64)
    for (first, last), facts in phrases:
        if (n := count(facts)) is not None:
            out[phrase_rows(first, last, grid, bars)] = n
    return out


def phrase_rows(first: int, last: int, grid: BeatGrid, bars: int) -> np.ndarray:
    """The rows of staff bars ``first``..``last`` among the ``bars`` bars the vocabulary writes on ``grid`` (its
    first bar is staff bar 0, the upbeat, where the grid has one, else bar 1), those outside left out."""
    rows = np.arange(first, last + 1) - (0 if grid.downbeat else 1)
    return rows[(rows >= 0) & (rows < bars)]


def turn_bounds(phrases, grid: BeatGrid, bars: int) -> np.ndarray | None:
    """(bars,) the turn each bar's phrase asks, in eighths (positive to the right), ``UNSAID`` where its words say
    none or no phrase covers it, for the ``bars`` bars the vocabulary writes on ``grid``: the turn budget
    (``steering.TurnAsked``), as ``step_bounds`` is the steps'. The amount as said ("two pirouettes": 16), where the
    fact rows hold at most ``HELD_TURN`` (the model's trained levels, which the model is still given): read from the
    rows, the budget kept such a phrase within an eighth of one whole turn, and the built-in model wrote about one.
    No more than the phrase's bars hold at the fastest turn a dancer was captured making (``turns_held``). None
    where words are read as before 2026-12-07 (``laban.description.text.turns_read_whole``): the rows' turn then."""
    from laban.description.text import turns_read_whole

    if not turns_read_whole():
        return None
    out = np.full(bars, UNSAID, dtype=np.int64)
    for (first, last), asked, most in turns_held(phrases, grid):
        out[phrase_rows(first, last, grid, bars)] = np.sign(asked) * min(abs(asked), most)
    return out


def turns_held(phrases, grid: BeatGrid) -> list[tuple[tuple[int, int], int, int]]:
    """``((first, last), eighths asked, the most eighths its bars hold)`` of each phrase whose words ask a turn:
    the most a turn of ``plausibility.FASTEST_TURN`` turns a second covers in the phrase's bars on ``grid`` (staff
    bars), in whole eighths, as ``plausibility.TurnLimit`` lets a sample turn and ``mended`` cuts a turn: "32
    fouettés" in 4 bars at 120 bpm hold 236 eighths (29.5 turns)."""
    from laban.algebra import bar_start
    from motiongpt.plausibility import FASTEST_TURN

    held = []
    for (first, last), facts in phrases:
        if facts.turn is None:
            continue
        seconds = float(grid.beats_to_seconds(bar_start(grid, last + 1)) - grid.beats_to_seconds(
            bar_start(grid, first)))
        held.append(((first, last), int(facts.turn), int(np.floor(FASTEST_TURN * seconds * 8 + 1e-9))))  # eighths
    return held


def word_phrases(text, grid: BeatGrid, bars: int) -> tuple[str, list]:
    """A prompt's words as ``(all the words, [((first, last), facts), ...])``: a string covers the whole dance
    (bars 1..``bars``, from the upbeat bar 0 when ``grid`` has one), a list of ``((first, last), words)`` pairs
    covers those bars each; words for more than 8 bars ask of each 8 of them (``laban.description.prompt_spans``)."""
    from laban.description import facts_from_text, prompt_spans

    first_bar = 0 if grid.downbeat else 1
    if isinstance(text, str):
        pairs = [((first_bar, first_bar + bars - 1), text)]
    else:
        pairs = [((int(a), int(b)), str(words)) for (a, b), words in text]
        last = first_bar + bars - 1
        for (a, b), _ in pairs:
            if not first_bar <= a <= b <= last:
                from laban.errors import LabanError

                raise LabanError(f"words for bars {a}-{b}: the dance has bars {first_bar}-{last}")
    phrases = []
    for (a, b), words in pairs:
        facts = facts_from_text(words)
        phrases += [(span, facts) for span in prompt_spans(a, b)]
    return " ".join(words for _, words in pairs), phrases


def words_kept(score, phrases) -> float:
    """The share of what ``phrases`` (``((first, last), facts)``, as ``word_phrases`` reads a prompt) ask that
    ``score`` does, element by element (``laban.words_followed``); 1 when nothing is asked."""
    from laban.description import phrase_facts, words_followed

    asked = [ok for (first, last), facts in phrases
             for ok in words_followed(facts, phrase_facts(score, (first, last))).values()]
    return float(np.mean(asked)) if asked else 1.0


def energy_followed(score, energy: np.ndarray, motion=None) -> float:
    """How closely the dance's per-bar kinetic energy follows ``energy`` (the music's energy control, one level a
    vocabulary bar, -1 where absent): Spearman ρ over the bars with a level, in [-1, 1]; 0 when either side does
    not vary. The energy is the decoded motion's (``laban.decode``, or ``motion`` when given), measured as
    ``controls_from_score(score, motion).energy_raw`` measures a capture's: what a person sees in the dance, not
    how much is written (more symbols a bar is not more motion: many small arm signs against one long step)."""
    from laban import decode
    from motiongpt.conditioning.controls import controls_from_score

    motion = decode(score) if motion is None else motion
    danced = controls_from_score(score, motion)
    rows = np.asarray(danced.bars, dtype=np.int64) - (0 if score.grid.downbeat else 1)
    levels = np.asarray(energy, dtype=float)
    inside = (rows >= 0) & (rows < len(levels))
    rows, kinetic = rows[inside], np.asarray(danced.energy_raw, dtype=float)[inside]
    asked = levels[rows]
    known = asked >= 0
    return spearman(asked[known], kinetic[known])


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation (``scipy.stats.spearmanr``: ties share their average rank), 0 when either side
    does not vary or has fewer than 3 values (nothing to follow)."""
    from scipy.stats import spearmanr

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(spearmanr(a, b).statistic)
