"""One error family for everything the notation layer refuses.

Every error a user can cause with a file or an argument is a ``LabanError``: the command line prints its
message on one line and exits with status 2, so a message must name the file, the line and what was wrong.
"""

from __future__ import annotations


class LabanError(ValueError):
    """Base of every user-facing error in ``laban``."""


class MotionFileError(LabanError):
    """A motion file (BVH, Kinect CSV, npz) that cannot be read.

    ``line`` is the 1-based line the reader failed on, or ``None`` when the problem is not on one line.
    """

    def __init__(self, path: object, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class SkeletonError(LabanError):
    """A skeleton whose body parts cannot be recognised (the message lists what is missing)."""


class ScoreFileError(LabanError):
    """A score file (JSON, text form, LabanEditor JSON) that is malformed or fails validation."""


class UnnamedFormatError(ScoreFileError):
    """A score file whose name does not tell its format. The message ends by offering ``Score.load``'s ``format``
    argument; ``by_name`` is the message without that offer, for a caller that has no format to give (the command
    line reads a score by its suffix alone, so "name the format" there was advice no user could follow)."""

    def __init__(self, by_name: str, formats: tuple[str, ...]) -> None:
        self.by_name, self.formats = by_name, tuple(formats)
        super().__init__(f"{by_name}, or name the format ({', '.join(self.formats)})")

    def __reduce__(self):  # (pickled across processes: rebuilt from its parts, not from the message)
        return type(self), (self.by_name, self.formats)


class MusicError(LabanError):
    """A music or beat file that gives no usable beat grid."""


def naming(path: object, error: LabanError) -> LabanError:
    """``error`` with ``path`` in front of its message where the message does not name it yet (a skeleton or a
    motion refused after its file was read, where only the reader knows the file), of the same kind."""
    if str(path) in str(error):
        return error
    try:
        return type(error)(f"{path}: {error}")
    except TypeError:  # a kind whose constructor takes more than a message
        return LabanError(f"{path}: {error}")
