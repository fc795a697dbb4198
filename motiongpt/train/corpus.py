"""Examples from a corpus folder: the corpus index (``motiongpt.data.corpus``, ``corpus.json``) when there is
one, else any folder of scores (``.laban``/``.json``) with an optional ``<stem>.txt`` description beside each.

Per-bar controls: from the take's music where it has some (a paired corpus: ``controls_from_music``, the same
controls generation computes; an augmented window of such a take too, ``_window_controls``), else from the dance
(``controls_from_score``), so the model learns to follow music's controls from dances alone. A dance's energy is
its capture's kinetic energy a bar where the capture is there to read (a built corpus names it), else how much
its score writes a bar: the model then learns "energy" as how much the body moves, which is what a loud, busy bar
of music should get.

Per-bar word facts: from the score's own phrases as ``laban.describe`` words them, read back from the words with
``laban.facts_from_text`` (the same reading a prompt gets at generation), so words ↔ bars are exact.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from laban.errors import LabanError
from motiongpt.errors import missing_folder
from motiongpt.model.config import MotionGPTConfig
from motiongpt.vocabulary import Vocabulary

from .examples import Example, examples_from_scores, window_rows

SCORE_SUFFIXES = (".laban", ".json", ".txt")


def read_corpus(folder: str | Path, split: str = "train") -> list[tuple]:
    """(score, description, style, music, capture) of each take of ``split``; capture: (motion file, frames a
    second or None) where a built corpus's source file is there to read, else None (a plain folder of scores is
    all ``train``, without music or captures)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise LabanError(missing_folder(folder))
    if (folder / "corpus.json").is_file():
        from motiongpt.data.corpus import Corpus

        return [(t.score(), t.description or None, t.style or None, t.music,
                 (Path(t.source), t.fps) if Path(t.source).is_file() else None)
                for t in Corpus.load(folder).split(split)]
    if split != "train":
        return []
    from laban import Score

    takes = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in (".laban", ".json") or path.name in ("vocabulary.json", "corpus.json"):
            continue
        if any(part.startswith(".") for part in path.relative_to(folder).parts):  # as corpus build and tokenize
            continue  # pass over them: tokenize's record of a batch (.motiongpt-tokenize.json), a writer's temporary
        words = path.with_suffix(".txt")
        takes.append((Score.load(path), words.read_text().strip() if words.is_file() else None, None, None, None))
    if not takes:
        raise LabanError(f"{folder}: no corpus.json and no scores (.laban, .json)")
    return takes


def corpus_vocabulary(folder: str | Path) -> Vocabulary | None:
    """The vocabulary a built corpus's scores are quantised for (its ``vocabulary.json``: ``corpus build
    --subdivision``), or None for a folder of scores (quantised as they are encoded)."""
    folder = Path(folder)
    if not (folder / "corpus.json").is_file():
        return None
    from motiongpt.data.corpus import Corpus

    return Corpus.load(folder).vocabulary()


def styles_of(takes: list[tuple]) -> list[str]:
    return sorted({take[2] for take in takes if take[2]})


def examples_from_corpus(takes: list[tuple], vocabulary: Vocabulary, config: MotionGPTConfig,
                         window_bars: int = 8) -> list[Example]:
    """Windows of the takes with their words, style and (where the conditioning module is there) controls."""
    scores = [t[0] for t in takes]
    return examples_from_scores(scores, vocabulary, config, texts=[t[1] for t in takes],
                                styles=[t[2] if t[2] in config.styles else None for t in takes],
                                controls=[_controls(t[0], t[3], vocabulary, config, t[4] if len(t) > 4 else None)
                                          for t in takes],
                                facts=[_facts(t[0], vocabulary, config, "auto") for t in takes],
                                window_bars=window_bars)


def _controls(score, music, vocabulary: Vocabulary, config: MotionGPTConfig, capture: tuple | None = None):
    """(bars, K) control rows of a take, one per ``<bar>`` of its whole score; ``capture`` (motion file, frames a
    second or None): the motion the score was written from, whose kinetic energy is the bars' energy."""
    from motiongpt.conditioning.controls import controls_from_music, controls_from_score
    from motiongpt.conditioning.music import music_features
    from motiongpt.model.conditions import control_rows
    from motiongpt.vocabulary import quantise

    score = quantise(score, vocabulary.subdivision)
    if music is not None and Path(music).is_file():
        controls = controls_from_music(music_features(music, score.grid.beats_per_bar))
    elif capture is not None:
        from laban import read_motion
        from laban.analysis import WORKING_FPS

        path, fps = capture
        controls = controls_from_score(score, read_motion(path, frame_rate=fps, max_fps=WORKING_FPS))
    else:
        controls = controls_from_score(score)
    return control_rows(controls, score.grid, len(vocabulary.bar_spans(vocabulary.encode(score))),
                        config.control_names)


