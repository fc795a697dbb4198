"""Fine-tuning a style with LoRA (peft): low-rank adapters on the attention projections, plus a trainable copy of
the style table, so a new style is a small folder (``adapter_config.json`` + ``adapter_model.safetensors``) beside
an unchanged base model. ``apply_adapter`` loads one onto a model for generation (merged: no cost at sampling)."""

from __future__ import annotations

from pathlib import Path

from motiongpt.errors import CheckpointError
from motiongpt.model.modeling import MotionGPT

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj"]
TRAINED_WHOLE = ["style_embedding"]


def with_adapter(model: MotionGPT, rank: int = 8, alpha: int = 16):
    """``model`` wrapped by peft with fresh LoRA adapters (only they and the style table train)."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=0.0, target_modules=TARGETS,
                        modules_to_save=TRAINED_WHOLE, bias="none")
    return get_peft_model(model, config)


def apply_adapter(model: MotionGPT, directory: str | Path) -> MotionGPT:
    """``model`` with the adapter in ``directory`` merged in (a missing or foreign adapter: CheckpointError)."""
    from peft import PeftModel

    directory = Path(directory)
    if not (directory / "adapter_config.json").is_file():
        raise CheckpointError(f"{directory}: not a style adapter (no adapter_config.json)")
    vocabulary = model.vocabulary
    try:
        merged = PeftModel.from_pretrained(model, str(directory)).merge_and_unload()
    except Exception as error:
        raise CheckpointError(f"{directory}: cannot load the adapter ({' '.join(str(error).split())[:160]})") from None
    merged.vocabulary = vocabulary
    merged.eval()
    return merged
