"""laban — Labanotation: motion capture to score (tokenize), and the score's own types.

    >>> import laban
    >>> motion = laban.read_bvh("05_02.bvh")
    >>> score = laban.tokenize(motion, bpm=110)
    >>> score.save("05_02.laban")
"""

from .analysis import analyse
from .arrays import read_joint_arrays, write_joint_arrays
from .beats import beat_grid
from .bodyparts import recognise, recognised
from .bvh import read_bvh, write_bvh
from .compare import cell_agreement
from .decoder import DecodeError, decode
from .errors import LabanError, MotionFileError, MusicError, ScoreFileError, SkeletonError
from .figure import default_skeleton
from .io import read_motion
from .kinect import read_kinect_csv
from .motion import Motion, Trajectories
from .score import Column, Direction, Level, Score, Sign, Symbol
from .skeleton import BodyPart, Skeleton
from .timing import BeatGrid, beats_from_audio, beats_from_music, pulse_grid, read_beats
from .tokenizer import tokenize

__all__ = [
    "BeatGrid", "BodyPart", "Column", "DecodeError", "Direction", "LabanError", "Level", "Motion", "MotionFileError",
    "MusicError", "Score", "ScoreFileError", "Sign", "Skeleton", "SkeletonError", "Symbol", "Trajectories",
    "analyse", "beat_grid", "beats_from_audio", "beats_from_music", "cell_agreement", "decode", "default_skeleton", "pulse_grid", "read_beats", "read_bvh", "read_joint_arrays",
    "read_kinect_csv", "read_motion", "recognise", "recognised", "tokenize", "write_bvh",
    "write_joint_arrays",
]
