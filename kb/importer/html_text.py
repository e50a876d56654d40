"""Step 2: an HTML page to plain text with its paragraph and line breaks (stdlib html.parser)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP = frozenset({"script", "style", "nav", "noscript", "template", "svg", "iframe", "object", "button"})
_BLOCKS = frozenset(
    {
        "p", "div", "section", "article", "main", "header", "footer", "aside", "title", "h1", "h2",
        "h3", "h4", "h5", "h6", "table", "tr", "blockquote", "pre", "dl", "dt",
        "dd", "form", "figure", "figcaption", "hr", "address", "body", "html", "head",
    }
)  # fmt: skip
_CELLS = frozenset({"td", "th"})
_PAGE_RE = re.compile(r"<(?:!doctype\s+html|html|body)\b[^>]*>", re.IGNORECASE)
_TAG_RE = re.compile(r"</?(?:p|div|br|h[1-6]|li|ul|ol|table|tr|td|span|b|strong|a)\b[^>]*>", re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    """True for an HTML page or fragment; a text that mentions a tag or two (or ``<имя>``) is not."""
    head = text[:20000]
    if _PAGE_RE.search(head):
        return True
    tags = len(_TAG_RE.findall(head))
    lines = sum(1 for line in head.splitlines() if line.strip())
    return tags >= 3 and tags * 4 >= lines


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.pre_depth = 0
        self.lists: list[int | None] = []  # next number of each open <ol>; None for <ul>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n" + self._item_marker(dict(attrs)))
        elif tag in ("ol", "ul"):
            self.lists.append(_int(dict(attrs).get("start"), 1) if tag == "ol" else None)
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        elif tag in _CELLS:
            self.parts.append(" ")
        self.pre_depth += tag == "pre"

    def _item_marker(self, attrs: dict[str, str | None]) -> str:
        """ "3) " for an item of an ordered list (numbers kept, ``value`` honoured), "- " otherwise."""
        if not self.lists or self.lists[-1] is None:
            return "- "
        number = _int(attrs.get("value"), self.lists[-1])
        self.lists[-1] = number + 1
        return f"{number}) "

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in ("ol", "ul"):
            if self.lists:
                self.lists.pop()
            self.parts.append("\n")
        elif tag in _BLOCKS and tag != "li":
            self.parts.append("\n\n")
        self.pre_depth -= tag == "pre" and self.pre_depth > 0

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        self.parts.append(data if self.pre_depth else re.sub(r"[ \t\r\n\f]+", " ", data))


def html_to_text(html: str) -> str:
    """Visible text of a page; block elements become paragraphs, ``<br>`` a line break."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
