"""Corruption never answers «ничего не найдено» (issue 14, part 3): bit rot that keeps size and mtime,
read errors during a search, deletions that must not look like damage, refused writes after an edit."""

from __future__ import annotations

import errno
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from whoosh import index as windex

from index import KnowledgeIndex, store
from index import knowledge_index as ki_module
from index.store import META_NAME, current_dir, read_article_hashes
from tests.index.fault_helpers import (
    EDIT_WORD,
    ROAMING,
    edit_roaming,
    refused_writes,
    rot_where_a_search_trips,
)

ROOT = Path(__file__).resolve().parents[2]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def _cli_search(kb: Path, index_dir: Path, query: str) -> subprocess.CompletedProcess[str]:
    """``kb-browser search --json`` in a fresh process."""
    args = [sys.executable, "-m", "desktop_app.cli", "--kb", str(kb), "--index", str(index_dir)]
    return subprocess.run(
        [*args, "search", "--json", query],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


# ------------------------------------------------------------------ bit rot with size and mtime kept


def test_trm_bit_rot_with_size_and_mtime_kept_is_repaired_by_the_search(
    small_kb: Path, tmp_path: Path, caplog
):
    index_dir = tmp_path / "ix"
    KnowledgeIndex.open(small_kb, index_dir).close()
    damaged = rot_where_a_search_trips(small_kb, index_dir)
    caplog.clear()  # what the search for a damage logged
    with caplog.at_level(logging.WARNING), KnowledgeIndex.open(small_kb, index_dir) as ix:
        assert ix.rebuilt_reason is None  # the quick checks on open let it through …
        assert ix.search("роуминг").hits[0].id == ROAMING  # … the search trips, repairs, answers
        assert damaged.name in (ix.rebuilt_reason or "") and "search failed" in ix.rebuilt_reason
        assert ix.search("отмена портации").hits[0].id == "beta/questions/1"
        assert current_dir(index_dir) != damaged.parent and ix.unsaved is None
    assert len(_warnings(caplog)) == 1
    with KnowledgeIndex.open(small_kb, index_dir) as again:
        assert again.search("роуминг").hits[0].id == ROAMING and again.rebuilt_reason is None


def test_trm_bit_rot_in_a_fresh_process_answers_with_one_notice(small_kb: Path, tmp_path: Path):
    index_dir = tmp_path / "ix"
    KnowledgeIndex.open(small_kb, index_dir).close()
    rot_where_a_search_trips(small_kb, index_dir)
    proc = _cli_search(small_kb, index_dir, "роуминг")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["hits"][0]["id"] == ROAMING
    assert "Traceback" not in proc.stderr
    assert len([line for line in proc.stderr.splitlines() if line.startswith("индекс перестроен")]) == 1
    again = _cli_search(small_kb, index_dir, "роуминг")
    assert json.loads(again.stdout)["hits"][0]["id"] == ROAMING and "перестроен" not in again.stderr


def test_bit_rot_that_still_reads_as_valid_is_checked_when_nothing_is_found(small_kb: Path, tmp_path: Path):
    """A term's key garbled: Whoosh reads the file without error, the word is just gone. The first
    search that finds nothing checks the files in full (once), finds the damage and repairs."""
    index_dir = tmp_path / "ix"
    KnowledgeIndex.open(small_kb, index_dir).close()
    trm = next(current_dir(index_dir).glob("*.trm"))
    data, st = trm.read_bytes(), trm.stat()
    assert "роум".encode() in data
    trm.write_bytes(data.replace("роум".encode(), "роан".encode()))  # same length
    os.utime(trm, ns=(st.st_atime_ns, st.st_mtime_ns))
    with KnowledgeIndex.open(small_kb, index_dir) as ix:
        assert ix.rebuilt_reason is None
        assert ix.search("роуминг").hits[0].id == ROAMING
        assert trm.name in (ix.rebuilt_reason or "") and "found nothing" in ix.rebuilt_reason


def test_an_empty_answer_reads_each_index_file_once(small_kb: Path, tmp_path: Path, monkeypatch):
    with KnowledgeIndex.open(small_kb, tmp_path / "ix") as ix:
        read: list[str] = []
        real = store._crc
        monkeypatch.setattr(store, "_crc", lambda path: read.append(path.name) or real(path))
        assert ix.search("абракадабра").hits == []
        files = set(
            json.loads((current_dir(tmp_path / "ix") / META_NAME).read_text(encoding="utf-8"))["files"]
        )
        assert sorted(read) == sorted(files)  # every recorded file, once
        assert ix.search("крокозябра").hits == [] and len(read) == len(files)  # not again
        assert ix.rebuilt_reason is None


def test_a_fault_of_the_query_code_rebuilds_nothing(small_kb: Path, tmp_path: Path, monkeypatch, caplog):
    """Only a read error means damage: a bug in query understanding is logged, not 'repaired'."""
    with KnowledgeIndex.open(small_kb, tmp_path / "ix") as ix:
        live = current_dir(tmp_path / "ix")

        def broken(*args, **kwargs):
            raise ValueError("a bug, not the index")

        monkeypatch.setattr(ki_module, "understand", broken)
        assert ix.search("роуминг").hits == []
        assert ix.rebuilt_reason is None and current_dir(tmp_path / "ix") == live
        monkeypatch.undo()
        assert ix.search("роуминг").hits[0].id == ROAMING
    assert store.is_read_error(OSError(errno.EINVAL, "bad seek")) and not store.is_read_error(ValueError())


def test_a_read_error_on_files_that_pass_every_check_still_rebuilds(
    small_kb: Path, tmp_path: Path, monkeypatch
):
    """Damage no checksum records (a file written after the last record) is still caught by the read."""
    with KnowledgeIndex.open(small_kb, tmp_path / "ix") as ix:
        live = current_dir(tmp_path / "ix")
        real = ki_module.rank
        calls = []

        def fails_once(*args, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                raise EOFError("unexpected end of a posting block")
            return real(*args, **kwargs)

        monkeypatch.setattr(ki_module, "rank", fails_once)
        assert ix.search("роуминг").hits[0].id == ROAMING
        assert "do not read" in (ix.rebuilt_reason or "") and current_dir(tmp_path / "ix") != live


def test_index_verify_finds_bit_rot_the_quick_check_skips(small_kb: Path, tmp_path: Path):
    index_dir = tmp_path / "ix"
    KnowledgeIndex.open(small_kb, index_dir).close()
    damaged = rot_where_a_search_trips(small_kb, index_dir)
    store.check(current_dir(index_dir))  # size and mtime as recorded: passes the quick check
    with pytest.raises(store.IndexInvalid, match="damaged"):
        store.check(current_dir(index_dir), full=True)
    with KnowledgeIndex.open(small_kb, index_dir) as ix:
        assert ix.rebuilt_reason is None
        ix.verify()
        assert damaged.name in (ix.rebuilt_reason or "") and ix.unsaved is None
        assert ix.search("роуминг").hits[0].id == ROAMING
    store.check(current_dir(index_dir), full=True)


# ------------------------------------------------------------------ deletions are not damage

GAMMA = "---\nid: gamma\ntitle: Первая\nline: СВ\n---\n\n## Раздел {#s}\n\n1. Аардварк ааронов ааа.\n"


def _delete_beta(kb: Path) -> None:
    (kb / "beta.md").unlink()


def _edit_alpha(kb: Path) -> None:
    edit_roaming(kb)  # the old content hash's documents are all deleted


def _remove_the_first_terms(kb: Path) -> None:
    (kb / "gamma.md").unlink()  # its words came first in the lexicon; now no live rule has them


@pytest.mark.parametrize(
    "change", [_delete_beta, _edit_alpha, _remove_the_first_terms], ids=lambda f: f.__name__
)
def test_deleting_articles_then_a_fresh_process_does_not_rebuild(
    small_kb: Path, tmp_path: Path, change, caplog
):
    index_dir = tmp_path / "ix"
    (small_kb / "gamma.md").write_text(GAMMA, encoding="utf-8")
    KnowledgeIndex.open(small_kb, index_dir).close()
    change(small_kb)
    with KnowledgeIndex.open(small_kb, index_dir) as ix:  # the incremental update deletes documents
        assert ix.refresh().changed_anything is False and ix.rebuilt_reason is None
        live = current_dir(index_dir)
    with caplog.at_level(logging.WARNING), KnowledgeIndex.open(small_kb, index_dir) as fresh:
        assert fresh.rebuilt_reason is None and current_dir(index_dir) == live
        assert fresh.search("роуминг").hits[0].id == ROAMING
    assert not _warnings(caplog)
    proc = _cli_search(small_kb, index_dir, "роуминг")  # a process of its own, as the attack ran it
    assert json.loads(proc.stdout)["hits"][0]["id"] == ROAMING and "перестроен" not in proc.stderr
    assert current_dir(index_dir) == live


def test_after_deletions_real_damage_is_still_found(small_kb: Path, tmp_path: Path):
    index_dir = tmp_path / "ix"
    KnowledgeIndex.open(small_kb, index_dir).close()
    _delete_beta(small_kb)
    KnowledgeIndex.open(small_kb, index_dir).close()
    for f in current_dir(index_dir).iterdir():
        if f.suffix in (".pst", ".trm"):
            f.write_bytes(b"\0" * f.stat().st_size)  # garbage, mtime moved: found on open
    with KnowledgeIndex.open(small_kb, index_dir) as ix:
        assert ix.rebuilt_reason and ix.search("роуминг").hits[0].id == ROAMING


# ------------------------------------------------------------------ a full disk after a build


def test_disk_full_after_a_build_then_an_edit_is_searchable_and_saved_later(
    small_kb: Path, tmp_path: Path, caplog, monkeypatch
):
    index_dir = tmp_path / "ix"

    def no_build(*args):
        raise AssertionError("the index on disk is copied into memory, not built again")

    with KnowledgeIndex.open(small_kb, index_dir) as ix:
        monkeypatch.setattr(ix._life, "_build_in_memory", no_build)
        live, generation = current_dir(index_dir), ix._ix.latest_generation()
        recorded = read_article_hashes(live, generation)
        edit_roaming(small_kb)
        with caplog.at_level(logging.WARNING), refused_writes(index_dir, errno.ENOSPC) as disk:
            report = ix.refresh()
            assert report.changed == ("alpha",)
            assert ix.search(EDIT_WORD).hits[0].id == ROAMING  # searchable in this session
            assert "No space" in (ix.unsaved or "") and ix.rebuilt_reason == ix.unsaved
            (small_kb / "beta.md").unlink()  # a second edit while the disk is still full
            assert ix.refresh().removed == ("beta",)
            assert not [h for h in ix.search("портации").hits if h.article == "beta"]
            assert ix.search(EDIT_WORD).hits[0].id == ROAMING
        assert disk.refused and len(_warnings(caplog)) == 1  # one notice, not one per refresh
        assert windex.open_dir(str(live)).latest_generation() == generation  # nothing half-written
        assert read_article_hashes(live, generation) == recorded
        report = ix.refresh()  # the disk has room again: the update is written now
        assert ix.unsaved is None and report.changed == ("alpha",) and report.removed == ("beta",)
        assert ix._life.on_disk(ix._ix) is not None
    with KnowledgeIndex.open(small_kb, index_dir) as fresh:
        assert fresh.search(EDIT_WORD).hits[0].id == ROAMING and fresh.rebuilt_reason is None
        assert current_dir(index_dir) == live  # saved incrementally, not rebuilt
        assert not fresh.refresh().changed_anything


def test_disk_full_when_recording_an_update_keeps_it_searchable_and_records_later(
    small_kb: Path, tmp_path: Path, monkeypatch
):
    index_dir = tmp_path / "ix"
    with KnowledgeIndex.open(small_kb, index_dir) as ix:
        edit_roaming(small_kb)
        real = store._write_meta

        def full(folder, meta):
            raise OSError(errno.ENOSPC, "No space left on device", str(folder / META_NAME))

        monkeypatch.setattr(store, "_write_meta", full)
        assert ix.refresh().changed == ("alpha",)  # committed; only its record failed
        assert ix.search(EDIT_WORD).hits[0].id == ROAMING and ix._life.on_disk(ix._ix) is not None
        assert "cannot record" in (ix.unsaved or "")
        assert store.record_pending(current_dir(index_dir), ix._ix.latest_generation())
        monkeypatch.setattr(store, "_write_meta", real)
        assert not ix.refresh().changed_anything and ix.unsaved is None  # recorded now
        assert not store.record_pending(current_dir(index_dir), ix._ix.latest_generation())
    with KnowledgeIndex.open(small_kb, index_dir) as fresh:
        assert fresh.rebuilt_reason is None and fresh.search(EDIT_WORD).hits[0].id == ROAMING


# ------------------------------------------------------------------ a read-only cache


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES], ids=["EROFS", "EACCES"])
def test_read_only_cache_after_an_edit_searches_the_edit_in_memory(
    small_kb: Path, tmp_path: Path, code, caplog
):
    index_dir = tmp_path / "ix"
    KnowledgeIndex.open(small_kb, index_dir).close()
    before = sorted(p.relative_to(index_dir) for p in index_dir.rglob("*"))
    edit_roaming(small_kb)
    cache = refused_writes(index_dir, code)
    with caplog.at_level(logging.WARNING), cache as refused, KnowledgeIndex.open(small_kb, index_dir) as ix:
        assert ix.search(EDIT_WORD).hits[0].id == ROAMING  # KnowledgeIndex.open is what the window calls
        assert ix.unsaved and "in-memory" in ix.unsaved
        ix.refresh()  # nothing new: the in-memory index stays, no second notice
        assert ix.search(EDIT_WORD).hits[0].id == ROAMING
    assert refused.refused and len(_warnings(caplog)) == 1
    assert sorted(p.relative_to(index_dir) for p in index_dir.rglob("*")) == before  # nothing written


