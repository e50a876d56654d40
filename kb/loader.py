"""Loading a knowledge-base folder: every good article loads, every bad file is reported."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kb.article_md import ArticleError, file_type, parse_article
from kb.encoding import CP1251_NOTICE, decode_kb_bytes
from kb.glossary import GLOSSARY_TYPE, parse_glossary
from kb.model import Article, Glossary, KnowledgeBase, LoadError, Thesaurus
from kb.thesaurus import THESAURUS_TYPE, parse_thesaurus

log = logging.getLogger(__name__)


def article_files(root: Path) -> list[Path]:
    """The Markdown files of a KB folder (``.md`` in any case), hidden files skipped, in a stable order
    that ignores case as Windows Explorer does (``a.md`` before ``SS.MD``)."""
    if not root.is_dir():
        return []
    return sorted(_walk(root), key=_caseless_order)


def _caseless_order(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(part.casefold() for part in path.parts), path.parts


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
            elif is_markdown_name(entry.name) and entry.is_file():
                yield Path(entry.path)
        except OSError:
            continue


def is_markdown_name(name: str) -> bool:
    """``ss.md``, ``SS.MD``, ``Ss.Md``: Windows shares keep whatever case the editor saved."""
    return name.lower().endswith(".md")


def read_text(path: Path) -> str:
    """A file's text (UTF-8, UTF-8 or UTF-16 with a BOM, or cp1251); raises ArticleError with the line
    of a byte that cannot be read."""
    return read_kb_file(path)[0]


def read_kb_file(path: Path) -> tuple[str, tuple[LoadError, ...]]:
    """A file's text and the notices reading it gave (a file not in UTF-8 read as cp1251)."""
    decoded = decode_kb_bytes(path.read_bytes())
    notices = (LoadError(path, None, CP1251_NOTICE),) if decoded.guessed else ()
    return decoded.text, notices


def load_article(path: Path) -> Article:
    return parse_article(read_text(path), path=path)


FileSignature = tuple[int, int, int]  # (mtime_ns, size, inode): a file not touched since keeps it
Parsed = Article | Glossary | Thesaurus | LoadError  # what one file gives, before duplicate checks


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


def _parse_file(path: Path) -> tuple[Parsed, tuple[LoadError, ...]]:
    """What a file gives, and the notices reading it gave."""
    try:
        text, notices = read_kb_file(path)
        return _parse_text(text, path), notices
    except ArticleError as exc:
        return LoadError(path, exc.line, exc.message), ()
    except OSError as exc:
        return LoadError(path, None, f"cannot read: {exc.strerror or exc}"), ()
    except Exception as exc:
        # a reader bug on some odd input must cost this one file, never the whole KB
        log.exception("%s: unexpected error while reading", path)
        return LoadError(path, None, f"file could not be read ({type(exc).__name__}: {exc})"), ()


def _parse_text(text: str, path: Path) -> Parsed:
    kind = file_type(text)
    if kind == GLOSSARY_TYPE:
        return parse_glossary(text)
    if kind == THESAURUS_TYPE:
        return parse_thesaurus(text, path)
    return parse_article(text, path=path)


@dataclass
class _Files:
    parsed: list[tuple[Path, Parsed]] = field(default_factory=list)
    notices: list[LoadError] = field(default_factory=list)


def _parsed_files(root: Path, cache: LoadCache | None) -> _Files:
    """Each file's parse result, from the cache where its signature is unchanged. A file that gave a
    notice is not cached: it is read again each time, so its notice is never lost."""
    old = cache.files if cache is not None else {}
    new: dict[Path, tuple[FileSignature, Parsed]] = {}
    out, parsed = _Files(), 0
    for path in article_files(root):
        sig = file_signature(path)
        hit = old.get(path)
        if sig is not None and hit is not None and hit[0] == sig:
            result = hit[1]
        else:
            (result, notices), parsed = _parse_file(path), parsed + 1
            out.notices += notices
            if notices or sig != file_signature(path):  # rewritten while we read it: read it again
                sig = None
        if sig is not None:
            new[path] = (sig, result)
        out.parsed.append((path, result))
    if cache is not None:
        cache.files, cache.parsed = new, parsed
    return out


def load_kb(root: Path, cache: LoadCache | None = None) -> KnowledgeBase:
    """Load every article, the glossary and the thesaurus under ``root``; bad files go to ``errors``,
    files that load with a warning (read as cp1251) to ``notices``.

    With a ``cache`` (a :class:`LoadCache` kept between calls) files unchanged since the last call
    are not read again.
    """
    root = Path(root)
    articles: list[Article] = []
    errors: list[LoadError] = []
    glossary = Glossary()
    thesaurus = Thesaurus()
    seen_articles: dict[str, Path] = {}
    seen_rules: dict[str, Path] = {}
    if not root.is_dir():
        errors.append(LoadError(root, None, "knowledge-base folder does not exist"))
    files = _parsed_files(root, cache)
    for path, article in files.parsed:
        if isinstance(article, LoadError):
            errors.append(article)
            continue
        if isinstance(article, Glossary):
            glossary = Glossary(glossary.entries + article.entries)
            continue
        if isinstance(article, Thesaurus):
            thesaurus = Thesaurus(thesaurus.entries + article.entries)
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
    for problem in (*errors, *files.notices):
        log.warning("%s", problem)
    articles.sort(key=lambda a: (a.order is None, a.order or 0))  # stable: then by file name
    return KnowledgeBase(
        root=root,
        articles=tuple(articles),
        glossary=glossary,
        errors=tuple(errors),
        thesaurus=thesaurus,
        notices=tuple(files.notices),
    )
