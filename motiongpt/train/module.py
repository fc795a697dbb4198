"""Training with Lightning: the LightningModule, the DataModule and ``train``.

- **Checkpoints and resume.** Every ``checkpoint_every`` steps Lightning writes ``checkpoints/last.ckpt``
  (weights, optimiser, schedule, step: a pickled file that never leaves the run folder). ``train`` on a folder
  that has one resumes from it. Because each step's batch is a pure function of (seed, step, rank)
  (``examples.batch``), the resumed run sees the batches the uninterrupted one would have: with a checkpoint every
  step, a run killed at any step and resumed ends with the same weights.
- **Deterministic** with a seed: ``seed_everything``, deterministic algorithms, no dropout.
- **What ships** is ``model/`` (``MotionGPT.save_pretrained``: safetensors + config + vocabulary), or with
  ``lora=True`` ``adapter/`` (peft: ``adapter_config.json`` + ``adapter_model.safetensors``): with validation
  examples, the weights of the validation that scored best (``BestValidation`` keeps them in ``best/``; a small
  corpus overfits before the schedule ends), else the last step's.
- A progress bar of steps out of ``max_steps`` (``_StepsBar``, on stderr; none of Lightning's tips and echoes), a
  CSV log (``logs/run<N>/metrics.csv``, one per launch; TensorBoard beside it when installed), bf16 on a GPU,
  ``devices``/``strategy`` passed to Lightning (``ddp`` on CPU uses gloo).
"""

from __future__ import annotations

import json
import logging
import math
import os
import signal
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import lightning as L
import torch
from lightning.fabric.utilities.exceptions import MisconfigurationException
from lightning.pytorch.callbacks import ModelCheckpoint, TQDMProgressBar
from lightning.pytorch.callbacks.progress.tqdm_progress import Tqdm

from laban.errors import LabanError
from laban.files import readable_as_folder
from motiongpt.model.config import PRESETS, MotionGPTConfig
from motiongpt.model.modeling import MotionGPT, build

from .examples import Example, StepBatches


class TrainingError(LabanError):
    """A training setting or input that cannot work."""


