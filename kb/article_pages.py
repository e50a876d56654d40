"""A big article cut into pages the view lays out at once: at most PAGE_RULES rules and about
PAGE_CHARS characters each. The view shows one page, the one holding the rule asked for, with
links to the others; search and the contents reach every rule on every page.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import NamedTuple

from kb.model import Article, Glossary
from kb.render import (
    HEAD,
    NOTICE_COLOR,
    RULE,
    SECTION,
    ImageSrc,
    Piece,
    Spans,
    article_pieces,
    piece_anchor,
    render_pieces,
)

PAGE_CHARS = 40_000  # ~30 ms of QTextDocument.setHtml and layout (benchmarks/bench_article_view.py)
PAGE_RULES = 200
PAGE_LINK = "kb-page:"  # "#kb-page:3": an in-view link to page 3 (0-based)


class Page(NamedTuple):
    start: int  # its pieces: pieces[start:end]
    end: int
    first_rule: int  # 1-based place of its first rule in the article; 0 when it holds none
    last_rule: int


@dataclass(frozen=True)
class ArticlePlan:
    """The pieces of an article and how they fall into pages."""

    article: Article
    pieces: tuple[Piece, ...]
    pages: tuple[Page, ...]
    rules: int  # rules in the article
    page_of: dict[str, int]  # anchor (article, section, rule id) -> page

    def page_for(self, anchor: str | None) -> int:
        """The page holding ``anchor``; the first page when there is none or it is not here."""
        return self.page_of.get(anchor or "", 0)


def plan_pages(article: Article, page_chars: int = PAGE_CHARS, page_rules: int = PAGE_RULES) -> ArticlePlan:
    pieces = tuple(article_pieces(article))
    pages: list[Page] = []
    start = chars = rules = seen = first_rule = 0
    for i, piece in enumerate(pieces):
        is_rule = piece.kind == RULE
        if i > start and (chars + piece.size > page_chars or (is_rule and rules >= page_rules)):
            end = _break_before(pieces, start, i)
            pages.append(Page(start, end, first_rule, first_rule + rules - 1 if rules else 0))
            start, chars, rules, first_rule = end, sum(p.size for p in pieces[end:i]), 0, 0
        chars += piece.size
        if is_rule:
            seen, rules = seen + 1, rules + 1
            first_rule = first_rule or seen
    pages.append(Page(start, len(pieces), first_rule, first_rule + rules - 1 if rules else 0))
    page_of = {
        name: n
        for n, page in enumerate(pages)
        for piece in pieces[page.start : page.end]
        if (name := piece_anchor(article, piece))
    }
    return ArticlePlan(article, pieces, tuple(pages), seen, page_of)


def _break_before(pieces: tuple[Piece, ...], start: int, i: int) -> int:
    """Where the page ends: before ``i``, or before a section heading that would end it alone."""
    end = i
    while end - 1 > start and pieces[end - 1].kind in (SECTION, HEAD):
        end -= 1
    return end


def render_page(
    plan: ArticlePlan,
    number: int,
    glossary: Glossary | None = None,
    selected_rule: str | None = None,
    highlight: Spans | None = None,
    images: ImageSrc | None = None,
) -> str:
    """Page ``number`` of the article as HTML: its pieces, and when there is more than one page, where
    it stands and links to the others above and below."""
    number = max(0, min(number, len(plan.pages) - 1))
    page = plan.pages[number]
    pieces = plan.pieces[page.start : page.end]
    body = render_pieces(plan.article, pieces, glossary, selected_rule, highlight, images)
    if len(plan.pages) == 1:
        return body
    return "\n".join(
        (_continued(plan, pieces), page_nav(plan, number, top=True), body, page_nav(plan, number))
    )


def _continued(plan: ArticlePlan, pieces: tuple[Piece, ...]) -> str:
    """On a page after the first: the article's title, and the section it goes on with."""
    if not pieces or pieces[0].kind == HEAD:
        return ""
    title = html.escape(plan.article.title[:300])
    out = f'<p class="breadcrumb">{title}</p>'
    section = pieces[0].section
    if section is not None and pieces[0].kind != SECTION:
        out += f"<h2>{html.escape(section.title[:300])} (продолжение)</h2>"
    return out


def page_nav(plan: ArticlePlan, number: int, top: bool = False) -> str:
    """«Статья большая: показана часть 2 из 34 — правила 201–400 из 10 001» and links to the others."""
    count, page = len(plan.pages), plan.pages[number]
    links = []
    if number > 0:
        links.append(_link(0, "« начало") if number > 1 else "")
        links.append(_link(number - 1, "‹ предыдущая часть"))
    if number < count - 1:
        links.append(_link(number + 1, "следующая часть ›"))
        links.append(_link(count - 1, "конец »") if number < count - 2 else "")
    nav = " · ".join(link for link in links if link)
    if not top:
        return f'<p style="color:{NOTICE_COLOR}">Часть {number + 1} из {count}. {nav}</p>'
    rules = (
        f" — правила {_n(page.first_rule)}–{_n(page.last_rule)} из {_n(plan.rules)}"
        if page.first_rule
        else ""
    )
    return (
        f'<p style="color:{NOTICE_COLOR}">Статья большая: показана часть {number + 1} из {count}{rules}.'
        f" Поиск и оглавление находят правила во всех частях.<br/>{nav}</p>"
    )


def _link(number: int, text: str) -> str:
    return f'<a href="#{PAGE_LINK}{number}">{text}</a>'


def _n(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")
