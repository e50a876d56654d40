"""Step 6: numbered rules out of running text, their sub-points and footnotes, as Markdown."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.importer.patterns import BULLET_RE
from kb.text import md_escape

MAX_GAP = 3  # a rule number may skip up to two numbers (the procedure has no technical п.14)
# "1)" and "1)." anywhere after a space; "1." only at the start of a line (inline "7." is any number)
_MARKER_RE = re.compile(
    r"(?:(?<=\s)|^)(?P<num>\d{1,3})(?P<style>\)\.?)(?=\s|$)|^(?P<lnum>\d{1,3})\.(?=\s)", re.M
)
_REFERENCE_BEFORE_RE = re.compile(r"(?:\b(?:п|пп|пункт\w*|см|стр|ст|гл|рис|табл)\.?|№)\s*$", re.IGNORECASE)
_FOOTNOTE_RE = re.compile(r"(?<=[.!?)])\s+(?=\*\s?[^\s*])")
_SUBPOINTS_START_RE = re.compile(r":\s*-(?P<space>\s*)(?=\S)")
_CROSS_REF_RE = re.compile(r"(?P<ref>см\.\s?п\.\s?(?P<num>\d{1,3}))(?![\d\]])")


@dataclass(frozen=True)
class Marker:
    pos: int
    end: int
    number: int
    style: str  # ")", ")." or "."; one enumeration keeps one style


def markers(text: str) -> list[Marker]:
    """Every "N)" / "N)." (or "N." opening a line) that could start a rule (not "п.7)", not "(3х карт)")."""
    found = []
    for m in _MARKER_RE.finditer(text):
        if _REFERENCE_BEFORE_RE.search(text, max(0, m.start() - 20), m.start()):
            continue
        number, style = (m["num"], m["style"]) if m["num"] else (m["lnum"], ".")
        found.append(Marker(m.start(), m.end(), int(number), style))
    return found


def best_sequence(candidates: list[Marker], text: str = "") -> list[Marker]:
    """The longest chain of markers whose numbers rise by 1..MAX_GAP, one marker style, from 0 or 1.

    Among equally long chains the one with fewer skipped numbers wins, then the one with fewer
    markers inside an open parenthesis ("1) a (в т.ч. 2) и 3) …) 2) b"). A marker only looks
    back at markers numbered at most MAX_GAP below it, so this stays linear in practice.
    """
    scores: list[tuple[int, int, int] | None] = []  # (length, -skipped, -nested) of the best chain
    previous: list[int] = []
    by_number: dict[int, list[int]] = {}
    for k, marker in enumerate(candidates):
        best = (1, 0, 0) if marker.number <= 1 or marker.pos == 0 else None
        best_prev = -1
        for gap in range(1, MAX_GAP + 1):
            for j in by_number.get(marker.number - gap, ()):
                score = scores[j]
                if score is None or candidates[j].style != marker.style:
                    continue
                nested = _inside_parens(text, candidates[j], marker)
                option = (score[0] + 1, score[1] - (gap - 1), score[2] - nested)
                if best is None or option > best:
                    best, best_prev = option, j
        scores.append(best)
        previous.append(best_prev)
        by_number.setdefault(marker.number, []).append(k)
    return _chain_back(candidates, scores, previous)


def _chain_back(
    candidates: list[Marker], scores: list[tuple[int, int, int] | None], previous: list[int]
) -> list[Marker]:
    ends = [k for k, score in enumerate(scores) if score is not None]
    if not ends:
        return []
    k = max(ends, key=lambda e: scores[e])  # the first of the best
    chain: list[Marker] = []
    while k >= 0:
        chain.append(candidates[k])
        k = previous[k]
    return chain[::-1]


def _inside_parens(text: str, previous: Marker, marker: Marker) -> bool:
    between = text[previous.end : marker.pos]
    return between.count("(") > between.count(")")


def split_enumeration(text: str) -> tuple[str, list[tuple[int, str]]]:
    """ "Lead 1) a 2) b" -> ("Lead", [(1, "a"), (2, "b")]), keeping the procedure's own numbers."""
    chain = best_sequence(markers(text), text)
    if not chain:
        return text.strip(), []
    lead = text[: chain[0].pos].strip()
    ends = [m.pos for m in chain[1:]] + [len(text)]
    return lead, [(m.number, text[m.end : end].strip()) for m, end in zip(chain, ends, strict=True)]


def split_footnotes(text: str) -> list[str]:
    """ "… характер. *т.е. если …" -> ["… характер.", "*т.е. если …"]."""
    return [part.strip() for part in _FOOTNOTE_RE.split(text) if part.strip()]


def split_subpoints(text: str) -> tuple[str, list[str]]:
    """ "Неверная тарификация: -a -b" -> ("Неверная тарификация:", ["a", "b"]).

    Sub-points start after a colon; the next ones use the same dash style as the first
    ("-x" or "- x"), so hyphens inside words ("P-to-P", "sim-карты") never split.
    """
    m = _SUBPOINTS_START_RE.search(text)
    if not m:
        return text, []
    separator = r"\s+-\s+(?=\S)" if m["space"] else r"\s+-(?=[^\s-])"
    items = [item.strip() for item in re.split(separator, text[m.end() :])]
    return text[: m.start() + 1].strip(), [item for item in items if item]


def rule_markdown(body: str) -> str:
    """A rule body as Markdown: paragraphs, footnotes as continuation paragraphs, sub-points as a list."""
    out: list[str] = []
    for line in body.split("\n"):
        if out and (bullet := BULLET_RE.match(line)):
            out.append(f"- {md_escape(line[bullet.end() :].strip())}")  # a sub-point on its own line
            continue
        for paragraph in split_footnotes(line):
            lead, subpoints = split_subpoints(paragraph)
            if out:
                out.append("")
            out.append(md_escape(lead))
            out += [f"- {md_escape(item)}" for item in subpoints]
    return "\n".join(out)


def link_cross_refs(markdown: str, anchor_prefix: str, numbers: set[int]) -> str:
    """ "см. п.7" -> "[см. п.7](#ss/finance/7)" where rule 7 exists in the same section."""

    def link(m: re.Match[str]) -> str:
        number = int(m["num"])
        return f"[{m['ref']}](#{anchor_prefix}/{number})" if number in numbers else m[0]

    return _CROSS_REF_RE.sub(link, markdown)
