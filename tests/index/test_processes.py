"""Processes of an index build clean up after themselves (issue 14, part 4).

Writer processes die with their parent, whatever kills it and however they were started; no child
keeps the build lock; a lock whose holder died is taken at once; a cancelled build stops its
processes and leaves nothing behind; in-memory builds do not share a temporary folder.
These tests start real processes: every wait polls with a generous bound (a loaded 2-core machine).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.util.filelock import FileLock

import index.lifecycle as lifecycle
from index import KnowledgeIndex, processes, store

pytest.importorskip("wordfreq")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate_kb import generate  # noqa: E402

# Above lifecycle.PARALLEL_MIN_ARTICLES, so the CLI builds with two writer processes, and long
# enough (~25k rules, ~600 articles: 12 s of build unloaded) to be killed in the middle.
LARGE_RULES = 24_000
SMALL_RULES = 2_000  # ~50 articles: a parallel build when PARALLEL_MIN_ARTICLES is lowered
GONE_WITHIN = 15.0  # seconds for killed processes to vanish (they take ~0.2 s unloaded)
BUILD_TIMEOUT = 300
PROGRESS_RE = re.compile(rb"\((\d+)/(\d+)\)")
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def large_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kb-large")
    generate(out, LARGE_RULES)
    return out


@pytest.fixture(scope="module")
def small_generated_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kb-small")
    generate(out, SMALL_RULES)
    return out


# ----------------------------------------------------------------------------- helpers


def _poll(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def _kill_all(procs: list[psutil.Process]) -> None:
    for p in _alive(procs):
        p.kill()


def _lock_is_free(index_dir: Path) -> bool:
    try:
        with store.build_lock(index_dir, timeout=0):
            return True
    except store.LockTimeout:
        return False


def _cli(kb: Path, index_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "desktop_app.cli", "-v", "--kb", str(kb), "--index", str(index_dir), *args]


def _read_until_progress(proc: subprocess.Popen, fraction: float, timeout: float) -> bytes:
    """Read the CLI's stderr until its progress line passes ``fraction``."""
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        chunk = proc.stderr.read1(4096)
        if not chunk:
            break
        seen += chunk
        done = PROGRESS_RE.findall(seen)
        if done and int(done[-1][0]) >= fraction * int(done[-1][1]):
            return seen
    raise AssertionError(f"the build never passed {fraction:.0%}: {seen.decode(errors='replace')[-2000:]}")


def _script(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "script.py"
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- killed mid-build


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_killing_the_cli_mid_build_leaves_no_process_and_the_next_search_builds_at_once(
    large_kb: Path, tmp_path: Path, sig: int
):
    index_dir = tmp_path / "index"
    proc = subprocess.Popen(
        _cli(large_kb, index_dir, "search", "роуминг"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=ENV,
    )
    try:
        _read_until_progress(proc, 0.3, BUILD_TIMEOUT)
        writers = psutil.Process(proc.pid).children(recursive=True)
        assert len(writers) >= 2, "the build was not parallel: nothing to orphan"
        proc.send_signal(sig)
        proc.wait(timeout=60)
        assert _poll(lambda: not _alive(writers), GONE_WITHIN), _alive(writers)
    finally:
        proc.kill()
        _kill_all(writers)
    assert _lock_is_free(index_dir)

    started = time.monotonic()
    after = subprocess.run(
        _cli(large_kb, index_dir, "search", "--json", "роуминг"),
        capture_output=True,
        cwd=ROOT,
        env=ENV,
        timeout=BUILD_TIMEOUT,
    )
    seconds = time.monotonic() - started
    stderr = after.stderr.decode("utf-8", "replace")
    assert after.returncode == 0, stderr
    assert json.loads(after.stdout)["hits"], "the next search found nothing"
    assert "waiting for the build lock" not in stderr  # it built at once, no 60 s wait
    assert "in-memory" not in stderr and "Traceback" not in stderr, stderr
    assert store.current_dir(index_dir).is_dir()  # and published an index on disk
    print(f"next search after {signal.Signals(sig).name}: {seconds:.1f} s (build included)")


_PAUSED_BUILD = """
import json, multiprocessing, sys, time
from pathlib import Path

if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[3])
    import index.lifecycle as L
    from index import KnowledgeIndex

    L.PARALLEL_MIN_ARTICLES = 1

    def progress(done, total):
        if done == total - 1:  # both writer processes have work: report them, then hang
            kids = [c.pid for c in multiprocessing.active_children()]
            print(json.dumps(kids), flush=True)
            time.sleep(600)

    KnowledgeIndex.open(Path(sys.argv[1]), Path(sys.argv[2]), progress=progress)
"""


def _writer_pids(proc: subprocess.Popen) -> list[int]:
    line = proc.stdout.readline()
    assert line, proc.stderr.read().decode(errors="replace")
    return json.loads(line)


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_writer_processes_exit_when_their_parent_is_killed(
    small_generated_kb: Path, tmp_path: Path, method: str
):
    """fork: the CLI on Linux; spawn: Windows (and macOS); forkserver: the window on Linux."""
    script = _script(tmp_path, _PAUSED_BUILD)
    index_dir = tmp_path / "index"
    cmd = [sys.executable, str(script), str(small_generated_kb), str(index_dir), method]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=ENV)
    writers: list[psutil.Process] = []
    try:
        writers = [psutil.Process(pid) for pid in _writer_pids(proc)]
        assert len(writers) == 2
        proc.kill()
        proc.wait(timeout=60)
        assert _poll(lambda: not _alive(writers), GONE_WITHIN), _alive(writers)
    finally:
        proc.kill()
        _kill_all(writers)
    assert _lock_is_free(index_dir)


# ----------------------------------------------------------------------------- the build lock

_HOLD_LOCK = """
import multiprocessing, sys, time
from pathlib import Path

def sleep():
    time.sleep(600)

if __name__ == "__main__":
    from index import store

    with store.build_lock(Path(sys.argv[1])):
        if sys.argv[2] != "none":  # a child started while the lock is held, which outlives us
            child = multiprocessing.get_context(sys.argv[2]).Process(target=sleep, daemon=False)
            child.start()
            print(child.pid, flush=True)
        else:
            print(0, flush=True)
        time.sleep(600)
"""


def _hold_lock(tmp_path: Path, index_dir: Path, child: str) -> tuple[subprocess.Popen, int]:
    script = _script(tmp_path, _HOLD_LOCK)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(index_dir), child], stdout=subprocess.PIPE, cwd=ROOT, env=ENV
    )
    return proc, int(proc.stdout.readline() or -1)


