"""What the words ask, kept while sampling: a turn is never overshot or turned the wrong way (``TurnAsked``), a
jump that is asked is made likely and no more than the words count are written (``JumpAsked``), and a phrase steps no
more than its words count (``StepsAsked``).

Turns are what the model follows least (bench/words_followed.py: a turn within an eighth of the asked amount in
about half the phrases, against 0.9 for jump or not and arm level): a turn's amount is spread over several
symbols, and a sample that has turned a half already goes on turning, or turns back. The words say, per bar, the
turn its phrase asks (``conditions.turn_bounds``: eighths, positive to the right, as said: "two pirouettes" two
whole turns, where the facts the model is given hold at most one, ``conditions.fact_rows``); ``TurnAsked`` keeps,
per phrase, the turn signs written so far each way, and when a support or centre column is about to say what
it does, refuses the turns that would take the phrase more than an eighth past what was asked that way (so the
other way, none beyond an eighth). It never forces a turn: reaching the amount is left to the model, guidance and
best-of, but for a phrase that asks a turn and no step ("a slow turn", "turn around": the model wrote such phrases
standing still), where the turns the asked way that stay open are raised (``push``) until it has turned, and (since
stop 63) the support columns raised (``opening``) where a new support symbol may begin, so that the push gets its
chance: some samples held one support for all 8 bars and never turned. Phrases
whose turn is unsaid are left alone, and so are continuations of a symbol across a bar line and bars
written as copies of earlier ones; where the grammar leaves only turns (a centre sign beside a flight), the ones
that go least past the budget stay. Words that give a turn's amount and not its way ("a half turn") ask it to the
right (``laban.PhraseFacts.turn_either``): the model needs one way to be asked, and either way keeps the words.

As the grammar does, it runs on the guided logits and masks (and raises only where its ``push`` says): what it leaves
is sampled as before.
"""

from __future__ import annotations

import numpy as np
import torch
from transformers import LogitsProcessor

from laban.score import Column
from motiongpt.grammar import P_AFTER_DUR, P_DUR
from motiongpt.vocabulary import COLUMNS

from .conditions import HELD_TURN, UNSAID
from .config import FACT_LEVELS

JUMP_PUSH = 6.0  # nats added to the centre column and to a flight while a phrase has fewer jumps than it asks
STEP_PUSH = 12.0  # nats taken from what would be a step once a phrase has written the steps its words count
TURN_PUSH = 6.0  # nats added to a turn the asked way while a phrase that asks a turn and no step owes it
TURN_OPENING = 3.0  # nats added to the support columns where such a phrase may begin a new support symbol
_SUPPORTS = (COLUMNS.index(Column.SUPPORT_LEFT), COLUMNS.index(Column.SUPPORT_RIGHT))
LONGEST_WAIT = 2.0  # beats a support may be written to stand, pushed by JUMP_PUSH, while its phrase owes a jump


def phrase_starts(place: np.ndarray) -> torch.Tensor:
    """Per bar, the bar its phrase begins at, from the facts' ``phrase_bar`` column: a bar at place 0, or with no
    place (no phrase), starts one."""
    starts = np.zeros(len(place), dtype=np.int64)
    for b in range(1, len(place)):
        starts[b] = b if place[b] <= 0 else starts[b - 1]
    return torch.from_numpy(starts)


