"""The studio's HTTP API (motiongpt.studio) on a tiny model: the co-creation loop through the routes, and the
safety rules: nothing outside the session folder can be read or written through any route, uploads are limited
in size and type, and two tabs working at once never corrupt the history."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

import laban

pytest.importorskip("starlette", reason="the studio extra (starlette, uvicorn) is not installed")
pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx")

from starlette.testclient import TestClient  # noqa: E402

SECRET = "TOP-SECRET-OUTSIDE-THE-FOLDER"
FLAG = r"(?<![\w-])--[a-z]"  # a command-line option in a message: the page has none


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An app on a tiny model, a secret file beside its folder, and one finished ask of two variations."""
    import torch

    from motiongpt.model import build, tiny_config
    from motiongpt.studio import create_app

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("studio")
    build(tiny_config(styles=["salsa", "salsa follow"]), seed=1).save_pretrained(root / "model")
    (root / "secret.txt").write_text(SECRET)
    app = create_app(root / "folder", root / "model", warm=False)
    client = TestClient(app, base_url="http://127.0.0.1")
    studio = app.state.studio
    job = client.post("/api/ask", json={"text": "a slow turn", "bars": 3, "count": 2, "seed": 1}).json()
    done = studio.jobs.wait(job["id"], 120)
    assert done.state == "done", done.error
    return {"client": client, "studio": studio, "root": root, "ask": done}


def run(site, response):
    """The job a 202 answer started, once finished."""
    assert response.status_code == 202, response.text
    job = site["studio"].jobs.wait(response.json()["id"], 120)
    assert job.state == "done", job.error
    return site["client"].get(f"/api/jobs/{job.id}").json()


def test_ask_gives_ranked_variations_with_staff_and_motion(site):
    client, ask = site["client"], site["ask"]
    ids = ask.result["dances"]
    assert len(ids) == 2 and ask.result["ranked"]
    state = json.loads((site["studio"].folder.root / "studio.json").read_text())
    [record] = [a for a in state["asks"] if a["id"] == ask.result["ask"]]
    assert record["ranked"] == ids and set(record["quality"]) == set(ids)
    view = client.get(f"/api/dances/{ids[0]}").json()
    assert [b["bar"] for b in view["bars"]] == [1, 2, 3] and view["grid"]["meter"] == 4
    assert view["staff"]["staves"] and view["staff"]["width"] > 0 and view["text"] == "a slow turn"
    motion = client.get(f"/api/dances/{ids[0]}/motion").json()
    frames = motion["dancers"][0]["frames"]
    # the whole decoded motion: to the end of the score's last symbol, as ``laban.decode`` performs a score (a sampled
    # dance whose last beats are empty ends there: this tiny model's first option leaves its third bar empty)
    score = laban.Score.load(site["studio"].folder.dance_path(ids[0]) / "score.laban")
    end = float(score.grid.beats_to_seconds(max(s.end for s in score.symbols)))
    assert abs(len(frames) / motion["fps"] - end) < 0.5
    assert len(frames[0]) == 3 * len(motion["dancers"][0]["parents"])
    assert client.get(f"/api/dances/{ids[0]}/staff.svg").text.lstrip().startswith("<")


def test_words_bar_by_bar_a_line_a_phrase(site):
    """Lines that start with bars ("1-2: ...") are words bar by bar, as ``motiongpt generate --phrase``, and the
    dance's view says phrase by phrase what they asked and what it does; a phrase outside the dance fails the ask
    with the one-line reason."""
    client, studio = site["client"], site["studio"]
    done = run(site, client.post("/api/ask", json={"text": "1-2: four steps forward\n3: a jump", "bars": 3,
                                                    "count": 1, "seed": 2}))
    [dance_id] = done["result"]["dances"]
    prompt = json.loads((studio.folder.dance_path(dance_id) / "prompt.json").read_text())
    assert prompt["phrases"] == [[1, 2, "four steps forward"], [3, 3, "a jump"]] and prompt["text"] is None
    check = client.get(f"/api/dances/{dance_id}").json()["check"]  # what the page shows asked and done
    assert [row["bars"] for row in check] == [[1, 2], [3, 3]] and check[1]["elements"]["jump"]["asked"] == "1"
    job = client.post("/api/ask", json={"text": "1-5: a jump", "bars": 3, "count": 1}).json()
    failed = studio.jobs.wait(job["id"], 120)
    assert failed.state == "failed" and "the dance has bars 1-3" in failed.error


def test_start_from_a_capture_at_its_real_frame_rate(site, tmp_path):
    """A capture uploaded and started from is tokenized at the frame rate asked (a file whose header says another,
    as the CMU salsa takes' do): the dance is its score read at that rate, and its prompt says so."""
    import laban

    client, studio = site["client"], site["studio"]
    example = Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban"
    laban.write_bvh(laban.decode(laban.Score.load(example)), tmp_path / "take.bvh")  # 30 frames a second
    name = client.put("/api/upload?kind=capture&name=take.bvh", content=(tmp_path / "take.bvh").read_bytes())
    assert name.status_code == 200, name.text
    made = {}
    for fps in (None, 60):
        done = run(site, client.post("/api/start", json={"upload": name.json()["upload"], "fps": fps}))
        [made[fps]] = done["result"]["dances"]
    prompts = {fps: json.loads((studio.folder.dance_path(d) / "prompt.json").read_text()) for fps, d in made.items()}
    assert "fps" not in prompts[None] and prompts[60]["fps"] == 60
    durations = {fps: laban.Score.load(studio.folder.dance_path(d) / "score.laban").grid.times[-1]
                 for fps, d in made.items()}
    assert durations[60] < 0.75 * durations[None]  # read twice as fast, the same motion lasts half as long


def test_start_refuses_a_bad_meter_or_an_unknown_setting_in_one_line(site):
    """/api/start read its meter with int(): "3/4" was a 500 and a traceback, 2.5 was taken as 2 and 0 as 4, and
    a setting it does not have was ignored; each is now refused in one line, as /api/ask refuses its settings."""
    client = site["client"]
    for body, words in (({"meter": "3/4"}, "meter must be a whole number"), ({"meter": 2.5}, "meter must be a whole"),
                        ({"meter": 0}, "meter must be from 1 to 64"), ({"meter": 65}, "meter must be from 1 to 64"),
                        ({"colour": "red"}, "not a setting")):
        answer = client.post("/api/start", json={"upload": "u9999-none.bvh", **body})
        assert answer.status_code == 400 and words in answer.json()["error"], answer.text
    answer = client.post("/api/start", json={"upload": "u9999-none.bvh", "meter": "3"})  # a good meter: the upload
    assert answer.status_code == 404 and "no such upload" in answer.json()["error"]


def anonymous_take(trials, folder, seconds=2.0):
    """The first seconds of a real CMU take with its joints named J1, J2, ... (``conftest.anonymous_rig``): a rig,
    or a capture, whose names say nothing; and the map ({part: joint}) that names its body parts."""
    from conftest import anonymous_rig
    from laban import read_motion, write_bvh
    from motiongpt.data import first_seconds

    write_bvh(first_seconds(read_motion(trials["05_02"].path), seconds), folder / "named.bvh")
    items = anonymous_rig(folder / "named.bvh", folder / "take.bvh")
    return folder / "take.bvh", dict(item.removeprefix("--map=").split("=", 1) for item in items)


def test_a_rig_that_cannot_travel_is_refused_in_one_line_without_the_naming_form(site, trials):
    """A rig with no position channels at or above its pelvis is recognised, and the decoder cannot move it: the
    ask was taken and failed after the dances were written. It is refused at once, and not with body parts to name
    (naming them would not help)."""
    client = site["client"]
    lines = trials["05_01"].path.read_text().splitlines()
    motion = lines.index("MOTION")
    lines = [line.replace("CHANNELS 6 Xposition Yposition Zposition", "CHANNELS 3") for line in lines[:motion + 3]
             ] + [" ".join(line.split()[3:]) for line in lines[motion + 3:motion + 40]]
    lines[motion + 1] = "Frames: 37"
    body = ("\n".join(lines) + "\n").encode()
    upload = client.put("/api/upload?kind=rig&name=fixed.bvh", content=body).json()["upload"]
    refused = client.post("/api/ask", json={"text": "steps", "bars": 1, "count": 1, "rig": upload})
    assert refused.status_code == 400, refused.text
    answer = refused.json()
    assert answer["error"].startswith("fixed.bvh: ") and "position channels" in answer["error"], answer
    assert "rig" not in answer and "\n" not in answer["error"]


