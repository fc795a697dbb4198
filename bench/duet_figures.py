"""The duet's figures on held-out salsa leads (the test split's: 60_07, 60_09, 60_12), made as ``motiongpt duet``
makes them: the lead's capture read at its real 60 fps and tokenized on its own pulse, the follower written by the
model and placed by ``checkpoints/duet/placement.json`` (training pairs only).

    PYTHONPATH=. python bench/duet_figures.py                     # all: whole, without controls, streamed, real
    PYTHONPATH=. python bench/duet_figures.py --only stream       # the stream alone (latency per bar)
    PYTHONPATH=. python bench/duet_figures.py --take 60_09        # one lead of the split
    PYTHONPATH=. python bench/duet_figures.py --lead some.bvh --fps 60 --only stream   # any capture
    PYTHONPATH=. python bench/duet_figures.py --split validation --take 60_01 --only stream --profile
    PYTHONPATH=. python bench/duet_figures.py --split validation --take 60_01 --only stream --loops 3 --at 10 60
    PYTHONPATH=. taskset -c 1 python bench/duet_figures.py --split validation --take 60_01 --only stream \
        --loops 14 --at 1 2 3 4 5 6 7 8 50 100 200      # a 9-minute dance (207 bars): does a bar's cost grow?

Per lead and way of making it: the share of frames whose partners' distance / relative facing / both lie inside
the training couples' 5th-95th percentile bands, the share of the lead's support symbols whose beat has a
follower support symbol ("steps met"), the least gap between the bodies' cores and the share of frames whose gap
is above the margin (lengths in lead heights), and for the stream the seconds per bar (start/step: writing,
decoding and placing one bar) on ONE thread, as processor time (what one free core would take) and wall time.
"stream-plan" is the streamed bars as planned a bar ahead, before the live reflex; "real" is the captured
follower against the same figures (its score tokenized on the lead's grid). Runs on whatever models
``builtin_model_path()`` and, for the stream, ``follower_model_path()`` hold (or ``--model DIR`` for every way), so
it measures a retrained model in one command. ``--profile`` adds where a
streamed bar's processor time goes (the model's step, the grammar, the limits, the draw, the decode, the
score's rebuild, ...), in ms a bar, each part's calls timed with the thread's clock. ``--loops N`` dances each lead
N times over, each time from where the last ended (a salsa take is 20-43 s: a long dance's bars), and ``--at``
prints what the stream's bars cost at those bars (``Duet.step`` whole and, inside it, reading where the lead
stands and its floor, ``Duet._seen``), each the median of the 5 bars around it, and ``Duet.prepare`` (the writer's
restart every 5th bar, done while the lead dances), the most of those 5: what grows with the dance.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WAYS = ("whole", "no-controls", "stream", "real")


def leads(split_name: str):
    """(name, lead path, follow path, fps) of the salsa takes of one split."""
    from motiongpt.data.cmu import cmu_trials
    from motiongpt.data.split import read_cmu_split

    split = read_cmu_split()
    trials = {t.name: t for t in cmu_trials()}
    for name in sorted(trials):
        t = trials[name]
        if t.subject == "60" and split[name]["split"] == split_name:
            yield name, t.path, trials[t.partner].path, t.fps


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="test", choices=("test", "validation"))
    parser.add_argument("--only", choices=WAYS, action="append", help="only these ways (repeatable)")
    parser.add_argument("--lead", type=Path, help="one capture instead of the split's leads")
    parser.add_argument("--fps", type=float, help="its real frame rate")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per lead (default 1)")
    parser.add_argument("--take", action="append", help="only this lead of the split, e.g. 60_09 (repeatable)")
    parser.add_argument("--profile", action="store_true", help="where a streamed bar's time goes, part by part")
    parser.add_argument("--loops", type=int, default=1, help="each lead danced N times over (a long dance)")
    parser.add_argument("--at", type=int, nargs="+", help="the streamed bars' cost at these bars (e.g. 10 60)")
    parser.add_argument("--model", type=Path, help="a model folder for every way (default: the built-in model, and "
                                                  "the follower model for the stream)")
    args = parser.parse_args(argv)

    import numpy as np
    import torch

    torch.set_num_threads(1)
    from laban import read_bvh, tokenize
    from motiongpt.cocreate import duet as duets
    from motiongpt.model import MotionGPT, builtin_model_path, follower_model_path

    # as ``motiongpt duet`` does: the built-in model writes a whole duet, the small follower model a streamed one
    ways = args.only or list(WAYS)
    folder = args.model or builtin_model_path()
    model = MotionGPT.from_pretrained(folder)
    streaming = model if args.model or "stream" not in ways else MotionGPT.from_pretrained(follower_model_path())
    parts = Parts() if args.profile else None
    at = Steps() if args.at else None
    placement = duets.Placement.load()
    takes = [(args.lead.stem, args.lead, None, args.fps)] if args.lead else list(leads(args.split))
    takes = [t for t in takes if not args.take or t[0] in args.take]
    print(f"model {folder} (streamed: {args.model or follower_model_path()}), style "
          f"{duets.follower_style(model)!r}; placement from {len(placement.takes)} training takes; bands: distance "
          f"{placement.distance[0]:.2f}-"
          f"{placement.distance[2]:.2f} heights, |relative facing| {placement.relative_facing[0]:.0f}-"
          f"{placement.relative_facing[2]:.0f} deg; margin {placement.margin:.3f} heights")
    header = f"{'lead':8} {'way':12} {'seed':>4} {'dist in':>8} {'face in':>8} {'both in':>8} {'steps met':>9} " \
             f"{'least gap':>9} {'gap ok':>7} {'s/bar cpu/wall':>14}"
    print(header)
    rows: dict[str, list] = {w: [] for w in ways}
    worst = ""
    for name, lead_path, follow_path, fps in takes:
        lead = looped(read_bvh(lead_path, frame_rate=fps), args.loops)
        score = tokenize(lead, title=name)
        for seed in range(args.seeds):
            for way in ways:
                seconds = None
                if way == "real":
                    if follow_path is None or seed:
                        continue
                    follow = read_bvh(follow_path, frame_rate=fps)
                    result = duets.DuetResult(score, tokenize(follow, score.grid), duets.resampled(lead, duets.FPS),
                                              duets.resampled(follow, duets.FPS))
                elif way == "stream":
                    with parts or contextlib.nullcontext(), at or contextlib.nullcontext():
                        result, seconds = duets.streamed(streaming, score, lead, seed=seed, placement=placement)
                    if at is not None:
                        at.report(name, args.at)
                else:
                    result = duets.duet(model, score, lead, seed=seed, placement=placement,
                                        controls=way == "whole")
                if way == "stream":  # the bars as planned a bar ahead, before the live reflex
                    f = duets.figures(result.lead.trajectories(), result.planned.trajectories(), placement)
                    f["same_beats"] = duets.same_beats(result.lead_score, result.follow_score)
                    rows.setdefault("stream-plan", []).append(f)
                    print(f"{name:8} {'stream-plan':12} {seed:>4} {f['distance_in_band']:8.3f} "
                          f"{f['facing_in_band']:8.3f} {f['both_in_band']:8.3f} {f['same_beats']:9.3f} "
                          f"{f['least_gap']:9.3f} {f['gap_above_margin']:7.3f}", flush=True)
                f = duets.figures(result.lead.trajectories(), result.follow.trajectories(), placement)
                f["same_beats"] = duets.same_beats(result.lead_score, result.follow_score)
                rows[way].append(f)
                latency = ""
                if seconds is not None:  # the steps (start, which warms up, left out)
                    f["seconds"] = [wall for wall, _ in seconds[1:]]
                    f["cpu"] = [cpu for _, cpu in seconds[1:]]
                    latency = f"{np.median(f['cpu']):.2f}/{np.median(f['seconds']):.2f}"
                print(f"{name:8} {way:12} {seed:>4} {f['distance_in_band']:8.3f} {f['facing_in_band']:8.3f} "
                      f"{f['both_in_band']:8.3f} {f['same_beats']:9.3f} {f['least_gap']:9.3f} "
                      f"{f['gap_above_margin']:7.3f} {latency:>14}", flush=True)
    print("\nall leads (frames pooled by mean of shares; least gap: the least):")
    print(header)
    for way, fs in rows.items():
        if not fs:
            continue
        mean = {k: float(np.mean([f[k] for f in fs])) for k in fs[0] if k not in ("seconds", "cpu")}
        seconds = [s for f in fs for s in f.get("seconds", [])]
        cpu = [s for f in fs for s in f.get("cpu", [])]
        latency = f"{np.median(cpu):.2f}/{np.median(seconds):.2f}" if seconds else ""
        if seconds:
            worst = f"; p90 {np.percentile(cpu, 90):.2f}/{np.percentile(seconds, 90):.2f}"
        print(f"{'all':8} {way:12} {'':>4} {mean['distance_in_band']:8.3f} {mean['facing_in_band']:8.3f} "
              f"{mean['both_in_band']:8.3f} {mean['same_beats']:9.3f} {min(f['least_gap'] for f in fs):9.3f} "
              f"{mean['gap_above_margin']:7.3f} {latency:>14}")
    if any(f.get("seconds") for fs in rows.values() for f in fs):
        print(f"s/bar: processor/wall seconds a streamed bar takes, median over bars{worst}")
    if parts is not None:
        parts.report(sum(len(f.get("cpu", [])) + 1 for f in rows.get("stream", [])))
    return 0


def looped(lead, loops: int):
    """``lead`` danced ``loops`` times over, each time from where the last ended on the floor (its root's position
    channels carried; the turn it ends facing is not)."""
    import numpy as np

    from laban.motion import Motion

    if loops <= 1:
        return lead
    root = lead.skeleton.translated.index(int(np.flatnonzero(np.asarray(lead.skeleton.parents) < 0)[0]))
    pieces, carried = [], np.zeros(3)
    for _ in range(loops):
        t = lead.translations.copy()
        t[:, root, [0, 2]] += carried[[0, 2]]
        pieces.append(t)
        carried = t[-1, root] - lead.translations[0, root]
    return Motion(lead.skeleton, np.concatenate([lead.rotations] * loops), np.concatenate(pieces), lead.fps)


class Steps:
    """Processor time (the thread's clock) of each ``Duet.step`` and, inside it, ``Duet._seen`` (where the lead
    stands, and its floor), and of each ``Duet.prepare`` before it, call by call while entered: what a bar costs
    early and late in a dance."""

    def __init__(self) -> None:
        self.calls = {"step": [], "_seen": [], "prepare": []}
        self.undo = []

    def __enter__(self):
        import time

        from motiongpt.cocreate import duet

        for name, spent in self.calls.items():
            original = getattr(duet.Duet, name)
            spent.clear()

            def timed(*args, _original=original, _spent=spent, **kwargs):
                began = time.thread_time()
                try:
                    return _original(*args, **kwargs)
                finally:
                    _spent.append(time.thread_time() - began)

            setattr(duet.Duet, name, timed)
            self.undo.append((name, original))
        return self

    def __exit__(self, *exc) -> None:
        from motiongpt.cocreate import duet

        for name, original in reversed(self.undo):
            setattr(duet.Duet, name, original)
        self.undo.clear()

    def report(self, lead: str, bars: list[int]) -> None:
        import numpy as np

        steps, seen = self.calls["step"], self.calls["_seen"][1:]  # (the first _seen is start's)
        prepare = self.calls["prepare"]  # (one before each step)
        for bar in bars:  # step k - 1 writes bar k (bar 0: start)
            around = slice(max(bar - 3, 0), bar + 2)
            if bar - 1 >= len(steps):
                print(f"{lead}: no bar {bar} (the stream has {len(steps) + 1})")
                continue
            print(f"{lead}: bar {bar}: Duet.step {1000 * np.median(steps[around]):.1f} ms of processor time "
                  f"(median of bars {around.start + 1}-{min(around.stop, len(steps))}), of which where the lead "
                  f"stands and its floor (Duet._seen) {1000 * np.median(seen[around]):.2f} ms; Duet.prepare "
                  f"before it (most) {1000 * np.max(prepare[around]):.1f} ms")


class Parts:
    """Processor time (the thread's clock) spent in each part of a streamed bar while entered, summed over
    entries; ``report(bars)`` prints ms a bar. Parts nest (a bar's whole, its sampling, and what is inside)."""

    def __init__(self) -> None:
        import collections

        import laban
        import laban.algebra
        import torch

        from motiongpt import grammar, plausibility, vocabulary
        from motiongpt.cocreate import duet, stream
        from motiongpt.model import sampling

        self.spent, self.calls = collections.Counter(), collections.Counter()
        self.targets = [(duet.Duet, "_write", "a bar, all (Duet._write)"),
                        (stream.BarStream, "bar", "  its sampling, all (BarStream.bar)"),
                        (sampling.FastStack, "step", "    the model's step"),
                        (grammar.ScoreGrammar, "allowed", "    the grammar's mask"),
                        (grammar.ScoreGrammar, "advance", "    the grammar's advance"),
                        (plausibility.FlightLimit, "__call__", "    the flight limit"),
                        (plausibility.TurnLimit, "__call__", "    the turn limit"),
                        (torch, "multinomial", "    the draw"),
                        (sampling.Inputs, "embed", "    the token's embedding"),
                        (sampling.Inputs, "embed_one", "    the token's embedding"),
                        (sampling.Inputs, "__init__", "    the conditions' embeddings (per bar)"),
                        (stream.BarStream, "_start", "    a restart (every 5th bar after the 8th)"),
                        (laban, "decode", "  the decode"),
                        (vocabulary.Vocabulary, "to_score", "  the score's rebuild (to_score)"),
                        (getattr(vocabulary, "ScoreReader", None), "add", "  the bar read (ScoreReader.add)"),
                        (getattr(vocabulary, "ScoreReader", None), "since", "  the recent bars (ScoreReader.since)"),
                        (plausibility, "mended", "  the mending (mended)"),
                        (laban.algebra, "cut", "  its cuts"),
                        (duet.Duet, "_placed", "  placing it"),
                        (duet.Duet, "_controls", "  the lead's controls")]
        self.targets = [t for t in self.targets if hasattr(t[0], t[1])]  # older code: what it has
        self.undo = []

    def __enter__(self):
        import time

        for owner, name, part in self.targets:
            original = getattr(owner, name)

            def timed(*args, _original=original, _part=part, **kwargs):
                began = time.thread_time()
                try:
                    return _original(*args, **kwargs)
                finally:
                    self.spent[_part] += time.thread_time() - began
                    self.calls[_part] += 1

            setattr(owner, name, timed)
            self.undo.append((owner, name, original))
        return self

    def __exit__(self, *exc) -> None:
        for owner, name, original in reversed(self.undo):
            setattr(owner, name, original)
        self.undo.clear()

    def report(self, bars: int) -> None:
        print(f"\nwhere a streamed bar's processor time goes ({bars} bars, start included; ms a bar, calls a bar):")
        for part in dict.fromkeys(part for _, _, part in self.targets):  # in order, once each
            if self.calls[part]:
                print(f"  {part:46} {self.spent[part] / bars * 1000:7.1f} ms {self.calls[part] / bars:6.1f}")


if __name__ == "__main__":
    sys.exit(main())
