"""KnowledgeIndex: a knowledge-base folder, its Whoosh index in the cache, and search over both."""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.index import LockError
from whoosh.searching import Searcher

from index import confidence, kb_cache, posting_pool, store, world
from index.documents import VOCAB, article_documents, article_hash, make_schema
from index.feedback import Feedback
from index.highlight import highlight_terms, snippet
from index.merging import merge_tiers
from index.postings import PostingsCache
from index.query import understand
from index.ranking import CANDIDATES, DocCache, Scored, common_df, field_lengths, rank, text_df
from index.results import Hit, SearchResult, UpdateReport
from index.synonyms import Synonyms
from index.vocabulary import Vocabulary, WordTable
from kb.loader import LoadCache, load_kb
from kb.model import Article, KnowledgeBase

log = logging.getLogger(__name__)
posting_pool.install()  # faster spills for every writer, the build's writer processes included

Progress = Callable[[int, int], None]
WRITER_TIMEOUT = 30.0
DEFAULT_LIMIT, MAX_LIMIT = 20, 10_000
BUILD_LIMIT_MB = 128  # Whoosh's posting pool per writer process, flushed to disk when full
BUILD_MAX_PROCS = 2
KB_CACHE_MIN_PARSED = 20  # files parsed again (or 10% of them) before the saved KB is rewritten
PARALLEL_MIN_ARTICLES = 500  # below this the second process costs more than it saves


def _noop(done: int, total: int) -> None:
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


