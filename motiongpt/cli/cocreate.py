"""The co-creation commands, each a thin layer over ``motiongpt.cocreate`` (docs/cocreate.md):

    motiongpt vary my_dance/3 --strength 0.3 --count 4      # variations of a chosen dance, near or far
    motiongpt regenerate my_dance --bars 5-8 [--text ...]   # bars 5-8 written anew, the rest kept
    motiongpt continue my_dance|capture.bvh --bars 8 [--music ...]
    motiongpt blend dance_a dance_b --bars 8                # from A's material to B's
    motiongpt translate my_dance --style salsa              # the same rhythm in another style
    motiongpt history my_dance                              # the tree of dances under a folder

Each writes into ``-o OUT`` (default: a new sibling of the first dance named after the operation), atomically,
with lineage.json saying how to make it again; bad input is one line and exit status 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import common

count = common.number("a number of variations", low=1, high=64, low_inclusive=True, integer=True)
bars = common.number("a number of bars", low=1, high=256, low_inclusive=True, integer=True)
strength = common.number("a strength", low=0, high=1, low_inclusive=True)


def add_parsers(commands) -> None:
    vary = _command(commands, "vary", "variations of a chosen dance, near or far",
                    "Variations of a dance: --strength is the share of its bars the model writes anew (0: the "
                    "same dance, 1: a new one on the same prompt). Written as OUT/1 .. OUT/N, ranked by quality, "
                    "with OUT/overview.png.")
    vary.add_argument("dance", type=Path, help="the dance folder to vary")
    vary.add_argument("--strength", type=strength, default=0.3, help="share of bars rewritten, 0..1 (default 0.3)")
    vary.add_argument("--count", type=count, default=4, help="how many variations (default 4)")
    _sampling(vary)
    vary.set_defaults(run=run_vary)

    regen = _command(commands, "regenerate", "write some bars of a dance anew, keeping the others",
                     "Bars A-B written anew by the model between the kept bars before and after them (every other "
                     "bar identical; the motion too, outside the edited bars and a beat either side: the new bars "
                     "end with the arms, head and torso where the bars after them expect them, up to a rigid move "
                     "on the floor where the new steps travel elsewhere). The score is read from score.laban: "
                     "hand edits are kept.")
    regen.add_argument("dance", type=Path, help="the dance folder")
    regen.add_argument("--bars", required=True, help="the bars to rewrite, A-B as the staff counts them (e.g. 5-8)")
    regen.add_argument("--text", help="new words for the rewritten bars (default: the dance's own)")
    _sampling(regen)
    common.add_following(regen)
    regen.set_defaults(run=run_regenerate)

    cont = _command(commands, "continue", "continue a dance or a capture by N bars",
                    "The dance (or a motion capture, tokenized first) followed by N new bars: on new music, on the "
                    "rest of the music the dance was made on, or at its tempo.")
    cont.add_argument("dance", type=Path, help="a dance folder, or a motion capture (.bvh, .csv, .npz)")
    cont.add_argument("--bars", type=bars, required=True, help="how many bars to add")
    cont.add_argument("--music", help="music for the new bars (a file, or corpus:COMPOSER/WORK; default: the next "
                                      "bars of the music the dance was made on, else the dance's tempo)")
    cont.add_argument("--text", help="words for the new bars (default: the dance's own)")
    cont.add_argument("--steps-on", choices=("beat", "half-beat", "anywhere"),  # cocreate.generate.STEPS_ON's
                      help="where the new bars' steps and jumps land (default: on new music its beat, else where "
                           "the dance put them)")
    cont.add_argument("--meter", type=common.meter, default=4,
                      help="beats per bar of a capture, or a time signature such as 3/4 (default 4)")
    cont.add_argument("--fps", type=common.fps, help="a capture's real frame rate, when its header is wrong "
                                                     "(the CMU salsa takes: 60)")
    cont.add_argument("--bpm", type=common.bpm, help="a capture's tempo (default: its own pulse)")
    common.add_map(cont)
    _sampling(cont)
    common.add_following(cont)
    cont.set_defaults(run=run_continue)

    mix = _command(commands, "blend", "a passage from one dance's material to another's",
                   "A's last bars, N new bars travelling from A's material to B's, B's first bars.")
    mix.add_argument("first", type=Path, help="dance A (where the blend starts)")
    mix.add_argument("second", type=Path, help="dance B (where it arrives)")
    mix.add_argument("--bars", type=bars, default=8, help="bars of the passage between them (default 8)")
    _sampling(mix)
    mix.set_defaults(run=run_blend)

    trans = _command(commands, "translate", "the same dance in another style, on the same beats",
                     "The dance written anew in another style with its own rhythm (steps on the same beats) and "
                     "phrases as the model's per-bar controls.")
    trans.add_argument("dance", type=Path, help="the dance folder")
    trans.add_argument("--style", required=True, help="a style the model knows, or a style adapter folder")
    trans.add_argument("--style-guidance", type=common.number("a guidance scale", low=0, low_inclusive=True),
                       help="how strongly a style the model knows is followed: 1 samples the model as it is, more "
                            "follows it more closely (classifier-free guidance; default 2)")
    _sampling(trans)
    trans.set_defaults(run=run_translate)

    hist = commands.add_parser("history", help="the tree of dances under a folder and how each was made",
                               description="Every dance folder under DIR (and every folder motiongpt duet wrote, "
                                           "under its lead), as the tree of their lineage; given one dance, its "
                                           "tree: the dance, the dances under it and its edits beside it (named "
                                           "after it, as my_dance-regenerate).")
    hist.add_argument("folder", type=Path, help="a folder of dances (or one dance)")
    hist.add_argument("--replay", action="store_true",
                      help="make each dance again from its lineage (its parents, words, settings, seed and model) "
                           "and say whether it comes out the same; exit 1 if any does not")
    hist.set_defaults(run=run_history)


def _command(commands, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description=description)
    parser.add_argument("-o", "--output", type=Path,
                        help=f"the folder to write (default: a new sibling of the dance, DANCE-{name})")
    parser.add_argument("--model", type=Path, help="a model folder (default: the built-in model)")
    parser.add_argument("--no-video", action="store_true", help="do not render dance.mp4")
    return parser


def _sampling(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=common.seed, default=0, help="picks one of the results (default 0)")
    parser.add_argument("--temperature", type=common.number("a temperature", low=0, low_inclusive=True),
                        default=1.0, help="sampling temperature (default 1)")


def _output(args, source: Path, operation: str) -> Path:
    from motiongpt.cocreate import default_output

    return common.output_folder(args.output if args.output is not None else default_output(source, operation))


def _loaded(args, style=None):
    from motiongpt.cocreate import load_model

    return load_model(args.model, style)


def _developing(args, dance):
    """The model to develop ``dance`` with: ``--model`` (default: the built-in one) with the style adapter the
    dance was made with, if any."""
    from motiongpt.cocreate import load_for

    return load_for(dance, args.model)


def _dance(path: Path):
    from motiongpt.cocreate import Dance

    return Dance.load(path)


def run_vary(args: argparse.Namespace) -> int:
    from motiongpt.cocreate import save_variations, vary

    dance = _dance(args.dance)
    out = _output(args, args.dance, "vary")
    dances = vary(dance, _developing(args, dance), args.strength, count=args.count, seed=args.seed,
                  temperature=args.temperature)
    save_variations(out, dances, video=False)
    print(f"{out}: {common.counted(len(dances), 'variation')} at strength {args.strength:g} ({out}/1 the best ranked)")
    return 0


def run_regenerate(args: argparse.Namespace) -> int:
    from motiongpt.cocreate import regenerate

    dance = _dance(args.dance)
    first, last = common.bar_range(args.bars)
    out = _output(args, args.dance, "regenerate")
    result = regenerate(dance, _developing(args, dance), first, last, text=args.text, seed=args.seed,
                        temperature=args.temperature, **common.following(args))
    result.save(out, video=not args.no_video)
    print(f"{out}: {f'bar {first}' if first == last else f'bars {first}-{last}'} rewritten, the others kept, "
          f"seed {args.seed}")
    common.note_unread(args.text)
    common.note_turns(result.score, args.text, result.lineage.bars)
    return 0


def run_continue(args: argparse.Namespace) -> int:
    from laban.io import is_motion_file
    from motiongpt.cocreate import continue_dance, from_capture

    source, mapping = args.dance, common.mapping(args.map)
    if source.is_file() and is_motion_file(source, named=True):
        dance = from_capture(source, meter=args.meter, bpm=args.bpm, fps=args.fps, mapping=mapping)
    else:
        dance = _dance(source)
    out = _output(args, source.with_suffix("") if source.is_file() else source, "continue")
    result = continue_dance(dance, _developing(args, dance), args.bars, music=args.music, text=args.text,
                            seed=args.seed, temperature=args.temperature, steps_on=args.steps_on,
                            **common.following(args))
    result.save(out, video=not args.no_video)
    music = result.lineage.settings.get("music")
    where = f" on {args.music}" if args.music else f" on the next bars of {music}" if music else ""
    print(f"{out}: {common.counted(args.bars, 'bar')} added{where}, seed {args.seed}")
    common.note_unread(args.text)
    common.note_turns(result.score, args.text, result.lineage.bars)
    return 0


def run_blend(args: argparse.Namespace) -> int:
    from motiongpt.cocreate import blend

    a, b = _dance(args.first), _dance(args.second)
    out = _output(args, args.first, "blend")
    result = blend(a, b, _developing(args, a), args.bars, seed=args.seed, temperature=args.temperature)
    result.save(out, video=not args.no_video)
    print(f"{out}: {common.counted(args.bars, 'bar')} from {args.first} to {args.second}, seed {args.seed}")
    return 0


def run_translate(args: argparse.Namespace) -> int:
    from motiongpt.cocreate import translate

    dance = _dance(args.dance)
    out = _output(args, args.dance, "translate")
    loaded = _loaded(args, args.style)
    guided = {} if args.style_guidance is None else {"style_guidance": args.style_guidance}
    result = translate(dance, loaded, loaded.style, seed=args.seed, temperature=args.temperature, **guided)
    result.save(out, video=not args.no_video)
    kept = result.lineage.settings["support_beats_kept"]
    print(f"{out}: in style {result.lineage.style}, {kept:.0%} of its steps on the same beats")
    return 0


def run_history(args: argparse.Namespace) -> int:
    from motiongpt.cocreate import format_history

    if not args.replay:
        print(format_history(args.folder))
        return 0
    from motiongpt.cocreate.history import made_again

    cache, outcomes, damaged = {}, [], []

    def note(node) -> str:
        same, why = made_again(node, cache)
        outcomes.append(same)
        return why

    print(format_history(args.folder, note, damaged))
    outcomes += [False] * len(damaged)  # a dance that cannot be read cannot be made again (made_again's False)
    made = [o for o in outcomes if o is not None]
    print(f"{sum(made)} of {len(made)} dances made again the same ({len(outcomes) - len(made)} not made again)")
    return 0 if all(made) else 1
