"""R@1, R@3 and MRR per query kind on a relevance set: ``python -m index.relevance_report [KB_DIR]``."""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from index.knowledge_index import KnowledgeIndex
from kb.paths import bundled_kb_dir

Query = tuple[str, str, tuple[str, ...]]
RELEVANCE_FILE = Path(__file__).resolve().parents[1] / "tests" / "index" / "relevance.py"


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


def report(outcomes: list[Outcome]) -> str:
    lines = [f"{'kind':<14}{'n':>4}{'R@1':>8}{'R@3':>8}{'MRR':>8}"]
    for kind, m in by_kind(outcomes).items():
        lines.append(f"{kind:<14}{m.n:>4}{m.r1:>8.3f}{m.r3:>8.3f}{m.mrr:>8.3f}")
    misses = [o for o in outcomes if o.rank != 1]
    if misses:
        lines.append("not first:")
        lines += [
            f"  [{o.kind}] {o.query!r}: want {o.expected}, rank {o.rank}, got {o.got[:3]}" for o in misses
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    kb_dir = Path(args[0]) if args else bundled_kb_dir()
    with tempfile.TemporaryDirectory() as tmp, KnowledgeIndex.open(kb_dir, Path(tmp) / "index") as ix:
        sys.stdout.write(report(run(ix, load_queries())) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
