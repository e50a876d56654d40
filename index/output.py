"""What the command line prints: the JSON contract and a human-readable list of hits."""

from __future__ import annotations

import html
import re

from index.results import WEAK, Hit, SearchResult

NOTHING_FOUND = "ничего не найдено"
DID_YOU_MEAN = "Возможно, вы имели в виду: {}"
NO_EXACT_MATCH = "точного совпадения нет, похожие правила:"
_BOLD_RE = re.compile(r"<b>(.*?)</b>", re.DOTALL)


def search_json(result: SearchResult) -> dict:
    """The ``--json`` contract: {"query", "corrected", "confidence", "hits": [{"id", "article", …,
    "score", "coverage", "match"}]}; ``candidates`` are the ids the answer card shows."""
    return {
        "query": result.query,
        "corrected": result.corrected,
        "layout_converted": result.layout_converted,
        "confidence": result.confidence,
        "ambiguous": result.ambiguous,
        "candidates": [h.id for h in result.candidates],
        "hits": [_hit_json(h) for h in result.hits],
    }


def _hit_json(hit: Hit) -> dict:
    return {
        "id": hit.id,
        "article": hit.article,
        "section": hit.section,
        "line": hit.line,
        "number": hit.number,
        "text": hit.text,
        "snippet": hit.snippet,
        "score": hit.score,
        "kind": hit.kind,
        "section_id": hit.section_id,
        "line_label": hit.line_label,
        "coverage": hit.coverage,
        "match": hit.match,
        "learned": hit.learned,
    }


def plain_snippet(snippet: str, emphasis: bool = False) -> str:
    """A snippet for a terminal: <b>…</b> as bold escape codes or as «…»."""
    on, off = ("\x1b[1m", "\x1b[0m") if emphasis else ("«", "»")
    return html.unescape(_BOLD_RE.sub(lambda m: f"{on}{m.group(1)}{off}", snippet))


def format_hits(result: SearchResult, emphasis: bool = False) -> str:
    """Human output: one block per hit with line, section, number and the snippet."""
    lines: list[str] = []
    if result.corrected:
        lines.append(DID_YOU_MEAN.format(result.corrected))
    if not result.hits:
        lines.append(NOTHING_FOUND)
    elif result.confidence == WEAK:
        lines.append(NO_EXACT_MATCH)
    for hit in result.hits:
        where = " · ".join(p for p in (hit.line_label or hit.line, hit.section) if p)
        number = f"п.{hit.number}" if hit.number is not None else hit.kind
        lines.append(f"{where} · {number}  [{hit.id}]")
        lines.append(f"    {plain_snippet(hit.snippet, emphasis)}")
    return "\n".join(lines)
