"""Two bodies on one floor: what a couple's placement is (distance, side, relative facing, the gap between the
bodies), the statistics of it learned from real couples (``Placement``, written by ``datasets/duet_placement.py``
from the training split's salsa pairs), and the rigid floor moves that carry a dancer there (``place``, per bar;
``Reflex``, frame by frame, live) and keep two bodies apart (``push_apart``).

Floor positions are (x, z) in metres, headings in radians clockwise seen from above (``laban.analysis``'s
convention: front = (-sin h, cos h)). The gap between bodies is measured on the bones of the trunk, head and legs:
arms are left out, since partners hold hands and the lead's hand lies on the follower's back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from laban.errors import LabanError
from laban.motion import Motion, Trajectories
from laban.skeleton import BodyPart as B
from laban.smoothing import gaussian_filter1d
from laban.timing import BeatGrid

PLACEMENT = Path(__file__).resolve().parents[1] / "checkpoints" / "duet" / "placement.json"
HEADING_SMOOTHING = 0.5  # beats: a basic step twists the pelvis ±20-40° each beat; the facing is slower
CORE = ((B.PELVIS, B.CHEST), (B.CHEST, B.NECK), (B.NECK, B.HEAD), (B.THIGH_LEFT, B.THIGH_RIGHT),
        (B.THIGH_LEFT, B.SHIN_LEFT), (B.SHIN_LEFT, B.FOOT_LEFT), (B.THIGH_RIGHT, B.SHIN_RIGHT),
        (B.SHIN_RIGHT, B.FOOT_RIGHT))  # bones of the trunk, head and legs: the bodies' gap is measured on these


class DuetError(LabanError):
    """A duet cannot be made (no placement statistics, a stream used out of order, a skeleton it cannot move)."""


# --- the two bodies on the floor ------------------------------------------------------------------------------

def floor_frame(traj: Trajectories, smoothing: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Pelvis on the floor (T, 2) (x, z) and heading (T,) in radians (unwrapped), smoothed over ``smoothing``
    seconds (Gaussian sigma) when given."""
    from laban.analysis import _body_axes
    from laban.bodyparts import recognised

    recognised(traj.skeleton)
    _, _, heading = _body_axes(traj)
    heading = np.radians(heading)
    xz = traj.part(B.PELVIS)[:, [0, 2]].astype(np.float64)
    if smoothing > 0:
        sigma = smoothing * traj.fps
        heading, xz = gaussian_filter1d(heading, sigma), gaussian_filter1d(xz, sigma, axis=0)
    return xz, heading


def floor_height(traj: Trajectories) -> float:
    """The height of the floor under a dancer, as the tokenizer finds it (``laban.analysis.estimate_floor``: where
    its lowest foot joint rests). A capture's floor is rarely at 0 (CMU's lie 2 cm below to 7 cm above it) and the
    decoder stands its dancer on 0: two dancers share a floor when their feet rest at the same height."""
    from laban.analysis import estimate_floor
    from laban.bodyparts import recognised

    recognised(traj.skeleton)
    return estimate_floor(traj)


def _front(heading: np.ndarray) -> np.ndarray:
    return np.stack([-np.sin(heading), np.cos(heading)], axis=-1)


def _right(heading: np.ndarray) -> np.ndarray:
    return np.stack([-np.cos(heading), -np.sin(heading)], axis=-1)


def wrap(angle: np.ndarray) -> np.ndarray:
    """Angles into (-pi, pi]."""
    return -((-np.asarray(angle) + np.pi) % (2 * np.pi) - np.pi)


def relation(lead: Trajectories, follow: Trajectories) -> dict[str, np.ndarray]:
    """Per frame: floor distance between the pelvises (m), the follower's pelvis in the lead's frame (forward,
    right; m), relative facing (degrees, follower minus lead, in (-180, 180]) and the bodies' gap (m)."""
    frames = min(lead.frame_count, follow.frame_count)
    lead_xz, lead_h = floor_frame(lead)
    follow_xz, follow_h = floor_frame(follow)
    lead_xz, lead_h, follow_xz, follow_h = lead_xz[:frames], lead_h[:frames], follow_xz[:frames], follow_h[:frames]
    v = follow_xz - lead_xz
    return {"distance": np.linalg.norm(v, axis=1),
            "forward": (v * _front(lead_h)).sum(1), "right": (v * _right(lead_h)).sum(1),
            "facing": np.degrees(wrap(follow_h - lead_h)),
            "gap": body_gap(lead, follow)}


