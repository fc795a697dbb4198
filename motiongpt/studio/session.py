"""What the studio does, as jobs on ``motiongpt.cocreate``: ask for variations, develop a dance (regenerate bars,
vary, continue, blend, translate, a partner), start from a capture or a score, edit the score by hand, render a
video. Each result is a dance folder under a fresh number in FOLDER/dances (``Dance.save``: atomic), its lineage
naming its parent, so the history is the co-creation API's own (``motiongpt history FOLDER/dances`` prints it).

An ask is remembered in studio.json (its settings, its variations as they appear, then their rank): the
grid the page shows. A develop that shows its dances as a grid instead (a Vary's variations, or what a cancel kept)
is remembered there too, as ``grid``, until the next ask: a reload shows the grid the person last saw.
"""

from __future__ import annotations

import dataclasses
import shutil
import threading
from pathlib import Path

from laban.limits import FRAME_RATES, MAX_BEATS_PER_BAR

from .files import Folder, StudioError, check_performer, part_joints
from .jobs import Cancelled, Job, Jobs

LIMITS = {"bars": (1, 64), "count": (1, 12), "seed": (0, 2**31 - 1), "bpm": (30.0, 300.0),
          "strength": (0.0, 1.0), "temperature": (0.1, 2.0), "fps": FRAME_RATES, "meter": (1, MAX_BEATS_PER_BAR)}
MAX_TEXT = 2000  # characters of a request's text (words, a music or upload name)
# A setting out of range, or not a number, is said by the page's label for it (index.html), not by the API's key:
# "count must be from 1 to 12" named nothing a person sees ("Options"). A request may label a key its own way.
LABELS = {"bars": "Bars", "bpm": "Tempo", "seed": "Seed", "count": "Options", "fps": "its real frame rate",
          "text": "Words"}


def partner_available() -> bool:
    """Whether ``motiongpt.cocreate.duet`` (built on another branch) is here: the page shows "ask for a partner"
    only then."""
    from importlib.util import find_spec

    try:
        return find_spec("motiongpt.cocreate.duet") is not None
    except (ImportError, ValueError):
        return False


ADAPTER = "adapter:"  # a style the page names as "adapter:NAME" is the adapter folder NAME (``Folder.adapters``)
LOADED_ADAPTERS = 2  # adapter models kept loaded (each is a whole copy of the model)
# The first option of an ask is the first sample drawn (best of 1): on screen in less than half the time the
# best of WORDS_BEST_OF takes (built-in model, 8 bars, words, one core: 1.8 s of CPU against 4.3 s); the other
# options are each the best of the co-creation default, and the ranking orders all of them.
FIRST_BEST_OF = 1
# Bars regenerated or continued are likewise the first sample, guided as generate's are (``cocreate.generate
# .followed``, best of 1): a person waits for them (built-in model, bars 2-3 of 8 regenerated with words, one core:
# 0.75 s of CPU against 1.44 s for best of 4, whose 2.3 s on screen passed the studio's 1.5 s); of what 59
# validation phrases asked, regenerated in their takes, 0.74 kept (best of 4: 0.89; unguided: 0.63).
EDIT_BEST_OF = 1
RENDER_STEP = 10  # video frames between a render's steps (its progress, and where a cancel stops it)


