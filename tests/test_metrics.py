"""The metrics against values worked out by hand on synthetic bodies (still, gliding at constant speed, swaying
with known beats), and a look at them on real motion capture."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import sqrtm

import laban
from laban import BeatGrid, Column, Direction, Level, Score, Sign, Symbol, Trajectories
from laban import BodyPart as B
from motiongpt import metrics
from motiongpt.metrics import beats, features, notation, physical
from motiongpt.metrics.features import GEOMETRIC_NAMES, LANDMARKS

# A standing body (metres, y up, facing +z, the performer's left at +x), arms hanging, toes on the floor.
STANDING = {
    B.PELVIS: (0, 0.95, 0), B.SPINE: (0, 1.1, 0), B.CHEST: (0, 1.3, 0), B.NECK: (0, 1.5, 0), B.HEAD: (0, 1.65, 0),
    B.SHOULDER_LEFT: (0.05, 1.45, 0), B.UPPER_ARM_LEFT: (0.18, 1.45, 0), B.FOREARM_LEFT: (0.18, 1.15, 0),
    B.HAND_LEFT: (0.18, 0.9, 0), B.THIGH_LEFT: (0.09, 0.9, 0), B.SHIN_LEFT: (0.09, 0.5, 0),
    B.FOOT_LEFT: (0.09, 0.07, 0), B.TOES_LEFT: (0.09, 0.0, 0.12),
}
STANDING.update({B[p.name.replace("LEFT", "RIGHT")]: (-x, y, z) for p, (x, y, z) in list(STANDING.items())
                 if p.name.endswith("LEFT")})
POSE = np.array([STANDING[p] for p in LANDMARKS], dtype=float)
I = {p: i for i, p in enumerate(LANDMARKS)}


def body(positions: np.ndarray, fps: float = 60.0) -> Trajectories:
    """Landmark trajectories (T, 21, 3) on the landmark skeleton."""
    return Trajectories(features.landmark_skeleton(), np.asarray(positions, float), fps)


def still(frames: int = 120, fps: float = 60.0, pose: np.ndarray = POSE) -> Trajectories:
    return body(np.repeat(pose[None], frames, axis=0), fps)


def gliding(speed: float, frames: int = 120, fps: float = 60.0) -> Trajectories:
    """The standing body carried forward (+z) at ``speed`` m/s, feet and all."""
    t = np.arange(frames) / fps
    return body(POSE[None] + np.array([0.0, 0.0, 1.0]) * speed * t[:, None, None], fps)


# --- kinetic features -------------------------------------------------------------------------------------------

def reference_kinetic(positions: np.ndarray, fps: float, quirk: bool) -> np.ndarray:
    """The AIST++ reference code's loops, transcribed (slow; small inputs only)."""
    dt, w, n = 1.0 / fps, 2, len(positions)
    out = []
    for j in range(positions.shape[1]):
        h = v = e = 0.0
        for i in range(1, n):
            vel, count = np.zeros(3), 0
            for k in range(-w, w + 1):
                if i + k - 1 < 0 or i + k >= n:
                    continue
                vel += positions[i + k, j] - positions[i + k - 1, j]
                count += 1
            vel /= count * dt
            h += vel[0] ** 2 + vel[2] ** 2
            v += vel[1] ** 2
            acc, count = np.zeros(3), 0
            for k in range(-w, w + 1):
                if i + k - 1 < 0 or i + k + 1 >= n:
                    continue
                v2 = (positions[i + k + 1, j] - positions[i + k, j]) / dt
                v1 = positions[i + k, j] - positions[i + k - 1, j] / dt if quirk else \
                    (positions[i + k, j] - positions[i + k - 1, j]) / dt
                acc += (v2 - v1) / dt
                count += 1
            e += np.linalg.norm(acc / count)
        out += [h / (n - 1), v / (n - 1), e / (n - 1)]
    return np.array(out)


