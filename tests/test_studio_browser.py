"""The studio in a real browser: headless chromium loads the page, asks for a dance, sees the options appear,
opens one, regenerates two bars and downloads a BVH (motiongpt.studio.browser walks the steps)."""

from __future__ import annotations

import contextlib
import json

import pytest

pytest.importorskip("starlette", reason="the studio extra (starlette, uvicorn) is not installed")
pytest.importorskip("uvicorn", reason="the studio extra (starlette, uvicorn) is not installed")


def test_a_choreographer_asks_develops_and_takes_the_dance_away(tmp_path):
    from motiongpt.studio import browser

    why = browser.missing()
    if why:
        pytest.skip(f"no browser to drive: {why}")
    import torch

    from laban import read_bvh
    from laban.score import Score
    from motiongpt.model import build, tiny_config
    from motiongpt.studio import create_app
    from motiongpt.studio.server import serve

    torch.set_num_threads(1)
    build(tiny_config(), seed=4).save_pretrained(tmp_path / "model")
    app = create_app(tmp_path / "studio", tmp_path / "model")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with serve(app) as url:
        driver = browser.browser(downloads)
        try:
            seen = browser.walk(driver, url, downloads, bars=4, count=2)
            taken = taken_away(driver, downloads)
            bad_line, marked, gutter_lines, text_lines = mistake(driver)
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        finally:
            driver.quit()
    errors = [e for e in errors if "/score - Failed to load resource" not in e["message"]]  # the refused save
    assert not errors, errors  # no script error, no failed request
    assert gutter_lines == text_lines and marked == str(bad_line)  # the gutter numbers and marks the bad line
    assert sorted(seen["ranks"]) == ["#1", "#2"]
    dances = tmp_path / "studio" / "dances"
    child = dances / seen["child"]
    lineage = json.loads((child / "lineage.json").read_text())
    assert lineage["operation"] == "regenerate" and lineage["bars"] == [2, 3]
    from laban.algebra import cut

    parent, edited = Score.load(dances / seen["opened"] / "score.laban"), Score.load(child / "score.laban")
    assert cut(parent, 1, 1).symbols == cut(edited, 1, 1).symbols  # bar 1 kept; 2-3 written anew
    assert seen["child"] in seen["history"] and seen["opened"] in seen["history"]
    assert seen["bvh"].name == f"dance-{seen['child']}.bvh"
    assert read_bvh(seen["bvh"]).frame_count == read_bvh(child / "dance.bvh").frame_count
    # every file the API gives a dance as has its link on the page (the JSON score and the staff had none)
    assert {p.name for p in taken} == {f"dance-{seen['child']}.{suffix}" for suffix in ("json", "svg")}
    assert Score.load(downloads / f"dance-{seen['child']}.json") == Score.load(child / "score.laban")
    assert (downloads / f"dance-{seen['child']}.svg").read_bytes() == (child / "staff.svg").read_bytes()


def taken_away(driver, downloads):
    """The open dance's JSON score and staff taken away by their links on the page: the files downloaded."""
    from selenium.webdriver.common.by import By

    from motiongpt.studio.browser import wait

    files = []
    for suffix in ("json", "svg"):
        driver.find_element(By.ID, f"dl-{suffix}").click()
        files += wait(driver, lambda d: [p for p in downloads.glob(f"*.{suffix}") if p.stat().st_size > 0], 30,
                      f"the {suffix} download")
    return files


def mistake(driver):
    """A line the parser refuses typed into the open dance's score, then Save: the gutter's marked line and the
    line the error names, and the gutter's and the text's line counts."""
    from selenium.webdriver.common.by import By

    from motiongpt.studio.browser import wait

    area = driver.find_element(By.ID, "score-text")

    def score_lines(_):  # the open dance's score, once the editor has it (a loaded machine fills it later)
        lines = area.get_property("value").split("\n")
        return lines if any(line.strip().startswith("bar ") for line in lines) else None

    lines = wait(driver, score_lines, 30, "the open dance's score in the editor")
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("bar ")) + 1
    driver.execute_script("const a = arguments[0]; a.value = arguments[1]; a.dispatchEvent(new Event('input'));",
                          area, "\n".join(lines[:at] + ["  1   head   sideways   1"] + lines[at:]))
    driver.find_element(By.ID, "save-score").click()
    marked = wait(driver, lambda d: d.find_elements(By.ID, "score-bad-line"), 30, "the bad line marked")[0].text
    error = driver.find_element(By.ID, "score-error").text
    assert f":{at + 1}:" in error, error
    gutter = driver.find_element(By.ID, "score-gutter").get_property("textContent").split()
    return at + 1, marked, len(gutter), len(area.get_property("value").split("\n"))


def test_a_rig_whose_joints_say_nothing_is_named_in_the_page(tmp_path):
    """The page's side of a rig whose joints are named J1, J2, ...: an ask on it opens the form, every needed
    part marked not found; a map file (the command line's --map items) fills it in; a joint given to two parts is
    refused in the form's one line, the form kept; put right, the dance is made on the rig with the map in its
    prompt. Before, the page had no rig to ask on, and no way to name a rig's parts."""
    from motiongpt.studio import browser

    why = browser.missing()
    if why:
        pytest.skip(f"no browser to drive: {why}")
    from pathlib import Path

    import torch
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    import laban
    from conftest import anonymous_rig
    from laban.skeleton import REQUIRED_PARTS
    from motiongpt.model import build, tiny_config
    from motiongpt.studio import create_app
    from motiongpt.studio.browser import wait

    torch.set_num_threads(1)
    build(tiny_config(), seed=4).save_pretrained(tmp_path / "model")
    example = Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban"
    laban.write_bvh(laban.decode(laban.Score.load(example)), tmp_path / "named.bvh")
    items = anonymous_rig(tmp_path / "named.bvh", tmp_path / "rig.bvh")
    (tmp_path / "rig.map").write_text("# the rig's parts\n" + "\n".join(f"--map {i[len('--map='):]}" for i in items))
    mapping = dict(item[len("--map="):].split("=", 1) for item in items)
    app = create_app(tmp_path / "studio", tmp_path / "model")
    with _page(app, tmp_path) as driver:
        for field, value in (("ask-bars", 1), ("ask-count", 1)):
            driver.find_element(By.ID, field).clear()
            driver.find_element(By.ID, field).send_keys(str(value))
        driver.find_element(By.ID, "ask-rig").send_keys(str(tmp_path / "rig.bvh"))
        driver.find_element(By.ID, "generate").click()
        wait(driver, lambda d: d.find_element(By.ID, "rig-dialog").get_property("open"), 60, "the rig's form")
        missing = [e.get_attribute("data-part")
                   for e in driver.find_elements(By.CSS_SELECTOR, "#rig-parts label.missing select")]
        first_message = driver.find_element(By.ID, "rig-message").text
        driver.find_element(By.ID, "rig-map-file").send_keys(str(tmp_path / "rig.map"))
        wait(driver, lambda d: "parts named" in d.find_element(By.ID, "rig-message").text, 30, "the map file")
        selects = {s.get_attribute("data-part"): s
                   for s in driver.find_elements(By.CSS_SELECTOR, "#rig-parts select")}
        filled = {part: s.get_property("value") for part, s in selects.items()}
        Select(selects["hand-right"]).select_by_value(mapping["hand-left"])
        driver.find_element(By.ID, "rig-use").click()
        wait(driver, lambda d: "for both" in d.find_element(By.ID, "rig-message").text, 30, "the refusal")
        refusal = driver.find_element(By.ID, "rig-message").text
        still_open = driver.find_element(By.ID, "rig-dialog").get_property("open")
        Select(selects["hand-right"]).select_by_value(mapping["hand-right"])
        driver.find_element(By.ID, "rig-use").click()
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".card.ready"), 120, "the dance")
        closed = not driver.find_element(By.ID, "rig-dialog").get_property("open")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    parts = [p.value for p in REQUIRED_PARTS]
    assert missing == parts  # every needed part marked: the names say nothing
    assert first_message.startswith("rig.bvh: cannot recognise pelvis")
    assert filled == mapping  # the map file filled in every part
    assert refusal == (f"rig.bvh: mapping names joint '{mapping['hand-left']}' for both hand-left and hand-right: "
                       "each needs a joint of its own") and still_open and closed
    assert all("/api/ask - Failed to load resource" in e["message"] for e in errors), errors  # the refusals only
    [dance] = list((tmp_path / "studio" / "dances").iterdir())
    assert json.loads((dance / "prompt.json").read_text())["map"] == mapping
    assert laban.read_bvh(dance / "dance.bvh").skeleton.names == laban.read_bvh(tmp_path / "rig.bvh").skeleton.names


