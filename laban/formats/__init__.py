"""Score files: native JSON (``json``), the hand-editable text form (``text``) and Microsoft LabanEditor JSON
(``labaneditor``), all views of one ``Score``.

The format is ``format`` when given, else the file name's: ``.laban`` or ``.txt`` is the text form,
``.labaneditor.json`` is LabanEditor JSON and ``.json`` is native JSON; a ``.json`` file being read is
recognised by its content (native JSON has ``"version"``, LabanEditor's is ``{"<name>": {"Position0": ...}}``).

Writes are atomic: the text goes to a temporary file beside the target, which then replaces it, so a failure
never leaves a half-written score. Every problem with a file (missing, empty, malformed, failing validation)
raises ``ScoreFileError`` with one line naming the file, the place in it and what was wrong.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

from ..errors import ScoreFileError, UnnamedFormatError
from ..files import atomic_path
from ..score import Score
from . import json, labaneditor, text

FORMATS = ("json", "text", "labaneditor")


def save_score(score: Score, path: str | Path, format: str | None = None) -> None:
    """Write ``score`` to ``path`` atomically in the format asked for or implied by the name."""
    path = Path(path)
    chosen = _format(path, format) or "json"
    content = {"json": json.dumps, "text": text.dumps, "labaneditor": labaneditor.dumps}[chosen](score)
    _write_atomic(path, content)


def load_score(path: str | Path, format: str | None = None, **labaneditor_options: Any) -> Score:
    """Read a score. ``labaneditor_options`` (tempo, beats_per_bar, subdivision) go to the LabanEditor
    reader, which has to invent the beat grid that LabanEditor JSON lacks."""
    path = Path(path)
    chosen = _format(path, format)
    content = _read(path)
    source = str(path)
    data = None if chosen == "text" else json.parse_json(content, source)
    if chosen is None:
        chosen = _sniff(data, source)
    if labaneditor_options and chosen != "labaneditor":
        raise TypeError(f"{', '.join(labaneditor_options)}: options for LabanEditor JSON, not for {chosen}")
    if chosen == "text":
        return text.loads(content, source)
    if chosen == "json":
        return json.from_data(data, source)
    return labaneditor.from_data(data, source, **labaneditor_options)


def _sniff(data: Any, source: str) -> str:
    if labaneditor.is_labaneditor(data):  # first: a one-key object can never be a valid native score
        return "labaneditor"
    if isinstance(data, dict) and ("version" in data or "format" in data):
        return "json"
    raise ScoreFileError(f"{source}: (top level): neither a motiongpt score (it has no \"version\") nor "
                         "LabanEditor JSON ({\"<name>\": {\"Position0\": ...}})")


def _format(path: Path, format: str | None) -> str | None:
    """The format asked for or implied by the suffix; ``None`` for a ``.json`` file to be sniffed on reading."""
    if format is not None:
        if format not in FORMATS:
            raise ScoreFileError(f"{path}: unknown score format {format!r} (known: {', '.join(FORMATS)})")
        return format
    name = path.name.lower()
    if name.endswith((".laban", ".txt")):
        return "text"
    if name.endswith(".labaneditor.json"):
        return "labaneditor"
    if name.endswith(".json"):
        return None
    raise UnnamedFormatError(f"{path}: cannot tell the score format from the name; use .json, .laban, .txt or "
                             ".labaneditor.json", FORMATS)


def _read(path: Path) -> str:
    try:
        raw = path.read_bytes()
        # A byte-order mark from Windows tools is tolerated: UTF-8's (Notepad), and UTF-16's (Notepad's "Unicode"),
        # which no UTF-8 text can start with, so that a score saved so is read as the person wrote it.
        encoding = "utf-16" if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
        content = raw.decode(encoding)
    except OSError as e:
        raise ScoreFileError(f"{path}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise ScoreFileError(f"{path}: not {e.encoding.upper()} text (bad byte at offset {e.start})") from None
    if not content.strip():
        raise ScoreFileError(f"{path}: empty file")
    return content


def _write_atomic(path: Path, content: str) -> None:
    try:
        with atomic_path(path) as temporary:
            temporary.write_bytes(content.encode("utf-8"))
    except OSError as e:
        raise ScoreFileError(f"{path}: cannot write: {e.strerror or e}") from None
