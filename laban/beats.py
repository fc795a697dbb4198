"""Where beats come from: the one door to a beat grid, for the command line, the tokenizer, evaluation,
rendering and generation alike.

A dance's time is the music's when there is music (a MIDI / MusicXML score, exact; a recording, estimated), a
beats file's when one is given, a steady tempo's when one is named, and otherwise the motion's own pulse: the
body slows on the beat, and dancers step on it, so the pulse's octave is set by the steps.
``laban.timing`` holds the grid type and the readers; this module only decides which one speaks.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .analysis import Analysis, analyse
from .errors import MusicError
from .limits import MAX_BEATS_PER_BAR, MAX_TEMPO, MIN_TEMPO
from .motion import Motion, Trajectories
from .skeleton import BodyPart
from .smoothing import gaussian_filter1d
from .timing import BeatGrid, beats_from_music, pulse_grid, read_beats

REGULAR_STEPS = 0.75  # steps are regular when the spread (IQR) of their intervals is at most this part of the median

# A frame rate that cannot be right (a header saying 120 fps for a 60 fps capture, as the CMU salsa takes do) shows
# as stepping no dancer does: sustained (STEADY_STEPPING strides or more), each foot landing again within
# FAST_STRIDE seconds (over 185 steps a minute), with the feet at a jog's speed (95th percentile of their
# horizontal speed over RUNNING_FEET). Shared data (bench/frame_rate_figures.py): salsa read at the header's 120
# fps strides every 0.43-0.60 s with feet at 3.2-5.0 m/s; every trial read at its true rate either strides every
# 0.77 s or more, makes fewer than 20 strides, or moves its feet at 1.1 m/s at most (tiptoe and jumps, 0.58-0.60 s).
FAST_STRIDE = 0.65
STEADY_STEPPING = 20
RUNNING_FEET = 2.5


def beat_grid(*, music: str | Path | None = None, beats: str | Path | None = None, bpm: float | None = None,
              motion: Motion | Trajectories | Analysis | None = None, seconds: float | None = None,
              meter: int | None = None) -> BeatGrid:
    """The beat grid of a dance, from the first source given: ``music`` (a MIDI/MusicXML file, or audio through
    librosa), a ``beats`` file, a steady ``bpm`` (covering ``seconds``, or the motion's length), or the
    ``motion``'s own pulse. ``meter`` is the beats per bar (default: the music's or the beats file's, else 4).

    At most one of ``music``, ``beats`` and ``bpm`` may be given; bad values raise ``MusicError`` in one line.
    """
    if isinstance(motion, Analysis):
        warn_if_rate_implausible(motion)
    given = [name for name, value in (("music", music), ("beats", beats), ("bpm", bpm)) if value is not None]
    if len(given) > 1:
        raise MusicError(f"give one source of beats, not {' and '.join(given)}")
    if meter is not None and not (isinstance(meter, (int, np.integer)) and 1 <= meter <= MAX_BEATS_PER_BAR):
        raise MusicError(f"a bar has from 1 to {MAX_BEATS_PER_BAR} beats, not {meter!r}")
    if music is not None:
        return beats_from_music(music, beats_per_bar=meter)
    if beats is not None:
        return read_beats(beats, beats_per_bar=meter)  # else the meter the file counts, else 4
    if bpm is not None:
        if not (isinstance(bpm, (int, float, np.number)) and MIN_TEMPO <= bpm <= MAX_TEMPO):  # NaN too
            raise MusicError(f"tempo must be from {MIN_TEMPO:g} to {MAX_TEMPO:g} beats per minute, not {bpm!r}")
        if seconds is None:
            if motion is None:
                raise MusicError("a steady tempo needs a length: seconds or a motion")
            seconds = _trajectories(motion).duration
        if not (np.isfinite(seconds) and seconds >= 0):
            raise MusicError(f"a length in seconds must be a non-negative number, not {seconds!r}")
        return BeatGrid.uniform(float(bpm), float(seconds), meter or 4)
    if motion is not None:
        if not isinstance(motion, Analysis):
            motion = analyse(motion)
            warn_if_rate_implausible(motion)
        return motion_pulse(motion, meter or 4)
    raise MusicError("no source of beats: give music, a beats file, a tempo or a motion")


def motion_pulse(analysis: Analysis, beats_per_bar: int = 4) -> BeatGrid:
    """The motion's own pulse. Its octave is ambiguous (a body swaying on every other beat); dancers step on the
    beat, so with enough regular steps the tempo is halved or doubled to put the typical step one beat apart."""
    traj = analysis.trajectories
    grid = pulse_grid(traj.positions, traj.fps, beats_per_bar)
    phases = analysis.supports
    landings = np.flatnonzero((phases[1:] != phases[:-1]) & (phases[1:] != "F")) + 1
    intervals = np.diff(landings) / traj.fps
    if len(intervals) < 7:
        return grid
    first, step, third = np.percentile(intervals, [25, 50, 75])
    if third - first > REGULAR_STEPS * step:  # steps too irregular to say where the beat is
        return grid
    octave = np.clip(np.round(np.log2(60.0 / grid.tempo / step)), -1, 1)
    if octave == 0:
        return grid
    return BeatGrid.uniform(grid.tempo * 2.0 ** octave, traj.duration, beats_per_bar, offset=grid.times[0])


def _trajectories(motion: Motion | Trajectories | Analysis) -> Trajectories:
    if isinstance(motion, Analysis):
        return motion.trajectories
    return motion.trajectories() if isinstance(motion, Motion) else motion


def stepping(analysis: Analysis) -> tuple[int, float, float]:
    """How the feet step: the number of strides (intervals between two landings of the same foot, both feet), their
    median in seconds (NaN with fewer than four), and the 95th percentile of the feet's horizontal speed in m/s."""
    traj = analysis.trajectories
    contacts = analysis.contacts
    strides = np.concatenate([np.diff(np.flatnonzero(c[1:] & ~c[:-1])) for c in contacts.T]) / traj.fps
    stride = float(np.median(strides)) if len(strides) >= 4 else float("nan")
    parts = traj.skeleton.parts
    feet = traj.positions[:, [parts[BodyPart.FOOT_LEFT], parts[BodyPart.FOOT_RIGHT]]][..., ::2]
    speed = np.linalg.norm(np.gradient(feet, axis=0), axis=-1) * traj.fps
    speed = gaussian_filter1d(speed, 0.05 * traj.fps, axis=0)
    return len(strides), stride, float(np.percentile(speed, 95))


def rate_implausible(analysis: Analysis) -> str | None:
    """One line saying why the motion's frame rate cannot be right, or None when the motion is plausible."""
    strides, stride, feet = stepping(analysis)
    if strides >= STEADY_STEPPING and stride < FAST_STRIDE and feet > RUNNING_FEET:
        return (f"the motion steps {120 / stride:.0f} times a minute with the feet at {feet:.1f} m/s, faster "
                f"than people dance: is the file's frame rate right? If the capture was slower, give its real "
                f"rate with --fps (at half the rate: {60 / stride:.0f} steps a minute)")
    return None


def warn_if_rate_implausible(analysis: Analysis) -> None:
    """``rate_implausible``'s line as a warning (the command line prints it as ``motiongpt: warning: ...``)."""
    message = rate_implausible(analysis)
    if message:
        warnings.warn(message, stacklevel=3)
