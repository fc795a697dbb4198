"""Regenerate bars: the model writes bars ``first``..``last`` anew between the kept past and future
(fill-in-the-middle), so every other bar of the score stays identical, token for token.

Because the decoder is bar-local (``laban.decoder``; ``tests/test_locality.py``), the motion stays identical
outside the edited bars and a transition of at most one beat on either side; after the edit, where the new steps
travel elsewhere, the rest is the same motion carried rigidly to its new place on the floor. A limb keeps its last
sign's place until its next one, so the new bars end with the arms, head and torso where the bars after them
expect them (``editing.limbs_returned``: back in the same cells, on the same spots). The score is read
from the folder's ``score.laban``, so a person's hand edits there are kept and regenerated around.
"""

from __future__ import annotations

from .dance import Dance
from .editing import FILL_WINDOW_BARS, controls_for, fill, kept_bars_given_limbs, model_bars, readable, staff_bars
from .generate import (MUSIC_GUIDANCE, TOP_P, WORDS_GUIDANCE, followed, rephrased, steps_of, within, worded,
                       worded_prompt)
from .models import Loaded, style_for


def regenerate(dance: Dance, loaded: Loaded, first: int, last: int, *, text: str | None = None, seed: int = 0,
               temperature: float = 1.0, guidance: float = WORDS_GUIDANCE, music_guidance: float = MUSIC_GUIDANCE,
               top_p: float = TOP_P, best_of: int | None = None, window: int | None = FILL_WINDOW_BARS) -> Dance:
    """``dance`` with staff bars ``first``..``last`` (inclusive, as the staff counts them) written anew, under
    the dance's own words (a dance worded bar by bar: the phrases over those bars) or ``text``, its style, music
    controls and where its steps land (``steps_of``). ``seed`` chooses the new bars; the decoder keeps the
    parent's seed, so that the untouched motion is the same motion. New words become the phrase of the bars
    rewritten (``rephrased``), the other bars keeping theirs (a dance worded as a whole keeps its words there), so
    that a later edit of other bars is written under their own words. The new bars follow their words (and the
    music) as ``generate`` writes a dance (``guidance``, ``music_guidance``, ``top_p``, ``best_of``:
    ``generate.followed``, of the bars rewritten), and the lineage records how, and the bars read around them
    (``window``: ``editing.fill``; None, the whole dance, as edits made before stop 61 were, and are made again)."""
    source = readable(dance, loaded.model.vocabulary)
    start, stop = model_bars(source, loaded.model.vocabulary, first, last)
    bars = len(loaded.model.vocabulary.bar_spans(loaded.model.vocabulary.encode(source)))
    low, high = staff_bars(source, loaded.model.vocabulary)
    words = text if text is not None else within(dance.words, low, high)
    sampling = followed(stop - start, guidance=guidance, music_guidance=music_guidance, top_p=top_p,
                        best_of=best_of)
    score = fill(loaded, source, start, stop, text=words, style=style_for(loaded, dance),
                 controls=controls_for(dance, loaded, bars), seed=seed, temperature=temperature,
                 steps_on=steps_of(dance), sampling=sampling, window=window)[0]
    score = kept_bars_given_limbs(loaded, source, score, start, stop)  # the bars after find the limbs as before
    if text is None:  # the dance's words, as they were
        prompt = dict(dance.prompt) if dance.phrases else {**dance.prompt, "text": words}
    else:  # new words for these bars: the dance is worded bar by bar from now on, the other bars as they were
        phrases = rephrased(worded(dance, low, high), first, last, text)
        prompt = worded_prompt(dance.prompt, phrases)
    said = text if text is not None else dance.text
    return dance.child(score, "regenerate", prompt=prompt, bars=(first, last), text=said, seed=seed,
                       settings={"temperature": temperature, **sampling, **({"window": window} if window else {})},
                       **loaded.versions)
