"""A dance checked against its words: phrase by phrase, what the words ask and what the score does.

    >>> for row in check(score, [((1, 2), "four steps forward"), ((3, 4), "a jump, arms high")]):
    ...     print(row.bars, row.words, row.followed, row.asked)

Each element the words state (``words_followed``: step count within one, step direction, turn within an eighth, jump
or not and a count of two or more within one, arm level, pace) with the value asked and the value done, in words
('3/8 right', 'forward', 'high', 'slow'), so a choreographer reads why an element is missed, not only that it is
(``motiongpt describe --check``, the studio), and the words it could not read at all (``unread``: "sway side to
side"), which no element checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..score import Score
from .facts import PhraseFacts, phrase_facts, words_followed
from .text import facts_from_text, unread

PROMPT_PHRASE_BARS = 8  # the most bars one prompt's words ask of at once (the model learns from 8-bar windows)
# words_followed's element names, and the PhraseFacts field each reads
_FIELDS = {"steps": "steps", "step direction": "step_direction", "turn": "turn", "jump": "jumps",
           "arm level": "arm_level", "pace": "pace"}
PACES = {-1: "slow", 1: "lively"}  # ``PhraseFacts.pace`` in words


@dataclass(frozen=True)
class Element:
    asked: str
    done: str
    followed: bool


@dataclass(frozen=True)
class Checked:
    """One phrase's check: its bars (None: the whole score), its words, each element they state, and the clauses of
    the words that state none (``laban.description.text.unread``)."""

    bars: tuple[int, int] | None
    words: str
    elements: dict[str, Element]
    unread: tuple[str, ...] = ()

    @property
    def asked(self) -> int:
        return len(self.elements)

    @property
    def followed(self) -> int:
        return sum(e.followed for e in self.elements.values())

    def as_dict(self) -> dict:
        return {"bars": list(self.bars) if self.bars else None, "words": self.words,
                "elements": {name: {"asked": e.asked, "done": e.done, "followed": e.followed}
                             for name, e in self.elements.items()}, "unread": list(self.unread)}


def check(score: Score, asked: list[tuple[tuple[int, int] | None, str]]) -> list[Checked]:
    """Each ``(bars, words)`` (staff bars, inclusive; None: the whole score) checked on the score's bars; words for
    more than 8 bars on each 8 of them (``prompt_spans``), as generation asks them."""
    from ..algebra import bar_count

    rows = []
    for bars, words in asked:
        whole, wanted, ignored = bars is None, facts_from_text(words), tuple(unread(words))
        first, last = (0 if score.grid.downbeat else 1, bar_count(score)) if whole else bars
        spans = prompt_spans(first, last)
        for span in spans:
            part = None if whole and len(spans) == 1 else span
            done = phrase_facts(score, part)
            rows.append(Checked(tuple(part) if part else None, words,
                                {name: Element(value(wanted, name), value(done, name), ok)
                                 for name, ok in words_followed(wanted, done).items()}, ignored))
    return rows


def prompt_spans(first: int, last: int) -> list[tuple[int, int]]:
    """The phrases that words given for bars ``first``..``last`` ask of: all the bars up to ``PROMPT_PHRASE_BARS``,
    else each 8 bars from the first (a rest of fewer than 4 joins the phrase before it). "A half turn" over a
    whole piece is a half turn every 8 bars, as the words of one phrase are danced again in the next: the
    model learns phrases of at most 8 bars, generation, its steering and best-of read the words so, and so does
    the check (before, one phrase covered the dance, asked of every pass the model wrote anew and checked once)."""
    if last - first + 1 <= PROMPT_PHRASE_BARS:
        return [(first, last)]
    spans = [(a, min(a + PROMPT_PHRASE_BARS - 1, last)) for a in range(first, last + 1, PROMPT_PHRASE_BARS)]
    if spans[-1][1] - spans[-1][0] + 1 < PROMPT_PHRASE_BARS // 2:
        spans[-2:] = [(spans[-2][0], last)]
    return spans


def value(facts: PhraseFacts, element: str) -> str:
    """One fact in words: a count, a direction or level, a turn ('3/8 right': clockwise), or '-' where unstated."""
    found = getattr(facts, _FIELDS[element])
    if found is None:
        return "-"
    if element == "pace":
        return PACES[found]
    if element == "turn":
        if not found:
            return "none"
        way = "either way" if facts.turn_either else "right" if found > 0 else "left"
        return f"{Fraction(abs(found), 8)} {way}"
    return str(getattr(found, "value", found))
