"""What every command shares: argument types that refuse bad values in one line, ``--map``, and the checks on
input and output paths made before any work starts (one wording: ``PATH: no such file`` / ``PATH: no such
folder``).

This module imports nothing heavy: the parser of every command is built from it at each start.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from laban.errors import LabanError
from laban.limits import FRAME_RATES, MAX_BEATS_PER_BAR, MAX_TEMPO, MIN_TEMPO
from motiongpt.errors import missing_folder


def number(kind: str, *, low: float = 0.0, high: float = math.inf, low_inclusive: bool = False,
           integer: bool = False):
    """An argparse ``type``: a finite number within (``low``, ``high``], or [``low``, ``high``] when
    ``low_inclusive``; the error names what the number is (``kind``)."""
    def parse(text: str):
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{kind} must be {'a whole number' if integer else 'a number'}, "
                                             f"not '{text}'") from None
        above = value >= low if low_inclusive else value > low
        if not (math.isfinite(value) and above and value <= high):
            bound = f"at least {low:g}" if low_inclusive else ("positive" if low == 0 else f"above {low:g}")
            limit = f" and at most {high:g}" if math.isfinite(high) else ""
            raise argparse.ArgumentTypeError(f"{kind} must be {bound}{limit}, not {text}")
        return value

    parse.__name__ = kind  # argparse names the type in its messages
    return parse


bpm = number("a tempo in beats per minute", low=MIN_TEMPO, high=MAX_TEMPO, low_inclusive=True)
fps = number("a frame rate in frames per second", low=FRAME_RATES[0], high=FRAME_RATES[1], low_inclusive=True)
scale = number("a scale in metres per file unit", high=100.0)  # a unit up to 100 m: beyond, a typo's overflow
seed = number("a seed", low=0, low_inclusive=True, integer=True)
_beats_per_bar = number("beats per bar", low=1, high=MAX_BEATS_PER_BAR, low_inclusive=True, integer=True)


def meter(text: str) -> int:
    """Beats per bar, as a number or as a time signature ("3/4", "6/8"): the upper number, as the score's text form
    reads its ``meter:`` line (a beat is what the grid says, so the lower number is checked, not kept)."""
    upper, slash, lower = text.partition("/")
    if slash and (not lower.strip().isdigit() or int(lower) < 1):
        raise argparse.ArgumentTypeError(f"a meter is beats per bar or a time signature such as 3/4, not '{text}'")
    return _beats_per_bar(upper.strip())


meter.__name__ = "beats per bar"
subdivision = number("a subdivision of the beat", low=1, high=64, low_inclusive=True, integer=True)
jobs = number("a number of worker processes", low=1, high=256, low_inclusive=True, integer=True)
MIN_SIDE, MAX_SIDE = 32, 8192


def counted(n: int, noun: str) -> str:
    """``n`` and the noun, plural unless ``n`` is one: "1 bar", "16 bars", "0 symbols"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def size(text: str) -> tuple[int, int]:
    """WIDTHxHEIGHT in pixels, each side from ``MIN_SIDE`` to ``MAX_SIDE``."""
    width, sep, height = text.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()):
        raise argparse.ArgumentTypeError(f"a size is WIDTHxHEIGHT in pixels, like 640x480, not '{text}'")
    w, h = int(width), int(height)
    if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
        raise argparse.ArgumentTypeError(f"each side of a size must be from {MIN_SIDE} to {MAX_SIDE} pixels, "
                                         f"not {text}")
    return w, h


def add_map(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--map", action="append", default=[], metavar="PART=JOINT",
                        help="name a body part's joint when the skeleton is not recognised, e.g. hand-left=LWrist "
                             "(repeat for more parts)")


