"""What this workstation has seen of a knowledge base, rule by rule: the «новое» / «изменено 01.12»
marks and the «Что изменилось» list (no Qt here).

Usage (the window)::

    seen = SeenStore.load(None, kb_dir)              # None: the user data folder
    current = kb.changes.snapshot(kb)                # after every (re)load of the KB
    changes = seen.changes(current, date.today())    # added / changed / removed since last read
    seen.status(rule_id)                             # "new" | "changed" | None, for results, contents
    seen.changed_on(rule_id)                         # date this seat first saw the rule's text
    seen.unread(rule_id)                             # a change not yet marked read (removals too)
    seen.mark_all_read(current, date.today())        # «Отметить всё как прочитанное»
    seen.save()                                      # after changes() / mark_all_read()

State, per KB folder: the *read* baseline (each rule's hash and place when the agent last marked
all as read), the hash of each rule as last *observed* and the day this seat first saw it, and the
day each removed rule was noticed gone (listed for :data:`REMOVED_DAYS` days, then dropped). First
start (no file): everything counts as read and no rule gets a date (an agent must not see 67
«новое» on day one).

Two files per KB folder in the user data folder (``KB_BROWSER_DATA_DIR`` overrides it):

- ``seen-<key>.json.gz``: the state above (no texts), small, rewritten atomically (temporary file +
  ``kb.fs.replace_retrying``) whenever it changed;
- ``seen-<key>.texts.gz``: the text of every rule as read, keyed by its hash, so the changes view can
  show the old text beside the new. Append-only (one gzip member of ``{hash: text}`` per save that
  read something new), rewritten only when most of it is stale; read only when a change needs an
  old text.

A corrupt or unreadable state file is logged and the state starts afresh; a damaged texts file
loses old texts (shown empty) from the damage on, never the state; a failed write is logged, never
raised. Measured at 100k rules: benchmarks/bench_seen.py.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import tempfile
import zlib
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path

from desktop_app.learning import default_data_dir
from kb.changes import ADDED, CHANGED, REMOVED, RuleChange, RuleState, merged_order, parse_date
from kb.fs import replace_retrying

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
REMOVED_DAYS = 30
FILE_PREFIX = "seen-"
STATE_SUFFIX = ".json.gz"
TEXTS_SUFFIX = ".texts.gz"
NEW, CHANGED_MARK = "new", "changed"
STATE_LEVEL = 6  # the small state file
TEXTS_LEVEL = 1  # 100k rules of text: level 1 writes 3-7x faster than 6 for a 35% larger file
Place = tuple[str, str, str]  # (article_id, article_title, section_title)


def kb_key(kb_dir: Path) -> str:
    """A short key for a KB folder: the same for ``\\\\srv\\KB`` and ``\\\\SRV\\kb\\`` on Windows."""
    norm = os.path.normcase(os.path.abspath(os.fspath(kb_dir)))
    return hashlib.sha1(norm.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def seen_path(data_dir: Path, kb_dir: Path) -> Path:
    """The state file of ``kb_dir``; its texts file is :func:`texts_path`."""
    return Path(data_dir) / f"{FILE_PREFIX}{kb_key(kb_dir)}{STATE_SUFFIX}"


def texts_path(state_path: Path) -> Path:
    return state_path.with_name(state_path.name.removesuffix(STATE_SUFFIX) + TEXTS_SUFFIX)


Read = tuple[str, int, int]  # a rule of the read baseline: (hash, place index, number); text apart


class SeenStore:
    """The seen state of one KB folder on this workstation (use from one thread at a time)."""

    def __init__(self, path: Path, kb_dir: Path) -> None:
        self.path = Path(path)
        self.kb_dir = Path(kb_dir)
        self._read: dict[str, Read] | None = None  # None: nothing marked yet (first start)
        self._places: list[Place] = []
        self._place_ids: dict[Place, int] = {}
        # Where what was last observed differs from the baseline, or has a date: (hash, day first
        # seen). A rule of the baseline without an entry was last seen as read, since before any date.
        self._observed: dict[str, tuple[str, date | None]] = {}
        self._removed: dict[str, date] = {}  # rules of the read baseline noticed gone, and when
        self._removals_read: set[str] = set()  # removals listed when the agent last marked all read
        self._texts: dict[str, str] | None = None  # the texts file, read on first need
        self._stored: set[str] = set()  # hashes the texts file holds (as far as this state knows)
        self._stored_count = 0  # entries appended to the texts file since it was last rewritten
        self._pending: dict[str, str] = {}  # texts to append on save
        self._rewrite_texts = True  # no state read: a texts file left from before is not ours
        self._dirty = False

    @classmethod
    def load(cls, data_dir: Path | None, kb_dir: Path) -> SeenStore:
        """The state kept for ``kb_dir`` (``data_dir`` None: the user data folder); empty when there
        is none yet or the file is corrupt (logged)."""
        store = cls(seen_path(data_dir or default_data_dir(), kb_dir), kb_dir)
        data = _read_state(store.path)
        if data is not None:
            try:
                store._restore(data)
            except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
                log.warning("Seen state %s is corrupt, starting afresh: %s", store.path, exc)
                return cls(store.path, kb_dir)
        return store

    # ------------------------------------------------------------------ observing
    def observe(self, current: Mapping[str, RuleState], today: date) -> None:
        """Record what the KB holds now: a rule's first sighting with a new text gets ``today``;
        rules of the baseline gone from it get a removal date; removals older than
        :data:`REMOVED_DAYS` are forgotten. An empty ``current`` (the KB folder out of reach) is
        not observed: neither a first baseline nor a removal of everything."""
        self._observe(current, today)

    def _observe(
        self, current: Mapping[str, RuleState], today: date
    ) -> tuple[dict[str, str], dict[str, str]]:
        """:meth:`observe`; returns the hashes of ``current`` and of the read baseline."""
        if not current:  # a folder out of reach (drive not mapped yet), not a KB emptied: not seen
            return {}, {}
        if self._read is None:  # first start: everything counts as read, nothing gets a date
            self._adopt(current, {}, list(current))
        read, observed, removed = self._read, self._observed, self._removed
        assert read is not None
        now = _hashes(current)
        read_hashes = {rid: r[0] for rid, r in read.items()}
        last = {**read_hashes, **{rid: seen[0] for rid, seen in observed.items()}}
        news = now.items() - last.items()  # set operations: 100k rules compare in C
        observed.update((rid, (digest, today)) for rid, digest in news)
        back = removed.keys() & now.keys()
        gone = observed.keys() - now.keys()  # a removed rule shows its read text, an unread one nothing
        fresh_removals = read.keys() - now.keys() - removed.keys()
        for rid in back:
            del removed[rid]
            self._removals_read.discard(rid)
        for rid in gone:
            del observed[rid]
        removed.update((rid, today) for rid in fresh_removals)
        self._dirty |= bool(news or back or gone or fresh_removals)
        for rid in self._forget_old_removals(today):
            read_hashes.pop(rid, None)
        return now, read_hashes

    def _forget_old_removals(self, today: date) -> list[str]:
        limit = today - timedelta(days=REMOVED_DAYS)
        old = [rid for rid, when in self._removed.items() if when < limit]
        for rid in old:
            del self._removed[rid]
            self._removals_read.discard(rid)
            self._read.pop(rid, None)  # type: ignore[union-attr]
            self._dirty = True
        return old

    def changes(self, current: Mapping[str, RuleState], today: date) -> list[RuleChange]:
        """Rules added or changed since the last mark-as-read, and rules removed in the last
        :data:`REMOVED_DAYS` days (with their old text), in KB order. Observes ``current`` first."""
        now, read_hashes = self._observe(current, today)
        read = self._read
        if read is None or not current:
            return []
        differ = {rid for rid, _ in now.items() - read_hashes.items()}
        if not differ and not self._removed:
            return []
        out = []
        for rid in merged_order(read, current) if self._removed else current:
            if rid not in differ and rid not in self._removed:
                continue
            old, new = read.get(rid), current.get(rid)
            if old is None:
                out.append(RuleChange(rid, ADDED, None, new))
            elif new is None:
                out.append(RuleChange(rid, REMOVED, self._state(rid, old), None))
            else:
                out.append(RuleChange(rid, CHANGED, self._state(rid, old), new))
        return out

    def status(self, rule_id: str) -> str | None:
        """ "new" (added since the last mark-as-read), "changed", or None; as of the last
        :meth:`observe` / :meth:`changes`."""
        if self._read is None:
            return None
        seen, old = self._observed.get(rule_id), self._read.get(rule_id)
        if seen is None:
            return None
        if old is None:
            return NEW
        return CHANGED_MARK if old[0] != seen[0] else None

    def changed_on(self, rule_id: str) -> date | None:
        """The day this workstation first saw the rule's current text (None: since before the seen
        state began)."""
        seen = self._observed.get(rule_id)
        return seen[1] if seen else None

    def changed_dates(self) -> dict[str, date]:
        """Every rule with a :meth:`changed_on` date (for ``kb.changes.recent_changes``)."""
        return {rid: when for rid, (_, when) in self._observed.items() if when is not None}

    def removed_on(self, rule_id: str) -> date | None:
        """The day this workstation noticed the rule gone (while it is listed as removed)."""
        return self._removed.get(rule_id)

    def unread(self, rule_id: str) -> bool:
        """Whether the agent has not yet marked this change read: a rule added or changed since the
        last mark-as-read (:meth:`status` is not None), or removed since then."""
        if rule_id in self._removed:
            return rule_id not in self._removals_read
        return self.status(rule_id) is not None

    def mark_all_read(self, current: Mapping[str, RuleState], today: date) -> None:
        """The agent has read everything: ``current`` becomes the baseline. Removed rules stay listed
        until their :data:`REMOVED_DAYS` are over."""
        self.observe(current, today)
        old = self._read
        if old is None or not current:
            return
        order = [rid for rid in merged_order(old, current) if rid in current or rid in self._removed]
        self._adopt(current, {rid: old[rid] for rid in order if rid not in current}, order)
        self._removals_read = set(self._removed)

    def _adopt(self, current: Mapping[str, RuleState], kept: dict[str, Read], order: list[str]) -> None:
        """``current`` (and the ``kept`` removed rules) as the read baseline, in ``order``."""
        read: dict[str, Read] = {}
        stored, pending, place_id = self._stored, self._pending, self._place_id
        for rid in order:
            state = current.get(rid)
            if state is None:
                read[rid] = kept[rid]
                continue
            read[rid] = (state.hash, place_id(state), state.number)
            if state.hash not in stored:
                pending[state.hash] = state.text
        self._read = read
        self._observed = {rid: seen for rid, seen in self._observed.items() if seen[1] is not None}
        self._dirty = True

    def _place_id(self, state: RuleState) -> int:
        place = (state.article_id, state.article_title, state.section_title)
        found = self._place_ids.get(place)
        if found is None:
            found = self._place_ids[place] = len(self._places)
            self._places.append(place)
        return found

    def _state(self, rid: str, read: Read) -> RuleState:
        """A rule of the baseline as it was read, text included."""
        digest, place, number = read
        article_id, article_title, section_title = self._places[place]
        return RuleState(rid, article_id, article_title, section_title, number, digest, self._text(digest))

    def _text(self, digest: str) -> str:
        if digest in self._pending:
            return self._pending[digest]
        if self._texts is None:
            self._texts = _read_texts(texts_path(self.path))
        return self._texts.get(digest, "")

    # ------------------------------------------------------------------ storage
    def save(self) -> None:
        """Write what changed since loaded or saved: new texts first, then the state; failures
        are logged (the next save tries again)."""
        if not self._dirty or self._read is None:
            return
        if not self._save_texts():
            return
        payload = json.dumps(self._as_json(), ensure_ascii=False, separators=(",", ":"))
        data = gzip.compress(payload.encode("utf-8", "surrogatepass"), STATE_LEVEL, mtime=0)
        if _write_atomically(self.path, data):
            self._dirty = False

    def _save_texts(self) -> bool:
        """Append the pending texts to the texts file, or rewrite it when it is mostly stale."""
        assert self._read is not None
        needed = {r[0] for r in self._read.values()}
        path = texts_path(self.path)
        stale = self._stored_count + len(self._pending) > 2 * len(needed) + 1000
        if stale or self._rewrite_texts:
            keep = {h: self._text(h) for h in needed}  # reads the old file before it is replaced
            if not _write_atomically(path, _texts_member(keep)):
                return False
            self._texts, self._stored, self._stored_count = keep, set(keep), len(keep)
            self._rewrite_texts = False
        elif self._pending:
            if not _append(path, _texts_member(self._pending)):
                return False
            self._stored |= set(self._pending)
            self._stored_count += len(self._pending)
            if self._texts is not None:
                self._texts.update(self._pending)
        self._pending = {}
        return True

    def _as_json(self) -> dict:
        """The state in columns (one string of ids, one of hashes): 100k rules load in tens of ms."""
        read = self._read
        assert read is not None
        observed = {
            rid: [None if rid in read and read[rid][0] == h else h, _iso(when)]
            for rid, (h, when) in self._observed.items()
        }
        return {
            "format": FORMAT_VERSION,
            "kb": str(self.kb_dir),
            "places": [list(p) for p in self._places],
            "ids": "\n".join(read),
            "hashes": "\n".join(r[0] for r in read.values()),
            "place_runs": _runs(r[1] for r in read.values()),
            "numbers": [r[2] for r in read.values()],
            "observed": observed,
            "removed": {rid: when.isoformat() for rid, when in self._removed.items()},
            "removals_read": sorted(self._removals_read),
            "texts_stored": self._stored_count,
        }

    def _restore(self, data: dict) -> None:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unknown format {data.get('format')!r}")
        places = [(str(a), str(t), str(s)) for a, t, s in data["places"]]
        ids = data["ids"].split("\n") if data["ids"] else []
        hashes = data["hashes"].split("\n") if data["hashes"] else []
        place_of = _unrun(data["place_runs"])
        numbers = [int(n) for n in data["numbers"]]
        if not len(ids) == len(hashes) == len(place_of) == len(numbers):
            raise ValueError("the columns of the read rules differ in length")
        if place_of and not 0 <= min(place_of) <= max(place_of) < len(places):
            raise ValueError("a rule's place is out of range")
        read = dict(zip(ids, zip(hashes, place_of, numbers, strict=True), strict=True))
        observed = {
            str(rid): (str(h) if h is not None else read[rid][0], parse_date(when))
            for rid, (h, when) in data["observed"].items()
        }
        removed = {str(rid): _required_date(w) for rid, w in data["removed"].items()}
        self._read, self._observed, self._removed = read, observed, removed
        self._removals_read = {str(rid) for rid in data.get("removals_read", ())} & removed.keys()
        self._places, self._place_ids = places, {p: i for i, p in enumerate(places)}
        self._stored = set(hashes)
        self._stored_count = int(data.get("texts_stored", len(self._stored)))
        self._rewrite_texts = False


def _hashes(states: Mapping[str, RuleState]) -> dict[str, str]:
    return {rid: s.hash for rid, s in states.items()}


def _runs(values: Iterable[int]) -> list[list[int]]:
    """[[value, how many times in a row], …]: rules of one section share a place."""
    runs: list[list[int]] = []
    for v in values:
        if runs and runs[-1][0] == v:
            runs[-1][1] += 1
        else:
            runs.append([v, 1])
    return runs


def _unrun(runs: list) -> list[int]:
    out: list[int] = []
    for value, times in runs:
        if int(times) < 1:
            raise ValueError("bad run length")
        out += [int(value)] * int(times)
    return out


def _iso(when: date | None) -> str | None:
    return when.isoformat() if when else None


def _required_date(value: object) -> date:
    when = parse_date(value)
    if when is None:
        raise ValueError(f"bad date {value!r}")
    return when


def _read_state(path: Path) -> dict | None:
    """The state file's JSON, or None (logged unless simply missing)."""
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


