"""Workstations start from the index the KB editor published: copied, checked, brought up to date;
a damaged or foreign one is ignored with one notice and the workstation builds as before."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import pytest

from index import KnowledgeIndex, lifecycle, published
from index.documents import SCHEMA_VERSION, article_hash
from index.store import META_NAME, WORDS_NAME, current_dir
from kb.loader import load_kb
from kb.manifest import PUBLISH_DIR
from kb.paths import bundled_kb_dir

ROAMING = "ss/finance/3"


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    dst = tmp_path / "share" / "kb"
    shutil.copytree(bundled_kb_dir(), dst)
    assert published.publish(dst).ok
    return dst


@pytest.fixture
def no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """A workstation that would build its own index fails the test."""

    def refuse(self, kb, progress):
        raise AssertionError("the workstation built its own index")

    monkeypatch.setattr(lifecycle.Lifecycle, "_build", refuse)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Records each full build the workstation makes (and lets it happen)."""
    made: list[Path] = []
    real = lifecycle.Lifecycle._build

    def spy(self, kb, progress):
        made.append(self.index_dir)
        return real(self, kb, progress)

    monkeypatch.setattr(lifecycle.Lifecycle, "_build", spy)
    return made


def _published_gen(kb_dir: Path) -> Path:
    return current_dir(published.published_index_dir(kb_dir))


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.rglob("*")
    }


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ------------------------------------------------------------------ using it


def test_empty_cache_opens_the_published_index_without_building(
    kb_dir: Path, tmp_path: Path, no_build, caplog
):
    share_before = _snapshot(kb_dir / PUBLISH_DIR)
    with caplog.at_level(logging.WARNING), KnowledgeIndex.open(kb_dir, tmp_path / "seat") as ix:
        assert ix.rebuilt_reason is None
        assert ix.search("роуминг").hits[0].id == ROAMING
        local = current_dir(tmp_path / "seat")
    assert not caplog.records
    source = _published_gen(kb_dir)
    copied = sorted(p.name for p in local.iterdir())
    assert WORDS_NAME in copied and any(n.endswith(".toc") for n in copied)
    assert {n for n in copied if n != META_NAME} <= {p.name for p in source.iterdir()}
    assert _snapshot(kb_dir / PUBLISH_DIR) == share_before  # a seat never writes to the share


def test_the_copy_records_the_hashes_the_workstation_computes(kb_dir: Path, tmp_path: Path, monkeypatch):
    """Nothing is re-indexed after the copy: every article hash recorded at publication equals the
    one the workstation computes (documents are made only by a build or an update)."""
    made: list[str] = []
    real = lifecycle.article_documents
    monkeypatch.setattr(lifecycle, "article_documents", lambda a, *rest: made.append(a.id) or real(a, *rest))
    with KnowledgeIndex.open(kb_dir, tmp_path / "seat") as ix:
        meta = json.loads((current_dir(tmp_path / "seat") / META_NAME).read_text(encoding="utf-8"))
        assert meta["articles"]["hashes"] == {a.id: article_hash(a) for a in ix.kb.articles}
    assert made == []


def test_stale_published_index_is_updated_incrementally(kb_dir: Path, tmp_path: Path, no_build, monkeypatch):
    _edit(kb_dir / "ss.md", "Неверная тарификация:", "Неверная тарификация квазипульсара:")
    made: list[str] = []
    real = lifecycle.article_documents
    monkeypatch.setattr(lifecycle, "article_documents", lambda a, *rest: made.append(a.id) or real(a, *rest))
    with KnowledgeIndex.open(kb_dir, tmp_path / "seat") as ix:
        assert ix.rebuilt_reason is None
        assert ix.search("квазипульсара").hits[0].id == ROAMING
        assert ix.search("переадресация").hits  # the rest came with the copy
    assert made == ["ss"]


