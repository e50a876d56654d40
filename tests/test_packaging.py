"""After a normal (non-editable) ``pip install .`` the bundled knowledge base ships inside."""

from __future__ import annotations

import json
from importlib import metadata

import pytest

BUNDLED = {"resources/kb/ss.md", "resources/kb/sv.md", "resources/kb/mnp.md", "resources/kb/glossary.md"}


def _distribution() -> metadata.Distribution:
    try:
        return metadata.distribution("kb-browser")
    except metadata.PackageNotFoundError:
        pytest.skip("kb-browser is not installed (tests run from a bare checkout)")


def _installed_files() -> set[str]:
    dist = _distribution()
    direct = dist.read_text("direct_url.json")
    if direct and json.loads(direct).get("dir_info", {}).get("editable"):
        pytest.skip("editable install: resources are read from the checkout")
    return {str(f) for f in dist.files or ()}


def test_installed_distribution_carries_the_bundled_kb_and_source():
    files = _installed_files()
    assert files >= BUNDLED | {"resources/source/procedure.txt"}


def test_installed_distribution_has_the_console_script():
    dist = _distribution()
    scripts = {ep.name: ep.value for ep in dist.entry_points if ep.group == "console_scripts"}
    assert scripts == {"kb-browser": "desktop_app.cli:main"}
