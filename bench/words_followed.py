"""Words followed (issue 11): prompts that ``laban.describe`` writes from held-out test phrases, danced by the
model, and the share of what was asked that the generated phrase does (``laban.words_followed``: step count ± 1,
step direction, turn direction and amount ± 1/8, jump or not (a count of two or more ± 1), arm level).

Each prompt is one 2-bar phrase of a test-split dance take of a built corpus (``datasets/cmu_corpus.py``), worded
with seed 0; the model writes 2 bars on the phrase's own tempo and meter, with the words and nothing else. For
scale, the same prompts are answered by a random training phrase (what ignoring the words scores).

    python bench/words_followed.py --corpus corpus/cmu [--model DIR] [--prompts 100] [--seeds 0 1 2]
                                   [--guidance 1 3] [--best-of 1 4]   # a row per guidance scale and best-of
                                   [--music corpus:joplin/maple_leaf_rag --music-guidance 1 3]
                                   [--asking-jumps]   # only phrases whose words ask for a jump
                                   [--fill-in]        # each phrase regenerated in its take, not written anew
                                   [--continued]      # each phrase written on from its take's bars before it

With ``--music``, each dance is also given two bars of that piece's per-bar controls (prompt i: bars 2i, 2i+1,
cycling through the piece), so the words compete with the music; ``--music-guidance`` adds a row per scale of
guidance on them: what steering the music harder costs the words; and the steps land on the beat, as ``motiongpt
generate`` puts them on music (``--steps-on``).
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import argparse
import time
from collections import defaultdict

import numpy as np

import laban
from laban.timing import BeatGrid
from motiongpt.cocreate.generate import STEPS_ON, steps_named
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
    parser.add_argument("--guide-text", action="store_true",
                        help="guide the words' sentence vector too, at the same scale as their facts (a group of "
                             "its own; by default only the facts are guided, as motiongpt generate does)")
    parser.add_argument("--best-of", type=int, nargs="+", default=[1], help="samples per dance, a row each")
    parser.add_argument("--top-p", type=float, default=1.0, help="nucleus of every row (motiongpt generate: 0.9)")
    parser.add_argument("--music", default=None, help="a piece whose per-bar controls every dance is also given")
    parser.add_argument("--steps-on", choices=tuple(STEPS_ON), default=None,
                        help="where the feet land (motiongpt generate --steps-on; default as it: on the beat with "
                             "--music, anywhere without)")
    parser.add_argument("--music-guidance", type=float, nargs="+", default=[1.0],
                        help="guidance scales on the music's controls, a row each (with --music)")
    parser.add_argument("--split", default="test", choices=["test", "validation"],
                        help="whose phrases are the prompts: the test split (reporting) or the validation split "
                             "(choosing between models or settings)")
    parser.add_argument("--fill-in", action="store_true",
                        help="regenerate each phrase in its take (the take cut to two bars either side, the "
                             "phrase's bars filled in between them, as motiongpt regenerate does) instead of "
                             "writing it from nothing")
    parser.add_argument("--continued", action="store_true",
                        help="continue each phrase's take from the two bars before it (as motiongpt continue "
                             "does, by the phrase's bars) instead of writing it from nothing")
    parser.add_argument("--asking-jumps", action="store_true",
                        help="only the phrases whose words ask for a jump (what motiongpt.model.steering."
                             "JumpAsked pushes for)")
    parser.add_argument("--asking-turns", action="store_true",
                        help="only the phrases whose words ask for a turn (what motiongpt.model.steering.TurnAsked "
                             "keeps to its amount)")
    args = parser.parse_args()
    corpus = Corpus.load(args.corpus)
    model = MotionGPT.from_pretrained(args.model or builtin_model_path())
    asked = list(phrases(corpus, args.split, args.subset if args.subset != "all" else None))
    if args.asking_jumps:
        asked = [a for a in asked if (laban.facts_from_text(a[2].text).jumps or 0) > 0]
    if args.asking_turns:
        asked = [a for a in asked if (laban.facts_from_text(a[2].text).turn or 0) != 0]
    rng = np.random.default_rng(0)
    chosen = [asked[i] for i in sorted(rng.permutation(len(asked))[:args.prompts])]
    training = list(phrases(corpus, "train", args.subset if args.subset != "all" else None))
    music = None
    if args.music:
        from motiongpt.conditioning import controls_from_music, music_features
        from motiongpt.model.conditions import control_rows

        features = music_features(args.music)
        music = control_rows(controls_from_music(features), features.grid,
                             model.vocabulary.bar_count(features.grid), model.config.control_names)
    scales = args.music_guidance if music is not None else [1.0]
    steps_on = STEPS_ON[steps_named(args.steps_on, args.music)]
    rows = {(g, n, m): f"model, guidance {g:g}" + (f", best of {n}" if n > 1 else "")
            + (f", music guidance {m:g}" if music is not None else "")
            for g in args.guidance for n in args.best_of for m in scales}
    tallies = {**{row: defaultdict(list) for row in rows.values()}, "random training phrase": defaultdict(list)}
    started = time.perf_counter()
    for index, (take, score, phrase) in enumerate(chosen):
        wanted = laban.facts_from_text(phrase.text)
        period = 60.0 / score.tempo
        grid = BeatGrid.uniform(score.tempo, 2 * score.beats_per_bar * period, score.beats_per_bar)
        fill_in, context, bars = None, None, (1, 2)
        if args.fill_in or args.continued:
            from laban.algebra import bar_count, cut

            first, last = phrase.bars
            a = max(1, first - 2)
            piece = cut(score, a, min(bar_count(score), last + (2 if args.fill_in else 0)))  # from 1, no upbeat
            bars, grid = (first - a + 1, last - a + 1), piece.grid
            if args.fill_in:
                fill_in = (piece, bars[0] - 1, bars[1])  # vocabulary bars: staff bar - 1
            elif first > a:
                context = cut(score, a, first - 1)
        for seed in args.seeds:
            for (scale, best_of, steer), row in rows.items():
                first = 2 * index % (len(music) - 1) if music is not None else 0
                controls = None if music is None else music[first:first + 2]
                made = generate(model, grid, text=phrase.text, bars=None if fill_in else bars[1], seed=seed,
                                best_of=best_of, controls=None if fill_in or context else controls,
                                fill_in=fill_in, continue_from=context,
                                guidance={"words": scale, "music": steer,
                                          **({"text": scale} if args.guide_text else {})}, top_p=args.top_p,
                                steps_on=steps_on)
                for element, ok in laban.words_followed(wanted, laban.phrase_facts(made, bars)).items():
                    tallies[row][element].append(ok)
        _, other, other_phrase = training[int(rng.integers(len(training)))]
        for element, ok in laban.words_followed(wanted, laban.phrase_facts(other, other_phrase.bars)).items():
            tallies["random training phrase"][element].append(ok)
    seconds = time.perf_counter() - started
    elements = ["steps", "step direction", "turn", "jump", "arm level"]
    print(f"{len(chosen)} prompts from {len(asked)} {args.split} 2-bar phrases ({args.subset}), seeds {args.seeds}, "
          f"top-p {args.top_p:g}, " + ("filled in, " if args.fill_in else "continued, " if args.continued else "")
          + (f"with the controls of {args.music}, " if music is not None else "") + f"{seconds:.0f} s")
    print(f"{'answered by':36s}" + "".join(f"{e:>16s}" for e in elements) + f"{'overall':>10s}")
    for row, tally in tallies.items():
        cells = [f"{np.mean(tally[e]):.2f} ({len(tally[e])})" if tally[e] else "-" for e in elements]
        overall = np.mean([ok for e in elements for ok in tally[e]])
        print(f"{row:36s}" + "".join(f"{c:>16s}" for c in cells) + f"{overall:>10.2f}")


if __name__ == "__main__":
    main()
