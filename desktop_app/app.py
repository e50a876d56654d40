"""Entry point of the desktop app: ``run_gui`` builds the application and the main window."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QLabel

from desktop_app import none_guard
from desktop_app.deployment import Deployment, KbChoice, choose_kb
from desktop_app.errors import CrashReporter, report_startup_failure
from desktop_app.main_window import MainWindow
from desktop_app.settings import APP_NAME, AppPaths, AppSettings

log = logging.getLogger(__name__)


def app_icon() -> QIcon:
    from importlib.resources import files

    icons = Path(str(files("resources").joinpath("icons")))
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        png = icons / f"kb-browser-{size}.png"
        if png.is_file():
            icon.addFile(str(png))
    return icon


def style_sheet() -> str:
    from importlib.resources import files

    qss = Path(str(files("resources").joinpath("styles", "app.qss")))
    return qss.read_text(encoding="utf-8") if qss.is_file() else ""


_translators: list[QTranslator] = []


def install_russian(app: QApplication) -> None:
    """Qt's own strings (OK, Отмена, Закрыть, file dialogs, context menus) in Russian."""
    if _translators:
        return
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if translator.load(QLocale(QLocale.Language.Russian), "qtbase", "_", folder):
        app.installTranslator(translator)
        _translators.append(translator)
    else:
        log.info("Qt's Russian translation not found in %s", folder)


MIN_POINT_SIZE = 10.0


def _readable_font(app: QApplication) -> None:
    """Agents read this all day: never start below 10 pt (bare X servers default to 9 pt)."""
    font = app.font()
    if 0 < font.pointSizeF() < MIN_POINT_SIZE:
        font.setPointSizeF(MIN_POINT_SIZE)
        app.setFont(font)


def ensure_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    none_guard.install(app)
    install_russian(app)
    _readable_font(app)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("База знаний")
    app.setWindowIcon(app_icon())
    app.setStyleSheet(style_sheet())
    return app  # type: ignore[return-value]


def choose_kb_dir(
    kb_dir: Path | None, settings: AppSettings, deployment: Deployment | None = None
) -> KbChoice:
    """The KB folder to open and why: command line > KB_BROWSER_KB > kb-browser.ini beside the
    program > the folder opened last time > the bundled demo KB (desktop_app/deployment.py)."""
    return choose_kb(kb_dir, settings.kb_dir(), deployment or Deployment.current())


def create_window(
    kb_dir: Path | None, index_dir: Path | None, paths: AppPaths, deployment: Deployment | None = None
) -> tuple[MainWindow, CrashReporter]:
    """The main window on the configured KB, with the crash reporter installed (tests use this)."""
    from desktop_app.kb_banner import KbAvailability

    ensure_app()
    settings = AppSettings(paths.settings_file)
    choice = choose_kb_dir(kb_dir, settings, deployment)
    log.info("knowledge base %s (from the %s)", choice.path, choice.source)
    window = MainWindow(choice.path, index_dir, settings)
    show_settings_notice(window, settings)
    window.availability = KbAvailability(window, choice)  # the demo / unreachable-KB banner
    reporter = CrashReporter(paths.log_dir, parent=lambda: window)
    reporter.install()
    return window, reporter


SETTINGS_NOTICE = "⚠ Настройки не сохранятся после выхода"


def show_settings_notice(window: MainWindow, settings: AppSettings) -> QLabel | None:
    """The one notice, for the whole session, that settings live in memory (the reason on hover)."""
    if not settings.notice:
        return None
    label = QLabel(SETTINGS_NOTICE)
    label.setObjectName("settingsNotice")
    label.setToolTip(settings.notice)
    label.setAccessibleDescription(settings.notice)
    window.statusBar().addPermanentWidget(label)
    return label


def use_thread_safe_start_method() -> None:
    """A large index is built by writer processes (Whoosh's MpWriter); forking them from a process
    that runs Qt's threads can deadlock, so the app starts them from a fork server where there is
    one (Linux; Python 3.14 makes it the default there). macOS and Windows already spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        with contextlib.suppress(RuntimeError):  # already chosen by whoever embeds us: keep theirs
            multiprocessing.set_start_method("forkserver")


def run_gui(kb_dir: Path | None = None, index_dir: Path | None = None, paths: AppPaths | None = None) -> int:
    """Open the main window and run the event loop; returns the exit code."""
    use_thread_safe_start_method()
    app = ensure_app(sys.argv[:1])
    paths = paths or AppPaths.default()
    reporter: CrashReporter | None = None
    try:
        window, reporter = create_window(kb_dir, index_dir, paths)
        report = os.environ.get(SMOKE_ENV)
        if report:
            # after the slot that emits ready has finished (it starts the warm-up after emitting)
            window.ready.connect(lambda: QTimer.singleShot(0, lambda: _smoke_report(window, Path(report))))
        window.show()
    except Exception as exc:  # before the event loop runs: a clear message, not a dead process
        if reporter is not None:
            reporter.uninstall()
        report_startup_failure(paths.log_dir, exc)
        return STARTUP_FAILED
    try:
        return app.exec()
    finally:
        reporter.uninstall()


STARTUP_FAILED = 1


SMOKE_ENV = "KB_BROWSER_SMOKE"  # a file name: write what the started window shows there, then quit


def _morphology_loads() -> bool | None:
    """Does the morphological dictionary load (None: this build has no index.morphology)? A frozen
    build missing its data would silently search worse than the installed app."""
    try:
        from index import morphology  # type: ignore[attr-defined]
    except ImportError:
        return None
    return bool(morphology.available())


def _smoke_report(window: MainWindow, report: Path) -> None:
    """For packaging/smoke.py: the frozen window came up, opened its KB, and can close by itself."""
    import json

    kb = window.kb
    facts = {
        "visible": window.isVisible(),
        "title": window.windowTitle(),
        "platform": QApplication.platformName(),
        "kb_dir": str(window.kb_dir),
        "articles": len(kb.articles) if kb else 0,
        "rules": len(kb.rules) if kb else 0,
        "banner": window.availability.banner.kind if window.availability.banner.isVisible() else "",
        "qt_russian": bool(_translators),
        "morphology": _morphology_loads(),
        "frozen": bool(getattr(sys, "frozen", False)),
    }
    report.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    window.close()  # the last window: the event loop ends as when an agent closes it
