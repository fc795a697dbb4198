"""Judging a model's dances (issue 11, figure 2): novelty finds bars copied from training scores, score-space FID
is zero for a set against itself and grows as a set moves away, and ``evaluate`` writes one "generated" row per
seed on each held-out clip's own grid, judged like the decoded test scores."""

from __future__ import annotations

import numpy as np
import pytest

import laban
from laban.timing import BeatGrid
from motiongpt import evaluate
from motiongpt.metrics import text_score
from motiongpt.metrics.novelty import TrainingBars, bar_keys, longest_run, novelty
from motiongpt.model import build, tiny_config
from motiongpt.vocabulary import Vocabulary, quantise


def _score(trial, seconds: float | None = None) -> laban.Score:
    motion = laban.read_bvh(trial.path)
    motion.fps = trial.fps
    analysis = laban.analyse(evaluate.first_seconds(motion, seconds))
    return laban.tokenize(analysis, laban.beat_grid(motion=analysis), title=trial.name)


@pytest.fixture(scope="module")
def scores(trials) -> dict[str, laban.Score]:
    """Real scores: a short dance (05_02, 5 bars) and a longer take (60_07, 14 bars)."""
    return {name: _score(trials[name]) for name in ("05_02", "60_07")}


def test_longest_run_is_the_longest_common_stretch():
    assert longest_run(np.array([1, 2, 3, 9, 4, 5]), np.array([0, 1, 2, 3, 4, 5])) == 3
    assert longest_run(np.array([7, 8]), np.array([1, 2])) == 0
    assert longest_run(np.array([], int), np.array([1])) == 0


def test_novelty_finds_a_planted_copied_run(scores):
    vocabulary = Vocabulary()
    dance, training = scores["05_02"], scores["60_07"]
    a, c = (vocabulary.encode(quantise(s)) for s in (dance, training))
    sa, sc = vocabulary.bar_spans(a), vocabulary.bar_spans(c)
    # Two bars of 05_02, then bars 5-8 of the training take verbatim, then two more bars of 05_02.
    ids = a[:sa[2][0]] + c[sc[4][0]:sc[8][0]] + a[sa[2][0]:sa[4][0]] + [vocabulary.eos_id]
    planted = vocabulary.to_score(ids, BeatGrid.uniform(100, 8 * 4 * 0.6, 4))
    bars = TrainingBars([training], vocabulary)
    assert len(bar_keys(planted, vocabulary)) == 8
    assert bars.longest_copy(planted) == 4
    assert bars.longest_copy(dance) == 0  # another dancer's take copies nothing
    assert bars.longest_copy(training) == len(bar_keys(training, vocabulary))
    found = novelty([planted, dance], [training], vocabulary)
    assert found["longest_runs"] == [4, 0] and found["share_within"] == 0.5 and found["max"] == 4
    assert 0 < found["bars_seen_in_training"] < 1


def test_score_fid_is_zero_against_itself_and_grows_with_a_shift(scores):
    evaluator = text_score.shipped()
    rng = np.random.default_rng(0)
    real = [laban.algebra.cut(s, first, first + 1) for s in scores.values()
            for first in range(1, laban.algebra.bar_count(s), 2)]
    embedded = evaluator.embed_scores(real)
    assert text_score.score_fid(real, real, evaluator) == pytest.approx(0.0, abs=1e-6)
    shifts = [text_score.score_fid(embedded + d * np.eye(embedded.shape[1])[0], embedded, evaluator)
              for d in (0.1, 0.3, 0.9)]
    assert shifts == sorted(shifts) and shifts[0] > 0
    random = [evaluate.random_score(s.grid, s.duration, rng) for s in real]
    # random valid scores lie further from real ones than half of the real ones do
    assert text_score.score_fid(random, real, evaluator) > 2 * text_score.score_fid(real[::2], real, evaluator)


@pytest.fixture(scope="module")
def model():
    return build(tiny_config(styles=["modern dance"]), seed=1).eval()


def test_the_generated_rows_write_on_each_held_out_grid_one_row_a_seed(trials, model, scores):
    protocol = evaluate.Protocol(seconds=4.0)
    clips = {}
    for n in ("05_02", "05_03", "05_06", "05_07"):
        motion = laban.read_bvh(trials[n].path)
        motion.fps = trials[n].fps
        clips[n] = evaluate.Clip(n, motion, text=trials[n].description)
    reference, held = [clips["05_02"], clips["05_03"]], [clips["05_06"], clips["05_07"]]
    styles = {"05_06": "modern dance", "05_07": "modern dance"}
    result = evaluate.report(reference, held, protocol=protocol, baselines=False, model=model, seeds=(0, 1),
                             styles=styles, training_scores=list(scores.values()))
    rows = result["rows"]
    assert list(rows) == ["reference", "ground truth", "decoded test scores", "generated (seed 0)",
                          "generated (seed 1)"]
    gt = [evaluate.measure(c, protocol) for c in held]
    made, targets, failed = evaluate.written(model, gt, 0, styles)
    assert failed == 0 and targets == gt
    for (name, score, words), m in zip(made, gt):
        assert name == f"generated-{m.name}" and words == trials[m.name].description
        assert score.grid.beats_per_bar == m.score.grid.beats_per_bar and score.tempo == pytest.approx(m.score.tempo)
        assert len(bar_keys(score, model.vocabulary)) == model.vocabulary.bar_count(m.score.grid)
    (_, same, _), = evaluate.written(model, gt[:1], 0, styles)[0]
    (_, different, _), = evaluate.written(model, gt[:1], 1, styles)[0]
    assert bar_keys(made[0][1], model.vocabulary) == bar_keys(same, model.vocabulary)  # a seed decides it
    assert bar_keys(made[0][1], model.vocabulary) != bar_keys(different, model.vocabulary)
    for seed in (0, 1):
        row = rows[f"generated (seed {seed})"]
        assert row["n"] + row["decode_failures"] + row["write_failures"] == 2
        assert row["notation"]["pairs"] == row["n"]  # each judged against the score it was decoded from
        assert row["FID_s_written"] > 0 and row["FID_s"] > 0
        assert row["novelty"]["n"] == row["n"] and row["text_retrieval_written"]["n"] == row["n"]
    assert rows["ground truth"]["FID_s"] is None and rows["ground truth"]["novelty"]["n"] == 2
    assert rows["reference"]["FID_s"] > 0 and rows["decoded test scores"]["FID_s_written"] < 1e-6  # their own
    summary = result["figure_2"]
    assert len(summary["FID_k"]["seeds"]) == 2 and summary["novelty"]["dances"] == rows["generated (seed 0)"]["n"] \
        + rows["generated (seed 1)"]["n"]
    assert "FID_k / decoded test scores" in summary["ratios"] and "FID_s_written / train vs test" in summary["ratios"]
    table = evaluate.markdown(result)
    assert "Figure 2" in table and "FID_s written" in table


def test_a_model_needs_held_out_clips_said_in_one_line(tmp_path, capsys):
    code = evaluate.main(["--model", "builtin", "--held-out", "none", "-o", str(tmp_path / "r.json")])
    assert code == 2 and "--held-out" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()
