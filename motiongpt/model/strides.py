"""A run the words ask for, written as the tokenizer writes a captured run: a twice-large step a stride, from foot
to foot, a small flight after every second one.

Why a constraint and not a push: the model writes "run" as a walk (steps forward on most beats, a hold on the
first, often a turn; `docs/model.md`, "A run read as leaps"): seven one-bar takes of its training windows show a
run's rhythm. What makes a decoded run run is that rhythm, not the words' facts: the tokenizer writes a captured
run's strides as twice-large steps with flights between them, and the decoder performs such strides at a
runner's pace (09_05's own score: 3.5 m/s), where the same steps with no gaps walk (1.2 m/s). Asking "two leaps a
bar" through the words' facts wrote leaps with turns between them.

So in the bars whose words say run (``running_bars``), reading the grammar's state (``motiongpt.grammar
.ScoreGrammarProcessor.state``, which runs before this in the processor list), ``Strides``:

- puts a step on every stride of the ``rhythm`` and a flight where it has one (the row may not move past either
  while it could still be written, and at its position only its columns may come: a support, or the centre);
- lets a step last until the next flight or step, a flight until the next step, and no step start elsewhere;
- keeps the strides going from foot to foot, one way (the way the words give, forward where they give none),
  twice large, the flights small: no hold, no hop, no step in place or another way, no turn;
- kicks the trailing leg back low as its foot leaves the floor (a quarter beat) and folds it under, bent at the
  knee, as it swings through, as the tokenizer reads the captured runs' legs; left to the decoder's own swing,
  the model's runs jolted at the shins (the evaluation's acceleration features 6-8 standard deviations over the
  captures');
- starts a dance that starts running on one foot, its first stride onto that foot: caught in motion, as the
  decoder reads a captured run's first step (``laban.decoder.steps``), so it does not start from standing;
- gives the arms a runner's: an upper arm swings back low on the side of the foot that steps and through (place
  low) on the other, a forearm points forward, low or middle, bent at the elbow (contraction 3-4), as the
  tokenizer reads the captured runs' arms; and keeps the torso and head upright (place high, the captured runs'
  only sign for either), from the starting position of a dance that starts running. Left to the model, its runs
  held their arms as a walk does, and the text ↔ score evaluator read every one of the validation split's six run
  dances (seeds 0-1) as a walk: with the captures' arms put in their place, each read "run" first. An upper arm
  moves only with a stride and holds until the next (pushed to move with each, ``ARM_PUSH``), as the captured
  arms swing.

Everything else (the steps' levels, how much the knees bend, when the forearms, torso and head move) is the
model's. Where the grammar allows nothing asked (a symbol from the bar before still sounding on the feet), the row
is left as the grammar has it: the constraint narrows, never empties, a row's choices.
"""

from __future__ import annotations

import math
import re

import numpy as np
import torch
from transformers import LogitsProcessor

from laban.score import Column, Direction
from motiongpt.grammar import (P_AFTER_DUR, P_COL, P_DUR, P_EVENT, P_START_NEXT, P_START_WHAT, P_WHAT,
                               SUPPORT_LANES)
from motiongpt.vocabulary import COLUMNS

from .ties import refused_where

RUN_WORDS = re.compile(r"(?<![\w-])(run|runs|running|jog|jogs|jogging|sprint|sprints|sprinting)(?![\w-])")
_SUPPORTS = (COLUMNS.index(Column.SUPPORT_LEFT), COLUMNS.index(Column.SUPPORT_RIGHT))
_CENTRE = COLUMNS.index(Column.CENTRE)
_LEGS = (COLUMNS.index(Column.LEG_LEFT), COLUMNS.index(Column.LEG_RIGHT))  # each foot's leg: its support + 2
_UPPER_ARMS = (COLUMNS.index(Column.UPPER_ARM_LEFT), COLUMNS.index(Column.UPPER_ARM_RIGHT))
_FOREARMS = (COLUMNS.index(Column.FOREARM_LEFT), COLUMNS.index(Column.FOREARM_RIGHT))
_UPRIGHT = (COLUMNS.index(Column.TORSO), COLUMNS.index(Column.HEAD))


