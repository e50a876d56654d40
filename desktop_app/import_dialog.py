"""File → «Импорт процедуры…»: preview what an import writes; overwrite only when confirmed."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

FILE_FILTER = "Процедуры (*.txt *.html *.htm);;Все файлы (*)"
STATUS_NEW, STATUS_SAME, STATUS_CONFLICT = "новая", "без изменений", "КОНФЛИКТ: файл изменён"
STATUS_REFUSED = "НЕ БУДЕТ ЗАПИСАНА"


@dataclass(frozen=True)
class ImportPreview:
    """What ``plan_import`` found and what a dry run of ``write_import`` would do."""

    source: Path
    plan: Any  # kb.importer.ImportPlan
    dry_run: Any  # kb.importer.ImportReport


def item_key(item: Any) -> str:
    """The file name a report lists (reports list target paths)."""
    return Path(str(item)).name


def article_key(plan: Any, article: Any, report: Any = None) -> str:
    """The file name an article of the plan is written to: the file that already holds its id when
    the report found one under another name (ss-old.md), else the planned name."""
    target = getattr(report, "targets", {}).get(article.id)
    if target is not None:
        return item_key(target)
    if hasattr(plan, "file_name"):
        return str(plan.file_name(article))
    return f"{article.id}.md"


def prepare_import(source: Path, kb_dir: Path) -> ImportPreview:
    """Plan the import and dry-run it (background work: plain values only)."""
    from kb.importer import plan_import, write_import

    plan = plan_import(source)
    return ImportPreview(source, plan, write_import(plan, kb_dir, dry_run=True))


def kb_writable(kb_dir: Path) -> bool:
    return kb_dir.is_dir() and os.access(kb_dir, os.W_OK)


def _status(key: str, dry_run: Any, planned: str = "") -> str:
    if planned and planned in {item_key(i) for i in getattr(dry_run, "refused", {})}:
        return STATUS_REFUSED
    status = _file_status(key, dry_run)
    return f"{status} (файл {key})" if planned and key != planned else status


def _file_status(key: str, dry_run: Any) -> str:
    if key in {item_key(i) for i in getattr(dry_run, "conflicts", ())}:
        return STATUS_CONFLICT
    if key in {item_key(i) for i in getattr(dry_run, "unchanged", ())}:
        return STATUS_SAME
    return STATUS_NEW


class ImportPreviewDialog(QDialog):
    """Lists articles and rule counts; conflicting files need the confirmation checkbox."""

    def __init__(
        self,
        preview: ImportPreview,
        kb_dir: Path,
        writer: Callable[..., Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Импорт процедуры — предпросмотр")
        self.resize(760, 440)
        self.preview, self.kb_dir = preview, kb_dir
        self._writer = writer
        self.report: Any = None
        self.conflicts = [item_key(i) for i in getattr(preview.dry_run, "conflicts", ())]
        self.table = self._make_table()
        self.overwrite = QCheckBox(
            f"Перезаписать изменённые статьи ({len(self.conflicts)}): правки текста процедуры в этих "
            "файлах будут потеряны (фразы клиентов к сохранившимся правилам переносятся)"
        )
        self.overwrite.setVisible(bool(self.conflicts))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("Импортировать", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self._do_import)
        self.buttons.rejected.connect(self.reject)
        self._build_layout()

    def _build_layout(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(f"Файл: <b>{self.preview.source.name}</b> → папка базы знаний: {self.kb_dir}")
        )
        layout.addWidget(self.table, 1)
        warnings = list(getattr(self.preview.plan, "warnings", ()))
        warnings += getattr(self.preview.dry_run, "warnings", ())
        if warnings:
            note = QLabel("Предупреждения:\n" + "\n".join(f"• {w}" for w in warnings))
            note.setWordWrap(True)
            layout.addWidget(note)
        refused = list(getattr(self.preview.dry_run, "refused", {}).values())
        if refused:
            note = QLabel("Не будут записаны:\n" + "\n".join(f"• {r}" for r in refused))
            note.setWordWrap(True)
            note.setStyleSheet("color: #b91c1c;")
            layout.addWidget(note)
        if self.conflicts:
            note = QLabel(
                "Статьи с пометкой «КОНФЛИКТ» уже есть в базе и отличаются от импортируемых. "
                "Без подтверждения они не будут перезаписаны."
            )
            note.setWordWrap(True)
            note.setStyleSheet("color: #9a3412;")
            layout.addWidget(note)
        phrasings = phrasing_losses(self.preview.dry_run)
        if phrasings:
            note = QLabel("Фразы клиентов, которые при перезаписи пропадут:\n" + "\n".join(phrasings))
            note.setWordWrap(True)
            note.setStyleSheet("color: #9a3412;")
            layout.addWidget(note)
        layout.addWidget(self.overwrite)
        if not kb_writable(self.kb_dir):
            ro = QLabel("Папка базы знаний доступна только для чтения: импорт невозможен.")
            ro.setStyleSheet("color: #b91c1c; font-weight: bold;")
            layout.addWidget(ro)
            self.import_button.setEnabled(False)
        layout.addWidget(self.buttons)

    def _make_table(self) -> QTableWidget:
        articles = list(getattr(self.preview.plan, "articles", ()))
        table = QTableWidget(len(articles), 5, self)
        table.setHorizontalHeaderLabels(["Статья", "Заголовок", "Линия", "Правил", "Состояние"])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().hide()
        for row, article in enumerate(articles):
            values = [article.id, article.title, article.line, str(len(article.rules))]
            key = article_key(self.preview.plan, article, self.preview.dry_run)
            values.append(_status(key, self.preview.dry_run, article_key(self.preview.plan, article)))
            for col, value in enumerate(values):
                table.setItem(row, col, QTableWidgetItem(value))
        header = table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (0, 2, 3, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        return table

    def _do_import(self) -> None:
        writer = self._writer
        if writer is None:
            from kb.importer import write_import as writer
        force = bool(self.conflicts) and self.overwrite.isChecked()
        self.report = writer(self.preview.plan, self.kb_dir, force=force)
        self.accept()


def phrasing_losses(report: Any) -> list[str]:
    """Lines naming the customer phrasings an overwrite would drop: those of rules gone from the import,
    and every phrasing of a file that does not read as an article (its blocks cannot be matched)."""
    lines = [
        f"• {item_key(path)}: правила {', '.join(ids)} нет в импортируемой процедуре"
        for path, ids in sorted(getattr(report, "lost_phrasings", {}).items())
    ]
    lines += [
        f"• {item_key(path)}: файл не читается как статья, его фразы нельзя сопоставить с правилами"
        for path in getattr(report, "unmerged_phrasings", ())
    ]
    return lines


def summarize(report: Any) -> str:
    """«Создано: 2, без изменений: 1, перезаписано: 0, пропущено из-за конфликта: 1»."""
    parts = [
        ("Создано", "created"),
        ("без изменений", "unchanged"),
        ("перезаписано", "overwritten"),
        ("не тронуто (конфликт)", "conflicts"),
        ("не записано", "refused"),
    ]
    return ", ".join(f"{label}: {len(getattr(report, attr, ()) or ())}" for label, attr in parts)
