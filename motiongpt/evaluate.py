"""``motiongpt evaluate``: every number the project claims about its dances, from one rerunnable command.

A report compares sets of clips with a **reference** set (default: the training split of the shared CMU data)
on the field's metrics (``motiongpt.metrics``), one row per set:

- the reference itself (its diversity and physical figures: what real motion scores);
- **ground truth**: held-out real clips (default: the test split) against the reference — the real-data figure
  every generated number stands beside;
- **decoded test scores**: each held-out clip's score decoded back to motion (``laban.decode``): the decoder's
  realism, and its round trip score → motion → score;
- **baselines** any model must beat: a seeded sample of training clips as many as the held-out ones (how far
  part of the reference is from all of it: FID's noise at that sample count), the nearest training clip to each
  held-out clip by features (retrieval), and random valid scores decoded to motion;
- the generated clips, when given.

Every row that has words (CMU descriptions, a generated clip's prompt in ``<stem>.txt``) also reports text ↔ score
R-precision with the shipped contrastive evaluator (``motiongpt.metrics.text_score``).

Rows that stand in for a held-out clip (baselines, generated clips named like one) are scored against that
clip's beats (unless they bring music of their own) and, unless they were made from a score of their own, its
score: a retrieved dance is judged on the held-out dance's beat, not its own.

Protocol: 21 landmarks, first 20 s, 60 fps (Bailando); PFC on 5-s pieces at 30 fps (EDGE). Music beats come
from a MIDI/MusicXML file or a beats file beside a clip; without music (all of CMU) from the motion's own pulse
(``laban.pulse_grid``), and the report says so. Audio beats (librosa) are measured against exact score beats
in docs/evaluation.md ("Music beats: librosa vs the score"); beside a clip only score music is read.

    python -m motiongpt.evaluate --reference train --held-out test -o report.json      # + report.md
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

import laban
from laban import BeatGrid, Motion, Score, Trajectories
from laban import BodyPart as B
from laban.files import atomic_path
from laban.timing import MUSIC_SUFFIXES, beats_from_music, pulse_grid, read_beats

from . import metrics
from .data import REPO, Trial, cmu_trials
from .metrics import notation

SPLIT_FILE = REPO / "datasets" / "cmu_split.csv"
SPLIT_SEED = 5  # issue 5; the split was written once with it and is kept in the repository
SPLITS = ("train", "validation", "test")
# The cgspeed Daz conversions (salsa, subjects 10-14, 135) swing out of their T-pose over the 3-4 frames after the
# one read_bvh drops, at 15-37 m/s: not motion. Ground truth starts after them.
DAZ_BLEND_SECONDS = 0.05
MOTION_SUFFIXES = (".bvh", ".npz", ".csv")


# --- the split --------------------------------------------------------------------------------------------------

def trial_category(trial: Trial) -> str:
    """What a CMU trial is, from its description: dance, salsa, locomotion, jumps, playground, basketball,
    martial or other."""
    d = trial.description.lower()
    if trial.subject in ("60", "61"):
        return "salsa"
    for prefix in ("dance", "playground", "basketball"):
        if d.startswith(prefix):
            return prefix
    if "jump" in d or "hop" in d:
        return "jumps"
    if any(word in d for word in ("walk", "run", "jog", "navigate", "stride")):
        return "locomotion"
    if trial.subject == "135" or any(word in d for word in ("punch", "swordplay", "kick")):
        return "martial"
    return "other"


def trial_group(trial: Trial) -> str:
    """Trials that must fall in one split: a salsa take's lead and follow (one world frame, one dance), and
    subject 5's repeated takes of one phrase (same description); every other trial alone."""
    if trial.subject in ("60", "61"):
        return f"salsa-{trial.name.split('_')[1]}"
    if trial_category(trial) == "dance":
        return f"{trial.subject}: {trial.description}"
    return trial.name


