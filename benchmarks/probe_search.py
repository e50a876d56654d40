"""A fresh searching process: open an existing index, run the query mix, report latency and RSS.

    python benchmarks/probe_search.py KB_DIR INDEX_DIR QUERIES_JSON    (prints one JSON line)

Kept apart from run.py so that its memory holds only what the app's search side holds:
kb + index + Whoosh (no generator, no wordfreq, no peers).
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _rss_mb() -> float:
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


def main(argv: list[str]) -> int:
    kb_dir, index_dir, queries_file = (Path(a) for a in argv)
    queries = json.loads(queries_file.read_text(encoding="utf-8"))
    start = time.perf_counter()
    from index import KnowledgeIndex

    ix = KnowledgeIndex.open(kb_dir, index_dir)
    open_s = time.perf_counter() - start
    rss_open = _rss_mb()
    start = time.perf_counter()
    if hasattr(ix, "warm_up"):  # what the app runs off the GUI thread after opening
        ix.warm_up()
    gc.freeze()  # as the app does after its warm-up (desktop_app/index_session.py)
    warm_up_s = time.perf_counter() - start
    times, answered = [], 0
    for text in queries:
        t = time.perf_counter()
        result = ix.search(text, limit=20)
        times.append((time.perf_counter() - t) * 1000)
        answered += bool(result.hits)
    out = {
        "open_s": round(open_s, 3),
        "warm_up_s": round(warm_up_s, 3),
        "rss_open_mb": rss_open,
        "rss_mb": _rss_mb(),
        "times_ms": times,
    }
    ix.close()
    out["answered"] = answered
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
