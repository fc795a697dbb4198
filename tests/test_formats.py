"""Score files: native JSON and text form round trips, LabanEditor JSON round trips, and bad input refused."""

from __future__ import annotations

import json
import os
import random
import warnings
from pathlib import Path

import numpy as np
import pytest

from laban.errors import ScoreFileError
from laban.formats import load_score, save_score
from laban.formats import labaneditor, text
from laban.formats.json import uniform_tempo
from laban.score import Column, Direction, Level, Score, Sign, Symbol, overlapping
from laban.skeleton import BodyPart
from laban.timing import BeatGrid

C, D, L = Column, Direction, Level
ARM_AND_HEAD = list(labaneditor.PARTS.values())


def sym(start: float, column: Column, duration: float, direction: Direction, level: Level) -> Symbol:
    return Symbol(start, column, duration, Sign.DIRECTION, direction, level)


def turn(start: float, column: Column, duration: float, amount: float) -> Symbol:
    return Symbol(start, column, duration, Sign.TURN, turn=amount)


def hold(start: float, column: Column, duration: float) -> Symbol:
    return Symbol(start, column, duration, Sign.HOLD)


def flight(start: float, duration: float) -> Symbol:
    return Symbol(start, C.CENTRE, duration, Sign.FLIGHT)


def full_score() -> Score:
    """Every column and sign, an upbeat, a grid offset from zero, starts and durations in thirds and quarters."""
    grid = BeatGrid(BeatGrid.uniform(112.5, 12.0, offset=0.067).times, 3, 1)
    starting = [sym(0.0, c, 0.0, D.PLACE, L.LOW if "arm" in c.value else L.MIDDLE) for c in Column]
    directions = [sym(1.0 + i / 2, c, 1.0, d, lv)
                  for i, (c, d, lv) in enumerate(zip(Column, list(Direction) * 2, list(Level) * 4))]
    return Score(grid, directions + [
        hold(0.0, C.HEAD, 1.0),
        flight(2.25, 0.5),
        turn(3.0, C.SUPPORT_RIGHT, 0.75, 0.5),  # the turn right after its step, back to back
        turn(4 + 1 / 3, C.SUPPORT_LEFT, 2 / 3, -0.25),
        turn(5.0, C.CENTRE, 1 / 3, 1.25),
        turn(6.1, C.TORSO, 0.1, 1 / 3),
        hold(7.0, C.SUPPORT_LEFT, 2.0),
        sym(9.125, C.LEG_RIGHT, 0.0, D.RIGHT_BACKWARD, L.HIGH),
    ], starting, "05_02 dance - expressive arms, pirouette #2")


def nonuniform_score() -> Score:
    rng = random.Random(7)
    times = [0.3]
    for _ in range(15):
        times.append(times[-1] + rng.uniform(0.4, 0.7))
    return Score(BeatGrid(tuple(times), 4, 0), [
        sym(0.0, C.SUPPORT_LEFT, 1.0, D.FORWARD, L.LOW),
        sym(1.0, C.SUPPORT_RIGHT, 1.0, D.FORWARD, L.HIGH),
        turn(2.0, C.SUPPORT_RIGHT, 2.0, -1.0),
        sym(2.0, C.UPPER_ARM_LEFT, 2.0, D.LEFT, L.MIDDLE),
    ], [], "")


def random_score(seed: int) -> Score:
    """Arbitrary floats everywhere: starts, durations and turns that no short number rounds to (one symbol at a
    time in each column)."""
    rng = random.Random(seed)
    per_bar = rng.randint(1, 7)
    if seed % 2:
        times = [rng.uniform(-1.0, 2.0)]
        for _ in range(rng.randint(1, 60)):
            times.append(times[-1] + rng.uniform(0.2, 0.9))
    else:
        times = list(BeatGrid.uniform(rng.uniform(40, 200), rng.uniform(1, 40), offset=rng.uniform(0, 3)).times)
    grid = BeatGrid(tuple(times), per_bar, rng.randrange(per_bar))

    def number(most: float) -> float:
        return rng.choice([rng.uniform(0, most), rng.randrange(int(most) * 12) / rng.choice([1, 2, 3, 4, 6, 12])])

    symbols = []
    for _ in range(40):
        start, duration, column = number(50), number(4), rng.choice(list(Column))
        sign = rng.choice(list(Sign))
        if sign is Sign.DIRECTION:
            symbols.append(sym(start, column, duration, rng.choice(list(Direction)), rng.choice(list(Level))))
        elif sign is Sign.TURN:
            symbols.append(turn(start, column, duration, rng.choice([-1, 1]) * (number(3) or 0.5)))
        elif sign is Sign.HOLD:
            symbols.append(hold(start, column, duration))
        else:
            symbols.append(flight(start, duration))
    while pair := overlapping(symbols):  # a column holds one symbol at a time: the readers refuse overlaps
        symbols.pop(pair[1])
    return Score(grid, symbols, [sym(0.0, C.HEAD, 0.0, D.FORWARD, L.MIDDLE)], f"random {seed}")


SCORES = {"full": full_score, "nonuniform": nonuniform_score, "empty": lambda: Score(BeatGrid((0.0, 1.0)))}
SCORES |= {f"random{seed}": (lambda seed=seed: random_score(seed)) for seed in range(8)}


# Native JSON and text form

@pytest.mark.filterwarnings("ignore:.*past the grid's last beat")  # random scores run on past their grids
@pytest.mark.filterwarnings("ignore:.*empty bars before it")  # and rest longer than dances do
@pytest.mark.parametrize("suffix", [".json", ".laban", ".txt"])
@pytest.mark.parametrize("name", SCORES)
def test_round_trip_gives_an_equal_score(tmp_path: Path, name: str, suffix: str) -> None:
    score = SCORES[name]()
    path = tmp_path / f"score{suffix}"
    score.save(path)
    assert Score.load(path) == score
    if suffix == ".json":
        assert json.loads(path.read_text())["version"] == 1
    else:
        assert path.read_text().startswith("# motiongpt score, text form v1\n")


