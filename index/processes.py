"""Processes and temporary files of an index build clean up after themselves.

A large build runs Whoosh's ``MpWriter``: writer processes fed through a queue. Whoosh leaves
them behind when the process that started them dies (they wait on the queue for good, holding
the build lock they inherited), and its ``cancel`` only flips a flag in the parent's copy of each
task. Here:

- every writer process watches its parent (:func:`watch_parent`) and exits when it is gone,
  whichever way it was started (fork, spawn, forkserver);
- a forked child closes at once the lock descriptors the parent marked as its own
  (:func:`parent_only`). ``flock`` locks belong to the open file, which a fork shares, so a child
  keeping the descriptor would keep the lock after the parent died; closing a duplicate never
  releases the parent's lock. Spawned children (Windows, and the fork server) inherit no lock:
  Python opens files non-inheritable;
- :class:`WatchedMpWriter` cancels by terminating and joining its processes, and fails the build
  when one of them died (instead of hanging, or committing an index without its share);
- :class:`PrivateRamStorage` is a ``RamStorage`` whose writers spill into a private temporary
  folder, removed afterwards (Whoosh's own uses ``<tmp>/MAIN.tmp`` for every process at once).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import queue
import shutil
import signal
import tempfile
import threading
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import wait

from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

log = logging.getLogger(__name__)

WATCH_POLL = 0.5  # seconds between two looks at the parent pid (the sentinel wakes us at once)
STOP_TIMEOUT = 5.0  # a terminated writer process that does not exit by then is killed
ORPHANED_EXIT = 75  # exit code of a writer process whose parent went away

# ----------------------------------------------------------------------------- lock descriptors

_parent_only: set = set()  # held locks (Whoosh FileLock: an ``fd`` attribute)


def keep_from_children(lock) -> None:
    """A process forked from this one from now on closes ``lock``'s descriptor first thing (and
    forgets it: the child's copy of ``lock`` then never touches a descriptor reused for another
    file)."""
    if getattr(lock, "fd", None) is not None:
        _parent_only.add(lock)


def release_to_children(lock) -> None:
    """Undo :func:`keep_from_children` (before ``lock`` is released)."""
    _parent_only.discard(lock)


@contextmanager
def parent_only(lock) -> Iterator[None]:
    """:func:`keep_from_children` for the time of the block."""
    keep_from_children(lock)
    try:
        yield
    finally:
        release_to_children(lock)


def _close_parent_only() -> None:
    for lock in list(_parent_only):
        fd, lock.fd = lock.fd, None
        with suppress(OSError, TypeError):
            os.close(fd)
    _parent_only.clear()


if hasattr(os, "register_at_fork"):  # POSIX; on Windows nothing forks
    os.register_at_fork(after_in_child=_close_parent_only)

# ----------------------------------------------------------------------------- parent watch


def watch_parent() -> threading.Thread | None:
    """In a ``multiprocessing`` child: a daemon thread that ends this process (``os._exit``) as soon
    as its parent is gone. None in a process that has no multiprocessing parent."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return None
    # fork and spawn: the parent is also the OS parent, whose pid changes to the reaper's when it
    # dies (a fallback: under fork a sibling started later keeps our sentinel pipe open too).
    # forkserver: the OS parent is the server; the sentinel is what tells.
    ppid = os.getppid() if os.name != "nt" and os.getppid() == parent.pid else None
    thread = threading.Thread(
        target=_exit_with_parent, args=(parent.sentinel, ppid), name="parent-watch", daemon=True
    )
    thread.start()
    return thread


def _exit_with_parent(sentinel, ppid: int | None) -> None:
    while not wait([sentinel], timeout=WATCH_POLL):
        if ppid is not None and os.getppid() != ppid:
            break
    os._exit(ORPHANED_EXIT)


# ----------------------------------------------------------------------------- the parallel writer


class WatchedSubWriterTask(SubWriterTask):
    """Whoosh's writer process, watching its parent. Ctrl+C reaches the whole console process
    group: here it is ignored, the parent cancels the build and stops us."""

    def run(self) -> None:
        watch_parent()
        with suppress(ValueError):  # not the main thread: nothing to change
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        super().run()


