"""The language model of dance scores: config, model, and generation (``motiongpt.model.generate``)."""

from .config import MotionGPTConfig, builtin_config, tempo_bucket, tiny_config
from .modeling import MotionGPT, bar_numbers, build

__all__ = ["MotionGPT", "MotionGPTConfig", "bar_numbers", "build", "builtin_config", "tempo_bucket", "tiny_config"]
