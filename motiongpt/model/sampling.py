"""The sampling loop: a plain nanoGPT-style loop over MotionGPT with its constraints as logits processors, and a
lean KV-cached forward for it.

Why not ``model.generate``: the model is small (6 layers, d=256), so a token's arithmetic is a few hundred
microseconds and transformers' per-step machinery (generation bookkeeping, module calls, masks, rotary tables,
a cache grown by concatenation) costs more than the arithmetic. The loop here does only what sampling needs:

- ``sample``: prompt → logits → guidance (``guidance.Guidance``: the runs without a condition group are more
  rows of the same batch) → ``LogitsProcessorList`` (grammar, temperature, top-k, top-p) → a draw (each row from
  its own generator, ``Draws``; none where the processors leave one token) or argmax → the next step; rows that
  wrote ``<eos>`` write padding until all are done, as ``generate`` does. The ids are a preallocated buffer, so a
  processor sees the sequence without a copy. Rows may start from prompts of different lengths (continuations of
  different dances): each is fed its own prompt tokens while the others sample.
  Why batch: on a CPU a batch-1 step reads all the weights (~24 MB) for a few hundred multiply-adds per weight
  row, so it is bound by memory, not arithmetic: 2.7 ms a step at batch 1, 3.15 ms at 2, 8 ms at 8.
  A run of tokens every row is forced to write (a bar copied where the music repeats, a few the grammar leaves
  no choice in) is written without the stack and fed to it in one step when a choice needs its logits.
- ``FastStack``: the Llama stack's forward for sampling. Weights are fused once (q, k and v in one matrix; gate
  and up in one; the RMSNorm weights folded into the matrices after them), the KV cache is a static buffer
  written in place, and only the last position's logits are computed. It is the same function as
  ``MotionGPT.forward`` up to float rounding; tests check that. A step is bound by the bytes it reads (the
  weights, 20 MB, and at batch 3 and 400 positions 15 MB of KV cache), so rotary embedding is a roll of q and k
  (with the sign folded into the sine table), not two more rows per head in the fused matrix (13 % more weight
  bytes a step, the same floats); see ``bench/generate_speed.py --profile`` for where a step's time goes. The
  stack calls no module (the activation's ``forward`` directly), so a hook on a module never runs here: what
  must act at every token (the studio's cancel) is a logits processor (``generate.variations(processors=...)``).
- ``Inputs``: what goes into the stack, read from ``MotionGPT.forward`` itself (its embeddings of every token
  outside a bar, of each bar's ``<bar>`` with that bar's per-bar conditions, and the prefix), once per sampling
  call. So every condition ``forward`` adds to a token's embedding (text, style, tempo, meter, controls, word
  facts, whatever comes next) reaches the loop without this module knowing it: a token's embedding is its id's
  plus its bar's conditions (``token_bars``), which the ``<bar>`` rows give less the bare ``<bar>``.
- ``ModelStep``: the same step through ``MotionGPT.forward`` and transformers' DynamicCache: the reference the
  fast path is tested against, and the path for a model the fast stack does not cover.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import (DynamicCache, EpsilonLogitsWarper, EtaLogitsWarper, LogitsProcessorList, MinPLogitsWarper,
                          TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper, TypicalLogitsWarper)

from laban.errors import LabanError

from .modeling import BAR, PREFIX, MotionGPT, bar_numbers, token_bars


# The warpers, which act on the logits' values (a token's share of the probability): run on logits of zeros they
# could refuse what the model's logits would keep, so whether a step is forced is asked without them. Every other
# processor here refuses by what has been written (the grammar, the limits, the copies) or pushes by a constant.
VALUED = (TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper, MinPLogitsWarper, TypicalLogitsWarper,
          EpsilonLogitsWarper, EtaLogitsWarper)


class _Embedded(Exception):
    """Raised by the hook that reads the Llama stack's input, to skip the stack."""


