"""The decoder: a Labanotation score in, motion that looks like a person doing it out.

What a dancer reading the staff does, in order (one module each):

1. **Supports** (``supports.support_runs``): read the support columns as runs of weight on the left foot, the
   right foot, both, or none (flight), each started by a step (its direction and level) or continuing the weight.
2. **Front** (``supports.heading_of``): turn signs rotate the facing; each is executed so that the notated front,
   which advances in eighths of a turn, stays within a few degrees of the real one.
3. **Floor plan** (``steps.Steps``): every step places the free foot where the step's direction and the weight
   transfer need it, the pelvis travels over the supporting foot, supporting feet stay planted (they only pivot
   on the ball in turns), and levels bend the knees (plié) or raise the heels (relevé). A dance whose first
   support is a step is caught in motion: it starts on its way, at that step's speed.
4. **Gestures** (``gestures.gesture_track`` along ``routes``): arms, torso and head reach the destination of each
   symbol over its duration, with eased timing, along the sphere; free feet swing with clearance or follow their
   leg gestures (``legs``).
5. **Body** (``body.Body``): the pelvis height follows the levels of the supporting legs and, in a jump, a
   push-off, a ballistic flight of the centre of mass and a landing absorbed by the knees; two-bone IK places
   knees over the toes; hanging arms swing against the legs as the body travels; rotations point each bone of the
   skeleton where it must go. The centre of mass is then put over the feet (balance) and on its parabola (flight),
   and the legs solved again.

Whatever the notation leaves free — the exact angle inside a direction's cell (around where real dancers
typically hold that limb there: the execution prior ``execution_prior.json``, measured on CMU dance of the
training split by ``datasets/execution_prior.py``), step length, foot placement, turn-out, knee bend within a
level, timing curves, small breathing motion — is drawn from ``seed``, always inside the cells the tokenizer
reads, so that ``tokenize(decode(score), score.grid)`` gives back the score. ``execution="learned"`` draws these
choices from the execution model learned from real dancers instead (``laban.execution``: where a limb ends inside
its cell, how deep a knee bends in a level, how far a held arm sinks; recipe
``datasets/execution_model.py``), and lets the centre of weight flow from step to step; see ``docs/execution.md``.

Choices are local (``clock.Streams``): each is drawn from a stream keyed by (seed, column, symbol start), except
where in a cell a limb goes, drawn once a dance for each column and cell (``gestures.spot``: a limb going back to a
cell goes back to the same place), and the floor plan accumulates only what the score says. Editing a symbol changes
the motion only from that symbol until the next symbol of its column has arrived, plus a transition of about a beat
on each side (anticipation and smoothing are bounded by the beat: ``Clock.anticipation``, ``Clock.kernel``, and a
jump's push, which moves the whole body, by ``Clock.preparation``; stacked, their Gaussian tails reach a little
further, by micrometres, and a dance that ended in the air, continued, moves by half a millimetre from 1.3 beats
before the join: its pelvis sets off into the last leap 0.9 of a beat before the landing); an edit of steps, turns
or a leg gesture carries the rest of the dance rigidly to a new place and facing once each foot has stepped again (a
foot planted all through the edit stays where it stood) and, for a turn, once the body has settled back onto the
notated front after it (``supports.heading_of``: over about a beat, or by the end of the next turn if sooner).
Zero-length turn signs at beat 0 set the facing the dance starts with (``laban.algebra.rotate_front``). All
per-frame work is numpy over whole arrays; Python loops run over symbols, runs and joints.
"""

from __future__ import annotations

import copy

import numpy as np

from ..cells import cell_centre, cell_of, core_cell
from ..execution import ExecutionModel
from ..figure import Rig, default_skeleton
from ..motion import Motion
from ..score import Column, Score, Sign
from ..skeleton import Skeleton
from .body import Body
from .clock import LONGEST_DECODE_S, Clock, DecodeError, Streams
from .gestures import (TRACKED_COLUMNS, drawn_moves, gesture_track, sample_direction, track_reach,
                       typical_direction)
from .steps import Steps
from .supports import heading_of, support_runs

