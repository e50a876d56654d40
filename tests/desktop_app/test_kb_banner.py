"""The first-start demo banner and the unreachable-KB warning: never answers from the wrong KB."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop_app import kb_banner
from desktop_app.deployment import ENV_KB, Deployment
from desktop_app.kb_banner import DEMO_TEXT, OPEN_FOLDER, RETRY
from desktop_app.settings import AppPaths, AppSettings
from kb.paths import bundled_kb_dir
from tests.desktop_app.conftest import FIRST_HIT_TIMEOUT_MS, first_hit_id, search

WAIT_MS = 10_000


@pytest.fixture
def open_window(qtbot, tmp_path: Path, app_dir: Path):
    """A window as run_gui makes it, with IT's configuration given as ``env`` (and no ini file)."""
    from desktop_app.app import create_window

    reporters = []

    def make(env: dict[str, str] | None = None, kb_dir: Path | None = None):
        window, reporter = create_window(
            kb_dir, tmp_path / "index", AppPaths.under(app_dir), Deployment.current(tmp_path, env or {})
        )
        reporters.append(reporter)
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.ready, timeout=FIRST_HIT_TIMEOUT_MS):
            window.resize(1366, 768)
            window.show()
        qtbot.waitUntil(lambda: window.availability.reachable is not None, timeout=WAIT_MS)
        return window

    yield make
    for reporter in reversed(reporters):
        reporter.uninstall()


def banner(window):
    return window.availability.banner


def wait_for_warning(qtbot, window) -> None:
    """The unreachable-KB warning is up and no look for the folder is running («Повторить» again)."""
    b = banner(window)
    qtbot.waitUntil(
        lambda: b.isVisible() and b.kind == "warning" and b.retry_button.isEnabled(), timeout=WAIT_MS
    )


# ----------------------------------------------------------------------------- first start
def test_first_start_opens_the_demo_kb_and_offers_to_open_a_folder(open_window, qtbot, kb_copy, monkeypatch):
    window = open_window()
    assert window.kb_dir == bundled_kb_dir()
    b = banner(window)
    assert b.isVisible() and b.kind == "demo"
    assert b.label.text() == DEMO_TEXT and "только для чтения" in DEMO_TEXT
    assert b.open_button.text() == OPEN_FOLDER and b.open_button.isVisible()
    assert not b.retry_button.isVisible()
    assert b.geometry().bottom() < window.centralWidget().geometry().top() + 1  # above the content
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")  # the demo is searchable

    monkeypatch.setattr("desktop_app.dialogs.choose_kb_dir", lambda parent, current: kb_copy)
    with qtbot.waitSignal(window.ready, timeout=WAIT_MS):
        qtbot.mouseClick(b.open_button, Qt.MouseButton.LeftButton)
    assert window.kb_dir == kb_copy and window.settings.kb_dir() == kb_copy
    qtbot.waitUntil(lambda: not b.isVisible(), timeout=WAIT_MS)


def test_the_demo_banner_can_be_closed(open_window, qtbot):
    window = open_window()
    qtbot.mouseClick(banner(window).close_button, Qt.MouseButton.LeftButton)
    assert not banner(window).isVisible()
    assert window.availability.banner.bar.isHidden()  # the strip takes no room either


def test_a_kb_given_explicitly_has_no_banner(open_window, kb_copy):
    window = open_window(kb_dir=kb_copy)
    assert window.kb_dir == kb_copy and not banner(window).isVisible()


def test_the_environment_points_the_window_at_the_shared_kb(open_window, kb_copy):
    window = open_window({ENV_KB: str(kb_copy)})
    assert window.kb_dir == kb_copy and not banner(window).isVisible()
    assert [a.id for a in window.kb.articles] == ["ss", "sv", "mnp"]


# ----------------------------------------------------------------------------- unreachable KB
def test_an_unreachable_kb_shows_a_warning_not_the_demo_kb(open_window, qtbot, tmp_path: Path):
    share = tmp_path / "share" / "kb"  # the drive is not mapped yet
    window = open_window({ENV_KB: str(share)})
    b = banner(window)
    wait_for_warning(qtbot, window)
    assert str(share) in b.label.text() and "Нет доступа" in b.label.text()
    assert b.retry_button.text() == RETRY and b.retry_button.isVisible()
    assert b.open_button.isVisible()
    assert window.kb_dir == share
    assert window.kb is not None and not window.kb.articles  # nothing from the bundled KB
    search(qtbot, window, "роуминг")
    assert window.result is not None and window.result.hits == []


