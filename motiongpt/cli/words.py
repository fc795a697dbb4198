"""``motiongpt describe``: what each phrase of a score does, in plain words (``laban.describe``).

The same words the model is trained on and prompted with, so a choreographer can read what a generated dance does
and check it against what was asked: ``--check`` reads the words a dance folder was made from (its prompt.json: the
whole dance's words, or its phrases bar by bar) or words given, and says phrase by phrase what was asked and what
the score does (``laban.words_followed``: step count within one, step direction, turn within an eighth, jump or not
and a count of two or more within one, arm level), and which of the words it could not read, so checked none ("sway
side to side").

    motiongpt describe my_dance --check                     # against the words it was made from
    motiongpt describe score.laban --check "four steps forward, a jump" --bars 1-2
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
    des.add_argument("score", type=Path, help="score file: .json, .laban/.txt or .labaneditor.json, or a dance "
                                               "folder (its score.laban)")
    des.add_argument("--seed", type=common.seed, default=0, help="one of the phrasings (default 0)")
    des.add_argument("--phrasing", default="2", metavar="BARS|auto",
                     help="bars in a phrase, 1 to 4, or 'auto' to cut at the quietest bar lines (default 2)")
    des.add_argument("--bars", metavar="A-B", help="describe only bars A to B (as counted on the staff)")
    des.add_argument("--json", action="store_true", help="one JSON list of {bars, text, facts} instead of lines")
    des.add_argument("--check", nargs="?", const="", metavar="WORDS",
                     help="say what the words asked and what the score does, phrase by phrase: WORDS for the score "
                          "(or --bars), or without WORDS the words a dance folder was made from (its prompt.json)")
    des.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import laban

    folder = args.score if args.score.is_dir() else None
    score_path = common.existing_file(folder / "score.laban" if folder else args.score)
    bars = common.bar_range(args.bars) if args.bars else None
    if args.check is not None:
        return _check(laban.Score.load(score_path), _asked(args.check, folder, bars), args.json)
    phrasing = args.phrasing if args.phrasing == "auto" else _whole(args.phrasing, "--phrasing")
    phrases = laban.describe(laban.Score.load(score_path), bars=bars, seed=args.seed, phrasing=phrasing)
    if args.json:
        json.dump([p.as_dict() for p in phrases], sys.stdout, indent=1, ensure_ascii=False)
        print()
    else:
        for phrase in phrases:
            print(f"{phrase.label}: {phrase.text}")
    return 0


def _asked(words: str, folder: Path | None, bars: tuple[int, int] | None) -> list:
    """(bars or None for the whole score, words) pairs to check: the words given (over ``bars``), else the dance
    folder's prompt: its phrases, or its text over the whole dance."""
    if words:
        return [(bars, words)]
    if folder is None:
        raise LabanError("--check without words reads a dance folder's prompt.json: give the folder, or the words")
    try:
        prompt = json.loads((folder / "prompt.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabanError(f"{folder}: no prompt.json to check against: give the words (--check WORDS)") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise LabanError(f"{folder / 'prompt.json'}: unreadable ({' '.join(str(error).split())})") from None
    if not isinstance(prompt, dict):
        raise LabanError(f"{folder / 'prompt.json'}: not a JSON object of named fields")
    if prompt.get("phrases"):  # (read here, not by motiongpt.cocreate.Dance: describe needs no torch)
        try:
            phrases = [((int(a), int(b)), str(w)) for a, b, w in prompt["phrases"]]
        except (TypeError, ValueError):
            raise LabanError(f"{folder / 'prompt.json'}: its phrases are not [first, last, words] lists") from None
        return [(span, w) for span, w in phrases if bars is None or (bars[0] <= span[0] and span[1] <= bars[1])]
    if not prompt.get("text") or not isinstance(prompt["text"], str):
        raise LabanError(f"{folder}: made from no words, nothing to check")
    return [(bars, prompt["text"])]


def _check(score, asked: list, as_json: bool) -> int:
    """Phrase by phrase, what was asked and what the score does (``laban.description.check``); the share done last."""
    from laban.description import check

    rows = check(score, asked)
    total, kept = sum(r.asked for r in rows), sum(r.followed for r in rows)
    if as_json:
        json.dump({"phrases": [r.as_dict() for r in rows], "asked": total, "followed": kept}, sys.stdout, indent=1,
                  ensure_ascii=False)
        print()
        return 0
    for row in rows:
        label = f"bars {row.bars[0]}-{row.bars[1]}" if row.bars else "the whole score"
        checks = " · ".join(f"{name} {e.asked} → {e.done} {'yes' if e.followed else 'no'}"
                            for name, e in row.elements.items()) or "nothing the score can be checked for"
        unread = " · not read: " + ", ".join(f'"{c}"' for c in row.unread) if row.unread else ""  # nor checked
        print(f'{label} "{row.words}": {checks}{unread}')
    print(f"followed: {kept} of {total} asked" + (f" ({kept / total:.2f})" if total else ""))
    return 0


def _whole(text: str, option: str) -> int:
    if not text.isdigit():
        raise LabanError(f"{option} expects a number of bars or 'auto', not '{text}'")
    return int(text)
