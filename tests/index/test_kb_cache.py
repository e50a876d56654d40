"""The parsed KB saved beside the index: used when intact, ignored when damaged or stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import KnowledgeIndex, kb_cache


def _article(aid: str, word: str) -> str:
    head = f"---\nid: {aid}\ntitle: Статья {aid}\nline: СС\n---\n\n# Статья {aid}\n\n"
    return head + f"## Раздел {{#main}}\n\n1. Правило про {word}.\n"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    for i in range(4):
        (folder / f"a{i}.md").write_text(_article(f"a{i}", f"слово{i}"), encoding="utf-8")
    return folder


def test_a_fresh_open_parses_nothing_when_the_kb_is_unchanged(kb: Path, tmp_path: Path):
    KnowledgeIndex.open(kb, tmp_path / "ix").close()
    assert (tmp_path / "ix" / kb_cache.CACHE_NAME).is_file()
    with KnowledgeIndex.open(kb, tmp_path / "ix") as ix:
        assert ix._load_cache.parsed == 0
        assert [a.id for a in ix.kb.articles] == ["a0", "a1", "a2", "a3"]
        assert ix.search("слово2").hits[0].id == "a2/main/1"


def test_a_file_changed_since_the_cache_was_saved_is_parsed_again(kb: Path, tmp_path: Path):
    KnowledgeIndex.open(kb, tmp_path / "ix").close()
    (kb / "a1.md").write_text(_article("a1", "роуминг"), encoding="utf-8")
    (kb / "a3.md").unlink()
    with KnowledgeIndex.open(kb, tmp_path / "ix") as ix:
        assert ix._load_cache.parsed == 1
        assert [a.id for a in ix.kb.articles] == ["a0", "a1", "a2"]
        assert ix.search("роуминг").hits[0].id == "a1/main/1"
        assert not ix.search("слово3").hits or ix.search("слово3").hits[0].article != "a3"


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
        lambda p: p.write_bytes(p.read_bytes()[:8] + b"\0" * 40 + p.read_bytes()[48:]),
        lambda p: p.write_bytes(b""),
        lambda p: p.write_bytes(b"garbage that is not a pickle"),
    ],
    ids=["truncated", "garbled", "empty", "garbage"],
)
def test_a_damaged_cache_is_ignored(kb: Path, tmp_path: Path, damage):
    KnowledgeIndex.open(kb, tmp_path / "ix").close()
    damage(tmp_path / "ix" / kb_cache.CACHE_NAME)
    assert kb_cache.load(tmp_path / "ix", kb) is None
    with KnowledgeIndex.open(kb, tmp_path / "ix") as ix:
        assert ix._load_cache.parsed == 4 and len(ix.kb.articles) == 4
        assert ix.search("слово1").hits[0].id == "a1/main/1"
    assert kb_cache.load(tmp_path / "ix", kb) is not None  # written again


def test_a_cache_for_another_folder_is_not_used(kb: Path, tmp_path: Path):
    KnowledgeIndex.open(kb, tmp_path / "ix").close()
    assert kb_cache.load(tmp_path / "ix", tmp_path / "elsewhere") is None
