"""State kept between runs, and a knowledge base edited on disk while the window is open."""

from __future__ import annotations

import gc
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.desktop_app.conftest import first_hit_id, search


def test_editing_an_article_on_disk_changes_results(make_window, qtbot, kb_copy: Path):
    window = make_window(kb_dir=kb_copy)
    search(qtbot, window, "жираф")
    assert window.results.model.rowCount() == 0

    path = kb_copy / "mnp.md"
    text = path.read_text(encoding="utf-8")
    marker = "5. Отмена портации по просьбе клиента"
    assert marker in text
    path.write_text(text.replace(marker, marker + " (жираф)"), encoding="utf-8")

    qtbot.waitUntil(lambda: window.results.model.rowCount() > 0, timeout=10_000)
    assert window.results.model.hit(0).id == "mnp/questions/5"
    assert "База знаний обновлена" in window.statusBar().currentMessage()
    assert window.status.summary.text().startswith("База знаний: 3 статьи")  # not a progress line
    assert window.status.progress_bar.isHidden()


def test_replaced_file_is_still_watched(make_window, qtbot, kb_copy: Path):
    """Editors save by renaming a new file over the old one; later in-place saves must still count."""
    window = make_window(kb_dir=kb_copy)
    path = kb_copy / "mnp.md"
    marker = "5. Отмена портации по просьбе клиента"
    original = path.read_text(encoding="utf-8")

    search(qtbot, window, "жираф")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(original.replace(marker, f"{marker} (жираф)"), encoding="utf-8")
    tmp.replace(path)  # the directory changes, and the old file's watch is gone
    qtbot.waitUntil(lambda: window.results.model.rowCount() > 0, timeout=10_000)

    QTest.keyClick(window.search_box, Qt.Key.Key_Escape)
    search(qtbot, window, "бегемот")
    assert window.results.model.rowCount() == 0
    with path.open("r+", encoding="utf-8") as fh:  # in place: only a file watch sees this
        fh.write(original.replace(marker, f"{marker} (бегемот)"))
    qtbot.waitUntil(lambda: window.results.model.rowCount() > 0, timeout=10_000)


def test_broken_file_is_reported_in_status_bar(make_window, qtbot, kb_copy: Path):
    window = make_window(kb_dir=kb_copy)
    (kb_copy / "broken.md").write_text("no front matter here\n", encoding="utf-8")
    qtbot.waitUntil(lambda: window.status.errors_button.isVisible(), timeout=10_000)
    assert "broken.md:1" in window.statusBar().currentMessage()
    assert "broken.md:1" in window.status.errors_button.toolTip()
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")  # everything else still works


def test_article_saved_as_cp1251_loads_with_a_notice(make_window, qtbot, kb_copy: Path):
    """Notepad's "ANSI" on a Russian Windows is cp1251: the article is found, the file is named."""
    window = make_window(kb_dir=kb_copy)
    text = "---\nid: ansi\ntitle: Статья в ANSI\nline: СС\n---\n\n## Раздел\n\n1. Жалоба на шумоподавитель.\n"
    (kb_copy / "ansi.md").write_bytes(text.encode("cp1251"))
    qtbot.waitUntil(lambda: window.status.errors_button.isVisible(), timeout=10_000)
    assert "Замечания" in window.status.errors_button.text()
    assert "ansi.md" in window.status.errors_button.toolTip()
    assert "cp1251" in window.status.errors_button.toolTip()
    search(qtbot, window, "шумоподавитель", expect_first="ansi/razdel/1")


