"""Step 7: phrases to say, the greeting, and queue lists, out of running text."""

from __future__ import annotations

import re

from kb.model import GREETING, PHRASE, Block, Table, step_count

_QUOTED_RE = re.compile(r"(?P<label>[^\"«».!?:]*?)\s*:\s*[\"«“](?P<text>[^\"«»“”]+)[\"»”]\s*\.?")
_PHRASE_LABEL_RE = re.compile(r"\bфраз[уаы]\b", re.IGNORECASE)
_GREETING_LABEL_RE = re.compile(r"^\s*Приветстви[ея]\b", re.IGNORECASE)
_QUEUE_RE = re.compile(
    r"Для\s+(?P<kind>[A-ZА-ЯЁ]{2,})\s+(?P<where>[^-–—]+?)\s*[-–—]\s*(?P<num>\d{3,})\s+(?P<queue>[A-Za-z][\w.]*)"
)
QUEUE_COLUMNS = ("Номер", "Очередь")


def block_kind(label: str) -> str | None:
    """PHRASE for "… используйте фразу", GREETING for "Приветствие …", else None."""
    if _GREETING_LABEL_RE.search(label):
        return GREETING
    return PHRASE if _PHRASE_LABEL_RE.search(label) else None


def extract_blocks(paragraph: str) -> tuple[str, list[Block]]:
    """Take `… используйте фразу: "…"` and `Приветствие …: "…"` out of a paragraph."""
    blocks: list[Block] = []
    rest: list[str] = []
    pos = 0
    for m in _QUOTED_RE.finditer(paragraph):
        kind = block_kind(m["label"])
        if kind is None:
            continue
        rest.append(paragraph[pos : m.start()])
        blocks.append(Block(kind=kind, label=m["label"].strip(), text=m["text"].strip()))
        pos = m.end()
    rest.append(paragraph[pos:])
    remaining = re.sub(r"\s{2,}", " ", "".join(rest)).strip()
    return ("" if not re.search(r"\w", remaining) else remaining), blocks


def block_steps(block: Block) -> int | None:
    """How many steps the transfer a phrase introduces takes ("в 1 шаг" -> 1)."""
    return step_count(block.label)


def parse_queues(line: str, caption: str = "") -> Table | None:
    """ "Для ЦКС Новосибирск, Барнаул - 700262 MNP_hot_line_ASIA Для ЦКС …" as a table, or None."""
    matches = list(_QUEUE_RE.finditer(line))
    if not matches or _QUEUE_RE.sub("", line).strip(" ;,."):
        return None
    header = (matches[0]["kind"], *QUEUE_COLUMNS)
    rows = tuple((m["where"].strip(" ,"), m["num"], m["queue"]) for m in matches)
    return Table(title=caption, header=header, rows=rows)
