"""Articles as HTML for the app's article view (Qt rich text), with an anchor on every rule.

Raw HTML written inside an article is shown as text, never interpreted; links keep only
safe schemes (http, https, mailto and in-article anchors). Images are never fetched here: each
``<img>`` is handed to an ``ImageSrc`` callback (the app's checks the KB folder) or shown as a grey
placeholder. Hostile sizes are cut before Qt sees them: a piece of text longer than
``MAX_PIECE_CHARS`` is shown truncated with a notice, words longer than ``LONG_WORD`` get
zero-width break opportunities, list and quote nesting is capped at ``MAX_NESTING`` levels.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import NamedTuple

import markdown

from kb.model import GREETING, Article, Block, Glossary, Rule, Section, Table

Spans = Callable[[str], list[tuple[int, int]]]
ImageSrc = Callable[[str, str], str]  # (src, alt) -> the HTML shown in the image's place

SELECTED_BG = "#fff4c2"
CUSTOMER_LABEL = "Клиент может сказать:"
CUSTOMER_LABEL_COLOR = "#9ca3af"
CUSTOMER_TEXT_COLOR = "#6b7280"
CUSTOMER_BORDER = "#d1d5db"
MATCH_BG = "#ffd54f"
SAFE_SCHEMES = ("http://", "https://", "mailto:", "#")

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

MAX_PIECE_CHARS = 10_000  # a rule, paragraph, block or table longer than this is shown cut
MAX_TITLE_CHARS = 300
LONG_WORD = 60  # a run of non-spaces longer than this gets a break opportunity ...
WORD_PIECE = 20  # ... every this many characters (a ragged edge of at most this)
ZWSP = "\u200b"  # zero-width space: a line-break opportunity, invisible, removed again on copy
MAX_NESTING = 8  # list / quote levels kept; deeper lines join the eighth (Markdown recursion)
MAX_LINK_WORK = 300_000  # above this (see _link_work) a text is shown as written, not as Markdown
NOTICE_COLOR = "#6b7280"
PLACEHOLDER_COLOR = "#9ca3af"

_LIST_ITEM_RE = re.compile(r"^\s*(?:[-*+]|\d+\.)\s")
_TAG_RE = re.compile(r"(<[^>]*>)")
_HREF_RE = re.compile(r'href="([^"]*)"')
_URL_RE = re.compile(r"(?<![\w/])(https?://[^\s<>\"'«»)]+[^\s<>\"'«»).,;:])")
_IMG_RE = re.compile(r"<img\b[^>]*>")
_ATTR_RE = re.compile(r'(\w+)="([^"]*)"')
_LONG_RUN_RE = re.compile(rf"\S{{{LONG_WORD + 1},}}")
_QUOTES_RE = re.compile(r"^(?:[ \t]*>)+")
_INDENT_RE = re.compile(r"^[ \t]+")
_MARKERS_RE = re.compile(r"^(?:[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+)+")
_MARKER_RE = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+")


def anchor(article_id: str, section_id: str | None = None) -> str:
    """The anchor name of an article's section; rule anchors are the rule ids themselves."""
    return f"{article_id}/{section_id}" if section_id else article_id


def markdown_to_html(text: str) -> str:
    """Python-Markdown with raw HTML disabled: ``<script>`` in an article stays text. Nesting is
    capped first; a text that would keep Markdown busy for long is shown as written."""
    if _link_work(text) > MAX_LINK_WORK:
        return _plain_html(text)
    md = markdown.Markdown(extensions=["tables", "sane_lists"])
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    try:
        return md.convert(_separate_lists(cap_nesting(text)))
    except RecursionError:  # not seen with the nesting capped; the text is still shown
        return _plain_html(text)


def cap_nesting(text: str, depth: int = MAX_NESTING) -> str:
    """Lines quoted, indented or list-marked deeper than ``depth`` levels are lifted to that level
    (Python-Markdown recurses once a level: 250 nested lists raise RecursionError)."""
    return "\n".join(_cap_line(line, depth) for line in text.split("\n"))


