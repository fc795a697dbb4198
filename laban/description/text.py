"""The describer's words: a phrase's events written as a sentence, and the sentence read back into facts.

Writer and reader share one vocabulary (the tables below), so that every phrasing the writer can choose reads
back to the facts it was written from; the reader is built as the writer's inverse, not as a second grammar.

A sentence is a list of clauses in time order, joined by ", ", ", then ", "; " or " and then " (a clause never
holds a comma, a semicolon or the word "then"). Each clause says one thing, and the reader tells the kinds
apart by one keyword each: a jump word (jump, hop, leap, spring), "turn", "step" or "walk", "arm". Other clauses
(a leg lifting, the torso leaning, a rise onto the balls of the feet, standing still) colour the text and are
not counted. What a sentence does not mention does not happen: no turn clause means no turn.
"""

from __future__ import annotations

import contextvars
import random
import re
from contextlib import contextmanager

from ..score import Column, Direction, Level
from .facts import (BOTH_FEET, LEVEL_RANK, Arms, Gesture, Jump, PhraseEvents, PhraseFacts, Rise, Step, Turn,
                    dominant_direction)

D = Direction
NUMBERS = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")

# Where a step goes. The first phrase of each is the plainest; a seed picks among them.
STEP_WAYS: dict[Direction, tuple[str, ...]] = {
    D.FORWARD: ("forward", "to the front"),
    D.BACKWARD: ("back", "backward"),
    D.RIGHT: ("to the right", "sideways to the right"),
    D.LEFT: ("to the left", "sideways to the left"),
    D.RIGHT_FORWARD: ("diagonally forward to the right", "forward and to the right"),
    D.LEFT_FORWARD: ("diagonally forward to the left", "forward and to the left"),
    D.RIGHT_BACKWARD: ("diagonally back to the right", "back and to the right"),
    D.LEFT_BACKWARD: ("diagonally back to the left", "back and to the left"),
    D.PLACE: ("in place", "on the spot"),
}
STEP_LEVEL = {Level.HIGH: ("on the balls of the feet", "in relevé"), Level.LOW: ("in plié", "with bent knees")}
ONE_STEP = ("a step {way}", "one step {way}", "a single step {way}")
STEPS = ("{n} steps {way}", "{n} steps going {way}", "walks {way} for {n} steps")
MOSTLY = ("{n} steps mostly {way}", "{n} steps going mostly {way}", "{n} steps chiefly {way}")
CLOSE = ("closing the feet", "closes both feet together", "bringing the feet together")
RUNS_TOLD = 4  # at most this many runs of steps in one direction are told one by one; more are summed up

TURN_RIGHT = ("to the right", "clockwise")
TURN_LEFT = ("to the left", "counter-clockwise")
ON_FOOT = {Column.SUPPORT_LEFT: "on the left foot", Column.SUPPORT_RIGHT: "on the right foot",
           Column.CENTRE: "on both feet"}
TURN = ("{amount} {way} {foot}", "{amount} {way} pivoting {foot}", "{amount} {foot} {way}")
IN_THE_AIR = 2.5  # a turn in the air: said after the jump it turns in (order 2), joined to it without a "then"
AIR_TURN = ("{amount} {way} in the air", "turning {amount} {way} in the air", "{amount} in the air {way}")
_FRACTIONS = {2: "a quarter", 4: "a half", 6: "three-quarter"}
MAX_EIGHTHS = 160  # the reader knows amounts up to twenty whole turns
TURNS_TOLD = 3  # more turns in a phrase are summed up: how many, and where they leave the dancer facing
SUMMED = ("{n} turns making {amount} {way} in all", "{n} turns that come to {amount} {way}")
NET_ZERO = ("{n} turns ending facing the same way", "{n} turns back and forth to the same front")

JUMP_WORDS = {"jump": ("jump", "spring"), "hop": ("hop",), "leap": ("leap",)}
ONE_JUMP = ("a {kind}", "one {kind}")

ARM_RISE = {Level.HIGH: ("high", "up high"), Level.MIDDLE: ("to shoulder height", "to the horizontal")}
ARM_STAY = {Level.HIGH: ("high", "raised high"), Level.MIDDLE: ("at shoulder height", "out horizontal"),
            Level.LOW: ("low", "down")}
BOTH_ARMS_RISE = ("both arms rise {level}", "the arms lift {level}", "raising both arms {level}")
ONE_ARM_RISES = ("the {side} arm rises {level}", "raising the {side} arm {level}", "the {side} arm lifts {level}")
ARMS_STAY = ("the arms stay {level}", "arms kept {level}", "with the arms {level}")
ONE_ARM_STAYS = ("the {side} arm stays {level}", "the {side} arm held {level}")

RISE = {Level.HIGH: ("rising onto the balls of the feet", "a rise onto the balls of the feet"),
        Level.LOW: ("sinking into plié", "bending the knees into plié")}
RISE_ONE = {Level.HIGH: ("rising onto the ball of the {side} foot", "a rise onto the {side} foot"),
            Level.LOW: ("sinking into plié on the {side} foot", "bending the {side} knee")}
LEG = ("the {side} leg lifts {way} {level}", "the {side} leg reaches {way} {level}")
LEG_LEVEL = {Level.HIGH: ("high",), Level.MIDDLE: ("to hip height",)}
LEG_WAY = {D.FORWARD: "in front", D.BACKWARD: "behind", D.RIGHT: "to the side", D.LEFT: "to the side",
           D.RIGHT_FORWARD: "diagonally in front", D.LEFT_FORWARD: "diagonally in front",
           D.RIGHT_BACKWARD: "diagonally behind", D.LEFT_BACKWARD: "diagonally behind"}
TORSO = {Level.HIGH: ("the torso leans {way}", "leaning {way}"), Level.MIDDLE: ("the torso bends {way}",),
         Level.LOW: ("the torso folds deeply {way}",)}
STILL = ("standing still", "staying on the spot")
JOINERS = (", ", ", then ", "; ", " and then ")


# Writing

