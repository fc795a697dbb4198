"""The model: its files (safetensors + config + vocabulary, no pickle) load back to the same outputs, a damaged or
foreign folder is one line, the shipped shape fits 25 MB, and every condition reaches the logits."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

import laban
from motiongpt.errors import CheckpointError
from motiongpt.model import MotionGPT, bar_numbers, build, builtin_config, tiny_config
from motiongpt.model.conditions import accent_mask, control_rows, fact_rows, word_phrases
from motiongpt.model.modeling import token_bars, weight_bytes
from motiongpt.vocabulary import Vocabulary

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.laban"))


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary()


@pytest.fixture(scope="module")
def model() -> MotionGPT:
    """A tiny model whose per-bar tables (zero at initialisation, as if untrained) have been given values."""
    model = build(tiny_config(styles=["salsa", "modern"]), seed=1).eval()
    with torch.no_grad():
        for table in (model.control_embedding, model.fact_embedding):
            table.weight.normal_(0.0, 0.02, generator=torch.Generator().manual_seed(2))
    return model


@pytest.fixture(scope="module")
def ids(vocabulary) -> torch.Tensor:
    return torch.tensor([vocabulary.encode(laban.Score.load(EXAMPLES[0]))])


def conditions(bars: int) -> dict:
    rng = np.random.default_rng(0)
    text = rng.normal(size=(1, 384)).astype(np.float32)
    return {"text": torch.from_numpy(text / np.linalg.norm(text)), "style": torch.tensor([1]),
            "tempo": torch.tensor([5]), "meter": torch.tensor([4]),
            "controls": torch.tensor([[[k % 4, 5 * k, k % 3, k % 2] for k in range(bars)]]),
            "facts": torch.tensor([[[k % 9, (k + 1) % 9, 8 + k, k % 4, k % 3, k % 8, 1] for k in range(bars)]])}


def test_save_and_load_give_the_same_outputs(model, ids, tmp_path):
    model.save_pretrained(tmp_path / "m")
    files = sorted(p.name for p in (tmp_path / "m").iterdir())
    assert {"config.json", "model.safetensors", "vocabulary.json"} <= set(files)
    assert not [f for f in files if f.endswith((".bin", ".pt", ".pkl", ".ckpt"))]
    loaded = MotionGPT.from_pretrained(tmp_path / "m")
    assert loaded.vocabulary == model.vocabulary
    assert loaded.config.styles == ["salsa", "modern"]
    with torch.no_grad():
        given = conditions(4)
        assert torch.equal(loaded(ids, **given).logits, model(ids, **given).logits)
    model.save_pretrained(tmp_path / "m")  # over an existing folder: replaced whole
    assert MotionGPT.from_pretrained(tmp_path / "m").config.hidden_size == model.config.hidden_size


def test_a_saved_model_is_readable_as_the_umask_allows(model, tmp_path):
    """The folder was made by tempfile.mkdtemp (0700) and safetensors writes its weights 0600: a model trained on a
    shared machine could not be loaded by anyone but the one who trained it, whatever the umask said."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        model.save_pretrained(tmp_path / "m")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "m").stat().st_mode) == 0o755
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "m").iterdir()} == \
        {name: 0o644 for name in ("config.json", "generation_config.json", "model.safetensors", "vocabulary.json")}
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary folder left beside it