def make_cmu_split(trials: list[Trial], seed: int = SPLIT_SEED, held_out: float = 0.15) -> list[dict[str, str]]:
    """The train/validation/test split by trial, stratified by category: in each category of at least three
    groups, ceil(held_out × groups) groups go to test and as many (with four or more groups) to validation, drawn
    with ``seed``; groups never straddle splits. Rows: trial, split, category, group."""
    rng = np.random.default_rng(seed)
    by_category: dict[str, list[str]] = {}
    for t in trials:
        groups = by_category.setdefault(trial_category(t), [])
        if trial_group(t) not in groups:
            groups.append(trial_group(t))
    assignment = {}
    for category in sorted(by_category):
        groups = sorted(by_category[category])
        order = [groups[i] for i in rng.permutation(len(groups))]
        n_test = math.ceil(held_out * len(groups)) if len(groups) >= 3 else 0
        n_val = math.ceil(held_out * len(groups)) if len(groups) >= 4 else 0
        for i, group in enumerate(order):
            assignment[group] = "test" if i < n_test else "validation" if i < n_test + n_val else "train"
    return [{"trial": t.name, "split": assignment[trial_group(t)], "category": trial_category(t),
             "group": trial_group(t)} for t in trials]


def write_cmu_split(rows: list[dict[str, str]], path: Path = SPLIT_FILE) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["trial", "split", "category", "group"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read_cmu_split(path: Path = SPLIT_FILE) -> dict[str, dict[str, str]]:
    """trial → {split, category, group}, from ``datasets/cmu_split.csv``."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: no CMU split file (run from the repository's checkout, beside datasets/)")
    with open(path, newline="") as f:
        return {row["trial"]: row for row in csv.DictReader(f)}


# --- clips ------------------------------------------------------------------------------------------------------

@dataclass
class Clip:
    """A motion to measure, with what came with it: music beats (``grid``) and the score it was made from."""

    name: str
    motion: Motion | Trajectories
    grid: BeatGrid | None = None
    score: Score | None = None
    category: str = ""
    text: str = ""  # what the dance is, in words: a CMU description or the prompt it was generated from


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
            motion = _frames(motion, slice(int(round(DAZ_BLEND_SECONDS * motion.fps)), None))
        clips.append(Clip(trial.name, motion, category=row["category"], text=trial.description))
    return clips


def load_directory(folder: Path) -> list[Clip]:
    """Every motion file in a folder (.bvh, .npz joint positions, .csv Kinect v2), with what lies beside it under
    the same stem: music (.mid, .midi, .xml, .musicxml, .mxl) or a beats file (.beats, .beats.txt) for its
    beats, a score (.laban, .score.json) it was decoded from, and the prompt it was made from (.txt)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder of clips")
    clips = []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in MOTION_SUFFIXES):
        grid = score = None
        for suffix in MUSIC_SUFFIXES:
            if path.with_suffix(suffix).is_file():
                grid = beats_from_music(path.with_suffix(suffix))
                break
        for beats in (path.with_suffix(".beats"), path.with_suffix(".beats.txt")):
            if grid is None and beats.is_file():
                grid = read_beats(beats)
        for scored in (path.with_suffix(".laban"), path.with_suffix(".score.json")):
            if scored.is_file():
                score = Score.load(scored)
                break
        prompt = path.with_suffix(".txt")
        text = prompt.read_text(encoding="utf-8").strip() if prompt.is_file() else ""
        clips.append(Clip(path.stem, laban.read_motion(path), grid, score, text=text))
    if not clips:
        raise FileNotFoundError(f"{folder}: no motion files ({', '.join(MOTION_SUFFIXES)})")
    return clips


def load(source: str | Path, subset: str = "all") -> tuple[list[Clip], str]:
    """Clips from a split name ('train', 'validation', 'test', or 'split:test') or a folder, and a label."""
    name = str(source).removeprefix("split:")
    if name in SPLITS and not Path(str(source)).is_dir():
        return load_split(name, subset), f"CMU {name} split" + (" (dance and salsa)" if subset == "dance" else "")
    return load_directory(Path(source)), str(source)


