"""Words that say a pace ("a slow solo", "a lively salsa basic step"): does the dance do what they ask, pace included?

    PYTHONPATH=. python bench/pace_followed.py [--seeds 6] [--bars 8] [--read stop62]

Eight prompts a choreographer might type, each danced by the built-in model at ``motiongpt generate``'s defaults
(best of 4 up to 12 bars), ``--bars`` bars on music (the Maple Leaf Rag, a Bach chorale) or at 110 bpm, seeds 0 to
``--seeds`` - 1. Each dance, and each of the samples best-of chose among, is checked against its words
(``laban.description.check``: step count ± 1, direction, turn, jumps, arm level, pace), element by element.
``--read stop62`` reads the words as a dance made at stop 62 is made again (the pace moving the energy control,
``laban.description.text.words_read_before(WORDS_READ_TURNS)``), the code before beside the code now. One thread.
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import argparse
import collections
import contextlib
import time

import torch

PROMPTS = [("a slow solo: steps forward, a half turn, arms rising high", "corpus:joplin/maple_leaf_rag"),
           ("a slow turn with the arms wide", None),
           ("a lively salsa basic step", None),
           ("slowly walk forward, arms low", None),
           ("quick steps to the right, a jump, arms high", None),
           ("a gentle sway, then a slow quarter turn left", "corpus:bach/bwv66.6"),
           ("energetic steps forward and back", "corpus:joplin/maple_leaf_rag"),
           ("a calm solo with the arms out to the sides", None)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--bars", type=int, default=8)
    parser.add_argument("--read", choices=("now", "stop62"), default="now")
    args = parser.parse_args()
    torch.set_num_threads(1)

    import motiongpt.model.generate as generation
    from laban.description import check
    from laban.description.text import WORDS_READ_TURNS, words_read_before
    from motiongpt.cocreate import generate, load_model

    drawn: list = []
    best = generation._best

    def keeping(samples, phrases, energy):  # the samples best-of chose among, kept to be checked too
        drawn.append(samples)
        return best(samples, phrases, energy)

    generation._best = keeping
    loaded = load_model()
    reading = words_read_before(WORDS_READ_TURNS) if args.read == "stop62" else contextlib.nullcontext()
    kept, samples = collections.Counter(), collections.Counter()
    asked, sampled = collections.Counter(), collections.Counter()
    began = time.process_time()
    with reading:
        for text, music in PROMPTS:
            row = collections.Counter()
            for seed in range(args.seeds):
                drawn.clear()
                where = {"music": music} if music else {"bpm": 110.0}
                dance = generate(loaded, text=text, bars=args.bars, seed=seed, **where)[0]
                for name, element in check(dance.score, [(None, text)])[0].elements.items():
                    kept[name] += element.followed
                    asked[name] += 1
                    row[name] += element.followed
                for score in drawn[0] if drawn else [dance.score]:
                    for name, element in check(score, [(None, text)])[0].elements.items():
                        samples[name] += element.followed
                        sampled[name] += 1
            print(f"{text!r:60} " + ", ".join(f"{name} {row[name]}" for name in row) + f" of {args.seeds}")
    print(f"\nwords read {args.read}, {len(PROMPTS)} prompts × {args.seeds} seeds, {args.bars} bars "
          f"({time.process_time() - began:.0f} CPU s)")
    for title, done, of in (("kept (the dance written)", kept, asked), ("samples (best-of's draws)", samples, sampled)):
        share = sum(done.values()) / max(sum(of.values()), 1)
        print(f"{title:28} all {share:.3f}  " + "  ".join(f"{name} {done[name]}/{of[name]}" for name in of))


if __name__ == "__main__":
    main()