def _cap_line(line: str, depth: int) -> str:
    if not line or line[0] not in " \t>-*+0123456789":
        return line  # most lines
    quotes = _QUOTES_RE.match(line)
    prefix, rest = ("", line) if quotes is None else (quotes.group(), line[quotes.end() :])
    if prefix.count(">") > depth:
        prefix = ">" * depth
    indent = _INDENT_RE.match(rest)
    if indent is not None and len(indent.group().expandtabs(4)) > 4 * depth:
        rest = " " * (4 * depth) + rest[indent.end() :]
    markers = _MARKERS_RE.match(rest)
    if markers is not None and len(found := _MARKER_RE.findall(markers.group())) > depth:
        rest = "".join(found[:depth]) + rest[markers.end() :]
    return prefix + rest


def _link_work(text: str) -> int:
    """What Python-Markdown's link search costs on ``text``: it scans a paragraph to its end for each
    '[' in it (20,000 '[' in one paragraph took 108 s; 100 in 20,000 characters, 2 s)."""
    if "[" not in text:
        return 0
    return sum(p.count("[") * len(p) for p in text.split("\n\n"))


def _plain_html(text: str) -> str:
    """Text shown as written, paragraph by paragraph, when Markdown would choke on it."""
    paragraphs = (html.escape(p, quote=False).replace("\n", "<br/>") for p in text.split("\n\n"))
    return "\n".join(f"<p>{p}</p>" for p in paragraphs if p.strip())


def _separate_lists(text: str) -> str:
    """Python-Markdown needs a blank line between a paragraph and the list under it."""
    out: list[str] = []
    for line in text.splitlines():
        if _LIST_ITEM_RE.match(line) and out and out[-1].strip() and not _LIST_ITEM_RE.match(out[-1]):
            out.append("")
        out.append(line)
    return "\n".join(out)


HEAD, INTRO, BLOCK, TABLE, SECTION, RULE = "head", "intro", "block", "table", "section", "rule"
MAX_CELL_CHARS = 2_000
MAX_COLUMNS = 30
MAX_PHRASINGS_CHARS = 4_000


class Piece(NamedTuple):
    """One piece of an article as the view lays it out, in reading order."""

    kind: str  # HEAD, INTRO, BLOCK, TABLE, SECTION or RULE
    item: object  # the Article (HEAD), the intro's Markdown, a Block, Table, Section or Rule
    section: Section | None  # the section it is in (None before the first one)
    size: int  # characters of text it shows (what it costs to lay out): at most MAX_PIECE_CHARS

    @classmethod
    def of(cls, kind: str, item: object, section: Section | None, size: int) -> Piece:
        return cls(kind, item, section, min(size, MAX_PIECE_CHARS))


def article_pieces(article: Article) -> list[Piece]:
    pieces = [Piece.of(HEAD, article, None, len(article.title) + len(article.breadcrumb))]
    pieces += _body_pieces(None, article.intro, article.blocks, article.tables)
    for section in article.sections:
        pieces.append(Piece.of(SECTION, section, section, len(section.title)))
        pieces += _body_pieces(section, section.intro, section.blocks, section.tables)
        pieces += (Piece.of(RULE, rule, section, _rule_size(rule)) for rule in section.rules)
    return pieces


def _body_pieces(section: Section | None, intro: str, blocks, tables) -> list[Piece]:
    pieces = [Piece.of(INTRO, intro, section, len(intro))] if intro else []
    pieces += (Piece.of(BLOCK, b, section, len(b.label) + len(b.text)) for b in blocks)
    pieces += (Piece.of(TABLE, t, section, _table_size(t)) for t in tables)
    return pieces


def _table_size(table: Table) -> int:
    return sum(map(len, table.header)) + sum(len(cell) for row in table.rows for cell in row)


def _rule_size(rule: Rule) -> int:
    return len(rule.markdown) + sum(map(len, rule.phrasings)) if rule.phrasings else len(rule.markdown)


def piece_anchor(article: Article, piece: Piece) -> str | None:
    """The anchor a piece carries: the article's, a section's or a rule's id."""
    if piece.kind == HEAD:
        return anchor(article.id)
    if piece.kind == SECTION:
        return anchor(article.id, piece.item.id)
    return piece.item.id if piece.kind == RULE else None


def render_article(
    article: Article,
    glossary: Glossary | None = None,
    selected_rule: str | None = None,
    highlight: Spans | None = None,
    images: ImageSrc | None = None,
) -> str:
    """The whole article as an HTML fragment for a QTextBrowser (the view shows big ones by pages)."""
    return render_pieces(article, article_pieces(article), glossary, selected_rule, highlight, images)


