"""Where the index lives and how it is kept whole: generations, version file, checksums, locks.

The index folder holds *generations*: each full build goes into a new folder ``gen-N`` and is then
published by rewriting the small pointer file ``current`` (``gen-N``). Readers open what the
pointer names, so no process ever opens a half-built index, and no folder another process may have
open is ever renamed (Windows refuses that). Old generations are removed once two newer ones exist,
or later, when Windows still reports their files open. Incremental updates go into the current
generation through Whoosh's own writer. Every file Whoosh writes is immutable once committed; its
CRC is kept in ``kbindex.json`` beside the schema version, so a damaged file is noticed on open.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import json
import logging
import os
import pickle
import re
import shutil
import struct
import tempfile
import time
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path

import platformdirs
from whoosh import index as windex
from whoosh.util.filelock import FileLock

from index import processes
from index.documents import SCHEMA_VERSION
from kb.fs import RETRIES, RETRY_DELAY, replace_retrying

log = logging.getLogger(__name__)

META_NAME = "kbindex.json"
WORDS_NAME = "words.tsv"  # the spelling vocabulary of a full build
LOCK_SUFFIX = ".lock"
LOCK_TIMEOUT = 60.0
POINTER_NAME = "current"  # names the generation folder readers open
_TOC_PREFIX, _TOC_SUFFIX = "_MAIN_", ".toc"  # Whoosh's table of contents: _MAIN_<generation>.toc
_GENERATION_RE = re.compile(r"gen-(\d+)")
_LEGACY_PREFIXES = ("_MAIN", "MAIN", f".{META_NAME}.")  # an index of the one-folder layout


class IndexInvalid(Exception):
    """The index folder cannot be used as it is; ``reason`` says why (for the one warning line)."""

    def __init__(self, reason: str, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = missing


class LockTimeout(TimeoutError):
    """Another process held the index lock for longer than we were willing to wait (an OSError)."""


def default_index_dir(kb_dir: Path) -> Path:
    """The user's cache folder for this KB's index (never inside the KB folder); when the user cache
    lies inside the KB folder, a per-user folder in the system temp folder (``kb-browser-<uid>``).
    Created private and checked by ``cache_dir.prepare`` when the index is opened."""
    from index import cache_dir  # the app's cache roots and their names live there

    resolved = Path(kb_dir).expanduser().resolve()
    key = hashlib.sha1(str(resolved).encode("utf-8")).hexdigest()[:12]
    base = platformdirs.user_cache_path(cache_dir.APP_NAME) / "index"
    if base.resolve().is_relative_to(resolved):
        base = Path(tempfile.gettempdir()) / cache_dir.fallback_name() / "index"
    return base / key


# ----------------------------------------------------------------------------- metadata


def read_meta(index_dir: Path) -> dict | None:
    try:
        data = json.loads((index_dir / META_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_meta(index_dir: Path, meta: dict) -> None:
    tmp = index_dir / f".{META_NAME}.{uuid.uuid4().hex}"
    tmp.write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")
    replace_retrying(tmp, index_dir / META_NAME)


def write_words(index_dir: Path, counts: dict[str, int]) -> None:
    """The build's spelling vocabulary: one ``word<TAB>articles`` line per word, sorted."""
    lines = (f"{w}\t{n}\n" for w, n in sorted(counts.items()) if w and "\t" not in w and "\n" not in w)
    (index_dir / WORDS_NAME).write_text("".join(lines), encoding="utf-8")


def read_words(index_dir: Path) -> tuple[list[str], dict[str, int]]:
    """The words written by :func:`write_words`, sorted, and their article counts (empty if none)."""
    counts: dict[str, int] = {}
    try:
        text = (index_dir / WORDS_NAME).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return [], counts
    for line in text.splitlines():
        word, _, n = line.partition("\t")
        if word and n.isdigit():
            counts[word] = int(n)
    return sorted(counts), counts


def _crc(path: Path) -> int:
    crc = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def _index_files(index_dir: Path) -> list[Path]:
    return [p for p in index_dir.iterdir() if p.is_file() and _is_index_file(p.name)]


def prefetch(index_dir: Path) -> None:
    """Ask the OS to read the index files into its cache in the background. Otherwise the first
    searches of a new process read each page from disk as they touch it (measured at 100k rules:
    50 µs for a stored document on a cold page, 13 µs warm). Advisory; nothing happens where
    ``posix_fadvise`` does not exist (Windows, macOS)."""
    advise = getattr(os, "posix_fadvise", None)
    try:
        paths = _index_files(index_dir) if advise is not None else []
    except OSError:  # the folder went away: nothing to read ahead
        paths = []
    for path in paths:
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_RDONLY)
            try:
                advise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
            finally:
                os.close(fd)


