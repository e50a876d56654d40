"""The ``kb-browser`` command: the window without arguments, sub-commands for scripts."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import logging
import multiprocessing
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType

from desktop_app import diff_cli, publish_cli, suggest
from desktop_app.russian_argparse import RussianArgumentParser
from desktop_app.wording import correction_note, count

log = logging.getLogger(__name__)

# Verbs that live in their own module, each with ``add_parser(subparsers)`` and
# ``run(args, out) -> int``. Import the module above by name (freezers follow only real imports)
# and name it here, e.g. ``from desktop_app import suggest`` and ``MODULE_VERBS = {"suggest": suggest}``.
MODULE_VERBS: dict[str, ModuleType] = {"suggest": suggest, "diff": diff_cli, "publish": publish_cli}


def build_parser() -> argparse.ArgumentParser:
    parser = RussianArgumentParser(
        prog="kb-browser",
        description="Офлайн-браузер базы знаний. Без команды открывает окно.",
    )
    parser.add_argument(
        "--kb", type=Path, metavar="ПАПКА", help="папка базы знаний (по умолчанию встроенная)"
    )
    parser.add_argument(
        "--index", type=Path, metavar="ПАПКА", help="папка поискового индекса (по умолчанию кэш)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="подробный журнал")
    sub = parser.add_subparsers(dest="command", metavar="КОМАНДА", parser_class=RussianArgumentParser)

    p = sub.add_parser("import", help="импортировать процедуру (.txt или .html) в базу знаний")
    p.add_argument("source", type=Path, metavar="ФАЙЛ", help="файл процедуры")
    p.add_argument("--dry-run", action="store_true", help="показать, что будет записано, не записывая")
    p.add_argument("--force", action="store_true", help="перезаписать изменённые статьи")

    p = sub.add_parser("list", help="статьи, разделы и правила")
    p.add_argument("--json", action="store_true", help="вывод в JSON")

    p = sub.add_parser("show", help="одно правило: статья, раздел, линия, фраза")
    p.add_argument("id", metavar="ID", help="id правила, например ss/finance/3")

    p = sub.add_parser("search", help="поиск правил")
    p.add_argument("query", nargs="*", metavar="ЗАПРОС", help="запрос")
    p.add_argument("--limit", type=int, default=10, metavar="N", help="сколько результатов (по умолчанию 10)")
    p.add_argument("--json", action="store_true", help="вывод в JSON")

    p = sub.add_parser("index", help="построить или обновить поисковый индекс")
    p.add_argument("--rebuild", action="store_true", help="перестроить с нуля")

    for module in MODULE_VERBS.values():
        module.add_parser(sub)
    for sp in sub.choices.values():  # --kb/--index also after the verb (unless a verb declares them)
        for option in ("--kb", "--index"):
            if option not in sp._option_string_actions:
                sp.add_argument(option, type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The console entry point: the window without a verb, else the verb's exit code."""
    multiprocessing.freeze_support()  # first: in a frozen app every worker process starts here
    safe_stdio()
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command == "search":  # a query word that looks like an option ("-x", "--")
        args.query = [*args.query, *extra]
    elif extra:
        parser.error(f"неизвестные аргументы: {' '.join(extra)}")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command is None:
        from desktop_app.app import run_gui

        return run_gui(args.kb, args.index)
    try:
        return _handler(args.command)(args)
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # a file held by another program, a lock held too long, a full disk
        log.info("%s failed", args.command, exc_info=True)  # the traceback only with -v
        sys.stderr.write(f"ошибка: {exc}\n")
        return 1


def gui_main() -> int:
    """The windowed entry point (``kb-browser-gui``, no console): the same arguments as :func:`main`."""
    multiprocessing.freeze_support()
    return main()


def _handler(command: str) -> Callable[[argparse.Namespace], int]:
    if command in COMMANDS:
        return COMMANDS[command]
    module = MODULE_VERBS[command]
    return lambda args: module.run(args, sys.stdout)


