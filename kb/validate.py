"""Checks a whole KB before it is published: every file loads and every link inside it resolves.

What the loader reports (a file that does not parse, a duplicate article or rule id, a malformed
glossary or thesaurus row) comes first; then the links of each article: an in-app link
``[см. п.7](#ss/finance/7)`` must name a rule id, ``article/section`` or an article id (what the
window can open), and a relative link (``other.md``, ``other.md#ss/x/1``, an image) must name a
file inside the KB folder. Web and mail links are text here: never fetched.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

from kb.loader import read_text
from kb.model import Article, KnowledgeBase, LoadError
from kb.render import anchor

_INLINE_LINK_RE = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?(?P<target>[^)\s>]*)>?(?:\s+[\"'(][^)]*)?\)")
_REFERENCE_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(?P<target>[^\s>]+)>?")
_CODE_SPAN_RE = re.compile(r"(`+).*?\1")
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_FENCE = ("```", "~~~")


def validate_kb(kb: KnowledgeBase) -> tuple[LoadError, ...]:
    """Everything that stops ``kb`` from being published, in file order; () when it is fine."""
    errors = list(kb.errors)
    if not kb.articles and not kb.errors:
        errors.append(LoadError(Path(kb.root), None, "в базе знаний нет ни одной статьи"))
    anchors = known_anchors(kb)
    for article in kb.articles:
        errors += link_errors(article, anchors, Path(kb.root))
    return tuple(errors)


def known_anchors(kb: KnowledgeBase) -> frozenset[str]:
    """Every in-app link target: rule ids, ``article/section`` and article ids."""
    names: set[str] = set()
    for article in kb.articles:
        names.add(anchor(article.id))
        names.update(anchor(article.id, s.id) for s in article.sections)
        names.update(r.id for r in article.rules)
    return frozenset(names)


def link_errors(article: Article, anchors: frozenset[str], root: Path) -> list[LoadError]:
    """The links in ``article``'s file that lead nowhere, each with its line."""
    if article.path is None:
        return []
    try:
        text = read_text(article.path)
    except (OSError, ValueError) as exc:
        return [LoadError(article.path, None, f"не удалось прочитать файл: {exc}")]
    out = []
    for line_no, target in links(text):
        problem = _link_problem(target, article.path, anchors, root)
        if problem:
            out.append(LoadError(article.path, line_no, problem))
    return out


def links(text: str) -> list[tuple[int, str]]:
    """(1-based line, target) of each Markdown link and reference definition, code left out."""
    out: list[tuple[int, str]] = []
    in_fence = False
    for no, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith(_FENCE):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        plain = _CODE_SPAN_RE.sub("", line)
        out += [(no, m["target"]) for m in _INLINE_LINK_RE.finditer(plain)]
        if m := _REFERENCE_RE.match(plain):
            out.append((no, m["target"]))
    return out


def _link_problem(target: str, source: Path, anchors: frozenset[str], root: Path) -> str | None:
    if not target or _SCHEME_RE.match(target) or target.startswith("//"):
        return None  # an empty link, or a web, mail or other scheme: not a cross-reference
    if target.startswith("#"):
        name = target[1:]
        return None if name in anchors else f"ссылка на несуществующее правило или раздел #{name}"
    file_part, _, fragment = target.partition("#")
    file_part = unquote(file_part)
    linked = (source.parent / file_part).resolve()
    if not linked.is_relative_to(root.resolve()):
        return f"ссылка ведёт за пределы папки базы знаний: {target}"
    if not linked.exists():
        return f"ссылка на несуществующий файл {file_part}"
    if fragment and fragment not in anchors:
        return f"ссылка на несуществующее правило или раздел #{fragment}"
    return None


def relative_to_kb(error: LoadError, root: Path) -> str:
    """``ss.md:12: message``: the error with its path relative to the KB folder where it is inside."""
    path = Path(error.path)
    try:
        shown = path.relative_to(root).as_posix() or str(path)
    except ValueError:
        shown = str(path)
    if shown == ".":
        shown = str(path)
    where = f"{shown}:{error.line}" if error.line else shown
    return f"{where}: {error.message.replace(str(root) + os.sep, '')}"  # "(also in …)" too
