"""``kb-browser index`` verifies and repairs and says what it did; ``search`` on a damaged, full or
read-only cache answers with one notice and rc 0 (issue 14, parts 3 and 5). Run in-process
(``cli.main``) where a write has to be refused; see tests/index/fault_helpers.py."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pytest

from desktop_app import cli
from index import KnowledgeIndex
from index.store import current_dir
from tests.index.fault_helpers import (
    EDIT_WORD,
    ROAMING,
    edit_roaming,
    refused_writes,
    rot_where_a_search_trips,
)

FIXTURE_KB = Path(__file__).parent / "index" / "fixtures" / "kb"
NOTICES = ("индекс перестроен", "индекс не сохранён")


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    dst = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, dst)
    return dst


@pytest.fixture
def index_dir(kb: Path, tmp_path: Path) -> Path:
    """The index of ``kb``, built."""
    folder = tmp_path / "ix"
    KnowledgeIndex.open(kb, folder).close()
    return folder


def _run(capsys: pytest.CaptureFixture[str], kb: Path, index_dir: Path, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--kb", str(kb), "--index", str(index_dir), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return code, out, err


def _notices(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith(NOTICES)]


def _errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("ошибка")]


# ------------------------------------------------------------------ index: verify and repair


def test_index_on_a_healthy_index_says_it_was_checked(kb: Path, index_dir: Path, capsys):
    live = current_dir(index_dir)
    code, out, err = _run(capsys, kb, index_dir, "index")
    assert code == 0 and "Индекс проверен: повреждений нет." in out
    assert "Индекс готов: статей — 2" in out and not _notices(err) and not _errors(err)
    assert current_dir(index_dir) == live  # nothing rebuilt


def test_index_after_bit_rot_verifies_repairs_and_says_so(kb: Path, index_dir: Path, capsys):
    damaged = rot_where_a_search_trips(kb, index_dir)  # size and mtime kept: the quick check passes
    capsys.readouterr()
    code, out, err = _run(capsys, kb, index_dir, "index")
    assert code == 0
    assert "Индекс был повреждён (при проверке) и восстановлен." in out and "Индекс готов" in out
    assert len(_notices(err)) == 1 and damaged.name in _notices(err)[0] and not _errors(err)
    assert current_dir(index_dir) != damaged.parent
    code, out, err = _run(capsys, kb, index_dir, "index")  # and now it is whole
    assert code == 0 and "повреждений нет" in out and not _notices(err)
    code, out, _ = _run(capsys, kb, index_dir, "search", "--json", "роуминг")
    assert json.loads(out)["hits"][0]["id"] == ROAMING


@pytest.mark.parametrize("code_", [errno.EROFS, errno.EACCES], ids=["EROFS", "EACCES"])
def test_index_on_an_unwritable_cache_after_an_edit_fails_clearly(kb: Path, index_dir: Path, capsys, code_):
    edit_roaming(kb)
    with refused_writes(index_dir, code_):
        code, out, err = _run(capsys, kb, index_dir, "index")
    assert code == 1 and "Индекс готов" not in out
    assert len(_errors(err)) == 1 and str(index_dir) in _errors(err)[0]
    assert "в памяти" in err and not _notices(err)  # one message, not a notice and an error


def test_index_on_a_read_only_cache_with_a_current_index_succeeds(kb: Path, index_dir: Path, capsys):
    """Nothing to write: checking needs no write either (a shared, read-only index is fine)."""
    with refused_writes(index_dir, errno.EROFS) as cache:
        code, out, err = _run(capsys, kb, index_dir, "index")
    assert code == 0 and "повреждений нет" in out and not _errors(err) and not cache.refused


def test_index_on_a_read_only_cache_with_a_damaged_index_fails_clearly(kb: Path, index_dir: Path, capsys):
    rot_where_a_search_trips(kb, index_dir)
    capsys.readouterr()
    with refused_writes(index_dir, errno.EROFS):
        code, out, err = _run(capsys, kb, index_dir, "index")
    assert code == 1 and "Индекс готов" not in out and len(_errors(err)) == 1
    assert "Read-only" in _errors(err)[0] and "в памяти" in err


def test_index_where_the_cache_folder_cannot_be_made_fails_clearly(kb: Path, tmp_path: Path, capsys):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    code, out, err = _run(capsys, kb, blocker / "ix", "index")
    assert code == 1 and "Индекс готов" not in out and len(_errors(err)) == 1


def test_index_on_a_full_disk_after_an_edit_fails_then_succeeds_once_there_is_room(
    kb: Path, index_dir: Path, capsys
):
    edit_roaming(kb)
    with refused_writes(index_dir, errno.ENOSPC):
        code, out, err = _run(capsys, kb, index_dir, "index")
    assert code == 1 and "No space" in _errors(err)[0] and "Индекс готов" not in out
    code, out, err = _run(capsys, kb, index_dir, "index")
    assert code == 0 and "Индекс готов" in out and not _errors(err)
    code, out, err = _run(capsys, kb, index_dir, "search", "--json", EDIT_WORD)
    assert json.loads(out)["hits"][0]["id"] == ROAMING and not _notices(err)  # saved on disk


# ------------------------------------------------------------------ search: degrade, never fail


@pytest.mark.parametrize("code_", [errno.EROFS, errno.EACCES], ids=["EROFS", "EACCES"])
def test_search_on_a_read_only_cache_after_an_edit_answers_the_edit_with_one_notice(
    kb: Path, index_dir: Path, capsys, code_
):
    edit_roaming(kb)
    with refused_writes(index_dir, code_) as cache:
        code, out, err = _run(capsys, kb, index_dir, "search", "--json", EDIT_WORD)
    assert code == 0 and cache.refused
    assert json.loads(out)["hits"][0]["id"] == ROAMING
    assert len(_notices(err)) == 1 and _notices(err)[0].startswith("индекс не сохранён") and not _errors(err)


def test_search_on_a_full_disk_after_an_edit_answers_it_and_saves_it_later(kb: Path, index_dir: Path, capsys):
    edit_roaming(kb)
    with refused_writes(index_dir, errno.ENOSPC):
        code, out, err = _run(capsys, kb, index_dir, "search", EDIT_WORD)
    assert code == 0 and ROAMING in out and len(_notices(err)) == 1 and "No space" in err
    code, out, err = _run(capsys, kb, index_dir, "search", EDIT_WORD)  # room again: saved, quietly
    assert code == 0 and ROAMING in out and not _notices(err)
    with KnowledgeIndex.open(kb, index_dir) as ix:
        assert ix.rebuilt_reason is None and ix.unsaved is None and not ix.refresh().changed_anything


def test_search_after_bit_rot_answers_and_says_so_once(kb: Path, index_dir: Path, capsys):
    rot_where_a_search_trips(kb, index_dir)
    capsys.readouterr()
    code, out, err = _run(capsys, kb, index_dir, "search", "роуминг")
    assert code == 0 and ROAMING in out and "ничего не найдено" not in out
    assert len(_notices(err)) == 1 and _notices(err)[0].startswith("индекс перестроен")
