"""Nothing read back from an index folder runs code: every pickle Whoosh and our readers load may
name only the globals of ``safe_pickle.ALLOWED``; a planted one reads as damage and is rebuilt."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import pickle
import shutil
import sys
import zlib
from pathlib import Path

import pytest
from whoosh import index as windex
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage

from index import KnowledgeIndex, lifecycle, published, safe_pickle
from index.relevance_report import load_queries
from index.store import current_dir
from index.stored import StoredFields
from kb.manifest import PUBLISH_DIR
from kb.paths import bundled_kb_dir

pytest.importorskip("wordfreq")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from generate_kb import generate

QUERY = "роуминг"


class Planted:
    """Pickles to ``os.mkdir(marker)``: what a planted file would run on load."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker,)


class PlantedSchema(Schema):
    """A schema as far as Whoosh's TOC writer checks, that pickles to ``os.mkdir(marker)``."""

    def __init__(self, marker: Path) -> None:
        super().__init__()
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker,)


def _toc_path(gen: Path) -> Path:
    return next(gen.glob("_MAIN_*.toc"))


def plant_in_toc(gen: Path, marker: Path) -> None:
    """Rewrite the table of contents of generation folder ``gen`` with a schema pickle that would
    call ``os.mkdir(marker)`` (the segments kept: every other check still passes)."""
    storage = FileStorage(str(gen))
    toc = windex.TOC.read(storage, "MAIN")
    _toc_path(gen).unlink()
    windex.TOC(PlantedSchema(marker), toc.segments, toc.generation).write(storage, "MAIN")
    with pytest.MonkeyPatch.context() as m:  # the plant is real: Whoosh with plain pickle runs it
        m.setattr(windex, "pickle", pickle)
        with contextlib.suppress(Exception):
            windex.TOC.read(storage, "MAIN")
    assert marker.is_dir()
    marker.rmdir()


def _same_length_payload(marker: Path, size: int) -> bytes:
    """A zlib stream of exactly ``size`` bytes whose pickle calls ``os.mkdir(marker)``."""
    evil = pickle.dumps(Planted(marker), 2)
    pad = size - len(zlib.compress(evil, 0)) - 6  # the padding string costs 6 bytes of opcodes
    assert pad >= 0, "stored fields too short to plant in"
    raw = evil[:2] + b"X" + len(b"p" * pad).to_bytes(4, "little") + b"p" * pad + b"0" + evil[2:]
    data = zlib.compress(raw, 0)
    assert len(data) == size
    return data


def plant_in_stored_fields(gen: Path, marker: Path) -> list[tuple[Path, int, int]]:
    """Overwrite every document's stored fields in the segment files of ``gen`` with a payload
    that would call ``os.mkdir(marker)``, keeping each file's size and mtime (what the quick checks
    on open look at). Returns where: (file, position, length) of each payload."""
    ix = windex.open_dir(str(gen))
    planted = []
    with ix.reader() as reader:
        stored = StoredFields(reader)
        try:
            for fd, basepos, offsets, lengths in filter(None, stored._segments):
                path = Path(os.readlink(f"/proc/self/fd/{fd}"))
                st = path.stat()
                data = bytearray(path.read_bytes())
                for offset, size in zip(offsets, lengths, strict=True):
                    if size:
                        start = basepos + offset
                        data[start : start + size] = _same_length_payload(marker, size)
                        planted.append((path, start, size))
                path.write_bytes(bytes(data))
                os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        finally:
            stored.close()
    return planted


def _no_traceback(caplog) -> None:
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    dst = tmp_path / "kb"
    shutil.copytree(bundled_kb_dir(), dst)
    return dst


# ----------------------------------------------------------------------------- planted files


def test_planted_toc_schema_never_runs_and_search_answers(kb: Path, tmp_path: Path, caplog):
    index_dir, marker = tmp_path / "index", tmp_path / "pwned"
    KnowledgeIndex.open(kb, index_dir).close()
    plant_in_toc(current_dir(index_dir), marker)
    with caplog.at_level(logging.INFO), KnowledgeIndex.open(kb, index_dir) as ix:
        result = ix.search(QUERY)
        assert ix.rebuilt_reason  # the notice: the index was rebuilt
    assert not marker.exists()
    assert result.hits
    _no_traceback(caplog)