def sentence(events: PhraseEvents, rng: random.Random) -> str:
    """One sentence for a phrase: its clauses in time order, words and joiners chosen by ``rng``."""
    clauses: list[tuple[float, float, str]] = []  # (time, kind order, words)
    breaks = [t.time for t in events.turns] + [j.time for j in events.jumps]
    clauses += _step_clauses(list(events.steps), breaks, rng)
    if len(events.turns) > TURNS_TOLD:
        clauses.append((events.turns[0].time, 1, _summed_turns(events.turns, rng)))
    else:
        # a turn in the air is told just after the jump it turns in ("a spring, a half turn to the right in the
        # air"), not before it as a turn on both feet (the centre column's turn on the floor)
        clauses += [(t.time, IN_THE_AIR if t.airborne else 1, _turn_clause(t, rng)) for t in events.turns]
    clauses += [(t, 2, c) for t, c in _jump_clauses(list(events.jumps), rng)]
    clauses.append((events.arms.time if events.arms.rose else float("inf"), 3, _arm_clause(events.arms, rng)))
    rises = {r.level: r for r in reversed(events.rises) if r.level is not Level.MIDDLE}  # the first of each
    clauses += [(r.time, 4, _rise_clause(r, rng)) for r in rises.values()]
    if events.leg is not None:
        clauses.append((events.leg.time, 5, _leg_clause(events.leg, rng)))
    if events.torso is not None:
        way = STEP_WAYS[events.torso.direction][0]
        clauses.append((events.torso.time, 6, rng.choice(TORSO[events.torso.level]).format(way=way)))
    if not (events.steps or events.turns or events.jumps) and rng.random() < 0.5:
        clauses.append((-1.0, 0, rng.choice(STILL)))
    ordered = sorted(clauses, key=lambda c: (c[0], c[1]))
    text = ordered[0][2]
    for time, order, clause in ordered[1:]:  # arms that only stay where they are close the sentence, not in sequence
        text += (", " if order == IN_THE_AIR else rng.choice(JOINERS if time != float("inf") else JOINERS[::2])
                 ) + clause
    return text[0].upper() + text[1:] + "."


def _count(n: int, rng: random.Random) -> str:
    return NUMBERS[n] if n < len(NUMBERS) and rng.random() < 0.8 else str(n)


def _step_clauses(steps: list[Step], breaks: list[float], rng: random.Random) -> list[tuple[float, int, str]]:
    """Runs of steps in one direction, told one by one ("two steps forward, a step to the right"); a close
    (a step in place onto both feet) is a run of its own, and a turn or jump between two steps ends a run.
    Too many runs are summed up with the direction most steps take."""
    runs: list[list[Step]] = []
    for step in steps:
        if (runs and runs[-1][-1].direction is step.direction and not _closes(step) and not _closes(runs[-1][-1])
                and not any(runs[-1][-1].time < t < step.time for t in breaks)):
            runs[-1].append(step)
        else:
            runs.append([step])
    if len(runs) > RUNS_TOLD:
        way = rng.choice(STEP_WAYS[dominant_direction([s.direction for s in steps])])
        return [(steps[0].time, 0, rng.choice(MOSTLY).format(n=_count(len(steps), rng), way=way))]
    clauses = []
    for run in runs:
        way = rng.choice(STEP_WAYS[run[0].direction])
        if _closes(run[0]):
            words = rng.choice(CLOSE)
        elif len(run) == 1:
            words = rng.choice(ONE_STEP).format(way=way)
        else:
            words = rng.choice(STEPS).format(n=_count(len(run), rng), way=way)
        levels = {s.level for s in run}
        if len(levels) == 1 and levels != {Level.MIDDLE} and rng.random() < 0.7:
            words += " " + rng.choice(STEP_LEVEL[levels.pop()])
        clauses.append((run[0].time, 0, words))
    return clauses


def _closes(step: Step) -> bool:
    return step.direction is D.PLACE and step.feet == BOTH_FEET


def turn_amounts(eighths: int) -> tuple[str, ...]:
    """Every way the writer says a turn of ``eighths`` eighths (positive), the plainest first."""
    whole, part = divmod(eighths, 8)
    if whole == 0:
        fixed = {1: ("an eighth turn", "an eighth of a turn"), 2: ("a quarter turn",), 4: ("a half turn",),
                 6: ("a three-quarter turn", "three quarters of a turn")}
        return fixed.get(part, (f"{NUMBERS[part]} eighths of a turn",))
    count = NUMBERS[whole] if whole < len(NUMBERS) else str(whole)
    if part == 0:
        return ("a full turn", "a whole turn") if whole == 1 else (f"{count} full turns", f"{count} whole turns")
    if part in _FRACTIONS:
        return (f"{count} and {_FRACTIONS[part]} turns",)
    return (f"{count} and {NUMBERS[part]} {'eighth' if part == 1 else 'eighths'} turns",)


def _turn_clause(turn: Turn, rng: random.Random) -> str:
    way = rng.choice(TURN_RIGHT if turn.eighths > 0 else TURN_LEFT)
    return rng.choice(AIR_TURN if turn.airborne else TURN).format(
        amount=rng.choice(turn_amounts(abs(turn.eighths))), way=way, foot=ON_FOOT[turn.column])


def _summed_turns(turns: tuple[Turn, ...], rng: random.Random) -> str:
    net, n = sum(t.eighths for t in turns), _count(len(turns), rng)
    if net == 0:
        return rng.choice(NET_ZERO).format(n=n)
    return rng.choice(SUMMED).format(n=n, amount=rng.choice(turn_amounts(abs(net))),
                                     way=rng.choice(TURN_RIGHT if net > 0 else TURN_LEFT))


def _jump_clauses(jumps: list[Jump], rng: random.Random) -> list[tuple[float, str]]:
    """Runs of jumps of one kind in time order ("a hop", "two leaps"); more than two runs are summed up in one
    clause ("three hops and two leaps")."""
    runs: list[list[Jump]] = []
    for jump in jumps:
        if runs and runs[-1][0].kind == jump.kind:
            runs[-1].append(jump)
        else:
            runs.append([jump])
    if len(runs) > 2:
        kinds = {j.kind: sum(k.kind == j.kind for k in jumps) for j in jumps}
        return [(jumps[0].time, " and ".join(_jumps(n, kind, rng) for kind, n in kinds.items()))]
    return [(run[0].time, _jumps(len(run), run[0].kind, rng)) for run in runs]


def _jumps(n: int, kind: str, rng: random.Random) -> str:
    word = rng.choice(JUMP_WORDS[kind])
    return rng.choice(ONE_JUMP).format(kind=word) if n == 1 else f"{_count(n, rng)} {word}s"


def _arm_clause(arms: Arms, rng: random.Random) -> str:
    both = len(arms.sides) == 2
    if arms.rose:
        words = ARM_RISE[arms.level] + (("overhead",) if arms.overhead else ())
        template = rng.choice(BOTH_ARMS_RISE if both else ONE_ARM_RISES)
    else:
        words = ARM_STAY[arms.level] + (("overhead",) if arms.overhead else ())
        template = rng.choice(ARMS_STAY if both else ONE_ARM_STAYS)
    return template.format(level=rng.choice(words), side=arms.sides[0])


