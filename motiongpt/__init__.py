"""motiongpt — a language model that speaks Labanotation."""


def version() -> str:
    """The installed package's version (the checkout's pyproject.toml when run from source uninstalled); looked up
    only when asked for (importlib.metadata is not free)."""
    from importlib import metadata

    try:
        return metadata.version("motiongpt")
    except metadata.PackageNotFoundError:
        import re
        from pathlib import Path

        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        found = re.search(r'^version = "([^"]+)"', pyproject.read_text(), re.M) if pyproject.exists() else None
        return found.group(1) if found else "unknown"
