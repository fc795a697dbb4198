"""Tokenize a corpus: files and folders in, a folder of scores out, in N worker processes.

A researcher preparing 2,000 takes pays the start-up once per worker, not once per file. Workers only compute:
each returns its score's text to the main process, which writes it atomically and records it in the output folder's
``.motiongpt-tokenize.json`` (the input's SHA-256, the options, the package version and a digest of the notation
code). A later run skips every file whose record still matches and whose score is still there, so an interrupted
batch resumes where it stopped. One file that fails is reported at the end, in one line, and the others go on
(exit status 2 when any failed). Ctrl-C stops the workers at once: nothing half-written is left, and what was
finished is recorded.

Workers start from a fork server that has already imported the tokenizer (``forkserver``: safe with threads in
the parent, unlike a plain fork; ``spawn`` where there is no fork server), and ignore Ctrl-C: the main process
alone decides to stop. The largest files go first, so that the last ones to finish are small.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from laban.errors import LabanError

from motiongpt import version

RECORD = ".motiongpt-tokenize.json"
PRELOAD = ["laban.io", "laban.analysis", "laban.beats", "laban.tokenizer", "laban.formats", "motiongpt.data.batch"]
FORMAT_OF = {".laban": "text", ".json": "json", ".labaneditor.json": "labaneditor"}
SAVE_EVERY = 5.0  # s: the record is rewritten at most this often while a batch runs, and at its end


@dataclass(frozen=True)
class Job:
    source: Path
    output: Path  # relative to the output folder
    fps: float | None


def plan(inputs: list[Path], suffix: str, pattern: str | None, fps: float | None, rates: dict | None,
         skipped: list[Path] | None = None, manifest: Path | None = None) -> list[Job]:
    """A job per motion file: files named as they are, folders searched for every file the package reads
    (``laban.io.is_motion_file``: BVH, skeleton CSV, .npz, body tracking JSON), or for ``pattern`` where one is
    given, their structure kept under the output folder. The other files of a folder are added to ``skipped``
    (and the ``manifest`` of frame rates, which is no take). Two inputs that would write one score are refused
    before any work."""
    from laban.io import MOTION_SUFFIXES, is_motion_file

    if pattern is not None and (not pattern.strip() or Path(pattern).anchor):
        # (pathlib's rglob: a pattern from a root is a traceback, an empty one every file, taken as motion)
        raise LabanError(f"a --glob pattern matches files below each folder, like '*.bvh' or 'takes/*.csv', not "
                         f"{pattern!r}")
    jobs, seen, sources = [], {}, set()
    aside = {os.path.abspath(manifest)} if manifest is not None else set()
    for given in inputs:
        if given.is_dir():
            found = sorted(p for p in given.rglob(pattern or "*") if p.is_file()
                           and not any(part.startswith(".") for part in p.relative_to(given).parts))
            if pattern is None:
                motion = {p: is_motion_file(p) for p in found if os.path.abspath(p) not in aside}
                found = [p for p, read in motion.items() if read]
                if skipped is not None:
                    skipped += [p for p, read in motion.items() if not read]
            if not found:
                raise LabanError(f"{given}: no files matching '{pattern}' in this folder or below it" if pattern else
                                 f"{given}: no motion files ({', '.join(MOTION_SUFFIXES)}) in this folder or below it")
            pairs = [(p, p.relative_to(given)) for p in found]
        elif given.is_file():
            pairs = [(given, Path(given.name))]
        else:
            raise LabanError(f"{given}: no such file or folder")
        for source, relative in pairs:
            where = os.path.abspath(source)  # not resolved: two links to one file are two takes
            if where in sources:
                continue  # named twice (a file and its folder): done once
            sources.add(where)
            output = relative.with_name(relative.name[: -len(relative.suffix) or None] + suffix)
            if output in seen:
                raise LabanError(f"{seen[output]} and {source} would both be written to {output}")
            seen[output] = source
            jobs.append(Job(source, output, rate_of(source, rates, fps)))
    return jobs


def tokenize_batch(inputs: list[Path], folder: Path, options: dict, *, fps: float | None, rates: dict | None,
                   jobs: int, suffix: str, pattern: str | None, force: bool, quiet: bool,
                   manifest: Path | None = None) -> int:
    skipped: list[Path] = []
    work = plan(inputs, suffix, pattern, fps, rates, skipped, manifest)
    if folder.exists() and not folder.is_dir():
        raise LabanError(f"{folder}: a file, not a folder (a batch writes into a folder)")
    if not folder.exists() and folder.name.lower().endswith((".laban", ".txt", ".json")):
        raise LabanError(f"{folder}: several inputs need a folder to write into, not a score file "
                         f"(-o {folder.parent / folder.name.split('.')[0]}/)")
    if not folder.parent.is_dir():
        raise LabanError(f"{folder.parent}: no such folder")
    if skipped and not quiet:  # said, so that a capture in a format not read is not missed without a word
        print(f"skipped {len(skipped)} file{'s' * (len(skipped) != 1)} that are no motion the package reads: "
              f"{', '.join(map(str, skipped[:5]))}{', ...' if len(skipped) > 5 else ''}")
    created = not folder.exists()
    folder.mkdir(exist_ok=True)
    record = Record(folder / RECORD, _fingerprint(options, suffix))
    todo, skipped = [], 0
    for job in work:
        if not force and record.done(job, folder):
            skipped += 1
        else:
            todo.append(job)
    todo.sort(key=lambda job: -_size(job.source))
    options = dict(options, format=FORMAT_OF[suffix])
    failures: list[tuple[Path, str]] = []
    warned: list[tuple[Path, str]] = []
    seconds = 0.0
    begin = time.perf_counter()
    from viz.progress import Progress

    bar = Progress(len(todo), "tokenizing", enabled=not quiet and sys.stderr.isatty(), unit="files",
                   rate="files/s")
    try:
        for job, outcome in results(todo, options, jobs):
            bar.update()
            if isinstance(outcome, str):
                failures.append((job.source, outcome))
                continue
            content, length, digest, warnings = outcome
            # recorded before it is written, and the record saved with only the scores on disk: an interrupt between
            # the two left a score written and not recorded
            record.add(job, digest)
            try:
                write_text(folder / job.output, content)
            except OSError as error:
                record.drop(job)
                failures.append((job.source, f"{folder / job.output}: cannot write: {error.strerror or error}"))
                continue
            seconds += length
            warned += [(job.source, message) for message in warnings]
    finally:
        bar.close()
        if created and todo and len(failures) == len(todo):  # not one score: no folder of nothing left behind
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
        else:
            record.save()
    wall = time.perf_counter() - begin
    if not quiet:
        speed = f", {seconds / wall:.0f}x real time" if seconds and wall > 0 else ""
        written = len(todo) - len(failures)
        print(f"{folder}: {written} score{'s' * (written != 1)} written, {skipped} already done, {len(failures)} "
              f"failed; {seconds / 60:.1f} min of motion in {wall:.1f} s{speed} ({jobs} "
              f"worker{'s' * (jobs > 1)})")
    for source, message in warned:
        print(f"motiongpt: warning: {source}: {message}", file=sys.stderr)
    for source, message in failures:
        print(f"motiongpt: error: {message if message.startswith(str(source)) else f'{source}: {message}'}",
              file=sys.stderr)
    return 2 if failures else 0


def write_text(path: Path, content: str) -> None:
    """A score's text to ``path``, atomically, as ``Score.save`` writes it (UTF-8)."""
    from laban.files import atomic_path

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as partial:
        partial.write_bytes(content.encode("utf-8"))


