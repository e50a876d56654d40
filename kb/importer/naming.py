"""Ids and file names: the line an article transfers to, article and section ids, safe file names."""

from __future__ import annotations

import re

from kb.model import step_count
from kb.text import slugify

_LINE_TAIL_RE = re.compile(r"\bна\s+лини[юиея]\s+(?P<tail>.+)$", re.IGNORECASE)
_LINE_LIST_RE = re.compile(r"(?:[A-ZА-ЯЁ]{2,6}/)+[A-ZА-ЯЁ]{2,6}")
_LATIN_LINE_RE = re.compile(r"\b[A-Z][A-Z0-9]{1,7}\b")
_STEP_IDS = {1: "one-step", 2: "two-step", 3: "three-step"}
SECTION_WORDS = (  # first match wins; slugify() for sections not listed
    ("финанс", "finance"),
    ("техн", "technical"),
    ("претенз", "claims"),
    ("список вопросов", "questions"),
)
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}


def line_for(title: str, breadcrumb: str = "") -> str:
    """The line an article transfers to: "…старших специалистов" -> "СС", "…супервизора" -> "СВ".

    Latin names ("MNP") are taken as written; Cyrillic ones are matched against the lines the
    breadcrumb lists ("… на линию СС/СВ/MNP") by initials, else by letters of a single word,
    else made from the initials.
    """
    m = _LINE_TAIL_RE.search(title)
    tail = m["tail"] if m else title
    if latin := _LATIN_LINE_RE.search(tail):
        return latin[0]
    words = [w for w in re.findall(r"[а-яёa-z0-9]+", tail.lower()) if len(w) > 2]
    if not words:
        return tail.strip().upper()[:8]
    initials = "".join(w[0] for w in words).upper()
    known = [c for found in _LINE_LIST_RE.findall(breadcrumb) for c in found.split("/")]
    for candidate in known:
        if candidate == initials:
            return candidate
    for candidate in known:
        if len(words) == 1 and _is_abbreviation(candidate.lower(), words[0]):
            return candidate
    return initials if len(words) > 1 else words[0][:2].upper()


def _is_abbreviation(short: str, word: str) -> bool:
    """ "св" abbreviates "супервизора": same first letter, the rest in order."""
    if not short or short[0] != word[0]:
        return False
    rest = iter(word[1:])
    return all(ch in rest for ch in short[1:])


def article_id(line: str, title: str = "") -> str:
    """ "СС" -> "ss", "MNP" -> "mnp" (transliterated); the title when the line gives nothing."""
    for text in (line, title):
        slug = slugify(text)
        if slug != "section" or "section" in text.lower():
            return slug
    return "article"


def section_id(title: str) -> str:
    """ "Финансовые вопросы" -> "finance", "… в один шаг" -> "one-step"; else a slug of the title."""
    steps = step_count(title)
    if steps in _STEP_IDS:
        return _STEP_IDS[steps]
    low = title.lower()
    meaningful = " ".join(w for w in re.findall(r"\w+", title) if len(w) > 2) or title  # no "в", "по"
    return next((sid for word, sid in SECTION_WORDS if word in low), slugify(meaningful))


def unique(candidate: str, taken: set[str]) -> str:
    if candidate not in taken:
        return candidate
    n = 2
    while f"{candidate}-{n}" in taken:
        n += 1
    return f"{candidate}-{n}"


def file_name(article_id: str) -> str:
    """A file name for an article that stays inside the KB folder on every OS ("ss" -> "ss.md")."""
    stem = re.sub(r"[^a-z0-9_-]+", "-", article_id.lower()).strip("-_") or "article"
    if stem in _RESERVED:
        stem += "-article"
    return f"{stem[:80]}.md"
