"""Co-creation: the loop where the machine proposes, a person picks and refines, and every choice is kept.

Every operation takes dances (``Dance``: a folder's score, prompt and lineage) and a loaded model
(``load_model``), and returns new ``Dance`` objects that record their lineage; ``Dance.save(out)`` writes one
folder atomically, ``save_variations(out, dances)`` a numbered set with its overview picture. The CLI
(``motiongpt generate --variations``, ``vary``, ``regenerate``, ``continue``, ``blend``, ``translate``,
``history``) is a thin layer over these functions, and a studio page can call them directly:

    >>> from motiongpt.cocreate import Dance, load_model, regenerate
    >>> loaded = load_model()                       # the built-in model (or a folder, a style adapter)
    >>> dance = Dance.load("my_dance")
    >>> edited = regenerate(dance, loaded, 5, 8, seed=1)
    >>> edited.save("my_dance-regenerate")

See docs/cocreate.md.
"""

from .blend import blend
from .dance import CocreateError, Dance, Lineage, atomic_folder, default_output
from .extend import continue_dance, from_capture
from .generate import dance_grid, generate
from .history import Node, find_dances, format_history, history
from .models import Loaded, load_for, load_model
from .quality import quality, rank
from .regenerate import regenerate
from .translate import translate
from .variations import overview, save_variations
from .vary import vary

__all__ = [
    "CocreateError", "Dance", "Lineage", "Loaded", "Node", "atomic_folder", "blend", "continue_dance",
    "dance_grid", "default_output", "find_dances", "format_history", "from_capture", "generate", "history",
    "load_for", "load_model", "overview", "quality", "rank", "regenerate", "save_variations", "translate", "vary",
]
