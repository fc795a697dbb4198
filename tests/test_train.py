"""Training: batches are a pure function of (seed, step, rank); a few steps lower the loss; a run killed and
resumed ends with exactly the weights of an uninterrupted one; a LoRA adapter is small and loads for generation;
two processes train together under DDP on CPU."""

from __future__ import annotations

import csv
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("lightning")
import lightning as L  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

import laban  # noqa: E402
from laban import algebra  # noqa: E402
from motiongpt.model import MotionGPT, tiny_config  # noqa: E402
from motiongpt.model.generate import generate  # noqa: E402
from motiongpt.train.examples import batch, choose, examples_from_scores  # noqa: E402
from motiongpt.train.module import TrainConfig, TrainingError, load_config, train  # noqa: E402
from motiongpt.vocabulary import Vocabulary  # noqa: E402

ROOT = Path(__file__).parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.laban"))
SETTINGS = TrainConfig(model="tiny", batch_size=4, max_steps=6, checkpoint_every=1, warmup_steps=1,
                       learning_rate=3e-3, window_bars=2)


@pytest.fixture(scope="module")
def examples():
    scores = [laban.Score.load(p) for p in EXAMPLES]
    scores += [algebra.mirror(s) for s in scores]  # the notation's exact augmentation: left <-> right
    controls = [np.tile([[1, 5, 0, 1]], (len(Vocabulary().bar_spans(Vocabulary().encode(s))), 1)) for s in scores]
    return examples_from_scores(scores, Vocabulary(), tiny_config(), styles=[None] * 4, controls=controls,
                                texts=[np.eye(384, dtype=np.float32)[i] for i in range(4)], window_bars=2)


@pytest.fixture(scope="module")
def base(examples, tmp_path_factory) -> Path:
    """A run of SETTINGS, uninterrupted: its folder."""
    out = tmp_path_factory.mktemp("base")
    train(examples, SETTINGS, out, progress=False)
    return out


def losses(run: Path) -> list[float]:
    rows = []
    for log in sorted((run / "logs").glob("run*/metrics.csv")):
        with open(log) as f:
            rows += [(int(r["step"]), float(r["train_loss"])) for r in csv.DictReader(f) if r.get("train_loss")]
    return [loss for _, loss in sorted(rows)]


def test_examples_are_windows_with_their_conditions(examples):
    assert len(examples) == 10  # 2 + 3 windows of two bars, and their mirror images
    for e in examples:
        bars = len(Vocabulary().bar_spans(e.ids))
        assert e.controls.shape == (bars, 4) and e.text is not None
    assert {e.meter for e in examples} == {laban.Score.load(p).beats_per_bar for p in EXAMPLES}


def test_batches_are_a_pure_function_of_seed_step_and_rank(examples):
    settings = dict(vocabulary=Vocabulary(), config=tiny_config(), size=4, seed=3)
    one, again = batch(examples, 5, **settings), batch(examples, 5, **settings)
    assert all(torch.equal(one[k], again[k]) for k in one)
    assert not torch.equal(batch(examples, 6, **settings)["input_ids"][:, :5], one["input_ids"][:, :5]) or \
        choose(examples, 6, 4, 3) != choose(examples, 5, 4, 3)
    epoch = sorted(choose(examples, 0, 5, 3, rank=0, world=2) + choose(examples, 0, 5, 3, rank=1, world=2))
    assert epoch == list(range(10))  # two ranks share an epoch: each example once
    fim = Vocabulary().fim_prefix_id
    many = [batch(examples, s, **settings)["input_ids"][:, 0] for s in range(20)]
    assert 0.1 < float(torch.cat(many).eq(fim).float().mean()) < 0.5  # about 30 % fill-in-the-middle


def test_a_few_steps_lower_the_loss_and_ship_a_model(base):
    curve = losses(base)
    assert len(curve) == SETTINGS.max_steps and curve[-1] < curve[0]
    model = MotionGPT.from_pretrained(base / "model")
    assert generate(model, laban.BeatGrid.uniform(100, 4, 4), seed=0).symbols is not None


class Killed(Exception):
    pass


