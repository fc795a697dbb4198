"""The decoder's locality figure (issue 9): how far an edit of one symbol reaches in the decoded motion.

    python bench/decoder_locality.py                # examples/*.laban and 10 CMU dance scores of the train split
    python bench/decoder_locality.py --clips 0 --edits 2

For each score, symbols are picked at random (seeded) among the direction symbols of the gesture columns (arms,
torso, head, legs) and of the support columns (steps), and among the turn signs; each is edited in two ways:
**change** (another direction and another level; a turn an eighth more) and **split** (two symbols of half its
length, the same cell; a turn in two of half the amount). The original and the edited
score are decoded with one seed (``laban.decode``, default skeleton, 30 fps) and compared joint by joint:

- the **reach** of an edit runs from the edited symbol's start until the next symbol of its column has arrived
  (for a step, the next step or turn of that foot; the end of the score if there is none), widened by one beat
  on each side;
- **before** the reach the motion must be identical; **after** it too, except that where a step or a turn
  changed (or a leg gesture, which says where the next step of that foot lands), the dancer may stand elsewhere on
  the floor, facing elsewhere: there the edited motion is compared in the dancer's floor frame (the best rotation
  about the vertical and horizontal translation that carries it onto the original, fitted over all joints of all
  frames after the reach).

A foot planted across the whole reach of a step or turn edit cannot be carried with the rest (it stays where it
stands while the dancer arrives elsewhere; two planted feet each pivot on their own ball), so that definition
cannot be met in principle where that happens; the **amended** figure extends the reach of a step, turn or leg edit
until each foot has stepped again (a support symbol after a time off the floor in its column), and that of a turn
also until the body has settled onto the notated front after it (``front_settled``: the beat after it,
``laban.decoder.supports.SETTLE_BEATS``, or ``SETTLE_LONGEST`` s if longer, from up to ``LATE`` s after its
written end), or until the next turn sign has ended where that comes first: each turn ends within a few degrees of
the notated front (its own drift) and then settles back onto it, unless the next turn begins first, so an edited
turn's drift is carried that long, and then until each foot has stepped again (a foot planted through that time
keeps where it was put before it).

Printed: the largest joint displacement outside the reach (target 0, to float precision) and inside it, per kind
of edit, as the median and the maximum over edits, and the share of edits that move something outside the reach
by more than a millimetre (in all, and before the reach), and the same for the amended reach. ``--groups`` picks
the kinds of symbol edited, ``--list`` prints every edit that moves something outside by over a millimetre.
``locality`` is importable (``tests/test_locality.py``).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import laban  # noqa: E402
from laban.decoder.supports import SETTLE_BEATS, SETTLE_LONGEST  # noqa: E402
from laban.score import GESTURE_COLUMNS, SUPPORT_COLUMNS, Column, Direction, Level, Score, Sign, Symbol  # noqa: E402

FPS = 30.0
LATE = 0.35  # s a turn may go on turning after its written end (seen turning until then: ``heading_of``)
STEP_COLUMNS = SUPPORT_COLUMNS


@dataclass
class Reach:
    """Displacements (m) of one edit: largest joint displacement outside the reach ± 1 beat and inside it."""

    outside: float
    inside: float
    frames_outside: int
    before: float = 0.0  # the part of ``outside`` before the reach
    amended: float = 0.0  # ``outside`` with the reach of a step or leg edit extended until each foot stepped again


def edited(score: Score, symbol: Symbol, kind: str) -> Score:
    """``score`` with ``symbol`` changed to another direction and level (``change``) or split in two halves of
    the same cell (``split``)."""
    if symbol.sign is Sign.TURN:  # a turn changes by an eighth, or splits into two of half the amount
        if kind == "change":
            new = [replace(symbol, turn=symbol.turn + (0.125 if symbol.turn != -0.125 else 0.25))]
        else:
            half = symbol.duration / 2
            new = [replace(symbol, duration=half, turn=symbol.turn / 2),
                   replace(symbol, start=symbol.start + half, duration=half, turn=symbol.turn / 2)]
    elif kind == "change":
        if symbol.direction is Direction.PLACE:
            direction = Direction.RIGHT_FORWARD
        else:
            direction = laban.score.HORIZONTAL_DIRECTIONS[
                (laban.score.HORIZONTAL_DIRECTIONS.index(symbol.direction) + 3) % 8]
        level = {Level.HIGH: Level.LOW, Level.MIDDLE: Level.HIGH, Level.LOW: Level.MIDDLE}[symbol.level]
        new = [replace(symbol, direction=direction, level=level)]
    elif kind == "split":
        half = symbol.duration / 2
        new = [replace(symbol, duration=half), replace(symbol, start=symbol.start + half, duration=half)]
    else:
        raise ValueError(kind)
    symbols = [s for s in score.symbols if s is not symbol] + new
    return Score(score.grid, sorted(symbols, key=lambda s: (s.start, list(Column).index(s.column))),
                 list(score.starting_position), score.title)


def reach_beats(score: Score, symbol: Symbol) -> tuple[float, float]:
    """From the edited symbol's start until the next symbol of its column has arrived (beats); for a step, the next
    step of that foot."""
    later = [s for s in score.column(symbol.column) if s.start >= symbol.end - 1e-9 and s is not symbol
             and s.sign in (Sign.DIRECTION, Sign.TURN)]
    end = min((s.end for s in later), default=max(s.end for s in score.symbols))
    return symbol.start, max(end, symbol.end)


def stepped_again(score: Score, beat: float) -> float:
    """The beat by which each foot has stepped again after ``beat`` (the end of the first step of each support
    column that starts at or after it, after a time off the floor): a foot planted across the whole reach of a
    step edit cannot move rigidly with the rest of the dance until it lifts, so the amended reach runs until then."""
    end = beat
    last = max(s.end for s in score.symbols)
    for column in STEP_COLUMNS:
        held = [s for s in score.column(column) if s.duration > 0]
        # a foot steps again where a support of its column follows a gap (the foot was off the floor)
        later = [s.end for s in held if s.sign is Sign.DIRECTION and s.start >= beat - 1e-9
                 and not any(abs(o.end - s.start) < 1e-9 for o in held)]
        end = max(end, min(later, default=last))
    return end


def front_settled(score: Score, end: float) -> float:
    """The beat by which the body has settled onto the notated front after a turn written to end at ``end``."""
    finished = float(score.grid.beats_to_seconds(end) + LATE)
    return max(float(score.grid.seconds_to_beats(finished)) + SETTLE_BEATS,
               float(score.grid.seconds_to_beats(finished + SETTLE_LONGEST)))


def floor_aligned(moving: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """``moving`` (T, J, 3) carried by the rotation about the vertical and the horizontal translation that best
    bring it onto ``fixed`` (least squares over all its points)."""
    a, b = moving[..., [0, 2]].reshape(-1, 2), fixed[..., [0, 2]].reshape(-1, 2)
    ca, cb = a.mean(axis=0), b.mean(axis=0)
    h = (a - ca).T @ (b - cb)
    angle = np.arctan2(h[0, 1] - h[1, 0], h[0, 0] + h[1, 1])
    c, s = np.cos(angle), np.sin(angle)
    rotated = (a - ca) @ np.array([[c, s], [-s, c]]) + cb
    out = moving.copy()
    out[..., [0, 2]] = rotated.reshape(moving.shape[:-1] + (2,))
    return out


def locality(score: Score, symbol: Symbol, kind: str, seed: int = 0, original: laban.Motion | None = None,
             fps: float = FPS) -> Reach:
    """How far editing ``symbol`` of ``score`` (``edited``) reaches in the decoded motion."""
    other = edited(score, symbol, kind)
    first = (original or laban.decode(score, fps=fps, seed=seed)).trajectories().positions.astype(np.float64)
    second = laban.decode(other, fps=fps, seed=seed).trajectories().positions.astype(np.float64)
    n = min(len(first), len(second))  # a split never changes the length; a last symbol edit may
    first, second = first[:n], second[:n]
    b0, b1 = reach_beats(score, symbol)
    rigid = symbol.column.is_support or symbol.column in LEGS or symbol.sign is Sign.TURN
    settled = symbol.end
    if symbol.sign is Sign.TURN:  # the body settles onto the notated front in the beat after the turn
        settled = min([front_settled(score, symbol.end)] + [s.end for s in score.symbols if s.sign is Sign.TURN
                      and s.column in TURNS and s.start >= symbol.end - 1e-9 and s is not symbol])
    amended_end = max(b1, stepped_again(score, settled)) if rigid else b1
    t = np.arange(n) / fps
    moved = np.linalg.norm(first - second, axis=-1).max(axis=-1)

    def outside_of(end_beat: float) -> tuple[float, float, np.ndarray, int]:
        seconds = score.grid.beats_to_seconds(np.array([max(b0 - 1.0, 0.0), end_beat + 1.0]))
        before, after = t < seconds[0], t > seconds[1]
        outside = moved[before].max(initial=0.0)
        if after.any():
            if rigid:  # the rest may be carried rigidly elsewhere (a leg gesture just before a step says where the
                # foot lands)
                second_after = floor_aligned(second[after], first[after])
                outside = max(outside, np.linalg.norm(first[after] - second_after, axis=-1).max())
            else:
                outside = max(outside, moved[after].max())
        return float(outside), float(moved[before].max(initial=0.0)), ~before & ~after, int(before.sum() + after.sum())

    outside, before, inside, frames = outside_of(b1)
    amended = outside_of(amended_end)[0] if amended_end > b1 else outside
    return Reach(outside, float(moved[inside].max(initial=0.0)), frames, before, amended)


def candidates(score: Score, columns) -> list[Symbol]:
    """Direction symbols of ``columns`` (turn signs for ``TURNS``) that a change or a split can edit (a quarter
    beat or longer; a turn split in two halves of whole eighths)."""
    if columns is TURNS:
        return [s for s in score.symbols if s.sign is Sign.TURN and s.duration >= 0.25 and (s.turn * 8) % 2 == 0]
    return [s for s in score.symbols if s.column in columns and s.sign is Sign.DIRECTION and s.duration >= 0.25]


TURNS = (Column.CENTRE, *SUPPORT_COLUMNS)
LEGS = (Column.LEG_LEFT, Column.LEG_RIGHT)
GROUPS = {"arms/torso/head": tuple(c for c in GESTURE_COLUMNS if c not in (Column.LEG_LEFT, Column.LEG_RIGHT)),
          "legs": LEGS, "steps": STEP_COLUMNS, "turns": TURNS}


def cmu_scores(count: int) -> list[Score]:
    """Tokenized CMU dance clips of the training split (the first ``count`` by name)."""
    from motiongpt.data import cmu_trials
    from motiongpt.evaluate import read_cmu_split

    split = read_cmu_split()
    trials = [t for t in cmu_trials() if t.is_dance and split.get(t.name, {}).get("split") == "train"]
    scores = []
    for trial in sorted(trials, key=lambda t: t.name)[:count]:
        motion = laban.read_bvh(trial.path, frame_rate=trial.fps)
        scores.append(laban.tokenize(motion, title=trial.name))
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=10, help="CMU dance scores of the train split (default 10)")
    parser.add_argument("--edits", type=int, default=2, help="symbols edited per score and group (default 2; 0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--groups", nargs="*", default=list(GROUPS), choices=list(GROUPS), metavar="GROUP",
                        help=f"groups of edited symbols (default all: {', '.join(GROUPS)})")
    parser.add_argument("--list", action="store_true", help="print every edit that moves something outside its "
                        "reach by more than a millimetre")
    args = parser.parse_args()
    started = time.perf_counter()
    scores = [(p.stem, Score.load(p)) for p in sorted((REPO / "examples").glob("*.laban"))]
    scores += [(s.title, s) for s in cmu_scores(args.clips)] if args.clips else []
    pick = np.random.default_rng(args.seed)
    results: dict[tuple[str, str], list[Reach]] = {}
    worst: dict[tuple[str, str], tuple[float, str]] = {}
    for name, score in scores:
        original = laban.decode(score, fps=FPS, seed=args.seed)
        for group in args.groups:
            columns = GROUPS[group]
            options = candidates(score, columns)
            size = len(options) if args.edits == 0 else min(args.edits, len(options))
            chosen = pick.choice(len(options), size=size, replace=False) if options else []
            for k in chosen:
                symbol = options[int(k)]
                for kind in ("change", "split"):
                    reach = locality(score, symbol, kind, args.seed, original)
                    results.setdefault((group, kind), []).append(reach)
                    label = f"{name} {symbol.column.value} @{symbol.start:g}"
                    if args.list and reach.outside > 1e-3:
                        print(f"  {group} {kind} {label} d{symbol.duration:g}: outside {reach.outside * 1e3:.1f} mm "
                              f"(before {reach.before * 1e3:.1f}, amended {reach.amended * 1e3:.1f})", flush=True)
                    if reach.outside >= worst.get((group, kind), (-1.0, ""))[0]:
                        worst[(group, kind)] = (reach.outside, label)
    print(f"{len(scores)} scores ({', '.join(n for n, _ in scores)}), seed {args.seed}, {FPS:g} fps, "
          f"{time.perf_counter() - started:.0f} s")
    print("largest joint displacement (m) outside the reach ± 1 beat (steps, turns, legs: after it, in the dancer's "
          "floor frame) and inside it")
    print(f"  {'edited':16} {'edit':7} {'edits':>5} {'outside max':>11} {'median':>8} {'> 1 mm':>7} {'before':>7} "
          f"{'inside max':>10} {'median':>7} {'amended':>8} {'> 1 mm':>7}  worst outside")
    for (group, kind), reaches in results.items():
        out = np.array([r.outside for r in reaches])
        before = np.array([r.before for r in reaches])
        inside = np.array([r.inside for r in reaches])
        amended = np.array([r.amended for r in reaches])
        print(f"  {group:16} {kind:7} {len(reaches):5d} {out.max():11.2e} {np.median(out):8.1e} "
              f"{np.mean(out > 1e-3):7.0%} {np.mean(before > 1e-3):7.0%} {inside.max():10.3f} {np.median(inside):7.3f} "
              f"{amended.max():8.1e} {np.mean(amended > 1e-3):7.0%}"
              f"  {worst[(group, kind)][1]}")


if __name__ == "__main__":
    main()
