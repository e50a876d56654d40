"""What changed between two states of a knowledge base, rule by rule (stdlib + kb only).

A *state* is ``dict[rule_id, RuleState]`` in KB order: :func:`snapshot` takes it from a loaded
KB, :func:`states_from_manifest` from a published manifest (``kb/manifest.py``).
:func:`diff` compares two states and returns :class:`RuleChange` values: rules ``added``,
``changed`` (their fingerprint differs) and ``removed``. :meth:`RuleChange.word_diff` marks the
changed words for a side-by-side view.

Freshness: :func:`recent_changes` names the rules whose text changed in the last N days (from the
manifest's per-rule date when the KB is published, else from the dates a workstation first saw
each text), :func:`article_version` words an article's version for its header.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from kb.fingerprints import rule_fingerprint
from kb.model import Article, KnowledgeBase, Rule, Section

if TYPE_CHECKING:
    from kb.manifest import Manifest

ADDED, CHANGED, REMOVED = "added", "changed", "removed"
KINDS = (ADDED, CHANGED, REMOVED)
EQUAL, DELETE, INSERT = "equal", "delete", "insert"

_TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]+")  # spaces, words, punctuation
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class RuleState:
    """What an agent read of one rule at one time: where it stood, its fingerprint and plain text."""

    id: str
    article_id: str
    article_title: str
    section_title: str
    number: int
    hash: str  # kb.fingerprints.rule_fingerprint
    text: str  # plain text, no Markdown

    @property
    def place(self) -> str:
        """«Финансовые вопросы, п.9»."""
        return f"{self.section_title}, п.{self.number}" if self.section_title else f"п.{self.number}"


@dataclass(frozen=True)
class RuleChange:
    """One rule added, changed or removed; ``old`` is None for an added rule, ``new`` for a removed one."""

    id: str
    kind: str  # ADDED | CHANGED | REMOVED
    old: RuleState | None
    new: RuleState | None

    @property
    def state(self) -> RuleState:
        """The side to show the rule by: the new one, else (removed) the old one."""
        return self.new or self.old  # type: ignore[return-value]

    def word_diff(self) -> list[tuple[str, str]]:
        """``(op, text)`` runs, op EQUAL/DELETE/INSERT, over words and punctuation (white space folded
        to one space).
        EQUAL + DELETE runs joined give the old text, EQUAL + INSERT runs the new one; a DELETE run
        comes before the INSERT run that replaces it."""
        return word_diff(self.old.text if self.old else "", self.new.text if self.new else "")


# ---------------------------------------------------------------------------- states
def rule_state(article: Article, section: Section, rule: Rule) -> RuleState:
    return RuleState(
        id=rule.id,
        article_id=article.id,
        article_title=article.title,
        section_title=section.title,
        number=rule.number,
        hash=rule_fingerprint(rule),
        text=rule.text,
    )


def snapshot(kb: KnowledgeBase) -> dict[str, RuleState]:
    """Every rule of ``kb`` as a :class:`RuleState`, in KB order."""
    return {
        rule.id: rule_state(article, section, rule)
        for article in kb.articles
        for section in article.sections
        for rule in section.rules
    }


def states_from_manifest(manifest: Manifest, titles: KnowledgeBase | None = None) -> dict[str, RuleState]:
    """The rules of a published manifest (``.rules`` maps rule id to an entry with ``.article``,
    ``.hash``, ``.text``) as states, in the manifest's order. A manifest keeps no titles: they come
    from ``titles`` (usually the KB folder as it is now) where it still has the rule's article and
    section, else the ids stand in."""
    names = _titles(titles) if titles is not None else {}
    out: dict[str, RuleState] = {}
    for rid, entry in manifest.rules.items():
        article_id, section_id, number = _split_id(rid, entry.article)
        article_title, sections = names.get(article_id, (article_id, {}))
        out[rid] = RuleState(
            id=rid,
            article_id=article_id,
            article_title=article_title,
            section_title=sections.get(section_id, section_id),
            number=number,
            hash=str(entry.hash),
            text=str(entry.text or ""),
        )
    return out


def _titles(kb: KnowledgeBase) -> dict[str, tuple[str, dict[str, str]]]:
    return {a.id: (a.title, {s.id: s.title for s in a.sections}) for a in kb.articles}


def _split_id(rid: str, article_id: str | None) -> tuple[str, str, int]:
    """("ss", "finance", 9) from "ss/finance/9" (an article id may itself hold slashes)."""
    head, _, tail = rid.rpartition("/")
    article, _, section = head.rpartition("/")
    if article_id and head.startswith(article_id + "/"):
        article, section = article_id, head[len(article_id) + 1 :]
    try:
        number = int(tail)
    except ValueError:
        number = 0
    return article or article_id or "", section, number


# ---------------------------------------------------------------------------- diff
def diff(old: Mapping[str, RuleState], new: Mapping[str, RuleState]) -> list[RuleChange]:
    """The changes from ``old`` to ``new`` in the new side's order; a removed rule comes right after
    the nearest rule before it that is still there (first, when none is)."""
    changes = []
    for rid in merged_order(old, new):
        before, after = old.get(rid), new.get(rid)
        if before is None:
            changes.append(RuleChange(rid, ADDED, None, after))
        elif after is None:
            changes.append(RuleChange(rid, REMOVED, before, None))
        elif before.hash != after.hash:
            changes.append(RuleChange(rid, CHANGED, before, after))
    return changes


def merged_order(old: Mapping[str, object], new: Mapping[str, object]) -> list[str]:
    """The ids of ``new`` in order, each id only in ``old`` placed after the nearest id before it
    (in ``old``) that ``new`` still has; before everything when there is none. Linear time."""
    after: dict[str | None, list[str]] = {}
    anchor: str | None = None
    for rid in old:
        if rid in new:
            anchor = rid
        else:
            after.setdefault(anchor, []).append(rid)
    if not after:
        return list(new)
    out = list(after.get(None, ()))
    for rid in new:
        out.append(rid)
        if rid in after:
            out += after[rid]
    return out


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """See :meth:`RuleChange.word_diff`."""
    a, b = _tokens(old), _tokens(new)
    runs: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            runs.append((EQUAL, "".join(a[i1:i2])))
            continue
        if i2 > i1:
            runs.append((DELETE, "".join(a[i1:i2])))
        if j2 > j1:
            runs.append((INSERT, "".join(b[j1:j2])))
    return _merge(_absorb_spaces(runs))


def _tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(_SPACE_RE.sub(" ", text).strip())


def _absorb_spaces(runs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A lone space kept between two changed runs goes into both sides, so «[-a b-]{+c d+}» reads as
    one replacement, not «[-a-]{+c+} [-b-]{+d+}»."""
    out: list[tuple[str, str]] = []
    for k, (op, text) in enumerate(runs):
        between = 0 < k < len(runs) - 1 and runs[k - 1][0] != EQUAL and runs[k + 1][0] != EQUAL
        if op == EQUAL and between and not text.strip():
            out += [(DELETE, text), (INSERT, text)]
        else:
            out.append((op, text))
    return out


