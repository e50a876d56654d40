"""Save a screenshot of the window with a search on screen (for checking the layout by eye).

xvfb-run -a -s "-screen 0 1366x768x24" python -m desktop_app.screenshot --out /tmp/kb_1366.png
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--query", default="роуминг")
    parser.add_argument("--size", default="", help="WxH; default: the screen's available size")
    parser.add_argument("--kb", type=Path, default=None)
    args = parser.parse_args(argv)

    from desktop_app.app import create_window, ensure_app
    from desktop_app.settings import AppPaths

    app = ensure_app(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp(prefix="kb-shot-"))
    window, reporter = create_window(args.kb, tmp / "index", AppPaths.under(tmp))
    reporter.uninstall()  # a script: print tracebacks instead of a modal dialog
    if args.size:
        w, h = (int(v) for v in args.size.lower().split("x"))
        window.resize(w, h)
    else:
        window.setGeometry(QGuiApplication.primaryScreen().availableGeometry())
    window.show()

    def type_query() -> None:
        for ch in args.query:
            QTest.sendKeyEvent(
                QTest.KeyAction.Click,
                window.search_box,
                Qt.Key.Key_unknown,
                ch,
                Qt.KeyboardModifier.NoModifier,
            )
        QTimer.singleShot(100, wait_for_hits)

    def wait_for_hits(tries: int = 50) -> None:
        if window.result is None and tries:
            QTimer.singleShot(100, lambda: wait_for_hits(tries - 1))
            return
        window.open_selected()
        QTimer.singleShot(300, save)

    def save() -> None:
        window.grab().save(str(args.out))
        print(f"{args.out}: {window.width()}x{window.height()}, hits: {window.results.model.rowCount()}")
        window.close()
        app.quit()

    window.ready.connect(lambda: QTimer.singleShot(100, type_query))
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
