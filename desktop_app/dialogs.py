"""Small dialogs of the main window: KB folder, import, load errors, shortcuts, about."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.actions import SHORTCUTS_HELP
from desktop_app.errors import show_error, show_warning
from kb.model import LoadError


def choose_kb_dir(parent: QWidget, current: Path) -> Path | None:
    path = QFileDialog.getExistingDirectory(parent, "Папка базы знаний", str(current))
    return Path(path) if path else None


def choose_import_file(parent: QWidget) -> Path | None:
    from desktop_app.import_dialog import FILE_FILTER

    path, _ = QFileDialog.getOpenFileName(parent, "Импорт процедуры", str(Path.home()), FILE_FILTER)
    return Path(path) if path else None


def run_import(window, kb_dir: Path) -> None:
    """File → «Импорт процедуры…»: pick a file, preview in the background, confirm, write."""
    from desktop_app.import_dialog import kb_writable, prepare_import
    from desktop_app.worker import BackgroundRunner

    source = choose_import_file(window)
    if source is None:
        return
    if not kb_writable(kb_dir):
        show_warning(window, "Импорт невозможен", f"Папка базы знаний доступна только для чтения:\n{kb_dir}")
        return
    runner = getattr(window, "_import_runner", None) or BackgroundRunner(threads=1, parent=window)
    window._import_runner = runner
    window.status.busy(f"Разбираю {source.name}…")
    runner.submit(
        lambda: prepare_import(source, kb_dir),
        on_done=lambda preview: _show_preview(window, preview, kb_dir),
        on_error=lambda exc: _import_failed(window, source, exc),
    )


def _show_preview(window, preview, kb_dir: Path) -> None:
    from desktop_app.import_dialog import ImportPreviewDialog, summarize

    window.status.done(f"База знаний: {kb_dir}")
    dialog = ImportPreviewDialog(preview, kb_dir, parent=window)
    try:
        if not dialog.exec() or dialog.report is None:
            return
    except PermissionError as exc:
        show_error(
            window, "Импорт не выполнен", f"Нет прав на запись в папку базы знаний:\n{kb_dir}", str(exc)
        )
        return
    window.status.note("Импорт: " + summarize(dialog.report))
    window.refresh_kb()


def _import_failed(window, source: Path, exc: BaseException) -> None:
    window.status.done("Импорт не выполнен")
    show_error(
        window,
        "Импорт не выполнен",
        f"Не удалось разобрать файл {source.name}.",
        f"{type(exc).__name__}: {exc}",
    )


def show_load_errors(parent: QWidget, errors: list[LoadError]) -> None:
    if not errors:
        QMessageBox.information(parent, "Ошибки загрузки", "Все файлы базы знаний загружены без ошибок.")
        return
    text = f"Не загружено файлов: {len(errors)}. Остальные статьи работают."
    show_warning(parent, "Ошибки загрузки", text, "\n".join(str(e) for e in errors))


def show_shortcuts(parent: QWidget) -> None:
    rows = "".join(
        f"<tr><td style='padding-right:16px'><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>"
        for k, v in SHORTCUTS_HELP
    )
    dialog = QDialog(parent)
    dialog.setWindowTitle("Сочетания клавиш")
    label = QLabel(f"<table cellspacing='4'>{rows}</table>")
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(18, 14, 18, 12)
    layout.addWidget(label)
    layout.addWidget(buttons)
    dialog.exec()


def show_about(parent: QWidget) -> None:
    QMessageBox.about(
        parent,
        "О программе",
        "<b>kb-browser</b><br>Быстрый поиск по базе знаний: правила перевода вызова на линии"
        " СС, СВ и MNP и фразы для клиента.<br>Работает без сети.",
    )
