"""``motiongpt generate``: a dance from words (and music), written as a score, a staff, a BVH and the prompt that
makes it again.

    motiongpt generate --text "a slow solo: steps forward, a half turn" --music corpus:joplin/maple_leaf_rag \\
                       --seed 3 -o my_dance/ --model runs/base/model

Everything is written into a temporary folder beside ``-o`` and moved into place at the end, so an error or
Ctrl-C leaves no half-written dance.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import tempfile
import warnings
from pathlib import Path

from laban.errors import LabanError

from motiongpt import version

from . import common

DEFAULT_BARS, DEFAULT_BPM = 16, 120.0


def add_parser(commands) -> None:
    gen = commands.add_parser("generate", help="write a dance from words and music with the model",
                              description="A dance sampled from the model: the score (score.laban, score.json), "
                                          "its staff (staff.svg), the dance (dance.bvh), a video (dance.mp4) and "
                                          "prompt.json, everything needed to make it again. The same settings "
                                          "and seed give the same dance.")
    gen.add_argument("--text", help="what the dance does, in words")
    gen.add_argument("--music", help="a MIDI/MusicXML/audio file, or corpus:COMPOSER/WORK from music21's corpus: "
                                     "the dance is written on its beats")
    gen.add_argument("--bpm", type=common.bpm, help=f"tempo without music (default {DEFAULT_BPM:g})")
    gen.add_argument("--meter", type=common.meter, help="beats per bar (default: the music's, else 4)")
    length = gen.add_mutually_exclusive_group()
    length.add_argument("--bars", type=common.number("a number of bars", low=1, low_inclusive=True, integer=True),
                        help=f"bars to write (default: the whole piece; without music {DEFAULT_BARS})")
    length.add_argument("--seconds", type=common.number("a length in seconds"), help="length in seconds")
    gen.add_argument("--no-controls", action="store_true",
                     help="do not follow the music's per-bar controls (energy, accents, phrases, repeats)")
    gen.add_argument("--style", help="a style the model knows, or a style adapter folder (motiongpt train --lora)")
    gen.add_argument("--seed", type=common.seed, default=0, help="picks one of the dances (default 0)")
    gen.add_argument("--temperature", type=common.number("a temperature", low=0, low_inclusive=True), default=1.0,
                     help="sampling temperature, 0 for the most likely dance (default 1)")
    gen.add_argument("--top-k", type=common.number("top-k", low=0, low_inclusive=True, integer=True), default=0,
                     help="sample from the k likeliest tokens (default 0: all)")
    gen.add_argument("--top-p", type=common.number("top-p", high=1.0), default=1.0,
                     help="sample from the likeliest tokens that make up this probability (default 1: all)")
    gen.add_argument("--model", type=Path, help="a model folder (default: the built-in model)")
    gen.add_argument("--skeleton", type=Path, help="a BVH whose skeleton performs the dance (default: the package's)")
    gen.add_argument("--no-video", action="store_true", help="do not render dance.mp4")
    gen.add_argument("-o", "--output", type=Path, required=True, help="the folder to write (made if missing)")
    gen.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    out = args.output
    if out.exists() and not out.is_dir():
        raise LabanError(f"{out}: a file, not a folder")
    if not out.parent.is_dir():
        raise LabanError(f"{out.parent}: no such folder")
    if args.model is not None and not args.model.is_dir():
        raise LabanError(f"{args.model}: no such folder")
    if args.skeleton is not None:
        common.existing_file(args.skeleton)
    if args.music is not None and args.bpm is not None:
        raise LabanError("give --music or --bpm, not both")

    from motiongpt.model import MotionGPT, builtin_model_path
    from motiongpt.model.generate import generate

    model = MotionGPT.from_pretrained(args.model if args.model is not None else builtin_model_path())
    style = args.style
    if style is not None and Path(style).is_dir():
        from motiongpt.train.lora import apply_adapter

        model, style = apply_adapter(model, style), None
    grid, music, features = _grid(args)
    bars = args.bars
    if args.seconds is not None:
        beats = float(grid.seconds_to_beats(args.seconds))
        bars = max(1, math.ceil((beats + (grid.downbeat or 0)) / grid.beats_per_bar))
    if bars is not None and bars > model.vocabulary.bar_count(grid):
        raise LabanError(f"the music has {model.vocabulary.bar_count(grid)} bars, fewer than the {bars} asked for")
    controls = None
    if features is not None and not args.no_controls:
        from motiongpt.conditioning.controls import controls_from_music
        from motiongpt.model.conditions import control_rows

        controls = control_rows(controls_from_music(features), grid, bars or model.vocabulary.bar_count(grid),
                                model.config.control_names)
    title = args.text or "a generated dance"
    score = generate(model, grid, text=args.text, style=style, controls=controls, bars=bars, seed=args.seed,
                     temperature=args.temperature, top_k=args.top_k, top_p=args.top_p, title=title)
    prompt = {"text": args.text, "music": args.music, "bpm": None if music else (args.bpm or DEFAULT_BPM),
              "meter": grid.beats_per_bar,
              "bars": len(model.vocabulary.bar_spans(model.vocabulary.encode(score))), "seconds": args.seconds,
              "controls": features is not None and not args.no_controls, "style": args.style, "seed": args.seed,
              "temperature": args.temperature, "top_k": args.top_k, "top_p": args.top_p,
              "model": str(args.model) if args.model else "builtin", "model_version": _model_version(model),
              "motiongpt": version()}
    _write(out, score, prompt, args)
    print(f"{out}: {len(score.symbols)} symbols in {prompt['bars']} bars"
          + (f" on the beats of {args.music}" if music else f" at {grid.tempo:.0f} bpm") + f", seed {args.seed}")
    return 0


def _grid(args):
    """The dance's beat grid through the one door (``laban.beat_grid``, inside ``music_features`` for music), the
    music's path and its features (None without music)."""
    from laban import beat_grid

    if args.music is not None:
        from motiongpt.conditioning.music import music_features, resolve_music

        music = resolve_music(args.music)
        if not music.is_file():
            raise LabanError(f"{music}: no such file")
        features = music_features(music, args.meter)
        return features.grid, music, features
    bpm, meter = args.bpm or DEFAULT_BPM, args.meter or 4
    if args.seconds is not None:
        seconds = args.seconds
    else:
        seconds = (args.bars or DEFAULT_BARS) * meter * 60.0 / bpm
    return beat_grid(bpm=bpm, seconds=seconds, meter=meter), None, None


