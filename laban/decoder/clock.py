"""Time and chance: frame times on the score's beat grid, eased timing curves, and the decoder's random streams.

Every free choice the decoder makes (an angle inside a cell, a step's length, a knee's bend, a timing curve) is
drawn from ``Streams``: one independent stream per (seed, column, symbol start, purpose). A choice made for one
symbol thus never depends on how many numbers were drawn for another, so that editing a symbol changes only what
is decoded for it and its neighbours, and the rest of the dance stays the same to the last bit.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

from ..errors import LabanError
from ..score import LONGEST_SCORE_S, Column, Score, Sign

LONGEST_DECODE_S = LONGEST_SCORE_S  # a bound on the length of motion one score may ask for (the staff's too)
ANTICIPATION = 0.9  # of a beat: the longest a movement prepares what comes next (``Clock.anticipation``)
SMOOTHING = 0.4  # of the shortest beat: the farthest a smoothing reaches either side (``Clock.kernel``)
LANDING = 0.5  # beats a score that ends in a flight goes on for: the landing (on both feet, ``support_runs``)


class DecodeError(LabanError):
    """A score or request the decoder cannot turn into motion (empty score, bad frame rate, bad seed)."""


class Clock:
    """Frame times in seconds on the score's beat grid."""

    def __init__(self, score: Score, fps: float) -> None:
        self.grid = score.grid
        self.fps = fps
        end = max((s.end for s in score.symbols), default=0.0)
        if end <= 0.0:
            end = max(score.duration, 1.0)
        flown = max((s.end for s in score.column(Column.CENTRE) if s.sign is Sign.FLIGHT and s.duration > 0),
                    default=-np.inf)
        if flown >= end - 1e-9:  # a dance that ends in the air comes down: its landing is danced too
            end += LANDING
        self.end = float(self.seconds(end))
        if self.end <= 0.0:
            raise DecodeError("the score ends before its beat grid starts (time 0): nothing to decode")
        if self.end > LONGEST_DECODE_S:
            raise DecodeError(f"the score lasts {self.end / 3600:.1f} h; the decoder stops at "
                              f"{LONGEST_DECODE_S / 3600:.0f} h")
        self.frames = int(np.floor(self.end * fps + 1e-6)) + 1
        self.t = np.arange(self.frames) / fps
        beats = np.arange(-1.0, float(self.grid.seconds_to_beats(self.end)) + 2.0)
        self.shortest_beat = float(np.diff(self.grid.beats_to_seconds(beats)).min(initial=np.inf))

    def kernel(self, sigma: float) -> dict:
        """``sigma`` (frames) and ``truncate`` of a Gaussian smoothing of ``sigma`` seconds whose reach, either
        side, stays under ``SMOOTHING`` of the shortest beat: with ``anticipation``, an edit is felt at most a beat
        before it, at any tempo. The reach is whole frames, rounded down (scipy rounds ``truncate * sigma`` to the
        nearest frame: it reached half a frame further, and a dance continued moved 1 µm a frame before that beat)."""
        radius = min(4.0 * sigma, SMOOTHING * self.shortest_beat)
        sigma = min(sigma, radius / 3.0)
        frames = max(sigma * self.fps, 1e-3)
        return {"sigma": frames, "truncate": math.floor(radius * self.fps) / frames}

    def seconds(self, beats):
        """Seconds of beat positions (a number or an array)."""
        seconds = self.grid.beats_to_seconds(beats)
        return float(seconds) if np.ndim(seconds) == 0 else seconds

    def beat_length(self, beats: float) -> float:
        """Seconds per beat around a beat position."""
        return self.seconds(beats + 0.5) - self.seconds(beats - 0.5)

    def beat_before(self, seconds: float) -> float:
        """Seconds from one beat before a time to that time."""
        beat = float(self.grid.seconds_to_beats(seconds))
        return seconds - self.seconds(beat - 1.0)

    def anticipation(self, seconds: float) -> float:
        """The longest (s) that what happens at a time may be prepared before it: ``ANTICIPATION`` of the beat
        before. With smoothing that reaches ``SMOOTHING`` of a beat (``kernel``), an edit is felt at most a beat
        before it, whatever the tempo (the reach of an edit is widened by one beat on each side)."""
        return ANTICIPATION * self.beat_before(seconds)

    def preparation(self, seconds: float) -> float:
        """The longest (s) that a jump's push-off may prepare what happens at a time (its crouch and push, and how
        the push meets the landing): ``1 - SMOOTHING`` of the beat before, since the push moves the whole body
        and the balance's smoothing (``SMOOTHING`` of a beat) carries that further back. With ``anticipation``
        here, a leap that landed a quarter beat before an edited bar moved the dance 5 mm from 1.2 beats before."""
        return (1.0 - SMOOTHING) * self.beat_before(seconds)

    def window(self, t0: float, t1: float) -> slice:
        """Frames whose times lie in [t0, t1)."""
        return slice(min(max(int(np.ceil(t0 * self.fps - 1e-9)), 0), self.frames),
                     min(max(int(np.ceil(t1 * self.fps - 1e-9)), 0), self.frames))


