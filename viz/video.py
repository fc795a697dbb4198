"""What the renderer's frames become: an MP4 or GIF (written atomically), a contact sheet PNG with a pose every
beat, the dancer beside the score's staff with a play-head in time, and a progress bar for long renders.

MP4 is H.264 (yuv420p, plays everywhere) through imageio-ffmpeg's own ffmpeg; GIF is written by Pillow with one
palette for the whole clip (no flicker) and frame delays in whole hundredths of a second that add up to the
clip's duration (30 fps alternates 30 and 40 ms). The progress bar lives in ``viz.progress``.

Imports run one way: ``viz.render`` (the entry point) uses this module and ``viz.scene`` (the engine); this module
uses the engine for contact sheets and never imports ``viz.render``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from laban.errors import LabanError
from laban.files import atomic_path


VIDEO_SUFFIXES = (".mp4", ".gif")
PLAYHEAD = (214, 40, 57)
PAPER = (255, 255, 255)


# --- writing ------------------------------------------------------------------------------------------------

def save_video(path: str | Path, frames: Iterable[np.ndarray], fps: float) -> int:
    """Write frames (H, W, 3) uint8 to ``path``: ``.mp4`` (H.264) or ``.gif``; returns the number of frames.

    Frames are streamed into the MP4 encoder (any length fits in memory); a GIF keeps its palettised frames.
    Nothing is left at ``path`` (or beside it) when writing fails.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        raise LabanError(f"{path}: unknown video format '{suffix}' (expected .mp4 or .gif)")
    if not fps > 0:
        raise LabanError(f"frame rate must be positive, not {fps}")
    try:
        with atomic_path(path) as tmp:
            count = _write_mp4(tmp, frames, fps) if suffix == ".mp4" else _write_gif(tmp, frames, fps)
            if count == 0:
                raise LabanError(f"{path}: no frames to write")
    except OSError as error:
        raise LabanError(f"{path}: cannot write: {error.strerror or error}") from None
    return count


def _write_mp4(path: Path, frames: Iterable[np.ndarray], fps: float) -> int:
    import imageio.v2 as imageio

    writer = None
    count = 0
    path.touch()  # a folder it cannot write to is one line now, not ffmpeg's broken pipe and its own error lines
    try:
        for frame in frames:
            frame = _even(np.asarray(frame, dtype=np.uint8)[..., :3])
            if writer is None:
                # x264's veryfast preset: half the encoder's CPU of its default (an 8.7-s dance beside its staff,
                # 4.2 -> 2.1 s, on a 2-core machine that renders at the same time), the file 1 % larger, the
                # frames 48 dB from the default's (PSNR); deterministic, as the default is
                writer = imageio.get_writer(path, format="FFMPEG", mode="I", fps=fps, codec="libx264",
                                            pixelformat="yuv420p", quality=8, macro_block_size=1,
                                            ffmpeg_log_level="error",
                                            output_params=["-preset", "veryfast", "-movflags", "+faststart"])
            writer.append_data(frame)
            count += 1
    finally:
        if writer is not None:
            writer.close()
    return count


def _even(frame: np.ndarray) -> np.ndarray:
    """Pad to even width and height (yuv420p needs them) with the edge pixels."""
    h, w = frame.shape[:2]
    if h % 2 or w % 2:
        frame = np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    return frame


def gif_delays(count: int, fps: float) -> list[int]:
    """Frame delays in milliseconds, whole hundredths as GIF stores them, that add up to ``count / fps``."""
    ends = np.round(np.arange(1, count + 1) * 100.0 / fps).astype(int)
    delays = np.diff(np.concatenate([[0], ends])) * 10
    return [int(max(d, 10)) for d in delays]


def _write_gif(path: Path, frames: Iterable[np.ndarray], fps: float) -> int:
    """One palette for the whole clip, made from its first second (the dancers and the stage are all there)."""
    frames = iter(frames)
    head = [np.asarray(f, dtype=np.uint8)[..., :3] for _, f in zip(range(max(int(fps), 1)), frames)]
    if not head:
        return 0
    sample = np.concatenate([f[::2, ::2] for f in head[:: max(len(head) // 8, 1)]], axis=0)
    palette = Image.fromarray(sample).quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    images = [Image.fromarray(f).quantize(palette=palette, dither=Image.Dither.NONE) for f in head]
    for f in frames:
        images.append(Image.fromarray(np.asarray(f, dtype=np.uint8)[..., :3]).quantize(
            palette=palette, dither=Image.Dither.NONE))
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:], loop=0,
                   duration=gif_delays(len(images), fps), optimize=False, disposal=1)
    return len(images)


def save_png(path: str | Path, image: np.ndarray | Image.Image) -> Path:
    """An image to ``path`` as PNG, atomically."""
    image = image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image, dtype=np.uint8))
    try:
        with atomic_path(path) as tmp:
            image.save(tmp, format="PNG", optimize=True)
    except OSError as error:
        raise LabanError(f"{path}: cannot write: {error.strerror or error}") from None
    return Path(path)


