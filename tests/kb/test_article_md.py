"""Article files: parse_article(article_to_markdown(a)) == a, on the bundled KB and hand cases."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.article_md import ArticleError, article_to_markdown, parse_article
from kb.glossary import is_glossary
from kb.model import Article, Block, Rule, Section, Table
from kb.paths import bundled_kb_dir
from kb.text import md_escape, plain_text
from kb.thesaurus import is_thesaurus


def _is_table_file(path: Path) -> bool:
    """The glossary and the thesaurus: bundled files that are not articles."""
    text = path.read_text(encoding="utf-8")
    return is_glossary(text) or is_thesaurus(text)


BUNDLED = sorted(bundled_kb_dir().glob("*.md"))
ARTICLES = [p for p in BUNDLED if not _is_table_file(p)]


def without_positions(article: Article) -> Article:
    """The article minus where it was read from (path, rule line numbers)."""
    sections = tuple(
        replace(s, rules=tuple(replace(r, line_no=0) for r in s.rules)) for s in article.sections
    )
    return replace(article, path=None, sections=sections)


def test_bundled_kb_is_there() -> None:
    assert [p.name for p in ARTICLES] == ["mnp.md", "ss.md", "sv.md"]


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_bundled_articles_round_trip(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    article = parse_article(text, path)
    assert article_to_markdown(article) == text
    assert parse_article(article_to_markdown(article), path) == article


def rule(section: str, number: int, markdown: str, article: str = "hand") -> Rule:
    return Rule(
        id=f"{article}/{section}/{number}",
        article_id=article,
        section_id=section,
        number=number,
        markdown=markdown,
        text=plain_text(markdown),
    )


HAND = [
    Article(id="empty", title="Пустая статья", line="СС"),
    Article(
        id="hand",
        title="Ручная статья",
        line="СВ",
        breadcrumb='СУЗ: Процедуры > "Мобильный" > Перечень',
        source="procedure.txt",
        date="2017-11-22",
        intro="Вступление со \\*звёздочкой\\* и \\_подчёркиванием\\_.\n\nВторой абзац.",
        blocks=(
            Block("phrase", "Для перевода используйте фразу", "Соединяю Вас, <имя>, ждите *ответа*"),
            Block("greeting", "Приветствие сотрудника", "Здравствуйте/Добрый день [утро]"),
        ),
        tables=(
            Table("Очереди", ("ЦКС", "Номер", "Очередь"), (("Самара, Ульяновск", "700125", "MNP_a|b"),)),
        ),
        sections=(
            Section(
                id="one-step",
                title="Список вопросов в один шаг",
                intro="Текст раздела.",
                blocks=(Block("phrase", "В 1 шаг используйте фразу", "Минуту"),),
                rules=(
                    rule("one-step", 1, "Неверная тарификация:\n- в роуминге\n- у клиента"),
                    rule("one-step", 3, "За 7\\* дней.\n\n\\*т.е. сноска [см. п.1](#hand/one-step/1)"),
                    rule("one-step", 10, "Десятое:\n- а\n- б\n\nПродолжение десятого."),
                ),
            ),
            Section(id="empty-section", title="Раздел без правил", intro="Только текст."),
        ),
        extra={"owner": "Отдел качества"},
    ),
]


@pytest.mark.parametrize("article", HAND, ids=lambda a: a.id)
def test_hand_articles_round_trip(article: Article) -> None:
    assert without_positions(parse_article(article_to_markdown(article))) == article


def test_written_file_is_readable_markdown() -> None:
    text = article_to_markdown(HAND[1])
    assert "3. За 7\\* дней.\n\n   \\*т.е. сноска [см. п.1](#hand/one-step/1)\n" in text
    assert "1. Неверная тарификация:\n   - в роуминге\n   - у клиента\n" in text
    assert "10. Десятое:\n    - а\n" in text
    assert "| Самара, Ульяновск | 700125 | MNP\\_a\\|b |" in text
    assert "## Список вопросов в один шаг {#one-step}" in text
    assert "owner: Отдел качества" in text


def test_rule_ids_and_lines_after_parse() -> None:
    article = parse_article(article_to_markdown(HAND[1]))
    assert [r.id for r in article.rules] == ["hand/one-step/1", "hand/one-step/3", "hand/one-step/10"]
    assert article.rules[1].text == "За 7* дней. *т.е. сноска см. п.1"
    assert all(r.line_no > 0 for r in article.rules)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("---\nid: x\ntitle: X\nline: СС\n---\n> [!note] x\n> y\n", 6, "unknown block"),
        ("---\nid: x\ntitle: X\nline: СС\n---\n> [!phrase] x\n", 6, "has no text"),
        ("---\nid: Bad Id\ntitle: X\nline: СС\n---\n", 2, "bad article id"),
        ("---\nid: x\ntitle: X\nline: СС\n---\n## Раздел {#Bad}\n", 6, "bad section id"),
        ("---\nid: x\ntitle: X\nline: СС\n---\n## Р {#r}\n\n" + "9" * 5000 + ". x\n", 8, "too long"),
        ("---\nid: x\ntitle: X\nline: СС\norder: ²\n---\n", 5, "whole number"),
        (
            "---\nid: x\ntitle: X\nline: СС\nnote: а\u2028б\x85\n---\n## Р {#r}\n\n> [!note] x\n",
            9,
            "unknown block",
        ),
    ],
)
def test_format_errors_name_their_line(text: str, line: int, message: str) -> None:
    with pytest.raises(ArticleError, match=message) as info:
        parse_article(text)
    assert info.value.line == line


# Text as the importer writes it: any printable text, escaped with md_escape, on one line.
TEXT = (
    st.text(
        alphabet=st.characters(
            whitelist_categories=("L", "N", "P", "S", "Zs"), blacklist_characters="\u2028\u2029"
        ),
        min_size=1,
        max_size=60,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(lambda s: s and s[0].isalnum())
)


@settings(max_examples=200, deadline=None)
@given(rule_text=TEXT, phrase=TEXT)
def test_escaped_text_round_trips(rule_text: str, phrase: str) -> None:
    article = Article(
        id="p",
        title="P",
        line="СС",
        blocks=(Block("phrase", "Фраза", phrase),),
        sections=(Section(id="s", title="S", rules=(rule("s", 1, md_escape(rule_text), article="p"),)),),
    )
    parsed = parse_article(article_to_markdown(article))
    assert parsed.rules[0].text == rule_text
    assert parsed.blocks == article.blocks


def test_sub_points_read_apart_in_plain_text() -> None:
    from kb.loader import load_kb

    assert plain_text(
        "Неверная тарификация:\n   - тарификация в роуминге (в т.ч. прием претензии)\n"
        "   - у клиента на номере есть услуга"
    ) == (
        "Неверная тарификация: тарификация в роуминге (в т.ч. прием претензии); "
        "у клиента на номере есть услуга"
    )
    assert plain_text("первый пункт.\n- второй") == "первый пункт. второй"  # punctuation kept as is
    assert plain_text("строка\nпродолжение строки") == "строка продолжение строки"  # not a list item
    rule = next(r for r in load_kb(bundled_kb_dir()).rules if r.id == "ss/finance/3")
    assert "(в т.ч. прием претензии); у клиента" in rule.text