def _studio(tmp_path, styles=None):
    """A studio on a tiny model (knowing ``styles``), served to a browser; skips where there is no browser."""
    from motiongpt.studio import browser

    why = browser.missing()
    if why:
        pytest.skip(f"no browser to drive: {why}")
    import torch

    from motiongpt.model import build, tiny_config
    from motiongpt.studio import create_app

    torch.set_num_threads(1)
    build(tiny_config(styles=styles), seed=4).save_pretrained(tmp_path / "model")
    return create_app(tmp_path / "studio", tmp_path / "model")


def _ask(driver, **fields):
    """The ask's fields filled in (by id), then Generate."""
    from selenium.webdriver.common.by import By

    for field, value in fields.items():
        element = driver.find_element(By.ID, field)
        element.clear()
        element.send_keys(str(value))
    driver.find_element(By.ID, "generate").click()


@contextlib.contextmanager
def _page(app, tmp_path):
    """Headless chromium on the studio ``app`` served here, its page loaded and ready; closed after."""
    from motiongpt.studio import browser
    from motiongpt.studio.browser import wait
    from motiongpt.studio.server import serve

    with serve(app) as url:
        driver = browser.browser(tmp_path)
        try:
            driver.get(url)
            wait(driver, lambda d: d.execute_script("return document.body.dataset.ready"), 120, "the page")
            yield driver
        finally:
            driver.quit()


def _idle(driver) -> bool:
    """No job running on the page (its progress line hidden)."""
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "job").get_attribute("hidden") is not None


def _opened(driver, other=None):
    """The dance the page has open, once it is not ``other``."""
    now = driver.execute_script("return document.body.dataset.openDance || null")
    return now if now and now != other else None


def test_a_reload_picks_up_where_the_studio_is(tmp_path):
    """A reload (or a second tab) lost the session: the dance open, the options of the last ask and the ask's words
    were gone, and a job still running or queued was no longer followed (no progress, no Cancel, its options never
    drawn). The page now restores them from the address (#dance=ID), studio.json's asks and the server's jobs, and
    the bars selected from the open dance's lineage (the bars regenerated); and the history names what each step
    asked (a regenerate's new words)."""
    import threading

    from selenium.webdriver.common.by import By

    from motiongpt.studio import browser
    from motiongpt.studio.browser import wait
    from motiongpt.studio.server import serve

    app = _studio(tmp_path)
    studio = app.state.studio
    gate = threading.Event()  # to hold the worker, as a long job does: an ask then waits in the queue

    def data(d, key):
        return d.execute_script(f"return document.body.dataset.{key} || null")

    def cards(d):
        return [e.text.split("\n")[:2] for e in d.find_elements(By.CSS_SELECTOR, ".card.ready .head")]

    with serve(app) as url:
        driver = browser.browser(tmp_path)
        try:
            driver.get(url)
            wait(driver, lambda d: data(d, "ready"), 120, "the page")
            _ask(driver, **{"ask-text": "a slow turn", "ask-bars": 2, "ask-count": 2})
            wait(driver, lambda d: len(cards(d)) == 2 and _idle(d), 120, "the options")
            ranked = cards(driver)
            driver.find_element(By.CSS_SELECTOR, ".card .open").click()
            opened = wait(driver, lambda d: data(d, "openDance"), 60, "the dance")
            for field, value in (("bars-first", 2), ("bars-last", 2), ("bars-text", "a jump")):
                driver.find_element(By.ID, field).clear()
                driver.find_element(By.ID, field).send_keys(str(value))
            driver.find_element(By.ID, "regenerate").click()
            child = wait(driver, lambda d: data(d, "openDance") not in (None, opened) and data(d, "openDance"), 120,
                         "the new bars")
            driver.refresh()
            wait(driver, lambda d: data(d, "ready"), 120, "the page again")
            reopened = data(driver, "openDance")
            selected = [driver.find_element(By.ID, f).get_property("value") for f in ("bars-first", "bars-last")]
            label = driver.find_element(By.CSS_SELECTOR, f"#history span[data-dance='{child}']").text
            words = driver.find_element(By.ID, "ask-text").get_property("value")
            driver.execute_script("document.getElementById('close-dance').click()")  # shown only if reopened
            restored = cards(driver)

            studio.jobs.submit("hold", lambda job: gate.wait(60))
            _ask(driver, **{"ask-text": "quick steps", "ask-count": 2})
            wait(driver, lambda d: not _idle(d), 30, "the ask queued")
            driver.refresh()
            wait(driver, lambda d: data(d, "ready"), 120, "the page a third time")
            followed = wait(driver, lambda d: not _idle(d), 10, "the queued work followed")
            gate.set()
            wait(driver, lambda d: len(cards(d)) == 2 and _idle(d) and cards(d)[0][0] == "#1", 120, "the new options")
            summary = driver.find_element(By.ID, "ask-summary").text
            made = cards(driver)
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        finally:
            gate.set()
            driver.quit()
    assert not errors, errors
    assert reopened == child and label == f'{child} regenerate 2-2 "a jump"' and words == "a slow turn"
    assert selected == ["2", "2"]  # the bars regenerated, as before the reload (it fell back to 1-2)
    assert restored == ranked and [rank for rank, _ in restored] == ["#1", "#2"]
    assert followed and summary == '"quick steps"'
    [ask] = [a for a in studio.folder.read_state()["asks"] if a["settings"]["text"] == "quick steps"]
    assert [f"dance {d}" for d in ask["ranked"]] == [name for _, name in made]


