"""Screenshots of the change marks and of «Что изменилось» (for checking the layout by eye).

xvfb-run -a -s "-screen 0 1366x768x24" python -m desktop_app.changes_screenshot --out-dir /tmp/shots

On a copy of the bundled KB: a first start (everything read), one rule edited and marked read (so
it shows the quiet «изменено» of a recent change), then one rule changed, one added, one removed.
Writes changes-results.png (a search with marked results), changes-toc.png (the contents) and
changes-view.png (the view open).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

QUERY = "тарификация"
EDITS = (  # (old, new) in ss.md
    ("3. Неверная тарификация:", "3. Неверная тарификация (в том числе в роуминге):"),
    ("в рамках акции «ТВ везде».", "в рамках акций «ТВ везде» и «КИОН»."),
)
ADDED = (
    "15. Неверная тарификация звонков на короткие номера Госуслуг, если клиент отказывается обращаться в СМ."
)
REMOVED_START, REMOVED_END = "12. Обращения по вопросам ДЗ", "13. Заявление клиента"


def wait_until(check: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QTest.qWait(50)


def edit(kb_dir: Path, old: str, new: str) -> None:
    path = kb_dir / "ss.md"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def change_add_remove(kb_dir: Path) -> None:
    edit(kb_dir, *EDITS[1])
    text = (kb_dir / "ss.md").read_text(encoding="utf-8")
    start = text.index(REMOVED_START)
    text = text[:start] + text[text.index(REMOVED_END, start) :]
    text = text.replace("\n## Технические вопросы", f"{ADDED}\n\n## Технические вопросы", 1)
    (kb_dir / "ss.md").write_text(text, encoding="utf-8")


def reload(window, check: Callable[[object], bool]) -> None:
    """Re-read the KB until the changes report satisfies ``check`` (the watcher may reload too)."""
    window.refresh_kb()
    wait_until(lambda: check(window.changes.report))


def type_query(window, text: str) -> None:
    for ch in text:
        QTest.sendKeyEvent(
            QTest.KeyAction.Click, window.search_box, Qt.Key.Key_unknown, ch, Qt.KeyboardModifier.NoModifier
        )
    wait_until(lambda: window.result is not None and window.result.query == text)


def screen_shot(path: Path) -> None:
    QTest.qWait(300)
    QGuiApplication.primaryScreen().grabWindow(0).save(str(path))
    print(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out-dir", type=Path, required=True)
    args = parser.parse_args(argv)

    from desktop_app.app import create_window, ensure_app
    from desktop_app.settings import AppPaths
    from kb.paths import bundled_kb_dir

    ensure_app(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp(prefix="kb-changes-shot-"))
    kb_dir = tmp / "kb"
    shutil.copytree(bundled_kb_dir(), kb_dir)
    import os

    os.environ["KB_BROWSER_DATA_DIR"] = str(tmp / "data")
    window, reporter = create_window(kb_dir, tmp / "index", AppPaths.under(tmp))
    reporter.uninstall()
    window.setGeometry(QGuiApplication.primaryScreen().availableGeometry())
    window.show()
    wait_until(lambda: window.kb is not None)
    window.changes.wait()
    edit(kb_dir, *EDITS[0])
    reload(window, lambda r: r.unread_count() == 1)
    window.changes.mark_all_read()
    wait_until(lambda: window.changes.report.unread_count() == 0)
    change_add_remove(kb_dir)
    reload(window, lambda r: r.unread_count() == 3)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    type_query(window, QUERY)
    window.open_selected()
    screen_shot(args.out_dir / "changes-results.png")
    window.tabs.setCurrentIndex(1)  # the contents, with their marks
    window.toc.reveal("ss/finance/11")
    screen_shot(args.out_dir / "changes-toc.png")
    window.tabs.setCurrentIndex(0)
    window.changes.show_view()
    window.changes.dialog.select("ss/finance/11")
    screen_shot(args.out_dir / "changes-view.png")
    window.changes.dialog.close()
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
