"""The scale benchmark (issue 5): one synthetic corpus, every figure, one JSON file.

    python benchmarks/run.py --rules 100000 --json bench-100k.json

Steps: generate the corpus → build the Whoosh index (progress on stderr) → query mix → baseline
(a plain Whoosh TermQuery and a fixed CPU loop, to judge machine noise) → one-article updates →
a fresh searching process (latency, RSS) → app start to window shown (subprocesses) → peers.
Everything lives in a work folder (a temporary one unless --workdir); nothing touches the home
folder: XDG_CACHE_HOME/XDG_CONFIG_HOME/XDG_DATA_HOME of the subprocesses point into it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import peers  # noqa: E402
from generate_kb import generate  # noqa: E402
from queries import build_queries, queries_digest  # noqa: E402

from kb.loader import load_kb  # noqa: E402

log = logging.getLogger("benchmarks.run")

EDIT_MARK = "бенчправка"  # a made-up word: searching for it finds only the edited rule
EDIT_SUFFIXES = ("ва", "ге", "ди", "жо", "зу", "ки", "ле", "мо", "ну", "па")


# ----------------------------------------------------------------------------- helpers


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Progress:
    """Prints "label done/total (pct)" on stderr at most every half second."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= 0.5 or done >= total:
            self.last = now
            pct = 100 * done / total if total else 100
            end = "\n" if done >= total else "\r"
            print(f"  {self.label} {done}/{total} ({pct:.0f}%)", end=end, file=sys.stderr, flush=True)


def machine_info() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }


def cpu_loop_ms() -> float:
    """Median time of a fixed pure-Python workload: compare it across runs to judge machine noise."""
    times = []
    for _ in range(5):
        start = time.perf_counter()
        total = 0
        for i in range(300_000):
            total += (i * 7919) % 13
        sorted(str(i * 2654435761 % 1000003) for i in range(50_000))
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def _hit_id(hit: object) -> str:
    for attr in ("id", "rule_id", "doc_id"):
        value = getattr(hit, attr, None)
        if isinstance(value, str):
            return value
    return str(hit)


def _child_env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for var, sub in (("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data")):
        env[var] = str(workdir / "xdg" / sub)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _run_probe(args: list[str], env: dict[str, str], timeout: float = 300, partial: bool = False) -> dict:
    """The probe's last JSON line; with ``partial``, a crashed probe's last line plus ``error``."""
    proc = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, encoding="utf-8", timeout=timeout, check=False
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    error = f"probe {Path(args[0]).name} exited {proc.returncode}: {proc.stderr[-1500:]}"
    if not lines or (proc.returncode != 0 and not partial):
        raise RuntimeError(error)
    out = json.loads(lines[-1])
    if proc.returncode != 0:
        out["error"] = error
    return out


# ----------------------------------------------------------------------------- Whoosh


def measure_build(kb_dir: Path, index_dir: Path):
    from index import KnowledgeIndex

    shutil.rmtree(index_dir, ignore_errors=True)
    start = time.perf_counter()
    ix = KnowledgeIndex.open(kb_dir, index_dir, progress=Progress("index"))
    return ix, time.perf_counter() - start


def measure_queries(ix, queries: list) -> dict:
    """Latency of the query mix in this process (after a 20-query warm-up), overall and per kind."""
    if hasattr(ix, "warm_up"):
        ix.warm_up()
    gc.freeze()  # as the app does after its warm-up (desktop_app/index_session.py)
    for query in queries[:20]:
        ix.search(query.text, limit=20)
    by_kind: dict[str, list[float]] = {}
    answered = corrected = converted = 0
    for query in queries:
        start = time.perf_counter()
        result = ix.search(query.text, limit=20)
        by_kind.setdefault(query.kind, []).append((time.perf_counter() - start) * 1000)
        answered += bool(result.hits)
        corrected += bool(getattr(result, "corrected", None))
        converted += bool(getattr(result, "layout_converted", False))
    times = [t for values in by_kind.values() for t in values]
    slowest = sorted(zip(times, (q.text for q in queries), strict=True), reverse=True)[:5]
    return {
        "query_ms": peers.percentiles(times),
        "query_ms_by_kind": {kind: peers.percentiles(values) for kind, values in by_kind.items()},
        "query_max_ms": round(max(times), 2),
        "slowest_queries": [{"query": q, "ms": round(t, 2)} for t, q in slowest],
        "answered": answered,
        "corrected": corrected,
        "layout_converted": converted,
    }


