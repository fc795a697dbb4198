"""Labanotation symbol shapes as SVG fragments: what one symbol looks like, wherever the page puts it.

Every function takes the box the symbol fills on the page, in SVG user units with y growing downward (so ``top``
is the smaller y: the end of the movement, ``bottom`` its start), and returns SVG elements as a string. Outlines
are ``<path>`` elements of absolute ``M``/``L`` commands (and arcs for the flight bow), so a reader can recover
the geometry from the file.

Shapes (``labanotation.md`` §2–3):

- direction: place = rectangle; right / left = a wedge (triangle) pointing that way over the whole length;
  forward / backward = rectangle with a notch cut at the top (forward) or bottom (backward) on the column's own
  side (outer side of the staff: right for right-side columns, left for left-side ones); the four diagonals =
  rectangle with one corner cut off so that the shape points toward the direction (right-forward: the top-left
  corner is cut, the point is at the top right).
- level: low = filled black, middle = a dot in the centre, high = diagonal hatching (the ``#hatch`` pattern).
- turn: the Laban turn sign, a rectangle whose top and bottom ends slant parallel: for a clockwise turn they
  slant down to the right (the top-left corner is highest), for counter-clockwise down to the left; the amount
  of turn is written beside it (``turn_label``, where the page finds room for it).
- hold: a small circle at the start; a thin dotted line carries it for its duration.
- flight (a jump): as notators read it, the gap: nothing in the support columns for as long as no foot carries
  weight (``labanotation.md`` §3, §6). In a leg-gesture column that says nothing else meanwhile, an action stroke
  (a thin vertical line) shows the leg leaving the floor, so that the gap reads as a jump and not as an
  omission; the gap itself is an invisible box in the file, for readers of the SVG.
- modifiers (``labanotation.md`` §6), written at the start (bottom) of the symbol they qualify, on a small white
  ground so that they read over a filled low symbol: the contraction sign, an X, with its degree (1-6) beside it
  (``contraction``); space measurement signs (``space``), one per sign: *small* a narrow X (its arms close
  together), *large* the wide sign, an N-like zigzag on its side.
"""

from __future__ import annotations

from fractions import Fraction

from laban.score import Direction, Level

INK = "#000"
STROKE = 1.1  # outline width of a symbol
HATCH_ID = "hatch"


def defs() -> str:
    """The shared definitions a page needs once: the hatching of high level (``/`` strokes, as written by hand)."""
    return (f'<pattern id="{HATCH_ID}" patternUnits="userSpaceOnUse" width="5" height="5">'
            f'<rect width="5" height="5" fill="#fff"/>'
            f'<path d="M-1,1 L1,-1 M0,5 L5,0 M4,6 L6,4" stroke="{INK}" stroke-width="1"/></pattern>')


def num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros: small files, exact enough for print."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _path(points: list[tuple[float, float]], fill: str, cls: str = "body") -> str:
    d = "M" + " L".join(f"{num(x)} {num(y)}" for x, y in points) + " Z"
    return f'<path class="{cls}" d="{d}" fill="{fill}" stroke="{INK}" stroke-width="{STROKE}" stroke-linejoin="miter"/>'


def _fill(level: Level) -> str:
    return {Level.LOW: INK, Level.MIDDLE: "#fff", Level.HIGH: f"url(#{HATCH_ID})"}[level]


def direction_outline(direction: Direction, x0: float, x1: float, top: float, bottom: float,
                      side: str) -> tuple[list[tuple[float, float]], tuple[float, float]]:
    """The polygon of a direction symbol and the point where its level dot goes (the centre of its body).

    ``side`` is 'left' or 'right': which side of the staff the column is on, for the notch of forward/backward.
    """
    w, h = x1 - x0, bottom - top
    xm, ym = (x0 + x1) / 2, (top + bottom) / 2
    if direction is Direction.PLACE:
        return [(x0, top), (x1, top), (x1, bottom), (x0, bottom)], (xm, ym)
    if direction is Direction.RIGHT:
        return [(x0, top), (x1, ym), (x0, bottom)], (x0 + w / 3, ym)
    if direction is Direction.LEFT:
        return [(x1, top), (x0, ym), (x1, bottom)], (x1 - w / 3, ym)
    if direction in (Direction.FORWARD, Direction.BACKWARD):
        notch = min(0.3 * h, 0.7 * w)
        outer = side == "right"
        if direction is Direction.FORWARD:  # notch cut from the top corner on the outer side
            if outer:
                points = [(x0, top), (xm, top), (xm, top + notch), (x1, top + notch), (x1, bottom), (x0, bottom)]
            else:
                points = [(x0, top + notch), (xm, top + notch), (xm, top), (x1, top), (x1, bottom), (x0, bottom)]
            return points, (xm, (top + notch + bottom) / 2)
        if outer:
            points = [(x0, top), (x1, top), (x1, bottom - notch), (xm, bottom - notch), (xm, bottom), (x0, bottom)]
        else:
            points = [(x0, top), (x1, top), (x1, bottom), (xm, bottom), (xm, bottom - notch), (x0, bottom - notch)]
        return points, (xm, (top + bottom - notch) / 2)
    cut = min(0.45 * h, 0.9 * w)
    if direction is Direction.RIGHT_FORWARD:  # top-left corner cut: the point is at the top right
        return [(x0, top + cut), (x1, top), (x1, bottom), (x0, bottom)], (xm, ym + cut / 4)
    if direction is Direction.LEFT_FORWARD:
        return [(x0, top), (x1, top + cut), (x1, bottom), (x0, bottom)], (xm, ym + cut / 4)
    if direction is Direction.RIGHT_BACKWARD:  # bottom-left corner cut: the point is at the bottom right
        return [(x0, top), (x1, top), (x1, bottom), (x0, bottom - cut)], (xm, ym - cut / 4)
    return [(x0, top), (x1, top), (x1, bottom - cut), (x0, bottom)], (xm, ym - cut / 4)  # left-backward