def _is_index_file(name: str) -> bool:
    """A file Whoosh (or the build) writes once and never changes: segments, tables of contents
    (``_MAIN_N.toc``, so a replaced schema or segment list is noticed too), the vocabulary."""
    segment = name.startswith("MAIN") and not name.endswith("LOCK")
    return segment or toc_number(name) is not None or name == WORDS_NAME


def record_files(index_dir: Path, articles: tuple[int, dict[str, str]] | None = None) -> None:
    """Add the size, CRC and mtime of every index file not yet recorded; forget files Whoosh has
    deleted. ``articles`` = (TOC generation, article id → content hash) of what that generation holds."""
    meta = read_meta(index_dir) or {"schema_version": SCHEMA_VERSION}
    files: dict[str, list[int]] = meta.get("files", {})
    present = {p.name: p for p in _index_files(index_dir)}
    files = {n: v for n, v in files.items() if n in present}
    for name, path in present.items():
        if name not in files:
            with contextlib.suppress(OSError):
                st = path.stat()
                files[name] = [st.st_size, _crc(path), st.st_mtime_ns]
    meta["files"] = files
    meta["schema_version"] = SCHEMA_VERSION
    if articles is not None:
        meta["articles"] = {"generation": articles[0], "hashes": articles[1]}
    else:
        meta.pop("articles", None)
    _write_meta(index_dir, meta)


def recorded_articles(meta: dict) -> tuple[int, dict[str, str]] | None:
    """(TOC generation, article id → content hash) as :func:`record_files` keeps them in ``meta``."""
    articles = meta.get("articles")
    if not isinstance(articles, dict):
        return None
    generation, hashes = articles.get("generation"), articles.get("hashes")
    if not isinstance(generation, int) or not isinstance(hashes, dict):
        return None
    return generation, hashes


def read_article_hashes(index_dir: Path, generation: int) -> dict[str, str] | None:
    """Article id → content hash recorded for TOC ``generation`` (None when not recorded for it)."""
    recorded = recorded_articles(read_meta(index_dir) or {})
    return recorded[1] if recorded is not None and recorded[0] == generation else None


def toc_number(name: str) -> str | None:
    """The generation in a Whoosh table-of-contents file name (``_MAIN_12.toc`` → "12"), else None."""
    middle = name.removeprefix(_TOC_PREFIX).removesuffix(_TOC_SUFFIX)
    is_toc = name.startswith(_TOC_PREFIX) and name.endswith(_TOC_SUFFIX) and middle.isdigit()
    return middle if is_toc else None


def toc_generation(folder: Path) -> int | None:
    """The newest TOC generation in a generation folder (None: it holds no TOC)."""
    numbers = [int(n) for n in (toc_number(p.name) for p in folder.iterdir()) if n is not None]
    return max(numbers, default=None)


def _file_ok(path: Path, recorded: list[int], full: bool = False) -> bool:
    """Size and CRC as recorded. Unless ``full``, a file whose size and mtime are unchanged is not
    read: Whoosh never rewrites a committed file, so an edit moves its mtime; bit rot does not, which
    a failed read during a search (see Lifecycle.recover) or ``kb-browser index`` (full) catches."""
    st = path.stat()
    if st.st_size != recorded[0]:
        return False
    if not full and len(recorded) > 2 and st.st_mtime_ns == recorded[2]:
        return True
    return _crc(path) == recorded[1]


def _check_files(index_dir: Path, meta: dict, full: bool = False, done: set[str] | None = None) -> None:
    """Check the recorded files (``full``: see :func:`_file_ok`); the names of those found whole are
    added to ``done``, and a name already in it is not read again."""
    for name, recorded in meta.get("files", {}).items():
        if done is not None and name in done:
            continue
        path = index_dir / name
        try:
            ok = _file_ok(path, recorded, full)
        except FileNotFoundError:
            continue  # deleted by Whoosh after a merge; a file the TOC needs fails on open instead
        except OSError as exc:
            raise IndexInvalid(f"cannot read index file {name}: {exc}") from None
        except (TypeError, ValueError, IndexError):
            raise IndexInvalid(f"index version file {META_NAME} is damaged") from None
        if not ok:
            raise IndexInvalid(f"index file {name} is damaged (size or checksum changed)")
        if done is not None:
            done.add(name)


