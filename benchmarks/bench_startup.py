"""Desktop start-up: process start → main window shown and searchable (index already built).

    python benchmarks/bench_startup.py [--runs 7] [--kb DIR]

Each run is a fresh ``python`` subprocess (offscreen Qt, settings in a temp folder). The child
builds the window exactly as ``run_gui`` does and prints READY once the window is shown and the
index is open; the parent times spawn → READY. The baseline in the same run is a bare
``import PySide6.QtWidgets; QApplication([])``. Target: median ≤ 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 1.0

APP_CHILD = """
import sys, time
t0 = time.perf_counter()
from pathlib import Path
from PySide6.QtCore import QTimer
from desktop_app.app import create_window, ensure_app
from desktop_app.settings import AppPaths
app = ensure_app(sys.argv[:1])
window, reporter = create_window(Path(sys.argv[1]), Path(sys.argv[2]), AppPaths.under(Path(sys.argv[3])))
marks = {}
def shown():
    marks["shown"] = time.perf_counter() - t0
def ready():
    marks["ready"] = time.perf_counter() - t0
    QTimer.singleShot(0, finish)  # one more event-loop turn: the window has painted
def finish():
    print("READY", marks.get("shown", -1), marks["ready"], flush=True)
    app.quit()
window.ready.connect(ready)
window.show()
QTimer.singleShot(0, shown)
app.exec()
"""

BASELINE_CHILD = """
from PySide6.QtWidgets import QApplication
app = QApplication([])
print("READY", flush=True)
"""


def timed_run(code: str, args: list[str], env: dict[str, str]) -> tuple[float, list[str]]:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        env=env,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("READY"):
            elapsed = time.perf_counter() - start
            proc.wait(timeout=30)
            return elapsed, line.split()[1:]
    proc.wait(timeout=30)
    raise RuntimeError(f"child exited with {proc.returncode} before READY")


def build_index(kb_dir: Path, index_dir: Path) -> None:
    from index import KnowledgeIndex

    KnowledgeIndex.open(kb_dir, index_dir).close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--kb", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from kb.paths import bundled_kb_dir

    kb_dir = args.kb or bundled_kb_dir()
    with tempfile.TemporaryDirectory(prefix="kb-bench-start-") as tmp:
        tmp_path = Path(tmp)
        index_dir = tmp_path / "index"
        build_index(kb_dir, index_dir)
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
        env.update(
            {v: str(tmp_path / v.lower()) for v in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")}
        )
        app_args = [str(kb_dir), str(index_dir), str(tmp_path / "app")]
        timed_run(APP_CHILD, app_args, env)  # warm the OS file cache once
        base = [timed_run(BASELINE_CHILD, [], env)[0] for _ in range(args.runs)]
        runs = [timed_run(APP_CHILD, app_args, env) for _ in range(args.runs)]
    total = [r[0] for r in runs]
    shown = [float(r[1][0]) for r in runs]
    ready = [float(r[1][1]) for r in runs]
    report = {
        "runs": args.runs,
        "baseline_qapplication_s": round(statistics.median(base), 3),
        "app_usable_s": round(statistics.median(total), 3),
        "app_usable_max_s": round(max(total), 3),
        "in_process_shown_s": round(statistics.median(shown), 3),
        "in_process_index_ready_s": round(statistics.median(ready), 3),
        "target_s": TARGET_S,
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(f"runs per variant: {args.runs} (median)")
        print(
            f"baseline  python + import QtWidgets + QApplication : {report['baseline_qapplication_s']:.3f} s"
        )
        print(f"kb-browser  spawn → window shown and searchable     : {report['app_usable_s']:.3f} s")
        print(f"            (worst {report['app_usable_max_s']:.3f} s)")
        print(
            f"            in process: window shown {report['in_process_shown_s']:.3f} s,"
            f" index open {report['in_process_index_ready_s']:.3f} s after the first import"
        )
        verdict = "OK" if report["app_usable_s"] <= TARGET_S else "OVER TARGET"
        print(f"target ≤ {TARGET_S:.1f} s: {verdict}")
    return 0 if report["app_usable_s"] <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