def _facts(score, vocabulary: Vocabulary, config: MotionGPTConfig, phrasing: int | str, seed: int = 0):
    """(bars, F) word-fact rows of a score, one per ``<bar>``: its phrases (``phrasing``: 1–4 bars, "auto", or
    "whole" for one phrase over the whole score, as a prompt for a whole dance reads) with the facts their words
    state (a whole-score phrase: every fact, ``laban.phrase_facts``; the batch leaves some unsaid)."""
    from laban.description import describe, facts_from_text, phrase_facts, phrase_spans
    from motiongpt.model.conditions import fact_rows
    from motiongpt.vocabulary import quantise

    score = quantise(score, vocabulary.subdivision)
    bars = len(vocabulary.bar_spans(vocabulary.encode(score)))
    if phrasing == "whole":
        spans = phrase_spans(score, phrasing=4)
        span = (spans[0][0], spans[-1][1])
        phrases = [(span, phrase_facts(score, span))]
    else:
        phrases = [(p.bars, facts_from_text(p.text)) for p in describe(score, seed=seed, phrasing=phrasing)]
    return fact_rows(phrases, score.grid, bars, config.fact_names)


PHRASINGS = (1, 2, 3, 4, "whole")  # how a window's words are split into phrases, drawn per window


def examples_from_windows(windows, vocabulary: Vocabulary, config: MotionGPTConfig, *,
                          exact_words: float = 0.5) -> list[Example]:
    """Examples from the corpus's augmented training windows (``motiongpt.data.augment.windows``: mirrored,
    retimed, turned to another front, each with its take's words). A share ``exact_words`` of them (chosen by
    each window's seed) is described by ``laban.describe`` of the window itself, exact words for exactly those
    bars; the others carry the take's coarse description. Controls: a paired take's window carries its take's
    music controls for its bars (``_window_controls``), any other window those of its own score; word facts come
    from the window's own phrases (of a length drawn from ``PHRASINGS`` by the window's seed)."""
    from laban.errors import LabanError

    scores, texts, styles, controls, facts = [], [], [], [], []
    music_rows: dict[str, tuple[np.ndarray, int]] = {}  # a paired take's music controls, computed once a take
    for window in windows:
        words = window.description or None
        if np.random.default_rng([window.seed, 7]).random() < exact_words:
            try:
                words = window.text or words
            except LabanError:
                pass
        scores.append(window.score)
        texts.append(words)
        styles.append(window.style if window.style in config.styles else None)
        controls.append(_window_controls(window, vocabulary, config, music_rows))
        rng = np.random.default_rng([window.seed, 11])
        try:
            facts.append(_facts(window.score, vocabulary, config, PHRASINGS[int(rng.integers(len(PHRASINGS)))],
                                window.seed))
        except LabanError:
            facts.append(None)
    return examples_from_scores(scores, vocabulary, config, texts=texts, styles=styles, controls=controls,
                                facts=facts,
                                window_bars=max([1, *(len(vocabulary.bar_spans(vocabulary.encode(
                                    _quantised(s, vocabulary)))) for s in scores)]))


def _window_controls(window, vocabulary: Vocabulary, config: MotionGPTConfig,
                     music_rows: dict[str, tuple[np.ndarray, int]]) -> np.ndarray:
    """(bars, K) control rows of an augmented window (``motiongpt.data.augment.Example``).

    A paired take's window carries its take's music controls for the take's bars it holds (``Example.bars``):
    the rows its plain windows carry for those bars (``examples_from_scores``), not the dance's. The notation makes
    this exact: mirroring and turning the front leave a bar's music as it is, and retiming plays the same beats
    faster or slower, while every music control is counted in beats and bars, never in seconds (loudness and
    onsets a beat, struck beats, phrases and repeats a bar; the tempo is a condition of its own, from the window's
    grid). Energy stays ranked within the whole take, as generation ranks it within the whole piece, and a bar
    repeating one before the window keeps its flag, as in a plain window: its music did come back. The take's
    rows are made once (``music_rows``, by take name) and kept with the bar number of their first row. Any other
    window's controls are its own score's."""
    take = window.take
    if take.music is None or not Path(take.music).is_file():
        return _controls(window.score, None, vocabulary, config)
    if take.name not in music_rows:
        score = take.score()
        music_rows[take.name] = (_controls(score, take.music, vocabulary, config), 0 if score.grid.downbeat else 1)
    rows, low = music_rows[take.name]
    bars = len(vocabulary.bar_spans(vocabulary.encode(_quantised(window.score, vocabulary))))
    # numbered as ``laban.algebra.cut`` numbers it: a window from bar 1 on has no upbeat (its first row is the
    # take's bar ``first``), one from bar 0 keeps the take's upbeat
    return window_rows(rows, window.bars[0] - low, bars, config.control_count)


def _quantised(score, vocabulary: Vocabulary):
    from motiongpt.vocabulary import quantise

    return quantise(score, vocabulary.subdivision)