def _segments(traj: Trajectories, frames: int) -> tuple[np.ndarray, np.ndarray]:
    from laban.bodyparts import recognised

    parts = dict(recognised(traj.skeleton).parts)
    parts.setdefault(B.NECK, parts[B.CHEST])  # a skeleton with no neck found (not a required part): chest to head
    p = traj.positions[:frames].astype(np.float64)
    return (np.stack([p[:, parts[a]] for a, _ in CORE], 1), np.stack([p[:, parts[b]] for _, b in CORE], 1))


def body_gap(a: Trajectories, b: Trajectories) -> np.ndarray:
    """(T,) the least distance in metres between any core bone (trunk, head, legs) of one body and any of the
    other's, per frame (both at the same rate, frame 0 together)."""
    frames = min(a.frame_count, b.frame_count)
    p0, p1 = _segments(a, frames)
    q0, q1 = _segments(b, frames)
    return segment_distance(p0[:, :, None], p1[:, :, None], q0[:, None], q1[:, None]).min(axis=(1, 2))


def segment_distance(p0, p1, q0, q1) -> np.ndarray:
    """Least distance between segments p0-p1 and q0-q1 (arrays (..., 3), broadcast)."""
    return np.linalg.norm(segment_closest(p0, p1, q0, q1), axis=-1)


def segment_closest(p0, p1, q0, q1) -> np.ndarray:
    """The vector from the closest point of segment p0-p1 to the closest point of q0-q1 (..., 3): the clamped
    parameters of the two lines (Ericson, Real-Time Collision Detection 5.1.9)."""
    d1, d2, r = p1 - p0, q1 - q0, p0 - q0
    a, e = (d1 * d1).sum(-1), (d2 * d2).sum(-1)
    b, c, f = (d1 * d2).sum(-1), (d1 * r).sum(-1), (d2 * r).sum(-1)
    a_, e_ = np.maximum(a, 1e-12), np.maximum(e, 1e-12)
    denom = a * e - b * b
    s = np.where(denom > 1e-12, np.clip((b * f - c * e) / np.maximum(denom, 1e-12), 0, 1), 0.0)
    t = (b * s + f) / e_
    s = np.where(t < 0, np.clip(-c / a_, 0, 1), np.where(t > 1, np.clip((b - c) / a_, 0, 1), s))
    t = np.clip(t, 0, 1)
    return (q0 + d2 * t[..., None]) - (p0 + d1 * s[..., None])


# --- where the follower stands: learned from the training pairs -------------------------------------------------

@dataclass(frozen=True)
class Placement:
    """The follower relative to the lead, from the training split's salsa pairs, lengths in lead heights.

    ``offset``: the follower's pelvis in the lead's floor frame (forward, right), the median over frames;
    ``facing``: the circular mean of the follower's heading minus the lead's, radians; ``distance`` and
    ``relative_facing`` (|follower minus lead| in degrees): the 5th, 50th and 95th percentiles, the band a duet's
    frames are checked against; ``gap``: the same of the bodies' core gap, whose 1st percentile is the margin
    the push-apart keeps (``margin``)."""

    offset: tuple[float, float]
    facing: float
    distance: tuple[float, float, float]
    relative_facing: tuple[float, float, float]
    margin: float
    takes: tuple[str, ...] = ()
    frames: int = 0
    made_by: str = ""

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Placement":
        path = Path(path or PLACEMENT)
        try:
            data = json.loads(path.read_text())
            return cls(tuple(data["offset"]), float(data["facing"]), tuple(data["distance"]),
                       tuple(data["relative_facing"]), float(data["margin"]), tuple(data.get("takes", ())),
                       int(data.get("frames", 0)), data.get("made_by", ""))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise DuetError(f"{path}: no duet placement statistics ({error.__class__.__name__}); "
                            "make them with python datasets/duet_placement.py") from None

    def save(self, path: str | Path) -> None:
        from laban.files import atomic_path

        data = {"made_by": self.made_by, "takes": list(self.takes), "frames": self.frames,
                "units": "lengths in lead standing heights, facing in radians, relative_facing in degrees",
                "offset": [round(v, 5) for v in self.offset], "facing": round(self.facing, 5),
                "distance": [round(v, 5) for v in self.distance],
                "relative_facing": [round(v, 3) for v in self.relative_facing], "margin": round(self.margin, 5)}
        with atomic_path(path) as tmp:
            Path(tmp).write_text(json.dumps(data, indent=1) + "\n")


