"""Flights in the decoder's round trip, clip by clip, on the splits one may choose on.

    python bench/decoder_flights.py                          # training and validation clips, seed 0
    python bench/decoder_flights.py --splits validation --show
    python bench/decoder_flights.py --execution learned      # the learned execution (``laban.decode``)

For every CMU trial of ``--splits`` (``datasets/cmu_split.csv``; the test split only as a report, never to
choose on): its score (``laban.tokenize`` of the capture), the decoded dance (``laban.decoder.decode`` at 30 fps)
read back on the score's grid, and

- the centre column's round trip (``laban.compare.cell_agreement``, cells of 1/4 beat, pooled over the dance
  clips: the figure ``bench/decoder_figures.py`` prints for all dance clips),
- flight F1 (``motiongpt.metrics.notation.support_f1``, mean over the clips with a flight in either score: the
  figure ``motiongpt evaluate`` gives),
- with ``--show``, each clip whose flights read back differently: (start, beats) written and read back, so that
  a flight lost, late, short or added can be seen without rerunning anything.

Why a bench of its own: the centre column holds few cells (about 60 on training and validation dance clips), so
one quarter-beat flight moves its figure by 2-3 points, and the whole-corpus figure of ``decoder_figures.py``
mixes in the test split; this one says which flights changed.
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import argparse
import time

import numpy as np

import laban
from laban.compare import cell_agreement
from laban.decoder import decode
from laban.score import Column, Sign

FPS = 30.0


def flights(score: laban.Score) -> list[tuple[float, float]]:
    """(start, duration) in beats of every flight of ``score``."""
    return [(round(float(s.start), 2), round(float(s.duration), 2)) for s in score.symbols
            if s.column is Column.CENTRE and s.sign is Sign.FLIGHT]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--splits", nargs="*", default=["train", "validation"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--execution", default="rules", choices=["rules", "learned"])
    parser.add_argument("--show", action="store_true", help="list the clips whose flights read back differently")
    args = parser.parse_args()
    from motiongpt.data import cmu_trials
    from motiongpt.evaluate import read_cmu_split
    from motiongpt.metrics.notation import support_f1

    split = read_cmu_split()
    trials = [t for t in cmu_trials() if split.get(t.name, {}).get("split") in args.splits]
    centre, f1s, changed = np.zeros(2), [], []
    started = time.perf_counter()
    for trial in trials:
        score = laban.tokenize(laban.read_bvh(trial.path, frame_rate=trial.fps), title=trial.name)
        again = laban.tokenize(decode(score, fps=FPS, seed=args.seed, execution=args.execution), score.grid)
        figure = cell_agreement(score, again).get(Column.CENTRE.value)
        if figure and trial.is_dance:
            centre += [figure["direction"] * figure["cells"], figure["cells"]]
        f1s.append(support_f1(score, again)["flight"])
        if flights(score) != flights(again):
            changed.append((trial.name, flights(score), flights(again)))
    f1s = np.array(f1s)
    print(f"{len(trials)} trials of {' '.join(args.splits)}, seed {args.seed}, {args.execution} execution "
          f"({time.perf_counter() - started:.0f} s)")
    print(f"  centre column round trip (dance clips, cells pooled): {centre[0] / max(centre[1], 1):.4f} "
          f"of {int(centre[1])} cells")
    print(f"  flight F1 (mean over {np.isfinite(f1s).sum()} trials with a flight): {np.nanmean(f1s):.4f}")
    print(f"  trials whose flights read back differently: {len(changed)}")
    if args.show:
        for name, written, read in changed:
            print(f"    {name}: written {written}\n    {'':{len(name)}}  read    {read}")


if __name__ == "__main__":
    main()
