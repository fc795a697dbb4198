"""Render speed of the dancer at 640×480 on the CPU (Mesa's llvmpipe through EGL; no GPU), in frames per second.

    python bench/render_speed.py [--frames 150] [--size 640x480]

For a solo (CMU 05_02) and a duet (salsa 60_01 + 61_01) it prints the frames per second of rendering frames
(wall and CPU time: llvmpipe draws on several threads, the floor and the compositing run in numpy on one), of
rendering beside the staff with the play-head, and of writing an MP4 end to end (render + H.264 encoding), and
the share of a frame's CPU time that goes to the floor (numpy), the bodies (GL) and the compositing.
"""

from __future__ import annotations

import checkout  # noqa: F401  (this checkout's packages, not an installed copy)

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import laban
from motiongpt.data import cmu_trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=150, help="frames per measurement (default 150, 5 s)")
    parser.add_argument("--size", default="640x480")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.lower().split("x"))

    from viz.render import render
    from viz.scene import DanceScene
    from viz.staff import draw_staff
    from viz.video import beside_staff

    trials = {t.name: t for t in cmu_trials()}
    read = lambda name: laban.read_bvh(trials[name].path, frame_rate=trials[name].fps)
    solo = [read("05_02")]
    duet = [read("60_01"), read("61_01")]
    print(f"{os.cpu_count()} CPUs, {_gl_renderer()}, {size[0]}x{size[1]}, {args.frames} frames a measurement")

    for label, dancers in (("solo 05_02", solo), ("duet 60_01+61_01", duet)):
        with DanceScene(dancers, size=size) as scene:
            n = min(args.frames, scene.frame_count)
            list(scene.frames([0]))  # GL context, shaders, first upload
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in scene.frames(slice(0, n)):
                pass
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            scene.cpu.update(floor=0.0, bodies=0.0, compositing=0.0, frames=0)
            for i in range(min(n, 60)):  # one by one, nothing else running: where the CPU time goes
                scene.frame(i)
            print(f"{label}: frames {n / wall:5.1f} fps wall, {1000 * cpu / n:5.1f} ms CPU a frame"
                  f"  ({_breakdown(scene)})")
            if dancers is solo:
                score = laban.tokenize(dancers[0])
                staff = draw_staff(score, beats_per_staff=score.duration)
                beats = score.grid.seconds_to_beats(np.arange(n) / scene.fps)
                wall = time.perf_counter()
                for _ in beside_staff(scene.frames(slice(0, n)), score, beats, size[1], staff=staff):
                    pass
                print(f"{label}: beside the staff {n / (time.perf_counter() - wall):5.1f} fps wall")
        short = [laban.Motion(d.skeleton, d.rotations[:_frames(d, n)], d.translations[:_frames(d, n)], d.fps)
                 for d in dancers]
        with tempfile.TemporaryDirectory() as folder:
            wall = time.perf_counter()
            render(Path(folder) / "bench.mp4", short, size=size, progress=False)
            wall = time.perf_counter() - wall
            megabytes = (Path(folder) / "bench.mp4").stat().st_size / 1e6
        print(f"{label}: MP4 end to end {n / wall:5.1f} fps wall ({megabytes:.1f} MB for {n / 30:.0f} s)")


def _frames(motion, n: int) -> int:
    return int(np.ceil(n / 30 * motion.fps))


def _breakdown(scene) -> str:
    """CPU milliseconds a frame in the floor (numpy), the bodies (GL draw and read-back) and the compositing."""
    n = max(scene.cpu["frames"], 1)
    return ", ".join(f"{part} {1000 * scene.cpu[part] / n:.0f} ms" for part in ("floor", "bodies", "compositing"))


def _gl_renderer() -> str:
    from viz.scene import _pyrender

    pyrender = _pyrender()
    renderer = pyrender.OffscreenRenderer(8, 8)
    from OpenGL import GL

    name = GL.glGetString(GL.GL_RENDERER).decode()
    renderer.delete()
    return name


if __name__ == "__main__":
    sys.exit(main())
