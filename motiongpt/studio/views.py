"""What the page is sent: a dance as JSON (its score's text, where each beat lies on its staff, its bars, its
music), its motion as joint positions for the browser's dancer, the history tree, and the files to take away.

The dancer in the browser is drawn from world joint positions (``Motion.trajectories``) at ``FPS``, in
millimetres as integers (a 16-bar dance is a few hundred kilobytes), with the skeleton's parent indices for the
bones. Positions are read from the folder's dance.bvh (what ``Dance.save`` decoded), cached per file.
"""

from __future__ import annotations

import functools
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from .files import AUDIO, DANCE_ID, MEDIA_TYPES, Folder, StudioError, check_performer, inside

FPS = 30.0


def dance_view(folder: Folder, dance_id: str) -> dict:
    """Everything the page shows of one dance but its motion."""
    from laban.algebra import bar_start
    from laban.description import check

    from motiongpt.cocreate import Dance
    from motiongpt.data.paths import found_again

    path = folder.dance_path(dance_id)
    dance = Dance.load(path)
    score, lineage = dance.score, dance.lineage
    grid = score.grid
    staff = staff_geometry(path)
    low = 0 if grid.downbeat else 1
    last = grid.bar_and_beat(max(score.duration - 1e-9, 0.0))[0] if score.duration > 0 else 1
    bars = [{"bar": n, "beat": bar_start(grid, n)} for n in range(low, last + 1)]
    music = found_again(dance.prompt.get("music"), path)  # an upload where it is now (the folder moved, unzipped)
    asked = dance.phrases or ([(None, dance.text)] if dance.text else [])  # its words, phrase by phrase
    return {
        "id": dance_id, "title": score.title, "text": dance.text, "style": dance.style,
        "check": [row.as_dict() for row in check(score, asked)],
        "operation": lineage.operation, "bars_changed": list(lineage.bars) if lineage.bars else None,
        "seed": lineage.seed, "parents": parent_ids(folder, path, lineage),
        "score_text": (path / "score.laban").read_text(encoding="utf-8"),
        "grid": {"times": [round(float(t), 4) for t in grid.times], "meter": grid.beats_per_bar,
                 "downbeat": grid.downbeat, "tempo": round(float(grid.tempo), 2)},
        "bars": bars, "duration_beats": float(score.duration), "staff": staff,
        "music": _heard(dance, lambda: music_view(folder, music, until=float(grid.times[-1]))),
        "video": (folder.root / "exports" / f"{dance_id}.mp4").is_file(),
    }


def parent_ids(folder: Folder, path: Path, lineage) -> list[str]:
    """The parents a lineage names that are dances of this studio, by number."""
    ids = []
    for parent in lineage.parents:
        if not parent.get("path"):
            continue
        where = (path / parent["path"]).resolve()
        if where.parent == folder.dances.resolve() and DANCE_ID.fullmatch(where.name):
            ids.append(where.name)
    return ids


def _heard(dance, view):
    """``view()`` with the dance's music read as the dance read it (its repeats played, or as written: a dance made
    before they were, ``cocreate.dance.music_as_made``), so that the notes played beside it are its music's."""
    from motiongpt.cocreate.dance import music_as_made

    with music_as_made(dance.prompt):
        return view()


def music_view(folder: Folder, music: str | None, until: float | None = None) -> dict | None:
    """The dance's music as the page plays it: an uploaded recording is played; a score (MIDI, MusicXML, a
    corpus work) is played from its notes (``notes``: [start s, end s, MIDI pitch, loudness], those starting before
    ``until``) by the page's own small synthesiser, nothing fetched from anywhere."""
    if not music:
        return None
    path = Path(music)
    if music.startswith("corpus:"):
        return {"name": music, "audio": None, "notes": _notes(music, until)}
    try:
        inside(folder.root / "uploads", path)
    except StudioError:
        return {"name": path.name, "audio": None}
    audio = f"/api/uploads/{path.name}" if path.suffix.lower() in AUDIO else None
    return {"name": path.name.split("-", 1)[-1], "audio": audio, "notes": None if audio else _notes(path, until)}


def _notes(music: str | Path, until: float | None) -> list | None:
    from laban.errors import MusicError
    from motiongpt.conditioning import music_notes

    try:
        rows = music_notes(music, until)
    except MusicError:
        return None  # the page falls back to clicking the beats
    return [[round(float(a), 3), round(float(b), 3), int(p), round(float(v), 2)] for a, b, p, v in rows]


