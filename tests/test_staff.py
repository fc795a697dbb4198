"""The staff: a vertical Labanotation page in SVG and PNG, one glyph group per symbol, time flowing upward."""

from __future__ import annotations

import os
import io
import itertools
import re
import struct
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

import laban
from laban.errors import LabanError
from laban.formats.text import loads
from laban.score import Column, Direction, Level, Score, Sign, Symbol
from laban.timing import BeatGrid
from viz.glyphs import turn_amount
from viz.pages import save_staff
from viz.staff import Staff, draw_staff

SVG = "{http://www.w3.org/2000/svg}"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

EVERYTHING = """
title: all the signs & <shapes>
tempo: 120
beats: 13
meter: 4/4
upbeat: 1

start
  support-left     place middle
  support-right    place middle
  upper-arm-left   place low
  upper-arm-right  place low
  head             place high

bar 0
  4     upper-arm-left   left high               1
bar 1
  1     support-left     forward middle          1
  1     upper-arm-right  right middle            2
  1     forearm-left     left-forward low        1
  1     forearm-right    right-forward high      1
  2     support-right    backward low            1
  2     forearm-left     left-backward middle    1
  2     forearm-right    right-backward middle   1
  3     support-left     turn +1/4               1
  3     torso            forward high            1
  3     head             left middle             2
  4     support-left     hold                    1
  4     leg-right        right-forward middle    0.5
bar 2
  1     centre           flight                  0.5
  1     centre           turn -1/2               0.5
  1.5   support-right    place high              0.5
  2     support-left     turn -1 1/4             2
  2     leg-left         left low                1
bar 3
  1     upper-arm-left   place middle            0.25
  2     upper-arm-left   place middle            2
"""


def everything() -> Score:
    return loads(EVERYTHING)


def glyph_groups(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g for g in root.iter(SVG + "g") if "symbol" in g.get("class", "").split()]


def coordinates(element: ET.Element) -> list[tuple[float, float]]:
    """The points an element's drawing passes through (paths: their M/L/Q points; rects: corners; circles:
    the extremes)."""
    tag = element.tag.removeprefix(SVG)
    if tag == "path":
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", element.get("d"))]
        return list(zip(numbers[::2], numbers[1::2]))
    if tag == "rect":
        x, y, w, h = (float(element.get(k, 0)) for k in ("x", "y", "width", "height"))
        return [(x, y), (x + w, y + h)]
    if tag == "circle":
        x, y, r = (float(element.get(k)) for k in ("cx", "cy", "r"))
        return [(x - r, y - r), (x + r, y + r)]
    return []


def body(group: ET.Element) -> ET.Element:
    """The main shape of a glyph (its first piece, not a continuation)."""
    return next(e for e in group if e.get("class") == "body")


def box(element: ET.Element) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of an element or of all the shapes in a group."""
    points = [p for e in ([element] if element.tag != SVG + "g" else list(element)) for p in coordinates(e)]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def find(groups: list[ET.Element], column: str, start: float, sign: str | None = None) -> ET.Element:
    matches = [g for g in groups if g.get("data-column") == column and float(g.get("data-start")) == start
               and "starting" not in g.get("class") and (sign is None or g.get("data-sign") == sign)]
    assert len(matches) == 1, (column, start, sign, len(matches))
    return matches[0]


# ---------------------------------------------------------------------------------------------------------------
# Structure


def test_svg_parses_with_one_glyph_group_per_symbol_and_per_starting_symbol():
    score = everything()
    staff = draw_staff(score)
    root = ET.fromstring(staff.svg())
    assert root.tag == SVG + "svg"
    assert float(root.get("width")) == staff.width and float(root.get("height")) == staff.height
    groups = glyph_groups(staff.svg())
    assert len(groups) == len(score.symbols) + len(score.starting_position) == 25
    starting = [g for g in groups if "starting" in g.get("class").split()]
    assert len(starting) == len(score.starting_position) == 5
    assert all(g.get("data-start") == "0.0" and g.get("data-duration") == "0.0" for g in starting)
    drawn = sorted((g.get("data-column"), float(g.get("data-start")), float(g.get("data-duration")),
                    g.get("data-sign")) for g in groups if g not in starting)
    assert drawn == sorted((s.column.value, s.start, s.duration, s.sign.value) for s in score.symbols)
    assert not root.findall(f".//{SVG}image"), "vector shapes only, no rasters"


def test_the_tempo_mark_is_the_opening_tempo_as_it_is():
    """A steady 112.5 bpm was marked 113; music at 100 then 150 was marked with the median, 150; a captured pulse
    that wavers is marked "about" its first bar's."""
    from viz.staff import tempo_mark

    assert tempo_mark(BeatGrid.uniform(112.5, 10.0, 4)) == "\u2669 = 112.5"
    assert tempo_mark(BeatGrid.uniform(120, 10.0, 3)) == "\u2669 = 120"
    changing = np.concatenate([0.6 * np.arange(9), 4.8 + 0.4 * np.arange(1, 17)])  # 8 beats at 100, 16 at 150
    assert tempo_mark(BeatGrid(tuple(changing), 4)) == "\u2669 \u2248 100"
    wavering = np.cumsum([0.0] + [0.59, 0.61, 0.6, 0.6, 0.62, 0.58] * 3)
    assert tempo_mark(BeatGrid(tuple(wavering), 4)) == "\u2669 \u2248 100"


