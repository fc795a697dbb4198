"""Errors of the model layer; they join ``laban``'s family so that the command line prints them on one line."""

from __future__ import annotations

from pathlib import Path

from laban.errors import LabanError


class CheckpointError(LabanError):
    """A model file (safetensors) that is missing, damaged, or holds another model's weights."""


def missing_folder(path: str | Path) -> str:
    """The one line for a folder that was asked for and is not one: a file there, or nothing."""
    return f"{path}: a file, not a folder" if Path(path).exists() else f"{path}: no such folder"
