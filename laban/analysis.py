"""What a motion does, in seconds and frames, before any notation: the analysis the tokenizer and the beat
finder share.

1. put the body on the floor (ground height per clip, one-frame tracking spikes removed);
2. find the performer's standard cross of axes: up is gravity, forward is where the front of the pelvis faces;
3. find which foot carries weight when (foot contacts), the support phases (left, right, both, flight) and the
   level of each supporting leg (plié, normal, relevé).

All per-frame work is numpy over whole clips at ``WORKING_FPS``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bodyparts import recognised
from .errors import LabanError
from .motion import Motion, Trajectories
from .skeleton import BodyPart as B
from .smoothing import gaussian_filter1d

WORKING_FPS = 30.0  # a score needs no finer time than this; capture at 120 fps is subsampled before kinematics

# Supports: a foot is on the floor when its sole is this close to it (metres) ...
FOOT_ON_FLOOR = 0.05
# ... and carries weight when it is also slow (m/s), or when it is the lower or only foot on the floor.
FOOT_STILL_SPEED = 0.6
LONGEST_FLIGHT = 1.0  # s; a longer time with no foot near the floor is standing on something (a box, a bar)
SHORTEST_FLIGHT = 0.1  # s; a jump lifts the body at least about a centimetre
GRAVITY = 9.81
SHORTEST_CONTACT = 2  # frames; contacts and gaps shorter than this are tracking noise
SHORT_DOUBLE_SUPPORT = 0.25  # s; a shorter time on both feet belongs to the step that lands
STEP_TRAVEL = 0.10  # m of travel of the centre of weight under which a step is in place
UNWEIGHTED_REACH = 3.0  # a floor-touching foot this many times further from under the pelvis than the other is free
RELEVE_HEEL = 0.045  # m of heel rise that makes a support high (on the ball of the foot)
PLIE_KNEE = 35.0  # degrees of knee flexion that make a support low

UP = np.array([0.0, 1.0, 0.0])


@dataclass
class Analysis:
    """What the tokenizer found, in seconds and frames, before musical time: kept for tests and tools."""

    trajectories: Trajectories  # at WORKING_FPS, the floor at y = 0
    floor: float  # the height that was subtracted, metres
    contacts: np.ndarray  # (T, 2) bool, left and right foot carrying weight
    supports: np.ndarray  # (T,) 'L', 'R', 'B' (both) or 'F' (flight) after weight-transfer rules
    heading: np.ndarray  # (T,) degrees, clockwise seen from above, unwrapped
    forward: np.ndarray  # (T, 3) horizontal unit front of the pelvis
    right: np.ndarray  # (T, 3) horizontal unit right of the pelvis
    heel_rise: np.ndarray | None = None  # (T, 2) metres per foot, left and right (None: worked out when asked)


def analyse(motion: Motion | Trajectories) -> Analysis:
    """Floor, body axes, foot contacts and support phases of a motion, at ``WORKING_FPS``."""
    recognised(motion.skeleton)
    if isinstance(motion, Motion):
        traj = motion.trajectories(min(WORKING_FPS, motion.fps))
    else:
        traj = motion.resampled(WORKING_FPS) if motion.fps > WORKING_FPS * 1.5 else motion
    if traj.frame_count < 2:  # said in the motion's own frames: the count at WORKING_FPS is none the user knows
        frames = "one frame" if motion.frame_count == 1 else f"{motion.frame_count} frames"
        raise LabanError(f"the motion is {motion.duration:.3g} s long ({frames} at {motion.fps:g} fps), too short "
                         f"to notate: a score needs over {1 / traj.fps:.3g} s of motion (two frames at "
                         f"{traj.fps:g} fps)")
    floor = estimate_floor(traj)
    positions = _without_spikes(traj.positions) - np.array([0.0, floor, 0.0], dtype=traj.positions.dtype)
    traj = Trajectories(traj.skeleton, positions, traj.fps)
    forward, right, heading = _body_axes(traj)
    sole, speed, heel = _sole_and_speed(traj)
    contacts = _foot_contacts(traj, sole, speed)
    supports = _support_phases(contacts, traj.fps)
    return Analysis(traj, floor, contacts, supports, heading, forward, right, heel)


def _without_spikes(positions: np.ndarray) -> np.ndarray:
    """A joint that jumps away for one frame (the salsa takes have such tracking spikes, up to 29 m/s) is put back
    at the three-frame median of its coordinates. Only such spikes: a joint further from the midpoint of its
    neighbours than they are from each other, and by more than 3 cm. Real movement passes unchanged, fast curves
    too (a median of every frame would cut the corners of a hand sweeping round in a turn, by centimetres, and
    so turn a forearm held still in the body by several degrees from frame to frame)."""
    if len(positions) < 3:
        return positions
    before, now, after = positions[:-2], positions[1:-1], positions[2:]
    middle = np.maximum(np.minimum(before, now), np.minimum(np.maximum(before, now), after))  # median of three
    off = np.linalg.norm(now - 0.5 * (before + after), axis=-1, keepdims=True)
    spike = (off > np.linalg.norm(after - before, axis=-1, keepdims=True)) & (off > 0.03)
    return np.concatenate([positions[:1], np.where(spike, middle, now), positions[-1:]])


def estimate_floor(traj: Trajectories) -> float:
    """Height of the floor: where the lowest foot joint typically rests while near the ground (the median over
    the frames within FOOT_ON_FLOOR of its low percentile), robust to tracking spikes, jumps and climbing."""
    lowest = lowest_foot(traj)
    rough = np.percentile(lowest, FLOOR_PERCENTILE)
    return float(np.median(lowest[lowest < rough + FOOT_ON_FLOOR]))


FLOOR_PERCENTILE = 5  # the lowest foot's low percentile the floor is looked for near


def lowest_foot(traj: Trajectories) -> np.ndarray:
    """(T,) the height of the lowest foot joint in each frame: what the floor is read from."""
    return traj.positions[:, foot_joints(traj.skeleton), 1].min(axis=1)


class FloorSoFar:
    """``estimate_floor`` of every frame added so far, as a live stream adds them (a bar at a time): the frames'
    lowest foot heights are kept sorted, so that an addition costs its own frames and one merge, and the floor is
    read where the percentile and the median lie in them (by index: no pass over the frames so far, whose count
    grows with the dance). The same floor as ``estimate_floor`` of all the frames at once, to float precision."""

    def __init__(self) -> None:
        self.lowest = np.zeros(0)  # every frame's lowest foot height so far, ascending

    def add(self, traj: Trajectories) -> float:
        """Add ``traj``'s frames (its skeleton's body parts recognised); the floor under all the frames so far."""
        new = np.sort(lowest_foot(traj).astype(np.float64))
        self.lowest = np.insert(self.lowest, np.searchsorted(self.lowest, new), new)
        return self.height

    @property
    def height(self) -> float:
        s = self.lowest
        if not len(s):
            raise LabanError("no frames to find the floor in")
        at = FLOOR_PERCENTILE / 100 * (len(s) - 1)  # np.percentile's linear rule on the sorted heights
        low = int(at)
        rough = s[low] + (s[min(low + 1, len(s) - 1)] - s[low]) * (at - low)
        near = int(np.searchsorted(s, rough + FOOT_ON_FLOOR, side="left"))  # the frames below it: s[:near]
        return float((s[(near - 1) // 2] + s[near // 2]) / 2)  # their median


# --- body axes -----------------------------------------------------------------------------------------------

def _body_axes(traj: Trajectories) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Horizontal front and right of the pelvis per frame, and the heading (degrees clockwise from above)."""
    hips = traj.part(B.THIGH_RIGHT) - traj.part(B.THIGH_LEFT)
    hips = gaussian_filter1d(hips.astype(np.float64), 1.0, axis=0)
    hips[:, 1] = 0.0
    right = hips / np.maximum(np.linalg.norm(hips, axis=1, keepdims=True), 1e-9)
    forward = np.cross(UP, right)
    heading = np.degrees(np.unwrap(np.arctan2(-forward[:, 0], forward[:, 2])))
    return forward, right, heading


