"""Hostile article files for the article view (issue 14 §6): huge, one endless word, deep nesting.

Each maker returns the Markdown text of one article (id ``big``); ``write_case`` puts it into a KB
folder. Used by benchmarks/bench_article_view.py and tests/desktop_app/test_big_content.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

WORDS = ("абонент", "баланс", "услуга", "номер", "платеж", "связь", "интернет", "модем", "договор")
ENDINGS = ("", "а", "ом", "ами")
HEAD = "---\nid: big\ntitle: Большая статья\nline: СС\n---\n\n# Большая статья\n\n"
ARTICLE_ID = "big"
MARKER = "уникальноеслово"


def _rule_words(rnd: random.Random, count: int = 60) -> str:
    return " ".join(rnd.choice(WORDS) + rnd.choice(ENDINGS) for _ in range(count))


def many_rules(size_bytes: int, sections: int = 1, words: int = 60) -> str:
    """Rules of ``words`` words each until the file holds ``size_bytes`` bytes of UTF-8."""
    rnd = random.Random(7)
    out, total, number = [HEAD], len(HEAD.encode()), 0
    per_section = None
    while total < size_bytes:
        if number == 0 or (per_section and number % per_section == 0):
            n = number // (per_section or 1) + 1
            out.append(f"\n## Раздел {n} {{#s{n}}}\n\n")
        number += 1
        line = f"{number}. {_rule_words(rnd, words)}\n"
        out.append(line)
        total += len(line.encode())
        if number == 1 and sections > 1:
            per_section = max(1, size_bytes // (len(line.encode()) * sections))
    out.append(f"{number + 1}. {MARKER} в конце статьи\n")
    return "".join(out)


def rule_count(count: int) -> str:
    """``count`` short rules in one section."""
    rnd = random.Random(11)
    rules = "".join(f"{n}. {_rule_words(rnd, 12)}\n" for n in range(1, count + 1))
    return HEAD + "## Раздел {#s1}\n\n" + rules + f"{count + 1}. {MARKER}\n"


def long_word(chars: int = 1_400_000) -> str:
    """One rule whose text is a single word of ``chars`` letters, between two ordinary rules."""
    word = ("абонент" * (chars // 7 + 1))[:chars]
    rules = f"1. Обычное правило перед словом.\n2. {word}\n3. {MARKER} после слова\n"
    return HEAD + "## Раздел {#s1}\n\n" + rules


def deep_nesting(levels: int = 300) -> str:
    """A paragraph quoted ``levels`` deep, and a rule with a list nested ``levels`` deep."""
    quote = ">" * levels + " цитата"
    items = "\n".join("   " + "    " * depth + f"- уровень {depth + 1}" for depth in range(levels))
    return HEAD + f"{quote}\n\n## Раздел {{#s1}}\n\n1. Правило со списком:\n\n{items}\n2. {MARKER}\n"


CASES: dict[str, Callable[[], str]] = {
    "article_50mb": lambda: many_rules(50_000_000, sections=20),
    "word_1_4m": long_word,
    "article_5mb": lambda: many_rules(5_000_000),
    "rules_10k": lambda: rule_count(10_000),
    "nesting_300": deep_nesting,
}


def write_case(kb_dir: Path, name: str) -> Path:
    """Write case ``name`` as ``kb_dir/big.md`` (article id ``big``; the folder is created)."""
    kb_dir.mkdir(parents=True, exist_ok=True)
    path = kb_dir / "big.md"
    path.write_text(CASES[name](), encoding="utf-8")
    return path


def last_rule_id(text: str) -> str:
    """The id of the article's last rule (the one holding MARKER)."""
    section = text[: text.rindex(MARKER)].rsplit("{#", 1)[1].split("}", 1)[0]
    number = text[: text.rindex(MARKER)].rsplit("\n", 1)[1].split(".", 1)[0]
    return f"{ARTICLE_ID}/{section}/{number}"
