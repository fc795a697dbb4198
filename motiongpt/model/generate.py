"""Dances from the model: a score sampled token by token (KV cache) under the score grammar, so that every sample
is a valid score, and under the flight limit, so that every flight is a jump a body can make, with everything that
chooses it (seed, temperature, top-k, top-p, word guidance, best-of) given.

    >>> score = generate(model, grid, text="four steps forward, a half turn", seed=3)
    >>> closer = generate(model, grid, text="four steps forward", guidance=3, best_of=4, seed=3)
    >>> scores = variations(model, grid, 8, text="...", seed=3)          # 8 in one batch
    >>> longer = generate(model, grid, continue_from=score, bars=16)      # the first bars kept, the rest written
    >>> edited = generate(model, score.grid, fill_in=(score, 2, 4))       # bars 2..3 rewritten, the others kept

The same arguments and seed give the same score, to the byte: sampling draws from torch's generator seeded here,
each row from its own generator (variation k of a seed draws from ``_derived(seed, k)``), so the caller's random
state is neither used nor changed and variation k is the same dance whether 1 or 8 are asked for. All the rows
(variations × ``best_of`` × guidance's copies) are one batch of the sampling loop (``motiongpt.model.sampling``):
on a CPU a batch-1 step is bound by reading the weights, so rows in one batch are nearly free.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from transformers import (LogitsProcessor, LogitsProcessorList, TemperatureLogitsWarper, TopKLogitsWarper,
                          TopPLogitsWarper)

from laban.errors import LabanError
from laban.score import Score
from laban.timing import BeatGrid
from motiongpt.grammar import ScoreGrammarProcessor
from motiongpt.plausibility import FlightLimit, SupportsContinued, limits, mended

from .conditions import paced
from .config import tempo_bucket
from .modeling import PREFIX, MotionGPT
from .guidance import GROUPS, Guidance
from .repeats import RepeatedBars
from .rhythm import StepsOnTheBeat, on_grid
from .sampling import NotForced, sample
from .strides import Strides, running_bars

TOKENS_PER_BAR = 256  # the most a bar may take before sampling gives up (real bars take about 70)
WINDOW_BARS = 12  # the most bars one pass writes (the model trains on windows of 8)
CONTEXT_BARS = 4  # bars a later pass continues from


class GenerationError(LabanError):
    """Generation asked for something impossible (bad settings, a prompt off the grid), or did not finish."""


def generate(model: MotionGPT, grid: BeatGrid, **settings) -> Score:
    """One dance on ``grid``; see ``variations`` for the settings."""
    return variations(model, grid, 1, **settings)[0]


def variations(model: MotionGPT, grid: BeatGrid, count: int = 1, *, text: str | list | np.ndarray | None = None,
               style: str | int | None = None, controls: np.ndarray | torch.Tensor | None = None,
               facts: np.ndarray | None = None,
               bars: int | None = None, seed: int = 0, temperature: float = 1.0, top_k: int = 0,
               top_p: float | Sequence[float] = 1.0, guidance: float | dict[str, float] = 1.0, best_of: int = 1,
               continue_from: Score | Sequence[int] | None = None,
               fill_in: tuple[Score, int, int] | None = None, repeats: dict[int, int] | None = None,
               sources: dict[int, list[int]] | None = None, title: str = "", max_new_tokens: int | None = None,
               processors=None, steps_on: float | None = None, on_bar=None) -> list[Score]:
    """``count`` dances on ``grid`` in one batch.

    - ``text``: words for the whole dance (for the bars written, when continuing or filling in), a list of
      ``((first, last), words)`` for spans of bars (staff numbers), or a 384-d vector; words enter as their
      sentence vector and as per-bar facts (``conditions.word_phrases``/``fact_rows``: step count, direction,
      turn, jumps, arm level), and bars whose words say run are written in a run's rhythm (``strides``), and a
      phrase whose words say its pace ("a slow solo") is written in longer or shorter symbols
      (``conditions.pace_rows``, ``steering.PaceAsked``; as read at stop 62, its energy control moved:
      ``conditions.paced``);
      ``facts``: (bars, F) fact levels given directly instead; ``style``: a name the model knows or an id;
      ``controls``: (bars, K) levels per bar, -1 where absent. Each may be None (absent).
    - ``bars``: how many bars (default: those covering the grid).
    - ``continue_from``: a score (or its ids, without ``<eos>``) whose bars are kept and continued to ``bars``.
    - ``fill_in=(score, first, stop)``: bars ``first..stop-1`` of ``score`` written anew between the bars before
      and after them, which stay identical (the score's grid and bar count are used).
    - ``repeats``: bar → the earlier bar whose material it repeats (vocabulary bars, 0 = the first ``<bar>``;
      ``conditions.repeat_rows`` reads them from the music): the bar is written as a copy of that bar, token for
      token where the grammar allows (``motiongpt.model.repeats.RepeatedBars``); not where the words ask other
      facts of the two bars, nor when filling in. ``sources``: the tokens (after the ``<bar>``) of bars from before
      the sequence that a bar repeats, numbered on from its bars (-1 the bar before its first: a continuation
      repeating a bar the model does not see).
    - ``temperature`` 0 is greedy; ``top_k`` 0 and ``top_p`` 1 keep every token; ``top_p`` may be one per dance
      (each of its ``best_of`` samples drawn so: ``NucleusByRow``).
    - ``guidance``: classifier-free guidance (``motiongpt.model.guidance``): a scale for the words, or scales
      per condition group, ``{"words": 3, "music": 2}`` (``music``: the per-bar ``controls``). 1 samples the
      model as it is, more follows the group more closely; each guided group adds a copy of the batch.
    - ``best_of``: each dance is the best of ``best_of`` samples: the one that does most of what the words ask,
      checked on the score itself (``conditions.words_kept``: step count, direction, turn, jumps, arm level per
      phrase), and among those the one whose decoded per-bar kinetic energy follows the music's energy control
      most closely (``conditions.energy_followed``: Spearman ρ; the model follows its energy control on the
      score, but a bar's written symbols say only loosely how much the body moves, so the samples are decoded
      and measured). Words first: the music never costs a word kept. Ties go to the earlier sample; with
      neither words that ask something the score can be checked for ("salsa dance" asks none of it) nor an
      energy control (on three bars or more) there is nothing to rank by: one sample.
    - ``processors``: more logits processors, run right after the grammar's (before the plausibility limits and
      the temperature and top-k/top-p warpers): a list, or a function of the call's grammar processor giving one
      (for processors that read its state; called once per sampling pass). A processor may also stop sampling
      by raising (the studio's cancel). Each refuses by what was written, not by the logits' values, and may be
      asked twice at one length (``sampling.sample``'s ``chunked``: first on logits of zeros).
    - ``steps_on``: what carries the weight (supports: steps, transfers, turns on a foot; the centre's flights and
      turns) is pushed to start and arrive every this many beats from the bar line (1: on the beat, 0.5: on the
      beat or its half; ``rhythm.StepsOnTheBeat``) in the bars written; None: anywhere, as the model writes them.
    - ``on_bar(k, total)``: called as each sampling pass ends, with the bars of the batch's dances written so far
      (``_long``: a dance longer than ``WINDOW_BARS`` bars is written a pass at a time, and a person waits on it;
      one pass says ``total`` once, at its end). It may stop the sampling by raising (the studio's cancel); it
      changes nothing that is drawn.
    """
    vocabulary = model.vocabulary
    if vocabulary is None:
        raise GenerationError("the model has no vocabulary (load it with MotionGPT.from_pretrained)")
    if not (isinstance(count, int) and count >= 1):
        raise GenerationError(f"the number of variations must be a whole number from 1, not {count!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise GenerationError(f"seed must be a whole number from 0, not {seed!r}")
    nuclei = list(top_p) if isinstance(top_p, (list, tuple, np.ndarray)) else [top_p] * count
    if not (temperature >= 0 and top_k >= 0 and all(0 < p <= 1 for p in nuclei)):
        raise GenerationError("temperature and top_k must be at least 0 and top_p in (0, 1]")
    if len(nuclei) != count:
        raise GenerationError(f"top_p is one value or one per dance ({count}), not {len(nuclei)}")
    scales = guidance if isinstance(guidance, dict) else {"words": guidance}
    for name, scale in scales.items():
        if name not in GROUPS:
            raise GenerationError(f"no condition group {name!r} to guide (groups: {', '.join(GROUPS)})")
        if not (isinstance(scale, (int, float, np.number)) and scale >= 0):
            raise GenerationError(f"{name} guidance must be at least 0, not {scale!r}")
    if not (isinstance(best_of, int) and best_of >= 1):
        raise GenerationError(f"best_of is a whole number from 1, not {best_of!r}")
    if fill_in is not None and continue_from is not None:
        raise GenerationError("give continue_from or fill_in, not both")
    if steps_on is not None and on_grid(steps_on, vocabulary.subdivision) is None:
        raise GenerationError(f"steps land on whole multiples of 1/{vocabulary.subdivision} beat, not every "
                              f"{steps_on!r} beats")

    if fill_in is not None:
        score, first, stop = fill_in
        grid, whole = score.grid, vocabulary.encode(score)
        total = len(vocabulary.bar_spans(whole))
        if bars is not None and bars != total:
            raise GenerationError(f"filling in keeps the score's {total} bars; bars={bars} cannot change that")
        try:
            sequence = vocabulary.fill_in_the_middle(whole, first, stop)
        except LabanError as error:
            raise GenerationError(str(error)) from None
        prompt = sequence[:sequence.index(vocabulary.fim_middle_id) + 1]
        title = title or score.title
        written = (first, stop)
    else:
        total = bars if bars is not None else vocabulary.bar_count(grid)
        if not (isinstance(total, (int, np.integer)) and total >= 1):
            raise GenerationError(f"a dance has at least one bar, not {total!r}")
        grid = _trimmed(grid, int(total), vocabulary)
        prompt = [vocabulary.bos_id]
        if continue_from is not None:
            prompt = vocabulary.encode(continue_from) if isinstance(continue_from, Score) else list(continue_from)
            while prompt and prompt[-1] in (vocabulary.eos_id, vocabulary.pad_id):
                prompt.pop()
            kept = len(vocabulary.bar_spans(prompt)) - (prompt[-1:] == [vocabulary.bar_id])  # closed: a bar opened
            if kept > total:
                raise GenerationError(f"the score to continue has {kept} bars, more than the {total} asked for")
            written = (kept, total)
        else:
            written = (0, total)
    if not (isinstance(total, int) and total >= 1):
        raise GenerationError(f"a dance has at least one bar, not {total!r}")

    phrases, running, jumps, steps, turns, paces = [], None, None, None, None, None
    if isinstance(text, (str, list, tuple)):
        text, facts, phrases, running, jumps, steps, turns, paces = _words(model, grid, total, written, text, facts)
    energy = _energy_levels(model, controls)  # the music's, which best-of ranks by
    if paces is None:  # as words were read at stop 62: the pace moves the energy control (nothing where none is said)
        controls = paced(controls, phrases, grid, total, model.config.control_names, model.config.control_levels)
    sources = dict(sources or {})
    repeats = {} if fill_in is not None else _repeated(model, repeats or {}, total, written, facts, sources)
    if not _asking(phrases) and energy is None:
        best_of = 1  # nothing asked: nothing to rank by (the first sample would be kept whatever the others)
    count, wanted = count * best_of, count
    seeds = [_derived(seed, row) for row in range(count)]  # row k × best_of + j: variation k's j-th sample
    nuclei = [float(p) for p in nuclei for _ in range(best_of)]
    top_p = nuclei[0] if len(set(nuclei)) == 1 else nuclei
    sampling = dict(text=text, style=style, temperature=temperature, top_k=top_k, top_p=top_p,
                    guidance=scales, max_new_tokens=max_new_tokens, processors=processors, steps_on=steps_on,
                    running=running, jumps=jumps, steps=steps, turns=turns, paces=paces)
    if fill_in is None and continue_from is None and total > WINDOW_BARS:
        sequences = _long(model, grid, total, controls, facts, seeds, repeats, on_bar=on_bar, **sampling)
    else:
        repeated = (lambda grammar: RepeatedBars(grammar, repeats, first=written[0], known=[sources] * count)
                    ) if repeats else None
        sequences = _sample(model, grid, [prompt] * count, total, controls, facts, seeds, repeated=repeated,
                            **sampling)
        if on_bar is not None:
            on_bar(total, total)
    begin, end = (vocabulary.bar_beat(grid, bar) for bar in written)  # the beats sampled
    scores = []
    for sequence in sequences:
        if fill_in is not None:
            sequence = vocabulary.from_fill_in_the_middle(sequence)
        scores.append(mended(vocabulary.to_score(sequence, grid, title), begin, end))
    if best_of > 1:
        scores = [_best(scores[i:i + best_of], phrases, energy) for i in range(0, wanted * best_of, best_of)]
    return scores


def _repeated(model: MotionGPT, repeats: dict, total: int, written: tuple[int, int], facts, sources: dict
              ) -> dict[int, int]:
    """The ``repeats`` that apply: bars being written whose words (if any) ask what their source's ask, apart from
    their place in the phrase (a source from before the sequence, in ``sources``, is not asked); one that is not
    a later bar of the dance repeating an earlier one is refused."""
    names = list(model.config.fact_names)
    asked = [k for k, name in enumerate(names) if not name.startswith("phrase")]
    rows = None if facts is None else np.asarray(facts)
    kept = {}
    try:
        pairs = dict(repeats).items()
    except (TypeError, ValueError):
        raise GenerationError(f"repeats are a mapping of bar to the earlier bar it repeats, not {repeats!r}") from None
    for bar, source in pairs:
        if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in (bar, source)) \
                or not (0 <= source or source in sources) or not source < bar < total:
            raise GenerationError(f"bar {bar!r} cannot repeat bar {source!r}: a bar repeats an earlier bar of the "
                                  f"{total}")
        if not written[0] <= bar < written[1]:
            continue  # a bar given, not written
        if rows is not None and source >= 0 and not np.array_equal(rows[bar, asked], rows[source, asked]):
            continue  # the words ask something else of it
        kept[int(bar)] = int(source)
    return kept


def _asking(phrases) -> bool:
    """Whether any of the words' phrases asks something ``conditions.words_kept`` checks."""
    from laban.description import words_followed

    return any(words_followed(facts, facts) for _, facts in phrases)


def _energy_levels(model: MotionGPT, controls) -> np.ndarray | None:
    """The music's energy control, one level a vocabulary bar (-1 where absent), or None where there is nothing to
    rank samples by (no controls, no energy among them, fewer than three bars with a level)."""
    names = model.config.control_names
    if controls is None or "energy" not in names:
        return None
    levels = np.asarray(controls, dtype=np.int64)
    if levels.ndim != 2 or levels.shape[1] != len(names):
        return None  # refused with its one-line error where the controls become tensors
    energy = levels[:, names.index("energy")]
    return energy if (energy >= 0).sum() >= 3 else None  # a rank correlation needs three bars


def _best(samples: list[Score], phrases, energy) -> Score:
    """The sample that does most of what the words ask (``conditions.words_kept``), and among those the one whose
    decoded per-bar kinetic energy follows the music's energy most closely (``conditions.energy_followed``,
    Spearman ρ); ties go to the earlier sample. Only the samples still in the running are decoded."""
    from .conditions import energy_followed, words_kept

    kept = [words_kept(score, phrases) if phrases else 0.0 for score in samples]
    running = [k for k, v in enumerate(kept) if v == max(kept)]
    if energy is None or len(running) == 1:
        return samples[running[0]]
    fit = {k: energy_followed(samples[k], energy) for k in running}
    return samples[max(running, key=lambda k: (fit[k], -k))]


class NucleusByRow(TopPLogitsWarper):
    """Top-p sampling with a nucleus per row of the batch (a row whose ``top_p`` is 1 keeps every token): each
    group of rows is warped by transformers' own ``TopPLogitsWarper``, which works row by row, so a row comes out
    as it would in a batch of its ``top_p`` alone (the first of a set of variations is the dance ``generate``
    writes alone). A top-p warper itself, so that the sampling loop knows it acts on the logits' values
    (``sampling.VALUED``)."""

    def __init__(self, top_ps: list[float]) -> None:
        super().__init__(min(top_ps))
        self.groups = [(TopPLogitsWarper(p), torch.tensor([q == p for q in top_ps])) for p in sorted(set(top_ps))
                       if p < 1]

    def __call__(self, input_ids: torch.LongTensor, scores: torch.Tensor) -> torch.Tensor:
        scores = scores.clone()
        for warper, rows in self.groups:
            rows = rows.to(scores.device)
            scores[rows] = warper(input_ids[rows], scores[rows])
        return scores


def _sample(model: MotionGPT, grid: BeatGrid, prompts: list[list[int]], total: int, controls, facts,
            seeds: list[int], *, text, style, temperature: float, top_k: int, top_p: float | list[float],
            guidance: dict | None = None, max_new_tokens: int | None = None, processors=None, repeated=None,
            forced_only: bool = False, steps_on: float | None = None, open_end: bool = False,
            running: np.ndarray | None = None, jumps: np.ndarray | None = None,
            steps: np.ndarray | None = None, turns: np.ndarray | None = None,
            paces: np.ndarray | None = None) -> list[list[int]]:
    """One sequence per prompt (prompt + what was written, to ``<eos>``) of ``total`` bars on ``grid``, row r
    drawing from ``seeds[r]``: one sampling loop (``motiongpt.model.sampling``). ``repeated``: a function of the
    grammar processor giving the ``RepeatedBars`` to run last before the warpers, or None; ``forced_only``: without
    the model, where the processors leave one token at every step (else ``sampling.NotForced``); ``open_end``: the
    last bar may end tied into a bar the next pass writes (``ScoreGrammarProcessor(open_end=...)``); ``running``:
    per bar, the way its words ask to run or -1 (``strides.running_bars``: written as a run, ``strides.Strides``),
    or None; ``jumps``: per bar, the jumps its phrase's words count or -1 (``jump_bounds``: no more are written,
    ``steering.JumpAsked``), or None; ``steps``: likewise the steps (``step_bounds``, ``steering.StepsAsked``);
    ``turns``: per bar, the turn its phrase's words ask in eighths (``turn_bounds``, ``steering.TurnAsked``);
    ``paces``: per bar, the pace its phrase's words say (``pace_rows``: its symbols' lengths tilted,
    ``steering.PaceAsked``)."""
    vocabulary = model.vocabulary
    count = len(prompts)
    longest, positions = max(map(len, prompts)), model.config.max_position_embeddings - PREFIX
    room = positions - longest
    if room <= 0:  # a whole dance filled in (vary, regenerate): a long one, or "bar 99999" typed by hand
        raise GenerationError(f"the dance read around the bars to write is {longest} tokens long, past the "
                              f"{positions} the model reads at once: write fewer bars at once, or edit an excerpt")
    conditions = _conditions(model, grid, count, total, text, style, controls, facts)
    budget = max_new_tokens or min(room, TOKENS_PER_BAR * total)
    grammar = ScoreGrammarProcessor(vocabulary, bars=total, beats_per_bar=grid.beats_per_bar, upbeat=grid.downbeat,
                                    open_end=open_end)
    if isinstance(processors, LogitsProcessor):  # one processor (callable too, but not of the grammar)
        processors = [processors]
    extra = processors(grammar) if callable(processors) else list(processors or ())
    processors = LogitsProcessorList([grammar, *extra, *limits(vocabulary, grid, grammar)])
    counted = None  # bars whose words count the steps: there the supports are not pushed to carry on
    if facts is not None and "steps" in model.config.fact_names:
        counted = np.asarray(facts)[:, list(model.config.fact_names).index("steps")] >= 0
    processors.append(SupportsContinued(grammar, counted))
    copying = repeated(grammar) if repeated is not None else None
    turning = None
    # bars written as copies of earlier ones: they turn and step as their sources did, whatever their words count
    copies = copying.copied(len(facts)) if copying is not None and facts is not None else ()
    if facts is not None and "turn" in model.config.fact_names:
        from laban.description.text import still_turns_opened

        from .steering import TURN_OPENING, TurnAsked  # the words' turn as a budget

        turning = TurnAsked(vocabulary, facts, model.config.fact_names, copies=copies, bound=turns,
                            opening=TURN_OPENING if still_turns_opened() else 0.0)
        processors.append(turning)
    if facts is not None and "steps" in model.config.fact_names:
        from .steering import StepsAsked  # the words' step count as a bound

        processors.append(StepsAsked(vocabulary, facts, model.config.fact_names, copies=copies,
                                     fact_levels=model.config.fact_levels, bound=steps))
    if facts is not None and "jumps" in model.config.fact_names:
        from .steering import JumpAsked  # an asked jump pushed for

        limit = next((p for p in processors if isinstance(p, FlightLimit)), None)  # where a flight may take off
        processors.append(JumpAsked(vocabulary, facts, model.config.fact_names, limit=limit, copies=copies, bound=jumps,
                                    spared=turning.turning if turning is not None else None))
    if running is not None and (running >= 0).any():
        processors.append(Strides(grammar, running, 60.0 / grid.tempo))  # a run's rhythm, where words ask to run
    if paces is not None:
        from .steering import PaceAsked  # the words' pace in the symbols' lengths

        processors.append(PaceAsked(grammar, paces))
    if steps_on is not None:  # after those that narrow: it pushes among what they left
        # a phrase's steps start anywhere while it still owes the turn its words ask (the push cost turns most)
        processors.append(StepsOnTheBeat(grammar, steps_on, spared=turning.owing if turning is not None else None))
    if copying is not None:
        processors.append(copying)  # narrows what every processor above left
    if temperature > 0:
        if temperature != 1:  # (dividing by 1 changes no logit: as the stream does, not run)
            processors.append(TemperatureLogitsWarper(float(temperature)))
        if top_k:
            processors.append(TopKLogitsWarper(int(top_k)))
        if isinstance(top_p, list):
            processors.append(NucleusByRow(top_p))
        elif top_p < 1:
            processors.append(TopPLogitsWarper(float(top_p)))
    device = model.lm_head.weight.device
    same = all(p == prompts[0] for p in prompts)
    ids = torch.tensor(prompts, dtype=torch.long, device=device) if same else prompts
    with torch.inference_mode():
        try:
            out = sample(model, ids, processors, conditions, budget, greedy=temperature == 0,
                         guidance=Guidance(guidance or {}, conditions), seeds=seeds, forced_only=forced_only)
        except NotForced:
            raise
        except LabanError as error:
            raise GenerationError(str(error)) from None
    sequences = []
    for prompt, row in zip(prompts, out.tolist()):
        written = row[len(prompt):]
        if vocabulary.eos_id not in written:
            raise GenerationError(f"the model did not finish {total} bars within {budget} tokens")
        sequences.append(prompt + written[:written.index(vocabulary.eos_id) + 1])
    return sequences


def _long(model: MotionGPT, grid: BeatGrid, total: int, controls, facts, seeds: list[int], repeats: dict[int, int],
          on_bar=None, **sampling) -> list[list[int]]:
    """Dances (one per seed, in one batch) longer than the model's training windows, written ``WINDOW_BARS`` at a
    time (pass p of row r drawing from ``_derived(seeds[r], p)``): each pass continues
    the last ``CONTEXT_BARS`` bars written (cut from the dance so far with ``laban.algebra.cut``, so they stand on
    their own, and closed with the next ``<bar>``, so the model writes new bars and does not go on writing the
    context's last one) on a grid of the local tempo, and its new bars' tokens are appended (a bar's tokens do
    not depend on where it stands). Every pass but the last may end tied into the bar after it (``open_end``), and
    the next pass's context keeps those ties, so its first bar opens with their continuations: a symbol goes on
    over a pass's end as over any bar line (before 2026-12-05 every eighth bar ended everything). A repeated bar
    may repeat one written by an earlier pass (``repeats``); a pass whose new bars all repeat earlier ones is
    written without the model where the processors leave no choice (``sample(forced_only=True)``: the same tokens
    the model would have been made to write). ``on_bar(done, total)`` is told the bars written after each pass."""
    from laban.algebra import cut

    vocabulary = model.vocabulary
    rows = None if controls is None else np.asarray(controls, dtype=np.int64)
    asked = None if facts is None else np.asarray(facts, dtype=np.int64)
    named = ("running", "jumps", "steps", "turns", "paces")  # per bar: cut to each pass's bars
    bounds = {name: sampling.pop(name, None) for name in named}

    def part(levels, first, stop):
        return None if levels is None else levels[first:stop]

    def repeated(offset: int, first: int, known=None):
        return (lambda grammar: RepeatedBars(grammar, repeats, offset, first, known)) if repeats else None

    dances = [ids[:-1] for ids in _sample(
        model, grid, [[vocabulary.bos_id]] * len(seeds), WINDOW_BARS, part(rows, 0, WINDOW_BARS),
        part(asked, 0, WINDOW_BARS), [_derived(seed, 0) for seed in seeds], repeated=repeated(0, 0),
        open_end=True, **{name: part(levels, 0, WINDOW_BARS) for name, levels in bounds.items()}, **sampling)]
    shift = 0 if grid.downbeat else 1  # staff bar number of the vocabulary's first bar
    done, step = WINDOW_BARS, 1
    if on_bar is not None:
        on_bar(done, total)
    while done < total:
        new = min(WINDOW_BARS - CONTEXT_BARS, total - done)
        prompts = []
        for ids in dances:
            so_far = vocabulary.to_score(ids + [vocabulary.eos_id], grid)
            context = vocabulary.encode(cut(so_far, done - CONTEXT_BARS + shift, done - 1 + shift))[:-1]
            a, b = vocabulary.bar_spans(ids)[done - 1]
            prompts.append(_tied_on(vocabulary, context, ids[a:b]) + [vocabulary.bar_id])  # closed: new bars only
        local = _local_grid(grid, done - CONTEXT_BARS, CONTEXT_BARS + new)
        span = (done - CONTEXT_BARS, done + new)
        known = [{bar: ids[a + 1:b] for bar, (a, b) in enumerate(vocabulary.bar_spans(ids))} for ids in dances
                 ] if repeats else None
        settings = (model, local, prompts, CONTEXT_BARS + new, part(rows, *span), part(asked, *span),
                    [_derived(seed, step) for seed in seeds])
        open_end = done + new < total  # a later pass goes on from this one's ties
        sampling.update({name: part(levels, *span) for name, levels in bounds.items()})
        written = None
        if all(bar in repeats for bar in range(done, done + new)) and sampling.get("top_k") != 1:
            try:  # a pass of copies: the processors write it, without the model, where they leave no choice
                written = _sample(*settings, repeated=repeated(span[0], CONTEXT_BARS, known), forced_only=True,
                                  open_end=open_end, **sampling)
            except NotForced:
                pass
        if written is None:
            written = _sample(*settings, repeated=repeated(span[0], CONTEXT_BARS, known), open_end=open_end,
                              **sampling)
        for ids, sequence in zip(dances, written):
            spans = vocabulary.bar_spans(sequence)
            ids += sequence[spans[CONTEXT_BARS][0]:spans[-1][1]]
        done, step = done + new, step + 1
        if on_bar is not None:
            on_bar(done, total)
    return [ids + [vocabulary.eos_id] for ids in dances]


def _tied_on(vocabulary, context: list[int], bar: list[int]) -> list[int]:
    """``context`` (a cut's ids, without ``<eos>``) with its last bar's pieces tied on into the next bar where
    ``bar`` (the dance's own tokens of that bar) ties them: the cut ends every symbol at its last bar line, and the
    next pass must open with their continuations, as one pass would have written them. A tied piece is ``col what
    [modifiers] dur <tie>``; its last occurrence in the context's last bar is the one that reaches the bar's end
    (the last event of its column)."""
    columns = range(vocabulary.column0, vocabulary.column0 + len(vocabulary.columns))
    runs = []
    for k, token in enumerate(bar):
        if token == vocabulary.tie_id:
            start = k - 1
            while bar[start] not in columns:
                start -= 1
            runs.append(bar[start:k])
    out, last = list(context), vocabulary.bar_spans(context)[-1][0]
    for run in runs:
        at = next((i for i in range(len(out) - len(run), last - 1, -1) if out[i:i + len(run)] == run), None)
        if at is not None:
            out.insert(at + len(run), vocabulary.tie_id)
    return out


def _trimmed(grid: BeatGrid, bars: int, vocabulary) -> BeatGrid:
    """``grid`` up to the end of its first ``bars`` bars (so the score ends where the dance does); a grid with
    fewer bars is refused."""
    have = vocabulary.bar_count(grid)
    if bars > have:
        raise GenerationError(f"the beat grid has {have} bars, fewer than the {bars} asked for")
    if bars == have:
        return grid
    offset = grid.downbeat - grid.beats_per_bar if grid.downbeat else 0
    return BeatGrid(grid.times[:bars * grid.beats_per_bar + offset + 1], grid.beats_per_bar, grid.downbeat)


def _local_grid(grid: BeatGrid, first_bar: int, bars: int) -> BeatGrid:
    """A steady grid of ``bars`` bars at the tempo ``grid`` has from vocabulary bar ``first_bar`` on, no upbeat."""
    meter = grid.beats_per_bar
    start = max(0, first_bar * meter - (meter - grid.downbeat if grid.downbeat else 0))
    times = np.asarray(grid.times[start:start + bars * meter + 1])
    period = float(np.median(np.diff(times))) if len(times) > 1 else 60.0 / grid.tempo
    return BeatGrid(tuple(period * np.arange(bars * meter + 1)), meter)


def _derived(seed: int, part: int) -> int:
    """A seed for one part of a generation (a row, a pass), fixed by the caller's seed."""
    return int(np.random.SeedSequence([int(seed), part]).generate_state(1)[0])


def _words(model: MotionGPT, grid: BeatGrid, total: int, written: tuple[int, int], text, facts):
    """A prompt's sentence vector, its per-bar facts (unless ``facts`` are given), its phrases ((first, last),
    facts), the bars whose words ask to run (``strides.running_bars``, None where none do), the jumps and steps
    each bar's phrase counts (``conditions.jump_bounds``, ``step_bounds``; None where none does), the turn it
    asks (``conditions.turn_bounds``) and the pace it says (``conditions.pace_rows``; each None where none does, or
    where words are read as before): a string asks of
    the bars being written (vocabulary bars ``written[0]..written[1]-1``), a list of ``((first, last), words)`` of
    those staff bars."""
    from motiongpt.text import encode_text

    from .conditions import UNSAID, fact_rows, jump_bounds, pace_rows, step_bounds, turn_bounds, word_phrases

    shift = 0 if grid.downbeat else 1  # the staff number of the vocabulary's first bar
    if isinstance(text, str):
        first, stop = written
        text = [((first + shift, stop - 1 + shift), text)]
    words, phrases = word_phrases(text, grid, total)
    if facts is None:
        facts = fact_rows(phrases, grid, total, model.config.fact_names)
    running, jumps, steps = running_bars(text, shift, total), jump_bounds(phrases, grid, total), step_bounds(
        phrases, grid, total)
    turns = turn_bounds(phrases, grid, total)
    return (encode_text([words])[0], facts, phrases, *(levels if (levels >= 0).any() else None
                                                       for levels in (running, jumps, steps)),
            turns if turns is not None and (turns != UNSAID).any() else None, pace_rows(phrases, grid, total))


def _conditions(model: MotionGPT, grid: BeatGrid, count: int, bars: int, text, style, controls, facts) -> dict:
    """The conditioning tensors for a batch of ``count`` rows (the same for every row)."""
    config = model.config
    vector = None
    if text is not None:
        vector = torch.as_tensor(np.asarray(text, dtype=np.float32)).reshape(1, -1).repeat(count, 1)
        if vector.shape[1] != config.text_dimensions:
            raise GenerationError(f"a text vector has {config.text_dimensions} numbers, not {vector.shape[1]}")
    try:
        style_id = config.style_id(style)
    except ValueError as error:
        raise GenerationError(str(error)) from None
    if not 1 <= grid.beats_per_bar <= config.max_meter:
        raise GenerationError(f"a bar of {grid.beats_per_bar} beats is more than this model's {config.max_meter}")
    rows = {"text": vector,
            "style": None if style_id is None else torch.full((count,), style_id),
            "tempo": torch.full((count,), tempo_bucket(grid.tempo, config.tempo_buckets)),
            "meter": torch.full((count,), grid.beats_per_bar),
            "bars": torch.full((count,), bars)}
    if controls is not None:
        levels = torch.as_tensor(np.asarray(controls), dtype=torch.long)
        if levels.ndim != 2 or levels.shape[1] != config.control_count:
            raise GenerationError(f"controls are (bars, {config.control_count}) levels, not {tuple(levels.shape)}")
        if levels.numel() and bool((levels >= torch.tensor(config.control_levels)).any() | (levels < -1).any()):
            raise GenerationError(f"control levels run from 0 to {[n - 1 for n in config.control_levels]} "
                                  "(-1: absent)")
        rows["controls"] = levels.unsqueeze(0).repeat(count, 1, 1)
    if facts is not None:
        levels = torch.as_tensor(np.asarray(facts), dtype=torch.long)
        if levels.ndim != 2 or levels.shape[1] != config.fact_count:
            raise GenerationError(f"word facts are (bars, {config.fact_count}) levels, not {tuple(levels.shape)}")
        rows["facts"] = levels.unsqueeze(0).repeat(count, 1, 1)
    return {k: v for k, v in rows.items() if v is not None}
