"""Line shapes several steps agree on: breadcrumbs, numbered headings, rule markers, titles."""

from __future__ import annotations

import re

BREADCRUMB_RE = re.compile(r"^(?:[^\s>:][^>:]{0,40}:\s+)?[^>]+(?:\s>\s[^>]+){1,}$")
NUMBERED_HEADING_RE = re.compile(r"^(?P<num>\d{1,3}(?:\.\d{1,3})+)\.?\s+(?P<title>[A-ZА-ЯЁ][^\"]{2,100})$")
RULE_START_RE = re.compile(r"^\d{1,3}(?:\)\.?|\.)\s")
BULLET_RE = re.compile(r"^[-•–—]\s*(?=\S)")
_CRUMB_SEPARATORS = str.maketrans({"»": ">", "→": ">"})
_LABELLED_RE = re.compile(r"^[^\s>:][^>:]{0,40}:\s")


def is_breadcrumb(line: str) -> bool:
    """ "СУЗ: Условия обслуживания > Процедуры > …" (a label and one '>' or no label and two)."""
    line = line.strip().translate(_CRUMB_SEPARATORS)
    if not BREADCRUMB_RE.match(line) or len(line) > 300:
        return False
    return bool(_LABELLED_RE.match(line)) or line.count(" > ") >= 2


def numbered_heading(line: str) -> tuple[str, str] | None:
    """ "8.3 Перевод на линию супервизора" -> ("8.3", "Перевод на линию супервизора")."""
    m = NUMBERED_HEADING_RE.match(line.strip())
    if not m or m["title"].rstrip()[-1] in ".:;,":
        return None
    return m["num"], m["title"].strip()


def is_header_line(line: str) -> bool:
    return is_breadcrumb(line) or numbered_heading(line) is not None


def is_title_like(line: str) -> bool:
    """A short line that could name an article: capitalised, no sentence end, no rule marker."""
    line = line.strip()
    return (
        0 < len(line) <= 100
        and len(line.split()) <= 12
        and line[0].isupper()
        and line[-1] not in ".:;,"
        and '"' not in line
        and not RULE_START_RE.match(line)
        and not line.endswith(("...", "…"))
        and not is_breadcrumb(line)
    )


def is_heading_like(line: str) -> bool:
    """A short line that could head a section ("Финансовые вопросы", "Список вопросов …:")."""
    line = line.strip()
    return (
        0 < len(line) <= 100
        and len(line.split()) <= 12
        and line[-1] not in ".;,"
        and '"' not in line
        and not RULE_START_RE.match(line)
        and not BULLET_RE.match(line)
        and not is_breadcrumb(line)
    )
