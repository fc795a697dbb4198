"""The decoder: a Labanotation score in, motion that looks like a person doing it out.

What a dancer reading the staff does, in order:

1. **Supports** (``_support_runs``): read the support columns as runs of weight on the left foot, the right foot,
   both, or none (flight), each started by a step (its direction and level) or continuing the weight (a hold).
2. **Front** (``_heading``): turn signs rotate the facing; each is executed so that the notated front, which
   advances in eighths of a turn, stays within a few degrees of the real one.
3. **Floor plan** (``_Steps``): every step places the free foot where the step's direction and the weight transfer
   need it, the pelvis travels over the supporting foot, supporting feet stay planted (they only pivot on the ball
   in turns), free feet swing with clearance or follow their leg gestures, and levels bend the knees (plié) or raise
   the heels (relevé).
4. **Gestures** (``_gesture_track``): arms, torso and head reach the destination of each symbol over its duration,
   with eased timing, along the sphere.
5. **Body** (``_Body``): the pelvis height follows the levels of the supporting legs and, in a jump, a push-off,
   a ballistic flight of the centre of mass and a landing absorbed by the knees; two-bone IK places knees over the
   toes; rotations point each bone of the skeleton where it must go. The centre of mass is then put over the feet
   (balance) and on its parabola (flight), and the legs solved again.

Whatever the notation leaves free — the exact angle inside a direction's bin (around where real dancers typically
hold that limb in that bin: the execution prior ``execution_prior.json``, measured on CMU dance of the training
split by ``datasets/execution_prior.py``), step length, foot placement,
turn-out, knee bend within a level, timing curves, small breathing motion — is drawn from ``seed``, always inside
the bins the tokenizer reads, so that ``tokenize(decode(score), score.grid)`` gives back the score.
All per-frame work is numpy over whole arrays; Python loops run over symbols, runs and joints.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.special import ndtri

from .errors import LabanError
from .figure import UP, Rig, arm_front, centre_of_mass, default_skeleton, leg_front
from .ik import apply, axis_angle, compose, dot, frame, matrix_to_quaternion, slerp, swing, two_bone, unit
from .motion import Motion, forward_kinematics
from .score import Column, Direction, Level, Score, Sign
from .skeleton import Skeleton
from .analysis import WORKING_FPS
from .tokenizer import MOVING_SPEED, TURN_SPEED

GRAVITY = 9.81
LONGEST_DECODE_S = 4 * 3600.0  # a bound on the length of motion one score may ask for

# Gesture bins as the tokenizer reads them (laban.tokenizer): levels ±22.5°/±67.5°, 45° sectors, a limb changes
# cell only HYSTERESIS degrees inside the new one. Sampled directions stay a further MARGIN inside.
_HYSTERESIS, _MARGIN = 10.0, 3.0
_LEVEL_ELEVATION = {Level.HIGH: 45.0, Level.MIDDLE: 0.0, Level.LOW: -45.0}
# A gesture faster than the tokenizer's sense of movement (50°/s to start, 25°/s to keep moving) is visible to it.
_GESTURE_SPEED = 70.0  # deg/s, the slowest plateau speed of a gesture
_FASTEST_GESTURE = 900.0  # deg/s, about the fastest a dancer's arm swings
_SEEN_SMOOTHING = 1.5 / WORKING_FPS  # s: the tokenizer smooths limb speed over 1.5 of its frames
_TRACK_SMOOTHING = 0.03  # s of gaussian smoothing on limb directions: rounds off speed ramps and routes
_FLOWING_SPEED = 150.0  # deg/s: moves this quick that follow each other at once flow into each other
_STOP = 0.14  # s a limb rests between two movements that follow each other (the tokenizer cuts them there)
_TURN_SPEED = 70.0  # deg/s, the slowest turn (the tokenizer sees turning above 40°/s)
_SEEN_TURNING = 2.2 / WORKING_FPS  # s: the tokenizer smooths the hip line over 1 frame and the heading over 2
_TURN_SLACK = 14.0  # degrees the real front may differ from the notated one (the tokenizer rounds at 22.5°)

# Supports
_DOUBLE_SUPPORT = 0.02  # s the old foot stays down after the new one lands: the weight arrives with the step
_LOADING = 0.12  # s a leg takes to accept the weight
_TRANSFER = (0.35, 0.55)  # s the weight takes to move over a new support when the step is long enough
_STEP = (0.24, 0.34)  # m of travel for a step with a direction (the tokenizer needs 0.10)
_STEP_BOTH = (0.11, 0.125)  # m of travel for a step onto both feet
_PLACE_TRAVEL = 0.045  # m: the most a step in place moves the pelvis
_REACHED = 0.28  # m from the hip a foot lands after a low leg gesture (so the leg still reads as that gesture)
_STANCE = (0.10, 0.13)  # m between the feet standing in place
_BALANCE = 0.025  # m the centre of mass may stray from the planned centre of weight over the feet
_BALANCE_PASSES = 1  # times the legs are solved again after moving the pelvis under the centre of mass
# Levels (the tokenizer: plié = knee bent over 35°, relevé = heel raised over 4.5 cm, each ± a dead band)
_LEVEL_FLEXION = {Level.LOW: (50.0, 60.0), Level.MIDDLE: (12.0, 20.0), Level.HIGH: (8.0, 16.0)}  # knee, degrees
_LEVEL_CHANGE = 0.16  # s a supporting leg takes to change level ...
_LEVEL_EARLY = 0.08  # s ... starting this much before the weight arrives
_RELEVE = (0.065, 0.075)  # m the ankle rises on the ball of the foot
_QUICK_RELEVE = 0.45  # s: a shorter time on the ball keeps the pelvis where it was (knees bent); a longer one rises
_STEEPEST = np.radians(65.0)  # the most the line from ball to ankle rises from the floor in relevé
# Free feet
_CLEARANCE = (0.08, 0.11)  # m a swinging foot rises (the tokenizer: a foot 5 cm up is off the floor)
_FREE_LIFT = (0.10, 0.14)  # m a free foot is held up when the leg hangs (place low) for a while
_TURNOUT = (0.05, 0.2)  # rad each foot points outward


class DecodeError(LabanError):
    """A score or request the decoder cannot turn into motion (empty score, bad frame rate)."""


def decode(score: Score, skeleton: Skeleton | None = None, *, fps: float = 30.0, seed: int = 0) -> Motion:
    """Motion that performs ``score`` on ``skeleton`` (default: ``laban.figure.default_skeleton()``).

    Joint rotations and root translation at ``fps`` frames per second, frame 0 at time 0 of the score's beat
    grid, to the end of its last symbol. ``seed`` picks one of the many executions the notation allows; the same
    seed gives the same motion.
    """
    if not isinstance(score, Score):
        raise DecodeError(f"decode needs a Score, not {type(score).__name__}")
    if not score.symbols and not score.starting_position:
        raise DecodeError("the score is empty: it has no symbols and no starting position to decode")
    if not (isinstance(fps, (int, float)) and np.isfinite(fps) and 1.0 <= fps <= 1000.0):
        raise DecodeError(f"frame rate must be a number of frames per second from 1 to 1000, not {fps!r}")
    skeleton = default_skeleton() if skeleton is None else skeleton
    rig = Rig.of(skeleton)  # SkeletonError (a LabanError) when the body parts cannot be recognised
    rng = np.random.default_rng(seed)
    clock = _Clock(score, float(fps))
    runs = _support_runs(score, clock)
    heading = _heading(score, clock, rng)
    steps = _Steps(rig, clock, runs, heading, rng)
    gestures = {column: _gesture_track(score, column, clock, rng)
                for column in (Column.TORSO, Column.HEAD, Column.UPPER_ARM_LEFT, Column.UPPER_ARM_RIGHT,
                               Column.FOREARM_LEFT, Column.FOREARM_RIGHT)}
    body = _Body(rig, clock, steps, gestures, score, rng)
    return body.motion()


# ---------------------------------------------------------------------------------------------------------------
# Time


class _Clock:
    """Frame times in seconds on the score's beat grid."""

    def __init__(self, score: Score, fps: float) -> None:
        self.grid = score.grid
        self.fps = fps
        end = max((s.end for s in score.symbols), default=0.0)
        if end <= 0.0:
            end = max(score.duration, 1.0)
        self.end = float(self.seconds(end))
        if self.end <= 0.0:
            raise DecodeError("the score ends before its beat grid starts (time 0): nothing to decode")
        if self.end > LONGEST_DECODE_S:
            raise DecodeError(f"the score lasts {self.end / 3600:.1f} h; the decoder stops at "
                              f"{LONGEST_DECODE_S / 3600:.0f} h")
        self.frames = int(np.floor(self.end * fps + 1e-6)) + 1
        self.t = np.arange(self.frames) / fps

    def seconds(self, beats):
        """Seconds of beat positions (a number or an array)."""
        seconds = self.grid.beats_to_seconds(beats)
        return float(seconds) if np.ndim(seconds) == 0 else seconds

    def beat_length(self, beats: float) -> float:
        """Seconds per beat around a beat position."""
        return self.seconds(beats + 0.5) - self.seconds(beats - 0.5)

    def window(self, t0: float, t1: float) -> slice:
        """Frames whose times lie in [t0, t1)."""
        return slice(min(max(int(np.ceil(t0 * self.fps - 1e-9)), 0), self.frames),
                     min(max(int(np.ceil(t1 * self.fps - 1e-9)), 0), self.frames))


