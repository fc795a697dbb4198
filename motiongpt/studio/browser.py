"""The studio driven by a real browser (Debian's chromium, headless, through chromedriver and selenium): the
steps a choreographer takes — ask for a dance, see the options appear, open one, regenerate two bars, download a
BVH — each timed from the click to what it shows, with a screenshot after each when asked. The browser test
(tests/test_studio_browser.py) and the screenshot script (bench/studio_screens.py) both walk these steps.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
DRIVER = "chromedriver"


def missing() -> str | None:
    """Why a browser cannot be driven here (None when it can)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    if not any(shutil.which(name) for name in CHROMIUM):
        return "no chromium here (apt-get install chromium chromium-driver)"
    if shutil.which(DRIVER) is None:
        return "no chromedriver here (apt-get install chromium-driver)"
    return None


def browser(downloads: Path, size: tuple[int, int] = (1600, 1000)):
    """A headless chromium that saves downloads into ``downloads``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = next(shutil.which(n) for n in CHROMIUM if shutil.which(n))
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 f"--window-size={size[0]},{size[1]}", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(shutil.which(DRIVER)))
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return driver


def wait(driver, condition, timeout: float = 60.0, what: str = "the page"):
    """``condition(driver)``'s first true value, polled; a timeout names ``what`` was awaited and the page's
    notice line."""
    end = time.time() + timeout
    while time.time() < end:
        value = condition(driver)
        if value:
            return value
        time.sleep(0.05)
    notice = driver.find_element("id", "notice").text
    raise TimeoutError(f"waited {timeout:g} s for {what}; the page says: {notice!r}")


def walk(driver, url: str, downloads: Path, *, text: str = "a slow turn, then quick steps", bars: int = 4,
         count: int = 3, shots: Path | None = None, timeout: float = 120.0) -> dict:
    """The steps, in the browser; returns what was seen and the times (seconds, as the page measured them)."""
    from selenium.webdriver.common.by import By

    def shot(name):
        if shots is not None:
            driver.save_screenshot(str(shots / f"studio_{name}.png"))

    def data(key):
        return driver.execute_script(f"return document.body.dataset.{key} || null")

    driver.get(url)
    wait(driver, lambda d: data("ready"), timeout, "the page to load the model")
    for field, value in (("ask-text", text), ("ask-bars", bars), ("ask-count", count), ("ask-seed", 3)):
        element = driver.find_element(By.ID, field)
        element.clear()
        element.send_keys(str(value))
    shot("1_ask")
    driver.find_element(By.ID, "generate").click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".card.ready"), timeout, "the first option")
    first = float(wait(driver, lambda d: data("firstVariationSeconds"), timeout, "the first option's time"))
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".card.ready")) == count
         and d.find_element(By.ID, "job").get_attribute("hidden") is not None, timeout, f"all {count} options")
    ranks = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".card .rank")]
    time.sleep(0.3)
    shot("2_options")
    driver.find_element(By.CSS_SELECTOR, ".card .open").click()
    opened = wait(driver, lambda d: data("openDance"), timeout, "the dance to open")
    driver.find_element(By.ID, "play").click()
    time.sleep(0.8)
    shot("3_dance")
    for field, value in (("bars-first", 2), ("bars-last", 3)):
        element = driver.find_element(By.ID, field)
        element.clear()
        element.send_keys(str(value))
    driver.find_element(By.ID, "regenerate").click()
    child = wait(driver, lambda d: data("openDance") != opened and data("openDance"), timeout, "the new bars")
    regenerate = float(wait(driver, lambda d: data("lastOperationSeconds"), timeout, "the regenerate time"))
    time.sleep(0.3)
    shot("4_regenerated")
    driver.find_element(By.ID, "dl-bvh").click()
    bvh = wait(driver, lambda d: [p for p in downloads.glob("*.bvh") if p.stat().st_size > 0], timeout,
               "the BVH download")[0]
    history = driver.find_element(By.ID, "history").text
    return {"first_option_s": first, "regenerate_s": regenerate, "ranks": ranks, "opened": opened,
            "child": child, "bvh": bvh, "history": history}