def check_new_files(index_dir: Path, done: set[str]) -> None:
    """The full CRC of each recorded file of generation folder ``index_dir`` not in ``done`` (files
    never change once committed, so each is read once); IndexInvalid when one is damaged."""
    meta = read_meta(index_dir)
    if meta is None:
        raise IndexInvalid(f"index version file {META_NAME} is missing or unreadable")
    _check_files(index_dir, meta, full=True, done=done)


# ----------------------------------------------------------------------------- generations


def _generation(name: str) -> int | None:
    match = _GENERATION_RE.fullmatch(name)
    return int(match.group(1)) if match else None


def current_dir(index_dir: Path) -> Path:
    """The generation folder the pointer names (IndexInvalid when there is none or it is damaged)."""
    text = _read_pointer(index_dir / POINTER_NAME)
    if text is None:
        raise IndexInvalid("no index yet", missing=True)
    if _generation(text) is None:
        raise IndexInvalid(f"index pointer {POINTER_NAME} is damaged")
    if not (index_dir / text).is_dir():
        raise IndexInvalid(f"index folder {text} named by {POINTER_NAME} is missing")
    return index_dir / text


def pointer_signature(index_dir: Path) -> tuple[int, int, int] | None:
    """Changes whenever the pointer is replaced (a stat, cheaper than reading it); None if absent."""
    try:
        st = (index_dir / POINTER_NAME).stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def _read_pointer(path: Path) -> str | None:
    """The pointer's text; retried while Windows reports it busy (being replaced right now)."""
    for attempt in range(RETRIES):
        try:
            return path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except PermissionError:
            if attempt == RETRIES - 1:
                raise IndexInvalid(f"index pointer {POINTER_NAME} stays locked") from None
            time.sleep(RETRY_DELAY)
        except (OSError, ValueError) as exc:
            raise IndexInvalid(f"index pointer {POINTER_NAME} cannot be read ({exc})") from None
    return None


def new_generation(index_dir: Path) -> Path:
    """A new empty generation folder, numbered after every one present (caller holds the build lock)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    numbers = [n for p in index_dir.iterdir() if (n := _generation(p.name)) is not None]
    folder = index_dir / f"gen-{max(numbers, default=0) + 1}"
    folder.mkdir()
    return folder


def publish(index_dir: Path, generation: Path) -> None:
    """Make ``generation`` the one readers open: the pointer is replaced, no folder is renamed."""
    tmp = index_dir / f".{POINTER_NAME}.{uuid.uuid4().hex}"
    tmp.write_text(generation.name + "\n", encoding="utf-8")
    try:
        replace_retrying(tmp, index_dir / POINTER_NAME)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ----------------------------------------------------------------------------- opening


def open_valid(index_dir: Path, current: windex.Index | None = None, full: bool = False) -> windex.Index:
    """Open the generation the pointer of ``index_dir`` names after checking version, checksums and
    readability; ``current``, an index this process has open, is reused when it is that generation.
    ``full``: the CRC of every recorded file is computed (see :func:`_file_ok`)."""
    live = current_dir(index_dir)
    check(live, full)
    if current is not None and Path(current.storage.folder) == live:
        return current
    try:
        ix = windex.open_dir(str(live))
        _probe(ix)
    except IndexInvalid:
        raise
    except Exception as exc:  # any failure to read means the files are not a usable index
        raise IndexInvalid(f"index cannot be read ({type(exc).__name__}: {exc})") from None
    return ix


def check(index_dir: Path, full: bool = False) -> None:
    """Raise IndexInvalid unless the generation folder ``index_dir`` holds an index of our version
    with undamaged files (``full``: every file read, see :func:`_file_ok`)."""
    if not index_dir.is_dir() or not any(index_dir.glob("_MAIN_*.toc")):
        if index_dir.is_dir() and any(index_dir.iterdir()):
            raise IndexInvalid("index table of contents is missing")
        raise IndexInvalid("no index yet", missing=True)
    meta = read_meta(index_dir)
    if meta is None:
        raise IndexInvalid(f"index version file {META_NAME} is missing or unreadable")
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise IndexInvalid(
            f"index schema version {meta.get('schema_version')!r} differs from {SCHEMA_VERSION}"
        )
    _check_files(index_dir, meta, full)


def _probe(ix: windex.Index) -> None:
    """Touch the schema, the lexicons, some postings and some stored fields."""
    if "ahash" not in ix.schema or "stems" not in ix.schema:
        raise IndexInvalid("index was made with another schema")
    with ix.searcher() as s:
        reader = s.reader()
        for fieldname in ("ahash", "content"):
            for term in itertools.islice(reader.lexicon(fieldname), 50):
                postings = reader.postings(fieldname, term)  # reads the first block (of 50k ids at most)
                if postings.is_active():  # inactive: every document of the term is deleted (an edit)
                    postings.id()
        for docnum in itertools.islice(reader.all_doc_ids(), 200):
            reader.stored_fields(docnum)


# ----------------------------------------------------------------------------- failures

_READ_ERRORS = (OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError, UnicodeDecodeError)
_READERS = (  # code that reads the index files: Whoosh, and our readers of its internals
    os.path.join(os.sep, "whoosh", ""),
    os.path.join("index", "stored.py"),
    os.path.join("index", "postings.py"),
)
_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}
_WRITE_ERRNOS.add(getattr(errno, "EDQUOT", errno.ENOSPC))


def is_read_error(exc: BaseException) -> bool:
    """Whether ``exc`` looks like the index files failing to read (IndexInvalid, an I/O or decoding
    error, any error raised inside Whoosh or our readers of its files) rather than a query fault."""
    if isinstance(exc, (IndexInvalid, *_READ_ERRORS)):
        return True
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and any(part in tb.tb_frame.f_code.co_filename for part in _READERS)


def is_write_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the index folder refusing a write (disk full, read-only, no permission, a
    lock held too long) rather than its files being damaged."""
    if isinstance(exc, (PermissionError, LockTimeout)):
        return True
    return isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS


