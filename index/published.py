"""A prebuilt index published beside the articles, and how workstations start from it.

The KB editor runs ``kb-browser publish KB_DIR`` once: the whole KB is checked (``kb/validate.py``),
then a full index is built into ``KB_DIR/.kb-browser/index/`` (generation folders ``gen-N`` and a
pointer file ``current``, as in every local index folder, ``index/store.py``) and the manifest is
written (``kb/manifest.py``). Nothing is written when the KB has an error, and nothing is touched
when nothing changed since the last publication.

A workstation whose cache holds no index yet copies the published one instead of building its own
(:func:`open_copy`, called by ``Lifecycle.open_or_build``): at 100k rules a build costs ~30 s of CPU
on every seat, at every logon on non-persistent desktops, for the same KB. The files are *copied*
into a new local generation, never opened in place: Windows locks files a process holds open, so
thousands of seats holding the share's index open would stop the editor from ever replacing it, and
searching reads the posting files at random, which is fast on a local disk and slow over SMB. The
copy is checked against the checksums recorded at publication before its pointer is published; the
usual ``Lifecycle.sync`` then re-indexes the articles edited since (it compares the article hashes
the copy's ``kbindex.json`` carries with the ones the workstation computes). A published index of
another schema version, of another KB, damaged or unreadable is ignored with one line of notice, and
the workstation builds as before. The parsed-KB cache (``index/kb_cache.py``) is never published.

Whoosh's files hold pickles (``index/cache_dir.py``): whoever can write the published index can run
code on every seat that copies it. So on POSIX a seat copies it only when the folders and files are
writable by their owner alone and that owner is the seat's user, root or the KB folder's owner (the
publishing account); on Windows, where modes mean nothing, the share's ACLs must keep
``.kb-browser`` writable by KB editors only (the README says so to IT).
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from whoosh import index as windex

from index import store
from index.documents import SCHEMA_VERSION
from kb.loader import load_kb
from kb.manifest import Manifest, build_manifest, latest_manifest, publish_dir, write_manifest
from kb.model import KnowledgeBase, LoadError
from kb.validate import validate_kb

if TYPE_CHECKING:
    from index.lifecycle import Lifecycle

log = logging.getLogger(__name__)

INDEX_NAME = "index"  # KB_DIR/.kb-browser/index/{current, gen-N}
LOCK_NAME = "publish"  # KB_DIR/.kb-browser/publish.lock, held by one publishing editor at a time
MIN_MATCHING = 0.5  # share of the KB's articles the published index must hold as they are now
IS_WINDOWS = os.name == "nt"  # read at each call, so tests can simulate Windows
_lstat = os.lstat  # owners and modes are read through this: tests simulate other owners

Progress = Callable[[int, int], None]


def published_index_dir(kb_dir: Path) -> Path:
    return publish_dir(kb_dir) / INDEX_NAME


# ----------------------------------------------------------------------------- publishing


@dataclass(frozen=True)
class PublishResult:
    errors: tuple[LoadError, ...] = ()  # what stopped the publication (then nothing was written)
    notices: tuple[LoadError, ...] = ()  # loaded, but the editor should know (a file in cp1251)
    manifest: Manifest | None = None
    previous: Manifest | None = None  # the manifest before this publication
    manifest_written: bool = False
    index_written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def publish(kb_dir: Path, now: datetime | None = None, progress: Progress | None = None) -> PublishResult:
    """Check the KB in ``kb_dir``; unless it has errors, bring its published index and manifest up
    to date (each written atomically, and only when it changed)."""
    kb_dir = Path(kb_dir)
    kb = load_kb(kb_dir)
    errors = validate_kb(kb)
    if errors:
        return PublishResult(errors, kb.notices)
    with store.build_lock(publish_dir(kb_dir) / LOCK_NAME):
        previous = latest_manifest(kb_dir)
        manifest = build_manifest(kb, previous, now or datetime.now().astimezone())
        index_written = publish_index(kb, kb_dir, progress)
        manifest_written = write_manifest(kb_dir, manifest)  # after the index it describes
    return PublishResult((), kb.notices, manifest, previous, manifest_written, index_written)


def publish_index(kb: KnowledgeBase, kb_dir: Path, progress: Progress | None = None) -> bool:
    """A full build of ``kb`` into a new generation of the published index, unless the current one
    already holds every article as it is; True when a generation was written."""
    from index.lifecycle import Lifecycle  # lifecycle imports this module for open_copy

    target = published_index_dir(kb_dir)
    life = Lifecycle(kb_dir, target)
    wanted = {aid: digest for aid, (_, digest) in life.article_hashes(kb).items()}
    if published_hashes(target) == wanted:
        return False
    # Not life.rebuild: that makes the folder private (0700) as a local cache must be, and this one
    # is read by every seat.
    with store.build_lock(target):
        life._build(kb, progress or _no_progress).close()
    log.info("published index of %d articles in %s", len(wanted), target)
    return True


def _no_progress(done: int, total: int) -> None:
    pass


def published_hashes(index_dir: Path) -> dict[str, str] | None:
    """Article id → content hash of the current generation of ``index_dir`` (None: none usable)."""
    try:
        gen = store.current_dir(index_dir)
        store.check(gen)
    except store.IndexInvalid:
        return None
    return store.read_article_hashes(gen, store.toc_generation(gen))


# ----------------------------------------------------------------------------- workstations


class _Unusable(Exception):
    """The published index cannot serve this workstation; the message says why."""


def open_copy(life: Lifecycle, kb: KnowledgeBase) -> windex.Index | None:
    """The published index of ``life.kb_dir`` copied into a new local generation of
    ``life.index_dir`` and opened; None when nothing is published or it does not fit (then one
    warning, and ``life.rebuilt_reason`` says why). The caller holds the local build lock."""
    source = published_index_dir(life.kb_dir)
    try:
        gen = _published_generation(source)
        if gen is None:
            return None
        meta = _source_meta(gen)
        articles = _check_articles(meta, life, kb)
        if articles is None:
            return None
        ix = _copy_in(gen, meta, articles, life.index_dir)
    except _Unusable as exc:
        reason = f"опубликованный индекс {source} не подошёл ({exc}), индекс построен на этом компьютере"
        log.warning("Search index %s: %s", life.index_dir, reason)
        life.rebuilt_reason = reason
        return None
    log.info("Search index %s: copied from the published index %s", life.index_dir, gen)
    return ix


def _published_generation(source: Path) -> Path | None:
    try:
        return store.current_dir(source)
    except store.IndexInvalid as exc:
        if exc.missing:
            return None
        raise _Unusable(exc.reason) from None
    except OSError as exc:  # the share answers the listing but not this folder
        raise _Unusable(f"cannot be read: {exc}") from None


def _source_meta(gen: Path) -> dict:
    meta = store.read_meta(gen)
    if meta is None:
        raise _Unusable(f"its version file {store.META_NAME} is missing or unreadable")
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise _Unusable(f"schema version {meta.get('schema_version')!r}, this program reads {SCHEMA_VERSION}")
    if not isinstance(meta.get("files"), dict) or not meta["files"]:
        raise _Unusable(f"its version file {store.META_NAME} lists no files")
    return meta


def _check_articles(meta: dict, life: Lifecycle, kb: KnowledgeBase) -> tuple[int, dict[str, str]] | None:
    """The published (generation, hashes), if enough of the KB's articles are in it unchanged."""
    articles = store.recorded_articles(meta)
    if articles is None:
        raise _Unusable("it records no article hashes")
    wanted = life.article_hashes(kb)
    if not wanted:
        return None  # an empty KB builds in no time
    same = sum(1 for aid, (_, digest) in wanted.items() if articles[1].get(aid) == digest)
    if same < MIN_MATCHING * len(wanted):
        raise _Unusable(f"it holds other articles: {same} of {len(wanted)} as they are now")
    return articles


