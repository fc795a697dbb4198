"""Music following (issue 11, figure 3): does the model dance to the music it is given?

    OMP_NUM_THREADS=1 python bench/music_following.py [--model DIR] [--bars 12] [--seed 0]   # ~10 min on one core
                                                      [--music-guidance 1 2 3]   # a row per guidance scale
                                                      [--best-of 1 4]            # and per best-of
                                                      [--top-p 0.9]              # default: motiongpt generate's
                                                      [--steps-on anywhere]      # default: the beat, as it does

Sampling is ``motiongpt generate``'s with music and no words: top-p 0.9, music guidance 2 (``--music-guidance``),
best of 4 up to 12 bars (``--best-of``; the samples ranked by how their decoded per-bar kinetic energy follows the
music's energy control, ``motiongpt.model.generate.variations``), steps on the beat (``--steps-on``;
``motiongpt.model.rhythm``).

1. Two pieces of music21's corpus of different tempo and meter, each danced on its own beat grid with its per-bar
   controls (``controls_from_music``): the dance's meter, tempo and bar count against the music's, its bar lines
   against the music's (seconds), and beat alignment in both variants (``metrics.beat_alignment``) of the decoded
   dance against the music's beats, beside the ground truth's (the test split's capture against its own pulse,
   as ``motiongpt evaluate`` measures it); beside each 'aist++' figure, what motion beats anywhere would score at
   that tempo (``metrics.chance_alignment``: the figure rises with the tempo).
2. Over the 20 pieces of ``bench/conditioning_figures.py``: Spearman ρ between the music's per-bar energy
   (``BarControls.energy_raw``: loudness + onset density) and the decoded dance's per-bar kinetic energy
   (``controls_from_score(score, motion).energy_raw``), per piece, with the music's controls and with them
   switched off (the same grid, tempo and meter, no controls: ρ ≈ 0 expected; nothing to rank by, so one sample);
   with controls, once per ``--music-guidance`` scale (classifier-free guidance on the controls,
   ``motiongpt.model.guidance``) and ``--best-of``.
3. Dance material where the music repeats: the bars the music's controls mark as repeating an earlier bar
   (``repeat_of``), and the token overlap (multiset Jaccard of the two bars' tokens) of the dance's bars there,
   against bar pairs at the same distances where the music does not repeat; with and without the controls.

Only the first ``--bars`` bars of each piece are danced (CPU); no text, no style.
"""

from __future__ import annotations

import argparse
import time
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from scipy.stats import spearmanr

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's package, not an installed copy

import laban  # noqa: E402
from motiongpt.conditioning import controls_from_music, controls_from_score, music_features  # noqa: E402
from motiongpt.data import Clip  # noqa: E402
from motiongpt.evaluate import Protocol, load_split, measure  # noqa: E402
from motiongpt.metrics import beat_alignment, chance_alignment  # noqa: E402
from motiongpt.model import MotionGPT, builtin_model_path  # noqa: E402
from motiongpt.model.conditions import control_rows, repeat_rows  # noqa: E402
from motiongpt.model.generate import generate  # noqa: E402

from motiongpt.cocreate.generate import (MUSIC_GUIDANCE, MUSIC_STEPS_ON, STEPS_ON, TOP_P,  # noqa: E402
                                         WORDS_BEST_OF)  # (the CLI's defaults)

from conditioning_figures import PIECES  # noqa: E402  (the same 20 pieces; bench/ is on the path)
VARIANTS = ("aist++", "bailando")


def dance(model, features, bars: int, seed: int, controls: bool, scale: float = 1.0, best_of: int = 1,
          top_p: float = TOP_P, repeats: bool = True, steps_on: str = MUSIC_STEPS_ON):
    """The score written on the music's grid (its first ``bars`` bars), with or without the music's controls (and
    with them, its repeated bars as copies unless ``repeats`` is False, as ``motiongpt generate`` writes them; its
    steps where ``steps_on`` says, on the beat as ``motiongpt generate`` puts them on music), the decoded motion, and
    the music's controls."""
    grid = features.grid
    bars = min(bars, model.vocabulary.bar_count(grid))
    music = controls_from_music(features)
    rows = control_rows(music, grid, bars, model.config.control_names) if controls else None
    copies = repeat_rows(music, grid, bars) if controls and repeats else None
    score = generate(model, grid, controls=rows, bars=bars, seed=seed, guidance={"music": scale}, best_of=best_of,
                     top_p=top_p, repeats=copies, steps_on=STEPS_ON[steps_on])
    return score, laban.decode(score), music


def per_bar_energy(score, motion, music) -> tuple[np.ndarray, np.ndarray]:
    """The music's and the dance's per-bar energy on the bars both have: the decoded motion's kinetic energy, or
    with ``motion`` None the score's (symbols and moving columns a bar: what the model's energy control was
    trained on, ``motiongpt.train.corpus``)."""
    danced = controls_from_score(score, motion)
    common, i, j = np.intersect1d(music.bars, danced.bars, return_indices=True)
    return music.energy_raw[i], danced.energy_raw[j]


