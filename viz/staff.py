"""The Labanotation staff: a score drawn as the page a notator reads, in SVG (and PNG through cairosvg).

Time flows upward: beat 0 sits at the bottom of the first staff on a double line, with the starting position
written below it; bar lines cross the staff with their numbers on the left, beats are ticks on the centre line,
and the tempo and meter stand at the start. Three staff lines hold the support and leg-gesture columns of each
side; outside them, from the staff outward, the torso (body), upper-arm and forearm columns, and the head
outermost on the right (labelled at the bottom of every staff). A symbol is as long as it lasts. A long score
continues on further staves side by side, read left to right, each from bottom to top, several rows of them
down the page like successive printed pages.

Every symbol is one ``<g class="symbol">`` group carrying ``data-column``, ``data-start``, ``data-duration``,
``data-sign`` (and ``data-direction``, ``data-level``, ``data-turn`` where they apply); the starting position's
symbols are such groups too, with the extra class ``starting``. A symbol that runs past the top of its staff goes
on at the bottom of the next as a dashed open box inside the same group. Shapes are in ``viz.glyphs``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from laban.errors import LabanError
from laban.files import atomic_path
from laban.score import Column, Score, Sign, Symbol

from . import glyphs
from .glyphs import num

# Page geometry in SVG user units (1 unit = 1 px at scale 1). A PNG at scale 2 printed at 200 dpi gives a beat
# 10 mm tall and a column 5.6 mm wide, about the proportions of a printed Labanotation score.
BEAT = 40.0  # height of one beat
COL = 22.0  # width of a column
SYMBOL_W = 15.0  # width of a symbol inside its column
V_GAP = 1.2  # space left between consecutive symbols of a column, above and below each
MIN_H = 7.0  # the least height a symbol is drawn with, however short it is
START_GAP, START_H = 7.0, 30.0  # the starting position: below the double line, this tall
MARGIN = 24.0  # page margin
LEFT_ROOM = 30.0  # left of the staff: bar numbers and the meter
RIGHT_ROOM = 22.0  # right of the staff: turn amounts of the head column, breathing space
TOP_ROOM = 16.0  # above each staff
LABEL_H = 70.0  # below each staff: the column labels
ROW_GAP = 26.0  # between rows of staves
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"

# Columns: (left edge, in columns from the centre line; right edge). Right side: support, leg gesture, (the
# staff's outer line), an empty body column kept for symmetry, upper arm, forearm, head. Left side mirrored,
# with the (single) torso column in the left body column.
_COLUMNS: dict[Column, tuple[float, float]] = {
    Column.CENTRE: (-1.0, 1.0),
    Column.SUPPORT_LEFT: (-1.0, 0.0), Column.SUPPORT_RIGHT: (0.0, 1.0),
    Column.LEG_LEFT: (-2.0, -1.0), Column.LEG_RIGHT: (1.0, 2.0),
    Column.TORSO: (-3.0, -2.0),
    Column.UPPER_ARM_LEFT: (-4.0, -3.0), Column.UPPER_ARM_RIGHT: (3.0, 4.0),
    Column.FOREARM_LEFT: (-5.0, -4.0), Column.FOREARM_RIGHT: (4.0, 5.0),
    Column.HEAD: (5.0, 6.0),
}
_LABELS: dict[Column, str] = {
    Column.SUPPORT_LEFT: "support L", Column.SUPPORT_RIGHT: "support R",
    Column.LEG_LEFT: "leg gesture L", Column.LEG_RIGHT: "leg gesture R",
    Column.TORSO: "torso",
    Column.UPPER_ARM_LEFT: "upper arm L", Column.UPPER_ARM_RIGHT: "upper arm R",
    Column.FOREARM_LEFT: "forearm L", Column.FOREARM_RIGHT: "forearm R",
    Column.HEAD: "head",
}
_LEFT_EDGE, _RIGHT_EDGE = -5.0, 6.0  # outermost column edges
STAFF_W = (_RIGHT_EDGE - _LEFT_EDGE) * COL
SLOT_W = LEFT_ROOM + STAFF_W + RIGHT_ROOM  # one staff and its margins, side by side on the page
_CENTRE_IN_SLOT = LEFT_ROOM - _LEFT_EDGE * COL

# Automatic layout: staves of whole bars, about 16 to 32 beats each (a score up to 36 beats: one staff); up to 5 staves side by side in a row.
_ONE_STAFF_BEATS, _MIN_STAFF_BEATS, _MAX_STAFF_BEATS = 36, 16, 32
_MAX_PER_ROW = 5
PNG_SCALE = 2.0  # what save_staff uses: legible when printed
_MAX_PNG_PIXELS = 80e6  # save_staff lowers the scale of a huge page to stay under this many pixels...
_MAX_PNG_SIDE = 32767  # ...and under cairo's largest image side


@dataclass(frozen=True)
class _Place:
    """One staff on the page: the beats it holds, its centre line and the y of its first beat."""

    start: float
    end: float
    centre: float
    base: float
    top: float


class Staff:
    """A drawn score: the page as SVG, PNG on demand, and where each beat lies on it."""

    def __init__(self, svg: str, width: float, height: float, places: list[_Place]) -> None:
        self._svg = svg
        self.width = width
        self.height = height
        self._places = places

    @property
    def staves(self) -> list[tuple[float, float]]:
        """The beats each staff holds, ``[start, end)``, in reading order."""
        return [(p.start, p.end) for p in self._places]

    def svg(self) -> str:
        """The whole page as an SVG document."""
        return self._svg

    def png(self, scale: float = 1.0) -> bytes:
        """The page as a PNG of ``round(width * scale)`` x ``round(height * scale)`` pixels (2 prints legibly)."""
        if not (math.isfinite(scale) and scale > 0):
            raise LabanError(f"PNG scale must be a positive number, not {scale}")
        size = (max(1, round(self.width * scale)), max(1, round(self.height * scale)))
        if max(size) > _MAX_PNG_SIDE:
            raise LabanError(f"a PNG of {size[0]} x {size[1]} pixels is beyond what cairo can draw "
                             f"({_MAX_PNG_SIDE} a side): use a smaller scale, fewer beats per staff, or SVG")
        try:
            import cairosvg
        except (ImportError, OSError) as error:  # OSError: the package is there but libcairo is not
            raise LabanError(f"drawing a PNG needs cairosvg and the cairo library ({error})") from None
        return cairosvg.svg2png(bytestring=self._svg.encode("utf-8"), output_width=size[0], output_height=size[1])

    def locate(self, beat: float) -> tuple[float, float]:
        """``(x of the centre line, y)`` on the page at ``beat`` (clamped to the score; a beat on a staff break
        is at the bottom of the next staff, the very end at the top of the last)."""
        places = self._places
        beat = min(max(float(beat), places[0].start), places[-1].end)
        place = next((p for p in places if p.start <= beat < p.end), places[-1])
        return place.centre, place.base - (beat - place.start) * BEAT


def draw_staff(score: Score, *, beats_per_staff: float | None = None, title: str | None = None) -> Staff:
    """Draw ``score`` as a Labanotation staff.

    ``beats_per_staff=None`` lays out a page: staves of whole bars (about 16–32 beats; a short score is one
    staff), up to five side by side per row. A number cuts the score every that many beats from beat 0;
    ``score.duration`` or more gives one tall staff. ``title`` replaces the score's own title.
    """
    end = max(math.ceil(score.duration - 1e-9), 1)
    breaks = _breaks(score, end, beats_per_staff)
    title = score.title if title is None else title
    staff_beats = max(b - a for a, b in pairwise(breaks))
    count = len(breaks) - 1
    rows = math.ceil(count / _MAX_PER_ROW)
    per_row = math.ceil(count / rows)

    head = MARGIN + (30.0 if title else 0.0) + 18.0  # title, then the tempo line
    row_h = TOP_ROOM + staff_beats * BEAT + START_GAP + START_H + 6.0 + LABEL_H
    width = math.ceil(2 * MARGIN + per_row * SLOT_W)
    height = math.ceil(head + rows * row_h + (rows - 1) * ROW_GAP + MARGIN)
    places = []
    for i, (a, b) in enumerate(pairwise(breaks)):
        row, slot = divmod(i, per_row)
        top = head + row * (row_h + ROW_GAP) + TOP_ROOM
        places.append(_Place(a, b, MARGIN + slot * SLOT_W + _CENTRE_IN_SLOT, top + staff_beats * BEAT, top))

    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" height="{height}" '
              f'viewBox="0 0 {width} {height}" font-family="{FONT}" data-staves="{count}" data-beats="{end}">'),
             f"<title>{_text(title or 'Labanotation score')}</title>",
             f"<defs>{glyphs.defs()}</defs>",
             f'<rect class="paper" width="{width}" height="{height}" fill="#fff"/>']
    parts.append(_header(score, title, width))
    for index, place in enumerate(places):
        parts.append(_staff_frame(score, place, index, end))
    parts.append('<g class="symbols">')
    parts += [_symbol(s, places, None) for s in score.starting_position]
    flights = [s for s in score.symbols if s.sign is Sign.FLIGHT]  # under the turns in the air that share them
    parts += [_symbol(s, places, s) for s in flights]
    parts += [_symbol(s, places, s) for s in score.symbols if s.sign is not Sign.FLIGHT]
    parts.append("</g></svg>")
    return Staff("\n".join(parts), width, height, places)


def save_staff(score: Score, path: str | os.PathLike, **options) -> None:
    """Draw ``score`` to ``path``: ``.svg`` or ``.png`` (by suffix; ``scale=`` sets the PNG's pixels per unit,
    2 by default); other options go to ``draw_staff``. Written atomically: a failure leaves nothing behind."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png"):
        kind = f"a {suffix} file" if suffix else "a file without a suffix"
        raise LabanError(f"{path}: cannot draw a staff as {kind}; use .svg or .png")
    scale = options.pop("scale", None)
    staff = draw_staff(score, **options)
    if suffix == ".svg":
        data = staff.svg().encode("utf-8")
    else:
        if scale is None:  # print scale, less for a page too big for one image
            scale = min(PNG_SCALE, math.sqrt(_MAX_PNG_PIXELS / (staff.width * staff.height)),
                        _MAX_PNG_SIDE / max(staff.width, staff.height))
        data = staff.png(scale)
    try:
        with atomic_path(path) as temporary:
            temporary.write_bytes(data)
    except OSError as error:
        raise LabanError(f"{path}: cannot write: {error.strerror or error}") from None


