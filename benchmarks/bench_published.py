"""Empty cache → first answer, with and without a published index (issue 13).

    python benchmarks/bench_published.py --rules 100000 [--runs 3] [--workdir DIR] [--json FILE]

Generates the synthetic KB (``generate_kb.py``, as ``run.py`` does), publishes it once
(``kb-browser publish``: validation, manifest, full index build), then starts fresh processes on an
empty index folder, each running ``KnowledgeIndex.open`` + ``search("роуминг")`` as a workstation's
first search does: with the published index (it is copied and checked) and without it (the
workstation builds its own, as before). The modes alternate, ``--runs`` of each; the figure is the
wall time from starting the process to the first answer, median of the runs. A fixed CPU loop is
timed in this process before and after (``run.cpu_loop_ms``), to judge the machine's noise.
The KB and the published index are on the local disk here: on a share, add the copy of the
published index's size over the network.
"""

from __future__ import annotations

import argparse
import json
import os
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

QUERY = "роуминг"
MODES = ("published", "build")


def _stderr(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def _folder_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


# ----------------------------------------------------------------------------- the child


def probe(kb_dir: Path, index_dir: Path, mode: str) -> dict:
    """One workstation's first start: open on an empty index folder, answer one query."""
    start = time.perf_counter()
    from index import KnowledgeIndex, published

    if mode == "build":  # the published index is not there for this process: the seat builds
        published.open_copy = lambda life, kb: None
    imported = time.perf_counter()
    ix = KnowledgeIndex.open(kb_dir, index_dir)
    opened = time.perf_counter()
    result = ix.search(QUERY)
    answered = time.perf_counter()
    return {
        "mode": mode,
        "import_s": round(imported - start, 3),
        "open_s": round(opened - imported, 3),
        "search_s": round(answered - opened, 3),
        "hit": result.hits[0].id if result.hits else None,
        "rebuilt_reason": ix.rebuilt_reason,
        "n_rules": len(ix.kb.rules),
    }


# ----------------------------------------------------------------------------- the parent


def _child_env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for var, sub in (("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data")):
        env[var] = str(workdir / "xdg" / sub)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def first_answer(kb_dir: Path, index_dir: Path, mode: str, env: dict[str, str]) -> dict:
    """Process start → the first answer's line read from the child, in seconds (wall)."""
    shutil.rmtree(index_dir, ignore_errors=True)
    args = [sys.executable, str(Path(__file__).resolve()), "--probe", mode, str(kb_dir), str(index_dir)]
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8")
    line = proc.stdout.readline()
    wall = time.perf_counter() - start
    _, err = proc.communicate(timeout=600)
    if not line.startswith("{"):
        raise RuntimeError(f"probe {mode} exited {proc.returncode}: {err[-1500:]}")
    out = json.loads(line)
    out["wall_s"] = round(wall, 3)
    shutil.rmtree(index_dir, ignore_errors=True)
    return out


def unlink_dangling(kb_dir: Path) -> int:
    """Make the generator's references to rule numbers it skipped plain text (``generate_kb`` draws
    the number from 1..n, and 3% of numbers are skipped): publishing refuses dangling links."""
    import re

    from kb.loader import load_kb
    from kb.validate import known_anchors

    kb = load_kb(kb_dir)
    anchors = known_anchors(kb)
    link = re.compile(r"\[([^\]]*)\]\(#([^)\s]+)\)")
    fixed = 0
    for article in kb.articles:
        text = article.path.read_text(encoding="utf-8")
        new, n = link.subn(lambda m: m.group(0) if m.group(2) in anchors else m.group(1), text)
        if n and new != text:
            fixed += sum(1 for m in link.finditer(text) if m.group(2) not in anchors)
            article.path.write_text(new, encoding="utf-8")
    return fixed


def publish_once(kb_dir: Path) -> dict:
    from index.published import publish, published_index_dir

    start = time.perf_counter()
    result = publish(kb_dir)
    seconds = time.perf_counter() - start
    if not result.ok:
        raise RuntimeError("the generated KB does not publish: " + "; ".join(map(str, result.errors[:5])))
    return {
        "publish_s": round(seconds, 2),
        "version": result.manifest.version,
        "index_written": result.index_written,
        "published_index_mb": _folder_mb(published_index_dir(kb_dir)),
    }


def run(args: argparse.Namespace, workdir: Path) -> dict:
    from generate_kb import generate
    from run import cpu_loop_ms, machine_info

    result: dict = {"machine": machine_info(), "baseline_cpu_loop_ms": [cpu_loop_ms()]}
    kb_dir = workdir / "kb"
    stamp = workdir / f"corpus-{args.rules}-{args.seed}.json"
    if stamp.exists():
        result["corpus"] = json.loads(stamp.read_text(encoding="utf-8"))
        _stderr(f"corpus: reusing {kb_dir}")
    else:
        shutil.rmtree(kb_dir, ignore_errors=True)
        _stderr(f"corpus: generating {args.rules} rules into {kb_dir}")
        result["corpus"] = generate(kb_dir, args.rules, seed=args.seed)
        result["corpus"]["dangling_links_unlinked"] = unlink_dangling(kb_dir)
        stamp.write_text(json.dumps(result["corpus"]), encoding="utf-8")
    _stderr("publish: validating, building the published index")
    result["publish"] = publish_once(kb_dir)
    _stderr(f"publish: {result['publish']}")
    env = _child_env(workdir)
    samples: dict[str, list[dict]] = {mode: [] for mode in MODES}
    for i in range(args.runs):
        for mode in MODES if i % 2 == 0 else reversed(MODES):
            sample = first_answer(kb_dir, workdir / f"seat-{mode}", mode, env)
            samples[mode].append(sample)
            _stderr(f"run {i + 1} {mode}: {sample}")
    result["baseline_cpu_loop_ms"].append(cpu_loop_ms())
    result["samples"] = samples
    result["first_answer_s"] = {
        m: round(statistics.median(s["wall_s"] for s in samples[m]), 2) for m in MODES
    }
    result["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    return result


def summary(result: dict) -> str:
    first = result["first_answer_s"]
    pub = result["publish"]
    lines = [
        f"{result['corpus']['n_rules']} rules; publish (validate + manifest + full build) "
        f"{pub['publish_s']} s; published index {pub['published_index_mb']} MB",
        f"empty cache → first answer, process start included (median of {len(result['samples']['build'])}):",
        f"  without a published index (the seat builds): {first['build']} s",
        f"  with the published index (copied, checked):  {first['published']} s",
    ]
    for mode in MODES:
        s = result["samples"][mode]
        lines.append(
            f"  {mode}: wall {[x['wall_s'] for x in s]}, open {[x['open_s'] for x in s]}, "
            f"first search {[x['search_s'] for x in s]}, hit {s[0]['hit']}"
        )
    lines.append(
        f"CPU baseline {result['baseline_cpu_loop_ms']} ms (start, end); "
        f"load {result['machine']['loadavg_start']} → {result['machine']['loadavg_end']}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--probe"]:
        mode, kb_dir, index_dir = argv[1], Path(argv[2]), Path(argv[3])
        sys.stdout.write(json.dumps(probe(kb_dir, index_dir, mode), ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="processes per mode (median)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, help="keep the corpus here (reused when present)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        result = run(args, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-published-") as tmp:
            result = run(args, Path(tmp))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(summary(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
