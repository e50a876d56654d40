"""The thesaurus: how customers say a thing and how the procedure says it, as one Markdown table.

```markdown
---
type: thesaurus
---

| Как говорит клиент | Как в процедуре |
| --- | --- |
| симка, симку поменять | сим-карта, замена sim-карты |
```
Each cell holds comma-separated entries; either side may be several words.
"""

from __future__ import annotations

import logging
from pathlib import Path

from kb.article_md import ArticleError, file_type, parse_front_matter
from kb.model import Thesaurus, ThesaurusEntry

THESAURUS_TYPE = "thesaurus"

log = logging.getLogger(__name__)


def is_thesaurus(text: str) -> bool:
    """Whether a KB file is a thesaurus (front matter ``type: thesaurus``)."""
    return file_type(text) == THESAURUS_TYPE


def parse_thesaurus(text: str, path: Path | None = None) -> Thesaurus:
    """Read a thesaurus file (``path`` only names it in the log); a malformed row raises ArticleError
    with its 1-based line."""
    lines = text.splitlines()
    _, start = parse_front_matter(lines, required=("type",))
    entries: list[ThesaurusEntry] = []
    seen_header = False
    for no, line in enumerate(lines[start:], start + 1):
        if not line.lstrip().startswith("|"):
            continue
        cells = table_cells(line)
        if _is_separator(cells):
            continue
        if not seen_header:
            seen_header = True
            continue
        entries.append(_entry(cells, no))
    log.debug("%s: %d thesaurus entries", path or "thesaurus", len(entries))
    return Thesaurus(entries=tuple(entries))


def table_cells(line: str) -> list[str]:
    """The stripped cells of a Markdown table row (outer pipes optional at the end)."""
    body = line.strip().removeprefix("|")
    body = body.removesuffix("|") if body.endswith("|") and not body.endswith("\\|") else body
    return [cell.strip() for cell in body.split("|")]


def _is_separator(cells: list[str]) -> bool:
    return all(cell and set(cell) <= set(":-") for cell in cells)


def _entry(cells: list[str], line: int) -> ThesaurusEntry:
    if len(cells) != 2:
        raise ArticleError(
            line,
            f"thesaurus row needs 2 columns (customer | procedure), not {len(cells)}",
        )
    colloquial, formal = split_terms(cells[0]), split_terms(cells[1])
    if not colloquial or not formal:
        side = "customer" if not colloquial else "procedure"
        raise ArticleError(line, f"thesaurus row has an empty {side} column")
    return ThesaurusEntry(colloquial=colloquial, formal=formal)


def split_terms(cell: str) -> tuple[str, ...]:
    """Comma-separated terms of one cell, stripped, empty ones and repeats dropped, in order."""
    terms = (" ".join(term.split()) for term in cell.split(","))
    return tuple(dict.fromkeys(term for term in terms if term))
