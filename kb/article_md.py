"""Reading and writing articles as plain Markdown files (the format is in the README)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kb.model import BLOCK_KINDS, Article, Block, Rule, Section, Table, rule_id
from kb.text import inline_plain_text, md_escape, plain_text, slugify

FRONT_KEYS = ("id", "title", "line", "breadcrumb", "source", "date", "order")
REQUIRED_KEYS = ("id", "title", "line")

_SECTION_RE = re.compile(r"^##\s+(?P<title>.+?)(?:\s+\{#(?P<id>[^}\s]+)\})?\s*$")
_RULE_RE = re.compile(r"^(?P<number>[0-9]+)\.\s+(?P<body>.*)$")  # ASCII digits, as Markdown lists
MAX_RULE_DIGITS = 9  # int() refuses more than 4300 digits; no procedure numbers rules past a billion
_BLOCK_RE = re.compile(r"^>\s*\[!(?P<kind>\w+)\]\s*(?P<label>.*)$")
_CUSTOMER_RE = re.compile(r"^\s*>\s*\[!customer\]", re.IGNORECASE)
_BULLET_RE = re.compile(r"^[-*+]\s+")
CUSTOMER = "customer"
CUSTOMER_LABEL = "Клиент может сказать"
_CAPTION_RE = re.compile(r"^\*\*(?P<title>.+?)\*\*:?\s*$")
_CELL_SPLIT_RE = re.compile(r"(?<!\\)\|")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class ArticleError(ValueError):
    """An article file that does not follow the format; ``line`` is 1-based."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


# ----------------------------------------------------------------------------- reading


@dataclass
class _SectionDraft:
    id: str
    title: str
    line_no: int
    intro: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    rules: list[tuple[int, int, list[str]]] = field(default_factory=list)  # number, line, lines
    numbers: set[int] = field(default_factory=set)  # the rules' numbers: a duplicate check in O(1)
    phrasings: dict[int, list[str]] = field(default_factory=dict)  # rule number -> phrasings
    tables: list[Table] = field(default_factory=list)


def parse_article(text: str, path: Path | None = None) -> Article:
    """Parse one article; raises ArticleError with the line at fault."""
    lines = split_lines(text)
    meta, body_start = parse_front_matter(lines)
    _check_id(meta["id"], 2, "article id")
    article_id = meta["id"]
    top = _SectionDraft(id="", title="", line_no=0)
    sections: list[_SectionDraft] = []
    section_ids: set[str] = set()
    current = top
    after_rule = False  # only blank lines since the last rule item: a [!customer] block belongs to it
    i = body_start
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if _CUSTOMER_RE.match(line):
            if not (after_rule and current.rules):
                raise ArticleError(i + 1, "[!customer] block is not under a rule (indent it under the item)")
            phrasings, i = read_phrasings(lines, i)
            current.phrasings.setdefault(current.rules[-1][0], []).extend(phrasings)
            continue
        after_rule = False
        if line.startswith("# "):
            i += 1
        elif m := _SECTION_RE.match(line):
            current = _SectionDraft(m["id"] or slugify(m["title"]), m["title"].strip(), i + 1)
            _check_id(current.id, i + 1, "section id")
            if current.id in section_ids:
                raise ArticleError(i + 1, f"duplicate section id {current.id!r}")
            sections.append(current)
            section_ids.add(current.id)
            i += 1
        elif m := _BLOCK_RE.match(line):
            i = _read_block(lines, i, m, current)
        elif m := _RULE_RE.match(line):
            if current is top:
                raise ArticleError(i + 1, "numbered rule outside a section (add a '## ' heading)")
            if len(m["number"]) > MAX_RULE_DIGITS:
                raise ArticleError(i + 1, f"rule number is too long ({len(m['number'])} digits)")
            number = int(m["number"])
            if number in current.numbers:
                raise ArticleError(i + 1, f"duplicate rule number {number} in {current.id!r}")
            start = i + 1
            body, i = _read_item(lines, i, m["body"])
            body, phrasings = split_phrasings(body)
            current.rules.append((number, start, body))
            current.numbers.add(number)
            if phrasings:
                current.phrasings[number] = phrasings
            after_rule = True
        elif line.startswith("|") or (_CAPTION_RE.match(line) and _next_is_table(lines, i)):
            i = _read_table(lines, i, current)
        else:
            para, i = _read_paragraph(lines, i)
            current.intro.append(para)
    return Article(
        id=article_id,
        title=meta["title"],
        line=meta["line"],
        breadcrumb=meta.get("breadcrumb", ""),
        source=meta.get("source", ""),
        date=meta.get("date", ""),
        intro="\n\n".join(top.intro),
        blocks=tuple(top.blocks),
        tables=tuple(top.tables),
        sections=tuple(_finish_section(article_id, s) for s in sections),
        path=path,
        extra={k: v for k, v in meta.items() if k not in FRONT_KEYS},
        order=_order(meta, lines),
    )


