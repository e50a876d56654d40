"""The KB watcher on a local disk and on a (simulated) network drive: polling, off-thread walks,
a folder that goes away and comes back."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from desktop_app import kb_watcher
from desktop_app.kb_watcher import (
    FALLBACK_POLL_MS,
    FOLDER,
    NETWORK_POLL_MS,
    KbWatcher,
    default_poll_ms,
    is_network_path,
    scan,
)

WAIT_MS = 5_000


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    (root / "sub").mkdir(parents=True)
    (root / "a.md").write_text("a\n", encoding="utf-8")
    (root / "sub" / "b.md").write_text("b\n", encoding="utf-8")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "c.md").write_text("c\n", encoding="utf-8")
    (root / "notes.txt").write_text("not an article\n", encoding="utf-8")
    return root


def make_watcher(qtbot, root: Path, **kwargs) -> KbWatcher:
    watcher = KbWatcher(root, debounce_ms=50, **kwargs)
    qtbot.waitUntil(lambda: watcher.scans >= 1, timeout=WAIT_MS)
    return watcher


def edit(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


# ----------------------------------------------------------------------------- the walk
def test_scan_lists_folders_and_markdown_files_as_the_loader_does(kb: Path):
    snapshot = scan(kb)
    assert snapshot is not None
    assert set(snapshot) == {str(kb), str(kb / "sub"), str(kb / "a.md"), str(kb / "sub" / "b.md")}
    assert snapshot[str(kb)] == FOLDER
    st = (kb / "a.md").stat()
    assert snapshot[str(kb / "a.md")] == (st.st_mtime_ns, st.st_size)


def test_scan_of_a_missing_folder_is_none(tmp_path: Path):
    assert scan(tmp_path / "not-there") is None
    (tmp_path / "file.md").write_text("x", encoding="utf-8")
    assert scan(tmp_path / "file.md") is None


def test_the_walk_never_runs_on_the_gui_thread(qtbot, kb: Path, monkeypatch: pytest.MonkeyPatch):
    threads: list[threading.Thread] = []
    real_scan = kb_watcher.scan

    def recording_scan(root: Path):
        threads.append(threading.current_thread())
        return real_scan(root)

    monkeypatch.setattr(kb_watcher, "scan", recording_scan)
    watcher = make_watcher(qtbot, kb, poll_ms=50)
    qtbot.waitUntil(lambda: watcher.scans >= 3, timeout=WAIT_MS)  # the first walk and two polls
    with qtbot.waitSignal(watcher.changed, timeout=WAIT_MS):
        edit(kb / "a.md", "a, edited\n")  # a notice, then a walk
    watcher.stop()
    assert len(threads) >= 4
    assert threading.main_thread() not in threads


# ----------------------------------------------------------------------------- polling
def test_polling_alone_picks_up_an_edit(qtbot, kb: Path):
    watcher = make_watcher(qtbot, kb, notices=False, poll_ms=100)
    assert watcher._watcher is None  # no change notices at all
    with qtbot.waitSignal(watcher.changed, timeout=WAIT_MS):
        edit(kb / "sub" / "b.md", "b, edited and longer\n")
    with qtbot.waitSignal(watcher.changed, timeout=WAIT_MS):
        edit(kb / "new.md", "new\n")
    with qtbot.waitSignal(watcher.changed, timeout=WAIT_MS):
        (kb / "a.md").unlink()
    watcher.stop()


def test_polling_without_a_change_says_nothing(qtbot, kb: Path):
    watcher = make_watcher(qtbot, kb, notices=False, poll_ms=50)
    with qtbot.assertNotEmitted(watcher.changed, wait=400):
        edit(kb / "notes.txt", "not an article, edited\n")
        edit(kb / ".hidden" / "c.md", "hidden, edited\n")
    assert watcher.scans >= 3
    watcher.stop()


def test_a_stopped_watcher_stays_quiet(qtbot, kb: Path):
    watcher = make_watcher(qtbot, kb, notices=False, poll_ms=50)
    watcher.stop()
    scans = watcher.scans
    with qtbot.assertNotEmitted(watcher.changed, wait=300):
        edit(kb / "a.md", "a, edited after stop\n")
    assert watcher.scans == scans


def test_notices_that_cannot_be_registered_turn_polling_on(qtbot, kb: Path, monkeypatch):
    monkeypatch.setattr(kb_watcher, "configured_poll_seconds", lambda: None)
    watcher = KbWatcher(kb, debounce_ms=50)
    assert watcher.poll_ms == 0  # a local disk: notices only
    watcher._watcher.addPaths = lambda paths: list(paths)  # e.g. the inotify watch limit is reached
    watcher._watcher.removePaths(watcher._watcher.directories() + watcher._watcher.files())
    watcher.check("poll")
    qtbot.waitUntil(lambda: watcher.poll_ms == FALLBACK_POLL_MS, timeout=WAIT_MS)
    assert watcher._poll.isActive()
    watcher.stop()


# ----------------------------------------------------------------------------- a folder that goes away
def test_a_folder_that_goes_away_is_unreachable_not_changed(qtbot, kb: Path, tmp_path: Path):
    watcher = make_watcher(qtbot, kb, notices=False, poll_ms=50)
    assert watcher.is_reachable() is True
    away = tmp_path / "away"
    with qtbot.assertNotEmitted(watcher.changed), qtbot.waitSignal(watcher.unreachable, timeout=WAIT_MS):
        kb.rename(away)  # the share is gone: the index must not be emptied by a refresh
    assert watcher.is_reachable() is False
    with qtbot.waitSignals([watcher.reachable, watcher.changed], timeout=WAIT_MS):
        away.rename(kb)
    assert watcher.is_reachable() is True
    watcher.stop()


def test_a_folder_missing_from_the_start_is_found_when_it_appears(qtbot, kb: Path, tmp_path: Path):
    later = tmp_path / "later"
    watcher = KbWatcher(later, debounce_ms=50, notices=True, poll_ms=50)
    qtbot.waitUntil(lambda: watcher.is_reachable() is False, timeout=WAIT_MS)
    with qtbot.waitSignals([watcher.reachable, watcher.changed], timeout=WAIT_MS):
        shutil.copytree(kb, later)
    watcher.stop()


# ----------------------------------------------------------------------------- network drives
def test_unc_paths_are_network_paths():
    assert is_network_path(r"\\server\share\kb", windows=True)
    assert is_network_path("//server/share/kb", windows=False, mounts="")


def test_windows_drive_letters_ask_the_drive_type():
    types = {"C": 3, "Z": 4}  # DRIVE_FIXED, DRIVE_REMOTE

    def drive_type(letter: str) -> int:
        return types[letter.upper()]

    assert is_network_path(r"Z:\kb", windows=True, drive_type=drive_type)
    assert not is_network_path(r"C:\kb", windows=True, drive_type=drive_type)
    assert not is_network_path(r"kb\relative", windows=True, drive_type=drive_type)


MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
//fs01/kb /mnt/kb cifs rw,vers=3.0 0 0
fs02:/export /mnt/nfs nfs4 rw 0 0
/dev/sdb1 /mnt/kb/local ext4 rw 0 0
"""