class WatchedMpWriter(MpWriter):
    """``MpWriter`` whose processes die with the parent and stop on cancel. A process that dies
    (killed, out of memory) fails the build instead of hanging it or committing an index without
    its share: Whoosh would block for good on the job queue (the dead process may hold the
    queue's lock) and commit what the others wrote."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        keep_from_children(self.writelock)  # Whoosh's own lock of the index

    def _new_task(self) -> SubWriterTask:
        task = WatchedSubWriterTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment
        )
        self.tasks.append(task)
        task.start()
        return task

    def _enqueue(self) -> None:
        """Whoosh's ``_enqueue`` (documents to a job file, its name to the queue), never blocking
        on a queue no live process reads."""
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as f:
            for item in self.docbuffer:
                pickle.dump(item, f, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put((filename, len(self.docbuffer)))
        self.docbuffer = []

    def _put(self, item) -> None:
        while True:
            self._check_tasks()
            try:
                self.jobqueue.put(item, timeout=WATCH_POLL)
                return
            except queue.Full:
                continue

    def _check_tasks(self) -> None:
        failed = [t.exitcode for t in self.tasks if t.exitcode not in (None, 0)]
        if failed:
            raise ChildProcessError(f"index writer process failed (exit codes {failed})")

    def _finish_tasks(self) -> None:
        """What Whoosh's commit does first, watching the processes: last jobs, an end mark for
        each process, then wait for them all to finish (Whoosh's own marks and joins then find
        them done)."""
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self._put(None)
        for task in self.tasks:
            while task.is_alive():
                self._check_tasks()
                task.join(WATCH_POLL)
        self._check_tasks()

    def commit(self, *args, **kwargs) -> None:
        try:
            if self._added_sub:
                self._finish_tasks()
            super().commit(*args, **kwargs)
        except BaseException:
            self._abandon()
            raise

    def cancel(self) -> None:
        self._abandon()

    def _abandon(self) -> None:
        """Stop the processes, drop the queues, cancel this writer (if it is not closed yet)."""
        try:
            stop(self.tasks)
        finally:
            for q in (self.jobqueue, self.resultqueue):
                q.cancel_join_thread()  # nobody reads them any more: exiting must not wait on them
                q.close()
            if not self.is_closed:
                SegmentWriter.cancel(self)

    def _finish(self) -> None:
        release_to_children(self.writelock)
        super()._finish()


def stop(tasks: Iterable[multiprocessing.Process], timeout: float = STOP_TIMEOUT) -> None:
    """Terminate ``tasks`` and wait for them; one that outlives ``timeout`` is killed."""
    tasks = list(tasks)
    for task in tasks:
        if task.is_alive():
            task.terminate()
    for task in tasks:
        task.join(timeout)
        if task.is_alive():
            log.warning("index writer process %s did not stop; killing it", task.pid)
            task.kill()
            task.join()


def writer(ix, procs: int = 1, **options):
    """``ix.writer(**options)``; with ``procs`` > 1 a :class:`WatchedMpWriter`."""
    if procs > 1:
        return WatchedMpWriter(ix, procs=procs, **options)
    return ix.writer(**options)


# ----------------------------------------------------------------------------- private RAM storage


class _TempFolder(FileStorage):
    """A writer's spill folder, private (``mkdtemp``: mode 0700, a unique name); removed on
    ``destroy``, when garbage, or at exit, whichever comes first."""

    def __init__(self) -> None:
        super().__init__(tempfile.mkdtemp(prefix="kb-browser-ram-"))
        self._remove = weakref.finalize(self, shutil.rmtree, self.folder, True)

    def destroy(self) -> None:
        self._remove()


class PrivateRamStorage(RamStorage):
    """An index in memory whose writers' temporary files go to a private folder each, not to the
    fixed ``<tmp>/MAIN.tmp`` that every process using ``RamStorage`` shares."""

    def temp_storage(self, name: str | None = None) -> FileStorage:
        return _TempFolder()
