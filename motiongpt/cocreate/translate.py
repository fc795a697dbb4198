"""Style translation: the same dance in another style, keeping its rhythm (steps on the same beats) and its
phrase structure.

The model writes the dance anew under the target style (a style it knows, or a LoRA adapter carried by the loaded
model), conditioned on the dance's own per-bar controls (``controls_from_score``): its accents (the beats it steps
on), energy, phrases and repeats — the same controls music gives a new dance. Of ``candidates`` such scores the one
that keeps the most support symbols on their beats is chosen (``support_beats_kept``): a constraint by choice,
seeded, so the result is still fixed by the seed.
"""

from __future__ import annotations

from .dance import CocreateError, Dance
from .editing import readable, staff_bars
from .models import Loaded

CANDIDATES = 4


def translate(dance: Dance, loaded: Loaded, style: str | None = None, *, seed: int = 0,
              temperature: float = 1.0, candidates: int = CANDIDATES) -> Dance:
    """``dance`` danced in ``style`` (a name the model knows; None when ``loaded`` carries a style adapter, named
    in ``loaded.versions['adapter']``)."""
    from motiongpt.conditioning.controls import controls_from_score
    from motiongpt.model.conditions import control_rows
    from motiongpt.model.generate import variations

    if style is None and loaded.versions.get("adapter") is None and loaded.style is None:
        raise CocreateError("translate to which style? give a style the model knows or an adapter folder")
    if not (isinstance(candidates, int) and candidates >= 1):
        raise CocreateError(f"candidates must be a whole number from 1, not {candidates!r}")
    model = loaded.model
    source = readable(dance, model.vocabulary)
    low, high = staff_bars(source, model.vocabulary)
    total = high - low + 1
    rows = control_rows(controls_from_score(source), source.grid, total, model.config.control_names)
    scores = variations(model, source.grid, candidates, text=dance.text, style=style or loaded.style,
                        controls=rows, bars=total, seed=seed, temperature=temperature, title=dance.score.title)
    kept = [support_beats_kept(source, s) for s in scores]
    best = max(range(len(scores)), key=lambda i: (kept[i], -i))
    name = style or loaded.style or loaded.versions.get("adapter")
    return dance.child(scores[best], "translate", prompt={**dance.prompt, "style": name}, style=name, seed=seed,
                       settings={"candidates": candidates, "chosen": best, "support_beats_kept": kept[best],
                                 "temperature": temperature}, **loaded.versions)


def support_beats_kept(source, result, tolerance: float = 0.125) -> float:
    """The share of ``source``'s support symbols (steps, jumps' landings) whose start beat has a support symbol
    starting in ``result`` within ``tolerance`` beats (1 when the source has none)."""
    import numpy as np

    def starts(score):
        return np.array(sorted(s.start for s in score.symbols if s.column.is_support and s.duration > 0))

    a, b = starts(source), starts(result)
    if not len(a):
        return 1.0
    if not len(b):
        return 0.0
    nearest = np.abs(a[:, None] - b[None, :]).min(1)
    return float((nearest <= tolerance).mean())
