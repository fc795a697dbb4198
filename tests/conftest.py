"""Shared fixtures. Tests on real motion capture read ../shared/mocap and skip, saying why, when it is absent."""

from __future__ import annotations

import pytest

from motiongpt.data import Trial, cmu_trials, mocap_root


@pytest.fixture(scope="session")
def trials() -> dict[str, Trial]:
    """All shared CMU trials by name (05_01, 60_03, ...), archives unpacked once into a cache folder."""
    if not (mocap_root() / "cmu" / "manifest.csv").exists():
        pytest.skip(f"shared CMU motion capture not found at {mocap_root()} (set MOTIONGPT_MOCAP)")
    return {t.name: t for t in cmu_trials()}


def make_adapter(model_folder, out, seed=0):
    """A LoRA style adapter for the model in ``model_folder`` as ``motiongpt train --lora`` writes one (peft's
    save_pretrained), its low-rank weights random so that it changes what the model writes; both factors drawn
    from ``seed`` (peft initialises ``lora_A`` from torch's global generator, which would make the adapter, and what
    it writes, differ from one test process to the next)."""
    import torch

    from motiongpt.model import MotionGPT
    from motiongpt.train.lora import with_adapter

    wrapped = with_adapter(MotionGPT.from_pretrained(model_folder))
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, weight in wrapped.named_parameters():
            if "lora_A" in name or "lora_B" in name:
                weight.copy_(torch.randn(weight.shape, generator=generator) * (0.5 if "lora_B" in name else 0.1))
    wrapped.save_pretrained(out)
    return out


def anonymous_rig(bvh, out):
    """``bvh`` written to ``out`` with its joints named J1, J2, ... in file order (a rig whose names say nothing:
    ``--map`` must name its body parts), and the ``--map`` options that do: one per required part, from the body
    parts the package recognises on the original."""
    import re
    from pathlib import Path

    import laban
    from laban.skeleton import REQUIRED_PARTS

    names = iter(range(1, 100000))
    Path(out).write_text(re.sub(r"\b(ROOT|JOINT) \S+", lambda m: f"{m.group(1)} J{next(names)}",
                                Path(bvh).read_text()))
    parts = laban.recognised(laban.read_bvh(bvh).skeleton).parts
    return [f"--map={part.value}=J{parts[part] + 1}" for part in REQUIRED_PARTS]
