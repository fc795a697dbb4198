"""``motiongpt decode``: a score performed as motion (BVH or joint positions), with its beats beside it.

The motion's beat grid is the score's, written as ``dance.beats`` beside ``dance.bvh`` (the beats-file format
``laban.timing.read_beats`` reads: seconds, then the beat's number in its bar, 1 on downbeats). ``motiongpt render
dance.bvh`` and ``motiongpt evaluate`` read it, so a decoded dance keeps the score's bars instead of having its
tempo guessed again from the motion.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from laban.errors import LabanError

from . import common


def add_decode_parser(commands) -> None:
    dec = commands.add_parser("decode", help="perform a score: motion as BVH (or joint positions as .npz)",
                              description="A score performed by a dancer: feet planted, gravity in jumps, constant "
                                          "bone lengths; the seed varies what the notation leaves free. The score's "
                                          "beats are written beside the motion (dance.bvh -> dance.beats), where "
                                          "render and evaluate find them.")
    dec.add_argument("score", type=Path, help="score file: .json, .laban/.txt or .labaneditor.json")
    dec.add_argument("-o", "--output", type=Path, required=True, help="dance.bvh or joints.npz")
    dec.add_argument("--seed", type=common.seed, default=0,
                     help="one of the many executions of the score: a whole number from 0 (default 0)")
    dec.add_argument("--fps", type=common.fps, default=30.0, help="frames per second (default 30)")
    dec.add_argument("--execution", choices=("rules", "learned"), default="rules",
                     help="how what the notation leaves free is chosen: hand-set ranges (rules, the default) or "
                          "drawn from real dancers (learned: docs/execution.md)")
    dec.add_argument("--skeleton", type=Path,
                     help="a BVH file whose skeleton performs (default: the built-in one; its hierarchy is enough, "
                          "frames or none); the dance is written in that file's own units and proportions, so it "
                          "drops onto the rig it came from (.npz joint positions are in metres)")
    common.add_map(dec)
    dec.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    suffix = args.output.suffix.lower()
    if suffix not in (".bvh", ".npz"):
        raise LabanError(f"{args.output}: use .bvh (rotations) or .npz (joint positions)")
    common.existing_file(args.score)
    mapping = common.rig_mapping(args)
    skeleton = common.rig(args.skeleton, mapping) if args.skeleton is not None else None
    common.writable(args.output)
    from laban import Score, decode, write_bvh, write_joint_arrays
    from laban.decoder import DecodeError
    from laban.errors import naming
    from laban.timing import beats_path, write_beats

    score = Score.load(args.score)
    try:
        motion = decode(score, skeleton, fps=args.fps, seed=args.seed, execution=args.execution)
    except DecodeError as error:  # what the score asks that cannot be performed ("empty", "lasts 60.6 h"): named
        raise naming(args.score, error) from None
    if suffix == ".bvh":
        write_bvh(motion, args.output)
    else:
        write_joint_arrays(motion.trajectories(), args.output)
    beats = beats_path(args.output)
    try:
        write_beats(score.grid, beats, title=score.title or args.score.stem)
    except BaseException:  # Ctrl-C or a full disk between the two files: neither is left
        args.output.unlink(missing_ok=True)
        raise
    print(f"{args.output}: {motion.frame_count} frames at {motion.fps:g} fps ({motion.duration:.1f} s), "
          f"{motion.skeleton.joint_count} joints, seed {args.seed}; its beats in {beats}")
    return 0
