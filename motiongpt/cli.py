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
    time.add_argument("--music", type=Path, help="a MIDI or MusicXML file whose beats the dance follows, or audio "
                                                 "(.wav/.flac/.ogg/.mp3; needs librosa: pip install '.[audio]')")
    tok.add_argument("--meter", type=int, default=None, help="beats per bar (default 4, or the music's)")
    tok.add_argument("--subdivision", type=int, default=4, help="quantise to 1/N beat (default 4)")
    tok.add_argument("--scale", type=float, help="metres per file unit (default: detected from body height)")
    tok.add_argument("--fps", type=float, help="the capture's real frame rate, when its header is wrong")
    _map_argument(tok)
    tok.set_defaults(run=_tokenize)

    dec = commands.add_parser("decode", help="perform a score: motion as BVH (or joint positions as .npz)",
                              description="A score performed by a dancer: feet planted, gravity in jumps, constant "
                                          "bone lengths; the seed varies what the notation leaves free.")
    dec.add_argument("score", type=Path, help="score file: .json, .laban/.txt or .labaneditor.json")
    dec.add_argument("-o", "--output", type=Path, required=True, help="dance.bvh or joints.npz")
    dec.add_argument("--seed", type=int, default=0, help="one of the many executions of the score (default 0)")
    dec.add_argument("--fps", type=float, default=30.0, help="frames per second (default 30)")
    dec.add_argument("--skeleton", type=Path, help="a BVH file whose skeleton performs (default: the built-in one)")
    _map_argument(dec)
    dec.set_defaults(run=_decode)

    stf = commands.add_parser("staff", help="draw a score as a Labanotation staff (SVG or PNG)",
                              description="A score drawn as the vertical Labanotation staff a notator reads: "
                                          "a page of staves side by side, or one tall staff.")
    stf.add_argument("score", type=Path, help="score file: .json, .laban/.txt or .labaneditor.json")
    stf.add_argument("-o", "--output", type=Path, required=True, help="score.svg or score.png")
    layout = stf.add_mutually_exclusive_group()
    layout.add_argument("--beats-per-staff", type=float, metavar="BEATS",
                        help="beats on each staff (default: a page of staves of whole bars)")
    layout.add_argument("--one-staff", action="store_true", help="the whole score on one tall staff")
    stf.add_argument("--title", help="the title at the top (default: the score's own)")
    stf.add_argument("--scale", type=float, help="PNG pixels per SVG unit (default 2: legible when printed)")
    stf.set_defaults(run=_staff)

    ren = commands.add_parser("render", help="draw the dancer: MP4, GIF or a contact sheet PNG",
                              description="Motion capture (or a score, decoded) to a video of the dancer - two "
                                          "motions for a duet - with the score's staff beside it and a play-head in "
                                          "time; a .png output is a contact sheet with a pose every beat.")
    ren.add_argument("inputs", type=Path, nargs="+", metavar="INPUT",
                     help="dance.bvh, capture.csv, joints.npz or a score (.json/.laban); two motions for a duet")
    ren.add_argument("-o", "--output", type=Path, required=True, help="dance.mp4, dance.gif or sheet.png")
    ren.add_argument("--staff", action="store_true",
                     help="the staff beside the dancer (the first motion tokenized; always there for a score)")
    ren.add_argument("--bpm", type=float, help="tempo of the staff and contact-sheet beats (default: the motion's pulse)")
    ren.add_argument("--fps", type=float, help="the capture's real frame rate, when its header is wrong (salsa: 60)")
    ren.add_argument("--scale", type=float, help="metres per file unit (default: detected from body height)")
    ren.add_argument("--seed", type=int, default=0, help="the decoder's seed, for a score (default 0)")
    ren.add_argument("--rate", type=float, default=30.0, help="video frames per second (default 30)")
    ren.add_argument("--size", default="640x480", help="WIDTHxHEIGHT of the dancer's view (default 640x480)")
    ren.add_argument("--quiet", action="store_true", help="no progress bar")
    ren.set_defaults(run=_render)

    from motiongpt import evaluate as evaluation

    ev = commands.add_parser("evaluate", help="measure dances against real ones: FID, diversity, beats, physics, notation",
                             description="Clips measured with the field's metrics against a reference set of real "
                                         "clips: a JSON report and Markdown tables (see docs/evaluation.md).")
    evaluation.add_arguments(ev)
    ev.set_defaults(run=evaluation.command)

    args = parser.parse_args(argv)
    warnings.formatwarning = lambda message, *_: f"motiongpt: warning: {message}\n"
    try:
        return args.run(args)
    except (LabanError, OSError) as error:
        print(f"motiongpt: error: {error}", file=sys.stderr)
        return 2


