"""Labanotation's modifiers: contraction signs (knee and elbow bend) and space measurement signs (small / large
steps and jumps), through the score, its files, the tokenizer, the decoder and the vocabulary."""

from __future__ import annotations

import numpy as np
import pytest

import laban
from laban import BeatGrid, Column, Direction, Level, Score, Sign, Symbol
from laban.analysis import analyse, limb_flexion
from laban.formats import json as score_json
from laban.formats import text as score_text
from motiongpt.grammar import P_DONE, ScoreGrammar
from motiongpt.vocabulary import Vocabulary, VocabularyError

D, L = Direction, Level


def grid(beats: int = 12) -> BeatGrid:
    return BeatGrid(tuple(0.5 * i for i in range(beats + 1)), 4, 0)


def test_the_symbol_refuses_modifiers_where_the_notation_has_none():
    Symbol(0, Column.LEG_LEFT, 1, Sign.DIRECTION, D.FORWARD, L.MIDDLE, contraction=3)
    Symbol(0, Column.CENTRE, 1, Sign.FLIGHT, space=-1)
    for bad in (dict(column=Column.TORSO, contraction=2), dict(column=Column.LEG_LEFT, contraction=7),
                dict(column=Column.LEG_LEFT, contraction=True), dict(column=Column.LEG_LEFT, space=1),
                dict(column=Column.SUPPORT_LEFT, space=0), dict(column=Column.SUPPORT_LEFT, space=4)):
        with pytest.raises(ValueError):
            Symbol(0, bad.pop("column"), 1, Sign.DIRECTION, D.FORWARD, L.MIDDLE, **bad)
    with pytest.raises(ValueError):
        Symbol(0, Column.SUPPORT_LEFT, 1, Sign.HOLD, space=1)


def scored() -> Score:
    return Score(grid(), [
        Symbol(0, Column.SUPPORT_LEFT, 1, Sign.DIRECTION, D.FORWARD, L.MIDDLE, space=2),
        Symbol(1, Column.CENTRE, 0.5, Sign.FLIGHT, space=-1),
        Symbol(1, Column.FOREARM_RIGHT, 1, Sign.DIRECTION, D.FORWARD, L.HIGH, contraction=3),
        Symbol(2, Column.LEG_RIGHT, 1, Sign.DIRECTION, D.FORWARD, L.LOW, contraction=1)],
        [Symbol(0, Column.FOREARM_LEFT, 0, Sign.DIRECTION, D.PLACE, L.LOW, contraction=2)])


def test_text_and_json_carry_the_modifiers_and_old_files_read_unchanged(tmp_path):
    score = scored()
    text = score_text.dumps(score)
    assert "large 2" in text and "flight small" in text and "contraction 3" in text
    assert score_text.loads(text) == score
    assert score_json.loads(score_json.dumps(score)) == score
    plain = Score(score.grid, [Symbol(0, Column.SUPPORT_LEFT, 1, Sign.DIRECTION, D.FORWARD, L.MIDDLE)])
    assert "space" not in score_json.dumps(plain) and "contraction" not in score_json.dumps(plain)
    for path in sorted((laban.__file__ and __import__("pathlib").Path(__file__).parents[1] / "examples").glob("*")):
        loaded = Score.load(path)
        assert all(s.contraction is None and s.space is None for s in loaded.symbols)
    with pytest.raises(laban.errors.ScoreFileError):
        score_text.loads("tempo: 120\nbar 1\n  1 torso forward high contraction 2 1\n")
    with pytest.raises(laban.errors.ScoreFileError):
        score_text.loads("tempo: 120\nbar 1\n  1 leg-left forward high contraction 1\n")  # degree, no duration


def knee_and_elbow(score: Score):
    motion = laban.decode(score, seed=0)
    analysis = analyse(motion)
    t = analysis.trajectories
    frame = int(round(float(score.grid.beats_to_seconds(2.9)) * t.fps))
    return (limb_flexion(t, "leg-right")[frame], limb_flexion(t, "forearm-right")[frame],
            laban.tokenize(analysis, score.grid))


def test_a_bent_knee_lift_and_a_bent_elbow_are_performed_and_read_back():
    def score(knee, elbow):
        return Score(grid(), [
            Symbol(0, Column.SUPPORT_LEFT, 4, Sign.DIRECTION, D.PLACE, L.MIDDLE),
            Symbol(1, Column.LEG_RIGHT, 1, Sign.DIRECTION, D.FORWARD, L.LOW, contraction=knee),
            Symbol(1, Column.UPPER_ARM_RIGHT, 1, Sign.DIRECTION, D.RIGHT, L.MIDDLE),
            Symbol(1, Column.FOREARM_RIGHT, 1, Sign.DIRECTION, D.RIGHT, L.MIDDLE, contraction=elbow)],
            [Symbol(0, Column.SUPPORT_LEFT, 0, Sign.DIRECTION, D.PLACE, L.MIDDLE),
             Symbol(0, Column.SUPPORT_RIGHT, 0, Sign.DIRECTION, D.PLACE, L.MIDDLE)])

    straight_knee, straight_elbow, straight = knee_and_elbow(score(None, None))
    bent_knee, bent_elbow, bent = knee_and_elbow(score(3, 1))
    assert straight_knee < 20 and bent_knee > 70  # "straight kick" and "bent-knee lift" differ
    # inside one cell (arm and forearm out to the right) the elbow bends towards what is written, as far as the
    # forearm's cell lets it
    assert bent_elbow > straight_elbow + 5, (bent_elbow, straight_elbow)
    leg = [s for s in bent.column(Column.LEG_RIGHT) if s.sign is Sign.DIRECTION and s.direction is D.FORWARD]
    assert leg and leg[-1].contraction in (2, 3, 4)
    assert all(not s.contraction for s in straight.column(Column.LEG_RIGHT) if s.direction is D.FORWARD)


