"""The fixed train / validation / test split of the shared CMU trials: never trained or tuned on its test part.

The split ships inside the package (``motiongpt/data/cmu_split.csv``), so that ``motiongpt evaluate`` works from
any folder once installed; ``datasets/cmu_split.csv`` is the same file where the recipe is documented
(``datasets/README.md``), and a test keeps the two and the recipe (``make_cmu_split``) in agreement.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from .cmu import Trial

SPLIT_FILE = Path(__file__).with_name("cmu_split.csv")
SPLIT_SEED = 5  # issue 5; the split was written once with it and is kept in the repository
SPLITS = ("train", "validation", "test")
_FIELDS = ["trial", "split", "category", "group"]


def trial_category(trial: Trial) -> str:
    """What a CMU trial is, from its description: dance, salsa, locomotion, jumps, playground, basketball,
    martial or other."""
    d = trial.description.lower()
    if trial.subject in ("60", "61"):
        return "salsa"
    for prefix in ("dance", "playground", "basketball"):
        if d.startswith(prefix):
            return prefix
    if "jump" in d or "hop" in d:
        return "jumps"
    if any(word in d for word in ("walk", "run", "jog", "navigate", "stride")):
        return "locomotion"
    if trial.subject == "135" or any(word in d for word in ("punch", "swordplay", "kick")):
        return "martial"
    return "other"


def trial_group(trial: Trial) -> str:
    """Trials that must fall in one split: a salsa take's lead and follow (one world frame, one dance), and
    subject 5's repeated takes of one phrase (same description); every other trial alone."""
    if trial.subject in ("60", "61"):
        return f"salsa-{trial.name.split('_')[1]}"
    if trial_category(trial) == "dance":
        return f"{trial.subject}: {trial.description}"
    return trial.name


def make_cmu_split(trials: list[Trial], seed: int = SPLIT_SEED, held_out: float = 0.15) -> list[dict[str, str]]:
    """The train/validation/test split by trial, stratified by category: in each category of at least three
    groups, ceil(held_out × groups) groups go to test and as many (with four or more groups) to validation, drawn
    with ``seed``; groups never straddle splits. Rows: trial, split, category, group."""
    rng = np.random.default_rng(seed)
    by_category: dict[str, list[str]] = {}
    for t in trials:
        groups = by_category.setdefault(trial_category(t), [])
        if trial_group(t) not in groups:
            groups.append(trial_group(t))
    assignment = {}
    for category in sorted(by_category):
        groups = sorted(by_category[category])
        order = [groups[i] for i in rng.permutation(len(groups))]
        n_test = math.ceil(held_out * len(groups)) if len(groups) >= 3 else 0
        n_val = math.ceil(held_out * len(groups)) if len(groups) >= 4 else 0
        for i, group in enumerate(order):
            assignment[group] = "test" if i < n_test else "validation" if i < n_test + n_val else "train"
    return [{"trial": t.name, "split": assignment[trial_group(t)], "category": trial_category(t),
             "group": trial_group(t)} for t in trials]


def write_cmu_split(rows: list[dict[str, str]], path: Path = SPLIT_FILE) -> None:
    """Write split rows as CSV (the split is written once: copy the file to ``datasets/cmu_split.csv`` too)."""
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read_cmu_split(path: Path = SPLIT_FILE) -> dict[str, dict[str, str]]:
    """trial → {trial, split, category, group}, from the split shipped with the package."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: no CMU split file (reinstall the package: it ships the split)")
    with open(path, newline="") as f:
        return {row["trial"]: row for row in csv.DictReader(f)}
