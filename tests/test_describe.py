"""The describer: sentences that state what a phrase does, read back exactly, and the words-followed check."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import laban
from laban.algebra import bar_count, mirror, repeat
from laban.description import (PhraseFacts, describe, facts_from_text, phrase_facts, phrase_spans, prompt_spans,
                            words_followed)
from laban.errors import LabanError
from laban.formats import text
from laban.score import Direction, Level, Score

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SEEDS = range(12)


def score(bars: str, start: str = "", meter: int = 4, upbeat: int = 0) -> Score:
    """A score in the text form: a steady 120 bpm, both feet and hanging arms to start unless told."""
    start = start or """
      support-left     place middle
      support-right    place middle
      upper-arm-left   place low
      upper-arm-right  place low"""
    return text.loads(f"tempo: 120\nmeter: {meter}/4\nupbeat: {upbeat}\nstart\n{start}\n{bars}")


# Four steps forward, a half turn to the right on the left foot, both arms rise high, a jump (two feet to two).
FOUR_STEPS_TURN_JUMP = score("""
bar 1
  1    support-right    forward middle   1
  2    support-left     forward middle   1
  3    support-right    forward middle   1
  4    support-left     forward middle   1
bar 2
  1    support-left     turn +1/2        1
  1    upper-arm-left   place high       1
  1    upper-arm-right  place high       1
  2    support-left     place middle     0.5
  2    support-right    place middle     0.5
  3    centre           flight           0.5
  3.5  support-left     place low        0.5
  3.5  support-right    place low        0.5
""")


# What the sentences state

def test_four_steps_a_half_turn_arms_high_and_a_jump_are_stated_in_every_phrasing():
    (phrase,) = describe(FOUR_STEPS_TURN_JUMP)
    assert phrase.bars == (1, 2)
    for seed in SEEDS:
        (phrase,) = describe(FOUR_STEPS_TURN_JUMP, seed=seed)
        words = phrase.text.lower()
        assert re.search(r"\b(four|4) steps\b", words), words
        assert re.search(r"\b(forward|to the front)\b", words), words
        assert "half turn" in words and re.search(r"\b(to the right|clockwise)\b", words), words
        assert "counter-clockwise" not in words and "on the left foot" in words, words
        assert re.search(r"\b(a|one) (jump|spring)\b", words), words
        assert re.search(r"\barms\b.*\b(high|overhead)\b", words), words
        assert "closing the feet" in words or "together" in words, words  # the close before the jump
    assert phrase.facts == PhraseFacts(steps=5, step_direction=Direction.FORWARD, turn=4, jumps=1,
                                       arm_level=Level.HIGH)


def test_first_phrase_example_is_counted_as_its_comments_say():
    first = Score.load(EXAMPLES / "first_phrase.laban")
    (phrase,) = describe(first)
    # forward, forward, to the side, close in plié; the jump's landing is no step; rising onto the right foot is
    # a shift of the weight, not a step; the half turn to the right; coming down on both feet closes again
    assert phrase.bars == (0, 2)
    assert phrase.facts == PhraseFacts(5, Direction.FORWARD, 4, 1, Level.HIGH)
    texts = {describe(first, seed=seed)[0].text.lower() for seed in SEEDS}
    assert all(re.search(r"\b(two|2) steps\b", t) and re.search(r"\bstep (sideways )?to the right\b", t)
               for t in texts), texts
    assert all("jump" in t or "spring" in t for t in texts), texts  # from both feet to both feet


def test_leap_and_turn_example():
    leap = Score.load(EXAMPLES / "leap_and_turn.laban")
    phrases = describe(leap)
    assert [p.bars for p in phrases] == [(0, 2), (3, 3)]
    assert phrases[0].facts == PhraseFacts(4, Direction.FORWARD, 0, 1, Level.HIGH)
    assert re.search(r"\ba leap\b|\bone leap\b", phrases[0].text.lower())  # right foot to the left foot
    # the quarter turn on both feet; the arms, raised in bar 2, stay high
    assert phrases[1].facts == PhraseFacts(0, None, 2, 0, Level.HIGH)
    assert all("quarter turn" in describe(leap, seed=s)[1].text for s in SEEDS)


def test_a_place_symbol_on_the_carrying_feet_is_a_rise_not_a_step_and_hops_leaps_are_told_apart():
    moves = score("""
bar 1
  1    support-right    place middle     1
  2    support-left     place middle     1
  3    support-left     place high       1
  4    centre           flight           0.5
  4.5  support-left     place middle     0.5
bar 2
  1    centre           flight           0.5
  1.5  support-right    forward middle   0.5
  2    upper-arm-right  right middle     1
""", start="  support-left place middle\n  support-right place middle")
    (phrase,) = describe(moves)
    # both feet → right foot is a shift of the weight; right → left is a step in place; the rise is not a step
    assert phrase.facts == PhraseFacts(1, Direction.PLACE, 0, 2, Level.MIDDLE)
    for seed in SEEDS:
        words = describe(moves, seed=seed)[0].text.lower()
        assert re.search(r"\b(a|one) hop\b", words) and re.search(r"\b(a|one) leap\b", words), words
        assert re.search(r"\bballs? of the\b|\brise\b", words), words
        assert re.search(r"\bthe right arm\b.*\b(shoulder height|horizontal)\b", words), words


def test_turn_pieces_make_one_turn_and_an_eighth_is_not_named():
    turns = score("""