def placement_from_pairs(pairs, made_by: str = "") -> Placement:
    """Placement statistics of (name, lead, follow) trajectories at one rate, frame 0 together, one floor."""
    from laban.bvh import standing_height

    rows = {k: [] for k in ("distance", "forward", "right", "facing", "gap")}
    names = []
    for name, lead, follow in pairs:
        height = standing_height(lead.skeleton)
        for key, values in relation(lead, follow).items():
            rows[key].append(values if key == "facing" else values / height)
        names.append(name)
    r = {k: np.concatenate(v) for k, v in rows.items()}
    facing = float(np.arctan2(np.sin(np.radians(r["facing"])).mean(), np.cos(np.radians(r["facing"])).mean()))
    return Placement((float(np.median(r["forward"])), float(np.median(r["right"]))), facing,
                     tuple(float(v) for v in np.percentile(r["distance"], [5, 50, 95])),
                     tuple(float(v) for v in np.percentile(np.abs(r["facing"]), [5, 50, 95])),
                     float(np.percentile(r["gap"], 1)), tuple(names), len(r["distance"]), made_by)


# --- moving a motion on the floor -----------------------------------------------------------------------------

def moved(motion: Motion, yaw: np.ndarray, shift: np.ndarray, rise: float = 0.0) -> Motion:
    """The motion turned by ``yaw`` (T,) radians about the vertical through the origin (clockwise from above, as
    headings count) and then shifted by ``shift`` (T, 2) on the floor, frame by frame: a rigid move per frame;
    ``rise`` metres up (onto another floor).

    The root's rotation and position channels carry the whole body, so other joints' position channels (Blender's
    export writes them on every joint, each its rest offset or the pelvis's travel) are left as they are."""
    skeleton = motion.skeleton
    root = int(np.flatnonzero(np.asarray(skeleton.parents) < 0)[0])
    if root not in skeleton.translated:
        raise DuetError(f"a duet moves a dancer by its root's position channels, and the root "
                        f"'{skeleton.names[root]}' has none")
    k = skeleton.translated.index(root)
    c, s = np.cos(yaw), np.sin(yaw)
    half = -0.5 * yaw  # a heading grows clockwise: the turn about +y is by -yaw
    turn = np.stack([np.zeros_like(half), np.sin(half), np.zeros_like(half), np.cos(half)], -1)
    rotations = motion.rotations.copy()
    rotations[:, root] = _quaternion_product(turn, rotations[:, root])
    t = motion.translations.astype(np.float64).copy()
    x, z = t[:, k, 0].copy(), t[:, k, 2].copy()
    t[:, k, 0] = c * x - s * z + shift[:, 0]
    t[:, k, 2] = s * x + c * z + shift[:, 1]
    t[:, k, 1] += rise
    return Motion(motion.skeleton, rotations.astype(motion.rotations.dtype), t.astype(motion.translations.dtype),
                  motion.fps)


def _quaternion_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ax, ay, az, aw = np.moveaxis(a, -1, 0)
    bx, by, bz, bw = np.moveaxis(b, -1, 0)
    return np.stack([aw * bx + ax * bw + ay * bz - az * by, aw * by - ax * bz + ay * bw + az * bx,
                     aw * bz + ax * by - ay * bx + az * bw, aw * bw - ax * bx - ay * by - az * bz], -1)


def _rotate(xz: np.ndarray, yaw) -> np.ndarray:
    c, s = np.cos(yaw), np.sin(yaw)
    return np.stack([c * xz[..., 0] - s * xz[..., 1], s * xz[..., 0] + c * xz[..., 1]], -1)


def _target(lead_xz: np.ndarray, lead_heading: np.ndarray, placement: Placement, height: float):
    """Where the placement puts the follower's pelvis (T, 2) and heading (T,) for the lead's."""
    forward, right = placement.offset
    place = lead_xz + height * (forward * _front(lead_heading) + right * _right(lead_heading))
    return place, lead_heading + placement.facing


def _bar_move(target_xz, target_heading, follow_xz, follow_heading) -> tuple[float, np.ndarray]:
    """The one rigid floor move (yaw, shift) that brings the follower's frames nearest the target frames: the
    circular mean of the heading differences, then the mean of the pelvis differences."""
    d = target_heading - follow_heading
    yaw = float(np.arctan2(np.sin(d).mean(), np.cos(d).mean()))
    return yaw, (target_xz - _rotate(follow_xz, yaw)).mean(axis=0)


