"""MotionGPT: a decoder-only transformer (transformers' Llama blocks) over the vocabulary's ids, conditioned on
words, style, tempo, meter and per-bar controls.

How the conditions enter (``docs/model.md``):

- **Prefix**: four embeddings before the first token: the sentence vector (projected), the style, the tempo
  bucket and the meter. An absent condition is its own learned embedding (a null text vector, style/tempo/meter
  id 0), so that every condition can be dropped in training and left out, or contrasted, at generation.
- **Per-bar controls**: a (bars, K) tensor of quantised levels (energy, accents, phrase boundary, repetition...
  whatever the conditioning module computes), -1 where absent. The K control embeddings of bar *j* are added to
  the embedding of every token of bar *j*, from its ``<bar>`` on (``token_bars``), so the model reads a bar's
  controls at each token it writes in that bar, without having to learn to look back for them, and a window cut
  from anywhere in a score carries them along. In a fill-in-the-middle
  sequence bars are numbered as in the score (``bar_numbers``), not in the order they are written.
- **Per-bar word facts**: a (bars, F) tensor the same way: what the words of the bar's phrase ask (step count,
  step direction, turn, jumps, arm level: ``conditions.fact_rows``) and the bar's place in its phrase. A prompt
  that is a list of (bars, words) asks each span for its own.

The prefix is fed once, on the first forward of a sequence (an empty cache); the KV cache carries it after that,
so ``generate`` samples token by token at the cost of a plain causal LM.
"""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

import torch
from torch import nn
from transformers import GenerationMixin
from transformers.modeling_outputs import CausalLMOutputWithPast
from transformers.models.llama.modeling_llama import LlamaModel, LlamaPreTrainedModel

from laban.files import readable_as_folder
from motiongpt.errors import CheckpointError
from motiongpt.vocabulary import SPECIALS, Vocabulary, VocabularyError

from .config import MotionGPTConfig

PREFIX = 4  # text, style, tempo, meter
BAR, FIM_SUFFIX, FIM_MIDDLE = (SPECIALS.index(t) for t in ("<bar>", "<fim_suffix>", "<fim_middle>"))
WEIGHTS, CONFIG, GENERATION = "model.safetensors", "config.json", "generation_config.json"
# The largest weight a trained model holds, with room: the built-in's and the follower's largest are 1.2 and 1.5. A
# weights file whose bytes were overwritten (safetensors keeps no checksum) reads as numbers up to 3.4e38, finite,
# and was loaded and sampled from.
LARGEST_WEIGHT = 1e4


def token_bars(ids: torch.Tensor, bars: torch.Tensor | None = None) -> torch.Tensor:
    """(B, T): the score's bar number of the bar each token is written in (its last ``<bar>``'s number), -1 before a
    segment's first ``<bar>`` (``<bos>``, and in fill-in-the-middle the markers and anything before a bar)."""
    numbers = bar_numbers(ids, bars)
    marks = (ids == BAR) | (ids == FIM_SUFFIX) | (ids == FIM_MIDDLE)
    positions = torch.arange(ids.shape[1], device=ids.device).expand_as(ids)
    last = torch.where(marks, positions, -1).cummax(1).values
    return torch.where(last >= 0, numbers.gather(1, last.clamp(min=0)), -1)


def bar_numbers(ids: torch.Tensor, bars: torch.Tensor | None = None) -> torch.Tensor:
    """(B, T): the score's bar number at each ``<bar>`` token, -1 elsewhere. In ``<fim_prefix> P <fim_suffix> S
    <fim_middle> M`` the middle's bars follow the prefix's and the suffix's bars are the last ``len(S)`` of
    ``bars`` (each row's bar count; without it, the bars seen, which is right for plain sequences)."""
    is_bar = ids == BAR
    segment = (ids == FIM_SUFFIX).long().cumsum(1) + (ids == FIM_MIDDLE).long().cumsum(1)
    counts = [(is_bar & (segment == k)).long().cumsum(1) for k in range(3)]
    before, after = counts[0][:, -1:], counts[1][:, -1:]
    total = is_bar.long().sum(1, keepdim=True) if bars is None else bars.view(-1, 1).to(ids.device)
    number = torch.where(segment == 0, counts[0] - 1,
                         torch.where(segment == 1, total - after + counts[1] - 1, before + counts[2] - 1))
    return torch.where(is_bar, number, torch.full_like(number, -1))


