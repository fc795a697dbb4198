"""The tokenizer on real motion capture: steps, turns, jumps, readability, musical time, hysteresis."""

from __future__ import annotations

import numpy as np
import pytest

import laban
from laban import BeatGrid, BodyPart, Column, Direction, Sign
from laban.analysis import WORKING_FPS, analyse
from laban.tokenizer import limb_cells

SUPPORTS = (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)


def read(trial) -> laban.Motion:
    """A shared trial at its real frame rate (CMU's listing: 60 fps for the salsa, whose headers say 120)."""
    return laban.read_bvh(trial.path, frame_rate=trial.fps, max_fps=WORKING_FPS)


def steps(score: laban.Score) -> list[laban.Symbol]:
    return [s for s in score.symbols if s.column in SUPPORTS and s.sign is Sign.DIRECTION]


def foot_strikes(motion: laban.Motion) -> int:
    """Foot contacts counted independently of the tokenizer: times a foot's ankle comes down within 3 cm of its
    lowest height and stays for at least 0.1 s."""
    traj = motion.trajectories()
    parts = laban.recognised(motion.skeleton).parts
    count = 0
    for part in (BodyPart.FOOT_LEFT, BodyPart.FOOT_RIGHT):
        height = traj.positions[:, parts[part], 1]
        down = np.concatenate([[False], height < height.min() + 0.03, [False]])
        edges = np.flatnonzero(down[1:] != down[:-1])
        count += int(np.sum(edges[1::2] - edges[::2] >= 0.1 * traj.fps))
    return count


def turned_angle(motion: laban.Motion) -> float:
    """Net rotation of the pelvis about the vertical in degrees, clockwise seen from above, from the raw frames."""
    laban.recognised(motion.skeleton)
    traj = motion.trajectories()
    hips = traj.part(BodyPart.THIGH_RIGHT) - traj.part(BodyPart.THIGH_LEFT)
    heading = np.unwrap(np.arctan2(hips[:, 2], hips[:, 0]))  # the hip line turns with the front
    return float(np.degrees(heading[-1] - heading[0]))


def test_walk_is_alternating_forward_steps_one_per_contact(trials):
    motion = laban.read_bvh(trials["05_01"].path)
    score = laban.tokenize(motion)
    walk = steps(score)
    single = [s.column for s in walk if sum(t.start == s.start for t in walk) == 1]
    alternations = sum(a is not b for a, b in zip(single, single[1:]))
    assert len(single) >= 6 and alternations == len(single) - 1, single
    assert sum(s.direction is Direction.FORWARD for s in walk) >= len(walk) - 3  # the walker stops at the end
    # the take starts mid-stride: its first support is written as the forward step it is, caught in motion
    assert walk[0].start == 0.0 and walk[0].direction is Direction.FORWARD
    # a step onto both feet is one transfer written in two columns; the feet that land after the first frame
    transfers = len({s.start for s in walk if s.start > 0})
    assert abs(transfers - foot_strikes(motion)) <= 1
    assert not any(s.sign is Sign.FLIGHT for s in score.symbols), "a walk has no flight"


@pytest.mark.parametrize("name", ["05_02", "05_10", "60_10"])
def test_a_dancer_standing_still_at_the_start_holds_the_starting_position(trials, name):
    """Takes whose dancer stands still as the capture starts (pelvis under 0.1 m/s) but shifts the weight 10-28 cm
    over the first support: the first support stays a hold; only a take already on its way (0.5 m/s and more,
    ``laban.tokenizer.IN_MOTION``) starts with a step."""
    score = laban.tokenize(laban.read_bvh(trials[name].path))
    first = [s for s in score.symbols if s.column in SUPPORTS and s.start == 0.0]
    assert first and all(s.sign is Sign.HOLD for s in first), first


@pytest.mark.parametrize("name", ["05_02", "05_06", "05_07", "05_08", "05_11", "05_13", "06_10", "06_11"])
def test_turn_signs_add_up_to_the_turned_angle(trials, name):
    motion = laban.read_bvh(trials[name].path)
    score = laban.tokenize(motion)
    notated = 360.0 * sum(s.turn for s in score.symbols if s.sign is Sign.TURN)
    assert abs(notated - turned_angle(motion)) <= 45.0


