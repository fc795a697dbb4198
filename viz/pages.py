"""The staff on paper: a score laid out on A4 or Letter pages, as a multi-page PDF or one PNG per page.

A page holds a row of staves side by side (two by default), each as tall as the page allows in whole bars, read
left to right, each from bottom to top; the next page goes on where the last staff of this one stopped. The first
page carries the title and the tempo, every page its number ("2 / 5") at the foot. The drawing is the staff's
own (``viz.staff.draw_page``) at ``MM_PER_UNIT`` millimetres per unit, smaller when more staves are asked for
than fit across the paper at that size; nothing is drawn outside a page.

The PDF is drawn by cairo (through cairosvg, which draws one SVG on a cairo surface: here every page is drawn on
one shared PDF surface, a page at a time), so it needs no other library; it is deterministic (a fixed creation
date) and written atomically by ``save_staff``, which draws a score to any of the staff's
files (SVG, PNG, PDF) by suffix.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

from laban.errors import LabanError
from laban.files import atomic_path
from laban.score import Score

from .staff import (BELOW, MAX_PNG_PIXELS, MAX_PNG_SIDE, PNG_SCALE, SLOT_W, TOP_ROOM, _CENTRE_IN_SLOT, Place, Staff,
                    beat_height, check_beats_per_staff, check_length, draw_page, draw_staff, header_height,
                    score_end)

PAPER = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}  # width, height in millimetres
MM_PER_UNIT = 0.25  # a beat of 40 units is 10 mm, a symbol 3.75 mm wide, a turn amount 6.4 pt
MARGIN_MM = 12.0
FOOTER = 16.0  # units at the foot of a page for its number
STAVES_PER_PAGE = 2
STRETCH = 1.25  # the most a page stretches its beats to fill its height with whole bars
PNG_DPI = 150  # the pixels of a page image: an A4 page is 1240 x 1754


def draw_pages(score: Score, *, paper: str = "a4", staves_per_page: int | None = None,
               beats_per_staff: float | None = None, title: str | None = None) -> list[Staff]:
    """``score`` on pages of ``paper`` ('a4' or 'letter'), ``staves_per_page`` staves side by side (2 by
    default), each staff as many whole bars as fit the page's height (at most ``beats_per_staff`` beats)."""
    if not isinstance(paper, str) or paper.lower() not in PAPER:
        raise LabanError(f"paper must be one of {', '.join(PAPER)}, not {paper!r}")
    count = STAVES_PER_PAGE if staves_per_page is None else staves_per_page
    if not (isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= 12):
        raise LabanError(f"staves per page must be a whole number from 1 to 12, not {staves_per_page!r}")
    check_length(score)
    cap = math.inf if beats_per_staff is None else check_beats_per_staff(beats_per_staff)
    title = score.title if title is None else title
    paper_w, paper_h = PAPER[paper.lower()]
    unit = min(MM_PER_UNIT, (paper_w - 2 * MARGIN_MM) / (count * SLOT_W))  # millimetres per unit
    width, height, margin = paper_w / unit, paper_h / unit, MARGIN_MM / unit
    beat = beat_height(score)
    room = height - 2 * margin - TOP_ROOM - BELOW - FOOTER  # the beats' height on a page without a header
    first_room = room - (header_height(title, margin) - margin)
    # Whole bars fill a page: the beat stretches (up to STRETCH times) so that they reach its foot.
    bar = score.beats_per_bar * beat
    if bar <= first_room and cap == math.inf:
        beat *= min(room / (room // bar * bar), first_room / (first_room // bar * bar), STRETCH)
    if first_room < beat:
        raise LabanError(f"{count} staves per page leave no room for a beat on {paper} paper: ask for fewer")

    end = score_end(score)
    staves: list[tuple[float, float]] = []  # [start, end) of each staff, page by page
    capacity = int(first_room / beat + 1e-6)
    while not staves or staves[-1][1] < end:
        if len(staves) == count:
            capacity = int(room / beat + 1e-6)
        start = staves[-1][1] if staves else 0.0
        staves.append((start, _staff_end(score, start, min(capacity, cap), end)))
    pages = [staves[i:i + count] for i in range(0, len(staves), count)]

    left = (width - count * SLOT_W) / 2  # the row centred across the paper
    size = (f"{paper_w:g}mm", f"{paper_h:g}mm")
    out = []
    for number, row in enumerate(pages, 1):
        top = (header_height(title, margin) if number == 1 else margin) + TOP_ROOM
        longest = max(b - a for a, b in row)
        places = [Place(a, b, left + i * SLOT_W + _CENTRE_IN_SLOT, top + longest * beat, beat,
                        (number - 1) * count + i) for i, (a, b) in enumerate(row)]
        svg = draw_page(score, places, width, height, title=title, header=number == 1, margin=margin,
                        footer=f"{number} / {len(pages)}", size=size)
        out.append(Staff(svg, width, height, places, (paper_w, paper_h)))
    return out


def _staff_end(score: Score, start: float, capacity: float, end: int) -> float:
    """Where a staff from ``start`` holding at most ``capacity`` beats ends: on the last bar line that fits (mid
    bar only when not even one bar fits), or at the end of the score."""
    if start + capacity >= end:
        return float(end)
    per_bar, downbeat = score.beats_per_bar, score.grid.downbeat
    last_bar = downbeat + math.floor((start + capacity - downbeat) / per_bar) * per_bar
    if last_bar > start:
        return float(last_bar)
    return start + max(math.floor(capacity), 1)


def pdf(pages: list[Staff], title: str = "") -> bytes:
    """The pages as one PDF document (each page at its own paper size)."""
    try:
        import cairocffi
        from cairosvg.parser import Tree
        from cairosvg.surface import PDFSurface
    except (ImportError, OSError) as error:
        raise LabanError(f"drawing a PDF needs cairosvg and the cairo library ({error})") from None

    output = io.BytesIO()
    target = cairocffi.PDFSurface(output, 1, 1)
    target.set_metadata(cairocffi.PDF_METADATA_TITLE, title or "Labanotation score")
    target.set_metadata(cairocffi.PDF_METADATA_CREATOR, "motiongpt")
    target.set_metadata(cairocffi.PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z")  # same score, same bytes

    class Page(PDFSurface):
        """cairosvg's PDF surface drawing onto the shared document instead of a new one (its documented hook
        for the surface it draws on)."""

        def _create_surface(self, width, height):
            target.set_size(width, height)
            return target, width, height

    for page in pages:
        Page(Tree(bytestring=page.svg().encode("utf-8")), None, 96)
        target.show_page()
    target.finish()
    return output.getvalue()


def png(page: Staff, scale: float | None = None) -> bytes:
    """One page as a PNG: ``scale`` pixels per unit, by default ``PNG_DPI`` on paper."""
    if scale is None:
        scale = page.paper_mm[0] / 25.4 * PNG_DPI / page.width
    return page.png(scale)


def save_staff(score: Score, path: str | os.PathLike, **options) -> list[Path]:
    """Draw ``score`` to ``path`` by its suffix and return the files written.

    - ``.svg``: one page of any size (``draw_staff``).
    - ``.pdf``: printed pages (``viz.pages``): ``paper='a4'`` or ``'letter'``, ``staves_per_page``, page numbers,
      the title and tempo on the first page.
    - ``.png``: a score that fits on one printed page is one image of ``draw_staff``'s page (``scale=`` pixels per
      unit, 2 by default); a longer one is written as one image per printed page, ``name-1.png``, ``name-2.png``
      ... (``paper``, ``staves_per_page`` as for the PDF; 150 dpi unless ``scale`` is given), never one image of
      endless height. With ``beats_per_staff`` (one tall staff, say) it is one image, at a lower scale if huge.

    Other options go to ``draw_staff``. Every file is written atomically: a failure leaves nothing half-written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png", ".pdf"):
        kind = f"a {suffix} file" if suffix else "a file without a suffix"
        raise LabanError(f"{path}: cannot draw a staff as {kind}; use .svg, .png or .pdf")
    print_options = {k: options.pop(k) for k in ("paper", "staves_per_page") if k in options}
    scale = options.pop("scale", None)
    if suffix == ".pdf":
        files = [(path, pdf(draw_pages(score, **options, **print_options), score.title
                                  if options.get("title") is None else options["title"]))]
    elif suffix == ".svg":
        files = [(path, draw_staff(score, **options).svg().encode("utf-8"))]
    else:
        printed = draw_pages(score, **options, **print_options) if options.get("beats_per_staff") is None \
            else []  # staves of a length asked for: the one page they make, as before
        if len(printed) > 1:
            stem = path.stem
            files = [(path.with_name(f"{stem}-{i}{path.suffix}"), png(page, scale))
                     for i, page in enumerate(printed, 1)]
        else:
            staff = draw_staff(score, **options)
            if scale is None:  # print scale, less for a page too big for one image
                scale = min(PNG_SCALE, math.sqrt(MAX_PNG_PIXELS / (staff.width * staff.height)),
                            MAX_PNG_SIDE / max(staff.width, staff.height))
            files = [(path, staff.png(scale))]
    for target, data in files:
        try:
            with atomic_path(target) as temporary:
                temporary.write_bytes(data)
        except OSError as error:
            raise LabanError(f"{target}: cannot write: {error.strerror or error}") from None
    return [target for target, _ in files]
