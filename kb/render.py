"""Articles as HTML for the app's article view (Qt rich text), with an anchor on every rule.

Raw HTML written inside an article is shown as text, never interpreted; links keep only
safe schemes (http, https, mailto and in-article anchors).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping

import markdown

from kb.model import GREETING, Article, Block, Glossary, Rule, Section, Table

Spans = Callable[[str], list[tuple[int, int]]]
Marks = Mapping[str, tuple[str, str]]  # rule id -> (kind, label): ("changed", "изменено 01.12")

SELECTED_BG = "#fff4c2"
CUSTOMER_LABEL = "Клиент может сказать:"
CUSTOMER_LABEL_COLOR = "#9ca3af"
CUSTOMER_TEXT_COLOR = "#6b7280"
CUSTOMER_BORDER = "#d1d5db"
MATCH_BG = "#ffd54f"
SAFE_SCHEMES = ("http://", "https://", "mailto:", "#")
# a rule's change mark: filled while the agent has not read it, grey once read but still recent
MARK_STYLES = {
    "new": ("#2e7d32", "#ffffff"),
    "changed": ("#c2410c", "#ffffff"),
    "recent": ("#e5e7eb", "#374151"),
}

ARTICLE_CSS = """
h1 { font-size: x-large; margin-bottom: 2px; }
h2 { font-size: large; margin-top: 18px; margin-bottom: 6px; color: #1f3b63; }
p { margin-top: 3px; margin-bottom: 3px; }
.breadcrumb { color: #6b7280; font-size: small; }
.num { color: #1f3b63; font-weight: bold; }
.abbr { text-decoration: underline dotted; }
.customer { font-size: small; }
a { color: #1a56db; }
"""

_LIST_ITEM_RE = re.compile(r"^\s*(?:[-*+]|\d+\.)\s")
_TAG_RE = re.compile(r"(<[^>]*>)")
_HREF_RE = re.compile(r'href="([^"]*)"')
_URL_RE = re.compile(r"(?<![\w/])(https?://[^\s<>\"'«»)]+[^\s<>\"'«»).,;:])")


def anchor(article_id: str, section_id: str | None = None) -> str:
    """The anchor name of an article's section; rule anchors are the rule ids themselves."""
    return f"{article_id}/{section_id}" if section_id else article_id


def markdown_to_html(text: str) -> str:
    """Python-Markdown with raw HTML disabled: ``<script>`` in an article stays text."""
    md = markdown.Markdown(extensions=["tables", "sane_lists"])
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md.convert(_separate_lists(text))


def _separate_lists(text: str) -> str:
    """Python-Markdown needs a blank line between a paragraph and the list under it."""
    out: list[str] = []
    for line in text.splitlines():
        if _LIST_ITEM_RE.match(line) and out and out[-1].strip() and not _LIST_ITEM_RE.match(out[-1]):
            out.append("")
        out.append(line)
    return "\n".join(out)


def render_article(
    article: Article,
    glossary: Glossary | None = None,
    selected_rule: str | None = None,
    highlight: Spans | None = None,
    marks: Marks | None = None,
    version: str = "",
) -> str:
    """The whole article as an HTML fragment for a QTextBrowser; ``marks`` flag rules added or
    changed lately, ``version`` («версия 12 от 01.12.2026») replaces the front matter date."""
    parts = [
        f'<a name="{anchor(article.id)}"></a><h1>{html.escape(article.title)}</h1>',
        _breadcrumb(article, version),
        markdown_to_html(article.intro) if article.intro else "",
        *(_block_html(block) for block in article.blocks),
        *(_table_html(table) for table in article.tables),
    ]
    for section in article.sections:
        parts.append(_section_html(article, section, selected_rule, marks or {}))
    body = "\n".join(p for p in parts if p)
    return _decorate_text(_safe_links(body), glossary, highlight)


def _breadcrumb(article: Article, version: str = "") -> str:
    bits = [f"Линия: <b>{html.escape(article.line)}</b>"]
    if article.breadcrumb:
        bits.append(html.escape(article.breadcrumb))
    if version or article.date:
        bits.append(html.escape(version or article.date))
    return f'<p class="breadcrumb">{" · ".join(bits)}</p>'


def _section_html(article: Article, section: Section, selected_rule: str | None, marks: Marks) -> str:
    parts = [
        f'<a name="{anchor(article.id, section.id)}"></a><h2>{html.escape(section.title)}</h2>',
        markdown_to_html(section.intro) if section.intro else "",
        *(_block_html(block) for block in section.blocks),
        *(_table_html(table) for table in section.tables),
        *(_rule_html(rule, rule.id == selected_rule, marks.get(rule.id)) for rule in section.rules),
    ]
    return "\n".join(p for p in parts if p)


def _rule_html(rule: Rule, selected: bool, mark: tuple[str, str] | None = None) -> str:
    body = markdown_to_html(rule.markdown)
    number = f'<a name="{rule.id}"></a><span class="num">{rule.number}.</span>&nbsp;{_mark_html(mark)}'
    body = body.replace("<p>", "<p>" + number, 1) if body.startswith("<p>") else number + body
    body += _phrasings_html(rule.phrasings)
    bg = f' bgcolor="{SELECTED_BG}"' if selected else ""
    return f'<table width="100%" cellpadding="4" cellspacing="0"{bg}><tr><td>{body}</td></tr></table>'


def _mark_html(mark: tuple[str, str] | None) -> str:
    """«новое» / «изменено 01.12» after a rule's number (Qt rich text: a span with a background)."""
    if not mark:
        return ""
    bg, fg = MARK_STYLES.get(mark[0], MARK_STYLES["recent"])
    return (
        f'<span style="background-color:{bg}; color:{fg}; font-size:small; font-weight:bold">'
        f"&nbsp;{html.escape(mark[1])}&nbsp;</span>&nbsp;"
    )


def _phrasings_html(phrasings: tuple[str, ...]) -> str:
    """How customers put the rule's case: a small grey block under the rule, never read as its text."""
    if not phrasings:
        return ""
    quoted = " · ".join(f"«{html.escape(p, quote=False)}»" for p in phrasings)
    return (
        f'<table class="customer" width="100%" cellpadding="2" cellspacing="0" '
        f'style="margin-top: 4px; margin-left: 12px; border-left: 2px solid {CUSTOMER_BORDER}">'
        f'<tr><td><span style="color:{CUSTOMER_LABEL_COLOR}; font-size:small">{CUSTOMER_LABEL}</span><br/>'
        f'<span style="color:{CUSTOMER_TEXT_COLOR}; font-size:small">{quoted}</span></td></tr></table>'
    )


def _block_html(block: Block) -> str:
    bg, border = ("#eef6ee", "#2e7d32") if block.kind == GREETING else ("#e8f0fe", "#1a56db")
    return (
        f'<table width="100%" cellpadding="8" cellspacing="0" bgcolor="{bg}" '
        f'style="border-left: 4px solid {border}; margin-top: 6px; margin-bottom: 6px">'
        f'<tr><td><span style="color:{border}; font-weight:bold">{html.escape(block.label)}</span>'
        f"<br/>«{html.escape(block.text)}»</td></tr></table>"
    )


def _table_html(table: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.header)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table.rows
    )
    caption = f"<p><b>{html.escape(table.title)}</b></p>" if table.title else ""
    return (
        f'{caption}<table border="1" cellpadding="6" cellspacing="0" style="border-collapse: collapse">'
        f'<tr bgcolor="#f3f4f6">{head}</tr>{rows}</table>'
    )


def _safe_links(body: str) -> str:
    """Drop the href of any link whose scheme is not on the safe list (javascript:, file: …)."""

    def keep(m: re.Match[str]) -> str:
        href = html.unescape(m.group(1)).strip()
        return m.group(0) if href.lower().startswith(SAFE_SCHEMES) else 'href="#"'

    return _HREF_RE.sub(keep, body)


def _decorate_text(body: str, glossary: Glossary | None, highlight: Spans | None) -> str:
    """Linkify bare URLs, mark glossary terms and query matches in text outside of tags."""
    term_re = _glossary_re(glossary)
    out: list[str] = []
    in_link = 0
    for part in _TAG_RE.split(body):
        if part.startswith("<"):
            if part.startswith("<a ") and "href=" in part:
                in_link += 1
            elif part == "</a>" and in_link:
                in_link -= 1
            out.append(part)
        elif part:
            out.append(_decorate_segment(html.unescape(part), glossary, term_re, highlight, in_link > 0))
    return "".join(out)


def _glossary_re(glossary: Glossary | None) -> re.Pattern[str] | None:
    terms = (
        sorted({e.term for e in glossary.entries if e.expansion}, key=len, reverse=True) if glossary else []
    )
    if not terms:
        return None
    return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, terms)) + r")(?!\w)")