class KillAt(L.Callback):
    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_start(self, trainer, module, batch, index) -> None:
        if trainer.global_step == self.step:
            raise Killed  # as a kill in the middle of this step: its work is lost, the last checkpoint is not


@pytest.mark.parametrize("killed_at", [1, 3])
def test_a_killed_run_resumes_with_no_lost_step(examples, base, tmp_path, killed_at, recwarn):
    # killed before half the run (step 1 of 6), the resumed run's loader was 5 batches long but Lightning went on
    # counting the epoch's batches from 1: at its 5th it began a new epoch, and step 5 was given step 1's batch
    with pytest.raises(Killed):
        train(examples, SETTINGS, tmp_path, progress=False, callbacks=[KillAt(killed_at)])
    assert not (tmp_path / "model").exists()
    train(examples, SETTINGS, tmp_path, progress=False)
    resumed, straight = load_file(tmp_path / "model" / "model.safetensors"), load_file(base / "model" /
                                                                                      "model.safetensors")
    assert resumed.keys() == straight.keys()
    assert all(torch.equal(resumed[k], straight[k]) for k in straight)
    assert losses(tmp_path) == losses(base)  # steps before the kill in the first log, the rest in the resumed one
    assert not [w for w in recwarn if "resuming from a checkpoint" in str(w.message)]  # nor "unreliable results"


class CtrlC(KillAt):
    def on_train_batch_start(self, trainer, module, batch, index) -> None:
        if trainer.global_step == self.step:
            raise KeyboardInterrupt


def test_ctrl_c_is_an_interrupt_and_the_run_resumes(examples, base, tmp_path):
    """Lightning shuts a run down on Ctrl-C and calls sys.exit(1), leaving Ctrl-C ignored: ``motiongpt train`` then
    ended with status 1 and none of its own 'interrupted' (130) that every other command gives."""
    import signal

    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        train(examples, SETTINGS, tmp_path, progress=False, callbacks=[CtrlC(2)])
    assert signal.getsignal(signal.SIGINT) is handler
    assert not (tmp_path / "model").exists()
    train(examples, SETTINGS, tmp_path, progress=False)
    assert losses(tmp_path) == losses(base)


def test_a_lora_adapter_is_small_and_changes_the_model(examples, base, tmp_path):
    adapter = train(examples, TrainConfig(**{**SETTINGS.__dict__, "max_steps": 2}), tmp_path,
                    init=base / "model", lora=True, progress=False).folder
    assert (adapter / "adapter_config.json").is_file()
    umask = os.umask(0)
    os.umask(umask)  # read: (peft wrote the weights 0600, for their owner alone, whatever the umask)
    assert (adapter / "adapter_model.safetensors").stat().st_mode & 0o777 == 0o666 & ~umask
    size = (adapter / "adapter_model.safetensors").stat().st_size
    assert size < 0.25 * (base / "model" / "model.safetensors").stat().st_size
    from motiongpt.train.lora import apply_adapter

    plain = MotionGPT.from_pretrained(base / "model")
    styled = apply_adapter(MotionGPT.from_pretrained(base / "model"), adapter)
    ids = torch.tensor([examples[0].ids])
    with torch.no_grad():
        assert not torch.allclose(plain(ids, style=torch.tensor([0])).logits, styled(ids, style=torch.tensor([0])).logits)
    assert type(styled) is MotionGPT and styled.vocabulary == plain.vocabulary


def test_an_adapter_for_a_model_of_another_vocabulary_is_refused(examples, base, tmp_path):
    """An adapter trained on a model of one vocabulary merged without a word into a model of another of the same
    shapes (a version-1 vocabulary's model, say), whose ids mean other things: it keeps its model's vocabulary
    beside it, and is refused in one line saying whose it is. On its own model it loads as before."""
    from motiongpt.errors import CheckpointError
    from motiongpt.model import build
    from motiongpt.train.lora import apply_adapter

    adapter = train(examples, TrainConfig(**{**SETTINGS.__dict__, "max_steps": 1}), tmp_path / "run",
                    init=base / "model", lora=True, progress=False).folder
    assert Vocabulary.from_pretrained(adapter) == MotionGPT.from_pretrained(base / "model").vocabulary
    apply_adapter(MotionGPT.from_pretrained(base / "model"), adapter)
    first = Vocabulary(version=1)
    other = build(tiny_config(vocab_size=len(first)), first, seed=1)
    with pytest.raises(CheckpointError, match=r"run/adapter: a style adapter for another model \(its vocabulary, "
                                              r"version 2, 1/4 beat, 174 tokens, is not this model's, version 1, 1/4 "
                                              r"beat, 162 tokens, trained from .*\): give --model the model it was "
                                              r"trained from$"):
        apply_adapter(other, adapter)


