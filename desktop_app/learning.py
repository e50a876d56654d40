"""What this agent's searches taught the app: query → chosen rule, kept locally, fed back into ranking.

Usage (the window): make one ``QueryMemory(default_memory_path(), enabled=<setting>)`` at start and
give it to the search session (``IndexSession.set_memory``), which hands ``memory.feedback()`` to
the index and refreshes it after every change. Call ``record(query, rule_id, "open")`` when the
agent opens a rule from the results of ``query`` and ``record(..., "copy")`` when they copy its
phrase or text; ``record_miss(query)`` for a final query that found nothing. The setting
«Запоминать выбранные правила» maps to ``memory.enabled`` (off: nothing is recorded and the
boost is off; what was stored stays until cleared), «Очистить историю» to ``memory.clear()``.
``kb-browser suggest`` (desktop_app/suggest.py) reads the same file for KB editors.

Privacy: every run of digits is masked to ``#`` before anything is stored (phone, account and
contract numbers, amounts), so no number typed in a query ever reaches the disk. The file is small
JSON (at most ``MAX_ENTRIES`` entries, the least recently used dropped first), written atomically
(temporary file + ``kb.fs.replace_retrying``); a corrupt file is logged and the memory starts
empty. No Qt here.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kb.fs import replace_retrying

if TYPE_CHECKING:
    from index.feedback import Feedback

log = logging.getLogger(__name__)

APP_NAME = "kb-browser"
DATA_DIR_ENV = "KB_BROWSER_DATA_DIR"
FILE_NAME = "query-memory.json"
FORMAT_VERSION = 1
MAX_ENTRIES = 5000
MAX_QUERY_CHARS = 200
OPEN, COPY, MISS = "open", "copy", "miss"
CHOICES = (OPEN, COPY)
_DIGITS_RE = re.compile(r"\d+")
_SPACE_RE = re.compile(r"\s+")


def default_data_dir() -> Path:
    """The app's data folder (``KB_BROWSER_DATA_DIR`` overrides it): the query memory, the seen state."""
    folder = os.environ.get(DATA_DIR_ENV)
    if not folder:
        import platformdirs

        folder = platformdirs.user_data_dir(APP_NAME)
    return Path(folder)


def default_memory_path() -> Path:
    """The memory file in the app's data folder."""
    return default_data_dir() / FILE_NAME


def mask(query: str) -> str:
    """The query as it may be stored: every run of digits → ``#``, whitespace collapsed, capped."""
    text = _DIGITS_RE.sub("#", query)
    return _SPACE_RE.sub(" ", text).strip()[:MAX_QUERY_CHARS]


@dataclass(frozen=True)
class Entry:
    """One remembered (query, rule, action), how often and how lately (``seq``: a running number,
    not a time)."""

    query: str
    rule_id: str  # "" for a miss
    action: str  # OPEN | COPY | MISS
    count: int
    seq: int


