"""``kb-browser show`` and ``list --json``: a rule's phrasings listed apart from its text."""

from __future__ import annotations

from pathlib import Path

from kb.loader import load_kb
from kb.report import format_rule, kb_to_json

ARTICLE = """---
id: ss
title: Старшие специалисты
line: СС
---

# Старшие специалисты

## Финансовые вопросы {#finance}

3. Неверная тарификация в роуминге.

   > [!customer] Клиент может сказать
   > - за границей списали кучу денег
   > - в турции сняли две тысячи
4. Рассинхронизация баланса.
"""


def kb_folder(tmp_path: Path) -> Path:
    (tmp_path / "ss.md").write_text(ARTICLE, encoding="utf-8")
    return tmp_path


def test_show_lists_phrasings_under_a_heading_after_the_rule_text(tmp_path: Path) -> None:
    text = format_rule(load_kb(kb_folder(tmp_path)), "ss/finance/3")
    assert "Неверная тарификация в роуминге.\n" in text
    tail = text[text.index("Клиент может сказать:") :]
    assert tail.splitlines()[1:3] == ["  – за границей списали кучу денег", "  – в турции сняли две тысячи"]
    assert text.index("Неверная тарификация") < text.index("Клиент может сказать:")


def test_show_of_a_rule_without_phrasings_has_no_heading(tmp_path: Path) -> None:
    assert "Клиент может сказать" not in format_rule(load_kb(kb_folder(tmp_path)), "ss/finance/4")


def test_json_carries_phrasings_and_text_stays_the_procedure_text(tmp_path: Path) -> None:
    (article,) = kb_to_json(load_kb(kb_folder(tmp_path)))["articles"]
    three, four = article["rules"]
    assert three["phrasings"] == ["за границей списали кучу денег", "в турции сняли две тысячи"]
    assert three["text"] == "Неверная тарификация в роуминге."
    assert four["phrasings"] == []
