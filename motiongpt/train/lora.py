"""Fine-tuning a style with LoRA (peft): low-rank adapters on the attention projections, plus a trainable copy of
the style table, so a new style is a small folder (``adapter_config.json`` + ``adapter_model.safetensors``) beside
an unchanged base model. ``apply_adapter`` loads one onto a model for generation (merged: no cost at sampling)."""

from __future__ import annotations

import json
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from motiongpt.errors import CheckpointError

if TYPE_CHECKING:  # (the model's heavy imports only where a model is at hand; the studio checks folders lightly)
    from motiongpt.model.modeling import MotionGPT

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj"]
TRAINED_WHOLE = ["style_embedding"]
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")  # what a style adapter folder holds
VOCABULARY = "vocabulary.json"  # and, beside them, its model's vocabulary (``_check_vocabulary``)


class ForeignAdapter(CheckpointError):
    """A style adapter (``directory``) trained on another model than the one it is merged into (its weights' shapes
    differ, or its model's vocabulary: ``why``; ``base``: the model it was trained from, where its config names
    one): the command line says to give ``--model`` that model, the studio in the page's own words."""

    def __init__(self, directory: str | Path, base: str | None = None, why: str = "its weights' shapes are not "
                                                                                   "this model's"):
        trained = f", trained from {base}" if base else ""
        super().__init__(f"{directory}: a style adapter for another model ({why}{trained}): give --model the model "
                         f"it was trained from")
        self.directory, self.base = Path(directory), base


def with_adapter(model: MotionGPT, rank: int = 8, alpha: int = 16):
    """``model`` wrapped by peft with fresh LoRA adapters (only they and the style table train)."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=0.0, target_modules=TARGETS,
                        modules_to_save=TRAINED_WHOLE, bias="none")
    with _quiet_peft():
        return get_peft_model(model, config)


def check_adapter(directory: Path, name: str | None = None) -> None:
    """Refuse, in one line naming ``name`` (default: the folder), a folder that is not a LoRA style adapter: both
    files there (peft would look for a missing one on the Hugging Face hub, online), a peft LORA config, readable
    safetensors."""
    name = name or str(directory)
    missing = [file for file in ADAPTER_FILES if not (directory / file).is_file()]
    if missing and (directory / "config.json").is_file() and (directory / "model.safetensors").is_file():
        raise CheckpointError(f"{name}: a model's folder, not a style adapter's (motiongpt train --lora writes one)")
    if missing:
        raise CheckpointError(f"{name}: not a style adapter (no {' or '.join(missing)}; motiongpt train --lora "
                              "writes both)")
    try:
        config = json.loads((directory / "adapter_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise CheckpointError(f"{name}: its adapter_config.json is not JSON") from None
    if not isinstance(config, dict) or config.get("peft_type") != "LORA":
        raise CheckpointError(f"{name}: not a LoRA style adapter (its adapter_config.json says no peft_type LORA)")
    from safetensors import safe_open

    try:
        with safe_open(str(directory / "adapter_model.safetensors"), "pt") as weights:
            weights.keys()
    except Exception as error:
        raise CheckpointError(f"{name}: its adapter_model.safetensors cannot be read "
                              f"({' '.join(str(error).split())[:120]})") from None


def _trained_on(directory: Path) -> str | None:
    """The model the adapter was trained from, where its config names one, else None."""
    try:
        config = json.loads((directory / "adapter_config.json").read_text(encoding="utf-8"))
        base = config.get("base_model_name_or_path")
    except (OSError, ValueError, AttributeError):
        return None
    return base if isinstance(base, str) and base.strip() else None


def apply_adapter(model: MotionGPT, directory: str | Path) -> MotionGPT:
    """``model`` with the adapter in ``directory`` merged in (a missing, foreign or damaged adapter:
    CheckpointError)."""
    from peft import PeftModel

    from motiongpt.model.modeling import damaged_weights

    directory = Path(directory)
    check_adapter(directory)
    vocabulary = model.vocabulary
    _check_vocabulary(directory, vocabulary)
    try:
        with _quiet_peft():
            merged = PeftModel.from_pretrained(model, str(directory)).merge_and_unload()
    except Exception as error:
        if "size mismatch" in str(error):  # peft's words for weights of another shape: a dump of tensor names
            raise ForeignAdapter(directory, _trained_on(directory)) from None
        raise CheckpointError(f"{directory}: cannot load the adapter ({' '.join(str(error).split())[:160]})") from None
    damaged = damaged_weights(merged)
    if damaged:  # a diverged fine-tune: every draw would be of NaN, and sampling would run out of tokens
        raise CheckpointError(f"{directory / ADAPTER_FILES[1]}: damaged weights ({damaged} once merged)")
    merged.vocabulary = vocabulary
    merged.eval()
    return merged


def _check_vocabulary(directory: Path, vocabulary) -> None:
    """Refuse an adapter trained on a model of another vocabulary (its ``vocabulary.json``, which ``train --lora``
    writes beside it): its weights learned what that vocabulary's ids say, and their shapes do not tell (the
    attention's and the style table's are the same for models of any vocabulary), so it merged without a word into
    a model whose ids say other things. An adapter without the file (written before it was kept) is taken as
    before."""
    if not (directory / VOCABULARY).is_file():
        return
    from motiongpt.vocabulary import Vocabulary

    trained = Vocabulary.from_pretrained(directory)
    if trained != vocabulary:
        said = "version {0.version}, 1/{0.subdivision} beat, {1} tokens".format
        why = f"its vocabulary, {said(trained, len(trained))}, is not this model's, {said(vocabulary, len(vocabulary))}"
        raise ForeignAdapter(directory, _trained_on(directory), why)


@contextmanager
def _quiet_peft():
    """peft asks transformers whether gradient checkpointing is on by a name transformers deprecated: its
    FutureWarning is no news for the person running a command."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        yield
