"""Supports and the front: the support columns read as runs of weight, and the facing that turn signs give.

A dancer reads the support columns as runs of weight on the left foot, the right foot, both, or none (flight),
each started by a step (its direction and level) or continuing the weight (a hold); turn signs rotate the front.
Directions are then judged in the body's cross of axes at each frame's heading (``axes``, ``to_world``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtri

from ..analysis import WORKING_FPS
from ..figure import UP, Rig
from ..ik import compose
from ..score import Column, Direction, Level, Score, Sign
from ..tokenizer import TURN_SPEED
from .clock import Clock, Streams, progress

TURNING_STEP = 0.25  # beats: the step sign the tokenizer makes room for at the start of a turn (its grid's cell)
_TURN_SPEED = 110.0  # deg/s, the slowest turn: the tokenizer writes a turn for a rotation averaging 90°/s or more
_SEEN_TURNING = 2.2 / WORKING_FPS  # s: the tokenizer smooths the hip line over 1 frame and the heading over 2
_TURN_SLACK = 14.0  # degrees the real front may differ from the notated one (the tokenizer rounds at 22.5°)
# After a turn the body settles back onto the notated front over a beat, or longer for a wide offset: at
# ``_SETTLE_RATE`` deg/s on average at most (its peak twice that, under the tokenizer's TURN_SPEED, so that no
# turning is seen in it), so over ``SETTLE_LONGEST`` s at most; not where the next turn begins before it is done
# (squeezed, it was seen turning, and a turn and the next one back read as one twist that comes back: no turn)
SETTLE_BEATS = 1.0
_SETTLE_RATE = 0.4 * TURN_SPEED
SETTLE_LONGEST = _TURN_SLACK / _SETTLE_RATE
# The longest a body stays in the air: the shared training captures' longest flight is 0.63 s (a grand jeté). A gap
# in the support columns longer than this, with no flight sign over it, is read as the weight staying where it
# was (a ballistic flight of 5 s would be a 30 m jump); motiongpt's sampling keeps written flights under it too.
LONGEST_FLIGHT = 0.65
_OPENING_PUSH = 0.2  # s: a push-off from the starting position into a jump written at beat 0 (a jump's: 0.08-0.25)


@dataclass
class Run:
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
    space: int | None = None  # the space measurement signs (small < 0 < large) of the step that starts the run or,
    # for a flight, of the jump; None: normal

    @property
    def duration(self) -> float:
        return self.t1 - self.t0


FOOT_COLUMNS = (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)


def leaves_early(beat: float, flight: float = np.inf) -> float:
    """How long (s) before a flight's written start the feet leave the floor (and after its end they land), for a
    flight of ``flight`` s at a beat of ``beat`` s: the tokenizer sees flight only while the pelvis falls freely, a
    frame or so after take-off, so a short flight is widened; within an eighth of a beat. Without ``flight``: the
    least they do, as a step is placed before what follows it is known (``Steps._step``)."""
    return min(0.11 * beat, max(1.5 / WORKING_FPS, 0.5 * (0.2 - flight)))


def starting_level(score: Score, column: Column) -> Level:
    """The level a foot's support ``column`` stands at before anything is written in it: the starting position's,
    else the middle level. A hold keeps the level its foot was last at, this one until a step says another."""
    first = next((s for s in score.starting_position if s.column is column and s.sign is Sign.DIRECTION), None)
    return first.level if first is not None else Level.MIDDLE


def support_runs(score: Score, clock: Clock) -> list[Run]:
    """The support columns as consecutive runs from beat 0 to the end: a new run starts where the supporting feet
    change or a new step is written. Before the first support symbol (or flight) the starting position stands."""
    columns = [[s for s in score.column(c) if s.duration > 0] for c in FOOT_COLUMNS]
    # A turn in the centre column is a turn on both feet, unless it stands beside a flight (a turn in the air).
    flights = [s for s in score.column(Column.CENTRE) if s.sign is Sign.FLIGHT]
    for s in score.column(Column.CENTRE):
        if s.sign is Sign.TURN and s.duration > 0 and not any(f.start < s.end and s.start < f.end for f in flights):
            for col in columns:
                col.append(s)
    start_feet = [any(s.column is c for s in score.starting_position) for c in FOOT_COLUMNS]
    if not any(start_feet):
        start_feet = [True, True]  # no starting support written: standing on both feet
    levels = {foot: starting_level(score, c) for foot, c in enumerate(FOOT_COLUMNS)}
    end_beat = float(clock.grid.seconds_to_beats(clock.end))
    # the starting position stands until the first support is written, or the first flight: a jump from it; a jump
    # written at the very start takes off from it after a push-off of ``_OPENING_PUSH`` (at most 0.4 of its time)
    first_support = min((s.start for s in (*columns[0], *columns[1], *flights)), default=np.inf)
    opening = next((f for f in flights if f.start <= 1e-9 and f.duration > 0), None)
    # a step written at the very start onto other feet than the starting position's steps out of it after the same
    # moment; onto the same feet, it was under way already (a dance caught in motion, ``Steps``)
    stepping = [s for col in columns for s in col if s.start <= 1e-9 and s.sign is Sign.DIRECTION]
    stepping_out = opening is None and bool(stepping) and \
        {FOOT_COLUMNS.index(s.column) for s in stepping} != {f for f in (0, 1) if start_feet[f]}
    if opening is not None or stepping_out:
        first_end = opening.end if opening is not None else min(s.end for s in stepping)
        lasts = float(np.diff(clock.seconds(np.array([0.0, first_end])))[0])
        first_support = float(clock.grid.seconds_to_beats(clock.seconds(0.0) + min(_OPENING_PUSH, 0.4 * lasts)))
    supported = sorted((s.start, s.end) for col in columns for s in col)
    # a dance that ends in the air lands (``Clock``: the landing's time is added to its end)
    last_flight = max((f.end for f in flights if f.duration > 0), default=-np.inf)
    landing = last_flight if last_flight >= max((e for _, e in supported), default=-np.inf) - 1e-9 else None
    edges = sorted({0.0, end_beat, *(x for col in columns for s in col for x in (s.start, s.end) if x < end_beat),
                    *([first_support] if opening is not None or stepping_out else []),
                    *(x for f in flights for x in (f.start, f.end) if 0.0 < x < end_beat)})
    seconds = dict(zip(edges, clock.seconds(np.array(edges)).tolist()))
    runs: list[Run] = []
    for b0, b1 in zip(edges[:-1], edges[1:]):
        if b1 - b0 < 1e-9:
            continue
        middle = 0.5 * (b0 + b1)
        covering = [max((s for s in col if s.start <= middle < s.end), key=lambda s: s.start, default=None)
                    for col in columns]
        if stepping_out and middle < first_support:
            covering = [None, None]  # (the starting position stands before the opening step)
        feet = tuple(f for f in (0, 1) if covering[f] is not None or (middle < first_support and start_feet[f]))
        if not feet and landing is not None and middle > landing:
            feet = (0, 1)  # after the last flight, with no support written: it lands on both feet
        elif not feet and runs:
            gap = (max((e for _, e in supported if e <= middle), default=0.0),
                   min((b for b, _ in supported if b > middle), default=end_beat))
            # too long to be a jump: the weight stays (on the last feet it was on) where no flight is written in a
            # gap longer than a jump, and where flights follow one another with no landing written, once the body
            # would have been in the air longer than a jump
            written = any(f.start <= middle < f.end for f in flights)
            if written:
                landed = next((r.t1 for r in reversed(runs) if r.feet), 0.0)
                airborne = seconds[b1] - landed
            else:
                airborne = float(np.diff(clock.seconds(np.array(gap)))[0])
            # nor is it a jump where no flight is written and a hold comes after the gap, or nothing does: a hold
            # keeps the weight where it was, so it never left (a dance ending a quarter beat after its last turn,
            # then continued with holds, hopped 15 cm at the join, and the push was felt 1.5 beats before it)
            resumed = [s for col in columns for s in col if abs(s.start - gap[1]) < 1e-9]
            kept = not written and (all(s.sign is Sign.HOLD for s in resumed) if resumed
                                    else gap[1] >= end_beat - 1e-9)
            if airborne > LONGEST_FLIGHT or kept:
                feet = next((r.feet for r in reversed(runs) if r.feet), (0, 1))
        new_step = [s for s in covering if s is not None and s.sign is Sign.DIRECTION
                    and (abs(s.start - b0) < 1e-9 or (stepping_out and s.start <= 1e-9 and b0 == first_support))]
        for foot, s in enumerate(covering):
            if s is not None and s.sign is Sign.DIRECTION:
                levels[foot] = s.level
        if runs and runs[-1].feet == feet and not new_step:
            runs[-1].b1, runs[-1].t1 = b1, seconds[b1]
            continue
        step = new_step[0].direction if new_step else None
        flight = None if feet else next((f for f in flights if f.start <= middle < f.end), None)
        space = new_step[0].space if new_step else flight.space if flight is not None else None
        runs.append(Run(b0, b1, seconds[b0], seconds[b1], feet, step, {f: levels[f] for f in feet}, space=space))
    # Flight is seen only while the pelvis falls freely, a frame or so after take-off and before landing: the feet
    # leave a little before the written time and land a little after (within an eighth of a beat).
    for k, run in enumerate(runs):
        if run.feet or k == 0 or k + 1 == len(runs):
            continue
        wider = leaves_early(clock.beat_length(run.b0), run.duration)
        before, after = runs[k - 1], runs[k + 1]
        # how late the feet land depends on how long they stay down (all the runs on those feet), not on how the
        # landing is written after it has landed (a landing split in two lands alike)
        stays = next((r.t0 for r in runs[k + 2:] if r.feet != after.feet), runs[-1].t1) - after.t0
        early, late = min(wider, 0.4 * before.duration), min(wider, 0.4 * stays, 0.8 * after.duration)
        before.t1 = run.t0 = run.t0 - early
        after.t0 = run.t1 = run.t1 + late
    # A leg that gestures (forward low, say) and then steps puts its foot down the way it reached (even against the
    # step: a leg reaching back, then a step forward, lands behind the hip, as the captures do; ``Steps`` keeps
    # the weight from going on far past it).
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
    # the dance is danced from time 0; a first step (a dance caught in motion, ``Steps``) is taken from there, not
    # from a lead-in of the grid before it (one that ends before time 0 is not taken at all)
    caught = runs[0].step not in (None, Direction.PLACE)
    runs[0].t0 = min(0.0, runs[0].t1) if caught else min(runs[0].t0, 0.0)
    covered = max(runs[-1].t1, clock.end + 1.0 / clock.fps)
    runs[-1].t1 = covered
    return runs


@dataclass
class _TurnSign:
    b0: float  # beat it starts on
    t0: float
    t1: float
    amount: float  # whole turns, clockwise positive


def _turn_signs(score: Score, clock: Clock) -> list[_TurnSign]:
    """The turn signs of the supports and the centre, each from the time the body starts turning: a turn written
    right after a step of one cell on the same support turns from the step's start (the tokenizer makes room for
    the step sign, ``TURNING_STEP``, in a turn that began with the step: a salsa spin through its steps is
    written as step, turn, step, turn)."""
    steps = {(s.column, round(s.end, 6)): s for s in score.symbols
             if s.sign is Sign.DIRECTION and s.column in FOOT_COLUMNS and s.duration <= TURNING_STEP + 1e-9}
    seen, turns = set(), []
    for s in score.symbols:
        if s.sign is Sign.TURN and s.column in (Column.CENTRE, *FOOT_COLUMNS):
            key = (s.start, s.duration, s.turn)
            if key not in seen:
                seen.add(key)
                columns = FOOT_COLUMNS if s.column is Column.CENTRE else (s.column,)
                step = next((steps[c, round(s.start, 6)] for c in columns if (c, round(s.start, 6)) in steps), None)
                start = step.start if step is not None else s.start
                turns.append(_TurnSign(s.start, clock.seconds(start), clock.seconds(s.end), float(s.turn)))
    return sorted(turns, key=lambda turn: turn.t0)


def heading_of(score: Score, clock: Clock, streams: Streams) -> np.ndarray:
    """Facing per frame, radians clockwise seen from above (0: +z).

    The tokenizer notates each turn as the eighths that bring the notated front nearest the real one; the real
    front may thus wander from the notated one by less than half an eighth. Each turn is executed so that it ends
    within ``_TURN_SLACK`` of the notated front, fast enough to be seen turning, with eased starts and stops only
    where turning starts and stops (consecutive turn signs flow into each other). Where a turn ends (its drift
    from the notated front) is chosen from that turn alone, never from earlier ones, and over the beat after it
    (``SETTLE_BEATS``; longer for a wide offset, ``SETTLE_LONGEST`` s at most; not where the next turn begins
    sooner) the body settles back onto the notated front, slower than the tokenizer sees turning: a regenerated
    bar whose turns end a few degrees elsewhere, or a kept turn cut at the bar line where the edit begins, carries
    the rest of the dance round rigidly once that time has passed, not until the next turn (which may be the end
    of the dance). Zero-length turn signs at beat 0 set the facing the dance starts with (the front is turned
    before anything moves).
    """
    t = clock.t
    turns = _turn_signs(score, clock)
    # the facing the performance starts with: zero-length turn signs at beat 0 (``laban.algebra.rotate_front``)
    facing = [turn for turn in turns if turn.b0 <= 1e-9 and turn.t1 - turn.t0 <= 1e-9]
    notated = actual = 360.0 * sum(turn.amount for turn in facing)  # degrees
    heading = np.full(clock.frames, np.radians(notated))
    turns = [turn for turn in turns if turn not in facing]
    for k, turn in enumerate(turns):
        # a turn slower than a turn is seen as drift: a long sign's turn happens in the last part of its time, at
        # the slowest speed that reads as turning (the body arrives at the sign's top edge, as written)
        t0 = max(turn.t0, turn.t1 - abs(360.0 * turn.amount) / _TURN_SPEED - 0.1)
        duration = max(turn.t1 - t0, 1e-3)
        angle = 360.0 * turn.amount
        wanted = np.sign(turn.amount) * _TURN_SPEED * duration  # the least angle that turns fast enough
        slack = np.clip(wanted - angle, -_TURN_SLACK, _TURN_SLACK) if abs(angle) < abs(wanted) else 0.0
        rng = streams("turns", turn.b0, "drift")
        end = notated + angle + np.clip(rng.normal(0.0, 3.0) + slack, -_TURN_SLACK, _TURN_SLACK)
        flows_in = k > 0 and t0 - turns[k - 1].t1 < 0.1
        flows_on = k + 1 < len(turns) and turns[k + 1].t0 - turn.t1 < 0.1
        ease = min(0.08, 0.3 * duration)
        # the tokenizer sees turning once the smoothed rate passes TURN_SPEED: start early and stop late by that
        rate = abs(end - actual) / max(duration - ease, 1e-3)
        spread = np.hypot(_SEEN_TURNING, 0.3 * ease)
        late = 0.5 * ease + spread * float(ndtri(np.clip(TURN_SPEED / max(rate, 1e-3), 1e-4, 1 - 1e-4)))
        late = max(late, 0.0)  # a quick turn is seen early, but it takes the whole time written for it (less jerk)
        begin = t0 - (0.0 if flows_in else late)
        # the arrival eased over the sign's end, half an ease past it, so that the turn runs at the same speed up to
        # there whether or not a turn follows (with ``late`` past the end, or none, it ran slower all along: a
        # regenerated bar that took the next turn away moved a slow quarter turn 1.8 beats before the edit, 13 mm
        # at the hand, bench/cocreate_figures.py --only locality)
        finish = turn.t1 + (0.0 if flows_on else 0.5 * ease)
        done = progress(t - begin, finish - begin, 0.0 if flows_in else ease, 0.0 if flows_on else ease)
        heading += np.radians(end - actual) * done
        notated, actual = notated + angle, end
        if not flows_on:  # settle onto the notated front, unless the next turn begins first
            settle = clock.seconds(float(clock.grid.seconds_to_beats(turn.t1)) + SETTLE_BEATS) - turn.t1
            settle = max(settle, abs(notated - actual) / _SETTLE_RATE)
            if k + 1 < len(turns) and turns[k + 1].t0 - finish < settle:
                continue  # the next turn comes first: where it ends is its own, and it settles after it
            heading += np.radians(notated - actual) * progress(t - finish, settle, 0.5 * settle, 0.5 * settle)
            actual = notated
    return heading


def facing_rotations(rig: Rig, heading: np.ndarray) -> np.ndarray:
    """World rotations (T, 3, 3) that turn the rest pose to face ``heading``."""
    forward = np.stack([-np.sin(heading), np.zeros_like(heading), np.cos(heading)], axis=-1)
    right = np.stack([-np.cos(heading), np.zeros_like(heading), -np.sin(heading)], axis=-1)
    target = np.stack([forward, np.broadcast_to(UP, forward.shape), right], axis=-1)
    rest = np.stack([rig.forward, UP, rig.right], axis=-1)
    return compose(target, rest.T)


def axes(heading: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal (x, z) forward and right of a heading."""
    if np.ndim(heading) == 0:
        sine, cosine = math.sin(heading), math.cos(heading)
        return np.array([-sine, cosine]), np.array([-cosine, -sine])
    h = np.asarray(heading, dtype=float)
    return np.stack([-np.sin(h), np.cos(h)], axis=-1), np.stack([-np.cos(h), -np.sin(h)], axis=-1)


def to_world(fru: np.ndarray, heading: np.ndarray) -> np.ndarray:
    """(forward, right, up) components at each frame's heading → world vectors (T, 3)."""
    forward, right = axes(heading)
    world = np.empty(fru.shape)
    world[:, 0] = fru[:, 0] * forward[:, 0] + fru[:, 1] * right[:, 0]
    world[:, 2] = fru[:, 0] * forward[:, 1] + fru[:, 1] * right[:, 1]
    world[:, 1] = fru[:, 2]
    return world



def in_body(world: np.ndarray, heading: np.ndarray) -> np.ndarray:
    """World vectors (T, 3) → (forward, right, up) components at each frame's heading."""
    forward, right = axes(heading)
    return np.stack([world[:, 0] * forward[:, 0] + world[:, 2] * forward[:, 1],
                     world[:, 0] * right[:, 0] + world[:, 2] * right[:, 1], world[:, 1]], axis=-1)

