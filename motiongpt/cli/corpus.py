"""``motiongpt corpus``: build the corpus the model trains on, and say what one holds.

    motiongpt corpus build captures/ -o corpus/ --manifest captures/takes.csv --jobs 4
    motiongpt corpus show corpus/

``build`` is ``motiongpt.data.corpus.build`` (its docstring describes the folder it reads and writes); the shared
CMU corpus has its own recipe, ``python datasets/cmu_corpus.py -o corpus/cmu``, which knows the fixed split and
the style of every trial.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from . import common


def add_parser(commands) -> None:
    cor = commands.add_parser("corpus", help="build a training corpus from folders of motion capture, or show one",
                              description="A corpus is motion capture tokenized into scores once, with what each "
                                          "take is (split, style, description, music): what 'motiongpt train' "
                                          "reads.")
    actions = cor.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=type(cor))
    b = actions.add_parser("build", help="tokenize folders of motion into a corpus folder",
                           description="Every motion file (.bvh, skeleton .csv, .npz) under the folders, with its "
                                       "sidecars: <stem>.txt (description) and a music file (.mid, .musicxml, "
                                       ".mxl, audio) whose beats the score follows. Scores already built from the "
                                       "same input are reused.",
                           epilog="example: motiongpt corpus build captures/ -o corpus/ --manifest takes.csv -j 4")
    b.add_argument("inputs", type=Path, nargs="+", metavar="DIR", help="folders (or files) of motion capture")
    b.add_argument("-o", "--output", type=Path, required=True, help="the corpus folder to write")
    b.add_argument("--manifest", type=Path, metavar="CSV",
                   help="per take: a 'file' (or 'trial') column and any of style, description, split "
                        "(train/validation/test), fps, music; its values win over sidecars")
    b.add_argument("--fps", type=common.fps, help="the real frame rate of takes the manifest gives none")
    b.add_argument("--subdivision", type=common.subdivision, default=4, help="quantise to 1/N beat (default 4)")
    b.add_argument("-j", "--jobs", type=common.jobs, default=1, help="worker processes (default 1)")
    b.add_argument("--force", action="store_true", help="tokenize every take again")
    common.add_map(b)
    b.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    b.set_defaults(run=run_build)
    s = actions.add_parser("show", help="what a corpus holds: takes, minutes and tokens per split and style")
    s.add_argument("corpus", type=Path, help="a corpus folder")
    s.set_defaults(run=run_show)


def run_build(args: argparse.Namespace) -> int:
    from motiongpt.data.corpus import build, scan

    if args.manifest is not None:
        common.existing_file(args.manifest)
    sources = scan(args.inputs, args.manifest, args.fps)
    built = build(sources, args.output, jobs=args.jobs, subdivision=args.subdivision, force=args.force,
                  progress=not args.quiet, mapping=common.mapping(args.map))
    if not args.quiet:
        print(f"{built.summary(args.output)} ({args.jobs} worker{'s' * (args.jobs > 1)})")
    files = {s.name: str(s.path) for s in sources}
    for name, message in built.warnings:
        print(f"motiongpt: warning: {_named(name, files[name], message)}", file=sys.stderr)
    for name, message in built.failures:
        print(f"motiongpt: error: {_named(name, files[name], message)}", file=sys.stderr)
    return 2 if built.failures else 0


def _named(name: str, path: str, message: str) -> str:
    """A take's line, named once: by its file where the message starts with it (a reader's error names the file
    and its line), else by the take's name (``corpus build afile`` said "afile: afile: unknown motion format")."""
    return message if message.startswith(path) else f"{name}: {message}"


def run_show(args: argparse.Namespace) -> int:
    from motiongpt.data.corpus import SPLITS, Corpus

    corpus = Corpus.load(args.corpus)
    print(f"{args.corpus}: {common.counted(len(corpus), 'take')}, {sum(t.seconds for t in corpus) / 60:.1f} min, "
          f"{sum(t.tokens for t in corpus):,} tokens (vocabulary version {corpus.vocabulary_version}, 1/"
          f"{corpus.subdivision} beat)")
    for key, label in ((lambda t: t.split, "split"), (lambda t: t.style or "(no style)", "style")):
        rows = defaultdict(lambda: [0, 0.0, 0])
        for t in corpus:
            row = rows[key(t)]
            row[0] += 1
            row[1] += t.seconds / 60
            row[2] += t.tokens
        order = [k for k in SPLITS if k in rows] if label == "split" else sorted(rows)
        print(f"\n{label:<14} {'takes':>6} {'minutes':>8} {'tokens':>9} {'tokens/min':>10}")
        for k in order:
            n, minutes, tokens = rows[k]
            print(f"{k:<14} {n:>6} {minutes:>8.1f} {tokens:>9,} {tokens / max(minutes, 1e-9):>10.0f}")
    return 0
