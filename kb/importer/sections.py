"""Step 5: an article body into intro paragraphs, tables and sections (a short heading line
followed by a numbered rule)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.importer.blocks import parse_queues
from kb.importer.patterns import RULE_START_RE, is_heading_like
from kb.model import Table


@dataclass
class RawSection:
    title: str
    lines: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Outline:
    intro: list[str] = field(default_factory=list)  # paragraphs before the first section
    tables: list[Table] = field(default_factory=list)
    sections: list[RawSection] = field(default_factory=list)


def find_sections(body: list[str]) -> Outline:
    """Sections start at a heading-like line whose next line starts with "1)"; the rest is text."""
    units = [line.strip() for line in body if line.strip()]
    outline = Outline()
    current: RawSection | None = None
    i = 0
    while i < len(units):
        line, nxt = units[i], units[i + 1] if i + 1 < len(units) else ""
        if is_section_heading(line, nxt):
            current = RawSection(title=line.rstrip(":").strip())
            outline.sections.append(current)
        elif (table := _table_at(units, i)) is not None:
            (current.tables if current else outline.tables).append(table[0])
            i = table[1]
            continue
        elif current is not None:
            current.lines.append(line)
        else:
            outline.intro.append(line)
        i += 1
    return outline


def is_section_heading(line: str, next_line: str) -> bool:
    return is_heading_like(line) and bool(RULE_START_RE.match(next_line))


def _table_at(units: list[str], i: int) -> tuple[Table, int] | None:
    """A queue table at ``units[i]`` (maybe under a caption line ending in ':'); the next index."""
    caption = ""
    j = i
    if units[i].endswith(":") and is_heading_like(units[i]) and i + 1 < len(units):
        caption, j = units[i].rstrip(":").strip(), i + 1
    table = parse_queues(units[j], caption)
    return (table, j + 1) if table else None
