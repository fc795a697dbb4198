"""What the legs do in the air (issue 13): the split of a jeté and the tucked legs of a jump are written by the
tokenizer as leg gestures during the flight, and the decoder performs them in the air, still flying and landing
as a jump does."""

from __future__ import annotations

import numpy as np
import pytest

import laban
from laban import BeatGrid, Column, Direction, Level, Score, Sign, Symbol
from laban import BodyPart as B
from laban.analysis import analyse, limb_flexion
from laban.cells import cell_centre, cell_of

D, L = Direction, Level


def legs_apart(traj) -> np.ndarray:
    """(T,) degrees between the two legs (hip → ankle)."""
    a = traj.part(B.FOOT_LEFT) - traj.part(B.THIGH_LEFT)
    b = traj.part(B.FOOT_RIGHT) - traj.part(B.THIGH_RIGHT)
    cosine = np.einsum("ta,ta->t", a, b) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))


def leap(left=None, right=None) -> Score:
    """Two steps, a flight of a beat (1.25-1.75 s) with the given leg gestures (direction, level, contraction) in
    it, and two steps after: landing on the left foot."""
    legs = [Symbol(2.5, column, 0.5, Sign.DIRECTION, *gesture[:2], contraction=gesture[2])
            for column, gesture in ((Column.LEG_LEFT, left), (Column.LEG_RIGHT, right)) if gesture]
    return Score(BeatGrid(tuple(0.5 * i for i in range(13)), 4, 0), [
        Symbol(1, Column.SUPPORT_LEFT, 1, Sign.DIRECTION, D.FORWARD, L.MIDDLE),
        Symbol(2, Column.SUPPORT_RIGHT, 0.5, Sign.DIRECTION, D.FORWARD, L.LOW),
        Symbol(2.5, Column.CENTRE, 1, Sign.FLIGHT, space=1), *legs,
        Symbol(3.5, Column.SUPPORT_LEFT, 1, Sign.DIRECTION, D.FORWARD, L.LOW),
        Symbol(4.5, Column.SUPPORT_RIGHT, 1, Sign.DIRECTION, D.FORWARD, L.MIDDLE)],
        [Symbol(0, Column.SUPPORT_LEFT, 0, Sign.DIRECTION, D.PLACE, L.MIDDLE),
         Symbol(0, Column.SUPPORT_RIGHT, 0, Sign.DIRECTION, D.PLACE, L.MIDDLE)])


def performed(score: Score, seed: int = 0):
    """The decoded motion's analysis, the frame of the flight's top, and the score read back from it."""
    analysis = analyse(laban.decode(score, seed=seed))
    t = analysis.trajectories
    f0, f1 = int(1.25 * t.fps), int(1.75 * t.fps)
    apex = f0 + int(np.argmax(t.part(B.PELVIS)[f0:f1, 1]))
    return analysis, apex, laban.tokenize(analysis, score.grid)


def in_flight(score: Score, column: Column) -> list[Symbol]:
    """The column's direction symbols that are under way or arrive during the flight (beats 2.5-3.5)."""
    return [s for s in score.column(column) if s.sign is Sign.DIRECTION and s.start < 3.5 and s.end > 2.5]


@pytest.mark.parametrize("seed", [0, 1])
def test_a_split_in_the_air_is_performed_and_read_back(seed):
    analysis, apex, back = performed(leap((D.FORWARD, L.MIDDLE, None), (D.BACKWARD, L.LOW, None)), seed)
    t = analysis.trajectories
    assert legs_apart(t)[apex] > 110  # forward middle and backward low: 135° between the cells' middles
    # still a jump: the body flies (the pelvis well above standing at the top) and is read back as one
    assert t.part(B.PELVIS)[apex, 1] > np.median(t.part(B.PELVIS)[:, 1]) + 0.15
    assert any(s.sign is Sign.FLIGHT and s.start == 2.5 for s in back.symbols)
    assert (in_flight(back, Column.LEG_LEFT)[0].direction, in_flight(back, Column.LEG_LEFT)[0].level) == (D.FORWARD, L.MIDDLE)
    assert (in_flight(back, Column.LEG_RIGHT)[0].direction, in_flight(back, Column.LEG_RIGHT)[0].level) == (D.BACKWARD, L.LOW)
    # the landing is planted: the ball of the left foot stays where it came down (it lands on its ball and the
    # heel lowers after, so the ankle moves 2-3 cm on its arc about the ball)
    land = int(1.8 * t.fps)
    ball = t.part(B.TOES_LEFT)[land:land + int(0.3 * t.fps)]
    assert np.abs(ball - ball[0])[:, [0, 2]].max() < 0.01


def test_tucked_legs_bend_in_the_air_and_read_back_and_plain_legs_hang():
    analysis, apex, back = performed(leap((D.PLACE, L.LOW, 4), (D.PLACE, L.LOW, 4)))
    knees = [limb_flexion(analysis.trajectories, c)[apex] for c in ("leg-left", "leg-right")]
    assert min(knees) > 90
    for column in (Column.LEG_LEFT, Column.LEG_RIGHT):
        assert any(s.direction is D.PLACE and (s.contraction or 0) >= 3 for s in in_flight(back, column))
    plain, apex, back = performed(leap())
    assert max(limb_flexion(plain.trajectories, c)[apex] for c in ("leg-left", "leg-right")) < 45
    assert legs_apart(plain.trajectories)[apex] < 40
    assert not any(s.contraction for c in (Column.LEG_LEFT, Column.LEG_RIGHT) for s in in_flight(back, c))


def test_the_grand_jete_of_a_real_dance_is_written_and_performed_with_its_legs_apart(trials):
    trial = trials["05_06"]  # modern dance: a jeté en tournant at 3.8-4.0 s, legs 100° apart in the capture
    motion = laban.read_bvh(trial.path, frame_rate=trial.fps)
    score = laban.tokenize(motion)
    jete = max((s for s in score.symbols if s.sign is Sign.FLIGHT), key=lambda s: s.space or 0)
    assert jete.space and jete.space > 0
    written = {c: [s for s in score.column(c) if s.sign is Sign.DIRECTION and jete.start <= s.start < jete.end
                   and s.direction is not D.PLACE] for c in (Column.LEG_LEFT, Column.LEG_RIGHT)}
    assert written[Column.LEG_LEFT] and written[Column.LEG_RIGHT], written  # both legs gesture in the air
    left, right = (cell_centre(cell_of(w[0].direction, w[0].level)) for w in written.values())
    assert np.degrees(np.arccos(left @ right)) > 75  # apart (left-backward low, right low: 82°; together: 0°)
    frames = slice(*(int(round(float(score.grid.beats_to_seconds(b)) * 30)) for b in (jete.start, jete.end + 0.25)))
    captured = legs_apart(motion.trajectories(30.0))[frames].max()
    decoded = legs_apart(laban.decode(score, seed=0).trajectories(30.0))[frames].max()
    assert captured > 90 and decoded > 70, (captured, decoded)  # before: a hop with the legs 41° apart