def test_a_corpus_search_shows_the_answer_to_the_words_typed(tmp_path, monkeypatch):
    """Each key typed into the corpus search asks the server; an earlier, slower answer (the corpus read cold on
    the first) came last and replaced the answer to the whole words: 'joplin' listed 'jo''s works, Johnson's
    first, and the piece picked was not the one searched for."""
    import time
    from pathlib import Path

    from selenium.webdriver.common.by import By

    import motiongpt.conditioning.music as music
    from motiongpt.studio.browser import wait

    works = {"johnson_j_r/lift_every_voice": Path("lift.mxl"), "joplin/maple_leaf_rag": Path("rag.mid")}
    calls = []

    def corpus_works():  # the first read of the corpus is slow (seconds, cold); the rest are cached
        calls.append(1)
        if len(calls) == 1:
            time.sleep(1.5)
        return works

    monkeypatch.setattr(music, "_corpus_works", corpus_works)
    app = _studio(tmp_path)
    with _page(app, tmp_path) as driver:
        driver.find_element(By.ID, "corpus-search").send_keys("joplin")
        wait(driver, lambda d: len(calls) >= 5, 30, "a search per key")
        time.sleep(2.0)  # past the slow first answer
        listed = [o.get_attribute("value") for o in driver.find_elements(By.CSS_SELECTOR, "#corpus-results option")]
    assert listed == ["corpus:joplin/maple_leaf_rag"]


def test_an_ask_on_music_is_as_long_as_the_bars_asked(tmp_path):
    """With music the page sent no length: the Bars field (8) was ignored and the whole piece danced, so a dance
    could not be made on part of a song, nor continued on its next bars (the music had none left). The bars asked
    are sent (empty: the whole piece), the tempo field, which the music sets, is disabled, and a music file asked on
    again is not uploaded again."""
    from music21 import note, stream
    from selenium.webdriver.common.by import By

    from motiongpt.studio import views
    from motiongpt.studio.browser import wait

    stream.Stream([note.Note("C4", quarterLength=1) for _ in range(32)]).write("midi", fp=str(tmp_path / "tune.mid"))
    app = _studio(tmp_path)
    studio = app.state.studio

    def idle(d):
        return d.find_element(By.ID, "job").get_attribute("hidden") is not None and d.find_elements(
            By.CSS_SELECTOR, ".card.ready")

    with _page(app, tmp_path) as driver:
        driver.find_element(By.ID, "music-file").send_keys(str(tmp_path / "tune.mid"))
        tempo_off = driver.find_element(By.ID, "ask-bpm").get_property("disabled")
        for seed in (1, 2):
            _ask(driver, **{"ask-bars": 2, "ask-count": 1, "ask-seed": seed})
            wait(driver, lambda d: len(studio.folder.dance_ids()) == seed and idle(d), 120, "the dance")
    bars = [len(views.dance_view(studio.folder, d)["bars"]) for d in studio.folder.dance_ids()]
    assert tempo_off and bars == [2, 2]
    assert len(list((studio.folder.root / "uploads").iterdir())) == 1


def test_make_mp4_cancelled_in_the_page_offers_no_video(tmp_path):
    """Make MP4, then Cancel: the page follows the render frame by frame and, cancelled, says nothing was written
    and offers no MP4 (it showed the link whatever the job's end, to a video that was never made)."""
    from viz.scene import _pyrender

    try:
        _pyrender().OffscreenRenderer(8, 8).delete()
    except Exception as error:
        pytest.skip(f"no off-screen OpenGL here: {error}")
    from selenium.webdriver.common.by import By

    from motiongpt.studio.browser import wait

    app = _studio(tmp_path)
    with _page(app, tmp_path) as driver:
        _ask(driver, **{"ask-bars": 4, "ask-count": 1})
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".card.ready"), 120, "the dance")
        driver.find_element(By.CSS_SELECTOR, ".card .open").click()
        wait(driver, lambda d: d.execute_script("return document.body.dataset.openDance"), 60, "the dance open")
        driver.find_element(By.ID, "render").click()
        said = wait(driver, lambda d: "frame" in d.find_element(By.ID, "job-message").text
                    and d.find_element(By.ID, "job-message").text, 120, "the render's frames")
        driver.find_element(By.ID, "job-cancel").click()
        wait(driver, lambda d: d.find_element(By.ID, "job").get_attribute("hidden") is not None, 60, "the end")
        notice = driver.find_element(By.ID, "notice").text
        offered = driver.find_element(By.ID, "dl-mp4").get_attribute("hidden") is None
    assert said.startswith("rendering the video: frame ") and notice == "cancelled: nothing was written"
    assert not offered and not list((tmp_path / "studio" / "exports").iterdir())