def record_pending(index_dir: Path, generation: int) -> bool:
    """Whether TOC ``generation`` of the generation folder ``index_dir`` was committed but its files
    and articles were not recorded (the version file's write failed: a full disk)."""
    return read_article_hashes(index_dir, generation) is None


# ----------------------------------------------------------------------------- locking and building


@contextlib.contextmanager
def build_lock(index_dir: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """An inter-process lock beside the index folder, held while it is (re)built or its meta written.

    An OS lock (``flock``; ``msvcrt.locking`` on Windows): the OS releases it when the last process
    holding it ends, so the lock of a process that died is free at once. Processes forked while it
    is held close their copy first thing (index/processes.py), so they never keep it."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(index_dir.parent / (index_dir.name + LOCK_SUFFIX)))
    started = time.monotonic()
    waited = False
    while not lock.acquire(blocking=False):
        if not waited:
            log.info("Search index %s: waiting for the build lock held by another process", index_dir)
            waited = True
        if time.monotonic() > started + timeout:
            raise LockTimeout(f"index {index_dir} is locked by another process")
        time.sleep(0.05)
    if waited:
        log.info("Search index %s: build lock taken after %.1f s", index_dir, time.monotonic() - started)
    try:
        with processes.parent_only(lock):
            yield
    finally:
        lock.release()


def sweep(index_dir: Path) -> None:
    """Remove what no reader needs (caller holds the build lock): generations other than the current
    one and the one before it (a process may not have seen the pointer move yet), builds of processes
    that died, an index of the old one-folder layout. What Windows reports open stays for next time."""
    if not index_dir.is_dir():
        return
    for n in _unneeded_generations(index_dir):
        shutil.rmtree(index_dir / f"gen-{n}", ignore_errors=True)
    for path in index_dir.iterdir():
        if path.is_file() and _is_leftover(path.name):
            with contextlib.suppress(OSError):  # held open (Windows): next time
                path.unlink()
    for pattern in (f".{index_dir.name}.build-*", f".{index_dir.name}.old-*"):  # the one-folder layout
        for stale in index_dir.parent.glob(pattern):
            shutil.rmtree(stale, ignore_errors=True)


def _unneeded_generations(index_dir: Path) -> list[int]:
    """Every generation but the current one and the newest before it (all, when none is current)."""
    try:
        current = _generation(current_dir(index_dir).name)
    except IndexInvalid:
        current = None
    numbers = [n for p in index_dir.iterdir() if (n := _generation(p.name)) is not None]
    older = [n for n in numbers if current is not None and n < current]
    keep = {current, max(older, default=None)}
    return sorted(n for n in numbers if n not in keep)


def _is_leftover(name: str) -> bool:
    """An index file of the one-folder layout, or a pointer a dead process did not publish."""
    return name.startswith((*_LEGACY_PREFIXES, f".{POINTER_NAME}.")) or name in (META_NAME, WORDS_NAME)


def discard(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