bar 1
  1    support-right    turn -1/4        0.5
  1.5  support-right    turn -1/4        0.5
  3    support-right    turn +1/8        0.5
bar 2
  1    centre           turn +1 1/2      2
""")
    first, second = (p.facts.turn for p in describe(turns, phrasing=1))
    assert (first, second) == (-4, 12)
    for seed in SEEDS:
        one, two = describe(turns, seed=seed, phrasing=1)
        assert "half turn" in one.text and "eighth" not in one.text, one.text
        assert "one and a half turns" in two.text.lower() and "on both feet" in two.text, two.text


def test_a_turn_in_the_air_is_told_with_its_jump_and_not_on_both_feet():
    turning_jump = score("""
bar 1
  1    support-left     place middle     1
  1    support-right    place middle     1
  2    centre           flight           1
  2    centre           turn +1/2        1
  3    support-left     place low        1
  3    support-right    place low        1
""")
    (phrase,) = describe(turning_jump)
    assert phrase.facts == PhraseFacts(0, None, 4, 1, Level.LOW)
    for seed in SEEDS:
        words = describe(turning_jump, seed=seed)[0].text.lower()
        assert "on both feet" not in words and "in the air" in words, words
        assert re.search(r"\b(jump|spring)\b.*\bhalf turn\b", words), words  # the jump, then its turn
        assert facts_from_text(words) == phrase.facts, words


def test_a_turn_across_a_bar_line_belongs_to_the_phrase_it_starts_in():
    across = score("""
bar 1
  4    support-right    turn +1/4        1
bar 2
  1    support-right    turn +1/4        1
  3    support-right    turn -1/4        1
""")
    assert [p.facts.turn for p in describe(across, phrasing=1)] == [4, -2]
    assert phrase_facts(across, (2, 2)).turn == -2 and phrase_facts(across).turn == 2


def test_many_turns_are_summed_up_where_they_leave_the_dancer_facing():
    bars = "bar 1\n" + "\n".join(f"  {beat} support-right turn {sign}1/4 0.25\n"
                                 f"  {beat + 0.5} support-left forward middle 0.5"
                                 for beat, sign in zip((1, 2, 3, 4), "+-+-"))
    (phrase,) = describe(score(bars), phrasing=1)
    assert phrase.facts.turn == 0
    (more,) = describe(score(bars.replace("4 support-right turn -1/4", "4 support-right turn +1/4")), phrasing=1)
    assert more.facts.turn == 4
    for seed in SEEDS:
        for p in (describe(score(bars), seed=seed, phrasing=1)[0], more):
            assert re.search(r"\b(four|4) turns\b", p.text.lower()), p.text
            assert facts_from_text(p.text) == p.facts


def test_every_turn_amount_reads_back():
    from laban.description.text import MAX_EIGHTHS, turn_amounts
    for eighths in range(2, MAX_EIGHTHS + 1):
        for amount in turn_amounts(eighths):
            for way, sign in (("to the right", 1), ("counter-clockwise", -1)):
                assert facts_from_text(f"{amount} {way} on the left foot, arms low").turn == sign * eighths, amount


def test_arm_level_is_the_highest_reached_carried_in_or_not():
    arms = score("""
bar 1
  1    upper-arm-left   forward high     1
  3    upper-arm-left   place low        1
bar 2
  1    support-right    forward middle   1
