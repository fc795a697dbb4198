"""Read any motion the package understands, chosen by the file's suffix."""

from __future__ import annotations

from pathlib import Path

from .arrays import read_joint_arrays
from .bodyparts import recognised
from .bvh import check_frame_rate, read_bvh
from .errors import MotionFileError
from .kinect import read_kinect_csv
from .motion import Motion, Trajectories


def read_motion(path: str | Path, scale: float | None = None, frame_rate: float | None = None,
                max_fps: float | None = None, mapping: dict[str, str] | None = None) -> Motion | Trajectories:
    """A BVH file (rotations), a skeleton CSV (Kinect v1/v2, Azure Kinect, MediaPipe Pose: ``laban.kinect``) or an
    ``.npz`` of joint positions (``laban.arrays``); the last two give trajectories.

    ``frame_rate`` corrects a file's own frame rate (within ``laban.limits.FRAME_RATES``, as a file's must be);
    ``max_fps`` lets a BVH reader skip frames it need not parse. ``mapping`` ({part: joint name}, the command
    line's ``--map``) names body parts the skeleton's names do not say, or says better
    (``laban.bodyparts.recognised``): every command that reads motion takes it.
    """
    motion = _read(Path(path), scale, frame_rate, max_fps)
    if mapping:
        recognised(motion.skeleton, mapping)
    return motion


def _read(path: Path, scale: float | None, frame_rate: float | None, max_fps: float | None) -> Motion | Trajectories:
    if not path.is_file():
        raise MotionFileError(path, "no such file")
    if frame_rate is not None:  # every format's, as read_bvh checks its own: an npz took any rate as it was
        check_frame_rate(path, frame_rate, f"the frame rate given is {frame_rate:g}")
    suffix = path.suffix.lower()
    if suffix == ".bvh":
        return read_bvh(path, scale=scale, frame_rate=frame_rate, max_fps=max_fps)
    if suffix == ".csv":
        return read_kinect_csv(path, fps=frame_rate)
    if suffix == ".npz":
        return read_joint_arrays(path, fps=frame_rate)
    if suffix == ".npy":
        raise MotionFileError(path, "an .npy holds positions without their joints' names: save them in an .npz with "
                                    "names and fps (np.savez(path, positions=..., names=..., fps=...); laban.arrays)")
    raise MotionFileError(path, f"unknown motion format '{suffix}' (expected .bvh, .csv (a skeleton CSV: Kinect, "
                                f"Azure Kinect, MediaPipe Pose) or .npz (joint positions))")
