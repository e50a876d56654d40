"""Re-import onto an existing KB: the customer phrasings an article file already has are kept.

The procedure text comes from the import, the phrasings from the existing file, matched by rule id.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from kb.article_md import ArticleError, parse_article
from kb.encoding import decode_kb_bytes
from kb.model import Article, Rule

Phrasings = dict[str, tuple[str, ...]]  # rule id -> phrasings
_CUSTOMER_BYTES_RE = re.compile(rb"^[ \t]*>[ \t]*\[!customer\]", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Kept:
    article: Article  # the imported article carrying the existing file's phrasings
    lost: tuple[str, ...] = ()  # ids of rules that have phrasings in the file but are not imported


def existing_phrasings(data: bytes) -> Phrasings | None:
    """Each rule's phrasings in an existing article file; None when the file does not read as one."""
    try:
        article = parse_article(decode_kb_bytes(data).text)
    except ArticleError:
        return None
    return {rule.id: rule.phrasings for rule in article.rules if rule.phrasings}


def has_phrasing_blocks(data: bytes) -> bool:
    """Whether a file's bytes hold a ``[!customer]`` block (read or not)."""
    return _CUSTOMER_BYTES_RE.search(data) is not None


def keep_phrasings(article: Article, phrasings: Phrasings) -> Kept:
    """``article`` with the phrasings of its rules taken from ``phrasings``, and what had no rule."""
    imported = {rule.id for rule in article.rules}
    lost = tuple(rule_id for rule_id in phrasings if rule_id not in imported)
    return Kept(map_rules(article, lambda r: replace(r, phrasings=phrasings.get(r.id, r.phrasings))), lost)


def map_rules(article: Article, change: Callable[[Rule], Rule]) -> Article:
    """The article with ``change`` applied to each of its rules."""
    sections = tuple(replace(s, rules=tuple(change(r) for r in s.rules)) for s in article.sections)
    return replace(article, sections=sections)


def same_but_phrasings(existing: bytes, imported: Article) -> bool:
    """Whether an existing UTF-8 file reads as the imported article but for its phrasings, where it
    was read from and its ``source:`` (blank lines around a phrasing block do not count)."""
    try:
        article = parse_article(existing.decode("utf-8"))
    except (UnicodeDecodeError, ArticleError):
        return False
    return _procedure_only(article) == _procedure_only(imported)


def _procedure_only(article: Article) -> Article:
    sections = tuple(
        replace(s, rules=tuple(replace(r, phrasings=(), line_no=0) for r in s.rules))
        for s in article.sections
    )
    return replace(article, sections=sections, path=None, source="")
