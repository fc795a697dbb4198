"""The command line: the main job end to end, and bad input as one line on stderr with nothing written."""

from __future__ import annotations

import subprocess
import sys

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


def test_tokenize_follows_a_beats_file_and_a_meter(trials, tmp_path, capsys):
    beats = tmp_path / "beats.txt"
    beats.write_text("\n".join(f"{0.2 + 0.55 * i:.3f}" for i in range(30)))
    code, _, err = run(["tokenize", str(trials["05_01"].path), "-o", str(tmp_path / "s.json"),
                        "--beats", str(beats), "--meter", "3"], capsys)
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
    code, _, err = run(["staff", str(score), "-o", str(tmp_path / "p.pdf")], capsys)
    assert code == 2 and ".svg or .png" in err and not (tmp_path / "p.pdf").exists()


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
