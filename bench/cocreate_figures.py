"""The co-creation figures of issue 12, on the built-in model (or ``--model``), in one command:

    PYTHONPATH=. python bench/cocreate_figures.py [--model DIR] [--seeds 3] [--bars 8] [--json out.json]

- variations: pairwise diversity of 8 variations (kinetic and geometric features, as ``evaluate`` computes
  them, z-scored with the real data's statistics) against the real data's own diversity (windows of the CMU
  training split's dance takes, the same length); all valid (encode under the grammar);
  ``--only variations``: the same for the three texts at seeds 1-3, the variations chosen spread out (the
  default, ``motiongpt.cocreate.spread``) and each the best of its own draws (``spread=0``, before), with words
  kept, the quality components' means (``motiongpt.cocreate.quality``: text fit, round trip, skating) and the CPU
  seconds of each ``generate``;
- vary: mean distance to the chosen dance in the text ↔ score evaluator's score space, per strength;
- regenerate: untouched bars sound the same (``bar_content``), motion outside the edited bars ± 1 beat (before: as it was; after:
  after the best rigid move on the floor), peak joint speed and acceleration in the joins (± 1 beat around
  each edge) against the capture data's 99th percentile (``--only locality`` also ranks them among the same
  peaks of the captures' own windows, ``join_ranks``);
- continue: the same join figures at the join;
- blend: Spearman ρ of the bar-by-bar position from A to B (``motiongpt.cocreate.blend.positions``), over all
  the blend's bars and over its bridge; ``--only blend``: the same over ``--dances`` pairs (the main recipe's
  dances, seeds 0 up; ``--split validation``: words from validation takes), with the median and how many pairs
  reach 0.9;
- translate: share of support symbols kept on their beats; and on held-out dances (the first 8 bars of the CMU
  test split's takes: never trained or tuned on), the support share and P(salsa) of a style classifier
  (``bench/lora_style.py``) before and after translating into or out of salsa (``--only translate``);
- continue: whether the continuation keeps the style of what it continues (the same classifier, ``--only
  continue``);
- ``--only variations --split validation``: the same on words from validation takes (``validation_prompts``,
  seeds 0-1), where the variations' settings are chosen (``--varied-top-p``, ``--spread``), with the pooled FID of
  all the variations against the real windows;
- ``--only locality``: the motion outside the edit over many dances, ``--dances`` of them (five prompts, seeds 0 up):
  ``regenerate`` bars 3-4 of 8 (before the edit, and after it once both feet have stepped again, after the best
  rigid move on the floor; the joins against the capture's 99th percentile), ``continue`` by 4 bars (before the
  join), and ``vary`` at strength 0.25 (after the varied run, three variations of each of the first four);
  ``--edits continue`` (say) measures only those.

The functions here are the measurements; tests/test_cocreate*.py import them (as test_locality imports
bench/decoder_locality).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

from decoder_locality import floor_aligned, front_settled, stepped_again  # noqa: E402
from laban.score import Sign  # noqa: E402

JOIN_BEATS = 1.0  # a join is this many beats either side of an edge of new material
LOCAL_EDITS = ("regenerate", "continue", "vary")  # what --only locality measures (--edits)
LANDMARK_FPS = 60.0


# --- measurements -------------------------------------------------------------------------------------------

def positions(motion) -> tuple[np.ndarray, float]:
    """Joint positions (T, J, 3) in metres and the frame rate."""
    traj = motion.trajectories() if hasattr(motion, "trajectories") else motion
    return np.asarray(traj.positions, dtype=np.float64), float(traj.fps)


def motion_outside(parent, child, grid, first_beat: float, stop_beat: float, margin: float = JOIN_BEATS) -> dict:
    """How much the motion changed outside beats [first_beat - margin, stop_beat + margin]: ``before`` the
    largest joint distance before, ``after`` after the best rigid move on the floor (rotation about the vertical,
    horizontal shift), ``after_raw`` without it. Metres."""
    a, fps = positions(parent)
    b, _ = positions(child)
    t = np.arange(min(len(a), len(b))) / fps
    start, stop = grid.beats_to_seconds(np.array([max(first_beat - margin, 0.0), stop_beat + margin]))
    before, after = t < start, t > stop
    result = {"before": float(np.linalg.norm(a[:len(t)][before] - b[:len(t)][before], axis=-1).max(initial=0.0)),
              "after": 0.0, "after_raw": 0.0, "frames_before": int(before.sum()), "frames_after": 0}
    if after.any():
        i = int(after.argmax())
        # the child may be longer or shorter after an edit that changes its length (continue); compare by time
        # from the end of the edit in the parent and in the child
        pa, pb = a[i:], b[max(i + len(b) - len(a), 0):]
        n = min(len(pa), len(pb))
        if n:
            pa, pb = pa[:n], pb[:n]
            result.update(after=float(np.linalg.norm(pa - floor_aligned(pb, pa), axis=-1).max()),
                          after_raw=float(np.linalg.norm(pa - pb, axis=-1).max()), frames_after=n)
    return result


def changed_span(parent, child) -> tuple[float, float]:
    """The beats from the first start to the last end of the symbols that differ between two scores: where an
    edit begins and ends on the staff (a symbol tied into the edited bars from before them is part of the edit
    when its length there changed)."""
    changed = set(parent.symbols) ^ set(child.symbols)
    if not changed:
        return 0.0, 0.0
    return min(s.start for s in changed), max(s.end for s in changed)


def settled(parent, child, beat: float) -> float:
    """The beat after which the rest of ``child`` may only be ``parent``'s carried rigidly, as the decoder
    promises: once the body has settled onto the notated front after the last turn that differs
    (``decoder_locality.front_settled``) and each foot has stepped again after that and ``beat``
    (``decoder_locality.stepped_again``), in either score."""
    turns = [s for s in set(parent.symbols) ^ set(child.symbols) if s.sign is Sign.TURN]
    beat = max([beat] + [front_settled(parent, s.end) for s in turns])
    return max(stepped_again(parent, beat), stepped_again(child, beat))


def speeds(motion) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Landmark speed (T-1, L) m/s and acceleration (T-2, L) m/s² at the protocol's 60 fps, and frame times."""
    from motiongpt import metrics
    from motiongpt.evaluate.protocol import trajectories

    world = metrics.landmark_trajectories(trajectories(motion), LANDMARK_FPS, None, zero_root=False)
    p = np.asarray(world.positions, dtype=np.float64)
    velocity = np.diff(p, axis=0) * LANDMARK_FPS
    speed = np.linalg.norm(velocity, axis=-1)
    accel = np.linalg.norm(np.diff(velocity, axis=0), axis=-1) * LANDMARK_FPS
    return speed, accel, np.arange(len(p)) / LANDMARK_FPS


