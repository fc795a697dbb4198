"""How fast the built-in model makes a dance, on ONE CPU core (figure 6 of issue 11), and on the GPU when there is
one: model load; the whole 60-second job, text + music -> score -> decoded motion -> BVH file, stage by stage, with
the process's peak memory (ru_maxrss, torch's import included), at ``motiongpt generate``'s default guidance and
best-of (``motiongpt.cocreate.generate``) unless told otherwise; sampling tokens per second for one dance, one
dance with word guidance (its unguided run: more rows of the same batch) and a batch of 8 variations; dances per
second in a GPU batch ("no GPU" without CUDA).

    PYTHONPATH=. python bench/generate_speed.py [--seconds 60] [--bars 16] [--gpu-batch 64] [--guidance 3] [--model DIR]
                                                [--best-of 1] [--music-guidance 2] [--profile]

``--profile`` adds where a sampling step's time goes in the job: the stack, the guidance, each logits processor,
the draw and the loop's own bookkeeping, in CPU ms per step (the thread's time, timed around each call).

The process pins itself to one core (the first it may run on; or run it under ``taskset -c 0``) and holds torch's
and numpy's thread pools to one thread. Wall seconds on a shared machine depend on what else runs: CPU seconds
(user + system, this process) are printed beside them. The same script measures older code when PYTHONPATH points
at an older checkout: it uses only the public API (``MotionGPT.from_pretrained``, ``generate``, ``variations``).
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import argparse  # noqa: E402
import contextlib  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

START = time.perf_counter()
TEXT = "steps forward, a half turn, arms rising high"
MUSIC = "corpus:joplin/maple_leaf_rag"


class Clock:
    """Wall and CPU seconds since the last ``lap``."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        laps = wall - self.wall, cpu - self.cpu
        self.wall, self.cpu = wall, cpu
        return laps


