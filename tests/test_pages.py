"""The staff on paper: A4 or Letter pages of staves in whole bars, numbered, with the title and tempo on the first;
a multi-page PDF, or one PNG per page for a long score; nothing drawn off a page."""

from __future__ import annotations

import os
import re
import struct
import xml.etree.ElementTree as ET
from itertools import pairwise

import pytest

from laban.errors import LabanError
from laban.score import Column, Direction, Level, Score, Sign, Symbol
from laban.timing import BeatGrid
from viz.pages import draw_pages
from viz.pages import save_staff
from viz.staff import draw_staff

SVG = "{http://www.w3.org/2000/svg}"
PT_PER_MM = 72 / 25.4


def long_score(beats: int = 240, meter: int = 3) -> Score:
    """Two minutes of steps, turns, jumps and arm gestures at 120 bpm (quarter-beat steps among them)."""
    symbols = []
    for b in range(0, beats, 2):
        side = Column.SUPPORT_RIGHT if b % 4 else Column.SUPPORT_LEFT
        symbols.append(Symbol(float(b), side, 1.0, Sign.DIRECTION, Direction.FORWARD, Level.MIDDLE))
        symbols.append(Symbol(b + 1.0, side, 0.25, Sign.TURN, turn=0.125))
        symbols.append(Symbol(b + 1.25, Column.CENTRE, 0.25, Sign.FLIGHT))
        symbols.append(Symbol(b + 1.5, Column.SUPPORT_LEFT, 0.5, Sign.DIRECTION, Direction.PLACE, Level.LOW))
        symbols.append(Symbol(float(b), Column.UPPER_ARM_RIGHT, 2.0, Sign.DIRECTION, Direction.RIGHT, Level.HIGH))
        symbols.append(Symbol(b + 0.5, Column.HEAD, 1.0, Sign.TURN, turn=-1.25))
    symbols.append(Symbol(10.0, Column.TORSO, beats / 2, Sign.DIRECTION, Direction.FORWARD, Level.LOW))  # long
    start = [Symbol(0.0, Column.SUPPORT_LEFT, 0.0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE)]
    return Score(BeatGrid.uniform(120, beats / 2, beats_per_bar=meter), symbols, start, "Two minutes & <more>")


def points(element: ET.Element) -> list[tuple[float, float]]:
    tag = element.tag.removeprefix(SVG)
    if tag == "path":
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", element.get("d"))]
        return list(zip(numbers[::2], numbers[1::2]))
    if tag == "text" and not element.get("transform"):  # its glyphs' box (at most 0.7 em a character)
        size, x, y = float(element.get("font-size", 12)), float(element.get("x")), float(element.get("y"))
        width = 0.7 * size * len(element.text or "")
        anchor = element.get("text-anchor", "start")
        left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
        return [(left, y - 0.8 * size), (left + width, y + 0.25 * size)]
    if tag in ("rect", "circle", "text"):
        x = float(element.get("x", element.get("cx", 0)))
        y = float(element.get("y", element.get("cy", 0)))
        return [(x, y), (x + float(element.get("width", 0)), y + float(element.get("height", 0)))]
    return []


def test_a_long_score_is_paginated_on_a4_and_letter_with_whole_bars_per_staff():
    score = long_score()
    for paper, (w_mm, h_mm) in (("a4", (210, 297)), ("letter", (215.9, 279.4))):
        pages = draw_pages(score, paper=paper)
        assert len(pages) >= 4
        staves = [s for page in pages for s in page.staves]
        assert staves[0][0] == 0 and staves[-1][1] == 240 and all(a[1] == b[0] for a, b in pairwise(staves))
        assert all(start % 3 == 0 for start, _ in staves), "staves break on bar lines"
        assert all(len(page.staves) == 2 for page in pages[:-1]), "two staves a page by default"
        for page in pages:
            root = ET.fromstring(page.svg())
            assert (root.get("width"), root.get("height")) == (f"{w_mm:g}mm", f"{h_mm:g}mm")
            width, height = (float(v) for v in root.get("viewBox").split()[2:])
            assert width / height == pytest.approx(w_mm / h_mm)
            drawn = [e for child in root if child.tag != SVG + "defs" for e in child.iter()]
            for element in drawn:  # no page overflows: every drawn point lies on the paper
                for x, y in points(element):
                    assert 0 <= x <= width and 0 <= y <= height, (paper, element.get("class"), x, y)
    # Each symbol begins on exactly one page, on the staff that holds its start; one that crosses a page break
    # goes on at the foot of the next page.
    pages = draw_pages(score)
    staves = [s for page in pages for s in page.staves]
    begun, carried = [], 0
    for page in pages:
        for group in ET.fromstring(page.svg()).iter(SVG + "g"):
            if "symbol" not in group.get("class", "").split() or "starting" in group.get("class"):
                continue
            start, index = float(group.get("data-start")), int(group.get("data-staff"))
            if staves[index][0] <= start < staves[index][1]:
                begun.append((group.get("data-column"), start, group.get("data-sign")))
            else:
                carried += 1
                assert start < staves[index][0] and group.find(f"{SVG}path[@class='continued']") is not None
    assert sorted(begun) == sorted((s.column.value, s.start, s.sign.value) for s in score.symbols)
    assert carried >= 1
    three = draw_pages(score, staves_per_page=3)
    assert len(three) < len(pages) and all(len(page.staves) == 3 for page in three[:-1])
    assert len(draw_pages(score, beats_per_staff=6)) > len(pages)