def join_peaks(motion, grid, edges: list[float], margin: float = JOIN_BEATS) -> dict:
    """The largest landmark speed and acceleration within ``margin`` beats of each edge (beats) of new material."""
    speed, accel, t = speeds(motion)
    peak_speed = peak_accel = 0.0
    for edge in edges:
        lo, hi = grid.beats_to_seconds(np.array([max(edge - margin, 0.0), edge + margin]))
        window = (t >= lo) & (t <= hi)
        if window[1:].any():
            peak_speed = max(peak_speed, float(speed[window[1:]].max()))
        if window[2:].any():
            peak_accel = max(peak_accel, float(accel[window[2:]].max()))
    return {"speed": peak_speed, "accel": peak_accel}


def dance_takes(count: int = 24, seconds: float = 30.0) -> list:
    """The first ``seconds`` of the first ``count`` dance takes of the CMU training split: the real dancing the
    join check is scaled by (``capture_percentiles``) and tried on (``capture_joins``)."""
    import csv

    from laban import read_motion
    from motiongpt.data import cmu_trials, first_seconds

    split = {r["trial"]: r for r in csv.DictReader(open(REPO / "datasets" / "cmu_split.csv"))}
    trials = [t for t in cmu_trials() if split.get(t.name, {}).get("split") == "train"
              and split[t.name]["category"] == "dance"][:count]
    return [first_seconds(read_motion(trial.path), seconds) for trial in trials]


def capture_percentiles(count: int = 24, q: float = 99.0, seconds: float = 30.0) -> dict:
    """The ``q``-th percentile of landmark speed and acceleration over the frames and landmarks of ``count``
    dance takes of the CMU training split (their first ``seconds``)."""
    motions = dance_takes(count, seconds)
    all_speed, all_accel = [], []
    for motion in motions:
        speed, accel, _ = speeds(motion)
        all_speed.append(speed.ravel())
        all_accel.append(accel.ravel())
    return {"speed": float(np.percentile(np.concatenate(all_speed), q)),
            "accel": float(np.percentile(np.concatenate(all_accel), q)), "takes": len(motions), "q": q}


def capture_joins(capture: dict, count: int = 24, seconds: float = 30.0) -> dict:
    """The same join check on the captures themselves: in the ``count`` dance takes of ``capture_percentiles``,
    every pair of edges eight beats apart (an edit of two bars, every second beat from the first), on the take's
    own pulse. How many such windows peak over the captures' own 99th percentile: the check's rate on real
    dancing, which a maximum over a window of every landmark meets far more often than 1 %. ``peaks``: each
    window's peak speed and acceleration, the distribution a join's peaks are ranked in (``join_ranks``);
    ``single``: the same within a beat of one edge (for continue's one join)."""
    import laban

    over = total = 0
    peaks, single = [], []
    for motion in dance_takes(count, seconds):
        grid = laban.beat_grid(motion=motion)
        last = float(grid.seconds_to_beats(motion.duration)) - 1.5
        for a in np.arange(1.0, last - 8.0, 2.0):
            window = join_peaks(motion, grid, [a, a + 8.0])
            over += window["speed"] > capture["speed"] or window["accel"] > capture["accel"]
            total += 1
            peaks.append((window["speed"], window["accel"]))
            one = join_peaks(motion, grid, [a])
            single.append((one["speed"], one["accel"]))
    return {"over": int(over), "windows": total, "peaks": peaks, "single": single}


