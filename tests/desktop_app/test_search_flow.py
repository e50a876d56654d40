"""Drive the window as an agent would: type, move, open, copy, go back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from tests.desktop_app.conftest import first_hit_id, open_first_two, search

SS_PHRASE = (
    "Для решения Вашего вопроса, я соединю Вас со специалистом экспертного направления, "
    "пожалуйста, дождитесь ответа"
)


def rule_top_in_viewport(view, text: str) -> int:
    """Viewport y of the paragraph that starts with ``text`` (negative: scrolled past)."""
    cursor = view.document().find(text)
    assert not cursor.isNull(), text
    return view.cursorRect(cursor).top()


def test_search_field_has_focus_at_start(make_window, qtbot):
    window = make_window()
    qtbot.waitUntil(window.search_box.hasFocus)
    assert window.windowTitle() == "kb-browser — База знаний"


def test_roaming_first_hit_and_enter_scrolls_to_rule(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    label = window.results.model.index(0, 0).data()
    assert label.startswith("СС · Финансовые вопросы · п.3")
    assert window.settings.recent_rules() == []

    QTest.keyClick(window.search_box, Qt.Key.Key_Return)

    view = window.article_view
    assert "Перевод на линию старших специалистов" in view.toPlainText()
    qtbot.waitUntil(lambda: view.verticalScrollBar().value() > 0)
    top = rule_top_in_viewport(view, "Неверная тарификация")
    assert 0 <= top < view.viewport().height() // 4  # the rule sits near the top, context above
    assert window.nav.current().rule_id == "ss/finance/3"
    assert window.settings.recent_rules()[0] == "ss/finance/3"
    assert window.settings.recent_queries()[0] == "роуминг"


def test_copy_shortcut_puts_exact_phrase_on_clipboard(make_window, qtbot):
    window = make_window()
    QGuiApplication.clipboard().setText("")
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    QTest.keyClick(
        window.search_box,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert QGuiApplication.clipboard().text() == SS_PHRASE
    assert window.actions_.copy_phrase.shortcut().toString() == "Ctrl+Shift+C"
    QGuiApplication.clipboard().setText("")
    QTest.keyClick(window.search_box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == SS_PHRASE
    QGuiApplication.clipboard().setText("")
    window.card.copy_button.click()
    assert QGuiApplication.clipboard().text() == SS_PHRASE


def test_mistyped_layout_finds_roaming(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "hjevbyu", expect_first="ss/finance/3")
    assert "Раскладка" in window.results.info.text()


def test_nothing_found_message(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "жираф")
    assert window.results.model.rowCount() == 0
    assert "Ничего не найдено" in window.results.info.text()


def test_correction_is_a_clickable_suggestion(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "блакировка")
    suggestion = window.result.corrected
    assert suggestion and suggestion.startswith("блокировк")
    assert f"suggest:{suggestion}" in window.results.info.text()
    window.results.info.linkActivated.emit(f"suggest:{suggestion}")
    qtbot.waitUntil(lambda: window.result is not None and window.result.query == suggestion)
    assert window.search_box.text() == suggestion
    assert window.results.model.rowCount() > 0


def test_escape_clears_search(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    QTest.keyClick(window.search_box, Qt.Key.Key_Escape)
    assert window.search_box.text() == ""
    qtbot.waitUntil(lambda: window.results.model.rowCount() == 0)
    assert window.search_box.hasFocus()


def test_down_and_up_move_selection_from_search_field(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "финансовая блокировка", expect_first="ss/finance/8")
    view = window.results.view
    assert view.currentIndex().row() == 0
    QTest.keyClick(window.search_box, Qt.Key.Key_Down)
    assert view.currentIndex().row() == 1
    second = window.results.model.hit(1)
    assert window.card.heading.text().endswith(f"п.{second.number}")
    QTest.keyClick(window.search_box, Qt.Key.Key_Up)
    assert view.currentIndex().row() == 0
    assert window.search_box.hasFocus()


def test_alt_left_and_right_walk_viewed_rules(make_window, qtbot):
    window = make_window()
    second = open_first_two(qtbot, window, "блокировка", "ss/finance/8")
    assert window.current.rule_id == second

    QTest.keyClick(window.search_box, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.current.rule_id == "ss/finance/8"
    assert "ss/finance/8" in window.card.heading.text() or "п.8" in window.card.heading.text()
    QTest.keyClick(window.search_box, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert window.current.rule_id == second


def test_focus_shortcuts_return_to_search(make_window, qtbot):
    window = make_window()
    for key, mod in (
        (Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_F3, Qt.KeyboardModifier.NoModifier),
    ):
        window.article_view.setFocus()
        qtbot.waitUntil(window.article_view.hasFocus)
        QTest.keyClick(window.article_view, key, mod)
        assert window.search_box.hasFocus(), key


def test_first_hit_is_the_first_result_after_each_keystroke(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    assert first_hit_id(window) == "ss/finance/3"
    assert window.session.current_query() == "роуминг"


def test_typing_in_the_results_list_continues_the_query(make_window, qtbot):
    from tests.desktop_app.conftest import type_text

    window = make_window()
    search(qtbot, window, "роум", expect_first="ss/finance/3")
    window.results.view.setFocus()
    type_text(window.results.view, "инг")
    assert window.search_box.text() == "роуминг"
    assert window.search_box.hasFocus()
    qtbot.waitUntil(lambda: window.result is not None and window.result.query == "роуминг")


def test_selected_rule_is_highlighted_and_moves_with_the_selection(make_window, qtbot):
    from PySide6.QtGui import QTextCursor

    def cell_colour(view, text: str) -> str:
        cursor = view.document().find(text)
        cell_cursor = QTextCursor(view.document())
        cell_cursor.setPosition(cursor.selectionStart())
        table = cell_cursor.currentTable()
        return table.cellAt(cell_cursor).format().background().color().name() if table else ""

    window = make_window()
    search(qtbot, window, "финансовая блокировка", expect_first="ss/finance/8")
    view = window.article_view
    assert view.selected_rule() == "ss/finance/8"
    assert cell_colour(view, "Удаление финансовой") == "#fff4c2"
    QTest.keyClick(window.search_box, Qt.Key.Key_Down)  # ss/finance/7, same article
    assert view.selected_rule() == "ss/finance/7"
    assert cell_colour(view, "Подробная информация о блокировке") == "#fff4c2"
    assert cell_colour(view, "Удаление финансовой") != "#fff4c2"