""")
    one, two = describe(arms, phrasing=1)
    assert one.facts.arm_level is Level.HIGH and "left arm" in one.text  # rises high, then comes down again
    assert two.facts.arm_level is Level.LOW


# Reading the words back

def corpus_scores(trials) -> dict[str, Score]:
    names = ("05_01", "05_02", "05_06", "05_16", "60_01", "61_05")
    return {name: laban.tokenize(laban.read_bvh(trials[name].path)) for name in names}


@pytest.fixture(scope="module")
def cmu(trials) -> dict[str, Score]:
    return corpus_scores(trials)


def hand_scores() -> dict[str, Score]:
    return {"four steps": FOUR_STEPS_TURN_JUMP, "first phrase": Score.load(EXAMPLES / "first_phrase.laban"),
            "leap and turn": Score.load(EXAMPLES / "leap_and_turn.laban")}


def test_facts_read_back_exactly_from_every_phrasing(cmu):
    checked = 0
    for name, s in {**hand_scores(), **cmu}.items():
        for phrasing in (1, 2, 3, 4, "auto"):
            for seed in range(6):
                for phrase in describe(s, seed=seed, phrasing=phrasing):
                    assert facts_from_text(phrase.text) == phrase.facts, (name, phrase)
                    # the pace is the phrase's and no sentence's: the describer never words it (tempo is a
                    # condition of its own), so its words state every fact but that one
                    assert phrase.facts == replace(phrase_facts(s, phrase.bars), pace=None)
                    checked += 1
    assert checked > 300


def test_same_seed_same_words_other_seeds_other_words(cmu):
    for s in [*hand_scores().values(), cmu["05_06"], cmu["60_01"]]:
        assert describe(s, seed=5) == describe(s, seed=5)
        wordings = {tuple(p.text for p in describe(s, seed=seed)) for seed in SEEDS}
        assert len(wordings) >= len(SEEDS) // 2
        facts = {tuple(p.facts for p in describe(s, seed=seed)) for seed in SEEDS}
        assert len(facts) == 1  # other words, the same facts


def test_a_phrase_reads_the_same_described_alone(cmu):
    s = cmu["60_01"]
    whole = describe(s, seed=2)
    assert describe(s, seed=2, bars=whole[1].bars) == [whole[1]]


def test_free_text_states_only_what_it_says():
    asked = facts_from_text("a slow solo: steps forward, a half turn, arms rising high")
    assert asked.steps is None and asked.step_direction is Direction.FORWARD  # no count given
    assert asked.arm_level is Level.HIGH
    assert asked.turn == 4 and asked.turn_either  # a half turn, which way not said: either way does it
    assert asked.jumps is None  # "a slow solo" is not the describer's: what it leaves out, it does not deny
    # and "slow" its pace (since stop 62)
    assert set(words_followed(asked, FOUR_STEPS_FACTS)) == {"step direction", "turn", "arm level", "pace"}
    for turned, ok in ((4, True), (-4, True), (-5, True), (2, False), (-2, False), (0, False), (None, False)):
        done = PhraseFacts(4, Direction.FORWARD, turned, 0, Level.HIGH)
        assert words_followed(asked, done)["turn"] is ok, turned
    directed = facts_from_text("steps forward, a half turn to the left")
    assert directed.turn == -4 and not directed.turn_either
    assert not words_followed(directed, PhraseFacts(4, Direction.FORWARD, 4, 0, None))["turn"]
    assert facts_from_text("a half turn, then a quarter turn to the left").turn is None  # no net turn to tell
    assert facts_from_text("Three hops and 2 leaps; the arms stay low.").jumps == 5
    assert facts_from_text("Three hops and 2 leaps; the arms stay low.").turn == 0  # the describer's own words


@pytest.mark.parametrize("prompt", ["salsa dance (lead)", "Empi", "basketball - forward dribble"])
def test_a_prompt_that_names_no_movement_denies_none(prompt):
    """CMU's one-line descriptions: nothing in them says the dancer does not step, turn or jump."""
    assert facts_from_text(prompt) == PhraseFacts(None, None, None, None, None)


@pytest.mark.parametrize("prompt, done, ok", [("five jumps", 2, False), ("five jumps", 4, True),
                                              ("five jumps", 6, True), ("two hops forward", 0, False),
                                              ("two hops forward", 4, False),
                                              ("a jump", 3, True),  # the kind of move: CMU's "jump" is three flights
                                              ("jump, balance", 4, True),  # at least one, not how many
                                              ("no jumps", 1, False), ("no jumps", 0, True)])
def test_jumps_counted_in_words_are_followed_by_their_count(prompt, done, ok):
    """"five jumps" danced as two was checked as followed ("jump 5 → 2 yes"), and best-of, which keeps the sample
    that follows most, could not prefer five: the count was only "a jump or none"."""
    asked = facts_from_text(prompt)
    assert words_followed(asked, PhraseFacts(0, None, 0, done, None))["jump"] is ok


def test_a_choreographers_names_for_turns_jumps_and_steps():
    asked = facts_from_text("dance - cartwheel-like start, pirouettes, jete")
    assert asked.jumps == 1 and asked.turn is None and asked.steps is None  # a turn, but how far is not said
    assert facts_from_text("two jetés and a pirouette") == PhraseFacts(None, None, None, 2, None)  # steps between
    assert facts_from_text("runs forward, arms low").step_direction is Direction.FORWARD


@pytest.mark.parametrize("prompt, turn, either", [
    ("a pirouette", 8, True),  # a turn named is one whole turn
    ("a double pirouette to the left", -16, False),
    ("two pirouettes to the right", 16, False),
    ("a chaîné to the left", -8, False),
    ("spin twice", 16, True),
    ("a half turn twice", 8, True),
    ("turn around", 4, True),
    ("a 90-degree turn to the left", -2, False),
    ("a 180° turn", 4, True),
    ("two 90-degree turns to the right", 4, False),
    ("a quarter turn left", -2, False),  # the way said without "to the"
    ("a quarter turn anticlockwise", -2, False),
    ("a half turn on the left foot", 4, True),  # the foot's side is not the turn's way
    ("a half turn to the right on the left foot", 4, False),
    ("pirouettes", None, False),  # how many is not said
    ("90-degree left turns", None, False),
    ("a sharp quarter turn to the right", 2, False),  # words between the count and the size
    ("two quick half turns to the left", -8, False),
    ("a half-turn", 4, True),
    ("turn a quarter to the left", -2, False),
    ("quarter turns to the right", None, False),  # how many is not said
    ("two turns to the right", 16, False),  # a turn counted and not sized is a whole turn, as a pirouette is
    ("a slow turn", 8, True),
    ("a quick turn to the left", -8, False),
    ("a double turn", 16, True),
    ("turns to the right", None, False),  # how many is not said
    ("turn to the left", None, False),  # nor how far
    ("a piqué turn to the right", 8, False),  # a dance term's accent between the count and the turn
    ("a fouetté turn", 8, True),
    ("three step turn to the right", 8, False),  # one whole turn travelled in three steps, not three turns
    ("a three-step turn to the left", -8, False),
    ("a pivot turn", 4, True),  # step, pivot a half turn
    ("two pivot turns to the right", 8, False),
    ("a 180 turn", 4, True),  # degrees as dancers say them, without the unit
    ("two 180 turns to the left", -8, False),
    ("a 360", 8, True),
    ("a 180 at 120 bpm", 4, True),
    ("a quarter turn every two counts", None, False),  # how many is not said
])
def test_a_choreographers_turns_are_read_with_their_size_and_way(prompt, turn, either):
    """Degrees, "turn around", a named or counted turn and a repeat give a turn's size, a bare "left" or "right" its
    way: a prompt asks what it says (before, "a quarter turn left" was asked either way, and "a pirouette" and "a
    slow turn" not at all)."""
    asked = facts_from_text(prompt)
    assert (asked.turn, asked.turn_either) == (turn, either)