class Profile:
    """Thread CPU time spent in each part of the sampling loop while it is entered, printed per step on exit: each
    part's ``__call__`` is wrapped (the stack's step, the guidance, every logits processor the loop runs, the
    draw); what the loop spends outside them is its bookkeeping."""

    def __enter__(self):
        import transformers

        from motiongpt import grammar, plausibility
        from motiongpt.model import guidance, sampling

        self.spent, self.calls, self.undo = {}, {}, []
        parts = [(sampling.FastStep, "__call__", "stack"), (sampling.ModelStep, "__call__", "stack"),
                 (guidance.Guidance, "__call__", "guidance"), (sampling.Draws, "next", "draw"),
                 (sampling, "draw", "draw"), (sampling, "sample", "sampling loop, all")]
        limits = ("FlightLimit", "TurnLimit", "SupportsContinued")
        parts += [(c, "__call__", c.__name__) for c in (grammar.ScoreGrammarProcessor, *(
            getattr(plausibility, n) for n in limits if hasattr(plausibility, n)),
            transformers.TemperatureLogitsWarper, transformers.TopKLogitsWarper, transformers.TopPLogitsWarper)]
        for module, names in (("steering", ("TurnAsked", "JumpAsked", "StepsAsked")),
                              ("rhythm", ("StepsOnTheBeat",)), ("repeats", ("RepeatedBars",)),
                              ("strides", ("Strides",))):  # where this checkout has them
            try:
                found = __import__(f"motiongpt.model.{module}", fromlist=list(names))
            except ImportError:
                continue
            parts += [(getattr(found, n), "__call__", n) for n in names if hasattr(found, n)]
        for owner, name, part in parts:
            self._wrap(owner, name, part)
        from motiongpt.model import generate

        self._wrap(generate, "sample", "sampling loop, all")  # imported by name there
        return self

    def _wrap(self, owner, name: str, part: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent[part] = self.spent.get(part, 0.0) + time.thread_time() - start
                self.calls[part] = self.calls.get(part, 0) + 1

        setattr(owner, name, timed)
        self.undo.append((owner, name, original))

    def __exit__(self, *exc) -> None:
        for owner, name, original in reversed(self.undo):
            setattr(owner, name, original)
        steps = self.calls.get("stack", 0)
        if not steps:
            return
        loop = self.spent.pop("sampling loop, all")
        print(f"  where a sampling step's time goes ({steps} steps, {1e3 * loop / steps:.2f} ms cpu a step):")
        for part, seconds in sorted(self.spent.items(), key=lambda item: -item[1]):
            print(f"    {part}: {1e3 * seconds / steps:.3f} ms")
        print(f"    the loop's bookkeeping: {1e3 * (loop - sum(self.spent.values())) / steps:.3f} ms")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the whole job's dance")
    parser.add_argument("--bars", type=int, default=16, help="bars of the tokens-per-second dances (120 bpm, 4/4)")
    parser.add_argument("--gpu-batch", type=int, default=64)
    parser.add_argument("--skip-job", action="store_true")
    parser.add_argument("--guidance", type=float, default=None, help="the job's word guidance (default: the CLI's)")
    parser.add_argument("--best-of", type=int, default=None, help="the job's best-of (default: the CLI's)")
    parser.add_argument("--music-guidance", type=float, default=None,
                        help="the job's guidance on the music's controls (default: the CLI's)")
    parser.add_argument("--profile", action="store_true", help="time each part of the job's sampling steps")
    parser.add_argument("--model", default=None, help="a model folder (default: the built-in model)")
    args = parser.parse_args()

    clock = Clock()
    import torch

    torch.set_num_threads(1)
    import laban
    from motiongpt.model import MotionGPT, builtin_model_path
    from motiongpt.model.generate import generate, variations

    wall, cpu = clock.lap()
    print(f"one core: cpu {sorted(os.sched_getaffinity(0))}, torch threads {torch.get_num_threads()}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"imports (torch, transformers, laban, motiongpt): {wall:.2f} s wall, {cpu:.2f} s cpu")
    model = MotionGPT.from_pretrained(args.model or builtin_model_path())
    wall, cpu = clock.lap()
    print(f"model load: {wall:.2f} s wall, {cpu:.2f} s cpu")

    if not args.skip_job:
        with Profile() if args.profile else contextlib.nullcontext():
            job(model, args.seconds, clock, args.guidance, args.best_of, args.music_guidance)
    tokens_per_second(model, args.bars, generate, variations)
    gpu(model, args.gpu_batch, variations)


def job(model, seconds: float, clock: Clock, guidance: float | None, best_of: int | None,
        music: float | None) -> None:
    """The 60-second dance as ``motiongpt generate --text ... --music ... --seconds 60 --no-video`` makes it."""
    from laban import decode, write_bvh
    from motiongpt.conditioning.controls import controls_from_music
    from motiongpt.conditioning.music import music_features
    from motiongpt.model.conditions import control_rows
    from motiongpt.model.generate import generate
    from motiongpt.text import encode_text

    try:  # the CLI's defaults (older checkouts have none: plain sampling)
        from motiongpt.cocreate.generate import BEST_OF_BARS, WORDS_BEST_OF, WORDS_GUIDANCE
    except ImportError:
        BEST_OF_BARS, WORDS_BEST_OF, WORDS_GUIDANCE = 0, 1, 1.0
    try:
        from motiongpt.cocreate.generate import MUSIC_GUIDANCE
    except ImportError:
        MUSIC_GUIDANCE = 1.0
    try:
        from motiongpt.cocreate.generate import TOP_P
    except ImportError:
        TOP_P = 1.0

    laps = {}
    text = encode_text([TEXT])[0]
    laps["text (encoder load + encode)"] = clock.lap()
    features = music_features(MUSIC)
    grid = features.grid
    bars = max(1, math.ceil((float(grid.seconds_to_beats(seconds)) + (grid.downbeat or 0)) / grid.beats_per_bar))
    music_controls = controls_from_music(features)
    controls = control_rows(music_controls, grid, bars, model.config.control_names)
    copies = {}
    try:  # the bars where the music repeats, copied (older checkouts: none)
        from motiongpt.model.conditions import repeat_rows

        copies = {"repeats": repeat_rows(music_controls, grid, bars)}
    except ImportError:
        pass
    try:  # the steps pushed onto the beat, as motiongpt generate does on music (older checkouts: anywhere)
        from motiongpt.cocreate.generate import MUSIC_STEPS_ON, STEPS_ON

        copies["steps_on"] = STEPS_ON[MUSIC_STEPS_ON]
    except ImportError:
        pass
    laps["music (parse, beat grid, controls)"] = clock.lap()
    guidance = WORDS_GUIDANCE if guidance is None else guidance
    music = MUSIC_GUIDANCE if music is None else music
    best_of = (WORDS_BEST_OF if bars <= BEST_OF_BARS else 1) if best_of is None else best_of
    scales = guidance if music == 1 else {"words": guidance, "music": music}  # a float for older checkouts
    score = generate(model, grid, text=TEXT, controls=controls, bars=bars, seed=0, guidance=scales,
                     best_of=best_of, top_p=TOP_P, **copies)
    tokens = len(model.vocabulary.encode(score))
    sampling = laps[f"sampling ({bars} bars, {tokens} tokens)"] = clock.lap()
    motion = decode(score, seed=0)
    with tempfile.TemporaryDirectory() as folder:
        write_bvh(motion, Path(folder) / "dance.bvh")
    laps[f"decode + BVH write ({motion.duration:.0f} s of motion)"] = clock.lap()
    print(f"the {seconds:.0f}-second job ({MUSIC}, {grid.beats_per_bar}/4 at {grid.tempo:.0f} bpm, text {TEXT!r}, "
          f"guidance {guidance:g}, music guidance {music:g}, best of {best_of}, top-p {TOP_P:g}):")
    for name, (wall, cpu) in laps.items():
        print(f"  {name}: {wall:.2f} s wall, {cpu:.2f} s cpu")
    wall = sum(w for w, _ in laps.values())
    cpu = sum(c for _, c in laps.values())
    print(f"  job after model load: {wall:.2f} s wall, {cpu:.2f} s cpu; sampling {tokens / sampling[0]:.0f} tokens/s "
          f"wall, {tokens / sampling[1]:.0f} per cpu second")
    print(f"  process so far: {time.perf_counter() - START:.2f} s wall; peak memory {peak_mb():.0f} MB (ru_maxrss)")


def tokens_per_second(model, bars: int, generate, variations) -> None:
    import laban

    grid = laban.BeatGrid.uniform(120, bars * 2, 4)
    generate(model, laban.BeatGrid.uniform(120, 2, 4), seed=0)  # warm up
    for count, words in ((1, {}), (1, {"text": TEXT, "guidance": 3.0}), (8, {})):
        clock = Clock()
        scores = variations(model, grid, count, seed=1, top_k=20, **words)
        wall, cpu = clock.lap()
        tokens = sum(len(model.vocabulary.encode(s)) for s in scores)
        what = f"batch {count}" + (", words at guidance 3" if words else "")
        print(f"sampling, {what}, {bars} bars at 120 bpm: {tokens} tokens in {wall:.2f} s wall ({cpu:.2f} s cpu):"
              f" {tokens / wall:.0f} tokens/s wall, {tokens / cpu:.0f} per cpu second")


def gpu(model, batch: int, variations) -> None:
    import torch

    import laban

    if not torch.cuda.is_available():
        print("GPU: no GPU")
        return
    model = model.cuda()
    grid = laban.BeatGrid.uniform(120, 16, 4)  # 8 bars
    variations(model, grid, 2, seed=0)  # warm up
    torch.cuda.synchronize()
    start = time.perf_counter()
    scores = variations(model, grid, batch, seed=0, top_k=20)
    torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    tokens = sum(len(model.vocabulary.encode(s)) for s in scores)
    print(f"GPU ({torch.cuda.get_device_name()}), a batch of {batch} 8-bar dances: {seconds:.2f} s, "
          f"{batch / seconds:.1f} dances/s, {tokens / seconds:.0f} tokens/s")


if __name__ == "__main__":
    main()
