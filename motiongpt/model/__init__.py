"""The language model of dance scores: config, model, and generation (``motiongpt.model.generate``)."""

from .config import MotionGPTConfig, builtin_config, tempo_bucket, tiny_config
from .modeling import MotionGPT, bar_numbers, build

__all__ = ["MotionGPT", "MotionGPTConfig", "bar_numbers", "build", "builtin_config", "tempo_bucket", "tiny_config"]


def builtin_model_path():
    """The folder of the model shipped with the package (trained by ``configs/builtin.yaml``, ``docs/model.md``); a
    one-line CheckpointError when an installed copy lacks it."""
    return _shipped("builtin", "the built-in model")


def follower_model_path():
    """The folder of the small model a streamed duet writes the follower with (``configs/follower.yaml``, a fifth
    of the built-in model's size: about 0.1 s a bar on one core, ``docs/duet.md``)."""
    return _shipped("follower", "the streaming follower model")


def _shipped(name: str, what: str):
    from pathlib import Path

    from motiongpt.errors import ModelMissing

    path = Path(__file__).parents[1] / "checkpoints" / name
    if not (path / "model.safetensors").is_file():
        raise ModelMissing(path, what)
    return path
