"""``motiongpt generate``: a dance from words (and music), written as a score, a staff, a BVH and the prompt that
makes it again.

    motiongpt generate --text "a slow solo: steps forward, a half turn" --music corpus:joplin/maple_leaf_rag \\
                       --seed 3 -o my_dance/ --model runs/base/model

    motiongpt generate --text "..." --variations 8 -o my_dance/     # my_dance/1 .. 8, ranked, + overview.png

    motiongpt generate --phrase 1-4 "four steps forward" --phrase 5-8 "a half turn, arms high" --bpm 100 -o d/

The work is ``motiongpt.cocreate.generate`` and the one dance-folder writer (``Dance.save``,
``save_variations``): everything is written into a temporary folder beside ``-o`` and renamed into place at the
end, so an error or Ctrl-C leaves no half-written dance.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from laban.errors import LabanError

from . import common


def add_parser(commands) -> None:
    gen = commands.add_parser("generate", help="write a dance from words and music with the model",
                              description="A dance sampled from the model: the score (score.laban, score.json), "
                                          "its staff (staff.svg), the dance (dance.bvh), a video (dance.mp4) and "
                                          "prompt.json, everything needed to make it again. The same settings "
                                          "and seed give the same dance.")
    words = gen.add_mutually_exclusive_group()
    words.add_argument("--text", help="what the dance does, in words")
    words.add_argument("--phrase", nargs=2, action="append", metavar=("BARS", "WORDS"),
                       help="what some bars do, in words, as the staff counts them: --phrase 1-4 'four steps "
                            "forward' --phrase 5-8 'a half turn, arms high' (again for more; instead of --text)")
    words.add_argument("--words-file", type=Path, metavar="FILE",
                       help="the words from a text file: a phrase a line ('1-4: four steps forward', or as "
                            "motiongpt describe writes them), or the whole dance's words")
    gen.add_argument("--music", help="a MIDI/MusicXML/audio file, or corpus:COMPOSER/WORK from music21's corpus: "
                                     "the dance is written on its beats")
    gen.add_argument("--bpm", type=common.bpm, help="tempo without music (default 120)")
    gen.add_argument("--meter", type=common.meter,
                     help="beats per bar, or a time signature such as 3/4 (default: the music's, else 4)")
    length = gen.add_mutually_exclusive_group()
    # motiongpt.cocreate.generate.MOST_BARS and MOST_SECONDS (not imported here: the model's imports are slow)
    length.add_argument("--bars", type=common.number("a number of bars", low=1, high=1024, low_inclusive=True,
                                                     integer=True),
                        help="bars to write (default: the whole piece; without music 16)")
    length.add_argument("--seconds", type=common.number("a length in seconds", high=1800),
                        help="length in seconds")
    gen.add_argument("--no-controls", action="store_true",
                     help="do not follow the music's per-bar controls (energy, accents, phrases, repeats)")
    gen.add_argument("--no-repeats", action="store_true",
                     help="where the music repeats a bar, do not repeat the dance's bar (the other controls stay)")
    # motiongpt.cocreate.generate.STEPS_ON's names (not imported here: the model's imports are slow)
    gen.add_argument("--steps-on", choices=("beat", "half-beat", "anywhere"),
                     help="where steps and jumps start and land: pushed onto the beat, onto the beat or its half, "
                          "or anywhere (default: the beat with music, anywhere without)")
    gen.add_argument("--style", help="a style the model knows, or a style adapter folder (motiongpt train --lora)")
    gen.add_argument("--seed", type=common.seed, default=0, help="picks one of the dances (default 0)")
    gen.add_argument("--temperature", type=common.number("a temperature", low=0, low_inclusive=True), default=1.0,
                     help="sampling temperature, 0 for the most likely dance (default 1)")
    gen.add_argument("--top-k", type=common.number("top-k", low=0, low_inclusive=True, integer=True), default=0,
                     help="sample from the k likeliest tokens (default 0: all)")
    common.add_following(gen)
    gen.add_argument("--model", type=Path, help="a model folder (default: the built-in model)")
    gen.add_argument("--skeleton", type=Path, help="a BVH whose skeleton performs the dance (default: the package's)")
    common.add_map(gen)
    gen.add_argument("--no-video", action="store_true", help="do not render dance.mp4")
    gen.add_argument("--variations", type=common.number("a number of variations", low=1, high=64,
                                                         low_inclusive=True, integer=True),
                     help="write N dances into -o/1 .. -o/N, ranked by quality (1 the best), and -o/overview.png "
                          "to choose from (no videos)")
    gen.add_argument("--varied-top-p", type=common.number("top-p", high=1.0),
                     help="with --variations: the top-p every variation but the first is drawn at (default 1: "
                          "all the model's tokens; the first is the dance written alone, at --top-p)")
    gen.add_argument("-o", "--output", type=Path, required=True,
                     help="the folder to write (made if missing, in a folder that exists)")
    gen.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    out = common.output_folder(args.output)
    common.model_folder(args.model)
    mapping = common.rig_mapping(args)
    if args.skeleton is not None:  # checked before any sampling
        common.rig(args.skeleton, mapping)
    if args.music is not None and args.bpm is not None:
        raise LabanError("give --music or --bpm, not both")

    text, phrases = args.text, None
    if args.phrase:
        phrases = [(common.bar_range(bars), words) for bars, words in args.phrase]
    elif args.words_file is not None:
        text, phrases = _words_file(args.words_file)

    from motiongpt.cocreate import generate, load_model, save_variations

    loaded = load_model(args.model, args.style)
    count = args.variations or 1
    with _Writing() as writing:
        dances = generate(loaded, text=text, phrases=phrases, music=args.music, bpm=args.bpm, meter=args.meter,
                          bars=args.bars, seconds=args.seconds, controls=not args.no_controls,
                          repeats=not args.no_repeats, count=count, seed=args.seed,
                          temperature=args.temperature, top_k=args.top_k, skeleton=args.skeleton, mapping=mapping,
                          **common.following(args),
                          **({"varied_top_p": args.varied_top_p} if args.varied_top_p is not None else {}),
                          # an adapter folder named whole in prompt.json, as in the lineage (it was named as given)
                          style_name=loaded.versions["adapter"] or args.style, steps_on=args.steps_on,
                          on_bar=writing)
    first = dances[0]
    if args.variations is None:
        first.save(out, video=not args.no_video)
    else:
        save_variations(out, dances, video=False)
    where = f" on the beats of {args.music}" if args.music else f" at {first.score.grid.tempo:.0f} bpm"
    what = f"{count} variations ({out}/1 the best ranked, {out}/overview.png)" if args.variations else \
        common.counted(len(first.score.symbols), "symbol")
    print(f"{out}: {what} in {common.counted(first.prompt['bars'], 'bar')}{where}, seed {args.seed}")
    common.note_unread(text, phrases)
    common.note_turns(first.score, text, phrases=phrases)
    return 0


class _Writing:
    """The bars of a dance written a sampling pass at a time, as a progress bar on a terminal (a whole piece takes
    seconds to tens of seconds on a CPU, and the command said nothing until it was done); a dance of one pass, and
    output that is not a terminal (a script, a log), get nothing. ``cocreate.generate``'s ``on_bar``."""

    def __init__(self) -> None:
        self.progress = None

    def __call__(self, done: int, total: int) -> None:
        import sys

        if self.progress is None:
            if done >= total or not sys.stderr.isatty():
                return
            from viz.progress import Progress

            self.progress = Progress(total, "writing", unit="bars", rate="bars/s")
        self.progress.update(done - self.progress.done)

    def __enter__(self) -> "_Writing":
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.close()


def _words_file(path: Path) -> tuple[str | None, list | None]:
    """(text, None) or (None, phrases) from a file of words (``cocreate.generate.phrases_in`` reads the phrases)."""
    from motiongpt.cocreate.generate import phrases_in

    common.existing_file(path)
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LabanError(f"{path}: cannot read the words ({' '.join(str(error).split())})") from None
    phrases = phrases_in(content)
    if phrases:
        for (first, last), _ in phrases:  # (as --phrase says it, not "the dance has bars 1-4" later)
            if last < first:
                raise LabanError(f"{path}: bars {first}-{last}: the last bar comes before the first")
        return None, phrases
    text = " ".join(content.split())
    if not text:
        raise LabanError(f"{path}: no words in it")
    return text, None
