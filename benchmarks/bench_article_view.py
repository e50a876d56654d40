"""How the article view copes with hostile articles (issue 14 §6): load, plan, page render, GUI stall.

For each case of benchmarks/big_articles.py: the file's size; reading and parsing it (kb.loader) with
the memory the loaded article holds; planning its pages and rendering one (the worker's part); and in a real
ArticleView the longest gap of a 10 ms timer on the GUI thread while the first, a middle and the last
page are shown (median of the runs). The baseline, measured in the same process, is the old way for
the cases where it finishes: the whole article as one document set on the GUI thread.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_article_view.py [--runs 3] [--case NAME]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import big_articles
import psutil
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.article_view import ArticleView
from kb.article_pages import plan_pages, render_page
from kb.loader import load_kb
from kb.render import ARTICLE_CSS, render_article

BASELINE_CASES = ("article_5mb", "rules_10k")  # the old way takes minutes on the others


def _rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 1e6


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


class Stalls:
    """The longest gap between ticks of a 10 ms timer while ``run`` spins the event loop."""

    def __init__(self, app: QApplication) -> None:
        self.app, self.longest = app, 0.0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def run(self, step, until, timeout: float = 120.0) -> None:
        self.last = time.perf_counter()
        self.timer.start()
        step()
        deadline = time.perf_counter() + timeout
        while not until() and time.perf_counter() < deadline:
            self.app.processEvents()
            time.sleep(0.002)
        for _ in range(5):  # the paints that follow
            self.app.processEvents()
            time.sleep(0.01)
        self._tick()
        self.timer.stop()


def _show(view: ArticleView, stalls: Stalls, article, rule_id: str) -> None:
    stalls.run(
        lambda: view.show_article(article, None, rule_id, rule_id, None),
        lambda: rule_id in view._anchors and view.selected_rule() == rule_id,
    )


def bench_case(app: QApplication, name: str, runs: int) -> dict:
    text = big_articles.CASES[name]()
    with tempfile.TemporaryDirectory() as tmp:
        path = big_articles.write_case(Path(tmp), name)
        size = path.stat().st_size
        before = _rss_mb()
        kb, load_s = _timed(lambda: load_kb(Path(tmp)))
        held = _rss_mb() - before
    gc.freeze()  # as the app does once the index is warm (desktop_app/index_session.py)
    article = kb.article("big")
    plan, plan_s = _timed(lambda: plan_pages(article))
    middle = len(plan.pages) // 2
    _, page_s = _timed(lambda: render_page(plan, middle))
    rules = article.rules
    targets = [rules[0].id, rules[len(rules) // 2].id, big_articles.last_rule_id(text)]
    worst = []
    for _ in range(runs):
        view = ArticleView()
        view.resize(900, 700)
        view.show()
        stalls = Stalls(app)
        for rule_id in targets:
            _show(view, stalls, article, rule_id)
        worst.append(stalls.longest)
        view.deleteLater()
        app.processEvents()
    row = {
        "case": name,
        "file MB": size / 1e6,
        "rules": len(rules),
        "load s": load_s,
        "KB held +MB": held,
        "pages": len(plan.pages),
        "plan ms": plan_s * 1000,
        "page render ms": page_s * 1000,
        "GUI stall ms (median)": statistics.median(worst) * 1000,
        "GUI stall ms (max)": max(worst) * 1000,
    }
    if name in BASELINE_CASES:
        row["old way: whole article on GUI thread s"] = _old_way(article)
    return row


def _old_way(article) -> float:
    """Before: render_article on the GUI thread, one QTextDocument with everything, laid out."""
    view = ArticleView()
    view.resize(900, 700)
    started = time.perf_counter()
    view.document().setDefaultStyleSheet(ARTICLE_CSS)
    view.setHtml(render_article(article))
    view.document().pageCount()
    elapsed = time.perf_counter() - started
    view.deleteLater()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--case", action="append", choices=list(big_articles.CASES))
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    order = ("nesting_300", "word_1_4m", "rules_10k", "article_5mb", "article_50mb")  # small first: peak RSS
    for name in [c for c in order if c in (args.case or order)]:
        row = bench_case(app, name, args.runs)
        print(" | ".join(f"{k}: {v:.1f}" if isinstance(v, float) else f"{k}: {v}" for k, v in row.items()))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
