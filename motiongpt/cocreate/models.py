"""The model an operation samples from, and the versions a lineage records of it: one place, so that every
operation (and ``motiongpt generate``) loads a model and a style adapter the same way."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from motiongpt.errors import missing_folder

from motiongpt.data.paths import file_digest, found_again, recorded_path

from .dance import CocreateError

# The file that makes a folder a model's, and an adapter's (``motiongpt train --lora``): what a folder found again
# where a lineage's is gone must hold (``paths.found_again``)
MODEL_WEIGHTS, ADAPTER_WEIGHTS = "model.safetensors", "adapter_model.safetensors"


@dataclass
class Loaded:
    """A model ready to sample, the ``style`` name to pass it (None when an adapter carries the style), the
    lineage's record of what was loaded, and logits processors every operation's sampling runs besides its own
    (``motiongpt.model.generate.variations``' ``processors``: the studio's cancel)."""

    model: object
    style: str | None
    versions: dict
    processors: tuple = ()


def load_model(model: str | Path | None = None, style: str | Path | None = None) -> Loaded:
    """The model in folder ``model`` (default: the built-in one) with ``style``: a name the model knows, or a
    LoRA adapter folder (``motiongpt train --lora``), merged into the weights."""
    from motiongpt import version
    from motiongpt.model import MotionGPT, builtin_model_path
    from motiongpt.plausibility import MENDED

    if model is not None and not Path(model).is_dir():
        raise CocreateError(missing_folder(model))
    network = MotionGPT.from_pretrained(model if model is not None else builtin_model_path())
    # folders recorded whole, so that the lineage names them from wherever it is read (``history --replay``)
    versions = {"model": recorded_path(model) if model is not None else "builtin",
                "model_version": weights_version(network),
                "adapter": None, "adapter_version": None, "motiongpt": version(), "mended": MENDED}
    if style is not None and str(style).strip() and Path(style).is_dir():  # ('' names the current folder)
        from motiongpt.train.lora import apply_adapter

        network = apply_adapter(network, style)
        versions.update(adapter=recorded_path(style),
                        adapter_version=file_digest(Path(style) / ADAPTER_WEIGHTS) or "unknown")
        style = None
    elif style is not None:
        known = list(network.config.styles or ())
        if str(style) not in known:
            raise CocreateError(f"style '{style}' is neither a style this model knows ({', '.join(known) or 'none'})"
                                " nor an adapter folder")
    return Loaded(network.eval(), None if style is None else str(style), versions)


def load_for(dance, model: str | Path | None = None) -> Loaded:
    """The model to develop ``dance`` with (vary, regenerate, continue, blend): ``model`` (default: the built-in
    one) with the style adapter the dance was made with, if any (a dance written by an adapter goes on being
    written by it, found where it is now: ``adapter_of``); an adapter gone is one line."""
    adapter = adapter_of(dance)
    if adapter and not Path(adapter).is_dir():
        raise CocreateError(f"made with the style adapter {adapter}, which is not there any more (move it back, or "
                            "translate the dance into a style)")
    return load_model(model, adapter or None)


def adapter_of(dance) -> str | None:
    """The style adapter folder ``dance`` was made with (its lineage's), where it is now (``paths.found_again``: in
    a studio folder or a folder of dances moved or unzipped elsewhere with its adapters), or None."""
    return found_again(dance.lineage.adapter, dance.path, ADAPTER_WEIGHTS) or None


def style_for(loaded: Loaded, dance) -> str | None:
    """The style to write new bars of ``dance`` in: the loaded model's (a style asked for, or an adapter's), else
    the dance's own when the model knows it (a dance generated in a style goes on in it, whoever loaded the
    model: the studio by the dance's style, the command line and ``history --replay`` without one)."""
    if loaded.style is not None or loaded.versions.get("adapter") is not None:
        return loaded.style
    return dance.style if dance.style in (loaded.model.config.styles or ()) else None


def weights_version(model) -> str:
    """What identifies the weights: the SHA-256 of the model's safetensors file (its first 16 hex digits)."""
    path = getattr(model, "name_or_path", "") or ""
    return file_digest(Path(path) / MODEL_WEIGHTS) or "unknown"

