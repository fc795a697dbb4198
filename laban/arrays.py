"""Joint positions as plain arrays in an ``.npz`` file, for motion that comes as positions rather than rotations
(pose estimators, other capture systems, our own Kinect reads); and what every reader of positions does with them
(``trajectories_from_positions``).

Keys: ``positions`` (T, J, 3); ``names`` (J,) unicode; ``parents`` (J,) integers, -1 for the root, each parent
before its children, which may be left out when the names are a layout ``laban.layouts`` knows (Kinect v1/v2,
Azure Kinect, SMPL, MediaPipe Pose); ``fps`` a scalar within ``laban.limits.FRAME_RATES``, which may be left out
when the reader is given one. Files are loaded without pickles, so an ``.npz`` from anywhere is safe to open, and
written atomically, so an interrupted write never leaves half a file.

Positions need not be in metres, y up: a figure whose joints' names say where its head and feet are is turned
upright (z up as AMASS writes SMPL joints, y down as MediaPipe and Azure Kinect write theirs) and put in metres
(from millimetres or centimetres), both read from the body itself; and levelled where the camera was tilted
(``_levelled``: the floor is the plane the feet stand on over the take). A joint that tracking lost (NaN
positions, or a Kinect state 0) is filled in between the frames around it for up to ``MAX_GAP``; a body part lost
for longer is refused, and a joint never seen that is no body part (a thumb, a hand tip, an eye) is left out.

Positions centred on the hips in every frame (MediaPipe's world landmarks, the only 3-D positions most MediaPipe
tools export; a body model's joints without its translation) hold no travel: it is read from the planted feet
(the lower foot stays where it is on the floor, so the body moves as it slips back under the hips), which gives a
walk's steps their direction and length, and a warning says so; a jump's rise and a slide are lost.

Not read: a body model's parameters (AMASS ``poses``, ``trans``, ``betas``), which need the model (``smplx``) to
give joint positions; an ``.npy``, which has no names.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import numpy as np

from .bodyparts import label, named_parts, recognise
from .bvh import check_frame_rate, standing_height
from .errors import MotionFileError, SkeletonError
from .files import atomic_path
from .layouts import layout_of
from .motion import Trajectories
from .skeleton import BodyPart, Skeleton

KEYS = ("positions", "names", "parents", "fps")
# Metres from the origin beyond which a position is no body's (100 km, the BVH reader's limit of 1e7 in its
# smallest unit, centimetres): a damaged file, refused before it reaches a score.
LARGEST_POSITION = 1e5
# The longest time (s) a joint may go unseen, tracking lost or frames dropped, and be filled in between the frames
# around it: a step takes about half a second, so a longer gap in a leg would invent the steps it hides.
MAX_GAP = 1.0
# The units positions come in, tried in order: the first that makes the body's height (joint centres, ankle to
# head, as if standing straight) one of BODY_HEIGHT is the file's. A measured body, not a rig: no inches, no CMU
# units; and the span is narrower than a factor of ten, so that one unit fits at most.
POSITION_UNITS = {"metres": 1.0, "centimetres": 0.01, "millimetres": 0.001}
BODY_HEIGHT = (0.5, 3.0)
# Metres within which a pelvis at the origin in every frame is pinned there: positions relative to the hips.
CENTRED = 1e-3
# How nearly the way from the feet to the head must lie along one of the file's axes for that axis to be up.
UPRIGHT = np.cos(np.radians(35.0))
# Levelling the floor of a tilted camera (``_levelled``): the floor's patches (m); the least spread of the floor's
# points along a way (twice their standard deviation, m: about a metre of travel) for its slope along it to be
# read; and the tilts (radians) left as they are: under two degrees (a level camera's floor, read as it was: CMU's
# walks fit within 1.3°), and over UPRIGHT's 35° (no camera's tilt: the up axis was misread).
LEVEL_CELL = 0.25
LEVEL_ABOVE = 0.025  # m above the fitted floor (beyond the median point's) that a cell's lowest point is no floor
LEVEL_SPREAD = 0.6
LEVEL_LEAST = np.radians(2.0)
LEVEL_MOST = np.radians(35.0)
_SOLES = (BodyPart.FOOT_LEFT, BodyPart.FOOT_RIGHT, BodyPart.TOES_LEFT, BodyPart.TOES_RIGHT)


def read_joint_arrays(path: str | Path, fps: float | None = None) -> Trajectories:
    """Trajectories from an ``.npz`` of joint positions; body parts are recognised when the joint names allow it
    (otherwise ``laban.bodyparts.recognised(skeleton, mapping)`` names them). ``fps`` replaces the file's rate
    (which may then be left out)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in KEYS if key in data.files}
            files = set(data.files)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise MotionFileError(path, f"not a readable .npz of joint arrays ({error})") from None
    _missing(path, files, fps)
    positions, names = arrays["positions"], arrays["names"]
    given = arrays.get("fps") if fps is None else np.float64(fps)
    _check(path, positions, names, arrays.get("parents"), given)
    names = [str(n) for n in names]
    if "parents" in arrays:
        parents = arrays["parents"]
    else:
        try:
            names, parents, positions = layout_of(names).arranged(names, positions)
        except ValueError as error:
            raise MotionFileError(path, str(error)) from None
    return trajectories_from_positions(path, names, parents, positions.astype(np.float64), float(given))


