"""Which of a set of variations to show first: a quality score built from the evaluation's own metrics
(docs/evaluation.md), so that "best" means what the evaluation means by good.

Three things the evaluation measures can differ between variations of one prompt:

- **words followed** (``text_fit``): the cosine similarity of the prompt's words and the score in the shipped
  text ↔ score evaluator's space, the quantity the evaluation's R-precision ranks by (absent without words);
- **performable as written** (``round_trip``): the score decoded, the motion tokenized back on the score's grid,
  and the two scores compared (``motiongpt.metrics.round_trip``, the evaluation's notation figures): the mean of
  support F1 and gesture-direction accuracy. A score whose steps the body cannot take as written reads back
  differently;
- **feet that hold** (``skating``): the evaluation's foot skating ('contact') of the decoded motion, lower better.

FID and diversity are properties of a set, not of one dance, and the physics figures the decoder guarantees
(penetration, floating) barely vary, so they are left out. Each component is standardised within the set (mean
0, standard deviation 1; a constant component counts 0) and the quality is their sum (skating with a minus), so
no unit dominates and a set's ranking does not depend on the scale of any one metric.
"""

from __future__ import annotations

import numpy as np

from .dance import Dance

COMPONENTS = ("text_fit", "round_trip", "skating")


def components(dance: Dance) -> dict[str, float]:
    """The three figures for one dance (``text_fit`` NaN without words)."""
    from motiongpt import metrics
    from motiongpt.evaluate.protocol import trajectories

    motion = dance.motion()
    agreement = metrics.round_trip(dance.score, lambda _: motion)
    world = metrics.landmark_trajectories(trajectories(motion), metrics.PROTOCOL_FPS, None, zero_root=False)
    return {"text_fit": text_fit(dance),
            "round_trip": float(np.nanmean([agreement["support_f1"], agreement["gesture_direction"]])),
            "skating": float(metrics.foot_skating(world, "contact"))}


def text_fit(dance: Dance) -> float:
    """Cosine similarity of the dance's words and its score in the shipped evaluator's space (NaN: no words)."""
    if not dance.text:
        return float("nan")
    from motiongpt.metrics.text_score import shipped

    evaluator = shipped()
    return float(evaluator.embed_scores([dance.score])[0] @ evaluator.embed_texts([dance.text])[0])


def quality(dances: list[Dance]) -> list[dict]:
    """Each dance's components and its ``quality`` (the sum of the standardised components, skating negated)."""
    rows = [components(d) for d in dances]
    total = np.zeros(len(rows))
    for name, sign in (("text_fit", 1.0), ("round_trip", 1.0), ("skating", -1.0)):
        values = np.array([r[name] for r in rows], dtype=float)
        if np.isnan(values).all():
            continue
        values = np.where(np.isnan(values), np.nanmean(values), values)
        spread = values.std()
        total += sign * ((values - values.mean()) / spread if spread > 1e-12 else 0.0)
    return [{**{k: round(float(v), 6) for k, v in r.items()}, "quality": round(float(q), 6)}
            for r, q in zip(rows, total)]


def rank(dances: list[Dance]) -> list[Dance]:
    """The dances best first (ties: the earlier row first), each with ``rank`` (1 = best) and its ``quality``
    figures in its prompt and lineage settings."""
    from dataclasses import replace

    figures = quality(dances)
    order = sorted(range(len(dances)), key=lambda i: (-figures[i]["quality"], i))
    ranked = []
    for place, i in enumerate(order, 1):
        dance = dances[i]
        prompt = {**dance.prompt, "rank": place, "quality": figures[i]}
        lineage = replace(dance.lineage, settings={**dance.lineage.settings, "rank": place})
        moved = replace(dance, prompt=prompt, lineage=lineage)
        moved._motion.extend(dance._motion)  # the same score, skeleton and seed: decoded once
        ranked.append(moved)
    return ranked
