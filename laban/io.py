"""Read any motion the package understands, chosen by the file's suffix (and, for ``.json``, by its content); and
which files are motion (``is_motion_file``), for every command and recipe that searches a folder.

This module imports the readers only when it reads: the command line asks which files are motion at each start.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .errors import MotionFileError

if TYPE_CHECKING:
    from .motion import Motion, Trajectories

# The suffixes of the files the readers read: BVH, a skeleton CSV (laban.kinect), joint positions (laban.arrays),
# Azure Kinect Body Tracking JSON (laban.azure). A .json or a .csv is motion only when its content says so.
MOTION_SUFFIXES = (".bvh", ".csv", ".npz", ".json")
# Files with a motion suffix that are never a take: a corpus folder's manifest (``motiongpt corpus build``) read as
# a Kinect capture stopped whole batches in one line about 101 comma-separated values.
NOT_MOTION = ("manifest.csv",)


def is_motion_file(path: str | Path, named: bool = False) -> bool:
    """Whether a file is one the readers read: its suffix, and a ``.json``'s content (body tracking, not a score
    or a prompt; a .json that cannot be read is not) and a ``.csv``'s first lines (a skeleton capture, not notes,
    descriptions or a manifest: ``laban.kinect.is_skeleton_csv``); a manifest is not.

    ``named``: a file the user named (on the command line), not one found in a folder. A .csv is then motion by
    its suffix, so that reading it says in one line what a capture lacks, where a score's reader would say less."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in MOTION_SUFFIXES or (path.name.lower() in NOT_MOTION and not named):
        return False
    if suffix == ".json":
        from .azure import is_body_tracking

        return is_body_tracking(path)
    if suffix == ".csv" and not named:
        from .kinect import is_skeleton_csv

        return is_skeleton_csv(path)
    return True


def read_motion(path: str | Path, scale: float | None = None, frame_rate: float | None = None,
                max_fps: float | None = None, mapping: dict[str, str] | None = None) -> Motion | Trajectories:
    """A BVH file (rotations), a skeleton CSV (Kinect v1/v2, Azure Kinect, MediaPipe Pose: ``laban.kinect``), an
    ``.npz`` of joint positions (``laban.arrays``) or Azure Kinect Body Tracking JSON (``laban.azure``); all but
    the first give trajectories.

    ``frame_rate`` corrects a file's own frame rate (within ``laban.limits.FRAME_RATES``, as a file's must be);
    ``max_fps`` lets a BVH reader skip frames it need not parse. ``scale`` (a BVH's metres per file unit, the
    command line's ``--scale``) must make a dancer's height (``laban.bvh.check_scale``); positions have none.
    ``mapping`` ({part: joint name}, the command line's ``--map``) names body parts the skeleton's names do not
    say, or says better (``laban.bodyparts.recognised``): every command that reads motion takes it.
    """
    motion = _read(Path(path), scale, frame_rate, max_fps)
    if mapping:
        from .bodyparts import recognised

        recognised(motion.skeleton, mapping)
    return motion


def _read(path: Path, scale: float | None, frame_rate: float | None, max_fps: float | None) -> Motion | Trajectories:
    from .bvh import check_frame_rate

    if not path.is_file():
        raise MotionFileError(path, "no such file")
    if frame_rate is not None:  # every format's, as read_bvh checks its own: an npz took any rate as it was
        check_frame_rate(path, frame_rate, f"the frame rate given is {frame_rate:g}")
    suffix = path.suffix.lower()
    if suffix == ".bvh":
        from .bvh import check_scale, read_bvh

        motion = read_bvh(path, scale=scale, frame_rate=frame_rate, max_fps=max_fps)
        if scale is not None:
            check_scale(path, motion.skeleton, scale)
        return motion
    if scale is not None:  # (it was left unused without a word)
        raise MotionFileError(path, f"a scale is a BVH file's units: the units of joint positions ({suffix}) are "
                                    f"read from the body (metres, centimetres or millimetres)")
    if suffix == ".csv":
        from .kinect import read_kinect_csv

        return read_kinect_csv(path, fps=frame_rate)
    if suffix == ".npz":
        from .arrays import read_joint_arrays

        return read_joint_arrays(path, fps=frame_rate)
    if suffix == ".json":
        from .azure import is_body_tracking, read_azure_json

        if not is_body_tracking(path):
            raise MotionFileError(path, "not motion: a .json is read as Azure Kinect Body Tracking (frames[].bodies[]"
                                        ".joint_positions); a score's JSON is read by the commands that take a score")
        return read_azure_json(path, fps=frame_rate)
    if suffix == ".npy":
        raise MotionFileError(path, "an .npy holds positions without their joints' names: save them in an .npz with "
                                    "names and fps (np.savez(path, positions=..., names=..., fps=...); laban.arrays)")
    raise MotionFileError(path, f"unknown motion format '{suffix}' (expected .bvh, .csv (a skeleton CSV: Kinect, "
                                f"Azure Kinect, MediaPipe Pose), .npz (joint positions) or .json (Azure Kinect Body "
                                f"Tracking))")
