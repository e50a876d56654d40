"""A crafted settings.ini must never run code: PySide6 unpickles ``@Variant(PySide::PyObjectWrapper…)``
values when QSettings reads them, so the app drops such entries before Qt sees the file."""

import os
import subprocess
import sys

from PySide6.QtCore import QSettings

from desktop_app import settings as settings_module
from desktop_app.settings import AppSettings

_WRITER = """
import os, sys
from PySide6.QtCore import QSettings

class Bait:
    def __reduce__(self):
        return (os.mkdir, (sys.argv[2],))

qs = QSettings(sys.argv[1], QSettings.Format.IniFormat)
qs.setValue("window/geometry", Bait())
qs.setValue("view/zoom", 3)
qs.setValue("history/queries", ["роуминг", "сим"])
qs.sync()
"""


def _crafted_ini(path, marker):
    """Written by another process: QSettings caches the files this process wrote itself."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run([sys.executable, "-c", _WRITER, str(path), str(marker)], check=True, env=env, timeout=120)
    assert b"@Variant(" in path.read_bytes() and not marker.exists()


def test_the_bait_would_run_if_qt_read_it(qapp, tmp_path):
    path, marker = tmp_path / "settings.ini", tmp_path / "ran"
    _crafted_ini(path, marker)
    QSettings(str(path), QSettings.Format.IniFormat).value("window/geometry")
    assert marker.exists()  # the control: without the guard the payload runs


def test_a_crafted_settings_file_never_runs_code_and_keeps_the_other_settings(qapp, tmp_path):
    path, marker = tmp_path / "settings.ini", tmp_path / "ran"
    _crafted_ini(path, marker)
    settings = AppSettings(path)
    assert settings.blob("geometry") is None
    assert settings.zoom() == 3 and settings.recent_queries() == ["роуминг", "сим"]
    assert not marker.exists()
    assert b"@Variant(" not in path.read_bytes() and not settings.in_memory and not settings.notice


def test_a_read_only_crafted_settings_file_is_read_without_its_variants(qapp, tmp_path, monkeypatch):
    path, marker = tmp_path / "settings.ini", tmp_path / "ran"
    _crafted_ini(path, marker)
    monkeypatch.setattr(settings_module, "_unwritable", lambda p: "файл только для чтения")
    settings = AppSettings(path)
    assert settings.in_memory and settings.zoom() == 3 and settings.blob("geometry") is None
    assert not marker.exists()


def test_a_crafted_file_that_cannot_be_cleaned_is_read_into_memory(qapp, tmp_path, monkeypatch):
    path, marker = tmp_path / "settings.ini", tmp_path / "ran"
    _crafted_ini(path, marker)

    def refuse(src, dst):
        raise PermissionError(13, "denied")

    monkeypatch.setattr(settings_module, "replace_retrying", refuse)
    settings = AppSettings(path)
    assert settings.in_memory and settings.notice and settings.zoom() == 3
    assert not marker.exists() and not list(tmp_path.glob(".settings.ini.clean"))


def test_continuation_lines_are_dropped_with_their_key():
    data = b'[a]\nx=1\ny="@Variant(\\\n\\0\\0)"\nz=2\n'
    assert settings_module._clean_settings_bytes(data) == b"[a]\nx=1\nz=2\n"
