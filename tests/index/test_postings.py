"""Posting lists read whole (index.postings) equal what Whoosh's own matchers give."""

import random

import pytest
from whoosh.filedb.filestore import FileStorage

from index import postings as P
from index.documents import make_schema
from index.postings import PostingsCache
from index.processes import PrivateRamStorage

WORDS = [f"w{i}" for i in range(60)]


def _docs(rnd: random.Random, article: str, n: int):
    for i in range(n):
        text = [rnd.choice(WORDS[: rnd.choice([3, 20, 60])]) for _ in range(rnd.randint(1, 30))]
        yield {"id": f"{article}/{i}", "article": article, "content": text, "title": [article]}


def _index(storage):
    """Three segments (two kept apart), deletions in two of them; 'w0' runs over many blocks."""
    rnd = random.Random(7)
    ix = storage.create_index(make_schema())
    for batch in range(3):
        with ix.writer() as w:
            w.mergetype = lambda writer, segments: segments  # keep every segment
            for a in range(4):
                for doc in _docs(rnd, f"a{batch}{a}", 150):
                    w.add_document(**doc)
    with ix.writer() as w:
        w.mergetype = lambda writer, segments: segments
        w.delete_by_term("article", "a01")
        w.delete_by_term("article", "a22")
    return ix


def _expected(reader, field, text):
    out = []
    for leaf, base in reader.leaf_readers():
        if (field, text) in leaf:
            out += [(base + d, w) for d, w in leaf.postings(field, text).items_as("weight")]
    return out


@pytest.fixture(params=["disk", "ram"])
def index(request, tmp_path):
    storage = FileStorage(str(tmp_path)).create() if request.param == "disk" else PrivateRamStorage()
    ix = _index(storage)
    yield ix
    ix.close()


def _check_all_terms(reader, cache):
    checked = 0
    for field in ("content", "title"):
        for text in [*reader.field_terms(field), "absent"]:
            ids, tfs = cache.get(field, text)
            assert list(zip(ids, tfs, strict=True)) == _expected(reader, field, text), (field, text)
            checked += 1
    return checked


def test_every_term_reads_as_whoosh_reads_it(index):
    with index.reader() as reader:
        assert len(reader.leaf_readers()) >= 3 and reader.has_deletions()
        assert reader.doc_frequency("content", "w0") > 2 * 128  # several blocks
        assert any(w > 1 for _, w in _expected(reader, "content", "w0"))  # term frequencies kept
        assert _check_all_terms(reader, PostingsCache(reader)) > 60


def test_a_list_it_cannot_parse_is_read_by_whoosh(index, monkeypatch):
    def broken(*args):
        raise ValueError("unexpected layout")

    monkeypatch.setattr(P, "read_postings", broken)
    with index.reader() as reader:
        _check_all_terms(reader, PostingsCache(reader))


def test_cache_keeps_to_its_budget(index):
    with index.reader() as reader:
        cache = PostingsCache(reader, budget=500)
        for text in reader.field_terms("content"):
            cache.get("content", text)
        assert cache._size <= 500 + reader.doc_frequency("content", "w0")
        assert cache.get("content", "w0") == cache.get("content", "w0")


def test_field_lengths_follow_segments_as_they_change(index):
    from index.ranking import field_lengths

    def expected(reader):
        return [reader.doc_field_length(d, "content", 1) or 0 for d in range(reader.doc_count_all())]

    with index.reader() as reader:
        assert field_lengths(reader, "content") == expected(reader)
    with index.writer() as w:  # a new segment, and the old ones merged away
        for doc in _docs(random.Random(1), "new", 40):
            w.add_document(**doc)
    with index.reader() as reader:
        assert field_lengths(reader, "content") == expected(reader)


def test_stored_fields_read_as_whoosh_reads_them(index):
    from index.stored import StoredFields

    with index.reader() as reader:
        stored = StoredFields(reader)
        try:
            for docnum in reader.all_doc_ids():
                assert stored.get(docnum) == reader.stored_fields(docnum)
        finally:
            stored.close()


def test_stored_fields_read_their_own_bytes_from_plain_segments(tmp_path):
    """The app writes non-compound segments: those are read with pread on our own descriptors
    (compound segments and RAM indexes go through Whoosh, as the test above covers)."""
    import os

    from index.stored import StoredFields

    ix = FileStorage(str(tmp_path)).create().create_index(make_schema())
    for batch in range(2):
        with ix.writer(compound=False) as w:
            w.mergetype = lambda writer, segments: segments
            for doc in _docs(random.Random(batch), f"p{batch}", 80):
                w.add_document(**doc)
    with ix.reader() as reader:
        stored = StoredFields(reader)
        assert len(stored._segments) == 2
        assert all(s is not None for s in stored._segments) or not hasattr(os, "pread")
        assert [stored.get(d) for d in reader.all_doc_ids()] == [
            reader.stored_fields(d) for d in reader.all_doc_ids()
        ]
        fds = [s[0] for s in stored._segments if s is not None]
        stored.close()
        for fd in fds:  # closed: no descriptor is leaked
            with pytest.raises(OSError):
                os.fstat(fd)
        assert stored.get(0) == reader.stored_fields(0)  # after close, Whoosh reads
    ix.close()
