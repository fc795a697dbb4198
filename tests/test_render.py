"""The dancer: drawn where its joints project, two dancers in two colours, videos of the right length, a contact
sheet with a panel per beat, the staff's play-head in time, and nothing left behind when writing fails.

Renders real shared clips at small sizes with the software rasteriser (no GPU needed); skips, saying why, when
there is no off-screen OpenGL (Debian: libegl1 libgl1-mesa-dri) or no shared motion capture.
"""

from __future__ import annotations

import io
import itertools
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import laban
from laban.errors import LabanError
from laban.motion import Motion

SIZE = (160, 120)


@pytest.fixture(scope="module")
def gl():
    from viz.scene import _pyrender

    try:
        pyrender = _pyrender()
        pyrender.OffscreenRenderer(8, 8).delete()
    except Exception as error:  # a LabanError naming the packages, or whatever the GL stack raised
        pytest.skip(f"no off-screen OpenGL here: {error}")


def motion(trial, seconds: float | None = None, start: float = 0.0) -> Motion:
    m = laban.read_bvh(trial.path, frame_rate=trial.fps)
    a = int(round(start * m.fps))
    b = m.frame_count if seconds is None else a + int(round(seconds * m.fps))
    return Motion(m.skeleton, m.rotations[a:b], m.translations[a:b], m.fps)


@pytest.fixture(scope="module")
def solo(trials):
    return motion(trials["05_02"], 4.0, start=3.0)


@pytest.fixture(scope="module")
def duet(trials):
    return [motion(trials["60_01"], 3.0, start=5.0), motion(trials["61_01"], 3.0, start=5.0)]


def test_the_dancer_is_drawn_where_its_joints_project(gl, solo):
    from viz.scene import DanceScene

    frames = [0, 40, 80]
    with DanceScene([solo], size=SIZE) as scene:
        drawn = np.stack(list(scene.frames(frames))).astype(int)
        empty = np.stack(list(scene.frames(frames, show_dancers=False))).astype(int)
        joints = scene.project(frames)[0]
    parts = sorted(set(solo.skeleton.parts.values()))
    diff = np.abs(drawn - empty).sum(axis=-1)
    for k in range(len(frames)):
        pixels = np.round(joints[k, parts]).astype(int)
        assert (pixels >= 0).all() and (pixels[:, 0] < SIZE[0]).all() and (pixels[:, 1] < SIZE[1]).all()
        # Every body part's joint lies on the drawn body (within a pixel: a silhouette edge may round away).
        near = [diff[k, max(y - 1, 0):y + 2, max(x - 1, 0):x + 2].max() for x, y in pixels]
        assert min(near) > 40, f"frame {frames[k]}: a joint projects onto the bare stage"
        # Far from the body (and its shadows) the picture is the bare stage.
        x0, y0 = pixels.min(axis=0) - 20
        x1, y1 = pixels.max(axis=0) + 20
        far = np.ones(diff.shape[1:], dtype=bool)
        far[max(y0, 0):y1, max(x0, 0):x1] = False
        assert far.sum() > 0.2 * far.size
        assert diff[k][far].max() <= 2


def test_joint_positions_render_too(gl, duet):
    """Trajectories (no rotations, no end sites: the feet are guessed from where the body faces) render as well."""
    from viz.render import render_frames

    traj = duet[0].trajectories(30.0)
    drawn = render_frames([traj], [10], size=SIZE).astype(int)
    empty = render_frames([traj], [10], size=SIZE, show_dancers=False).astype(int)
    assert (np.abs(drawn - empty).sum(axis=-1) > 40).sum() > 200


def test_two_dancers_in_two_colours(gl, duet):
    from viz.scene import COLORS, DanceScene

    with DanceScene(duet, size=SIZE) as scene:
        image = next(scene.frames([45])).astype(int)
        joints = scene.project([45])
    r, b = image[..., 0], image[..., 2]
    warm, cool = r - b > 60, b - r > 60
    assert warm.sum() > 30 and cool.sum() > 30
    assert COLORS[0].startswith("#e") and COLORS[1].startswith("#2")  # warm first, cool second
    for mask, points in ((warm, joints[0][0]), (cool, joints[1][0])):
        x, y = np.clip(np.round(points).astype(int), 0, [SIZE[0] - 1, SIZE[1] - 1]).T
        near = [mask[max(j - 1, 0):j + 2, max(i - 1, 0):i + 2].any() for i, j in zip(x, y)]
        assert np.mean(near) > 0.6  # each dancer's joints are in its own colour (but where the other is in front)


