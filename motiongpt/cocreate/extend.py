"""Continue a dance (or a motion capture, tokenized first) by N bars: on new music, on the rest of the music the
dance was made on, or at its closing tempo.

The model continues the dance's last ``CONTEXT_BARS`` bars (cut with ``laban.algebra.cut`` so that they stand on
their own, on a steady grid of the dance's closing tempo, or followed by the new music's beats, or on its own
music's beats and the next bars' controls); the new bars are appended to the dance's own as token runs (a bar's
tokens do not depend on where it stands), on the dance's grid continued by the new beats. Every bar of the dance
is kept as it was, and since the decoder is bar-local its motion too, up to the last beat before the join. The
model writes from the dance as it stands: its last bar closed (``closed``), the weight it ends on held to the bar
line where its supports end short of it (``laban.algebra.hold_to``: the one change to a kept bar, which the dance
was performed with), and in the first new bar no weight held on a foot that bears none at the join
(``onsets.WeightHeld``), the three ways a continuation jolted at the join.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from laban.errors import LabanError, naming

from motiongpt.data.paths import file_digest, recorded_path

from .dance import CocreateError, Dance, Lineage, music_as_made
from .editing import assemble, bars_of, beats_through, joined_grid, readable, staff_bars
from .generate import MUSIC_GUIDANCE, TOP_P, WORDS_GUIDANCE, MusicTooShort, sampled
from .models import Loaded, style_for
from .onsets import WeightHeld, weight_at

CONTEXT_BARS = 4  # bars of the dance the model continues from (as a long generation's later passes do)


class MusicRanOut(CocreateError):
    """The music a dance was made on has fewer bars after the dance's (``left``) than were asked for (``asked``):
    the command line says to give other music with its ``--music``, the studio in the page's own words."""

    def __init__(self, left: int, asked: int):
        super().__init__(f"the music has {left} bar{'' if left == 1 else 's'} after this dance's, fewer than the "
                         f"{asked} asked for (give --music for other music)")
        self.left, self.asked = left, asked


def from_capture(path: str | Path, *, meter: int = 4, bpm: float | None = None, fps: float | None = None,
                 mapping: dict[str, str] | None = None) -> Dance:
    """A motion capture (BVH, Kinect CSV, npz) as a dance: its score by ``laban.tokenize`` on its own pulse (or
    a steady ``bpm``), performed on the capture's own skeleton when it is a BVH. ``fps``: its real frame rate
    where the file says another (the CMU salsa takes); ``mapping``: body parts its skeleton's names do not say
    (``laban.read_motion``). The prompt records them, so that it can be tokenized again as it was."""
    from laban import analyse, beat_grid, read_motion, tokenize

    path = Path(path)
    if not path.is_file():
        raise CocreateError(f"{path}: no such file")
    try:
        motion = read_motion(path, frame_rate=fps, mapping=mapping)
        analysis = analyse(motion)
        grid = beat_grid(bpm=bpm, motion=analysis, meter=meter) if bpm else beat_grid(motion=analysis, meter=meter)
        score = tokenize(analysis, grid, title=path.stem)
    except LabanError as error:  # a skeleton or a motion refused after the file was read: the file named
        raise naming(path, error) from None
    lineage = Lineage("capture", ({"path": recorded_path(path), "file": file_digest(path)},), seed=0,
                      settings={"meter": meter, "bpm": bpm})
    read = {**({"fps": fps} if fps else {}), **({"map": dict(mapping)} if mapping else {})}  # only where given
    # the file named whole, so that the dance is made again from wherever its lineage is read
    return Dance(score, {"capture": recorded_path(path), "meter": meter, "bpm": bpm, **read}, lineage, None,
                 path if path.suffix.lower() == ".bvh" else None)


