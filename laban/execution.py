"""The learned execution: what real dancers do with what the notation leaves free, sampled in numpy.

A direction symbol names a 45° cell, a level a range of knee bend, a step a direction but not a length; the decoder
has to choose inside. ``decode(..., execution="learned")`` draws those choices from distributions measured on
(capture, its score) pairs of the CMU dance takes of the training split (``datasets/execution_model.py`` writes
``execution_model.safetensors``, shipped beside this module):

- where a limb ends inside its cell: a Gaussian on the sphere per (column, cell), its mean and the two principal
  axes of its spread in the tangent plane (``direction``), legs included;
- how deep a supporting knee bends at each level (``knee_flexion``);
- how far a held arm sinks while it waits for its next move (``sway``, the secondary motion of a held limb).

The model also holds how far dancers travel in a step (``step_travel``); drawing steps from it (longer and more
varied than the rule-based 24–34 cm) raised the validation FID_g from 110 to 119, so steps stay rule-based.

Not (yet) learned: the timing curve inside a symbol, and any sway of held torso and head. A slow sway of held
limbs in every direction, of the size real ones show (5–16° RMS), was tried: even at 3° RMS and under 0.25 Hz it
cost 1.5 points of round trip (the tokenizer sees held heads and arms start moving); only the arms' sinking stays.

Every draw comes from the caller's random stream (``laban.decoder.clock.Streams``), so same seed, same bytes, and
choices stay local; the decoder then keeps each choice where the tokenizer reads the written cell and level, and
its physics (planted feet, ballistic flight, constant bones) stays in charge.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from .cells import body_components, cell_of
from .score import Column, Direction, Level, Score, Sign

MODEL_FILE = Path(__file__).resolve().with_name("execution_model.safetensors")
_LEVELS = (Level.HIGH, Level.MIDDLE, Level.LOW)
SETTLING_MOST = 10.0  # degrees: the most a held arm sinks (it stays well inside its cell's core: 13° or more)


class ExecutionModel:
    """The learned distributions (see the module's docstring), from ``execution_model.safetensors``."""

    def __init__(self, arrays: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
        self.columns = {Column(name): k for k, name in enumerate(json.loads(metadata["columns"]))}
        self.mean = arrays["direction_mean"].astype(np.float64)
        self.spread = arrays["direction_spread"].astype(np.float64)
        self.knee = arrays["knee_flexion"].astype(np.float64)
        self.sway_columns = {Column(name): k for k, name in enumerate(json.loads(metadata["sway_columns"]))}
        self.sway = arrays["sway"].astype(np.float64)

    @staticmethod
    @lru_cache(maxsize=1)
    def load() -> "ExecutionModel":
        """The shipped model (read once)."""
        from safetensors import safe_open

        with safe_open(str(MODEL_FILE), framework="numpy") as file:
            arrays = {key: file.get_tensor(key) for key in file.keys()}
            metadata = file.metadata()
        return ExecutionModel(arrays, metadata)

    def direction(self, column: Column, direction: Direction, level: Level,
                  rng: np.random.Generator) -> np.ndarray | None:
        """A unit direction (forward, right, up) drawn from where dancers end ``column``'s limb in that cell, or
        None for a column the model does not know."""
        k = self.columns.get(column)
        if k is None:
            return None
        cell = cell_of(direction, level)
        z = rng.standard_normal(2)
        offset = z @ self.spread[k, cell]  # radians along the tangent plane
        angle = float(np.linalg.norm(offset))
        mean = self.mean[k, cell]
        if angle < 1e-9:
            return mean.copy()
        return np.cos(angle) * mean + np.sin(angle) * offset / angle

    def knee_flexion(self, level: Level, rng: np.random.Generator) -> float:
        """Degrees a supporting knee bends at ``level``, drawn from the dancers' (the caller keeps it inside the
        level)."""
        mean, std = self.knee[_LEVELS.index(level)]
        return float(mean + std * rng.standard_normal())

    def settling(self, column: Column) -> float:
        """Degrees a held limb of ``column`` settles (an arm sinks) while it is held: how far dancers' held limbs
        wander, at most ``SETTLING_MOST`` (0 for a column the model does not know)."""
        k = self.sway_columns.get(column)
        return 0.0 if k is None else float(min(self.sway[k], SETTLING_MOST))


def symbol_ends(analysis, score: Score) -> dict[Column, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """What the execution is learned from: for every gesture column of an analysed capture (``laban.analyse``)
    and its score, at the end of every direction symbol, (cells (n,), unit limb directions (n, 3) in the body's own
    cross of axes as the tokenizer measures the limb, whether the limb was free to gesture there (n,): a leg only
    while its foot is off the floor)."""
    from .tokenizer import _gesture_limbs  # the tokenizer's own limbs: the model learns what it reads

    traj = analysis.trajectories
    found = {}
    for column, (base, tip), free in _gesture_limbs(analysis):
        symbols = [s for s in score.column(column) if s.sign is Sign.DIRECTION]
        if not symbols:
            continue
        seconds = score.grid.beats_to_seconds(np.array([s.end for s in symbols]))
        frames = np.clip(np.round(seconds * traj.fps).astype(int), 0, traj.frame_count - 1)
        v = (traj.part(tip) - traj.part(base))[frames].astype(np.float64)
        body = body_components(v, analysis.forward[frames], analysis.right[frames])
        body /= np.maximum(np.linalg.norm(body, axis=1, keepdims=True), 1e-9)
        usable = np.ones(len(frames), dtype=bool) if free is None else free[frames].astype(bool)
        found[column] = (np.array([cell_of(s.direction, s.level) for s in symbols]), body, usable)
    return found


def held_frames(analysis, score: Score, columns) -> dict[Column, tuple[np.ndarray, np.ndarray]]:
    """Where dancers hold a limb: for each of ``columns`` (arms, torso, head) of an analysed capture and its score,
    every frame on which the limb is held as the score reads it (from the start to its first direction symbol,
    and from each symbol's end to the next one's start), as (cells (m,), unit limb directions (m, 3) in the
    body's own cross of axes). A held limb need not stay in its cell's core: the tokenizer's hysteresis keeps
    the cell until the limb enters another cell's core, and dancers' held limbs mostly sit outside it (an arm
    written backward low is held 27-29° back on average, where the core starts at 32.5°)."""
    from .tokenizer import _gesture_limbs

    traj = analysis.trajectories
    times = np.arange(traj.frame_count) / traj.fps
    found = {}
    for column, (base, tip), _ in _gesture_limbs(analysis):
        if column not in columns:
            continue
        symbols = [s for s in score.column(column) if s.sign is Sign.DIRECTION]
        first = next((s for s in score.starting_position if s.column is column and s.sign is Sign.DIRECTION), None)
        spans = [(first, -np.inf, symbols[0].start if symbols else np.inf)] if first is not None else []
        spans += [(s, s.end, after.start) for s, after in zip(symbols, symbols[1:])]
        spans += [(symbols[-1], symbols[-1].end, np.inf)] if symbols else []
        cells, frames = [], []
        for symbol, begin, end in spans:
            lo, hi = score.grid.beats_to_seconds(np.array([begin, end]))
            inside = np.flatnonzero((times >= lo) & (times < hi))
            cells.append(np.full(len(inside), cell_of(symbol.direction, symbol.level)))
            frames.append(inside)
        frames = np.concatenate(frames) if frames else np.zeros(0, dtype=int)
        v = (traj.part(tip) - traj.part(base))[frames].astype(np.float64)
        body = body_components(v, analysis.forward[frames], analysis.right[frames])
        found[column] = (np.concatenate(cells) if cells else np.zeros(0, dtype=int),
                         body / np.maximum(np.linalg.norm(body, axis=1, keepdims=True), 1e-9))
    return found
