"""The main window: glue between the search session, the results, the card and the article view."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QGuiApplication
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter, QTabWidget, QVBoxLayout, QWidget

from desktop_app.actions import Actions, Menus, build_menus, create_actions
from desktop_app.answer_card import FONT_SCALE, AnswerCard
from desktop_app.answer_log import OPEN, AnswerLog
from desktop_app.answer_state import CANDIDATES, NO_ANSWER, AnswerState
from desktop_app.answer_view import AnswerPresenter
from desktop_app.article_view import ArticleView
from desktop_app.changes_controller import ChangesController
from desktop_app.copy_commands import CopyCommands, focus_keeper
from desktop_app.history_panel import HistoryPanel
from desktop_app.index_session import IndexSession
from desktop_app.kb_watcher import KbWatcher
from desktop_app.navigation import NavHistory, Target, target_for_anchor
from desktop_app.results_panel import ResultsPanel, SearchBox
from desktop_app.rule_list import RuleList
from desktop_app.settings import ZOOM_RANGE, AppSettings
from desktop_app.status import StatusArea, describe_error, file_errors, kb_folder_found
from desktop_app.toc import TocView
from desktop_app.window_setup import (
    first_start_size,
    query_memory,
    remember_choices,
    set_remember_choices,
    short_path,
)
from desktop_app.wording import plural

if TYPE_CHECKING:
    from index import Hit, SearchResult
    from kb.model import KnowledgeBase

log = logging.getLogger(__name__)

# Qt adds the application's display name («База знаний») to a title that does not already end with it
WINDOW_TITLE = "kb-browser — База знаний"
TAB_RESULTS, TAB_TOC, TAB_FAVOURITES, TAB_HISTORY = range(4)
LEFT_MIN_WIDTH = 320  # and never narrower than its four tabs


class MainWindow(QMainWindow):
    ready = Signal()  # the index is open: searching works

    def __init__(self, kb_dir: Path, index_dir: Path | None, settings: AppSettings) -> None:
        super().__init__()
        self.setWindowTitle(WINDOW_TITLE)
        self.kb_dir, self.index_dir, self.settings = kb_dir, index_dir, settings
        self.kb: KnowledgeBase | None = None
        self.state = AnswerState(self)
        self.nav = NavHistory()
        self.watcher: KbWatcher | None = None
        self._build_widgets()
        self.presenter = AnswerPresenter(
            self.state,
            self.results,
            self.card,
            self.article_view,
            self.toc,
            lambda: self.kb,
            self.settings.favourites,
            self,
        )
        self.answer_log = AnswerLog(self.state, settings, self._update_history, query_memory(settings), self)
        self.copying = CopyCommands(
            self.state,
            lambda: self.kb,
            self.card,
            self.status,
            self.answer_log,
            focus_keeper(self.search_box),
            self,
        )
        self.actions_: Actions = create_actions(self)
        self.menus: Menus = build_menus(self, self.actions_)
        self.actions_.remember_choices.setChecked(remember_choices(settings))
        self.actions_.remember_choices.setEnabled(self.answer_log.memory is not None)
        self.changes = ChangesController(self)  # «новое» / «изменено» marks, «Что изменилось»
        self.menus.view.addMenu(self.changes.days_menu)
        self._connect()
        self._restore_state()
        self.session = self._start_session(kb_dir)
        QTimer.singleShot(0, self.search_box.setFocus)

    # ------------------------------------------------------------------ construction
    def _build_widgets(self) -> None:
        self.search_box = SearchBox()
        self.search_box.setAccessibleName("Поиск по базе знаний")
        self.results = ResultsPanel()
        self.results.search_box = self.search_box
        self.toc = TocView()
        self.favourites = RuleList("Нет избранных правил. Ctrl+D добавляет открытое правило.")
        self.history = HistoryPanel()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("sideTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setUsesScrollButtons(False)  # all four tabs in sight: the column is never narrower
        tabs = (
            (self.results, "Результаты"),
            (self.toc, "Оглавление"),
            (self.favourites, "Избранное"),
            (self.history, "История"),
        )
        for widget, title in tabs:
            self.tabs.addTab(widget, title)
        left = _column((8, 8, 4, 4), self.search_box, self.tabs)
        self.card = AnswerCard()
        self.card.setAccessibleName("Ответ: линия и фраза для перевода")
        self.article_view = ArticleView()
        self.article_view.setAccessibleName("Статья")
        self.results.view.setAccessibleName("Результаты поиска")
        right = _column((4, 8, 8, 4), self.card, self.article_view)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        self._left = left
        right.setMinimumWidth(420)
        self.setCentralWidget(self.splitter)
        self.status = StatusArea(self.statusBar(), self)

    def _connect(self) -> None:
        a = self.actions_
        self.search_box.textEdited.connect(self._on_query_edited)
        self.search_box.navigate.connect(self.results.forward_key)
        self.search_box.open_requested.connect(self.open_selected)
        self.results.current_changed.connect(self.state.choose_hit)
        self.results.activated.connect(self.open_hit)
        self.card.candidate_chosen.connect(self.open_hit)
        for number, action in enumerate(a.choose, start=1):
            action.triggered.connect(lambda _checked=False, n=number: self.choose_candidate(n))
        self.state.changed.connect(lambda _answer: self._update_nav_actions())
        self.results.suggestion_clicked.connect(self.set_query)
        for source in (self.toc, self.favourites, self.history):
            source.anchor_activated.connect(self.open_anchor)
        self.history.query_activated.connect(self.set_query)
        self.article_view.anchor_requested.connect(self.open_anchor)
        self.article_view.link_refused.connect(
            lambda url: self.status.note(f"Ссылка не открыта (небезопасная): {url[:80]}")
        )
        self.article_view.external_opened.connect(lambda url: self.status.note(f"Открыто в браузере: {url}"))
        self.card.copy_requested.connect(self.copy_phrase)
        self.card.favourite_toggled.connect(self.toggle_favourite)
        self.status.errors_clicked.connect(self.show_load_errors)
        triggers = {
            a.open_kb: self.choose_kb_dir,
            a.import_procedure: self.import_procedure,
            a.refresh_index: self.refresh_kb,
            a.load_errors: self.show_load_errors,
            a.quit: self.close,
            a.copy_phrase: self.copy_phrase,
            a.copy_rule: self.copy_rule,
            a.find: self.focus_search,
            a.clear_search: self.clear_search,
            a.zoom_in: lambda: self.set_zoom(self.settings.zoom() + 1),
            a.zoom_out: lambda: self.set_zoom(self.settings.zoom() - 1),
            a.zoom_reset: lambda: self.set_zoom(0),
            a.show_results: lambda: self.tabs.setCurrentIndex(TAB_RESULTS),
            a.show_toc: lambda: self._focus_tab(TAB_TOC),
            a.show_favourites: lambda: self._focus_tab(TAB_FAVOURITES),
            a.show_history: lambda: self._focus_tab(TAB_HISTORY),
            a.open_hit: self.open_selected,
            a.next_hit: lambda: self.results.select_row(self.results.view.currentIndex().row() + 1),
            a.prev_hit: lambda: self.results.select_row(self.results.view.currentIndex().row() - 1),
            a.back: self.go_back,
            a.forward: self.go_forward,
            a.toggle_favourite: self.toggle_favourite,
            a.clear_history: self.clear_history,
            a.remember_choices: self.set_remember_choices,
            a.whats_changed: self.changes.show_view,
            a.shortcuts_help: self.show_shortcuts,
            a.about: self.show_about,
        }
        for action, slot in triggers.items():
            action.triggered.connect(slot)
        self.menus.favourites.aboutToShow.connect(self._fill_favourites_menu)
        self.menus.recent_queries.aboutToShow.connect(self._fill_recent_queries_menu)
        self.menus.recent_rules.aboutToShow.connect(self._fill_recent_rules_menu)
        self._update_nav_actions()

    def _start_session(self, kb_dir: Path) -> IndexSession:
        session = IndexSession(kb_dir, self.index_dir, self)
        session.opened.connect(self._on_opened)
        session.open_failed.connect(self._on_open_failed)
        session.progress.connect(self.status.progress)
        session.results.connect(self._on_results)
        session.refreshed.connect(self._on_refreshed)
        session.failed.connect(self.status.note)
        session.failed.connect(lambda _message: self.status.finished())  # a refresh that failed
        session.set_memory(self.answer_log.memory)
        self.status.busy("Открываю базу знаний…")
        session.open()
        return session

    # ------------------------------------------------------------------ index events
    def _on_opened(self, kb: KnowledgeBase) -> None:
        self._set_kb(kb)
        articles = plural(len(kb.articles), "статья", "статьи", "статей")
        rules = plural(len(kb.rules), "правило", "правила", "правил")
        summary = f"База знаний: {articles}, {rules}" if kb_folder_found(kb) else "База знаний недоступна"
        self.status.done(f"{summary} — {short_path(self.kb_dir)}", str(self.kb_dir))
        notes = (
            [f"Индекс перестроен: {self.session.rebuilt_reason()}"] if self.session.rebuilt_reason() else []
        )
        if file_errors(kb):
            notes.append(f"Файл не загружен — {describe_error(file_errors(kb)[0])}")
        notes += [describe_error(n) for n in kb.notices[:1]]
        if notes:
            self.status.note("; ".join(notes))
        if self.watcher is None:
            self.watcher = KbWatcher(self.kb_dir, self)
            self.watcher.changed.connect(self.refresh_kb)
        self.ready.emit()

    def _on_open_failed(self, message: str) -> None:
        from desktop_app.errors import show_error

        self.status.done("Не удалось открыть базу знаний")
        show_error(self, "Ошибка базы знаний", f"Не удалось открыть базу знаний {self.kb_dir}.", message)

    def _on_refreshed(self, report, kb: KnowledgeBase) -> None:
        self.status.finished()
        self._set_kb(kb)
        self.state.refresh()
        changed = len(report.added) + len(report.changed) + len(report.removed)
        errors = file_errors(kb)
        if not changed and not errors:
            return  # nothing the agent needs to hear about
        verb = "изменена" if changed % 10 == 1 and changed % 100 != 11 else "изменено"
        note = f"База знаний обновлена: {verb} {plural(changed, 'статья', 'статьи', 'статей')}"
        if errors:
            note += f"; не загружено: {describe_error(errors[0])}"
            if len(errors) > 1:
                note += f" и ещё {len(errors) - 1}"
        note += "".join(f"; {describe_error(n)}" for n in kb.notices[:1])
        self.status.note(note)

    def _set_kb(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.toc.set_kb(kb)
        self.favourites.set_rules(kb, self.settings.favourites())
        self._update_history()
        self.status.set_errors(file_errors(kb), list(kb.notices))
        self.changes.set_kb(kb, self.kb_dir)

    # ------------------------------------------------------------------ search
    @property
    def result(self) -> SearchResult | None:
        """The current query's search result (None while there is none)."""
        return self.state.answer.result

    @property
    def current(self) -> Target | None:
        """What the card and the article view show."""
        return self.state.answer.target

    def _on_query_edited(self, text: str) -> None:
        if self.tabs.currentIndex() != TAB_RESULTS:
            self.tabs.setCurrentIndex(TAB_RESULTS)
        self.state.set_query(text)
        self.session.search(text)

    def set_query(self, text: str) -> None:
        self.search_box.setText(text)
        self.search_box.setFocus()
        self._on_query_edited(text)

    def _on_results(self, result: SearchResult | None) -> None:
        self.state.set_result(result)

    def open_selected(self) -> None:
        """Enter: open the selected hit; with none selected, the first candidate or the answer."""
        self.state.when_answered(self._open_selected)

    def _open_selected(self) -> None:
        answer = self.state.answer
        hit = self.results.current_hit() or (answer.candidates[0] if answer.candidates else answer.hit)
        if hit is not None:
            self.open_hit(hit)
        elif answer.kind == NO_ANSWER:
            self.answer_log.missed(answer)

    def open_hit(self, hit: Hit) -> None:
        if self.state.choose_hit(hit):
            self._opened(self.state.answer.target)

    def choose_candidate(self, number: int) -> None:
        candidates = self.state.answer.candidates if self.state.answer.kind == CANDIDATES else ()
        if 0 < number <= len(candidates):
            self.open_hit(candidates[number - 1])

    def open_anchor(self, anchor: str) -> None:
        target = target_for_anchor(self.kb, anchor) if self.kb is not None else None
        if target is None:
            self.status.note(f"Нет такого правила или раздела: {anchor}")
            return
        self.state.browse(target)
        self._opened(target)

    def _opened(self, target: Target | None) -> None:
        """The agent opened ``target`` on purpose: back/forward and the history know it."""
        if target is None:
            return
        self.nav.visit(target)
        self.answer_log.used(self.state.answer, OPEN)
        self._update_nav_actions()

    def _update_history(self) -> None:
        self.history.set_history(self.kb, self.settings.recent_queries(), self.settings.recent_rules())

    def go_back(self) -> None:
        target = self.nav.back()
        if target is not None:
            self.state.browse(target)

    def go_forward(self) -> None:
        target = self.nav.forward()
        if target is not None:
            self.state.browse(target)

    def _update_nav_actions(self) -> None:
        self.actions_.back.setEnabled(self.nav.can_back())
        self.actions_.forward.setEnabled(self.nav.can_forward())

    # ------------------------------------------------------------------ commands
    def copy_phrase(self) -> None:
        self.copying.copy_phrase()

    def copy_rule(self) -> None:
        self.copying.copy_rule()

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(TAB_RESULTS)
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def clear_search(self) -> None:
        self.search_box.clear()
        self.state.set_query("")
        self.session.search("")
        self.focus_search()

    def _focus_tab(self, tab: int) -> None:
        self.tabs.setCurrentIndex(tab)
        self.tabs.currentWidget().setFocus()

    def set_zoom(self, steps: int) -> None:
        steps = max(ZOOM_RANGE[0], min(ZOOM_RANGE[1], steps))
        self.settings.set_zoom(steps)
        self._apply_zoom(steps)

    def _apply_zoom(self, steps: int) -> None:
        font = QFont(QGuiApplication.font())
        font.setPointSizeF(max(6.0, font.pointSizeF() + steps))
        # set on each content widget: with an app style sheet, fonts do not propagate to children
        for root in (self.tabs, self.card, self.article_view):
            for widget in (root, *root.findChildren(QWidget)):
                scale = widget.property(FONT_SCALE)
                if scale:
                    scaled = QFont(font)
                    scaled.setPointSizeF(font.pointSizeF() * float(scale))
                    widget.setFont(scaled)
                else:
                    widget.setFont(font)
        self.article_view.document().setDefaultFont(font)
        self.results.view.doItemsLayout()
        self._left.setMinimumWidth(max(LEFT_MIN_WIDTH, self.tabs.tabBar().sizeHint().width() + 16))

    def toggle_favourite(self) -> None:
        rule_id = self.current.rule_id if self.current and self.state.answer.shows_rule else None
        if not rule_id:
            self.status.note("Откройте правило, чтобы добавить его в избранное")
            return
        pinned = self.settings.toggle_favourite(rule_id)
        self.card.set_pinned(pinned)
        self.favourites.set_rules(self.kb, self.settings.favourites())
        self.status.note("Добавлено в избранное" if pinned else "Убрано из избранного")

    def clear_history(self) -> None:
        self.answer_log.forget()
        self.status.note("История очищена")

    def set_remember_choices(self, on: bool) -> None:
        memory = self.answer_log.memory
        if memory is not None:
            memory.enabled = on
        set_remember_choices(self.settings, on)

    def refresh_kb(self) -> None:
        self.session.refresh()

    # ------------------------------------------------------------------ menus filled on demand
    def _fill_favourites_menu(self) -> None:
        menu = self.menus.favourites
        menu.clear()
        menu.addAction(self.actions_.toggle_favourite)
        menu.addSeparator()
        self._add_rule_entries(menu, self.settings.favourites())

    def _fill_recent_queries_menu(self) -> None:
        self.menus.recent_queries.clear()
        queries = self.settings.recent_queries()
        _add_entries(self.menus.recent_queries, [(q, lambda q=q: self.set_query(q)) for q in queries])

    def _fill_recent_rules_menu(self) -> None:
        self.menus.recent_rules.clear()
        self._add_rule_entries(self.menus.recent_rules, self.settings.recent_rules())

    def _add_rule_entries(self, menu, rule_ids: list[str]) -> None:
        from desktop_app.rule_list import rule_label

        entries = [(rule_label(self.kb, r, 50), lambda r=r: self.open_anchor(r)) for r in rule_ids]
        _add_entries(menu, entries)

    # ------------------------------------------------------------------ dialogs (kept in dialogs.py)
    def choose_kb_dir(self) -> None:
        from desktop_app.dialogs import choose_kb_dir

        path = choose_kb_dir(self, self.kb_dir)
        if path is not None and path != self.kb_dir:
            self.switch_kb(path)

    def switch_kb(self, path: Path) -> None:
        self.settings.set_kb_dir(path)
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher.deleteLater()
            self.watcher = None
        self.session.close()
        self.kb_dir = path
        self.session = self._start_session(path)
        self.session.search(self.search_box.text())

    def import_procedure(self) -> None:
        from desktop_app.dialogs import run_import

        run_import(self, self.kb_dir)

    def show_load_errors(self) -> None:
        from desktop_app.dialogs import show_load_errors

        kb = self.kb
        show_load_errors(self, list(kb.errors) if kb else [], list(kb.notices) if kb else [])

    def show_shortcuts(self) -> None:
        from desktop_app.dialogs import show_shortcuts

        show_shortcuts(self)

    def show_about(self) -> None:
        from desktop_app.dialogs import show_about

        show_about(self)

    # ------------------------------------------------------------------ state
    def _restore_state(self) -> None:
        geometry = self.settings.blob("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self._first_start_geometry()
        splitter = self.settings.blob("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        else:
            width = self.width()
            self.splitter.setSizes([int(width * 0.38), int(width * 0.62)])
        self._apply_zoom(self.settings.zoom())

    def _first_start_geometry(self) -> None:
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is None or screen.width() <= 0:
            self.resize(1280, 760)
            return
        size = first_start_size(screen.size())
        self.resize(size)
        self.move(screen.center() - self.rect().center())

    def save_state(self) -> None:
        self.settings.set_blob("geometry", self.saveGeometry())
        self.settings.set_blob("splitter", self.splitter.saveState())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        if self.watcher is not None:
            self.watcher.stop()
        # Waiting for background work (a first index build at 100k rules takes half a minute) must
        # not leave a frozen window on screen: it goes now, the work finishes, then the app exits.
        self.hide()
        QApplication.processEvents()
        import_runner = getattr(self, "_import_runner", None)
        if import_runner is not None:
            import_runner.wait()
        self.session.close()
        super().closeEvent(event)


def _column(margins: tuple[int, int, int, int], top: QWidget, body: QWidget) -> QWidget:
    """One side of the window: a fixed-height widget above one that takes the rest."""
    column = QWidget()
    layout = QVBoxLayout(column)
    layout.setContentsMargins(*margins)
    layout.setSpacing(6)
    layout.addWidget(top)
    layout.addWidget(body, 1)
    return column


def _add_entries(menu, entries: list) -> None:
    """Menu entries (text, slot), or a disabled «(пусто)» when there are none."""
    for text, slot in entries:
        menu.addAction(text, slot)
    if not entries:
        menu.addAction("(пусто)").setEnabled(False)