@dataclass
class TrainConfig:
    """Everything a run needs besides its examples; read from YAML/JSON with ``load_config``."""

    model: str = "builtin"  # a preset (builtin, tiny)
    model_overrides: dict = field(default_factory=dict)  # MotionGPTConfig fields changed from the preset
    batch_size: int = 16
    learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 100
    max_steps: int = 3000
    fim_rate: float = 0.3
    condition_drop: float = 0.1
    fact_drop: float = 0.3  # each word fact left unsaid with this probability (motiongpt.train.examples.batch)
    window_bars: int = 8
    augmented_windows: int = 0  # N > 0: N augmented windows of a corpus (motiongpt.data.augment) instead of plain cuts
    exact_words: float = 0.5  # share of augmented windows described by laban.describe rather than the take's words
    phrase_windows: int = 0  # N > 0: N more augmented 2-bar windows (one phrase), each in laban.describe's words
    checkpoint_every: int = 50
    validate_every: int = 0  # 0: validate only at the end (when validation examples are given)
    seed: int = 0
    lora_rank: int = 8
    lora_alpha: int = 16

    def model_config(self, **extra) -> MotionGPTConfig:
        if self.model not in PRESETS:
            raise TrainingError(f"unknown model preset {self.model!r} (known: {', '.join(PRESETS)})")
        return PRESETS[self.model](**{**self.model_overrides, **extra})

    def checked(self, source: str | Path | None = None) -> TrainConfig:
        """These settings when a run can use them (a rate written ``1e-3``, which YAML reads as a string, made a
        number), else a TrainingError naming the setting and ``source``: said before any step, or any file in the
        run folder, rather than as a traceback from deep in the first step."""
        where = f"{source}: " if source is not None else ""
        numbers = {}
        for name, (whole, low, high, low_allowed) in _BOUNDS.items():
            value = getattr(self, name)
            if not whole and isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    pass
            fits = isinstance(value, int) and not isinstance(value, bool) or \
                not whole and isinstance(value, float) and math.isfinite(value)
            if not (fits and (value >= low if low_allowed else value > low) and value <= high):
                raise TrainingError(f"{where}{name} must be {_bound(whole, low, high, low_allowed)}, not {value!r}")
            numbers[name] = value
        if not isinstance(self.model, str) or self.model not in PRESETS:
            raise TrainingError(f"{where}model must be a preset ({', '.join(PRESETS)}), not {self.model!r}")
        if not isinstance(self.model_overrides, dict):
            raise TrainingError(f"{where}model_overrides must be a mapping of model settings, "
                                f"not {self.model_overrides!r}")
        unknown = sorted(map(str, set(self.model_overrides) - _model_settings(self.model)))
        if unknown:  # the config would keep the name as an attribute no layer reads: the preset's model, unsaid
            import difflib

            near = difflib.get_close_matches(unknown[0], _model_settings(self.model), n=1)
            raise TrainingError(f"{where}model_overrides: unknown model setting{'s' * (len(unknown) > 1)} "
                                f"{', '.join(unknown)}{f' (did you mean {near[0]}?)' if near else ''}")
        for name in _MODEL_SIZES:
            value = self.model_overrides.get(name, 1)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise TrainingError(f"{where}model_overrides: {name} must be a whole number of at least 1, "
                                    f"not {value!r}")
        try:
            config = self.model_config()
        except Exception as error:  # transformers' checks, wrapped by huggingface_hub's: the first one says why
            while error.__cause__ is not None:
                error = error.__cause__
            raise TrainingError(f"{where}model_overrides: {' '.join(str(error).split())}") from None
        heads, groups = config.num_attention_heads, config.num_key_value_heads
        if heads % groups:
            raise TrainingError(f"{where}model_overrides: num_attention_heads ({heads}) must be a multiple of "
                                f"num_key_value_heads ({groups})")
        size = getattr(config, "head_dim", None) or config.hidden_size // heads
        if size % 2:  # rotary positions turn pairs of a head's dimensions
            raise TrainingError(f"{where}model_overrides: each attention head must have an even size, not {size} "
                                f"(hidden_size {config.hidden_size} / {heads} heads)")
        return replace(self, **numbers)


# What a run needs of each number setting: (whole number?, lowest, highest, lowest allowed?)
# The largest batch and window counts: a batch of 4,096 windows of up to 1,024 tokens is 4 M tokens, more than one
# GPU's memory holds, and a million windows are some 3 GB of ids; beyond them a mistyped number ran for hours (a
# batch_size of 1e9 was still choosing its examples after 18 minutes).
LARGEST_BATCH, MOST_WINDOWS = 4096, 1_000_000
_BOUNDS = {"batch_size": (True, 1, LARGEST_BATCH, True), "learning_rate": (False, 0, math.inf, False),
           "weight_decay": (False, 0, math.inf, True), "warmup_steps": (True, 0, math.inf, True),
           "max_steps": (True, 1, math.inf, True), "fim_rate": (False, 0, 1, True),
           "condition_drop": (False, 0, 1, True), "fact_drop": (False, 0, 1, True),
           "window_bars": (True, 1, math.inf, True), "augmented_windows": (True, 0, MOST_WINDOWS, True),
           "exact_words": (False, 0, 1, True), "phrase_windows": (True, 0, MOST_WINDOWS, True),
           "checkpoint_every": (True, 1, math.inf, True), "validate_every": (True, 0, math.inf, True),
           "seed": (True, 0, 2**32 - 1, True),  # Lightning's seed_everything quietly seeds 0 outside this range
           "lora_rank": (True, 1, math.inf, True), "lora_alpha": (True, 1, math.inf, True)}
# The model's sizes that an override may change: each a count of something
_MODEL_SIZES = ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                "max_position_embeddings", "train_length", "style_slots", "tempo_buckets", "max_meter",
                "text_dimensions")


def _model_settings(preset: str) -> set[str]:
    """The names a ``model_overrides`` may set: the preset's config's, what its constructors take, and
    ``rope_theta`` (which ``MotionGPTConfig`` sets, read into ``rope_parameters``)."""
    import inspect

    from transformers import LlamaConfig

    named = {p for kind in (MotionGPTConfig, LlamaConfig) for p in inspect.signature(kind.__init__).parameters}
    return (set(PRESETS[preset]().to_dict()) | named | {"rope_theta"}) - {"self", "kwargs"}