def safe_stdio() -> None:
    """Output that never fails: without a console (a windowed exe) stdout and stderr are None, so
    they go to the null device; a strict ANSI code page (cp1251, cp1252) replaces what it cannot
    encode instead of raising UnicodeEncodeError."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 (lives as long as sys)
        elif isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="replace")


def _kb_dir(args: argparse.Namespace) -> Path:
    from desktop_app.deployment import command_line_kb

    return command_line_kb(args.kb)


def _print(text: str) -> None:
    sys.stdout.write(text.rstrip("\n") + "\n")


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def json_text(data: object) -> str:
    """JSON that encodes as strict UTF-8: a byte that was not UTF-8 in a file name (os.fsdecode) or
    in a query (sys.argv) arrives as a lone surrogate and is written as U+FFFD, as a decoder would."""
    return _SURROGATE_RE.sub("\ufffd", json.dumps(data, ensure_ascii=False, indent=2)) + "\n"


def _print_json(data: object) -> None:
    """JSON is UTF-8 bytes whatever the console or code page (written past the text layer)."""
    text = json_text(data)
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (StringIO): it takes str
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def _report_load_errors(errors: Sequence[object], notices: Sequence[object] = ()) -> None:
    for error in errors:
        sys.stderr.write(f"ошибка: {error}\n")
    for notice in notices:  # loaded, but the editor should know (an article saved as cp1251)
        sys.stderr.write(f"замечание: {notice}\n")


def _load(args: argparse.Namespace):
    from kb.loader import load_kb

    kb = load_kb(_kb_dir(args))
    _report_load_errors(kb.errors, kb.notices)
    return kb


def cmd_list(args: argparse.Namespace) -> int:
    from kb.report import format_list, kb_to_json

    kb = _load(args)
    _print_json(kb_to_json(kb)) if args.json else _print(format_list(kb))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from kb.report import format_rule

    text = format_rule(_load(args), args.id)
    if text is None:
        sys.stderr.write(f"правило не найдено: {args.id} (список: kb-browser list)\n")
        return 1
    _print(text)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from kb.importer import ProcedureImportError, plan_import, write_import
    from kb.report import format_import_report

    try:
        plan = plan_import(args.source)
    except (OSError, ProcedureImportError) as exc:
        sys.stderr.write(f"ошибка импорта {args.source}: {exc}\n")
        return 2
    for warning in plan.warnings:
        sys.stderr.write(f"предупреждение: {warning}\n")
    try:
        report = write_import(plan, _kb_dir(args), dry_run=args.dry_run, force=args.force)
    except ProcedureImportError as exc:
        sys.stderr.write(f"ошибка импорта {args.source}: {exc}\n")
        return 2
    for warning in report.warnings:  # the article's id already lives in a file of another name
        sys.stderr.write(f"предупреждение: {warning}\n")
    _print(format_import_report(report, dry_run=args.dry_run))
    for reason in report.refused.values():
        _print(f"НЕ записано: {reason}")
    for path, reason in report.failure_reasons.items():
        sys.stderr.write(f"ошибка записи {path}: {reason}\n")
    if report.stale_removed:
        log.info("removed %d stale import temp files", len(report.stale_removed))
    return 0 if report.ok else 1


class _Progress:
    """A one-line progress bar on stderr, redrawn in place when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if percent == self.last or (not self.tty and percent not in (0, 100) and percent % 10):
            return
        self.last = percent
        bar = "#" * (percent // 5) + "." * (20 - percent // 5)
        end = "\r" if self.tty and done < total else "\n"
        sys.stderr.write(f"{self.label}: [{bar}] {percent:3d}% ({done}/{total}){end}")
        sys.stderr.flush()


def _open_index(
    args: argparse.Namespace, progress: Callable[[int, int], None] | None = None, notice: bool = True
):
    from index import KnowledgeIndex

    ix = KnowledgeIndex.open(_kb_dir(args), args.index, progress=progress)
    _report_load_errors(ix.kb.errors, ix.kb.notices)
    if notice:
        _index_notice(ix)
    return ix


@contextlib.contextmanager
def _notices_in_russian(args: argparse.Namespace) -> Iterator[None]:
    """The lifecycle's English warning (rebuilt, in memory) stays out of stderr unless ``-v``: the
    verb says it once itself, in Russian (:func:`_index_notice`)."""
    logger = logging.getLogger("index.lifecycle")
    level = logger.level
    if not args.verbose:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _index_notice(ix, told: str | None = None) -> str | None:
    """One stderr line when the index was rebuilt or lives only in memory, unless ``told`` already
    (the reason printed before); returns the reason now told."""
    reason = ix.rebuilt_reason
    if reason and reason != told:
        if ix.unsaved:
            sys.stderr.write(f"индекс не сохранён на диск, поиск идёт по индексу в памяти: {ix.unsaved}\n")
        else:
            sys.stderr.write(f"индекс перестроен: {reason}\n")
    return reason


def cmd_search(args: argparse.Namespace) -> int:
    from index import search_json

    query = " ".join(args.query)
    with _notices_in_russian(args):
        ix = _open_index(args, _Progress("Индексация"))
        told = ix.rebuilt_reason
        try:
            result = ix.search(query, limit=max(1, args.limit))
            _index_notice(ix, told)  # a read error during the search: repaired, and said so
        finally:
            ix.close()
    _print_json(search_json(result)) if args.json else _print(_format_result(result))
    return 0


def _format_result(result) -> str:
    """The correction worded as the window words it, then the hits."""
    from index import format_hits

    note = correction_note(result.query, result.corrected, result.layout_converted)
    hits = format_hits(dataclasses.replace(result, corrected=None))
    return f"{note}\n{hits}" if note else hits


def cmd_index(args: argparse.Namespace) -> int:
    """Build or update the index, then check it in full (every file's checksum) and repair it;
    rc 0 only when a valid, current index is saved in the cache folder (see the README)."""
    with _notices_in_russian(args):
        return _index(args)


def _index(args: argparse.Namespace) -> int:
    progress = _Progress("Индексация")
    ix = _open_index(args, progress, notice=False)
    try:
        repaired_on_open = ix.rebuilt_reason
        if not ix.unsaved:
            try:
                ix.rebuild(progress=progress) if args.rebuild else ix.verify(progress=progress)
            except OSError as exc:  # damaged (or --rebuild) and the folder cannot be written
                return _index_not_saved(str(exc), _KEPT if args.rebuild else _IN_MEMORY)
        if ix.unsaved:
            return _index_not_saved(f"индекс не сохранён в {ix.index_dir}: {ix.unsaved}", _IN_MEMORY)
        if ix.rebuilt_reason:
            sys.stderr.write(f"индекс перестроен: {ix.rebuilt_reason}\n")
        if args.rebuild:
            _print("Индекс перестроен.")
        elif ix.rebuilt_reason:
            when = "при открытии" if ix.rebuilt_reason == repaired_on_open else "при проверке"
            _print(f"Индекс был повреждён ({when}) и восстановлен.")
        else:
            _print("Индекс проверен: повреждений нет.")
        articles, rules = count(len(ix.kb.articles)), count(len(ix.kb.rules))
        _print(f"Индекс готов: статей — {articles}, правил — {rules} ({ix.index_dir})")
    finally:
        ix.close()
    return 0


_IN_MEMORY = "поиск будет строить индекс в памяти при каждом запуске, пока папку индекса нельзя записать"
_KEPT = "поиск идёт по прежнему индексу"


def _index_not_saved(error: str, consequence: str) -> int:
    sys.stderr.write(f"ошибка: {error}\n{consequence}\n")
    return 1


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "import": cmd_import,
    "list": cmd_list,
    "show": cmd_show,
    "search": cmd_search,
    "index": cmd_index,
}

if __name__ == "__main__":
    sys.exit(main())
