"""Azure Kinect Body Tracking JSON: what Microsoft's ``offline_processor`` sample (and the recorders built on it)
writes from a recording.

    {"joint_names": ["PELVIS", ...], "bone_list": [["SPINE_NAVEL", "PELVIS"], ...], "start_offset_usec": ...,
     "frames": [{"timestamp_usec": 33333, "frame_id": 1, "num_bodies": 1,
                 "bodies": [{"body_id": 1, "joint_positions": [[x, y, z], ...],
                             "joint_orientations": [[w, x, y, z], ...]}]}, ...]}

Positions are the depth camera's (millimetres, y down, z away from the camera), read upright and in metres from
the body (``laban.arrays.trajectories_from_positions``); the joints are ``laban.layouts.AZURE_KINECT``'s, by
``joint_names`` where they name them, else in the SDK's joint order (32 a body). The orientations are left aside:
the score is read from positions. A per-joint confidence (``joint_confidence`` or ``confidence_levels``, as some
recorders add) of 0 is a joint not seen, filled in as a CSV's is. Timestamps are microseconds
(``timestamp_usec``, or ``timestamp_unix``); frames are resampled on regular ticks, as ``laban.kinect`` does.

The body read is the one seen in the most frames (a warning names the others), from the first frame it is seen
in to the last: a recording starts before its dancer walks into view. A frame where it is missing is a frame not
seen, filled in for up to ``laban.arrays.MAX_GAP``.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np

from .errors import MotionFileError
from .layouts import AZURE_KINECT, layout_of
from .motion import Trajectories

# What tells a body tracking JSON from any other (a score's, a prompt's), in the first bytes of the file: the keys
# a frame or a body has, wherever in the frame a recorder put them.
SNIFF_BYTES = 1 << 20
_BODY_KEYS = re.compile(rb'"(bodies|joint_positions)"\s*:')
_CONFIDENCE_KEYS = ("joint_confidence", "confidence_levels")
_TIME_KEYS = ("timestamp_usec", "timestamp_unix")
_MICROSECONDS = 1e6


def is_body_tracking(path: str | Path) -> bool:
    """Whether a ``.json`` file is body tracking (frames of bodies' joint positions), from its first bytes."""
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError:
        return False
    return _BODY_KEYS.search(head) is not None


def read_azure_json(path: str | Path, fps: float | None = None) -> Trajectories:
    """Trajectories of the body seen longest in an Azure Kinect Body Tracking JSON (the module docstring)."""
    from .kinect import timed

    path = Path(path)
    try:
        with open(path, encoding="utf-8-sig") as f:
            data = json.load(f)
    except OSError as error:
        raise MotionFileError(path, f"cannot read: {error.strerror or error}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise MotionFileError(path, f"not JSON ({' '.join(str(error).split())})") from None
    frames = data.get("frames") if isinstance(data, dict) else None
    if not isinstance(frames, list) or not all(isinstance(f, dict) and isinstance(f.get("bodies"), list)
                                               for f in frames):
        raise MotionFileError(path, "not body tracking: expected frames[].bodies[].joint_positions (Azure Kinect "
                                    "Body Tracking JSON, as its offline_processor writes it)")
    body, seen_in = _longest_seen(path, frames)
    first, last = seen_in[0], seen_in[-1]
    frames = frames[first:last + 1]
    names = _joint_names(path, data.get("joint_names"), len(body["joint_positions"]))
    positions = np.full((len(frames), len(names), 3), np.nan)
    for k, frame in enumerate(frames):
        found = next((b for b in frame["bodies"] if b.get("body_id") == body.get("body_id")), None)
        if found is not None:
            positions[k] = _joints(path, found, len(names), first + k)
    try:
        names, parents, positions = AZURE_KINECT.arranged(names, positions)
    except ValueError as error:
        raise MotionFileError(path, str(error)) from None
    stamps = _stamps(path, frames, fps)
    if stamps is None:
        from .arrays import trajectories_from_positions

        return trajectories_from_positions(path, names, parents, positions, fps)
    return timed(path, names, parents, positions, stamps, fps, lambda step: _MICROSECONDS)


def _longest_seen(path: Path, frames: list[dict]) -> tuple[dict, list[int]]:
    """The body seen in the most frames (one of its entries) and the frames it is seen in; a warning names the
    other bodies, which are not read."""
    seen: dict = {}
    for k, frame in enumerate(frames):
        for body in frame["bodies"]:
            if not isinstance(body, dict) or not isinstance(body.get("joint_positions"), list):
                raise MotionFileError(path, f"frame {k}: a body without joint_positions")
            body_id = body.get("body_id")
            seen.setdefault(body_id if isinstance(body_id, (int, str)) else str(body_id), (body, []))[1].append(k)
    if not seen:
        raise MotionFileError(path, f"no body tracked in any of its {len(frames)} frames")
    chosen = max(seen, key=lambda body_id: len(seen[body_id][1]))
    others = [body_id for body_id in seen if body_id != chosen]
    if others:
        warnings.warn(f"{len(seen)} bodies tracked; read body {chosen}, seen in {len(seen[chosen][1])} of "
                      f"{len(frames)} frames (not {', '.join(map(str, others[:5]))})", stacklevel=3)
    return seen[chosen]


def _joint_names(path: Path, given, count: int) -> list[str]:
    """The joints' names: ``joint_names`` where they are Azure Kinect's, else the SDK's order of its 32 joints
    (some recorders spell SPINE_NAVEL 'SPINE_NAVAL', others write no names)."""
    if isinstance(given, list) and len(given) == count and all(isinstance(n, str) for n in given) \
            and layout_of(given) is AZURE_KINECT:
        return given
    if count == len(AZURE_KINECT.joints):
        return list(AZURE_KINECT.joints)
    said = f" named {', '.join(map(str, given[:4]))}, ..." if isinstance(given, list) and given else ""
    raise MotionFileError(path, f"{count} joints a body{said}: not Azure Kinect's {len(AZURE_KINECT.joints)} "
                                f"(PELVIS, SPINE_NAVEL, ..., laban.layouts.AZURE_KINECT)")


def _joints(path: Path, body: dict, count: int, frame: int) -> np.ndarray:
    """A body's joint positions (J, 3), NaN where its confidence says the joint is not seen."""
    try:
        xyz = np.array(body["joint_positions"], dtype=np.float64)
    except (TypeError, ValueError):
        xyz = None
    if xyz is None or xyz.shape != (count, 3):
        raise MotionFileError(path, f"frame {frame}: joint_positions must be {count} [x, y, z] numbers")
    if not np.isfinite(xyz).all():
        raise MotionFileError(path, f"frame {frame}: joint_positions must be finite numbers")
    confidence = next((body[k] for k in _CONFIDENCE_KEYS if k in body), None)
    if confidence is not None:
        try:
            level = np.array(confidence, dtype=np.float64).reshape(-1)  # [2, 3, ...] or [[2], [3], ...]
        except (TypeError, ValueError):
            level = None
        if level is None or level.shape != (count,):
            raise MotionFileError(path, f"frame {frame}: a confidence level per joint expected ({count})")
        xyz[level <= 0] = np.nan
    return xyz


def _stamps(path: Path, frames: list[dict], fps: float | None) -> np.ndarray | None:
    """The frames' timestamps in microseconds since the first, exact (integers); None where the frames have none
    and a frame rate is given."""
    name = next((k for k in _TIME_KEYS if all(k in f for f in frames)), None)
    if name is None:
        if fps is None:
            raise MotionFileError(path, "frames without timestamps (timestamp_usec): pass the frame rate (fps, --fps)")
        return None
    stamps = [f[name] for f in frames]
    if not all(isinstance(s, (int, float)) and not isinstance(s, bool) and np.isfinite(s) for s in stamps):
        raise MotionFileError(path, f"{name} must be numbers")
    return np.array([s - stamps[0] for s in stamps], dtype=np.float64)  # Python ints: exact before the subtraction
