"""Examples from a corpus folder: the corpus index (``motiongpt.data.corpus``, ``corpus.json``) when there is
one, else any folder of scores (``.laban``/``.json``) with an optional ``<stem>.txt`` description beside each.

Per-bar controls are computed from each score (``motiongpt.conditioning.controls.controls_from_score``) where
that module is installed, so the model learns music-following controls from dances alone.
"""

from __future__ import annotations

from pathlib import Path

from laban.errors import LabanError
from motiongpt.model.config import MotionGPTConfig
from motiongpt.vocabulary import Vocabulary

from .examples import Example, examples_from_scores

SCORE_SUFFIXES = (".laban", ".json", ".txt")


def read_corpus(folder: str | Path, split: str = "train") -> list[tuple]:
    """(score, description, style) of each take of ``split`` (a plain folder of scores is all ``train``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise LabanError(f"{folder}: no such folder")
    if (folder / "corpus.json").is_file():
        from motiongpt.data.corpus import Corpus

        return [(t.score(), t.description or None, t.style or None) for t in Corpus.load(folder).split(split)]
    if split != "train":
        return []
    from laban import Score

    takes = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in (".laban", ".json") or path.name in ("vocabulary.json", "corpus.json"):
            continue
        words = path.with_suffix(".txt")
        takes.append((Score.load(path), words.read_text().strip() if words.is_file() else None, None))
    if not takes:
        raise LabanError(f"{folder}: no corpus.json and no scores (.laban, .json)")
    return takes


def styles_of(takes: list[tuple]) -> list[str]:
    return sorted({style for _, _, style in takes if style})


def examples_from_corpus(takes: list[tuple], vocabulary: Vocabulary, config: MotionGPTConfig,
                         window_bars: int = 8) -> list[Example]:
    """Windows of the takes with their words, style and (where the conditioning module is there) controls."""
    scores = [t[0] for t in takes]
    return examples_from_scores(scores, vocabulary, config, texts=[t[1] for t in takes],
                                styles=[t[2] if t[2] in config.styles else None for t in takes],
                                controls=[_controls(s, vocabulary, config) for s in scores], window_bars=window_bars)


def _controls(score, vocabulary: Vocabulary, config: MotionGPTConfig):
    try:
        from motiongpt.conditioning.controls import controls_from_score
    except ImportError:
        return None
    from motiongpt.model.conditions import control_rows
    from motiongpt.vocabulary import quantise

    score = quantise(score, vocabulary.subdivision)
    return control_rows(controls_from_score(score), score.grid, len(vocabulary.bar_spans(vocabulary.encode(score))),
                        config.control_names)