def test_videos_have_the_frames_and_duration_of_the_motion(gl, solo, tmp_path):
    import imageio.v2 as imageio

    from viz.render import render

    short = Motion(solo.skeleton, solo.rotations[:60], solo.translations[:60], solo.fps)  # 0.5 s at 120 fps
    render(tmp_path / "d.mp4", [short], size=SIZE, progress=False)
    reader = imageio.get_reader(tmp_path / "d.mp4")
    meta = reader.get_meta_data()
    assert reader.count_frames() == 15 and meta["fps"] == pytest.approx(30)
    assert meta["duration"] == pytest.approx(0.5, abs=0.04)
    assert meta["size"] == SIZE
    reader.close()
    render(tmp_path / "d.gif", [short], size=SIZE, progress=False)
    gif = Image.open(tmp_path / "d.gif")
    delays = []
    for k in range(gif.n_frames):
        gif.seek(k)
        delays.append(gif.info["duration"])
    assert gif.n_frames == 15 and sum(delays) == 500 and gif.size == SIZE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.gif", "d.mp4"]


def test_the_staff_beside_the_dancer_has_a_play_head_moving_up_in_time(gl, solo, tmp_path):
    import imageio.v2 as imageio

    from viz.render import render
    from viz.staff import draw_staff
    from viz.video import PLAYHEAD, StaffStrip

    short = Motion(solo.skeleton, solo.rotations[:240], solo.translations[:240], solo.fps)  # 2 s
    score = laban.tokenize(short, bpm=120)
    strip = StaffStrip(draw_staff(score, beats_per_staff=score.duration), 120)
    rows = []
    for beat in (0.0, 1.0, 2.0, 3.0):
        panel = strip.window(beat).astype(int)
        red = np.abs(panel[:, 2] - PLAYHEAD).sum(axis=1) < 30  # the arrowhead at the edge
        rows.append(np.flatnonzero(red).mean())
    assert all(a > b for a, b in itertools.pairwise(rows))  # up the page as time goes on

    render(tmp_path / "s.mp4", [short], score=score, size=SIZE, progress=False)
    reader = imageio.get_reader(tmp_path / "s.mp4")
    assert reader.count_frames() == 60
    first, last = reader.get_data(0), reader.get_data(59)
    reader.close()
    assert first.shape[1] == SIZE[0] + strip.width and first.shape[0] == SIZE[1]
    heights = [np.flatnonzero(np.abs(f[:, 2].astype(int) - PLAYHEAD).sum(axis=1) < 90).mean() for f in (first, last)]
    assert heights[1] < heights[0]


def test_contact_sheet_has_a_panel_per_beat(gl, solo, tmp_path):
    from viz.video import PAPER, contact_sheet

    beats = [0.25, 0.75, 1.25, 1.75, 2.25]
    sheet = contact_sheet([solo], beats, tmp_path / "sheet.png", panel=(60, 80), columns=3)
    saved = np.asarray(Image.open(tmp_path / "sheet.png").convert("RGB"))
    assert np.array_equal(saved, sheet)
    gap, (w, h) = 3, (60, 80)
    assert sheet.shape[:2] == (2 * h + 3 * gap, 3 * w + 4 * gap)  # two rows of three
    panels = [sheet[gap + r * (h + gap):gap + r * (h + gap) + h, gap + c * (w + gap):gap + c * (w + gap) + w]
              for r in range(2) for c in range(3)]
    body = [((p[..., 0].astype(int) - p[..., 2]) > 60).sum() for p in panels]
    assert all(n > 10 for n in body[:5]) and body[5] == 0
    assert (panels[5] == PAPER).all()
    grid = laban.BeatGrid.uniform(120, solo.duration)  # a beat grid: one panel per beat inside the motion
    sheet = contact_sheet([solo], grid, panel=(40, 50), columns=100)
    assert sheet.shape[1] == 9 * 40 + 10 * gap  # beats at 0, 0.5, ... 4.0 s

    from viz.render import render  # the command's way: a .png is a contact sheet on the score's beats

    render(tmp_path / "score.png", [solo], score=laban.tokenize(solo, bpm=120, title="05_02"), progress=False)
    assert Image.open(tmp_path / "score.png").size[0] == 5 * 200 + 6 * gap  # 9 beats: two rows of five, one empty


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    from viz.video import save_video

    def frames():
        yield np.zeros((48, 64, 3), np.uint8)
        yield np.zeros((48, 64, 3), np.uint8)
        raise RuntimeError("renderer died")

    (tmp_path / "keep.mp4").write_bytes(b"old")
    for name in ("keep.mp4", "new.mp4", "new.gif"):
        with pytest.raises(RuntimeError):
            save_video(tmp_path / name, frames(), 30)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.mp4"]
    assert (tmp_path / "keep.mp4").read_bytes() == b"old"
    with pytest.raises(LabanError, match="expected .mp4 or .gif"):
        save_video(tmp_path / "x.avi", frames(), 30)
    with pytest.raises(LabanError, match="no such folder"):
        save_video(tmp_path / "missing" / "x.mp4", frames(), 30)