def test_json_stores_a_steady_grid_compactly_only_when_exact(tmp_path: Path) -> None:
    steady = Score(BeatGrid.uniform(112.5, 30.0, offset=0.067))
    save_score(steady, tmp_path / "steady.json")
    grid = json.loads((tmp_path / "steady.json").read_text())["grid"]
    assert grid == {"tempo": 112.5, "beats": steady.grid.beat_count, "offset": 0.067,
                    "beats_per_bar": 4, "downbeat": 0}

    times = steady.grid.times[:-1] + (steady.grid.times[-1] + 1e-9,)  # one beat a nanosecond late
    uneven = Score(BeatGrid(times))
    assert uniform_tempo(uneven.grid) is None
    save_score(uneven, tmp_path / "uneven.json")
    assert json.loads((tmp_path / "uneven.json").read_text())["grid"]["times"] == list(times)
    assert load_score(tmp_path / "uneven.json") == uneven


def test_json_leaves_out_null_fields(tmp_path: Path) -> None:
    save_score(full_score(), tmp_path / "s.json")
    symbols = json.loads((tmp_path / "s.json").read_text())["symbols"]
    signs = {s["sign"]: set(s) for s in symbols}
    assert signs["direction"] == {"column", "start", "duration", "sign", "direction", "level"}
    assert signs["turn"] == {"column", "start", "duration", "sign", "turn"}
    assert signs["hold"] == signs["flight"] == {"column", "start", "duration", "sign"}


def test_text_form_as_written() -> None:
    score = Score(BeatGrid(BeatGrid.uniform(120, 5.0).times, 4, 1), [
        hold(0.0, C.HEAD, 1.0),
        sym(1.0, C.SUPPORT_LEFT, 1.0, D.FORWARD, L.MIDDLE),
        sym(1.0, C.UPPER_ARM_RIGHT, 2.0, D.RIGHT, L.HIGH),
        turn(2.5, C.SUPPORT_RIGHT, 1.0, 0.5),
        flight(3.0, 0.5),
        sym(3 + 1 / 3, C.FOREARM_LEFT, 2 / 3, D.LEFT_FORWARD, L.LOW),
        turn(5.25, C.CENTRE, 1.5, -1.25),
    ], [sym(0.0, C.SUPPORT_LEFT, 0.0, D.PLACE, L.MIDDLE)], "  spaced title")
    assert text.dumps(score) == """\
# motiongpt score, text form v1
title: "  spaced title"
tempo: 120.0
beats: 11
meter: 4/4
upbeat: 1

start
  support-left     place middle

bar 0
  4      head             hold              1

bar 1
  1      support-left     forward middle    1
  1      upper-arm-right  right high        2
  2.5    support-right    turn +1/2         1
  3      centre           flight            0.5
  3+1/3  forearm-left     left-forward low  2/3

bar 2
  1.25   centre           turn -1 1/4       1.5
"""


HAND_WRITTEN = """\
# a hand-written phrase in 3/4 with an upbeat
title: Pas de deux #2
tempo: 120
meter: 3/4
upbeat: 1

start
  support-L      place mid
  support-R      place normal
  upper-arm-l    place low      # arms hang

bar 0
  3       centre       flight     1/2
bar 1
  1       support-l    F middle   1
  1       UPPER-ARM-R  R high     2
  2.5     support-r    turn +1/2  1/2

  3+1/3   head         L-F low    2/3
bar 2
  1       center       turn -1 1/4  1+1/2
  2       head         hold       1
"""


def test_hand_written_text_parses_to_the_expected_score() -> None:
    score = text.loads(HAND_WRITTEN)
    assert score.title == "Pas de deux #2"
    assert score.grid == BeatGrid(tuple(0.5 * i for i in range(7)), 3, 1)  # beats enough for the last symbol
    assert score.starting_position == [sym(0.0, C.SUPPORT_LEFT, 0.0, D.PLACE, L.MIDDLE),
                                       sym(0.0, C.SUPPORT_RIGHT, 0.0, D.PLACE, L.MIDDLE),
                                       sym(0.0, C.UPPER_ARM_LEFT, 0.0, D.PLACE, L.LOW)]
    assert score.symbols == [
        flight(0.0, 0.5),
        sym(1.0, C.SUPPORT_LEFT, 1.0, D.FORWARD, L.MIDDLE),
        sym(1.0, C.UPPER_ARM_RIGHT, 2.0, D.RIGHT, L.HIGH),
        turn(2.5, C.SUPPORT_RIGHT, 0.5, 0.5),
        sym(10 / 3, C.HEAD, 2 / 3, D.LEFT_FORWARD, L.LOW),
        turn(4.0, C.CENTRE, 1.5, -1.25),
        hold(5.0, C.HEAD, 1.0),
    ]
    assert text.loads(text.dumps(score)) == score


def test_text_beat_times_go_on_over_indented_lines() -> None:
    score = text.loads("beat times: 0.0 0.52\n  1.05 1.5  # comment\n\n  2.25\nmeter: 2/4\nbar 2\n 1 head hold 1\n")
    assert score.grid == BeatGrid((0.0, 0.52, 1.05, 1.5, 2.25), 2, 0)
    assert score.symbols == [hold(2.0, C.HEAD, 1.0)]


def test_title_with_line_breaks_round_trips() -> None:
    score = Score(BeatGrid((0.0, 0.5)), title='"Quoted"\nsecond line\t')
    assert text.loads(text.dumps(score)) == score



# One symbol at a time in a column

PHRASE = """\
tempo: 120
meter: 4/4

bar 1
  1       support-left     forward middle   1
  2       support-left     turn +1/4        1      # the turn right after its step: touching, not overlapping
  1       upper-arm-left   left middle      2
  3       centre           flight           1/2
  3       centre           turn +1/2        1/2    # a turn in the air stands beside the flight
  3       torso            forward high     0
  3       torso            forward high     0      # restated at one beat: one state said twice
  3       torso            left middle      1      # and a movement from that beat on
"""


def test_a_column_reads_one_way_but_touching_restated_and_turns_in_the_air_are_fine(tmp_path: Path) -> None:
    score = text.loads(PHRASE)
    assert len(score.symbols) == 8
    for suffix in (".laban", ".json"):
        score.save(tmp_path / f"s{suffix}")
        assert Score.load(tmp_path / f"s{suffix}") == score


