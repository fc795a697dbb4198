"""Words bar by bar against the same words as one text: does each phrase's bars do what that phrase asks?

    PYTHONPATH=. python bench/phrases_followed.py [--seeds 4] [--bpm 100] [--corpus corpus/cmu]

1. Six two-phrase prompts (bars 1-2, bars 3-4), each danced by the built-in model at ``motiongpt generate``'s
   defaults, four bars at ``--bpm``, once with the phrases given bar by bar (``generate(phrases=...)``,
   ``motiongpt generate --phrase``) and once as one text for the whole dance ("A, then B").
2. With ``--corpus``: the validation split's dance takes (modern dance, salsa), each one's first bars (its phrases
   of ``laban.describe`` that end by bar 8) described and danced anew on the take's own beat grid, seed 0, the
   phrases bar by bar and as one text (``motiongpt describe`` then ``motiongpt generate --words-file``). The test
   split is not read.

Each dance is checked phrase by phrase on the phrase's own bars (``conditions.words_kept``, ``laban.description.
check``: step count ± 1, step direction, turn, jumps, arm level). One thread.
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
    parser.add_argument("--corpus", default=None, help="a built corpus: its validation dance takes described anew")
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
    if args.corpus:
        described_anew(loaded, args.corpus)


def described_anew(loaded, folder: str) -> None:
    """The validation split's dance takes' first bars, described and danced anew (part 2 of the docstring)."""
    import laban
    from motiongpt.cocreate.generate import BEST_OF_BARS, TOP_P, WORDS_BEST_OF, WORDS_GUIDANCE
    from motiongpt.data.corpus import Corpus
    from motiongpt.model.conditions import words_kept
    from motiongpt.model.generate import variations

    began = time.perf_counter()
    kept = {"bar by bar": [], "one text": []}
    takes = [t for t in Corpus.load(folder).split("validation")
             if t.style in ("modern dance", "salsa lead", "salsa follow")]
    for take in takes:
        score = take.score()
        phrases = [(p.bars, p.text) for p in laban.describe(score) if p.bars[1] <= 8]
        asked = [(span, laban.facts_from_text(words)) for span, words in phrases]
        bars = max(last for (_, last), _ in phrases) + (1 if score.grid.downbeat else 0)  # the upbeat bar too
        for name, words in (("bar by bar", phrases), ("one text", " ".join(w for _, w in phrases))):
            written = variations(loaded.model, score.grid, 1, text=words, bars=bars, seed=0, top_p=TOP_P,
                                 guidance=WORDS_GUIDANCE, best_of=WORDS_BEST_OF if bars <= BEST_OF_BARS else 1)[0]
            kept[name].append(words_kept(written, asked))
    print(f"{len(takes)} validation dance takes' first bars described and danced anew on their own beats, seed 0 "
          f"({time.perf_counter() - began:.0f} s): what each phrase asks, done on its own bars")
    for name, values in kept.items():
        print(f"  {name:10s} {np.mean(values):.3f}")


if __name__ == "__main__":
    main()
