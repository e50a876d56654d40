"""Issue 13 (window side): rules added, changed and removed since the agent last looked are marked in
the results, the contents and the article view; «Что изменилось» lists them with old and new text;
«Отметить все как прочитанные» clears the marks for good; articles show their version."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop_app.changes_view import DELETED_CSS, INSERTED_CSS
from desktop_app.hit_model import MARK_ROLE
from desktop_app.rule_marks import CHANGED, RECENT, REMOVED, CountMark
from tests.desktop_app.conftest import search, type_text

WAIT_MS = 10_000
TODAY = date(2026, 12, 1)
CHANGED_ID, ADDED_ID, REMOVED_ID = "ss/finance/11", "ss/finance/15", "ss/finance/12"
OLD_WORDS = "в рамках акции «ТВ везде»."
NEW_WORDS = "в рамках акций «ТВ везде» и «КИОН»."
ADDED_TEXT = "Возврат средств за ошибочный платёж через Госуслуги, если клиент отказывается обращаться в СМ."
REMOVED_START = "12. Обращения по вопросам ДЗ"


def edit_kb(kb_dir: Path) -> None:
    """One rule changed, one added, one removed, in ss.md on disk."""
    path = kb_dir / "ss.md"
    text = path.read_text(encoding="utf-8")
    assert OLD_WORDS in text and REMOVED_START in text
    text = text.replace(OLD_WORDS, NEW_WORDS, 1)
    start = text.index(REMOVED_START)
    text = text[:start] + text[text.index("13. Заявление клиента", start) :]
    text = text.replace("\n## Технические вопросы", f"15. {ADDED_TEXT}\n\n## Технические вопросы", 1)
    path.write_text(text, encoding="utf-8")


def wait_report(qtbot, window, predicate) -> None:
    qtbot.waitUntil(lambda: predicate(window.changes.report), timeout=WAIT_MS)


def open_window(make_window, qtbot, kb_dir: Path, settings_dir: Path | None = None):
    window = make_window(kb_dir, settings_dir)
    window.changes.today = lambda: TODAY
    window.changes.wait()
    QTest.qWait(10)  # the report is delivered on the GUI thread
    return window


def refresh(qtbot, window) -> None:
    with qtbot.waitSignal(window.changes.updated, timeout=WAIT_MS):
        window.refresh_kb()
    wait_report(qtbot, window, lambda r: len(r.changes) == 3)


def hit_mark(window, rule_id: str):
    model = window.results.model
    row = next(r for r, h in enumerate(model.hits()) if h.id == rule_id)
    return model.index(row, 0).data(MARK_ROLE)


def search_for(qtbot, window, text: str, rule_id: str) -> None:
    window.clear_search()
    type_text(window.search_box, text)
    qtbot.waitUntil(
        lambda: (
            window.result is not None
            and window.result.query == text
            and any(h.id == rule_id for h in window.result.hits)
        ),
        timeout=WAIT_MS,
    )


@pytest.fixture
def edited_window(make_window, qtbot, kb_copy: Path):
    """A window on a KB copy, started once (everything read), then the KB edited on disk and re-read."""
    window = open_window(make_window, qtbot, kb_copy)
    assert window.changes.report.marks == {}
    edit_kb(kb_copy)
    refresh(qtbot, window)
    return window


# ---------------------------------------------------------------------- first start
def test_first_start_marks_nothing(make_window, qtbot, kb_copy: Path):
    window = open_window(make_window, qtbot, kb_copy)
    report = window.changes.report
    assert report.changes == () and report.marks == {} and report.unread_count() == 0
    assert not window.changes.link.isVisible()
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    assert all(window.results.model.index(r, 0).data(MARK_ROLE) is None for r in range(3))
    assert window.toc.mark_of("ss") is None
    window.open_anchor("ss/finance/3")
    assert "изменено" not in window.article_view.toPlainText()


# ---------------------------------------------------------------------- marks in every pane
def test_changed_and_added_rules_are_marked_in_the_results(edited_window, qtbot):
    window = edited_window
    search_for(qtbot, window, "МТС ТВ", CHANGED_ID)
    mark = hit_mark(window, CHANGED_ID)
    assert (mark.kind, mark.label) == (CHANGED, "изменено 01.12")
    unmarked = [h for h in window.results.model.hits() if h.id not in (CHANGED_ID, ADDED_ID)]
    assert unmarked and all(hit_mark(window, h.id) is None for h in unmarked)
    search_for(qtbot, window, "госуслуги ошибочный платёж", ADDED_ID)
    assert hit_mark(window, ADDED_ID).label == "новое"


def test_the_results_row_paints_its_mark(edited_window, qtbot):
    window = edited_window
    search_for(qtbot, window, "госуслуги ошибочный платёж", ADDED_ID)
    view = window.results.view
    row = next(r for r, h in enumerate(window.results.model.hits()) if h.id == ADDED_ID)
    window.results.show_selection(None)
    view.scrollTo(window.results.model.index(row, 0))
    QTest.qWait(20)
    rect = view.visualRect(window.results.model.index(row, 0))
    image = view.viewport().grab().toImage()
    # the «новое» pill is filled green at the right end of the heading line
    green = sum(
        _is_green(image.pixelColor(x, y))
        for x in range(rect.right() - 80, rect.right())
        for y in range(rect.top() + 8, rect.top() + 30)
    )
    assert green > 100


def _is_green(colour) -> bool:
    return colour.green() > colour.red() + 40 and colour.green() > colour.blue() + 40


def test_the_contents_mark_changed_rules_and_count_them_per_section(edited_window):
    toc = edited_window.toc
    assert toc.mark_of(CHANGED_ID).label == "изменено 01.12"
    assert toc.mark_of(ADDED_ID).label == "новое"
    assert toc.mark_of("ss/finance/3") is None
    assert toc.mark_of("ss/finance") == CountMark(2)  # the removed rule is not in the contents
    assert toc.mark_of("ss") == CountMark(2)
    assert toc.mark_of("sv") is None


def test_the_article_view_marks_the_rule_and_shows_the_article_version(edited_window):
    window = edited_window
    window.open_anchor(CHANGED_ID)
    text = window.article_view.toPlainText()
    assert "11. изменено 01.12" in " ".join(text.split())
    assert "15. новое" in " ".join(text.split())
    assert "Редакция от 22.11.2017" in text  # no published manifest: the front matter's date
    assert "12. Обращения по вопросам ДЗ" not in text


# ---------------------------------------------------------------------- «Что изменилось»
def test_the_status_bar_link_opens_the_changes_view_with_old_and_new_text(edited_window, qtbot):
    window = edited_window
    link = window.changes.link
    assert link.isVisible() and link.text() == "Изменено правил: 3"
    QTest.mouseClick(link, Qt.MouseButton.LeftButton)
    dialog = window.changes.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    assert sorted(dialog.shown_ids()) == sorted([CHANGED_ID, ADDED_ID, REMOVED_ID])
    assert "1 новое, 1 изменённое, 1 удалённое" in dialog.summary.text()

    assert dialog.select(CHANGED_ID)
    assert OLD_WORDS.rstrip(".") in dialog.old_view.toPlainText()
    assert NEW_WORDS.rstrip(".") in dialog.new_view.toPlainText()
    assert f"<span style='{INSERTED_CSS}'>" in _side_source(dialog, "new")
    assert "КИОН" in _marked_words(_side_source(dialog, "new"), INSERTED_CSS)
    assert "КИОН" not in dialog.old_view.toPlainText()
    assert dialog.open_button.isEnabled()

    assert dialog.select(ADDED_ID)
    assert "Госуслуги" in dialog.new_view.toPlainText()
    assert "раньше не было" in dialog.old_view.toPlainText()

    assert dialog.select(REMOVED_ID)
    assert "удалено" in dialog.list.currentItem().data(Qt.ItemDataRole.DisplayRole)
    assert "Аутсорсинг" in dialog.old_view.toPlainText()
    assert "Удалено" in dialog.new_view.toPlainText()
    assert "Аутсорсинг" in _marked_words(_side_source(dialog, "old"), DELETED_CSS)
    assert not dialog.open_button.isEnabled()  # nothing to open


def _side_source(dialog, side: str) -> str:
    from desktop_app.changes_view import side_html

    return side_html(dialog.current_change().word_diff(), side)


def _marked_words(source: str, css: str) -> str:
    opener = f"<span style='{css}'>"
    return " ".join(part.split("</span>")[0] for part in source.split(opener)[1:])


def test_the_filter_finds_a_removed_rule_by_its_old_words(edited_window, qtbot):
    window = edited_window
    window.actions_.whats_changed.trigger()
    dialog = window.changes.dialog
    dialog.filter.setFocus()
    type_text(dialog.filter, "аутсорсинг")
    assert dialog.shown_ids() == [REMOVED_ID]
    assert dialog.current_change().kind == REMOVED
    assert "Аутсорсинг" in dialog.old_view.toPlainText()
    dialog.filter.clear()
    assert len(dialog.shown_ids()) == 3


def test_an_entry_opens_its_rule_in_the_window(edited_window, qtbot):
    window = edited_window
    window.changes.show_view()
    dialog = window.changes.dialog
    dialog.select(ADDED_ID)
    QTest.keyClick(dialog.list, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert window.current is not None and window.current.rule_id == ADDED_ID
    assert window.article_view.selected_rule() == ADDED_ID


def test_mark_all_read_clears_the_marks_and_survives_a_restart(make_window, qtbot, kb_copy, tmp_path):
    window = open_window(make_window, qtbot, kb_copy)
    edit_kb(kb_copy)
    refresh(qtbot, window)
    window.changes.show_view()
    dialog = window.changes.dialog
    assert dialog.mark_button.isEnabled()
    with qtbot.waitSignal(window.changes.updated, timeout=WAIT_MS):
        QTest.mouseClick(dialog.mark_button, Qt.MouseButton.LeftButton)
    report = window.changes.report
    assert report.unread_count() == 0 and not window.changes.link.isVisible()
    assert not any(m.unread for m in report.marks.values())
    # still changed in the last 14 days: quietly marked as recent, not as news
    assert report.marks[CHANGED_ID].kind == RECENT and report.marks[ADDED_ID].kind == RECENT
    assert window.toc.mark_of("ss/finance") is None
    assert dialog.shown_ids() == [REMOVED_ID]  # a removed rule stays findable for a while
    assert not dialog.mark_button.isEnabled()
    window.close()

    again = open_window(make_window, qtbot, kb_copy, tmp_path / "app")
    wait_report(qtbot, again, lambda r: bool(r.changes))
    report = again.changes.report
    assert report.unread_count() == 0 and not again.changes.link.isVisible()
    assert not any(m.unread for m in report.marks.values())
    assert [c.id for c in report.changes] == [REMOVED_ID]
    assert again.toc.mark_of(CHANGED_ID).kind == RECENT


def test_a_rule_changed_after_mark_all_read_is_news_again(make_window, qtbot, kb_copy):
    window = open_window(make_window, qtbot, kb_copy)
    edit_kb(kb_copy)
    refresh(qtbot, window)
    with qtbot.waitSignal(window.changes.updated, timeout=WAIT_MS):
        window.changes.mark_all_read()
    path = kb_copy / "ss.md"
    path.write_text(path.read_text(encoding="utf-8").replace("«КИОН»", "«Кинопоиск»"), encoding="utf-8")
    with qtbot.waitSignal(window.changes.updated, timeout=WAIT_MS):
        window.refresh_kb()
    wait_report(qtbot, window, lambda r: r.unread_count() == 1)
    assert window.changes.report.marks[CHANGED_ID].kind == CHANGED
    assert window.changes.link.text() == "Изменено правил: 1"


# ---------------------------------------------------------------------- freshness setting
def test_the_recent_days_setting_turns_the_quiet_marks_on_and_off(make_window, qtbot, kb_copy):
    window = open_window(make_window, qtbot, kb_copy)
    assert window.settings.recent_days() == 14
    edit_kb(kb_copy)
    refresh(qtbot, window)
    with qtbot.waitSignal(window.changes.updated, timeout=WAIT_MS):
        window.changes.mark_all_read()
    assert window.changes.report.marks[CHANGED_ID].kind == RECENT
    off = next(a for a in window.changes.days_menu.actions() if a.data() == 0)
    with qtbot.waitSignal(window.changes.updated, timeout=WAIT_MS):
        off.trigger()
    assert window.settings.recent_days() == 0 and off.isChecked()
    assert window.changes.report.marks == {}
    search_for(qtbot, window, "МТС ТВ", CHANGED_ID)
    assert hit_mark(window, CHANGED_ID) is None
    window.changes.today = lambda: date(2026, 12, 20)  # 19 days later, 30 days marked
    month = next(a for a in window.changes.days_menu.actions() if a.data() == 30)
    with qtbot.waitSignal(window.changes.updated, timeout=WAIT_MS):
        month.trigger()
    assert window.changes.report.marks[CHANGED_ID].label == "изменено 01.12"
    assert hit_mark(window, CHANGED_ID).kind == RECENT


def test_the_comparison_runs_off_the_gui_thread(make_window, qtbot, kb_copy, monkeypatch):
    from desktop_app import changes_controller

    threads: list[threading.Thread] = []
    real = changes_controller.build_report

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(changes_controller, "build_report", recording)
    window = open_window(make_window, qtbot, kb_copy)
    edit_kb(kb_copy)
    refresh(qtbot, window)
    assert len(threads) >= 2 and threading.main_thread() not in threads


def test_the_menu_reaches_the_view_and_the_setting(make_window):
    window = make_window()
    view_menu = window.menus.view
    assert window.actions_.whats_changed in view_menu.actions()
    assert window.changes.days_menu.menuAction() in view_menu.actions()
    checked = [a.data() for a in window.changes.days_menu.actions() if a.isChecked()]
    assert checked == [14]


def test_a_kb_folder_that_cannot_be_read_does_not_list_every_rule_as_removed(make_window, qtbot, kb_copy):
    from kb.model import KnowledgeBase, LoadError

    window = open_window(make_window, qtbot, kb_copy)
    gone = KnowledgeBase(root=kb_copy, errors=(LoadError(kb_copy, None, "папка недоступна"),))
    window.changes.set_kb(gone, kb_copy)
    window.changes.wait()
    QTest.qWait(20)
    assert window.changes.report.changes == () and not window.changes.link.isVisible()
    edit_kb(kb_copy)  # and once it is back, the comparison is with what was read before
    refresh(qtbot, window)
    assert sorted(c.kind for c in window.changes.report.changes) == ["added", "changed", "removed"]


def test_the_snapshot_cache_gives_the_snapshot_and_fingerprints_only_edited_articles(kb_copy, monkeypatch):
    from desktop_app.changes_controller import SnapshotCache
    from kb import changes
    from kb.loader import LoadCache, load_kb

    cache, loads = SnapshotCache(), LoadCache()
    kb = load_kb(kb_copy, loads)
    assert cache.snapshot(kb) == changes.snapshot(kb)
    edit_kb(kb_copy)
    edited = load_kb(kb_copy, loads)
    counted: list[str] = []
    real = changes.rule_state
    monkeypatch.setattr(changes, "rule_state", lambda a, s, r: counted.append(a.id) or real(a, s, r))
    got = cache.snapshot(edited)
    assert counted and set(counted) == {"ss"}  # sv and mnp were not read again: their states were reused
    monkeypatch.undo()
    assert got == changes.snapshot(edited)
    assert list(got) == list(changes.snapshot(edited))  # in KB order