def test_kinetic_features_of_a_still_body_are_zero_but_the_quirk_sees_position():
    traj = still(30)
    assert np.array_equal(metrics.kinetic_features(traj), np.zeros(63))
    # The slip: older velocity p - p/dt, so a still joint "accelerates" by (p/dt - p)/dt = 59 * 60 * |p| at 60 fps.
    quirk = metrics.kinetic_features(traj, quirk=True).reshape(21, 3)
    assert np.allclose(quirk[:, :2], 0)
    assert np.allclose(quirk[:, 2], 59 * 60 * np.linalg.norm(POSE, axis=1))


def test_kinetic_features_at_constant_speed():
    k = metrics.kinetic_features(gliding(1.5)).reshape(21, 3)
    assert np.allclose(k[:, 0], 1.5**2) and np.allclose(k[:, 1], 0) and np.allclose(k[:, 2], 0, atol=1e-9)
    rising = body(POSE[None] + np.array([0.0, 0.5, 0.0]) * (np.arange(60) / 60.0)[:, None, None])
    k = metrics.kinetic_features(rising).reshape(21, 3)
    assert np.allclose(k[:, 0], 0) and np.allclose(k[:, 1], 0.25)


@pytest.mark.parametrize("quirk", [False, True])
def test_kinetic_features_match_the_reference_loops(quirk):
    rng = np.random.default_rng(1)
    positions = POSE[None] + np.cumsum(rng.normal(0, 0.01, (12, 21, 3)), axis=0)
    got = metrics.kinetic_features(body(positions), quirk=quirk)
    assert np.allclose(got, reference_kinetic(positions, 60.0, quirk), rtol=1e-9, atol=1e-9)


# --- geometric features -----------------------------------------------------------------------------------------

def relation(values: np.ndarray, name: str) -> float:
    return float(values[GEOMETRIC_NAMES.index(name)])


def test_geometric_features_of_a_still_standing_body():
    g = metrics.geometric_features(still())
    # Only 'foot-left-behind' holds: its plane runs through the pelvis, the right hip and the right toes, which
    # lie 12 cm forward, so it tilts and the left ankle, straight under its hip, is 0.123 m behind it (by hand:
    # normal (0.006, -0.0108, -0.081), ankle offset (0.09, -0.88, 0)) — over 0.38 humerus = 0.098 m. The
    # mirrored relation 'foot-right-in-front' measures the other way (-0.124 m): the reference is asymmetric.
    assert g.shape == (32,) and {n for n, v in zip(GEOMETRIC_NAMES, g) if v} == {"foot-left-behind"}
    assert relation(g, "foot-left-behind") == 1.0


def test_geometric_pose_relations():
    pose = POSE.copy()
    pose[I[B.HAND_RIGHT]] = (-0.18, 1.75, 0.1)  # arm up (not quite vertical: 180 degrees is outside (25, 180))
    pose[I[B.FOREARM_RIGHT]] = (-0.18, 1.6, 0.05)
    pose[I[B.FOOT_LEFT]] = (0.09, 0.5, 0.4)  # knee bent 90 degrees, foot lifted 43 cm
    pose[I[B.TOES_LEFT]] = (0.09, 0.45, 0.5)
    g = metrics.geometric_features(still(10, pose=pose))
    raised = {"hand-right-above-neck", "arm-right-raised", "knee-left-bent", "foot-left-raised"}
    assert {n for n, v in zip(GEOMETRIC_NAMES, g) if v} == raised
    lying = POSE.copy()
    lying[:, [1, 2]] = lying[:, [2, 1]]  # the body tipped onto its back: torso horizontal
    assert relation(metrics.geometric_features(still(10, pose=lying)), "torso-horizontal") == 1.0


def test_geometric_speed_relations_and_the_time_step_quirk():
    # root-fast: speed > 2.3 humerus/s = 0.59 m/s. At 0.4 m/s it is not, unless speeds are doubled by the
    # reference's 1/120 s step at 60 fps.
    assert relation(metrics.geometric_features(gliding(1.0)), "root-fast") == 1.0
    assert relation(metrics.geometric_features(gliding(0.4)), "root-fast") == 0.0
    assert relation(metrics.geometric_features(gliding(0.4), quirk=True), "root-fast") == 1.0
    # Half the frames fast: the fraction counts frames 1..T-1.
    z = np.concatenate([np.zeros(31), np.arange(1, 30) / 60.0])
    half = body(POSE[None] + np.array([0.0, 0.0, 1.0]) * z[:, None, None])
    assert relation(metrics.geometric_features(half), "root-fast") == pytest.approx(29 / 59)