def results(todo: list, options: dict, jobs: int, work=None, preload: list[str] = PRELOAD):
    """(job, what ``work(job, options)`` returns: by default (score text, seconds, sha256, warnings) or a one-line
    failure) as each finishes: in this process for one job, else from a pool of ``jobs`` workers that start with
    ``preload`` imported. ``work`` must be a module-level function (it travels to the workers by name) that
    returns its failures rather than raising them; ``motiongpt corpus build`` passes its own."""
    work = work or _work
    if jobs == 1 or len(todo) <= 1:
        for job in todo:
            yield job, work(job, options)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core per worker
        os.environ.setdefault(name, "1")
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(list(preload))
    pool = ProcessPoolExecutor(min(jobs, len(todo)), mp_context=context, initializer=_ignore_interrupts)
    try:
        futures = {pool.submit(work, job, options): job for job in todo}
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except Exception as error:  # noqa: BLE001 - a worker that died (killed, out of memory)
                outcome = f"the worker stopped ({type(error).__name__}: {error})"
            yield futures[future], outcome
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()  # workers only compute: stopping them leaves nothing half-written
        raise
    pool.shutdown()


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _work(job: Job, options: dict):
    """One file in a worker: (the score's text, seconds of motion, the input's SHA-256, warnings), or the failure
    in one line. The text is made here, in parallel, so that the main process only writes."""
    import warnings

    from laban import formats

    try:
        digest = sha256(job.source)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            score, seconds = tokenize_file(job.source, job.fps, options)
            dumps = {"labaneditor": formats.labaneditor, "json": formats.json}.get(options["format"], formats.text)
            content = dumps.dumps(score)
        return content, seconds, digest, [" ".join(str(w.message).split()) for w in caught]
    except (LabanError, OSError) as error:
        return " ".join(str(error).split())
    except Exception as error:  # noqa: BLE001 - a bug on one file must not stop the corpus; it is named
        return f"internal error ({type(error).__name__}: {' '.join(str(error).split())})"