def test_pirouettes_are_written_as_turns(trials):
    for name in ("05_06", "05_11", "05_13"):  # CMU: "pirouettes", "pirouette"
        score = laban.tokenize(laban.read_bvh(trials[name].path))
        assert max(abs(s.turn) for s in score.symbols if s.sign is Sign.TURN) >= 0.75, name


@pytest.mark.parametrize("name", ["13_11", "13_13", "13_39", "16_01", "16_02", "02_04", "05_06", "01_13", "01_14"])
def test_jumps_appear_as_flight(trials, name):
    score = laban.tokenize(laban.read_bvh(trials[name].path))
    flights = [s for s in score.symbols if s.sign is Sign.FLIGHT]
    assert flights, f"{name} ({trials[name].description}) has no flight"
    # a flight is followed by a landing in the support columns
    last = max(f.end for f in flights)
    assert any(s.column in SUPPORTS and s.start >= last - 0.25 for s in score.symbols) or last >= score.duration - 1


@pytest.mark.parametrize("name", ["13_11", "16_01"])
def test_a_plie_before_a_standing_jump_is_written_on_both_feet(trials, name):
    """CMU's standing jumps sink 18-22 cm on both feet for a beat or more before they fly, the weight staying where
    it is. Labanotation writes that as a support at the low level (a plié); it was a hold (13_11) or a quarter beat
    on one foot (16_01), and the decoder then hardly crouched."""
    motion = laban.read_bvh(trials[name].path)
    laban.recognised(motion.skeleton)
    traj = motion.trajectories()
    score = laban.tokenize(motion)
    flight = min((s for s in score.symbols if s.sign is Sign.FLIGHT), key=lambda s: s.start)
    sunk = traj.part(BodyPart.PELVIS)[:int(score.grid.beats_to_seconds(flight.start) * traj.fps), 1]
    assert sunk[0] - sunk.min() > 0.15  # the capture's own crouch, read from the raw frames
    for column in SUPPORTS:
        low = [s for s in score.symbols if s.column is column and s.sign is Sign.DIRECTION
               and s.level is laban.Level.LOW and flight.start - 2.0 <= s.start < flight.start]
        assert low and max(s.duration for s in low) >= 0.5, (column, low)


def test_a_plie_while_standing_reads_back_where_it_was_written():
    """A level changed on both feet with the weight where it is (decoded from a written ``place low`` between holds)
    is read back as the place low it was, from its beat; standing still is still a hold."""
    from laban.formats.text import loads

    score = loads("tempo: 120\nmeter: 4/4\nstart\n  support-left place middle\n  support-right place middle\n"
                  "bar 1\n  1 support-left hold 2.5\n  1 support-right hold 2.5\n"
                  "  3.5 support-left place low 1.5\n  3.5 support-right place low 1.5\n"
                  "bar 2\n  1 support-left place middle 3\n  1 support-right place middle 3\n")
    back = laban.tokenize(laban.decode(score, seed=0), grid=score.grid)
    for column in SUPPORTS:
        written = [s for s in back.symbols if s.column is column]
        assert written[0].sign is Sign.HOLD and written[0].start == 0.0
        low = [s for s in written if s.sign is Sign.DIRECTION and s.level is laban.Level.LOW]
        assert len(low) == 1 and abs(low[0].start - 2.5) <= 0.25 and low[0].duration >= 1.0, written


def test_floor_is_at_zero_under_planted_feet(trials):
    for name in ("05_01", "05_02", "60_01", "13_11"):
        analysis = analyse(laban.read_bvh(trials[name].path))
        traj = analysis.trajectories
        parts = traj.skeleton.parts
        for foot, (ankle, toe) in enumerate(((BodyPart.FOOT_LEFT, BodyPart.TOES_LEFT),
                                            (BodyPart.FOOT_RIGHT, BodyPart.TOES_RIGHT))):
            joints = [parts[ankle]] + ([parts[toe]] if toe in parts else [])
            lowest = traj.positions[analysis.contacts[:, foot]][:, joints, 1].min(axis=1)
            assert abs(np.median(lowest)) < 0.02, (name, foot)


