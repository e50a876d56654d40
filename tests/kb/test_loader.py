"""load_kb: every good article loads; each bad file is reported with its path and line."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from kb.loader import load_kb
from kb.model import LoadError
from kb.paths import bundled_kb_dir

GOOD = """---
id: {id}
title: Статья {id}
line: СС
---

# Статья {id}

## Раздел {{#main}}

1. Первое правило.
2. Второе правило.
"""


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    write(folder, "a.md", GOOD.format(id="a"))
    write(folder, "b.md", GOOD.format(id="b"))
    return folder


def only_error(folder: Path) -> LoadError:
    kb = load_kb(folder)
    assert [a.id for a in kb.articles] == ["a", "b"], "the good articles still load"
    assert len(kb.errors) == 1, kb.errors
    return kb.errors[0]


def test_good_folder_loads_without_errors(kb_dir: Path) -> None:
    kb = load_kb(kb_dir)
    assert kb.errors == ()
    assert [r.id for r in kb.rules] == ["a/main/1", "a/main/2", "b/main/1", "b/main/2"]
    assert [r.line_no for r in kb.rules[:2]] == [11, 12]


def test_broken_front_matter(kb_dir: Path) -> None:
    bad = write(kb_dir, "c.md", "---\nid: c\ntitle Статья без двоеточия\nline: СС\n---\n")
    error = only_error(kb_dir)
    assert (error.path, error.line) == (bad, 3)
    assert "key: value" in error.message
    assert str(error).startswith(f"{bad}:3: ")


def test_front_matter_not_closed_and_missing_keys(kb_dir: Path) -> None:
    write(kb_dir, "c.md", "---\nid: c\ntitle: x\n")
    write(kb_dir, "d.md", "---\nid: d\n---\n# d\n")
    write(kb_dir, "e.md", "# Нет front matter\n")
    kb = load_kb(kb_dir)
    assert [a.id for a in kb.articles] == ["a", "b"]
    messages = {e.path.name: (e.line, e.message) for e in kb.errors}
    assert messages["c.md"] == (1, "front matter is not closed with '---'")
    assert messages["d.md"] == (1, "front matter lacks title, line")
    assert messages["e.md"][0] == 1 and "missing front matter" in messages["e.md"][1]


def test_invalid_utf8_is_reported_with_its_line(kb_dir: Path) -> None:
    data = GOOD.format(id="c").encode("utf-8").replace("Второе".encode(), b"\xcf\xf0\xe0\xe2\xe8\xeb\xee")
    bad = write(kb_dir, "c.md", data)
    error = only_error(kb_dir)
    assert (error.path, error.line) == (bad, 12)
    assert "not valid UTF-8" in error.message


def test_duplicate_article_id(kb_dir: Path) -> None:
    dup = write(kb_dir, "c.md", GOOD.format(id="a"))
    error = only_error(kb_dir)
    assert error.path == dup and error.line
    assert "duplicate article id 'a'" in error.message and "a.md" in error.message


def test_duplicate_rule_id(kb_dir: Path) -> None:
    text = GOOD.format(id="c").replace("2. Второе правило.", "1. Снова первое.")
    bad = write(kb_dir, "c.md", text)
    error = only_error(kb_dir)
    assert (error.path, error.line) == (bad, 12)
    assert "duplicate rule number 1" in error.message


def test_duplicate_section_id(kb_dir: Path) -> None:
    text = GOOD.format(id="c") + "\n## Ещё раз {#main}\n\n3. Третье.\n"
    bad = write(kb_dir, "c.md", text)
    error = only_error(kb_dir)
    assert (error.path, error.line) == (bad, 14)
    assert "duplicate section id" in error.message


def test_rule_outside_a_section(kb_dir: Path) -> None:
    bad = write(kb_dir, "c.md", "---\nid: c\ntitle: C\nline: СВ\n---\n\n# C\n\n1. Правило без раздела.\n")
    error = only_error(kb_dir)
    assert (error.path, error.line) == (bad, 9)
    assert "outside a section" in error.message


def test_errors_are_logged_with_path_and_line(kb_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    bad = write(kb_dir, "c.md", "---\nid: c\n")
    with caplog.at_level(logging.WARNING, logger="kb.loader"):
        load_kb(kb_dir)
    assert f"{bad}:1: front matter is not closed" in caplog.text


def test_empty_folder(tmp_path: Path) -> None:
    kb = load_kb(tmp_path)
    assert kb.articles == () and kb.errors == () and kb.rules == []


def test_missing_folder(tmp_path: Path) -> None:
    kb = load_kb(tmp_path / "nowhere")
    assert kb.articles == ()
    (error,) = kb.errors
    assert error.path == tmp_path / "nowhere" and "does not exist" in error.message


def test_hidden_and_temp_files_are_skipped(kb_dir: Path) -> None:
    write(kb_dir, ".ss.md.abc.tmp", "garbage")
    write(kb_dir, ".draft.md", "garbage")
    (kb_dir / ".git").mkdir()
    write(kb_dir / ".git", "x.md", "garbage")
    kb = load_kb(kb_dir)
    assert kb.errors == () and [a.id for a in kb.articles] == ["a", "b"]


def test_bundled_kb_copy_with_one_broken_file(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(bundled_kb_dir(), folder)
    text = (folder / "sv.md").read_text(encoding="utf-8")
    (folder / "sv.md").write_text(text.replace("id: sv\n", "id: SV bad\n"), encoding="utf-8")
    kb = load_kb(folder)
    assert sorted(a.id for a in kb.articles if a.id in {"ss", "mnp"}) == ["mnp", "ss"]
    assert "sv" not in [a.id for a in kb.articles]
    assert [(e.path.name, e.line) for e in kb.errors] == [("sv.md", 2)]


def test_cache_reuses_unchanged_files_and_rereads_changed_ones(kb_dir: Path) -> None:
    from kb.loader import LoadCache

    cache = LoadCache()
    first = load_kb(kb_dir, cache)
    assert cache.parsed == 2
    again = load_kb(kb_dir, cache)
    assert cache.parsed == 0 and again.articles[0] is first.articles[0]
    write(kb_dir, "b.md", GOOD.format(id="b").replace("Второе правило", "Другое правило длиннее"))
    write(kb_dir, "c.md", GOOD.format(id="c"))
    third = load_kb(kb_dir, cache)
    assert cache.parsed == 2
    assert [a.id for a in third.articles] == ["a", "b", "c"]
    assert third.articles[0] is first.articles[0]
    assert "Другое" in third.articles[1].rules[1].text
    (kb_dir / "c.md").unlink()
    write(kb_dir, "a.md", b"\xff\xfe")
    fourth = load_kb(kb_dir, cache)
    assert [a.id for a in fourth.articles] == ["b"] and len(fourth.errors) == 1
    assert set(cache.files) == {kb_dir / "a.md", kb_dir / "b.md"}


def test_articles_follow_their_order_then_file_names(kb_dir: Path) -> None:
    with_order = GOOD.replace("line: СС\n", "line: СС\norder: {order}\n")
    write(kb_dir, "c.md", with_order.format(id="c", order=2))
    write(kb_dir, "d.md", with_order.format(id="d", order=1))
    kb = load_kb(kb_dir)
    assert kb.errors == ()
    assert [a.id for a in kb.articles] == ["d", "c", "a", "b"]  # ordered first, the rest by name
    assert [a.order for a in kb.articles] == [1, 2, None, None]


@pytest.mark.parametrize(
    "value", ["first", "0", "-1", "1.5", "²", "١", "1e9999", "9" * 5000, "1000001", "\x07", "0x10"]
)
def test_an_order_that_is_not_a_whole_number_is_reported_with_its_line(kb_dir: Path, value: str) -> None:
    write(kb_dir, "c.md", GOOD.format(id="c").replace("line: СС\n", f"line: СС\norder: {value}\n"))
    error = only_error(kb_dir)
    assert (error.path.name, error.line) == ("c.md", 5) and "order" in error.message


def test_order_superscript_two_is_that_files_error_and_the_rest_loads(kb_dir: Path) -> None:
    """``order: ²``: ``str.isdigit()`` is true but ``int()`` fails; it once failed the whole KB."""
    write(kb_dir, "c.md", GOOD.format(id="c").replace("line: СС\n", "line: СС\norder: ²\n"))
    error = only_error(kb_dir)
    assert (error.path, error.line) == (kb_dir / "c.md", 5)
    assert "²" in error.message


def test_line_numbers_count_only_real_line_ends(kb_dir: Path) -> None:
    """A value holding U+2028 or \\x85 (pasted from Word) does not shift the line reported below it."""
    text = GOOD.format(id="c").replace("line: СС\n", "line: СС\nbreadcrumb: а\u2028б\x85в\x0cг\norder: x\n")
    write(kb_dir, "c.md", text)
    error = only_error(kb_dir)
    assert (error.path.name, error.line) == ("c.md", 6)


def test_a_reader_bug_costs_one_file_not_the_whole_kb(
    kb_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import kb.loader as loader

    real = loader.parse_article

    def parse(text: str, path: Path | None = None):
        if path is not None and path.name == "c.md":
            raise TypeError("a bug")
        return real(text, path=path)

    monkeypatch.setattr(loader, "parse_article", parse)
    write(kb_dir, "c.md", GOOD.format(id="c"))
    with caplog.at_level(logging.ERROR, logger="kb.loader"):
        error = only_error(kb_dir)
    assert error.path.name == "c.md" and "TypeError" in error.message
    assert any(r.exc_info for r in caplog.records), "the traceback is logged for the developers"