def whoosh_term_baseline(index_dir: Path, n_terms: int = 60) -> dict:
    """A trivial single-term Whoosh TermQuery on the same index: what Whoosh costs at the least."""
    from whoosh import index as windex
    from whoosh.query import Term

    storage_dir = next((p.parent for p in sorted(index_dir.rglob("*.toc"))), index_dir)
    toc = next(storage_dir.glob("*.toc"))
    indexname = toc.name.removeprefix("_").rsplit("_", 1)[0]
    ix = windex.open_dir(str(storage_dir), indexname=indexname)
    field = "content" if "content" in ix.schema.names() else ix.schema.scorable_names()[0]
    times = []
    with ix.searcher() as searcher:
        n_docs = searcher.doc_count()
        terms = [t for _, t in searcher.reader().most_frequent_terms(field, number=2000)]
        picks = terms[:: max(1, len(terms) // n_terms)][:n_terms]
        for term in picks[:10]:
            searcher.search(Term(field, term), limit=20)
        for term in picks:
            start = time.perf_counter()
            [hit["id"] for hit in searcher.search(Term(field, term), limit=20)]
            times.append((time.perf_counter() - start) * 1000)
    ix.close()
    return {"whoosh_term_ms": peers.percentiles(times), "terms": len(picks), "field": field, "n_docs": n_docs}


def _edit_targets(kb_dir: Path, n: int) -> list[Path]:
    files = sorted(kb_dir.glob("gen*.md")) or sorted(kb_dir.glob("*.md"))
    step = max(1, len(files) // n)
    return files[step // 2 :: step][:n]


def _mark_first_rule(text: str, mark: str) -> str:
    head, sep, rest = text.partition("\n1. ")
    if not sep:
        raise ValueError("no rule numbered 1 to edit")
    return f"{head}{sep}{mark} {rest}"


def _time_edit(ix, path: Path, new_text: str, expect: str | None) -> float:
    """Write the file, refresh, search; ms until the expected word is found (or gone)."""
    start = time.perf_counter()
    path.write_text(new_text, encoding="utf-8")
    ix.refresh()
    if expect is not None:
        hits = ix.search(expect, limit=20).hits
        if not any(_hit_id(h).startswith(path.stem + "/") for h in hits):
            raise RuntimeError(f"edited article {path.stem} not found by {expect!r}: {hits[:3]}")
    return (time.perf_counter() - start) * 1000


def measure_updates(ix, kb_dir: Path, edits: int) -> dict:
    """Change one article on disk → ix.refresh() → searchable; each edit is reverted (also timed)."""
    samples, reverts = [], []
    for i, path in enumerate(_edit_targets(kb_dir, edits)):
        original = path.read_text(encoding="utf-8")
        mark = EDIT_MARK + EDIT_SUFFIXES[i % len(EDIT_SUFFIXES)]
        samples.append(_time_edit(ix, path, _mark_first_rule(original, mark), mark))
        reverts.append(_time_edit(ix, path, original, None))
    return {
        "update_ms": round(statistics.median(samples), 1),
        "update_samples_ms": [round(t, 1) for t in samples],
        "revert_samples_ms": [round(t, 1) for t in reverts],
    }


def measure_search_process(kb_dir: Path, index_dir: Path, queries: list, workdir: Path) -> dict:
    queries_file = workdir / "queries.json"
    queries_file.write_text(json.dumps([q.text for q in queries], ensure_ascii=False), encoding="utf-8")
    probe = [str(HERE / "probe_search.py"), str(kb_dir), str(index_dir), str(queries_file)]
    out = _run_probe(probe, _child_env(workdir))
    slowest = sorted(zip(out["times_ms"], (q.text for q in queries), strict=True), reverse=True)[:5]
    return {
        "slowest_queries": [{"query": q, "ms": round(t, 2)} for t, q in slowest],
        "open_s": out["open_s"],
        "warm_up_s": out.get("warm_up_s"),
        "rss_mb": out["rss_mb"],
        "rss_open_mb": out["rss_open_mb"],
        "query_ms": peers.percentiles(out["times_ms"]),
        "answered": out["answered"],
    }


def measure_startup(kb_dir: Path, index_dir: Path, runs: int, workdir: Path) -> dict:
    """Process start → main window shown (and → index open), offscreen, existing index."""
    env = _child_env(workdir)
    samples = []
    for _ in range(runs):
        env["KB_BENCH_T0"] = repr(time.time())
        probe = [str(HERE / "probe_startup.py"), str(kb_dir), str(index_dir)]
        samples.append(_run_probe(probe, env, timeout=120, partial=True))
    median = lambda key: _median([s[key] for s in samples if s.get(key) is not None])  # noqa: E731
    out = {
        "startup_s": median("shown_s"),
        "startup_samples_s": [s.get("shown_s") for s in samples],
        "ready_s": median("ready_s"),
        "app_rss_mb": median("rss_mb"),
    }
    errors = [s["error"] for s in samples if "error" in s]
    if errors:
        out["startup_error"] = f"{len(errors)} of {runs} app runs crashed; last: {errors[-1][-800:]}"
    return out


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


# ----------------------------------------------------------------------------- peers


def measure_peers(kb_dir: Path, queries: list, workdir: Path) -> dict:
    start = time.perf_counter()
    docs = peers.docs_from_kb(load_kb(kb_dir))
    load_s = time.perf_counter() - start
    texts = [q.text for q in queries]
    out = {}
    for peer in peers.available_peers():
        _stderr(f"peer {peer.name} …")
        out[peer.name] = peers.run_peer(peer, docs, texts, workdir / "peers", load_s)
    return out


def _ratios(result: dict) -> dict:
    """How many times Whoosh's figure is the peer's (build, p50, p95)."""
    out = {}
    for name, peer in result.get("peers", {}).items():
        ratio = lambda a, b: round(a / b, 1) if b else None  # noqa: E731
        out[name] = {
            "build": ratio(result["build_s"], peer["build_s"]),
            "p50": ratio(result["query_ms"]["p50"], peer["query_ms"]["p50"]),
            "p95": ratio(result["query_ms"]["p95"], peer["query_ms"]["p95"]),
        }
    return out


# ----------------------------------------------------------------------------- main


def run(args: argparse.Namespace, workdir: Path) -> dict:
    t_all = time.perf_counter()
    result: dict = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": machine_info()}
    kb_dir, index_dir = workdir / "kb", workdir / "index"
    _stderr(f"generating {args.rules} rules in {kb_dir} …")
    corpus = generate(kb_dir, args.rules, seed=args.seed)
    result.update(n_rules=corpus["n_rules"], corpus=corpus)
    queries = build_queries(seed=args.seed)
    result["queries"] = {"count": len(queries), "digest": queries_digest(queries)}

    _stderr("building the Whoosh index …")
    ix, build_s = measure_build(kb_dir, index_dir)
    result["build_s"] = round(build_s, 2)
    _stderr(f"  build {build_s:.1f} s; queries …")
    result.update(measure_queries(ix, queries))
    result["baseline"] = {"cpu_loop_ms": cpu_loop_ms(), **whoosh_term_baseline(index_dir)}
    result["n_docs"] = result["baseline"].pop("n_docs")
    _stderr(f"  query p50/p95 {result['query_ms']}; updates …")
    result.update(measure_updates(ix, kb_dir, args.edits))
    ix.close()

    _stderr("fresh searching process …")
    result["search_process"] = measure_search_process(kb_dir, index_dir, queries, workdir)
    result["rss_mb"] = result["search_process"]["rss_mb"]
    if args.startup_runs:
        _stderr("startup …")
        try:
            startup = measure_startup(kb_dir, index_dir, args.startup_runs, workdir)
            result.update(startup)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            _stderr(f"  startup not measured: {exc}")
            result.update(startup_s=None, startup_error=str(exc)[-500:])
    else:
        result["startup_s"] = None
    result["peers"] = {} if args.no_peers else measure_peers(kb_dir, queries, workdir)
    result["ratio_to_peers"] = _ratios(result)
    result["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    result["total_s"] = round(time.perf_counter() - t_all, 1)
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=100_000, help="rules in the corpus (default 100000)")
    parser.add_argument("--json", type=Path, required=True, help="where to write the results")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, help="keep corpus and indexes here (default: a temp folder)")
    parser.add_argument("--edits", type=int, default=5, help="one-article edits to time (median)")
    parser.add_argument("--startup-runs", type=int, default=3, help="app starts to time (0: skip)")
    parser.add_argument("--no-peers", action="store_true", help="skip tantivy and SQLite FTS5")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        result = run(args, args.workdir.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
            result = run(args, Path(tmp))
    args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _stderr(summary(result))
    return 0


def summary(result: dict) -> str:
    """A few lines for the terminal: the figures against the targets."""
    q = result["query_ms"]
    lines = [
        f"{result['n_rules']} rules, {result['total_s']} s total, load {result['machine']['loadavg_end']}",
        f"build {result['build_s']} s (≤ 40)   update {result['update_ms']} ms (≤ 300)",
        f"query p50 {q['p50']} ms, p95 {q['p95']} ms (≤ 16, must ≤ 50)   rss {result['rss_mb']} MB (≤ 300)",
        f"startup {result['startup_s']} s (≤ 1)",
    ]
    for name, peer in result["peers"].items():
        lines.append(f"{name}: build {peer['build_s']} s, query {peer['query_ms']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
