"""``motiongpt train``: train the model (or fine-tune one, or a LoRA style adapter) on a corpus, with Lightning.

    motiongpt train --corpus corpus/ -o runs/base                       # from scratch, the built-in shape
    motiongpt train --corpus salsa/ --init runs/base/model --lora -o runs/salsa
    motiongpt train --corpus corpus/ --devices 2 --strategy ddp -o runs/ddp

Run again with the same ``-o`` to resume after a kill (from ``checkpoints/last.ckpt``, with no lost step).
What ships is ``-o``'s ``model/`` (or ``adapter/``): give it to ``motiongpt generate --model`` (``--style``).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from laban.errors import LabanError

from . import common


ACCELERATORS = ("auto", "cpu", "gpu", "cuda", "mps", "tpu")  # Lightning's names (not imported to build the parser)
_count = common.number("a number of devices", low=1, low_inclusive=True, integer=True)


def devices(text: str) -> int | str:
    """``--devices``: a count of devices (one process each), or auto; Lightning's other forms (GPU indices, -1 for
    all) are not offered, so that 0 or -1 is a one-line error here rather than a traceback from Lightning."""
    return text if text == "auto" else _count(text)


devices.__name__ = "a number of devices"


def add_parser(commands) -> None:
    tra = commands.add_parser("train", help="train the dance model on a corpus (Lightning)",
                              description="Train the model on a corpus's train split (validated on its validation "
                                          "split): checkpoints every checkpoint_every steps (a --config "
                                          "field), resumed when -o already holds one, a CSV log, bf16 on a "
                                          "GPU. --lora trains a small style adapter on top of --init.")
    tra.add_argument("--corpus", type=Path, required=True,
                     help="a corpus folder (motiongpt corpus build) or a folder of scores")
    tra.add_argument("--config", type=Path, help="training settings, .yaml or .json (see motiongpt.train.module)")
    tra.add_argument("--init", help="start from 'builtin' or a model folder (default: fresh weights)")
    tra.add_argument("--lora", action="store_true", help="train a LoRA style adapter on --init instead")
    tra.add_argument("--devices", type=devices, default="1", help="devices (processes) to train on (default 1)")
    tra.add_argument("--strategy", default="auto", help="Lightning strategy, e.g. ddp (default auto)")
    tra.add_argument("--accelerator", choices=ACCELERATORS, default="auto", help="cpu, gpu or auto (default)")
    tra.add_argument("--max-steps", type=common.number("a number of steps", low=1, low_inclusive=True, integer=True))
    tra.add_argument("--seed", type=common.seed, help="the run's seed (default: the config's, 0)")
    tra.add_argument("--quiet", action="store_true", help="no progress bar")
    tra.add_argument("-o", "--output", type=Path, required=True, help="the run folder (runs/NAME)")
    tra.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.lora and args.init is None:
        raise LabanError("--lora trains an adapter on a model: give --init builtin or a model folder")
    common.run_folder(args.output)
    from motiongpt.model import MotionGPT, builtin_model_path
    from motiongpt.model.modeling import build
    from motiongpt.train.corpus import corpus_vocabulary, examples_from_corpus, read_corpus, styles_of
    from motiongpt.train.module import load_config, train
    from motiongpt.vocabulary import Vocabulary

    if args.config is not None:
        common.existing_file(args.config)
    settings = load_config(args.config, max_steps=args.max_steps, seed=args.seed)
    takes, held = read_corpus(args.corpus, "train"), read_corpus(args.corpus, "validation")
    if not takes:  # (a folder of scores is all train: a built corpus whose manifest held every take out)
        from collections import Counter

        from motiongpt.data.corpus import Corpus

        splits = Counter(take.split for take in Corpus.load(args.corpus))
        raise LabanError(f"{args.corpus}: no takes in its train split "
                         f"({', '.join(f'{n} {split}' for split, n in sorted(splits.items())) or 'none at all'})")
    built = corpus_vocabulary(args.corpus)
    if args.init is None:  # the corpus's own grid (corpus build --subdivision), not the default's quarters
        settings.model_overrides = {"styles": styles_of(takes + held), **settings.model_overrides}
        vocabulary = built or Vocabulary()
        config = settings.model_config(vocab_size=len(vocabulary))
        init = build(config, vocabulary, seed=settings.seed)
    else:
        init = MotionGPT.from_pretrained(builtin_model_path() if args.init == "builtin" else Path(args.init))
        config, vocabulary = init.config, init.vocabulary
        if built is not None:
            _holds(vocabulary, built, args.init, args.corpus)
        unknown = [style for style in styles_of(takes + held) if style not in config.styles]
        if unknown:  # its style slots are its own, an adapter's too: such takes train as takes of no style (with
            # --lora, unsaid: a corpus of several new styles became one adapter's unlabelled dances)
            warnings.warn(f"the model at --init knows no style {', '.join(map(repr, unknown))} (it knows "
                          f"{', '.join(config.styles) or 'none'}): those takes train as takes of no style; " +
                          ("the adapter is their style, asked for by its folder (generate --style ADAPTER): one "
                           "adapter per style" if args.lora else "a new style is learned by a style adapter (--lora)"))
    if settings.augmented_windows and (args.corpus / "corpus.json").is_file():
        import numpy as np

        from motiongpt.data.augment import windows
        from motiongpt.data.corpus import Corpus
        from motiongpt.train.corpus import examples_from_windows

        drawn = windows(Corpus.load(args.corpus), "train", bars=(min(4, settings.window_bars), settings.window_bars),
                        rng=np.random.default_rng(settings.seed), count=settings.augmented_windows)
        examples = examples_from_windows(drawn, vocabulary, config, exact_words=settings.exact_words)
        if settings.phrase_windows:  # one phrase each, in exactly the words a phrase's prompt would use
            phrases = windows(Corpus.load(args.corpus), "train", bars=(2, 2),
                              rng=np.random.default_rng([settings.seed, 1]), count=settings.phrase_windows)
            examples += examples_from_windows(phrases, vocabulary, config, exact_words=1.0)
    else:
        examples = examples_from_corpus(takes, vocabulary, config, settings.window_bars)
    validation = examples_from_corpus(held, vocabulary, config, settings.window_bars) if held else None
    trained = train(examples, settings, args.output, init=init, lora=args.lora, validation=validation,
                    devices=args.devices, strategy=args.strategy, accelerator=args.accelerator, progress=not args.quiet)
    if trained is not None:  # (None in a distributed run's other processes: one line for the one model)
        # a resumed run's steps are those it ran, and the run's in all (max_steps was said for both)
        steps = common.counted(trained.ran, "step") if not trained.began else \
            f"{common.counted(trained.ran, 'more step')}, {trained.step} in all,"
        print(f"{trained.folder}: trained {steps} on {common.counted(len(examples), 'window')} of "
              f"{common.counted(len(takes), 'take')}")
    return 0


def _holds(model, corpus, init: str, folder: Path) -> None:
    """Refuses a model for ``--init`` whose vocabulary cannot write the corpus's scores as they are: its grid must
    hold the corpus's beats (a score on eighths of a beat encoded on halves was quantised again: steps merged, or a
    flight landed on a support, one line naming no take), and its bars and turns be as long."""
    if model.subdivision % corpus.subdivision:
        raise LabanError(f"{init}: the model writes on a grid of 1/{model.subdivision} beat, which does not hold the "
                         f"scores of {folder} (on 1/{corpus.subdivision} beat): start from a model of their grid, or "
                         f"build the corpus on the model's (motiongpt corpus build --subdivision {model.subdivision})")
    if model.max_beats_per_bar < corpus.max_beats_per_bar or model.max_turn < corpus.max_turn:
        raise LabanError(f"{init}: the model writes bars of up to {model.max_beats_per_bar} beats and turns of up to "
                         f"{model.max_turn}, shorter than the scores of {folder} may hold ({corpus.max_beats_per_bar} "
                         f"and {corpus.max_turn})")
