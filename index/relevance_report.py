"""R@1, R@3 and MRR per query kind: ``python -m index.relevance_report [KB_DIR] [options]``.

Two sets are reported. The relevance set (tests/index/relevance.py) holds agent-style queries; its
report lists every query whose rule is not first. The customer set (tests/index/customer_eval.tsv)
holds frozen customer wording; its dev and test halves are reported apart, and overall. Misses of the
customer set are listed only with ``--misses`` and only for dev: tuning must never look at test misses
(``--test-misses`` lists them, for a final write-up only).

Options: ``--set relevance|customer|all``, ``--split dev|test|all`` (customer set), ``--json``,
``--misses``, ``--test-misses``, ``--limit N`` (hits per query; MRR counts ranks up to N).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from index.knowledge_index import KnowledgeIndex
from kb.paths import bundled_kb_dir

Query = tuple[str, str, tuple[str, ...]]
TESTS_DIR = Path(__file__).resolve().parents[1] / "tests" / "index"
RELEVANCE_FILE = TESTS_DIR / "relevance.py"
CUSTOMER_FILE = TESTS_DIR / "customer_eval.py"
CUSTOMER_MODULE = "kb_customer_eval_set"
SPLITS = ("dev", "test", "all")
TEST_MISSES_HIDDEN = "(test misses are not listed: tuning must never look at them)"


@dataclass(frozen=True)
class Outcome:
    query: str
    kind: str
    expected: tuple[str, ...]
    got: tuple[str, ...]

    @property
    def rank(self) -> int | None:
        """1-based rank of the first accepted rule among the hits, None if absent."""
        return next((i for i, hit in enumerate(self.got, 1) if hit in self.expected), None)


@dataclass(frozen=True)
class Metrics:
    n: int
    r1: float
    r3: float
    mrr: float


def load_queries(path: Path = RELEVANCE_FILE) -> list[Query]:
    spec = importlib.util.spec_from_file_location("kb_relevance_set", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.QUERIES)


def _customer_module(path: Path = CUSTOMER_FILE) -> ModuleType:
    """The customer set's loader, by path (tests/ is no package); registered first, as dataclasses need."""
    module = sys.modules.get(CUSTOMER_MODULE)
    if module is not None and Path(module.__file__).resolve() == path.resolve():
        return module
    spec = importlib.util.spec_from_file_location(CUSTOMER_MODULE, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[CUSTOMER_MODULE] = module
    spec.loader.exec_module(module)
    return module


def load_customer_queries(split: str = "all", path: Path = CUSTOMER_FILE) -> list[Query]:
    """The customer set's (query, kind, accepted ids) for one split: "dev", "test" or "all"."""
    module = _customer_module(path)
    return [item.as_query() for item in module.select(module.load_items(), split)]


def run(ix: KnowledgeIndex, queries: list[Query], limit: int = 10) -> list[Outcome]:
    out = []
    for query, kind, expected in queries:
        hits = ix.search(query, limit=limit).hits
        out.append(Outcome(query, kind, expected, tuple(h.id for h in hits)))
    return out


def metrics(outcomes: list[Outcome]) -> Metrics:
    n = len(outcomes)
    if not n:
        return Metrics(0, 0.0, 0.0, 0.0)
    ranks = [o.rank for o in outcomes]
    return Metrics(
        n,
        sum(r == 1 for r in ranks) / n,
        sum(r is not None and r <= 3 for r in ranks) / n,
        sum(1 / r for r in ranks if r) / n,
    )


def by_kind(outcomes: list[Outcome]) -> dict[str, Metrics]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[o.kind].append(o)
    table = {kind: metrics(items) for kind, items in sorted(groups.items())}
    table["ALL"] = metrics(outcomes)
    return table


def table(outcomes: list[Outcome]) -> list[str]:
    """The per-kind lines of a report: a header, one line per kind, then ALL."""
    lines = [f"{'kind':<14}{'n':>4}{'R@1':>8}{'R@3':>8}{'MRR':>8}"]
    for kind, m in by_kind(outcomes).items():
        lines.append(f"{kind:<14}{m.n:>4}{m.r1:>8.3f}{m.r3:>8.3f}{m.mrr:>8.3f}")
    return lines


def miss_lines(outcomes: list[Outcome]) -> list[str]:
    """One line per query whose accepted rule is not first."""
    return [
        f"  [{o.kind}] {o.query!r}: want {o.expected}, rank {o.rank}, got {o.got[:3]}"
        for o in outcomes
        if o.rank != 1
    ]


def report(outcomes: list[Outcome]) -> str:
    lines = table(outcomes)
    misses = miss_lines(outcomes)
    if misses:
        lines += ["not first:", *misses]
    return "\n".join(lines)


def customer_outcomes(
    ix: KnowledgeIndex, splits: tuple[str, ...], limit: int = 10
) -> dict[str, list[Outcome]]:
    """Outcomes of the customer set per split; "all" is the union of dev and test, not a second run."""
    halves = {split: run(ix, load_customer_queries(split), limit) for split in ("dev", "test")}
    halves["all"] = halves["dev"] + halves["test"]
    return {split: halves[split] for split in splits}


def customer_report(results: dict[str, list[Outcome]], misses: tuple[str, ...] = ()) -> str:
    """Per-kind tables for each split, then the misses of the splits named in ``misses``."""
    lines: list[str] = []
    for split, outcomes in results.items():
        lines += [f"customer set, {split}:", *table(outcomes)]
    for split in misses:
        lines += [f"customer set, {split}, not first:", *miss_lines(results[split])]
    return "\n".join(lines)


def metrics_json(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    return {kind: vars(m) for kind, m in by_kind(outcomes).items()}


def outcome_json(o: Outcome) -> dict[str, object]:
    return {
        "query": o.query,
        "kind": o.kind,
        "expected": list(o.expected),
        "rank": o.rank,
        "got": list(o.got[:3]),
    }


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m index.relevance_report", description=__doc__.splitlines()[0])
    p.add_argument("kb_dir", nargs="?", type=Path, help="knowledge base folder (default: the bundled one)")
    p.add_argument("--set", dest="which", choices=("relevance", "customer", "all"), default="all")
    p.add_argument("--split", choices=SPLITS, default="all", help="customer set: dev, test or all (default)")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.add_argument("--misses", action="store_true", help="customer set: list the dev misses")
    p.add_argument(
        "--test-misses", action="store_true", help="customer set: also list test misses (never tune on them)"
    )
    p.add_argument("--limit", type=int, default=10, help="hits per query (default 10)")
    return p


def _shown_splits(split: str) -> tuple[str, ...]:
    return SPLITS if split == "all" else (split,)


def _miss_splits(args: argparse.Namespace, shown: tuple[str, ...]) -> tuple[str, ...]:
    wanted = (("dev",) if args.misses else ()) + (("test",) if args.test_misses else ())
    return tuple(s for s in wanted if s in shown)


def _text(ix: KnowledgeIndex, args: argparse.Namespace) -> str:
    parts = []
    if args.which in ("relevance", "all"):
        parts.append("relevance set:\n" + report(run(ix, load_queries(), args.limit)))
    if args.which in ("customer", "all"):
        shown = _shown_splits(args.split)
        results = customer_outcomes(ix, shown, args.limit)
        text = customer_report(results, _miss_splits(args, shown))
        if args.misses and "test" in shown and not args.test_misses:
            text += "\n" + TEST_MISSES_HIDDEN
        parts.append(text)
    return "\n\n".join(parts)


def _json(ix: KnowledgeIndex, args: argparse.Namespace) -> str:
    out: dict[str, object] = {}
    if args.which in ("relevance", "all"):
        outcomes = run(ix, load_queries(), args.limit)
        out["relevance"] = {
            "metrics": metrics_json(outcomes),
            "not_first": [outcome_json(o) for o in outcomes if o.rank != 1],
        }
    if args.which in ("customer", "all"):
        shown = _shown_splits(args.split)
        results = customer_outcomes(ix, shown, args.limit)
        customer: dict[str, object] = {split: {"metrics": metrics_json(o)} for split, o in results.items()}
        for split in _miss_splits(args, shown):
            customer[split]["not_first"] = [outcome_json(o) for o in results[split] if o.rank != 1]
        out["customer"] = customer
    return json.dumps(out, ensure_ascii=False, indent=2)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    kb_dir = args.kb_dir or bundled_kb_dir()
    with tempfile.TemporaryDirectory() as tmp, KnowledgeIndex.open(kb_dir, Path(tmp) / "index") as ix:
        sys.stdout.write((_json if args.json else _text)(ix, args) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