def test_favourites_survive_a_restart(make_window, qtbot, app_dir: Path):
    first = make_window()
    search(qtbot, first, "роуминг", expect_first="ss/finance/3")
    QTest.keyClick(first.search_box, Qt.Key.Key_Return)
    QTest.keyClick(first.search_box, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert first.card.pin.isChecked()
    first.close()

    second = make_window(settings_dir=app_dir)
    assert second.settings.favourites() == ["ss/finance/3"]
    assert second.favourites.item(0).text().startswith("СС · Финансовые вопросы · п.3")
    second.tabs.setCurrentWidget(second.favourites)
    second.favourites.itemActivated.emit(second.favourites.item(0))
    assert second.current.rule_id == "ss/finance/3"
    assert second.card.pin.isChecked()


def test_zoom_and_history_survive_a_restart(make_window, qtbot, app_dir: Path):
    first = make_window()
    base = first.article_view.font().pointSizeF()
    QTest.keyClick(first.search_box, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(first.search_box, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert first.article_view.font().pointSizeF() == base + 2
    search(qtbot, first, "роуминг", expect_first="ss/finance/3")
    QTest.keyClick(first.search_box, Qt.Key.Key_Return)
    first.close()

    second = make_window(settings_dir=app_dir)
    assert second.settings.zoom() == 2
    assert second.article_view.font().pointSizeF() == base + 2
    assert second.settings.recent_queries() == ["роуминг"]
    assert second.history.rules.item(0).data(Qt.ItemDataRole.UserRole + 20) == "ss/finance/3"
    assert second.history.queries.item(0).text() == "роуминг"
    second.history.queries.itemClicked.emit(second.history.queries.item(0))
    qtbot.waitUntil(lambda: second.result is not None and second.result.query == "роуминг")
    QTest.keyClick(second.search_box, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert second.article_view.font().pointSizeF() == base


def test_table_of_contents_opens_a_rule(make_window, qtbot):
    window = make_window()
    from desktop_app.toc import ANCHOR_ROLE

    model = window.toc.model()
    assert model.rowCount() == 3
    ss = next(model.index(r, 0) for r in range(3) if model.index(r, 0).data(ANCHOR_ROLE) == "ss")
    finance = model.index(0, 0, ss)
    rule3 = model.index(2, 0, finance)
    assert rule3.data(ANCHOR_ROLE) == "ss/finance/3"
    window.toc.activated.emit(rule3)
    assert window.current.rule_id == "ss/finance/3"
    assert window.card.phrase_text().startswith("Для решения Вашего вопроса")


def test_switching_the_knowledge_base_folder(make_window, qtbot, kb_copy: Path):
    window = make_window()
    (kb_copy / "sv.md").unlink()
    with qtbot.waitSignal(window.ready, timeout=10_000):
        window.switch_kb(kb_copy)
    assert window.settings.kb_dir() == kb_copy
    assert [a.id for a in window.kb.articles] == ["ss", "mnp"]  # the procedure's order
    assert window.watcher is not None and window.watcher.root == kb_copy
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")


def test_index_warms_up_after_open_and_after_an_edit(make_window, qtbot, kb_copy: Path):
    """The typo index is built ahead on a thread of its own, again once the KB changes: a typo of
    a word added on disk is corrected at once."""
    window = make_window(kb_dir=kb_copy)
    qtbot.waitUntil(lambda: window.session.warmed(0), timeout=10_000)
    assert window.session._ix._vocab.has_typo_index()
    assert gc.get_freeze_count() > 0  # what lives after the warm-up stays out of full collections

    (kb_copy / "zoo.md").write_text(
        "---\nid: zoo\ntitle: Зоопарк\nline: СС\n---\n\n## Раздел {#s}\n\n1. Крокодилы зелёные.\n",
        encoding="utf-8",
    )
    search(qtbot, window, "крокодилы")
    qtbot.waitUntil(lambda: window.results.model.rowCount() > 0, timeout=10_000)
    qtbot.waitUntil(lambda: window.session.warmed(0), timeout=10_000)
    window.search_box.clear()
    search(qtbot, window, "кракодилы")
    assert first_hit_id(window) == "zoo/s/1"


def test_an_unreachable_kb_is_no_answer_card_and_no_file_error(make_window, qtbot, tmp_path: Path):
    """A KB folder that is not there (share not mapped): the banner says why; the card says there is
    no KB to answer from, not «ask the customer again»; the status bar counts no «file» as broken."""
    from tests.desktop_app.conftest import type_text

    window = make_window(kb_dir=tmp_path / "share" / "kb")
    assert "База знаний недоступна" in window.status.summary.text()
    assert not window.status.errors_button.isVisible()
    window.search_box.setFocus()
    type_text(window.search_box, "роуминг")
    qtbot.waitUntil(lambda: "не загружена" in window.card.heading.text(), timeout=10_000)
