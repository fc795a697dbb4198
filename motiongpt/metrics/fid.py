"""FID and diversity on motion features, as the dance-generation literature computes them (Bailando protocol).

Both feature sets are z-scored with the **reference** (ground-truth) mean and standard deviation before either
number is taken. FID with a few dozen clips against 63 or 32 dimensions is noisy and biased upward: always report
the sample counts beside it (``evaluate`` does).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import pdist


def normalise(features: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both sets (N, D) z-scored with the reference's mean and (population) standard deviation + 1e-10, as the
    reference code does, except that a dimension constant over the reference (a relation that never holds in a
    small reference set) is only centred: dividing it by 1e-10 turns any difference there into ~1e20 and the
    FID into that one dimension."""
    mean, std = reference.mean(axis=0), reference.std(axis=0)
    scale = np.where(std > 0, std + 1e-10, 1.0)
    return (features - mean) / scale, (reference - mean) / scale


def fid(features: np.ndarray, reference: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N, D) and (M, D):
    ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^½), covariances over samples (N − 1 in the denominator).

    Tr (Σ₁Σ₂)^½ is taken as Σ √λ of the symmetric PSD matrix Σ₁^½ Σ₂ Σ₁^½, which has the eigenvalues of Σ₁Σ₂:
    exact even when, with fewer samples than dimensions, both covariances are singular — where the reference's
    ``scipy.linalg.sqrtm`` needs its 1e-5 diagonal and drops imaginary parts to get about the same number.
    """
    a, b = np.atleast_2d(np.asarray(features, float)), np.atleast_2d(np.asarray(reference, float))
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    mu = a.mean(axis=0) - b.mean(axis=0)
    s1, s2 = np.cov(a, rowvar=False).reshape(a.shape[1], -1), np.cov(b, rowvar=False).reshape(b.shape[1], -1)
    w, v = np.linalg.eigh(s1)
    root1 = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
    middle = root1 @ s2 @ root1
    trace_root = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0.0, None)).sum()
    return float(mu @ mu + np.trace(s1) + np.trace(s2) - 2.0 * trace_root)


def diversity(features: np.ndarray) -> float:
    """Mean Euclidean distance over all pairs of samples (N, D), normalised features in, as in Bailando."""
    features = np.atleast_2d(np.asarray(features, float))
    return float(pdist(features).mean()) if len(features) >= 2 else float("nan")