def test_a_lock_whose_holder_was_killed_is_taken_at_once(tmp_path: Path):
    index_dir = tmp_path / "index"
    proc, _ = _hold_lock(tmp_path, index_dir, "none")
    try:
        assert not _lock_is_free(index_dir)  # held while its holder lives
        proc.kill()
        proc.wait(timeout=60)
        started = time.monotonic()
        with store.build_lock(index_dir, timeout=30):
            waited = time.monotonic() - started
    finally:
        proc.kill()
    assert waited < 5, f"waited {waited:.1f} s for the lock of a dead process"


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_a_child_started_while_the_lock_is_held_does_not_keep_it(tmp_path: Path, method: str):
    """flock belongs to the open file, which a forked child shares: without closing its copy, a
    child outliving its parent would keep the index locked (what made `search` wait 60 s)."""
    index_dir = tmp_path / "index"
    proc, child_pid = _hold_lock(tmp_path, index_dir, method)
    child = psutil.Process(child_pid)
    try:
        proc.kill()
        proc.wait(timeout=60)
        assert _alive([child]), "the child should outlive its parent here"
        assert _lock_is_free(index_dir)
    finally:
        proc.kill()
        child.kill()


def _fd_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def test_a_forked_child_closes_the_locks_held_and_forgets_them(tmp_path: Path):
    """In the child the lock's descriptor is closed and the lock forgets it (so it never unlocks or
    closes a descriptor reused for another file); the parent keeps its lock; a lock no longer
    marked is left alone."""
    held, other = FileLock(str(tmp_path / "held")), FileLock(str(tmp_path / "other"))
    assert held.acquire() and other.acquire()
    with processes.parent_only(other):
        pass  # marked, then unmarked: a fork now must not touch it
    fd, other_fd = held.fd, other.fd
    read, write = os.pipe()
    with processes.parent_only(held):
        pid = os.fork()
        if pid == 0:  # the child: report what it sees, then leave without unwinding
            seen = [held.fd, _fd_open(fd), other.fd, _fd_open(other_fd)]
            os.write(write, json.dumps(seen).encode())
            os._exit(0)
    os.waitpid(pid, 0)
    os.close(write)
    seen = json.loads(os.read(read, 1000))
    os.close(read)
    assert seen == [None, False, other_fd, True]
    assert held.fd == fd and _fd_open(fd)  # the parent keeps its lock
    assert not processes._parent_only
    held.release()
    other.release()


# ----------------------------------------------------------------------------- cancelling


class _Stop(BaseException):
    pass


def _writer_processes() -> list[psutil.Process]:
    """This process's multiprocessing children (not the fork server, if an earlier test in this
    process chose that start method: its writers are the server's children)."""
    import multiprocessing

    return _alive([psutil.Process(p.pid) for p in multiprocessing.active_children()])


