"""The engine: dancers (``viz.body``) on a stage (``viz.stage``) seen by a follow camera (``viz.camera``), rendered
off-screen with pyrender (EGL: no display needed, and no GPU: Mesa's llvmpipe rasterises on the CPU).

A frame moves the bodies' vertices in numpy, shades them there (a sky/floor hemisphere, a key, a fill and a back
light, a soft highlight and a rim), and GL draws all bodies as one unlit mesh over a transparent background: with a
software rasteriser that is several times faster than a lit draw call per bone. The left limbs are a lighter shade
of the dancer's colour than the right, as a score's left and right columns are read. The stage of the next frames
is drawn on a worker thread while GL draws this one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence

import numpy as np

from laban.errors import LabanError

from .body import Dancer, Figure, _unit, figure
from .camera import FOLLOW, Camera, _held, follow_camera
from .progress import Progress
from .stage import Stage, _rgb, shadows

Frames = slice | Sequence[int] | np.ndarray | None

NO_GL = ("no OpenGL for off-screen rendering: install the Debian packages libegl1 and libgl1-mesa-dri "
         "(apt-get install libegl1 libgl1-mesa-dri) and set PYOPENGL_PLATFORM=egl")

# Dancer colours (sRGB): a warm coral and a cool blue first, so that a duet reads at a glance.
COLORS = ("#e4683f", "#2f7fc1", "#4f9d57", "#9b5fc0", "#d4a82a", "#d0508a")
# Body lighting (linear): directional lights at degrees round from the camera (positive: to its left) and
# degrees up, with intensity and colour; a sky above and the floor's bounce below; a rim and a highlight.
LIGHTS = ((40.0, 50.0, 1.1, (1.0, 0.96, 0.9)), (-70.0, 15.0, 0.22, (0.8, 0.88, 1.0)),
          (165.0, 35.0, 0.35, (1.0, 1.0, 1.0)))
SKY_LIGHT, GROUND_LIGHT = np.array([0.26, 0.28, 0.32]), np.array([0.13, 0.12, 0.11])
WRAP, SHINE, RIM = 0.2, 0.12, 0.08
CAPSULE_SECTIONS = (16, 12)  # trimesh's count: round each cap, along
SPHERE_SUBDIVISIONS = 2  # an icosphere's: 320 triangles


# --- the scene ----------------------------------------------------------------------------------------------

class DanceScene:
    """Dancers on a floor, a follow camera and an off-screen renderer; frames are numbered at ``fps``.

    Use as a context manager (or call ``close``) to free the GL context.
    """

    def __init__(self, dancers: Sequence[Dancer], *, fps: float = 30.0, size: tuple[int, int] = (640, 480),
                 colors: Sequence | None = None, follow: float = FOLLOW, steady_zoom: bool = False) -> None:
        if not dancers:
            raise LabanError("nothing to render: no dancers")
        if fps <= 0:
            raise LabanError(f"frame rate must be positive, not {fps}")
        self.size = (int(size[0]), int(size[1]))
        if min(self.size) < 8:
            raise LabanError(f"image size {self.size[0]}x{self.size[1]} is too small")
        self.fps = float(fps)
        self.figures = [figure(d, fps) for d in dancers]
        self.frame_count = max(f.frame_count for f in self.figures)
        palette = list(colors) if colors else list(COLORS)
        self.colors = [_rgb(palette[k % len(palette)]) for k in range(len(self.figures))]
        self.camera = follow_camera(self.figures, self.fps, self.size, follow=follow, steady_zoom=steady_zoom)
        self._scene = None
        self._renderer = None
        self._stage = Stage(self.size, self.camera.yfov)
        self.cpu = {"floor": 0.0, "bodies": 0.0, "compositing": 0.0, "frames": 0}

    @property
    def duration(self) -> float:
        return self.frame_count / self.fps

    def indices(self, frames: Frames = None) -> np.ndarray:
        if frames is None:
            return np.arange(self.frame_count)
        if isinstance(frames, slice):
            return np.arange(self.frame_count)[frames]
        idx = np.asarray(frames, dtype=np.int64).reshape(-1)
        if idx.size and (idx.min() < 0 or idx.max() >= self.frame_count):
            raise LabanError(f"frames must lie in 0..{self.frame_count - 1}")
        return idx

    def project(self, frames: Frames = None) -> list[np.ndarray]:
        """Pixel coordinates (N, J, 2) of each dancer's skeleton joints in the selected frames."""
        idx = self.indices(frames)
        cam = Camera(self.camera.poses[idx], self.camera.yfov, self.size)
        return [cam.project(_held(f.points, self.frame_count)[idx, :f.joint_count]) for f in self.figures]

    def frames(self, frames: Frames = None, *, show_dancers: bool = True, progress: bool = False
               ) -> Iterator[np.ndarray]:
        """Rendered frames (H, W, 3) uint8, one by one; ``show_dancers=False`` gives the empty stage.

        The stage of the next frames is drawn on a worker thread (numpy lets go of the GIL) while GL draws this
        one's bodies."""
        from concurrent.futures import ThreadPoolExecutor


        idx = self.indices(frames)
        self._gl()
        ahead = 2
        with ThreadPoolExecutor(1, thread_name_prefix="stage") as pool, \
                Progress(len(idx), "rendering", enabled=progress) as bar:
            stages = [pool.submit(self._stage_image, i, show_dancers) for i in idx[:ahead]]
            for k, i in enumerate(idx):
                stage = stages[k].result()
                stages[k] = None
                if k + ahead < len(idx):
                    stages.append(pool.submit(self._stage_image, idx[k + ahead], show_dancers))
                image = self.frame(int(i), show_dancers=show_dancers, stage=stage)
                bar.update()
                yield image

    def frame(self, i: int, *, show_dancers: bool = True, stage: np.ndarray | None = None) -> np.ndarray:
        """Frame ``i`` (H, W, 3) uint8: the stage from numpy (``Stage.image``, unless given), the bodies and their
        shadows from GL over it.

        ``cpu`` adds up the process CPU seconds spent in each part (for the bench; only while nothing else runs
        in the process, as when frames are asked for one by one)."""
        renderer = self._gl()
        c0 = time.process_time()
        if stage is None:
            stage = self._stage_image(i, show_dancers)
        c1 = c2 = time.process_time()
        rgba = None
        if show_dancers:
            self._pose(i)
            rgba, _ = renderer.render(self._scene, flags=self._pr.RenderFlags.RGBA | self._pr.RenderFlags.FLAT)
            c2 = time.process_time()
        image = _composite(stage, rgba)
        c3 = time.process_time()
        for part, seconds in (("floor", c1 - c0), ("bodies", c2 - c1), ("compositing", c3 - c2)):
            self.cpu[part] += seconds
        self.cpu["frames"] += 1
        return image

    def _stage_image(self, i: int, show_dancers: bool) -> np.ndarray:
        blobs = shadows(self.figures, i) if show_dancers else None
        return self._stage.image(self.camera.poses[i], self.camera.aims[i], blobs)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.delete()
            self._renderer = None

    def __enter__(self) -> "DanceScene":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - the GL context may already be gone at interpreter exit
            pass

    # The GL side: built on the first frame asked for. The floor and the sky are drawn in numpy (``Stage``), the
    # bodies and their shadows by GL on a transparent background over them, as two meshes rebuilt from numpy each
    # frame: with a software rasteriser that costs far less than a draw call per bone or a shaded floor.
    def _gl(self):
        if self._renderer is None:
            pyrender = _pyrender()
            self._build(pyrender)
            try:
                self._renderer = pyrender.OffscreenRenderer(*self.size)
            except Exception as error:  # EGL/OSMesa failures come in many types
                raise LabanError(f"{NO_GL} ({_one_line(error)})") from error
        return self._renderer

    def _build(self, pyrender) -> None:
        self._pr = pyrender
        scene = pyrender.Scene(bg_color=[0.0, 0.0, 0.0, 0.0])
        self._scene = scene
        camera = pyrender.PerspectiveCamera(yfov=self.camera.yfov, aspectRatio=self.size[0] / self.size[1],
                                            znear=0.05, zfar=200.0)
        self._camera_node = scene.add(camera, pose=self.camera.poses[0])
        self._bodies = _BodyMeshes(self.figures, self.colors, self.frame_count)
        self._lights = _lights(self.camera.poses[0][:3, 2])
        self._body_material = pyrender.MetallicRoughnessMaterial(baseColorFactor=[1.0, 1.0, 1.0, 1.0])
        self._dynamic: list = []

    def _pose(self, frame: int) -> None:
        pyrender, scene = self._pr, self._scene
        scene.set_pose(self._camera_node, self.camera.poses[frame])
        for node in self._dynamic:
            scene.remove_node(node)
        self._dynamic = []
        positions, normals, albedo, faces = self._bodies.at(frame)
        colors = _shade(positions, normals, albedo, self.camera.poses[frame][:3, 3], self._lights)
        body = pyrender.Primitive(positions=positions, color_0=colors, indices=faces,
                                  material=self._body_material, mode=4)
        self._dynamic.append(scene.add(pyrender.Mesh([body])))


