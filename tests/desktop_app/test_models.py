"""Units without the real index: the hit model, the search session's stale-result dropping, history."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QModelIndex, Qt

from desktop_app.hit_model import HIT_ROLE, RULE_ID_ROLE, HitListModel
from desktop_app.index_session import IndexSession
from desktop_app.navigation import NavHistory, Target
from desktop_app.settings import AppSettings


@dataclass
class FakeHit:
    id: str = "ss/finance/3"
    kind: str = "rule"
    article: str = "ss"
    article_title: str = "Перевод"
    line: str = "СС"
    line_label: str = "СС"
    section: str = "Финансовые вопросы"
    section_id: str = "finance"
    number: int | None = 3
    text: str = "Неверная тарификация"
    snippet: str = "Неверная <b>тарификация</b>"
    score: float = 1.0


@dataclass
class FakeResult:
    query: str
    hits: list = field(default_factory=list)
    corrected: str | None = None
    terms: tuple = ()
    layout_converted: bool = False


class SlowIndex:
    """Searches take longer for shorter queries, so an old query finishes after a newer one starts."""

    kb = None
    rebuilt_reason = None

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.lock = threading.Lock()

    def search(self, query: str, limit: int = 20) -> FakeResult:
        with self.lock:
            self.queries.append(query)
        time.sleep(0.2 if len(query) < 3 else 0.01)
        return FakeResult(query, [FakeHit(text=query)])

    def close(self) -> None:
        pass


def test_hit_model_roles(qtbot):
    model = HitListModel()
    model.set_hits([FakeHit(), FakeHit(id="ss/finance/4", number=4)])
    index = model.index(0, 0)
    assert model.rowCount() == 2
    assert index.data(Qt.ItemDataRole.DisplayRole).startswith("СС · Финансовые вопросы · п.3")
    assert index.data(HIT_ROLE).id == "ss/finance/3"
    assert index.data(RULE_ID_ROLE) == "ss/finance/3"
    assert model.index(5, 0).data() is None


def test_search_session_drops_stale_results(qtbot, tmp_path):
    session = IndexSession(tmp_path, None)
    index = SlowIndex()
    with qtbot.waitSignal(session.opened):
        session.open(opener=lambda kb_dir, index_dir, progress: index)
    shown: list[str] = []
    session.results.connect(lambda r: shown.append(r.query if r else ""))
    for query in ("р", "ро", "роу", "роум"):  # typed faster than the first search answers
        session.search(query)
    qtbot.waitUntil(lambda: bool(shown) and shown[-1] == "роум", timeout=5000)
    session.wait()
    qtbot.wait(50)
    assert shown == ["роум"]
    assert index.queries[0] == "р" and index.queries[-1] == "роум"
    assert "ро" not in index.queries  # coalesced: only the newest waiting query runs
    assert session.dropped == 1
    session.close()


def test_search_session_empty_query_clears_at_once(qtbot, tmp_path):
    session = IndexSession(tmp_path, None)
    with qtbot.waitSignal(session.opened):
        session.open(opener=lambda kb_dir, index_dir, progress: SlowIndex())
    shown: list[object] = []
    session.results.connect(shown.append)
    session.search("р")
    session.search("")
    session.wait()
    qtbot.wait(50)
    assert shown == [None]
    session.close()


def test_nav_history_back_and_forward():
    nav = NavHistory()
    a, b, c = (Target("ss", f"ss/finance/{n}", f"ss/finance/{n}") for n in (1, 2, 3))
    nav.visit(a)
    nav.visit(b)
    assert nav.back() == a and nav.back() is None
    nav.visit(c)  # a new visit drops the forward branch
    assert not nav.can_forward()
    assert nav.back() == a and nav.forward() == c


def test_settings_lists_round_trip(tmp_path):
    settings = AppSettings(tmp_path / "s.ini")
    settings.add_recent_query("роуминг")
    settings.add_recent_query("блокировка")
    settings.add_recent_query("роуминг")
    assert settings.toggle_favourite("ss/finance/3") is True
    settings.sync()
    again = AppSettings(tmp_path / "s.ini")
    assert again.recent_queries() == ["роуминг", "блокировка"]
    assert again.favourites() == ["ss/finance/3"]
    assert again.toggle_favourite("ss/finance/3") is False
    assert again.favourites() == []


def test_plural_agrees_and_sets_thousands_apart():
    from desktop_app.wording import plural

    forms = ("правило", "правила", "правил")
    assert [plural(n, *forms) for n in (1, 2, 5, 11, 21, 112, 1004)] == [
        "1 правило",
        "2 правила",
        "5 правил",
        "11 правил",
        "21 правило",
        "112 правил",
        "1004 правила",
    ]
    assert plural(100_000, *forms) == "100\u00a0000 правил"
    assert plural(2_501_021, *forms) == "2\u00a0501\u00a0021 правило"


def test_status_bar_counts_articles_then_says_the_index_is_being_written(qtbot):
    from PySide6.QtWidgets import QStatusBar

    from desktop_app.status import StatusArea

    bar = QStatusBar()
    qtbot.addWidget(bar)
    status = StatusArea(bar)
    status.done("База знаний: 3 статьи, 67 правил")
    status.busy("Открываю базу знаний…")
    status.progress(1_500, 25_100)
    assert status.summary.text() == "Индексирую статьи: 1500 из 25\u00a0100"
    assert (status.progress_bar.maximum(), status.progress_bar.value()) == (25_100, 1_500)
    status.progress(25_100, 25_100)  # all articles in; the writers still finish the index
    assert status.summary.text() == "Сохраняю поисковый индекс…"
    assert status.progress_bar.maximum() == 0 and not status.progress_bar.isHidden()
    status.finished()  # a refresh is over: back to the summary
    assert status.summary.text() == "База знаний: 3 статьи, 67 правил"
    assert status.progress_bar.isHidden()


def test_contents_model_passes_qts_model_tester_and_finds_every_anchor(qtbot):
    from PySide6.QtTest import QAbstractItemModelTester

    from desktop_app.toc import ANCHOR_ROLE, TocModel
    from kb.loader import load_kb
    from kb.paths import bundled_kb_dir

    kb = load_kb(bundled_kb_dir())
    model = TocModel()
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.set_kb(kb)
    anchors = [a.id for a in kb.articles]
    anchors += [f"{a.id}/{s.id}" for a in kb.articles for s in a.sections]
    anchors += [r.id for r in kb.rules]
    for anchor in anchors:
        index = model.find(anchor)
        assert index.data(ANCHOR_ROLE) == anchor
        assert model.parent(index) == (
            model.find(anchor.rpartition("/")[0]) if "/" in anchor else QModelIndex()
        )
    assert model.find("ss/finance/3").data().startswith("3. Неверная тарификация")
    assert model.find("ss/finance/3").data(Qt.ItemDataRole.ToolTipRole).startswith("Неверная тарификация")
    assert not model.find("ss/finance/999").isValid() and not model.find("nope").isValid()
    model.set_kb(load_kb(bundled_kb_dir()))  # a reload resets cleanly under the tester
    assert model.rowCount() == 3
