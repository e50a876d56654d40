"""GUI test fixtures: offscreen Qt, every settings/cache/log path inside tmp_path."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from kb.paths import bundled_kb_dir

FIRST_HIT_TIMEOUT_MS = 10_000


@pytest.fixture(scope="session", autouse=True)
def none_reference_guard(qapp):
    """PySide6 6.12 on Python 3.11 drops a None reference per void call (desktop_app/none_guard.py)."""
    from desktop_app import none_guard

    none_guard.install(qapp)
    yield
    none_guard.top_up()


@pytest.fixture(autouse=True)
def unfrozen_gc() -> Iterator[None]:
    """The app freezes the garbage collector's view of what lives after its warm-up; between tests
    that would keep every earlier test's cyclic garbage forever, so thaw it after each."""
    yield
    gc.unfreeze()


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every per-user folder at tmp_path: no test writes to the real home."""
    home = tmp_path / "home"
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("KB_BROWSER_CONFIG_DIR", str(home / "kb-config"))
    monkeypatch.setenv("KB_BROWSER_LOG_DIR", str(home / "kb-logs"))
    for var in ("KB_BROWSER_KB", "KB_BROWSER_POLL_SECONDS", "KB_BROWSER_SMOKE"):  # a seat's own set-up
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled knowledge base."""
    target = tmp_path / "kb"
    shutil.copytree(bundled_kb_dir(), target)
    return target


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    return tmp_path / "app"


@pytest.fixture
def make_window(qtbot, tmp_path: Path, app_dir: Path) -> Iterator[Callable[..., object]]:
    """Build a shown main window on a KB (default: the bundled one) and wait until it can search."""
    from desktop_app.app import create_window
    from desktop_app.settings import AppPaths

    reporters = []

    def make(kb_dir: Path | None = None, settings_dir: Path | None = None):
        paths = AppPaths.under(settings_dir or app_dir)
        window, reporter = create_window(kb_dir or bundled_kb_dir(), tmp_path / "index", paths)
        reporters.append(reporter)
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.ready, timeout=FIRST_HIT_TIMEOUT_MS):
            window.resize(1366, 768)
            window.show()
        return window

    yield make
    for reporter in reversed(reporters):
        reporter.uninstall()


def type_text(widget: QWidget, text: str) -> None:
    """Type like a person, one character at a time (keyClicks aborts on Cyrillic: NOTES.md)."""
    for ch in text:
        QTest.sendKeyEvent(
            QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, ch, Qt.KeyboardModifier.NoModifier
        )


def first_hit_id(window) -> str | None:
    hit = window.results.model.hit(0)
    return hit.id if hit else None


def search(qtbot, window, text: str, expect_first: str | None = None) -> None:
    """Type a query into the search box and wait for its results to be shown."""
    type_text(window.search_box, text)
    if expect_first is not None:
        qtbot.waitUntil(lambda: first_hit_id(window) == expect_first, timeout=FIRST_HIT_TIMEOUT_MS)
    else:
        qtbot.waitUntil(
            lambda: window.result is not None and window.result.query == text, timeout=FIRST_HIT_TIMEOUT_MS
        )


def open_first_two(qtbot, window, text: str, first: str) -> str:
    """Search ``text`` (``first`` ranked first), open the first hit, then the second; the second's id."""
    search(qtbot, window, text, expect_first=first)
    QTest.keyClick(window.search_box, Qt.Key.Key_Return)
    QTest.keyClick(window.search_box, Qt.Key.Key_Down)
    second = window.results.current_hit().id
    QTest.keyClick(window.search_box, Qt.Key.Key_Return)
    return second