def test_landmarks_resampled_cut_and_zeroed():
    traj = gliding(1.0, frames=240, fps=120.0)
    protocol = metrics.landmark_trajectories(traj, seconds=1.0)
    assert protocol.fps == 60 and protocol.frame_count == 60
    assert np.allclose(protocol.positions[:, I[B.PELVIS]][0], 0)
    assert np.allclose(np.diff(protocol.positions[:, 0, 2]), 1 / 60)  # every other frame of the 120 fps take
    up = metrics.landmark_trajectories(gliding(1.0, frames=30, fps=30.0), seconds=None)
    assert up.frame_count == 59 and np.allclose(np.diff(up.positions[:, 0, 2]), 1 / 60)  # interpolated, no repeats


# --- FID and diversity ------------------------------------------------------------------------------------------

def test_fid_by_hand():
    a = np.array([[-1.0], [1.0]])  # variance 2 (N - 1)
    b = np.array([[-2.0], [2.0]])  # variance 8
    assert metrics.fid(a, b) == pytest.approx(2 + 8 - 2 * 4)
    assert metrics.fid(a + 3.0, a) == pytest.approx(9.0)
    assert metrics.fid(a, a) == pytest.approx(0.0, abs=1e-12)


def test_fid_agrees_with_the_reference_sqrtm_formula():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(200, 6)), rng.normal(0.3, 1.5, size=(150, 6)) @ rng.normal(size=(6, 6))
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    d = x.mean(0) - y.mean(0)
    expected = d @ d + np.trace(s1 + s2 - 2 * sqrtm(s1 @ s2).real)
    assert metrics.fid(x, y) == pytest.approx(expected, rel=1e-8)
    assert math.isfinite(metrics.fid(x[:5], y[:7]))  # fewer samples than dimensions: singular, still finite


def test_diversity_and_normalisation():
    assert metrics.diversity(np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])) == pytest.approx(20 / 3)
    reference = np.array([[1.0, 5.0], [3.0, 5.0]])
    gen, ref = metrics.normalise(np.array([[5.0, 6.0]]), reference)
    assert np.allclose(ref, [[-1, 0], [1, 0]]) and np.allclose(gen, [[3, 1]])  # a constant dimension is centred


# --- beat alignment ---------------------------------------------------------------------------------------------

def swaying(frames: int = 600, fps: float = 60.0) -> Trajectories:
    """Every landmark sways sideways at 1 Hz, so that it stops exactly at frames 15, 45, 75, ...: the
    difference p[t] - p[t-1] is proportional to cos(2 pi t / 60)."""
    x = 0.1 * np.sin(2 * np.pi * (np.arange(frames) + 0.5) / fps)
    return body(POSE[None] + np.array([1.0, 0.0, 0.0]) * x[:, None, None], fps)


def test_motion_beats_of_a_periodic_sway():
    traj = swaying()
    assert np.array_equal(beats.motion_beat_frames(traj, "aist++"), np.arange(15, 600, 30))
    assert np.array_equal(beats.motion_beat_frames(traj, "bailando"), np.arange(14, 599, 30))  # speed[k]: k -> k+1
    assert len(beats.motion_beat_frames(still(), "aist++")) == 0


