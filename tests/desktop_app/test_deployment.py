"""Which KB folder the app opens on a managed workstation, and where it keeps its files on Windows."""

from __future__ import annotations

import sys
from pathlib import Path, PureWindowsPath

import pytest

from desktop_app.deployment import ENV_KB, ENV_POLL, INI_NAME, Deployment, choose_kb, program_dir, read_ini

BUNDLED = Path("/opt/kb-browser/_internal/resources/kb")
SHARE = r"\\server\share\kb"


def deployment(tmp_path: Path, env: dict[str, str] | None = None, ini: str | None = None) -> Deployment:
    if ini is not None:
        (tmp_path / INI_NAME).write_text(ini, encoding="utf-8")
    return Deployment.current(tmp_path, environ=env or {})


# ----------------------------------------------------------------------------- precedence
def test_command_line_wins_over_everything(tmp_path: Path):
    d = deployment(tmp_path, {ENV_KB: SHARE}, ini="kb = D:\\kb\n")
    choice = choose_kb(Path("/cli/kb"), Path("/remembered"), d, BUNDLED)
    assert (choice.path, choice.source) == (Path("/cli/kb"), "command line")


def test_environment_wins_over_the_ini_file(tmp_path: Path):
    d = deployment(tmp_path, {ENV_KB: SHARE}, ini="kb = D:\\kb\n")
    choice = choose_kb(None, Path("/remembered"), d, BUNDLED)
    assert (str(choice.path), choice.source) == (SHARE, "environment")


def test_ini_beside_the_program_wins_over_the_remembered_folder(tmp_path: Path):
    d = deployment(tmp_path, ini=f"kb = {SHARE}\n")
    choice = choose_kb(None, Path("/remembered"), d, BUNDLED)
    assert (str(choice.path), choice.source) == (SHARE, "ini")


def test_remembered_folder_wins_over_the_bundled_kb(tmp_path: Path):
    choice = choose_kb(None, Path("/remembered"), deployment(tmp_path), BUNDLED)
    assert (choice.path, choice.source, choice.is_fallback) == (Path("/remembered"), "remembered", False)


def test_nothing_configured_opens_the_bundled_kb(tmp_path: Path):
    choice = choose_kb(None, None, deployment(tmp_path, {ENV_KB: "  "}, ini="# nothing\n"), BUNDLED)
    assert (choice.path, choice.source, choice.is_fallback) == (BUNDLED, "bundled", True)
    assert choose_kb(None, None, deployment(tmp_path)).path.name == "kb"  # the real bundled KB


def test_a_configured_folder_is_chosen_without_touching_the_disk(tmp_path: Path):
    """A dead share can block for half a minute: reachability is the window's (background) job."""
    missing = tmp_path / "not-mapped-yet"
    choice = choose_kb(None, None, deployment(tmp_path, {ENV_KB: str(missing)}), BUNDLED)
    assert choice.path == missing and not choice.is_fallback


# ----------------------------------------------------------------------------- the ini file
def test_ini_lines_comments_sections_and_quotes(tmp_path: Path):
    path = tmp_path / INI_NAME
    lines = ["; IT", "# comment", "[kb-browser]", 'KB = "\\\\server\\share\\База"', "poll_seconds = 20"]
    path.write_text("\n".join([*lines, "broken line", ""]), encoding="utf-8")
    assert read_ini(path) == {"kb": "\\\\server\\share\\База", "poll_seconds": "20"}


def test_ini_saved_by_notepad_with_a_bom_or_in_the_ansi_code_page(tmp_path: Path, monkeypatch):
    path = tmp_path / INI_NAME
    path.write_bytes("kb = Z:\\База\n".encode("utf-8-sig"))
    assert read_ini(path) == {"kb": "Z:\\База"}
    monkeypatch.setattr("locale.getpreferredencoding", lambda do_setlocale=True: "cp1251")
    path.write_bytes("kb = Z:\\База\n".encode("cp1251"))
    assert read_ini(path) == {"kb": "Z:\\База"}


def test_missing_ini_is_empty(tmp_path: Path):
    assert read_ini(tmp_path / INI_NAME) == {}


def test_relative_ini_path_is_relative_to_the_program_folder(tmp_path: Path):
    d = deployment(tmp_path, ini="kb = kb-data\n")
    assert d.kb_dir() == (tmp_path / "kb-data", "ini")
    for absolute in (SHARE, "//server/share", "Z:\\kb", "/srv/kb"):
        assert str(deployment(tmp_path, ini=f"kb = {absolute}\n").kb_dir()[0]) == str(Path(absolute))


def test_poll_seconds_from_environment_then_ini(tmp_path: Path):
    assert deployment(tmp_path).poll_seconds() is None
    assert deployment(tmp_path, ini="poll_seconds = 20\n").poll_seconds() == 20.0
    assert deployment(tmp_path, {ENV_POLL: "0"}, ini="poll_seconds = 20\n").poll_seconds() == 0.0
    assert deployment(tmp_path, {ENV_POLL: "often"}, ini="poll_seconds = 7,5\n").poll_seconds() == 7.5


# ----------------------------------------------------------------------------- frozen program
def test_the_frozen_program_looks_beside_its_exe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    exe = tmp_path / "kb-browser" / "kb-browser.exe"
    exe.parent.mkdir()
    exe.write_bytes(b"MZ")
    (exe.parent / INI_NAME).write_text(f"kb = {SHARE}\n", encoding="utf-8")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    assert program_dir() == exe.parent
    assert str(Deployment.current(environ={}).kb_dir()[0]) == SHARE


def test_an_installed_program_looks_beside_its_launcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    script = tmp_path / "Scripts" / "kb-browser.exe"
    script.parent.mkdir()
    script.write_bytes(b"MZ")
    monkeypatch.delattr(sys, "frozen", raising=False)
    monkeypatch.setattr(sys, "argv", [str(script)])
    assert program_dir() == script.parent


# ----------------------------------------------------------------------------- where files go on Windows
@pytest.fixture
def windows_dirs(monkeypatch: pytest.MonkeyPatch) -> str:
    """platformdirs answering as on Windows for user 'agent'."""
    import platformdirs
    from platformdirs import windows

    local = r"C:\Users\agent\AppData\Local"
    monkeypatch.setattr(windows, "get_win_folder", lambda csidl: local)
    monkeypatch.setattr(platformdirs, "PlatformDirs", windows.Windows)
    monkeypatch.delenv("KB_BROWSER_CONFIG_DIR", raising=False)
    monkeypatch.delenv("KB_BROWSER_LOG_DIR", raising=False)
    return local


def test_settings_and_logs_on_windows_are_under_localappdata(windows_dirs: str):
    from desktop_app.settings import AppPaths

    paths = AppPaths.default()
    base = PureWindowsPath(windows_dirs, "kb-browser", "kb-browser")
    assert PureWindowsPath(str(paths.settings_file)) == base / "settings.ini"
    assert PureWindowsPath(str(paths.log_dir)) == base / "Logs"


def test_the_index_on_windows_is_under_localappdata(windows_dirs: str, monkeypatch):
    import platformdirs

    cache = PureWindowsPath(str(platformdirs.user_cache_path("kb-browser")))
    assert cache == PureWindowsPath(windows_dirs, "kb-browser", "kb-browser", "Cache")