def staff_geometry(path: Path) -> dict:
    score = path / "score.laban"
    return _staff_geometry(str(score), score.stat().st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _staff_geometry(score_file: str, _mtime: int) -> dict:
    """Where beats lie on the staff.svg the folder holds: its size and each staff's beats [start, end), centre
    line x, the y of its first beat and a beat's height (y = base - (beat - start) * beat)."""
    from laban.score import Score
    from viz.staff import draw_staff

    staff = draw_staff(Score.load(score_file))
    staves = []
    for start, end in staff.staves:
        x, base = staff.locate(start)
        staves.append({"start": start, "end": end, "x": round(x, 2), "base": round(base, 2)})
    return {"width": staff.width, "height": staff.height, "beat": staff.beat_height, "staves": staves}


def motion_view(folder: Folder, dance_id: str) -> dict:
    """The dancer (or both dancers of a duet) as joint positions in millimetres at ``FPS``."""
    path = folder.dance_path(dance_id)
    duet = folder.root / "exports" / f"{dance_id}.duet.json"
    if duet.is_file():
        return json.loads(duet.read_text(encoding="utf-8"))
    bvh = path / "dance.bvh"
    return _positions(str(bvh), bvh.stat().st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _positions(bvh: str, _mtime: int) -> dict:
    from laban import read_bvh

    return {"dancers": [dancer(read_bvh(bvh))], "fps": FPS}


def dancer(motion) -> dict:
    traj = motion.trajectories(FPS)
    positions = np.rint(traj.positions * 1000).astype(int)
    return {"parents": [int(p) for p in traj.skeleton.parents], "names": list(traj.skeleton.names),
            "frames": positions.reshape(len(positions), -1).tolist()}


def save_duet(folder: Folder, dance_id: str, lead, follow) -> None:
    """The two dancers of a partner result, placed on one floor, for ``motion_view``."""
    from laban.files import atomic_path

    data = {"dancers": [dancer(lead), dancer(follow)], "fps": FPS}
    with atomic_path(folder.root / "exports" / f"{dance_id}.duet.json") as temporary:
        temporary.write_text(json.dumps(data), encoding="utf-8")


def duet_dancers(folder: Folder, dance_id: str, mapping: dict[str, str] | None = None) -> list | None:
    """The two dancers of a partner result as ``save_duet`` placed them on one floor (``Trajectories``, their
    skeletons' rest offsets read from the first frame; body parts named by ``mapping`` where given and its joints
    are the dancer's), for a video of the couple; None for a dance that is not a partner's."""
    file = folder.root / "exports" / f"{dance_id}.duet.json"
    if not file.is_file():
        return None
    from laban import recognised
    from laban.motion import Trajectories
    from laban.skeleton import Skeleton

    data = json.loads(file.read_text(encoding="utf-8"))
    dancers = []
    for one in data["dancers"]:
        parents = np.asarray(one["parents"], dtype=np.int64)
        positions = np.asarray(one["frames"], dtype=np.float64).reshape(len(one["frames"]), len(parents), 3) / 1000
        offsets = np.where((parents >= 0)[:, None], positions[0] - positions[0][np.maximum(parents, 0)], 0.0)
        skeleton = Skeleton(one["names"], parents, offsets)
        named = mapping if mapping and set(mapping.values()) <= set(one["names"]) else None
        dancers.append(Trajectories(recognised(skeleton, named), positions, float(data["fps"])))
    return dancers


def history_view(folder: Folder) -> dict:
    """The history: every dance with its parents and children (by number), the asks that made variations,
    ``grid``: a develop's grid of options shown since the last ask (``Studio._set_grid``), or None, and
    ``damaged``: each dance folder that cannot be read (a lineage.json edited by hand into bad JSON), by number,
    with why, the file named within its folder. One such folder failed the whole history, and the page with it."""
    from motiongpt.cocreate import history

    nodes, damaged = [], []

    def visit(node, seen):
        if node.path in seen:
            return
        seen.add(node.path)
        lineage = node.dance.lineage
        # ``words``: what this step was asked (a regenerate's new words; the dance's ``text`` joins them with the
        # rest), ``style``: the style it was made in (a translate's target), ``meter``: its beats a bar (a blend
        # joins two dances of one meter: the page offers those only)
        nodes.append({"id": node.path.name, "operation": lineage.operation,
                      "bars": list(lineage.bars) if lineage.bars else None, "text": node.dance.text,
                      "words": lineage.text, "style": lineage.style, "meter": node.dance.score.beats_per_bar,
                      "seed": lineage.seed, "parents": [p.path.name for p in node.parents],
                      "children": [c.path.name for c in node.children]})
        for child in node.children:
            visit(child, seen)

    seen: set = set()
    for root in history(folder.dances, damaged) if any(folder.dances.iterdir()) else []:
        visit(root, seen)
    nodes.sort(key=lambda n: n["id"])
    state = folder.read_state()
    unread = [{"id": path.name, "why": why.replace(f"{path}{os.sep}", "")} for path, why in sorted(damaged)]
    return {"dances": nodes, "asks": state.get("asks", []), "grid": state.get("grid"), "damaged": unread}


# --- downloads -----------------------------------------------------------------------------------------------


def download(folder: Folder, dance_id: str, kind: str, rig: str | None = None,
             mapping: dict[str, str] | None = None) -> tuple[bytes | Path, str, str]:
    """(content or file, media type, file name) of a dance's ``kind``: bvh (onto an uploaded rig when ``rig``
    names one, its body parts named by ``mapping`` where its joints' names do not say them), laban, json, svg,
    pdf, mp4."""
    path = folder.dance_path(dance_id)
    name = f"dance-{dance_id}"
    if mapping and not (kind == "bvh" and rig):
        raise StudioError("map names the joints of a rig: give rig too")
    if kind == "bvh" and rig:
        on = folder.upload_path(rig, ("rig", "capture"))
        return _on_rig(path, on, mapping), "text/plain", f"{name}-rig.bvh"
    files = {"bvh": ("dance.bvh", "text/plain"), "laban": ("score.laban", "text/plain; charset=utf-8"),
             "json": ("score.json", "application/json"), "svg": ("staff.svg", "image/svg+xml")}
    if kind in files:
        file, media = files[kind]
        return path / file, media, f"{name}.{file.rsplit('.', 1)[1]}"
    if kind == "pdf":
        from laban.score import Score
        from viz.pages import draw_pages, pdf

        score = Score.load(path / "score.laban")
        return pdf(draw_pages(score), score.title), "application/pdf", f"{name}.pdf"
    if kind == "mp4":
        video = folder.root / "exports" / f"{dance_id}.mp4"
        if not video.is_file():
            raise StudioError(f"dance {dance_id} has no video yet: render it first", 404)
        return video, "video/mp4", f"{name}.mp4"
    raise StudioError(f"{kind!r}: a dance downloads as bvh, laban, json, svg, pdf or mp4", 404)


def _on_rig(path: Path, rig: Path, mapping: dict[str, str] | None = None) -> bytes:
    """The dance decoded onto the uploaded rig's skeleton (the same score and seed), as ``motiongpt perform
    --skeleton --map`` decodes it."""
    import tempfile

    from laban import decode, read_bvh, recognised, write_bvh

    from motiongpt.cocreate import Dance

    check_performer(rig, mapping)  # a rig not recognised: the parts to name, not a failed download
    dance = Dance.load(path)
    try:
        skeleton = recognised(read_bvh(rig).skeleton, mapping)
        motion = decode(dance.score, skeleton, seed=dance.decode_seed)
    except Exception as error:
        raise StudioError(f"{rig.name}: this rig cannot perform the dance ({' '.join(str(error).split())[:160]})")
    with tempfile.TemporaryDirectory() as temporary:
        out = Path(temporary) / "dance.bvh"
        write_bvh(motion, out)
        return out.read_bytes()


# Files already compressed, stored in the history's zip as they are: deflating a video again gains nothing and
# took most of the zip's time.
STORED = {".mp4", ".gif", ".png", ".mp3", ".ogg", ".flac", ".zip", ".safetensors"}


def write_history_zip(folder: Folder, out: Path) -> None:
    """The whole studio folder (dances, uploads, exports, studio.json) as a zip written to ``out``, the dances'
    lineage intact. Written to a file, not held in memory: a session's folder of videos is hundreds of MB."""
    with folder.locked(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.root.rglob("*")):
            relative = file.relative_to(folder.root)
            if file.is_file() and not file.is_symlink() and not any(p.startswith(".") for p in relative.parts):
                stored = file.suffix.lower() in STORED
                archive.write(file, f"studio/{relative.as_posix()}",
                              zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)


def media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
