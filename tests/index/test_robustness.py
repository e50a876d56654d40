"""Any string is a valid query: properties over Unicode, Whoosh syntax and very long input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index import KnowledgeIndex, SearchResult, format_hits, search_json

SYNTAX = "( ) * ? AND OR NOT ANDNOT content: field: ~ ~2 ^3 \" ' [ ] { } TO \\ / - + : < > = && || !".split()  # noqa: SIM905
WORDS = ["роуминг", "hjevbyu", "sim", "ЛС", "тарификация", "мнп", "смс", "не", "на", "0990", "P-to-P"]

_settings = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _check(ix: KnowledgeIndex, query: str) -> SearchResult:
    result = ix.search(query, limit=5)
    assert isinstance(result, SearchResult) and result.query == query
    assert isinstance(format_hits(result), str)
    assert isinstance(search_json(result)["hits"], list)
    return result


@_settings
@given(st.text(max_size=200))
def test_arbitrary_unicode_never_raises(bundled_index: KnowledgeIndex, query: str):
    _check(bundled_index, query)


@_settings
@given(st.lists(st.sampled_from(SYNTAX + WORDS), max_size=12).map(" ".join))
def test_whoosh_syntax_never_raises(bundled_index: KnowledgeIndex, query: str):
    _check(bundled_index, query)


@_settings
@given(st.lists(st.sampled_from(SYNTAX + WORDS), max_size=12).map("".join))
def test_glued_syntax_never_raises(bundled_index: KnowledgeIndex, query: str):
    _check(bundled_index, query)


@pytest.mark.parametrize(
    "query",
    ["", " ", "...", "!!!???", "(", "*", "роуминг AND", "content:роуминг", 'ро"уминг', "~", "😀🔥",
     "роуминг 😀", "\x00", "\u200b", "a" * 20_000, "роуминг " * 3_000,
     "".join(chr(c) for c in range(0x20, 0x3000, 7))],
)  # fmt: skip
def test_odd_queries_answer_or_say_nothing_found(bundled_index: KnowledgeIndex, query: str):
    result = _check(bundled_index, query)
    if not result.hits:
        assert "ничего не найдено" in format_hits(result)


def test_very_long_query_is_still_fast_and_relevant(bundled_index: KnowledgeIndex):
    result = _check(bundled_index, "роуминг " + "x" * 20_000)
    assert result.hits and result.hits[0].id == "ss/finance/3"


# ------------------------------------------------------------------ bit rot anywhere

INDEX_FILE_KINDS = (".trm", ".pst", "_stored.col", "_content_len.col", ".toc", "words.tsv")


@pytest.mark.parametrize("kind", INDEX_FILE_KINDS)
def test_bit_rot_anywhere_with_mtime_kept_never_answers_nothing_found(small_kb, tmp_path, kind: str):
    """16 bytes inverted at 16 places of each kind of index file (12 spread out, 4 at the end, where a
    table's index lives), size and mtime kept: the search for «роуминг» still answers the roaming
    rule first (a read error or an empty answer checks the files in full and repairs)."""
    import shutil

    from index.store import current_dir
    from tests.index.fault_helpers import ROAMING, flip_keeping_mtime

    index_dir = tmp_path / "ix"
    KnowledgeIndex.open(small_kb, index_dir).close()
    pristine = tmp_path / "pristine"
    shutil.copytree(index_dir, pristine)
    name = next(p.name for p in current_dir(index_dir).iterdir() if p.name.endswith(kind))
    size = (current_dir(index_dir) / name).stat().st_size
    spread = {size * i // 12 for i in range(12)}
    for pos in sorted(spread | {max(0, size - 16 * i) for i in range(1, 5)}):
        shutil.rmtree(index_dir)
        shutil.copytree(pristine, index_dir)
        flip_keeping_mtime(current_dir(index_dir) / name, pos)
        with KnowledgeIndex.open(small_kb, index_dir) as ix:
            result = ix.search("роуминг")
            assert result.hits and result.hits[0].id == ROAMING, (name, pos, ix.rebuilt_reason)
