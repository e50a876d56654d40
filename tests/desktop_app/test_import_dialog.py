"""Import preview: lists what will be written; a changed article is kept unless confirmed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from desktop_app.import_dialog import STATUS_CONFLICT, STATUS_NEW, ImportPreviewDialog, prepare_import
from kb.paths import bundled_source

EDIT = "\nПравка, сделанная вручную.\n"


def status_of(dialog: ImportPreviewDialog, article_id: str) -> str:
    for row in range(dialog.table.rowCount()):
        if dialog.table.item(row, 0).text() == article_id:
            return dialog.table.item(row, 4).text()
    raise AssertionError(article_id)


def press_import(dialog: ImportPreviewDialog) -> None:
    dialog.import_button.click()


def test_preview_lists_articles_and_rule_counts(qtbot, tmp_path: Path):
    kb_dir = tmp_path / "empty-kb"
    kb_dir.mkdir()
    dialog = ImportPreviewDialog(prepare_import(bundled_source(), kb_dir), kb_dir)
    qtbot.addWidget(dialog)
    rows = {
        dialog.table.item(r, 0).text(): dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount())
    }
    assert rows == {"ss": "36", "sv": "25", "mnp": "6"}
    assert status_of(dialog, "ss") == STATUS_NEW
    assert not dialog.overwrite.isVisible()
    press_import(dialog)
    assert sorted(p.name for p in kb_dir.iterdir()) == ["mnp.md", "ss.md", "sv.md"]


def test_preview_refuses_to_overwrite_without_confirmation(qtbot, kb_copy: Path):
    edited = kb_copy / "ss.md"
    edited.write_text(edited.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
    before = edited.read_bytes()
    dialog = ImportPreviewDialog(prepare_import(bundled_source(), kb_copy), kb_copy)
    qtbot.addWidget(dialog)
    assert status_of(dialog, "ss") == STATUS_CONFLICT
    assert dialog.overwrite.isVisibleTo(dialog) and not dialog.overwrite.isChecked()

    press_import(dialog)

    assert edited.read_bytes() == before
    assert [p.name for p in dialog.report.conflicts] == ["ss.md"]
    assert dialog.report.overwritten == []


def test_overwrite_after_explicit_confirmation(qtbot, kb_copy: Path):
    edited = kb_copy / "ss.md"
    edited.write_text(edited.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
    dialog = ImportPreviewDialog(prepare_import(bundled_source(), kb_copy), kb_copy)
    qtbot.addWidget(dialog)
    dialog.overwrite.setChecked(True)
    press_import(dialog)
    assert EDIT.strip() not in edited.read_text(encoding="utf-8")
    assert [p.name for p in dialog.report.overwritten] == ["ss.md"]


def test_preview_names_phrasings_an_overwrite_would_drop(qtbot, kb_copy: Path):
    """A rule the procedure no longer has keeps its customer phrasings unless the agent confirms."""
    edited = kb_copy / "mnp.md"
    extra = (
        "\n99. Правило, которого нет в процедуре.\n\n"
        "    > [!customer] Клиент может сказать\n    > - где мой номер\n"
    )
    text = edited.read_text(encoding="utf-8").rstrip("\n") + "\n" + extra
    edited.write_text(text, encoding="utf-8")
    dialog = ImportPreviewDialog(prepare_import(bundled_source(), kb_copy), kb_copy)
    qtbot.addWidget(dialog)
    notes = [w.text() for w in dialog.findChildren(QLabel)]
    assert any("mnp.md" in n and "/99" in n and "пропадут" in n for n in notes), notes
    assert status_of(dialog, "mnp") == STATUS_CONFLICT
    assert "фразы клиентов" in dialog.overwrite.text()
    press_import(dialog)
    assert edited.read_text(encoding="utf-8") == text


def test_read_only_kb_folder_is_announced(qtbot, kb_copy: Path, monkeypatch: pytest.MonkeyPatch):
    """(Simulated: the tests may run as root, who can write anywhere.)"""
    monkeypatch.setattr("desktop_app.import_dialog.os.access", lambda path, mode: False)
    dialog = ImportPreviewDialog(prepare_import(bundled_source(), kb_copy), kb_copy)
    qtbot.addWidget(dialog)
    assert not dialog.import_button.isEnabled()
    labels = [w.text() for w in dialog.findChildren(QLabel)]
    assert any("только для чтения" in text for text in labels)


def test_import_menu_flow_keeps_an_edited_article(make_window, qtbot, kb_copy: Path, monkeypatch):
    """File → «Импорт процедуры…» end to end, the agent pressing «Импортировать» without confirming."""
    edited = kb_copy / "ss.md"
    edited.write_text(edited.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
    before = edited.read_bytes()
    monkeypatch.setattr("desktop_app.dialogs.choose_import_file", lambda parent: bundled_source())
    previews: list[ImportPreviewDialog] = []

    def fake_exec(dialog: ImportPreviewDialog) -> int:
        previews.append(dialog)
        dialog.import_button.click()
        return dialog.result()

    monkeypatch.setattr(ImportPreviewDialog, "exec", fake_exec)
    window = make_window(kb_dir=kb_copy)
    window.actions_.import_procedure.trigger()
    qtbot.waitUntil(lambda: bool(previews) and previews[0].report is not None, timeout=10_000)
    assert status_of(previews[0], "ss") == STATUS_CONFLICT
    assert edited.read_bytes() == before
    assert "не тронуто (конфликт): 1" in window.statusBar().currentMessage()


def test_import_into_the_bundled_demo_kb_is_refused(make_window, qtbot, monkeypatch):
    """The shipped KB is replaced on every update: an import there would be lost, so it is refused."""
    from kb.paths import bundled_kb_dir

    warnings: list[str] = []
    monkeypatch.setattr(
        "desktop_app.dialogs.show_warning", lambda parent, title, text, *a: warnings.append(text)
    )
    monkeypatch.setattr("desktop_app.dialogs.choose_import_file", lambda parent: bundled_source())
    before = {p.name: p.read_bytes() for p in bundled_kb_dir().glob("*.md")}
    window = make_window(kb_dir=bundled_kb_dir())
    window.actions_.import_procedure.trigger()
    assert warnings and "демонстрационная" in warnings[0]
    assert {p.name: p.read_bytes() for p in bundled_kb_dir().glob("*.md")} == before


def test_preview_names_the_renamed_file_an_article_goes_to(qtbot, kb_copy: Path):
    """ss.md renamed to ss-old.md: the preview says the import goes there, and no ss.md appears."""
    (kb_copy / "ss.md").rename(kb_copy / "ss-old.md")
    dialog = ImportPreviewDialog(prepare_import(bundled_source(), kb_copy), kb_copy)
    qtbot.addWidget(dialog)
    assert status_of(dialog, "ss").endswith("(файл ss-old.md)")
    notes = " ".join(w.text() for w in dialog.findChildren(QLabel))
    assert "ss-old.md" in notes and "ss.md не создаётся" in notes
    press_import(dialog)
    assert not (kb_copy / "ss.md").exists() and dialog.report.ok
