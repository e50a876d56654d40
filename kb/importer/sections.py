"""Step 5: an article body into intro paragraphs, tables and sections (a short heading line
followed by a numbered rule)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.importer.blocks import extract_blocks, parse_queues
from kb.importer.patterns import RULE_START_RE, is_heading_like
from kb.model import Table

DEFAULT_SECTION_TITLE = "Список вопросов"  # for rules that follow no heading
_INLINE_FIRST_RULE_RE = re.compile(r"\s(?=1\)\.?\s)")


@dataclass
class RawSection:
    title: str
    lines: list[str] = field(default_factory=list)  # the rules' text
    notes: list[str] = field(default_factory=list)  # separate lines with a phrase or greeting
    tables: list[Table] = field(default_factory=list)


@dataclass
class Outline:
    intro: list[str] = field(default_factory=list)  # paragraphs before the first section
    tables: list[Table] = field(default_factory=list)
    sections: list[RawSection] = field(default_factory=list)


def find_sections(body: list[str]) -> Outline:
    """Sections start at a heading-like line whose next line starts with "1)"; the rest is text."""
    units = split_inline_headings([line.strip() for line in body if line.strip()])
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
        elif current is None and RULE_START_RE.match(line):
            current = RawSection(title=DEFAULT_SECTION_TITLE, lines=[line])
            outline.sections.append(current)
        elif current is None:
            outline.intro.append(line)
        elif not RULE_START_RE.match(line) and extract_blocks(line)[1]:
            current.notes.append(line)
        else:
            current.lines.append(line)
        i += 1
    return outline


def split_inline_headings(units: list[str]) -> list[str]:
    """ "Финансовые вопросы 1) a 2) b" -> ["Финансовые вопросы", "1) a 2) b"] when the head is short."""
    out: list[str] = []
    for unit in units:
        m = None if RULE_START_RE.match(unit) else _INLINE_FIRST_RULE_RE.search(unit)
        head = unit[: m.start()].strip() if m else ""
        if m and len(head.split()) <= 10 and is_heading_like(head) and not extract_blocks(head)[1]:
            out += [head, unit[m.end() :]]
        else:
            out.append(unit)
    return out


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
