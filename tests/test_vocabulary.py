"""The vocabulary: scores ↔ token ids exactly on the grid, bar by bar, and the vocabulary file."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import laban
from laban import BeatGrid, Column, Direction, Level, Score, Sign, Symbol
from laban.errors import LabanError
from motiongpt.vocabulary import Vocabulary, VocabularyError, quantise

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.laban"))
# A dance with a pirouette, one with turns in the air, a salsa take (60 fps, long turns, many ties), a jump.
CLIPS = ("05_02", "05_06", "61_01", "16_01")
YARDSTICK = 21 * 30 * 60  # the yardstick: 37,800 numbers a minute for 21 joints at 30 fps


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary()


@pytest.fixture(scope="module")
def clips(trials) -> dict[str, Score]:
    """Scores of a few real clips, read at their real frame rates as the data module does."""
    return {name: laban.tokenize(laban.read_bvh(trials[name].path, frame_rate=trials[name].fps), title=name)
            for name in CLIPS}


def grid(beats_per_bar: int = 4, upbeat: int = 0, beats: int = 17, tempo: float = 120.0) -> BeatGrid:
    return BeatGrid(tuple(60.0 / tempo * i for i in range(beats)), beats_per_bar, upbeat)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_round_trip_exactly(vocabulary, path):
    score = Score.load(path)
    ids = vocabulary.encode(score)
    assert vocabulary.to_score(ids, score.grid, score.title) == score
    assert all(isinstance(i, int) and 0 <= i < len(vocabulary) for i in ids)


def test_real_scores_round_trip_exactly(vocabulary, clips):
    for name, score in clips.items():
        assert score.symbols, name
        back = vocabulary.to_score(vocabulary.encode(score), score.grid, score.title)
        assert back == score, name


def test_real_scores_are_compact(vocabulary, trials, clips):
    """Far fewer tokens a minute than the frames they come from (10 x fewer than 21 joints at 30 fps)."""
    tokens = sum(len(vocabulary.encode(s)) for s in clips.values())
    minutes = sum(laban.read_bvh(trials[n].path, frame_rate=trials[n].fps).duration for n in clips) / 60
    assert tokens / minutes < YARDSTICK / 10


def test_a_symbol_over_a_bar_line_is_tied_and_continued(vocabulary):
    """first_phrase: the plié on both feet at beat 4 of bar 1 lasts 1.5 beats, into bar 2 (upbeat of 1 beat)."""
    score = Score.load(EXAMPLES[0])
    ids = vocabulary.encode(score)
    spans = vocabulary.bar_spans(ids)
    bar1 = vocabulary.names(ids[slice(*spans[1])])
    bar2 = vocabulary.names(ids[slice(*spans[2])])
    assert bar1[-9:] == ["pos:4", "col:support-left", "place/low", "dur:1", "<tie>",
                         "col:support-right", "place/low", "dur:1", "<tie>"]
    assert bar2[:9] == ["<bar>", "<cont>", "col:support-left", "place/low", "dur:0.5",
                        "<cont>", "col:support-right", "place/low", "dur:0.5"]


def test_one_bar_token_per_bar_of_the_grid_and_upbeat(vocabulary):
    """An upbeat is the tail of a bar: 3/4 with an upbeat of 1 beat on 9 beats is 1 + 3 bars (7 beats = 2 1/3
    bars after the upbeat); the upbeat bar's event sits on beat 3."""
    score = Score(grid(3, 1, beats=9), [Symbol(0.0, Column.HEAD, 1.0, Sign.DIRECTION, Direction.FORWARD,
                                               Level.HIGH)])
    ids = vocabulary.encode(score)
    assert vocabulary.bar_count(score.grid) == 4 == len(vocabulary.bar_spans(ids))
    assert vocabulary.names(ids)[3] == "pos:3"
    assert vocabulary.to_score(ids, score.grid) == score


def test_bars_cut_out_and_put_back(vocabulary, clips):
    """Clearing bars [2, 5) and splicing the empty bars back gives the score with exactly those beats cleared:
    what sounds into the span ends at its first bar line, what sounds out of it starts at its last."""
    score = clips["61_01"]
    ids = vocabulary.encode(score)
    spans = vocabulary.bar_spans(ids)
    first, stop = 2, 5
    a, b = spans[first][0], spans[stop - 1][1]
    assert vocabulary.to_score(ids[:a] + ids[a:b] + ids[b:], score.grid) == replace(score, title="")
    cleared = vocabulary.to_score(ids[:a] + [vocabulary.bar_id] * (stop - first) + ids[b:], score.grid)
    lo, hi = first * 4.0, stop * 4.0  # no upbeat: bar k starts at beat 4k
    expected = []
    for s in score.symbols:
        if s.start < lo:
            expected.append(replace(s, duration=min(s.end, lo) - s.start))
        if s.end > hi:
            expected.append(replace(s, start=max(s.start, hi), duration=s.end - max(s.start, hi)))
    assert any(s.start < lo < s.end or s.start < hi < s.end for s in score.symbols)  # the test crosses lines
    assert cleared == Score(score.grid, expected, score.starting_position)


