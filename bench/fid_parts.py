"""Where a set's FID_g comes from: each geometric relation's share, and the most any fix of it could give; the same
for FID_k's kinetic features and takes; and which takes its Div_k falls short in.

    PYTHONPATH=. python bench/fid_parts.py                          # decoded validation scores, decode seeds 0-3
    PYTHONPATH=. python bench/fid_parts.py --model builtin --seeds 0 1 2 3   # the model's validation dances
    PYTHONPATH=. python bench/fid_parts.py --execution learned
    PYTHONPATH=. python bench/fid_parts.py --model builtin --seeds 0 1 2 3 4 5 6 7 8 9 --outliers 8   # 10 min
    PYTHONPATH=. python bench/fid_parts.py --seeds 0 --takes 10     # the ten takes FID_k and Div_k owe most to
    PYTHONPATH=. python bench/fid_parts.py --split train --seeds 0  # the training split against itself: a diagnosis

FID_g (``motiongpt.metrics``) compares 32 per-clip fractions of frames in which a pose relation holds ("hand above
neck", "foot behind"...) between a set and the training captures. Before changing the decoder or the model for one
relation, this says what that relation is worth: for each relation (and group of them), the set's FID_g when its
per-clip values are replaced by those of the captures the set stands in for, clip for clip (an oracle: what a
perfect fix of that relation alone would give), and the set's mean offset there in the training captures' standard
deviations (z). Each seed's FID_g is printed first; the oracles are means over the seeds, since one seed's FID over
27 clips moves by several points, and by 40 or more where one dance is far off (the shipped model's seeds 0-3
average FID_g 27, its seeds 4-9 60 before the torso repairs of 2026-12-04: ``docs/model.md``, "Four seeds were not
enough"). Read ``--seeds 0 1 2 3 4 5 6 7 8 9`` before keeping a change.

The rows are the validation split's (27 takes): its scores decoded (``laban.decode``, ``--execution``), or with
``--model`` the model's dances for them as ``motiongpt evaluate --held-out validation --model`` writes them. The
test split is never read here: what this finds is what gets tuned. ``--split train`` takes the training split's 96
takes instead, measured against the training captures they are (so the captures' own FID is 0): more takes to see a
relation's bias in, but nothing to choose a change by, since a decoder tuned so is tuned on its own reference.

Found with it (2026-12-04, rules, decode seeds 0-3; ``docs/execution.md``, "Where issue 13 stands"): the decoded
validation scores' FID_g 14.86 against the captures' own 11.30; every arm-pose relation perfect would give 12.9,
every hand-speed relation 13.3, the legs' poses 14.9; no single relation is worth more than 0.8.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's packages, not installed ones

import numpy as np  # noqa: E402

GROUPS = {
    "arms, pose": ("hand-right-above-neck", "hand-left-above-neck", "elbow-right-bent", "elbow-left-bent",
                   "hands-wide-apart", "arm-right-raised", "arm-left-raised", "hand-right-low", "hand-left-low"),
    "arms, speed": ("hand-right-moves-backward", "hand-left-moves-forward", "hands-separate-fast",
                    "hand-left-moves-rootward-of-right", "hand-right-moves-rootward-of-left", "hand-right-fast",
                    "hand-left-fast"),
    "legs, pose": ("foot-right-in-front", "foot-left-behind", "foot-right-raised", "foot-left-raised",
                   "feet-wide-apart", "knee-right-bent", "knee-left-bent", "thigh-right-raised", "thigh-left-raised"),
    "legs, speed": ("foot-right-fast", "foot-left-fast"),
    "trunk": ("chest-rises-fast", "chest-rises-fast-again", "pelvis-forward-of-feet", "torso-horizontal",
              "root-fast"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3],
                        help="decode seeds, or with --model sampling seeds")
    parser.add_argument("--model", help="'builtin' or a model folder: its dances instead of the decoded scores")
    parser.add_argument("--execution", default="rules", choices=("rules", "learned"))
    parser.add_argument("--split", default="validation", choices=("validation", "train"),
                        help="whose takes: the validation split's (what to choose on) or the training split's")
    parser.add_argument("--top", type=int, default=12, help="relations to list")
    parser.add_argument("--takes", type=int, default=6,
                        help="kinetic features and takes to list whose captured features would lower FID_k or add "
                             "to Div_k most (0: none)")
    parser.add_argument("--outliers", type=float, default=6.0,
                        help="list each dance with a relation (or a kinetic feature) this many training standard "
                             "deviations off, the seed's FID it sits in, and its words (0: none)")
    args = parser.parse_args()

    import laban
    from laban.decoder import decode
    from motiongpt import metrics
    from motiongpt.evaluate import cmu_styles, load, load_model, measure, written
    from motiongpt.evaluate.baselines import decoded
    from motiongpt.metrics.features import GEOMETRIC_NAMES

    reference = [measure(c) for c in load("train")[0]]
    held_out = reference if args.split == "train" else [measure(c) for c in load(args.split)[0]]
    model = load_model(args.model) if args.model else None
    sets, kinetic = [], []
    for seed in args.seeds:
        if model is None:
            laban.decode = lambda score, seed=seed, **kw: decode(score, execution=args.execution, seed=seed, **kw)
            scores = [(m.name, m.score) for m in held_out]
        else:
            laban.decode = lambda score, **kw: decode(score, execution=args.execution, **kw)
            scores, _, failed = written(model, held_out, seed, cmu_styles())
            if failed:
                raise SystemExit(f"the model could not write {failed} of the dances")
        made, kept = decoded(scores, held_out)
        if len(made) != len(held_out):
            raise SystemExit(f"the decoder refused {len(held_out) - len(made)} scores")
        measured = [measure(c) for c in made]
        sets.append(np.stack([m.geometric for m in measured]))
        kinetic.append(np.stack([m.kinetic for m in measured]))

    ref = np.stack([m.geometric for m in reference])
    truth = np.stack([m.geometric for m in held_out])
    ref_z = metrics.normalise(ref, ref)[0]

    def fid(features: np.ndarray) -> float:
        return metrics.fid(metrics.normalise(features, ref)[0], ref_z)

    def replaced(names) -> float:
        columns = [GEOMETRIC_NAMES.index(n) for n in names]
        out = []
        for features in sets:
            features = features.copy()
            features[:, columns] = truth[:, columns]
            out.append(fid(features))
        return float(np.mean(out))

    what = f"the model's ({args.model}) dances" if model else "the decoded scores"
    print(f"{args.split} split, {len(held_out)} takes, {what}, execution {args.execution}")
    per_seed = [fid(f) for f in sets]
    print(f"captures' own FID_g {fid(truth):.2f}; per seed {', '.join(f'{v:.2f}' for v in per_seed)}; "
          f"mean {np.mean(per_seed):.2f}")
    if args.outliers:
        outliers(args.outliers, args.seeds, sets, kinetic, reference, held_out)
    print("\nFID_g with a group's relations taken from the captures (mean over seeds):")
    for group, names in GROUPS.items():
        print(f"  {group:14} {replaced(names):6.2f}")
    z_set = metrics.normalise(np.concatenate(sets), ref)[0].mean(axis=0)
    z_truth = metrics.normalise(truth, ref)[0].mean(axis=0)
    rows = sorted((replaced([name]), name, z_set[i], z_truth[i]) for i, name in enumerate(GEOMETRIC_NAMES))
    print(f"\nthe {args.top} relations worth most (FID_g with that one from the captures; mean z, set | captures):")
    for value, name, z, z_real in rows[:args.top]:
        print(f"  {name:34} {value:6.2f}   z {z:+.2f} | {z_real:+.2f}")
    if args.takes:
        kinetic_parts(args.takes, kinetic, reference, held_out)
        diversity_parts(args.takes, kinetic, reference, held_out)


def kinetic_parts(top: int, kinetic: list, reference: list, held_out: list) -> None:
    """Where a set's FID_k comes from, as the relations above for FID_g: FID_k with one kind of kinetic feature
    (horizontal speed, vertical speed, acceleration: all landmarks) from the captures, the features worth most one by
    one, and the takes worth most (FID_k with that take's features from its capture); means over the seeds. Found with
    it (2026-12-06, stop 50): the validation split's FID_k 14.84 was mostly vertical speed (10.0 with the captures'),
    mostly the standing jumps 13_11 and 16_01 (12.4, 12.8): their pliés and landings (``docs/execution.md``)."""
    from motiongpt import metrics
    from motiongpt.metrics.features import LANDMARKS

    ref = np.stack([m.kinetic for m in reference])
    ref_z = metrics.normalise(ref, ref)[0]
    truth = np.stack([m.kinetic for m in held_out])
    kinds = ("horizontal speed", "vertical speed", "acceleration")  # per landmark, as kinetic_features orders them

    def fid(features: np.ndarray) -> float:
        return metrics.fid(metrics.normalise(features, ref)[0], ref_z)

    def replaced(columns=None, take=None) -> float:
        out = []
        for features in kinetic:
            features = features.copy()
            if columns is not None:
                features[:, columns] = truth[:, columns]
            if take is not None:
                features[take] = truth[take]
            out.append(fid(features))
        return float(np.mean(out))

    print(f"\nFID_k: captures' own {fid(truth):.2f}; per seed {', '.join(f'{fid(f):.2f}' for f in kinetic)}")
    print("FID_k with one kind of feature taken from the captures (mean over seeds):")
    for k, kind in enumerate(kinds):
        print(f"  {kind:18} {replaced(columns=list(range(k, ref.shape[1], 3))):6.2f}")
    z_set = metrics.normalise(np.concatenate(kinetic), ref)[0].mean(axis=0)
    z_truth = metrics.normalise(truth, ref)[0].mean(axis=0)
    rows = sorted((replaced(columns=[j]), j) for j in range(ref.shape[1]))
    print(f"the {top} features worth most (FID_k with that one from the captures; mean z, set | captures):")
    for value, j in rows[:top]:
        name = f"{LANDMARKS[j // 3].value} {kinds[j % 3]}"
        print(f"  {name:34} {value:6.2f}   z {z_set[j]:+.2f} | {z_truth[j]:+.2f}")
    rows = sorted((replaced(take=i), i) for i in range(len(held_out)))
    print(f"the {top} takes worth most (FID_k with that one from its capture):")
    for value, i in rows[:top]:
        print(f"  {held_out[i].name:8} {value:6.2f}   {(held_out[i].text or '')[:50]!r}")


def diversity_parts(top: int, kinetic: list, reference: list, held_out: list) -> None:
    """Where a set's Div_k (the mean distance between its clips' normalised kinetic features) falls short of the
    captures': for each take, Div_k with that take's features from its capture (an oracle, as for FID_g above), and
    its mean distance to the other takes, decoded and captured. Found with it (2026-12-06, stop 49): two runs caught
    in the air (09_06, 09_10) were most of the validation split's gap (7.23 against 8.89; 8.37 with both)."""
    from scipy.spatial.distance import cdist

    from motiongpt import metrics

    ref = np.stack([m.kinetic for m in reference])
    truth = metrics.normalise(np.stack([m.kinetic for m in held_out]), ref)[0]
    sets = [metrics.normalise(features, ref)[0] for features in kinetic]

    def apart(z: np.ndarray) -> np.ndarray:  # each clip's mean distance to the others
        return cdist(z, z).sum(axis=1) / (len(z) - 1)

    def with_capture(i: int) -> float:
        values = []
        for z in sets:
            z = z.copy()
            z[i] = truth[i]
            values.append(metrics.diversity(z))
        return float(np.mean(values))

    print(f"\nDiv_k: captures' {metrics.diversity(truth):.2f}; per seed "
          f"{', '.join(f'{metrics.diversity(z):.2f}' for z in sets)}")
    made, own = np.mean([apart(z) for z in sets], axis=0), apart(truth)
    rows = sorted(((with_capture(i), i) for i in range(len(held_out))), reverse=True)
    print(f"the {top} takes worth most (Div_k with that one from its capture; its mean distance to the others, "
          f"decoded | captured):")
    for value, i in rows[:top]:
        print(f"  {held_out[i].name:8} {value:6.2f}   {made[i]:6.2f} | {own[i]:6.2f}")