# --- supports ------------------------------------------------------------------------------------------------

def foot_joints(skeleton) -> list[int]:
    parts = skeleton.parts
    return [parts[p] for p in (B.FOOT_LEFT, B.FOOT_RIGHT, B.TOES_LEFT, B.TOES_RIGHT) if p in parts]


def _sole_and_speed(traj: Trajectories) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per foot (T, 2): sole height above the floor, speed of its slowest joint, and heel rise."""
    parts = traj.skeleton.parts
    soles, speeds, heels = [], [], []
    for ankle_part, toe_part in ((B.FOOT_LEFT, B.TOES_LEFT), (B.FOOT_RIGHT, B.TOES_RIGHT)):
        joints = [parts[ankle_part]] + ([parts[toe_part]] if toe_part in parts else [])
        heights = traj.positions[:, joints, 1].astype(np.float64)
        resting = np.percentile(heights, 5, axis=0)  # each joint's height when the foot is planted
        lifted = heights - resting
        soles.append(lifted.min(axis=1))
        heels.append(lifted[:, 0] - (lifted[:, 1] if len(joints) > 1 else 0.0))
        velocity = np.gradient(traj.positions[:, joints].astype(np.float64), axis=0) * traj.fps
        speeds.append(gaussian_filter1d(np.linalg.norm(velocity, axis=2).min(axis=1), 1.0))
    return np.stack(soles, 1), np.stack(speeds, 1), np.stack(heels, 1)


def _foot_contacts(traj: Trajectories, sole: np.ndarray, speed: np.ndarray) -> np.ndarray:
    """(T, 2) which feet carry weight. A foot near the floor carries weight when it is still, when it is the only
    foot near the floor, or when both are near and moving and it is the slower. Where no foot is near the floor
    for longer than any jump, the performer stands on something: still feet carry weight there. ``sole`` and
    ``speed`` as ``_sole_and_speed`` gives them."""
    low = sole < FOOT_ON_FLOOR
    slow = speed < FOOT_STILL_SPEED
    other_low, other_slow, other_speed = low[:, ::-1], slow[:, ::-1], speed[:, ::-1]
    contact = low & (slow | ~other_low | (~other_slow & (speed <= other_speed)))
    # A foot that only touches the floor far from under the body (a pointed foot in tendu) carries no weight.
    reach = np.linalg.norm((traj.positions[:, foot_joints(traj.skeleton)[:2]] - traj.part(B.PELVIS)[:, None])[..., ::2],
                           axis=2)
    contact &= ~(contact[:, ::-1] & (reach > UNWEIGHTED_REACH * reach[:, ::-1]) & (reach > STEP_TRAVEL * 2))
    airborne = ~low.any(axis=1)
    for begin, end in runs(airborne):
        if end - begin > LONGEST_FLIGHT * traj.fps:
            contact[begin:end] = slow[begin:end]
    for foot in range(2):
        contact[:, foot] = without_short_runs(contact[:, foot], SHORTEST_CONTACT)
    # Flight is ballistic: the pelvis falls with gravity. Within a time without contacts, only the frames where it
    # does (for long enough to be a jump) are flight; the rest (a foot brushing the floor, a heel-and-toe lift in a
    # turn, the step off a box before the drop) is carried by the lower foot.
    height = gaussian_filter1d(traj.part(B.PELVIS)[:, 1].astype(np.float64), 1.0)
    falling = np.gradient(np.gradient(height)) * traj.fps ** 2 < -0.5 * GRAVITY
    unsupported = ~contact.any(axis=1)
    flight = np.zeros_like(unsupported)
    for begin, end in runs(unsupported & falling):
        flight[begin:end] = end - begin >= SHORTEST_FLIGHT * traj.fps
    carried = unsupported & ~flight
    lower = sole[:, 0] <= sole[:, 1]
    contact[carried, 0] = lower[carried]
    contact[carried, 1] = ~lower[carried]
    return contact


def _support_phases(contacts: np.ndarray, fps: float) -> np.ndarray:
    """Per frame 'L', 'R', 'B' or 'F'. A short time on both feet is the weight arriving on the foot that just
    landed, so it belongs to that foot's step; a long one is standing on both."""
    left, right = contacts[:, 0], contacts[:, 1]
    frames = np.arange(len(left))
    landed_left = np.maximum.accumulate(np.where(left & ~np.r_[False, left[:-1]], frames, -1))
    landed_right = np.maximum.accumulate(np.where(right & ~np.r_[False, right[:-1]], frames, -1))
    phases = np.where(left & right, "B", np.where(left, "L", np.where(right, "R", "F")))
    for begin, end in runs(phases == "B"):
        if end - begin < SHORT_DOUBLE_SUPPORT * fps and begin > 0:
            newer = "L" if landed_left[begin] > landed_right[begin] else "R"
            phases[begin:end] = newer
    return phases