# ---------------------------------------------------------------------------------------------------------------
# Layout


def _breaks(score: Score, end: int, beats_per_staff: float | None) -> list[float]:
    """Beats where staves begin, and the end: ``[0, b1, ..., end]``."""
    if beats_per_staff is not None:
        if not (isinstance(beats_per_staff, (int, float)) and math.isfinite(beats_per_staff)
                and beats_per_staff > 0):
            raise LabanError(f"beats per staff must be a positive number of beats, not {beats_per_staff!r}")
        step = float(beats_per_staff)
        count = max(math.ceil(score.duration / step - 1e-9), 1)  # score.duration per staff: one staff
        return [i * step for i in range(count)] + [float(end)]
    if end <= _ONE_STAFF_BEATS:
        return [0.0, float(end)]
    # Whole bars per staff: staves of about a third of the score, kept between _MIN_ and _MAX_STAFF_BEATS, then
    # the bars shared out evenly so that the last staff is not a scrap.
    per_bar, downbeat = score.beats_per_bar, score.grid.downbeat
    bars = math.ceil((end - downbeat) / per_bar)  # bars after the upbeat, the last one perhaps incomplete
    target = min(max(end / 3, _MIN_STAFF_BEATS), _MAX_STAFF_BEATS)
    staves = math.ceil(bars / max(1, round(target / per_bar)))
    step = math.ceil(bars / staves) * per_bar
    breaks = [0.0] + [float(b) for b in range(downbeat + step, end, step)]  # the first staff holds the upbeat too
    return breaks + [float(end)]