def test_beat_alignment_scores_by_hand():
    traj = swaying()
    on_beat = BeatGrid.uniform(120, 10.0, offset=0.25)  # beats at 0.25 + 0.5 k s: frames 15 + 30 k
    assert metrics.beat_alignment(traj, on_beat, "aist++") == pytest.approx(1.0)
    late = BeatGrid.uniform(120, 10.0, offset=0.30)  # 3 frames late: exp(-9 / (2 * 3^2))
    assert metrics.beat_alignment(traj, late, "aist++") == pytest.approx(math.exp(-0.5))
    # Bailando indexes speed by the earlier frame: beats on frames 15 + 30 k are one frame off its minima.
    assert metrics.beat_alignment(traj, on_beat, "bailando") == pytest.approx(math.exp(-1 / 18))
    assert metrics.beat_alignment(traj, np.arange(14, 599, 30), "bailando") == pytest.approx(1.0)
    # Twice as many music beats: bailando averages over music beats, half of them 15 frames from a motion beat.
    double = BeatGrid.uniform(240, 10.0, offset=0.25)
    assert metrics.beat_alignment(traj, double, "aist++") == pytest.approx(1.0)
    n = len(beats.music_beat_frames(double, 60.0, 599))
    half = sum(1 for f in beats.music_beat_frames(double, 60.0, 599) if (f - 15) % 30 == 0)
    expected = (half * math.exp(-1 / 18) + (n - half) * math.exp(-14**2 / 18)) / n
    assert metrics.beat_alignment(traj, double, "bailando") == pytest.approx(expected)
    assert metrics.beat_alignment(still(), on_beat, "aist++") == 0.0
    with pytest.raises(ValueError, match="unknown beat alignment variant"):
        metrics.beat_alignment(traj, on_beat, "edge")


def test_chance_alignment_is_the_score_of_beats_anywhere_and_rises_with_the_tempo():
    """A sway whose stops fall at every phase of a 100-bpm beat in turn (period 31 frames against the beat's
    36) scores what chance gives; the chance at 150 bpm is higher (the beats are closer), so a score is read
    against its own tempo's."""
    traj = body(POSE[None] + np.array([1.0, 0.0, 0.0]) * 0.1 * np.sin(2 * np.pi * (np.arange(3600) + 0.5)
                                                                      / 62)[:, None, None], 60.0)
    grid = BeatGrid.uniform(100, 60.0)
    chance = metrics.chance_alignment(grid, 60.0, 3600)
    assert chance == pytest.approx(3 * math.sqrt(math.pi / 2) / 18, rel=0.02)  # ∫ exp(-d²/18) over half a beat
    assert metrics.beat_alignment(traj, grid, "aist++") == pytest.approx(chance, abs=0.03)
    assert metrics.chance_alignment(BeatGrid.uniform(150, 60.0), 60.0, 3600) > chance + 0.08


def test_upsampled_motion_keeps_its_beats():
    # A 30 fps take resampled to 60 fps along a spline: its stops stay single frames (linear interpolation would
    # give two frames of equal speed and no strict minimum at all).
    t = (np.arange(300) + 0.25) / 30.0  # the sway of ``swaying``, one frame in two: stops at 60 fps frames 15 + 30 k
    sway = body(POSE[None] + np.array([1.0, 0.0, 0.0]) * (0.1 * np.sin(2 * np.pi * t))[:, None, None], 30.0)
    up = metrics.landmark_trajectories(sway, seconds=None)
    found = beats.motion_beat_frames(up, "aist++")
    assert np.array_equal(found, 15 + 30 * np.arange(20))
    assert metrics.beat_alignment(up, BeatGrid.uniform(120, 10.0, offset=0.25), "aist++") > 0.9


def test_strict_minima_follow_argrelextrema():
    from scipy.signal import argrelextrema

    rng = np.random.default_rng(3)
    values = np.round(rng.normal(size=400), 1)  # ties included
    for order in (1, 3, 10):
        assert np.array_equal(beats.strict_minima(values, order), argrelextrema(values, np.less, order=order)[0])


# --- physical plausibility --------------------------------------------------------------------------------------

def test_a_still_body_is_physically_perfect():
    traj = still()
    assert metrics.pfc(traj) == 0.0
    assert metrics.foot_skating(traj, "contact") == 0.0 and metrics.foot_skating(traj, "toe-speed") == 0.0
    assert metrics.penetration(traj) == 0.0 and metrics.floating(traj) == 0.0
    assert metrics.jitter(traj) == 0.0 and metrics.bone_drift(traj) == pytest.approx(0.0, abs=1e-9)


def test_gliding_feet_skate_on_every_frame():
    traj = gliding(1.0)  # 1.67 cm a frame at 60 fps, feet on the floor
    assert metrics.foot_skating(traj, "contact") == 1.0
    assert metrics.foot_skating(traj, "toe-speed") == 1.0
    assert metrics.foot_skating(gliding(0.3), "contact") == 0.0  # 5 mm a frame: planted
    assert metrics.foot_skating(gliding(0.3), "toe-speed") == 0.0
    assert metrics.jitter(traj) == pytest.approx(0.0, abs=1e-6)  # constant speed: no jerk