def _missing(path: Path, files: set[str], fps: float | None) -> None:
    """MotionFileError naming what an .npz lacks, and what it holds instead where that says what it is."""
    if {"poses", "trans"} <= files and "positions" not in files:
        raise MotionFileError(path, "holds a body model's parameters (poses, trans: SMPL/AMASS), not joint positions; "
                                    "run the body model (e.g. smplx) and save its joints as positions (T, J, 3) with "
                                    "SMPL's joint names (laban.layouts.SMPL)")
    needed = ["positions", "names"] + ([] if fps is not None else ["fps"])
    missing = [key for key in needed if key not in files]
    if missing:
        instead = f" (it holds {', '.join(sorted(files))})" if files else ""
        raise MotionFileError(path, f"missing array(s) {', '.join(missing)}{instead}; an .npz of joint positions "
                                    f"holds {', '.join(KEYS)} (parents may be left out for a known layout's names)")


def write_joint_arrays(trajectories: Trajectories, path: str | Path) -> None:
    """Write trajectories as an ``.npz`` (through a temporary file in the same folder, then renamed over ``path``)."""
    path = Path(path)
    positions = np.asarray(trajectories.positions, dtype=np.float64)
    if not np.isfinite(positions).all():
        raise ValueError("positions must be finite to be written")
    with atomic_path(path) as temporary, open(temporary, "wb") as f:
        np.savez(f, positions=positions, names=np.array(trajectories.skeleton.names, dtype=str),
                 parents=np.asarray(trajectories.skeleton.parents, dtype=np.int64), fps=np.float64(trajectories.fps))


def trajectories_from_positions(path: str | Path, names: list[str] | tuple[str, ...], parents: np.ndarray,
                                positions: np.ndarray, fps: float, seen: np.ndarray | None = None,
                                times: np.ndarray | None = None, at: np.ndarray | None = None) -> Trajectories:
    """Trajectories from a file's positions (T, J, 3) in its own units and axes, what every reader of positions
    gives: joints never ``seen`` (T, J) that are no body part left out, the rest filled in where unseen
    (``MAX_GAP``) and sampled at ``at`` (seconds; default ``times``, the frames' own, default ``arange(T) / fps``),
    the figure turned upright and put in metres. ``seen`` defaults to where the positions are not NaN."""
    _check_range(path, positions, names)
    seen = ~np.isnan(positions).any(axis=-1) if seen is None else seen
    times = np.arange(len(positions)) / fps if times is None else times
    names, parents, positions, seen = _without_unseen_joints(path, list(names), np.asarray(parents), positions, seen)
    positions = _filled(path, names, positions, seen, times, times if at is None else at)
    positions = _upright_in_metres(names, parents, positions)
    skeleton = skeleton_from_positions(names, parents, positions)
    pelvis = skeleton.parts.get(BodyPart.PELVIS)
    if pelvis is not None and len(positions) > 1 and np.abs(positions[:, pelvis]).max() < CENTRED:
        positions = _travelling(skeleton, positions)
    return Trajectories(skeleton, positions, float(fps))