def add_following(parser: argparse.ArgumentParser) -> None:
    """How closely the words and music are followed (``motiongpt.cocreate.generate.followed``): generate's options,
    and those of the edits that write bars to words."""
    parser.add_argument("--top-p", type=number("top-p", high=1.0),
                        help="sample from the likeliest tokens that make up this probability (default 0.9; 1: all)")
    parser.add_argument("--guidance", type=number("a guidance scale", low=0, low_inclusive=True),
                        help="how strongly the words are followed: 1 samples the model as it is, more follows them "
                             "more closely (classifier-free guidance; default 3)")
    parser.add_argument("--music-guidance", type=number("a guidance scale", low=0, low_inclusive=True),
                        help="how strongly the music's per-bar controls are followed, the same way (default 2)")
    parser.add_argument("--best-of", type=number("a number of samples", low=1, high=64, low_inclusive=True,
                                                  integer=True),
                        help="sample N times and keep the one that does most of what the words ask, then whose "
                             "motion follows the music's energy best (default 4 where up to 12 bars are written, "
                             "else 1: each sample is written whole)")


def following(args: argparse.Namespace) -> dict:
    """The ``add_following`` options given (the others take their defaults)."""
    return {k: v for k, v in (("top_p", args.top_p), ("guidance", args.guidance),
                              ("music_guidance", args.music_guidance), ("best_of", args.best_of)) if v is not None}


def note_unread(text: str | None, phrases=None) -> None:
    """One line on stderr naming the clauses of the words given (``text``, or ``phrases`` as ``((first, last),
    words)``) that no rule reads (``laban.description.text.unread``: "sway side to side"), and nothing where every
    clause is read: those words asked nothing of the dance, and a choreographer should not think they did. Said
    after the dance is written (``motiongpt describe --check`` names them too)."""
    from laban.description.text import unread

    asked = [(None, text)] if text else [(bars, words) for bars, words in phrases or ()]
    named = [f'"{clause}"' + (f" in bars {bars[0]}-{bars[1]}" if bars else "")
             for bars, words in asked for clause in unread(words)]
    if named:
        print(f"note: not read: {', '.join(named)} (no step, turn, jump, arm level or pace the notation's facts hold)",
              file=sys.stderr)


def note_turns(score, text: str | None, bars: tuple[int, int] | None = None, phrases=None) -> None:
    """One line on stderr for each phrase of the words given (``text`` over ``bars``, staff bars, None: the whole
    dance; or ``phrases``) that asks more turning than its bars hold at the fastest turn a dancer was captured
    making (``conditions.turns_held``, ``plausibility.FASTEST_TURN``): the turn budget asks the words' own amount
    up to that (``conditions.turn_bounds``: "two pirouettes" may be two), so only there is the dance written with
    fewer turns than said: "32 fouettés" in a 4-bar dance are said not to be danced, not written silently."""
    from laban.algebra import bar_count
    from motiongpt.model.conditions import turns_held, word_phrases
    from motiongpt.plausibility import FASTEST_TURN

    grid, first = score.grid, 0 if score.grid.downbeat else 1  # the staff number of the dance's first bar
    if text:
        phrases = [(bars or (first, bar_count(score)), text)]
    total = bar_count(score) + 1 - first  # the vocabulary's bars: an upbeat is one
    for span, words in phrases or ():
        _, read = word_phrases([(span, words)], grid, total)
        for (a, b), eighths, most in turns_held(read, grid):
            if abs(eighths) > most:
                turns = f"{abs(eighths) / 8:g} whole turn{'s' * (abs(eighths) != 8)}"
                length = f"{b - a + 1} bar{'s' * (b > a)} at {grid.tempo:.0f} bpm"
                print(f'note: "{words}" asks {turns} in bars {a}-{b}; {length} hold{"s" * (a == b)} at most '
                      f"{most / 8:g} at the fastest turn a dancer was captured making ({FASTEST_TURN:g} a second), "
                      "and the model is asked for no more", file=sys.stderr)


