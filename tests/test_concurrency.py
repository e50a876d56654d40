"""Several app windows and CLI processes starting together on an empty cache all answer.

Fault injected: N processes race to build the same index from nothing (issue 6 §3). None may
see a LockError, a half-built index or a traceback, and every one must find the right rule.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GUI_SCRIPT = r"""
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from desktop_app.app import create_window
from desktop_app.settings import AppPaths

window, reporter = create_window(None, Path(sys.argv[1]), AppPaths.under(Path(sys.argv[2])))
app = QApplication.instance()

def poll(left=200):
    if window.result is not None and window.result.hits:
        print(window.result.hits[0].id, flush=True)
        app.exit(0)
    elif left == 0:
        print("no result", flush=True)
        app.exit(3)
    else:
        QTimer.singleShot(50, lambda: poll(left - 1))

window.ready.connect(lambda: (window.set_query("роуминг"), poll()))
window.show()
sys.exit(app.exec())
"""


CLI_SEARCH = [sys.executable, "-m", "desktop_app.cli", "search", "--json"]


def _env() -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    env.pop("PYTHONHASHSEED", None)
    return env


def test_two_windows_and_four_cli_searches_start_together_on_an_empty_cache(tmp_path: Path):
    index_dir = tmp_path / "index"  # does not exist yet: everybody wants to build it
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", GUI_SCRIPT, str(index_dir), str(tmp_path / f"app{i}")],
            cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        )
        for i in range(2)
    ] + [
        subprocess.Popen(
            [*CLI_SEARCH, "--index", str(index_dir), "роуминг"],
            cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        )
        for _ in range(4)
    ]  # fmt: skip
    outputs = [(p.args, *p.communicate(timeout=180), p.returncode) for p in procs]
    for args, out, err, code in outputs:
        assert code == 0, (args[:3], out, err)
        assert "Traceback" not in err and "LockError" not in err, err
    gui_answers = [out.strip() for _, out, _, _ in outputs[:2]]
    cli_answers = [json.loads(out)["hits"][0]["id"] for _, out, _, _ in outputs[2:]]
    assert gui_answers == ["ss/finance/3"] * 2
    assert cli_answers == ["ss/finance/3"] * 4


def test_cli_rebuilds_a_garbage_index_with_one_clear_line(tmp_path: Path):
    index_dir = tmp_path / "index"
    run = [*CLI_SEARCH, "--index", str(index_dir), "роуминг"]
    subprocess.run(run, cwd=ROOT, env=_env(), check=True, capture_output=True)
    for f in index_dir.rglob("*"):
        if f.is_file():
            f.write_bytes(b"\x00garbage" * 7)
    proc = subprocess.run(run, cwd=ROOT, env=_env(), capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["hits"][0]["id"] == "ss/finance/3"
    notes = [line for line in proc.stderr.splitlines() if "перестроен" in line]
    assert len(notes) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
