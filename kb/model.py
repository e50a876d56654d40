"""Plain values that describe a knowledge base: articles, sections, rules, phrases."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

PHRASE = "phrase"
GREETING = "greeting"
BLOCK_KINDS = (PHRASE, GREETING)

_STEP_WORDS = {"один": 1, "одного": 1, "два": 2, "двух": 2, "три": 3, "трех": 3, "трёх": 3}
_STEP_RE = re.compile(r"(?:в\s+)?(\d+|один|одного|два|двух|три|трех|трёх)\s+шаг", re.IGNORECASE)


def rule_id(article_id: str, section_id: str, number: int) -> str:
    """A rule's stable id, built from the procedure's own number: "ss/finance/3"."""
    return f"{article_id}/{section_id}/{number}"


def step_count(text: str) -> int | None:
    """The number of steps a transfer takes, if the text names it ("в 1 шаг", "в два шага")."""
    m = _STEP_RE.search(text)
    if not m:
        return None
    word = m.group(1).lower()
    return int(word) if word.isdigit() else _STEP_WORDS[word]


@dataclass(frozen=True)
class Block:
    """A phrase to say or a greeting: text an agent may copy, with the lead-in that names it."""

    kind: str  # PHRASE or GREETING
    label: str
    text: str


@dataclass(frozen=True)
class Table:
    """A small table inside an article (the MNP transfer queues)."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Rule:
    """One numbered rule; ``number`` is the procedure's own, never renumbered."""

    id: str
    article_id: str
    section_id: str
    number: int
    markdown: str  # body as written in the file, without the list marker
    text: str  # plain text, no Markdown markup
    line_no: int = 0  # 1-based line of the list item in the source file
    # How customers put this rule's case ("Клиент может сказать"): written by KB editors, kept apart
    # from the procedure text, searched in a field of its own, never part of ``text``.
    phrasings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str = ""  # Markdown paragraphs before the rules
    blocks: tuple[Block, ...] = ()
    rules: tuple[Rule, ...] = ()
    tables: tuple[Table, ...] = ()

    @property
    def steps(self) -> int | None:
        return step_count(self.title)


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    line: str  # the line a call is transferred to: СС, СВ, MNP …
    breadcrumb: str = ""
    source: str = ""
    date: str = ""
    intro: str = ""  # Markdown before the first section
    blocks: tuple[Block, ...] = ()
    sections: tuple[Section, ...] = ()
    tables: tuple[Table, ...] = ()
    path: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)  # unknown front-matter keys, kept
    order: int | None = None  # place in the contents (front matter ``order:``); None: after, by file

    @property
    def rules(self) -> list[Rule]:
        return [rule for section in self.sections for rule in section.rules]

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def phrase_for(self, rule: Rule) -> Block | None:
        """The transfer phrase that applies to a rule: its section's, else the article's."""
        for blocks in (self.section(rule.section_id).blocks, self.blocks):
            for block in blocks:
                if block.kind == PHRASE:
                    return block
        return None

    def greeting(self) -> Block | None:
        return next((b for b in self.blocks if b.kind == GREETING), None)

    def line_label(self, section: Section) -> str:
        """Badge text for the line: "СВ · 1 шаг" where the section names its steps."""
        steps = section.steps
        return (
            f"{self.line} · {steps} шаг"
            if steps == 1
            else (f"{self.line} · {steps} шага" if steps else self.line)
        )


@dataclass(frozen=True)
class GlossaryEntry:
    term: str  # the abbreviation or word as written: "ЛС"
    expansion: str  # "лицевой счёт"; may be empty where it is not certain
    variants: tuple[str, ...] = ()  # spellings that mean the same: ("sim", "сим")


@dataclass(frozen=True)
class Glossary:
    entries: tuple[GlossaryEntry, ...] = ()

    def lookup(self, term: str) -> GlossaryEntry | None:
        key = term.casefold()
        for entry in self.entries:
            if entry.term.casefold() == key or key in (v.casefold() for v in entry.variants):
                return entry
        return None


@dataclass(frozen=True)
class ThesaurusEntry:
    """Customer wording and the procedure's wording for the same thing; either side may be multi-word
    and is matched by word forms, in both directions (``симка`` ↔ ``сим-карта``)."""

    colloquial: tuple[str, ...]  # as customers say it: ("симка", "симку поменять")
    formal: tuple[str, ...]  # as the procedure says it: ("сим-карта",)


@dataclass(frozen=True)
class Thesaurus:
    entries: tuple[ThesaurusEntry, ...] = ()


@dataclass(frozen=True)
class LoadError:
    """A file that could not be loaded, with where and why."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class KnowledgeBase:
    root: Path
    articles: tuple[Article, ...] = ()
    glossary: Glossary = Glossary()
    errors: tuple[LoadError, ...] = ()
    thesaurus: Thesaurus = Thesaurus()  # customer language ↔ procedure wording (thesaurus.md)
    # Files that loaded but need their editor's attention ("read as cp1251"): path, no line, message.
    notices: tuple[LoadError, ...] = ()

    @property
    def rules(self) -> list[Rule]:
        return [rule for article in self.articles for rule in article.rules]

    def article(self, article_id: str) -> Article | None:
        return next((a for a in self.articles if a.id == article_id), None)

    def find_rule(self, rule_id: str) -> tuple[Article, Section, Rule] | None:
        for article in self.articles:
            for section in article.sections:
                for rule in section.rules:
                    if rule.id == rule_id:
                        return article, section, rule
        return None