def clamp(x: np.ndarray, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """``np.clip`` without its overhead, which counts in the many small arrays here."""
    return np.minimum(np.maximum(x, low), high)


def smoothstep(x: np.ndarray) -> np.ndarray:
    x = clamp(x)
    return x * x * (3.0 - 2.0 * x)


def ramp(t: np.ndarray, t0: float, t1: float) -> np.ndarray:
    """0 before ``t0``, 1 after ``t1``, eased in between."""
    return smoothstep((t - t0) / max(t1 - t0, 1e-9))


def progress(t: np.ndarray, duration, ease_in, ease_out) -> np.ndarray:
    """Fraction of a movement done at times ``t`` from its start: constant speed between an eased start of
    ``ease_in`` seconds and an eased arrival of ``ease_out`` (speed ramps are smoothsteps), 0 before, 1 after.
    Arguments broadcast (one movement, or one per time)."""
    duration = np.maximum(duration, 1e-9)
    total = ease_in + ease_out
    squeeze = np.minimum(1.0, duration / np.maximum(total, 1e-12))
    ease_in, ease_out = np.maximum(ease_in * squeeze, 1e-9), np.maximum(ease_out * squeeze, 1e-9)
    t = clamp(t, 0.0, duration)
    length = duration - 0.5 * (ease_in + ease_out)

    def ramped(x):  # ∫ smoothstep from 0 to x
        x = clamp(x)
        return x * x * x * (1.0 - 0.5 * x)

    done = np.where(t < ease_in, ease_in * ramped(t / ease_in), 0.5 * ease_in + (t - ease_in))
    tail = duration - t
    done = np.where(tail < ease_out, length - ease_out * ramped(tail / ease_out), done)
    return clamp(done / np.maximum(length, 1e-12))


def hermite(t: np.ndarray, times: np.ndarray, values: np.ndarray, slopes: np.ndarray) -> np.ndarray:
    """Piecewise cubic Hermite curve through knots (times (K,), values (K, D), slopes (K, D)), held constant
    before the first knot and after the last."""
    times = np.asarray(times, dtype=float)
    if len(times) == 1:
        return np.broadcast_to(values[0], (len(t),) + values.shape[1:]).copy()
    k = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    h = np.maximum(times[k + 1] - times[k], 1e-9)
    s = clamp((t - times[k]) / h)[:, None]
    s2, s3 = s * s, s * s * s
    return ((2 * s3 - 3 * s2 + 1) * values[k] + (s3 - 2 * s2 + s) * h[:, None] * slopes[k]
            + (-2 * s3 + 3 * s2) * values[k + 1] + (s3 - s2) * h[:, None] * slopes[k + 1])


def fill_gaps(values: np.ndarray, known: np.ndarray, lead=None) -> np.ndarray:
    """Values where ``known``, linearly interpolated between (and held beyond) elsewhere; with ``lead`` (frame →
    frames), the earlier value is held until ``lead(i)`` frames before the next known frame ``i``, and only then
    changes: what comes is prepared that long before it, no longer."""
    if known.all() or not known.any():
        return values
    index = np.arange(len(values))
    filled = np.interp(index, index[known], values[known])
    if lead is None:
        return filled
    ends = np.flatnonzero(known[1:] & ~known[:-1]) + 1  # the first known frame after each gap
    for end in ends:
        before = np.flatnonzero(known[:end])
        held = before[-1] if len(before) else 0  # (before the first known value: the value there, as given)
        start = max(held, end - int(np.ceil(lead(end))))
        frames = np.arange(start, end + 1)
        filled[held:start] = values[held]
        filled[frames] = np.interp(frames, [start, end], [values[held], values[end]])
    return filled


TICKS_PER_BEAT = 960  # resolution of the times that key random streams (a MIDI-like tick)


class Streams:
    """Random streams of one ``seed``, keyed by what they decide: ``streams(column, beat, purpose)`` is a fresh
    generator for the choices made for the symbol of ``column`` (a ``Column`` or a name such as ``"turns"``) that
    starts at ``beat``. The same key always gives the same numbers; different keys give independent ones.
    ``model`` is the learned execution the choices are drawn from (``laban.execution.ExecutionModel``), or None
    for the rule-based one."""

    def __init__(self, seed: int, model=None) -> None:
        self.seed = int(seed)
        self.model = model

    def __call__(self, column: Column | str, beat: float = 0.0, purpose: str = "") -> np.random.Generator:
        name = column.value if isinstance(column, Column) else str(column)
        tick = int(round(float(beat) * TICKS_PER_BEAT)) & 0xFFFFFFFFFFFF
        return np.random.default_rng([self.seed, _code(name), tick, _code(purpose)])


def _code(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))
