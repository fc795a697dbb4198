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

from laban.lazy import exports

# module (inside motiongpt.cocreate) -> the names it exports, imported on first use (PEP 562, as ``laban`` does):
# ``motiongpt history`` and anything that only reads a dance's folder never load torch and the model (the seven
# functions that share their module's name are imported with the package, ``laban.lazy.exports``: their modules
# load no torch; ``translate`` imports its logits processor when it translates)
EXPORTS: dict[str, tuple[str, ...]] = {
    "blend": ("blend",),
    "dance": ("CocreateError", "Dance", "Lineage", "atomic_folder", "default_output"),
    "extend": ("continue_dance", "from_capture"),
    "generate": ("dance_grid", "generate"),
    "history": ("Node", "find_dances", "format_history", "history"),
    "models": ("Loaded", "load_for", "load_model"),
    "quality": ("quality", "rank"),
    "regenerate": ("regenerate",),
    "translate": ("translate",),
    "variations": ("overview", "save_variations"),
    "vary": ("vary",),
}

__all__, __getattr__, __dir__ = exports(__name__, globals(), EXPORTS)
