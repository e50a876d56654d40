"""Small decisions the main window makes once: first-start size, the KB path it shows, the memory."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize

from desktop_app.settings import AppSettings

log = logging.getLogger(__name__)

REMEMBER_KEY = "learning/remember"


def first_start_size(screen: QSize) -> QSize:
    """A first start: most of a small screen, a comfortable reading size on a large one."""
    width = min(screen.width(), max(1024, min(1560, int(screen.width() * 0.8))))
    height = min(screen.height(), max(700, min(980, int(screen.height() * 0.88))))
    return QSize(width, height)


def short_path(path: Path) -> str:
    """ "…/resources/kb": the last two parts of a folder's path (the full path is the tooltip)."""
    parts = path.parts
    return "…/" + "/".join(parts[-2:]) if len(parts) > 3 else str(path)


def remember_choices(settings: AppSettings) -> bool:
    """«Запоминать выбор по запросам» (on unless the agent turned it off)."""
    value = settings.blob(REMEMBER_KEY)
    return value is None or bytes(value.data()) != b"0"


def set_remember_choices(settings: AppSettings, on: bool) -> None:
    settings.set_blob(REMEMBER_KEY, QByteArray(b"1" if on else b"0"))


def query_memory(settings: AppSettings):
    """The query memory (desktop_app/learning.py) in the app's data folder, or None when it cannot open."""
    try:
        from desktop_app.learning import QueryMemory, default_memory_path

        return QueryMemory(default_memory_path(), enabled=remember_choices(settings))
    except Exception:  # a damaged memory must not keep the window from opening
        log.warning("query memory not available", exc_info=True)
        return None
