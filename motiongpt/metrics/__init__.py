"""The field's metrics for generated dance, on any skeleton (numpy/scipy, vectorised over frames).

- ``features``: 21 landmarks at 60 fps; kinetic (63) and geometric (32) features, reference quirks optional.
- ``fid``: FID with ground-truth normalisation, diversity.
- ``beats``: beat alignment, variants 'aist++' and 'bailando'; music beats from a grid or from audio (librosa).
- ``physical``: PFC, foot skating ('contact', 'toe-speed'), penetration, float, jitter, bone-length drift.
- ``notation``: per-column direction/level accuracy, support/flight F1, timing error, tokens per minute.

Definitions and published numbers: ``../shared/docs/metrics.md``; the protocol: ``docs/evaluation.md``.
"""

from .beats import audio_beat_frames, beat_alignment, chance_alignment, motion_beat_frames, music_beat_frames
from .features import (GEOMETRIC_NAMES, LANDMARKS, PROTOCOL_FPS, geometric_features, kinetic_features,
                       landmark_trajectories, landmarks)
from .fid import diversity, fid, normalise
from .notation import agreement, round_trip, symbols_per_minute, tokens_per_minute
from .physical import bone_drift, floating, foot_skating, jitter, penetration, pfc

__all__ = [
    "GEOMETRIC_NAMES", "LANDMARKS", "PROTOCOL_FPS", "agreement", "audio_beat_frames", "beat_alignment",
    "bone_drift", "chance_alignment", "diversity", "fid", "floating", "foot_skating", "geometric_features",
    "jitter", "kinetic_features", "landmark_trajectories", "landmarks", "motion_beat_frames", "music_beat_frames",
    "normalise", "penetration", "pfc", "round_trip", "symbols_per_minute", "tokens_per_minute",
]