def trajectories(motion: Motion | Trajectories) -> Trajectories:
    """World positions at the motion's own rate. A rotation skeleton whose feet end in end sites rather than
    toe joints (Daz) gets the end sites as toes, so that foot contact and skating see the whole foot."""
    if isinstance(motion, Trajectories):
        laban.recognised(motion.skeleton)
        return motion
    skeleton = laban.recognised(motion.skeleton)
    tips = [(toes, skeleton.parts[foot]) for toes, foot in ((B.TOES_LEFT, B.FOOT_LEFT), (B.TOES_RIGHT, B.FOOT_RIGHT))
            if toes not in skeleton.parts and skeleton.parts[foot] in skeleton.end_sites]
    if not tips:
        return motion.trajectories()
    extended = laban.Skeleton(
        skeleton.names + tuple(f"{skeleton.names[j]}EndSite" for _, j in tips),
        np.concatenate([skeleton.parents, [j for _, j in tips]]),
        np.concatenate([skeleton.offsets, [skeleton.end_sites[j] for _, j in tips]]),
        skeleton.channels + (("Zrotation", "Yrotation", "Xrotation"),) * len(tips),
        parts={**skeleton.parts, **{toes: skeleton.joint_count + k for k, (toes, _) in enumerate(tips)}})
    still = np.zeros(motion.rotations.shape[:1] + (len(tips), 4))
    still[..., 3] = 1.0
    return Motion(extended, np.concatenate([motion.rotations, still], axis=1), motion.translations,
                  motion.fps).trajectories()


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
        part = _frames(clip.motion, slice(start, start + n))
        grid = None if clip.grid is None else BeatGrid(tuple(np.asarray(clip.grid.times) - start / clip.motion.fps),
                                                       clip.grid.beats_per_bar)
        out.append(Clip(f"{clip.name}@{k}", part, grid, None, clip.category, clip.text))
    return out


def _frames(motion: Motion | Trajectories, frames: slice) -> Motion | Trajectories:
    if isinstance(motion, Motion):
        return Motion(motion.skeleton, motion.rotations[frames], motion.translations[frames], motion.fps)
    return Trajectories(motion.skeleton, motion.positions[frames], motion.fps)


def first_seconds(motion: Motion | Trajectories, seconds: float | None) -> Motion | Trajectories:
    """The first ``seconds`` of a motion (all of it when None)."""
    return motion if seconds is None else _frames(motion, slice(0, max(int(round(seconds * motion.fps)), 1)))


# --- measuring --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Protocol:
    """How clips are measured; every report carries it."""

    fps: float = metrics.PROTOCOL_FPS
    seconds: float | None = 20.0
    windows: bool = False  # cut every clip into pieces of ``seconds`` instead of keeping the first ``seconds``
    kinetic_quirk: bool = False
    geometric_quirk: bool = False
    pfc_fps: float = 30.0
    pfc_window: float = 5.0
    notation_resolution: float = 1.0

    def variants(self) -> dict[str, str]:
        return {
            "clips": (f"consecutive {self.seconds:g}-s pieces of every clip" if self.windows else
                      f"first {self.seconds:g} s of every clip") if self.seconds else "whole clips",
            "landmarks": "21 BodyPart landmarks (missing spine/neck/clavicles interpolated, missing toes at the "
                         "ankle or a foot's end site)",
            "frame_rate": f"{self.fps:g} fps (cubic spline through each clip's frames: its own frames when its "
                          "rate is a whole multiple)",
            "FID_k": "kinetic features, 63 dims, " + ("reference code's acceleration slip (quirk)" if
                                                      self.kinetic_quirk else "correct acceleration")
                     + "; z-scored with the reference's mean/std; Tr sqrt by symmetric eigenvalues",
            "FID_g": "geometric features, 32 relations (AIST++ reference, as coded), "
                     + ("1/120 s velocity step (quirk)" if self.geometric_quirk else "1/fps velocity step")
                     + "; z-scored with the reference's mean/std",
            "Div": "mean pairwise Euclidean distance of the row's normalised features",
            "BAS": "'aist++': mean over motion beats, ±10-frame minima, sigma 3 frames; 'bailando': mean over "
                   "music beats, speed smoothed sigma 5, sigma^2 9 frames^2; beats from music beside a clip, "
                   "else the motion's own pulse (laban.pulse_grid) — the 'beats' field counts which",
            "PFC": f"EDGE, {self.pfc_window:g}-s pieces at {self.pfc_fps:g} fps, x 1e4",
            "skating": "'contact': ankle <= 8 cm and toe <= 5 cm, slides > 1 cm/frame at 60 fps, per foot over "
                       "contact frames; 'toe-speed': toe < 5 cm two frames and > 0.5 m/s, over all frames; "
                       "floor = the clip's own (laban.tokenizer.estimate_floor)",
            "penetration/float": "mm, lowest landmark below the clip's floor / above it for longer than 1 s",
            "jitter": "m/s^3, mean |third difference| x fps^3 over landmarks, at the protocol rate",
            "bone_drift": "mm, std over frames of each bone of the clip's own skeleton, mean over bones",
            "notation": f"scores by laban.tokenize on the clip's beats; cells of {self.notation_resolution:g} "
                        f"beat; tokens = {notation.TOKENS_PER_SYMBOL} per symbol",
            "text": "R-precision (HumanML3D, adapted): each clip's score ranks its text (a CMU description, a "
                    "generated clip's .txt prompt, else the held-out clip's it stands in for) among the held-out "
                    "set's distinct descriptions (up to 32) with the shipped contrastive text-score evaluator "
                    "(motiongpt/metrics/text_score.py, trained on the training split)",
        }


