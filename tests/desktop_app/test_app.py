"""run_gui end to end, the answer card for phrase hits, real tooltip events, the icon."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QTimer
from PySide6.QtGui import QHelpEvent, QTextCursor
from PySide6.QtWidgets import QApplication, QToolTip

from desktop_app.app import app_icon, run_gui
from desktop_app.main_window import MainWindow
from desktop_app.settings import AppPaths
from tests.desktop_app.conftest import search


def test_run_gui_opens_the_window_and_returns_zero(qtbot, tmp_path: Path):
    seen: list[MainWindow] = []
    hook_before = sys.excepthook

    def close_when_ready(tries: int = 100) -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if windows and windows[0].session.is_open():
            seen.append(windows[0])
            assert sys.excepthook is not hook_before  # the crash reporter is installed
            windows[0].close()
        elif tries:
            QTimer.singleShot(50, lambda: close_when_ready(tries - 1))
        else:
            QApplication.quit()

    QTimer.singleShot(50, close_when_ready)
    code = run_gui(None, tmp_path / "index", AppPaths.under(tmp_path / "app"))
    assert code == 0
    assert seen and seen[0].windowTitle() == "База знаний — kb-browser"
    assert sys.excepthook is hook_before
    assert (tmp_path / "app" / "settings.ini").is_file()  # geometry saved on close


def test_app_icon_has_pixmaps(qapp):
    icon = app_icon()
    assert not icon.isNull()
    assert icon.availableSizes()


def test_phrase_hit_shows_the_article_phrase(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "дождитесь ответа")
    kinds = [window.results.model.hit(r).kind for r in range(window.results.model.rowCount())]
    assert "phrase" in kinds
    window.results.select_row(kinds.index("phrase"))
    assert window.card.phrase_text().startswith("Для решения Вашего вопроса")
    assert window.card.copy_button.isEnabled()


def test_hovering_an_abbreviation_shows_its_expansion(make_window, qtbot):
    window = make_window()
    window.open_anchor("ss/finance/9")
    view = window.article_view
    found = view.document().find("ЛС")
    cursor = QTextCursor(view.document())
    cursor.setPosition(found.selectionStart() + 1)
    view.setTextCursor(cursor)
    view.ensureCursorVisible()
    pos = view.cursorRect(cursor).center()
    event = QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), event)
    qtbot.waitUntil(lambda: QToolTip.text() == "лицевой счёт", timeout=2000)
    QToolTip.hideText()
    far = QHelpEvent(QEvent.Type.ToolTip, QPoint(2, 2), view.viewport().mapToGlobal(QPoint(2, 2)))
    QApplication.sendEvent(view.viewport(), far)


def test_qt_standard_buttons_are_in_russian(make_window):
    from PySide6.QtWidgets import QDialogButtonBox

    make_window()
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel | QDialogButtonBox.StandardButton.Close)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text().replace("&", "") == "Отмена"
    assert box.button(QDialogButtonBox.StandardButton.Close).text().replace("&", "") == "Закрыть"
