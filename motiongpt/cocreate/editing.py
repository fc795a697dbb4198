"""What the editing operations share: bars as a person counts them (``laban.algebra``: bar 0 is an upbeat, bar 1
starts at the downbeat) turned into the model's bars, checked in one place; the conditions a dance was made
under, to sample its new bars under the same; and the model's fill-in on staff bar numbers."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from laban.cells import cell_centre, cell_of
from laban.errors import MusicError
from laban.score import NATURAL_POSITION, Column, Score, Sign, Symbol

from motiongpt.data.paths import found_again

from .dance import CocreateError, Dance, music_as_made
from .models import Loaded


def readable(dance: Dance, vocabulary):
    """The dance's score as the model reads it: itself when the vocabulary can write it (every score the model or
    the tokenizer wrote), else rounded onto the vocabulary's grid (``motiongpt.vocabulary.quantise``: the score
    algebra's zero-length restatements, a hand edit off the quarter beat), with a warning, since then even the
    kept bars are the rounded ones."""
    import warnings

    from motiongpt.vocabulary import VocabularyError, quantise

    try:
        vocabulary.encode(dance.score)
        return dance.score
    except VocabularyError as error:
        rounded = quantise(dance.score, vocabulary.subdivision)
        try:
            vocabulary.encode(rounded)
        except VocabularyError:
            raise CocreateError(f"the model cannot read this score: {error}") from None
        warnings.warn(f"the score was rounded onto the model's grid first ({error})")
        return rounded


def staff_bars(score, vocabulary) -> tuple[int, int]:
    """The first and last bar numbers of ``score`` as the staff counts them."""
    count = len(vocabulary.bar_spans(vocabulary.encode(score)))
    first = 0 if score.grid.downbeat else 1
    return first, first + count - 1


def model_bars(score, vocabulary, first: int, last: int) -> tuple[int, int]:
    """Staff bars ``first``..``last`` as the model's [start, stop) bar indices; bars outside the score, reversed
    or negative are one line."""
    low, high = staff_bars(score, vocabulary)
    for value in (first, last):
        if isinstance(value, bool) or not isinstance(value, int):
            raise CocreateError(f"bars are whole numbers, not {value!r}")
    if first < 0 or last < 0:
        raise CocreateError(f"bars {first}-{last}: bars are counted from {low}, never negative")
    if last < first:
        raise CocreateError(f"bars {first}-{last}: the last bar comes before the first")
    if first < low or last > high:
        raise CocreateError(f"bars {first}-{last} are not bars of this score (it has bars {low}-{high})")
    return first - low, last - low + 1


def controls_for(dance: Dance, loaded: Loaded, bars: int):
    """The per-bar control rows a dance was made under: its music's when its prompt names music and followed its
    controls, else None (absent); absent (-1) too for the bars after ``music_bars``, the last bar danced on that
    music (a dance continued on other music, or past its music at its closing tempo: those bars' controls were
    another music's, or none, and were read as the first music's bars)."""
    music = dance.prompt.get("music")
    if not music or not dance.prompt.get("controls"):
        return None
    from motiongpt.conditioning.music import music_features

    from .generate import music_controls

    with music_as_made(dance.prompt):
        features = music_features(_music_path(dance), dance.score.beats_per_bar).counted_as(dance.score.grid)
    rows = music_controls(loaded, features, dance.score.grid, bars)
    last = dance.prompt.get("music_bars")
    if last is not None:
        first = 0 if dance.score.grid.downbeat else 1  # the staff number of the vocabulary's first bar
        rows[max(last - first + 1, 0):] = -1
    return rows


def fill(loaded: Loaded, score, start: int, stop: int, *, text=None, style=None, controls=None, seed: int = 0,
         temperature: float = 1.0, count: int = 1, steps_on: str = "anywhere", sampling: dict | None = None,
         window: int | None = None):
    """``count`` scores with the model's bars ``start``..``stop-1`` of ``score`` written anew between the kept
    bars (fill-in-the-middle, in one seeded batch). The model reads the bars around them as it was trained to
    (``fill_window``: however long the dance), and the bars written are put back into ``score`` as token runs (a
    bar's tokens do not depend on where it stands), so that every other bar stays as it was, token for token. A
    symbol tied into them from the kept bars before goes on for as long as it did (``ties.TiesKept``): the kept
    bars keep their symbols whole, and so their motion; and the new bars end with a symbol tied into each piece
    the kept bar after them continues (``ties.TiedIntoKept``), so that it reads as it did. ``text``: words for
    the bars written, or phrases of staff bars (those over the window are read); ``controls``: the whole score's
    rows; ``steps_on``: where the new bars' steps land, by name (``generate.STEPS_ON``); ``sampling``: how
    closely the words and music are followed (``generate.followed``; None: the model as it is); ``window``: the
    bars read around them (``FILL_WINDOW_BARS``, as regenerate and vary write since stop 61, and record in their
    lineage), or None: the whole dance, as edits made before, and a blend's bridge, read it."""
    from motiongpt.model.generate import variations

    from .generate import AS_THE_MODEL_IS, STEPS_ON, sampled
    from .ties import TiedIntoKept, TiesKept, kept_ties

    vocabulary = loaded.model.vocabulary
    ids = vocabulary.encode(score)
    total = len(vocabulary.bar_spans(ids))
    low, high = fill_window(vocabulary, score, start, stop, window, total) if window else (0, total)
    whole = (low, high) == (0, total)
    piece = score
    if not whole:
        piece, ids = _window(vocabulary, score, low, high)
        text = _window_words(text, score, piece, low, high)
        controls = None if controls is None else np.asarray(controls)[low:high]
    first, end = start - low, stop - low

    def processors(grammar):
        return [TiesKept(grammar, kept_ties(grammar.grammar, ids, piece.grid, first, end)), TiedIntoKept(grammar),
                *loaded.processors]

    made = variations(loaded.model, piece.grid, count, fill_in=(piece, first, end), text=text, style=style,
                      controls=controls, seed=seed, temperature=temperature, processors=processors,
                      steps_on=STEPS_ON[steps_on], **sampled(sampling or AS_THE_MODEL_IS))
    if whole:
        return made
    header, kept = bars_of(vocabulary, score)
    return [assemble(vocabulary, header, kept[:start] + bars_of(vocabulary, new)[1][first:end] + kept[stop:],
                     score.grid, score.title) for new in made]


# The bars the model reads around the bars it writes (``fill``), as it was trained to fill in: training cuts each
# take into windows of 8 bars (``motiongpt.train.examples``: ``window_bars``) and writes a run of 1 to 4 of them
# last (``MAX_FIM_BARS``), anywhere in the window; so the model has read a fill-in as 8 bars in all, with 0 to 7 of
# them either side. A whole dance read around the bars written is out of what it learnt (and past ~130 bars, past
# what it reads at once): 44 validation phrases of 2 bars regenerated in their takes (11-26 bars, 3 seeds each,
# the built-in model) kept 0.63 of what their words asked read in an 8-bar window, 0.55 read in the whole take.
# A run longer than that leaves it ``FILL_CONTEXT_BARS`` either side (the words-kept bench's own fill-in window).
FILL_WINDOW_BARS = 8
FILL_CONTEXT_BARS = 2


def fill_window(vocabulary, score, start: int, stop: int, window: int = FILL_WINDOW_BARS,
                total: int | None = None) -> tuple[int, int]:
    """The model's bars [low, high) of ``score`` read to write bars ``start``..``stop-1``: ``window`` bars
    in all (at least ``FILL_CONTEXT_BARS`` either side), the bars written in their middle, moved in from the
    dance's ends (where one side has fewer bars, the other reads more, as training's windows place a run anywhere);
    reaching back far enough that nothing begun before it still runs at ``start`` (the written bars then keep
    whole what is tied into them: ``ties.TiesKept``). The whole dance where it is no longer. ``total``: the
    score's bar count as the vocabulary counts it, where the caller has it (else the score is encoded for it)."""
    total = len(vocabulary.bar_spans(vocabulary.encode(score))) if total is None else total
    length = max(window, stop - start + 2 * FILL_CONTEXT_BARS)
    low = start - (length - (stop - start)) // 2
    low = max(0, min(low, total - length))
    high = min(total, low + length)
    starts = np.array([s.start for s in score.symbols], dtype=float)
    ends = np.array([s.end for s in score.symbols], dtype=float)
    running = starts[ends > vocabulary.bar_beat(score.grid, start) + 1e-9]  # what still runs as the new bars begin
    earliest = running.min() if running.size else math.inf
    while low > 0 and vocabulary.bar_beat(score.grid, low) > earliest + 1e-9:
        low -= 1
    return low, high


def _window(vocabulary, score, low: int, high: int):
    """The model's bars [low, high) of ``score`` as a score of their own (``laban.algebra.cut``: the state at the
    cut its starting position), on the vocabulary's grid (a restatement at the cut rounded onto it), and its ids."""
    from laban.algebra import cut
    from motiongpt.vocabulary import VocabularyError, quantise

    shift = 0 if score.grid.downbeat else 1  # the staff number of the vocabulary's first bar
    piece = cut(score, low + shift, high - 1 + shift)
    try:
        ids = vocabulary.encode(piece)
    except VocabularyError:
        piece = quantise(piece, vocabulary.subdivision)
        ids = vocabulary.encode(piece)
    if len(vocabulary.bar_spans(ids)) != high - low:  # (bars cut as the vocabulary counts)
        raise CocreateError(f"bars {low + shift}-{high - 1 + shift} of this score cannot be read on their own")
    return piece, ids


def _window_words(text, score, piece, low: int, high: int):
    """Words for the bars written as the window ``piece`` (the model's bars [low, high) of ``score``) reads them:
    phrases of staff bars cut to the window (``generate.within``) and numbered as its staff counts; words for
    the bars written (or a sentence vector) as they are."""
    from .generate import within

    if not isinstance(text, (list, tuple)):
        return text
    first = low + (0 if score.grid.downbeat else 1)  # the window's first bar, as the dance's staff counts it
    shift = first - (0 if piece.grid.downbeat else 1)
    phrases = within(list(text), first, high - 1 + (0 if score.grid.downbeat else 1))
    return None if phrases is None else [((a - shift, b - shift), words) for (a, b), words in phrases]


# How fast a limb returns where the kept bars expect it (``limbs_returned``): an arm's unhurried swing, so that the
# return is no jolt at the join (an arm returning across the body in one beat at 110 bpm moved the hand at 5-8 m/s,
# beyond the captures' 99th percentile of 4.6), and never in less than a beat.
RETURN_SPEED = 150.0  # degrees a second, between the cells' centres


def limbs_returned(parent, score, low: float, beat: float, quantum: float):
    """``score``, whose beats from ``low`` to ``beat`` were written anew in ``parent``, with every arm, the head
    and the torso back where ``parent`` holds them at ``beat``, where the kept bars take over: a limb keeps the
    place its last sign gave it until its next sign, so a new passage that left an arm elsewhere moved that arm
    in every kept bar after it (a hand 18-20 cm away for bars on end, 3 of 12 regenerated dances). Each such limb
    returns in one sign ending at ``beat``, as long as ``RETURN_SPEED`` needs and at least a beat (within the new
    beats): the new signs of its column in that time give way to it, the one running into it ends where it starts
    (a sign of the kept bars before, tied in, is kept whole, and the return follows it). The legs need nothing (a
    step cancels a leg gesture). A limb the passage leaves as ``parent`` has it is not touched. Returned to the
    same cell, the limb is back on the same spot (the decoder draws where in a cell a limb goes once a dance for
    each cell, ``laban.decoder.gestures.spot``)."""
    symbols = list(score.symbols)
    for column in (Column.TORSO, Column.HEAD, Column.UPPER_ARM_LEFT, Column.UPPER_ARM_RIGHT, Column.FOREARM_LEFT,
                   Column.FOREARM_RIGHT):
        wanted, held = _held(parent, column, beat), _held(score, column, beat)
        if _place(wanted, column) == _place(held, column):
            continue
        direction, level, contraction = _place(wanted, column)
        apart = math.degrees(math.acos(float(np.clip(cell_centre(cell_of(direction, level)) @
                                                     cell_centre(cell_of(*_place(held, column)[:2])), -1.0, 1.0))))
        # the latest start on the grid that leaves the return its time, a beat at least, none before ``low``
        earliest = float(score.grid.seconds_to_beats(score.grid.beats_to_seconds(beat) - apart / RETURN_SPEED))
        start = max(min(beat - 1.0, math.floor(earliest / quantum + 1e-9) * quantum), low)
        mine = [x for x in symbols if x.column is column and x.end > start + 1e-9 and x.start < beat - 1e-9]
        tied = [x for x in mine if x.start < low - 1e-9]  # from the kept bars before: kept whole
        if tied:
            start = math.ceil(max(x.end for x in tied) / quantum - 1e-9) * quantum
            if beat - start < quantum - 1e-9:
                continue
        for x in mine:
            if x in tied:
                continue
            symbols.remove(x)
            if x.start < start - 1e-9:  # runs into the return: ends where it starts
                symbols.append(replace(x, duration=start - x.start))
        symbols.append(Symbol(start, column, beat - start, Sign.DIRECTION, direction, level,
                              contraction=contraction))
    return Score(score.grid, symbols, list(score.starting_position), score.title)


def kept_bars_given_limbs(loaded: Loaded, source, score, start: int, stop: int):
    """``score``, ``source`` with the model's bars ``start``..``stop-1`` written anew (``fill``), with its limbs
    returned where the bars after them expect them (``limbs_returned``); as it was where no bar comes after, or
    where the model's grid cannot write the return."""
    from motiongpt.vocabulary import VocabularyError

    vocabulary = loaded.model.vocabulary
    if stop >= len(vocabulary.bar_spans(vocabulary.encode(source))):
        return score
    returned = limbs_returned(source, score, vocabulary.bar_beat(source.grid, start),
                              vocabulary.bar_beat(source.grid, stop), 1.0 / vocabulary.subdivision)
    try:
        vocabulary.encode(returned)
    except VocabularyError:
        return score
    return returned


def _held(score, column, beat: float):
    """The sign that places ``column``'s limb at ``beat``: its last direction sign begun before it, or the
    starting position's; None where nothing places it (its natural position)."""
    signs = [s for s in score.symbols if s.column is column and s.sign is Sign.DIRECTION and s.start < beat - 1e-9]
    if signs:
        return max(signs, key=lambda s: s.start)
    return next((s for s in score.starting_position if s.column is column and s.sign is Sign.DIRECTION), None)


def _place(symbol, column) -> tuple:
    """Where a sign (None: nothing written) puts its limb: direction, level, contraction."""
    if symbol is None:
        return (*NATURAL_POSITION[column], None)
    return symbol.direction, symbol.level, symbol.contraction


def _music_path(dance: Dance):
    """The music ``dance`` was made on, where it is now (``paths.found_again``)."""
    from motiongpt.conditioning.music import resolve_music

    try:
        return resolve_music(found_again(dance.prompt["music"], dance.path))
    except MusicError as error:
        raise CocreateError(f"{error} (the music this dance was made on)") from None


# --- splicing at the token level ---------------------------------------------------------------------------
# A bar's tokens do not depend on where it stands (docs/vocabulary.md), so bars from different scores are joined
# as token runs: no restated zero-length symbols at the joins (which the score algebra writes and the model's
# vocabulary cannot hold), and the result is a score the model can read again (regenerate a continued dance).


def bars_of(vocabulary, score) -> tuple[list[int], list[list[int]]]:
    """A score's tokens as its header (``<bos> <start>`` and the starting position) and one token run a bar."""
    ids = vocabulary.encode(score)
    spans = vocabulary.bar_spans(ids)
    return ids[:spans[0][0]], [ids[a:b] for a, b in spans]


def assemble(vocabulary, header: list[int], bars: list[list[int]], grid, title: str = ""):
    """The score written by ``header`` and the bars' token runs, on ``grid`` (a ``<cont>`` with nothing tied
    into it starts its symbol at the bar line)."""
    ids = list(header) + [t for bar in bars for t in bar] + [vocabulary.eos_id]
    return vocabulary.to_score(ids, grid, title)


def closing_period(grid, from_beat: int = 0) -> float:
    """Seconds a beat at the end of ``grid``: the median beat from ``from_beat`` on (the last bars' tempo)."""
    import numpy as np

    times = np.asarray(grid.times, dtype=float)[from_beat:]
    return float(np.median(np.diff(times))) if len(times) > 1 else 60.0 / grid.tempo


def beats_through(grid, beats: int):
    """The first ``beats`` + 1 beat times of ``grid``, continued at its closing tempo where it has fewer."""
    import numpy as np

    times = np.asarray(grid.times, dtype=float)[:beats + 1]
    missing = beats + 1 - len(times)
    if missing > 0:
        times = np.concatenate([times, times[-1] + closing_period(grid) * np.arange(1, missing + 1)])
    return times


def joined_grid(parts: list, meter: int, downbeat: int = 0):
    """One grid from runs of beat times: each run's intervals continued from where the one before ends. Runs of
    one steady tempo make that tempo's grid exactly (``laban.formats.json.uniform_times``), not one a float's last
    digits off it: a dance continued at its own 110 bpm was written with every beat's time, not ``tempo: 110``."""
    import numpy as np

    from laban.formats.json import uniform_times
    from laban.timing import BeatGrid

    times = np.asarray(parts[0], dtype=float)
    for part in parts[1:]:
        part = np.asarray(part, dtype=float)
        times = np.concatenate([times, times[-1] + (part[1:] - part[0])])
    if len(times) > 1:
        steady = np.asarray(uniform_times(round(60.0 / (times[1] - times[0]), 6), len(times), float(times[0])))
        if np.abs(steady - times).max() < STEADY:
            times = steady
    return BeatGrid(tuple(times), meter, downbeat)


STEADY = 1e-9  # seconds: beat times this near a steady tempo's are that tempo's (a float's last digits, summed)
