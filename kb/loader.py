"""Loading a knowledge-base folder: every good article loads, every bad file is reported."""

from __future__ import annotations

import logging
from pathlib import Path

from kb.article_md import ArticleError, parse_article
from kb.glossary import is_glossary, parse_glossary
from kb.model import Article, Glossary, KnowledgeBase, LoadError

log = logging.getLogger(__name__)


def article_files(root: Path) -> list[Path]:
    """The Markdown files of a KB folder, in a stable order (hidden files skipped)."""
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.rglob("*.md")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def read_text(path: Path) -> str:
    """A file's text as UTF-8 (a BOM is allowed); raises ArticleError with the line of a bad byte."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ArticleError(line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})") from None


def load_article(path: Path) -> Article:
    return parse_article(read_text(path), path=path)


def load_kb(root: Path) -> KnowledgeBase:
    """Load every article and the glossary under ``root``; bad files go to ``errors``."""
    root = Path(root)
    articles: list[Article] = []
    errors: list[LoadError] = []
    glossary = Glossary()
    seen_articles: dict[str, Path] = {}
    seen_rules: dict[str, Path] = {}
    if not root.is_dir():
        errors.append(LoadError(root, None, "knowledge-base folder does not exist"))
    for path in article_files(root):
        try:
            text = read_text(path)
            if is_glossary(text):
                glossary = Glossary(glossary.entries + parse_glossary(text).entries)
                continue
            article = parse_article(text, path=path)
        except ArticleError as exc:
            errors.append(LoadError(path, exc.line, exc.message))
            continue
        except OSError as exc:
            errors.append(LoadError(path, None, f"cannot read: {exc.strerror or exc}"))
            continue
        if article.id in seen_articles:
            errors.append(
                LoadError(
                    path, 2, f"duplicate article id {article.id!r} (also in {seen_articles[article.id]})"
                )
            )
            continue
        clash = next((r for r in article.rules if r.id in seen_rules), None)
        if clash:
            errors.append(
                LoadError(
                    path, clash.line_no, f"duplicate rule id {clash.id!r} (also in {seen_rules[clash.id]})"
                )
            )
            continue
        seen_articles[article.id] = path
        seen_rules.update((r.id, path) for r in article.rules)
        articles.append(article)
    for error in errors:
        log.warning("%s", error)
    return KnowledgeBase(root=root, articles=tuple(articles), glossary=glossary, errors=tuple(errors))
