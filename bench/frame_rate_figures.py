"""Calibration of the frame-rate check (``laban.beats.rate_implausible``) on the shared CMU trials (run by hand).

Every trial is read at its true rate (CMU's listing: 60 fps for the salsa, 120 for the rest) and must not warn;
the salsa takes are read once more at their headers' 120 fps, which must warn. The thresholds are justified by the
training split (the margins printed for it); the validation and test trials are a held-out check, printed apart.

    python bench/frame_rate_figures.py
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import warnings

import numpy as np

import laban
from laban.analysis import analyse
from laban.beats import FAST_STRIDE, RUNNING_FEET, STEADY_STEPPING, rate_implausible, stepping
from motiongpt.data import cmu_trials, read_cmu_split


def main() -> None:
    checkout.usage(__doc__)
    split = {name: row["split"] for name, row in read_cmu_split().items()}
    rows = []
    for trial in cmu_trials():
        rates = [(trial.fps, "true rate")] + ([(120.0, "header 120")] if trial.fps != 120.0 else [])
        for fps, how in rates:
            analysis = analyse(laban.read_bvh(trial.path, frame_rate=fps, max_fps=30))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                grid = laban.beat_grid(motion=analysis)
            no_pulse = any("no steady pulse" in str(w.message) for w in caught)
            rows.append((trial, how, *stepping(analysis), rate_implausible(analysis) is not None, grid.tempo, no_pulse))
    print(f"thresholds: at least {STEADY_STEPPING} strides, median stride under {FAST_STRIDE} s, feet (95th "
          f"percentile) over {RUNNING_FEET} m/s")
    groups = [(how, part) for how in ("true rate", "header 120") for part in ("train", "held out")]
    for how, part in groups:
        group = [r for r in rows if r[1] == how and (split[r[0].name] == "train") == (part == "train")]
        warned = [r for r in group if r[5]]
        print(f"{how}, {part}: {len(warned)} of {len(group)} warn")
        for trial, _, strides, stride, feet, flagged, tempo, no_pulse in group:
            near = strides >= STEADY_STEPPING / 2 and stride < FAST_STRIDE * 1.25
            if flagged != (how == "header 120") or near or how == "header 120":
                print(f"  {trial.name:7s} {trial.description[:34]:34s} strides {strides:3d} median {stride:5.2f} s "
                      f"feet {feet:4.1f} m/s  pulse {tempo:5.1f} bpm  {'WARNS' if flagged else 'quiet'}")
    print(f"no steady pulse (warned, {laban.timing.DEFAULT_PULSE_BPM:g} bpm used): "
          f"{', '.join(r[0].name + ' at ' + r[1] for r in rows if r[7]) or 'none'}")
    for how in ("true rate", "header 120"):
        strides = np.array([r[3] for r in rows if r[1] == how and r[2] >= STEADY_STEPPING
                            and split[r[0].name] == "train"])
        print(f"{how}, training trials with {STEADY_STEPPING}+ strides: median stride {np.nanmin(strides):.2f}-"
              f"{np.nanmax(strides):.2f} s")


if __name__ == "__main__":
    main()