class Record:
    """What the output folder holds: per score, the input's SHA-256 and the fingerprint it was made with."""

    def __init__(self, path: Path, fingerprint: dict) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.entries: dict[str, dict] = {}
        self.saved = time.monotonic()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self.entries = dict(data.get("scores", {})) if isinstance(data, dict) else {}
        except (OSError, ValueError):
            self.entries = {}  # no record, or a damaged one: everything is redone

    def done(self, job: Job, folder: Path) -> bool:
        entry = self.entries.get(job.output.as_posix())
        if not isinstance(entry, dict) or not (folder / job.output).is_file():
            return False
        if entry.get("made_with") != self.fingerprint or entry.get("fps") != job.fps:
            return False
        return entry.get("sha256") == sha256(job.source)

    def add(self, job: Job, digest: str) -> None:
        self.entries[job.output.as_posix()] = {"input": str(job.source), "sha256": digest, "fps": job.fps,
                                               "made_with": self.fingerprint}
        if time.monotonic() - self.saved > SAVE_EVERY:
            self.save()

    def drop(self, job: Job) -> None:
        self.entries.pop(job.output.as_posix(), None)

    def save(self) -> None:
        """The record, atomically, of the scores the folder holds (one recorded as it is written, and not yet
        there, is left out)."""
        from laban.files import atomic_path

        held = {name: entry for name, entry in self.entries.items() if (self.path.parent / name).is_file()}
        text = json.dumps({"what": "scores written by motiongpt tokenize, and what each was made from",
                           "scores": held}, indent=1, sort_keys=True)
        with atomic_path(self.path) as partial:
            partial.write_text(text + "\n", encoding="utf-8")
        self.saved = time.monotonic()


def _fingerprint(options: dict, suffix: str) -> dict:
    """Everything besides the input that decides a score: options (with the beats or music file's content),
    format, the package version and the notation code itself (so that a changed tokenizer redoes the corpus)."""
    made = {key: value for key, value in options.items()}
    for key in ("beats", "music"):
        if made[key] is not None:
            made[key] = {"file": made[key], "sha256": sha256(Path(made[key]))}
    made["format"] = suffix
    made["motiongpt"] = version()
    made["code"] = code_digest()
    return json.loads(json.dumps(made, sort_keys=True))  # as it reads back from the record


def code_digest() -> str:
    """SHA-256 of the ``laban`` package's sources and data: the tokenizer and everything it reads."""
    import laban

    root = Path(laban.__file__).parent
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".json") and p.is_file()):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def tokenize_file(source: Path, fps: float | None, options: dict):
    """The score of one motion file and the motion's length in seconds: the whole single-file command, and what
    each batch worker does. ``options``: scale, bpm, beats, music, meter, subdivision, map (plain values, so that
    they travel to worker processes)."""
    from laban import analyse, beat_grid, read_motion, recognised, tokenize
    from laban.analysis import WORKING_FPS

    motion = read_motion(source, scale=options["scale"], frame_rate=fps, max_fps=WORKING_FPS)
    recognised(motion.skeleton, options["map"])
    analysis = analyse(motion)
    grid = beat_grid(music=options["music"], beats=options["beats"], bpm=options["bpm"], motion=analysis,
                     meter=options["meter"])
    if options["music"] or options["beats"]:  # music longer than the take: its score ends with the take's last bar
        grid = grid.through(float(motion.duration))
    score = tokenize(analysis, grid, subdivision=options["subdivision"], title=Path(source).stem)
    return score, float(motion.duration)


def frame_rates(path: Path) -> dict[str, float]:
    """{resolved path or file stem: frames per second} of the rows of a manifest CSV that give one."""
    from .manifest import ManifestError, read_manifest

    rates = {key: row["fps"] for key, row in read_manifest(path).items() if "fps" in row}
    if not rates:
        raise ManifestError(f"{path}: a manifest of frame rates needs an 'fps' column with rates in it")
    return rates


def rate_of(source: Path, rates: dict[str, float] | None, default: float | None) -> float | None:
    """The frame rate a manifest gives ``source`` (by path, then by name), else ``default``."""
    if rates:
        for key in (str(Path(source).resolve()), Path(source).stem):
            if key in rates:
                return rates[key]
    return default