def test_a_rig_exported_with_its_rest_pose_alone_is_danced_on(site, trials, tmp_path):
    """A rig exported with no frames ("Frames: 0", its rest pose alone: what a rigging tool exports) was refused at
    upload ("the file has zero frames"), though ``generate --skeleton`` dances on it."""
    client, studio = site["client"], site["studio"]
    lines = trials["05_01"].path.read_text().splitlines()
    motion = lines.index("MOTION")
    body = ("\n".join(lines[:motion + 1] + ["Frames: 0", lines[motion + 2]]) + "\n").encode()
    answer = client.put("/api/upload?kind=rig&name=rest.bvh", content=body)
    assert answer.status_code == 200, answer.text
    [dance] = run(site, client.post("/api/ask", json={"text": "steps", "bars": 1, "count": 1,
                                                       "rig": answer.json()["upload"]}))["result"]["dances"]
    from laban import read_bvh

    danced = read_bvh(studio.folder.dance_path(dance) / "dance.bvh").skeleton
    assert danced.names == read_bvh(trials["05_01"].path).skeleton.names  # on the rig, not the package's figure


def test_a_rig_whose_joints_say_nothing_is_named_then_danced_on(site, trials, tmp_path):
    """A rig whose joints' names say nothing (J1, J2, ...): the studio could not perform on it at all (an ask took
    no rig; a BVH onto it failed in a line that said ``--map``, which the page has not). An ask on it is refused
    with the body parts to name and its joints; a bad map in one line; with a map, as ``generate --skeleton --map``,
    the dance is performed on the rig, its prompt keeps the map, and a dance made from it in the studio (vary,
    continue) is performed on the rig too; a BVH onto the rig takes the map as well."""
    import re

    from laban import read_bvh
    from laban.skeleton import REQUIRED_PARTS

    client, studio = site["client"], site["studio"]
    rig, mapping = anonymous_take(trials, tmp_path)
    joints = list(read_bvh(rig).skeleton.names)
    named = list(read_bvh(tmp_path / "named.bvh").skeleton.names)  # CMU's helper joints at the pelvis, as thighs
    hips = {"thigh-left": f"J{named.index('LHipJoint') + 1}", "thigh-right": f"J{named.index('RHipJoint') + 1}"}
    upload = client.put("/api/upload?kind=rig&name=my_rig.bvh", content=rig.read_bytes()).json()["upload"]
    ask = {"text": "steps", "bars": 1, "count": 1, "seed": 3, "rig": upload}
    refused = client.post("/api/ask", json=ask)
    assert refused.status_code == 400, refused.text
    answer = refused.json()
    parts = [p.value for p in REQUIRED_PARTS]
    assert answer["error"].startswith("my_rig.bvh: cannot recognise pelvis, chest, head")
    assert answer["rig"]["parts"] == parts and answer["rig"]["missing"] == parts  # the names say nothing
    assert answer["rig"]["joints"] == joints and answer["rig"]["upload"] == upload

    bad = [({**mapping, "hand-left": "Nose"}, "joint 'Nose' for hand-left, but the skeleton has no such joint"),
           ({**mapping, "hand-right": mapping["hand-left"]},
            f"joint '{mapping['hand-left']}' for both hand-left and hand-right"),
           ({p: j for p, j in mapping.items() if p != "head"}, "my_rig.bvh: cannot recognise head among its joints"),
           ({**mapping, "tail": "J1"}, "unknown body part 'tail'"), ({**mapping, "head": " "}, "name a body part"),
           ("hand-left=J1", "map names body parts' joints"),
           ({**mapping, **hips}, "my_rig.bvh: the hip joints coincide: thigh-left 'J2' and thigh-right 'J7' are at one "
                                 "place in the rest pose, so they are helper joints, not the hips; name the real ones")]
    for given, says in bad:
        answer = client.post("/api/ask", json={**ask, "map": given})
        assert answer.status_code == 400 and says in answer.json()["error"], (given, answer.text)
        assert "\n" not in answer.json()["error"] and "Traceback" not in answer.text
        assert not re.search(FLAG, answer.json()["error"]), answer.text  # the page's form, not --map
    unused = client.post("/api/ask", json={"bars": 1, "map": mapping})  # a map with no rig to name
    assert unused.status_code == 400 and "give it too" in unused.json()["error"]

    [dance] = run(site, client.post("/api/ask", json={**ask, "map": mapping}))["result"]["dances"]
    folder = studio.folder.dance_path(dance)
    assert list(read_bvh(folder / "dance.bvh").skeleton.names) == joints  # performed on the rig
    assert json.loads((folder / "prompt.json").read_text())["map"] == mapping
    for operation, settings in (("vary", {"count": 1, "strength": 0.5}), ("continue", {"bars": 1})):
        [made] = run(site, client.post(f"/api/dances/{dance}/{operation}", json=settings))["result"]["dances"]
        made = studio.folder.dance_path(made)
        assert list(read_bvh(made / "dance.bvh").skeleton.names) == joints, operation
        assert json.loads((made / "prompt.json").read_text())["map"] == mapping

    plain = site["ask"].result["dances"][0]  # a dance on the package's figure, taken away onto the rig
    onto = client.get(f"/api/dances/{plain}/download/bvh?rig={upload}")
    assert onto.status_code == 400 and onto.json()["rig"]["missing"] == parts
    onto = client.get(f"/api/dances/{plain}/download/bvh", params={"rig": upload, "map": json.dumps(mapping)})
    assert onto.status_code == 200, onto.text
    (tmp_path / "onto.bvh").write_bytes(onto.content)
    assert list(read_bvh(tmp_path / "onto.bvh").skeleton.names) == joints


def test_a_capture_whose_joints_say_nothing_is_started_from_with_a_map(site, trials, tmp_path):
    """A capture on such a rig: start was a failed job that said ``--map``; it is refused with the parts to name,
    then tokenized with the map (``continue capture.bvh --map``), the map kept, and continued on its skeleton."""
    from laban import read_bvh

    client, studio = site["client"], site["studio"]
    take, mapping = anonymous_take(trials, tmp_path, 4.0)
    upload = client.put("/api/upload?kind=capture&name=take.bvh", content=take.read_bytes()).json()["upload"]
    refused = client.post("/api/start", json={"upload": upload})
    assert refused.status_code == 400 and refused.json()["rig"]["missing"][:2] == ["pelvis", "chest"], refused.text
    [dance] = run(site, client.post("/api/start", json={"upload": upload, "map": mapping}))["result"]["dances"]
    assert json.loads((studio.folder.dance_path(dance) / "prompt.json").read_text())["map"] == mapping
    [longer] = run(site, client.post(f"/api/dances/{dance}/continue", json={"bars": 1}))["result"]["dances"]
    assert read_bvh(studio.folder.dance_path(longer) / "dance.bvh").skeleton.names == read_bvh(take).skeleton.names


def test_regenerate_bars_keeps_the_rest_and_joins_the_history(site):
    from laban.algebra import cut
    from laban.score import Score

    client, parent = site["client"], site["ask"].result["dances"][0]
    job = run(site, client.post(f"/api/dances/{parent}/regenerate", json={"first": 2, "last": 3, "seed": 5,
                                                                            "text": "jump"}))
    [child] = job["result"]["dances"]
    view = client.get(f"/api/dances/{child}").json()
    assert view["parents"] == [parent] and view["operation"] == "regenerate" and view["bars_changed"] == [2, 3]
    folder = site["studio"].folder.dances
    before, after = Score.load(folder / parent / "score.laban"), Score.load(folder / child / "score.laban")
    assert cut(before, 1, 1).symbols == cut(after, 1, 1).symbols  # bar 1 untouched
    history = client.get("/api/history").json()["dances"]
    assert child in next(d for d in history if d["id"] == parent)["children"]


