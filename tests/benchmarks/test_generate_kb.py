"""The synthetic knowledge base loads cleanly, has the asked number of rules, and is deterministic."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("wordfreq")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from generate_kb import generate

from kb.loader import load_kb


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("kb300")
    return out, generate(out, 300, seed=1)


def test_generated_kb_loads_without_errors(corpus: tuple[Path, dict]) -> None:
    out, stats = corpus
    kb = load_kb(out)
    assert kb.errors == ()
    assert len(kb.rules) == stats["n_rules"] == max(300, stats["n_real"])
    assert stats["n_generated"] == len([r for r in kb.rules if r.article_id.startswith("gen")])


def test_generated_articles_follow_the_layout(corpus: tuple[Path, dict]) -> None:
    kb = load_kb(corpus[0])
    generated = [a for a in kb.articles if a.id.startswith("gen")]
    assert generated
    assert all(2 <= len(a.sections) <= 4 for a in generated[:-1])
    assert all(20 <= len(a.rules) <= 60 for a in generated[:-1])
    assert all(re.fullmatch(r"gen\d{4}/s\d/\d+", r.id) for a in generated for r in a.rules)
    lengths = [len(r.text.split()) for a in generated for r in a.rules]
    assert min(lengths) >= 10 and max(lengths) <= 90  # 10–80 words, plus a cross-reference now and then


def test_text_is_russian_with_a_large_vocabulary(corpus: tuple[Path, dict]) -> None:
    kb = load_kb(corpus[0])
    words = [w.lower() for r in kb.rules for w in re.findall(r"[а-яё]+", r.text, re.IGNORECASE)]
    assert len(set(words)) > 2000
    assert corpus[1]["vocabulary"] > 40_000


def test_same_seed_same_files(tmp_path: Path, corpus: tuple[Path, dict]) -> None:
    generate(tmp_path, 300, seed=1)
    for path in sorted(corpus[0].glob("gen*.md")):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes()


def test_regenerating_smaller_removes_old_articles(tmp_path: Path) -> None:
    generate(tmp_path, 300)
    stats = generate(tmp_path, 120)
    assert len(load_kb(tmp_path).rules) == stats["n_rules"] == max(120, stats["n_real"])
