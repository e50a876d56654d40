"""The relevance set on the bundled KB: R@1 ≥ 0.95 and R@3 ≥ 0.99 (report printed with -s)."""

from __future__ import annotations

from collections import Counter

from index.knowledge_index import KnowledgeIndex
from index.relevance_report import by_kind, load_queries, report, run


def test_relevance_set_is_large_and_covers_every_rule(bundled_index: KnowledgeIndex):
    queries = load_queries()
    assert len(queries) >= 100
    kinds = Counter(kind for _, kind, _ in queries)
    assert len(kinds) == 8 and min(kinds.values()) >= 8, kinds
    rules = {r.id for r in bundled_index.kb.rules}
    targets = {rid for _, _, ids in queries for rid in ids}
    assert targets <= rules, targets - rules
    assert rules <= targets, rules - targets


def test_recall_at_1_and_3(bundled_index: KnowledgeIndex):
    outcomes = run(bundled_index, load_queries())
    print("\n" + report(outcomes))
    overall = by_kind(outcomes)["ALL"]
    assert overall.r1 >= 0.95
    assert overall.r3 >= 0.99