MAX_ORDER = 1_000_000


def _order(meta: dict[str, str], lines: list[str]) -> int | None:
    """The front matter's ``order:`` (a whole number from 1 to MAX_ORDER), or None when there is none.
    Only ASCII digits: ``str.isdigit()`` also accepts "²" and "١", which ``int()`` refuses or reads."""
    value = meta.get("order", "")
    if not value:
        return None
    if not _ORDER_RE.fullmatch(value) or not 1 <= int(value) <= MAX_ORDER:
        line = _front_matter_line(lines, "order")
        raise ArticleError(line, f"order must be a whole number from 1 to {MAX_ORDER}, not {value[:40]!r}")
    return int(value)


_ORDER_RE = re.compile(r"[0-9]{1,7}")


def _front_matter_line(lines: list[str], key: str) -> int:
    """The 1-based line of the last ``key:`` line of the front matter (the one that counts)."""
    found = 1
    for i, text in enumerate(lines[1:], start=1):
        if text.strip() == "---":
            break
        if text.partition(":")[0].strip() == key:
            found = i + 1
    return found


def split_lines(text: str) -> list[str]:
    """The lines as an editor numbers them: only LF, CRLF and CR end a line. ``str.splitlines()``
    also breaks at \\x0b, \\x0c, \\x1c-\\x1e, \\x85, U+2028 and U+2029, which would shift every line
    number reported after such a character (and cut a value in two)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def parse_front_matter(
    lines: list[str], required: tuple[str, ...] = REQUIRED_KEYS
) -> tuple[dict[str, str], int]:
    """The ``key: value`` lines between the opening and closing '---', and where the body starts."""
    if not lines or lines[0].strip() != "---":
        raise ArticleError(1, "missing front matter: the file must start with '---'")
    meta: dict[str, str] = {}
    for i in range(1, len(lines)):
        line = lines[i]
        if line.strip() == "---":
            missing = [k for k in required if not meta.get(k)]
            if missing:
                raise ArticleError(1, f"front matter lacks {', '.join(missing)}")
            return meta, i + 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z_][\w-]*", key.strip()):
            raise ArticleError(i + 1, f"front matter line is not 'key: value': {line!r}")
        meta[key.strip()] = _unquote(value.strip())
    raise ArticleError(1, "front matter is not closed with '---'")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return value


def _quote(value: str) -> str:
    """A front-matter value as written: quoted when reading it bare would unquote it (``'x'``)."""
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return "'" + value.replace("'", "''") + "'"
    return value


def _check_id(value: str, line: int, what: str) -> None:
    if not all(_ID_RE.match(part) for part in value.split("/")):
        raise ArticleError(line, f"bad {what} {value!r}: use lowercase latin letters, digits, '-'")


def _read_block(lines: list[str], i: int, m: re.Match[str], current: _SectionDraft) -> int:
    kind = m["kind"].lower()
    if kind not in BLOCK_KINDS:
        raise ArticleError(i + 1, f"unknown block [!{m['kind']}]; known: {', '.join(BLOCK_KINDS)}")
    start, i = i, i + 1
    body: list[str] = []
    while i < len(lines) and lines[i].startswith(">"):
        body.append(lines[i][1:].strip())
        i += 1
    text = " ".join(part for part in body if part)
    if not text:
        raise ArticleError(start + 1, f"[!{kind}] block has no text")
    label = plain_text(m["label"].strip())
    current.blocks.append(Block(kind=kind, label=label, text=plain_text(text)))
    return i


def _read_item(lines: list[str], i: int, first: str) -> tuple[list[str], int]:
    """A list item's lines: the first, then indented or blank lines up to the next item."""
    body = [first]
    i += 1
    while i < len(lines):
        line = lines[i]
        if line.strip() and not line.startswith((" ", "\t")):
            break
        if not line.strip():
            j = i
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j >= len(lines) or not lines[j].startswith((" ", "\t")):
                break
            body += lines[i:j]  # the whole run of blank lines at once: a long run is not quadratic
            i = j
            continue
        body.append(line)
        i += 1
    return _dedent(body), i


