"""Files a record names by path (a dance's prompt and lineage, a corpus's index: music, captures, models, style
adapters), and finding them again where they are now, after the folder that records them was moved with them (to
another machine, unzipped elsewhere)."""

from __future__ import annotations

from pathlib import Path


def recorded_path(path: str | Path | None) -> str | None:
    """How a prompt and a lineage name a file or a folder (music, a capture, a model or a style adapter folder): a
    work of music21's corpus by its name, anything else by its whole path (given relative to where a command ran,
    it was looked up from where the dance was later edited, continued or made again, and a ``Path`` could not be
    written to prompt.json)."""
    if path is None or str(path).startswith("corpus:"):
        return path
    return str(Path(path).resolve())


def file_digest(path: str | Path | None) -> str | None:
    """The first 16 hex digits of a file's SHA-256: how a record tells the file it was made from (music, a capture,
    weights) from another put at its path since (the music exported again, the weights retrained); None for what
    is no file (a work of music21's corpus, by its name; nothing)."""
    if path is None or str(path).startswith("corpus:") or not Path(path).is_file():
        return None
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


# What a lineage names a model by that is no path: the shipped models (``models.load_model``, a streamed duet's)
NAMED_MODELS = ("builtin", "follower")


def found_again(recorded: str | None, dance: str | Path | None, holding: str | None = None) -> str | None:
    """A file (``holding`` None) or a folder that holds the file ``holding`` (a model's weights, an adapter's), as a
    prompt or a lineage names it (``recorded_path``), found where it is now: one no longer at its recorded path,
    moved with the folder of the dance (its folder ``dance``: a studio folder, or its history zip, unpacked
    elsewhere; a folder of dances moved with its music, model, adapters and captures), is looked for under the
    dance's own folder tree, as the most of its recorded path's last parts (``adapters/salsa`` before ``salsa``)
    under the nearest folder above the dance; else it is named as recorded (and its reader says it is missing). A
    corpus work and a shipped model (``NAMED_MODELS``) are names, kept as they are."""
    if (not recorded or recorded.startswith("corpus:") or recorded in NAMED_MODELS or dance is None
            or Path(recorded).exists()):
        return recorded
    parts = Path(recorded).parts[1:] if Path(recorded).is_absolute() else Path(recorded).parts
    above = [Path(dance).resolve(), *Path(dance).resolve().parents]
    for first in range(len(parts)):
        for folder in above:
            candidate = folder.joinpath(*parts[first:])
            if (candidate / holding).is_file() if holding else candidate.is_file():
                return str(candidate)
    return recorded