def _copy_in(gen: Path, meta: dict, articles: tuple[int, dict[str, str]], index_dir: Path) -> windex.Index:
    """Copy ``gen`` into a new local generation, verify it, then publish it locally and open it."""
    names = _files_to_copy(gen, meta["files"])
    problem = untrusted_reason(gen.parent.parent.parent, gen, names)  # KB_DIR/.kb-browser/index/gen-N
    if problem is not None:
        raise _Unusable(problem)
    local = store.new_generation(index_dir)  # not named by the pointer: no reader opens it yet
    try:
        for name in names:
            shutil.copyfile(gen / name, local / name)
        store.record_files(local, articles)
        _verify(local, meta["files"])
        ix = windex.open_dir(str(local))
        store._probe(ix)
    except _Unusable:
        store.discard(local)
        raise
    except Exception as exc:  # a share gone half-way, a garbled file Whoosh cannot read
        store.discard(local)
        raise _Unusable(f"cannot be copied: {type(exc).__name__}: {exc}") from None
    store.publish(index_dir, local)
    return ix


def _files_to_copy(gen: Path, recorded: dict) -> list[str]:
    """The recorded files (segments, ``words.tsv``) and the table of contents; never the parsed-KB
    cache, which lives beside the generations, not in them."""
    strange = sorted(n for n in recorded if not _plain_name(n))
    if strange:  # the names come from the share: never let one lead outside the folders
        raise _Unusable(f"its version file names a file outside the index: {strange[0]!r}")
    present = {p.name for p in gen.iterdir() if p.is_file()}
    missing = sorted(set(recorded) - present)
    if missing:
        raise _Unusable(f"index file {missing[0]} is missing")
    tocs = sorted(n for n in present if store.toc_number(n) is not None)
    if not tocs:
        raise _Unusable("its table of contents is missing")
    return sorted(set(recorded) | set(tocs))  # the TOC is recorded too (and checked) since it has a CRC


