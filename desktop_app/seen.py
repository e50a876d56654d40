"""What this workstation has seen of a knowledge base, rule by rule: the «новое» / «изменено 01.12»
marks and the «Что изменилось» list (no Qt here).

Usage (the window)::

    seen = SeenStore.load(None, kb_dir)              # None: the user data folder
    current = kb.changes.snapshot(kb)                # after every (re)load of the KB
    changes = seen.changes(current, date.today())    # added / changed / removed since last read
    seen.status(rule_id)                             # "new" | "changed" | None, for results, contents
    seen.changed_on(rule_id)                         # date this seat first saw the rule's text
    seen.mark_all_read(current, date.today())        # «Отметить всё как прочитанное»
    seen.save()                                      # after changes() / mark_all_read()

State, per KB folder: the *read* baseline (each rule as it was when the agent last marked all as
read, with its text, so the old text can be shown beside the new), the hash of each rule as last
*observed* and the day this seat first saw it, and the day each removed rule was noticed gone
(listed for :data:`REMOVED_DAYS` days, then dropped). First start (no file): everything counts as
read, and no rule gets a date (an agent must not see 67 «новое» on day one).

One gzip-compressed JSON file per KB folder in the user data folder (``KB_BROWSER_DATA_DIR``
overrides it), written atomically (temporary file + ``kb.fs.replace_retrying``). A corrupt or
unreadable file is logged and the state starts afresh; a failed write is logged, never raised.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import tempfile
import zlib
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

from desktop_app.learning import APP_NAME, DATA_DIR_ENV
from kb.changes import ADDED, CHANGED, REMOVED, RuleChange, RuleState, merged_order, parse_date
from kb.fs import replace_retrying

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
REMOVED_DAYS = 30
FILE_PREFIX = "seen-"
FILE_SUFFIX = ".json.gz"
NEW, CHANGED_MARK = "new", "changed"
COMPRESS_LEVEL = 6


def default_data_dir() -> Path:
    """The app's data folder (``KB_BROWSER_DATA_DIR`` overrides it), as desktop_app/learning.py."""
    folder = os.environ.get(DATA_DIR_ENV)
    if not folder:
        import platformdirs

        folder = platformdirs.user_data_dir(APP_NAME)
    return Path(folder)