def _text(text: str) -> str:
    """Text as XML character data on one line: escaped, without the control characters XML cannot hold."""
    line = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return escape(line)


def _header(score: Score, title: str, width: float) -> str:
    out = ['<g class="header">']
    y = MARGIN
    if title:
        y += 20
        out.append(f'<text class="title" x="{num(width / 2)}" y="{num(y)}" font-size="17" font-weight="bold" '
                   f'text-anchor="middle">{_text(title)}</text>')
        y += 10
    tempo = score.tempo
    bpm = f"{tempo:.0f}" if tempo >= 20 else f"{tempo:.1f}"
    out.append(f'<text class="tempo" x="{num(MARGIN)}" y="{num(y + 12)}" font-size="13">\u2669 = {bpm}</text>')
    out.append("</g>")
    return "".join(out)


def _staff_frame(score: Score, place: _Place, index: int, end: int) -> str:
    """Staff lines, start and end lines, bar lines and numbers, beat ticks, the meter and the column labels."""
    c, base = place.centre, place.base

    def y(beat: float) -> float:
        return base - (beat - place.start) * BEAT

    first, last = index == 0, place.end >= end
    top = y(place.end)
    bottom = base + (START_GAP + START_H + 4.0 if first else 0.0)
    inner, outer = c - 2 * COL, c + 2 * COL
    left, right = c + _LEFT_EDGE * COL, c + _RIGHT_EDGE * COL
    out = [f'<g class="staff" data-index="{index}" data-start="{place.start!r}" data-end="{place.end!r}">']

    # Light guides for the columns outside the staff, so that arm and head symbols read in their columns.
    guides = [c + k * COL for k in (-5, -4, -3, 3, 4, 5, 6)]
    out.append('<path class="guides" d="' + " ".join(f"M{num(x)} {num(top)} L{num(x)} {num(base)}" for x in guides)
               + '" stroke="#ccc" stroke-width="0.6" stroke-dasharray="1 3"/>')
    # The three staff lines.
    out.append('<path class="staff-lines" d="' + " ".join(f"M{num(x)} {num(top)} L{num(x)} {num(bottom)}"
                                                         for x in (inner, c, outer))
               + '" stroke="#000" stroke-width="1.2"/>')

    # Beat ticks on the centre line, bar lines across the staff (dotted on over the outer columns).
    per_bar, downbeat = score.beats_per_bar, score.grid.downbeat
    ticks, bars, numbers = [], [], []
    for beat in range(math.ceil(place.start), math.floor(place.end) + 1):
        on_bar = (beat - downbeat) % per_bar == 0 and beat >= downbeat
        if on_bar:
            if beat == 0 and first or beat >= end:
                pass  # the double lines stand there
            else:
                bars.append(y(beat))
            if beat < end and not (beat == place.end and not last):
                numbers.append((y(beat), score.grid.bar_and_beat(beat)[0]))
        elif place.start < beat < place.end:
            ticks.append(y(beat))
    if ticks:
        out.append('<path class="beats" d="' + " ".join(f"M{num(c - 4)} {num(t)} L{num(c + 4)} {num(t)}"
                                                       for t in ticks) + '" stroke="#000" stroke-width="1.2"/>')
    if bars:
        out.append('<path class="bar-lines" d="' + " ".join(f"M{num(inner)} {num(b)} L{num(outer)} {num(b)}"
                                                           for b in bars) + '" stroke="#000" stroke-width="1"/>')
        out.append('<path class="bar-guides" d="' + " ".join(
            f"M{num(left)} {num(b)} L{num(inner)} {num(b)} M{num(outer)} {num(b)} L{num(right)} {num(b)}"
            for b in bars) + '" stroke="#999" stroke-width="0.6" stroke-dasharray="2 3"/>')
    for yy, bar in numbers:
        out.append(f'<text class="bar-number" x="{num(left - 5)}" y="{num(yy + 4)}" font-size="11" '
                   f'text-anchor="end">{bar}</text>')

    if first:  # the double line at the start, the meter beside the starting position
        out.append(f'<path class="start-line" d="M{num(inner)} {num(base)} L{num(outer)} {num(base)} '
                   f'M{num(inner)} {num(base + 3)} L{num(outer)} {num(base + 3)}" stroke="#000" '
                   f'stroke-width="1.2"/>')
        my = base + START_GAP + START_H / 2
        out.append(f'<g class="meter" font-size="14" font-weight="bold" text-anchor="middle">'
                   f'<text x="{num(left - 14)}" y="{num(my - 2)}">{per_bar}</text>'
                   f'<text x="{num(left - 14)}" y="{num(my + 12)}">4</text></g>')
    if last:  # the end: a thin and a thick line
        out.append(f'<path class="end-line" d="M{num(inner)} {num(top + 3.5)} L{num(outer)} {num(top + 3.5)}" '
                   f'stroke="#000" stroke-width="1"/>'
                   f'<path class="end-line" d="M{num(inner)} {num(top)} L{num(outer)} {num(top)}" '
                   f'stroke="#000" stroke-width="2.6"/>')

    # Column labels under the staff, reading upward.
    label_top = place.base + START_GAP + START_H + 12.0
    out.append('<g class="column-labels" font-size="9" fill="#333" text-anchor="end">')
    for column, label in _LABELS.items():
        x0, x1 = _COLUMNS[column]
        x = c + (x0 + x1) / 2 * COL + 3.2
        out.append(f'<text x="{num(x)}" y="{num(label_top)}" transform="rotate(-90 {num(x)} {num(label_top)})">'
                   f"{label}</text>")
    out.append("</g></g>")
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------------
# Symbols


