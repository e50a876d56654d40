"""KnowledgeIndex: search over one knowledge-base folder and its Whoosh index in the cache.

How the index on disk is opened, built, updated and repaired lives in ``index/lifecycle.py``; this
module keeps the searcher, its caches and the query path.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import Searcher

from index import confidence, kb_cache, store, world
from index.documents import VOCAB, article_documents
from index.feedback import Feedback
from index.highlight import highlight_terms, snippet
from index.lifecycle import Lifecycle, Progress, noop
from index.postings import PostingsCache
from index.query import understand
from index.ranking import CANDIDATES, DocCache, Scored, common_df, field_lengths, rank, text_df
from index.results import Hit, SearchResult, UpdateReport
from index.synonyms import Synonyms
from index.vocabulary import Vocabulary, WordTable
from kb.loader import LoadCache, load_kb
from kb.model import Article, KnowledgeBase

log = logging.getLogger(__name__)

DEFAULT_LIMIT, MAX_LIMIT = 20, 10_000


class KnowledgeIndex:
    """Search over one KB folder; open with :meth:`open`, close with :meth:`close`."""

    def __init__(
        self, kb_dir: Path, index_dir: Path, kb: KnowledgeBase, cache: LoadCache | None = None
    ) -> None:
        self.kb_dir = Path(kb_dir)
        self.index_dir = Path(index_dir)
        self._life = Lifecycle(self.kb_dir, self.index_dir, cache)
        self._kb = kb
        self._synonyms = Synonyms.for_kb(kb)
        self._ix: windex.Index | None = None
        self._searcher: Searcher | None = None
        self._vocab = Vocabulary()
        self._extra_docs = 0  # articles without a vocabulary document (see ranking.query_stats)
        self._words: tuple[tuple | None, WordTable] = (None, WordTable())  # (file signature, table)
        self._docs = DocCache()  # documents ranked lately, valid for the open searcher
        self._postings: PostingsCache | None = None  # posting lists read, valid for the open searcher
        self._lock = threading.RLock()  # guards the state searches read
        self._write_lock = threading.Lock()  # one refresh or rebuild at a time

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
        self._life.hashes = known
        self.refresh(progress, kb=kb)
        return self

    @property
    def kb(self) -> KnowledgeBase:
        return self._kb

    @property
    def rebuilt_reason(self) -> str | None:
        """Why the index was rebuilt or replaced by an in-memory one (None: it opened as it was)."""
        return self._life.rebuilt_reason

    @property
    def unsaved(self) -> str | None:
        """Why the index searched is not (wholly) saved in the cache folder: it could not be written
        (disk full, read-only) and lives in memory for this session; None when it is saved."""
        return self._life.unsaved

    @property
    def _load_cache(self) -> LoadCache:
        return self._life.load_cache

    def refresh(self, progress: Progress | None = None, kb: KnowledgeBase | None = None) -> UpdateReport:
        """Re-read the KB folder and bring the index up to date with it."""
        progress = progress or noop
        life = self._life
        with self._write_lock:
            kb = kb or load_kb(self.kb_dir, life.load_cache)
            reason_before = life.rebuilt_reason
            ix, report = life.update(kb, progress, self._ix)
            self._install(ix, kb)
            life.keep_kb_cache(ix)
            rebuilt = report.rebuilt or life.rebuilt_reason != reason_before
            return UpdateReport(report.added, report.changed, report.removed, kb.errors, rebuilt)

    def rebuild(self, progress: Progress | None = None) -> None:
        """Build the whole index again from the KB as loaded."""
        with self._write_lock:
            kb = self._kb
            ix = self._life.rebuild(kb, progress)
            self._install(ix, kb)
            self._life.keep_kb_cache(ix)

    def verify(self, progress: Progress | None = None) -> None:
        """Check the index on disk in full (every file's checksum) and rebuild it if damaged; after
        it, ``rebuilt_reason`` says what was repaired and ``unsaved`` whether it could be saved."""
        with self._write_lock:
            kb = self._kb
            ix = self._life.verify(kb, progress)
            self._install(ix, kb)
            self._life.keep_kb_cache(ix)

    def warm_up(self) -> None:
        """Do now what the first searches would otherwise pay for: open the searcher, read the
        documents' lengths and the commonest terms' postings, build the typo index (about a second
        at 100k rules, 0.2 s of first query and 0.35 s of first typo saved). Call it off the GUI
        thread after open and refresh; it runs in steps, so searches go on in between (no step holds
        the lock for more than the lexicon scan, ~0.1 s at 100k rules)."""
        try:
            if (on_disk := self._life.on_disk(self._ix)) is not None:
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
                result = self._search(query, limit)
                if not result.hits and limit:  # nothing found: is it the query or the files?
                    self._life.check_once(self._ix)
                return result
            except Exception as exc:  # a damaged or vanished index: repair once, then answer
                return self._search_again(query, limit, exc)

    def _search_again(self, query: str, limit: int, exc: Exception) -> SearchResult:
        """Answer from the index the lifecycle recovers after ``exc`` (a read error: rebuilt, with a
        notice in ``rebuilt_reason``); an error again is logged and answers nothing."""
        self._close_searcher()
        try:
            self._ix = self._life.recover(self._ix, exc, self._kb)
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
        if self._ix is None or self._life.moved_on(self._ix):  # a new generation: open it, not the old one
            self._close_searcher()
            self._ix = self._life.open_or_build(self._kb, noop, self._ix)
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