def test_fill_in_the_middle_puts_the_middle_last_and_back(vocabulary, clips):
    ids = vocabulary.encode(clips["05_02"])
    bars = len(vocabulary.bar_spans(ids))
    for first, stop in ((0, 1), (1, 3), (bars - 1, bars), (0, bars)):
        fim = vocabulary.fill_in_the_middle(ids, first, stop)
        assert fim[0] == vocabulary.fim_prefix_id and fim.count(vocabulary.fim_middle_id) == 1
        middle = fim[fim.index(vocabulary.fim_middle_id) + 1:-1]
        assert middle.count(vocabulary.bar_id) == stop - first and middle[0] == vocabulary.bar_id
        assert vocabulary.from_fill_in_the_middle(fim) == ids
    with pytest.raises(VocabularyError):
        vocabulary.fill_in_the_middle(ids, 2, 2)


def test_scores_off_the_grid_are_refused_then_quantised(vocabulary):
    g = grid()
    off = Score(g, [Symbol(1.1, Column.SUPPORT_LEFT, 0.9, Sign.DIRECTION, Direction.FORWARD, Level.MIDDLE),
                    Symbol(2.0, Column.SUPPORT_LEFT, 1.0, Sign.TURN, turn=0.3),
                    Symbol(3.02, Column.HEAD, 0.04, Sign.DIRECTION, Direction.FORWARD, Level.HIGH)])
    with pytest.raises(VocabularyError, match="off the 1/4-beat grid") as error:
        vocabulary.encode(off)
    assert isinstance(error.value, LabanError) and "\n" not in str(error.value)
    on = quantise(off)
    assert [(s.start, s.duration, s.turn) for s in on.symbols] == [(1.0, 1.0, None), (2.0, 1.0, 0.25),
                                                                    (3.0, 0.25, None)]
    assert vocabulary.to_score(vocabulary.encode(on), g) == on


@pytest.mark.parametrize("symbols, message", [
    ([Symbol(0.0, Column.HEAD, 2.0, Sign.DIRECTION, Direction.FORWARD, Level.HIGH),
      Symbol(1.0, Column.HEAD, 1.0, Sign.DIRECTION, Direction.LEFT, Level.HIGH)], "starts before"),
    ([Symbol(0.0, Column.SUPPORT_LEFT, 1.0, Sign.TURN, turn=1 / 3)], "1/8 turn"),
    ([Symbol(0.0, Column.SUPPORT_LEFT, 1.0, Sign.TURN, turn=3.5)], "up to 3 turns"),
    ([Symbol(0.0, Column.HEAD, 0.0, Sign.DIRECTION, Direction.FORWARD, Level.HIGH)], "no length"),
    ([Symbol(0.0, Column.HEAD, 1.0, Sign.TURN, turn=0.5)], "cannot say"),
    ([Symbol(0.0, Column.UPPER_ARM_LEFT, 1.0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE)], "cannot say"),
    ([Symbol(0.0, Column.CENTRE, 1.0, Sign.FLIGHT),
      Symbol(0.5, Column.SUPPORT_RIGHT, 1.0, Sign.DIRECTION, Direction.PLACE, Level.LOW)], "support under it"),
])
def test_what_the_vocabulary_cannot_say_is_refused_in_one_line(vocabulary, symbols, message):
    with pytest.raises(VocabularyError, match=message) as error:
        vocabulary.encode(Score(grid(), symbols))
    assert "\n" not in str(error.value)


def test_a_meter_longer_than_the_vocabulary_is_refused(vocabulary):
    with pytest.raises(VocabularyError, match="12 beats"):
        vocabulary.encode(Score(grid(12, beats=25), []))
    wide = Vocabulary(max_beats_per_bar=12)
    score = Score(grid(12, beats=25), [Symbol(10.0, Column.HEAD, 4.0, Sign.DIRECTION, Direction.LEFT, Level.LOW)])
    assert wide.to_score(wide.encode(score), score.grid) == score


