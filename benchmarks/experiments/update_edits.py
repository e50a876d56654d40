# ruff: noqa: E501  (a throwaway experiment, kept as evidence)
"""Experiment (index issue 5): One-article edits on an existing index: refresh + search latency, segment count.

python benchmarks/experiments/update_edits.py /tmp/w100k/kb /tmp/w100k/index
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from index import KnowledgeIndex

kb, idx = Path(sys.argv[1]), Path(sys.argv[2])
t = time.perf_counter()
ix = KnowledgeIndex.open(kb, idx)
print("open", round(time.perf_counter() - t, 3))
ix.refresh()
files = sorted(kb.glob("gen*.md"))[:6]
for i, f in enumerate(files):
    old = f.read_text(encoding="utf-8")
    new = old.replace("\n1. ", f"\n1. уникальноеслово{i} ", 1)
    f.write_text(new, encoding="utf-8")
    t = time.perf_counter()
    ix.refresh()
    r = ix.search(f"уникальноеслово{i}")
    dt = (time.perf_counter() - t) * 1000
    f.write_text(old, encoding="utf-8")
    t = time.perf_counter()
    ix.refresh()
    dt2 = (time.perf_counter() - t) * 1000
    print(f"update {dt:.0f} ms revert {dt2:.0f} ms found={bool(r.hits)} segs={len(ix._ix._segments())}")
ix.close()
