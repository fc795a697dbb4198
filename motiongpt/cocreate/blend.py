"""Blend two dances: ``bars`` new bars that travel from one dance's material to another's.

Two ways to build the bridge (``method``). 'crossfade' (the default): bar k of the bridge dances A's last bar with
more and more body parts dancing B's first bar instead (head, torso, each arm, then the feet), one group at a time
and, inside the group changing over, from a beat that comes earlier bar by bar, each taking B's posture with it, so
the material travels from A to B by construction, exactly and readably on the staff. 'fill': the model fills in the
middle of a scaffold: dance A's last ``CONTEXT_BARS`` bars as the past, dance B's first bars as the future (each cut
with ``laban.algebra.cut``, joined as token runs on one grid), and ``bars`` bars between them written by
fill-in-the-middle one bar at a time, bar k under words interpolated from A's to B's (the sentence vectors mixed
k+1 : bars-k), each continuing the bridge so far and arriving at B's bars: interpolated conditions and a fixed
destination. The result is the scaffold: A's bars, the bridge, B's bars.

``positions`` measures it: each bar's place on the line from A to B in the shipped text ↔ score evaluator's
score space (0 at the mean of A's bars, 1 at B's).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .dance import CocreateError, Dance
from .editing import readable, staff_bars
from .models import Loaded

CONTEXT_BARS = 2  # bars of each dance kept on either side of the bridge


def blend(a: Dance, b: Dance, loaded: Loaded, bars: int = 8, *, seed: int = 0, temperature: float = 1.0,
          context: int = CONTEXT_BARS, method: str = "crossfade") -> Dance:
    """A's last ``context`` bars, ``bars`` bars from A's material to B's, B's first ``context`` bars; the bridge
    by ``method`` 'crossfade' (A's bars with more and more body parts dancing B's, then the model's) or 'fill'
    (the model alone, bar by bar under interpolated words, its steps landing where both dances land theirs:
    ``generate.steps_of``; anywhere where the two differ)."""
    from laban.algebra import bar_start, cut, hold_to

    from motiongpt.model.generate import _derived

    from .editing import assemble, bars_of, beats_through, closing_period, fill, joined_grid
    from .generate import steps_of

    if isinstance(bars, bool) or not isinstance(bars, int) or bars < 1:
        raise CocreateError(f"a blend has a whole number of bars from 1, not {bars!r}")
    if method not in ("crossfade", "fill"):
        raise CocreateError(f"a blend is made by 'crossfade' or 'fill', not {method!r}")
    if a.score.beats_per_bar != b.score.beats_per_bar:
        raise CocreateError(f"the dances have {a.score.beats_per_bar} and {b.score.beats_per_bar} beats a bar: "
                            "a blend needs one meter")
    vocabulary = loaded.model.vocabulary
    score_a, score_b = readable(a, vocabulary), readable(b, vocabulary)
    a_low, a_high = staff_bars(score_a, vocabulary)
    b_low, b_high = staff_bars(score_b, vocabulary)
    score_a = hold_to(score_a, bar_start(score_a.grid, a_high + 1))  # A's end, followed, as it was danced alone
    a_first, b_first = max(a_low if a_low > 0 else 1, a_high - context + 1), 1
    b_last = min(b_high, b_first + context - 1)
    past, future = cut(score_a, a_first, a_high), cut(score_b, b_first, b_last)
    kept, meter = a_high - a_first + 1, a.score.beats_per_bar
    header, past_bars = bars_of(vocabulary, past)
    future_bars = bars_of(vocabulary, future)[1]
    period = closing_period(past.grid)
    bridge = period * np.arange(bars * meter + 1)
    grid = joined_grid([beats_through(past.grid, kept * meter), bridge,
                        beats_through(future.grid, len(future_bars) * meter)], meter)
    title = f"{a.score.title} → {b.score.title}"
    steps = steps_of(a) if steps_of(a) == steps_of(b) else "anywhere"  # where both dances land their steps
    own_a, own_b = bars_of(vocabulary, score_a)[1], bars_of(vocabulary, score_b)[1]
    if method == "crossfade":
        middle = _crossfade(vocabulary, score_a, score_b, bars, period)
        score = assemble(vocabulary, header, past_bars + middle + future_bars, grid, title)
    else:
        # the bridge starts as a crossfade of whole bars (A's, then B's), written over bar by bar, so that every new
        # bar is written towards the material that follows it
        middle = [own_a[(len(own_a) - bars // 2 + k) % len(own_a)] if 2 * k < bars else
                  own_b[(k - bars // 2) % len(own_b)] for k in range(bars)]
        score = assemble(vocabulary, header, past_bars + middle + future_bars, grid, title)
        words_a, words_b = _words(a), _words(b)
        style = _shared(a.style, b.style)
        for k in range(bars):  # bar by bar, each under words a step further from A's towards B's
            share = (k + 1) / (bars + 1)
            words = None if words_a is None or words_b is None else (1 - share) * words_a + share * words_b
            score = fill(loaded, score, kept + k, kept + k + 1, text=words, style=style,
                         seed=_derived(seed, k), temperature=temperature, steps_on=steps)[0]
    words = " → ".join(t for t in (a.text, b.text) if t) or None
    prompt = {**a.prompt, "text": words, "bars": kept + bars + len(future_bars), "steps_on": steps}
    prompt.pop("phrases", None)  # A's phrases name A's bars, not the blend's
    return a.child(score, "blend", prompt=prompt, parents=(_ref(b),), bars=(kept + 1, kept + bars), text=words,
                   style=_shared(a.style, b.style), seed=seed,
                   settings={"blend_bars": bars, "context": context, "method": method, "temperature": temperature},
                   **loaded.versions)


def positions(score, a, b, evaluator=None) -> np.ndarray:
    """Each bar of ``score`` (staff bars from 1) placed on the line from dance A's bars to dance B's bars in the
    evaluator's score space: the projection (e − ā)·(b̄ − ā) / |b̄ − ā|², 0 at A's mean bar, 1 at B's."""
    from laban.algebra import bar_count, cut

    from motiongpt.metrics.text_score import shipped

    evaluator = evaluator or shipped()

    def bar_vectors(s):
        return evaluator.embed_scores([cut(s, k, k) for k in range(1, bar_count(s) + 1)])

    centre_a, centre_b = bar_vectors(a).mean(0), bar_vectors(b).mean(0)
    axis = centre_b - centre_a
    return (bar_vectors(score) - centre_a) @ axis / float(axis @ axis)


# Body parts in the order they change over from A to B in a crossfade: the head first, the feet (with the legs and
# the centre's jumps and turns, which must agree with them) last.
GROUPS = (("head",), ("torso",), ("upper-arm-left", "forearm-left"), ("upper-arm-right", "forearm-right"),
          ("support-left", "support-right", "leg-left", "leg-right", "centre"))


def _crossfade(vocabulary, score_a, score_b, bars: int, period: float) -> list[list[int]]:
    """``bars`` bars (token runs): bar k dances A's last bar with more and more of it danced as B's first bar, body
    part by body part in the order of ``GROUPS`` and, inside the group changing over, beat by beat: at h = 5 (k+1) /
    (bars+1) groups handed over, the first floor(h) groups dance B's bar and the next one B's bar from beat
    (1 - (h - floor(h))) of the bar on (on the quarter beat), A's before; each bar stands alone (its symbols
    clipped to it).

    The material is the two bars the bridge joins, so that what changes from bar to bar is the handover and
    nothing else: cycling through A's last and B's first bars instead (the first version) put the bars' own
    differences on top of it, and the bridge went back and forth (Spearman ρ of the bar positions 0.75 on 8
    generated pairs, against 0.96 with one bar each). Whole groups only (eight bars, five groups) danced bars in
    identical pairs and left the feet, which move the bar's place most, to B's own bars; handing each group over
    in time as well, every bar carries more of B than the one before (on the built-in model's 10 pairs of
    ``bench/cocreate_figures.py``'s recipe, seeds 0-9: ρ over all bars mean 0.84 → 0.92, the worst 0.59 → 0.83).
    A body part handed over takes B's posture with it: where B's bar leaves a limb where it was when it is handed
    over (no symbol within a quarter beat), that limb is first carried to where B holds it (B's state at that
    bar, or the natural position), within a beat, unless it is there already; else A's posture stayed in the
    bridge, on a part that dances B's material (the evaluator reads a bar's starting position as much as its
    symbols). A movement under way at the handover is cut there (A's ends early, B's starts late, to the same
    destination); a turn is danced whole by the dance it lies in, or not at all."""
    from laban.algebra import bar_count, cut
    from laban.score import NATURAL_POSITION, Score, Sign, Symbol
    from laban.timing import BeatGrid
    from motiongpt.vocabulary import quantise

    from .editing import bars_of

    meter = score_a.beats_per_bar
    grid = BeatGrid(tuple(period * np.arange(meter + 1)), meter)
    last_a = bar_count(score_a)
    piece_a, piece_b = cut(score_a, last_a, last_a), cut(score_b, 1, 1)
    held_b = {s.column: (s.direction, s.level, s.contraction) for s in piece_b.starting_position
              if s.sign is Sign.DIRECTION}
    state: dict = {}  # each gesture column's last written (direction, level, contraction) in the bridge
    runs = []
    for k in range(bars):
        handed = len(GROUPS) * (k + 1) / (bars + 1)
        whole = int(np.floor(handed + 1e-9))
        at = {c: 0.0 for group in GROUPS[:whole] for c in group}  # column -> the beat B's bar takes it over
        if whole < len(GROUPS):
            at.update({c: round(4 * meter * (1 - (handed - whole))) / 4 for c in GROUPS[whole]})
        symbols = []
        for symbol in piece_a.symbols:  # A's before the handover
            x = at.get(symbol.column.value, float(meter))
            if symbol.end <= x + 1e-9:
                symbols.append(symbol)
            elif symbol.start < x - 1e-9 and symbol.sign is not Sign.TURN:
                symbols.append(replace(symbol, duration=x - symbol.start))
        for symbol in piece_b.symbols:  # B's after it
            x = at.get(symbol.column.value, float(meter))
            if symbol.start >= x - 1e-9:
                symbols.append(symbol)
            elif symbol.end > x + 1e-9 and symbol.sign is not Sign.TURN:
                symbols.append(replace(symbol, start=x, duration=symbol.end - x))
        for column in NATURAL_POSITION:  # the gesture columns: a handed-over limb takes B's posture
            if column.value not in at:
                continue
            x = at[column.value]
            first = min((s.start for s in symbols if s.column is column and s.start >= x - 1e-9), default=float(meter))
            posture = held_b.get(column, (*NATURAL_POSITION[column], None))
            if first - x >= 0.25 and _posture_at(symbols, column, x, state) != posture:
                symbols.append(Symbol(x, column, min(first - x, 1.0), Sign.DIRECTION, posture[0], posture[1],
                                      contraction=posture[2]))
        symbols = sorted((s for s in symbols if s.start < meter and s.duration > 0), key=lambda s: s.start)
        for s in symbols:
            if s.sign is Sign.DIRECTION and s.column in NATURAL_POSITION:
                state[s.column] = (s.direction, s.level, s.contraction)
        mixed = quantise(Score(grid, symbols, [], ""), vocabulary.subdivision)
        runs.append(bars_of(vocabulary, mixed)[1][0])
    return runs


def _posture_at(symbols, column, beat: float, state: dict):
    """Where ``column`` stands at ``beat`` of a bridge bar: its last symbol before then, else where the bridge so far
    left it (``state``)."""
    from laban.score import Sign

    before = [s for s in symbols if s.column is column and s.sign is Sign.DIRECTION and s.start < beat - 1e-9]
    if before:
        last = max(before, key=lambda s: s.start)
        return (last.direction, last.level, last.contraction)
    return state.get(column)


def _words(dance: Dance):
    """The dance's words as the model's 384-d sentence vector (None without words)."""
    if not dance.text:
        return None
    from motiongpt.text import encode_text

    return encode_text([dance.text])[0]


def _shared(x, y):
    return x if x == y else None


def _ref(dance: Dance) -> dict:
    from .dance import parent_ref

    return parent_ref(dance)
