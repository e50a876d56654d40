"""Faults simulated for the index tests: bit rot that keeps size and mtime, a full disk, a read-only
cache. We run as root, so a refused write is simulated by patching the calls that write (``open``
for writing, ``os.open`` with a write flag, ``mkdir``, ``replace``, ``rename``, ``unlink``) for the
paths under one folder, not by ``chmod``."""

from __future__ import annotations

import builtins
import contextlib
import errno
import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from index import KnowledgeIndex, lifecycle
from index.store import current_dir

ROAMING = "alpha/finance/1"  # the roaming rule of the small fixture KB
EDIT_WORD = "гиппопотам"  # a word no fixture article has, put into the roaming rule by ``edit_roaming``


def edit_roaming(kb: Path) -> None:
    """Put ``EDIT_WORD`` into the roaming rule of the small KB (an ordinary edit of alpha.md)."""
    alpha = kb / "alpha.md"
    text = alpha.read_text(encoding="utf-8")
    assert "роуминге" in text
    alpha.write_text(text.replace("роуминге", f"роуминге {EDIT_WORD}е"), encoding="utf-8")


def flip_keeping_mtime(path: Path, pos: int, length: int = 16) -> None:
    """Invert ``length`` bytes at ``pos`` and put the size and mtime back as they were (bit rot)."""
    st = path.stat()
    data = bytearray(path.read_bytes())
    for i in range(pos, min(len(data), pos + length)):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def rot_where_a_search_trips(kb: Path, index_dir: Path, query: str = "роуминг", tries: int = 120) -> Path:
    """Bit rot in the ``.trm`` file of the index (size and mtime kept) that the quick checks on open
    let through and that makes the search for ``query`` fail to read: found by trying 16-byte windows
    from the end of the file, each judged with recovery switched off (what the old code did: the
    read error was swallowed and the search answered nothing). Returns the file damaged."""
    pristine = index_dir.parent / f"{index_dir.name}.pristine"
    shutil.copytree(index_dir, pristine)
    trm = next(current_dir(index_dir).glob("*.trm"))
    size = trm.stat().st_size
    for pos in range(size - 16, max(0, size - 16 * tries), -16):
        flip_keeping_mtime(trm, pos)
        if _search_trips(kb, index_dir, query):
            shutil.rmtree(pristine)
            return trm
        shutil.rmtree(index_dir)
        shutil.copytree(pristine, index_dir)
    raise AssertionError(f"no bit rot in {trm.name} found that the search trips over")


def _search_trips(kb: Path, index_dir: Path, query: str) -> bool:
    failures: list[Exception] = []

    def no_recovery(self, failed, exc, kb):
        failures.append(exc)
        raise exc

    real = lifecycle.Lifecycle.recover
    lifecycle.Lifecycle.recover = no_recovery
    try:
        with KnowledgeIndex.open(kb, index_dir) as ix:
            passed_checks = ix.rebuilt_reason is None
            answered = bool(ix.search(query).hits)
    finally:
        lifecycle.Lifecycle.recover = real
    return passed_checks and not answered and bool(failures)


# ------------------------------------------------------------------ refused writes

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class RefusedWrites:
    """While active, writes under ``root`` fail with ``code``: ENOSPC (a full disk: new files and
    folders cannot be made, data cannot be written, an existing file still opens and deletes work)
    or EROFS/EACCES (a read-only or foreign cache: nothing at all may change)."""

    def __init__(self, root: Path, code: int) -> None:
        self.root = str(Path(root).resolve())
        self.code = code
        self.refused: list[str] = []  # what was refused, for the test to check that it happened
        self.active = True

    @property
    def read_only(self) -> bool:
        return self.code != errno.ENOSPC

    def under(self, path: object) -> bool:
        if not self.active or isinstance(path, int):
            return False
        try:
            resolved = os.path.abspath(os.fspath(path))
        except TypeError:
            return False
        return resolved == self.root or resolved.startswith(self.root + os.sep)

    def refuse(self, path: object) -> OSError:
        self.refused.append(os.fspath(path))
        cls = PermissionError if self.code in (errno.EACCES, errno.EPERM) else OSError
        return cls(self.code, os.strerror(self.code), os.fspath(path))


@contextlib.contextmanager
def refused_writes(root: Path, code: int = errno.ENOSPC) -> Iterator[RefusedWrites]:
    """Writes under ``root`` fail with ``code`` inside the ``with`` block (see :class:`RefusedWrites`)."""
    state = RefusedWrites(root, code)
    real_open, real_os_open = builtins.open, os.open
    real_mkdir, real_replace, real_rename = os.mkdir, os.replace, os.rename
    real_unlink, real_remove, real_rmdir = os.unlink, os.remove, os.rmdir
    real_rmtree = shutil.rmtree

    def fake_open(file, mode="r", *args, **kwargs):
        if state.under(file) and any(c in mode for c in "wax+"):
            raise state.refuse(file)
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path, flags, *args, **kwargs):
        creates = flags & os.O_CREAT and not os.path.exists(path)
        if state.under(path) and flags & _WRITE_FLAGS and (state.read_only or creates):
            raise state.refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    def always(real):
        def fake(path, *args, **kwargs):
            if state.under(path):
                raise state.refuse(path)
            return real(path, *args, **kwargs)

        return fake

    def when_read_only(real):
        def fake(path, *args, **kwargs):
            if state.read_only and state.under(path):
                raise state.refuse(path)
            return real(path, *args, **kwargs)

        return fake

    def moving(real):
        def fake(src, dst, *args, **kwargs):
            if state.read_only and (state.under(src) or state.under(dst)):
                raise state.refuse(dst)
            return real(src, dst, *args, **kwargs)

        return fake

    def fake_rmtree(path, ignore_errors=False, *args, **kwargs):  # rmtree unlinks by dir_fd: no path
        if state.read_only and state.under(path):
            if ignore_errors:
                return None
            raise state.refuse(path)
        return real_rmtree(path, ignore_errors, *args, **kwargs)

    patches = [
        (builtins, "open", fake_open),
        (io, "open", fake_open),
        (os, "open", fake_os_open),
        (os, "mkdir", always(real_mkdir)),
        (os, "replace", moving(real_replace)),
        (os, "rename", moving(real_rename)),
        (os, "unlink", when_read_only(real_unlink)),
        (os, "remove", when_read_only(real_remove)),
        (os, "rmdir", when_read_only(real_rmdir)),
        (shutil, "rmtree", fake_rmtree),
    ]
    saved = [(obj, name, getattr(obj, name)) for obj, name, _ in patches]
    for obj, name, fake in patches:
        setattr(obj, name, fake)
    try:
        yield state
    finally:
        state.active = False
        for obj, name, real in saved:
            setattr(obj, name, real)
