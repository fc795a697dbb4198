"""What a phrase of a score does, as a choreographer counts it: steps, turns, jumps, how high the arms go.

A score holds many small symbols (the tokenizer writes every change of an arm's direction); a phrase is told by
a few countable facts. ``events`` walks the whole score once, keeping the state the notation implies (which feet
carry the weight, where each upper arm is), and returns the events of a span of beats; ``PhraseFacts`` is the
checkable summary of those events, the same whether it comes from a score (``phrase_facts``) or from the
describer's words (``laban.description.text.facts_from_text``). ``words_followed`` compares the two.

The counting rules (the notation's own, made exact):

- a **step** is a support direction symbol that moves the weight: a direction other than place, or place onto
  a foot that did not carry it (a step in place from one foot to the other, closing onto both feet). Symbols
  that start together in both support columns are one step (onto both feet). A place symbol on the feet that
  already carry the weight, or on one of the two that did, is a rise, a sink into plié or a shift of the weight
  (the other foot lifts), not a step. The support after a flight is the landing,
  part of the jump, not a step. The step direction of a phrase is the direction most of its steps take; a tie
  goes to the one taken first.
- a **jump** is a flight sign in the centre column; its kind follows from the feet before and after it: one foot
  to the same = hop, one foot to the other = leap, otherwise a jump.
- a **turn** is a turn sign in a support column or the centre; consecutive signs in the same sense (the next
  starting at most half a beat after the previous ends) are one turn, as the tokenizer writes a pirouette in
  pieces. Amounts are counted in eighths of a turn, positive clockwise (to the right); a turn of less than a
  quarter is not counted (a choreographer does not name an eighth; on captured dances it is mostly noise). The
  phrase's turn is the sum of its turns' eighths. Torso rotations are not turns.
- the **arm level** is the highest level either upper arm is at during the phrase (its state when the phrase
  begins included): "the arms reach high" is what a choreographer reads from the staff at a glance, not each of
  the many small changes a captured dance has.
- the **pace** is slow (-1) or lively (+1): fewer or more symbols started a second than ``PACE_MOVES``, the middle
  of the captured dances' phrases. Many short moves a second is what "lively" looks like on the staff, few long
  ones "slow"; the describer never words it (tempo is a condition of its own), prompts do ("a slow solo").
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..score import (ARM_COLUMNS, NATURAL_POSITION, SUPPORT_COLUMNS, Column, Direction, Level, Score, Sign,
                     Symbol)

LEVEL_RANK = {Level.LOW: 0, Level.MIDDLE: 1, Level.HIGH: 2}
UPPER_ARMS = tuple(c for c in ARM_COLUMNS if c.value.startswith("upper-arm"))
LEGS = (Column.LEG_LEFT, Column.LEG_RIGHT)
BOTH_FEET = frozenset(SUPPORT_COLUMNS)
MIN_TURN = 2  # eighths: a smaller turn is a shift of the feet's angle (and capture noise), not a turn one names
_TURN_GAP = 0.5  # beats between two turn signs of the same sense that still make one turn
# Symbols started a second that part slow phrases from lively ones: the median of the training split's 284 2-bar
# phrases in the CMU corpus (10 % of them move 3.2 a second or fewer, 90 % 8.8 or fewer; CMU's "slow walk" takes
# 2.6, its "brisk walk" 4.9 and a "fast" dribble 8.2 over the whole take).
PACE_MOVES = 5.7


@dataclass(frozen=True)
class PhraseFacts:
    """What a phrase asks for or does. ``None`` means "not stated" (only text can leave a fact unstated); a
    phrase without steps has no step direction."""

    steps: int | None
    step_direction: Direction | None
    turn: int | None  # eighths of a turn, positive clockwise (to the right)
    jumps: int | None
    arm_level: Level | None
    turn_either: bool = False  # words that give a turn's amount and not its way ("a half turn"): ``turn`` holds the
    # amount as if to the right, and a turn of that amount either way does what they ask
    jumps_counted: bool = True  # ``jumps`` is a count, not "at least": every jump word came with its number ("a
    # jump", "two hops") or none was said in words that tell every move; "jump, balance" or "a jeté" in a longer
    # description (CMU's: "pirouettes, jete" over 3 flights) say that it jumps, not how often
    pace: int | None = None  # -1 slow, +1 lively (``PACE_MOVES``); a score's phrase always has one (``phrase_facts``)


# The events of a phrase, in time order: what the describer words and what the facts count.

@dataclass(frozen=True)
class Step:
    time: float
    direction: Direction
    feet: frozenset  # the support columns that take the weight
    level: Level


@dataclass(frozen=True)
class Rise:  # a change of level on the feet that already carry the weight, or from both feet onto one of them
    time: float
    level: Level
    feet: frozenset


@dataclass(frozen=True)
class Turn:
    time: float
    eighths: int
    column: Column  # support-left, support-right or centre (both feet, or none: in the air)
    airborne: bool = False  # begun during a flight: a turning jump's turn, told with its jump


@dataclass(frozen=True)
class Jump:
    time: float
    kind: str  # 'jump', 'hop' or 'leap'


@dataclass(frozen=True)
class Arms:
    time: float  # when the highest level is first reached (the phrase start when it is carried in)
    level: Level
    sides: tuple[str, ...]  # 'left', 'right': the arms that reach it
    rose: bool  # whether the arms were lower when the phrase began
    overhead: bool  # an arm reaching it points straight up (place high)


@dataclass(frozen=True)
class Gesture:  # a leg lifted (middle or high) or a torso tilt: worded, not counted
    time: float
    column: Column
    direction: Direction
    level: Level


@dataclass(frozen=True)
class PhraseEvents:
    steps: tuple[Step, ...]
    rises: tuple[Rise, ...]
    turns: tuple[Turn, ...]
    jumps: tuple[Jump, ...]
    arms: Arms
    leg: Gesture | None
    torso: Gesture | None

    @property
    def facts(self) -> PhraseFacts:
        return PhraseFacts(len(self.steps), dominant_direction([s.direction for s in self.steps]),
                           sum(t.eighths for t in self.turns), len(self.jumps), self.arms.level)


def dominant_direction(directions: list[Direction]) -> Direction | None:
    """The direction taken most often; a tie goes to the one taken first."""
    if not directions:
        return None
    counts = {d: directions.count(d) for d in directions}  # dicts keep first-seen order
    return max(counts, key=lambda d: counts[d])


def bar_start(score: Score, bar: int) -> float:
    """The beat on which ``bar`` begins (bar 1 begins on the downbeat; bar 0 is the upbeat, from beat 0)."""
    return 0.0 if bar <= 0 else float(score.grid.downbeat + (bar - 1) * score.beats_per_bar)


def phrase_facts(score: Score, bars: tuple[int, int] | None = None) -> PhraseFacts:
    """The facts of bars ``first..last`` (inclusive; bar 0 is the upbeat) of ``score``, or of the whole score."""
    start, stop = (0.0, float("inf")) if bars is None else (bar_start(score, bars[0]), bar_start(score, bars[1] + 1))
    return replace(phrase_events(score, start, stop).facts, pace=pace_of(score, start, stop))


def pace_of(score: Score, start: float, stop: float) -> int:
    """-1 where the symbols starting in beats [start, stop) are fewer a second than ``PACE_MOVES``, else +1 (a
    span of no time: slow)."""
    stop = min(stop, max(score.duration, start))
    starts = np.fromiter((s.start for s in score.symbols), dtype=float, count=len(score.symbols))
    seconds = float(np.diff(score.grid.beats_to_seconds([start, stop]))[0])
    moves = np.count_nonzero((starts >= start) & (starts < stop))
    return 1 if seconds > 0 and moves >= PACE_MOVES * seconds else -1


def phrase_events(score: Score, start: float, stop: float) -> PhraseEvents:
    """The events of the symbols that start in beats [start, stop), read with the state the score implies."""
    feet = frozenset(s.column for s in score.starting_position if s.column in SUPPORT_COLUMNS) or BOTH_FEET
    level = next((s.level for s in score.starting_position if s.column in SUPPORT_COLUMNS and s.level), Level.MIDDLE)
    arms_in = {c: _start_level(score, c) for c in UPPER_ARMS}  # where the upper arms are when the phrase begins
    steps, rises, turns, jumps, legs, torso = [], [], [], [], [], []
    arm_marks: list[tuple[float, Column, Level, bool]] = []
    takeoff: tuple[float, frozenset] | None = None  # a flight waiting for its landing
    pending_turn: list = []  # [time, end, eighths as a float sum, column, in the air] of the turn being built
    for time, group in _groups(score.symbols):
        if time >= stop:  # past the phrase: only a landing or the rest of a turn begun inside still count
            turning = bool(pending_turn) and start <= pending_turn[0] < stop and time <= pending_turn[1] + _TURN_GAP
            if takeoff is None and not turning:
                break
            group = [s for s in group if (takeoff is not None and s.column in SUPPORT_COLUMNS)
                     or (turning and s.sign is Sign.TURN)]
        inside = start <= time < stop
        if time < start:
            arms_in.update({s.column: s.level for s in group if s.column in UPPER_ARMS and s.sign is Sign.DIRECTION})
        supports = [s for s in group if s.column in SUPPORT_COLUMNS and s.sign is Sign.DIRECTION]
        if supports:
            landed = frozenset(s.column for s in supports)
            moving = [s.direction for s in supports if s.direction is not Direction.PLACE]
            new_level = supports[0].level
            if takeoff is not None:
                if start <= takeoff[0] < stop:
                    jumps.append(Jump(takeoff[0], _jump_kind(takeoff[1], landed)))
                takeoff = None
            elif moving or not landed <= feet:
                if inside:
                    steps.append(Step(time, moving[0] if moving else Direction.PLACE, landed, new_level))
            elif (new_level is not level or landed != feet) and inside:
                rises.append(Rise(time, new_level, landed))
            feet, level = landed, new_level
        flying = takeoff is not None or any(s.sign is Sign.FLIGHT for s in group)  # a turn now is in the air
        for s in group:
            if s.sign is Sign.FLIGHT:
                takeoff = (time, feet)
                feet = frozenset()
            elif s.sign is Sign.TURN and (s.column in SUPPORT_COLUMNS or s.column is Column.CENTRE):
                if pending_turn and (s.turn > 0) == (pending_turn[2] > 0) and s.start <= pending_turn[1] + _TURN_GAP:
                    pending_turn[1], pending_turn[2] = max(pending_turn[1], s.end), pending_turn[2] + s.turn
                elif time < stop:
                    _close_turn(pending_turn, turns, start)
                    pending_turn = [s.start, s.end, s.turn, s.column, flying and s.column is Column.CENTRE]
                else:  # past the phrase, a new turn: the one begun inside is complete
                    _close_turn(pending_turn, turns, start)
                    pending_turn = []
                    continue
                if s.column in SUPPORT_COLUMNS and feet:
                    feet = frozenset((s.column,))
            elif s.sign is Sign.DIRECTION and inside:
                if s.column in UPPER_ARMS:
                    arm_marks.append((time, s.column, s.level, s.direction is Direction.PLACE))
                elif s.column in LEGS and s.direction is not Direction.PLACE and s.level is not Level.LOW:
                    legs.append(Gesture(time, s.column, s.direction, s.level))
                elif s.column is Column.TORSO and s.direction is not Direction.PLACE:
                    torso.append(Gesture(time, s.column, s.direction, s.level))
    if takeoff is not None and start <= takeoff[0] < stop:  # a flight that never lands: still a jump
        jumps.append(Jump(takeoff[0], "jump"))
    _close_turn(pending_turn, turns, start)
    leg = max(legs, key=lambda g: (LEVEL_RANK[g.level], -g.time), default=None)
    return PhraseEvents(tuple(steps), tuple(rises), tuple(turns), tuple(jumps),
                        _arms(score, arms_in, arm_marks, start), leg, torso[0] if torso else None)


def words_followed(asked: PhraseFacts, done: PhraseFacts) -> dict[str, bool]:
    """Which of the elements a prompt asks for the phrase does: step count within one, the step direction,
    turn direction and amount within an eighth (the amount alone where the words leave the way open), jump or
    not (and the count within one where the words count two or more: "five jumps" are not done by two; "a jump"
    is the kind of move, done by a run of them as CMU's "jump" is), and the arm level. Elements the prompt leaves
    unstated (``None``) are not asked; the step direction is asked only of a phrase with steps."""
    result = {}
    if asked.steps is not None:
        result["steps"] = done.steps is not None and abs(asked.steps - done.steps) <= 1
    if asked.step_direction is not None:
        result["step direction"] = done.step_direction is asked.step_direction
    if asked.turn is not None:
        turned = done.turn if done.turn is None or not asked.turn_either else abs(done.turn)
        result["turn"] = turned is not None and abs(asked.turn - turned) <= 1
    if asked.jumps is not None:
        result["jump"] = done.jumps is not None and (asked.jumps > 0) == (done.jumps > 0) and (
            asked.jumps < 2 or not asked.jumps_counted or abs(asked.jumps - done.jumps) <= 1)
    if asked.arm_level is not None:
        result["arm level"] = done.arm_level is asked.arm_level
    if asked.pace is not None:
        result["pace"] = done.pace == asked.pace
    return result


def _groups(symbols: list[Symbol]):
    """The symbols (sorted by start) grouped by their start beat."""
    group: list[Symbol] = []
    for s in symbols:
        if group and s.start != group[0].start:
            yield group[0].start, group
            group = []
        group.append(s)
    if group:
        yield group[0].start, group


def _start_level(score: Score, column: Column) -> Level:
    for s in score.starting_position:
        if s.column is column and s.level is not None:
            return s.level
    return NATURAL_POSITION[column][1]


def _jump_kind(before: frozenset, after: frozenset) -> str:
    if len(before) == 1 and before == after:
        return "hop"
    if len(before) == 1 and len(after) == 1:
        return "leap"
    return "jump"


def _close_turn(pending: list, turns: list[Turn], start: float) -> None:
    """Add the turn being built when it starts in the phrase and comes to a quarter turn or more."""
    if pending and pending[0] >= start:
        eighths = round(pending[2] * 8)
        if abs(eighths) >= MIN_TURN:
            turns.append(Turn(pending[0], eighths, pending[3], pending[4]))


def _arms(score: Score, carried: dict[Column, Level], marks: list, start: float) -> Arms:
    """The highest level an upper arm is at during the phrase, which arms reach it, and when."""
    carried_top = max(carried.values(), key=LEVEL_RANK.get)
    overhead_in = {c: any(s.column is c and s.direction is Direction.PLACE for s in _last_arm_symbols(score, start))
                   for c in carried}
    states = [(start, c, lv, overhead_in[c]) for c, lv in carried.items()] + marks
    top = max((lv for _, _, lv, _ in states), key=LEVEL_RANK.get)
    reaching = [m for m in states if m[2] is top]
    sides = tuple(sorted({c.side for _, c, _, _ in reaching}))
    return Arms(min(m[0] for m in reaching), top, sides, LEVEL_RANK[top] > LEVEL_RANK[carried_top],
                top is Level.HIGH and any(m[3] for m in reaching))


def _last_arm_symbols(score: Score, start: float) -> list[Symbol]:
    """Each upper arm's last direction symbol before ``start`` (its starting position if none)."""
    last: dict[Column, Symbol] = {s.column: s for s in score.starting_position if s.column in UPPER_ARMS}
    for s in score.symbols:
        if s.start >= start:
            break
        if s.column in UPPER_ARMS and s.sign is Sign.DIRECTION:
            last[s.column] = s
    return list(last.values())
