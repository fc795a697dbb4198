"""A corpus: motion capture tokenized once into scores the model trains on, with what each take is.

A corpus is built from a folder of motion (every file ``laban.io.is_motion_file`` says the readers read: BVH,
skeleton CSV, ``.npz`` joint positions, Azure Kinect body tracking JSON) with optional sidecars
per take, all beside the motion file and named by its stem:

- ``<stem>.txt``: the take's description (its words, as coarse as CMU's "salsa dance (lead)");
- a music file, ``<stem>.mid/.midi/.musicxml/.xml/.mxl`` or audio (``.wav/.flac/.ogg/.mp3``): the take was danced
  to it, so its score is written on the music's beat grid (``laban.beats.beat_grid(music=...)``: tempo changes and
  meter included) instead of the motion's own pulse — a paired corpus;
- a manifest CSV (``--manifest``) with any of the columns ``file`` (path from the CSV's folder, or the stem),
  ``style``, ``description``, ``split`` (train / validation / test), ``fps`` (the real frame rate, where a header
  is wrong) and ``music``. A value in the manifest wins over a sidecar; a take named nowhere is ``train``.
  A ``manifest.csv`` at the top of an input folder is read when no manifest is given (and is never a take).

``build`` tokenizes the takes in parallel with the batch tokenizer's workers (``motiongpt.data.batch``: largest
first, Ctrl-C safe, a failure is one line and the others go on), quantises each score onto the vocabulary's grid
(``motiongpt.vocabulary.quantise``: what the tokenizer writes is already on it, so this changes nothing but makes
it certain) and checks that it encodes. The output folder holds::

    corpus/
      corpus.json          the index: format, version, vocabulary version, subdivision, and per take
                           name, score, source, sha256, split, style, description, music, fps, seconds, bars, tokens
      vocabulary.json      the vocabulary the token counts are in (``Vocabulary.from_pretrained(corpus/)``)
      scores/<name>.laban  each take's score in the text form (its name is its path under the input folder)

A rebuild reuses every score whose motion (and music) has the same SHA-256 and was made with the same frame rate,
vocabulary version and notation code (``made_with`` in the index); the metadata (split, style, description) is
always taken afresh. The index is written atomically at the end, also after an interruption or failures, so
that it lists exactly the scores that are done.

``Corpus.load(folder)`` reads it back: ``corpus.takes``, ``corpus.split("train")``, ``take.score()``.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

from laban.errors import LabanError
from laban.io import MOTION_SUFFIXES, is_motion_file
from laban.score import Score
from laban.timing import AUDIO_SUFFIXES, MUSIC_SUFFIXES

from .manifest import read_manifest
from .split import SPLITS

FORMAT = "motiongpt-corpus"
VERSION = 1
INDEX = "corpus.json"
MANIFEST = "manifest.csv"  # read from an input folder when no manifest is given
SCORES = "scores"
PRELOAD = ["laban.io", "laban.analysis", "laban.beats", "laban.tokenizer", "laban.formats", "motiongpt.vocabulary",
           "motiongpt.data.batch", "motiongpt.data.corpus"]


class CorpusError(LabanError):
    """A corpus that cannot be built or read: a bad manifest, two takes of one name, a missing or damaged index."""


@dataclass(frozen=True)
class Source:
    """A take to tokenize: its motion file and what is known about it."""

    name: str  # unique in the corpus: the path under the input folder, without the suffix
    path: Path
    description: str = ""
    style: str = ""
    split: str = "train"
    music: Path | None = None
    fps: float | None = None  # the real frame rate; None: the file's header


@dataclass(frozen=True)
class Take:
    """One take of a built corpus: where its score is and what it is."""

    name: str
    score_path: str  # relative to the corpus folder
    source: str
    sha256: str
    split: str
    style: str
    description: str
    music: str | None
    fps: float | None
    seconds: float
    bars: int  # the number of its last bar (``laban.algebra.bar_count``): bars 1..bars, and 0 if it has an upbeat
    tokens: int  # its length in the corpus vocabulary, <bos> to <eos>
    folder: Path = field(default=Path("."), compare=False, repr=False)
    made_with: dict = field(default_factory=dict, compare=False, repr=False)

    def score(self) -> Score:
        """The take's score (quantised: it encodes with the corpus vocabulary)."""
        from laban.formats import text

        path = self.folder / self.score_path
        try:
            content = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CorpusError(f"{path}: the score of take {self.name} is missing (rebuild the corpus)") from None
        except (OSError, UnicodeDecodeError) as error:
            raise CorpusError(f"{path}: cannot read the score of take {self.name} ({error})") from None
        return text.loads(content, source=str(path))

    def as_dict(self) -> dict:
        return {"name": self.name, "score": self.score_path, "source": self.source, "sha256": self.sha256,
                "split": self.split, "style": self.style, "description": self.description, "music": self.music,
                "fps": self.fps, "seconds": self.seconds, "bars": self.bars, "tokens": self.tokens,
                "made_with": self.made_with}