def test_an_open_dance_says_what_its_controls_do(tmp_path):
    """Words that name nothing the check counts were reported as 'the dance: 0 of 0 asked', as if the dance had
    missed nothing of much (and the words no rule reads are named, as generate notes them); the Play button,
    which also stops, said Play while the dance played; a translated dance's view did not say its style."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from motiongpt.studio.browser import wait

    app = _studio(tmp_path, ["salsa", "salsa follow"])

    with _page(app, tmp_path) as driver:
        _ask(driver, **{"ask-text": "tender", "ask-bars": 1, "ask-count": 1})  # ("lively": a pace)
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".card.ready"), 120, "the dance")
        driver.find_element(By.CSS_SELECTOR, ".card .open").click()
        first = wait(driver, _opened, 60, "the dance open")
        check = driver.find_element(By.ID, "dance-check").text
        driver.find_element(By.ID, "play").click()
        playing = driver.find_element(By.ID, "play").text
        driver.find_element(By.ID, "play").click()
        stopped = driver.find_element(By.ID, "play").text
        styles = [o.get_attribute("value") for o in Select(driver.find_element(By.ID, "translate-style")).options]
        Select(driver.find_element(By.ID, "translate-style")).select_by_value(styles[-1])
        driver.find_element(By.ID, "translate").click()
        wait(driver, lambda d: _opened(d, first), 120, "the translated dance")
        info = driver.find_element(By.ID, "dance-info").text
    assert check == "its words name nothing the check counts (steps, their direction, turns, jumps, the arms' level, " \
        "the pace)" \
        ' · not read: "tender" (no step, turn, jump, arm level or pace the notation\'s facts hold)'  # as the CLI
    # notes it
    assert (playing, stopped) == ("Stop", "Play")
    assert f"style {styles[-1]} ·" in info


def test_a_dance_whose_music_has_run_out_is_continued_on_other_music(tmp_path):
    """Continue on a dance made on the whole of its music was refused with the command line's '(give --music for
    other music)', and the page had no other music to continue on. The refusal says what to do in the page's words,
    and Continue takes other music, here a file, as the ask does."""
    import re

    from music21 import note, stream
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from motiongpt.studio import views
    from motiongpt.studio.browser import wait

    for name, beats in (("short.mid", 8), ("other.mid", 16)):
        stream.Stream([note.Note("E4", quarterLength=1) for _ in range(beats)]).write("midi", fp=str(tmp_path / name))
    app = _studio(tmp_path)
    studio = app.state.studio

    with _page(app, tmp_path) as driver:
        driver.find_element(By.ID, "music-file").send_keys(str(tmp_path / "short.mid"))
        _ask(driver, **{"ask-bars": "", "ask-count": 1})  # the whole piece
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".card.ready") and _idle(d), 120, "the dance")
        driver.find_element(By.CSS_SELECTOR, ".card .open").click()
        first = wait(driver, _opened, 60, "the dance open")
        own = Select(driver.find_element(By.ID, "continue-music")).first_selected_option.text
        driver.find_element(By.ID, "continue-bars").clear()
        driver.find_element(By.ID, "continue-bars").send_keys("2")
        driver.find_element(By.ID, "continue").click()
        refusal = wait(driver, lambda d: _idle(d) and d.find_element(By.ID, "notice").text, 120, "the refusal")
        Select(driver.find_element(By.ID, "continue-music")).select_by_value("upload")
        driver.find_element(By.ID, "continue-music-file").send_keys(str(tmp_path / "other.mid"))
        driver.find_element(By.ID, "continue").click()
        longer = wait(driver, lambda d: _opened(d, first), 120, "the dance continued")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert own == "its own music"
    assert refusal.startswith("the music has 0 bars after this dance's, fewer than the 2 asked for: continue it on "
                              "other music") and not re.search(r"(?<![\w-])--[a-z]", refusal), refusal
    settings = json.loads((studio.folder.dance_path(longer) / "lineage.json").read_text())["settings"]
    [other] = [p for p in (studio.folder.root / "uploads").iterdir() if p.name.endswith("other.mid")]
    assert settings["music"] == str(other) and not settings["own_music"] and settings["added_bars"] == 2
    assert len(views.dance_view(studio.folder, longer)["bars"]) == 4
    assert not errors, errors


@contextlib.contextmanager
def _second_save_held(studio, operation: str | None = None):
    """The studio's saves (of ``operation``'s dances only, where given): the first let through, the second held at
    its save until ``gate`` is set (or the block ends), so that a Cancel clicked once ``holding`` is set keeps two
    options: yields the events (``written``, ``holding``, ``gate``). (Cancelled as soon as the first was written, a
    loaded machine had not yet made the second, and one option was kept.)"""
    import threading

    written, holding, gate = threading.Event(), threading.Event(), threading.Event()
    save = studio._save

    def held(dance, dance_id):
        counted = operation is None or dance.lineage.operation == operation
        if counted and written.is_set():
            holding.set()
            gate.wait(60)
        save(dance, dance_id)
        if counted:
            written.set()

    studio._save = held
    try:
        yield written, holding, gate
    finally:
        gate.set()
        studio._save = save


def test_the_history_is_drawn_again_when_it_changes(tmp_path):
    """The history was drawn again only after a job that ended done, and by the page's own next action: variations
    kept by a cancel ('cancelled: kept 0002, 0003, nothing more written') were missing from it, a running job's
    dances joined it only at the job's end, a dance closed stayed marked as open, and what another tab wrote meanwhile
    waited for this tab's next click. Each now shows when it happens (another tab's, when the person comes back)."""
    from selenium.webdriver.common.by import By

    from motiongpt.studio.browser import wait

    app = _studio(tmp_path)
    studio = app.state.studio

    def listed(d, which="#history span"):  # read in one go: the history may be drawn again meanwhile
        return d.execute_script(f"return [...document.querySelectorAll('{which}')].map((e) => e.dataset.dance)")

    def marked(d):
        return listed(d, "#history span.current")

    with _page(app, tmp_path) as driver:
        _ask(driver, **{"ask-bars": 1, "ask-count": 1})
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".card.ready") and _idle(d), 120, "the dance")
        driver.find_element(By.CSS_SELECTOR, ".card .open").click()
        first = wait(driver, _opened, 60, "the dance open")
        with _second_save_held(studio, "vary") as (written, holding, gate):
            driver.find_element(By.ID, "vary-near").click()
            assert written.wait(120), "no variation written"
            [shown] = [d for d in studio.folder.dance_ids() if d != first]
            live = wait(driver, lambda d: shown in listed(d), 30, "the variation in the history while it runs")
            running = not _idle(driver)
            assert holding.wait(120), "no second variation made"  # kept with the first: made before the cancel
            driver.find_element(By.ID, "job-cancel").click()
            gate.set()
            wait(driver, _idle, 60, "the cancel")
        kept = [d for d in studio.folder.dance_ids() if d != first]
        notice = driver.find_element(By.ID, "notice").text
        after_cancel = listed(driver)
        driver.find_element(By.CSS_SELECTOR, f".card[data-dance='{kept[0]}'] .open").click()  # kept: an option
        wait(driver, lambda d: _opened(d) == kept[0], 60, "a kept variation open")
        # (the mark comes with the history's redraw, a moment after the dance opens or closes)
        open_before = wait(driver, lambda d: marked(d) == [kept[0]] and marked(d), 30, "the open dance marked")
        driver.find_element(By.ID, "close-dance").click()
        wait(driver, lambda d: not marked(d), 30, "no dance marked open")
        open_after = marked(driver)
        elsewhere = studio.jobs.wait(studio.ask({"bars": 1, "count": 1, "seed": 7}).id, 120)  # another tab's ask
        [theirs] = elsewhere.result["dances"]
        unseen = theirs not in listed(driver)
        driver.execute_script("window.dispatchEvent(new Event('focus'))")  # the person comes back to this tab
        seen = wait(driver, lambda d: theirs in listed(d), 30, "another tab's dance in the history")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert live and running and len(kept) == 2 and notice == f"cancelled: kept {', '.join(kept)}, nothing more written"
    assert set(kept) <= set(after_cancel) and open_before == [kept[0]] and open_after == []
    assert unseen and seen and elsewhere.state == "done"
    assert not errors, errors


def test_variations_kept_by_a_cancel_are_options_to_pick_from(tmp_path):
    """Cancel during an ask or a Vary keeps the options already written ('cancelled: kept 0002, 0003, nothing more
    written'), and they joined the history, but a cancelled Vary showed none of them as a card: the page went on
    showing the dance varied, as if nothing had been made. Kept options are cards, as a finished job's are: the
    ask's unranked, the variations in the order Vary ranked them, the grid saying it was cancelled; each opens."""
    from selenium.webdriver.common.by import By

    from motiongpt.studio.browser import wait

    app = _studio(tmp_path)
    studio = app.state.studio

    def cards(d):  # read in one go: a card drawn meanwhile
        return d.execute_script("return [...document.querySelectorAll('#grid .card.ready')].map((c) => "
                                "[c.dataset.dance, c.querySelector('.rank').textContent])")

    def cancelled(driver, click):
        """``click`` starts a job that writes options; Cancel once the first is written, the worker held before
        the second: the options kept, the page's notice, its cards and what the grid says it shows."""
        before = set(studio.folder.dance_ids())
        with _second_save_held(studio) as (written, holding, gate):
            click()
            assert written.wait(120), "no option written"
            assert holding.wait(120), "no second option made"
            wait(driver, lambda d: d.find_element(By.ID, "job-cancel").is_enabled(), 30, "the job followed")
            driver.find_element(By.ID, "job-cancel").click()
            gate.set()
            wait(driver, _idle, 60, "the cancel")
        kept = [d for d in studio.folder.dance_ids() if d not in before]
        shown = wait(driver, lambda d: [c[0] for c in cards(d)] == kept and cards(d), 60, "the kept options as cards")
        return kept, driver.find_element(By.ID, "notice").text, shown, driver.find_element(By.ID, "ask-summary").text

    with _page(app, tmp_path) as driver:
        ask = cancelled(driver, lambda: _ask(driver, **{"ask-bars": 1, "ask-count": 3}))
        driver.find_element(By.CSS_SELECTOR, f".card[data-dance='{ask[0][0]}'] .open").click()
        varied = wait(driver, _opened, 60, "an option kept open")
        vary = cancelled(driver, lambda: driver.find_element(By.ID, "vary-near").click())
        open_after = _opened(driver)
        driver.find_element(By.CSS_SELECTOR, f".card[data-dance='{vary[0][1]}'] .open").click()
        picked = wait(driver, lambda d: _opened(d, varied), 60, "a kept variation open")
        driver.refresh()  # the kept variations are the grid last seen: a reload shows them, not the ask's
        wait(driver, lambda d: d.execute_script("return document.body.dataset.ready"), 120, "the page again")
        driver.find_element(By.ID, "close-dance").click()
        reloaded = wait(driver, lambda d: len(cards(d)) == 2 and cards(d), 60, "the kept variations again")
        heading = driver.find_element(By.ID, "ask-summary").text
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    for kept, notice, shown, summary in (ask, vary):
        assert len(kept) == 2 and notice == f"cancelled: kept {', '.join(kept)}, nothing more written"
        assert summary.endswith(" (cancelled)"), summary
    assert [rank for _, rank in ask[2]] == ["·", "·"] and [rank for _, rank in vary[2]] == ["#1", "#2"]
    assert vary[3] == f"vary of dance {varied} (cancelled)" and open_after is None and picked == vary[0][1]
    assert reloaded == vary[2] and heading == vary[3]
    assert not errors, errors


def test_a_reload_after_a_vary_shows_its_variations(tmp_path):
    """A reload restored only the last ask's options: a choreographer who reloaded after varying a dance saw the
    ask's grid again and lost the variations to pick from (still in the history, but as cards nowhere). The grid
    the person last saw comes back: the variations in the order Vary ranked them, under the grid's heading."""
    from selenium.webdriver.common.by import By

    from motiongpt.studio.browser import wait

    app = _studio(tmp_path)
    studio = app.state.studio

    def cards(d):  # read in one go: a card drawn meanwhile
        return d.execute_script("return [...document.querySelectorAll('#grid .card.ready')].map((c) => "
                                "[c.dataset.dance, c.querySelector('.rank').textContent])")

    with _page(app, tmp_path) as driver:
        _ask(driver, **{"ask-text": "a slow turn", "ask-bars": 1, "ask-count": 2})
        wait(driver, lambda d: len(cards(d)) == 2 and _idle(d), 120, "the options")
        asked = cards(driver)
        driver.find_element(By.CSS_SELECTOR, ".card .open").click()
        varied = wait(driver, _opened, 60, "an option open")
        driver.find_element(By.ID, "vary-near").click()
        shown = wait(driver, lambda d: len(cards(d)) == 4 and _idle(d) and cards(d), 180, "the variations")
        heading = driver.find_element(By.ID, "ask-summary").text
        driver.refresh()
        wait(driver, lambda d: d.execute_script("return document.body.dataset.ready"), 120, "the page again")
        restored = wait(driver, lambda d: len(cards(d)) >= 2 and cards(d), 60, "the grid again")
        heading_again = driver.find_element(By.ID, "ask-summary").text
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    [vary] = [j for j in studio.jobs.all() if j.kind == "vary"]
    assert heading == f"vary of dance {varied}" and [rank for _, rank in shown] == ["#1", "#2", "#3", "#4"]
    assert [d for d, _ in shown] == vary.result["dances"]  # the order cocreate.vary ranked them in
    assert restored == shown and heading_again == heading, (restored, asked)
    assert not errors, errors


def test_generate_clicked_again_while_the_first_ask_is_written(tmp_path):
    """Generate clicked a second time (new words) while the first ask was still being written: the first ask's
    options were drawn into the second's grid, six cards ranked #1, #2, #3 twice under the second's words, and the
    first ask's end hid the progress line (and Cancel) while the second was still to run. The grid is the later
    ask's alone, and the progress line stays, saying the job the worker runs and the one waiting, until both end."""
    import threading

    from selenium.webdriver.common.by import By

    from motiongpt.studio.browser import wait

    app = _studio(tmp_path)
    studio = app.state.studio
    first_held, second_held = threading.Event(), threading.Event()

    def cards(d):  # read in one go: a card drawn meanwhile
        return d.execute_script("return [...document.querySelectorAll('#grid .card')].map((c) => c.dataset.dance)")

    def asks():
        return {a["settings"].get("text"): a for a in studio.folder.read_state()["asks"]}

    def message(d):  # (its text hidden or shown)
        return d.execute_script("return document.getElementById('job-message').textContent")

    with _page(app, tmp_path) as driver:
        try:
            studio.jobs.submit("hold", lambda job: first_held.wait(60))  # a long job before: both asks queue
            _ask(driver, **{"ask-text": "a slow turn", "ask-bars": 1, "ask-count": 2})
            wait(driver, lambda d: not _idle(d), 30, "the first ask followed")
            studio.jobs.submit("hold", lambda job: second_held.wait(60))  # the second ask waits behind this
            _ask(driver, **{"ask-text": "quick steps", "ask-count": 2})
            wait(driver, lambda d: len([j for j in studio.jobs.all() if j.kind == "ask"]) == 2, 30, "the second ask")
            first_held.set()
            [first] = [j for j in studio.jobs.all() if j.kind == "ask" and j.asked.get("text") == "a slow turn"]
            assert studio.jobs.wait(first.id, 120).state == "done"
            alone = wait(driver, lambda d: message(d) == "waiting for the work before it", 30, "the first ask's end")
            still_shown, cancel = not _idle(driver), driver.find_element(By.ID, "job-cancel").is_enabled()
        finally:
            first_held.set()
            second_held.set()
        wait(driver, lambda d: _idle(d) and len(cards(d)) >= 2, 120, "the second ask's options")
        shown = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#grid .card.ready .rank")
                     and cards(d), 30, "the options drawn")
        ranks = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#grid .card .rank")]
        summary = driver.find_element(By.ID, "ask-summary").text
        history = driver.find_element(By.ID, "history").text
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    made = asks()
    assert alone and still_shown and cancel  # the second ask's progress and Cancel, once the first ended
    assert shown == made["quick steps"]["ranked"] and ranks == ["#1", "#2"] and summary == '"quick steps"'
    assert all(dance in history for dance in made["a slow turn"]["dances"])  # the first's options: in the history
    assert not errors, errors


