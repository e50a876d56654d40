"""The deployable build's pieces that can be checked without building: the icon, the spec, the
scripts, CI's steps. (CI builds and runs the frozen program itself: packaging/smoke.py.)"""

from __future__ import annotations

import ast
import importlib.util
import re
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"packaging_{name}", PACKAGING / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------- the icon
def test_the_committed_icon_is_what_make_ico_writes_from_the_pngs():
    make_ico = load("make_ico")
    committed = (PACKAGING / "kb-browser.ico").read_bytes()
    assert committed == make_ico.ico_bytes(make_ico.source_pngs())


def test_the_icon_holds_every_size_as_a_png():
    make_ico = load("make_ico")
    images = make_ico.read_ico((PACKAGING / "kb-browser.ico").read_bytes())
    assert [(w, h) for w, h, _ in images] == [(s, s) for s in (16, 24, 32, 48, 64, 128, 256)]
    for w, h, png in images:
        assert make_ico.png_size(png) == (w, h)


def test_ico_container_layout():
    make_ico = load("make_ico")
    png = (ROOT / "resources" / "icons" / "kb-browser-256.png").read_bytes()
    data = make_ico.ico_bytes([png])
    assert data[:6] == b"\0\0\1\0\1\0"  # reserved, type 1 (icon), one image
    assert data[6:8] == b"\0\0"  # 256 px is written as 0
    assert data[22:] == png
    with pytest.raises(ValueError):
        make_ico.ico_bytes([b"GIF89a" + bytes(30)])


# ----------------------------------------------------------------------------- spec and entry script
def test_spec_builds_a_windowed_and_a_console_program_into_one_folder():
    spec = (PACKAGING / "kb-browser.spec").read_text(encoding="utf-8")
    assert re.search(r'program\("kb-browser", console=False\)', spec)
    assert re.search(r'program\("kb-browser-cli", console=True\)', spec)
    assert re.search(r'COLLECT\(gui, cli, a\.binaries, a\.datas, name="kb-browser"', spec)
    assert '"resources"' in spec and 'collect_data_files("resources"' in spec
    assert "kb-browser.ico" in spec


def test_the_entry_script_calls_freeze_support_before_anything_else():
    tree = ast.parse((PACKAGING / "kb_browser_main.py").read_text(encoding="utf-8"))
    main_block = next(n for n in tree.body if isinstance(n, ast.If))
    first = main_block.body[0]
    assert isinstance(first, ast.Expr) and ast.unparse(first) == "multiprocessing.freeze_support()"
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert [n.module for n in imports] == ["desktop_app.cli"]  # imported only after it


# ----------------------------------------------------------------------------- build.py
def test_build_installs_nothing_and_says_how_without_pyinstaller(monkeypatch, capsys):
    build = load("build")
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "PyInstaller" else real(name)
    )
    ran = []
    monkeypatch.setattr(build.subprocess, "run", lambda *a, **k: ran.append(a))
    assert build.main([]) == 2
    assert ran == []
    assert "pip install '.[build]'" in capsys.readouterr().err


def test_build_runs_pyinstaller_on_the_spec(tmp_path: Path):
    build = load("build")
    command = build.pyinstaller_command(tmp_path / "dist", tmp_path / "work")
    assert command[1:3] == ["-m", "PyInstaller"]
    assert command[-1] == str(PACKAGING / "kb-browser.spec")
    assert f"--distpath={tmp_path / 'dist'}" in command and "--noconfirm" in command


def test_folder_size_counts_files(tmp_path: Path):
    build = load("build")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.bin").write_bytes(bytes(1000))
    (tmp_path / "y.bin").write_bytes(bytes(24))
    assert build.folder_size(tmp_path) == 1024


# ----------------------------------------------------------------------------- the smoke test's KB
def test_the_smoke_tests_generated_kb_loads_cleanly(tmp_path: Path):
    from kb.loader import load_kb

    smoke = load("smoke")
    smoke.generate_kb(tmp_path / "kb", articles=smoke.GENERATED_ARTICLES)
    kb = load_kb(tmp_path / "kb")
    assert not kb.errors
    assert len(kb.articles) == smoke.GENERATED_ARTICLES >= 500  # enough for the parallel build
    assert "маркер123" in kb.article("gen-0123").sections[0].rules[0].text


