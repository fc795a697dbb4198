"""The studio's folder, and the only ways a request reaches a file in it.

    FOLDER/
      dances/0001 ..  one dance folder each (``motiongpt.cocreate.Dance``), the history's nodes
      uploads/        what a person uploaded: u0001-name.mid, ...
      exports/        made on request and kept: videos, duets
      adapters/NAME/  style adapters (``motiongpt train --lora``: adapter_config.json, adapter_model.safetensors),
                      uploaded as a zip or copied in by hand; more may be given by ``motiongpt studio --adapters``
      studio.json     the asks (each ask's variations, in rank order), the grid a Vary showed since the last ask,
                      and the next free numbers

No route joins a request's text onto a path. A dance is named by a number (``DANCE_ID``), an upload by the name
this module gave it (``UPLOAD_ID``); anything else is refused before a path is made, and every path made is checked
to lie inside the folder after resolving links (``inside``). Uploads are streamed to disk with a size limit, then
checked to be what they claim (a MIDI file starts ``MThd``, a BVH ``HIERARCHY``, music is read by the beat grid's
reader), and removed when they are not.

Writes are atomic (``laban.files.atomic_path``; dances by ``Dance.save``), and numbers are handed out and
studio.json rewritten under one lock (a thread lock, and ``fcntl.flock`` on FOLDER/.lock for a second server on
the same folder), so two tabs working at once never share a number or lose an ask.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from laban.errors import LabanError
from laban.files import atomic_path
from motiongpt.errors import CheckpointError
from motiongpt.train.lora import ADAPTER_FILES, VOCABULARY, check_adapter as check_lora

DANCE_ID = re.compile(r"[0-9]{4,6}")
UPLOAD_ID = re.compile(r"u[0-9]{4,6}-\w[\w.-]{0,80}")  # \w: letters and digits of any script, and _
ADAPTER_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,60}")
MiB = 1024 * 1024
MAX_UPLOAD = {"music": 50 * MiB, "capture": 50 * MiB, "score": 5 * MiB, "rig": 5 * MiB, "adapter": 200 * MiB}
KINDS = {  # what each kind of upload may be, by suffix
    "music": (".mid", ".midi", ".xml", ".musicxml", ".mxl", ".wav", ".mp3", ".ogg", ".flac"),
    "capture": (".bvh",),
    "score": (".laban", ".json"),
    "rig": (".bvh",),
    "adapter": (".zip",),
}
AUDIO = (".wav", ".mp3", ".ogg", ".flac")
MEDIA_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".flac": "audio/flac",
               ".mid": "audio/midi", ".midi": "audio/midi"}


class StudioError(LabanError):
    """A request the studio refuses: one line, shown to the person as it is; ``details`` go with it in the answer
    where the page can do more than show it (``rig``: the body parts to name, ``check_performer``)."""

    def __init__(self, message: str, status: int = 400, details: dict | None = None):
        super().__init__(message)
        self.status = status
        self.details = details or {}


class Folder:
    """The session's folder and its lock."""

    def __init__(self, root: str | Path, adapters: str | Path | None = None):
        self.root = Path(root).expanduser().resolve()
        for sub in ("dances", "uploads", "exports", "adapters"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        # a folder of adapters given on the command line (or one adapter folder itself), read where it lies
        self.more_adapters = Path(adapters).expanduser().resolve() if adapters is not None else None
        self._lock = threading.RLock()
        self._reserved: set[str] = set()
        self._depth = 0  # how deep the holder of ``_lock`` is in ``locked``

    @property
    def dances(self) -> Path:
        return self.root / "dances"

    @contextmanager
    def locked(self):
        """One writer at a time, in this process and across processes sharing the folder (re-entrant: the
        file lock is taken by the outermost holder only, as a second flock from one process would wait on
        itself)."""
        import fcntl

        with self._lock:
            self._depth += 1
            try:
                if self._depth > 1:
                    yield
                    return
                with open(self.root / ".lock", "a+") as handle:
                    fcntl.flock(handle, fcntl.LOCK_EX)
                    try:
                        yield
                    finally:
                        fcntl.flock(handle, fcntl.LOCK_UN)
            finally:
                self._depth -= 1

    # --- names -----------------------------------------------------------------------------------------------

    def dance_path(self, dance_id: str) -> Path:
        """The folder of dance ``dance_id`` (which must exist)."""
        if not isinstance(dance_id, str) or not DANCE_ID.fullmatch(dance_id):
            raise StudioError(f"{_shown(dance_id)}: not a dance of this studio", 404)
        path = inside(self.dances, self.dances / dance_id)
        if not (path / "score.laban").is_file():
            raise StudioError(f"dance {dance_id}: no such dance", 404)
        return path

    def upload_path(self, upload_id: str, kinds: tuple[str, ...] | None = None) -> Path:
        """The uploaded file ``upload_id`` (of one of ``kinds``' suffixes, when given)."""
        if not isinstance(upload_id, str) or not UPLOAD_ID.fullmatch(upload_id):
            raise StudioError(f"{_shown(upload_id)}: not an upload of this studio", 404)
        path = inside(self.root / "uploads", self.root / "uploads" / upload_id)
        if not path.is_file():
            raise StudioError(f"{upload_id}: no such upload", 404)
        if kinds is not None and path.suffix.lower() not in {s for k in kinds for s in KINDS[k]}:
            raise StudioError(f"{upload_id}: not a {' or '.join(kinds)} file")
        return path

    def new_dance_ids(self, count: int) -> list[str]:
        """``count`` fresh dance numbers, reserved until the process ends (a dance is written under it later)."""
        with self.locked():
            state = self.read_state()
            taken = {p.name for p in self.dances.iterdir()} | self._reserved
            number, ids = int(state.get("next_dance", 1)), []
            while len(ids) < count:
                name = f"{number:04d}"
                if name not in taken:
                    ids.append(name)
                number += 1
            self._reserved.update(ids)
            self.write_state({**state, "next_dance": number})
        return ids

    def new_ask_id(self) -> str:
        """A fresh number for an ask's record in studio.json ('a0001', ...), kept across the studio's restarts: the
        job that writes an ask is numbered by the process ('j2' again after a restart), and an ask recorded by its
        job's number was taken for an earlier session's, whose options and ranking it then rewrote."""
        with self.locked():
            state = self.read_state()
            taken = {ask.get("id") for ask in state.get("asks", [])}
            number = int(state.get("next_ask", len(taken) + 1))
            while f"a{number:04d}" in taken:
                number += 1
            self.write_state({**state, "next_ask": number + 1})
        return f"a{number:04d}"

    def adapters(self) -> dict[str, Path]:
        """The style adapters this studio offers, by name: the folders of FOLDER/adapters, then those the command
        line's folder holds (``offered``); a name already taken is skipped."""
        named = [(p.name, p) for p in sorted(p for p in (self.root / "adapters").iterdir() if p.is_dir())]
        more = self.more_adapters
        if more is not None and more.is_dir():
            named += offered(more)
        found: dict[str, Path] = {}
        for name, folder in named:
            if ADAPTER_NAME.fullmatch(name) and is_adapter(folder) and name not in found:
                found[name] = folder.resolve()
        return found

    def adapter_path(self, name: str) -> Path:
        """The adapter folder called ``name`` (one of ``adapters()``: no request text becomes a path)."""
        found = self.adapters().get(name) if isinstance(name, str) else None
        if found is None:
            raise StudioError(f"{_shown(name)}: not a style adapter of this studio "
                              f"({', '.join(self.adapters()) or 'none yet: upload one as a zip'})", 404)
        return found

    def install_adapter(self, archive: Path, name: str) -> str:
        """The style adapter in zip ``archive`` (its two files, at any depth, and its model's vocabulary where it
        holds one; nothing else is read out of it) unpacked into FOLDER/adapters/NAME, NAME made from ``name`` and
        not yet taken; returns NAME."""
        import zipfile

        stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(name).stem).strip("_")[:50] or "adapter"
        try:
            with zipfile.ZipFile(archive) as zipped:
                members = {}
                for info in zipped.infolist():
                    base = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
                    if base in (*ADAPTER_FILES, VOCABULARY) and not info.is_dir():
                        if base in members:
                            raise StudioError(f"{name}: holds more than one {base}: zip one adapter folder", 415)
                        members[base] = info
                missing = [f for f in ADAPTER_FILES if f not in members]
                if missing:
                    raise StudioError(f"{name}: not a style adapter (no {' or '.join(missing)} in it)", 415)
                if sum(i.file_size for i in members.values()) > MAX_UPLOAD["adapter"]:
                    raise StudioError(f"{name}: its adapter is larger than {MAX_UPLOAD['adapter'] // MiB} MiB", 413)
                with self.locked():
                    taken = set(self.adapters())
                    chosen, n = stem, 2
                    while chosen in taken or (self.root / "adapters" / chosen).exists():
                        chosen, n = f"{stem}-{n}", n + 1
                    # a hidden sibling, filled and checked, then renamed: never half an adapter in the list
                    temporary = Path(tempfile.mkdtemp(prefix=f".{chosen}.", suffix=".part", dir=self.root / "adapters"))
                    temporary.chmod((self.root / "adapters").stat().st_mode & 0o777)  # not mkdtemp's owner-only
                    try:
                        for base, info in members.items():
                            with zipped.open(info) as source, open(temporary / base, "wb") as out:
                                out.write(source.read(MAX_UPLOAD["adapter"] + 1))
                        check_adapter(temporary, name)
                        os.replace(temporary, self.root / "adapters" / chosen)
                    finally:
                        shutil.rmtree(temporary, ignore_errors=True)
        except (zipfile.BadZipFile, OSError, RuntimeError) as error:  # RuntimeError: an encrypted member
            raise StudioError(f"{name}: not a zip file that can be read ({' '.join(str(error).split())[:120]})",
                              415) from None
        return chosen

    def dance_ids(self) -> list[str]:
        return sorted(p.name for p in self.dances.iterdir()
                      if DANCE_ID.fullmatch(p.name) and (p / "score.laban").is_file())

    # --- studio.json -------------------------------------------------------------------------------------------

    def read_state(self) -> dict:
        path = self.root / "studio.json"
        if not path.is_file():
            return {"asks": [], "next_dance": 1, "next_upload": 1}
        try:
            return _finite(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            raise StudioError(f"{path}: not valid JSON (fix or remove it)", 500) from None

    def write_state(self, state: dict) -> None:
        with self.locked(), atomic_path(self.root / "studio.json") as temporary:
            temporary.write_text(json.dumps(_finite(state), indent=1) + "\n", encoding="utf-8")

    def update_state(self, change) -> dict:
        """Read studio.json, apply ``change(state)`` (which edits it in place) and write it, under the lock."""
        with self.locked():
            state = self.read_state()
            change(state)
            self.write_state(state)
            return state

    # --- uploads -----------------------------------------------------------------------------------------------

    async def receive(self, kind: str, name: str, chunks) -> Path:
        """An upload of ``kind`` named ``name`` (its suffix says its type) streamed from ``chunks`` (async bytes)
        into uploads/, refused past ``MAX_UPLOAD[kind]``, then checked (``check_upload``); returns its path."""
        if kind not in KINDS:
            raise StudioError(f"an upload is one of {', '.join(KINDS)}, not {_shown(kind)}")
        suffix = Path(name or "").suffix.lower()
        if suffix not in KINDS[kind]:
            raise StudioError(f"{_shown(name)}: a {kind} file is one of {' '.join(KINDS[kind])}", 415)
        stem = upload_stem(Path(name).stem)
        state = self.update_state(lambda s: s.update(next_upload=int(s.get("next_upload", 1)) + 1))
        path = self.root / "uploads" / f"u{int(state['next_upload']) - 1:04d}-{stem}{suffix}"
        limit, size = MAX_UPLOAD[kind], 0
        try:
            with atomic_path(path) as temporary, open(temporary, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise StudioError(f"{name}: larger than the {limit // MiB} MiB a {kind} upload may be", 413)
                    out.write(chunk)
                out.close()
                if size == 0:
                    raise StudioError(f"{name}: an empty file")
                from starlette.concurrency import run_in_threadpool

                await run_in_threadpool(check_upload, kind, temporary, name)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path


def upload_stem(stem: str) -> str:
    """The name an upload is kept under (before its number and suffix), as near the person's as a safe file name
    can be: letters and digits of any script kept (``ワルツ.mid`` and ``Été.mid`` were both ``upload.mid``, and
    ``«été»`` was ``t``: two uploads told apart by their names no more), anything else one ``_``, and at most 60
    characters and 120 bytes (a file name's 255, with the number, the suffix and a temporary file's marks)."""
    import unicodedata

    stem = re.sub(r"[^\w-]+", "_", unicodedata.normalize("NFC", stem)).strip("_")[:60]
    while len(stem.encode("utf-8")) > 120:
        stem = stem[:-1]
    return stem or "upload"


def is_adapter(folder: Path) -> bool:
    return all((folder / name).is_file() for name in ADAPTER_FILES)


def offered(folder: Path) -> list[tuple[str, Path]]:
    """(name, adapter folder) of the style adapters a folder given to ``motiongpt studio --adapters`` holds: the
    folder itself when it is one; a training run (``motiongpt train --lora -o runs/salsa`` writes runs/salsa/adapter
    and runs/salsa/best) by the run's name, its shipped adapter alone; else each folder in it that is either. A run
    was offered as two styles named 'adapter' and 'best', and a folder of runs as none."""
    def one(path: Path) -> list[tuple[str, Path]]:
        if is_adapter(path):
            return [(path.parent.name if path.name == "adapter" else path.name, path)]
        return [(path.name, path / "adapter")] if is_adapter(path / "adapter") else []

    return one(folder) or [pair for sub in sorted(p for p in folder.iterdir() if p.is_dir()) for pair in one(sub)]


def check_adapter(folder: Path, name: str) -> None:
    """Refuse an adapter folder whose files are not a peft LoRA config and a safetensors file."""
    try:
        check_lora(folder, name)
    except CheckpointError as error:
        raise StudioError(str(error), 415) from None


def check_upload(kind: str, path: Path, name: str) -> None:
    """Refuse a file that is not what its suffix says (one line naming the file and what was expected)."""
    head = path.read_bytes()[:512]
    suffix = path.suffix.lower()
    if kind == "adapter":
        if not head.startswith(b"PK"):
            raise StudioError(f"{name}: not a zip file", 415)
        return
    if kind in ("capture", "rig"):
        from laban.bvh import read_bvh, read_skeleton, starts_as_bvh

        if not starts_as_bvh(head):
            raise StudioError(f"{name}: not a BVH file (it does not start with HIERARCHY)", 415)
        # a rig is its hierarchy (a rest pose exported with no frames is one, as ``generate --skeleton`` takes it)
        _read(lambda: read_skeleton(path) if kind == "rig" else read_bvh(path), path, name, "a BVH file")
    elif kind == "score":
        from laban.score import Score

        _read(lambda: Score.load(path), path, name, "a score")
    else:
        magic = {".mid": (b"MThd",), ".midi": (b"MThd",), ".mxl": (b"PK",), ".wav": (b"RIFF",),
                 ".flac": (b"fLaC",), ".ogg": (b"OggS",), ".mp3": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")}
        if suffix in magic and not head.startswith(magic[suffix]):
            raise StudioError(f"{name}: not music (the file is not a {suffix[1:].upper()} file)", 415)
        if suffix in (".xml", ".musicxml") and b"<score-" not in path.read_bytes()[:4096]:
            raise StudioError(f"{name}: not music (no MusicXML score in it)", 415)
        from motiongpt.conditioning.music import music_features

        _read(lambda: music_features(path), path, name, "music")


def part_joints(value, key: str = "map") -> dict[str, str]:
    """A map from a request, {body part: joint name} (the command line's ``--map PART=JOINT`` items, as a dance's
    prompt.json keeps them), its words trimmed as the command line trims them; what they name is checked by
    ``check_performer``."""
    if not (isinstance(value, dict) and len(value) <= 64 and all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= 100 and len(v) <= 200 for k, v in value.items())):
        raise StudioError(f'{key} names body parts\' joints, as {{"hand-left": "LWrist", ...}}, not {_shown(value)}')
    pairs = {k.strip(): v.strip() for k, v in value.items()}
    empty = next((k for k, v in pairs.items() if not k or not v), None)
    if empty is not None:
        raise StudioError(f"{key}: name a body part and its joint in each pair, not {_shown(empty)!r}")
    return pairs


def check_performer(path: Path, mapping: dict[str, str] | None, fps: float | None = None) -> None:
    """Refuse an uploaded BVH whose skeleton cannot perform a dance (a rig) or be notated (a capture): body parts
    that its joints' names do not say and ``mapping`` does not name, or a mapping that names them wrongly.
    Checked before any work, as ``motiongpt generate --skeleton`` checks its rig and ``--map``. The refusal
    carries what the page asks the person with (``details['rig']``): the parts a dance needs, those not found,
    the rig's joints and the joint the names suggest for each part found. A skeleton the decoder cannot move is
    refused in one line (``laban.figure.Rig``), as the command line refuses it."""
    from laban import read_bvh, read_skeleton, recognised
    from laban.bodyparts import named_parts
    from laban.errors import SkeletonError
    from laban.figure import Rig
    from laban.skeleton import REQUIRED_PARTS

    shown = path.name.split("-", 1)[-1]  # the name the person gave it
    # the skeleton alone is asked about: its hierarchy (a rig's frames may be none), or a capture read at the rate
    # given for it, its frames skipped (one a second), not parsed
    skeleton = read_skeleton(path) if fps is None else read_bvh(path, frame_rate=fps, max_fps=1.0).skeleton
    try:
        recognised(skeleton, mapping)
    except SkeletonError as error:
        guesses = {part.value: skeleton.names[j] for part, j in named_parts(skeleton).items()}
        missing = getattr(error, "missing", None)
        if missing:
            message = f"{shown}: cannot recognise {', '.join(missing)} among its joints: name the joint of each"
        else:  # helper joints taken for limbs: the reason, without the command line's --map example
            message = f"{shown}: {' '.join(getattr(error, 'reason', str(error)).split())}"
            missing = [p.value for p in REQUIRED_PARTS if p.value not in guesses]
        rig = {"upload": path.name, "name": shown, "parts": [p.value for p in REQUIRED_PARTS], "missing": missing,
               "joints": list(skeleton.names), "guesses": guesses}
        raise StudioError(message, details={"rig": rig}) from None
    try:  # whether the decoder can move it (position channels at or above the pelvis): no form, naming parts
        Rig.of(skeleton)  # would not help (found only after the dances were written, before this)
    except SkeletonError as error:
        raise StudioError(f"{shown}: {' '.join(str(error).split())}") from None


def _read(reader, path: Path, name: str, what: str) -> None:
    """``reader()``, whose failure is one line naming the upload as the person named it: a reader names the file it
    read, here the upload's temporary file in the studio's folder ("/.../uploads/.u0001-rest.2837....part.bvh:186:
    the file has zero frames"), said as its line ("line 186: the file has zero frames")."""
    import re

    try:
        reader()
    except StudioError:
        raise
    except Exception as error:  # whatever the reader says, the person hears one line
        said = re.sub(re.escape(str(path)) + r":(\d+):", r"line \1:", " ".join(str(error).split()))
        message = said.replace(f"{path}: ", "").replace(str(path), name)[:200]
        raise StudioError(f"{name}: not {what} that can be read ({message})", 415) from None


def inside(root: Path, path: Path) -> Path:
    """``path`` resolved, when it lies inside ``root`` (links followed); else refused."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise StudioError("that file is outside the studio's folder", 403)
    return resolved


def _shown(value) -> str:
    """A value from a request, safe and short in a message."""
    text = repr(value) if not isinstance(value, str) else value
    return re.sub(r"[^\x20-\x7e]", "?", text)[:60]


def _finite(data):
    """``data`` with every NaN or infinite number as None (null): an ask without words ranks its options with a
    words fit of NaN, which Python's json writes and reads but the page's answers may not hold (the studio's state
    could not be sent, and a reload never became ready)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_finite(value) for value in data]
    return data