def test_a_damaged_adapter_is_one_line_and_never_looked_for_online(base, tmp_path, recwarn):
    """A style adapter missing its weights was looked for on the Hugging Face hub (offline: 'Name or service not
    known'); one whose weights are NaN sampled until it ran out of tokens; a good one printed transformers'
    deprecation of a name peft uses."""
    import shutil

    from safetensors.torch import load_file as load, save_file

    from conftest import make_adapter

    from motiongpt.errors import CheckpointError
    from motiongpt.train.lora import apply_adapter

    good = make_adapter(base / "model", tmp_path / "good")
    apply_adapter(MotionGPT.from_pretrained(base / "model"), good)
    assert not [w for w in recwarn if "gradient_checkpointing" in str(w.message)]
    shutil.copytree(good, tmp_path / "half")
    (tmp_path / "half" / "adapter_model.safetensors").unlink()
    with pytest.raises(CheckpointError, match="no adapter_model.safetensors"):
        apply_adapter(MotionGPT.from_pretrained(base / "model"), tmp_path / "half")
    with pytest.raises(CheckpointError,
                       match=r"model: a model's folder, not a style adapter's \(motiongpt train --lora writes one\)$"):
        apply_adapter(MotionGPT.from_pretrained(base / "model"), base / "model")  # the one given for the other
    shutil.copytree(good, tmp_path / "nan")
    weights = load(good / "adapter_model.safetensors")
    save_file({k: torch.full_like(v, float("nan")) for k, v in weights.items()},
              str(tmp_path / "nan" / "adapter_model.safetensors"))
    with pytest.raises(CheckpointError, match="damaged weights"):
        apply_adapter(MotionGPT.from_pretrained(base / "model"), tmp_path / "nan")
    save_file({k: torch.full_like(v, 1e5) for k, v in weights.items()},  # bytes overwritten: large, finite
              str(tmp_path / "nan" / "adapter_model.safetensors"))
    with pytest.raises(CheckpointError, match=r"damaged weights \(values beyond 10000 .* once merged\)$"):
        apply_adapter(MotionGPT.from_pretrained(base / "model"), tmp_path / "nan")
    other = MotionGPT(tiny_config(hidden_size=48))  # another model's shapes: peft's dump of tensor names before
    with pytest.raises(CheckpointError, match=rf"good: a style adapter for another model \(its weights' shapes are "
                                              rf"not this model's, trained from .*\): give --model the model it was "
                                              rf"trained from$"):
        apply_adapter(other, good)


def test_a_run_asking_beyond_the_machine_is_refused_before_it_starts(examples, tmp_path):
    """A batch of 1e9 windows chose its examples for 18 minutes (and kept on after SIGTERM); 1,000 CPU devices
    started 219 processes on a 2-core machine: each is one line now, before any file of the run is written."""
    for name in ("batch_size", "augmented_windows", "phrase_windows"):
        with pytest.raises(TrainingError, match=name):  # (checked first by train; asked here, so that a lost bound
            TrainConfig(**{**SETTINGS.__dict__, name: 10**9}).checked()  # fails this test rather than hangs it)
    with pytest.raises(TrainingError, match="on the CPU a device is a process"):
        train(examples, SETTINGS, tmp_path / "run", progress=False, devices=(os.cpu_count() or 1) + 1,
              accelerator="cpu")
    assert not (tmp_path / "run").exists()


def test_training_configs_refuse_unknown_settings(tmp_path):
    (tmp_path / "x.yaml").write_text("model: tiny\nbatch_size: 2\n")
    assert load_config(tmp_path / "x.yaml", max_steps=7) == TrainConfig(model="tiny", batch_size=2, max_steps=7)
    (tmp_path / "y.json").write_text('{"batch_sise": 2}')
    with pytest.raises(TrainingError, match="batch_sise"):
        load_config(tmp_path / "y.json")