def test_small_steps_travel_less_than_normal_ones_and_still_read_as_steps():
    def decoded(space):
        symbols = [Symbol(float(k), Column.SUPPORT_LEFT if k % 2 else Column.SUPPORT_RIGHT, 1, Sign.DIRECTION,
                          D.FORWARD, L.MIDDLE, space=space) for k in range(1, 7)]
        score = Score(grid(), symbols)
        motion = laban.decode(score, seed=2)
        pelvis = motion.trajectories().part(laban.BodyPart.PELVIS)
        return float(np.linalg.norm(pelvis[-1, [0, 2]] - pelvis[0, [0, 2]])), laban.tokenize(motion, score.grid)

    (small, back), (normal, _) = decoded(-1), decoded(None)
    assert small < 0.6 * normal
    steps = [s for s in back.symbols if s.column in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)
             and s.sign is Sign.DIRECTION and s.start >= 1]
    assert sum(s.direction is D.FORWARD for s in steps) >= 5  # still steps forward, not in place


def test_the_tokenizer_writes_bends_and_sizes_of_a_real_dance(trials):
    trial = trials["05_06"]
    motion = laban.read_bvh(trial.path, frame_rate=trial.fps)
    score = laban.tokenize(motion)
    flexion = {c: limb_flexion(analyse(motion).trajectories, c.value) for c in (Column.FOREARM_LEFT, Column.LEG_LEFT)}
    assert any(s.contraction for s in score.symbols if s.column in (Column.LEG_LEFT, Column.LEG_RIGHT))
    assert any(s.space for s in score.symbols if s.column in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT))
    assert len(flexion[Column.FOREARM_LEFT]) > 0
    # every modifier the score writes, the vocabulary says, and the grammar accepts
    vocabulary = Vocabulary()
    quantised = __import__("motiongpt.vocabulary", fromlist=["quantise"]).quantise(score)
    ids = vocabulary.encode(quantised)
    assert vocabulary.to_score(ids, score.grid, score.title) == quantised
    assert ScoreGrammar(vocabulary).accepts([ids], [score.grid]) == [True]


def test_a_version_1_vocabulary_drops_the_modifiers_and_keeps_its_ids(tmp_path):
    v1, v2 = Vocabulary(version=1), Vocabulary()
    assert v2.tokens[:len(v1)] == v1.tokens and len(v2) > len(v1)
    score = scored()
    plain = v1.to_score(v1.encode(score), score.grid)
    assert all(s.contraction is None and s.space is None for s in plain.symbols + plain.starting_position)
    assert [(s.start, s.column, s.direction) for s in plain.symbols] == \
        [(s.start, s.column, s.direction) for s in score.symbols]
    assert v2.to_score(v1.encode(score), score.grid) == plain  # v1 ids mean the same under v2
    assert v2.to_score(v2.encode(score), score.grid) == score
    v1.save_pretrained(tmp_path)
    loaded = Vocabulary.from_pretrained(tmp_path)
    assert loaded == v1 and loaded.version == 1
    with pytest.raises(VocabularyError):  # a modifier where its column has none
        bad = v2.encode(score)
        at = bad.index(v2.ids["contraction:3"])
        bad[at] = v2.ids["space:+1"]
        v2.to_score(bad, score.grid)


def test_sampling_under_the_grammar_writes_valid_modifiers():
    vocabulary = Vocabulary()
    grammar = ScoreGrammar(vocabulary)
    state = grammar.start([2] * 24, 4, 0)
    rng = np.random.default_rng(3)
    rows = []
    for _ in range(3000):
        mask = grammar.allowed(state)
        logits = rng.gumbel(size=mask.shape)
        logits[:, vocabulary.modifier0:] += 2.0  # modifiers often, wherever they are allowed
        tokens = np.where(mask, logits, -np.inf).argmax(1)
        grammar.advance(state, tokens, check=False)
        rows.append(tokens)
        if bool((state.phase == P_DONE).all()):
            break
    assert bool((state.phase == P_DONE).all())
    written = 0
    for ids in np.stack(rows, 1).tolist():
        ids = ids[:ids.index(vocabulary.eos_id) + 1]
        score = vocabulary.to_score(ids, grid(8))  # Symbol refuses a modifier in the wrong place
        written += sum(bool(s.contraction or s.space) for s in score.symbols + score.starting_position)
        assert vocabulary.encode(score) == ids  # a <cont> repeats its tie's modifiers, so the ids read back exactly
    assert written > 20


def test_a_bend_held_over_a_cut_or_a_join_is_restated_with_it():
    """The score algebra restates what each limb holds where a piece starts (a cut's starting position, a
    splice's join): a bent elbow stays bent there (it used to be restated straight)."""
    from laban.algebra import cut, splice

    grid = BeatGrid.uniform(60, 12, 4)  # three bars of four beats
    bent = Symbol(0.0, Column.FOREARM_RIGHT, 2.0, Sign.DIRECTION, Direction.FORWARD, Level.MIDDLE, contraction=3)
    score = Score(grid, [bent, Symbol(0.0, Column.SUPPORT_LEFT, 1.0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE)])
    start = {s.column: s for s in cut(score, 2, 3).starting_position}
    assert start[Column.FOREARM_RIGHT].contraction == 3
    straight = Score(grid, [Symbol(0.0, Column.SUPPORT_LEFT, 1.0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE)])
    joined = splice(straight, 2, 2, score)  # bar 2 of the bent score into the straight one
    restated = [s for s in joined.symbols if s.column is Column.FOREARM_RIGHT and s.duration == 0]
    assert restated and restated[0].contraction == 3
