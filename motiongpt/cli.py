"""The ``motiongpt`` command: one entry point, a subcommand per job."""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections import Counter
from pathlib import Path

from laban.errors import LabanError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="motiongpt", description="Make dances in Labanotation.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    tok = commands.add_parser("tokenize", help="write the Labanotation score of a motion capture",
                              description="Motion capture (BVH, Kinect v2 CSV, .npz joint positions) to a "
                                          "whole-body Labanotation score in beats and bars.")
    tok.add_argument("motion", type=Path, help="dance.bvh, capture.csv (Kinect v2) or joints.npz")
    tok.add_argument("-o", "--output", type=Path, required=True,
                     help="score file: .json, .laban/.txt (text form) or .labaneditor.json")
    time = tok.add_mutually_exclusive_group()
    time.add_argument("--bpm", type=float, help="a steady tempo in beats per minute")
    time.add_argument("--beats", type=Path, help="a file of beat times in seconds, one per line")
    time.add_argument("--music", type=Path, help="a MIDI or MusicXML file whose beats the dance follows")
    tok.add_argument("--meter", type=int, default=None, help="beats per bar (default 4, or the music's)")
    tok.add_argument("--subdivision", type=int, default=4, help="quantise to 1/N beat (default 4)")
    tok.add_argument("--scale", type=float, help="metres per file unit (default: detected from body height)")
    tok.add_argument("--fps", type=float, help="the capture's real frame rate, when its header is wrong")
    tok.add_argument("--map", action="append", default=[], metavar="PART=JOINT",
                     help="name a body part's joint when the skeleton is not recognised, e.g. hand-left=LWrist")
    tok.set_defaults(run=_tokenize)

    args = parser.parse_args(argv)
    warnings.formatwarning = lambda message, *_: f"motiongpt: warning: {message}\n"
    try:
        return args.run(args)
    except (LabanError, OSError) as error:
        print(f"motiongpt: error: {error}", file=sys.stderr)
        return 2


def _tokenize(args: argparse.Namespace) -> int:
    from laban import read_motion, recognised, tokenize
    from laban.timing import beats_from_music, read_beats

    motion = read_motion(args.motion, scale=args.scale)
    if args.fps:
        motion.fps = args.fps
    mapping = dict(_pair(item) for item in args.map)
    recognised(motion.skeleton, mapping or None)
    grid = None
    if args.beats:
        grid = read_beats(args.beats, beats_per_bar=args.meter or 4)
    elif args.music:
        grid = beats_from_music(args.music, beats_per_bar=args.meter)
    score = tokenize(motion, grid, bpm=args.bpm, beats_per_bar=args.meter or 4, subdivision=args.subdivision,
                     title=args.motion.stem)
    score.save(args.output)
    columns = Counter(s.column.value for s in score.symbols)
    bars = math.ceil(score.duration / score.beats_per_bar)
    print(f"{args.output}: {len(score.symbols)} symbols in {bars} bars of {score.beats_per_bar} beats at "
          f"{score.tempo:.1f} bpm ({', '.join(f'{c} {n}' for c, n in sorted(columns.items()))})")
    return 0


def _pair(item: str) -> tuple[str, str]:
    part, sep, joint = item.partition("=")
    if not sep or not part or not joint:
        raise LabanError(f"--map expects PART=JOINT, got '{item}'")
    return part.strip(), joint.strip()


if __name__ == "__main__":
    sys.exit(main())
