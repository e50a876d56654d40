"""Search latency on the bundled KB, in process: ``python benchmarks/bench_search.py [--runs N]``.

Times ``KnowledgeIndex.search`` over every query of the relevance set, repeated, and, in the same
process on the same index, a baseline: a plain single-term Whoosh query for the query's first stem.
Prints p50/p95/max in milliseconds, for the first pass over the queries (per-searcher caches
cold) and for the repeated runs. Target: search p95 ≤ 5 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from whoosh.query import Term

from index import KnowledgeIndex
from index.analysis import stem, words
from index.relevance_report import load_queries
from kb.paths import bundled_kb_dir


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(name: str, samples_ms: list[float]) -> str:
    return (
        f"{name:<28} n={len(samples_ms):>5}  p50={statistics.median(samples_ms):6.3f} ms  "
        f"p95={percentile(samples_ms, 0.95):6.3f} ms  max={max(samples_ms):7.3f} ms"
    )


def time_search(ix: KnowledgeIndex, queries: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        for q in queries:
            t0 = time.perf_counter()
            ix.search(q, limit=20)
            out.append((time.perf_counter() - t0) * 1000)
    return out


def time_baseline(ix: KnowledgeIndex, queries: list[str], runs: int) -> list[float]:
    searcher = ix._current_searcher()
    terms = [stem(ws[0].norm) for ws in (words(q) for q in queries) if ws]
    out = []
    for _ in range(runs):
        for t in terms:
            t0 = time.perf_counter()
            [hit.fields() for hit in searcher.search(Term("content", t), limit=20)]
            out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="passes over the query set (default 20)")
    parser.add_argument("--kb", type=Path, default=bundled_kb_dir())
    args = parser.parse_args()
    queries = [q for q, _, _ in load_queries()]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        ix = KnowledgeIndex.open(args.kb, Path(tmp) / "index")
        print(f"index built in {(time.perf_counter() - t0) * 1000:.0f} ms ({len(ix.kb.rules)} rules)")
        try:
            cold = time_search(ix, queries, 1)  # first pass: per-searcher caches still empty
            time_search(ix, queries, 1)
            baseline = time_baseline(ix, queries, args.runs)
            search = time_search(ix, queries, args.runs)
        finally:
            ix.close()
    print(f"{len(queries)} queries x {args.runs} runs, Python {sys.version.split()[0]}")
    print(summary("baseline: 1-term Whoosh", baseline))
    print(summary("search, first pass (cold)", cold))
    print(summary("KnowledgeIndex.search", search))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
