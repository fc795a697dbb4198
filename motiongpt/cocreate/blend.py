"""Blend two dances: ``bars`` new bars that travel from one dance's material to another's.

Two ways to build the bridge (``method``). 'crossfade' (the default): bar k of the bridge dances A's last bar with
more and more body parts dancing B's first bar instead (head, torso, each arm, then the feet, or the feet first),
one group at a time and, inside the group changing over, from a beat that comes earlier bar by bar, each taking B's
posture with it, so the material travels from A to B by construction, exactly and readably on the staff; how much
each bar hands over is chosen so that the bars step evenly from A to B as the text ↔ score evaluator places them.
'fill': the model fills in the
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
    prompt = {**a.prompt, "text": words, "bars": kept + bars + len(future_bars), "steps_on": steps, "music": None}
    prompt.pop("phrases", None)  # A's phrases name A's bars, not the blend's
    prompt.pop("music_bars", None)  # nor is it on A's music: A's last bars, a bridge and B's first on a grid of its own
    return a.child(score, "blend", prompt=prompt, parents=(_ref(b),), bars=(kept + 1, kept + bars), text=words,
                   style=_shared(a.style, b.style), seed=seed,
                   settings={"blend_bars": bars, "context": context, "method": method, "temperature": temperature},
                   **loaded.versions)


def positions(score, a, b, evaluator=None) -> np.ndarray:
    """Each bar of ``score`` (staff bars from 1) placed on the line from dance A's bars to dance B's bars in the
    evaluator's score space: the projection (e − ā)·(b̄ − ā) / |b̄ − ā|², 0 at A's mean bar, 1 at B's
    (NaN where A and B are one material: no line)."""
    return _line(a, b, evaluator)(_bars(score))


def _line(a, b, evaluator=None):
    """The function placing scores (each one bar) on the line from A's mean bar to B's (``positions``)."""
    from motiongpt.metrics.text_score import shipped

    evaluator = evaluator or shipped()
    centre_a, centre_b = (evaluator.embed_scores(_bars(s)).mean(0) for s in (a, b))
    axis = centre_b - centre_a
    length = float(axis @ axis)
    if length < 1e-12:  # A's bars and B's are one material (a dance blended with itself): no way to place a bar on
        return lambda bars: np.full(len(bars), np.nan)  # (it divided by zero, with a warning)
    return lambda bars: (evaluator.embed_scores(bars) - centre_a) @ axis / length


def _bars(score) -> list:
    """Each bar of ``score`` alone (staff bars from 1; ``laban.algebra.cut``, its starting position with it)."""
    from laban.algebra import bar_count, cut

    return [cut(score, k, k) for k in range(1, bar_count(score) + 1)]


# Body parts in the order they change over from A to B in a crossfade: the head first, the feet (with the legs and
# the centre's jumps and turns, which must agree with them) last; or the feet first (``ORDERS``).
GROUPS = (("head",), ("torso",), ("upper-arm-left", "forearm-left"), ("upper-arm-right", "forearm-right"),
          ("support-left", "support-right", "leg-left", "leg-right", "centre"))
# The orders a crossfade may hand the groups over in: the feet, which move a bar's place between A and B most, last
# or first. Where the upper body's handover moves the bar away from B (a few hundredths a bar), feet last leaves a
# flat or falling stretch before the feet carry it; feet first can rise from the start (chosen on validation-word
# pairs, docs/cocreate.md, "The blend's bridge stepped evenly": with feet last alone the bridges of 10 of 12 pairs
# rose with rho >= 0.9, with the choice of the two 12; the reversed order as a third choice added nothing).
ORDERS = (GROUPS, GROUPS[-1:] + GROUPS[:-1])


def _crossfade(vocabulary, score_a, score_b, bars: int, period: float, evaluator=None) -> list[list[int]]:
    """``bars`` bars (token runs): bar k dances A's last bar with more and more of it danced as B's first bar, body
    part by body part in the order of one of ``ORDERS`` and, inside the group changing over, beat by beat: at
    ``level`` quarter beats handed over, the first level // (4 × meter) groups dance B's bar and the next one B's
    bar from that many quarter beats before the bar's end, A's before; each bar stands alone (its symbols clipped
    to it), and each hands over more than the bar before.

    How much each bar hands over: the level, of those still leaving a level for every bar after it, whose bar (read
    where it stands, after the bridge so far) the evaluator places nearest its even share (k + 1) / (bars + 1) of
    the way from A's mean bar to B's (``positions``), among those placed past the bar before where there are any;
    of the two orders, the one whose bars stand nearer their shares (past the bar before: a miss costs 1 and the
    fall), the first on a tie. Handed over at even levels instead (the first version), the evaluator read the
    upper body's handover as a few hundredths a bar, either way, and the feet's as most of the way: bridges that
    stood still or fell and then jumped (rho of the bar places >= 0.9 in 7 of 12 of ``bench/cocreate_figures.py``'s
    pairs, 10 now).

    The material is the two bars the bridge joins, so that what changes from bar to bar is the handover and
    nothing else: cycling through A's last and B's first bars instead put the bars' own differences on top of it,
    and the bridge went back and forth. A body part handed over takes B's posture with it: where B's bar leaves a
    limb where it was when it is handed over (no symbol within a quarter beat), that limb is first carried to where
    B holds it (B's state at that bar, or the natural position), within a beat, unless it is there already; else
    A's posture stayed in the bridge, on a part that dances B's material (the evaluator reads a bar's starting
    position as much as its symbols). A movement under way at the handover is cut there (A's ends early, B's starts
    late, to the same destination); a turn is danced whole by the dance it lies in, or not at all."""
    from laban.algebra import bar_count, cut
    from laban.score import Sign
    from laban.timing import BeatGrid

    from .editing import assemble, bars_of

    meter = score_a.beats_per_bar
    grid = BeatGrid(tuple(period * np.arange(meter + 1)), meter)
    last_a = bar_count(score_a)
    piece_a, piece_b = cut(score_a, last_a, last_a), cut(score_b, 1, 1)
    held_b = {s.column: (s.direction, s.level, s.contraction) for s in piece_b.starting_position
              if s.sign is Sign.DIRECTION}
    two = BeatGrid(tuple(period * np.arange(2 * meter + 1)), meter)
    place = _line(score_a, score_b, evaluator)
    quarters = 4 * meter
    top = quarters * len(GROUPS)  # every group handed over: B's bar
    best = None
    for order in ORDERS:
        cost, level, last, state, runs = 0.0, 0, -np.inf, {}, []
        header, (before,) = bars_of(vocabulary, piece_a)  # the bar before the next, and where it starts
        for k in range(bars):
            share = (k + 1) / (bars + 1)
            levels = list(range(level + 1, top - (bars - 1 - k))) or [level]  # more bars than levels: repeats
            made = [_handed_over(piece_a, piece_b, held_b, order, n, quarters, state, grid, vocabulary)
                    for n in levels]
            read = [cut(assemble(vocabulary, header, [before, run], two, ""), 2, 2) for run, _ in made]
            at = place(read)  # each bar where it stands: after the bar before, from where that one started
            if not np.isfinite(at).all():  # no line from A to B: each bar placed by the share of it handed over
                at = np.asarray(levels, dtype=float) / top
            rising = [i for i in range(len(levels)) if at[i] > last + 1e-3] or range(len(levels))
            i = min(rising, key=lambda i: (abs(at[i] - share), i))
            cost += abs(at[i] - share) + (0.0 if at[i] > last + 1e-3 else 1.0 + last - at[i])
            level, last, state = levels[i], at[i], made[i][1]
            runs.append(made[i][0])
            header, (before,) = bars_of(vocabulary, read[i])
        if best is None or cost < best[0]:
            best = (cost, runs)
    return best[1]


def _handed_over(piece_a, piece_b, held_b, order, level: int, quarters: int, state: dict, grid, vocabulary):
    """(the bar's token run, the gesture columns' postures after it): A's bar ``piece_a`` with ``level`` quarter
    beats of it handed over to B's ``piece_b`` in the groups' ``order`` (``_crossfade``), after a bridge that left
    each gesture column as ``state`` says."""
    from laban.score import NATURAL_POSITION, Score, Sign, Symbol
    from motiongpt.vocabulary import quantise

    from .editing import bars_of

    meter = grid.beats_per_bar
    whole, part = divmod(level, quarters)
    at = {c: 0.0 for group in order[:whole] for c in group}  # column -> the beat B's bar takes it over
    if whole < len(order):
        at.update({c: (quarters - part) / 4 for c in order[whole]})
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
    state = dict(state)
    for s in symbols:
        if s.sign is Sign.DIRECTION and s.column in NATURAL_POSITION:
            state[s.column] = (s.direction, s.level, s.contraction)
    mixed = quantise(Score(grid, symbols, [], ""), vocabulary.subdivision)
    return bars_of(vocabulary, mixed)[1][0], state


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
