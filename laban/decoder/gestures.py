"""Gestures: arms, torso and head reach the destination of each symbol over its duration, along the sphere.

Each symbol names a cell; the limb goes to a direction sampled inside the cell's core (``sample_direction``),
around where dancers' limbs typically arrive there (the execution prior, ``laban/execution_prior.json``,
measured by ``datasets/execution_prior.py``; in the starting position's cell, nearer where they hold it,
``at_rest``), with eased timing that the tokenizer reads as one movement starting
and arriving on the written beats (``track``), along routes that cross no third cell (``routes.Paths``).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.special import ndtri

from ..analysis import WORKING_FPS
from ..cells import HYSTERESIS, LEVEL_ELEVATION, cell_depth, cell_of, core_cell
from ..ik import slerp, unit
from ..score import NATURAL_POSITION, Column, Direction, Level, Score, Sign
from ..tokenizer import MOVING_SPEED
from .clock import Clock, Streams, clamp, progress, smoothstep
from .routes import Paths

_MARGIN = 3.0  # degrees sampled directions stay inside a cell's core (where the tokenizer's hysteresis reads it)
# The slowest plateau speed of a gesture (deg/s): a move that would go slower goes at this speed, arrives early and
# holds. Dancers do not crawl through a long symbol: the training captures' upper arms peak at 173°/s through arm
# symbols of 0.8-1.5 s and 145°/s through longer ones, where at 70°/s the decoded arms peaked at 92°/s and 101°/s
# (bench/gesture_speeds.py). Chosen on the validation split (decode seeds 0-3, bench/fid_parts.py, FID_k / FID_g
# means): 70: 13.29 / 14.45; 150: 12.94 / 13.96 (at seed 0, the floor alone patched: 110: 13.19 / 14.00, 150: 13.02
# / 13.76, 250: 12.49 / 13.88); docs/execution.md, "Slow moves not crawled". (Anything above 50°/s to start and
# 25°/s to keep moving, the tokenizer's sense of movement, is visible to it.)
_GESTURE_SPEED = 150.0
_FASTEST_GESTURE = 900.0  # deg/s, about the fastest a dancer's arm swings
_SEEN_SMOOTHING = 1.5 / WORKING_FPS  # s: the tokenizer smooths limb speed over 1.5 of its frames
TRACK_SMOOTHING = 0.03  # s of gaussian smoothing on limb directions: rounds off speed ramps and routes
_FLOWING_SPEED = 150.0  # deg/s: moves this quick that follow each other at once flow into each other
_STOP = 0.14  # s a limb rests between two movements that follow each other (the tokenizer cuts them there)
_SETTLING = 10.0  # deg/s: how fast a held arm settles (the tokenizer sees a limb start moving at 50°/s)
_DRAWS = 6  # times a learned direction is drawn before the last draw is clamped into the cell's core


def sample_direction(direction: Direction, level: Level, rng: np.random.Generator, spread: float = 0.6,
                     side: str | None = None, column: Column | None = None, model=None) -> np.ndarray:
    """A unit vector (forward, right, up) inside the core of a direction-and-level cell, where the tokenizer
    reads it as that cell even with its hysteresis: near where dancers typically hold that ``column``'s limb in
    that cell (``typical_direction``; the cell's geometric centre without a column), ``spread`` scaling the
    variation. ``side`` puts a hanging or raised limb (place) out to that side, clear of the body. With a learned
    execution ``model`` (``laban.execution``), the direction is drawn from where dancers end that limb in that cell
    (redrawn a few times while it falls outside the cell's core, then kept inside it)."""
    typical = typical_direction(column, direction, level) if column is not None else None
    if model is not None and column is not None:
        cell = cell_of(direction, level)
        for _ in range(_DRAWS):
            drawn = model.direction(column, direction, level, rng)
            if drawn is None or core_cell(drawn) == cell:
                break
        if drawn is not None:
            typical, spread = drawn, 0.0
    if direction is Direction.PLACE:
        elevation = 90.0 - abs(rng.normal(4.0, 2.5 * spread))
        if typical is not None:  # as far from the vertical as this limb typically hangs or rises
            elevation = abs(math.degrees(math.asin(min(max(typical[2], -1.0), 1.0)))) - rng.normal(0.0, 2.5 * spread)
        elevation = min(max(elevation, 90.0 - 22.5 + HYSTERESIS + _MARGIN), 89.0)
        if level is not Level.HIGH:
            elevation = -elevation
        # out to the side, not where the prior leans (hanging arms forward would carry the weight forward)
        azimuth = 90.0 if side == "right" else -90.0 if side == "left" else rng.uniform(0.0, 360.0)
        azimuth += rng.normal(0.0, 15.0 * spread)
    else:
        centre = LEVEL_ELEVATION[level]
        offset = rng.normal(0.0, 4.0 * spread)
        if typical is None:
            inner = 22.5 - HYSTERESIS - _MARGIN - 2.0
            offset = min(max(offset, -inner), inner)
            if level is not Level.MIDDLE:  # sectors narrow towards the poles: keep to the lower part of high, etc.
                offset = min(offset * math.copysign(1.0, centre), 2.0) * math.copysign(1.0, centre)
            elevation = centre + offset
        else:  # around the typical direction, kept inside the core
            inner = 22.5 - HYSTERESIS - _MARGIN
            elevation = math.degrees(math.asin(min(max(typical[2], -1.0), 1.0))) + offset
            elevation = min(max(elevation, centre - inner), centre + inner)
            typical_azimuth = (math.degrees(math.atan2(typical[1], typical[0])) - direction.azimuth + 180.0) \
                % 360.0 - 180.0
        allowed = 22.5 - (HYSTERESIS + _MARGIN) / math.cos(math.radians(elevation))
        turn = rng.normal(0.0, 3.0 * spread)
        azimuth = direction.azimuth + (0.9 * min(max(turn, -allowed), allowed) if typical is None
                                       else min(max(typical_azimuth + turn, -0.9 * allowed), 0.9 * allowed))
    e, a = math.radians(elevation), math.radians(azimuth)
    return np.array([math.cos(e) * math.cos(a), math.cos(e) * math.sin(a), math.sin(e)])


_PRIOR_FILE = Path(__file__).resolve().parents[1] / "execution_prior.json"


@lru_cache(maxsize=1)
def _prior_tables() -> dict[str, dict[Column, np.ndarray]]:
    """``execution_prior.json`` (recipe: ``datasets/execution_prior.py``, CMU dance of the training split), shipped
    with the package, read once: table → column → (26, 3) directions per cell."""
    prior = json.loads(_PRIOR_FILE.read_text())
    return {table: {Column(name): np.asarray(prior[table], dtype=float)[k] for k, name in enumerate(prior["columns"])}
            for table in ("direction", "held")}


def _execution_prior(table: str = "direction") -> dict[Column, np.ndarray]:
    """column → (26, 3) directions per cell: where dancers' limbs arrive in each cell (``direction``), or where they
    hold them there (``held``)."""
    return _prior_tables()[table]


def typical_direction(column: Column, direction: Direction, level: Level) -> np.ndarray | None:
    """Where dancers' ``column`` limb typically arrives inside a cell (unit (forward, right, up)), or None where
    the execution prior has no such column."""
    prior = _execution_prior().get(column)
    if prior is None:
        return None
    return prior[cell_of(direction, level)]


def at_rest(spot: np.ndarray, column: Column, direction: Direction, level: Level,
            rng: np.random.Generator) -> np.ndarray:
    """Where a limb rests in its starting position's cell: from its ``spot`` there, part of the way (a share drawn
    from ``rng``) towards where dancers hold that limb in that cell (the execution prior's ``held``), as far as
    the cell's core reaches (``_MARGIN`` degrees inside it). Dancers hold a limb elsewhere than where it arrives:
    an arm written backward low hangs 27-29° back on average, nearer the vertical than where arms arrive in that
    cell (39-45°), and outside the core, which the tokenizer's hysteresis allows a held limb. The starting
    position holds the limb there, and so does every move back into that cell, so that a limb handed back to it is
    back in the same place (``spot``). Kept in the core, since a move must arrive there for the tokenizer to read
    the cell; held outside it, a limb would have to settle there after arriving, and a settling limb carries its
    arrival time past the beat after a regenerated passage (``motiongpt.cocreate.editing``)."""
    held = _execution_prior("held").get(column)
    if held is None:
        return spot
    cell = cell_of(direction, level)
    held = held[cell]
    apart = math.degrees(math.acos(min(max(float(spot @ held), -1.0), 1.0)))
    steps = np.arange(0.0, apart * rng.uniform(0.5, 1.0) + 1e-9, 0.25)
    if len(steps) < 2:
        return spot
    way = unit(slerp(np.repeat(spot[None], len(steps), 0), np.repeat(held[None], len(steps), 0), steps / apart))
    cells, depth = cell_depth(way)
    outside = (cells != cell) | (depth < HYSTERESIS + _MARGIN)
    if outside[0]:  # (a spot at the core's edge already)
        return spot
    return way[int(np.argmax(outside)) - 1 if outside.any() else -1]


_HANGING = np.array([0.0, 0.0, -1.0])
TRACKED_COLUMNS = (Column.TORSO, Column.HEAD, Column.UPPER_ARM_LEFT, Column.UPPER_ARM_RIGHT, Column.FOREARM_LEFT,
                   Column.FOREARM_RIGHT)  # the limbs ``gesture_track`` moves (the legs move with the feet)


def limb_side(column: Column) -> str | None:
    return column.side if column in (Column.UPPER_ARM_LEFT, Column.UPPER_ARM_RIGHT, Column.FOREARM_LEFT,
                                     Column.FOREARM_RIGHT, Column.LEG_LEFT, Column.LEG_RIGHT) else None


Move = tuple[float, float, np.ndarray, float, float]  # (t0, t1, target direction, ease in, ease out)


def eased(t0: float, t1: float, target: np.ndarray, rng: np.random.Generator) -> Move:
    """A move to ``target`` from ``t0`` to ``t1`` seconds, its speed ramps drawn from ``rng``."""
    return t0, t1, target, rng.uniform(0.08, 0.11), rng.uniform(0.09, 0.13)


def move_to(t0: float, t1: float, direction: Direction, level: Level, rng: np.random.Generator,
            column: Column, model=None, spot: np.random.Generator | None = None) -> Move:
    """A move to a direction sampled inside a cell, everything free drawn from ``rng``: the symbol's own stream
    (and, with a learned execution, from the ``model``); where in the cell from ``spot`` when given."""
    ease_in, ease_out = rng.uniform(0.08, 0.11), rng.uniform(0.09, 0.13)
    target = sample_direction(direction, level, rng if spot is None else spot, side=limb_side(column),
                              column=column, model=model)
    return t0, t1, target, ease_in, ease_out


def spot(streams: Streams, column: Column, direction: Direction, level: Level) -> np.random.Generator:
    """The stream of where in a cell a limb goes: one per column and cell for the whole dance, so that a limb
    going back to a cell goes back to the same place (a passage regenerated hands each limb back to the kept bars
    exactly where the dance had it, ``motiongpt.cocreate.editing.limbs_returned``); an edit elsewhere never
    moves it."""
    return streams(column, -1.0, f"spot {direction.value} {level.value}")


def bent(target: np.ndarray, upper: np.ndarray, bend: float, direction: Direction, level: Level) -> np.ndarray:
    """Where a forearm with a contraction sign points: ``bend`` degrees from the ``upper`` arm (the elbow's
    flexion), turned from it towards the ``target`` drawn in the forearm's cell, and kept inside that cell's core
    (the nearest such point towards ``target`` when the exact bend lies outside it: the cell comes first)."""
    across = target - (target @ upper) * upper
    if np.linalg.norm(across) < 1e-6:
        return target
    across /= np.linalg.norm(across)
    b = math.radians(bend)
    ideal = math.cos(b) * upper + math.sin(b) * across
    cell = cell_of(direction, level)
    steps = np.linspace(0.0, 1.0, 11)
    inside = core_cell(unit(slerp(np.repeat(ideal[None], 11, 0), np.repeat(target[None], 11, 0), steps))) == cell
    if not inside.any():
        return target
    # a little further in than the core's edge (two steps towards the drawn target, which keeps its margin), so
    # that the tokenizer's smoothing and hysteresis still read the cell
    w = steps[min(int(np.argmax(inside)) + (2 if not inside[0] else 0), 10)]
    return unit(slerp(ideal[None], target[None], np.array([w])))[0]


def track_reach(clock: Clock) -> int:
    """Frames either side of a frame of a limb's track that it depends on: its smoothing (``TRACK_SMOOTHING``),
    and two more. A track computed over a window this much wider is the whole track's there."""
    kernel = clock.kernel(TRACK_SMOOTHING)
    return int(np.ceil(kernel["truncate"] * kernel["sigma"])) + 2


def drawn_moves(score: Score, column: Column, clock: Clock, streams: Streams) -> tuple:
    """A gesture column's starting-position symbol (or None), where the limb rests, its direction symbols, their
    (start, end) seconds and their moves (``move_to``; a move back into the starting position's cell goes back to
    where the limb rested), before any bend (``gesture_track``)."""
    first = next((s for s in score.starting_position if s.column is column and s.sign is Sign.DIRECTION), None)
    cell = (first.direction, first.level) if first else NATURAL_POSITION[column]
    model = streams.model
    rest = at_rest(sample_direction(*cell, spot(streams, column, *cell), side=limb_side(column), column=column,
                                    model=model), column, *cell, streams(column, -1.0, "rest"))
    symbols = [s for s in score.column(column) if s.sign is Sign.DIRECTION]
    seconds = clock.seconds(np.array([[s.start, s.end] for s in symbols])) if symbols else np.zeros((0, 2))
    moves = [move_to(t0, t1, s.direction, s.level, streams(column, s.start), column, model,
                     spot(streams, column, s.direction, s.level)) for (t0, t1), s in zip(seconds, symbols)]
    resting = cell_of(*cell)
    moves = [(t0, t1, rest if cell_of(s.direction, s.level) == resting else target, e_in, e_out)
             for (t0, t1, target, e_in, e_out), s in zip(moves, symbols)]
    return first, rest, symbols, seconds, moves


def gesture_track(score: Score, column: Column, clock: Clock, streams: Streams,
                  upper: np.ndarray | None = None, early: dict | None = None) -> np.ndarray:
    """(T, 3) directions (forward, right, up) of a gesture column's limb at each frame; each symbol's choices
    come from its own stream (``streams(column, start)``), except where in its cell the limb goes (``spot``: one
    place a cell for the dance, the starting position's too).
    For a forearm, ``upper`` is its upper arm's track: a forearm symbol with a contraction sign ends at the written
    elbow bend from where the upper arm is when it arrives (``bent``); without one, anywhere in its cell. Where
    the upper arm moves while it goes (``early``: by the symbol's start, where the upper arm goes as written
    before, and the seconds over which that gives way), it heads for the bend from there until then: a move is
    felt at most a beat before it is written (``laban.decoder._upper_as_written``)."""
    first, rest, symbols, seconds, moves = drawn_moves(score, column, clock, streams)
    model = streams.model
    start = rest
    if upper is not None and first is not None and first.contraction:
        start = bent(start, upper[0], first.bend, first.direction, first.level)
    drawn = moves
    if upper is not None:
        # (an arrival past the dance's last frame reads the frame after it: ``_upper_as_written`` tracks that far)
        arrivals = np.clip(np.searchsorted(clock.t, seconds[:, 1]), 0, len(upper) - 1) if symbols else []
        moves = [(t0, t1, bent(target, upper[frame], s.bend, s.direction, s.level), e_in, e_out)
                 if s.contraction else (t0, t1, target, e_in, e_out)
                 for (t0, t1, target, e_in, e_out), s, frame in zip(moves, symbols, arrivals)]
    settle = None
    if model is not None and limb_side(column):  # how far each held arm sinks: up to what dancers' do, per symbol
        most = model.settling(column)
        settle = (_HANGING, np.array([most * streams(column, s.start, "settle").uniform(0.3, 1.0) for s in symbols]))
    directions = track(clock.t, start, moves, clock, settle)
    for k, s in reversed(list(enumerate(symbols))):  # (the last first: each one's own track is the same as the
        # one it is blended into until its move begins, and it gives way to it before that move arrives)
        if not (early and s.contraction and s.start in early):
            continue
        before, t_from, t_to = early[s.start]  # towards the bend from where the upper arm went before, until then
        t0, t1, target, e_in, e_out = drawn[k]
        headed = list(moves)
        headed[k] = (t0, t1, bent(target, before, s.bend, s.direction, s.level), e_in, e_out)
        # only over the move's frames until it gives way, tracked with a margin: from a beat before it (how
        # briskly it goes may hurry the one before in its last beat, ``track``) and its early start
        lo = max(int(np.searchsorted(clock.t, t0 - clock.beat_before(t0) - 2 * _LEAD)), 0)
        hi = min(int(np.searchsorted(clock.t, t_to)) + 1, len(clock.t))
        if hi <= lo:
            continue
        around = track_reach(clock)
        a, b = max(lo - around, 0), min(hi + around, len(clock.t))
        own = track(clock.t[a:b], start, headed, clock, settle)[lo - a:hi - a]
        w = smoothstep(clamp((clock.t[lo:hi] - t_from) / max(t_to - t_from, 1e-9)))
        directions[lo:hi] = unit(slerp(own, directions[lo:hi], w))
    return directions


def track(t: np.ndarray, start: np.ndarray, moves: list[Move], clock: Clock,
          settle: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Directions over time: from ``start``, each move (t0, t1, target, ease in, ease out) reaches its target
    along the sphere.

    Timing is eased (the speed ramps up and down smoothly) with a constant speed between. A move that would go
    slower than dancers move through a long symbol goes at ``_GESTURE_SPEED`` and arrives early; a move followed at
    once by another arrives a moment early and pauses, as a dancer's movements are separated by stops (the
    tokenizer cuts movements where the limb stops). Each move starts a moment before its written time, so that it
    is seen to start on time (``_seen_after``); a quick move followed at once by another flows into it instead,
    arriving on the written boundary, where a quick next one starts (the tokenizer cuts them at the dip of speed
    between them) or a slower one is already under way (the two blend). Vectorised over moves and frames.

    Locality: a move's timing depends on the next move only through the next one's written start (never on where
    it goes or how fast: each move leaves room, ``_LEAD``, for the next one's early start, whatever that one is),
    and only within the next one's last beat (a move is timed as if nothing followed it, and hurries there where
    the next one follows too soon); each move goes from the previous target, not from wherever the limb got to.
    Editing a symbol thus changes the limb only from a beat before that symbol until the next symbol of its column
    has arrived.
    """
    if not moves:
        return np.broadcast_to(start, (len(t), 3)).copy()
    order = sorted(range(len(moves)), key=lambda i: moves[i][0])
    moves = [moves[i] for i in order]
    if settle is not None:
        settle = (settle[0], np.asarray(settle[1], dtype=float)[order])
    t0 = np.array([m[0] for m in moves])
    t1 = np.maximum(np.array([m[1] for m in moves]), t0 + 1e-3)
    targets = np.array([m[2] for m in moves])
    ease_in, ease_out = np.array([m[3] for m in moves]), np.array([m[4] for m in moves])
    paths = Paths(np.vstack([start, targets[:-1]]), targets)
    following = np.append(t0[1:], np.inf)  # the next move's written start
    brisk = paths.angle / np.maximum(np.minimum(t1, following) - t0 - 0.5 * (ease_in + ease_out), 1e-3)
    flowing = (following - t1 < 0.5 / clock.fps) & (brisk > _FLOWING_SPEED)
    done_by = following - np.where(flowing, 0.0, _LEAD)
    # A move is timed as if nothing followed it (a flowing one flows into the next at its written end, which is
    # its own): its speed and early start never depend on what comes next, beyond its written end
    free_by = np.where(flowing, following, np.inf)
    duration, e_in, e_out = _timing(paths.angle, np.minimum(t1, free_by) - t0, free_by - t1, ease_in, ease_out,
                                    flowing)
    speed = paths.angle / np.maximum(duration - 0.5 * (e_in + e_out), 1e-3)
    # a quick move that follows another at once starts on its written boundary (it is seen there: the dip of
    # speed between the two), any other a moment early, by what it takes to be seen starting on time
    on_time = np.r_[False, t0[1:] - t1[:-1] < 0.5 / clock.fps] & (brisk > _FLOWING_SPEED)
    begins = t0 - np.where(on_time, 0.0, np.minimum(_seen_after(speed, e_in), _LEAD))
    duration, e_in, e_out = _timing(paths.angle, np.minimum(t1, free_by) - begins, free_by - t1, ease_in, ease_out,
                                    flowing)
    duration = np.maximum(duration, 2.0 / clock.fps)
    # where the next move follows soon, this one must arrive earlier, to rest and leave room for the next one's
    # early start (``_LEAD``): it hurries in its last beat only, as below
    room, room_in, room_out = _timing(paths.angle, np.minimum(t1, done_by) - begins, done_by - t1, ease_in, ease_out,
                                      flowing)
    room = np.maximum(room, 2.0 / clock.fps)
    ends = begins + duration  # where each move has arrived (sooner where it hurries to leave room)
    # A quick move followed at once by a slower one cannot flow into it (the slower one starts early to be seen on
    # time): it hurries to arrive a rest before. Only its last beat hurries (less the reach of the smoothing below),
    # so that what comes before is the same whatever the next move is (the whole beat: a shorter hurry, 0.6 of it,
    # cost the arms' round trip 0.2-0.6 points).
    hurry = np.flatnonzero(flowing[:-1] & ~on_time[1:])
    arrive = begins[hurry + 1] - np.minimum(_STOP, 0.25 * (t0[hurry + 1] - begins[hurry]))
    # so does any other move that the next one follows too soon for it to arrive, rest, and leave the next one
    # its early start (``_LEAD``)
    soon = np.flatnonzero(~flowing[:-1] & (room[:-1] < duration[:-1] - 1e-6))
    hurry, arrive = np.r_[hurry, soon], np.r_[arrive, begins[soon] + room[soon]]
    kernel = clock.kernel(TRACK_SMOOTHING)
    reach = kernel["truncate"] * kernel["sigma"] / clock.fps  # s: how far the smoothing below reaches
    last_beat = np.atleast_1d(clock.seconds(clock.grid.seconds_to_beats(t0[hurry + 1]) - 1.0) + reach) \
        if len(hurry) else arrive
    warps = []  # (move, hurries from, arrives, would have arrived)
    for k, w, a, late in zip(hurry, last_beat, arrive, np.arange(len(hurry)) >= len(hurry) - len(soon)):
        if a - max(w, begins[k]) > 1e-3:
            warps.append((k, max(w, begins[k]), a, begins[k] + duration[k]))
            if late:
                ends[k] = a
        elif late:  # the whole move lies in the next one's last beat: it is timed to leave the room
            duration[k], e_in[k], e_out[k] = room[k], room_in[k], room_out[k]
            ends[k] = begins[k] + room[k]
    which = np.searchsorted(begins, t, side="right") - 1
    moving = which >= 0
    directions = np.broadcast_to(start, (len(t), 3)).copy()
    k = which[moving]
    tm = t[moving]
    local = tm.copy()  # the time each frame's move is at: the clock, or ahead of it in a hurried last beat
    for move, t_w, t_a, t_end in warps:
        inside = (k == move) & (tm > t_w)
        x = clamp((tm[inside] - t_w) / (t_a - t_w))
        local[inside] = tm[inside] + (t_end - t_a) * smoothstep(x)  # past t_end (arrived) from t_a on
    done = progress(local - begins[k], duration[k], e_in[k], e_out[k])
    here = paths.at(k, done)
    # while the move before is still arriving (a flowing move, or one too short to stop in time), blend into this one
    over = (k > 0) & (tm < ends[np.maximum(k - 1, 0)])
    if over.any():
        kb = k[over] - 1
        before = paths.at(kb, progress(tm[over] - begins[kb], duration[kb], e_in[kb], e_out[kb]))
        w = smoothstep((tm[over] - begins[kb + 1]) / np.maximum(ends[kb] - begins[kb + 1], 1e-9))
        here[over] = slerp(before, here[over], w)
    directions[moving] = here
    if settle is not None:
        directions[moving] = _settled(directions[moving], tm, k, done, begins, ends, *settle)
    if len(t) > 1 and TRACK_SMOOTHING > 0:  # round off the corners of the speed ramps and routes a little
        directions = unit(gaussian_filter1d(directions, **clock.kernel(TRACK_SMOOTHING), axis=0, mode="nearest"))
    return directions


def _settled(directions: np.ndarray, t: np.ndarray, k: np.ndarray, done: np.ndarray, begins: np.ndarray,
             arrivals: np.ndarray, rest: np.ndarray, most: np.ndarray) -> np.ndarray:
    """Directions (m, 3) at times ``t`` during moves ``k`` (``done`` of the way), a held limb settling towards
    ``rest`` (an arm sinks) by up to ``most`` degrees (one per move) after it arrives, slower than the tokenizer
    sees movement (``_SETTLING`` °/s), until the next move carries it from there to its own target (the settling
    fades as that move is done): a dancer's held arm is never a statue's. It depends only on the move's own
    arrival and the next one's progress, so edits stay local."""
    if not len(most) or most.max() <= 0.0:
        return directions
    rise = 1.5 * np.maximum(most, 1e-6) / _SETTLING  # a smoothstep's top speed is 1.5 times its mean
    angle = most[k] * smoothstep((t - arrivals[k]) / rise[k])  # this move's hold
    before = np.maximum(k - 1, 0)
    carried = np.where(k > 0, most[before] * smoothstep((begins[k] - arrivals[before]) / rise[before]), 0.0) \
        * (1.0 - done)
    angle = np.radians(np.maximum(angle, carried))
    towards = rest - (directions @ rest)[:, None] * directions
    room = np.linalg.norm(towards, axis=1)
    angle = np.minimum(angle, np.arccos(np.clip(directions @ rest, -1.0, 1.0)))  # never past rest
    towards = towards / np.maximum(room, 1e-9)[:, None]
    return np.cos(angle)[:, None] * directions + np.sin(angle)[:, None] * towards


def _timing(angle: np.ndarray, available: np.ndarray, gap: np.ndarray, ease_in: np.ndarray, ease_out: np.ndarray,
            flowing: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Durations and ease lengths of moves of ``angle`` degrees with ``available`` seconds each, ``gap`` seconds
    before the next move in their column. A move followed at once by another leaves time to stop (``_STOP``); one
    that would go slower than ``_GESTURE_SPEED`` goes at that speed and arrives early."""
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


# The earliest a move starts before its written time to be seen starting on time (at the slowest gesture speed and
# the longest ease): the room every move leaves before the next one.
_LEAD = float(_seen_after(np.array([_GESTURE_SPEED]), np.array([0.11]))[0])
