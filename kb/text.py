"""Small text helpers shared by the reader, the writer and the importer."""

from __future__ import annotations

import re

_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya",
    }
)  # fmt: skip

_MD_ESCAPE_RE = re.compile(r"([\\`*_\[\]])")
_MD_UNESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|])")
_LIST_MARKER_RE = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+")
_ENDS_CLAUSE = ".,;:!?…"
_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # a link, or a picture (its alt text)
_STRONG_RE = re.compile(r"(?<!\\)(\*\*|__)(.+?)(?<!\\)\1")
_EM_RE = re.compile(r"(?<![\\\w*])\*(?!\s)(.+?)(?<![\\\s])\*(?!\w)")


def slugify(text: str, max_words: int = 4) -> str:
    """An ASCII id from any text: "Финансовые вопросы" -> "finansovye-voprosy"."""
    latin = text.lower().translate(_TRANSLIT)
    words = re.findall(r"[a-z0-9]+", latin)
    return "-".join(words[:max_words]) or "section"


def md_escape(text: str) -> str:
    """Escape the characters that would turn plain procedure text into Markdown markup."""
    return _MD_ESCAPE_RE.sub(r"\\\1", text)


def inline_plain_text(markdown_text: str) -> str:
    """Text without inline Markdown (links, emphasis, escapes); lines and list markers kept."""
    text = markdown_text
    if "[" in text:  # each step only when its marker is present: loading 100k rules runs this
        text = _LINK_RE.sub(r"\1", text)
    if "*" in text or "_" in text:
        text = _STRONG_RE.sub(r"\2", text)
        text = _EM_RE.sub(r"\1", text)
    if "\\" in text:
        text = _MD_UNESCAPE_RE.sub(r"\1", text)
    return text


def plain_text(markdown_text: str) -> str:
    """The text a person reads, without Markdown markup, on one line."""
    text = inline_plain_text(markdown_text)
    out = ""
    for line in text.splitlines():
        marker = _LIST_MARKER_RE.match(line)
        item = line[marker.end() :].strip() if marker else line.strip()
        if not item:
            continue
        if not out:
            out = item
        elif marker and out[-1] not in _ENDS_CLAUSE:
            out += "; " + item  # a sub-point after text that ends without punctuation: keep them apart
        else:
            out += " " + item
    return out
