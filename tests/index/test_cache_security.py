"""No code from planted files: a pickle in the index folder is never loaded, and an index folder that
another user owns or may write in is never used (issue 14, "No code from data").

We run as root here, so other owners are simulated by the stat that ``index/cache_dir.py`` reads
(``_stat``/``_lstat``); modes are real.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import shutil
import stat
import tempfile
import zlib
from pathlib import Path

import pytest
from whoosh.filedb.filestore import RamStorage

from desktop_app import cli
from index import KnowledgeIndex, cache_dir, kb_cache, store

FIXTURES = Path(__file__).parent / "fixtures"
ROAMING_RULE = "alpha/finance/1"  # the fixture KB's rule about «роуминг»
OTHER_UID = os.geteuid() + 1000


class _Planted:
    """What an attacker pickles: loading it creates ``marker`` (any code would do)."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _payload(marker: Path) -> bytes:
    return pickle.dumps(_Planted(marker), protocol=pickle.HIGHEST_PROTOCOL)


def _plant(folder: Path, name: str, marker: Path) -> None:
    """A planted cache file under ``name``, with the header its reader checks first (the CRC the old
    pickle cache trusted, or the new magic), so that only what follows decides."""
    payload = _payload(marker)
    magic = b"KBC1" if name == "kbcache.pickle" else kb_cache.MAGIC
    (folder / name).write_bytes(magic + zlib.crc32(payload).to_bytes(4, "big") + payload)


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    dst = tmp_path / "kb"
    shutil.copytree(FIXTURES / "kb", dst)
    return dst


def test_the_planted_payload_does_run_code_when_unpickled(tmp_path: Path):
    """The bait is real: whatever unpickles it creates the marker (so the tests below mean something)."""
    pickle.loads(_payload(tmp_path / "ran"))
    assert (tmp_path / "ran").is_dir()


@pytest.mark.parametrize("name", ["kbcache.pickle", kb_cache.CACHE_NAME], ids=["old name", "new name"])
def test_a_planted_pickle_in_the_index_folder_never_runs_and_search_still_answers(
    kb: Path, tmp_path: Path, capsys, name: str
):
    index = tmp_path / "ix"
    assert cli.main(["search", "--kb", str(kb), "--index", str(index), "роуминг"]) == 0
    _plant(index, name, tmp_path / "pwned")
    capsys.readouterr()
    assert cli.main(["search", "--kb", str(kb), "--index", str(index), "роуминг"]) == 0
    out = capsys.readouterr()
    assert not (tmp_path / "pwned").exists()
    assert ROAMING_RULE in out.out and "Traceback" not in out.err


def test_a_planted_pickle_alone_in_a_new_index_folder_never_runs(kb: Path, tmp_path: Path, capsys):
    """An index folder that holds only the planted files (no index yet): the KB is parsed, the
    index built, and the old pickle removed when the new cache is written."""
    index = tmp_path / "ix"
    index.mkdir(mode=0o700)
    for name in ("kbcache.pickle", kb_cache.CACHE_NAME):
        _plant(index, name, tmp_path / "pwned")
    assert cli.main(["search", "--kb", str(kb), "--index", str(index), "роуминг"]) == 0
    assert not (tmp_path / "pwned").exists()
    assert ROAMING_RULE in capsys.readouterr().out
    assert not (index / "kbcache.pickle").exists()
    assert kb_cache.load(index, kb) is not None  # the planted file replaced by a real cache


# ----------------------------------------------------------------------------- the folder


def _stat_as(owner: int | None = None, mode: int | None = None, only: Path | None = None):
    """A stat that reports ``owner``/``mode`` for ``only`` (or for every path)."""

    def fake(real):
        def stat_(path, *args, **kwargs):
            st = real(path, *args, **kwargs)
            if only is not None and Path(path) != only:
                return st
            fields = list(st[:10])
            if owner is not None:
                fields[stat.ST_UID] = owner
            if mode is not None:
                fields[stat.ST_MODE] = stat.S_IFMT(st.st_mode) | mode
            return os.stat_result(fields)

        return stat_

    return fake