def _dedent(body: list[str]) -> list[str]:
    rest = [line for line in body[1:] if line.strip()]
    width = min((len(line) - len(line.lstrip()) for line in rest), default=0)
    return [body[0]] + [line[width:] for line in body[1:]]


def split_phrasings(body: list[str]) -> tuple[list[str], list[str]]:
    """A rule item's lines without its ``[!customer]`` blocks, and the phrasings those blocks hold."""
    if not any("[!" in line for line in body):  # most rules: loading 100k of them runs this
        return body, []
    kept: list[str] = []
    phrasings: list[str] = []
    i = 0
    while i < len(body):
        if _CUSTOMER_RE.match(body[i]):
            found, i = read_phrasings(body, i)
            phrasings += found
        else:
            kept.append(body[i])
            i += 1
    while kept and not kept[-1].strip():
        kept.pop()
    return kept, phrasings


def read_phrasings(lines: list[str], i: int) -> tuple[list[str], int]:
    """The phrasings of the ``[!customer]`` block opening at ``lines[i]``, one per ``- `` line; the
    block ends at the first line that is neither quoted nor blank."""
    phrasings: list[str] = []
    i += 1
    while i < len(lines):
        stripped = lines[i].lstrip()
        if not stripped:
            i += 1
            continue
        if not stripped.startswith(">") or _BLOCK_RE.match(stripped):
            break
        _add_phrasing_line(phrasings, stripped[1:])
        i += 1
    while i > 0 and not lines[i - 1].strip():  # blank lines after the block are not its own
        i -= 1
    return [p for p in (phrasing_text(p) for p in phrasings) if p], i


def strip_phrasing_blocks(text: str) -> str:
    """The file text without its ``[!customer]`` blocks and the blank lines that lead into them."""
    lines = text.split("\n")
    kept: list[str] = []
    i = 0
    while i < len(lines):
        if _CUSTOMER_RE.match(lines[i]):
            while kept and not kept[-1].strip():
                kept.pop()
            _, i = read_phrasings(lines, i)
        else:
            kept.append(lines[i])
            i += 1
    return "\n".join(kept)


def phrasing_text(markdown_text: str) -> str:
    """A phrasing as read: inline markup and escapes removed, spaces collapsed (``1. `` is kept)."""
    return " ".join(inline_plain_text(markdown_text).split())


def _add_phrasing_line(phrasings: list[str], quoted: str) -> None:
    """One quoted line: a bullet starts a phrasing, an indented line continues the last one."""
    content = quoted.removeprefix(" ")
    text = content.strip()
    if not text:
        return
    if bullet := _BULLET_RE.match(text):
        phrasings.append(text[bullet.end() :])
    elif content[0].isspace() and phrasings:
        phrasings[-1] += " " + text
    else:
        phrasings.append(text)


def _next_is_table(lines: list[str], i: int) -> bool:
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    return j < len(lines) and lines[j].startswith("|")


def _read_table(lines: list[str], i: int, current: _SectionDraft) -> int:
    title = ""
    if m := _CAPTION_RE.match(lines[i]):
        title = m["title"].strip()
        i += 1
        while not lines[i].strip():
            i += 1
    start = i
    rows: list[tuple[str, ...]] = []
    while i < len(lines) and lines[i].startswith("|"):
        cells = tuple(c.strip() for c in _CELL_SPLIT_RE.split(lines[i].strip()[1:].removesuffix("|")))
        if not all(re.fullmatch(r":?-+:?", c) for c in cells):
            rows.append(tuple(plain_text(c) for c in cells))
        i += 1
    if not rows:
        raise ArticleError(start + 1, "table has no header row")
    current.tables.append(Table(title=title, header=rows[0], rows=tuple(rows[1:])))
    return i


