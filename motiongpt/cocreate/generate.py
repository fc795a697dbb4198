"""New dances from words (and music): what ``motiongpt generate`` makes, one or ``count`` variations ranked by
``quality`` (best first), each a ``Dance`` with its prompt and lineage. With words and ``best_of`` > 1 the
variations are chosen from all ``count × best_of`` draws to follow the words and differ from each other
(``spread``)."""

from __future__ import annotations

import re
from pathlib import Path

from motiongpt.data.paths import file_digest, recorded_path

from .dance import MUSIC_READ, CocreateError, Dance, Lineage, joined
from .models import Loaded

# How closely words are followed by default (bench/words_followed.py, held-out prompts, built-in model: words
# followed 0.49 plain, 0.55 with guidance 3, 0.71 with guidance 3 and best of 4, 0.77 best of 8; a random
# training phrase 0.38). Guidance's run without the words and best-of's samples are rows of one batch (nearly
# free at a few rows on a CPU, see docs/model.md "Speed"), but best of 4 still costs a 60-second dance 2.1x, so by
# default only dances of up to BEST_OF_BARS bars are sampled WORDS_BEST_OF times.
WORDS_GUIDANCE, WORDS_BEST_OF, BEST_OF_BARS = 3.0, 4, 12
# Guidance on the music's per-bar controls (bench/music_following.py, 20 pieces of music21's corpus, 12 bars: ρ of
# the music's per-bar energy against the decoded dance's kinetic energy 0.01 at 1, 0.26 at 2, 0.17 at 3, 0.31 at 5,
# against the score's own energy, what the control was trained on, 0.46, 0.57, 0.59, 0.61; words followed with
# music 0.70, 0.69, 0.67 at 1, 2, 3). It costs one more copy of the batch, only where there are controls.
MUSIC_GUIDANCE = 2.0
# Nucleus sampling: chosen on the validation split (motiongpt evaluate --held-out validation --seeds 0 1, with
# guidance 3; generated / decoded validation scores): top-p 1: FID_k 1.83x, FID_g 0.74x, R-precision top-3
# 0.70; 0.9: 1.71x, 0.49x, 0.82; 0.8: 3.98x, 0.33x, 0.80 (docs/evaluation.md).
TOP_P = 0.9
# ... and a set of variations: the first is the dance written alone (at ``TOP_P``), the others draw from the model's
# whole distribution, so that eight are eight options and not near copies. Chosen on validation prompts (the first
# phrase ``laban.describe`` writes of five validation-split dance takes, seeds 0-1, 8 bars at 110 bpm, eight
# variations each): kinetic / geometric diversity of the eight 2.65 / 11.88 with every draw at 0.9, 3.08 / 11.55 so;
# words kept 0.907 -> 0.902, round trip 0.987 either way; the 80 variations against the real dance windows FID_k
# 148 -> 140, FID_g 240 -> 209 (bench/cocreate_figures.py --only variations --split validation [--varied-top-p 0.9];
# docs/cocreate.md, "The variations drawn wider").
VARIED_TOP_P = 1.0

# Where the feet land (``motiongpt.model.rhythm``): on music, pushed onto the beat (18 pieces of music21's corpus,
# 12 bars, seeds 0-1: the motion's beats on the music's 1.09-1.13 x chance as the model writes them, 1.41-1.45 x
# pushed; words followed with music 0.74-0.75 -> 0.70-0.72; docs/conditioning.md); without music, anywhere (a
# metronome's beats are no music's, and the captures' steps fall anywhere on their pulse). ``STEPS_ON``: the names
# (``motiongpt generate --steps-on``) and their beats.
STEPS_ON = {"beat": 1.0, "half-beat": 0.5, "anywhere": None}
MUSIC_STEPS_ON = "beat"


def followed(bars: int, *, guidance: float = WORDS_GUIDANCE, music_guidance: float = MUSIC_GUIDANCE,
             top_p: float = TOP_P, best_of: int | None = None) -> dict:
    """How the model writes ``bars`` bars to follow their words and music, as ``generate`` does by default, as a
    lineage records it: guidance on the words and on the music, top-p and best-of (None: ``WORDS_BEST_OF`` up to
    ``BEST_OF_BARS`` bars written, else 1). The edits that take words (``regenerate``, ``continue_dance``) write
    their bars so too: sampled as the model is (``AS_THE_MODEL_IS``), 59 validation phrases regenerated in their
    takes kept 0.63 of what their words asked, 0.89 so (bench/words_followed.py --fill-in)."""
    if best_of is None:
        best_of = WORDS_BEST_OF if bars <= BEST_OF_BARS else 1
    return {"guidance": guidance, "music_guidance": music_guidance, "top_p": top_p, "best_of": best_of}