def test_dance_scores_are_readable(trials):
    """Averaged over the shared dance clips: at most about one symbol per beat per column, none shorter than a
    quarter beat."""
    rates = []
    for trial in trials.values():
        if not trial.is_dance:
            continue
        score = laban.tokenize(read(trial))
        beats = score.duration
        used = {s.column for s in score.symbols}
        rates.append(len(score.symbols) / (beats * max(len(used), 1)))
        assert min(s.duration for s in score.symbols) >= 0.25, trial.name
    assert np.mean(rates) <= 1.0, rates


def test_symbols_sit_on_beat_subdivisions_of_the_given_grid(trials):
    motion = laban.read_bvh(trials["05_02"].path)
    irregular = np.cumsum(np.r_[0.0, 0.5 + 0.1 * np.sin(np.arange(40))])  # a rubato beat grid
    score = laban.tokenize(motion, BeatGrid(tuple(irregular), 3), subdivision=2)
    assert score.grid.beats_per_bar == 3
    edges = np.array([[s.start, s.end] for s in score.symbols])
    assert np.allclose(edges * 2, np.round(edges * 2))
    steady = laban.tokenize(motion, bpm=90)
    assert steady.tempo == pytest.approx(90)
    assert steady.duration == pytest.approx(motion.duration * 1.5, abs=2)


def test_a_grid_finer_than_binary_writes_clean_numbers_into_score_files(trials, tmp_path):
    """``--subdivision 12`` wrote lengths that are differences of twelfths in floats, 0.16666666666666607 for 1/6:
    the text form, having no short number for such a float, wrote it in full, and JSON carried it. Each start and
    length is now the float nearest its twelfths, a fraction in the text form and the grid's own float in JSON."""
    import json
    import re

    score = laban.tokenize(laban.read_bvh(trials["05_02"].path), subdivision=12)
    edges = np.array([[s.start, s.duration] for s in score.symbols])
    assert np.array_equal(edges, np.round(edges * 12) / 12)
    assert any(round(d * 12) % 3 for d in edges[:, 1]), "lengths that are no quarter beat"
    score.save(tmp_path / "score.laban")
    score.save(tmp_path / "score.json")
    bars = (tmp_path / "score.laban").read_text().split("\nbar ", 1)[1]
    numbers = [w for line in bars.splitlines() if line.startswith("  ") for w in (line.split()[0], line.split()[-1])]
    assert numbers and all(re.fullmatch(r"\d+(\+\d+/\d+)?|\d+/\d+|\d+\.\d{1,3}", w) for w in numbers), \
        [w for w in numbers if "." in w and len(w) > 6][:3]
    data = json.loads((tmp_path / "score.json").read_text())
    written = np.array([[s["start"], s["duration"]] for s in data["symbols"]])
    assert np.array_equal(written, np.round(written * 12) / 12)
    for name in ("score.laban", "score.json"):
        assert laban.Score.load(tmp_path / name) == score


def test_salsa_steps_follow_the_pulse(trials):
    """Salsa: steps at the pace of the beat (quick-quick-slow is 6 steps in 8 beats), lead and follow alike."""
    salsa = [t for t in trials.values() if t.subject in ("60", "61")]
    assert len(salsa) == 28
    for trial in salsa:
        score = laban.tokenize(read(trial))
        per_beat = len(steps(score)) / score.duration
        assert 0.6 <= per_beat <= 1.4, (trial.name, per_beat, score.tempo)


def test_hysteresis_keeps_a_hovering_limb_in_one_bin():
    frames = 200
    forward = np.tile([0.0, 0.0, 1.0], (frames, 1))
    right = np.tile([-1.0, 0.0, 0.0], (frames, 1))
    # an arm raised to 22.5° ± 4° above horizontal, right on the middle/high boundary, then clearly high
    elevation = np.radians(np.r_[22.5 + 4 * np.sin(np.arange(frames - 50)), np.full(50, 45.0)])
    vectors = np.stack([np.zeros(frames), np.sin(elevation), np.cos(elevation)], axis=1)
    cells = limb_cells(vectors, forward, right)
    assert len(np.unique(cells[: frames - 50])) == 1
    assert cells[-1] == 0  # forward high
    raw_flips = np.count_nonzero(np.diff(np.degrees(elevation[: frames - 50]) > 22.5))
    assert raw_flips > 10  # without hysteresis it would have flickered


