"""``kb-browser suggest``: phrasings for rules agents chose that the text does not rank first, and misses."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from desktop_app import suggest
from desktop_app.learning import COPY, OPEN, QueryMemory
from tests.index.signals_kb import write_kb


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, QueryMemory]:
    kb = write_kb(tmp_path / "kb")
    return kb, tmp_path / "index", QueryMemory(tmp_path / "memory.json")


def _run(kb: Path, index: Path, memory: QueryMemory) -> str:
    parser = argparse.ArgumentParser(prog="kb-browser")
    suggest.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["suggest", "--memory", str(memory.path), "--kb", str(kb), "--index", str(index)]
    )
    out = io.StringIO()
    assert suggest.run(args, out) == 0
    return out.getvalue()


def test_suggest_prints_phrasings_in_the_kb_format_and_the_misses(setup):
    kb, index, memory = setup
    for _ in range(2):
        memory.record("кот наплакал 1500 рублей", "ss/finance/1", OPEN)
    memory.record("наплакал кот 300 рублей", "ss/finance/1", COPY)  # the same words: one phrasing
    memory.record("совсем беда", "ss/finance/1", OPEN)
    memory.record("роуминг", "ss/finance/1", OPEN)  # already first: nothing to add
    memory.record("поменять сим-карту", "sv/questions/1", OPEN)
    memory.record("курьерская доставка", "ss/technical/1", OPEN)  # first
    memory.record_miss("погода в москве")
    memory.record_miss("погода в москве")
    memory.record_miss("слон")
    memory.record_miss("роуминг")  # finds something now: not a miss any more
    assert _run(kb, index, memory) == (
        "# ss.md — ss/finance/1 (Финансовые вопросы п.1)\n"
        "   > [!customer] Клиент может сказать\n"
        "   > - кот наплакал # рублей\n"
        "   > - совсем беда\n"
        "\n"
        "# sv.md — sv/questions/1 (Вопросы п.1)\n"
        "   > [!customer] Клиент может сказать\n"
        "   > - поменять сим-карту\n"
        "\n"
        "Запросы без ответа\n"
        "- погода в москве (×2)\n"
        "- слон\n"
    )


def test_suggest_with_nothing_to_say(setup):
    kb, index, memory = setup
    memory.record("роуминг", "ss/finance/1", OPEN)
    assert _run(kb, index, memory) == suggest.NOTHING_TO_SUGGEST + "\n"
    memory.clear()
    assert _run(kb, index, memory) == suggest.NOTHING_TO_SUGGEST + "\n"


def test_suggest_skips_rules_gone_from_the_kb(setup):
    kb, index, memory = setup
    memory.record("совсем беда", "ss/finance/99", OPEN)
    assert "finance/99" not in _run(kb, index, memory)


def test_continuation_indent_follows_the_rule_number():
    report = suggest.Report(
        (suggest.Suggestion("ss.md", "ss/finance/12", "Финансовые вопросы п.12", 12, ("продали долг",)),)
    )
    assert suggest.format_report(report).splitlines()[1:] == [
        "    > [!customer] Клиент может сказать",
        "    > - продали долг",
    ]
