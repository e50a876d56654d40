"""Index lifecycle: where it lives, incremental updates, repair of damaged indexes, many processes."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
from pathlib import Path

import pytest

from index import KnowledgeIndex, default_index_dir
from index import lifecycle as ki_module
from index.store import META_NAME, current_dir

ROAMING = "alpha/finance/1"


def _segment_files(index_dir: Path) -> list[Path]:
    # a compound segment (.seg) or the postings and terms of a non-compound one
    return sorted(p for p in index_dir.iterdir() if p.suffix in (".seg", ".pst", ".trm"))


def _leftovers(index_dir: Path) -> list[str]:
    """Builds or copies nobody needs: anything but the current generation, the one before it, the
    pointer and the KB cache."""
    beside = [p.name for p in index_dir.parent.iterdir() if ".build-" in p.name or ".old-" in p.name]
    current = int(current_dir(index_dir).name.removeprefix("gen-"))
    needed = {f"gen-{current}", f"gen-{current - 1}", "current", "kbcache.bin"}
    return beside + [p.name for p in index_dir.iterdir() if p.name not in needed]


# ------------------------------------------------------------------ location


def test_default_index_dir_is_in_the_user_cache_not_the_kb(small_kb: Path, _private_cache: Path):
    d = default_index_dir(small_kb)
    assert d.is_relative_to(_private_cache / "kb-browser" / "index")
    assert not d.resolve().is_relative_to(small_kb.resolve())
    assert default_index_dir(small_kb) == d
    assert default_index_dir(small_kb.parent) != d


def test_first_open_builds_in_the_cache_and_reopen_reuses_it(small_kb: Path, caplog):
    with KnowledgeIndex.open(small_kb) as ix:
        assert ix.index_dir == default_index_dir(small_kb) and ix.rebuilt_reason is None
        assert ix.search("роуминг").hits[0].id == ROAMING
        toc = sorted(current_dir(ix.index_dir).glob("*.toc"))
    assert not list(small_kb.glob("MAIN*")) and not _leftovers(default_index_dir(small_kb))
    with caplog.at_level(logging.WARNING), KnowledgeIndex.open(small_kb) as again:
        assert again.rebuilt_reason is None and sorted(current_dir(again.index_dir).glob("*.toc")) == toc
    assert not caplog.records


def test_read_only_kb_folder_is_fine(small_kb: Path, tmp_path: Path):
    for p in [small_kb, *small_kb.iterdir()]:
        p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        with KnowledgeIndex.open(small_kb, tmp_path / "ix") as ix:
            assert ix.search("роуминг").hits
    finally:
        for p in [small_kb, *small_kb.iterdir()]:
            p.chmod(0o755 if p.is_dir() else 0o644)


def test_unwritable_cache_falls_back_to_an_index_in_memory(small_kb: Path, tmp_path: Path, caplog):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder", encoding="utf-8")  # works even for root, unlike chmod
    with caplog.at_level(logging.WARNING), KnowledgeIndex.open(small_kb, blocker / "ix") as ix:
        assert "in-memory" in (ix.rebuilt_reason or "")
        assert ix.search("роуминг").hits[0].id == ROAMING
        (small_kb / "beta.md").unlink()
        ix.refresh()
        assert not [h for h in ix.search("портации").hits if h.article == "beta"]
        assert ix.search("роуминг").hits[0].id == ROAMING
    assert any("in-memory" in r.getMessage() for r in caplog.records)


# ------------------------------------------------------------------ incremental updates


def test_refresh_picks_up_edited_added_and_removed_articles(small_kb: Path, tmp_path: Path):
    with KnowledgeIndex.open(small_kb, tmp_path / "ix") as ix:
        assert not ix.search("гиппопотам").hits
        alpha = small_kb / "alpha.md"
        edited = alpha.read_text(encoding="utf-8").replace("роуминге", "гиппопотаме")
        alpha.write_text(edited, encoding="utf-8")
        (small_kb / "gamma.md").write_text(
            "---\nid: gamma\ntitle: Новая\nline: СВ\n---\n\n## Раздел {#s}\n\n1. Крокодил зелёный.\n",
            encoding="utf-8",
        )
        (small_kb / "beta.md").unlink()
        report = ix.refresh()
        assert (report.added, report.changed, report.removed) == (("gamma",), ("alpha",), ("beta",))
        assert ix.search("гиппопотам").hits[0].id == ROAMING
        assert ix.search("крокодил").hits[0].id == "gamma/s/1"
        assert not [h for h in ix.search("портации").hits if h.article == "beta"]
        assert not ix.refresh().changed_anything  # nothing more to do


def test_another_process_update_is_seen_without_refresh(small_kb: Path, tmp_path: Path):
    with KnowledgeIndex.open(small_kb, tmp_path / "ix") as reader:
        assert reader.search("роуминг").hits
        (small_kb / "gamma.md").write_text(
            "---\nid: gamma\ntitle: Новая\nline: СВ\n---\n\n## Раздел {#s}\n\n1. Крокодил.\n",
            encoding="utf-8",
        )
        with KnowledgeIndex.open(small_kb, tmp_path / "ix") as writer:
            assert writer.search("крокодил").hits
        assert reader.search("крокодил").hits[0].id == "gamma/s/1"  # searcher reopened, not refreshed


def test_broken_article_is_reported_and_the_rest_still_works(small_kb: Path, tmp_path: Path):
    with KnowledgeIndex.open(small_kb, tmp_path / "ix") as ix:
        (small_kb / "beta.md").write_bytes(b"---\nid: beta\n\xff\xfe broken")
        report = ix.refresh()
        assert [e.path.name for e in report.errors] == ["beta.md"]
        assert report.removed == ("beta",)
        assert ix.search("роуминг").hits[0].id == ROAMING


def test_file_deleted_while_indexing(small_kb: Path, tmp_path: Path):
    def delete_beta(done: int, total: int) -> None:
        (small_kb / "beta.md").unlink(missing_ok=True)

    with KnowledgeIndex.open(small_kb, tmp_path / "ix", progress=delete_beta) as ix:
        assert ix.search("роуминг").hits[0].id == ROAMING
        assert ix.refresh().removed == ("beta",)
        assert ix.search("роуминг").hits[0].id == ROAMING


def test_empty_kb_folder_gives_an_empty_index(tmp_path: Path):
    (tmp_path / "kb").mkdir()
    calls = []
    progress = lambda d, t: calls.append((d, t))  # noqa: E731
    with KnowledgeIndex.open(tmp_path / "kb", tmp_path / "ix", progress=progress) as ix:
        assert ix.search("роуминг").hits == [] and calls == [(0, 0)]


def test_rebuild_reports_progress(small_kb: Path, tmp_path: Path):
    with KnowledgeIndex.open(small_kb, tmp_path / "ix") as ix:
        calls: list[tuple[int, int]] = []
        ix.rebuild(progress=lambda d, t: calls.append((d, t)))
        assert calls[-1] == (2, 2)
        assert ix.search("роуминг").hits[0].id == ROAMING
        assert not _leftovers(ix.index_dir)


def test_builds_left_by_a_killed_process_are_swept(small_kb: Path, tmp_path: Path):
    index_dir = tmp_path / "ix"
    (tmp_path / ".ix.build-dead").mkdir()  # of the one-folder layout
    (tmp_path / ".ix.build-dead" / "_MAIN_1.toc").write_bytes(b"half")
    (index_dir / "gen-7").mkdir(parents=True)  # a generation never published
    (index_dir / "gen-7" / "_MAIN_1.toc").write_bytes(b"half")
    with KnowledgeIndex.open(small_kb, index_dir) as ix:
        assert ix.search("роуминг").hits
    assert not _leftovers(index_dir) and not (index_dir / "gen-7").exists()


def test_an_index_of_the_one_folder_layout_is_replaced_quietly(small_kb: Path, tmp_path: Path, caplog):
    index_dir = tmp_path / "ix"
    KnowledgeIndex.open(small_kb, index_dir).close()
    live = current_dir(index_dir)
    for f in live.iterdir():  # what an older version left: the index files in the folder itself
        f.rename(index_dir / f.name)
    live.rmdir()
    (index_dir / "current").unlink()
    with caplog.at_level(logging.WARNING), KnowledgeIndex.open(small_kb, index_dir) as ix:
        assert ix.search("роуминг").hits[0].id == ROAMING and ix.rebuilt_reason is None
    assert not caplog.records and not _leftovers(index_dir)


def test_generations_a_reader_still_needs_are_kept_older_ones_swept(small_kb: Path, tmp_path: Path):
    with KnowledgeIndex.open(small_kb, tmp_path / "ix") as ix:
        for _ in range(3):
            ix.rebuild()
        assert sorted(p.name for p in ix.index_dir.glob("gen-*")) == ["gen-3", "gen-4"]
        assert current_dir(ix.index_dir).name == "gen-4"
        assert ix.search("роуминг").hits[0].id == ROAMING


def test_a_reader_follows_a_rebuild_by_another_process(small_kb: Path, tmp_path: Path):
    with KnowledgeIndex.open(small_kb, tmp_path / "ix") as reader:
        assert reader.search("роуминг").hits
        (small_kb / "gamma.md").write_text(
            "---\nid: gamma\ntitle: Новая\nline: СВ\n---\n\n## Раздел {#s}\n\n1. Крокодил.\n",
            encoding="utf-8",
        )
        with KnowledgeIndex.open(small_kb, tmp_path / "ix") as other:
            other.rebuild()
            other.rebuild()  # the generation the reader had open is swept
        assert reader.search("крокодил").hits[0].id == "gamma/s/1"
        assert Path(reader._ix.storage.folder) == current_dir(tmp_path / "ix")


def test_writer_lock_held_elsewhere_does_not_fail(small_kb: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(ki_module, "WRITER_TIMEOUT", 0.2)
    with KnowledgeIndex.open(small_kb, tmp_path / "ix") as ix:
        (small_kb / "beta.md").unlink()
        with ix._ix.writer():  # another writer holds the Whoosh lock
            report = ix.refresh()
        assert report.removed == ()  # skipped, not crashed
        assert ix.search("роуминг").hits
        assert ix.refresh().removed == ("beta",)  # and done once the lock is free


# ------------------------------------------------------------------ damage and repair


def _truncate(d: Path) -> None:
    seg = _segment_files(d)[0]
    seg.write_bytes(seg.read_bytes()[: seg.stat().st_size // 2])


def _garble(d: Path) -> None:
    seg = _segment_files(d)[0]
    data = bytearray(seg.read_bytes())
    data[len(data) // 3 : len(data) // 3 + 64] = os.urandom(64)
    seg.write_bytes(bytes(data))


def _garbage_same_size(d: Path) -> None:
    for seg in _segment_files(d):
        seg.write_bytes(b"\0" * seg.stat().st_size)


def _delete_toc(d: Path) -> None:
    for toc in d.glob("*.toc"):
        toc.unlink()


def _delete_segment(d: Path) -> None:
    _segment_files(d)[0].unlink()


def _wrong_version(d: Path) -> None:
    meta = json.loads((d / META_NAME).read_text(encoding="utf-8"))
    meta["schema_version"] = -1
    (d / META_NAME).write_text(json.dumps(meta), encoding="utf-8")


def _delete_version_file(d: Path) -> None:
    (d / META_NAME).unlink()


def _garble_version_file(d: Path) -> None:
    (d / META_NAME).write_bytes(b"\x00garbage{")


def _garble_pointer(d: Path) -> None:
    (d.parent / "current").write_bytes(b"\xff\x00gen-")


def _pointer_to_nowhere(d: Path) -> None:
    (d.parent / "current").write_bytes(b"gen-99\n")


def _delete_generation(d: Path) -> None:
    import shutil

    shutil.rmtree(d)


DAMAGE = [_truncate, _garble, _garbage_same_size, _delete_toc, _delete_segment, _wrong_version,
          _delete_version_file, _garble_version_file, _garble_pointer, _pointer_to_nowhere,
          _delete_generation]  # fmt: skip


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__.strip("_"))
def test_damaged_index_is_rebuilt_with_one_warning(small_kb: Path, tmp_path: Path, damage, caplog):
    index_dir = tmp_path / "ix"
    KnowledgeIndex.open(small_kb, index_dir).close()
    damage(current_dir(index_dir))
    with caplog.at_level(logging.WARNING), KnowledgeIndex.open(small_kb, index_dir) as ix:
        assert ix.rebuilt_reason
        assert ix.search("роуминг").hits[0].id == ROAMING
        assert ix.search("отмена портации").hits[0].id == "beta/questions/1"
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "rebuilding" in warnings[0].getMessage()
    with KnowledgeIndex.open(small_kb, index_dir) as again:
        assert again.rebuilt_reason is None


def test_index_folder_removed_while_running(small_kb: Path, tmp_path: Path):
    import shutil

    with KnowledgeIndex.open(small_kb, tmp_path / "ix") as ix:
        assert ix.search("роуминг").hits
        ix._close_searcher()
        shutil.rmtree(tmp_path / "ix")
        assert ix.search("роуминг").hits[0].id == ROAMING


def test_index_damaged_while_running_is_repaired_on_refresh(small_kb: Path, tmp_path: Path):
    with KnowledgeIndex.open(small_kb, tmp_path / "ix") as ix:
        _garble(current_dir(tmp_path / "ix"))
        report = ix.refresh()
        assert report.rebuilt and ix.rebuilt_reason
        assert ix.search("роуминг").hits[0].id == ROAMING


# ------------------------------------------------------------------ several processes


def _open_and_search(kb: str, index_dir: str | None, cache: str, barrier, queue) -> None:
    os.environ["XDG_CACHE_HOME"] = cache
    barrier.wait()
    try:
        with KnowledgeIndex.open(Path(kb), Path(index_dir) if index_dir else None) as ix:
            queue.put(("ok", ix.search("роуминг").hits[0].id))
    except Exception as exc:  # reported to the parent, which fails the test
        queue.put(("error", repr(exc)))


@pytest.mark.parametrize("processes", [2, 4])
def test_processes_opening_an_empty_cache_at_once_all_succeed(
    small_kb: Path, _private_cache: Path, processes: int
):
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(processes), ctx.Queue()
    procs = [
        ctx.Process(target=_open_and_search, args=(str(small_kb), None, str(_private_cache), barrier, queue))
        for _ in range(processes)
    ]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert results == [("ok", ROAMING)] * processes
    assert not _leftovers(default_index_dir(small_kb))


def test_processes_repairing_a_damaged_index_at_once(small_kb: Path, tmp_path: Path):
    index_dir = tmp_path / "ix"
    KnowledgeIndex.open(small_kb, index_dir).close()
    _garble(current_dir(index_dir))
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(3), ctx.Queue()
    args = (str(small_kb), str(index_dir), str(tmp_path), barrier, queue)
    procs = [ctx.Process(target=_open_and_search, args=args) for _ in range(3)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert results == [("ok", ROAMING)] * 3


# ------------------------------------------------------------------ edits while searching


def test_searches_keep_answering_while_the_kb_is_edited_and_refreshed(small_kb: Path, tmp_path: Path):
    import threading

    errors: list[BaseException] = []
    answers: list[str] = []
    stop = threading.Event()

    with KnowledgeIndex.open(small_kb, tmp_path / "ix") as ix:

        def search_loop() -> None:
            try:
                while not stop.is_set():
                    hits = ix.search("роуминг").hits
                    answers.append(hits[0].id if hits else "")
            except BaseException as exc:  # collected and re-raised in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=search_loop) for _ in range(2)]
        for t in threads:
            t.start()
        alpha = small_kb / "alpha.md"
        original = alpha.read_text(encoding="utf-8")
        for i in range(6):
            alpha.write_text(original.replace("приграничных", f"приграничных слово{i}"), encoding="utf-8")
            assert ix.refresh().changed == ("alpha",)
        ix.rebuild()
        stop.set()
        for t in threads:
            t.join(timeout=30)
        assert not errors
        assert answers and set(answers) == {ROAMING}
        assert ix.search("слово5").hits[0].id == ROAMING


def _update_loop(kb: str, index_dir: str, rounds: int) -> None:
    alpha = Path(kb) / "alpha.md"
    original = alpha.read_text(encoding="utf-8")
    with KnowledgeIndex.open(Path(kb), Path(index_dir)) as ix:
        for i in range(rounds):
            alpha.write_text(original.replace("приграничных", f"приграничных метка{i}"), encoding="utf-8")
            ix.refresh()


def test_another_process_updating_while_this_one_searches(small_kb: Path, tmp_path: Path):
    index_dir = tmp_path / "ix"
    with KnowledgeIndex.open(small_kb, index_dir) as ix:
        ctx = multiprocessing.get_context("spawn")
        writer = ctx.Process(target=_update_loop, args=(str(small_kb), str(index_dir), 8))
        writer.start()
        seen = set()
        while writer.is_alive():
            hits = ix.search("роуминг").hits
            seen.add(hits[0].id if hits else "")
        writer.join(timeout=60)
        assert writer.exitcode == 0 and seen <= {ROAMING}
        assert ix.search("метка7").hits[0].id == ROAMING  # the other process's last update is visible


def _rebuild_loop(kb: str, index_dir: str, rounds: int) -> None:
    with KnowledgeIndex.open(Path(kb), Path(index_dir)) as ix:
        for _ in range(rounds):
            ix.rebuild()


def test_another_process_rebuilding_while_this_one_searches(small_kb: Path, tmp_path: Path):
    index_dir = tmp_path / "ix"
    with KnowledgeIndex.open(small_kb, index_dir) as ix:
        ctx = multiprocessing.get_context("spawn")
        rebuilder = ctx.Process(target=_rebuild_loop, args=(str(small_kb), str(index_dir), 5))
        rebuilder.start()
        seen, folders = set(), set()
        while rebuilder.is_alive():
            hits = ix.search("роуминг").hits
            seen.add(hits[0].id if hits else "")
            folders.add(Path(ix._ix.storage.folder).name)
        rebuilder.join(timeout=60)
        assert rebuilder.exitcode == 0 and seen == {ROAMING}
        assert ix.search("роуминг").hits[0].id == ROAMING
        assert Path(ix._ix.storage.folder) == current_dir(index_dir) == index_dir / "gen-6"
    assert not _leftovers(index_dir)


def test_warm_up_asks_the_os_to_read_every_index_file_ahead(small_kb: Path, tmp_path: Path, monkeypatch):
    from index import store

    advised: list[str] = []
    real = getattr(os, "posix_fadvise", None)

    def advise(fd, offset, length, advice):
        advised.append(os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else str(fd))
        if real is not None:
            real(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", advise, raising=False)
    monkeypatch.setattr(os, "POSIX_FADV_WILLNEED", getattr(os, "POSIX_FADV_WILLNEED", 3), raising=False)
    with KnowledgeIndex.open(small_kb, tmp_path / "ix") as ix:
        ix.warm_up()
        files = {str(p) for p in store._index_files(current_dir(tmp_path / "ix"))}
    assert files and (set(advised) == files or not os.path.exists("/proc/self/fd"))
    store.prefetch(tmp_path / "gone")  # a folder that vanished: nothing to do, no error
