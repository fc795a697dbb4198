"""The floor and the sky (``Stage``), drawn per pixel in numpy while GL draws the bodies: anti-aliased lines every
metre and half metre, a pool of light that follows the dancers, haze to the horizon, and the contact shadows
(``shadows``): a soft dark blob under each foot and each pelvis that grows and fades as it rises from the floor
(drawn on the floor itself, they need no depth tricks and never cover a foot).
"""

from __future__ import annotations

import threading

import numpy as np

from laban.errors import LabanError

from .body import REFERENCE_HEIGHT, Figure

SKY, HORIZON = "#d5dbe4", "#eef0f3"  # the sky from its top down to the horizon
FLOOR, GRID, HAZE = "#dcd8d0", "#8f8a80", "#e6e7e9"  # the floor near, its lines every metre, far away


class Stage:
    """The floor and the sky, drawn per pixel in numpy for a camera pose: a pale floor with anti-aliased lines
    every metre (fainter every half metre), lit a little brighter round the dancers, fading into a haze towards
    a soft horizon under a graded sky. The lines thin out where they get denser than the pixels.

    The camera never rolls (its x axis stays level), so a row of pixels sees the floor at one depth: everything
    per pixel is an outer product of per-row and per-column terms, a few dozen float32 operations a frame.
    """

    LIGHT_POOL = 3.5  # m, radius of the brighter floor round the dancers
    HAZE_DISTANCE = 16.0  # m, where the floor is 63 % haze
    LINES = ((1.0, 0.012, 0.55), (0.5, 0.007, 0.25))  # spacing, half-width (m), strength

    def __init__(self, size: tuple[int, int], yfov: float) -> None:
        width, height = size
        t = np.tan(yfov / 2)
        self.u = (((np.arange(width) + 0.5) / width * 2 - 1) * t * width / height).astype(np.float32)
        self.v = ((1 - (np.arange(height) + 0.5) / height * 2) * t).astype(np.float32)
        self.norm = np.sqrt(self.u[None, :] ** 2 + self.v[:, None] ** 2 + 1).astype(np.float32)  # |ray|
        self.norm15 = self.norm ** 1.5
        self.pixel = np.float32(2 * t / height)  # radians per pixel
        self.half_extent = (t * width / height, t)  # of the image plane at distance 1
        self.colors = {k: np.array(_rgb(c), dtype=np.float32) * 255
                       for k, c in (("sky", SKY), ("horizon", HORIZON), ("floor", FLOOR), ("grid", GRID),
                                    ("haze", HAZE))}
        self._local = threading.local()  # scratch planes per thread: numpy is fastest in memory it already has

    def image(self, pose: np.ndarray, centre: np.ndarray, blobs: np.ndarray | None = None) -> np.ndarray:
        """The stage as three planes (3, H, W) float32 in 0..255 seen from camera pose (4, 4) (its x axis
        level), lit round ``centre``, with the contact shadows ``blobs`` (K, 7) of ``shadows`` on the floor."""
        c, f32 = self.colors, np.float32
        shape = self.norm.shape
        work = getattr(self._local, "work", None)
        if work is None:
            work = self._local.work = np.empty((8,) + shape, dtype=np.float32)
        rot = pose[:3, :3].astype(np.float32)
        origin = pose[:3, 3]
        h = f32(max(float(origin[1]), 0.05))
        # The world ray of pixel (row j, column i) is u_i * x_axis + v_j * y_axis - z_axis; its height does not
        # depend on i.
        dy = self.v * rot[1, 1] - rot[1, 2]
        rows = np.flatnonzero(dy < -1e-4)
        top = rows[0] if len(rows) else shape[0]
        sky = np.clip(dy[:top] / np.sqrt(self.v[:top] ** 2 + 1) * 3.0, 0, 1)
        out = np.empty((3,) + shape, dtype=np.float32)
        for k in range(3):
            out[k, :top] = (c["horizon"][k] + (c["sky"][k] - c["horizon"][k]) * sky)[:, None]
        if top == shape[0]:
            return out
        n = shape[0] - top
        x, z, foot, ink, cover, f, reach, upper = (w[:n] for w in work)
        dyf = dy[top:]
        t = h / -dyf  # per row: the ray parameter where it meets the floor
        np.multiply.outer(t, self.u * rot[0, 0], out=x)
        x += (t * (self.v[top:] * rot[0, 1] - rot[0, 2]) + f32(origin[0]))[:, None]
        np.multiply.outer(t, self.u * rot[2, 0], out=z)
        z += (t * (self.v[top:] * rot[2, 1] - rot[2, 2]) + f32(origin[2]))[:, None]
        # Footprint of a pixel on the floor (m): distance × pixel angle, stretched where the view grazes.
        np.multiply((t * np.sqrt(-1 / dyf) * self.pixel)[:, None], self.norm15[top:], out=foot)
        ink.fill(0)
        for spacing, width, strength in self.LINES:
            # In units of the spacing a line covers [-w, w] and a pixel [off - f/2, off + f/2]: the covered share
            # is (w + f/2 - off) / f, at most 2w / f and 1, faded out where lines crowd closer than pixels.
            np.multiply(foot, f32(1 / spacing), out=f)
            np.multiply(f, f32(0.5), out=reach)
            reach += f32(width / spacing)
            np.multiply(f, f32(-4), out=upper)
            upper += f32(1.5)
            np.clip(upper, f32(0), f32(1), out=upper)
            upper *= f32(strength)
            np.divide(f32(1), f, out=f)  # f is now 1 / footprint
            np.minimum(upper, f * f32(2 * width / spacing * strength), out=upper)
            for coord in (x, z):
                np.multiply(coord, f32(1 / spacing), out=cover)
                np.subtract(cover, np.rint(cover), out=cover)
                np.abs(cover, out=cover)
                np.subtract(reach, cover, out=cover)
                cover *= f
                cover *= f32(strength)
                np.clip(cover, f32(0), upper, out=cover)
                np.maximum(ink, cover, out=ink)
        # Brighter round the dancers (smooth: worked out on every fourth pixel) and hazier far away (per row).
        step = 4
        xs, zs = x[::step, ::step] - f32(centre[0]), z[::step, ::step] - f32(centre[2])
        pool = np.exp((xs * xs + zs * zs) * f32(-1 / self.LIGHT_POOL ** 2)) * f32(0.08) + f32(0.94)
        keep = np.repeat(np.repeat(pool, step, axis=0), step, axis=1)[:n, :shape[1]]
        haze = 1 - np.exp(t * self.norm[top:, shape[1] // 2] * f32(-1 / self.HAZE_DISTANCE))
        for blob in () if blobs is None else blobs:
            self._shadow(keep, x, z, top, pose, blob)
        keep *= (1 - haze)[:, None]
        for k in range(3):
            channel = out[k, top:]
            np.multiply(ink, c["grid"][k] - c["floor"][k], out=channel)
            channel += c["floor"][k]
            channel *= keep
            channel += (c["haze"][k] * haze)[:, None]
        return out

    def _shadow(self, keep: np.ndarray, x: np.ndarray, z: np.ndarray, top: int, pose: np.ndarray,
                blob: np.ndarray) -> None:
        """Darken ``keep`` (the floor rows from ``top``) with one soft elliptic blob, inside its box on screen."""
        cx, cz, ux, uz, half_length, half_width, opacity = blob
        if opacity <= 0.005:
            return
        height, width = self.norm.shape
        corners = np.array([[cx + i * half_length * ux + j * half_width * uz, 0.0,
                             cz + i * half_length * uz - j * half_width * ux] for i in (-1, 1) for j in (-1, 1)])
        cam = (corners - pose[:3, 3]) @ pose[:3, :3]  # camera coordinates: x right, y up, looking down -z
        if (cam[:, 2] > -1e-3).any():  # partly behind the camera: search the whole floor
            rows, cols = slice(0, height - top), slice(0, width)
        else:
            col = (cam[:, 0] / -cam[:, 2] / self.half_extent[0] + 1) * width / 2
            row = (1 - cam[:, 1] / -cam[:, 2] / self.half_extent[1]) * height / 2
            c0, c1 = int(np.clip(col.min() - 2, 0, width)), int(np.clip(col.max() + 3, 0, width))
            r0, r1 = int(np.clip(row.min() - 2, top, height)), int(np.clip(row.max() + 3, top, height))
            rows, cols = slice(r0 - top, r1 - top), slice(c0, c1)
        dx, dz = x[rows, cols] - np.float32(cx), z[rows, cols] - np.float32(cz)
        a = (dx * np.float32(ux) + dz * np.float32(uz)) * np.float32(1 / half_length)
        b = (dx * np.float32(uz) - dz * np.float32(ux)) * np.float32(1 / half_width)
        falloff = np.clip(1 - np.sqrt(a * a + b * b), 0, 1) ** 1.5
        keep[rows, cols] *= 1 - np.float32(opacity) * falloff


def shadows(figures: list[Figure], frame: int) -> np.ndarray:
    """The contact shadows at a frame, (K, 7): centre x, z, unit direction x, z, half length, half width and
    opacity of a soft blob stretched along each foot, and of a wide faint one under each pelvis; each grows and
    fades as what casts it rises from the floor."""
    blobs = []
    for fig in figures:
        pts = fig.points[min(frame, fig.frame_count - 1)]
        s = fig.height / REFERENCE_HEIGHT
        for ankle, tip in fig.feet:
            a, t = pts[ankle], pts[tip]
            rise = max(min(a[1], t[1]) - 0.03 * s, 0.0)
            along = (t - a)[[0, 2]]
            length = float(np.linalg.norm(along))
            along = along / length if length > 1e-6 else np.array([0.0, 1.0])
            grow = 1.0 + 1.5 * rise
            centre = (a + t)[[0, 2]] / 2
            blobs.append([*centre, *along, (length / 2 + 0.11 * s) * grow, 0.11 * s * grow,
                          0.7 * float(np.clip(1.0 - rise / 0.45, 0.0, 1.0))])
        pelvis = pts[fig.pelvis]
        rise = max(pelvis[1] - 0.55 * fig.height, 0.0)
        blobs.append([pelvis[0], pelvis[2], 0.0, 1.0, 0.4 * s, 0.4 * s,
                      0.3 * float(np.clip(1.0 - rise / 0.6, 0.0, 1.0))])
    return np.array(blobs, dtype=np.float64).reshape(-1, 7)


def _rgb(color) -> tuple[float, float, float]:
    """An sRGB colour as three floats 0..1, from '#rrggbb', (r, g, b) in 0..1 or (r, g, b) in 0..255."""
    if isinstance(color, str):
        text = color.lstrip("#")
        if len(text) != 6:
            raise LabanError(f"colour '{color}' is not #rrggbb")
        return tuple(int(text[i:i + 2], 16) / 255 for i in (0, 2, 4))
    values = np.asarray(color, dtype=float).reshape(-1)[:3]
    if values.size != 3:
        raise LabanError(f"colour {color!r} needs three components")
    return tuple((values / 255 if values.max() > 1 else values).tolist())
