"""Fixtures for the index tests: a private cache folder, small KBs on disk, the bundled KB indexed once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index import KnowledgeIndex
from kb.paths import bundled_kb_dir

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the real home: the user cache folder points into a temporary folder."""
    cache = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


@pytest.fixture
def small_kb(tmp_path: Path) -> Path:
    """A copy of the small fixture KB (two articles and a glossary) that a test may edit."""
    dst = tmp_path / "kb"
    shutil.copytree(FIXTURES / "kb", dst)
    return dst


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory: pytest.TempPathFactory):
    """The bundled knowledge base, indexed once for the whole session."""
    ix = KnowledgeIndex.open(bundled_kb_dir(), tmp_path_factory.mktemp("bundled") / "index")
    yield ix
    ix.close()
