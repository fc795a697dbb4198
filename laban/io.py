"""Read any motion the package understands, chosen by the file's suffix."""

from __future__ import annotations

from pathlib import Path

from .arrays import read_joint_arrays
from .bvh import read_bvh
from .errors import MotionFileError
from .kinect import read_kinect_csv
from .motion import Motion, Trajectories


def read_motion(path: str | Path, scale: float | None = None) -> Motion | Trajectories:
    """A BVH file (rotations), a Kinect v2 CSV or an ``.npz`` of joint positions (trajectories)."""
    path = Path(path)
    if not path.is_file():
        raise MotionFileError(path, "no such file")
    suffix = path.suffix.lower()
    if suffix == ".bvh":
        return read_bvh(path, scale=scale)
    if suffix == ".csv":
        return read_kinect_csv(path)
    if suffix == ".npz":
        return read_joint_arrays(path)
    raise MotionFileError(path, f"unknown motion format '{suffix}' (expected .bvh, .csv (Kinect v2) or .npz)")
