"""A manifest: a CSV that says, per motion file of a corpus, what its sidecars would — its style, description,
split, real frame rate and music. One reader for ``motiongpt tokenize --manifest`` (frame rates) and ``motiongpt
corpus build`` (everything); the shared ``../shared/mocap/cmu/manifest.csv`` is one as it is.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from laban.errors import LabanError
from laban.limits import FRAME_RATES

from .split import SPLITS

class ManifestError(LabanError):
    """A manifest that cannot be read: no file column, a bad split or frame rate, a missing motion or music file."""


def read_manifest(path: Path) -> dict[str, dict]:
    """{resolved file path or name: {style, description, split, fps, music}} from a manifest CSV. Columns: ``file``
    (or ``path``: from the CSV's folder; or ``trial`` / ``name``: a file's stem) and any of ``style``,
    ``description``, ``split``, ``fps`` (or ``frame_rate`` / ``cmu_listed_fps``), ``music`` (from the CSV's
    folder). Bad values, and a file or music that is not there, are one line naming the row."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            fields = [name.strip().lower() for name in (reader.fieldnames or [])]
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ManifestError(f"{path}: cannot read the manifest ({error})") from None
    key = next((name for name in ("file", "path", "trial", "name") if name in fields), None)
    rate = next((name for name in ("fps", "frame_rate", "cmu_listed_fps") if name in fields), None)
    if key is None:
        raise ManifestError(f"{path}: a manifest needs a 'file' (or 'trial') column "
                          f"(it has {', '.join(fields) or 'none'})")
    found = {}
    for number, row in enumerate(rows, 2):
        row = {(name or "").strip().lower(): (value or "").strip() for name, value in row.items()
               if isinstance(value, str)}
        if not row.get(key):
            continue
        entry = {"description": " ".join(row.get("description", "").split()), "style": row.get("style", ""),
                 "split": row.get("split", "").lower()}
        if entry["split"] and entry["split"] not in SPLITS:
            raise ManifestError(f"{path}:{number}: split '{entry['split']}' is not one of {', '.join(SPLITS)}")
        if rate and row.get(rate):
            try:
                entry["fps"] = float(row[rate])
            except ValueError:
                entry["fps"] = math.nan
            if not FRAME_RATES[0] <= entry["fps"] <= FRAME_RATES[1]:  # nan too
                raise ManifestError(f"{path}:{number}: a frame rate is from {FRAME_RATES[0]:g} to {FRAME_RATES[1]:g} "
                                    f"frames per second, not '{row[rate]}'")
        if row.get("music"):
            entry["music"] = str((path.parent / row["music"]).resolve())
            if not Path(entry["music"]).is_file():
                raise ManifestError(f"{path}:{number}: {entry['music']}: no such music file")
        name = row[key]
        where = str((path.parent / name).resolve()) if key in ("file", "path") else name
        if key in ("file", "path") and not Path(where).is_file():  # a row mistyped, or a take moved: what the row
            # said (a held-out split, the real frame rate) was dropped, and its take went into training
            raise ManifestError(f"{path}:{number}: {where}: no such file (a {key} is a path from the manifest's "
                                "folder)")
        if where in found and found[where] != entry:  # which row holds would depend on the order: refused
            raise ManifestError(f"{path}:{number}: {name} again, saying otherwise than its first row "
                                f"({_differ(found[where], entry)})")
        found[where] = entry
    return found


def _differ(first: dict, again: dict) -> str:
    """The fields two rows of one file disagree on, as 'fps 120 vs 60'."""
    return ", ".join(f"{k} {first.get(k, '')!s} vs {again.get(k, '')!s}" for k in sorted(set(first) | set(again))
                     if first.get(k) != again.get(k))
