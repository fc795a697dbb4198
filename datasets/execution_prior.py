"""Recipe for ``laban/execution_prior.json``: where real dancers' limbs typically are inside each notated cell.

    python datasets/execution_prior.py            # writes laban/execution_prior.json
    python datasets/execution_prior.py --check    # recomputes and says whether the shipped table still agrees

A direction symbol names a 45° cell, not a point; the decoder (``laban.decoder.sample_direction``) has to pick
one direction inside it. The geometric centre of a cell is not where dancers put their limbs (a forearm written
"forward middle" is typically a little low and turned in, a head "forward high" is a nod, not 45° up). This
recipe measures, for each gesture column of the arms, torso and head and each of its 26 cells, the typical
direction: the normalised mean of the limb's unit direction, in the body's own cross of axes (forward, right,
up, as ``laban.tokenizer`` measures it), at the end of every direction symbol the tokenizer writes for that
column and cell. The decoder clamps it into the cell's core (where the tokenizer's hysteresis reads the cell)
before sampling around it.

It also measures where dancers *hold* each limb in each cell (``held``): the normalised mean direction over every
frame on which the score has the limb held there (``laban.execution.held_frames``: from the start to the first
symbol, and between a symbol's end and the next one's start). Held limbs sit outside the core more often than
not (an arm written backward low hangs 27-29° back on average, the core starting at 32.5°: the tokenizer's
hysteresis keeps the cell). The decoder rests a starting position's limbs part of the way there, inside the core
(``laban.decoder.gestures.at_rest``).
Cells held for few seconds are pulled towards the arrival direction (weight s / (s + ``HELD_SHRINK``)).

Data: the **training split only** (``datasets/cmu_split.csv``, ``split == train``) of the shared CMU dance trials
(``motiongpt.data.Trial.is_dance``: subject 5's ballet/modern and the salsa takes), each tokenized at its real
frame rate on the motion's own pulse (as ``bench/decoder_figures.py`` does), so that no validation or test clip
is leaked into the decoder. Cells seen fewer than ``SHRINK`` times are pulled towards the geometric centre
(weight n / (n + SHRINK)); cells never seen stay at the centre.

The table (JSON, read with numpy, no pickle): ``columns`` (column names), ``cells`` (26 cell ids as
``laban.cells``: sector * 3 + level, 24 place high, 25 place low), ``direction`` (columns × 26 ×
3 unit vectors, forward/right/up), ``count`` (columns × 26 symbol ends behind each), ``held`` (columns × 26 × 3)
and ``held_seconds`` (columns × 26 seconds of holds behind each).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import laban
from laban.score import Column
from laban.cells import CELL_COUNT, cell_centre
from laban.analysis import analyse
from laban.execution import held_frames, symbol_ends

TABLE = REPO / "laban" / "execution_prior.json"
COLUMNS = (Column.TORSO, Column.HEAD, Column.UPPER_ARM_LEFT, Column.UPPER_ARM_RIGHT, Column.FOREARM_LEFT,
           Column.FOREARM_RIGHT)
SHRINK = 5.0  # symbol ends that count as much as the geometric centre
HELD_SHRINK = 1.0  # seconds of holds that count as much as the arrival direction


def compute() -> dict:
    from motiongpt.data import cmu_trials
    from motiongpt.evaluate import read_cmu_split

    split = read_cmu_split()
    trials = [t for t in cmu_trials() if t.is_dance and split[t.name]["split"] == "train"]
    sums = np.zeros((len(COLUMNS), CELL_COUNT, 3))
    counts = np.zeros((len(COLUMNS), CELL_COUNT), dtype=int)
    held_sums, held_seconds = np.zeros((len(COLUMNS), CELL_COUNT, 3)), np.zeros((len(COLUMNS), CELL_COUNT))
    for trial in trials:
        motion = laban.read_bvh(trial.path, frame_rate=trial.fps)
        score = laban.tokenize(motion, title=trial.name)
        analysis = analyse(motion)
        ends = symbol_ends(analysis, score)
        held = held_frames(analysis, score, COLUMNS)
        for k, column in enumerate(COLUMNS):
            if column in ends:
                np.add.at(sums[k], ends[column][0], ends[column][1])
                np.add.at(counts[k], ends[column][0], 1)
            cells, directions = held[column]
            np.add.at(held_sums[k], cells, directions / analysis.trajectories.fps)
            np.add.at(held_seconds[k], cells, 1.0 / analysis.trajectories.fps)
    centres = np.array([cell_centre(c) for c in range(CELL_COUNT)])
    mean = sums / np.maximum(np.linalg.norm(sums, axis=-1, keepdims=True), 1e-12)
    weight = (counts / (counts + SHRINK))[..., None]
    direction = weight * mean + (1.0 - weight) * centres[None]
    direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
    mean = held_sums / np.maximum(np.linalg.norm(held_sums, axis=-1, keepdims=True), 1e-12)
    weight = (held_seconds / (held_seconds + HELD_SHRINK))[..., None]
    held = weight * mean + (1.0 - weight) * direction
    held /= np.linalg.norm(held, axis=-1, keepdims=True)
    return {
        "about": "typical limb direction (forward, right, up) per gesture column and cell; "
                 "recipe: datasets/execution_prior.py (CMU dance trials of the training split)",
        "trials": [t.name for t in trials],
        "columns": [c.value for c in COLUMNS],
        "cells": list(range(CELL_COUNT)),
        "direction": np.round(direction, 5).tolist(),
        "count": counts.tolist(),
        "held": np.round(held, 5).tolist(),
        "held_seconds": np.round(held_seconds, 2).tolist(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped table instead of writing")
    args = parser.parse_args()
    table = compute()
    if args.check:
        shipped = json.loads(TABLE.read_text())
        same = all(key in shipped and np.allclose(np.array(shipped[key]), np.array(table[key]), atol=1e-4)
                   for key in ("direction", "held"))
        print("the shipped table agrees with the recipe" if same else "the shipped table differs from the recipe")
        sys.exit(0 if same else 1)
    TABLE.write_text(json.dumps(table, separators=(",", ":")) + "\n")
    print(f"wrote {TABLE.relative_to(REPO)}: {len(table['trials'])} training trials, "
          f"{int(np.sum(table['count']))} symbol ends, {np.sum(table['held_seconds']) / 60:.1f} minutes of holds")


if __name__ == "__main__":
    main()
