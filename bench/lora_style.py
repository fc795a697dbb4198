"""Style by LoRA (issue 11, figure 4): an adapter trained briefly on the salsa takes of the training split moves
the model's dances toward salsa, on a style classifier that reads scores.

    OMP_NUM_THREADS=1 python bench/lora_style.py --corpus corpus/cmu [--steps 60] [--dances 12]   # minutes

1. **The adapter**: a corpus folder holding only the training split's salsa takes (lead and follow; its index
   rewritten, its scores linked) is given to ``motiongpt train --corpus ... --init builtin --lora`` with a short
   schedule (``--steps``, batch 8, learning rate 2e-3): the real command, on a loaded 2-core CPU in minutes. The
   test and validation splits are never read for it. Its size: the adapter folder's bytes.
2. **The classifier**: logistic regression (balanced classes) on the shipped text ↔ score evaluator's score
   embeddings (``motiongpt.metrics.text_score``), salsa or not, fitted on 8-bar windows of every training take;
   its accuracy on the validation split's windows says what it is worth.
3. **Before / after**: ``--dances`` dances of 8 bars in 4/4 at the salsa training takes' tempi, with no words and
   no style label, by the base model and by the model with the adapter merged (``apply_adapter``, as
   ``motiongpt generate --style ADAPTER`` does), the same seeds; and, for scale, the base model told the style
   label "salsa lead". Printed: the share the classifier calls salsa and its mean probability.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's package, not an installed copy

from laban.algebra import bar_count  # noqa: E402
from laban.timing import BeatGrid  # noqa: E402
from motiongpt.data.augment import window  # noqa: E402
from motiongpt.data.corpus import Corpus, save_index  # noqa: E402
from motiongpt.metrics import text_score  # noqa: E402
from motiongpt.model import MotionGPT, builtin_model_path  # noqa: E402
from motiongpt.model.generate import generate  # noqa: E402
from motiongpt.train.lora import apply_adapter  # noqa: E402

SALSA = ("salsa lead", "salsa follow")
BARS = 8


def salsa_corpus(corpus: Corpus, folder: Path) -> Path:
    """A corpus folder of the training split's salsa takes only: an index of them, the vocabulary copied, the
    scores folder linked."""
    folder.mkdir(parents=True, exist_ok=True)
    takes = tuple(t for t in corpus.split("train") if t.style in SALSA)
    for name in {Path(t.score_path).parts[0] for t in takes}:
        (folder / name).symlink_to((corpus.folder / name).resolve(), target_is_directory=True)
    (folder / "vocabulary.json").write_bytes((corpus.folder / "vocabulary.json").read_bytes())
    save_index(replace(corpus, folder=folder, takes=takes))
    return folder


def train_adapter(corpus: Corpus, out: Path, steps: int, seed: int) -> tuple[Path, float]:
    """``motiongpt train --lora`` on the salsa takes; the adapter folder and the seconds it took."""
    settings = {"batch_size": 8, "learning_rate": 2e-3, "warmup_steps": max(steps // 10, 1), "max_steps": steps,
                "checkpoint_every": steps, "seed": seed}
    with tempfile.TemporaryDirectory() as work:
        folder = salsa_corpus(corpus, Path(work) / "salsa")
        config = Path(work) / "lora.json"
        config.write_text(json.dumps(settings))
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "motiongpt.cli", "train", "--corpus", str(folder), "--init", "builtin",
                        "--lora", "--config", str(config), "--quiet", "-o", str(out)],
                       check=True, env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)})
        return out / "adapter", time.perf_counter() - began


def windows(corpus: Corpus, split: str) -> tuple[list, np.ndarray]:
    """Consecutive ``BARS``-bar windows of every take of ``split`` (a shorter take whole) and whether each is
    salsa."""
    scores, labels = [], []
    for take in corpus.split(split):
        score = take.score()
        total = bar_count(score)
        for first in range(1, max(total - BARS + 2, 2), BARS):
            scores.append(window(score, first, min(first + BARS - 1, total)))
            labels.append(take.style in SALSA)
    return scores, np.array(labels)


def style_classifier(corpus: Corpus, evaluator=None):
    """Salsa or not, from a score: logistic regression (balanced classes) on the evaluator's score embeddings of
    every training take's ``BARS``-bar windows. Returns the classifier (``predict_proba(embeddings)[:, 1]`` is
    P(salsa)), the windows and their labels. Also used by ``bench/cocreate_figures.py`` (translate, continue)."""
    from sklearn.linear_model import LogisticRegression

    evaluator = evaluator or text_score.shipped()
    scores, labels = windows(corpus, "train")
    classifier = LogisticRegression(class_weight="balanced", max_iter=2000, C=1.0)
    classifier.fit(evaluator.embed_scores(scores), labels)
    return classifier, scores, labels


def dances(model, tempi: list[float], seeds: list[int], **conditions) -> list:
    out = []
    for tempo, seed in zip(tempi, seeds):
        grid = BeatGrid.uniform(tempo, BARS * 4 * 60.0 / tempo, 4)
        out.append(generate(model, grid, bars=BARS, seed=seed, **conditions))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("corpus/cmu"))
    parser.add_argument("--steps", type=int, default=60, help="adapter training steps (default 60)")
    parser.add_argument("--dances", type=int, default=12, help="dances before and after (default 12)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", type=Path, default=Path("runs/salsa-lora"),
                        help="the adapter's run folder (default runs/salsa-lora; reused when it holds an adapter)")
    args = parser.parse_args()
    torch.set_num_threads(1)

    corpus = Corpus.load(args.corpus)
    evaluator = text_score.shipped()
    classifier, train_scores, train_labels = style_classifier(corpus, evaluator)
    val_scores, val_labels = windows(corpus, "validation")
    predicted = classifier.predict(evaluator.embed_scores(val_scores))
    print(f"classifier: {len(train_scores)} training windows ({train_labels.sum()} salsa); validation "
          f"{len(val_scores)} windows: accuracy {np.mean(predicted == val_labels):.3f}, salsa recall "
          f"{np.mean(predicted[val_labels]):.3f}, non-salsa called salsa {np.mean(predicted[~val_labels]):.3f}")

    adapter = args.output / "adapter"
    seconds = None
    if not (adapter / "adapter_config.json").is_file():
        adapter, seconds = train_adapter(corpus, args.output, args.steps, args.seed)
    size = sum(p.stat().st_size for p in adapter.iterdir() if p.is_file())
    print(f"adapter: {adapter}, {size:,} bytes" + (f", trained {args.steps} steps in {seconds:.0f} s" if seconds
                                                   else " (reused)"))

    salsa_tempi = [t.score().tempo for t in corpus.split("train") if t.style in SALSA]
    tempi = [salsa_tempi[i % len(salsa_tempi)] for i in range(args.dances)]
    seeds = [args.seed + i for i in range(args.dances)]
    base = MotionGPT.from_pretrained(builtin_model_path())
    rows = {"base model, no words, no style": dances(base, tempi, seeds),
            "base model, style label 'salsa lead'": dances(base, tempi, seeds, style="salsa lead"),
            "base model + salsa adapter, no words, no style": dances(
                apply_adapter(MotionGPT.from_pretrained(builtin_model_path()), adapter), tempi, seeds)}
    print(f"\n{args.dances} dances of {BARS} bars in 4/4 at the salsa training takes' tempi, seeds "
          f"{seeds[0]}..{seeds[-1]}\n")
    print("| dances by | classified salsa | mean P(salsa) |")
    print("|---|---|---|")
    for name, scores in rows.items():
        p = classifier.predict_proba(evaluator.embed_scores(scores))[:, 1]
        print(f"| {name} | {np.mean(p > 0.5):.2f} ({int(np.sum(p > 0.5))}/{len(p)}) | {p.mean():.3f} |")
    truth = [s for s, salsa in zip(val_scores, val_labels) if salsa]
    p = classifier.predict_proba(evaluator.embed_scores(truth))[:, 1]
    print(f"| validation salsa windows (real, for scale) | {np.mean(p > 0.5):.2f} ({int(np.sum(p > 0.5))}/{len(p)}) "
          f"| {p.mean():.3f} |")


if __name__ == "__main__":
    main()
