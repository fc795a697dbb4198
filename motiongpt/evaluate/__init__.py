"""``motiongpt evaluate``: every number the project claims about its dances, from one rerunnable command.

A report compares sets of clips with a **reference** set (default: the training split of the shared CMU data)
on the field's metrics (``motiongpt.metrics``), one row per set:

- the reference itself (its diversity and physical figures: what real motion scores);
- **ground truth**: held-out real clips (default: the test split) against the reference — the real-data figure
  every generated number stands beside;
- **decoded test scores**: each held-out clip's score decoded back to motion (``laban.decode``): the decoder's
  realism, and its round trip score → motion → score;
- **baselines** any model must beat: a seeded sample of training clips as many as the held-out ones (how far
  part of the reference is from all of it: FID's noise at that sample count), the nearest training clip to each
  held-out clip by features (retrieval), and random valid scores decoded to motion;
- the generated clips, when given; and with ``--model`` one "generated" row per seed: the model writes a dance
  for each held-out clip on that clip's beat grid from its words and style (``generated``), decoded as the
  held-out scores are.

Every row with scores is also judged in score space against the held-out clips' scores (FID on the text ↔ score
evaluator's embeddings, ``FID_s``; the reference row's is train vs test, the scale), and the generated rows for
novelty (``motiongpt.metrics.novelty``: the longest run of bars copied verbatim from a training score).

Every row that has words (CMU descriptions, a generated clip's prompt in ``<stem>.txt``) also reports text ↔ score
R-precision with the shipped contrastive evaluator (``motiongpt.metrics.text_score``).

Rows that stand in for a held-out clip (baselines, generated clips named like one) are scored against that
clip's beats (unless they bring music of their own) and, unless they were made from a score of their own, its
score: a retrieved dance is judged on the held-out dance's beat, not its own.

Protocol: 21 landmarks, first 20 s, 60 fps (Bailando); PFC on 5-s pieces at 30 fps (EDGE). Beats come through
``laban.beat_grid``: from a MIDI/MusicXML file or a beats file beside a clip; without music (all of CMU) from the
motion's own pulse, and the report says so. Audio beats (librosa) are measured against exact score beats
in docs/evaluation.md ("Music beats: librosa vs the score"); beside a clip only score music is read.

    python -m motiongpt.evaluate --reference train --held-out test -o report.json      # + report.md
    python -m motiongpt.evaluate --model builtin --seeds 0 1 2 --corpus corpus/cmu -o fig2.json   # + generated rows

The package: ``protocol`` (how a clip is measured, one row of the report), ``baselines``, ``generated`` (a
model's dances for the held-out clips), ``report`` (rows, JSON and Markdown); the clips and the CMU split come from ``motiongpt.data``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from laban.errors import LabanError

from ..data import Clip, first_seconds, load, load_directory, load_split, pieces, read_cmu_split
from .baselines import decoded, nearest, random_score
from .generated import cmu_styles, load_model, written
from .protocol import Measured, Protocol, evaluate, measure, trajectories
from .report import check_output, jsonable, markdown, report, write

__all__ = ["Clip", "Measured", "Protocol", "add_arguments", "command", "decoded", "evaluate", "first_seconds",
           "jsonable", "load", "load_directory", "load_split", "main", "markdown", "measure", "nearest", "pieces",
           "random_score", "read_cmu_split", "report", "trajectories", "write", "written", "load_model", "cmu_styles"]


def _whole(text: str) -> int:
    """A whole number from 0 (a seed, a count), or argparse's one-line usage error."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"a whole number from 0, not {text!r}")
    return value


def _seconds(text: str) -> float:
    """0 (whole clips) or a length of at least a second (shorter is too few frames to measure), else argparse's
    one-line usage error."""
    value = _at_least(0)(text)
    if 0 < value < 1 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"0 (whole clips) or a length of at least 1 second, not {text!r}")
    return value