@pytest.mark.parametrize("edit", [
    lambda v, ids: ids[1:],  # no <bos>
    lambda v, ids: ids[:-1] + [v.bar_id, v.position0 + 20],  # a position outside a bar of 4 beats
    lambda v, ids: ids + [v.bar_id],  # tokens after <eos>
    lambda v, ids: ids[:9] + [v.ids["col:head"]] + ids[10:],  # a column where a what belongs
    lambda v, ids: ids[:-1] + [v.bar_id, v.position0 + 15, v.ids["col:head"], v.ids["forward/high"],
                               v.duration0 + 3, v.eos_id],  # lasts past the bar line
    lambda v, ids: ids + [10 ** 6],
    lambda v, ids: ids[:-1] + [v.bar_id, v.position0, v.ids["col:support-left"], v.ids["flight"], v.duration0,
                               v.eos_id],  # flight on one foot
    lambda v, ids: ids[:2] + [v.ids["col:centre"], v.ids["forward/high"]] + ids[2:],  # the centre at the start
])
def test_malformed_ids_are_refused(vocabulary, edit):
    score = Score.load(EXAMPLES[0])
    with pytest.raises(VocabularyError):
        vocabulary.to_score(edit(vocabulary, vocabulary.encode(score)), score.grid)


def test_the_vocabulary_file_round_trips_and_refuses_others(vocabulary, tmp_path):
    path = vocabulary.save_pretrained(tmp_path / "model")
    assert path.name == "vocabulary.json"
    assert Vocabulary.from_pretrained(tmp_path / "model") == vocabulary
    assert Vocabulary.from_pretrained(tmp_path / "model").tokens == vocabulary.tokens
    other = Vocabulary(subdivision=3)
    other.save_pretrained(tmp_path / "other")
    assert Vocabulary.from_pretrained(tmp_path / "other") != vocabulary
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "version": 99}))
    with pytest.raises(VocabularyError, match="version 99"):
        Vocabulary.from_pretrained(tmp_path / "model")
    path.write_text(json.dumps({**data, "tokens": data["tokens"][:-1]}))
    with pytest.raises(VocabularyError, match="token list"):
        Vocabulary.from_pretrained(tmp_path / "model")
    path.write_text("{")
    with pytest.raises(VocabularyError, match="cannot read"):
        Vocabulary.from_pretrained(tmp_path / "model")
    with pytest.raises(VocabularyError, match="no vocabulary file"):
        Vocabulary.from_pretrained(tmp_path / "nothing")


def test_triplets_round_trip_on_a_vocabulary_of_twelfths():
    v = Vocabulary(subdivision=12)
    score = Score(grid(), [Symbol(1 / 3, Column.HEAD, 2 / 3, Sign.DIRECTION, Direction.LEFT, Level.HIGH),
                           Symbol(3 + 2 / 3, Column.TORSO, 1 + 1 / 3, Sign.DIRECTION, Direction.FORWARD, Level.HIGH)])
    assert v.to_score(v.encode(score), score.grid) == score
    with pytest.raises(VocabularyError):
        Vocabulary().encode(score)


def test_a_score_read_bar_by_bar_is_read_whole_and_its_last_bars_cut_and_mend_as_the_whole(vocabulary, clips):
    """A stream reads its score as the bars come (``ScoreReader``) and cuts its bars from what ``since`` keeps of
    it (the bars from two before the cut on, and of the past only what a state there reads), so that a bar costs
    the same late in a long dance. On real takes, bar by bar: the score so far is ``to_score``'s of the ids so far,
    to the byte, and its recent part cuts (a restart's context) and mends (``plausibility.mended``) then cuts (a
    streamed duet's bar and its decode window) to what the whole score gives, while holding less of it."""
    from laban.algebra import cut
    from motiongpt.plausibility import mended
    from motiongpt.vocabulary import ScoreReader

    long = []
    for name, score in clips.items():
        ids = vocabulary.encode(score)[:-1]
        grid, shift = score.grid, 0 if score.grid.downbeat else 1
        reader = ScoreReader(vocabulary, grid)
        spans = vocabulary.bar_spans(ids)
        for k, (a, b) in enumerate(spans):
            reader.add(ids[:b] if k == 0 else ids[a:b])
            whole = vocabulary.to_score(ids[:b] + [vocabulary.eos_id], grid)
            assert reader.score() == whole, (name, k)
            if k < 3:
                continue
            recent = reader.since(vocabulary.bar_beat(grid, k - 3 - 2))
            assert cut(recent, k - 3 + shift, k - 1 + shift) == cut(whole, k - 3 + shift, k - 1 + shift), (name, k)
            end = vocabulary.bar_beat(grid, k + 1)
            recent, whole = mended(recent, 0.0, end, open_end=True), mended(whole, 0.0, end, open_end=True)
            for first in (k - 1, k):
                assert cut(recent, first + shift, k + shift) == cut(whole, first + shift, k + shift), (name, k)
        if len(spans) > 12:  # (a long take's: its recent part is not the whole)
            long.append(name)
            assert len(recent.symbols) < 0.6 * len(whole.symbols), name
    assert "61_01" in long  # the salsa take, 34 bars
    reader.since(1.0)
    with pytest.raises(VocabularyError, match="since"):  # what was let go is not there to read again
        reader.since(0.0)
