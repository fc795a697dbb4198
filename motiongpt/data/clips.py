"""Clips to measure: a motion with what came with it (its music's beats, the score it was made from, the words
it was made from), loaded from a split of the shared CMU data or from a folder of files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

import laban
from laban import BeatGrid, LabanError, Motion, Score, Trajectories
from laban.io import MOTION_SUFFIXES, is_motion_file
from laban.timing import MUSIC_SUFFIXES

from .cmu import cmu_trials
from .split import SPLIT_FILE, SPLITS, read_cmu_split

# The cgspeed Daz conversions (salsa, subjects 10-14, 135) swing out of their T-pose over the 3-4 frames after the
# one read_bvh drops, at 15-37 m/s: not motion. Ground truth starts after them.
DAZ_BLEND_SECONDS = 0.05
BEATS_SUFFIXES = (".beats", ".beats.txt")
SCORE_SUFFIXES = (".laban", ".score.json")
MANIFEST = "manifest.csv"  # what a corpus folder says of its takes (``motiongpt.data.corpus``), not a take


@dataclass
class Clip:
    """A motion to measure, with what came with it: music beats (``grid``) and the score it was made from."""

    name: str
    motion: Motion | Trajectories
    grid: BeatGrid | None = None
    score: Score | None = None
    category: str = ""
    text: str = ""  # what the dance is, in words: a CMU description or the prompt it was generated from
    style: str = ""  # its style label, where a folder's manifest.csv gives one (the shared trials': ``cmu_styles``)


def load_split(split: str, subset: str = "all", path: Path = SPLIT_FILE) -> list[Clip]:
    """The shared CMU trials of a split at their real frame rates (salsa 60 fps), Daz conversions without their
    blend out of the T-pose (``DAZ_BLEND_SECONDS``); ``subset`` 'dance' keeps dance and salsa only."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r} (known: {', '.join(SPLITS)})")
    rows = read_cmu_split(path)
    clips = []
    for trial in cmu_trials():
        row = rows.get(trial.name)
        if row is None or row["split"] != split or (subset == "dance" and row["category"] not in ("dance", "salsa")):
            continue
        motion = laban.read_bvh(trial.path)
        motion.fps = trial.fps
        if trial.skeleton.startswith("cgspeed-daz"):
            motion = frames(motion, slice(int(round(DAZ_BLEND_SECONDS * motion.fps)), None))
        clips.append(Clip(trial.name, motion, category=row["category"], text=trial.description))
    return clips


def beats_beside(path: Path) -> BeatGrid | None:
    """The beats of the music (.mid, .midi, .xml, .musicxml, .mxl) or beats file (.beats, .beats.txt) lying beside
    ``path`` under its stem, through ``laban.beat_grid``; None when there is neither. Audio is not read (see
    docs/evaluation.md: librosa's beats run late and make octave errors)."""
    for suffix in MUSIC_SUFFIXES:
        if path.with_suffix(suffix).is_file():
            return laban.beat_grid(music=path.with_suffix(suffix))
    for suffix in BEATS_SUFFIXES:
        if path.with_suffix(suffix).is_file():
            return laban.beat_grid(beats=path.with_suffix(suffix))
    return None