def test_one_foot_sliding_is_half_the_feet():
    p = np.repeat(POSE[None], 60, axis=0)
    for part in (B.FOOT_RIGHT, B.TOES_RIGHT):
        p[:, I[part], 0] += 0.02 * np.arange(60)  # 2 cm a frame along the floor
    assert metrics.foot_skating(body(p), "contact") == pytest.approx(0.5)


def test_pfc_by_hand():
    # At 30 fps: the root accelerates steadily (normalised acceleration 1 on every frame) while all four foot
    # points slide 1 cm a frame: PFC = 1e4 x 0.01 x 0.01 x 1.
    t = np.arange(90)
    p = np.repeat(POSE[None], 90, axis=0)
    p[:, I[B.PELVIS], 2] += 0.001 * t**2
    for part in physical.FEET:
        p[:, I[part], 0] += 0.01 * t
    assert metrics.pfc(body(p, 30.0), window=None) == pytest.approx(1.0)
    # Lift the upward part only: a root pushed downward does not count (clamped), so PFC stays 0 there.
    down = np.repeat(POSE[None], 90, axis=0)
    down[:, I[B.PELVIS], 1] -= 0.001 * t**2
    for part in physical.FEET:
        down[:, I[part], 0] += 0.01 * t
    assert metrics.pfc(body(down, 30.0), window=None) == 0.0


def test_penetration_and_float_in_millimetres():
    sunk = POSE - [0, 0.01, 0]  # toes 1 cm under the floor at y = 0
    assert metrics.penetration(still(pose=sunk), floor=0.0) == pytest.approx(10.0)
    assert metrics.floating(still(pose=POSE + [0, 0.1, 0]), floor=0.0) == pytest.approx(100.0)
    jump = np.repeat(POSE[None], 120, axis=0)
    jump[40:70, :, 1] += 0.3  # half a second in the air: a jump, not floating
    assert metrics.floating(body(jump), floor=0.0) == 0.0


def test_jitter_of_constant_jerk():
    t = np.arange(60) / 60.0
    p = POSE[None] + np.array([0.0, 0.0, 1.0]) * (7.0 * t**3 / 6)[:, None, None]  # jerk 7 m/s^3
    assert metrics.jitter(body(p)) == pytest.approx(7.0)


def test_bone_drift_of_a_stretching_forearm():
    p = np.repeat(POSE[None], 60, axis=0)
    p[1::2, I[B.HAND_LEFT], 1] -= 0.01  # forearm 1 cm longer on every other frame: std 5 mm
    assert metrics.bone_drift(body(p)) == pytest.approx(5.0 / 20)  # 20 bones in the landmark skeleton


# --- notation ---------------------------------------------------------------------------------------------------

def score(arm_start: float = 2.0, flight: bool = False) -> Score:
    """Eight beats at 120 bpm: weight on the left foot, then a step onto the right; the left arm rises forward
    and then to the right high."""
    grid = BeatGrid.uniform(120, 3.5)
    start = [Symbol(0, Column.SUPPORT_LEFT, 0, Sign.DIRECTION, Direction.PLACE, Level.MIDDLE),
             Symbol(0, Column.UPPER_ARM_LEFT, 0, Sign.DIRECTION, Direction.PLACE, Level.LOW)]
    symbols = [Symbol(0, Column.SUPPORT_LEFT, 4, Sign.HOLD),
               Symbol(4, Column.SUPPORT_RIGHT, 4, Sign.DIRECTION, Direction.FORWARD, Level.MIDDLE),
               Symbol(arm_start, Column.UPPER_ARM_LEFT, 1, Sign.DIRECTION, Direction.FORWARD, Level.MIDDLE),
               Symbol(4, Column.UPPER_ARM_LEFT, 1, Sign.DIRECTION, Direction.RIGHT, Level.HIGH)]
    if flight:
        symbols = [s for s in symbols if s.column is not Column.SUPPORT_LEFT]
        symbols += [Symbol(0, Column.SUPPORT_LEFT, 3, Sign.HOLD), Symbol(3, Column.CENTRE, 1, Sign.FLIGHT)]
    return Score(grid, symbols, start)


