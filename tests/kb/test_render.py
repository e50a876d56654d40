"""The article view's HTML: anchors, numbers kept, safe links, glossary and match marks."""

from __future__ import annotations

import re

from kb.article_md import parse_article
from kb.model import Glossary, GlossaryEntry
from kb.render import render_article

ARTICLE = """---
id: ss
title: Перевод на линию старших специалистов
line: СС
---

# Перевод на линию старших специалистов

> [!phrase] Для перевода используйте фразу
> Я соединю Вас со специалистом

## Технические вопросы {#technical}

3. Неверная тарификация:
   - тарификация в роуминге
   - скидка не учтена
13. Консультация: http://10.0.49.28:8081 и [см. п.3](#ss/technical/3).
15. Текст <script>alert(1)</script> и [ссылка](javascript:alert(1)) и [файл](file:///etc/passwd), ЛС.
"""


def render(**kwargs) -> str:
    return render_article(parse_article(ARTICLE), **kwargs)


def test_every_rule_and_section_has_an_anchor_with_its_id():
    html = render()
    for name in ("ss", "ss/technical", "ss/technical/3", "ss/technical/13", "ss/technical/15"):
        assert f'<a name="{name}"></a>' in html


def test_rule_numbers_are_the_procedures_own_not_renumbered():
    numbers = re.findall(r'<span class="num">(\d+)\.</span>', render())
    assert numbers == ["3", "13", "15"]


def test_sub_points_become_a_nested_list():
    html = render()
    assert re.search(r"<ul>\s*<li>тарификация в роуминге</li>\s*<li>скидка не учтена</li>\s*</ul>", html)


def test_raw_html_is_shown_as_text_and_unsafe_links_lose_their_target():
    html = render()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in html
    assert "file:" not in html


def test_bare_urls_become_links_and_cross_references_keep_the_rule_anchor():
    html = render()
    assert '<a href="http://10.0.49.28:8081">http://10.0.49.28:8081</a>' in html
    assert '<a href="#ss/technical/3">см. п.3</a>' in html


def test_phrase_block_is_shown_with_its_label():
    html = render()
    assert "Для перевода используйте фразу" in html
    assert "«Я соединю Вас со специалистом»" in html


def test_glossary_terms_carry_their_expansion_as_a_tooltip():
    glossary = Glossary((GlossaryEntry("ЛС", "лицевой счёт"),))
    assert '<span class="abbr" title="лицевой счёт">ЛС</span>' in render(glossary=glossary)


def test_selected_rule_is_shaded_and_matches_are_marked():
    html = render(
        selected_rule="ss/technical/13",
        highlight=lambda text: [(m.start(), m.end()) for m in re.finditer("роуминг", text)],
    )
    selected = re.findall(r'<table[^>]*bgcolor="#fff4c2"[^>]*><tr><td><p><a name="([^"]+)"', html)
    assert selected == ["ss/technical/13"]
    assert '<span style="background-color:#ffd54f">роуминг</span>е' in html


WITH_PHRASINGS = ARTICLE.replace(
    "   - скидка не учтена\n",
    "   - скидка не учтена\n\n"
    "   > [!customer] Клиент может сказать\n"
    "   > - за границей списали кучу денег\n"
    "   > - в турции сняли <две> тысячи\n",
)


def _rule_cell(html: str, rule_id: str) -> str:
    start = html.index(f'<a name="{rule_id}"></a>')
    return html[start : html.index('<table width="100%" cellpadding="4"', start)]


def test_phrasings_are_shown_under_their_rule_grey_small_and_apart_from_its_text():
    html = render_article(parse_article(WITH_PHRASINGS))
    cell = _rule_cell(html, "ss/technical/3")
    assert "Клиент может сказать:" in cell
    block = cell[cell.index('<table class="customer"') :]
    assert "«за границей списали кучу денег» · «в турции сняли &lt;две&gt; тысячи»" in block
    assert 'color:#6b7280; font-size:small">«за границей' in block  # dimmed and smaller
    assert 'color:#9ca3af; font-size:small">Клиент может сказать:' in block
    assert "border-left: 2px solid" in block  # a block of its own
    rule_part = cell[: cell.index('<table class="customer"')]
    assert "скидка не учтена" in rule_part and "границей" not in rule_part
    assert "Клиент может сказать" not in _rule_cell(html, "ss/technical/13")


def test_an_article_without_phrasings_renders_as_before():
    assert "Клиент может сказать" not in render() and 'class="customer"' not in render()
    assert render() == render_article(
        parse_article(WITH_PHRASINGS.replace("> [!customer]", ">")[:0] + ARTICLE)
    )


def test_phrasings_of_the_selected_rule_are_inside_its_shading_and_marked_by_matches():
    html = render_article(
        parse_article(WITH_PHRASINGS),
        selected_rule="ss/technical/3",
        highlight=lambda text: [(m.start(), m.end()) for m in re.finditer("турции", text)],
    )
    shaded = html[html.index('bgcolor="#fff4c2"') :]
    shaded = shaded[: shaded.index('<a name="ss/technical/13">')]
    assert "Клиент может сказать:" in shaded
    assert '<span style="background-color:#ffd54f">турции</span>' in shaded


# ----------------------------------------------------------------------------- hostile content
# (issue 14 §2, §6: images never fetched here, long words breakable, nesting and sizes capped)

from kb.article_pages import PAGE_CHARS, PAGE_LINK, PAGE_RULES, plan_pages, render_page  # noqa: E402
from kb.render import (  # noqa: E402
    MAX_PIECE_CHARS,
    SECTION,
    ZWSP,
    breakable,
    cap_nesting,
    markdown_to_html,
)

