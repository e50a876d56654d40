"""``kb-browser diff OLD NEW [--json]``: the rule-level changes between two states of a knowledge base.

Each side is a KB folder, a published version ``KB_DIR@N`` (``KB_DIR/.kb-browser/versions/N.json``)
or a manifest file (``KB_DIR/.kb-browser/manifest.json``, ``…/versions/N.json``). A manifest keeps
rule texts but no titles: section titles come from a KB folder on either side, else from the KB
folder the manifest belongs to. Output: one block per added, changed or removed rule with the
changed words marked ``[-старое-]{+новое+}``, then a count; ``--json`` gives a list of
``{id, kind, old, new, diff}`` as UTF-8. Exit code 0, or 2 when a side cannot be read.
No Qt here: ``run(args, out)`` is the whole command.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO

from desktop_app.wording import count
from kb.changes import (
    ADDED,
    CHANGED,
    DELETE,
    EQUAL,
    INSERT,
    REMOVED,
    RuleChange,
    RuleState,
    diff,
    snapshot,
    states_from_manifest,
)
from kb.loader import load_kb
from kb.manifest import PUBLISH_DIR, VERSIONS_DIR, load_manifest_file
from kb.model import KnowledgeBase

_VERSION_RE = re.compile(r"^(?P<kb>.+)@(?P<n>\d+)$")
_SPACE_RE = re.compile(r"\s+")
NO_CHANGES = "Изменений нет"
HELP = (
    "OLD и NEW — папка базы знаний, опубликованная версия ПАПКА@N "
    "(ПАПКА/.kb-browser/versions/N.json) или файл манифеста (.json)."
)


class SideError(Exception):
    """A side that cannot be read; ``str()`` is the one line to show."""


@dataclass(frozen=True)
class Side:
    states: dict[str, RuleState]
    kb: KnowledgeBase | None  # the loaded folder (None: a manifest), for titles and warnings
    label: str


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "diff",
        help="что изменилось между двумя версиями базы знаний (по правилам)",
        description="Добавленные, изменённые и удалённые правила. " + HELP,
    )
    p.add_argument("old", metavar="OLD", help="прежняя версия: папка, ПАПКА@N или манифест .json")
    p.add_argument("new", metavar="NEW", help="новая версия: папка, ПАПКА@N или манифест .json")
    p.add_argument("--json", action="store_true", help="вывод в JSON")
    return p


def run(args: argparse.Namespace, out: TextIO) -> int:
    try:
        old, new = read_sides(args.old, args.new)
    except SideError as exc:
        sys.stderr.write(f"ошибка: {exc}\n")
        return 2
    _warn(old, new)
    changes = diff(old.states, new.states)
    if args.json:
        _write_json(changes_to_json(changes), out)
    else:
        out.write(format_changes(changes))
    return 0


# ---------------------------------------------------------------------------- sides
def read_sides(old: str, new: str) -> tuple[Side, Side]:
    """Both sides; a manifest side takes its titles from a folder side when there is one."""
    cache: dict[Path, KnowledgeBase] = {}
    sides = [_folder_side(s, cache) for s in (old, new)]
    folders = [s.kb for s in sides if s is not None and s.kb is not None]
    out = [
        s if s is not None else _published_side(spec, folders, cache)
        for s, spec in zip(sides, (old, new), strict=True)
    ]
    return out[0], out[1]


def _folder_side(spec: str, cache: dict[Path, KnowledgeBase]) -> Side | None:
    """The side when ``spec`` names a KB folder (None: it names a published version)."""
    path = Path(spec)
    if path.is_dir():
        return Side(snapshot(_load_folder(path, cache)), cache[path], spec)
    if _VERSION_RE.match(spec) or path.suffix.lower() == ".json":
        return None
    if path.exists():
        raise SideError(f"не папка базы знаний и не манифест .json: {path}")
    raise SideError(f"нет такой папки: {path}")


def _load_folder(path: Path, cache: dict[Path, KnowledgeBase]) -> KnowledgeBase:
    if path not in cache:
        kb = load_kb(path)
        if not kb.articles:
            problems = f" (не прочитано файлов: {len(kb.errors)})" if kb.errors else ""
            raise SideError(f"в папке нет статей базы знаний: {path}{problems}")
        cache[path] = kb
    return cache[path]


def _published_side(spec: str, folders: list[KnowledgeBase], cache: dict[Path, KnowledgeBase]) -> Side:
    path, kb_dir = _manifest_location(spec)
    try:
        manifest = load_manifest_file(path)
    except FileNotFoundError:
        raise SideError(_missing_version(spec, path, kb_dir)) from None
    except OSError as exc:
        raise SideError(f"не удалось прочитать опубликованную версию {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise SideError(
            f"не удалось прочитать опубликованную версию {path}: это не манифест базы знаний"
        ) from None
    titles = folders[0] if folders else _titles_from(kb_dir, cache)
    return Side(states_from_manifest(manifest, titles), None, spec)


def _manifest_location(spec: str) -> tuple[Path, Path | None]:
    """The manifest file a spec names, and the KB folder it belongs to (if known)."""
    m = _VERSION_RE.match(spec)
    if m and not Path(spec).is_file():
        kb_dir = Path(m["kb"])
        if not kb_dir.is_dir():
            raise SideError(f"нет такой папки: {kb_dir}")
        return kb_dir / PUBLISH_DIR / VERSIONS_DIR / f"{int(m['n'])}.json", kb_dir
    path = Path(spec)
    owner = next((p.parent for p in path.parents if p.name == PUBLISH_DIR), None)
    return path, owner


def _missing_version(spec: str, path: Path, kb_dir: Path | None) -> str:
    if kb_dir is None or not _VERSION_RE.match(spec):
        return f"нет такого файла: {path}"
    kept = sorted(int(p.stem) for p in path.parent.glob("*.json") if p.stem.isdigit())
    where = f"есть: {', '.join(map(str, kept))}" if kept else "база не опубликована (kb-browser publish)"
    return f"нет опубликованной версии {path.stem} в {kb_dir} ({where})"


def _titles_from(kb_dir: Path | None, cache: dict[Path, KnowledgeBase]) -> KnowledgeBase | None:
    if kb_dir is None:
        return None
    try:
        return _load_folder(kb_dir, cache)
    except SideError:
        return None  # the ids stand in for titles


def _warn(*sides: Side) -> None:
    for side in sides:
        for error in side.kb.errors if side.kb else ():
            sys.stderr.write(
                f"предупреждение: {side.label}: файл не прочитан, его правил на этой стороне нет: {error}\n"
            )


# ---------------------------------------------------------------------------- output
def format_changes(changes: list[RuleChange]) -> str:
    """The changes as text for a console: one block per rule, then the count."""
    if not changes:
        return NO_CHANGES + "\n"
    lines: list[str] = []
    for change in changes:
        lines += _block(change)
    lines += ["", summary(changes)]
    return "\n".join(lines) + "\n"


def _block(change: RuleChange) -> list[str]:
    s = change.state
    head = f"{s.id} ({s.place})"
    if change.kind == ADDED:
        return [f"+ добавлено {head}: {_one_line(s.text)}"]
    if change.kind == REMOVED:
        return [f"- удалено {head}: {_one_line(s.text)}"]
    runs = change.word_diff()
    return [
        f"~ изменено {head}:",
        f"    было:  {marked(runs, DELETE)}",
        f"    стало: {marked(runs, INSERT)}",
    ]


def marked(runs: list[tuple[str, str]], side: str) -> str:
    """One side of a word diff with its changed words marked: ``[-слово-]`` (DELETE side) or
    ``{+слово+}`` (INSERT side)."""
    wrap = "[-{}-]" if side == DELETE else "{{+{}+}}"
    parts = []
    for op, text in runs:
        if op == EQUAL:
            parts.append(text)
        elif op == side:
            core = text.strip()
            parts.append(
                text[: len(text) - len(text.lstrip())] + wrap.format(core) + text[len(text.rstrip()) :]
            )
    return "".join(parts)


def _one_line(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


def summary(changes: list[RuleChange]) -> str:
    """«Изменений: 3 (добавлено 1, изменено 1, удалено 1)»."""
    n = {kind: sum(c.kind == kind for c in changes) for kind in (ADDED, CHANGED, REMOVED)}
    parts = [
        f"{word} {count(n[k])}"
        for k, word in ((ADDED, "добавлено"), (CHANGED, "изменено"), (REMOVED, "удалено"))
        if n[k]
    ]
    return f"Изменений: {count(len(changes))} ({', '.join(parts)})"


def changes_to_json(changes: list[RuleChange]) -> list[dict]:
    return [
        {
            "id": c.id,
            "kind": c.kind,
            "old": asdict(c.old) if c.old else None,
            "new": asdict(c.new) if c.new else None,
            "diff": [list(run) for run in c.word_diff()],
        }
        for c in changes
    ]


def _write_json(data: object, out: TextIO) -> None:
    """Strict UTF-8 bytes whatever the console's code page, as every ``--json`` of the CLI."""
    from desktop_app.cli import json_text  # cli imports this module: not at import time

    text = json_text(data)
    buffer = getattr(out, "buffer", None)
    if buffer is None:  # a text-only stream (StringIO)
        out.write(text)
        return
    out.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()
