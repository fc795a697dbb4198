"""``motiongpt tokenize``: motion capture to a Labanotation score, one file or a whole corpus.

One file: ``motiongpt tokenize dance.bvh -o dance.laban``. A batch: several files or folders in and a folder out
(``-o scores/``), the folders' structure kept, files already done skipped, N worker processes (``motiongpt.cli.batch``).
Both go through ``tokenize_file``, so a batch writes exactly the score one file would.
"""

from __future__ import annotations

import argparse
import math
import os
from collections import Counter
from pathlib import Path

from laban.errors import LabanError

from . import common

FORMATS = {"laban": ".laban", "json": ".json", "labaneditor": ".labaneditor.json"}


def add_parser(commands) -> None:
    tok = commands.add_parser(
        "tokenize", help="write the Labanotation score of a motion capture (or of every file in folders)",
        description="Motion capture (BVH, Kinect v2 CSV, .npz joint positions) to a whole-body Labanotation score "
                    "in beats and bars. Several files or folders in and a folder out make a batch: the folders' "
                    "structure is kept, files already done (same input, options and version) are skipped, "
                    "failures are listed at the end (exit status 2) without stopping the others.",
        epilog="examples: motiongpt tokenize dance.bvh -o dance.laban;  "
               "motiongpt tokenize captures/ -o scores/ --jobs 4 --manifest captures/rates.csv")
    tok.add_argument("inputs", type=Path, nargs="+", metavar="MOTION",
                     help="dance.bvh, capture.csv (Kinect v2) or joints.npz; or folders of them (a batch)")
    tok.add_argument("-o", "--output", required=True,  # a string: Path() drops the '/' that says "a folder"
                     help="score file: .json, .laban/.txt (text form) or .labaneditor.json; for a batch a folder "
                          "(written 'scores/', or one that exists)")
    time = tok.add_mutually_exclusive_group()
    time.add_argument("--bpm", type=common.bpm, help="a steady tempo in beats per minute")
    time.add_argument("--beats", type=Path, help="a file of beat times in seconds, one per line")
    time.add_argument("--music", type=Path, help="a MIDI or MusicXML file whose beats the dance follows, or audio "
                                                 "(.wav/.flac/.ogg/.mp3; needs librosa: pip install '.[audio]')")
    tok.add_argument("--meter", type=common.meter, default=None, help="beats per bar (default 4, or the music's)")
    tok.add_argument("--subdivision", type=common.subdivision, default=4, help="quantise to 1/N beat (default 4)")
    tok.add_argument("--scale", type=common.scale, help="metres per file unit (default: detected from body height)")
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
    batch.add_argument("--glob", default="*.bvh", metavar="PATTERN",
                       help="which files of a folder to take, searched in its subfolders too (default '*.bvh'; "
                            "files named on the command line are always taken)")
    batch.add_argument("--force", action="store_true", help="redo files already done")
    batch.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    tok.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    for path in (args.beats, args.music, args.manifest):
        if path is not None:
            common.existing_file(path)
    options = {"scale": args.scale, "bpm": args.bpm, "beats": _str(args.beats), "music": _str(args.music),
               "meter": args.meter, "subdivision": args.subdivision, "map": common.mapping(args.map)}
    rates = frame_rates(args.manifest) if args.manifest else None
    if _is_batch(args.inputs, args.output):
        from .batch import tokenize_batch

        return tokenize_batch(args.inputs, Path(args.output), options, fps=args.fps, rates=rates, jobs=args.jobs,
                              suffix=FORMATS[args.format], pattern=args.glob, force=args.force, quiet=args.quiet)
    source = common.existing_file(args.inputs[0])
    output = common.writable(Path(args.output))
    score, _ = tokenize_file(source, rate_of(source, rates, args.fps), options)
    score.save(output)
    if not args.quiet:
        print(summary(output, score))
    return 0


def tokenize_file(source: Path, fps: float | None, options: dict):
    """The score of one motion file and the motion's length in seconds: the whole single-file command, and what
    each batch worker does. ``options``: scale, bpm, beats, music, meter, subdivision, map (plain values, so that
    they travel to worker processes)."""
    from laban import analyse, beat_grid, read_motion, recognised, tokenize
    from laban.analysis import WORKING_FPS

    motion = read_motion(source, scale=options["scale"], frame_rate=fps, max_fps=WORKING_FPS)
    recognised(motion.skeleton, options["map"])
    analysis = analyse(motion)
    grid = beat_grid(music=options["music"], beats=options["beats"], bpm=options["bpm"], motion=analysis,
                     meter=options["meter"])
    score = tokenize(analysis, grid, subdivision=options["subdivision"], title=Path(source).stem)
    return score, float(motion.duration)


def summary(output: Path, score) -> str:
    columns = Counter(s.column.value for s in score.symbols)
    bars = math.ceil(score.duration / score.beats_per_bar)
    return (f"{output}: {len(score.symbols)} symbols in {bars} bars of {score.beats_per_bar} beats at "
            f"{score.tempo:.1f} bpm ({', '.join(f'{c} {n}' for c, n in sorted(columns.items()))})")


def frame_rates(path: Path) -> dict[str, float]:
    """{resolved path or file stem: frames per second} from a manifest CSV (see ``--manifest``)."""
    import csv

    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
            fields = [name.strip().lower() for name in (rows[0].keys() if rows else [])]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise LabanError(f"{path}: cannot read the manifest ({error})") from None
    key = next((name for name in ("file", "path", "trial", "name") if name in fields), None)
    rate = next((name for name in ("fps", "frame_rate", "cmu_listed_fps") if name in fields), None)
    if key is None or rate is None:
        raise LabanError(f"{path}: a manifest needs a 'file' or 'trial' column and an 'fps' column "
                         f"(it has {', '.join(fields) or 'none'})")
    rates = {}
    for number, row in enumerate(rows, 2):
        row = {name.strip().lower(): (value or "").strip() for name, value in row.items() if name}
        if not row[rate]:
            continue
        try:
            fps = common.fps(row[rate])
        except argparse.ArgumentTypeError as error:
            raise LabanError(f"{path}:{number}: {error}") from None
        name = row[key]
        rates[str((path.parent / name).resolve()) if key in ("file", "path") else name] = fps
    return rates


def rate_of(source: Path, rates: dict[str, float] | None, default: float | None) -> float | None:
    """The frame rate a manifest gives ``source`` (by path, then by name), else ``default``."""
    if rates:
        for key in (str(Path(source).resolve()), Path(source).stem):
            if key in rates:
                return rates[key]
    return default


def _is_batch(inputs: list[Path], output: str) -> bool:
    return len(inputs) > 1 or inputs[0].is_dir() or output.endswith(("/", os.sep)) or Path(output).is_dir()


def _str(path: Path | None) -> str | None:
    return None if path is None else str(path)