def test_a_refusal_is_not_left_beside_the_next_result(tmp_path):
    """A refusal stayed in the page's notice line after the next action succeeded: Continue by -2 bars refused
    ("bars must be from 1 to 64, not -2"), then Continue by 1 opened the longer dance with the refusal still beside
    it, as if that had failed too. A job followed is a new action: the notice line is cleared for it."""
    from selenium.webdriver.common.by import By

    from motiongpt.studio.browser import wait

    app = _studio(tmp_path)
    with _page(app, tmp_path) as driver:
        _ask(driver, **{"ask-text": "a slow turn", "ask-bars": 1, "ask-count": 1})
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".card.ready") and _idle(d), 120, "the option")
        driver.find_element(By.CSS_SELECTOR, ".card .open").click()
        opened = wait(driver, _opened, 60, "the dance open")
        said = []
        for bars in (-2, 1):
            field = driver.find_element(By.ID, "continue-bars")
            field.clear()
            field.send_keys(str(bars))
            driver.find_element(By.ID, "continue").click()
            if bars < 0:
                said.append(wait(driver, lambda d: d.find_element(By.ID, "notice").text, 30, "the refusal"))
        longer = wait(driver, lambda d: _opened(d, opened), 120, "the dance continued")
        wait(driver, _idle, 60, "the job's end")
        after = driver.find_element(By.ID, "notice").text
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "/continue - " not in e["message"]]
    assert said == ["Continue by ... bars must be from 1 to 64, not -2"] and longer and after == ""
    assert not errors, errors