def render_pieces(
    article: Article,
    pieces: list[Piece] | tuple[Piece, ...],
    glossary: Glossary | None = None,
    selected_rule: str | None = None,
    highlight: Spans | None = None,
    images: ImageSrc | None = None,
) -> str:
    """Some pieces of an article (one page of it) as an HTML fragment."""
    body = "\n".join(h for h in (_piece_html(article, p, selected_rule) for p in pieces) if h)
    return _decorate_text(_images(_safe_links(body), images), glossary, highlight)


def _piece_html(article: Article, piece: Piece, selected_rule: str | None) -> str:
    kind, item = piece.kind, piece.item
    if kind == RULE:
        return _rule_html(item, item.id == selected_rule)
    if kind == SECTION:
        return f'<a name="{anchor(article.id, item.id)}"></a><h2>{html.escape(_title(item.title))}</h2>'
    if kind == INTRO:
        text, total = _cut(cap_nesting(item))
        return markdown_to_html(text) + cut_notice(len(text), total)
    if kind == BLOCK:
        return _block_html(item)
    if kind == TABLE:
        return _table_html(item)
    return f'<a name="{anchor(article.id)}"></a><h1>{html.escape(_title(article.title))}</h1>' + _breadcrumb(
        article
    )


def _breadcrumb(article: Article) -> str:
    bits = [f"Линия: <b>{html.escape(_title(article.line))}</b>"]
    if article.breadcrumb:
        bits.append(html.escape(_title(article.breadcrumb)))
    if article.date:
        bits.append(html.escape(_title(article.date)))
    return f'<p class="breadcrumb">{" · ".join(bits)}</p>'


def _rule_html(rule: Rule, selected: bool) -> str:
    text, total = _cut(cap_nesting(rule.markdown))
    body = markdown_to_html(text) + cut_notice(len(text), total, RULE_CUT_TAIL)
    number = f'<a name="{rule.id}"></a><span class="num">{rule.number}.</span>&nbsp;'
    body = body.replace("<p>", "<p>" + number, 1) if body.startswith("<p>") else number + body
    body += _phrasings_html(rule.phrasings)
    bg = f' bgcolor="{SELECTED_BG}"' if selected else ""
    return f'<table width="100%" cellpadding="4" cellspacing="0"{bg}><tr><td>{body}</td></tr></table>'


def _phrasings_html(phrasings: tuple[str, ...]) -> str:
    """How customers put the rule's case: a small grey block under the rule, never read as its text."""
    if not phrasings:
        return ""
    shown = _within(phrasings, MAX_PHRASINGS_CHARS)
    quoted = " · ".join(f"«{html.escape(_cut(p, MAX_CELL_CHARS)[0], quote=False)}»" for p in shown)
    if len(shown) < len(phrasings):
        quoted += f" · … (показаны {len(shown)} из {len(phrasings)})"
    return (
        f'<table class="customer" width="100%" cellpadding="2" cellspacing="0" '
        f'style="margin-top: 4px; margin-left: 12px; border-left: 2px solid {CUSTOMER_BORDER}">'
        f'<tr><td><span style="color:{CUSTOMER_LABEL_COLOR}; font-size:small">{CUSTOMER_LABEL}</span><br/>'
        f'<span style="color:{CUSTOMER_TEXT_COLOR}; font-size:small">{quoted}</span></td></tr></table>'
    )


def _block_html(block: Block) -> str:
    bg, border = ("#eef6ee", "#2e7d32") if block.kind == GREETING else ("#e8f0fe", "#1a56db")
    text, total = _cut(block.text)
    return (
        f'<table width="100%" cellpadding="8" cellspacing="0" bgcolor="{bg}" '
        f'style="border-left: 4px solid {border}; margin-top: 6px; margin-bottom: 6px">'
        f'<tr><td><span style="color:{border}; font-weight:bold">{html.escape(_title(block.label))}</span>'
        f"<br/>«{html.escape(text)}»{cut_notice(len(text), total)}</td></tr></table>"
    )


