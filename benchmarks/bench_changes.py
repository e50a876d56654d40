"""What the «новое / изменено» marks cost on a large KB: snapshot + comparison with the seat's seen
state + freshness dates + writing the seen file (all off the GUI thread in the app), and the seen
file's size. Medians of a few runs, a first start and a reload with 1 % of the articles edited.

    python benchmarks/bench_changes.py --rules 100000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rules", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    from benchmarks.generate_kb import generate
    from desktop_app.changes_controller import SnapshotCache, build_report
    from desktop_app.seen import SeenStore
    from kb.loader import load_kb

    tmp = Path(tempfile.mkdtemp(prefix="bench-changes-"))
    generate(tmp / "kb", args.rules)
    kb = load_kb(tmp / "kb")
    edited = _edit_every_hundredth_article(kb)
    first, reload_ = [], []
    for run in range(args.runs):
        data = tmp / f"data{run}"
        store, snapshots = SeenStore.load(data, tmp / "kb"), SnapshotCache()
        started = time.perf_counter()
        build_report(store, kb, None, 14, date(2026, 12, 1), snapshots)
        first.append(time.perf_counter() - started)
        started = time.perf_counter()  # a reload in the same run: one article in a hundred edited
        report, _ = build_report(store, edited, None, 14, date(2026, 12, 2), snapshots)
        reload_.append(time.perf_counter() - started)
    size = sum(p.stat().st_size for p in (tmp / "data0").iterdir())
    print(f"rules: {len(kb.rules)}, changed on reload: {len(report.changes)}")
    print(f"first start (snapshot, compare, save): median {statistics.median(first) * 1000:.0f} ms")
    median = statistics.median(reload_) * 1000
    print(f"reload with 1 % of the articles edited: median {median:.0f} ms")
    print(f"seen file: {size / 1e6:.1f} MB")
    return 0


def _edit_every_hundredth_article(kb):
    """The KB with one article in a hundred edited (its first rule), the others the same objects."""
    articles = list(kb.articles)
    for i in range(0, len(articles), 100):
        article = articles[i]
        if not article.sections or not article.sections[0].rules:
            continue
        section = article.sections[0]
        rule = section.rules[0]
        rule = replace(rule, markdown=rule.markdown + " (изменено)", text=rule.text + " (изменено)")
        section = replace(section, rules=(rule, *section.rules[1:]))
        articles[i] = replace(article, sections=(section, *article.sections[1:]))
    return replace(kb, articles=tuple(articles))


if __name__ == "__main__":
    raise SystemExit(main())
