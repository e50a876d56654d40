"""run.py at a tiny size writes a JSON with every key the issue names."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("wordfreq")
pytest.importorskip("psutil")
pytest.importorskip("index", reason="the index package is needed to benchmark it")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import run


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "result.json"
    argv = ["--rules", "300", "--json", str(out), "--workdir", str(tmp / "work"), "--edits", "2"]
    assert run.main([*argv, "--startup-runs", "1"]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_json_has_the_issue_keys(result: dict) -> None:
    assert {"build_s", "update_ms", "query_ms", "startup_s", "rss_mb", "peers"} <= result.keys()
    assert set(result["query_ms"]) == {"p50", "p95"}
    assert result["build_s"] > 0 and result["update_ms"] > 0 and result["rss_mb"] > 0
    assert result["query_ms"]["p50"] <= result["query_ms"]["p95"]
    assert result["n_rules"] == max(300, result["corpus"]["n_real"])
    assert result["n_docs"] >= result["n_rules"]
    assert result["baseline"]["whoosh_term_ms"]["p50"] > 0


def test_real_queries_find_something(result: dict) -> None:
    assert result["answered"] > result["queries"]["count"] // 2


def test_peers_report_build_and_query_figures(result: dict) -> None:
    assert "sqlite_fts5" in result["peers"]  # stdlib: always there
    for peer in result["peers"].values():
        assert peer["build_s"] > 0
        assert set(peer["query_ms"]) == {"p50", "p95"}