def push_apart(lead: Trajectories, follow: Motion, margin: float, *, sigma: float, rounds: int = 4) -> Motion:
    """The follower shifted away from the lead along the line between their pelvises wherever their cores come
    closer than ``margin`` (m), by the shortfall widened and smoothed over ``sigma`` frames (no jolt)."""
    for _ in range(rounds):
        traj = follow.trajectories()
        gap = body_gap(lead, traj)
        short = np.maximum(margin * 1.25 - gap, 0.0)
        if not (gap < margin).any():
            break
        width = int(2 * sigma) + 1
        padded = np.pad(short, width, mode="edge")
        wide = np.lib.stride_tricks.sliding_window_view(padded, 2 * width + 1).max(axis=1)
        amount = gaussian_filter1d(wide, sigma) * 1.5
        frames = min(lead.frame_count, traj.frame_count)
        away = traj.part(B.PELVIS)[:frames, [0, 2]] - lead.part(B.PELVIS)[:frames, [0, 2]]
        away = gaussian_filter1d(away.astype(np.float64), sigma, axis=0)
        away /= np.maximum(np.linalg.norm(away, axis=1, keepdims=True), 1e-9)
        shift = np.zeros((follow.frame_count, 2))
        shift[:frames] = away * amount[:frames, None]
        follow = moved(follow, np.zeros(follow.frame_count), shift)
    return follow


def place(follow: Motion, lead: Trajectories, grid: BeatGrid, placement: Placement, *,
          height: float | None = None) -> Motion:
    """The follower's decoded motion carried, bar by bar, to the learned place beside the lead: one rigid floor
    move per bar of ``grid`` (what brings the bar's frames nearest the placement's target there), the moves
    smoothed across bar lines over a quarter of a bar, then pushed apart where the bodies come too close; on the
    lead's floor (``floor_height``). Both at one rate, frame 0 at the grid's time 0."""
    from laban.bvh import standing_height

    height = height or standing_height(lead.skeleton)
    frames = min(follow.frame_count, lead.frame_count)
    follow = Motion(follow.skeleton, follow.rotations[:frames], follow.translations[:frames], follow.fps)
    lead = Trajectories(lead.skeleton, lead.positions[:frames], lead.fps)
    beat = 60.0 / grid.tempo
    lead_xz, lead_heading = floor_frame(lead, HEADING_SMOOTHING * beat)
    traj = follow.trajectories()
    follow_xz, follow_heading = floor_frame(traj, HEADING_SMOOTHING * beat)
    rise = floor_height(lead) - floor_height(traj)  # onto the lead's floor
    target_xz, target_heading = _target(lead_xz, lead_heading, placement, height)
    beats = grid.seconds_to_beats(np.arange(frames) / follow.fps)
    bars = np.floor((beats - grid.downbeat) / grid.beats_per_bar).astype(int)
    sigma = 0.25 * grid.beats_per_bar * beat * follow.fps
    # turns are about the follower's own slow path (a bar's sigma), not the room's origin: a turn that changes
    # across a bar line then swings the body by its steps' reach, not by its distance from the origin
    pivot = gaussian_filter1d(follow_xz, 4 * sigma, axis=0)
    yaw, shift = np.zeros(frames), np.zeros((frames, 2))
    last = None
    for bar in np.unique(bars):
        rows = bars == bar
        y, s = _bar_move(target_xz[rows] - pivot[rows], target_heading[rows], follow_xz[rows] - pivot[rows],
                         follow_heading[rows])
        if last is not None:  # the same turn as the bar before, give or take whole turns
            y = last + float(wrap(y - last))
        yaw[rows], shift[rows], last = y, s, y
    yaw = gaussian_filter1d(yaw, sigma)
    shift = gaussian_filter1d(shift, sigma, axis=0)
    follow = moved(follow, yaw, shift + pivot - _rotate(pivot, yaw), rise)
    return push_apart(lead, follow, placement.margin * height, sigma=0.25 * beat * follow.fps)


