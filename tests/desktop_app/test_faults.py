"""Links, crashes and imports: nothing is opened, lost or overwritten without the agent asking."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QTextCursor
from PySide6.QtWidgets import QMessageBox

from desktop_app.errors import LOG_NAME
from tests.desktop_app.conftest import search


@pytest.fixture
def opened_urls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    urls: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: urls.append(url.toString()) or True)
    return urls


def test_unsafe_links_are_not_opened(make_window, opened_urls):
    window = make_window()
    view = window.article_view
    for url in ("javascript:alert(1)", "file:///etc/passwd", "ftp://example.org/x", "#"):
        view.anchorClicked.emit(QUrl(url))
    assert opened_urls == []
    assert "не открыта" in window.statusBar().currentMessage()


def test_http_link_opens_in_system_browser_only_on_click(make_window, opened_urls):
    window = make_window()
    window.open_anchor("ss/technical/13")  # lists http:// addresses
    assert "http://" in window.article_view.toPlainText()
    assert opened_urls == []
    window.article_view.anchorClicked.emit(QUrl("https://example.org/page"))
    assert opened_urls == ["https://example.org/page"]


def test_cross_reference_link_navigates_in_app(make_window, opened_urls):
    window = make_window()
    window.open_anchor("ss/finance/6")
    assert "см. п.7" in window.article_view.toPlainText()
    window.article_view.anchorClicked.emit(QUrl("#ss/finance/7"))
    assert window.current.rule_id == "ss/finance/7"
    assert opened_urls == []


def test_raw_html_in_article_is_shown_as_text(make_window, qtbot, kb_copy: Path, opened_urls):
    path = kb_copy / "mnp.md"
    marker = "5. Отмена портации по просьбе клиента"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(marker, marker + ' <script>alert(1)</script> <a href="javascript:x()">жми</a>'),
        encoding="utf-8",
    )
    window = make_window(kb_dir=kb_copy)
    window.open_anchor("mnp/questions/5")
    assert "<script>alert(1)</script>" in window.article_view.toPlainText()
    assert "javascript" not in window.article_view.toHtml()


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_slot_shows_one_dialog_logs_and_keeps_running(
    make_window, qtbot, monkeypatch: pytest.MonkeyPatch, app_dir: Path
):
    shown: list[tuple[str, str]] = []

    def fake_exec(box: QMessageBox) -> int:
        shown.append((box.text(), box.detailedText()))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    window = make_window()

    def boom() -> None:
        raise RuntimeError("слот сломался")

    window.actions_.about.triggered.disconnect()
    window.actions_.about.triggered.connect(boom)
    window.actions_.about.trigger()

    assert len(shown) == 1
    assert "слот сломался" in shown[0][0]
    assert "Traceback" in shown[0][1] and "boom" in shown[0][1]
    log = (app_dir / "logs" / LOG_NAME).read_text(encoding="utf-8")
    assert "RuntimeError: слот сломался" in log
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")  # still running


def test_glossary_tooltip_in_article_view(make_window):
    from desktop_app.glossary_text import tooltip_at

    window = make_window()
    window.open_anchor("ss/finance/9")
    view = window.article_view
    found = view.document().find("ЛС")
    assert not found.isNull()
    cursor = QTextCursor(view.document())
    cursor.setPosition(found.selectionStart() + 1)
    view.setTextCursor(cursor)
    view.ensureCursorVisible()
    pos = view.cursorRect(cursor).center()
    assert tooltip_at(view, pos) == "лицевой счёт"


def test_glossary_tooltip_in_answer_card(make_window):
    from desktop_app.glossary_text import glossary_html

    window = make_window()
    html = glossary_html("Перевод на СС и ЛС", window.kb.glossary)
    assert 'title="старший специалист"' in html
    assert "<script>" not in glossary_html("<script>", window.kb.glossary)


def test_corrupt_index_is_rebuilt_with_one_status_line(make_window, qtbot, tmp_path: Path):
    from index import KnowledgeIndex
    from kb.paths import bundled_kb_dir

    index_dir = tmp_path / "index"  # the folder make_window opens
    KnowledgeIndex.open(bundled_kb_dir(), index_dir).close()
    for path in index_dir.rglob("*"):
        if path.is_file():
            path.write_bytes(b"garbage")
    window = make_window()
    assert "Индекс перестроен" in window.statusBar().currentMessage()
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")


def test_crash_reporter_survives_a_deleted_window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from PySide6.QtWidgets import QWidget

    from desktop_app.errors import CrashReporter

    shown: list[object] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.parent()) or 0)
    widget = QWidget()
    reporter = CrashReporter(tmp_path / "logs", parent=lambda: widget)
    widget.deleteLater()
    qtbot.wait(10)
    try:
        raise ValueError("после закрытия окна")
    except ValueError as exc:
        reporter(type(exc), exc, exc.__traceback__)
    assert shown == [None]
    assert "после закрытия окна" in (tmp_path / "logs" / LOG_NAME).read_text(encoding="utf-8")


def test_an_index_repaired_by_a_search_is_said_in_the_status_bar(make_window, qtbot, tmp_path: Path):
    """Bit rot the quick checks on open let through: the window opens quietly, the first search
    trips over it, repairs the index and answers, and the status bar says so."""
    from kb.paths import bundled_kb_dir
    from tests.index.fault_helpers import rot_where_a_search_trips

    index_dir = tmp_path / "index"  # the folder make_window opens
    from index import KnowledgeIndex

    KnowledgeIndex.open(bundled_kb_dir(), index_dir).close()
    rot_where_a_search_trips(bundled_kb_dir(), index_dir)
    window = make_window()
    assert "Индекс перестроен" not in window.statusBar().currentMessage()
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    qtbot.waitUntil(lambda: "Индекс перестроен" in window.statusBar().currentMessage(), timeout=10_000)
    assert not window.status.index_label.isVisible()  # repaired on disk, not in memory


def test_an_index_kept_in_memory_shows_a_lasting_mark(make_window, qtbot, monkeypatch):
    from index.knowledge_index import KnowledgeIndex

    window = make_window()
    assert not window.status.index_label.isVisible()
    monkeypatch.setattr(KnowledgeIndex, "unsaved", property(lambda self: "disk full (ENOSPC)"))
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    qtbot.waitUntil(window.status.index_label.isVisible, timeout=5_000)
    assert "ENOSPC" in window.status.index_label.toolTip()
