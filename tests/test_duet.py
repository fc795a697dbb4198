"""Duet: the geometry a duet is judged by (floor frames, rigid floor moves, the bodies' gap), the placement file
and the recipe that makes it from the training pairs only, a whole duet and a streamed one on a tiny model
(one grid, one clock, the bodies kept apart, the same seed the same bytes), and the command's folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import laban
from laban.algebra import bar_count, cut
from laban.errors import LabanError
from motiongpt.cocreate import duet as duets
from motiongpt.cocreate import partners
from motiongpt.model import build, tiny_config

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def model():
    return build(tiny_config(styles=["salsa lead", "salsa follow"]), seed=3).eval()


@pytest.fixture(scope="module")
def pair(trials):
    """A validation couple (60_01 leads, 61_01 follows) at 30 fps, its first 8 seconds."""
    lead = duets.resampled(laban.read_bvh(trials["60_01"].path, frame_rate=60), 30)
    follow = duets.resampled(laban.read_bvh(trials["61_01"].path, frame_rate=60), 30)
    keep = slice(0, 240)
    return (laban.Motion(lead.skeleton, lead.rotations[keep], lead.translations[keep], 30),
            laban.Motion(follow.skeleton, follow.rotations[keep], follow.translations[keep], 30))


@pytest.fixture(scope="module")
def lead_score(pair):
    return cut(laban.tokenize(pair[0]), 1, 2)  # two bars of the lead on its own pulse


def test_segment_distance_is_the_least_distance_between_points_of_the_segments():
    rng = np.random.default_rng(0)
    p0, p1, q0, q1 = rng.normal(size=(4, 200, 3))
    exact = partners.segment_distance(p0, p1, q0, q1)
    u = np.linspace(0, 1, 101)
    points_p = p0[:, None] + (p1 - p0)[:, None] * u[None, :, None]
    points_q = q0[:, None] + (q1 - q0)[:, None] * u[None, :, None]
    sampled = np.linalg.norm(points_p[:, :, None] - points_q[:, None], axis=-1).min(axis=(1, 2))
    assert np.all(exact <= sampled + 1e-9) and np.allclose(exact, sampled, atol=0.05)
    # crossing segments touch; parallel ones one metre apart are a metre apart
    assert partners.segment_distance(np.array([-1., 0, 0]), np.array([1., 0, 0]), np.array([0., -1, 0]),
                                  np.array([0., 1, 0])) == pytest.approx(0)
    assert partners.segment_distance(np.array([0., 0, 0]), np.array([1., 0, 0]), np.array([0., 1, 0]),
                                  np.array([1., 1, 0])) == pytest.approx(1)


def test_a_rigid_floor_move_turns_the_heading_and_carries_the_pelvis(pair):
    follow = pair[1]
    yaw = np.full(follow.frame_count, 0.7)
    shift = np.tile([1.0, -2.0], (follow.frame_count, 1))
    xz, heading = partners.floor_frame(follow.trajectories())
    moved_xz, moved_heading = partners.floor_frame(partners.moved(follow, yaw, shift).trajectories())
    assert np.allclose(partners.wrap(moved_heading - heading - 0.7), 0, atol=1e-4)
    assert np.allclose(moved_xz, partners._rotate(xz, 0.7) + shift, atol=1e-4)
    # moving both partners alike changes nothing between them
    lead = pair[0]
    before = partners.relation(lead.trajectories(), follow.trajectories())
    after = partners.relation(partners.moved(lead, yaw, shift).trajectories(),
                           partners.moved(follow, yaw, shift).trajectories())
    for key in before:
        assert np.allclose(before[key], after[key], atol=1e-3), key


def test_the_shipped_placement_is_the_recipe_on_the_training_pairs_only(trials):
    sys.path.insert(0, str(ROOT / "datasets"))
    try:
        from duet_placement import training_pairs
    finally:
        sys.path.remove(str(ROOT / "datasets"))
    from motiongpt.data.split import read_cmu_split

    shipped = partners.Placement.load()
    split = read_cmu_split()
    assert shipped.takes and all(split[name]["split"] == "train" for name in shipped.takes)
    again = partners.placement_from_pairs(training_pairs(), shipped.made_by)
    assert again.takes == shipped.takes and again.frames == shipped.frames
    assert np.allclose([*again.offset, again.facing, *again.distance, *again.relative_facing, again.margin],
                       [*shipped.offset, shipped.facing, *shipped.distance, *shipped.relative_facing, shipped.margin],
                       atol=1e-3)
    assert shipped.distance[0] < shipped.distance[1] < shipped.distance[2]


def test_placement_refuses_a_missing_file(tmp_path):
    with pytest.raises(duets.DuetError, match="datasets/duet_placement.py"):
        partners.Placement.load(tmp_path / "none.json")


def test_same_beats_counts_the_leads_steps_the_follower_meets(lead_score):
    assert duets.same_beats(lead_score, lead_score) == 1.0
    still = laban.Score(lead_score.grid, [], lead_score.starting_position)
    assert duets.same_beats(lead_score, still) == 0.0


def test_a_whole_duet_is_on_the_leads_grid_and_clock_with_the_bodies_apart(model, pair, lead_score):
    placement = partners.Placement.load()
    lead = pair[0]
    result = duets.duet(model, lead_score, lead, seed=4, placement=placement)
    assert result.follow_score.grid == lead_score.grid
    assert bar_count(result.follow_score) == bar_count(lead_score)
    assert result.follow.frame_count == result.lead.frame_count == lead.frame_count
    assert result.follow.skeleton is lead.skeleton
    figures = duets.figures(result.lead.trajectories(), result.follow.trajectories(), placement)
    assert figures["gap_above_margin"] == 1.0  # the push-apart keeps the cores apart in every frame
    again = duets.duet(model, lead_score, lead, seed=4, placement=placement)
    assert np.array_equal(again.follow.rotations, result.follow.rotations)
    assert np.array_equal(again.follow.translations, result.follow.translations)


def test_the_stream_gives_each_next_bar_on_the_clock_from_the_bars_before(model, pair, lead_score):
    lead = pair[0]
    stream = duets.Duet(model, lead_score.grid, lead.skeleton, seed=1)
    with pytest.raises(duets.DuetError, match="start"):
        stream.step(cut(lead_score, 1, 1))
    first = stream.start()
    assert first.bar == 0 and first.motion.frame_count == len(stream._frames(0))
    for k in range(1, bar_count(lead_score)):
        frames = stream._frames(k - 1)
        given = laban.Motion(lead.skeleton, lead.rotations[max(frames.start, 0):frames.stop],
                             lead.translations[max(frames.start, 0):frames.stop], 30)
        bar = stream.step(cut(lead_score, k, k), given)
        assert bar.bar == k and bar.first_frame == stream._frames(k).start == frames.stop
        assert bar.motion.frame_count == len(stream._frames(k)) and bar.seconds > 0
    assert bar_count(stream.score) == bar_count(lead_score)
    # each bar the stream gave is the score's bar: the bars so far are the follower's score
    for k, given in enumerate(stream.bars):
        assert given.score.symbols == cut(stream.score, k + 1, k + 1).symbols
    # no jolt at the bar lines: the pelvis moves between bars as it does inside them
    pelvis = stream.motion().trajectories().part(laban.BodyPart.PELVIS)
    step = np.linalg.norm(np.diff(pelvis, axis=0), axis=1)
    joins = [b.first_frame - 1 for b in stream.bars[1:]]
    assert step[joins].max() <= max(3 * np.percentile(step, 99), 0.05)


def test_the_streams_floor_is_kept_as_the_lead_comes_the_same_as_from_all_its_frames(model, trials, monkeypatch):
    """Each streamed bar stands on the floor the lead has shown so far. It was found again at every bar from all
    the lead's frames so far (their joint positions joined and read whole: a cost that grows with the dance); now
    it is kept as the frames come (``laban.analysis.FloorSoFar``): a bar reads its own frames only, and the floor
    is the one all the frames given so far give (a real salsa lead, 60_01's 22 bars), to float precision."""
    from laban import analysis

    lead = duets.resampled(laban.read_bvh(trials["60_01"].path, frame_rate=60), 30)
    score = laban.tokenize(lead)
    stream = duets.Duet(model, score.grid, lead.skeleton, seed=0)

    def frames(span: range) -> laban.Motion:
        return laban.Motion(lead.skeleton, lead.rotations[max(span.start, 0):span.stop],
                            lead.translations[max(span.start, 0):span.stop], 30)

    read, lowest_foot = [], analysis.lowest_foot
    monkeypatch.setattr(analysis, "lowest_foot", lambda traj: read.append(traj.frame_count) or lowest_foot(traj))
    given = [frames(range(0, max(stream._frames(0).start, 1)))]
    stream.start(given[0])
    floors = []
    for k in range(1, bar_count(score)):
        given.append(frames(stream._frames(k - 1)))
        read.clear()
        stream.step(cut(score, k, k), given[-1])
        assert read == [given[-1].frame_count]  # this bar's frames, not every frame so far
        so_far = np.concatenate([g.trajectories().positions for g in given])
        floors.append((stream._lead_floor, partners.floor_height(laban.Trajectories(lead.skeleton, so_far, 30))))
    assert len(floors) >= 20 and floors[-1][1] - floors[0][1] > 0.005  # (the floor moves as the lead goes)
    assert np.allclose(*zip(*floors), rtol=0, atol=1e-6)


def test_a_long_streamed_duet_cuts_each_bar_from_its_last_bars_the_same_as_from_the_whole(model, trials,
                                                                                         monkeypatch):
    """A live lead dances for minutes: each streamed bar was cut from the follower's whole score, read again and
    mended from its first bar (a cost that grew with the dance: at bar 200 of a salsa lead looped, 0.2 s more a
    bar than at bar 8). Now the stream reads its score as the bars come and cuts each bar from its last bars
    (``BarStream.recent``): on a real lead danced twice over (44 bars), what each bar's cuts read in the last bars
    is no more than half-way through (the follower's last bars, and of its past what a state reads: a few symbols
    a column), and every bar given is the one the whole score so far gives (its notation, the same bytes)."""
    from laban import algebra
    from motiongpt.plausibility import mended

    lead = duets.resampled(laban.read_bvh(trials["60_01"].path, frame_rate=60), 30)
    score = algebra.repeat(laban.tokenize(lead), 2)
    bars = bar_count(score)
    stream = duets.Duet(model, score.grid, lead.skeleton, seed=0)
    read, ids, cut_of = [], [], algebra.cut
    monkeypatch.setattr(algebra, "cut", lambda s, *a, **k: read[-1].append(len(s.symbols)) or cut_of(s, *a, **k))
    for k in range(bars):
        read.append([])
        stream.step(cut(score, k, k)) if k else stream.start()
        ids.append(len(stream.ids))
    assert bars >= 40
    middle, late = max(max(r) for r in read[20:25]), max(max(r) for r in read[-5:])
    assert late <= 1.4 * middle  # (the whole score read: twice as many symbols in the last bars as at bar 22)
    v = model.vocabulary
    for k, given in enumerate(stream.bars):
        whole = mended(v.to_score(stream.ids[:ids[k]] + [v.eos_id], score.grid), 0.0, v.bar_beat(score.grid, k + 1),
                       open_end=True)
        assert given.score == cut(whole, stream._staff(k), stream._staff(k)), k


def test_the_shipped_follower_model_is_small_and_streams_a_follower_on_the_leads_steps(pair):
    """The model a streamed duet uses by default (``checkpoints/follower``, ``configs/follower.yaml``): a fifth of
    the built-in model, on the current vocabulary, knowing the salsa styles; two bars of a held-out lead streamed
    with it keep the bodies apart and the follower stepping on the lead's beats (the validation leads: 0.86 of
    them met; here 0.58-0.75 over seeds 0-2, where a tiny untrained model meets 0-0.33)."""
    from motiongpt.model import MotionGPT, builtin_model_path, follower_model_path
    from motiongpt.vocabulary import Vocabulary

    folder = follower_model_path()
    size = (folder / "model.safetensors").stat().st_size
    assert size < 0.25 * (builtin_model_path() / "model.safetensors").stat().st_size
    model = MotionGPT.from_pretrained(folder)
    assert model.config.vocab_size == len(Vocabulary()) and "salsa follow" in model.config.styles
    lead = pair[0]
    score = cut(laban.tokenize(lead), 1, 3)
    placement = partners.Placement.load()
    result, _ = duets.streamed(model, score, lead, seed=0, placement=placement)
    assert bar_count(result.follow_score) == bar_count(score)
    figures = duets.figures(result.lead.trajectories(), result.follow.trajectories(), placement)
    assert figures["gap_above_margin"] == 1.0
    assert duets.same_beats(score, result.follow_score) >= 0.5


def test_the_reflex_keeps_the_cores_apart_frame_by_frame(pair):
    lead, follow = pair
    placement = partners.Placement.load()
    height = 1.7
    onto_lead = partners.floor_frame(lead.trajectories())[0] - partners.floor_frame(follow.trajectories())[0]
    on_top = partners.moved(follow, np.zeros(follow.frame_count), onto_lead)
    assert (partners.body_gap(lead.trajectories(), on_top.trajectories()) < placement.margin * height).any()
    reflex = partners.Reflex(placement.margin * height, 7.0)
    apart = np.concatenate([reflex.frames(lead.trajectories(), on_top).translations])  # in one go ...
    halves = partners.Reflex(placement.margin * height, 7.0)
    a = halves.frames(laban.Trajectories(lead.skeleton, lead.trajectories().positions[:100], 30),
                      laban.Motion(follow.skeleton, on_top.rotations[:100], on_top.translations[:100], 30))
    b = halves.frames(laban.Trajectories(lead.skeleton, lead.trajectories().positions[100:], 30),
                      laban.Motion(follow.skeleton, on_top.rotations[100:], on_top.translations[100:], 30))
    assert np.allclose(np.concatenate([a.translations, b.translations]), apart)  # ... or as frames arrive
    moved = laban.Motion(follow.skeleton, on_top.rotations, apart, 30)
    assert partners.body_gap(lead.trajectories(), moved.trajectories()).min() >= placement.margin * height * 0.99


def test_the_command_writes_both_dancers_or_nothing(model, tmp_path, pair, lead_score, monkeypatch):
    from motiongpt.cli import duet as command

    model.save_pretrained(tmp_path / "model")
    lead_dir = tmp_path / "lead"
    lead_dir.mkdir()
    lead_score.save(lead_dir / "score.laban")
    laban.write_bvh(pair[0], lead_dir / "dance.bvh")
    import viz.render

    monkeypatch.setattr(viz.render, "render", lambda path, *a, **k: Path(path).write_bytes(b"picture"))
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["duet", str(lead_dir), "-o", str(tmp_path / "out"), "--model", str(tmp_path / "model"),
                              "--no-video", "--seed", "2"])
    assert args.run(args) == 0
    out = tmp_path / "out"
    assert {p.name for p in out.iterdir()} == {"lead.laban", "follow.laban", "lead.bvh", "follow.bvh", "lead.beats",
                                               "follow.beats", "duet.png", "duet.json"}
    made = json.loads((out / "duet.json").read_text())
    assert made["seed"] == 2 and made["style"] == "salsa follow" and made["figures"]["gap_above_margin"] == 1.0
    assert laban.Score.load(out / "follow.laban").grid == laban.Score.load(out / "lead.laban").grid
    # streamed, twice: the same seed gives the same files, to the byte (the time a bar took is printed only)
    for name in ("live1", "live2"):
        args = parser.parse_args(["duet", str(lead_dir), "-o", str(tmp_path / name), "--model",
                                  str(tmp_path / "model"), "--no-video", "--seed", "2", "--stream"])
        assert args.run(args) == 0
    for path in (tmp_path / "live1").iterdir():
        assert path.read_bytes() == (tmp_path / "live2" / path.name).read_bytes(), path.name
    empty = tmp_path / "empty"
    empty.mkdir()
    args = parser.parse_args(["duet", str(empty), "-o", str(tmp_path / "out2"), "--model", str(tmp_path / "model")])
    with pytest.raises(LabanError, match="no score.laban"):
        args.run(args)
    assert not (tmp_path / "out2").exists()


