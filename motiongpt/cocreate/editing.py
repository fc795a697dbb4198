"""What the editing operations share: bars as a person counts them (``laban.algebra``: bar 0 is an upbeat, bar 1
starts at the downbeat) turned into the model's bars, checked in one place; the conditions a dance was made
under, to sample its new bars under the same; and the model's fill-in on staff bar numbers."""

from __future__ import annotations

from .dance import CocreateError, Dance
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
    controls, else None (absent)."""
    music = dance.prompt.get("music")
    if not music or not dance.prompt.get("controls"):
        return None
    from motiongpt.conditioning.music import music_features

    from .generate import music_controls

    features = music_features(_music_path(music), dance.score.beats_per_bar)
    return music_controls(loaded, features, dance.score.grid, bars)


def fill(loaded: Loaded, score, start: int, stop: int, *, text=None, style=None, controls=None, seed: int = 0,
         temperature: float = 1.0, count: int = 1):
    """``count`` scores with the model's bars ``start``..``stop-1`` of ``score`` written anew between the kept
    bars (fill-in-the-middle, in one seeded batch). A symbol tied into them from the kept bars before goes on for
    as long as it did (``ties.TiesKept``): the kept bars keep their symbols whole, and so their motion."""
    from motiongpt.model.generate import variations

    from .ties import TiesKept, kept_ties

    ids = loaded.model.vocabulary.encode(score)

    def processors(grammar):
        return [TiesKept(grammar, kept_ties(grammar.grammar, ids, score.grid, start, stop)), *loaded.processors]

    return variations(loaded.model, score.grid, count, fill_in=(score, start, stop), text=text, style=style,
                      controls=controls, seed=seed, temperature=temperature, processors=processors)


def _music_path(music: str):
    from motiongpt.conditioning.music import resolve_music

    path = resolve_music(music)
    if not path.is_file():
        raise CocreateError(f"{path}: no such file (the music this dance was made on)")
    return path


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
    """One grid from runs of beat times: each run's intervals continued from where the one before ends."""
    import numpy as np

    from laban.timing import BeatGrid

    times = np.asarray(parts[0], dtype=float)
    for part in parts[1:]:
        part = np.asarray(part, dtype=float)
        times = np.concatenate([times, times[-1] + (part[1:] - part[0])])
    return BeatGrid(tuple(times), meter, downbeat)
