# ruff: noqa: E402, E501  (a throwaway experiment, kept as evidence)
"""Experiment (not used by the app): time a full build with Whoosh options patched in memory,
index/ untouched: --noncompound (no compound segment files), --limitmb N, --procs N
(multisegment), --cache-has-column, --no-words (drop the vocabulary documents).

    python benchmarks/experiments/build_options.py /tmp/w100k/kb /tmp/idx --noncompound --procs 2 --limitmb 2048
"""

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
p = argparse.ArgumentParser()
p.add_argument("kb")
p.add_argument("out")
p.add_argument("--noncompound", action="store_true")
p.add_argument("--limitmb", type=int)
p.add_argument("--cache-has-column", action="store_true")
p.add_argument("--procs", type=int)
p.add_argument("--no-words", action="store_true")
a = p.parse_args()
import whoosh.index as wi
import whoosh.writing as ww

if a.noncompound:
    orig = ww.SegmentWriter.__init__

    def init(self, *x, **k):
        k["compound"] = False
        orig(self, *x, **k)

    ww.SegmentWriter.__init__ = init
if a.cache_has_column:
    from whoosh.codec import whoosh3

    orig_has = whoosh3.W3PerDocReader.has_column

    def has_column(self, fieldname):
        memo = self.__dict__.setdefault("_has_memo", {})
        if fieldname not in memo:
            memo[fieldname] = orig_has(self, fieldname)
        return memo[fieldname]

    whoosh3.W3PerDocReader.has_column = has_column
orig_writer = wi.FileIndex.writer


def writer(self, procs=1, **k):
    if a.limitmb:
        k["limitmb"] = a.limitmb
    if a.procs:
        procs = a.procs
        k["multisegment"] = True
    return orig_writer(self, procs=procs, **k)


wi.FileIndex.writer = writer
if a.no_words:
    import index.documents as idoc
    import index.lifecycle as iki

    orig_docs = idoc.article_documents

    def docs(*x, **k):
        return (d for d in orig_docs(*x, **k) if "words" not in d)

    iki.article_documents = docs
from index import KnowledgeIndex

out = Path(a.out)
shutil.rmtree(out, ignore_errors=True)
t = time.perf_counter()
ix = KnowledgeIndex.open(Path(a.kb), out)
print("build", round(time.perf_counter() - t, 1), vars(a), flush=True)
ix.close()