def _travelling(skeleton: Skeleton, positions: np.ndarray) -> np.ndarray:
    """Positions centred on the hips in every frame (MediaPipe's world landmarks, a body model's joints without its
    translation) given back the travel their planted feet say: frame to frame the body moves over the floor as
    its lower foot moves back under it, as a notator reads a step from where the foot goes. What no foot says is
    lost (a jump's rise, a slide, travel with both feet off the floor), and a warning says so. Without feet, or
    without the parts to tell which is lower, the body stays in place, as the warning says too."""
    parts = skeleton.parts
    sides = [[parts[p] for p in side if p in parts] for side in ((BodyPart.FOOT_LEFT, BodyPart.TOES_LEFT),
                                                                 (BodyPart.FOOT_RIGHT, BodyPart.TOES_RIGHT))]
    said = "positions centred on the hips (no travel of their own)"
    if not all(sides):
        warnings.warn(f"{said}: read in place, without travel", stacklevel=4)
        return positions
    soles = np.stack([positions[:, side, 1].min(axis=1) for side in sides], axis=1)  # (T, 2)
    feet = np.stack([positions[:, side].mean(axis=1) for side in sides], axis=1)  # (T, 2, 3)
    planted = np.argmin(soles, axis=1)  # the lower foot carries the body
    frames = np.arange(1, len(positions))
    moved = feet[frames, planted[1:]] - feet[frames - 1, planted[1:]]  # the planted foot's slip under the hips
    travel = np.zeros((len(positions), 3))
    travel[1:, [0, 2]] = -np.cumsum(moved[:, [0, 2]], axis=0)
    warnings.warn(f"{said}: travel read from the planted feet (a jump's rise and slides are lost)", stacklevel=4)
    return positions + travel[:, None, :]


