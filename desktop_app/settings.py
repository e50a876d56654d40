"""Where the app keeps its settings and logs, and the settings themselves (STYLE.md §7).

Every path is passed in: tests give a temp folder, ``AppPaths.default()`` asks platformdirs
(``KB_BROWSER_CONFIG_DIR`` / ``KB_BROWSER_LOG_DIR`` override it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

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


class AppSettings:
    """Typed access to the QSettings ini file: KB folder, zoom, geometry, history, favourites."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._qs = QSettings(str(path), QSettings.Format.IniFormat)

    def sync(self) -> None:
        self._qs.sync()

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