def _bound(whole: bool, low: float, high: float, low_allowed: bool) -> str:
    """``_BOUNDS``'s row in words: "a whole number of at least 1", "a number from 0 to 1", "a positive number"."""
    kind = "a whole number" if whole else "a number"
    if math.isfinite(high):
        return f"{kind} from {low} to {high}"
    return f"{kind} of at least {low}" if low_allowed else f"a positive {kind.removeprefix('a ')}"


def load_config(path: str | Path | None = None, **overrides) -> TrainConfig:
    """A TrainConfig from a .yaml/.yml/.json file (unknown keys and values a run cannot use refused in one line,
    naming the file) and keyword overrides."""
    data = {}
    if path is not None:
        path = Path(path)
        try:
            text = path.read_text()
            if path.suffix in (".yaml", ".yml"):
                import yaml

                data = yaml.safe_load(text) or {}
            else:
                data = json.loads(text)
        except FileNotFoundError:
            raise TrainingError(f"{path}: no such file") from None
        except Exception as error:
            raise TrainingError(f"{path}: cannot read the training config ({str(error).splitlines()[0]})") from None
        if not isinstance(data, dict):
            raise TrainingError(f"{path}: a training config is a mapping of settings")
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise TrainingError(f"{path}: unknown training settings: {', '.join(unknown)} "
                            f"(known: {', '.join(sorted(known))})")
    settings = TrainConfig(**data).checked(path)
    return replace(settings, **{k: v for k, v in overrides.items() if v is not None}).checked()


class MotionGPTModule(L.LightningModule):
    """Next-token loss on batches from ``examples.batch``; AdamW with warm-up then cosine decay."""

    def __init__(self, model: torch.nn.Module, settings: TrainConfig) -> None:
        super().__init__()
        self.model, self.settings = model, settings

    def training_step(self, batch: dict, index: int) -> torch.Tensor:
        loss = self.model(**batch).loss
        self.log("train_loss", loss, prog_bar=True, on_step=True, batch_size=batch["input_ids"].shape[0])
        return loss

    def validation_step(self, batch: dict, index: int) -> None:
        loss = self.model(**batch).loss
        self.log("val_loss", loss, prog_bar=True, sync_dist=True, batch_size=batch["input_ids"].shape[0])

    def configure_optimizers(self):
        s = self.settings
        decay = [p for n, p in self.model.named_parameters() if p.requires_grad and p.ndim >= 2]
        rest = [p for n, p in self.model.named_parameters() if p.requires_grad and p.ndim < 2]
        optimiser = torch.optim.AdamW([{"params": decay, "weight_decay": s.weight_decay},
                                       {"params": rest, "weight_decay": 0.0}], lr=s.learning_rate)

        def rate(step: int) -> float:
            if step < s.warmup_steps:
                return (step + 1) / max(1, s.warmup_steps)
            done = (step - s.warmup_steps) / max(1, s.max_steps - s.warmup_steps)
            return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, done)))

        schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, rate)
        return {"optimizer": optimiser, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}