def test_smoke_runs_isolate_every_user_folder(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("KB_BROWSER_KB", "/somewhere/else")
    smoke = load("smoke")
    env = smoke.user_env(tmp_path, KB_BROWSER_SMOKE="report.json")
    assert "KB_BROWSER_KB" not in env and env["KB_BROWSER_SMOKE"] == "report.json"
    assert env["QT_QPA_PLATFORM"] == "offscreen"
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "LOCALAPPDATA", "KB_BROWSER_CONFIG_DIR"):
        assert env[var].startswith(str(tmp_path))


# ----------------------------------------------------------------------------- CI and pyproject
def test_ci_runs_the_readme_test_command_then_the_frozen_smoke_test():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/python -m pytest"
    assert command in readme
    lines = [
        line
        for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line[:1] not in "#"
    ]
    steps = [line for line in lines if line.strip() and not line.startswith(("set ", "cd "))]
    assert steps == [command, ".venv/bin/pip install '.[build]' && .venv/bin/python packaging/smoke.py"]


def test_pyinstaller_is_pinned_with_a_floor_in_the_build_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["optional-dependencies"]["build"] == ["pyinstaller>=6.10"]
    assert not any("pyinstaller" in d.lower() for d in project["dependencies"])


# ----------------------------------------------------------------------------- Windows version resource
def _pyinstaller_signatures() -> dict[str, list[str]]:
    """Parameter names of PyInstaller's version-resource classes, read from its source (importing
    it needs pefile, which PyInstaller installs on Windows only)."""
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed (CI installs it after the tests, for the smoke step)")
    source = importlib.util.find_spec("PyInstaller.utils.win32.versioninfo")
    assert source is not None and source.origin is not None
    tree = ast.parse(Path(source.origin).read_text(encoding="utf-8"))
    signatures = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            init = next(
                (f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None
            )
            if init is not None:
                signatures[node.name] = [a.arg for a in init.args.args[1:]]
    return signatures


def test_version_resource_text_fits_pyinstallers_classes():
    version_info = load("version_info")
    text = version_info.version_text("0.1.0", "kb-browser-cli.exe")
    signatures = _pyinstaller_signatures()
    calls = [n for n in ast.walk(ast.parse(text, mode="eval")) if isinstance(n, ast.Call)]
    for call in calls:
        params = signatures[call.func.id]
        assert len(call.args) <= len(params)
        assert {k.arg for k in call.keywords} <= set(params[len(call.args) :])
    strings = {c.args[0].value: c.args[1].value for c in calls if c.func.id == "StringStruct"}
    assert strings["OriginalFilename"] == "kb-browser-cli.exe" and strings["FileVersion"] == "0.1.0.0"
    ffi = next(c for c in calls if c.func.id == "FixedFileInfo")
    assert ast.literal_eval(next(k.value for k in ffi.keywords if k.arg == "filevers")) == (0, 1, 0, 0)


def test_version_numbers_for_windows():
    version_info = load("version_info")
    assert version_info.version_tuple("0.1.0") == (0, 1, 0, 0)
    assert version_info.version_tuple("1.2rc1") == (1, 2, 0, 0)
    assert version_info.version_tuple("2.0.dev3") == (2, 0, 0, 0)
    assert version_info.version_tuple("1.2.3.4.5") == (1, 2, 3, 4)
    assert (
        version_info.project_version()
        == tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    )


def test_the_version_file_is_written_where_the_spec_asks(tmp_path: Path):
    version_info = load("version_info")
    path = version_info.write_version_file(tmp_path / "work", "kb-browser.exe")
    assert path.parent == tmp_path / "work"
    assert "StringStruct('OriginalFilename', 'kb-browser.exe')" in path.read_text(encoding="utf-8")