def _merge(runs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Neighbouring runs of the same op joined; in every stretch of changes deletions come first."""
    out: list[tuple[str, str]] = []
    stretch: dict[str, str] = {}
    for op, text in runs:
        if op == EQUAL:
            out += [(o, stretch[o]) for o in (DELETE, INSERT) if stretch.get(o)]
            stretch = {}
            if out and out[-1][0] == EQUAL:
                out[-1] = (EQUAL, out[-1][1] + text)
            elif text:
                out.append((EQUAL, text))
        else:
            stretch[op] = stretch.get(op, "") + text
    out += [(o, stretch[o]) for o in (DELETE, INSERT) if stretch.get(o)]
    return out


# ---------------------------------------------------------------------------- freshness
def recent_changes(
    current: Mapping[str, RuleState],
    manifest: Manifest | None,
    changed_on: Mapping[str, date | None],
    days: int,
    today: date,
) -> dict[str, date]:
    """Rules of ``current`` whose text changed in the last ``days`` days, with the date: the
    manifest's per-rule ``changed`` where the published hash is the current one, else the date this
    workstation first saw the current text (``changed_on``, e.g. ``SeenStore.changed_dates()``).
    The earliest ``changed`` of a manifest is its first publication, not a change: rules that kept
    their text since then are not fresh."""
    since = today - timedelta(days=max(0, days))
    published = manifest.rules if manifest is not None else {}
    dates = {rid: parse_date(e.changed) for rid, e in published.items()}
    first = min((d for d in dates.values() if d is not None), default=None)
    out: dict[str, date] = {}
    for rid, state in current.items():
        entry = published.get(rid)
        if entry is not None and entry.hash == state.hash:
            when = dates[rid] if dates[rid] != first else None
        else:
            when = changed_on.get(rid)
        if when is not None and when >= since:  # a publisher's clock ahead of ours still counts
            out[rid] = when
    return out


def article_version(article: Article, manifest: Manifest | None) -> str:
    """«версия 12 от 01.12.2026» while the article is as published, else its front-matter date
    «от 22.11.2017», else ""."""
    if manifest is not None and _as_published(article, manifest):
        when = parse_date(manifest.date)
        return f"версия {manifest.version}" + (f" от {when:%d.%m.%Y}" if when else "")
    when = parse_date(article.date)
    if when is not None:
        return f"от {when:%d.%m.%Y}"
    return f"от {article.date}" if article.date else ""


def _as_published(article: Article, manifest: Manifest) -> bool:
    """Whether the manifest has the article with exactly its rules, each with its current fingerprint."""
    if article.id not in manifest.articles:
        return False
    published = manifest.rules
    for rule in article.rules:
        entry = published.get(rule.id)
        if entry is None or entry.hash != rule_fingerprint(rule):
            return False
    wanted = {rid for rid, e in published.items() if e.article == article.id}
    return wanted <= {r.id for r in article.rules}


def parse_date(value: Any) -> date | None:
    """A date from ``date``, "2026-12-01" (also with a time after it) or "01.12.2026"; else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", text):
            d, m, y = (int(p) for p in text.split("."))
            return date(y, m, d)
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
