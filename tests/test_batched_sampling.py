"""Batched sampling: guidance's runs without a condition group are rows of the one stack (the same logits as a
second stack gave), and every variation is its own seed's dance whatever else is in the batch."""

import numpy as np
import pytest
import torch

import laban
from motiongpt.model import build, tiny_config
from motiongpt.model.generate import GenerationError, _conditions, generate, variations
from motiongpt.model.guidance import Guidance
from motiongpt.model.sampling import FastStep, ModelStep


@pytest.fixture(scope="module")
def model():
    model = build(tiny_config(styles=["salsa"]), seed=2).eval()
    with torch.no_grad():
        for table in (model.control_embedding, model.fact_embedding):
            table.weight.normal_(0.0, 0.02, generator=torch.Generator().manual_seed(3))
    return model


def _two_stacks(model, step, conditions, scales, ids, numbers):
    """The old computation: a separate run without each group, its logits combined after."""
    drop = {"words": ("facts",), "text": ("text",), "music": ("controls",)}
    full = step(model, 2, 3, conditions)(ids, numbers).float()
    without = {name: step(model, 2, 3, {k: v for k, v in conditions.items() if k not in drop[name]})(ids, numbers)
               .float() for name in scales}
    (first, s), rest = list(scales.items())[0], list(scales.items())[1:]
    guided = without[first] + s * (full - without[first])
    for name, s in rest:
        guided = guided + (s - 1) * (full - without[name])
    return guided


@pytest.mark.parametrize("step", [FastStep, ModelStep])
def test_guided_logits_from_one_batch_equal_those_of_separate_runs(model, step):
    grid = laban.BeatGrid.uniform(120, 12, 4)
    controls = [[k % 4, 37 * k % 256, k % 3, k % 2] for k in range(3)]
    facts = [[k % 9, 1, 8 + k % 3, k % 2, 2, k % 2, 1] for k in range(3)]
    conditions = _conditions(model, grid, 2, 3, np.eye(384, dtype=np.float32)[3], "salsa", controls, facts)
    v = model.vocabulary
    ids = torch.tensor([[v.bos_id, 1, 2, 3], [v.bos_id, 3, 2, 1]])
    numbers = torch.tensor([[-1, 0, 0, 1], [-1, 0, 1, 2]])  # tokens in bars: their controls and facts act
    for scales in ({"words": 3.0}, {"music": 2.0}, {"words": 3.0, "music": 0.5}, {"text": 2.0, "words": 3.0}):
        guidance = Guidance(scales, conditions)
        with torch.inference_mode():
            batched = step(model, 2 * guidance.rows, 3, guidance.conditions(conditions))
            logits = guidance(batched(ids.repeat(guidance.rows, 1), numbers.repeat(guidance.rows, 1)).float())
            old = _two_stacks(model, step, conditions, scales, ids, numbers)
            plain = step(model, 2, 3, conditions)(ids, numbers).float()
        assert guidance.rows == 1 + len(scales)
        assert torch.allclose(logits, old, atol=1e-5)
        assert not torch.allclose(logits, plain, atol=1e-3)  # the guidance pushes
    assert not Guidance({"music": 2.0}, {k: v for k, v in conditions.items() if k != "controls"})  # none to guide


def test_music_guidance_changes_the_dance_and_repeats_for_a_seed(model):
    grid = laban.BeatGrid.uniform(120, 12, 4)
    controls = [[k % 4, 37 * k % 256, k % 3, k % 2] for k in range(3)]
    plain = generate(model, grid, controls=controls, seed=2)
    pushed = generate(model, grid, controls=controls, seed=2, guidance={"music": 4.0})
    assert pushed != plain and generate(model, grid, controls=controls, seed=2, guidance={"music": 4.0}) == pushed
    assert generate(model, grid, controls=controls, seed=2, guidance={"music": 1.0, "words": 1.0}) == plain
    for bad in ({"rhythm": 2.0}, {"music": -1.0}):
        with pytest.raises(GenerationError, match="guid"):
            generate(model, grid, controls=controls, guidance=bad)


@pytest.mark.parametrize("beats", [12, 56])  # 3 bars: one pass; 14 bars: passes continuing different dances
def test_a_variation_is_its_seeds_dance_however_many_are_asked_for(model, beats):
    grid = laban.BeatGrid.uniform(140, beats, 4)
    settings = dict(text="two steps forward", seed=9, guidance=2.0)
    three = variations(model, grid, 3, **settings)
    assert variations(model, grid, 1, **settings)[0] == three[0]
    assert variations(model, grid, 2, **settings) == three[:2]
    assert three[0] != three[1]


def test_the_command_guides_the_music_when_asked(model, tmp_path):
    pytest.importorskip("music21")
    import json

    from motiongpt.cli import main
    from motiongpt.cocreate.generate import MUSIC_GUIDANCE

    model.save_pretrained(tmp_path / "model")
    base = ["generate", "--music", "corpus:bach/bwv66.6", "--bars", "2", "--seed", "1", "--no-video",
            "--model", str(tmp_path / "model")]
    assert main([*base, "-o", str(tmp_path / "plain")]) == 0
    assert main([*base, "--music-guidance", "4", "-o", str(tmp_path / "guided")]) == 0
    assert main([*base, "--no-controls", "-o", str(tmp_path / "deaf")]) == 0
    prompt = json.loads((tmp_path / "guided" / "prompt.json").read_text())
    assert prompt["music_guidance"] == 4
    assert json.loads((tmp_path / "plain" / "prompt.json").read_text())["music_guidance"] == MUSIC_GUIDANCE
    assert "music_guidance" not in json.loads((tmp_path / "deaf" / "prompt.json").read_text())  # nothing guided
    assert (tmp_path / "guided" / "score.json").read_bytes() != (tmp_path / "plain" / "score.json").read_bytes()