def join_ranks(joins: list[dict], windows: list[tuple[float, float]]) -> dict:
    """Joins against real dancing like for like: each join's peak speed and acceleration (the largest over every
    landmark within a beat of the edges) ranked among the same peaks of the captures' own windows
    (``capture_joins``), as the share of those windows that peak lower. A frame's 99th percentile is no bar for a
    peak over 60-odd frames of 21 landmarks (real windows pass it 88 % of the time), and the top of the windows' own
    peaks is no bar either: a tenth of them hold a marker glitch (19-20 m/s, over 1,000 m/s²). A join as smooth as
    real dancing ranks anywhere from 0 to 1, half of them under 0.5."""
    real = np.asarray(windows, dtype=np.float64)
    ranks = np.asarray([[float((real[:, k] < join[key]).mean()) for k, key in enumerate(("speed", "accel"))]
                        for join in joins]).reshape(-1, 2)
    return {"speed_ranks": [round(float(r), 3) for r in ranks[:, 0]],
            "accel_ranks": [round(float(r), 3) for r in ranks[:, 1]],
            "median_rank": round(float(np.median(ranks)), 3) if len(ranks) else None,
            "windows_median_peak": [round(float(v), 1) for v in np.median(real, axis=0)],
            "joins": len(joins), "windows": len(real)}


def score_distance(a, b, evaluator=None) -> float:
    """Euclidean distance of two scores in the text ↔ score evaluator's score space (unit vectors: 0..2)."""
    from motiongpt.metrics.text_score import shipped

    vectors = (evaluator or shipped()).embed_scores([a, b])
    return float(np.linalg.norm(vectors[0] - vectors[1]))


def edges_of(grid, first_bar: int, last_bar: int) -> tuple[float, float]:
    """The first beat of staff bar ``first_bar`` and the first beat after ``last_bar``."""
    from laban.algebra import bar_start

    return float(bar_start(grid, first_bar)), float(bar_start(grid, last_bar + 1))


def bar_content(score, bar: int) -> set:
    """What sounds in staff bar ``bar``: each symbol overlapping it, clipped to it (a symbol tied in from the bar
    before, which an edit there may now start at the bar line, sounds the same)."""
    b0, b1 = edges_of(score.grid, bar, bar)
    return {(s.column, s.sign, s.direction, s.level, s.turn, round(max(s.start, b0), 6), round(min(s.end, b1), 6))
            for s in score.symbols if s.start < b1 - 1e-9 and (s.end > b0 + 1e-9 or s.start >= b0 - 1e-9)}


def token_bars(vocabulary, score) -> list[list[int]]:
    ids = vocabulary.encode(score)
    return [ids[a:b] for a, b in vocabulary.bar_spans(ids)]