def test_a_cancelled_parallel_build_stops_its_processes_and_leaves_nothing(
    small_generated_kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(lifecycle, "PARALLEL_MIN_ARTICLES", 1)
    before = {p.pid for p in _writer_processes()}
    index_dir = tmp_path / "index"
    seen: list[list[psutil.Process]] = []

    def progress(done: int, total: int) -> None:
        if done >= total // 2:
            seen.append([p for p in _writer_processes() if p.pid not in before])
            raise _Stop

    with pytest.raises(_Stop):
        KnowledgeIndex.open(small_generated_kb, index_dir, progress=progress)
    assert len(seen[0]) >= 2, "the build was not parallel"
    assert not _alive(seen[0])  # stopped and joined before the exception went on
    assert not list(index_dir.glob("gen-*"))  # the half-built generation is discarded
    assert _lock_is_free(index_dir)
    with KnowledgeIndex.open(small_generated_kb, index_dir) as ix:  # and the next open builds
        assert ix.search("роуминг").hits


def test_a_writer_process_that_dies_fails_the_build_instead_of_losing_its_share(
    small_generated_kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(lifecycle, "PARALLEL_MIN_ARTICLES", 1)
    before = {p.pid for p in _writer_processes()}
    killed: list[int] = []

    def progress(done: int, total: int) -> None:
        if done >= total // 2 and not killed:
            victim = next(p for p in _writer_processes() if p.pid not in before)
            victim.kill()
            killed.append(victim.pid)

    with KnowledgeIndex.open(small_generated_kb, tmp_path / "index", progress=progress) as ix:
        assert killed
        assert "in-memory" in (ix.rebuilt_reason or "")  # not a published index missing articles
        assert not (tmp_path / "index" / store.POINTER_NAME).exists()
        assert len(ix.search("роуминг").hits) > 0
        total_rules = len(ix.kb.rules)
    with KnowledgeIndex.open(small_generated_kb, tmp_path / "index") as again:  # next time, on disk
        assert again.rebuilt_reason is None
        assert len(again.kb.rules) == total_rules


# ----------------------------------------------------------------------------- private RAM storage


def _ram_index(storage: RamStorage):
    ix = storage.create_index(Schema(id=ID(stored=True), text=TEXT))
    writer = ix.writer(limitmb=0.01)  # spills runs to its temporary folder after a few documents
    for n in range(300):
        writer.add_document(id=str(n), text=f"слово{n % 17} текст номер {n} " * 5)
    return ix, writer


@pytest.mark.parametrize("storage", [RamStorage, processes.PrivateRamStorage], ids=["whoosh", "private"])
def test_two_in_memory_writers_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, storage: type[RamStorage]
):
    """Whoosh's RamStorage spills every writer into <tmp>/MAIN.tmp: the first to finish removes
    the other's runs (FileNotFoundError, the crash of issue 14). The private storage does not."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    (ix1, w1), (ix2, w2) = _ram_index(storage()), _ram_index(storage())
    w1.commit()
    if storage is RamStorage:
        with pytest.raises(FileNotFoundError):
            w2.commit()
        return
    w2.commit()
    for ix in (ix1, ix2):
        with ix.searcher() as s:
            assert s.doc_count() == 300
    assert not list(tmp_path.glob("MAIN.tmp"))
    del w1, w2
    import gc

    gc.collect()
    assert not list(tmp_path.iterdir()), list(tmp_path.iterdir())  # private folders removed


def test_private_temp_folders_are_private_and_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    ram = processes.PrivateRamStorage()
    a, b = ram.temp_storage("MAIN.tmp"), ram.temp_storage("MAIN.tmp")
    assert a.folder != b.folder
    assert (os.stat(a.folder).st_mode & 0o777) == 0o700
    a.create_file("run").close()
    a.destroy()
    assert not Path(a.folder).exists()
    b.destroy()
    assert not list(tmp_path.iterdir())


def test_two_processes_building_in_memory_at_once_both_answer(
    large_kb: Path, small_generated_kb: Path, tmp_path: Path
):
    """The cache cannot be written (its parent is a file): both searches fall back to an
    in-memory index, in the same temporary folder. The second starts once the first is building
    and ends before it: with Whoosh's RamStorage its cleanup removed the first one's spill files."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**ENV, "TMPDIR": str(tmp)}

    def start(kb: Path, name: str) -> subprocess.Popen:
        cmd = _cli(kb, blocker / name, "search", "--json", "роуминг")
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env)

    first = start(large_kb, "large")
    try:
        seen = _read_until_progress(first, 0.05, BUILD_TIMEOUT)  # its writer is spilling by now
        second = start(small_generated_kb, "small")
        results = [(second, *second.communicate(timeout=BUILD_TIMEOUT))]
        out, err = first.communicate(timeout=BUILD_TIMEOUT)
        results.append((first, out, seen + err))
    finally:
        first.kill()
    assert first.returncode is not None and second.returncode is not None
    for proc, out, err in results:
        err_text = err.decode("utf-8", "replace")
        assert proc.returncode == 0, err_text
        assert "in-memory" in err_text  # the fallback was taken
        assert "Traceback" not in err_text and "Exception ignored" not in err_text, err_text
        assert json.loads(out)["hits"]
    assert not list(tmp.iterdir()), list(tmp.iterdir())  # no temporary folder left behind
