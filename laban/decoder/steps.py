"""The floor plan: where each step puts the feet, and where the centre of weight travels.

Every step places the free foot where the step's direction and the weight transfer need it, the pelvis travels
over the supporting foot, supporting feet stay planted (they only pivot on the ball in turns), and levels bend the
knees (plié) or raise the heels (relevé). The plan accumulates only what the score says: each choice (a step's
length, a foot's turn-out, a knee's bend) comes from the stream of its own support symbol, so an edit of steps
carries the rest of the dance rigidly to a new place, and an edit of anything else never moves the feet.

What makes a step edit local: a foot that lands alone is placed from the pelvis (where it stands, and where the
step takes it), never from where the other foot stood, and a step in place settles the pelvis over its support
(``_PLACE_TRAVEL`` at most): so the pelvis-to-feet relation forgets an edit once each foot has stepped again (a
foot put down beside one still planted, onto both feet, keeps clear of it, ``_beside``). A foot that stays planted
all through the edit cannot follow the rest of the dance to its new place; that is the one exception. Nothing
looks further ahead than a beat (``Clock.anticipation``): a leap travels the way it lands only when it takes off
within a beat of landing, and a landing foot steers towards the next step only when it lifted within a beat of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from scipy.interpolate import CubicHermiteSpline
from scipy.ndimage import gaussian_filter1d

from ..figure import Rig
from ..score import Direction, Level
from .clock import Clock, Streams, fill_gaps, hermite, ramp, smoothstep
from .supports import FOOT_COLUMNS, Run, axes, leaves_early

_DOUBLE_SUPPORT = 0.02  # s the old foot stays down after the new one lands: the weight arrives with the step
_LOADING = 0.12  # s a leg takes to accept the weight
_TRANSFER = (0.35, 0.55)  # s the weight takes to move over a new support when the step is long enough
_STEP = (0.24, 0.34)  # m of travel for a step with a direction (the tokenizer needs 0.10)
_STEP_BOTH = (0.11, 0.125)  # m of travel for a step onto both feet
# A small step (space measurement signs, laban.analysis: under 0.14 leg lengths, where a normal one is about 0.2)
# travels this far, in metres: about a half of a normal one, clear of the 0.10 m the tokenizer needs to see a
# direction (at 0.105-0.115 m the clips' step-length ratio fell from 0.88 to 0.85: a dancer's small step is not that
# small).
_SMALL_STEP = (0.14, 0.17)
# A large step that is no stride (below) is performed as a normal one: at the training split's lengths (0.35-0.79
# leg lengths) the decoder's flat-footed long steps drop the pelvis at each landing (validation FID_k 32 -> 45); at
# 0.34-0.48 the learned execution gained a little (32 -> 29) but the rules' lost to the carried flight alone (30.8
# against 33.3), and onto both feet the model's dances went wild (docs/execution.md).
# A stride, a step of two large signs on one foot in a run (quick, a flight beside it) or a walk (after the other
# foot's step), travels as far as the capture's strides do at their pace, in leg lengths a second times its
# duration, within a range of lengths (shorter for the first from standing still); its weight flows on into the next
# step, and a running foot lands under the body (``reach``, of the stride's travel ahead of where the pelvis starts
# it; the capture's runners land 0.15-0.25 m ahead). The training split's strides (tokenizer's support runs): in
# runs 0.85-0.96 leg lengths in 0.24-0.27 s measured to the run's last frame, which is 1.01-1.16 to the frame the foot
# leaves, at 3.9-4.2 leg lengths a second (the pace a written stride's duration is danced at; from 3.2-3.6, validation
# Div_k 7.19 -> 7.91 against the captures' 8.89); in walks (large, no flight beside) 0.56-0.78 in 0.37-0.67 s. A
# walker's pace grows as the steps quicken: the training split's locomotion takes, a foot down alone between the other
# foot's steps (200 of them), travel 0.7-0.9 leg lengths whatever they last, so at 2.1 leg lengths a second (median)
# in 0.3-0.5 s, 1.5 in 0.5-0.6 s and 1.1 in 0.6-0.8 s. Walks forward go so, ± 15 %, by the stride's written duration
# (at 1.1-1.6 whatever it lasted the validation walks covered 0.61-0.69 of their captures' paths, 0.77-0.85 at
# 1.4-2.0, now 0.86-0.93; validation FID_k 13.87 -> 13.8, FID_g 14.47 -> 14.3, Div_k 7.23 -> 7.5), and a stride
# forward quicker than 0.4 s with no flight in sight is a brisk one at 2.0-2.5 (a run's first strides, whose flights
# the capture did not show, and walks' steps written quick; sideways at that pace, a dribble's side steps crossed the
# legs: FID_g 14.5 -> 28).
@dataclass(frozen=True)
class _Gait:
    pace: tuple[tuple[float, float, float], ...]  # (written duration s, leg lengths a second at least, at most),
    # interpolated by the stride's duration as written
    length: tuple[float, float]  # leg lengths
    first: float  # leg lengths at most from standing still
    reach: float | None  # of the travel, where the foot lands ahead of the pelvis's start (None: as any step)
    quickest: float  # s: a longer step is not a stride
    kick: float  # degrees the knee of the leg leaving the floor folds at most as it swings through

    def paces(self, written: float) -> tuple[float, float]:
        """The range of paces (leg lengths a second) of a stride that lasts ``written`` s as written."""
        durations, lowest, highest = np.array(self.pace).T
        return float(np.interp(written, durations, lowest)), float(np.interp(written, durations, highest))


_RUN = _Gait(pace=((0.0, 3.9, 4.2),), length=(0.5, 1.15), first=0.7, reach=0.3, quickest=0.4, kick=110.0)
_WALK = _Gait(pace=((0.45, 1.79, 2.42), (0.6, 1.28, 1.73), (0.75, 0.94, 1.27)), length=(0.5, 0.85), first=0.6,
              reach=0.45, quickest=0.75, kick=30.0)
_BRISK = _Gait(pace=((0.0, 2.0, 2.5),), length=(0.5, 1.0), first=0.7, reach=0.45, quickest=0.4, kick=60.0)
# The captures' walks go forward: a walking stride any other way goes no faster, whatever it lasts, than 1.4-2.0 (at
# the forward pace for its duration a dribble's quick side steps stood the pelvis in front of the feet: 06_09 at
# decode seed 1, the relation 8.9 -> 14.1 training standard deviations off, the validation FID_g 14.70 -> 17.56)
_WALK_ASIDE = replace(_WALK, pace=((0.0, 1.4, 2.0),))
# A runner's foot is down this long (s) in a stride (the training split's runs: 0.24-0.27 s). A dance caught in motion
# whose first running stride is written longer than that was caught in the air, as the CMU runs cut from longer takes
# are: their first frames, the pelvis at the top of a flight and a foot a few centimetres up, read as that foot down
# (``Steps._plan``, ``_hidden_flight``)
_RUNNING_STANCE = 0.24
_CARRIED = 0.6  # m a flight out of a travelling step carries the body at most, at that step's speed ...
_FASTEST = 4.0  # m/s ... up to this (the shared runs go 3.5-3.6 m/s; a quick step of a written score, much faster)
# A foot stepping across the body (``Steps._across``) lands this far past the other foot at most (negative: short
# of it; the feet do not overlap), after shortening the step down to ``_STEP_READS`` m of travel (the tokenizer
# needs 0.10; at 0.125 the support direction round trip lost 1.3 points) and then landing out to its own side of
# the pelvis's way by ``_OUT`` m at most
_CROSSED, _STEP_READS, _OUT = -0.09, 0.18, 0.3
_PLACE_TRAVEL = 0.045  # m: the most a step in place moves the pelvis
_READS = 0.13  # m: the least travel that leaves a step's direction readable where little is free (the tokenizer
# needs 0.10)
# Two feet on the floor at once stand at most this many leg lengths (hip to ankle) apart: the training split's
# captures, both feet down, 0.25 m apart at the median, 0.99 m at the 99.9th percentile, 1.03 m at most (legs of
# 0.85-0.9 m). Steps onto both feet each keeping the other foot where it stood spread the feet further each time:
# a generated dance's stood 1.25 m apart, the pelvis sinking to 0.38 m.
_WIDEST = 1.1
_REACHED = 0.28  # m from the hip a foot lands after a low leg gesture (so the leg still reads as that gesture)
_PAST = 0.3  # m: the most the weight goes on past a foot that reached back (or aside) for a step the other way (the
# validation take 01_12, where a leg reaches back and then steps forward: the pelvis 0.18-0.27 m ahead of it as it
# lands)
_STANCE = (0.13, 0.16)  # m between the ankles standing in place (the training takes' median: 0.20; at 0.16-0.20 a
# hold on one foot after standing on both could not bring the weight over it within ``_PLACE_TRAVEL``)
# Levels (the tokenizer: plié = knee bent over 35°, relevé = heel raised over 4.5 cm, each ± a dead band)
_LEVEL_FLEXION = {Level.LOW: (50.0, 60.0), Level.MIDDLE: (12.0, 20.0), Level.HIGH: (8.0, 16.0)}  # knee, degrees
# The learned execution's knee bends are kept where the tokenizer reads the written level
_LEARNED_FLEXION = {Level.LOW: (47.0, 75.0), Level.MIDDLE: (12.0, 25.0)}  # knee, degrees (plié over 35° ± 8°)
_FLOW = 0.12  # s of smoothing of the centre of weight's path in the learned execution (within the beat-bounded
# kernel, ``Clock.kernel``): dancers' weight flows on from step to step
_LEVEL_CHANGE = 0.16  # s a supporting leg takes to change level ...
_LEVEL_EARLY = 0.08  # s ... starting this much before the weight arrives
_RELEVE = (0.065, 0.075)  # m the ankle rises on the ball of the foot
_QUICK_RELEVE = 0.45  # s: a shorter time on the ball keeps the pelvis where it was (knees bent); a longer one rises
_TURNOUT = (0.05, 0.2)  # rad each foot points outward
PUSH_OFF = (0.08, 0.25)  # s: the shortest and longest push-off of a jump (``body.Body._jumps``)


@dataclass
class _Plant:
    """A foot on the floor from ``t0`` to ``t1`` (seconds), its ball at ``ball`` (x, z), pointing ``turnout``
    radians outward of the body's front."""

    foot: int
    t0: float
    t1: float
    ball: np.ndarray
    turnout: float


