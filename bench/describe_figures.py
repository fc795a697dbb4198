"""The describer on the shared dances: round trips, variety, what the phrases contain, and words-followed floors.

    python bench/describe_figures.py            # every CMU dance take (modern dance and salsa), ~1 min

Each take is tokenized (``laban.tokenize``, its own pulse) and described with 2-bar and "auto" phrasing under
10 seeds. Prints markdown tables:

- how often ``facts_from_text(sentence)`` gives back the phrase's facts exactly (by construction it should be 1);
- sentence length in words, and distinct wordings of a phrase over the 10 seeds;
- what the phrases contain (steps, step directions, turns, jumps, arm levels);
- words followed, per element, for prompts written from the test split's dance phrases and answered by
  (a) the phrase itself (the ceiling, 100 % by construction), (b) its mirror image, and (c) a random training
  phrase — the floor a model must clear by following the words rather than the corpus's habits.
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import random
import statistics
import sys
from collections import Counter

import laban
from laban.algebra import mirror
from laban.description import describe, facts_from_text, phrase_facts, words_followed
from motiongpt.data import cmu_trials, read_cmu_split

SEEDS = range(10)


def main() -> None:
    checkout.usage(__doc__)
    split = {trial: row["split"] for trial, row in read_cmu_split().items()}
    scores = {t.name: laban.tokenize(laban.read_bvh(t.path)) for t in cmu_trials() if t.is_dance}
    print(f"{len(scores)} dance takes\n")

    print("| phrasing | phrases | facts read back exactly | words per sentence (median, max) | distinct wordings "
          "over 10 seeds (mean) |\n|---|---|---|---|---|")
    for phrasing in (2, "auto"):
        total = exact = 0
        lengths, distinct = [], []
        for s in scores.values():
            described = [describe(s, seed=seed, phrasing=phrasing) for seed in SEEDS]
            for versions in zip(*described):
                distinct.append(len({p.text for p in versions}))
                for p in versions:
                    total += 1
                    exact += facts_from_text(p.text) == p.facts
                    lengths.append(len(p.text.split()))
        print(f"| {phrasing} | {total // len(SEEDS)} | {exact}/{total} | {statistics.median(lengths):.0f}, "
              f"{max(lengths)} | {statistics.mean(distinct):.1f} |")

    phrases = [(name, p) for name, s in scores.items() for p in describe(s)]
    facts = [p.facts for _, p in phrases]
    print("\n| what the 2-bar phrases contain | share |\n|---|---|")
    print(f"| steps (median count {statistics.median(f.steps for f in facts):.0f}) | "
          f"{sum(f.steps > 0 for f in facts) / len(facts):.2f} |")
    for direction, n in Counter(f.step_direction.value for f in facts if f.step_direction).most_common():
        print(f"| step direction {direction} | {n / len(facts):.2f} |")
    print(f"| a turn (a quarter or more) | {sum(f.turn != 0 for f in facts) / len(facts):.2f} |")
    print(f"| a jump | {sum(f.jumps > 0 for f in facts) / len(facts):.2f} |")
    for level, n in Counter(f.arm_level.value for f in facts).most_common():
        print(f"| arms reach {level} | {n / len(facts):.2f} |")

    rng = random.Random(0)
    test = [(name, p) for name, p in phrases if split.get(name) == "test"]
    train = [(name, p) for name, p in phrases if split.get(name) == "train"]
    answers = {
        "the phrase itself": lambda name, p: phrase_facts(scores[name], p.bars),
        "its mirror image": lambda name, p: phrase_facts(mirror(scores[name]), p.bars),
        "a random training phrase": lambda name, p: rng.choice(train)[1].facts,
    }
    print(f"\nwords followed on {len(test)} test-split dance phrases (prompts from seed 0)\n")
    elements = ("steps", "step direction", "turn", "jump", "arm level")
    print("| answered by | " + " | ".join(elements) + " | overall |\n|---|" + "---|" * (len(elements) + 1))
    for label, answer in answers.items():
        hits: dict[str, list[bool]] = {e: [] for e in elements}
        for name, p in test:
            for element, ok in words_followed(facts_from_text(p.text), answer(name, p)).items():
                hits[element].append(ok)
        every = [ok for oks in hits.values() for ok in oks]
        print(f"| {label} | " + " | ".join(f"{sum(v) / len(v):.2f}" if v else "-" for v in hits.values())
              + f" | {sum(every) / len(every):.2f} |")
    print("\nexample (test split, seed 0):")
    for name, p in test[:4]:
        print(f"- {name} {p.label}: {p.text}")


if __name__ == "__main__":
    sys.exit(main())
