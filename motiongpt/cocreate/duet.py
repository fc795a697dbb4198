"""Duet: the follower's part for a lead's dance, whole or bar by bar, placed on the lead's floor.

    >>> result = duet(model, lead_score, lead_motion, seed=3)       # Duet result: both scores and motions
    >>> stream = Duet(model, grid, lead_skeleton)                   # live: one bar of the lead in, the next out
    >>> first = stream.start()
    >>> for lead_bar, lead_frames in bars: follower_bar = stream.step(lead_bar, lead_frames)

What is learned, and from what (the shared CMU salsa: subject 60 leads, 61 follows; the two files of a take share
time and floor; only the training split's pairs are read):

- **What the follower does** is written by the language model in the style ``salsa follow`` (a style of its
  training corpus), on the lead's beat grid, with the per-bar controls (energy, accents = the beats stepped on,
  phrases, repeats) read from the LEAD's score (``controls_from_score``): so the follower is asked to step where
  the lead steps. The model was trained on solo takes; it never saw a lead and a follower together, so the
  coupling is only these controls and the shared grid.
- **Where the follower stands** (distance, which side, relative facing) is a statistic of the training pairs:
  the follower's pelvis in the lead's floor frame (``Placement``, ``checkpoints/duet/placement.json``, written
  by ``datasets/duet_placement.py``). The follower's decoded motion keeps its own steps and turns inside each
  bar; a rigid floor transform per bar (yaw and translation, smoothed across bar lines) carries it toward the
  learned place relative to the lead, and a push-apart keeps the two bodies' cores a margin apart.

Streaming (``Duet``): after bar k of the lead the follower's bar k+1 is written (``generate(continue_from=...)``
on the last bars of the follower, controls of the lead's bars so far, the next bar's predicted as the lead's last
bar's), decoded with its bars before, and placed from where the lead stood at the end of bar k; then, as the
lead's frames of bar k+1 arrive, ``Duet.react`` moves it frame by frame (``partners.Reflex``: its place kept
beside the lead, the bodies apart), since a bar planned a bar ahead cannot know where the lead will go.

The floor (placement statistics, rigid moves, the bodies' gap, the live reflex) lives in ``partners``.

A folder ``motiongpt duet`` wrote is read back by ``read_duet`` (what ``history`` shows, and ``replay`` makes again):
its duet.json names the lead (a dance folder, or the capture or score file it was read from) by path and by its score's
digest, with the model, settings and seed; the lead is read as the command read it (``read_lead``).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from laban.errors import LabanError, naming
from laban.motion import Motion, Trajectories
from laban.score import SUPPORT_COLUMNS, Score
from laban.timing import BeatGrid

from .dance import Dance, Lineage, read_json, score_digest
from .partners import (HEADING_SMOOTHING, DuetError, Placement, Reflex, _bar_move, _rotate, _target, floor_frame,
                       floor_height, moved, place, wrap)
from .partners import figures  # noqa: F401  (a duet's figures: the command and the bench ask this module)

STYLE = "salsa follow"
CAPTURES = (".bvh", ".csv", ".npz")  # what ``laban.read_motion`` reads: a BVH, a skeleton CSV, joint positions
FPS = 30.0
CONTEXT_BARS = 3  # lead bars the new bar's controls are read with
DECODE_BARS = 1  # follower bars a streamed bar is decoded with (the decoder is bar-local: a beat of anticipation)


# --- the follower's score: the language model, steered by the lead's controls -------------------------------------

def lead_controls(model, lead: Score, bars: int | None = None) -> np.ndarray:
    """(bars, K) control rows of the lead's score on its grid: the follower is asked for the lead's energy, its
    stepped beats (accents), phrases and repeats, bar by bar."""
    from motiongpt.conditioning.controls import controls_from_score
    from motiongpt.model.conditions import control_rows

    vocabulary = model.vocabulary
    bars = bars or len(vocabulary.bar_spans(vocabulary.encode(lead)))
    return control_rows(controls_from_score(lead), lead.grid, bars, model.config.control_names)


def follower_style(model, style: str | None = STYLE) -> str | None:
    """``style`` when the model knows it (the built-in model knows "salsa follow"), else none."""
    return style if style in (model.config.styles or []) else None


def follower_score(model, lead: Score, *, seed: int = 0, temperature: float = 1.0, top_p: float = 1.0,
                   controls: bool = True, style: str | None = STYLE, processors=()) -> Score:
    """The follower's whole score on the lead's grid, written knowing the whole lead (every bar's controls);
    ``processors``: more logits processors for ``generate`` (the studio's cancel)."""
    from motiongpt.model.generate import generate

    vocabulary = model.vocabulary
    bars = len(vocabulary.bar_spans(vocabulary.encode(lead)))
    rows = lead_controls(model, lead, bars) if controls else None
    return generate(model, lead.grid, style=follower_style(model, style), controls=rows, bars=bars, seed=seed,
                    temperature=temperature, top_p=top_p, title=f"{lead.title or 'a lead'}: the follower",
                    processors=processors)


@dataclass
class DuetResult:
    """Both dancers: scores on one grid, motions at one rate on one floor (frame 0 at the grid's time 0)."""

    lead_score: Score
    follow_score: Score
    lead: Motion
    follow: Motion
    planned: Motion | None = None  # streamed: the bars as written a bar ahead, before the live Reflex moved them


def duet(model, lead_score: Score, lead: Motion, *, seed: int = 0, temperature: float = 1.0, top_p: float = 1.0,
         placement: Placement | None = None, controls: bool = True, style: str | None = STYLE,
         fps: float = FPS, processors=()) -> DuetResult:
    """The follower's part for a whole lead: its score by the model (the lead's controls), decoded on the lead's
    skeleton at ``fps`` and placed beside the lead (``place``)."""
    from laban import decode

    placement = placement or Placement.load()
    lead = resampled(lead, fps)
    score = follower_score(model, lead_score, seed=seed, temperature=temperature, top_p=top_p,
                           controls=controls, style=style, processors=processors)
    follow = decode(score, lead.skeleton, fps=fps, seed=seed)
    follow = _padded(follow, lead.frame_count)
    follow = place(follow, lead.trajectories(), lead_score.grid, placement)
    return DuetResult(lead_score, score, lead, follow)


def read_lead(path: Path, *, fps: float | None = None, bpm: float | None = None, seed: int = 0,
              mapping: dict[str, str] | None = None) -> tuple[Score, Motion, str]:
    """The lead at ``path``, its score, its motion and where they came from: a dance folder's score.laban with its
    dance.bvh (else the score decoded with ``seed``), a score file (.laban, .json) decoded with ``seed``, or a
    capture read at ``fps`` (default: its file's), its body parts named by ``mapping`` where its joints' names do
    not say them (``--map``), and tokenized on its own pulse (or ``bpm``): a BVH as it was danced, a capture of
    joint positions (a Kinect CSV, an .npz) danced from its score on its own skeleton, since positions carry no
    joint rotations to move it by or to write a BVH of. What is not a lead is one line."""
    from laban import decode, read_bvh, read_motion, tokenize

    path = Path(path)
    capture = path.suffix.lower() in CAPTURES
    if mapping and (path.is_dir() or not capture):
        raise DuetError(f"{path}: --map names the joints of a lead's capture, not of a dance folder's or a score's "
                        f"dancer")
    if path.is_dir():
        score_path = path / "score.laban"
        if not score_path.is_file():
            raise DuetError(f"{path}: no score.laban in the folder")
        score = _danced(Score.load(score_path), score_path)
        if (path / "dance.bvh").is_file():  # written with the score, on its clock: its frame 0 is the dance's
            return score, read_bvh(path / "dance.bvh", drop_tpose=False), "score.laban + dance.bvh"
        return score, decode(score, seed=seed), "score.laban (decoded)"
    if not path.is_file():
        raise DuetError(f"{path}: no such file")
    if path.suffix.lower() in (".laban", ".json", ".txt"):
        score = _danced(Score.load(path), path)
        return score, decode(score, seed=seed), "score file (decoded)"
    if not capture:
        raise DuetError(f"{path}: a lead is a capture ({', '.join(CAPTURES)}), a score (.laban, .json) or a dance "
                        f"folder, not a '{path.suffix}' file")
    try:
        motion = read_motion(path, frame_rate=fps, mapping=mapping)
        score = _danced(tokenize(motion, bpm=bpm, title=path.stem), path)
        if isinstance(motion, Trajectories):
            return score, decode(score, motion.skeleton, seed=seed), "capture (tokenized, positions danced)"
        return score, motion, "capture (tokenized)"
    except LabanError as error:  # a skeleton or a motion refused after the file was read: the file named
        raise naming(path, error) from None


def _danced(score: Score, path: Path) -> Score:
    """``score``, refused in one line when it holds no symbol: a lead that does nothing gives nothing to follow."""
    if not score.symbols:
        raise DuetError(f"{path}: the lead's score is empty: nothing to follow")
    return score


def read_duet(folder: Path) -> Dance:
    """The duet ``motiongpt duet`` wrote into ``folder``, as ``history`` reads it: a ``Dance`` of the follower's
    score (follow.laban) whose lineage is "duet" on its lead (the lead's folder and score digest; for a capture,
    its file in the settings), with the duet's settings, seed and model. A duet written before its lead's path
    and digest were recorded names its lead by lead.laban's digest."""
    folder = Path(folder)
    made = read_json(folder / "duet.json")
    if not isinstance(made, dict):
        raise DuetError(f"{folder / 'duet.json'}: not a JSON object")
    lead = made.get("lead_path") or made.get("lead")
    digest = made.get("lead_score")
    if digest is None and (folder / "lead.laban").is_file():
        digest = score_digest(Score.load(folder / "lead.laban"))
    settings = {k: made[k] for k in ("stream", "controls", "temperature", "top_p", "style", "fps", "bpm", "map")
                if k in made}
    capture = str(made.get("lead_from", "")).startswith(("capture", "score file"))  # a file, not a dance folder
    if capture:
        settings["capture"] = lead
    lineage = Lineage("duet", ({"path": None if capture else lead, "score": digest},), style=made.get("style"),
                      seed=made.get("seed", 0), settings=settings, model=made.get("model"),
                      model_version=made.get("model_version"), motiongpt=made.get("motiongpt"),
                      mended=made.get("mended"))
    return Dance(Score.load(folder / "follow.laban"), {}, lineage, folder)


@contextmanager
def one_thread():
    """torch on one thread while a duet streams: at one row a step a thread pool only adds hand-offs (0.32 s a bar
    on 2 threads with the other core busy, 0.11 s on one), and one core is what a live duet may count on; a
    streamed duet made again streams so too."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def resampled(motion: Motion, fps: float) -> Motion:
    """The motion at ``fps`` (the nearest frame at each tick), as ``Motion.trajectories(fps)`` samples it."""
    if abs(motion.fps - fps) < 1e-9:
        return motion
    from laban.motion import _frames_at

    frames = _frames_at(motion.frame_count, motion.fps, fps)
    return Motion(motion.skeleton, motion.rotations[frames], motion.translations[frames], fps)


def _padded(motion: Motion, frames: int) -> Motion:
    """``frames`` frames: cut, or held on the last pose (a score ends with its last symbol, the lead may not)."""
    if motion.frame_count >= frames:
        return Motion(motion.skeleton, motion.rotations[:frames], motion.translations[:frames], motion.fps)
    more = frames - motion.frame_count
    return Motion(motion.skeleton, np.concatenate([motion.rotations, np.repeat(motion.rotations[-1:], more, 0)]),
                  np.concatenate([motion.translations, np.repeat(motion.translations[-1:], more, 0)]), motion.fps)


# --- what a duet is judged by -----------------------------------------------------------------------------------

def step_beats(score: Score) -> np.ndarray:
    """The beats (whole beat numbers) on which a support symbol starts: steps, holds and turns of the feet (the
    zero-length signs that only set the facing left out)."""
    return np.array(sorted({int(np.floor(s.start + 1e-6)) for s in score.symbols
                            if s.column in SUPPORT_COLUMNS and s.duration > 0}), dtype=int)


def same_beats(lead: Score, follow: Score) -> float:
    """Share of the lead's support symbols whose beat has a follower support symbol too."""
    beats = set(step_beats(follow).tolist())
    starts = [int(np.floor(s.start + 1e-6)) for s in lead.symbols if s.column in SUPPORT_COLUMNS and s.duration > 0]
    return float(np.mean([b in beats for b in starts])) if starts else float("nan")


# --- bar by bar: the stream -------------------------------------------------------------------------------------

@dataclass
class FollowerBar:
    """One bar of the follower, ready before it is danced: ``bar`` (the vocabulary's bar index from 0), its
    ``score`` (the bar alone, standing on its own), its ``motion`` (its frames at the stream's rate, on the lead's
    floor), the frame of the grid's clock its first frame falls on, and the ``seconds`` it took to make (wall
    clock) and ``cpu_seconds`` (this process's processor time: on one thread, what one free core would take)."""

    bar: int
    score: Score
    motion: Motion
    first_frame: int
    seconds: float
    cpu_seconds: float = 0.0


@dataclass
class Duet:
    """The follower, a bar ahead of the lead: ``start()`` gives its first bar (before the lead has danced one),
    then each ``step(lead_bar, lead_frames)`` takes the lead's bar k (its score, cut to stand alone, and its
    frames on the stream's clock, for where the lead stands) and gives the follower's bar k+1.

    The grid is known in advance (the music's, or the lead's tempo); where it begins with an upbeat, the
    follower's bar 0 is that upbeat (a couple dances it together: the follower moves with the lead from the
    first step). ``skeleton`` is the body the follower is decoded on (the lead's, so that sizes match)."""

    model: object
    grid: BeatGrid
    skeleton: object = None
    placement: Placement | None = None
    seed: int = 0
    temperature: float = 1.0
    top_p: float = 1.0
    style: str | None = STYLE
    fps: float = FPS
    height: float | None = None
    ids: list = field(default_factory=list, repr=False)
    lead_bars: list = field(default_factory=list, repr=False)
    bars: list = field(default_factory=list, repr=False)
    _lead_place: tuple | None = field(default=None, repr=False)
    _lead_floor: float | None = field(default=None, repr=False)  # the floor under the lead, from its frames so far
    _lead_seen: object = field(default=None, repr=False)  # the lead's frames so far: ``laban.analysis.FloorSoFar``
    _own_floor: float | None = field(default=None, repr=False)  # the floor the decoder stands the follower on
    _reflex: "Reflex | None" = field(default=None, repr=False)
    _writer: object = field(default=None, repr=False)  # the follower's BarStream

    def __post_init__(self) -> None:
        from laban.bvh import standing_height
        from laban.figure import default_skeleton

        self.skeleton = self.skeleton if self.skeleton is not None else default_skeleton()
        self.placement = self.placement or Placement.load()
        self.height = self.height or standing_height(self.skeleton)
        self._style = follower_style(self.model, self.style)

    # the bar's place on the clock: bars as the vocabulary counts them (bar 0 the upbeat, where there is one)
    def _bar_time(self, bar: int) -> float:
        return float(self.grid.beats_to_seconds(self.model.vocabulary.bar_beat(self.grid, bar)))

    def _staff(self, bar: int) -> int:
        """The staff's number of the vocabulary's bar ``bar`` (``laban.algebra`` counts the upbeat as bar 0)."""
        return bar + (0 if self.grid.downbeat else 1)

    def _frames(self, bar: int) -> range:
        return range(int(round(self._bar_time(bar) * self.fps)), int(round(self._bar_time(bar + 1) * self.fps)))

    def start(self, lead_frames: Motion | Trajectories | None = None) -> FollowerBar:
        """The follower's first bar, from the style and the tempo alone, placed beside where the lead stands as the
        music begins (``lead_frames``: its frames so far, or its first pose: a lead stands in place before dancing)
        facing it on its floor; without them the bar stands where the decoder puts it (facing the room's front,
        whichever way the lead faces) until the lead's first bar is in."""
        if self.bars:
            raise DuetError("the stream has started already")
        began = time.perf_counter(), time.process_time()
        if lead_frames is not None:
            self._seen(lead_frames)
        return self._write(0, None, began)

    def step(self, lead_bar: Score, lead_frames: Motion | Trajectories | None = None) -> FollowerBar:
        """The lead's next bar in (its score; its frames for where it stands, optional), the follower's next
        bar out."""
        if not self.bars:
            raise DuetError("start the stream first: stream.start() gives the follower's first bar")
        began = time.perf_counter(), time.process_time()  # from the lead's bar in: where it stands is the bar's too
        self.lead_bars.append(lead_bar)
        if lead_frames is not None:
            self._seen(lead_frames)
        return self._write(len(self.bars), lead_bar, began)

    def _seen(self, lead_frames: Motion | Trajectories) -> None:
        """Where the lead stands at the end of the frames given (the place the next bar is planned beside), and the
        floor under it, from every frame of it given so far: a capture's floor is seldom at 0 nor read well from a
        moment (CMU's subject 5: 2-7 cm off it, and a take's first second 6 cm from its whole), so each bar is
        stood on the floor the lead has shown so far, as a whole duet stands on the floor of the whole lead. That
        floor is kept as the frames come (``FloorSoFar``), so a bar costs the same late in a long dance as early."""
        from laban.analysis import FloorSoFar

        traj = lead_frames.trajectories(self.fps) if isinstance(lead_frames, Motion) else lead_frames
        beat = 60.0 / self.grid.tempo
        xz, heading = floor_frame(traj, HEADING_SMOOTHING * beat)
        tail = max(1, int(0.5 * beat * traj.fps))
        self._lead_place = (xz[-tail:].mean(0), float(np.arctan2(np.sin(heading[-tail:]).mean(),
                                                                 np.cos(heading[-tail:]).mean())))
        if self._lead_seen is None:
            self._lead_seen = FloorSoFar()
        self._lead_floor = self._lead_seen.add(traj)  # (floor_frame has recognised the skeleton's body parts)

    def prepare(self) -> None:
        """What the follower's next bar needs nothing from the lead for (every few bars the writer starts its
        sequence again from its last bars: ``BarStream.prepare``): call it while the lead dances its bar, so that
        ``step`` waits only for what needs the lead; ``step`` does it itself otherwise. The same bars either way."""
        if self._writer is not None:
            self._writer.prepare()

    def react(self, lead_frames: Motion | Trajectories, bar: FollowerBar | None = None) -> Motion:
        """The follower's frames of the bar the lead is dancing now (default: the last bar given), moved by the
        frame-by-frame ``Reflex`` (its place kept beside the lead, the bodies apart) as the lead's frames of the
        same bar arrive (call it as they come, in order)."""
        bar = bar or self.bars[-1]
        traj = lead_frames.trajectories(self.fps) if isinstance(lead_frames, Motion) else lead_frames
        if self._reflex is None:
            beat = 60.0 / self.grid.tempo * self.fps
            self._reflex = Reflex(self.placement.margin * self.height, 0.5 * beat, self.placement, self.height, beat)
        return self._reflex.frames(traj, bar.motion)

    def _controls(self) -> np.ndarray | None:
        """The new bar's control row, predicted as the lead's last bar's (read with its bars before, up to
        ``CONTEXT_BARS``); None before the lead has danced a bar."""
        from laban.algebra import concatenate

        if not self.lead_bars:
            return None
        known = self.lead_bars[-CONTEXT_BARS:]
        return lead_controls(self.model, concatenate(*known), len(known))[-1]

    def _write(self, bar: int, lead_bar: Score | None, began: tuple[float, float]) -> FollowerBar:
        from laban import decode
        from laban.algebra import cut

        from .stream import BarStream

        began, cpu = began
        first = max(0, bar - DECODE_BARS)
        if self._writer is None:
            self._writer = BarStream(self.model, self.grid, style=self._style, seed=self.seed,
                                     temperature=self.temperature, top_p=self.top_p)
        self.ids += self._writer.bar(self._controls())
        whole = self._recent()
        window = cut(whole, self._staff(first), self._staff(bar))
        motion = decode(window, self.skeleton, fps=self.fps, seed=self.seed)
        start = self._bar_time(first) - window.grid.times[0]  # the window's clock: its first bar at times[0]
        frames = self._frames(bar)
        index = np.clip(np.round(np.array(frames) - start * self.fps).astype(int), 0, motion.frame_count - 1)
        overlap = np.clip(np.round(np.array(self._frames(bar - 1)) - start * self.fps).astype(int), 0,
                          motion.frame_count - 1) if self.bars else None
        piece = self._placed(motion, index, overlap)
        done = FollowerBar(bar, cut(whole, self._staff(bar), self._staff(bar)), piece, frames.start,
                           time.perf_counter() - began, time.process_time() - cpu)
        self.bars.append(done)
        return done

    def _placed(self, motion: Motion, index: np.ndarray, overlap: np.ndarray | None) -> Motion:
        """The new bar's frames (``index`` into the decoded window) moved on the floor: from where the window's
        bar before meets the bar already given (continuity) to the learned place beside the lead's last known
        place, over the bar; the join blended over a quarter of a beat."""
        beat = 60.0 / self.grid.tempo
        traj = motion.trajectories()
        xz, heading = floor_frame(traj, HEADING_SMOOTHING * beat)
        if self._own_floor is None:
            self._own_floor = floor_height(traj)
        pivot = xz[index].mean(axis=0)  # turns about the new bar's own place, not the room's origin
        xz = xz - pivot
        new_xz, new_heading = xz[index], heading[index]
        moves = []
        if overlap is not None:
            given = self.bars[-1].motion.trajectories()
            g_xz, g_heading = floor_frame(given, HEADING_SMOOTHING * beat)
            n = min(len(overlap), len(g_xz))
            moves.append(_bar_move(g_xz[:n] - pivot, g_heading[:n], xz[overlap][:n], heading[overlap][:n]))
        if self._lead_place is not None:
            lead_xz, lead_heading = self._lead_place
            target_xz, target_heading = _target(lead_xz[None], np.array([lead_heading]), self.placement, self.height)
            moves.append(_bar_move(np.repeat(target_xz - pivot, len(index), 0), np.repeat(target_heading, len(index)),
                                   new_xz, new_heading))
        if not moves:
            moves.append((0.0, np.zeros(2)))
        (y0, s0), (y1, s1) = moves[0], moves[-1]
        y1 = y0 + float(wrap(y1 - y0))
        w = np.linspace(0.0, 1.0, len(index))
        w = w * w * (3 - 2 * w)  # smoothstep: the move changes most in mid-bar, none at the bar lines
        yaw = y0 + (y1 - y0) * w
        shift = s0[None] + (s1 - s0)[None] * w[:, None] + pivot - _rotate(pivot, yaw)
        piece = Motion(motion.skeleton, motion.rotations[index], motion.translations[index], motion.fps)
        rise = 0.0 if self._lead_floor is None else self._lead_floor - self._own_floor  # onto the lead's floor
        piece = moved(piece, yaw, shift, rise)
        if self.bars:
            piece = _joined(self.bars[-1].motion, piece, max(2, int(0.25 * beat * self.fps)))
        return piece

    def _recent(self) -> Score:
        """The follower's score as this bar's cuts read it: ``score``, mended from the writer's last bars
        (``BarStream.recent``) rather than from all of them, so that a bar costs the same late in a long dance as
        early (the same cuts: ``tests/test_vocabulary.py``, ``tests/test_duet.py``)."""
        from motiongpt.plausibility import mended

        end = self.model.vocabulary.bar_beat(self.grid, self._writer.written)
        return mended(self._writer.recent(), 0.0, end, open_end=True)

    @property
    def score(self) -> Score:
        """The follower's score so far, mended as a body can dance it (``motiongpt.plausibility.mended``: the
        other foot lifted while one turns, each step taking the weight, the weight held where its supports leave a
        gap with no flight written, to the last bar's end, which nothing follows yet)."""
        from motiongpt.plausibility import mended

        vocabulary = self.model.vocabulary
        end = vocabulary.bar_beat(self.grid, len(vocabulary.bar_spans(self.ids)))
        return mended(vocabulary.to_score(self.ids + [vocabulary.eos_id], self.grid), 0.0, end, open_end=True)

    def motion(self) -> Motion:
        """The follower's bars so far, one motion from the grid's time 0 (before its first bar: its first pose)."""
        if not self.bars:
            raise DuetError("nothing streamed yet")
        parts = [b.motion for b in self.bars]
        rotations = np.concatenate([p.rotations for p in parts])
        translations = np.concatenate([p.translations for p in parts])
        lead_in = self.bars[0].first_frame  # negative when the grid's first beat is before time 0
        rotations = np.concatenate([np.repeat(rotations[:1], max(lead_in, 0), 0), rotations[max(-lead_in, 0):]])
        translations = np.concatenate([np.repeat(translations[:1], max(lead_in, 0), 0),
                                       translations[max(-lead_in, 0):]])
        return Motion(parts[0].skeleton, rotations, translations, self.fps)


def _joined(before: Motion, after: Motion, frames: int) -> Motion:
    """``after`` eased out of where ``before`` ends over its first ``frames`` frames (joint rotations by
    normalised interpolation, the root's position by the gap carried forward): no jolt at a bar line."""
    frames = min(frames, after.frame_count)
    w = np.ones(after.frame_count)
    ramp = np.linspace(0.0, 1.0, frames + 1)[1:]
    w[:frames] = ramp * ramp * (3 - 2 * ramp)
    last = before.rotations[-1].astype(np.float64)
    rot = after.rotations.astype(np.float64)
    rot = np.where((last[None] * rot).sum(-1, keepdims=True) < 0, -rot, rot)  # the same hemisphere as ``last``
    blended = last[None] * (1 - w)[:, None, None] + rot * w[:, None, None]
    blended /= np.linalg.norm(blended, axis=-1, keepdims=True)
    expected = before.translations[-1].astype(np.float64)
    if before.frame_count > 1:
        expected = expected + (before.translations[-1] - before.translations[-2])
    gap = expected - after.translations[0]
    translations = after.translations + gap[None] * (1 - w)[:, None, None]
    return Motion(after.skeleton, blended.astype(after.rotations.dtype), translations.astype(after.translations.dtype),
                  after.fps)


def streamed(model, lead_score: Score, lead: Motion, *, seed: int = 0, temperature: float = 1.0,
             top_p: float = 1.0, placement: Placement | None = None, fps: float = FPS
             ) -> tuple[DuetResult, list[tuple[float, float]]]:
    """The follower of a whole lead made as live: ``Duet.start`` (beside where the lead stands as the music
    begins), then ``Duet.prepare`` while the lead dances each bar and ``Duet.step`` after it, each follower bar
    moved by the ``Reflex`` as the lead's frames of that bar come. A lead's upbeat (bar 0) is the follower's first
    bar too: a couple moves together from the first step. Returns the duet and (wall, processor) seconds each bar
    took to make once the lead's bar was in (``start`` and ``step``, reading where the lead stands included;
    ``prepare``, done before, is not counted; the reflex costs about a millisecond a frame or less)."""
    from laban.algebra import bar_count, cut

    lead = resampled(lead, fps)
    stream = Duet(model, lead_score.grid, lead.skeleton, placement=placement, seed=seed, temperature=temperature,
                  top_p=top_p, fps=fps)
    traj = lead.trajectories()

    def lead_frames(frames: range) -> Motion:
        return Motion(lead.skeleton, lead.rotations[max(frames.start, 0):frames.stop],
                      lead.translations[max(frames.start, 0):frames.stop], fps)

    bars = [stream.start(lead_frames(range(0, max(stream._frames(0).start, 1))))]  # the lead as the music begins
    upbeat = 1 if lead_score.grid.downbeat else 0  # the staff's bar 0
    for k in range(1, bar_count(lead_score) + upbeat):  # after the lead's bar k - 1, the follower's bar k
        stream.prepare()  # while the lead dances bar k - 1 (not counted in the bar's seconds)
        frames = lead_frames(stream._frames(k - 1))
        lead_bar = stream._staff(k - 1)
        bars.append(stream.step(cut(lead_score, lead_bar, lead_bar), frames if frames.frame_count else None))
    pieces = []
    for bar in bars:
        first, skip = max(bar.first_frame, 0), max(-bar.first_frame, 0)
        stop = min(bar.first_frame + bar.motion.frame_count, traj.frame_count)
        if stop <= first:
            break
        mine = Motion(bar.motion.skeleton, bar.motion.rotations[skip:], bar.motion.translations[skip:], fps)
        pieces.append(stream.react(Trajectories(traj.skeleton, traj.positions[first:stop], fps),
                                   FollowerBar(bar.bar, bar.score, mine, first, 0.0)))
    lead_in = max(bars[0].first_frame, 0)
    rotations = np.concatenate([p.rotations for p in pieces])
    translations = np.concatenate([p.translations for p in pieces])
    follow = Motion(lead.skeleton, np.concatenate([np.repeat(rotations[:1], lead_in, 0), rotations]),
                    np.concatenate([np.repeat(translations[:1], lead_in, 0), translations]), fps)
    return (DuetResult(lead_score, stream.score, lead, _padded(follow, lead.frame_count),
                       _padded(stream.motion(), lead.frame_count)), [(b.seconds, b.cpu_seconds) for b in bars])