# ``followed``'s settings for the model as it is (no guidance, every token, one sample): how the edits wrote their
# bars before they followed words as ``generate`` does, and so what a lineage that records none of them replays.
AS_THE_MODEL_IS = {"guidance": 1.0, "music_guidance": 1.0, "top_p": 1.0, "best_of": 1}


def sampled(sampling: dict) -> dict:
    """``followed``'s settings as ``motiongpt.model.generate.variations`` takes them."""
    return {"guidance": {"words": sampling["guidance"], "music": sampling["music_guidance"]},
            "top_p": sampling["top_p"], "best_of": sampling["best_of"]}


DEFAULT_BARS, DEFAULT_BPM = 16, 120.0  # motiongpt generate's --help says these in words
# The longest dance asked for by length: half an hour (1024 bars of 4/4 at 136 bpm). A few zeros too many is refused
# at once rather than sampled for hours (or a beat grid of a billion beats built first); the CLI's --bars and
# --seconds say the same numbers.
MOST_BARS, MOST_SECONDS = 1024, 1800.0


def dance_grid(music: str | None = None, *, bpm: float | None = None, meter: int | None = None,
               bars: int | None = None, seconds: float | None = None):
    """The dance's beat grid through the one door (``laban.beat_grid``, inside ``music_features`` for music),
    with the music's path and features (None without music). Without music: ``bpm`` (default 120), ``meter``
    (default 4), long enough for ``bars`` (default 16) or ``seconds``."""
    from laban import beat_grid

    if music is not None and bpm is not None:
        raise CocreateError("give music or a tempo (bpm), not both")
    if music is not None:
        from motiongpt.conditioning.music import music_features, resolve_music

        path = resolve_music(music)
        features = music_features(path, meter)
        return features.grid, path, features
    bpm, meter = bpm or DEFAULT_BPM, meter or 4
    if seconds is None:
        seconds = (bars or DEFAULT_BARS) * meter * 60.0 / bpm
    return beat_grid(bpm=bpm, seconds=seconds, meter=meter), None, None


class MusicTooLong(CocreateError):
    """Music of more bars (``bars``) than a dance may have (``most``), asked to be danced whole: the command line
    says to give its ``--bars`` or ``--seconds``, the studio in the page's own words."""

    def __init__(self, bars: int):
        super().__init__(f"the music has {bars} bars, more than a dance's {MOST_BARS}: give --bars or --seconds")
        self.bars, self.most = bars, MOST_BARS


class MusicTooShort(CocreateError):
    """Music of fewer bars (``have``) than the bars ``asked`` for: the studio says what to do about it in the page's
    words (its Bars field)."""

    def __init__(self, have: int, asked: int):
        super().__init__(f"the music has {have} bar{'s' * (have != 1)}, fewer than the {asked} asked for")
        self.have, self.asked = have, asked


def steps_named(name: str | None, music) -> str:
    """Where a dance's steps land, by name (``STEPS_ON``): ``name``, or by default on the beat with music and
    anywhere without."""
    if name is None:
        return MUSIC_STEPS_ON if music else "anywhere"
    if name not in STEPS_ON:
        raise CocreateError(f"where steps land is one of {', '.join(STEPS_ON)}, not {name!r}")
    return name


def steps_of(dance: Dance) -> str:
    """Where the bars written anew into ``dance`` put their steps, by name: as its prompt says (a dance made before
    the prompt said it, or a capture: anywhere, as it was made)."""
    name = dance.prompt.get("steps_on")
    return name if name in STEPS_ON else "anywhere"


def checked_phrases(phrases, first: int, last: int) -> list[tuple[tuple[int, int], str]]:
    """Words given bar by bar, ``[((first, last), words), ...]`` (staff bars, inclusive), in bar order: each span
    inside the dance's bars ``first``..``last``, none empty of words, none overlapping another; else one line."""
    spans = []
    for item in phrases:
        try:
            (a, b), words = item
        except (TypeError, ValueError):
            raise CocreateError(f"words bar by bar are ((first, last), words) pairs, not {item!r}") from None
        if isinstance(a, bool) or isinstance(b, bool) or not (isinstance(a, int) and isinstance(b, int)):
            raise CocreateError(f"bars are whole numbers, not {a!r}-{b!r}")
        if not (isinstance(words, str) and words.strip()):
            raise CocreateError(f"bars {a}-{b}: no words")
        if not first <= a <= b <= last:
            raise CocreateError(f"words for bars {a}-{b}: the dance has bars {first}-{last}"
                                + (" (bar 0 is the music's upbeat)" if first == 0 else ""))
        spans.append(((a, b), words.strip()))
    spans.sort()
    for ((a, b), _), ((c, d), _) in zip(spans, spans[1:]):
        if c <= b:
            raise CocreateError(f"the words for bars {a}-{b} and {c}-{d} overlap: give each bar one phrase")
    return spans