def direction(direction: Direction, level: Level, x0: float, x1: float, top: float, bottom: float,
              side: str) -> str:
    """A direction symbol with its level shading."""
    points, (cx, cy) = direction_outline(direction, x0, x1, top, bottom, side)
    out = _path(points, _fill(level))
    if level is Level.MIDDLE:
        r = max(1.0, min(2.1, (x1 - x0) * 0.15, (bottom - top) * 0.22))
        out += f'<circle class="dot" cx="{num(cx)}" cy="{num(cy)}" r="{num(r)}" fill="{INK}"/>'
    return out


def turn_outline(clockwise: bool, x0: float, x1: float, top: float, bottom: float) -> list[tuple[float, float]]:
    """The turn sign: vertical sides, parallel slanted ends (down to the right for clockwise)."""
    slant = min(0.55 * (x1 - x0), 8.0, 0.5 * (bottom - top))  # a short or wide sign keeps a body
    if clockwise:
        return [(x0, top), (x1, top + slant), (x1, bottom), (x0, bottom - slant)]
    return [(x0, top + slant), (x1, top), (x1, bottom - slant), (x0, bottom)]


def turn(amount: float, x0: float, x1: float, top: float, bottom: float) -> str:
    """A turn sign (whole turns, + clockwise); its amount is written by ``turn_label`` where there is room."""
    return _path(turn_outline(amount > 0, x0, x1, top, bottom), "#fff")


# Advance widths of DejaVu Sans (the first font the page asks for, and the widest of them) in ems, for the
# characters of a turn amount: the page sizes the label's box from them to keep it clear of other symbols.
_ADVANCE = {**dict.fromkeys("0123456789", 0.636), "/": 0.337, " ": 0.318, ".": 0.318}
LABEL_FONT = 9.0
LABEL_ASCENT, LABEL_DESCENT = 0.76, 0.24  # of the font size, above and below the baseline


def label_size(text: str, font: float = LABEL_FONT) -> tuple[float, float]:
    """Width and height of a label's box (the text's advance, its ascent and descent)."""
    return font * sum(_ADVANCE.get(ch, 0.65) for ch in text), font * (LABEL_ASCENT + LABEL_DESCENT)


def turn_label(text: str, x: float, top: float, leader: tuple[float, float, float, float] | None = None,
               font: float = LABEL_FONT) -> str:
    """A turn amount whose box has its top-left corner at (``x``, ``top``); ``leader`` (x0, y0, x1, y1) draws a
    hairline from the sign to a label that had to stand away from it."""
    out = ""
    if leader is not None:
        x0, y0, x1, y1 = leader
        out += (f'<path class="leader" d="M{num(x0)} {num(y0)} L{num(x1)} {num(y1)}" stroke="#666" '
                f'stroke-width="0.6" fill="none"/>')
    baseline = top + font * LABEL_ASCENT
    return out + (f'<text class="amount" x="{num(x)}" y="{num(baseline)}" font-size="{num(font)}" '
                  f'text-anchor="start">{text}</text>')


def turn_amount(amount: float) -> str:
    """Whole turns as a notator writes them: 1/4, 1/2, 1, 1 1/4, 3/8 (halves, thirds, quarters... sixteenths);
    a decimal otherwise (0.3)."""
    value = abs(amount)
    exact = Fraction(value).limit_denominator(16)
    if abs(float(exact) - value) > 1e-6 or exact.denominator not in (1, 2, 3, 4, 6, 8, 12, 16):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    whole, part = divmod(exact.numerator, exact.denominator)
    fraction = f"{part}/{exact.denominator}" if part else ""
    return f"{whole} {fraction}" if whole and part else str(whole) if whole else fraction


