"""Recipe for the shared CMU corpus: all 150 trials of ``../shared/mocap/cmu`` tokenized into one corpus folder.

    python datasets/cmu_corpus.py -o corpus/cmu [--jobs 2] [--force]

Each trial becomes a take (``motiongpt.data.corpus``) named by its CMU trial (05_02, 60_03, ...) with

- **split** from the fixed split shipped with the package (``motiongpt.data.read_cmu_split``, the same file as
  ``datasets/cmu_split.csv``): the test trials are kept in the index, marked ``test``, so that the evaluation can
  find them; the training iterator (``motiongpt.data.augment.windows(corpus, split="train")``) never yields them;
- **style** read from CMU's description (``motiongpt.data.styles.cmu_style``; the mapping is documented there:
  modern dance, salsa lead, salsa follow, locomotion, jumps, martial arts, gestures, basketball, playground);
- **description**: CMU's own words ("dance - sideways arabesque, turn step, folding arms"): coarse, the exact
  words of each window come from ``laban.describe``;
- **fps**: CMU's listed rate, which corrects the BVH header of the salsa takes (60 fps, the headers say 120).

No trial has music: every score is on its motion's own pulse. The archives are unpacked into the cache first
(``motiongpt.data.cmu_trials``); nothing is copied into the repository. A rebuild reuses the scores whose input,
vocabulary version and notation code are unchanged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from motiongpt.data import cmu_trials, read_cmu_split  # noqa: E402
from motiongpt.data.corpus import Source, build  # noqa: E402
from motiongpt.data.styles import cmu_style  # noqa: E402


def cmu_sources() -> list[Source]:
    """A ``Source`` per shared CMU trial, with its split, style, description and real frame rate."""
    split = read_cmu_split()
    return [Source(t.name, t.path, t.description, cmu_style(t), split[t.name]["split"], None, t.fps)
            for t in cmu_trials()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=Path("corpus/cmu"), help="corpus folder (default "
                                                                                      "corpus/cmu)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--force", action="store_true", help="tokenize every trial again")
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    built = build(cmu_sources(), args.output, jobs=args.jobs, force=args.force, progress=True)
    print(built.summary(args.output))
    for name, message in built.failures:
        print(f"error: {name}: {message}", file=sys.stderr)
    return 2 if built.failures else 0


if __name__ == "__main__":
    sys.exit(main())
