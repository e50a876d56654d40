# ruff: noqa: E501  (a throwaway experiment, kept as evidence)
"""Experiment (index issue 5): Whoosh's BM25F vs CachedLengthBM25F on the benchmark queries: same hits? latency.

python benchmarks/experiments/bm25_lengths.py   (uses /tmp/w100k)
"""

import json
import sys
import time

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from pathlib import Path

from whoosh import scoring

import index.knowledge_index as kix
from index import KnowledgeIndex

qs = json.loads(Path("/tmp/w100k/queries.json").read_text(encoding="utf-8"))
out = {}
for name, W in (("cached", kix.CachedLengthBM25F), ("plain", scoring.BM25F)):
    kix.CachedLengthBM25F = W
    ix = KnowledgeIndex.open(Path("/tmp/w100k/kb"), Path("/tmp/w100k/index"))
    ix.warm_up()
    for q in qs[:20]:
        ix.search(q)
    ts = []
    res = []
    for q in qs:
        t = time.perf_counter()
        r = ix.search(q)
        ts.append((time.perf_counter() - t) * 1000)
        res.append([h.id for h in r.hits])
    ts.sort()
    print(name, "p50", round(ts[120], 1), "p95", round(ts[228], 1))
    out[name] = res
    ix.close()
print(
    "identical",
    out["cached"] == out["plain"],
    sum(a == b for a, b in zip(out["cached"], out["plain"], strict=True)),
)