class MotionGPT(LlamaPreTrainedModel, GenerationMixin):
    """The language model of dance scores. ``save_pretrained(dir)`` writes ``config.json``,
    ``model.safetensors`` and ``vocabulary.json``; ``from_pretrained(dir)`` reads them back (no pickle) or says
    in one line (``CheckpointError``) why it cannot."""

    config_class = MotionGPTConfig

    def __init__(self, config: MotionGPTConfig) -> None:
        super().__init__(config)
        d = config.hidden_size
        self.model = LlamaModel(config)
        self.lm_head = nn.Linear(d, config.vocab_size, bias=False)
        self.text_projection = nn.Linear(config.text_dimensions, d)
        self.null_text = nn.Embedding(1, d)
        self.style_embedding = nn.Embedding(config.style_slots + 1, d)  # 0: no style
        self.tempo_embedding = nn.Embedding(config.tempo_buckets + 1, d)  # 0: no tempo
        self.meter_embedding = nn.Embedding(config.max_meter + 1, d)  # 0: no meter (meters are 1..max)
        # one table for all controls: control k's rows are its levels + 1 (row 0 of each: absent)
        self.control_embedding = nn.Embedding(sum(n + 1 for n in config.control_levels), d)
        self.fact_embedding = nn.Embedding(sum(n + 1 for n in config.fact_levels), d)  # the same, for word facts
        self.vocabulary: Vocabulary | None = None
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        """Llama's initialisation, except the per-bar tables, which start at zero: added to every token of a bar,
        random conditions would drown the tokens' own embeddings at first; from zero, each grows as it helps."""
        if module is getattr(self, "control_embedding", None) or module is getattr(self, "fact_embedding", None):
            nn.init.zeros_(module.weight)
        else:
            super()._init_weights(module)

    def get_input_embeddings(self) -> nn.Embedding:
        return self.model.embed_tokens

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head

    # --- conditioning -------------------------------------------------------------------------------------

    def prefix(self, batch: int, text=None, style=None, tempo=None, meter=None) -> torch.Tensor:
        """(B, 4, d) prefix embeddings. ``text`` (B, 384), an all-zero row = absent; ``style``, ``tempo``
        (bucket) and ``meter`` (B,) ints, -1 (style, tempo) or 0 (meter) = absent."""
        device = self.lm_head.weight.device
        null = self.null_text.weight.expand(batch, -1)
        if text is None:
            words = null
        else:
            text = text.to(device, self.lm_head.weight.dtype)
            words = torch.where((text != 0).any(-1, keepdim=True), self.text_projection(text), null)

        def ids(value, shift: int) -> torch.Tensor:
            if value is None:
                return torch.zeros(batch, dtype=torch.long, device=device)
            return (value.to(device).long() + shift).clamp(min=0)

        return torch.stack([words, self.style_embedding(ids(style, 1)), self.tempo_embedding(ids(tempo, 1)),
                            self.meter_embedding(ids(meter, 0))], dim=1)

    def bar_controls(self, bar_index: torch.Tensor, controls: torch.Tensor | None) -> torch.Tensor:
        """(B, T, d): the sum of the K control embeddings of each token's bar (``bar_index``; zeros off a bar)."""
        return _per_bar(bar_index, controls, self.control_embedding, self.config.control_levels)

    def bar_facts(self, bar_index: torch.Tensor, facts: torch.Tensor | None) -> torch.Tensor:
        """(B, T, d): the sum of the F word-fact embeddings of each token's bar (``bar_index``; zeros off a bar)."""
        return _per_bar(bar_index, facts, self.fact_embedding, self.config.fact_levels)

    # --- forward ------------------------------------------------------------------------------------------

    def forward(self, input_ids: torch.LongTensor, attention_mask=None, cache=None, use_cache=None, labels=None,
                text=None, style=None, tempo=None, meter=None, controls=None, facts=None, bars=None,
                bar_index=None, **kwargs) -> CausalLMOutputWithPast:
        """Logits for every position of ``input_ids``; with ``labels`` (-100 = ignored) the next-token loss.
        Sequences are right-padded (padding after ``<eos>`` is never attended to by real tokens), so no
        attention mask is needed; left padding is not supported."""
        if bar_index is None:
            bar_index = token_bars(input_ids, bars)
        embeddings = (self.model.embed_tokens(input_ids) + self.bar_controls(bar_index, controls)
                      + self.bar_facts(bar_index, facts))
        first = cache is None or cache.get_seq_length() == 0
        if first:
            prefix = self.prefix(input_ids.shape[0], text, style, tempo, meter).to(embeddings.dtype)
            embeddings = torch.cat([prefix, embeddings], dim=1)
        out = self.model(inputs_embeds=embeddings, cache=cache, use_cache=use_cache)
        hidden = out.last_hidden_state[:, PREFIX:] if first else out.last_hidden_state
        logits = self.lm_head(hidden)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(),
                                               labels[:, 1:].reshape(-1).to(logits.device), ignore_index=-100)
        return CausalLMOutputWithPast(loss=loss, logits=logits, cache=out.cache)

    def prepare_inputs_for_generation(self, input_ids, **kwargs):
        """transformers' preparation, plus the bar numbers of the new tokens (counted on the whole sequence) and
        without attention mask or positions (the prefix shifts positions; the cache knows them)."""
        inputs = super().prepare_inputs_for_generation(input_ids, **kwargs)
        width = inputs["input_ids"].shape[1]
        inputs["bar_index"] = token_bars(input_ids, kwargs.get("bars"))[:, -width:]
        inputs.pop("attention_mask", None)
        inputs.pop("position_ids", None)
        return inputs

    # --- files --------------------------------------------------------------------------------------------

    def save_pretrained(self, directory, **kwargs) -> None:
        """Config, safetensors weights and the vocabulary into ``directory``, written whole or not at all (into a
        temporary folder beside it, then renamed)."""
        _quiet()
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        # made as any new folder is, so that the umask sets its permissions (tempfile.mkdtemp's folder, and the file
        # safetensors writes, are their owner's alone: a model trained on a shared machine was 0700, its weights 0600)
        temporary = directory.with_name(f".{directory.name}.{secrets.token_hex(8)}.part")
        temporary.mkdir()
        try:
            super().save_pretrained(temporary, **kwargs)
            (self.vocabulary or Vocabulary()).save_pretrained(temporary)
            readable_as_folder(temporary)
            old = None
            if directory.exists():
                old = directory.with_name(f".{directory.name}.old")
                shutil.rmtree(old, ignore_errors=True)
                directory.rename(old)
            temporary.rename(directory)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)

    @classmethod
    def from_pretrained(cls, directory, *args, **kwargs) -> "MotionGPT":
        """The model saved in ``directory``; a missing, damaged or foreign checkpoint raises CheckpointError."""
        _quiet()
        directory = Path(directory)
        vocabulary, config = check_checkpoint(directory)
        from transformers.utils import logging

        verbosity = logging.get_verbosity()
        logging.set_verbosity_error()  # transformers' load report table: we say what is wrong in one line
        try:
            model, info = super().from_pretrained(directory, *args, config=config, local_files_only=True,
                                                  output_loading_info=True, **kwargs)
        except Exception as error:  # transformers and safetensors raise many kinds; the user needs one line
            why = _mismatch(directory, config) or _first_line(error)
            raise CheckpointError(f"{directory}: cannot load the weights ({why})") from None
        finally:
            logging.set_verbosity(verbosity)
        wrong = [f"{len(v)} {k.replace('_keys', '')}" for k, v in info.items() if v and k != "error_msgs"]
        if wrong:
            raise CheckpointError(f"{directory}: the weights do not fit this model ({', '.join(wrong)} tensors)")
        with torch.no_grad():  # owned, aligned memory: weights left inside the mapped file (transformers 5.24 maps
            # safetensors) sit 8 bytes off a cache line, and the products then sum in another order (logits 1e-7 off
            # those of the same weights in memory)
            for tensor in list(model.parameters()) + list(model.buffers()):
                tensor.data = tensor.data.clone()
        damaged = damaged_weights(model)
        if damaged:
            raise CheckpointError(f"{directory / WEIGHTS}: damaged weights ({damaged})")
        model.vocabulary = vocabulary
        model.eval()
        return model