def test_vary_continue_blend_translate(site):
    client, (a, b) = site["client"], site["ask"].result["dances"]
    varied = run(site, client.post(f"/api/dances/{a}/vary", json={"strength": 0.5, "count": 2}))["result"]["dances"]
    assert len(varied) == 2
    longer = run(site, client.post(f"/api/dances/{a}/continue", json={"bars": 2}))["result"]["dances"][0]
    assert len(client.get(f"/api/dances/{longer}").json()["bars"]) == 5
    mixed = run(site, client.post(f"/api/dances/{a}/blend", json={"other": b, "bars": 1}))["result"]["dances"][0]
    assert set(client.get(f"/api/dances/{mixed}").json()["parents"]) == {a, b}
    styled = run(site, client.post(f"/api/dances/{a}/translate", json={"style": "salsa"}))["result"]["dances"][0]
    assert client.get(f"/api/dances/{styled}").json()["style"] == "salsa"


def test_hand_edit_error_names_the_line_and_a_good_edit_redraws(site):
    client, parent = site["client"], site["ask"].result["dances"][1]
    text = client.get(f"/api/dances/{parent}").json()["score_text"]
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == "bar 2") + 1
    # a word the notation lacks; a key held down on a length (int() refused it: an error 500, not the line)
    for typo in ("  1   head   sideways   1", "  1   head   forward high   " + "1" * 5000):
        broken = "\n".join(lines[:at] + [typo] + lines[at:])
        answer = client.put(f"/api/dances/{parent}/score", content=broken)
        assert answer.status_code == 400 and answer.json()["line"] == at + 1
        assert f":{at + 1}:" in answer.json()["error"] and "\n" not in answer.json()["error"]
        assert len(answer.json()["error"]) < 300
    edited = "\n".join("title: edited by hand" if line.startswith("title:") else line for line in lines)
    job = run(site, client.put(f"/api/dances/{parent}/score", content=edited))
    [child] = job["result"]["dances"]
    view = client.get(f"/api/dances/{child}").json()
    assert view["operation"] == "edit" and view["parents"] == [parent]
    from laban.formats.text import loads

    assert loads(view["score_text"]) == loads(edited) and view["title"] == "edited by hand"


def test_downloads(site, trials):
    from laban import read_bvh

    client, dance = site["client"], site["ask"].result["dances"][0]
    bvh = client.get(f"/api/dances/{dance}/download/bvh")
    assert bvh.status_code == 200 and "attachment" in bvh.headers["content-disposition"]
    assert bvh.text.startswith("HIERARCHY")
    assert client.get(f"/api/dances/{dance}/download/pdf").content.startswith(b"%PDF")
    assert "bar 1" in client.get(f"/api/dances/{dance}/download/laban").text
    missing = client.get(f"/api/dances/{dance}/download/mp4")
    assert missing.status_code == 404 and "render" in missing.json()["error"]
    rig = trials["05_02"].path.read_bytes()  # a real CMU rig: the dance performed on its skeleton
    name = client.put("/api/upload?kind=rig&name=cmu.bvh", content=rig).json()["upload"]
    on_rig = client.get(f"/api/dances/{dance}/download/bvh?rig={name}")
    assert on_rig.status_code == 200, on_rig.text
    out = site["root"] / "on_rig.bvh"
    out.write_bytes(on_rig.content)
    cmu = read_bvh(trials["05_02"].path).skeleton
    assert read_bvh(out).skeleton.names == cmu.names
    archive = client.get("/api/history.zip")
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert f"studio/dances/{dance}/lineage.json" in names and "studio/studio.json" in names


def test_make_mp4_renders_the_dance_and_downloads_it(site, tmp_path):
    """Make MP4 on the off-screen renderer (skipped, saying why, where there is no OpenGL): the video lasts as
    long as the dance's motion, at 30 frames a second, and the dance's view says it has one."""
    from viz.scene import _pyrender

    try:
        _pyrender().OffscreenRenderer(8, 8).delete()
    except Exception as error:
        pytest.skip(f"no off-screen OpenGL here: {error}")
    import imageio.v2 as imageio

    from laban import read_bvh

    client, dance = site["client"], site["ask"].result["dances"][1]
    assert client.get(f"/api/dances/{dance}").json()["video"] is False
    run(site, client.post(f"/api/dances/{dance}/render"))
    assert client.get(f"/api/dances/{dance}").json()["video"] is True
    video = client.get(f"/api/dances/{dance}/download/mp4")
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert f'filename="dance-{dance}.mp4"' in video.headers["content-disposition"]
    out = tmp_path / "taken.mp4"
    out.write_bytes(video.content)
    motion = read_bvh(site["studio"].folder.dances / dance / "dance.bvh")
    reader = imageio.get_reader(out)
    try:
        assert reader.get_meta_data()["fps"] == pytest.approx(30)
        assert abs(reader.count_frames() - motion.frame_count / motion.fps * 30) <= 1.5
    finally:
        reader.close()
    assert not list((site["studio"].folder.root / "exports").glob(".*part*"))  # written whole


def test_make_mp4_can_be_cancelled_and_says_how_far_it_has_got(site):
    """Cancel on Make MP4 did nothing: the page said 'cancelling...' for the whole render (its progress stood at
    the start throughout), then offered the video. The render now reports its frames, and a cancel stops it at
    the next of them, leaving no video and no part of one."""
    from viz.scene import _pyrender

    try:
        _pyrender().OffscreenRenderer(8, 8).delete()
    except Exception as error:
        pytest.skip(f"no off-screen OpenGL here: {error}")
    import time

    client, studio = site["client"], site["studio"]
    dance = site["ask"].result["dances"][0]
    exports = studio.folder.root / "exports"
    (exports / f"{dance}.mp4").unlink(missing_ok=True)
    job = studio.jobs.get(client.post(f"/api/dances/{dance}/render").json()["id"])
    while job.state in ("queued", "running") and "frame" not in job.message:
        time.sleep(0.01)
    said = job.message
    client.post(f"/api/jobs/{job.id}/cancel")
    job = studio.jobs.wait(job.id, 120)
    assert said.startswith("rendering the video: frame ") and job.state == "cancelled", (said, job.state)
    assert job.message == "cancelled: nothing was written"
    assert not (exports / f"{dance}.mp4").exists() and not list(exports.glob(".*"))
    assert client.get(f"/api/dances/{dance}").json()["video"] is False


def test_music_upload_and_ask_on_it(site):
    from music21 import note, stream

    piece = stream.Stream([note.Note("C4", quarterLength=1) for _ in range(16)])
    midi = site["root"] / "tune.mid"
    piece.write("midi", fp=str(midi))
    client = site["client"]
    name = client.put("/api/upload?kind=music&name=tune.mid", content=midi.read_bytes()).json()["upload"]
    job = run(site, client.post("/api/ask", json={"text": "steps", "music": name, "count": 1, "bars": 2}))
    view = client.get(f"/api/dances/{job['result']['dances'][0]}").json()
    music = view["music"]
    assert music["name"] == "tune.mid" and music["audio"] is None  # a score is played from its notes
    end = view["grid"]["times"][-1]  # the dance's two bars: the notes sounding in them, on the dance's clock
    assert [n[2] for n in music["notes"]] == [60] * sum(1 for k in range(16) if 0.5 * k < end)
    assert [n[0] for n in music["notes"]] == pytest.approx([0.5 * k for k in range(len(music["notes"]))])
    found = client.get("/api/corpus?q=joplin maple").json()["works"]
    assert "corpus:joplin/maple_leaf_rag" in found