@dataclass
class Measured:
    """One clip's measurements: feature vectors, per-clip scalars, its beats and its score."""

    name: str
    kinetic: np.ndarray
    geometric: np.ndarray
    world: Trajectories  # landmarks at the protocol rate, the clip's own world frame
    grid: BeatGrid
    beats_from: str  # 'music' or 'pulse'
    scalars: dict[str, float]
    score: Score
    target: Score | None  # the score the clip was made from, if any
    seconds: float
    source_fps: float  # the clip's own frame rate, before resampling to the protocol's
    text: str = ""


def measure(clip: Clip, protocol: Protocol = Protocol()) -> Measured:
    """Everything about one clip that does not depend on the other clips."""
    motion = first_seconds(clip.motion, protocol.seconds)
    source = trajectories(motion)
    world = metrics.landmark_trajectories(source, protocol.fps, None, zero_root=False)
    zeroed = Trajectories(world.skeleton, world.positions - world.positions[:1, :1], world.fps)  # root of frame 0
    grid, beats_from = (clip.grid, "music") if clip.grid is not None else (pulse_grid(world.positions, world.fps),
                                                                           "pulse")
    score = laban.tokenize(motion, clip.score.grid if clip.score is not None else clip.grid, title=clip.name)
    scalars = {
        "pfc": metrics.pfc(world, protocol.pfc_fps, protocol.pfc_window),
        "skating_contact": metrics.foot_skating(world, "contact"),
        "skating_toe_speed": metrics.foot_skating(world, "toe-speed"),
        "penetration_mm": metrics.penetration(world),
        "float_mm": metrics.floating(world),
        "jitter": metrics.jitter(world),
        "bone_drift_mm": metrics.bone_drift(source),
        "symbols_per_min": notation.symbols_per_minute(score, world.duration),
        "tokens_per_min": notation.tokens_per_minute(score, world.duration),
    }
    return Measured(clip.name, metrics.kinetic_features(zeroed, protocol.kinetic_quirk),
                    metrics.geometric_features(zeroed, protocol.geometric_quirk), world, grid, beats_from, scalars,
                    score, clip.score, world.duration, float(source.fps), clip.text)