class BestValidation(L.Callback):
    """Keeps the weights of the lowest validation loss so far in ``folder`` (saved whole, atomically); its
    record (loss, step) rides in Lightning's checkpoint, so a resumed run goes on comparing against it."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.loss, self.step = Path(folder), math.inf, -1

    def on_validation_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        loss = trainer.callback_metrics.get("val_loss")
        if trainer.sanity_checking or loss is None or not float(loss) < self.loss:
            return
        self.loss, self.step = float(loss), trainer.global_step
        if trainer.is_global_zero:
            module.model.save_pretrained(self.folder)
            readable_as_folder(self.folder)

    def state_dict(self) -> dict:
        return {"loss": self.loss, "step": self.step}

    def load_state_dict(self, state: dict) -> None:
        self.loss, self.step = state["loss"], state["step"]


class StepDataModule(L.LightningDataModule):
    """The batches from the trainer's current step to ``max_steps`` (so a resumed run continues the sequence)."""

    def __init__(self, examples: Sequence[Example], settings: TrainConfig, vocabulary, config: MotionGPTConfig,
                 validation: Sequence[Example] | None = None) -> None:
        super().__init__()
        self.examples, self.validation, self.settings = list(examples), list(validation or []), settings
        self.common = dict(vocabulary=vocabulary, config=config, size=settings.batch_size, seed=settings.seed)

    def train_dataloader(self):
        trainer = self.trainer  # a run is one epoch, so the steps done are the epoch's batches a resume counts
        dataset = StepBatches(self.examples, trainer.global_step, self.settings.max_steps,
                              counted=trainer.global_step, rank=trainer.global_rank,
                              world=trainer.world_size, fim_rate=self.settings.fim_rate,
                              condition_drop=self.settings.condition_drop, fact_drop=self.settings.fact_drop,
                              **self.common)
        return torch.utils.data.DataLoader(dataset, batch_size=None, shuffle=False)

    def val_dataloader(self):
        if not self.validation:
            return []
        trainer = self.trainer
        steps = max(1, math.ceil(len(self.validation) / (self.settings.batch_size * trainer.world_size)))
        dataset = StepBatches(self.validation, 0, steps, rank=trainer.global_rank, world=trainer.world_size,
                              augment=False, **self.common)
        return torch.utils.data.DataLoader(dataset, batch_size=None, shuffle=False)


@dataclass(frozen=True)
class Trained:
    """What a launch of ``train`` shipped, and its steps: a resumed launch began at its checkpoint's step, so the
    steps it ran are not ``max_steps`` (the command said "trained 10 steps" for the 3 a resume ran)."""

    folder: Path  # ``out_dir/model`` or ``out_dir/adapter``
    began: int  # the step this launch began at: 0, or the step of the checkpoint it resumed from
    step: int  # the run's steps in all, at its end

    @property
    def ran(self) -> int:
        return self.step - self.began