@dataclass(frozen=True)
class Corpus:
    folder: Path
    takes: tuple[Take, ...]
    subdivision: int = 4
    vocabulary_version: int = 1
    version: int = VERSION

    def __len__(self) -> int:
        return len(self.takes)

    def __iter__(self):
        return iter(self.takes)

    def split(self, name: str) -> list[Take]:
        """The takes of one split (train, validation or test)."""
        if name not in SPLITS:
            raise CorpusError(f"no split '{name}' (the splits are {', '.join(SPLITS)})")
        return [t for t in self.takes if t.split == name]

    def take(self, name: str) -> Take:
        for t in self.takes:
            if t.name == name:
                return t
        raise CorpusError(f"{self.folder}: no take named '{name}'")

    def vocabulary(self):
        """The vocabulary the corpus was built with (its ``vocabulary.json``)."""
        from motiongpt.vocabulary import Vocabulary

        return Vocabulary.from_pretrained(self.folder)

    @classmethod
    def load(cls, folder: str | Path) -> "Corpus":
        """A built corpus; a missing or damaged index, or one from another vocabulary version, is one line."""
        from motiongpt.vocabulary import VERSION as VOCABULARY_VERSION

        folder = Path(folder)
        if not folder.is_dir():
            raise CorpusError(f"{folder}: {'a file, not a corpus folder' if folder.exists() else 'no such folder'}")
        path = folder / INDEX
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CorpusError(f"{folder}: not a corpus (no {INDEX}; make one with: motiongpt corpus build "
                              f"MOTION_FOLDER -o {folder})") from None
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise CorpusError(f"{path}: a damaged corpus index ({' '.join(str(error).split())})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise CorpusError(f"{path}: not a motiongpt corpus index")
        if data.get("version") != VERSION:
            raise CorpusError(f"{path}: corpus version {data.get('version')!r}; this package reads {VERSION}")
        if data.get("vocabulary_version") != VOCABULARY_VERSION:
            raise CorpusError(f"{path}: built with vocabulary version {data.get('vocabulary_version')!r}, this "
                              f"package has {VOCABULARY_VERSION} (rebuild it: motiongpt corpus build)")
        try:
            takes = tuple(_take(entry, folder) for entry in data["takes"])
            subdivision = int(data["subdivision"])
        except (KeyError, TypeError, ValueError) as error:
            raise CorpusError(f"{path}: a damaged corpus index (a take's {error} is missing or wrong)") from None
        gone = [t.music for t in takes if t.music is not None and not Path(t.music).is_file()]
        if gone:  # its takes would train on their dances' controls instead of their music's, unsaid
            warnings.warn(f"{folder}: {len(gone)} of its {len(takes)} takes lost their music (not at "
                          f"{gone[0]}{' and others' if len(gone) > 1 else ''}, nor under the corpus's folders): "
                          "they train on their dances' controls; move the music with the corpus, or build it again")
        return cls(folder, takes, subdivision, VOCABULARY_VERSION, VERSION)


def _take(entry: dict, folder: Path) -> Take:
    """A take of the index, its capture and music found where they are now (``_whole``)."""
    from .paths import found_again

    split = entry["split"]
    if split not in SPLITS:
        raise ValueError("split")
    music = None if entry["music"] is None else found_again(str(entry["music"]), folder)
    return Take(str(entry["name"]), str(entry["score"]), found_again(str(entry["source"]), folder),
                str(entry["sha256"]), split, str(entry["style"]), str(entry["description"]), music,
                None if entry["fps"] is None else float(entry["fps"]), float(entry["seconds"]), int(entry["bars"]),
                int(entry["tokens"]), folder, dict(entry.get("made_with") or {}))


# ---------------------------------------------------------------------------------------------------------------
# What to tokenize: folders, sidecars and a manifest


def scan(inputs: list[Path], manifest: Path | None = None, fps: float | None = None) -> list[Source]:
    """A ``Source`` per motion file in ``inputs`` (files, or folders searched below them), with its sidecars and
    manifest row (the module docstring; without ``manifest``, each folder's own ``manifest.csv``). Two takes of
    one name are refused before any work."""
    rows = read_manifest(manifest) if manifest is not None else {}
    skip = {os.path.abspath(manifest)} if manifest is not None else set()
    sources, names = [], {}
    for given in inputs:
        given = Path(given)
        if given.is_dir() and (given / MANIFEST).is_file():
            skip.add(os.path.abspath(given / MANIFEST))
            if manifest is None:
                rows.update(read_manifest(given / MANIFEST))
        if given.is_dir():
            found = sorted(p for p in given.rglob("*") if p.is_file() and is_motion_file(p)
                           and os.path.abspath(p) not in skip
                           and not any(part.startswith(".") for part in p.relative_to(given).parts))
            pairs = [(p, p.relative_to(given).with_suffix("").as_posix()) for p in found]
            if not pairs:
                raise CorpusError(f"{given}: no motion files ({', '.join(MOTION_SUFFIXES)}) in this folder or below "
                                  f"it")
        elif given.is_file():
            pairs = [(given, given.stem)]
        else:
            raise CorpusError(f"{given}: no such file or folder")
        for path, name in pairs:
            if name in names:
                if os.path.abspath(names[name]) == os.path.abspath(path):
                    continue  # named twice (a file and its folder): one take
                raise CorpusError(f"{names[name]} and {path} would both be take '{name}'")
            names[name] = path
            sources.append(_source(path, name, rows, fps))
    unnamed = [name for name, path in names.items() if rows and not _row(path, name, rows)]
    if unnamed:  # a row mistyped ("05-04.bvh,test") left its take in the training split without a word
        warnings.warn(f"{len(unnamed)} take{'' if len(unnamed) == 1 else 's'} named in no row of the manifest, "
                      f"read as training takes: {', '.join(unnamed[:5])}{', ...' if len(unnamed) > 5 else ''}")
    return sources


def _row(path: Path, name: str, rows: dict[str, dict]) -> dict:
    """The manifest's row of a take: by its file, its name in the folder, or its stem ({} where none names it)."""
    return rows.get(str(path.resolve())) or rows.get(name) or rows.get(path.stem) or {}


def _source(path: Path, name: str, rows: dict[str, dict], fps: float | None) -> Source:
    row = _row(path, name, rows)
    description = _sidecar_text(path.with_suffix(".txt"))
    music = [path.with_suffix(s) for s in MUSIC_SUFFIXES + AUDIO_SUFFIXES if path.with_suffix(s).is_file()]
    if row.get("music"):
        music = [Path(row["music"])]
    elif len(music) > 1:
        raise CorpusError(f"{path}: {len(music)} music files beside it ({', '.join(m.name for m in music)}); "
                          f"keep one, or name it in the manifest's 'music' column")
    return Source(name, path, row.get("description") or description, row.get("style", ""),
                  row.get("split") or "train", music[0] if music else None, row.get("fps") or fps)


def _sidecar_text(path: Path) -> str:
    try:
        return " ".join(path.read_text(encoding="utf-8").split())
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as error:
        raise CorpusError(f"{path}: cannot read the description ({error})") from None


# ---------------------------------------------------------------------------------------------------------------
# Building


@dataclass(frozen=True)
class _Job:
    name: str
    source: Path
    output: Path  # relative to the corpus folder
    fps: float | None
    music: str | None


@dataclass
class Built:
    """What ``build`` did: the corpus as indexed, scores made and reused, failures as (take, one line)."""

    corpus: Corpus
    made: int
    reused: int
    failures: list[tuple[str, str]]
    warnings: list[tuple[str, str]]
    seconds: float  # of motion tokenized in this run
    wall: float

    def summary(self, folder: str | Path) -> str:
        """One line: takes made, reused and failed, tokens, and the motion tokenized in how long."""
        tokens = sum(t.tokens for t in self.corpus)
        takes = f"{len(self.corpus)} take{'s' * (len(self.corpus) != 1)}"  # "1 take", as every count is said
        return (f"{folder}: {takes} ({self.made} tokenized, {self.reused} reused, "
                f"{len(self.failures)} failed), {tokens:,} tokens; {self.seconds / 60:.1f} min of motion tokenized "
                f"in {self.wall:.1f} s")


def build(sources: list[Source], folder: str | Path, *, jobs: int = 1, subdivision: int = 4, force: bool = False,
          progress: bool = False, mapping: dict[str, str] | None = None) -> Built:
    """Tokenize ``sources`` into the corpus ``folder`` (made if missing; the module docstring), ``jobs`` workers.
    Takes whose score is already there and made from the same input are reused unless ``force``. ``mapping``
    ({part: joint}, ``--map``) names the body parts of a rig whose joints' names do not say them, for every take."""
    from motiongpt.data.batch import code_digest, results, sha256
    from motiongpt import version
    from motiongpt.vocabulary import VERSION as VOCABULARY_VERSION, Vocabulary

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise CorpusError(f"{folder}: a file, not a folder (a corpus is a folder)")
    if not folder.parent.is_dir():
        raise CorpusError(f"{folder.parent}: no such folder")
    others = sorted(p.name for p in folder.iterdir() if p.name not in (INDEX, SCORES, "vocabulary.json")
                    and not p.name.startswith(".")) if folder.is_dir() else []
    if others:  # a corpus's folder holds its index, vocabulary and scores (a killed first build: the last two;
        # hidden files: a killed write's leftovers)
        raise CorpusError(f"{folder}: holds {', '.join(others[:3])}{' ...' if len(others) > 3 else ''}, which a "
                          "corpus does not: give a new folder with -o")
    for s in sources:
        if s.split not in SPLITS:
            raise CorpusError(f"take {s.name}: split '{s.split}' is not one of {', '.join(SPLITS)}")
        if s.music is not None and not Path(s.music).is_file():
            raise CorpusError(f"take {s.name}: {s.music}: no such music file")
    vocabulary = Vocabulary(subdivision)
    created = not folder.exists()
    folder.mkdir(exist_ok=True)
    vocabulary.save_pretrained(folder)
    previous = _previous(folder)
    common = {"subdivision": subdivision, "vocabulary": VOCABULARY_VERSION, "code": code_digest(),
              "motiongpt": version(), **({"map": dict(mapping)} if mapping else {})}  # another map: tokenized again
    takes: dict[str, Take] = {}
    todo, made_with = [], {}
    for s in sources:
        made = dict(common, sha256=sha256(s.path), fps=s.fps,
                    music=None if s.music is None else sha256(Path(s.music)))
        made_with[s.name] = made = json.loads(json.dumps(made, sort_keys=True))
        old = previous.get(s.name)
        if not force and old is not None and old.made_with == made and (folder / old.score_path).is_file():
            takes[s.name] = _described(old, s, folder)
        else:
            todo.append(_Job(s.name, s.path, Path(SCORES) / f"{s.name}.laban", s.fps,
                             None if s.music is None else str(s.music)))
    reused = len(takes)
    todo.sort(key=lambda job: -_size(job.source))
    by_name = {s.name: s for s in sources}
    failures, warned, seconds = [], [], 0.0
    begin = time.perf_counter()
    from viz.progress import Progress

    bar = Progress(len(todo), "tokenizing", enabled=progress and sys.stderr.isatty(), unit="takes", rate="takes/s")
    options = {"scale": None, "bpm": None, "beats": None, "meter": None, "subdivision": subdivision,
               "map": dict(mapping) if mapping else None}
    try:
        for job, outcome in results(todo, options, jobs, work=tokenize_take, preload=PRELOAD):
            bar.update()
            if isinstance(outcome, str):
                failures.append((job.name, outcome))
                continue
            try:
                _write(folder / job.output, outcome["score"])
            except OSError as error:
                failures.append((job.name, f"{folder / job.output}: cannot write: {error.strerror or error}"))
                continue
            s = by_name[job.name]
            takes[job.name] = Take(job.name, job.output.as_posix(), _whole(s.path), outcome["sha256"], s.split,
                                   s.style, s.description, _whole(job.music), s.fps, round(outcome["seconds"], 6),
                                   outcome["bars"], outcome["tokens"], folder, made_with[job.name])
            seconds += outcome["seconds"]
            warned += [(job.name, message) for message in outcome["warnings"]]
    finally:
        bar.close()
        ordered = tuple(takes[s.name] for s in sources if s.name in takes)
        corpus = Corpus(folder, ordered, subdivision, VOCABULARY_VERSION, VERSION)
        if ordered or not created:
            save_index(corpus)
        else:  # not one take made: a corpus of nothing is not left behind to be trained on
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
    return Built(corpus, len(takes) - reused, reused, failures, warned, seconds, time.perf_counter() - begin)


def _described(old: Take, s: Source, folder: Path) -> Take:
    """A reused score with today's metadata."""
    return replace(old, source=_whole(s.path), split=s.split, style=s.style, description=s.description,
                   music=_whole(s.music), fps=s.fps, folder=folder)


def _whole(path: str | Path | None) -> str | None:
    """A take's motion or music file as the index records it: whole, so that the corpus reads its captures and
    music from whatever folder it is trained in (a path relative to the build's working folder was silently
    missed there: a paired corpus trained on its dances' controls instead of its music's). A corpus moved with
    its inputs (to another machine, another home) finds them again as a dance finds its music
    (``motiongpt.data.paths.found_again``: the most of the recorded path's last parts under the nearest folder
    above the corpus), and ``Corpus.load`` says how many takes' music is gone where it cannot."""
    return None if path is None else os.path.abspath(path)


def _previous(folder: Path) -> dict[str, Take]:
    """The takes a corpus folder indexes already (nothing, if its index is missing, damaged or of another
    version: everything is redone)."""
    try:
        with warnings.catch_warnings():  # (music gone from a previous build: the sources say where it is now)
            warnings.simplefilter("ignore")
            return {t.name: t for t in Corpus.load(folder).takes}
    except LabanError:
        return {}


def save_index(corpus: Corpus) -> Path:
    """Write ``corpus.json`` atomically."""
    from laban.files import atomic_path

    data = {"format": FORMAT, "version": corpus.version, "vocabulary_version": corpus.vocabulary_version,
            "subdivision": corpus.subdivision, "takes": [t.as_dict() for t in corpus.takes]}
    path = corpus.folder / INDEX
    with atomic_path(path) as partial:
        partial.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def tokenize_take(job: _Job, options: dict):
    """One take in a worker: {score (text form, quantised), seconds, sha256, bars, tokens, warnings}, or the
    failure in one line. The score is tokenized on its music's beat grid where it has music."""
    import warnings

    from laban.algebra import bar_count
    from laban.formats import text
    from motiongpt.data.batch import sha256, tokenize_file
    from motiongpt.vocabulary import Vocabulary, quantise

    try:
        digest = sha256(job.source)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            score, seconds = tokenize_file(job.source, job.fps, dict(options, music=job.music))
            score = quantise(replace(score, title=job.name), options["subdivision"])
            ids = Vocabulary(options["subdivision"]).encode(score)
            content = text.dumps(score)
        return {"score": content, "seconds": seconds, "sha256": digest, "bars": bar_count(score),
                "tokens": len(ids), "warnings": [" ".join(str(w.message).split()) for w in caught]}
    except (LabanError, OSError) as error:
        return " ".join(str(error).split())
    except Exception as error:  # noqa: BLE001 - a bug on one take must not stop the corpus; it is named
        return f"internal error ({type(error).__name__}: {' '.join(str(error).split())})"


def _write(path: Path, content: str) -> None:
    from motiongpt.data.batch import write_text

    write_text(path, content)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