def continue_dance(dance: Dance, loaded: Loaded, bars: int, *, music: str | None = None, text: str | None = None,
                   seed: int = 0, temperature: float = 1.0, steps_on: str | None = None,
                   guidance: float = WORDS_GUIDANCE, music_guidance: float = MUSIC_GUIDANCE, top_p: float = TOP_P,
                   best_of: int | None = None) -> Dance:
    """``dance`` followed by ``bars`` new bars written by the model under the dance's words (or ``text``) and
    style; on ``music``'s beats and per-bar controls when given (its steps on the beat); else, for a dance made on
    music, on that music's next bars (``_own_grid``); else at the dance's closing tempo (its steps where the dance
    put them: ``steps_of``); ``steps_on`` names where the new bars' steps land instead (``generate.STEPS_ON``).
    The new bars follow their words (and music) as ``generate`` writes a dance (``guidance``, ``music_guidance``,
    ``top_p``, ``best_of``: ``generate.followed``, of the bars added), and the lineage records how."""
    from laban.algebra import bar_start, cut, hold_to
    from motiongpt.model.generate import variations

    from .generate import STEPS_ON, closing_words, followed, steps_named, steps_of, worded, worded_prompt

    if isinstance(bars, bool) or not isinstance(bars, int) or bars < 1:
        raise CocreateError(f"continue by a whole number of bars from 1, not {bars!r}")
    vocabulary = loaded.model.vocabulary
    source = readable(dance, vocabulary)
    low, high = staff_bars(source, vocabulary)
    # the weight the dance ends on held to its last bar line, as it was performed: with bars after it, an empty
    # time there would be a jump (a dance ending a step 0.75 beat short leapt from it once continued: 43 mm)
    source = hold_to(source, bar_start(source.grid, high + 1))
    first = max(low if low > 0 else 1, high - CONTEXT_BARS + 1)
    context = cut(source, first, high)
    kept = high - first + 1
    own = None  # a dance made on music goes on with that music's next bars
    if music is None and dance.prompt.get("music"):
        own = _own_grid(loaded, dance, source, first, high, bars)
    grid, controls, repeats, sources = own or (*_grid(loaded, source, first, kept, bars, music), None)
    words = text if text is not None else closing_words(dance, high)
    steps = steps_named(steps_on, music) if steps_on or music else steps_of(dance)
    weight = weight_at(source, bar_start(source.grid, high + 1))
    sampling = followed(bars, guidance=guidance, music_guidance=music_guidance, top_p=top_p, best_of=best_of)
    written = variations(loaded.model, grid, 1, continue_from=closed(vocabulary, context), bars=kept + bars,
                         controls=controls, repeats=repeats, sources=sources, text=words,
                         style=style_for(loaded, dance), seed=seed, temperature=temperature, steps_on=STEPS_ON[steps],
                         processors=lambda grammar: [WeightHeld(grammar, kept, weight), *loaded.processors],
                         **sampled(sampling))[0]
    header, kept_bars = bars_of(vocabulary, source)
    new_bars = bars_of(vocabulary, written)[1][kept:kept + bars]
    meter = source.beats_per_bar
    old_times = beats_through(source.grid, bar_start(dance.score.grid, high + 1))
    full = joined_grid([old_times, np.asarray(grid.times)[kept * meter:]], meter, dance.score.grid.downbeat)
    score = assemble(vocabulary, header, kept_bars + new_bars, full, dance.score.title)
    prompt = {**dance.prompt, "text": words, "bars": high - low + 1 + bars, "steps_on": steps}
    if own is None and dance.prompt.get("music"):  # the new bars are not on the dance's music: it ends before them
        prompt["music_bars"] = min(dance.prompt.get("music_bars", high), high)
    if dance.phrases is not None or text is not None:  # worded bar by bar from now on: the new bars one more phrase
        added = [((high + 1, high + bars), words)] if words else []
        prompt = worded_prompt(prompt, worded(dance, low, high) + added)
    return dance.child(score, "continue", prompt=prompt, bars=(high + 1, high + bars), text=words, seed=seed,
                       settings={"added_bars": bars,
                                 "music": recorded_path(music) or (dance.prompt["music"] if own else None),
                                 **({"music_file": digest} if (digest := file_digest(music)) else {}),
                                 # its own music's next bars, or music given (the same music: from its start)
                                 "own_music": own is not None, "temperature": temperature, **sampling},
                       **loaded.versions)