@pytest.fixture(scope="module")
def model_dir(model, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("model") / "model"
    model.save_pretrained(folder)
    return folder


def example_lead(folder: Path) -> Path:
    """A dance folder to lead: the first example's bars 1-2 (no upbeat: a stream starts on a downbeat)."""
    from motiongpt.cocreate import Dance, Lineage

    score = cut(laban.Score.load(ROOT / "examples" / "first_phrase.laban"), 1, 2)
    return Dance(score, {"text": "a phrase"}, Lineage("example", seed=3)).save(folder, video=False)


def laban_digest(folder: Path) -> str:
    from motiongpt.cocreate import Dance

    return Dance.load(folder).digest()


def test_a_partner_the_studio_asks_for_is_made_again_the_same(model_dir, tmp_path, capsys):
    """The studio's partner (a child dance, operation 'partner') records its sampling settings, and ``history
    --replay`` writes the same follower again for its parent; a partner recorded before the settings were (their
    defaults) too."""
    from motiongpt.cli import main
    from motiongpt.studio.session import Studio

    studio = Studio(tmp_path / "studio", model_dir)
    example_lead(studio.folder.dances / "0001")
    job = studio.jobs.wait(studio.develop("0001", "partner", {"seed": 2}).id, 120)
    assert job.state == "done", job.error
    [child] = job.result["dances"]
    lineage = json.loads((studio.folder.dances / child / "lineage.json").read_text())
    assert lineage["operation"] == "partner" and lineage["settings"]["style"] == "salsa follow"
    dances = str(studio.folder.dances)
    code = main(["history", dances, "--replay"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and lines[1].startswith(f"  {child}  partner") and "made again: the same" in lines[1], lines
    assert lines[-1] == "1 of 1 dances made again the same (1 not made again)"  # (the example is a person's)
    del lineage["settings"]
    (studio.folder.dances / child / "lineage.json").write_text(json.dumps(lineage))
    code = main(["history", dances, "--replay"])
    assert code == 0 and "made again: the same" in capsys.readouterr().out.splitlines()[1]


def test_a_duet_folder_shows_under_its_lead_and_is_made_again_the_same(model_dir, tmp_path, capsys, monkeypatch):
    """``motiongpt duet`` from a dance folder (whole and streamed) and from a capture writes a duet.json that names
    its lead: ``history`` shows each duet under its lead (found by path, or by its score's digest once the tree
    moved), ``--replay`` writes each follower again the same, tells a hand edit of follow.laban apart (exit 1) and
    says in one line why a duet whose capture is gone cannot be made again."""
    import viz.render

    from motiongpt.cli import main

    monkeypatch.setattr(viz.render, "render", lambda path, *a, **k: Path(path).write_bytes(b"picture"))
    session = tmp_path / "session"
    session.mkdir()
    lead = example_lead(session / "lead")
    laban.write_bvh(laban.decode(laban.Score.load(ROOT / "examples" / "first_phrase.laban")), tmp_path / "take.bvh")
    model = ["--model", str(model_dir), "--no-video"]
    for args in ([str(lead), "-o", str(lead / "whole"), "--seed", "2"],
                 [str(lead), "-o", str(session / "live"), "--seed", "1", "--stream"],
                 [str(tmp_path / "take.bvh"), "--fps", "60", "-o", str(session / "capture"), "--stream"]):
        assert main(["duet", *args, *model]) == 0, args
    capsys.readouterr()
    made = json.loads((lead / "whole" / "duet.json").read_text())
    assert made["lead_path"] == str(lead.resolve()) and made["lead_score"] == laban_digest(lead)
    code = main(["history", str(session), "--replay"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and lines[-1] == "3 of 3 dances made again the same (1 not made again)", lines
    assert lines[0].startswith("capture  duet style salsa follow streamed seed 0  made again: the same")
    assert lines[1].startswith("lead  example")
    assert {line.split("  made again")[0] for line in lines[2:4]} == {
        "  lead/whole  duet style salsa follow seed 2", "  live  duet style salsa follow streamed seed 1"}
    moved = tmp_path / "moved"  # the lead's path is gone: found by its score's digest
    session.rename(moved)
    edited = moved / "lead" / "whole" / "follow.laban"  # a hand edit: a head movement on bar 1's first beat
    edited.write_text(edited.read_text().replace("bar 1\n", "bar 1\n  1  head  forward high  0.25\n", 1))
    (tmp_path / "take.bvh").unlink()
    code = main(["history", str(moved), "--replay"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1 and lines[-1] == "1 of 3 dances made again the same (1 not made again)", lines
    assert lines[0].endswith(f"could not be made again: {tmp_path / 'take.bvh'}: no such file")
    assert {line.split("  duet")[0]: line.split("  ")[-1] for line in lines[2:4]} == {
        "  lead/whole": "made again: ANOTHER SCORE (edited by hand since, or made by other code)",
        "  live": "made again: the same"}


def test_a_lead_whose_joints_say_nothing_is_named_by_map_and_made_again_so(model_dir, tmp_path, capsys, monkeypatch):
    """A lead captured on a rig whose joints are named J1, J2, ...: refused in one line that says ``--map``, then
    danced with ``--map PART=JOINT`` (which ``duet`` did not take, though its refusal asked for it), the map kept
    in duet.json so that ``history --replay`` reads the capture again as it was read; a dance folder takes none."""
    import viz.render

    from conftest import anonymous_rig
    from motiongpt.cli import main

    monkeypatch.setattr(viz.render, "render", lambda path, *a, **k: Path(path).write_bytes(b"picture"))
    motion = laban.decode(laban.Score.load(ROOT / "examples" / "first_phrase.laban"))
    laban.write_bvh(motion, tmp_path / "named.bvh")
    mapping = anonymous_rig(tmp_path / "named.bvh", tmp_path / "take.bvh")
    pelvis = mapping[0].split("=")[-1]
    model = ["--model", str(model_dir), "--no-video", "--stream"]
    capsys.readouterr()
    assert main(["duet", str(tmp_path / "take.bvh"), "-o", str(tmp_path / "out"), *model]) == 2
    assert "--map pelvis=<joint>" in capsys.readouterr().err and not (tmp_path / "out").exists()
    (tmp_path / "session").mkdir()
    assert main(["duet", str(tmp_path / "take.bvh"), "-o", str(tmp_path / "session" / "out"), *mapping, *model]) == 0
    made = json.loads((tmp_path / "session" / "out" / "duet.json").read_text())
    assert made["map"]["pelvis"] == pelvis
    capsys.readouterr()
    assert main(["history", str(tmp_path / "session"), "--replay"]) == 0
    assert "made again: the same" in capsys.readouterr().out
    lead = example_lead(tmp_path / "lead")
    assert main(["duet", str(lead), "-o", str(tmp_path / "x"), mapping[0], *model]) == 2
    assert "--map names the joints of a lead's capture" in capsys.readouterr().err


# --- leads as people bring them -------------------------------------------------------------------------------------

def test_a_rig_with_position_channels_on_every_joint_is_moved_as_one_body(model):
    """Blender's BVH export writes position channels on every joint: a duet refused such a lead in one line ('a duet
    moves a skeleton whose root alone has a position channel'), though the root's channels carry the whole body: a
    floor move turns and shifts every joint rigidly, and a whole duet on the rig keeps the bodies apart."""
    from test_decoder import animators_rig

    skeleton, _ = animators_rig("blender")
    score = laban.Score.load(ROOT / "examples" / "leap_and_turn.laban")
    lead = laban.decode(score, skeleton, fps=30.0)
    frames = lead.frame_count
    before = lead.trajectories().positions.astype(np.float64)
    after = partners.moved(lead, np.full(frames, 0.7), np.tile([1.0, -2.0], (frames, 1))).trajectories()
    expected = before.copy()
    expected[..., [0, 2]] = partners._rotate(before[..., [0, 2]], 0.7) + np.array([1.0, -2.0])
    assert np.abs(after.positions - expected).max() < 1e-4
    placement = partners.Placement.load()
    result = duets.duet(model, score, lead, seed=1, placement=placement)
    assert result.follow.skeleton is skeleton
    assert duets.figures(result.lead.trajectories(), result.follow.trajectories(), placement)["gap_above_margin"] == 1


def kinect_csv(bvh: Path, out: Path) -> Path:
    """A CMU capture as a Kinect v2 sees it (LabanotationSuite's CSV: camera space, metres, the sensor 4.5 m ahead
    of the start, 0.8 m up; ``tests/test_kinect.py``'s walk)."""
    from test_kinect import CMU_AS_KINECT, KINECT_V2_JOINTS, write_csv

    world = laban.read_bvh(bvh).trajectories(30.0)
    joint = {k: world.positions[:, world.skeleton.index(v)].astype(np.float64) for k, v in CMU_AS_KINECT.items()}
    head, neck = (world.positions[:, world.skeleton.index(n)] for n in ("Head", "Neck1"))
    joint["Head"] = head + 0.6 * (head - neck)
    positions = np.stack([joint[name] for name in KINECT_V2_JOINTS], axis=1)
    write_csv(out, np.stack([-positions[..., 0], positions[..., 1] - 0.8, 4.5 - positions[..., 2]], axis=-1))
    return out


def test_a_lead_of_joint_positions_or_a_score_file_is_danced_and_made_again(model_dir, trials, tmp_path, capsys,
                                                                              monkeypatch):
    """A Kinect v2 CSV and an .npz of joint positions (the captures ``laban.read_motion`` reads besides a BVH) and
    a score file were refused ('a lead is a .bvh capture or a dance folder'): the positions are tokenized as
    every capture is and danced from their score on the capture's own skeleton (positions carry no joint rotations
    to move a body by or to write a BVH of), a score is decoded; each duet is on the lead's grid, the follower on
    the lead's skeleton, and ``history --replay`` writes the same follower again."""
    import viz.render

    from motiongpt.cli import main

    monkeypatch.setattr(viz.render, "render", lambda path, *a, **k: Path(path).write_bytes(b"picture"))
    walk = trials["05_01"].path
    csv = kinect_csv(walk, tmp_path / "walk.csv")
    laban.write_joint_arrays(laban.read_bvh(walk).trajectories(30.0), tmp_path / "walk.npz")
    duration = laban.read_bvh(walk).duration
    for path in (csv, tmp_path / "walk.npz"):
        score, lead, source = duets.read_lead(path)
        assert isinstance(lead, laban.Motion) and source.startswith("capture")
        assert lead.skeleton.names == laban.read_motion(path).skeleton.names
        assert abs(lead.duration - duration) < 60.0 / score.grid.tempo  # the capture's time, to a beat
    session = tmp_path / "session"
    session.mkdir()
    model = ["--model", str(model_dir), "--no-video"]
    leads = {"csv": csv, "npz": tmp_path / "walk.npz", "score": ROOT / "examples" / "leap_and_turn.laban"}
    for name, path in leads.items():
        assert main(["duet", str(path), "-o", str(session / name), "--stream", *model]) == 0, name
        out = session / name
        assert laban.Score.load(out / "follow.laban").grid == laban.Score.load(out / "lead.laban").grid
        lead, follow = (laban.read_bvh(out / f"{who}.bvh", drop_tpose=False) for who in ("lead", "follow"))
        assert follow.skeleton.names == lead.skeleton.names and follow.frame_count == lead.frame_count
    capsys.readouterr()
    assert main(["history", str(session), "--replay"]) == 0
    assert capsys.readouterr().out.count("made again: the same") == 3


def test_a_dance_folders_lead_is_its_dance_from_the_first_frame(trials, tmp_path):
    """A dance folder's dance.bvh is written with its score, frame 0 at the grid's time 0; read as a capture, a
    dance facing the front at frame 0 that moves off at once looked like a converter's T-pose, and CMU 05_02
    tokenized and decoded lost 3 frames: the lead danced 0.1 s ahead of its own score's beats."""
    from motiongpt.cocreate import Dance, Lineage

    score = laban.tokenize(laban.read_bvh(trials["05_02"].path))
    dance = laban.decode(score)
    folder = Dance(score, {"text": "a modern phrase"}, Lineage("example", seed=0)).save(tmp_path / "dance",
                                                                                          video=False)
    laban.write_bvh(dance, folder / "dance.bvh")
    _, lead, source = duets.read_lead(folder)
    assert source == "score.laban + dance.bvh" and lead.frame_count == dance.frame_count
    assert np.allclose(lead.trajectories().positions[:5], dance.trajectories().positions[:5], atol=1e-3)


def test_the_follower_stands_on_the_leads_floor_whole_and_streamed(model, trials):
    """The decoder stands a dancer on y = 0; a capture's floor is where its feet rest, and an export with the hips
    at the origin has it near -0.9 m (CMU 05_02 so lowered): the follower danced 0.93 m above the lead's floor,
    whole and streamed (CMU's own floors lie 2-7 cm off 0). Now its feet rest where the lead's do (streamed,
    each bar on the floor the lead has shown so far)."""
    lead = duets.resampled(laban.read_bvh(trials["05_02"].path), 30.0)
    translations = lead.translations.copy()
    translations[:, 0, 1] -= 0.95
    lead = laban.Motion(lead.skeleton, lead.rotations, translations, 30.0)
    score = laban.tokenize(lead)

    def floor(motion: laban.Motion) -> float:  # where its lowest foot joint rests, as the tokenizer finds the floor
        from laban.analysis import estimate_floor

        traj = motion.trajectories()
        laban.recognised(traj.skeleton)
        return estimate_floor(traj)

    whole = duets.duet(model, score, lead, seed=0)
    assert abs(floor(whole.follow) - floor(lead)) < 0.005
    live, _ = duets.streamed(model, score, lead, seed=0)
    assert abs(floor(live.follow) - floor(lead)) < 0.015


def test_the_streams_first_bar_faces_the_lead_from_where_it_stands_as_the_music_begins(trials):
    """The follower's first bar is planned before the lead has danced a bar: it stood where the decoder puts it,
    facing the room's front, so a lead facing that way too (CMU 05_01 walks along +z) had the follower's back to it
    for the whole bar (relative facing 0-10°, no frame in the couples' band; the shipped follower model, which turns
    in a bar as salsa followers do, not as a tiny untrained model spins). The lead stands in place before the
    music begins: the first bar is placed beside it, facing it, as the later bars are."""
    from motiongpt.model import MotionGPT, follower_model_path

    model = MotionGPT.from_pretrained(follower_model_path())
    lead = duets.resampled(laban.read_bvh(trials["05_01"].path), 30.0)
    score = laban.tokenize(lead)
    placement = partners.Placement.load()
    result, _ = duets.streamed(model, score, lead, seed=0, placement=placement)
    facing = np.abs(partners.relation(result.lead.trajectories(), result.follow.trajectories())["facing"])
    first = slice(max(int(round(score.grid.times[0] * 30)), 0), int(round(score.grid.times[score.beats_per_bar] * 30)))
    inside = (facing[first] >= placement.relative_facing[0]) & (facing[first] <= placement.relative_facing[2])
    assert inside.mean() >= 0.9


def test_a_salsa_leads_upbeat_is_danced_by_the_follower_too_whole_and_streamed(trials):
    """A lead that starts before the first bar line (here CMU salsa 60_01 on its own pulse, its bars begun on the
    4th beat: a 3-beat upbeat) was streamed with the follower standing still through the upbeat, joining on the
    downbeat (a stream started on one); a follower in a couple dance moves with the lead from the first step. The
    follower's bar 0 is the upbeat now, bar by bar as in a whole duet: steps written there, the body moving, no
    jolt into bar 1, the follower's score on the lead's grid, a streamed bar each a bar of that score."""
    from motiongpt.model import MotionGPT, follower_model_path

    lead = duets.resampled(laban.read_bvh(trials["60_01"].path, frame_rate=60), 30)
    lead = laban.Motion(lead.skeleton, lead.rotations[:240], lead.translations[:240], 30)
    pulse = laban.tokenize(lead).grid
    score = laban.tokenize(lead, laban.BeatGrid(pulse.times, 4, 3))
    upbeat = range(max(int(round(score.grid.times[0] * 30)), 0), int(round(score.grid.times[3] * 30)))
    assert score.grid.downbeat == 3 and len(upbeat) >= 30 and duets.step_beats(score)[0] < 3  # the lead steps there
    model = MotionGPT.from_pretrained(follower_model_path())
    placement = partners.Placement.load()
    whole = duets.duet(model, score, lead, seed=0, placement=placement)
    live, _ = duets.streamed(model, score, lead, seed=0, placement=placement)
    for result in (whole, live):
        assert result.follow_score.grid == score.grid and bar_count(result.follow_score) == bar_count(score)
        assert duets.step_beats(result.follow_score)[0] < 3  # the follower steps in the upbeat
        pelvis = result.follow.trajectories().part(laban.BodyPart.PELVIS)
        assert np.linalg.norm(pelvis[upbeat] - pelvis[upbeat.start], axis=1).max() > 0.1  # it moves there
        step = np.linalg.norm(np.diff(pelvis, axis=0), axis=1)
        assert step[upbeat.stop - 1] <= max(3 * np.percentile(step, 99), 0.05)  # into bar 1 without a jolt
        figures = duets.figures(result.lead.trajectories(), result.follow.trajectories(), placement)
        assert figures["gap_above_margin"] == 1.0
    # bar by bar: the follower's first bar is the upbeat, on the lead's clock, each bar one of its score's bars
    stream = duets.Duet(model, score.grid, lead.skeleton, placement=placement)
    first = stream.start(laban.Motion(lead.skeleton, lead.rotations[:1], lead.translations[:1], 30))
    assert first.first_frame == int(round(score.grid.times[0] * 30))
    assert first.motion.frame_count == upbeat.stop - first.first_frame
    stream.step(cut(score, 0, 0), laban.Motion(lead.skeleton, lead.rotations[upbeat], lead.translations[upbeat], 30))
    assert [b.score.symbols for b in stream.bars] == [cut(stream.score, k, k).symbols for k in (0, 1)]
    assert stream.bars[1].first_frame == upbeat.stop


def test_a_lead_with_nothing_to_follow_is_one_line_and_one_without_steps_is_written_as_json(model_dir, tmp_path,
                                                                                             capsys, monkeypatch):
    """An empty score was danced around (a follower for a lead that does nothing); now it is refused in one line
    and nothing is written. A lead that moves its arms but takes no step has no steps for the follower to meet:
    duet.json said NaN, which is not JSON (a strict reader refuses it), and the command 'the lead's steps met
    nan%'."""
    import viz.render

    from laban.score import SUPPORT_COLUMNS
    from motiongpt.cli import main

    monkeypatch.setattr(viz.render, "render", lambda path, *a, **k: Path(path).write_bytes(b"picture"))
    example = cut(laban.Score.load(ROOT / "examples" / "first_phrase.laban"), 1, 2)
    (tmp_path / "empty").mkdir()
    laban.Score(example.grid, [], example.starting_position).save(tmp_path / "empty" / "score.laban")
    model = ["--model", str(model_dir), "--no-video"]
    capsys.readouterr()
    assert main(["duet", str(tmp_path / "empty"), "-o", str(tmp_path / "out"), *model]) == 2
    assert "nothing to follow" in capsys.readouterr().err and not (tmp_path / "out").exists()
    arms = [s for s in example.symbols if s.column not in SUPPORT_COLUMNS]
    (tmp_path / "arms").mkdir()
    laban.Score(example.grid, arms, example.starting_position).save(tmp_path / "arms" / "score.laban")
    assert main(["duet", str(tmp_path / "arms"), "-o", str(tmp_path / "out"), *model]) == 0
    assert "the lead takes no steps" in capsys.readouterr().out

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    made = json.loads((tmp_path / "out" / "duet.json").read_text(), parse_constant=refuse)
    assert made["figures"]["same_beats"] is None
