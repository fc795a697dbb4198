"""Words bar by bar against the same words as one text: does each phrase's bars do what that phrase asks?

    PYTHONPATH=. python bench/phrases_followed.py [--seeds 4] [--bpm 100]

Six two-phrase prompts (bars 1-2, bars 3-4), each danced by the built-in model at ``motiongpt generate``'s
defaults, four bars at ``--bpm``, once with the phrases given bar by bar (``generate(phrases=...)``, ``motiongpt
generate --phrase``) and once as one text for the whole dance ("A, then B"); each dance is checked phrase by phrase
on the phrase's own bars (``conditions.words_kept``: step count ± 1, step direction, turn, jumps, arm level). One
thread.
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import argparse
import time

import numpy as np
import torch

PAIRS = [("four steps forward, arms low", "a jump, arms rising high"),
         ("a half turn to the right", "three steps backward"),
         ("two steps to the left, arms at shoulder height", "a whole turn to the left, arms low"),
         ("walking forward for four steps", "two jumps, the arms up high"),
         ("three steps going backward, arms kept low", "a quarter turn to the left, then two steps forward"),
         ("a jump", "four steps to the right, arms rising high")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--bpm", type=float, default=100.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    from laban import facts_from_text
    from motiongpt.cocreate import generate, load_model
    from motiongpt.model.conditions import words_kept

    loaded = load_model()
    began = time.perf_counter()
    kept = {"bar by bar": [], "one text": []}
    for a, b in PAIRS:
        phrases = [((1, 2), a), ((3, 4), b)]
        asked = [(span, facts_from_text(words)) for span, words in phrases]
        for seed in range(args.seeds):
            by_bar = generate(loaded, phrases=phrases, bars=4, bpm=args.bpm, seed=seed)[0]
            whole = generate(loaded, text=f"{a}, then {b}", bars=4, bpm=args.bpm, seed=seed)[0]
            kept["bar by bar"].append(words_kept(by_bar.score, asked))
            kept["one text"].append(words_kept(whole.score, asked))
    print(f"{len(PAIRS)} two-phrase prompts x seeds 0-{args.seeds - 1}, 4 bars at {args.bpm:g} bpm "
          f"({time.perf_counter() - began:.0f} s): what each phrase asks, done on its own bars")
    for name, values in kept.items():
        print(f"  {name:10s} {np.mean(values):.3f}")


if __name__ == "__main__":
    main()
