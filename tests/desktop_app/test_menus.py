"""The Избранное and История menus list what was pinned, searched and opened, or say «(пусто)»."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.desktop_app.conftest import search


def entries(menu) -> list[tuple[str, bool]]:
    menu.aboutToShow.emit()
    return [(a.text(), a.isEnabled()) for a in menu.actions() if not a.isSeparator()]


def test_empty_menus_say_so(make_window):
    window = make_window()
    assert entries(window.menus.recent_queries) == [("(пусто)", False)]
    assert entries(window.menus.recent_rules) == [("(пусто)", False)]
    assert entries(window.menus.favourites)[1:] == [("(пусто)", False)]


def test_menus_list_pinned_searched_and_opened_rules_and_open_them(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    QTest.keyClick(window.search_box, Qt.Key.Key_Return)
    window.toggle_favourite()

    assert entries(window.menus.recent_queries) == [("роуминг", True)]
    for menu in (window.menus.recent_rules, window.menus.favourites):
        label, enabled = entries(menu)[-1]
        assert label.startswith("СС · Финансовые вопросы · п.3") and enabled

    window.open_anchor("mnp/questions/1")
    assert window.nav.current().rule_id == "mnp/questions/1"
    window.menus.favourites.actions()[-1].trigger()
    assert window.nav.current().rule_id == "ss/finance/3"

    window.menus.recent_queries.actions()[-1].trigger()
    assert window.search_box.text() == "роуминг"