def _rise_clause(rise: Rise, rng: random.Random) -> str:
    if len(rise.feet) == 1:
        return rng.choice(RISE_ONE[rise.level]).format(side=next(iter(rise.feet)).side)
    return rng.choice(RISE[rise.level])


def _leg_clause(leg: Gesture, rng: random.Random) -> str:
    return rng.choice(LEG).format(side=leg.column.side, way=LEG_WAY[leg.direction],
                                  level=rng.choice(LEG_LEVEL[leg.level]))


# Reading

def _words(phrases) -> str:
    """A pattern (one group) matching any of ``phrases`` as whole words, longest first (so "back and to the
    right" wins over "back")."""
    return (r"(?<![\w-])(" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
            + r")(?![\w-])")


def _alternation(phrases) -> re.Pattern:
    return re.compile(_words(phrases))


# Where steps go as a prompt may say it and the describer does not write it ("walk backwards", "steps to the right
# side"): read as the describer's ways. (Read as no way, "walk backwards" asked the model for steps going anywhere.)
PROMPT_STEP_WAYS: dict[Direction, tuple[str, ...]] = {
    D.FORWARD: ("forwards", "ahead"),
    D.BACKWARD: ("backwards", "to the back", "to the rear"),
    D.RIGHT: ("to the right side", "sideways right", "rightward", "rightwards"),
    D.LEFT: ("to the left side", "sideways left", "leftward", "leftwards"),
}
# Counts as a prompt may say them, to ninety-nine ("sixteen steps", "twenty-four counts"); the describer writes
# NUMBERS' words and digits past them. (Read with NUMBERS alone, "sixteen steps forward" counted no steps.)
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
COUNTS: dict[str, int] = {
    **{w: n for n, w in enumerate(NUMBERS) if w},
    **{w: 13 + i for i, w in enumerate(("thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
                                         "nineteen"))},
    **{f"{ten}{joint}{unit}" if unit else ten: 20 + 10 * i + u for i, ten in enumerate(_TENS)
       for u, unit in enumerate(NUMBERS[:10]) for joint in ("-", " ")},
}
_WAYS = {way: d for d, ways in (*STEP_WAYS.items(), *PROMPT_STEP_WAYS.items()) for way in ways}
_WAY = _alternation(_WAYS)
_AMOUNTS = {amount: n for n in range(1, MAX_EIGHTHS + 1) for amount in turn_amounts(n)}
_AMOUNTS.update({"one full turn": 8, "one whole turn": 8, "one half turn": 4, "one quarter turn": 2})  # a prompt's
_AMOUNT = _alternation(_AMOUNTS)
_TURN_SENSE = {**{w: 1 for w in TURN_RIGHT}, **{w: -1 for w in TURN_LEFT}}
_SENSE = _alternation(_TURN_SENSE)
_NET_ZERO = _alternation([z.split("{n} turns ", 1)[1] for z in NET_ZERO])
_NUMBER = _alternation([*COUNTS, "a", "an", "a single"])
_DIGITS = re.compile(r"\b(\d+)\b")
# Words a prompt may use that the describer never writes: a choreographer's names for a turn, a jump or steps.
PROMPT_TURNS = ("pirouette", "spin", "tour", "chaîné", "chaine", "piqué", "pique", "fouetté", "fouette", "soutenu")
PROMPT_JUMPS = ("jeté", "jete", "sauté", "saute", "assemblé", "assemble", "sissonne", "pas de chat", "changement",
                "entrechat", "cabriole")
PROMPT_STEPS = ("run", "runs", "running", "jog", "jogs", "jogging", "sprint", "sprints", "sprinting", "stride",
                "strides", "striding", "march", "marches", "marching", "tiptoe", "tiptoes", "tiptoeing", "skip",
                "skips", "skipping", "gallop", "gallops", "galloping", "stroll", "strolls", "strolling", "slide",
                "slides", "sliding", "lunge", "lunges", "lunging")
# A choreographer's names for a figure of several steps, said as one ("a salsa basic step", "a box step", "a
# grapevine"): how many weight changes it has is the figure's, repeated as long as its phrase lasts, so "a ... step"
# that names one counts none. (Read as one step, "a lively salsa basic step" over 8 bars asked for a single step,
# and the model wrote 0.7 steps a bar, where a salsa basic has six steps in eight counts.)
PROMPT_FIGURES = ("basic", "box", "waltz", "grapevine", "two-step", "polka", "chassé", "chasse", "cha-cha",
                  "cha cha", "mambo", "salsa", "samba", "rumba", "tango", "merengue", "bourrée", "bourree", "rock",
                  "triple", "shuffle", "pas de basque", "balancé", "foxtrot", "quickstep", "jive", "charleston",
                  "step touch", "step-touch", "ball change", "ball-change", "jazz square", "sashay", "glissade")
_STEPPED_FIGURES = ("grapevines?", "chassés?", "chasses?", "shuffles?", "pas de basque", "bourrées?", "bourrees?",
                    "balancés?", "ball[- ]changes?", "jazz squares?", "sashays?", "glissades?"
                    )  # figures whose name alone says steps: a clause with one is a step clause
# How a prompt says a turn's size where the describer would write "a quarter turn": in degrees ("a 90-degree
# turn", "180°"), "turn around" (a half turn), or by naming it ("a pirouette", "a tour", "a chaîné", "a spin":
# one whole turn each, "double" and "triple" as many more); "twice", "three times" repeat what was said.
_DEGREES = re.compile(r"\b(\d+)\s*(?:-\s*|\s+)?(?:degrees?\b|°)")
_LETTERS = r"[^\W\d_]+"  # a word between a count and what it counts, a dance term's accents too ("a piqué turn")
# A turn's degrees without the unit, as dancers say them: a half or whole turns' multiple before the turn or jump it
# sizes ("a 180 turn", "a 720 spin", "a 360 jump"), or alone after "a" ("a 360"). (Read as no amount, "a 180 turn"
# asked none.)
_NOT_A_COUNT = r"(?![\s-]*(?:bpm|beats?|bars?|counts?|steps?|seconds?)\b)"
_A_BARE = r"(?<=\ba )(?:180|360|540|720)" + _NOT_A_COUNT  # "a 360": a turn
_BARE_DEGREES = re.compile(r"\b(90|180|270|360|450|540|630|720|900|1080)(?=[\s-]+(?:" + _LETTERS
                           + r"\s+)?(?:turn|spin|pirouette|jump|hop|leap)s?\b)|\b(" + _A_BARE + r")\b")
