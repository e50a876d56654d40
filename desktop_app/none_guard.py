"""Keep ``None`` alive under PySide6 6.12 on Python 3.11.

Measured here (PySide6 6.12.0, Python 3.11.7): every call of a C++ method that returns
``void`` (``QLabel.setText``, ``QTextCursor.setPosition`` …) drops one reference to ``None``.
``None`` starts with ~5,000 references, so after enough calls its count reaches zero and the
interpreter aborts ("Fatal Python error: none_dealloc") — at exit, or mid-session in an app
used all day. From Python 3.12 ``None`` is immortal and the leak is harmless.

The guard measures the leak once; if there is one, it raises None's reference count by a large
margin and a timer gives back, every second, what was lost since. It writes the count in place
(CPython < 3.12 only): references held in a Python list would be released at exit, which is
exactly when the over-released count would reach zero.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QCoreApplication, QObject, QTimer

log = logging.getLogger(__name__)

MARGIN = 1_000_000  # far more references than a second of GUI work drops
CHECK_MS = 1000
_target = 0
_timer: QTimer | None = None


def leaks_none(calls: int = 200) -> bool:
    """True when void Qt calls lose references to None in this PySide/Python build."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(calls):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - calls // 2


def top_up() -> int:
    """Give back the references lost since the last check; returns how many."""
    deficit = _target - sys.getrefcount(None)
    if deficit > 0:
        ctypes.c_ssize_t.from_address(id(None)).value += deficit  # ob_refcnt: first field
    return max(deficit, 0)


def install(app: QCoreApplication) -> bool:
    """Start the guard for this application if the build leaks; True when it runs."""
    global _target, _timer
    if _timer is not None or not leaks_none():
        return _timer is not None
    _target = sys.getrefcount(None) + MARGIN
    top_up()
    _timer = QTimer(app)
    _timer.setInterval(CHECK_MS)
    _timer.timeout.connect(top_up)
    _timer.start()
    log.info("PySide void-call None leak detected: reference guard installed")
    return True