def test_planted_stored_fields_never_run_and_search_answers(kb: Path, tmp_path: Path, caplog):
    index_dir, marker = tmp_path / "index", tmp_path / "pwned"
    KnowledgeIndex.open(kb, index_dir).close()
    assert len(plant_in_stored_fields(current_dir(index_dir), marker)) > 60
    with caplog.at_level(logging.INFO), KnowledgeIndex.open(kb, index_dir) as ix:
        result = ix.search(QUERY)
        assert ix.rebuilt_reason
        assert ix.search(QUERY).hits
    assert not marker.exists()
    assert result.hits
    _no_traceback(caplog)


def test_planted_stored_fields_run_with_plain_pickle(kb: Path, tmp_path: Path):
    """The plant above is real: Whoosh's own reader with an unrestricted pickle runs it."""
    index_dir, marker = tmp_path / "index", tmp_path / "pwned"
    KnowledgeIndex.open(kb, index_dir).close()
    path, start, size = plant_in_stored_fields(current_dir(index_dir), marker)[0]
    with open(path, "rb") as f:
        f.seek(start)
        pickle.loads(zlib.decompress(f.read(size)))
    assert marker.exists()


def test_published_index_with_planted_toc_never_runs_on_a_seat(
    kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
):
    assert published.publish(kb).ok
    marker = tmp_path / "pwned"
    plant_in_toc(current_dir(published.published_index_dir(kb)), marker)
    assert (kb / PUBLISH_DIR).is_dir()
    monkeypatch.setattr(published, "IS_WINDOWS", True)  # no owner or mode check to stop it first
    with caplog.at_level(logging.INFO), KnowledgeIndex.open(kb, tmp_path / "seat") as ix:
        assert "опубликованный индекс" in (ix.rebuilt_reason or "")
        result = ix.search(QUERY)
    assert not marker.exists()
    assert result.hits
    _no_traceback(caplog)


# ----------------------------------------------------------------------------- the unpickler


def test_global_outside_the_allow_list_is_refused(tmp_path: Path):
    marker = tmp_path / "pwned"
    with pytest.raises(pickle.UnpicklingError, match="mkdir"):
        safe_pickle.loads(pickle.dumps(Planted(marker), 2))
    with pytest.raises(pickle.UnpicklingError, match="mkdir"):
        safe_pickle.load(io.BytesIO(pickle.dumps(Planted(marker), 4)))
    assert not marker.exists()


def test_dotted_name_is_refused_even_under_an_allowed_module():
    # protocol 4 resolves "TEXT.__init__.__globals__" by getattr: a way to any object of the module
    module, name = b"whoosh.fields", b"TEXT.__init__.__globals__"
    data = b"\x80\x04\x8c%c%s\x8c%c%s\x93." % (len(module), module, len(name), name)
    assert ("whoosh.fields", "TEXT") in safe_pickle.ALLOWED
    assert pickle.loads(data)["__name__"] == "whoosh.fields"  # what an unrestricted unpickler gives
    with pytest.raises(pickle.UnpicklingError, match="not allowed"):
        safe_pickle.loads(data)


def test_allowed_globals_load():
    value = {"b": b"\x00\x01", "t": (1, 2.5, "правило")}
    data = pickle.dumps(value, 2)
    assert safe_pickle.globals_in(data) == {("_codecs", "encode")}  # bytes, in protocol 2
    assert safe_pickle.loads(data) == value


def test_garbage_reads_as_a_damaged_file():
    with pytest.raises(pickle.UnpicklingError):
        safe_pickle.loads(b"\x80\x02K\x01K\x02R.")  # REDUCE on an int: TypeError in pickle
    with pytest.raises(EOFError):  # the end of a run file stays EOFError
        safe_pickle.load(io.BytesIO(b""))


