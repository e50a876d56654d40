"""Which file of a KB folder holds each article id, and the temp files a killed import left there.

An editor may rename ``ss.md`` to ``ss-old.md``; its front matter still says ``id: ss``. An import
must then write into ``ss-old.md`` (the article's file now) rather than create a second ``ss.md``
that the loader would drop as a duplicate.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable
from pathlib import Path

from kb.article_md import ArticleError, file_type, parse_front_matter, split_lines
from kb.encoding import decode_kb_bytes
from kb.glossary import GLOSSARY_TYPE
from kb.loader import article_files
from kb.thesaurus import THESAURUS_TYPE

log = logging.getLogger(__name__)

# what atomic_write leaves behind when killed between mkstemp and the rename: ".ss.md.k3j_8x2q.tmp"
TEMP_RE = re.compile(r"^\..+\.md\.[A-Za-z0-9_]+\.tmp$", re.IGNORECASE)
STALE_AFTER = 3600.0  # seconds: a write that is still running finishes within seconds


def article_holders(kb_dir: Path) -> dict[str, list[Path]]:
    """Article id -> the files whose front matter declares it (the loader's files and order)."""
    holders: dict[str, list[Path]] = {}
    for path in article_files(kb_dir):
        article_id = front_matter_id(path)
        if article_id:
            holders.setdefault(article_id, []).append(path)
    return holders


def front_matter_id(path: Path) -> str:
    """The ``id:`` of an article file; "" for a glossary, a thesaurus or a file that does not read."""
    try:
        text = decode_kb_bytes(path.read_bytes()).text
        if file_type(text) in (GLOSSARY_TYPE, THESAURUS_TYPE):  # as the loader tells them apart
            return ""
        head = text[: text.find("\n---", 3) + 5] if text.startswith("---") else ""
        meta, _ = parse_front_matter(split_lines(head), required=())
    except (OSError, ArticleError):
        return ""
    return meta.get("id", "")


def stale_temp_files(folders: Iterable[Path], now: float | None = None) -> list[Path]:
    """Import temp files untouched for ``STALE_AFTER`` seconds: their import was killed. A younger
    one may belong to an import running right now in another window, so it is left alone."""
    now = time.time() if now is None else now
    found: list[Path] = []
    for folder in dict.fromkeys(folders):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        found += [Path(e.path) for e in entries if TEMP_RE.match(e.name) and _older(e, now - STALE_AFTER)]
    return found


def _older(entry: os.DirEntry[str], than: float) -> bool:
    """A regular file (not a link) last modified before ``than``."""
    try:
        return entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < than
    except OSError:
        return False


def remove_stale_temp_files(folders: Iterable[Path], now: float | None = None) -> list[Path]:
    """Remove what :func:`stale_temp_files` finds; a file another process holds (Windows) stays."""
    removed: list[Path] = []
    for path in stale_temp_files(folders, now):
        try:
            path.unlink()
        except OSError as exc:
            log.info("stale import temp file %s not removed: %s", path, exc)
            continue
        log.info("removed stale import temp file %s", path)
        removed.append(path)
    return removed
