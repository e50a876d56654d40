"""Windows' file locking, simulated: a file another process has open cannot be renamed, replaced or
deleted, nor can a folder that holds one (PermissionError, a sharing violation).

A window keeps the index open while ``kb-browser index --rebuild`` runs in a console: the rebuild
must succeed (or say in one line why not), and the window must go on answering.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app import cli
from index import KnowledgeIndex
from index.store import current_dir
from kb import fs
from kb.fs import FileBusy, replace_retrying

ROAMING = "alpha/finance/1"


class WindowsLocks:
    """Paths "held open by another process": renaming, replacing or deleting them (or a folder that
    contains one) raises PermissionError, as on Windows."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.held: set[Path] = set()
        self.refused = 0
        real_replace, real_rename, real_remove = os.replace, os.rename, os.remove
        real_rmtree = shutil.rmtree
        monkeypatch.setattr(os, "replace", lambda src, dst, **kw: self._move(real_replace, src, dst, **kw))
        monkeypatch.setattr(os, "rename", lambda src, dst, **kw: self._move(real_rename, src, dst, **kw))
        monkeypatch.setattr(os, "remove", lambda path, **kw: self._delete(real_remove, path, **kw))
        monkeypatch.setattr(os, "unlink", lambda path, **kw: self._delete(real_remove, path, **kw))
        monkeypatch.setattr(shutil, "rmtree", lambda p, *a, **kw: self._rmtree(real_rmtree, p, *a, **kw))

    def hold(self, paths: Iterator[Path]) -> None:
        self.held |= {Path(p).resolve() for p in paths}

    def _blocked(self, path: os.PathLike[str] | str) -> bool:
        target = Path(path).resolve()
        return any(h == target or h.is_relative_to(target) for h in self.held)

    def _refuse(self, path: object) -> None:
        self.refused += 1
        raise PermissionError(13, "The process cannot access the file because it is being used", str(path))

    def _move(self, real, src, dst, **kw) -> None:
        if self._blocked(src) or self._blocked(dst):
            self._refuse(dst)
        real(src, dst, **kw)

    def _delete(self, real, path, **kw) -> None:
        if "dir_fd" not in kw and self._blocked(path):
            self._refuse(path)
        real(path, **kw)

    def _rmtree(self, real, path, ignore_errors: bool = False, *a, **kw) -> None:
        if self._blocked(path):
            if ignore_errors:
                return  # Windows deletes what it can; what is held stays, so does the folder
            self._refuse(path)
        real(path, ignore_errors, *a, **kw)


@pytest.fixture
def locks(monkeypatch: pytest.MonkeyPatch) -> WindowsLocks:
    monkeypatch.setattr(fs, "RETRY_DELAY", 0.01)
    return WindowsLocks(monkeypatch)


def test_rebuild_from_the_console_while_a_window_holds_the_index(
    small_kb: Path, tmp_path: Path, locks: WindowsLocks, capsys: pytest.CaptureFixture[str]
):
    index_dir = tmp_path / "ix"
    with KnowledgeIndex.open(small_kb, index_dir) as window:
        assert window.search("роуминг").hits[0].id == ROAMING
        held = current_dir(index_dir)
        locks.hold(held.rglob("*"))
        for _ in range(3):  # the third rebuild would sweep the window's generation: it stays
            assert cli.main(["index", "--rebuild", "--kb", str(small_kb), "--index", str(index_dir)]) == 0
        out, err = capsys.readouterr()
        assert "Индекс готов" in out and "Traceback" not in err and "ошибка" not in err, err
        assert current_dir(index_dir) != held and held.is_dir()
        assert window.search("роуминг").hits[0].id == ROAMING
        assert Path(window._ix.storage.folder) == current_dir(index_dir)  # the window followed
    locks.held.clear()
    with KnowledgeIndex.open(small_kb, index_dir) as later:  # once let go, the old one is swept
        later.rebuild()
        assert not held.exists()


def test_a_pointer_held_for_good_gives_one_clear_line(
    small_kb: Path, tmp_path: Path, locks: WindowsLocks, capsys: pytest.CaptureFixture[str]
):
    index_dir = tmp_path / "ix"
    with KnowledgeIndex.open(small_kb, index_dir) as window:
        before = current_dir(index_dir)
        locks.hold([index_dir / "current"])
        code = cli.main(["index", "--rebuild", "--kb", str(small_kb), "--index", str(index_dir)])
        err = capsys.readouterr().err
        assert code == 1 and "Traceback" not in err
        assert [line for line in err.splitlines() if "ошибка" in line] == [
            f"ошибка: файл занят другой программой, замена не удалась: {index_dir / 'current'}"
        ]
        assert current_dir(index_dir) == before and window.search("роуминг").hits[0].id == ROAMING
        assert sorted(p.name for p in index_dir.glob("gen-*")) == [before.name]  # the new build discarded


def test_replace_retrying_waits_for_a_brief_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(fs, "RETRY_DELAY", 0.001)
    real, calls = os.replace, []

    def busy_twice(src, dst):
        calls.append(dst)
        if len(calls) <= 2:
            raise PermissionError(13, "in use")
        real(src, dst)

    monkeypatch.setattr(os, "replace", busy_twice)
    (tmp_path / "a").write_text("new", encoding="utf-8")
    replace_retrying(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "b").read_text(encoding="utf-8") == "new" and len(calls) == 3


def test_replace_retrying_gives_up_after_about_a_second(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    slept: list[float] = []
    monkeypatch.setattr(fs.time, "sleep", slept.append)
    monkeypatch.setattr(os, "replace", lambda src, dst: (_ for _ in ()).throw(PermissionError(13, "in use")))
    with pytest.raises(FileBusy) as caught:
        replace_retrying(tmp_path / "a", tmp_path / "b")
    assert "\n" not in str(caught.value) and str(tmp_path / "b") in str(caught.value)
    assert len(slept) == fs.RETRIES - 1 and 0.5 <= sum(slept) <= 2
    monkeypatch.setattr(os, "replace", lambda src, dst: (_ for _ in ()).throw(FileNotFoundError(2, "gone")))
    with pytest.raises(FileNotFoundError):  # not a lock: raised at once
        replace_retrying(tmp_path / "a", tmp_path / "b")


def test_every_rename_in_the_program_goes_through_replace_retrying():
    root = Path(__file__).resolve().parents[2]
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for package in ("kb", "index", "desktop_app")
        for path in sorted((root / package).rglob("*.py"))
        if path.name != "fs.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(call in line for call in ("os.replace(", "os.rename(", ".rename(", "shutil.move("))
    ]
    assert not offenders


def test_import_over_an_article_open_elsewhere_names_it_and_keeps_it(
    tmp_path: Path, locks: WindowsLocks, capsys: pytest.CaptureFixture[str]
):
    from kb.paths import bundled_source

    kb = tmp_path / "kb"
    assert cli.main(["import", str(bundled_source()), "--kb", str(kb)]) == 0
    (kb / "ss.md").write_text("правка агента\n", encoding="utf-8")
    locks.hold([kb / "ss.md"])  # open in an editor
    capsys.readouterr()
    assert cli.main(["import", str(bundled_source()), "--kb", str(kb), "--force"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"ошибка записи {kb / 'ss.md'}: файл занят другой программой" in err
    assert (kb / "ss.md").read_text(encoding="utf-8") == "правка агента\n"
    assert not [p.name for p in kb.iterdir() if p.name.endswith(".tmp")]