class Studio:
    """The folder, the job queue and the models: the base (loaded once, by the first job that needs it) and the
    style adapters asked for (the ``LOADED_ADAPTERS`` used last)."""

    def __init__(self, folder: str | Path, model: str | Path | None = None, adapters: str | Path | None = None):
        self.folder = Folder(folder, adapters)
        self.model_path = model
        self.jobs = Jobs()
        self._loaded = None
        self._adapted: dict[str, object] = {}  # adapter name -> Loaded, the least recently used first
        self._model_lock = threading.Lock()
        self._warming: Job | None = None  # the load at start (``warm_up``)

    # --- the model -----------------------------------------------------------------------------------------

    def loaded(self, style: str | None = None):
        """The model (loaded on first use) with ``style``: a style it knows, ``adapter:NAME`` (the base with
        that adapter merged in, loaded on first use) or None (no style)."""
        from motiongpt.cocreate import load_model
        from motiongpt.errors import ModelMissing
        from motiongpt.train.lora import ForeignAdapter

        try:
            if style and style.startswith(ADAPTER):
                return self._adapter(style[len(ADAPTER):])
            with self._model_lock:
                if self._loaded is None:
                    self._loaded = dataclasses.replace(load_model(self.model_path), processors=(self.jobs.stop,))
        except ModelMissing as error:  # the library's says the command line's --model
            raise StudioError(_missing(error)) from None
        except ForeignAdapter as error:  # an adapter copied into the folder, or given when the studio was started
            raise StudioError(_foreign(f"style adapter {style[len(ADAPTER):]}", error), 415) from None
        if style in (None, ""):
            return dataclasses.replace(self._loaded, style=None)
        if style not in self.styles():
            raise StudioError(f"style {style!r} is neither one this model knows ({', '.join(self.styles()) or 'none'})"
                              f" nor an adapter of this studio ({', '.join(self.folder.adapters()) or 'none'})")
        return dataclasses.replace(self._loaded, style=style)

    def _adapter(self, name: str):
        from motiongpt.cocreate import load_model

        folder = self.folder.adapter_path(name)
        with self._model_lock:
            if name not in self._adapted:
                # merging changes the weights it is merged into: a fresh copy of the base for each adapter
                loaded = load_model(self.model_path, folder)
                self._adapted[name] = dataclasses.replace(loaded, processors=(self.jobs.stop,))
                while len(self._adapted) > LOADED_ADAPTERS:
                    del self._adapted[next(iter(self._adapted))]
            self._adapted[name] = self._adapted.pop(name)  # the most recently used last
            return self._adapted[name]

    def check_fits(self, name: str, shown: str) -> None:
        """Load adapter ``name`` on this studio's model now (it is then ready to use), refusing it, and removing
        it, where it was trained on another model: an adapter for another base was taken, and failed only when a
        dance was asked of it, with the command line's advice."""
        from motiongpt.errors import ModelMissing
        from motiongpt.train.lora import ForeignAdapter

        try:
            self._adapter(name)
        except ForeignAdapter as error:
            shutil.rmtree(self.folder.adapter_path(name), ignore_errors=True)
            raise StudioError(_foreign(shown, error), 415) from None
        except ModelMissing as error:
            raise StudioError(_missing(error)) from None

    def style_of(self, dance) -> str | None:
        """The style to develop ``dance`` in: the adapter it was made with (when this studio has it: where it is
        now, ``cocreate.models.adapter_of``, the folder moved or unzipped elsewhere), else its style when the model
        knows it, else none."""
        from motiongpt.cocreate.models import adapter_of

        adapter = adapter_of(dance)
        if adapter:
            for name, folder in self.folder.adapters().items():
                if Path(adapter).resolve() == folder:
                    return ADAPTER + name
        return dance.style if dance.style in self.styles() else None

    def styles(self) -> list[str]:
        return list(self._loaded.model.config.styles or ()) if self._loaded is not None else []

    def warm_up(self) -> Job:
        """Load the model and sample one short dance with words, so that the first ask pays for neither (the
        text encoder, torch's first calls)."""
        def work(job: Job) -> None:
            from motiongpt.cocreate import generate

            job.step(0.1, "loading the model")
            loaded = self.loaded()
            job.step(0.5, "warming up")
            generate(loaded, text="a step", bars=1, count=1, seed=0, best_of=1, rank_them=False)

        self._warming = self.jobs.submit("load", work)
        return self._warming

    def load_error(self) -> str | None:
        """Why the model could not be loaded at start (None: it was, or is still loading, or was not asked to):
        the page waits for the model while this is None, and says this line at once where it is not (it said
        "loading the model..." for a minute, then nothing, until an ask failed with it)."""
        warming = self._warming
        return warming.error if warming is not None and warming.state == "failed" and self._loaded is None else None

    # --- asks ----------------------------------------------------------------------------------------------

    def ask(self, settings: dict) -> Job:
        """Options from words (the whole dance's, or bar by bar, a line a phrase: ``generate.phrases_in``; and
        music, a style or a style adapter, a length, a seed), shown as each is written, then ranked. The first is
        sampled alone (``generate`` with ``seed``, best of ``FIRST_BEST_OF``) so that it is on screen while the
        others are written (one batch of rows of ``seed + 1``); each dance's lineage says which, and which
        adapter, so each can be made again. ``rig``: an uploaded BVH whose skeleton performs the dances, its body
        parts named by ``map`` where its joints' names do not say them (checked now: ``files.check_performer``),
        as ``motiongpt generate --skeleton --map``: the prompt keeps the map, so what is made from them is
        performed on the rig too."""
        s = _settings(settings, text=str, music=str, style=str, bars=int, bpm=float, seed=int, count=int,
                      temperature=float, rig=str, map=dict)
        rig, mapping = self.performer(s.get("rig"), s.get("map"), ("rig", "capture"))
        music = self.music(s.get("music"))
        count = s.get("count", 4)
        style = s.get("style") or None
        if style and style.startswith(ADAPTER):
            self.folder.adapter_path(style[len(ADAPTER):])  # an unknown adapter is one line now
        ask_id = self.folder.new_ask_id()

        def work(job: Job) -> None:
            from motiongpt.cocreate import generate, quality
            from motiongpt.cocreate.generate import MusicTooLong, MusicTooShort, phrases_in

            job.step(0.02, "loading the model" if not style or not style.startswith(ADAPTER) else
                     f"loading the style adapter {style[len(ADAPTER):]}")
            loaded = self.loaded(style)
            adapter = loaded.versions.get("adapter")
            seed, bars = s.get("seed", 0), s.get("bars", None if music else 8)
            phrases = phrases_in(s.get("text"))  # "1-4: ..." a line: words bar by bar
            options = dict(text=None if phrases else s.get("text") or None, phrases=phrases, music=music,
                           bpm=s.get("bpm"), bars=bars,
                           temperature=s.get("temperature", 1.0), style_name=adapter or style, rank_them=False,
                           skeleton=rig, mapping=mapping)
            ask = {"id": ask_id, "job": job.id, "settings": s, "dances": [], "ranked": None}

            def started(state):
                state["asks"].append(ask)
                state.pop("grid", None)  # this ask's options are the grid now

            self.folder.update_state(started)
            dances, ids = [], []
            try:
                # The first option alone (seed S), on screen while the others (rows of seed S + 1) are written.
                for first, n, batch_seed in ((0, 1, seed), (1, count - 1, seed + 1)):
                    if n < 1:
                        continue
                    writing = f"writing option {first + 1}" if n == 1 else f"writing options {first + 1}-{count}"
                    start, end = 0.05 + 0.5 * first / count, 0.1 + 0.8 * first / count  # up to its decoding
                    job.step(start, writing)
                    quick = {"best_of": FIRST_BEST_OF} if first == 0 and count > 1 else {}
                    # a whole piece is written a pass at a time: the line says how many bars (it said "writing"
                    # for all of the Maple Leaf Rag's seconds), as translate's does
                    batch = generate(loaded, count=n, seed=batch_seed, **options, **quick,
                                     on_bar=lambda k, total: job.step(start + (end - start) * k / total,
                                                                      f"{writing}: bar {k} of {total}"))
                    for k, dance in enumerate(batch, first):
                        job.step(0.1 + 0.8 * k / count, f"decoding option {k + 1} of {count}")
                        [dance_id] = self.folder.new_dance_ids(1)
                        self._save(dance, dance_id)
                        dances.append(dance)
                        ids.append(dance_id)
                        self._set_ask(ask_id, lambda a: a["dances"].append(dance_id))
                        if len(ids) == 1:  # what the first option cost the server, in its thread's CPU seconds
                            self._set_ask(ask_id, lambda a: a.update(first_cpu_seconds=round(job.cpu_now(), 3)))
                        job.publish({"ask": ask_id, "dances": list(ids)})
            except Cancelled:
                self._set_ask(ask_id, lambda a: a.update(cancelled=True))
                raise
            except MusicTooLong as error:  # the library's says the command line's --bars or --seconds
                raise StudioError(f"the music has {error.bars} bars, more than a dance's {error.most}: say how many "
                                  "of them to dance under Bars") from None
            except MusicTooShort as error:  # the library's names no field of the page
                raise StudioError(f"{error}: ask for {error.have} or fewer under Bars, or leave Bars empty to dance "
                                  "the whole piece") from None
            if count > 1:
                job.step(0.9, "ranking")
                figures = quality(dances)  # the ranking of motiongpt.cocreate.rank, kept in studio.json
                order = sorted(range(count), key=lambda i: (-figures[i]["quality"], i))
                ranked = [ids[i] for i in order]
                self._set_ask(ask_id, lambda a: a.update(ranked=ranked,
                                                         quality={ids[i]: figures[i] for i in order}))
                job.publish({"ask": ask_id, "dances": ranked, "ranked": True})

        return self.jobs.submit("ask", work, {**s, "ask": ask_id})

    def _set_ask(self, ask_id: str, change) -> None:
        def edit(state):
            for ask in state["asks"]:
                if ask["id"] == ask_id:
                    change(ask)
        self.folder.update_state(edit)

    def performer(self, upload: str | None, mapping: dict | None, kinds: tuple[str, ...],
                  fps: float | None = None) -> tuple[Path | None, dict[str, str] | None]:
        """(the uploaded BVH ``upload`` names, ``mapping``) when its skeleton's body parts are recognised or named
        by ``mapping`` (the command line's ``--map``); refused now, with the parts to name, where not."""
        if not upload:
            if mapping:
                raise StudioError("map names the joints of a rig or a capture: give it too")
            return None, None
        path = self.folder.upload_path(upload, kinds)
        check_performer(path, mapping, fps)
        return path, mapping

    def music(self, spec: str | None) -> str | None:
        """The music an ask (or a continue on other music) names: an upload of this studio or a work of music21's
        corpus."""
        if not spec:
            return None
        if spec.startswith("corpus:"):
            from motiongpt.conditioning.music import resolve_music

            resolve_music(spec)  # an unknown work is one line now, not a failed job later
            return spec
        return str(self.folder.upload_path(spec, ("music",)))

    # --- developing a dance --------------------------------------------------------------------------------

    def develop(self, dance_id: str, operation: str, settings: dict) -> Job:
        """One of regenerate, vary, continue, blend, translate, partner on dance ``dance_id``; a continue on its own
        music's next bars (its tempo, without music), or on ``music``, an upload or a corpus work as an ask's."""
        from motiongpt import cocreate

        path = self.folder.dance_path(dance_id)
        kinds = {"regenerate": dict(first=int, last=int, text=str, seed=int, temperature=float),
                 "vary": dict(strength=float, count=int, seed=int, temperature=float),
                 "continue": dict(bars=int, text=str, seed=int, temperature=float, music=str),
                 "blend": dict(other=str, bars=int, seed=int, temperature=float),
                 "translate": dict(style=str, seed=int, temperature=float),
                 "partner": dict(seed=int)}
        if operation not in kinds:
            raise StudioError(f"{operation!r}: not something the studio does to a dance", 404)
        labels = {"continue": {"bars": "Continue by ... bars"},
                  "regenerate": {"first": "Bars ... to ...", "last": "Bars ... to ...", "text": "New words"}
                  }.get(operation)
        s = _settings(settings, labels, **kinds[operation])
        other = self.folder.dance_path(s["other"]) if operation == "blend" and "other" in s else None
        if operation == "blend" and other is None:
            raise StudioError("blend with which dance? choose one beside Blend")
        if operation == "regenerate" and ("first" not in s or "last" not in s):
            raise StudioError("regenerate which bars? give the first and the last (Bars ... to ...)")
        if operation == "regenerate" and self._loaded is not None:
            _bars_of(path, self._loaded.model.vocabulary, s["first"], s["last"])
        if operation == "translate" and not s.get("style"):  # the library's asks for an adapter folder
            raise StudioError("translate into which style? choose one beside Translate (the model's styles, or a "
                              "style adapter added under Add a style adapter)")
        if operation == "translate" and s["style"].startswith(ADAPTER):
            self.folder.adapter_path(s["style"][len(ADAPTER):])  # an unknown adapter is one line now
        if operation == "partner" and not partner_available():
            raise StudioError("a partner needs motiongpt.cocreate.duet, which is not installed here", 501)
        music = self.music(s.get("music"))  # a continue on other music: an upload or a corpus work, as an ask's

        def work(job: Job) -> None:
            job.step(0.05, "loading the model")
            dance = cocreate.Dance.load(path)
            loaded = self.loaded(self.style_of(dance))
            job.step(0.1, f"{operation}: writing")
            seed = s.get("seed", 0)
            t = {"temperature": s["temperature"]} if "temperature" in s else {}
            if operation == "regenerate":
                made = [cocreate.regenerate(dance, loaded, s["first"], s["last"], text=s.get("text") or None,
                                            seed=seed, best_of=EDIT_BEST_OF, **t)]
            elif operation == "vary":
                made = cocreate.vary(dance, loaded, s.get("strength", 0.3), count=s.get("count", 4), seed=seed,
                                     **t)
            elif operation == "continue":
                made = [_continued(dance, loaded, s.get("bars", 4), music=music, text=s.get("text") or None,
                                   seed=seed, best_of=EDIT_BEST_OF, **t)]
            elif operation == "blend":
                made = [cocreate.blend(dance, cocreate.Dance.load(other), loaded, s.get("bars", 4), seed=seed,
                                       **t)]
            elif operation == "translate":
                target = s.get("style")
                named = None if target and target.startswith(ADAPTER) else target  # an adapter carries its style
                # its bars are written one by one: the progress line says which (it said "writing" for 12 s)
                made = [cocreate.translate(dance, self.loaded(target), named, seed=seed, **t,
                                           on_bar=lambda k, n: job.step(0.1 + 0.5 * k / n,
                                                                        f"translate: bar {k} of {n}"))]
            else:
                child, couple = self._partner(dance, loaded, seed)
                made = [child]
            ids = self.folder.new_dance_ids(len(made))
            try:
                for k, (child, child_id) in enumerate(zip(made, ids)):
                    job.step(0.6 + 0.4 * k / len(made), f"decoding {k + 1} of {len(made)}")
                    self._save(child, child_id)
                    if operation == "partner":
                        from .views import save_duet

                        save_duet(self.folder, child_id, *couple)
                    job.publish({"dances": list(ids[:k + 1])})
            except Cancelled:
                self._set_grid(operation, dance_id, job.result.get("dances") or [], cancelled=True)
                raise
            self._set_grid(operation, dance_id, ids, cancelled=False)

        return self.jobs.submit(operation, work, {**s, "dance": dance_id})

    def _set_grid(self, operation: str, dance_id: str, made: list[str], cancelled: bool) -> None:
        """Remember in studio.json the dances a develop made when the page shows them as a grid of options
        (studio.js's ``showMade``: several, in the order made, which is a Vary's ranking; or any a cancel kept), so
        that a reload shows them again rather than the last ask's options. One dance made is opened instead, and
        leaves the grid as it was."""
        if len(made) > 1 or (cancelled and made):
            grid = {"operation": operation, "dance": dance_id, "dances": list(made), "cancelled": cancelled}
            self.folder.update_state(lambda state: state.update(grid=grid))

    def _partner(self, dance, loaded, seed: int):
        """--- HOOK: ask for a partner (motiongpt.cocreate.duet, another branch) ---
        The follower's part as a child dance (operation 'partner'); the two dancers as placed on one floor are
        kept in exports/<child>.duet.json for the viewer (the follower's own folder holds its solo decoding). The
        sampling settings are recorded, so that ``history --replay`` writes the same follower again."""
        from motiongpt.cocreate.duet import duet, follower_style

        settings = {"temperature": 1.0, "top_p": 1.0, "controls": True, "style": follower_style(loaded.model)}
        result = duet(loaded.model, dance.score, dance.motion(), seed=seed, processors=loaded.processors, **settings)
        child = dance.child(result.follow_score, "partner", seed=seed, settings=settings, **loaded.versions)
        return child, (result.lead, result.follow)

    def edit(self, dance_id: str, text: str) -> Job:
        """The score's text form as a person wrote it: parsed now (an error names the line), then a child dance
        'edit' is decoded and drawn in the background."""
        from laban.errors import ScoreFileError
        from laban.formats.text import loads

        from motiongpt.cocreate import Dance

        path = self.folder.dance_path(dance_id)
        if not isinstance(text, str) or len(text) > 2_000_000:
            raise StudioError("the score's text is missing or too long")
        try:
            score = loads(text, "score.laban")
        except ScoreFileError as error:
            raise StudioError(" ".join(str(error).split())) from None
        if score == loads((path / "score.laban").read_text(encoding="utf-8"), "score.laban"):
            # a typo put right, or Save pressed twice: the history would hold a copy of the dance
            raise StudioError("the score is as it was: nothing to save")

        def work(job: Job) -> None:
            job.step(0.1, "decoding the edited score")
            dance = Dance.load(path)
            child = dance.child(score, "edit", seed=dance.lineage.seed)
            [child_id] = self.folder.new_dance_ids(1)
            self._save(child, child_id)
            job.publish({"dances": [child_id]})

        return self.jobs.submit("edit", work, {"dance": dance_id})

    def start(self, settings: dict) -> Job:
        """A dance from an uploaded capture (``upload``; tokenized in ``meter`` beats a bar, 4 by default; ``fps``:
        its real frame rate where the file says another, as the CMU salsa takes do; none given: the file's own;
        ``map``: its body parts' joints where their names do not say them, as ``motiongpt continue capture.bvh
        --map``, kept in the prompt) or score, the root of a new line of the history. The settings are checked as
        every request's are: a meter of "3/4" was a traceback, 2.5 taken as 2, a setting of no such name ignored."""
        s = _settings(settings, upload=str, meter=int, fps=float, map=dict)
        meter, fps, mapping = s.get("meter", 4), s.get("fps"), s.get("map")
        path = self.folder.upload_path(s.get("upload", ""), ("capture", "score"))
        if path.suffix.lower() == ".bvh":  # a capture's body parts, named by map where its joints' names do not
            self.performer(path.name, mapping, ("capture",), fps)
        elif mapping:
            raise StudioError("map names the joints of a capture: a score has none")

        def work(job: Job) -> None:
            from laban.score import Score

            from motiongpt.cocreate import Dance, Lineage, from_capture

            job.step(0.1, "reading " + path.name)
            if path.suffix.lower() == ".bvh":
                dance = from_capture(path, meter=meter, fps=fps, mapping=mapping)
            else:
                dance = Dance(Score.load(path), {"score": path.name}, Lineage("score", settings={"file": path.name}))
            [dance_id] = self.folder.new_dance_ids(1)
            job.step(0.5, "decoding")
            self._save(dance, dance_id)
            job.publish({"dances": [dance_id]})

        return self.jobs.submit("start", work)

    def render_video(self, dance_id: str) -> Job:
        """dance.mp4 of a dance, into exports/ (the renderer needs OpenGL: without it the job fails in one line);
        a partner's, both dancers as the page shows them (``views.duet_dancers``), not the follower alone. Its
        progress is the frames drawn, and a cancel stops it within ``RENDER_STEP`` frames, writing nothing."""
        path = self.folder.dance_path(dance_id)

        def work(job: Job) -> None:
            from laban.files import atomic_path
            from viz.render import render

            from motiongpt.cocreate import Dance

            from .views import duet_dancers

            job.step(0.05, "rendering the video")
            dance = Dance.load(path)
            dancers = duet_dancers(self.folder, dance_id, dance.prompt.get("map")) or [dance.motion()]
            out = self.folder.root / "exports" / f"{dance_id}.mp4"

            def drawn(done: int, total: int) -> None:  # progress, and a cancel taken at the next frames
                if done % RENDER_STEP == 0 or done == total:
                    job.step(0.05 + 0.95 * done / total, f"rendering the video: frame {done} of {total}")

            try:
                with atomic_path(out) as temporary:
                    render(temporary, dancers, score=dance.score, progress=False, on_frame=drawn)
            except Cancelled:
                raise  # nothing written: the frames so far are dropped with the temporary file
            except Exception as error:
                raise StudioError(f"no video: {' '.join(str(error).split())[:160]}") from None
            job.publish({"video": dance_id})

        return self.jobs.submit("render", work, {"dance": dance_id})

    # --- writing -------------------------------------------------------------------------------------------

    def _save(self, dance, dance_id: str) -> None:
        dance.save(self.folder.dances / dance_id, video=False)


