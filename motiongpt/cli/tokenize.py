"""``motiongpt tokenize``: motion capture to a Labanotation score, one file or a whole corpus.

One file: ``motiongpt tokenize dance.bvh -o dance.laban``. A batch: several files or folders in and a folder out
(``-o scores/``), the folders' structure kept, files already done skipped, N worker processes (``motiongpt.data.batch``).
Both go through ``tokenize_file``, so a batch writes exactly the score one file would.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections import Counter
from pathlib import Path

from laban.errors import LabanError

from . import common

FORMATS = {"laban": ".laban", "json": ".json", "labaneditor": ".labaneditor.json"}


def add_parser(commands) -> None:
    tok = commands.add_parser(
        "tokenize", help="write the Labanotation score of a motion capture (or of every file in folders)",
        description="Motion capture (BVH, skeleton CSV, .npz joint positions, Azure Kinect body tracking JSON) to "
                    "a whole-body Labanotation score in beats and bars. Several files or folders in and a folder "
                    "out make a batch: the folders' structure is kept, files already done (same input, options and "
                    "version) are skipped, failures are listed at the end (exit status 2) without stopping the "
                    "others.",
        epilog="examples: motiongpt tokenize dance.bvh -o dance.laban;  "
               "motiongpt tokenize captures/ -o scores/ --jobs 4 --manifest captures/rates.csv")
    tok.add_argument("inputs", type=Path, nargs="+", metavar="MOTION",
                     help="dance.bvh, capture.csv (Kinect, Azure Kinect, MediaPipe), joints.npz or "
                          "body_tracking.json (Azure Kinect); or folders of them (a batch)")
    tok.add_argument("-o", "--output", required=True,  # a string: Path() drops the '/' that says "a folder"
                     help="score file: .json, .laban/.txt (text form) or .labaneditor.json; for a batch a folder "
                          "(written 'scores/', or one that exists)")
    time = tok.add_mutually_exclusive_group()
    time.add_argument("--bpm", type=common.bpm, help="a steady tempo in beats per minute")
    time.add_argument("--beats", type=Path, help="a file of beat times in seconds, one per line")
    time.add_argument("--music", type=Path, help="a MIDI or MusicXML file whose beats the dance follows, or audio "
                                                 "(.wav/.flac/.ogg/.mp3; needs librosa: pip install '.[audio]')")
    tok.add_argument("--meter", type=common.meter, default=None,
                     help="beats per bar, or a time signature such as 3/4 (default 4, or the music's)")
    tok.add_argument("--subdivision", type=common.subdivision, default=4, help="quantise to 1/N beat (default 4)")
    tok.add_argument("--scale", type=common.scale,
                     help="metres per unit of a BVH file (default: detected from body height)")
    tok.add_argument("--fps", type=common.fps, help="the capture's real frame rate, when its header is wrong")
    tok.add_argument("--manifest", type=Path, metavar="CSV",
                     help="per-file frame rates: a CSV with a 'file' (path from the CSV's folder) or 'trial' (file "
                          "name without suffix) column and an 'fps' (or 'cmu_listed_fps') column; listed files "
                          "take its rate, others --fps or their header (the shared CMU manifest.csv works as is)")
    common.add_map(tok)
    batch = tok.add_argument_group("batch")
    batch.add_argument("-j", "--jobs", type=common.jobs, default=1, help="worker processes (default 1)")
    batch.add_argument("--format", choices=tuple(FORMATS), default="laban",
                       help="score format written into the output folder (default laban: the text form)")
    batch.add_argument("--glob", default=None, metavar="PATTERN",
                       help="which files of a folder to take, searched in its subfolders too (default: every motion "
                            "file the package reads: .bvh, skeleton .csv, .npz, Azure Kinect body tracking .json; "
                            "the others are listed as skipped; files named on the command line are always taken)")
    batch.add_argument("--force", action="store_true", help="redo files already done")
    batch.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    tok.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from motiongpt.data.batch import frame_rates, rate_of, tokenize_batch, tokenize_file

    for path in (args.beats, args.music, args.manifest):
        if path is not None:
            common.existing_file(path)
    options = {"scale": args.scale, "bpm": args.bpm, "beats": _str(args.beats), "music": _str(args.music),
               "meter": args.meter, "subdivision": args.subdivision, "map": common.mapping(args.map)}
    rates = frame_rates(args.manifest) if args.manifest else None
    if _is_batch(args.inputs, args.output):
        return tokenize_batch(args.inputs, Path(args.output), options, fps=args.fps, rates=rates, jobs=args.jobs,
                              suffix=FORMATS[args.format], pattern=args.glob, force=args.force, quiet=args.quiet,
                              manifest=args.manifest)
    source = common.existing_file(args.inputs[0])
    output = common.writable(Path(args.output))
    from laban.timing import beats_path

    if args.bpm is None and args.beats is None and args.music is None and beats_path(source).is_file():
        # a dance the package wrote (dance.bvh beside dance.beats): its own beats and meter, as ``render`` counts
        # its bars by them; on its pulse a 100-bpm dance was read at 91 and came back another score
        options["beats"] = str(beats_path(source))
        if not args.quiet:
            print(f"{source}: on the beats of {beats_path(source)} beside it (--bpm or --beats for others)",
                  file=sys.stderr)
    try:
        score, _ = tokenize_file(source, rate_of(source, rates, args.fps), options)
    except LabanError as error:  # named, as a batch names each file that fails ("too short", "cannot recognise")
        if str(error).startswith(str(source)):
            raise
        raise LabanError(f"{source}: {' '.join(str(error).split())}") from None
    score.save(output)
    if not args.quiet:
        print(summary(output, score))
    return 0


def summary(output: Path, score) -> str:
    columns = Counter(s.column.value for s in score.symbols)
    bars = math.ceil(score.duration / score.beats_per_bar)
    symbols = common.counted(len(score.symbols), "symbol")
    return (f"{output}: {symbols} in {common.counted(bars, 'bar')} of {score.beats_per_bar} beats at "
            f"{score.tempo:.1f} bpm ({', '.join(f'{c} {n}' for c, n in sorted(columns.items()))})")


def _is_batch(inputs: list[Path], output: str) -> bool:
    return len(inputs) > 1 or inputs[0].is_dir() or output.endswith(("/", os.sep)) or Path(output).is_dir()


def _str(path: Path | None) -> str | None:
    return None if path is None else str(path)
