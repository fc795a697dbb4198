"""The evaluation protocol: the fixed CMU split (shipped with the package), the shared data found from anywhere,
clips from folders, the report's rows, baselines and tables."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

import laban
from laban import BeatGrid, BodyPart
from motiongpt import data, evaluate, metrics
from motiongpt.data import cmu_trials, make_cmu_split, read_cmu_split
from motiongpt.data.split import SPLIT_FILE
from motiongpt.metrics import notation

REPO = Path(__file__).parents[1]


def test_the_split_file_is_the_seeded_split_of_the_shared_trials(trials):
    written = read_cmu_split()
    made = {row["trial"]: row for row in make_cmu_split(cmu_trials())}
    assert written == made, "the shipped cmu_split.csv differs from make_cmu_split(seed=5): it is written once"
    assert set(written) == set(trials)


def test_the_split_ships_in_the_package_and_is_the_one_in_datasets():
    assert SPLIT_FILE.parent == Path(data.__file__).parent  # package data, found without a checkout
    assert SPLIT_FILE.read_bytes() == (REPO / "datasets" / "cmu_split.csv").read_bytes()
    assert len(read_cmu_split()) == 150


def test_the_shared_data_is_found_from_another_folder_or_named_in_one_line(tmp_path, monkeypatch):
    monkeypatch.delenv("MOTIONGPT_MOCAP", raising=False)
    monkeypatch.chdir(tmp_path)
    assert data.mocap_root() == REPO.parent / "shared" / "mocap" or not (REPO.parent / "shared").exists()
    monkeypatch.setenv("MOTIONGPT_MOCAP", str(tmp_path / "nowhere"))
    assert data.mocap_root() == tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match="MOTIONGPT_MOCAP") as error:
        cmu_trials()
    assert "\n" not in str(error.value) and str(tmp_path / "nowhere") in str(error.value)
    # the command says so in one line, from any folder
    done = subprocess.run([sys.executable, "-m", "motiongpt.evaluate", "-o", str(tmp_path / "r.json")],
                          capture_output=True, text=True, cwd=tmp_path,
                          env={**__import__("os").environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "MOTIONGPT_MOCAP" in done.stderr
    assert not (tmp_path / "r.json").exists()


def test_the_split_keeps_takes_together_and_tests_every_kind_of_motion(trials):
    split = read_cmu_split()
    groups = defaultdict(set)
    for row in split.values():
        groups[row["group"]].add(row["split"])
    assert all(len(s) == 1 for s in groups.values()), "a group straddles splits"
    for name, trial in trials.items():
        if trial.partner:  # salsa lead and follow of one take
            assert split[name]["split"] == split[trial.partner]["split"]
    assert split["05_18"]["split"] == split["05_19"]["split"] == split["05_20"]["split"]  # one phrase, three takes
    tested = {row["category"] for row in split.values() if row["split"] == "test"}
    assert {"dance", "salsa", "locomotion", "jumps"} <= tested
    counts = {s: sum(row["split"] == s for row in split.values()) for s in data.SPLITS}
    assert counts["train"] > 0.6 * len(split) and counts["test"] >= 0.15 * len(split)


def test_daz_feet_get_their_end_sites_as_toes(trials):
    motion = laban.read_bvh(trials["60_01"].path)
    assert BodyPart.TOES_LEFT not in laban.recognised(motion.skeleton).parts
    traj = evaluate.trajectories(motion)
    toes, ankle = traj.part(BodyPart.TOES_LEFT), traj.part(BodyPart.FOOT_LEFT)
    assert np.allclose(np.linalg.norm(toes - ankle, axis=1), np.linalg.norm(motion.skeleton.end_sites[
        motion.skeleton.index("lFoot")]))


def test_pieces_cut_a_clip_and_move_its_beats():
    traj = laban.Trajectories(metrics.features.landmark_skeleton(), np.zeros((60 * 12, 21, 3)), 60.0)
    clip = evaluate.Clip("x", traj, BeatGrid.uniform(120, 12.0))
    parts = evaluate.pieces(clip, 5.0)
    assert [p.name for p in parts] == ["x@0", "x@1"] and parts[1].motion.frame_count == 300  # 2 s left: dropped
    assert parts[1].grid.times[0] == pytest.approx(-5.0)


def test_a_clip_is_measured_and_tokenized_on_the_beats_of_the_one_door(trials, tmp_path):
    motion = _read(trials["05_02"])
    measured = evaluate.measure(evaluate.Clip("05_02", motion), evaluate.Protocol(seconds=8.0))
    pulse = laban.beat_grid(motion=laban.analyse(evaluate.first_seconds(motion, 8.0)))
    assert measured.beats_from == "pulse" and np.allclose(measured.grid.times, pulse.times)
    assert measured.score.grid == measured.grid  # beat alignment and the score count the same beats
    laban.write_joint_arrays(evaluate.trajectories(evaluate.first_seconds(motion, 8.0)), tmp_path / "a.npz")
    (tmp_path / "a.beats").write_text("\n".join(f"{0.6 * i:.1f}" for i in range(14)))
    clip, = evaluate.load_directory(tmp_path)
    measured = evaluate.measure(clip, evaluate.Protocol(seconds=8.0))
    assert measured.beats_from == "music" and measured.score.grid == measured.grid == clip.grid
    assert measured.score.tempo == pytest.approx(100.0)


def test_a_decoded_clip_cut_to_the_protocol_s_seconds_is_judged_on_the_part_it_performs(trials):
    # A model's dance runs on to its last whole bar, past the protocol's cut: the cells past it, where nothing was
    # tokenized and the score still says steps, are no misreading of the dance (the built-in model's validation
    # dances lost 0.013 of support direction to them).
    score = laban.tokenize(laban.analyse(evaluate.first_seconds(_read(trials["05_02"]), 12.0)))
    cut = evaluate.Protocol(seconds=6.0)
    measured = evaluate.measure(evaluate.Clip("05_02", laban.decode(score), score=score), cut)
    stop = float(score.grid.seconds_to_beats(6.0))
    assert max(s.end for s in measured.target.symbols) <= stop + 1e-9 < score.duration
    assert [s for s in measured.target.symbols if s.end < stop] == [s for s in score.symbols if s.end < stop]
    agreement = notation.agreement(measured.target, measured.score)
    assert agreement["support_f1"] > 0.95 and agreement["timing"]["matched"] > 0.6  # 0.79 and 0.46 judged whole
    whole = evaluate.measure(evaluate.Clip("05_02", laban.decode(score), score=score), evaluate.Protocol(seconds=None))
    assert whole.target is score  # nothing cut, the score itself


def test_a_corpus_folder_is_read_as_clips_without_its_manifest(tmp_path):
    """A researcher's takes as ``motiongpt corpus build`` reads them (a manifest.csv at the top of the folder) were
    refused as --reference or --held-out: the manifest was read as a Kinect v2 capture ('expected 101
    comma-separated values'), and its frame rates were not read."""
    score = laban.Score.load(Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban")
    laban.write_bvh(laban.decode(score), tmp_path / "take.bvh")
    (tmp_path / "take.txt").write_text("a phrase\n")
    (tmp_path / "manifest.csv").write_text("file,style,split\ntake.bvh,modern,train\n")
    clip, = evaluate.load_directory(tmp_path)
    assert clip.name == "take" and clip.text == "a phrase"
    # the real frame rate where the header says another (as the CMU salsa takes' 120 for 60): it was not read
    (tmp_path / "manifest.csv").write_text(f"file,fps\ntake.bvh,{2 * clip.motion.fps:g}\n")
    twice, = evaluate.load_directory(tmp_path)
    assert twice.motion.fps == 2 * clip.motion.fps and twice.motion.frame_count == clip.motion.frame_count


def test_a_folder_s_manifest_gives_the_held_out_takes_their_style(tmp_path, monkeypatch):
    """``evaluate --model`` asked the model for each held-out take's style from CMU's trial names only: a
    researcher's folder of takes whose manifest.csv says each one's style had every dance written in no style."""
    import motiongpt.model.generate as generation

    score = laban.Score.load(REPO / "examples" / "first_phrase.laban")
    laban.write_bvh(laban.decode(score), tmp_path / "take.bvh")
    (tmp_path / "manifest.csv").write_text("file,style\ntake.bvh,salsa lead\n")
    clip, = evaluate.load_directory(tmp_path)
    assert clip.style == "salsa lead"
    asked, generate = [], generation.generate
    monkeypatch.setattr(generation, "generate", lambda *a, **k: asked.append(k["style"]) or generate(*a, **k))
    assert evaluate.main(["--reference", str(tmp_path), "--held-out", str(tmp_path), "--model", "builtin", "--seeds",
                          "0", "--no-baselines", "--best-of", "1", "-o", str(tmp_path / "out" / "report.json")]) == 0
    assert asked == ["salsa lead"]


def test_dance_folders_are_read_as_clips_with_their_scores_and_words(tmp_path):
    """``motiongpt generate --variations 2 -o v`` writes v/1 and v/2, each dance.bvh, score.laban, prompt.json:
    ``evaluate --generated v`` found no motion file in v, and given v/1 read one clip named 'dance' with neither
    its score nor its words. Each dance folder is a clip named after it, its score and words with it."""
    from motiongpt.cocreate import Dance, Lineage

    score = laban.Score.load(Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban")
    (tmp_path / "v").mkdir()
    Dance(score, {"text": "a phrase"}, Lineage("example")).save(tmp_path / "v" / "2", video=False)
    Dance(score, {"phrases": [[1, 1, "steps"], [2, 2, "a turn"]]}, Lineage("example")).save(tmp_path / "v" / "10",
                                                                                             video=False)
    clips = evaluate.load_directory(tmp_path / "v")
    assert [(c.name, c.text, c.score == score) for c in clips] == [("2", "a phrase", True),
                                                                   ("10", "steps a turn", True)]
    assert clips[0].grid is not None and clips[0].motion.frame_count > 0  # its dance.beats and dance.bvh
    one, = evaluate.load_directory(tmp_path / "v" / "2")
    assert (one.name, one.text) == ("2", "a phrase")


def test_a_folder_of_takes_in_subfolders_is_read_whole(tmp_path):
    """A researcher's takes as ``motiongpt corpus build`` reads them, searched in subfolders (a take's name its path
    under the folder): given as --reference or --held-out, only the files at the top were read, the rest left out
    without a word (2 of 9 takes). Every take is a clip named as the corpus names it, dance folders at any depth."""
    from motiongpt.cocreate import Dance, Lineage

    score = laban.Score.load(Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban")
    motion = laban.decode(score)
    (tmp_path / "salsa" / "more").mkdir(parents=True)
    (tmp_path / "salsa" / "dances").mkdir()
    for name in ("walk", "salsa/lead", "salsa/more/follow"):
        laban.write_bvh(motion, tmp_path / f"{name}.bvh")
        (tmp_path / f"{name}.txt").write_text(f"{name} words\n")
    Dance(score, {"text": "a phrase"}, Lineage("example")).save(tmp_path / "salsa" / "dances" / "1", video=False)
    (tmp_path / ".hidden").mkdir()
    laban.write_bvh(motion, tmp_path / ".hidden" / "old.bvh")
    clips = evaluate.load_directory(tmp_path)
    assert [(c.name, c.text) for c in clips] == [("salsa/lead", "salsa/lead words"),
                                                 ("salsa/more/follow", "salsa/more/follow words"),
                                                 ("walk", "walk words"), ("salsa/dances/1", "a phrase")]


def test_random_scores_are_valid_and_always_supported():
    rng = np.random.default_rng(0)
    grid = BeatGrid.uniform(100, 20.0)
    for _ in range(5):
        score = evaluate.random_score(grid, 32.0, rng)
        at = np.arange(0, 32, 0.25) + 0.125
        feet, flight = notation.weight(score, at)
        assert (feet.any(axis=1) | flight).all()
        assert score.duration >= 32 and {s.column for s in score.symbols} >= {laban.Column.TORSO,
                                                                             laban.Column.SUPPORT_LEFT}


def test_a_report_on_real_clips(trials, tmp_path, monkeypatch):
    clips = [evaluate.Clip(n, _read(trials[n]), text=trials[n].description)
             for n in ("05_02", "05_03", "05_07", "07_01")]
    held = [evaluate.Clip(n, _read(trials[n]), text=trials[n].description) for n in ("05_06", "60_07")]

    def decode(score):  # a stand-in decoder: every score becomes 05_06 (exact for 05_06's own), random ones refused
        if score.title == "random":
            raise laban.LabanError("refused")
        return evaluate.first_seconds(held[0].motion, 6.0)

    monkeypatch.setattr(laban, "decode", decode)
    # A 'generated' clip: the held-out 05_06 written as joint positions with a beats file, under its name.
    traj = evaluate.trajectories(held[0].motion)
    laban.write_joint_arrays(traj, tmp_path / "05_06.npz")
    (tmp_path / "05_06.beats").write_text("\n".join(f"{0.5 * i:.2f}" for i in range(40)))
    (tmp_path / "05_06.txt").write_text("a salsa dance\n")  # its prompt: the other held-out clip's kind of dance
    generated = evaluate.load_directory(tmp_path)
    assert generated[0].grid is not None and generated[0].grid.times[1] == 0.5
    assert generated[0].text == "a salsa dance"
    result = evaluate.report(clips, held, generated, evaluate.Protocol(seconds=6.0))
    rows = result["rows"]
    assert list(rows) == ["reference", "ground truth", "training clips (sample)", "nearest training clip",
                          "decoded test scores", "generated"]
    assert "random valid scores: the decoder refused all 2 scores" in result["pending"]
    trip = rows["decoded test scores"]
    assert trip["n"] == 2 and trip["decode_failures"] == 0 and trip["notation"]["pairs"] == 2
    assert 0.5 < trip["notation"]["gesture_direction"] < 1.0  # 05_06's round trip is exact, 60_07's is not
    assert rows["reference"]["n"] == 4 and rows["ground truth"]["n"] == 2 and rows["generated"]["n"] == 1
    assert rows["reference"]["FID_k"] is None and rows["ground truth"]["FID_k"] > 0
    assert rows["ground truth"]["bone_drift_mm"] < 1e-3  # rotations
    assert rows["generated"]["beats"] == {"music": 1, "own pulse": 0, "held-out pulse": 0}  # its own beats file
    assert rows["nearest training clip"]["beats"] == {"music": 0, "own pulse": 0, "held-out pulse": 2}
    assert rows["generated"]["notation"]["pairs"] == 1 and rows["generated"]["notation"]["gesture_direction"] > 0.5
    assert rows["nearest training clip"]["notation"]["pairs"] == 2
    assert all(np.isfinite(rows["ground truth"][k]) for k in ("Div_k", "BAS_aist++", "pfc", "jitter"))
    variants = result["protocol"]["variants"]
    assert "correct acceleration" in variants["FID_k"] and "aist++" in variants["BAS"]
    table = evaluate.markdown(result)
    assert "| ground truth | 2 |" in table and "FID_k" in table and "Not measured yet" in table
    # Text: every row ranks its texts among the held-out descriptions; the reference among its own four.
    assert rows["reference"]["text_retrieval"]["pool"] == 4
    assert rows["ground truth"]["text_retrieval"]["pool"] == 2 and rows["ground truth"]["text_retrieval"]["n"] == 2
    for stand_in in ("decoded test scores", "nearest training clip"):  # judged on the words of the clips they stand for
        assert rows[stand_in]["text_retrieval"]["n"] == 2 and rows[stand_in]["text_retrieval"]["pool"] == 2
    assert rows["generated"]["text_retrieval"]["pool"] == 3  # its own prompt joins the held-out descriptions
    assert "text → score R-precision" in table and "chance" in table
    json.dumps(evaluate.jsonable(result), allow_nan=False)


def test_the_command_writes_json_and_markdown(tmp_path, capsys):
    rng = np.random.default_rng(0)
    skeleton = metrics.features.landmark_skeleton()
    for folder in ("ref", "gen"):
        (tmp_path / folder).mkdir()
        for k in range(3):
            sway = 0.05 * np.sin(np.arange(240)[:, None, None] / (5 + rng.random() * 5 + k)) * rng.random((1, 21, 3))
            laban.write_joint_arrays(laban.Trajectories(skeleton, POSE[None] + sway, 60.0),
                                     tmp_path / folder / f"c{k}.npz")
    out = tmp_path / "report.json"
    code = evaluate.main(["--generated", str(tmp_path / "gen"), "--reference", str(tmp_path / "ref"),
                          "--held-out", "none", "--quirk", "-o", str(out)])
    assert code == 0
    result = json.loads(out.read_text())
    assert result["rows"]["generated"]["n"] == 3 and result["protocol"]["kinetic_quirk"] is True
    assert "quirk" in result["protocol"]["variants"]["FID_k"]
    assert out.with_suffix(".md").read_text().startswith("Reference:")
    assert "written" in capsys.readouterr().out


# A standing body on the landmark skeleton (BodyPart order), metres, y up, facing +z.
POSE = np.array([(0, .95, 0), (0, 1.1, 0), (0, 1.3, 0), (0, 1.5, 0), (0, 1.65, 0), (.05, 1.45, 0), (-.05, 1.45, 0),
                 (.18, 1.45, 0), (-.18, 1.45, 0), (.18, 1.15, 0), (-.18, 1.15, 0), (.18, .9, 0), (-.18, .9, 0),
                 (.09, .9, 0), (-.09, .9, 0), (.09, .5, 0), (-.09, .5, 0), (.09, .07, 0), (-.09, .07, 0),
                 (.09, 0, .12), (-.09, 0, .12)])


def _read(trial) -> laban.Motion:
    motion = laban.read_bvh(trial.path)
    motion.fps = trial.fps
    return motion


def test_a_figure_no_seed_has_is_nan_without_numpy_s_warnings(recwarn):
    """A figure 2 entry no generated row has (a held-out folder of one clip has no FID) is NaN; numpy's "Mean of
    empty slice" and "Degrees of freedom <= 0" went raw to the terminal of `motiongpt evaluate` instead."""
    import math

    from motiongpt.evaluate.report import figure_2

    out = figure_2({"reference": {}, "generated (seed 0)": {"FID_k": None}, "generated (seed 1)": {}})
    assert math.isnan(out["FID_k"]["mean"]) and math.isnan(out["Div_g"]["sd"])
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)], [str(w.message) for w in recwarn]