def damaged_weights(model: nn.Module) -> str | None:
    """What is wrong with ``model``'s weights, or None: NaN or infinite values (a diverged run's: every draw would
    be of NaN), or values beyond ``LARGEST_WEIGHT`` (a file's bytes overwritten)."""
    with torch.no_grad():
        for why, wrong in (("NaN or infinite values", lambda t: not torch.isfinite(t).all()),
                           (f"values beyond {LARGEST_WEIGHT:g} (no trained weight is that large)",
                            lambda t: bool(t.abs().max() > LARGEST_WEIGHT))):
            names = [name for name, tensor in model.named_parameters() if wrong(tensor)]
            if names:
                return f"{why} in {', '.join(names[:3])}{' ...' if len(names) > 3 else ''}"
    return None


def _per_bar(bar_index: torch.Tensor, rows: torch.Tensor | None, table: nn.Embedding, levels: list[int]
             ) -> torch.Tensor:
    """(B, T, d): for each token in a bar (``bar_index`` >= 0) the sum over the K columns of ``rows`` (B, bars, K;
    -1 = absent) of that column's embedding at the bar's level; one table holds every column's rows (each
    column's row 0 = absent), so an absent value is a learned null, not a zero."""
    k = len(levels)
    b, t = bar_index.shape
    level = torch.full((b, t, k), -1, dtype=torch.long, device=bar_index.device)
    if rows is not None and rows.shape[1] > 0:
        rows = rows.to(bar_index.device).long()
        inside = (bar_index >= 0) & (bar_index < rows.shape[1])
        at = bar_index.clamp(0, rows.shape[1] - 1).unsqueeze(-1).expand(b, t, k)
        level = torch.where(inside.unsqueeze(-1), torch.gather(rows, 1, at), level)
    top = torch.tensor(levels, device=level.device) - 1
    offsets = (top + 2).cumsum(0) - (top + 2)  # where each column's rows start in the one table
    level = torch.minimum(level.clamp(min=-1), top) + 1 + offsets
    return table(level).sum(2) * (bar_index >= 0).unsqueeze(-1)


