"""The glossary: abbreviations with their expansions and spelling variants, as a Markdown table."""

from __future__ import annotations

from kb.article_md import ArticleError, file_type, parse_front_matter
from kb.model import Glossary, GlossaryEntry

GLOSSARY_TYPE = "glossary"


def parse_glossary(text: str) -> Glossary:
    """Read a glossary file: front matter with ``type: glossary``, then one table."""
    lines = text.splitlines()
    _, start = parse_front_matter(lines, required=("type",))
    entries: list[GlossaryEntry] = []
    seen_header = False
    for no, line in enumerate(lines[start:], start + 1):
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if all(set(c) <= set(":-") and c for c in cells):
            continue
        if not seen_header:
            seen_header = True
            continue
        if len(cells) < 2 or not cells[0]:
            raise ArticleError(no, "glossary row needs at least a term and an expansion column")
        variants = tuple(v.strip() for v in cells[2].split(",") if v.strip()) if len(cells) > 2 else ()
        entries.append(GlossaryEntry(term=cells[0], expansion=cells[1], variants=variants))
    return Glossary(entries=tuple(entries))


def is_glossary(text: str) -> bool:
    """Whether a KB file is a glossary (front matter ``type: glossary``)."""
    return file_type(text) == GLOSSARY_TYPE
