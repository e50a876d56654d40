"""Where the app keeps its settings and logs, and the settings themselves (STYLE.md §7).

Every path is passed in: tests give a temp folder, ``AppPaths.default()`` asks platformdirs
(``KB_BROWSER_CONFIG_DIR`` / ``KB_BROWSER_LOG_DIR`` override it).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from kb.fs import replace_retrying

log = logging.getLogger(__name__)

APP_NAME = "kb-browser"
MAX_RECENT = 20
ZOOM_RANGE = (-4, 10)
RECENT_DAYS_DEFAULT, RECENT_DAYS_MAX = 14, 365


@dataclass(frozen=True)
class AppPaths:
    settings_file: Path
    log_dir: Path

    @classmethod
    def default(cls) -> AppPaths:
        import platformdirs

        config = os.environ.get("KB_BROWSER_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME)
        logs = os.environ.get("KB_BROWSER_LOG_DIR") or platformdirs.user_log_dir(APP_NAME)
        return cls(settings_file=Path(config) / "settings.ini", log_dir=Path(logs))

    @classmethod
    def under(cls, folder: Path) -> AppPaths:
        """Everything inside one folder (tests, portable use)."""
        return cls(settings_file=folder / "settings.ini", log_dir=folder / "logs")


class MemorySettings:
    """The part of QSettings that AppSettings uses, kept in memory for this session only: the
    settings file cannot be written (its folder cannot be created, a read-only home)."""

    def __init__(self, values: dict[str, Any] | None = None) -> None:
        self._values: dict[str, Any] = dict(values or {})

    def value(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def setValue(self, key: str, value: Any) -> None:  # QSettings' name
        self._values[key] = value

    def remove(self, key: str) -> None:
        """The key and every key under it, as QSettings.remove does with a group."""
        for name in [k for k in self._values if k == key or k.startswith(f"{key}/")]:
            del self._values[name]

    def sync(self) -> None:
        pass

    def status(self) -> QSettings.Status:
        return QSettings.Status.NoError


class AppSettings:
    """Typed access to the QSettings ini file: KB folder, zoom, geometry, history, favourites.

    When the file cannot be written the settings live in memory for the session; ``notice`` then
    says why (in Russian, for the window), else it is "".
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._qs, self.notice = open_store(path)
        self._sync_failed = False

    def sync(self) -> None:
        self._qs.sync()
        if self._qs.status() != QSettings.Status.NoError and not self._sync_failed:
            self._sync_failed = True  # said once: a failing disk is not a reason to flood the log
            log.warning("settings could not be saved to %s (%s)", self.path, self._qs.status())

    # ------------------------------------------------------------------ scalars
    def kb_dir(self) -> Path | None:
        value = self._qs.value("kb/dir", "")
        return Path(str(value)) if value else None

    def set_kb_dir(self, path: Path) -> None:
        self._qs.setValue("kb/dir", str(path))

    def zoom(self) -> int:
        return max(ZOOM_RANGE[0], min(ZOOM_RANGE[1], self._int("view/zoom", 0)))

    def set_zoom(self, steps: int) -> None:
        self._qs.setValue("view/zoom", int(steps))

    def recent_days(self) -> int:
        """Rules changed in the last this many days are marked in the results (0: not marked)."""
        return max(0, min(RECENT_DAYS_MAX, self._int("changes/recent_days", RECENT_DAYS_DEFAULT)))

    def set_recent_days(self, days: int) -> None:
        self._qs.setValue("changes/recent_days", max(0, min(RECENT_DAYS_MAX, int(days))))

    def blob(self, key: str) -> QByteArray | None:
        value = self._qs.value(f"window/{key}")
        return value if isinstance(value, QByteArray) else None

    def set_blob(self, key: str, value: QByteArray) -> None:
        self._qs.setValue(f"window/{key}", value)

    # ------------------------------------------------------------------ lists
    def recent_queries(self) -> list[str]:
        return self._list("history/queries")

    def add_recent_query(self, query: str) -> None:
        self._push("history/queries", query.strip())

    def recent_rules(self) -> list[str]:
        return self._list("history/rules")

    def add_recent_rule(self, rule_id: str) -> None:
        self._push("history/rules", rule_id)

    def clear_history(self) -> None:
        self._qs.remove("history")

    def favourites(self) -> list[str]:
        return self._list("favourites/rules")

    def set_favourites(self, rule_ids: list[str]) -> None:
        self._qs.setValue("favourites/rules", list(rule_ids))

    def toggle_favourite(self, rule_id: str) -> bool:
        """Pin or unpin a rule; True when it is pinned afterwards."""
        favs = self.favourites()
        pinned = rule_id not in favs
        self.set_favourites([*favs, rule_id] if pinned else [f for f in favs if f != rule_id])
        return pinned

    # ------------------------------------------------------------------ helpers
    @property
    def in_memory(self) -> bool:
        return isinstance(self._qs, MemorySettings)

    def _int(self, key: str, default: int) -> int:
        try:
            return int(self._qs.value(key, default))
        except (TypeError, ValueError):
            return default

    def _list(self, key: str) -> list[str]:
        value = self._qs.value(key, [])
        if isinstance(value, str):  # QSettings returns a single-item list as a string
            value = [value]
        return [str(v) for v in value or [] if str(v)]

    def _push(self, key: str, item: str) -> None:
        if not item:
            return
        items = [item, *(v for v in self._list(key) if v != item)][:MAX_RECENT]
        self._qs.setValue(key, items)


