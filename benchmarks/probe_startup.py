"""App start probe: run the real GUI offscreen and report when the main window is shown.

    KB_BENCH_T0=<time.time() before the process was started> QT_QPA_PLATFORM=offscreen \
        python benchmarks/probe_startup.py KB_DIR INDEX_DIR        (prints one JSON line)

``shown_s``: from KB_BENCH_T0 to the first event-loop turn after the main window is visible.
``ready_s``: from KB_BENCH_T0 to the index being open (IndexSession.opened).
A JSON line is printed as soon as the window is shown, and a complete one at the end.
desktop_app is not modified: this process wraps ``QApplication.exec`` and
``IndexSession._on_opened`` in memory, then calls ``desktop_app.app.run_gui`` as the app does.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

T0 = float(os.environ.get("KB_BENCH_T0") or time.time())
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TIMEOUT_MS = 60_000
marks: dict[str, float] = {}


def _rss_mb() -> float:
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


def _install_hooks() -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app import index_session

    original_opened = index_session.IndexSession._on_opened

    def on_opened(self, ix):
        marks.setdefault("ready", time.time())
        original_opened(self, ix)
        _maybe_quit()

    index_session.IndexSession._on_opened = on_opened
    original_exec = QApplication.exec

    def exec_(*args):
        QTimer.singleShot(0, _first_turn)
        QTimer.singleShot(TIMEOUT_MS, QApplication.quit)
        return original_exec()  # a static method in PySide6, also called as app.exec()

    QApplication.exec = exec_
    if hasattr(QApplication, "exec_"):
        QApplication.exec_ = exec_


def _first_turn() -> None:
    from PySide6.QtWidgets import QApplication

    if any(w.isVisible() and w.isWindow() for w in QApplication.topLevelWidgets()):
        marks.setdefault("shown", time.time())
        _report()  # printed at once: the figure survives a crash later on
        _maybe_quit()
    else:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(1, _first_turn)


def _report() -> None:
    out = {key: round(marks[key] - T0, 3) for key in ("shown", "ready") if key in marks}
    out = {f"{key}_s": value for key, value in out.items()}
    if "rss_mb" in marks:
        out["rss_mb"] = marks["rss_mb"]
    print(json.dumps(out), flush=True)


def _maybe_quit() -> None:
    from PySide6.QtWidgets import QApplication

    if "shown" in marks and "ready" in marks:
        marks["rss_mb"] = _rss_mb()
        QApplication.quit()


def main(argv: list[str]) -> int:
    kb_dir, index_dir = Path(argv[0]), Path(argv[1])
    _install_hooks()
    from desktop_app.app import run_gui

    run_gui(kb_dir, index_dir)
    if "shown" not in marks or "ready" not in marks:
        print(f"window or index never came up: {marks}", file=sys.stderr)
        return 1
    _report()
    sys.stderr.flush()
    os._exit(0)  # skip interpreter finalization: PySide6 may abort there (none_dealloc), after the figures


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
