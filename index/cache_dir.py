"""The index folder is private to the user: created 0700, refused when someone else could write in it.

Everything in the index folder is read back by this process, and not all of it is plain data:
Whoosh keeps its table of contents, stored fields and posting blocks as pickles (read by Whoosh
itself and by ``index/postings.py`` and ``index/stored.py``), and a writer's posting-pool runs are
pickles too (``index/posting_pool.py``). Their only defence is this module: a file another user
could plant would run code as the user who opens it. So the folder and every folder of ours above
it (the app's own cache root, ``kb-browser`` or the per-user ``kb-browser-<uid>`` in the system
temp folder) must be owned by the user and writable by nobody else; anything that is not makes
:func:`prepare` raise :class:`UnsafeCacheDir` (an OSError), and the caller searches from an
in-memory index with one notice. The parsed-KB cache (``index/kb_cache.py``) is plain data either
way and is also ignored in such a folder.

The system temp folder itself (``/tmp``, sticky and open to all) and the folders above the app's
root (the home folder, ``~/.cache``) are not ours and are not checked. On Windows (no uid, modes
mean nothing) the per-user cache under ``%LOCALAPPDATA%`` is protected by its ACLs: no owner or
mode check there, but the temp fallback is still per user (the user name in its name).
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import re
import stat
import tempfile
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

APP_NAME = "kb-browser"
PRIVATE_MODE = 0o700
IS_WINDOWS = os.name == "nt"  # read at each call, so tests can simulate Windows

_stat = os.stat  # the checks read owner and mode through these two: tests simulate other owners
_lstat = os.lstat


class UnsafeCacheDir(PermissionError):
    """A cache folder someone else owns or may write to; ``reason`` says which and why (in Russian,
    the user sees it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


def user_tag() -> str:
    """What makes the temp fallback per user: the effective uid, or on Windows the user name."""
    if not IS_WINDOWS:
        return str(os.geteuid())
    try:
        name = os.environ.get("USERNAME") or getpass.getuser()
    except Exception:  # no user name to be found: still one folder, just not told apart
        name = ""
    return re.sub(r"[^\w.-]", "_", name)[:64] or "user"


def fallback_name() -> str:
    """The name of the per-user folder in the system temp folder: ``kb-browser-<uid>``."""
    return f"{APP_NAME}-{user_tag()}"


def app_roots() -> tuple[Path, ...]:
    """The app's own cache roots: the user cache folder and the per-user temp fallback."""
    return (platformdirs.user_cache_path(APP_NAME), Path(tempfile.gettempdir()) / fallback_name())


def _our_folders(folder: Path) -> list[Path]:
    """``folder`` and, when it lies under one of the app's roots, every folder up to that root."""
    folder = Path(os.path.abspath(folder))
    for root in app_roots():
        root = Path(os.path.abspath(root))
        if folder.is_relative_to(root):
            return [folder, *(p for p in folder.parents if p.is_relative_to(root))]
    return [folder]


def unsafe_reason(folder: Path, also: tuple[Path, ...] = ()) -> str | None:
    """Why ``folder`` (or a folder of ours above it, or one of ``also``) must not be trusted, or
    None. Folders that do not exist yet are not a reason: :func:`prepare` makes them."""
    if IS_WINDOWS:
        return None
    uid = os.geteuid()
    paths = (*_our_folders(folder), *also)
    return next((problem for path in paths if (problem := _problem(path, uid)) is not None), None)


def _problem(path: Path, uid: int) -> str | None:
    try:
        st = _lstat(path)
        if stat.S_ISLNK(st.st_mode):
            if st.st_uid != uid:
                return f"папка кэша {path} — ссылка, созданная другим пользователем (uid {st.st_uid})"
            st = _stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"папку кэша {path} нельзя проверить ({exc.strerror or exc})"
    if not stat.S_ISDIR(st.st_mode):
        return f"{path} — не папка"
    if st.st_uid != uid:
        return f"папка кэша {path} принадлежит другому пользователю (uid {st.st_uid})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"в папку кэша {path} могут писать другие пользователи (права {stat.S_IMODE(st.st_mode):o})"
    return None


def prepare(folder: Path) -> None:
    """Create ``folder`` and the missing folders above it private (0700), then check it and every
    folder of ours above it; UnsafeCacheDir when one is not the user's alone. A folder that cannot be
    created is left to the caller (it fails as before when the index is written)."""
    missing = _missing(Path(folder))
    for path in reversed(missing):  # from the top down
        try:
            path.mkdir(mode=PRIVATE_MODE)
        except FileExistsError:  # made meanwhile by someone: checked below like any folder of ours
            continue
        except OSError as exc:
            log.info("Cache folder %s not created: %s", path, exc)
            break
        if not IS_WINDOWS:
            with contextlib.suppress(OSError):  # the umask may have taken the owner's own bits
                os.chmod(path, PRIVATE_MODE)
    problem = unsafe_reason(folder, also=tuple(missing))
    if problem is not None:
        raise UnsafeCacheDir(problem)


def _missing(folder: Path) -> list[Path]:
    """``folder`` and the folders above it that do not exist yet, nearest first."""
    out = []
    for path in (folder, *folder.parents):
        try:
            if path.exists():
                break
        except OSError:  # cannot even be looked at: not ours to create
            break
        out.append(path)
    return out