class Inputs:
    """The stack's input embeddings for sampling: ``prefix`` (B, PREFIX, d), ``tokens`` (B, V, d) for every id off
    a bar line, ``bars`` (B, bars, d) for the ``<bar>`` of each bar number. ``embed(ids, numbers)`` looks a step's
    tokens up."""

    def __init__(self, model: MotionGPT, batch: int, bars: int, conditions: dict) -> None:
        device = model.lm_head.weight.device
        vocabulary = model.config.vocab_size
        ids = torch.cat([torch.full((bars,), BAR), torch.arange(vocabulary)]).to(device).expand(batch, -1)
        numbers = torch.cat([torch.arange(bars), torch.full((vocabulary,), -1)]).to(device).expand(batch, -1)
        seen = {}

        def hook(module, args, kwargs):
            seen["embeddings"] = kwargs["inputs_embeds"]
            raise _Embedded

        handle = model.model.register_forward_pre_hook(hook, with_kwargs=True)
        try:
            model(input_ids=ids, bar_index=numbers, **conditions)
        except _Embedded:
            pass
        finally:
            handle.remove()
        embeddings = seen["embeddings"]
        self.prefix = embeddings[:, :PREFIX]
        self.tokens = embeddings[:, PREFIX + bars:]
        self.bars = embeddings[:, PREFIX:PREFIX + bars] - self.tokens[:, BAR:BAR + 1]  # each bar's conditions
        self.rows = torch.arange(batch, device=device)[:, None]

    def embed_one(self, token: int, number: int) -> torch.Tensor:
        """(1, 1, d): ``embed`` of one token of row 0 (a stream's step: plain indexing, the same floats)."""
        return (self.tokens[0, token] + (self.bars[0, min(number, self.bars.shape[1] - 1)] if number >= 0
                                         else 0.0)).view(1, 1, -1)

    def embed(self, ids: torch.Tensor, numbers: torch.Tensor) -> torch.Tensor:
        """(B, n, d) for ids (B, n) in the bars ``numbers`` (B, n; -1 outside any bar)."""
        by_bar = self.bars[self.rows, numbers.clamp(0, self.bars.shape[1] - 1)]
        return self.tokens[self.rows, ids] + torch.where((numbers >= 0).unsqueeze(-1), by_bar, 0.0)


# A first step of at least this many positions whose rows repeat one another (the samples of best-of, the candidates
# of a translated bar, the rows of a filled-in score) runs each distinct prompt through the stack once: a
# regenerate's 8 rows of 247 positions 0.34 -> 0.08 s, a translate's prompts of 8 candidates a bar a quarter of its
# time. The head still reads every row, as before; measured, the dances come out the same to the byte (a long
# prompt's products are the same floats whether they have its rows once or eight times; a prompt of a few positions
# may not be, so shorter ones, such as generate's, are fed as they were).
SHARED_PROMPT = 16