def test_gif_delays_add_up_to_the_duration():
    from viz.video import gif_delays

    assert gif_delays(3, 30) == [30, 40, 30]
    assert sum(gif_delays(301, 30)) == 10030
    assert gif_delays(4, 25) == [40] * 4


def test_progress_bar_is_one_line_off_a_terminal():
    from viz.progress import Progress

    out = io.StringIO()
    with Progress(3, "rendering", stream=out) as bar:
        for _ in range(3):
            bar.update()
    text = out.getvalue()
    assert text.count("\n") == 1 and "100%" in text and "3/3 frames" in text
    quiet = io.StringIO()
    with Progress(3, enabled=False, stream=quiet) as bar:
        bar.update(3)
    assert quiet.getvalue() == ""


def test_no_gl_is_one_line_naming_the_packages(trials):
    code = ("import laban; from viz.render import render_frames\n"
            f"m = laban.read_bvh({str(trials['05_02'].path)!r}, max_fps=30)\n"
            "try:\n    render_frames([m], [0], size=(32, 24))\n"
            "except laban.LabanError as e:\n    print(e)\n")
    env = {**os.environ, "PYOPENGL_PLATFORM": "osmesa"}  # OSMesa: a GL we do not install
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env, timeout=120)
    message = out.stdout.strip()
    if not message:
        pytest.skip("OSMesa is installed here, so this machine cannot show the missing-GL message")
    assert "\n" not in message and "libegl1" in message and "libgl1-mesa-dri" in message
    assert "PYOPENGL_PLATFORM=egl" in message


def test_the_renderer_modules_import_one_way():
    """The engine (scene, body, camera, stage), the outputs (video) and the entry point (render) form no cycle,
    counting imports inside functions too."""
    import ast
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "viz"
    graph = {}
    for path in folder.glob("*.py"):
        uses = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1:
                    uses |= {node.module} if node.module else {alias.name for alias in node.names}
                elif (node.module or "").startswith("viz."):
                    uses.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                uses |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("viz.")}
        graph[path.stem] = {use for use in uses if (folder / f"{use}.py").exists()} - {path.stem}
    assert "render" not in graph["video"] and "render" not in graph["scene"]

    def reaches(start, goal, seen=()):
        return any(n == goal or (n not in seen and reaches(n, goal, seen + (n,))) for n in graph.get(start, ()))

    assert [name for name in graph if name != "__init__" and reaches(name, name)] == []


@pytest.mark.parametrize("beats", ["0\n1e-12\n2e-12\n", "0\nsoon\n", "0\n1e9\n"])
@pytest.mark.parametrize("drawn", [["r.gif"], ["r.gif", "--staff"], ["r.mp4"], ["sheet.png"]])
def test_a_bad_beats_file_is_refused_whatever_is_drawn(trials, tmp_path, capsys, monkeypatch, beats, drawn):
    """``render -o x.gif --beats bad.beats`` drew the video and exited 0, while ``--staff`` or a contact sheet
    refused the same file (and beats 1e-12 s apart hung with ``--staff``): a beats file given is always read."""
    import viz.render
    from motiongpt.cli import main

    monkeypatch.setattr(viz.render, "render", lambda *args, **kwargs: pytest.fail("the dancer was drawn"))
    path = tmp_path / "bad.beats"
    path.write_text(beats)
    name, *options = drawn
    code = main(["render", str(trials["05_02"].path), "-o", str(tmp_path / name), "--beats", str(path), "--quiet",
                 *options])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"motiongpt: error: {path}:2: ") and err.count("\n") == 1, err