class TurnAsked(LogitsProcessor):
    """Turn tokens refused in the support and centre columns where they would leave the phrase's written turn
    more than an eighth from the asked one, or move it the other way; in a phrase whose words count no step, the
    turns the asked way that stay open raised by ``push`` nats while it owes its turn, and the support columns by
    ``opening`` nats where the grammar lets one begin a new symbol (0: not, as before stop 63). ``facts``: the
    (bars, F) word-fact rows the
    dance is written under, one per ``<bar>`` of the sequence (bar 0 = the first ``<bar>``; filling in, the
    middle's bars follow the prefix's and the suffix's are not counted: ``_Row.count_bar``). ``copies``: bars written
    as copies of earlier ones (``repeats.RepeatedBars``), where nothing is refused: the music restates material the
    words have already had (their turns still count in the bars after them). ``bound``: per bar, the eighths its
    phrase's words ask (``conditions.turn_bounds``: "two pirouettes" two whole turns, where the rows hold at most
    one), ``UNSAID`` where they say none, or None to read the turn from ``facts`` alone."""

    def __init__(self, vocabulary, facts: np.ndarray, fact_names, copies=(), push: float = TURN_PUSH,
                 bound=None, opening: float = 0.0) -> None:
        facts = np.asarray(facts, dtype=np.int64)
        names = list(fact_names)
        turn, place = facts[:, names.index("turn")], facts[:, names.index("phrase_bar")]
        asked = np.where(turn >= 0, turn - HELD_TURN, UNSAID)
        if bound is not None:  # the words' own amount, where they say one
            bound = np.asarray(bound, dtype=np.int64)
            asked = np.where(bound != UNSAID, bound, asked)
        asked[[bar for bar in copies if 0 <= bar < len(asked)]] = UNSAID  # a copy's turns are its source's
        self.asked = torch.from_numpy(asked)
        self.still = torch.from_numpy(facts[:, names.index("steps")] == 0)  # phrases that turn and do not step
        self.push = float(push)
        self.starts = phrase_starts(place)
        self._starts = self.starts.tolist()
        self.eighths = torch.zeros(len(vocabulary), dtype=torch.long)
        for name, k in vocabulary.turn_eighths.items():
            self.eighths[vocabulary.ids[name]] = k
        self.is_turn = self.eighths != 0
        self.turning_columns = torch.tensor([vocabulary.ids[f"col:{c.value}"] for c in
                                             (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT, Column.CENTRE)])
        self.bar, self.cont = vocabulary.bar_id, vocabulary.cont_id
        self.suffix, self.middle = vocabulary.fim_suffix_id, vocabulary.fim_middle_id
        self._columns, self._eighths = set(self.turning_columns.tolist()), self.eighths.tolist()
        self._reading = _Reading(_TurnRow, self._take)
        self._supports = torch.tensor([vocabulary.ids[f"col:{c.value}"] for c in
                                       (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)])
        # a phrase that only turns, asked a turn: else nothing to open
        self.opening = float(opening) if bool((self.still & (self.asked != UNSAID) & (self.asked != 0)).any()) else 0.0

    def turned(self, input_ids: torch.LongTensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row (B,): the bar of its last token (``_Row.count_bar``: -1 before the first or in a filled-in
        score's suffix) and the turn eighths its phrase has written to the right and to the left: turn tokens said
        by a turning column, not a continuation's. Read token by token as the rows grow (``_Reading``: a step reads its
        new tokens only), afresh for other rows."""
        rows = self._reading(input_ids)
        starts = self._starts
        bars, right, left = (np.zeros(len(rows), dtype=np.int64) for _ in range(3))
        for r, row in enumerate(rows):
            bars[r] = row.bar
            if row.bar >= 0:
                for b in range(starts[min(row.bar, len(starts) - 1)], row.bar + 1):
                    right[r], left[r] = right[r] + row.turns.get(b, (0, 0))[0], left[r] + row.turns.get(b, (0, 0))[1]
        return bars, right, left

    def owing(self, input_ids: torch.LongTensor) -> np.ndarray:
        """(B,) bool: the rows whose phrase asks a turn and has not yet turned it (to within an eighth) that way."""
        return self._owed(input_ids)[2]

    def turning(self, input_ids: torch.LongTensor) -> np.ndarray:
        """(B,) bool: the rows whose phrase may still turn as its words ask: its turn unsaid, or still owed."""
        bars, asked, owed = self._owed(input_ids)
        return (bars < 0) | (asked == UNSAID) | owed

    def _owed(self, input_ids: torch.LongTensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each row's bar, the turn its phrase asks (eighths, ``UNSAID``) and whether the phrase still owes it."""
        bars, right, left = self.turned(input_ids)
        asked = self.asked.numpy()[np.clip(bars, 0, len(self.asked) - 1)]
        written = np.where(asked > 0, right, left)
        return bars, asked, (bars >= 0) & (asked != UNSAID) & (asked != 0) & (written < np.abs(asked) - 1)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if input_ids.shape[1] < 3:
            return scores
        # whether any row's turning column is about to say what it does, read as Python numbers from the last two
        # ids (most steps none is, and a few tensor operations on them cost more than the rest of such a step)
        said = [last in self._columns and before != self.cont for before, last in input_ids[:, -2:].tolist()]
        if not any(said):
            return self._opened(input_ids, scores) if self.opening else scores
        device = input_ids.device
        saying = torch.tensor(said, device=device)
        bars, right, left = (torch.from_numpy(x).to(device) for x in self.turned(input_ids))  # this phrase's turns
        asked = self.asked.to(device)[bars.clamp(0, len(self.asked) - 1)]
        saying &= (asked != UNSAID) & (bars >= 0)
        if not bool(saying.any()):
            return scores
        eighths = self.eighths.to(device)
        a = eighths[None]
        # each way counted apart (turns of opposite senses are two turns, not one that cancels): a turn that
        # way may bring it to the asked amount that way and an eighth more; an eighth the other way (a turn too
        # small to count) once
        way = torch.where(a > 0, right[:, None], left[:, None]) + a.abs()
        asked_way = torch.where(a > 0, asked.clamp(min=0)[:, None], (-asked).clamp(min=0)[:, None])
        past = torch.where(saying[:, None] & self.is_turn.to(device)[None], way - asked_way - 1, 0)  # > 0: refused
        # where the grammar leaves only turns (a centre sign beside a flight), the turns that go least past it
        open_ = ~torch.isinf(scores)
        least = torch.where(open_, past, torch.iinfo(past.dtype).max).min(-1, keepdim=True).values.clamp(min=0)
        refused = past > least
        if self.push:  # a phrase that only turns, short of its turn: the turns its way that stay open, raised
            still = self.still.to(device)[bars.clamp(0, len(self.still) - 1)]
            written = torch.where(asked > 0, right, left)
            owing = saying & still & (asked != 0) & (written < asked.abs() - 1)
            if bool(owing.any()):
                toward = self.is_turn.to(device)[None] & (a.sign() == asked.sign()[:, None])
                scores = scores + self.push * (owing[:, None] & toward & ~refused)
        return scores.masked_fill(refused, float("-inf"))

    def _opened(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        """The support columns raised by ``opening`` in the rows whose phrase only turns and still owes its turn,
        where the grammar lets a support begin a new symbol; ``scores`` as they are elsewhere."""
        open_ = torch.isfinite(scores[:, self._supports]).any(-1).tolist()
        if not any(open_):
            return scores
        bars, _, owed = self._owed(input_ids)
        still = self.still.numpy()[np.clip(bars, 0, len(self.still) - 1)]
        rows = [r for r, o in enumerate(open_) if o and owed[r] and still[r]]
        if not rows:
            return scores
        scores = scores.clone()
        scores[np.ix_(rows, self._supports.tolist())] += self.opening
        return scores

    def _take(self, row: "_TurnRow", token: int) -> None:
        """``row`` moved on by ``token``: a turn token said by a turning column, not a continuation's, counts."""
        row.count_bar(token, self.bar, self.suffix, self.middle)
        k = self._eighths[token]
        if k and row.last in self._columns and row.before != self.cont and row.bar >= 0:
            right, left = row.turns.get(row.bar, (0, 0))
            row.turns[row.bar] = (right + max(k, 0), left + max(-k, 0))
        row.before, row.last = row.last, token


class StepsAsked(LogitsProcessor):
    """A step that would take a phrase past the steps its words count, made unlikely: where a support column is about
    to say what it does, in a phrase that has written as many steps as its words ask ("four steps forward"), what
    would be a step gets ``push`` nats less: a direction that moves the weight, and place on a foot that does not
    carry it (a step in place). A hold, a rise or sink on the feet that carry the weight, a landing (the support after
    a flight is the jump's, not a step) and a phrase whose count is unsaid are left alone, and so are bars written
    as copies (``copies``, as for ``TurnAsked``). Steps are counted as the words' check counts them
    (``laban.description.facts``: supports said together at one position are one step).

    Why: the words' step count reaches the model only as a fact embedding, and the built-in model wrote about twice
    what was asked, most of the excess steps in place ("eight steps forward" over 4 bars: 11-16 steps, 5-10 of them
    in place; 7 prompts, best of 4 and spread out: within one step of the count in 0.48 of the dances). The push
    bounds the count from above and no more: a phrase that has written fewer steps than its count is not pushed to
    step.

    ``bound``: per bar, the steps its phrase's words count (``conditions.step_bounds``), or None to read the count
    from ``facts``, whose top level is "that many or more" and so bounds nothing (read so, "eight steps forward"
    over 4 bars was written with 14-19 steps)."""

    def __init__(self, vocabulary, facts: np.ndarray, fact_names, push: float = STEP_PUSH, copies=(),
                 fact_levels=FACT_LEVELS, bound=None) -> None:
        facts = np.asarray(facts, dtype=np.int64)
        names = list(fact_names)
        asked = facts[:, names.index("steps")].copy()  # -1: unsaid
        asked[asked >= fact_levels[names.index("steps")] - 1] = -1  # the facts' top level: that many steps or more
        if bound is not None:  # the words' own count, where they say one
            asked = np.where(np.asarray(bound, dtype=np.int64) >= 0, np.asarray(bound, dtype=np.int64), asked)
        asked[[bar for bar in copies if 0 <= bar < len(asked)]] = -1
        self.asked = asked
        self._counted = bool((asked >= 0).any())  # a phrase whose steps are counted: else nothing to push
        self.starts = phrase_starts(facts[:, names.index("phrase_bar")]).numpy()
        directions = {i: t for t, i in vocabulary.ids.items()  # "forward/middle", "place/low", ... (not "turn:+7/8")
                      if t.partition("/")[2] in ("high", "middle", "low")}
        self.moving = torch.tensor([i for i, t in directions.items() if not t.startswith("place/")])
        self.placed = torch.tensor([i for i, t in directions.items() if t.startswith("place/")])
        self.moves, self.directions = set(self.moving.tolist()), set(directions)
        self.turns = {i for t, i in vocabulary.ids.items() if t.startswith("turn:")}
        self.feet = {vocabulary.ids[f"col:{c.value}"] for c in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)}
        self.flight, self.bar, self.cont = vocabulary.ids["flight"], vocabulary.bar_id, vocabulary.cont_id
        self.suffix, self.middle = vocabulary.fim_suffix_id, vocabulary.fim_middle_id
        self.positions = {i for t, i in vocabulary.ids.items() if t.startswith("pos:")}
        self.push = float(push)
        self._reading = _Reading(lambda: _StepRow(frozenset(self.feet)), self._take)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if input_ids.shape[1] < 3 or not self._counted:
            return scores
        rows = self._reading(input_ids)
        last = input_ids[:, -1].tolist()
        moving = torch.zeros(len(last), dtype=torch.bool)
        placed = torch.zeros(len(last), dtype=torch.bool)
        for r, row in enumerate(rows):
            bar, here = row.bar, (row.bar, row.pos)
            if last[r] not in self.feet or row.before == self.cont or row.airborne or not 0 <= bar < len(
                    self.asked) or self.asked[bar] < 0:
                continue
            written = sum(row.steps.get(b, 0) for b in range(int(self.starts[bar]), bar + 1))
            if written < self.asked[bar] or row.counted == here:
                continue  # a foot joining a step said here is the same step
            moving[r] = True
            placed[r] = last[r] not in (row.before_group if row.group == here else row.carrying)
        if not bool(moving.any()):
            return scores
        push = torch.zeros_like(scores)
        device = scores.device
        push[:, self.moving.to(device)] = torch.where(moving.to(device), -self.push, 0.0)[:, None]
        push[:, self.placed.to(device)] = torch.where(placed.to(device), -self.push, 0.0)[:, None]
        return scores + push

    def _take(self, row: "_StepRow", token: int) -> None:
        """``row`` moved on by ``token``: its position, whether it is in the air, the feet carrying the weight and
        the steps written per bar (a moving support said at a position counted once, however many feet say it)."""
        row.count_bar(token, self.bar, self.suffix, self.middle)
        if token == self.bar:
            row.pos = -1
        column = row.last
        if token in self.positions:
            row.pos = token
        elif token == self.flight:
            row.airborne = True
        elif column in self.feet and row.before != self.cont and (token in self.directions or token in self.turns):
            here = (row.bar, row.pos)
            if row.group == here:  # another foot said at the same position: one group (onto both feet)
                group = row.carrying | {column}
            else:
                row.before_group, group = row.carrying, frozenset({column})
            row.group = here
            if row.airborne:
                row.airborne = False  # the landing: the jump's, not a step
            elif token not in self.turns and (token in self.moves or column not in row.before_group) \
                    and row.bar >= 0 and row.counted != here:
                row.steps[row.bar] = row.steps.get(row.bar, 0) + 1
                row.counted = here
            row.carrying = group
        row.before, row.last = row.last, token


class _Row:
    """One row's reading: its segment of a fill-in-the-middle sequence, its bar and the last two tokens; a reader
    adds what it counts. The bar: -1 before the first ``<bar>`` and in a filled-in score's suffix (whose bars are
    not in time order); in ``<fim_prefix> P <fim_suffix> S <fim_middle> M`` the middle's bars follow P's."""

    def __init__(self) -> None:
        self.segment, self.prefix_bars, self.middle_bars, self.bar = 0, 0, 0, -1
        self.last = self.before = -1

    def count_bar(self, token: int, bar: int, suffix: int, middle: int) -> None:
        """The segment and bar after ``token`` (ids of ``<bar>``, ``<fim_suffix>``, ``<fim_middle>`` given)."""
        if token == suffix or token == middle:
            self.segment += 1
        if token == bar:
            if self.segment == 0:
                self.prefix_bars += 1
            elif self.segment == 2:
                self.middle_bars += 1
        self.bar = (-1 if self.segment == 1 else
                    self.prefix_bars - 1 if self.segment == 0 else self.prefix_bars + self.middle_bars - 1)


class _TurnRow(_Row):
    """``TurnAsked``'s reading of a row: the turn eighths written each way per bar (right, left)."""

    def __init__(self) -> None:
        super().__init__()
        self.turns: dict[int, tuple[int, int]] = {}


class _JumpRow(_Row):
    """``JumpAsked``'s reading of a row: the flights written per bar, and whether the body is in the air."""

    def __init__(self) -> None:
        super().__init__()
        self.airborne = False
        self.flights: dict[int, int] = {}


class _StepRow(_Row):
    """``StepsAsked``'s reading of a row: its position, whether it is in the air, the feet carrying the weight (and
    those that did before the group of supports said at ``group``, the bar and position), and the steps per bar."""

    def __init__(self, feet: frozenset) -> None:
        super().__init__()
        self.pos, self.airborne, self.group, self.counted = -1, False, None, None
        self.carrying = self.before_group = feet
        self.steps: dict[int, int] = {}


class _Reading:
    """Each row's reading (``row()`` makes one, ``take(row, token)`` moves it on by a token) after all its tokens,
    read as the rows grow: a sampling step reads only the tokens it added, and rows that are not the ones read
    before (another batch, a shorter or different sequence) are read afresh."""

    def __init__(self, row, take) -> None:
        self.row, self.take, self.rows, self.ids = row, take, [], None

    def __call__(self, input_ids: torch.LongTensor) -> list:
        batch, length = input_ids.shape
        read = 0 if self.ids is None else self.ids.shape[1]
        if self.ids is None or length < read or len(self.rows) != batch or not torch.equal(
                input_ids[:, :read], self.ids):
            self.rows, read = [self.row() for _ in range(batch)], 0
        for row, tokens in zip(self.rows, input_ids[:, read:].tolist()):
            for token in tokens:
                self.take(row, token)
        self.ids = input_ids.clone()
        return self.rows


class JumpAsked(LogitsProcessor):
    """A jump the words ask for, made likely, and no more than they count: while a phrase has written fewer flights
    than its words ask, the centre column and, once it is opened, a flight get ``push`` nats more.

    Why a push and not only guidance: a jump with no steps around it ("a jump, arms rising high": the take-off
    and landing are the jump's, not steps) is a combination a handful of training phrases have, so the guided
    model wrote it as holds, with no flight, in 8 samples of 8. The push only raises what the grammar and the
    plausibility limits leave open (a flight still needs a support since the last one, and lasts no longer than
    a real one), so where a flight cannot be written none is; phrases that ask for no jump, or leave it unsaid,
    are left alone, and so is a phrase whose jumps are all written. Given the ``limit`` (``plausibility
    .FlightLimit``), nothing is pushed where it refuses a flight (``grounded``: in the air, or standing in the
    dance's first beat): pushed there, the centre took a turn in the flight's place. In the air with more jumps
    owed, the feet are pushed as well: a flight takes off only from the floor, and the model, asked "three jumps",
    wrote the first and no landing after it (1-2 flights in 4 bars). ``facts`` as for ``TurnAsked``.

    And the count as a bound, as ``StepsAsked`` bounds steps: once a phrase has written the jumps its words count,
    the centre column gets ``2 push`` nats less, and a flight as much once it is opened (the words "walk forward,
    then a jump" over 4 bars were written with 1-7 flights, 3 on average over 8 seeds; the describer names every
    jump a phrase has, so "a jump" is one). The centre column is where a flight is said, and where the words' turn
    budget (``TurnAsked``) leaves no turn a flight is all it can say, so the push comes before it opens; not
    where the phrase may still turn (``spared``: ``TurnAsked.turning``: its turn unsaid, or owed), which a turn on
    both feet may do.
    ``bound``: per bar, the jumps its phrase's words count (``conditions.jump_bounds``: words that say a jump but
    not how often, as CMU's descriptions do, bound nothing); None: nothing is bounded, and the jumps owed are read
    from ``facts``. Where the words count, their count is both what is owed and the bound, the facts' top level
    included: that level is "three jumps or more", so read from the rows "five jumps" was owed three and bounded by
    nothing (the built-in model wrote 2-3 flights). Bars written as copies (``copies``) are not bounded."""

    def __init__(self, vocabulary, facts: np.ndarray, fact_names, push: float = JUMP_PUSH, limit=None, copies=(),
                 spared=None, bound=None) -> None:
        self.limit, self.spared = limit, spared
        facts = np.asarray(facts, dtype=np.int64)
        names = list(fact_names)
        asked = facts[:, names.index("jumps")]  # -1: unsaid; the top level: that many jumps or more
        bound = np.full(len(facts), -1, dtype=np.int64) if bound is None else np.array(bound, dtype=np.int64)
        self.asked = torch.from_numpy(np.where(bound >= 0, bound, asked))  # the words' own count, where they say one
        bound[[bar for bar in copies if 0 <= bar < len(bound)]] = -1
        self.bound = torch.from_numpy(bound)
        self.starts = phrase_starts(facts[:, names.index("phrase_bar")]).tolist()
        self.centre, self.flight = vocabulary.ids[f"col:{Column.CENTRE.value}"], vocabulary.ids["flight"]
        self.feet = [vocabulary.ids[f"col:{c.value}"] for c in (Column.SUPPORT_LEFT, Column.SUPPORT_RIGHT)]
        self.bar, self.cont, self.push = vocabulary.bar_id, vocabulary.cont_id, float(push)
        self.suffix, self.middle = vocabulary.fim_suffix_id, vocabulary.fim_middle_id
        self._asked, self._bound = self.asked.tolist(), self.bound.tolist()
        self._active = bool((self.asked > 0).any() or (self.bound >= 0).any())
        self._raised, self._feet = [self.centre, self.flight, *self.feet], set(self.feet)
        self._raised_ids = torch.tensor(self._raised)
        self._reading = _Reading(_JumpRow, self._take)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if input_ids.shape[1] < 2 or not self._active:
            return scores
        held = self._holding(scores)
        if held is None and bool(torch.isinf(scores[:, self._raised_ids]).all()):
            return scores  # the grammar leaves none open (most steps): nothing to raise
        # Read as Python numbers, a row at a time (a few rows; a step's tensor operations cost more than this)
        rows = self._reading(input_ids)  # each row's bar, flights a bar and whether it is in the air, read on
        owing, done = [], []
        for row in rows:
            at = min(max(row.bar, 0), len(self.starts) - 1)
            written = sum(row.flights.get(b, 0) for b in range(self.starts[at], row.bar + 1))
            owing.append(row.bar >= 0 and self._asked[at] > written)
            done.append(row.bar >= 0 and 0 <= self._bound[at] <= written)
        if not (any(owing) or any(done)):
            return scores
        lasts = input_ids[:, -2:].tolist()
        opened = [last == self.centre and before != self.cont for before, last in lasts]
        closing = [d and not o for d, o in zip(done, opened)]
        if any(closing):  # the centre open to choose, where the phrase may not still turn (the turn budget read
            free = torch.isfinite(scores[:, self.centre]).tolist()  # only where it matters: a closing row whose
            closing = [c and f for c, f in zip(closing, free)]  # centre is open)
            if any(closing) and self.spared is not None:
                closing = [c and not s for c, s in zip(closing, self.spared(input_ids).tolist())]
        grounded = [False] * len(rows)  # where no flight may take off (the limit's), read only for rows that owe
        if any(owing) and self.limit is not None:
            grounded = self.limit.grounded(input_ids).tolist()
        at, tokens, nats = [], [], []
        for r, row in enumerate(rows):
            short = owing[r] and not grounded[r]
            raised = [(self.centre, self.push * short - 2 * self.push * closing[r]),
                      (self.flight, self.push * (short and opened[r]) - 2 * self.push * (done[r] and opened[r]))]
            if owing[r] and row.airborne:
                # still in the air from the last jump with more to come: land it (a support, where the grammar lets
                # one begin: once the flight has ended), since the next may take off only from the floor
                raised += [(foot, self.push) for foot in self.feet]
            if owing[r] and held is not None and bool(held[0][r]):
                # a support that would stand past where the jump could still come
                raised += [(token, -self.push) for token in held[1]]
            for token, value in raised:
                if value:
                    at.append(r), tokens.append(token), nats.append(value)
        if not at:
            return scores
        push = torch.zeros_like(scores)
        push[at, tokens] = torch.tensor(nats, dtype=scores.dtype, device=scores.device)
        return scores + push  # -inf stays -inf: only what is open is raised

    def _take(self, row: "_JumpRow", token: int) -> None:
        """``row`` moved on by ``token``: flights per bar (never tied on: one token each) and whether the body is
        in the air (its last flight after its last support event, as ``plausibility.airborne`` reads it)."""
        row.count_bar(token, self.bar, self.suffix, self.middle)
        if token == self.flight:
            row.airborne = True
            if row.bar >= 0:
                row.flights[row.bar] = row.flights.get(row.bar, 0) + 1
        elif token in self._feet:
            row.airborne = False

    def _holding(self, scores: torch.FloatTensor) -> tuple[torch.Tensor, list[int]] | None:
        """With the limit's grammar: the rows about to time a support (its duration, or a tie after it) and the
        tokens that would hold it longer than ``LONGEST_WAIT`` beats (longer durations, the tie), or None."""
        grammar = self.limit.grammar if self.limit is not None else None
        state = grammar.state if grammar is not None else None
        if state is None or len(state.phase) != scores.shape[0] or not {P_DUR, P_AFTER_DUR} & set(
                state.phase.tolist()):
            return None
        support = (state.col == _SUPPORTS[0]) | (state.col == _SUPPORTS[1])
        timing, tying = support & (state.phase == P_DUR), support & (state.phase == P_AFTER_DUR)
        if not (timing.any() or tying.any()):
            return None
        v = grammar.grammar.vocabulary
        longest = int(LONGEST_WAIT * v.subdivision)  # subdivisions: token duration0 + k lasts k + 1 of them
        rows = torch.from_numpy(timing | tying)
        tokens = list(range(v.duration0 + longest, v.duration0 + v.max_positions)) if timing.any() else []
        return rows, tokens + ([v.tie_id] if tying.any() else [])


PACE_TILT = 1.0  # nats a doubling of a symbol's length gains (slow) or loses (lively) in a phrase that says its pace


class PaceAsked(LogitsProcessor):
    """A phrase's pace written in its symbols' lengths: where its words say slow, each new symbol the grammar waits to
    time (not a continuation) gets ``tilt`` nats more for every doubling of its length in beats, and a symbol that
    reaches the bar line ``tilt`` more for going on over it (``<tie>``); where they say lively, as much less
    (``laban.PhraseFacts.pace``, checked on the symbols started a second). ``pace``: per ``<bar>`` the grammar
    numbers, -1 slow, +1 lively, 0 unsaid (``conditions.pace_rows``); ``grammar``: the grammar's processor, before
    this one in the list. Nothing is refused: what the grammar and the other processors leave is only reweighed. A
    turn sign's length inside its bar is the model's (tilted, "a slow turn" was a 1/8 turn held 12 beats).

    Why lengths, and not the energy control as at stop 62 (``conditions.paced``): a choreographer's "slow" asks the
    same moves taking longer, and the energy control moved the model toward calm capture bars, which turn less and
    keep the arms low; at the top of its levels it made "a lively salsa basic step" sparser, not busier (the model's
    lively salsa bars are its captures' energetic ones, long strides and turns). Measured with the built-in model,
    best of 4, 8 prompts that say a pace × 6 seeds (``bench/pace_followed.py``): the pace kept 38 → 45 of 48, all
    that the words ask 0.833 → 0.878; the tie's tilt matters in short bars, where every symbol otherwise
    ends at the bar line (the rag's 2/4)."""

    def __init__(self, grammar, pace: np.ndarray, tilt: float = PACE_TILT) -> None:
        self.grammar = grammar
        v = grammar.grammar.vocabulary
        self.pace = np.asarray(pace, dtype=np.int64)
        beats = np.arange(1, v.max_positions + 1) / v.subdivision  # token duration0 + k lasts k + 1 subdivisions
        self.durations = torch.arange(v.duration0, v.duration0 + v.max_positions)
        self.doublings = torch.from_numpy(np.log2(beats)).float() * float(tilt)
        self.tie, self.tilt = v.tie_id, float(tilt)
        self.turns = grammar.grammar.is_turn  # per what: a turn sign

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        s = self.grammar.state
        if s is None or not self.pace.any():
            return scores
        pace = np.where((s.bar >= 0) & ~(s.fim & ~s.middle), self.pace[np.clip(s.bar, 0, len(self.pace) - 1)], 0)
        # a new symbol's length; not a turn's (tilted, a slow turn was written as a 1/8 turn held 12 beats)
        timing = np.where((s.phase == P_DUR) & (s.need[:, 0] == -2) & ~self.turns[np.clip(s.what, 0, None)], pace, 0)
        tying = np.where(s.phase == P_AFTER_DUR, pace, 0)  # going on over the bar line (where a tie is open)
        if not (timing.any() or tying.any()):
            return scores
        scores = scores.clone()
        if timing.any():
            scores[:, self.durations.to(scores.device)] -= (torch.from_numpy(timing).to(scores)[:, None]
                                                            * self.doublings.to(scores)[None])
        if tying.any():
            scores[:, self.tie] -= torch.from_numpy(tying).to(scores) * self.tilt
        return scores
