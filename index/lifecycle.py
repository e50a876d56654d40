"""The life of one KB's index on disk: open, build, update incrementally, repair.

:class:`Lifecycle` knows the KB folder, the index folder and what was last indexed; it hands the
search side (``index/knowledge_index.py``) a ready Whoosh ``Index`` and never searches itself. The
seam between the two is small: ``open_or_build``, ``sync``, ``repair``, ``rebuild``, ``moved_on``.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.index import LockError

from index import kb_cache, posting_pool, published, store
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
        self.load_cache = cache or LoadCache()  # files unchanged since the last load are not re-read
        self.hashes: dict[int, tuple[Article, str]] = {}  # id(article) -> (article, content hash)
        self._pointer_seen: tuple[int, int, int] | None = None  # signature of the pointer last read

    # ------------------------------------------------------------------ opening

    def open_or_build(
        self, kb: KnowledgeBase, progress: Progress, current: windex.Index | None = None
    ) -> windex.Index:
        """A valid index: the one on disk (``current`` reused when it is still the live one), or
        (under the build lock) a new one; warn once when repairing."""
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
            return self._build_in_memory(kb, progress, exc)

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

    def repair(self, reason: str, kb: KnowledgeBase, progress: Progress | None = None) -> windex.Index:
        """The index rebuilt after ``reason`` (unless another process repaired it meanwhile)."""
        with store.build_lock(self.index_dir):
            try:
                return store.open_valid(self.index_dir)  # repaired by someone else meanwhile
            except store.IndexInvalid as exc:
                self._warn(f"{reason}; {exc.reason}")
                return self._build(kb, progress or noop)

    def rebuild(self, kb: KnowledgeBase, progress: Progress | None = None) -> windex.Index:
        """The whole index built again from ``kb``."""
        with store.build_lock(self.index_dir):
            return self._build(kb, progress or noop)

    def _warn(self, reason: str) -> None:
        log.warning("Search index %s: %s; rebuilding it", self.index_dir, reason)
        self.rebuilt_reason = reason

    # ------------------------------------------------------------------ building

    def _build_in_memory(self, kb: KnowledgeBase, progress: Progress, exc: Exception) -> windex.Index:
        """Last resort: an index in RAM for this session, so search works without a usable cache."""
        reason = f"cannot write the index in {self.index_dir} ({exc}); using an in-memory index"
        log.warning("Search index: %s", reason)
        self.rebuilt_reason = reason
        ix = RamStorage().create_index(make_schema())
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
            with ix.writer(**build_options(len(wanted))) as writer:
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
            return UpdateReport(errors=kb.errors)
        try:
            writer = ix.writer(timeout=WRITER_TIMEOUT, compound=False)
        except LockError:
            log.warning("Search index %s is locked by another process; update skipped", self.index_dir)
            return UpdateReport(errors=kb.errors)
        todo = added + changed
        writer.mergetype = merge_tiers  # see merging.py: a few small merges, never one big one
        with writer:
            for aid in changed + removed:
                writer.delete_by_term("article", aid)
            for done, aid in enumerate(todo, 1):
                article, digest = wanted[aid]
                for doc in article_documents(article, digest):
                    writer.add_document(**doc)
                progress(done, len(todo))
        if isinstance(ix.storage, FileStorage):
            hashes = {aid: digest for aid, (_, digest) in wanted.items()}
            with store.build_lock(self.index_dir):
                store.record_files(Path(ix.storage.folder), (writer.generation, hashes))
        log.info("Search index: %d added, %d changed, %d removed", len(added), len(changed), len(removed))
        return UpdateReport(added, changed, removed, kb.errors)

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
