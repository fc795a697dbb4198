"""The shared CMU motion capture: where it is, what each trial is, and the archives unpacked once.

The data is never copied into the repository or the package. It is found at ``$MOTIONGPT_MOCAP``, else at
``shared/mocap`` beside the checkout this code runs from, else beside the working folder or one of its parents
(an installed copy run from inside a checkout). Two archives hold most trials; they are extracted once into a
cache folder (``$MOTIONGPT_CACHE``, default ``~/.cache/motiongpt``).
"""

from __future__ import annotations

import csv
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

# The repository, when this code runs from it (or is installed editable); None for an installed copy.
CHECKOUT = Path(__file__).resolve().parents[2]
CHECKOUT = CHECKOUT if (CHECKOUT / "pyproject.toml").is_file() else None


def mocap_root() -> Path:
    """The shared ``mocap`` folder: ``$MOTIONGPT_MOCAP``, else the first ``shared/mocap`` beside the checkout or
    in the working folder or a parent of it; when none exists, where it would be beside the checkout (or the
    working folder), for the error to name."""
    if os.environ.get("MOTIONGPT_MOCAP"):
        return Path(os.environ["MOTIONGPT_MOCAP"])
    cwd = Path.cwd().resolve()
    for folder in ([CHECKOUT.parent] if CHECKOUT else []) + [cwd, *cwd.parents]:
        if (folder / "shared" / "mocap").is_dir():
            return folder / "shared" / "mocap"
    return (CHECKOUT or cwd).parent / "shared" / "mocap"


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
    if not manifest.is_file():
        where = (f"MOTIONGPT_MOCAP={os.environ['MOTIONGPT_MOCAP']} has no cmu/manifest.csv"
                 if os.environ.get("MOTIONGPT_MOCAP") else "looked for shared/mocap beside the checkout and in the "
                 "working folder and its parents")
        raise FileNotFoundError(f"no shared CMU motion capture found ({where}): set MOTIONGPT_MOCAP to the folder "
                                "that holds cmu/manifest.csv")
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
