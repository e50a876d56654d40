"""The Whoosh schema and the documents made from an article: one per rule, phrase, intro or table."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from index.analysis import document_stems, flat_words, stem_analyzer
from kb.model import Article, Block, Section, Table
from kb.text import plain_text

SCHEMA_VERSION = 9  # bump whenever the schema, the analysis or the documents change (9: phrasings)

RULE, PHRASE, INTRO, VOCAB = "rule", "phrase", "intro", "vocab"


def make_schema() -> Schema:
    return Schema(
        # Only what is looked up by term gets postings (each posting costs build time): ``article``
        # (updates delete by it), ``ahash`` "<article id>:<content hash>" on an article's first
        # document (the lexicon lists every article's hash) and ``vocab`` on vocabulary documents.
        id=STORED(),
        article=ID(stored=True),
        ahash=ID(),
        kind=STORED(),
        vocab=ID(),
        section_id=STORED(),
        number=STORED(),
        line=STORED(),
        line_label=STORED(),
        article_title=STORED(),
        section=STORED(),
        text=STORED(),
        stems=STORED(),  # the text's stems in reading order, for the proximity bonus
        title_stems=STORED(),
        # How customers put a rule's case, one phrasing per line: scored apart from the procedure text.
        phrasing_stems=STORED(),
        content=TEXT(analyzer=stem_analyzer(), phrase=False),  # proximity comes from ``stems``
        title=TEXT(analyzer=stem_analyzer(), phrase=False),
        phrasings=TEXT(analyzer=stem_analyzer(), phrase=False),
        words=KEYWORD(scorable=True),  # one vocabulary document per article (scorable: see store)
    )


def article_hash(article: Article) -> str:
    """A content hash of everything an article contributes to the index."""
    h = hashlib.sha1()
    for value in _hashed_values(article):
        h.update(value.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()[:16]


def _hashed_values(article: Article) -> Iterator[str]:
    yield from (article.id, article.title, article.line, article.intro)
    yield from _loose_values(article.blocks, article.tables)
    for section in article.sections:
        yield from ("\x1e", section.id, section.title, section.intro)
        yield from _loose_values(section.blocks, section.tables)
        for rule in section.rules:
            yield from (rule.id, str(rule.number), rule.text)
            if rule.phrasings:  # absent for a rule without phrasings: their hashes stay as they were
                yield from ("\x1d", *rule.phrasings)


def _loose_values(blocks: tuple[Block, ...], tables: tuple[Table, ...]) -> Iterator[str]:
    for block in blocks:
        yield from (block.kind, block.label, block.text)
    for table in tables:
        yield _table_text(table)


@dataclass(frozen=True)
class _Part:
    id: str
    kind: str
    section: Section | None
    number: int | None
    text: str
    phrasings: tuple[str, ...] = ()


def _table_text(table: Table) -> str:
    rows = [" ".join(table.header)] + [" ".join(row) for row in table.rows]
    return " ".join([table.title, *rows]).strip()


def _block_text(block: Block) -> str:
    return f"{block.label}: {block.text}" if block.label else block.text


def _parts(article: Article) -> Iterator[_Part]:
    yield from _loose_parts(article.id, None, article.intro, article.blocks, article.tables)
    for section in article.sections:
        prefix = f"{article.id}/{section.id}"
        yield from _loose_parts(prefix, section, section.intro, section.blocks, section.tables)
        for rule in section.rules:
            yield _Part(rule.id, RULE, section, rule.number, rule.text, rule.phrasings)


def _loose_parts(
    prefix: str, section: Section | None, intro: str, blocks: tuple[Block, ...], tables: tuple[Table, ...]
) -> Iterator[_Part]:
    paragraphs = [plain_text(p) for p in intro.split("\n\n") if p.strip()]
    for i, para in enumerate(paragraphs, 1):
        yield _Part(f"{prefix}/intro-{i}", INTRO, section, None, para)
    for i, block in enumerate(blocks, 1):
        yield _Part(f"{prefix}/{block.kind}-{i}", PHRASE, section, None, _block_text(block))
    for i, table in enumerate(tables, 1):
        yield _Part(f"{prefix}/table-{i}", INTRO, section, None, _table_text(table))


def index_words(text: str) -> list[str]:
    """The normalised words (compound parts too) of a text, for the spelling vocabulary."""
    return flat_words(text)


def phrasing_stems(phrasings: tuple[str, ...]) -> tuple[list[str], str]:
    """A rule's phrasings as index terms (every phrasing's stems) and as stored stems, one phrasing per
    line, compounds split into parts (as ``stems`` holds the text)."""
    terms: list[str] = []
    lines: list[str] = []
    for phrasing in phrasings:
        every, flat = document_stems(phrasing)
        terms.extend(every)
        lines.append(" ".join(flat))
    return terms, "\n".join(lines)


def _vocabulary_document(article: Article, digest: str, seen: set[str]) -> dict:
    """One document per article holding its distinct words: the index's spelling vocabulary.

    Kept apart from the rule documents so each word costs one posting per article, not per rule.
    """
    return {
        "id": f"{article.id}/_vocabulary",
        "article": article.id,
        "ahash": f"{article.id}:{digest}",
        "kind": VOCAB,
        "vocab": VOCAB,
        "words": " ".join(sorted(seen)),
    }


def article_documents(
    article: Article, digest: str | None = None, words: Counter[str] | None = None
) -> Iterator[dict]:
    """The Whoosh documents of one article. With ``words`` the article's words are added to that set
    (a full build keeps the vocabulary in a side file) instead of going into a vocabulary document,
    unless the article has no other document to carry its hash. ``words`` counts articles per word."""
    digest = digest or article_hash(article)
    seen_words: set[str] = set(index_words(article.title))
    yielded = False
    for part in _parts(article):
        seen_words.update(index_words(part.text))
        for phrasing in part.phrasings:
            seen_words.update(index_words(phrasing))
        section_title = part.section.title if part.section else ""
        label = article.line_label(part.section) if part.section else article.line
        title = f"{article.title} {section_title}".strip()
        content, stems = document_stems(part.text)
        title_content, title_stems = document_stems(title)
        doc = {
            "id": part.id,
            "article": article.id,
            "kind": part.kind,
            "section_id": part.section.id if part.section else "",
            "number": part.number,
            "line": article.line,
            "line_label": label,
            "article_title": article.title,
            "section": section_title,
            "text": part.text,
            "stems": " ".join(stems),
            "title_stems": " ".join(title_stems),
            "content": content,  # pre-analysed: the stems stem_analyzer would give
            "title": title_content,
        }
        if part.phrasings:
            doc["phrasings"], doc["phrasing_stems"] = phrasing_stems(part.phrasings)
        if not yielded:
            doc["ahash"] = f"{article.id}:{digest}"
            yielded = True
        yield doc
    if words is None or not yielded:
        yield _vocabulary_document(article, digest, seen_words)
    else:
        words.update(seen_words)
