"""A progress bar of our own (no dependency), for long renders and batches: one line on stderr, redrawn in place
on a terminal, a single summary line elsewhere (a CI log), nothing when disabled.

This module imports nothing heavy: the command line's batch mode draws it before anything is loaded.
"""

from __future__ import annotations

import sys
import time


class Progress:
    """``rendering  42% |██████▍        | 126/300 frames  31.5 fps  ETA 6 s`` on stderr.

    Drawn only when ``enabled``; on a terminal it is redrawn in place at most ten times a second, elsewhere (a CI
    log) one line is written when it ends. ``unit`` names what is counted and ``rate`` its rate per second.
    """

    WIDTH = 24

    def __init__(self, total: int, label: str = "rendering", *, enabled: bool = True, stream=None,
                 unit: str = "frames", rate: str = "fps") -> None:
        self.total = max(int(total), 0)
        self.label = label
        self.unit, self.rate = unit, rate
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and self.total > 0
        self.live = self.enabled and getattr(self.stream, "isatty", lambda: False)()
        self.done = 0
        self.start = time.monotonic()
        self._drawn = 0.0

    def update(self, n: int = 1) -> None:
        self.done += n
        if self.live and (time.monotonic() - self._drawn > 0.1 or self.done >= self.total):
            self._draw("\r")

    def close(self) -> None:
        if self.enabled:
            self._draw("\r" if self.live else "")
            self.stream.write("\n")
            self.stream.flush()
            self.enabled = self.live = False

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.start, 1e-9)
        share = min(self.done / self.total, 1.0) if self.total else 1.0
        eighths = int(round(share * self.WIDTH * 8))
        bar = "█" * (eighths // 8) + ("▏▎▍▌▋▊▉"[eighths % 8 - 1] if eighths % 8 else "")
        rate = self.done / elapsed
        text = (f"{self.label} {share:4.0%} |{bar:<{self.WIDTH}}| {self.done}/{self.total} {self.unit} "
                f"{rate:5.1f} {self.rate}")
        if self.done < self.total and rate > 0:
            text += f"  ETA {(self.total - self.done) / rate:.0f} s"
        else:
            text += f"  in {elapsed:.1f} s"
        return text

    def _draw(self, prefix: str) -> None:
        self.stream.write(prefix + self.line() + "\x1b[K" * self.live)
        self.stream.flush()
        self._drawn = time.monotonic()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