def _simulate(monkeypatch, **kwargs) -> None:
    fake = _stat_as(**kwargs)
    monkeypatch.setattr(cache_dir, "_stat", fake(os.stat))
    monkeypatch.setattr(cache_dir, "_lstat", fake(os.lstat))


@pytest.fixture
def system_tmp(tmp_path: Path, monkeypatch) -> Path:
    """A stand-in for /tmp (sticky, open to all), and a user cache folder inside the KB folder, so
    that the index falls back to the temp folder."""
    folder = tmp_path / "systmp"
    folder.mkdir()
    folder.chmod(0o1777)
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def kb_holding_the_user_cache(kb: Path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(kb / ".cache"))
    return kb


def _key(kb: Path) -> str:
    return hashlib.sha1(str(kb.resolve()).encode("utf-8")).hexdigest()[:12]


def test_the_temp_fallback_is_per_user(kb_holding_the_user_cache: Path, system_tmp: Path):
    kb = kb_holding_the_user_cache
    expected = system_tmp / f"kb-browser-{os.geteuid()}" / "index" / _key(kb)
    assert store.default_index_dir(kb) == expected


def test_the_cache_folders_are_created_private(kb_holding_the_user_cache: Path, system_tmp: Path, capsys):
    kb = kb_holding_the_user_cache
    old_umask = os.umask(0)  # even with a umask that takes nothing away
    try:
        assert cli.main(["search", "--kb", str(kb), "роуминг"]) == 0
    finally:
        os.umask(old_umask)
    root = system_tmp / f"kb-browser-{os.geteuid()}"
    for folder in (root, root / "index", root / "index" / _key(kb)):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert (root / "index" / _key(kb) / "current").is_file()  # the index was built there
    assert ROAMING_RULE in capsys.readouterr().out


def test_the_user_cache_folders_are_created_private(kb: Path, tmp_path: Path):
    with KnowledgeIndex.open(kb) as ix:
        folders = [ix.index_dir, ix.index_dir.parent, ix.index_dir.parent.parent]
        assert not isinstance(ix._ix.storage, RamStorage)
    assert folders[2] == cache_dir.app_roots()[0]
    assert [stat.S_IMODE(f.stat().st_mode) for f in folders] == [0o700] * 3


@pytest.mark.parametrize(
    "hostile",
    [
        {"owner": OTHER_UID},  # another user made kb-browser-<uid> first
        {"mode": 0o777},  # ours, but open to everyone
    ],
    ids=["another owner", "mode 0777"],
)
def test_a_hostile_temp_fallback_folder_is_refused_and_search_works_in_memory_with_one_notice(
    kb_holding_the_user_cache: Path, system_tmp: Path, monkeypatch, capsys, caplog, hostile: dict
):
    kb = kb_holding_the_user_cache
    root = system_tmp / f"kb-browser-{os.geteuid()}"
    planted = root / "index" / _key(kb)
    planted.mkdir(parents=True)
    root.chmod(0o777)
    for name in ("kbcache.pickle", kb_cache.CACHE_NAME):
        _plant(planted, name, system_tmp / "pwned")
    before = sorted(p.name for p in planted.iterdir())
    if "owner" in hostile:
        _simulate(monkeypatch, owner=hostile["owner"], only=root)
        root.chmod(0o700)  # only the owner is wrong
    opened: list[Path] = []
    real_open_valid = store.open_valid
    monkeypatch.setattr(store, "open_valid", lambda d, *a: opened.append(d) or real_open_valid(d, *a))

    with caplog.at_level(logging.WARNING):
        assert cli.main(["search", "--kb", str(kb), "роуминг"]) == 0
    out = capsys.readouterr()
    assert not (system_tmp / "pwned").exists()
    assert ROAMING_RULE in out.out and "Traceback" not in out.err
    notices = [line for line in out.err.splitlines() if line.startswith("индекс перестроен")]
    assert len(notices) == 1 and str(root) in notices[0]
    assert ("другому пользователю" if "owner" in hostile else "другие пользователи") in notices[0]
    assert "Search index" not in out.err  # the log's English line only with -v: one notice in all
    assert not opened  # no Whoosh file of that folder was read
    assert sorted(p.name for p in planted.iterdir()) == before  # and nothing written into it