class FastStack:
    """The Llama stack and head of ``model`` as a few fused matrices and a static KV cache of ``batch`` rows;
    ``step(embeddings)`` feeds (B, n, d) more positions and returns the last one's logits (B, V)."""

    def __init__(self, model: MotionGPT, batch: int, capacity: int = 512) -> None:
        config = model.config
        self.heads, self.head_dim = config.num_attention_heads, config.head_dim
        self.eps = config.rms_norm_eps
        self.layers = []
        with torch.no_grad():
            self._fuse(model)
        weight = self.head
        self.cache = torch.zeros(len(self.layers), 2, batch, self.heads, capacity, self.head_dim,
                                 dtype=weight.dtype, device=weight.device)
        self.cos = self.sin = torch.zeros(0, self.head_dim, dtype=weight.dtype, device=weight.device)
        self.length = 0

    def _fuse(self, model: MotionGPT) -> None:
        stack = model.model
        for layer in stack.layers:
            a, mlp = layer.self_attn, layer.mlp
            n1, n2 = layer.input_layernorm.weight, layer.post_attention_layernorm.weight
            qkv = torch.cat([a.q_proj.weight * a.scaling, a.k_proj.weight, a.v_proj.weight])
            gate_up = torch.cat([mlp.gate_proj.weight, mlp.up_proj.weight])
            self.layers.append(((qkv * n1).t().contiguous(), a.o_proj.weight.t().contiguous(),
                                (gate_up * n2).t().contiguous(), mlp.down_proj.weight.t().contiguous(),
                                mlp.act_fn.forward))
        self.head = (model.lm_head.weight * stack.norm.weight).t().contiguous()
        self.rotary = stack.rotary_emb

    @staticmethod
    def covers(model: MotionGPT) -> bool:
        """Whether the fast stack computes this model's function: plain Llama blocks (no biases, one KV head per
        head, no tensor-parallel slicing) whose projections are plain linear layers (not an unmerged adapter's)."""
        c = model.config
        linear = [model.lm_head] + [m for layer in model.model.layers for m in
                                    (layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj,
                                     layer.self_attn.o_proj, layer.mlp.gate_proj, layer.mlp.up_proj,
                                     layer.mlp.down_proj)]
        return (not c.attention_bias and not c.mlp_bias and c.num_key_value_heads == c.num_attention_heads
                and getattr(c, "pretraining_tp", 1) == 1 and type(model.model.norm).__name__ == "LlamaRMSNorm"
                and all(type(m) is nn.Linear for m in linear))

    def _room(self, length: int) -> None:
        """Grow the cache (doubling) and the rotary tables to hold ``length`` positions."""
        if length > self.cache.shape[4]:
            grown = self.cache.new_zeros(*self.cache.shape[:4], max(length, 2 * self.cache.shape[4]), self.head_dim)
            grown[:, :, :, :, :self.length] = self.cache[:, :, :, :, :self.length]
            self.cache = grown
        if length > self.cos.shape[0]:
            positions = torch.arange(max(length, 2 * self.cos.shape[0], 512), device=self.cache.device)[None]
            cos, sin = self.rotary(self.cache[0, 0], positions)
            half = self.head_dim // 2  # rotate_half(x) × sin = roll(x, half) × (-sin of the first half, sin)
            sin = torch.cat([-sin[..., :half], sin[..., half:]], -1)
            self.cos, self.sin = cos[0].to(self.cache.dtype), sin[0].to(self.cache.dtype)

    def step(self, x: torch.Tensor) -> torch.Tensor:
        batch, n, d = x.shape
        if not self.length and batch > 1 and n >= SHARED_PROMPT:
            rows, inverse = torch.unique(x.reshape(batch, -1), dim=0, return_inverse=True)
            if len(rows) < batch:  # rows that read the same prompt (best-of's samples, a bar's candidates):
                self._room(n)  # the prompt through the stack once, the cache copied to the rows that share it
                last = self._stack(rows.view(-1, n, d), self.cache[:, :, :len(rows)])
                self.cache[:, :, :, :, :n] = self.cache[:, :, inverse, :, :n]
                self.length = n
                return self._head(last[inverse])
        self._room(self.length + n)
        last = self._stack(x, self.cache)
        self.length += n
        return self._head(last)

    def _head(self, last: torch.Tensor) -> torch.Tensor:
        """(B, V) logits of the last positions' (B, d) states."""
        return torch.mm(torch.rms_norm(last, (last.shape[-1],), None, self.eps), self.head)

    def _stack(self, x: torch.Tensor, caches: torch.Tensor) -> torch.Tensor:
        """(B, d): the stack's output at the last of ``x``'s (B, n, d) positions, fed after the ``self.length``
        positions in ``caches`` (the cache, or its first B rows), which it fills on."""
        batch, n, d = x.shape
        start, end = self.length, self.length + n
        h, hd, eps, half = self.heads, self.head_dim, self.eps, self.head_dim // 2
        cos, sin = self.cos[start:end, None, None], self.sin[start:end, None, None]  # (n, 1, 1, hd)
        # several positions into an empty cache: causal as it is; into a filled one, position i sees the cache and
        # the chunk up to itself
        causal, mask = n > 1 and not start, None
        if n > 1 and start:
            mask = torch.arange(end, device=x.device)[None] <= torch.arange(start, end, device=x.device)[:, None]
        # Fewer tensor operations a step (each costs microseconds of dispatch at this size): 2-d matrix products
        # (no reshapes around them), the norm's function without its Python wrapper, and rotate-half as a swap of
        # the halves (one copy, not a roll's two slices and a concatenation). The same floats as before.
        rows, shape = batch * n, (d,)
        mm, norm, attend = torch.mm, torch.rms_norm, nn.functional.scaled_dot_product_attention
        x = x.reshape(rows, d)
        for cache, (qkv, out, gate_up, down, act) in zip(caches, self.layers):
            y = mm(norm(x, shape, None, eps), qkv).view(batch, n, 3, h, hd)
            qk = y[:, :, :2]
            qk = qk * cos + qk.view(batch, n, 2, h, 2, half).flip(-2).view(batch, n, 2, h, hd) * sin  # rotary
            cache[0, :, :, start:end] = qk[:, :, 1].transpose(1, 2)
            cache[1, :, :, start:end] = y[:, :, 2].transpose(1, 2)
            a = attend(qk[:, :, 0].transpose(1, 2), cache[0, :, :, :end], cache[1, :, :, :end], attn_mask=mask,
                       is_causal=causal, scale=1.0)
            x = x + mm(a.transpose(1, 2).reshape(rows, d), out)
            g, u = mm(norm(x, shape, None, eps), gate_up).chunk(2, -1)
            x = x + mm(act(g) * u, down)
        return x.view(batch, n, d)[:, -1]


