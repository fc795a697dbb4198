"""The model's settings: a Llama-shaped decoder (``LlamaConfig``, so transformers' caches and attention read it as
they read any Llama) plus the conditioning's sizes.

Two presets: ``builtin`` (the shipped model: 6 layers, d=256, about 5.2 M parameters, 21 MB of float32 weights)
and ``tiny`` (for tests: 2 layers, d=32). Conditions and how they enter are described in ``docs/model.md``.
"""

from __future__ import annotations

import math

from transformers import LlamaConfig

TEXT_DIMENSIONS = 384  # motiongpt.text.encode_text
TEMPO_BUCKETS = 16  # log-spaced from MIN_BPM to MAX_BPM
MIN_BPM, MAX_BPM = 40.0, 240.0
CONTROL_NAMES = ("energy", "accents", "phrase", "repeat")
CONTROL_LEVELS = (4, 256, 3, 2)  # accents: bit b set = beat b of the bar is struck (up to 8 beats a bar)
# What a phrase's words ask (laban.facts_from_text), per bar of the phrase, and where the bar stands in it
FACT_NAMES = ("steps", "step_direction", "turn", "jumps", "arm_level", "phrase_bar", "phrase_bars")
FACT_LEVELS = (9, 9, 17, 4, 3, 8, 8)  # steps 0..8+, 9 directions, turn -8..+8 eighths, jumps 0..3+, 3 levels
VOCABULARY_SIZE = 174  # ids of motiongpt.vocabulary version 2 with its default settings (version 1: 162)


class MotionGPTConfig(LlamaConfig):
    """A Llama decoder over the vocabulary's ids, with the conditioning's sizes.

    - ``text_dimensions``: the sentence vector (``motiongpt.text``), projected to one prefix embedding;
    - ``styles``: style names, index = style id (a style embedding; absent = a learned null);
    - ``tempo_buckets`` / ``max_meter``: tempo (log-spaced buckets of bpm) and beats per bar, one prefix each;
    - ``control_names`` / ``control_levels``: K per-bar controls and how many levels each takes (by default
      energy 4, accents 256 = a bit per beat of the bar, phrase 3, repeat 2: ``motiongpt.conditioning``'s), added
      to the embedding of their bar's ``<bar>`` token (absent = level -1 = a learned null per control);
    - ``fact_names`` / ``fact_levels``: what the words ask of each bar's phrase (step count, step direction, turn,
      jumps, arm level) and the bar's place in its phrase, entering the same way (``conditions.fact_rows``).
    """

    model_type = "motiongpt"

    @property
    def control_count(self) -> int:
        return len(self.control_levels)

    @property
    def fact_count(self) -> int:
        return len(self.fact_levels)

    def __init__(self, vocab_size: int = VOCABULARY_SIZE, hidden_size: int = 256, intermediate_size: int = 768,
                 num_hidden_layers: int = 6, num_attention_heads: int = 8, max_position_embeddings: int = 4096,
                 text_dimensions: int = TEXT_DIMENSIONS, styles: list[str] | None = None,
                 style_slots: int = 32, tempo_buckets: int = TEMPO_BUCKETS, max_meter: int = 8,
                 control_names: list[str] | None = None,
                 control_levels: list[int] | None = None, fact_names: list[str] | None = None,
                 fact_levels: list[int] | None = None, train_length: int = 1024,
                 pad_token_id: int = 0, bos_token_id: int = 1, eos_token_id: int = 2, **kwargs) -> None:
        kwargs.setdefault("num_key_value_heads", num_attention_heads)
        kwargs.setdefault("tie_word_embeddings", False)
        kwargs.setdefault("rope_theta", 10000.0)
        super().__init__(vocab_size=vocab_size, hidden_size=hidden_size, intermediate_size=intermediate_size,
                         num_hidden_layers=num_hidden_layers, num_attention_heads=num_attention_heads,
                         max_position_embeddings=max_position_embeddings, pad_token_id=pad_token_id,
                         bos_token_id=bos_token_id, eos_token_id=eos_token_id, **kwargs)
        self.text_dimensions = text_dimensions
        self.styles = list(styles or [])
        self.style_slots = max(style_slots, len(self.styles))  # room for styles a fine-tune adds
        self.tempo_buckets = tempo_buckets
        self.max_meter = max_meter
        self.control_names = list(control_names or CONTROL_NAMES)
        self.control_levels = [int(n) for n in (control_levels or CONTROL_LEVELS)]
        if len(self.control_levels) != len(self.control_names):
            raise ValueError("one number of levels per control name")
        self.fact_names = list(fact_names or FACT_NAMES)
        self.fact_levels = [int(n) for n in (fact_levels or FACT_LEVELS)]
        if len(self.fact_levels) != len(self.fact_names):
            raise ValueError("one number of levels per fact name")
        self.train_length = train_length  # longest training sequence (a window of bars)

    def style_id(self, style: str | int | None) -> int | None:
        """The id of a style name (or id); unknown names raise ValueError naming the known ones."""
        if style is None or isinstance(style, int):
            if style is not None and not 0 <= style < self.style_slots:
                raise ValueError(f"style id {style} outside 0..{self.style_slots - 1}")
            return style
        if style not in self.styles:
            known = ", ".join(self.styles) or "none"
            raise ValueError(f"unknown style {style!r} (this model knows: {known})")
        return self.styles.index(style)


def tempo_bucket(bpm: float, buckets: int = TEMPO_BUCKETS) -> int:
    """The bucket of a tempo: log-spaced, so 60→66 bpm moves as far as 120→132 (tempo is felt as a ratio)."""
    x = (math.log(max(MIN_BPM, min(MAX_BPM, bpm))) - math.log(MIN_BPM)) / (math.log(MAX_BPM) - math.log(MIN_BPM))
    return min(buckets - 1, int(x * buckets))


def builtin_config(**overrides) -> MotionGPTConfig:
    """The shipped model's shape (about 5.2 M parameters, 21 MB float32)."""
    return MotionGPTConfig(**overrides)


def tiny_config(**overrides) -> MotionGPTConfig:
    """A model for tests: seconds to build, train a few steps and sample."""
    settings = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                    max_position_embeddings=2048, train_length=512, style_slots=4)
    return MotionGPTConfig(**{**settings, **overrides})


PRESETS = {"builtin": builtin_config, "tiny": tiny_config}
