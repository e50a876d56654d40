"""After a normal (non-editable) ``pip install .`` the bundled knowledge base ships inside."""

from __future__ import annotations

import json
import sysconfig
from importlib import metadata

import pytest

BUNDLED = {"resources/kb/ss.md", "resources/kb/sv.md", "resources/kb/mnp.md", "resources/kb/glossary.md"}


def _distribution() -> metadata.Distribution:
    """The installed one, not a ``kb_browser.egg-info`` a build left in the checkout (on sys.path first)."""
    site = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    dist = next(iter(metadata.distributions(name="kb-browser", path=sorted(site))), None)
    if dist is None:
        pytest.skip("kb-browser is not installed (tests run from a bare checkout)")
    return dist


def _installed_distribution() -> metadata.Distribution:
    dist = _distribution()
    direct = dist.read_text("direct_url.json")
    if direct and json.loads(direct).get("dir_info", {}).get("editable"):
        pytest.skip("editable install: resources are read from the checkout, metadata may be stale")
    return dist


def _installed_files() -> set[str]:
    return {str(f) for f in _installed_distribution().files or ()}


def test_installed_distribution_carries_the_bundled_kb_and_source():
    files = _installed_files()
    assert files >= BUNDLED | {"resources/source/procedure.txt"}


def test_installed_distribution_has_the_console_and_the_windowed_script():
    dist = _installed_distribution()
    scripts = {(ep.group, ep.name): ep.value for ep in dist.entry_points}
    assert scripts == {
        ("console_scripts", "kb-browser"): "desktop_app.cli:main",
        ("console_scripts", "kb-browser-cli"): "desktop_app.cli:main",
        ("gui_scripts", "kb-browser-gui"): "desktop_app.cli:gui_main",
    }


def test_pyproject_declares_both_entry_points():
    """Checked in the source too, since an editable install skips the test above."""
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    cli = "desktop_app.cli:main"
    assert project["project"]["scripts"] == {"kb-browser": cli, "kb-browser-cli": cli}
    assert project["project"]["gui-scripts"] == {"kb-browser-gui": "desktop_app.cli:gui_main"}


def test_every_entry_point_calls_freeze_support_first(monkeypatch: pytest.MonkeyPatch):
    """A frozen app's worker processes start in the entry point: freeze_support() must run
    before anything else (see tests/test_frozen.py for the build it saves)."""
    import multiprocessing

    from desktop_app import cli

    class Stop(Exception):
        pass

    def freeze_support() -> None:
        raise Stop

    monkeypatch.setattr(multiprocessing, "freeze_support", freeze_support)
    monkeypatch.setattr(cli, "build_parser", lambda: pytest.fail("the parser ran first"))
    for entry in (cli.main, cli.gui_main):
        with pytest.raises(Stop):
            entry()
