"""The frozen customer-language evaluation set (data in customer_eval.tsv beside this file).

Customers do not speak the procedure's language: «мне никто не может дозвониться», «ухожу на мегафон со
своим номером», «дайте вашего начальника». Each item is a query in customer words and the rule(s) that
must come first. Three kinds:

- ``real``: a sentence a customer wrote on a public page (complaint thread, forum, review, Q&A) or an
  operator/FAQ heading, trimmed to the sentence that carries the problem; wording and typos as written;
  the page's URL is kept. Only items whose rule(s) can honestly be named are kept.
- ``customer``: a paraphrase from the customer's side, written from the rule's meaning, as an agent
  would type or retell it: colloquial words, other operators' names, no procedure jargon.
- ``customer_long``: a long, noisy paraphrase with amounts, places, filler and some typos.

Where two rules fit the same words, both are accepted (a hit on either counts).

The split is stored in the data and frozen. It was assigned once, before any tuning: within each kind,
items ordered by (first accepted rule in KB order, sha256 of the query) and given dev, test, dev, … in
turn, so both halves spread over the rules. Tune on ``dev`` and read its misses; report ``test`` only.
The test half is guarded by a sha256 in test_customer_eval.py: change it only in a separate commit that
says why. New items may be appended to ``dev``.

This module is stdlib only: the report in ``index.relevance_report`` loads it by path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).with_name("customer_eval.tsv")
KINDS = ("real", "customer", "customer_long")
SPLITS = ("dev", "test")
COLUMNS = ("split", "kind", "accepted", "query", "url")


@dataclass(frozen=True)
class EvalItem:
    query: str
    kind: str
    accepted: tuple[str, ...]
    split: str
    url: str = ""

    def as_query(self) -> tuple[str, str, tuple[str, ...]]:
        """The (query, kind, accepted ids) triple the relevance report runs."""
        return (self.query, self.kind, self.accepted)


def parse_line(line: str) -> EvalItem:
    """One data row; a missing last column (an editor stripped the trailing tab) is an empty URL."""
    fields = line.rstrip("\r\n").split("\t")
    if len(fields) == len(COLUMNS) - 1:
        fields.append("")
    if len(fields) != len(COLUMNS):
        raise ValueError(f"expected {len(COLUMNS)} tab-separated columns, got {len(fields)}: {line!r}")
    split, kind, accepted, query, url = (f.strip() for f in fields)
    return EvalItem(query, kind, tuple(a.strip() for a in accepted.split(",")), split, url)


def _data_lines(text: str) -> list[str]:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if not lines or tuple(lines[0].split("\t")) != COLUMNS:
        raise ValueError(f"the first non-comment line must be the header {COLUMNS}")
    return lines[1:]


def load_items(path: Path = DATA_FILE) -> list[EvalItem]:
    """All items in file order."""
    return [parse_line(ln) for ln in _data_lines(path.read_text(encoding="utf-8"))]


def select(items: list[EvalItem], split: str = "all") -> list[EvalItem]:
    """The items of one split ("dev", "test") or all of them ("all")."""
    if split == "all":
        return list(items)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {(*SPLITS, 'all')}")
    return [item for item in items if item.split == split]