def test_a_songs_beats_end_the_staff_with_the_take(trials, tmp_path, capsys, monkeypatch):
    """``render take.bvh --beats song.beats --staff`` drew every bar of the song beside a take of a few seconds
    (empty bars after it; a long song's staff shrank to be drawn at all), where ``tokenize --beats`` of the same
    take ends its score with the bar the take ends in: the staff beside the dancer is now that score's."""
    import viz.render
    from motiongpt.cli import main

    drawn = {}
    monkeypatch.setattr(viz.render, "render", lambda path, dancers, *, score=None, **kwargs: drawn.update(score=score))
    beats = tmp_path / "song.beats"
    beats.write_text("\n".join(f"{0.5 * k:.1f}" for k in range(1200)) + "\n")  # ten minutes at 120 bpm
    take = str(trials["05_02"].path)
    assert main(["render", take, "-o", str(tmp_path / "r.mp4"), "--beats", str(beats), "--staff", "--quiet"]) == 0
    assert main(["tokenize", take, "-o", str(tmp_path / "t.laban"), "--beats", str(beats)]) == 0
    capsys.readouterr()
    grid = drawn["score"].grid
    assert grid == laban.Score.load(tmp_path / "t.laban").grid and grid.times[-1] < 12.0  # a 9.4-s take


def test_the_frame_counter_reads_a_hair_before_a_bar_line_as_on_it():
    """A grid's times carry float noise (beats added up, music21's seconds: the maple leaf rag's bar 46 in 2/4):
    the frame at 4.6 s fell at beat 8.999999999999998 of this grid, on bar 3's line, and its corner read
    'bar 2 · beat 5' in 4/4."""
    from viz.video import _counter, _font

    times = tuple(itertools.accumulate([0.6] * 5 + [0.4] * 8, initial=0.0))  # 100 bpm, then 150
    grid = laban.BeatGrid(times, 4, 1)
    beat = float(grid.seconds_to_beats(138 / 30))
    assert beat < 9.0
    frame, font = np.full((40, 240, 3), 128, np.uint8), _font(12)
    assert np.array_equal(_counter(frame, grid, beat, font), _counter(frame, grid, 9.0, font))  # bar 3 · beat 1


def test_an_mp4_in_a_folder_it_cannot_write_to_is_one_line(tmp_path):
    """ffmpeg was started first: its broken pipe came back as the message, after ffmpeg's own error lines."""
    import shlex
    import shutil

    folder = tmp_path / "shut"
    folder.mkdir()
    folder.chmod(0o555)
    code = ("import sys, numpy as np\nfrom laban.errors import LabanError\nfrom viz.video import save_video\n"
            "try:\n    save_video(sys.argv[1], [np.zeros((16, 16, 3), np.uint8)] * 3, 10)\n"
            "except LabanError as error:\n    print(error)\n")
    command = [sys.executable, "-c", code, str(folder / "x.mp4")]
    if os.geteuid() == 0:  # root writes anywhere; without these capabilities it cannot
        if shutil.which("capsh") is None:
            pytest.skip("running as root without capsh to drop the right to write anywhere")
        command = ["capsh", "--drop=cap_dac_override,cap_dac_read_search,cap_fowner", "--", "-c",
                   shlex.join(command)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.stdout == f"{folder / 'x.mp4'}: cannot write: Permission denied\n" and done.stderr == ""


def test_a_refused_write_names_the_path_asked_for_not_its_temporary():
    """A dance folder written into a folder it may not write to said '.g.3f09ab12cd34.part: permission denied'."""
    from motiongpt.cli import describe

    refused = PermissionError(13, "Permission denied", "/work/shut/.g.3f09ab12cd34.part/score.laban")
    assert describe(refused) == "/work/shut/g/score.laban: permission denied"
    refused = PermissionError(13, "Permission denied", "shut/.dance.0123456789abcdef.part.bvh")
    assert describe(refused) == "shut/dance.bvh: permission denied"
