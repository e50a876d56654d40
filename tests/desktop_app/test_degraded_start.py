"""The window starts whatever the per-user folders are: settings it cannot save live in memory with one
notice, a log it cannot write goes to stderr only, and a crash before the window shows is a clear
Russian message (and a crash log where one can be written), never a dead process."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel

import desktop_app.app as app_module
import desktop_app.errors as errors
from desktop_app.app import SETTINGS_NOTICE, create_window, run_gui
from desktop_app.errors import LOG_NAME, CrashReporter
from desktop_app.main_window import MainWindow
from desktop_app.settings import AppPaths, AppSettings
from kb.paths import bundled_kb_dir


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    """A regular file where a folder should be (XDG_CONFIG_HOME set to a file, a read-only home)."""
    path = tmp_path / "not-a-folder"
    path.write_text("x", encoding="utf-8")
    return path


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """Message boxes the code asked for (title, text, details), instead of modal dialogs."""
    boxes: list[tuple[str, str, str]] = []
    monkeypatch.setattr(
        errors, "show_error", lambda parent, title, text, details="": boxes.append((title, text, details))
    )
    return boxes


def notices(window: MainWindow) -> list[QLabel]:
    return [w for w in window.statusBar().findChildren(QLabel) if w.objectName() == "settingsNotice"]


def close_when_ready(seen: list[MainWindow], tries: int = 200) -> None:
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    if windows and windows[0].session.is_open():
        seen.append(windows[0])
        windows[0].close()
    elif tries:
        QTimer.singleShot(50, lambda: close_when_ready(seen, tries - 1))
    else:
        QApplication.quit()


def test_uncreatable_config_and_log_folders_the_window_opens_with_one_notice(
    qtbot, tmp_path: Path, a_file: Path, monkeypatch: pytest.MonkeyPatch, shown
) -> None:
    """run_gui end to end with both folders pointing at a regular file: it used to die with a traceback."""
    monkeypatch.setenv("KB_BROWSER_CONFIG_DIR", str(a_file))
    monkeypatch.setenv("KB_BROWSER_LOG_DIR", str(a_file))
    seen: list[MainWindow] = []
    counted: list[int] = []
    monkeypatch.setattr(
        MainWindow, "closeEvent", _counting(MainWindow.closeEvent, lambda w: counted.append(len(notices(w))))
    )
    QTimer.singleShot(50, lambda: close_when_ready(seen))
    code = run_gui(None, tmp_path / "index")
    assert code == 0 and seen and shown == []
    assert counted == [1], "exactly one settings notice in the window"
    assert a_file.read_text(encoding="utf-8") == "x"


def _counting(original, record):
    def close_event(self, event):
        record(self)
        return original(self, event)

    return close_event


def test_uncreatable_config_folder_settings_work_in_memory(
    make_window, tmp_path: Path, a_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window(settings_dir=a_file / "app")  # its parent is a file: mkdir fails
    settings = window.settings
    assert settings.in_memory and str(a_file) in settings.notice
    (label,) = notices(window)
    assert label.text() == SETTINGS_NOTICE and label.isVisible()
    assert "не удалось создать папку настроек" in label.toolTip()
    window.set_zoom(3)
    settings.add_recent_query("роуминг")
    assert settings.toggle_favourite("ss/finance/3")
    settings.set_kb_dir(tmp_path / "kb")
    assert (settings.zoom(), settings.recent_queries(), settings.favourites()) == (
        3,
        ["роуминг"],
        ["ss/finance/3"],
    )
    settings.clear_history()
    assert settings.recent_queries() == [] and settings.favourites() == ["ss/finance/3"]
    assert settings.kb_dir() == tmp_path / "kb"
    settings.sync()
    window.close()  # saves geometry into memory: no error


def test_read_only_settings_file_starts_from_its_values_and_keeps_changes_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config" / "settings.ini"
    first = AppSettings(path)
    first.set_zoom(2)
    first.set_favourites(["sv/one-step/8"])
    first.sync()
    before = path.read_bytes()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == path else real_access(p, mode))
    settings = AppSettings(path)
    assert settings.in_memory and "только для чтения" in settings.notice
    assert settings.zoom() == 2 and settings.favourites() == ["sv/one-step/8"]
    settings.set_zoom(5)
    settings.sync()
    assert settings.zoom() == 5 and path.read_bytes() == before


def test_a_writable_settings_folder_gives_no_notice(tmp_path: Path) -> None:
    settings = AppSettings(tmp_path / "config" / "settings.ini")
    settings.set_zoom(1)
    settings.sync()
    assert not settings.in_memory and settings.notice == ""
    assert AppSettings(tmp_path / "config" / "settings.ini").zoom() == 1


def test_uncreatable_log_folder_a_crash_goes_to_stderr_and_the_dialog_only(
    a_file: Path, shown, caplog: pytest.LogCaptureFixture
) -> None:
    reporter = CrashReporter(a_file / "logs")
    try:
        raise ValueError("сбой")
    except ValueError:
        with caplog.at_level(logging.ERROR, logger="desktop_app.errors"):
            reporter(*sys.exc_info())
    ((_, text, details),) = shown
    assert "ValueError: сбой" in text and "Журнал записать не удалось" in text and str(a_file) in text
    assert "Traceback" in details
    assert any("сбой" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    assert a_file.read_text(encoding="utf-8") == "x"


def test_a_crash_before_the_window_shows_is_logged_and_shown_in_russian(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shown
) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("boom before show")

    monkeypatch.setattr(app_module, "MainWindow", broken)
    paths = AppPaths.under(tmp_path / "app")
    assert run_gui(bundled_kb_dir(), tmp_path / "index", paths) == app_module.STARTUP_FAILED
    log_file = paths.log_dir / LOG_NAME
    assert "RuntimeError: boom before show" in log_file.read_text(encoding="utf-8")
    ((title, text, details),) = shown
    assert title == errors.STARTUP_TITLE
    assert text.startswith("Не удалось открыть окно базы знаний: RuntimeError: boom before show")
    assert str(log_file) in text and "Traceback" in details


def test_a_crash_before_the_window_shows_with_no_log_folder_still_says_so(
    tmp_path: Path, a_file: Path, monkeypatch: pytest.MonkeyPatch, shown
) -> None:
    monkeypatch.setattr(app_module, "create_window", lambda *a, **k: (_ for _ in ()).throw(OSError(5, "I/O")))
    assert run_gui(None, tmp_path / "index", AppPaths(a_file / "settings.ini", a_file / "logs")) == 1
    ((_, text, _),) = shown
    assert "OSError" in text and "Журнал записать не удалось" in text


def test_create_window_with_an_uncreatable_config_folder_from_the_environment(
    qtbot, tmp_path: Path, a_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KB_BROWSER_CONFIG_DIR", str(a_file))
    window, reporter = create_window(bundled_kb_dir(), tmp_path / "index", AppPaths.default())
    qtbot.addWidget(window)
    try:
        assert window.settings.in_memory and len(notices(window)) == 1
    finally:
        reporter.uninstall()
