"""Evaluation time for 100 clips of 20 s, on one core.

    python bench/evaluate_speed.py

The clips are cut from the shared CMU trials (20 s each, wrapping around shorter takes), written as .npz joint
positions at each take's own rate (120 or 60 fps), then evaluated as a folder of generated clips would be:
reading, per-clip measures (landmarks at 60 fps, kinetic and geometric features, the motion analysed once and its
pulse (``laban.beat_grid``), both beat alignment variants, PFC, skating, penetration, float, jitter, bone drift,
tokenizing the analysis to a score on that pulse) and the set
figures (FID, diversity, and text ↔ score R-precision: each clip carries its take's CMU description as a .txt
prompt) against the training split. Prints the time of each stage and of the whole command.
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the figure says
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import laban  # noqa: E402
from motiongpt import evaluate, metrics  # noqa: E402
from motiongpt.metrics import text_score  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
from motiongpt.data import cmu_trials  # noqa: E402

CLIPS, SECONDS = 100, 20.0


def make_clips(folder: Path) -> None:
    """100 clips of 20 s from the shared trials, as .npz joint positions with the take's description as prompt."""
    trials = cmu_trials()
    for k in range(CLIPS):
        trial = trials[k % len(trials)]
        motion = laban.read_bvh(trial.path)
        motion.fps = trial.fps
        traj = evaluate.trajectories(motion)
        frames = np.arange(int(SECONDS * traj.fps)) + k  # wrap around takes shorter than 20 s
        positions = np.take(traj.positions, frames, axis=0, mode="wrap")
        laban.write_joint_arrays(laban.Trajectories(traj.skeleton, positions, traj.fps), folder / f"clip{k:03d}.npz")
        (folder / f"clip{k:03d}.txt").write_text(trial.description)


def main() -> None:
    checkout.usage(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_clips(folder)
        protocol = evaluate.Protocol()
        reference = [evaluate.measure(c, protocol) for c in evaluate.load_split("train")]
        loading = time.perf_counter()
        text_score.shipped().embed_texts(["warm"])  # the evaluator and the sentence encoder, once per process
        loading = time.perf_counter() - loading

        t0 = time.perf_counter()
        clips = evaluate.load_directory(folder)
        t1 = time.perf_counter()
        measured = [evaluate.measure(c, protocol) for c in clips]
        t2 = time.perf_counter()
        row = evaluate.evaluate(measured, reference, protocol=protocol)
        t3 = time.perf_counter()
        text_score.retrieval([m.score for m in measured], [m.text for m in measured])
        t3a = time.perf_counter()

        # Where a clip's time goes, on the first ten clips.
        stages = {"landmarks": 0.0, "features": 0.0, "analysis + pulse": 0.0, "beat alignment": 0.0, "physical": 0.0,
                  "tokenize": 0.0}
        for clip in clips[:10]:
            a = time.perf_counter()
            world = metrics.landmark_trajectories(evaluate.trajectories(clip.motion), zero_root=False)
            b = time.perf_counter()
            metrics.kinetic_features(world), metrics.geometric_features(world)
            c = time.perf_counter()
            analysis = laban.analyse(clip.motion)
            grid = laban.beat_grid(motion=analysis)
            c2 = time.perf_counter()
            metrics.beat_alignment(world, grid, "aist++"), metrics.beat_alignment(world, grid, "bailando")
            d = time.perf_counter()
            metrics.pfc(world), metrics.foot_skating(world), metrics.foot_skating(world, "toe-speed")
            metrics.penetration(world), metrics.floating(world), metrics.jitter(world)
            metrics.bone_drift(clip.motion)
            e = time.perf_counter()
            laban.tokenize(analysis, grid)
            f = time.perf_counter()
            for key, dt in zip(stages, (b - a, c - b, c2 - c, d - c2, e - d, f - e)):
                stages[key] += dt / 10

        t4 = time.perf_counter()
        evaluate.main(["--generated", str(folder), "--held-out", "none", "--no-baselines",
                       "-o", str(folder / "report.json")])
        t5 = time.perf_counter()

    print(f"\n{CLIPS} clips of {SECONDS:g} s ({CLIPS * SECONDS / 60:.0f} min of motion), one core:")
    print(f"  read .npz            {t1 - t0:6.2f} s")
    print(f"  per-clip measures    {t2 - t1:6.2f} s  ({1e3 * (t2 - t1) / CLIPS:.0f} ms a clip: "
          + ", ".join(f"{k} {1e3 * v:.0f} ms" for k, v in stages.items()) + ")")
    print(f"  set figures          {t3 - t2:6.2f} s  (FID, diversity, BAS against {len(reference)} training clips "
          f"measured beforehand; text retrieval alone {t3a - t3:.2f} s, top-3 {row['text_retrieval']['top3']:.2f}, "
          f"after {loading:.1f} s loading the evaluator and sentence encoder once)")
    print(f"  total                {t3 - t0:6.2f} s")
    print(f"  the whole command (train split read and measured too): {t5 - t4:.2f} s")


if __name__ == "__main__":
    main()
