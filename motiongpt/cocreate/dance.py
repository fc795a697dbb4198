"""The dance folder: what every co-creation operation reads and writes, and the one writer they all use
(``motiongpt generate`` included).

    my_dance/
      score.laban    the score, the file a person edits by hand (read first: a hand edit wins)
      score.json     the same score in JSON
      staff.svg      its staff
      dance.bvh      the score decoded (``laban.decode``, seeded), on the parent's skeleton
      dance.mp4      a video of it (optional: ``video=False`` skips it; no renderer here is only a warning)
      prompt.json    the settings that made it (text, music, tempo, style, sampling...)
      lineage.json   where it came from: operation, parent dance(s), bars, seed, model and adapter versions

A folder is written whole or not at all (``atomic_folder``): everything goes into a temporary sibling that is
renamed into place at the end, so an error or Ctrl-C leaves no half-written dance, and a reader never sees a score
without its lineage. Same inputs and seed, same bytes: nothing time- or machine-dependent is written.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import shutil
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from laban.errors import LabanError
from laban.score import Score

MARKERS = frozenset({"lineage.json", "prompt.json", "duet.json"})  # the records a dance's or a duet's folder holds
# Every file the co-creation commands write into a folder (a dance's, variations' overview, a duet's): a folder of
# these with its record, and of such folders, is one ``-o`` may replace; anything else in it is a person's.
WRITTEN = frozenset({"score.laban", "score.json", "staff.svg", "dance.bvh", "dance.beats", "dance.mp4",
                     "prompt.json", "lineage.json", "overview.png", "duet.json", "duet.png", "duet.mp4",
                     "lead.laban", "follow.laban", "lead.bvh", "follow.bvh", "lead.beats", "follow.beats"})


class CocreateError(LabanError):
    """A co-creation request that cannot be done: no such dance, bars outside the score, a bad number."""


def _words_read() -> str | None:
    """How words are read now, as a lineage made now records it (``Lineage.words_read``)."""
    from laban.description.text import words_read

    return words_read()


@dataclass(frozen=True)
class Lineage:
    """Where a dance came from, enough to make it again: the ``operation`` (generate, vary, regenerate, continue,
    blend, translate, capture, ...) applied to the ``parents`` (folders, as paths relative to this dance's folder,
    each with the SHA-256 of its score.json so that a moved tree still links up), on ``bars`` (first, last) where
    the operation has them, with the prompt's ``text`` and ``style``, the ``seed`` (which also seeds the decoder),
    ``settings`` particular to the operation (strength, temperature, music...), ``decode_seed`` the decoder's seed
    (default ``seed``; an edit keeps its parent's, so that the untouched motion stays the same motion), and the
    versions of what made it
    (``model`` as given, ``model_version`` the hash of its weights, ``adapter`` / ``adapter_version``,
    ``motiongpt``, and ``mended``: how its sampling was mended, ``motiongpt.plausibility.MENDED`` (since stop 62;
    ``GAPS_LENGTHENED`` before two-foot steps were parted, 2026-12-07, ``STEPS_PARTED`` before two-foot holds were,
    later that day); None for a dance made before, whose gaps in the supports were held, and are so when it is made
    again (``plausibility.mended_as``);
    ``words_read``: how its words were read, ``laban.description.text.WORDS_READ`` (their pace and turns' sides
    read since stop 62, ``WORDS_READ_62``, a turn past one whole turn asked whole since 2026-12-07,
    ``WORDS_READ_TURNS``, and the pace written in the symbols' lengths, a pace said not to be asked ("not slow")
    asking none, since stop 63; recorded as the lineage is made, the older reading inside ``words_read_before``);
    None for a dance made before stop 62.
    A dance is made again reading its words as its lineage says they were read)."""

    operation: str
    parents: tuple[dict, ...] = ()
    bars: tuple[int, int] | None = None
    text: str | None = None
    style: str | None = None
    seed: int = 0
    settings: dict = field(default_factory=dict)
    decode_seed: int | None = None
    model: str | None = None
    model_version: str | None = None
    adapter: str | None = None
    adapter_version: str | None = None
    motiongpt: str | None = None
    mended: str | None = None
    words_read: str | None = field(default_factory=_words_read)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["parents"] = [dict(p) for p in self.parents]
        data["bars"] = list(self.bars) if self.bars is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Lineage":
        """The lineage a ``lineage.json`` holds; ``ValueError`` (one line) where a field is not of its kind."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        parents = known.get("parents", ())
        if not isinstance(parents, list | tuple) or not all(isinstance(p, dict) for p in parents) or any(
                not isinstance(p.get("path"), str | None) or not isinstance(p.get("score"), str | None)
                for p in parents):  # (a score digest not text stopped `history` with a traceback: it is looked up)
            raise ValueError("its parents are not a list of {path, score} records")
        known["parents"] = tuple(dict(p) for p in parents)
        bars = known.get("bars")
        if bars is not None:
            if not (isinstance(bars, list | tuple) and len(bars) == 2 and all(type(b) is int for b in bars)):
                raise ValueError(f"its bars are not [first, last] bar numbers: {str(bars)[:40]}")
            known["bars"] = tuple(bars)
        if not isinstance(known.get("settings", {}), dict):
            raise ValueError("its settings are not a record")
        # the settings that `history` shows and `history --replay` makes the dance again with (a strength of "lots"
        # was a traceback there): of their kinds, or the lineage is damaged
        check_kinds(known.get("settings") or {}, numbers=SETTING_NUMBERS, whole=SETTING_WHOLE)
        known.setdefault("words_read", None)  # a lineage written before words were read with their pace
        check_kinds(known, text=("operation", "text", "style", "model", "model_version", "adapter",
                                  "adapter_version", "motiongpt", "mended", "words_read"),
                    whole=("seed", "decode_seed"))
        return cls(**known)


@dataclass(frozen=True)
class Dance:
    """A dance as a folder holds it: its ``score``, the ``prompt`` settings that made it, its ``lineage``, and the
    ``path`` it was loaded from (None for one not yet written). ``decode_seed`` seeds the decoder (the lineage's
    seed unless given); ``skeleton`` is the BVH whose skeleton performs it (a parent's dance.bvh: the skeleton
    travels down the lineage)."""

    score: Score
    prompt: dict = field(default_factory=dict)
    lineage: Lineage = field(default_factory=lambda: Lineage("unknown"))
    path: Path | None = None
    skeleton: Path | None = None
    _motion: list = field(default_factory=list, init=False, repr=False, compare=False)  # decoded once

    @classmethod
    def load(cls, path: str | Path) -> "Dance":
        """The dance in folder ``path``: score.laban (else score.json), prompt.json and lineage.json when there
        (a folder with only a score is a dance of unknown lineage). A missing folder or score is one line."""
        path = Path(path)
        if not path.exists():
            raise CocreateError(f"{path}: no such folder")
        if not path.is_dir():
            raise CocreateError(f"{path}: not a dance folder (give the folder that holds score.laban)")
        score_file = next((path / n for n in ("score.laban", "score.json") if (path / n).is_file()), None)
        if score_file is None:
            raise CocreateError(f"{path}: not a dance folder (no score.laban)")
        if score_file.name == "score.json":  # said, since a hand edit of the score.laban now gone is not in it
            warnings.warn(f"{path}: no score.laban, so the score is read from score.json")
        score = Score.load(score_file)
        other = path / "score.json"  # (written beside score.laban, within a second of it)
        if score_file.name == "score.laban" and other.is_file() and \
                other.stat().st_mtime > score_file.stat().st_mtime + 1:
            try:  # score.json edited after score.laban (a program's edit): the file a person edits is read, and said
                edited = Score.load(other) != score
            except LabanError:
                edited = True
            if edited:
                warnings.warn(f"{path}: score.json was changed after score.laban and says another score; "
                              "score.laban is read (edit that one, or delete it to read score.json)")
        prompt = read_json(path / "prompt.json")
        try:
            check_prompt(prompt)
        except ValueError as error:
            raise CocreateError(f"{path / 'prompt.json'}: not the settings of a dance ({error})") from None
        recorded = read_json(path / "lineage.json") or {"operation": "unknown"}
        try:
            lineage = Lineage.from_dict(recorded)
        except (TypeError, ValueError) as error:
            raise CocreateError(f"{path / 'lineage.json'}: not a lineage ({error})") from None
        bvh = path / "dance.bvh"
        return cls(score, prompt, lineage, path, bvh if bvh.is_file() else None)

    @property
    def text(self) -> str | None:
        """The dance's words as one text (a dance worded bar by bar: its phrases' words, in bar order)."""
        phrases = self.phrases
        return self.prompt.get("text") or (joined(phrases) if phrases else self.lineage.text)

    @property
    def phrases(self) -> list[tuple[tuple[int, int], str]] | None:
        """The words given bar by bar (``prompt.json``'s ``phrases``: ``[first, last, words]``, staff bars), or
        None for a dance worded as a whole; a damaged list is one line."""
        given = self.prompt.get("phrases")
        if not given:
            return None
        try:
            return [((int(a), int(b)), str(w)) for a, b, w in given]
        except (TypeError, ValueError):
            raise CocreateError(f"{self.path or 'the dance'}: prompt.json's phrases are not [first, last, words] "
                                "lists") from None

    @property
    def words(self):
        """What the model is given as this dance's words (``motiongpt.model.generate.variations``' ``text``): its
        phrases, each over its bars, or its text."""
        return self.phrases or self.text

    @property
    def style(self) -> str | None:
        return self.prompt.get("style") or self.lineage.style

    @property
    def decode_seed(self) -> int:
        seed = self.lineage.decode_seed
        return int(self.lineage.seed if seed is None else seed)

    def motion(self):
        """The score decoded as the writer decodes it (same skeleton, its body parts as the prompt's ``map`` names
        them, same seed): the dance.bvh's motion, to float precision, computed again from the score (so a hand edit
        of score.laban shows)."""
        from laban import decode

        if not self._motion:
            self._motion.append(decode(self.score, _skeleton(self.skeleton, self.prompt.get("map")),
                                       seed=self.decode_seed))
        return self._motion[0]

    def digest(self) -> str:
        """SHA-256 of the score as score.json holds it: what a child's lineage names its parent by."""
        return score_digest(self.score)

    def save(self, out: str | Path, *, video: bool = True) -> Path:
        """Write this dance into folder ``out`` (made, or replaced whole), atomically; returns ``out``."""
        with atomic_folder(out, self.sources()) as temporary:
            write_files(temporary, self, video=video)
        return Path(out)

    def sources(self) -> list[Path]:
        """The folders of the dances this one is made from (its lineage's parents; a path on disk is relative to
        the dance's own folder)."""
        found = []
        for parent in self.lineage.parents:
            path = Path(parent["path"]) if parent.get("path") else None
            if path is not None and not path.is_absolute():
                path = self.path / path if self.path is not None else None
            if path is not None:
                found.append(path)
        return found

    def child(self, score: Score, operation: str, *, prompt: dict | None = None, **lineage) -> "Dance":
        """A dance made from this one by ``operation``: the parent recorded (by path and digest), the prompt
        inherited unless given, the skeleton and the decoder's seed carried on."""
        parents = (parent_ref(self),) + tuple(lineage.pop("parents", ()))
        lineage.setdefault("decode_seed", self.decode_seed)
        text = lineage.pop("text", self.text)
        style = lineage.pop("style", self.style)
        return Dance(score, dict(self.prompt if prompt is None else prompt),
                     Lineage(operation, parents, text=text, style=style, **lineage), None, self.skeleton)


def joined(phrases) -> str:
    """Words given bar by bar as one text, in bar order (what a dance worded so is called, and ranked by)."""
    return "; ".join(w for _, w in phrases)


def parent_ref(dance: Dance) -> dict:
    """How a lineage names a parent: its folder (absolute here; made relative to the child's folder when written)
    and its score's digest."""
    return {"path": str(dance.path.resolve()) if dance.path is not None else None, "score": dance.digest()}


def score_digest(score: Score) -> str:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "score.json"
        score.save(target)
        return hashlib.sha256(target.read_bytes()).hexdigest()[:16]


def replaceable(out: str | Path, sources: Iterable[str | Path | None] = ()) -> Path:
    """``out`` when ``atomic_folder`` may write it (checked before the work too, so that nothing is computed in
    vain): a folder, or nothing yet, in one that exists; not the folder of a dance it is made from (``sources``) or
    one above it; holding nothing but what these commands write."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CocreateError(f"{out}: a file, not a folder")
    if not out.parent.is_dir():
        raise CocreateError(f"{out.parent}: no such folder")
    target = out.resolve()
    for source in filter(None, sources):
        if target == Path(source).resolve() or target in Path(source).resolve().parents:
            what = "is the dance" if target == Path(source).resolve() else f"holds {source},"
            raise CocreateError(f"{out}: {what} which this is made from; give another folder with -o")
    if out.is_dir() and any(out.iterdir()) and not _ours(out):
        raise CocreateError(f"{out}: a folder that holds files that are not a dance's; give a new folder with -o")
    return out


@contextmanager
def atomic_folder(out: str | Path, sources: Iterable[str | Path | None] = ()) -> Iterator[Path]:
    """A temporary sibling of ``out`` to fill; on success it becomes ``out`` (an existing ``out`` that holds only
    what these commands write, dances, variations, duets, or nothing, is replaced whole; one holding anything else
    is refused, so that ``-o`` never deletes a person's files, and so is the folder of a dance it is made from,
    ``sources``, or one above it); on failure it is removed and ``out`` is left as it was."""
    out = replaceable(out, sources)
    temporary = out.with_name(f".{out.name}.{secrets.token_hex(6)}.part")
    temporary.mkdir()
    try:
        yield temporary
        if out.exists():
            old = out.with_name(f".{out.name}.{secrets.token_hex(6)}.old")
            os.replace(out, old)
            os.replace(temporary, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temporary, out)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def write_files(folder: Path, dance: Dance, *, video: bool = True) -> None:
    """The dance's files into ``folder`` (a temporary folder of ``atomic_folder``; not atomic by itself). The
    lineage's parent paths are written relative to the final folder, so a tree can be moved as a whole."""
    from laban import write_bvh
    from laban.timing import write_beats
    from viz.pages import save_staff

    folder = Path(folder)
    dance.score.save(folder / "score.laban")
    dance.score.save(folder / "score.json")
    save_staff(dance.score, folder / "staff.svg")
    motion = dance.motion()
    write_bvh(motion, folder / "dance.bvh")
    write_beats(dance.score.grid, folder / "dance.beats", title=dance.score.title)  # for render dance.bvh
    if video:
        try:
            from viz.render import render

            render(folder / "dance.mp4", [motion], score=dance.score, progress=False)
        except Exception as error:  # a video is a bonus: no renderer here must not lose the dance
            warnings.warn(f"no video ({' '.join(str(error).split())[:120]}); the rest is written")
            (folder / "dance.mp4").unlink(missing_ok=True)
    _write_json(folder / "prompt.json", dance.prompt)
    _write_json(folder / "lineage.json", _relative(dance.lineage, _final(folder)).as_dict())


def default_output(parent: str | Path, operation: str) -> Path:
    """A new sibling of ``parent`` named after the operation: ``my_dance-regenerate``, then ``-2``, ``-3``..."""
    parent = Path(parent)
    base = parent.with_name(f"{parent.name}-{operation}")
    candidate, n = base, 2
    while candidate.exists():
        candidate, n = base.with_name(f"{base.name}-{n}"), n + 1
    return candidate


def _final(temporary: Path) -> Path:
    """The folder a temporary folder of ``atomic_folder`` becomes (or the folder itself)."""
    name = temporary.name
    if name.startswith(".") and name.endswith(".part"):
        return temporary.with_name(name[1:].rsplit(".", 2)[0])
    return temporary


def _relative(lineage: Lineage, folder: Path) -> Lineage:
    """Parent paths relative to ``folder`` (POSIX separators)."""
    parents = []
    for parent in lineage.parents:
        path = parent.get("path")
        if path is not None and Path(path).is_absolute():
            path = Path(os.path.relpath(path, folder.resolve())).as_posix()
        parents.append({**parent, "path": path})
    return replace(lineage, parents=tuple(parents))


def _ours(folder: Path) -> bool:
    """A folder these commands wrote: a dance's or a duet's (its record, ``MARKERS``, beside only files they write,
    ``WRITTEN``), or one of such folders and an overview (variations, the edits made beside them); a killed
    write's hidden leftovers aside. A file of a name they write without its record (a person's lead.bvh) is not."""
    entries = [e for e in folder.iterdir() if not (e.name.startswith(".") and e.name.endswith((".part", ".old")))]
    if not entries:
        return True
    folders = [e for e in entries if e.is_dir() and not e.is_symlink()]
    files = {e.name for e in entries} - {e.name for e in folders}
    if not files <= WRITTEN or not all(_ours(f) for f in folders):
        return False
    return bool(files & MARKERS) or bool(folders) and files <= {"overview.png"}


def _skeleton(bvh: Path | None, mapping: dict[str, str] | None = None):
    """The skeleton of the BVH that performs a dance (None: the package's), its body parts named by ``mapping``
    (the prompt's ``map``) where its joints' names do not say them: a capture continued, a rig given with --map."""
    if bvh is None:
        return None
    from laban import read_skeleton, recognised
    from laban.errors import naming

    skeleton = read_skeleton(bvh)  # its hierarchy: a rig exported with no frames performs too
    try:
        return recognised(skeleton, mapping) if mapping else skeleton
    except LabanError as error:
        raise naming(bvh, error) from None


# How a dance read its music (prompt.json's ``music_read``): since stop 61 a score's repeats are played; a prompt
# that names music and says nothing read it as written, and its dance reads it so whenever it is developed or
# made again (``music_as_made``).
MUSIC_READ = "repeats played"


def music_as_made(prompt: dict):
    """A context in which music is read as ``prompt``'s dance read it (``laban.timing.repeats_as_written`` for a
    dance on music made before its repeats were played)."""
    from laban.timing import repeats_as_written

    if prompt.get("music") and prompt.get("music_read") != MUSIC_READ:
        return repeats_as_written()
    return nullcontext()


# What each setting a prompt.json may hold is (the rest are kept as they are): read back by every development of
# the dance and by replay, so a hand-damaged one is refused here in one line, not deep in an operation.
PROMPT_TEXT = ("text", "music", "music_read", "style", "steps_on", "model", "model_version", "motiongpt", "capture")
PROMPT_NUMBERS = ("bpm", "seconds", "temperature", "top_p", "guidance", "music_guidance", "fps")
PROMPT_WHOLE = ("meter", "bars", "seed", "top_k", "best_of", "music_bars")
PROMPT_FLAGS = ("controls", "repeats")
# the settings of a lineage that history shows and replay makes a dance again with, by kind (Lineage.from_dict)
SETTING_NUMBERS = ("strength", "temperature", "top_p", "style_guidance", "bpm", "fps")
SETTING_WHOLE = ("count", "vary_seed", "row", "added_bars", "blend_bars", "candidates")


def check_kinds(record: dict, *, text=(), numbers=(), whole=(), flags=()) -> None:
    """``ValueError`` (one line) naming the first of these fields of ``record`` (a folder's JSON record) that is
    not of its kind; a field absent or null is of any kind."""
    kinds = [(text, lambda v: isinstance(v, str), "text"),
             (numbers, lambda v: type(v) in (int, float) and math.isfinite(v), "a number"),
             (whole, lambda v: type(v) is int, "a whole number"),
             (flags, lambda v: isinstance(v, bool), "true or false")]
    for names, fits, kind in kinds:
        for name in names:
            if record.get(name) is not None and not fits(record[name]):
                raise ValueError(f"its {name} is not {kind}")


def check_prompt(prompt: dict) -> None:
    """``ValueError`` (one line) where a known setting of ``prompt`` is not of its kind."""
    check_kinds(prompt, text=PROMPT_TEXT, numbers=PROMPT_NUMBERS, whole=PROMPT_WHOLE, flags=PROMPT_FLAGS)
    phrases = prompt.get("phrases")
    if phrases is not None and not (isinstance(phrases, list) and all(
            isinstance(p, list) and len(p) == 3 and type(p[0]) is int and type(p[1]) is int and isinstance(p[2], str)
            for p in phrases)):
        raise ValueError("its phrases are not [first, last, words] lists")
    mapping = prompt.get("map")
    if mapping is not None and not (isinstance(mapping, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())):
        raise ValueError("its map is not a record of body parts to joint names")


def read_json(path: Path) -> dict:
    """A folder's JSON record (prompt.json, lineage.json, duet.json): {} where there is none, one line where it is
    not JSON."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CocreateError(f"{path}: not valid JSON ({error.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise CocreateError(f"{path}: not a JSON object of named fields (it holds a {type(data).__name__})")
    return data


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")