def test_install_replaces_every_loads_whoosh_calls():
    from whoosh import columns, compat, externalsort, formats, multiproc
    from whoosh.codec import whoosh3
    from whoosh.filedb import fileindex, structfile

    for module in (compat, whoosh3, columns, formats):
        assert module.loads is safe_pickle.loads, module.__name__
    for loader in (compat.load, externalsort.load, structfile.load_pickle):
        assert loader is safe_pickle.load
    for module in (windex, fileindex, multiproc):
        assert module.pickle.loads is safe_pickle.loads and module.pickle.load is safe_pickle.load
        assert module.pickle.dumps(1) == pickle.dumps(1)
    plain = (pickle, pickle.loads, pickle.load)
    left = [
        f"{name}.{attr}"
        for name, module in list(sys.modules.items())
        if name.startswith("whoosh")
        for attr, value in vars(module).items()
        if any(value is p for p in plain)
    ]
    assert not left, f"Whoosh modules that still unpickle with plain pickle: {left}"


# ----------------------------------------------------------------------------- the allow-list


def _record_builds(kb_dir: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> set:
    """The globals of every pickle written while ``kb_dir`` is indexed serially and in parallel."""
    found: set = set()
    for parallel in (False, True):
        monkeypatch.setattr(lifecycle, "PARALLEL_MIN_ARTICLES", 1 if parallel else 10**9)
        with safe_pickle.record_written() as seen, KnowledgeIndex.open(kb_dir, folder / f"i{parallel}") as ix:
            assert ix.search(QUERY).hits
        found |= seen
    return found


def test_allow_list_covers_fresh_indexes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    generated = tmp_path / "generated"
    generate(generated, 600)
    found = _record_builds(bundled_kb_dir(), tmp_path, monkeypatch)
    found |= _record_builds(generated, tmp_path, monkeypatch)
    assert ("whoosh.fields", "Schema") in found  # the recorder sees the schema
    missing = sorted(found - safe_pickle.ALLOWED)
    assert not missing, f"globals in fresh index files missing from safe_pickle.ALLOWED: {missing}"


class Removed(Planted):
    def __reduce__(self):
        return os.rmdir, (self.marker,)


def test_recorder_sees_globals_behind_memo_references():
    """Protocol 4 names a module once and refers back to it (BINGET) for the next global of it."""
    data = pickle.dumps([Planted(Path("a")), Removed(Path("b")), Planted(Path("c"))], 4)
    assert data.count(os.mkdir.__module__.encode()) == 1
    assert safe_pickle.globals_in(data) == {(os.mkdir.__module__, "mkdir"), (os.rmdir.__module__, "rmdir")}


# ----------------------------------------------------------------------------- nothing else changes


def _all_answers(index_dir: Path) -> list:
    with KnowledgeIndex.open(bundled_kb_dir(), index_dir) as ix:
        assert ix.rebuilt_reason is None  # opened as it was
        return [[(h.id, h.text, h.score) for h in ix.search(q).hits] for q, *_ in load_queries()]


def _unrestricted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put plain ``pickle`` back wherever ``install`` and our readers use the restricted one."""
    from whoosh import columns, compat, externalsort, formats, multiproc
    from whoosh.codec import whoosh3
    from whoosh.filedb import fileindex, structfile

    for module in (compat, whoosh3, columns, formats):
        monkeypatch.setattr(module, "loads", pickle.loads)
    for module, attr in ((compat, "load"), (externalsort, "load"), (structfile, "load_pickle")):
        monkeypatch.setattr(module, attr, pickle.load)
    for module in (windex, fileindex, multiproc):
        monkeypatch.setattr(module, "pickle", pickle)
    monkeypatch.setattr(safe_pickle, "loads", pickle.loads)
    monkeypatch.setattr(safe_pickle, "load", pickle.load)


def test_bundled_index_answers_exactly_as_with_plain_pickle(tmp_path: Path, monkeypatch):
    index_dir = tmp_path / "index"
    KnowledgeIndex.open(bundled_kb_dir(), index_dir).close()
    restricted = _all_answers(index_dir)
    with monkeypatch.context() as m:
        _unrestricted(m)
        plain = _all_answers(index_dir)
    assert sum(map(len, restricted)) > 100
    assert restricted == plain