def test_what_a_prompt_says_of_the_arms_is_their_level():
    assert facts_from_text("arms above the head").arm_level is Level.HIGH
    assert facts_from_text("the arms out to the sides").arm_level is Level.MIDDLE
    assert facts_from_text("arms hanging by the sides").arm_level is Level.LOW
    assert facts_from_text("raise both arms").arm_level is None  # how high is not said


def test_a_choreographers_word_denies_nothing_it_leaves_out():
    """"run" is not the describer's word: a run's strides are flights, so it must not read as "no jump" (it did,
    and guidance on "no jump" wrote CMU's runs as long holds); "walk" is the describer's, and denies them."""
    assert facts_from_text("run") == PhraseFacts(None, None, None, None, None)
    assert facts_from_text("small jetes, pirouette").steps is None  # a captured one steps 8 times
    assert facts_from_text("walk") == PhraseFacts(None, None, 0, 0, None)
    assert facts_from_text("a jump") == PhraseFacts(0, None, 0, 1, None)


@pytest.mark.parametrize("prompt", ["a lively salsa basic step", "a basic step", "a box step", "a waltz step",
                                    "a cha-cha step", "a two-step"])
def test_a_named_figure_of_steps_is_not_one_step(prompt):
    """"a salsa basic step" names a figure of six weight changes, danced as long as its phrase: read as one step,
    the model wrote 0.7 steps a bar for it. How many is the figure's; nothing else is denied either."""
    pace = 1 if "lively" in prompt else None  # "lively" says its pace (since stop 62), nothing of its steps
    assert facts_from_text(prompt) == PhraseFacts(None, None, None, None, None, pace=pace)


@pytest.mark.parametrize("prompt, way", [("walk backwards", Direction.BACKWARD), ("steps forwards", Direction.FORWARD),
                                         ("four steps to the right side", Direction.RIGHT),
                                         ("steps to the back, arms low", Direction.BACKWARD),
                                         ("walk leftwards", Direction.LEFT)])
def test_a_prompts_way_of_saying_where_steps_go_is_read(prompt, way):
    """"backwards" is how most people say it; the describer writes "backward", and the reader knew only its words."""
    assert facts_from_text(prompt).step_direction is way


@pytest.mark.parametrize("prompt, steps", [("walk in a circle", None),  # the "a" is the circle's
                                           ("a run", None),  # many strides
                                           ("three quick steps forward", 3), ("a step forward twice", 2),
                                           ("walks forward for eight steps", 8), ("two steps back three times", 6),
                                           ("sixteen steps forward", 16),  # counts past twelve, as words
                                           ("a step in place twenty-four times", 24), ("thirteen strides", 13),
                                           ("on 5-6-7-8 four steps forward", 4),  # a count-in counts no steps
                                           ("step back twice", 2), ("step right three times", 3),  # the verb, repeated
                                           ("step forward on 1, step back on 2", 2),  # the verb, on a count each
                                           ("step on 1 and 3", 2), ("walk forward on 1", None),
                                           # a walk for some counts steps on each (read before as no count)
                                           ("walk forward for 8 counts", 8), ("march in place for four beats", 4),
                                           ("walking back for eight counts, arms low", 8),
                                           ("run forward for 8 counts", None)])  # a run's strides are not counts
def test_a_count_of_steps_is_a_number_said_of_steps(prompt, steps):
    """Before, any "a" in a step clause counted one step: "walk in a circle" asked for one step in the phrase, and
    the model wrote 0-2 steps in 4 bars for it in six of eight variations."""
    assert facts_from_text(prompt).steps == steps


def test_a_prompts_repeats_turns_and_raised_arms_are_read():
    assert facts_from_text("jump three times").jumps == 3
    assert facts_from_text("leap twice").jumps == 2
    assert facts_from_text("three hops and two leaps").jumps == 5  # (no repeat said)
    assert facts_from_text("one full turn to the right").turn == 8
    assert facts_from_text("arms up").arm_level is Level.HIGH
    assert facts_from_text("arms up to shoulder height").arm_level is Level.MIDDLE
    assert facts_from_text("arms to the side").arm_level is Level.MIDDLE


def test_steps_and_a_jump_joined_by_and_are_both_counted():
    """A clause tells one kind and leaves a second uncounted: "four steps and a jump" asked no count of steps."""
    assert facts_from_text("four steps and a jump") == PhraseFacts(4, None, 0, 1, None)
    assert facts_from_text("four steps forward and two big leaps").jumps == 2
    assert facts_from_text("three small hops").jumps == 3
    assert facts_from_text("two and a half turns to the right").turn == 20  # a fraction's "and" joins no clause


