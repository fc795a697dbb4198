"""Files written all or nothing: every writer in the package goes through ``atomic_path``."""

from __future__ import annotations

import errno
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A fresh path beside ``path`` (with its suffix, for writers that choose the format by it) that replaces
    ``path`` only when the block succeeds; on any failure it is removed and ``path`` is left as it was. The writer
    creates the file, so the umask sets its permissions as for any new file."""
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(path.parent))
    temporary = path.with_name(f".{path.stem}.{secrets.token_hex(8)}.part{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def readable_as_folder(folder: Path) -> None:
    """The files in ``folder`` as readable as the folder itself, made as the umask allows: safetensors (and so
    peft, and transformers' save_pretrained) writes weights for their owner alone (0600), and a model or a style
    trained on a shared machine could be loaded by no one else."""
    mode = Path(folder).stat().st_mode & 0o666
    for file in Path(folder).iterdir():
        if file.is_file():
            file.chmod(mode)


# What a temporary beside its final path is called: ``.NAME.HEX.part[.suffix]`` (``atomic_path``, and the dance
# folders of ``motiongpt.cocreate``), so that a message about it can name the path the person asked for.
_TEMPORARY = re.compile(r"\.(?P<stem>.+)\.[0-9a-f]{12,16}\.part(?P<suffix>(\.[^.]*)?)")


def asked_for(path: str | Path) -> Path:
    """The path that a temporary ``path``, or a file in a temporary folder, was made for (a refused write names
    it, not ``.g.3f09….part``); any other path as it is."""
    parts = []
    for part in Path(path).parts:
        found = _TEMPORARY.fullmatch(part)
        parts.append(found["stem"] + found["suffix"] if found else part)
    return Path(*parts)
