"""The Labanotation staff: a score drawn as the page a notator reads, in SVG (and PNG through cairosvg).

Time flows upward: beat 0 sits at the bottom of the first staff on a double line, with the starting position
written below it; bar lines cross the staff with their numbers on the left, beats are ticks on the centre line,
and the tempo and meter stand at the start. Three staff lines hold the support and leg-gesture columns of each
side; outside them, from the staff outward, the torso (body), upper-arm and forearm columns, and the head
outermost on the right (labelled at the bottom of every staff). A symbol is as long as it lasts; the beats are
spaced so that the shortest symbol is legible (``beat_height``), and one shorter still is drawn at a least
length (``MIN_H``), taken from the start of the next symbol of its column where that one can spare it. A turn's
amount stands beside its sign wherever that is free (``viz.amounts``); a jump is the gap in the support columns,
with action strokes in the free leg-gesture columns. A long score continues on further staves side by side, read
left to right, each from bottom to top, several rows of them down the page; ``viz.pages`` lays the same drawing
out on printed pages (PDF, or one PNG per page).

Every symbol is one ``<g class="symbol">`` group carrying ``data-column``, ``data-start``, ``data-duration``,
``data-sign`` (and ``data-direction``, ``data-level``, ``data-turn``, ``data-contraction``, ``data-space`` where
they apply); the starting position's symbols are such groups too, with the extra class ``starting``. A sign of no
duration (a restatement the score algebra writes at a join) on a beat where a symbol that lasts starts in its
place is a group without ink, class ``undrawn``: Labanotation draws no sign of no duration over a real one. A
symbol that runs past the top of its staff goes on at the bottom of the next as a dashed open box inside the same
group. Shapes are in ``viz.glyphs``.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import pairwise
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from laban.errors import LabanError
from laban.formats.json import MAX_BEATS, uniform_tempo
from laban.score import LONGEST_SCORE_S, TOUCHING, Column, Score, Sign, Symbol, too_long

from . import amounts, glyphs
from .glyphs import num

# Page geometry in SVG user units (1 unit = 1 px at scale 1). A PNG at scale 2 printed at 200 dpi gives a beat of
# BEAT units 10 mm tall and a column 5.6 mm wide, about the proportions of a printed Labanotation score.
BEAT = 40.0  # height of one beat when every symbol lasts half a beat or more
MAX_BEAT = 64.0  # the most a beat grows so that short symbols are legible (a quarter beat is then 16 units)
LEGIBLE = 16.0  # the time slot of the shortest symbol is at least this tall, while the beat can grow
COL = 22.0  # width of a column
SYMBOL_W = 15.0  # width of a symbol inside its column
V_GAP = 1.2  # space left between consecutive symbols of a column, above and below each
# The least height a symbol is drawn with (up into the free space above it), however short it is: the least at which
# every shape reads for what it is. The high level's hatching repeats every 5 units, so two strokes show; the middle
# level's dot is full size (2.1) from 9.5; a forward or backward notch (0.3 of the height) is 3.6 deep, three times
# the outline's width, a notch and not a thicker line; a turn's ends slant by 6. Where a symbol has less room than
# this before the next of its column, that one starts higher by what is missing (``_layout_symbols``).
MIN_H = 12.0
START_GAP, START_H = 7.0, 30.0  # the starting position: below the double line, this tall
MARGIN = 24.0  # page margin
LEFT_ROOM = 30.0  # left of the staff: bar numbers and the meter
RIGHT_ROOM = 22.0  # right of the staff: turn amounts of the head column, breathing space
TOP_ROOM = 16.0  # above each staff
LABEL_H = 70.0  # below each staff: the column labels
BELOW = START_GAP + START_H + 6.0 + LABEL_H  # below a staff's first beat: the starting position and the labels
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
# Columns that share room on the staff: a symbol drawn longer than it lasts must stop below the next one there.
_SHARED: dict[Column, tuple[Column, ...]] = {
    Column.CENTRE: (Column.CENTRE, Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT),
    Column.SUPPORT_LEFT: (Column.SUPPORT_LEFT, Column.CENTRE),
    Column.SUPPORT_RIGHT: (Column.SUPPORT_RIGHT, Column.CENTRE),
}
_LEFT_EDGE, _RIGHT_EDGE = -5.0, 6.0  # outermost column edges
STAFF_W = (_RIGHT_EDGE - _LEFT_EDGE) * COL
SLOT_W = LEFT_ROOM + STAFF_W + RIGHT_ROOM  # one staff and its margins, side by side on the page
_CENTRE_IN_SLOT = LEFT_ROOM - _LEFT_EDGE * COL

# Automatic layout: staves of whole bars, about 16 to 32 beats each (a score up to 36 beats: one staff); up to 5
# staves side by side in a row.
_ONE_STAFF_BEATS, _MIN_STAFF_BEATS, _MAX_STAFF_BEATS = 36, 16, 32
_MAX_PER_ROW = 5
PNG_SCALE = 2.0  # what viz.pages.save_staff uses: legible when printed
MAX_PNG_PIXELS = 80e6  # a page bigger than this many pixels at PNG_SCALE is drawn at a lower scale...
MAX_PNG_SIDE = 32767  # ...and under cairo's largest image side


@dataclass(frozen=True)
class Place:
    """One staff on a page: the beats it holds ``[start, end)``, its centre line's x, the y of its first beat,
    the height of a beat, and its number in the whole score."""

    start: float
    end: float
    centre: float
    base: float
    beat: float
    index: int

    @property
    def top(self) -> float:
        return self.y(self.end)

    def y(self, beat: float) -> float:
        return self.base - (beat - self.start) * self.beat


class Staff:
    """A drawn score: the page as SVG, PNG on demand, and where each beat lies on it."""

    def __init__(self, svg: str, width: float, height: float, places: list[Place],
                 paper_mm: tuple[float, float] | None = None) -> None:
        self._svg = svg
        self.width = width
        self.height = height
        self._places = places
        self.paper_mm = paper_mm  # a printed page's width and height in millimetres (None: a screen page)

    @property
    def staves(self) -> list[tuple[float, float]]:
        """The beats each staff holds, ``[start, end)``, in reading order."""
        return [(p.start, p.end) for p in self._places]

    @property
    def beat_height(self) -> float:
        """The height of one beat in SVG units (the same on every staff)."""
        return self._places[0].beat

    def svg(self) -> str:
        """The whole page as an SVG document."""
        return self._svg

    def png(self, scale: float = 1.0) -> bytes:
        """The page as a PNG of ``round(width * scale)`` x ``round(height * scale)`` pixels (2 prints legibly)."""
        if not (math.isfinite(scale) and scale > 0):
            raise LabanError(f"PNG scale must be a positive number, not {scale}")
        size = (max(1, round(self.width * scale)), max(1, round(self.height * scale)))
        if max(size) > MAX_PNG_SIDE:
            raise LabanError(f"a PNG of {size[0]} x {size[1]} pixels is beyond what cairo can draw "
                             f"({MAX_PNG_SIDE} a side): use a smaller scale, fewer beats per staff, or SVG")
        try:
            import cairosvg
        except (ImportError, OSError) as error:  # OSError: the package is there but libcairo is not
            raise LabanError(f"drawing a PNG needs cairosvg and the cairo library ({error})") from None
        return cairosvg.svg2png(bytestring=self._svg.encode("utf-8"), output_width=size[0], output_height=size[1])

    def locate(self, beat: float) -> tuple[float, float]:
        """``(x of the centre line, y)`` on the page at ``beat`` (clamped to the staves drawn; a beat on a staff
        break is at the bottom of the next staff, the very end at the top of the last)."""
        places = self._places
        beat = min(max(float(beat), places[0].start), places[-1].end)
        place = next((p for p in places if p.start <= beat < p.end), places[-1])
        return place.centre, place.y(beat)


def draw_staff(score: Score, *, beats_per_staff: float | None = None, title: str | None = None) -> Staff:
    """Draw ``score`` as a Labanotation staff on one page of any size (the screen's; ``viz.pages`` prints).

    ``beats_per_staff=None`` lays out a page: staves of whole bars (about 16–32 beats; a short score is one
    staff), up to five side by side per row. A number cuts the score every that many beats from beat 0;
    ``score.duration`` or more gives one tall staff. ``title`` replaces the score's own title. The height of a
    beat is ``beat_height(score)``.
    """
    check_length(score)
    end = score_end(score)
    breaks = _breaks(score, end, beats_per_staff)
    title = score.title if title is None else title
    beat = beat_height(score)
    staff_beats = max(b - a for a, b in pairwise(breaks))
    count = len(breaks) - 1
    rows = math.ceil(count / _MAX_PER_ROW)
    per_row = math.ceil(count / rows)

    head = header_height(title, MARGIN)
    row_h = TOP_ROOM + staff_beats * beat + BELOW
    width = math.ceil(2 * MARGIN + per_row * SLOT_W)
    height = math.ceil(head + rows * row_h + (rows - 1) * ROW_GAP + MARGIN)
    places = []
    for i, (a, b) in enumerate(pairwise(breaks)):
        row, slot = divmod(i, per_row)
        top = head + row * (row_h + ROW_GAP) + TOP_ROOM
        places.append(Place(a, b, MARGIN + slot * SLOT_W + _CENTRE_IN_SLOT, top + staff_beats * beat, beat, i))
    svg = draw_page(score, places, width, height, title=title, header=True, margin=MARGIN)
    return Staff(svg, width, height, places)


# ---------------------------------------------------------------------------------------------------------------
# Layout


def check_length(score: Score) -> None:
    """Refuse, before anything is drawn, a score longer than the decoder would dance (``LONGEST_SCORE_S`` from its
    first beat): one bar far out (``bar 100000``) would otherwise be drawn for a quarter of an hour, on thousands
    of pages."""
    said = too_long(score)
    if said:
        raise LabanError(f"{said}; a staff stops at {LONGEST_SCORE_S / 3600:g} h, as the decoder does")


def score_end(score: Score) -> int:
    """The last beat a staff of ``score`` reaches: its duration rounded up to a whole beat (at least one)."""
    return max(math.ceil(score.duration - 1e-9), 1)


def beat_height(score: Score) -> float:
    """The height of a beat: ``BEAT``, more when short symbols need it (as engravers space notes).

    A notator draws a symbol as long as it lasts, and keeps the shortest legible by spacing the beats: here the
    shortest direction or turn sign gets a slot of at least ``LEGIBLE`` units, the beat growing up to
    ``MAX_BEAT`` (a quarter-beat step is then 16 units for a 15-unit-wide symbol). Anything shorter still is
    drawn ``MIN_H`` tall where its column has room (see ``_pieces``).
    """
    lengths = [s.duration for s in score.symbols if s.sign in (Sign.DIRECTION, Sign.TURN) and s.duration > 0]
    if not lengths:
        return BEAT
    return float(min(MAX_BEAT, max(BEAT, LEGIBLE / min(lengths))))


def _breaks(score: Score, end: int, beats_per_staff: float | None) -> list[float]:
    """Beats where staves begin, and the end: ``[0, b1, ..., end]``."""
    if beats_per_staff is not None:
        step = check_beats_per_staff(beats_per_staff)
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


def check_beats_per_staff(value) -> float:
    """``value`` as a staff's length in beats: positive, and no more than a score's grid may hold (``MAX_BEATS``;
    as many as the score's are one staff, so more is a typo, not a layout)."""
    if not (isinstance(value, (int, float)) and 0 < value <= MAX_BEATS):  # NaN too
        raise LabanError(f"beats per staff must be a positive number of beats up to {MAX_BEATS}, not {value!r}")
    return float(value)


def _text(text: str) -> str:
    """Text as XML character data on one line: escaped, without the control characters XML cannot hold."""
    line = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return escape(line)


def header_height(title: str, margin: float) -> float:
    """Where the first row of staves may begin under the title and the tempo line."""
    return margin + (30.0 if title else 0.0) + 18.0


def _bold_ems(text: str) -> float:
    """At most how many ems a line of bold DejaVu Sans takes (its widest letters are 1.04 em, capitals about
    0.8, the rest at most 0.72, a space 0.35)."""
    return sum(0.35 if ch == " " else 1.05 if ch in "mwMW@%" else 0.82 if ch.isupper() else 0.72 for ch in text)


def _header(score: Score, title: str, width: float, margin: float) -> str:
    out = ['<g class="header">']
    y = margin
    if title:
        y += 20
        line = " ".join("".join(ch if ch.isprintable() else " " for ch in title).split())
        room = width - 2 * margin
        size = min(17.0, max(9.0, room / max(_bold_ems(line), 1.0)))  # a long title in smaller type, to fit
        if _bold_ems(line) * size > room:  # still too long: cut where the running width passes the room
            widths = np.cumsum([_bold_ems(ch) for ch in line])
            keep = max(int(np.searchsorted(widths, room / size - _bold_ems("\u2026"), side="right")), 1)
            line = line[:keep].rstrip() + "\u2026"
        out.append(f'<text class="title" x="{num(width / 2)}" y="{num(y)}" font-size="{num(size)}" '
                   f'font-weight="bold" text-anchor="middle">{_text(line)}</text>')
        y += 10
    mark = tempo_mark(score.grid)
    out.append(f'<text class="tempo" x="{num(margin)}" y="{num(y + 12)}" font-size="13">{mark}</text>')
    out.append("</g>")
    return "".join(out)


def tempo_mark(grid) -> str:
    """The metronome mark a staff opens with: a steady grid's tempo as it is (112.5, not 113), else the tempo of the
    first bar, "about" ("♩ ≈ 100"): a captured pulse wavers, and music that changes tempo opens at its first (the
    median over the whole grid was printed, "♩ = 150" for music opening at 100)."""
    steady = uniform_tempo(grid)
    if steady is not None:
        return f"\u2669 = {round(steady, 1):g}"
    times = np.asarray(grid.times[:grid.downbeat + grid.beats_per_bar + 1], dtype=float)
    tempo = 60.0 / float(np.mean(np.diff(times)))
    return f"\u2669 \u2248 {tempo:.0f}" if tempo >= 20 else f"\u2669 \u2248 {tempo:.1f}"


def draw_page(score: Score, places: list[Place], width: float, height: float, *, title: str, header: bool,
              margin: float, footer: str = "", size: tuple[str, str] | None = None) -> str:
    """One page as an SVG document: the staves at ``places`` with what they hold. ``size`` gives the page's
    physical width and height (``'210mm'``); the drawing is in units either way (the viewBox)."""
    end = score_end(score)
    w, h = size or (str(width), str(height))
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}" height="{h}" '
              f'viewBox="0 0 {num(width)} {num(height)}" font-family="{FONT}" data-staves="{len(places)}" '
              f'data-beats="{end}">'),
             f"<title>{_text(title or 'Labanotation score')}</title>",
             f"<defs>{glyphs.defs()}</defs>",
             f'<rect class="paper" width="{num(width)}" height="{num(height)}" fill="#fff"/>']
    if header:
        parts.append(_header(score, title, width, margin))
    obstacles: list[tuple[float, float, float, float]] = []
    for place in places:
        parts.append(_staff_frame(score, place, end, obstacles))
    drawn = _layout_symbols(score, places, end)
    for item in drawn:
        obstacles += item.boxes
    labels = _place_labels(drawn, obstacles, places, bars=_bar_lines(score, places, end))
    parts.append('<g class="symbols">')
    order = sorted(range(len(drawn)), key=lambda i: (not drawn[i].starting, drawn[i].symbol.sign is not Sign.FLIGHT))
    parts += [_symbol_group(drawn[i], labels.get(i, "")) for i in order]  # flights under the turns in the air
    parts.append("</g>")
    if footer:
        parts.append(f'<text class="page-number" x="{num(width / 2)}" y="{num(height - margin / 2)}" '
                     f'font-size="11" text-anchor="middle">{_text(footer)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _bar_lines(score: Score, places: list[Place], end: int) -> list[tuple[Place, float]]:
    per_bar, downbeat = score.beats_per_bar, score.grid.downbeat
    return [(p, p.y(b)) for p in places for b in range(math.ceil(p.start), math.floor(p.end) + 1)
            if b >= downbeat and (b - downbeat) % per_bar == 0 and 0 < b < end]


def _staff_frame(score: Score, place: Place, end: int, obstacles: list) -> str:
    """Staff lines, start and end lines, bar lines and numbers, beat ticks, the meter and the column labels
    (the bar numbers are added to ``obstacles``, for the turn amounts to keep clear of)."""
    c, base, y = place.centre, place.base, place.y
    first, last = place.start == 0, place.end >= end
    top = place.top
    bottom = base + (START_GAP + START_H + 4.0 if first else 0.0)
    inner, outer = c - 2 * COL, c + 2 * COL
    left, right = c + _LEFT_EDGE * COL, c + _RIGHT_EDGE * COL
    out = [f'<g class="staff" data-index="{place.index}" data-start="{place.start!r}" data-end="{place.end!r}">']

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
        obstacles.append((left - 5 - 11 * 0.64 * len(str(bar)), yy - 5, left - 5, yy + 6))

    if first:  # the double line at the start, the meter beside the starting position
        out.append(f'<path class="start-line" d="M{num(inner)} {num(base)} L{num(outer)} {num(base)} '
                   f'M{num(inner)} {num(base + 3)} L{num(outer)} {num(base + 3)}" stroke="#000" '
                   f'stroke-width="1.2"/>')
        # The meter as the beats in a bar, the beat being the length the ticks mark: a score keeps beats per bar
        # only (the text form's 'meter: 6/8' and --meter 6/8 keep the 6, music's 6/8 counts 2 dotted quarters), so
        # a note value under it would be a guess, and '4' made a 6/8 piece read 6/4.
        my = base + START_GAP + START_H / 2
        out.append(f'<g class="meter" font-size="14" font-weight="bold" text-anchor="middle" '
                   f'data-beats-per-bar="{per_bar}"><text x="{num(left - 14)}" y="{num(my + 5)}">{per_bar}</text></g>')
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


@dataclass
class _Drawn:
    """Where one symbol goes on the page: its pieces (a first one, then the parts carried over to later staves)
    as ``(place, top, bottom)``, and the boxes its ink covers. ``shown`` is False for a sign of no duration that
    another symbol starting on its beat stands over (``_shown``): its group carries its data but no ink."""

    symbol: Symbol
    starting: bool
    pieces: list[tuple[Place, float, float]]
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    strokes: list[float] = field(default_factory=list)  # a flight's action strokes: x offsets from the centre
    shown: bool = True


def _layout_symbols(score: Score, places: list[Place], end: int) -> list[_Drawn]:
    """The pieces of every symbol that falls on ``places`` (the starting position when the first staff is)."""
    drawn = []
    if places[0].start == 0:
        place = places[0]
        for symbol in score.starting_position:
            top = place.base + START_GAP + V_GAP
            drawn.append(_Drawn(symbol, True, [(place, top, top + START_H - 2 * V_GAP)]))
    symbols = score.symbols
    shown = _shown(symbols)
    rooms, following = _rooms(symbols, shown)
    lifts = [0.0] * len(symbols)  # units a symbol's start is drawn above its beat, for a short one below it
    last_staff = places[-1].end >= end
    for i, (symbol, room) in enumerate(zip(symbols, rooms)):
        # A symbol too short to be drawn MIN_H tall takes what it lacks (or what they can spare) from the start of
        # the symbols that follow it in its column, each of them still drawn at least MIN_H tall: a 1/16-beat step
        # before a hold reads as a step, and the hold begins a little above its beat.
        missing = _shortfall(symbol, places, room, lifts[i]) if shown[i] and following[i] else 0.0
        borrow = max(min([missing] + [_spare(symbols[j], places) for j in following[i]]), 0.0)
        for j in following[i] if borrow else ():
            lifts[j] = max(lifts[j], borrow)
        pieces = _pieces(symbol, places, room, lifts[i], borrow)
        if not pieces and last_staff and symbol.start >= places[-1].end:
            place = places[-1]  # a zero-length symbol on the very last beat: at the top of the last staff
            pieces = [(place, place.top - MIN_H, place.top)]
        if pieces:
            item = _Drawn(symbol, False, pieces, shown=shown[i])
            if symbol.sign is Sign.FLIGHT:
                item.strokes = _action_strokes(symbol, score.symbols)
            drawn.append(item)
    for item in drawn:
        item.boxes = _boxes(item) if item.shown else []
    return drawn


def _shown(symbols: list[Symbol]) -> list[bool]:
    """Whether each symbol is drawn: all but a sign of no duration (a restatement the score algebra writes at a
    join, an inline starting position) on a beat where a symbol that lasts starts in its column or in one sharing
    its room on the staff (``_SHARED``; a flight's gap included). Labanotation draws no sign of no duration over
    a real one, and the one that lasts says what the column does from that beat on; drawn, the instant covered
    the start of the real sign with a box of its own."""
    starts: dict[Column, np.ndarray] = {}
    for column in {s.column for s in symbols if s.duration > 0}:
        starts[column] = np.array([s.start for s in symbols if s.column is column and s.duration > 0])
    return [s.duration > 0 or not any(np.any(np.abs(starts[c] - s.start) <= TOUCHING)
                                      for c in _SHARED.get(s.column, (s.column,)) if c in starts)
            for s in symbols]


def _rooms(symbols: list[Symbol], shown: list[bool]) -> tuple[list[float], list[list[int]]]:
    """For each symbol, the beats from its start to the next symbol drawn that starts later where it is drawn
    (its column and those sharing its room: a flight's gap counts, nothing may be drawn into it), and which
    symbols start there (indices into ``symbols``)."""
    starts: dict[Column, list[tuple[float, int]]] = {}
    for i, s in enumerate(symbols):
        if shown[i]:
            starts.setdefault(s.column, []).append((s.start, i))
    for values in starts.values():
        values.sort()
    keys = {column: [start for start, _ in values] for column, values in starts.items()}
    rooms, following = [], []
    for s in symbols:
        later = [(keys[column][k], column, k) for column in _SHARED.get(s.column, (s.column,))
                 if column in keys and (k := bisect_right(keys[column], s.start + TOUCHING)) < len(keys[column])]
        if not later:
            rooms.append(math.inf)
            following.append([])
            continue
        first = min(start for start, _, _ in later)
        rooms.append(first - s.start)
        following.append([i for _, column, k in later for start, i in starts[column][k:]
                          if start - first <= TOUCHING])
    return rooms, following


def _begins_on(symbol: Symbol, places: list[Place]) -> Place | None:
    return next((p for p in places if p.start <= symbol.start < p.end), None)


def _shortfall(symbol: Symbol, places: list[Place], room: float, lift: float) -> float:
    """Units a symbol too short to be drawn ``MIN_H`` tall lacks below the next symbol of its column on its
    staff (0 where it has the height, or where that symbol is on a later staff)."""
    place = _begins_on(symbol, places)
    if place is None or symbol.start + room >= place.end:
        return 0.0
    bottom = place.y(symbol.start) - lift
    slot = bottom - place.y(min(symbol.end, place.end))
    if slot > MIN_H + 2 * V_GAP:
        return 0.0
    ceiling = place.y(symbol.start + room) + V_GAP
    return max(ceiling - (bottom - min(V_GAP, slot / 4) - MIN_H), 0.0)


def _spare(symbol: Symbol, places: list[Place]) -> float:
    """Units a symbol's start may be drawn above its beat with the symbol still drawn as long as it lasts less that,
    and at least ``MIN_H`` (on its first staff)."""
    place = _begins_on(symbol, places)
    if place is None:
        return 0.0
    return place.y(symbol.start) - place.y(min(symbol.end, place.end)) - MIN_H - 2 * V_GAP


def _pieces(symbol: Symbol, places: list[Place], room: float, lift: float = 0.0,
            borrow: float = 0.0) -> list[tuple[Place, float, float]]:
    """``(place, top, bottom)`` of each part of a timed symbol on these staves. A symbol is as long as it lasts,
    less a hair of space above and below; one too short for that is drawn ``MIN_H`` tall, up into the free
    space above it (never into the next symbol of its column, never past the end of its staff). ``lift``: units
    its start is drawn above its beat, room given to a short symbol below it; ``borrow``: units it may reach
    above the start of the next symbol of its column, which is lifted by as much."""
    pieces = []
    for place in places:
        a, b = max(symbol.start, place.start), min(symbol.end, place.end)
        begins = place.start <= symbol.start < place.end
        if begins or (a < b and (pieces or symbol.start < place.start)):
            bottom, top = place.y(a) - (lift if begins else 0.0), place.y(b)
            if bottom - top > MIN_H + 2 * V_GAP:
                bottom, top = bottom - V_GAP, top + V_GAP
            else:
                ceiling = place.y(min(symbol.start + room, place.end)) + (V_GAP - borrow if begins else 0.0)
                bottom -= min(V_GAP, (bottom - top) / 4)
                top = min(max(bottom - MIN_H, ceiling), top, bottom - 2.0)
            pieces.append((place, top, bottom))
        if symbol.end <= place.end and pieces:
            break
    return pieces


def _action_strokes(flight: Symbol, symbols: list[Symbol]) -> list[float]:
    """The leg-gesture columns free during a flight, as x offsets of their centres: an action stroke in each."""
    strokes = []
    for column in (Column.LEG_LEFT, Column.LEG_RIGHT):
        busy = any(s.column is column and s.start < flight.end and s.end > flight.start for s in symbols)
        if not busy:
            strokes.append(sum(_COLUMNS[column]) / 2 * COL)
    return strokes


def _x_range(column: Column) -> tuple[float, float]:
    """The symbol's left and right edge relative to the centre line."""
    left, right = _COLUMNS[column]
    pad = (COL - SYMBOL_W) / 2
    return left * COL + pad, right * COL - pad


def _side(column: Column) -> str:
    """The side of the staff a column is on (the centre column's turn amount goes on the right)."""
    return column.side or ("left" if _COLUMNS[column][1] <= 0 else "right")


def _sign_x(symbol: Symbol) -> tuple[float, float]:
    """The left and right edge of the sign itself, relative to the centre line."""
    x0, x1 = _x_range(symbol.column)
    if symbol.sign is Sign.TURN and symbol.column is Column.CENTRE:  # across both support columns, narrower
        return x0 + 3, x1 - 3
    if symbol.sign is Sign.FLIGHT:  # the gap: both support columns, wall to wall
        return -COL, COL
    return x0, x1


def _boxes(item: _Drawn) -> list[tuple[float, float, float, float]]:
    """The boxes the symbol's ink (and a flight's gap) covers, in page units."""
    x0, x1 = _sign_x(item.symbol)
    boxes = [(place.centre + x0, top, place.centre + x1, bottom) for place, top, bottom in item.pieces]
    for place, top, bottom in item.pieces:
        boxes += [(place.centre + x - 1.0, top, place.centre + x + 1.0, bottom) for x in item.strokes]
    return boxes


def _symbol_group(item: _Drawn, label: str) -> str:
    """One symbol's group: its attributes, its glyph, the parts carried over, its turn amount."""
    symbol = item.symbol
    kind = "symbol starting" if item.starting else "symbol" if item.shown else "symbol undrawn"
    attrs = [("class", kind), ("data-column", symbol.column.value),
             ("data-start", repr(symbol.start)), ("data-duration", repr(symbol.duration)),
             ("data-sign", symbol.sign.value)]
    if symbol.sign is Sign.DIRECTION:
        attrs += [("data-direction", symbol.direction.value), ("data-level", symbol.level.value)]
    if symbol.sign is Sign.TURN:
        attrs.append(("data-turn", repr(symbol.turn)))
    if symbol.contraction is not None:
        attrs.append(("data-contraction", str(symbol.contraction)))
    if symbol.space is not None:
        attrs.append(("data-space", str(symbol.space)))
    attrs.append(("data-staff", str(item.pieces[0][0].index)))
    x0, x1 = _sign_x(symbol)
    body = []
    for place, top, bottom in item.pieces if item.shown else ():
        c = place.centre
        if symbol.sign is Sign.FLIGHT:
            body.append(glyphs.flight((c + x0, top, c + x1, bottom), [c + x for x in item.strokes]))
        elif not item.starting and symbol.start < place.start:  # carried over from an earlier staff
            body.append(glyphs.continuation(c + x0, c + x1, top, bottom))
        else:
            body.append(_glyph(symbol, c + x0, c + x1, top, bottom))
        if symbol.start >= place.start or item.starting:  # modifiers stand at the symbol's start
            body.append(_modifiers(symbol, c + x0, c + x1, top, bottom))
    head = "<g " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs) + ">"
    return head + "".join(body) + label + "</g>"