@pytest.mark.parametrize("prompt, jumps, counted", [
    ("walk forward, then a jump", 1, True), ("two jumps", 2, True), ("jump three times", 3, True),
    ("leap twice", 2, True), ("four steps forward", 0, True), ("jump, balance", 1, False), ("forward jump", 1, False),
    ("dance - cartwheel-like start, pirouettes, jete", 1, False), ("run", None, True)])
def test_a_jump_is_counted_only_where_its_number_is_said(prompt, jumps, counted):
    """"A jump" is one and "two jumps" two; "jump, balance" or "..., jete" (CMU's descriptions, whose takes fly two to
    six times) say that the dancer jumps, not how often: at least one (``PhraseFacts.jumps_counted``)."""
    asked = facts_from_text(prompt)
    assert (asked.jumps, asked.jumps_counted) == (jumps, counted)


@pytest.mark.parametrize("prompt, way", [("march in place", Direction.PLACE), ("tiptoe forward", Direction.FORWARD),
                                         ("skip to the right", Direction.RIGHT),
                                         ("stroll backwards", Direction.BACKWARD),
                                         ("a glissade to the right", Direction.RIGHT),
                                         ("sashay to the left", Direction.LEFT),
                                         ("slide to the right", Direction.RIGHT),
                                         ("a lunge forward", Direction.FORWARD),
                                         ("a grapevine left", Direction.LEFT),  # a bare side, as a class says it
                                         ("chassé right", Direction.RIGHT)])
def test_a_choreographers_ways_of_stepping_say_where_they_go(prompt, way):
    """"March", "tiptoe", "skip", "gallop", "stroll" are steps (a skip's and a gallop's hops unsaid): where they go is
    read, and nothing they leave out is denied."""
    asked = facts_from_text(prompt)
    assert asked.step_direction is way and asked.steps is None and asked.jumps is None


def test_steps_in_a_circle_turn_the_body_a_whole_turn():
    """Before, "walk in a circle" asked for no turn (a walk the describer would have named a turn in), and the model,
    held to it, walked straight: 0 eighths in 8 dances of 8."""
    assert (facts_from_text("walk in a circle").turn, facts_from_text("walk in a circle").turn_either) == (8, True)
    assert facts_from_text("walk in a circle to the left") == PhraseFacts(None, None, -8, 0, None)
    assert facts_from_text("walk two circles").turn == 16
    assert facts_from_text("circle the arms, four steps forward").turn == 0  # arms that circle turn no one
    assert facts_from_text("run in a circle").turn is None  # a run's words deny nothing (and its strides turn not)


def test_a_figure_that_travels_says_its_way_and_a_plain_step_is_still_one():
    assert facts_from_text("a grapevine to the right, arms high") == PhraseFacts(None, Direction.RIGHT, None, None,
                                                                                 Level.HIGH)
    assert facts_from_text("a step forward").steps == 1


@pytest.mark.parametrize("prompt, facts", [
    ("no jumps", PhraseFacts(None, None, None, 0, None)),
    ("don't jump", PhraseFacts(None, None, None, 0, None)),
    ("without turning", PhraseFacts(None, None, 0, None, None)),
    ("no jumps or turns, arms high", PhraseFacts(None, None, 0, 0, Level.HIGH)),
    ("do not turn, walk backwards", PhraseFacts(None, Direction.BACKWARD, 0, None, None)),
    ("four steps forward without turning", PhraseFacts(4, Direction.FORWARD, 0, None, None)),
    ("a jump, no turns", PhraseFacts(None, None, 0, 1, None)),
    ("no more than four steps", PhraseFacts(4, None, 0, 0, None)),  # no kind denied: the describer's words
])
def test_what_a_prompt_says_is_not_done_is_denied_and_nothing_else(prompt, facts):
    """"no jumps" was read as a jump clause in the describer's register: no steps, no turn and the jumps unstated, and
    the model, held to no steps, stood still in 3 dances of 3 (and may have jumped). What is denied is 0; the
    negation is a prompt's words, so nothing else is denied."""
    assert facts_from_text(prompt) == facts


def test_counts_of_the_music_count_no_moves():
    """"on 5-6-7-8 four steps forward" asked for eight steps (the count-in's 8 before "four steps"), and the model
    stepped 13 to 16 times in three dances."""
    assert facts_from_text("on 5-6-7-8 four steps forward") == PhraseFacts(4, Direction.FORWARD, 0, 0, None)
    assert facts_from_text("on count 5 jump").jumps == 1  # was 5
    assert facts_from_text("clap on 2 and 4, four steps forward").steps == 4


def test_a_jump_turns_by_the_amount_said_with_it():
    """"a jump with a half turn" asked a jump and no turn at all (a second kind in a clause was left unstated); a
    jump named with its own turn says no amount, and stays unstated."""
    assert facts_from_text("a jump with a half turn") == PhraseFacts(0, None, 4, 1, None, turn_either=True)
    assert facts_from_text("jump a quarter turn to the right").turn == 2
    assert facts_from_text("jump and turn around").turn == 4
    assert facts_from_text("a 360 jump") == PhraseFacts(0, None, 8, 1, None, turn_either=True)  # one jump, not 360
    assert facts_from_text("a jump and a turn").turn is None  # how far is not said
    assert facts_from_text("a tour jeté").turn is None
    assert facts_from_text("a pas de chat").jumps == 1


