"""The life of one KB's index on disk: open, build, update incrementally, repair.

:class:`Lifecycle` knows the KB folder, the index folder and what was last indexed; it hands the
search side (``index/knowledge_index.py``) a ready Whoosh ``Index`` and never searches itself. The
seam between the two is small: ``update`` (open or build, then sync), ``recover`` (after a search
failed to read), ``verify``, ``rebuild``, ``moved_on``.

When the cache cannot be written (disk full, read-only, no permission) search goes on from an index
in memory for this session, with one notice (``rebuilt_reason``; ``unsaved`` says the index is not
on disk); every later ``update`` tries the disk again.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage, copy_storage
from whoosh.util.filelock import try_for

from index import cache_dir, kb_cache, posting_pool, processes, published, store
from index.documents import article_documents, article_hash, make_schema
from index.merging import merge_tiers
from index.results import UpdateReport
from kb.loader import LoadCache
from kb.model import Article, KnowledgeBase

log = logging.getLogger(__name__)
posting_pool.install()  # faster spills for every writer, the build's writer processes included

Progress = Callable[[int, int], None]
WRITER_TIMEOUT = 30.0
BUILD_LIMIT_MB = 128  # Whoosh's posting pool per writer process, flushed to disk when full
BUILD_MAX_PROCS = 2
KB_CACHE_MIN_PARSED = 20  # files parsed again (or 10% of them) before the saved KB is rewritten
PARALLEL_MIN_ARTICLES = 500  # below this the second process costs more than it saves


def noop(done: int, total: int) -> None:
    pass


class WriteFailed(Exception):
    """An update could not be written to the index folder; ``report`` is what it would have done."""

    def __init__(self, cause: OSError, report: UpdateReport) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.report = report


def build_options(n_articles: int) -> dict:
    """Whoosh writer options for a full build: non-compound segments (Whoosh copies each part of a
    compound file into memory on open: 457 MB → ~250 MB RSS at 100k rules); on a large KB one
    writer process per core, each keeping its own segment (``multisegment``)."""
    options: dict = {"limitmb": BUILD_LIMIT_MB, "compound": False}
    procs = min(os.cpu_count() or 1, BUILD_MAX_PROCS)
    if n_articles >= PARALLEL_MIN_ARTICLES and procs > 1:
        options.update(procs=procs, multisegment=True)
    return options


class Lifecycle:
    """Open, build, update and repair the index of ``kb_dir`` kept in ``index_dir``."""

    def __init__(self, kb_dir: Path, index_dir: Path, cache: LoadCache | None = None) -> None:
        self.kb_dir = Path(kb_dir)
        self.index_dir = Path(index_dir)
        self.rebuilt_reason: str | None = None
        self.unsaved: str | None = None  # why the index searched is not (wholly) saved in index_dir
        self.load_cache = cache or LoadCache()  # files unchanged since the last load are not re-read
        self.hashes: dict[int, tuple[Article, str]] = {}  # id(article) -> (article, content hash)
        self._pointer_seen: tuple[int, int, int] | None = None  # signature of the pointer last read
        self._checked: dict[Path, set[str]] = {}  # generation folder -> its files found whole by CRC

    # ------------------------------------------------------------------ the seam

    def update(
        self, kb: KnowledgeBase, progress: Progress, current: windex.Index | None = None
    ) -> tuple[windex.Index, UpdateReport]:
        """The index brought up to date with ``kb``: opened (or built), then synced; a damaged one
        repaired; when the folder refuses the write, an index in memory holding ``kb``."""
        ix = None
        try:
            ix = self.open_or_build(kb, progress, current)
            report = self.sync(ix, kb, progress)
        except WriteFailed as exc:
            return self._unsaved_update(kb, progress, current, ix, exc), exc.report
        except (store.IndexInvalid, OSError, ValueError, EOFError) as exc:
            failed = ix if ix is not None and store.is_read_error(exc) else None
            ix = self.repair(f"index update failed ({type(exc).__name__}: {exc})", kb, progress, failed)
            return ix, UpdateReport(added=tuple(a.id for a in kb.articles), rebuilt=True)
        if self.on_disk(ix) is not None and not self._record_pending(ix):
            self.unsaved = None  # saved at last (a retry after a failed write)
        return ix, report

    def recover(self, failed: windex.Index | None, exc: Exception, kb: KnowledgeBase) -> windex.Index:
        """The index to search after searching ``failed`` raised ``exc``: a read error means its
        generation is damaged (even when its files pass the checks: bit rot with the mtime kept is
        caught by the full CRC, anything else by the read itself), so it is rebuilt; otherwise (a
        fault of the query code) the valid index on disk, so the next search tries again."""
        reason = f"search failed ({type(exc).__name__}: {exc})"
        if isinstance(exc, store.IndexInvalid):  # from check_once
            reason = "a search found nothing, so the index was checked"
        read_error = store.is_read_error(exc)
        if failed is not None and self.on_disk(failed) is None:  # an in-memory stand-in
            return failed if not read_error else self._memory_build(kb, noop, exc)
        return self.repair(reason, kb, failed=failed if read_error else None, full=read_error)

    def check_once(self, ix: windex.Index | None) -> None:
        """Raise IndexInvalid when ``ix`` is a generation on disk with a file that fails its full CRC;
        each file is read once per process. Called when a search found nothing, so that bit rot which
        still reads as valid does not answer «nothing found» for good (once: 0.1 s at 60k rules, 53 MB)."""
        ix = self.on_disk(ix)
        if ix is not None:
            folder = Path(ix.storage.folder)
            store.check_new_files(folder, self._checked.setdefault(folder, set()))

    def verify(self, kb: KnowledgeBase, progress: Progress | None = None) -> windex.Index:
        """The index on disk checked in full (every file's CRC, not the size and mtime shortcut, and
        a read of its structures) and rebuilt when damaged; an OSError when it cannot be rebuilt
        (read-only, disk full). A valid index is checked without the lock, so without writing."""
        try:
            return store.open_valid(self.index_dir, full=True)
        except store.IndexInvalid:
            pass
        with store.build_lock(self.index_dir):
            try:
                return store.open_valid(self.index_dir, full=True)  # repaired by another process
            except store.IndexInvalid as exc:
                if not exc.missing:
                    self._warn(f"verification: {exc.reason}")
                return self._build(kb, progress or noop)

    # ------------------------------------------------------------------ opening

    def open_or_build(
        self, kb: KnowledgeBase, progress: Progress, current: windex.Index | None = None
    ) -> windex.Index:
        """A valid index: the one on disk (``current`` reused when it is still the live one), or
        (under the build lock) a new one; warn once when repairing."""
        try:
            cache_dir.prepare(self.index_dir)  # nothing is read from a folder others could write in
        except cache_dir.UnsafeCacheDir as exc:
            return self._build_in_memory(kb, progress, exc)
        try:
            return store.open_valid(self.index_dir, self.on_disk(current))
        except store.IndexInvalid:
            pass
        try:
            with store.build_lock(self.index_dir):
                try:
                    return store.open_valid(self.index_dir)  # another process may have built it meanwhile
                except store.IndexInvalid as exc:
                    if not exc.missing:
                        self._warn(exc.reason)
                    elif (copied := published.open_copy(self, kb)) is not None:
                        return copied  # the KB editor's prebuilt index (kb-browser publish)
                    return self._build(kb, progress)
        except (OSError, store.LockTimeout) as exc:  # cache not writable, disk full, lock held for long
            return self._in_memory(kb, progress, current, exc)

    def on_disk(self, ix: windex.Index | None) -> windex.Index | None:
        """``ix`` when it is a generation of this index folder (not an in-memory stand-in)."""
        on_disk = ix is not None and isinstance(ix.storage, FileStorage)
        return ix if on_disk and Path(ix.storage.folder).parent == self.index_dir else None

    def moved_on(self, ix: windex.Index | None) -> bool:
        """Whether another process (or a rebuild) published a generation other than ``ix``; the
        pointer is read again only when its signature changed (every search asks)."""
        ix = self.on_disk(ix)
        if ix is None:
            return False
        seen = store.pointer_signature(self.index_dir)
        if seen is not None and seen == self._pointer_seen:
            return False
        try:
            moved = store.current_dir(self.index_dir) != Path(ix.storage.folder)
        except store.IndexInvalid:  # no pointer now: keep searching what is open; a failure repairs
            return False
        self._pointer_seen = None if moved else seen
        return moved

    def repair(
        self,
        reason: str,
        kb: KnowledgeBase,
        progress: Progress | None = None,
        failed: windex.Index | None = None,
        full: bool = False,
    ) -> windex.Index:
        """The index rebuilt after ``reason`` unless the one on disk is valid (``full``: every file's
        CRC computed) and is not the generation of ``failed`` (an index that failed to read, which no
        check can clear); in memory when the folder cannot be written."""
        progress = progress or noop
        try:
            with store.build_lock(self.index_dir):
                try:
                    ix = store.open_valid(self.index_dir, full=full)  # maybe repaired by another process
                except store.IndexInvalid as exc:
                    self._warn(f"{reason}; {exc.reason}")
                else:
                    if not self._same_generation(ix, failed):
                        return ix
                    self._warn(f"{reason}; its files pass the checks but do not read")
                return self._build(kb, progress)
        except (OSError, store.LockTimeout) as exc:
            return self._memory_build(kb, progress, exc)

    def rebuild(self, kb: KnowledgeBase, progress: Progress | None = None) -> windex.Index:
        """The whole index built again from ``kb`` (an OSError when the folder cannot be written)."""
        cache_dir.prepare(self.index_dir)
        with store.build_lock(self.index_dir):
            return self._build(kb, progress or noop)

    def _same_generation(self, ix: windex.Index, other: windex.Index | None) -> bool:
        other = self.on_disk(other)
        return other is not None and Path(other.storage.folder) == Path(ix.storage.folder)

    def _warn(self, reason: str) -> None:
        log.warning("Search index %s: %s; rebuilding it", self.index_dir, reason)
        self.rebuilt_reason = reason

    # ------------------------------------------------------------------ building

    def _memory_build(self, kb: KnowledgeBase, progress: Progress, exc: Exception) -> windex.Index:
        """:meth:`_build_in_memory`, remembered as not saved (the next update tries the disk again)."""
        ix = self._build_in_memory(kb, progress, exc)
        self.unsaved = self.rebuilt_reason
        return ix

    def _in_memory(
        self, kb: KnowledgeBase, progress: Progress, current: windex.Index | None, exc: Exception
    ) -> windex.Index:
        """``current`` when it is the in-memory index of an earlier failure (its notice was given;
        the caller syncs it), else a new one, with its notice."""
        earlier = self._earlier_in_memory(current)
        return earlier if earlier is not None else self._memory_build(kb, progress, exc)

    def _earlier_in_memory(self, current: windex.Index | None) -> windex.Index | None:
        """``current`` when it is the in-memory stand-in of an earlier refused write, else None."""
        return current if current is not None and self.on_disk(current) is None and self.unsaved else None

    def _unsaved_update(
        self,
        kb: KnowledgeBase,
        progress: Progress,
        current: windex.Index | None,
        refused: windex.Index | None,
        exc: WriteFailed,
    ) -> windex.Index:
        """After the folder refused an update of ``refused`` (the index on disk): an index in memory
        holding ``kb`` — the earlier one, else a copy of ``refused`` — brought up to date; a full
        build in memory when neither can be."""
        ix = self._earlier_in_memory(current)
        if ix is None and self.on_disk(refused) is not None:
            ix = self._copy_in_memory(refused, exc.cause)
        if ix is None:
            return self._memory_build(kb, progress, exc.cause)
        try:
            self.sync(ix, kb, progress)
        except Exception:  # whatever broke it, a new one replaces it
            log.info("Search index: in-memory update failed; building it again", exc_info=True)
            ix = self._memory_build(kb, progress, exc.cause)
        return ix

    def _copy_in_memory(self, disk: windex.Index, exc: OSError) -> windex.Index | None:
        """The files of ``disk`` copied into RAM, with the notice (53 MB at 60k rules: far quicker
        than building it again); None when they cannot be read."""
        try:
            ram = processes.PrivateRamStorage()
            copy_storage(disk.storage, ram)
            ix = ram.open_index(disk.indexname)
        except Exception:  # a file gone or damaged: the caller builds from the KB instead
            log.info("Search index: cannot copy %s into memory", disk.storage.folder, exc_info=True)
            return None
        reason = f"cannot write the index in {self.index_dir} ({exc}); using an in-memory copy"
        log.warning("Search index: %s", reason)
        self.rebuilt_reason = self.unsaved = reason
        return ix

    def _build_in_memory(self, kb: KnowledgeBase, progress: Progress, exc: Exception) -> windex.Index:
        """Last resort: an index in RAM for this session, so search works without a usable cache."""
        reason = f"cannot write the index in {self.index_dir} ({exc}); using an in-memory index"
        log.warning("Search index: %s", reason)
        self.rebuilt_reason = reason
        ix = processes.PrivateRamStorage().create_index(make_schema())
        with ix.writer() as writer:
            for done, article in enumerate(kb.articles, 1):
                for doc in article_documents(article):
                    writer.add_document(**doc)
                progress(done, len(kb.articles))
        return ix

    def _build(self, kb: KnowledgeBase, progress: Progress) -> windex.Index:
        """Build a new generation folder, then publish it (caller holds the build lock)."""
        store.sweep(self.index_dir)
        gen = store.new_generation(self.index_dir)
        wanted = self.article_hashes(kb)
        words: Counter[str] = Counter()  # the vocabulary goes to a side file, not into postings
        try:
            ix = windex.create_in(str(gen), make_schema())
            with processes.writer(ix, **build_options(len(wanted))) as writer:
                for done, (article, digest) in enumerate(wanted.values(), 1):
                    for doc in article_documents(article, digest, words):
                        writer.add_document(**doc)
                    progress(done, len(wanted))
            ix.close()
            if not wanted:
                progress(0, 0)
            store.write_words(gen, words)
            hashes = {aid: digest for aid, (_, digest) in wanted.items()}
            store.record_files(gen, (writer.generation, hashes))
            store.publish(self.index_dir, gen)
        except BaseException:
            store.discard(gen)
            raise
        store.sweep(self.index_dir)
        return windex.open_dir(str(gen))

    # ------------------------------------------------------------------ updating

    def sync(self, ix: windex.Index, kb: KnowledgeBase, progress: Progress) -> UpdateReport:
        """Re-index the articles whose content hash differs from the index's."""
        indexed = self._indexed_hashes(ix)
        wanted = self.article_hashes(kb)
        added = tuple(a for a in wanted if a not in indexed)
        changed = tuple(a for a in wanted if a in indexed and indexed[a] != wanted[a][1])
        removed = tuple(a for a in indexed if a not in wanted)
        if not (added or changed or removed):
            if self._record_pending(ix):  # the last update's record failed: try again
                self._record(ix, ix.latest_generation(), wanted)
            return UpdateReport(errors=kb.errors)
        report = UpdateReport(added, changed, removed, kb.errors)
        # Whoosh's writer leaks its lock when its __init__ fails after taking it (a full disk refuses
        # its temp folder): the lock is taken and released here, around the writer.
        lock = ix.lock("WRITELOCK")
        try:
            if not try_for(lock.acquire, timeout=WRITER_TIMEOUT, delay=0.1):
                log.warning("Search index %s is locked by another process; update skipped", self.index_dir)
                return UpdateReport(errors=kb.errors)
        except OSError as exc:  # the lock file cannot be made: a read-only cache
            raise WriteFailed(exc, report) from exc
        try:
            writer = ix.writer(_lk=False, compound=False)
            self._write(writer, wanted, added + changed, changed + removed, progress)
        except OSError as exc:
            if store.is_write_error(exc):  # the writer cancelled: the index is as it was
                raise WriteFailed(exc, report) from exc
            raise
        finally:
            lock.release()
        self._record(ix, writer.generation, wanted)
        log.info("Search index: %d added, %d changed, %d removed", len(added), len(changed), len(removed))
        return report

    @staticmethod
    def _write(
        writer, wanted: dict, todo: tuple[str, ...], gone: tuple[str, ...], progress: Progress
    ) -> None:
        """Commit ``todo``'s documents in place of ``gone``'s (cancelled on any error)."""
        writer.mergetype = merge_tiers  # see merging.py: a few small merges, never one big one
        with writer:
            for aid in gone:
                writer.delete_by_term("article", aid)
            for done, aid in enumerate(todo, 1):
                article, digest = wanted[aid]
                for doc in article_documents(article, digest):
                    writer.add_document(**doc)
                progress(done, len(todo))

    def _record(self, ix: windex.Index, generation: int, wanted: dict) -> None:
        """Record the files and articles of a committed update; a failure leaves the update searchable
        on disk, without the checksums of its new files: a notice, and the next update tries again."""
        if not isinstance(ix.storage, FileStorage):
            return
        hashes = {aid: digest for aid, (_, digest) in wanted.items()}
        try:
            with store.build_lock(self.index_dir):
                store.record_files(Path(ix.storage.folder), (generation, hashes))
        except OSError as exc:
            reason = f"cannot record the index update in {self.index_dir} ({exc}); will try again"
            if self.unsaved != reason:
                log.warning("Search index: %s", reason)
            self.rebuilt_reason = self.unsaved = reason

    def _record_pending(self, ix: windex.Index) -> bool:
        on_disk = self.on_disk(ix)
        if on_disk is None:
            return False
        try:
            return store.record_pending(Path(on_disk.storage.folder), on_disk.latest_generation())
        except Exception:  # a TOC listing that fails: the next open repairs
            return False

    @staticmethod
    def _indexed_hashes(ix: windex.Index) -> dict[str, str]:
        """Article id → content hash of what the index holds now (live documents only)."""
        if isinstance(ix.storage, FileStorage):
            known = store.read_article_hashes(Path(ix.storage.folder), ix.latest_generation())
            if known is not None:
                return known
        out: dict[str, str] = {}
        with ix.reader() as reader:
            for term in reader.field_terms("ahash"):
                postings = reader.postings("ahash", term)
                if any(not reader.is_deleted(d) for d in postings.all_ids()):
                    article, _, digest = term.rpartition(":")
                    out[article] = digest
        return out

    def article_hashes(self, kb: KnowledgeBase) -> dict[str, tuple[Article, str]]:
        """Article id → (article, content hash); an article object hashed before is not hashed again."""
        known, self.hashes = self.hashes, {}
        out = {}
        for a in kb.articles:
            entry = known.get(id(a))
            if entry is None or entry[0] is not a:
                entry = (a, article_hash(a))
            self.hashes[id(a)] = entry
            out[a.id] = entry
        return out

    def keep_kb_cache(self, ix: windex.Index | None) -> None:
        """Save the parsed KB beside the index when there is none or many files were parsed again."""
        cache = self.load_cache
        if self.on_disk(ix) is None:
            return
        stale = cache.parsed >= KB_CACHE_MIN_PARSED or cache.parsed * 10 > len(cache.files)
        if not stale and (self.index_dir / kb_cache.CACHE_NAME).exists():
            return
        hashes = {
            path: self.hashes[id(art)][1]
            for path, (_, art) in cache.files.items()
            if id(art) in self.hashes and self.hashes[id(art)][0] is art
        }
        kb_cache.save(self.index_dir, self.kb_dir, cache, hashes)