def _composite(stage: np.ndarray, rgba: np.ndarray | None) -> np.ndarray:
    """The frame (H, W, 3) uint8: GL's bodies (H, W, 4), premultiplied by their coverage, over the stage's
    planes (3, H, W), blended only inside the box where GL drew anything."""
    image = np.empty(stage.shape[1:] + (3,), dtype=np.uint8)
    box = None
    if rgba is not None:
        alpha = rgba[..., 3]
        rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
        if len(rows):
            box = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
            keep = 1 - alpha[box].astype(np.float32) * np.float32(1 / 255)
    for k in range(3):
        plane = stage[k]
        if box is not None:
            plane[box] *= keep
            plane[box] += rgba[box + (k,)]
        plane += np.float32(0.5)
        image[..., k] = np.minimum(plane, 255)
    return image


class _BodyMeshes:
    """All dancers' solids as one triangle mesh in rest position, and its vertices posed at any frame."""

    def __init__(self, figures: list[Figure], colors: list, frame_count: int) -> None:
        import trimesh

        shapes = {}
        rest, normals, faces, owner, tints, poses = [], [], [], [], [], []
        count = 0
        for fig, color in zip(figures, colors):
            tint = {"torso": color, "left": _mix(color, (1.0, 1.0, 1.0), 0.3), "right": _mix(color, (0, 0, 0), 0.08)}
            for solid in fig.solids:
                key = (solid.kind, round(solid.radius, 4), round(solid.length, 4))
                if key not in shapes:
                    if solid.kind == "capsule":
                        mesh = trimesh.creation.capsule(height=solid.length, radius=solid.radius,
                                                        count=list(CAPSULE_SECTIONS))
                    else:
                        mesh = trimesh.creation.icosphere(subdivisions=SPHERE_SUBDIVISIONS, radius=solid.radius)
                    shapes[key] = (np.asarray(mesh.vertices), np.asarray(mesh.vertex_normals),
                                   np.asarray(mesh.faces))
                v, n, f = shapes[key]
                rest.append(v)
                normals.append(n)
                faces.append(f + count)
                owner.append(np.full(len(v), len(poses)))
                tints.append(np.tile([*_linear(tint[solid.tint]), 1.0], (len(v), 1)))
                poses.append(_held(solid.poses, frame_count))
                count += len(v)
        self.rest = np.concatenate(rest)
        self.normals = np.concatenate(normals)
        self.faces = np.concatenate(faces).astype(np.uint32)
        self.owner = np.concatenate(owner)
        self.colors = np.concatenate(tints).astype(np.float32)
        self.poses = np.stack(poses, axis=1)  # (T, S, 4, 4)

    def at(self, frame: int):
        linear = self.poses[frame, :, :3, :3]
        shift = self.poses[frame, :, :3, 3]
        normal_map = np.linalg.inv(linear).transpose(0, 2, 1)
        positions = np.einsum("vij,vj->vi", linear[self.owner], self.rest) + shift[self.owner]
        normals = _unit(np.einsum("vij,vj->vi", normal_map[self.owner], self.normals))
        return positions.astype(np.float32), normals.astype(np.float32), self.colors, self.faces


