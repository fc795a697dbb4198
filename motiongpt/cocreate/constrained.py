"""Sampling with co-creation's own constraints: ``motiongpt.model.generate.variations`` for a continued prompt,
with extra logits processors after the grammar's (they read its state).

``variations`` takes no processors of its own; the operations that need one (translate's support onsets,
continue's weight at the join) draw through here, with the same conditions, grammar, flight limit, temperature
and seeding, so a draw is the same kind of draw, fixed by its seed.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .dance import CocreateError


def draw(model, grid, count: int, prompt: list[int], bars: int, *, written: tuple[int, int], controls=None,
         text=None, style=None, seed: int = 0, temperature: float = 1.0,
         extra: Callable[[object], list] = lambda grammar: []) -> list:
    """``count`` scores continuing ``prompt`` (ids, no ``<eos>``; or a fill-in-the-middle prompt to
    ``<fim_middle>``, ``bars`` then the whole score's) to ``bars`` bars, in one seeded batch. Words
    (a string) ask of the vocabulary bars ``written`` [first, stop); ``extra(grammar_processor)`` gives the
    processors to run after the grammar."""
    from transformers import LogitsProcessorList, TemperatureLogitsWarper

    from motiongpt.grammar import ScoreGrammarProcessor
    from motiongpt.model.generate import TOKENS_PER_BAR, _conditions, _trimmed, _words
    from motiongpt.model.modeling import PREFIX
    from motiongpt.model.sampling import sample
    from motiongpt.plausibility import limits

    vocabulary = model.vocabulary
    grid = _trimmed(grid, bars, vocabulary)
    facts = None
    if isinstance(text, str):
        text, facts, _ = _words(model, grid, bars, written, text, None)
    conditions = _conditions(model, grid, count, bars, text, style, controls, facts)
    grammar = ScoreGrammarProcessor(vocabulary, bars=bars, beats_per_bar=grid.beats_per_bar, upbeat=grid.downbeat)
    processors = LogitsProcessorList([grammar, *extra(grammar), *limits(vocabulary, grid, grammar)])
    if temperature > 0:
        processors.append(TemperatureLogitsWarper(float(temperature)))
    ids = torch.tensor([prompt] * count, dtype=torch.long)
    budget = min(model.config.max_position_embeddings - PREFIX - len(prompt), TOKENS_PER_BAR * (written[1] - written[0]))
    with torch.random.fork_rng(), torch.inference_mode():
        torch.manual_seed(int(seed))
        out = sample(model, ids, processors, conditions, budget, greedy=temperature == 0)
    scores = []
    for row in out.tolist():
        new = row[len(prompt):]
        if vocabulary.eos_id not in new:
            raise CocreateError(f"the model did not finish {bars} bars within {budget} tokens")
        sequence = prompt + new[:new.index(vocabulary.eos_id) + 1]
        if sequence[0] == vocabulary.fim_prefix_id:  # a fill-in-the-middle prompt: the middle put back in place
            sequence = vocabulary.from_fill_in_the_middle(sequence)
        scores.append(vocabulary.to_score(sequence, grid))
    return scores
