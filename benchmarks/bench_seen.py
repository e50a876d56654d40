"""The per-workstation seen state (desktop_app/seen.py) at scale: file size, load + compare, save.

    python benchmarks/bench_seen.py [--rules 100000] [--kb DIR] [--runs 5]

Generates a KB of ``--rules`` rules (benchmarks/generate_kb.py) unless ``--kb`` names one, takes its
snapshot, and then times what the window does at every start and KB reload: load the seen state,
compare with the KB (``changes``, 1% of the rules edited: their old texts are read), and after
«Отметить всё как прочитанное» write it again (only the edited rules' texts are appended). The
baselines in the same process: ``kb.changes.snapshot`` of the loaded KB (what the window pays
anyway) and a plain ``json.loads`` of the state file, uncompressed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate_kb import generate
from desktop_app.seen import SeenStore, texts_path
from kb.changes import snapshot
from kb.loader import load_kb

DAY = date(2026, 12, 1)


CPU: dict[str, float] = {}  # label -> median CPU seconds of the same runs (the machine is shared)


def _median(fn, runs: int, label: str = "") -> tuple[float, object]:
    """Median wall time of ``runs`` calls, and the last result; the median CPU time goes to CPU."""
    times, cpu, result = [], [], None
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    CPU[label] = statistics.median(cpu)
    return statistics.median(times), result


def _cpu(label: str) -> str:
    return f" (CPU {CPU[label] * 1000:.0f} ms)"


def _mb(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.2f} MB"


def _edited(current: dict, share: float) -> dict:
    """``current`` with every 1/share-th rule's text changed (a KB update)."""
    step = max(1, round(1 / share))
    out = dict(current)
    for i, (rid, s) in enumerate(current.items()):
        if i % step == 0:
            out[rid] = replace(s, hash=f"{s.hash[:-4]}beef", text=s.text + " (изменено)")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=100_000)
    parser.add_argument("--kb", type=Path, help="an existing KB folder (else one is generated)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-seen-") as tmp:
        kb_dir = args.kb
        if kb_dir is None:
            kb_dir = Path(tmp) / "kb"
            print("generated:", json.dumps(generate(kb_dir, args.rules), ensure_ascii=False), flush=True)
        kb = load_kb(kb_dir)
        t_snap, current = _median(lambda: snapshot(kb), args.runs, "snap")
        data_dir = Path(tmp) / "data"
        n = len(current)
        chars = sum(len(s.text) for s in current.values())
        print(f"rules: {n}, text: {chars / 1e6:.1f} M characters")
        print(f"baseline  snapshot(kb): {t_snap * 1000:.0f} ms" + _cpu("snap"))

        first = SeenStore.load(data_dir, kb_dir)
        t_first, _ = _median(lambda: first.changes(current, DAY), 1, "first")
        t_save_first, _ = _median(first.save, 1, "first_save")
        raw = gzip.decompress(first.path.read_bytes())
        texts = texts_path(first.path)
        raw_texts = gzip.decompress(texts.read_bytes())
        print(f"files: state {_mb(first.path)} gzip ({len(raw) / 1e6:.1f} MB JSON), "
              f"texts {_mb(texts)} gzip ({len(raw_texts) / 1e6:.1f} MB JSON)")  # fmt: skip
        t_json, _ = _median(lambda: json.loads(raw), args.runs, "json")
        print(f"baseline  json.loads of the uncompressed state: {t_json * 1000:.0f} ms" + _cpu("json"))
        print(
            f"first start: changes {t_first * 1000:.0f} ms" + _cpu("first"),
            f"save {t_save_first * 1000:.0f} ms" + _cpu("first_save"),
        )

        edited = _edited(current, 0.01)
        later = DAY + timedelta(days=1)

        def load_and_compare():
            store = SeenStore.load(data_dir, kb_dir)
            return store, store.changes(edited, later)

        t_load, (store, changes) = _median(load_and_compare, args.runs, "load")
        print(f"load + changes ({len(changes)} changed): median {t_load * 1000:.0f} ms" + _cpu("load"))
        t_status, _ = _median(lambda: [store.status(r) for r in edited], args.runs, "status")
        print(f"status() of every rule: {t_status * 1000:.0f} ms")

        def mark_and_save():
            store.mark_all_read(edited, later)
            store._dirty = True  # every run writes, not only the first
            t0 = time.perf_counter()
            store.save()
            return time.perf_counter() - t0

        t_mark, t_save = _median(mark_and_save, args.runs, "mark")
        print(
            f"mark_all_read + save: median {t_mark * 1000:.0f} ms (save alone {t_save * 1000:.0f} ms)"
            + _cpu("mark")
        )
        print(f"files after reading: state {_mb(store.path)}, texts {_mb(texts)}")
        t_unchanged, _ = _median(
            lambda: SeenStore.load(data_dir, kb_dir).changes(edited, later), args.runs, "same"
        )
        print(
            f"load + changes, nothing changed since read: median {t_unchanged * 1000:.0f} ms" + _cpu("same")
        )
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