def test_blend_offers_the_dances_of_the_open_ones_meter(tmp_path):
    """Blend with listed every other dance, the history's first by default: with a 3/4 dance first (a waltz, a
    corpus piece in 2/4), Blend on a 4/4 dance failed at the first click ("the dances have 4 and 3 beats a bar: a
    blend needs one meter"). The list holds the dances of the open one's meter, and Blend is off where none is."""
    from pathlib import Path

    from selenium.webdriver.common.by import By

    from motiongpt.studio.browser import wait

    examples = Path(__file__).resolve().parents[1] / "examples"
    app = _studio(tmp_path)

    def blend_list(d):
        return [(o.get_attribute("value"), o.text) for o in d.find_elements(By.CSS_SELECTOR, "#blend-with option")]

    with _page(app, tmp_path) as driver:
        opened = []
        for name in ("leap_and_turn.laban", "first_phrase.laban"):  # 3/4, then 4/4
            driver.find_element(By.ID, "start-file").send_keys(str(examples / name))
            driver.find_element(By.ID, "start").click()
            opened.append(wait(driver, lambda d: _opened(d, opened[-1] if opened else None), 120, name))
            wait(driver, _idle, 60, "the start's end")
        waltz, common = opened
        alone = wait(driver, lambda d: blend_list(d) and not d.find_element(By.ID, "blend").is_enabled()
                     and blend_list(d), 30, "no dance of its meter to blend with")
        _ask(driver, **{"ask-text": "a slow turn", "ask-bars": 1, "ask-count": 1})  # 4/4
        asked = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".card.ready") and _idle(d)
                     and d.find_element(By.CSS_SELECTOR, ".card").get_attribute("data-dance"), 120, "the option")
        driver.find_element(By.CSS_SELECTOR, ".card .open").click()
        wait(driver, lambda d: _opened(d) == asked, 60, "the option open")
        offered = wait(driver, lambda d: d.find_element(By.ID, "blend").is_enabled() and blend_list(d), 30,
                       "the dances to blend with")
        driver.find_element(By.ID, "blend").click()
        blended = wait(driver, lambda d: _opened(d, asked), 120, "the blend")
        notice = driver.find_element(By.ID, "notice").text
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert alone == [("", "no other dance of 4 beats a bar")]  # the 4/4 example open: the waltz not offered
    assert [value for value, _ in offered] == [common] and waltz not in {v for v, _ in offered}
    parents = json.loads((tmp_path / "studio" / "dances" / blended / "lineage.json").read_text())["parents"]
    assert {Path(p["path"]).name for p in parents} == {asked, common} and notice == ""
    assert not errors, errors


def test_a_model_that_cannot_be_loaded_is_said_at_once(tmp_path, monkeypatch):
    """The built-in model missing from the installation: the page said "loading the model..." for a minute, then
    nothing, and only an ask said why (its job failed). The state says the load's failure, and the page says it as
    soon as it is known, and does not wait."""
    from motiongpt import model as models
    from motiongpt.studio import browser, create_app
    from motiongpt.studio.browser import wait

    why = browser.missing()
    if why:
        pytest.skip(f"no browser to drive: {why}")
    monkeypatch.setattr(models, "builtin_model_path", lambda: models._shipped("not-shipped", "the built-in model"))
    app = create_app(tmp_path / "studio")  # on the built-in model, which this installation lacks
    studio = app.state.studio
    [load] = [job for job in studio.jobs.all() if job.kind == "load"]
    assert studio.jobs.wait(load.id, 60).state == "failed"
    with _page(app, tmp_path) as driver:
        said = wait(driver, lambda d: d.execute_script("return document.getElementById('notice').textContent"), 20,
                    "the page to say why")
    assert said == ("the built-in model is missing from this installation: the studio cannot write dances until "
                    "the package is installed again")


