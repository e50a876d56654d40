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