# --- the figures --------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="a model folder (default: the built-in one)")
    parser.add_argument("--seeds", type=int, default=2, help="dances measured per figure")
    parser.add_argument("--bars", type=int, default=8, help="bars of each dance")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--dances", type=int, default=12, help="--only locality: dances measured; --only blend: pairs")
    parser.add_argument("--edits", nargs="+", choices=LOCAL_EDITS, default=LOCAL_EDITS,
                        help="--only locality: the edits measured (default: all three)")
    parser.add_argument("--scores", type=Path, help="--only locality: keep each dance's score and its regenerated "
                        "and continued ones here (d<k>.laban, r<k>.laban, c<k>.laban, d<k>.json: the decode seed), "
                        "to trace what moved")
    parser.add_argument("--only", choices=("all", "held-out", "variations", "locality", "blend"), default="all",
                        help="held-out: only the style-classifier figures on the test split's dances; "
                             "variations: only 8 variations of each of the three texts at seeds 1-3, spread out "
                             "and each the best of its own draws (before); blend: only the blend's ρ over "
                             "--dances pairs")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus" / "cmu", help="for the held-out dances")
    parser.add_argument("--no-push", action="store_true", help="translate without the support-onset push "
                        "(the figures before it)")
    parser.add_argument("--split", choices=("test", "validation"), default="test",
                        help="--only held-out: the test split's dances (reporting) or the validation split's (to "
                             "choose settings on); --only variations: validation takes' words (validation_prompts, "
                             "seeds 0-1) instead of the three texts; --only blend: validation takes' words")
    parser.add_argument("--varied-top-p", type=float, help="--only variations: generate's (default: its own)")
    parser.add_argument("--spread", type=float, help="--only variations: the spread-out sets' weight (default: "
                        "generate's)")
    parser.add_argument("--style-guidance", type=float, help="--only held-out: translate's (default: its own)")
    args = parser.parse_args()

    import torch
    from motiongpt.cocreate import continue_dance, generate, load_model, regenerate, translate, vary
    from motiongpt.cocreate.translate import support_beats_kept

    torch.set_num_threads(1)
    started = time.time()
    loaded = load_model(args.model)
    vocabulary = loaded.model.vocabulary
    figures: dict = {"model": loaded.versions, "bars": args.bars}

    def done(shown) -> None:
        """Print ``shown`` (a part of the figures) and write them all to --json."""
        figures["seconds"] = round(time.time() - started, 1)
        print(json.dumps(shown, indent=1))
        if args.json:
            args.json.write_text(json.dumps(figures, indent=1) + "\n")

    texts = ["steps forward and back, arms rising high", "a slow turn with the arms wide",
             "a lively salsa basic step"]
    validation = args.split == "validation"
    if args.only == "held-out":
        figures["held_out"] = held_out_figures(loaded, args.corpus, push=not args.no_push, split=args.split,
                                               style_guidance=args.style_guidance)
        return done(figures)
    if args.only == "locality":
        figures["locality"] = locality_figures(loaded, args.dances, args.bars, args.scores, tuple(args.edits))
        return done(figures["locality"]["summary"])
    if args.only == "blend":
        figures["blend"] = blend_figures(loaded, validation_prompts(args.corpus) if validation else texts,
                                         args.dances, args.bars)
        return done(figures["blend"]["summary"])
    if args.only == "variations":
        settings = {k: v for k, v in (("varied_top_p", args.varied_top_p), ("spread", args.spread)) if v is not None}
        figures["variation_sets"] = variation_sets(
            loaded, validation_prompts(args.corpus) if validation else texts, (0, 1) if validation else (1, 2, 3),
            args.bars, **settings)
        return done({k: figures["variation_sets"][k] for k in ("summary", "real", "real_salsa")})

    # variations: diversity against the real data's
    capture = capture_percentiles()
    figures["capture_p99"] = capture
    dances = generate(loaded, text=texts[0], bars=args.bars, bpm=110, count=8, seed=1)
    figures["variations"] = variations_figures(dances, vocabulary)
    print("variations", json.dumps(figures["variations"]), flush=True)

    # vary: distance per strength
    strengths = (0.0, 0.25, 0.5, 0.75, 1.0)
    base = dances[0]
    distance = {s: float(np.mean([score_distance(base.score, v.score) for v in
                                  vary(base, loaded, s, count=4, seed=2, rank_them=False)])) for s in strengths}
    figures["vary_distance"] = distance
    print("vary", json.dumps(distance), flush=True)

    # regenerate, continue, blend, translate over seeds
    regen, cont, blends, kept = [], [], [], []
    for seed in range(args.seeds):
        print("seed", seed, f"{time.time() - started:.0f} s", flush=True)
        dance = generate(loaded, text=texts[seed % len(texts)], bars=args.bars, bpm=110, seed=10 + seed)[0]
        first, last = 3, 4
        edited = regenerate(dance, loaded, first, last, seed=seed)
        a, b = edges_of(dance.score.grid, first, last)
        c0, c1 = changed_span(dance.score, edited.score)
        rest = settled(dance.score, edited.score, c1)
        regen.append({"other_bars_sound_the_same": all(bar_content(dance.score, k) == bar_content(edited.score, k)
                                                       for k in range(1, args.bars + 1) if not first <= k <= last),
                      "edit_beats": [a, b], "changed_beats": [c0, c1], "settled_beat": rest,
                      "outside_bars": motion_outside(dance.motion(), edited.motion(), dance.score.grid, a, b),
                      "outside_changed_and_settled": motion_outside(dance.motion(), edited.motion(),
                                                                    dance.score.grid, c0, rest),
                      "joins": join_peaks(edited.motion(), dance.score.grid, [a, b]),
                      "parent_at_joins": join_peaks(dance.motion(), dance.score.grid, [a, b]),
                      "parent_p99": _p99(dance.motion())})
        longer = continue_dance(dance, loaded, 4, seed=seed)
        end = edges_of(dance.score.grid, args.bars, args.bars)[1]
        cont.append({"kept_bars_equal": token_bars(vocabulary, longer.score)[:args.bars] ==
                     token_bars(vocabulary, dance.score),
                     "before_join": motion_outside(dance.motion(), longer.motion(), dance.score.grid, end,
                                                   end + 1e9)["before"],
                     "joins": join_peaks(longer.motion(), longer.score.grid, [end]),
                     "parent_at_end": join_peaks(dance.motion(), dance.score.grid, [end]),
                     "parent_p99": _p99(dance.motion())})
        other = generate(loaded, text=texts[(seed + 1) % len(texts)], bars=args.bars, bpm=110, seed=20 + seed)[0]
        blends.append(blend_rho(loaded, dance, other, seed))
        styles = [s for s in loaded.model.config.styles if s != dance.style]
        if styles:
            target = "salsa lead" if "salsa lead" in styles else styles[seed % len(styles)]
            translated = translate(dance, loaded, target, seed=seed)
            kept.append({"style": target, "support_beats_kept": support_beats_kept(dance.score, translated.score)})
    figures["regenerate"] = regen
    figures["continue"] = cont
    figures["blend"] = blends
    figures["translate_support_kept"] = kept
    done(figures)


