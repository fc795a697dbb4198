"""How a clip is measured (the protocol every report carries) and one row of the report: a set of clips against
the reference set, on the field's metrics (``motiongpt.metrics``).

Beats come through the one door, ``laban.beat_grid``: the music or beats file beside a clip (read when the clip
was loaded), else the motion's own pulse; the clip is tokenized on those same beats (a clip decoded from a score,
on the score's).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

import laban
from laban.errors import LabanError, naming
from laban import BeatGrid, Motion, Score, Trajectories
from laban import BodyPart as B

from .. import metrics
from ..data import Clip, first_seconds
from ..metrics import notation


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
            "landmarks": "21 BodyPart landmarks (spine/neck/clavicles missing or lying on their parent interpolated, "
                         "missing toes at the ankle or a foot's end site)",
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
                   "else the motion's own pulse (laban.beat_grid) — the 'beats' field counts which",
            "PFC": f"EDGE, {self.pfc_window:g}-s pieces at {self.pfc_fps:g} fps, x 1e4",
            "skating": "'contact': ankle <= 8 cm and toe <= 5 cm, slides > 1 cm/frame at 60 fps, per foot over "
                       "contact frames; 'toe-speed': toe < 5 cm two frames and > 0.5 m/s, over all frames; "
                       "floor = the clip's own (laban.analysis.estimate_floor)",
            "penetration/float": "mm, lowest landmark below the clip's floor / above it for longer than 1 s",
            "jitter": "m/s^3, mean |third difference| x fps^3 over landmarks, at the protocol rate",
            "bone_drift": "mm, std over frames of each bone of the clip's own skeleton, mean over bones",
            "notation": f"scores by laban.tokenize on the clip's beats; cells of {self.notation_resolution:g} "
                        f"beat read as laban.reading does; tokens = {notation.TOKENS_PER_SYMBOL} per symbol",
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
    target: Score | None  # the score the clip was made from, if any (the part its measured seconds perform)
    seconds: float
    source_fps: float  # the clip's own frame rate, before resampling to the protocol's
    text: str = ""


def measure(clip: Clip, protocol: Protocol = Protocol()) -> Measured:
    """Everything about one clip that does not depend on the other clips; a clip refused says which."""
    try:
        return _measure(clip, protocol)
    except LabanError as error:
        raise naming(f"clip {clip.name}", error) from None


def _measure(clip: Clip, protocol: Protocol) -> Measured:
    motion = first_seconds(clip.motion, protocol.seconds)
    source = trajectories(motion)
    world = metrics.landmark_trajectories(source, protocol.fps, None, zero_root=False)
    zeroed = Trajectories(world.skeleton, world.positions - world.positions[:1, :1], world.fps)  # root of frame 0
    analysis = laban.analyse(motion)
    grid, beats_from = (clip.grid, "music") if clip.grid is not None else (laban.beat_grid(motion=analysis), "pulse")
    score = laban.tokenize(analysis, clip.score.grid if clip.score is not None else grid, title=clip.name)
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
                    score, None if clip.score is None else _within(clip.score, motion.duration), world.duration,
                    float(source.fps), clip.text)


def _within(score: Score, seconds: float) -> Score:
    """The part of ``score`` that the first ``seconds`` of its decoded motion perform: the symbols begun by then,
    clipped there. A clip cut to the protocol's seconds is judged against that part only: a model's dance on a
    held-out grid runs on to its last whole bar, past the cut, and its cells there (nothing tokenized, something
    written) read as misread (the built-in model's validation dances: 31 of 728 support cells)."""
    stop = float(score.grid.seconds_to_beats(seconds))
    if max((s.end for s in score.symbols), default=0.0) <= stop:
        return score
    symbols = [replace(s, duration=min(s.end, stop) - s.start) for s in score.symbols if s.start < stop]
    return Score(score.grid, symbols, list(score.starting_position), score.title)


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
        from ..metrics import text_score

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
