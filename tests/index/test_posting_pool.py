"""The chunked posting pool: same sorted postings as Whoosh's own, runs spilled and merged, files removed."""

import random

from whoosh.filedb.filestore import FileStorage
from whoosh.writing import PostingPool

from index import posting_pool
from index.documents import make_schema
from index.posting_pool import ChunkedPostingPool


def _postings(n: int, seed: int = 0) -> list[tuple]:
    rnd = random.Random(seed)
    fields = ["content", "title", "article"]
    return [
        (rnd.choice(fields), f"w{rnd.randrange(500)}".encode(), rnd.randrange(10_000), 1.0, None)
        for _ in range(n)
    ]


def _drain(pool_class, items, tmp_path, monkeypatch, chunk=None):
    if chunk:
        monkeypatch.setattr(posting_pool, "CHUNK", chunk)
    storage = FileStorage(str(tmp_path)).create()
    pool = pool_class(storage, segment=None, limitmb=1)
    pool.limit = 20_000  # bytes: a run every ~100 postings
    for item in items:
        pool.add(item)
    pool.save()
    runs = len(pool.runs)
    pool.reduce_to(2, 3)  # merging runs writes runs from a generator
    out = list(pool.items())
    return runs, out, sorted(p.name for p in tmp_path.iterdir())


def test_chunked_runs_sort_like_whoosh(tmp_path, monkeypatch):
    items = _postings(5_000)
    runs, got, left = _drain(ChunkedPostingPool, items, tmp_path / "a", monkeypatch, chunk=37)
    whoosh_pool = ChunkedPostingPool.__bases__[0]
    assert whoosh_pool is PostingPool or PostingPool is ChunkedPostingPool  # imported after install
    _, expected, _ = _drain(whoosh_pool, items, tmp_path / "b", monkeypatch)
    assert runs > 10  # the pool really spilled to disk
    assert got == expected == sorted(items)
    assert left == []  # every run file removed once read


def test_every_writer_uses_it_once_index_is_imported(tmp_path):
    from whoosh import writing

    import index  # noqa: F401

    assert writing.PostingPool is ChunkedPostingPool
    ix = FileStorage(str(tmp_path)).create().create_index(make_schema())
    with ix.writer() as w:
        assert isinstance(w.pool, ChunkedPostingPool)
