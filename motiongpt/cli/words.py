"""``motiongpt describe``: what each phrase of a score does, in plain words (``laban.describe``).

The same words the model is trained on and prompted with, so a choreographer can read what a generated dance does
and check it against what was asked.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from laban.errors import LabanError

from . import common


def add_parser(commands) -> None:
    des = commands.add_parser("describe", help="say in plain words what each phrase of a score does",
                              description="Each phrase of a score (1-4 bars) described as a choreographer would: "
                                          "steps and their direction, turns, jumps, where the arms go. The seed "
                                          "picks one of several phrasings; what is said is the same for every seed.")
    des.add_argument("score", type=Path, help="score file: .json, .laban/.txt or .labaneditor.json")
    des.add_argument("--seed", type=common.seed, default=0, help="one of the phrasings (default 0)")
    des.add_argument("--phrasing", default="2", metavar="BARS|auto",
                     help="bars in a phrase, 1 to 4, or 'auto' to cut at the quietest bar lines (default 2)")
    des.add_argument("--bars", metavar="A-B", help="describe only bars A to B (as counted on the staff)")
    des.add_argument("--json", action="store_true", help="one JSON list of {bars, text, facts} instead of lines")
    des.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    common.existing_file(args.score)
    import laban

    phrasing = args.phrasing if args.phrasing == "auto" else _whole(args.phrasing, "--phrasing")
    bars = common.bar_range(args.bars) if args.bars else None
    phrases = laban.describe(laban.Score.load(args.score), bars=bars, seed=args.seed, phrasing=phrasing)
    if args.json:
        json.dump([p.as_dict() for p in phrases], sys.stdout, indent=1, ensure_ascii=False)
        print()
    else:
        for phrase in phrases:
            print(f"{phrase.label}: {phrase.text}")
    return 0


def _whole(text: str, option: str) -> int:
    if not text.isdigit():
        raise LabanError(f"{option} expects a number of bars or 'auto', not '{text}'")
    return int(text)
