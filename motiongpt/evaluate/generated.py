"""The "generated" rows: the model writes a dance for each held-out clip, on that clip's own beat grid (tempo,
meter, bar count) and from that clip's words (its description, and its style label when the model knows it);
the dance is decoded with the decoder the "decoded test scores" row uses, so that the two rows differ only in
who wrote the score. One row per seed.

Beside the motion metrics, what only a model's scores have: the scores themselves in the text ↔ score
evaluator's space (``text_score.score_fid``, R-precision on the written score) and novelty
(``metrics.novelty``: the longest run of bars copied verbatim from a training score).

    python -m motiongpt.evaluate --model builtin --seeds 0 1 2 --corpus corpus/cmu -o fig2.json
"""

from __future__ import annotations

from pathlib import Path

from laban import Score

from .protocol import Measured


def load_model(spec: str | Path):
    """'builtin' (the model shipped with the package) or a model folder (``save_pretrained``)."""
    from ..errors import CheckpointError
    from ..model import MotionGPT, builtin_model_path

    path = builtin_model_path() if str(spec) == "builtin" else Path(spec)
    if not Path(path).is_dir():
        raise CheckpointError(f"{path}: no such model folder")
    return MotionGPT.from_pretrained(path)


def cmu_styles() -> dict[str, str]:
    """The style label of every shared CMU trial (``motiongpt.data.styles.cmu_style``), by trial name."""
    from ..data import cmu_trials
    from ..data.styles import cmu_style

    return {t.name: cmu_style(t) for t in cmu_trials()}


def written(model, held_out: list[Measured], seed: int, styles: dict[str, str] | None = None,
            **sampling) -> tuple[list[tuple[str, Score, str]], list[Measured], int]:
    """For each held-out clip, a dance on its score's grid (every bar of it) from its words and, when the model
    knows it, its style: (name, score, words) triples, the held-out clips they stand in for, and how many could
    not be written (the generator refused or did not finish). Sampling settings not given are ``motiongpt
    generate``'s (``motiongpt.cocreate.generate``), so the rows measure what a user gets."""
    from ..cocreate.generate import BEST_OF_BARS, TOP_P, WORDS_BEST_OF, WORDS_GUIDANCE
    from ..model.generate import GenerationError, generate

    sampling = {"top_p": TOP_P, "guidance": WORDS_GUIDANCE, **sampling}
    styles = styles or {}
    made, kept, failed = [], [], 0
    for m in held_out:
        grid = m.score.grid
        style = styles.get(m.name)
        style = style if style in model.config.styles else None
        try:
            bars = model.vocabulary.bar_count(grid)
            best_of = int(sampling.get("best_of") or (WORDS_BEST_OF if bars <= BEST_OF_BARS else 1))
            score = generate(model, grid, text=m.text or None, style=style, bars=bars, seed=seed,
                             title=f"generated-{m.name}", **{**sampling, "best_of": best_of})
        except GenerationError:
            failed += 1
            continue
        made.append((f"generated-{m.name}", score, m.text))
        kept.append(m)
    return made, kept, failed

