"""Classifier-free guidance on named groups of conditions, as rows of the sampling batch.

The model is trained with each condition dropped from some sequences (``motiongpt.train.examples``: the words'
sentence vector and their facts each 10 % of the time, the style and the music's per-bar controls 10 %), so it
can write with and without each. Guidance contrasts the two: for a group ``g`` with scale ``s``, the logits are
pushed away from the model's logits without that group,

    guided = full + sum over g of (s_g - 1) × (full - without_g)

(with one group this is ``without + s × (full - without)``, written that way so scale 0 is the model without it
exactly). Scale 1 is plain sampling; above 1 the dance does more of what the group asks. Everything outside the
group is the same in both runs, so only that group is amplified.

The runs without a group are more rows of the same batch (``Guidance.conditions`` stacks them under the
conditioned rows), not a second model run: a sampling step on a CPU is bound by reading the weights, so a guided
step costs about what a plain one does (see ``motiongpt.model.sampling``).
"""

from __future__ import annotations

import torch

# A group's names in ``forward``'s conditions. "words" guides what the words state, their per-bar facts; "text" the
# sentence vector, which is not guided by default: on the validation split (docs/evaluation.md, "Guiding the
# words' facts, not their sentence") guidance 3 on both wrote CMU's one-line prompts sparsely ("run": a support a
# bar, holds of 3 beats, against about 3 unguided: the vector of a prompt with a handful of 1-bar training takes,
# amplified) and pushed FID_g to 1.5x the decoded scores'; on the facts alone FID_g 0.46x, and words followed
# 0.80 against 0.78.
GROUPS = {"words": ("facts",), "text": ("text",), "music": ("controls",), "style": ("style",)}


def absent(name: str, value: torch.Tensor) -> torch.Tensor:
    """``value`` as the model reads it left out: an all-zero text vector, -1 levels (as training drops them)."""
    return torch.zeros_like(value) if name == "text" else torch.full_like(value, -1)


class Guidance:
    """Guidance with ``scales`` ({group: scale}; groups in ``GROUPS``) on a batch with ``conditions``: groups at
    scale 1 or without any of their conditions present are left out. ``rows`` copies of the batch are sampled:
    the conditioned rows first, then one copy per guided group with that group absent."""

    def __init__(self, scales: dict[str, float], conditions: dict) -> None:
        unknown = set(scales) - set(GROUPS)
        if unknown:
            raise ValueError(f"no condition group {sorted(unknown)[0]!r} to guide (groups: {', '.join(GROUPS)})")
        self.groups = [(name, float(scale)) for name, scale in scales.items()
                       if float(scale) != 1 and any(k in conditions for k in GROUPS[name])]
        self.rows = 1 + len(self.groups)

    def __bool__(self) -> bool:
        return bool(self.groups)

    def conditions(self, conditions: dict) -> dict:
        """The batch's conditions over all ``rows`` copies (each tensor stacked along the batch)."""
        copies = [conditions] + [{k: absent(k, v) if k in GROUPS[name] else v for k, v in conditions.items()}
                                 for name, _ in self.groups]
        return {k: torch.cat([c[k] for c in copies]) for k in conditions}

    def __call__(self, logits: torch.Tensor) -> torch.Tensor:
        """(rows × B, V) logits of every copy → (B, V) guided logits of the conditioned rows."""
        parts = logits.chunk(self.rows)
        full = parts[0]
        if not self.groups:
            return full
        (_, first), without = self.groups[0], parts[1]
        guided = without + first * (full - without)
        for (_, scale), without in zip(self.groups[1:], parts[2:]):
            guided = guided + (scale - 1) * (full - without)
        return guided