def train(examples: Sequence[Example], settings: TrainConfig, out_dir: str | Path, *,
          init: str | Path | MotionGPT | None = None, lora: bool = False, validation: Sequence[Example] | None = None,
          devices: int | str = 1, strategy: str = "auto", accelerator: str = "auto", max_steps: int | None = None,
          seed: int | None = None, progress: bool = True, callbacks: Sequence = ()) -> Trained | None:
    """Train (or fine-tune ``init``, a model folder or model; with ``lora`` an adapter) on ``examples``; resume
    from ``out_dir/checkpoints/last.ckpt`` when there is one. Returns the folder that ships (``out_dir/model`` or
    ``out_dir/adapter``) with the steps this launch ran; None in the other processes of a distributed run (the
    first one writes it)."""
    settings = replace(settings, **{k: v for k, v in (("max_steps", max_steps), ("seed", seed)) if v is not None})
    settings = settings.checked()
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise TrainingError(f"{out_dir}: a file, not a folder")
    examples = list(examples)
    if not examples:
        raise TrainingError("no training examples")
    L.seed_everything(settings.seed, workers=True, verbose=False)
    model = _initial_model(init, settings)
    vocabulary, config = model.vocabulary, model.config
    if lora:
        from .lora import with_adapter

        model = with_adapter(model, settings.lora_rank, settings.lora_alpha)
    module = MotionGPTModule(model, settings)
    data = StepDataModule(examples, settings, vocabulary, config, validation)
    checkpoints = ModelCheckpoint(dirpath=out_dir / "checkpoints", every_n_train_steps=settings.checkpoint_every,
                                  save_top_k=0, save_last=True, save_on_train_epoch_end=False)
    best = BestValidation(out_dir / "best")
    last = out_dir / "checkpoints" / "last.ckpt"
    began = _check_resumable(last, module) if last.exists() else 0
    gpu = torch.cuda.is_available() and accelerator in ("auto", "gpu", "cuda")
    cores = os.cpu_count() or 1
    if not gpu and accelerator in ("auto", "cpu") and isinstance(devices, int) and devices > cores:
        raise TrainingError(f"devices={devices}: on the CPU a device is a process, and this machine has {cores} "
                            f"core{'s' if cores > 1 else ''}")  # (1,000 asked for started 219 processes)
    with _HeldLines() as held, warnings.catch_warnings():
        # Lightning's own use of torch's pytree API, deprecated there: nothing a researcher can act on
        warnings.filterwarnings("ignore", message=r"`isinstance\(treespec, LeafSpec\)` is deprecated",
                                category=FutureWarning)
        try:
            trainer = L.Trainer(default_root_dir=out_dir, max_steps=settings.max_steps, max_epochs=-1,
                                accelerator=accelerator, devices=devices, strategy=strategy,
                                precision="bf16-mixed" if gpu else "32-true", deterministic=True,
                                use_distributed_sampler=False, logger=_loggers(out_dir), log_every_n_steps=1,
                                callbacks=[checkpoints, best, held, *callbacks, *([_StepsBar()] if progress else [])],
                                enable_progress_bar=progress, enable_model_summary=False, num_sanity_val_steps=0,
                                val_check_interval=settings.validate_every or None,
                                check_val_every_n_epoch=None if settings.validate_every else 1,
                                limit_val_batches=None if validation else 0)  # None: all, without Lightning's
            # line saying so ("`Trainer(limit_val_batches=1.0)` was configured so 100% of the batches...")
        except (MisconfigurationException, ValueError, TypeError, ImportError) as error:  # Lightning's word on
            # the hardware (ImportError: an accelerator whose library is not installed, as tpu's torch_xla)
            raise TrainingError(f"cannot train with accelerator={accelerator!r}, devices={devices!r}, "
                                f"strategy={strategy!r}: {' '.join(str(error).split())}") from None
        ctrl_c = signal.getsignal(signal.SIGINT)
        # a batch is a pure function of its step (StepBatches): a run resumed mid-epoch gets the batches of an
        # uninterrupted one, not the "unreliable results" Lightning warns of
        warnings.filterwarnings("ignore", message="You're resuming from a checkpoint that ended before the epoch")
        try:
            trainer.fit(module, datamodule=data, ckpt_path=last if last.exists() else None)
        except SystemExit:  # Lightning's end of a run shut down on Ctrl-C: sys.exit(1), Ctrl-C ignored after
            if not trainer.interrupted:
                raise
            signal.signal(signal.SIGINT, ctrl_c)
            raise KeyboardInterrupt from None  # the caller's to say (the command: "interrupted", status 130)
    shipped = out_dir / ("adapter" if lora else "model")
    if trainer.is_global_zero:
        if best.step >= 0 and best.folder.is_dir():
            _replace(best.folder, shipped)
        else:
            module.model.save_pretrained(shipped)
        if lora:
            (shipped / "README.md").unlink(missing_ok=True)  # peft's model card template: not ours to ship
            vocabulary.save_pretrained(shipped)  # the ids its weights learned (``lora._check_vocabulary``)
        readable_as_folder(shipped)
        record = {**asdict(settings), "shipped_step": best.step if best.step >= 0 else trainer.global_step,
                  "shipped_val_loss": best.loss if best.step >= 0 else None}
        (out_dir / "train_config.json").write_text(json.dumps(record, indent=1) + "\n")
    return Trained(shipped, began, trainer.global_step) if trainer.is_global_zero else None


def _check_resumable(path: Path, module: MotionGPTModule) -> int:
    """Refuses a ``last.ckpt`` that Lightning could not resume from (empty, cut short by a full disk, another file,
    another model's) in one line naming it, before the Trainer starts: inside ``fit`` it is a traceback. The file is
    read as Lightning reads it (weights only), so the check refuses nothing that Lightning would take. Returns the
    step it resumes at."""
    import zipfile

    if path.stat().st_size == 0:
        raise TrainingError(f"{path}: not a readable checkpoint (an empty file)")
    if not zipfile.is_zipfile(path):  # torch.save writes a zip archive, whose index is its last bytes
        raise TrainingError(f"{path}: not a readable checkpoint (cut short, damaged or not a PyTorch file)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)  # mapped: Lightning reads it next
    except Exception as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0].split(". ")[0]
        raise TrainingError(f"{path}: not a readable checkpoint ({reason})") from None
    if not (isinstance(state, dict) and isinstance(state.get("state_dict"), dict) and "loops" in state):
        raise TrainingError(f"{path}: not a readable checkpoint (no Lightning training state in it)")
    ours = {name: tuple(value.shape) for name, value in module.state_dict().items()}
    theirs = {name: tuple(getattr(value, "shape", ())) for name, value in state["state_dict"].items()}
    if ours != theirs:
        raise TrainingError(f"{path}: the checkpoint of another model (its weights do not fit these settings): "
                            f"train with the settings it was made with, or into another folder")
    return int(state.get("global_step", 0))


