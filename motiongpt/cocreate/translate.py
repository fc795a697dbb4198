"""Style translation: the same dance in another style, keeping its rhythm (steps on the same beats) and its
phrase structure.

The model writes the dance anew, bar by bar, under the target style (a style it knows, or a LoRA adapter carried
by the loaded model), conditioned on the dance's own per-bar controls (``controls_from_score``): its accents (the
beats it steps on), energy, phrases and repeats — the controls music gives a new dance. Controls steer, they do
not bind, so each bar is drawn ``candidates`` times (one batch) continuing the bars chosen so far, and the
candidate whose support symbols start on the source bar's support beats best (F1 of the starts, within an eighth
of a beat) is kept: a constraint by choice, bar by bar, seeded, so the result is still fixed by the seed.
"""

from __future__ import annotations

import numpy as np

from .dance import CocreateError, Dance
from .editing import readable, staff_bars
from .generate import words_at
from .models import Loaded

CANDIDATES = 8  # draws of each bar to choose from
# Classifier-free guidance on the style (the model was trained with the style dropped at times, so a row without it
# is the model unstyled). Chosen on the validation split (bench/cocreate_figures.py --only held-out --split
# validation: 8 takes translated into salsa, 3 salsa leads out of it; the style classifier's P(salsa)): at 1, 2, 3
# into salsa 7, 8, 8 of 8 (mean P 0.74, 0.80, 0.78), out of it 3, 3, 3 of 3 (mean P 0.15, 0.14, 0.09); support
# beats kept 0.996, 1.000, 0.996. 2 is the smallest that took every dance into the style.
STYLE_GUIDANCE = 2.0
TOLERANCE = 0.125  # beats: a support this close to the source's starts on its beat


def translate(dance: Dance, loaded: Loaded, style: str | None = None, *, seed: int = 0,
              temperature: float = 1.0, candidates: int = CANDIDATES, push: bool = True,
              style_guidance: float = STYLE_GUIDANCE, on_bar=None) -> Dance:
    """``dance`` danced in ``style`` (a name the model knows; None when ``loaded`` carries a style adapter, named
    in ``loaded.versions['adapter']``), the style followed with ``style_guidance`` (1: the model as it is; an
    adapter's style is in its weights, not a condition, and is not guided). ``on_bar(k, total)`` is called as
    each bar is chosen (k from 1): the studio's progress, the whole taking seconds a bar."""
    from motiongpt.conditioning.controls import controls_from_score
    from motiongpt.grammar import ScoreGrammar
    from motiongpt.model.conditions import control_rows
    from motiongpt.model.generate import _derived

    from .onsets import support_onsets  # (a logits processor's module: torch, imported when translating)

    if style is None and loaded.versions.get("adapter") is None and loaded.style is None:
        raise CocreateError("translate to which style? give a style the model knows or an adapter folder")
    if not (isinstance(candidates, int) and candidates >= 1):
        raise CocreateError(f"candidates must be a whole number from 1, not {candidates!r}")
    model, vocabulary = loaded.model, loaded.model.vocabulary
    source = readable(dance, vocabulary)
    low, high = staff_bars(source, vocabulary)
    total = high - low + 1
    rows = control_rows(controls_from_score(source), source.grid, total, model.config.control_names)
    grid = source.grid
    onsets = support_onsets(ScoreGrammar(vocabulary), vocabulary.encode(source), grid) if push else None
    ids = [vocabulary.bos_id]
    matched = []
    for bar in range(total):
        words = dance.text if dance.phrases is None else words_at(dance.phrases, low + bar)  # this bar's
        drawn = _draw(model, grid, candidates, ids, bar + 1, rows[:bar + 1], onsets, text=words,
                      style=style or loaded.style, seed=_derived(seed, bar), temperature=temperature,
                      processors=loaded.processors, guidance={"style": style_guidance})
        fits = [support_f1(source, s, low + bar) for s in drawn]
        best = int(np.argmax(fits))  # the first of the best
        ids = vocabulary.encode(drawn[best])[:-1]  # the bars so far, as a score the grammar reads again
        matched.append(fits[best])
        if on_bar is not None:
            on_bar(bar + 1, total)
    score = vocabulary.to_score(ids + [vocabulary.eos_id], grid, source.title)
    kept = support_beats_kept(source, score)
    name = style or loaded.style or loaded.versions.get("adapter")
    return dance.child(score, "translate", prompt={**dance.prompt, "style": name}, style=name, seed=seed,
                       settings={"candidates": candidates, "push": push, "support_beats_kept": round(kept, 6),
                                 "temperature": temperature, "style_guidance": style_guidance}, **loaded.versions)


def _draw(model, grid, count: int, prompt: list[int], bars: int, controls, onsets, *, text, style, seed: int,
          temperature: float, processors=(), guidance=1.0) -> list:
    """``count`` continuations of ``prompt`` to ``bars`` bars in one seeded batch, with the support onsets
    pushed (``onsets`` None: as ``motiongpt.model.generate.variations`` draws them)."""
    from motiongpt.model.generate import variations

    if len(prompt) > 1:  # the bars chosen so far, closed: the model writes the next bar, not more of the last
        prompt = prompt + [model.vocabulary.bar_id]
    if onsets is None:
        staff = bars - 1 + (0 if grid.downbeat else 1)
        text = [((staff, staff), text)] if isinstance(text, str) else text
    from .onsets import SupportOnsets

    pushed = (lambda grammar: [SupportOnsets(grammar, onsets), *processors]) if onsets is not None else processors
    return variations(model, grid, count, text=text, style=style, controls=controls, bars=bars,
                      continue_from=prompt, seed=seed, temperature=temperature, processors=pushed, guidance=guidance)


def support_starts(score, first: float = -np.inf, stop: float = np.inf) -> np.ndarray:
    """Beats where support symbols (steps, landings) start, in [first, stop)."""
    return np.array(sorted(s.start for s in score.symbols
                           if s.column.is_support and s.duration > 0 and first <= s.start < stop))


def support_beats_kept(source, result, tolerance: float = TOLERANCE) -> float:
    """The share of ``source``'s support symbols whose start beat has a support symbol starting in ``result``
    within ``tolerance`` beats (1 when the source has none)."""
    return _matched(support_starts(source), support_starts(result), tolerance)[0]


def support_f1(source, candidate, bar: int, tolerance: float = TOLERANCE) -> float:
    """F1 of the support starts of staff bar ``bar`` of ``candidate`` against ``source``'s (1 when both have
    none): steps on the source's beats, and no others."""
    from laban.algebra import bar_start

    first, stop = bar_start(source.grid, bar), bar_start(source.grid, bar + 1)
    a, b = support_starts(source, first, stop), support_starts(candidate, first, stop)
    if not len(a) and not len(b):
        return 1.0
    recall, precision = _matched(a, b, tolerance)[0], _matched(b, a, tolerance)[0]
    return 0.0 if recall + precision == 0 else 2 * recall * precision / (recall + precision)


def _matched(a: np.ndarray, b: np.ndarray, tolerance: float) -> tuple[float, int]:
    if not len(a):
        return 1.0, 0
    if not len(b):
        return 0.0, 0
    hits = int((np.abs(a[:, None] - b[None, :]).min(1) <= tolerance).sum())
    return hits / len(a), hits
