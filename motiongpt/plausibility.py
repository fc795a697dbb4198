"""What a body can do, as a constraint on sampling (a logits processor beside the grammar's validity).

The grammar makes every sample a valid score; a valid score can still ask for what no dancer does. The one such
request the decoder cannot soften is a long flight: in the air, a body follows a parabola, so a flight written
for 1.2 s is a 1.8 m jump. The first evaluations of the built-in model found dances that "floated" 0.8 m for
that reason. ``FlightLimit`` caps a flight's length at what the shared captures show (their longest, a grand jeté,
is 0.63 s in the air), at the dance's tempo: a flight's duration token may not be longer, and a flight may not
be tied over a bar line (its continuation would add to it).
"""

from __future__ import annotations

import numpy as np
import torch
from transformers import LogitsProcessor

from laban.decoder.supports import LONGEST_FLIGHT  # seconds in the air: the captures' longest flight is 0.63 s
from laban.timing import BeatGrid

from .vocabulary import Vocabulary

__all__ = ["LONGEST_FLIGHT", "FlightLimit"]


class FlightLimit(LogitsProcessor):
    """Durations longer than ``longest`` seconds (at the grid's slowest beat) refused after a flight, and the tie
    after a flight's duration refused."""

    def __init__(self, vocabulary: Vocabulary, grid: BeatGrid, longest: float = LONGEST_FLIGHT) -> None:
        times = np.asarray(grid.times, dtype=float)
        beat = float(np.diff(times).max()) if len(times) > 1 else 60.0 / grid.tempo
        most = max(1, int(longest / beat * vocabulary.subdivision + 1e-9))  # subdivisions a flight may last
        self.flight, self.tie = vocabulary.ids["flight"], vocabulary.tie_id
        self.first_duration = vocabulary.duration0
        self.too_long = torch.zeros(len(vocabulary), dtype=torch.bool)
        self.too_long[vocabulary.duration0 + most:vocabulary.duration0 + vocabulary.max_positions] = True
        self.is_duration = torch.zeros(len(vocabulary), dtype=torch.bool)
        self.is_duration[vocabulary.duration0:vocabulary.duration0 + vocabulary.max_positions] = True
        # a version-2 vocabulary's space measurement may stand between a flight and its duration
        self.is_modifier = torch.zeros(len(vocabulary), dtype=torch.bool)
        self.is_modifier[vocabulary.modifier0:vocabulary.modifier0 + len(vocabulary.modifiers)] = True

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        last = input_ids[:, -1]
        modifier = self.is_modifier.to(last.device)

        def flight_before(k: int) -> torch.Tensor:  # the what k tokens back is a flight (modifiers skipped once)
            if input_ids.shape[1] < k:
                return torch.zeros_like(last, dtype=torch.bool)
            at = input_ids[:, -k]
            if input_ids.shape[1] > k:
                at = torch.where(modifier[at], input_ids[:, -k - 1], at)
            return at == self.flight

        after_flight = flight_before(1)
        timed_flight = flight_before(2) & self.is_duration.to(last.device)[last]
        if not bool(after_flight.any() | timed_flight.any()):
            return scores
        refused = after_flight[:, None] & self.too_long.to(scores.device)[None]
        refused[:, self.tie] |= timed_flight
        return scores.masked_fill(refused, float("-inf"))
