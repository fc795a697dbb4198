"""``motiongpt history``: the dances found under a folder, as the tree their lineages make (parents linked by
path, or by their score's digest when a folder was moved); a duet ``motiongpt duet`` wrote is shown under its lead,
as its follower (``duet.read_duet``)."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

from laban.errors import LabanError
from motiongpt.errors import missing_folder

from .dance import CocreateError, Dance


@dataclass
class Node:
    """One dance folder in the tree: its ``dance``, the folder ``path``, its ``children``."""

    dance: Dance
    path: Path
    children: list["Node"] = field(default_factory=list)
    parents: list["Node"] = field(default_factory=list)


def find_dances(root: str | Path, damaged: list[tuple[Path, str]] | None = None) -> list[Dance]:
    """Every dance folder under ``root`` (``root`` itself included), in path order, and every duet folder (one with
    duet.json and follow.laban: its follower, as a dance whose lineage is "duet" on its lead); a missing root is
    one line. A dance that is there and cannot be read (a lineage.json edited by hand into bad JSON) raises its
    one line, or, given ``damaged``, is added to it as (folder, why) and passed over: a listing of a hundred dances
    is not lost to one damaged file (``motiongpt history`` stopped at the first until 2026-12-07).

    Hidden folders are not entered: a dance being written is a hidden sibling of its folder until it is whole
    (``dance.atomic_folder``), and it may vanish while the tree is walked (two studio tabs at once, on a loaded
    machine: a walk that had entered one failed with "no such file"); so may a folder replaced as it is read,
    which is left out.
    """
    from .duet import read_duet

    root = Path(root)
    if not root.is_dir():
        raise CocreateError(missing_folder(root))
    folders = []
    for here, subfolders, files in os.walk(root):  # (a folder gone before it is listed is passed over)
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        if "score.laban" in files or {"duet.json", "follow.laban"} <= set(files):
            folders.append(Path(here))
    dances = []
    for folder in sorted(folders):
        try:
            dances.append(Dance.load(folder) if (folder / "score.laban").is_file() else read_duet(folder))
        except (OSError, LabanError) as error:
            if folder.is_dir() and any((folder / name).is_file() for name in ("score.laban", "duet.json")):
                if damaged is None:
                    raise  # a dance that is there and cannot be read says so
                damaged.append((folder, _why(error)))
    return dances


def _why(error: OSError | LabanError) -> str:
    """``error`` in one line, a file the system refused named as the command line names it."""
    if isinstance(error, OSError) and error.filename:
        return f"{error.filename}: {(error.strerror or str(error)).lower()}"
    return " ".join(str(error).split())


def history(root: str | Path, damaged: list[tuple[Path, str]] | None = None) -> list[Node]:
    """The roots of the tree of dances under ``root`` (a dance whose parents are not found is a root). Where
    ``root`` is one dance, the tree is that dance's: it and its descendants, found under it and beside it among
    the folders named after it, where its edits go by default (``my_dance-regenerate``, ``my_dance-vary-2``:
    ``dance.default_output``); before, ``history my_dance`` showed the dance alone. ``damaged``: as
    ``find_dances``'."""
    root = Path(root)
    dances = find_dances(root, damaged)
    one = (root / "score.laban").is_file()
    if one:
        for sibling in sorted(root.parent.glob(glob.escape(root.name) + "-*")):
            if sibling.is_dir():
                dances += find_dances(sibling, damaged)
    nodes = [Node(d, d.path.resolve()) for d in dances]
    by_path = {n.path: n for n in nodes}
    by_digest: dict[str, Node] = {}
    for node in nodes:
        by_digest.setdefault(node.dance.digest(), node)
    for node in nodes:
        for parent in node.dance.lineage.parents:
            found = None
            if parent.get("path"):
                found = by_path.get((node.path / parent["path"]).resolve())
            if found is None and parent.get("score"):
                found = by_digest.get(parent["score"])
            if found is not None and found is not node:
                found.children.append(node)
                node.parents.append(found)
    if one:
        return [n for n in nodes if n.path == root.resolve()]
    roots = [n for n in nodes if not n.parents]
    if nodes and not roots:  # every dance made from another: lineages that name one another in a circle
        raise CocreateError(f"{root}: the dances' lineages name one another in a circle (a lineage.json edited?): "
                            "no first dance to start the tree from")
    return roots


def format_history(root: str | Path, note=None, damaged: list[tuple[Path, str]] | None = None) -> str:
    """The tree as text, one dance a line: folder, operation, bars, words, seed (a dance with two parents, as a
    blend, is shown under its first and named under the second), and what ``note(node)`` says of it, if given;
    after it, a line for each dance that cannot be read, saying why (also added to ``damaged``, when given: the
    dances under it listed all the same). A folder with no dance under it is one line: the wrong folder, most
    likely, not an empty tree."""
    damaged = [] if damaged is None else damaged
    roots = history(root, damaged)
    if not roots and not damaged:
        raise CocreateError(f"{root}: no dances here (a dance is a folder with a score.laban, a duet one with "
                            "duet.json)")
    root = Path(root).resolve()
    if (root / "score.laban").is_file():  # one dance: it and the edits beside it, named from its folder's folder
        root = root.parent
    lines: list[str] = []
    shown: set[Path] = set()

    def named(path: Path) -> str:
        return (path.relative_to(root).as_posix() if path != root and root in path.parents else path.name) or "."

    def show(node: Node, depth: int, via: Node | None) -> None:
        lineage = node.dance.lineage
        name = named(node.path)
        what = lineage.operation
        if lineage.bars:
            what += f" bars {lineage.bars[0]}-{lineage.bars[1]}"
        if lineage.settings.get("strength") is not None:
            what += f" strength {lineage.settings['strength']:g}"
        if lineage.style:
            what += f" style {lineage.style}"
        if lineage.settings.get("stream"):
            what += " streamed"
        text = f' "{node.dance.text}"' if node.dance.text else ""
        line = f"{'  ' * depth}{name}  {what}{text} seed {lineage.seed}"
        if node.path in shown or (via is not None and node.parents and node.parents[0] is not via):
            lines.append(line + "  (see above)" if node.path in shown else line + "  (second parent)")
            return
        shown.add(node.path)
        lines.append(line + (f"  {note(node)}" if note else ""))
        for child in node.children:
            show(child, depth + 1, node)

    for node in roots:
        show(node, 0, None)
    lines += [f"{named(folder.resolve())}  cannot be read: {why}" for folder, why in damaged]
    return "\n".join(lines)


def made_again(node: Node, cache: dict) -> tuple[bool | None, str]:
    """Whether ``node``'s dance comes out the same when made again from its lineage (``replay.replay``): True
    (the same score, to the byte of score.json; a duet's, its follower's), False (another, or it could not be made
    again: what made it is gone or damaged), or None for a dance no operation made (a capture, a hand edit), with
    why. ``cache`` keeps the models loaded and the sets made again across the nodes of one tree. (A dance whose
    model or music had gone was None, as a capture is, and a replay of nothing but such dances said 0 of 0 and
    succeeded.)"""
    from .replay import NotMadeAgain, model_loader, replay

    try:
        again = replay(node.dance, [p.dance for p in node.parents], model_loader(node.dance, cache.setdefault(
            "models", {})), cache.setdefault("made", {}))
    except NotMadeAgain as error:
        return None, f"not made again: {' '.join(str(error).split())}"
    except LabanError as error:
        return False, f"could not be made again: {' '.join(str(error).split())}"
    if again.digest() == node.dance.digest():
        return True, "made again: the same"
    return False, "made again: ANOTHER SCORE (edited by hand since, or made by other code)"
