"""Classifier-free guidance on the words, as a logits processor.

The model is trained with the words (sentence vector and per-bar facts) dropped from some sequences, so it can
write both with and without them. ``WordGuidance`` runs the same model a second time, in step with sampling but
on its own cache, with the words left out, and pushes the logits away from that: ``unguided + scale × (guided -
unguided)``. Scale 1 is plain sampling; above 1 the dance does more of what the words ask (at the cost of a second
forward per token). Everything else (style, tempo, meter, music controls) is the same in both runs, so only the
words are amplified.
"""

from __future__ import annotations

import torch
from transformers import LogitsProcessor

from .modeling import MotionGPT, token_bars
from .sampling import FastStack, FastStep, ModelStep

WORDS = ("text", "facts")  # the conditions the guidance contrasts


class WordGuidance(LogitsProcessor):
    """``scores`` (the model's logits with the words) pushed away from the model's logits without them. Feed it
    the sequence as sampling grows it (each call sees one more token than the last)."""

    def __init__(self, model: MotionGPT, conditions: dict, scale: float, batch: int, bars: int) -> None:
        self.scale, self.bars = float(scale), conditions.get("bars")
        unguided = {k: v for k, v in conditions.items() if k not in WORDS}
        self.step = (FastStep if FastStack.covers(model) else ModelStep)(model, batch, bars, unguided)
        self.fed = 0

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        owners = token_bars(input_ids, self.bars)
        new = input_ids[:, self.fed:]
        logits = self.step(new, owners[:, self.fed:]).float()
        self.fed = input_ids.shape[1]
        return logits + self.scale * (scores - logits)
