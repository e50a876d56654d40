"""The knowledge-base model: articles, sections, rules, phrases, glossary, thesaurus; Markdown in and out."""

from kb.article_md import ArticleError, article_to_markdown, parse_article
from kb.loader import load_kb
from kb.model import (
    Article,
    Block,
    Glossary,
    GlossaryEntry,
    KnowledgeBase,
    LoadError,
    Rule,
    Section,
    Table,
    Thesaurus,
    ThesaurusEntry,
)
from kb.paths import bundled_kb_dir

__all__ = [
    "Article", "ArticleError", "Block", "Glossary", "GlossaryEntry", "KnowledgeBase",
    "LoadError", "Rule", "Section", "Table", "Thesaurus", "ThesaurusEntry", "article_to_markdown",
    "bundled_kb_dir",
    "load_kb", "parse_article",
]  # fmt: skip
