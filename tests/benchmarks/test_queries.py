"""The query mix: at least 200 queries of every kind, the same every time."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("wordfreq")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from queries import MIX, build_queries, misspell, queries_digest, wrong_layout


def test_mix_has_every_kind_and_enough_queries() -> None:
    queries = build_queries()
    assert len(queries) >= 200
    assert {q.kind for q in queries} == set(MIX)
    assert all(1 <= len(q.text.split()) <= 3 for q in queries)


def test_mix_is_deterministic() -> None:
    assert queries_digest(build_queries()) == queries_digest(build_queries())
    assert queries_digest(build_queries(seed=1)) != queries_digest(build_queries())


def test_wrong_layout_and_misspelling() -> None:
    import random

    assert wrong_layout("баланс") == ",fkfyc"
    word = misspell(random.Random(0), "блокировка")
    assert word != "блокировка" and word[0] == "б" and abs(len(word) - 10) <= 1
