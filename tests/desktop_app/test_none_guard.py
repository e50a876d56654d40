"""The None-reference guard: void Qt calls must not drive None's reference count to zero."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
if sys.argv[1] == "guard":
    from desktop_app import none_guard
    none_guard.install(app)
label = QLabel()
for i in range(30_000):
    label.setText("x")
    if sys.argv[1] == "guard" and i % 5000 == 0:
        app.processEvents()
        none_guard.top_up()
print("finished")
"""


def run(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, mode],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        cwd=ROOT,
        env={"QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_many_void_calls_do_not_abort_with_the_guard():
    guarded = run("guard")
    assert guarded.returncode == 0, guarded.stderr[-2000:]
    assert "finished" in guarded.stdout


def test_the_guard_is_needed_on_this_build():
    """Documents the leak: without the guard the same loop aborts (skip once PySide is fixed)."""
    import pytest

    from desktop_app.none_guard import leaks_none

    if not leaks_none():
        pytest.skip("this PySide/Python build does not leak None references")
    bare = run("bare")
    assert bare.returncode != 0
    assert "none_dealloc" in bare.stderr