def test_damaged_missing_or_foreign_checkpoints_are_one_line(model, tmp_path):
    def refused(path) -> str:
        with pytest.raises(CheckpointError) as error:
            MotionGPT.from_pretrained(path)
        assert "\n" not in str(error.value)
        return str(error.value)

    assert "no such model folder" in refused(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    assert "config.json" in refused(tmp_path / "empty")
    # the folders a researcher gives instead: a style adapter (motiongpt train --lora), a training run's folder
    (tmp_path / "empty" / "adapter_config.json").write_text("{}")
    assert refused(tmp_path / "empty").endswith("a style adapter's folder, not a model's (an adapter is given as "
                                                "the style, on the model it was trained from)")
    model.save_pretrained(tmp_path / "run" / "model")
    run = tmp_path / "run"
    assert refused(run) == f"{run}: a training run's folder: its model is {run / 'model'}"
    folder = tmp_path / "m"
    model.save_pretrained(folder)
    weights = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(weights[:len(weights) // 2])
    assert "damaged" in refused(folder)
    # bytes overwritten inside the tensors (safetensors keeps no checksum): finite, 3.4e38, and loaded as weights
    (folder / "model.safetensors").write_bytes(weights[:-400] + b"\x7f\x7f\x7f\x7f" * 50 + weights[-200:])
    assert "damaged weights (values beyond 10000 (no trained weight is that large) in " in refused(folder)
    (folder / "model.safetensors").write_bytes(weights)
    (folder / "vocabulary.json").unlink()
    assert "vocabulary" in refused(folder)
    model.save_pretrained(folder)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "model_type": "gpt2"}))
    assert "not a motiongpt model" in refused(folder)
    (folder / "config.json").write_text(json.dumps({**config, "num_hidden_layers": 3}))
    assert "do not fit" in refused(folder)  # weights of another shape: never silently re-initialised
    (folder / "config.json").write_text(json.dumps({**config, "hidden_size": 2 * config["hidden_size"]}))
    assert "weights of another model: " in refused(folder)  # (it said 'look at the above report', shown nowhere)
    with torch.no_grad():  # the shared fixture's weights put back after
        saved = model.lm_head.weight.clone()
        model.lm_head.weight[0, 0] = float("nan")  # a run that diverged: every draw would be of NaN
        model.save_pretrained(folder)
        model.lm_head.weight.copy_(saved)
    assert "NaN or infinite values in lm_head.weight" in refused(folder)
    model.save_pretrained(folder)
    (folder / "generation_config.json").write_text("{half written")  # accepted silently before
    assert "generation_config.json: unreadable" in refused(folder)
    (folder / "generation_config.json").write_text("[1, 2]")
    assert "not a generation config" in refused(folder)
    (folder / "generation_config.json").unlink()  # optional: a folder without one loads
    MotionGPT.from_pretrained(folder)


def test_the_builtin_shape_ships_in_25_mb_and_the_tiny_one_is_tiny():
    assert weight_bytes(build(builtin_config())) <= 25e6
    assert weight_bytes(build(tiny_config())) <= 1e6


def test_a_new_model_has_a_logit_for_every_id_of_the_current_vocabulary():
    from motiongpt.vocabulary import Vocabulary

    assert build(tiny_config()).config.vocab_size == len(Vocabulary())


def test_bars_are_numbered_as_in_the_score_also_in_fill_in_the_middle(vocabulary):
    score = laban.Score.load(EXAMPLES[1])
    plain = vocabulary.encode(score)
    bars = len(vocabulary.bar_spans(plain))
    numbers = bar_numbers(torch.tensor([plain]))[0]
    assert numbers[numbers >= 0].tolist() == list(range(bars))
    fim = vocabulary.fill_in_the_middle(plain, 1, 3)  # written: bar 0, then bars 3.., then the middle 1, 2
    numbers = bar_numbers(torch.tensor([fim]), torch.tensor([bars]))[0]
    assert numbers[numbers >= 0].tolist() == [0, *range(3, bars), 1, 2]


def test_every_condition_reaches_the_logits_and_absent_is_its_own_value(model, ids):
    given = conditions(4)
    with torch.no_grad():
        base = model(ids, **given).logits
        for name in given:
            assert not torch.equal(model(ids, **{k: v for k, v in given.items() if k != name}).logits, base), name
        for rows in ("controls", "facts"):  # a bar's controls and word facts act where that bar is written
            assert not torch.equal(model(ids, **{**given, rows: given[rows].flip(1)}).logits, base), rows
        no_text = model(ids, **{**given, "text": torch.zeros(1, 384)}).logits
        assert torch.equal(no_text, model(ids, **{k: v for k, v in given.items() if k != "text"}).logits)


def test_per_bar_conditions_start_without_effect_and_the_rest_does_not():
    fresh = build(tiny_config(), seed=4)
    assert not fresh.control_embedding.weight.any() and not fresh.fact_embedding.weight.any()
    assert fresh.model.embed_tokens.weight.std() > 0.01 and fresh.style_embedding.weight.std() > 0.01


