"""The model's figures on this machine: parameters and MB of the built-in shape, seconds per training step
(forward + backward + AdamW, one batch of windows), and sampling speed (tokens per second, KV cache, grammar
on). Untrained weights: what is timed does not depend on what was learnt, except how long sampled bars are.

    PYTHONPATH=. python bench/model_speed.py [--threads 1] [--batch 16] [--length 512] [--steps 5]
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import argparse
import time

import torch

import laban
from motiongpt.model import build, builtin_config, tiny_config
from motiongpt.model.generate import generate
from motiongpt.model.modeling import weight_bytes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--length", type=int, default=512, help="tokens a window (8 bars are about 500)")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--tiny", action="store_true", help="the test shape instead of the built-in one")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = tiny_config() if args.tiny else builtin_config()
    model = build(config)
    count = sum(p.numel() for p in model.parameters())
    print(f"shape: {config.num_hidden_layers} layers, d={config.hidden_size}, {count / 1e6:.2f} M parameters, "
          f"{weight_bytes(model) / 1e6:.1f} MB float32")
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
    ids = torch.randint(10, len(model.vocabulary), (args.batch, args.length))
    ids[:, 0] = model.vocabulary.bos_id
    ids[:, ::50] = model.vocabulary.bar_id
    given = {"text": torch.randn(args.batch, 384), "style": torch.zeros(args.batch, dtype=torch.long),
             "tempo": torch.full((args.batch,), 5), "meter": torch.full((args.batch,), 4),
             "controls": torch.zeros(args.batch, 12, 4, dtype=torch.long)}
    model.train()
    times = []
    for _ in range(args.steps + 1):
        start = time.perf_counter()
        loss = model(ids, labels=ids, **given).loss
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
        times.append(time.perf_counter() - start)
    step = sorted(times[1:])[len(times[1:]) // 2]
    print(f"training step (batch {args.batch} x {args.length} tokens, {args.threads} thread(s)): {step:.2f} s "
          f"median of {args.steps}; {args.batch * args.length / step:.0f} tokens/s")
    model.eval()
    grid = laban.BeatGrid.uniform(120, 32, 4)  # 16 bars
    generate(model, laban.BeatGrid.uniform(120, 2, 4), seed=0)  # warm up
    start = time.perf_counter()
    score = generate(model, grid, seed=0, top_k=20)
    seconds = time.perf_counter() - start
    tokens = len(model.vocabulary.encode(score))
    print(f"sampling 16 bars (untrained weights): {tokens} tokens in {seconds:.2f} s, {tokens / seconds:.0f} tokens/s")


if __name__ == "__main__":
    main()