@pytest.mark.parametrize("added, named", [
    ("  2       upper-arm-left   right high       2",  # a second gesture before the first has arrived
     ["upper-arm-left right high (bar 1, beat 2, length 2)", "left middle on line 7 (bar 1, beat 1, length 2)"]),
    ("  2.5     support-left     hold             1",  # a hold in the middle of the turn
     ["support-left hold (bar 1, beat 2.5, length 1)", "turn +1/4 on line 6 (bar 1, beat 2, length 1)"]),
    ("  3.25    centre           flight           1/2",  # two flights at once, not a flight and its turn
     ["centre flight (bar 1, beat 3.25, length 1/2)", "flight on line 8 (bar 1, beat 3, length 1/2)"]),
    ("  3.5     torso            right high       0",  # an instant inside a movement of the torso
     ["torso right high (bar 1, beat 3.5, length 0)", "left middle on line 13 (bar 1, beat 3, length 1)"]),
])
def test_overlapping_symbols_in_a_column_are_refused_naming_both(tmp_path: Path, added: str,
                                                                 named: list[str]) -> None:
    lines = PHRASE.splitlines()
    lines.insert(8, added)  # line 9, among the bar's rows: the beats tell an overlap, not the order of the lines
    path = tmp_path / "s.laban"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ScoreFileError) as caught:
        load_score(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}:9: ") and "one symbol at a time" in message
    for part in named:
        assert part in message, (part, message)