def evaluate(generated: list[Clip | Measured], reference: list[Clip | Measured],
             targets: list[Clip | Measured | None] | None = None, protocol: Protocol = Protocol(),
             descriptions: list[str] = ()) -> dict:
    """One row: a set of clips against the reference set (clips, or clips already measured). ``targets`` (one
    per generated clip, or None) are the held-out clips they stand in for: a clip without music of its own is
    judged on their beats, and on agreement with their scores; one without a text of its own, on their texts.
    ``descriptions`` (the held-out set's) join the row's texts in the pool each score ranks its own text in."""
    itself = generated is reference  # the reference row: FID 0 by definition, not worth a number
    generated, reference = _measured(generated, protocol), _measured(reference, protocol)
    targets = [None] * len(generated) if targets is None else [
        t if t is None or isinstance(t, Measured) else measure(t, protocol) for t in targets]
    ref_k, ref_g = np.stack([m.kinetic for m in reference]), np.stack([m.geometric for m in reference])
    gen_k, ref_kn = metrics.normalise(np.stack([m.kinetic for m in generated]), ref_k)
    gen_g, ref_gn = metrics.normalise(np.stack([m.geometric for m in generated]), ref_g)
    rates = [m.source_fps for m in generated]
    row: dict = {
        "n": len(generated), "seconds": float(sum(m.seconds for m in generated)),
        "source_fps": {f"{r:g}": rates.count(r) for r in sorted(set(rates))},
        "FID_k": None if itself else metrics.fid(gen_k, ref_kn),
        "FID_g": None if itself else metrics.fid(gen_g, ref_gn),
        "Div_k": metrics.diversity(gen_k), "Div_g": metrics.diversity(gen_g),
    }
    # Beats: the clip's own music, else the music or pulse of the held-out clip it stands in for, else its own.
    chosen = [m if m.beats_from == "music" or t is None else t for m, t in zip(generated, targets)]
    grids = [c.grid for c in chosen]
    kinds = [c.beats_from if c.beats_from == "music" else ("own pulse" if c is m else "held-out pulse")
             for c, m in zip(chosen, generated)]
    row["beats"] = {kind: kinds.count(kind) for kind in ("music", "own pulse", "held-out pulse")}
    for variant in ("aist++", "bailando"):
        row[f"BAS_{variant}"] = float(np.mean([metrics.beat_alignment(m.world, g, variant)
                                               for m, g in zip(generated, grids)]))
    for key in generated[0].scalars:
        row[key] = float(np.nanmean([m.scalars[key] for m in generated]))
    # Notation: a clip made from a score is judged on that score, else on the held-out clip's it stands in for.
    pairs = [(m.target if m.target is not None else t.score, m.score) for m, t in zip(generated, targets)
             if m.target is not None or t is not None]
    row["notation"] = _mean_agreement([notation.agreement(a, b, protocol.notation_resolution) for a, b in pairs])
    # Text: does the clip's score fit the words it was made from (or the held-out clip's it stands in for)?
    texts = [m.text or (t.text if t is not None else "") for m, t in zip(generated, targets)]
    described = [(m.score, text) for m, text in zip(generated, texts) if text]
    row["text_retrieval"] = None
    if described and len({text for _, text in described} | set(descriptions)) > 1:  # one text alone ranks nothing
        from .metrics import text_score

        scores, words = zip(*described)
        row["text_retrieval"] = text_score.retrieval(list(scores), list(words), distractors=list(descriptions))
    return row


def _measured(clips: list[Clip | Measured], protocol: Protocol) -> list[Measured]:
    return [c if isinstance(c, Measured) else measure(c, protocol) for c in clips]


def _mean_agreement(results: list[dict]) -> dict | None:
    """Means over clips of the headline agreement figures (NaN-aware), with the number of score pairs."""
    if not results:
        return None
    keys = ("gesture_direction", "gesture_level", "support_direction", "support_level", "support_f1", "flight_f1")
    out = {k: _nanmean([r[k] for r in results]) for k in keys}
    out["timing_error_beats"] = _nanmean([r["timing"]["mean"] for r in results])
    out["timing_matched"] = _nanmean([r["timing"]["matched"] for r in results])
    out["pairs"] = len(results)
    return out


def _nanmean(values: list[float]) -> float:
    values = np.asarray(values, float)
    return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


# --- baselines --------------------------------------------------------------------------------------------------

def _decoded(scores: list[tuple[str, Score]], held_out: list[Measured]) -> tuple[list[Clip], list[Measured]]:
    """Clips decoded from (name, score) pairs, each with the score it was made from, and the held-out clips they
    stand in for; a score the decoder refuses is left out (and counted by the caller)."""
    made, kept = [], []
    for (name, score), target in zip(scores, held_out):
        try:
            made.append(Clip(name, laban.decode(score), score=score))
        except laban.LabanError:
            continue
        kept.append(target)
    return made, kept


