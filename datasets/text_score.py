"""Recipe for ``motiongpt/metrics/text_score.safetensors``: the contrastive text ↔ score evaluator behind
``motiongpt evaluate``'s R-precision, trained on the CMU training split only (validation picks its step, test is
reported; figures in ``docs/evaluation.md``).

    python datasets/text_score.py              # 4 min on one core; writes the shipped evaluator
    python datasets/text_score.py -o /tmp/x.safetensors --steps 600

The model, its training loop and R-precision live in ``motiongpt.metrics.text_score`` (they read scores and
words only); this recipe is what reads the shared data (``motiongpt.data``), which a metric never does.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

import laban  # noqa: E402
from laban import Score  # noqa: E402
from motiongpt.data import cmu_trials, read_cmu_split  # noqa: E402
from motiongpt.metrics.text_score import CHECKPOINT, Pairs, evaluate_pairs, train  # noqa: E402


def cmu_pairs(split: str) -> tuple[list[Score], list[str]]:
    """The tokenized scores (whole takes, each on its own pulse, at its real frame rate) and CMU descriptions of a
    split of the shared data."""
    rows = read_cmu_split()
    scores, texts = [], []
    for trial in cmu_trials():
        if rows[trial.name]["split"] == split:
            scores.append(laban.tokenize(laban.read_bvh(trial.path, frame_rate=trial.fps), title=trial.name))
            texts.append(trial.description)
    return scores, texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python datasets/text_score.py", description=__doc__.split("\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=CHECKPOINT, help="where the evaluator goes")
    parser.add_argument("--steps", type=int, default=1200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # the figures in the docs are one core's
    began = time.perf_counter()
    data = {split: cmu_pairs(split) for split in ("train", "validation", "test")}
    pairs = {split: Pairs.of(*data[split]) for split in data}
    print(f"tokenized {sum(len(p.cells) for p in pairs.values())} takes in {time.perf_counter() - began:.0f} s",
          file=sys.stderr)
    model, log = train(pairs["train"], pairs["validation"], steps=args.steps, seed=args.seed,
                       log=lambda line: print(line, file=sys.stderr))
    figures = {split: evaluate_pairs(model, pairs[split]) for split in pairs}
    notes = {"trained_on": "CMU training split (datasets/cmu_split.csv): "
                           f"{len(pairs['train'].cells)} takes, {len(pairs['train'].descriptions)} descriptions",
             "steps": args.steps, "seed": args.seed, "r_precision": figures,
             "chosen_at_step": max(log["history"], key=lambda h: h["top3"] + 0.5 * h["top1"])["step"]}
    model.save_pretrained(args.output, notes)
    print(json.dumps(notes, indent=1))
    print(f"{args.output} written in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