def test_the_page_carries_title_tempo_meter_bar_numbers_ticks_and_column_labels():
    staff = draw_staff(everything())
    root = ET.fromstring(staff.svg())
    texts = {t.get("class"): t for t in root.iter(SVG + "text") if t.get("class")}
    assert texts["title"].text == "all the signs & <shapes>"  # escaped in the file, intact when parsed
    assert texts["tempo"].text == "\u2669 = 120"
    assert [t.text for t in root.iter(SVG + "text") if t.get("class") == "bar-number"] == ["1", "2", "3"]
    meter = next(g for g in root.iter(SVG + "g") if g.get("class") == "meter")
    assert [t.text for t in meter] == ["4"]
    # Bar 2 begins on beat 1 + 4 (one upbeat beat): its number sits at that height.
    number = next(t for t in root.iter(SVG + "text") if t.get("class") == "bar-number" and t.text == "2")
    assert float(number.get("y")) == pytest.approx(staff.locate(5)[1], abs=5)
    labels = [t.text for g in root.iter(SVG + "g") if g.get("class") == "column-labels" for t in g]
    assert {"support L", "support R", "leg gesture L", "torso", "upper arm R", "forearm L", "head"} <= set(labels)
    ticks = next(p for p in root.iter(SVG + "path") if p.get("class") == "beats")
    assert ticks.get("d").count("M") == 8  # beats 1..11 but the bar lines at 1, 5, 9 (12 is the end line)
    assert draw_staff(everything(), title="Other").svg().count(">Other</text>") == 1
    odd = ET.fromstring(draw_staff(everything(), title="a\x01b\nc \ufffe").svg())  # still well-formed XML
    assert next(t for t in odd.iter(SVG + "text") if t.get("class") == "title").text == "a b c"


def test_the_meter_is_the_beats_in_a_bar_not_a_note_value_the_score_does_not_keep():
    """A 6/8 piece's staff read 6 over 4: a score keeps beats per bar only (``meter: 6/8`` and ``--meter 6/8`` keep
    the 6; music's 6/8 counts two dotted quarters), so the staff shows the beats in a bar, as its ticks count them."""
    text = (EXAMPLES / "leap_and_turn.laban").read_text().replace("meter: 3/4", "meter: 6/8")
    root = ET.fromstring(draw_staff(loads(text)).svg())
    (meter,) = [g for g in root.iter(SVG + "g") if g.get("class") == "meter"]
    assert [t.text for t in meter] == ["6"] and meter.get("data-beats-per-bar") == "6"
    assert "4" not in "".join(meter.itertext())


def test_every_direction_has_its_shape_and_every_level_its_shading():
    groups = glyph_groups(draw_staff(everything()).svg())

    def shape(column, start):
        group = find(groups, column, start)
        return group, coordinates(body(group))

    _, place = shape("upper-arm-left", 10.0)
    assert len(place) == 4 and len({x for x, _ in place}) == 2 and len({y for _, y in place}) == 2  # a rectangle
    _, right = shape("upper-arm-right", 1.0)
    assert len(right) == 3 and max(right)[1] == pytest.approx((min(y for _, y in right) + max(y for _, y in right))
                                                               / 2)  # the point at the right, half-way up
    _, left = shape("upper-arm-left", 0.0)
    assert len(left) == 3 and min(left)[1] == pytest.approx(sum(y for _, y in left) / 3)
    _, forward = shape("support-left", 1.0)  # left-side column: the notch at the top left
    _, backward = shape("support-right", 2.0)  # right-side column: the notch at the bottom right
    assert len(forward) == len(backward) == 6
    fx0, fy0, fx1, _ = box(body(find(groups, "support-left", 1.0)))
    bx0, _, bx1, by1 = box(body(find(groups, "support-right", 2.0)))
    assert min(y for x, y in forward if x == fx0) > fy0 and min(y for x, y in forward if x == fx1) == fy0
    assert max(y for x, y in backward if x == bx1) < by1 and max(y for x, y in backward if x == bx0) == by1
    _, right_forward = shape("forearm-right", 1.0)  # the top-left corner cut: the highest point at the right
    x0, y0, x1, _ = box(body(find(groups, "forearm-right", 1.0)))
    assert len(right_forward) == 4 and (x1, y0) in right_forward and (x0, y0) not in right_forward
    _, left_backward = shape("forearm-left", 2.0)
    x0, _, x1, y1 = box(body(find(groups, "forearm-left", 2.0)))
    assert (x0, y1) in left_backward and (x1, y1) not in left_backward

    low = body(find(groups, "forearm-left", 1.0))
    high = body(find(groups, "forearm-right", 1.0))
    middle = find(groups, "support-left", 1.0)
    assert low.get("fill") == "#000" and high.get("fill") == "url(#hatch)"
    assert body(middle).get("fill") == "#fff" and len(middle.findall(f"{SVG}circle[@class='dot']")) == 1
    assert not find(groups, "forearm-left", 1.0).findall(f"{SVG}circle")
    assert ET.fromstring(draw_staff(everything()).svg()).find(f".//{SVG}pattern[@id='hatch']") is not None