def _table_html(table: Table) -> str:
    rows = _within(table.rows, MAX_PIECE_CHARS, size=lambda row: sum(map(len, row[:MAX_COLUMNS])))
    head = "".join(f"<th>{_cell(c)}</th>" for c in table.header[:MAX_COLUMNS])
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row[:MAX_COLUMNS]) + "</tr>" for row in rows
    )
    caption = f"<p><b>{html.escape(_title(table.title))}</b></p>" if table.title else ""
    cut = len(rows) < len(table.rows) or max(map(len, (table.header, *table.rows))) > MAX_COLUMNS
    notice = (
        f'<p style="color:{NOTICE_COLOR}">Таблица обрезана: показаны {len(rows)} строк из {len(table.rows)}'
        f" (не больше {MAX_COLUMNS} столбцов). {SEARCH_FINDS_ALL}</p>"
        if cut
        else ""
    )
    return (
        f'{caption}<table border="1" cellpadding="6" cellspacing="0" style="border-collapse: collapse">'
        f'<tr bgcolor="#f3f4f6">{head}</tr>{body}</table>{notice}'
    )


def _cell(text: str) -> str:
    cut, total = _cut(text, MAX_CELL_CHARS)
    return html.escape(cut) + ("…" if total else "")


# ----------------------------------------------------------------------------- what is too big

SEARCH_FINDS_ALL = "Поиск находит и то, что здесь не показано."
RULE_CUT_TAIL = "«Копировать текст правила» (Ctrl+Shift+R) копирует его целиком."


def _cut(text: str, limit: int = MAX_PIECE_CHARS) -> tuple[str, int]:
    """``text`` cut to about ``limit`` characters (at a line or word end when there is one near), and
    its full length; (text, 0) when it is not cut."""
    if len(text) <= limit:
        return text, 0
    floor = limit * 4 // 5
    end = max(text.rfind("\n", floor, limit), text.rfind(" ", floor, limit))
    return text[: end if end > 0 else limit], len(text)


def cut_notice(shown: int, total: int, tail: str = "") -> str:
    """The grey line under a cut text: how much of it is shown, and that search still finds the rest."""
    if not total:
        return ""
    return (
        f'<p style="color:{NOTICE_COLOR}">Текст обрезан: показаны первые {_count(shown)} знаков из'
        f" {_count(total)}. {SEARCH_FINDS_ALL} {tail}</p>"
    )


def _count(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def _title(text: str) -> str:
    return text if len(text) <= MAX_TITLE_CHARS else text[:MAX_TITLE_CHARS] + "…"


def _within(items, limit: int, size: Callable = len) -> tuple:
    """The first items whose sizes add up to at most ``limit`` (always at least one)."""
    total = 0
    for i, item in enumerate(items):
        total += size(item)
        if total > limit and i:
            return tuple(items[:i])
    return tuple(items)


def breakable(text: str) -> str:
    """``text`` with a zero-width space every WORD_PIECE characters in runs of non-spaces longer than
    LONG_WORD: Qt lays out an unbroken 1.4 MB word in minutes, broken in milliseconds."""
    if len(text) <= LONG_WORD:
        return text
    return _LONG_RUN_RE.sub(_break_run, text)


def _break_run(m: re.Match[str]) -> str:
    run = m.group()
    return ZWSP.join(run[i : i + WORD_PIECE] for i in range(0, len(run), WORD_PIECE))


# ----------------------------------------------------------------------------- images


def image_placeholder(src: str, reason: str = "") -> str:
    """Grey «[изображение недоступно: name — why]» in place of an image that is not shown."""
    name = re.split(r"[/\\]", src.split("?", 1)[0].split("#", 1)[0].rstrip("/\\"))[-1] or src or "без имени"
    why = f" — {reason}" if reason else ""
    return (
        f'<span style="color:{PLACEHOLDER_COLOR}">[изображение недоступно:'
        f" {html.escape(_title(name[:80]), quote=False)}{why}]</span>"
    )


def _images(body: str, images: ImageSrc | None) -> str:
    """Hand every ``<img>`` Markdown made to ``images`` (src, alt → HTML), or show a placeholder."""
    if "<img" not in body:
        return body

    def replace(m: re.Match[str]) -> str:
        attrs = {k: html.unescape(v) for k, v in _ATTR_RE.findall(m.group())}
        src, alt = attrs.get("src", ""), attrs.get("alt", "")
        return images(src, alt) if images is not None else image_placeholder(src)

    return _IMG_RE.sub(replace, body)


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
        out += [_escaped(text[pos:start]), open_tag, _escaped(text[start:end]), close_tag]
        pos = end
    out.append(_escaped(text[pos:]))
    return "".join(out)


def _escaped(text: str) -> str:
    return html.escape(breakable(text), quote=False)


def _overlaps(marks: list[tuple[int, int, str, str]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e, _, _ in marks)
