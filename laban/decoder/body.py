"""The body: pelvis, legs, spine, arms and head per frame, solved into joint rotations of the rig.

The pelvis height follows the levels of the supporting legs and, in a jump, a push-off, a ballistic flight of the
centre of mass and a landing absorbed by the knees; two-bone IK places knees over the toes; rotations point each
bone of the skeleton where it must go. The centre of mass is then put over the feet (balance) and on its parabola
(flight), and the legs solved again. Balance is a smoothing of a few tenths of a second: an arm held forward moves
the pelvis back only while it is held there. A hanging arm swings against the legs as the body travels, as far as
the tokenizer still reads it as written.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d, maximum_filter1d, minimum_filter1d

from ..analysis import latch, runs as stretches
from ..cells import cells_with_core
from ..figure import Rig, arm_front, centre_of_mass, leg_front
from ..ik import (apply, axis_angle, bend_side, compose, dot, frame, matrix_to_quaternion, slerp, soft_reach, swing,
                  two_bone, unit)
from ..motion import Motion, forward_kinematics
from ..score import Column, Score
from ..skeleton import Skeleton
from .clock import Clock, Streams, fill_gaps, hermite, ramp, smoothstep
from .legs import Spell, free_feet, free_spells
from .steps import PUSH_OFF, Steps
from .supports import axes, facing_rotations, in_body, to_world

GRAVITY = 9.81
# m the pelvis rises above where it stands at take-off (and lands a centimetre lower), by the jump's space
# measurement signs: a normal jump 5 cm; a small one barely leaves the legs' bend, a large one leaves from legs
# stretched right up onto the toes (the flight's time, as written, sets how high it flies from there)
_TAKE_OFF = {None: 0.05, -3: 0.02, -2: 0.02, -1: 0.02, 1: 0.09, 2: 0.13, 3: 0.15}
_CROUCH = 0.04  # m the pelvis sinks at least into a jump's push-off ...
_CROUCHING = 0.12  # s ... in at least this long before it (less deep where the beat before is full)
# m/s² the centre of mass accelerates up in a push-off, and so how deep a jump crouches and how long it pushes: a
# ground reaction of two body weights, the mean over the push of a standing vertical jump (its peak is 3-4; at 2 g,
# validation FID_k 24.5, at 1 g 23.6). The shared standing jumps (13_11, 16_01) sink 17-21 cm before they fly; the
# decoded ones still sink 3-7 cm (``_CROUCH`` and the take-off's stretch: the written flight time asks for no more)
_PUSH = 1.0 * GRAVITY
# A landing's knees take the body down as far as its speed asks: the training captures' pelvis goes down from
# touch-down to its lowest at 0.8 g (the median of 79 landings; quartiles 0.47-1.17 g): 8 cm landing at 0.5-1 m/s,
# 14 at 1-1.5, 16 at 1.5-2, 24 faster. Below where the landing stands, at least the 6 cm every landing absorbed
# before (whatever its speed), at most 20 cm (deeper is read as a plié where a landing is written at the middle level:
# validation support level 0.954 -> 0.939 at 25 cm)
_LANDING_DECEL = 0.8 * GRAVITY
_ABSORB = (0.06, 0.20)
# ... and never to below 0.65 of the height the pelvis stands at (the training captures' 5th percentile of the lowest
# a landing takes it, against the take's median height; 0.92 the median landing): a landing that the feet leave again
# at once, before the other foot lands (off the floor with no flight written), took 05_19's pelvis to 0.32 m
_LOWEST = 0.65
_ABSORBING = (0.1, 0.3)  # s the way down from touch-down takes, at least and at most
_RECOVER = 0.25  # s the knees take to come back up from the least absorption; from deeper, times √(depth / least)
_LANDED = 0.8  # s after touch-down that a landing may still be coming up (0.3 + 0.25 × √(0.20 / 0.06) = 0.76)
_REACH_AHEAD = 0.05  # s over which the pelvis comes down to a landing foot's reach
_BALANCE = 0.025  # m the centre of mass may stray from the planned centre of weight over the feet
_BALANCE_PASSES = 1  # times the legs are solved again after moving the pelvis under the centre of mass
_PUSH_REACH = (0.94, 0.9985)  # of the leg: a push-off's leg reaches softly from the first to the second
_STEEPEST = np.radians(65.0)  # the most the line from ball to ankle rises from the floor in relevé
_HEEL_RISE = np.radians(60.0)  # the most a push-off raises the heel above how the foot stood
_TOE_REACH = 0.8  # of the foot (ankle to ball) a leg pushing off reaches further by rising onto its ball
_LET_GO = 0.1  # s a foot that pushed off takes to let its heel's rise go in the air (longer kept the toes within 5 cm
# of the floor, read as standing, for the first frames of a flight)
_TOE_FIRST = np.radians(10.0)  # the least a landing foot's heel is raised as its ball meets the floor (2 cm; 15°
# bent running landings' knees past the tokenizer's plié hysteresis: support level of 09_06, 09_10) ...
_LANDING_RISE = np.radians(30.0)  # ... and the most: the heel 5.8 cm up, under the 6 cm the tokenizer reads firmly as
# relevé (20° or 25° left a landing of 135_10 read a quarter beat late: flight F1 0.979 instead of 0.983)
_SETTLE = 0.12  # s a landing foot takes to lower its heel
_POINTING = 0.15  # s before landing that the foot points to come down on its ball
# A hanging arm swings against its own side's foot as the body travels: forward as that foot is behind (CMU
# training walks, upper arm against how far the feet are apart along the front: median slope 30°/m, r -0.9 to
# -0.99; their arms swing 20-30° either side). Only as far as the arm's written cell still reads back.
_SWING = np.radians(30.0)  # rad per metre the feet are apart along the front
_SWING_MOST = np.radians(20.0)
_SWING_SPEED = (0.3, 0.8)  # m/s of the centre of weight over which the swing sets in
_SWING_STILL = 20.0  # deg/s: an upper arm moving slower than this, as written, may swing ...
_SWING_CLEAR = 0.15  # s ... from this long after a written move until this long before the next (the tokenizer
# times a move from where the arm starts moving: a swing running into it made it start early)
# deg/s the upper arm may twist about itself: a straight elbow's (easing back to the arm's natural front; any twist
# looks the same there) and a fully bent one's (following the way it bends): a humerus turns at some hundreds of
# deg/s in dance, and 1080 at 30 fps is 36 degrees a frame
_TWIST_SPEED = (180.0, 1080.0)
# How far the head may point from the chest's own up (radians), and how fast it may move there (deg/s): a head
# written looking forward or up over a chest folded down (05_06's forward bend, 61_14's dip) lay 170-177 degrees
# from it, where the neck's turn about the one axis between them flipped half round in a frame. Within a
# hemisphere the way between any two directions stays in it; the training split's decoded scores' 99th
# percentile is 81 degrees. (Neither number is fitted: the reach is the hemisphere's, less a margin.)
_NECK_REACH = np.radians(85.0)
_NECK_SPEED = 900.0


class Body:
    """Pelvis, legs, spine, arms and head per frame, solved into joint rotations of the rig."""

    def __init__(self, rig: Rig, clock: Clock, steps: Steps, gestures: dict[Column, np.ndarray], score: Score,
                 streams: Streams) -> None:
        self.rig, self.clock, self.steps, self.gestures, self.score = rig, clock, steps, gestures, score
        self.streams = streams
        self._spells: list[Spell] | None = None
        self._pushing: np.ndarray | None = None  # (2, T): how much each foot is in a push-off (``_jumps``)
        self._landing: np.ndarray | None = None  # (2, T): the heel's rise of landing feet (``_onto_ball``)
        self.heading = steps.heading
        self.facing = facing_rotations(rig, self.heading)
        self.leg_lengths = {f: (rig.legs[s].thigh_length, rig.legs[s].shin_length)
                            for f, s in enumerate(("left", "right"))}
        # secondary motion: breathing sways the chest a little (under a degree, far too slow for a gesture)
        rng = streams("body", -1.0, "breath")
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
            flat = facing_rotations(self.rig, yaw)
            back = -leg.ball  # ball → ankle in the rest pose
            length = np.linalg.norm(back)
            rest_angle = np.arcsin(np.clip(back[1] / length, -1, 1))
            # on the ball of the foot, not on pointe: the sole tilts at most _STEEPEST
            lift = np.minimum(np.arcsin(np.clip((back[1] + steps.rise[f]) / length, -1, 1)), _STEEPEST) - rest_angle
            _, right = axes(yaw)
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
            pushing = (self._pushing if self._pushing is not None else steps.toe_off)[f] > 0
            if pushing.any():  # a foot pushing off reaches further, from its ball (``_onto_toes``), though the
                # pelvis it carries rises no higher than the leg stands
                leg = self.rig.legs["left" if f == 0 else "right"]
                to_ball = np.linalg.norm((hips[f][:, [0, 2]] - steps.ball[f]), axis=-1)
                toe = _TOE_REACH * np.linalg.norm(leg.ball)
                ball_y = ankles[f, :, 1] + leg.ball[1] - hips[f, :, 1]
                on_toes = np.minimum(ball_y + np.sqrt(np.maximum((length + toe) ** 2 - to_ball ** 2, 0.01)),
                                     ankles[f, :, 1] + length - hips[f, :, 1])
                height = np.where(pushing, np.maximum(height, on_toes), height)
                highest = np.where(pushing, np.maximum(highest, ball_y + np.sqrt(np.maximum(
                    (longest + toe) ** 2 - to_ball ** 2, 0.01))), highest)
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
        # in the air the height holds the take-off's (a jump flies on its own parabola, ``_jumps``): so that
        # where it lands is not anticipated before it leaves
        wanted = _hold_gaps(np.where(supported, wanted, self.rig.standing_height() - 0.02), supported)
        wanted = gaussian_filter1d(wanted, **self.clock.kernel(0.05), mode="nearest")  # weight shifts take time
        # the pelvis comes down to where a landing foot will reach it before the foot is down, not in the frame it
        # lands (a foot put down out of reach dropped it 8 cm in a frame): the reach, its least over the time
        # around, smoothed, and never above the reach itself
        kernel = self.clock.kernel(_REACH_AHEAD)
        near = minimum_filter1d(np.minimum(reach, 10.0), size=2 * int(np.ceil(kernel["sigma"])) + 1, mode="nearest")
        ahead = gaussian_filter1d(near, **kernel, mode="nearest")
        return self._glide(np.minimum(_softmin(wanted, np.minimum(ahead, reach) - 0.003, 0.004), reach), supported)

    def _glide(self, height: np.ndarray, supported: np.ndarray) -> np.ndarray:
        """Off the floor where no flight is written (a stride out of a flight the capture hid, ``steps.
        _hidden_flight``), the pelvis goes on from where the feet left the floor to where the landing puts it, as
        fast as it comes and leaves (a cubic Hermite): held at the take-off's height, it dropped 6 cm in the frame
        the foot landed (09_06: 251 m/s², the capture's largest 26). A written flight flies its parabola
        (``_jumps``)."""
        t = self.clock.t
        flying = np.zeros(len(t), dtype=bool)
        for t_off, t_on, *_ in self._flight_times():
            flying |= (t >= t_off) & (t <= t_on)
        for a, b in stretches(~supported & ~flying):
            if a < 2 or b >= len(t) - 1:
                continue  # (before the first support or after the last: held)
            slopes = np.array([[height[a - 1] - height[a - 2]], [height[b + 1] - height[b]]]) * self.clock.fps
            height[a:b] = hermite(t[a:b], t[[a - 1, b]], height[[a - 1, b], None], slopes)[:, 0]
        return height

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
        return Motion(rig.skeleton, rotations.astype(np.float32), self._translations(root).astype(np.float32),
                      clock.fps)

    def _translations(self, root: np.ndarray) -> np.ndarray:
        """Position channels (T, K, 3) that put the pelvis at ``root`` (T, 3): its carrier's (``figure.carries``: a
        root bone on the floor above the pelvis travels with it, where the pelvis stood still and the feet stretched
        after their steps) and every other translated joint's rest offset from its parent (Blender's export)."""
        skeleton, rig = self.rig.skeleton, self.rig
        translations = np.repeat(skeleton.offsets[None, list(skeleton.translated)], len(root), axis=0)
        translations[:, skeleton.translated.index(rig.carrier)] = root - rig.carried
        return translations

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
                                       self._translations(root[frames]))
        offset = centre_of_mass(skeleton, positions) - root[frames]
        return np.stack([np.interp(np.arange(n), frames, offset[:, k]) for k in range(3)], axis=-1)

    def _balance(self, offset: np.ndarray) -> np.ndarray:
        """How far (x, z) to move the pelvis from the planned centre of weight so that the centre of mass, which
        lies ``offset`` from the pelvis (arms held forward, a leg raised behind), stays within ``_BALANCE`` of the
        plan, itself over the supporting feet. Only as much as needed, smoothly, and not in the air (the flight
        sets the centre of mass on its parabola)."""
        length = np.linalg.norm(offset, axis=-1, keepdims=True)
        excess = offset * np.maximum(0.0, 1.0 - _BALANCE / np.maximum(length, 1e-9))
        on_floor = gaussian_filter1d(self.steps.planted.any(axis=0).astype(float), **self.clock.kernel(0.05))
        return gaussian_filter1d(excess * on_floor[:, None], **self.clock.kernel(0.08), axis=0, mode="nearest")

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
        torso = to_world(self.gestures[Column.TORSO], self.heading)
        head = to_world(self.gestures[Column.HEAD], self.heading)
        self._bend(world, set_, rig.torso_chain, rig.torso_weights, rig.pelvis, rig.neck, torso, breathe=True)
        chest_top = rig.head_chain[0] if rig.head_chain else rig.neck
        self._bend(world, set_, rig.head_chain, rig.head_weights, chest_top, rig.head, head, reach=_NECK_REACH)
        arms = (("left", Column.UPPER_ARM_LEFT, Column.FOREARM_LEFT),
                ("right", Column.UPPER_ARM_RIGHT, Column.FOREARM_RIGHT))
        for swung, (side, upper_col, fore_col) in zip(self._arm_swings(), arms):
            upper, fore = _swing_arm(self.gestures[upper_col], self.gestures[fore_col], swung, self.clock)
            self._arm(world, set_, side, upper, fore)
        return world, set_

    def _arm_swings(self) -> np.ndarray:
        """(2, T) radians the left and right arm swing forward as the body travels: against the foot of their
        own side, by how far it is ahead of the other along the front (where the feet stand, and where a
        swinging foot will land from the last ``Clock.anticipation`` before it lands), as fast as the centre of
        weight moves."""
        steps, clock = self.steps, self.clock
        if clock.frames < 3 or not steps.planted.any(axis=1).all():  # (no travel to swing to)
            return np.zeros((2, clock.frames))
        balls = [_between_plants(steps.ball[f], steps.planted[f], clock) for f in (0, 1)]
        forward, _ = axes(self.heading)
        apart = np.einsum("ta,ta->t", balls[0] - balls[1], forward)
        speed = np.linalg.norm(np.gradient(steps.centre, axis=0), axis=1) * clock.fps
        travelling = smoothstep((speed - _SWING_SPEED[0]) / (_SWING_SPEED[1] - _SWING_SPEED[0]))
        angle = np.clip(-_SWING * apart, -_SWING_MOST, _SWING_MOST)
        # smoothed before it is scaled by how fast the body travels, not after: the centre of weight's path may
        # change as late as a beat before an edit, and a smoothing after carried that further back (a regenerated
        # passage moved a hand 0.22 mm more than a beat before it; tests/test_locality.py)
        angle = gaussian_filter1d(angle, **clock.kernel(0.08), mode="nearest") * travelling
        return np.stack([angle, -angle])

    def _solve(self, root_xz, root_y, foot_rotations, ankles):
        """World rotations (T, J, 3, 3) of every joint and the root position (T, 3) for a pelvis path."""
        rig, steps = self.rig, self.steps
        root = np.stack([root_xz[:, 0], root_y, root_xz[:, 1]], axis=-1)
        if not hasattr(self, "_upper"):
            self._upper = self._upper_body()
        world, set_ = self._upper[0].copy(), self._upper[1].copy()
        # legs
        hips = self._hips(root)
        fronts = apply(foot_rotations, rig.forward)  # the knees bend over the toes as they stand, heel up or not
        foot_rotations, ankles = self._onto_toes(hips, foot_rotations, ankles)
        if self._spells is None:
            self._spells = free_spells(self.score, self.clock, steps, rig, ankles, self.streams)
        free_targets, free_weight = free_feet(self._spells, hips, ankles, steps.planted, self.clock.fps)
        for f, side in enumerate(("left", "right")):
            leg = rig.legs[side]
            target = np.where(steps.planted[f][:, None], ankles[f], free_targets[f])
            planted_front = fronts[f]
            body_dir = in_body(unit(target - hips[f]), self.heading)
            free_front = to_world(leg_front(body_dir), self.heading)
            w = free_weight[f][:, None]
            pole = unit((1.0 - w) * planted_front + w * free_front + 1e-6 * apply(self.facing, rig.forward))
            pole = unit(gaussian_filter1d(pole, **self.clock.kernel(0.05), axis=0, mode="nearest"))  # knees turn smoothly
            knee, end = two_bone(hips[f], target, leg.thigh_length, leg.shin_length, pole)
            # the knee cap faces the way the knee bends (``bend_side``), not the pole, which lies along the thigh
            # where the knee bends as far as it points (the leg wrung 180 degrees in a frame: 60_01, 13 frames)
            thigh_world = compose(frame(knee - hips[f], bend_side(unit(end - hips[f]), pole)), leg.rest_frame.T)
            shin_rest = rig.rest[leg.foot] - rig.rest[leg.shin]
            shin_world = compose(swing(apply(thigh_world, shin_rest), end - knee), thigh_world)
            # a raised free foot follows the shin and points (plantar flexion: the toes go the shin's way); a
            # hanging one stays level, so that its toes clear the floor as much as its heel
            ball = apply(shin_world, leg.ball)
            shin_dir = unit(end - knee)
            raised = smoothstep((np.degrees(np.arccos(np.clip(-unit(end - hips[f])[:, 1], -1, 1))) - 15.0) / 25.0)
            # (smoothly: a foot swinging through under the hip after a toe-off flicked its toes at 300 m/s²)
            raised = gaussian_filter1d(raised, **self.clock.kernel(0.06), mode="nearest")
            free_foot = compose(axis_angle(np.cross(unit(ball), shin_dir), np.radians(30.0)), shin_world)
            follow = smoothstep(free_weight[f]) * raised
            foot_world = _blend_rotations(foot_rotations[f], free_foot, follow)
            world[:, leg.thigh], world[:, leg.shin], world[:, leg.foot] = thigh_world, shin_world, foot_world
            set_[[leg.thigh, leg.shin, leg.foot]] = True
            if leg.toes is not None:
                flat = facing_rotations(rig, self.heading + (1.0 if f == 1 else -1.0) * steps.turnout[f])
                world[:, leg.toes] = _blend_rotations(flat, foot_world, follow)
                set_[leg.toes] = True
        _inherit(rig.skeleton, world, set_)
        self._driven = set_
        return world, root

    def _onto_toes(self, hips: np.ndarray, foot_rotations: np.ndarray, ankles: np.ndarray):
        """A foot planted under a push-off rises onto its ball as the hip goes beyond the leg's reach, the toes
        staying where they stand: the foot leaves the floor heel first and already moving up, as a dancer's
        does. (Held flat, the leg was stretched straight in a frame as the pelvis rose past its reach and the foot
        then torn off the floor: 150-230 m/s² at the knee in a push from a quick step.) Where the leg's reach
        from the flat foot passes ``_PUSH_REACH[0]`` of the leg the reach asked of it comes softly to
        ``_PUSH_REACH[1]`` (``laban.ik.soft_reach``), and the heel rises until the ankle is there.

        The mirror at a landing (``_onto_ball``): the foot comes down on its ball and the heel lowers after."""
        rig, clock = self.rig, self.clock
        pushing = self._pushing if self._pushing is not None else self.steps.toe_off
        if self._landing is None:  # once, from the first pass: the free feet's landing spots are taken from it
            self._landing = self._onto_ball(hips, foot_rotations, ankles)
        if not pushing.any() and not self._landing.any():
            return foot_rotations, ankles
        foot_rotations, ankles = foot_rotations.copy(), ankles.copy()
        for f, side in enumerate(("left", "right")):
            leg = rig.legs[side]
            full = leg.thigh_length + leg.shin_length
            frames = np.flatnonzero(self.steps.planted[f] & (pushing[f] > 0))
            rise = np.zeros(clock.frames)
            planted = self.steps.planted[f]
            if len(frames):
                distance = np.linalg.norm(ankles[f, frames] - hips[f, frames], axis=-1)
                wanted = distance + (soft_reach(distance, full, *_PUSH_REACH) - distance) * pushing[f, frames]
                rise[frames] = _heel_rise(rig, leg, hips[f, frames], ankles[f, frames], foot_rotations[f, frames],
                                          wanted)
                # the rise as a smooth curve in time, and the foot leaving the floor as it stood on its ball,
                # letting the rise go over the next ``_LET_GO`` s
                fades = []
                for last in frames[(frames + 1 < len(planted)) & ~planted[np.minimum(frames + 1, len(planted) - 1)]]:
                    after = np.arange(last + 1, min(last + 1 + int(np.ceil(_LET_GO * clock.fps)), len(planted)))
                    after = after[~planted[after]]
                    rise[after] = rise[last]
                    fades.append((after, 1.0 - ramp(clock.t[after], clock.t[last], clock.t[last] + _LET_GO)))
                rise = gaussian_filter1d(rise, **clock.kernel(0.03), mode="nearest")
                for after, fade in fades:
                    rise[after] *= fade
            rise = np.maximum(rise, self._landing[f])
            lifted = np.flatnonzero(rise > 1e-6)
            rotation = foot_rotations[f, lifted]
            axis = unit(apply(rotation, rig.right))
            turn = axis_angle(axis, -rise[lifted])
            stands = planted[lifted]
            ball = ankles[f, lifted] + apply(rotation, leg.ball)
            raised = ball + apply(turn, ankles[f, lifted] - ball)  # (a foot in the air keeps its ankle's target)
            ankles[f, lifted] = np.where(stands[:, None], raised, ankles[f, lifted])
            foot_rotations[f, lifted] = compose(turn, rotation)
        return foot_rotations, ankles

    def _onto_ball(self, hips: np.ndarray, foot_rotations: np.ndarray, ankles: np.ndarray) -> np.ndarray:
        """The heel's rise (2, T; radians about the ball) of feet landing from the air: a foot comes down on its
        ball, pointed from ``_POINTING`` s before, and lowers its heel over ``_SETTLE`` s as the knee bends: by
        ``_TOE_FIRST`` at least, and as much as brings the ankle within ``_PUSH_REACH`` of the hip (at most
        ``_LANDING_RISE``), which the body comes down from. (Flat, the foot met the floor only in the frame it was
        planted: the body lands the take-off's stretch above standing, beyond the flat foot's reach, so the foot
        hung 5 cm up in the frame before and some landings were read a quarter beat late.)"""
        steps, clock, t = self.steps, self.clock, self.clock.t
        rises = np.zeros((2, clock.frames))
        for f, side in enumerate(("left", "right")):
            leg = self.rig.legs[side]
            full = leg.thigh_length + leg.shin_length
            planted = steps.planted[f]
            for k in np.flatnonzero(planted[1:] & ~planted[:-1] & ~steps.planted[1 - f, :-1]) + 1:
                settle = np.arange(k, min(k + int(np.ceil(_SETTLE * clock.fps)) + 1, clock.frames))
                stop = np.flatnonzero(~planted[settle])  # (a foot that leaves again at once)
                settle = settle[:stop[0]] if len(stop) else settle
                distance = np.linalg.norm(ankles[f, settle] - hips[f, settle], axis=-1)
                needed = _heel_rise(self.rig, leg, hips[f, settle], ankles[f, settle], foot_rotations[f, settle],
                                    soft_reach(distance, full, *_PUSH_REACH))
                fade = 1.0 - smoothstep((t[settle] - t[k]) / _SETTLE)
                rise = np.minimum(np.maximum(needed, _TOE_FIRST), _LANDING_RISE) * fade
                rise = np.maximum.accumulate(rise[::-1])[::-1]  # the heel only lowers
                rises[f, settle] = np.maximum(rises[f, settle], rise)
                before = np.arange(max(k - int(np.ceil(_POINTING * clock.fps)), 0), k)
                before = before[~planted[before]]
                pointing = smoothstep((t[before] - (t[k] - _POINTING)) / (_POINTING - 1.0 / clock.fps))
                rises[f, before] = np.maximum(rises[f, before], rise[0] * pointing)  # (the ankle keeps its target)
        return rises

    def _bend(self, world, set_, chain, weights, base, top, target, breathe=False, reach=None):
        """Tilt a chain (spine or neck) so that ``base`` → ``top`` points along ``target`` (T, 3) in the world, or
        as near it as ``reach`` (radians from the chain's rest direction on its parent) allows."""
        rig = self.rig
        if not chain:
            return
        parent = rig.skeleton.parents[chain[0]]
        parent_world = world[:, parent]
        rest_vector = rig.rest[top] - rig.rest[base]
        current = unit(apply(parent_world, rest_vector))
        goal = unit(target)
        if reach is not None:  # on the parent (its rest pose's axes), where the way it may go stays put
            on_parent = _within(unit(rest_vector), np.einsum("tji,tj->ti", parent_world, goal), reach,
                                np.radians(_NECK_SPEED) / self.clock.fps)
            goal = apply(parent_world, on_parent)
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
        upper = to_world(upper_fru, self.heading)
        fore = to_world(fore_fru, self.heading)
        natural_fru = arm_front(upper_fru, side)
        natural = to_world(natural_fru, self.heading)
        bend = fore - dot(fore, upper)[:, None] * upper
        bent = np.linalg.norm(bend, axis=-1)
        w = smoothstep((bent - 0.08) / 0.25)  # straight arms take the natural front
        across = np.cross(upper, natural)  # natural turned a quarter about the upper arm
        beta = np.where(bent > 1e-9, np.arctan2(dot(bend, across), dot(bend, natural)), 0.0)
        still = np.zeros_like(self.heading)  # the body's own axes, as a world turned to face them (right-handed)
        carried = _front_turned(to_world(upper_fru, still), to_world(natural_fru, still))
        twist = _arm_twist(beta, w, self.clock.fps, carried)
        front = np.cos(twist)[:, None] * natural + np.sin(twist)[:, None] * across
        upper_world = compose(frame(upper, front), arm.rest_frame.T)
        world[:, arm.upper] = upper_world
        fore_rest = rig.rest[arm.hand] - rig.rest[arm.fore]
        # the elbow first bends as a hinge about the upper arm's own axis across the front, then the forearm takes
        # the small rest of the way: a forearm folded back onto the upper arm, as far as the notation may ask,
        # swung there in one piece turned 180 degrees in a frame about an axis that flipped (61_13: 5 frames)
        hinge = np.cross(upper, front)
        elbow = np.arctan2(dot(fore, front), dot(fore, upper))
        hinged = compose(axis_angle(hinge, elbow), upper_world)
        fore_world = compose(swing(apply(hinged, fore_rest), fore, fallback=hinge), hinged)
        world[:, arm.fore] = fore_world
        world[:, arm.hand] = fore_world
        set_[[arm.upper, arm.fore, arm.hand]] = True

    # --- jumps ----------------------------------------------------------------------------------------------

    def _flight_times(self):
        """(take-off, landing) seconds of every flight between two supports, whether it is long, the earliest time
        its push may depend on its landing (``Clock.preparation`` before it), its space measurement, and its
        duration as written (s)."""
        runs, clock = self.steps.runs, self.clock
        for takeoff, landing in self.steps.flights:
            if takeoff >= 0 and landing < len(runs):
                flight = runs[takeoff + 1]
                lands = clock.seconds(flight.b1)  # as written (the feet may touch down a moment later)
                yield runs[takeoff].t1, runs[landing].t0, self.steps.long_flight(flight), \
                    lands - clock.preparation(lands), flight.space, lands - clock.seconds(flight.b0)

    def _jumps(self, root_y, root_xz, ankles, com_offset=None):
        """Push-off, flight and landing of every jump: the centre of mass rises from a push, flies on a
        parabola under gravity, and the knees absorb the landing.

        The push is sized by physics rather than set: to leave the floor at the speed ``v`` a flight as written
        needs (landing as high as it left), a push at the ``_PUSH`` acceleration rises ``v² / 2 _PUSH``, which
        is where the knees crouch to (the take-off's stretch above standing, ``_TAKE_OFF``, is part of it), and
        takes ``2 rise / v``. The pelvis sinks into that crouch from where it is and as fast as it moves (a
        curve matching its height and speed), so that a quick step into a jump does not turn the pelvis round
        in a frame: before, the crouch and the push were set (4 cm, from rest), and a quarter-beat step into a
        jump reached 55 m/s² at the pelvis (140-190 at the knees) where dancers' pelvis stays under 30."""
        clock = self.clock
        t = clock.t
        y = root_y.copy()
        self._pushing = self.steps.toe_off.copy()  # read by ``_onto_toes``: a stride's stance foot, and jumps'
        landed = -np.inf  # when the last jump landed
        for t_off, t_on, long, earliest, space, written in self._flight_times():
            flight = max(t_on - t_off, 1e-3)
            off_frame = int(np.clip(np.floor(t_off * clock.fps), 0, clock.frames - 1))
            on_frame = int(np.clip(np.ceil(t_on * clock.fps), 0, clock.frames - 1))
            y_stand_off = root_y[off_frame]
            y_stand_on = root_y[on_frame]
            if long:  # a flight longer than a beat flies as if to land as high as it took off: where it lands (an
                # edit of the landing) changes only the landing, which the knees absorb
                y_stand_on = y_stand_off
            rise = _TAKE_OFF[space]
            y_off = y_stand_off + rise  # a large jump leaves from the fully stretched legs
            y_on = y_stand_on + rise - 0.01
            if com_offset is not None:  # fly the centre of mass, not the pelvis
                c_off = y_off + com_offset[off_frame, 1]
                c_on = y_on + com_offset[off_frame if long else on_frame, 1]
            else:
                c_off, c_on = y_off, y_on
            v0 = (c_on - c_off) / flight + 0.5 * GRAVITY * flight
            v1 = v0 - GRAVITY * flight
            # the push as the flight is written (not where it lands: an edit of the landing may change only its
            # last moment, below): how deep, how long, and the crouch into it, all within ``Clock.preparation``
            # before, so that with the balance's smoothing after it a jump is felt at most a beat before it (with
            # 0.9 of the beat, a jump continuing a dance moved it 4 mm from 1.2 beats before)
            planned = max(0.5 * GRAVITY * max(written, flight if long else 0.0), 0.3)
            depth = max(planned ** 2 / (2 * _PUSH) - rise, _CROUCH)
            room = min(clock.preparation(t_off), t_off - landed)  # on the floor (running: since the
            # last landing)
            landed = t_on
            push = float(np.clip(2 * (rise + depth) / planned, PUSH_OFF[0],
                                 max(min(PUSH_OFF[1], room), 1.0 / clock.fps)))
            sink = min(max(_CROUCHING, np.sqrt(6 * depth / _PUSH)), max(room - push, 0.0))
            depth = depth * min(sink / max(np.sqrt(6 * depth / _PUSH), _CROUCHING), 1.0)  # no room: shallower
            start = t_off - push
            for f in (0, 1):  # the feet on the floor as the body leaves it, for as long as they have stood there
                planted = self.steps.planted[f]
                last = int(np.searchsorted(t, t_off, side="right")) - 1
                if last < 0 or not planted[last]:
                    continue
                lifted = np.flatnonzero(~planted[:last])
                first = int(lifted[-1]) + 1 if len(lifted) else 0
                frames = slice(first, last + 1)
                self._pushing[f, frames] = np.maximum(self._pushing[f, frames], ramp(t[frames], start - sink, start))
            y_stand_on = root_y[on_frame]
            # how fast the pelvis lands, as the flight is written and where it touches down (the centre of mass's
            # speed would carry an arm's edit, which moves it, into the landing after the arm's reach)
            lands_at = max(0.5 * GRAVITY * flight - (y_on - y_off) / flight, 0.3)
            sinks = float(np.clip(lands_at ** 2 / (2 * _LANDING_DECEL) - (y_on - y_stand_on), *_ABSORB))
            after_landing = (t >= t_on) & (t <= t_on + _LANDED)
            sinks = min(sinks, max(float(root_y[after_landing].min(initial=y_stand_on)) -
                                   _LOWEST * self.rig.standing_height(), 0.0))
            # as long as slowing evenly from that speed takes over the whole way down from touch-down: timed by the
            # depth below standing alone, the pelvis first fell faster than it flew (a curve through more height in
            # the same time), and flights read back later or longer (validation flight F1 0.975; 1.000 now)
            absorb = float(np.clip(2 * (y_on - y_stand_on + sinks) / lands_at, *_ABSORBING))
            recovers = _RECOVER * np.sqrt(sinks / _ABSORB[0])
            inside = (t >= t_off) & (t <= t_on)
            dt = t[inside] - t_off
            com_y = c_off + v0 * dt - 0.5 * GRAVITY * dt ** 2
            y[inside] = com_y - (com_offset[inside, 1] if com_offset is not None else 0.0)
            # the crouch, from the pelvis's height and speed where it begins (after a jump landed just before, from
            # there), to rest at the crouch
            begin = start - sink
            here = float(np.interp(begin, t, y))
            speed = (here - float(np.interp(begin - 1.0 / clock.fps, t, y))) * clock.fps
            crouched = float(np.interp(start, t, y)) - depth
            bending = (t > begin) & (t <= start)
            arriving = 0.0
            if sink > 0:
                y[bending] = hermite(t[bending], np.array([begin, start]), np.array([[here], [crouched]]),
                                     np.array([[speed], [0.0]]))[:, 0]
            else:  # no room to crouch (a running stride): the push takes the pelvis on as it comes
                crouched, arriving = here, speed
            before = (t > start) & (t < t_off)
            y[before] = hermite(t[before], np.array([start, t_off]), np.array([[crouched], [y_off]]),
                                np.array([[arriving], [planned]]))[:, 0]
            # the speed the landing asks for beyond the planned one is taken up in the push's last moment, within
            # the time that may depend on the landing (a curve with no height and that speed at take-off)
            last = push if long else float(np.clip(t_off - earliest, min(PUSH_OFF[0] / 2, push), push))
            late = (t > t_off - last) & (t < t_off)
            s = (t[late] - (t_off - last)) / last
            y[late] += (v0 - planned) * last * (s ** 3 - s ** 2)
            after = (t > t_on) & (t < t_on + absorb)
            # (down to where the recovery below starts: the height the pelvis stands at then, which a stride
            # carrying on may have changed since the landing; from the landing's height it dropped in a frame)
            absorbed = float(np.interp(t_on + absorb, t, root_y)) - sinks
            y[after] = hermite(t[after], np.array([t_on, t_on + absorb]),
                               np.array([[y_on], [absorbed]]), np.array([[v1], [0.0]]))[:, 0]
            recover = (t >= t_on + absorb) & (t < t_on + absorb + recovers)
            y[recover] = root_y[recover] - sinks * (1 - ramp(t[recover], t_on + absorb, t_on + absorb + recovers))
        return y

    def _ballistic_xz(self, root_xz, com_offset):
        """In the air the centre of mass moves straight at constant speed; the pelvis reaches that speed during
        the push (as late as the landing it depends on allows) and leaves it after landing over as long (a
        curve with no displacement and the difference in speed at the take-off and the landing), instead of
        turning in a frame from the step's travel into the flight's."""
        clock = self.clock
        t = clock.t
        xz = root_xz.copy()
        for t_off, t_on, long, earliest, _, _ in self._flight_times():
            inside = (t >= t_off) & (t <= t_on)
            if not inside.any():
                continue
            first, final = np.flatnonzero(inside)[[0, -1]]
            off_frame = max(first - 1, 0)
            on_frame = min(final + 1, clock.frames - 1)
            if not long:  # a flight longer than a beat goes straight up and down as planned (it may depend neither
                # on where it lands nor, after it lands, on how it took off)
                c_off = root_xz[off_frame] + com_offset[off_frame, [0, 2]]
                c_on = root_xz[on_frame] + com_offset[on_frame, [0, 2]]
                s = (t[inside] - t[off_frame]) / max(t[on_frame] - t[off_frame], 1e-9)
                xz[inside] = c_off + (c_on - c_off) * s[:, None] - com_offset[inside][:, [0, 2]]
            if final - first < 2:
                continue
            fly = (xz[first + 1] - xz[first]) * clock.fps, (xz[final] - xz[final - 1]) * clock.fps
            approach = (xz[off_frame] - xz[max(off_frame - 1, 0)]) * clock.fps
            leave = (xz[min(on_frame + 1, clock.frames - 1)] - xz[on_frame]) * clock.fps
            for edge, change, side in ((t[off_frame], fly[0] - approach, -1.0), (t[on_frame], fly[1] - leave, 1.0)):
                reach = float(np.clip(4 * np.linalg.norm(change) / _PUSH, PUSH_OFF[0], 0.3))
                if side < 0:
                    reach = min(reach, clock.anticipation(t_off) if long else max(t_off - earliest, 1.0 / clock.fps))
                near = (t > edge - reach) & (t < edge) if side < 0 else (t > edge) & (t < edge + reach)
                s = side * (t[near] - edge) / reach  # 0 at the edge, 1 a reach away
                xz[near] += _edge_curve(s, reach, side)[:, None] * change
        return xz


def _between_plants(ball: np.ndarray, planted: np.ndarray, clock: Clock) -> np.ndarray:
    """(T, 2) where a foot stands, and while it is off the floor where it stood, moving to where it lands over the
    last ``Clock.preparation`` before it lands: the arms' swing read from it is smoothed, and with that an edit is
    felt a beat before it at most. (Over the last ``Clock.anticipation``, a dance continued by a step at the join
    swung its arms 1.2 mm otherwise from 1.3 beats before it: tests/test_locality.py, a last walking stride.)"""
    frames = np.flatnonzero(planted)
    out = ball.copy()
    out[:frames[0]] = ball[frames[0]]
    edges = np.flatnonzero(np.diff(planted.astype(np.int8)))
    for k in edges[edges >= frames[0]]:
        if planted[k] and k + 1 < len(planted):  # lifted after frame k
            lands = k + 1 + int(np.argmax(planted[k + 1:])) if planted[k + 1:].any() else len(planted)
            gap = slice(k + 1, lands)
            out[gap] = ball[k]
            if lands < len(planted):
                t = clock.t[gap]
                tb = clock.t[lands]
                w = ramp(t, tb - clock.preparation(tb), tb)[:, None]
                out[gap] = ball[k] + (ball[lands] - ball[k]) * w
    return out


def _swing_arm(upper: np.ndarray, fore: np.ndarray, angle: np.ndarray, clock: Clock
               ) -> tuple[np.ndarray, np.ndarray]:
    """An arm's upper-arm and forearm directions (T, 3; forward, right, up) swung forward by ``angle`` (T,) about
    the body's right, as one piece (the elbow keeps its bend), where the upper arm hangs and is not moving as
    written; and only as far as the tokenizer still reads each part in the cell it reads as written, at the same
    frames (``cells.limb_cells``: a swing must neither take a hanging arm into another cell nor hasten or delay
    its arrival or departure). The swing costs the round trip a little all the same (a forearm's move timed from
    a little earlier or later: validation gesture direction 0.968 → 0.967)."""
    down = np.degrees(np.arccos(np.clip(-upper[:, 2] / np.maximum(np.linalg.norm(upper, axis=1), 1e-9), -1, 1)))
    angle = angle * smoothstep((30.0 - down) / 15.0)
    if len(angle) < 3 or not np.any(np.abs(angle) > 1e-4):
        return upper, fore
    written = np.degrees(np.linalg.norm(np.gradient(upper, axis=0), axis=1)) * clock.fps
    clear = int(round(min(_SWING_CLEAR, 0.3 * clock.shortest_beat) * clock.fps))
    still = minimum_filter1d((written < _SWING_STILL).astype(float), 2 * clear + 1)
    angle = angle * gaussian_filter1d(still, **clock.kernel(0.05), mode="nearest")
    if not np.any(np.abs(angle) > 1e-4):
        return upper, fore
    read = [latch(*cells_with_core(v)) for v in (upper, fore)]  # as the tokenizer's hysteresis reads them
    share, margin = np.ones(len(angle)), max(int(round(0.1 * clock.fps)), 1)
    for attempt in range(6):  # less swing where it would read otherwise, until it reads as written
        kept = gaussian_filter1d(minimum_filter1d(share, 2 * margin + 1), **clock.kernel(0.05), mode="nearest")
        if attempt == 5:
            kept = np.minimum(kept, share)  # (no swing at all where it still would)
        turned = [_pitched(v, angle * kept) for v in (upper, fore)]
        moved = np.zeros(len(angle), dtype=bool)
        for v, cells in zip(turned, read):
            moved |= latch(*cells_with_core(v)) != cells
        if not moved.any():
            break
        share = np.where(maximum_filter1d(moved, 2 * margin + 1), np.maximum(share - 0.34, 0.0), share)
    return turned[0], turned[1]


def _arm_twist(bend: np.ndarray, bent: np.ndarray, fps: float, carried: np.ndarray) -> np.ndarray:
    """The upper arm's twist (T,) radians from its natural front (``figure.arm_front``) about itself, for the
    elbow's bend at ``bend`` (T,) radians from that front, as bent as ``bent`` (T,) 0 (straight: any twist will do)
    to 1 (a bend the elbow must follow, as a hinge). The twist goes continuously, at most ``_TWIST_SPEED`` from a
    straight arm's (``_TWIST_SPEED[0]``, easing back to the natural front) to a bent arm's, towards the blend of
    the two taken the short way round from where it is: a forearm passing through straight from bent one way to
    bent the other turns the upper arm over a few frames instead of half a turn in one (where it took the natural
    front, then the new bend: an arm joint turned 90 degrees or more in a frame 73 times in the 47 shared dance
    clips). Where the elbow stays bent it bends as written, the twist on the bend exactly, with no memory.

    The limit holds in the body, not against the natural front, which turns half a turn in a frame where the arm
    passes behind the other shoulder (its pole): ``carried`` (T,) is where the natural front lies, in radians about
    the arm, from a front carried along with the arm in the body the shortest way (``_front_turned``), and the
    twist is limited there (05_16: a right arm reaching back across to the left turned 131 degrees in a frame, its
    forearm 179)."""
    import math

    slow, fast = (np.radians(v) / fps for v in _TWIST_SPEED)
    limits = (slow + bent * (fast - slow)).tolist()
    out = np.empty(len(bend))
    twist = None  # from the carried front
    for t, (b, w, limit, c) in enumerate(zip(bend.tolist(), bent.tolist(), limits, carried.tolist())):
        if twist is None:
            twist = c + (w * b if abs(b) <= math.pi - 1e-9 else 0.0)
            out[t] = twist - c
            continue
        to_bend = (c + b - twist + math.pi) % (2 * math.pi) - math.pi
        to_natural = (c - twist + math.pi) % (2 * math.pi) - math.pi
        step = w * to_bend + (1.0 - w) * to_natural
        twist += min(max(step, -limit), limit)
        out[t] = twist - c
    return out


def _within(up: np.ndarray, goal: np.ndarray, reach: float, most: float) -> np.ndarray:
    """Directions ``goal`` (T, 3) brought within ``reach`` (radians, under 90 degrees) of ``up`` (3,) along the
    great circle through both, and moved at most ``most`` radians a frame, the short way, where they would go
    further (a goal passing opposite ``up`` makes the kept direction jump across: inside a hemisphere the short way
    between two directions never leaves it). Frame by frame from the first, so that what comes after a frame
    never moves it (a dance's bars regenerated or continued)."""
    angle = np.arccos(np.clip(goal @ up, -1.0, 1.0))
    side = goal - (goal @ up)[:, None] * up
    side_length = np.linalg.norm(side, axis=-1, keepdims=True)
    fallback = unit(np.cross(up, [1.0, 0.0, 0.0] if abs(up[0]) < 0.9 else [0.0, 1.0, 0.0]))
    side = np.where(side_length > 1e-9, side / np.maximum(side_length, 1e-12), fallback)
    kept = np.minimum(angle, reach)[:, None]
    out = np.where(angle[:, None] > reach, np.cos(kept) * up + np.sin(kept) * side, goal)
    steps = np.arccos(np.clip(np.einsum("tc,tc->t", out[1:], out[:-1]), -1.0, 1.0))
    if not (steps > most).any():
        return out
    wanted = out.copy()
    for t in range(int(np.argmax(steps > most)) + 1, len(out)):  # from the first step too long
        between = float(np.arccos(np.clip(out[t - 1] @ wanted[t], -1.0, 1.0)))
        if between > most:
            out[t] = slerp(out[t - 1], wanted[t], most / between)
    return out


def _front_turned(along: np.ndarray, front: np.ndarray) -> np.ndarray:
    """Where ``front`` (T, 3; perpendicular to ``along``) lies at each frame, in radians about ``along`` (T, 3),
    from a front carried from the first frame's with ``along`` by the smallest rotation from each frame to the
    next: small steps while ``front`` follows ``along`` smoothly, and the jumps of a field of fronts at its pole."""
    carried = apply(swing(along[:-1], along[1:]), front[:-1])
    turns = np.arctan2(dot(np.cross(carried, front[1:]), along[1:]), dot(carried, front[1:]))
    return np.concatenate([[0.0], np.cumsum(turns)])


def _pitched(v: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Vectors (T, 3; forward, right, up) turned forward-and-up by ``angle`` (T,) about the body's right."""
    c, s = np.cos(angle), np.sin(angle)
    return np.stack([v[:, 0] * c - v[:, 2] * s, v[:, 1], v[:, 0] * s + v[:, 2] * c], axis=-1)


def _heel_rise(rig: Rig, leg, hip: np.ndarray, ankle: np.ndarray, rotation: np.ndarray,
               wanted: np.ndarray) -> np.ndarray:
    """The heel's rise (radians about the ball, at most ``_HEEL_RISE``) of feet standing at ``ankle`` turned by
    ``rotation`` that brings the ankle within ``wanted`` (m) of the ``hip`` (all per frame)."""
    ball = ankle + apply(rotation, leg.ball)
    axis = unit(apply(rotation, rig.right))
    low, high = np.zeros(len(ankle)), np.full(len(ankle), _HEEL_RISE)
    for _ in range(16):  # bisection: the rise is the least that brings the ankle in
        middle = 0.5 * (low + high)
        turned = ball + apply(axis_angle(axis, -middle), ankle - ball)
        far = np.linalg.norm(turned - hip, axis=-1) > wanted
        low, high = np.where(far, middle, low), np.where(far, high, middle)
    return high


def _edge_curve(s: np.ndarray, reach: float, side: float) -> np.ndarray:
    """A curve that is 0 with speed 1 at an edge (s = 0) and 0 at rest a ``reach`` (s) away (s = 1), on the
    ``side`` (-1 before, 1 after) of the edge: added times a change of speed, it changes the speed at the edge
    by that much and nothing beyond the reach."""
    return side * reach * s * (1.0 - s) ** 2


def _hold_gaps(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Values where ``known``, the last known one held elsewhere (the first known one before it)."""
    if known.all() or not known.any():
        return values
    index = np.where(known, np.arange(len(values)), 0)
    np.maximum.accumulate(index, out=index)
    index = np.where(np.arange(len(values)) < np.argmax(known), np.argmax(known), index)
    return values[index]


def _softmin(a: np.ndarray, b: np.ndarray, width: float) -> np.ndarray:
    """A smooth minimum of two curves, never above the smaller."""
    low = np.minimum(a, b)
    return low - width * np.log1p(np.exp(-np.abs(a - b) / width))


def _blend_rotations(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Rotations a fraction ``w`` (T,) of the way from ``a`` to ``b`` (T, 3, 3), turning about one axis at a steady
    rate in ``w`` (a blend of the matrices, re-orthonormalised, turned a landing foot 118 degrees in a frame where
    the foot following the shin stood 148 degrees from flat and its weight fell by half: 05_10)."""
    q = matrix_to_quaternion(np.matmul(np.swapaxes(a, -1, -2), b))  # b relative to a, scalar last
    q = q * np.where(q[:, 3:] < 0.0, -1.0, 1.0)  # the short way round
    angle = 2.0 * np.arctan2(np.linalg.norm(q[:, :3], axis=-1), q[:, 3])
    return compose(a, axis_angle(q[:, :3], w * angle))


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
