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


def read_removals(settings: AppSettings, kb_dir: Path) -> frozenset[str]:
    """Ids of the removed rules the agent has marked read in the «Что изменилось» view: the seen
    state (desktop_app/seen.py) lists removals for 30 days, read or not."""
    value = settings.blob(_removals_key(kb_dir))
    text = bytes(value.data()).decode("utf-8", "replace") if value is not None else ""
    return frozenset(line for line in text.splitlines() if line)


def set_read_removals(settings: AppSettings, kb_dir: Path, rule_ids: set[str] | frozenset[str]) -> None:
    settings.set_blob(_removals_key(kb_dir), QByteArray("\n".join(sorted(rule_ids)).encode("utf-8")))


def _removals_key(kb_dir: Path) -> str:
    from desktop_app.seen import kb_key

    return f"changes-read-removals-{kb_key(kb_dir)}"


def query_memory(settings: AppSettings):
    """The query memory (desktop_app/learning.py) in the app's data folder, or None when it cannot open."""
    try:
        from desktop_app.learning import QueryMemory, default_memory_path

        return QueryMemory(default_memory_path(), enabled=remember_choices(settings))
    except Exception:  # a damaged memory must not keep the window from opening
        log.warning("query memory not available", exc_info=True)
        return None
