"""Customer phrasings: a ``[!customer]`` block under a rule, read into Rule.phrasings, written back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.article_md import ArticleError, article_to_markdown, parse_article
from kb.loader import load_kb
from kb.model import Article, Rule, Section
from kb.paths import bundled_kb_dir
from kb.text import plain_text

HEAD = "---\nid: ss\ntitle: СС\nline: СС\n---\n\n# СС\n\n## Финансовые вопросы {#finance}\n\n"
RULE_3 = (
    "3. Неверная тарификация:\n"
    "   - тарификация в роуминге, тарификация вызовов в приграничных районах\n"
    "   - у клиента на номере есть услуга, понижающая стоимость\n"
)
BLOCK = (
    "\n"
    "   > [!customer] Клиент может сказать\n"
    "   > - за границей списали кучу денег\n"
    "   > - в турции за пару минут разговора сняли две тысячи\n"
)
RULE_4 = "4. Рассинхронизация баланса.\n"
PHRASINGS = ("за границей списали кучу денег", "в турции за пару минут разговора сняли две тысячи")


def without_lines(article: Article) -> Article:
    sections = tuple(
        replace(s, rules=tuple(replace(r, line_no=0) for r in s.rules)) for s in article.sections
    )
    return replace(article, sections=sections)


def article(body: str) -> Article:
    return parse_article(HEAD + body)


def test_phrasings_are_read_in_order_under_their_rule() -> None:
    parsed = article(RULE_3 + BLOCK + RULE_4)
    assert parsed.rule("ss/finance/3").phrasings == PHRASINGS
    assert parsed.rule("ss/finance/4").phrasings == ()
    assert [r.number for r in parsed.rules] == [3, 4]


def test_phrasings_never_leak_into_the_rule_text_or_markdown() -> None:
    plain = article(RULE_3 + RULE_4).rule("ss/finance/3")
    with_block = article(RULE_3 + BLOCK + RULE_4).rule("ss/finance/3")
    assert with_block.markdown == plain.markdown
    assert with_block.text == plain.text
    assert "customer" not in with_block.markdown and "границей" not in with_block.text


def test_bundled_rule_text_is_unchanged_by_adding_phrasings() -> None:
    text = (bundled_kb_dir() / "ss.md").read_text(encoding="utf-8")
    original = parse_article(text).rule("ss/finance/3")
    anchor = "4. Рассинхронизация баланса."
    with_block = parse_article(text.replace(anchor, BLOCK.lstrip("\n") + anchor)).rule("ss/finance/3")
    assert with_block.text == original.text and with_block.markdown == original.markdown
    assert PHRASINGS[0] in with_block.phrasings


def test_the_rule_after_the_block_keeps_its_line() -> None:
    parsed = article(RULE_3 + BLOCK + RULE_4)
    assert [r.line_no for r in parsed.rules] == [11, 18]


def test_written_file_has_the_block_indented_under_the_item() -> None:
    text = HEAD + RULE_3 + BLOCK + RULE_4
    parsed = parse_article(text)
    assert article_to_markdown(parsed) == text
    assert parse_article(article_to_markdown(parsed)) == parsed


def test_a_rule_of_ten_gets_the_block_at_its_own_content_column() -> None:
    parsed = article("10. Десятое правило.\n11. Одиннадцатое.\n")
    rules = tuple(
        replace(r, phrasings=("не проходят звонки",)) if r.number == 10 else r for r in parsed.rules
    )
    edited = replace(parsed, sections=(replace(parsed.sections[0], rules=rules),))
    text = article_to_markdown(edited)
    assert (
        "10. Десятое правило.\n\n    > [!customer] Клиент может сказать\n    > - не проходят звонки\n11."
        in text
    )
    assert parse_article(text).rule("ss/finance/10").phrasings == ("не проходят звонки",)


def lines(*quoted: str, indent: str = "   ") -> str:
    return "".join(f"{indent}{line}\n" if line else "\n" for line in quoted)


@pytest.mark.parametrize(
    "block",
    [
        lines("", "> [!customer]", "> - за границей списали кучу денег", "> - в турции сняли"),
        lines(
            "",
            "> [!customer] Клиент может сказать",
            "> * за границей списали кучу денег",
            "> * в турции сняли",
        ),
        lines("", "", "", "> [!customer] Клиент может сказать", ">", "> - за границей списали кучу денег", "")
        + lines("> - в турции сняли", "", ""),
        lines(
            "",
            ">[!Customer]   Клиент может сказать:",
            ">- за границей списали кучу денег",
            ">   - в турции сняли",
        ),
        lines(
            "",
            "> [!customer] Клиент может сказать",
            "> - за границей списали кучу денег",
            "> - в турции сняли",
            indent="",
        ),
        lines("", "> [!customer]", "> - за границей списали", ">   кучу денег", "> - в турции сняли"),
    ],
    ids=["no-label", "star-bullets", "blank-lines", "tight", "unindented", "wrapped"],
)
def test_tolerant_variants_read_the_same(block: str) -> None:
    parsed = article(RULE_3 + block + RULE_4)
    assert parsed.rule("ss/finance/3").phrasings == ("за границей списали кучу денег", "в турции сняли")
    assert parsed.rule("ss/finance/3").text == article(RULE_3 + RULE_4).rule("ss/finance/3").text
    assert [r.number for r in parsed.rules] == [3, 4]
    assert without_lines(parse_article(article_to_markdown(parsed))) == without_lines(parsed)


def test_a_block_after_sub_points_of_a_rule_without_blank_line() -> None:
    parsed = article("1. Правило.\n   > [!customer] Клиент может сказать\n   > - не ловит сеть\n")
    assert parsed.rules[0].phrasings == ("не ловит сеть",) and parsed.rules[0].text == "Правило."


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("> [!customer] Клиент может сказать\n> - где мои деньги\n\n1. Правило.\n", 11),  # before any rule
        ("1. Правило.\n\nАбзац раздела.\n\n> [!customer]\n> - где мои деньги\n", 15),  # after a paragraph
        ("1. Правило.\n\n## Другой раздел {#other}\n\n> [!customer]\n> - где мои деньги\n", 15),
        ("Абзац раздела.\n   > [!customer]\n   > - где мои деньги\n", 12),  # inside a paragraph
    ],
    ids=["section-top", "after-paragraph", "after-heading", "in-paragraph"],
)
def test_a_block_in_the_wrong_place_is_an_error_with_its_line(body: str, line: int) -> None:
    with pytest.raises(ArticleError, match=r"\[!customer\] block is not under a rule") as info:
        article(body)
    assert info.value.line == line


def test_a_block_at_the_top_of_the_article_is_an_error() -> None:
    text = "---\nid: ss\ntitle: СС\nline: СС\n---\n\n> [!customer] Клиент может сказать\n> - x\n"
    with pytest.raises(ArticleError) as info:
        parse_article(text)
    assert info.value.line == 7


def test_loader_reports_a_misplaced_block_with_path_and_line_and_loads_the_rest(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text(HEAD.replace("id: ss", "id: good") + RULE_3 + BLOCK, encoding="utf-8")
    bad = tmp_path / "bad.md"
    bad.write_text(HEAD + "> [!customer]\n> - где мои деньги\n\n" + RULE_4, encoding="utf-8")
    kb = load_kb(tmp_path)
    assert [a.id for a in kb.articles] == ["good"]
    assert kb.articles[0].rules[0].phrasings == PHRASINGS
    (error,) = kb.errors
    assert str(error).startswith(f"{bad}:11: [!customer]")


def rule_with(phrasings: tuple[str, ...]) -> Rule:
    return Rule(
        id="p/s/1",
        article_id="p",
        section_id="s",
        number=1,
        markdown="Правило:\n- подпункт",
        text=plain_text("Правило:\n- подпункт"),
        phrasings=phrasings,
    )


PHRASING = (
    st.text(
        alphabet=st.characters(
            whitelist_categories=("L", "N", "P", "S", "Zs"), blacklist_characters="\u2028\u2029"
        ),
        min_size=1,
        max_size=40,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(lambda s: s and s[0].isalnum())
)


@settings(max_examples=150, deadline=None)
@given(phrasings=st.lists(PHRASING, min_size=1, max_size=4))
def test_any_phrasing_round_trips(phrasings: list[str]) -> None:
    original = Article(
        id="p",
        title="P",
        line="СС",
        sections=(Section(id="s", title="S", rules=(rule_with(tuple(phrasings)),)),),
    )
    parsed = parse_article(article_to_markdown(original))
    assert parsed.rules[0].phrasings == tuple(phrasings)
    assert parsed.rules[0].markdown == original.rules[0].markdown


def test_phrasings_with_markup_characters_are_escaped_only_when_needed() -> None:
    original = Article(
        id="p",
        title="P",
        line="СС",
        sections=(Section(id="s", title="S", rules=(rule_with(("набрал *100#", "нажал *звёздочку*")),)),),
    )
    text = article_to_markdown(original)
    assert "   > - набрал *100#\n" in text and "   > - нажал \\*звёздочку\\*\n" in text
    assert parse_article(text).rules[0].phrasings == ("набрал *100#", "нажал *звёздочку*")


ODD_PHRASINGS = ("1. звонил дважды", "- минус сто", "a\\b", "[скобки] и _подчёрк_")


def test_a_phrasing_that_looks_like_a_list_item_or_has_escapes_reads_as_written() -> None:
    original = Article(
        id="p",
        title="P",
        line="СС",
        sections=(Section(id="s", title="S", rules=(rule_with(ODD_PHRASINGS),)),),
    )
    text = article_to_markdown(original)
    assert "   > - 1. звонил дважды\n" in text
    assert parse_article(text).rules[0].phrasings == ODD_PHRASINGS
