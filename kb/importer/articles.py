"""Step 4: find the articles of a page by their headers (title lines around a breadcrumb,
numbered headings like "8.3 Перевод на линию супервизора")."""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.importer.clutter import Page, drop_edge_teasers
from kb.importer.patterns import RULE_START_RE, is_breadcrumb, is_title_like, numbered_heading


@dataclass
class RawArticle:
    """An article's header facts and the lines of its body (blank lines kept)."""

    title: str = ""
    breadcrumb: str = ""
    number: str = ""  # "8.3" when the page numbers its articles
    body: list[str] = field(default_factory=list)
    header_lines: list[int] = field(default_factory=list)  # 0-based indexes into the page lines

    @property
    def has_body(self) -> bool:
        return any(line.strip() for line in self.body)


@dataclass(frozen=True)
class Found:
    articles: tuple[RawArticle, ...]
    dropped: tuple[str, ...]  # non-blank lines outside every article (preamble, teasers)


def find_articles(page: Page) -> Found:
    """Split the page into articles; the text before the first header is dropped."""
    lines = list(page.lines)
    filled = [i for i, line in enumerate(lines) if line.strip()]
    anchors = [i for i in filled if is_breadcrumb(lines[i]) or numbered_heading(lines[i])]
    if not anchors and page.title:
        anchors = [i for i in filled if lines[i].casefold() == page.title.casefold()][-1:]
    headers = _header_blocks(lines, filled, anchors)
    articles: list[RawArticle] = []
    dropped = [line for line in lines[: headers[0][0]] if line.strip()] if headers else []
    for n, block in enumerate(headers):
        end = headers[n + 1][0] if n + 1 < len(headers) else len(lines)
        article = _describe(lines, block, page.title)
        article.body, teasers = drop_edge_teasers(lines[block[-1] + 1 : end])
        dropped += ["(teaser)"] * teasers
        articles.append(article)
    return Found(tuple(_merge_empty(articles)), tuple(dropped))


def _header_blocks(lines: list[str], filled: list[int], anchors: list[int]) -> list[list[int]]:
    """Group each anchor with the title lines and breadcrumbs right before and after it."""
    blocks: list[list[int]] = []
    used_until = -1
    for anchor in anchors:
        if anchor <= used_until:
            continue
        pos = filled.index(anchor)
        block = [anchor]
        while pos > 0 and filled[pos - 1] > used_until and _joins(lines, block, filled[pos - 1], filled):
            pos -= 1
            block.insert(0, filled[pos])
        pos = filled.index(anchor)
        while pos + 1 < len(filled) and _joins(lines, block, filled[pos + 1], filled, before=False):
            pos += 1
            block.append(filled[pos])
        blocks.append(block)
        used_until = block[-1]
    return blocks


def _joins(lines: list[str], block: list[int], i: int, filled: list[int], before: bool = True) -> bool:
    line = lines[i]
    kinds = [_kind(lines[j]) for j in block]
    if is_breadcrumb(line):
        return "breadcrumb" not in kinds
    if numbered_heading(line):
        return "numbered" not in kinds
    if not is_title_like(line):
        return False
    titles = [_title_of(lines[j]) for j in block if _kind(lines[j]) != "breadcrumb"]
    if titles:
        return line.casefold() in (t.casefold() for t in titles)
    if before:
        return True
    nxt = next((j for j in filled if j > i), None)
    return nxt is None or not RULE_START_RE.match(lines[nxt])  # a section heading is not a title


def _kind(line: str) -> str:
    if is_breadcrumb(line):
        return "breadcrumb"
    return "numbered" if numbered_heading(line) else "title"


def _title_of(line: str) -> str:
    heading = numbered_heading(line)
    return heading[1] if heading else line.strip()


def _describe(lines: list[str], block: list[int], page_title: str) -> RawArticle:
    article = RawArticle(header_lines=list(block))
    for i in block:
        line = lines[i]
        if is_breadcrumb(line):
            article.breadcrumb = article.breadcrumb or line.strip()
        elif heading := numbered_heading(line):
            article.number, article.title = heading
        elif not article.title:
            article.title = line.strip()
    if not article.title:
        article.title = page_title or article.breadcrumb.split(">")[-1].strip()
    return article


def _merge_empty(articles: list[RawArticle]) -> list[RawArticle]:
    """A header with no body before the next header (a site breadcrumb, say) joins that next one."""
    merged: list[RawArticle] = []
    pending: RawArticle | None = None
    for article in articles:
        if pending is not None:
            article.breadcrumb = _better_breadcrumb(pending.breadcrumb, article.breadcrumb)
            article.title = article.title or pending.title
            article.number = article.number or pending.number
            article.header_lines = pending.header_lines + article.header_lines
            pending = None
        if not article.has_body:
            pending = article
            continue
        merged.append(article)
    return merged


def _better_breadcrumb(first: str, second: str) -> str:
    """Prefer a labelled breadcrumb ("СУЗ: … > …") over a bare site path."""
    if not first or not second:
        return first or second
    return second if ":" in second.split(">")[0] or ":" not in first.split(">")[0] else first