@pytest.mark.parametrize("prompt, level", [("arms in second", Level.MIDDLE), ("arms in fifth position", Level.HIGH),
                                           ("arms in fifth en haut", Level.HIGH), ("arms in fifth en bas", Level.LOW),
                                           ("arms in bras bas", Level.LOW)])
def test_a_dance_classs_arm_positions_are_levels(prompt, level):
    assert facts_from_text(prompt).arm_level is level


def test_standing_still_and_a_square_as_a_prompt_says_them():
    """"stay in place" is the describer's "staying on the spot" (it was not read at all); a square walked turns at
    its four corners (read as no turn, it refused the model the corners), a jazz square is a figure."""
    assert facts_from_text("stay in place") == PhraseFacts(0, None, 0, 0, None)
    assert facts_from_text("three quick steps then freeze") == PhraseFacts(3, None, 0, 0, None, pace=1)  # "quick"
    assert (facts_from_text("walk in a square").turn, facts_from_text("walk in a square").turn_either) == (8, True)
    assert facts_from_text("walk in a square to the left").turn == -8
    assert facts_from_text("a jazz square") == PhraseFacts(None, None, None, None, None)


def test_the_words_no_element_reads_are_named():
    """A choreographer's words the notation's facts cannot hold are said to be unread, not silently dropped."""
    from laban.description import check
    from laban.description.text import unread

    assert unread("sway side to side, four steps forward, no jumps, a body roll") == ["sway side to side",
                                                                                   "a body roll"]
    assert unread("Two steps forward, a half turn to the right on the left foot, the arms stay low.") == []
    score = Score.load(EXAMPLES / "first_phrase.laban")
    [row] = check(score, [((0, 1), "sway side to side, two steps forward")])
    assert row.unread == ("sway side to side",) and row.as_dict()["unread"] == ["sway side to side"]
    assert set(row.elements) == {"steps", "step direction"}  # words not the describer's deny nothing


FOUR_STEPS_FACTS = PhraseFacts(5, Direction.FORWARD, 4, 1, Level.HIGH)


# Real captured dances

def test_real_dances_describe_every_bar_in_phrases_of_one_to_four_bars(cmu):
    for name, s in cmu.items():
        for phrasing in (2, "auto"):
            phrases = describe(s, phrasing=phrasing)
            assert phrases and all(p.text.strip(". ") for p in phrases), name
            spans = [p.bars for p in phrases]
            assert spans[0][0] in (0, 1) and all(b[0] == a[1] + 1 for a, b in zip(spans, spans[1:])), spans
            assert all(1 <= last - max(first, 1) + 1 <= 4 for first, last in spans), spans
            last_start = max(x.start for x in s.symbols)
            assert s.grid.bar_and_beat(last_start)[0] <= spans[-1][1], name


def test_a_captured_walk_is_told_as_steps_forward(cmu):
    phrases = [p for p in describe(cmu["05_01"]) if p.facts.steps]
    assert sum(p.facts.steps for p in phrases) >= 6
    assert all(p.facts.step_direction is Direction.FORWARD for p in phrases[:-1])  # the walker stops at the end
    assert not any(p.facts.jumps for p in phrases) and not any(p.facts.turn for p in phrases)


def test_a_captured_pirouette_is_told_as_a_turn(cmu):
    turns = [abs(p.facts.turn) for p in describe(cmu["05_06"], phrasing=4)]
    assert max(turns) >= 6  # CMU: "pirouettes": at least three quarters of a turn in one phrase


# Words followed

def test_a_phrase_follows_its_own_words_and_not_its_mirror_image():
    s = score("""
bar 1
  1    support-right    right middle     1
  2    support-left     right middle     1
  3    support-right    right middle     1
  4    support-right    turn +1/4        1
bar 2
  1    upper-arm-left   left middle      1
""")
    (phrase,) = describe(s)
    asked = facts_from_text(phrase.text)
    done = phrase_facts(s, phrase.bars)
    assert all(words_followed(asked, done).values())
    followed = words_followed(asked, phrase_facts(mirror(s), phrase.bars))
    assert followed == {"steps": True, "step direction": False, "turn": False, "jump": True, "arm level": True}


def test_each_changed_element_is_caught(cmu):
    asked = facts_from_text(describe(FOUR_STEPS_TURN_JUMP)[0].text)
    done = phrase_facts(FOUR_STEPS_TURN_JUMP, (1, 2))
    assert all(words_followed(asked, done).values())
    changes = {"steps": replace(done, steps=done.steps + 2), "turn": replace(done, turn=done.turn - 2),
               "jump": replace(done, jumps=0), "arm level": replace(done, arm_level=Level.MIDDLE),
               "step direction": replace(done, step_direction=Direction.BACKWARD)}
    for element, changed in changes.items():
        followed = words_followed(asked, changed)
        assert [k for k, ok in followed.items() if not ok] == [element]
    near = replace(done, steps=done.steps - 1, turn=done.turn + 1)  # within the tolerances
    assert all(words_followed(asked, near).values())
    for name, s in cmu.items():  # every real phrase follows the words written from it
        for phrase in describe(s, seed=1):
            assert all(words_followed(facts_from_text(phrase.text), phrase_facts(s, phrase.bars)).values())


