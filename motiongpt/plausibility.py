"""What a body can do, as a constraint on sampling (a logits processor beside the grammar's validity).

The grammar makes every sample a valid score; a valid score can still ask for what no dancer does. Two such
requests the decoder cannot soften without betraying the score:

- A long flight: in the air, a body follows a parabola, so a flight written for 1.2 s is a 1.8 m jump (the first
  evaluations of the built-in model found dances that "floated" 0.8 m). ``FlightLimit`` caps a flight's length at
  what the shared captures show (their longest, a grand jeté, is 0.63 s in the air), at the dance's tempo: a
  flight's duration token may not be longer, a flight may not be tied over a bar line (its continuation would add
  to it), and no flight takes off before a support has been written since the last one (flights one after
  another are one long flight: a "jump, balance" dance rose 10.9 m).
- A fast turn: the whole body turns with it, so three-quarters of a turn written in a sixteenth at 154 bpm
  (0.1 s) swings the hands at 25 m/s, five times the captures' 99th percentile. ``TurnLimit`` gives a turn at
  least the time the captures' fastest turn would take (3.7 turns a second; their 99th percentile is 2.5).
- An unwritten spring: a gap in the support columns is a jump (Labanotation writes springs so, and the decoder
  flies them), which the tokenizer always writes with a flight sign, so the shared scores have almost none without
  one; the built-in model left one every two seconds, most a quarter to one beat long, each performed as a hop
  nobody asked for. ``weight_kept`` keeps the weight over them in what was sampled (the step before them lasting
  on, or a hold). Held, they are pauses the captures do not make (the model's walks stopped and started), so
  ``SupportsContinued`` first pushes the model to write the support itself where it would leave the feet empty,
  except where the words count the steps.
- A pivot on both feet: a turn sign in one support column turns the body on that foot, and the tokenizer never
  writes one while the other foot's column still holds weight (0 of the shared scores' 753); the built-in model
  wrote 21 of its 44 so (validation dances), which the decoder performed as written, the body turning over two
  planted feet and crossing the legs by up to 45 cm. ``pivots_freed`` lifts the other foot while one turns.
- A step inside the other foot's support: in the tokenizer's scores the supports change together (a run on one
  foot or both, every symbol of it starting where it starts: no step begins while the other foot's symbol,
  begun earlier, still sounds); the built-in model wrote 394 such steps in 81 validation dances, danced as the
  weight shifting onto both feet and back over the first. ``weight_transferred`` ends the other foot's symbol
  where the step begins: the step takes the weight.

- A step onto both feet going two ways: the centre of weight travels one way, which the tokenizer writes in both
  columns (none of the 500 in the 150 shared scores differ); the built-in model wrote 25 of its 122 (validation
  dances, seeds 0-1) with a direction for each foot, and the decoder travels the left foot's, so the right
  column's never read back. ``steps_together`` writes both feet's step the way their mean goes.
- A step onto both feet whose feet end apart: the tokenizer begins a support symbol wherever the supports change,
  so where one foot of a two-foot step lifts, the other's weight is written anew (none of the 298 two-foot steps in
  the shared scores end apart); the built-in model ended 30 of its 44 apart (validation dances, seed 0), and the
  decoder lifts the shorter's foot at its end and shifts the weight over the other, so the longer symbol's
  direction read back as the step in place it had become. ``weight_onto_one`` writes that step in place (and so
  where one foot's symbol or both are holds: 7 pairs in 6 of those dances).

- A torso bent to the horizontal and left there: a torso direction at the middle level (or low) holds until the
  torso's next symbol, and the training split's captures never keep the torso more than 60° from the vertical
  for longer than 2.7 s (9 of their 96 takes bend it that far at all; their scores hold such a bend 1.9 s at
  most); the model's dances held it for 6-9 s, one from its starting position through all 8 s (the evaluation's
  "torso horizontal" relation, near zero in every capture, then outweighed all other geometric features: a
  retrained model's validation FID_g 67.6, 43.5 with the bend raised). No training score starts bent (0 of 96
  starting positions); the built-in model started 5 of 270 validation dances so, each then a third of its length
  bent over. ``torso_raised`` stands a starting position's torso up (the same direction, high) and brings a bend
  back upright on the next whole beat after ``LONGEST_BEND``. So too a torso leaning back, which the training
  scores write five times and never hold (the next torso symbol follows at once) and the model's dances held for
  up to 12 s, the pelvis ahead of the feet all the while (the evaluation's "pelvis forward of feet", z +29 to
  +42 in the validation dances where it happened). And a lean (a torso direction at the high level), held no
  longer than ``LONGEST_LEAN``: the model's salsa followers, whose training scores write no torso sign at all,
  leaned forward through 14 of 20 s (the pelvis ahead of the feet again, z +9 and +14).

``mended`` applies these to what was sampled, in that order (two-foot steps made one way, a pivot's other foot
lifted, then each step taking the weight, then a two-foot step's feet parting written, then the gaps these leave
held, then a long bend or lean raised), wherever a model's bars become a score; ``mended_as`` mends as an older
version did, for a dance made again (``MENDED``).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import math
from fractions import Fraction

import numpy as np
import torch
from transformers import LogitsProcessor

from laban.decoder.supports import LONGEST_FLIGHT  # seconds in the air: the captures' longest flight is 0.63 s
from laban.decoder.supports import TURNING_STEP, starting_level  # TURNING_STEP: beats of a step turned from
from laban.score import Column, Direction, Level, Score, Sign, Symbol
from laban.timing import BeatGrid

from .grammar import BAR, COL, EOS, P_AFTER_DUR, P_COL, P_EVENT, P_WHAT, POS, ScoreGrammarProcessor
from .vocabulary import COLUMNS, TURN_STEP, Vocabulary

__all__ = ["FASTEST_TURN", "GAP_PENALTY", "LONGEST_BEND", "LONGEST_FLIGHT", "LONGEST_LEAN", "MENDED", "FlightLimit",
           "STEPS_PARTED", "SupportsContinued", "TurnLimit", "gaps_held", "limits", "mended", "mended_as",
           "pivots_freed", "steps_together", "torso_raised", "weight_kept", "weight_onto_one", "weight_transferred"]

# Turns a second: the shared captures' fastest turn, training split (``python bench/turn_rates.py``: 468 turns,
# median 0.64, 99th percentile 2.47, fastest 3.68).
FASTEST_TURN = 3.7
# Seconds a torso written bent to the horizontal (a direction at the middle or low level) is held there at most after
# it arrives, before it is raised. The training split's scores hold one 1.9 s at most (01_05, a playground take; the
# other four 0-0.5 s), and its captures never keep the torso more than 60° from the vertical longer than 2.7 s
# (01_11; no dance take over 0.1 s; ``python bench/pose_outliers.py --captures``). 1.0 was chosen on the
# validation split (the model's 27 dances, sampling seeds 0-9, FID_g mean: 0.5 s 28.3, 1.0 s 28.5, 1.9 s 29.8,
# 2.7 s 31.6; ``docs/model.md``, "Four seeds were not enough").
LONGEST_BEND = 1.0
# Seconds a torso written leaning (a direction at the high level: past the upright cell's 22.5° from the vertical)
# is held at most after it arrives, before it is raised. The training split's dance takes never lean so longer than
# 2.05 s (61_11, a salsa follower; modern dance 1.17 s, salsa leads 1.37 s; ``python bench/pose_outliers.py
# --captures``, "leaning"), where a basketball dribble bends over its ball for 21 s and a playground climb 9.5 s.
# 2.0 was chosen on the validation split (the model's 27 dances, FID_g mean over sampling seeds 0-3: held as
# written 23.23, 9.4 s 22.93, 4 s 22.13, 2 s 20.77, 1 s 20.70, 0.5 s 20.68; ``docs/model.md``, "A lean comes back").
LONGEST_LEAN = 2.0


# Nats taken from every way of leaving the supports empty (``SupportsContinued``). Chosen on the validation split
# (the model's 27 dances, sampling seeds 0-3, FID_k / FID_g means, pushed everywhere; ``docs/model.md``, "Supports
# left empty"): none 31.8 / 27.2, 1.5 30.1 / 37.1, 3 28.2 / 25.4, 6 30.0 / 44.3.
GAP_PENALTY = 3.0


def limits(vocabulary: Vocabulary, grid: BeatGrid, grammar: ScoreGrammarProcessor | None = None) -> list:
    """Every limit a sampled dance keeps, to run after the grammar's processor (``grammar``: it, whose state a
    limit may read, or anything holding such a ``state``, as a ``BarStream`` does; a stream's grammar has no last
    bar, so no turn is refused for want of room there)."""
    return [FlightLimit(vocabulary, grid, grammar=grammar), TurnLimit(vocabulary, grid, grammar=grammar)]


class SupportsContinued(LogitsProcessor):
    """A push against leaving the support columns empty: ``penalty`` nats off every token that would move on in
    time (a later position, the next bar, the end) while nothing stands on the feet, and off the columns after the
    supports at a position where a support is still to be written (staff order: once an arm is written there, no
    support can be). Not after a flight, whose landing the decoder makes; not in bars whose words count the steps
    (``counted``: one flag per ``<bar>``, as the grammar numbers them; filling in, the middle's bars follow the
    prefix's), where a support the model would not write is better held (``weight_kept``) than made a step the
    words did not ask for; never a refusal. ``grammar``: the grammar's processor it runs after, or anything that
    holds a ``ScoreGrammar`` as ``grammar`` and its state as ``state`` (a ``BarStream``).

    The tokenizer writes no such gap (0 in the 150 shared scores: each support begins where the last ends, a
    landing where its flight ends), but the built-in model left 16 % of its validation dances' beats with nothing
    on the feet, which ``weight_kept`` then holds: its walks paused where the captures' go on. Pushed, the model
    writes the support the moment asks for itself (a step, a hold, a turn), and leaves 4 % of the beats empty."""

    def __init__(self, grammar, counted: np.ndarray | None = None, penalty: float = GAP_PENALTY) -> None:
        g = grammar.grammar
        self.grammar, self.penalty = grammar, penalty
        self.counted = None if counted is None else np.asarray(counted, dtype=bool)
        # per token, as numpy: a step's mask is a few operations on rows this small (tensor operations on them cost
        # microseconds each), made a tensor once
        self.position = np.where(g.kind == POS, g.arg, -1)  # a position token's, else -1
        self.next_bar = (g.kind == BAR) | (g.kind == EOS)  # the next bar, or the end
        self.after_supports = (g.kind == COL) & (g.arg > COLUMNS.index(Column.SUPPORT_RIGHT))
        self.moving_on = self.after_supports | (self.position >= 0) | self.next_bar  # where a support is still due

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        s = self.grammar.state
        if s is None:
            return scores
        ph = s.phase
        if not {P_EVENT, P_AFTER_DUR, P_COL} & set(ph.tolist()):  # no row between events (most steps: at once)
            return scores
        covered = s.busy[:, 1:4].max(1)  # lanes 1-3: the centre's turns (on both feet), the two supports
        after_flight = (s.busy[:, 0] >= covered) & (s.busy[:, 0] > 0)
        writing = (((ph == P_EVENT) | (ph == P_AFTER_DUR) | (ph == P_COL)) & (s.bar >= 0) & ~(s.fim & ~s.middle)
                   & ~(s.pending >= 0).any(1) & ~after_flight)
        if self.counted is not None and len(self.counted):
            writing &= ~self.counted[np.clip(s.bar, 0, len(self.counted) - 1)]
        if not writing.any():
            return scores
        floor = np.where(s.bar == 0, s.upbeat_floor, 0)
        empty_here = writing & (s.pos >= 0) & (covered <= s.pos)
        support_here = empty_here & ((ph == P_COL) | (s.last_col < COLUMNS.index(Column.SUPPORT_RIGHT)))
        gap_from = np.maximum(np.maximum(covered, floor), np.where(empty_here & ~support_here, s.pos + 1, 0))
        later = writing & ~support_here
        pushed = (support_here[:, None] & self.moving_on[None]) | (later[:, None] & (
            (self.position[None] > gap_from[:, None]) | (self.next_bar[None] & (gap_from < s.length)[:, None])))
        if not pushed.any():
            return scores
        size = pushed.shape[1]
        pushed = torch.from_numpy(pushed).to(scores.device)
        return torch.cat([scores[:, :size] - self.penalty * pushed.to(scores.dtype), scores[:, size:]], dim=1)


class FlightLimit(LogitsProcessor):
    """Durations longer than ``longest`` seconds (at the grid's slowest beat) refused after a flight, the tie
    after a flight's duration refused, and a flight refused until a support has been written since the last one
    (flights one after another with no landing between would keep the body up for seconds) or, before the
    first, in the dance's first beat (``grounded``).

    With the ``grammar`` processor it runs after, the centre column itself is refused while the dancer is in the
    air and a turn sounds in the centre's turn lane: the centre could then take only a flight, which this would
    refuse, and a refusal that left nothing would let it through. Without it, the built-in model stacked a
    quarter of its validation dances' flights so, most in the dances asked to jump (a "jump" flew three flights
    with no landing between, which the shared scores never do: 0 of their 78). With the grammar, too, no flight
    takes off in the dance's first beat before a support has been written: a jump needs the beat before it to
    crouch and push (the decoder's take-off), and the tokenizer writes every take-off, so no shared score flies
    before a support symbol; the model's jumps took off on the first beat from standing (37 of 48 dances asked
    to jump, six prompts × two grids × four seeds)."""

    def __init__(self, vocabulary: Vocabulary, grid: BeatGrid, longest: float = LONGEST_FLIGHT,
                 grammar: ScoreGrammarProcessor | None = None) -> None:
        self.grammar = grammar
        times = np.asarray(grid.times, dtype=float)
        beat = float(np.diff(times).max()) if len(times) > 1 else 60.0 / grid.tempo
        most = max(1, int(longest / beat * vocabulary.subdivision + 1e-9))  # subdivisions a flight may last
        self.flight, self.tie = vocabulary.ids["flight"], vocabulary.tie_id
        self.first_duration = vocabulary.duration0
        self.too_long = torch.zeros(len(vocabulary), dtype=torch.bool)
        self.too_long[vocabulary.duration0 + most:vocabulary.duration0 + vocabulary.max_positions] = True
        self.is_duration = torch.zeros(len(vocabulary), dtype=torch.bool)
        self.is_duration[vocabulary.duration0:vocabulary.duration0 + vocabulary.max_positions] = True
        # a version-2 vocabulary's space measurement may stand between a flight and its duration
        self.is_modifier = torch.zeros(len(vocabulary), dtype=torch.bool)
        self.is_modifier[vocabulary.modifier0:vocabulary.modifier0 + len(vocabulary.modifiers)] = True
        self.centre, self.per_beat, self.bar = vocabulary.ids["col:centre"], vocabulary.subdivision, vocabulary.bar_id
        self.feet = torch.tensor([vocabulary.ids["col:support-left"], vocabulary.ids["col:support-right"]])
        self.modifiers = set(range(vocabulary.modifier0, vocabulary.modifier0 + len(vocabulary.modifiers)))

    def _idle(self, input_ids: torch.LongTensor) -> bool:
        """Whether no row has a flight among its last tokens or is about to write a centre what: then nothing
        is refused (most steps), read from the last three ids as Python numbers rather than with a dozen tensor
        operations."""
        flight, centre, modifiers = self.flight, self.centre, self.modifiers
        for tail in input_ids[:, -3:].tolist():
            if tail[-1] == centre or flight in tail[-2:] or (len(tail) == 3 and tail[0] == flight
                                                             and tail[1] in modifiers):
                return False
        return True

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        scores = self._centre_closed(input_ids, scores)
        if self._idle(input_ids):
            return scores
        last = input_ids[:, -1]
        modifier = self.is_modifier.to(last.device)

        def flight_before(k: int) -> torch.Tensor:  # the what k tokens back is a flight (modifiers skipped once)
            if input_ids.shape[1] < k:
                return torch.zeros_like(last, dtype=torch.bool)
            at = input_ids[:, -k]
            if input_ids.shape[1] > k:
                at = torch.where(modifier[at], input_ids[:, -k - 1], at)
            return at == self.flight

        after_flight = flight_before(1)
        timed_flight = flight_before(2) & self.is_duration.to(last.device)[last]
        in_the_air = self._in_the_air(input_ids) if bool((last == self.centre).any()) else None
        if not bool(after_flight.any() | timed_flight.any()) and in_the_air is None:
            return scores
        refused = after_flight[:, None] & self.too_long.to(scores.device)[None]
        refused[:, self.tie] |= timed_flight
        if in_the_air is not None:
            refused[:, self.flight] |= in_the_air
        kept = scores.masked_fill(refused, float("-inf"))
        emptied = torch.isinf(kept).all(-1, keepdim=True)  # only a flight was left: the decoder lands it
        return torch.where(emptied, scores, kept)

    def _in_the_air(self, input_ids: torch.LongTensor) -> torch.Tensor:
        """Rows about to write a centre what where no flight may take off (``grounded``)."""
        return (input_ids[:, -1] == self.centre) & self.grounded(input_ids)

    def grounded(self, input_ids: torch.LongTensor) -> torch.Tensor:
        """(B,) bool: rows where no flight may take off at the position being written: still in the air from the
        last (``airborne``), or, with the grammar, standing as the dance began (``standing``) in its first beat."""
        refused = airborne(input_ids, self.flight, self.feet)
        state = self.grammar.state if self.grammar is not None else None
        if state is not None and len(state.pos) == len(refused):
            early = (state.bar <= 0) & (state.pos < state.upbeat_floor + self.per_beat)
            if early.any():
                still = standing(input_ids, self.flight, self.feet, self.bar)
                refused |= torch.from_numpy(early).to(refused.device) & still
        return refused

    def _centre_closed(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        """``scores`` with the centre column refused in rows where no flight may take off (``grounded``) while the
        centre's turn lane sounds (only a flight could follow it), unless that leaves the row nothing."""
        state = self.grammar.state if self.grammar is not None else None
        if state is None:
            return scores
        turning = state.busy[:, 1] > state.pos  # the centre's turn lane (lane 1) still sounds at this position
        if not turning.any():
            return scores
        rows = torch.from_numpy(turning).to(scores.device) & torch.isfinite(scores[:, self.centre])
        if not bool(rows.any()):
            return scores
        rows &= self.grounded(input_ids)
        kept = scores.clone()
        kept[:, self.centre] = torch.where(rows, float("-inf"), scores[:, self.centre])
        emptied = torch.isinf(kept).all(-1, keepdim=True)
        return torch.where(emptied, scores, kept)


def airborne(input_ids: torch.LongTensor, flight: int, feet: torch.Tensor) -> torch.Tensor:
    """(B,) bool: rows whose last flight came after their last support event (a column id among ``feet``): the
    body is still in the air. Tokens are written in time order, so the later token is the later event."""
    at = torch.arange(input_ids.shape[1], device=input_ids.device)
    last_flight = torch.where(input_ids == flight, at, -1).max(1).values
    return last_flight > torch.where(torch.isin(input_ids, feet.to(input_ids.device)), at, -1).max(1).values


def standing(input_ids: torch.LongTensor, flight: int, feet: torch.Tensor, bar: int) -> torch.Tensor:
    """(B,) bool: rows that have written neither a flight nor a support event since their starting position
    (``<start>`` and the columns after it, up to the first ``<bar>`` (id ``bar``), are where ``feet`` ids may stand
    alone): the dancer still stands as the dance began."""
    body = (input_ids == bar).long().cumsum(1) > 0
    moved = (input_ids == flight) | torch.isin(input_ids, feet.to(input_ids.device))
    return ~(moved & body).any(1)


class TurnLimit(LogitsProcessor):
    """After a turn of *a* turns, durations shorter than *a* / ``fastest`` seconds (at the grid's shortest beat)
    refused. Where the bar leaves no duration that long, only the longest (to the bar line) stays, and the turn is
    tied on into the next bar, whose piece gets the same time again (so a turn over a bar line turns slower, not
    faster). In the last bar nothing can be tied: given the ``grammar`` processor it runs after, a turn that
    would not fit before the dance ends is not begun there."""

    def __init__(self, vocabulary: Vocabulary, grid: BeatGrid, fastest: float = FASTEST_TURN,
                 grammar: ScoreGrammarProcessor | None = None) -> None:
        self.grammar = grammar
        times = np.asarray(grid.times, dtype=float)
        beat = float(np.diff(times).min()) if len(times) > 1 else 60.0 / grid.tempo
        self.least = torch.zeros(len(vocabulary), dtype=torch.long)  # subdivisions a turn token's turn needs
        for token, i in vocabulary.ids.items():
            if token.startswith("turn:"):
                turns = sum(Fraction(part) for part in token[6:].split("+"))  # "turn:-2+7/8": 2 7/8 turns
                self.least[i] = math.ceil(float(turns) / fastest / beat * vocabulary.subdivision - 1e-9)
        self.subdivisions = torch.zeros(len(vocabulary), dtype=torch.long)  # a duration token's length, else 0
        first = vocabulary.duration0
        self.subdivisions[first:first + vocabulary.max_positions] = torch.arange(1, vocabulary.max_positions + 1)
        self.tie = vocabulary.tie_id
        self.timed = set(torch.nonzero(self.least > 1).flatten().tolist())  # turns that need more than a subdivision
        self.needs, self.lengths = self.least.tolist(), self.subdivisions.tolist()

    def _idle(self, input_ids: torch.LongTensor) -> bool:
        """Whether no row is to time a turn that needs more than a subdivision or has just timed one too short:
        then nothing is refused (most steps), read as Python numbers from the last two ids."""
        least, lengths = self.needs, self.lengths
        for tail in input_ids[:, -2:].tolist():
            if tail[-1] in self.timed or (len(tail) == 2 and 0 < lengths[tail[-1]] < least[tail[0]]):
                return False
        return True

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        least, length = self.least.to(scores.device), self.subdivisions.to(scores.device)
        scores = self._fitting_the_last_bar(scores, least)
        if self._idle(input_ids):
            return scores
        need = least[input_ids[:, -1]]  # a duration to choose for a turn
        owed = torch.zeros_like(need, dtype=torch.bool)  # a turn just timed shorter than it needs
        if input_ids.shape[1] > 1:
            written = length[input_ids[:, -1]]
            owed = (written > 0) & (written < least[input_ids[:, -2]])
        if not bool((need > 1).any() | owed.any()):
            return scores
        short = (length[None] > 0) & (length[None] < need[:, None])
        kept = scores.masked_fill(short, float("-inf"))
        stuck = torch.isinf(kept).all(-1, keepdim=True) & (need[:, None] > 1)
        longest = torch.where(torch.isinf(scores), 0, length[None]).argmax(-1, keepdim=True)  # to the bar line
        only_longest = torch.full_like(scores, float("-inf")).scatter(1, longest, scores.gather(1, longest))
        kept = torch.where(stuck, only_longest, kept)
        tie = owed[:, None] & ~torch.isinf(scores[:, self.tie:self.tie + 1])  # carried on where a tie may come
        only_tie = torch.full_like(scores, float("-inf"))
        only_tie[:, self.tie] = scores[:, self.tie]
        return torch.where(tie, only_tie, kept)

    def _fitting_the_last_bar(self, scores: torch.FloatTensor, least: torch.Tensor) -> torch.FloatTensor:
        """Turns refused where a turn is to be written in the last bar with less room left than it needs."""
        state = self.grammar.state if self.grammar is not None else None
        if state is None:
            return scores
        last = (state.phase == P_WHAT) & (state.bar == state.bars - 1)
        if not last.any():
            return scores
        room = torch.from_numpy(np.where(last, state.length - state.pos, 1 << 20)).to(scores.device)
        kept = scores.masked_fill(least[None] > room[:, None], float("-inf"))
        # where only a turn was left (a filled-in passage whose last bar must tie into the turn the kept bars
        # continue), the grammar's choice stands: refused, the row had nothing to write and never finished
        return torch.where(torch.isinf(kept).all(-1, keepdim=True), scores, kept)


_FEET = (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)


# How sampling is mended, as a lineage records it (``Lineage.mended``), each value after the one before: nothing
# recorded, every dance before stop 62, whose gaps in the supports were held with a hold sign; ``GAPS_LENGTHENED``
# since stop 62, the symbol before a gap lasting until the next support (``weight_kept``); ``MENDED`` since later
# on 2026-12-07, a two-foot step whose feet end apart written as the weight going on to one foot
# (``weight_onto_one``), ``STEPS_PARTED``; ``MENDED`` since later that day, the same where one foot's symbol or both
# are holds. A dance is made again as its value says (``mended_as``).
GAPS_LENGTHENED = "gaps lengthened"
STEPS_PARTED = "two-foot steps parted"
MENDED = "two-foot holds parted"
_MENDINGS = (None, GAPS_LENGTHENED, STEPS_PARTED, MENDED)
_MENDED_AS = contextvars.ContextVar("mended_as", default=MENDED)


@contextlib.contextmanager
def mended_as(recorded: str | None):
    """Sampling mended inside this block as it was when a lineage recorded ``recorded`` (``MENDED``: as now; a
    value this version does not know: as before any was recorded), so that a dance is made again to the byte
    (``motiongpt.cocreate.replay``)."""
    token = _MENDED_AS.set(recorded if recorded in _MENDINGS else None)
    try:
        yield
    finally:
        _MENDED_AS.reset(token)


def gaps_held():
    """Gaps in the supports held with a hold sign inside this block, and the rest mended as every dance sampled
    before stop 62 was (``mended_as(None)``)."""
    return mended_as(None)


def _since(mending: str) -> bool:
    """Whether sampling is mended here as ``mending`` and the versions after it do."""
    return _MENDINGS.index(_MENDED_AS.get()) >= _MENDINGS.index(mending)


def weight_kept(score: Score, begin: float = 0.0, end: float = float("inf"), *, open_end: bool = False) -> Score:
    """``score`` with each gap in its supports between beats ``begin`` and ``end`` (no support, flight or turn
    on both feet written there) covered on the feet last on the floor, so that the decoder keeps the weight rather
    than fly a jump no flight sign asked for. Before the first support the starting position stands; a gap right
    after a flight is that flight's own (the decoder flies or lands it). ``open_end``: the score stops at ``end``
    for now (a stream's last bar), and a gap running to it is covered too: whatever comes after, no spring was
    written.

    A foot's step or hold that ends where the gap begins, written from ``begin`` on, lasts to the gap's end: the
    decoder dances a step and the hold after it as one run of weight, so the motion is the same, and a support
    symbol then begins only where the feet change, as the tokenizer writes them (a hold in the gap was read back
    as another step: 64 of the 722 support symbols of the built-in model's validation dances, seed 0, were such
    holds; ``docs/model.md``, "A gap covered by the step before it"). Otherwise (a turn before the gap,
    which would turn slower; a symbol from before ``begin``, which an edit keeps as it was; a turn just after,
    whose step sign the decoder would turn from) a hold is written into the gap, as it was for every gap before
    stop 62 and still is inside ``gaps_held``."""
    indices = sorted((k for k, s in enumerate(score.symbols) if s.column in _FEET or (
        s.column is Column.CENTRE and s.duration > 0 and s.sign in (Sign.FLIGHT, Sign.TURN))),
        key=lambda k: score.symbols[k].start)
    if not indices:
        return score
    spans = [score.symbols[k] for k in indices]
    lengthened = _since(GAPS_LENGTHENED)
    turns = {(s.column, round(s.start, 9)) for s in spans if s.sign is Sign.TURN}
    reach, last, flown, ending = spans[0].start, set(), False, {}
    held, longer = [], {}  # hold symbols added; index of a symbol lengthened -> its new end

    def covered(lo: float, hi: float) -> None:
        """The gap [lo, hi) covered on the feet in ``last``: each foot's own symbol lengthened where it may be."""
        for column in _FEET:
            if column not in last:
                continue
            k = ending.get(column)
            symbol = None if k is None else score.symbols[k]
            if (lengthened and symbol is not None and symbol.sign in (Sign.DIRECTION, Sign.HOLD)
                    and symbol.start >= begin - 1e-9 and abs(lo - symbol.end) < 1e-9
                    and not {(column, round(hi, 9)), (Column.CENTRE, round(hi, 9))} & turns):
                longer[k] = hi
            else:
                held.append(Symbol(lo, column, hi - lo, Sign.HOLD))

    for k, symbol in zip(indices, spans):
        lo, hi = max(reach, begin), min(symbol.start, end)
        if hi - lo > 1e-9 and last and not flown:  # (after a flight the gap is the flight's: the decoder flies
            # or lands it)
            covered(lo, hi)
        stop = symbol.start + symbol.duration
        if stop > reach + 1e-9:
            reach, last, flown, ending = stop, set(), False, {}
        if abs(stop - reach) < 1e-9:  # what stands at the reach: these feet (a turn in the centre: both), or air
            flown |= symbol.sign is Sign.FLIGHT
            last |= {symbol.column} if symbol.column in _FEET else set(_FEET) if symbol.sign is Sign.TURN else set()
            if symbol.column in _FEET:
                ending[symbol.column] = k
    if open_end and last and not flown and end - max(reach, begin) > 1e-9:
        covered(max(reach, begin), end)
    if not held and not longer:
        return score
    symbols = [dataclasses.replace(s, duration=longer[k] - s.start) if k in longer else s
               for k, s in enumerate(score.symbols)]
    return Score(score.grid, symbols + held, score.starting_position, score.title)


def pivots_freed(score: Score, begin: float = 0.0, end: float = float("inf")) -> Score:
    """``score`` with the other foot off the floor while a foot turns: where a turn sign in one support column
    (starting between beats ``begin`` and ``end``) overlaps a symbol of the other foot's column written from
    ``begin`` on, that symbol ends where the turn begins, or, if it begins inside the turn, begins where the turn
    ends (and goes if nothing is left); a turn so cut turns less, as ``_shortened`` says, not faster. The turn
    itself, and every symbol before ``begin``, stays as written."""
    turns = [s for s in score.symbols if s.column in _FEET and s.sign is Sign.TURN and begin - 1e-9 <= s.start < end]
    if not turns:
        return score
    symbols, changed = [], False
    for symbol in score.symbols:
        if symbol.column in _FEET and symbol.start >= begin - 1e-9:
            for turn in turns:
                overlaps = symbol.start < turn.end - 1e-9 and symbol.end > turn.start + 1e-9
                if turn.column is symbol.column or not overlaps:
                    continue
                changed = True
                if symbol.start < turn.start - 1e-9:
                    symbol = _shortened(symbol, symbol.start, turn.start - symbol.start, score.grid)
                elif symbol.end > turn.end + 1e-9:
                    symbol = _shortened(symbol, turn.end, symbol.end - turn.end, score.grid)
                else:
                    symbol = None
                    break
        if symbol is not None:
            symbols.append(symbol)
    if not changed:
        return score
    return Score(score.grid, symbols, score.starting_position, score.title)


def _shortened(symbol: Symbol, start: float, duration: float, grid: BeatGrid) -> Symbol:
    """``symbol`` cut to ``duration`` beats from ``start``; a turn cut so turns no faster than ``FASTEST_TURN``
    (what it had no time left for is dropped, in eighths), and holds the weight if not even an eighth is left."""
    cut = dataclasses.replace(symbol, start=start, duration=duration)
    if symbol.sign is not Sign.TURN or not symbol.turn:
        return cut
    seconds = grid.beats_to_seconds(start + duration) - grid.beats_to_seconds(start)
    most = math.floor(FASTEST_TURN * seconds * TURN_STEP + 1e-9) / TURN_STEP
    if abs(symbol.turn) <= most:
        return cut
    if most <= 0:
        return dataclasses.replace(cut, sign=Sign.HOLD, turn=None)
    return dataclasses.replace(cut, turn=math.copysign(most, symbol.turn))


def weight_transferred(score: Score, begin: float = 0.0, end: float = float("inf")) -> Score:
    """``score`` with each step (a direction symbol in a support column, starting between beats ``begin`` and
    ``end``) taking the weight: a symbol of the other foot's column begun earlier (and from ``begin`` on) and still
    sounding ends where the step begins. Steps onto both feet at once, and turns, stay as written."""
    steps = [s for s in score.symbols
             if s.column in _FEET and s.sign is Sign.DIRECTION and begin - 1e-9 <= s.start < end]
    symbols, changed = [], False
    for symbol in score.symbols:
        if symbol.column in _FEET and symbol.sign is not Sign.TURN and symbol.start >= begin - 1e-9:
            for step in steps:
                if step.column is not symbol.column and symbol.start + 1e-9 < step.start < symbol.end - 1e-9:
                    symbol = dataclasses.replace(symbol, duration=step.start - symbol.start)
                    changed = True
        symbols.append(symbol)
    if not changed:
        return score
    return Score(score.grid, symbols, score.starting_position, score.title)


def weight_onto_one(score: Score, begin: float = 0.0, end: float = float("inf")) -> Score:
    """``score`` with each step onto both feet whose two symbols end apart (direction symbols or holds starting
    together in both support columns, between beats ``begin`` and ``end``) written as the decoder dances it: where the
    shorter ends before ``end`` and its foot then carries nothing (no symbol of its column, no turn on both feet),
    that foot lifts and the weight shifts over the other, which the tokenizer writes as a new support symbol, a step
    in place; so the longer symbol ends there too and a step in place carries its weight on to its end, at its level
    (a hold's: the level its foot was last written at, which the decoder keeps through a hold, ``support_runs``).

    The motion is the same (the decoder reads a support run's step only where one begins it, and a run begun by a
    step in place as one begun by none), unless a turn begins where the longer symbol ends: the decoder turns from
    the start of a short step just before a turn (the tokenizer's room for the step sign), so that step stays.
    Holds are parted since ``MENDED`` (6 of the 27 validation dances, seed 0, have such a pair; ``STEPS_PARTED``
    left them)."""
    if not _since(STEPS_PARTED):
        return score
    weighted = (Sign.DIRECTION, Sign.HOLD) if _since(MENDED) else (Sign.DIRECTION,)
    left = {round(s.start, 9): s for s in score.symbols if s.column is Column.SUPPORT_LEFT
            and s.sign in weighted and begin - 1e-9 <= s.start < end}
    turning = {(s.column, round(s.start, 9)) for s in score.symbols if s.sign is Sign.TURN}

    def turned(column: Column, at: float, length: float) -> bool:  # a piece the decoder would turn from
        return length <= TURNING_STEP + 1e-9 and bool({(column, round(at, 9)), (Column.CENTRE, round(at, 9))} & turning)

    parted = {}  # id of the longer symbol -> (its first part, the step in place after it)
    for s in score.symbols:
        partner = left.get(round(s.start, 9)) if s.column is Column.SUPPORT_RIGHT and s.sign in weighted else None
        if partner is None or abs(partner.end - s.end) < 1e-9:
            continue
        shorter, longer = (partner, s) if partner.end < s.end else (s, partner)
        lifted = shorter.end
        rest = longer.end - lifted
        if lifted >= end - 1e-9 or rest <= 1e-9 or any(
                o.duration > 0 and o.start - 1e-9 <= lifted < o.end - 1e-9 and (
                    o.column is shorter.column or o.column is Column.CENTRE and o.sign is Sign.TURN)
                for o in score.symbols) or turned(longer.column, lifted, lifted - longer.start) \
                or turned(longer.column, longer.end, rest):
            continue
        level = longer.level if longer.sign is Sign.DIRECTION else _level_held(score, longer)
        parted[id(longer)] = (dataclasses.replace(longer, duration=lifted - longer.start),
                              Symbol(lifted, longer.column, rest, Sign.DIRECTION, Direction.PLACE, level))
    if not parted:
        return score
    symbols = [piece for s in score.symbols for piece in (parted[id(s)] if id(s) in parted else (s,))]
    return Score(score.grid, symbols, score.starting_position, score.title)


def _level_held(score: Score, hold: Symbol) -> Level:
    """The level a support ``hold`` keeps, as the decoder keeps it (``laban.decoder.supports.support_runs``): its
    foot's last direction symbol before it, else where the foot started (``starting_level``)."""
    written = [s for s in score.symbols if s.column is hold.column and s.sign is Sign.DIRECTION and s.duration > 0
               and s.start < hold.start]
    return max(written, key=lambda s: s.start).level if written else starting_level(score, hold.column)


def steps_together(score: Score, begin: float = 0.0, end: float = float("inf")) -> Score:
    """``score`` with each step onto both feet at once (direction symbols starting together in both support
    columns, between beats ``begin`` and ``end``) going one way: both columns take the direction of the mean of the
    two (forward and left-forward: forward; forward and place: forward; forward and backward: place) and the left
    column's space measurement, as the decoder travels it. Levels stay each foot's own."""
    left = {round(s.start, 9): s for s in score.symbols if s.column is Column.SUPPORT_LEFT
            and s.sign is Sign.DIRECTION and begin - 1e-9 <= s.start < end}
    pairs = {}
    for s in score.symbols:
        partner = left.get(round(s.start, 9)) if s.column is Column.SUPPORT_RIGHT and s.sign is Sign.DIRECTION else None
        if partner is not None and (partner.direction, partner.space) != (s.direction, s.space):
            pairs[id(partner)] = pairs[id(s)] = _one_way(partner, s)
    if not pairs:
        return score
    symbols = [dataclasses.replace(s, direction=pairs[id(s)][0], space=pairs[id(s)][1]) if id(s) in pairs else s
               for s in score.symbols]
    return Score(score.grid, symbols, score.starting_position, score.title)


def _one_way(left: Symbol, right: Symbol):
    """The direction and space both feet of a two-foot step take: the mean of their ways, the left's size."""
    way = np.zeros(2)
    for s in (left, right):
        if s.direction.azimuth is not None:
            way += (math.sin(math.radians(s.direction.azimuth)), math.cos(math.radians(s.direction.azimuth)))
    if np.hypot(*way) < 1e-6:
        return Direction.PLACE, None
    return Direction.from_azimuth(math.degrees(math.atan2(way[0], way[1]))), left.space


def torso_raised(score: Score, begin: float = 0.0, end: float = float("inf"), longest: float = LONGEST_BEND,
                 lean: float = LONGEST_LEAN) -> Score:
    """``score`` with a torso bent to the horizontal or below (a direction at the middle or low level) or leaning
    back, and held there longer than ``longest`` seconds from its arrival, or leaning any other way (a direction
    at the high level) longer than ``lean`` seconds, brought back upright (place high, over a beat at most) from
    the first whole beat after that, where that beat lies between ``begin`` and ``end`` (and within the score) and
    the torso's next symbol has not begun. When ``begin`` is the dance's start, a bend in the
    starting position is stood up there (the same direction at the high level, or upright from a lean back): a
    dance does not start bent over."""
    start = score.starting_position
    if begin <= 1e-9 and any(s.column is Column.TORSO and _bent(s) for s in start):
        start = [dataclasses.replace(s, level=Level.HIGH, direction=Direction.PLACE if s.direction in _BACKWARD
                                     else s.direction) if s.column is Column.TORSO and _bent(s) else s
                 for s in start]
        score = Score(score.grid, score.symbols, start, score.title)
    torso = sorted((s for s in score.symbols if s.column is Column.TORSO), key=lambda s: s.start)
    bends = [(s.end, s) for s in torso if s.sign is Sign.DIRECTION]
    last = min(end, score.duration)
    raised = []
    for arrival, bend in bends:
        if _bent(bend):
            held = longest
        elif bend.direction is not Direction.PLACE:  # a lean (a direction at the high level)
            held = lean
        else:
            continue
        beat = math.ceil(float(score.grid.seconds_to_beats(score.grid.beats_to_seconds(arrival) + held)) - 1e-9)
        following = min((s.start for s in torso if s.start > arrival - 1e-9 and s is not bend), default=last)
        stop = min(beat + 1.0, following, last)
        if beat >= begin - 1e-9 and stop - beat > 1e-9:
            raised.append(Symbol(float(beat), Column.TORSO, stop - beat, Sign.DIRECTION, Direction.PLACE, Level.HIGH))
    if not raised:
        return score
    return Score(score.grid, score.symbols + raised, score.starting_position, score.title)


_BACKWARD = (Direction.BACKWARD, Direction.LEFT_BACKWARD, Direction.RIGHT_BACKWARD)


def _bent(symbol: Symbol) -> bool:
    """A torso direction the training scores never hold: bent to the horizontal or below (the middle or low level),
    or leaning back at any level (their five backward symbols each give way at once to the next)."""
    return (symbol.level in (Level.MIDDLE, Level.LOW) and symbol.direction is not Direction.PLACE
            or symbol.direction in _BACKWARD)


def mended(score: Score, begin: float = 0.0, end: float = float("inf"), *, open_end: bool = False) -> Score:
    """What a model sampled between beats ``begin`` and ``end``, as a body can dance it: ``steps_together``,
    ``pivots_freed``, then ``weight_transferred``, then ``weight_onto_one``, then ``weight_kept`` (``open_end`` as
    there), then ``torso_raised``."""
    score = steps_together(score, begin, end)
    score = weight_onto_one(weight_transferred(pivots_freed(score, begin, end), begin, end), begin, end)
    return torso_raised(weight_kept(score, begin, end, open_end=open_end), begin, end)
