"""The corpus figures of issue 11 (run by hand, prints a report):

    python bench/corpus_figures.py [--jobs 2] [--keep corpus/cmu]

1. Build time of the shared CMU corpus, all 150 trials, ``--jobs`` workers, into a fresh folder (the recipe
   ``datasets/cmu_corpus.py``), and of the rebuild that finds every score cached.
2. Corpus size in tokens per split: the takes as they are; with the augmentation multiplicity (mirror makes 2
   distinct token sequences; mirror × 5 tempi × 8 fronts make 80 distinct conditioned examples, tempo and front
   being conditioning); and the distinct training windows of 4-16 bars cut at bar lines (each cut and encoded:
   their count and tokens, and how many a window cannot encode).
3. Takes, minutes and tokens per style and split; 4. tokens per minute per style (against the issue's yardstick
   of 21 joints at 30 fps = 37,800 numbers a minute).
"""

from __future__ import annotations

import argparse
import runpy
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from laban.algebra import cut, mirror  # noqa: E402
from motiongpt.data.augment import ALL, WINDOW_BARS  # noqa: E402
from motiongpt.data.corpus import SPLITS, build  # noqa: E402

YARDSTICK = 21 * 30 * 60  # the issue's: a minute of 21 joints at 30 fps is 37,800 numbers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="build into this folder (kept) instead of a temporary one")
    args = parser.parse_args()
    sources = runpy.run_path(str(REPO / "datasets" / "cmu_corpus.py"))["cmu_sources"]()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp) / "cmu"
        built = build(sources, folder, jobs=args.jobs, force=True)
        again = build(sources, folder, jobs=args.jobs)
        corpus = built.corpus
        print(f"1. build: {len(corpus)} takes, {built.seconds / 60:.1f} min of motion, {len(built.failures)} "
              f"failed, in {built.wall:.1f} s with {args.jobs} workers ({built.seconds / built.wall:.0f}x real "
              f"time); rebuild with every score cached: {again.wall:.2f} s ({again.reused} reused)")
        sizes(corpus)
        styles(corpus)


def sizes(corpus) -> None:
    vocabulary = corpus.vocabulary()
    rows = {split: defaultdict(float) for split in SPLITS}
    exact = 0
    for take in corpus:
        row = rows[take.split]
        score = take.score()
        row["takes"] += 1
        row["minutes"] += take.seconds / 60
        row["tokens"] += take.tokens
        row["mirrored"] += len(vocabulary.encode(mirror(score)))
        exact += all(vocabulary.to_score(vocabulary.encode(a.apply(score)), a.apply(score).grid, score.title)
                     == a.apply(score) for a in ALL[::7])
        low, high = WINDOW_BARS
        last = max(take.bars, 1)
        lengths = range(low, min(high, last) + 1) if last >= low else [last]
        for n in lengths:
            for first in range(1, last - n + 2):
                piece = cut(score, first, first + n - 1)  # a cut into a jump holds no weight under it: none skipped
                try:
                    row["window tokens"] += len(vocabulary.encode(piece))
                    row["windows"] += 1
                except Exception:  # noqa: BLE001 - counted, not raised: a figure
                    row["not encoded"] += 1
    print(f"\n2. corpus size in tokens (augmentations of every take round-trip: {exact} / {len(corpus)}; "
          f"{len(ALL)} augmentations = 2 mirrors x 5 tempi x 8 fronts)")
    print(f"{'split':<11} {'takes':>5} {'min':>5} {'tokens':>8} {'x mirror':>9} {'x 80 (cond.)':>13} "
          f"{'windows 4-16':>12} {'window tokens':>14} {'x 80':>12} {'skipped':>8}")
    total = defaultdict(float)
    for split in SPLITS:
        r = rows[split]
        for k, v in r.items():
            total[k] += v
        _size_row(split, r)
    _size_row("all", total)


def _size_row(name: str, r) -> None:
    print(f"{name:<11} {r['takes']:>5.0f} {r['minutes']:>5.1f} {r['tokens']:>8,.0f} "
          f"{r['tokens'] + r['mirrored']:>9,.0f} {r['tokens'] * 40 + r['mirrored'] * 40:>13,.0f} "
          f"{r['windows']:>12,.0f} {r['window tokens']:>14,.0f} {r['window tokens'] * 80:>12,.0f} "
          f"{r['not encoded']:>8,.0f}")


def styles(corpus) -> None:
    by = defaultdict(lambda: defaultdict(float))
    for t in corpus:
        row = by[t.style]
        row[t.split] += 1
        row["minutes"] += t.seconds / 60
        row["tokens"] += t.tokens
        row["bars"] += t.bars
    print("\n3-4. takes per style (train / validation / test), minutes, tokens, tokens per minute")
    print(f"{'style':<14} {'takes':>5} {'train':>5} {'val':>4} {'test':>4} {'min':>6} {'tokens':>8} {'tok/min':>8} "
          f"{'bars':>5}")
    for style in sorted(by, key=lambda s: -by[s]["minutes"]):
        r = by[style]
        n = r["train"] + r["validation"] + r["test"]
        print(f"{style:<14} {n:>5.0f} {r['train']:>5.0f} {r['validation']:>4.0f} {r['test']:>4.0f} "
              f"{r['minutes']:>6.1f} {r['tokens']:>8,.0f} {r['tokens'] / r['minutes']:>8.0f} {r['bars']:>5.0f}")
    minutes = sum(t.seconds for t in corpus) / 60
    tokens = sum(t.tokens for t in corpus)
    print(f"{'all':<14} {len(corpus):>5} {'':>5} {'':>4} {'':>4} {minutes:>6.1f} {tokens:>8,} "
          f"{tokens / minutes:>8.0f}   (yardstick: {YARDSTICK:,} numbers a minute)")


if __name__ == "__main__":
    main()