def _lights(view: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(direction towards the light, linear colour × intensity) of each light, fixed in the world for a clip and
    placed round the camera's first view direction ``view`` (pointing from the dancers to the camera)."""
    out = []
    for azimuth, elevation, intensity, tint in LIGHTS:
        base = np.arctan2(view[0], view[2]) + np.radians(azimuth)
        e = np.radians(elevation)
        direction = np.array([np.sin(base) * np.cos(e), np.sin(e), np.cos(base) * np.cos(e)])
        out.append((direction, np.asarray(tint) * intensity))
    return out


def _shade(positions: np.ndarray, normals: np.ndarray, albedo: np.ndarray, eye: np.ndarray,
           lights: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Vertex colours (V, 4) in sRGB: a sky/floor hemisphere, wrapped diffuse light and a soft highlight from
    each light, and a rim where the surface turns away from the camera (shading per vertex in numpy is what
    lets GL draw the bodies with its cheapest, unlit shader)."""
    n = normals.astype(np.float64)
    sky = 0.5 + 0.5 * n[:, 1:2]
    light = SKY_LIGHT * sky + GROUND_LIGHT * (1 - sky)
    view = _unit(eye - positions)
    highlight = np.zeros((len(n), 1))
    for direction, color in lights:
        facing = n @ direction
        light = light + color * np.clip((facing[:, None] + WRAP) / (1 + WRAP), 0, None)
        half = _unit(direction + view)
        highlight += SHINE * np.clip(np.sum(n * half, axis=1, keepdims=True), 0, None) ** 24 * (facing[:, None] > 0)
    rim = RIM * np.clip(1 - np.sum(n * view, axis=1, keepdims=True), 0, 1) ** 3
    linear = albedo[:, :3] * light + highlight + rim
    out = np.empty((len(n), 4), dtype=np.float32)
    out[:, :3] = np.clip(linear, 0, 1) ** (1 / 2.2)
    out[:, 3] = 1.0
    return out


def _pyrender():
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    try:
        import pyrender
    except ModuleNotFoundError as error:
        if error.name in ("pyrender", "trimesh"):
            raise LabanError(f"rendering needs the Python package {error.name} (pip install {error.name})") from error
        raise LabanError(f"{NO_GL} ({_one_line(error)})") from error
    except Exception as error:  # PyOpenGL fails in many ways when a GL library is missing
        raise LabanError(f"{NO_GL} ({_one_line(error)})") from error
    return pyrender


def _one_line(error: BaseException, limit: int = 160) -> str:
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _linear(color) -> tuple[float, float, float]:
    """sRGB to the linear values a physically based material takes (the shader writes gamma 2.2)."""
    return tuple(float(c) ** 2.2 for c in color)


def _mix(a, b, t: float) -> tuple[float, float, float]:
    return tuple((1 - t) * x + t * y for x, y in zip(a, b))
