"""Test-wide settings: Qt offscreen, and no test ever writes to the real home folder."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every subprocess a test starts fails on text opened without ``encoding=`` (on Windows that would
# be the ANSI code page). The test process itself checks it when started with
# PYTHONWARNDEFAULTENCODING=1 (pyproject turns the warning into an error); tests/test_encodings.py
# checks the source without any flag.
_WARNINGS = (os.environ.get("PYTHONWARNINGS", ""), "error::EncodingWarning")
os.environ["PYTHONWARNDEFAULTENCODING"] = "1"
os.environ["PYTHONWARNINGS"] = ",".join(w for w in _WARNINGS if w)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point cache, config, data, state and log folders at a fresh temporary folder."""
    base = tmp_path_factory.mktemp("home")
    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        folder = base / var.lower()
        folder.mkdir()
        monkeypatch.setenv(var, str(folder))
