"""Where the music repeats, does the dance? (``motiongpt.model.repeats``): whole dances on whole pieces, as
``motiongpt generate --music PIECE --bars N --text ...`` writes them, with the music's repeats copied (the default)
or written freely (``--no-repeats``).

    OMP_NUM_THREADS=1 python bench/repeats_figures.py [--seeds 0 1 2] [--no-repeats]   # ~3 min on one core

Per piece and seed: the bar pairs where the music repeats; of those, the dance's bars equal to the bar they repeat,
token for token (whole), and in what the bar itself starts (its events, after the pieces the bar before ties into
it); how alike a viewer sees them: the decoded body over the repeated bar against the source bar (joint positions
relative to the root, turned onto each other about the vertical, mean over frames and joints; mean and median
over the pairs); the dance's tokens and the CPU seconds to write it (one thread).
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import argparse
import time

import numpy as np
import torch

PIECES = (("joplin/maple_leaf_rag", 51), ("beethoven/opus18no1/movement3", 60))
TEXT = "steps forward, a half turn, arms rising high"


def body_distance(trajectories, grid, bar: int, source: int) -> float:
    """Mean joint distance (m) between the decoded body over staff bars ``bar`` and ``source``: positions relative
    to the root, the second turned about the vertical onto the first (least squares), frame by frame."""
    from laban.algebra import bar_start

    fps, positions = trajectories.fps, trajectories.positions

    def frames(number: int) -> tuple[int, int]:
        return (int(round(grid.times[bar_start(grid, number)] * fps)),
                int(round(grid.times[bar_start(grid, number + 1)] * fps)))

    (a0, a1), (b0, b1) = frames(source), frames(bar)
    n = min(a1 - a0, b1 - b0, len(positions) - a0, len(positions) - b0)
    x = positions[a0:a0 + n] - positions[a0:a0 + n, :1]
    y = positions[b0:b0 + n] - positions[b0:b0 + n, :1]
    u, _, vt = np.linalg.svd(x.reshape(-1, 3)[:, [0, 2]].T @ y.reshape(-1, 3)[:, [0, 2]])
    turned = x.reshape(-1, 3).copy()
    turned[:, [0, 2]] = turned[:, [0, 2]] @ (u @ vt)
    return float(np.linalg.norm(turned - y.reshape(-1, 3), axis=1).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--no-repeats", action="store_true", help="write the bars where the music repeats freely")
    args = parser.parse_args()
    torch.set_num_threads(1)
    import laban
    from motiongpt.cocreate import generate, load_model
    from motiongpt.cocreate.generate import music_repeats
    from motiongpt.conditioning.music import music_features, resolve_music
    from motiongpt.model.repeats import bar_parts

    loaded = load_model(None, None)
    v = loaded.model.vocabulary
    print(f"| piece | seed | repeated bars | whole | events | body apart, mean / median (cm) | tokens | CPU s |")
    print("|---|---|---|---|---|---|---|---|")
    totals = np.zeros(3)
    for piece, bars in PIECES:
        features = music_features(resolve_music(f"corpus:{piece}"))
        repeats = music_repeats(features, features.grid, bars)
        shift = 0 if features.grid.downbeat else 1  # the staff number of the vocabulary's first bar
        for seed in args.seeds:
            clock = time.process_time()
            dance = generate(loaded, text=TEXT, music=f"corpus:{piece}", bars=bars, seed=seed,
                             repeats=not args.no_repeats)[0]
            seconds = time.process_time() - clock
            ids = v.encode(dance.score)
            spans = v.bar_spans(ids)
            whole = sum(ids[spans[j][0]:spans[j][1]] == ids[spans[i][0]:spans[i][1]] for j, i in repeats.items())
            starts = [bar_parts(v, ids[a + 1:b])[2] for a, b in spans]
            events = sum(starts[j] == starts[i] for j, i in repeats.items())
            trajectories = laban.decode(dance.score).trajectories()
            apart = [body_distance(trajectories, dance.score.grid, j + shift, i + shift) for j, i in repeats.items()]
            totals += (len(repeats), whole, events)
            print(f"| {piece} | {seed} | {len(repeats)} | {whole} | {events} | {100 * np.mean(apart):.1f} / "
                  f"{100 * np.median(apart):.1f} | {len(ids)} | {seconds:.1f} |", flush=True)
    print(f"\nwhole copies {int(totals[1])} of {int(totals[0])}, events {int(totals[2])} of {int(totals[0])}"
          + (" (repeats written freely)" if args.no_repeats else ""))


if __name__ == "__main__":
    main()
