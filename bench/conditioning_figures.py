"""Music conditioning on 20 pieces of music21's corpus: how long the features take, and whether the per-bar
controls say what the music does.

    python bench/conditioning_figures.py          # music21 only; a minute or two on one core

For each piece: its grid (meter, tempo, beats, bars), the seconds to read it and compute its per-beat features
(``music_features``: the beat grid through ``laban.beat_grid`` plus music21's parse, both uncached) and its
controls (``controls_from_music``), then the sanity figure Spearman ρ between the music's per-bar energy
(loudness + onset density, ``energy_raw``) and its control level (``energy``, 4 levels by rank), and how many
bars the controls mark as section starts and as repeats. Prints a markdown table and the medians.

With librosa installed, a second table asks whether a recording tells the model what its score does: each of the
first ``RENDERED`` pieces is rendered to audio by a plain additive synthesiser (each note a few decaying
harmonics, amplitude from its velocity or dynamic), its audio features computed on the *score's* grid (so that
only the features differ, not the beats), and compared with the score's: Spearman ρ per beat of loudness and of
onset density, ρ of the per-bar energy, and the share of bars whose energy level agrees exactly and within one.
The audio door's own tempo (librosa's beat tracker on the rendering) is printed beside the score's.
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import importlib.util
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from laban.beats import beat_grid
from motiongpt.conditioning import MusicFeatures, controls_from_music, music_features
from motiongpt.conditioning.music import FEATURES, _audio_features, _key, _read_notes, metrical_strength, resolve_music

RENDERED = 8
RATE = 22050

PIECES = (
    "joplin/maple_leaf_rag", "bach/bwv66.6", "bach/bwv130.6", "bach/bwv229.2", "beethoven/opus18no1/movement3",
    "cpebach/h186", "handel/rinaldo/lascia_chio_pianga", "haydn/opus1no1/movement1", "haydn/opus74no1/movement3",
    "johnson_j_r/lift_every_voice", "liliuokalani/aloha_oe", "lusitano/allor_che_ignuda", "mozart/k155/movement2",
    "mozart/k80/movement3", "mozart/k458/movement3", "schumann_clara/polonaise_op1n1",
    "schumann_robert/opus41no1/movement2", "schoenberg/opus19/movement2", "verdi/ladonnaemobile",
    "leadsheet/fosterbrownhair",
)


def main() -> None:
    checkout.usage(__doc__)
    print("| piece | meter | bpm | beats | bars | features s | controls s | ρ(energy, level) | sections | repeats |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    feature_times, control_times, rhos = [], [], []
    for piece in PIECES:
        start = time.perf_counter()
        features = music_features(f"corpus:{piece}")
        middle = time.perf_counter()
        controls = controls_from_music(features)
        end = time.perf_counter()
        rho = _rho(controls.energy_raw, controls.energy)
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
    if importlib.util.find_spec("librosa") is not None:
        rendered()


def render(path: Path, out: Path) -> None:
    """A plain additive rendering of a score's notes (four harmonics, a one-second exponential decay)."""
    from scipy.io import wavfile

    notes = _read_notes(*_key(path))
    signal = np.zeros(int((notes.end.max() + 1.0) * RATE))
    for start, end, pitch, loud in zip(notes.start, notes.end, notes.pitch, notes.loudness):
        t = np.arange(int((end - start + 0.05) * RATE)) / RATE
        frequency = 440.0 * 2 ** ((pitch - 69) / 12)
        tone = sum(np.sin(2 * np.pi * k * frequency * t) / k for k in range(1, 5) if k * frequency < RATE / 2)
        envelope = np.exp(-t / 1.0) * np.minimum(1.0, t / 0.005) * np.minimum(1.0, (t[-1] - t) / 0.02 + 1e-3)
        at = int(start * RATE)
        signal[at:at + len(t)] += loud ** 2 * tone * envelope
    wavfile.write(out, RATE, (0.9 * signal / np.abs(signal).max() * 32767).astype(np.int16))


def rendered() -> None:
    print("\n| piece | score bpm | audio bpm | ρ loudness | ρ onsets | ρ bar energy | level = | level ±1 |")
    print("|---|---|---|---|---|---|---|---|")
    agree, near, energy_rhos = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for piece in PIECES[:RENDERED]:
            score = music_features(f"corpus:{piece}")
            wav = Path(folder) / "piece.wav"
            render(resolve_music(f"corpus:{piece}"), wav)
            per_beat = _audio_features(wav, score.grid)
            per_beat["metrical"] = metrical_strength(score.grid)
            audio = MusicFeatures(score.grid, {k: np.asarray(per_beat[k], np.float32) for k in FEATURES}, "", "audio")
            audio_bpm = beat_grid(music=wav).tempo
            sounding = score.per_beat["rest"] < 1.0
            rho = {k: _rho(score.per_beat[k][sounding], audio.per_beat[k][sounding]) for k in ("loudness", "onsets")}
            a, b = controls_from_music(score), controls_from_music(audio)
            energy_rhos.append(_rho(a.energy_raw, b.energy_raw))
            agree.append(np.mean(a.energy == b.energy))
            near.append(np.mean(np.abs(a.energy.astype(int) - b.energy) <= 1))
            print(f"| {piece} | {score.grid.tempo:.0f} | {audio_bpm:.0f} | {_show(rho['loudness'])} | "
                  f"{_show(rho['onsets'])} | {_show(energy_rhos[-1])} | {agree[-1]:.2f} | {near[-1]:.2f} |")
    print(f"\nscore vs its rendering, median over {RENDERED} pieces: ρ bar energy {np.nanmedian(energy_rhos):.2f}, "
          f"energy level equal {np.median(agree):.2f}, within one {np.median(near):.2f}")


def _rho(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's ρ, NaN when either side is constant (a score without dynamics has one loudness)."""
    return float(spearmanr(a, b).statistic) if np.ptp(a) > 0 and np.ptp(b) > 0 else float("nan")


def _show(value: float) -> str:
    return "—" if np.isnan(value) else f"{value:.2f}"


if __name__ == "__main__":
    main()
