"""``kb-browser suggest``: what agents' searches tell KB editors the knowledge base is missing.

Reads the query memory (desktop_app/learning.py) and runs each remembered query again against the
current index, without the learned boost. A query after which agents chose a rule that the text
alone does not rank first becomes a ready-to-paste customer phrasing for that rule, in the KB's own
``[!customer]`` format, grouped by file and rule; a query that found nothing then and still finds
nothing is listed under «Запросы без ответа». Queries are shown as stored: digits masked to ``#``.
No Qt here: ``run(args, out)`` is the whole command.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from desktop_app.learning import CHOICES, MISS, Entry, QueryMemory, default_memory_path
from index.feedback import query_key
from kb.model import KnowledgeBase

CUSTOMER_HEADER = "> [!customer] Клиент может сказать"
MISSES_TITLE = "Запросы без ответа"
NOTHING_TO_SUGGEST = "Предложений нет: выбранные агентами правила и так находятся первыми."


@dataclass(frozen=True)
class Suggestion:
    """Phrasings to add to one rule: where it is, and the queries (most frequent first)."""

    file: str
    rule_id: str
    place: str  # "Финансовые вопросы п.3"
    number: int
    phrasings: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    suggestions: tuple[Suggestion, ...] = ()
    misses: tuple[tuple[str, int], ...] = ()  # (query, how often), most frequent first


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The ``suggest`` verb (``--kb``/``--index`` are accepted after it too)."""
    p = subparsers.add_parser("suggest", help="формулировки клиентов для редакторов базы знаний")
    p.add_argument("--memory", type=Path, help="файл истории запросов (по умолчанию — папка данных)")
    p.add_argument("--kb", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.add_argument("--index", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return p


def run(args: argparse.Namespace, out: TextIO) -> int:
    from desktop_app.deployment import command_line_kb
    from index import KnowledgeIndex

    entries = QueryMemory(getattr(args, "memory", None) or default_memory_path()).entries()
    kb_dir = command_line_kb(getattr(args, "kb", None))
    with KnowledgeIndex.open(kb_dir, getattr(args, "index", None)) as ix:
        report = build_report(ix, entries)
    out.write(format_report(report))
    return 0


def build_report(ix, entries: Iterable[Entry]) -> Report:
    """Suggestions and misses from the remembered ``entries``, checked against ``ix`` (a
    KnowledgeIndex, searched without feedback)."""
    chosen: Counter[tuple[str, str]] = Counter()
    missed: Counter[str] = Counter()
    for e in entries:
        if e.action in CHOICES:
            chosen[(e.query, e.rule_id)] += e.count
        elif e.action == MISS:
            missed[e.query] += e.count
    ix.set_feedback(None)
    suggestions = _suggestions(ix, chosen)
    misses = tuple((q, n) for q, n in _by_count(missed) if not ix.search(q, limit=1).hits)
    return Report(suggestions, misses)


def _suggestions(ix, chosen: Counter[tuple[str, str]]) -> tuple[Suggestion, ...]:
    kb: KnowledgeBase = ix.kb
    per_rule: dict[str, Counter[str]] = defaultdict(Counter)
    for (query, rule_id), n in chosen.items():
        if kb.find_rule(rule_id) is None or _already_said(kb, rule_id, query):
            continue
        hits = ix.search(query, limit=1).hits
        if not hits or hits[0].id != rule_id:
            per_rule[rule_id][query] += n
    out = []
    for rule_id, queries in per_rule.items():
        article, section, rule = kb.find_rule(rule_id)
        file = article.path.name if article.path else f"{article.id}.md"
        phrasings = _distinct_forms(q for q, _ in _by_count(queries))
        out.append(Suggestion(file, rule_id, f"{section.title} п.{rule.number}", rule.number, phrasings))
    order = {r.id: i for i, r in enumerate(kb.rules)}
    return tuple(sorted(out, key=lambda s: (s.file, order.get(s.rule_id, 0))))


def _already_said(kb: KnowledgeBase, rule_id: str, query: str) -> bool:
    """Whether the rule already has a phrasing of the same words."""
    _, _, rule = kb.find_rule(rule_id)
    key = query_key(query)
    return any(query_key(p) == key for p in getattr(rule, "phrasings", ()))


def _distinct_forms(queries: Iterable[str]) -> tuple[str, ...]:
    """One phrasing per normalised form: the commonest wording of «списали в роуминге» / «роуминг списали»."""
    seen: dict[frozenset[str], str] = {}
    for q in queries:
        seen.setdefault(query_key(q), q)
    return tuple(seen.values())


def _by_count(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda qn: (-qn[1], qn[0]))


def format_report(report: Report) -> str:
    """The report as text: blocks to paste under each rule, then the queries without an answer."""
    lines: list[str] = []
    for s in report.suggestions:
        pad = " " * len(f"{s.number}. ")  # continuation lines sit under the rule's list item
        lines.append(f"# {s.file} — {s.rule_id} ({s.place})")
        lines.append(f"{pad}{CUSTOMER_HEADER}")
        lines.extend(f"{pad}> - {p}" for p in s.phrasings)
        lines.append("")
    if report.misses:
        lines.append(MISSES_TITLE)
        lines.extend(f"- {q}" + (f" (×{n})" if n > 1 else "") for q, n in report.misses)
        lines.append("")
    if not lines:
        lines = [NOTHING_TO_SUGGEST]
    return "\n".join(lines).rstrip("\n") + "\n"
