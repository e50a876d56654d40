"""The importer on arbitrary input: a plan or ProcedureImportError, never another exception,
and every planned article reads back from its own Markdown."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.article_md import parse_article
from kb.importer import ProcedureImportError, import_text
from kb.importer.decode import decode
from kb.paths import bundled_source

SOURCE_LINES = bundled_source().read_text(encoding="utf-8").split("\n")
PIECES = [
    "1) ",
    "2). ",
    " - ",
    ": -",
    "см. п.3",
    "п.7)",
    '"',
    "«",
    "»",
    ":",
    "*",
    "_",
    "[",
    "]",
    "\\",
    "|",
    "#",
    "> ",
    "<p>",
    "</p>",
    "<br>",
    "<script>",
    "8.3 ",
    "СУЗ: А > Б",
    "используйте фразу: ",
    "Приветствие: ",
    "Для ЦКС Самара - 700125 MNP_EU",
    "\n",
    "\n\n",
    "\u00a0",
    "\r\n",
    "...",
    "©",
]
NOISE = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=40).map("".join)
PAGE = st.lists(st.one_of(st.sampled_from(SOURCE_LINES), NOISE), min_size=1, max_size=30).map("\n".join)


@st.composite
def mutated_source(draw: st.DrawFn) -> str:
    """The real page with lines dropped, noise lines inserted and noise glued into lines."""
    lines = list(SOURCE_LINES)
    for _ in range(draw(st.integers(0, 8))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "insert", "append", "prepend"]))
        noise = draw(NOISE)
        if action == "drop":
            del lines[i]
        elif action == "insert":
            lines.insert(i, noise)
        elif action == "append":
            lines[i] += noise
        else:
            lines[i] = noise + lines[i]
    return "\n".join(lines)


def check(text: str) -> None:
    try:
        plan = import_text(text, "fuzz.txt")
    except ProcedureImportError:
        return
    assert not [w for w in plan.warnings if "ошибка импортёра" in w], plan.warnings
    for article in plan.articles:
        parsed = parse_article(plan.markdown(article))
        assert [r.id for r in parsed.rules] == [r.id for r in article.rules]
        assert parsed.blocks == article.blocks


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PAGE)
def test_any_page_imports_or_fails_with_the_named_error(text: str) -> None:
    check(text)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_source())
def test_damaged_real_page_imports_or_fails_with_the_named_error(text: str) -> None:
    check(text)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_decode_and_import_safely(data: bytes) -> None:
    check(decode(data).text)
