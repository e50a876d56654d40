"""A 5 MB article (issue 6 §4) loads, is indexed and found, and the other articles still answer."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from index import KnowledgeIndex
from kb.loader import load_kb
from kb.paths import bundled_kb_dir

WORDS = ["абонент", "баланс", "услуга", "номер", "платеж", "связь", "интернет", "модем", "договор"]


def _write_big_article(path: Path, size: int = 5_000_000) -> int:
    rnd = random.Random(7)
    lines = ["---", "id: big", "title: Большая статья", "line: СС", "---", "", "## Раздел {#s1}", ""]
    total, number = 0, 0
    while total < size:
        number += 1
        words = " ".join(rnd.choice(WORDS) + rnd.choice(["", "а", "ом", "ами"]) for _ in range(60))
        lines.append(f"{number}. {words}")
        total += len(lines[-1].encode())
    lines[-1] += " уникальноеслово"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number


def test_five_megabyte_article_is_loaded_indexed_and_found(tmp_path: Path):
    kb_dir = tmp_path / "kb"
    shutil.copytree(bundled_kb_dir(), kb_dir)
    last = _write_big_article(kb_dir / "big.md")
    assert (kb_dir / "big.md").stat().st_size >= 5_000_000

    kb = load_kb(kb_dir)
    assert kb.errors == ()
    assert len(kb.article("big").rules) == last

    ix = KnowledgeIndex.open(kb_dir, tmp_path / "index")
    try:
        assert ix.search("уникальноеслово").hits[0].id == f"big/s1/{last}"
        assert ix.search("тарификация в роуминге").hits[0].id == "ss/finance/3"
    finally:
        ix.close()


def test_reading_an_article_is_linear_in_its_rules():
    """Rules of one section were checked for duplicates against every earlier rule: 10,000 rules
    took 2.2 s to parse, 16 times 2,500's. Best of three runs each, generous for a loaded machine."""
    import sys
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from big_articles import rule_count

    from kb.article_md import parse_article

    def seconds(n: int) -> float:
        text = rule_count(n)
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            assert len(parse_article(text).rules) == n + 1
            runs.append(time.perf_counter() - started)
        return min(runs)

    small, large = seconds(2_500), seconds(10_000)
    assert large < 10 * small, f"2,500 rules {small:.3f} s, 10,000 rules {large:.3f} s"
