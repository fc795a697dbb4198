"""Free feet: a step's swing, a leg held up or gesturing, and how a foot leaves and meets the floor.

Each time a foot is off the floor is a ``Spell``: between two plants a short one is a step's swing (straight over,
lifted clear, put down late and quickly); a longer one, or one with leg gestures written in its leg column, holds
the leg along its gesture track and brings the foot down to where the next step plants it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..figure import Rig
from ..ik import soft_reach, unit
from ..score import Column, Direction, Score, Sign
from .clock import Clock, Streams, clamp, progress, ramp, smoothstep
from .gestures import eased, move_to, sample_direction, track
from .steps import Steps
from .supports import in_body, to_world

_CLEARANCE = (0.08, 0.11)  # m a swinging foot rises (the tokenizer: a foot 5 cm up is off the floor)
_OFF_THE_FLOOR = 0.06  # m a foot pushing off is picked up at least, at once (the tokenizer: 5 cm is off the floor)
_JOIN = 0.2  # s a foot leaving into a landing already under way takes to join it (``Spell._path``)
_UNFINISHED_SWING = 0.45  # s a stride's swing that the dance ends in is folded for (a run's swing takes 0.4-0.5 s)
_CATCH_UP = 0.02  # s a foot pushing off takes to reach the body's speed once it leaves the floor
_REACHED = (0.93, 0.985)  # of the leg: a free foot's reach from the hip is limited from the first to the second
_TOUCH = (0.04, 0.01)  # s before the frame a free foot lands in that it reaches for that spot whatever the leg's reach,
# from the first to the second (at 30 fps a tenth of the way in the frame before: without it, feet kept 3-5 mm higher
# there read some landings late, centre column round trip 0.817 → 0.803)
_FREE_LIFT = (0.10, 0.14)  # m a free foot is held up when the leg hangs (place low) for a while
_OVER_WHILE_LIFTED = 0.8  # of a swing's rise and fall that its foot already moves over in: moving over only
# between them, a step of half a beat at 110 bpm crossed 0.7 m in 0.15 s (the toes at 8.8 m/s, 212 m/s², at the
# join of ``continue`` in bench/cocreate_figures.py; now 5.1 m/s, 117 m/s²); over all of them, no better, and the
# feet slide more where they are still near the floor (skating 0.14 → 0.22 % at 0.8)


@dataclass
class Spell:
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
    window: float = np.inf  # s before landing that where the foot lands may steer it (a beat: an edit of a step
    # is anticipated by a beat at most)
    bend: np.ndarray | None = None  # (n,) degrees the knee of a held or gesturing leg bends (contraction signs)
    flying: float | None = None  # s: when the last leg gesture that arrives while the body is in the air (the
    # split of a jeté, tucked legs) arrives; the foot comes down from it to land over the rest of the flight, as
    # the body comes down, instead of dropping in the last moment. (Leaving the floor into it faster than the
    # 0.25 s every free foot takes made the legs' kinetics unlike a dancer's: validation FID_k 41 → 44.)
    airborne: np.ndarray | bool = False  # (n,) frames with no foot on the floor
    flies: bool = False  # the body is in the air at some time of the spell
    reached: tuple[float, float] | None = None  # s over which a foot that leaves while the other stands comes to
    # be held within reach (``_within_reach``): as the flight after it is prepared (``path``); None: all along
    kick: float = 0.0  # degrees the knee folds at most as the foot leaves the floor from a stride (``Steps.kick``)
    waits: tuple[float, float] | None = None  # a long swing's move over to its landing (s) through a jump, where
    # its foot waits above where it left until then (a stride's trails with the body, ``_strode``)
    approach: float | None = None  # s before it lands that a foot hanging after a step comes over to where it
    # lands (``long_swing``), not the 0.35 s of a held leg

    def long_swing(self) -> bool:
        """Whether a step's swing is long: still waiting to move over ``window`` before it lands. Its foot hangs
        under the hip instead, as it does where the dance ends, and comes over to its landing in the time the
        body prepares what comes (``approach``, ``Clock.preparation``), so that what it does before then does not
        depend on whether and when it lands. (Waiting above where it left, a dance continued past its last step
        moved before the join: 55 mm at the foot from 1.3 beats before it, bench/cocreate_figures.py's continue.)"""
        if self.flies:  # a swing through a jump stays one: hanging from a hip that flies up, the back leg of a
            # step into a jump bent its knee again by 7° as it left (tests/test_landing.py). A running stride's
            # leg trails with the body whether or not it lands (``hold``).
            return False
        return self.tb - self.ta - self._rise_fall()[0] > self.window

    def _rise_fall(self) -> tuple[float, float]:
        """(s, s) a swing takes to rise before moving over and to come down after: in a quick step, while moving
        over (a foot off the floor 0.14 s that waited to be up before it moved crossed 15 cm in two frames: 4
        m/s, 100-160 m/s² at the toes, the jolts of regenerate's and continue's joins); it may take all of its
        time off the floor from 0.4 s down."""
        duration = self.tb - self.ta
        quick = clamp((duration - 0.1) / 0.15)
        return min(0.06, 0.2 * duration) * quick, min(0.1, 0.25 * duration) * (0.5 + 0.5 * quick)

    def swing(self) -> None:
        """A step's swing: straight over, lifted, then put down late and quickly."""
        t, ta, tb = self.t, self.ta, self.tb
        rise, fall = self._rise_fall()
        # the foot moves over already while it rises and while it comes down, all but the first and the last fifth,
        # and from no earlier than where its landing may steer it (``window``)
        leaves = max(ta + (1 - _OVER_WHILE_LIFTED) * rise, tb - self.window)
        travel = max(tb - (1 - _OVER_WHILE_LIFTED) * fall - leaves, 1e-3)
        if tb - ta - rise > self.window:  # a long one through a jump: up over where it left, then over in the last beat
            travel = max(self.window - fall, 1e-3)
            leaves = tb - self.window
            self.waits = (leaves, leaves + travel)
        s = progress(t - leaves, travel, 0.3 * travel, 0.3 * travel)
        self.swinging = self.lifted + (self.landed - self.lifted) * s[:, None]
        self.swinging[:, 1] += self.clearance * _lifted(t, ta, tb, self.jumping)
        if self.kick:  # a stride's swing folds the knee: the heel comes up behind as it goes through
            self.swinging[:, 1] += self._heel_up()
        self.weight = np.minimum(ramp(t, ta + rise, ta + rise + 0.1), 1.0 - ramp(t, tb - fall - 0.1, tb - fall)) * 0.4

    def _fold(self) -> np.ndarray:
        """(n,) degrees a stride's swinging knee folds (``kick``), most a third of the way through the spell."""
        lands = min(self.tb, self.ta + _UNFINISHED_SWING)  # (a swing the dance ends in, as if it landed then)
        return self.kick * np.sin(np.pi * clamp((self.t - self.ta) / max(lands - self.ta, 1e-3)) ** 0.7)

    def _heel_up(self) -> np.ndarray:
        """(n,) metres a stride's folding knee (``_fold``) lifts the foot by: the heel comes up behind."""
        return self.full * (1.0 - np.cos(np.radians(self._fold()) / 2))

    def _carried(self, hips: np.ndarray) -> np.ndarray:
        """(n, 2) floor offsets (x, z) of a stride's trailing foot from where it left: as far as the hip has gone,
        taken up over the first 0.15 s."""
        return (hips[:, [0, 2]] - hips[0, [0, 2]]) * ramp(self.t, self.ta, self.ta + 0.15)[:, None]

    def hold(self, directions: np.ndarray) -> None:
        """A leg held or gesturing along ``directions``; the foot leaves and lands as in a swing."""
        self.directions = directions  # the foot turns from flat once it is off the floor, and back before landing
        # (a leg off the floor from the dance's first frame never left it: free from there, its foot not turning
        # from flat over the first frames while the leg held still, 50-70 degrees in a frame: 05_02, 11 of the 47
        # shared dance clips)
        self.weight = ramp(self.t, self.ta + 0.05, self.ta + 0.17) if self.lifted is not None else np.ones(len(self.t))
        if self.kick and self.jumping:  # a running stride's leg is as free as its swing's while it trails
            # (``swing``), then as a held one
            rise = self._rise_fall()[0]
            self.weight = ramp(self.t, self.ta + rise, self.ta + rise + 0.1) * \
                (0.4 + 0.6 * ramp(self.t, self.ta + _UNFINISHED_SWING, self.ta + _UNFINISHED_SWING + 0.3))
        if self.landed is not None:
            self.weight = np.minimum(self.weight, 1.0 - ramp(self.t, self.tb - 0.17, self.tb - 0.05))

    def path(self, hips: np.ndarray, left: tuple | None = None) -> np.ndarray:
        """Ankle targets (n, 3) given the hip's positions (and ``left``: where the hip was as the foot left the
        floor, and the hip's and the ankle's velocities then), never further from the hip than the leg reaches
        (``_within_reach``)."""
        path = self._path(hips, left)
        if not self.flies:  # a foot stepping while the other stands reaches where the step takes it
            return path
        within = _within_reach(path, hips, self.full, self.t, self.ta, self.tb)
        # a foot that leaves while the other stands is in a flight only once that is prepared: until then it goes
        # as in a dance that stays on the floor (a dance ending on a step, continued by a leap from the other
        # foot, moved that foot 10 mm in its first frame off the floor, 1.7 beats before the join)
        return within if self.reached is None else path + (within - path) * ramp(self.t, *self.reached)[:, None]

    def _ride(self, hips: np.ndarray, left: tuple | None) -> np.ndarray | None:
        """A foot pushing off to jump leaves the floor with the leg as it pushed: it rides with the hip, rising
        as fast as the body, and only then goes where the leg goes. (Lifted briskly from the floor by itself, 10 cm
        in 0.05 s while the body flew up, the leg went from the push's bent knee to straight in a frame: 100-200
        m/s² at the knee and the toes, where dancers' take-offs stay under 80.)"""
        if not self.jumping or self.lifted is None or left is None:
            return None
        hip_left, hip_speed, ankle_speed = left
        # the foot takes ``_CATCH_UP`` s to reach the body's speed from its own as it left (heel first, on its
        # ball): the lag behind a foot riding rigidly from the start is the integral of the speed it lacks
        x = clamp((self.t - self.ta) / _CATCH_UP)
        lag = _CATCH_UP * (x - x ** 3 + 0.5 * x ** 4)
        ride = self.lifted + (hips - hip_left) - np.outer(lag, hip_speed - ankle_speed)
        # at least as high as a foot picked up briskly, where the body rises slower than that (a running stride's
        # low flight: the 5 cm that make a foot off the floor, at once)
        brisk = self.lifted[1] + _OFF_THE_FLOOR * _lifted(self.t, self.ta, np.inf, True)
        ride[:, 1] = np.logaddexp(ride[:, 1] / 0.01, brisk / 0.01) * 0.01
        return ride

    def _strode(self, hips: np.ndarray) -> np.ndarray:
        """A stride's long swing goes on with the body, not waiting above where it left for its landing to be
        known: carried on the floor as far as the hip goes, then on from there at that speed onto the landing
        spot (``_carried_on``) as the move over begins."""
        if self.waits is None or not self.kick or len(hips) < 3:
            return self.swinging
        t0, t1 = self.waits
        carried = self.swinging.copy()
        carried[:, [0, 2]] = self.lifted[[0, 2]] + self._carried(hips)
        on = _carried_on(self.t, carried, self.landed[[0, 2]], t0, t1)
        if on is None:
            return self.swinging
        carried[:, [0, 2]] = on
        return carried

    def _path(self, hips: np.ndarray, left: tuple | None) -> np.ndarray:
        ride = self._ride(hips, left)
        if self.swinging is not None:
            swinging = self._strode(hips)
            if ride is None:
                return swinging
            return ride + (swinging - ride) * ramp(self.t, self.ta + 0.03, self.ta + 0.25)[:, None]
        t, ta, tb, d = self.t, self.ta, self.tb, self.directions
        extension = np.full(len(t), self.full * 0.985)
        down = np.maximum(-d[:, 1], 1e-3)
        hanging = down > np.cos(np.radians(30))  # a hanging free foot is held up off the floor
        if self.bend is not None:  # a raised leg's bent knee brings the ankle in (thigh and shin taken as equal);
            # a hanging one is already held up off the floor by ``held_up``, unless the body is in the air (legs
            # tucked under it in a jump)
            folded = self.full * np.cos(np.radians(self.bend) / 2)
            extension = np.where(hanging & ~self.airborne, extension, np.minimum(extension, folded))
        if self.kick:  # a walker's or runner's free leg folds, the heel up behind
            extension = np.minimum(extension, self.full * np.cos(np.radians(self._fold()) / 2))
        held_up = (hips[:, 1] - (self.floor + self.lift)) / np.maximum(down, 0.5)
        extension = np.where(hanging, np.minimum(extension, held_up), extension)
        # no foot gestures through the floor: a raised leg's foot points, its toes a foot's length below the ankle
        pointed = smoothstep((np.degrees(np.arccos(np.clip(down, -1.0, 1.0))) - 15.0) / 25.0)
        clear = np.maximum(hips[:, 1] - (self.floor + 0.07 + 0.15 * pointed), 0.05) / down
        extension = np.where(d[:, 1] < 0, np.minimum(extension, clear), extension)
        path = hips + d * extension[:, None]
        if self.lifted is not None:  # leave the floor: up at once, then where the leg goes
            up = self.lifted + np.outer(_lifted(t, ta, np.inf, self.jumping), [0.0, self.clearance, 0.0])
            goes = ramp(t, ta + 0.03, ta + 0.25)
            if ride is not None and self.kick:  # a running stride's leg goes on with the body into the air,
                # trailing with its knee folded, as long as its swing takes, and only then hangs: as its swing
                # does until it moves over (``_strode``)
                up[:, [0, 2]] += self._carried(hips)
                up[:, 1] += self._heel_up()
                up = ride + (up - ride) * goes[:, None]
                goes = ramp(t, ta + _UNFINISHED_SWING, ta + _UNFINISHED_SWING + 0.3)
            elif ride is not None:
                up = ride
            path = up + (path - up) * goes[:, None]
        if self.landed is not None:  # come down to the landing spot (straight down from a leg that reached there)
            lead = self.approach or (0.15 if self.reaching else 0.35)
            if self.flying is not None:
                lead = max(lead, tb - self.flying)
            lead = min(lead, self.window)
            above = self.landed + np.outer(_lifted(t, -np.inf, tb), [0.0, self.clearance, 0.0])
            landing = ramp(t, tb - lead, tb - 0.03)
            # (a leg gesture that arrives in the air, a jeté's split, is held with the body until it comes down)
            carried = _carried_on(t, path, self.landed[[0, 2]], tb - lead, tb - 0.03) \
                if self.kick or self.flying is None else None
            path = path + (above - path) * landing[:, None]
            if carried is not None:
                path[:, [0, 2]] = carried
            if self.lifted is not None and not self.jumping and len(t) and landing[0] > 0:
                # a spell shorter than its landing's approach set off from a point already on its way to the
                # landing (a foot leaving a quick step with a leg gesture jumped 0.2 m in a frame): it leaves from
                # where it stood and joins the approach
                path = self.lifted + (path - self.lifted) * ramp(t, ta, ta + min(_JOIN, 0.5 * (tb - ta)))[:, None]
        return path


def free_feet(spells: list[Spell], hips: np.ndarray, ankles: np.ndarray, planted: np.ndarray,
              fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Ankle targets (2, T, 3) of the feet off the floor given the hips (2, T, 3) and the planted ankles (2, T, 3;
    ``planted`` (2, T) where they are), and how free each foot is (2, T; 0 planted, 1 in the air, in between
    while leaving and landing)."""
    targets = ankles.copy()
    weight = np.zeros(ankles.shape[:2])
    for spell in spells:
        f, begin = spell.foot, spell.frames.start
        left = None
        if begin > 1:  # where the hip was as the foot left, and how fast the hip and the ankle moved then (a
            # foot that touched the floor for one frame: from rest)
            ankle_speed = (ankles[f, begin - 1] - ankles[f, begin - 2]) * fps if planted[f, begin - 2] else np.zeros(3)
            left = hips[f, begin - 1], (hips[f, begin - 1] - hips[f, begin - 2]) * fps, ankle_speed
        targets[f, spell.frames] = spell.path(hips[f, spell.frames], left)
        weight[spell.foot, spell.frames] = spell.weight
    return targets, weight


def free_spells(score: Score, clock: Clock, steps: Steps, rig: Rig, ankles: np.ndarray,
                streams: Streams) -> list[Spell]:
    """Every time a foot is off the floor: a step's swing, or a leg that hangs or gestures (its leg column's
    symbols; a support cancels a gesture, so each spell starts from hanging). A spell's own choices come from the
    stream of its leg column at the time it starts; a gesture's from its symbol's stream."""
    t, n, heading = clock.t, clock.frames, steps.heading
    spells = []
    for f, side in enumerate(("left", "right")):
        leg = rig.legs[side]
        column = Column.LEG_LEFT if f == 0 else Column.LEG_RIGHT
        symbols = [s for s in score.column(column) if s.sign is Sign.DIRECTION]
        starts = clock.seconds(np.array([s.start for s in symbols])) if symbols else np.zeros(0)
        ends = clock.seconds(np.array([s.end for s in symbols])) if symbols else np.zeros(0)
        first = next((s for s in score.starting_position if s.column is column and s.sign is Sign.DIRECTION), None)
        free = ~steps.planted[f]
        edges = np.flatnonzero(np.diff(np.concatenate([[0], free.astype(np.int8), [0]])))
        for begin, end in zip(edges[::2], edges[1::2]):
            frames = slice(begin, end)
            ta = t[begin - 1] if begin > 0 else t[0] - 1.0 / clock.fps
            tb = t[end] if end < n else np.inf
            rng = streams(column, begin / clock.fps, "spell")  # keyed by the time (s) the foot leaves the floor
            spell = Spell(f, frames, t[frames], ta, tb, ankles[f, begin - 1] if begin > 0 else None,
                          ankles[f, end] if end < n else None, rng.uniform(*_CLEARANCE), rng.uniform(*_FREE_LIFT),
                          leg.thigh_length + leg.shin_length, leg.ankle_height,
                          jumping=begin > 0 and not steps.planted[1 - f, begin],
                          window=clock.anticipation(tb) if end < n else np.inf)
            spell.flies = bool(spell.jumping or (~steps.planted[1 - f, frames]).any())
            if spell.flies and not spell.jumping:  # held within reach from when the other foot's push prepares
                off = float(t[frames][~steps.planted[1 - f, frames]][0])
                spell.reached = (off - clock.preparation(off), off - 0.5 * clock.preparation(off))
            spell.kick = steps.kick(f, ta) if begin > 0 else 0.0
            inside = (starts >= ta - 0.13) & (starts < tb)
            moves = [move_to(starts[k], ends[k], symbols[k].direction, symbols[k].level,
                             streams(column, symbols[k].start), column, streams.model)
                     for k in np.flatnonzero(inside)]
            start_symbol = first if spell.lifted is None else None
            gesturing = bool(moves) or (start_symbol is not None and start_symbol.direction is not Direction.PLACE)
            stepping = not gesturing and spell.lifted is not None and spell.landed is not None and tb - ta <= 0.8
            if stepping and not spell.long_swing():
                spell.swing()
            else:
                hanging = np.array([0.0, 0.0, -1.0])
                if spell.lifted is not None:  # from the leg as it leaves the floor, roughly
                    hip = np.array([steps.centre[begin, 0], rig.standing_height(), steps.centre[begin, 1]])
                    start_dir = in_body(unit(spell.lifted - hip)[None], heading[begin:begin + 1])[0]
                    if not moves or moves[0][0] > ta + 0.25:  # hang until the leg gestures
                        moves.insert(0, eased(ta, ta + 0.3, hanging, rng))
                elif start_symbol is not None:
                    start_dir = sample_direction(start_symbol.direction, start_symbol.level,
                                                 streams(column, -1.0, "start"), side=side)
                else:
                    start_dir = hanging
                if stepping:
                    spell.approach = clock.preparation(tb)
                spell.reaching = end < n and any(f in run.reaching for run in steps.runs
                                                 if abs(run.t0 - tb) < 1.5 / clock.fps)
                spell.airborne = ~steps.planted[1 - f, frames]  # no foot on the floor
                airborne = spell.t[spell.airborne]
                arrivals = [ends[k] for k in np.flatnonzero(inside)
                            if len(airborne) and airborne[0] - 0.13 <= ends[k] <= airborne[-1]]
                spell.flying = max(arrivals) if arrivals else None
                directions = track(spell.t, start_dir, moves, clock)
                spell.hold(to_world(directions, heading[frames]))
                bending = [k for k in np.flatnonzero(inside) if symbols[k].contraction]
                if bending or (start_symbol is not None and start_symbol.contraction):
                    spell.bend = knee_bends(spell.t, [symbols[k] for k in np.flatnonzero(inside)],
                                            starts[inside], ends[inside], start_symbol.bend if start_symbol else 0.0)
            spells.append(spell)
    return spells


def knee_bends(t: np.ndarray, symbols: list, starts: np.ndarray, ends: np.ndarray, first: float) -> np.ndarray:
    """(n,) degrees of knee flexion at times ``t`` of a leg gesturing through ``symbols`` (starting and arriving at
    ``starts``, ``ends`` seconds): each symbol's contraction (none: straight) reached over its duration, eased,
    from ``first``. The leg's direction (hip to ankle) is the symbol's whatever the knee does."""
    bend = np.full(len(t), float(first))
    for s, t0, t1 in zip(symbols, starts, ends):
        w = smoothstep(clamp((t - t0) / max(t1 - t0, 1e-3)))
        bend = bend * (1.0 - w) + s.bend * w
    return bend


def _within_reach(path: np.ndarray, hips: np.ndarray, full: float, t: np.ndarray, ta: float,
                  tb: float) -> np.ndarray:
    """Ankle targets pulled in towards the hip where they lie beyond ``_REACHED[0]`` of the leg, softly
    (``laban.ik.soft_reach``), all through the spell: never further in than the leg reached as the foot left the
    floor, over the first 0.15 s (it leaves from where it stood), and as far as the soft reach alone into the
    landing (the foot meets the floor with the knee still bent, and the body comes down onto it).

    A target out of reach had the leg straight and its knee jump from bent to straight as the target passed the
    leg's length: the swinging foot of a jump, held near the floor as the body flies up, and the landing leg as
    the body comes down onto it. Before, the soft reach faded in over the first 0.15 s and out over the last: the
    back leg of a quick step into a jump stretched straight as the body flew up and then bent again (the knee 35°
    → 12° → 20° in three frames), and the landing leg came down straight and bent 40° in the frame it landed
    (100-190 m/s² at the knee)."""
    reach = path - hips
    distance = np.linalg.norm(reach, axis=-1)
    soft = soft_reach(distance, full, *_REACHED)
    if np.isfinite(tb):  # just before the frame it lands in, the foot reaches for the spot
        soft = soft + (distance - soft) * ramp(t, tb - _TOUCH[0], tb - _TOUCH[1])
    if np.isfinite(ta) and len(t):
        left = distance[0] * (1.0 - ramp(t, ta, ta + 0.15))  # as far as it reached leaving the floor, let go
        width = 0.005 * full
        soft = np.minimum(distance, np.logaddexp(soft / width, left / width) * width)
    return hips + reach * (soft / np.maximum(distance, 1e-9))[:, None]


def _carried_on(t: np.ndarray, path: np.ndarray, spot: np.ndarray, t0: float, t1: float) -> np.ndarray | None:
    """(n, 2) floor positions (x, z) of a free foot coming in to land: ``path``'s until ``t0``, then from where
    ``path`` has it then, going on at the speed it has there, onto ``spot`` (x, z) at ``t1``, at rest there: one
    cubic over the time between. None where the spell does not span ``t0``.

    A runner's foot swings on through the air faster and faster and slows only as it comes down. Blended from
    the leg's path (carried with the hip) onto the fixed spot over the approach, it first stood still above the
    spot: the blend's weight covered most of the way in its middle third, the foot passed the landing spot 0.4 m
    ahead of the hip at 9-10 m/s and waited for the hip there (the captured runner's 7 m/s, reaching 0.26 m ahead
    only as it lands), and its acceleration doubled the captures' (validation runs' toes and knees 3-6 standard
    deviations over the training captures)."""
    at = int(np.searchsorted(t, t0))
    if at < 2 or at >= len(t) or t1 <= t0:
        return None
    dt = t[at] - t[at - 1]
    start = path[at - 1, [0, 2]] + (path[at - 1, [0, 2]] - path[at - 2, [0, 2]]) * (t0 - t[at - 1]) / dt
    velocity = (path[at - 1, [0, 2]] - path[at - 2, [0, 2]]) / dt
    span = t1 - t0
    u = clamp((t - t0) / span)[:, None]  # cubic Hermite: start with its velocity, the spot at rest
    curve = ((2 * u ** 3 - 3 * u ** 2 + 1) * start + (u ** 3 - 2 * u ** 2 + u) * span * velocity
             + (3 * u ** 2 - 2 * u ** 3) * spot)
    return np.where((t >= t0)[:, None], curve, path[:, [0, 2]])


def _lifted(t: np.ndarray, ta: float, tb: float, brisk: bool = False) -> np.ndarray:
    """How far up (0 to 1) a foot is that leaves the floor at ``ta`` and comes down at ``tb``: picked up (briskly
    to jump) and put down late and quickly, so that it is either on the floor or clearly off it."""
    up = smoothstep((t - ta) / (0.05 if brisk else 0.1))
    if np.isfinite(tb):  # falling the last 0.15 s, faster and faster: a foot strike
        u = clamp((t - (tb - 0.15)) / 0.15)
        up = up * (1.0 - u ** 1.5)
    return up