# An amount with words between its count and its size, or none: "a sharp quarter turn", "two quick half turns",
# "three full turns" where the describer writes "a quarter turn" (read as no amount, "a sharp quarter turn" asked none)
_SIZES = {"eighth": 1, "quarter": 2, "half": 4, "three-quarter": 6, "three quarter": 6, "full": 8, "whole": 8}
_SIZE = "(" + "|".join(sorted(_SIZES, key=len, reverse=True)) + ")"
_SIZED_TURN = re.compile(r"(?:" + _words([*COUNTS, "a", "an"]) + r"\s+)?(?:" + _LETTERS + r"\s+){0,2}?(?<![\w-])"
                         + _SIZE + r"[\s-]turn(s?)\b")
_TURN_BY = re.compile(r"\bturns?\s+(?:by\s+)?(?:a|an|one)\s+" + _SIZE + r"\b")  # "turn a quarter to the right"
_AROUND = re.compile(r"\b(?:turn(?:s|ing)?\s+around|turn(?:s|ing)?\s+round|about[- ]face|about[- ]turn)\b")
_WHOLE_TURNS = {"single": 1, "double": 2, "triple": 3, "quadruple": 4}
# A turn said of every count or bar ("a quarter turn every two counts") is repeated a number of times not said:
# read as one quarter, it held the model to a quarter in the whole phrase.
_EVERY = re.compile(r"\b(?:every|each)\b")
# A turn counted and not sized ("a turn", "a slow turn to the left", "two turns", "a double turn") is a dancer's
# turn: a whole one each, as a pirouette is. (Read as no amount, "a slow turn" asked no turn and, its clause telling
# every move, no step either: 3 of 4 dances stood still.) Turns not counted ("turns to the right") and the verb ("turn
# to the left") say no amount.
_COUNTED_TURN = re.compile(_words([*COUNTS, "a", "an"]) + r"\s+(?:(" + "|".join(_WHOLE_TURNS)
                           + r")\s+)?(?:" + _LETTERS + r"\s+){0,2}?turns?\b")
# Turns named by how they are danced, whose size is the name's: a three-step turn travels one whole turn in three
# steps, a pivot turn is a half turn (step, pivot). (Read as counted turns, "a three step turn to the right" asked
# three whole turns, and "a pivot turn" a whole one.)
_FIGURE_TURNS = {"three-step": 8, "three step": 8, "pivot": 4}
_FIGURE_TURN = re.compile(r"(?:" + _words([*COUNTS, "a", "an"]) + r"\s+)?(?:" + _LETTERS + r"\s+)?\b("
                          + "|".join(_FIGURE_TURNS) + r")\s+turn(s?)\b")
_NAMED_TURN = re.compile(r"(?:\b(" + "|".join(_WHOLE_TURNS) + r")\s+)?\b(" + "|".join(PROMPT_TURNS) + r")(s?)\b")
_TIMES = re.compile(r"\b(once|twice|thrice|(" + "|".join(sorted((w for w, n in COUNTS.items() if n > 1), key=len,
                                                               reverse=True)) + r"|\d+)\s+times)\b")
# A turn's way in a prompt's words: "left", "right" (not a body part's side: "on the left foot"), "anticlockwise".
_NOT_A_BODY_PART = r"(?!\s+(?:foot|feet|leg|legs|arm|arms|hand|hands|side|shoulder|hip|knee|heel|toe)\b)"
_PROMPT_SENSE = re.compile(r"\b(anti-?clockwise|counter\s?clockwise|clockwise|left|right)\b" + _NOT_A_BODY_PART)
# A turn en dehors goes outward, away from the leg that supports it (on the left foot, to the right), en dedans inward
# (on the left foot, to the left): its way is read from the foot said to support it ("a pirouette en dehors on the
# right foot": to the left); without the foot, the way is not said. (Read before stop 62 as no way: either way.)
_EN_DEHORS = re.compile(r"\ben (dehors|dedans)\b")
_SUPPORTING_FOOT = re.compile(r"\bon (?:the )?(left|right) (?:foot|leg)\b")
# A step's way as a bare side ("a grapevine left", "step right twice"), read where no way the describer writes is said
_PROMPT_SIDE = re.compile(r"\b(left|right)\b" + _NOT_A_BODY_PART)
_JUMP_NAMES = {f"{w}{s}" for words in (*JUMP_WORDS.values(), PROMPT_JUMPS) for w in words for s in ("", "s")}
_JUMP = _alternation(_JUMP_NAMES)
_LEVELS = {"high": Level.HIGH, "up high": Level.HIGH, "raised high": Level.HIGH, "overhead": Level.HIGH,
           "to shoulder height": Level.MIDDLE, "at shoulder height": Level.MIDDLE, "shoulder height": Level.MIDDLE,
           "to the horizontal": Level.MIDDLE, "out horizontal": Level.MIDDLE, "horizontal": Level.MIDDLE,
           "low": Level.LOW, "down": Level.LOW,
           # a prompt's words for the same levels
           "above the head": Level.HIGH, "above head": Level.HIGH, "over the head": Level.HIGH,
           "out to the side": Level.MIDDLE, "out to the sides": Level.MIDDLE, "outstretched": Level.MIDDLE,
           "shoulder level": Level.MIDDLE, "by the sides": Level.LOW, "at the sides": Level.LOW,
           "hanging": Level.LOW, "to the side": Level.MIDDLE, "to the sides": Level.MIDDLE,
           "stretched out": Level.MIDDLE,
           # a dance class's arm positions: second is out to the sides, fifth (en haut, en couronne) overhead and
           # bras bas low (fifth en bas and en avant, the longer words, are not fifth en haut)
           "in second": Level.MIDDLE, "second position": Level.MIDDLE, "à la seconde": Level.MIDDLE,
           "a la seconde": Level.MIDDLE, "in fifth": Level.HIGH, "fifth position": Level.HIGH, "en haut": Level.HIGH,
           "en couronne": Level.HIGH, "in fifth en bas": Level.LOW, "fifth en bas": Level.LOW, "en bas": Level.LOW,
           "bras bas": Level.LOW, "in fifth en avant": Level.MIDDLE, "en avant": Level.MIDDLE}