def test_read_only_cache_with_a_current_index_searches_it_quietly(small_kb: Path, tmp_path: Path, caplog):
    index_dir = tmp_path / "ix"
    KnowledgeIndex.open(small_kb, index_dir).close()
    read_only = refused_writes(index_dir, errno.EROFS)
    with caplog.at_level(logging.WARNING), read_only, KnowledgeIndex.open(small_kb, index_dir) as ix:
        assert ix.search("роуминг").hits[0].id == ROAMING
        assert ix.unsaved is None and ix.rebuilt_reason is None
        assert Path(ix._ix.storage.folder) == current_dir(index_dir)  # the index on disk, not a copy
    assert not _warnings(caplog)


def test_read_only_cache_with_a_damaged_index_searches_in_memory(small_kb: Path, tmp_path: Path):
    index_dir = tmp_path / "ix"
    KnowledgeIndex.open(small_kb, index_dir).close()
    rot_where_a_search_trips(small_kb, index_dir)
    with refused_writes(index_dir, errno.EROFS), KnowledgeIndex.open(small_kb, index_dir) as ix:
        assert ix.search("роуминг").hits[0].id == ROAMING
        assert "in-memory" in (ix.unsaved or "") and ix._life.on_disk(ix._ix) is None


def test_permission_and_disk_errors_are_write_errors_others_are_not():
    assert store.is_write_error(PermissionError(errno.EACCES, "denied"))
    assert store.is_write_error(OSError(errno.ENOSPC, "full")) and store.is_write_error(
        OSError(errno.EROFS, "ro")
    )
    assert store.is_write_error(store.LockTimeout("held"))
    assert not store.is_write_error(OSError(errno.EINVAL, "bad seek")) and not store.is_write_error(
        ValueError()
    )