def test_posix_mounts_of_network_filesystems_are_network_paths():
    assert is_network_path("/mnt/kb/articles", windows=False, mounts=MOUNTS)
    assert is_network_path("/mnt/nfs", windows=False, mounts=MOUNTS)
    assert not is_network_path("/mnt/kb/local/articles", windows=False, mounts=MOUNTS)  # longest wins
    assert not is_network_path("/mnt/kbx", windows=False, mounts=MOUNTS)
    assert not is_network_path("/home/agent/kb", windows=False, mounts=MOUNTS)


def test_network_drives_are_polled_by_default_and_configuration_wins(monkeypatch):
    monkeypatch.setattr(kb_watcher, "is_network_path", lambda path: str(path).startswith("\\\\"))
    assert default_poll_ms(Path(r"\\server\share\kb")) == NETWORK_POLL_MS
    assert default_poll_ms(Path("/home/agent/kb")) == 0
    assert default_poll_ms(Path(r"\\server\share\kb"), configured_seconds=0) == 0
    assert default_poll_ms(Path("/home/agent/kb"), configured_seconds=12.5) == 12_500


def test_on_a_network_drive_only_folders_are_watched_and_polling_is_on(qtbot, kb: Path, monkeypatch):
    monkeypatch.setattr(kb_watcher, "is_network_path", lambda path: True)
    monkeypatch.setattr(kb_watcher, "configured_poll_seconds", lambda: None)
    watcher = make_watcher(qtbot, kb)
    assert watcher.network and watcher.poll_ms == NETWORK_POLL_MS and watcher._poll.isActive()
    assert watcher._watcher.files() == []  # one watch per file would be a round trip each
    assert set(watcher._watcher.directories()) == {str(kb), str(kb / "sub")}
    watcher.stop()


def test_the_poll_interval_comes_from_the_environment(qtbot, kb: Path, monkeypatch):
    monkeypatch.setenv("KB_BROWSER_POLL_SECONDS", "0.1")
    watcher = make_watcher(qtbot, kb, notices=False)
    assert watcher.poll_ms == 100
    with qtbot.waitSignal(watcher.changed, timeout=WAIT_MS):
        edit(kb / "a.md", "a, edited by a poll\n")
    watcher.stop()