HELD_OUT = ("05_06", "05_08", "05_16", "05_01", "02_04", "01_03", "135_03", "06_05")  # test split, not salsa
HELD_OUT_SALSA = ("60_07", "60_09", "60_12")  # test split salsa leads
VALIDATION = ("05_04", "05_05", "05_13", "02_02", "01_06", "16_01", "06_03", "135_05")  # the same kinds: to tune on
VALIDATION_SALSA = ("60_01", "60_03", "60_14")


BRIDGE = 8  # bars of each blend's bridge


def blend_rho(loaded, a, b, seed: int) -> dict:
    """Spearman ρ of the bar positions from A to B (``blend.positions``) of A and B blended over ``BRIDGE`` bars:
    over all the blend's bars (A's kept bars, the bridge, B's kept bars) and over the bridge alone."""
    from scipy.stats import spearmanr

    from laban.algebra import bar_count
    from motiongpt.cocreate import blend
    from motiongpt.cocreate.blend import CONTEXT_BARS, positions

    where = positions(blend(a, b, loaded, BRIDGE, seed=seed).score, a.score, b.score)
    kept = min(CONTEXT_BARS, bar_count(a.score))  # A's bars before the bridge
    return {"rho_all": round(float(spearmanr(np.arange(len(where)), where)[0]), 3),
            "rho_bridge": round(float(spearmanr(np.arange(BRIDGE), where[kept:kept + BRIDGE])[0]), 3),
            "positions": [round(float(x), 3) for x in where]}


def blend_figures(loaded, texts, pairs: int, bars: int = 8) -> dict:
    """``blend_rho`` over ``pairs`` pairs made as the main figures make them: dance k on ``texts[k]`` at seed 10 + k,
    blended into a dance on the next text at seed 20 + k, at seed k; the median ρ and how many pairs reach 0.9."""
    from motiongpt.cocreate import generate

    rows = []
    for k in range(pairs):
        a = generate(loaded, text=texts[k % len(texts)], bars=bars, bpm=110, seed=10 + k)[0]
        b = generate(loaded, text=texts[(k + 1) % len(texts)], bars=bars, bpm=110, seed=20 + k)[0]
        rows.append(blend_rho(loaded, a, b, k))
        print(k, json.dumps(rows[-1]), flush=True)
    summary = {}
    for part in ("all", "bridge"):
        rho = [r[f"rho_{part}"] for r in rows]
        summary[part] = {"median": round(float(np.median(rho)), 3), "at_least_0.9": sum(r >= 0.9 for r in rho),
                         "least": min(rho), "pairs": len(rho)}
    return {"rows": rows, "summary": summary}


