"""Rotations and two-bone inverse kinematics for the decoder, vectorised over frames.

Rotations are 3×3 matrices acting on column vectors (``R @ v``), the convention of ``laban.motion``; quaternions
are scalar-last (x, y, z, w). Every function takes arrays with any leading shape (usually frames).
"""

from __future__ import annotations

import numpy as np

_TINY = 1e-9


def unit(v: np.ndarray) -> np.ndarray:
    """``v`` scaled to length 1 along the last axis (zero vectors stay zero)."""
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), _TINY)


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("...i,...i->...", a, b)


def apply(rotation: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors (..., 3) by matrices (..., 3, 3)."""
    return np.einsum("...ij,...j->...i", rotation, v)


def compose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for stacks of matrices: first ``b``, then ``a``."""
    return np.matmul(a, b)


def frame(primary: np.ndarray, secondary: np.ndarray) -> np.ndarray:
    """Orthonormal frames (..., 3, 3) whose columns are ``primary``, ``secondary`` made perpendicular to it, and
    their cross product."""
    x = unit(primary)
    y = unit(secondary - dot(secondary, x)[..., None] * x)
    return np.stack([x, y, np.cross(x, y)], axis=-1)


def axis_angle(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotation matrices about unit ``axis`` (..., 3) by ``angle`` radians (...), right-handed (Rodrigues)."""
    axis = unit(np.asarray(axis, dtype=float))
    angle = np.asarray(angle, dtype=float)
    x, y, z = np.moveaxis(axis, -1, 0)
    c, s = np.cos(angle), np.sin(angle)
    t = 1.0 - c
    m = np.stack([
        t * x * x + c, t * x * y - s * z, t * x * z + s * y,
        t * x * y + s * z, t * y * y + c, t * y * z - s * x,
        t * x * z - s * y, t * y * z + s * x, t * z * z + c,
    ], axis=-1)
    return m.reshape(np.broadcast_shapes(axis.shape[:-1], angle.shape) + (3, 3))


def yaw(radians: np.ndarray) -> np.ndarray:
    """Rotations about the vertical (y) axis; positive turns +z towards +x."""
    c, s = np.cos(radians), np.sin(radians)
    zero, one = np.zeros_like(c), np.ones_like(c)
    return np.stack([c, zero, s, zero, one, zero, -s, zero, c], axis=-1).reshape(np.shape(c) + (3, 3))


def swing(a: np.ndarray, b: np.ndarray, fallback: np.ndarray | None = None) -> np.ndarray:
    """The smallest rotation taking unit vectors ``a`` to ``b``. Opposite vectors turn about ``fallback`` (a
    vector perpendicular to ``a``; default: any perpendicular)."""
    a, b = unit(a), unit(b)
    a, b = np.broadcast_arrays(a, b)
    axis = np.cross(a, b)
    sine = np.linalg.norm(axis, axis=-1)
    cosine = np.clip(dot(a, b), -1.0, 1.0)
    opposite = sine < 1e-7
    if np.any(opposite):
        if fallback is None:
            other = np.where(np.abs(a[..., :1]) < 0.9, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
            fallback = np.cross(a, other)
        fallback = np.broadcast_to(fallback, a.shape)
        axis = np.where(opposite[..., None], fallback, axis)
    return axis_angle(axis, np.arctan2(sine, cosine))


def slerp(a: np.ndarray, b: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Unit vectors a fraction ``s`` of the way along the great circle from ``a`` to ``b``."""
    a, b = unit(a), unit(b)
    angle = np.arccos(np.minimum(np.maximum(dot(a, b), -1.0), 1.0))
    sine = np.sin(angle)
    small = sine < 1e-6
    safe = np.where(small, 1.0, sine)
    wa = np.where(small, 1.0 - s, np.sin((1.0 - s) * angle) / safe)
    wb = np.where(small, s, np.sin(s * angle) / safe)
    return unit(wa[..., None] * a + wb[..., None] * b)


def matrix_to_quaternion(m: np.ndarray) -> np.ndarray:
    """Unit quaternions (..., 4), scalar last, of rotation matrices (..., 3, 3) (Shepperd's method: the largest
    of the four candidates is divided by, so no branch loses precision)."""
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    trace = m00 + m11 + m22
    candidates = np.stack([trace, m00, m11, m22], axis=-1)
    which = np.argmax(candidates, axis=-1)
    q = np.empty(m.shape[:-2] + (4,))
    # w largest
    r = np.sqrt(np.maximum(1.0 + trace, _TINY))
    qw = np.stack([(m[..., 2, 1] - m[..., 1, 2]) / (2 * r), (m[..., 0, 2] - m[..., 2, 0]) / (2 * r),
                   (m[..., 1, 0] - m[..., 0, 1]) / (2 * r), r / 2], axis=-1)
    r = np.sqrt(np.maximum(1.0 + m00 - m11 - m22, _TINY))
    qx = np.stack([r / 2, (m[..., 0, 1] + m[..., 1, 0]) / (2 * r), (m[..., 0, 2] + m[..., 2, 0]) / (2 * r),
                   (m[..., 2, 1] - m[..., 1, 2]) / (2 * r)], axis=-1)
    r = np.sqrt(np.maximum(1.0 - m00 + m11 - m22, _TINY))
    qy = np.stack([(m[..., 0, 1] + m[..., 1, 0]) / (2 * r), r / 2, (m[..., 1, 2] + m[..., 2, 1]) / (2 * r),
                   (m[..., 0, 2] - m[..., 2, 0]) / (2 * r)], axis=-1)
    r = np.sqrt(np.maximum(1.0 - m00 - m11 + m22, _TINY))
    qz = np.stack([(m[..., 0, 2] + m[..., 2, 0]) / (2 * r), (m[..., 1, 2] + m[..., 2, 1]) / (2 * r), r / 2,
                   (m[..., 1, 0] - m[..., 0, 1]) / (2 * r)], axis=-1)
    q = np.choose(which[..., None], [qw, qx, qy, qz])
    q = q * np.where(q[..., 3:] < 0, -1.0, 1.0)  # one hemisphere: w >= 0
    return unit(q)


def continuous(quaternions: np.ndarray) -> np.ndarray:
    """Flip signs along the first axis (frames) so that consecutive quaternions lie in one hemisphere."""
    q = quaternions.copy()
    flips = np.einsum("t...i,t...i->t...", q[1:], q[:-1]) < 0
    sign = np.where(np.logical_xor.accumulate(flips, axis=0), -1.0, 1.0)
    q[1:] *= sign[..., None]
    return q


def two_bone(base: np.ndarray, target: np.ndarray, upper: float, lower: float, pole: np.ndarray,
             shortest: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    """The middle joint (knee, elbow) of a two-bone limb from ``base`` reaching for ``target``.

    The joint bends towards ``pole`` (a direction, made perpendicular to the limb). A target out of reach is
    pulled in along the limb to ``upper + lower`` (straight limb); one closer than ``shortest`` times the limb
    is pushed out. Returns the middle joint and the end actually reached, (..., 3) each.
    """
    reach = target - base
    distance = np.linalg.norm(reach, axis=-1)
    length = np.clip(distance, abs(upper - lower) + shortest * (upper + lower), upper + lower)
    along = unit(reach)
    end = base + along * length[..., None]
    a = (upper ** 2 - lower ** 2 + length ** 2) / (2 * length)
    h = np.sqrt(np.maximum(upper ** 2 - a ** 2, 0.0))
    return base + along * a[..., None] + bend_side(along, pole) * h[..., None], end


def bend_side(along: np.ndarray, pole: np.ndarray) -> np.ndarray:
    """The way a two-bone limb along ``along`` (unit, base to end) bends for ``pole``: the pole made perpendicular
    to the limb. It is also what sets the upper bone's twist: the pole itself lies along the upper bone wherever the
    joint bends as far as the pole points, and made perpendicular to that bone it turned 180 degrees in a frame."""
    return unit(pole - dot(pole, along)[..., None] * along)


def soft_reach(distance: np.ndarray, full: float, knee: float, longest: float) -> np.ndarray:
    """Reaches ``distance`` (m) from the hip of a leg ``full`` long, kept under ``longest`` of it softly: the
    same up to ``knee`` of it, then coming to ``longest`` as the distance grows (exponentially, with the slope
    continuous): a knee near straight moves as the square root of the leg's shortening, so a hard limit snaps
    it straight in a frame."""
    knee, longest = knee * full, longest * full
    soft = longest - (longest - knee) * np.exp(-np.maximum(distance - knee, 0.0) / (longest - knee))
    return np.where(distance > knee, soft, distance)
