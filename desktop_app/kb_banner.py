"""The strip above the window's content that says which knowledge base is open when it matters.

Two cases, both non-modal:

- the bundled demo KB is open because nothing was configured: it says so and offers
  «Открыть папку базы знаний…»;
- the configured KB folder cannot be reached (network drive not mapped yet, VPN down): a warning
  with «Повторить»; it also looks again by itself every ``RETRY_MS`` and reloads the KB once the
  folder is back. The demo KB is never opened in its place, so no answer comes from the wrong KB.

Reachability is probed off the GUI thread (a dead share can take half a minute to answer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QToolBar,
    QToolButton,
    QWidget,
)

from desktop_app.deployment import KbChoice
from desktop_app.worker import BackgroundRunner

log = logging.getLogger(__name__)

RETRY_MS = 30_000
OPEN_FOLDER = "Открыть папку базы знаний…"
RETRY = "Повторить"
DEMO_TEXT = "Открыта демонстрационная база знаний (только для чтения). Откройте папку своей базы знаний."
STYLES = {
    "demo": "QFrame#kbBanner { background: #e8f1fb; border-bottom: 1px solid #b5cde8; }",
    "warning": "QFrame#kbBanner { background: #fff4ce; border-bottom: 1px solid #e0c36a; }",
}


def kb_reachable(path: Path) -> bool:
    """Can the KB folder be listed now? (Blocks on a dead share: call it off the GUI thread.)"""
    return path.is_dir()


def unreachable_text(path: Path, has_articles: bool) -> str:
    text = f"⚠ Нет доступа к папке базы знаний {path} — проверьте сетевой диск или VPN."
    text += f" Повторная попытка каждые {RETRY_MS // 1000} с."
    if has_articles:
        text += " Поиск — по последней прочитанной версии."
    return text


class KbBanner(QFrame):
    """The strip itself: a message and up to three buttons; hidden when there is nothing to say."""

    retry_clicked = Signal()
    open_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kbBanner")
        self.setAccessibleName("Состояние базы знаний")
        self.kind = ""
        self.label = QLabel()
        self.label.setObjectName("kbBannerText")
        # never widens the window: the text wraps (at half-screen the advice would be cut otherwise)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.label.setWordWrap(True)
        # a tool bar grants a wrapping label all the height it asks for before it knows the width
        self.setMaximumHeight(2 * self.label.fontMetrics().lineSpacing() + 14)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton(RETRY)
        self.retry_button.clicked.connect(self.retry_clicked)
        self.open_button = QPushButton(OPEN_FOLDER)
        self.open_button.clicked.connect(self.open_clicked)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Скрыть")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 3, 6, 3)
        layout.addWidget(self.label, 1)
        for button in (self.retry_button, self.open_button, self.close_button):
            layout.addWidget(button)
        self.dismissed = False
        self.bar: QToolBar | None = None  # the tool bar holding the banner, once attached
        self.setVisible(False)

    def show_demo(self) -> None:
        self._show("demo", DEMO_TEXT, retry=False, closable=True)

    def show_unreachable(self, path: Path, has_articles: bool) -> None:
        self._show("warning", unreachable_text(path, has_articles), retry=True, closable=False)

    def set_checking(self, checking: bool) -> None:
        self.retry_button.setEnabled(not checking)
        self.retry_button.setText("Проверяю…" if checking else RETRY)

    def dismiss(self) -> None:
        self.dismissed = True
        self.reveal(False)

    def reveal(self, visible: bool) -> None:
        """Show or hide the banner with the tool bar that holds it (a tool bar's widget is shown
        and hidden through its action, not its own setVisible)."""
        if self.bar is None:
            self.setVisible(visible)
            return
        self.bar.actions()[0].setVisible(visible)
        self.bar.setVisible(visible)

    def _show(self, kind: str, text: str, retry: bool, closable: bool) -> None:
        if kind != self.kind:
            self.kind = kind
            self.setStyleSheet(STYLES[kind])
        self.label.setText(text)
        self.label.setToolTip(text)
        self.retry_button.setVisible(retry)
        self.close_button.setVisible(closable)
        self.reveal(True)


def attach_banner(window: QMainWindow, banner: QWidget) -> QToolBar:
    """Put ``banner`` above the window's content, on a fixed tool bar of its own: the window's own
    widgets are not touched (reparenting them would drop their zoomed fonts). Returns the bar,
    which is shown and hidden with the banner."""
    bar = QToolBar("Состояние базы знаний", window)
    bar.setObjectName("kbBannerBar")
    bar.setMovable(False)
    bar.setFloatable(False)
    bar.toggleViewAction().setVisible(False)  # not in the window's tool bar context menu
    bar.setStyleSheet("QToolBar#kbBannerBar { border: none; padding: 0; spacing: 0; }")
    banner.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    visible = not banner.isHidden()
    banner.setVisible(True)  # from now on the bar's action shows and hides it
    bar.addWidget(banner).setVisible(visible)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    bar.setVisible(visible)
    return bar


class KbAvailability(QObject):
    """Keeps the banner true to the window's KB: demo, unreachable, or nothing to say.

    Follows the window's watcher (``unreachable``/``reachable``) once the KB is open, and probes the
    folder itself at start, on «Повторить» and every ``RETRY_MS`` while it is unreachable.
    """

    def __init__(self, window: Any, choice: KbChoice, probe: Callable[[Path], bool] = kb_reachable) -> None:
        super().__init__(window)
        self.window = window
        self.demo = choice.is_fallback
        self.reachable: bool | None = None
        self._path = window.kb_dir
        self._probe = probe
        self._probing = False
        self._reload_on_ready = False
        self._watcher: QObject | None = None
        self.banner = KbBanner()
        self.banner.bar = attach_banner(window, self.banner)
        self.banner.retry_clicked.connect(self.retry)
        self.banner.open_clicked.connect(window.choose_kb_dir)
        self._runner = BackgroundRunner(threads=1, parent=self)
        self._timer = QTimer(self)
        self._timer.setInterval(RETRY_MS)
        self._timer.timeout.connect(self.retry)
        window.ready.connect(self._on_ready)
        self._update_banner()
        self.retry()

    def retry(self) -> None:
        """Look for the KB folder now (in the background)."""
        if self._probing:
            return
        self._probing = True
        self.banner.set_checking(True)
        path, probe = self._path, self._probe
        self._runner.submit(
            lambda: probe(path),
            on_done=lambda ok: self._on_probed(path, bool(ok)),
            on_error=lambda _exc: self._on_probed(path, False),
        )

    def wait(self, msecs: int = -1) -> bool:
        return self._runner.wait(msecs)

    # ------------------------------------------------------------------ internals
    def _on_probed(self, path: Path, ok: bool) -> None:
        self._probing = False
        self.banner.set_checking(False)
        if path != self._path:  # another KB was opened meanwhile
            self.retry()
            return
        was = self.reachable
        self._set_reachable(ok)
        if ok and was is False:
            self._reload()

    def _set_reachable(self, ok: bool) -> None:
        self.reachable = ok
        if ok:
            self._timer.stop()
        elif not self._timer.isActive():
            self._timer.start()
        self._update_banner()

    def _reload(self) -> None:
        """The folder is back: read it (now, or once the index that is opening is open)."""
        if self.window.session.is_open():
            self.window.refresh_kb()
        else:
            self._reload_on_ready = True

    def _on_ready(self) -> None:
        self._follow(self.window.watcher)
        if self.window.kb_dir != self._path:  # the user opened another folder
            self._path, self.demo, self.reachable = self.window.kb_dir, False, None
            self._timer.stop()
            self.retry()
        if self._reload_on_ready:
            self._reload_on_ready = False
            self.window.refresh_kb()
        self._update_banner()

    def _follow(self, watcher: Any) -> None:
        if watcher is None or watcher is self._watcher:
            return
        self._watcher = watcher
        watcher.unreachable.connect(lambda: self._set_reachable(False))
        watcher.reachable.connect(lambda: self._set_reachable(True))

    def _update_banner(self) -> None:
        if self.reachable is False:
            kb = self.window.kb
            self.banner.show_unreachable(self._path, bool(kb is not None and kb.articles))
        elif self.demo and not self.banner.dismissed:
            self.banner.show_demo()
        else:
            self.banner.reveal(False)