def _clamp(x: np.ndarray, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """``np.clip`` without its overhead, which counts in the many small arrays here."""
    return np.minimum(np.maximum(x, low), high)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = _clamp(x)
    return x * x * (3.0 - 2.0 * x)


def _ramp(t: np.ndarray, t0: float, t1: float) -> np.ndarray:
    """0 before ``t0``, 1 after ``t1``, eased in between."""
    return _smoothstep((t - t0) / max(t1 - t0, 1e-9))


def _progress(t: np.ndarray, duration, ease_in, ease_out) -> np.ndarray:
    """Fraction of a movement done at times ``t`` from its start: constant speed between an eased start of
    ``ease_in`` seconds and an eased arrival of ``ease_out`` (speed ramps are smoothsteps), 0 before, 1 after.
    Arguments broadcast (one movement, or one per time)."""
    duration = np.maximum(duration, 1e-9)
    total = ease_in + ease_out
    squeeze = np.minimum(1.0, duration / np.maximum(total, 1e-12))
    ease_in, ease_out = np.maximum(ease_in * squeeze, 1e-9), np.maximum(ease_out * squeeze, 1e-9)
    t = _clamp(t, 0.0, duration)
    length = duration - 0.5 * (ease_in + ease_out)

    def ramped(x):  # ∫ smoothstep from 0 to x
        x = _clamp(x)
        return x * x * x * (1.0 - 0.5 * x)

    done = np.where(t < ease_in, ease_in * ramped(t / ease_in), 0.5 * ease_in + (t - ease_in))
    tail = duration - t
    done = np.where(tail < ease_out, length - ease_out * ramped(tail / ease_out), done)
    return _clamp(done / np.maximum(length, 1e-12))


def _hermite(t: np.ndarray, times: np.ndarray, values: np.ndarray, slopes: np.ndarray) -> np.ndarray:
    """Piecewise cubic Hermite curve through knots (times (K,), values (K, D), slopes (K, D)), held constant
    before the first knot and after the last."""
    times = np.asarray(times, dtype=float)
    if len(times) == 1:
        return np.broadcast_to(values[0], (len(t),) + values.shape[1:]).copy()
    k = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    h = np.maximum(times[k + 1] - times[k], 1e-9)
    s = _clamp((t - times[k]) / h)[:, None]
    s2, s3 = s * s, s * s * s
    return ((2 * s3 - 3 * s2 + 1) * values[k] + (s3 - 2 * s2 + s) * h[:, None] * slopes[k]
            + (-2 * s3 + 3 * s2) * values[k + 1] + (s3 - s2) * h[:, None] * slopes[k + 1])


# ---------------------------------------------------------------------------------------------------------------
# Supports


@dataclass
class _Run:
    """Weight on a set of feet (0 left, 1 right; none = flight) from ``t0`` to ``t1`` seconds."""

    b0: float
    b1: float
    t0: float
    t1: float
    feet: tuple[int, ...]
    step: Direction | None  # the direction of the step that starts the run; None when the weight stays
    levels: dict[int, Level] = field(default_factory=dict)
    late: float = 0.0  # s the feet that leave after this run stay down beyond its end
    reaching: dict[int, Direction] = field(default_factory=dict)  # where a leg gestured just before it lands

    @property
    def duration(self) -> float:
        return self.t1 - self.t0


_FOOT_COLUMNS = (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)


def _support_runs(score: Score, clock: _Clock) -> list[_Run]:
    """The support columns as consecutive runs from beat 0 to the end: a new run starts where the supporting feet
    change or a new step is written. Before the first support symbol the starting position stands."""
    columns = [[s for s in score.column(c) if s.duration > 0] for c in _FOOT_COLUMNS]
    # A turn in the centre column is a turn on both feet, unless it stands beside a flight (a turn in the air).
    flights = [s for s in score.column(Column.CENTRE) if s.sign is Sign.FLIGHT]
    for s in score.column(Column.CENTRE):
        if s.sign is Sign.TURN and s.duration > 0 and not any(f.start < s.end and s.start < f.end for f in flights):
            for col in columns:
                col.append(s)
    start_feet = [any(s.column is c for s in score.starting_position) for c in _FOOT_COLUMNS]
    if not any(start_feet):
        start_feet = [True, True]  # no starting support written: standing on both feet
    levels = {}
    for foot, c in enumerate(_FOOT_COLUMNS):
        first = next((s for s in score.starting_position if s.column is c and s.sign is Sign.DIRECTION), None)
        levels[foot] = first.level if first is not None else Level.MIDDLE
    end_beat = float(clock.grid.seconds_to_beats(clock.end))
    first_support = min((s.start for col in columns for s in col), default=np.inf)
    edges = sorted({0.0, end_beat, *(x for col in columns for s in col for x in (s.start, s.end) if x < end_beat)})
    seconds = dict(zip(edges, clock.seconds(np.array(edges)).tolist()))
    runs: list[_Run] = []
    for b0, b1 in zip(edges[:-1], edges[1:]):
        if b1 - b0 < 1e-9:
            continue
        middle = 0.5 * (b0 + b1)
        covering = [max((s for s in col if s.start <= middle < s.end), key=lambda s: s.start, default=None)
                    for col in columns]
        feet = tuple(f for f in (0, 1) if covering[f] is not None or (middle < first_support and start_feet[f]))
        new_step = [s for s in covering if s is not None and s.sign is Sign.DIRECTION and abs(s.start - b0) < 1e-9]
        for foot, s in enumerate(covering):
            if s is not None and s.sign is Sign.DIRECTION:
                levels[foot] = s.level
        if runs and runs[-1].feet == feet and not new_step:
            runs[-1].b1, runs[-1].t1 = b1, seconds[b1]
            continue
        step = new_step[0].direction if new_step else None
        runs.append(_Run(b0, b1, seconds[b0], seconds[b1], feet, step, {f: levels[f] for f in feet}))
    # Flight is seen only while the pelvis falls freely, a frame or so after take-off and before landing: the feet
    # leave a little before the written time and land a little after (within an eighth of a beat).
    for k, run in enumerate(runs):
        if run.feet or k == 0 or k + 1 == len(runs):
            continue
        beat = clock.beat_length(run.b0)
        wider = min(0.11 * beat, max(1.5 / WORKING_FPS, 0.5 * (0.2 - run.duration)))
        before, after = runs[k - 1], runs[k + 1]
        early, late = min(wider, 0.4 * before.duration), min(wider, 0.4 * after.duration)
        before.t1 = run.t0 = run.t0 - early
        after.t0 = run.t1 = run.t1 + late
    # A leg that gestures (forward low, say) and then steps puts its foot down the way it reached.
    for foot, column in enumerate((Column.LEG_LEFT, Column.LEG_RIGHT)):
        gestures = [s for s in score.column(column) if s.sign is Sign.DIRECTION]
        supported_until = 0.0
        for run in runs:
            if foot in run.feet:
                last = max((s for s in gestures if supported_until - 0.25 <= s.start < run.b0), key=lambda s: s.start,
                           default=None)
                if last is not None and last.direction is not Direction.PLACE and last.level is not Level.HIGH:
                    run.reaching[foot] = last.direction
                supported_until = run.b1
    runs[0].t0 = min(runs[0].t0, 0.0)
    runs[-1].t1 = max(runs[-1].t1, clock.end + 1.0 / clock.fps)
    return runs


# ---------------------------------------------------------------------------------------------------------------
# The front


@dataclass
class _TurnSign:
    t0: float
    t1: float
    amount: float  # whole turns, clockwise positive


def _turn_signs(score: Score, clock: _Clock) -> list[_TurnSign]:
    seen, turns = set(), []
    for s in score.symbols:
        if s.sign is Sign.TURN and s.column in (Column.CENTRE, *_FOOT_COLUMNS):
            key = (s.start, s.duration, s.turn)
            if key not in seen:
                seen.add(key)
                turns.append(_TurnSign(clock.seconds(s.start), clock.seconds(s.end), float(s.turn)))
    return sorted(turns, key=lambda turn: turn.t0)


def _heading(score: Score, clock: _Clock, rng: np.random.Generator) -> np.ndarray:
    """Facing per frame, radians clockwise seen from above (0: +z).

    The tokenizer notates each turn as the eighths that bring the notated front nearest the real one; the real
    front may thus wander from the notated one by less than half an eighth. Each turn is executed so that it ends
    within ``_TURN_SLACK`` of the notated front, fast enough to be seen turning, with eased starts and stops only
    where turning starts and stops (consecutive turn signs flow into each other).
    """
    t = clock.t
    heading = np.zeros(clock.frames)
    notated = actual = 0.0  # degrees
    turns = _turn_signs(score, clock)
    for k, turn in enumerate(turns):
        duration = max(turn.t1 - turn.t0, 1e-3)
        goal = notated + 360.0 * turn.amount
        wanted = np.sign(turn.amount) * _TURN_SPEED * duration  # the least angle that turns fast enough
        slack = np.clip(actual + wanted - goal, -_TURN_SLACK, _TURN_SLACK) if abs(goal - actual) < abs(wanted) \
            else 0.0
        drift = np.clip(rng.normal(0.0, 3.0) + slack, -_TURN_SLACK, _TURN_SLACK)
        end = goal + drift
        flows_in = k > 0 and turn.t0 - turns[k - 1].t1 < 0.1
        flows_on = k + 1 < len(turns) and turns[k + 1].t0 - turn.t1 < 0.1
        ease = min(0.08, 0.3 * duration)
        # the tokenizer sees turning once the smoothed rate passes TURN_SPEED: start early and stop late by that
        rate = abs(end - actual) / max(duration - ease, 1e-3)
        spread = np.hypot(_SEEN_TURNING, 0.3 * ease)
        late = 0.5 * ease + spread * float(ndtri(np.clip(TURN_SPEED / max(rate, 1e-3), 1e-4, 1 - 1e-4)))
        late = max(late, 0.0)  # a quick turn is seen early, but it takes the whole time written for it (less jerk)
        begin = turn.t0 - (0.0 if flows_in else late)
        finish = turn.t1 + (0.0 if flows_on else late)
        progress = _progress(t - begin, finish - begin, 0.0 if flows_in else ease, 0.0 if flows_on else ease)
        heading += np.radians(end - actual) * progress
        notated, actual = goal, end
    return heading


def _facing(rig: Rig, heading: np.ndarray) -> np.ndarray:
    """World rotations (T, 3, 3) that turn the rest pose to face ``heading``."""
    forward = np.stack([-np.sin(heading), np.zeros_like(heading), np.cos(heading)], axis=-1)
    right = np.stack([-np.cos(heading), np.zeros_like(heading), -np.sin(heading)], axis=-1)
    target = np.stack([forward, np.broadcast_to(UP, forward.shape), right], axis=-1)
    rest = np.stack([rig.forward, UP, rig.right], axis=-1)
    return compose(target, rest.T)


def _axes(heading: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal (x, z) forward and right of a heading."""
    if np.ndim(heading) == 0:
        sine, cosine = math.sin(heading), math.cos(heading)
        return np.array([-sine, cosine]), np.array([-cosine, -sine])
    h = np.asarray(heading, dtype=float)
    return np.stack([-np.sin(h), np.cos(h)], axis=-1), np.stack([-np.cos(h), -np.sin(h)], axis=-1)


def _to_world(fru: np.ndarray, heading: np.ndarray) -> np.ndarray:
    """(forward, right, up) components at each frame's heading → world vectors (T, 3)."""
    forward, right = _axes(heading)
    world = np.empty(fru.shape)
    world[:, 0] = fru[:, 0] * forward[:, 0] + fru[:, 1] * right[:, 0]
    world[:, 2] = fru[:, 0] * forward[:, 1] + fru[:, 1] * right[:, 1]
    world[:, 1] = fru[:, 2]
    return world


# ---------------------------------------------------------------------------------------------------------------
# Gestures


def sample_direction(direction: Direction, level: Level, rng: np.random.Generator, spread: float = 0.6,
                     side: str | None = None, column: Column | None = None) -> np.ndarray:
    """A unit vector (forward, right, up) inside the core of a direction-and-level cell, where the tokenizer
    reads it as that cell even with its hysteresis: near where dancers typically hold that ``column``'s limb in
    that cell (``typical_direction``; the cell's geometric centre without a column), ``spread`` scaling the
    variation. ``side`` puts a hanging or raised limb (place) out to that side, clear of the body."""
    typical = typical_direction(column, direction, level) if column is not None else None
    if direction is Direction.PLACE:
        elevation = 90.0 - abs(rng.normal(4.0, 2.5 * spread))
        if typical is not None:  # as far from the vertical as this limb typically hangs or rises
            elevation = abs(math.degrees(math.asin(min(max(typical[2], -1.0), 1.0)))) - rng.normal(0.0, 2.5 * spread)
        elevation = min(max(elevation, 90.0 - 22.5 + _HYSTERESIS + _MARGIN), 89.0)
        if level is not Level.HIGH:
            elevation = -elevation
        # out to the side, not where the prior leans (hanging arms forward would carry the weight forward)
        azimuth = 90.0 if side == "right" else -90.0 if side == "left" else rng.uniform(0.0, 360.0)
        azimuth += rng.normal(0.0, 15.0 * spread)
    else:
        centre = _LEVEL_ELEVATION[level]
        offset = rng.normal(0.0, 4.0 * spread)
        if typical is None:
            inner = 22.5 - _HYSTERESIS - _MARGIN - 2.0
            offset = min(max(offset, -inner), inner)
            if level is not Level.MIDDLE:  # sectors narrow towards the poles: keep to the lower part of high, etc.
                offset = min(offset * math.copysign(1.0, centre), 2.0) * math.copysign(1.0, centre)
            elevation = centre + offset
        else:  # around the typical direction, kept inside the core
            inner = 22.5 - _HYSTERESIS - _MARGIN
            elevation = math.degrees(math.asin(min(max(typical[2], -1.0), 1.0))) + offset
            elevation = min(max(elevation, centre - inner), centre + inner)
            typical_azimuth = (math.degrees(math.atan2(typical[1], typical[0])) - direction.azimuth + 180.0) \
                % 360.0 - 180.0
        allowed = 22.5 - (_HYSTERESIS + _MARGIN) / math.cos(math.radians(elevation))
        turn = rng.normal(0.0, 3.0 * spread)
        azimuth = direction.azimuth + (0.9 * min(max(turn, -allowed), allowed) if typical is None
                                       else min(max(typical_azimuth + turn, -0.9 * allowed), 0.9 * allowed))
    e, a = math.radians(elevation), math.radians(azimuth)
    return np.array([math.cos(e) * math.cos(a), math.cos(e) * math.sin(a), math.sin(e)])


_PRIOR_FILE = Path(__file__).with_name("execution_prior.json")
_LEVEL_INDEX = {Level.HIGH: 0, Level.MIDDLE: 1, Level.LOW: 2}


def cell_of(direction: Direction, level: Level) -> int:
    """The cell id of a direction and level, as ``laban.tokenizer.limb_cells`` numbers them."""
    if direction is Direction.PLACE:
        return 24 if level is Level.HIGH else 25
    return round(direction.azimuth / 45.0) % 8 * 3 + _LEVEL_INDEX[level]


@lru_cache(maxsize=1)
def _execution_prior() -> dict[Column, np.ndarray]:
    """column → (26, 3) typical directions per cell, from ``execution_prior.json`` (recipe:
    ``datasets/execution_prior.py``, CMU dance of the training split), shipped with the package."""
    table = json.loads(_PRIOR_FILE.read_text())
    directions = np.asarray(table["direction"], dtype=float)
    return {Column(name): directions[k] for k, name in enumerate(table["columns"])}


def typical_direction(column: Column, direction: Direction, level: Level) -> np.ndarray | None:
    """Where dancers typically hold ``column``'s limb inside a cell (unit (forward, right, up)), or None where
    the execution prior has no such column."""
    prior = _execution_prior().get(column)
    if prior is None:
        return None
    return prior[cell_of(direction, level)]


_GESTURE_DEFAULT = {Column.TORSO: (Direction.PLACE, Level.HIGH), Column.HEAD: (Direction.PLACE, Level.HIGH)}


def _side(column: Column) -> str | None:
    return column.side if column in (Column.UPPER_ARM_LEFT, Column.UPPER_ARM_RIGHT, Column.FOREARM_LEFT,
                                     Column.FOREARM_RIGHT, Column.LEG_LEFT, Column.LEG_RIGHT) else None


def _gesture_track(score: Score, column: Column, clock: _Clock, rng: np.random.Generator) -> np.ndarray:
    """(T, 3) directions (forward, right, up) of a gesture column's limb at each frame."""
    first = next((s for s in score.starting_position if s.column is column and s.sign is Sign.DIRECTION), None)
    cell = (first.direction, first.level) if first else _GESTURE_DEFAULT.get(column, (Direction.PLACE, Level.LOW))
    start = sample_direction(*cell, rng, side=_side(column), column=column)
    symbols = [s for s in score.column(column) if s.sign is Sign.DIRECTION]
    if not symbols:
        return _track(clock.t, start, [], rng, clock)
    seconds = clock.seconds(np.array([[s.start, s.end] for s in symbols]))
    moves = [(t0, t1, sample_direction(s.direction, s.level, rng, side=_side(column), column=column))
             for (t0, t1), s in zip(seconds, symbols)]
    return _track(clock.t, start, moves, rng, clock)


def _track(t: np.ndarray, start: np.ndarray, moves: list[tuple[float, float, np.ndarray]],
           rng: np.random.Generator, clock: _Clock) -> np.ndarray:
    """Directions over time: from ``start``, each move (t0, t1, target) reaches its target along the sphere.

    Timing is eased (the speed ramps up and down smoothly) with a constant speed between. A move that would crawl
    slower than a movement the tokenizer can see goes at ``_GESTURE_SPEED`` and arrives early; a move followed at
    once by another arrives a moment early and pauses, as a dancer's movements are separated by stops (the
    tokenizer cuts movements where the limb stops). Each move starts a moment before its written time, so that it
    is seen to start on time (``_seen_after``); a quick move followed at once by another flows into it instead,
    the dip of speed between them on the written boundary. A move cut short by the next hands over where it got to.
    Vectorised over moves and frames.
    """
    if not moves:
        return np.broadcast_to(start, (len(t), 3)).copy()
    moves = sorted(moves, key=lambda m: m[0])
    n = len(moves)
    t0 = np.array([m[0] for m in moves])
    t1 = np.maximum(np.array([m[1] for m in moves]), t0 + 1e-3)
    targets = np.array([m[2] for m in moves])
    ease_in, ease_out = rng.uniform(0.08, 0.11, n), rng.uniform(0.09, 0.13, n)
    paths = _Paths(np.vstack([start, targets[:-1]]), targets)
    following = np.append(t0[1:], np.inf)
    # A quick move followed at once by another flows into it: it arrives as the next one starts, without a rest;
    # the tokenizer cuts the two at the dip of speed between them, which lies at the written boundary. Slower
    # moves rest between (a dip would not be deep enough to be seen) and start early by what it takes to be seen.
    flowing = np.zeros(n, dtype=bool)
    brisk = paths.angle / np.maximum(np.minimum(t1, following) - t0 - 0.5 * (ease_in + ease_out), 1e-3)
    flowing[:-1] = (following[:-1] - t1[:-1] < 0.5 / clock.fps) & (brisk[:-1] > _FLOWING_SPEED) \
        & (brisk[1:] > _FLOWING_SPEED)
    duration, e_in, e_out = _timing(paths.angle, np.minimum(t1, following) - t0, following - t1, ease_in, ease_out,
                                    flowing)
    speed = paths.angle / np.maximum(duration - 0.5 * (e_in + e_out), 1e-3)
    begins = t0 - np.where(np.r_[False, flowing[:-1]], 0.0, _seen_after(speed, e_in))
    following = np.append(begins[1:], np.inf)
    duration, e_in, e_out = _timing(paths.angle, np.minimum(t1, following) - begins, following - t1, ease_in,
                                    ease_out, flowing)
    duration = np.maximum(duration, 2.0 / clock.fps)
    handover = _progress(following - begins, duration, e_in, e_out)
    for k in np.flatnonzero(handover[:-1] < 1.0 - 1e-6):  # cut short: the next move starts where this one got to
        paths.restart(k + 1, paths.at(np.array([k]), handover[k:k + 1])[0])
    which = np.searchsorted(begins, t, side="right") - 1
    moving = which >= 0
    directions = np.broadcast_to(start, (len(t), 3)).copy()
    k = which[moving]
    done = _progress(t[moving] - begins[k], duration[k], e_in[k], e_out[k])
    directions[moving] = paths.at(k, done)
    if len(t) > 1 and _TRACK_SMOOTHING > 0:  # round off the corners of the speed ramps and routes a little
        sigma = _TRACK_SMOOTHING / max(t[1] - t[0], 1e-9)
        directions = unit(gaussian_filter1d(directions, sigma, axis=0, mode="nearest"))
    return directions


def _timing(angle: np.ndarray, available: np.ndarray, gap: np.ndarray, ease_in: np.ndarray, ease_out: np.ndarray,
            flowing: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Durations and ease lengths of moves of ``angle`` degrees with ``available`` seconds each, ``gap`` seconds
    before the next move in their column. A move followed at once by another leaves time to stop (``_STOP``); one
    that would crawl slower than the tokenizer sees movement goes at ``_GESTURE_SPEED`` and arrives early."""
    quickest = np.maximum(0.06, angle / _FASTEST_GESTURE)
    pause = np.where((gap < _STOP) & ~flowing, np.clip(available - quickest, 0.0, _STOP), 0.0)
    duration = np.maximum(available - pause, 1e-3)
    ease_in, ease_out = np.minimum(ease_in, 0.3 * duration), np.minimum(ease_out, 0.35 * duration)
    crawl = (angle < _GESTURE_SPEED * (duration - 0.5 * (ease_in + ease_out))) & ~flowing
    duration = np.where(crawl, angle / _GESTURE_SPEED + 0.5 * (ease_in + ease_out), duration)
    return duration, ease_in, ease_out


def _seen_after(speed: np.ndarray, ease_in: np.ndarray) -> np.ndarray:
    """Seconds after a movement starts that the tokenizer sees it start: its limb speed, smoothed over
    ``_SEEN_SMOOTHING`` and sampled at ``WORKING_FPS`` (a frame's speed is the turn since the frame before), first
    exceeds ``MOVING_SPEED``. The eased start is a step at half its length, blurred by its spread."""
    spread = np.hypot(_SEEN_SMOOTHING, 0.3 * ease_in)
    crossing = 0.5 * ease_in + spread * ndtri(np.clip(MOVING_SPEED / np.maximum(speed, 1e-3), 1e-4, 1 - 1e-4))
    return crossing + 1.0 / WORKING_FPS


def core_cell(v: np.ndarray) -> np.ndarray:
    """Cell ids (sector * 3 + level, 24 place high, 25 place low; as ``laban.tokenizer.limb_cells``) of unit
    vectors (..., 3) in (forward, right, up) components that lie in a cell's core, where the tokenizer's
    hysteresis switches to that cell; -1 elsewhere."""
    elevation = np.degrees(np.arcsin(np.clip(v[..., 2], -1.0, 1.0)))
    azimuth = np.degrees(np.arctan2(v[..., 1], v[..., 0])) % 360.0
    sector = np.round(azimuth / 45.0).astype(np.int64) % 8
    level = np.where(elevation > 22.5, 0, np.where(elevation < -22.5, 2, 1))
    cell = np.where(elevation > 67.5, 24, np.where(elevation < -67.5, 25, sector * 3 + level))
    to_level = np.min(np.abs(elevation[..., None] - np.array([-67.5, -22.5, 22.5, 67.5])), axis=-1)
    to_sector = (22.5 - np.abs(azimuth - 45.0 * np.round(azimuth / 45.0))) * np.cos(np.radians(elevation))
    placed = cell >= 24
    inside = np.where(placed, to_level, np.minimum(to_level, to_sector)) >= _HYSTERESIS
    return np.where(inside, cell, -1)


def _corner_graph() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Corners of the cells (where a sector edge meets a level edge), far from every cell's core, and the
    shortest ways between them along the edges: (corners (32, 3), distances (32, 32), next hop (32, 32))."""
    elevations = np.radians([-67.5, -22.5, 22.5, 67.5])
    azimuths = np.radians(22.5 + 45.0 * np.arange(8))
    e, a = np.meshgrid(elevations, azimuths, indexing="ij")  # node = level_edge * 8 + k
    corners = np.stack([np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)], axis=-1).reshape(-1, 3)
    n = len(corners)
    distance = np.full((n, n), np.inf)
    np.fill_diagonal(distance, 0.0)
    for i in range(4):
        for k in range(8):
            node = i * 8 + k
            for other in (i * 8 + (k + 1) % 8, (i + 1) * 8 + k if i < 3 else None):
                if other is not None:
                    angle = np.arccos(np.clip(corners[node] @ corners[other], -1, 1))
                    distance[node, other] = distance[other, node] = angle
    hop = np.tile(np.arange(n), (n, 1))
    for k in range(n):  # Floyd-Warshall, keeping the first hop of each shortest way
        through = distance[:, k:k + 1] + distance[k:k + 1, :]
        better = through < distance - 1e-12
        distance = np.where(better, through, distance)
        hop = np.where(better, hop[:, k:k + 1], hop)
    return corners, distance, hop


_CORNERS, _CORNER_DISTANCE, _CORNER_HOP = _corner_graph()


def _cell_corners(cell: int) -> np.ndarray:
    """Corner node ids of a cell."""
    if cell == 24:
        return 3 * 8 + np.arange(8)
    if cell == 25:
        return np.arange(8)
    sector, level = divmod(cell, 3)
    edges = {0: (2, 3), 1: (1, 2), 2: (0, 1)}[level]
    ks = ((sector - 1) % 8, sector)
    return np.array([i * 8 + k for i in edges for k in ks])


class _Paths:
    """Limbs' ways from one direction to another on the sphere, one per move, that the tokenizer reads as one
    movement from the first cell to the second: the great circle when it passes through no third cell's core,
    else along the cells' edges (a raised arm goes up along the edge between forward and right-forward rather
    than through forward low, middle and high). Evaluated by arc length, so the speed along a path is what the
    timing says."""

    _SAMPLES = np.linspace(0.0, 1.0, 13)

    def __init__(self, starts: np.ndarray, targets: np.ndarray) -> None:
        self.routes = [[a, b] for a, b in zip(unit(starts), unit(targets))]
        n = len(targets)
        a = np.repeat(unit(starts), len(self._SAMPLES), axis=0)
        b = np.repeat(unit(targets), len(self._SAMPLES), axis=0)
        cells = core_cell(slerp(a, b, np.tile(self._SAMPLES, n))).reshape(n, -1)
        ends = cells[:, [0, -1]]
        crossed = ((cells >= 0) & (cells != ends[:, :1]) & (cells != ends[:, 1:])).any(axis=1)
        for k in np.flatnonzero(crossed & (ends >= 0).all(axis=1)):
            a, b = self.routes[k]
            self.routes[k] = [a, *_CORNERS[list(_corner_route(int(ends[k, 0]), int(ends[k, 1])))], b]
        self._pack()

    def restart(self, k: int, start: np.ndarray) -> None:
        """Move ``k`` starts from ``start`` instead."""
        route = _route(start, self.routes[k][-1])
        self.routes[k] = route
        self._pack()

    def _pack(self) -> None:
        longest = max(len(r) for r in self.routes)
        self.points = np.array([r + [r[-1]] * (longest - len(r)) for r in self.routes])  # (n, P, 3)
        arcs = np.arccos(np.clip(np.einsum("npi,npi->np", self.points[:, 1:], self.points[:, :-1]), -1.0, 1.0))
        self.bounds = np.concatenate([np.zeros((len(arcs), 1)), np.cumsum(arcs, axis=1)], axis=1)  # (n, P)
        self.angle = np.degrees(self.bounds[:, -1])

    def at(self, which: np.ndarray, done: np.ndarray) -> np.ndarray:
        """Points on paths ``which`` (m,) a fraction ``done`` (m,) of their length along."""
        bounds = self.bounds[which]
        along = done * bounds[:, -1]
        segment = np.clip((along[:, None] >= bounds[:, 1:]).sum(axis=1), 0, bounds.shape[1] - 2)
        rows = np.arange(len(which))
        lower, upper = bounds[rows, segment], bounds[rows, segment + 1]
        s = _clamp((along - lower) / np.maximum(upper - lower, 1e-9))
        points = self.points[which]
        return slerp(points[rows, segment], points[rows, segment + 1], s)


def _route(a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    """Points from ``a`` to ``b``: straight when the great circle crosses no third cell's core, else through the
    corners of the cells (see ``_Paths``)."""
    a, b = unit(a), unit(b)
    first, last = int(core_cell(a)), int(core_cell(b))
    samples = slerp(np.broadcast_to(a, (13, 3)), np.broadcast_to(b, (13, 3)), _Paths._SAMPLES)
    crossed = set(core_cell(samples).tolist()) - {first, last, -1}
    if not crossed or first < 0 or last < 0:
        return [a, b]
    return [a, *_CORNERS[list(_corner_route(first, last))], b]


@lru_cache(maxsize=None)
def _corner_route(first: int, last: int) -> tuple[int, ...]:
    """The corners a limb passes from the centre of cell ``first`` to the centre of cell ``last``."""
    a, b = cell_centre(first), cell_centre(last)
    first_corners, last_corners = _cell_corners(first), _cell_corners(last)
    to_first = np.arccos(np.clip(_CORNERS[first_corners] @ a, -1, 1))
    from_last = np.arccos(np.clip(_CORNERS[last_corners] @ b, -1, 1))
    total = to_first[:, None] + _CORNER_DISTANCE[np.ix_(first_corners, last_corners)] + from_last[None, :]
    i, j = np.unravel_index(np.argmin(total), total.shape)
    node, goal = int(first_corners[i]), int(last_corners[j])
    route = [node]
    while node != goal:
        node = int(_CORNER_HOP[node, goal])
        route.append(node)
    return tuple(route)


def cell_centre(cell: int) -> np.ndarray:
    """Unit vector (forward, right, up) at the middle of a cell."""
    if cell >= 24:
        return np.array([0.0, 0.0, 1.0 if cell == 24 else -1.0])
    sector, level = divmod(cell, 3)
    e, a = np.radians((45.0, 0.0, -45.0)[level]), np.radians(45.0 * sector)
    return np.array([np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)])


# ---------------------------------------------------------------------------------------------------------------
# The floor plan: feet and the centre of weight


@dataclass
class _Plant:
    """A foot on the floor from ``t0`` to ``t1`` (seconds), its ball at ``ball`` (x, z), pointing ``turnout``
    radians outward of the body's front."""

    foot: int
    t0: float
    t1: float
    ball: np.ndarray
    turnout: float


class _Steps:
    """Where the feet stand and the centre of weight goes, per frame.

    The centre of weight travels each run's notated direction (the tokenizer measures the pelvis from the start of
    a support to its end); a new foot lands where the pelvis passes over it, and when a support lasts, the pelvis
    settles over it (balance). Steps in place keep the pelvis within a few centimetres.
    """

    def __init__(self, rig: Rig, clock: _Clock, runs: list[_Run], heading: np.ndarray,
                 rng: np.random.Generator) -> None:
        self.rig, self.clock, self.runs, self.heading = rig, clock, runs, heading
        t = clock.t
        n = clock.frames
        self.planted = np.zeros((2, n), dtype=bool)
        self.load = np.zeros((2, n))
        self.flexion = np.zeros((2, n))  # radians, target knee flexion of a loaded leg
        self.rise = np.zeros((2, n))  # m the ankle is raised on the ball of the foot
        self.ball = np.zeros((2, n, 2))  # (x, z) of each planted ball
        self.turnout = np.zeros((2, n))
        self.plants: list[_Plant] = []
        self._carried: float | None = None  # leg length of the last flat support (see _on_the_ball)
        self.flights: list[tuple[int, int]] = []  # (take-off run, landing run) indices
        self.foot_length = float(np.linalg.norm(rig.legs["left"].ball[[0, 2]]))  # ankle to ball, horizontally
        self._plan(rng)
        self.centre = _hermite(t, *self._knots)  # (T, 2) planned centre of weight (x, z)

    def heading_at(self, seconds: float) -> float:
        """Facing (radians) at a time."""
        return float(np.interp(seconds, self.clock.t, self.heading))

    def _plan(self, rng: np.random.Generator) -> None:
        runs = self.runs
        self.stance = rng.uniform(*_STANCE)
        feet: dict[int, np.ndarray] = {}  # ankles (x, z) of the planted feet
        turnouts = {f: rng.uniform(*_TURNOUT) for f in (0, 1)}
        pelvis = np.zeros(2)
        first = runs[0]
        _, right = _axes(self.heading_at(0.0))
        for f in first.feet:
            feet[f] = pelvis + _SIDE[f] * right * (0.5 * self.stance if len(first.feet) == 2 else 0.02)
        knots: list[tuple[float, np.ndarray, bool]] = [(min(first.t0, 0.0), pelvis.copy(), False)]
        open_plants = {f: self._new_plant(f, first.t0, feet[f], turnouts[f]) for f in first.feet}
        self._levels(first, rng)
        previous = first
        for i, run in enumerate(runs[1:], start=1):
            if not run.feet:  # flight: the feet leave the floor at the run's start
                for f in list(open_plants):
                    self._close(open_plants.pop(f), run.t0)
                landing = runs[i + 1] if i + 1 < len(runs) else None
                travel = np.zeros(2)
                if landing is not None and landing.step not in (None, Direction.PLACE):
                    f2, r2 = _axes(self.heading_at(run.t1))
                    travel = min(0.9 * run.duration, 0.5) * _horizontal(landing.step, f2, r2)
                knots.append((run.t0, pelvis.copy(), True))
                pelvis = pelvis + travel
                knots.append((run.t1, pelvis.copy(), True))
                feet = {}
                self.flights.append((i - 1, i + 1))
                previous = run
                continue
            for f in feet:  # a planted foot may have pivoted on its ball in a turn since it landed
                yaw = self.heading_at(run.t0) + _SIDE[f] * open_plants[f].turnout
                feet[f] = open_plants[f].ball - self.foot_length * _axes(yaw)[0]
            landing = [f for f in run.feet if f not in feet]
            staying = [f for f in run.feet if f in feet]
            for f in landing:
                turnouts[f] = rng.uniform(*_TURNOUT)
            start = pelvis.copy()
            end = self._step(run, start, feet, landing, staying, rng, runs[i + 1] if i + 1 < len(runs) else None)
            # a short time on both feet is made long enough for the tokenizer to see both (it takes under 0.25 s
            # on both feet for a step landing), within an eighth of a beat of the written times
            early = late = 0.0
            if len(run.feet) == 2 and run.duration < 0.27:
                room = 0.1 * self.clock.beat_length(run.b0)
                early = late = min(room, 0.5 * (0.27 - run.duration) + 0.01)
                early = min(early, 0.45 * previous.duration)
                late = min(late, 0.45 * runs[i + 1].duration) if i + 1 < len(runs) else late
            run.late = late
            for f in list(open_plants):
                if f not in run.feet:
                    self._close(open_plants.pop(f), run.t0 + max(_DOUBLE_SUPPORT, getattr(previous, "late", 0.0)))
            for f in landing:
                open_plants[f] = self._new_plant(f, run.t0 - early, feet[f], turnouts[f])
            for f in [f for f in feet if f not in run.feet]:
                del feet[f]
            self._levels(run, rng)
            settle = 1.0 if i == len(runs) - 1 else float(_smoothstep((run.duration - 0.35) / 0.5))
            transfer = min(run.duration, rng.uniform(*_TRANSFER)) if settle > 0 else run.duration
            knots.append((run.t0, start, not previous.feet))  # after a flight the travel flows on
            knots.append((run.t0 + transfer, end.copy(), transfer >= run.duration - 1e-9))
            pelvis = end
            previous = run
        for plant in open_plants.values():
            self._close(plant, np.inf)
        self._knots = _centre_knots(knots)
        for f in (0, 1):  # a foot in the air turns from one plant's turn-out to the next
            self.turnout[f] = _fill_gaps(self.turnout[f], self.planted[f])

    def _step(self, run: _Run, start: np.ndarray, feet: dict[int, np.ndarray], landing: list[int],
              staying: list[int], rng: np.random.Generator, following: _Run | None) -> np.ndarray:
        """Place the feet that land in ``run`` (ankles into ``feet``) and return where the pelvis ends the run.

        A step with a direction moves the pelvis that way (the tokenizer needs 10 cm; ``_STEP``); a single foot
        lands where the pelvis will pass over it, or, for a long step, where it settles. A step in place closes the
        foot beside the other and moves the pelvis a few centimetres at most. On both feet, the pelvis stays
        between them and neither foot is far out from under it (``_beside``)."""
        forward, right = _axes(self.heading_at(run.t0))
        settle = 1.0 if run is self.runs[-1] else float(_smoothstep((run.duration - 0.35) / 0.5))
        # where over a single foot the weight settles: its middle, or its ball when the run turns on it
        turning = abs(self.heading_at(run.t1) - self.heading_at(run.t0)) > 0.2
        over = self.foot_length * (1.0 if turning else 0.5)
        directional = run.step not in (None, Direction.PLACE)
        both = len(run.feet) == 2
        if directional:
            length = rng.uniform(*(_STEP_BOTH if both else _STEP))
            way = _horizontal(run.step, forward, right)
            end = start + length * way
            if not landing:  # the weight moves over a foot that stays: onto it, if it lies that way
                over = np.mean([feet[f] for f in run.feet], axis=0) + 0.5 * self.foot_length * forward - start
                along = float(over @ way)
                if along > 0.11 and abs(float(over @ np.array([-way[1], way[0]]))) < 0.4 * along:
                    end = start + over
                else:
                    end = start + min(length, 0.13) * way
        else:
            way, end = np.zeros(2), start.copy()
        for f in landing:
            if both and staying:  # the pelvis ends between the feet
                old = feet[staying[0]]
                centre = old + 0.5 * self.foot_length * forward
                if directional or np.linalg.norm(start - centre) > 0.5 * self.stance:
                    ideal = 2.0 * end - centre - 0.5 * self.foot_length * forward
                else:
                    ideal = old + (_SIDE[f] - _SIDE[staying[0]]) * 0.5 * self.stance * right
                if (following is not None and following.feet == (f,) and following.step is not None
                        and following.step is not Direction.PLACE):  # the weight goes on to this foot next
                    ideal = end + _STEP[0] * _horizontal(following.step, forward, right)
                feet[f] = _beside(old, start, end, ideal)
            elif both:
                feet[f] = end + _SIDE[f] * right * 0.5 * self.stance
            elif f in run.reaching:  # onto the foot that reached out: along the gesture, out from under the hip
                hip = start + _SIDE[f] * right * 0.09
                feet[f] = hip + _REACHED * _horizontal(run.reaching[f], forward, right)
            elif directional:
                reach = 0.55 + 0.45 * settle  # a long step ends with the weight over the middle of the foot
                lateral = 0.055 * (1.0 - settle) + 0.015 * settle
                feet[f] = start + reach * (end - start) + _SIDE[f] * right * lateral - settle * over * forward
            else:
                others = [g for g in feet if g != f]
                feet[f] = (feet[others[0]] + (_SIDE[f] - _SIDE[others[0]]) * 0.5 * self.stance * right if others
                           else start + _SIDE[f] * right * 0.02)
        if not directional:  # settle over the support, a little inside a single foot, but travel little
            support = np.mean([feet[f] for f in run.feet], axis=0) + (over if not both else
                                                                       0.5 * self.foot_length) * forward
            if not both:
                support = support - _SIDE[run.feet[0]] * right * 0.015
            move = support - start
            distance = np.linalg.norm(move)
            if distance > _PLACE_TRAVEL:
                move *= _PLACE_TRAVEL / distance
            end = start + move * (0.6 + 0.4 * settle)
            if both and staying and landing:
                feet[landing[0]] = _beside(feet[staying[0]], start, end, feet[landing[0]])
        return end

    def _new_plant(self, foot: int, t0: float, ankle: np.ndarray, turnout: float) -> _Plant:
        """A foot put down at ``t0`` with its ankle over ``ankle``, pointing ``turnout`` outward."""
        yaw = self.heading_at(t0) + (turnout if foot == 1 else -turnout)
        forward, _ = _axes(yaw)
        ball = ankle + self.foot_length * forward
        return _Plant(foot, t0, np.inf, ball, turnout)

    def _close(self, plant: _Plant, t1: float) -> None:
        plant.t1 = t1
        self.plants.append(plant)
        frames = self.clock.window(plant.t0, t1 if np.isfinite(t1) else self.clock.end + 1.0)
        f = plant.foot
        self.planted[f, frames] = True
        self.ball[f, frames] = plant.ball
        self.turnout[f, frames] = plant.turnout
        t = self.clock.t[frames]
        weight = _ramp(t, plant.t0, plant.t0 + _LOADING)
        if np.isfinite(t1):
            weight = weight * (1.0 - _ramp(t, t1 - _LOADING, t1))
        self.load[f, frames] = np.maximum(weight, 1e-3)

    def _levels(self, run: _Run, rng: np.random.Generator) -> None:
        """Knee bend and heel rise of each supporting foot over a run. A level is taken at once, as the weight
        arrives (a short step is all transfer): a foot that lands on its ball lands already raised, knees that
        bend for a plié are bending as the foot lands."""
        clock = self.clock
        start = max(run.t0 - _LEVEL_EARLY, 0.0)
        frames = clock.window(start, run.t1 + max(_DOUBLE_SUPPORT, 0.1))  # until the feet leave, or a next run
        t = clock.t[frames]
        for f, level in run.levels.items():
            flexion = np.radians(rng.uniform(*_LEVEL_FLEXION[level]))
            rise = rng.uniform(*_RELEVE) if level is Level.HIGH else 0.0
            if level is Level.HIGH and self._carried is not None and run.duration < _QUICK_RELEVE:
                flexion = self._on_the_ball(f, rise)
            elif level is not Level.HIGH:
                self._carried = self._leg_length(f, flexion)
            before = frames.start - 1 if frames.start > 0 else None
            before_flexion = self.flexion[f, before] if before is not None else flexion
            before_rise = self.rise[f, before] if before is not None else rise
            ease = _ramp(t, start, start + min(_LEVEL_CHANGE, 0.5 * run.duration))
            self.flexion[f, frames] = before_flexion + (flexion - before_flexion) * ease
            self.rise[f, frames] = before_rise + (rise - before_rise) * ease


    def _leg_length(self, foot: int, flexion: float) -> float:
        """Hip-to-ankle distance of a leg with its knee bent by ``flexion`` radians."""
        leg = self.rig.legs["left" if foot == 0 else "right"]
        a, b = leg.thigh_length, leg.shin_length
        return float(np.sqrt(a * a + b * b + 2 * a * b * np.cos(flexion)))

    def _on_the_ball(self, foot: int, rise: float) -> float:
        """Knee bend (radians) of a leg rising on the ball of its foot without lifting the pelvis: the ankle goes up
        by ``rise``, the knee bends to make up for it. A relevé is the heel's height, whatever the knee does; keeping
        the pelvis where the last flat support carried it spares a jolt up and down in quick steps (salsa on the
        balls of the feet). The bend stays clear of the tokenizer's plié threshold (35° ± 8°), straighter or
        deeper."""
        leg = self.rig.legs["left" if foot == 0 else "right"]
        a, b = leg.thigh_length, leg.shin_length
        length = max(self._carried - rise, abs(a - b) + 0.05)
        flexion = float(np.degrees(np.arccos(np.clip((length ** 2 - a * a - b * b) / (2 * a * b), -1.0, 1.0))))
        if flexion < 24.0:
            return np.radians(flexion)
        return np.radians(max(flexion, 47.0))


_SIDE = {0: -1.0, 1: 1.0}  # the left foot is on the performer's left: minus right
_NEAR = 0.18  # m: a foot on the floor this near the pelvis always counts as carrying weight for the tokenizer
_FAR = 2.5  # ... and one further than this many times the other's distance does not (the tokenizer says 3)


def _beside(old: np.ndarray, start: np.ndarray, end: np.ndarray, ideal: np.ndarray) -> np.ndarray:
    """Where to put a second foot down (ankle, (x, z)) next to the ``old`` one, nearest ``ideal``, so that the
    pelvis travelling from ``start`` to ``end`` stands between them all along: the tokenizer only counts a foot as
    carrying weight if it is near the pelvis or not much further from it than the other foot is."""
    angles = np.linspace(0.0, 2 * np.pi, 24, endpoint=False)
    radii = np.array([0.0, 0.03, 0.06, 0.09, 0.12, 0.16, 0.2, 0.25])
    offsets = np.stack([np.cos(angles)[:, None] * radii, np.sin(angles)[:, None] * radii], axis=-1).reshape(-1, 2)
    candidates = ideal + offsets
    fine = np.linalg.norm(candidates - old, axis=-1) >= 0.09  # the feet do not overlap
    for pelvis in (start, 0.5 * (start + end), end):
        new = np.linalg.norm(candidates - pelvis, axis=-1)
        kept = np.linalg.norm(old - pelvis)
        far, near = np.maximum(new, kept), np.maximum(np.minimum(new, kept), 1e-6)
        fine &= (far <= _NEAR) | (far <= _FAR * near)
    if not fine.any():
        return ideal
    return candidates[np.flatnonzero(fine)[np.argmin(np.linalg.norm(offsets[fine], axis=-1))]]


def _horizontal(direction: Direction, forward: np.ndarray, right: np.ndarray) -> np.ndarray:
    a = np.radians(direction.azimuth)
    return np.cos(a) * forward + np.sin(a) * right


def _centre_knots(knots: list[tuple[float, np.ndarray, bool]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hermite knots of the centre of weight: at rest (zero velocity) at a knot unless the travel flows through
    it (``flowing``), where the velocity is that of the neighbouring knots (Catmull-Rom). Of knots at one time
    the later value wins, and the travel flows if either flows."""
    merged: list[list] = []
    for time, value, flowing in sorted(knots, key=lambda k: k[0]):
        if merged and time - merged[-1][0] < 1e-6:
            merged[-1][1], merged[-1][2] = value, merged[-1][2] or flowing
        else:
            merged.append([time, value, flowing])
    times = np.array([k[0] for k in merged], dtype=float)
    values = np.array([k[1] for k in merged], dtype=float)
    slopes = np.zeros_like(values)
    for k in range(1, len(merged) - 1):
        if merged[k][2]:
            slopes[k] = (values[k + 1] - values[k - 1]) / max(times[k + 1] - times[k - 1], 1e-6)
    return times, values, slopes


# ---------------------------------------------------------------------------------------------------------------
# The body


@dataclass
class _Spell:
    """A foot off the floor from ``ta`` to ``tb`` (seconds; frames ``frames`` at times ``t``), leaving from the
    ankle position ``lifted`` and landing at ``landed`` (None at the clip's ends)."""

    foot: int
    frames: slice
    t: np.ndarray
    ta: float
    tb: float
    lifted: np.ndarray | None
    landed: np.ndarray | None
    clearance: float
    lift: float
    full: float  # leg length, hip to ankle
    floor: float  # ankle height of a flat foot
    swinging: np.ndarray | None = None  # (n, 3) ankle path of a step's swing, or None
    directions: np.ndarray | None = None  # (n, 3) world direction hip → ankle of a held or gesturing leg
    weight: np.ndarray | None = None
    reaching: bool = False  # the leg gestured towards where it lands
    jumping: bool = False  # the foot leaves the floor to jump

    def swing(self) -> None:
        """A step's swing: straight over, lifted, then put down late and quickly."""
        t, ta, tb = self.t, self.ta, self.tb
        duration = tb - ta
        rise, fall = min(0.06, 0.2 * duration), min(0.1, 0.25 * duration)  # up before moving over, down after
        travel = max(duration - rise - fall, 1e-3)
        s = _progress(t - ta - rise, travel, 0.3 * travel, 0.3 * travel)
        self.swinging = self.lifted + (self.landed - self.lifted) * s[:, None]
        self.swinging[:, 1] += self.clearance * _lifted(t, ta, tb, self.jumping)
        self.weight = np.minimum(_ramp(t, ta + rise, ta + rise + 0.1), 1.0 - _ramp(t, tb - fall - 0.1, tb - fall)) * 0.4

    def hold(self, directions: np.ndarray) -> None:
        """A leg held or gesturing along ``directions``; the foot leaves and lands as in a swing."""
        self.directions = directions  # the foot turns from flat once it is off the floor, and back before landing
        self.weight = _ramp(self.t, self.ta + 0.05, self.ta + 0.17)
        if self.landed is not None:
            self.weight = np.minimum(self.weight, 1.0 - _ramp(self.t, self.tb - 0.17, self.tb - 0.05))

    def path(self, hips: np.ndarray) -> np.ndarray:
        """Ankle targets (n, 3) given the hip's positions."""
        if self.swinging is not None:
            return self.swinging
        t, ta, tb, d = self.t, self.ta, self.tb, self.directions
        extension = np.full(len(t), self.full * 0.985)
        down = np.maximum(-d[:, 1], 1e-3)
        hanging = down > np.cos(np.radians(30))  # a hanging free foot is held up off the floor
        held_up = (hips[:, 1] - (self.floor + self.lift)) / np.maximum(down, 0.5)
        extension = np.where(hanging, np.minimum(extension, held_up), extension)
        # no foot gestures through the floor: a raised leg's foot points, its toes a foot's length below the ankle
        pointed = _smoothstep((np.degrees(np.arccos(np.clip(down, -1.0, 1.0))) - 15.0) / 25.0)
        clear = np.maximum(hips[:, 1] - (self.floor + 0.07 + 0.15 * pointed), 0.05) / down
        extension = np.where(d[:, 1] < 0, np.minimum(extension, clear), extension)
        path = hips + d * extension[:, None]
        if self.lifted is not None:  # leave the floor: up at once, then where the leg goes
            up = self.lifted + np.outer(_lifted(t, ta, np.inf, self.jumping), [0.0, self.clearance, 0.0])
            path = up + (path - up) * _ramp(t, ta + 0.03, ta + 0.25)[:, None]
        if self.landed is not None:  # come down to the landing spot (straight down from a leg that reached there)
            lead = 0.15 if self.reaching else 0.35
            above = self.landed + np.outer(_lifted(t, -np.inf, tb), [0.0, self.clearance, 0.0])
            path = path + (above - path) * _ramp(t, tb - lead, tb - 0.03)[:, None]
        return path


class _Body:
    """Pelvis, legs, spine, arms and head per frame, solved into joint rotations of the rig."""

    def __init__(self, rig: Rig, clock: _Clock, steps: _Steps, gestures: dict[Column, np.ndarray], score: Score,
                 rng: np.random.Generator) -> None:
        self.rig, self.clock, self.steps, self.gestures, self.score = rig, clock, steps, gestures, score
        self.rng = rng
        self.heading = steps.heading
        self.facing = _facing(rig, self.heading)
        self.leg_lengths = {f: (rig.legs[s].thigh_length, rig.legs[s].shin_length)
                            for f, s in enumerate(("left", "right"))}
        # secondary motion: breathing sways the chest a little (under a degree, far too slow for a gesture)
        self.breath = 0.012 * np.sin(2 * np.pi * clock.t / rng.uniform(3.5, 4.5) + rng.uniform(0, 2 * np.pi))

    # --- feet -----------------------------------------------------------------------------------------------

    def planted_feet(self) -> tuple[np.ndarray, np.ndarray]:
        """World rotations (2, T, 3, 3) and ankle positions (2, T, 3) of the feet as they stand (flat, or on
        the ball in relevé), wherever they are planted."""
        steps = self.steps
        rotations = np.empty((2, self.clock.frames, 3, 3))
        ankles = np.empty((2, self.clock.frames, 3))
        for f, side in enumerate(("left", "right")):
            leg = self.rig.legs[side]
            yaw = self.heading + np.where(f == 1, 1.0, -1.0) * steps.turnout[f]
            flat = _facing(self.rig, yaw)
            back = -leg.ball  # ball → ankle in the rest pose
            length = np.linalg.norm(back)
            rest_angle = np.arcsin(np.clip(back[1] / length, -1, 1))
            # on the ball of the foot, not on pointe: the sole tilts at most _STEEPEST
            lift = np.minimum(np.arcsin(np.clip((back[1] + steps.rise[f]) / length, -1, 1)), _STEEPEST) - rest_angle
            _, right = _axes(yaw)
            axis = np.stack([right[:, 0], np.zeros_like(yaw), right[:, 1]], axis=-1)
            raised = compose(axis_angle(axis, -lift), flat)
            rotations[f] = raised
            ball = np.stack([steps.ball[f, :, 0], np.full(len(yaw), leg.ball_height), steps.ball[f, :, 1]], axis=-1)
            ankles[f] = ball + apply(raised, back)
        return rotations, ankles

    def _hips(self, root: np.ndarray) -> np.ndarray:
        """World hip joint positions (2, T, 3) for root positions (T, 3) (the pelvis only turns)."""
        return np.stack([root + apply(self.facing, self.rig.legs[s].hip) for s in ("left", "right")])

    def pelvis_height(self, root_xz: np.ndarray, ankles: np.ndarray) -> np.ndarray:
        """Pelvis height (T,) that gives each loaded leg its level's knee bend, never out of reach of a planted
        foot."""
        steps = self.steps
        root = np.stack([root_xz[:, 0], np.zeros(len(root_xz)), root_xz[:, 1]], axis=-1)
        hips = self._hips(root)
        heights = np.full((2, len(root)), np.inf)
        reach = np.full(len(root), np.inf)
        for f in (0, 1):
            upper, lower = self.leg_lengths[f]
            horizontal = np.linalg.norm((hips[f] - ankles[f])[:, [0, 2]], axis=-1)
            length = np.sqrt(upper ** 2 + lower ** 2 + 2 * upper * lower * np.cos(steps.flexion[f]))
            height = ankles[f, :, 1] + np.sqrt(np.maximum(length ** 2 - horizontal ** 2, 0.01)) - hips[f, :, 1]
            longest = 0.9985 * (upper + lower)
            highest = ankles[f, :, 1] + np.sqrt(np.maximum(longest ** 2 - horizontal ** 2, 0.01)) - hips[f, :, 1]
            planted = steps.planted[f]
            heights[f] = np.where(planted, height, np.inf)
            reach = np.where(planted, np.minimum(reach, highest), reach)
        # The pelvis goes as low as the most bent loaded leg wants: the other bends too (on the ball of the foot it
        # stays high; a relevé may be a bent-knee one). A leg taking or giving up the weight counts less, so that
        # the pelvis passes smoothly from one support to the next.
        load = np.where(steps.planted, steps.load, 0.0)
        share = load / np.maximum(load.max(axis=0), 1e-9)
        relaxed = np.where(np.isfinite(heights), heights + (1.0 - share) * 0.25, np.inf)
        supported = np.isfinite(relaxed).any(axis=0)
        low = np.where(supported, relaxed.min(axis=0), 0.0)
        above = np.where(np.isfinite(relaxed), relaxed, low[None] + 1.0) - low  # a smooth minimum, 1 cm wide
        wanted = low - 0.01 * np.log(np.exp(-above / 0.01).sum(axis=0))
        wanted = _fill_gaps(np.where(supported, wanted, self.rig.standing_height() - 0.02), supported)
        wanted = gaussian_filter1d(wanted, 0.05 * self.clock.fps, mode="nearest")  # weight shifts take time
        return np.minimum(_softmin(wanted, reach - 0.003, 0.004), reach)

    # --- solve ----------------------------------------------------------------------------------------------

    def motion(self) -> Motion:
        clock, steps, rig = self.clock, self.steps, self.rig
        foot_rotations, ankles = self.planted_feet()
        root_xz = steps.centre.copy()
        root_y = self.pelvis_height(root_xz, ankles)
        root_y = self._jumps(root_y, root_xz, ankles)
        for _ in range(_BALANCE_PASSES):  # put the centre of mass where the plan wants it (over the feet, in flight
            # on its parabola): it depends on the legs, which depend on the pelvis, so solve again
            world, root = self._solve(root_xz, root_y, foot_rotations, ankles)
            offset = self._centre_of_mass_offset(world, root)
            root_xz = steps.centre - self._balance(offset[:, [0, 2]])
            root_y = self.pelvis_height(root_xz, ankles)
            root_y = self._jumps(root_y, root_xz, ankles, offset)
            root_xz = self._ballistic_xz(root_xz, offset)
        world, root = self._solve(root_xz, root_y, foot_rotations, ankles)
        rotations = _local_quaternions(rig.skeleton, world, self._driven)
        translations = np.zeros((clock.frames, len(rig.skeleton.translated), 3))
        for k, j in enumerate(rig.skeleton.translated):
            # a translated joint other than the root keeps its rest offset from its parent
            translations[:, k] = root if j == rig.pelvis else rig.skeleton.offsets[j]
        return Motion(rig.skeleton, rotations.astype(np.float32), translations.astype(np.float32), clock.fps)

    def _centre_of_mass_offset(self, world: np.ndarray, root: np.ndarray) -> np.ndarray:
        """Centre of mass minus pelvis (T, 3), by forward kinematics on every third frame and every frame near a
        flight (where it must be exact), interpolated between: it changes slowly, and kinematics cost."""
        n = self.clock.frames
        near = np.zeros(n, dtype=bool)
        near[::3] = True
        near[-1] = True
        flying = ~self.steps.planted.any(axis=0)
        near |= np.convolve(flying, np.ones(7))[3:3 + n] > 0  # within three frames of the air
        frames = np.flatnonzero(near)
        skeleton = self.rig.skeleton
        positions = forward_kinematics(skeleton, _local_quaternions(skeleton, world[frames], self._driven),
                                       root[frames, None, :])
        offset = centre_of_mass(skeleton, positions) - root[frames]
        return np.stack([np.interp(np.arange(n), frames, offset[:, k]) for k in range(3)], axis=-1)

    def _balance(self, offset: np.ndarray) -> np.ndarray:
        """How far (x, z) to move the pelvis from the planned centre of weight so that the centre of mass, which
        lies ``offset`` from the pelvis (arms held forward, a leg raised behind), stays within ``_BALANCE`` of the
        plan, itself over the supporting feet. Only as much as needed, smoothly, and not in the air (the flight
        sets the centre of mass on its parabola)."""
        length = np.linalg.norm(offset, axis=-1, keepdims=True)
        excess = offset * np.maximum(0.0, 1.0 - _BALANCE / np.maximum(length, 1e-9))
        on_floor = gaussian_filter1d(self.steps.planted.any(axis=0).astype(float), 0.05 * self.clock.fps)
        return gaussian_filter1d(excess * on_floor[:, None], 0.08 * self.clock.fps, axis=0, mode="nearest")

    def _upper_body(self) -> tuple[np.ndarray, np.ndarray]:
        """World rotations (T, J, 3, 3) of the pelvis, spine, head and arms, and which joints they set: they do
        not depend on where the pelvis is, so they are solved once."""
        rig, n = self.rig, self.clock.frames
        joints = rig.skeleton.joint_count
        world = np.empty((n, joints, 3, 3))
        world[:] = np.eye(3)
        set_ = np.zeros(joints, dtype=bool)
        world[:, rig.pelvis] = self.facing
        set_[rig.pelvis] = True
        torso = _to_world(self.gestures[Column.TORSO], self.heading)
        head = _to_world(self.gestures[Column.HEAD], self.heading)
        self._bend(world, set_, rig.torso_chain, rig.torso_weights, rig.pelvis, rig.neck, torso, breathe=True)
        chest_top = rig.head_chain[0] if rig.head_chain else rig.neck
        self._bend(world, set_, rig.head_chain, rig.head_weights, chest_top, rig.head, head)
        for side, upper_col, fore_col in (("left", Column.UPPER_ARM_LEFT, Column.FOREARM_LEFT),
                                          ("right", Column.UPPER_ARM_RIGHT, Column.FOREARM_RIGHT)):
            self._arm(world, set_, side, self.gestures[upper_col], self.gestures[fore_col])
        return world, set_

    def _solve(self, root_xz, root_y, foot_rotations, ankles):
        """World rotations (T, J, 3, 3) of every joint and the root position (T, 3) for a pelvis path."""
        rig, steps = self.rig, self.steps
        root = np.stack([root_xz[:, 0], root_y, root_xz[:, 1]], axis=-1)
        if not hasattr(self, "_upper"):
            self._upper = self._upper_body()
        world, set_ = self._upper[0].copy(), self._upper[1].copy()
        # legs
        hips = self._hips(root)
        free_targets, free_weight = self._free_feet(hips, ankles)
        for f, side in enumerate(("left", "right")):
            leg = rig.legs[side]
            target = np.where(steps.planted[f][:, None], ankles[f], free_targets[f])
            planted_front = apply(foot_rotations[f], rig.forward)
            body_dir = _in_body(unit(target - hips[f]), self.heading)
            free_front = _to_world(leg_front(body_dir), self.heading)
            w = free_weight[f][:, None]
            pole = unit((1.0 - w) * planted_front + w * free_front + 1e-6 * apply(self.facing, rig.forward))
            pole = unit(gaussian_filter1d(pole, 0.05 * self.clock.fps, axis=0, mode="nearest"))  # knees turn smoothly
            knee, end = two_bone(hips[f], target, leg.thigh_length, leg.shin_length, pole)
            thigh_world = compose(frame(knee - hips[f], pole), leg.rest_frame.T)
            shin_rest = rig.rest[leg.foot] - rig.rest[leg.shin]
            shin_world = compose(swing(apply(thigh_world, shin_rest), end - knee), thigh_world)
            # a raised free foot follows the shin and points (plantar flexion: the toes go the shin's way); a
            # hanging one stays level, so that its toes clear the floor as much as its heel
            ball = apply(shin_world, leg.ball)
            shin_dir = unit(end - knee)
            raised = _smoothstep((np.degrees(np.arccos(np.clip(-unit(end - hips[f])[:, 1], -1, 1))) - 15.0) / 25.0)
            free_foot = compose(axis_angle(np.cross(unit(ball), shin_dir), np.radians(30.0)), shin_world)
            follow = _smoothstep(free_weight[f]) * raised
            foot_world = _blend_rotations(foot_rotations[f], free_foot, follow)
            world[:, leg.thigh], world[:, leg.shin], world[:, leg.foot] = thigh_world, shin_world, foot_world
            set_[[leg.thigh, leg.shin, leg.foot]] = True
            if leg.toes is not None:
                flat = _facing(rig, self.heading + (1.0 if f == 1 else -1.0) * steps.turnout[f])
                world[:, leg.toes] = _blend_rotations(flat, foot_world, follow)
                set_[leg.toes] = True
        _inherit(rig.skeleton, world, set_)
        self._driven = set_
        return world, root

    def _bend(self, world, set_, chain, weights, base, top, target, breathe=False):
        """Tilt a chain (spine or neck) so that ``base`` → ``top`` points along ``target`` (T, 3) in the world."""
        rig = self.rig
        if not chain:
            return
        parent = rig.skeleton.parents[chain[0]]
        parent_world = world[:, parent]
        rest_vector = rig.rest[top] - rig.rest[base]
        current = unit(apply(parent_world, rest_vector))
        goal = unit(target)
        if breathe:
            goal = unit(goal + self.breath[:, None] * apply(self.facing, rig.forward))
        axis = np.cross(current, goal)
        fallback = apply(self.facing, rig.right)
        axis = np.where(np.linalg.norm(axis, axis=-1, keepdims=True) < 1e-7, fallback, axis)
        angle = np.arccos(np.clip(dot(current, goal), -1, 1))
        offsets = [rig.skeleton.offsets[j] for j in chain[1:]] + [rig.rest[top] - rig.rest[chain[-1]]]
        lead = rig.rest[chain[0]] - rig.rest[base]  # rigid with the parent
        for _ in range(3):  # the chain curves: correct the total angle until base → top points at the goal
            turned = np.zeros_like(goal) + apply(parent_world, lead)
            cumulative = np.cumsum(weights)
            for k, j in enumerate(chain):
                rot = compose(axis_angle(axis, angle * cumulative[k]), parent_world)
                turned = turned + apply(rot, offsets[k] if k < len(offsets) else np.zeros(3))
            got = np.arccos(np.clip(dot(current, unit(turned)), -1, 1))
            angle = angle + (np.arccos(np.clip(dot(current, goal), -1, 1)) - got)
        cumulative = np.cumsum(weights)
        for k, j in enumerate(chain):
            world[:, j] = compose(axis_angle(axis, angle * cumulative[k]), parent_world)
            set_[j] = True
        _inherit(rig.skeleton, world, set_)

    def _arm(self, world, set_, side, upper_fru, fore_fru):
        rig = self.rig
        arm = rig.arms[side]
        upper = _to_world(upper_fru, self.heading)
        fore = _to_world(fore_fru, self.heading)
        natural = _to_world(arm_front(upper_fru, side), self.heading)
        bend = fore - dot(fore, upper)[:, None] * upper
        bent = np.linalg.norm(bend, axis=-1)
        w = _smoothstep((bent - 0.08) / 0.25)[:, None]  # straight arms take the natural front
        front = unit((1 - w) * natural + w * unit(bend))
        upper_world = compose(frame(upper, front), arm.rest_frame.T)
        world[:, arm.upper] = upper_world
        fore_rest = rig.rest[arm.hand] - rig.rest[arm.fore]
        fore_world = compose(swing(apply(upper_world, fore_rest), fore, fallback=np.cross(upper, front)), upper_world)
        world[:, arm.fore] = fore_world
        world[:, arm.hand] = fore_world
        set_[[arm.upper, arm.fore, arm.hand]] = True

    # --- free feet ------------------------------------------------------------------------------------------

    def _free_feet(self, hips: np.ndarray, ankles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ankle targets (2, T, 3) of the feet off the floor, and how free each foot is (2, T; 0 planted, 1 in
        the air, in between while leaving and landing)."""
        if not hasattr(self, "_spells"):
            self._spells = self._free_spells(ankles)
        targets = ankles.copy()
        weight = np.zeros((2, self.clock.frames))
        for spell in self._spells:
            targets[spell.foot, spell.frames] = spell.path(hips[spell.foot, spell.frames])
            weight[spell.foot, spell.frames] = spell.weight
        return targets, weight

    def _free_spells(self, ankles: np.ndarray) -> list["_Spell"]:
        """Every time a foot is off the floor: a step's swing, or a leg that hangs or gestures (its leg column's
        symbols; a support cancels a gesture, so each spell starts from hanging)."""
        clock, steps, rig = self.clock, self.steps, self.rig
        t = clock.t
        n = clock.frames
        spells = []
        for f, side in enumerate(("left", "right")):
            leg = rig.legs[side]
            column = Column.LEG_LEFT if f == 0 else Column.LEG_RIGHT
            symbols = [s for s in self.score.column(column) if s.sign is Sign.DIRECTION]
            starts = clock.seconds(np.array([s.start for s in symbols])) if symbols else np.zeros(0)
            ends = clock.seconds(np.array([s.end for s in symbols])) if symbols else np.zeros(0)
            first = next((s for s in self.score.starting_position if s.column is column
                          and s.sign is Sign.DIRECTION), None)
            free = ~steps.planted[f]
            edges = np.flatnonzero(np.diff(np.concatenate([[0], free.astype(np.int8), [0]])))
            for begin, end in zip(edges[::2], edges[1::2]):
                frames = slice(begin, end)
                ta = t[begin - 1] if begin > 0 else t[0] - 1.0 / clock.fps
                tb = t[end] if end < n else np.inf
                spell = _Spell(f, frames, t[frames], ta, tb, ankles[f, begin - 1] if begin > 0 else None,
                               ankles[f, end] if end < n else None, self.rng.uniform(*_CLEARANCE),
                               self.rng.uniform(*_FREE_LIFT), leg.thigh_length + leg.shin_length, leg.ankle_height,
                               jumping=begin > 0 and not steps.planted[1 - f, begin])
                inside = (starts >= ta - 0.13) & (starts < tb)
                moves = [(starts[k], ends[k], sample_direction(symbols[k].direction, symbols[k].level, self.rng,
                                                                 side=side)) for k in np.flatnonzero(inside)]
                start_symbol = first if spell.lifted is None else None
                gesturing = bool(moves) or (start_symbol is not None and start_symbol.direction is not Direction.PLACE)
                if not gesturing and spell.lifted is not None and spell.landed is not None and tb - ta <= 0.8:
                    spell.swing()
                else:
                    hanging = np.array([0.0, 0.0, -1.0])
                    if spell.lifted is not None:  # from the leg as it leaves the floor, roughly
                        hip = np.array([steps.centre[begin, 0], rig.standing_height(), steps.centre[begin, 1]])
                        start_dir = _in_body(unit(spell.lifted - hip)[None], self.heading[begin:begin + 1])[0]
                        if not moves or moves[0][0] > ta + 0.25:
                            moves.insert(0, (ta, ta + 0.3, hanging))  # hang until the leg gestures
                    elif start_symbol is not None:
                        start_dir = sample_direction(start_symbol.direction, start_symbol.level, self.rng, side=side)
                    else:
                        start_dir = hanging
                    spell.reaching = end < n and any(f in run.reaching for run in steps.runs
                                                     if abs(run.t0 - tb) < 1.5 / clock.fps)
                    directions = _track(spell.t, start_dir, moves, self.rng, clock)
                    spell.hold(_to_world(directions, self.heading[frames]))
                spells.append(spell)
        return spells

    # --- jumps ----------------------------------------------------------------------------------------------

    def _flight_times(self):
        """(take-off, landing) seconds of every flight between two supports."""
        runs = self.steps.runs
        for takeoff, landing in self.steps.flights:
            if takeoff >= 0 and landing < len(runs):
                yield runs[takeoff].t1, runs[landing].t0

    def _jumps(self, root_y, root_xz, ankles, com_offset=None):
        """Push-off, flight and landing of every jump: the centre of mass rises from a push, flies on a
        parabola under gravity, and the knees absorb the landing."""
        clock = self.clock
        t = clock.t
        y = root_y.copy()
        for t_off, t_on in self._flight_times():
            flight = max(t_on - t_off, 1e-3)
            off_frame = int(np.clip(np.floor(t_off * clock.fps), 0, clock.frames - 1))
            on_frame = int(np.clip(np.ceil(t_on * clock.fps), 0, clock.frames - 1))
            y_stand_off = root_y[off_frame]
            y_stand_on = root_y[on_frame]
            y_off = y_stand_off + 0.05
            y_on = y_stand_on + 0.04
            if com_offset is not None:  # fly the centre of mass, not the pelvis
                c_off, c_on = y_off + com_offset[off_frame, 1], y_on + com_offset[on_frame, 1]
            else:
                c_off, c_on = y_off, y_on
            v0 = (c_on - c_off) / flight + 0.5 * GRAVITY * flight
            v1 = v0 - GRAVITY * flight
            push = float(np.clip(2 * (y_off - (y_stand_off - 0.04)) / max(v0, 0.3), 0.08, 0.25))
            absorb = float(np.clip(2 * 0.06 / max(-v1, 0.3), 0.1, 0.3))
            inside = (t >= t_off) & (t <= t_on)
            dt = t[inside] - t_off
            com_y = c_off + v0 * dt - 0.5 * GRAVITY * dt ** 2
            y[inside] = com_y - (com_offset[inside, 1] if com_offset is not None else 0.0)
            before = (t > t_off - push) & (t < t_off)
            y[before] = _hermite(t[before], np.array([t_off - push, t_off]),
                                 np.array([[y_stand_off - 0.04], [y_off]]), np.array([[0.0], [v0]]))[:, 0]
            after = (t > t_on) & (t < t_on + absorb)
            y[after] = _hermite(t[after], np.array([t_on, t_on + absorb]),
                                np.array([[y_on], [y_stand_on - 0.06]]), np.array([[v1], [0.0]]))[:, 0]
            recover = (t >= t_on + absorb) & (t < t_on + absorb + 0.25)
            y[recover] = root_y[recover] - 0.06 * (1 - _ramp(t[recover], t_on + absorb, t_on + absorb + 0.25))
        return y

    def _ballistic_xz(self, root_xz, com_offset):
        """In the air the centre of mass moves straight at constant speed."""
        clock = self.clock
        t = clock.t
        xz = root_xz.copy()
        for t_off, t_on in self._flight_times():
            inside = (t >= t_off) & (t <= t_on)
            if not inside.any():
                continue
            off_frame = max(np.flatnonzero(inside)[0] - 1, 0)
            on_frame = min(np.flatnonzero(inside)[-1] + 1, clock.frames - 1)
            c_off = root_xz[off_frame] + com_offset[off_frame, [0, 2]]
            c_on = root_xz[on_frame] + com_offset[on_frame, [0, 2]]
            s = (t[inside] - t[off_frame]) / max(t[on_frame] - t[off_frame], 1e-9)
            xz[inside] = c_off + (c_on - c_off) * s[:, None] - com_offset[inside][:, [0, 2]]
        return xz


def _lifted(t: np.ndarray, ta: float, tb: float, brisk: bool = False) -> np.ndarray:
    """How far up (0 to 1) a foot is that leaves the floor at ``ta`` and comes down at ``tb``: picked up (briskly
    to jump) and put down late and quickly, so that it is either on the floor or clearly off it."""
    up = _smoothstep((t - ta) / (0.05 if brisk else 0.1))
    if np.isfinite(tb):  # falling the last 0.15 s, faster and faster: a foot strike
        u = _clamp((t - (tb - 0.15)) / 0.15)
        up = up * (1.0 - u ** 1.5)
    return up


def _in_body(world: np.ndarray, heading: np.ndarray) -> np.ndarray:
    """World vectors (T, 3) → (forward, right, up) components at each frame's heading."""
    forward, right = _axes(heading)
    return np.stack([world[:, 0] * forward[:, 0] + world[:, 2] * forward[:, 1],
                     world[:, 0] * right[:, 0] + world[:, 2] * right[:, 1], world[:, 1]], axis=-1)


def _softmin(a: np.ndarray, b: np.ndarray, width: float) -> np.ndarray:
    """A smooth minimum of two curves, never above the smaller."""
    low = np.minimum(a, b)
    return low - width * np.log1p(np.exp(-np.abs(a - b) / width))


def _fill_gaps(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Values where ``known``, linearly interpolated between (and held beyond) elsewhere."""
    if known.all() or not known.any():
        return values
    index = np.arange(len(values))
    return np.interp(index, index[known], values[known])


def _blend_rotations(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Rotations a fraction ``w`` (T,) of the way from ``a`` to ``b`` (T, 3, 3) (blend and re-orthonormalise)."""
    w = w[:, None, None]
    m = (1.0 - w) * a + w * b
    return frame(m[..., :, 0], m[..., :, 1])


def _inherit(skeleton: Skeleton, world: np.ndarray, set_: np.ndarray) -> None:
    """Joints not driven keep their rest pose relative to their parent (local identity)."""
    for j, p in enumerate(skeleton.parents):
        if not set_[j] and p >= 0:
            world[:, j] = world[:, p]


def _local_quaternions(skeleton: Skeleton, world: np.ndarray, driven: np.ndarray) -> np.ndarray:
    """Local rotations (T, J, 4) from world rotations (T, J, 3, 3); joints not ``driven`` keep their rest pose
    relative to their parent (the identity, without computing it)."""
    parents = skeleton.parents
    local = np.zeros(world.shape[:2] + (4,))
    local[..., 3] = 1.0
    joints = np.flatnonzero(driven)
    has_parent = joints[parents[joints] >= 0]
    roots = joints[parents[joints] < 0]
    if len(has_parent):
        relative = np.matmul(np.swapaxes(world[:, parents[has_parent]], -1, -2), world[:, has_parent])
        local[:, has_parent] = matrix_to_quaternion(relative)
    if len(roots):
        local[:, roots] = matrix_to_quaternion(world[:, roots])
    return local
