"""The tokenizer: motion capture in, a whole-body Labanotation score out.

What a notator does, in order:
1. analyse the motion (``laban.analysis``): the body on the floor, the performer's standard cross of axes, which
   foot carries weight when, and the level of the supporting legs;
2. write the supports: steps (weight arriving on a foot), flight (no weight anywhere), turns (pivots, with their
   amount; later directions are relative to the new front) and holds, and a plié or a rise while a hold keeps the
   weight (``LEVEL_HELD``); a take that starts on its way (a walk cut from a longer one) starts with the step it is
   in, not a hold (``IN_MOTION``);
3. find the gestures of the free limbs (arms as upper arm + forearm, legs, torso, head): each limb's direction and
   level binned with hysteresis so that a limb hovering on a bin boundary does not flicker, and symbol boundaries
   where movements arrive (stops and reversals), not every frame; in a jump, the legs as they are at its top (the
   split of a jeté, tucked legs: ``_flight_shapes``);
4. place everything on a beat grid (given, from a tempo, or the motion's own pulse), quantised to subdivisions;
5. write what the direction symbols leave out, with Labanotation's own modifiers (``laban.score.Symbol``): the
   contraction sign on a leg gesture or a forearm whose knee or elbow is bent where it arrives, and space
   measurement signs beside a step or a jump that is small or large for this dancer's leg length
   (``laban.analysis``: ``limb_flexion``, ``contraction_degree``, ``space_measurement``).

All per-frame work is numpy over whole clips at ``WORKING_FPS``; Python loops run over movements, never frames.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, replace

import numpy as np

from .analysis import (NORMAL_JUMP, NORMAL_STEP, STEP_TRAVEL, Analysis, analyse, angular_speed, contraction_degree,
                       latch, leg_length, limb_flexion, runs, runs_of_values, space_measurement, support_levels,
                       without_short_runs)
from .beats import beat_grid
from .cells import LEVELS as _LEVELS
from .cells import PLACE_LOW, body_components, cells_with_core, limb_cells
from .cells import symbol_for_cell as _symbol_for_cell
from .motion import Motion, Trajectories
from .score import BENDING_COLUMNS, Column, Direction, Level, Score, Sign, Symbol
from .skeleton import BodyPart as B
from .smoothing import gaussian_filter1d
from .timing import BeatGrid, quantise

# Gesture bins (direction × level cells, with hysteresis) live in laban.cells.
STILL_SPEED = 25.0  # deg/s of limb rotation under which a limb is at rest (arrived)
MOVING_SPEED = 50.0  # deg/s over which it is moving again
REVERSAL_PROMINENCE = 40.0  # deg/s a speed dip must fall to count as a stop inside a movement

RAISED_LEG = 40.0  # degrees from hanging at which a free leg's movement is a gesture, not a step's swing
TURN_SPEED = 40.0  # deg/s of pelvis rotation that counts as turning
# What makes a run of turning a turn sign (measured on the shared salsa, where the pelvis twists ±20-40° with every
# basic step and drifts slowly: 30.8 turns of 1/8 a minute were written before these, 8.8 after): a piece of it
# rotates the body at least MIN_TURN degrees at an average of MIN_TURN_SPEED deg/s, and the new front is past the
# half-way mark to the next eighth by TURN_HYSTERESIS degrees, at the end of the piece and over the TURN_SETTLE
# seconds after it (a twist that comes back is no turn). A front left CATCH_UP degrees behind for good by the end
# of a run (slow drift adding up) is caught up there, so notated turns add up to the turned angle as closely as
# before (on the 150 shared clips: median 7°, worst 50°, 61_02, the same as without these thresholds).
MIN_TURN = 30.0
MIN_TURN_SPEED = 90.0
TURN_HYSTERESIS = 15.0
TURN_SETTLE = 1.0
CATCH_UP = 30.0
# A leg in the air whose cell stays what the column says is written anew at the flight's apex when its knee bend
# differs by this many degrees of contraction (60°) or more: legs tucked under the body, not the slight bend every
# small hop lands with.
TUCK = 2
# A capture cut from a longer take (CMU's walks and runs) may start on its way. When the pelvis already moves at
# IN_MOTION m/s over the first IN_MOTION_WINDOW seconds (the shared walks start at 1.0-2.1, runs at 3.3-3.8, a
# standing dancer's sway at 0.01-0.3), the first support is written as the step it is, not as a hold: the decoder
# then starts the dance on its way (``laban.decoder.steps``) instead of from standing.
IN_MOTION = 0.5
IN_MOTION_WINDOW = 0.15
# A support's level that changes while a hold keeps the weight where it is (a plié on both feet before a jump, a
# rise onto the toes) is a new support symbol, ``place`` at the new level, where the new level has held this many
# beats. Before, a support's level was the one it held longest, so the shared standing jumps' preparations (13_11:
# the pelvis 22 cm down for a beat and a half) were written as holds, and the decoder sank 2 cm before them. A step
# keeps the level it holds longest: split at its changes of level too, a running landing's bend became a step and a
# place (validation FID_k 14.8 -> 25.4).
LEVEL_HELD = 0.5


def tokenize(
    motion: Motion | Trajectories | Analysis,
    grid: BeatGrid | None = None,
    *,
    bpm: float | None = None,
    beats_per_bar: int = 4,
    subdivision: int = 4,
    title: str = "",
) -> Score:
    """Write the whole-body score of a motion.

    Time comes from ``grid`` (beats from music or a beats file: ``laban.beats.beat_grid``), else a steady
    ``bpm``, else the motion's own pulse. Symbol boundaries are quantised to 1/``subdivision`` of a beat. ``motion`` may be an ``Analysis``
    already made (``laban.analyse``), so that finding the beats and writing the score analyse it once.
    """
    analysis = motion if isinstance(motion, Analysis) else analyse(motion)
    traj = analysis.trajectories
    if grid is None:
        grid = beat_grid(bpm=bpm, motion=analysis, meter=beats_per_bar)
    beat_of_frame = grid.seconds_to_beats(np.arange(traj.frame_count + 1) / traj.fps)
    frames_per_beat = traj.fps * 60.0 / grid.tempo
    timing = _Timing(beat_of_frame, subdivision, frames_per_beat)

    start, symbols = _support_symbols(analysis, timing)
    flights = _flights(analysis)
    for column, (base, tip), free in _gesture_limbs(analysis):
        first, moves = _gesture_symbols(analysis, column, base, tip, timing, free, flights)
        start.append(first)
        symbols += moves
    return Score(grid, timing.on_grid(symbols), start, title)


# --- body axes -----------------------------------------------------------------------------------------------

# --- gestures ------------------------------------------------------------------------------------------------

def _gesture_limbs(analysis: Analysis):
    """(column, (base part, tip part), frames where the limb is free to gesture) for every gesture column."""
    parts = analysis.trajectories.skeleton.parts
    neck = B.NECK if B.NECK in parts else B.CHEST
    free = ~analysis.contacts
    yield Column.LEG_LEFT, (B.THIGH_LEFT, B.FOOT_LEFT), free[:, 0]
    yield Column.LEG_RIGHT, (B.THIGH_RIGHT, B.FOOT_RIGHT), free[:, 1]
    yield Column.TORSO, (B.PELVIS, neck), None
    yield Column.UPPER_ARM_LEFT, (B.UPPER_ARM_LEFT, B.FOREARM_LEFT), None
    yield Column.UPPER_ARM_RIGHT, (B.UPPER_ARM_RIGHT, B.FOREARM_RIGHT), None
    yield Column.FOREARM_LEFT, (B.FOREARM_LEFT, B.HAND_LEFT), None
    yield Column.FOREARM_RIGHT, (B.FOREARM_RIGHT, B.HAND_RIGHT), None
    yield Column.HEAD, (neck, B.HEAD), None


def _movements(vectors: np.ndarray, fps: float, min_gap: float, allowed: np.ndarray | None) -> list[tuple[int, int]]:
    """Movements of a limb as (start frame, arrival frame): runs of rotation between rests, split at the stops
    and reversals inside them (dips of angular speed at least ``min_gap`` frames apart)."""
    speed = gaussian_filter1d(angular_speed(vectors, fps), 1.5)
    moving = latch(speed > MOVING_SPEED, (speed > MOVING_SPEED) | (speed < STILL_SPEED))
    if allowed is not None:
        moving &= allowed
    dips = _peaks(-speed, REVERSAL_PROMINENCE, max(int(min_gap), 1))
    cuts = np.zeros(len(speed), dtype=bool)
    cuts[dips] = True
    movements = []
    for begin, end in runs(moving):
        inner = begin + np.flatnonzero(cuts[begin:end])
        edges = [begin, *inner.tolist(), min(end, len(speed) - 1)]
        movements += [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]
    return movements


def _peaks(x: np.ndarray, prominence: float, distance: int) -> np.ndarray:
    """Indices of the peaks of ``x`` (a finite signal) that keep ``distance`` samples from higher ones and stand
    ``prominence`` above their surroundings: exactly ``scipy.signal.find_peaks(x, prominence=, distance=)[0]``
    (a plateau's peak at its middle; distance applied before prominence; bases searched over the whole signal), in
    numpy, because importing scipy.signal (and scipy.stats with it) costs more start-up than a batch of short
    clips takes to tokenize."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    if n < 3:
        return np.zeros(0, dtype=np.intp)
    # Local maxima: runs of equal samples higher than the runs on both sides (never the first or the last run).
    starts = np.concatenate([[0], np.flatnonzero(x[1:] != x[:-1]) + 1])
    values = x[starts]
    top = np.zeros(len(starts), dtype=bool)
    top[1:-1] = (values[:-2] < values[1:-1]) & (values[2:] < values[1:-1])
    tops = np.flatnonzero(top)
    middles = (starts[tops] + np.append(starts[1:], n)[tops] - 1) // 2
    heights = values[tops].tolist()
    # Distance: the highest peak first; each peak kept removes the others closer than ``distance``.
    keep = [True] * len(tops)
    if distance > 1:
        at = middles.tolist()
        for j in np.argsort(values[tops])[::-1].tolist():
            if keep[j]:
                k = j - 1
                while k >= 0 and at[j] - at[k] < distance:
                    keep[k], k = False, k - 1
                k = j + 1
                while k < len(at) and at[k] - at[j] < distance:
                    keep[k], k = False, k + 1
    if not any(keep):
        return np.zeros(0, dtype=np.intp)
    # Prominence: the height over the higher of the lowest samples on either side before a higher one (or the end
    # of the signal). Walking out from a peak, the first higher sample lies on the slope of the nearest higher
    # local maximum, and that slope is all higher: the lowest sample before the higher one is the lowest before
    # that maximum. The nearest higher maxima on either side come from one pass over the maxima each way.
    before, after = [-1] * len(tops), [-1] * len(tops)
    for order, nearest in ((range(len(tops)), before), (range(len(tops) - 1, -1, -1), after)):
        stack: list[int] = []
        for j in order:
            while stack and heights[stack[-1]] <= heights[j]:
                stack.pop()
            nearest[j] = stack[-1] if stack else -1
            stack.append(j)
    kept = np.flatnonzero(keep)
    peaks = middles[kept]
    before, after = np.array(before)[kept], np.array(after)[kept]
    left = np.where(before >= 0, middles[before] + 1, 0)
    right = np.where(after >= 0, middles[after], n)
    padded = np.append(x, np.inf)
    left_low = np.minimum.reduceat(padded, np.stack([left, peaks + 1], axis=1).ravel())[::2]
    right_low = np.minimum.reduceat(padded, np.stack([peaks, right], axis=1).ravel())[::2]
    return peaks[prominence <= x[peaks] - np.maximum(left_low, right_low)]


def _flights(analysis: Analysis) -> list[tuple[int, int, int]]:
    """(take-off, landing, apex) frames of every flight (no foot carrying weight); the apex is where the pelvis
    is highest: the moment a jump shows its shape (the split of a jeté, the tucked legs of a tuck jump)."""
    height = analysis.trajectories.part(B.PELVIS)[:, 1]
    return [(b, e, b + int(np.argmax(height[b:e]))) for b, e in runs(analysis.supports == "F")]


def _flight_shapes(movements: list[tuple[int, int]], flights: list[tuple[int, int, int]]
                   ) -> tuple[list[tuple[int, int]], set[int]]:
    """A leg's movements with each flight's apex as an arrival: a movement through the apex is cut there, and a
    flight the leg does not move in gets one from take-off (or the leg's last arrival) to the apex, so that what
    the legs do in the air is written even when it happens in one sweep from the floor to the floor, or in the
    knee alone. Returns the movements in order and the apex frames."""
    apexes = {apex for _, _, apex in flights}
    cut: list[tuple[int, int]] = []
    for begin, end in movements:
        inside = sorted(a for a in apexes if begin < a < end)
        edges = [begin, *inside, end]
        cut += list(zip(edges[:-1], edges[1:]))
    arrivals = np.array(sorted(b for _, b in cut), dtype=np.int64)
    for takeoff, _, apex in flights:
        if apex in arrivals:
            continue
        before = arrivals[arrivals < apex]
        begin = max(takeoff, int(before[-1]) if len(before) else takeoff)
        if begin < apex and not any(a < apex and b > begin for a, b in cut):
            cut.append((begin, apex))
    return sorted(cut), apexes


def _gesture_symbols(analysis: Analysis, column: Column, base: B, tip: B, timing: "_Timing",
                     free: np.ndarray | None, flights: list[tuple[int, int, int]] = ()) -> tuple[Symbol, list[Symbol]]:
    """The starting state and the movements of one gesture column. A leg (``free`` given) in the air is read
    without hysteresis (its cell is where it is: a leg thrown up while the body turns in a jeté en tournant passes
    every boundary too fast to settle in a cell's core), and each flight's apex is one of its arrivals, written
    when the leg's cell or knee bend there differs from what the column says."""
    traj = analysis.trajectories
    vectors = (traj.part(tip) - traj.part(base)).astype(np.float64)
    if free is None:
        cells = limb_cells(vectors, analysis.forward, analysis.right)
    else:
        raw, core = cells_with_core(body_components(vectors, analysis.forward, analysis.right))
        cells = latch(raw, core | (analysis.supports == "F"))
    changes = np.flatnonzero(cells[1:] != cells[:-1]).tolist()
    allowed = None
    resets = np.zeros(traj.frame_count, dtype=bool)
    if free is not None:  # a leg gestures only while free and raised, or free for a beat or more
        allowed = np.zeros(traj.frame_count, dtype=bool)
        hanging = np.degrees(np.arccos(np.clip(-vectors[:, 1] / np.linalg.norm(vectors, axis=1), -1, 1)))
        for begin, end in runs(free):
            if hanging[begin:end].max() >= RAISED_LEG or end - begin >= timing.frames_per_beat:
                allowed[begin:end] = True
        resets[1:] = free[1:] & ~free[:-1]  # a support cancels the gesture: the free leg starts from hanging
    first = _symbol_for_cell(int(cells[0]) if free is None or free[0] else PLACE_LOW, column, 0.0, 0.0)
    flexion = limb_flexion(traj, column.value) if column in BENDING_COLUMNS else None
    if flexion is not None and (free is None or free[0]):
        first = replace(first, contraction=contraction_degree(flexion[0]))
    symbols: list[Symbol] = []
    notated, notated_bend = int(cells[0]), first.contraction
    reset_frames = np.flatnonzero(resets)
    last_end = 0.0
    previous_arrival = 0
    # A limb moves when it moves relative to the body: an arm held still while the dancer turns is no gesture.
    in_body = np.stack([np.einsum("ta,ta->t", vectors, analysis.forward),
                        np.einsum("ta,ta->t", vectors, analysis.right), vectors[:, 1]], axis=1)
    movements = _movements(in_body, traj.fps, timing.frames_per_beat / 2, allowed)
    apexes: set[int] = set()
    if free is not None and flights:
        movements, apexes = _flight_shapes(movements, flights)
    for begin, arrival in movements:
        if free is not None and np.any((reset_frames > previous_arrival) & (reset_frames <= begin)):
            notated, notated_bend = PLACE_LOW, None
        previous_arrival = arrival
        for a, b in timing.split_long(begin, arrival, changes):
            destination = int(cells[b])
            bend = contraction_degree(flexion[b]) if flexion is not None else None  # the bend it arrives with
            if destination == notated and (b not in apexes or abs((bend or 0) - (notated_bend or 0)) < TUCK):
                continue
            span = timing.span(a, b, last_end)
            if span is None:
                continue
            symbol = _symbol_for_cell(destination, column, *span)
            if flexion is not None:
                symbol = replace(symbol, contraction=bend)
            symbols.append(symbol)
            notated, notated_bend, last_end = destination, bend, span[0] + span[1]
    return first, symbols


# --- supports ------------------------------------------------------------------------------------------------

def _support_symbols(analysis: Analysis, timing: "_Timing") -> tuple[list[Symbol], list[Symbol]]:
    """Starting supports, steps, turns, holds and flights."""
    traj = analysis.trajectories
    phases = analysis.supports
    levels = support_levels(analysis)
    pelvis = traj.part(B.PELVIS).astype(np.float64)
    turns = _turns(analysis, timing)
    leg = leg_length(traj)
    standing = float(np.median(pelvis[:, 1]))  # the pelvis height this dancer stands at (the floor is at 0)
    columns = {"L": (Column.SUPPORT_LEFT,), "R": (Column.SUPPORT_RIGHT,),
               "B": (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT), "F": ()}

    def level_of(column: Column, begin: int, end: int) -> Level:
        foot = 0 if column is Column.SUPPORT_LEFT else 1
        counts = np.bincount(levels[begin:end, foot], minlength=3)
        return _LEVELS[int(np.argmax(counts))]

    runs = list(runs_of_values(phases))
    first_label, _, first_end = runs[0]
    window = max(1, min(len(pelvis) - 1, int(round(IN_MOTION_WINDOW * traj.fps))))
    in_motion = len(pelvis) > 1 and \
        np.hypot(*(pelvis[window, [0, 2]] - pelvis[0, [0, 2]])) / (window / traj.fps) >= IN_MOTION
    def level_changes(column: Column, b0: float, b1: float) -> list[tuple[float, Level]]:
        """(beat, level) where the foot's level changes for at least ``LEVEL_HELD`` beats between beats b0 and b1
        of a hold, a subdivision after b0 at the earliest."""
        foot = 0 if column is Column.SUPPORT_LEFT else 1
        f0, f1 = timing.frame(b0), timing.frame(b1)
        changes, current = [], None
        for value, begin, end in runs_of_values(levels[f0:max(f1, f0 + 1), foot]):
            at, until = timing.beat(f0 + begin), min(timing.beat(f0 + end), b1)
            if current is None:
                current = value
            elif value != current and until - at >= LEVEL_HELD and at >= b0 + timing.step:
                changes.append((at, _LEVELS[int(value)]))
                current = value
        return changes

    def first_level(column: Column) -> Level:  # the level the dancer starts at, before a hold changes it
        changes = [] if in_motion else level_changes(column, 0.0, timing.beat(first_end))
        return level_of(column, 0, timing.frame(changes[0][0]) if changes else first_end)

    start = [Symbol(0.0, c, 0.0, Sign.DIRECTION, Direction.PLACE, first_level(c)) for c in columns[first_label]]
    symbols: list[Symbol] = []
    placed: set[_Turn] = set()
    for index, (label, begin, end) in enumerate(runs):
        b0, b1 = (0.0 if index == 0 else timing.beat(begin)), timing.beat(end)  # the first support from beat 0
        if b1 <= b0:
            continue
        if label == "F":  # how high the jump goes: the pelvis at its top, above where it stands
            height = (float(pelvis[begin:end, 1].max()) - standing) / leg
            symbols.append(Symbol(b0, Column.CENTRE, b1 - b0, Sign.FLIGHT,
                                  space=space_measurement(height, NORMAL_JUMP)))
            continue
        # (a first support caught in motion is measured over at least the window that saw it move)
        travel = pelvis[max(end - 1, window if index == 0 and in_motion else 0)] - pelvis[begin]
        along = (travel @ analysis.forward[begin], travel @ analysis.right[begin])
        if (index == 0 and not in_motion) or np.hypot(*along) < STEP_TRAVEL:
            direction = Direction.PLACE
        else:
            direction = Direction.from_azimuth(np.degrees(np.arctan2(along[1], along[0])))
        # how long the step is: the centre of weight's travel over it, against the dancer's leg length
        space = None if direction is Direction.PLACE else space_measurement(np.hypot(*along) / leg, NORMAL_STEP)
        # A turn inside this support pivots on it: the step comes first (a turning step is a step, then its
        # turn), the turn follows, a hold keeps the weight after it.
        step = Sign.HOLD if index == 0 and direction is Direction.PLACE else Sign.DIRECTION
        pieces: list[tuple[float, float, Sign, _Turn | None]] = []
        cursor = b0
        for turn in (t for t in turns if b0 <= t.start < b1):
            turn_start = max(turn.start, cursor)
            if step is Sign.DIRECTION and turn_start - cursor < timing.step and b1 - cursor >= 2 * timing.step:
                turn_start = cursor + timing.step  # make room for the step
            if turn_start > cursor:
                pieces.append((cursor, turn_start, step, None))
                step = Sign.HOLD
            turn_end = min(max(turn.end, turn_start + timing.step), b1)
            if turn_end > turn_start:
                pieces.append((turn_start, turn_end, Sign.TURN, turn))
                placed.add(turn)
                step, cursor = Sign.HOLD, turn_end
        if cursor < b1:
            pieces.append((cursor, b1, step, None))
        for column in columns[label]:
            for piece_start, piece_end, sign, turn in pieces:
                duration = piece_end - piece_start
                if sign is Sign.TURN:
                    if label == "B" and column is Column.SUPPORT_RIGHT:
                        continue  # one centre sign for a turn on both feet
                    symbols.append(Symbol(piece_start, Column.CENTRE if label == "B" else column, duration,
                                          Sign.TURN, turn=turn.turn))
                    continue
                if sign is Sign.HOLD:
                    changes = level_changes(column, piece_start, piece_end)
                    ends = [at for at, _ in changes] + [piece_end]
                    symbols.append(Symbol(piece_start, column, ends[0] - piece_start, Sign.HOLD))
                    for (at, level), until in zip(changes, ends[1:]):  # the weight stays, the level changes
                        symbols.append(Symbol(at, column, until - at, Sign.DIRECTION, Direction.PLACE, level))
                else:
                    f0, f1 = timing.frame(piece_start), timing.frame(piece_end)
                    symbols.append(Symbol(piece_start, column, duration, Sign.DIRECTION, direction,
                                          level_of(column, f0, max(f1, f0 + 1)), space=space))
    # Turns in the air (no support holds them) stand beside the flight in the centre column.
    symbols += [Symbol(t.start, Column.CENTRE, t.duration, Sign.TURN, turn=t.turn) for t in turns if t not in placed]
    return start, symbols


@dataclass(frozen=True)
class _Turn:
    start: float
    duration: float
    turn: float

    @property
    def end(self) -> float:
        return self.start + self.duration


def _turns(analysis: Analysis, timing: "_Timing") -> list[_Turn]:
    """Pivots: runs of pelvis rotation, each notated with the amount (in eighths of a turn) that brings the
    notated front to the actual one, so that the notated turns add up to the turned angle. A run is a turn only
    when it is one (``MIN_TURN``, ``MIN_TURN_SPEED``, ``TURN_HYSTERESIS``). Consecutive pieces may share an end
    beat, so a turn is placed after whatever ends there."""
    heading = analysis.heading
    rate = np.gradient(gaussian_filter1d(heading, 2.0)) * analysis.trajectories.fps
    turning = np.abs(rate) > TURN_SPEED
    turning = ~without_short_runs(~turning, int(0.2 * analysis.trajectories.fps))  # bridge short pauses
    # A turn that runs over several steps (chaînés, a turning jump) is a turn sign on each support it uses.
    changes = np.flatnonzero(analysis.supports[1:] != analysis.supports[:-1]) + 1
    fps = analysis.trajectories.fps
    front = heading[0]
    chosen: list[tuple[int, int, float]] = []  # (begin, end, amount) of the pieces written as turns
    for run_begin, run_end in runs(turning):
        inner = changes[(changes > run_begin) & (changes < run_end)].tolist()
        pieces = list(zip([run_begin, *inner], [*inner, run_end]))
        amounts = dict.fromkeys(pieces, 0.0)
        for begin, end in pieces:
            last = min(end, len(heading) - 1)
            off, own = heading[last] - front, heading[last] - heading[begin]
            turned = abs(own) >= MIN_TURN and abs(own) * fps >= MIN_TURN_SPEED * max(last - begin, 1)
            changed = min(abs(off), abs(_settled(heading, last, fps) - front)) >= 22.5 + TURN_HYSTERESIS
            if turned and changed:
                amounts[begin, end] = float(np.round(off / 45.0) / 8.0)
                front += amounts[begin, end] * 360.0
        # What is no turn (a twist, a slow drift) writes nothing, unless it has left the front CATCH_UP behind
        # for good by the end of the run: then that is caught up on the run's longest piece (where the body pivots
        # most steadily, not on a passing step).
        last = min(run_end, len(heading) - 1)
        off = heading[last] - front
        if min(abs(off), abs(_settled(heading, last, fps) - front)) >= CATCH_UP:
            longest = max(pieces, key=lambda piece: piece[1] - piece[0])
            amounts[longest] += float(np.round(off / 45.0) / 8.0)
            front += np.round(off / 45.0) * 45.0
        chosen += [(begin, end, amount) for (begin, end), amount in amounts.items() if amount != 0]
    turns: list[_Turn] = []
    last_end = 0.0
    for begin, end, amount in chosen:
        span = timing.span(begin, end, last_end)
        if span is None:
            continue
        turns.append(_Turn(span[0], span[1], amount))
        last_end = span[0] + span[1]
    return turns



def _settled(heading: np.ndarray, frame: int, fps: float) -> float:
    """The heading the body keeps after ``frame``: the median over the next ``TURN_SETTLE`` seconds (as
    ``np.median`` works it out, the mean of the middle two of an even count, without its overhead)."""
    window = np.sort(heading[frame:frame + max(int(TURN_SETTLE * fps), 1)])
    middle = len(window) // 2
    return float(window[middle] if len(window) % 2 else (window[middle - 1] + window[middle]) / 2.0)

# --- musical time --------------------------------------------------------------------------------------------

class _Timing:
    """Frames to quantised beats on the score's grid."""

    def __init__(self, beat_of_frame: np.ndarray, subdivision: int, frames_per_beat: float) -> None:
        self.beat_of_frame = beat_of_frame
        self.quantised = np.maximum(quantise(beat_of_frame, subdivision), 0.0)
        self.subdivision = subdivision
        self.frames_per_beat = frames_per_beat
        self.step = 1.0 / subdivision

    def beat(self, frame: int) -> float:
        """Quantised beat of a frame boundary; times before the first beat are clamped to it."""
        return float(self.quantised[frame])

    def frame(self, beat: float) -> int:
        return min(int(self.beat_of_frame.searchsorted(beat)), len(self.beat_of_frame) - 2)

    def span(self, begin: int, end: int, not_before: float) -> tuple[float, float] | None:
        """(start, duration) in beats of frames [begin, end]; at least one subdivision long (a movement faster
        than that is written at the shortest length), and not overlapping what came before in its column."""
        b0 = max(self.beat(begin), not_before)
        b1 = max(self.beat(end), b0 + self.step)
        return (b0, b1 - b0) if b1 > b0 else None

    def on_grid(self, symbols: list[Symbol]) -> list[Symbol]:
        """The symbols with each start and length the float nearest a whole number of subdivisions. They are sums
        and differences of quantised beats, off by a unit in the last place where the subdivision is not a power of
        two (11/12 - 10/12 is 0.08333333333333326): score files carried such floats for 1/12 (the text form then
        writes the exact float, having no short number that is it). Rounding keeps each column's order."""
        if not symbols:
            return symbols
        q = self.subdivision
        edges = np.round(np.array([(s.start, s.end) for s in symbols]) * q)
        return [replace(s, start=float(a / q), duration=float((b - a) / q)) for s, (a, b) in zip(symbols, edges)]

    def split_long(self, begin: int, end: int, changes: list[int]) -> list[tuple[int, int]]:
        """A movement that passes through several cells without stopping (a circle) is written beat by beat.
        ``changes``: the frames k where the cell changes from frame k to k + 1, in order."""
        if bisect_left(changes, end) - bisect_left(changes, begin) < 2:
            return [(begin, end)]
        beats = self.beat_of_frame[begin:end + 1]
        whole = np.flatnonzero(np.diff(np.floor(beats)) > 0) + begin + 1
        edges = [begin, *whole.tolist(), end]
        return [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]


# --- runs ----------------------------------------------------------------------------------------------------

