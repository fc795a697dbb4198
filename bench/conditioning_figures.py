"""Music conditioning on 20 pieces of music21's corpus: how long the features take, and whether the per-bar
controls say what the music does.

    python bench/conditioning_figures.py          # music21 only; a minute or two on one core

For each piece: its grid (meter, tempo, beats, bars), the seconds to read it and compute its per-beat features
(``music_features``: the beat grid through ``laban.beat_grid`` plus music21's parse, both uncached) and its
controls (``controls_from_music``), then the sanity figure Spearman ρ between the music's per-bar energy
(loudness + onset density, ``energy_raw``) and its control level (``energy``, 4 levels by rank), and how many
bars the controls mark as section starts and as repeats. Prints a markdown table and the medians.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.stats import spearmanr

from motiongpt.conditioning import controls_from_music, music_features

PIECES = (
    "joplin/maple_leaf_rag", "bach/bwv66.6", "bach/bwv130.6", "bach/bwv229.2", "beethoven/opus18no1/movement3",
    "cpebach/h186", "handel/rinaldo/lascia_chio_pianga", "haydn/opus1no1/movement1", "haydn/opus74no1/movement3",
    "johnson_j_r/lift_every_voice", "liliuokalani/aloha_oe", "lusitano/allor_che_ignuda", "mozart/k155/movement2",
    "mozart/k80/movement3", "mozart/k458/movement3", "schumann_clara/polonaise_op1n1",
    "schumann_robert/opus41no1/movement2", "schoenberg/opus19/movement2", "verdi/ladonnaemobile",
    "leadsheet/fosterbrownhair",
)


def main() -> None:
    print("| piece | meter | bpm | beats | bars | features s | controls s | ρ(energy, level) | sections | repeats |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    feature_times, control_times, rhos = [], [], []
    for piece in PIECES:
        start = time.perf_counter()
        features = music_features(f"corpus:{piece}")
        middle = time.perf_counter()
        controls = controls_from_music(features)
        end = time.perf_counter()
        rho = spearmanr(controls.energy_raw, controls.energy).statistic if np.ptp(controls.energy_raw) else np.nan
        feature_times.append(middle - start)
        control_times.append(end - middle)
        rhos.append(rho)
        grid = features.grid
        print(f"| {piece} | {grid.beats_per_bar} | {grid.tempo:.0f} | {grid.beat_count} | {len(controls)} | "
              f"{middle - start:.2f} | {1000 * (end - middle):.1f} ms | {rho:.3f} | {(controls.phrase == 2).sum()} | "
              f"{controls.repeat.sum()} |")
    print(f"\nmedian: features {np.median(feature_times):.2f} s (max {max(feature_times):.2f} s), controls "
          f"{1000 * np.median(control_times):.1f} ms; Spearman ρ median {np.nanmedian(rhos):.3f}, "
          f"min {np.nanmin(rhos):.3f} over {len(PIECES)} pieces")


if __name__ == "__main__":
    main()
