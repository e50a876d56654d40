"""A document's stored fields read with one positioned read, for the documents ranking looks at.

Whoosh's ``stored_fields`` seeks a buffered file and reads 8 KB to get a few hundred bytes, then
filters the dict against the schema: 40 µs a document at 100k rules, a fifth of a query. Its W3
codec keeps each segment's stored fields as a column file of zlib-compressed pickled dicts, with
the offsets and lengths that Whoosh's own column reader has already loaded; here those are used to
``os.pread`` exactly the bytes needed from a file descriptor of our own: 12 µs. Where ``pread`` is
missing (Windows) or the layout is not the one expected, Whoosh reads the document itself.
"""

from __future__ import annotations

import bisect
import os
import zlib

from whoosh.codec.whoosh3 import STORED_COLUMN, W3Codec

from index import safe_pickle

_pread = getattr(os, "pread", None)


class StoredFields:
    """``get(docnum)`` → the stored fields of one document of ``reader``; close with :meth:`close`."""

    def __init__(self, reader) -> None:
        self._reader = reader
        self._bases: list[int] = []
        self._segments: list[tuple | None] = []
        for leaf, base in reader.leaf_readers():
            self._bases.append(base)
            self._segments.append(_open_segment(leaf))

    def get(self, docnum: int) -> dict:
        i = bisect.bisect_right(self._bases, docnum) - 1
        segment = self._segments[i] if i >= 0 else None
        if segment is None:
            return self._reader.stored_fields(docnum)
        fd, basepos, offsets, lengths = segment
        d = docnum - self._bases[i]
        size = lengths[d]
        if not size:
            return {}
        return safe_pickle.loads(zlib.decompress(_pread(fd, size, basepos + offsets[d])))

    def close(self) -> None:
        for segment in self._segments:
            if segment is not None:
                os.close(segment[0])
        self._segments = [None] * len(self._segments)


def _open_segment(leaf) -> tuple | None:
    """(fd, base position, offsets, lengths) of a segment's stored column, or None: Whoosh reads."""
    if _pread is None:
        return None
    try:
        column = leaf._perdoc._cached_reader("_stored", STORED_COLUMN)
        compressed = column._child  # PickleColumn.Reader wraps CompressedBytesColumn.Reader
        offsets, lengths, basepos = compressed._offsets, compressed._lengths, compressed._basepos
        if compressed._decompress is not zlib.decompress or len(lengths) != leaf.doc_count_all():
            return None
        storage = leaf._storage
        path = os.path.join(storage.folder, W3Codec.column_filename(leaf.segment(), "_stored"))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except Exception:  # another codec or storage (RAM), or a layout this does not know
        return None
    return fd, basepos, offsets, lengths
