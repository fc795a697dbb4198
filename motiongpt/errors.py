"""Errors of the model layer; they join ``laban``'s family so that the command line prints them on one line."""

from __future__ import annotations

from pathlib import Path

from laban.errors import LabanError


class CheckpointError(LabanError):
    """A model file (safetensors) that is missing, damaged, or holds another model's weights."""


class ModelMissing(CheckpointError):
    """A model the package ships (``what``, in folder ``path``) that this installation lacks: the command line says
    to give its ``--model``, the studio in the page's own words."""

    def __init__(self, path: str | Path, what: str):
        super().__init__(f"{path}: {what} is missing from this installation: reinstall the package, or give a model "
                         "folder (--model DIR)")
        self.path, self.what = Path(path), what


def missing_folder(path: str | Path) -> str:
    """The one line for a folder that was asked for and is not one: a file there, or nothing."""
    return f"{path}: a file, not a folder" if Path(path).exists() else f"{path}: no such folder"
