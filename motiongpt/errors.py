"""Errors of the model layer; they join ``laban``'s family so that the command line prints them on one line."""

from __future__ import annotations

from laban.errors import LabanError


class CheckpointError(LabanError):
    """A model file (safetensors) that is missing, damaged, or holds another model's weights."""