def locality_figures(loaded, dances: int, bars: int = 8, scores: Path | None = None,
                     edits: tuple[str, ...] = LOCAL_EDITS) -> dict:
    """Motion outside the edit over ``dances`` dances (``--only locality``): regenerate bars 3-4, continue by 4
    bars, vary at strength 0.25 (the first four dances, three variations each, those with bars after the varied
    run); only ``edits`` of them (``--edits``: continue alone over 40 dances takes a third of the time). Metres.
    With ``scores``, the scores are kept there (each dance, regenerated, continued)."""
    from motiongpt.cocreate import continue_dance, generate, regenerate, vary

    texts = ["steps forward and back, arms rising high", "a slow turn with the arms wide", "a lively salsa basic step",
             "walk forward, then a jump", "run in a circle"]
    capture = capture_percentiles()
    rows: dict = {"regenerate": [], "continue": [], "vary": []}
    for k in range(dances):
        dance = generate(loaded, text=texts[k % len(texts)], bars=bars, bpm=110, seed=10 + k)[0]
        made = {"d": dance}
        if "regenerate" in edits:
            made["r"] = edited = regenerate(dance, loaded, 3, 4, seed=k)
            a, b = edges_of(dance.score.grid, 3, 4)
            c0, c1 = changed_span(dance.score, edited.score)
            rest = settled(dance.score, edited.score, c1)
            joins = join_peaks(edited.motion(), dance.score.grid, [a, b])
            rows["regenerate"].append({
                "before": motion_outside(dance.motion(), edited.motion(), dance.score.grid, a, b)["before"],
                "after": motion_outside(dance.motion(), edited.motion(), dance.score.grid, c0, rest)["after"],
                "joins_over_p99": joins["speed"] > capture["speed"] or joins["accel"] > capture["accel"],
                "joins": joins, "parent_joins": join_peaks(dance.motion(), dance.score.grid, [a, b])})
        if "continue" in edits:
            made["c"] = longer = continue_dance(dance, loaded, 4, seed=k)
            end = edges_of(dance.score.grid, bars, bars)[1]
            rows["continue"].append({"before": motion_outside(dance.motion(), longer.motion(), dance.score.grid,
                                                              end, end + 1e9)["before"],
                                     "joins": join_peaks(longer.motion(), longer.score.grid, [end])})
        if k < 4 and "vary" in edits:
            for v in vary(dance, loaded, 0.25, count=3, seed=k, rank_them=False):
                if v.lineage.bars[1] >= bars:
                    continue
                c0, c1 = changed_span(dance.score, v.score)
                rest = settled(dance.score, v.score, c1)
                rows["vary"].append({"after": motion_outside(dance.motion(), v.motion(), dance.score.grid, c0,
                                                             rest)["after"]})
        print("dance", k, json.dumps({**(rows["regenerate"][-1] if "regenerate" in edits else {}),
                                      **({"continue_before": rows["continue"][-1]["before"],
                                          "continue_joins": rows["continue"][-1]["joins"]}
                                         if "continue" in edits else {})}),
              flush=True)
        if scores is not None:
            scores.mkdir(parents=True, exist_ok=True)
            for name, kept in made.items():
                kept.score.save(scores / f"{name}{k}.laban")
            (scores / f"d{k}.json").write_text(json.dumps({"seed": dance.decode_seed}))

    def spread(values: list[float]) -> dict:
        return {"max_mm": round(1000 * max(values, default=0.0), 4), "mean_mm": round(1000 * float(np.mean(values)), 4)
                if values else 0.0, "n": len(values)}

    real = capture_joins(capture)
    summary = {
        "regenerate before the edit": spread([r["before"] for r in rows["regenerate"]]),
        "regenerate after the edit": spread([r["after"] for r in rows["regenerate"]]),
        "regenerate joins over the capture's p99": sum(r["joins_over_p99"] for r in rows["regenerate"]),
        "the captures' own two-bar windows over their p99": {k: real[k] for k in ("over", "windows")},
        "regenerate joins ranked among the captures' two-bar windows": join_ranks(
            [r["joins"] for r in rows["regenerate"]], real["peaks"]),
        "the parents' same windows ranked so (before the edit)": join_ranks(
            [r["parent_joins"] for r in rows["regenerate"]], real["peaks"]),
        "continue joins ranked among the captures' one-edge windows": join_ranks(
            [r["joins"] for r in rows["continue"]], real["single"]),
        "continue before the join": spread([r["before"] for r in rows["continue"]]),
        "vary after the varied run": spread([r["after"] for r in rows["vary"]]),
    }
    rows["summary"] = {key: value for key, value in summary.items()  # the edits measured
                       if not key.startswith(("regenerate", "the parents'")) or "regenerate" in edits
                       if not key.startswith("continue") or "continue" in edits
                       if not key.startswith("vary") or "vary" in edits}
    return rows


def held_out_figures(loaded, corpus_folder: Path, bars: int = 8, seed: int = 0, push: bool = True,
                     split: str = "test", style_guidance: float | None = None) -> dict:
    """On the first ``bars`` bars of test-split takes: translate the non-salsa ones into "salsa lead" and the
    salsa leads into "modern dance"; continue each by 4 bars. Per dance: the share of support symbols kept on
    their beats, and P(salsa) of the style classifier for the source, the translation, the 4 bars continued and
    (for comparison) the source's last 4 bars."""
    from lora_style import style_classifier

    from laban.algebra import bar_count
    from motiongpt.cocreate import continue_dance, translate
    from motiongpt.cocreate.dance import Dance, Lineage
    from motiongpt.cocreate.translate import support_beats_kept, support_starts
    from motiongpt.data.augment import window
    from motiongpt.data.corpus import Corpus
    from motiongpt.metrics import text_score

    evaluator = text_score.shipped()
    corpus = Corpus.load(corpus_folder)
    classifier, _, _ = style_classifier(corpus, evaluator)
    takes = {t.name: t for t in corpus.split(split)}
    names = HELD_OUT + HELD_OUT_SALSA if split == "test" else VALIDATION + VALIDATION_SALSA

    def p_salsa(scores) -> list[float]:
        return [round(float(p), 3) for p in classifier.predict_proba(evaluator.embed_scores(scores))[:, 1]]

    rows = []
    for name in names:
        take = takes.get(name)
        if take is None:
            continue
        whole = take.score()
        source = window(whole, 1, min(bars, bar_count(whole)))
        dance = Dance(source, {}, Lineage("corpus", seed=seed))
        target = "modern dance" if take.style in ("salsa lead", "salsa follow") else "salsa lead"
        guided = {} if style_guidance is None else {"style_guidance": style_guidance}
        styled = translate(dance, loaded, target, seed=seed, push=push, **guided)
        longer = continue_dance(dance, loaded, 4, seed=seed)
        named = continue_dance(Dance(source, {"style": take.style}, Lineage("corpus", seed=seed)), loaded, 4,
                               seed=seed)  # the dance's own style named, as a dance generated in it carries it
        total = bar_count(longer.score)
        new, old = window(longer.score, total - 3, total), window(source, max(bar_count(source) - 3, 1), bar_count(source))
        before, after, continued, ending, styled_on = p_salsa([source, styled.score, new, old,
                                                               window(named.score, total - 3, total)])
        starts = support_starts(source)
        rows.append({"take": name, "style": take.style, "target": target, "supports": len(starts),
                     "support_beats_kept": round(support_beats_kept(source, styled.score), 3),
                     "p_salsa_source": before, "p_salsa_translated": after,
                     "p_salsa_last_4_bars": ending, "p_salsa_4_bars_continued": continued,
                     "p_salsa_4_bars_continued_style_named": styled_on})
        print(json.dumps(rows[-1]), flush=True)
    into = [r for r in rows if r["target"] == "salsa lead"]
    out = [r for r in rows if r["target"] != "salsa lead"]
    summary = {"into_salsa_called_salsa_before": sum(r["p_salsa_source"] > 0.5 for r in into),
               "into_salsa_called_salsa_after": sum(r["p_salsa_translated"] > 0.5 for r in into),
               "out_of_salsa_called_salsa_before": sum(r["p_salsa_source"] > 0.5 for r in out),
               "out_of_salsa_called_salsa_after": sum(r["p_salsa_translated"] > 0.5 for r in out),
               "continue_same_call": sum((r["p_salsa_last_4_bars"] > 0.5) == (r["p_salsa_4_bars_continued"] > 0.5)
                                         for r in rows),
               "continue_style_named_same_call": sum((r["p_salsa_last_4_bars"] > 0.5)
                                                     == (r["p_salsa_4_bars_continued_style_named"] > 0.5)
                                                     for r in rows),
               "support_beats_kept_min": min(r["support_beats_kept"] for r in rows),
               "support_beats_kept_all": round(sum(r["support_beats_kept"] * r["supports"] for r in rows)
                                               / max(sum(r["supports"] for r in rows), 1), 3),
               "dances": len(rows)}
    return {"rows": rows, "summary": summary}


