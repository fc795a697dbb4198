"""Joint positions as plain arrays in an ``.npz`` file, for motion that comes as positions rather than rotations
(pose estimators, other capture systems, our own Kinect reads).

Keys: ``positions`` (T, J, 3) in metres, y up, within ``LARGEST_POSITION`` of the origin; ``names`` (J,)
unicode; ``parents`` (J,) integers, -1 for the root, each parent before its children; ``fps`` a scalar within
``laban.limits.FRAME_RATES``. Files are loaded without pickles, so an ``.npz`` from anywhere is safe to open, and
written atomically, so an interrupted write never leaves half a file.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from .bodyparts import recognise
from .bvh import check_frame_rate
from .errors import MotionFileError, SkeletonError
from .files import atomic_path
from .motion import Trajectories
from .skeleton import Skeleton

KEYS = ("positions", "names", "parents", "fps")
# Metres from the origin beyond which a position is no body's (100 km, the BVH reader's limit of 1e7 in its
# smallest unit, centimetres): positions in millimetres or a damaged file, refused before they reach a score.
LARGEST_POSITION = 1e5


def read_joint_arrays(path: str | Path) -> Trajectories:
    """Trajectories from an ``.npz`` of joint positions; body parts are recognised when the joint names allow it
    (otherwise ``laban.bodyparts.recognised(skeleton, mapping)`` names them)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [key for key in KEYS if key not in data.files]
            if missing:
                raise MotionFileError(path, f"missing array(s) {', '.join(missing)}; an .npz of joint positions "
                                            f"holds {', '.join(KEYS)}")
            positions, names, parents, fps = (data[key] for key in KEYS)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        if isinstance(error, MotionFileError):
            raise
        raise MotionFileError(path, f"not a readable .npz of joint arrays ({error})") from None
    _check(path, positions, names, parents, fps)
    skeleton = skeleton_from_positions([str(n) for n in names], parents, positions)
    return Trajectories(skeleton, positions.astype(np.float64), float(fps))


def write_joint_arrays(trajectories: Trajectories, path: str | Path) -> None:
    """Write trajectories as an ``.npz`` (through a temporary file in the same folder, then renamed over ``path``)."""
    path = Path(path)
    positions = np.asarray(trajectories.positions, dtype=np.float64)
    if not np.isfinite(positions).all():
        raise ValueError("positions must be finite to be written")
    with atomic_path(path) as temporary, open(temporary, "wb") as f:
        np.savez(f, positions=positions, names=np.array(trajectories.skeleton.names, dtype=str),
                 parents=np.asarray(trajectories.skeleton.parents, dtype=np.int64), fps=np.float64(trajectories.fps))


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


def _check(path: Path, positions: np.ndarray, names: np.ndarray, parents: np.ndarray, fps: np.ndarray) -> None:
    """MotionFileError unless the arrays have the shapes and values the keys promise, and agree with each other."""
    if positions.dtype.kind not in "fiu" or positions.ndim != 3 or positions.shape[2] != 3 or not positions.size:
        raise MotionFileError(path, f"positions must be numbers shaped (frames, joints, 3), not {positions.dtype} "
                                    f"{positions.shape}")
    joints = positions.shape[1]
    if names.dtype.kind != "U" or names.shape != (joints,):
        raise MotionFileError(path, f"names must be {joints} strings (one per joint), not {names.dtype} {names.shape}")
    if len(set(names.tolist())) != joints:
        raise MotionFileError(path, "joint names must be unique")
    if parents.dtype.kind not in "iu" or parents.shape != (joints,):
        raise MotionFileError(path, f"parents must be {joints} integers (one per joint), not {parents.dtype} "
                                    f"{parents.shape}")
    if np.any((parents < -1) | (parents >= np.arange(joints))):
        raise MotionFileError(path, "parents must name each joint's parent before the joint (-1 for the root)")
    if fps.dtype.kind not in "fiu" or fps.size != 1 or not np.isfinite(fps).all() or float(fps) <= 0:
        raise MotionFileError(path, f"fps must be one positive number, not {fps.tolist()}")
    check_frame_rate(path, float(fps), f"fps is {float(fps):g}")
    bad = np.argwhere(~np.isfinite(positions))
    if len(bad):
        frame, joint, _ = bad[0]
        raise MotionFileError(path, f"positions are not finite (NaN or infinite) in {len(bad)} value(s), first at "
                                    f"frame {frame}, joint {names[joint]}")
    far = np.argwhere(np.abs(positions) > LARGEST_POSITION)
    if len(far):
        frame, joint, _ = far[0]
        raise MotionFileError(path, f"positions are out of range (beyond ±{LARGEST_POSITION:g} m: no body's; they "
                                    f"are in metres) in {len(far)} value(s), first at frame {frame}, joint "
                                    f"{names[joint]}")
