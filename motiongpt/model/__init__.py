"""The language model of dance scores: config, model, and generation (``motiongpt.model.generate``)."""

from .config import MotionGPTConfig, builtin_config, tempo_bucket, tiny_config
from .modeling import MotionGPT, bar_numbers, build

__all__ = ["MotionGPT", "MotionGPTConfig", "bar_numbers", "build", "builtin_config", "tempo_bucket", "tiny_config"]


def builtin_model_path():
    """The folder of the model shipped with the package (trained by ``configs/builtin.yaml``, ``docs/model.md``); a
    one-line CheckpointError when an installed copy lacks it."""
    from pathlib import Path

    from motiongpt.errors import CheckpointError

    path = Path(__file__).parents[1] / "checkpoints" / "builtin"
    if not (path / "model.safetensors").is_file():
        raise CheckpointError(f"{path}: the built-in model is missing from this installation: reinstall the package, "
                              "or give a model folder (--model DIR)")
    return path