def nearest(held_out: list[Measured], pool: list[Measured], reference: list[Measured]) -> list[Measured]:
    """For each held-out clip, the pool clip nearest in kinetic ⊕ geometric features (each z-scored with the
    reference's statistics): retrieval, the baseline a generator has to beat on fidelity to its condition."""
    def features(ms: list[Measured]) -> np.ndarray:
        k = metrics.normalise(np.stack([m.kinetic for m in ms]), np.stack([m.kinetic for m in reference]))[0]
        g = metrics.normalise(np.stack([m.geometric for m in ms]), np.stack([m.geometric for m in reference]))[0]
        return np.concatenate([k, g], axis=1)

    a, b = features(held_out), features(pool)
    distance = ((a[:, None] - b[None]) ** 2).sum(axis=2)
    return [pool[i] for i in distance.argmin(axis=1)]


def random_score(grid: BeatGrid, beats: float, rng: np.random.Generator) -> Score:
    """A random valid score on ``grid`` lasting ``beats``: alternating steps of random direction, level and
    length (½, 1 or 2 beats) with an occasional half-beat jump between them, and random gestures of the arms,
    torso and head; the starting position stands on both feet, arms hanging, torso and head upright."""
    from laban import Column, Direction, Level, Sign, Symbol

    directions, levels = list(Direction), list(Level)
    lengths = np.array([0.5, 1.0, 2.0])
    start = [Symbol(0.0, c, 0.0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE)
             for c in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]
    start += [Symbol(0.0, c, 0.0, Sign.DIRECTION, Direction.PLACE, Level.LOW) for c in
              (Column.UPPER_ARM_LEFT, Column.UPPER_ARM_RIGHT, Column.FOREARM_LEFT, Column.FOREARM_RIGHT)]
    start += [Symbol(0.0, c, 0.0, Sign.DIRECTION, Direction.PLACE, Level.HIGH) for c in (Column.TORSO, Column.HEAD)]
    symbols = []
    count = int(beats / 0.5) + 2  # enough draws for any column to reach the end
    for column in (Column.TORSO, Column.UPPER_ARM_LEFT, Column.UPPER_ARM_RIGHT, Column.FOREARM_LEFT,
                   Column.FOREARM_RIGHT, Column.HEAD):
        durations = rng.choice(lengths, count)
        starts = np.concatenate([[0.0], np.cumsum(durations)[:-1]])
        keep = starts < beats
        for s, d, i, j in zip(starts[keep], durations[keep], rng.integers(9, size=count), rng.integers(3, size=count)):
            symbols.append(Symbol(float(s), column, float(d), Sign.DIRECTION, directions[i], levels[j]))
    t, foot = 0.0, int(rng.integers(2))
    while t < beats:
        if t > 0 and rng.random() < 0.1:
            symbols.append(Symbol(t, Column.CENTRE, 0.5, Sign.FLIGHT))
            t += 0.5
            continue
        d = float(rng.choice(lengths))
        column = (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)[foot]
        symbols.append(Symbol(t, column, d, Sign.DIRECTION, directions[int(rng.integers(9))],
                              levels[int(rng.integers(3))]))
        t, foot = t + d, 1 - foot
    return Score(grid, symbols, start, "random")


# --- the report -------------------------------------------------------------------------------------------------