@pytest.mark.skipif(not torch.distributed.is_available() or not torch.distributed.is_gloo_available(),
                    reason="torch.distributed with gloo is not available here")
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="two CPU processes need two cores")
def test_two_processes_train_together_under_ddp(tmp_path):
    """``motiongpt train --devices 2 --strategy ddp`` on the CPU, as docs/model.md gives it: Lightning launches the
    command again for rank 1, and each process said what the run shipped (two lines for one model)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in EXAMPLES:
        (corpus / path.name).write_text(path.read_text())
    (tmp_path / "tiny.json").write_text('{"model": "tiny", "batch_size": 2, "window_bars": 2, "warmup_steps": 1, '
                                        '"checkpoint_every": 1}')
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "motiongpt.cli", "train", "--corpus", str(corpus), "--config",
                           str(tmp_path / "tiny.json"), "--max-steps", "2", "--devices", "2", "--strategy", "ddp",
                           "--accelerator", "cpu", "--quiet", "-o", str(tmp_path / "run")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "MEMBER: 2/2" in done.stderr + done.stdout
    assert done.stdout.count("trained 2 steps") == 1, done.stdout  # said once, by the process that ships it
    assert len(losses(tmp_path / "run")) == 2
    MotionGPT.from_pretrained(tmp_path / "run" / "model")


def test_a_folder_that_tokenize_wrote_is_a_folder_of_scores(trials, tmp_path, capsys):
    """``motiongpt tokenize captures/ -o scores/`` keeps its record of the batch in scores/.motiongpt-tokenize.json,
    which ``train --corpus scores/`` read as a score and refused ('neither a motiongpt score'); hidden files are
    passed over as corpus build and tokenize pass over them (a writer's temporary too)."""
    from motiongpt.cli import main
    from motiongpt.train.corpus import read_corpus

    captures = tmp_path / "captures"
    captures.mkdir()
    header, _, body = trials["05_02"].path.read_text().partition("MOTION\n")
    lines = body.splitlines()
    (captures / "take.bvh").write_text(header + f"MOTION\nFrames: 480\n{lines[1]}\n" + "\n".join(lines[102:582]) + "\n")
    assert main(["tokenize", str(captures), "-o", str(tmp_path / "scores"), "--bpm", "100", "-q"]) == 0
    assert (tmp_path / "scores" / ".motiongpt-tokenize.json").is_file()
    (tmp_path / "scores" / ".take.0123456789abcdef.part.laban").write_text("tempo: 12")  # cut short
    takes = read_corpus(tmp_path / "scores")
    assert [take[0] for take in takes] == [laban.Score.load(tmp_path / "scores" / "take.laban")]


def test_the_command_trains_on_a_folder_of_scores(tmp_path, capsys):
    from motiongpt.cli import main
    from motiongpt.train.corpus import examples_from_corpus, read_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in EXAMPLES:
        (corpus / path.name).write_text(path.read_text())
    (corpus / f"{EXAMPLES[0].stem}.txt").write_text("a walk, a jump and a turn")
    takes = read_corpus(corpus)
    assert [t[1] for t in takes] == ["a walk, a jump and a turn", None]
    windows = examples_from_corpus(takes, Vocabulary(), tiny_config(), window_bars=2)
    assert all(e.controls is not None and (e.controls >= 0).any() for e in windows)  # computed from the dance
    (tmp_path / "tiny.json").write_text('{"model": "tiny", "batch_size": 2, "window_bars": 2, "warmup_steps": 1}')
    run = tmp_path / "runs" / "tiny"  # runs/NAME as the docs write it, runs/ not made yet (refused before)
    assert main(["train", "--corpus", str(corpus), "--config", str(tmp_path / "tiny.json"), "--max-steps", "2",
                 "--quiet", "-o", str(run)]) == 0
    assert MotionGPT.from_pretrained(run / "model").config.num_hidden_layers == 2
    said = capsys.readouterr().out
    assert said == f"{run / 'model'}: trained 2 steps on {len(windows)} windows of 2 takes\n", said
    # resumed with more steps: the steps this launch ran, and the run's in all (it said "trained 5 steps" for 3)
    for steps, more in (("5", "3 more steps"), ("5", "0 more steps")):
        assert main(["train", "--corpus", str(corpus), "--config", str(tmp_path / "tiny.json"), "--max-steps", steps,
                     "--quiet", "-o", str(run)]) == 0
        said = capsys.readouterr().out
        assert said == f"{run / 'model'}: trained {more}, 5 in all, on {len(windows)} windows of 2 takes\n", said
    assert len(losses(run)) == 5  # the three steps were run, after the two (and none by the third launch)
    (tmp_path / "afile").write_text("")
    assert main(["train", "--corpus", str(corpus), "-o", str(tmp_path / "afile" / "run")]) == 2
    assert "afile: a file, not a folder" in capsys.readouterr().err
    capsys.readouterr()
    assert main(["train", "--corpus", str(corpus), "--lora", "-o", str(tmp_path / "lora")]) == 2
    assert "--init" in capsys.readouterr().err


def test_fine_tuning_on_a_style_the_model_does_not_know_says_so(tmp_path, monkeypatch):
    """``train --init`` keeps the model's own style slots: takes of a style it does not know train as takes of no
    style, which was silent; it is said, with what the model knows and how a new style is learned."""
    import motiongpt.train.corpus as corpus_module
    from motiongpt.cli import main

    (tmp_path / "corpus").mkdir()
    for path in EXAMPLES:
        (tmp_path / "corpus" / path.name).write_text(path.read_text())
    MotionGPT(tiny_config(styles=["salsa"])).save_pretrained(tmp_path / "base")
    read = corpus_module.read_corpus
    monkeypatch.setattr(corpus_module, "read_corpus",
                        lambda folder, split="train": [(*t[:2], "modern", *t[3:]) for t in read(folder, split)])
    (tmp_path / "tiny.json").write_text('{"model": "tiny", "batch_size": 2, "window_bars": 2, "warmup_steps": 1}')
    with pytest.warns(UserWarning, match="^the model at --init knows no style 'modern' \\(it knows salsa\\): those "
                                         "takes train as takes of no style; a new style is learned by a style "
                                         "adapter \\(--lora\\)$") as said:
        assert main(["train", "--corpus", str(tmp_path / "corpus"), "--init", str(tmp_path / "base"), "--config",
                     str(tmp_path / "tiny.json"), "--max-steps", "1", "--quiet", "-o", str(tmp_path / "run")]) == 0
    assert not [w for w in said if "eval mode" in str(w.message)]  # the model loaded for --init trains in train mode
    # an adapter has no style slot of its own either: said too, with what the adapter then is
    with pytest.warns(UserWarning, match="^the model at --init knows no style 'modern' \\(it knows salsa\\): those "
                                         "takes train as takes of no style; the adapter is their style, asked for "
                                         "by its folder \\(generate --style ADAPTER\\): one adapter per style$"):
        assert main(["train", "--corpus", str(tmp_path / "corpus"), "--init", str(tmp_path / "base"), "--lora",
                     "--config", str(tmp_path / "tiny.json"), "--max-steps", "1", "--quiet", "-o",
                     str(tmp_path / "lora")]) == 0


def test_a_corpus_built_on_a_finer_grid_trains_on_its_own_vocabulary(trials, tmp_path, capsys):
    """``corpus build --subdivision 8`` writes its scores on eighths of a beat and says so in its vocabulary.json;
    ``train`` encoded them with the default vocabulary's quarters, quantising them again, and stopped in one line
    about a take it did not name ('flight at beat 3.5 has a support under it'). A model for ``--init`` whose grid
    cannot hold the corpus's is refused, saying so."""
    from motiongpt.cli import main
    from motiongpt.model.modeling import build

    shutil.copy(trials["05_02"].path, tmp_path / "05_02.bvh")
    assert main(["corpus", "build", str(tmp_path / "05_02.bvh"), "-o", str(tmp_path / "c8"), "--subdivision", "8",
                 "-q"]) == 0
    (tmp_path / "tiny.json").write_text('{"model": "tiny", "batch_size": 2, "window_bars": 2, "warmup_steps": 1}')
    train_ = ["train", "--corpus", str(tmp_path / "c8"), "--config", str(tmp_path / "tiny.json"), "--max-steps", "1",
              "--quiet", "-o"]
    assert main([*train_, str(tmp_path / "run")]) == 0, capsys.readouterr().err
    said = capsys.readouterr().out  # one step on one take, counted in the singular ("trained 1 steps" before)
    assert said.startswith(f"{tmp_path / 'run' / 'model'}: trained 1 step on ") and said.endswith(" of 1 take\n"), said
    model = MotionGPT.from_pretrained(tmp_path / "run" / "model")
    assert model.vocabulary == Vocabulary(subdivision=8) and model.config.vocab_size == len(model.vocabulary)
    halves = Vocabulary(subdivision=2)
    build(tiny_config(vocab_size=len(halves)), halves).save_pretrained(tmp_path / "halves")
    capsys.readouterr()
    assert main([*train_, str(tmp_path / "run2"), "--init", str(tmp_path / "halves")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"motiongpt: error: {tmp_path / 'halves'}: ") and "1/2 beat" in err and "1/8" in err
    assert err.count("\n") == 1 and not (tmp_path / "run2").exists()


def test_the_command_shows_its_steps_and_none_of_lightnings_noise(examples, scores, tmp_path):
    """What ``motiongpt train`` prints is the run's: its steps out of max_steps on stderr, with the loss, and the
    one line of what shipped on stdout. Before, its bar read "Epoch 0/-2" (epochs are not what a run counts, and
    ``max_epochs=-1``), and stderr held Lightning's advertisement ("💡 Tip: ... try installing litlogger"), torch's
    deprecation of a class Lightning uses (``LeafSpec``) and, with validation, Lightning's echo of a setting
    ``train`` passed ("`Trainer(limit_val_batches=1.0)` was configured so 100% of the batches will be used..").
    The devices used are still said, and a warning of the run's own still shows."""
    import warnings

    (tmp_path / "tiny.json").write_text('{"model": "tiny", "batch_size": 2, "window_bars": 2, "warmup_steps": 1}')
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "motiongpt.cli", "train", "--corpus", str(scores), "--config",
                           str(tmp_path / "tiny.json"), "--max-steps", "3", "-o", str(tmp_path / "run")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == f"{tmp_path / 'run' / 'model'}: trained 3 steps on 5 windows of 2 takes\n", done.stdout
    # stderr is no terminal here (a job's log): a line at each tenth of the steps and at the end, no bar redrawn
    lines = [line for line in done.stderr.splitlines() if line.startswith("training: ")]
    assert [line.split(",")[0] for line in lines] == ["training: step 1/3", "training: step 2/3",
                                                      "training: step 3/3"], done.stderr
    assert "train_loss" in lines[-1] and "\r" not in done.stderr and "\x1b" not in done.stderr, done.stderr
    assert "GPU available" in done.stderr
    import fcntl
    import pty
    import struct
    import termios

    terminal, its_end = pty.openpty()  # on a terminal (of 24 lines of 100 columns), the bar redrawn in place
    fcntl.ioctl(its_end, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    subprocess.run([sys.executable, "-m", "motiongpt.cli", "train", "--corpus", str(scores), "--config",
                    str(tmp_path / "tiny.json"), "--max-steps", "3", "-o", str(tmp_path / "run_seen")], env=env,
                   stdout=subprocess.DEVNULL, stderr=its_end, timeout=300, check=True)
    os.close(its_end)
    seen = b""
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # the terminal closed: all of it read
            break
        if not chunk:
            break
        seen += chunk
    os.close(terminal)
    assert b"training: 100%" in seen and b"3/3" in seen and b"training: step" not in seen, seen
    assert not [noise for noise in ("Epoch", "Tip", "litlogger", "LeafSpec", "v_num") if noise in done.stderr], \
        done.stderr

    class Problem(L.Callback):
        def on_train_start(self, *_) -> None:
            warnings.warn("a corpus problem")

    lines, lightning = Lines(), logging.getLogger("lightning.pytorch")
    lightning.addHandler(lines)
    try:
        with pytest.warns(UserWarning, match="a corpus problem"):
            train(examples, replace(SETTINGS, max_steps=2), tmp_path / "validated", validation=examples[:2],
                  progress=False, callbacks=[Problem()])
    finally:
        lightning.removeHandler(lines)
    assert any("GPU available" in line for line in lines.said)
    assert not [line for line in lines.said if "was configured so" in line or "Tip" in line], lines.said


def test_a_corpus_with_no_training_takes_is_said_to_have_none(trials, tmp_path, capsys):
    """A corpus whose manifest holds every take out (split test or validation) stopped training with 'no training
    examples', naming neither the corpus nor the split."""
    from motiongpt.cli import main

    shutil.copy(trials["05_02"].path, tmp_path / "05_02.bvh")
    (tmp_path / "manifest.csv").write_text("file,split\n05_02.bvh,test\n")
    assert main(["corpus", "build", str(tmp_path), "-o", str(tmp_path / "corpus"), "-q"]) == 0
    capsys.readouterr()
    assert main(["train", "--corpus", str(tmp_path / "corpus"), "-o", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err == f"motiongpt: error: {tmp_path / 'corpus'}: no takes in its train split (1 test)\n"
    assert not (tmp_path / "run").exists()


def test_the_corpus_augmented_windows_become_examples(tmp_path):
    import shutil

    from motiongpt.data.augment import windows
    from motiongpt.data.corpus import Corpus, Take
    from motiongpt.train.corpus import examples_from_windows

    (tmp_path / "scores").mkdir()
    takes = []
    for path in EXAMPLES:
        shutil.copy(path, tmp_path / "scores" / path.name)
        takes.append(Take(path.stem, f"scores/{path.name}", str(path), "", "train", "modern", "a dance", None, None,
                          5.0, algebra.bar_count(laban.Score.load(path)), 100, folder=tmp_path))
    drawn = windows(Corpus(tmp_path, tuple(takes)), "train", bars=(1, 2), rng=np.random.default_rng(0), count=6)
    examples = examples_from_windows(drawn, Vocabulary(), tiny_config(styles=["modern"]), exact_words=0.5)
    assert len(examples) == 6
    texts = {e.text.tobytes() for e in examples}
    assert 1 < len(texts)  # the take's words and, for some windows, the window's own exact words
    for e in examples:
        assert e.style == 0 and e.controls.shape == (len(Vocabulary().bar_spans(e.ids)), 4)


@pytest.mark.parametrize("line, setting", [
    ("batch_size: 0", "batch_size"), ("batch_size: -1", "batch_size"), ("batch_size: big", "batch_size"),
    ("learning_rate: .nan", "learning_rate"), ("learning_rate: -1", "learning_rate"),
    ("warmup_steps: -5", "warmup_steps"), ("exact_words: 7", "exact_words"), ("checkpoint_every: 0", "checkpoint_every"),
    ("validate_every: -1", "validate_every"), ("fim_rate: true", "fim_rate"), ("model: nosuch", "model"),
    ("model_overrides: {hidden_size: -5}", "hidden_size"), ("model_overrides: [1]", "model_overrides"),
    ("model_overrides: {hidden_size: 33, num_attention_heads: 2}", "hidden size"),
    ("model_overrides: {hidden_size: 6, num_attention_heads: 2}", "even size"),
    # a mistyped override trained the preset's model without a word (transformers keeps any name as an attribute)
    ("model_overrides: {hiden_size: 64}", "unknown model setting hiden_size .did you mean hidden_size")])
def test_training_configs_refuse_values_a_run_cannot_use(tmp_path, line, setting):
    (tmp_path / "x.yaml").write_text(f"model: tiny\n{line}\n" if not line.startswith("model:") else line)
    with pytest.raises(TrainingError, match=f"^{tmp_path / 'x.yaml'}: .*{setting}") as refused:
        load_config(tmp_path / "x.yaml")
    assert "\n" not in str(refused.value)


def test_training_configs_take_a_rate_that_yaml_reads_as_a_string(tmp_path):
    (tmp_path / "x.yaml").write_text("learning_rate: 1e-3\nvalidate_every: 0\n")  # YAML 1.1: 1e-3 is a string
    assert load_config(tmp_path / "x.yaml") == TrainConfig(learning_rate=0.001, validate_every=0)
    with pytest.raises(TrainingError, match="^seed"):
        load_config(tmp_path / "x.yaml", seed=2**40)  # an override is not the file's fault


@pytest.mark.parametrize("damage", ["empty", "random", "cut"])
def test_a_damaged_checkpoint_is_refused_in_one_line_naming_it(examples, base, tmp_path, damage):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(base, run)
    last = run / "checkpoints" / "last.ckpt"
    whole = last.read_bytes()
    last.write_bytes({"empty": b"", "random": np.random.default_rng(0).bytes(5000), "cut": whole[:5000]}[damage])
    with pytest.raises(TrainingError, match=f"^{last}: not a readable checkpoint \\("):
        train(examples, SETTINGS, run, progress=False)
    assert sorted(p.name for p in (run / "logs").iterdir()) == ["run0"]  # no log of a launch that never ran


def test_a_checkpoint_of_another_shape_is_refused(examples, base, tmp_path):
    import shutil

    shutil.copytree(base, tmp_path / "run")
    wider = TrainConfig(**{**SETTINGS.__dict__, "model_overrides": {"hidden_size": 64}})
    with pytest.raises(TrainingError, match="another model"):
        train(examples, wider, tmp_path / "run", progress=False)


class FailAtFitStart(L.Callback):
    def on_fit_start(self, trainer, module) -> None:
        raise Killed


class Lines(logging.Handler):
    """The lines a logger was given, as said."""

    def __init__(self) -> None:
        super().__init__()
        self.said = []

    def emit(self, record) -> None:
        self.said.append(record.getMessage())


def test_a_run_that_fails_before_its_first_step_keeps_lightning_quiet(examples, tmp_path):
    lines, lightning = Lines(), logging.getLogger("lightning.pytorch")
    lightning.addHandler(lines)
    try:
        with pytest.raises(Killed):
            train(examples, SETTINGS, tmp_path / "early", progress=False, callbacks=[FailAtFitStart()])
        assert not any("GPU available" in line for line in lines.said)
        with pytest.raises(Killed):
            train(examples, SETTINGS, tmp_path / "later", progress=False, callbacks=[KillAt(1)])
        assert sum("GPU available" in line for line in lines.said) == 1  # once it trains, they are let out
    finally:
        lightning.removeHandler(lines)


@pytest.fixture(scope="module")
def scores(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("scores")
    for path in EXAMPLES:
        (folder / path.name).write_text(path.read_text())
    return folder


@pytest.mark.parametrize("arguments, said", [
    (["--devices", "0"], "--devices"), (["--devices", "-1"], "--devices"), (["--devices", "abc"], "--devices"),
    (["--accelerator", "bogus"], "--accelerator"), (["--strategy", "bogus"], "strategy='bogus'"),
    (["--config", "{config}"], "batch_size"), (["-o", "{file}"], "a file, not a folder")])
def test_the_command_refuses_bad_settings_in_one_line_and_writes_nothing(scores, tmp_path, capfd, arguments, said):
    from motiongpt.cli import main

    (tmp_path / "bad.yaml").write_text("model: tiny\nbatch_size: 0\n")
    (tmp_path / "afile").write_text("")
    arguments = [a.format(config=tmp_path / "bad.yaml", file=tmp_path / "afile") for a in arguments]
    out = tmp_path / "run"
    assert main(["train", "--corpus", str(scores), "--quiet", "-o", str(out), *arguments]) == 2
    err = capfd.readouterr().err
    assert err.startswith("motiongpt: error: ") and err.count("\n") == 1 and said in err, err
    assert not out.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_the_command_says_there_is_no_gpu_in_one_line(scores, tmp_path, capfd):
    from motiongpt.cli import main

    (tmp_path / "tiny.json").write_text('{"model": "tiny", "batch_size": 2, "window_bars": 2}')
    assert main(["train", "--corpus", str(scores), "--config", str(tmp_path / "tiny.json"), "--accelerator", "gpu",
                 "--quiet", "-o", str(tmp_path / "run")]) == 2
    err = capfd.readouterr().err
    assert err.startswith("motiongpt: error: ") and err.count("\n") == 1 and "gpu" in err, err