def _decorate_segment(
    text: str,
    glossary: Glossary | None,
    term_re: re.Pattern[str] | None,
    highlight: Spans | None,
    in_link: bool,
) -> str:
    marks: list[tuple[int, int, str, str]] = []  # start, end, open tag, close tag
    if highlight:
        for start, end in highlight(text):
            marks.append((start, end, f'<span style="background-color:{MATCH_BG}">', "</span>"))
    if term_re and glossary:
        for m in term_re.finditer(text):
            entry = glossary.lookup(m.group(1))
            if entry and not _overlaps(marks, m.start(), m.end()):
                title = html.escape(entry.expansion, quote=True)
                marks.append((m.start(), m.end(), f'<span class="abbr" title="{title}">', "</span>"))
    if not in_link:
        for m in _URL_RE.finditer(text):
            if not _overlaps(marks, m.start(), m.end()):
                url = html.escape(m.group(1), quote=True)
                marks.append((m.start(), m.end(), f'<a href="{url}">', "</a>"))
    out, pos = [], 0
    for start, end, open_tag, close_tag in sorted(marks):
        if start < pos:
            continue
        out += [
            html.escape(text[pos:start], quote=False),
            open_tag,
            html.escape(text[start:end], quote=False),
        ]
        out.append(close_tag)
        pos = end
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def _overlaps(marks: list[tuple[int, int, str, str]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e, _, _ in marks)
