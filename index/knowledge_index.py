"""KnowledgeIndex: a knowledge-base folder, its Whoosh index in the cache, and search over both."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from whoosh import index as windex
from whoosh.index import LockError
from whoosh.searching import Searcher

from index import store
from index.documents import article_documents, article_hash, make_schema
from index.highlight import snippet
from index.query import understand
from index.ranking import Scored, rank
from index.results import Hit, SearchResult, UpdateReport
from index.synonyms import Synonyms
from index.vocabulary import Vocabulary
from kb.loader import load_kb
from kb.model import Article, KnowledgeBase

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
WRITER_TIMEOUT = 30.0


def _noop(done: int, total: int) -> None:
    pass


class KnowledgeIndex:
    """Search over one KB folder; open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, kb_dir: Path, index_dir: Path, kb: KnowledgeBase) -> None:
        self.kb_dir = Path(kb_dir)
        self.index_dir = Path(index_dir)
        self.rebuilt_reason: str | None = None
        self._kb = kb
        self._synonyms = Synonyms(kb.glossary)
        self._ix: windex.Index | None = None
        self._searcher: Searcher | None = None
        self._vocab = Vocabulary()
        self._docs: dict = {}  # docnum -> (stored fields, parsed stems), valid for the open searcher
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def open(
        cls, kb_dir: Path, index_dir: Path | None = None, progress: Progress | None = None
    ) -> KnowledgeIndex:
        """Load the KB, then build, repair or incrementally update its index as needed."""
        kb_dir = Path(kb_dir)
        self = cls(kb_dir, Path(index_dir) if index_dir else store.default_index_dir(kb_dir), load_kb(kb_dir))
        self._ensure(progress or _noop)
        self._sync(progress or _noop)
        return self

    @property
    def kb(self) -> KnowledgeBase:
        return self._kb

    def refresh(self, progress: Progress | None = None) -> UpdateReport:
        """Re-read the KB folder and bring the index up to date with it."""
        with self._lock:
            self._kb = load_kb(self.kb_dir)
            self._synonyms = Synonyms(self._kb.glossary)
            reason_before = self.rebuilt_reason
            try:
                self._close_searcher()
                self._ix = None
                self._ensure(progress or _noop)
                report = self._sync(progress or _noop)
            except (store.IndexInvalid, OSError, ValueError, EOFError) as exc:
                self._repair(f"index update failed ({type(exc).__name__}: {exc})", progress)
                report = UpdateReport(added=tuple(a.id for a in self._kb.articles), rebuilt=True)
            rebuilt = report.rebuilt or self.rebuilt_reason != reason_before
            return UpdateReport(report.added, report.changed, report.removed, self._kb.errors, rebuilt)

    def rebuild(self, progress: Progress | None = None) -> None:
        """Build the whole index again from the KB as loaded."""
        with self._lock, store.build_lock(self.index_dir):
            self._close_searcher()
            self._build_fresh(progress or _noop)

    def close(self) -> None:
        with self._lock:
            self._close_searcher()
            if self._ix is not None:
                self._ix.close()
                self._ix = None

    def __enter__(self) -> KnowledgeIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure(self, progress: Progress) -> None:
        """Open a valid index, or (under the build lock) build one; warn once when repairing."""
        try:
            self._ix = store.open_valid(self.index_dir)
            return
        except store.IndexInvalid:
            pass
        with store.build_lock(self.index_dir):
            try:
                self._ix = store.open_valid(self.index_dir)  # another process may have built it
            except store.IndexInvalid as exc:
                if not exc.missing:
                    log.warning("Search index %s: %s; rebuilding it", self.index_dir, exc.reason)
                    self.rebuilt_reason = exc.reason
                self._build_fresh(progress)

    def _repair(self, reason: str, progress: Progress | None) -> None:
        log.warning("Search index %s: %s; rebuilding it", self.index_dir, reason)
        self.rebuilt_reason = reason
        self._close_searcher()
        with store.build_lock(self.index_dir):
            self._build_fresh(progress or _noop)

    def _build_fresh(self, progress: Progress) -> None:
        """Build into a temporary folder, then rename it into place (caller holds the build lock)."""
        store.sweep(self.index_dir)
        tmp = store.fresh_dir(self.index_dir)
        try:
            ix = windex.create_in(str(tmp), make_schema())
            articles = self._kb.articles
            with ix.writer(limitmb=128) as writer:
                for done, article in enumerate(articles, 1):
                    for doc in article_documents(article):
                        writer.add_document(**doc)
                    progress(done, len(articles))
            ix.close()
            if not articles:
                progress(0, 0)
            store.record_files(tmp)
            store.swap_in(tmp, self.index_dir)
        except BaseException:
            store.discard(tmp)
            raise
        self._ix = windex.open_dir(str(self.index_dir))

    def _indexed_hashes(self) -> dict[str, str]:
        """Article id → content hash of what the index holds now (live documents only)."""
        out: dict[str, str] = {}
        with self._ix.reader() as reader:
            for term in reader.field_terms("ahash"):
                postings = reader.postings("ahash", term)
                if any(not reader.is_deleted(d) for d in postings.all_ids()):
                    article, _, digest = term.rpartition(":")
                    out[article] = digest
        return out

    def _sync(self, progress: Progress) -> UpdateReport:
        """Re-index the articles whose content hash differs from the index's."""
        indexed = self._indexed_hashes()
        wanted: dict[str, tuple[Article, str]] = {a.id: (a, article_hash(a)) for a in self._kb.articles}
        added = tuple(a for a in wanted if a not in indexed)
        changed = tuple(a for a in wanted if a in indexed and indexed[a] != wanted[a][1])
        removed = tuple(a for a in indexed if a not in wanted)
        if not (added or changed or removed):
            return UpdateReport(errors=self._kb.errors)
        try:
            writer = self._ix.writer(timeout=WRITER_TIMEOUT)
        except LockError:
            log.warning("Search index %s is locked by another process; update skipped", self.index_dir)
            return UpdateReport(errors=self._kb.errors)
        todo = added + changed
        with writer:
            for aid in changed + removed:
                writer.delete_by_term("article", aid)
            for done, aid in enumerate(todo, 1):
                article, digest = wanted[aid]
                for doc in article_documents(article, digest):
                    writer.add_document(**doc)
                progress(done, len(todo))
        with store.build_lock(self.index_dir):
            store.record_files(self.index_dir)
        self._close_searcher()
        log.info("Search index: %d added, %d changed, %d removed", len(added), len(changed), len(removed))
        return UpdateReport(added, changed, removed, self._kb.errors)

    # ------------------------------------------------------------------ searching

    def search(self, query: str, limit: int = 20) -> SearchResult:
        """The best hits for what an agent typed; never raises."""
        query = query if isinstance(query, str) else str(query)
        with self._lock:
            try:
                return self._search(query, limit)
            except Exception as exc:  # a damaged or vanished index: repair once, then answer
                return self._search_again(query, limit, exc)

    def _search_again(self, query: str, limit: int, exc: Exception) -> SearchResult:
        self._close_searcher()
        try:
            self._ix = store.open_valid(self.index_dir)
        except store.IndexInvalid as invalid:
            self._repair(f"search failed ({type(exc).__name__}); {invalid.reason}", None)
        try:
            return self._search(query, limit)
        except Exception:
            log.exception("Search failed for %r", query[:100])
            return SearchResult(query=query)

    def _search(self, query: str, limit: int) -> SearchResult:
        searcher = self._current_searcher()
        plan = understand(query, self._vocab, self._synonyms)
        terms = plan.terms
        hits = [self._hit(s, terms) for s in rank(searcher, plan, max(0, int(limit)), self._docs)]
        return SearchResult(query, plan.corrected, hits, terms, plan.layout_converted)

    def _current_searcher(self) -> Searcher:
        if self._ix is None:
            self._ensure(_noop)
        if self._searcher is not None and not self._searcher.up_to_date():
            self._close_searcher()  # never Searcher.refresh(): it returns stale hits (NOTES.md)
        if self._searcher is None:
            self._searcher = self._ix.searcher()
            self._docs = {}
            self._vocab = Vocabulary.from_reader(self._searcher.reader())
        return self._searcher

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    @staticmethod
    def _hit(scored: Scored, terms: tuple[str, ...]) -> Hit:
        f = scored.fields
        return Hit(
            id=f["id"],
            kind=f.get("kind", ""),
            article=f.get("article", ""),
            article_title=f.get("article_title", ""),
            line=f.get("line", ""),
            line_label=f.get("line_label", ""),
            section=f.get("section", ""),
            section_id=f.get("section_id", ""),
            number=f.get("number"),
            text=f.get("text", ""),
            snippet=snippet(f.get("text", ""), terms),
            score=round(float(scored.score), 4),
        )