def test_turns_slant_by_direction_and_show_their_amount_holds_and_flight_are_drawn():
    groups = glyph_groups(draw_staff(everything()).svg())
    clockwise = find(groups, "support-left", 3.0)
    counter = find(groups, "support-left", 6.0, "turn")
    assert clockwise.get("data-turn") == "0.25" and counter.get("data-turn") == "-1.25"
    for group, top_left_highest in ((clockwise, True), (counter, False)):
        points = coordinates(body(group))
        x0, _, x1, _ = box(body(group))
        left_top = min(y for x, y in points if x == x0)
        right_top = min(y for x, y in points if x == x1)
        assert (left_top < right_top) is top_left_highest
    assert clockwise.find(f"{SVG}text").text == "1/4" and counter.find(f"{SVG}text").text == "1 1/4"
    # The amount stands beside the sign, outside it (to the left for the left support column).
    assert float(counter.find(f"{SVG}text").get("x")) < box(body(counter))[0]
    assert find(groups, "centre", 5.0, "turn").find(f"{SVG}text").text == "1/2"
    hold = find(groups, "support-left", 4.0)
    assert body(hold).tag == SVG + "circle"
    flight = find(groups, "centre", 5.0, "flight")
    assert flight.findall(f"{SVG}path[@class='gap']") and flight.findall(f"{SVG}path[@class='body']")


@pytest.mark.parametrize("amount, text", [(0.25, "1/4"), (-0.5, "1/2"), (1, "1"), (1.25, "1 1/4"),
                                          (-0.375, "3/8"), (2, "2"), (0.3, "0.3")])
def test_turn_amounts_are_written_as_a_notator_writes_them(amount, text):
    assert turn_amount(amount) == text


# ---------------------------------------------------------------------------------------------------------------
# Geometry


def test_time_flows_upward_and_left_columns_lie_left_of_the_centre_line():
    score = everything()
    staff = draw_staff(score)
    groups = glyph_groups(staff.svg())
    centre, y0 = staff.locate(0)
    assert staff.locate(4)[1] < y0 and staff.locate(4)[0] == centre
    bottoms = [box(body(find(groups, "upper-arm-left", b)))[3] for b in (0.0, 9.0, 10.0)]
    assert bottoms[0] > bottoms[1] > bottoms[2]
    for group in groups:
        column = Column(group.get("data-column"))
        left, _, right, _ = box(body(group))
        if column.side == "left" or column is Column.TORSO:
            assert right < centre, column
        elif column.side == "right" or column is Column.HEAD:
            assert left > centre, column
        else:
            assert left < centre < right
    # A symbol's bottom edge is its start, its top edge its end (less a hair of space between symbols).
    _, y_start = staff.locate(9)
    _, top, _, bottom = box(body(find(groups, "upper-arm-left", 9.0)))
    assert bottom == pytest.approx(y_start, abs=2) and top < bottom
    # The starting position lies below the double line at beat 0.
    for group in groups:
        if "starting" in group.get("class"):
            assert box(body(group))[1] > y0


def test_the_length_of_a_glyph_is_its_duration():
    score = Score(BeatGrid.uniform(100, 20), [
        Symbol(0, Column.UPPER_ARM_RIGHT, 1, Sign.DIRECTION, Direction.PLACE, Level.LOW),
        Symbol(1, Column.UPPER_ARM_RIGHT, 2, Sign.DIRECTION, Direction.FORWARD, Level.MIDDLE),
        Symbol(3, Column.UPPER_ARM_RIGHT, 3.5, Sign.DIRECTION, Direction.RIGHT, Level.HIGH),
        Symbol(7, Column.UPPER_ARM_RIGHT, 0.02, Sign.DIRECTION, Direction.PLACE, Level.LOW),
        Symbol(8, Column.SUPPORT_LEFT, 1.5, Sign.TURN, turn=0.5),
    ])
    staff = draw_staff(score)
    unit = staff.locate(0)[1] - staff.locate(1)[1]
    assert unit > 10
    groups = glyph_groups(staff.svg())
    height = {s: box(body(find(groups, c, s)))[3] - box(body(find(groups, c, s)))[1]
              for c, s in (("upper-arm-right", 0.0), ("upper-arm-right", 1.0), ("upper-arm-right", 3.0),
                           ("upper-arm-right", 7.0), ("support-left", 8.0))}
    assert height[1.0] - height[0.0] == pytest.approx(unit, abs=0.05)
    assert height[3.0] - height[0.0] == pytest.approx(2.5 * unit, abs=0.05)
    assert height[8.0] - height[0.0] == pytest.approx(0.5 * unit, abs=0.05)
    assert 5 <= height[7.0] < 0.5 * unit  # a very short symbol stays visible


