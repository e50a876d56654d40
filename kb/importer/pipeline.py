"""The importer as an ordered pipeline of named steps: raw page -> Article values -> Markdown."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from kb.article_md import ArticleError, article_to_markdown, parse_article
from kb.importer.articles import find_articles
from kb.importer.blocks import extract_blocks, parse_queues
from kb.importer.build import build_article
from kb.importer.clutter import is_teaser, strip_clutter
from kb.importer.decode import decode, normalize_text
from kb.importer.errors import ProcedureImportError
from kb.importer.html_text import html_to_text, looks_like_html
from kb.importer.naming import file_name
from kb.importer.rules import link_cross_refs, split_enumeration, split_subpoints
from kb.importer.sections import find_sections
from kb.model import Article

log = logging.getLogger(__name__)

# The order of the steps; each is a pure function, tested alone in tests/kb/test_importer_steps.py.
STEPS: tuple[tuple[str, Callable[..., object]], ...] = (
    ("decode", decode),
    ("html_to_text", html_to_text),
    ("normalize_text", normalize_text),
    ("strip_clutter", strip_clutter),
    ("find_articles", find_articles),
    ("build_article", build_article),  # runs the article steps below, in this order
    ("find_sections", find_sections),
    ("split_enumeration", split_enumeration),
    ("split_subpoints", split_subpoints),
    ("extract_blocks", extract_blocks),
    ("parse_queues", parse_queues),
    ("link_cross_refs", link_cross_refs),
    ("to_markdown", article_to_markdown),
)


@dataclass
class ImportPlan:
    """What an import would write: articles (``path`` = target file name inside the KB folder)."""

    articles: list[Article]
    warnings: list[str] = field(default_factory=list)
    source_name: str = ""

    def file_name(self, article: Article) -> str:
        return article.path.name if article.path else file_name(article.id)

    def markdown(self, article: Article) -> str:
        return article_to_markdown(article)

    def files(self) -> dict[str, str]:
        """Target file name -> file text, in article order."""
        return {self.file_name(a): self.markdown(a) for a in self.articles}


def plan_import(source: Path) -> ImportPlan:
    """Read a procedure page (text or HTML, any usual encoding) and plan its articles."""
    source = Path(source)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ProcedureImportError(f"{source}: не удалось прочитать файл: {exc.strerror or exc}") from exc
    decoded = decode(data)
    log.info("%s: decoded as %s", source, decoded.encoding)
    plan = import_text(decoded.text, source.name)
    plan.warnings[:0] = [f"{source.name}: {w}" for w in decoded.warnings]
    return plan


def import_text(text: str, source_name: str) -> ImportPlan:
    """Plan the articles of a page already decoded to text."""
    text = normalize_text(text)
    if looks_like_html(text):
        text = normalize_text(html_to_text(text))
    page = strip_clutter(text.split("\n"))
    found = find_articles(page)
    warnings: list[str] = []
    articles: list[Article] = []
    taken: set[str] = set()
    for raw in found.articles:
        built = build_article(raw, source=source_name, date=page.date, taken_ids=taken)
        warnings += built.warnings
        if not built.article.rules and not built.article.blocks:
            warnings.append(f"пропущено «{raw.title}»: ни пунктов, ни фраз (навигация сайта?)")
            continue
        if not built.article.rules:
            warnings.append(f"{built.article.id}: в «{raw.title}» не найдено нумерованных пунктов")
        taken.add(built.article.id)
        articles.append(replace(_settle(built.article, warnings), order=len(articles) + 1))
    warnings[:0] = _dropped_warning(found.dropped, page.title, [a.title for a in articles])
    if not any(article.rules for article in articles):
        raise ProcedureImportError(f"{source_name}: не найдено ни одной статьи с нумерованными пунктами")
    return ImportPlan(articles=articles, warnings=warnings, source_name=source_name)


def _settle(draft: Article, warnings: list[str]) -> Article:
    """The article as the loader will read it back from its file, with its target file name."""
    markdown = article_to_markdown(draft)
    try:
        article = parse_article(markdown)
    except ArticleError as exc:  # a bug in a step; keep the draft and say so
        warnings.append(
            f"{draft.id}: ошибка импортёра, Markdown не читается (строка {exc.line}: {exc.message})"
        )
        article = draft
    if [r.markdown for r in article.rules] != [r.markdown for r in draft.rules]:
        warnings.append(f"{draft.id}: ошибка импортёра, Markdown читается иначе")
    return replace(article, path=Path(file_name(article.id)))


def _dropped_warning(dropped: tuple[str, ...], page_title: str, titles: list[str]) -> list[str]:
    """Say what text before the first article was left out (teasers and titles go silently)."""
    known = {t.casefold() for t in [page_title, *titles] if t}
    lost = [
        line
        for line in dropped
        if line != "(teaser)" and not is_teaser(line) and line.casefold() not in known
    ]
    if not lost:
        return []
    return [f"пропущено строк вне статей: {len(lost)}, первая: «{lost[0][:80]}»"]