def test_an_uploads_name_keeps_its_letters_in_any_script(site, tmp_path):
    """An upload was kept under its name's ASCII letters alone: "ワルツ.mid" and "タンゴ.mid" were both "upload.mid"
    in the page (the ask's line, the dance's music), and "Été «vif».mid" was "t_vif.mid". Letters and digits of
    any script are kept (what else, one "_"), the name within a file name's bytes; the upload is asked on, named,
    and played (an audio file is sent to the page by that name)."""
    import numpy as np
    import soundfile
    from music21 import note, stream

    piece = stream.Stream([note.Note("C4", quarterLength=1) for _ in range(8)])
    midi = tmp_path / "tune.mid"
    piece.write("midi", fp=str(midi))
    client = site["client"]
    kept = {}
    for name in ("ワルツ.mid", "タンゴ.mid", "Été «vif».mid", "舞" * 70 + ".mid"):
        answer = client.put("/api/upload", params={"kind": "music", "name": name}, content=midi.read_bytes())
        kept[name] = answer.json()["upload"]
    assert [upload.split("-", 1)[1] for upload in kept.values()] == [
        "ワルツ.mid", "タンゴ.mid", "Été_vif.mid", "舞" * 40 + ".mid"]  # 40 of them: 120 bytes
    job = run(site, client.post("/api/ask", json={"text": "steps", "music": kept["ワルツ.mid"], "count": 1,
                                                   "bars": 1}))
    assert client.get(f"/api/dances/{job['result']['dances'][0]}").json()["music"]["name"] == "ワルツ.mid"
    rate = 22050
    beats = np.zeros(3 * rate, dtype=np.float32)
    for k in range(6):
        beats[int(0.5 * k * rate):int(0.5 * k * rate) + 300] = 0.8
    sound = tmp_path / "pulse.wav"
    soundfile.write(sound, beats, rate)
    audio = client.put("/api/upload", params={"kind": "music", "name": "Tango für Élise.wav"},
                       content=sound.read_bytes()).json()["upload"]
    played = client.get(f"/api/uploads/{audio}")
    assert audio.endswith("-Tango_für_Élise.wav") and played.content == sound.read_bytes()


def test_a_dance_whose_music_has_run_out_is_continued_on_other_music(site, monkeypatch, tmp_path):
    """Continuing a dance made on the whole of its music was refused with the library's '(give --music for other
    music)', a flag the page has not, and the studio had no way to continue on other music. The refusal says what
    to do in the page's words; a continue takes other music as an ask does (an upload or a corpus work), its lineage
    records it, and the new bars are not given the dance's music (``music_bars``). An ask on music longer than a
    dance may be is refused in the page's words too."""
    import importlib
    import re

    from music21 import note, stream

    client, studio = site["client"], site["studio"]
    names = {}
    for name, beats in (("short.mid", 8), ("other.mid", 16)):
        stream.Stream([note.Note("E4", quarterLength=1) for _ in range(beats)]).write("midi", fp=str(tmp_path / name))
        answer = client.put(f"/api/upload?kind=music&name={name}", content=(tmp_path / name).read_bytes())
        names[name] = answer.json()["upload"]
    [dance] = run(site, client.post("/api/ask", json={"text": "steps", "music": names["short.mid"],
                                                      "count": 1}))["result"]["dances"]  # the whole piece
    assert len(client.get(f"/api/dances/{dance}").json()["bars"]) == 2
    failed = studio.jobs.wait(client.post(f"/api/dances/{dance}/continue", json={"bars": 2}).json()["id"], 120)
    assert failed.state == "failed" and failed.error == (
        "the music has 0 bars after this dance's, fewer than the 2 asked for: continue it on other music (a music "
        "file or a corpus work, chosen beside Continue)"), failed.error
    for music in (names["other.mid"], "corpus:bach/bwv66.6"):
        [longer] = run(site, client.post(f"/api/dances/{dance}/continue", json={"bars": 2, "music": music,
                                                                               "seed": 4}))["result"]["dances"]
        folder = studio.folder.dance_path(longer)
        settings = json.loads((folder / "lineage.json").read_text())["settings"]
        recorded = music if music.startswith("corpus:") else str(studio.folder.upload_path(music))
        assert settings["music"] == recorded and not settings["own_music"]
        prompt = json.loads((folder / "prompt.json").read_text())
        assert prompt["music"] == str(studio.folder.upload_path(names["short.mid"])) and prompt["music_bars"] == 2
        assert len(client.get(f"/api/dances/{longer}").json()["bars"]) == 4
    unknown = client.post(f"/api/dances/{dance}/continue", json={"bars": 1, "music": "u9999-none.mid"})
    assert unknown.status_code == 404 and "no such upload" in unknown.json()["error"]

    # a piece longer than a dance may be, asked whole
    monkeypatch.setattr(importlib.import_module("motiongpt.cocreate.generate"), "MOST_BARS", 1)
    job = client.post("/api/ask", json={"text": "steps", "music": names["other.mid"], "count": 1}).json()
    failed = studio.jobs.wait(job["id"], 120)
    assert failed.state == "failed" and failed.error == (
        "the music has 4 bars, more than a dance's 1: say how many of them to dance under Bars"), failed.error
    assert not re.search(FLAG, failed.error)