def hold(x0: float, x1: float, top: float, bottom: float) -> str:
    """The hold sign: a small circle at the start, a thin dotted line for as long as it holds."""
    xm = (x0 + x1) / 2
    r = min(3.6, (x1 - x0) / 2.5)
    cy = bottom - r - 1.5
    out = ""
    if cy - r - top > 3:
        out += (f'<path class="extent" d="M{num(xm)} {num(cy - r)} L{num(xm)} {num(top)}" stroke="#777" '
                f'stroke-width="0.8" stroke-dasharray="1.5 2.5" fill="none"/>')
    out += (f'<circle class="body" cx="{num(xm)}" cy="{num(cy)}" r="{num(r)}" fill="#fff" stroke="{INK}" '
            f'stroke-width="{STROKE}"/>')
    return out


def flight(gap: tuple[float, float, float, float], strokes: list[float]) -> str:
    """Flight: the gap (``gap`` = x0, top, x1, bottom across both support columns) left empty, an action stroke
    at each x of ``strokes`` (the free leg-gesture columns) from the gap's bottom to its top."""
    x0, top, x1, bottom = gap
    out = (f'<path class="gap" d="M{num(x0)} {num(top)} L{num(x1)} {num(top)} L{num(x1)} {num(bottom)} '
           f'L{num(x0)} {num(bottom)} Z" fill="none" stroke="none"/>')
    if strokes:
        d = " ".join(f"M{num(x)} {num(bottom)} L{num(x)} {num(top)}" for x in strokes)
        out += f'<path class="body" d="{d}" fill="none" stroke="{INK}" stroke-width="1.3" stroke-linecap="butt"/>'
    return out


def continuation(x0: float, x1: float, top: float, bottom: float) -> str:
    """The part of a symbol carried over from the previous staff: a light open box (the symbol goes on)."""
    return (f'<path class="continued" d="M{num(x0)} {num(bottom)} L{num(x0)} {num(top)} L{num(x1)} {num(top)} '
            f'L{num(x1)} {num(bottom)}" fill="none" stroke="#555" stroke-width="0.9" stroke-dasharray="3 2"/>')


def _ground(x0: float, x1: float, y0: float, y1: float) -> str:
    return (f'<rect class="ground" x="{num(x0)}" y="{num(y0)}" width="{num(x1 - x0)}" height="{num(y1 - y0)}" '
            f'fill="#fff"/>')


def contraction(degree: int, x0: float, x1: float, top: float, bottom: float) -> str:
    """The contraction sign (X) of a bent knee or elbow, with its degree, at the bottom of the symbol's box."""
    size = min(6.0, (x1 - x0) / 2.2, max(bottom - top - 2.0, 3.0))
    cx, cy = x0 + (x1 - x0) * 0.38, bottom - size / 2 - 1.2
    h = size / 2
    d = f"M{num(cx - h)} {num(cy - h)} L{num(cx + h)} {num(cy + h)} M{num(cx + h)} {num(cy - h)} L{num(cx - h)} {num(cy + h)}"
    return ('<g class="contraction">' + _ground(cx - h - 0.8, cx + h + 5.2, cy - h - 0.8, cy + h + 0.8)
            + f'<path class="sign" d="{d}" fill="none" stroke="{INK}" stroke-width="1.2"/>'
            + f'<text x="{num(cx + h + 0.6)}" y="{num(cy + h)}" font-size="{num(max(size, 4.5))}">{degree}</text></g>')


def space(count: int, x0: float, x1: float, top: float, bottom: float) -> str:
    """Space measurement signs, ``count`` of them (negative: small, positive: large), side by side at the bottom
    of the symbol's box (for a flight: of the gap)."""
    n = abs(count)
    size = min(5.0, (x1 - x0) / (n + 1.5), max(bottom - top - 2.0, 3.0))
    cy = bottom - size / 2 - 1.2
    h = size / 2
    start = (x0 + x1) / 2 - (n - 1) * (size + 1.5) / 2
    strokes = []
    for k in range(n):
        cx = start + k * (size + 1.5)
        if count < 0:  # narrow: an X whose arms meet at a steep angle
            w = h * 0.45
            strokes.append(f"M{num(cx - w)} {num(cy - h)} L{num(cx + w)} {num(cy + h)} "
                           f"M{num(cx + w)} {num(cy - h)} L{num(cx - w)} {num(cy + h)}")
        else:  # wide: an N on its side, opening out
            strokes.append(f"M{num(cx - h)} {num(cy + h * 0.5)} L{num(cx - h)} {num(cy - h * 0.5)} "
                           f"L{num(cx + h)} {num(cy + h * 0.5)} L{num(cx + h)} {num(cy - h * 0.5)}")
    left = start - h - 0.8
    return ('<g class="space">' + _ground(left, start + (n - 1) * (size + 1.5) + h + 0.8, cy - h - 0.8, cy + h + 0.8)
            + f'<path class="sign" d="{" ".join(strokes)}" fill="none" stroke="{INK}" stroke-width="1.1"/></g>')
