"""File moves that survive Windows: another process holding a file open blocks a rename over it.

On Windows ``os.replace`` fails with PermissionError (sharing violation) while any process has the
target (or the source) open without FILE_SHARE_DELETE, which is how Python, Whoosh and editors open
files; the holder usually lets go within milliseconds (a reader checking the index, an antivirus
scan). Every rename of a file another process may hold goes through :func:`replace_retrying`.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

log = logging.getLogger(__name__)

RETRIES = 10
RETRY_DELAY = 0.1  # seconds between tries: ~1 s in all before giving up


class FileBusy(PermissionError):
    """The file stayed held by another process through every retry; ``str()`` is one clear line."""


def replace_retrying(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    """``os.replace(src, dst)``, tried again for about a second while it fails with PermissionError;
    then :class:`FileBusy` naming ``dst``. Other errors are raised at once."""
    for attempt in range(RETRIES):
        try:
            os.replace(src, dst)
            return
        except PermissionError as exc:
            if attempt == RETRIES - 1:
                raise FileBusy(f"файл занят другой программой, замена не удалась: {Path(dst)}") from exc
            log.debug("replace %s -> %s: %s; retrying", src, dst, exc)
            time.sleep(RETRY_DELAY)