def test_long_scores_continue_on_staves_side_by_side_and_in_rows():
    score = laban.Score(BeatGrid.uniform(120, 120, beats_per_bar=3), [
        Symbol(float(b), Column.SUPPORT_RIGHT if b % 2 else Column.SUPPORT_LEFT, 1, Sign.DIRECTION,
               Direction.FORWARD, Level.MIDDLE) for b in range(240)])
    staff = draw_staff(score)
    staves = staff.staves
    assert len(staves) > 5, "a 2-minute score needs several staves"
    assert staves[0][0] == 0 and staves[-1][1] == 240
    assert all(a[1] == b[0] for a, b in pairwise(staves))
    assert all(start % 3 == 0 for start, _ in staves), "staves break on bar lines"
    assert max(end - start for start, end in staves) <= 33
    xs = [staff.locate(start)[0] for start, _ in staves]
    ys = [staff.locate(start)[1] for start, _ in staves]
    assert xs[1] > xs[0] and ys[1] == ys[0], "the second staff stands to the right of the first"
    assert any(y > ys[0] for y in ys), "then the next row, further down the page"
    # Each symbol is drawn on its own staff: near that staff's centre line, at its beat's height.
    groups = glyph_groups(staff.svg())
    for group in groups[::17]:
        start = float(group.get("data-start"))
        index = int(group.get("data-staff"))
        assert staves[index][0] <= start < staves[index][1]
        x, y = staff.locate(start)
        left, _, right, bottom = box(body(group))
        assert left - 30 < x < right + 30 and bottom == pytest.approx(y, abs=2)

    assert len(draw_staff(score, beats_per_staff=score.duration).staves) == 1
    assert len(draw_staff(score, beats_per_staff=50).staves) == 5
    assert len(draw_staff(everything()).staves) == 1  # a short score is one staff


def test_a_symbol_across_a_staff_break_goes_on_in_the_next_staff():
    score = Score(BeatGrid.uniform(120, 8), [
        Symbol(6, Column.FOREARM_LEFT, 4, Sign.DIRECTION, Direction.LEFT, Level.LOW)])
    staff = draw_staff(score, beats_per_staff=8)
    assert staff.staves == [(0.0, 8.0), (8.0, 16.0)]
    (group,) = glyph_groups(staff.svg())
    continued = group.find(f"{SVG}path[@class='continued']")
    assert continued is not None
    _, top, _, bottom = box(continued)
    assert bottom == pytest.approx(staff.locate(8)[1], abs=2) and top == pytest.approx(staff.locate(10)[1], abs=2)
    assert box(body(group))[1] == pytest.approx(staff.locate(8 - 1e-9)[1], abs=2)  # first part up to the break


def test_locate_clamps_to_the_score_and_takes_a_break_beat_to_the_next_staff():
    score = Score(BeatGrid.uniform(120, 10), [])
    staff = draw_staff(score, beats_per_staff=10)
    end = staff.staves[-1][1]
    assert staff.locate(-3) == staff.locate(0) and staff.locate(end + 5) == staff.locate(end)
    assert staff.locate(10)[0] > staff.locate(9.99)[0]
    assert staff.locate(10)[1] > staff.locate(9.99)[1]


def test_bad_beats_per_staff_is_a_laban_error():
    for bad in (0, -4, float("nan"), float("inf")):
        with pytest.raises(LabanError):
            draw_staff(everything(), beats_per_staff=bad)


# ---------------------------------------------------------------------------------------------------------------
# PNG and files


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_png_is_a_png_of_the_expected_size_with_the_staff_drawn_in_it():
    import cairocffi  # comes with cairosvg, which draws the PNG
    staff = draw_staff(everything())
    data = staff.png(scale=1.5)
    assert png_size(data) == (round(staff.width * 1.5), round(staff.height * 1.5))
    image = cairocffi.ImageSurface.create_from_png(io.BytesIO(data))
    pixels, stride = image.get_data(), image.get_stride()

    def darkness(x: float, y: float) -> int:  # 0 white .. 255 black, at page coordinates
        offset = int(y * 1.5) * stride + int(x * 1.5) * 4
        return 255 - min(pixels[offset:offset + 3])

    x, y = staff.locate(2.5)
    assert darkness(x, y) > 150, "the centre line is ink"
    assert darkness(5, 5) == 0, "the margin is paper"
    low = box(body(find(glyph_groups(staff.svg()), "forearm-left", 1.0)))
    assert darkness((low[0] + low[2]) / 2, (low[1] + low[3]) / 2) > 200, "a low symbol is black"
    assert png_size(staff.png()) == (staff.width, staff.height)
    with pytest.raises(LabanError, match="cairo"):
        staff.png(scale=100)  # taller than an image can be
    for bad in (0, -1, float("nan")):
        with pytest.raises(LabanError, match="scale"):
            staff.png(scale=bad)


