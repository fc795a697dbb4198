"""The dancer: a shaded mannequin per performer on a gridded floor, seen by a camera that follows, rendered
off-screen with pyrender (EGL: no display needed, and no GPU: Mesa's llvmpipe rasterises on the CPU).

    >>> frames = render_frames([motion], slice(0, 30))      # (30, 480, 640, 3) uint8 at 30 fps
    >>> render("duet.mp4", [lead, follow], score=score)     # the one entry point: MP4, GIF or contact sheet PNG

The body is built once per dancer from its recognised body parts (``laban.bodyparts``): a capsule per bone
(thicker for the thighs than the shins, and so on), ellipsoids for the pelvis and the ribcage that turn with the
hips and the shoulders, balls at the shoulders, a head with a nose that shows where the chest faces. The left
limbs are a lighter shade of the dancer's colour than the right, as a score's left and right columns are read.
Every rigid piece gets a pose per frame (``Figure.solids``); a frame moves the pieces' vertices in numpy, shades
them there (a sky/floor hemisphere, a key, a fill and a back light, a soft highlight and a rim), and GL draws all
bodies as one unlit mesh over a transparent background: with a software rasteriser that is several times faster
than a lit draw call per bone. Each dancer stands on the floor of its own capture (``estimate_floor``), which
becomes y = 0.

The floor and the sky (``Stage``) are drawn per pixel in numpy, on a worker thread while GL draws the bodies:
anti-aliased lines every metre and half metre, a pool of light that follows the dancers, haze to the horizon,
and the contact shadows (``shadows``): a soft dark blob under each foot and each pelvis that grows and fades as
it rises from the floor (drawn on the floor itself, they need no depth tricks and never cover a foot).

The camera looks from three-quarters in front, slightly above, chosen once per clip from where the dancers face
(or across the line a duet spreads along), follows the pelvises through a low-pass filter and moves back just
far enough to keep every joint in frame. ``project`` gives the pixels where it sees each joint.

This module is the entry point; the engine lies in ``viz.scene`` (with ``viz.body``, ``viz.camera`` and
``viz.stage``), what frames become in ``viz.video``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from laban.beats import beat_grid
from laban.errors import LabanError

from . import video
from .body import Dancer
from .scene import DanceScene, Frames

LONG_RENDER = 60  # frames: a render this long shows a progress bar


def render_frames(dancers: Sequence[Dancer], frames: Frames = None, *, fps: float = 30.0,
                  size: tuple[int, int] = (640, 480), colors: Sequence | None = None, progress: bool = False,
                  show_dancers: bool = True) -> np.ndarray:
    """Frames (N, H, W, 3) uint8 of the dancers at ``fps``; ``frames`` picks output frames (default: all)."""
    with DanceScene(dancers, fps=fps, size=size, colors=colors) as scene:
        idx = scene.indices(frames)
        out = np.empty((len(idx), size[1], size[0], 3), dtype=np.uint8)
        for k, image in enumerate(scene.frames(idx, show_dancers=show_dancers, progress=progress)):
            out[k] = image
        return out


def project(dancers: Sequence[Dancer], frames: Frames = None, *, fps: float = 30.0,
            size: tuple[int, int] = (640, 480)) -> list[np.ndarray]:
    """Where the render's camera sees each dancer's joints: per dancer, pixels (N, J, 2) (x right, y down)."""
    return DanceScene(dancers, fps=fps, size=size).project(frames)


def render(path: str | Path, dancers: Sequence[Dancer], *, score=None, fps: float = 30.0,
           size: tuple[int, int] = (640, 480), colors: Sequence | None = None, progress: bool = True,
           on_frame: Callable[[int, int], None] | None = None) -> Path:
    """Write the dancers to ``path``: ``.mp4`` (H.264) or ``.gif`` video at ``fps``, with the score's staff beside
    the dancer and a play-head in time when ``score`` is given; ``.png`` a contact sheet with a pose every beat
    (the score's beats, else the motion's own pulse). ``on_frame(done, total)`` is told of each video frame drawn
    (the studio's progress); what it raises stops the render, and nothing is left at ``path``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".png":
        grid = score.grid if score is not None else beat_grid(motion=dancers[0])
        title = f"{(score.title if score is not None else '') or path.stem}  ·  a pose every beat at " \
                f"{grid.tempo:.0f} bpm"
        video.contact_sheet(dancers, grid, path, colors=colors, title=title, progress=progress)
        return path
    if suffix not in video.VIDEO_SUFFIXES:
        raise LabanError(f"{path}: unknown output format '{suffix}' (expected .mp4, .gif or .png)")
    with DanceScene(dancers, fps=fps, size=size, colors=colors) as scene:
        frames = scene.frames(progress=progress and scene.frame_count >= LONG_RENDER)
        if on_frame is not None:
            frames = _told(frames, scene.frame_count, on_frame)
        if score is not None:
            seconds = np.arange(scene.frame_count) / fps
            frames = video.beside_staff(frames, score, score.grid.seconds_to_beats(seconds), size[1])
        video.save_video(path, frames, fps)
    return path


def _told(frames: Iterator[np.ndarray], total: int, on_frame: Callable[[int, int], None]) -> Iterator[np.ndarray]:
    for done, frame in enumerate(frames, 1):
        on_frame(done, total)
        yield frame
