"""Every command of the window as a QAction with its shortcut, arranged in the menu bar."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

Key = QKeySequence.StandardKey


@dataclass
class Actions:
    open_kb: QAction
    import_procedure: QAction
    refresh_index: QAction
    load_errors: QAction
    quit: QAction
    copy_phrase: QAction
    copy_rule: QAction
    find: QAction
    clear_search: QAction
    zoom_in: QAction
    zoom_out: QAction
    zoom_reset: QAction
    show_results: QAction
    show_toc: QAction
    show_favourites: QAction
    show_history: QAction
    open_hit: QAction
    next_hit: QAction
    prev_hit: QAction
    back: QAction
    forward: QAction
    toggle_favourite: QAction
    clear_history: QAction
    remember_choices: QAction
    whats_changed: QAction
    shortcuts_help: QAction
    about: QAction
    choose: tuple[QAction, ...]  # Alt+1…3: the candidates of a not-sure answer


def _action(window: QMainWindow, text: str, *shortcuts: QKeySequence | str, tip: str = "") -> QAction:
    action = QAction(text, window)
    if shortcuts:
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
    action.setStatusTip(tip)
    if tip:
        action.setToolTip(tip)
    window.addAction(action)  # shortcuts work even when the menu bar is hidden
    return action


def _display_only(action: QAction) -> QAction:
    """A shortcut shown in the menu but handled by the focused widget (Enter, ↓, ↑)."""
    action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    return action


def create_actions(w: QMainWindow) -> Actions:
    return Actions(
        open_kb=_action(w, "Открыть папку базы знаний…", "Ctrl+O"),
        import_procedure=_action(w, "Импорт процедуры…", "Ctrl+I", tip="Импорт статей из .txt или .html"),
        refresh_index=_action(w, "Перечитать базу знаний", "F5"),
        load_errors=_action(w, "Ошибки загрузки…"),
        quit=_action(w, "Выход", "Ctrl+Q"),
        copy_phrase=_action(w, "Копировать фразу", "Ctrl+Shift+C", "Ctrl+Return", tip="Фраза для перевода"),
        copy_rule=_action(w, "Копировать текст правила", "Ctrl+Shift+R"),
        find=_action(w, "Найти", "Ctrl+F", "Ctrl+L", "F3", tip="Перейти в поле поиска (Ctrl+F, Ctrl+L, F3)"),
        clear_search=_action(w, "Очистить поиск", "Esc"),
        zoom_in=_action(w, "Крупнее", "Ctrl++", "Ctrl+="),
        zoom_out=_action(w, "Мельче", "Ctrl+-"),
        zoom_reset=_action(w, "Обычный размер", "Ctrl+0"),
        show_results=_action(w, "Результаты поиска", "Ctrl+1"),
        show_toc=_action(w, "Оглавление", "Ctrl+2"),
        show_favourites=_action(w, "Избранное", "Ctrl+3"),
        show_history=_action(w, "История", "Ctrl+4"),
        open_hit=_display_only(_action(w, "Открыть выбранный результат", "Return")),
        next_hit=_display_only(_action(w, "Следующий результат", "Down")),
        prev_hit=_display_only(_action(w, "Предыдущий результат", "Up")),
        back=_action(w, "Назад", "Alt+Left"),
        forward=_action(w, "Вперёд", "Alt+Right"),
        toggle_favourite=_action(w, "Добавить в избранное / убрать", "Ctrl+D"),
        clear_history=_action(
            w, "Очистить историю", tip="Недавние запросы, просмотренные правила и память выбора"
        ),
        remember_choices=_checkable(
            _action(w, "Запоминать выбор по запросам", tip="Поиск учится на правилах, открытых по запросам")
        ),
        whats_changed=_action(
            w, "Что изменилось…", tip="Новые, изменённые и удалённые правила с вашего последнего просмотра"
        ),
        shortcuts_help=_action(w, "Сочетания клавиш", "F1"),
        about=_action(w, "О программе"),
        choose=tuple(_action(w, f"Выбрать вариант {n}", f"Alt+{n}") for n in range(1, 4)),
    )


def _checkable(action: QAction) -> QAction:
    action.setCheckable(True)
    action.setChecked(True)
    return action


@dataclass
class Menus:
    view: QMenu
    favourites: QMenu
    recent_queries: QMenu
    recent_rules: QMenu


def build_menus(w: QMainWindow, a: Actions) -> Menus:
    bar = w.menuBar()
    file_menu = bar.addMenu("&Файл")
    file_menu.addActions([a.open_kb, a.import_procedure, a.refresh_index, a.load_errors])
    file_menu.addSeparator()
    file_menu.addAction(a.quit)
    edit = bar.addMenu("&Правка")
    edit.addActions([a.copy_phrase, a.copy_rule])
    edit.addSeparator()
    edit.addActions([a.find, a.clear_search])
    view = bar.addMenu("&Вид")
    view.addActions([a.zoom_in, a.zoom_out, a.zoom_reset])
    view.addSeparator()
    view.addActions([a.show_results, a.show_toc, a.show_favourites, a.show_history])
    view.addSeparator()
    view.addAction(a.whats_changed)  # «Отмечать недавние изменения» follows (changes_controller.py)
    go = bar.addMenu("П&ереход")
    go.addActions([a.open_hit, a.next_hit, a.prev_hit])
    go.addSeparator()
    go.addActions([a.back, a.forward])
    go.addSeparator()
    recent_queries = go.addMenu("Недавние запросы")
    recent_rules = go.addMenu("Просмотренные правила")
    go.addActions(list(a.choose))
    go.addSeparator()
    go.addAction(a.clear_history)
    go.addAction(a.remember_choices)
    favourites = bar.addMenu("&Избранное")
    help_menu = bar.addMenu("&Справка")
    help_menu.addActions([a.shortcuts_help, a.about])
    return Menus(view=view, favourites=favourites, recent_queries=recent_queries, recent_rules=recent_rules)


SHORTCUTS_HELP = [
    ("Ctrl+F, Ctrl+L, F3", "Перейти в поле поиска"),
    ("↓ / ↑, PgDn / PgUp", "Выбор результата прямо из поля поиска"),
    ("Enter", "Открыть выбранный результат (правило в статье)"),
    ("Alt+1 … Alt+3", "Выбрать вариант, когда точного совпадения нет"),
    ("Esc", "Очистить поиск (и карточку)"),
    ("Ctrl+Shift+C, Ctrl+Enter", "Копировать фразу для перевода (фокус остаётся в поле поиска)"),
    ("Ctrl+Shift+R", "Копировать текст правила"),
    ("Alt+← / Alt+→", "Назад / вперёд по просмотренным правилам"),
    ("Ctrl+D", "Добавить правило в избранное / убрать"),
    ("Ctrl+1 … Ctrl+4", "Результаты, оглавление, избранное, история"),
    ("Ctrl+плюс / Ctrl+минус / Ctrl+0", "Крупнее / мельче / обычный размер"),
    ("F5", "Перечитать базу знаний"),
    ("Ctrl+O", "Открыть папку базы знаний"),
    ("Ctrl+I", "Импорт процедуры"),
    ("Ctrl+Q", "Выход"),
    ("F1", "Эта справка"),
]

BADGES_HELP = [
    ("СС", "Старшие специалисты"),
    ("СВ · 1 шаг", "Супервизоры, перевод в один шаг"),
    ("СВ · 2 шага", "Супервизоры, перевод в два шага: сначала фраза об уточнении информации"),
    ("MNP", "Линия переноса номера (очереди — в карточке)"),
]

NOTES_HELP = [
    ("Раскладка исправлена: …", "Запрос набран в английской раскладке; показаны результаты для русских букв"),
    ("Возможно, вы имели в виду: …", "В запросе, похоже, опечатка; щелчок ищет исправленное слово"),
    ("Точного совпадения нет", "Поиск не уверен: выберите один из вариантов в карточке (Alt+1…3)"),
    ("Подходят разные линии: …", "Правила разных линий подходят одинаково: уточните у клиента и выберите"),
    ("Нет ответа по запросу …", "Ничего не найдено: уточните у клиента или смотрите оглавление"),
    ("новое / изменено 01.12", "Правило добавлено или изменено с вашего просмотра («Вид → Что изменилось…»)"),
    ("изменено 01.12 в рамке", "Изменение просмотрено, но недавнее («Вид → Отмечать недавние изменения»)"),
]