def figures(lead: Trajectories, follow: Trajectories, placement: Placement, height: float | None = None) -> dict:
    """Per duet: shares of frames whose partners' distance, relative facing, and both, lie inside the training
    pairs' 5th-95th percentile bands; the least gap between the bodies' cores and the share of frames whose gap
    is above the margin (all lengths scaled by the lead's standing height)."""
    from laban.bvh import standing_height

    height = height or standing_height(lead.skeleton)
    r = relation(lead, follow)
    distance = r["distance"] / height
    facing = np.abs(r["facing"])
    d_in = (distance >= placement.distance[0]) & (distance <= placement.distance[2])
    f_in = (facing >= placement.relative_facing[0]) & (facing <= placement.relative_facing[2])
    gap = r["gap"] / height
    return {"frames": int(len(distance)), "distance_in_band": float(d_in.mean()), "facing_in_band": float(f_in.mean()),
            "both_in_band": float((d_in & f_in).mean()), "least_gap": float(gap.min()),
            "gap_above_margin": float((gap > placement.margin).mean())}


@dataclass
class Reflex:
    """What a live follower does frame by frame as the lead's frames arrive (a bar planned a bar ahead cannot know
    where the lead will be): keeps its place beside the lead (``placement``: the planned motion's floor position
    drawn toward the learned place beside the lead's pelvis and facing, each smoothed over ``track`` frames, an
    exponential follow), and wherever the bodies' cores come closer than ``margin`` (m), or the pelvises closer
    than real couples' do (the placement's distance band), gives way at once, away from the lead, coming back
    over ``release`` frames. Causal: each frame uses only the frames up to it, so a
    piece given in several calls moves as in one."""

    margin: float
    release: float
    placement: Placement | None = None
    height: float = 1.0
    track: float = 1.0
    offset: np.ndarray = field(default_factory=lambda: np.zeros(2))
    anchor: np.ndarray = field(default_factory=lambda: np.zeros(2))
    facing: np.ndarray | None = None

    def frames(self, lead: Trajectories, follow: Motion) -> Motion:
        """``follow``'s frames moved, the lead's frames of the same instants given (one rate)."""
        frames = min(lead.frame_count, follow.frame_count)
        follow = Motion(follow.skeleton, follow.rotations[:frames], follow.translations[:frames], follow.fps)
        traj = follow.trajectories()
        lead = Trajectories(lead.skeleton, lead.positions[:frames], lead.fps)
        p0, p1 = _segments(lead, frames)
        q0, q1 = _segments(traj, frames)
        lead_xz, heading = floor_frame(lead)
        follow_xz = traj.part(B.PELVIS)[:frames, [0, 2]]
        ahead = _front(heading)
        keep, hold = np.exp(-1.0 / max(self.release, 1.0)), np.exp(-1.0 / max(self.track, 1.0))
        # no nearer than real couples come (the band's low end, with a little room), when the placement is known
        closest_place = 0.0 if self.placement is None else 1.1 * self.placement.distance[0] * self.height
        shift = np.zeros((frames, 2))
        for t in range(frames):  # a few core bones a frame: the loop is over frames only because it is causal
            if self.placement is not None:
                unit = np.array([np.sin(heading[t]), np.cos(heading[t])])
                self.facing = unit if self.facing is None else hold * self.facing + (1 - hold) * unit
                place, _ = _target(lead_xz[t], np.arctan2(self.facing[0], self.facing[1]), self.placement,
                                   self.height)
                self.anchor = hold * self.anchor + (1 - hold) * (place - follow_xz[t])
            self.offset = self.offset * keep
            for attempt in range(12):
                total = self.anchor + self.offset
                lift = np.array([total[0], 0.0, total[1]])
                closest = segment_closest(p0[t][:, None], p1[t][:, None], (q0[t] + lift)[None], (q1[t] + lift)[None])
                gaps = np.linalg.norm(closest, axis=-1)
                short = self.margin * 1.25 - gaps.min()
                line = follow_xz[t] + total - lead_xz[t]
                near = closest_place - np.linalg.norm(line)
                if short <= 0 and near <= 0:
                    break
                away = closest.reshape(-1, 3)[int(gaps.argmin())][[0, 2]]
                if near > short or attempt >= 4 or np.linalg.norm(away) < 0.2 * gaps.min() + 1e-3:
                    away, short = line, max(short, near)  # too near, or entangled: along the pelvises
                if np.linalg.norm(away) < 1e-3:  # one inside the other: in front of the lead, where couples stand
                    away = ahead[t]
                self.offset = self.offset + away / max(np.linalg.norm(away), 1e-9) * short
            shift[t] = self.anchor + self.offset
        return moved(follow, np.zeros(frames), shift)
