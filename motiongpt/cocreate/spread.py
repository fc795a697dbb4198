"""Which of a pool of drawn dances to show as the variations: each doing what the words ask about as well as the
best of its draws, and the set spread out in how it moves, so that no two of the eight are near copies.

Why: picking each variation as the best of its own ``best_of`` draws by the words kept (what ``variations`` did
alone) pays no heed to the others, and draws of one prompt at one tempo move alike: eight of them were less
diverse in the evaluation's kinetic features than the real dance takes (bench/cocreate_figures.py; a prompt's
draws travel about equally, and the set inherits it). A person choosing among eight is served by eight
different options, as image generators learned. So the variations are chosen from the whole pool of
``count × best_of`` draws (already sampled: no extra sampling) by maximal marginal relevance: each next one
the draw with the most ``words kept + SPREAD × (distance to the nearest one chosen) / (the median distance)``,
in the evaluation's motion features (kinetic and geometric, ``evaluate``'s, each standardised over the draws
read so that no unit dominates and nothing but the pool is needed).

Variation k is chosen among draws ``0 .. (k+1)·best_of - 1`` (those not chosen yet), the standardisation and the
median taken over those draws alone, so it depends only on the draws before it: variation k is the same dance whether k+1 or more are asked for, and the first is the best of
its own draws by the words (what one dance is), as before.
"""

from __future__ import annotations

import numpy as np

# The weight of being far from the variations already chosen against words kept (a share of what was asked, so
# 0.5 trades a quarter of four asked things for half the pool's typical distance). Chosen on validation prompts
# (5 prompts worded by laban.describe from validation-split takes, 2 seeds each, 8 bars at 110 bpm; diversity
# scaled by the validation split's dance and salsa takes, as bench/cocreate_figures.py scales by the training
# split's): kinetic / geometric diversity of the eight, words kept: best of each group 11.0 / 30.3, 0.735;
# spread 0.25: 12.8 / 30.7, 0.742; 0.5: 13.8 / 31.3, 0.725; 1: 14.1 / 33.0, 0.700; 4: 14.4 / 32.1, 0.630. The
# worst of the ten sets: 5.3 kinetic -> 10.9 at 0.5. Kinetic features alone: 14.2 / 21.8 (the geometric spread
# lost); the mean distance to those chosen instead of the nearest: 15.1 / 30.9, 0.722, the same worst set, but
# it rewards a second draw beside one already chosen if both are far from the rest, the near copy a person
# choosing does not want, so the nearest it is. (Measured before the standardisation and median were taken over
# the draws each variation reads, not the whole pool, and before a decoder change: 0.5 on the same prompts now
# 14.9 / 24.6, 0.728, best of each group 11.5 / 24.5, 0.755.)
SPREAD = 0.5


def motion_features(motion) -> np.ndarray:
    """The evaluation's kinetic (63) and geometric (32) features of a motion, at the protocol's frame rate with
    the root of the first frame at the origin, as ``motiongpt.evaluate.protocol.measure`` computes them."""
    from laban import Trajectories
    from motiongpt import metrics
    from motiongpt.evaluate.protocol import trajectories

    world = metrics.landmark_trajectories(trajectories(motion), metrics.PROTOCOL_FPS, None, zero_root=False)
    zeroed = Trajectories(world.skeleton, world.positions - world.positions[:1, :1], world.fps)
    return np.concatenate([metrics.kinetic_features(zeroed), metrics.geometric_features(zeroed)])


def spread_out(features: np.ndarray, kept: np.ndarray, count: int, group: int, spread: float = SPREAD) -> list[int]:
    """``count`` rows of a pool of ``count × group`` draws (``features`` (N, D), ``kept`` (N,) the words kept), in
    the order chosen: the first the best of rows ``0..group-1`` by ``kept`` (ties: the earlier), each next one among
    the rows before ``(k+1) × group`` not chosen yet, the most ``kept + spread × nearest distance / median
    distance`` (ties: the earlier), the features standardised and the median taken over those rows alone."""
    features, kept = np.asarray(features, dtype=np.float64), np.asarray(kept, dtype=np.float64)
    if len(features) != count * group or len(kept) != len(features):
        raise ValueError(f"a pool of {count} x {group} draws, not {len(features)} features and {len(kept)} kept")
    first = max(range(group), key=lambda r: (kept[r], -r))
    chosen = [first]
    for k in range(1, count):
        seen = (k + 1) * group  # the draws variation k may read: its own and those before (standardised, the
        distance = _distances(features[:seen])  # median, all over them alone, so later draws change nothing)
        rows = np.array([r for r in range(seen) if r not in chosen])
        gain = kept[rows] + spread * distance[np.ix_(rows, chosen)].min(axis=1)
        best = rows[int(np.argmax(gain))]  # argmax: the first of equals, the earlier row
        chosen.append(int(best))
    return chosen


def _distances(features: np.ndarray) -> np.ndarray:
    """Pairwise distances of the rows standardised (each feature over the rows), over their median distance."""
    from scipy.spatial.distance import pdist, squareform

    scale = features.std(axis=0)
    z = (features - features.mean(axis=0)) / np.where(scale > 1e-12, scale, 1.0)
    pairs = pdist(z)
    typical = float(np.median(pairs)) if len(pairs) else 0.0
    return squareform(pairs) / (typical if typical > 1e-12 else 1.0)