_LEVEL = _alternation(_LEVELS)
# "four steps and a jump": a counted jump after "and" is a clause of its own (one clause tells one kind, and a second
# kind in it is left uncounted: before, the steps were unstated)
_JUMP_AFTER = (r"(?:" + "|".join(["a", "an", *sorted(COUNTS, key=len, reverse=True), r"\d+"]) + r")\s+(?:" + _LETTERS
               + r"\s+)?(?:"
               + "|".join(re.escape(w) for w in sorted(_JUMP_NAMES, key=len, reverse=True)) + r")(?![\w-])")
# steps that go round: "walk in a circle", "two circles", "walk in a square" (four sides, a quarter turn at each
# corner: read as no turn, it refused the model the corners); a jazz square is a figure danced facing front
_CIRCLE = re.compile(r"\b(circles?|circling|(?<!jazz )squares?)\b")
_ARMS_UP = re.compile(r"\b(?:arms?|hands?)\s+(?:up|upward|upwards)\b(?!\s+to\b)")  # a prompt's "arms up": high
# Counts of the music, not of moves: a count-in ("5-6-7-8") and what falls "on" a count ("step forward on 1", "on
# 5-6-7-8 four steps"): read as numbers, "on 5-6-7-8 four steps forward" asked for eight steps.
_MUSIC_COUNTS = re.compile(r"\b(?:on\s+(?:the\s+)?(?:counts?\s+)?\d+(?:\s*(?:-|,|&|and)\s*\d+)*|counts?\s+\d+"
                           r"(?:\s*(?:-|,|&|and)\s*\d+)*|\d(?:\s*-\s*\d){2,})\b")
# What falls "on" counts of the music leaves a mark for each count in its clause, so that the bare verb is counted
# by them ("step forward on 1, step back on 2": a step each; read before as no count); a count-in leaves none.
_ON_COUNT = "\u2669"


def _on_counts(match: re.Match) -> str:
    counts = len(_DIGITS.findall(match.group(0))) if match.group(0).startswith("on") else 0
    return " " + _ON_COUNT * counts + " "


# A walk said to last some counts ("walk forward for 8 counts"): a step on each (read as no count before)
_WALKED_COUNTS = re.compile(r"\b(?:walk|walks|walking|march|marches|marching)\b.*\bfor\s+(?:"
                            + _words(COUNTS) + r"|(\d+))\s+(?:counts|beats)\b")
_SPLIT = re.compile(r"\s*[,;:.]\s*|\s+and then\s+|\s+then\s+|\bthen\s+|\s+and\s+(?=" + _JUMP_AFTER + ")")
_STEP_WORD = re.compile(r"\b(steps?|walks?|walking|" + "|".join(PROMPT_STEPS + _STEPPED_FIGURES) + r")\b")
_CLOSE_WORD = re.compile(r"\bclos(e|es|ing)\b|\bfeet together\b")
_STEP_COUNT = re.compile(r"(?:" + _words([*COUNTS, "a", "an", "a single"]) + r"|\b(\d+))"
                         r"(?:\s+" + _LETTERS + r"){0,2}?\s+(steps?|strides?)\b")  # a count, up to two words, the steps
_ONE_STEP = re.compile(r"(?<![\w-])step(?![\w-])")  # the verb: "step back twice"
_JUMP_COUNT = re.compile(r"(?:(?:" + _words([*COUNTS, "a", "an"]) + r"|(\d+))\s+(?:" + _LETTERS + r"\s+)?)?"
                         + _JUMP.pattern)  # a count, a word between ("three small hops"), the jumps
_TURN_WORD = re.compile(r"\b(turns?|" + "|".join(f"{w}s?" for w in PROMPT_TURNS) + "|" + _A_BARE + r")\b")
# A choreographer's name for a movement marks words the describer did not write: a sentence with one is read open.
_PROMPT_WORD = re.compile(r"(?<![\w-])(" + "|".join(f"{w}s?" for w in (*PROMPT_TURNS, *PROMPT_JUMPS, *PROMPT_STEPS,
                                                                        *PROMPT_FIGURES)) + r")(?![\w-])")
_FIGURE = re.compile(r"(?<![\w-])(" + "|".join(PROMPT_FIGURES) + r")(?![\w-])")
# The describer's clauses that colour a sentence without being counted (``sentence``: rises, legs, torso,
# standing still): with the counted kinds, every clause it writes is one of these.
_COLOUR_WORD = re.compile(r"\b(legs?|torso|lean(s|ing)?|bends?|folds?|ris(e|es|ing)|relevé|plié|knees?|"
                          r"still|on the spot|sink(s|ing)?|(?:stay|stand)(s|ing)?\s+in\s+place|freez(e|es|ing)|"
                          r"hold(s|ing)?)\b")  # and a prompt's words for standing still
_ARM_WORD = re.compile(r"\barms?\b")
# What a prompt says is not done ("no jumps", "without turning", "don't step", "no jumps or turns"): that kind's
# count is 0 and the rest is read as a prompt's words, denying nothing else; "don't run" asks no run and denies no
# step. (Read without the negation, "no jumps" was a jump clause in the describer's register: no steps, no turn, and
# its jumps unstated, and the model stood still; "walk forward, don't run" ran its second half.)
_DENIED_WORDS = {"jump": (*_JUMP_NAMES, "jumping", "hopping", "leaping", "springing"),
                 "turn": ("turns", "turn", "turning", "spin", "spins", "spinning", *(f"{w}s" for w in PROMPT_TURNS),
                          *PROMPT_TURNS),
                 "step": ("steps", "step", "stepping", "walking", "walks", "walk"),
                 "run": ("run", "runs", "running", "jog", "jogging", "sprint", "sprinting")}
_DENIED_KIND = {w: kind for kind, words in _DENIED_WORDS.items() for w in words}
_DENIED = _words(_DENIED_KIND)
_NEGATION = re.compile(r"\b(?:no|without|not|never|don't|dont|do not|doesn't|does not)\s+(?:" + _LETTERS
                       + r"\s+)?" + _DENIED + r"(?:\s+(?:or|nor|and)\s+" + _DENIED + r")*")

# How fast a phrase moves, as a prompt says it ("a slow solo", "lively", "gently"): its pace (``PhraseFacts.pace``),
# written in the lengths of the phrase's symbols while sampling (``motiongpt.model.steering.PaceAsked``; at stop 62
# through the per-bar energy control, ``motiongpt.model.conditions.paced``) and checked on the score's symbols a
# second. Said anywhere in a phrase's words, of the phrase ("a quick turn" asks a lively one); both ways at once
# ("slow steps, then a quick turn") leave it unstated. Read since stop 62 (``words_read_before``).
PACE_WORDS = {**{w: -1 for w in ("slow", "slowly", "calm", "calmly", "gentle", "gently", "unhurried", "leisurely")},
              **{w: 1 for w in ("quick", "quickly", "fast", "fast-paced", "lively", "energetic", "energetically",
                                "brisk", "briskly", "vigorous", "vigorously")}}