def rig_mapping(args: argparse.Namespace) -> dict[str, str] | None:
    """``--map`` of a command that performs on ``--skeleton``'s rig: it names that rig's joints, so not without it."""
    if args.map and args.skeleton is None:
        raise LabanError("--map names the joints of --skeleton's rig: give --skeleton too")
    return mapping(args.map)


def rig(path: Path, mapping: dict[str, str] | None):
    """``--skeleton``'s rig (a ``laban.Skeleton``) with its body parts recognised, checked before any work: one whose
    parts the package recognises, or ``mapping`` (--map) names, and that the decoder can move (``laban.figure.Rig``:
    a rig without position channels at or above its pelvis cannot travel). Its hierarchy alone is read
    (``laban.read_skeleton``): a rest pose exported with no frames is a rig too. Refused in one line naming the
    file, as decode and generate both say it."""
    from laban import read_skeleton, recognised
    from laban.errors import naming
    from laban.figure import Rig

    existing_file(path)
    skeleton = read_skeleton(path)
    try:
        return Rig.of(recognised(skeleton, mapping)).skeleton
    except LabanError as error:
        missing = getattr(error, "missing", None)  # parts not recognised (else another fault: said as it is)
        if not missing:
            raise naming(path, error) from None
        raise LabanError(f"{path}: cannot recognise {', '.join(missing)} among its joints "
                         f"({', '.join(skeleton.names)}): name them with --map PART=JOINT (one for each)") from None


def mapping(items: list[str]) -> dict[str, str] | None:
    """``--map`` items as {part: joint}, or None when there are none."""
    pairs = {}
    for item in items:
        part, sep, joint = item.partition("=")
        if not sep or not part.strip() or not joint.strip():
            raise LabanError(f"--map expects PART=JOINT, got '{item}'")
        pairs[part.strip()] = joint.strip()
    return pairs or None


def existing_file(path: Path) -> Path:
    """``path`` when it is a file; else the one wording of a missing input."""
    if not path.exists():
        raise LabanError(f"{path}: no such file")
    if path.is_dir():
        raise LabanError(f"{path}: a folder, not a file")
    if not path.is_file():  # a pipe waits for a writer forever, a device never ends
        raise LabanError(f"{path}: not a regular file (a pipe or a device)")
    return path


def writable(path: Path) -> Path:
    """``path`` when its folder exists (checked before the work, so that nothing is computed in vain)."""
    folder = path.parent
    if not folder.is_dir():
        raise LabanError(f"{folder}: no such folder")
    if path.is_dir():
        raise LabanError(f"{path}: a folder, not a file")
    return path


def output_folder(path: Path) -> Path:
    """``path`` when it can become the folder a command writes: a folder or nothing yet, inside one that exists."""
    if path.exists() and not path.is_dir():
        raise LabanError(f"{path}: a file, not a folder")
    if not path.parent.is_dir():
        raise LabanError(f"{path.parent}: no such folder")
    return path


def run_folder(path: Path) -> Path:
    """``path`` when it can become a training run's folder, made with its parents (``runs/NAME`` with no
    ``runs/`` yet): no file on its way."""
    for folder in (path, *path.parents):
        if folder.exists():
            if not folder.is_dir():
                raise LabanError(f"{folder}: a file, not a folder")
            break
    return path


def model_folder(path: Path | None) -> Path | None:
    """``path`` (a model folder, or None for the built-in model) when it is a folder."""
    if path is not None and not path.is_dir():
        raise LabanError(missing_folder(path))
    return path


def bar_range(text: str) -> tuple[int, int]:
    """``A-B`` (or ``A``) as the first and last bar, counted as on the staff (bar 0 is an upbeat)."""
    first, sep, last = text.partition("-")
    if not (first.strip().isdigit() and (not sep or last.strip().isdigit())):
        raise LabanError(f"bars are written A-B, like 5-8, not '{text}'")
    a, b = int(first), int(last) if sep else int(first)
    if b < a:
        raise LabanError(f"bars {text}: the last bar comes before the first")
    return a, b