def _bars_of(path: Path, vocabulary, first: int, last: int) -> None:
    """Refuse now bars ``first``-``last`` that are not bars of the dance at ``path`` (negative, reversed, past its
    end), as ``cocreate.regenerate`` refuses them (``editing.model_bars``): its refusal came when the job ran, after
    the work queued before it (a Translate's 12 s), and a mistyped bar number was a wait, then a failed job."""
    import warnings

    from motiongpt.cocreate import Dance
    from motiongpt.cocreate.editing import model_bars, readable

    with warnings.catch_warnings():  # (a hand edit off the grid is rounded: the job says so when it runs)
        warnings.simplefilter("ignore")
        model_bars(readable(Dance.load(path), vocabulary), vocabulary, first, last)


def _continued(dance, loaded, bars: int, **settings):
    """``cocreate.continue_dance``, its refusal when the dance's own music has run out said as the page says it (the
    library's says the command line's ``--music``), and when the other music chosen is too short, what to do with
    the page's fields (the library's names none)."""
    from motiongpt.cocreate.extend import MusicRanOut, continue_dance
    from motiongpt.cocreate.generate import MusicTooShort

    try:
        return continue_dance(dance, loaded, bars, **settings)
    except MusicTooShort as error:
        fewer = f"continue by {error.have} or fewer under Continue by ... bars, or " if error.have else ""
        raise StudioError(f"{error}: {fewer}choose longer music beside Continue") from None
    except MusicRanOut as error:
        more = f" or by {error.left} bar{'' if error.left == 1 else 's'}" if error.left else ""
        raise StudioError(f"the music has {error.left} bar{'' if error.left == 1 else 's'} after this dance's, "
                          f"fewer than the {error.asked} asked for: continue it on other music (a music file or a "
                          f"corpus work, chosen beside Continue){more}") from None


