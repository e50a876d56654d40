"""Loading a knowledge-base folder: every good article loads, every bad file is reported."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kb.article_md import ArticleError, parse_article
from kb.glossary import is_glossary, parse_glossary
from kb.model import Article, Glossary, KnowledgeBase, LoadError

log = logging.getLogger(__name__)


def article_files(root: Path) -> list[Path]:
    """The Markdown files of a KB folder, in a stable order (hidden files skipped)."""
    if not root.is_dir():
        return []
    return sorted(_walk(root))


def _walk(folder: Path) -> Iterator[Path]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():  # as Path.rglob: symlinked folders skipped
                yield from _walk(Path(entry.path))
            elif entry.name.endswith(".md") and entry.is_file():
                yield Path(entry.path)
        except OSError:
            continue


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


FileSignature = tuple[int, int, int]  # (mtime_ns, size, inode): a file not touched since keeps it
Parsed = Article | Glossary | LoadError  # what one file gives, before duplicate checks


@dataclass
class LoadCache:
    """What each file of a KB folder gave when it was last read, keyed by path; pass the same object
    to every :func:`load_kb` of one folder and only files whose signature changed are read again."""

    files: dict[Path, tuple[FileSignature, Parsed]] = field(default_factory=dict)
    parsed: int = 0  # files read by the last load (the rest came from the cache)


def file_signature(path: Path) -> FileSignature | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _parse_file(path: Path) -> Parsed:
    try:
        text = read_text(path)
        if is_glossary(text):
            return parse_glossary(text)
        return parse_article(text, path=path)
    except ArticleError as exc:
        return LoadError(path, exc.line, exc.message)
    except OSError as exc:
        return LoadError(path, None, f"cannot read: {exc.strerror or exc}")


def _parsed_files(root: Path, cache: LoadCache | None) -> list[tuple[Path, Parsed]]:
    """Each file's parse result, from the cache where its signature is unchanged."""
    old = cache.files if cache is not None else {}
    new: dict[Path, tuple[FileSignature, Parsed]] = {}
    out, parsed = [], 0
    for path in article_files(root):
        sig = file_signature(path)
        hit = old.get(path)
        if sig is not None and hit is not None and hit[0] == sig:
            result = hit[1]
        else:
            result, parsed = _parse_file(path), parsed + 1
            if sig != file_signature(path):  # rewritten while we read it: read it again next time
                sig = None
        if sig is not None:
            new[path] = (sig, result)
        out.append((path, result))
    if cache is not None:
        cache.files, cache.parsed = new, parsed
    return out


def load_kb(root: Path, cache: LoadCache | None = None) -> KnowledgeBase:
    """Load every article and the glossary under ``root``; bad files go to ``errors``.

    With a ``cache`` (a :class:`LoadCache` kept between calls) files unchanged since the last call
    are not read again.
    """
    root = Path(root)
    articles: list[Article] = []
    errors: list[LoadError] = []
    glossary = Glossary()
    seen_articles: dict[str, Path] = {}
    seen_rules: dict[str, Path] = {}
    if not root.is_dir():
        errors.append(LoadError(root, None, "knowledge-base folder does not exist"))
    for path, article in _parsed_files(root, cache):
        if isinstance(article, LoadError):
            errors.append(article)
            continue
        if isinstance(article, Glossary):
            glossary = Glossary(glossary.entries + article.entries)
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
    articles.sort(key=lambda a: (a.order is None, a.order or 0))  # stable: then by file name
    return KnowledgeBase(root=root, articles=tuple(articles), glossary=glossary, errors=tuple(errors))
