"""Issue 11: the window never shows a wrong answer — the card, the list and the article agree with
the current query, and with nothing else."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from desktop_app import answer_state
from desktop_app.answer_state import ANSWER, CANDIDATES, NO_ANSWER
from index import SearchResult
from index import results as index_results
from tests.desktop_app.conftest import FIRST_HIT_TIMEOUT_MS, open_first_two, search, type_text

ALT = Qt.KeyboardModifier.AltModifier
COPY_KEYS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def card_text(window) -> str:
    card = window.card
    return " ".join(w.text() for w in (card.heading, card.message, card.phrase_label) if w.isVisible())


def wait_for_query(qtbot, window, text: str) -> None:
    qtbot.waitUntil(
        lambda: window.result is not None and window.result.query == text, timeout=FIRST_HIT_TIMEOUT_MS
    )


def selected_hit_id(window) -> str | None:
    view = window.results.view
    if not view.selectionModel().hasSelection():
        return None
    hit = window.results.model.hit(view.selectionModel().selectedIndexes()[0].row())
    return hit.id if hit else None


def make_weak(monkeypatch, window, queries: set[str], **extra) -> None:
    """The index answers ``queries`` as not sure (the real ranking decides that once it can)."""
    ix = window.session._ix
    original = ix.search

    def search(query: str, limit: int = 30):
        result = original(query, limit=limit)
        if query in queries:
            result = dataclasses.replace(result, confidence=index_results.WEAK)
            for name, value in extra.items():
                object.__setattr__(result, name, value)
        return result

    monkeypatch.setattr(ix, "search", search)


def test_confidence_names_agree_with_the_index():
    assert (answer_state.STRONG, answer_state.WEAK, answer_state.NONE) == (
        index_results.STRONG,
        index_results.WEAK,
        index_results.NONE,
    )


# ---------------------------------------------------------------------- no answer, Esc, stale results
def test_a_query_that_finds_nothing_clears_the_prefix_answer(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "цесс", expect_first="ss/finance/7")
    assert "п.7" in window.card.heading.text()  # the prefix's answer, while it is the query

    type_text(window.search_box, "ода")
    wait_for_query(qtbot, window, "цессода")

    assert "Нет ответа по запросу «цессода»" in window.card.heading.text()
    assert window.card.phrase_text() == ""
    assert not window.card.copy_button.isVisible()
    assert "Подробная информация о блокировке" not in window.article_view.toPlainText()
    assert "Нет ответа" in window.article_view.toPlainText()
    QGuiApplication.clipboard().setText("")
    QTest.keyClick(window.search_box, Qt.Key.Key_C, COPY_KEYS)
    assert QGuiApplication.clipboard().text() == ""


def test_escape_clears_the_card_and_the_article(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    QTest.keyClick(window.search_box, Qt.Key.Key_Return)
    assert window.card.phrase_text()

    QTest.keyClick(window.search_box, Qt.Key.Key_Escape)

    assert window.search_box.text() == ""
    assert window.card.phrase_text() == ""
    assert "Финансовые" not in window.card.heading.text()
    assert "Неверная тарификация" not in window.article_view.toPlainText()
    assert window.results.model.rowCount() == 0
    assert window.current is None


def test_escape_also_clears_a_rule_opened_from_the_contents(make_window, qtbot):
    window = make_window()
    window.open_anchor("mnp/questions/1")
    assert window.card.phrase_text()
    QTest.keyClick(window.search_box, Qt.Key.Key_Escape)
    assert window.card.phrase_text() == "" and window.current is None


def test_a_result_for_older_query_text_never_reaches_the_card(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    older = window.session._ix.search("пог", limit=30)
    assert older.hits

    window.session.results.emit(older)  # a late result for text the agent has typed past

    assert window.result.query == "роуминг"
    assert "п.3" in window.card.heading.text()
    assert window.results.model.hit(0).id == "ss/finance/3"


# ---------------------------------------------------------------------- back / forward
def test_alt_left_moves_the_list_selection_with_the_card(make_window, qtbot):
    window = make_window()
    second = open_first_two(qtbot, window, "блокировка", "ss/finance/8")
    assert selected_hit_id(window) == second

    QTest.keyClick(window.search_box, Qt.Key.Key_Left, ALT)

    assert window.current.rule_id == "ss/finance/8"
    assert window.card.heading.text().endswith("п.8")
    assert selected_hit_id(window) == "ss/finance/8"
    QTest.keyClick(window.search_box, Qt.Key.Key_Right, ALT)
    assert selected_hit_id(window) == second == window.current.rule_id


def test_alt_left_to_a_rule_outside_the_results_leaves_no_row_highlighted(make_window, qtbot):
    window = make_window()
    window.open_anchor("sv/two-step/1")
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    QTest.keyClick(window.search_box, Qt.Key.Key_Return)
    assert selected_hit_id(window) == "ss/finance/3"

    QTest.keyClick(window.search_box, Qt.Key.Key_Left, ALT)

    assert window.current.rule_id == "sv/two-step/1"
    assert "СВ" in window.card.heading.text() and window.card.heading.text().endswith("п.1")
    assert selected_hit_id(window) is None  # СС п.3 is no longer highlighted
    assert window.article_view.selected_rule() == "sv/two-step/1"


def test_tab_shortcuts_keep_the_answer(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    for key in (Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_4, Qt.Key.Key_1):
        QTest.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
        assert window.current.rule_id == "ss/finance/3"
        assert window.card.heading.text().endswith("п.3")
    assert selected_hit_id(window) == "ss/finance/3"


# ---------------------------------------------------------------------- copy
def test_copy_confirms_at_the_card_and_keeps_focus_in_the_search_field(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    QTest.mouseClick(window.card.copy_button, Qt.MouseButton.LeftButton)

    assert QGuiApplication.clipboard().text().startswith("Для решения Вашего вопроса")
    assert window.search_box.hasFocus()
    assert window.card.toast.isVisible()
    assert "Фраза скопирована" in window.card.toast.text()
    qtbot.waitUntil(lambda: not window.card.toast.isVisible(), timeout=4000)

    window.results.view.setFocus()
    QTest.keyClick(window.results.view, Qt.Key.Key_C, COPY_KEYS)
    assert window.search_box.hasFocus() and window.card.toast.isVisible()
    type_text(window.search_box, " ")  # the agent goes on typing where they were
    assert window.search_box.text() == "роуминг "


# ---------------------------------------------------------------------- confidence
def test_a_weak_match_offers_candidates_instead_of_an_answer(make_window, qtbot, monkeypatch):
    window = make_window()
    make_weak(monkeypatch, window, {"не работает интернет"})
    type_text(window.search_box, "не работает интернет")
    wait_for_query(qtbot, window, "не работает интернет")

    card = window.card
    assert window.state.answer.kind == CANDIDATES
    assert "Точного совпадения нет" in card.heading.text()
    assert 2 <= len(card.candidate_buttons) <= 3
    assert all(b.isVisible() and b.badge.text() for b in card.candidate_buttons)
    assert card.phrase_text() == "" and not card.copy_button.isVisible()
    assert selected_hit_id(window) is None
    assert "Оформление претензий" not in window.article_view.toPlainText()
    assert len({b.hit.id for b in card.candidate_buttons}) == len(card.candidate_buttons)

    second = card.candidate_buttons[1].hit
    QTest.keyClick(window.search_box, Qt.Key.Key_2, ALT)

    assert window.state.answer.kind == ANSWER
    assert window.current.rule_id == second.id
    assert selected_hit_id(window) == second.id
    assert window.card.phrase_text() and window.card.heading.text().endswith(f"п.{second.number}")
    assert window.search_box.hasFocus()


def test_clicking_a_candidate_opens_it(make_window, qtbot, monkeypatch):
    window = make_window()
    make_weak(monkeypatch, window, {"не работает интернет"})
    type_text(window.search_box, "не работает интернет")
    wait_for_query(qtbot, window, "не работает интернет")
    first = window.card.candidate_buttons[0].hit

    QTest.mouseClick(window.card.candidate_buttons[0], Qt.MouseButton.LeftButton)

    assert window.current.rule_id == first.id
    assert window.article_view.selected_rule() == first.id
    assert window.nav.current().rule_id == first.id
    assert window.search_box.hasFocus()


def test_down_from_the_search_field_chooses_among_candidates(make_window, qtbot, monkeypatch):
    window = make_window()
    make_weak(monkeypatch, window, {"не работает интернет"})
    type_text(window.search_box, "не работает интернет")
    wait_for_query(qtbot, window, "не работает интернет")
    QTest.keyClick(window.search_box, Qt.Key.Key_Down)
    first = window.results.model.hit(0)
    assert window.state.answer.kind == ANSWER and window.current.rule_id == first.id


def test_an_ambiguous_match_shows_both_lines(make_window, qtbot):
    window = make_window()
    type_text(window.search_box, "претензия")  # СВ п.4 and СС claims п.1 fit about equally (confidence.py)
    wait_for_query(qtbot, window, "претензия")
    assert window.result.ambiguous
    lines = [b.hit.line for b in window.card.candidate_buttons]
    assert sorted(lines) == ["СВ", "СС"]
    assert "Подходят разные линии: СВ и СС" in window.card.heading.text()  # in rank order
    assert window.card.phrase_text() == ""  # no line is given as the answer
    assert selected_hit_id(window) is None


def test_a_real_weak_match_offers_the_index_candidates(make_window, qtbot):
    window = make_window()
    type_text(window.search_box, "претензия к блокировке")
    wait_for_query(qtbot, window, "претензия к блокировке")
    assert window.result.confidence == index_results.WEAK
    shown = [b.hit.id for b in window.card.candidate_buttons]
    assert shown == [h.id for h in window.result.candidates][: len(shown)] and len(shown) >= 2
    assert "Точного совпадения нет" in window.card.heading.text()


def test_a_result_without_computed_confidence_counts_as_sure():
    hit = index_results.Hit("a/s/1", "rule", "a", "A", "СС", "СС", "S", "s", 1, "t", "t", 1.0)
    assert answer_state.answer_for("q", SearchResult("q", hits=[hit])).kind == ANSWER
    weak = SearchResult("q", hits=[hit], confidence=index_results.WEAK)
    assert answer_state.answer_for("q", weak).kind == CANDIDATES
    assert answer_state.answer_for("q", SearchResult("q")).kind == NO_ANSWER


# ---------------------------------------------------------------------- what the card shows
def test_the_card_labels_the_phrase_and_the_specialists_greeting(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    card = window.card
    assert card.phrase_label.text() == "Фраза для перевода" and card.phrase_label.isVisible()
    assert card.greeting_label.text().startswith("Специалист скажет")
    assert "специалист экспертного направления" in card.greeting.toPlainText()
    assert card.phrase.font().pointSizeF() > card.greeting.font().pointSizeF()


def test_the_mnp_card_shows_the_transfer_queues(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "сменить оператора", expect_first="mnp/questions/1")
    assert window.card.queues.isVisible()
    text = window.card.queues.text()
    assert "700262" in text and "MNP_hot_line_ASIA" in text and "700125" in text


@pytest.mark.parametrize("anchor", ["sv", "sv/two-step"])
def test_an_article_or_section_node_has_no_dead_copy_button(make_window, anchor):
    window = make_window()
    window.open_anchor(anchor)
    card = window.card
    assert "Фраза не указана" not in card_text(window)
    assert card.copy_button.isVisible() == bool(card.phrase_text())
    if anchor == "sv":
        assert not card.copy_button.isVisible()
        assert "Выберите правило" in card.message.text()


def test_result_rows_name_intro_and_phrase_blocks_once(make_window, qtbot):
    from desktop_app.hit_delegate import row_snippet
    from desktop_app.hit_model import hit_heading

    window = make_window()
    search(qtbot, window, "дождитесь ответа")
    hits = window.results.model.hits()
    phrases = [h for h in hits if h.kind == "phrase"]
    assert phrases and all(hit_heading(h).endswith("· Фраза") for h in phrases)
    for hit in phrases:
        assert "используйте фразу" not in row_snippet(hit)
    window.set_query("очередь mnp")
    wait_for_query(qtbot, window, "очередь mnp")
    intros = [h for h in window.results.model.hits() if h.kind == "intro"]
    assert intros and all(hit_heading(h).endswith("· Вводный текст") for h in intros)


def test_copy_pressed_before_the_answer_arrives_copies_that_answer(make_window, qtbot):
    window = make_window()
    QGuiApplication.clipboard().setText("")
    window.session.search = lambda text: None  # the search is still running when the agent copies
    type_text(window.search_box, "роуминг")
    QTest.keyClick(window.search_box, Qt.Key.Key_C, COPY_KEYS)
    assert QGuiApplication.clipboard().text() == ""  # nothing the query did not produce

    window.state.set_result(window.session._ix.search("роуминг", limit=30))

    assert QGuiApplication.clipboard().text().startswith("Для решения Вашего вопроса")
    assert window.card.toast.isVisible()


def test_the_same_query_searched_again_keeps_the_agents_choice(make_window, qtbot):
    window = make_window()
    type_text(window.search_box, "претензия")
    wait_for_query(qtbot, window, "претензия")
    chosen = window.card.candidate_buttons[1].hit
    QTest.keyClick(window.search_box, Qt.Key.Key_2, ALT)
    before = window.result

    window.session.search("претензия")  # what a KB refresh does after re-reading files
    qtbot.waitUntil(lambda: window.result is not before)

    assert window.current.rule_id == chosen.id
    assert selected_hit_id(window) == chosen.id
    assert window.card.heading.text().endswith(f"п.{chosen.number}")


def test_candidates_shown_after_zooming_in_are_zoomed_too(make_window, qtbot):
    window = make_window()
    base = window.card.heading.font().pointSizeF()
    window.set_zoom(3)
    type_text(window.search_box, "претензия")
    wait_for_query(qtbot, window, "претензия")
    button = window.card.candidate_buttons[0]
    assert button.text.font().pointSizeF() == window.card.heading.font().pointSizeF() == base + 3


def test_enter_pressed_before_the_answer_arrives_opens_the_new_answer(make_window, qtbot):
    window = make_window()
    search(qtbot, window, "пог", expect_first="ss/finance/9")
    window.session.search = lambda text: None  # «сменить оператора»'s search is still running
    window.set_query("сменить оператора")
    QTest.keyClick(window.search_box, Qt.Key.Key_Return)
    assert window.nav.current() is None  # not the previous text's СС п.9

    window.state.set_result(window.session._ix.search("сменить оператора", limit=30))

    assert window.nav.current().rule_id == "mnp/questions/1" == window.current.rule_id