def test_a_studio_folder_unpacked_elsewhere_plays_develops_and_makes_again_its_dances(site, tmp_path, capsys):
    """prompt.json names an upload by its whole path: the history's zip unpacked on another computer (or the folder
    moved) lost its music: the page played clicks for its notes, Continue on its next bars failed ("no such file
    (the music this dance was made on)") and ``motiongpt history --replay`` made none again. The music is found
    again under the folder (``data.paths.found_again``)."""
    import shutil
    import zipfile

    from music21 import note, stream

    from motiongpt.cli import main
    from motiongpt.studio import create_app
    from motiongpt.studio.views import write_history_zip

    stream.Stream([note.Note("G4", quarterLength=1) for _ in range(16)]).write("midi", fp=str(tmp_path / "tune.mid"))
    app = create_app(tmp_path / "here", site["root"] / "model", warm=False)
    client, studio = TestClient(app, base_url="http://127.0.0.1"), app.state.studio
    tune = client.put("/api/upload?kind=music&name=tune.mid", content=(tmp_path / "tune.mid").read_bytes())
    ask = client.post("/api/ask", json={"text": "steps", "music": tune.json()["upload"], "bars": 2, "count": 1})
    assert studio.jobs.wait(ask.json()["id"], 120).state == "done"
    [dance] = studio.folder.dance_ids()
    notes = client.get(f"/api/dances/{dance}").json()["music"]["notes"]
    write_history_zip(studio.folder, tmp_path / "history.zip")
    shutil.rmtree(tmp_path / "here")
    with zipfile.ZipFile(tmp_path / "history.zip") as archive:
        archive.extractall(tmp_path / "there")

    app = create_app(tmp_path / "there" / "studio", site["root"] / "model", warm=False)
    client, studio = TestClient(app, base_url="http://127.0.0.1"), app.state.studio
    view = client.get(f"/api/dances/{dance}").json()
    assert view["music"]["name"] == "tune.mid" and view["music"]["notes"] == notes and notes
    job = studio.jobs.wait(client.post(f"/api/dances/{dance}/continue", json={"bars": 1}).json()["id"], 120)
    assert job.state == "done", job.error
    [longer] = job.result["dances"]
    assert json.loads((studio.folder.dance_path(longer) / "lineage.json").read_text())["settings"]["own_music"]
    code = main(["history", str(studio.folder.dances), "--replay"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and lines[-1] == "2 of 2 dances made again the same (0 not made again)", lines


# --- safety ------------------------------------------------------------------------------------------------


TRAVERSALS = [
    "/api/dances/..%2F..%2Fsecret.txt", "/api/dances/%2e%2e%2f%2e%2e%2fsecret.txt/motion",
    "/api/dances/..%252F..%252Fsecret.txt/motion", "/api/dances/%252e%252e/staff.svg",
    "/api/dances/0001%2F..%2F..%2F..%2Fsecret.txt/download/bvh", "/api/dances//etc/passwd/download/laban",
    "/api/dances/%2Fetc%2Fpasswd/download/laban", "/api/uploads/..%2F..%2Fsecret.txt",
    "/api/uploads/%2e%2e%252f%2e%2e%252fsecret.txt", "/api/uploads/%2Fetc%2Fpasswd",
    "/static/..%2F..%2F..%2Fsecret.txt", "/static/%2e%2e/app.py", "/static/..%252Fapp.py",
    "/api/dances/0001/download/bvh?rig=..%2F..%2Fsecret.txt", "/api/dances/0001/download/bvh?rig=%2Fetc%2Fpasswd",
    "/api/dances/0001/download/..%2F..%2Fstudio.json", "/api/dances/0001/download/%252e%252e%252fstudio.json",
]


@pytest.mark.parametrize("url", TRAVERSALS)
def test_no_route_reads_outside_the_folder(site, url):
    answer = site["client"].get(url)
    assert 400 <= answer.status_code < 500
    assert SECRET not in answer.text and "root:" not in answer.text
    assert answer.json()["error"]  # refused with a message


def test_no_request_names_a_file_outside_the_folder(site):
    from motiongpt.studio.files import StudioError

    folder, client = site["studio"].folder, site["client"]
    for bad in ("../secret.txt", "/etc/passwd", "..", "0001/../../secret.txt", "%2e%2e", "u0001-../../x.mid"):
        for lookup in (folder.dance_path, folder.upload_path):
            with pytest.raises(StudioError):
                lookup(bad)
    link = folder.root / "uploads" / "u9999-link.wav"
    link.symlink_to(site["root"] / "secret.txt")  # a link inside the folder to a file outside it
    answer = client.get("/api/uploads/u9999-link.wav")
    assert answer.status_code == 403 and SECRET not in answer.text
    link.unlink()
    for music in ("../secret.txt", "/etc/passwd", str(site["root"] / "secret.txt")):
        answer = client.post("/api/ask", json={"text": "x", "music": music})
        assert answer.status_code in (400, 404) and answer.json()["error"]
    answer = client.post("/api/start", json={"upload": "../../secret.txt"})
    assert answer.status_code == 404 and answer.json()["error"]
    answer = client.post("/api/start", json={"upload": "u9999-none.bvh", "fps": -60})  # the number first
    assert answer.status_code == 400 and "its real frame rate must be from 1 to 1000" in answer.json()["error"]


def test_uploads_are_limited_in_size_and_type(site, monkeypatch):
    from motiongpt.studio import files

    client, uploads = site["client"], site["studio"].folder.root / "uploads"
    before = sorted(p.name for p in uploads.iterdir())
    cases = [("music", "notes.mid", b"this is a letter, not a MIDI file" * 10, 415, "not music"),
             ("music", "song.exe", b"MZ" + bytes(100), 415, "a music file is one of"),
             ("music", "piece.musicxml", b"<html><body>hello</body></html>", 415, "not music"),
             ("music", "fake.mid", b"MThd" + bytes(200), 415, "not music"),
             ("capture", "walk.bvh", b"not a bvh", 415, "not a BVH file"),
             ("score", "mine.laban", b"title: x\nbar 1\n  9 head forward high 1\n", 415, "not a score"),
             ("music", "empty.mid", b"", 400, "empty"),
             ("weights", "x.bin", b"0", 400, "an upload is one of")]
    for kind, name, content, status, words in cases:
        answer = client.put(f"/api/upload?kind={kind}&name={name}", content=content)
        assert answer.status_code == status and words in answer.json()["error"], (name, answer.text)
        assert ".part" not in answer.text and "uploads" not in answer.text, answer.text  # the person's file named
    truncated = b"HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 3 Xposition Yposition Zposition\n}\nMOTION\n" \
                b"Frames: 3\nFrame Time: 0.01\n0 0 0\n"
    answer = client.put("/api/upload?kind=capture&name=walk.bvh", content=truncated)
    said = answer.json()["error"]  # its line, not the studio's temporary file
    assert said.startswith("walk.bvh: not a BVH file that can be read (line ") and "uploads" not in said, said
    monkeypatch.setitem(files.MAX_UPLOAD, "music", 1000)
    answer = client.put("/api/upload?kind=music&name=big.mid", content=b"MThd" + bytes(5000))
    assert answer.status_code == 413 and "larger than" in answer.json()["error"]

    def chunks():  # no Content-Length: the limit holds while the body streams in
        for _ in range(10):
            yield b"MThd" + bytes(500)

    answer = client.put("/api/upload?kind=music&name=streamed.mid", content=chunks())
    assert answer.status_code == 413
    assert sorted(p.name for p in uploads.iterdir()) == before  # nothing refused was kept, nothing half-written


def test_a_bvh_upload_may_start_with_a_byte_order_mark(tmp_path):
    """Windows editors begin a UTF-8 file with a byte order mark: read_bvh skips it, and the upload's check, which
    looked for HIERARCHY at the first byte, refused the file as not BVH."""
    import laban
    from motiongpt.studio.files import check_upload

    example = Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban"
    laban.write_bvh(laban.decode(laban.Score.load(example)), tmp_path / "take.bvh")
    marked = tmp_path / "marked.bvh"
    marked.write_bytes(b"\xef\xbb\xbf" + (tmp_path / "take.bvh").read_bytes())
    for kind in ("capture", "rig"):
        check_upload(kind, marked, "marked.bvh")  # accepted: no StudioError


def test_another_site_can_neither_read_the_folder_nor_change_it(site):
    """A page of another site may post forms to 127.0.0.1 (no permission asked of the user) and, with its own name
    pointed at 127.0.0.1, read what the studio answers: both refused before any route runs."""
    client, studio = site["client"], site["studio"]
    jobs = len(studio.jobs._jobs)
    before = sorted(p.relative_to(studio.folder.root).as_posix() for p in studio.folder.root.rglob("*"))
    refused = [client.get("/api/history.zip", headers={"Host": "evil.example"}),  # DNS rebinding: read the folder
               client.get("/api/state", headers={"Host": "evil.example:8000"}),
               client.post("/api/ask", json={"text": "x", "bars": 1}, headers={"Origin": "https://evil.example"}),
               client.post("/api/ask", content=b'{"text": "x", "bars": 1}',  # a form posted as text/plain
                           headers={"Content-Type": "text/plain", "Sec-Fetch-Site": "cross-site"}),
               client.post("/api/upload?kind=music&name=a.mid", content=b"MThd" + bytes(100),
                           headers={"Origin": "http://127.0.0.1.evil.example"}),
               client.post("/api/ask", json={"bars": 1}, headers={"Origin": "null"})]  # a sandboxed page
    for answer in refused:
        assert answer.status_code == 403 and answer.json()["error"], answer.text
        assert "PK" not in answer.text[:2]
    assert sorted(p.relative_to(studio.folder.root).as_posix() for p in studio.folder.root.rglob("*")) == before
    assert len(studio.jobs._jobs) == jobs  # no job was started
    own = client.post("/api/jobs/none/cancel", headers={"Origin": "http://127.0.0.1:8123",  # its own page: served
                                                        "Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 404 and own.json()["error"] == "no such job"
    for host in ("localhost:8123", "127.0.0.1", "[::1]:8123"):
        assert client.get("/api/state", headers={"Host": host}).status_code == 200


def test_nothing_is_written_outside_the_folder(site):
    outside = sorted(p.relative_to(site["root"]).as_posix() for p in site["root"].rglob("*")
                     if "folder" not in p.relative_to(site["root"]).parts)
    assert all(p in ("model", "secret.txt", "tune.mid", "on_rig.bvh") or p.startswith("model/") for p in outside)


def test_two_tabs_at_once_keep_the_history_whole(site):
    client, studio = site["client"], site["studio"]
    parent = site["ask"].result["dances"][0]
    answers, errors = [], []

    def tab(k):
        try:
            other = TestClient(client.app, base_url="http://127.0.0.1")
            for seed in range(2):
                if k % 2:
                    answers.append(other.post(f"/api/dances/{parent}/regenerate",
                                              json={"first": 1, "last": 1, "seed": seed}).json()["id"])
                else:
                    answers.append(other.post("/api/ask", json={"bars": 1, "count": 1, "seed": seed}).json()["id"])
                other.get("/api/history")
        except Exception as error:  # noqa: BLE001 - any failure in a tab fails the test
            errors.append(error)

    tabs = [threading.Thread(target=tab, args=(k,)) for k in range(4)]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join()
    assert not errors
    made = [d for j in answers for d in studio.jobs.wait(j, 120).result["dances"]]
    assert len(made) == 8 == len(set(made))
    state = json.loads((studio.folder.root / "studio.json").read_text())
    asks = {a["id"] for a in state["asks"]}
    assert {studio.jobs.get(j).result["ask"] for j in answers if studio.jobs.get(j).kind == "ask"} <= asks
    history = {d["id"] for d in client.get("/api/history").json()["dances"]}
    assert set(made) <= history
    ids = [f"{n}" for n in studio.folder.dance_ids()]
    assert len(ids) == len(set(ids)) and not [p for p in studio.folder.dances.iterdir() if p.name.startswith(".")]


def test_numbers_handed_out_once_under_concurrency(site):
    folder, got = site["studio"].folder, []
    threads = [threading.Thread(target=lambda: got.extend(folder.new_dance_ids(5))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 40 == len(set(got))


def test_cancel_and_bad_requests(site):
    client, studio = site["client"], site["studio"]
    gate = threading.Event()
    blocker = studio.jobs.submit("wait", lambda job: gate.wait(10))
    queued = client.post("/api/ask", json={"bars": 1, "count": 1}).json()
    cancelled = client.post(f"/api/jobs/{queued['id']}/cancel").json()
    gate.set()
    studio.jobs.wait(blocker.id)
    job = studio.jobs.wait(queued["id"])
    assert cancelled["state"] == "cancelled" and job.state == "cancelled" and not job.result
    for body, words in (({"bars": 0}, "Bars must be from 1"), ({"bars": "many"}, "Bars must be a whole number"),
                        ({"colour": "red"}, "not a setting"), ({"style": "tango"}, "style 'tango'")):
        answer = client.post("/api/ask", json=body)
        if answer.status_code == 202:  # the style is checked when the model is loaded: the job says so
            answer = studio.jobs.wait(answer.json()["id"])
            assert answer.state == "failed" and words in answer.error
        else:
            assert answer.status_code == 400 and words in answer.json()["error"]
    assert client.post("/api/ask", content=b"{not json").status_code == 400
    dance = site["ask"].result["dances"][0]
    assert client.post(f"/api/dances/{dance}/regenerate", json={"first": 7, "last": 9}).status_code == 400
    assert client.post(f"/api/dances/{dance}/dance-the-tango", json={}).status_code == 404


def test_a_refusal_says_what_to_put_right_in_the_page(site):
    """Bars left empty beside Regenerate bars were refused as "give 'first' and 'last'", and Blend with no dance
    as "give 'other'": the API's keys, which the page shows nowhere; 10,000 characters of words as "text: too
    long", saying neither how long nor how long they may be, and by the API's key. Each says it in the page's
    words now."""
    client, dance = site["client"], site["ask"].result["dances"][0]
    said = {}
    for name, url, body in (("regenerate", f"/api/dances/{dance}/regenerate", {"first": "", "last": ""}),
                            ("blend", f"/api/dances/{dance}/blend", {"other": ""}),
                            ("ask", "/api/ask", {"text": "a slow turn, " * 770, "bars": 2}),
                            ("new words", f"/api/dances/{dance}/regenerate", {"first": 1, "last": 1,
                                                                               "text": "w" * 10_000})):
        answer = client.post(url, json=body)
        assert answer.status_code == 400, answer.text
        said[name] = answer.json()["error"]
    assert said["regenerate"] == "regenerate which bars? give the first and the last (Bars ... to ...)"
    assert said["blend"] == "blend with which dance? choose one beside Blend"
    assert said["ask"] == "Words: too long (10,010 characters; at most 2,000)"  # by the fields' labels
    assert said["new words"] == "New words: too long (10,000 characters; at most 2,000)"
    assert not any("'" in message for message in said.values())  # no key of the API quoted


def test_a_setting_out_of_range_is_said_by_its_label_in_the_page(site):
    """A setting out of range, or not a number, was said by the API's key ("count must be from 1 to 12", "bpm
    must be ..."), which the page shows nowhere: it is said by the field's label (Options, Tempo, Bars, Continue
    by ... bars, Bars ... to ...)."""
    client, dance = site["client"], site["ask"].result["dances"][0]
    said = {}
    for name, url, body in (("options", "/api/ask", {"count": 20}), ("tempo", "/api/ask", {"bpm": 500}),
                            ("bars", "/api/ask", {"bars": "many"}), ("seed", "/api/ask", {"seed": -1}),
                            ("continue", f"/api/dances/{dance}/continue", {"bars": -2}),
                            ("regenerate", f"/api/dances/{dance}/regenerate", {"first": "one", "last": 2})):
        answer = client.post(url, json=body)
        assert answer.status_code == 400, answer.text
        said[name] = answer.json()["error"]
    assert said == {"options": "Options must be from 1 to 12, not 20",
                    "tempo": "Tempo must be from 30 to 300, not 500",
                    "bars": "Bars must be a whole number, not 'many'",
                    "seed": "Seed must be from 0 to 2147483647, not -1",
                    "continue": "Continue by ... bars must be from 1 to 64, not -2",
                    "regenerate": "Bars ... to ... must be a whole number, not 'one'"}


def test_translate_without_a_style_is_refused_in_the_pages_words(site):
    """Where the model knows no styles (and no adapter was added) the page's style list beside Translate is empty
    and it sends none: the job failed with the library's "give a style the model knows or an adapter folder",
    the command line's words. It is refused as it is asked, saying where a style is chosen or added."""
    client, studio = site["client"], site["studio"]
    dance = site["ask"].result["dances"][0]
    before = studio.folder.dance_ids()
    for body in ({"style": ""}, {}):
        answer = client.post(f"/api/dances/{dance}/translate", json=body)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == ("translate into which style? choose one beside Translate (the model's "
                                          "styles, or a style adapter added under Add a style adapter)")
    assert studio.folder.dance_ids() == before


def test_translate_says_which_bar_it_is_writing(site):
    """Translate said "translate: writing" for the whole of its 12 s; it writes bar by bar (``cocreate.translate``'s
    ``on_bar``), and its progress says bar k of N, rising, as it goes."""
    client, studio = site["client"], site["studio"]
    dance = site["ask"].result["dances"][0]  # 3 bars
    done = run(site, client.post(f"/api/dances/{dance}/translate", json={"style": "salsa", "seed": 3}))
    said = [message for message, *_ in done["marks"] if message.startswith("translate: bar")]
    assert said == ["translate: bar 1 of 3", "translate: bar 2 of 3", "translate: bar 3 of 3"]
    [styled] = done["result"]["dances"]
    assert "on_bar" not in json.loads((studio.folder.dance_path(styled) / "lineage.json").read_text())["settings"]


def test_a_long_ask_says_which_bar_it_is_writing(site):
    """An ask of more bars than a sampling pass writes (``WINDOW_BARS``: a whole piece) said "writing option 1" for
    all of its seconds; it is written a pass at a time (``cocreate.generate``'s ``on_bar``, as translate's), and
    its progress says bar k of N, rising, to the last bar."""
    from motiongpt.model.generate import CONTEXT_BARS, WINDOW_BARS

    client = site["client"]
    bars = WINDOW_BARS + 2 * (WINDOW_BARS - CONTEXT_BARS) - 1  # three passes, the last shorter
    done = run(site, client.post("/api/ask", json={"text": "a slow turn", "bars": bars, "count": 1, "seed": 2}))
    said = [message for message, *_ in done["marks"] if ": bar " in message]
    assert said == [f"writing option 1: bar {k} of {bars}" for k in (WINDOW_BARS, 2 * WINDOW_BARS - CONTEXT_BARS,
                                                                     bars)]
    [dance] = done["result"]["dances"]
    assert [b["bar"] for b in client.get(f"/api/dances/{dance}").json()["bars"]] == list(range(1, bars + 1))


def test_music_shorter_than_the_bars_asked_says_what_to_do_in_the_page(site):
    """Music of 4 bars asked for 8 (the Bars field's default) failed with "the music has 4 bars, fewer than the 8
    asked for", saying nothing of what to do: it says to ask for fewer under Bars, or none for the whole piece,
    which dances all 4."""
    from music21 import note, stream

    client, studio = site["client"], site["studio"]
    midi = site["root"] / "short.mid"
    stream.Stream([note.Note("E4", quarterLength=1) for _ in range(16)]).write("midi", fp=str(midi))
    name = client.put("/api/upload?kind=music&name=short.mid", content=midi.read_bytes()).json()["upload"]
    answer = client.post("/api/ask", json={"music": name, "count": 1, "bars": 8})
    job = studio.jobs.wait(answer.json()["id"], 120)
    assert job.state == "failed" and job.error == ("the music has 4 bars, fewer than the 8 asked for: ask for 4 or "
                                                   "fewer under Bars, or leave Bars empty to dance the whole piece")
    whole = run(site, client.post("/api/ask", json={"music": name, "count": 1}))
    assert len(client.get(f"/api/dances/{whole['result']['dances'][0]}").json()["bars"]) == 4


def test_continue_on_music_shorter_than_the_bars_asked_says_what_to_do_in_the_page(site):
    """Continue on other music of 3 bars by 4 failed with the library's "the music has 3 bars, fewer than the 4
    asked for", naming no field of the page: it says to continue by fewer under Continue by ... bars, or to choose
    longer music, and continuing by 3 on it does."""
    from music21 import note, stream

    client, studio = site["client"], site["studio"]
    dance = site["ask"].result["dances"][0]  # 3 bars
    midi = site["root"] / "three-bars.mid"
    stream.Stream([note.Note("G4", quarterLength=1) for _ in range(9)]).write("midi", fp=str(midi))
    name = client.put("/api/upload?kind=music&name=three-bars.mid", content=midi.read_bytes()).json()["upload"]
    answer = client.post(f"/api/dances/{dance}/continue", json={"bars": 4, "music": name})
    job = studio.jobs.wait(answer.json()["id"], 120)
    assert job.state == "failed" and job.error == (
        "the music has 3 bars, fewer than the 4 asked for: continue by 3 or fewer under Continue by ... bars, or "
        "choose longer music beside Continue"), job.error
    [longer] = run(site, client.post(f"/api/dances/{dance}/continue", json={"bars": 3, "music": name}))["result"][
        "dances"]
    assert len(client.get(f"/api/dances/{longer}").json()["bars"]) == 6


def test_a_dance_folder_damaged_by_hand_leaves_the_rest_of_the_history(site, tmp_path):
    """A lineage.json edited by hand into bad JSON failed /api/history, and /api/state with it (the page could not
    start): the history lists the other dances, and names the damaged one, by number, with why."""
    import shutil

    from motiongpt.studio import create_app

    app = create_app(tmp_path / "folder", site["root"] / "model", warm=False)
    client, studio = TestClient(app, base_url="http://127.0.0.1"), app.state.studio
    kept, broken = site["ask"].result["dances"][:2]
    for dance in (kept, broken):
        shutil.copytree(site["studio"].folder.dance_path(dance), studio.folder.dances / dance)
    (studio.folder.dances / broken / "lineage.json").write_text('{"operation": "generate", "seed": ')
    for answer in (client.get("/api/history"), client.get("/api/state")):
        assert answer.status_code == 200, answer.text
        history = answer.json().get("history", answer.json())
        assert [d["id"] for d in history["dances"]] == [kept]
        assert history["damaged"] == [{"id": broken, "why": "lineage.json: not valid JSON (JSONDecodeError)"}]


def test_bars_that_are_not_the_dances_are_refused_at_once(site):
    """Regenerate bars past the dance's end, negative or reversed was taken (202) and failed when the job ran,
    after the work queued before it: a slow Translate, then the refusal. It is refused as it is asked, in the line
    the job said; bars of the dance are still taken."""
    client, studio = site["client"], site["studio"]
    dance = site["ask"].result["dances"][0]  # bars 1-3
    gate = threading.Event()
    studio.jobs.submit("hold", lambda job: gate.wait(60))  # a long job before it
    try:
        said = {}
        for first, last in ((3, 12), (-1, 2), (3, 2)):
            answer = client.post(f"/api/dances/{dance}/regenerate", json={"first": first, "last": last})
            said[first, last] = (answer.status_code, answer.json()["error"])
        taken = client.post(f"/api/dances/{dance}/regenerate", json={"first": 2, "last": 3, "seed": 1})
    finally:
        gate.set()
    assert said == {(3, 12): (400, "bars 3-12 are not bars of this score (it has bars 1-3)"),
                    (-1, 2): (400, "bars -1-2: bars are counted from 1, never negative"),
                    (3, 2): (400, "bars 3-2: the last bar comes before the first")}
    assert taken.status_code == 202 and studio.jobs.wait(taken.json()["id"], 120).state == "done"


def test_partner_button_only_with_the_duet_module(site):
    from motiongpt.studio.session import partner_available

    state = site["client"].get("/api/state").json()
    assert state["partner"] == partner_available()
    lead = site["ask"].result["dances"][0]
    if not partner_available():
        answer = site["client"].post(f"/api/dances/{lead}/partner", json={})
        assert answer.status_code == 501 and "duet" in answer.json()["error"]
        return
    job = run(site, site["client"].post(f"/api/dances/{lead}/partner", json={"seed": 2}))
    [follower] = job["result"]["dances"]
    view = site["client"].get(f"/api/dances/{follower}").json()
    assert view["operation"] == "partner" and len(view["bars"]) == 3  # the lead's bars, danced beside it


def test_a_partners_video_shows_both_dancers(site, monkeypatch, tmp_path):
    """Make MP4 on a partner's dance rendered the follower alone, where the page shows the couple: the video is
    now of both dancers, where the duet placed them on one floor (the positions the page draws)."""
    from motiongpt.studio.session import partner_available

    if not partner_available():
        pytest.skip("no motiongpt.cocreate.duet here")
    import numpy as np

    import viz.render

    client, lead = site["client"], site["ask"].result["dances"][0]
    [follower] = run(site, client.post(f"/api/dances/{lead}/partner", json={"seed": 3}))["result"]["dances"]
    drawn = []

    def render(path, dancers, **options):  # the renderer's part is tested in test_render; here, who is in it
        drawn.append(list(dancers))
        Path(path).write_bytes(b"video")
        return path

    monkeypatch.setattr(viz.render, "render", render)
    run(site, client.post(f"/api/dances/{follower}/render"))
    [dancers] = drawn
    shown = client.get(f"/api/dances/{follower}/motion").json()["dancers"]
    assert len(dancers) == len(shown) == 2
    for dancer, page in zip(dancers, shown):
        positions = np.asarray(page["frames"], dtype=float).reshape(dancer.positions.shape) / 1000
        assert np.abs(dancer.positions - positions).max() < 1e-9  # each where the page draws it
        assert len(dancer.skeleton.parts) >= 15  # its body parts known: the renderer dresses each bone
    apart = np.linalg.norm(dancers[0].positions[:, 0] - dancers[1].positions[:, 0], axis=-1)
    assert apart.mean() > 0.3  # two bodies, not one drawn twice


def test_an_unchanged_score_is_not_saved_as_a_new_dance(site):
    """Save on the score as it is (a typo put right, Save pressed twice) wrote a copy of the dance into the
    history as an 'edit'; it is refused in one line and nothing is written."""
    client, studio = site["client"], site["studio"]
    dance = site["ask"].result["dances"][0]
    before = studio.folder.dance_ids()
    text = client.get(f"/api/dances/{dance}").json()["score_text"]
    answer = client.put(f"/api/dances/{dance}/score", content=text)
    assert answer.status_code == 400 and answer.json() == {"error": "the score is as it was: nothing to save",
                                                           "line": None}
    spaced = text.replace("\nbar 1\n", "\n\nbar 1\n", 1)  # only the layout changed: the same score
    assert spaced != text and client.put(f"/api/dances/{dance}/score", content=spaced).status_code == 400
    assert studio.folder.dance_ids() == before


def test_the_history_says_what_each_step_asked_and_its_style(site):
    """Each node of the history carries the words its step was given (a regenerate's new words: the dance's own
    text joins them with its parent's, so the tree said the parent's words at every node) and its style (a
    translate's target was nowhere in the tree)."""
    client, dance = site["client"], site["ask"].result["dances"][1]
    [again] = run(site, client.post(f"/api/dances/{dance}/regenerate",
                                    json={"first": 2, "last": 2, "text": "a jump", "seed": 4}))["result"]["dances"]
    [styled] = run(site, client.post(f"/api/dances/{dance}/translate",
                                     json={"style": "salsa follow"}))["result"]["dances"]
    nodes = {d["id"]: d for d in client.get("/api/history").json()["dances"]}
    assert nodes[again]["words"] == "a jump" and "a slow turn" in nodes[again]["text"]
    assert nodes[styled]["style"] == "salsa follow" and nodes[dance]["style"] is None
    assert nodes[dance]["words"] == "a slow turn"


def test_a_queued_job_says_what_it_waits_for_and_what_it_was_asked(site):
    """A job behind another said 'waiting' (for what?), and a page that had not asked for it (reloaded, another
    tab) could not tell what it was: it says it waits for the work before it, and carries what it was asked."""
    client, studio = site["client"], site["studio"]
    gate = threading.Event()
    studio.jobs.submit("hold", lambda job: gate.wait(60))
    try:
        dance = site["ask"].result["dances"][0]
        queued = client.post(f"/api/dances/{dance}/regenerate", json={"first": 1, "last": 2, "text": "a jump"})
        asked = client.post("/api/ask", json={"text": "quick steps", "bars": 1, "count": 1}).json()
        seen = client.get(f"/api/jobs/{queued.json()['id']}").json()
        state = client.get("/api/state").json()["jobs"]
    finally:
        gate.set()
    assert seen["state"] == "queued" and seen["message"] == "waiting for the work before it"
    assert seen["asked"] == {"first": 1, "last": 2, "text": "a jump", "dance": dance}
    assert [j["kind"] for j in state][-3:] == ["hold", "regenerate", "ask"]
    assert state[-1]["asked"]["text"] == "quick steps" and state[-1]["asked"]["ask"].startswith("a")
    assert studio.jobs.wait(asked["id"], 120).state == "done"


def test_an_ask_after_a_restart_leaves_the_earlier_asks_as_they_were(site, tmp_path):
    """The studio started again on its folder numbers its jobs from j1 again; an ask was recorded in studio.json
    by its job's number, so the new session's first ask was taken for the old one's: its options were added to
    the old ask's and its ranking replaced it. Asks are numbered by the folder now, across restarts."""
    from motiongpt.studio import create_app

    records = []
    for seed in (1, 2):  # two sessions, one after the other, on one folder
        app = create_app(tmp_path / "folder", site["root"] / "model", warm=False)
        client, studio = TestClient(app, base_url="http://127.0.0.1"), app.state.studio
        job = client.post("/api/ask", json={"text": "steps", "bars": 1, "count": 2, "seed": seed}).json()
        done = studio.jobs.wait(job["id"], 120)
        assert done.state == "done", done.error
        records.append((done.result, studio.folder.read_state()["asks"]))
    (first, _), (second, asks) = records
    assert [a["id"] for a in asks] == [first["ask"], second["ask"]] and first["ask"] != second["ask"]
    assert [sorted(a["dances"]) for a in asks] == [sorted(first["dances"]), sorted(second["dances"])]
    assert [a["ranked"] for a in asks] == [first["dances"], second["dances"]]


def test_the_page_is_served_whole_from_the_package(site):
    client = site["client"]
    page = client.get("/")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    from motiongpt.studio.app import ASSETS

    for name in ASSETS:
        asset = client.get(f"/static/{name}")
        assert asset.status_code == 200
        assert "http://" not in asset.text and "https://" not in asset.text  # offline: nothing fetched elsewhere
    assert "http" not in page.text.replace("http-equiv", "")
    for src in ("/static/viewer.js", "/static/staff.js", "/static/studio.js", "/static/studio.css"):
        assert src in page.text
    assert client.get("/static/index2.html").status_code == 404


def test_command_line(tmp_path):
    import argparse

    from motiongpt.cli import studio

    parser = argparse.ArgumentParser(prog="motiongpt")
    studio.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["studio", "--port", "9001", "--folder", str(tmp_path)])
    assert args.port == 9001 and args.folder == tmp_path and args.run is studio.run
    with pytest.raises(SystemExit):
        parser.parse_args(["studio", "--port", "80"])
    from laban.errors import LabanError

    with pytest.raises(LabanError, match="no such folder"):
        studio.run(argparse.Namespace(port=9001, folder=tmp_path, model=tmp_path / "none"))
    assert studio.HOST == "127.0.0.1"


def test_the_studio_starts_again_at_once_on_its_port(tmp_path):
    """Stopped (Ctrl-C) and started again, the studio was refused for a minute ("port 8765 is in use"): the
    connections its page had left closing (TIME_WAIT) held the port for the probe, which bound without
    SO_REUSEADDR, though uvicorn binds with it and nothing listened. A port another program listens on is still
    refused."""
    import socket

    from laban.errors import LabanError
    from motiongpt.cli.studio import HOST, _port_free
    from motiongpt.studio.server import free_port

    port = free_port()
    with socket.socket() as listening:  # a studio, its page connected; then stopped, the server closing first
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((HOST, port))
        listening.listen()
        with pytest.raises(LabanError, match=f"port {port} is in use"):
            _port_free(port)
        page = socket.create_connection((HOST, port))
        served, _ = listening.accept()
        served.close()
        page.close()
    with socket.socket() as plain:  # the port's closing connection is there (a probe without the option fails)
        with pytest.raises(OSError):
            plain.bind((HOST, port))
    _port_free(port)


def test_the_history_zip_streams_from_a_file_it_then_removes(tmp_path, monkeypatch):
    """The whole folder is written to a temporary zip that is sent and then deleted (it was built in memory: a
    213 MB folder of 60 dances' videos and BVH raised the studio's peak memory by 212 MB); videos and pictures are
    stored as they are, text deflated."""
    import io
    import tempfile
    import zipfile

    from motiongpt.studio import create_app

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temporary"))
    (tmp_path / "temporary").mkdir()
    dance = tmp_path / "folder" / "dances" / "d001"
    dance.mkdir(parents=True)
    (dance / "dance.bvh").write_text("0.0 1.0 2.0\n" * 2000)
    (dance / "dance.mp4").write_bytes(bytes(range(256)) * 400)
    client = TestClient(create_app(tmp_path / "folder", warm=False), base_url="http://127.0.0.1")
    response = client.get("/api/history.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.read("studio/dances/d001/dance.mp4") == (dance / "dance.mp4").read_bytes()
    assert archive.getinfo("studio/dances/d001/dance.mp4").compress_type == zipfile.ZIP_STORED
    assert archive.getinfo("studio/dances/d001/dance.bvh").compress_type == zipfile.ZIP_DEFLATED
    assert not list((tmp_path / "temporary").iterdir())


def test_an_ask_without_words_leaves_a_state_the_page_can_read(site, tmp_path):
    """Options asked without words are ranked with a words fit of NaN, which studio.json kept: the studio's state
    and history could not be sent after it ("Out of range float values are not JSON compliant"), and a reload
    never became ready. A figure there is none of is null."""
    import json

    from motiongpt.studio import create_app

    app = create_app(tmp_path / "here", site["root"] / "model", warm=False)
    client, studio = TestClient(app, base_url="http://127.0.0.1"), app.state.studio
    ask = client.post("/api/ask", json={"bars": 1, "count": 2, "seed": 3})
    assert studio.jobs.wait(ask.json()["id"], 120).state == "done"
    state, history = client.get("/api/state"), client.get("/api/history")
    assert state.status_code == history.status_code == 200, (state.text, history.text)
    written = (tmp_path / "here" / "studio.json").read_text()
    assert [q["text_fit"] for q in json.loads(written)["asks"][-1]["quality"].values()] == [None, None]
    assert "NaN" not in written