def check_checkpoint(directory: Path) -> tuple[Vocabulary, MotionGPTConfig]:
    """The vocabulary and config of a model folder, after checking that its three files are there and are ours."""
    if not directory.is_dir():
        raise CheckpointError(f"{directory}: no such model folder")
    try:
        data = json.loads((directory / CONFIG).read_text())
    except FileNotFoundError:  # said of the folders given instead: an adapter, a run's (motiongpt train -o)
        if (directory / "adapter_config.json").is_file():
            raise CheckpointError(f"{directory}: a style adapter's folder, not a model's (an adapter is given as the "
                                  "style, on the model it was trained from)") from None
        if (directory / "model" / CONFIG).is_file():
            raise CheckpointError(f"{directory}: a training run's folder: its model is {directory / 'model'}") from None
        raise CheckpointError(f"{directory}: not a model folder (no {CONFIG})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{directory / CONFIG}: unreadable ({_first_line(error)})") from None
    if not isinstance(data, dict) or data.get("model_type") != MotionGPTConfig.model_type:
        kind = data.get("model_type") if isinstance(data, dict) else None
        raise CheckpointError(f"{directory}: not a motiongpt model (model_type {kind!r})")
    if not (directory / WEIGHTS).is_file():
        raise CheckpointError(f"{directory}: no weights ({WEIGHTS})")
    if (directory / GENERATION).exists():  # optional (save_pretrained writes it), but never read half-written
        try:
            generation = json.loads((directory / GENERATION).read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CheckpointError(f"{directory / GENERATION}: unreadable ({_first_line(error)})") from None
        if not isinstance(generation, dict):
            raise CheckpointError(f"{directory / GENERATION}: not a generation config (a JSON object)")
    try:
        from safetensors import safe_open

        with safe_open(str(directory / WEIGHTS), framework="pt") as weights:
            list(weights.keys())
    except Exception as error:
        raise CheckpointError(f"{directory / WEIGHTS}: damaged weights ({_first_line(error)})") from None
    from transformers.utils import logging

    verbosity = logging.get_verbosity()
    logging.set_verbosity_error()  # transformers' warnings on a bad config: the one line below says what is wrong
    try:
        vocabulary = Vocabulary.from_pretrained(directory)
        config = MotionGPTConfig.from_pretrained(directory, local_files_only=True)
    except VocabularyError as error:
        raise CheckpointError(str(error)) from None
    except Exception as error:
        raise CheckpointError(f"{directory / CONFIG}: not a valid model config ({_first_line(error)})") from None
    finally:
        logging.set_verbosity(verbosity)
    if len(vocabulary) != config.vocab_size:
        raise CheckpointError(f"{directory}: the vocabulary has {len(vocabulary)} tokens, the model "
                              f"{config.vocab_size}")
    return vocabulary, config


def build(config: MotionGPTConfig, vocabulary: Vocabulary | None = None, seed: int = 0) -> MotionGPT:
    """A freshly initialised model (seeded, so the same config and seed give the same weights)."""
    vocabulary = vocabulary or Vocabulary()
    if config.vocab_size != len(vocabulary):
        raise CheckpointError(f"the config's vocab_size {config.vocab_size} is not the vocabulary's {len(vocabulary)}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = MotionGPT(config)
    model.vocabulary = vocabulary
    return model


def weight_bytes(model: nn.Module) -> int:
    return sum(p.numel() * p.element_size() for p in model.parameters())


def _quiet() -> None:
    """No weight-loading or shard-writing progress bars on a user's terminal (as ``motiongpt.text`` does)."""
    from transformers.utils import logging

    logging.disable_progress_bar()


def _mismatch(directory: Path, config: MotionGPTConfig) -> str | None:
    """The first tensor of ``directory``'s weights whose shape is not the one its config.json asks for (weights of
    another model), or None: transformers says only 'look at the above report', a table we keep quiet."""
    from safetensors import safe_open

    try:
        with torch.device("meta"):
            expected = {name: tuple(t.shape) for name, t in MotionGPT(config).state_dict().items()}
        with safe_open(str(directory / WEIGHTS), "pt") as weights:
            found = {name: tuple(weights.get_slice(name).get_shape()) for name in weights.keys()}
    except Exception:
        return None
    for name, shape in found.items():
        if name in expected and expected[name] != shape:
            return f"weights of another model: {name} is {shape}, its config.json asks for {expected[name]}"
    return None


def _first_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:160]
