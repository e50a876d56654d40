"""Step 8: an article's raw parts into kb.model values (rules, blocks, tables, ids)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from kb.importer.articles import RawArticle
from kb.importer.blocks import block_steps, extract_blocks
from kb.importer.naming import article_id, line_for, section_id, unique
from kb.importer.rules import link_cross_refs, rule_markdown, split_enumeration
from kb.importer.sections import Outline, RawSection, find_sections
from kb.model import GREETING, Article, Block, Rule, Section, rule_id
from kb.text import md_escape, plain_text

_BLOCK_START_RE = re.compile(r"^(?:#|>|\||[-*+]\s|\d+[.)]\s|```|---|===)")


@dataclass
class Built:
    article: Article
    warnings: list[str] = field(default_factory=list)


def build_article(raw: RawArticle, *, source: str, date: str, taken_ids: set[str]) -> Built:
    """Find sections, rules and blocks in one raw article and make the Article value."""
    line = line_for(raw.title, raw.breadcrumb)
    aid = unique(article_id(line, raw.title), taken_ids)
    outline = find_sections(raw.body)
    intro, blocks = _intro_and_blocks(outline.intro)
    warnings: list[str] = []
    sections = _sections(aid, outline, warnings)
    blocks, sections = _place_step_blocks(blocks, sections)
    blocks, sections = _lift_greetings(blocks, sections)
    article = Article(
        id=aid,
        title=raw.title,
        line=line,
        breadcrumb=raw.breadcrumb,
        source=source,
        date=date,
        intro=intro,
        blocks=tuple(blocks),
        sections=tuple(sections),
        tables=tuple(outline.tables),
    )
    return Built(article, warnings)


def _intro_and_blocks(paragraphs: list[str]) -> tuple[str, list[Block]]:
    texts: list[str] = []
    blocks: list[Block] = []
    for paragraph in paragraphs:
        rest, found = extract_blocks(paragraph)
        blocks += found
        if rest:
            texts.append(paragraph_markdown(rest))
    return "\n\n".join(texts), blocks


def paragraph_markdown(text: str) -> str:
    """Escape a text paragraph so that nothing in it reads as Markdown structure."""
    escaped = md_escape(text)
    return "\\" + escaped if _BLOCK_START_RE.match(escaped) else escaped


def _sections(aid: str, outline: Outline, warnings: list[str]) -> list[Section]:
    sections: list[Section] = []
    taken: set[str] = set()
    for raw in outline.sections:
        sid = unique(section_id(raw.title), taken)
        taken.add(sid)
        sections.append(_section(aid, sid, raw, warnings))
    return sections


def _section(aid: str, sid: str, raw: RawSection, warnings: list[str]) -> Section:
    lead, items = split_enumeration("\n".join(raw.lines))
    intro, blocks = _intro_and_blocks([lead, *raw.notes] if lead else raw.notes)
    numbers = {number for number, _ in items}
    rules = tuple(_rule(aid, sid, number, body, numbers) for number, body in items)
    missing = sorted(set(range(1, max(numbers, default=0) + 1)) - numbers)
    if missing:
        gaps = ", ".join(map(str, missing))
        warnings.append(f"{aid}/{sid}: нет пункта {gaps} (нумерация сохранена как в источнике)")
    tables = tuple(raw.tables)
    return Section(id=sid, title=raw.title, intro=intro, blocks=tuple(blocks), rules=rules, tables=tables)


def _rule(aid: str, sid: str, number: int, body: str, numbers: set[int]) -> Rule:
    markdown = link_cross_refs(rule_markdown(body), f"{aid}/{sid}", numbers)
    return Rule(
        id=rule_id(aid, sid, number),
        article_id=aid,
        section_id=sid,
        number=number,
        markdown=markdown,
        text=plain_text(markdown),
    )


def _place_step_blocks(blocks: list[Block], sections: list[Section]) -> tuple[list[Block], list[Section]]:
    """A phrase for "в 1 шаг" goes to the section titled "… в один шаг"; others stay on the article."""
    by_steps = {s.steps: s for s in sections if s.steps}
    kept: list[Block] = []
    moved: dict[str, list[Block]] = {}
    for block in blocks:
        target = by_steps.get(block_steps(block))
        if target is None:
            kept.append(block)
        else:
            moved.setdefault(target.id, []).append(block)
    sections = [replace(s, blocks=(*moved.get(s.id, ()), *s.blocks)) for s in sections]
    return kept, sections


def _lift_greetings(blocks: list[Block], sections: list[Section]) -> tuple[list[Block], list[Section]]:
    """A greeting written among a section's rules still belongs to the whole article."""
    lifted = [b for s in sections for b in s.blocks if b.kind == GREETING]
    sections = [replace(s, blocks=tuple(b for b in s.blocks if b.kind != GREETING)) for s in sections]
    return [*blocks, *lifted], sections