class FastStep:
    """One sampling step on the fast stack: ids (B, n) and the bars they are in → the last position's logits."""

    def __init__(self, model: MotionGPT, batch: int, bars: int, conditions: dict) -> None:
        self.inputs = Inputs(model, batch, bars, conditions)
        self.stack = FastStack(model, batch)
        self.first = True

    def __call__(self, ids: torch.Tensor, numbers: torch.Tensor) -> torch.Tensor:
        x = self.inputs.embed(ids, numbers)
        if self.first:
            x, self.first = torch.cat([self.inputs.prefix, x], 1), False
        return self.stack.step(x)


class ModelStep:
    """One sampling step through ``MotionGPT.forward`` with transformers' DynamicCache (the reference)."""

    def __init__(self, model: MotionGPT, batch: int, bars: int, conditions: dict) -> None:
        self.model, self.conditions = model, conditions
        self.cache = DynamicCache(config=model.config)

    def __call__(self, ids: torch.Tensor, numbers: torch.Tensor) -> torch.Tensor:
        out = self.model(input_ids=ids, bar_index=numbers, cache=self.cache, use_cache=True, **self.conditions)
        self.cache = out.cache
        return out.logits[:, -1]


class NotForced(LabanError):
    """``sample(forced_only=True)`` met a step where the processors left more than one token."""


class NullStep:
    """Logits of zeros, for ``sample(forced_only=True)``: where the logits processors alone decide every token (a
    pass of bars copied from earlier ones, ``repeats.RepeatedBars``), the model's logits would not change one."""

    def __init__(self, model: MotionGPT, batch: int, bars: int, conditions: dict) -> None:
        self.size, self.device = model.config.vocab_size, model.lm_head.weight.device

    def __call__(self, ids: torch.Tensor, numbers: torch.Tensor) -> torch.Tensor:
        return torch.zeros(ids.shape[0], self.size, device=self.device)


class Draws:
    """Each row's uniform draws from its own generator (seeded by ``seeds``), taken in blocks: a row's k-th draw
    is the same whatever else is in the batch, so a variation is the same bytes whether sampled alone or among
    others. ``next(taking)`` (one bool a row) gives each row its next draw and moves on only the rows in
    ``taking``. A block is kept as Python numbers (float32's values, exactly) and a row's place as a Python int:
    a step reads one number a row, which a few tensor operations on tiny tensors cost several times over."""

    BLOCK = 256

    def __init__(self, seeds, device: torch.device) -> None:
        self.generators = [torch.Generator(device=device).manual_seed(int(s)) for s in seeds]
        self.device = device
        self.block = [self._fresh(g) for g in self.generators]
        self.at = [0] * len(seeds)

    def _fresh(self, generator: torch.Generator) -> list[float]:
        return torch.rand(self.BLOCK, generator=generator, device=self.device).tolist()

    def next(self, taking) -> torch.Tensor:
        drawn = []
        for row, take in enumerate(taking):
            if self.at[row] == self.BLOCK:  # a row's next block is drawn when it is first read, as before
                self.block[row], self.at[row] = self._fresh(self.generators[row]), 0
            drawn.append(self.block[row][self.at[row]])
            self.at[row] += bool(take)
        return torch.tensor(drawn, dtype=torch.float32, device=self.device)


