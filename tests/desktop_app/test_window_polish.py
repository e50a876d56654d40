"""Issue 11: nothing cut, nothing glitchy — rule numbers, landing place, headings, title, help, dialogs;
and the history records what the agent actually used."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QPushButton

from desktop_app import answer_log
from tests.desktop_app.conftest import search, type_text

LANDING_RULES = [
    "ss/finance/3",
    "ss/technical/1",
    "ss/claims/1",
    "sv/one-step/1",
    "sv/two-step/1",
    "mnp/questions/6",
]


def rule_rect(view, rule_id: str):
    """The rule's first line in viewport coordinates."""
    from PySide6.QtGui import QTextCursor

    cursor = QTextCursor(view.document())
    cursor.setPosition(view._anchors[rule_id])
    return view.cursorRect(cursor)


def block_with_text(doc, text: str):
    block = doc.begin()
    while block.isValid() and block.text() != text:
        block = block.next()
    return block


# ---------------------------------------------------------------------- the article view
def test_every_opened_rule_lands_at_the_same_place_with_context_above(make_window, qtbot):
    window = make_window()
    view = window.article_view
    tops = {}
    for rule_id in LANDING_RULES:
        window.open_anchor(rule_id)
        QTest.qWait(10)  # the second, laid-out scroll
        rect = rule_rect(view, rule_id)
        tops[rule_id] = rect.top()
        assert rect.bottom() < view.viewport().height(), rule_id  # never cut at the bottom
    assert max(tops.values()) - min(tops.values()) <= 8, tops
    assert min(tops.values()) >= view.fontMetrics().lineSpacing() * 2, tops  # context above


def test_the_claims_heading_is_painted_when_the_rule_above_it_is_opened_first(make_window, qtbot):
    window = make_window()
    window.open_anchor("ss/technical/22")  # the first render of the article marks the rule above it
    view = window.article_view
    block = block_with_text(view.document(), "Претензии")
    rect = view.document().documentLayout().blockBoundingRect(block).toRect()
    assert rect.height() > 0  # laid out (before the fix: an empty rect, and nothing painted)
    rect.translate(0, -view.verticalScrollBar().value())
    image = view.viewport().grab().toImage()
    dark = sum(
        QColor(image.pixel(x, y)).lightness() < 120
        for x in range(rect.left(), min(rect.right(), rect.left() + 120))
        for y in range(max(0, rect.top()), min(image.height(), rect.bottom()))
    )
    assert dark > 50


# ---------------------------------------------------------------------- the results list
@pytest.mark.parametrize("width", [1366, 960])
def test_rule_numbers_in_result_rows_are_never_cut(make_window, qtbot, width):
    from desktop_app.hit_delegate import row_heading

    window = make_window()
    window.resize(width, 768)
    search(qtbot, window, "смена тарифа")
    view = window.results.view
    hits = [h for h in window.results.model.hits() if h.number is not None]
    assert any(h.line == "СВ" for h in hits)
    font = view.font()
    font.setBold(True)
    fm = QFontMetrics(font)
    for row, hit in enumerate(window.results.model.hits()):
        if hit.number is None:
            continue
        rect = view.visualRect(window.results.model.index(row, 0))
        badge = QFontMetrics(view.font()).horizontalAdvance(hit.line_label) + 12
        room = rect.width() - 3 * 8 - badge
        heading = row_heading(hit, fm, room)
        assert heading.endswith(f"п.{hit.number}"), heading
        assert fm.horizontalAdvance(heading) <= room


def test_search_placeholder_fits_at_half_screen(make_window):
    window = make_window()
    window.resize(960, 768)
    QTest.qWait(10)
    box = window.search_box
    assert box.placeholderText()
    assert box.fontMetrics().horizontalAdvance(box.placeholderText()) < box.width() - 40


# ---------------------------------------------------------------------- window chrome
def test_window_title_names_the_app_once(make_window):
    window = make_window()
    display = QGuiApplication.applicationDisplayName()
    assert window.windowTitle().endswith(display)  # Qt does not append the display name again
    assert window.windowTitle().count(display) == 1


def test_status_bar_shows_a_short_path(make_window):
    from kb.paths import bundled_kb_dir

    window = make_window()
    text = window.status.summary.text()
    assert str(bundled_kb_dir()) not in text
    assert text.endswith("…/resources/kb") and "3 статьи" in text
    assert window.status.summary.toolTip() == str(bundled_kb_dir())