def test_control_rows_follow_the_vocabularys_bars():
    class Controls:  # what motiongpt.conditioning's BarControls holds: bar numbers as the staff counts them
        bars = np.array([1, 2, 3])
        energy, phrase, repeat = np.array([3, 0, 1]), np.array([2, 0, 1]), np.array([0, 0, 1])
        accents = np.array([[1, 0, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1]])

    plain = laban.BeatGrid.uniform(120, 8, 4)
    rows = control_rows(Controls, plain, 4)
    assert rows.tolist() == [[3, 5, 2, 0], [0, 0, 0, 0], [1, 15, 1, 1], [-1, -1, -1, -1]]
    upbeat = laban.BeatGrid(plain.times, 4, 1)  # the first <bar> is the upbeat, bar 0, which has no controls
    assert control_rows(Controls, upbeat, 4)[0].tolist() == [-1] * 4
    assert accent_mask(np.ones((1, 8))).tolist() == [255]


def test_words_become_facts_on_the_bars_they_ask_of():
    grid = laban.BeatGrid.uniform(120, 16, 4)  # 4 bars, no upbeat: staff bars 1-4 are rows 0-3
    words, phrases = word_phrases([((1, 2), "four steps forward"), ((4, 4), "a jump, arms rising high")], grid, 4)
    assert words == "four steps forward a jump, arms rising high"
    rows = fact_rows(phrases, grid, 4)
    steps, direction, turn, jumps, arms, place, length = rows.T
    assert steps.tolist()[:2] == [4, 4] and direction[0] == list(laban.Direction).index(laban.Direction.FORWARD)
    assert place.tolist() == [0, 1, -1, 0] and length.tolist() == [1, 1, -1, 0]  # bar 3 is asked nothing
    assert rows[2].tolist() == [-1] * 7
    assert jumps[3] >= 1 and arms[3] == list(laban.Level).index(laban.Level.HIGH)
    assert (rows[0] == rows[1])[:5].all()  # a phrase asks the same of each of its bars
    _, whole = word_phrases("a half turn to the right", laban.BeatGrid(grid.times, 4, 1), 5)  # an upbeat: bar 0 is row 0
    assert whole[0][0] == (0, 4) and whole[0][1].turn == 4
    assert fact_rows(whole, laban.BeatGrid(grid.times, 4, 1), 5)[:, 2].tolist() == [12] * 5
    with pytest.raises(laban.LabanError, match="bars 3-5"):  # words for bars the dance does not have
        word_phrases([((3, 5), "a jump")], grid, 4)


def test_words_for_a_long_dance_ask_of_each_eight_bars():
    """The model learns phrases of at most 8 bars: one phrase over 84 bars sat at 'its last bar' from bar 8 on, and
    each pass of the long dance asked the words' counts again while the check asked them once. Now each 8 bars is a
    phrase (a rest of fewer than 4 joins the one before), in the facts, and so in the steering and the check."""
    from laban.description import prompt_spans

    assert prompt_spans(1, 8) == [(1, 8)] and prompt_spans(1, 9) == [(1, 9)]
    assert prompt_spans(0, 18) == [(0, 7), (8, 18)] and prompt_spans(1, 20) == [(1, 8), (9, 16), (17, 20)]
    grid = laban.BeatGrid.uniform(120, 4 * 20, 4)
    _, phrases = word_phrases("a jump, then four steps forward", grid, 20)
    assert [span for span, _ in phrases] == [(1, 8), (9, 16), (17, 20)]
    place = fact_rows(phrases, grid, 20)[:, 5]
    assert place.tolist() == [*range(8), *range(8), *range(4)]  # each block starts a phrase (the steering's too)
    assert all(f.jumps == 1 and f.steps == 4 for _, f in phrases)


def test_every_token_knows_its_bar_so_per_bar_conditions_reach_all_of_it(vocabulary):
    ids = vocabulary.encode(laban.Score.load(EXAMPLES[0]))
    bars = len(vocabulary.bar_spans(ids))
    fim = vocabulary.fill_in_the_middle(ids, 1, 2)
    owner = token_bars(torch.tensor([fim]), torch.tensor([bars]))[0].tolist()
    numbers = bar_numbers(torch.tensor([fim]), torch.tensor([bars]))[0].tolist()
    for at, token in enumerate(fim):
        if token in (vocabulary.fim_suffix_id, vocabulary.fim_middle_id) or at == 0:
            assert owner[at] == -1  # markers and <fim_prefix> belong to no bar
        elif numbers[at] >= 0:
            assert owner[at] == numbers[at]  # a <bar> starts its bar
        else:
            assert owner[at] == owner[at - 1] or fim[at - 1] in (vocabulary.fim_suffix_id, vocabulary.fim_middle_id)
    assert sorted(set(owner) - {-1}) == list(range(bars))