def bar_tokens(score, vocabulary) -> dict[int, Counter]:
    """Bar number → its tokens (without the ``<bar>``), as the vocabulary writes them."""
    from motiongpt.vocabulary import quantise

    ids = vocabulary.encode(quantise(score, vocabulary.subdivision))
    first = 0 if score.grid.downbeat else 1
    return {first + k: Counter(ids[a + 1:b]) for k, (a, b) in enumerate(vocabulary.bar_spans(ids))}


def overlap(a: Counter, b: Counter) -> float:
    union = sum((a | b).values())
    return sum((a & b).values()) / union if union else 1.0


def repeat_pairs(music, bars: set[int]) -> tuple[list, list]:
    """(later, earlier) bar pairs where the music repeats, and pairs at the same distances where it does not."""
    repeats = [(int(b), int(o)) for b, r, o in zip(music.bars, music.repeat, music.repeat_of)
               if r and b in bars and o in bars]
    lags = {b - o for b, o in repeats}
    marked = {b for b, _ in repeats}
    others = [(int(b), int(b - lag)) for b in music.bars for lag in sorted(lags)
              if b in bars and b - lag in bars and b not in marked]
    return repeats, others


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="a model folder (default: the built-in model)")
    parser.add_argument("--bars", type=int, default=12, help="bars danced of each piece (default 12: one pass)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pieces", type=int, default=len(PIECES), help="how many of the 20 pieces")
    parser.add_argument("--music-guidance", type=float, nargs="+", default=[MUSIC_GUIDANCE],
                        help="guidance scales on the music's controls, a row each (default: motiongpt generate's)")
    parser.add_argument("--best-of", type=int, nargs="+", default=[WORDS_BEST_OF],
                        help="samples ranked by music fit per dance, a row each (default: motiongpt generate's "
                             "up to 12 bars)")
    parser.add_argument("--top-p", type=float, default=TOP_P, help="nucleus sampling (default: motiongpt generate's)")
    parser.add_argument("--steps-on", choices=tuple(STEPS_ON), default=MUSIC_STEPS_ON,
                        help="where the feet land (motiongpt generate --steps-on; default: its default on music)")
    parser.add_argument("--no-repeats", action="store_true",
                        help="write the bars where the music repeats freely (motiongpt generate --no-repeats)")
    parser.add_argument("--no-truth", action="store_true",
                        help="skip the ground truth's beat alignment (the test split read and measured: a minute)")
    args = parser.parse_args()
    if args.bars < 2:  # a piece's upbeat is a bar of its own: one bar may be the upbeat alone, nothing to dance
        parser.error("--bars: at least 2")
    torch.set_num_threads(1)
    model = MotionGPT.from_pretrained(args.model or builtin_model_path())
    began = time.perf_counter()

    features = {}
    for piece in PIECES[:args.pieces]:
        try:
            features[piece] = music_features(f"corpus:{piece}")
        except laban.LabanError as error:
            print(f"{piece}: skipped ({error})")

    # (guidance scale, best of) with the controls on; None: off
    variants = [*((g, b) for g in args.music_guidance for b in args.best_of), None]
    name = {v: "off" if v is None else f"on, guidance {v[0]:g}, best of {v[1]}" for v in variants}

    # 1. Two pieces of different meter and tempo, and the ground truth's beat alignment.
    names = list(features)
    first = names[0]
    second = next((p for p in names[1:] if features[p].grid.beats_per_bar != features[first].grid.beats_per_bar
                  and abs(features[p].grid.tempo - features[first].grid.tempo) > 10), None)  # None: too few pieces
    protocol = Protocol()  # as `motiongpt evaluate` measures: the first 20 s
    truth = [] if args.no_truth else [measure(c, protocol) for c in load_split("test")]
    gt = {v: float(np.mean([beat_alignment(m.world, m.grid, v) for m in truth])) if truth else float("nan")
          for v in VARIANTS}
    gt_chance = float(np.mean([chance_alignment(m.grid, m.world.fps, m.world.frame_count) for m in truth])
                      ) if truth else float("nan")  # aist++ for beats anywhere, at each take's own tempo
    print("\n## Two pieces\n")
    print("| piece | music meter, bpm | dance meter, bpm | bars | bar lines off (max s) | seconds music / dance | "
          "BAS aist++ (chance at its tempo) | BAS bailando |")
    print("|---|---|---|---|---|---|---|---|")
    danced = {}
    for piece in (p for p in (first, second) if p is not None):
        f = features[piece]
        score, motion, music = dance(model, f, args.bars, args.seed, True, *variants[0], top_p=args.top_p,
                                     repeats=not args.no_repeats, steps_on=args.steps_on)
        danced[(piece, variants[0])] = (score, motion, music)
        spans = model.vocabulary.bar_spans(model.vocabulary.encode(score))
        beats = len(spans) * f.grid.beats_per_bar - ((f.grid.beats_per_bar - f.grid.downbeat) if f.grid.downbeat
                                                     else 0)
        off = float(np.max(np.abs(np.asarray(score.grid.times) - np.asarray(f.grid.times[:len(score.grid.times)]))))
        m = measure(Clip(piece, motion, f.grid, score), protocol)
        bas = [beat_alignment(m.world, f.grid, v) for v in VARIANTS]
        print(f"| {piece} | {f.grid.beats_per_bar}, {f.grid.tempo:.0f} | {score.grid.beats_per_bar}, "
              f"{score.grid.tempo:.0f} | {len(spans)} | {off:.3f} | {f.grid.times[beats]:.1f} / "
              f"{motion.frame_count / motion.fps:.1f} | {bas[0]:.3f} "
              f"({chance_alignment(f.grid, m.world.fps, m.world.frame_count):.3f}) | {bas[1]:.3f} |")
    print(f"| ground truth (test split, {len(truth)} takes, own pulse) | | | | | | {gt['aist++']:.3f} "
          f"({gt_chance:.3f}) | {gt['bailando']:.3f} |")

    # 2. and 3. Energy and repeats over all pieces, with and without the controls.
    rho = {v: [] for v in variants}
    written = {v: [] for v in variants}  # ρ against the score's energy (symbols a bar)
    pooled = {v: ([], []) for v in variants}
    cpu = {v: 0.0 for v in variants}  # CPU seconds writing and decoding the dances (the two pieces' not counted)
    similar = {(v, kind): [] for v in variants for kind in ("repeat", "other")}
    print("\n## Per piece\n")
    print("| piece | meter | bpm | bars | " + " | ".join(f"ρ controls {name[v]}" for v in variants)
          + " | music repeats |")
    print("|---|---|---|---|" + "---|" * len(variants) + "---|")
    for piece, f in features.items():
        cells = []
        for on in variants:
            clock = time.process_time()
            score, motion, music = danced.get((piece, on)) or dance(model, f, args.bars, args.seed, on is not None,
                                                                    *(on or (1.0, 1)), top_p=args.top_p,
                                                                    repeats=not args.no_repeats,
                                                                    steps_on=args.steps_on)
            cpu[on] += time.process_time() - clock
            m_energy, d_energy = per_bar_energy(score, motion, music)
            r = float(spearmanr(m_energy, d_energy)[0]) if len(m_energy) > 2 else float("nan")
            rho[on].append(r)
            m_written, d_written = per_bar_energy(score, None, music)
            written[on].append(float(spearmanr(m_written, d_written)[0]) if len(m_written) > 2 else float("nan"))
            pooled[on][0].extend(_ranks(m_energy))
            pooled[on][1].extend(_ranks(d_energy))
            tokens = bar_tokens(score, model.vocabulary)
            repeats, others = repeat_pairs(music, set(tokens))
            similar[(on, "repeat")] += [overlap(tokens[a], tokens[b]) for a, b in repeats]
            similar[(on, "other")] += [overlap(tokens[a], tokens[b]) for a, b in others]
            cells.append(r)
        print(f"| {piece} | {f.grid.beats_per_bar} | {f.grid.tempo:.0f} | {min(args.bars, model.vocabulary.bar_count(f.grid))} "
              f"| {' | '.join(f'{c:.2f}' for c in cells)} | {len(repeats)} |", flush=True)
    print(f"\n## Summary ({len(features)} pieces, first {args.bars} bars, seed {args.seed}, top-p {args.top_p:g}, "
          f"{time.perf_counter() - began:.0f} s)\n")
    print("| music controls | ρ mean | ρ median | ρ mean, score's energy (symbols a bar) | ρ pooled (ranks within piece) | token overlap where the music "
          "repeats (pairs) | elsewhere at the same distances (pairs) | CPU s |")
    print("|---|---|---|---|---|---|---|---|")
    for on in variants:
        r = np.array(rho[on])
        p = spearmanr(*pooled[on])[0]
        rep, oth = similar[(on, "repeat")], similar[(on, "other")]
        print(f"| {name[on]} | {np.nanmean(r):.3f} | {np.nanmedian(r):.3f} | {np.nanmean(written[on]):.3f} | {p:.3f} | "
              f"{np.mean(rep) if rep else float('nan'):.3f} ({len(rep)}) | "
              f"{np.mean(oth) if oth else float('nan'):.3f} ({len(oth)}) | {cpu[on]:.0f} |")


def _ranks(values: np.ndarray) -> list[float]:
    """Ranks within a piece scaled to [0, 1], so that pieces pool."""
    order = np.argsort(np.argsort(values))
    return list(order / max(len(values) - 1, 1))


if __name__ == "__main__":
    main()