def support_levels(analysis: Analysis) -> np.ndarray:
    """(T, 2) level index per foot (0 high = relevé, 1 middle, 2 low = plié), with hysteresis."""
    traj = analysis.trajectories
    heel = analysis.heel_rise if analysis.heel_rise is not None else _sole_and_speed(traj)[2]
    levels = []
    for foot, (hip, knee, ankle) in enumerate(((B.THIGH_LEFT, B.SHIN_LEFT, B.FOOT_LEFT),
                                               (B.THIGH_RIGHT, B.SHIN_RIGHT, B.FOOT_RIGHT))):
        thigh = traj.part(knee) - traj.part(hip)
        shin = traj.part(ankle) - traj.part(knee)
        cosine = np.einsum("ta,ta->t", thigh, shin) / (np.linalg.norm(thigh, axis=1) * np.linalg.norm(shin, axis=1))
        flexion = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
        level = np.where(heel[:, foot] > RELEVE_HEEL, 0, np.where(flexion > PLIE_KNEE, 2, 1))
        core = (np.abs(heel[:, foot] - RELEVE_HEEL) > 0.015) & (np.abs(flexion - PLIE_KNEE) > 8.0)
        levels.append(latch(level, core))
    return np.stack(levels, 1)


# --- runs ----------------------------------------------------------------------------------------------------

