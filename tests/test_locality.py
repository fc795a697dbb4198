"""Local randomness in the decoder: editing one gesture symbol changes the decoded motion only from that symbol
until the next symbol of its column has arrived (± 1 beat); everywhere else the motion is identical, feet where
they were. An edit of steps, turns or a leg gesture changes nothing before it (less a beat) and, once both feet
have stepped again, leaves the rest of the dance the same motion carried rigidly to its new place and facing.
Measured as ``bench/decoder_locality.py`` measures it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import laban
from laban.score import Column, Direction, Level, Score, Sign, Symbol

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from decoder_locality import GROUPS, candidates, edited, floor_aligned, locality  # noqa: E402

EXAMPLES = sorted((REPO / "examples").glob("*.laban"))
ARMS = (Column.UPPER_ARM_LEFT, Column.UPPER_ARM_RIGHT, Column.FOREARM_LEFT, Column.FOREARM_RIGHT, Column.HEAD,
        Column.TORSO)


def gesture_symbols(score: Score, columns=ARMS) -> list:
    return [s for s in score.symbols if s.column in columns and s.sign is Sign.DIRECTION and s.duration >= 0.25]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_an_arm_edit_stays_where_it_reaches(path):
    score = Score.load(path)
    original = laban.decode(score, seed=3)
    symbols = gesture_symbols(score)
    assert symbols
    for symbol in symbols[:: max(len(symbols) // 4, 1)]:
        for kind in ("change", "split"):
            reach = locality(score, symbol, kind, seed=3, original=original)
            if kind == "change":
                assert reach.inside > 0.05, (symbol, "the edit shows where it reaches")
            assert reach.outside < 1e-6, (symbol, kind, reach)


def test_an_arm_edit_never_moves_the_feet():
    """The first phrase with its first arm symbol changed: before the edit and after its reach nothing moves,
    the feet on the floor above all (the floor plan accumulates only what the score says). The pelvis may shift
    a little under the arm (balance), and a foot in the air hangs from the hip, so it goes where the pelvis goes."""
    score = Score.load(REPO / "examples" / "first_phrase.laban")
    arm = next(s for s in score.symbols if s.column is Column.UPPER_ARM_LEFT)
    first = laban.decode(score, seed=0).trajectories()
    second = laban.decode(edited(score, arm, "change"), seed=0).trajectories()
    assert first.positions.shape == second.positions.shape
    assert_the_feet_stay(first, second, 1e-5)  # (to float32)
    later = score.grid.beats_to_seconds(9.0)  # the right hand, never edited, a bar later
    frames = slice(int(later * first.fps), None)
    assert np.abs(first.positions[frames] - second.positions[frames]).max() < 1e-6


def assert_the_feet_stay(first, second, bound: float) -> None:
    """The feet of two decodings (trajectories) of one score, an arm edited: on the floor, where they were (within
    ``bound`` m); in the air, where their hips take them (within 2 mm of where the pelvis went)."""
    pelvis = np.linalg.norm(first.part(laban.BodyPart.PELVIS) - second.part(laban.BodyPart.PELVIS), axis=-1)
    for foot, toes in ((laban.BodyPart.FOOT_LEFT, laban.BodyPart.TOES_LEFT),
                       (laban.BodyPart.FOOT_RIGHT, laban.BodyPart.TOES_RIGHT)):
        moved = np.linalg.norm(np.stack([first.part(p) - second.part(p) for p in (foot, toes)]), axis=-1).max(axis=0)
        down = np.minimum(first.part(toes)[:, 1], second.part(toes)[:, 1]) < 0.04  # toes on the floor
        assert down.sum() > len(down) // 2
        assert moved[down].max() < bound
        assert (moved <= pelvis + 2e-3).all()


def test_an_arm_edit_in_a_real_dance_stays_local(trials):
    trial = trials["05_02"]
    score = laban.tokenize(laban.read_bvh(trial.path, frame_rate=trial.fps))
    original = laban.decode(score, seed=0)
    symbols = gesture_symbols(score)
    picked = np.random.default_rng(0).choice(len(symbols), size=4, replace=False)
    for k in picked:
        for kind in ("change", "split"):
            reach = locality(score, symbols[int(k)], kind, seed=0, original=original)
            assert reach.outside < 1e-4, (symbols[int(k)], kind, reach)


def test_the_same_seed_gives_the_same_bytes():
    score = Score.load(EXAMPLES[0])
    a, b = laban.decode(score, seed=11), laban.decode(score, seed=11)
    assert a.rotations.tobytes() == b.rotations.tobytes() and a.translations.tobytes() == b.translations.tobytes()


MILLIMETRE = 1e-3


def assert_steps_stay_local(score: Score, group: str, seed: int, every: int = 1) -> None:
    """Every ``every``-th symbol of ``group`` changed and split: nothing moves before its reach (less a beat) by a
    millimetre, nor after the reach once both feet have stepped again, in the dancer's floor frame; a change
    shows inside."""
    original = laban.decode(score, seed=seed)
    symbols = candidates(score, GROUPS[group])
    assert symbols, group
    for symbol in symbols[::every]:
        for kind in ("change", "split"):
            reach = locality(score, symbol, kind, seed=seed, original=original)
            if kind == "change":
                assert reach.inside > 0.02, (symbol, "the edit shows where it reaches")
            assert reach.before < MILLIMETRE, (symbol, kind, reach)
            assert reach.amended < MILLIMETRE, (symbol, kind, reach)


EXAMPLE_GROUPS = [(path, group) for path in EXAMPLES for group in ("steps", "turns", "legs")
                  if candidates(Score.load(path), GROUPS[group])]  # the groups each example has symbols of


@pytest.mark.parametrize("path, group", EXAMPLE_GROUPS, ids=[f"{p.stem}-{g}" for p, g in EXAMPLE_GROUPS])
def test_a_step_turn_or_leg_edit_carries_the_rest_rigidly(path, group):
    assert_steps_stay_local(Score.load(path), group, seed=1)


@pytest.mark.parametrize("group", ["steps", "turns", "legs"])
def test_a_step_turn_or_leg_edit_in_a_real_dance_carries_the_rest_rigidly(trials, group):
    trial = trials["05_02"]
    score = laban.tokenize(laban.read_bvh(trial.path, frame_rate=trial.fps))
    assert_steps_stay_local(score, group, seed=0)


def test_a_step_edit_moves_the_dance_elsewhere_on_the_floor():
    """The rigid carrying is not vacuous: a changed step of the first phrase leaves the dancer elsewhere (the raw
    displacement after the reach is large) while the floor-frame one is nil."""
    score = Score.load(REPO / "examples" / "first_phrase.laban")
    step = next(s for s in candidates(score, GROUPS["steps"]) if s.direction is not None
                and s.direction.name != "PLACE")
    first = laban.decode(score, seed=0).trajectories().positions
    second = laban.decode(edited(score, step, "change"), seed=0).trajectories().positions
    assert np.abs(first[-1] - second[-1]).max() > 0.05
    assert locality(score, step, "change", seed=0).amended < MILLIMETRE


def test_what_is_written_at_a_bar_line_is_not_felt_a_beat_before_it():
    """Regenerate's promise, in the decoder: bars written anew from a bar line on (here an upper arm and a forearm
    moving at once, as the model wrote them) change nothing more than a beat before it. Before, an elbow bent
    to arrive at the bar line took its target from where the upper arm was there, already starting its new move,
    and a move followed at once by another was timed to leave it room from its very start: the kept bar moved by
    millimetres, from its second beat (bench/cocreate_figures.py, regenerate)."""
    from laban.score import Direction, Level, Symbol
    from laban.timing import BeatGrid

    def arm(column, start, duration, direction, level, contraction=None):
        return Symbol(start, column, duration, Sign.DIRECTION, direction, level, contraction=contraction)

    grid = BeatGrid(tuple(0.6 * np.arange(17)), 4, 0)
    feet = [Symbol(0.0, c, 16.0, Sign.HOLD) for c in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]
    kept = feet + [arm(Column.UPPER_ARM_LEFT, 4.0, 3.5, Direction.LEFT, Level.MIDDLE),
                   arm(Column.FOREARM_LEFT, 5.0, 3.0, Direction.FORWARD, Level.HIGH, contraction=3),
                   arm(Column.UPPER_ARM_RIGHT, 5.0, 3.0, Direction.FORWARD, Level.LOW)]
    new = [arm(Column.UPPER_ARM_LEFT, 8.0, 1.0, Direction.FORWARD, Level.HIGH),
           arm(Column.FOREARM_LEFT, 8.0, 1.0, Direction.LEFT, Level.LOW),
           arm(Column.UPPER_ARM_RIGHT, 8.0, 2.0, Direction.RIGHT, Level.HIGH),
           arm(Column.HEAD, 12.0, 1.0, Direction.FORWARD, Level.LOW)]  # both end at beat 13: one clock
    parent = Score(grid, kept + [new[-1]])
    child = Score(grid, kept + new)
    first = laban.decode(parent, seed=1).trajectories().positions
    second = laban.decode(child, seed=1).trajectories().positions
    assert first.shape == second.shape
    before = int(np.ceil(grid.beats_to_seconds(7.0) * 30.0))  # frames before the bar line less a beat
    assert np.abs(first[before + 10:] - second[before + 10:]).max() > 0.05  # the new bar is danced
    # a micrometre at most: the balance's smoothing of the centre of weight reaches back a little further, in its
    # Gaussian tails (6e-7 m here, since the starting position's arms rest where dancers hold them)
    assert np.abs(first[:before] - second[:before]).max() < 1e-6


def _step(column, start, duration, direction, level=Level.MIDDLE, **modifiers) -> Symbol:
    """A direction sign (a step, or a gesture with ``modifiers``: space, contraction)."""
    return Symbol(start, column, duration, Sign.DIRECTION, direction, level, **modifiers)


def _run(until: float) -> list:
    """A run from beat 4 up to ``until``: each beat a step on the left, a leap and a landing on the right a quarter
    beat before the next."""
    feet = [Symbol(0.0, Column.SUPPORT_LEFT, 4.0, Sign.HOLD), Symbol(0.0, Column.SUPPORT_RIGHT, 4.0, Sign.HOLD)]
    for beat in np.arange(4.0, until):
        feet += [_step(Column.SUPPORT_LEFT, beat, 0.5, Direction.FORWARD, Level.LOW),
                 Symbol(beat + 0.5, Column.CENTRE, 0.25, Sign.FLIGHT),
                 _step(Column.SUPPORT_RIGHT, beat + 0.75, 0.25, Direction.FORWARD,
                       Level.LOW if beat + 1 < until else Level.MIDDLE)]
    return feet


ENDINGS = ["a quick stride", "a foot long in the air", "a last step held", "a bent forearm arriving at the end",
           "a leap landing just before the join", "a last step jumped from", "a foot landing at the join",
           "a last walking stride", "a last step, then a jump", "a hold continued into a turn",
           "a last turn a quarter beat short", "a foot lifted before a leap from the other"]


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_dance_continued_moves_as_it_did_until_a_beat_before_the_join(ending):
    """Continue's promise, in the decoder: bars added after a dance's last bar change nothing more than a beat
    before the join (bench/cocreate_figures.py, continue). Endings the model wrote that did: a walk ending
    on a quick stride, which settled as the last step and flowed on as a stride once continued, so the pelvis's
    velocity at the stride's start (from the knot after it) moved the whole stride before it, from 1.7 beats
    before the join (13.7 mm); a free foot that turned towards the turn-out of its next landing from the
    moment it left the floor, 6 beats before the join (15 mm at the toes); a last step of 1.25 beats, placed by a
    length that counted the frame the last run is held past the dance's end (5 mm at the foot from two beats
    before); a forearm bending as it arrives at the dance's end, which read its upper arm at the last frame, cut
    short by the end (0.3 mm at the hand); a leap whose push read the landing, and the landing what follows
    it, from 0.9 of a beat before it (with the balance's smoothing, 10 µm here and 15 mm in a run the model
    wrote); and a walking step at the dance's end continued by a jump from it, which placed the foot by the step's
    time on the floor, shortened by the push (the model's: 33 mm from 1.6 beats before; 40 mm here). Then (stop
    48): a foot landing at the join, off the floor 1.25 beats, which hung where the dance ended and waited above
    where it left once continued (the model's: 55 mm; 27 mm here); a last walking stride, whose pelvis came to rest
    at the dance's end and flowed on once continued, over the whole stride (the model's: 74 mm with its foot; 32
    mm here); a last step, then a jump, whose pelvis arrived at rest where the step was seen to end and, continued,
    where the take-off holds it a beat before the landing (the model's: 0.65 mm; 37 µm here); and a long hold
    continued into a turn on its foot, whose weight settled over the ball from the hold's start once the run
    turned (the model's: 34 mm from 12 beats before; 60 mm here). Then (stop 50): a turn on both feet ending a
    quarter beat before the dance does, continued with holds, whose empty quarter beat became a hop (15 cm up at the
    join, its push felt 1.5 beats before it: the model's 13.9 mm). Then (stop 54): a foot lifted while the other
    stands, continued by a leap from the other, held within reach from its first frame since a flight came in its
    time off the floor (the model's: 18 mm at the knee in that frame, 1.7 beats before the join)."""
    from laban.timing import BeatGrid

    step = _step
    left, right = Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT
    grid = BeatGrid(tuple(60.0 / 110.0 * np.arange(17)), 4, 0)
    if ending == "a quick stride":
        dance = [Symbol(0.0, right, 4.0, Sign.HOLD), step(right, 4.0, 2.25, Direction.FORWARD),
                 step(left, 6.25, 1.25, Direction.FORWARD, space=2),
                 step(right, 7.5, 0.5, Direction.FORWARD, Level.LOW, space=2)]
        more = [step(right, 8.0, 0.25, Direction.FORWARD, space=2), Symbol(8.25, left, 1.75, Sign.HOLD),
                Symbol(8.25, right, 2.75, Sign.HOLD)]
    elif ending == "a foot long in the air":
        dance = [Symbol(0.0, right, 3.25, Sign.HOLD), step(right, 5.5, 2.5, Direction.PLACE, Level.LOW)]
        more = [step(left, 8.0, 1.75, Direction.BACKWARD, Level.LOW),
                step(right, 8.0, 2.75, Direction.BACKWARD, Level.LOW)]
    elif ending == "a last step held":
        dance = [Symbol(0.0, right, 5.0, Sign.HOLD), step(left, 2.75, 2.25, Direction.FORWARD, Level.LOW),
                 step(right, 5.0, 0.75, Direction.PLACE, Level.LOW), step(left, 5.75, 1.0, Direction.BACKWARD),
                 step(right, 6.75, 1.25, Direction.LEFT, Level.LOW)]
        more = [step(right, 8.0, 0.75, Direction.LEFT_BACKWARD, Level.HIGH),
                step(left, 8.75, 1.25, Direction.LEFT_FORWARD, Level.HIGH)]
    elif ending == "a bent forearm arriving at the end":
        dance = [Symbol(0.0, left, 8.0, Sign.HOLD), Symbol(0.0, right, 8.0, Sign.HOLD),
                 step(Column.FOREARM_RIGHT, 5.25, 1.0, Direction.LEFT_FORWARD, Level.MIDDLE, contraction=3),
                 step(Column.FOREARM_RIGHT, 6.5, 1.5, Direction.LEFT_FORWARD, Level.HIGH, contraction=5),
                 step(Column.UPPER_ARM_RIGHT, 7.5, 0.5, Direction.RIGHT, Level.LOW)]
        more = [step(Column.UPPER_ARM_LEFT, 8.0, 1.75, Direction.FORWARD), Symbol(8.0, left, 2.0, Sign.HOLD),
                Symbol(8.0, right, 2.0, Sign.HOLD)]
    elif ending == "a last step jumped from":
        dance = [Symbol(0.0, right, 5.0, Sign.HOLD), step(left, 5.0, 1.25, Direction.FORWARD, space=2),
                 step(right, 6.25, 1.0, Direction.FORWARD, space=2),
                 step(left, 7.25, 0.75, Direction.FORWARD, Level.LOW, space=2)]
        more = [Symbol(8.0, Column.CENTRE, 0.5, Sign.FLIGHT), step(left, 8.5, 1.5, Direction.FORWARD, Level.LOW),
                step(right, 8.5, 1.5, Direction.FORWARD, Level.LOW)]
    elif ending == "a foot landing at the join":
        dance = [Symbol(0.0, right, 5.75, Sign.HOLD), step(left, 5.75, 1.0, Direction.BACKWARD),
                 step(right, 6.75, 1.25, Direction.LEFT, Level.LOW)]
        more = [step(left, 8.0, 1.25, Direction.BACKWARD)]
    elif ending == "a last walking stride":
        dance = [Symbol(0.0, right, 4.0, Sign.HOLD), step(right, 4.0, 2.75, Direction.FORWARD),
                 step(left, 6.75, 1.25, Direction.FORWARD, space=2)]
        more = [step(left, 8.0, 2.5, Direction.FORWARD, Level.LOW, space=1),
                step(right, 8.0, 3.75, Direction.FORWARD, space=1)]
    elif ending == "a last step, then a jump":
        dance = [Symbol(0.0, right, 7.25, Sign.HOLD), step(left, 7.25, 0.75, Direction.FORWARD, Level.LOW)]
        more = [Symbol(8.0, Column.CENTRE, 0.75, Sign.FLIGHT), step(right, 8.75, 0.75, Direction.PLACE, Level.LOW)]
    elif ending == "a last turn a quarter beat short":
        dance = [Symbol(0.0, left, 4.25, Sign.HOLD), Symbol(0.0, right, 4.25, Sign.HOLD),
                 Symbol(4.25, Column.CENTRE, 3.5, Sign.TURN, turn=0.125)]
        more = [Symbol(8.0, left, 4.0, Sign.HOLD), Symbol(8.0, right, 4.0, Sign.HOLD),
                step(Column.UPPER_ARM_LEFT, 8.0, 2.0, Direction.FORWARD, Level.HIGH)]
    elif ending == "a foot lifted before a leap from the other":
        dance = [Symbol(0.0, right, 4.0, Sign.HOLD), Symbol(0.0, left, 4.0, Sign.HOLD),
                 step(left, 4.0, 2.25, Direction.FORWARD, space=2), step(right, 4.0, 2.25, Direction.FORWARD,
                                                                       Level.LOW, space=2),
                 step(left, 6.25, 1.75, Direction.FORWARD, space=1)]
        more = [Symbol(8.0, Column.CENTRE, 1.0, Sign.FLIGHT, space=2), step(right, 9.25, 1.25, Direction.FORWARD)]
    elif ending == "a hold continued into a turn":
        dance = [Symbol(0.0, right, 4.0, Sign.HOLD), step(left, 4.0, 1.0, Direction.FORWARD),
                 Symbol(5.0, left, 3.0, Sign.HOLD)]
        more = [Symbol(8.0, left, 2.0, Sign.TURN, turn=0.125)]
    else:
        dance, more = _run(8.0), [step(right, 8.0, 0.5, Direction.FORWARD, Level.LOW)]
    first = laban.decode(Score(grid, dance), seed=0).trajectories().positions
    second = laban.decode(Score(grid, dance + more), seed=0).trajectories().positions
    before = int(np.ceil(grid.beats_to_seconds(7.0) * 30.0))  # frames before the join less a beat
    assert np.abs(second[len(first):] - second[len(first)]).max() > 0.05  # the new bar is danced
    # (a step striding into a jump three quarters of a beat later travels as a stride from its start; a stride
    # flowing on at the join, and a step the pelvis stops at before a jump, pass the knot where that is first felt
    # 0.6 of a beat before it, as does a leap's push: the balance's smoothing of each carries a few µm into the beat
    # before, the Gaussian tail laban.decoder's docstring names, at most half a frame further than 0.4 of a beat)
    bound = {"a last step jumped from": 1e-5, "a last walking stride": 3e-5, "a last step, then a jump": 1e-5,
             "a foot lifted before a leap from the other": 1e-5}.get(ending, 1e-6)
    assert np.abs(first[:before] - second[:before]).max() < bound


def assert_felt_from_a_beat_before(parent: Score, child: Score, bar_line: float, lag: int = 12,
                                   moved: float = 0.01) -> None:
    """``child``, ``parent`` edited from beat ``bar_line`` on, decoded (seed 0, 30 fps) moves as ``parent`` does to
    float precision until a beat before the bar line, and (the edit danced) by more than ``moved`` m from ``lag``
    frames after that."""
    first = laban.decode(parent, seed=0).trajectories().positions
    second = laban.decode(child, seed=0).trajectories().positions
    before = int(np.ceil(parent.grid.beats_to_seconds(bar_line - 1.0) * 30.0))  # frames before it less a beat
    assert np.abs(first[before + lag:] - second[before + lag:]).max() > moved  # the edit is danced
    assert np.abs(first[:before] - second[:before]).max() < 1e-6


def test_a_leap_landing_before_a_bar_line_is_not_moved_by_the_bar_after_it():
    """Regenerate's promise at a run's leap: the leap lands a quarter beat before the edited bar, whose first step
    (another foot, another level) the landing prepares. The push read the landing from 0.9 of a beat before it,
    and the balance's smoothing reached another 0.4 further: 19 µm here from 1.2 beats before the bar line, 5 mm
    in a run the model wrote. Now the whole body prepares what comes at most ``Clock.preparation`` ahead."""
    from laban.timing import BeatGrid

    grid = BeatGrid(tuple(60.0 / 110.0 * np.arange(17)), 4, 0)
    kept = _run(8.0)
    left, right = Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT
    parent = Score(grid, kept + [_step(left, 8.0, 0.5, Direction.FORWARD), _step(right, 8.5, 0.5, Direction.FORWARD)])
    child = Score(grid, kept + [_step(right, 8.0, 0.5, Direction.FORWARD, Level.LOW),
                                _step(left, 8.5, 0.5, Direction.FORWARD)])
    assert_felt_from_a_beat_before(parent, child, 8.0)


def test_a_bent_forearm_held_after_an_edit_is_bent_from_where_its_upper_arm_goes():
    """Regenerate's promise after the edit: a forearm's bend arrives while its upper arm is on its way to a low
    place, and holds after the edited bars. The edit moved the upper arm there later, from elsewhere: the bend was
    measured from where the upper arm was passing at the forearm's arrival, so the forearm held another direction
    for as long as nothing moved it (the model's: 12 mm at the hand for 6 beats after the edit). Now it is measured
    from where the upper arm arrives, which the edit kept."""
    from laban.timing import BeatGrid

    grid = BeatGrid(tuple(60.0 / 110.0 * np.arange(13)), 4, 0)
    arm, fore = Column.UPPER_ARM_LEFT, Column.FOREARM_LEFT
    feet = [Symbol(0.0, c, 12.0, Sign.HOLD) for c in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]
    bend = _step(fore, 3.0, 1.0, Direction.FORWARD, Level.LOW, contraction=2)
    parent = Score(grid, feet + [_step(arm, 0.0, 2.0, Direction.FORWARD), _step(arm, 2.0, 2.5, Direction.PLACE,
                                                                              Level.LOW), bend])
    child = Score(grid, feet + [_step(arm, 0.0, 2.0, Direction.FORWARD), _step(arm, 2.0, 1.0, Direction.LEFT_FORWARD,
                                                                              Level.HIGH),
                                _step(arm, 3.75, 0.75, Direction.PLACE, Level.LOW), bend])
    first = laban.decode(parent, seed=0).trajectories().positions
    second = laban.decode(child, seed=0).trajectories().positions
    after = int(np.ceil(grid.beats_to_seconds(5.5) * 30.0))  # frames after the edit and a beat
    assert np.abs(first[:after] - second[:after]).max() > 0.05  # the edit is danced
    assert np.abs(first[after:] - second[after:]).max() < 1e-6


def test_a_forearm_bending_into_an_edited_bar_is_not_moved_before_it():
    """Regenerate's promise before the edit: a forearm bends over four beats, from two before the edited bar into
    it, and the edit moves its upper arm while it goes. The bend was measured from where the upper arm arrives,
    so the whole forearm movement headed elsewhere from its start (the model's: 31 mm at the hand two beats before
    the edit). Now it heads for the bend from where the upper arm went as written before, until a beat before the
    upper arm's move."""
    from laban.timing import BeatGrid

    grid = BeatGrid(tuple(60.0 / 110.0 * np.arange(17)), 4, 0)
    arm, fore = Column.UPPER_ARM_LEFT, Column.FOREARM_LEFT
    kept = [Symbol(0.0, c, 16.0, Sign.HOLD) for c in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]
    kept += [_step(arm, 3.0, 1.5, Direction.LEFT_FORWARD), _step(fore, 6.0, 4.0, Direction.RIGHT_FORWARD,
                                                                     contraction=4)]
    parent = Score(grid, kept + [_step(arm, 10.75, 0.5, Direction.RIGHT_FORWARD, Level.LOW)])
    child = Score(grid, kept + [_step(arm, 8.25, 1.0, Direction.LEFT_FORWARD, Level.LOW),
                                _step(arm, 9.5, 1.0, Direction.LEFT_FORWARD, Level.LOW)])
    assert_felt_from_a_beat_before(parent, child, 8.0)


def test_a_slow_turn_ends_as_it_ran_whether_or_not_a_turn_follows_it():
    """Regenerate's promise at a turn: a slow quarter turn on the left foot over two bars, into a turn on the right
    foot at the bar line (the model's "a slow turn"), or into holds there. The turn ran at one speed with a turn to
    flow into and at another, its arrival eased past its end, without: the edit moved the hands 13 mm from 1.8
    beats before the bar line. Now it runs at the same speed either way up to its eased arrival."""
    from laban.timing import BeatGrid

    grid = BeatGrid(tuple(60.0 / 110.0 * np.arange(17)), 4, 0)
    left, right = Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT
    kept = [Symbol(0.0, left, 8.0, Sign.TURN, turn=0.25)]
    parent = Score(grid, kept + [Symbol(8.0, right, 8.0, Sign.TURN, turn=0.125)])
    child = Score(grid, kept + [Symbol(8.0, c, 8.0, Sign.HOLD) for c in (left, right)])
    assert_felt_from_a_beat_before(parent, child, 8.0)


def test_a_walk_turned_back_at_a_bar_line_swings_its_arms_as_before_until_a_beat_before_it():
    """A walk of one-beat steps, then the next bar's steps written backward instead of forward (regenerate's edit,
    in the decoder): the arms swing with the body's travel, and the travel slows from a beat before the bar line.
    The swing was smoothed after it was scaled by that speed, which carried the change 0.2 s further back: a hand
    moved 0.25 mm before the bar line less a beat (bench/cocreate_figures.py --only locality: 0.22 mm before a
    regenerated passage). Now it is scaled after."""
    from laban.score import Direction, Level, Symbol
    from laban.timing import BeatGrid

    grid = BeatGrid(tuple(60.0 / 100.0 * np.arange(25)), 4, 0)
    feet = (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)

    def walk(first: float, stop: float, direction: Direction) -> list:
        return [Symbol(b, feet[int(b) % 2], 1.0, Sign.DIRECTION, direction, Level.MIDDLE)
                for b in np.arange(first, stop)]

    rest = [Symbol(12.0, foot, 4.0, Sign.HOLD) for foot in feet]
    assert_felt_from_a_beat_before(Score(grid, walk(0, 12, Direction.FORWARD) + rest),
                                   Score(grid, walk(0, 8, Direction.FORWARD) + walk(8, 12, Direction.BACKWARD) + rest),
                                   8.0, lag=30, moved=0.1)


def test_after_a_turn_the_body_settles_onto_the_notated_front_within_the_beat_after_it():
    """Each turn ends a few degrees off the notated front (its own drift; a slow turn overshoots to read as
    turning), and over the beat after it (longer for a wide offset: ``front_settled``) the body settles back onto
    the notated front: an edited turn, or a kept turn cut at the bar line where regenerated bars begin, turns the
    rest of the dance by exactly the notated amount a beat or so later, not by a few degrees more until the next
    turn (which may be the end of the dance)."""
    from decoder_locality import front_settled
    from laban.decoder.clock import Clock, Streams
    from laban.decoder.supports import heading_of
    from laban.score import Direction, Level, Symbol

    feet = (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)
    grid = laban.BeatGrid(tuple(0.5 * np.arange(25)), 4)  # 120 bpm, six bars
    steps = [Symbol(float(b), feet[b % 2], 1.0, Sign.DIRECTION, Direction.FORWARD, Level.MIDDLE) for b in range(24)]
    turns = [Symbol(2.0, Column.CENTRE, 1.0, Sign.TURN, turn=0.125),  # 45° in half a second: overshoots to read
             Symbol(9.0, Column.CENTRE, 0.5, Sign.TURN, turn=-0.25)]
    score = Score(grid, sorted(steps + turns, key=lambda s: s.start), [], "two turns")
    off = []
    for seed in range(4):
        clock = Clock(score, 30.0)
        heading = np.degrees(heading_of(score, clock, Streams(seed)))
        notated = 0.0
        for turn in turns:
            notated += 360.0 * turn.turn
            at_end = int(round(grid.beats_to_seconds(turn.end) * 30.0))
            settled = int(np.ceil(grid.beats_to_seconds(front_settled(score, turn.end)) * 30.0))
            off.append(abs(heading[at_end] - notated))
            assert np.abs(heading[settled:settled + 30] - notated).max() < 1e-6, (seed, turn)
    assert max(off) > 1.0  # the turns do end off the front: the settling is not vacuous


# The supports and turns of CMU 05_03 (training split) as the corpus stores them: two turns on one foot, a step
# onto both feet beside the other
_TURNED = """\
# motiongpt score, text form v1
title: 05_03, supports
tempo: 88.66995073891626
beats: 7
first beat: -0.1833333333333328
meter: 4/4

start
  support-left     place low
  leg-left         place low
  leg-right        forward low contraction 1

bar 1
  1     support-left     backward low large                  0.25
  1.25  support-left     turn +1/4                           1
  2.25  support-right    right low large 2                   1
  2.25  leg-left         left middle                         0.75
  3     leg-left         place low contraction 1             1.25
  3.25  support-right    turn +1/4                           1
  4.25  support-left     forward low                         0.5
  4.75  support-right    place high                          0.5

bar 2
  1.25  support-left     right-backward low small            0.75
  1.25  support-right    right-backward low small            0.75
  2     support-right    place low                           0.5
"""


def test_a_dance_facing_elsewhere_is_the_same_dance_turned():
    """Turning the front a dance starts facing (``rotate_front``) turns the whole performance and changes nothing
    else: in the floor frame the motion is the same, to float precision. The second foot put down beside the first
    (``steps._beside``) chose among candidates on a ring by their offsets' lengths, equal around the ring up to
    rounding, so this dance turned by 3/8 put a foot 22 mm elsewhere; edits that turn the rest of a dance moved it
    by more than a rigid move (a regenerated dance: 33 mm)."""
    score = laban.formats.text.loads(_TURNED)
    first = laban.decode(score, seed=0).trajectories().positions.astype(np.float64)
    for eighths in (1, 3):
        turned = laban.decode(laban.algebra.rotate_front(score, eighths / 8), seed=0).trajectories()
        moved = floor_aligned(turned.positions.astype(np.float64), first)
        assert np.linalg.norm(first - moved, axis=-1).max() < 1e-5, eighths
