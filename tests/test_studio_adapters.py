"""The studio's style adapters and its cancel, on a tiny model: an adapter a researcher sent as a zip is added
from the page (its two files only, nothing else out of the zip), offered as a style, asked for, recorded in the
dances' lineage and kept when a dance is developed; adapters in a folder given to ``motiongpt studio
--adapters`` are offered too; and a cancel during sampling stops it at the next token, writing nothing."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest

pytest.importorskip("starlette", reason="the studio extra (starlette, uvicorn) is not installed")
pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx")
pytest.importorskip("peft", reason="style adapters need peft")

from starlette.testclient import TestClient  # noqa: E402

from conftest import make_adapter  # noqa: E402


def zipped(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    import torch

    from motiongpt.model import build, tiny_config
    from motiongpt.studio import create_app

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("studio-adapters")
    build(tiny_config(), seed=2).save_pretrained(root / "model")
    make_adapter(root / "model", root / "lab" / "waltz_lora", seed=1)
    make_adapter(root / "model", root / "sent" / "adapter", seed=2)
    app = create_app(root / "folder", root / "model", adapters=root / "lab", warm=False)
    return {"client": TestClient(app, base_url="http://127.0.0.1"), "studio": app.state.studio, "root": root}


def finished(site, response):
    assert response.status_code == 202, response.text
    job = site["studio"].jobs.wait(response.json()["id"], 120)
    assert job.state == "done", job.error
    return job


def test_an_adapter_sent_as_a_zip_is_added_asked_for_and_recorded(site):
    client, root = site["client"], site["root"]
    sent = root / "sent" / "adapter"
    archive = zipped({"adapter/adapter_config.json": (sent / "adapter_config.json").read_bytes(),
                      "adapter/adapter_model.safetensors": (sent / "adapter_model.safetensors").read_bytes(),
                      "adapter/README.md": b"notes", "../../escaped.txt": b"nothing may be written from here"})
    answer = client.put("/api/upload?kind=adapter&name=salsa%20from%20the%20lab.zip", content=archive)
    assert answer.status_code == 200, answer.text
    name = answer.json()["adapter"]
    assert name == "salsa_from_the_lab" and answer.json()["style"] == f"adapter:{name}"
    folder = site["studio"].folder.root / "adapters" / name
    assert sorted(p.name for p in folder.iterdir()) == ["adapter_config.json", "adapter_model.safetensors"]
    assert folder.stat().st_mode & 0o777 == folder.parent.stat().st_mode & 0o777  # as the umask allows, not 0700
    assert not list(root.rglob("escaped.txt"))  # a member's path is never used
    assert not list((site["studio"].folder.root / "uploads").iterdir())  # the zip is not kept
    assert sorted(client.get("/api/state").json()["adapters"]) == [name, "waltz_lora"]

    asked = {"text": "a slow turn", "bars": 2, "count": 1, "seed": 3}
    plain = finished(site, client.post("/api/ask", json=asked)).result["dances"][0]
    styled = finished(site, client.post("/api/ask", json={**asked, "style": f"adapter:{name}"})).result["dances"][0]
    dances = site["studio"].folder.dances
    lineage = json.loads((dances / styled / "lineage.json").read_text())
    assert lineage["adapter"] == str(folder)
    assert lineage["adapter_version"] == hashlib.sha256(
        (folder / "adapter_model.safetensors").read_bytes()).hexdigest()[:16]
    assert json.loads((dances / plain / "lineage.json").read_text())["adapter"] is None
    assert (dances / plain / "score.laban").read_text() != (dances / styled / "score.laban").read_text()

    # developing the dance keeps its adapter
    child = finished(site, client.post(f"/api/dances/{styled}/regenerate", json={"first": 2, "last": 2})
                     ).result["dances"][0]
    assert json.loads((dances / child / "lineage.json").read_text())["adapter"] == str(folder)


def test_adapters_given_on_the_command_line_are_offered(site):
    client, root = site["client"], site["root"]
    assert "waltz_lora" in client.get("/api/state").json()["adapters"]
    job = finished(site, client.post("/api/ask", json={"text": "a slow turn", "bars": 2, "count": 1, "seed": 3,
                                                         "style": "adapter:waltz_lora"}))
    lineage = json.loads((site["studio"].folder.dances / job.result["dances"][0] / "lineage.json").read_text())
    assert lineage["adapter"] == str((root / "lab" / "waltz_lora").resolve())
    translated = finished(site, client.post(f"/api/dances/{job.result['dances'][0]}/translate",
                                            json={"style": "adapter:waltz_lora"})).result["dances"][0]
    view = client.get(f"/api/dances/{translated}").json()
    assert view["operation"] == "translate" and view["style"] == lineage["adapter"]


def test_a_training_run_is_offered_by_its_name(site, tmp_path):
    """``motiongpt train --lora -o runs/salsa`` writes runs/salsa/adapter and runs/salsa/best: given as --adapters,
    the run was offered as two styles named 'adapter' and 'best', and a folder of runs as none."""
    from motiongpt.studio.files import offered

    model = site["root"] / "model"
    runs = tmp_path / "runs"
    for part in ("adapter", "best"):
        make_adapter(model, runs / "salsa" / part, seed=4)
    make_adapter(model, runs / "waltz" / "adapter", seed=5)
    (runs / "base" / "model").mkdir(parents=True)  # a run of a whole model: no style
    assert offered(runs) == [("salsa", runs / "salsa" / "adapter"), ("waltz", runs / "waltz" / "adapter")]
    assert offered(runs / "salsa") == [("salsa", runs / "salsa" / "adapter")]
    assert offered(runs / "salsa" / "adapter") == [("salsa", runs / "salsa" / "adapter")]
    assert offered(runs / "base") == []


def test_a_studio_folder_unpacked_elsewhere_develops_and_makes_again_its_adapter_s_dances(site, tmp_path, capsys):
    """A lineage names the studio's adapter FOLDER/adapters/NAME by its whole path: the history's zip unpacked on
    another computer (or the folder moved) developed a dance the adapter wrote without it (vary and continue wrote
    in no style) and ``motiongpt history --replay`` made none of its dances again. The adapter is found again under
    the folder (``data.paths.found_again``) and goes on writing the dance."""
    import shutil
    import zipfile

    from motiongpt.cli import main
    from motiongpt.cocreate import Dance, continue_dance, load_model, vary
    from motiongpt.studio import create_app
    from motiongpt.studio.views import write_history_zip

    model, sent = site["root"] / "model", site["root"] / "sent" / "adapter"
    app = create_app(tmp_path / "here", model, warm=False)
    client = TestClient(app, base_url="http://127.0.0.1")
    here = {"client": client, "studio": app.state.studio}
    name = client.put("/api/upload?kind=adapter&name=lab.zip", content=zipped(
        {f: (sent / f).read_bytes() for f in ("adapter_config.json", "adapter_model.safetensors")})).json()["adapter"]
    [dance] = finished(here, client.post("/api/ask", json={"text": "a slow turn", "bars": 2, "count": 1, "seed": 3,
                                                           "style": f"adapter:{name}"})).result["dances"]
    finished(here, client.post(f"/api/dances/{dance}/regenerate", json={"first": 2, "last": 2}))
    write_history_zip(here["studio"].folder, tmp_path / "history.zip")
    shutil.rmtree(tmp_path / "here")
    with zipfile.ZipFile(tmp_path / "history.zip") as archive:
        archive.extractall(tmp_path / "there")

    app = create_app(tmp_path / "there" / "studio", model, warm=False)
    client = TestClient(app, base_url="http://127.0.0.1")
    there = {"client": client, "studio": app.state.studio}
    adapter = tmp_path / "there" / "studio" / "adapters" / name
    made = Dance.load(there["studio"].folder.dance_path(dance))
    adapted, plain = load_model(model, adapter), load_model(model)
    for operation, settings, written, other in (
            ("vary", {"strength": 0.5, "count": 1, "seed": 5},
             vary(made, adapted, 0.5, count=1, seed=5)[0], vary(made, plain, 0.5, count=1, seed=5)[0]),
            ("continue", {"bars": 1, "seed": 4},
             continue_dance(made, adapted, 1, seed=4, best_of=1), continue_dance(made, plain, 1, seed=4, best_of=1))):
        [child] = finished(there, client.post(f"/api/dances/{dance}/{operation}", json=settings)).result["dances"]
        developed = Dance.load(there["studio"].folder.dance_path(child))
        assert developed.lineage.adapter == str(adapter.resolve())  # the adapter where it is now
        assert developed.digest() == written.digest() != other.digest()  # written by it, in its style
    code = main(["history", str(tmp_path / "there" / "studio" / "dances"), "--replay"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and lines[-1] == "4 of 4 dances made again the same (0 not made again)", lines


@pytest.mark.parametrize("archive, says", [
    (zipped({"notes.txt": b"hello"}), "not a style adapter"),
    (zipped({"adapter_config.json": b"{}", "adapter_model.safetensors": b"x"}), "not a LoRA style adapter"),
    (zipped({"adapter_config.json": b'{"peft_type": "LORA"}', "adapter_model.safetensors": b"junk"}),
     "cannot be read"),
    (b"PK but not a zip at all", "not a zip file"),
    (b"%PDF-1.4", "not a zip file"),
], ids=["no adapter in it", "not lora", "weights unreadable", "a broken zip", "not a zip"])
def test_a_file_that_is_not_an_adapter_is_refused_in_one_line(site, archive, says):
    client, folder = site["client"], site["studio"].folder
    before = sorted(p.name for p in (folder.root / "adapters").iterdir())
    answer = client.put("/api/upload?kind=adapter&name=style.zip", content=archive)
    assert answer.status_code == 415 and says in answer.json()["error"] and "\n" not in answer.json()["error"]
    assert sorted(p.name for p in (folder.root / "adapters").iterdir()) == before  # nothing half-made is left


def test_an_adapter_for_another_model_is_refused_when_it_is_sent(site, tmp_path):
    """An adapter trained on another base model was taken and offered, and failed only when a dance was asked of
    it (with the command line's advice, --model); it is refused as it arrives, in one line, and nothing is kept."""
    from motiongpt.model import build, tiny_config

    client, folder = site["client"], site["studio"].folder
    build(tiny_config(hidden_size=48), seed=3).save_pretrained(tmp_path / "other")
    other = make_adapter(tmp_path / "other", tmp_path / "adapter", seed=3)
    before = sorted(p.name for p in (folder.root / "adapters").iterdir())
    answer = client.put("/api/upload?kind=adapter&name=other.zip", content=zipped(
        {name: (other / name).read_bytes() for name in ("adapter_config.json", "adapter_model.safetensors")}))
    assert answer.status_code == 415, answer.text
    assert answer.json()["error"] == (f"other.zip: a style adapter for another model than this studio's (trained "
                                      f"from {tmp_path / 'other'}): it works only in a studio running that model")
    assert sorted(p.name for p in (folder.root / "adapters").iterdir()) == before


def test_an_adapter_for_a_model_of_another_vocabulary_is_refused_when_it_is_sent(site, tmp_path):
    """The vocabulary an adapter keeps beside it (``motiongpt train --lora``) comes out of the zip with its two
    files: one trained on a model of another vocabulary, though of this model's shapes, is refused as it arrives."""
    from motiongpt.vocabulary import Vocabulary

    sent = site["root"] / "sent" / "adapter"
    files = {name: (sent / name).read_bytes() for name in ("adapter_config.json", "adapter_model.safetensors")}
    Vocabulary(version=1).save_pretrained(tmp_path)
    answer = site["client"].put("/api/upload?kind=adapter&name=older.zip", content=zipped(
        {**files, "adapter/vocabulary.json": (tmp_path / "vocabulary.json").read_bytes()}))
    assert answer.status_code == 415, answer.text
    assert answer.json()["error"].startswith("older.zip: a style adapter for another model than this studio's")
    assert "older" not in site["studio"].folder.adapters()


def test_what_the_page_is_told_of_the_model_names_no_command_line_flag(site, tmp_path, monkeypatch):
    """Three refusals the studio passed on asked for the command line's --model, which a person on the page has
    not: an adapter for another model sent as a zip ('start the studio with --model ...'), one copied into the
    folder by hand and asked for ('give --model the model it was trained from'), and the built-in model missing
    from the installation ('or give a model folder (--model DIR)'). Each is said in the page's words now."""
    import re
    import shutil

    from motiongpt import model as models
    from motiongpt.model import build, tiny_config
    from motiongpt.studio.session import Studio

    client, studio = site["client"], site["studio"]
    build(tiny_config(hidden_size=48), seed=3).save_pretrained(tmp_path / "other")
    other = make_adapter(tmp_path / "other", tmp_path / "adapter", seed=3)
    sent = client.put("/api/upload?kind=adapter&name=other.zip", content=zipped(
        {name: (other / name).read_bytes() for name in ("adapter_config.json", "adapter_model.safetensors")}))
    shutil.copytree(other, studio.folder.root / "adapters" / "by_hand")  # copied into the folder: offered
    asked = client.post("/api/ask", json={"bars": 1, "count": 1, "style": "adapter:by_hand"})
    used = studio.jobs.wait(asked.json()["id"], 120)
    shutil.rmtree(studio.folder.root / "adapters" / "by_hand")
    monkeypatch.setattr(models, "builtin_model_path", lambda: models._shipped("not-shipped", "the built-in model"))
    bare = Studio(tmp_path / "bare")  # on the built-in model, which this installation lacks
    missing = bare.jobs.wait(bare.ask({"bars": 1, "count": 1}).id, 120)
    said = [sent.json()["error"], used.error, missing.error]
    assert sent.status_code == 415 and used.state == missing.state == "failed", said
    assert said[1] == ("style adapter by_hand: a style adapter for another model than this studio's (trained from "
                       f"{tmp_path / 'other'}): it works only in a studio running that model")
    assert said[2] == ("the built-in model is missing from this installation: the studio cannot write dances until "
                       "the package is installed again")
    assert not [line for line in said if re.search(r"(?<![\w-])--[a-z]", line)], said


@pytest.mark.parametrize("style", ["adapter:../../model", "adapter:/etc", "adapter:%2e%2e", "adapter:nope"])
def test_an_adapter_is_named_never_given_as_a_path(site, style):
    answer = site["client"].post("/api/ask", json={"bars": 1, "count": 1, "style": style})
    assert answer.status_code == 404 and "not a style adapter of this studio" in answer.json()["error"]


def test_cancel_during_sampling_stops_at_the_next_token_and_writes_nothing(site, monkeypatch):
    """The cancel arrives while the model is sampling (from inside a sampling step): the studio's cancel, a logits
    processor every operation's sampling runs, stops it a token later, no dance folder (whole or partial)
    appears, and the job says so."""
    from motiongpt.model import sampling

    studio, client = site["studio"], site["client"]
    before = sorted(p.name for p in studio.folder.dances.iterdir())
    steps = []

    for step in (sampling.FastStep, sampling.ModelStep):
        def counted(self, ids, numbers, original=step.__call__):
            steps.append(1)
            if len(steps) == 3:
                studio.jobs.current.cancel()
            return original(self, ids, numbers)

        monkeypatch.setattr(step, "__call__", counted)
    answer = client.post("/api/ask", json={"text": "quick steps", "bars": 12, "count": 3, "seed": 4})
    job = studio.jobs.wait(answer.json()["id"], 120)
    monkeypatch.undo()
    assert job.state == "cancelled" and job.message == "cancelled: nothing was written"
    assert len(steps) <= 4  # a 12-bar dance is hundreds of steps: it stopped at the first after the cancel
    assert sorted(p.name for p in studio.folder.dances.iterdir()) == before  # no folder, not even a .part
    asks = studio.folder.read_state()["asks"]
    assert next(a for a in asks if a["job"] == job.id)["cancelled"] is True
    seen = client.get(f"/api/jobs/{job.id}?after={job.version - 1}").json()  # the page hears it at once
    assert seen["state"] == "cancelled" and seen["message"] == "cancelled: nothing was written"
    # the model samples again as before once the cancel is over
    finished(site, client.post("/api/ask", json={"bars": 1, "count": 1, "seed": 4}))
