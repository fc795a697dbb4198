"""A set of variations on disk: ``OUT/1`` .. ``OUT/N`` (each a dance folder, 1 the best ranked) and
``OUT/overview.png``, one picture to choose from: per variation, its number and quality, a thumbnail of its staff
and a strip of its poses (one a bar, ``viz.video.contact_sheet``). The whole folder is written atomically."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .dance import Dance, atomic_folder, write_files

ROW_HEIGHT = 220  # pixels: one variation's row in the overview
POSE_PANEL = (110, 143)  # pixels: one pose
MAX_POSES = 16  # poses a row at most (a pose a bar, long dances thinned)


def save_variations(out: str | Path, dances: list[Dance], *, video: bool = False, picture: bool = True) -> Path:
    """``dances`` (in the order given, ranked already: ``generate``, ``vary``) as ``out/1`` .. ``out/N`` and
    ``out/overview.png``, all or nothing. Videos are off by default (N renders are slow); ``picture=False``
    skips the overview."""
    out = Path(out)
    with atomic_folder(out, [source for dance in dances for source in dance.sources()]) as temporary:
        for number, dance in enumerate(dances, 1):
            (temporary / str(number)).mkdir()
            write_files(temporary / str(number), dance, video=video)
        if picture:
            overview(dances, temporary / "overview.png")
    return out


def overview(dances: list[Dance], path: str | Path) -> Path:
    """The overview picture of ``dances``, numbered from 1 in the order given. Without a renderer the rows hold
    the staff thumbnails alone (a warning says so)."""
    from PIL import Image, ImageDraw

    from viz.video import _font, save_png

    rows = []
    posed = True
    for number, dance in enumerate(dances, 1):
        staff = _staff_thumbnail(dance)
        poses = None
        if posed:
            try:
                poses = _pose_strip(dance)
            except Exception as error:  # no renderer: the staves alone still let a person choose
                warnings.warn(f"no poses in the overview ({' '.join(str(error).split())[:100]})")
                posed = False
        label = f"{number}"
        q = dance.prompt.get("quality", {}).get("quality") if isinstance(dance.prompt.get("quality"), dict) else None
        rows.append((label, q, staff, poses))
    width = 70 + max(s.width for _, _, s, _ in rows) + 10 + max((p.width if p is not None else 0) for *_, p in rows)
    sheet = Image.new("RGB", (width + 10, len(rows) * (ROW_HEIGHT + 8) + 8), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    big, small = _font(34), _font(13)
    staff_width = max(s.width for _, _, s, _ in rows)
    for k, (label, q, staff, poses) in enumerate(rows):
        y = 8 + k * (ROW_HEIGHT + 8)
        draw.text((12, y + 8), label, font=big, fill=(40, 40, 48))
        if q is not None:
            draw.text((12, y + 52), f"q {q:+.2f}", font=small, fill=(90, 90, 100))
        sheet.paste(staff, (70, y))
        if poses is not None:
            sheet.paste(poses, (70 + staff_width + 10, y + (ROW_HEIGHT - poses.height) // 2))
        draw.line([(0, y + ROW_HEIGHT + 4), (sheet.width, y + ROW_HEIGHT + 4)], fill=(220, 220, 226))
    return save_png(path, sheet)


def _staff_thumbnail(dance: Dance):
    """The staff as one column, scaled to the row's height."""
    import io

    from PIL import Image

    from viz.staff import draw_staff

    staff = draw_staff(dance.score)
    image = Image.open(io.BytesIO(staff.png(ROW_HEIGHT / staff.height))).convert("RGB")
    if image.height != ROW_HEIGHT:
        image = image.resize((max(1, round(image.width * ROW_HEIGHT / image.height)), ROW_HEIGHT))
    return image


def _pose_strip(dance: Dance):
    """A pose at each downbeat (at most ``MAX_POSES``), one row, labelled with its bar."""
    from PIL import Image

    from laban.timing import BeatGrid
    from viz.video import contact_sheet

    grid = dance.score.grid
    beats = np.arange(grid.downbeat, max(grid.beat_count - 1, 1), grid.beats_per_bar)
    beats = beats[:: max(1, -(-len(beats) // MAX_POSES))]
    seconds = grid.beats_to_seconds(beats.astype(float))
    bars = BeatGrid(tuple(float(s) for s in seconds), 1) if len(seconds) > 1 else seconds
    image = contact_sheet([dance.motion()], bars, panel=POSE_PANEL, columns=len(seconds))
    return Image.fromarray(image)