def outliers(bound: float, seeds: list[int], sets: list, kinetic: list, reference: list, held_out: list) -> None:
    """The dances that one feature puts far from the training captures: what a seed's FID over 27 clips is most
    often made of (one relation at z +30 adds some 40 to FID_g)."""
    from motiongpt import metrics
    from motiongpt.metrics.features import GEOMETRIC_NAMES, LANDMARKS

    ref_g = np.stack([m.geometric for m in reference])
    ref_k = np.stack([m.kinetic for m in reference])
    ref_gz, ref_kz = metrics.normalise(ref_g, ref_g)[0], metrics.normalise(ref_k, ref_k)[0]
    kinds = ("horizontal speed", "vertical speed", "acceleration")  # per landmark, as kinetic_features orders them
    print(f"\ndances with a feature more than {bound:g} training standard deviations off:")
    found = 0
    for seed, geometric, moving in zip(seeds, sets, kinetic):
        fid_g = metrics.fid(metrics.normalise(geometric, ref_g)[0], ref_gz)
        fid_k = metrics.fid(metrics.normalise(moving, ref_k)[0], ref_kz)
        for features, ref, name in ((geometric, ref_g, lambda j: GEOMETRIC_NAMES[j]),
                                    (moving, ref_k, lambda j: f"{LANDMARKS[j // 3].value} {kinds[j % 3]}")):
            z = metrics.normalise(features, ref)[0]
            for i in np.flatnonzero(np.abs(z).max(axis=1) > bound):
                j = int(np.abs(z[i]).argmax())
                found += 1
                print(f"  seed {seed} (FID_k {fid_k:.1f}, FID_g {fid_g:.1f})  {held_out[i].name:8} {name(j):34} "
                      f"z {z[i, j]:+6.1f}  {(held_out[i].text or '')[:50]!r}")
    if not found:
        print("  none")


if __name__ == "__main__":
    main()
