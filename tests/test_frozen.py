"""What a frozen (PyInstaller) build does differently, simulated on Linux.

A frozen app has no ``python -c``: a spawned worker process is the app's own executable started
with ``--multiprocessing-fork``, and only ``multiprocessing.freeze_support()`` at the top of the
entry point turns it into a worker. Without it the worker runs the command line parser, exits, and
the parent waits for it forever, or (whoosh-reloaded 2.7.5) commits an index without the documents
it handed to the workers (the parallel build of a KB of 500 articles or more). The fake
executable below boots as PyInstaller's bootloader and runtime hook do: ``sys.frozen`` set, the
spawn start method (Windows' only one), ``freeze_support`` able to run spawned workers and the
resource tracker.
"""

from __future__ import annotations

import modulefinder
import os
import subprocess
import sys
from pathlib import Path

import pytest

from index import KnowledgeIndex
from index.lifecycle import PARALLEL_MIN_ARTICLES

ROOT = Path(__file__).resolve().parents[1]

BOOT = r"""
import multiprocessing, os, sys
from multiprocessing import spawn

sys.frozen = True  # what PyInstaller's bootloader sets
sys.executable = os.environ["FAKE_EXE"]
multiprocessing.set_executable(sys.executable)
multiprocessing.set_start_method("spawn")
os.cpu_count = lambda: 2  # the parallel build even on a one-core machine


def _freeze_support():  # PyInstaller's pyi_rth_multiprocessing, in short
    if len(sys.argv) >= 2 and sys.argv[-2] == "-c" and sys.argv[-1].startswith("from multiprocessing."):
        exec(sys.argv[-1])
        sys.exit()
    if spawn.is_forking(sys.argv):
        kwds = {k: None if v == "None" else int(v) for k, v in (a.split("=") for a in sys.argv[2:])}
        spawn.spawn_main(**kwds)
        sys.exit()


multiprocessing.freeze_support = spawn.freeze_support = _freeze_support
from desktop_app.cli import main

sys.exit(main())
"""


def _fake_exe(tmp_path: Path) -> Path:
    boot = tmp_path / "boot.py"
    boot.write_text(BOOT, encoding="utf-8")
    exe = tmp_path / "kb-browser"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{boot}" "$@"\n', encoding="utf-8")
    exe.chmod(0o755)
    return exe


def _big_kb(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"a{i:04d}.md").write_text(
            f"---\nid: a{i}\ntitle: Статья {i}\nline: СС\n---\n\n## Раздел {{#s}}\n\n"
            f"1. Правило {i}: роуминг и тарификация, слово{i}.\n",
            encoding="utf-8",
        )
    return folder


@pytest.mark.skipif(sys.platform == "win32", reason="the fake executable is a shell script")
def test_frozen_app_builds_a_large_index_with_spawned_worker_processes(tmp_path: Path):
    exe = _fake_exe(tmp_path)
    kb = _big_kb(tmp_path / "kb", PARALLEL_MIN_ARTICLES)
    env = dict(os.environ, FAKE_EXE=str(exe), PYTHONPATH=str(ROOT))
    try:
        proc = subprocess.run(
            [str(exe), "index", "--kb", str(kb), "--index", str(tmp_path / "ix")],
            cwd=ROOT, env=env, capture_output=True, timeout=120,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the frozen build hangs (workers never ran): {exc.stderr!r}")
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, err
    assert f"правил — {PARALLEL_MIN_ARTICLES}" in proc.stdout.decode("utf-8")
    assert "Traceback" not in err and "ошибка" not in err
    with KnowledgeIndex.open(kb, tmp_path / "ix") as ix:
        found = {i: [h.id for h in ix.search(f"слово{i}", limit=1).hits] for i in range(0, 500, 25)}
    assert found == {i: [f"a{i}/s/1"] for i in found}  # the workers' share is in the index too


def test_freezers_see_that_the_bundled_data_package_is_needed():
    """PyInstaller collects what the code imports: ``kb.paths`` must import ``resources``."""
    finder = modulefinder.ModuleFinder(path=[str(ROOT)])
    finder.run_script(str(ROOT / "kb" / "paths.py"))
    assert "resources" in finder.modules


def test_bundled_kb_is_found_in_a_pyinstaller_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import resources
    from kb import paths

    bundle = tmp_path / "_internal"
    (bundle / "resources" / "kb").mkdir(parents=True)
    (bundle / "resources" / "source").mkdir()
    monkeypatch.setattr(resources, "__file__", str(tmp_path / "PYZ" / "resources" / "__init__.pyc"))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert paths.bundled_kb_dir() == bundle / "resources" / "kb"
    assert paths.bundled_source() == bundle / "resources" / "source" / "procedure.txt"


def test_bundled_kb_is_found_beside_a_one_folder_exe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import resources
    from kb import paths

    (tmp_path / "app" / "_internal" / "resources" / "kb").mkdir(parents=True)
    monkeypatch.setattr(resources, "__file__", str(tmp_path / "nowhere" / "__init__.pyc"))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "app" / "kb-browser.exe"))
    assert paths.bundled_kb_dir() == tmp_path / "app" / "_internal" / "resources" / "kb"