def load_directory(folder: Path) -> list[Clip]:
    """Every motion file in a folder or below it (``laban.io.is_motion_file``: .bvh, .npz joint positions, skeleton
    .csv, body tracking .json; not a ``manifest.csv``; hidden folders left out), named by its path under the folder
    without its suffix as ``motiongpt corpus build`` names a take, with what lies beside it under the same stem:
    music or a beats file for its beats (``beats_beside``), a score (.laban, .score.json) it was decoded from, and
    the prompt it was made from (.txt); a ``manifest.csv``'s frame rates (``fps``) where a file's header is wrong,
    and its style labels (``style``: what a model's dance for a held-out take is asked to be in).
    A dance folder as the co-creation commands write one (``dance.bvh``, ``score.laban``, ``prompt.json``) is a
    clip named after the folder, and so is each one in the folder or below it (``motiongpt generate
    --variations``' 1, 2, ...)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    if _is_dance(folder):
        return [_dance_clip(folder)]
    clips, rows = [], _manifest(folder)
    files, dances = _gathered(folder)
    # a corpus folder's manifest.csv (``motiongpt corpus build``) is never a take: read as a Kinect v2 capture, it
    # stopped the whole evaluation of a researcher's own takes in one line about 101 comma-separated values
    for path in sorted(files, key=lambda p: p.relative_to(folder).as_posix()):
        score = next((Score.load(path.with_suffix(s)) for s in SCORE_SUFFIXES if path.with_suffix(s).is_file()),
                     None)
        prompt = path.with_suffix(".txt")
        try:
            text = prompt.read_text(encoding="utf-8").strip() if prompt.is_file() else ""
        except UnicodeDecodeError:
            raise LabanError(f"{prompt}: not UTF-8 text (a generated clip's prompt)") from None
        name = path.relative_to(folder).with_suffix("").as_posix()
        row = rows.get(str(path.resolve())) or rows.get(name) or rows.get(path.stem) or {}
        fps = row.get("fps")  # a header's slip mended
        clips.append(Clip(name, laban.read_motion(path, frame_rate=fps), beats_beside(path), score, text=text,
                          style=row.get("style", "")))
    # dance folders, ordered as their names count (variations 1, 2, ..., 10)
    dances.sort(key=lambda p: (p.parent.relative_to(folder).as_posix(), not p.name.isdigit(),
                               int(p.name) if p.name.isdigit() else 0, p.name))
    clips += [_dance_clip(p, p.relative_to(folder).as_posix()) for p in dances]
    if not clips:
        raise FileNotFoundError(f"{folder}: no motion files ({', '.join(MOTION_SUFFIXES)}) and no dance folders")
    return clips


def _gathered(folder: Path) -> tuple[list[Path], list[Path]]:
    """The motion files in ``folder`` and the folders below it, and the dance folders there (whose files are the
    dance's, not takes); hidden files and folders, and links to folders (which may loop), left out."""
    files, dances = [], []
    for entry in folder.iterdir():
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            if _is_dance(entry):
                dances.append(entry)
            else:
                more, more_dances = _gathered(entry)
                files += more
                dances += more_dances
        elif entry.is_file() and is_motion_file(entry):
            files.append(entry)
    return files, dances


def _manifest(folder: Path) -> dict[str, dict]:
    """The folder's manifest.csv rows (``motiongpt.data.manifest``), {} without one: the real frame rate of a take
    whose header says another (a 60-fps salsa take read at its header's 120 was measured at twice its speed), and
    its style label."""
    from .manifest import read_manifest

    return read_manifest(folder / MANIFEST) if (folder / MANIFEST).is_file() else {}


DANCE_FILES = ("dance.bvh", "score.laban")  # what makes a folder a dance folder (``motiongpt.cocreate``'s)


def _is_dance(folder: Path) -> bool:
    return all((folder / name).is_file() for name in DANCE_FILES)


def _dance_clip(folder: Path, name: str | None = None) -> Clip:
    """A dance folder as a clip: its motion, beats (dance.beats), score and words (prompt.json's text, or its
    phrases' words in bar order); a folder's name was lost before (every one was a clip named 'dance' with no
    score, or none was read at all from a folder of them)."""
    import json

    motion = folder / "dance.bvh"
    prompt = folder / "prompt.json"
    try:
        record = json.loads(prompt.read_text(encoding="utf-8")) if prompt.is_file() else {}
    except (OSError, ValueError):
        raise LabanError(f"{prompt}: not the settings of a dance (not JSON)") from None
    record = record if isinstance(record, dict) else {}
    phrases = record.get("phrases") if isinstance(record.get("phrases"), list) else []
    text = record.get("text") if isinstance(record.get("text"), str) else " ".join(
        str(p[2]) for p in phrases if isinstance(p, list) and len(p) == 3)
    return Clip(name or folder.name, laban.read_motion(motion), beats_beside(motion),
                Score.load(folder / "score.laban"), text=text.strip())


def load(source: str | Path, subset: str = "all") -> tuple[list[Clip], str]:
    """Clips from a split name ('train', 'validation', 'test', or 'split:test') or a folder, and a label."""
    name = str(source).removeprefix("split:")
    if name in SPLITS and not Path(str(source)).is_dir():
        return load_split(name, subset), f"CMU {name} split" + (" (dance and salsa)" if subset == "dance" else "")
    return load_directory(Path(source)), str(source)


def pieces(clip: Clip, seconds: float) -> list[Clip]:
    """A clip cut into consecutive pieces of ``seconds`` (a clip shorter than that stays whole; a last piece
    under half that long is dropped), its music beats moved with each piece. For a stabler FID from few takes
    (EDGE measures 5-s pieces); pieces of one take stay in its split. A clip with a score is kept whole."""
    n = max(int(round(seconds * clip.motion.fps)), 1)
    total = clip.motion.frame_count
    if clip.score is not None or total < 1.5 * n:
        return [clip]
    out = []
    for k, start in enumerate(range(0, total - n // 2, n)):
        part = frames(clip.motion, slice(start, start + n))
        grid = None if clip.grid is None else BeatGrid(tuple(np.asarray(clip.grid.times) - start / clip.motion.fps),
                                                       clip.grid.beats_per_bar)
        out.append(Clip(f"{clip.name}@{k}", part, grid, None, clip.category, clip.text, clip.style))
    return out


def frames(motion: Motion | Trajectories, which: slice) -> Motion | Trajectories:
    """The frames ``which`` of a motion, as a motion of the same kind."""
    if isinstance(motion, Motion):
        return Motion(motion.skeleton, motion.rotations[which], motion.translations[which], motion.fps)
    return Trajectories(motion.skeleton, motion.positions[which], motion.fps)


def first_seconds(motion: Motion | Trajectories, seconds: float | None) -> Motion | Trajectories:
    """The first ``seconds`` of a motion (all of it when None)."""
    return motion if seconds is None else frames(motion, slice(0, max(int(round(seconds * motion.fps)), 1)))
