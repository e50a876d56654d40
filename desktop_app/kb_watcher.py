"""Watches the knowledge-base folder and its files; one debounced ``changed`` per burst of edits."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

log = logging.getLogger(__name__)

DEBOUNCE_MS = 300


def watched_paths(root: Path) -> list[str]:
    """The folder, its sub-folders and its Markdown files (hidden ones skipped)."""
    if not root.is_dir():
        return []
    paths = [root]
    for p in root.rglob("*"):
        if any(part.startswith(".") for part in p.relative_to(root).parts):
            continue
        if p.is_dir() or p.suffix.lower() == ".md":
            paths.append(p)
    return [str(p) for p in paths]


class KbWatcher(QObject):
    changed = Signal()

    def __init__(self, root: Path, parent: QObject | None = None, debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self.root = root
        self._watcher = QFileSystemWatcher(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._fire)
        self._watcher.directoryChanged.connect(self._poke)
        self._watcher.fileChanged.connect(self._poke)
        self.rewatch()

    def rewatch(self) -> None:
        """Watch every current file again: editors that save by replacing drop the old watch."""
        wanted = set(watched_paths(self.root))
        current = set(self._watcher.files()) | set(self._watcher.directories())
        stale = sorted(current - wanted)
        if stale:
            self._watcher.removePaths(stale)
        missing = sorted(wanted - current)
        if missing:
            self._watcher.addPaths(missing)

    def stop(self) -> None:
        self._timer.stop()
        paths = self._watcher.files() + self._watcher.directories()
        if paths:
            self._watcher.removePaths(paths)

    def _poke(self, path: str) -> None:
        log.debug("kb change at %s", path)
        self._timer.start()

    def _fire(self) -> None:
        self.rewatch()
        self.changed.emit()