def _modifiers(symbol: Symbol, x0: float, x1: float, top: float, bottom: float) -> str:
    """The contraction and space measurement signs of a symbol, at its start (``viz.glyphs``)."""
    out = ""
    if symbol.contraction is not None:
        out += glyphs.contraction(symbol.contraction, x0, x1, top, bottom)
    if symbol.space is not None:
        out += glyphs.space(symbol.space, x0, x1, top, bottom)
    return out


def _glyph(symbol: Symbol, x0: float, x1: float, top: float, bottom: float) -> str:
    if symbol.sign is Sign.DIRECTION:
        return glyphs.direction(symbol.direction, symbol.level, x0, x1, top, bottom, _side(symbol.column))
    if symbol.sign is Sign.TURN:
        return glyphs.turn(symbol.turn, x0, x1, top, bottom)
    return glyphs.hold(x0, x1, top, bottom)


# ---------------------------------------------------------------------------------------------------------------
# Turn amounts: beside their sign where there is room, never over another symbol or off the page (viz.amounts)


def _place_labels(drawn: list[_Drawn], obstacles: list, places: list[Place],
                  bars: list[tuple[Place, float]]) -> dict[int, str]:
    """The SVG of each turn's amount, by index into ``drawn``, placed clear of ``obstacles`` and of each other
    within its staff's slot on the page."""
    boxes = np.array(obstacles or [(0.0, 0.0, 0.0, 0.0)], dtype=float).reshape(-1, 4)
    placed: list[tuple[float, float, float, float]] = []
    out = {}
    for index, item in enumerate(drawn):
        if item.symbol.sign is not Sign.TURN or item.starting or not item.shown:
            continue
        place, top, bottom = item.pieces[0]
        if item.symbol.start < place.start:
            continue  # the amount stands where the turn begins, on an earlier page
        c = place.centre
        x0, x1 = _sign_x(item.symbol)
        sign = (c + x0, top, c + x1, bottom)
        text = glyphs.turn_amount(item.symbol.turn)
        slot = c - _CENTRE_IN_SLOT
        where = dict(area=(slot + 1.0, place.top - TOP_ROOM + 1.0, slot + SLOT_W - 1.0, place.base),
                     edges=[c + k * COL for k in range(int(_LEFT_EDGE), int(_RIGHT_EDGE) + 1)],
                     lines=[c - 2 * COL, c, c + 2 * COL],
                     bars=[(y, c - 2 * COL, c + 2 * COL) for p, y in bars if p is place],
                     boxes=np.vstack([boxes, np.array(placed, dtype=float).reshape(-1, 4)]),
                     reach=(bottom - top) / 2 + 1.5 * place.beat)
        for font in (glyphs.LABEL_FONT, 7.5):  # a smaller amount where the full size finds no room
            size = glyphs.label_size(text, font)
            spot = amounts.free_spot(sign, size, _side(item.symbol.column), **where)
            if spot is not None:
                break
        else:  # no room anywhere near: beside the sign regardless
            font = glyphs.LABEL_FONT
            size = glyphs.label_size(text, font)
            spot = (sign[2] + amounts.BESIDE, (top + bottom - size[1]) / 2, False)
        lx, ly, away = spot
        w, h = size
        placed.append((lx, ly, lx + w, ly + h))
        leader = None
        if away:
            my = ly + h / 2
            sy = min(max(my, sign[1]), sign[3])
            leader = (sign[2], sy, lx, my) if lx >= sign[2] else (sign[0], sy, lx + w, my)
        out[index] = glyphs.turn_label(text, lx, ly, leader, font)
    return out
