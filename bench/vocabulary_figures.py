"""Every figure issue 11 asks of the vocabulary and the grammar (run by hand, prints a report).

    python bench/vocabulary_figures.py [--samples 10000] [--batch 500]
    python bench/vocabulary_figures.py --only model [--model builtin|DIR] [--samples 10000] [--batch 250]

1. Every shared CMU trial (read at its real frame rate, as the data module does: salsa at 60 fps) tokenized,
   encoded and read back: how many round-trip exactly, how many the grammar accepts; and every example.
2. Tokens per minute of motion, over all trials and per style (the categories of datasets/cmu_split.csv), against
   the yardstick of 21 joints x 3 numbers x 30 fps = 37,800 numbers a minute; the corpus in tokens per split.
3. Constrained samples from an untrained transformer (a random tiny GPT-2 through ``generate`` with the grammar's
   logits processor), on mixed meters, upbeats and lengths: how many are not valid scores. A sample is counted
   invalid if it does not end, does not read back (``to_score``), has the wrong number of bars, or is refused by
   ``encode`` (which checks columns, signs per column, the grid, overlaps and flight over a support on the
   score itself), or does not round-trip. Plus fill-in-the-middle samples between bars of training scores.
4. The same count for a trained model (the built-in one by default) through ``motiongpt.model.sampling.sample``,
   the loop ``generate`` uses, unconditioned, on 1-2 bars of mixed meters and upbeats.
One CPU thread (the issue's speed figures are for one core).
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import argparse
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from transformers import GPT2Config, GPT2LMHeadModel, LogitsProcessor, LogitsProcessorList

import laban
from laban import BeatGrid, Score
from motiongpt.data import cmu_trials
from motiongpt.evaluate import read_cmu_split
from motiongpt.grammar import P_DONE, ScoreGrammar, ScoreGrammarProcessor
from motiongpt.vocabulary import Vocabulary, VocabularyError

YARDSTICK = 21 * 30 * 60  # the yardstick: 37,800 numbers a minute for 21 joints at 30 fps


def corpus(vocabulary: Vocabulary, grammar: ScoreGrammar) -> list[tuple[str, dict, Score, list[int]]]:
    split = read_cmu_split()
    rows, exact, seconds = [], 0, 0.0
    started = time.perf_counter()
    for trial in cmu_trials():
        motion = laban.read_bvh(trial.path, frame_rate=trial.fps)
        score = laban.tokenize(motion, title=trial.name)
        ids = vocabulary.encode(score)
        exact += vocabulary.to_score(ids, score.grid, score.title) == score
        seconds += motion.duration
        rows.append((trial.name, {**split[trial.name], "minutes": motion.duration / 60}, score, ids))
    accepted = sum(grammar.accepts([r[3] for r in rows], [r[2].grid for r in rows]))
    examples = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.laban"))
    loaded = [Score.load(p) for p in examples]
    example_exact = sum(vocabulary.to_score(vocabulary.encode(s), s.grid, s.title) == s for s in loaded)
    example_accepted = sum(grammar.accepts([vocabulary.encode(s) for s in loaded], [s.grid for s in loaded]))
    print(f"1. round trip: {exact} / {len(rows)} shared CMU scores exact, grammar accepts {accepted} / {len(rows)}; "
          f"examples {example_exact} / {len(loaded)} exact, {example_accepted} accepted "
          f"({time.perf_counter() - started:.0f} s for {seconds / 60:.1f} minutes of motion)")
    return rows


def rates(vocabulary: Vocabulary, rows) -> None:
    by_style: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0, 0])
    by_split: dict[str, int] = defaultdict(int)
    for _, info, score, ids in rows:
        for key in ("all", info["category"]):
            entry = by_style[key]
            entry[0] += len(ids)
            entry[1] += info["minutes"]
            entry[2] += len(score.symbols)
            entry[3] += vocabulary.names(ids).count("<tie>")
        by_split[info["split"]] += len(ids)
    per_clip = [len(ids) / info["minutes"] for _, info, _, ids in rows]
    print(f"2. tokens per minute of motion (yardstick {YARDSTICK:,} numbers a minute):")
    print(f"   {'style':12s} {'clips':>5s} {'minutes':>8s} {'tokens/min':>10s} {'x fewer':>8s} "
          f"{'symbols/min':>11s} {'tokens/symbol':>13s} {'ties/min':>8s}")
    counts = defaultdict(int)
    for _, info, _, _ in rows:
        counts[info["category"]] += 1
    counts["all"] = len(rows)
    for style in ["all"] + sorted(k for k in by_style if k != "all"):
        tokens, minutes, symbols, ties = by_style[style]
        print(f"   {style:12s} {counts[style]:5d} {minutes:8.1f} {tokens / minutes:10.0f} "
              f"{YARDSTICK / (tokens / minutes):8.1f} {symbols / minutes:11.0f} {tokens / symbols:13.2f} "
              f"{ties / minutes:8.0f}")
    print(f"   per clip: mean {np.mean(per_clip):.0f}, median {np.median(per_clip):.0f}, "
          f"range {min(per_clip):.0f}-{max(per_clip):.0f} tokens/min")
    print("   corpus in tokens: " + ", ".join(f"{split} {by_split[split]:,}" for split in ("train", "validation",
                                                                                          "test"))
          + f", all {sum(by_split.values()):,}")


def problems(vocabulary: Vocabulary, ids: list[int], grid: BeatGrid, bars: int) -> str | None:
    """Why a sampled sequence is not a valid score on ``grid`` with ``bars`` bars, or None."""
    if vocabulary.eos_id not in ids:
        return "did not end"
    ids = ids[:ids.index(vocabulary.eos_id) + 1]
    try:
        score = vocabulary.to_score(ids, grid)
        if len(vocabulary.bar_spans(ids)) != bars:
            return "wrong bar count"
        again = vocabulary.encode(score)
    except VocabularyError as error:
        return str(error)
    if vocabulary.to_score(again, grid) != score:
        return "does not round-trip"
    return None


class Timed(LogitsProcessor):
    """A processor that adds up the time spent in the one it wraps."""

    def __init__(self, processor: LogitsProcessor) -> None:
        self.processor, self.seconds = processor, 0.0

    def __call__(self, input_ids, scores):
        started = time.perf_counter()
        out = self.processor(input_ids, scores)
        self.seconds += time.perf_counter() - started
        return out


def unconditional(vocabulary: Vocabulary, samples: int, batch: int, seed: int) -> None:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=len(vocabulary), n_positions=4096, n_embd=64, n_layer=2, n_head=2,
                                       bos_token_id=vocabulary.bos_id, eos_token_id=vocabulary.eos_id)).eval()
    invalid, reasons, tokens, lengths = 0, defaultdict(int), 0, []
    started = time.perf_counter()
    masking = 0.0
    for first in range(0, samples, batch):
        n = min(batch, samples - first)
        meters = rng.choice([2, 3, 4, 6], n)
        upbeats = np.array([rng.integers(0, min(m, 3)) for m in meters])
        bars = rng.integers(1, 9, n)
        grids = [BeatGrid(tuple(0.5 * i for i in range(u + (b - (1 if u else 0)) * m + 1)), int(m), int(u))
                 for m, u, b in zip(meters, upbeats, bars)]
        timed = Timed(ScoreGrammarProcessor(vocabulary, grids=grids))
        with torch.no_grad():
            out = model.generate(torch.full((n, 1), vocabulary.bos_id), do_sample=True, max_new_tokens=4000,
                                 logits_processor=LogitsProcessorList([timed]), pad_token_id=vocabulary.pad_id,
                                 eos_token_id=vocabulary.eos_id, top_k=0)
        for ids, grid, b in zip(out.tolist(), grids, bars):
            reason = problems(vocabulary, ids, grid, int(b))
            if reason is not None:
                invalid += 1
                reasons[reason.split(":")[0]] += 1
            end = ids.index(vocabulary.eos_id) + 1 if vocabulary.eos_id in ids else len(ids)
            tokens += end
            lengths.append(end / b)
        masking += timed.seconds
    wall = time.perf_counter() - started
    print(f"3. untrained GPT-2 ({sum(p.numel() for p in model.parameters()):,} parameters), {samples:,} constrained "
          f"samples (meters 2/3/4/6, upbeats, 1-8 bars): {invalid} invalid {dict(reasons) or ''}")
    print(f"   {tokens:,} tokens in {wall:.0f} s ({tokens / wall:,.0f} tokens/s, batch {batch}); grammar mask "
          f"{masking:.1f} s of it; {np.mean(lengths):.0f} tokens per bar on average")


def trained(model_dir: str, samples: int, batch: int, seed: int) -> None:
    from motiongpt.model import MotionGPT, builtin_model_path
    from motiongpt.model.generate import _conditions
    from motiongpt.model.sampling import sample

    model = MotionGPT.from_pretrained(builtin_model_path() if model_dir == "builtin" else model_dir)
    vocabulary = model.vocabulary
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    invalid, reasons, tokens = 0, defaultdict(int), 0
    started = time.perf_counter()
    for first in range(0, samples, batch):
        n = min(batch, samples - first)
        meter = int(rng.choice([2, 3, 4, 6]))
        upbeat, bars = int(rng.integers(0, min(meter, 3))), int(rng.integers(1, 3))
        grid = BeatGrid(tuple(0.5 * i for i in range(upbeat + (bars - (1 if upbeat else 0)) * meter + 1)), meter,
                        upbeat)
        grammar = ScoreGrammarProcessor(vocabulary, bars=bars, beats_per_bar=meter, upbeat=upbeat)
        conditions = _conditions(model, grid, n, bars, None, None, None, None)
        with torch.inference_mode():
            out = sample(model, torch.full((n, 1), vocabulary.bos_id), LogitsProcessorList([grammar]), conditions,
                         256 * bars)
        for ids in out.tolist():
            reason = problems(vocabulary, ids, grid, bars)
            if reason is not None:
                invalid += 1
                reasons[reason.split(":")[0]] += 1
            tokens += ids.index(vocabulary.eos_id) + 1 if vocabulary.eos_id in ids else len(ids)
    wall = time.perf_counter() - started
    print(f"4. {model_dir} model, {samples:,} constrained samples (meters 2/3/4/6, upbeats, 1-2 bars): {invalid} "
          f"invalid {dict(reasons) or ''}; {tokens:,} tokens in {wall:.0f} s, batch {batch}")


def fill_in(vocabulary: Vocabulary, grammar: ScoreGrammar, rows, samples: int, seed: int, per_prompt: int = 20) -> None:
    """Middles of 1-4 bars between the bars of training scores, with random logits under the grammar
    (``per_prompt`` middles for each score and span)."""
    rng = np.random.default_rng(seed)
    train = [r for r in rows if r[1]["split"] == "train" and len(vocabulary.bar_spans(r[3])) >= 3]
    invalid, changed, done = 0, 0, 0
    while done < samples:
        n = min(per_prompt, samples - done)
        _, _, score, ids = train[rng.integers(len(train))]
        bars = len(vocabulary.bar_spans(ids))
        first = int(rng.integers(0, bars - 1))
        stop = int(rng.integers(first + 1, min(first + 4, bars) + 1))
        fim = vocabulary.fill_in_the_middle(ids, first, stop)
        prompt = fim[:fim.index(vocabulary.fim_middle_id) + 1]
        state = grammar.start_for([score.grid] * n, fill_in=True)
        for token in prompt:
            grammar.advance(state, np.full(n, token))
        out = []
        while not (state.phase == P_DONE).all() and len(out) < 4000:
            mask = grammar.allowed(state)
            tokens = np.where(mask, rng.gumbel(size=mask.shape), -np.inf).argmax(1)
            grammar.advance(state, tokens, check=False)
            out.append(tokens)
        length, offset = vocabulary.bar_geometry(score.beats_per_bar, score.grid.downbeat)
        q = vocabulary.subdivision
        lo, hi = (offset + first * length) / q, (offset + stop * length) / q
        kept = [s for s in score.symbols if s.end <= lo or s.start >= hi]
        for middle in np.stack(out, 1).tolist():
            sequence = prompt + (middle[:middle.index(vocabulary.eos_id) + 1] if vocabulary.eos_id in middle else middle)
            plain = vocabulary.from_fill_in_the_middle(sequence)
            reason = problems(vocabulary, plain, score.grid, bars)
            invalid += reason is not None
            if reason is None:
                result = vocabulary.to_score(plain, score.grid)
                changed += any(s not in result.symbols for s in kept)
        done += n
    print(f"   fill in the middle: {samples:,} middles of 1-4 bars between bars of training scores (random logits "
          f"under the grammar, {per_prompt} per score and span): {invalid} invalid, {changed} changed a symbol "
          f"outside the middle")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--fill-in", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=["model"], help="only figure 4 (a trained model's samples)")
    parser.add_argument("--model", default="builtin", help="figure 4's model: builtin or a folder")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.only == "model":
        trained(args.model, args.samples, args.batch, args.seed)
        return
    vocabulary = Vocabulary()
    grammar = ScoreGrammar(vocabulary)
    print(f"{vocabulary!r}: {len(vocabulary.columns)} columns, {len(vocabulary.whats)} whats, "
          f"{vocabulary.max_positions} positions, {vocabulary.max_positions} durations, 10 special tokens")
    rows = corpus(vocabulary, grammar)
    rates(vocabulary, rows)
    unconditional(vocabulary, args.samples, args.batch, args.seed)
    fill_in(vocabulary, grammar, rows, args.fill_in, args.seed)


if __name__ == "__main__":
    main()