def test_second_start_opens_the_local_copy_not_the_share(kb_dir: Path, tmp_path: Path, no_build, monkeypatch):
    with KnowledgeIndex.open(kb_dir, tmp_path / "seat"):
        pass
    monkeypatch.setattr(published, "open_copy", lambda *a: pytest.fail("copied again"))
    with KnowledgeIndex.open(kb_dir, tmp_path / "seat") as ix:
        assert ix.search("роуминг").hits[0].id == ROAMING


# ------------------------------------------------------------------ ignoring it


def _assert_ignored_once(ix, caplog, builds: list[Path], words: str) -> None:
    notices = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(notices) == 1 and "не подошёл" in notices[0].getMessage(), notices
    assert ix.rebuilt_reason is not None and words in ix.rebuilt_reason
    assert builds == [ix.index_dir]
    assert ix.search("роуминг").hits[0].id == ROAMING


def test_damaged_published_index_is_ignored_and_the_seat_builds(kb_dir: Path, tmp_path: Path, builds, caplog):
    segment = max(
        (p for p in _published_gen(kb_dir).iterdir() if p.suffix == ".pst"), key=lambda p: p.stat().st_size
    )
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0xFF
    segment.write_bytes(bytes(data))
    share_before = _snapshot(kb_dir / PUBLISH_DIR)
    with caplog.at_level(logging.WARNING), KnowledgeIndex.open(kb_dir, tmp_path / "seat") as ix:
        _assert_ignored_once(ix, caplog, builds, segment.name)
        assert [p.name for p in (tmp_path / "seat").iterdir() if p.name.startswith("gen-")] == [
            current_dir(tmp_path / "seat").name
        ]  # the rejected copy was removed
    assert _snapshot(kb_dir / PUBLISH_DIR) == share_before


def test_published_index_of_another_schema_version_is_ignored(kb_dir: Path, tmp_path: Path, builds, caplog):
    meta_path = _published_gen(kb_dir) / META_NAME
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["schema_version"] = SCHEMA_VERSION - 1
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with caplog.at_level(logging.WARNING), KnowledgeIndex.open(kb_dir, tmp_path / "seat") as ix:
        _assert_ignored_once(ix, caplog, builds, f"schema version {SCHEMA_VERSION - 1}")


def test_published_index_of_another_kb_is_ignored(kb_dir: Path, tmp_path: Path, builds, caplog):
    other = tmp_path / "other"
    shutil.copytree(bundled_kb_dir(), other)
    for path in other.glob("*.md"):  # the same files, other content
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("роуминг", "роуминг (ред.)").replace("1. ", "1. Изменено: "), encoding="utf-8"
        )
    shutil.copytree(kb_dir / PUBLISH_DIR, other / PUBLISH_DIR)
    with caplog.at_level(logging.WARNING), KnowledgeIndex.open(other, tmp_path / "seat") as ix:
        notices = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(notices) == 1 and "other articles" in ix.rebuilt_reason
        assert builds == [ix.index_dir]
        assert ix.search("роуминг").hits


def test_published_file_list_cannot_lead_outside_the_index(kb_dir: Path, tmp_path: Path, builds, caplog):
    gen = _published_gen(kb_dir)
    meta = json.loads((gen / META_NAME).read_text(encoding="utf-8"))
    meta["files"]["../../../outside.txt"] = [1, 0, 0]
    (gen / META_NAME).write_text(json.dumps(meta), encoding="utf-8")
    with caplog.at_level(logging.WARNING), KnowledgeIndex.open(kb_dir, tmp_path / "seat" / "ix") as ix:
        _assert_ignored_once(ix, caplog, builds, "outside the index")
    assert not list(tmp_path.rglob("outside.txt"))