def _own_grid(loaded: Loaded, dance: Dance, score, first: int, high: int, bars: int):
    """The grid, control rows and repeats of the context's bars (``first..high``) and ``bars`` more on the music
    the dance was made on, from where the dance ends: its beats (the dance's grid is that music's, bar for bar),
    its per-bar controls if the dance followed them, and where the new bars repeat earlier bars, those copies
    (unless the dance was made without), with the tokens of the dance's bars from before the context that they
    repeat (``variations(sources=...)``: the model sees only the context, the copy reads the whole dance). None
    where the dance's last bars were not danced on that music (``music_bars``) or its beats are not that music's:
    it goes on at its closing tempo."""
    from laban.algebra import bar_start
    from laban.timing import BeatGrid
    from motiongpt.conditioning.controls import controls_from_music
    from motiongpt.conditioning.music import music_features
    from motiongpt.model.conditions import control_rows, repeat_rows

    from .editing import _music_path

    if dance.prompt.get("music_bars", high) < high:  # its last bars were danced on other music, or on none
        return None
    meter = score.beats_per_bar
    with music_as_made(dance.prompt):
        features = music_features(_music_path(dance), meter).counted_as(score.grid)  # its bars
    music, vocabulary = features.grid, loaded.model.vocabulary
    danced = np.asarray(score.grid.times, dtype=float)[:bar_start(score.grid, high + 1) + 1]
    if len(danced) > len(music.times) or not np.allclose(danced, np.asarray(music.times)[:len(danced)], atol=1e-6):
        return None  # (the same beats: counted_as has counted the music's bars as the dance's)
    have = vocabulary.bar_count(music)
    shift = 0 if music.downbeat else 1  # the staff number of the vocabulary's first bar
    if high + bars - shift >= have:
        raise MusicRanOut(max(have - 1 + shift - high, 0), bars)
    times = np.asarray(music.times, dtype=float)[bar_start(music, first):bar_start(music, high + bars + 1) + 1]
    grid = BeatGrid(tuple(times - times[0]), meter)
    if not dance.prompt.get("controls"):
        return grid, None, None, None
    controls = controls_from_music(features)
    low = first - shift  # the context's first bar, counted as the vocabulary counts the music's (and the dance's)
    rows = control_rows(controls, music, have, loaded.model.config.control_names)[low:low + high - first + 1 + bars]
    if not dance.prompt.get("repeats", True):
        return grid, rows, None, None
    repeats = {bar - low: source - low for bar, source in repeat_rows(controls, music, have).items()
               if high - shift < bar <= high + bars - shift}
    ids = vocabulary.encode(score)
    spans = vocabulary.bar_spans(ids)  # the dance's bars, numbered as the music's (its grid is the music's)
    sources = {source: ids[spans[source + low][0] + 1:spans[source + low][1]]
               for source in set(repeats.values()) if source < 0}
    return grid, rows, repeats, sources


def closed(vocabulary, score) -> list[int]:
    """``score``'s ids with its last bar closed: ``<eos>`` replaced by the next ``<bar>``. Continued from its ids
    alone, the model may go on writing the last bar (a later event, a ``<tie>`` into the next bar); those
    additions are not the dance's, and the new bar's continuations of them would start from nothing at the
    join (a foot taking weight it never had: a jolt). Closed, the new bars start from the dance as it is.
    """
    ids = vocabulary.encode(score)
    return ids[:-1] + [vocabulary.bar_id]


def _grid(loaded: Loaded, score, first: int, kept: int, bars: int, music: str | None):
    """The grid the model continues on: the context's bars at the dance's closing tempo, then ``bars`` bars at
    that tempo or on ``music``'s beats (from its first downbeat); with music, its controls for the new bars and
    the new bars that repeat earlier new bars where the music repeats (``variations(repeats=...)``)."""
    from laban.algebra import bar_start
    from laban.timing import BeatGrid

    meter = score.beats_per_bar
    times = np.asarray(score.grid.times, dtype=float)
    start = bar_start(score.grid, first)
    period = float(np.median(np.diff(times[start:]))) if len(times) - start > 1 else 60.0 / score.grid.tempo
    past = period * np.arange(kept * meter + 1)
    if music is None:
        future = past[-1] + period * np.arange(1, bars * meter + 1)
        return BeatGrid(tuple(np.concatenate([past, future])), meter), None, None
    from motiongpt.conditioning.controls import controls_from_music
    from motiongpt.conditioning.music import music_features, resolve_music
    from motiongpt.model.conditions import control_rows, repeat_rows

    path = resolve_music(music)
    features = music_features(path, meter)
    beats = np.asarray(features.grid.times, dtype=float)[features.grid.downbeat:]
    if len(beats) < bars * meter + 1:
        raise MusicTooShort((len(beats) - 1) // meter, bars)  # the studio says it in its page's words
    future = past[-1] + (beats[1:bars * meter + 1] - beats[0])
    grid = BeatGrid(tuple(np.concatenate([past, future])), meter)
    rows = np.full((kept + bars, loaded.model.config.control_count), -1, dtype=np.int64)
    controls = controls_from_music(features)
    music_bars = loaded.model.vocabulary.bar_count(features.grid)
    music_rows = control_rows(controls, features.grid, music_bars, loaded.model.config.control_names)
    skip = 1 if features.grid.downbeat else 0  # the music's upbeat bar is not danced
    rows[kept:] = music_rows[skip:skip + bars]
    repeats = {kept + bar - skip: kept + source - skip for bar, source in
               repeat_rows(controls, features.grid, music_bars).items() if source >= skip and bar - skip < bars}
    return grid, rows, repeats
