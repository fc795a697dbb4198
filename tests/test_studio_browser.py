"""The studio in a real browser: headless chromium loads the page, asks for a dance, sees the options appear,
opens one, regenerates two bars and downloads a BVH (motiongpt.studio.browser walks the steps)."""

from __future__ import annotations

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
    from motiongpt.studio.server import serve

    torch.set_num_threads(1)
    build(tiny_config(), seed=4).save_pretrained(tmp_path / "model")
    example = Path(__file__).resolve().parents[1] / "examples" / "first_phrase.laban"
    laban.write_bvh(laban.decode(laban.Score.load(example)), tmp_path / "named.bvh")
    items = anonymous_rig(tmp_path / "named.bvh", tmp_path / "rig.bvh")
    (tmp_path / "rig.map").write_text("# the rig's parts\n" + "\n".join(f"--map {i[len('--map='):]}" for i in items))
    mapping = dict(item[len("--map="):].split("=", 1) for item in items)
    app = create_app(tmp_path / "studio", tmp_path / "model")
    with serve(app) as url:
        driver = browser.browser(tmp_path)
        try:
            driver.get(url)
            wait(driver, lambda d: d.execute_script("return document.body.dataset.ready"), 120, "the page")
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
        finally:
            driver.quit()
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