_PACE = _alternation(PACE_WORDS)
# The pace said softer or by comparison ("slow-ish", "slower", "faster"): the same pace (the checker tells only slow
# from lively); and a pace said not to be asked ("not slow", "no fast moves", "don't go too fast"), which asks none,
# nor its opposite ("not too fast" is no lively dance, nor a slow one). Read since stop 63 (``pace_in_lengths``):
# before, "not slow" asked a slow dance and "slow-ish" none.
PACE_KIN = {**{f"{w}{ish}": PACE_WORDS[w] for w in ("slow", "calm", "quick", "fast", "brisk")
               for ish in ("ish", "-ish")},
            **{w: -1 for w in ("slower", "calmer", "gentler")},
            **{w: 1 for w in ("quicker", "faster", "livelier", "brisker")}}
_PACE_FORMS = {**PACE_WORDS, **PACE_KIN}
_PACE_SAID = _alternation(_PACE_FORMS)
_PACE_DENIED = re.compile(r"\b(?:no|not|never|without|nor|don't|dont|do not|doesn't|does not|isn't|is not)\s+(?:"
                          + _LETTERS + r"\s+){0,2}?" + _words(_PACE_FORMS))  # up to two words between: "not too fast"
# How a dance's lineage says its words were read (``motiongpt.cocreate.Lineage``), oldest first after None (before
# stop 62): since stop 62 with their pace and the way a turn en dehors or en dedans goes (``_turn_sense``); since
# 2026-12-07 a turn past one whole turn ("two pirouettes") asked whole while sampling (``turns_read_whole``), where
# the stop 62 reading asked at most the one whole turn a phrase's facts hold (``motiongpt.model.conditions``); since
# stop 63 the pace written in the symbols' lengths (``pace_in_lengths``), where before it moved the energy control,
# and a pace said not to be asked asking none, one said softer or by comparison read (``PACE_KIN``), and a phrase
# that turns and does not step opened to turn (``still_turns_opened``).
WORDS_READ_62 = "pace and turn sides read"
WORDS_READ_TURNS = "pace, turn sides and whole turns read"
WORDS_READ = "pace in lengths with its denials and kin, turn sides, whole turns and turns on the spot read"
_READINGS = (WORDS_READ_62, WORDS_READ_TURNS, WORDS_READ)
_READ_AS = contextvars.ContextVar("words_read", default=WORDS_READ)


@contextmanager
def words_read_before(read: str | None = None):
    """Words read inside this block as a dance whose lineage records ``read`` (``Lineage.words_read``) read them: None
    (or a reading not known) as before stop 62, their pace not read (``PACE_WORDS``), nor the way a turn en dehors
    or en dedans goes (``_EN_DEHORS``), nor a turn past one whole turn asked whole; ``WORDS_READ_62`` all but the
    last two; ``WORDS_READ_TURNS`` all but the pace written in lengths, its denials and its kin. So that such a dance
    is made again to the byte (``motiongpt.cocreate.replay``)."""
    token = _READ_AS.set(read if read in _READINGS else None)
    try:
        yield
    finally:
        _READ_AS.reset(token)


def words_read() -> str | None:
    """How words are read here, as a lineage made here records it: ``WORDS_READ``, or the older reading
    ``words_read_before`` was given."""
    return _READ_AS.get()


def words_read_now() -> bool:
    """Whether words are read with their pace and turns' sides (since stop 62: ``words_read_before``)."""
    return _READ_AS.get() is not None


def turns_read_whole() -> bool:
    """Whether a turn past one whole turn is asked whole while sampling (since 2026-12-07: ``words_read_before``)."""
    return _READ_AS.get() in (WORDS_READ_TURNS, WORDS_READ)


def pace_in_lengths() -> bool:
    """Whether a phrase's pace is written in its symbols' lengths, the energy control left to the music, and a pace
    said not to be asked asks none ("not slow"), one said softer or by comparison is read ("slow-ish", "faster";
    ``PACE_KIN``) (since stop 63: ``words_read_before``); at stop 62 the pace moved that control."""
    return _READ_AS.get() == WORDS_READ


def still_turns_opened() -> bool:
    """Whether a phrase that asks a turn and no step has its supports raised where one may begin, while it owes its
    turn (``motiongpt.model.steering.TurnAsked``'s ``opening``; since stop 63: ``words_read_before``)."""
    return _READ_AS.get() == WORDS_READ


def _paces(text: str) -> set[int]:
    """The paces words say (-1 slow, +1 lively), a pace said not to be asked left out (``_PACE_DENIED``; what is
    not done first, that "don't jump slowly" denies the jump and asks slow)."""
    if not words_read_now():
        return set()
    if not pace_in_lengths():
        return {PACE_WORDS[m.group(1)] for m in _PACE.finditer(text.lower())}
    said = _PACE_DENIED.sub(" ", _NEGATION.sub(" ", text.lower()))
    return {_PACE_FORMS[m.group(1)] for m in _PACE_SAID.finditer(said)}


def _pace(text: str) -> int | None:
    """-1 where the words say slow, +1 lively, None where they say neither or both."""
    said = _paces(text)
    return said.pop() if len(said) == 1 else None


