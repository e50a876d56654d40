"""Step 3: remove what the hosting site put around the procedure (generic heuristics, any site)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.importer.patterns import is_header_line

_TITLE_SUFFIX_RE = re.compile(r"^(?P<title>.+?)\s+(?:[—–|]|::)\s+(?P<site>[^—–|]{2,60}?)$")
_TIME = r"(?:[ T,]\s*\d{1,2}:\d{2}(?::\d{2})?)?"
_DATE_LABEL = r"(?:(?:Дата|Обновлено|Опубликовано|Изменено|Создано|Updated|Published|Date)\w*\s*:?\s*)?"
_HYPHEN_SUFFIX_RE = re.compile(r"^(?P<title>.+?)\s+-\s+(?P<site>[^-]{2,60}?)$")
_ISO_DATE_RE = re.compile(rf"^{_DATE_LABEL}(?P<y>\d{{4}})-(?P<m>\d{{2}})-(?P<d>\d{{2}}){_TIME}(?:\s+\d+)?$")
_RU_DATE_RE = re.compile(
    rf"^{_DATE_LABEL}(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?P<y>\d{{4}}){_TIME}(?:\s+\d+)?$"
)
_RATING_RE = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:из|/|of)\s*\d+(?:[.,]\d+)?\s+\d+\s+(?:оцен|голос|vote)\w*\s*$"
    r"|^(?:Рейтинг|Оценка|Rating)\s*:?\s*\d",
    re.IGNORECASE,
)
_COUNTER_RE = re.compile(
    r"^(?:Просмотр\w*|Прочитан\w*|Views?|Комментари\w*|Comments?)\s*:?\s*(?:\d+|\(\d+\))$", re.IGNORECASE
)
_ACTION_RE = re.compile(
    r"^(?:Заказать|Поделиться|Подписаться|Скачать|Распечатать|Версия для печати|Читать (?:далее|также)"
    r"|Читайте также|Смотрите также|Похожие (?:статьи|материалы)|Оставить комментарий|Share|Tweet"
    r"|Добавить в закладки|Сообщить об ошибке)\b[^.]{0,40}$",
    re.IGNORECASE,
)
_TIMING_RE = re.compile(r"^(?:\S+\s+){0,4}\d+(?:[.,]\d+)?\s*(?:с|сек|s|sec|мс|ms)\.?$", re.IGNORECASE)
_COPYRIGHT_RE = re.compile(r"^(?:©|\(c\)|Copyright\b|Все права защищены)", re.IGNORECASE)
_SITE_NAV_RE = re.compile(r"^(?:Главная|Home|На главную)\s*(?:>|»|/|→)", re.IGNORECASE)
_TAKEDOWN_RE = re.compile(r"^Если вы не хотите,? чтобы .{0,80}(?:материал|статья)", re.IGNORECASE)
_TEASER_RE = re.compile(r"^(?P<head>[A-ZА-ЯЁ][^:.!?]{2,90}):\s+\S.{10,400}?(?:\.\.\.|…)$")


@dataclass(frozen=True)
class Page:
    """The page text without site clutter, with what the clutter told about the page."""

    lines: tuple[str, ...]
    title: str = ""  # the page title without the site name
    site: str = ""
    date: str = ""  # ISO date of the page, if a date line was found


def strip_clutter(lines: list[str]) -> Page:
    """Title suffix, date/rating/counter/button/timing lines, and the footer from the copyright on."""
    lines, title, site = strip_title_suffix(lines)
    lines = cut_footer(lines)
    kept: list[str] = []
    date = ""
    for line in lines:
        found = page_date(line)
        if found:
            date = date or found
        elif not is_clutter_line(line, site):
            kept.append(line)
            continue
        kept.append("")
    return Page(lines=tuple(kept), title=title, site=site, date=date)


def strip_title_suffix(lines: list[str]) -> tuple[list[str], str, str]:
    """ "Title — SiteName" on the first line becomes "Title"; returns lines, title, site."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return lines, "", ""
    m = _TITLE_SUFFIX_RE.match(lines[first]) or _hyphen_suffix(lines, first)
    if not m:
        return lines, "", ""
    return [*lines[:first], m["title"], *lines[first + 1 :]], m["title"], m["site"].strip()


def _hyphen_suffix(lines: list[str], first: int) -> re.Match[str] | None:
    """ "Title - Site" counts only when "Title" appears again as a line of its own."""
    m = _HYPHEN_SUFFIX_RE.match(lines[first])
    if m and any(line.strip().casefold() == m["title"].casefold() for line in lines[first + 1 :]):
        return m
    return None


def page_date(line: str) -> str:
    """ISO date from a line that holds only a date (and maybe a view count): "2017-11-22 235"."""
    m = _ISO_DATE_RE.match(line) or _RU_DATE_RE.match(line)
    if not m:
        return ""
    return f"{m['y']}-{int(m['m']):02d}-{int(m['d']):02d}"


def is_clutter_line(line: str, site: str = "") -> bool:
    """A rating, counter, button label, page timing, copyright or take-down line; the bare site name."""
    line = line.strip()
    if not line:
        return False
    checks = (_RATING_RE.search, _COUNTER_RE.match, _ACTION_RE.match, _TIMING_RE.match, _SITE_NAV_RE.match)
    if any(check(line) for check in checks):
        return True
    if _COPYRIGHT_RE.match(line) or _TAKEDOWN_RE.match(line):
        return True
    return bool(site) and line.casefold() == site.casefold()


def cut_footer(lines: list[str]) -> list[str]:
    """Drop everything from the last copyright line on, unless an article starts after it."""
    marks = [i for i, line in enumerate(lines) if _COPYRIGHT_RE.match(line.strip())]
    if not marks or any(is_header_line(line) for line in lines[marks[-1] :]):
        return lines
    return lines[: marks[-1]]


def is_teaser(text: str) -> bool:
    """A link to another article: "Short title: first words of it..." ending in an ellipsis."""
    m = _TEASER_RE.match(text.strip())
    return bool(m) and not re.match(r"\d", m["head"]) and len(m["head"].split()) <= 12


def drop_edge_teasers(lines: list[str]) -> tuple[list[str], int]:
    """Remove teaser paragraphs (and blanks) from both ends of an article body; returns lines, count."""
    start, end = 0, len(lines)
    while start < end and (not lines[start].strip() or is_teaser(lines[start])):
        start += 1
    while end > start and (not lines[end - 1].strip() or is_teaser(lines[end - 1])):
        end -= 1
    dropped = sum(bool(line.strip()) for line in lines[:start] + lines[end:])
    return lines[start:end], dropped