def _symbol(symbol: Symbol, places: list[_Place], timed: Symbol | None) -> str:
    """One symbol's group; ``timed`` is None for the starting position."""
    attrs = [("class", "symbol" if timed else "symbol starting"), ("data-column", symbol.column.value),
             ("data-start", repr(symbol.start)), ("data-duration", repr(symbol.duration)),
             ("data-sign", symbol.sign.value)]
    if symbol.sign is Sign.DIRECTION:
        attrs += [("data-direction", symbol.direction.value), ("data-level", symbol.level.value)]
    if symbol.sign is Sign.TURN:
        attrs.append(("data-turn", repr(symbol.turn)))
    x0, x1 = _x_range(symbol.column)

    if timed is None:
        place = places[0]
        top = place.base + START_GAP + V_GAP
        pieces = [(place, top, top + START_H - 2 * V_GAP)]
    else:
        pieces = []
        for place in places:
            a, b = max(symbol.start, place.start), min(symbol.end, place.end)
            if place.start <= symbol.start < place.end or (a < b and pieces):
                bottom = place.base - (a - place.start) * BEAT
                top = place.base - (b - place.start) * BEAT
                if bottom - top > MIN_H + 2 * V_GAP:
                    bottom, top = bottom - V_GAP, top + V_GAP
                pieces.append((place, min(top, bottom - MIN_H), bottom))
            if symbol.end <= place.end and pieces:
                break
    if not pieces:  # a zero-length symbol on the very last beat: drawn at the top of the last staff
        place = places[-1]
        top = place.base - (place.end - place.start) * BEAT
        pieces.append((place, top - MIN_H, top))
    attrs.append(("data-staff", str(places.index(pieces[0][0]))))

    body = []
    for i, (place, top, bottom) in enumerate(pieces):
        c = place.centre
        if i:
            body.append(glyphs.continuation(c + x0, c + x1, top, bottom))
        else:
            body.append(_glyph(symbol, c + x0, c + x1, top, bottom))
    head = "<g " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs) + ">"
    return head + "".join(body) + "</g>"


def _x_range(column: Column) -> tuple[float, float]:
    """The symbol's left and right edge relative to the centre line."""
    left, right = _COLUMNS[column]
    pad = (COL - SYMBOL_W) / 2
    return left * COL + pad, right * COL - pad


def _side(column: Column) -> str:
    """The side of the staff a column is on (the centre column's turn amount goes on the right)."""
    return column.side or ("left" if _COLUMNS[column][1] <= 0 else "right")


def _glyph(symbol: Symbol, x0: float, x1: float, top: float, bottom: float) -> str:
    if symbol.sign is Sign.DIRECTION:
        return glyphs.direction(symbol.direction, symbol.level, x0, x1, top, bottom, _side(symbol.column))
    if symbol.sign is Sign.TURN:
        if symbol.column is Column.CENTRE:  # across both support columns, a little narrower than them
            x0, x1 = x0 + 3, x1 - 3
        return glyphs.turn(symbol.turn, x0, x1, top, bottom, "left" if _side(symbol.column) == "left" else "right")
    if symbol.sign is Sign.HOLD:
        return glyphs.hold(x0, x1, top, bottom)
    return glyphs.flight(x0 - 2, x1 + 2, top, bottom)
