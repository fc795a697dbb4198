"""``motiongpt duet``: the follower's part for a lead's capture or score, both written and rendered together.

    motiongpt duet lead.bvh --fps 60 -o our_duet/          # a capture (tokenized on its own pulse)
    motiongpt duet my_dance/ -o our_duet/ --stream          # a generated dance's score, bar by bar as live

Writes lead.laban, follow.laban (each dancer's score on the lead's grid), lead.bvh, follow.bvh (one floor, one
clock), duet.png (a contact sheet of both, a pose a beat), duet.mp4 (unless --no-video) and duet.json (what made
it: the lead by path and score digest, the model, settings and seed, so that ``motiongpt history --replay`` makes
the follower again; and the duet's figures). Everything is written into a temporary folder beside ``-o`` and moved
into place at the end, so an error leaves no half-written duet. A whole duet is written by the built-in model, a
streamed one by the small follower model (``checkpoints/follower``: about 0.1 s a bar on one core); ``--model`` for
another.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

from motiongpt import version

from . import common


def add_parser(commands) -> None:
    p = commands.add_parser("duet", help="dance the follower's part for a lead (salsa)",
                            description="The follower's part for a lead's capture (BVH; joint positions from a "
                                        "Kinect CSV or an .npz, danced from their score), a score, or a dance "
                                        "folder (score.laban, with dance.bvh if there): its score written by the model "
                                        "in the style 'salsa follow' on the lead's beats and per-bar controls, "
                                        "placed beside the lead as the training split's salsa couples stand. "
                                        "--stream makes it bar by bar, each bar knowing only the lead's bars "
                                        "before it, as it would live.")
    p.add_argument("lead", type=Path, help="the lead: a capture (.bvh; a Kinect .csv or an .npz of joint positions, "
                                           "danced from its score), a score (.laban, .json) or a dance folder "
                                           "with score.laban")
    p.add_argument("--fps", type=common.fps, help="the capture's real frame rate, when its header is wrong "
                                                  "(the CMU salsa takes: 60)")
    p.add_argument("--bpm", type=common.bpm, help="the capture's tempo (default: its own pulse)")
    common.add_map(p)
    p.add_argument("--stream", action="store_true", help="bar by bar, as live: each follower bar from the lead's "
                                                         "bars before it")
    p.add_argument("--no-controls", action="store_true", help="do not give the model the lead's per-bar controls")
    p.add_argument("--seed", type=common.seed, default=0, help="picks one of the followers (default 0)")
    p.add_argument("--temperature", type=common.number("a temperature", low=0, low_inclusive=True), default=1.0,
                   help="sampling temperature (default 1)")
    p.add_argument("--top-p", type=common.number("top-p", high=1.0), default=1.0,
                   help="sample from the likeliest tokens that make up this probability (default 1: all)")
    p.add_argument("--model", type=Path, help="a model folder (default: the built-in model; with --stream, the "
                                              "small follower model: about 0.1 s a bar)")
    p.add_argument("--no-video", action="store_true", help="do not render duet.mp4")
    p.add_argument("-o", "--output", type=Path, required=True,
                     help="the folder to write (made if missing, in a folder that exists)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from motiongpt.cocreate.dance import replaceable

    out = replaceable(args.output, _lead_folder(args))
    common.model_folder(args.model)
    from motiongpt.cocreate import duet as duets

    mapping = common.mapping(args.map)
    lead_score, lead, source = duets.read_lead(args.lead, fps=args.fps, bpm=args.bpm, seed=args.seed, mapping=mapping)

    from motiongpt.cocreate.dance import score_digest
    from motiongpt.data.paths import recorded_path
    from motiongpt.cocreate.models import weights_version
    from motiongpt.model import MotionGPT, builtin_model_path, follower_model_path
    from motiongpt.plausibility import MENDED

    shipped = "follower" if args.stream else "builtin"
    path = args.model if args.model is not None else (follower_model_path if args.stream else builtin_model_path)()
    model = MotionGPT.from_pretrained(path)
    placement = duets.Placement.load()
    if args.stream:
        with duets.one_thread():  # one row a step: a thread pool only adds hand-offs
            result, seconds = duets.streamed(model, lead_score, lead, seed=args.seed, temperature=args.temperature,
                                             top_p=args.top_p, placement=placement)
    else:
        result = duets.duet(model, lead_score, lead, seed=args.seed, temperature=args.temperature, top_p=args.top_p,
                            placement=placement, controls=not args.no_controls)
        seconds = None
    shown = duets.figures(result.lead.trajectories(), result.follow.trajectories(), placement)
    shown["same_beats"] = duets.same_beats(result.lead_score, result.follow_score)
    # the time a streamed bar took is printed, not written: the same seed gives the same files, to the byte
    latency = sorted(wall for wall, _ in seconds)[len(seconds) // 2] if seconds else None
    # the lead named as history names a parent (by its whole path, and by its score's digest where it moved), the
    # model folder as a whole path: ``motiongpt history --replay`` makes the follower again from anywhere
    made = {"lead": str(args.lead), "lead_path": recorded_path(args.lead), "lead_score": score_digest(lead_score),
            "lead_from": source, "fps": args.fps, "bpm": args.bpm, **({"map": mapping} if mapping else {}),
            "stream": args.stream,
            "controls": not args.no_controls, "style": duets.follower_style(model), "seed": args.seed,
            "temperature": args.temperature, "top_p": args.top_p,
            "model": recorded_path(args.model) if args.model else shipped, "model_version": weights_version(model),
            "placement": placement.made_by, "motiongpt": version(), "mended": MENDED,
            # a lead that takes no steps has none to meet: null, not NaN (which is not JSON)
            "figures": {k: None if v != v else round(v, 4) for k, v in shown.items()}}
    _write(out, result, made, args)
    print(f"{out}: the follower's {len(result.follow_score.symbols)} symbols for the lead's "
          f"{len(result.lead_score.symbols)}; distance and facing in the couples' band "
          f"{shown['both_in_band']:.0%} of frames, " + (f"the lead's steps met {shown['same_beats']:.0%}"
          if shown['same_beats'] == shown['same_beats'] else "the lead takes no steps") + ", bodies apart "
          f"{shown['gap_above_margin']:.0%} of frames" + (f", {latency:.2f} s a bar" if seconds
                                                           else ""))
    return 0


def _write(out: Path, result, made: dict, args) -> None:
    """Scores, BVHs, the contact sheet, the video and duet.json, all or nothing."""
    from laban import write_bvh
    from laban.timing import write_beats

    from motiongpt.cocreate.dance import atomic_folder

    with atomic_folder(out, _lead_folder(args)) as temporary:  # replaced whole, or not at all
        result.lead_score.save(temporary / "lead.laban")
        result.follow_score.save(temporary / "follow.laban")
        write_bvh(result.lead, temporary / "lead.bvh")
        write_bvh(result.follow, temporary / "follow.bvh")
        for name in ("lead", "follow"):  # both on the lead's beats (the duet's one grid)
            write_beats(result.lead_score.grid, temporary / f"{name}.beats", title=f"the {name}")
        try:
            from viz.render import render

            render(temporary / "duet.png", [result.lead, result.follow], score=result.lead_score, progress=False)
            if not args.no_video:
                render(temporary / "duet.mp4", [result.lead, result.follow], progress=False)
        except Exception as error:  # pictures are a bonus: no renderer here must not lose the duet
            warnings.warn(f"no pictures ({' '.join(str(error).split())[:120]}); the rest is written")
            for name in ("duet.png", "duet.mp4"):
                (temporary / name).unlink(missing_ok=True)
        (temporary / "duet.json").write_text(json.dumps(made, indent=1, ensure_ascii=False) + "\n")


def _lead_folder(args: argparse.Namespace) -> list[Path]:
    """The lead's dance folder, which the duet is not written over (none for a capture)."""
    return [args.lead] if args.lead.is_dir() else []