class KnowledgeIndex:
    """Search over one KB folder; open with :meth:`open`, close with :meth:`close`."""

    def __init__(
        self, kb_dir: Path, index_dir: Path, kb: KnowledgeBase, cache: LoadCache | None = None
    ) -> None:
        self.kb_dir = Path(kb_dir)
        self.index_dir = Path(index_dir)
        self.rebuilt_reason: str | None = None
        self._kb = kb
        self._synonyms = Synonyms.for_kb(kb)
        self._ix: windex.Index | None = None
        self._searcher: Searcher | None = None
        self._vocab = Vocabulary()
        self._extra_docs = 0  # articles without a vocabulary document (see ranking.query_stats)
        self._words: tuple[tuple | None, WordTable] = (None, WordTable())  # (file signature, table)
        self._docs = DocCache()  # documents ranked lately, valid for the open searcher
        self._postings: PostingsCache | None = None  # posting lists read, valid for the open searcher
        self._load_cache = cache or LoadCache()  # files unchanged since the last load are not re-read
        self._hashes: dict[int, tuple[Article, str]] = {}  # id(article) -> (article, content hash)
        self._lock = threading.RLock()  # guards the state searches read
        self._write_lock = threading.Lock()  # one refresh or rebuild at a time
        self._pointer_seen: tuple[int, int, int] | None = None  # signature of the pointer last read

    # ------------------------------------------------------------------ lifecycle
    # Index work (loading, building, writing) runs outside ``_lock`` so searches go on meanwhile;
    # ``_write_lock`` keeps this object's own updates in order, ``_install`` swaps the state in.

    @classmethod
    def open(
        cls, kb_dir: Path, index_dir: Path | None = None, progress: Progress | None = None
    ) -> KnowledgeIndex:
        """Load the KB, then build, repair or incrementally update its index as needed."""
        kb_dir = Path(kb_dir)
        index_dir = Path(index_dir) if index_dir else store.default_index_dir(kb_dir)
        cache, hashes = kb_cache.load(index_dir, kb_dir) or (LoadCache(), {})
        known = {  # before loading: articles of changed files are replaced by new objects
            id(art): (art, digest)
            for path, (_, art) in cache.files.items()
            if isinstance(art, Article) and isinstance(digest := hashes.get(path), str)
        }
        kb = load_kb(kb_dir, cache)
        self = cls(kb_dir, index_dir, kb, cache)
        self._hashes = known
        self.refresh(progress, kb=kb)
        return self

    @property
    def kb(self) -> KnowledgeBase:
        return self._kb

    def refresh(self, progress: Progress | None = None, kb: KnowledgeBase | None = None) -> UpdateReport:
        """Re-read the KB folder and bring the index up to date with it."""
        progress = progress or _noop
        with self._write_lock:
            kb = kb or load_kb(self.kb_dir, self._load_cache)
            reason_before = self.rebuilt_reason
            try:
                ix = self._open_or_build(kb, progress)
                report = self._sync(ix, kb, progress)
            except (store.IndexInvalid, OSError, ValueError, EOFError) as exc:
                ix = self._repair(f"index update failed ({type(exc).__name__}: {exc})", kb, progress)
                report = UpdateReport(added=tuple(a.id for a in kb.articles), rebuilt=True)
            self._install(ix, kb)
            self._keep_kb_cache()
            rebuilt = report.rebuilt or self.rebuilt_reason != reason_before
            return UpdateReport(report.added, report.changed, report.removed, kb.errors, rebuilt)

    def rebuild(self, progress: Progress | None = None) -> None:
        """Build the whole index again from the KB as loaded."""
        with self._write_lock:
            kb = self._kb
            with store.build_lock(self.index_dir):
                ix = self._build(kb, progress or _noop)
            self._install(ix, kb)
            self._keep_kb_cache()

    def _keep_kb_cache(self) -> None:
        """Save the parsed KB beside the index when there is none or many files were parsed again."""
        cache = self._load_cache
        if self._open_on_disk() is None:
            return
        stale = cache.parsed >= KB_CACHE_MIN_PARSED or cache.parsed * 10 > len(cache.files)
        if not stale and (self.index_dir / kb_cache.CACHE_NAME).exists():
            return
        hashes = {
            path: self._hashes[id(art)][1]
            for path, (_, art) in cache.files.items()
            if id(art) in self._hashes and self._hashes[id(art)][0] is art
        }
        kb_cache.save(self.index_dir, self.kb_dir, cache, hashes)

    def warm_up(self) -> None:
        """Do now what the first searches would otherwise pay for: open the searcher, read the
        documents' lengths and the commonest terms' postings, build the typo index (about a second
        at 100k rules, 0.2 s of first query and 0.35 s of first typo saved). Call it off the GUI
        thread after open and refresh; it runs in steps, so searches go on in between (no step holds
        the lock for more than the lexicon scan, ~0.1 s at 100k rules)."""
        try:
            if (on_disk := self._open_on_disk()) is not None:
                store.prefetch(Path(on_disk.storage.folder))  # the OS reads the files ahead while we work
            with self._lock:
                if self._ix is None:  # closed
                    return
                searcher = self._current_searcher()
                vocab, postings, synonyms = self._vocab, self._postings, self._synonyms
                field_lengths(searcher.reader(), "content")
                targets = vocab.typo_targets()
                common = common_df(searcher.doc_count())
                ahead = [(f, term) for f in ("content", "title") for term in postings.common_terms(f, common)]
            typo_index = Vocabulary.typo_index(targets)  # pure Python: searches may run meanwhile
            world.tables()  # the morphology dictionary and CLDR names (~0.2 s), once per process
            synonyms.warm_up()  # the thesaurus's phrase table and the phrasings' words (~0.2 s)
            with self._lock:
                if self._vocab is vocab:
                    vocab.install_typo_index(typo_index)
            for fieldname, term in ahead:
                with self._lock:
                    if self._postings is not postings or self._ix is None:
                        return  # the index changed or closed meanwhile: its own warm-up will follow
                    postings.get(fieldname, term)
        except Exception:  # warming is an optimisation; search() repairs what is broken
            log.exception("Search index %s: warm-up failed", self.index_dir)

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

    def _install(self, ix: windex.Index, kb: KnowledgeBase) -> None:
        with self._lock:
            if ix is not self._ix:  # same index: the searcher (and its caches) stays while up to date
                self._close_searcher()
            self._ix, self._kb, self._synonyms = ix, kb, Synonyms.for_kb(kb)

    def _open_or_build(self, kb: KnowledgeBase, progress: Progress) -> windex.Index:
        """A valid index: the one on disk, or (under the build lock) a new one; warn once when repairing."""
        try:
            return store.open_valid(self.index_dir, self._open_on_disk())
        except store.IndexInvalid:
            pass
        try:
            with store.build_lock(self.index_dir):
                try:
                    return store.open_valid(self.index_dir)  # another process may have built it meanwhile
                except store.IndexInvalid as exc:
                    if not exc.missing:
                        self._warn(exc.reason)
                    return self._build(kb, progress)
        except (OSError, store.LockTimeout) as exc:  # cache not writable, disk full, lock held for long
            return self._build_in_memory(kb, progress, exc)

    def _open_on_disk(self) -> windex.Index | None:
        """The generation of its folder this object has open, if any (reused while it is current)."""
        ix = self._ix
        on_disk = ix is not None and isinstance(ix.storage, FileStorage)
        return ix if on_disk and Path(ix.storage.folder).parent == self.index_dir else None

    def _moved_on(self) -> bool:
        """Whether another process (or a rebuild) published a generation other than the one open;
        the pointer is read again only when its signature changed (every search asks)."""
        ix = self._open_on_disk()
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

    def _repair(self, reason: str, kb: KnowledgeBase, progress: Progress | None) -> windex.Index:
        with store.build_lock(self.index_dir):
            try:
                return store.open_valid(self.index_dir)  # repaired by someone else meanwhile
            except store.IndexInvalid as exc:
                self._warn(f"{reason}; {exc.reason}")
                return self._build(kb, progress or _noop)

    def _warn(self, reason: str) -> None:
        log.warning("Search index %s: %s; rebuilding it", self.index_dir, reason)
        self.rebuilt_reason = reason

    def _build(self, kb: KnowledgeBase, progress: Progress) -> windex.Index:
        """Build a new generation folder, then publish it (caller holds the build lock)."""
        store.sweep(self.index_dir)
        gen = store.new_generation(self.index_dir)
        wanted = self._article_hashes(kb)
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

    def _article_hashes(self, kb: KnowledgeBase) -> dict[str, tuple[Article, str]]:
        """Article id → (article, content hash); an article object hashed before is not hashed again."""
        known, self._hashes = self._hashes, {}
        out = {}
        for a in kb.articles:
            entry = known.get(id(a))
            if entry is None or entry[0] is not a:
                entry = (a, article_hash(a))
            self._hashes[id(a)] = entry
            out[a.id] = entry
        return out

    def _sync(self, ix: windex.Index, kb: KnowledgeBase, progress: Progress) -> UpdateReport:
        """Re-index the articles whose content hash differs from the index's."""
        indexed = self._indexed_hashes(ix)
        wanted = self._article_hashes(kb)
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

    # ------------------------------------------------------------------ searching

    def search(self, query: str, limit: int = DEFAULT_LIMIT) -> SearchResult:
        """The best hits for what an agent typed; never raises."""
        query = query if isinstance(query, str) else str(query)
        try:
            limit = max(0, min(int(limit), MAX_LIMIT))
        except (TypeError, ValueError, OverflowError):
            limit = DEFAULT_LIMIT
        with self._lock:
            try:
                return self._search(query, limit)
            except Exception as exc:  # a damaged or vanished index: repair once, then answer
                return self._search_again(query, limit, exc)

    def _search_again(self, query: str, limit: int, exc: Exception) -> SearchResult:
        self._close_searcher()
        try:
            self._ix = self._repair(f"search failed ({type(exc).__name__}: {exc})", self._kb, None)
            return self._search(query, limit)
        except Exception:
            log.exception("Search failed for %r", query[:100])
            return SearchResult(query=query)

    _feedback: Feedback | None = None  # agents' earlier choices, see set_feedback

    def set_feedback(self, feedback: Feedback | None) -> None:
        """What agents chose for earlier queries (index/feedback.py); None: rank by the text alone.
        Takes effect from the next search (one reference swapped: no lock needed)."""
        self._feedback = feedback

    def _search(self, query: str, limit: int) -> SearchResult:
        searcher = self._current_searcher()
        plan = understand(query, self._vocab, self._synonyms)
        terms = highlight_terms(plan)
        feedback = self._feedback
        boosts = feedback.boost(plan) if feedback is not None and limit else {}
        wanted = max(limit, confidence.JUDGED_HITS, CANDIDATES if boosts else 0) if limit else 0
        scored = rank(searcher, plan, wanted, self._docs, self._extra_docs, self._postings)
        learned, missing = self._learned(scored, boosts) if boosts else ({}, [])
        if learned:
            scored = self._boosted(scored, learned, missing)
        scored = scored[: max(limit, confidence.JUDGED_HITS)]
        weights = confidence.concept_weights(plan, *self._frequencies(searcher)) if scored else []
        judge = confidence.Judge(plan, weights, self._vocab)
        hits = [self._hit(s, terms, judge.fit(s.fields), learned.get(s.fields["id"], 0.0)) for s in scored]
        verdict = confidence.verdict(hits)
        return SearchResult(
            query,
            plan.corrected,
            hits[:limit],
            terms,
            plan.layout_converted,
            confidence=verdict.confidence,
            ambiguous=verdict.ambiguous,
            candidates=verdict.candidates,
        )

    def _frequencies(self, searcher: Searcher) -> tuple[Callable[[str], int], int]:
        """Document frequency of a stem (text and customer phrasings, as ranking.query_stats counts
        it, from the same per-reader memo: the ranking has looked up the plan's stems already), and
        the document count it is out of."""
        reader = searcher.reader()
        n = max(1, searcher.doc_count()) + self._extra_docs

        def df(stem: str) -> int:
            return min(n, text_df(reader, stem))

        return df, n

    def _learned(self, scored: list[Scored], boosts: dict[str, float]) -> tuple[dict[str, float], list[dict]]:
        """The boosts of the rules that are ranked or that the KB still holds, and the stored fields
        of the latter (rules the ranking did not find, made from the KB once)."""
        ranked = {s.fields.get("id") for s in scored}
        missing = {rid: f for rid in boosts if rid not in ranked and (f := self._rule_fields(rid))}
        learned = {rid: b for rid, b in boosts.items() if rid in ranked or rid in missing}
        return learned, list(missing.values())

    @staticmethod
    def _boosted(scored: list[Scored], learned: dict[str, float], missing: list[dict]) -> list[Scored]:
        """Each learned rule's score plus its boost's share of the best score, best first; a learned
        rule the ranking did not find (``missing``) joins with the boost alone."""
        best = scored[0].score if scored else 1.0
        out = [
            Scored(s.fields, s.score + learned.get(s.fields.get("id", ""), 0.0) * best)
            for s in [*scored, *(Scored(f, 0.0) for f in missing)]
        ]
        out.sort(key=lambda s: (-s.score, s.fields.get("id", "")))
        return out

    def _rule_fields(self, rule_id: str) -> dict | None:
        """The stored fields a rule's document has, made from the KB (a rule the ranking missed)."""
        found = self._kb.find_rule(rule_id)
        if found is None:
            return None
        docs = article_documents(found[0], digest="-")
        return next((d for d in docs if d["id"] == rule_id), None)

    def _current_searcher(self) -> Searcher:
        if self._ix is None or self._moved_on():  # a new generation: open it, not the old one
            self._close_searcher()
            self._ix = self._open_or_build(self._kb, _noop)
        if self._searcher is not None and not self._searcher.up_to_date():
            self._close_searcher()  # never Searcher.refresh(): it returns stale hits (NOTES.md)
        if self._searcher is None:
            self._searcher = self._ix.searcher()
            self._docs = DocCache(self._searcher.reader())
            self._postings = PostingsCache(self._searcher.reader())
            vocabulary_docs = self._searcher.reader().doc_frequency("vocab", VOCAB)
            self._extra_docs = max(0, len(self._kb.articles) - vocabulary_docs)
            words = self._word_table()
            self._vocab = Vocabulary.from_reader(self._searcher.reader(), previous=self._vocab, words=words)
        return self._searcher

    def _word_table(self) -> WordTable:
        """The build's vocabulary beside the index, read again only when its file changed."""
        if self._ix is None or not isinstance(self._ix.storage, FileStorage):
            return WordTable()
        folder = Path(self._ix.storage.folder)
        try:
            st = (folder / store.WORDS_NAME).stat()
            key = (str(folder), st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            return WordTable()
        if self._words[0] != key:
            self._words = (key, WordTable(*store.read_words(folder)))
        return self._words[1]

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._docs.close()
        self._postings = None  # read through the closed searcher: a warm-up still running stops

    @staticmethod
    def _hit(
        scored: Scored, terms: tuple[str, ...], fit: confidence.Fit | None = None, learned: float = 0.0
    ) -> Hit:
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
            snippet=snippet(f.get("text", ""), terms, stems=f.get("stems", "")),
            score=round(float(scored.score), 4),
            coverage=fit.coverage if fit else 0.0,
            match=fit.match if fit else "",
            learned=round(learned, 4),
        )
