"""A score written bar by bar, as a live stream asks: the KV cache kept across bars, so each bar costs only its
own tokens.

``motiongpt.model.generate`` writes a whole score per call: a stream that asks it for one bar at a time pays, per
bar, for fusing the weights, reading the conditions, feeding the prompt of the bars before again and the
per-call bookkeeping, several times the bar's own tokens. ``BarStream`` keeps one sequence going on the model's
fast stack (``motiongpt.model.sampling``: ``FastStack``, ``Inputs``): ``bar(controls)`` feeds the ``<bar>`` that
opens the next bar (with that bar's per-bar controls, known only now) and samples until the model opens the bar
after it, whose ``<bar>`` it holds for the next call. The model reads what it would read of the same score
written in one pass (a bar's controls reach each of its tokens; the bar count only numbers bars), so a streamed
bar is a bar of one long generation.

A grid with an upbeat is written as one pass writes it: the first bar is the upbeat (the vocabulary's bar 0, its
beats before the grid's downbeat), whose length the grammar knows from the grid.

A sequence longer than the model's training windows is not asked for: after ``window`` bars the stream starts
again from its last ``context`` bars, cut to stand alone (``laban.algebra.cut``), as a long generation's later
passes do (``generate._long``); a tie into the first bar after a restart is ended at the bar line. The score
so far is read as the bars come (``motiongpt.vocabulary.ScoreReader``), and what a restart cuts from is its last
bars (``recent``), so a bar late in a long dance costs what an early one does.

Each bar's draws come from torch's generator seeded from (seed, bar) inside a ``fork_rng``, so the same seed and
the same controls give the same bars, to the byte, however the stream is paced.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from laban.score import Score
from laban.timing import BeatGrid

from .dance import CocreateError

WINDOW_BARS = 8  # bars one sequence holds before the stream starts again (the model trains on windows of 8)
CONTEXT_BARS = 3  # bars a restarted sequence begins with
SPARE_BARS = 2  # bars before the next restart's context that ``recent`` keeps whole: a margin for its cuts
OPEN = 1 << 20  # the grammar's bar count: a stream has no last bar


class BarStream:
    """The score of one dancer, a bar at a time: ``bar(controls)`` writes the next bar and returns its ids (from
    its ``<bar>``; the first bar's include the opening ``<bos> <start> ...``). ``ids`` is the whole score so far
    (no ``<eos>``); ``grid`` gives the meter and the tempo (the prefix's tempo bucket, read again at each
    restart from the grid's local tempo)."""

    def __init__(self, model, grid: BeatGrid, *, style=None, seed: int = 0, temperature: float = 1.0,
                 top_p: float = 1.0, window: int = WINDOW_BARS, context: int = CONTEXT_BARS) -> None:
        from motiongpt.grammar import ScoreGrammar
        from motiongpt.model.sampling import FastStack
        from motiongpt.vocabulary import ScoreReader

        if not 0 < context < window:
            raise CocreateError(f"a stream restarts from fewer bars than it holds, not {context} of {window}")
        self.model, self.grid, self.style = model, grid, style
        self.seed, self.temperature, self.top_p = int(seed), float(temperature), float(top_p)
        self.window, self.context = window, context
        self.vocabulary = model.vocabulary
        self.grammar = ScoreGrammar(self.vocabulary)
        self.stack = FastStack(model, 1, capacity=1024) if FastStack.covers(model) else None
        self.ids: list[int] = []  # the whole score so far
        self.reader = ScoreReader(self.vocabulary, grid)  # its score, read as the bars come
        self.written = 0  # bars written
        self._start(0, [self.vocabulary.bos_id], [])

    # --- the sequence ---------------------------------------------------------------------------------------

    def _start(self, first_bar: int, prompt: list[int], rows: list[np.ndarray]) -> None:
        """A fresh sequence: ``prompt`` (ids, bars ``first_bar``.. of the score), nothing fed yet."""
        from motiongpt.model.generate import _local_grid
        from motiongpt.plausibility import SupportsContinued, limits

        self.first_bar = first_bar
        self.sequence = list(prompt)  # the ids of this sequence, fed or pending
        self.fed = 0
        self.rows = list(rows)  # control rows of this sequence's bars
        self.local = _local_grid(self.grid, first_bar, self.window + 1)
        # a stream has no last bar, and no words to count its steps: the feet are kept on the floor as one pass
        # keeps them, and a flight waits for a landing as one pass's does (each reading this stream's grammar state)
        self.limits = limits(self.vocabulary, self.local, self) + [SupportsContinued(self)]
        # the sequence as the limits read it (a flight waits for a landing written since the last), written in
        # place as tokens come rather than made anew from the list each token
        self.tokens = torch.zeros(1, len(prompt) + 1024, dtype=torch.long)
        self.tokens[0, :len(prompt)] = torch.tensor(prompt, dtype=torch.long)
        # the upbeat is the first sequence's first bar; a restart's bars are whole bars, cut to stand alone
        upbeat = self.grid.downbeat if first_bar == 0 else 0
        self.state = self.grammar.start(OPEN, self.grid.beats_per_bar, upbeat, batch=1)
        for token in prompt:
            self.grammar.advance(self.state, np.array([token]), check=False)
        if self.stack is not None:
            self.stack.length = 0
        else:
            from transformers import DynamicCache

            self.cache = DynamicCache(config=self.model.config)

    def _conditions(self, bars: int) -> dict:
        from motiongpt.model.generate import _conditions

        known = [r for r in self.rows if r is not None]
        controls = None
        if known:  # a bar without controls: every level absent (-1), as no controls at all reads
            absent = np.full(len(known[0]), -1, dtype=np.int64)
            controls = np.stack([absent if r is None else r for r in self.rows]
                                + [absent] * (bars - len(self.rows)))
        return _conditions(self.model, self.local, 1, bars, None, self.style, controls, None)

    def _refresh(self) -> None:
        """The conditions of this sequence's bars so far (a new bar's controls are known only when it opens)."""
        from motiongpt.model.sampling import Inputs

        bars = max(len(self.rows), 1)
        self.conditions = self._conditions(bars)
        if self.stack is not None:
            self.inputs = Inputs(self.model, 1, bars, self.conditions)

    def _logits(self) -> torch.Tensor:
        """Feed the pending ids of the sequence (the whole prompt into an empty cache, else one token); the last
        one's logits."""
        from motiongpt.model.modeling import token_bars

        if self.fed == 0:
            ids = torch.tensor([self.sequence], dtype=torch.long)
            numbers = token_bars(ids, self.conditions["bars"])
            self.number = int(numbers[0, -1])
        else:
            token = self.sequence[self.fed]
            self.number += int(token == self.vocabulary.bar_id)
            if self.stack is not None:  # one token: plain indexing, no tensors made for it
                self.fed += 1
                return self.stack.step(self.inputs.embed_one(token, self.number))
            ids, numbers = torch.tensor([[token]]), torch.tensor([[self.number]])
        if self.stack is not None:
            x = self.inputs.embed(ids, numbers)
            if self.fed == 0:
                x = torch.cat([self.inputs.prefix, x], 1)
            logits = self.stack.step(x)
        else:
            out = self.model(input_ids=ids, bar_index=numbers, cache=self.cache, use_cache=True,
                             **self.conditions)
            self.cache, logits = out.cache, out.logits[:, -1]
        self.fed += ids.shape[1]
        return logits

    # --- a bar ------------------------------------------------------------------------------------------------

    def prepare(self) -> None:
        """The work of the next ``bar`` that needs nothing from its controls: where the sequence is full (``window``
        bars), starting it again from its last ``context`` bars, cut to stand alone (the score parsed, cut,
        encoded and fed to the grammar; the model reads it with the new bar's ``<bar>``, in ``bar``). ``bar``
        calls it itself; a live caller calls it before the controls are known (while the lead dances), so that
        the bar after a restart costs what any bar costs. The same bars either way."""
        from laban.algebra import cut

        if len(self.rows) < self.window:
            return
        v = self.vocabulary
        score = self.recent()
        first = self.written - self.context
        shift = 0 if self.grid.downbeat else 1  # the staff number of the vocabulary's bar 0 (0: the upbeat)
        context = cut(score, first + shift, self.written - 1 + shift)
        prompt = v.encode(context)[:-1] + [v.bar_id]
        self._start(first, prompt, self.rows[-self.context:])

    def bar(self, controls: np.ndarray | None = None) -> list[int]:
        """The next bar, under ``controls`` (its (K,) control levels, -1 absent; None: no controls): its ids."""
        from transformers import TemperatureLogitsWarper, TopPLogitsWarper

        from motiongpt.model.generate import _derived

        v = self.vocabulary
        self.prepare()
        self.rows.append(None if controls is None else np.asarray(controls, dtype=np.int64))
        self._refresh()
        target = len(self.rows)  # bars begun in this sequence once the bar's <bar> is fed
        warpers = ([TemperatureLogitsWarper(self.temperature)] if self.temperature not in (0, 1) else []) + \
                  ([TopPLogitsWarper(self.top_p)] if 0 < self.top_p < 1 else [])
        begun = sum(1 for t in self.sequence if t == v.bar_id)
        mark = len(self.sequence) - 1 if self.written else 0  # the held <bar> that opens this bar (or <bos>)
        with torch.random.fork_rng(), torch.inference_mode():
            torch.manual_seed(_derived(self.seed, self.written))
            while True:
                logits = self._logits()
                scores = logits.float().masked_fill(torch.from_numpy(~self.grammar.allowed(self.state)),
                                                    float("-inf"))
                written = self.tokens[:, :len(self.sequence)]
                for limit in self.limits:
                    scores = limit(written, scores)
                for warper in warpers:
                    scores = warper(None, scores)
                if self.temperature > 0:
                    token = int(torch.multinomial(nn.functional.softmax(scores, dim=-1), 1)[0, 0])
                else:
                    token = int(scores.argmax(-1)[0])
                if len(self.sequence) == self.tokens.shape[1]:
                    self.tokens = torch.cat([self.tokens, torch.zeros_like(self.tokens)], 1)
                self.tokens[0, len(self.sequence)] = token
                self.sequence.append(token)
                self.grammar.advance(self.state, np.array([token]), check=False)
                if token == v.bar_id:
                    begun += 1
                    if begun > target:  # the bar after: held for the next call
                        break
                if token == v.eos_id:
                    raise CocreateError("the stream's model ended the score")
                if len(self.sequence) - mark > 512:
                    raise CocreateError("the model did not finish a bar within 512 tokens")
        new = self.sequence[mark:-1]
        self.ids += new
        self.reader.add(new)
        self.written += 1
        return new

    def recent(self) -> Score:
        """The score so far as a cut from the bar the next restart begins with (or any later) reads it: the
        symbols before its ``SPARE_BARS`` bars before only where they still say something
        (``ScoreReader.since``). The cuts of the whole score, at a cost that does not grow with the dance."""
        first = max(self.written - self.context - SPARE_BARS, 0)
        return self.reader.since(self.vocabulary.bar_beat(self.grid, first))
