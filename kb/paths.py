"""Where the bundled knowledge base lives: a source checkout, ``pip install``, a frozen app.

The ``resources`` package is imported, not named in a string, so PyInstaller and other freezers
see that the program needs it (``files("resources")`` alone leaves it out of a frozen build).
"""

from __future__ import annotations

import sys
from pathlib import Path

import resources


def resources_dir() -> Path:
    """The folder of the ``resources`` package: beside its ``__init__`` in a checkout or an
    install; in a PyInstaller build, under the bundle's data folder (``sys._MEIPASS``: the
    ``_internal`` folder of a one-folder build, the unpacked temp folder of a one-file one)."""
    for folder in _candidates():
        if (folder / "kb").is_dir():
            return folder
    return _package_dir()


def _package_dir() -> Path:
    return Path(resources.__file__).resolve().parent


def _candidates() -> list[Path]:
    folders = [_package_dir()]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        folders.append(Path(bundle) / "resources")
    if getattr(sys, "frozen", False):
        exe_dir = Path(sys.executable).resolve().parent
        folders += [exe_dir / "_internal" / "resources", exe_dir / "resources"]
    return folders


def bundled_kb_dir() -> Path:
    """The knowledge base shipped with the program (``resources/kb``)."""
    return resources_dir() / "kb"


def bundled_source() -> Path:
    """The procedure text the bundled knowledge base was imported from."""
    return resources_dir() / "source" / "procedure.txt"