class _StepsBar(TQDMProgressBar):
    """The run's steps out of ``max_steps`` (from the step it resumed at), with the losses: Lightning's bar counted
    the batches of an epoch, which here is bookkeeping (a batch is a function of its step, ``StepBatches``), and read
    "Epoch 0/-2" under ``max_epochs=-1``. On stderr, as the package's other bars (``viz.progress``): stdout keeps the
    command's one line saying what shipped. Where stderr is no terminal (a cluster job's log, ``2> run.log``) the
    bar is a line at each validation (without one, at each tenth of the steps) and at the end, as nanoGPT's loop
    says its losses: a redrawn bar wrote a log of carriage returns and cursor moves, one redraw a step."""

    def __init__(self) -> None:
        super().__init__()
        self.live = sys.stderr.isatty()
        self._said = -1  # the step of the last line written (no terminal)
        self._began: tuple[float, int] | None = None  # when and at which step this launch began

    def on_train_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        super().on_train_start(trainer, module)
        self._began = time.monotonic(), trainer.global_step

    def _say(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        """One line of the run's progress (no terminal): its step, its losses, the seconds a step, what is left."""
        step = trainer.global_step
        if self.is_disabled or self.live or step == self._said:
            return
        self._said = step
        metrics = ", ".join(f"{k} {float(v):.3f}" for k, v in self.get_metrics(trainer, module).items())
        since, first = self._began or (time.monotonic(), step)
        pace = (time.monotonic() - since) / max(step - first, 1)
        seconds = pace * (trainer.max_steps - step)
        left = "" if step >= trainer.max_steps else f", {seconds:.0f} s left" if seconds < 90 else \
            f", {seconds / 60:.0f} min left"
        print(f"training: step {step}/{trainer.max_steps}{', ' if metrics else ''}{metrics}, {pace:.2f} s a step"
              f"{left}", file=sys.stderr, flush=True)

    def on_train_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        super().on_train_end(trainer, module)
        self._say(trainer, module)

    def init_train_tqdm(self):
        return self._bar("training", total=self.trainer.max_steps, initial=self.trainer.global_step, leave=True,
                         position=2 * self.process_position, smoothing=0)

    def init_validation_tqdm(self):
        return self._bar("validating", leave=False, position=2 * self.process_position + 1)

    def _bar(self, label: str, **settings) -> Tqdm:
        return Tqdm(desc=label, disable=self.is_disabled or not self.live, dynamic_ncols=True, file=sys.stderr,
                    bar_format=self.BAR_FORMAT, **settings)

    def on_train_epoch_start(self, *_) -> None:
        """Nothing: the bar runs over the epochs (Lightning's started it again at each)."""

    def on_train_batch_end(self, trainer: L.Trainer, module: L.LightningModule, *_) -> None:
        if self._should_update(trainer.global_step, trainer.max_steps):
            self.train_progress_bar.n = trainer.global_step
            self.train_progress_bar.set_postfix(self.get_metrics(trainer, module))
        if not trainer.enable_validation:
            self._done(trainer)
            if trainer.global_step % max(trainer.max_steps // 10, 1) == 0:
                self._say(trainer, module)

    def on_validation_batch_start(self, trainer: L.Trainer, module: L.LightningModule, batch, index: int,
                                  dataloader_idx: int = 0) -> None:
        super().on_validation_batch_start(trainer, module, batch, index, dataloader_idx)
        if index == 0:  # (Lightning's: "Validation DataLoader 0", for the one loader there is)
            self.val_progress_bar.set_description("validating")

    def on_validation_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        super().on_validation_end(trainer, module)  # the validation's loss shown beside the steps
        self._done(trainer)
        self._say(trainer, module)

    def _done(self, trainer: L.Trainer) -> None:
        """At the last step (and its validation), the bar ends: Lightning's line saying why the run stopped would
        otherwise be written on the bar's line."""
        if trainer.global_step >= trainer.max_steps:
            self.train_progress_bar.close()

    def get_metrics(self, trainer: L.Trainer, module: L.LightningModule) -> dict:
        return {k: v for k, v in super().get_metrics(trainer, module).items() if k != "v_num"}  # the log's folder


class _HeldLines(L.Callback):
    """Holds back Lightning's start-up lines ("GPU available: ..."), and lets them out at the first step: a run
    that fails before it (on a device it cannot use, say) ends in its one line of error alone. Its lines that say
    nothing of the run are dropped where Lightning logs them (``_unsaid``)."""

    def __init__(self) -> None:
        from logging.handlers import BufferingHandler

        self.logger, self.held, self.handlers = logging.getLogger("lightning.pytorch"), BufferingHandler(10_000), []
        self.source = logging.getLogger("lightning.pytorch.utilities.rank_zero")  # rank_zero_info's logger

    @staticmethod
    def _unsaid(record: logging.LogRecord) -> bool:
        """False for Lightning's advertisements ("💡 Tip: ... try installing litlogger") and its echoes of what
        ``train`` passed it ("`Trainer(val_check_interval=1)` was configured so validation will run after every
        batch"); True for the rest (the devices used, why a run stopped)."""
        message = record.getMessage()
        return not ("Tip: " in message and "installing" in message or ")` was configured so " in message)

    def __enter__(self) -> _HeldLines:
        self.source.addFilter(self._unsaid)
        self.handlers = list(self.logger.handlers)
        for handler in self.handlers:
            self.logger.removeHandler(handler)
        self.logger.addHandler(self.held)
        return self

    def on_train_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self.let_out()

    def let_out(self, show: bool = True) -> None:
        if self.held not in self.logger.handlers:
            return
        self.logger.removeHandler(self.held)
        for handler in self.handlers:
            self.logger.addHandler(handler)
        for record in self.held.buffer if show else ():
            self.logger.handle(record)
        self.held.buffer.clear()

    def __exit__(self, kind, *_) -> None:
        self.let_out(show=kind is None)  # a run that ends with no step (resumed when done) still says why
        self.source.removeFilter(self._unsaid)


def _replace(source: Path, target: Path) -> None:
    """``target`` becomes a copy of the folder ``source`` (copied beside it, then renamed into place)."""
    import shutil

    temporary = target.with_name(f".{target.name}.new")
    shutil.rmtree(temporary, ignore_errors=True)
    shutil.copytree(source, temporary)
    shutil.rmtree(target, ignore_errors=True)
    temporary.rename(target)


def _initial_model(init, settings: TrainConfig) -> MotionGPT:
    """The model training starts from, in training mode (a model given loaded, as ``train --init`` loads it, came in
    eval mode, as ``from_pretrained`` leaves it, and Lightning warned of its 40 modules in eval mode)."""
    if isinstance(init, MotionGPT):
        return init.train()
    if init is None:
        return build(settings.model_config(), seed=settings.seed)
    if str(init) == "builtin":
        from motiongpt.model import builtin_model_path

        init = builtin_model_path()
    model = MotionGPT.from_pretrained(init)
    model.train()
    return model


def _loggers(out_dir: Path) -> list:
    from importlib.util import find_spec

    from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger

    # one version folder per launch (logs/run0, logs/run1 after a resume...): a resumed run never overwrites a log
    launch = f"run{sum(1 for _ in (out_dir / 'logs').glob('run*'))}"
    loggers = [CSVLogger(out_dir, name="logs", version=launch)]
    if find_spec("tensorboard") is not None or find_spec("tensorboardX") is not None:
        loggers.append(TensorBoardLogger(out_dir, name="tensorboard", version=launch))
    return loggers