def _without_unseen_joints(path, names: list[str], parents: np.ndarray, positions: np.ndarray,
                           seen: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Leave out the joints never seen that are no body part (a thumb, a hand tip, an eye: the recorder had no
    view of them) when nothing seen hangs from them; refuse the others, which the score needs or which carry it."""
    never = ~seen.any(axis=0)
    if not never.any():
        return names, parents, positions, seen
    carries = np.zeros(len(names), dtype=bool)  # joints with a joint seen at or below them
    for j in range(len(names) - 1, -1, -1):
        carries[j] |= not never[j]
        if parents[j] >= 0:
            carries[parents[j]] |= carries[j]
    needed = [names[j] for j in np.flatnonzero(never) if carries[j] or label(names[j]).parts]
    if needed:
        raise MotionFileError(path, f"joint(s) never tracked (unseen in every frame): {', '.join(needed)}")
    kept = np.flatnonzero(~never)
    renumbered = np.cumsum(~never) - 1
    kept_parents = np.where(parents[kept] < 0, -1, renumbered[np.maximum(parents[kept], 0)])
    return [names[j] for j in kept], kept_parents, positions[:, kept], seen[:, kept]


def _filled(path, names: list[str], positions: np.ndarray, seen: np.ndarray, times: np.ndarray,
            at: np.ndarray) -> np.ndarray:
    """Positions (len(at), J, 3), each joint interpolated at ``at`` from the frames where it is seen. A body part
    unseen for longer than ``MAX_GAP`` (the ends of the take included) is refused, naming where; a joint that is
    no body part is filled in however long."""
    out = np.empty((len(at),) + positions.shape[1:])
    for j in range(positions.shape[1]):  # a loop over joints, not frames
        when = times[seen[:, j]]
        if label(names[j]).parts:
            gaps = np.diff(np.concatenate([[times[0]], when, [times[-1]]]))
            gaps[1:-1] -= 1e-9  # a gap is the time between the frames seen around it
            if gaps.max() > MAX_GAP:
                k = int(np.argmax(gaps))
                start = times[0] if k == 0 else when[k - 1]
                raise MotionFileError(path, f"{names[j]} is not tracked for {gaps[k]:.2f} s from {start:.2f} s: a "
                                            f"gap longer than {MAX_GAP:g} s cannot be filled in (cut the take there)")
        for axis in range(3):
            out[:, j, axis] = np.interp(at, when, positions[seen[:, j], j, axis])
    return out


def _upright_in_metres(names: list[str], parents: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Positions turned so that the head is above the feet along +y, and in metres, where the joints' names say
    where the head and feet are; otherwise as they are (metres, y up, as the docs ask).

    Up is the file's axis nearest the median way from the feet to the head (within ``UPRIGHT``): a take spent
    lying down keeps the file's axes. The turn is a rotation (never a mirror, which would swap the performer's
    sides): the quarter turn that brings that axis up, or half a turn about z for y down (a camera's depth stays
    its z, as a Kinect's is)."""
    skeleton = Skeleton(names, parents, _rest_offsets(positions - positions[:, np.maximum(parents, 0)]))
    parts = named_parts(skeleton)
    feet = [parts[p] for p in (BodyPart.FOOT_LEFT, BodyPart.FOOT_RIGHT) if p in parts]
    if BodyPart.HEAD not in parts or not feet:
        return positions
    up = np.median(positions[:, parts[BodyPart.HEAD]] - positions[:, feet].mean(axis=1), axis=0)
    axis = int(np.argmax(np.abs(up)))
    turn = np.eye(3)
    if abs(up[axis]) >= UPRIGHT * np.linalg.norm(up) and not (axis == 1 and up[1] > 0):
        if axis == 1:
            turn = np.diag([-1.0, -1.0, 1.0])
        else:
            pivot = np.cross(np.sign(up[axis]) * np.eye(3)[axis], [0.0, 1.0, 0.0])
            cross = np.array([[0.0, -pivot[2], pivot[1]], [pivot[2], 0.0, -pivot[0]], [-pivot[1], pivot[0], 0.0]])
            turn = np.eye(3) + cross + cross @ cross  # a quarter turn about the pivot (Rodrigues)
        positions = positions @ turn.T
    skeleton.offsets = skeleton.offsets @ turn.T
    height = standing_height(skeleton)
    factor = next((f for f in POSITION_UNITS.values() if BODY_HEIGHT[0] <= height * f <= BODY_HEIGHT[1]), 1.0)
    positions = positions * factor if factor != 1.0 else positions
    return _levelled(positions, [parts[p] for p in _SOLES if p in parts])


def _levelled(positions: np.ndarray, soles: list[int]) -> np.ndarray:
    """Positions turned so that the floor the feet stand on is level: a camera on a tripod tilted down by 10-20°
    leaves its floor sloping along its depth, and a take walked towards it reads as a climb (the heights of the
    feet, and so the supports' levels, drift with the distance). The floor is a plane fitted to the lowest point
    each foot joint (``soles``) reaches in each ``LEVEL_CELL`` of the floor over the take, each joint at its own
    height above it (an ankle is higher than the toes); its slope is read only along the ways the feet travel
    ``LEVEL_SPREAD`` or more (a take danced on one spot says nothing of a tilt), and a tilt under ``LEVEL_LEAST``
    is left as it is. The turn is the least rotation that makes the floor's normal up (it keeps the facing)."""
    if not soles or len(positions) < 2:
        return positions
    points = []  # (x, y, z, joint)
    for k, j in enumerate(soles):
        xyz = positions[:, j]
        cells = np.floor(xyz[:, [0, 2]] / LEVEL_CELL).astype(np.int64)
        _, cell = np.unique(cells, axis=0, return_inverse=True)
        cell = cell.reshape(-1)
        order = np.lexsort((xyz[:, 1], cell))  # by cell, lowest first
        first = order[np.r_[True, np.diff(cell[order]) != 0]]
        points.append(np.column_stack([xyz[first], np.full(len(first), k)]))
    points = np.concatenate(points)
    flat = points[:, [0, 2]] - points[:, [0, 2]].mean(axis=0)
    spread, ways = np.linalg.eigh(np.cov(flat.T) if len(flat) > 2 else np.zeros((2, 2)))
    ways = ways[:, np.sqrt(np.maximum(spread, 0.0)) * 2 >= LEVEL_SPREAD]  # 2 standard deviations: the extent
    if not ways.shape[1]:
        return positions
    design = np.column_stack([flat @ ways, np.eye(len(soles))[points[:, 3].astype(int)]])
    kept = np.ones(len(points), dtype=bool)
    for _ in range(3):  # the floor is the lower envelope: a cell the foot only swung over lies above it
        fit = np.linalg.lstsq(design[kept], points[kept, 1], rcond=None)[0]
        above = points[:, 1] - design @ fit
        kept = above <= np.median(above[kept]) + LEVEL_ABOVE
    slope = ways @ fit[:ways.shape[1]]  # dy/dx, dy/dz
    if np.arctan(np.linalg.norm(slope)) < LEVEL_LEAST or np.arctan(np.linalg.norm(slope)) > LEVEL_MOST:
        return positions
    normal = np.array([-slope[0], 1.0, -slope[1]]) / np.sqrt(1.0 + slope @ slope)
    pivot = np.cross(normal, [0.0, 1.0, 0.0])
    sine, cosine = np.linalg.norm(pivot), normal[1]
    pivot /= sine
    cross = np.array([[0.0, -pivot[2], pivot[1]], [pivot[2], 0.0, -pivot[0]], [-pivot[1], pivot[0], 0.0]])
    turn = np.eye(3) + sine * cross + (1.0 - cosine) * cross @ cross  # Rodrigues: the normal onto +y
    return positions @ turn.T


def skeleton_from_positions(names: list[str] | tuple[str, ...], parents: np.ndarray, positions: np.ndarray) -> Skeleton:
    """A skeleton whose rest offsets are the bones as they typically are over the frames (the root's offset is
    zero, see ``_rest_offsets``); body parts recognised when the names allow it."""
    parents = np.asarray(parents, dtype=np.int64)
    offsets = _rest_offsets(positions - positions[:, np.maximum(parents, 0)])
    offsets[parents < 0] = 0.0
    skeleton = Skeleton(names, parents, offsets)
    try:
        skeleton.parts = recognise(skeleton)
    except SkeletonError:
        pass  # an unusual naming is for the user's mapping to settle, when the parts are needed
    return skeleton


def _rest_offsets(bones: np.ndarray) -> np.ndarray:
    """Each bone's rest vector (J, 3) from its vectors in every frame (T, J, 3): its median length along the
    direction of its per-axis median vector.

    The median vector alone is no rest bone: a forearm swinging through the take has medians of its components
    that add up to a few centimetres, which the body parts' check takes for a helper joint (a decoded dance's
    25 cm forearms were 4.3 cm). A bone pointing every way alike has no median direction; it keeps its direction
    in the frame nearest that median, a pose it was really in."""
    lengths = np.median(np.linalg.norm(bones, axis=-1), axis=0)
    median = np.median(bones, axis=0)
    nearest = np.linalg.norm(bones - median, axis=-1).argmin(axis=0)
    pointed = np.linalg.norm(median, axis=-1) > 1e-6 * lengths
    directions = np.where(pointed[:, None], median, bones[nearest, np.arange(bones.shape[1])])
    norms = np.linalg.norm(directions, axis=-1, keepdims=True)
    return np.divide(directions * lengths[:, None], norms, out=np.zeros(directions.shape), where=norms > 0)


def _check(path: Path, positions: np.ndarray, names: np.ndarray, parents: np.ndarray | None,
           fps: np.ndarray) -> None:
    """MotionFileError unless the arrays have the shapes and values the keys promise, and agree with each other."""
    if positions.dtype.kind not in "fiu" or positions.ndim != 3 or positions.shape[2] != 3 or not positions.size:
        raise MotionFileError(path, f"positions must be numbers shaped (frames, joints, 3), not {positions.dtype} "
                                    f"{positions.shape}")
    joints = positions.shape[1]
    if names.dtype.kind != "U" or names.shape != (joints,):
        raise MotionFileError(path, f"names must be {joints} strings (one per joint), not {names.dtype} {names.shape}")
    if len(set(names.tolist())) != joints:
        raise MotionFileError(path, "joint names must be unique")
    if parents is None:
        if layout_of(names.tolist()) is None:
            raise MotionFileError(path, "missing array parents, which only the joints of a known layout (Kinect v1/v2, "
                                        "Azure Kinect, SMPL, MediaPipe Pose: laban.layouts) may leave out; these "
                                        f"names are none's ({', '.join(names.tolist()[:4])}, ...)")
    elif parents.dtype.kind not in "iu" or parents.shape != (joints,):
        raise MotionFileError(path, f"parents must be {joints} integers (one per joint), not {parents.dtype} "
                                    f"{parents.shape}")
    elif np.any((parents < -1) | (parents >= np.arange(joints))):
        raise MotionFileError(path, "parents must name each joint's parent before the joint (-1 for the root)")
    if fps.dtype.kind not in "fiu" or fps.size != 1 or not np.isfinite(fps).all() or float(fps) <= 0:
        raise MotionFileError(path, f"fps must be one positive number, not {fps.tolist()}")
    check_frame_rate(path, float(fps), f"fps is {float(fps):g}")


def _check_range(path: str | Path, positions: np.ndarray, names) -> None:
    """Refuse infinite positions, and positions beyond ``LARGEST_POSITION`` in the file's units (metres at the
    largest): every reader of positions, so that a skeleton CSV's 1e300 is no score, as an npz's is not."""
    bad = np.argwhere(np.isinf(positions))  # NaN is a joint that tracking lost, filled in where it can be
    if len(bad):
        frame, joint, _ = bad[0]
        raise MotionFileError(path, f"positions are infinite in {len(bad)} value(s), first at frame {frame}, joint "
                                    f"{names[joint]}")
    far = np.argwhere(np.abs(positions) > LARGEST_POSITION)
    if len(far):
        frame, joint, _ = far[0]
        raise MotionFileError(path, f"positions are out of range (beyond ±{LARGEST_POSITION:g} m: no body's; they "
                                    f"are in metres at the largest) in {len(far)} value(s), first at frame {frame}, "
                                    f"joint {names[joint]}")