def facts_from_text(text: str) -> PhraseFacts:
    """The facts a sentence states, read with the describer's vocabulary (the inverse of ``sentence``).

    In the describer's own register (every clause one it writes), what the sentence does not mention does not
    happen: no turn clause means no turn, 0 eighths. Free text says what matters to its writer and no more ("salsa
    dance", "a slow solo: ..."), so where any clause is not the describer's, the steps, turn and jumps it does
    not mention are left unstated (``None``) rather than denied. A turn whose amount is said and its way not ("a
    half turn") is asked either way (``turn_either``); a jump named without its number ("jump, balance", "...,
    jete") is at least one, not exactly one (``jumps_counted`` False). A step or turn clause whose count, direction or
    amount the vocabulary cannot read leaves that fact unstated, and so does a sentence without arms. A prompt
    may also name steps, turns and jumps the describer does not write (``PROMPT_STEPS``, ``PROMPT_TURNS``,
    ``PROMPT_JUMPS``: "runs", "pirouettes", "a jeté"), and figures of several steps (``PROMPT_FIGURES``: "a salsa
    basic step" counts no steps); such a sentence is not the describer's either, so it too
    denies nothing it leaves out ("run" read as "no jump" made the model write a run as long holds under guidance:
    a run's strides are flights). What it says is not done ("no jumps", "without turning") is denied, and nothing
    else (``_NEGATION``); counts of the music ("on 5-6-7-8", "on 2 and 4") count nothing (``_MUSIC_COUNTS``).
    How fast the phrase goes, said anywhere in it ("a slow solo", "lively"), is its pace (``PACE_WORDS``), which
    neither states nor denies anything else.
    """
    clauses = _clauses(text)
    kinds = set().union(*(k for k, _ in clauses))
    denied = _denied(text)
    # the describer's register: every clause one of its kinds, in its own words (a choreographer's "run" or "jeté"
    # is a prompt's word: "a run" has flights the describer would call leaps, "jetés, a pirouette" has steps; the
    # describer never says what is not done)
    closed = (all(k for k, _ in clauses) and not _PROMPT_WORD.search(text.lower()) and not denied
              and not _FIGURE_TURN.search(text.lower()))  # a pivot turn's step is the figure's

    def start(*mentions: str) -> int | None:
        return 0 if closed or kinds.intersection(mentions) else None

    steps, turn, jumps = start("step", "close"), start("turn"), start("jump")
    counted = True  # every jump word with its number (``PhraseFacts.jumps_counted``)
    ways_of_turning = set()  # whether the turn clauses said which way: True, False (amount only), or both
    ways: list[Direction] = []
    mostly: Direction | None = None
    arm_level: Level | None = None
    for found, clause in clauses:
        kind = found[0] if found else None
        # a second kind in one clause ("two jetés and a pirouette") is mentioned but not counted: unstated
        steps = None if {"step", "close"} & set(found[1:]) else steps
        turn = None if "turn" in found[1:] and kind != "jump" else turn
        jumps = None if "jump" in found[1:] else jumps
        if kind == "jump":
            matches = list(_JUMP_COUNT.finditer(_BARE_DEGREES.sub(" ", clause)))  # "a 360 jump" is one
            times = _times(clause) if len(matches) == 1 else 1  # "jump three times", "leap twice"
            for match in matches:  # "a hop", "three hops and two leaps"
                number, digits, word = match.groups()
                n = _number(number or digits) if number or digits else (None if word.endswith("s") else 1)
                counted = counted and bool(number or digits or times > 1)
                jumps = None if n is None or jumps is None else jumps + n * times
            # a jump that turns by a said amount ("a jump with a half turn", "a 180 jump"): the turn is the jump's,
            # and counted (a jump named with its own turn, "a tour jeté", says no amount: unstated, as before)
            if "turn" in found:
                eighths, sense = _turn_amount(clause, sizes_only=True), _turn_sense(clause)
                turn = None if eighths is None or turn is None else turn + eighths * (sense or 1)
                ways_of_turning.add(sense is not None)
        elif kind == "turn":
            if _NET_ZERO.search(clause):
                continue
            eighths, sense = _turn_amount(clause), _turn_sense(clause)
            turn = None if eighths is None or turn is None else turn + eighths * (sense or 1)
            ways_of_turning.add(sense is not None)
        elif kind == "close":
            steps = None if steps is None else steps + 1
            ways.append(D.PLACE)
        elif kind == "step":
            n, way = (None if _FIGURE.search(clause) else _step_count(clause)), _WAY.search(clause)
            steps = None if n is None or steps is None else steps + n
            way = _WAYS[way.group(1)] if way is not None else None
            circles = _CIRCLE.search(clause)
            if circles is not None:  # "walk in a circle": the steps turn the body a whole turn
                if turn is not None:
                    count = (_number(clause[:circles.start()]) if circles.group(1).endswith("s") else 1) or 1
                    sense = _turn_sense(clause)
                    turn += 8 * count * _times(clause) * (sense or 1)
                    ways_of_turning.add(sense is not None)
                way = None  # a circle's "to the left" is the way it turns, not where the steps go
            elif way is None and (side := _PROMPT_SIDE.search(clause)) is not None:  # "a grapevine left"
                way = D.LEFT if side.group(1) == "left" else D.RIGHT
            if way is not None:
                if "mostly" in clause or "chiefly" in clause:
                    mostly = way
                ways += [way] * (n or 1)
        elif kind == "arm":
            level = _LEVEL.search(clause)
            said_level = _LEVELS[level.group(1)] if level is not None else \
                Level.HIGH if _ARMS_UP.search(clause) else None
            if said_level is not None:
                arm_level = max(arm_level or Level.LOW, said_level, key=LEVEL_RANK.get)
    steps, turn, jumps = (0 if "step" in denied else steps, 0 if "turn" in denied else turn,
                          0 if "jump" in denied else jumps)
    direction = mostly or dominant_direction(ways)
    if ways_of_turning == {True, False}:  # "a half turn, then a quarter turn to the left": no net turn to tell
        turn = None
    either = ways_of_turning == {False} and turn is not None
    return PhraseFacts(steps, direction if steps != 0 else None, turn, jumps, arm_level, turn_either=either,
                       jumps_counted=counted or jumps is None, pace=_pace(text))


def _turn_amount(clause: str, sizes_only: bool = False) -> int | None:
    """Eighths of a turn a turn clause says, whichever way: the describer's amounts ("a half turn", "two full
    turns"), else a prompt's (``_DEGREES``, ``_BARE_DEGREES``, ``_AROUND``, ``_FIGURE_TURN``, ``_NAMED_TURN``,
    ``_COUNTED_TURN``), times a repeat ("twice"). None where it says no amount, or only turns without a count
    ("pirouettes", "90-degree turns": how many is not said). ``sizes_only`` reads sizes, not turns named or counted
    whole (a jump clause's: "a tour jeté" is no whole turn, "a jump and a turn" says no size)."""
    amount = _AMOUNT.search(clause)
    if _EVERY.search(clause):
        return None
    if amount is not None:
        eighths = _AMOUNTS[amount.group(1)]
    elif (degrees := _DEGREES.search(clause) or _BARE_DEGREES.search(clause)) is not None:
        eighths = round(int(next(g for g in degrees.groups() if g)) / 45)
        rest = clause[:degrees.start()] + clause[degrees.end():]
        if any(m.group(1).endswith("s") for m in _TURN_WORD.finditer(rest)):  # "two 90-degree turns"
            count = _number(rest)
            eighths = 0 if count is None else eighths * count
        if eighths < 1:
            return None
    elif (sized := _SIZED_TURN.search(clause)) is not None:
        count, size, plural = sized.groups()
        if count is None and plural:  # "quarter turns": how many is not said
            return None
        eighths = _SIZES[size] * (COUNTS.get(count, 1) if count else 1)
    elif (by := _TURN_BY.search(clause)) is not None:
        eighths = _SIZES[by.group(1)]
    elif _AROUND.search(clause):
        eighths = 4
    elif sizes_only:
        return None
    elif (figure := _FIGURE_TURN.search(clause)) is not None:  # "a three-step turn", "two pivot turns"
        number, kind, plural = figure.groups()
        if number is None and plural:
            return None
        eighths = _FIGURE_TURNS[kind] * (COUNTS.get(number, 1) if number else 1)
    elif (named := _NAMED_TURN.search(clause)) is not None:
        count = _WHOLE_TURNS.get(named.group(1) or "", None)
        if count is None:
            count = _number(clause[:named.start(2)]) if named.group(3) else 1
        if count is None:
            return None
        eighths = 8 * count
    elif (counted := _COUNTED_TURN.search(clause)) is not None:
        number, whole = counted.groups()
        eighths = 8 * COUNTS.get(number, 1) * _WHOLE_TURNS.get(whole or "", 1)
    else:
        return None
    return eighths * _times(clause)


