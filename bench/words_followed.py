"""Words followed (issue 11): prompts that ``laban.describe`` writes from held-out test phrases, danced by the
model, and the share of what was asked that the generated phrase does (``laban.words_followed``: step count ± 1,
step direction, turn direction and amount ± 1/8, jump or not, arm level).

Each prompt is one 2-bar phrase of a test-split dance take of a built corpus (``datasets/cmu_corpus.py``), worded
with seed 0; the model writes 2 bars on the phrase's own tempo and meter, with the words and nothing else. For
scale, the same prompts are answered by a random training phrase (what ignoring the words scores).

    python bench/words_followed.py --corpus corpus/cmu [--model DIR] [--prompts 100] [--seeds 0 1 2]
                                   [--guidance 1 3] [--best-of 1 4]   # a row per guidance scale and best-of
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np

import laban
from laban.timing import BeatGrid
from motiongpt.data.corpus import Corpus
from motiongpt.model import MotionGPT, builtin_model_path
from motiongpt.model.generate import generate


def phrases(corpus: Corpus, split: str, subset: str | None):
    for take in corpus.split(split):
        if subset == "dance" and take.style not in ("modern dance", "salsa lead", "salsa follow"):
            continue
        score = take.score()
        for phrase in laban.describe(score, seed=0, phrasing=2):
            if phrase.bars[1] - phrase.bars[0] == 1 and phrase.bars[0] >= 1:
                yield take, score, phrase


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="corpus/cmu")
    parser.add_argument("--model", default=None)
    parser.add_argument("--prompts", type=int, default=100)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--subset", default="dance", help="'dance' (modern and salsa) or 'all'")
    parser.add_argument("--guidance", type=float, nargs="+", default=[1.0], help="guidance scales, a row each")
    parser.add_argument("--best-of", type=int, nargs="+", default=[1], help="samples per dance, a row each")
    args = parser.parse_args()
    corpus = Corpus.load(args.corpus)
    model = MotionGPT.from_pretrained(args.model or builtin_model_path())
    asked = list(phrases(corpus, "test", args.subset if args.subset != "all" else None))
    rng = np.random.default_rng(0)
    chosen = [asked[i] for i in sorted(rng.permutation(len(asked))[:args.prompts])]
    training = list(phrases(corpus, "train", args.subset if args.subset != "all" else None))
    rows = {(g, n): f"model, guidance {g:g}" + (f", best of {n}" if n > 1 else "")
            for g in args.guidance for n in args.best_of}
    tallies = {**{row: defaultdict(list) for row in rows.values()}, "random training phrase": defaultdict(list)}
    started = time.perf_counter()
    for take, score, phrase in chosen:
        wanted = laban.facts_from_text(phrase.text)
        period = 60.0 / score.tempo
        grid = BeatGrid.uniform(score.tempo, 2 * score.beats_per_bar * period, score.beats_per_bar)
        for seed in args.seeds:
            for (scale, best_of), row in rows.items():
                made = generate(model, grid, text=phrase.text, bars=2, seed=seed, guidance=scale, best_of=best_of)
                for element, ok in laban.words_followed(wanted, laban.phrase_facts(made, (1, 2))).items():
                    tallies[row][element].append(ok)
        _, other, other_phrase = training[int(rng.integers(len(training)))]
        for element, ok in laban.words_followed(wanted, laban.phrase_facts(other, other_phrase.bars)).items():
            tallies["random training phrase"][element].append(ok)
    seconds = time.perf_counter() - started
    elements = ["steps", "step direction", "turn", "jump", "arm level"]
    print(f"{len(chosen)} prompts from {len(asked)} held-out 2-bar phrases ({args.subset}), seeds {args.seeds}, "
          f"{seconds:.0f} s")
    print(f"{'answered by':36s}" + "".join(f"{e:>16s}" for e in elements) + f"{'overall':>10s}")
    for row, tally in tallies.items():
        cells = [f"{np.mean(tally[e]):.2f} ({len(tally[e])})" if tally[e] else "-" for e in elements]
        overall = np.mean([ok for e in elements for ok in tally[e]])
        print(f"{row:36s}" + "".join(f"{c:>16s}" for c in cells) + f"{overall:>10.2f}")


if __name__ == "__main__":
    main()