def test_the_first_page_has_title_and_tempo_and_every_page_its_number():
    pages = draw_pages(long_score())
    count = len(pages)
    for number, page in enumerate(pages, 1):
        texts = {t.get("class"): t.text for t in ET.fromstring(page.svg()).iter(SVG + "text") if t.get("class")}
        assert texts["page-number"] == f"{number} / {count}"
        assert ("title" in texts and "tempo" in texts) is (number == 1)
    first = {t.get("class"): t.text for t in ET.fromstring(pages[0].svg()).iter(SVG + "text")}
    assert first["title"] == "Two minutes & <more>" and first["tempo"] == "\u2669 = 120"


def test_save_staff_writes_a_multi_page_pdf(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    score = long_score()
    target = tmp_path / "score.pdf"
    assert save_staff(score, target) == [target]
    reader = pypdf.PdfReader(target)
    count = len(draw_pages(score))
    assert len(reader.pages) == count
    for number, page in enumerate(reader.pages, 1):
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx((210 * PT_PER_MM, 297 * PT_PER_MM), abs=0.5)  # A4
        text = page.extract_text()
        assert f"{number} / {count}" in text
    first = reader.pages[0].extract_text()
    assert "Two minutes & <more>" in first and "= 120" in first
    assert "= 120" not in reader.pages[1].extract_text()
    assert reader.metadata.title == "Two minutes & <more>"

    letter = tmp_path / "letter.pdf"
    save_staff(score, letter, paper="letter", staves_per_page=3, title="Letter")
    reader = pypdf.PdfReader(letter)
    assert (float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)) == \
        pytest.approx((612, 792), abs=0.5)
    assert len(reader.pages) == len(draw_pages(score, paper="letter", staves_per_page=3))
    assert "Letter" in reader.pages[0].extract_text()


def test_the_pdf_is_the_same_bytes_each_time_and_a_short_score_is_one_page(tmp_path):
    save_staff(long_score(), tmp_path / "a.pdf")
    save_staff(long_score(), tmp_path / "b.pdf")
    data = (tmp_path / "a.pdf").read_bytes()
    assert data.startswith(b"%PDF") and data == (tmp_path / "b.pdf").read_bytes()
    short = long_score(12)
    save_staff(short, tmp_path / "short.pdf")
    assert len(draw_pages(short)) == 1
    assert len(re.findall(rb"/Type\s*/Page\b", (tmp_path / "short.pdf").read_bytes())) == 1


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_a_long_png_is_one_image_per_page_and_a_short_one_a_single_image(tmp_path):
    score = long_score(96)
    written = save_staff(score, tmp_path / "score.png")
    count = len(draw_pages(score))
    assert [p.name for p in written] == [f"score-{i}.png" for i in range(1, count + 1)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)
    for path in written:
        assert png_size(path.read_bytes()) == (1240, 1754)  # A4 at 150 dpi
    short = long_score(12)
    (single,) = save_staff(short, tmp_path / "short.png")
    staff = draw_staff(short)
    assert single.name == "short.png" and png_size(single.read_bytes()) == (2 * staff.width, 2 * staff.height)
    (tall,) = save_staff(score, tmp_path / "tall.png", beats_per_staff=score.duration, scale=0.5)  # asked for
    assert tall.name == "tall.png" and png_size(tall.read_bytes())[1] > 1754


def test_bad_print_options_are_one_line_errors_and_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    score = long_score()
    for options in ({"paper": "a3"}, {"paper": 4}, {"staves_per_page": 0}, {"staves_per_page": 2.5},
                    {"staves_per_page": 40}, {"beats_per_staff": -1}):
        with pytest.raises(LabanError) as error:
            save_staff(score, tmp_path / "score.pdf", **options)
        assert "\n" not in str(error.value)
    assert not list(tmp_path.iterdir())

    def broken_replace(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(LabanError, match="score.pdf: cannot write: disk full"):
        save_staff(score, tmp_path / "score.pdf")
    assert not list(tmp_path.iterdir())


def test_a_score_with_a_bar_far_out_is_refused_before_any_page_is_drawn(monkeypatch):
    """``bar 100000`` in a score at 100 bpm made ``staff -o far.pdf`` draw ~10,000 pages for a quarter of an hour."""
    import viz.pages

    def drawing(*args, **kwargs):
        raise AssertionError("a page was drawn")

    monkeypatch.setattr(viz.pages, "draw_page", drawing)
    far = Score(BeatGrid.uniform(100.0, 10.0), [Symbol(400000.0, Column.HEAD, 1.0, Sign.HOLD)])
    with pytest.raises(LabanError, match=r"^the score lasts 66\.7 h \(to bar 100001\); a staff stops at 4 h") as error:
        draw_pages(far)
    assert "\n" not in str(error.value)