def test_directions_are_judged_from_the_pelvis_not_the_camera():
    frames = 10
    forward = np.tile([1.0, 0.0, 0.0], (frames, 1))  # performer faces +x
    right = np.tile([0.0, 0.0, 1.0], (frames, 1))
    arm = np.tile([0.0, 0.0, 1.0], (frames, 1))  # horizontal, towards the performer's right
    cells = limb_cells(arm, forward, right)
    assert np.all(cells == 2 * 3 + 1)  # right middle


def test_tokenized_scores_round_trip_through_json_and_the_text_form(trials, tmp_path):
    score = laban.tokenize(laban.read_bvh(trials["05_06"].path))
    for name in ("score.json", "score.laban"):
        score.save(tmp_path / name)
        assert laban.Score.load(tmp_path / name) == score


# --- numpy stand-ins for scipy (the tokenizer does not import scipy.signal or scipy.ndimage) ---------------------

def test_reversal_dips_are_exactly_scipy_find_peaks_on_real_limb_speeds(trials, monkeypatch):
    """``_peaks`` replaces ``scipy.signal.find_peaks(x, prominence=, distance=)``: on every limb's speed curve of
    a walk, a jumping dance and a salsa (where the arms reverse constantly) both give the same dips."""
    from scipy.signal import find_peaks

    import laban.tokenizer as tokenizer

    compared = []
    ours = tokenizer._peaks

    def checked(x, prominence, distance):
        dips = ours(x, prominence, distance)
        compared.append((len(dips), np.array_equal(dips, find_peaks(x, prominence=prominence, distance=distance)[0])))
        return dips

    monkeypatch.setattr(tokenizer, "_peaks", checked)
    for name in ("05_01", "61_02", "60_01"):
        laban.tokenize(read(trials[name]))
    assert len(compared) == 3 * 8 and all(same for _, same in compared)
    assert sum(count for count, _ in compared) > 100  # the curves do have dips to find


def test_peaks_match_scipy_on_plateaus_ties_and_edges():
    """Plateaus (a peak at its middle), equal heights (the distance rule's tie order), peaks near the ends and
    signals too short to have any: rounded random signals hit all of them."""
    from scipy.signal import find_peaks

    from laban.tokenizer import _peaks

    rng = np.random.default_rng(7)
    for _ in range(2000):
        x = np.round(rng.normal(size=int(rng.integers(0, 80))) * rng.choice([1.0, 3.0, 60.0]))
        prominence, distance = float(rng.choice([0.0, 1.0, 2.5, 40.0])), int(rng.integers(1, 10))
        assert np.array_equal(_peaks(x, prominence, distance),
                              find_peaks(x, prominence=prominence, distance=distance)[0]), (x, prominence, distance)


def test_smoothing_is_exactly_scipy_ndimage():
    """``laban.smoothing`` gives scipy.ndimage's numbers bit for bit (so scores do not move by a rounding), for
    the sigmas, modes, axes and dtypes the notation uses, and signals shorter than the kernel."""
    from scipy.ndimage import gaussian_filter1d, median_filter

    from laban import smoothing

    rng = np.random.default_rng(3)
    for case in range(600):
        shape = (int(rng.integers(1, 50)),) + ((int(rng.integers(1, 4)),) if case % 2 else ())
        x = (rng.normal(size=shape) * 10.0 ** rng.integers(-3, 3)).astype(rng.choice([np.float32, np.float64]))
        sigma, mode = float(rng.choice([0.5, 1.0, 1.5, 2.0, 3.0, 9.0])), ("reflect", "nearest")[case % 3 == 0]
        expected = gaussian_filter1d(x, sigma, axis=0, mode=mode)
        got = smoothing.gaussian_filter1d(x, sigma, axis=0, mode=mode)
        assert got.dtype == expected.dtype and np.array_equal(got, expected), (shape, sigma, mode)
        if x.ndim == 1:
            size = int(rng.choice([1, 3, 5]))
            assert np.array_equal(smoothing.median_filter1d(x, size), median_filter(x, size=size, mode="nearest"))