def kb_key(kb_dir: Path) -> str:
    """A short key for a KB folder: the same for ``\\\\srv\\KB`` and ``\\\\SRV\\kb\\`` on Windows."""
    norm = os.path.normcase(os.path.abspath(os.fspath(kb_dir)))
    return hashlib.sha1(norm.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def seen_path(data_dir: Path, kb_dir: Path) -> Path:
    return Path(data_dir) / f"{FILE_PREFIX}{kb_key(kb_dir)}{FILE_SUFFIX}"


class SeenStore:
    """The seen state of one KB folder on this workstation."""

    def __init__(self, path: Path, kb_dir: Path) -> None:
        self.path = Path(path)
        self.kb_dir = Path(kb_dir)
        self._read: dict[str, RuleState] | None = None  # None: nothing marked yet (first start)
        self._observed: dict[str, tuple[str, date | None]] = {}  # hash last seen, day first seen
        self._removed: dict[str, date] = {}  # rules of the read baseline noticed gone, and when
        self._dirty = False

    @classmethod
    def load(cls, data_dir: Path | None, kb_dir: Path) -> SeenStore:
        """The state kept for ``kb_dir`` (``data_dir`` None: the user data folder); empty when there
        is none yet or the file is corrupt (logged)."""
        store = cls(seen_path(data_dir or default_data_dir(), kb_dir), kb_dir)
        data = _read_file(store.path)
        if data is not None:
            try:
                store._restore(data)
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                log.warning("Seen state %s is corrupt, starting afresh: %s", store.path, exc)
                return cls(store.path, kb_dir)
        return store

    # ------------------------------------------------------------------ observing
    def observe(self, current: Mapping[str, RuleState], today: date) -> None:
        """Record what the KB holds now: a rule's first sighting with a new text gets ``today``;
        rules of the baseline gone from it get a removal date; removals older than
        :data:`REMOVED_DAYS` are forgotten."""
        if self._read is None:  # first start: everything counts as read, nothing gets a date
            self._read = dict(current)
            self._observed = {rid: (s.hash, None) for rid, s in current.items()}
            self._dirty = True
            return
        for rid, state in current.items():
            seen = self._observed.get(rid)
            if seen is None or seen[0] != state.hash:
                self._observed[rid] = (state.hash, today)
                self._dirty = True
            if self._removed.pop(rid, None) is not None:
                self._dirty = True
        for rid in [r for r in self._observed if r not in current]:
            del self._observed[rid]  # a rule added and removed before it was read: never shown
            self._dirty = True
        for rid in self._read:
            if rid not in current and rid not in self._removed:
                self._removed[rid] = today
                self._dirty = True
        self._forget_old_removals(today)

    def _forget_old_removals(self, today: date) -> None:
        limit = today - timedelta(days=REMOVED_DAYS)
        for rid, when in list(self._removed.items()):
            if when < limit:
                del self._removed[rid]
                self._read.pop(rid, None)  # type: ignore[union-attr]
                self._dirty = True

    def changes(self, current: Mapping[str, RuleState], today: date) -> list[RuleChange]:
        """Rules added or changed since the last mark-as-read, and rules removed in the last
        :data:`REMOVED_DAYS` days (with their old text), in KB order. Observes ``current`` first."""
        self.observe(current, today)
        assert self._read is not None
        out = []
        for rid in merged_order(self._read, current):
            old, new = self._read.get(rid), current.get(rid)
            if old is None:
                out.append(RuleChange(rid, ADDED, None, new))
            elif new is None:
                if rid in self._removed:
                    out.append(RuleChange(rid, REMOVED, old, None))
            elif old.hash != new.hash:
                out.append(RuleChange(rid, CHANGED, old, new))
        return out

    def status(self, rule_id: str) -> str | None:
        """ "new" (added since the last mark-as-read), "changed", or None; as of the last
        :meth:`observe` / :meth:`changes`."""
        seen = self._observed.get(rule_id)
        if seen is None or self._read is None:
            return None
        old = self._read.get(rule_id)
        if old is None:
            return NEW
        return CHANGED_MARK if old.hash != seen[0] else None

    def changed_on(self, rule_id: str) -> date | None:
        """The day this workstation first saw the rule's current text (None: since before the seen
        state began)."""
        seen = self._observed.get(rule_id)
        return seen[1] if seen else None

    def changed_dates(self) -> dict[str, date]:
        """Every rule with a :meth:`changed_on` date (for ``kb.changes.recent_changes``)."""
        return {rid: when for rid, (_, when) in self._observed.items() if when is not None}

    def removed_on(self, rule_id: str) -> date | None:
        return self._removed.get(rule_id)

    def mark_all_read(self, current: Mapping[str, RuleState], today: date) -> None:
        """The agent has read everything: ``current`` becomes the baseline. Removed rules stay listed
        until their :data:`REMOVED_DAYS` are over."""
        self.observe(current, today)
        assert self._read is not None
        old = self._read
        order = [r for r in merged_order(old, current) if r in current or r in self._removed]
        self._read = {rid: current[rid] if rid in current else old[rid] for rid in order}
        self._dirty = True

    # ------------------------------------------------------------------ storage
    def save(self) -> None:
        """Write the state if it changed since loaded or saved; failures are logged."""
        if not self._dirty or self._read is None:
            return
        payload = json.dumps(self._as_json(), ensure_ascii=False, separators=(",", ":"))
        data = gzip.compress(payload.encode("utf-8", "surrogatepass"), COMPRESS_LEVEL, mtime=0)
        if _write_atomically(self.path, data):
            self._dirty = False

    def _as_json(self) -> dict:
        assert self._read is not None
        places: dict[tuple[str, str, str], int] = {}
        rules = []
        for rid, s in self._read.items():
            place = places.setdefault((s.article_id, s.article_title, s.section_title), len(places))
            rules.append([rid, s.hash, place, s.number, s.text])
        observed = {  # only what the baseline does not say already: a new hash or a date
            rid: [None if rid in self._read and self._read[rid].hash == h else h, _iso(when)]
            for rid, (h, when) in self._observed.items()
            if when is not None or rid not in self._read or self._read[rid].hash != h
        }
        return {
            "format": FORMAT_VERSION,
            "kb": str(self.kb_dir),
            "places": [list(p) for p in places],
            "read": rules,
            "observed": observed,
            "removed": {rid: when.isoformat() for rid, when in self._removed.items()},
        }

    def _restore(self, data: dict) -> None:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unknown format {data.get('format')!r}")
        places = [(str(a), str(t), str(s)) for a, t, s in data["places"]]
        read: dict[str, RuleState] = {}
        for rid, h, place, number, text in data["read"]:
            article_id, article_title, section_title = places[place]
            read[str(rid)] = RuleState(
                str(rid), article_id, article_title, section_title, int(number), str(h), str(text)
            )
        observed = {rid: (s.hash, None) for rid, s in read.items()}
        for rid, (h, when) in data["observed"].items():
            observed[rid] = (str(h) if h is not None else read[rid].hash, parse_date(when))
        for rid in data["removed"]:
            observed.pop(rid, None)
        self._read, self._observed = read, observed
        self._removed = {str(rid): _required_date(w) for rid, w in data["removed"].items()}


def _iso(when: date | None) -> str | None:
    return when.isoformat() if when else None


def _required_date(value: object) -> date:
    when = parse_date(value)
    if when is None:
        raise ValueError(f"bad date {value!r}")
    return when


def _read_file(path: Path) -> dict | None:
    """The file's JSON, or None (logged unless simply missing)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("Seen state %s unreadable, starting afresh: %s", path, exc)
        return None
    try:
        data = json.loads(gzip.decompress(raw).decode("utf-8", "surrogatepass"))
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError) as exc:
        log.warning("Seen state %s is corrupt, starting afresh: %s", path, exc)
        return None
    if not isinstance(data, dict):
        log.warning("Seen state %s is corrupt, starting afresh: not an object", path)
        return None
    return data


def _write_atomically(path: Path, data: bytes) -> bool:
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".seen-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        replace_retrying(tmp, path)
        return True
    except OSError as exc:
        log.warning("Seen state %s: cannot write (%s)", path, exc)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        return False