HEAD = "---\nid: big\ntitle: Большая\nline: СС\n---\n\n## Раздел {#s1}\n\n"


def test_images_are_placeholders_unless_a_callback_shows_them():
    article = parse_article(HEAD + "1. Схема ![схема](img/a.png) и ![b](/etc/passwd)\n")
    html = render_article(article)
    assert "<img" not in html
    assert "[изображение недоступно: a.png]" in html and "[изображение недоступно: passwd]" in html
    asked = []
    shown = render_article(article, images=lambda src, alt: asked.append((src, alt)) or "<b>IMG</b>")
    assert asked == [("img/a.png", "схема"), ("/etc/passwd", "b")]
    assert shown.count("<b>IMG</b>") == 2


def test_long_words_get_break_opportunities_and_lose_nothing():
    word = "абонент" * 30  # 210 letters
    out = breakable(f"коротко {word} & ещё")
    assert ZWSP in out and max(len(run) for run in out.replace(" ", ZWSP).split(ZWSP)) <= 60
    assert out.replace(ZWSP, "") == f"коротко {word} & ещё"
    assert breakable("обычный текст без длинных слов") == "обычный текст без длинных слов"
    html = render_article(parse_article(HEAD + f"1. Начало {word} и R&D{'x' * 80}\n"))
    assert "&amp;" in html and ZWSP in html  # entities are not split by the breaks


def test_nesting_deeper_than_markdown_can_recurse_is_lifted_not_lost():
    items = "\n".join("    " * depth + f"- уровень {depth + 1}" for depth in range(300))
    quotes = ">" * 300 + " цитата"
    html = markdown_to_html(items + "\n\n" + quotes)  # RecursionError at 250 levels before
    assert all(f"уровень {n}<" in html for n in (1, 8, 9, 300))
    assert "цитата" in html
    assert max(len(line) - len(line.lstrip()) for line in cap_nesting(items).splitlines()) <= 32


def test_text_that_would_keep_markdown_busy_is_shown_as_written():
    text = "[" * 20_000  # 108 s in Python-Markdown's link search
    assert markdown_to_html(text) == f"<p>{text}</p>"
    assert markdown_to_html("[ссылка](#ss/technical/3)") == '<p><a href="#ss/technical/3">ссылка</a></p>'


def test_a_rule_too_long_to_lay_out_is_cut_with_a_truthful_notice():
    article = parse_article(HEAD + "1. " + "слово " * 250_000 + "\n2. короткое\n")
    html = render_article(article)
    assert len(html) < 3 * MAX_PIECE_CHARS
    total = f"{len(article.rules[0].markdown):,}".replace(",", "\u00a0")  # 1 499 999
    assert "Текст обрезан: показаны первые" in html and f"знаков из {total}." in html
    assert "Поиск находит и то, что здесь не показано." in html
    assert "копирует его целиком" in html
    assert "короткое" in html


def test_a_huge_table_and_many_phrasings_are_cut():
    rows = "".join(f"| {n} | {'ячейка ' * 20} |\n" for n in range(5000))
    phrasings = "".join(f"   > - формулировка номер {n}\n" for n in range(3000))
    text = (
        HEAD.replace("## Раздел {#s1}\n\n", "")
        + "| A | B |\n| --- | --- |\n"
        + rows
        + "\n## Раздел {#s1}\n\n"
    )
    article = parse_article(text + "1. Правило\n\n   > [!customer] Клиент может сказать\n" + phrasings)
    html = render_article(article)
    assert "Таблица обрезана: показаны" in html and "строк из 5000" in html
    assert "(показаны" in html and "из 3000)" in html
    assert len(html) < 20 * MAX_PIECE_CHARS


def test_pages_hold_every_rule_once_and_know_where_each_anchor_is():
    rules = "".join(f"{n}. правило номер {n} " + "текст " * 30 + "\n" for n in range(1, 2001))
    article = parse_article(HEAD + rules + "\n## Второй {#s2}\n\n1. последнее\n")
    plan = plan_pages(article)
    assert len(plan.pages) > 5
    seen = []
    for number, page in enumerate(plan.pages):
        pieces = plan.pieces[page.start : page.end]
        rules_here = [p for p in pieces if p.kind == "rule"]
        assert len(rules_here) <= PAGE_RULES
        assert sum(p.size for p in pieces) <= PAGE_CHARS + MAX_PIECE_CHARS
        assert pieces[-1].kind != SECTION or number == len(plan.pages) - 1  # no heading left alone
        seen += [p.item.id for p in rules_here]
    assert seen == [r.id for r in article.rules]
    for rule_id in ("big/s1/1", "big/s1/1000", "big/s1/2000", "big/s2/1"):
        html = render_page(plan, plan.page_for(rule_id))
        assert f'<a name="{rule_id}"></a>' in html
    middle = render_page(plan, 2)
    assert f'href="#{PAGE_LINK}1"' in middle and f'href="#{PAGE_LINK}3"' in middle
    assert f"Статья большая: показана часть 3 из {len(plan.pages)}" in middle
    assert "Раздел (продолжение)" in middle
    assert plan.page_for("big/s2") == plan.page_for("big/s2/1")


def test_an_ordinary_article_is_one_page_with_no_page_links():
    plan = plan_pages(parse_article(ARTICLE))
    assert len(plan.pages) == 1
    assert render_page(plan, 0) == render_article(parse_article(ARTICLE))


def test_a_pictures_plain_text_is_its_alt_text():
    from kb.text import plain_text

    assert (
        plain_text("Тарификация: ![схема](img/a.png), см. [п.7](#ss/finance/7)!")
        == "Тарификация: схема, см. п.7!"
    )