def _times(clause: str) -> int:
    """How many times a clause says what it says is done ("twice", "three times"; 1 where it does not say)."""
    times = _TIMES.search(clause)
    if times is None:
        return 1
    count = times.group(2)
    if count is None:
        return {"once": 1, "twice": 2, "thrice": 3}[times.group(1)]
    return int(count) if count.isdigit() else COUNTS[count]


def _step_count(clause: str) -> int | None:
    """How many steps a step clause counts: a number said of steps or strides ("four steps", "a single step", "three
    quick steps", "walks forward for eight steps"), times a repeat ("a step forward twice"), a walk's counts (a step
    each: "walk forward for 8 counts"); None where no number is said of them ("walk in a circle" counts no step: its
    "a" is the circle's; "a run" is many strides)."""
    counted = _STEP_COUNT.search(clause)
    if counted is None and (walked := _WALKED_COUNTS.search(clause)) is not None:
        word, digits = walked.groups()
        return (COUNTS[word] if word else int(digits)) * _times(clause)
    if counted is None:  # the verb, said with its repeat or on counts of the music
        if not _ONE_STEP.search(clause):
            return None
        if _TIMES.search(clause):  # "step back twice" is two steps
            return _times(clause)
        return clause.count(_ON_COUNT) or None  # "step back on 2" one, "step on 1 and 3" two
    n = _number(counted.group(0))
    return None if n is None else n * _times(clause)


def _turn_sense(clause: str) -> int | None:
    """+1 to the right (clockwise), -1 to the left, None where a turn clause does not say which way: said so, or
    en dehors / en dedans on a foot said (``_EN_DEHORS``)."""
    sense = _SENSE.search(clause)
    if sense is not None:
        return _TURN_SENSE[sense.group(1)]
    outward, foot = _EN_DEHORS.search(clause), _SUPPORTING_FOOT.search(clause)
    if outward is not None and foot is not None and words_read_now():
        return 1 if (outward.group(1) == "dehors") == (foot.group(1) == "left") else -1
    sense = _PROMPT_SENSE.search(clause)
    if sense is None:
        return None
    return 1 if sense.group(1) in ("right", "clockwise") else -1


def said(text: str) -> list[tuple[tuple[str, ...], str]]:
    """A sentence's clauses in the order said (lower case; split at commas, semicolons, colons, full stops and
    "then"), each with what it tells (``_kinds``: "jump", "turn", "close", "step", "arm", "colour"; the first its
    kind, none for words the describer does not write). A sentence's clauses are in time order where they move the
    dancer on (steps, turns, jumps) and beside them where they colour the moves (the arms, a rise). What it says
    is not done ("no jumps", "don't run") and the music's counts ("on 5-6-7-8") are no part of a clause."""
    return [(kinds, " ".join(clause.replace(_ON_COUNT, " ").split())) for kinds, clause in _clauses(text)]


def _clauses(text: str) -> list[tuple[tuple[str, ...], str]]:
    """``said``'s clauses, each with a mark (``_ON_COUNT``) for each count of the music said to fall in it."""
    clauses = (" ".join(_NEGATION.sub(" ", c).split())
               for c in _SPLIT.split(_MUSIC_COUNTS.sub(_on_counts, text.lower())))
    return [(_kinds(c), c) for c in clauses if c.replace(_ON_COUNT, "").strip()]  # what is not done is no clause


def unread(text: str) -> list[str]:
    """The clauses of a sentence (as ``said`` splits them) that tell nothing the reader knows: no step, turn, jump,
    arm or colour word, nor a negation of one ("sway side to side", "clap on 2 and 4", "a body roll"). Their facts
    are left unstated, so nothing checks them: ``check`` names them, that a choreographer knows what was not read.
    A clause that says the pace ("a slow solo") is read (``PACE_WORDS``), where the words say one pace: "slow, then
    fast" asks none, nor does "not slow", and are named (before, no note said that their pace went unasked)."""
    pace = _pace(text)
    return [clause for kinds, clause in said(text) if not kinds and not (pace is not None and _paces(clause))]


def _denied(text: str) -> set[str]:
    """The kinds ("step", "turn", "jump") a sentence says are not done: "no jumps", "without turning"."""
    return {_DENIED_KIND[w.group(1)] for n in _NEGATION.finditer(text.lower())
            for w in re.finditer(_DENIED, n.group(0))}


def _kinds(clause: str) -> tuple[str, ...]:
    """What a clause tells, by its keywords, in the describer's order: "jump", "turn", "close", "step", "arm",
    "colour" (what the describer writes without counting it); the first is the clause's kind. None of them: not
    the describer's words."""
    return tuple(kind for kind, pattern in (("jump", _JUMP), ("turn", _TURN_WORD), ("close", _CLOSE_WORD),
                                            ("step", _STEP_WORD), ("arm", _ARM_WORD), ("colour", _COLOUR_WORD))
                 if pattern.search(clause))


def _number(clause: str) -> int | None:
    """The first count in a clause: a number word, digits, or "a" / "an" / "a single" for one."""
    word, digits = _NUMBER.search(clause), _DIGITS.search(clause)
    if digits and (word is None or digits.start() < word.start()):
        return int(digits.group(1))
    if word is None:
        return None
    return COUNTS.get(word.group(1), 1)
