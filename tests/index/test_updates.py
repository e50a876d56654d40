"""Incremental updates: only changed files are read, hashes are recorded, segments stay few."""

from __future__ import annotations

from pathlib import Path

from index import KnowledgeIndex
from index.merging import FANOUT, merge_tiers, tier
from index.store import current_dir, read_article_hashes


def _article(aid: str, word: str) -> str:
    head = f"---\nid: {aid}\ntitle: Статья {aid}\nline: СС\n---\n\n# Статья {aid}\n\n"
    return head + f"## Раздел {{#main}}\n\n1. Правило про {word}.\n"


def _kb(tmp_path: Path, n: int) -> Path:
    kb = tmp_path / "kb"
    kb.mkdir()
    for i in range(n):
        (kb / f"a{i}.md").write_text(_article(f"a{i}", f"слово{i}"), encoding="utf-8")
    return kb


def test_refresh_reads_only_changed_files_and_records_hashes(tmp_path: Path):
    kb = _kb(tmp_path, 5)
    with KnowledgeIndex.open(kb, tmp_path / "ix") as ix:
        recorded = read_article_hashes(current_dir(tmp_path / "ix"), ix._ix.latest_generation())
        assert recorded is not None and set(recorded) == {f"a{i}" for i in range(5)}
        (kb / "a2.md").write_text(_article("a2", "роуминг"), encoding="utf-8")
        report = ix.refresh()
        assert report.changed == ("a2",) and ix._load_cache.parsed == 1
        assert ix.search("роуминг").hits[0].id == "a2/main/1"
        recorded = read_article_hashes(current_dir(tmp_path / "ix"), ix._ix.latest_generation())
        assert recorded is not None and len(recorded) == 5
    with KnowledgeIndex.open(kb, tmp_path / "ix") as again:  # a fresh process sees no change
        assert not again.refresh().changed_anything


def test_many_updates_keep_few_segments(tmp_path: Path):
    kb = _kb(tmp_path, 3)
    with KnowledgeIndex.open(kb, tmp_path / "ix") as ix:
        for n in range(12):
            (kb / "a1.md").write_text(_article("a1", f"правка{n}"), encoding="utf-8")
            ix.refresh()
            assert len(ix._ix._segments()) < 2 * FANOUT
            assert ix.search(f"правка{n}").hits[0].id == "a1/main/1"


def test_tiers():
    assert tier(1) == tier(64) == 0
    assert tier(65) == tier(255) == 1 and tier(257) == 2
    assert merge_tiers(None, []) == []


def test_parallel_build_reports_progress_and_finds_everything(tmp_path: Path, monkeypatch):
    from index import lifecycle as knowledge_index

    monkeypatch.setattr(knowledge_index, "PARALLEL_MIN_ARTICLES", 1)
    monkeypatch.setattr(knowledge_index.os, "cpu_count", lambda: 2)
    kb = _kb(tmp_path, 30)
    seen: list[tuple[int, int]] = []
    with KnowledgeIndex.open(kb, tmp_path / "ix", progress=lambda d, t: seen.append((d, t))) as ix:
        assert seen[-1] == (30, 30) and len(seen) == 30
        assert len(ix._ix._segments()) >= 1
        for i in (0, 17, 29):
            assert ix.search(f"слово{i}").hits[0].id == f"a{i}/main/1"
        assert not any(p.suffix == ".seg" for p in current_dir(tmp_path / "ix").iterdir())  # not compound


def test_pre_analysed_terms_are_what_the_analyzer_gives():
    from index.analysis import index_stems, normalize, stem_analyzer

    text = "Тарификация в роуминге: SIM‑карта, МТС—Коннект, ёмкость Ё-моё ǅ 7* дней"
    assert index_stems(text) == [t.text for t in stem_analyzer()(text)]
    assert normalize("Ёлка—МТС‐sim‑Карта–x") == "елка-мтс-sim-карта-x"


def test_build_keeps_the_vocabulary_beside_the_index_and_updates_add_to_it(tmp_path: Path):
    from index.store import WORDS_NAME, current_dir, read_words

    kb = _kb(tmp_path, 3)
    with KnowledgeIndex.open(kb, tmp_path / "ix") as ix:
        words, counts = read_words(current_dir(tmp_path / "ix"))
        assert counts["правило"] == 3 and words == sorted(words)
        assert ix.search("слово1").hits[0].id == "a1/main/1"
        assert ix.search("слово1").hits[0].id == "a1/main/1"
        assert ix.search("правло").corrected == "правило"  # typo fixed from the side file
        (kb / "a1.md").write_text(_article("a1", "тарификацию"), encoding="utf-8")
        ix.refresh()
        assert ix.search("тарифика").hits[0].id == "a1/main/1"  # completion from the updated article
    (current_dir(tmp_path / "ix") / WORDS_NAME).write_text("garbage", encoding="utf-8")
    with KnowledgeIndex.open(kb, tmp_path / "ix") as again:  # a damaged side file means a rebuild
        assert again.rebuilt_reason
        assert read_words(current_dir(tmp_path / "ix"))[1]["правило"] == 3
