"""KB_BROWSER_SMOKE: the started window reports what it shows and closes by itself (the frozen
smoke test, packaging/smoke.py, relies on it)."""

from __future__ import annotations

import json
from pathlib import Path

from desktop_app.app import SMOKE_ENV, run_gui
from desktop_app.settings import AppPaths


def test_the_window_reports_and_quits_by_itself(qtbot, tmp_path: Path, monkeypatch):
    report = tmp_path / "report.json"
    monkeypatch.setenv(SMOKE_ENV, str(report))
    assert run_gui(None, tmp_path / "index", AppPaths.under(tmp_path / "app")) == 0
    facts = json.loads(report.read_text(encoding="utf-8"))
    assert facts["visible"] is True and facts["platform"] == "offscreen"
    assert (facts["articles"], facts["rules"]) == (3, 67)
    assert facts["banner"] == "demo"  # nothing configured: the demo KB, and it says so
    assert facts["qt_russian"] is True and facts["frozen"] is False
    assert facts["morphology"] is not False