def test_json_refuses_overlapping_symbols_naming_both(tmp_path: Path) -> None:
    score = text.loads(PHRASE)
    path = tmp_path / "s.json"
    score.save(path)
    data = json.loads(path.read_text())
    arm = next(i for i, s in enumerate(data["symbols"]) if s["column"] == "upper-arm-left")
    data["symbols"].append(dict(data["symbols"][arm], start=1.5, direction="right", level="high"))
    path.write_text(json.dumps(data))
    with pytest.raises(ScoreFileError) as caught:
        load_score(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: symbols[{len(data['symbols']) - 1}]: ")
    assert f"upper-arm-left right high (beats 1.5 to 3.5) overlaps symbols[{arm}], left middle (beats 0 to 2)" \
        in message


def test_overlaps_are_not_told_by_order_or_float_rounding() -> None:
    """The check reads beats, not the order of the list; symbols that meet within float rounding of a shifted
    score (1e-12 beat) touch."""
    a = sym(0.0, C.HEAD, 1.0 + 1e-12, D.FORWARD, L.LOW)
    b = sym(1.0, C.HEAD, 1.0, D.LEFT, L.LOW)
    c = sym(0.5, C.HEAD, 1.0, D.RIGHT, L.LOW)
    assert overlapping([b, a]) is None
    assert overlapping([b, c, a]) == (2, 1)  # a starts first; c starts while it runs
    assert overlapping([turn(0.0, C.CENTRE, 1.0, 0.5), flight(0.25, 0.5), turn(0.5, C.CENTRE, 1.0, -0.5)]) == (0, 2)


def test_tokenized_and_edited_scores_never_overlap(trials) -> None:
    """The tokenizer and the score algebra write one symbol at a time per column: their scores load back."""
    import laban
    from laban import algebra
    from laban.analysis import WORKING_FPS

    scores = [laban.tokenize(laban.read_bvh(trials[name].path, frame_rate=trials[name].fps, max_fps=WORKING_FPS))
              for name in ("05_02", "61_02")]
    walk, salsa = scores
    edited = [algebra.concatenate(walk, salsa), algebra.repeat(walk, 2, 1, 2), algebra.mirror(salsa),
              algebra.splice(salsa, 2, 3, walk, 1), algebra.cut(salsa, 2, 4), algebra.rotate_front(walk, 0.25)]
    for score in scores + edited:
        assert overlapping(score.symbols) is None
        assert text.loads(text.dumps(score)) == score


@pytest.mark.parametrize(("grid", "said"), [("tempo: 120\nbeats: 5", "3: beats: 5"),
                                            ("beat times: 0 0.5 1 1.5\n  2", "2: beat times: 5 beats")])
def test_a_grid_that_ends_before_its_symbols_is_read_as_written_and_said(tmp_path, grid, said) -> None:
    """Symbols past the last beat a header gives are kept, timed at the grid's last beat interval as everywhere
    (laban.timing), and a warning names the header's line, the grid's last beat and the symbol's line (the file
    was read without a word, as if the count covered them). Where the count covers them, nothing is said."""
    lines = f"title: short\n{grid}\n\nbar 1\n  1  support-left  forward middle  1\nbar 2\n  3  support-right  " \
            f"forward middle  1+1/2\n"
    (tmp_path / "dance.laban").write_text(lines)
    with pytest.warns(UserWarning, match=rf"dance\.laban:{said}, the last on bar 2 beat 1, but the symbol on line 8 "
                                         rf"ends on bar 2 beat 4\.5: past the grid's last beat the symbols keep its "
                                         rf"last beat interval \(0\.5 s\)$"):
        score = Score.load(tmp_path / "dance.laban")
    assert score.grid.beat_count == 5 and score.duration == 7.5
    assert score.grid.beats_to_seconds(7.5) == pytest.approx(3.75)  # the last interval, 0.5 s, goes on
    enough = lines.replace("beats: 5", "beats: 9").replace("  2\n", "  2 2.5 3 3.5 4\n")  # to beat 8 >= 7.5
    (tmp_path / "enough.laban").write_text(enough)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Score.load(tmp_path / "enough.laban").grid.beat_count == 9


def test_a_take_longer_than_its_music_is_written_and_read_back(trials, tmp_path) -> None:
    """The tokenizer writes a take danced on past its music's end on the music's grid (what ``tokenize --music``
    does with a song shorter than the take): its file is read back equal, with the warning, never refused."""
    import laban
    from laban.analysis import WORKING_FPS

    motion = laban.read_bvh(trials["05_02"].path, frame_rate=trials["05_02"].fps, max_fps=WORKING_FPS)
    score = laban.tokenize(motion, grid=laban.beat_grid(bpm=120.0, seconds=4.0))  # 4 s of music, a 9 s take
    assert max(s.end for s in score.symbols) > score.grid.beat_count - 1
    score.save(tmp_path / "take.laban")
    with pytest.warns(UserWarning, match=r"take\.laban:\d+: beats: 9, the last on bar 3 beat 1, but the symbol"):
        assert Score.load(tmp_path / "take.laban") == score


def test_a_bar_number_typed_far_too_high_is_said_and_the_score_read_as_written(tmp_path) -> None:
    """A hand edit's 'bar 99999' for 'bar 2' makes the example a score of days (describe wrote 50,000 phrases of
    it, silently): a warning names the line and the empty bars. A rest a dance may hold, and the shipped corpus's
    rests, pass unremarked."""
    example = (Path(__file__).parents[1] / "examples" / "first_phrase.laban").read_text()
    (tmp_path / "typo.laban").write_text(example.replace("\nbar 2\n", "\nbar 99999\n"))
    line = example.splitlines().index("bar 2") + 1
    with pytest.warns(UserWarning, match=rf"typo\.laban:{line}: bar 99999 comes after bar 1 with 99997 empty bars"):
        score = Score.load(tmp_path / "typo.laban")
    assert max(s.end for s in score.symbols) > 99997 * 4  # read as written
    (tmp_path / "rest.laban").write_text(example.replace("\nbar 2\n", "\nbar 34\n"))  # 32 bars of rest
    corpus = sorted((Path(__file__).parents[1] / "corpus" / "cmu" / "scores").glob("*.laban"))[:20]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for path in [tmp_path / "rest.laban", *corpus]:
            Score.load(path)


# LabanEditor JSON

def position(ms: int, head=("Forward", "Normal"), re=("Place", "Low"), rw=("Place", "Low"),
             le=("Place", "Low"), lw=("Place", "Low"), rotation="0") -> dict:
    return {"start time": [str(ms)], "duration": ["1"], "head": list(head), "right elbow": list(re),
            "right wrist": list(rw), "left elbow": list(le), "left wrist": list(lw),
            "rotation": ["ToLeft", rotation]}


def keyframes(data: dict) -> list[tuple[float, dict]]:
    """(start time in ms, pose) of each Position, in Position order."""
    (body,) = data.values()
    ordered = sorted(body.items(), key=lambda item: int(item[0].removeprefix("Position")))
    return [(float(p["start time"][0]), {k: p[k] for k in labaneditor.PARTS}) for _, p in ordered]


def assert_same_keyframes(got: list[tuple[float, dict]], expected: list[tuple[float, dict]]) -> None:
    assert [pose for _, pose in got] == [pose for _, pose in expected]
    assert all(abs(a - b) <= 1 for (a, _), (b, _) in zip(got, expected))


# Keyframes on sixteenths at 120 bpm; numbered with a gap as LabanEditor does; Position3 repeats Position2's pose
# and the next change starts from it, so it must come back.
ON_GRID = {"wave": {
    "Position0": position(67),
    "Position1": position(567, re=("Right", "Normal"), rw=("Right", "High")),
    "Position2": position(692, re=("Right", "High"), lw=("Left Forward", "Low")),
    "Position3": position(1067, re=("Right", "High"), lw=("Left Forward", "Low")),
    "Position4": position(1567, head=("Left", "High"), re=("Right", "High"), lw=("Place", "High")),
    "Position306": position(2317, le=("Backward", "Low")),
}}


def test_labaneditor_file_round_trips_through_a_score(tmp_path: Path) -> None:
    source = tmp_path / "wave.json"
    source.write_text(json.dumps(ON_GRID))
    score = load_score(source)  # sniffed as LabanEditor by its shape
    assert score.title == "wave" and score.grid.times[0] == 0.067 and score.tempo == pytest.approx(120)
    assert len(score.starting_position) == 5
    assert sym(0.0, C.UPPER_ARM_RIGHT, 1.0, D.RIGHT, L.MIDDLE) in score.symbols
    # LabanEditor's neutral head ["Forward", "Normal"] is the upright head, place high: at the start and when
    # Position306 brings the head back from left high.
    assert sym(0.0, C.HEAD, 0.0, D.PLACE, L.HIGH) in score.starting_position
    assert sym(3.0, C.HEAD, 1.5, D.PLACE, L.HIGH) in score.symbols
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is left out: the score holds only arm and head directions
        save_score(score, tmp_path / "again.labaneditor.json")
    assert_same_keyframes(keyframes(json.loads((tmp_path / "again.labaneditor.json").read_text())),
                          keyframes(ON_GRID))


def test_labaneditor_head_conventions_are_exchanged_both_ways(tmp_path: Path) -> None:
    # LabanEditor writes its neutral head as forward normal; ours is place high. Both ways, and only the head.
    data = {"nod": {"Position0": position(0), "Position1": position(500, head=("Place", "High")),
                    "Position2": position(1000, rw=("Forward", "Normal"))}}
    score = labaneditor.loads(json.dumps(data))
    assert sym(0.0, C.HEAD, 0.0, D.PLACE, L.HIGH) in score.starting_position
    assert sym(0.0, C.HEAD, 1.0, D.FORWARD, L.MIDDLE) in score.symbols
    assert sym(1.0, C.FOREARM_RIGHT, 1.0, D.FORWARD, L.MIDDLE) in score.symbols
    assert keyframes(json.loads(labaneditor.dumps(score))) == keyframes(data)
    # A score of ours that never places the head, or holds it upright, is written with LabanEditor's neutral head.
    ours = Score(BeatGrid.uniform(120, 1.0), [sym(0.0, C.HEAD, 1.0, D.PLACE, L.HIGH)], [], "")
    assert {tuple(p["head"]) for p in json.loads(labaneditor.dumps(ours))["score"].values()} == {("Forward", "Normal")}


def test_a_labaneditor_score_decodes_with_the_head_up() -> None:
    from laban import decode

    data = {"arms": {"Position0": position(0), "Position1": position(1000, re=("Right", "Normal")),
                     "Position2": position(2000, le=("Left", "Normal"))}}
    motion = decode(labaneditor.loads(json.dumps(data)))
    traj = motion.trajectories()
    parts = motion.skeleton.parts
    neck_to_head = traj.part(BodyPart.HEAD) - traj.positions[:, parts[BodyPart.NECK]]
    up = neck_to_head[:, 1] / np.linalg.norm(neck_to_head, axis=1)
    assert up.min() > np.cos(np.radians(30))  # upright, not bowed into the chest


def test_labaneditor_times_kept_exactly_without_quantising() -> None:
    times = [66, 233, 516, 866, 2983, 3283, 3400, 4133]
    poses = [("Place", "Low"), ("Right", "Normal"), ("Forward", "High"), ("Forward", "High"),
             ("Right Forward", "High"), ("Left Forward", "Normal"), ("Place", "High"), ("Backward", "Low")]
    data = {"capture": {f"Position{i}": position(ms, rw=pose, lw=poses[-1 - i])
                        for i, (ms, pose) in enumerate(zip(times, poses))}}
    score = labaneditor.loads(json.dumps(data), tempo=97.0, subdivision=None)
    assert_same_keyframes(keyframes(json.loads(labaneditor.dumps(score))), keyframes(data))


def keyframe_aligned_score(seed: int) -> Score:
    """Arm and head directions only, each running from one keyframe to the next: what LabanEditor can say."""
    rng = random.Random(seed)
    poses = {c: (rng.choice(list(Direction)), rng.choice(list(Level))) for c in ARM_AND_HEAD}
    starting = [sym(0.0, c, 0.0, *poses[c]) for c in ARM_AND_HEAD]
    symbols, beat = [], 0.0
    for _ in range(12):
        step = rng.choice([0.25, 0.5, 0.75, 1.0, 1.5, 2.0])
        for column in rng.sample(ARM_AND_HEAD, rng.randint(1, 3)):
            new = poses[column]
            while new == poses[column]:
                new = (rng.choice(list(Direction)), rng.choice(list(Level)))
            symbols.append(sym(beat, column, step, *new))
            poses[column] = new
        beat += step
    return Score(BeatGrid.uniform(120, beat * 60 / 120), symbols, starting, f"aligned {seed}")


@pytest.mark.parametrize("seed", range(6))
def test_keyframe_aligned_score_round_trips_through_labaneditor(tmp_path: Path, seed: int) -> None:
    score = keyframe_aligned_score(seed)
    save_score(score, tmp_path / "s.labaneditor.json")
    assert load_score(tmp_path / "s.labaneditor.json") == score


def test_labaneditor_export_writes_keyframes_and_counts_what_it_leaves_out() -> None:
    score = Score(BeatGrid.uniform(120, 2.0), [
        sym(1.0, C.UPPER_ARM_RIGHT, 1.0, D.FORWARD, L.HIGH),
        sym(1.5, C.FOREARM_RIGHT, 0.5, D.RIGHT_FORWARD, L.MIDDLE),
        sym(0.0, C.SUPPORT_LEFT, 1.0, D.FORWARD, L.MIDDLE),
        hold(2.0, C.HEAD, 1.0),
    ], [sym(0.0, C.HEAD, 0.0, D.LEFT, L.LOW), sym(0.0, C.SUPPORT_LEFT, 0.0, D.PLACE, L.MIDDLE)], "")
    with pytest.warns(UserWarning, match="3 of 6 symbols left out"):
        data = json.loads(labaneditor.dumps(score))
    body = data["score"]
    assert [(p["start time"], p["duration"]) for p in body.values()] == [
        (["0"], ["500"]), (["500"], ["250"]), (["750"], ["250"]), (["1000"], ["-1"])]
    assert all(p["rotation"] == ["ToLeft", "0"] and p["head"] == ["Left", "Low"] for p in body.values())
    assert [p["right elbow"] for p in body.values()] == [["Place", "Low"]] * 3 + [["Forward", "High"]]
    assert body["Position3"]["right wrist"] == ["Right Forward", "Normal"]


def test_labaneditor_import_quantises_and_merges_with_warnings() -> None:
    # At 120 bpm a sixteenth is 125 ms: 140 and 170 ms both round to beat 1/4, 1010 ms to beat 2.
    data = {"q": {"Position0": position(1), "Position1": position(140, head=("Right", "Normal")),
                  "Position2": position(170, head=("Left", "Normal"), rotation="30"),
                  "Position3": position(1010, head=("Left", "Normal"), rw=("Forward", "Normal"))}}
    with pytest.warns(UserWarning) as caught:
        score = labaneditor.loads(json.dumps(data))
    assert sorted(str(w.message).split(": ", 1)[1] for w in caught) == [
        "1 LabanEditor positions fell on the same 1/4 beat as the one before and were merged into it",
        "1 LabanEditor positions have a non-zero rotation, which a score cannot carry; ignored"]
    assert score.symbols == [sym(0.0, C.HEAD, 0.25, D.LEFT, L.MIDDLE),
                             sym(0.25, C.FOREARM_RIGHT, 1.75, D.FORWARD, L.MIDDLE)]


# Choosing the format and writing safely

def test_format_follows_the_name_unless_given(tmp_path: Path) -> None:
    score = keyframe_aligned_score(0)
    save_score(score, tmp_path / "a.txt")
    save_score(score, tmp_path / "a.labaneditor.json")
    save_score(score, tmp_path / "b.json", format="text")
    assert (tmp_path / "a.txt").read_text() == (tmp_path / "b.json").read_text() == text.dumps(score)
    assert "Position0" in json.loads((tmp_path / "a.labaneditor.json").read_text())[score.title]
    assert load_score(tmp_path / "b.json", format="text") == score
    with pytest.raises(ScoreFileError, match="cannot tell the score format"):
        save_score(score, tmp_path / "a.yaml")
    with pytest.raises(ScoreFileError, match="unknown score format 'xml'"):
        load_score(tmp_path / "a.txt", format="xml")
    with pytest.raises(TypeError, match="tempo"):
        load_score(tmp_path / "a.txt", tempo=100)


def test_symbols_and_scores_refuse_what_the_notation_does_not_say() -> None:
    with pytest.raises(ValueError, match="hold sign has no direction"):
        Symbol(0.0, C.HEAD, 1.0, Sign.HOLD, D.FORWARD)
    with pytest.raises(ValueError, match="starting-position symbols start at beat 0"):
        Score(BeatGrid((0.0, 1.0)), [], [Symbol(1.0, C.HEAD, 0.0, Sign.DIRECTION, D.FORWARD, L.HIGH)])


def test_a_failed_replace_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "s.json"
    path.write_text("old")

    def refuse(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ScoreFileError, match="s.json: cannot write: Permission denied"):
        save_score(full_score(), path)
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["s.json"]


# Bad input: always ScoreFileError, one line, naming the file and the place

def native(**changes) -> str:
    data = json.loads(json.dumps({
        "format": "motiongpt-score", "version": 1, "title": "t",
        "grid": {"tempo": 120.0, "beats": 8, "offset": 0.0, "beats_per_bar": 4, "downbeat": 0},
        "starting_position": [],
        "symbols": [{"column": "head", "start": 0.0, "duration": 1.0, "sign": "hold"},
                    {"column": "torso", "start": 1.0, "duration": 1.0, "sign": "direction",
                     "direction": "forward", "level": "high"}]}))
    for path, value in changes.items():
        *keys, last = path.split("__")
        target = data
        for key in keys:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if value is KeyError:
            del target[last if isinstance(target, dict) else int(last)]
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return json.dumps(data)


GOOD_TEXT = "tempo: 120\nmeter: 4/4\n\nbar 1\n  1 head hold 1\n"


def labaneditor_file(**changes) -> str:
    body = {"Position0": position(0), "Position1": position(500, head=("Left", "High"))}
    for name, value in changes.items():
        number, field = name.split("__")
        if value is KeyError:
            del body[f"Position{number}"][field.replace("_", " ")]
        else:
            body[f"Position{number}"][field.replace("_", " ")] = value
    return json.dumps({"n": body})


BAD = [
    # native JSON
    ("s.json", "{oops", [":1:2:", "not valid JSON"]),
    ("s.json", '{"version": 1, "symbols": [NaN]}', ["NaN is not a number"]),
    ("s.json", "[1, 2]", ["(top level)", "neither a motiongpt score"]),
    ("s.json", native(version=2), ["version:", "version 2"]),
    ("s.json", native(version="1"), ["version:", "'1' is not a whole number"]),
    ("s.json", native(format="other"), ["format:", "'other'"]),
    ("s.json", native(grid=KeyError), ["(top level):", "missing field 'grid'"]),
    ("s.json", native(colour="red"), ["(top level):", "unknown field 'colour'"]),
    ("s.json", native(title=5), ["title:", "not a string"]),
    ("s.json", native(symbols="none"), ["symbols:", "expected a list"]),
    ("s.json", native(starting_position={}), ["starting_position:", "expected a list"]),
    ("s.json", native(symbols__0=3), ["symbols[0]:", "expected an object"]),
    ("s.json", native(symbols__1__column=KeyError), ["symbols[1]:", "missing field 'column'"]),
    ("s.json", native(symbols__1__colour="x"), ["symbols[1]:", "unknown field 'colour'"]),
    ("s.json", native(symbols__1__column="tail"), ["symbols[1].column:", "'tail' is not a column"]),
    ("s.json", native(symbols__1__direction="up"), ["symbols[1].direction:", "'up' is not a direction"]),
    ("s.json", native(symbols__1__level="medium"), ["symbols[1].level:", "'medium' is not a level"]),
    ("s.json", native(symbols__1__level=KeyError), ["symbols[1]:", "needs a direction and a level"]),
    ("s.json", native(symbols__0__sign="jump"), ["symbols[0].sign:", "'jump' is not a sign"]),
    ("s.json", native(symbols__0__sign="flight"), ["symbols[0]:", "flight is written in the centre column"]),
    ("s.json", native(symbols__0__sign="turn", symbols__0__turn=0), ["symbols[0]:", "non-zero amount"]),
    ("s.json", native(symbols__1__duration=-1), ["symbols[1].duration:", "-1.0 is negative"]),
    ("s.json", native(symbols__1__start="1"), ["symbols[1].start:", "'1' is not a number"]),
    ("s.json", native(symbols__1__start=True), ["symbols[1].start:", "True is not a number"]),
    ("s.json", native(symbols__1__start=10 ** 400), ["symbols[1].start:", "not a finite number"]),
    ("s.json", native(grid={"times": [0.0, 0.5, 0.4]}), ["grid.times[2]:", "beat time 0.4 s does not come after"]),
    ("s.json", native(grid={"times": [0.0]}), ["grid.times:", "at least two"]),
    ("s.json", native(grid={"tempo": -5, "beats": 8}), ["grid.tempo:", "-5 is not a tempo from 1 to 1000"]),
    ("s.json", native(grid={"tempo": 1e308, "beats": 8}), ["grid.tempo:", "is not a tempo from 1 to 1000"]),
    ("s.json", native(grid={"tempo": 120, "beats": 1}), ["grid.beats:", "1 is not a whole number"]),
    ("s.json", native(grid={"tempo": 120}), ["grid:", "missing field 'beats'"]),
    ("s.json", native(grid__downbeat=4), ["grid.downbeat:", "4 is not a beat index"]),
    ("s.json", native(grid__beats_per_bar=0), ["grid.beats_per_bar:", "0 is not a whole number"]),
    # text form
    ("s.laban", GOOD_TEXT + "  2 support-left forward middle\n", [":6:", "'middle'", "duration in beats"]),
    ("s.laban", GOOD_TEXT + "  2 head forward\n", [":6:", "expected '<beat> <column> <what> <duration>'"]),
    ("s.laban", GOOD_TEXT + "  2 tail hold 1\n", [":6:", "'tail' is not a column"]),
    ("s.laban", GOOD_TEXT + "  2 head up high 1\n", [":6:", "'up' is not a direction"]),
    ("s.laban", GOOD_TEXT + "  2 head up 1\n", [":6:", "expected a direction and a level"]),
    ("s.laban", GOOD_TEXT + "  2 head hold forward 1\n", [":6:", "nothing goes between hold"]),
    ("s.laban", GOOD_TEXT + "  2 head turn 0 1\n", [":6:", "non-zero amount"]),
    ("s.laban", GOOD_TEXT + "  2 head turn half 1\n", [":6:", "'half'"]),
    ("s.laban", GOOD_TEXT.replace("bar 1", "bar 99999999999"), [":5:", "bar 99999999999 beat 1", "beyond the 1000000"]),
    ("s.laban", GOOD_TEXT + "  2 support-left turn 99999999 1\n", [":6:", "more than the 64 whole turns"]),
    ("s.laban", "# motiongpt score, text form v9\n" + GOOD_TEXT, [":1:", "reads text form v1"]),
    ("s.laban", GOOD_TEXT.replace("tempo: 120", "tempo: 1e308"), [":1:", "is not a tempo from 1 to 1000"]),
    ("s.json", native(symbols=[{"column": "head", "start": 1e12, "duration": 1.0, "sign": "hold"}]),
     ["symbols[0]:", "beyond the 1000000 beats"]),
    ("s.json", native(symbols=[{"column": "head", "start": 0, "duration": 10 ** 400, "sign": "hold"}]),
     ["symbols[0].duration:", "10000000000000000000... (401 characters) is not a finite number"]),  # not in full
    ("s.laban", GOOD_TEXT + "  2 head flight 1\n", [":6:", "flight is written in the centre column"]),
    ("s.laban", GOOD_TEXT + "  5 head hold 1\n", [":6:", "beat 5 is not in a bar of 4 beats"]),
    ("s.laban", GOOD_TEXT + "  2 head hold -1\n", [":6:", "duration -1 is negative"]),
    ("s.laban", GOOD_TEXT + "  2 head hold 1/0\n", [":6:", "'1/0'"]),
    ("s.laban", GOOD_TEXT + "bar 1\n", [":6:", "bar 1 after bar 1"]),
    ("s.laban", GOOD_TEXT + "bar two\n", [":6:", "expected 'bar <n>'"]),
    ("s.laban", GOOD_TEXT + "title: later\n", [":6:", "come before 'start' and the bars"]),
    # a change of meter or tempo among the bars: the grid has one meter, and its tempo only in its beat times
    ("s.laban", GOOD_TEXT + "meter: 3/4\nbar 5\n  1 head hold 1\n", [":6:", "'meter: 3/4' after bar 1",
                                                                    "a score keeps one meter, the header's"]),
    ("s.laban", GOOD_TEXT + "tempo: 100\n", [":6:", "'tempo: 100' after bar 1", "written there as 'beat times:'"]),
    ("s.laban", GOOD_TEXT + "start\n", [":6:", "'start' comes once"]),
    ("s.laban", "tempo: 120\nbar 0\n  4 head hold 1\n", [":3:", "comes before the first beat", "no upbeat: add"]),
    ("s.laban", "tempo: 120\nupbeat: 1\nbar 0\n  1 head hold 1\n",  # an upbeat added, counted from 1
     [":4:", "bar 0 beat 1 comes before the first beat (the upbeat is bar 0's last 1 beat, from beat 4)"]),
    ("s.laban", "tempo: 120\nstart\n  1 head hold 1\n", [":3:", "belongs under a 'bar <n>' heading"]),
    ("s.laban", "tempo: 120\ntempi: 100\n", [":2:", "expected a header line"]),
    ("s.laban", "tempo: 120\ntempo: 100\n", [":2:", "'tempo' given twice (first on line 1)"]),
    ("s.laban", "tempo: fast\n", [":1:", "'fast'"]),
    ("s.laban", "tempo: 0\n", [":1:", "tempo: 0 is not a tempo from 1 to 1000 beats per minute"]),
    ("s.laban", "tempo: 120\nbeats: 1\n", [":2:", "beats:"]),
    ("s.laban", "meter: 4/4\n", ["header:", "no tempo"]),
    ("s.laban", "tempo: 120\nmeter: four\n", [":2:", "meter:"]),
    ("s.laban", "tempo: 120\nupbeat: 4\n", [":2:", "shorter than a bar of 4"]),
    ("s.laban", 'title: "open\ntempo: 120\n', [":1:", "JSON string"]),
    ("s.laban", 'tempo: 120\ntitle: "a\\ud800"\n', [":2:", "not halves of a pair"]),  # else saved by no command
    ("s.laban", "beat times: 0.0 0.5\n  1.0 0.9\n", [":2:", "beat time 0.9 s does not come after"]),
    ("s.laban", "beat times: 0.0\n", [":1:", "at least two beats"]),
    ("s.laban", "beat times: 0.0 1.0\ntempo: 120\n", [":2:", "either beat times or tempo"]),
    # a choreographer's slips in a text editor: every one names its own line, in a line a person can read
    ("s.laban", GOOD_TEXT + "  2 head hold 1e300\n", [":6:", "lasting 1e300", "beyond the 1000000 beats"]),
    ("s.laban", GOOD_TEXT + "  2 head hold 1e999\n", [":6:", "1e999 is too large"]),
    ("s.laban", GOOD_TEXT + "  2 head hold " + "1" * 5000 + "\n",
     [":6:", "'11111111111111111111'... (5000 characters)"]),
    ("s.laban", GOOD_TEXT + "bar " + "2" * 5000 + "\n", [":6:", "expected 'bar <n>'", "(5004 characters)"]),
    ("s.laban", GOOD_TEXT.replace("meter: 4/4", "meter: " + "4" * 5000), [":2:", "meter:", "characters"]),
    ("s.laban", GOOD_TEXT + "  2 head turn 1 1/" + "3" * 5000 + " 1\n", [":6:", "a fraction of a turn"]),
    ("s.laban", GOOD_TEXT + "bar \u00b2\n", [":6:", "expected 'bar <n>'"]),  # the key left of 1 on AZERTY
    ("s.laban", "tempo: 120\nbeats: 3\u00b2\n", [":2:", "beats:"]),
    ("s.laban", "tempo: 120\nupbeat: \u00b9\n", [":2:", "upbeat:"]),
    ("s.laban", GOOD_TEXT + "  2 forearm-left forward low contraction \u00b3 1\n",
     [":6:", "contraction needs its degree"]),
    ("s.laban", GOOD_TEXT + "  2 support-left forward middle large \u00b2 1\n", [":6:", "large takes a count"]),
    ("s.laban", "tempo: 120\nbeats: 8\nfirst beat: 1e308\n", [":3:", "finite and strictly increasing"]),
    # LabanEditor JSON
    ("s.labaneditor.json", labaneditor_file(**{"1__left_wrist": KeyError}),
     ["n.Position1:", "missing field 'left wrist'"]),
    ("s.labaneditor.json", labaneditor_file(**{"0__head": ["Up", "Normal"]}),
     ["n.Position0.head:", "'Up' is not a LabanEditor direction"]),
    ("s.labaneditor.json", labaneditor_file(**{"1__right_elbow": ["Place", "Medium"]}),
     ["n.Position1.right elbow:", "'Medium' is not a LabanEditor level"]),
    ("s.labaneditor.json", labaneditor_file(**{"1__head": "Forward"}),
     ["n.Position1.head:", "expected a list of 2 strings"]),
    ("s.labaneditor.json", labaneditor_file(**{"1__start_time": ["0"]}),
     ["n.Position1.start time:", "0 ms is not after the position before it (0 ms)"]),
    ("s.labaneditor.json", labaneditor_file(**{"1__start_time": ["soon"]}),
     ["n.Position1.start time:", "'soon' is not a number"]),
    ("s.labaneditor.json", labaneditor_file(**{"0__torso": ["Forward", "Normal"]}),
     ["n.Position0:", "unknown field 'torso'"]),
    ("s.labaneditor.json", labaneditor_file(**{"0__rotation": ["Around", "0"]}),
     ["n.Position0.rotation:", "'Around' is not ToLeft or ToRight"]),
    ("s.labaneditor.json", json.dumps({"n": {"Position1": position(0)}}), ["n:", "missing Position0"]),
    ("s.labaneditor.json", json.dumps({"n": {"Position0": position(0), "Frame3": {}}}),
     ["n.Frame3:", "unknown field"]),
    ("s.labaneditor.json", json.dumps({"a": {}, "b": {}}), ["(top level):", "expected one object"]),
    # the file itself
    ("s.json", "", ["empty file"]),
    ("s.laban", "  \n\n", ["empty file"]),
    ("s.json", '{"foo": 1}', ["(top level):", "neither a motiongpt score"]),
]


@pytest.mark.parametrize("name, content, expected", BAD, ids=[f"{n}:{' '.join(e)}" for n, _, e in BAD])
def test_bad_input_raises_score_file_error(tmp_path: Path, name: str, content: str, expected: list[str]) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ScoreFileError) as caught:
        load_score(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and "\n" not in message
    if name.endswith(".laban"):  # short enough to read: a word of 5000 digits is not echoed whole
        assert len(message) < len(str(path)) + 300
    for part in expected:
        assert part in message


def test_unreadable_files_raise_score_file_error(tmp_path: Path) -> None:
    with pytest.raises(ScoreFileError, match="missing.json: cannot read: No such file"):
        load_score(tmp_path / "missing.json")
    (tmp_path / "bytes.laban").write_bytes(b"tempo: 120\n\xff\xfe")
    with pytest.raises(ScoreFileError, match="bytes.laban: not UTF-8 text"):
        load_score(tmp_path / "bytes.laban")
    (tmp_path / "folder.json").mkdir()
    with pytest.raises(ScoreFileError, match="folder.json: cannot read"):
        load_score(tmp_path / "folder.json")
    with pytest.raises(ScoreFileError, match="nowhere/s.json: cannot write: no such folder"):
        save_score(full_score(), tmp_path / "nowhere" / "s.json")



def test_a_score_saved_by_windows_notepad_reads_as_written(tmp_path: Path) -> None:
    """Notepad saves with a byte-order mark and CRLF line ends; its "Unicode" choice is UTF-16, which a person
    cannot tell from UTF-8 in the editor. Each reads as the same score; a UTF-16 file with a bad byte is one line."""
    example = Path(__file__).parent.parent / "examples" / "leap_and_turn.laban"
    written = example.read_text(encoding="utf-8").replace("\n", "\r\n")
    expected = load_score(example)
    for encoding in ("utf-8-sig", "utf-16", "utf-16-be"):
        bom = b"\xfe\xff" if encoding == "utf-16-be" else b""
        path = _written_bytes(tmp_path / f"{encoding}.laban", bom + written.encode(encoding))
        assert load_score(path) == expected, encoding
    with pytest.raises(ScoreFileError, match=r"bad.laban: not UTF-16-LE text \(bad byte at offset 4\)$"):
        load_score(_written_bytes(tmp_path / "bad.laban", b"\xff\xfea\x00\x00\xd8"))


def _written_bytes(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


# --- tempo, beat spacing and meter: the ranges the command line takes (--bpm 1 to 1000, --meter 1 to 64) ---------

FAR_OUT = [
    ("s.laban", GOOD_TEXT.replace("tempo: 120", "tempo: 0.05"),
     [":1:", "tempo: 0.05 is not a tempo from 1 to 1000 beats per minute"]),
    ("s.laban", GOOD_TEXT.replace("tempo: 120", "tempo: 1000.5"), [":1:", "from 1 to 1000 beats per minute"]),
    ("s.laban", "beat times: 0 1e-12 2e-12\nbar 1\n  1 head hold 1\n",
     [":1:", "comes 1e-12 s after the previous beat (0 s), faster than 1000 beats per minute"]),
    ("s.laban", "beat times: 0.0 0.5\n  1.0 5000\nbar 1\n  1 head hold 1\n",
     [":2:", "beat time 5000 s comes 4999 s after the previous beat (1 s), slower than 1 beat per minute"]),
    ("s.json", native(grid={"tempo": 0.05, "beats": 8}), ["grid.tempo:", "0.05 is not a tempo from 1 to 1000"]),
    ("s.json", native(grid={"times": [0.0, 1e-12, 2e-12]}), ["grid.times[1]:", "faster than 1000 beats per minute"]),
    ("s.json", native(grid={"times": [0.0, 5000.0]}), ["grid.times[1]:", "slower than 1 beat per minute"]),
    ("s.json", native(grid__beats_per_bar=1000000),
     ["grid.beats_per_bar:", "1000000 is not a whole number from 1 to 64"]),
]


@pytest.mark.parametrize("name, content, expected", FAR_OUT, ids=[f"{n}:{e[-1]}" for n, _, e in FAR_OUT])
def test_scores_refuse_tempi_spacing_and_meters_the_command_line_refuses(tmp_path: Path, name: str, content: str,
                                                                          expected: list[str]) -> None:
    """A score at 0.05 bpm decoded for 25 s into a 214 MB BVH, one at 6e13 bpm was written by tokenize and then
    refused by decode, and a bar of a million beats was drawn: a score file takes what --bpm and --meter take."""
    test_bad_input_raises_score_file_error(tmp_path, name, content, expected)


def test_scores_at_the_edges_of_the_command_lines_tempi_load(tmp_path: Path) -> None:
    """1 and 1000 bpm, beats a minute apart (a beat tracker's gap) and 64 beats a bar are all still scores."""
    from motiongpt.cli import common

    assert common.bpm("1") == 1 and common.bpm("1000") == 1000 and common.meter("64") == 64  # the same ranges
    for text in ("tempo: 1\n", "tempo: 1000\n", "tempo: 120\nmeter: 64/4\n", "beat times: 0 0.06 0.5 60.5 61\n"):
        assert load_score(_written(tmp_path / "s.laban", text + "bar 1\n  1 head hold 1\n")).symbols
    for grid in ({"tempo": 1, "beats": 8}, {"tempo": 1000, "beats": 8}, {"times": [0.0, 0.06, 60.06]},
                 {"tempo": 120, "beats": 8, "beats_per_bar": 64}):
        assert load_score(_written(tmp_path / "s.json", native(grid=grid))).grid.beat_count >= 2


def _written(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_grid_too_slow_for_a_short_tempo_is_written_as_beat_times_not_divided_by_zero() -> None:
    """Beats 1e9 s apart (0.00000006 bpm) rounded to a tempo of 0 and made tokenize fail with ZeroDivisionError."""
    from laban.formats.json import uniform_tempo

    grid = BeatGrid((0.0, 1e9))
    assert uniform_tempo(grid) is None  # no tempo rebuilds it (60 / 6e-08 is not 1e9): its beat times
    assert "beat times:\n  0.0 1000000000.0\n" in text.dumps(Score(grid, [Symbol(0.0, Column.HEAD, 1.0, Sign.HOLD)]))