def _model_version(model) -> str:
    """What identifies the weights: the SHA-256 of the model's safetensors file (its first 16 hex digits)."""
    import hashlib

    path = getattr(model, "name_or_path", "") or ""
    weights = Path(path) / "model.safetensors"
    if not weights.is_file():
        return "unknown"
    return hashlib.sha256(weights.read_bytes()).hexdigest()[:16]


def _write(out: Path, score, prompt: dict, args) -> None:
    """score.laban, score.json, staff.svg, dance.bvh (dance.mp4) and prompt.json, all or nothing."""
    from laban import decode, read_bvh, write_bvh
    from viz.pages import save_staff

    temporary = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        score.save(temporary / "score.laban")
        score.save(temporary / "score.json")
        save_staff(score, temporary / "staff.svg")
        skeleton = read_bvh(args.skeleton).skeleton if args.skeleton is not None else None
        motion = decode(score, skeleton, seed=args.seed)
        write_bvh(motion, temporary / "dance.bvh")
        if not args.no_video:
            try:
                from viz.render import render

                render(temporary / "dance.mp4", [motion], score=score, progress=False)
            except Exception as error:  # a video is a bonus: no renderer here must not lose the dance
                warnings.warn(f"no video ({' '.join(str(error).split())[:120]}); the rest is written")
                (temporary / "dance.mp4").unlink(missing_ok=True)
        (temporary / "prompt.json").write_text(json.dumps(prompt, indent=1, ensure_ascii=False) + "\n")
        out.mkdir(exist_ok=True)
        for path in temporary.iterdir():
            path.replace(out / path.name)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
