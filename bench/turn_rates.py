"""How fast the shared captures turn: turns a second of every turn sign in the training split's scores, the
figure behind ``motiongpt.plausibility.FASTEST_TURN`` (the test split is never read).

    python bench/turn_rates.py --corpus corpus/cmu
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import argparse
from pathlib import Path

import numpy as np

from laban.score import Sign
from motiongpt.data.corpus import Corpus


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=Path("corpus/cmu"))
    args = parser.parse_args()
    rates = []
    for take in Corpus.load(args.corpus).split("train"):
        score = take.score()
        for symbol in score.symbols:
            if symbol.sign is Sign.TURN and symbol.turn:
                seconds = float(score.grid.beats_to_seconds(symbol.start + symbol.duration)
                                - score.grid.beats_to_seconds(symbol.start))
                rates.append(abs(symbol.turn) / max(seconds, 1e-6))
    rates = np.array(rates)
    p50, p99, top = np.percentile(rates, [50, 99, 100])
    print(f"{len(rates)} turns in the training split: median {p50:.2f}, 99th percentile {p99:.2f}, "
          f"fastest {top:.2f} turns a second")


if __name__ == "__main__":
    main()
