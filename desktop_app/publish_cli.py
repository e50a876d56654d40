"""``kb-browser publish KB_DIR``: check the whole KB, then publish its manifest and a prebuilt index.

For KB editors: every error is listed as ``file:line: message`` and nothing is written while there
is one (exit 1). Otherwise ``KB_DIR/.kb-browser/`` gets the manifest (version, date, a hash per
article and rule; ``kb/manifest.py``) and a search index every workstation copies instead of
building its own (``index/published.py``). Publishing an unchanged KB writes nothing.
No Qt here: ``run(args, out)`` is the whole command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from desktop_app.wording import count
from kb.manifest import Manifest, publish_dir
from kb.validate import relative_to_kb


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The ``publish`` verb."""
    p = subparsers.add_parser(
        "publish", help="проверить базу знаний и опубликовать её версию с готовым индексом"
    )
    p.add_argument("kb_dir", type=Path, metavar="ПАПКА_БАЗЫ", help="папка базы знаний")
    return p


def run(args: argparse.Namespace, out: TextIO, err: TextIO | None = None) -> int:
    from desktop_app.cli import _Progress
    from index.published import publish

    err = err or sys.stderr
    kb_dir = Path(args.kb_dir)
    result = publish(kb_dir, progress=_Progress("Индекс для публикации"))
    for notice in result.notices:
        err.write(f"замечание: {relative_to_kb(notice, kb_dir)}\n")
    if not result.ok:
        for error in result.errors:
            err.write(f"ошибка: {relative_to_kb(error, kb_dir)}\n")
        err.write(f"Ошибок: {len(result.errors)}. Ничего не опубликовано.\n")
        return 1
    out.write(summary(result.manifest, result.previous, result.manifest_written or result.index_written))
    out.write(f"Папка публикации: {publish_dir(kb_dir)}\n")
    return 0


def summary(manifest: Manifest, previous: Manifest | None, written: bool) -> str:
    """What the publication did, in one or two lines."""
    size = f"статей — {count(len(manifest.articles))}, правил — {count(len(manifest.rules))}"
    if previous is not None and previous.version == manifest.version:
        if written:
            rebuilt = "индекс для рабочих мест построен заново"
            return f"Версия {manifest.version} не изменилась ({size}); {rebuilt}.\n"
        return f"Изменений нет: версия {manifest.version} уже опубликована ({manifest.date}, {size}).\n"
    line = f"Опубликована версия {manifest.version} от {manifest.date}: {size}.\n"
    if previous is None:
        return line
    return line + f"По сравнению с версией {previous.version}: {changes(manifest, previous)}.\n"


def changes(manifest: Manifest, previous: Manifest) -> str:
    """«новых правил — 1, изменённых — 2, удалённых — 0»."""
    old, new = previous.rules, manifest.rules
    added = sum(1 for rid in new if rid not in old)
    changed = sum(1 for rid, r in new.items() if rid in old and old[rid].hash != r.hash)
    removed = sum(1 for rid in old if rid not in new)
    return f"новых правил — {count(added)}, изменённых — {count(changed)}, удалённых — {count(removed)}"
