"""viz — what people look at: the Laban staff and the dancer."""

from .render import render, render_frames
from .staff import Staff, draw_staff, save_staff

__all__ = ["Staff", "draw_staff", "render", "render_frames", "save_staff"]
