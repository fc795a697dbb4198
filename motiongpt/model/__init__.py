"""The language model of dance scores: config, model, and generation (``motiongpt.model.generate``)."""

from .config import MotionGPTConfig, builtin_config, tempo_bucket, tiny_config
from .modeling import MotionGPT, bar_numbers, build

__all__ = ["MotionGPT", "MotionGPTConfig", "bar_numbers", "build", "builtin_config", "tempo_bucket", "tiny_config"]


def builtin_model_path():
    """The folder of the model shipped with the package; until one is trained, a one-line CheckpointError."""
    from pathlib import Path

    from motiongpt.errors import CheckpointError

    path = Path(__file__).parents[1] / "checkpoints" / "builtin"
    if not (path / "model.safetensors").is_file():
        raise CheckpointError("no built-in model is shipped yet: give a model folder (--model DIR)")
    return path
