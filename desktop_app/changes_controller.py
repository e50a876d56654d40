"""What changed in the KB since the agent last looked: marks in every pane, the «Что изменилось» view.

After every (re)load of the KB the snapshot, the comparison with what this seat has seen
(desktop_app/seen.py) and the freshness dates (kb/changes.py) are worked out off the GUI thread,
on one background thread that also does every write of the seen file, so they never overlap.
The outcome is one plain ``ChangesReport``; the panes are only handed its marks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QToolButton

from desktop_app.rule_marks import RuleMark, mark_for
from desktop_app.status import kb_folder_found
from desktop_app.wording import plural
from desktop_app.worker import BackgroundRunner

if TYPE_CHECKING:
    from desktop_app.changes_view import ChangesDialog
    from desktop_app.seen import SeenStore
    from kb.changes import RuleChange, RuleState
    from kb.manifest import Manifest
    from kb.model import Article, KnowledgeBase

log = logging.getLogger(__name__)

DAY_CHOICES = (3, 7, 14, 30, 90)
LINK_TEXT = "Изменено правил: {}"


@dataclass(frozen=True)
class ChangesReport:
    """Everything the window shows about changes, as of one load of the KB."""

    changes: tuple[RuleChange, ...] = ()  # added / changed unread, removed (kept for a while)
    marks: dict[str, RuleMark] = field(default_factory=dict)  # rule id -> mark (unread or recent)
    versions: dict[str, str] = field(default_factory=dict)  # article id -> «Версия 12 от 01.12.2026»
    unread: frozenset[str] = frozenset()  # ids of the changes the agent has not marked read
    removed_on: dict[str, date] = field(default_factory=dict)  # removed rule id -> day noticed gone
    html_marks: dict[str, tuple[str, str]] = field(default_factory=dict)  # as kb.render takes them

    def unread_count(self) -> int:
        return len(self.unread)


def version_text(version: str) -> str:
    """ "версия 12 от 01.12.2026" → "Версия 12 от 01.12.2026"; "от 22.11.2017" → "Редакция от 22.11.2017"."""
    if not version:
        return ""
    return f"Редакция {version}" if version.startswith("от ") else version[:1].upper() + version[1:]


def read_manifest_or_none(kb_dir: Path) -> Manifest | None:
    """The published manifest of the KB (kb/manifest.py), or None when there is none or it is unreadable."""
    from kb.manifest import read_manifest

    try:
        return read_manifest(kb_dir)
    except Exception:  # a damaged manifest must not cost the agent the marks of the seat itself
        log.warning("manifest of %s not readable", kb_dir, exc_info=True)
        return None


class SnapshotCache:
    """``kb.changes.snapshot`` that reuses an article's rule states while the loader hands back the
    same Article object (the load cache does for every file unchanged on disk): a reload after one
    edited file fingerprints that file's rules only (at 100k rules the whole snapshot takes ~2 s)."""

    def __init__(self) -> None:
        self._by_article: dict[str, tuple[Article, dict[str, RuleState]]] = {}

    def snapshot(self, kb: KnowledgeBase) -> dict[str, RuleState]:
        from kb.changes import rule_state

        kept: dict[str, tuple[Article, dict[str, RuleState]]] = {}
        out: dict[str, RuleState] = {}
        for article in kb.articles:
            cached = self._by_article.get(article.id)
            if cached is None or cached[0] is not article:
                states = {r.id: rule_state(article, sec, r) for sec in article.sections for r in sec.rules}
                cached = (article, states)
            kept[article.id] = cached
            out.update(cached[1])
        self._by_article = kept
        return out


def build_report(
    store: SeenStore,
    kb: KnowledgeBase,
    manifest: Manifest | None,
    days: int,
    today: date,
    snapshots: SnapshotCache | None = None,
) -> tuple[ChangesReport, dict[str, RuleState]]:
    """Compare the KB with what the seat has seen (runs in the background); saves the seen file."""
    from kb.changes import REMOVED, article_version, recent_changes, snapshot

    current = snapshots.snapshot(kb) if snapshots is not None else snapshot(kb)
    changes = tuple(store.changes(current, today))
    store.save()
    recent = recent_changes(current, manifest, store.changed_dates(), days, today) if days > 0 else {}
    marks = {}
    for rule_id in current:
        mark = mark_for(store.status(rule_id), store.changed_on(rule_id), recent.get(rule_id))
        if mark is not None:
            marks[rule_id] = mark
    removed_on = {c.id: store.removed_on(c.id) or today for c in changes if c.kind == REMOVED}
    unread = frozenset(c.id for c in changes if store.unread(c.id))
    versions = {a.id: version_text(article_version(a, manifest)) for a in kb.articles}
    html_marks = {rule_id: mark.render_pair() for rule_id, mark in marks.items()}
    return ChangesReport(changes, marks, versions, unread, removed_on, html_marks), current


