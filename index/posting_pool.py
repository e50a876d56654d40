"""Whoosh's posting pool with its sorted runs pickled in chunks instead of one posting at a time.

A writer gathers postings in a pool and, whenever ``limitmb`` is reached, sorts them and writes a
"run" to a temporary file; at the end the runs are merged. Whoosh pickles and unpickles every
posting with its own call: a third of a 100k-rule build's CPU time (py-spy, 2026-11). Pickling
lists of postings gives the same runs in the same order for a fraction of that, without raising
the pool's memory limit. :func:`install` puts it in Whoosh's place for every writer of this
process; importing ``index`` calls it, so the writer processes of a parallel build use it too,
whether they are forked or started afresh (spawn, forkserver: they import ``index`` to read the
schema before they make their writer).
"""

from __future__ import annotations

import itertools
import pickle
from collections.abc import Iterable, Iterator

from whoosh import writing

from index import safe_pickle

CHUNK = 8192  # postings per pickle call: ~1 MB, so reading a run back never holds much more


class ChunkedPostingPool(writing.PostingPool):
    def _write_run(self, f, items: Iterable) -> None:
        it = iter(items)
        try:
            while chunk := list(itertools.islice(it, CHUNK)):
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        finally:
            f.close()

    def _read_run(self, path: str) -> Iterator:
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = safe_pickle.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)


def install() -> None:
    """Writers created from now on use :class:`ChunkedPostingPool` (Whoosh looks the class up by name
    in ``whoosh.writing`` when it makes a writer)."""
    writing.PostingPool = ChunkedPostingPool