def _foreign(shown: str, error) -> str:
    """A ``ForeignAdapter`` said as the page says it: the library's asks for the command line's ``--model``, which a
    person on the page has not; the studio runs one model, chosen when it was started."""
    trained = f" (trained from {error.base})" if error.base else ""
    return (f"{shown}: a style adapter for another model than this studio's{trained}: it works only in a studio "
            f"running {'that model' if error.base else 'the model it was trained from'}")


def _missing(error) -> str:
    """A ``ModelMissing`` said as the page says it (the library's offers the command line's ``--model``)."""
    return f"{error.what} is missing from this installation: the studio cannot write dances until the package is " \
           "installed again"


def _settings(given, labels: dict | None = None, **kinds) -> dict:
    """The request's settings of the known ``kinds`` (a type each), converted and checked against ``LIMITS``;
    anything unknown or out of range is one line, naming the setting as the page labels it (``LABELS``, updated
    by ``labels``)."""
    if not isinstance(given, dict):
        raise StudioError("send the settings as a JSON object")
    out = {}
    for key, value in given.items():
        if key not in kinds:
            raise StudioError(f"{key!r}: not a setting of this request ({', '.join(kinds)})")
        if value is None or value == "":
            continue
        kind = kinds[key]
        if kind is dict:  # a map of body parts to joints: checked against the rig by ``check_performer``
            if value != {}:
                out[key] = part_joints(value, key)
            continue
        label = {**LABELS, **(labels or {})}.get(key, key)
        try:
            if kind is int and (isinstance(value, bool) or float(value) != int(float(value))):
                raise ValueError
            value = kind(int(float(value))) if kind is int else kind(value)
        except (TypeError, ValueError):
            wanted = "a whole number" if kind is int else "a number" if kind is float else "text"
            raise StudioError(f"{label} must be {wanted}, not {value!r}") from None
        if kind is str and len(value) > MAX_TEXT:
            raise StudioError(f"{label}: too long ({len(value):,} characters; at most {MAX_TEXT:,})")
        if key in LIMITS and not LIMITS[key][0] <= value <= LIMITS[key][1]:
            low, high = (_number(x) for x in LIMITS[key])
            raise StudioError(f"{label} must be from {low} to {high}, not {_number(value)}")
        out[key] = value
    return out


def _number(x) -> str:
    """A number as a person writes it: a whole number whole (the seed's top was "2.14748e+09"), a float shortest."""
    return f"{x:g}" if isinstance(x, float) else str(x)
