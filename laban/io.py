"""Read any motion the package understands, chosen by the file's suffix."""

from __future__ import annotations

from pathlib import Path

from .arrays import read_joint_arrays
from .bvh import read_bvh
from .errors import MotionFileError
from .kinect import read_kinect_csv
from .motion import Motion, Trajectories


def read_motion(path: str | Path, scale: float | None = None, frame_rate: float | None = None,
                max_fps: float | None = None) -> Motion | Trajectories:
    """A BVH file (rotations), a Kinect v2 CSV or an ``.npz`` of joint positions (trajectories).

    ``frame_rate`` corrects a file's own frame rate; ``max_fps`` lets a BVH reader skip frames it need not parse.
    """
    path = Path(path)
    if not path.is_file():
        raise MotionFileError(path, "no such file")
    suffix = path.suffix.lower()
    if suffix == ".bvh":
        return read_bvh(path, scale=scale, frame_rate=frame_rate, max_fps=max_fps)
    if suffix == ".csv":
        return read_kinect_csv(path, fps=frame_rate)
    if suffix == ".npz":
        motion = read_joint_arrays(path)
        motion.fps = frame_rate or motion.fps
        return motion
    raise MotionFileError(path, f"unknown motion format '{suffix}' (expected .bvh, .csv (Kinect v2) or .npz)")