def report(reference: list[Clip], held_out: list[Clip] | None = None, generated: list[Clip] | None = None,
           protocol: Protocol = Protocol(), baselines: bool = True, labels: dict[str, str] | None = None,
           seed: int = 0) -> dict:
    """The whole evaluation as a JSON-ready dict: protocol and variants, then one row per set (see the module
    docstring). Generated clips named like held-out clips are paired with them."""
    labels = labels or {}
    began = time.perf_counter()
    if protocol.windows and protocol.seconds:
        reference, held_out, generated = ([p for c in clips for p in pieces(c, protocol.seconds)] if clips else clips
                                          for clips in (reference, held_out, generated))
    ref = [measure(c, protocol) for c in reference]
    rows = {"reference": evaluate(ref, ref, protocol=protocol)}
    pending = []
    words = []  # the held-out descriptions: every row's pool of texts to rank its own among
    if held_out:
        gt = [measure(c, protocol) for c in held_out]
        words = sorted({m.text for m in gt if m.text})
        rows["ground truth"] = evaluate(gt, ref, protocol=protocol, descriptions=words)
        if baselines:
            rng = np.random.default_rng(seed)
            # Stand-ins are judged on the words of the held-out clip they stand in for, not on their own.
            sample = [replace(ref[i], text="") for i in rng.choice(len(ref), size=min(len(gt), len(ref)),
                                                                   replace=False)]
            rows["training clips (sample)"] = evaluate(sample, ref, gt[:len(sample)], protocol, words)
            rows["nearest training clip"] = evaluate([replace(m, text="") for m in nearest(gt, ref, ref)], ref, gt,
                                                     protocol, words)
        # The test clips' own scores decoded (the decoder's realism, and the round trip score → motion → score),
        # and random valid scores decoded (the baseline), each on the beats of a test clip.
        runs = {"decoded test scores": [(f"decoded-{m.name}", m.score) for m in gt]}
        if baselines:
            runs["random valid scores"] = [(f"random-{m.name}", random_score(m.score.grid, m.score.duration, rng))
                                           for m in gt]
        for name, scores in runs.items():
            made, kept = _decoded(scores, gt)
            if made:
                rows[name] = {**evaluate(made, ref, kept, protocol, words), "decode_failures": len(gt) - len(kept)}
            else:
                pending.append(f"{name}: the decoder refused all {len(gt)} scores")
    if generated:
        gen = [measure(c, protocol) for c in generated]
        by_name = {m.name: m for m in (gt if held_out else [])}
        targets = [by_name.get(m.name) for m in gen]
        rows["generated"] = evaluate(gen, ref, targets if any(targets) else None, protocol, words)
    pending.append("music beats from audio beside a clip: not read (librosa's beats run 30-50 ms late and make "
                   "octave errors, see docs/evaluation.md); give MIDI/MusicXML or a beats file")
    return {
        "protocol": {**protocol.__dict__, "variants": protocol.variants()},
        "sets": {"reference": labels.get("reference", "reference"), "ground truth": labels.get("held_out", ""),
                 "generated": labels.get("generated", "")},
        "rows": rows, "pending": pending, "seconds_taken": time.perf_counter() - began,
    }