def _read_paragraph(lines: list[str], i: int) -> tuple[str, int]:
    para: list[str] = []
    while i < len(lines) and lines[i].strip():
        line = lines[i]
        starts_other = _SECTION_RE.match(line) or _RULE_RE.match(line) or _BLOCK_RE.match(line)
        if para and (starts_other or _CUSTOMER_RE.match(line)):
            break
        para.append(line.strip())
        i += 1
    return "\n".join(para), i


def _finish_section(article_id: str, draft: _SectionDraft) -> Section:
    rules = tuple(
        Rule(
            id=rule_id(article_id, draft.id, number),
            article_id=article_id,
            section_id=draft.id,
            number=number,
            markdown="\n".join(body).strip(),
            text=plain_text("\n".join(body)),
            line_no=line_no,
            phrasings=tuple(draft.phrasings.get(number, ())),
        )
        for number, line_no, body in draft.rules
    )
    return Section(
        id=draft.id,
        title=draft.title,
        intro="\n\n".join(draft.intro),
        blocks=tuple(draft.blocks),
        rules=rules,
        tables=tuple(draft.tables),
    )


# ----------------------------------------------------------------------------- writing


def article_to_markdown(article: Article) -> str:
    """The file text for an article; parse_article(article_to_markdown(a)) gives a back."""
    out = ["---"]
    values = {
        "id": article.id,
        "title": article.title,
        "line": article.line,
        "breadcrumb": article.breadcrumb,
        "source": article.source,
        "date": article.date,
        "order": str(article.order) if article.order is not None else "",
        **article.extra,
    }
    out += [f"{key}: {_quote(value)}" for key, value in values.items() if value]
    out += ["---", "", f"# {article.title}", ""]
    out += _body_to_markdown(article.intro, article.blocks, article.tables)
    for section in article.sections:
        out += [f"## {section.title} {{#{section.id}}}", ""]
        out += _body_to_markdown(section.intro, section.blocks, section.tables)
        for rule in section.rules:
            out += _rule_to_markdown(rule)
        if section.rules:
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _body_to_markdown(intro: str, blocks: tuple[Block, ...], tables: tuple[Table, ...]) -> list[str]:
    out: list[str] = []
    if intro:
        out += [intro, ""]
    for block in blocks:
        out += [f"> [!{block.kind}] {md_escape(block.label)}".rstrip(), f"> {md_escape(block.text)}", ""]
    for table in tables:
        if table.title:
            out += [f"**{table.title}**", ""]
        out.append(_table_row(table.header))
        out.append("|" + "|".join(" --- " for _ in table.header) + "|")
        out += [_table_row(row) for row in table.rows]
        out.append("")
    return out


def _table_row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(md_escape(c).replace("|", "\\|") for c in cells) + " |"


def _rule_to_markdown(rule: Rule) -> list[str]:
    marker = f"{rule.number}. "
    pad = " " * len(marker)
    first, *rest = rule.markdown.splitlines()
    out = [marker + first] + [pad + line if line.strip() else "" for line in rest]
    return out + [pad + line if line else "" for line in phrasings_to_markdown(rule.phrasings)]


def phrasings_to_markdown(phrasings: tuple[str, ...]) -> list[str]:
    """The ``[!customer]`` block for a rule's phrasings (a blank line first), unindented; [] if none."""
    if not phrasings:
        return []
    return ["", f"> [!{CUSTOMER}] {CUSTOMER_LABEL}", *(f"> - {_phrasing_markdown(p)}" for p in phrasings)]


def _phrasing_markdown(phrasing: str) -> str:
    """A phrasing as written: escaped only where plain text would read it otherwise."""
    return phrasing if phrasing_text(phrasing) == phrasing else md_escape(phrasing)


def file_type(text: str) -> str:
    """The front matter's ``type:`` (glossary, thesaurus), "" for an article or no front matter."""
    head = text[: text.find("\n---", 3) + 5] if text.startswith("---") else ""
    try:
        meta, _ = parse_front_matter(split_lines(head), required=())
    except ArticleError:
        return ""
    return meta.get("type", "")