class Steps:
    """Where the feet stand and the centre of weight goes, per frame.

    The centre of weight travels each run's notated direction (the tokenizer measures the pelvis from the start of
    a support to its end); a new foot lands where the pelvis passes over it, and when a support lasts, the pelvis
    settles over it (balance). Steps in place keep the pelvis within a few centimetres.
    """

    def __init__(self, rig: Rig, clock: Clock, runs: list[Run], heading: np.ndarray,
                 streams: Streams) -> None:
        self.rig, self.clock, self.runs, self.heading = rig, clock, runs, heading
        t = clock.t
        n = clock.frames
        self.planted = np.zeros((2, n), dtype=bool)
        self.load = np.zeros((2, n))
        self.flexion = np.zeros((2, n))  # radians, target knee flexion of a loaded leg
        self.rise = np.zeros((2, n))  # m the ankle is raised on the ball of the foot
        self.ball = np.zeros((2, n, 2))  # (x, z) of each planted ball
        self.turnout = np.zeros((2, n))
        self.toe_off = np.zeros((2, n))  # how much a stride's foot, left behind, may rise onto its ball (0-1)
        self.plants: list[_Plant] = []
        self._carried: float | None = None  # leg length of the last flat support (see _on_the_ball)
        self._landed: tuple[Run, int, np.ndarray] | None = None  # the last foot stepping alone (see _across)
        self.flights: list[tuple[int, int]] = []  # (take-off run, landing run) indices
        self.lifted_at: dict[int, float] = {}  # s each foot last left the floor (while planning)
        self.foot_length = float(np.linalg.norm(rig.legs["left"].ball[[0, 2]]))  # ankle to ball, horizontally
        self.streams = streams
        runs = self.runs  # the gait each support run is a stride of, or None (``_stride``), read once
        hidden = _hidden_flight(runs, clock)
        self.caught = _caught(runs, hidden)  # what came before a dance caught in motion (None: it starts standing)
        # the stride after a dance's first step, caught running, whose flight before it the capture's first frames hid
        self._hidden = runs[1] if self.caught is not None and hidden else None
        before = [self.caught] + runs[:-1]
        self.gaits = [self._stride(run, before[k], runs[k + 1] if k + 1 < len(runs) else None)
                      if before[k] is not None else None for k, run in enumerate(runs)]
        # ... and as seen from before it lands: where a foot lands may not depend on what comes after it (the
        # foot is on its way a beat before), so a step is placed as the stride it is without what follows it
        self.placing = [self._stride(run, before[k], None) if before[k] is not None else None
                        for k, run in enumerate(runs)]
        self._plan()
        self.centre = hermite(t, *self._knots)  # (T, 2) planned centre of weight (x, z)
        if streams.model is not None:  # dancers' weight flows from step to step rather than stopping at each
            self.centre = gaussian_filter1d(self.centre, **clock.kernel(_FLOW), axis=0, mode="nearest")

    def long_flight(self, run: Run) -> bool:
        """Whether a flight, from its shortest push-off to its landing as written, lasts longer than the beat
        before the landing (so that how it flies may not depend on where it lands)."""
        landing = self.clock.seconds(run.b1)
        return run.t0 - PUSH_OFF[0] < landing - self.clock.beat_before(landing)

    def anticipated_from(self, run: Run) -> float:
        """The earliest time (s) the planned centre of weight may set off into a flight the way it lands: its
        ``anticipation`` before the landing is written (the feet may touch down a moment later). The push, which
        moves the whole body and so the balance, reads the landing later: ``Clock.preparation``."""
        landing = self.clock.seconds(run.b1)
        return landing - self.clock.anticipation(landing)

    def heading_at(self, seconds: float) -> float:
        """Facing (radians) at a time."""
        return float(np.interp(seconds, self.clock.t, self.heading))

    def _plan(self) -> None:
        runs, streams = self.runs, self.streams
        self.stance = streams("body", -1.0, "stance").uniform(*_STANCE)
        feet: dict[int, np.ndarray] = {}  # ankles (x, z) of the planted feet
        turnouts = {f: streams(FOOT_COLUMNS[f], -1.0, "turnout").uniform(*_TURNOUT) for f in (0, 1)}
        pelvis = np.zeros(2)
        first = runs[0]
        _, right = axes(self.heading_at(0.0))
        if self.caught is None:
            for f in first.feet:
                feet[f] = pelvis + SIDE[f] * right * (0.5 * self.stance if len(first.feet) == 2 else 0.02)
            knots: list[tuple] = [(min(first.t0, 0.0), pelvis.copy(), False, None)]  # (see _centre_knots)
            stepped = np.zeros(2)
        else:  # caught in motion: the first step is taken as out of the one before it, already on its way (the
            # centre of weight starts at the speed it travels, ``_centre_knots``), its foot already down ...
            knots = [(min(first.t0, 0.0), pelvis.copy(), True, None)]
            if self.gaits[0] is _RUN:  # ... or in the air (09_10, caught so, covered 0.82 of its path, now 0.94)
                first, pelvis = self._in_the_air(first, pelvis)
                if first is not runs[0]:
                    knots.append((first.t0, pelvis.copy(), True, None))
            end = self._step(first, pelvis, feet, list(first.feet), [], runs[1] if len(runs) > 1 else None,
                             self.caught, self.gaits[0], self.placing[0], last=len(runs) == 1)
            transfer = self._arriving(first, self.gaits[0], last=len(runs) == 1)
            knots.append((first.t0 + transfer, end.copy(), transfer >= first.duration - 1e-9, None))
            stepped, pelvis = end - pelvis, end
        open_plants = {f: self._new_plant(f, first.t0, feet[f], turnouts[f]) for f in first.feet}
        self._levels(first)
        previous = first  # the last support run, and (``stepped``) how far it took the pelvis
        seen = None  # ... and where the centre was seen heading in it, if not where it ended (below)
        for i, run in enumerate(runs[1:], start=1):
            if not run.feet:  # flight: the feet leave the floor at the run's start
                striding = self.gaits[i - 1] is not None
                for f in list(open_plants):
                    self.lifted_at[f] = run.t0
                    self._close(open_plants.pop(f), run.t0)
                landing = runs[i + 1] if i + 1 < len(runs) else None
                travel = np.zeros(2)
                # a leap travels the way it lands, but only where the take-off (push-off included) lies within a
                # beat of the landing: an edit of the landing step is anticipated by a beat at most
                if landing is not None and landing.step not in (None, Direction.PLACE) \
                        and not self.long_flight(run):
                    f2, r2 = axes(self.heading_at(run.t1))
                    way = horizontal(landing.step, f2, r2)
                    travel = min(0.9 * run.duration, 0.5) * way
                    if previous.feet and previous.step not in (None, Direction.PLACE):  # a running stride
                        # flies on at the speed its step travelled (the body keeps its momentum in the air)
                        speed = min(float(stepped @ way) / max(previous.duration, 1e-3), _FASTEST)
                        travel = max(float(travel @ way), min(speed * run.duration, _CARRIED)) * way
                # the pelvis is where the take-off put it a beat before the landing, whatever comes next: from there
                # it sets off into the leap (where the leap goes is anticipated by a beat at most)
                hold = min(self.anticipated_from(run), run.t0 - 0.02)
                earlier = [k[0] for k in knots if k[0] < run.t0 - 1e-6]
                if not self.long_flight(run) and earlier and max(earlier) < hold - 1e-6:
                    if striding:  # a stride flows on into the air: where it is at that time, on its way
                        times, values = np.array([k[0] for k in knots]), np.array([k[1] for k in knots])
                        order = np.argsort(times, kind="stable")
                        at = np.array([np.interp(hold, times[order], values[order, d]) for d in (0, 1)])
                        knots.append((hold, at, True, _PASSING))
                    else:
                        knots.append((hold, pelvis.copy(), False, seen))  # (when that is, as the run was seen)
                flows = not self.long_flight(run)  # a long flight neither travels nor flows into its landing
                knots.append((run.t0, pelvis.copy(), flows, None))
                pelvis = pelvis + travel
                knots.append((run.t1, pelvis.copy(), flows, None))
                feet = {}
                self.flights.append((i - 1, i + 1))
                previous = run
                continue
            for f in feet:  # a planted foot may have pivoted on its ball in a turn since it landed
                yaw = self.heading_at(run.t0) + SIDE[f] * open_plants[f].turnout
                feet[f] = open_plants[f].ball - self.foot_length * axes(yaw)[0]
            landing = [f for f in run.feet if f not in feet]
            staying = [f for f in run.feet if f in feet]
            for f in landing:
                turnouts[f] = streams(FOOT_COLUMNS[f], run.b0, "turnout").uniform(*_TURNOUT)
            start = pelvis.copy()
            danced, before = run, previous  # (a stride out of a hidden flight: from its landing, out of the air)
            if run is self._hidden and self.gaits[i] is _RUN:
                danced, start = self._in_the_air(run, start)
                before = replace(previous, feet=(), step=None) if danced is not run else previous
            seen = None  # where the centre is seen heading before the run, if not where it ends (_centre_knots)
            # ... the last run, one that strides into what follows, and one cut short by a jump's push
            if i == len(runs) - 1 or self.gaits[i] is not self.placing[i] \
                    or run.t1 < self.clock.seconds(run.b1) - 1e-9:
                landed, placing = self._landed, self.placing[i]
                # the run as written (the last one lasts to the dance's end), placed without what follows it
                written = replace(danced, t1=max(self.clock.seconds(run.b1), danced.t0 + 1e-3))
                seen_end = self._step(written, start, {f: v.copy() for f, v in feet.items()}, landing, staying,
                                      None, before, placing, placing)
                self._landed = landed
                settles = 0.0 if placing is not None else float(smoothstep((written.duration - 0.35) / 0.5))
                arrives = self._transfer(written, settles)
                seen = (danced.t0 + arrives, seen_end, arrives >= written.duration - 1e-9)
            end = self._step(danced, start, feet, landing, staying, runs[i + 1] if i + 1 < len(runs) else None,
                             before, self.gaits[i], self.placing[i], last=i == len(runs) - 1)
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
                    self.lifted_at[f] = run.t0 + max(_DOUBLE_SUPPORT, getattr(previous, "late", 0.0))
                    self._close(open_plants.pop(f), self.lifted_at[f])
            for f in landing:
                open_plants[f] = self._new_plant(f, danced.t0 - early, feet[f], turnouts[f])
            for f in [f for f in feet if f not in run.feet]:
                del feet[f]
            self._levels(run)
            transfer = self._arriving(danced, self.gaits[i], last=i == len(runs) - 1)
            # after a flight the travel flows on (and out of a hidden one, from where the feet left the floor: a knot
            # where it lands, just before the passing knot of the flight after it, made the centre lurch)
            knots.append((run.t0, pelvis.copy() if danced is not run else start,
                          danced is not run or (not previous.feet and not self.long_flight(previous)), None))
            knots.append((danced.t0 + transfer, end.copy(), transfer >= danced.duration - 1e-9, seen))
            stepped, pelvis = end - start, end
            previous = danced
        for plant in open_plants.values():
            self._close(plant, np.inf)
        self._knots = _centre_knots(knots, self.clock.preparation)
        for f in (0, 1):  # a foot in the air turns from one plant's turn-out to the next, in the beat before it lands
            self.turnout[f] = fill_gaps(self.turnout[f], self.planted[f],
                                        lambda i: self.clock.anticipation(self.clock.t[i]) * self.clock.fps)

    def _arriving(self, run: Run, gait: _Gait | None, last: bool) -> float:
        """How long (s) the weight takes to arrive over a support run's feet as it is danced: a long run settles
        (the last one always), a stride is all transfer: the weight flows on through it, and the foot it lands on
        rolls onto its ball as the body passes it (toe-off) for as long as it stays down."""
        settle = 1.0 if last else float(smoothstep((run.duration - 0.35) / 0.5))
        if gait is not None:
            settle = 0.0
            frames = self.clock.window(0.5 * (run.t0 + run.t1), run.t1 + self.clock.anticipation(run.t1))
            self.toe_off[run.feet[0], frames] = 1.0
        return self._transfer(run, settle)

    def _transfer(self, run: Run, settle: float) -> float:
        """How long (s) the weight takes to arrive over a support run's feet: all of the run unless it settles."""
        if settle <= 0:
            return run.duration
        return min(run.duration, self.streams("supports", run.b0, "transfer").uniform(*_TRANSFER))

    def _written(self, run: Run) -> float:
        """How long (s) a support run lasts as written, to its written end: how its foot lands and its level
        is taken may not depend on what follows it. (The run as danced ends when the feet next leave the floor:
        with the dance's end, or earlier before a jump's push; read so, the landing of a dance's last step moved by
        35 mm, from 1.6 beats before the join, once the dance was continued into a jump.)"""
        return max(self.clock.seconds(run.b1) - run.t0, 1e-3)

    def _in_the_air(self, run: Run, start: np.ndarray) -> tuple[Run, np.ndarray]:
        """A running stride danced longer than a runner's foot is down, caught in the air: the run from its landing,
        a stance before its end, and where the pelvis is then, having flown on at the stride's pace (the run and
        ``start`` as they are for one no longer than a stance)."""
        if run.duration <= _RUNNING_STANCE + 1.0 / self.clock.fps:
            return run, start
        lands = run.t1 - _RUNNING_STANCE
        pace = self.streams("supports", run.b0, "stride").uniform(*_RUN.paces(self._written(run)))
        way = horizontal(run.step, *axes(self.heading_at(run.t0)))
        return replace(run, t0=lands), start + self._hip_to_ankle * pace * (lands - run.t0) * way

    def _length(self, run: Run, preceding: Run, gait: _Gait | None, duration: float | None = None) -> float:
        """How far (m) the pelvis travels in a directional step, as a stride of ``gait`` or not, lasting
        ``duration`` s (default: as long as the run is danced)."""
        duration = run.duration if duration is None else duration
        if run.space is not None and run.space < 0 and len(run.feet) == 1:  # a small step: as short as still reads
            return self.streams("supports", run.b0, "spaced").uniform(*_SMALL_STEP)
        length = self.streams("supports", run.b0, "length").uniform(*(_STEP_BOTH if len(run.feet) == 2 else _STEP))
        leg = self._hip_to_ankle
        if preceding is self.caught:  # the first step of a dance caught in motion is seen for as long as it is
            # danced from time 0, at its gait's pace (a walk's, for a step that is no stride), no longer than a step
            # of its kind (a foot down reaches no further)
            written = self.clock.seconds(run.b1) - self.clock.seconds(run.b0)  # (the whole step, from before 0)
            pace = self.streams("supports", run.b0, "stride").uniform(*(gait or _walk(run.step)).paces(written))
            return min(leg * pace * duration, length if gait is None else leg * gait.length[1])
        if gait is None:
            return length
        pace = self.streams("supports", run.b0, "stride").uniform(*gait.paces(self._written(run)))
        # from standing still: after a support that did not step, or a run's stride not out of the air
        still = bool(preceding.feet) and (preceding.step in (None, Direction.PLACE) or gait is _RUN)
        longest = gait.first if still else gait.length[1]
        return leg * float(np.clip(pace * duration, gait.length[0], longest))

    def _step(self, run: Run, start: np.ndarray, feet: dict[int, np.ndarray], landing: list[int],
              staying: list[int], following: Run | None, preceding: Run, gait: _Gait | None,
              placing: _Gait | None, last: bool = False) -> np.ndarray:
        """Place the feet that land in ``run`` (ankles into ``feet``) and return where the pelvis ends the run.

        A step with a direction moves the pelvis that way (the tokenizer needs 10 cm; ``_STEP``); a single foot
        lands where the pelvis will pass over it, or, for a long step, where it settles. A step in place closes the
        foot beside the other and moves the pelvis a few centimetres at most. On both feet, the pelvis stays
        between them and neither foot is far out from under it (``_beside``)."""
        forward, right = axes(self.heading_at(run.t0))
        written = self._written(run)
        settle = float(smoothstep((written - 0.35) / 0.5))
        # a single foot's weight settles over its ball, as dancers stand, whether or not the run turns on it (over
        # its middle unless the run turned, a long hold continued into a turn after the dance's end moved from the
        # hold's start; and the validation split's FID_g was 14.57, now 14.47)
        over = self.foot_length
        directional = run.step not in (None, Direction.PLACE)
        both = len(run.feet) == 2
        if directional:  # (a run's stride is placed as danced before a flight, the least its feet leave early)
            pushing = min(leaves_early(self.clock.beat_length(run.b0)), 0.4 * written) if placing is _RUN else 0.0
            length = self._length(run, preceding, placing, written - pushing)
            way = horizontal(run.step, forward, right)
            end = start + length * way
            if not landing:  # the weight moves over a foot that stays: onto it, if it lies that way
                over = np.mean([feet[f] for f in run.feet], axis=0) + 0.5 * self.foot_length * forward - start
                along = float(over @ way)
                if along > 0.11 and abs(float(over @ np.array([-way[1], way[0]]))) < 0.4 * along:
                    end = start + over
                else:
                    end = start + min(length, _READS) * way
        else:
            way, end = np.zeros(2), start.copy()
        behind = None
        for f in landing:
            if both and staying:  # the pelvis ends between the feet
                old = feet[staying[0]]
                centre = old + 0.5 * self.foot_length * forward
                if directional or np.linalg.norm(start - centre) > 0.5 * self.stance:
                    ideal = 2.0 * end - centre - 0.5 * self.foot_length * forward
                else:
                    ideal = old + (SIDE[f] - SIDE[staying[0]]) * 0.5 * self.stance * right
                if (following is not None and following.feet == (f,) and following.step is not None
                        and following.step is not Direction.PLACE  # the weight goes on to this foot next ...
                        and following.t0 - self.lifted_at.get(f, -np.inf)
                        <= self.clock.anticipation(following.t0)):  # ... within a beat of its lifting
                    ideal = end + _STEP[0] * horizontal(following.step, forward, right)
                feet[f] = _beside(old, start, end, ideal, forward, SIDE[f] * right)
                apart, widest = np.linalg.norm(feet[f] - old), _WIDEST * self._hip_to_ankle
                if apart > widest:  # no wider than dancers stand, the pelvis between the feet
                    feet[f] = old + (feet[f] - old) * (widest / apart)
                    end = 0.5 * (old + feet[f]) + 0.5 * self.foot_length * forward
            elif both:
                feet[f] = end + SIDE[f] * right * 0.5 * self.stance
            elif f in run.reaching:  # onto the foot that reached out: along the gesture, out from under the hip
                hip, reached = start + SIDE[f] * right * 0.09, horizontal(run.reaching[f], forward, right)
                feet[f] = hip + _REACHED * reached
                if directional and float(reached @ way) < 0.5:
                    behind = feet[f]  # a leg that reached back (or aside: over 60° off the step's way) and steps
                    # on: the weight goes on past it
            elif directional:
                reach = 0.55 + 0.45 * settle  # a long step ends with the weight over the middle of the foot
                if placing is not None and placing.reach is not None:
                    reach = placing.reach
                lateral = 0.055 * (1.0 - settle) + 0.015 * settle
                # a step across the body (the right foot to the left) crosses the legs no further than dancers do
                # (``_across``): shorter, as long as it still reads, and then out to its own side of the way
                planned = (run, f, (reach - 1.0) * (end - start) + SIDE[f] * right * lateral - settle * over * forward)
                end, lateral = self._across(f, start, end, reach, lateral, preceding, right)
                self._landed = planned  # where the foot lands from the pelvis's end, before ``_across``
                feet[f] = start + reach * (end - start) + SIDE[f] * right * lateral - settle * over * forward
            else:
                # a step in place closes the foot beside the other as the pelvis, settled over that foot, stands
                # (under the body, from the pelvis alone: where the other foot stood is left behind as it lifts)
                others = [g for g in feet if g != f]
                feet[f] = (start - 0.5 * self.foot_length * forward + SIDE[f] * (self.stance - 0.015) * right
                           if others else start + SIDE[f] * right * 0.02)
        if last and placing is None and directional and not both and landing and run.feet[0] not in run.reaching \
                and run.t0 >= self.clock.end - self.clock.anticipation(self.clock.end):
            # the dance ends on this step, taken in its last beat: the weight comes to rest over the foot, which
            # lands where it would were the dance to go on (so that what comes before the last step does not
            # depend on its being last; a last step taken earlier settles by its length, as any step does)
            f = run.feet[0]
            end = feet[f] + over * forward - SIDE[f] * right * 0.015
        elif gait is not placing and directional and landing:  # a stride by what follows it (``_stride``): the
            # foot lands as it would without that, the pelvis travels as the stride does
            end = start + (end - start) * self._length(run, preceding, gait) / length
        if behind is not None:  # ... but no further past it than dancers lean on (``_PAST``), travelling as far
            # as the step needs to read all the same
            past = max(0.0, float((end - behind) @ way) - _PAST)
            end = end - min(past, max(0.0, float((end - start) @ way) - _READS)) * way
        if not directional:  # settle over the support, a little inside a single foot, but travel little
            support = np.mean([feet[f] for f in run.feet], axis=0) + (over if not both else
                                                                       0.5 * self.foot_length) * forward
            if not both:
                support = support - SIDE[run.feet[0]] * right * 0.015
            move = support - start
            distance = np.linalg.norm(move)
            if distance > _PLACE_TRAVEL:
                move *= _PLACE_TRAVEL / distance
            end = start + move
            if both and staying and landing:
                feet[landing[0]] = _beside(feet[staying[0]], start, end, feet[landing[0]], forward,
                                           SIDE[landing[0]] * right)
        return end

    def kick(self, foot: int, seconds: float) -> float:
        """Degrees the knee of ``foot`` folds at most as it swings, leaving the floor at ``seconds`` from the end of
        a stride, or as the other foot sets off into one, at once or out of the air (0: neither)."""
        runs = self.runs
        for k, run in enumerate(runs):
            if run.feet == (foot,) and abs(run.t1 - seconds) < 1.5 / self.clock.fps:
                after = k + 2 if k + 2 < len(runs) and not runs[k + 1].feet else k + 1  # (through a flight)
                gait = self.gaits[k] or (self.gaits[after] if after < len(runs) else None)
                return gait.kick if gait is not None else 0.0
        return 0.0

    def _stride(self, run: Run, preceding: Run, following: Run | None) -> _Gait | None:
        """The gait ``run`` is a stride of (two large signs on one foot, quick): a run's (a flight before or after
        it) or a walk's (after the other foot's step; forward and quick, a brisk walk's), or None."""
        if len(run.feet) != 1 or run.space is None or run.space < 2 \
                or abs(self.heading_at(run.t1) - self.heading_at(run.t0)) > 0.2:  # (a turn on it is no stride)
            return None
        if following is not None and following.t0 - run.t0 > self.clock.anticipation(following.t0):
            following = None  # what comes next is seen a beat ahead at most
        if run.duration < _RUN.quickest and (not preceding.feet or (following is not None and not following.feet)
                                             or run is self._hidden):
            return _RUN
        if run.duration < _WALK.quickest and len(preceding.feet) == 1 and preceding.feet != run.feet \
                and (following is None or (len(following.feet) == 1 and following.feet != run.feet)):
            # (between the other foot's steps: a walk stopping or closing is no stride; how quick it is, as written:
            # as danced, a jump's push after it cuts it short)
            walk = _walk(run.step)
            return _BRISK if walk is _WALK and self._written(run) < _BRISK.quickest else walk
        return None

    def _across(self, foot: int, start: np.ndarray, end: np.ndarray, reach: float, lateral: float, preceding: Run,
                right: np.ndarray) -> tuple[np.ndarray, float]:
        """A single foot stepping across the body, right after the other foot stepped alone (the right foot to
        the left after the left foot stepped left: sideways travel on alternating feet), lands short of the other
        foot, not past it (the capture's legs cross by over 15 cm in 0.5 % of frames, the decoded validation
        scores' did in 3.1 %, 06_09's side steps in 45 %): the step is shortened as far as it still reads
        (``_STEP_READS``), then the foot lands out to its own side of the pelvis's way (``_OUT`` at most).
        Returns the pelvis's end and the foot's offset to its own side.

        Where the other foot stands is taken from its own step as planned before this rule (``_landed``), not from
        where it ended: so this step depends on the one before it and no further back, and a step edit is
        forgotten once both feet have stepped again (tests/test_locality.py)."""
        landed = self._landed
        if landed is None or landed[0] is not preceding or landed[1] == foot:
            return end, lateral
        own = SIDE[foot] * right
        past = float(landed[2] @ own)  # how far the pelvis starts past the other foot, towards this one's far side
        length = float(np.linalg.norm(end - start))
        sideways = float((end - start) @ -own) / max(length, 1e-9)  # 1: straight across, 0: forward or back
        travel = reach * length * sideways
        across = past + travel - lateral
        if across <= _CROSSED:
            return end, lateral
        # only a step mostly across is shortened (continuously in its direction: a turned dance decodes the same)
        share = float(smoothstep((sideways - 0.3) / 0.4))
        if share > 0.0:
            keep = min(max((_CROSSED - past + lateral) / travel, _STEP_READS / length), 1.0)
            keep = 1.0 - share * (1.0 - keep)
            across -= (1.0 - keep) * travel
            end = start + keep * (end - start)
        return end, lateral + min(max(across - _CROSSED, 0.0), _OUT)

    def _new_plant(self, foot: int, t0: float, ankle: np.ndarray, turnout: float) -> _Plant:
        """A foot put down at ``t0`` with its ankle over ``ankle``, pointing ``turnout`` outward."""
        yaw = self.heading_at(t0) + (turnout if foot == 1 else -turnout)
        forward, _ = axes(yaw)
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
        weight = ramp(t, plant.t0, plant.t0 + _LOADING)
        if np.isfinite(t1):
            weight = weight * (1.0 - ramp(t, t1 - _LOADING, t1))
        self.load[f, frames] = np.maximum(weight, 1e-3)

    def _levels(self, run: Run) -> None:
        """Knee bend and heel rise of each supporting foot over a run. A level is taken at once, as the weight
        arrives (a short step is all transfer): a foot that lands on its ball lands already raised, knees that
        bend for a plié are bending as the foot lands."""
        clock = self.clock
        start = max(run.t0 - _LEVEL_EARLY, 0.0)
        frames = clock.window(start, run.t1 + max(_DOUBLE_SUPPORT, 0.1))  # until the feet leave, or a next run
        t = clock.t[frames]
        for f, level in run.levels.items():
            rng = self.streams(FOOT_COLUMNS[f], run.b0, "level")
            flexion = np.radians(rng.uniform(*_LEVEL_FLEXION[level]))
            if self.streams.model is not None and level is not Level.HIGH:  # as deep as dancers bend, in the level
                flexion = np.radians(np.clip(self.streams.model.knee_flexion(level, rng), *_LEARNED_FLEXION[level]))
            rise = rng.uniform(*_RELEVE) if level is Level.HIGH else 0.0
            if level is Level.HIGH and self._carried is not None and self._written(run) < _QUICK_RELEVE:
                flexion = self._on_the_ball(f, rise)
            elif level is not Level.HIGH:
                self._carried = self._leg_length(f, flexion)
            before = frames.start - 1 if frames.start > 0 else None
            before_flexion = self.flexion[f, before] if before is not None else flexion
            before_rise = self.rise[f, before] if before is not None else rise
            ease = ramp(t, start, start + min(_LEVEL_CHANGE, 0.5 * self._written(run)))
            self.flexion[f, frames] = before_flexion + (flexion - before_flexion) * ease
            self.rise[f, frames] = before_rise + (rise - before_rise) * ease

    @property
    def _hip_to_ankle(self) -> float:
        """The left leg's length, hip to ankle (m): what strides and stances are measured in."""
        return self.rig.legs["left"].thigh_length + self.rig.legs["left"].shin_length

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