def test_identical_scores_agree_fully():
    a = notation.agreement(score(), score())
    assert a["gesture_direction"] == 1.0 and a["gesture_level"] == 1.0
    assert a["support_direction"] == 1.0 and a["support_f1"] == 1.0 and math.isnan(a["flight_f1"])
    assert a["timing"] == {"mean": 0.0, "median": 0.0, "matched": 1.0}


def test_a_late_symbol_by_hand():
    a = notation.agreement(score(), score(arm_start=3.0))
    arm = a["columns"]["upper-arm-left"]
    assert arm["cells"] == 8 and arm["direction"] == 7 / 8 and arm["level"] == 7 / 8  # beat 2's cell differs
    assert a["timing"]["mean"] == pytest.approx(0.25) and a["timing"]["matched"] == 1.0  # errors 0, 0, 1, 0
    assert notation.timing_error(score(), score(arm_start=3.5))["matched"] == pytest.approx(3 / 4)  # > 1 beat


def test_support_and_flight_f1_by_hand():
    # Quarter-beat cells over 8 beats: left foot 16 cells vs 12 (beat 3-4 is flight), right 16 vs 16.
    f = notation.support_f1(score(), score(flight=True))
    assert f["support"] == pytest.approx(2 * 28 / (32 + 28))
    assert f["flight"] == 0.0  # flight found where there is none
    assert notation.support_f1(score(flight=True), score(flight=True))["flight"] == 1.0


def test_tokens_per_minute():
    s = score()  # 4 symbols + 2 of the starting position in 8 beats at 120 bpm = 4 s
    assert notation.symbols_per_minute(s) == pytest.approx(6 / (4 / 60))
    assert notation.tokens_per_minute(s) == pytest.approx(4 * 90)
    assert notation.NUMBERS_PER_MINUTE == 37_800


# --- real motion capture ----------------------------------------------------------------------------------------

def test_metrics_on_real_dance(trials):
    motion = laban.read_bvh(trials["05_02"].path)
    traj = metrics.landmark_trajectories(motion.trajectories())
    k, g = metrics.kinetic_features(traj), metrics.geometric_features(traj)
    assert k.shape == (63,) and g.shape == (32,) and np.isfinite(k).all()
    assert (g > 0).sum() >= 10  # a dance with expressive arms holds many relations some of the time
    assert metrics.bone_drift(motion.trajectories()) < 1e-3  # rotations: rigid bones
    assert 100 < metrics.jitter(traj) < 5000
    assert metrics.foot_skating(traj) < 0.3 and metrics.penetration(traj) < 10
    grid = laban.pulse_grid(traj.positions, traj.fps)
    assert 0.1 < metrics.beat_alignment(traj, grid, "aist++") <= 1
    score = laban.tokenize(motion, grid)
    trip = notation.round_trip(score, lambda s: motion)  # a perfect decoder gives back the motion itself
    assert trip["gesture_direction"] == 1.0 and trip["support_f1"] == 1.0 and trip["timing"]["matched"] == 1.0
    assert 100 < notation.symbols_per_minute(score) < 2000


def test_a_neck_on_the_chest_is_put_between_chest_and_head(trials):
    """CMU's MotionBuilder figure hangs its Neck at Spine1 with no offset: read as is, the chest → neck direction
    of "hand above neck" is undefined and the relation never holds, though this dancer's arms rise high."""
    traj = metrics.landmark_trajectories(laban.read_bvh(trials["05_06"].path).trajectories())
    p = features.landmarks(traj)
    chest, neck, head = (p[:, features.LANDMARKS.index(part)] for part in (B.CHEST, B.NECK, B.HEAD))
    assert np.allclose(neck, 0.5 * (chest + head))
    above = [features.GEOMETRIC_NAMES.index(f"hand-{side}-above-neck") for side in ("left", "right")]
    assert (metrics.geometric_features(traj)[above] > 0.05).all()