_PHRASE_LINE = re.compile(r"\s*(?:bars?\s+)?(\d+)\s*(?:-\s*(\d+)\s*)?:\s*(.*?)\s*", re.IGNORECASE)


def phrases_in(text: str | None) -> list[tuple[tuple[int, int], str]] | None:
    """Words written bar by bar, one phrase a line: ``1-4: four steps forward`` / ``5-8: a jump`` (a line ``5:``
    is one bar; ``bars 1-2: ...`` as ``motiongpt describe`` writes it reads the same), as ``generate``'s
    ``phrases``; None when any line is not so (then the text is the whole dance's words: "a slow solo: steps
    forward" starts with no bar)."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    found = [_PHRASE_LINE.fullmatch(line) for line in lines]
    if not lines or not all(found):
        return None
    return [((int(m[1]), int(m[2] or m[1])), m[3]) for m in found]


def rephrased(phrases, first: int, last: int, words: str) -> list[tuple[tuple[int, int], str]]:
    """``phrases`` with bars ``first``..``last`` given ``words`` instead: the phrases they cut keep their bars on
    either side (what regenerate with new words records)."""
    kept = [((a, b), w) for (lo, hi), w in phrases
            for a, b in ((lo, min(hi, first - 1)), (max(lo, last + 1), hi)) if a <= b]
    return sorted(kept + [((first, last), words)])


def within(words, first: int, last: int):
    """A dance's words (``Dance.words``) for its bars ``first``..``last``: phrases cut to them (a hand edit may
    have shortened the score), a text as it is."""
    if isinstance(words, str) or words is None:
        return words
    return [((max(a, first), min(b, last)), w) for (a, b), w in words if max(a, first) <= min(b, last)] or None


def worded(dance: Dance, first: int, last: int) -> list[tuple[tuple[int, int], str]]:
    """A dance's words bar by bar: its phrases, or its text over its bars ``first``..``last`` (none without
    words)."""
    return dance.phrases or ([((first, last), dance.text)] if dance.text else [])


def worded_prompt(prompt: dict, phrases) -> dict:
    """``prompt`` worded bar by bar: its ``text`` None and its ``phrases`` (``[first, last, words]`` each, as
    ``prompt.json`` holds them) right after it."""
    out = {}
    for key, value in prompt.items():
        if key != "phrases":
            out[key] = None if key == "text" else value
        if key == "text":
            out["phrases"] = [[a, b, w] for (a, b), w in phrases]
    out.setdefault("phrases", [[a, b, w] for (a, b), w in phrases])
    return out


def words_at(phrases, bar: int) -> str | None:
    """The words of the phrase over staff bar ``bar`` (None where no phrase is)."""
    return next((w for (a, b), w in phrases if a <= bar <= b), None)


def closing_words(dance: Dance, last: int) -> str | None:
    """The words a dance goes on under when continued without new ones: those of its phrase over its last bar
    ``last`` (a dance worded bar by bar), else its text."""
    return (words_at(dance.phrases, last) if dance.phrases else None) or dance.text


def music_controls(loaded: Loaded, features, grid, bars: int):
    """The model's per-bar control rows from the music's features (energy, accents, phrases, repeats)."""
    from motiongpt.conditioning.controls import controls_from_music
    from motiongpt.model.conditions import control_rows

    return control_rows(controls_from_music(features), grid, bars, loaded.model.config.control_names)


def music_repeats(features, grid, bars: int) -> dict[int, int]:
    """Bar → the earlier bar whose material it repeats, where the music repeats (``repeat_of`` of its controls)."""
    from motiongpt.conditioning.controls import controls_from_music
    from motiongpt.model.conditions import repeat_rows

    return repeat_rows(controls_from_music(features), grid, bars)


def generate(loaded: Loaded, *, text: str | None = None, phrases=None, music: str | None = None,
             bpm: float | None = None, meter: int | None = None, bars: int | None = None, seconds: float | None = None,
             controls: bool = True, repeats: bool = True, count: int = 1, seed: int = 0, temperature: float = 1.0,
             top_k: int = 0, top_p: float = TOP_P, varied_top_p: float = VARIED_TOP_P,
             guidance: float = WORDS_GUIDANCE, music_guidance: float = MUSIC_GUIDANCE,
             best_of: int | None = None, spread: float | None = None,
             skeleton: str | Path | None = None, mapping: dict[str, str] | None = None,
             style_name: str | None = None, rank_them: bool = True, steps_on: str | None = None,
             on_bar=None) -> list[Dance]:
    """``count`` dances from the model: words ``text`` for the whole dance, or ``phrases`` bar by bar (``[((first,
    last), words), ...]``, staff bars: each phrase's words ask of its bars, ``checked_phrases``), on ``music``'s
    beats (its per-bar controls followed unless ``controls`` is False; where the music repeats a bar, the dance
    repeats its material unless ``repeats`` is False) or at ``bpm``, ``bars`` long (or ``seconds``). The dances
    are rows of one batch of the same seed (``motiongpt.model.generate.variations``; chosen among its draws, see
    ``spread``); variation k (in the order drawn or chosen, before ranking) is the same dance whether k+1 or more
    are asked for; with ``count`` > 1 they come back ranked by ``quality`` (best first; ``prompt['rank']`` and
    ``prompt['quality']`` say so), each dance's lineage naming its seed and row. ``guidance`` and ``best_of``:
    how closely the words are followed (classifier-free guidance; the best of N samples by the words they do,
    then by how their motion's energy follows the music's: ``motiongpt.model.generate.variations``; None: 4 up to
    12 bars, else 1); ``spread``: with words, ``count`` > 1 and ``best_of`` > 1, the variations are the ``count``
    of all ``count × best_of`` draws chosen to keep the words and move differently from each other
    (``spread.spread_out``, this weight on difference; None: ``spread.SPREAD``; 0: each the best of its own draws
    by the words, as before; the lineage's ``row`` is then the draw, of ``pool``); ``music_guidance``: the same
    guidance on the music's per-bar controls (recorded in the prompt where they are followed); ``varied_top_p``:
    the nucleus of every variation but the first (which is the dance written alone, at ``top_p``). ``steps_on``:
    where the feet land, ``"beat"``, ``"half-beat"`` or ``"anywhere"`` (``motiongpt.model.rhythm``; None: on the
    beat with music, anywhere without). ``style_name``: what the prompt records as the style (a name or an
    adapter folder; the model in ``loaded`` already carries an adapter). ``skeleton``: a BVH whose skeleton
    performs the dances; ``mapping``: its body parts' joints where its names do not say them (``laban.recognised``;
    the prompt keeps it as ``map``, so that every dance made from these is performed on the rig too).
    ``on_bar(k, total)`` is called as the batch's bars are written, k of them so far (a dance of more than a
    sampling pass's bars is written a pass at a time: the studio's progress, a whole piece taking seconds; the
    dances are the same with it or without)."""
    from motiongpt.model.generate import variations

    if not (isinstance(count, int) and count >= 1):
        raise CocreateError(f"the number of variations must be a whole number from 1, not {count!r}")
    if bars is not None and (not isinstance(bars, int) or bars < 1):
        raise CocreateError(f"a dance has at least one bar, not {bars!r}")
    if seconds is not None and not seconds > 0:
        raise CocreateError(f"a dance lasts some seconds, not {seconds!r}")
    if (bars is not None and bars > MOST_BARS) or (seconds is not None and seconds > MOST_SECONDS):
        raise CocreateError(f"a dance lasts at most {MOST_BARS} bars or {MOST_SECONDS:g} seconds, not "
                            f"{bars if bars is not None else seconds!r}")
    if text is not None and phrases:
        raise CocreateError("give words for the whole dance or bar by bar, not both")
    steps = steps_named(steps_on, music)
    model = loaded.model
    grid, path, features = dance_grid(music, bpm=bpm, meter=meter, bars=bars, seconds=seconds)
    have = model.vocabulary.bar_count(grid)
    if seconds is not None:  # the bars that hold the music's first ``seconds``, its upbeat one of them
        bars = model.vocabulary.bar_count(grid, float(grid.seconds_to_beats(seconds)))
        if bars > have:
            raise CocreateError(f"the music's beats end at {grid.times[-1]:.2f} s, "
                                f"before the {seconds:g} s asked for")
    if bars is not None and bars > have:
        raise MusicTooShort(have, bars)
    if bars is None and have > MOST_BARS:
        raise MusicTooLong(have)
    rows = music_controls(loaded, features, grid, bars or have) if features is not None and controls else None
    repeated = music_repeats(features, grid, bars or have) if rows is not None and repeats else None
    if phrases:
        first = 0 if grid.downbeat else 1  # the staff number of the dance's first bar
        phrases = checked_phrases(phrases, first, first + (bars or have) - 1)
    words = phrases or text  # what the model is given
    text = joined(phrases) if phrases else text  # the dance's words as one text
    best_of = followed(bars or have, best_of=best_of)["best_of"]
    if spread is None:
        from .spread import SPREAD as spread
    if isinstance(spread, bool) or not (isinstance(spread, (int, float)) and spread >= 0):
        raise CocreateError(f"spread is a weight from 0, not {spread!r}")
    if isinstance(varied_top_p, bool) or not (isinstance(varied_top_p, (int, float)) and 0 < varied_top_p <= 1):
        raise CocreateError(f"the variations' top-p is in (0, 1], not {varied_top_p!r}")
    pooled = bool(text) and count > 1 and best_of > 1 and spread > 0  # else each the best of its own draws
    drawn = count * best_of if pooled else count
    first = best_of if pooled else 1  # the draws of the first variation: the dance written alone
    nuclei = [top_p] * first + [varied_top_p] * (drawn - first)
    scores = variations(model, grid, drawn, text=words, style=loaded.style,
                        controls=rows, bars=bars, seed=seed, temperature=temperature, top_k=top_k, top_p=nuclei,
                        best_of=1 if pooled else best_of, guidance={"words": guidance, "music": music_guidance},
                        repeats=repeated, steps_on=STEPS_ON[steps],
                        title=text or "a generated dance", processors=loaded.processors, on_bar=on_bar)
    written = len(model.vocabulary.bar_spans(model.vocabulary.encode(scores[0])))
    music, music_file = recorded_path(music), file_digest(music)  # the file's digest beside its path: made again
    # on another file put at that path since, the dance says so (``replay``)
    from laban.timing import repeats_played

    read = {"music_read": MUSIC_READ} if music and repeats_played() else {}  # (as written: a dance made again)
    prompt = {"text": text, "music": music, **({"music_file": music_file} if music_file else {}), **read,
              "bpm": None if path else (bpm or DEFAULT_BPM),
              "meter": grid.beats_per_bar, "bars": written, "seconds": seconds,
              "controls": features is not None and controls, "style": style_name or loaded.style, "seed": seed,
              "temperature": temperature, "top_k": top_k, "top_p": top_p, "guidance": guidance, "best_of": best_of,
              "steps_on": steps,
              **({"music_guidance": music_guidance, "repeats": repeats} if rows is not None else {}),
              **({"map": dict(mapping)} if mapping else {}), **_model_fields(loaded)}
    if phrases:
        prompt = worded_prompt(prompt, phrases)
    dances = []
    for row, score in enumerate(scores):
        settings = {"temperature": temperature, "top_k": top_k, "top_p": top_p, "guidance": guidance,
                    "best_of": best_of, "music": music, "steps_on": steps,
                    **({"music_guidance": music_guidance, "repeats": repeats} if rows is not None else {}),
                    "bpm": prompt["bpm"], "meter": grid.beats_per_bar, "bars": written,
                    "controls": prompt["controls"]}
        if count > 1:
            settings.update(row=row, count=count, varied_top_p=varied_top_p,
                            **({"pool": len(scores), "spread": spread} if pooled else {}))
        lineage = Lineage("generate", (), None, text, prompt["style"], seed, settings, **loaded.versions)
        dances.append(Dance(score, dict(prompt, **({"row": row} if count > 1 else {})), lineage, None,
                            Path(skeleton) if skeleton is not None else None))
    if pooled:
        dances = _spread(dances, words, bars or have, count, best_of, spread)
    if count > 1 and rank_them:
        from .quality import rank

        dances = rank(dances)
    return dances


def _spread(pool: list[Dance], words, bars: int, count: int, best_of: int, spread: float) -> list[Dance]:
    """``count`` of the ``count × best_of`` drawn dances, in the order ``spread.spread_out`` chooses them (each
    decoded once here, for its motion's features; the ranking reuses the decode)."""
    import numpy as np

    from motiongpt.model.conditions import word_phrases, words_kept

    from .spread import motion_features, spread_out

    _, phrases = word_phrases(words, pool[0].score.grid, bars)  # what variations' best-of reads the words as
    kept = np.array([words_kept(d.score, phrases) for d in pool])
    features = np.stack([motion_features(d.motion()) for d in pool])
    return [pool[r] for r in spread_out(features, kept, count, best_of, spread)]


def _model_fields(loaded: Loaded) -> dict:
    """The prompt's record of the model (as ``motiongpt generate`` has always written it)."""
    return {"model": loaded.versions["model"], "model_version": loaded.versions["model_version"],
            "motiongpt": loaded.versions["motiongpt"]}
