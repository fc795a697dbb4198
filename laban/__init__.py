"""laban — Labanotation: motion capture to score (tokenize), and the score's own types.

    >>> import laban
    >>> motion = laban.read_bvh("05_02.bvh")
    >>> score = laban.tokenize(motion, bpm=110)
    >>> score.save("05_02.laban")

Names are imported from their modules on first use (PEP 562), so ``import laban`` costs nothing until a name is
asked for: a command that only reads a score never loads scipy.signal or the decoder. ``from laban import X``,
``laban.X``, ``dir(laban)`` and ``__all__`` work as with plain imports. To export a name, add it to its module's
line in ``EXPORTS``.
"""

from __future__ import annotations


from .errors import LabanError, MotionFileError, MusicError, ScoreFileError, SkeletonError  # noqa: F401
from .lazy import exports

# module (inside laban) -> the names ``laban`` exports from it
EXPORTS: dict[str, tuple[str, ...]] = {
    "analysis": ("analyse",),
    "arrays": ("read_joint_arrays", "write_joint_arrays"),
    "azure": ("read_azure_json",),
    "beats": ("beat_grid",),
    "bodyparts": ("recognise", "recognised"),
    "bvh": ("read_bvh", "read_skeleton", "write_bvh"),
    "compare": ("cell_agreement",),
    "decoder": ("DecodeError", "decode"),
    "description": ("describe", "phrase_facts", "facts_from_text", "words_followed"),
    "errors": ("LabanError", "MotionFileError", "MusicError", "ScoreFileError", "SkeletonError"),
    "figure": ("default_skeleton",),
    "io": ("read_motion",),
    "kinect": ("read_kinect_csv",),
    "motion": ("Motion", "Trajectories"),
    "score": ("Column", "Direction", "Level", "Score", "Sign", "Symbol"),
    "skeleton": ("BodyPart", "Skeleton"),
    "timing": ("BeatGrid", "beats_from_audio", "beats_from_music", "pulse_grid", "read_beats"),
    "tokenizer": ("tokenize",),
}

__all__, __getattr__, __dir__ = exports(__name__, globals(), EXPORTS)
