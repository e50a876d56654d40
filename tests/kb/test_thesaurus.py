"""The thesaurus file: customer wording ↔ procedure wording, parsed, merged, optional."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb.article_md import ArticleError
from kb.loader import LoadCache, load_kb
from kb.model import Thesaurus, ThesaurusEntry
from kb.thesaurus import is_thesaurus, parse_thesaurus

FIXTURE = Path(__file__).parent / "fixtures" / "thesaurus.md"
HEAD = "---\ntype: thesaurus\n---\n\n| Как говорит клиент | Как в процедуре |\n| --- | --- |\n"
ARTICLE = "---\nid: a\ntitle: A\nline: СС\n---\n\n# A\n\n## Раздел {#main}\n\n1. Правило.\n"


def test_fixture_parses_into_entries_in_order() -> None:
    thesaurus = parse_thesaurus(FIXTURE.read_text(encoding="utf-8"), FIXTURE)
    assert thesaurus.entries == (
        ThesaurusEntry(("симка", "симку поменять"), ("сим-карта", "замена sim-карты")),
        ThesaurusEntry(("за границей", "в турции"), ("роуминг",)),
        ThesaurusEntry(("деньги сняли", "списали деньги", "списали"), ("списание", "начисления")),
        ThesaurusEntry(("не ловит",), ("отсутствие сигнала",)),
    )


def test_is_thesaurus_only_for_its_type() -> None:
    assert is_thesaurus(FIXTURE.read_text(encoding="utf-8"))
    assert not is_thesaurus("---\ntype: glossary\n---\n")
    assert not is_thesaurus(ARTICLE)
    assert not is_thesaurus("no front matter")


def test_empty_terms_and_repeats_are_dropped() -> None:
    (entry,) = parse_thesaurus(HEAD + "| симка, , симка | сим-карта, |\n").entries
    assert entry == ThesaurusEntry(("симка",), ("сим-карта",))


def test_a_table_without_rows_is_an_empty_thesaurus() -> None:
    assert parse_thesaurus(HEAD) == Thesaurus()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("| симка |\n", "needs 2 columns"),
        ("| симка | сим-карта | лишнее |\n", "needs 2 columns"),
        ("|  | сим-карта |\n", "empty customer column"),
        ("| симка | , |\n", "empty procedure column"),
    ],
)
def test_a_malformed_row_names_its_line(row: str, message: str) -> None:
    with pytest.raises(ArticleError, match=message) as info:
        parse_thesaurus(HEAD + "| ок | норм |\n" + row)
    assert info.value.line == 8


def _kb_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "a.md").write_text(ARTICLE, encoding="utf-8")
    return folder


def test_loader_reads_the_thesaurus_into_the_kb(tmp_path: Path) -> None:
    folder = _kb_folder(tmp_path)
    shutil.copy(FIXTURE, folder / "thesaurus.md")
    kb = load_kb(folder)
    assert kb.errors == () and [a.id for a in kb.articles] == ["a"]
    assert kb.thesaurus == parse_thesaurus(FIXTURE.read_text(encoding="utf-8"))


def test_several_thesaurus_files_merge_in_file_order(tmp_path: Path) -> None:
    folder = _kb_folder(tmp_path)
    shutil.copy(FIXTURE, folder / "thesaurus.md")
    (folder / "more").mkdir()
    (folder / "more" / "extra.md").write_text(HEAD + "| мобилка | мобильный телефон |\n", encoding="utf-8")
    kb = load_kb(folder)
    assert [e.colloquial for e in kb.thesaurus.entries] == [
        ("мобилка",),
        ("симка", "симку поменять"),
        ("за границей", "в турции"),
        ("деньги сняли", "списали деньги", "списали"),
        ("не ловит",),
    ]  # more/extra.md sorts before thesaurus.md


def test_a_kb_without_thesaurus_works_as_before(tmp_path: Path) -> None:
    kb = load_kb(_kb_folder(tmp_path))
    assert kb.thesaurus == Thesaurus() and kb.errors == () and len(kb.rules) == 1


def test_a_broken_thesaurus_is_reported_with_path_and_line_and_articles_still_load(tmp_path: Path) -> None:
    folder = _kb_folder(tmp_path)
    bad = folder / "thesaurus.md"
    bad.write_text(HEAD + "| ок | норм |\n| только одна колонка |\n", encoding="utf-8")
    kb = load_kb(folder)
    assert [a.id for a in kb.articles] == ["a"] and kb.thesaurus == Thesaurus()
    (error,) = kb.errors
    assert str(error).startswith(f"{bad}:8: thesaurus row needs 2 columns")


def test_the_thesaurus_comes_from_the_cache_when_unchanged(tmp_path: Path) -> None:
    folder = _kb_folder(tmp_path)
    shutil.copy(FIXTURE, folder / "thesaurus.md")
    cache = LoadCache()
    first = load_kb(folder, cache)
    again = load_kb(folder, cache)
    assert cache.parsed == 0 and again.thesaurus == first.thesaurus and len(again.thesaurus.entries) == 4