def test_unreadable_published_pointer_is_ignored(kb_dir: Path, tmp_path: Path, builds, caplog):
    (published.published_index_dir(kb_dir) / "current").write_text("garbage\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING), KnowledgeIndex.open(kb_dir, tmp_path / "seat") as ix:
        _assert_ignored_once(ix, caplog, builds, "pointer")


def test_no_published_index_builds_without_a_notice(tmp_path: Path, builds, caplog):
    kb_dir = tmp_path / "kb"
    shutil.copytree(bundled_kb_dir(), kb_dir)
    with caplog.at_level(logging.WARNING), KnowledgeIndex.open(kb_dir, tmp_path / "seat") as ix:
        assert ix.rebuilt_reason is None and builds == [ix.index_dir]
    assert not caplog.records


def test_cli_search_names_the_ignored_published_index_once(kb_dir: Path, tmp_path: Path, capsys):
    from desktop_app import cli

    (_published_gen(kb_dir) / META_NAME).write_text("{", encoding="utf-8")
    assert cli.main(["search", "роуминг", "--kb", str(kb_dir), "--index", str(tmp_path / "seat")]) == 0
    out, err = capsys.readouterr()
    assert ROAMING in out
    assert err.count("индекс перестроен: опубликованный индекс") == 1


# ------------------------------------------------------------------ who may have written it
# Whoosh's files hold pickles: a published index someone else could have written is code they run.


def test_published_index_others_may_write_is_not_copied(kb_dir: Path, tmp_path: Path, builds, caplog):
    gen = _published_gen(kb_dir)
    gen.chmod(0o777)
    with caplog.at_level(logging.WARNING), KnowledgeIndex.open(kb_dir, tmp_path / "seat") as ix:
        _assert_ignored_once(ix, caplog, builds, "other users may write")


def test_published_file_of_another_owner_is_not_copied(
    kb_dir: Path, tmp_path: Path, builds, caplog, monkeypatch
):
    planted = next(p for p in _published_gen(kb_dir).iterdir() if p.suffix == ".toc")
    real = os.lstat

    def lstat(path, *args, **kwargs):
        st = real(path, *args, **kwargs)
        if Path(path) == planted:
            fields = list(st[:10])
            fields[4] = 4242  # st_uid
            return os.stat_result(fields)
        return st

    monkeypatch.setattr(published, "_lstat", lstat)
    with caplog.at_level(logging.WARNING), KnowledgeIndex.open(kb_dir, tmp_path / "seat") as ix:
        _assert_ignored_once(ix, caplog, builds, "uid 4242")


def test_modes_are_not_checked_on_windows(kb_dir: Path, tmp_path: Path, no_build, monkeypatch):
    _published_gen(kb_dir).chmod(0o777)  # what a POSIX seat refuses; Windows relies on the share's ACLs
    monkeypatch.setattr(published, "IS_WINDOWS", True)
    with KnowledgeIndex.open(kb_dir, tmp_path / "seat") as ix:
        assert ix.rebuilt_reason is None and ix.search("роуминг").hits[0].id == ROAMING


def test_published_folders_stay_readable_by_every_seat(tmp_path: Path):
    kb_dir = tmp_path / "kb"
    shutil.copytree(bundled_kb_dir(), kb_dir)
    old = os.umask(0o022)
    try:
        assert published.publish(kb_dir).index_written
    finally:
        os.umask(old)
    for folder in (kb_dir / PUBLISH_DIR, published.published_index_dir(kb_dir), _published_gen(kb_dir)):
        assert folder.stat().st_mode & 0o055 == 0o055, oct(folder.stat().st_mode)  # not made private


# ------------------------------------------------------------------ publishing generations


def test_republishing_keeps_the_generation_readers_may_be_copying(kb_dir: Path):
    index_dir = published.published_index_dir(kb_dir)
    first = _published_gen(kb_dir)
    assert published.publish_index(load_kb(kb_dir), kb_dir) is False  # nothing changed
    _edit(kb_dir / "ss.md", "Неверная тарификация:", "Неверная тарификация звонков:")
    assert published.publish(kb_dir).index_written
    second = _published_gen(kb_dir)
    assert second != first and first.is_dir()
    _edit(kb_dir / "ss.md", "звонков:", "вызовов:")
    assert published.publish(kb_dir).index_written
    assert _published_gen(kb_dir) not in (first, second) and second.is_dir()
    assert sorted(p.name for p in index_dir.iterdir() if p.name.startswith("gen-")) == sorted(
        [second.name, _published_gen(kb_dir).name]
    )
