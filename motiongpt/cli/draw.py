"""``motiongpt staff`` (a score as the Labanotation staff) and ``motiongpt render`` (the dancer as a video or a
contact sheet)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from . import common

# A PNG's pixels per SVG unit: below MIN_PNG_SCALE a beat is under 4 pixels and a symbol under 2 wide, nothing a
# reader could make out (--scale 1e-9 wrote a 1 x 1 image); above MAX_PNG_SCALE a page is beyond what cairo draws.
MIN_PNG_SCALE, MAX_PNG_SCALE = 0.1, 50.0


def add_staff_parser(commands) -> None:
    stf = commands.add_parser("staff", help="draw a score as a Labanotation staff (SVG, PNG or PDF)",
                              description="A score drawn as the vertical Labanotation staff a notator reads: "
                                          "a page of staves side by side, or one tall staff; as a PDF, printed "
                                          "pages with the title and tempo on the first and page numbers. A PNG "
                                          "of a score longer than a page is written as one image per page "
                                          "(score-1.png, score-2.png, ...).")
    stf.add_argument("score", type=Path, help="score file: .json, .laban/.txt or .labaneditor.json")
    stf.add_argument("-o", "--output", type=Path, required=True, help="score.svg, score.png or score.pdf")
    layout = stf.add_mutually_exclusive_group()
    layout.add_argument("--beats-per-staff", type=common.number("beats per staff", low=1, low_inclusive=True),
                        metavar="BEATS",  # the most: viz.staff.check_beats_per_staff's (this imports no numpy)
                        help="beats on each staff (default: a page of staves of whole bars)")
    layout.add_argument("--one-staff", action="store_true", help="the whole score on one tall staff")
    stf.add_argument("--title", help="the title at the top (default: the score's own)")
    stf.add_argument("--paper", choices=("a4", "letter"), default="a4", help="page size of a PDF or paged PNG "
                                                                          "(default a4)")
    stf.add_argument("--staves-per-page", type=common.number("staves per page", low=1, low_inclusive=True,
                                                             high=20, integer=True),
                     metavar="N", help="staves on each printed page (default 2)")
    stf.add_argument("--scale", type=common.number("a PNG scale", low=MIN_PNG_SCALE, high=MAX_PNG_SCALE,
                                                   low_inclusive=True),
                     help="PNG pixels per SVG unit (default 2: legible when printed)")
    stf.set_defaults(run=staff)


def staff(args: argparse.Namespace) -> int:
    common.existing_file(args.score)
    common.writable(args.output)
    from laban import Score
    from viz.pages import save_staff

    score = Score.load(args.score)
    options = {"title": args.title}
    if args.output.suffix.lower() in (".pdf", ".png") and not (args.one_staff or args.beats_per_staff):
        options["paper"] = args.paper
        if args.staves_per_page is not None:
            options["staves_per_page"] = args.staves_per_page
    if args.one_staff:
        options["beats_per_staff"] = score.duration
    elif args.beats_per_staff is not None:
        options["beats_per_staff"] = args.beats_per_staff
    if args.scale is not None:
        options["scale"] = args.scale
    written = save_staff(score, args.output, **options)
    bars = math.ceil(score.duration / score.beats_per_bar)
    pages = f" on {len(written)} pages ({written[0].name} ... {written[-1].name})" if len(written) > 1 else ""
    symbols = common.counted(len(score.symbols), "symbol")
    print(f"{args.output}: {symbols} in {common.counted(bars, 'bar')}{pages}")
    return 0


def add_render_parser(commands) -> None:
    ren = commands.add_parser("render", help="draw the dancer: MP4, GIF or a contact sheet PNG",
                              description="Motion capture (or a score, decoded) to a video of the dancer - two "
                                          "motions for a duet - with the score's staff beside it and a play-head in "
                                          "time; a .png output is a contact sheet with a pose every beat. The beats "
                                          "are --bpm's, --beats', those written beside the first motion by decode "
                                          "(dance.bvh -> dance.beats), or the motion's own pulse.")
    ren.add_argument("inputs", type=Path, nargs="+", metavar="INPUT",
                     help="dance.bvh, capture.csv, joints.npz or a score (.json/.laban); two motions for a duet")
    ren.add_argument("-o", "--output", type=Path, required=True, help="dance.mp4, dance.gif or sheet.png")
    ren.add_argument("--staff", action="store_true",
                     help="the staff beside the dancer (the first motion tokenized; always there for a score)")
    time = ren.add_mutually_exclusive_group()
    time.add_argument("--bpm", type=common.bpm,
                      help="tempo of the staff and contact-sheet beats of a first input that is a motion (a score "
                           "has its own; default: the beats file beside the motion, else the motion's pulse)")
    time.add_argument("--beats", type=Path, help="a beats file for the first motion (default: dance.beats beside it)")
    ren.add_argument("--fps", type=common.fps,
                     help="the capture's real frame rate, when its header is wrong (salsa: 60)")
    ren.add_argument("--scale", type=common.scale,
                     help="metres per unit of a BVH file (default: detected from body height)")
    ren.add_argument("--seed", type=common.seed, default=0, help="the decoder's seed, for a score (default 0)")
    ren.add_argument("--rate", type=common.fps, default=30.0, help="video frames per second (default 30)")
    ren.add_argument("--size", type=common.size, default=(640, 480),
                     help="WIDTHxHEIGHT of the dancer's view (default 640x480)")
    ren.add_argument("--quiet", action="store_true", help="no progress bar")
    common.add_map(ren)
    ren.set_defaults(run=render)


def render(args: argparse.Namespace) -> int:
    from laban.errors import LabanError

    for path in args.inputs:
        common.existing_file(path)
    if args.beats is not None:
        common.existing_file(args.beats)
    suffix = args.output.suffix.lower()
    if suffix not in (".mp4", ".gif", ".png"):
        raise LabanError(f"{args.output}: unknown output format '{suffix}' (expected .mp4, .gif or .png)")
    common.writable(args.output)
    mapping = common.mapping(args.map)
    from laban import Score, beat_grid, read_motion, recognised, tokenize
    from laban.io import is_motion_file

    timed = "--bpm" if args.bpm is not None else "--beats" if args.beats is not None else None
    if timed and not is_motion_file(args.inputs[0], named=True):  # (was passed over in silence: the score's own
        # beats were drawn, not the ones asked for)
        raise LabanError(f"{timed} gives the first motion its beats; {args.inputs[0]} is a score, which has its own "
                         "(its tempo and meter)")
    from laban.timing import beats_path, read_beats
    from viz.render import render as draw

    # A beats file given is read whatever is drawn: only a staff or a contact sheet counts its beats, but a bad one
    # must not pass unseen where neither is drawn (a video alone) when the same file fails the command with --staff.
    given = read_beats(args.beats) if args.beats is not None else None

    # The staff and the beats are the first dancer's, as --staff's help and the beats' say: a score given after a
    # motion, or second of two, put its own staff beside the first dancer and cut a contact sheet short at its
    # beats (until 2026-12-07). A later score is danced, and still brings a staff: the first dancer's.
    dancers, score, scored = [], None, False
    for path in args.inputs:
        if is_motion_file(path, named=True):
            motion = read_motion(path, scale=args.scale, frame_rate=args.fps)
            if mapping:
                recognised(motion.skeleton, mapping)
            dancers.append(motion)
        else:
            from laban import decode
            from laban.decoder import DecodeError
            from laban.errors import naming

            given_score = Score.load(path)
            try:
                dancers.append(decode(given_score, fps=args.rate, seed=args.seed))
            except DecodeError as error:  # the score that cannot be performed named, as decode names it
                raise naming(path, error) from None
            score = given_score if len(dancers) == 1 else score
            scored = True
    if score is None and (args.staff or scored or suffix == ".png"):
        first = args.inputs[0]
        if given is None and args.bpm is None and beats_path(first).is_file():
            given = read_beats(beats_path(first))  # the meter it counts
        written = first.with_name("score.laban")  # a dance folder from before its beats were written beside
        if given is not None:  # a song's beats, longer than the take: its staff ends with the bar the take ends in,
            grid = given.through(float(dancers[0].duration))  # as tokenize's does, not with the song's empty bars
        elif args.bpm is None and first.name == "dance.bvh" and written.is_file():
            grid = Score.load(written).grid
        else:
            grid = beat_grid(bpm=args.bpm, motion=dancers[0])
        score = tokenize(dancers[0], grid, title=first.stem)
    draw(args.output, dancers, score=score, fps=args.rate, size=args.size, progress=not args.quiet)
    seconds = max(d.duration for d in dancers)
    print(f"{args.output}: {len(dancers)} dancer{'s' * (len(dancers) > 1)}, {seconds:.1f} s"
          + (" beside the staff" if score is not None and suffix != ".png" else ""))
    return 0
