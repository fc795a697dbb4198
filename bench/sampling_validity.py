"""The grammar's guarantee through the whole sampling path: constrained samples of an untrained tiny MotionGPT,
drawn by ``motiongpt.model.generate.variations`` (the sampling loop, the fast stack, the grammar processor, top-k
and top-p), on mixed meters, upbeats and lengths; how many are not valid scores. A sample counts as invalid if
``variations`` cannot read it back (``to_score``), it has the wrong number of bars, ``encode`` refuses it (columns,
signs per column, the grid, overlaps, flight over a support, checked on the score itself), it does not round-trip,
or the grammar does not accept it.

    PYTHONPATH=. python bench/sampling_validity.py [--samples 10000] [--batch 500] [--model builtin|follower|DIR]

``--model`` samples a trained model instead (the shipped ``builtin`` or ``follower``, or a model folder).
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import argparse
import time

import numpy as np
import torch

from laban import BeatGrid
from laban.errors import LabanError
from motiongpt.grammar import ScoreGrammar
from motiongpt.model import build, tiny_config
from motiongpt.model.generate import variations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", help="builtin, follower or a model folder (default: an untrained tiny model)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.model:
        from motiongpt.model import MotionGPT, builtin_model_path, follower_model_path

        shipped = {"builtin": builtin_model_path, "follower": follower_model_path}
        model = MotionGPT.from_pretrained(shipped[args.model]() if args.model in shipped else args.model)
        name = f"{args.model} MotionGPT"
    else:
        model = build(tiny_config(), seed=args.seed).eval()
        name = "untrained tiny MotionGPT"
    vocabulary, grammar = model.vocabulary, ScoreGrammar(model.vocabulary)
    rng = np.random.default_rng(args.seed)
    invalid, failed, tokens, started = 0, 0, 0, time.perf_counter()
    for first in range(0, args.samples, args.batch):
        n = min(args.batch, args.samples - first)
        meter = int(rng.choice([2, 3, 4, 6]))
        upbeat = int(rng.integers(0, min(meter, 3)))
        bars = int(rng.integers(1, 9))
        grid = BeatGrid(tuple(0.5 * i for i in range(upbeat + (bars - (1 if upbeat else 0)) * meter + 1)), meter,
                        upbeat)
        settings = dict(temperature=float(rng.choice([0.7, 1.0, 1.3])), top_k=int(rng.choice([0, 20])),
                        top_p=float(rng.choice([0.9, 1.0])))
        try:
            scores = variations(model, grid, n, seed=first, **settings)
        except LabanError as error:  # a sample that cannot be read back at all
            print(f"  batch {first}: {error}")
            failed += n
            continue
        for score in scores:
            try:
                ids = vocabulary.encode(score)
                ok = (len(vocabulary.bar_spans(ids)) == bars and vocabulary.to_score(ids, grid) == score
                      and grammar.accepts([ids], [grid], [bars]) == [True])
            except LabanError:
                ok = False
            invalid += not ok
            tokens += len(ids) if ok else 0
    wall = time.perf_counter() - started
    print(f"{name} ({sum(p.numel() for p in model.parameters()):,} parameters), {args.samples:,} "
          f"samples through variations (meters 2/3/4/6, upbeats, 1-8 bars, temperature/top-k/top-p mixed): "
          f"{invalid + failed} invalid; {tokens:,} tokens in {wall:.0f} s")


if __name__ == "__main__":
    main()
