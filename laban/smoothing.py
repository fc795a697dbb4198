"""Smoothing filters of one axis, in numpy: the same numbers as ``scipy.ndimage.gaussian_filter1d`` and
``median_filter`` (bit for bit), without importing scipy.ndimage, which costs a third of a second of CPU, as much
as tokenizing a minute of motion. The tokenizer, the motion analysis and the motion's pulse use these.

Gaussian: scipy's kernel (radius ``int(truncate·sigma + 0.5)``, weights ``exp(-x²/2σ²)`` normalised to sum 1)
summed in scipy's order (the centre, then symmetric pairs from the outermost in), edges extended as scipy does:
``reflect`` (d c b a | a b c d | d c b a) or ``nearest`` (a a a a | a b c d | d d d d).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

_PAD = {"reflect": "symmetric", "nearest": "edge"}


@lru_cache(maxsize=64)
def _kernel(sigma: float, radius: int) -> tuple[float, ...]:
    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 / (sigma * sigma) * offsets ** 2)
    return tuple((weights / weights.sum()).tolist())


def gaussian_filter1d(x: np.ndarray, sigma: float, axis: int = -1, mode: str = "reflect",
                      truncate: float = 4.0) -> np.ndarray:
    """``x`` smoothed along ``axis`` by a Gaussian of ``sigma`` samples; same dtype as ``x`` (floating)."""
    x = np.asarray(x)
    radius = int(truncate * float(sigma) + 0.5)
    weights = _kernel(float(sigma), radius)
    data = np.moveaxis(x, axis, 0).astype(np.float64)
    n = len(data)
    if mode == "reflect" and 0 < radius <= n:  # one reflection each side (np.pad is slow for short signals)
        padded = np.concatenate([data[radius - 1::-1], data, data[::-1][:radius]])
    elif mode == "nearest" and n:
        padded = np.concatenate([data[:1].repeat(radius, axis=0), data, data[-1:].repeat(radius, axis=0)])
    else:
        padded = np.pad(data, [(radius, radius)] + [(0, 0)] * (data.ndim - 1), mode=_PAD[mode])
    out = data * weights[radius]
    pair = np.empty_like(data)
    for k in range(radius, 0, -1):  # scipy's order: the centre, then pairs from the outermost in
        np.add(padded[radius - k:radius - k + n], padded[radius + k:radius + k + n], out=pair)
        pair *= weights[radius - k]
        out += pair
    return np.moveaxis(out, 0, axis).astype(x.dtype, copy=False)


def median_filter1d(x: np.ndarray, size: int) -> np.ndarray:
    """The median of every ``size`` (odd) consecutive samples of a 1-D ``x``, edges extended with the nearest
    sample: ``scipy.ndimage.median_filter(x, size=size, mode='nearest')``."""
    x = np.asarray(x)
    if size % 2 != 1:
        raise ValueError("the median filter's size must be odd")
    radius = size // 2
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(x, radius, mode="edge"), size)
    return np.partition(windows, radius, axis=1)[:, radius].copy()