def test_the_last_action_taken_is_what_the_page_shows(tmp_path):
    """Regenerate bars clicked, then Generate (new words) before the bars were written: the ask's options were
    drawn, then the regenerated dance opened over them when its job ended first, as if the ask had not been made.
    What the page shows is the last action's: the ask's options, ranked; the regenerated dance is in the history."""
    import threading

    from selenium.webdriver.common.by import By

    from motiongpt.studio.browser import wait

    app = _studio(tmp_path)
    studio = app.state.studio
    held = threading.Event()

    def cards(d):
        return d.execute_script("return [...document.querySelectorAll('#grid .card')].map((c) => c.dataset.dance)")

    with _page(app, tmp_path) as driver:
        _ask(driver, **{"ask-text": "a slow turn", "ask-bars": 2, "ask-count": 1})
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".card.ready") and _idle(d), 120, "the option")
        driver.find_element(By.CSS_SELECTOR, ".card .open").click()
        opened = wait(driver, _opened, 60, "the dance open")
        try:
            studio.jobs.submit("hold", lambda job: held.wait(60))  # a long job before: both wait behind it
            driver.find_element(By.ID, "regenerate").click()
            wait(driver, lambda d: [j for j in studio.jobs.all() if j.kind == "regenerate"], 30, "the regenerate")
            _ask(driver, **{"ask-text": "quick steps", "ask-count": 2})
            wait(driver, lambda d: len([j for j in studio.jobs.all() if j.kind == "ask"]) == 2, 30, "the ask")
        finally:
            held.set()
        [regenerate] = [j for j in studio.jobs.all() if j.kind == "regenerate"]
        [child] = studio.jobs.wait(regenerate.id, 120).result["dances"]
        wait(driver, lambda d: _idle(d) and len(cards(d)) == 2, 120, "the ask's options")
        shown, still_open = cards(driver), _opened(driver)
        grid_shown = driver.find_element(By.ID, "grid").is_displayed()
        listed = driver.find_elements(By.CSS_SELECTOR, f"#history span[data-dance='{child}']")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    [ask] = [a for a in studio.folder.read_state()["asks"] if a["settings"].get("text") == "quick steps"]
    assert shown == ask["ranked"] and grid_shown and still_open is None and opened != child
    assert listed  # the regenerated bars: in the history, to open
    assert not errors, errors


def test_a_studio_stopped_under_the_page_is_said_so(tmp_path):
    """The studio stopped while its page was open (its terminal closed, the computer put to sleep): Generate, or
    a job followed, said "Failed to fetch", the browser's words. The page says what happened and what to do."""
    from selenium.webdriver.common.by import By

    from motiongpt.studio import browser
    from motiongpt.studio.browser import wait
    from motiongpt.studio.server import serve

    app = _studio(tmp_path)
    driver = browser.browser(tmp_path)
    try:
        with serve(app) as url:
            driver.get(url)
            wait(driver, lambda d: d.execute_script("return document.body.dataset.ready"), 120, "the page")
        _ask(driver, **{"ask-text": "a slow turn", "ask-bars": 1, "ask-count": 1})
        said = wait(driver, lambda d: d.find_element(By.ID, "notice").text, 30, "the page to say why")
    finally:
        driver.quit()
    assert said == "the studio is not answering: start motiongpt studio again, then reload this page"


def test_a_reload_keeps_the_music_the_last_ask_was_on(tmp_path):
    """A reload lost the ask's music: the form said "none (a tempo)" and Bars 8 where the whole of an uploaded
    tune had been asked, so Generate, clicked again after it, danced 8 bars to a click. The form is as the last ask
    left it: its file (sent again, not uploaded again) and its length (the whole piece)."""
    from music21 import note, stream
    from selenium.webdriver.common.by import By

    from motiongpt.studio.browser import wait

    stream.Stream([note.Note("C4", quarterLength=1) for _ in range(12)]).write("midi", fp=str(tmp_path / "tune.mid"))
    app = _studio(tmp_path)
    studio = app.state.studio

    def asks():
        return studio.folder.read_state()["asks"]

    with _page(app, tmp_path) as driver:
        driver.find_element(By.ID, "music-file").send_keys(str(tmp_path / "tune.mid"))
        _ask(driver, **{"ask-text": "steps", "ask-bars": "", "ask-count": 1})
        wait(driver, lambda d: len(studio.folder.dance_ids()) == 1 and _idle(d), 120, "the dance")
        driver.refresh()
        wait(driver, lambda d: d.execute_script("return document.body.dataset.ready"), 120, "the page again")
        form = [driver.find_element(By.CSS_SELECTOR, "input[name=music-source]:checked").get_attribute("value"),
                driver.find_element(By.ID, "ask-bars").get_property("value"),
                driver.find_element(By.ID, "music-chosen").text, driver.find_element(By.ID, "ask-bpm").is_enabled()]
        driver.find_element(By.ID, "generate").click()
        wait(driver, lambda d: len(asks()) == 2 and len(studio.folder.dance_ids()) == 2 and _idle(d), 120,
             "the dance asked again")
        notice = driver.find_element(By.ID, "notice").text
    first, again = (ask["settings"] for ask in asks())
    assert form == ["upload", "", "tune.mid (the last ask's)", False] and notice == ""
    assert again["music"] == first["music"] and "bars" not in again and "bpm" not in again
    assert len(list((studio.folder.root / "uploads").iterdir())) == 1  # not uploaded again