def _at_least(low: float, high: float = float("inf"), low_inclusive: bool = True):
    """A number in [low, high] (or (low, high]), or argparse's one-line usage error."""
    def number(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not ((value >= low if low_inclusive else value > low) and value <= high):
            bound = "from" if low_inclusive else "above"
            raise argparse.ArgumentTypeError(f"a number {bound} {low:g}{'' if high == float('inf') else f' to {high:g}'},"
                                             f" not {text!r}")
        return value
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``evaluate`` subcommand's arguments (shared by ``motiongpt evaluate`` and ``python -m``); what each
    means in plain words: docs/evaluation.md, "The command and its options"."""
    parser.add_argument("--generated", help="folder of generated clips (.bvh, .npz, .csv), each with optional "
                                            "music (.mid, .musicxml) or .beats, its .laban score and its .txt "
                                            "prompt beside it under the same name")
    parser.add_argument("--reference", default="train",
                        help="real clips the sets are compared with: a CMU split (train, validation, test) or a "
                             "folder (default: train)")
    parser.add_argument("--held-out", default="test",
                        help="real clips for the ground-truth row: a split or a folder, or 'none' (default: test)")
    parser.add_argument("--subset", choices=("all", "dance"), default="all",
                        help="for CMU splits: every trial, or dance and salsa only")
    parser.add_argument("--seconds", type=_seconds, default=20.0, help="measure the first N seconds (0: whole clips)")
    parser.add_argument("--windows", action="store_true",
                        help="cut every clip into consecutive pieces of --seconds (more samples for FID) instead "
                             "of keeping only its first --seconds")
    parser.add_argument("--quirk", action="store_true",
                        help="compute the features with the two time-step slips of the published reference code, "
                             "so that FID compares with published numbers (default: the physically correct form)")
    parser.add_argument("--no-baselines", action="store_true",
                        help="skip the baseline rows (training sample, nearest training clip, random scores)")
    parser.add_argument("--model", help="also write dances with a model ('builtin' or a model folder): one "
                                        "'generated' row per --seeds, each held-out clip's beat grid and words")
    parser.add_argument("--seeds", type=_whole, nargs="+", default=[0, 1, 2],
                        help="the seeds of the --model rows (default: 0 1 2)")
    parser.add_argument("--temperature", type=_at_least(0), default=1.0,
                        help="the --model rows' sampling temperature (default 1)")
    parser.add_argument("--top-p", type=_at_least(0, 1, low_inclusive=False),
                        help="the --model rows' nucleus (default: motiongpt generate's, 0.9; 1: every token)")
    parser.add_argument("--guidance", type=_at_least(0),
                        help="the --model rows' guidance on the words (default: motiongpt generate's, 3; 1: none)")
    parser.add_argument("--best-of", type=_at_least(1),
                        help="the --model rows: each dance the one of N samples that does most of what its words "
                             "ask (default: motiongpt generate's, 4 up to 12 bars, else 1)")
    parser.add_argument("--limit", type=_whole, default=0,
                        help="measure only N held-out clips, a seeded draw (every row on the same clips; 0: all)")
    parser.add_argument("--corpus", type=Path,
                        help="a built corpus (motiongpt corpus build) whose training split's scores novelty counts "
                             "copies from (default: the reference clips' scores)")
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="report.json; the Markdown tables are written beside it as report.md")


def command(args: argparse.Namespace) -> int:
    """Run an evaluation from parsed arguments; prints the Markdown and where the report went."""
    check_output(args.output)
    protocol = Protocol(seconds=args.seconds or None, windows=args.windows, kinetic_quirk=args.quirk,
                        geometric_quirk=args.quirk)
    if args.model and args.held_out == "none":
        raise LabanError("--model writes a dance for each held-out clip: give --held-out a split or folder")
    reference, ref_label = load(args.reference, args.subset)
    held_out, held_label = (None, "") if args.held_out == "none" else load(args.held_out, args.subset)
    if held_out and 0 < args.limit < len(held_out):
        keep = sorted(np.random.default_rng(0).choice(len(held_out), args.limit, replace=False))
        held_out = [held_out[i] for i in keep]
        held_label += f", {args.limit} clips drawn with seed 0"
    generated, gen_label = load(args.generated) if args.generated else (None, "")
    model, training, labels, styles = None, None, {}, None
    if args.model:
        model = load_model(args.model)
        labels["model"] = str(args.model)
        try:
            styles = cmu_styles()
        except FileNotFoundError:
            styles = {}
        # a folder's own labels (its manifest.csv's style column) win: a researcher's takes were all written in no
        # style, named like no CMU trial
        styles = {**styles, **{clip.name: clip.style for clip in held_out if clip.style}} or None
    if args.corpus:
        from ..data.corpus import Corpus

        training = [t.score() for t in Corpus.load(args.corpus).split("train")]
        labels["training_scores"] = f"{args.corpus}, training split ({len(training)} scores)"
    result = report(reference, held_out, generated, protocol, baselines=not args.no_baselines,
                    labels={"reference": ref_label, "held_out": held_label, "generated": gen_label, **labels},
                    model=model, seeds=tuple(args.seeds), training_scores=training, styles=styles,
                    sampling={k: v for k, v in (("temperature", args.temperature), ("top_p", args.top_p),
                                                ("guidance", args.guidance), ("best_of", args.best_of)) if v is not None},
                    log=lambda line: print(line, file=sys.stderr))
    result["argv"] = sys.argv[1:]
    print(write(result, args.output))
    print(f"{args.output} and {args.output.with_suffix('.md')} written in {result['seconds_taken']:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m motiongpt.evaluate", description=__doc__.split("\n")[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return command(args)
    except (LabanError, OSError) as error:  # as ``motiongpt evaluate`` does: one line, no traceback
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
