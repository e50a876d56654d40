"""Closing (or killing) the window during an index build leaves no process behind (issue 14).

The window runs in a subprocess as the app runs it (writer processes from a fork server), on a
generated KB large enough that the build is still under way when the window goes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from desktop_app.worker import BackgroundRunner, Cancelled

pytest.importorskip("wordfreq")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate_kb import generate  # noqa: E402

RULES = 8_000  # ~200 articles: a build of some seconds, made parallel by the script below
CLOSE_WITHIN = 10.0  # seconds for window.close() during a build (0.2 s unloaded)
GONE_WITHIN = 15.0
TIMEOUT = 300

_WINDOW = """
import json, sys, time
from pathlib import Path

if __name__ == "__main__":
    import psutil
    import index.lifecycle as L
    from desktop_app.app import create_window, ensure_app, use_thread_safe_start_method
    from desktop_app.settings import AppPaths

    use_thread_safe_start_method()  # as run_gui does: writer processes from a fork server
    L.PARALLEL_MIN_ARTICLES = 1
    app = ensure_app()
    kb, index_dir, home, mode = sys.argv[1:5]
    window, _ = create_window(Path(kb), Path(index_dir), AppPaths.under(Path(home)))
    facts = {"pid": psutil.Process().pid}

    def descendants():
        kids = psutil.Process().children(recursive=True)
        return {c.pid: c.ppid() for c in kids if c.status() != psutil.STATUS_ZOMBIE}

    def on_progress(done, total):
        if "before" in facts or not total or done < 0.3 * total:
            return
        facts["before"] = descendants()
        print(json.dumps(facts), flush=True)
        if mode == "close":
            started = time.perf_counter()
            window.close()
            facts["close_seconds"] = time.perf_counter() - started
            facts["after"] = descendants()
            print(json.dumps(facts), flush=True)
            app.quit()

    window.session.progress.connect(on_progress)
    window.show()
    app.exec()
"""


@pytest.fixture(scope="module")
def generated_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kb-build")
    generate(out, RULES)
    return out


def _poll(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _alive(pids) -> list[int]:
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            pass
    return out


def _start_window(tmp_path: Path, kb: Path, index_dir: Path, mode: str) -> subprocess.Popen:
    script = tmp_path / "window.py"
    script.write_text(_WINDOW, encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, str(script), str(kb), str(index_dir), str(tmp_path / "app"), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _facts(proc: subprocess.Popen) -> dict:
    line = proc.stdout.readline()
    assert line, proc.stderr.read()
    facts = json.loads(line)
    facts["before"] = {int(pid): ppid for pid, ppid in facts["before"].items()}
    return facts


def _writers(facts: dict) -> set[int]:
    """The writer processes: the app's grandchildren (its children are the fork server and the
    resource tracker; the writers are forked by the server)."""
    return {pid for pid, ppid in facts["before"].items() if ppid != facts["pid"]}


def test_closing_the_window_during_a_build_cancels_it_and_leaves_no_process(
    generated_kb: Path, tmp_path: Path
):
    from index import KnowledgeIndex, store

    index_dir = tmp_path / "index"
    proc = _start_window(tmp_path, generated_kb, index_dir, "close")
    everyone: set[int] = set()
    try:
        facts = _facts(proc)
        everyone = set(facts["before"])
        writers = _writers(facts)
        assert len(writers) >= 2, f"the build was not parallel: {facts}"
        closed = json.loads(proc.stdout.readline() or "{}")
        assert closed, proc.stderr.read()
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
    print(f"window.close() during the build took {closed['close_seconds']:.2f} s")
    assert closed["close_seconds"] < CLOSE_WITHIN
    assert not writers & {int(pid) for pid in closed["after"]}  # stopped before close() returned
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    assert _poll(lambda: not _alive(everyone), GONE_WITHIN), _alive(everyone)  # server, tracker too
    assert not list(index_dir.glob("gen-*"))  # the half-built generation was discarded
    with KnowledgeIndex.open(generated_kb, index_dir) as ix:  # the next open builds fine
        assert ix.search("роуминг").hits
        assert ix.rebuilt_reason is None
    assert store.current_dir(index_dir).is_dir()


def test_killing_the_window_during_a_build_leaves_no_process(generated_kb: Path, tmp_path: Path):
    """kill -9 of the window once left four processes of ~190 MB each for good."""
    index_dir = tmp_path / "index"
    proc = _start_window(tmp_path, generated_kb, index_dir, "kill")
    everyone: set[int] = set()
    try:
        facts = _facts(proc)
        everyone = set(facts["before"])
        assert len(_writers(facts)) >= 2, f"the build was not parallel: {facts}"
        proc.kill()
        proc.wait(timeout=60)
        assert _poll(lambda: not _alive(everyone), GONE_WITHIN), _alive(everyone)
    finally:
        proc.kill()
        for pid in _alive(everyone):
            psutil.Process(pid).kill()


# ----------------------------------------------------------------------------- the runner


def test_cancelling_the_runner_stops_a_running_task_at_its_next_progress_report(qtbot):
    runner = BackgroundRunner(threads=1)
    started, outcome, reported = threading.Event(), [], []

    def task(progress) -> str:
        started.set()
        try:
            for n in range(10_000):
                progress(n, 10_000)
                time.sleep(0.001)
        except Cancelled:
            outcome.append("cancelled")
            raise
        return "finished"

    runner.submit(task, on_done=reported.append, on_error=reported.append, on_progress=lambda *_: None)
    runner.submit(lambda: outcome.append("ran"), on_done=reported.append)  # queued behind it
    assert started.wait(30)
    runner.cancel()
    assert runner.wait(30_000)
    qtbot.wait(50)  # let queued signals arrive, if any were sent
    assert outcome == ["cancelled"]  # the task stopped; the queued one never ran
    assert reported == []  # neither done nor an error for the window to show
    assert not runner.busy()
    runner.submit(lambda: outcome.append("after"))  # the runner stays stopped
    assert runner.wait(30_000)
    assert outcome == ["cancelled"]