def test_short_music_is_danced_whole_without_a_length_typed(tmp_path):
    """A tune of 4 bars chosen with the Bars field left at its 8 was refused ("the music has 4 bars, fewer than
    the 8 asked for"): the 8 was sent with any music. Bars follows the music while the person has typed no length
    (empty: the whole piece), after a reload too (the last ask's 8 bars without music were not typed), so the tune
    is danced whole; without music it is 8 again."""
    from music21 import note, stream
    from selenium.webdriver.common.by import By

    from motiongpt.studio import views
    from motiongpt.studio.browser import wait

    stream.Stream([note.Note("C4", quarterLength=1) for _ in range(16)]).write("midi", fp=str(tmp_path / "tune.mid"))
    app = _studio(tmp_path)
    studio = app.state.studio

    def made(n):  # the n-th dance written, or the ask's refusal
        return lambda d: len(studio.folder.dance_ids()) == n and _idle(d) or "asked for" in d.find_element(
            By.ID, "notice").text

    with _page(app, tmp_path) as driver:
        _ask(driver, **{"ask-count": 1})  # 8 bars, no music
        wait(driver, made(1), 120, "the dance without music")
        driver.refresh()
        wait(driver, lambda d: d.execute_script("return document.body.dataset.ready"), 120, "the page again")
        driver.find_element(By.ID, "music-file").send_keys(str(tmp_path / "tune.mid"))
        bars_with_music = driver.find_element(By.ID, "ask-bars").get_property("value")
        driver.find_element(By.ID, "generate").click()
        wait(driver, made(2), 120, "the dance on the tune, or its refusal")
        notice = driver.find_element(By.ID, "notice").text
        driver.find_element(By.CSS_SELECTOR, "input[name=music-source][value='']").click()
        bars_without = driver.find_element(By.ID, "ask-bars").get_property("value")
    assert notice == "" and bars_with_music == "" and bars_without == "8"
    plain, tune = studio.folder.dance_ids()
    assert [len(views.dance_view(studio.folder, d)["bars"]) for d in (plain, tune)] == [8, 4]


def test_a_reload_keeps_the_rig_the_last_ask_was_on(tmp_path):
    """A reload kept the last ask's music but not its rig: Generate after it danced on the default body, the
    person's character lost. The rig is said beside its field and asked on again (not uploaded again) until None
    beside it is clicked."""
    from pathlib import Path

    from selenium.webdriver.common.by import By

    import laban
    from motiongpt.studio.browser import wait

    example = Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban"
    laban.write_bvh(laban.decode(laban.Score.load(example)), tmp_path / "hero.bvh")
    app = _studio(tmp_path)
    studio = app.state.studio

    def asks():
        return studio.folder.read_state()["asks"]

    def made(n):
        return lambda d: len(asks()) == n and len(studio.folder.dance_ids()) == n and _idle(d)

    with _page(app, tmp_path) as driver:
        driver.find_element(By.ID, "ask-rig").send_keys(str(tmp_path / "hero.bvh"))
        _ask(driver, **{"ask-bars": 1, "ask-count": 1})
        wait(driver, made(1), 120, "the dance on the rig")
        driver.refresh()
        wait(driver, lambda d: d.execute_script("return document.body.dataset.ready"), 120, "the page again")
        said = driver.find_element(By.ID, "rig-chosen").text
        driver.find_element(By.ID, "generate").click()
        wait(driver, made(2), 120, "the dance asked again")
        driver.find_element(By.ID, "rig-none").click()
        driver.find_element(By.ID, "generate").click()
        wait(driver, made(3), 120, "the dance on no rig")
        notice = driver.find_element(By.ID, "notice").text
    first, again, plain = (ask["settings"] for ask in asks())
    assert said == "hero.bvh (the last ask's)" and notice == ""
    assert again["rig"] == first["rig"] and "rig" not in plain
    assert len(list((studio.folder.root / "uploads").iterdir())) == 1  # not uploaded again


def test_a_dance_named_in_the_address_bar_is_opened(tmp_path):
    """#dance=ID changed in the address bar (or Back to an earlier one) without a reload opened nothing: only a
    reload read the address. The page opens the dance it names, and goes back to the options when it names none."""
    from selenium.webdriver.common.by import By

    from motiongpt.studio.browser import wait

    app = _studio(tmp_path)
    with _page(app, tmp_path) as driver:
        _ask(driver, **{"ask-bars": 1, "ask-count": 2})
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".card.ready")) == 2 and _idle(d), 120,
             "the options")
        first, second = app.state.studio.folder.dance_ids()
        opened = []
        for dance in (second, first):
            driver.execute_script("location.hash = arguments[0]", f"#dance={dance}")
            opened.append(wait(driver, lambda d: _opened(d) == dance and dance, 60, f"dance {dance} open"))
        driver.execute_script("location.hash = ''")
        closed = wait(driver, lambda d: _opened(d) is None and d.find_element(By.ID, "dance-panel").get_attribute(
            "hidden") is not None, 30, "the options again")
        driver.execute_script("location.hash = '#dance=9999'")
        refused = wait(driver, lambda d: d.find_element(By.ID, "notice").text, 30, "the refusal")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "/9999" not in e["message"]]
    assert opened == [second, first] and closed and "9999" in refused
    assert not errors, errors


def test_a_dance_folder_damaged_by_hand_is_named_in_the_history(tmp_path):
    """One dance folder whose lineage.json was edited by hand into bad JSON failed the history, and the page with
    it: the page lists the other dances and says which one cannot be read, and why."""
    from selenium.webdriver.common.by import By

    from motiongpt.studio.browser import wait

    app = _studio(tmp_path)
    studio = app.state.studio
    done = studio.jobs.wait(studio.ask({"text": "steps", "bars": 1, "count": 2}).id, 120)
    assert done.state == "done", done.error
    kept, broken = sorted(done.result["dances"])
    (studio.folder.dances / broken / "lineage.json").write_text('{"operation": "generate", "seed": ')
    with _page(app, tmp_path) as driver:
        said = wait(driver, lambda d: [li.text for li in d.find_elements(By.CSS_SELECTOR, "#history li.damaged")],
                    30, "the damaged dance named")
        listed = [s.get_attribute("data-dance") for s in driver.find_elements(By.CSS_SELECTOR, "#history span")]
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert said == [f"{broken} cannot be read: lineage.json: not valid JSON (JSONDecodeError)"]
    assert listed == [kept]
    assert not errors, errors


def test_translate_is_off_where_the_model_has_no_style_to_offer(tmp_path):
    """A model that knows no styles, with no style adapter added, left Translate on beside an empty list, and its
    click was refused by the server ("translate into which style?"). Translate is off, and the list says why; a
    model that knows a style offers it, and Translate is on."""
    from selenium.webdriver.common.by import By

    from motiongpt.studio.browser import wait

    def offered(d):
        return ([o.get_attribute("textContent") for o in d.find_elements(By.CSS_SELECTOR, "#translate-style option")],
                d.find_element(By.ID, "translate").is_enabled())

    with _page(_studio(tmp_path / "plain"), tmp_path) as driver:
        plain = wait(driver, lambda d: offered(d)[0] and offered(d), 30, "the styles")
    with _page(_studio(tmp_path / "styled", styles=["salsa"]), tmp_path) as driver:
        styled = wait(driver, lambda d: offered(d)[0] and offered(d), 30, "the styles")
    assert plain == (["no style: add a style adapter"], False)
    assert styled == (["salsa"], True)
