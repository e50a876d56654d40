"""Watches the knowledge-base folder; one ``changed`` per burst of edits, also on a network drive.

Change notices (QFileSystemWatcher) say that something happened; every walk of the folder runs
off the GUI thread (on a share each directory listed is a round trip to the server). Network
shares often lose notices or never send them, so a folder that looks remote (UNC ``\\\\server\\…``,
a mapped network drive, an NFS/SMB mount) is also polled: its Markdown files' mtimes and sizes are
compared every ``NETWORK_POLL_MS``. Polling also starts when notices cannot be registered, and the
interval is configurable (``deployment.Deployment.poll_seconds``; 0 switches it off).

A folder that cannot be reached (share gone, VPN down) emits ``unreachable`` instead of
``changed``, so the index keeps what it last read rather than being emptied; once it is back,
``reachable`` then ``changed``.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from desktop_app.worker import BackgroundRunner

log = logging.getLogger(__name__)

DEBOUNCE_MS = 300
NETWORK_POLL_MS = 15_000  # a walk of a few hundred files on a share every 15 s costs the server little
FALLBACK_POLL_MS = 30_000  # a local folder whose notices could not be registered
UNREACHABLE_POLL_MS = 30_000  # how often a folder that went away is looked for again
FOLDER = (-1, -1)

Snapshot = dict[str, tuple[int, int]]  # path -> (mtime_ns, size) of each Markdown file; FOLDER for folders
REMOTE_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "afs", "9p", "ncpfs", "glusterfs", "ceph", "lustre"}
    | {"fuse.sshfs", "sshfs", "davfs", "fuse.davfs2", "fuse.rclone", "fuse.s3fs", "fuse.glusterfs"}
)
DRIVE_REMOTE = 4  # GetDriveTypeW


# ----------------------------------------------------------------------------- the walk (any thread)
def scan(root: Path) -> Snapshot | None:
    """Folders and Markdown files under ``root`` as the loader sees them (hidden ones and symlinked
    folders skipped); None when ``root`` cannot be read. One directory listing per folder: on
    Windows ``DirEntry.stat()`` comes with the listing, no round trip per file."""
    snapshot: Snapshot = {}
    try:
        entries = list(os.scandir(root))
        _scan_entries(entries, snapshot)
        os.stat(root)  # still there after the walk: a share that died half-way is not a half KB
    except OSError as exc:
        log.info("knowledge-base folder %s cannot be read: %s", root, exc)
        return None
    snapshot[str(root)] = FOLDER
    return snapshot


def _scan_entries(entries: list[os.DirEntry], out: Snapshot) -> None:
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                sub = list(os.scandir(entry.path))
                out[entry.path] = FOLDER
                _scan_entries(sub, out)
            elif entry.name.endswith(".md") and entry.is_file():
                st = entry.stat()
                out[entry.path] = (st.st_mtime_ns, st.st_size)
        except OSError:
            continue  # removed while we walked, or not ours to read: the loader skips it too


def watched_paths(snapshot: Snapshot, files: bool = True) -> list[str]:
    """What QFileSystemWatcher should watch: every folder, and the files unless ``files`` is False."""
    return sorted(p for p, sig in snapshot.items() if files or sig == FOLDER)


# ----------------------------------------------------------------------------- network drives
def is_network_path(
    path: Path | str,
    *,
    windows: bool | None = None,
    drive_type: Callable[[str], int] | None = None,
    mounts: str | None = None,
) -> bool:
    """Does ``path`` look like it lives on a network drive? UNC paths, Windows drives whose type is
    DRIVE_REMOTE, POSIX mounts of a network filesystem (``mounts``: /proc/mounts' text)."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return True
    windows = sys.platform == "win32" if windows is None else windows
    if windows:
        return len(text) > 1 and text[1] == ":" and (drive_type or _drive_type)(text[0]) == DRIVE_REMOTE
    return _mount_type(text, mounts) in REMOTE_FILESYSTEMS


def _drive_type(letter: str) -> int:
    import ctypes

    return int(ctypes.windll.kernel32.GetDriveTypeW(f"{letter}:\\"))  # type: ignore[attr-defined]


def _mount_type(path: str, mounts: str | None) -> str:
    """The filesystem type of the longest mount point above ``path`` ('' when unknown)."""
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
    absolute = os.path.abspath(path)
    best, kind = "", ""
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = absolute == point or absolute.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, kind = point, fields[2]
    return kind


def default_poll_ms(root: Path, configured_seconds: float | None = None) -> int:
    """The configured interval, else NETWORK_POLL_MS for a folder on a network drive, else 0 (off)."""
    if configured_seconds is not None:
        return int(configured_seconds * 1000)
    return NETWORK_POLL_MS if is_network_path(root) else 0


def configured_poll_seconds() -> float | None:
    from desktop_app.deployment import Deployment

    return Deployment.current().poll_seconds()


# ----------------------------------------------------------------------------- the watcher
class KbWatcher(QObject):
    changed = Signal()
    unreachable = Signal()
    reachable = Signal()

    def __init__(
        self,
        root: Path,
        parent: QObject | None = None,
        debounce_ms: int = DEBOUNCE_MS,
        poll_ms: int | None = None,
        notices: bool = True,
    ) -> None:
        super().__init__(parent)
        self.root = root
        self.network = is_network_path(root)
        self.poll_ms = default_poll_ms(root, configured_poll_seconds()) if poll_ms is None else poll_ms
        self._watcher: QFileSystemWatcher | None = None
        if notices:
            self._watcher = QFileSystemWatcher(self)
            self._watcher.directoryChanged.connect(self._poke)
            self._watcher.fileChanged.connect(self._poke)
        self._runner = BackgroundRunner(threads=1, parent=self)
        self._snapshot: Snapshot | None = None
        self._reachable: bool | None = None  # unknown until the first walk
        self._scanning = False
        self._again: str | None = None  # a walk asked for while one was running
        self._stopped = False
        self.scans = 0  # walks finished (tests, the log)
        self._debounce = _timer(self, debounce_ms, single=True, slot=lambda: self.check("notice"))
        self._poll = _timer(self, self.poll_ms, single=False, slot=lambda: self.check("poll"))
        self._set_polling(self.poll_ms)
        self._watch_root_now()
        self.check("initial")

    def is_reachable(self) -> bool | None:
        """True/False after the first walk, None before it."""
        return self._reachable

    def check(self, reason: str = "notice") -> None:
        """Walk the folder in the background; ``notice`` reports ``changed`` when it is readable,
        ``poll`` only when a file's mtime or size differ from the last walk."""
        if self._stopped:
            return
        if self._scanning:
            self._again = "notice" if "notice" in (reason, self._again) else reason
            return
        self._scanning = True
        root = self.root
        self._runner.submit(
            lambda: scan(root),
            on_done=lambda snapshot: self._on_scanned(reason, snapshot),
            on_error=lambda exc: self._on_scanned(reason, None),
        )

    def stop(self) -> None:
        """No more walks or signals; a walk in flight finishes in the background."""
        self._stopped = True
        self._debounce.stop()
        self._poll.stop()
        if self._watcher is not None:
            paths = self._watcher.files() + self._watcher.directories()
            if paths:
                self._watcher.removePaths(paths)

    # ------------------------------------------------------------------ internals
    def _watch_root_now(self) -> None:
        """A local folder is watched before the first walk ends: a file added meanwhile is seen.
        (On a network drive even this one watch could block the GUI thread; polling covers it.)"""
        if self._watcher is not None and not self.network and self.root.is_dir():
            self._watcher.addPath(str(self.root))

    def _poke(self, path: str) -> None:
        log.debug("kb change at %s", path)
        self._debounce.start()

    def _on_scanned(self, reason: str, snapshot: Snapshot | None) -> None:
        self._scanning = False
        if self._stopped:
            return
        self.scans += 1
        if snapshot is None:
            self._went_away()
        else:
            self._found(reason, snapshot)
        again, self._again = self._again, None
        if again:
            self.check(again)

    def _went_away(self) -> None:
        was = self._reachable
        self._reachable = False
        self._set_polling(min(self.poll_ms or UNREACHABLE_POLL_MS, UNREACHABLE_POLL_MS))
        if was is not False:
            log.warning("knowledge-base folder unreachable: %s", self.root)
            self.unreachable.emit()

    def _found(self, reason: str, snapshot: Snapshot) -> None:
        was, previous = self._reachable, self._snapshot
        self._reachable, self._snapshot = True, snapshot
        self._update_watches(snapshot)
        if was is False:
            log.info("knowledge-base folder reachable again: %s", self.root)
            self._set_polling(self.poll_ms)
            self.reachable.emit()
            self.changed.emit()
        elif reason == "notice" or (reason == "poll" and previous is not None and snapshot != previous):
            self.changed.emit()

    def _update_watches(self, snapshot: Snapshot) -> None:
        """Watch every current folder (and file, on a local disk) again: editors that save by
        replacing a file drop its old watch. On a network drive only folders are watched (each
        watch costs a round trip on the GUI thread); polling sees edits in place there."""
        if self._watcher is None:
            return
        wanted = set(watched_paths(snapshot, files=not self.network))
        current = set(self._watcher.files()) | set(self._watcher.directories())
        stale = sorted(current - wanted)
        if stale:
            self._watcher.removePaths(stale)
        missing = sorted(wanted - current)
        failed = self._watcher.addPaths(missing) if missing else []
        if failed and not self.poll_ms:
            log.warning("%d change notices unavailable under %s: polling instead", len(failed), self.root)
            self.poll_ms = FALLBACK_POLL_MS
            self._set_polling(self.poll_ms)

    def _set_polling(self, interval_ms: int) -> None:
        if interval_ms > 0:
            self._poll.start(interval_ms)
        else:
            self._poll.stop()


def _timer(parent: QObject, interval_ms: int, single: bool, slot: Callable[[], None]) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(single)
    timer.setInterval(max(0, interval_ms))
    timer.timeout.connect(slot)
    return timer
