"""The relevance report: metrics are right, both sets run on the bundled KB, test misses stay hidden."""

from __future__ import annotations

import json

import pytest

from index import relevance_report as rr
from index.knowledge_index import KnowledgeIndex


def _outcome(kind: str, rank: int | None) -> rr.Outcome:
    got = ("x/a/1", "x/a/2", "x/a/3", "x/a/4")
    expected = (got[rank - 1],) if rank else ("x/none/1",)
    return rr.Outcome(f"q{rank}", kind, expected, got)


def test_metrics_count_ranks_one_three_and_reciprocal():
    outcomes = [_outcome("a", 1), _outcome("a", 2), _outcome("a", 4), _outcome("b", None)]
    assert [o.rank for o in outcomes] == [1, 2, 4, None]
    m = rr.metrics(outcomes)
    assert (m.n, m.r1, m.r3) == (4, 0.25, 0.5)
    assert m.mrr == pytest.approx((1 + 1 / 2 + 1 / 4) / 4)
    table = rr.by_kind(outcomes)
    assert list(table) == ["a", "b", "ALL"]
    assert table["b"] == rr.Metrics(1, 0.0, 0.0, 0.0)
    assert rr.metrics([]) == rr.Metrics(0, 0.0, 0.0, 0.0)


def test_customer_queries_per_split_partition_the_set():
    dev, test = rr.load_customer_queries("dev"), rr.load_customer_queries("test")
    everything = rr.load_customer_queries("all")
    assert dev and test
    assert sorted(dev + test) == sorted(everything)
    assert {q for q, _, _ in dev}.isdisjoint({q for q, _, _ in test})
    assert {kind for _, kind, _ in everything} == {"real", "customer", "customer_long"}
    with pytest.raises(ValueError):
        rr.load_customer_queries("train")


def test_customer_report_on_the_bundled_kb_gives_numbers_in_0_1(bundled_index: KnowledgeIndex):
    results = rr.customer_outcomes(bundled_index, rr.SPLITS)
    assert (
        len(results["all"]) == len(results["dev"]) + len(results["test"]) == len(rr.load_customer_queries())
    )
    for split, outcomes in results.items():
        table = rr.by_kind(outcomes)
        assert set(table) == {"real", "customer", "customer_long", "ALL"}, split
        for m in table.values():
            assert m.n > 0 and all(0.0 <= v <= 1.0 for v in (m.r1, m.r3, m.mrr)), (split, m)
            assert m.r1 <= m.r3 and m.r1 <= m.mrr <= m.r3 + (1 - m.r3) / 4
    text = rr.customer_report(results, misses=("dev",))
    assert "customer set, test:" in text and "customer set, dev, not first:" in text
    assert not any(repr(o.query) in text for o in results["test"])


def _main(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert rr.main(list(argv)) == 0
    return capsys.readouterr().out


def test_main_by_default_keeps_the_relevance_report_and_adds_the_customer_tables(
    capsys, bundled_index: KnowledgeIndex
):
    out = _main(capsys)
    relevance, customer = out.split("\n\n", 1)
    assert relevance == "relevance set:\n" + rr.report(rr.run(bundled_index, rr.load_queries()))
    assert [line for line in customer.splitlines() if line.startswith("customer set")] == [
        f"customer set, {split}:" for split in rr.SPLITS
    ]
    assert not any(repr(q) in out for q, _, _ in rr.load_customer_queries("all"))


def test_main_misses_lists_dev_misses_never_test_misses(capsys):
    out = _main(capsys, "--set", "customer", "--misses")
    assert "relevance set" not in out
    assert "customer set, dev, not first:" in out and rr.TEST_MISSES_HIDDEN in out
    listed = [line for line in out.splitlines() if line.startswith("  [")]
    dev = {repr(q) for q, _, _ in rr.load_customer_queries("dev")}
    test = {repr(q) for q, _, _ in rr.load_customer_queries("test")}
    assert listed and all(any(q in line for q in dev) for line in listed)
    assert not any(q in out for q in test)


def test_main_json_for_one_split(capsys):
    data = json.loads(_main(capsys, "--set", "customer", "--split", "test", "--json", "--misses"))
    assert list(data) == ["customer"] and list(data["customer"]) == ["test"]
    test = data["customer"]["test"]
    assert "not_first" not in test
    assert set(test["metrics"]) == {"real", "customer", "customer_long", "ALL"}
    assert test["metrics"]["ALL"]["n"] == len(rr.load_customer_queries("test"))
    assert all(0.0 <= m[k] <= 1.0 for m in test["metrics"].values() for k in ("r1", "r3", "mrr"))


def test_main_lists_test_misses_only_when_asked_by_name(capsys):
    data = json.loads(_main(capsys, "--set", "customer", "--split", "test", "--json", "--test-misses"))
    listed = data["customer"]["test"]["not_first"]
    assert listed and {m["query"] for m in listed} <= {q for q, _, _ in rr.load_customer_queries("test")}
    assert all(m["rank"] != 1 for m in listed)