def _texts_member(texts: Mapping[str, str]) -> bytes:
    payload = json.dumps(dict(texts), ensure_ascii=False, separators=(",", ":"))
    return gzip.compress(payload.encode("utf-8", "surrogatepass"), TEXTS_LEVEL, mtime=0)


def _read_texts(path: Path) -> dict[str, str]:
    """Every text in the texts file, member by member; a damaged member and what follows it are
    skipped (logged): the texts before it still count."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        log.warning("Seen texts %s unreadable: %s", path, exc)
        return {}
    texts: dict[str, str] = {}
    while raw:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)  # one gzip member
        try:
            member = d.decompress(raw)
            if not d.eof:
                raise EOFError("cut short")
            data = json.loads(member.decode("utf-8", "surrogatepass"))
            texts.update((str(k), str(v)) for k, v in data.items())
        except (zlib.error, EOFError, UnicodeDecodeError, ValueError, AttributeError) as exc:
            log.warning("Seen texts %s damaged, older texts from here on are lost: %s", path, exc)
            break
        raw = d.unused_data
    return texts


def _append(path: Path, data: bytes) -> bool:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab") as fh:
            fh.write(data)
        return True
    except OSError as exc:
        log.warning("Seen texts %s: cannot write (%s)", path, exc)
        return False


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