class QueryMemory:
    """The remembered queries of this user; thread-safe, every change written to ``path`` at once."""

    def __init__(self, path: Path, enabled: bool = True) -> None:
        self.path = Path(path)
        self._enabled = enabled
        self._lock = threading.Lock()
        self._read: dict[tuple[str, str, str], Entry] | None = None  # the file, read on first use
        self._seq = 0
        self._feedback: Feedback | None = None
        self._listeners: list[Callable[[], None]] = []

    # ------------------------------------------------------------------ settings
    @property
    def enabled(self) -> bool:
        return self._enabled

    @enabled.setter
    def enabled(self, value: bool) -> None:
        self._enabled = bool(value)
        self._changed()

    def add_listener(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after every change (a record, clear, switching on or off)."""
        self._listeners.append(callback)

    # ------------------------------------------------------------------ recording
    def record(self, query: str, rule_id: str, action: str = OPEN) -> bool:
        """Remember that the agent chose ``rule_id`` after ``query``; False when nothing was stored
        (off, an empty query, no rule, an unknown action)."""
        if action not in CHOICES or not rule_id:
            return False
        return self._add(query, rule_id, action)

    def record_miss(self, query: str) -> bool:
        """Remember a final query that found nothing (for ``kb-browser suggest``)."""
        return self._add(query, "", MISS)

    def clear(self) -> None:
        """Forget everything and delete the file."""
        with self._lock:
            self._read = {}
            self._seq = 0
            self._feedback = None
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("Query memory %s: cannot delete (%s)", self.path, exc)
        self._changed()

    def _add(self, query: str, rule_id: str, action: str) -> bool:
        text = mask(query if isinstance(query, str) else "")
        if not self._enabled or not text:
            return False
        with self._lock:
            entries = self._entries  # read first: it sets the running number
            self._seq += 1
            key = (text, rule_id, action)
            old = entries.pop(key, None)
            entries[key] = Entry(text, rule_id, action, (old.count if old else 0) + 1, self._seq)
            self._count(text, rule_id, action, 1)
            while len(entries) > MAX_ENTRIES:
                oldest = entries.pop(min(entries, key=lambda k: entries[k].seq))
                self._count(oldest.query, oldest.rule_id, oldest.action, -oldest.count)
            self._write()
        self._changed()
        return True

    # ------------------------------------------------------------------ reading
    def entries(self) -> list[Entry]:
        """Everything remembered, most recent first."""
        with self._lock:
            return sorted(self._entries.values(), key=lambda e: -e.seq)

    def feedback(self) -> Feedback:
        """The choices as ranking feedback (empty while switched off); built once per change."""
        from index.feedback import Choice, Feedback  # the search index's modules: not at app start

        if not self._enabled:
            return Feedback()
        with self._lock:
            if self._feedback is None:
                choices = [
                    Choice(e.query, e.rule_id, e.count) for e in self._entries.values() if e.action in CHOICES
                ]
                self._feedback = Feedback(choices)
            return self._feedback

    # ------------------------------------------------------------------ internals
    @property
    def _entries(self) -> dict[tuple[str, str, str], Entry]:
        """The entries, read from the file on first use (so making the memory at start costs
        nothing); caller holds the lock."""
        if self._read is None:
            self._read = {_key(e): e for e in _read(self.path)}
            self._seq = max((e.seq for e in self._read.values()), default=0)
        return self._read

    def _count(self, query: str, rule_id: str, action: str, delta: int) -> None:
        """Bring the feedback built already up to date with one change (caller holds the lock)."""
        if self._feedback is not None and action in CHOICES:
            self._feedback = self._feedback.changed(query, rule_id, delta)

    def _changed(self) -> None:
        for callback in list(self._listeners):
            try:
                callback()
            except Exception:  # a listener's failure must not lose the record
                log.exception("Query memory listener failed")

    def _write(self) -> None:
        """The whole memory to ``path``, atomically (caller holds the lock); failures are logged."""
        data = {"version": FORMAT_VERSION, "entries": [_as_json(e) for e in self._entries.values()]}
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        tmp = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".query-memory-", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)  # no fsync: it stalls the window on slow disks; a file lost to a power
            replace_retrying(tmp, self.path)  # cut reads as corrupt, and the memory starts empty
        except OSError as exc:
            log.warning("Query memory %s: cannot write (%s)", self.path, exc)
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)


def _as_json(entry: Entry) -> dict:
    return {"query": entry.query, "rule_id": entry.rule_id, "action": entry.action, "count": entry.count,
            "seq": entry.seq}  # fmt: skip


def _key(entry: Entry) -> tuple[str, str, str]:
    return (entry.query, entry.rule_id, entry.action)


def _read(path: Path) -> list[Entry]:
    """The entries in the file; none (with a warning) when it is missing, unreadable or corrupt."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("Query memory %s unreadable, starting empty: %s", path, exc)
        return []
    try:
        data = json.loads(text)
        entries = [_entry(item) for item in data["entries"]]
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("Query memory %s is corrupt, starting empty: %s", path, exc)
        return []
    return sorted(entries, key=lambda e: e.seq)[-MAX_ENTRIES:]


def _entry(item: dict) -> Entry:
    entry = Entry(
        query=mask(str(item["query"])),  # masked again: a file edited by hand keeps no digits either
        rule_id=str(item.get("rule_id", "")),
        action=str(item["action"]),
        count=int(item.get("count", 1)),
        seq=int(item.get("seq", 0)),
    )
    if entry.action not in (*CHOICES, MISS) or entry.count < 1 or not entry.query:
        raise ValueError(f"bad entry {item!r}")
    return entry