__all__ = ["DecodeError", "LONGEST_DECODE_S", "decode", "sample_direction", "typical_direction", "cell_of",
           "cell_centre", "core_cell"]


_UPPER = {Column.FOREARM_LEFT: Column.UPPER_ARM_LEFT, Column.FOREARM_RIGHT: Column.UPPER_ARM_RIGHT}
EXECUTIONS = ("rules", "learned")  # how the free parts of the motion are chosen (``decode``'s ``execution``)
_ARRIVED = 0.15  # s after its written end that a limb's move has arrived and its track's smoothing settled there


def decode(score: Score, skeleton: Skeleton | None = None, *, fps: float = 30.0, seed: int = 0,
           execution: str = "rules") -> Motion:
    """Motion that performs ``score`` on ``skeleton`` (default: ``laban.figure.default_skeleton()``).

    Joint rotations and root translation at ``fps`` frames per second, frame 0 at time 0 of the score's beat
    grid, to the end of its last symbol. ``seed`` (an integer from 0) picks one of the many executions the
    notation allows; the same seed gives the same motion, to the byte. ``execution`` says who chooses what the
    notation leaves free: ``"rules"`` (hand-set ranges around the execution prior) or ``"learned"`` (sampled from
    the execution model learned from real dancers, ``laban.execution``).
    """
    if not isinstance(score, Score):
        raise DecodeError(f"decode needs a Score, not {type(score).__name__}")
    if not score.symbols and not score.starting_position:
        raise DecodeError("the score is empty: it has no symbols and no starting position to decode")
    if not (isinstance(fps, (int, float)) and np.isfinite(fps) and 1.0 <= fps <= 1000.0):
        raise DecodeError(f"frame rate must be a number of frames per second from 1 to 1000, not {fps!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DecodeError(f"seed must be a whole number from 0, not {seed!r}")
    if execution not in EXECUTIONS:
        raise DecodeError(f"execution must be one of {', '.join(EXECUTIONS)}, not {execution!r}")
    skeleton = default_skeleton() if skeleton is None else skeleton
    rig = Rig.of(skeleton)  # SkeletonError (a LabanError) when the body parts cannot be recognised
    streams = Streams(int(seed), ExecutionModel.load() if execution == "learned" else None)
    clock = Clock(score, float(fps))
    runs = support_runs(score, clock)
    heading = heading_of(score, clock, streams)
    steps = Steps(rig, clock, runs, heading, streams)
    gestures: dict = {}
    for column in TRACKED_COLUMNS:  # upper arms before forearms: a bent elbow is measured from its upper arm
        upper = _UPPER.get(column)
        upper, early = (None, None) if upper is None else \
            _upper_as_written(score, column, upper, gestures[upper], clock, streams)
        gestures[column] = gesture_track(score, column, clock, streams, upper, early)
    return Body(rig, clock, steps, gestures, score, streams).motion()


def _upper_as_written(score: Score, forearm: Column, column: Column, track: np.ndarray, clock: Clock,
                      streams: Streams) -> tuple[np.ndarray, dict]:
    """The upper arm's ``track`` as a forearm reads it: a forearm with a contraction sign arrives at its bend
    from where the upper arm stands when it arrives (``gestures.bent``), and that must be where the upper arm
    stands as written until then. An upper-arm move written at or after the arrival begins a moment early and
    would otherwise turn the forearm's target, and so the whole forearm movement, from the forearm's start: an
    edit felt long before it (a regenerated bar reaching back into the kept bar before it, by millimetres). At
    each such arrival frame the track is replaced by the upper arm's track without the moves written from then
    on, where the next move is near enough to matter (around that frame only). So is an arrival whose frame lies
    within a smoothing's reach of the dance's end, or past it (a symbol ending with the dance): there the track
    is cut short by the end, which a dance continued does not have; it is tracked again over frames past the
    end, and the array returned runs on to the last arrival's frame. Where an upper-arm move is under way at the
    arrival, the frame holds where that move arrives instead: its target (tracked so, where a learned execution's
    held arm sinks after it arrives).

    Returned with it, for the forearm moves that upper-arm moves written after their start change (``early``, by
    the forearm symbol's start): where the upper arm goes as written before the first of those, and the seconds
    over which the forearm turns from the bend from there to the bend from where it arrives (``gesture_track``):
    from ``Clock.anticipation`` before that upper-arm move to half of it. A forearm bending over four beats, into a
    bar whose upper arm was regenerated, otherwise bent towards the new upper arm from its start: 31 mm at the hand
    two beats before the edit."""
    bends = [s for s in score.column(forearm) if s.sign is Sign.DIRECTION and s.contraction]
    uppers = [s for s in score.column(column) if s.sign is Sign.DIRECTION]
    if not bends or not uppers:
        return track, {}
    ends = clock.seconds(np.array([s.end for s in bends]))
    frames = np.searchsorted(clock.t, ends)  # as ``gesture_track`` finds them (the last, past the end)
    starts = clock.seconds(np.array([s.start for s in uppers]))
    written = np.searchsorted(starts, ends - 1e-9)  # upper-arm moves written before each arrival
    around = track_reach(clock)  # the frames either side that a frame of the track depends on
    # an upper-arm move under way at the arrival is read where it arrives: the bend is the elbow's once the upper
    # arm is where it is going (the state the notation reads), not wherever it was passing (a regenerated bar that
    # moved the upper arm later into the same place turned the held forearm: 12 mm at the hand for 6 beats after)
    going = clock.seconds(np.array([uppers[c - 1].end if c else 0.0 for c in written]))
    under_way = (written > 0) & (going > ends + 1e-9)
    arrives = np.where(under_way, np.searchsorted(clock.t, going) + around, frames)  # (arrived, and smoothed)
    read = np.where(under_way, arrives / clock.fps, ends)
    # a move is felt at most a beat before it (``gestures.track``): only frames read within a beat of the next
    # upper-arm move can differ, and only their counts are tracked again
    following = starts[np.minimum(written, len(uppers) - 1)]
    near = (written < len(uppers)) & (read > following - np.array([clock.beat_before(f) for f in following]) - 0.1)
    near |= arrives + around >= clock.frames  # the end's smoothing
    seen = np.concatenate([track, np.repeat(track[-1:], max(int(frames.max()) + 1 - len(track), 0), axis=0)])
    seen[frames[~near]] = track[arrives[~near]]
    targets = None
    if streams.model is None:  # a move's arrival, held: its target (what tracking gives, at a tenth of the cost)
        _, rest, _, _, moves = drawn_moves(score, column, clock, streams)
        targets = [rest] + [move[2] for move in moves]
        seen[frames[under_way]] = np.array([targets[c] for c in written[under_way]]).reshape(-1, 3)
        near &= ~under_way

    def tracked(count: int, at: int) -> np.ndarray:
        """The upper arm at frame ``at`` as its first ``count`` moves take it: the move under way there, the one
        it may still be arriving from, and the target that one starts from."""
        earlier = Score(score.grid, uppers[max(count - 3, 0):count], score.starting_position)
        lo = max(at - around, 0)
        view = copy.copy(clock)  # the track around that frame only (past the end if need be)
        view.t, view.frames = np.arange(lo, at + around + 1) / clock.fps, at + around + 1 - lo
        return gesture_track(earlier, column, view, streams)[at - lo]

    for count, frame, at in {(int(c), int(f), int(a)) for c, f, a in zip(written[near], frames[near], arrives[near])}:
        seen[frame] = tracked(count, at)
    early = {}
    begun = clock.seconds(np.array([s.start for s in bends]))
    for k, bend in enumerate(bends):
        late = (starts > begun[k] + 1e-9) & (starts < ends[k] - 1e-9)  # written while the forearm moves
        if not late.any():
            continue
        first = float(starts[late].min())
        count = int(np.searchsorted(starts, first - 1e-9))
        end = clock.seconds(uppers[count - 1].end) if count else 0.0
        at = int(np.searchsorted(clock.t, end)) + around if end > ends[k] + 1e-9 else int(frames[k])
        if targets is not None and end + _ARRIVED <= at / clock.fps:  # arrived there, and held
            before = targets[count]
        else:
            before = tracked(count, at)
        ahead = clock.anticipation(first)
        early[bend.start] = (before, first - ahead, first - 0.5 * ahead)
    return seen, early