ARM_PUSH = 4.0  # nats added to the upper arms' columns at a stride of a run (to swing them with the strides)
QUICKEST_BEAT = 0.45  # seconds: a beat slower than this takes two strides (a runner's stride lasts 0.3-0.4 s)


def rhythm(q: int, beat: float) -> tuple[int, np.ndarray, np.ndarray, int]:
    """A run's rhythm in subdivisions of 1/``q`` beat, at ``beat`` seconds a beat: a stride every ``u``
    subdivisions (a beat, or half of one when the beat is slower than ``QUICKEST_BEAT``), and a flight of a quarter
    beat after every second stride, which the next stride lands from — as the tokenizer writes captured runs
    (09_05: a step of a beat, a quarter beat's flight, a step of three quarters). (period, where steps start,
    where flights start, how long a flight lasts), repeating from each bar's first position (``Strides._next``)."""
    u = q if beat <= QUICKEST_BEAT or q % 2 else q // 2
    flight = max(1, q // 4)
    return 2 * u, np.array([0, u + flight]), np.array([u]), flight


def running_bars(phrases, first_bar: int, bars: int) -> np.ndarray:
    """(bars,) int: per vocabulary bar, -1 where its words do not say run (``RUN_WORDS``), else the way the run
    goes (an index of ``laban.Direction``: the way its words give its steps, forward where they give none), from
    ``((first, last), words)`` phrases in staff numbers (``first_bar``: the staff number of vocabulary bar 0, 0
    with an upbeat).

    Words say their moves in time order ("walk forward, then run"; ``laban.description.text.said``): where a
    phrase's words move the dancer in more than one clause (steps, turns, jumps; the arms and other colour go
    beside them), each such clause has an equal share of the phrase's bars, and a run runs in its own share (at
    least a bar), its way the one its clause says (forward where it says none). A phrase that moves in one clause
    runs throughout, its way from all its words."""
    from laban.description import facts_from_text
    from laban.description.text import said

    running = np.full(bars, -1, dtype=np.int64)

    def run(first: int, last: int, way) -> None:
        way = Direction.FORWARD if way in (None, Direction.PLACE) else way
        running[max(0, first - first_bar):max(0, last - first_bar + 1)] = list(Direction).index(way)

    for (first, last), words in phrases:
        if not any(RUN_WORDS.search(clause) for _, clause in said(str(words))):  # "don't run" is no clause
            continue
        moves = [clause for kinds, clause in said(str(words)) if {"step", "close", "turn", "jump"} & set(kinds)]
        if len(moves) < 2:
            run(first, last, facts_from_text(str(words)).step_direction)
            continue
        length = last - first + 1
        for k, clause in enumerate(moves):
            if RUN_WORDS.search(clause):
                start = first + math.floor(k * length / len(moves) + 0.5)
                stop = first + math.floor((k + 1) * length / len(moves) + 0.5) - 1
                start = min(start, last)
                run(start, max(start, stop), facts_from_text(clause).step_direction)
    return running


class Strides(LogitsProcessor):
    """A run's rhythm (``rhythm``, at ``beat`` seconds a beat) in the ``running`` bars (per ``<bar>`` the grammar
    numbers, the way its run goes or -1: ``running_bars``); ``grammar``: the grammar's processor, before this one
    in the list."""

    def __init__(self, grammar, running: np.ndarray, beat: float) -> None:
        self.grammar = grammar
        g = grammar.grammar
        v = self.v = g.vocabulary
        self.way = np.asarray(running, dtype=np.int64)
        self.running = self.way >= 0
        self.q = v.subdivision
        # per way (an index of Direction): the whats a run's support may not say (a hold, a turn, a step in
        # place or another way)
        self.refused_whats = np.array([[not w.startswith(f"{way.value}/") for w in v.whats] for way in Direction])
        self.flight_what = v.whats.index("flight")
        self.not_small = np.flatnonzero([m != "space:-1" for m in v.modifiers])
        self.not_stride = np.flatnonzero([m != "space:+2" for m in v.modifiers])
        self.moving_on = np.zeros(len(v), dtype=bool)
        self.moving_on[[v.bar_id, v.eos_id, v.fim_suffix_id]] = True
        self.met = None  # per row: (bar, position) of the last support and of the last flight written
        # the rhythm, repeating every ``period`` subdivisions: where steps and flights start, and where a step ends
        # (at the next flight, or the next step)
        self.period, self.steps, self.flights, self.flight_length = rhythm(self.q, beat)
        self.ends = np.union1d(self.flights, self.steps)
        # the trailing leg: kicked back as its foot leaves the floor (a step not landing from a flight, or a
        # flight) for as long as a flight, folded under as it swings through until the next kick
        self.kicks = np.setdiff1d(self.ends, self.flights + self.flight_length)
        self.folds = (self.kicks + self.flight_length) % self.period
        self.leg_at = np.union1d(self.kicks, self.folds)
        self.back_low = np.array([w != "backward/low" for w in v.whats])
        self.place_low = np.array([w != "place/low" for w in v.whats])
        self.not_folded = np.flatnonzero([m not in ("contraction:1", "contraction:2", "contraction:3")
                                          for m in v.modifiers])
        # a runner's arms, as the tokenizer reads the captured runs' (the training split's 7 run takes: their 44
        # upper-arm symbols say backward low or place low, but 2; their forearms forward, low or middle, but 14 of
        # 44, all bent at the elbow, contraction 3 or 4 but one): an upper arm swings back on the side of the foot
        # that steps and through (place low) on the other, a forearm points forward, low or middle, bent
        self.swings = self.back_low & self.place_low
        self.not_forward = np.array([w not in ("forward/low", "forward/middle") for w in v.whats])
        self.not_bent = np.flatnonzero([m not in ("contraction:3", "contraction:4") for m in v.modifiers])
        # and its torso and head upright (every captured run's only torso and head sign: place high, from the
        # starting position on)
        self.not_upright = np.array([w != "place/high" for w in v.whats])

    def _next(self, lowest: np.ndarray, offsets: np.ndarray, origin: np.ndarray) -> np.ndarray:
        """Per row, the first position from ``lowest`` on at one of the rhythm's ``offsets``, the rhythm counted
        from ``origin`` (the bar's first position: after an upbeat's silent beats, so a run starts on a step)."""
        after = lowest - origin
        return origin + (after[:, None] + (offsets[None] - after[:, None]) % self.period).min(1)

    def _trailing(self, phase: np.ndarray) -> np.ndarray:
        """Per row, the leg column that trails at ``phase`` of the rhythm: at a flight's kick the leg of the foot
        that was down, else the leg of the foot that did not step last (the steps go from foot to foot)."""
        foot = np.where(np.isin(phase, self.flights), self.foot, sum(_SUPPORTS) - self.foot)
        return foot + (_LEGS[0] - _SUPPORTS[0])

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        s = self.grammar.state
        if s is None or not self.running.any():
            return scores
        g, v = self.grammar.grammar, self.v
        batch = len(s.phase)
        if self.met is None or len(self.met) != batch:
            self.met = np.full((batch, 2, 2), -1, dtype=np.int64)
            self.foot = np.full(batch, -1, dtype=np.int64)  # the support column of the last step
            self.met_leg = np.full((batch, 2), -1, dtype=np.int64)
        bar = np.clip(s.bar, 0, len(self.running) - 1)
        run = (s.bar >= 0) & (s.bar < len(self.running)) & self.running[bar] & ~(s.fim & ~s.middle)
        # an event just named (not a continuation): the grammar waits for its duration
        named = (s.phase == P_DUR) & (s.need[:, 0] == -2)
        support = named & np.isin(s.col, _SUPPORTS)
        flight = named & (s.col == _CENTRE) & (s.what == self.flight_what)
        here = np.stack([s.bar, s.ev_pos], 1)
        self.met[support, 0] = here[support]
        self.foot[support] = s.col[support]
        self.met[flight, 1] = here[flight]
        leg = named & np.isin(s.col, _LEGS)
        self.met_leg[leg] = here[leg]
        refused = np.zeros(scores.shape, dtype=bool)
        # a dance that starts running is caught in motion: it starts on one foot, and its first stride is onto
        # that foot (the decoder's ``steps._caught``: under way from the first frame, as a captured run is)
        starting = (s.phase == P_START_NEXT) & self.running[0]
        if starting.any():
            standing = starting & np.isin(s.last_col, _SUPPORTS)
            self.foot[standing] = sum(_SUPPORTS) - s.last_col[standing]  # as if the other foot stepped last
            refused[starting & (s.last_col == _SUPPORTS[0]), v.column0 + _SUPPORTS[1]] = True
            unsupported = starting & (s.last_col < _SUPPORTS[0])
            refused[unsupported, v.column0 + _SUPPORTS[1] + 1:v.column0 + len(COLUMNS)] = True
            refused[unsupported, v.bar_id] = True
        # a dance that starts running starts with a runner's arms, torso and head (the upper arms in either swing)
        opening = (s.phase == P_START_WHAT) & self.running[0]
        if opening.any():
            for columns, wrong in ((_UPPER_ARMS, self.swings), (_FOREARMS, self.not_forward),
                                   (_UPRIGHT, self.not_upright)):
                refused[opening & np.isin(s.col, columns), v.what0:v.what0 + len(v.whats)] |= wrong
        if not run.any():
            return refused_where(scores, refused)

        positions = np.arange(v.max_positions)
        floor = np.where(s.bar == 0, s.upbeat_floor, 0)  # a multiple of q
        # the next asked event (``_next``); one at the position being written only while it is not written and
        # staff order still lets it come
        met_support = (self.met[:, 0, 0] == s.bar) & (self.met[:, 0, 1] == s.pos)
        met_flight = (self.met[:, 1, 0] == s.bar) & (self.met[:, 1, 1] == s.pos)
        onset_support = self._next(np.maximum(s.pos + (met_support | (s.last_col >= _SUPPORTS[1])), floor),
                                   self.steps, floor)
        onset_flight = self._next(np.maximum(s.pos + (met_flight | (s.last_col >= _CENTRE)), floor + 1),
                                  self.flights, floor)
        flight_first = onset_flight < onset_support
        target = np.minimum(onset_flight, onset_support)
        free = g._column_free_time(s)  # (rows, columns)
        supports_free = free[:, list(_SUPPORTS)].min(1)
        flight_free = s.busy[:, [0, *SUPPORT_LANES]].max(1)  # a flight needs both feet off the floor
        free_time = np.where(flight_first, flight_free, supports_free)
        waiting = (s.pending >= 0).any(1)
        between = ((s.phase == P_EVENT) | (s.phase == P_AFTER_DUR) | (s.phase == P_COL)) & ~waiting
        acting = run & between & (target < s.length) & (free_time <= target)
        later = acting & (s.pos < target)
        refused[later] |= self.moving_on
        refused[:, v.position0:v.position0 + v.max_positions] |= later[:, None] & (positions > target[:, None])
        now = acting & (s.pos == target)
        if now.any():  # here: only the asked event's columns
            refused[now] |= self.moving_on
            refused[now, v.position0:v.position0 + v.max_positions] = True
            wanted = np.where(flight_first[:, None], np.arange(len(COLUMNS))[None] == _CENTRE,
                              np.isin(np.arange(len(COLUMNS)), _SUPPORTS)[None])
            refused[:, v.column0:v.column0 + len(COLUMNS)] |= now[:, None] & ~wanted
        # the trailing leg, where no support or flight is owed first (staff order: they come before the legs)
        met_leg = (self.met_leg[:, 0] == s.bar) & (self.met_leg[:, 1] == s.pos)
        onset_leg = self._next(np.maximum(s.pos + (met_leg | (s.last_col >= _LEGS[1])), floor), self.leg_at, floor)
        trailing = self._trailing((onset_leg - floor) % self.period)
        leg_free = s.busy[np.arange(batch), np.clip(trailing, 0, len(COLUMNS) - 2) + 1]
        legging = (run & between & (self.foot >= 0) & (onset_leg < s.length) & (leg_free <= onset_leg)
                   & ~(acting & (target <= onset_leg)))
        later = legging & (s.pos < onset_leg)
        refused[later] |= self.moving_on
        refused[:, v.position0:v.position0 + v.max_positions] |= later[:, None] & (positions > onset_leg[:, None])
        now = legging & (s.pos == onset_leg)
        refused[now] |= self.moving_on
        refused[now, v.position0:v.position0 + v.max_positions] = True
        refused[:, v.column0:v.column0 + len(COLUMNS)] |= now[:, None] & (
            np.arange(len(COLUMNS))[None] != trailing[:, None])
        # no step off the rhythm's strides, none beside another one
        choosing = run & between & (s.pos >= 0)
        phase = (s.pos - floor) % self.period
        off_beat = choosing & (~np.isin(phase, self.steps) | met_support)
        refused[np.ix_(off_beat, v.column0 + np.array(_SUPPORTS))] = True
        # the centre only for the flights (once written, not again for a turn in its other lane)
        refused[choosing & (~np.isin(phase, self.flights) | met_flight), v.column0 + _CENTRE] = True
        # from foot to foot: no hop
        for foot in _SUPPORTS:
            refused[choosing & (self.foot == foot), v.column0 + foot] = True
        refused[np.ix_(choosing & ~np.isin(phase, self.leg_at), v.column0 + np.array(_LEGS))] = True
        trailing_here = self._trailing(phase)
        for leg in _LEGS:  # and only the trailing one (the other bears the weight)
            refused[choosing & (self.foot >= 0) & (trailing_here != leg), v.column0 + leg] = True
        # no position where nothing could be written: the columns a run leaves free (torso, forearms, head) still
        # busy there, and none of its own events due (the upper arms move only with the strides, below)
        others_free = free[:, [c for c in range(_LEGS[1] + 1, len(COLUMNS)) if c not in _UPPER_ARMS]].min(1)
        due = np.isin((positions[None] - floor[:, None]) % self.period, np.union1d(self.ends, self.leg_at))
        idle = run & between & ~waiting
        refused[:, v.position0:v.position0 + v.max_positions] |= idle[:, None] & (
            (positions[None] < others_free[:, None]) & ~due)
        # a kick goes back low, a fold stays under the body, bent at the knee
        kick_here = np.isin(phase, self.kicks)
        shaping = run & (s.phase == P_WHAT) & np.isin(s.col, _LEGS)
        refused[shaping, v.what0:v.what0 + len(v.whats)] |= np.where(kick_here[shaping, None], self.back_low,
                                                                      self.place_low)
        # the centre: a flight (no turn on both feet); a run's supports: no hold, no step in place, no turn
        what = run & (s.phase == P_WHAT)
        centre = what & (s.col == _CENTRE)
        refused[np.ix_(centre, v.what0 + np.flatnonzero(np.arange(len(v.whats)) != self.flight_what))] = True
        stepping = what & np.isin(s.col, _SUPPORTS)
        refused[stepping, v.what0:v.what0 + len(v.whats)] |= self.refused_whats[self.way[bar[stepping]]]
        # durations: a step lasts until the next flight or step, a flight until the next step (or the bar's end)
        is_flight = (s.col == _CENTRE) & (s.what == self.flight_what)
        timing = run & (s.phase == P_DUR) & (np.isin(s.col, _SUPPORTS) | is_flight)
        if timing.any():
            start = s.ev_pos
            until = np.where(is_flight, self._next(start + 1, self.steps, floor),
                             self._next(start + 1, self.ends, floor))
            until = np.minimum(until, s.length)
            ends = start[:, None] + positions[None] + 1
            refused[:, v.duration0:v.duration0 + v.max_positions] |= timing[:, None] & (ends != until[:, None])
            # a flight is small, a step twice large (a runner's stride, as the tokenizer reads captured runs):
            # the sign is written before the duration
            fresh = timing & (s.need[:, 0] == -2)
            for rows, wrong in ((fresh & is_flight, self.not_small), (fresh & ~is_flight, self.not_stride)):
                refused[np.ix_(rows, v.modifier0 + wrong)] = True
                refused[np.ix_(rows & (s.mods[:, 1] < 0), v.duration0 + positions)] = True
        # the arms: an upper arm moves only with a stride and holds until the next; what a runner's arms say, in
        # opposition to the feet, the forearms bent
        refused[np.ix_(choosing & ~np.isin(phase, self.steps), v.column0 + np.array(_UPPER_ARMS))] = True
        arming = run & (s.phase == P_DUR) & np.isin(s.col, _UPPER_ARMS) & (s.need[:, 0] == -2)
        if arming.any():
            until = np.minimum(self._next(s.ev_pos + 1, self.steps, floor), s.length)
            ends = s.ev_pos[:, None] + positions[None] + 1
            refused[:, v.duration0:v.duration0 + v.max_positions] |= arming[:, None] & (ends != until[:, None])
        refused[run & (s.phase == P_AFTER_DUR) & np.isin(s.col, _UPPER_ARMS), v.tie_id] = True
        upper = what & np.isin(s.col, _UPPER_ARMS)
        if upper.any():
            back = (s.col - _UPPER_ARMS[0]) == (self.foot - _SUPPORTS[0])  # the arm on the side of the last step
            refused[upper, v.what0:v.what0 + len(v.whats)] |= np.where(
                (self.foot[upper] < 0)[:, None], self.swings, np.where(back[upper, None], self.back_low,
                                                                       self.place_low))
        refused[what & np.isin(s.col, _FOREARMS), v.what0:v.what0 + len(v.whats)] |= self.not_forward
        refused[what & np.isin(s.col, _UPRIGHT), v.what0:v.what0 + len(v.whats)] |= self.not_upright
        bending = run & (s.phase == P_DUR) & np.isin(s.col, _FOREARMS) & (s.need[:, 0] == -2)
        if bending.any():
            refused[np.ix_(bending, v.modifier0 + self.not_bent)] = True
            refused[np.ix_(bending & (s.mods[:, 0] < 0), v.duration0 + positions)] = True
        swinging = run & (s.phase == P_DUR) & np.isin(s.col, _LEGS) & (s.need[:, 0] == -2)
        if swinging.any():  # a kick lasts as long as a flight, a fold (bent 1-3) until the next kick
            kick = np.isin((s.ev_pos - floor) % self.period, self.kicks)
            until = np.where(kick, s.ev_pos + self.flight_length,
                             np.minimum(self._next(s.ev_pos + 1, self.kicks, floor), s.length))
            ends = s.ev_pos[:, None] + positions[None] + 1
            refused[:, v.duration0:v.duration0 + v.max_positions] |= swinging[:, None] & (ends != until[:, None])
            folding = swinging & ~kick
            refused[np.ix_(folding, v.modifier0 + self.not_folded)] = True
            refused[np.ix_(folding & (s.mods[:, 0] < 0), v.duration0 + positions)] = True
        scores = refused_where(scores, refused)
        # the arms swing with the strides: at a stride, an upper arm not yet written there is raised
        swing = choosing & np.isin(phase, self.steps)
        if swing.any():
            push = torch.zeros(batch, 1, dtype=scores.dtype, device=scores.device)
            push[torch.from_numpy(swing)] = ARM_PUSH
            scores = scores.clone()
            scores[:, [v.column0 + c for c in _UPPER_ARMS]] += push
        return scores
