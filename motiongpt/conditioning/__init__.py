"""What the model is conditioned on, beside the words: the music's beat grid and per-beat features
(``music``), and per-bar controls that music and dance both yield, so that a model trained on dances without
music can follow music at generation time (``controls``; ``docs/conditioning.md`` says why and how)."""

from .controls import BarControls, LEVELS, controls_from_music, controls_from_score
from .music import (FEATURES, MusicFeatures, metrical_strength, music_features, music_notes, paired_music,
                    resolve_music)

__all__ = ["FEATURES", "LEVELS", "BarControls", "MusicFeatures", "controls_from_music", "controls_from_score",
           "metrical_strength", "music_features", "music_notes", "paired_music", "resolve_music"]
