"""Beat alignment between music and dance: the two incompatible published variants, each under its own name.

- ``'aist++'`` (AIST++/FACT original): motion beats are the strict local minima of the summed joint speed
  Σ_j ‖p[t,j] − p[t−1,j]‖ within ±10 frames at 60 fps; the score is the mean over **motion** beats of
  exp(−d²/2σ²), d the distance in frames to the nearest music beat, σ = 3 frames.
- ``'bailando'``: the speed averaged over joints and Gaussian-smoothed (σ = 5 frames), minima with a neighbourhood
  of 1; the score is the mean over **music** beats of exp(−d²/18), d the distance to the nearest motion beat.

Frame counts are the protocol's at 60 fps and scale with other rates. Music beats come from a ``laban.BeatGrid``
(exact from a MIDI/MusicXML score with ``laban.beats_from_music``, or a beats file), or from audio by the
published recipe (``audio_beat_frames``: librosa's beat tracker on the onset strength, the audio resampled so that
one hop is one motion frame; librosa is an optional dependency). librosa's beats are an estimate, tens of
milliseconds off and sometimes at double or half the tempo (docs/evaluation.md measures it): prefer the score.
A score far above real dances' means over-synchronised, not better: read it beside FID.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d

from laban import BeatGrid, Trajectories
from laban.timing import track_beats

from .features import landmarks

VARIANTS = ("aist++", "bailando")


def music_beat_frames(grid: BeatGrid, fps: float, frame_count: int) -> np.ndarray:
    """Frame indices (nearest frame) of the grid's beats that fall inside a clip of ``frame_count`` frames."""
    frames = np.round(np.asarray(grid.times) * fps).astype(np.int64)
    return np.unique(frames[(frames >= 0) & (frames < frame_count)])


AUDIO_HOP = 512  # samples per onset-strength frame, as AIST++ and Bailando (audio at 60 × 512 = 30,720 Hz)


def audio_beat_frames(path: str | Path, fps: float, frame_count: int | None = None) -> np.ndarray:
    """Music beats of a recording as motion frame indices at ``fps``: the librosa variant of the metric's music
    beats (AIST++/Bailando: audio resampled to ``fps × 512`` Hz so that one 512-sample hop is one motion frame,
    onset strength, ``librosa.beat.beat_track`` with its default start tempo and tightness; AIST++ starts from the
    tempo in its music names, which a plain file does not have). Frames past ``frame_count`` are dropped.
    Raises ``laban.MusicError`` when librosa is missing or the audio unreadable, silent or beatless."""
    if not fps > 0:
        raise ValueError(f"frame rate must be positive, not {fps}")
    frames = track_beats(path, rate=round(fps * AUDIO_HOP), hop=AUDIO_HOP)
    return frames if frame_count is None else frames[frames < frame_count]


def motion_beat_frames(traj: Trajectories, variant: str = "aist++") -> np.ndarray:
    """Kinematic beats (frame indices) of a motion, by the variant's rule (see the module docstring).

    'aist++' indexes speed by the later frame of each difference (speed[0] = 0), 'bailando' by the earlier,
    as each reference does."""
    p = landmarks(traj)
    step = np.linalg.norm(np.diff(p, axis=0), axis=2)  # (T-1, J) per-frame displacement
    scale = traj.fps / 60.0
    if variant == "aist++":
        envelope = np.concatenate([[0.0], step.sum(axis=1)])
        return strict_minima(envelope, max(int(round(10 * scale)), 1))
    if variant == "bailando":
        envelope = gaussian_filter1d(step.mean(axis=1), 5.0 * scale, mode="reflect")
        return strict_minima(envelope, 1)
    raise ValueError(f"unknown beat alignment variant {variant!r} (known: {', '.join(VARIANTS)})")


def beat_alignment(traj: Trajectories, music: BeatGrid | np.ndarray, variant: str = "aist++") -> float:
    """Beat alignment score of a motion against music beats (a BeatGrid, or frame indices at ``traj.fps`` such as
    ``audio_beat_frames`` gives).

    Returns 0 when there is nothing to align (no motion beat for 'aist++', no music beat or no motion beat for
    'bailando'), as the reference code does for a still body."""
    n = traj.frame_count if variant == "aist++" else traj.frame_count - 1  # bailando's speed has T-1 frames
    beats = music_beat_frames(music, traj.fps, n) if isinstance(music, BeatGrid) else np.asarray(music, np.int64)
    motion = motion_beat_frames(traj, variant)
    if variant == "aist++":
        if not len(motion) or not len(beats):
            return 0.0
        d = _nearest_distance(motion, beats)
        return float(np.exp(-d**2 / (2 * (3.0 * traj.fps / 60.0) ** 2)).mean())
    if not len(motion) or not len(beats):
        return 0.0
    d = _nearest_distance(beats, motion)
    return float(np.exp(-d**2 / (2 * 9.0 * (traj.fps / 60.0) ** 2)).mean())


def chance_alignment(music: BeatGrid, fps: float, frame_count: int) -> float:
    """The 'aist++' score of motion beats falling anywhere at random: the mean of exp(−d²/2σ²) over every frame of
    the clip, d its distance to the nearest music beat. It depends on the tempo alone (about 0.21 at 100 bpm, 0.25
    at 120, 0.31 at 150 at 60 fps), so a score is read against the chance at its own tempo: a dance at 100 bpm
    and a capture on its own pulse at 150 are not on one scale."""
    beats = music_beat_frames(music, fps, frame_count)
    if not len(beats):
        return 0.0
    d = _nearest_distance(np.arange(beats[0], beats[-1] + 1), beats)  # between the first and last beat
    return float(np.exp(-d**2 / (2 * (3.0 * fps / 60.0) ** 2)).mean())


def strict_minima(values: np.ndarray, order: int) -> np.ndarray:
    """Indices of values strictly lower than every other within ``order`` on either side, neighbours past the
    ends clipped to the end value (``scipy.signal.argrelextrema(values, np.less, order=order)``, which the
    references use: the first and last frames are never minima, frames near the ends can be)."""
    padded = np.pad(np.asarray(values, float), order, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * order + 1)
    centre = windows[:, order]
    others = np.minimum(windows[:, :order].min(axis=1), windows[:, order + 1:].min(axis=1))
    return np.flatnonzero(centre < others)


def _nearest_distance(points: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Distance from each point to the nearest target (targets sorted), vectorised with searchsorted."""
    targets = np.sort(targets)
    right = np.clip(np.searchsorted(targets, points), 0, len(targets) - 1)
    left = np.clip(right - 1, 0, len(targets) - 1)
    return np.minimum(np.abs(points - targets[left]), np.abs(points - targets[right])).astype(float)