def test_save_staff_writes_svg_and_png_by_suffix(tmp_path):
    score = everything()
    save_staff(score, tmp_path / "page.svg")
    save_staff(score, tmp_path / "page.PNG", scale=1)
    save_staff(score, tmp_path / "tall.svg", beats_per_staff=score.duration, title="tall")
    assert len(glyph_groups((tmp_path / "page.svg").read_text())) == 25
    assert png_size((tmp_path / "page.PNG").read_bytes()) == (draw_staff(score).width, draw_staff(score).height)
    assert "<title>tall</title>" in (tmp_path / "tall.svg").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.PNG", "page.svg", "tall.svg"]


@pytest.mark.parametrize("name", ["page.docx", "page", "page.svg.txt"])
def test_a_bad_suffix_is_a_one_line_laban_error_and_writes_nothing(tmp_path, name):
    with pytest.raises(LabanError) as error:
        save_staff(everything(), tmp_path / name)
    message = str(error.value)
    assert "\n" not in message and ".svg" in message and ".png" in message and ".pdf" in message
    assert name in message
    assert not list(tmp_path.iterdir())


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "page.svg"
    target.write_text("old")

    def broken_replace(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(LabanError, match="page.svg: cannot write: disk full"):
        save_staff(everything(), target)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["page.svg"]

    monkeypatch.undo()

    def broken_png(self, scale=1.0):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(Staff, "png", broken_png)
    with pytest.raises(RuntimeError):
        save_staff(everything(), tmp_path / "page.png")
    assert [p.name for p in tmp_path.iterdir()] == ["page.svg"]


# ---------------------------------------------------------------------------------------------------------------
# Real data


def test_a_tokenized_cmu_dance_draws(trials, tmp_path):
    score = laban.tokenize(laban.read_bvh(trials["05_02"].path))
    assert score.symbols and score.starting_position
    staff = draw_staff(score)
    groups = glyph_groups(staff.svg())
    assert len(groups) == len(score.symbols) + len(score.starting_position)
    signs = {g.get("data-sign") for g in groups}
    assert {"direction", "turn", "hold"} <= signs  # 05_02 has a pirouette
    tall = draw_staff(score, beats_per_staff=score.duration)
    assert len(tall.staves) == 1 and tall.height > staff.height * 0.9
    save_staff(score, tmp_path / "05_02.png")
    assert png_size((tmp_path / "05_02.png").read_bytes()) == (2 * staff.width, 2 * staff.height)


# ---------------------------------------------------------------------------------------------------------------
# The staff as notators read it: turn amounts clear of everything, short symbols legible, jumps as gaps

# Advance widths of DejaVu Sans, the page's first font, in ems (digits, slash, space).
_EM = {**dict.fromkeys("0123456789", 0.636), "/": 0.337, " ": 0.318, ".": 0.318}


def text_box(text: ET.Element) -> tuple[float, float, float, float]:
    """The box a text's glyphs cover, from its position, size, anchor and the font's advance widths."""
    size = float(text.get("font-size"))
    width = size * sum(_EM.get(ch, 0.7) for ch in text.text)
    x, y = float(text.get("x")), float(text.get("y"))
    anchor = text.get("text-anchor", "start")
    left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
    return left, y - 0.76 * size, left + width, y + 0.24 * size


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def check_turn_amounts(svg: str) -> int:
    """Assert that every turn amount is clear of all ink (every symbol's shapes, a flight's gap, bar numbers,
    other amounts) and inside the page; return how many there are."""
    root = ET.fromstring(svg)
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    ink = []  # (box, group) of every shape that is not a turn amount
    for group in glyph_groups(svg):
        for element in group:
            if element.get("class") not in ("amount", "leader") and coordinates(element):
                ink.append((box(element), group))
    ink += [(text_box(t), None) for t in root.iter(SVG + "text") if t.get("class") == "bar-number"]
    amounts = [(t, g) for g in glyph_groups(svg) for t in g.findall(f"{SVG}text[@class='amount']")]
    boxes = []
    for text, group in amounts:
        label = text_box(text)
        assert 0 <= label[0] and label[2] <= width and 0 <= label[1] and label[3] <= height, text.text
        for shape, owner in ink:
            assert not overlap(label, shape), (text.text, group.get("data-start"), owner is not None and
                                               (owner.get("data-column"), owner.get("data-start")))
        assert not any(overlap(label, other) for other in boxes), text.text
        boxes.append(label)
    return len(amounts)


def crowded() -> Score:
    """Turns in every column that takes one, hemmed in by their neighbours, on five staves side by side."""
    symbols = []
    for bar in range(10):
        b = 4.0 * bar
        symbols += [
            Symbol(b, Column.SUPPORT_LEFT, 1, Sign.TURN, turn=-1.25),
            Symbol(b, Column.LEG_LEFT, 1, Sign.DIRECTION, Direction.LEFT, Level.LOW),
            Symbol(b, Column.SUPPORT_RIGHT, 0.25, Sign.TURN, turn=0.125),
            Symbol(b, Column.LEG_RIGHT, 1, Sign.DIRECTION, Direction.RIGHT, Level.MIDDLE),
            Symbol(b + 1, Column.CENTRE, 0.25, Sign.FLIGHT),
            Symbol(b + 1, Column.CENTRE, 0.25, Sign.TURN, turn=0.375),
            Symbol(b + 1.25, Column.SUPPORT_LEFT, 0.25, Sign.TURN, turn=-0.125),
            Symbol(b + 1.5, Column.CENTRE, 0.5, Sign.TURN, turn=1.125),
            Symbol(b + 2, Column.HEAD, 1, Sign.TURN, turn=1.25),
            Symbol(b + 2, Column.FOREARM_RIGHT, 1, Sign.DIRECTION, Direction.RIGHT, Level.HIGH),
            Symbol(b + 3, Column.TORSO, 0.5, Sign.TURN, turn=-0.5),
            Symbol(b + 3, Column.UPPER_ARM_LEFT, 0.5, Sign.DIRECTION, Direction.PLACE, Level.HIGH),
        ]
    return Score(BeatGrid.uniform(120, 40), symbols)


def test_turn_amounts_never_cover_another_symbol_or_leave_the_page(trials):
    assert check_turn_amounts(draw_staff(crowded(), beats_per_staff=8).svg()) == 70
    assert check_turn_amounts(draw_staff(everything()).svg()) == 3
    score = laban.tokenize(laban.read_bvh(trials["05_06"].path))  # pirouettes and turning jumps
    assert check_turn_amounts(draw_staff(score).svg()) >= 5
    assert check_turn_amounts(draw_staff(score, beats_per_staff=score.duration).svg()) >= 5


def test_an_amount_that_cannot_stand_beside_its_sign_stands_near_it_with_a_leader():
    groups = glyph_groups(draw_staff(crowded(), beats_per_staff=8).svg())
    for group in (g for g in groups if g.get("data-sign") == "turn"):
        sign, label = box(body(group)), text_box(group.find(f"{SVG}text[@class='amount']"))
        gap = max(label[0] - sign[2], sign[0] - label[2], label[1] - sign[3], sign[1] - label[3])
        leader = group.find(f"{SVG}path[@class='leader']")
        assert gap < 4 or leader is not None, (group.get("data-column"), group.get("data-start"))
        assert gap < 3 * 22, "within three columns of its sign"


def test_short_symbols_are_legible_and_keep_their_proportions(trials):
    trial = trials["60_01"]  # salsa: steps of a quarter beat
    score = laban.tokenize(laban.read_bvh(trial.path, frame_rate=trial.fps))
    assert min(s.duration for s in score.symbols if s.sign is Sign.DIRECTION) == 0.25
    staff = draw_staff(score)
    unit = staff.locate(0)[1] - staff.locate(1)[1]
    assert 0.25 * unit >= 15, "the beat is spaced so that a quarter beat is as tall as a symbol is wide"
    heights = {}
    for group in glyph_groups(staff.svg()):
        if group.get("data-sign") in ("direction", "turn") and "starting" not in group.get("class"):
            left, top, right, bottom = box(body(group))
            start, duration = float(group.get("data-start")), float(group.get("data-duration"))
            if start + duration <= staff.staves[int(group.get("data-staff"))][1]:  # not cut by a staff break
                heights.setdefault(duration, []).append(bottom - top)
            assert bottom - top >= 12 and right - left >= 14, group.get("data-start")
    for duration, values in heights.items():  # the length of a glyph is still its duration
        if duration * unit >= 16:
            assert max(values) - min(values) < 0.5 and min(values) == pytest.approx(duration * unit - 2.4, abs=0.3)
    # A symbol too short for the beat's spacing is drawn at the least height, into the free room above it.
    tiny = Score(BeatGrid.uniform(120, 4), [
        Symbol(0, Column.SUPPORT_LEFT, 0.0625, Sign.DIRECTION, Direction.FORWARD, Level.LOW),
        Symbol(0.0625, Column.SUPPORT_LEFT, 1, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE),
        Symbol(2, Column.SUPPORT_RIGHT, 0.0625, Sign.DIRECTION, Direction.RIGHT, Level.LOW)])
    groups = glyph_groups(draw_staff(tiny).svg())
    boxed = box(body(find(groups, "support-right", 2.0)))
    assert boxed[3] - boxed[1] >= 12
    first, second = box(body(find(groups, "support-left", 0.0))), box(body(find(groups, "support-left", 0.0625)))
    assert first[1] >= second[3], "never into the next symbol of its column"


def test_a_sixteenth_beat_step_is_drawn_at_the_least_height_and_the_next_symbol_starts_above_it():
    """A 1/16-beat step before a hold was a 3-unit sliver (the beat grows to 64 units at most, a 1/16 to 4). It is
    drawn MIN_H tall, the least at which every shape reads, from its beat up; the hold after it starts above it by
    what it lacked, still inside its own time."""
    from viz.staff import MIN_H

    score = loads("""
tempo: 120
bar 1
  1       support-left   forward middle   1
  2       support-left   right low        1/16
  2+1/16  support-left   hold             1
  3       support-right  forward high     1/16
  3+1/16  support-right  place middle     1/2
""")
    staff = draw_staff(score)
    assert staff.beat_height == 64
    groups = glyph_groups(staff.svg())
    for column, start, after in (("support-left", 1.0, 1.0625), ("support-right", 2.0, 2.0625)):
        step, following = box(body(find(groups, column, start))), box(find(groups, column, after))
        assert step[3] - step[1] >= MIN_H - 1e-6, (column, step)
        assert step[3] == pytest.approx(staff.locate(start)[1], abs=1.5), "the step starts on its beat"
        assert following[3] < step[1], "the next symbol's ink starts above the step's"
        end = score.symbols[[s.start for s in score.symbols].index(after)].end
        assert staff.locate(end)[1] < following[1] and following[3] < staff.locate(after)[1]


def test_a_restatement_at_a_join_is_not_drawn_over_the_symbol_starting_on_its_beat(trials):
    """``repeat`` (as splice, concatenate and continue) restates at a join what the material starts from in signs
    of no duration; where a symbol that lasts starts on that beat in that column (the restated foot's hold), the
    restatement was drawn MIN_H tall over its start. Labanotation draws no sign of no duration over a real one:
    its group stays, with its data, and no ink; a restatement with nothing starting under it is still drawn."""
    from laban import algebra

    shares = {"support-left": {"centre"}, "support-right": {"centre"}, "centre": {"support-left", "support-right"}}
    example = algebra.repeat(laban.Score.load(EXAMPLES / "leap_and_turn.laban"), 2)
    dance = algebra.repeat(laban.tokenize(laban.read_bvh(trials["05_02"].path)), 2, 2, 3)
    for score in (example, dance):
        staff = draw_staff(score, beats_per_staff=score.duration)  # one staff: every group's ink in one box
        groups = glyph_groups(staff.svg())
        assert len(groups) == len(score.symbols) + len(score.starting_position)
        lasting = {(s.column.value, s.start) for s in score.symbols if s.duration > 0}
        covered = 0
        for group in groups:
            if group.get("data-duration") != "0.0" or "starting" in group.get("class"):
                continue
            column, start = group.get("data-column"), float(group.get("data-start"))
            under = any((c, start) in lasting for c in {column} | shares.get(column, set()))
            covered += under
            assert ("undrawn" in group.get("class").split()) == under and (len(group) == 0) == under, (column, start)
        assert covered >= 1
        inked: dict[str, list] = {}
        for group in groups:
            if len(group) and "starting" not in group.get("class") and group.get("data-sign") != "flight":
                inked.setdefault(group.get("data-column"), []).append((box(group), group.get("data-start")))
        for column, boxes in inked.items():  # no two symbols of a column draw over each other
            for (a, at), (b, bt) in itertools.combinations(boxes, 2):
                assert a[3] <= b[1] + 0.01 or b[3] <= a[1] + 0.01, (column, at, bt)


def test_a_jump_is_the_gap_in_the_support_columns_with_action_strokes_not_a_box():
    score = laban.Score.load(EXAMPLES / "leap_and_turn.laban")
    staff = draw_staff(score)
    groups = glyph_groups(staff.svg())
    (flight,) = [g for g in groups if g.get("data-sign") == "flight"]
    start, end = float(flight.get("data-start")), float(flight.get("data-start")) + float(flight.get("data-duration"))
    centre, y_start = staff.locate(start)
    y_end = staff.locate(end)[1]
    assert not [e for e in flight.iter() if e.get("stroke-dasharray")], "no dotted box"
    # Nothing in the support columns while no foot carries weight.
    for group in groups:
        if group is flight or "starting" in group.get("class"):
            continue
        for element in group:
            x0, y0, x1, y1 = text_box(element) if element.tag == SVG + "text" else box(element)
            inside = x0 < centre + 22 and x1 > centre - 22 and y0 < y_start - 1 and y1 > y_end + 1
            assert not inside, (group.get("data-column"), group.get("data-start"))
    # An action stroke in each leg-gesture column, from the take-off to the landing.
    strokes = coordinates(body(flight))
    xs = sorted({x for x, _ in strokes})
    assert len(xs) == 2 and xs[0] - centre == pytest.approx(-33) and xs[1] - centre == pytest.approx(33)
    assert {round(y) for _, y in strokes} <= {round(y_start - 1.2), round(y_end + 1.2)}
    # A leg gesture in the air takes the place of its stroke.
    busy = Score(score.grid, [*score.symbols, Symbol(start, Column.LEG_LEFT, end - start, Sign.DIRECTION,
                                                     Direction.LEFT_BACKWARD, Level.MIDDLE)], score.starting_position)
    flight = next(g for g in glyph_groups(draw_staff(busy).svg()) if g.get("data-sign") == "flight")
    assert len({x for x, _ in coordinates(body(flight))}) == 1


def test_a_long_title_is_set_smaller_or_shortened_to_stay_on_the_page():
    for title in ("first phrase - steps, a jump, a turn, arm gestures", "W" * 200, "W" * 100_000):  # cut at once
        # (until 2026-12-07 two letters at a time, each cut measuring the whole rest: 100,000 letters ran for minutes)
        staff = draw_staff(everything(), title=title)
        text = next(t for t in ET.fromstring(staff.svg()).iter(SVG + "text") if t.get("class") == "title")
        size = float(text.get("font-size"))
        assert size >= 9 and len(text.text) * size * (1.03 if "W" in title else 0.62) <= staff.width
    assert text.text.endswith("\u2026")


def test_beats_per_staff_stops_at_the_beats_a_grid_may_hold():
    """``--beats-per-staff 1e9`` was taken: as many beats as the score has make one staff, more is a typo."""
    from laban.formats.json import MAX_BEATS

    with pytest.raises(LabanError, match=r"beats per staff must be a positive number of beats up to 1000000, not "
                                         r"1000000000\.0") as error:
        draw_staff(everything(), beats_per_staff=1e9)
    assert "\n" not in str(error.value)
    assert len(draw_staff(everything(), beats_per_staff=MAX_BEATS).staves) == 1  # one staff, as asked


def far_out(bar: int = 100000) -> Score:
    """examples/first_phrase.laban with its second bar moved to ``bar`` (66.7 h later at 100 bpm)."""
    text = (Path(__file__).parent.parent / "examples" / "first_phrase.laban").read_text()
    return loads(text.replace("\nbar 2\n", f"\nbar {bar}\n"))


@pytest.mark.parametrize("name", ["far.svg", "far.png", "far.pdf"])
def test_a_score_longer_than_the_decoder_dances_is_refused_before_anything_is_drawn(tmp_path, name, monkeypatch):
    """One bar far out (``bar 100000``) drew for a quarter of an hour, some 10,000 pages; the decoder stops such a
    score at once (LONGEST_SCORE_S), and the staff now stops it the same way."""
    import viz.pages
    import viz.staff
    from laban.score import LONGEST_SCORE_S

    def drawing(*args, **kwargs):
        raise AssertionError("a page was drawn")

    monkeypatch.setattr(viz.staff, "draw_page", drawing)
    monkeypatch.setattr(viz.pages, "draw_page", drawing)
    with pytest.raises(LabanError, match=r"^the score lasts 66\.7 h \(to bar 100000\); a staff stops at 4 h, as "
                                         r"the decoder does$"):
        save_staff(far_out(), tmp_path / name)
    assert not list(tmp_path.iterdir())
    assert LONGEST_SCORE_S == 4 * 3600
    from laban.decoder import Clock, DecodeError

    with pytest.raises(DecodeError, match="stops at 4 h"):  # the same limit
        Clock(far_out(), 30.0)


def test_a_score_just_under_the_limit_is_still_drawn_as_pages():
    """Bar 2000 at 100 bpm is under 1 h 20 min: long, but a dance; laid out as pages, not refused."""
    from viz.pages import draw_pages

    score = far_out(2000)
    assert score.grid.beats_to_seconds(score.duration) < 4 * 3600
    with pytest.MonkeyPatch.context() as patch:  # the layout only: drawing 130 pages is not what is tested
        import viz.pages

        patch.setattr(viz.pages, "draw_page", lambda *args, **kwargs: "<svg/>")
        assert len(draw_pages(score)) > 100


def test_staff_scale_and_beats_per_staff_out_of_range_are_one_line_and_exit_2(tmp_path, capsys):
    """``staff --scale 1e-9`` wrote a 1 x 1 PNG with exit 0, and ``--beats-per-staff 1e9`` was taken."""
    from motiongpt.cli import main

    example = str(Path(__file__).parent.parent / "examples" / "first_phrase.laban")
    for option, value, says in [("--scale", "1e-9", "--scale: a PNG scale must be at least 0.1 and at most 50"),
                                ("--scale", "0.05", "--scale: a PNG scale must be at least 0.1"),
                                ("--beats-per-staff", "1e9", "beats per staff must be a positive number of beats "
                                                             "up to 1000000")]:
        code = main(["staff", example, "-o", str(tmp_path / "s.png"), option, value])
        err = capsys.readouterr().err
        assert code == 2 and err.startswith("motiongpt: error: ") and err.count("\n") == 1, err
        assert says in err
    assert not list(tmp_path.iterdir())
    assert main(["staff", example, "-o", str(tmp_path / "s.png"), "--scale", "0.1"]) == 0  # the least, still taken
