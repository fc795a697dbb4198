"""Musical time: the one place where seconds become beats and back.

A ``BeatGrid`` is the list of beat times in seconds plus the meter. It comes from a tempo, from given beat
times, from a music file, or from the motion's own pulse; every symbol in a score is placed in beats on it.
Between beats time is linear; before the first and after the last beat the nearest beat interval continues.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class BeatGrid:
    """Beat times in seconds, strictly increasing, and the meter.

    ``downbeat`` is the index of the first beat that starts a bar (beats before it form an upbeat).
    """

    times: tuple[float, ...]
    beats_per_bar: int = 4
    downbeat: int = 0

    def __post_init__(self) -> None:
        times = tuple(float(t) for t in self.times)
        object.__setattr__(self, "times", times)
        if len(times) < 2:
            raise ValueError("a beat grid needs at least two beats")
        if not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0):
            raise ValueError("beat times must be finite and strictly increasing")
        if self.beats_per_bar < 1:
            raise ValueError(f"beats per bar must be at least 1, not {self.beats_per_bar}")
        if not 0 <= self.downbeat < max(self.beats_per_bar, 1):
            raise ValueError(f"downbeat index {self.downbeat} must lie in the first bar")

    @classmethod
    def uniform(cls, bpm: float, duration: float, beats_per_bar: int = 4, offset: float = 0.0) -> "BeatGrid":
        """A steady tempo covering ``duration`` seconds, the first beat at ``offset`` seconds."""
        if not np.isfinite(bpm) or bpm <= 0:
            raise ValueError(f"tempo must be a positive number of beats per minute, not {bpm}")
        period = 60.0 / bpm
        count = max(int(np.ceil((duration - offset) / period)) + 1, 2)
        return cls(tuple(offset + period * np.arange(count)), beats_per_bar)

    @property
    def tempo(self) -> float:
        """Median tempo in beats per minute."""
        return float(60.0 / np.median(np.diff(self.times)))

    @property
    def beat_count(self) -> int:
        return len(self.times)

    def seconds_to_beats(self, seconds: ArrayLike) -> np.ndarray:
        """Beat positions (0 = first beat) of times in seconds."""
        t = np.asarray(self.times)
        s = np.asarray(seconds, dtype=float)
        beats = np.interp(s, t, np.arange(len(t), dtype=float))
        first, last = t[1] - t[0], t[-1] - t[-2]
        beats = np.where(s < t[0], (s - t[0]) / first, beats)
        return np.where(s > t[-1], len(t) - 1 + (s - t[-1]) / last, beats)

    def beats_to_seconds(self, beats: ArrayLike) -> np.ndarray:
        """Times in seconds of beat positions."""
        t = np.asarray(self.times)
        b = np.asarray(beats, dtype=float)
        seconds = np.interp(b, np.arange(len(t), dtype=float), t)
        first, last = t[1] - t[0], t[-1] - t[-2]
        seconds = np.where(b < 0, t[0] + b * first, seconds)
        return np.where(b > len(t) - 1, t[-1] + (b - len(t) + 1) * last, seconds)

    def bar_and_beat(self, beat: float) -> tuple[int, float]:
        """1-based bar number and 1-based beat within the bar; an upbeat lies in bar 0."""
        rel = beat - self.downbeat
        bar = int(np.floor(rel / self.beats_per_bar))
        return bar + 1, rel - bar * self.beats_per_bar + 1


def quantise(beats: ArrayLike, subdivision: int = 4) -> np.ndarray:
    """Round beat positions to the nearest 1/``subdivision`` of a beat."""
    return np.round(np.asarray(beats, dtype=float) * subdivision) / subdivision
