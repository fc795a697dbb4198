"""Files written all or nothing: every writer in the package goes through ``atomic_path``."""

from __future__ import annotations

import errno
import os
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