def _tokenize(args: argparse.Namespace) -> int:
    from laban import analyse, beat_grid, read_motion, recognised, tokenize
    from laban.analysis import WORKING_FPS

    motion = read_motion(args.motion, scale=args.scale, frame_rate=args.fps, max_fps=WORKING_FPS)
    mapping = dict(_pair(item) for item in args.map)
    recognised(motion.skeleton, mapping or None)
    analysis = analyse(motion)
    grid = beat_grid(music=args.music, beats=args.beats, bpm=args.bpm, motion=analysis, meter=args.meter)
    score = tokenize(analysis, grid, subdivision=args.subdivision, title=args.motion.stem)
    score.save(args.output)
    columns = Counter(s.column.value for s in score.symbols)
    bars = math.ceil(score.duration / score.beats_per_bar)
    print(f"{args.output}: {len(score.symbols)} symbols in {bars} bars of {score.beats_per_bar} beats at "
          f"{score.tempo:.1f} bpm ({', '.join(f'{c} {n}' for c, n in sorted(columns.items()))})")
    return 0


def _decode(args: argparse.Namespace) -> int:
    from laban import Score, decode, read_bvh, recognised, write_bvh, write_joint_arrays

    suffix = args.output.suffix.lower()
    if suffix not in (".bvh", ".npz"):
        raise LabanError(f"{args.output}: use .bvh (rotations) or .npz (joint positions)")
    score = Score.load(args.score)
    skeleton = read_bvh(args.skeleton).skeleton if args.skeleton else None
    if skeleton is not None:
        recognised(skeleton, dict(_pair(item) for item in args.map) or None)
    motion = decode(score, skeleton, fps=args.fps, seed=args.seed)
    if suffix == ".bvh":
        write_bvh(motion, args.output)
    else:
        write_joint_arrays(motion.trajectories(), args.output)
    print(f"{args.output}: {motion.frame_count} frames at {motion.fps:g} fps ({motion.duration:.1f} s), "
          f"{motion.skeleton.joint_count} joints, seed {args.seed}")
    return 0


def _staff(args: argparse.Namespace) -> int:
    from laban import Score
    from viz.staff import save_staff

    score = Score.load(args.score)
    options = {"title": args.title}
    if args.one_staff:
        options["beats_per_staff"] = score.duration
    elif args.beats_per_staff is not None:
        options["beats_per_staff"] = args.beats_per_staff
    if args.scale is not None:
        options["scale"] = args.scale
    save_staff(score, args.output, **options)
    bars = math.ceil(score.duration / score.beats_per_bar)
    print(f"{args.output}: {len(score.symbols)} symbols in {bars} bars")
    return 0


def _render(args: argparse.Namespace) -> int:
    from laban import Score, beat_grid, read_motion, tokenize
    from viz.render import render

    width, sep, height = args.size.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()):
        raise LabanError(f"--size expects WIDTHxHEIGHT, got '{args.size}'")
    dancers, score = [], None
    for path in args.inputs:
        if path.suffix.lower() in (".bvh", ".csv", ".npz"):
            dancers.append(read_motion(path, scale=args.scale, frame_rate=args.fps))
        else:
            from laban import decode

            score = Score.load(path)
            dancers.append(decode(score, fps=args.rate, seed=args.seed))
    if score is None and (args.staff or args.output.suffix.lower() == ".png"):
        grid = beat_grid(bpm=args.bpm, motion=dancers[0])
        score = tokenize(dancers[0], grid, title=args.inputs[0].stem)
    render(args.output, dancers, score=score, fps=args.rate, size=(int(width), int(height)),
           progress=not args.quiet)
    seconds = max(d.duration for d in dancers)
    print(f"{args.output}: {len(dancers)} dancer{'s' * (len(dancers) > 1)}, {seconds:.1f} s"
          + (" beside the staff" if score is not None and args.output.suffix.lower() != ".png" else ""))
    return 0


def _map_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--map", action="append", default=[], metavar="PART=JOINT",
                        help="name a body part's joint when the skeleton is not recognised, e.g. hand-left=LWrist")


def _pair(item: str) -> tuple[str, str]:
    part, sep, joint = item.partition("=")
    if not sep or not part or not joint:
        raise LabanError(f"--map expects PART=JOINT, got '{item}'")
    return part.strip(), joint.strip()


if __name__ == "__main__":
    sys.exit(main())
