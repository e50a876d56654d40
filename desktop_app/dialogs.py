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

from desktop_app.actions import BADGES_HELP, NOTES_HELP, SHORTCUTS_HELP
from desktop_app.errors import show_error, show_warning
from kb.model import LoadError


def file_dialog(
    parent: QWidget, title: str, folder: Path, directories: bool, name_filter: str = ""
) -> QFileDialog:
    """Qt's own file dialog (translated with the app), not the desktop's, which may speak English."""
    dialog = QFileDialog(parent, title, str(folder), name_filter)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setFileMode(QFileDialog.FileMode.Directory if directories else QFileDialog.FileMode.ExistingFile)
    if directories:
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    labels = {
        QFileDialog.DialogLabel.LookIn: "Папка:",
        QFileDialog.DialogLabel.FileName: "Папка:" if directories else "Файл:",
        QFileDialog.DialogLabel.FileType: "Тип файлов:",
        QFileDialog.DialogLabel.Accept: "Выбрать" if directories else "Открыть",
        QFileDialog.DialogLabel.Reject: "Отмена",
    }
    for label, text in labels.items():
        dialog.setLabelText(label, text)
    return dialog


def _chosen(dialog: QFileDialog) -> Path | None:
    return Path(dialog.selectedFiles()[0]) if dialog.exec() and dialog.selectedFiles() else None


def choose_kb_dir(parent: QWidget, current: Path) -> Path | None:
    return _chosen(file_dialog(parent, "Папка базы знаний", current, directories=True))


def choose_import_file(parent: QWidget) -> Path | None:
    from desktop_app.import_dialog import FILE_FILTER

    return _chosen(
        file_dialog(parent, "Импорт процедуры", Path.home(), directories=False, name_filter=FILE_FILTER)
    )


DEMO_IMPORT_TEXT = (
    "Открыта демонстрационная база знаний из поставки программы: при обновлении программы она "
    "заменяется, поэтому импорт в неё не записывается.\n\n"
    "Откройте свою папку базы знаний («Файл → Открыть папку базы знаний…», можно пустую) "
    "и повторите импорт."
)


def is_bundled_kb(kb_dir: Path) -> bool:
    """Whether ``kb_dir`` is the KB shipped inside the program (site-packages or the frozen folder)."""
    from kb.paths import bundled_kb_dir

    try:
        return Path(kb_dir).resolve() == bundled_kb_dir().resolve()
    except OSError:
        return False


def run_import(window, kb_dir: Path) -> None:
    """File → «Импорт процедуры…»: pick a file, preview in the background, confirm, write."""
    from desktop_app.import_dialog import kb_writable, prepare_import
    from desktop_app.worker import BackgroundRunner

    if is_bundled_kb(kb_dir):
        show_warning(window, "Импорт невозможен", DEMO_IMPORT_TEXT)
        return
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


def show_load_errors(
    parent: QWidget, errors: list[LoadError], notices: list[LoadError] | None = None
) -> None:
    """Files that did not load, and files that loaded with a notice (read as cp1251)."""
    notices = notices or []
    if not errors and not notices:
        QMessageBox.information(parent, "Ошибки загрузки", "Все файлы базы знаний загружены без ошибок.")
        return
    parts = []
    if errors:
        parts.append(f"Не загружено файлов: {len(errors)}. Остальные статьи работают.")
    if notices:
        parts.append(f"Загружено с замечаниями: {len(notices)}.")
    show_warning(parent, "Ошибки загрузки", " ".join(parts), "\n".join(str(e) for e in [*errors, *notices]))


def shortcuts_html() -> str:
    """F1: every shortcut, what the line badges mean and the notes above the results."""
    return "".join(
        (
            _help_table("Сочетания клавиш", SHORTCUTS_HELP),
            _help_table("Значки линий", BADGES_HELP),
            _help_table("Пометки над результатами и в карточке", NOTES_HELP),
        )
    )


def _help_table(title: str, rows: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<tr><td style='padding-right:16px'><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    return f"<h3>{html.escape(title)}</h3><table cellspacing='4'>{body}</table>"


def show_shortcuts(parent: QWidget) -> None:
    dialog = QDialog(parent)
    dialog.setWindowTitle("Справка: сочетания клавиш и пометки")
    label = QLabel(shortcuts_html())
    label.setObjectName("helpText")
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
