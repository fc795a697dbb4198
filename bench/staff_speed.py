"""Staff rendering time for a 3-minute score: SVG (the page as text), PNG (through cairosvg, at print scale 2) and
the printed pages (A4, as one PDF and as page images).

    python bench/staff_speed.py              # 3 minutes at 120 bpm
    python bench/staff_speed.py 5 100        # 5 minutes at 100 bpm

The score is real: the shared CMU dance takes (05_*, 60_*, 61_*) tokenized at the given tempo and laid end to
end, each shifted to start where the previous one stopped, until it lasts the given minutes. Prints its size, the
page layout, and the median of 5 runs of each step (tokenizing is not timed).
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import statistics
import sys
import time
from dataclasses import replace

import laban
from laban.score import Score
from laban.timing import BeatGrid
from motiongpt.data import cmu_trials
from viz import pages
from viz.staff import beat_height, draw_staff


def long_score(minutes: float, bpm: float) -> Score:
    """Real dance scores laid end to end on one steady grid of ``minutes`` at ``bpm``."""
    beats = minutes * bpm
    symbols, starting, offset = [], [], 0.0
    while offset < beats:
        for trial in (t for t in cmu_trials() if t.is_dance or t.subject == "05"):
            score = laban.tokenize(laban.read_bvh(trial.path), bpm=bpm)
            starting = starting or score.starting_position
            symbols += [replace(s, start=s.start + offset) for s in score.symbols if s.start + offset < beats]
            offset += score.duration
            if offset >= beats:
                break
    grid = BeatGrid.uniform(bpm, minutes * 60.0 + 60.0 / bpm)
    return Score(grid, symbols, starting, f"{minutes:g} minutes of CMU dance at {bpm:g} bpm")


def timed(function, runs: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        begin = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - begin)
    return statistics.median(times), result


def main() -> None:
    checkout.usage(__doc__)
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    bpm = float(sys.argv[2]) if len(sys.argv) > 2 else 120.0
    score = long_score(minutes, bpm)
    print(f"score: {len(score.symbols)} symbols, {score.duration:.0f} beats ({minutes:g} min at {bpm:g} bpm)")
    draw_time, staff = timed(lambda: draw_staff(score))
    svg_time, svg = timed(lambda: staff.svg().encode("utf-8"))
    png_time, png = timed(lambda: staff.png(2.0), runs=3)
    print(f"page: {len(staff.staves)} staves, {staff.width} x {staff.height} units; SVG {len(svg) / 1e6:.2f} MB, "
          f"PNG at scale 2 ({2 * staff.width} x {2 * staff.height} px) {len(png) / 1e6:.2f} MB")
    print(f"draw_staff + svg(): {1e3 * (draw_time + svg_time):.0f} ms")
    print(f"png(scale=2):       {png_time:.2f} s")
    print(f"beat height {beat_height(score):g} units (the shortest symbol: "
          f"{min(s.duration for s in score.symbols if s.duration > 0):g} beat)")
    pages_time, printed = timed(lambda: pages.draw_pages(score), runs=3)
    pdf_time, pdf = timed(lambda: pages.pdf(printed, score.title), runs=3)
    png_pages_time, _ = timed(lambda: [pages.png(page) for page in printed], runs=1)
    print(f"A4: {len(printed)} pages of {len(printed[0].staves)} staves; draw_pages {1e3 * pages_time:.0f} ms, "
          f"PDF {pdf_time:.2f} s ({len(pdf) / 1e6:.2f} MB), page PNGs at 150 dpi {png_pages_time:.2f} s")
    tall_time, tall = timed(lambda: draw_staff(score, beats_per_staff=score.duration))
    print(f"one tall staff (for the video renderer), draw + svg: {1e3 * tall_time:.0f} ms, "
          f"{tall.width} x {tall.height} units")


if __name__ == "__main__":
    main()