def latch(state: np.ndarray, core: np.ndarray) -> np.ndarray:
    """Hysteresis: each frame takes the state of the last frame that was firmly (in the core) inside one; the
    first frame's state stands until then."""
    index = np.where(core, np.arange(len(state)), 0)
    return state[np.maximum.accumulate(index)]


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[begin, end) of every run of True."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def runs_of_values(values: np.ndarray):
    """(value, begin, end) of every run of equal values."""
    edges = np.flatnonzero(values[1:] != values[:-1]) + 1
    bounds = [0, *edges.tolist(), len(values)]
    for begin, end in zip(bounds[:-1], bounds[1:]):
        yield values[begin], begin, end


def without_short_runs(mask: np.ndarray, shortest: int) -> np.ndarray:
    """Flip runs (of either value) shorter than ``shortest`` frames, trues first: noise, not movement."""
    mask = mask.copy()
    for value in (True, False):
        for begin, end in runs(mask == value):
            if end - begin < shortest and begin > 0 and end < len(mask):
                mask[begin:end] = not value
    return mask


# --- what a direction symbol leaves out: bends and sizes (Labanotation's contraction and space measurement) -------

# The joints of a bending limb: (base, joint, tip) — hip, knee, ankle of a leg; shoulder, elbow, wrist of an arm.
_BENDS = {"leg-left": (B.THIGH_LEFT, B.SHIN_LEFT, B.FOOT_LEFT), "leg-right": (B.THIGH_RIGHT, B.SHIN_RIGHT, B.FOOT_RIGHT),
          "forearm-left": (B.UPPER_ARM_LEFT, B.FOREARM_LEFT, B.HAND_LEFT),
          "forearm-right": (B.UPPER_ARM_RIGHT, B.FOREARM_RIGHT, B.HAND_RIGHT)}
