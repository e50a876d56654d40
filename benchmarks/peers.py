"""Other engines a user could pick instead of Whoosh, indexing the same rules: SQLite FTS5 and tantivy.

Each peer indexes one document per rule (id, article + section title, rule text) on disk and
answers a query with the ids of its top 20 rules, all query words required (AND).
What each peer does NOT do is in its ``limits``: compare figures with that in mind.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kb.model import KnowledgeBase

_WORD_RE = re.compile(r"\w+(?:-\w+)*")


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    text: str


def docs_from_kb(kb: KnowledgeBase) -> list[Doc]:
    """One document per rule: its id, "article title / section title", its plain text."""
    return [
        Doc(rule.id, f"{article.title} / {section.title}", rule.text)
        for article in kb.articles
        for section in article.sections
        for rule in section.rules
    ]


def query_words(query: str) -> list[str]:
    return [w.lower() for w in _WORD_RE.findall(query)]


class SqliteFts5:
    """SQLite FTS5, ``unicode61 remove_diacritics 2`` tokenizer, bm25 ranking."""

    name = "sqlite_fts5"
    limits = (
        "no Russian stemming (FTS5 ships only the English porter stemmer), no typo correction, "
        "no keyboard-layout fix, no glossary; the last query word is matched as a prefix"
    )

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.path = workdir / "fts5.sqlite"
        self.path.unlink(missing_ok=True)
        self.db = sqlite3.connect(self.path)

    def build(self, docs: list[Doc]) -> None:
        self.db.execute(
            "CREATE VIRTUAL TABLE rules USING fts5(id UNINDEXED, title, text,"
            " tokenize = 'unicode61 remove_diacritics 2')"
        )
        with self.db:
            self.db.executemany("INSERT INTO rules VALUES (?, ?, ?)", ((d.id, d.title, d.text) for d in docs))

    def search(self, query: str, limit: int = 20) -> list[str]:
        words = query_words(query)
        if not words:
            return []
        terms = [f'"{w}"' for w in words[:-1]] + [f'"{words[-1]}"*']
        sql = "SELECT id FROM rules WHERE rules MATCH ? ORDER BY rank LIMIT ?"
        return [row[0] for row in self.db.execute(sql, (" AND ".join(terms), limit))]

    def close(self) -> None:
        self.db.close()


class Tantivy:
    """tantivy (Rust, via tantivy-py): simple tokenizer + lowercase + Snowball Russian stemmer, BM25."""

    name = "tantivy"
    limits = (
        "no typo correction (fuzzy queries exist but are not used), no keyboard-layout fix, "
        "no glossary, no prefix matching of an unfinished word"
    )

    def __init__(self, workdir: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        self.path = workdir / "tantivy"
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True)
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", tokenizer_name="ru_stem")
        builder.add_text_field("text", tokenizer_name="ru_stem")
        self.index = tantivy.Index(builder.build(), path=str(self.path))
        analyzer = (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("russian"))
            .build()
        )
        self.index.register_tokenizer("ru_stem", analyzer)
        self.searcher = None

    def build(self, docs: list[Doc]) -> None:
        writer = self.index.writer(heap_size=256_000_000, num_threads=2)
        for d in docs:
            writer.add_document(self.tantivy.Document(id=d.id, title=d.title, text=d.text))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def search(self, query: str, limit: int = 20) -> list[str]:
        words = query_words(query)
        if not words:
            return []
        parsed = self.index.parse_query(" ".join(words), ["title", "text"], conjunction_by_default=True)
        hits = self.searcher.search(parsed, limit).hits
        return [self.searcher.doc(address)["id"][0] for _, address in hits]

    def close(self) -> None:
        self.searcher = None


PEERS: tuple[type, ...] = (SqliteFts5, Tantivy)


def available_peers() -> list[type]:
    """The peers whose engine can be imported here (tantivy is an optional dependency)."""
    out = []
    for peer in PEERS:
        if peer is Tantivy:
            try:
                import tantivy  # noqa: F401
            except ImportError:
                continue
        out.append(peer)
    return out


def percentiles(samples_ms: Iterable[float]) -> dict[str, float]:
    """p50 and p95 (nearest rank) of latencies in ms, rounded to 0.01 ms."""
    values = sorted(samples_ms)
    if not values:
        return {"p50": 0.0, "p95": 0.0}
    pick = lambda q: values[min(len(values) - 1, max(0, round(q * len(values)) - 1))]  # noqa: E731
    return {"p50": round(statistics.median(values), 2), "p95": round(pick(0.95), 2)}


def time_queries(search: Callable[[str], list], queries: Iterable[str]) -> tuple[list[float], int]:
    """Latency of each query in ms, and how many queries returned at least one hit."""
    times, answered = [], 0
    for text in queries:
        start = time.perf_counter()
        hits = search(text)
        times.append((time.perf_counter() - start) * 1000)
        answered += bool(hits)
    return times, answered


def run_peer(peer_cls: type, docs: list[Doc], queries: list[str], workdir: Path, load_s: float) -> dict:
    """Build the peer's index from ``docs`` and time the queries; ``build_s`` includes ``load_s``."""
    peer = peer_cls(workdir)
    start = time.perf_counter()
    peer.build(docs)
    index_s = time.perf_counter() - start
    time_queries(peer.search, queries[:20])  # warm-up, as for Whoosh
    times, answered = time_queries(peer.search, queries)
    peer.close()
    return {
        "build_s": round(load_s + index_s, 2),
        "index_s": round(index_s, 2),
        "query_ms": percentiles(times),
        "answered": answered,
        "limits": peer.limits,
    }
