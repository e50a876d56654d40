"""The parsed-KB cache read at startup: the old pickle against the data-only format, in one process.

    python benchmarks/generate_kb.py --rules 100000 /tmp/kb100k
    python benchmarks/bench_kb_cache.py /tmp/kb100k [/tmp/kb20k ...] [--runs 7]

For each KB folder: parse it once (what a process without a cache pays), then write the cache in
both formats into a fresh temporary folder and read each back ``--runs`` times, alternating, so
machine noise hits both alike. Prints file sizes and medians of save and load (read + decode,
file in the OS cache, the parsed KB held in memory frozen out of the collector's way, as a fresh
process would have nothing else); the old format is the pickle ``index/kb_cache.py`` wrote before (a CRC
header, then ``pickle.loads`` with the collector off), rebuilt here as the baseline.
"""

from __future__ import annotations

import argparse
import gc
import pickle
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index import kb_cache
from index.documents import article_hash
from kb.loader import LoadCache, load_kb
from kb.model import Article

OLD_NAME, OLD_MAGIC = "kbcache.pickle", b"KBC1"


def old_save(index_dir: Path, kb_dir: Path, cache: LoadCache, hashes: dict[Path, str]) -> None:
    data = {"version": 4, "kb_dir": str(kb_dir), "files": cache.files, "hashes": hashes}
    payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    (index_dir / OLD_NAME).write_bytes(OLD_MAGIC + zlib.crc32(payload).to_bytes(4, "big") + payload)


def old_load(index_dir: Path) -> tuple[LoadCache, dict]:
    raw = (index_dir / OLD_NAME).read_bytes()
    payload = memoryview(raw)[len(OLD_MAGIC) + 4 :]
    assert int.from_bytes(raw[4:8], "big") == zlib.crc32(payload)
    gc.disable()
    try:
        data = pickle.loads(payload)
    finally:
        gc.enable()
    return LoadCache(files=data["files"]), data["hashes"]


def _timed(fn) -> tuple[float, object]:
    gc.collect()  # the garbage of the run before is not charged to this one
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def bench(kb_dir: Path, runs: int) -> dict:
    cache = LoadCache()
    parse_ms, kb = _timed(lambda: load_kb(kb_dir, cache))
    hashes = {p: article_hash(a) for p, (_, a) in cache.files.items() if isinstance(a, Article)}
    gc.collect()
    gc.freeze()  # the parsed KB is kept for the whole run: as in a fresh process, no collection scans it
    with tempfile.TemporaryDirectory() as tmp:
        old_dir, new_dir = Path(tmp, "old"), Path(tmp, "new")  # the new save removes an old pickle
        old_dir.mkdir(), new_dir.mkdir()
        times: dict[str, list[float]] = {"old save": [], "new save": [], "old load": [], "new load": []}
        for _ in range(runs):
            times["old save"].append(_timed(lambda: old_save(old_dir, kb_dir, cache, hashes))[0])
            times["new save"].append(_timed(lambda: kb_cache.save(new_dir, kb_dir, cache, hashes))[0])
            ms, old = _timed(lambda: old_load(old_dir))
            times["old load"].append(ms)
            ms, new = _timed(lambda: kb_cache.load(new_dir, kb_dir))
            times["new load"].append(ms)
            assert new is not None and new[0].files == cache.files and new[1] == hashes, (
                "new format lost data"
            )
            assert old[0].files == cache.files
            del old, new
        sizes = {
            "old": (old_dir / OLD_NAME).stat().st_size,
            "new": (new_dir / kb_cache.CACHE_NAME).stat().st_size,
        }
    return {
        "kb": str(kb_dir),
        "rules": len(kb.rules),
        "files": len(cache.files),
        "parse_ms": parse_ms,
        "size_mb": {k: v / 1e6 for k, v in sizes.items()},
        "median_ms": {k: statistics.median(v) for k, v in times.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kb", type=Path, nargs="+", help="KB folders (benchmarks/generate_kb.py)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    for kb_dir in args.kb:
        r = bench(kb_dir, args.runs)
        med, size = r["median_ms"], r["size_mb"]
        print(f"{r['kb']}: {r['rules']} rules in {r['files']} files, {args.runs} runs")
        print(f"  parse without a cache {r['parse_ms']:.0f} ms (once)")
        print(f"  size  pickle {size['old']:.1f} MB   new {size['new']:.1f} MB")
        print(f"  load  pickle {med['old load']:.0f} ms   new {med['new load']:.0f} ms  (medians)")
        print(f"  save  pickle {med['old save']:.0f} ms   new {med['new save']:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