def test_retry_opens_the_kb_once_it_appears(open_window, qtbot, tmp_path: Path):
    share = tmp_path / "share" / "kb"
    window = open_window({ENV_KB: str(share)})
    b = banner(window)
    wait_for_warning(qtbot, window)
    shutil.copytree(bundled_kb_dir(), share)  # VPN up
    qtbot.mouseClick(b.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not b.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.kb is not None and len(window.kb.rules) == 67, timeout=WAIT_MS)
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")


def test_it_retries_by_itself(open_window, qtbot, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(kb_banner, "RETRY_MS", 100)
    monkeypatch.setenv("KB_BROWSER_POLL_SECONDS", "0")  # only the banner's own retries
    share = tmp_path / "share" / "kb"
    window = open_window({ENV_KB: str(share)})
    wait_for_warning(qtbot, window)
    shutil.copytree(bundled_kb_dir(), share)
    qtbot.waitUntil(lambda: window.kb is not None and len(window.kb.rules) == 67, timeout=WAIT_MS)
    assert not banner(window).isVisible()


def test_a_remembered_folder_that_is_gone_is_not_replaced_by_the_demo(open_window, qtbot, tmp_path, app_dir):
    AppSettings(AppPaths.under(app_dir).settings_file).set_kb_dir(tmp_path / "gone")
    window = open_window()
    assert window.kb_dir == tmp_path / "gone"
    wait_for_warning(qtbot, window)


def test_a_kb_lost_mid_session_warns_and_keeps_answering(open_window, qtbot, kb_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_BROWSER_POLL_SECONDS", "0.1")
    window = open_window({ENV_KB: str(kb_copy)})
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")
    b = banner(window)
    away = tmp_path / "away"
    kb_copy.rename(away)  # the VPN drops
    wait_for_warning(qtbot, window)
    assert "последней прочитанной" in b.label.text()
    assert len(window.kb.rules) == 67  # the index was not emptied
    window.set_query("тарификация роуминг")
    qtbot.waitUntil(lambda: first_hit_id(window) == "ss/finance/3", timeout=WAIT_MS)
    away.rename(kb_copy)
    qtbot.waitUntil(lambda: not b.isVisible(), timeout=WAIT_MS)


def test_opening_another_folder_from_the_warning_replaces_it(
    open_window, qtbot, tmp_path, kb_copy, monkeypatch
):
    window = open_window({ENV_KB: str(tmp_path / "share" / "kb")})
    b = banner(window)
    wait_for_warning(qtbot, window)
    monkeypatch.setattr("desktop_app.dialogs.choose_kb_dir", lambda parent, current: kb_copy)
    with qtbot.waitSignal(window.ready, timeout=WAIT_MS):
        qtbot.mouseClick(b.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not b.isVisible(), timeout=WAIT_MS)
    search(qtbot, window, "роуминг", expect_first="ss/finance/3")


def test_on_a_network_drive_an_edit_in_place_reaches_the_results(open_window, qtbot, kb_copy, monkeypatch):
    """No file watches there (one round trip each): the poll sees the edit."""
    from desktop_app import kb_watcher

    monkeypatch.setattr(kb_watcher, "is_network_path", lambda path: True)
    monkeypatch.setattr(kb_watcher, "NETWORK_POLL_MS", 100)
    window = open_window({ENV_KB: str(kb_copy)})
    assert window.watcher.network and window.watcher._watcher.files() == []
    search(qtbot, window, "бегемот")
    assert window.result.hits == []
    path = kb_copy / "mnp.md"
    marker = "5. Отмена портации по просьбе клиента"
    with path.open("r+", encoding="utf-8") as fh:  # in place: no directory notice
        fh.write(path.read_text(encoding="utf-8").replace(marker, f"{marker} (бегемот)"))
    qtbot.waitUntil(lambda: first_hit_id(window) == "mnp/questions/5", timeout=WAIT_MS)