def test_first_start_size_is_sensible():
    from desktop_app.window_setup import first_start_size

    big = first_start_size(QSize(1920, 1040))
    assert 1300 <= big.width() <= 1600 and 850 <= big.height() <= 1000
    small = first_start_size(QSize(1366, 728))
    assert small.width() <= 1366 and small.height() <= 728 and small.width() >= 1024


def test_f1_lists_every_shortcut_and_explains_badges_and_notes(make_window):
    from desktop_app.dialogs import shortcuts_html

    window = make_window()
    text = shortcuts_html()
    for action in vars(window.actions_).values():
        for one in action if isinstance(action, tuple) else (action,):
            for seq in one.shortcuts():
                key = seq.toString()
                if key in ("Return", "Down", "Up", "Ctrl+=", "Ctrl++", "Ctrl+-", "Alt+Left", "Alt+Right"):
                    continue  # written as Enter, ↓ ↑, Ctrl+плюс / минус, Alt+← / →
                if key.startswith("Alt+") and key[4:].isdigit():
                    key = "Alt+1"
                if key.startswith("Ctrl+") and key[5:].isdigit():
                    key = "Ctrl+1"
                assert key.replace("Escape", "Esc").replace("Ctrl+Return", "Ctrl+Enter") in text, key
    for phrase in (
        "СВ · 2 шага",
        "MNP",
        "Раскладка исправлена",
        "Возможно, вы имели в виду",
        "Alt+← / Alt+→",
    ):
        assert phrase in text


def test_file_dialogs_speak_russian(make_window, tmp_path):
    from desktop_app.dialogs import file_dialog

    window = make_window()
    for directories in (True, False):
        dialog = file_dialog(window, "Папка базы знаний", tmp_path, directories=directories)
        assert dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
        texts = {b.text().replace("&", "") for b in dialog.findChildren(QPushButton) if b.text()}
        assert "Отмена" in texts
        assert ("Выбрать" if directories else "Открыть") in texts
        assert not {"Cancel", "Open", "Choose"} & texts
        dialog.deleteLater()


# ---------------------------------------------------------------------- what the history records
@pytest.fixture
def quick_views(monkeypatch):
    monkeypatch.setattr(answer_log, "VIEWED_MS", 150)


def test_an_answer_read_for_a_while_goes_into_the_history(quick_views, make_window, qtbot):
    window = make_window()
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    qtbot.waitUntil(lambda: window.settings.recent_rules() == ["ss/finance/3"], timeout=2000)
    assert window.settings.recent_queries() == ["роуминг"]


def test_prefixes_passed_while_typing_are_not_recorded(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "пог", expect_first="ss/finance/9")
    type_text(window.search_box, "ода")
    qtbot.waitUntil(lambda: window.result is not None and window.result.query == "погода")
    QTest.qWait(50)
    assert window.settings.recent_rules() == []


def test_a_copied_answer_goes_into_the_history(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "сменить оператора", expect_first="mnp/questions/1")
    QTest.keyClick(window.search_box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.settings.recent_rules() == ["mnp/questions/1"]
    assert window.settings.recent_queries() == ["сменить оператора"]


class FakeMemory:
    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.enabled = True

    def record(self, query: str, rule_id: str, action: str) -> None:
        self.calls.append(("record", query, rule_id, action))

    def record_miss(self, query: str) -> None:
        self.calls.append(("miss", query))

    def clear(self) -> None:
        self.calls.append(("clear",))


def test_the_query_memory_hears_opens_copies_misses_and_clearing(make_window, qtbot):
    window = make_window()
    memory = window.answer_log.memory = FakeMemory()
    window.actions_.remember_choices.setEnabled(True)
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    QTest.keyClick(window.search_box, Qt.Key.Key_Return)
    QTest.keyClick(
        window.search_box,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    QTest.keyClick(window.search_box, Qt.Key.Key_Escape)
    search(qtbot, window, "погода")
    QTest.keyClick(window.search_box, Qt.Key.Key_Return)
    window.actions_.remember_choices.trigger()
    window.actions_.clear_history.trigger()

    assert memory.calls == [
        ("record", "роуминг", "ss/finance/3", "open"),
        ("record", "роуминг", "ss/finance/3", "copy"),
        ("miss", "погода"),
        ("clear",),
    ]
    assert memory.enabled is False
    assert window.settings.recent_rules() == []


def test_all_four_tabs_fit_at_half_screen(make_window):
    window = make_window()
    window.resize(960, 768)
    window.splitter.setSizes([300, 660])  # as narrow as the agent can drag it
    QTest.qWait(10)
    bar = window.tabs.tabBar()
    assert bar.tabRect(bar.count() - 1).right() <= window.tabs.width()
