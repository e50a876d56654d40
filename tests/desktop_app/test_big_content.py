"""Big content stays responsive (issue 14 §6): the real window shows each hostile article (50 MB, one
1.4 MB word, 5 MB, 10,000 rules, 300 nesting levels) while the GUI thread is never blocked > 200 ms.

A 10 ms QTimer records the longest gap between its ticks while the article is opened (by a search
typed into the window, or by a link) and shown. The bound is generous for a loaded 2-core machine:
before the view rendered by pages off the GUI thread each case took seconds to minutes.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from kb.paths import bundled_kb_dir
from kb.render import ZWSP
from tests.desktop_app.conftest import search

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import big_articles

MAX_STALL_S = 0.200
SHOWN_TIMEOUT_MS = 60_000


class StallMeter:
    """The longest gap between ticks of a 10 ms timer on the GUI thread while it runs."""

    current: StallMeter | None = None  # the one running: steps name their phase on it

    def __init__(self) -> None:
        self.longest = 0.0
        self.phase, self.worst_phase = "", ""
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if now - self._last > self.longest:
            self.longest, self.worst_phase = now - self._last, self.phase
        self._last = now

    def __enter__(self) -> StallMeter:
        StallMeter.current = self
        self._last = time.perf_counter()
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._tick()
        self._timer.stop()
        StallMeter.current = None


def _phase(name: str) -> None:
    if StallMeter.current is not None:
        StallMeter.current.phase = name


def _assert_responsive(steps: Callable[[], None], attempts: int = 3) -> None:
    """Run ``steps`` under a StallMeter; again, up to ``attempts`` times, when one run stalled: on 2
    cores shared by several test suites the OS alone can hold a thread back 200 ms now and then, a
    view that blocks stalls in every run (seconds each time before)."""
    seen = []
    for _ in range(attempts):
        with StallMeter() as meter:
            steps()
        seen.append(f"{meter.longest * 1000:.0f} ({meter.worst_phase})")
        if meter.longest < MAX_STALL_S:
            return
    pytest.fail(f"GUI thread blocked {', '.join(seen)} ms in {attempts} runs")


def _kb_with(tmp_path: Path, case: str) -> tuple[Path, str]:
    kb_dir = tmp_path / "kb"
    shutil.copytree(bundled_kb_dir(), kb_dir)
    path = big_articles.write_case(kb_dir, case)
    return kb_dir, big_articles.last_rule_id(path.read_text(encoding="utf-8"))


def _warmed(window) -> None:
    """The index's warm-up (its own thread, seconds of pure Python) is over: what is measured is the
    article view, not the GIL the warm-up holds."""
    assert window.session.warmed(120)


def _shows(window, rule_id: str) -> bool:
    view = window.article_view
    return view.shows_article() and rule_id in view._anchors and view.selected_rule() == rule_id


def _open_by_search(qtbot, window, rule_id: str) -> None:
    """What an agent does: type the word only the last rule has, press Enter, read the article."""
    window.clear_search()
    _phase("typing the query")
    search(qtbot, window, big_articles.MARKER, expect_first=rule_id)
    _phase("opening the hit")
    QTest.keyClick(window.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _shows(window, rule_id), timeout=SHOWN_TIMEOUT_MS)
    qtbot.wait(50)  # the first paint of the page


def _open_by_link(qtbot, window, rule_id: str) -> None:
    _phase(f"opening {rule_id}")
    window.open_anchor(rule_id)
    qtbot.waitUntil(lambda: _shows(window, rule_id), timeout=SHOWN_TIMEOUT_MS)
    qtbot.wait(50)


@pytest.mark.parametrize("case", ["article_5mb", "rules_10k"])
def test_big_article_is_shown_by_pages_without_blocking_the_window(qtbot, make_window, tmp_path, case):
    kb_dir, last = _kb_with(tmp_path, case)
    window = make_window(kb_dir)
    view = window.article_view
    _warmed(window)

    def steps() -> None:
        view.clear_article()
        _open_by_search(qtbot, window, last)
        number, pages = view.page()
        assert pages > 1 and number == pages - 1  # the page with the rule asked for
        assert "Статья большая: показана часть" in view.toPlainText()
        _open_by_link(qtbot, window, "big/s1/1")
        assert view.page()[0] == 0
        view.show_page(1)
        qtbot.waitUntil(lambda: view.page()[0] == 1, timeout=SHOWN_TIMEOUT_MS)
        qtbot.wait(50)

    _assert_responsive(steps)


def test_fifty_megabyte_article(qtbot, tmp_path):
    from desktop_app.app import create_window
    from desktop_app.settings import AppPaths

    kb_dir, last = _kb_with(tmp_path, "article_50mb")
    window, reporter = create_window(kb_dir, tmp_path / "index", AppPaths.under(tmp_path / "app"))
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.ready, timeout=300_000):  # loading and indexing 50 MB: ~30 s here
        window.resize(1366, 768)
        window.show()
    try:
        _check_fifty_megabytes(qtbot, window, last)
    finally:
        reporter.uninstall()


def _check_fifty_megabytes(qtbot, window, last: str) -> None:
    view = window.article_view
    _warmed(window)

    def steps() -> None:
        view.clear_article()
        _open_by_search(qtbot, window, last)
        _open_by_link(qtbot, window, "big/s1/1")
        view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
        qtbot.wait(50)

    _assert_responsive(steps)
    assert view.page()[1] > 100


def test_one_word_of_1_4_million_letters(qtbot, make_window, tmp_path):
    kb_dir, last = _kb_with(tmp_path, "word_1_4m")
    window = make_window(kb_dir)
    view = window.article_view
    _warmed(window)

    def steps() -> None:
        view.clear_article()
        _open_by_link(qtbot, window, "big/s1/2")
        view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 2)
        qtbot.wait(50)
        _open_by_search(qtbot, window, last)

    _assert_responsive(steps)
    shown = view.toPlainText().replace("\u00a0", " ")  # Qt's plain text has no-break spaces as spaces
    assert "Текст обрезан: показаны первые 10 000 знаков из 1 400 000." in shown
    assert "Поиск находит и то, что здесь не показано" in shown
    assert ZWSP in shown  # the word can wrap ...
    assert view.horizontalScrollBar().maximum() == 0  # ... and does: no sideways scrolling

    window.open_anchor("big/s1/2")
    qtbot.waitUntil(lambda: _shows(window, "big/s1/2"), timeout=SHOWN_TIMEOUT_MS)
    window.copy_rule()  # the rule's own text, whole and without the break opportunities
    copied = QGuiApplication.clipboard().text()
    assert len(copied) == 1_400_000 and ZWSP not in copied
    view.selectAll()
    view.copy()
    assert ZWSP not in QGuiApplication.clipboard().text()
    assert "абонентабонент" in QGuiApplication.clipboard().text()


def test_three_hundred_nesting_levels(qtbot, make_window, tmp_path):
    kb_dir, _ = _kb_with(tmp_path, "nesting_300")
    window = make_window(kb_dir)
    view = window.article_view
    _warmed(window)

    def steps() -> None:
        view.clear_article()
        _open_by_link(qtbot, window, "big/s1/1")

    _assert_responsive(steps)
    shown = view.toPlainText()
    assert "Не удалось показать статью" not in shown
    assert "уровень 1\n" in shown and "уровень 200\n" in shown  # deep levels lifted to the 8th, kept
    assert "Текст обрезан" in shown  # the rule holds 180,000 characters (capped indentation: 13,800)
    assert "цитата" in shown


def test_a_page_that_cannot_be_rendered_says_so_and_a_late_page_is_dropped(qtbot, monkeypatch):
    """The worker's failure is a notice in the view, never a traceback; a page that arrives after
    the agent moved on is not shown."""
    from desktop_app import article_view
    from kb.article_md import parse_article

    article = parse_article(big_articles.rule_count(1_000))
    view = article_view.ArticleView()
    qtbot.addWidget(view)

    def broken(request):
        raise MemoryError("нет памяти")

    monkeypatch.setattr(article_view, "render_all", broken)
    view.show_article(article, None, "big/s1/1", "big/s1/1", None)
    qtbot.waitUntil(lambda: "Не удалось показать статью" in view.toPlainText(), timeout=SHOWN_TIMEOUT_MS)
    assert "нет памяти" in view.toPlainText()

    monkeypatch.undo()
    view.show_article(article, None, "big/s1/900", "big/s1/900", None)
    view.show_notice(article_view.EMPTY_HTML)  # moved on before the page came
    qtbot.wait(1500)
    assert not view.shows_article() and "Начните вводить" in view.toPlainText()
