"""The studio in a real browser on the built-in model, on one CPU core: the screenshots of the steps
(docs/images/studio_*.png) and the two times a choreographer waits — from "Generate" to the first option on
screen, and from "Regenerate bars" to the new bars — as the page measures them (performance.now() from the click
to the dancer drawn).

    python bench/studio_screens.py [--model DIR] [--bars 8] [--count 4] [--out docs/images] [--repeat 2] [--marks]

Needs chromium, chromedriver and selenium (tests/test_studio_browser.py says how to install them). The browser is
started first and may use every core; the server (model, decoder, web) is then pinned to core 0 with one torch
thread. A second ask and regenerate (--repeat) show the warm times (the first ask also loads the text encoder).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="a model folder (default: the built-in model)")
    parser.add_argument("--bars", type=int, default=8)
    parser.add_argument("--count", type=int, default=4)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "images")
    parser.add_argument("--repeat", type=int, default=2, help="asks in a row (the first is cold)")
    parser.add_argument("--marks", action="store_true", help="where the server's time went, step by step")
    args = parser.parse_args()
    if args.bars < 3:  # the walk regenerates bars 2-3 and waits for them
        parser.error("--bars: at least 3 (the walk regenerates bars 2-3)")

    from motiongpt.studio import browser

    why = browser.missing()
    if why:
        sys.exit(f"studio_screens: {why}")
    work = Path(tempfile.mkdtemp(prefix="studio-screens-"))
    downloads = work / "downloads"
    downloads.mkdir()
    driver = browser.browser(downloads)  # before the pinning: the browser keeps its own cores
    os.environ["OMP_NUM_THREADS"] = "1"
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # this thread, and the threads it starts
    import torch

    torch.set_num_threads(1)
    from motiongpt.studio import create_app
    from motiongpt.studio.server import serve

    args.out.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; server on one core")
    try:
        app = create_app(work / "studio", args.model)
        jobs = app.state.studio.jobs
        with serve(app) as url:
            for attempt in range(args.repeat):
                for old in downloads.iterdir():
                    old.unlink()
                seen = browser.walk(driver, url, downloads, bars=args.bars, count=args.count,
                                    shots=args.out if attempt == args.repeat - 1 else None, timeout=600)
                state = "cold" if attempt == 0 else "warm"
                asks = app.state.studio.folder.read_state()["asks"]
                ask = [j for j in jobs.all() if j.kind == "ask"][-1]
                regenerate = [j for j in jobs.all() if j.kind == "regenerate"][-1]
                print(f"{state}: generate -> first of {args.count} options ({args.bars} bars) on screen "
                      f"{seen['first_option_s']:.2f} s wall (server CPU {asks[-1]['first_cpu_seconds']:.2f} s); "
                      f"regenerate bars 2-3 -> new bars on screen {seen['regenerate_s']:.2f} s wall (server CPU "
                      f"{regenerate.cpu:.2f} s); load average {os.getloadavg()[0]:.1f}")
                if args.marks:
                    for job in (ask, regenerate):
                        print(f"  {job.kind} (wall s, CPU s at each step): " +
                              "; ".join(f"{what} {wall:.2f} {cpu:.2f}" for what, wall, cpu in job.marks))
    finally:
        driver.quit()
    print(f"screenshots: {', '.join(sorted(p.name for p in args.out.glob('studio_*.png')))} in {args.out}")


if __name__ == "__main__":
    main()
