"""A term's whole posting list as two arrays (document numbers, term frequencies), cached per reader.

Ranking scores every posting of the query's terms in one loop (see ranking.gather) instead of through
Whoosh's matcher tree, which costs ~1 µs a posting for one term and ~20 µs for an 18-term OR at 100k
rules. Whoosh 2.7's W3 codec stores a posting list as blocks of up to 128 postings: a big-endian int
(the block's byte length, negative for the last block), a pickled info tuple, then the pickled
(delta-coded ids, weights, values) tuple, zlib-compressed when the info says so. Reading a list
whole is one file read and three C calls a block: 0.17 µs a posting against Whoosh's 0.6. Anything
else (postings inlined in the term info, another codec, a list that does not parse) goes through
Whoosh's own matcher, so the answer is the same either way.
"""

from __future__ import annotations

import io
import itertools
import operator
import struct
import threading
import zlib
from array import array
from collections import OrderedDict

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC

from index import safe_pickle

Pair = tuple[array, array]  # docnums ('I'), term frequencies ('f')
CACHE_POSTINGS = 3_000_000  # postings kept per reader (8 bytes each); the least recently used go first
_BLOCK_LENGTH = struct.Struct("!i")
_EMPTY: Pair = (array("I"), array("f"))


class PostingsCache:
    """``get(field, text)`` → every live posting of a term over all segments, in docnum order."""

    def __init__(self, reader, budget: int = CACHE_POSTINGS) -> None:
        self._reader = reader
        self._leaves = [
            (leaf, base, leaf.deleted_docs_set if leaf.has_deletions() else frozenset())
            for leaf, base in reader.leaf_readers()
        ]
        self._budget = budget
        self._size = 0
        self._memo: OrderedDict[tuple[str, str], Pair] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, field: str, text: str) -> Pair:
        key = (field, text)
        with self._lock:
            got = self._memo.get(key)
            if got is not None:
                self._memo.move_to_end(key)
                return got
        got = self._read(field, text)
        with self._lock:
            earlier = self._memo.get(key)  # read meanwhile by another thread
            self._size += len(got[0]) - (len(earlier[0]) if earlier is not None else 0)
            self._memo[key] = got
            while self._size > self._budget and len(self._memo) > 1:
                _, old = self._memo.popitem(last=False)
                self._size -= len(old[0])
        return got

    def common_terms(self, field: str, min_docs: int) -> list[str]:
        """The terms of ``field`` in at least ``min_docs`` documents, commonest first, as many as
        half the budget holds: what a warm-up reads ahead (the costly ones to read on demand)."""
        found = [
            (info.doc_frequency(), text)
            for text, info in self._reader.iter_field(field)
            if info.doc_frequency() >= min_docs
        ]
        out, total = [], 0
        for df, text in sorted(found, reverse=True):
            total += df
            if total > self._budget // 2:
                break
            out.append(text.decode("utf-8") if isinstance(text, bytes) else text)
        return out

    def _read(self, field: str, text: str) -> Pair:
        ids, tfs = array("I"), array("f")
        for leaf, base, deleted in self._leaves:
            if not has_terms(leaf, field) or (field, text) not in leaf:
                continue
            try:
                leaf_ids, leaf_tfs = read_postings(leaf, field, text)
            except Exception:  # not the layout read_postings knows: let Whoosh read it
                leaf_ids, leaf_tfs = _read_with_matcher(leaf, field, text)
            if deleted:
                keep = list(map(operator.not_, map(deleted.__contains__, leaf_ids)))
                leaf_ids = array("I", itertools.compress(leaf_ids, keep))
                leaf_tfs = array("f", itertools.compress(leaf_tfs, keep))
            ids.extend(map(base.__add__, leaf_ids) if base else leaf_ids)
            tfs.extend(leaf_tfs)
        return (ids, tfs) if ids else _EMPTY


def has_terms(leaf, field: str) -> bool:
    """Whether a segment holds any term of ``field``, remembered on its reader (a segment's terms never
    change). At 100k rules the build's segments hold no words and one of them all the phrasings: a
    look-up there is a term-dictionary probe (~8 µs) that cannot find anything."""
    memo = leaf.__dict__.setdefault("_kb_has_terms", {})
    found = memo.get(field)
    if found is None:
        found = memo[field] = field in leaf.schema and next(iter(leaf.lexicon(field)), None) is not None
    return found


def doc_frequency(reader, field: str, text: str) -> int:
    """``reader.doc_frequency(field, text)``, asking only the segments that hold terms of ``field``."""
    return sum(leaf.doc_frequency(field, text) for leaf, _ in reader.leaf_readers() if has_terms(leaf, field))


def read_postings(leaf, field: str, text: str) -> Pair:
    """One segment's posting list of a term, read whole (raises on anything but a W3 block list)."""
    info = leaf.term_info(field, text)
    if info.is_inlined():
        ids, weights, _ = info.inlined_postings()
        return array("I", ids), array("f", weights)
    offset, length = info.extent()
    length = length[0] if isinstance(length, tuple) else length  # W3TermInfo keeps it unpacked
    buf = leaf._terms._postfile.get(offset, length)
    if buf[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError("not a W3 posting list")
    ids, tfs = array("I"), array("f")
    stream = io.BytesIO(buf)
    pos, last = 4, False
    while not last:
        (size,) = _BLOCK_LENGTH.unpack_from(buf, pos)
        last, size = size < 0, abs(size)
        stream.seek(pos + 4)
        count, _maxid, _maxweight, compressed, _minlen, _maxlen = safe_pickle.load(stream)
        pos += 4 + size
        data = buf[stream.tell() : pos]
        block_ids, weights, _ = safe_pickle.loads(zlib.decompress(data) if compressed else data)
        ids.extend(itertools.accumulate(block_ids))  # delta-coded from 0 in every block
        if weights is None or isinstance(weights, float):  # all 1.0, or all the same
            tfs.extend(itertools.repeat(1.0 if weights is None else weights, count))
        else:
            tfs.extend(weights)
    if pos != len(buf) or len(ids) != len(tfs):
        raise ValueError("posting list length mismatch")
    return ids, tfs


def _read_with_matcher(leaf, field: str, text: str) -> Pair:
    ids, tfs = array("I"), array("f")
    for docnum, weight in leaf.postings(field, text).items_as("weight"):
        ids.append(docnum)
        tfs.append(weight)
    return ids, tfs