CONTRACTION_STEP = 30.0  # degrees of flexion per degree of contraction (the six-degree scale spans 0-180°)
STRAIGHT = 22.5  # degrees of flexion under which a limb is written straight: a relaxed elbow or knee is never 0°


def limb_flexion(traj: Trajectories, column: str) -> np.ndarray:
    """(T,) degrees the knee (leg columns) or elbow (forearm columns) is bent: 0 straight, 180 folded right up."""
    base, joint, tip = (traj.part(p).astype(np.float64) for p in _BENDS[column])
    upper, lower = joint - base, tip - joint
    cosine = np.einsum("ta,ta->t", upper, lower) / np.maximum(
        np.linalg.norm(upper, axis=1) * np.linalg.norm(lower, axis=1), 1e-9)
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))


def angular_speed(vectors: np.ndarray, fps: float) -> np.ndarray:
    """(T,) degrees a second that the direction of ``vectors`` (T, 3) turns, each frame from the one before (the
    first frame as the second): how fast a limb moves, as the tokenizer sees it before smoothing."""
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    cosine = np.clip(np.einsum("ta,ta->t", unit[1:], unit[:-1]), -1.0, 1.0)
    speed = np.degrees(np.arccos(cosine)) * fps
    return np.concatenate([speed[:1], speed])


def contraction_degree(flexion: float) -> int | None:
    """The degree (1-6) of the contraction sign a notator writes for a knee or elbow bent ``flexion`` degrees, or
    None for a limb at its natural extension: under ``STRAIGHT`` nothing is written (a relaxed joint is a little
    bent, and the notation assumes it), above it the nearest degree of ``CONTRACTION_STEP`` each, at least 1."""
    if not flexion >= STRAIGHT:
        return None
    return int(min(max(round(flexion / CONTRACTION_STEP), 1), 6))


def leg_length(traj: Trajectories) -> float:
    """The performer's leg length, hip to ankle along thigh and shin (metres, the median over frames and legs):
    what space measurement signs are judged against."""
    lengths = []
    for side in ("leg-left", "leg-right"):
        hip, knee, ankle = (traj.part(p).astype(np.float64) for p in _BENDS[side])
        lengths.append(np.linalg.norm(knee - hip, axis=1) + np.linalg.norm(ankle - knee, axis=1))
    return float(np.median(np.concatenate(lengths)))


# Space measurement: the sizes, in leg lengths, around which a step's length (the centre of weight's travel over
# the step) and a jump's height (the pelvis at the top of the flight above where it stands) are normal. Steps of
# less than 0.7 of NORMAL_STEP are small, more than 1.6 times it large (two signs beyond 2.4 times); the same
# for jumps around NORMAL_JUMP. Measured on the shared CMU dance takes: a walking step carries the weight about a
# fifth of a leg length (median of 348 steps on every fourth take: 0.197), a jump lifts it a seventh (0.144).
NORMAL_STEP = 0.20
NORMAL_JUMP = 0.14
SMALL, LARGE, LARGER = 0.7, 1.6, 2.4


def space_measurement(size: float, normal: float) -> int | None:
    """The space measurement signs for a size (in leg lengths) against its ``normal``: -1 small, 1 or 2 large,
    None normal (nothing written)."""
    ratio = size / normal
    if ratio < SMALL:
        return -1
    if ratio > LARGER:
        return 2
    return 1 if ratio > LARGE else None