# --- the contact sheet ----------------------------------------------------------------------------------------

def contact_sheet(dancers: Sequence, beats, path: str | Path | None = None, *, panel: tuple[int, int] | None = None,
                  columns: int = 8, colors: Sequence | None = None, title: str | None = None,
                  progress: bool = False) -> np.ndarray:
    """A pose every beat, in rows of at most ``columns`` panels, each labelled bar.beat (downbeats dark), under
    an optional ``title``; written to ``path`` (PNG) when given. ``beats``: a ``BeatGrid`` or beat times in
    seconds (numbered from bar 1 in 4/4). Beats outside the motion are left out. Returns the sheet (H, W, 3).

    Panels are portrait for a solo (200×260), landscape for more dancers (260×200). A solo's camera keeps one
    distance for the whole sheet, so that poses compare at one scale; dancers together are framed as close as
    each moment allows (partners far apart at one beat would make them small at every other).
    """
    from laban.timing import BeatGrid

    from .scene import DanceScene

    grid = beats if isinstance(beats, BeatGrid) else None
    times = np.asarray(grid.times if grid is not None else beats, dtype=float).reshape(-1)
    fps = 30.0
    solo = len(dancers) == 1
    panel = panel or ((200, 260) if solo else (260, 200))
    with DanceScene(dancers, fps=fps, size=panel, colors=colors, follow=0.25, steady_zoom=solo) as scene:
        keep = (times >= 0) & (times <= scene.duration)
        if not keep.any():
            raise LabanError(f"no beat falls inside the motion's {scene.duration:.1f} s")
        numbers = np.flatnonzero(keep)
        frames = np.minimum(np.round(times[keep] * fps).astype(int), scene.frame_count - 1)
        images = list(scene.frames(frames, progress=progress and len(frames) >= 60))
    gap = 3
    rows = -(-len(images) // columns)
    cols = -(-len(images) // rows)  # rows as even as they can be
    w, h = panel
    head = int(h * 0.14) if title else 0
    sheet = Image.new("RGB", (cols * w + (cols + 1) * gap, head + rows * h + (rows + 1) * gap), PAPER)
    draw = ImageDraw.Draw(sheet)
    font = _font(max(11, h // 18))
    if title:
        draw.text((gap + 6, head // 2 + gap), title, font=_font(max(13, head // 2)), fill=(40, 40, 48), anchor="lm")
    for k, (image, number) in enumerate(zip(images, numbers)):
        x, y = gap + (k % cols) * (w + gap), head + gap + (k // cols) * (h + gap)
        sheet.paste(Image.fromarray(image), (x, y))
        if grid is not None:
            bar, beat = grid.bar_and_beat(float(number))
            beat = int(round(beat))
        else:
            bar, beat = int(number) // 4 + 1, int(number) % 4 + 1
        label = f"{bar}.{beat}"
        box = draw.textbbox((0, 0), label, font=font)
        pad = 3
        draw.rectangle([x + 4, y + 4, x + 4 + box[2] + 2 * pad, y + 4 + box[3] + 2 * pad],
                       fill=(255, 255, 255) if beat != 1 else (40, 40, 48))
        draw.text((x + 4 + pad, y + 4 + pad), label, font=font, fill=(40, 40, 48) if beat != 1 else (255, 255, 255))
    out = np.asarray(sheet)
    if path is not None:
        save_png(path, sheet)
    return out


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has only the fixed bitmap font
        return ImageFont.load_default()


# --- the dancer beside the staff ----------------------------------------------------------------------------

class StaffStrip:
    """The whole score drawn once as one tall staff image, and the window of it that a frame shows.

    ``staff`` is what ``viz.staff.draw_staff`` returns: ``png(scale)``, ``width``/``height`` in SVG units and
    ``locate(beat) -> (x, y)`` in SVG units, y down, beat 0 at the bottom. The window is ``height`` pixels tall,
    shows about ``BEATS_SHOWN`` beats, and scrolls so that the play-head sits a third of the way up with what
    comes next above it (at the start and the end of the score the play-head moves instead).
    """

    BEATS_SHOWN = 10.0
    PLAYHEAD_FROM_TOP = 0.66
    MAX_SIDE = 32000  # pixels: cairo draws nothing taller

    def __init__(self, staff, height: int, *, max_width: int | None = None) -> None:
        self.staff = staff
        self.height = int(height)
        per_beat = abs(float(staff.locate(1.0)[1]) - float(staff.locate(0.0)[1])) or staff.height / 8
        scale = self.height / (self.BEATS_SHOWN * per_beat)
        scale = min(scale, (max_width or 0.8 * self.height) / staff.width, self.MAX_SIDE / staff.height)
        image = Image.open(io.BytesIO(staff.png(scale)))
        if image.mode != "RGB":
            image = image.convert("RGBA")
            image = Image.alpha_composite(Image.new("RGBA", image.size, PAPER + (255,)), image)
        self.image = np.asarray(image.convert("RGB"))
        self.scale = self.image.shape[0] / staff.height
        h = self.image.shape[0]
        self.offset = max(self.height - h, 0)
        if self.offset:  # a short score: on paper, beat 0 at the bottom like a page
            pad = np.full((self.offset, self.image.shape[1], 3), PAPER, dtype=np.uint8)
            self.image = np.concatenate([pad, self.image])
        self.width = self.image.shape[1] + 1 + (self.image.shape[1] + 1) % 2  # even: video encoders want it

    def window(self, beat: float) -> np.ndarray:
        """The panel (height, width, 3) at ``beat`` with the play-head drawn across the staff."""
        y = float(self.staff.locate(float(beat))[1]) * self.scale + self.offset
        h = self.image.shape[0]
        top = int(round(np.clip(y - self.PLAYHEAD_FROM_TOP * self.height, 0, h - self.height)))
        panel = np.empty((self.height, self.width, 3), dtype=np.uint8)
        panel[:] = PAPER
        panel[:, :self.image.shape[1]] = self.image[top:top + self.height]
        panel[:, -1] = (200, 200, 205)
        row = int(round(y - top))
        band = slice(max(row - 1, 0), min(row + 2, self.height))
        panel[band, :-1] = (0.2 * panel[band, :-1] + 0.8 * np.array(PLAYHEAD)).astype(np.uint8)
        for k in range(8):  # an arrowhead at each edge, pointing in at the staff
            a, b = max(row - 7 + k, 0), min(row + 8 - k, self.height)
            panel[a:b, k] = PLAYHEAD
            panel[a:b, -2 - k] = PLAYHEAD
        return panel


def beside_staff(frames: Iterable[np.ndarray], score, beats: Sequence[float], height: int,
                 *, staff=None) -> Iterator[np.ndarray]:
    """Each frame with the score's staff to its left, scrolled to the frame's beat (``beats``, one per frame),
    and the bar and beat written in the frame's corner."""
    if staff is None:
        try:
            from .staff import draw_staff
        except ImportError as error:
            raise LabanError(f"the staff beside the dancer needs viz.staff ({error})") from error
        staff = draw_staff(score, beats_per_staff=score.duration)
    strip = StaffStrip(staff, height)
    font = _font(max(12, height // 30))
    for frame, beat in zip(frames, beats):
        yield np.concatenate([strip.window(beat), _counter(frame, score.grid, float(beat), font)], axis=1)


def _counter(frame: np.ndarray, grid, beat: float, font) -> np.ndarray:
    """'bar 3 · beat 2' in the frame's top-left corner (upbeats before bar 1 show as bar 0). A beat a hair before a
    bar line (float noise in a grid's times) is on it, for the bar as for the beat: it read 'bar 45 · beat 3' in
    2/4 on bar 46's line."""
    bar, within = grid.bar_and_beat(beat + 1e-6)
    text = f"bar {bar}  ·  beat {int(np.floor(within))}"
    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image, "RGBA")
    box = draw.textbbox((0, 0), text, font=font)
    pad = max(4, font.size // 3) if hasattr(font, "size") else 4
    draw.rounded_rectangle([8, 8, 8 + box[2] + 2 * pad, 8 + box[3] + 2 * pad], radius=pad,
                           fill=(255, 255, 255, 200))
    draw.text((8 + pad, 8 + pad), text, font=font, fill=(40, 40, 48))
    return np.asarray(image)
