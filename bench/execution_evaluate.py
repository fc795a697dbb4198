"""``motiongpt evaluate``'s "decoded test scores" row for each execution of the decoder (issue 13).

    python bench/execution_evaluate.py                    # table 1 (all test trials), rules then learned
    python bench/execution_evaluate.py --subset dance     # table 2 (dance and salsa)
    python bench/execution_evaluate.py --held-out validation   # what to tune on (never the test split)

Runs the documented table command (``docs/evaluation.md``: ``--reference train --held-out test``, baselines
off) once per execution, with ``laban.decode`` set to that execution, and prints the ground truth's and the decoded
test scores' FID_k, FID_g, Div_k, Div_g, jitter, skating, penetration and the round trip of gestures and supports.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's packages, not installed ones

import laban  # noqa: E402
from laban.decoder import decode  # noqa: E402

FIGURES = ("fid_k", "fid_g", "div_k", "div_g")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subset", default="all", choices=("all", "dance"))
    parser.add_argument("--executions", nargs="*", default=["rules", "learned"])
    parser.add_argument("--held-out", default="test", help="the split whose scores are decoded (tune on validation)")
    args = parser.parse_args()
    from motiongpt.evaluate import main as evaluate

    rows = {}
    with tempfile.TemporaryDirectory() as folder:
        for execution in args.executions:
            laban.decode = functools.partial(decode, execution=execution)
            out = Path(folder) / f"{execution}.json"
            evaluate(["--reference", "train", "--held-out", args.held_out, "--subset", args.subset, "--no-baselines",
                      "-o", str(out)])
            report = json.loads(out.read_text())
            rows.setdefault("ground truth", report["rows"]["ground truth"])
            rows[f"decoded ({execution})"] = report["rows"]["decoded test scores"]
    print_rows(rows)


def print_rows(rows: dict) -> None:
    keys = ("FID_k", "FID_g", "Div_k", "Div_g", "jitter", "skating_contact", "penetration_mm")
    print(f"{'set':22} " + " ".join(f"{k:>15}" for k in keys))
    for name, row in rows.items():
        flat = {**row, **row.get("physical", {})}
        print(f"{name:22} " + " ".join(f"{flat.get(k, float('nan')):15.3f}" if isinstance(flat.get(k), (int, float))
                                      else f"{'-':>15}" for k in keys))
        agreement = row.get("notation", {})
        if agreement:
            print(f"{'':22} notation: " + ", ".join(f"{k} {v:.3f}" for k, v in agreement.items()
                                                    if isinstance(v, float)))


if __name__ == "__main__":
    main()