def _p99(motion) -> dict:
    speed, accel, _ = speeds(motion)
    return {"speed": float(np.percentile(speed, 99)), "accel": float(np.percentile(accel, 99))}


def variations_figures(dances, vocabulary, reference=None) -> dict:
    """Diversity of the dances' motion (evaluate's features, normalised by the real data's) and validity, and the
    words kept (``motiongpt.model.conditions.words_kept``, what best-of chooses by). ``reference``: the real
    windows' features (``real_features``), else read here."""
    from motiongpt import metrics
    from motiongpt.cocreate.spread import motion_features
    from motiongpt.model.conditions import word_phrases, words_kept

    def features(motion):
        both = motion_features(motion)
        return both[:KINETIC], both[KINETIC:]

    seconds = float(np.mean([d.motion().duration for d in dances]))
    generated = [features(d.motion()) for d in dances]
    reference = reference if reference is not None else real_features(seconds)
    out = {"valid": all(len(vocabulary.encode(d.score)) > 0 for d in dances), "seconds": round(seconds, 2),
           "quality": [d.prompt.get("quality", {}).get("quality") for d in dances]}
    if dances[0].text:
        _, phrases = word_phrases(dances[0].text, dances[0].score.grid,
                                  len(vocabulary.bar_spans(vocabulary.encode(dances[0].score))))
        out["words_kept"] = round(float(np.mean([words_kept(d.score, phrases) for d in dances])), 3)
    for k, name in ((0, "kinetic"), (1, "geometric")):
        ref = np.stack([r[k] for r in reference])
        gen, ref_n = metrics.normalise(np.stack([g[k] for g in generated]), ref)
        out[f"div_{name}"] = metrics.diversity(gen)
        out[f"div_{name}_real"] = metrics.diversity(ref_n)
    return out


KINETIC = 63  # motion_features: the kinetic features first, then the geometric


def real_features(seconds: float, count: int = 40) -> list:
    """(kinetic, geometric) features of the real windows (``_real_windows``)."""
    from motiongpt.cocreate.spread import motion_features

    return [(f[:KINETIC], f[KINETIC:]) for f in map(motion_features, _real_windows(seconds, count))]


def validation_prompts(corpus: Path, takes=("05_04", "05_05", "05_13", "60_01", "61_01")) -> list[str]:
    """Words to choose variations' settings on: the first phrase ``laban.describe`` writes of each of these
    validation-split dance takes (modern dance, salsa lead and follow) in the corpus folder."""
    import laban
    from laban.score import Score

    listed = {t["name"]: t for t in json.loads((corpus / "corpus.json").read_text())["takes"]}
    missing = [name for name in takes if name not in listed or listed[name]["split"] != "validation"]
    if missing:
        raise SystemExit(f"{corpus}: no validation take {', '.join(missing)} (build it: datasets/cmu_corpus.py)")
    return [laban.describe(Score.load(corpus / listed[name]["score"]))[0].text for name in takes]