class ChangesController(QObject):
    """Keeps the marks of the results, the contents and the article view, the status-bar link and
    the «Что изменилось» view true to the KB the window shows."""

    updated = Signal(object)  # ChangesReport: the panes show it

    def __init__(self, window: Any, today: Callable[[], date] = date.today) -> None:
        super().__init__(window)
        self.window = window
        self.today = today
        self.report = ChangesReport()
        self._runner = BackgroundRunner(threads=1, parent=self)
        self._store: SeenStore | None = None
        self._latest: dict[str, RuleState] = {}  # written and read on the background thread only
        self._snapshots = SnapshotCache()  # likewise
        self._kb: KnowledgeBase | None = None
        self._generation = 0
        self._closed = False  # the window closed: late results are dropped
        self.dialog: ChangesDialog | None = None
        self.link = self._make_link()
        self.days_menu = self._make_days_menu()
        window.installEventFilter(self)  # waits for a seen file being written when the window closes

    # ------------------------------------------------------------------ the window's hooks
    def set_kb(self, kb: KnowledgeBase, kb_dir: Path) -> None:
        """The KB was (re)loaded: compare it with what the seat has seen, in the background."""
        if self._closed or not kb_folder_found(kb):
            return  # a KB folder that cannot be read is not a KB whose every rule was removed
        self._kb = kb
        self._generation += 1
        generation, days, today = self._generation, self.days(), self.today()

        def work() -> tuple[ChangesReport, dict[str, RuleState]]:
            store = self._store_for(kb_dir)
            outcome = build_report(store, kb, read_manifest_or_none(kb_dir), days, today, self._snapshots)
            self._latest = outcome[1]  # the newest snapshot, for a mark-all-read queued after this
            return outcome

        self._runner.submit(
            work,
            on_done=lambda outcome: self._apply(generation, *outcome),
            on_error=lambda exc: log.warning("changes not worked out: %s", exc),
        )

    def mark_all_read(self) -> None:
        """«Отметить все как прочитанные»: the KB as it is now becomes what the agent has read."""
        if self._store is None or self._kb is None:
            return
        store, today = self._store, self.today()

        def work() -> None:  # on the one background thread, after any comparison under way
            store.mark_all_read(self._latest, today)
            store.save()

        self._runner.submit(work, on_done=lambda _none: self._recompute())
        self.window.status.note("Все изменения отмечены как прочитанные")

    def show_view(self) -> None:
        """Open (or raise) the «Что изменилось» view."""
        if self.dialog is None:
            from desktop_app.changes_view import ChangesDialog

            self.dialog = ChangesDialog(self.window)
            self.dialog.rule_requested.connect(self._open_rule)
            self.dialog.mark_all_requested.connect(self.mark_all_read)
        self.dialog.set_report(self.report)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()

    def days(self) -> int:
        return self.window.settings.recent_days()

    def set_days(self, days: int) -> None:
        self.window.settings.set_recent_days(days)
        self._check_days(days)
        self._recompute()

    def wait(self, msecs: int = -1) -> bool:
        """Block until the background work is done (window close, tests)."""
        return self._runner.wait(msecs)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self._closed = True
            self._generation += 1
            self.wait(5000)  # a seen file being written is finished
        return False

    # ------------------------------------------------------------------ internals
    def _store_for(self, kb_dir: Path) -> SeenStore:
        """The seen state of ``kb_dir`` (loaded on the background thread, once per KB folder)."""
        from desktop_app.seen import SeenStore

        if self._store is None or self._store.kb_dir != kb_dir:
            self._store = SeenStore.load(None, kb_dir)
        return self._store

    def _recompute(self) -> None:
        if self._kb is not None:
            self.set_kb(self._kb, self.window.kb_dir)

    def _apply(self, generation: int, report: ChangesReport, _current: dict[str, RuleState]) -> None:
        if generation != self._generation or not shiboken6.isValid(self):
            return  # a newer load of the KB is being compared, or the window is gone
        self.report = report
        w = self.window
        w.results.model.set_marks(report.marks)
        w.toc.set_marks(report.marks)
        w.article_view.set_change_marks(report.html_marks, report.versions)
        w.state.refresh()  # the article view draws the marks anew
        count = report.unread_count()
        self.link.setText(LINK_TEXT.format(count))
        self.link.setVisible(count > 0)
        if self.dialog is not None:
            self.dialog.set_report(report)
        self.updated.emit(report)

    def _open_rule(self, rule_id: str) -> None:
        self.window.open_anchor(rule_id)
        self.window.activateWindow()

    def _make_link(self) -> QToolButton:
        link = QToolButton()
        link.setObjectName("changesLink")
        link.setAutoRaise(True)
        link.setToolTip("Что изменилось в базе знаний с вашего последнего просмотра")
        link.setStyleSheet("QToolButton#changesLink { color: #c2410c; font-weight: bold; }")
        link.clicked.connect(self.show_view)
        link.hide()
        self.window.statusBar().insertPermanentWidget(0, link)
        return link

    def _make_days_menu(self) -> QMenu:
        """«Отмечать недавние изменения»: the freshness setting (desktop_app/settings.py)."""
        menu = QMenu("Отмечать недавние изменения", self.window)
        menu.setToolTipsVisible(True)
        group = QActionGroup(menu)
        days = sorted({*DAY_CHOICES, self.days()} - {0})
        choices = [(d, f"за {plural(d, 'день', 'дня', 'дней')}") for d in days] + [(0, "не отмечать")]
        for days, text in choices:
            action = QAction(text, menu, checkable=True)
            action.setData(days)
            action.triggered.connect(lambda _checked=False, d=days: self.set_days(d))
            group.addAction(action)
            menu.addAction(action)
        self._days_group = group
        self._check_days(self.days())
        return menu

    def _check_days(self, days: int) -> None:
        for action in self._days_group.actions():
            action.setChecked(action.data() == days)