def test_an_in_memory_copy_spills_into_a_private_temp_folder_removed_with_it():
    import gc

    from index.processes import PrivateRamStorage

    ram = PrivateRamStorage()
    spill, other = ram.temp_storage("MAIN.tmp"), PrivateRamStorage().temp_storage("MAIN.tmp")
    folder = Path(spill.folder)
    assert folder.is_dir() and folder.name.startswith("kb-browser-ram-")
    assert folder.stat().st_mode & 0o777 == 0o700  # private, not the shared /tmp/MAIN.tmp
    assert Path(other.folder) != folder
    del spill
    gc.collect()
    assert not folder.exists()


def test_a_replaced_table_of_contents_is_noticed_by_its_checksum(small_kb: Path, tmp_path: Path):
    """The TOC (schema and segment list) is checksummed like the segments: a rewritten one is damage
    on open, not a silently different index."""
    index_dir = tmp_path / "ix"
    KnowledgeIndex.open(small_kb, index_dir).close()
    gen = current_dir(index_dir)
    toc = next(gen.glob("_MAIN_*.toc"))
    assert toc.name in json.loads((gen / META_NAME).read_text(encoding="utf-8"))["files"]
    data = bytearray(toc.read_bytes())
    data[-3] ^= 0x01
    toc.write_bytes(bytes(data))
    with pytest.raises(store.IndexInvalid, match=toc.name):
        store.check(gen)
    with KnowledgeIndex.open(small_kb, index_dir) as ix:
        assert toc.name in (ix.rebuilt_reason or "")
        assert ix.search("роуминг").hits[0].id == ROAMING