def variation_sets(loaded, texts, seeds, bars: int = 8, **settings) -> dict:
    """The variations figures of 8 variations per text and seed, chosen spread out (the default) and each the
    best of its own draws (``spread=0``, before), with the CPU seconds of each ``generate`` (one thread);
    ``settings`` go to ``generate`` (``varied_top_p``, ``spread`` for the spread-out ones). ``pooled``: all the
    spread-out variations' features against the real windows', FID as ``evaluate`` computes it (kinetic,
    geometric): whether a set drawn wider is further from real dancing or not."""
    import resource

    def cpu() -> float:
        used = resource.getrusage(resource.RUSAGE_SELF)
        return used.ru_utime + used.ru_stime

    from motiongpt.cocreate import generate

    from motiongpt import metrics
    from motiongpt.cocreate.spread import motion_features

    reference, rows, pool = None, [], []
    for text in texts:
        for seed in seeds:
            row = {"text": text, "seed": seed}
            for name, spread in (("best_of_each", 0.0), ("spread", settings.get("spread"))):
                started = cpu()
                dances = generate(loaded, text=text, bars=bars, bpm=110, count=8, seed=seed,
                                  **{**settings, "spread": spread})
                took = cpu() - started
                if reference is None:
                    seconds = float(np.mean([d.motion().duration for d in dances]))
                    reference = real_features(seconds)
                figures = variations_figures(dances, loaded.model.vocabulary, reference)
                row[name] = {k: figures[k] for k in ("valid", "div_kinetic", "div_geometric", "words_kept")}
                for part in ("text_fit", "round_trip", "skating"):  # quality's raw components, the 8's mean
                    row[name][part] = round(float(np.mean([d.prompt["quality"][part] for d in dances])), 4)
                row[name]["cpu_seconds"] = round(took, 1)
                if name == "spread":
                    pool += [motion_features(d.motion()) for d in dances]
            row["real"] = {k: figures[f"{k}_real"] for k in ("div_kinetic", "div_geometric")}
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {name: {k: round(float(np.mean([r[name][k] for r in rows])), 3)
                      for k in ("div_kinetic", "div_geometric", "words_kept", "text_fit", "round_trip", "skating",
                                "cpu_seconds")}
               for name in ("best_of_each", "spread")}
    for name in summary:
        summary[name]["div_kinetic_min"] = round(min(r[name]["div_kinetic"] for r in rows), 3)
        summary[name]["all_valid"] = all(r[name]["valid"] for r in rows)
    pool = np.stack(pool)
    for k, (a, b) in enumerate(((0, KINETIC), (KINETIC, None))):
        generated, real = metrics.normalise(pool[:, a:b], np.stack([r[k] for r in reference]))
        summary["spread"]["pooled_fid_" + ("kinetic", "geometric")[k]] = round(float(metrics.fid(generated, real)), 2)
    return {"rows": rows, "summary": summary, "real": rows[0]["real"],
            "real_salsa": real_style_diversity(seconds, reference)}


# CMU's salsa takes by role: subject 60 leads, 61 follows (datasets/cmu_corpus.py's style labels)
SALSA_ROLES = {"salsa lead": "60_", "salsa follow": "61_"}


def real_style_diversity(seconds: float, reference: list) -> dict:
    """Kinetic and geometric diversity of the training split's salsa windows, one role at a time, normalised as
    the variations are (by ``reference``, the dance windows): what eight real dances of one style differ by, for
    the salsa prompt's variations (the dance windows are one dancer's modern dance, 13 takes of other phrases)."""
    from motiongpt import metrics
    from motiongpt.cocreate.spread import motion_features

    out = {}
    for role, prefix in SALSA_ROLES.items():
        windows = [motion_features(w) for w in _real_windows(seconds, 40, "salsa", prefix)]
        out[role] = {}
        for k, (name, part) in enumerate((("div_kinetic", slice(0, KINETIC)), ("div_geometric", slice(KINETIC, None)))):
            real, _ = metrics.normalise(np.stack([w[part] for w in windows]), np.stack([r[k] for r in reference]))
            out[role][name] = round(metrics.diversity(real), 3)
        out[role]["takes"] = len(windows)
    return out


def _real_windows(seconds: float, count: int, category: str = "dance", prefix: str = ""):
    """``count`` windows of ``seconds`` from the CMU training split's takes of ``category`` whose names start with
    ``prefix`` (one per take, from its start)."""
    import csv

    from laban import read_motion
    from motiongpt.data import cmu_trials, first_seconds

    split = {r["trial"]: r for r in csv.DictReader(open(REPO / "datasets" / "cmu_split.csv"))}
    trials = [t for t in cmu_trials() if split.get(t.name, {}).get("split") == "train"
              and split[t.name]["category"] == category and t.name.startswith(prefix)][:count]
    return [first_seconds(read_motion(t.path), seconds) for t in trials]


if __name__ == "__main__":
    main()