SIDE = {0: -1.0, 1: 1.0}  # the left foot is on the performer's left: minus right
_CROSSED_BOTH = 0.04  # m a foot put down beside the other may lie past it (the capture, standing on both feet:
# crossed by over 5 cm in 0.9 % of frames)
_NEAR = 0.18  # m: a foot on the floor this near the pelvis always counts as carrying weight for the tokenizer
_FAR = 2.5  # ... and one further than this many times the other's distance does not (the tokenizer says 3)


def _beside(old: np.ndarray, start: np.ndarray, end: np.ndarray, ideal: np.ndarray,
            forward: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Where to put a second foot down (ankle, (x, z)) next to the ``old`` one, nearest ``ideal``, so that the
    pelvis travelling from ``start`` to ``end`` stands between them all along: the tokenizer only counts a foot as
    carrying weight if it is near the pelvis or not much further from it than the other foot is (``forward``: the
    body's front). Where it can with the pelvis's end still between the feet, the new foot stays on its own side
    of the old one (``side``, a unit vector that way): dancers stand on crossed feet in under 1 % of the frames
    they stand on both (``_CROSSED_BOTH``)."""
    # candidates around ``ideal`` in the body's axes (a dance turned elsewhere chooses the same way)
    angles = np.linspace(0.0, 2 * np.pi, 24, endpoint=False) + np.arctan2(forward[1], forward[0])
    radii = np.array([0.0, 0.03, 0.06, 0.09, 0.12, 0.16, 0.2, 0.25])
    offsets = np.stack([np.cos(angles)[:, None] * radii, np.sin(angles)[:, None] * radii], axis=-1).reshape(-1, 2)
    candidates = ideal + offsets
    fine = np.linalg.norm(candidates - old, axis=-1) >= 0.09  # the feet do not overlap
    for pelvis in (start, 0.5 * (start + end), end):
        new = np.linalg.norm(candidates - pelvis, axis=-1)
        kept = np.linalg.norm(old - pelvis)
        far, near = np.maximum(new, kept), np.maximum(np.minimum(new, kept), 1e-6)
        fine &= (far <= _NEAR) | (far <= _FAR * near)
    lateral, weight = (candidates - old) @ side, float((end - old) @ side)  # the new foot and the pelvis's end
    balanced = (weight >= np.minimum(lateral, 0.0) - 0.03) & (weight <= np.maximum(lateral, 0.0) + 0.03)
    uncrossed = fine & (lateral >= -_CROSSED_BOTH) & balanced  # and the weight still between the feet
    fine = uncrossed if uncrossed.any() else fine
    if not fine.any():
        return ideal
    # the nearest ring first, then the first angle from the front: by index, not by the offsets' lengths, which
    # are equal around a ring up to rounding (the tie broken by rounding chose another candidate for the same
    # steps turned 45°: a dance carried rigidly elsewhere is not carried rigidly)
    chosen = np.flatnonzero(fine)
    ring, angle = chosen % len(radii), chosen // len(radii)
    return candidates[chosen[np.lexsort((angle, ring))[0]]]


def _walk(step: Direction | None) -> _Gait:
    """The gait of a walking stride that way (``_WALK_ASIDE``)."""
    return _WALK if step is Direction.FORWARD else _WALK_ASIDE


def _caught(runs: list[Run], hidden: bool) -> Run | None:
    """What came before a dance whose first support is a step (the tokenizer writes one for a capture caught in
    motion, ``laban.tokenizer.IN_MOTION``), as far as its stride needs it: a flight before a step that takes off
    again, or before one whose next stride's flight was ``hidden`` (a run's: ``_hidden_flight``), else the other
    foot's step the same way (a walk's); None for a dance that starts standing."""
    first = runs[0]
    if first.step in (None, Direction.PLACE) or not first.feet:
        return None
    airborne = len(runs) > 1 and not runs[1].feet or hidden
    feet = () if airborne else tuple(f for f in (0, 1) if f not in first.feet) or first.feet
    return Run(first.b0, first.b0, first.t0, first.t0, feet, None if airborne else first.step)


def _hidden_flight(runs: list[Run], clock: Clock) -> bool:
    """Whether a dance caught in motion was caught running with the flight after its first step hidden: the step and
    the other foot's stride after it, each of two large signs, then a flight, all in the first bar (09_06: the first
    frame the left foot leaving the floor, the next three in the air with the right toe 2-3 cm up, read as the right
    foot down). In the first bar, so that bars regenerated after it change nothing in it."""
    if len(runs) < 3 or runs[2].feet or len(runs[0].feet) != 1 or len(runs[1].feet) != 1 \
            or runs[1].feet == runs[0].feet or runs[1].step in (None, Direction.PLACE) \
            or (runs[0].space or 0) < 2 or (runs[1].space or 0) < 2:
        return False
    return clock.grid.bar_and_beat(runs[2].b0)[0] == clock.grid.bar_and_beat(runs[0].b0)[0]


def horizontal(direction: Direction, forward: np.ndarray, right: np.ndarray) -> np.ndarray:
    a = np.radians(direction.azimuth)
    return np.cos(a) * forward + np.sin(a) * right


# A knot's ``seen`` that says the knot is only passed through (a stride on its way into the air, where it is when
# the flight is first seen): the velocity of the knot before it is read past it, from the knot after, so that the
# motion before a stride does not depend on a flight after it (tests/test_locality.py's last step jumped from: 10
# mm from 1.9 beats before the join, the step placed by its written length already).
_PASSING = ("passing",)


def _centre_knots(knots: list[tuple], reach: Callable[[float], float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hermite knots of the centre of weight from ``(time, value, flowing, seen)``: at rest (zero velocity) at a
    knot unless the travel flows through it (``flowing``), where the velocity is that of the neighbouring knots
    (Catmull-Rom). A knot's ``seen`` (time, value, flowing), where given, stands in for it in the velocity of the
    knot before: where a run ends may depend on what follows it or on its being the last (``Steps._plan``), and the
    velocity of the knot at its start shapes the motion before it, which may not (``_PASSING``: read past it). Of
    knots at one time the later value wins, the travel flows if either flows, and a stand-in given is kept.

    A knot's velocity (and, where a stand-in is given, its time and place) depends on what follows it, and the
    whole body feels it only ``reach(time)`` s before (``Clock.preparation``). So a stretch longer than that runs
    as seen until then: towards the stand-in, or the knot, at the stretch's own mean velocity if the travel flows
    on and at rest if not, and a knot passed through there joins that to the knot as it is. Without it, the
    velocity of a dance's last step, at rest as the dance ends and flowing on once continued, moved its whole
    stride, 1.25 beats long: 11 mm at the hips a beat before the join (bench/cocreate_figures.py's continue)."""
    merged: list[list] = []
    for time, value, flowing, seen in sorted(knots, key=lambda k: k[0]):
        if merged and time - merged[-1][0] < 1e-6:
            kept = merged[-1][3] if merged[-1][3] not in (None, _PASSING) or seen is None else seen
            merged[-1][1:] = value, merged[-1][2] or flowing, kept
        else:
            merged.append([time, value, flowing, seen])
    times = np.array([k[0] for k in merged], dtype=float)
    values = np.array([k[1] for k in merged], dtype=float)
    slopes = np.zeros_like(values)
    if len(merged) > 1 and merged[0][2]:  # a start on the way: at the speed of the first stretch
        slopes[0] = (values[1] - values[0]) / max(times[1] - times[0], 1e-6)
    for k in range(1, len(merged) - 1):
        if merged[k][2]:
            j = k + 1
            while merged[j][3] is _PASSING and j + 1 < len(merged):
                j += 1
            after, ahead = (times[j], values[j]) if merged[j][3] in (None, _PASSING) else merged[j][3][:2]
            slopes[k] = (ahead - values[k - 1]) / max(after - times[k - 1], 1e-6)
    passed = []  # (time, value, velocity) of the knots passed through where a stretch's end is first felt
    for k in range(1, len(merged)):
        flowing, seen = merged[k][2], merged[k][3]
        if seen is _PASSING or (seen is None and not flowing):
            continue
        end, there, flowing = (times[k], values[k], flowing) if seen is None else \
            (float(seen[0]), np.asarray(seen[1], dtype=float), seen[2])
        at = end - reach(end)
        if at <= times[k - 1] + 1e-6 or at >= times[k] - 1e-6:
            continue
        velocity = (there - values[k - 1]) / (end - times[k - 1]) if flowing else np.zeros_like(there)
        seen_curve = CubicHermiteSpline([times[k - 1], end], [values[k - 1], there], [slopes[k - 1], velocity])
        passed.append((at, seen_curve(at), seen_curve(at, 1)))
    if passed:
        order = np.argsort(np.concatenate([times, [p[0] for p in passed]]), kind="stable")
        times = np.concatenate([times, [p[0] for p in passed]])[order]
        values = np.concatenate([values, [p[1] for p in passed]])[order]
        slopes = np.concatenate([slopes, [p[2] for p in passed]])[order]
    return times, values, slopes