# Phrasing and errors

def test_phrasing_choices_and_bad_requests():
    s = Score.load(EXAMPLES / "leap_and_turn.laban")
    assert phrase_spans(s, phrasing=1) == [(0, 1), (2, 2), (3, 3)]
    assert phrase_spans(s, phrasing=4) == [(0, 3)]
    assert phrase_spans(s, bars=(2, 3)) == [(2, 3)]
    for bad in (0, 5, "long", 2.5):
        with pytest.raises(LabanError, match="phrasing"):
            describe(s, phrasing=bad)
    with pytest.raises(LabanError, match="bars 2-9"):
        describe(s, bars=(2, 9))


def test_a_score_longer_than_the_decoder_dances_is_not_described_whole(tmp_path, capsys):
    """A hand edit's 'bar 99999' for 'bar 2' made 50,000 phrases of nothing, exit 0: the whole score is refused as
    the staff and the decoder refuse it (``LONGEST_SCORE_S``), in one line; some of its bars are still described,
    as they read in the example."""
    from motiongpt.cli import main

    example = (EXAMPLES / "first_phrase.laban").read_text()
    (tmp_path / "typo.laban").write_text(example.replace("\nbar 2\n", "\nbar 99999\n"))
    with pytest.warns(UserWarning, match="bar 99999 comes after bar 1 with 99997 empty bars"):
        typo = Score.load(tmp_path / "typo.laban")
    with pytest.raises(LabanError, match=r"^the score lasts 66\.7 h \(to bar 99999\); a description stops at 4 h, "
                                         r"as the decoder and the staff do: describe some of its bars"):
        describe(typo)
    assert describe(typo, bars=(0, 1)) == describe(Score.load(EXAMPLES / "first_phrase.laban"), bars=(0, 1))
    with pytest.warns(UserWarning):
        assert main(["describe", str(tmp_path / "typo.laban")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("motiongpt: error: the score lasts 66.7 h") and err.count("\n") == 1


def test_auto_phrasing_cuts_where_nothing_is_in_progress():
    # a turn held across the bar line between bars 2 and 3: the cut goes elsewhere
    s = score("\n".join(f"bar {b}\n  1 support-right forward middle 1\n  3 support-left forward middle 1"
                        + ("\n  4 support-left turn +1/2 2" if b == 2 else "") for b in range(1, 7)))
    spans = phrase_spans(s, phrasing="auto")
    assert all(last != 2 for _, last in spans[:-1]), spans
    assert all(1 <= last - first + 1 <= 4 for first, last in spans)


def test_an_empty_score_is_described_as_standing_still():
    (phrase,) = describe(Score(laban.BeatGrid.uniform(100, 2.0)))
    assert phrase.bars == (1, 1) and phrase.facts == PhraseFacts(0, None, 0, 0, Level.LOW)
    assert phrase.as_dict() == {"bars": [1, 1], "text": phrase.text, "facts": {
        "steps": 0, "step_direction": None, "turn_eighths": 0, "jumps": 0, "arm_level": "low"}}
    assert json.loads(json.dumps(describe(FOUR_STEPS_TURN_JUMP)[0].as_dict()))["facts"]["turn_eighths"] == 4


def test_describer_imports_neither_torch_nor_motiongpt():
    code = "import sys, laban.description; assert not {'torch', 'motiongpt', 'viz'} & set(sys.modules), sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])


def test_a_check_names_what_was_asked_and_what_was_done():
    """``check`` says, element by element, the value asked and the value done in words, and which were followed;
    a turn's way is read as the words give it (an amount alone is asked either way)."""
    from laban.description import check

    score = Score.load(EXAMPLES / "first_phrase.laban")
    done = phrase_facts(score, (0, 1))
    [row] = check(score, [((0, 1), "a half turn to the left, two steps backward")])
    assert row.bars == (0, 1) and set(row.elements) == {"steps", "step direction", "turn", "jump"}
    assert row.elements["turn"].asked == "1/2 left" and row.elements["steps"].asked == "2"
    assert row.elements["step direction"].done == done.step_direction.value
    assert row.followed == sum(words_followed(facts_from_text(row.words), done).values()) < row.asked
    [either] = check(score, [(None, "a half turn")])
    assert either.bars is None and either.elements["turn"].asked == "1/2 either way"
    long = Score.load(EXAMPLES / "first_phrase.laban")
    long = repeat(long, 6)  # more than 8 bars: the words are checked on each 8, as they were asked
    rows = check(long, [(None, "a half turn")])
    assert [r.bars for r in rows] == prompt_spans(0 if long.grid.downbeat else 1, bar_count(long))
    assert len(rows) > 1


@pytest.mark.parametrize("prompt, pace", [
    ("a slow solo: steps forward, a half turn, arms rising high", -1),  # the README's first command
    ("slowly walk forward", -1),
    ("calm, gentle arms", -1),
    ("a lively solo", 1),
    ("fast steps forward", 1),
    ("an energetic dance", 1),
    ("a quick turn to the left", 1),  # said anywhere in a phrase's words, of the phrase
    ("slow steps, then a quick turn", None),  # both ways: unstated
    ("steps forward, a half turn, arms rising high", None),
])
def test_a_prompts_pace_is_read_and_moves_no_other_fact(prompt, pace):
    """"a slow solo: ..." was read as "a solo: ...": the pace a choreographer says ("slow", "calm", "lively", "fast")
    was no fact, so nothing asked for it nor checked it."""
    from laban.description.text import PACE_WORDS, words_read_before, unread

    asked = facts_from_text(prompt)
    assert asked.pace == pace
    plain = re.sub(r"\b(" + "|".join(PACE_WORDS) + r")\b", "soft", prompt)  # a word no rule reads, in its place
    assert replace(asked, pace=None) == facts_from_text(plain)  # the other facts read as without the pace
    assert unread(prompt) == [c for c in unread(plain) if "soft" not in c]  # a clause saying it is read
    with words_read_before():  # as a dance made before stop 62 read it, and is made again
        assert facts_from_text(prompt).pace is None


def test_a_dances_pace_is_checked_against_its_words(trials):
    """The pace a score has, on real captures: CMU's "slow walk" (07_04) moves few symbols a second, its "fast"
    dribble (06_13) many; ``check`` says which its words ask and which the dance does, as for every element."""
    from laban.description.checks import check

    slow, fast = (laban.tokenize(laban.read_bvh(trials[name].path)) for name in ("07_04", "06_13"))
    assert phrase_facts(slow).pace == -1 and phrase_facts(fast).pace == 1
    row, = check(slow, [(None, "a slow walk")])
    assert (row.elements["pace"].asked, row.elements["pace"].done, row.elements["pace"].followed) == (
        "slow", "slow", True)
    row, = check(slow, [(None, "a lively walk")])
    assert (row.elements["pace"].asked, row.elements["pace"].done, row.elements["pace"].followed) == (
        "lively", "slow", False)
    row, = check(fast, [((1, 4), "fast dribble")])
    assert row.elements["pace"].followed and row.as_dict()["elements"]["pace"]["done"] == "lively"
    assert "pace" not in check(fast, [(None, "four steps forward")])[0].elements  # not said: not asked


@pytest.mark.parametrize("prompt, pace, named", [
    ("not slow", None, ["not slow"]),  # was read as slow: asked, checked and steered the very pace denied
    ("no fast moves, steps forward", None, ["no fast moves"]),
    ("don't go too fast", None, ["don't go too fast"]),
    ("not slow, fast", 1, ["not slow"]),
    ("don't jump slowly", -1, []),  # the jump denied, the pace said
    ("slow-ish", -1, []),  # was named as "not read: ... no ... pace"
    ("slowish steps forward", -1, []),
    ("faster", 1, []),
    ("slow, then fast", None, ["slow", "fast"]),  # both ways: no pace asked, and the note says so
    ("a slow and quick dance", None, ["a slow and quick dance"]),
])
def test_a_pace_denied_or_said_softer_is_read_as_said(prompt, pace, named, trials):
    """A pace said not to be asked asks none ("not slow" asked a slow dance, and ``describe --check`` said "pace slow
    → slow yes" of it), one said softer or by comparison is that pace ("slow-ish" went unread, named as holding no
    pace), and a phrase's words whose pace goes unasked (denied, or both ways) name its clauses as not read, which
    said nothing. Checked on CMU's slow walk (07_04); a dance made with the reading before is read as it was."""
    from laban.description import text as reading
    from laban.description.checks import PACES, Element, check

    assert facts_from_text(prompt).pace == pace and reading.unread(prompt) == named
    slow = laban.tokenize(laban.read_bvh(trials["07_04"].path))
    row, = check(slow, [(None, prompt)])
    assert row.elements.get("pace") == (None if pace is None else Element(PACES[pace], "slow", pace == -1))
    assert list(row.unread) == named
    with reading.words_read_before(reading.WORDS_READ_TURNS):  # as a dance made before stop 63 read it
        assert facts_from_text("not slow").pace == -1 and facts_from_text("slow-ish").pace is None


@pytest.mark.parametrize("prompt, turn, either", [
    ("a pirouette en dehors on the left foot", 8, False),  # outward: away from the supporting leg
    ("a pirouette en dehors on the right foot", -8, False),
    ("a double pirouette en dedans on the left leg", -16, False),  # inward: towards it
    ("a pirouette en dedans on the right foot", 8, False),
    ("a pirouette en dehors", 8, True),  # no foot said: no way
    ("a pirouette en dehors to the left on the left foot", -8, False),  # a way said is the way
])
def test_a_turn_en_dehors_or_en_dedans_goes_the_way_its_supporting_foot_says(prompt, turn, either):
    """"a pirouette en dehors on the right foot" was asked either way (the words' own way, outward from the right
    leg, is to the left), so the model could turn it en dedans and the check call it followed."""
    from laban.description.text import words_read_before

    asked = facts_from_text(prompt)
    assert (asked.turn, asked.turn_either) == (turn, either)
    assert words_followed(asked, PhraseFacts(0, None, -turn, 0, None))["turn"] is either  # the other way
    with words_read_before():  # as a dance made before stop 62 read it
        assert facts_from_text(prompt).turn_either is (" to the " not in prompt)