def untrusted_reason(kb_dir: Path, gen: Path, names: list[str]) -> str | None:
    """Why the published generation ``gen`` must not be copied (someone besides the publishing
    account could have written it), or None; never a reason on Windows (see the module docstring)."""
    if IS_WINDOWS:
        return None
    try:
        trusted = {os.geteuid(), 0, _lstat(kb_dir).st_uid}
    except OSError as exc:
        return f"cannot check who wrote it: {exc}"
    for path in (gen.parent.parent, gen.parent, gen, *(gen / name for name in names)):
        if (problem := _untrusted(path, trusted)) is not None:
            return problem
    return None


def _untrusted(path: Path, trusted: set[int]) -> str | None:
    try:
        st = _lstat(path)
    except OSError as exc:
        return f"cannot check {path.name}: {exc}"
    if stat.S_ISLNK(st.st_mode):
        return f"{path} is a symbolic link"
    if st.st_uid not in trusted:
        return f"{path} belongs to another user (uid {st.st_uid})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"other users may write to {path} (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def _plain_name(name: object) -> bool:
    return (
        isinstance(name, str) and name not in ("", ".", "..") and Path(name).name == name and "\\" not in name
    )


def _verify(local: Path, recorded: dict) -> None:
    """Each copied file has the size and CRC recorded when it was published."""
    copied = (store.read_meta(local) or {}).get("files", {})
    for name, expected in recorded.items():
        got = copied.get(name)
        if not isinstance(expected, list) or got is None or list(got[:2]) != list(expected[:2]):
            raise _Unusable(f"index file {name} is damaged (size or checksum differs from the published one)")
    try:
        store.check(local)
    except store.IndexInvalid as exc:
        raise _Unusable(exc.reason) from None
