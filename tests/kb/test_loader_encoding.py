"""KB files from Windows shares: .md in any case, UTF-8/UTF-16 with BOM, cp1251 read with a notice."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from kb.encoding import CP1251_NOTICE, decode_kb_bytes, plausibly_cp1251
from kb.loader import LoadCache, article_files, load_kb

ARTICLE = """---
id: {id}
title: Статья {id}
line: СС
---

# Статья {id}

## Финансовые вопросы {{#finance}}

1. Неверная тарификация в роуминге: «МТС» списала деньги.
2. Рассинхронизация баланса — ёлка, №5.
"""


def article(aid: str = "ss") -> str:
    return ARTICLE.format(id=aid)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "a.md").write_text(article("a"), encoding="utf-8")
    return kb


@pytest.mark.parametrize("name", ["SS.MD", "ss.Md", "Ss.mD"])
def test_md_extension_in_any_case_loads(folder: Path, name: str) -> None:
    (folder / name).write_text(article(), encoding="utf-8")
    kb = load_kb(folder)
    assert kb.errors == () and [a.id for a in kb.articles] == ["a", "ss"]
    assert kb.article("ss").path == folder / name
    assert folder / name in article_files(folder)


def test_other_extensions_are_still_skipped(folder: Path) -> None:
    (folder / "notes.txt").write_text(article("n"), encoding="utf-8")
    (folder / "ss.mdx").write_text(article("x"), encoding="utf-8")
    assert [a.id for a in load_kb(folder).articles] == ["a"]


def test_upper_case_file_is_cached_like_any_other(folder: Path) -> None:
    (folder / "SS.MD").write_text(article(), encoding="utf-8")
    cache = LoadCache()
    load_kb(folder, cache)
    assert set(cache.files) == {folder / "a.md", folder / "SS.MD"}
    load_kb(folder, cache)
    assert cache.parsed == 0


def test_cp1251_file_loads_with_a_notice_naming_it(folder: Path) -> None:
    path = folder / "ss.md"
    path.write_bytes(article().replace("\n", "\r\n").encode("cp1251"))
    kb = load_kb(folder)
    assert kb.errors == ()
    assert kb.article("ss").rules[0].text == "Неверная тарификация в роуминге: «МТС» списала деньги."
    assert kb.article("ss").rules[1].text == "Рассинхронизация баланса — ёлка, №5."
    (notice,) = kb.notices
    assert notice.path == path and notice.message == CP1251_NOTICE
    assert str(notice) == f"{path}: файл не в UTF-8, прочитан как cp1251 (Windows); сохраните его в UTF-8"


def test_cp1251_notice_is_given_again_on_every_load_with_a_cache(folder: Path) -> None:
    (folder / "ss.md").write_bytes(article().encode("cp1251"))
    cache = LoadCache()
    first = load_kb(folder, cache)
    second = load_kb(folder, cache)
    assert len(first.notices) == len(second.notices) == 1
    assert [a.id for a in second.articles] == ["a", "ss"]
    assert cache.parsed == 1  # the cp1251 file is read again; a.md comes from the cache


def test_a_utf8_kb_has_no_notices(folder: Path) -> None:
    assert load_kb(folder).notices == ()


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
    ids=["utf-8-bom", "utf-16-le-bom", "utf-16-be-bom"],
)
def test_files_with_a_bom_read_fine_without_notice(folder: Path, bom: bytes, encoding: str) -> None:
    (folder / "ss.md").write_bytes(bom + article().replace("\n", "\r\n").encode(encoding))
    kb = load_kb(folder)
    assert kb.errors == () and kb.notices == ()
    assert kb.article("ss").rules[1].text == "Рассинхронизация баланса — ёлка, №5."
    assert kb.article("ss").title == "Статья ss"


def test_utf8_with_one_cp1251_word_is_an_error_with_its_line(folder: Path) -> None:
    data = article().encode("utf-8").replace("Рассинхронизация".encode(), "Рассинхронизация".encode("cp1251"))
    bad = folder / "ss.md"
    bad.write_bytes(data)
    kb = load_kb(folder)
    assert [a.id for a in kb.articles] == ["a"] and kb.notices == ()
    (error,) = kb.errors
    assert (error.path, error.line) == (bad, 12)
    assert "not valid UTF-8 nor Windows cp1251" in error.message and "0xd0" in error.message


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,  # binary
        article().encode(
            "koi8-r", errors="replace"
        ),  # another Cyrillic code page: reads as upper-case nonsense in cp1251
        article().encode("utf-16-le"),  # UTF-16 without a BOM
    ],
    ids=["binary", "koi8-r", "utf-16-no-bom"],
)
def test_text_that_is_neither_utf8_nor_cp1251_is_a_named_error(folder: Path, data: bytes) -> None:
    bad = folder / "ss.md"
    bad.write_bytes(data)
    kb = load_kb(folder)
    assert [a.id for a in kb.articles] == ["a"] and kb.notices == ()
    (error,) = kb.errors
    assert error.path == bad and error.line is not None and error.line >= 1
    assert "not valid UTF-8" in error.message


def test_utf16_with_a_broken_surrogate_is_an_error_with_its_line() -> None:
    data = (
        codecs.BOM_UTF16_LE + "строка\nвторая\n".encode("utf-16-le") + b"\x00\xd8" + "x".encode("utf-16-le")
    )
    with pytest.raises(ValueError, match="not valid UTF-16") as info:
        decode_kb_bytes(data)
    assert info.value.line == 3


def test_plausibly_cp1251() -> None:
    assert plausibly_cp1251("Клиент говорит: «за границей списали деньги»".encode("cp1251"))
    assert not plausibly_cp1251("клиент".encode() + "слово".encode("cp1251"))
    assert not plausibly_cp1251("КЛИЕНТ говорит".encode("koi8-r"))
    assert not plausibly_cp1251(b"\x00\x01\xff")


def test_utf8_with_a_bom_and_a_bad_byte_names_the_byte_and_its_line() -> None:
    with pytest.raises(ValueError, match=r"not valid UTF-8 \(byte 0xff\)") as info:
        decode_kb_bytes(codecs.BOM_UTF8 + "а\nб\n".encode() + b"\xff")
    assert info.value.line == 3