def _fmt(value, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def markdown(result: dict) -> str:
    """The report as Markdown: sets, three tables (realism and beat; physics; notation), variants, pending."""
    rows, p = result["rows"], result["protocol"]
    lines = [f"Reference: {result['sets']['reference']}."]
    if result["sets"]["ground truth"]:
        lines.append(f"Ground truth: {result['sets']['ground truth']}.")
    if result["sets"]["generated"]:
        lines.append(f"Generated: {result['sets']['generated']}.")
    lines += ["", "| set | n | seconds | source fps | FID_k ↓ | FID_g ↓ | Div_k ↑ | Div_g ↑ | BAS aist++ | "
                  "BAS bailando | beats |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        beats = ", ".join(f"{kind} {n}" for kind, n in r["beats"].items() if n)
        rates = ", ".join(f"{fps} ×{n}" for fps, n in r["source_fps"].items())
        lines.append(f"| {name} | {r['n']} | {r['seconds']:.0f} | {rates} | {_fmt(r['FID_k'])} | {_fmt(r['FID_g'])} | "
                     f"{_fmt(r['Div_k'])} | {_fmt(r['Div_g'])} | {_fmt(r['BAS_aist++'], 4)} | "
                     f"{_fmt(r['BAS_bailando'], 4)} | {beats} |")
    lines += ["", "| set | PFC ↓ | skating contact ↓ | skating toe-speed ↓ | penetration mm ↓ | float mm ↓ | "
                  "jitter m/s³ | bone drift mm |", "|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        lines.append(f"| {name} | {_fmt(r['pfc'], 3)} | {_fmt(r['skating_contact'], 3)} | "
                     f"{_fmt(r['skating_toe_speed'], 3)} | {_fmt(r['penetration_mm'], 1)} | {_fmt(r['float_mm'], 1)} "
                     f"| {_fmt(r['jitter'], 0)} | {_fmt(r['bone_drift_mm'], 3)} |")
    lines += ["", "| set | symbols/min | tokens/min | gesture direction | gesture level | support direction | "
                  "support level | support F1 | flight F1 | timing error (beats) | matched |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        a = r["notation"] or {}
        lines.append(f"| {name} | {_fmt(r['symbols_per_min'], 0)} | {_fmt(r['tokens_per_min'], 0)} | "
                     + " | ".join(_fmt(a.get(k), 3) for k in ("gesture_direction", "gesture_level",
                                                              "support_direction", "support_level", "support_f1",
                                                              "flight_f1", "timing_error_beats", "timing_matched"))
                     + " |")
    lines += ["", "| set | text → score R-precision top-1 ↑ | top-3 ↑ | chance top-1 / top-3 | pool | described clips |",
              "|---|---|---|---|---|---|"]
    for name, r in rows.items():
        t = r.get("text_retrieval")
        if t:
            lines.append(f"| {name} | {t['top1']:.3f} | {t['top3']:.3f} | {t['chance1']:.3f} / {t['chance3']:.3f} | "
                         f"{t['pool']} | {t['n']} |")
        else:
            lines.append(f"| {name} | — | — | — | — | 0 |")
    lines += ["", f"Tokens per minute compare with {notation.NUMBERS_PER_MINUTE:,} numbers for a minute of 21 joints "
                  "at 30 fps. Notation agreement is against the held-out clip each row stands in for (or the "
                  "score a generated clip was decoded from); '—' where a row has no score to agree with.", "",
              "Variants:", ""]
    lines += [f"- {k}: {v}" for k, v in p["variants"].items()]
    if result["pending"]:
        lines += ["", "Not measured yet:", ""] + [f"- {item}" for item in result["pending"]]
    return "\n".join(lines) + "\n"


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


# --- command line -----------------------------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``evaluate`` subcommand's arguments (shared by ``motiongpt evaluate`` and ``python -m``)."""
    parser.add_argument("--generated", help="folder of generated clips (.bvh, .npz, .csv), each with optional "
                                            "music (.mid, .musicxml) or .beats and its .laban score beside it")
    parser.add_argument("--reference", default="train",
                        help="real clips the sets are compared with: a CMU split (train, validation, test) or a "
                             "folder (default: train)")
    parser.add_argument("--held-out", default="test",
                        help="real clips for the ground-truth row: a split or a folder, or 'none' (default: test)")
    parser.add_argument("--subset", choices=("all", "dance"), default="all",
                        help="for CMU splits: every trial, or dance and salsa only")
    parser.add_argument("--seconds", type=float, default=20.0, help="measure the first N seconds (0: whole clips)")
    parser.add_argument("--windows", action="store_true",
                        help="cut every clip into consecutive pieces of --seconds (more samples for FID) instead "
                             "of keeping only its first --seconds")
    parser.add_argument("--quirk", action="store_true",
                        help="the reference code's time-step slips in both feature sets, for published FID")
    parser.add_argument("--no-baselines", action="store_true", help="skip the baseline rows")
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="report.json; the Markdown tables are written beside it as report.md")


def command(args: argparse.Namespace) -> int:
    """Run an evaluation from parsed arguments; prints the Markdown and where the report went."""
    protocol = Protocol(seconds=args.seconds or None, windows=args.windows, kinetic_quirk=args.quirk,
                        geometric_quirk=args.quirk)
    reference, ref_label = load(args.reference, args.subset)
    held_out, held_label = (None, "") if args.held_out == "none" else load(args.held_out, args.subset)
    generated, gen_label = load(args.generated) if args.generated else (None, "")
    result = report(reference, held_out, generated, protocol, baselines=not args.no_baselines,
                    labels={"reference": ref_label, "held_out": held_label, "generated": gen_label})
    result["argv"] = sys.argv[1:]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    table = markdown(result)
    for path, text in ((args.output, json.dumps(_jsonable(result), indent=1) + "\n"),
                       (args.output.with_suffix(".md"), table)):
        with atomic_path(path) as partial:
            partial.write_text(text, encoding="utf-8")
    print(table)
    print(f"{args.output} and {args.output.with_suffix('.md')} written in {result['seconds_taken']:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m motiongpt.evaluate", description=__doc__.split("\n")[0])
    add_arguments(parser)
    return command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
