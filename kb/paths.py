"""Where the bundled knowledge base lives, in a source checkout and after ``pip install``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def bundled_kb_dir() -> Path:
    """The knowledge base shipped with the program (``resources/kb``)."""
    return Path(str(files("resources").joinpath("kb")))


def bundled_source() -> Path:
    """The procedure text the bundled knowledge base was imported from."""
    return Path(str(files("resources").joinpath("source", "procedure.txt")))