SettingsStore = QSettings | MemorySettings
NOT_SAVED = "Настройки не сохранятся после выхода"


def open_store(path: Path) -> tuple[SettingsStore, str]:
    """The ini file, or settings in memory and the reason when it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("settings kept in memory: cannot create %s: %s", path.parent, exc)
        reason = exc.strerror or str(exc)
        return MemorySettings(), f"{NOT_SAVED}: не удалось создать папку настроек {path.parent} ({reason})."
    problem = _unwritable(path)
    if problem:
        log.warning("settings kept in memory: %s", problem)
        return MemorySettings(_read_values(path)), f"{NOT_SAVED}: {problem}."
    if _strip_variants(path):  # could not be cleaned in place: read the clean lines only
        return MemorySettings(_read_values(path)), f"{NOT_SAVED}: файл настроек {path} нельзя исправить."
    return QSettings(str(path), QSettings.Format.IniFormat), ""


# Qt writes a value of a type without an ini form of its own as ``@Variant(<QDataStream bytes>)``;
# for a Python object PySide6 stores a pickle there and *unpickles it* when the value is read, so
# a crafted settings.ini could run code. The app itself never writes one (strings, ints, string
# lists, ``@ByteArray``), so such entries are dropped before Qt ever reads the file.
_VARIANT = b"@Variant("


def _logical_lines(data: bytes) -> list[bytes]:
    """The file's lines with Qt's backslash-newline continuations joined to their key line."""
    out: list[bytes] = []
    pending = b""
    for line in data.splitlines(keepends=True):
        pending += line
        if not line.rstrip(b"\r\n").endswith(b"\\"):
            out.append(pending)
            pending = b""
    return [*out, pending] if pending else out


def _clean_settings_bytes(data: bytes) -> bytes:
    """``data`` without the entries holding a serialised variant."""
    return b"".join(line for line in _logical_lines(data) if _VARIANT not in line)


def _strip_variants(path: Path) -> bool:
    """Drop serialised variants from the settings file; True when they are there and the file
    could not be rewritten (the caller then reads a cleaned copy into memory)."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if _VARIANT not in data:
        return False
    log.warning("settings file %s holds serialised objects; those entries are dropped unread", path)
    tmp = path.with_name(f".{path.name}.clean")
    try:
        tmp.write_bytes(_clean_settings_bytes(data))
        replace_retrying(tmp, path)
    except OSError as exc:
        log.warning("settings file %s could not be cleaned: %s", path, exc)
        tmp.unlink(missing_ok=True)
        return True
    return False


def _unwritable(path: Path) -> str:
    """Why the settings file cannot be written, or ""."""
    if path.exists() and not path.is_file():
        return f"{path} — не файл"
    if path.exists() and not os.access(path, os.W_OK):
        return f"файл настроек {path} доступен только для чтения"
    if not path.exists() and not os.access(path.parent, os.W_OK):
        return f"в папку настроек {path.parent} нельзя записывать"
    return ""


def _read_values(path: Path) -> dict[str, Any]:
    """What a read-only settings file holds, so the session starts from the agent's settings."""
    import tempfile

    try:
        data = _clean_settings_bytes(path.read_bytes()) if path.is_file() else b""
    except OSError:
        return {}
    if not data:
        return {}
    with tempfile.TemporaryDirectory(prefix="kb-browser-settings-") as folder:
        copy = Path(folder) / "settings.ini"
        copy.write_bytes(data)
        qs = QSettings(str(copy), QSettings.Format.IniFormat)
        values = {key: qs.value(key) for key in qs.allKeys()}
        del qs  # Qt may keep the file until the object goes
    return values