def test_in_a_refused_folder_the_window_gets_an_in_memory_index_and_its_reason(
    kb: Path, tmp_path: Path, monkeypatch
):
    index = tmp_path / "ix"
    KnowledgeIndex.open(kb, index).close()  # a good index and cache, then the folder is opened to all
    _simulate(monkeypatch, mode=0o777, only=index)
    with KnowledgeIndex.open(kb, index) as ix:
        assert isinstance(ix._ix.storage, RamStorage)
        assert "могут писать другие пользователи" in ix.rebuilt_reason
        assert ix._load_cache.parsed == len(ix._load_cache.files)  # the KB cache there was not trusted
        assert ix.search("роуминг").hits[0].id == ROAMING_RULE


def test_rebuilding_in_a_refused_folder_is_a_clear_error(kb: Path, tmp_path: Path, monkeypatch, capsys):
    index = tmp_path / "ix"
    index.mkdir()
    index.chmod(0o777)
    assert cli.main(["index", "--rebuild", "--kb", str(kb), "--index", str(index)]) == 1
    err = capsys.readouterr().err
    assert "ошибка: в папку кэша" in err and "Traceback" not in err
    assert list(index.iterdir()) == []


def test_a_folder_of_ours_above_the_index_is_checked_too(tmp_path: Path, monkeypatch):
    """Under the app's root every folder counts (another user could rename what is inside his own
    folder), above it nothing does (the home folder, /tmp)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = cache_dir.app_roots()[0]
    index = root / "index" / "abc"
    cache_dir.prepare(index)
    _simulate(monkeypatch, owner=OTHER_UID, only=root / "index")
    assert "принадлежит другому пользователю" in cache_dir.unsafe_reason(index)
    _simulate(monkeypatch, owner=OTHER_UID, only=tmp_path / "cache")  # not ours: ~/.cache
    assert cache_dir.unsafe_reason(index) is None


def test_a_symbolic_link_made_by_another_user_is_refused(tmp_path: Path, monkeypatch):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "ix"
    link.symlink_to(real)
    assert cache_dir.unsafe_reason(link) is None  # a link of our own to a folder of our own
    monkeypatch.setattr(cache_dir, "_lstat", _stat_as(owner=OTHER_UID, only=link)(os.lstat))
    assert "ссылка" in cache_dir.unsafe_reason(link)


def test_a_file_where_the_folder_should_be_is_refused(tmp_path: Path):
    (tmp_path / "ix").write_text("", encoding="utf-8")
    with pytest.raises(cache_dir.UnsafeCacheDir, match="не папка"):
        cache_dir.prepare(tmp_path / "ix")


def test_on_windows_the_fallback_is_per_user_by_name_and_modes_are_not_checked(
    kb_holding_the_user_cache: Path, system_tmp: Path, monkeypatch
):
    monkeypatch.setattr(cache_dir, "IS_WINDOWS", True)
    monkeypatch.setenv("USERNAME", "Иван Петров")
    kb = kb_holding_the_user_cache
    index = store.default_index_dir(kb)
    assert index == system_tmp / "kb-browser-Иван_Петров" / "index" / _key(kb)
    _simulate(monkeypatch, owner=OTHER_UID, mode=0o777)  # meaningless there: ACLs protect it
    cache_dir.prepare(index)
    assert index.is_dir() and cache_dir.unsafe_reason(index) is None
