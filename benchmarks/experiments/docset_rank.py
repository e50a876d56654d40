# ruff: noqa: E731, SIM108  (a throwaway experiment, kept as evidence)
"""Experiment (not used by the app): when every concept of a query is common, gather candidates from
cached per-stem docnum sets (C-level set algebra) and pre-rank them by content length, instead of
Whoosh's scored flat OR; compare speed and top-20 agreement with index.ranking.rank.

    python benchmarks/run.py --rules 100000 --json r.json --workdir /tmp/w100k
    python benchmarks/experiments/docset_rank.py /tmp/w100k/kb /tmp/w100k/index /tmp/w100k/queries.json

Reads private attributes of KnowledgeIndex (_current_searcher, _vocab, _synonyms, _docs): it runs
against commit b048b62 only (`git worktree add /tmp/old b048b62`). Superseded: index/postings.py +
ranking.gather (one BM25 pass over whole posting lists) took p95 from 27 to 13 ms without changing
the ranking, where this prototype changed the top hit of 33 of 240 queries.
"""

import json
import statistics
import sys
import time
from collections import OrderedDict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import index.ranking as R
from index import KnowledgeIndex
from index.query import understand


class DocSets:
    """Per-searcher LRU of stem -> frozenset(docnums) over content+title postings."""

    def __init__(self, reader, size=256):
        self.reader, self.size, self.memo = reader, size, OrderedDict()
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN

        parts = []  # every document's content length byte, once per searcher (~70 ms at 100k)
        for sub, _ in reader.leaf_readers():
            col = sub._perdoc._cached_reader("_content_len", LENGTHS_COLUMN)
            parts.append(bytes(col[i] for i in range(sub.doc_count_all())))
        self.lengths = b"".join(parts)

    def stem(self, s):
        got = self.memo.get(s)
        if got is None:
            ids = set()
            for field in ("content", "title"):
                if (field, s) in self.reader:
                    ids.update(self.reader.postings(field, s).all_ids())
            got = self.memo[s] = frozenset(ids)
            if len(self.memo) > self.size:
                self.memo.popitem(last=False)
        else:
            self.memo.move_to_end(s)
        return got

    def concept(self, c):
        out = set()
        for alt in c.alternatives:
            sets = [self.stem(s) for s in alt.stems]
            if sets:
                out |= frozenset.intersection(*sets) if len(sets) > 1 else sets[0]
        return out


def rank_sets(searcher, plan, limit, cache, docsets):
    concepts = [c for c in plan.concepts if c.alternatives and not c.stop] or [
        c for c in plan.concepts if c.alternatives
    ]
    if limit <= 0 or not concepts:
        return []
    stats = R.query_stats(searcher, plan)
    common = max(R.COMMON_MIN_DOCS, R.COMMON_SHARE * stats.n)
    if any(0 < R._rarest(c, stats.dfs) <= common for c in concepts):
        return R.rank(searcher, plan, limit, cache)  # a rare concept prunes well already
    sets = sorted((docsets.concept(c) for c in concepts), key=len)
    cand = set(sets[0])
    for s in sets[1:]:
        if len(cand & s) >= R.CANDIDATES:
            cand &= s
        else:
            break  # keep partial coverage rather than too few candidates
    keep = 3 * max(R.CANDIDATES, limit)
    if len(cand) > keep:  # BM25 with tf ~ 1 favours short documents: pre-rank by length, C-level
        docnums = sorted(cand, key=docsets.lengths.__getitem__)[:keep]
    else:
        docnums = sorted(cand)
    scored = []
    for docnum in docnums:
        entry = cache.get(docnum)
        if entry is None:
            fields = searcher.stored_fields(docnum)
            entry = cache[docnum] = (fields, R.DocStems.of(fields))
        fields, doc = entry
        score = R.rescore(plan, stats, doc, fields.get("kind", ""))
        if score > 0:
            scored.append(R.Scored(fields, score))
    scored.sort(key=lambda s: (-s.score, s.fields.get("id", "")))
    return scored[:limit]


kb_dir, index_dir, queries_file = (Path(a) for a in sys.argv[1:4])
qs = json.loads(queries_file.read_text(encoding="utf-8"))
ix = KnowledgeIndex.open(kb_dir, index_dir)
ix.warm_up()
searcher = ix._current_searcher()
docsets = DocSets(searcher.reader())


def cur(q):
    plan = understand(q, ix._vocab, ix._synonyms)
    return [s.fields["id"] for s in R.rank(searcher, plan, 20, ix._docs)]


def new(q):
    plan = understand(q, ix._vocab, ix._synonyms)
    return [s.fields["id"] for s in rank_sets(searcher, plan, 20, ix._docs, docsets)]


for q in qs[:20]:
    cur(q)
    new(q)
tc, tn, same1, overlap = [], [], 0, []
for q in qs:
    t = time.perf_counter()
    a = cur(q)
    tc.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    b = new(q)
    tn.append((time.perf_counter() - t) * 1000)
    same1 += a[:1] == b[:1]
    overlap.append(len(set(a) & set(b)) / max(1, len(a)))
p = lambda v: (round(statistics.median(v), 1), round(sorted(v)[int(0.95 * len(v)) - 1], 1), round(max(v), 1))
print("current p50/p95/max", p(tc))
print("docsets p50/p95/max", p(tn))
print("same top-1", same1, "/", len(qs), " mean top-20 overlap", round(statistics.mean(overlap), 3))
for q in ["услуги заявки", "одном номере", "ЕСИС счет", "клиент"]:
    t = time.perf_counter()
    cur(q)
    a = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    new(q)
    b = (time.perf_counter() - t) * 1000
    print(q, round(a, 1), "->", round(b, 1))
rows = []
for q in qs:
    t = time.perf_counter()
    new(q)
    rows.append(((time.perf_counter() - t) * 1000, q))
rows.sort(reverse=True)
print("slowest with docsets:", [(round(t, 1), q) for t, q in rows[:14]])
for q in [rows[0][1], rows[3][1]]:
    plan = understand(q, ix._vocab, ix._synonyms)
    print(q, "concepts", [(c.label, [(a.stems, a.boost) for a in c.alternatives][:6]) for c in plan.concepts])
