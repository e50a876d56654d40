"""run_gui end to end, the answer card for phrase hits, real tooltip events, the icon."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QTimer
from PySide6.QtGui import QHelpEvent, QTextCursor
from PySide6.QtWidgets import QApplication, QToolTip

from desktop_app.app import app_icon, run_gui
from desktop_app.main_window import WINDOW_TITLE, MainWindow
from desktop_app.settings import AppPaths
from kb.paths import bundled_kb_dir
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
    assert seen and seen[0].windowTitle() == WINDOW_TITLE
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


_FORKSERVER_BUILD = """
import multiprocessing, sys
from pathlib import Path

if __name__ == "__main__":
    from desktop_app.app import use_thread_safe_start_method
    import index.knowledge_index as K
    import index.lifecycle as L

    use_thread_safe_start_method()
    L.PARALLEL_MIN_ARTICLES = 1  # the bundled KB, built by two writer processes
    with K.KnowledgeIndex.open(Path(sys.argv[1]), Path(sys.argv[2])) as ix:
        print(multiprocessing.get_start_method(), ix.search("роуминг").hits[0].id)
"""


def test_the_app_builds_a_large_index_from_a_fork_server(tmp_path: Path):
    """The app's writer processes start from a fork server (not forked from Qt's threads) and
    still build a working index; they use the chunked posting pool too (see test_posting_pool)."""
    script = tmp_path / "build.py"
    script.write_text(_FORKSERVER_BUILD, encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, str(script), str(bundled_kb_dir()), str(tmp_path / "ix")],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert out.returncode == 0, out.stderr
    method, top = out.stdout.split()
    expected = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else method
    assert (method, top) == (expected, "ss/finance/3")


def test_closing_hides_the_window_before_waiting_for_background_work(make_window, monkeypatch):
    window = make_window()
    seen: list[bool] = []
    close = window.session.close

    def close_and_note() -> None:
        seen.append(window.isVisible())
        close()

    monkeypatch.setattr(window.session, "close", close_and_note)
    window.close()
    assert seen == [False]  # a long build finishes out of sight, not behind a frozen window
