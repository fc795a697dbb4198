"""A dance made again from its lineage: the operation its ``lineage.json`` names, run again on its parents (found
as ``history`` finds them: by folder, or by their score's digest), with its words, settings and seed, by the model
and adapter it names. Same inputs and seed, same bytes: a dance made again is the same score, and a session of
choices can be checked, dance by dance (``motiongpt history DIR --replay``).

A capture continued is tokenized again from its file (its score checked against the one the lineage names). A
follower is written again for its lead: the studio's partner (operation "partner") and a folder ``motiongpt duet``
wrote (``duet.read_duet``: operation "duet"; whole or streamed, its lead a dance under the folder or the capture
it was tokenized from, tokenized again and checked against the lead's digest). What cannot be made again says why:
a capture or a hand edit (a person, not the model, made it), a dance whose parent (a duet whose lead) is not under
the folder, a lead capture gone, one made by other weights than those that can be loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

from motiongpt.data.paths import NAMED_MODELS, file_digest, found_again

from .dance import CocreateError, Dance, music_as_made, score_digest
from .models import MODEL_WEIGHTS, Loaded, adapter_of


class NotMadeAgain(CocreateError):
    """A dance no operation made (a capture, a hand edit): a person's, not the package's to make again. Any other
    refusal of ``replay`` (a model, music or parent gone, a damaged lineage) is a dance that could not be."""


def replay(dance: Dance, parents: list[Dance], models, made: dict | None = None) -> Dance:
    """``dance`` made again by its lineage's operation on ``parents`` (in its lineage's order); ``models(style)``
    gives the model its lineage names, loaded with ``style`` (a name, an adapter folder, or None). ``made`` keeps
    the sets already made again (a set of variations, a vary's), so that each of their dances does not make its
    whole set again. A lineage that lacks what its operation needs is one line."""
    from laban.description.text import words_read_before
    from motiongpt.plausibility import mended_as

    try:  # its repeats as it read them (played since stop 61), its sampling mended and its words read as its lineage
        # records (since stop 62: ``plausibility.mended_as``, ``text.words_read_before``; nothing recorded, as before)
        with (music_as_made(dance.prompt), mended_as(dance.lineage.mended),
              words_read_before(dance.lineage.words_read)):
            return _replay(dance, parents, models, {} if made is None else made)
    except KeyError as missing:
        raise CocreateError(f"its lineage.json lacks {missing}, which '{dance.lineage.operation}' needs") from None


def _replay(dance: Dance, parents: list[Dance], models, made: dict) -> Dance:
    from .blend import blend
    from .editing import readable, staff_bars
    from .extend import continue_dance
    from .generate import AS_THE_MODEL_IS, closing_words
    from .regenerate import regenerate
    from .translate import translate
    from .vary import vary

    lineage, prompt = dance.lineage, dance.prompt
    settings = lineage.settings
    operation = lineage.operation
    needed = {"generate": 0, "vary": 1, "regenerate": 1, "continue": 1, "translate": 1, "blend": 2}
    if operation in ("partner", "duet"):
        return _follower(dance, parents, models)
    if operation not in needed:
        raise NotMadeAgain(f"made by '{operation}', which is not made again here (a capture or a hand edit is a "
                           "person's; replay makes generate, vary, regenerate, continue, blend, translate, a "
                           "partner and a duet)")
    if not parents and operation == "continue" and prompt.get("capture"):  # a capture continued: tokenized again
        parents = [_capture(dance, lineage.parents[0] if lineage.parents else {})]
    if len(parents) < needed[operation]:
        raise CocreateError(f"its parent{'s' if needed[operation] > 1 else ''} not found under the folder")
    temperature = settings.get("temperature", 1.0)
    sampling = {k: settings.get(k, v) for k, v in AS_THE_MODEL_IS.items()}  # how the edit followed its words
    if operation == "generate":  # a set of variations is one batch: made once, each dance picked by its row
        key = ("generate", json.dumps([{k: v for k, v in prompt.items() if k not in ("row", "rank", "quality")},
                                       {k: v for k, v in settings.items() if k != "row"}, lineage.seed,
                                       lineage.model, lineage.model_version, lineage.mended, lineage.words_read],
                                      sort_keys=True, default=str))  # (a set made before stop 62 held its gaps and
        # read its words without their pace: another set)
        if key not in made:
            made[key] = _generated(dance, models)
        row = settings.get("row", 0)
        return next(d for d in made[key] if d.lineage.settings.get("row", 0) == row)
    parent = parents[0]
    adapter = adapter_of(dance)  # the adapter the operation wrote with (the parent's: ``models.load_for``)
    if operation == "vary":  # the same: one set of variations
        key = ("vary", parent.digest(), settings["strength"], settings["count"], settings["vary_seed"], temperature,
               settings.get("window"), settings.get("least", 0), lineage.mended, lineage.words_read)
        if key not in made:  # (read in a window since stop 61, recorded, before the whole dance; a bar at least
            # since 2026-12-07, recorded, before none where the share rounded to none)
            made[key] = vary(parent, models(adapter), settings["strength"], count=settings["count"],
                             seed=settings["vary_seed"], temperature=temperature, rank_them=False,
                             window=settings.get("window"), least=settings.get("least", 0))
        return made[key][settings["row"]]
    if operation == "regenerate":
        first, last = lineage.bars
        own = lineage.text == parent.text  # no words were given: the dance's own
        return regenerate(parent, models(adapter), first, last, text=None if own else lineage.text,
                          seed=lineage.seed, temperature=temperature, window=settings.get("window"), **sampling)
    if operation == "continue":
        loaded, music = models(adapter), settings.get("music")
        # went on with its own music's next bars (``own_music``; a lineage written before it was recorded says
        # so only by naming the dance's music, which also reads the same music given again, from its start, so)
        own_music = settings.get("own_music", music is not None and music == parent.prompt.get("music"))
        last = staff_bars(readable(parent, loaded.model.vocabulary), loaded.model.vocabulary)[1]
        own_words = lineage.text == closing_words(parent, last)  # no words were given: the dance's own
        return continue_dance(parent, loaded, settings["added_bars"],
                              music=None if own_music else _music(music, settings.get("music_file"), dance.path),
                              text=None if own_words else lineage.text, seed=lineage.seed,
                              temperature=temperature, steps_on=prompt.get("steps_on"), **sampling)
    if operation == "translate":  # into a style adapter (the lineage's, found where it is now), or a named style
        loaded = models(adapter or prompt.get("style"))
        return translate(parent, loaded, loaded.style, seed=lineage.seed, temperature=temperature,
                         candidates=settings.get("candidates", 8), push=settings.get("push", True),
                         style_guidance=settings.get("style_guidance", 1.0))  # (none recorded: unguided)
    return blend(parent, parents[1], models(adapter), settings["blend_bars"], seed=lineage.seed,
                 temperature=temperature, context=settings.get("context", 2),
                 method=settings.get("method", "crossfade"))


def _generated(dance: Dance, models) -> list[Dance]:
    """The batch ``motiongpt generate`` made ``dance`` in, made again from its prompt and lineage (unranked)."""
    from .generate import MUSIC_GUIDANCE, TOP_P, WORDS_GUIDANCE, generate

    lineage, prompt = dance.lineage, dance.prompt
    length = {"seconds": prompt["seconds"]} if prompt.get("seconds") is not None else {"bars": prompt["bars"]}
    # a set made before its later variations were drawn wider records no ``varied_top_p``: each was drawn at top_p
    varied = lineage.settings.get("varied_top_p", prompt.get("top_p", TOP_P))
    # by its adapter where the lineage names one, found where it is now (the prompt's style names it as it was
    # given), else in the style the prompt names
    loaded = models(adapter_of(dance) or prompt.get("style"))
    return generate(loaded, text=prompt.get("text"), phrases=dance.phrases,
                    music=_music(prompt.get("music"), prompt.get("music_file"), dance.path),
                    bpm=None if prompt.get("music") else prompt.get("bpm"),
                    meter=prompt.get("meter"), controls=prompt.get("controls", True),
                    repeats=prompt.get("repeats", True), count=lineage.settings.get("count", 1), seed=lineage.seed,
                    temperature=prompt.get("temperature", 1.0), top_k=prompt.get("top_k", 0),
                    top_p=prompt.get("top_p", TOP_P), varied_top_p=varied,
                    guidance=prompt.get("guidance", WORDS_GUIDANCE),
                    music_guidance=prompt.get("music_guidance", MUSIC_GUIDANCE), best_of=prompt.get("best_of"),
                    spread=lineage.settings.get("spread"), skeleton=dance.skeleton, mapping=prompt.get("map"),
                    style_name=prompt.get("style"),
                    rank_them=False, steps_on=prompt.get("steps_on"), **length)


def _music(recorded: str | None, digest: str | None, dance: Path | None) -> str | None:
    """The music a dance was made on, found where it is now (``found_again``), refused where it is not the file it
    was made on (its digest, recorded since stop 61): made again on other notes, the dance came out as "another
    score", as if edited by hand or made by other code."""
    music = found_again(recorded, dance)
    now = file_digest(music)
    if digest and now and now != digest:
        raise CocreateError(f"{music}: not the music it was made on (changed since: its digest was {digest}, "
                            f"now {now})")
    return music


def _follower(dance: Dance, parents: list[Dance], models) -> Dance:
    """A follower written again for its lead, by the model, settings and seed its lineage names: the studio's
    partner (the whole follower of its parent) or a duet folder's (whole or streamed; its lead the dance found
    under the folder, or the capture it was tokenized from, read again as ``motiongpt duet`` read it)."""
    from .duet import STYLE, follower_score, one_thread, read_lead, streamed

    lineage, settings = dance.lineage, dance.lineage.settings
    capture, lead = found_again(settings.get("capture"), dance.path), None  # moved with the folder: found again
    if capture:
        lead_score, lead, _ = read_lead(Path(capture), fps=settings.get("fps"), bpm=settings.get("bpm"),
                                        seed=lineage.seed, mapping=settings.get("map"))
        _as_named(score_digest(lead_score), lineage.parents[0] if lineage.parents else {}, capture,
                  "lead than the duet's")
    elif parents:
        lead_score = parents[0].score
    else:
        raise CocreateError(f"its {'lead' if lineage.operation == 'duet' else 'parent'} not found under the folder")
    model = models(adapter_of(dance)).model  # with the adapter the studio developed the dance with, if any
    sampling = dict(seed=lineage.seed, temperature=settings.get("temperature", 1.0), top_p=settings.get("top_p", 1.0))
    if settings.get("stream"):
        if lead is None:
            lead_score, lead, _ = read_lead(parents[0].path, seed=lineage.seed)
        with one_thread():  # as the command streamed it
            score = streamed(model, lead_score, lead, **sampling)[0].follow_score
    else:
        score = follower_score(model, lead_score, controls=settings.get("controls", True),
                               style=settings.get("style", STYLE), **sampling)
    return Dance(score, dict(dance.prompt), lineage)


def _capture(dance: Dance, parent: dict) -> Dance:
    """The capture ``dance`` was continued from (where it is now: ``paths.found_again``), tokenized again as it was
    (``extend.from_capture``), if its score is the one the lineage names."""
    from .extend import from_capture

    prompt = dance.prompt
    capture = from_capture(found_again(prompt["capture"], dance.path), meter=prompt.get("meter") or 4,
                           bpm=prompt.get("bpm"), fps=prompt.get("fps"), mapping=prompt.get("map"))
    _as_named(capture.digest(), parent, prompt["capture"], "score than the one continued")
    return capture


def _as_named(digest: str, parent: dict, path, what: str) -> None:
    """A capture tokenized again must give the score its lineage names (``parent``'s digest, where it has one)."""
    if parent.get("score") and digest != parent["score"]:
        raise CocreateError(f"{path} tokenizes to another {what} (another file, or another tokenizer)")


def model_loader(dance: Dance, cache: dict | None = None):
    """``models(style)`` for ``replay``: the model ``dance``'s lineage names (the built-in one, the streaming
    follower, or a folder by its whole path, found where it is now: ``paths.found_again``), with ``style``, each
    loaded once into ``cache``; weights other than those the lineage names are one line."""
    from .models import load_model

    cache = {} if cache is None else cache
    lineage = dance.lineage
    if lineage.model == "follower":  # the small model a streamed duet writes with, shipped too
        from motiongpt.model import follower_model_path

        model = follower_model_path()
    else:
        model = None if lineage.model in (None, *NAMED_MODELS) else Path(
            found_again(lineage.model, dance.path, MODEL_WEIGHTS))

    def models(style) -> Loaded:
        key = (str(model), str(style))
        if key not in cache:
            cache[key] = load_model(model, style)
        loaded = cache[key]
        if lineage.model_version and loaded.versions["model_version"] != lineage.model_version:
            raise CocreateError(f"made by weights {lineage.model_version}, and {lineage.model or 'builtin'} now "
                                f"holds {loaded.versions['model_version']}")
        if style is not None and lineage.adapter_version not in (None, loaded.versions["adapter_version"]):
            raise CocreateError(f"made with the adapter {lineage.adapter_version}, and {style} now holds "
                                f"{loaded.versions['adapter_version']}")
        return loaded

    return models
