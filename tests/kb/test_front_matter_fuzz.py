"""Front matter on arbitrary values: a file that does not parse is reported with its path and the
line at fault, every other article still loads, and no reader error escapes as another exception."""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.article_md import ArticleError, article_to_markdown, parse_article
from kb.loader import load_kb

GOOD = """---
id: good
title: Хорошая статья
line: СС
---

# Хорошая статья

## Раздел {#main}

1. Правило.
"""
BODY = "\n# Статья\n\n## Раздел {#main}\n\n1. Правило.\n"

TRICKY = [
    "²",
    "١٢",
    "1e9999",
    "9" * 5000,
    "99999999999999999999",
    "-1",
    "0",
    "1.5",
    "0x10",
    "1_000",
    " 7 ",
    "'",
    "''",
    "'a''b'",
    "---",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x85",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ud800",
    "\r",
    "nan",
    "inf",
    "СС",
    "ss/x",
    "a" * 300,
]
VALUE = st.one_of(st.sampled_from(TRICKY), st.text(max_size=20)).filter(lambda v: "\n" not in v)
ONE_LINE_VALUE = VALUE.filter(lambda v: "\r" not in v)  # CR ends a line for an editor too
OTHER_KEYS = ["breadcrumb", "source", "date", "note"]
KEY = st.one_of(
    st.sampled_from(["id", "title", "line", "breadcrumb", "source", "date", "order", "type"]),
    st.text(min_size=1, max_size=8),
)
FRONT = st.lists(st.tuples(KEY, VALUE), max_size=10)


def file_text(pairs: list[tuple[str, str]]) -> str:
    return "---\n" + "".join(f"{k}: {v}\n" for k, v in pairs) + "---\n" + BODY


def editor_lines(text: str) -> int:
    """Lines as an editor numbers them: only CR, LF and CRLF end a line."""
    return text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1


def check_parse(text: str) -> None:
    try:
        parse_article(text)
    except ArticleError as exc:
        assert exc.line is None or 1 <= exc.line <= editor_lines(text), (exc.line, exc.message)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FRONT)
def test_any_front_matter_parses_or_raises_the_named_error_at_a_real_line(pairs) -> None:
    check_parse(file_text(pairs))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(["breadcrumb", "source", "date", "note"]), ONE_LINE_VALUE), max_size=6)
)
def test_a_bad_order_is_reported_at_its_own_line_whatever_the_other_values_hold(pairs) -> None:
    """The other values may hold characters Python counts as line breaks (\\x85, \\u2028, \\x0c):
    the reported line is still the one an editor shows for ``order:``."""
    text = file_text([("id", "a"), ("title", "T"), ("line", "СС"), *pairs, ("order", "²")])
    with pytest.raises(ArticleError) as caught:
        parse_article(text)
    assert caught.value.line == 5 + len(pairs)
    assert "order" in caught.value.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FRONT)
def test_a_folder_with_one_fuzzed_file_still_loads_the_good_article(pairs) -> None:
    text = file_text(pairs)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "good.md").write_text(GOOD, encoding="utf-8")
        (folder / "fuzz.md").write_bytes(text.encode("utf-8", "surrogatepass"))
        handler = _Recorder()
        logging.getLogger("kb.loader").addHandler(handler)
        try:
            kb = load_kb(folder)
        finally:
            logging.getLogger("kb.loader").removeHandler(handler)
    assert not handler.unexpected, handler.unexpected  # a reader bug, only hidden by the safety net
    assert "good" in [a.id for a in kb.articles] or any(e.path.name == "good.md" for e in kb.errors)
    assert not [e for e in kb.errors if e.path.name == "good.md" and "duplicate" not in e.message]
    for error in kb.errors:
        assert error.path.name in {"fuzz.md", "good.md"}
        assert error.line is None or 1 <= error.line <= editor_lines(text), error


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.unexpected: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.unexpected.append(record.getMessage())


SAFE_VALUE = st.one_of(st.sampled_from(TRICKY), st.text(max_size=20)).map(
    lambda v: " ".join(v.replace("\r", " ").replace("\n", " ").split())  # as the importer gives them
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=SAFE_VALUE.filter(bool), breadcrumb=SAFE_VALUE, source=SAFE_VALUE, date=SAFE_VALUE)
def test_written_front_matter_reads_back_the_same_values(title, breadcrumb, source, date) -> None:
    article = parse_article(GOOD)
    article = dataclasses.replace(article, title=title, breadcrumb=breadcrumb, source=source, date=date)
    back = parse_article(article_to_markdown(article))
    assert (back.title, back.breadcrumb, back.source, back.date) == (title, breadcrumb, source, date)
