"""The shared CMU motion capture: where it is, what each trial is, and the archives unpacked once.

The data is never copied into the repository; it lives in ``../shared/mocap`` beside the checkout (or where
``MOTIONGPT_MOCAP`` points). Two archives hold most trials; ``unpacked`` extracts them once into a cache folder.
"""

from __future__ import annotations

import csv
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

# The checkout: where this file lies when run from source or installed editable; an installed copy has no
# datasets/ beside it, and is run from the checkout (the README's commands), so the working folder is taken then.
REPO = Path(__file__).resolve().parents[1]
if not (REPO / "datasets").is_dir():
    REPO = Path.cwd()


def mocap_root() -> Path:
    """The shared ``mocap`` folder: ``$MOTIONGPT_MOCAP`` or ``../shared/mocap`` beside the checkout."""
    return Path(os.environ.get("MOTIONGPT_MOCAP", REPO.parent / "shared" / "mocap"))


@dataclass(frozen=True)
class Trial:
    name: str
    subject: str
    description: str
    path: Path
    skeleton: str
    partner: str
    fps: float  # the real frame rate: CMU's listing, which corrects the BVH header for the salsa takes

    @property
    def is_dance(self) -> bool:
        return self.description.startswith("dance") or self.subject in ("60", "61")


def cmu_trials(cache: Path | None = None) -> list[Trial]:
    """Every trial of the shared CMU manifest, with a path to a readable BVH file (archives are unpacked into
    ``cache``, default ``~/.cache/motiongpt/cmu``, the first time)."""
    root = mocap_root() / "cmu"
    manifest = root / "manifest.csv"
    if not manifest.exists():
        raise FileNotFoundError(f"no CMU manifest at {manifest} (set MOTIONGPT_MOCAP to the shared mocap folder)")
    cache = Path(cache or os.environ.get("MOTIONGPT_CACHE", Path.home() / ".cache" / "motiongpt")) / "cmu"
    trials = []
    with open(manifest, newline="") as f:
        for row in csv.DictReader(f):
            location = row["location"]
            if ":" in location:
                archive, member = location.split(":", 1)
                path = _unpacked(root / archive, cache) / member
            else:
                path = root / location
            trials.append(Trial(row["trial"], row["subject"], row["description"], path, row["skeleton"],
                                row["partner"], float(row["cmu_listed_fps"])))
    return trials


def _unpacked(archive: Path, cache: Path) -> Path:
    """Extract ``archive`` under ``cache/<archive stem>`` once; a marker file says the extraction finished."""
    dest = cache / archive.name.split(".")[0]
    done = dest / ".complete"
    if not done.exists():
        dest.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            tar.extractall(dest, filter="data")
        done.touch()
    return dest
