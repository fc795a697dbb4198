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
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        finally:
            driver.quit()
    assert not errors, errors  # no script error, no failed request
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
