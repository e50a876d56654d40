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