def draw(scores: torch.Tensor, uniform: torch.Tensor) -> torch.Tensor:
    """Tokens drawn from ``softmax(scores)`` (B, V) by inverse transform of ``uniform`` (B,) in [0, 1): the first
    token whose cumulative probability passes it (a token of probability 0 never is)."""
    cumulative = nn.functional.softmax(scores, dim=-1).cumsum(-1)
    below = (cumulative <= uniform[:, None] * cumulative[:, -1:]).sum(-1)
    return below.clamp(max=scores.shape[1] - 1)


def sample(model: MotionGPT, prompt: torch.Tensor | list, processors: LogitsProcessorList, conditions: dict,
           max_new_tokens: int, greedy: bool = False, fast: bool | None = None, guidance=None,
           seeds=None, forced_only: bool = False, chunked: bool = True) -> torch.Tensor:
    """(B, prompt + written) ids: tokens drawn after ``prompt`` until every row has written ``<eos>`` or
    ``max_new_tokens`` are written; after its ``<eos>`` a row writes padding. ``conditions`` are ``forward``'s
    keyword tensors, ``bars`` among them (each row's bar count).

    - ``prompt``: (B, P) ids, or B lists of ids of different lengths (continuations of different dances): the
      rows are fed together up to the shortest, then each row's own prompt tokens are fed as its next tokens
      while the others sample (row r's output starts with its prompt either way).
    - ``guidance``: a ``guidance.Guidance``: its copies of the batch (the rows without a condition group) are
      rows of the same stack, and its combination of their logits is what the processors see.
    - ``seeds``: one per row, each row drawing from its own generator (``Draws``); None: draws come from torch's
      global generator on the model's device (seed it first). A row draws nothing for a token the processors
      force (one allowed id) or its prompt gives.
    - ``fast`` None: the fast stack where it covers the model.
    - ``forced_only``: no model at all (``NullStep``): every token must be the one the processors leave (none
      drawn), else ``NotForced`` is raised. What it writes is what sampling with the model writes (a step the
      processors force does not read the logits), for processors whose refusals do not read the logits' values;
      top-k 1 would, so it is not for that.
    - ``chunked``: after a step where every row's token was forced or given, the next step first asks the
      processors without the model (on logits of zeros, the warpers in ``VALUED`` left out); while they leave
      one token a row, no stack runs, and the tokens so written are fed to it together when a step needs its
      logits. A copied bar (``repeats.RepeatedBars``) or a run the grammar forces then costs one step of the
      stack, not one a token. The logits after such a run differ from token-by-token feeding by float rounding
      (about 1e-6: a product of several rows sums in another order), so a draw at a probability's edge may
      differ; the same seed and settings give the same bytes either way. The processors are then asked twice at
      the same length, which they must take as one question (they keep no count of calls)."""
    config = model.config
    ragged = isinstance(prompt, (list, tuple))
    batch = len(prompt)
    device = model.lm_head.weight.device
    if ragged:
        lengths = torch.tensor([len(p) for p in prompt], device=device)
        given = torch.full((batch, int(lengths.max())), config.pad_token_id, dtype=torch.long, device=device)
        for row, ids in enumerate(prompt):
            given[row, :len(ids)] = torch.tensor(ids, dtype=torch.long)
        prompt = given[:, :int(lengths.min())]
    else:
        given, lengths = prompt, torch.full((batch,), prompt.shape[1], device=device)
    width = prompt.shape[1]
    bars = conditions.get("bars")
    total = int(bars.max()) if bars is not None else int((given == BAR).sum(1).max()) + 1
    fast = FastStack.covers(model) if fast is None else fast
    copies = guidance.rows if guidance else 1
    inputs = guidance.conditions(conditions) if guidance else conditions
    step = (NullStep if forced_only else FastStep if fast else ModelStep)(model, batch * copies, total, inputs)
    lazy = chunked and not forced_only
    draws = Draws(seeds, device) if seeds is not None and not greedy else None
    ids = torch.full((batch, given.shape[1] + max_new_tokens), config.pad_token_id, dtype=torch.long, device=device)
    ids[:, :given.shape[1]] = given
    # the number the next <bar> gets (as bar_numbers counts it, also after <fim_middle>)
    with_bar = torch.cat([prompt, torch.full((batch, 1), BAR, device=device)], 1)
    next_bar = bar_numbers(with_bar, bars)[:, -1]
    owners = token_bars(prompt, bars)  # the bar each token is written in
    current = owners[:, -1]
    logits = step(prompt.repeat(copies, 1), owners.repeat(copies, 1))
    masking = [p for p in processors if not isinstance(p, VALUED)]
    waiting = []  # (ids, bars) of tokens every row was given or forced: fed to the stack when logits are needed
    # The loop's per-row bookkeeping (which rows run, are given their prompt or forced, each row's bar) is kept in
    # Python lists: a row is a few numbers, and each tensor operation on them costs microseconds of dispatch (about
    # 40 a step before). Only the ids buffer, the logits and the draw are tensors.
    given_ids = given.tolist() if ragged else None
    lengths, current, next_bar = lengths.tolist(), current.tolist(), next_bar.tolist()
    running = [True] * batch
    rows, pad, eos = range(batch), config.pad_token_id, config.eos_token_id
    length = width
    while length < ids.shape[1]:
        prompted = [length < n for n in lengths]
        scores = None
        if waiting:  # the last step chose nothing: perhaps the processors alone decide this one too
            scores, seen = torch.zeros(batch, config.vocab_size, device=device), ids[:, :length]
            for processor in masking:
                scores = processor(seen, scores)
            forced = [n == 1 for n in torch.isfinite(scores).sum(-1).tolist()]
            if not all(f or p or not r for f, p, r in zip(forced, prompted, running)):
                fed, numbers = (torch.tensor(x, device=device).t() for x in zip(*waiting))
                logits, waiting, scores = step(fed.repeat(copies, 1), numbers.repeat(copies, 1)), [], None
        if scores is None:
            scores = guidance(logits.float()) if guidance else logits.float()
            seen = ids[:, :length]
            for processor in processors:  # the list's own __call__ inspects each signature every step
                scores = processor(seen, scores)
            forced = [n == 1 for n in torch.isfinite(scores).sum(-1).tolist()]
        choosing = [r and not p and not f for f, p, r in zip(forced, prompted, running)]
        if forced_only and any(choosing):
            raise NotForced("a step where the processors leave a choice")
        if greedy:
            token = scores.argmax(-1).tolist()
        else:
            drawn = None  # a row's own draws move on only where it chooses: none drawn where no row does
            if draws is None:
                drawn = draw(scores, torch.rand(batch, device=device)).tolist()
            elif any(choosing):
                drawn = draw(scores, draws.next(choosing)).tolist()
            best = scores.argmax(-1).tolist() if any(forced) else None
            token = [best[r] if forced[r] else drawn[r] if drawn else pad for r in rows]  # (pad: given or done)
        token = [pad if not running[r] else given_ids[r][length] if prompted[r] else token[r] for r in rows]
        ids[:, length] = torch.tensor(token, device=device)
        length += 1
        running = [r and t != eos for r, t in zip(running, token)]
        if not any(running):
            break
        for r in rows:
            if token[r] == BAR:
                current[r], next_bar[r] = next_bar[r], next_bar[r] + 1
        if lazy and not any(r and not p and not f for f, p, r in zip(forced, prompted, running)):
            waiting.append((token, list(current)))  # likely one of a run (a copied bar, the grammar's)
        else:
            logits = step(torch.tensor(token * copies, device=device)[:, None],
                          torch.tensor(current * copies, device=device)[:, None])
    return ids[:, :length]
