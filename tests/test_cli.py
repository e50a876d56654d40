"""The ``kb-browser`` command's verbs, run as a user runs them (a subprocess)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kb.paths import bundled_kb_dir, bundled_source

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "desktop_app.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def test_list_json_follows_the_contract_on_the_bundled_kb():
    data = json.loads(run("list", "--json").stdout)
    articles = {a["id"]: a for a in data["articles"]}
    assert set(articles) == {"ss", "sv", "mnp"}
    assert sum(len(a["rules"]) for a in articles.values()) == 67
    ss = articles["ss"]
    assert ss["line"] == "СС" and ss["path"].endswith("ss.md") and ss["title"]
    rule = next(r for r in ss["rules"] if r["id"] == "ss/finance/3")
    assert rule["number"] == 3 and rule["section"] == "Финансовые вопросы"
    assert rule["text"].startswith("Неверная тарификация")
    assert "роуминге" in rule["text"] and "*" not in rule["text"] and "[" not in rule["text"]


def test_list_human_output_names_articles_sections_and_rules():
    out = run("list").stdout
    assert "ss/finance/3" in out and "sv/one-step/8" in out and "Финансовые вопросы" in out


def test_show_prints_rule_with_article_section_line_and_phrase():
    out = run("show", "sv/one-step/8").stdout
    assert "Перевод на линию супервизора" in out
    assert "п.8" in out and "СВ · 1 шаг" in out
    assert "«Для решения Вашего вопроса, я соединю Вас со специалистом сервисного обслуживания" in out


def test_show_unknown_rule_fails_with_a_clear_message():
    proc = run("show", "ss/finance/99", check=False)
    assert proc.returncode == 1
    assert "правило не найдено: ss/finance/99" in proc.stderr


def test_list_reports_a_broken_file_and_still_lists_the_others(tmp_path: Path):
    kb = tmp_path / "kb"
    shutil.copytree(bundled_kb_dir(), kb)
    (kb / "broken.md").write_text("---\nid: broken\ntitle: x\n---\n", encoding="utf-8")
    proc = run("list", "--json", "--kb", str(kb))
    assert {a["id"] for a in json.loads(proc.stdout)["articles"]} == {"ss", "sv", "mnp"}
    assert f"{kb / 'broken.md'}:1: front matter lacks line" in proc.stderr


def test_import_writes_refuses_to_overwrite_and_forces(tmp_path: Path):
    kb = tmp_path / "kb"
    first = run("import", str(bundled_source()), "--kb", str(kb))
    assert sorted(p.name for p in kb.glob("*.md")) == ["mnp.md", "ss.md", "sv.md"]
    assert "создано" in first.stdout
    for name in ("ss.md", "sv.md", "mnp.md"):  # the bundled files less the phrasings editors added
        assert (kb / name).read_text(encoding="utf-8") == _imported_text(name)

    edited = (kb / "ss.md").read_text(encoding="utf-8") + "\nправка агента\n"
    (kb / "ss.md").write_text(edited, encoding="utf-8")
    again = run("import", str(bundled_source()), "--kb", str(kb), check=False)
    assert again.returncode == 1
    assert "ss.md" in again.stdout and "--force" in again.stdout
    assert (kb / "ss.md").read_text(encoding="utf-8") == edited

    dry = run("import", str(bundled_source()), "--kb", str(kb), "--dry-run", "--force")
    assert (kb / "ss.md").read_text(encoding="utf-8") == edited and "ничего не записано" in dry.stdout

    run("import", str(bundled_source()), "--kb", str(kb), "--force")
    assert (kb / "ss.md").read_text(encoding="utf-8") == _imported_text("ss.md")


def _imported_text(name: str) -> str:
    from kb.article_md import strip_phrasing_blocks

    return strip_phrasing_blocks((bundled_kb_dir() / name).read_text(encoding="utf-8"))


def test_import_of_a_missing_file_is_a_clear_error(tmp_path: Path):
    proc = run("import", str(tmp_path / "nope.txt"), "--kb", str(tmp_path / "kb"), check=False)
    assert proc.returncode == 2 and "nope.txt" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "query",
    ["", "   ", "-x", "--", "((", 'field:"', "роуминг AND OR NOT *", "~", "😀🙈", "я" * 20000],
)
def test_search_exits_zero_for_any_query(query: str, tmp_path: Path):
    proc = run("search", "--json", "--index", str(tmp_path / "ix"), "--", query)
    data = json.loads(proc.stdout)
    assert set(data) >= {"query", "corrected", "hits"}
    assert isinstance(data["hits"], list)


def test_search_json_puts_the_roaming_rule_first(tmp_path: Path):
    for query in ("роуминг", "hjevbyu", "роумниг", "тарификация в роуминге"):
        data = json.loads(run("search", "--json", "--limit", "3", query, "--index", str(tmp_path)).stdout)
        first = data["hits"][0]
        assert first["id"] == "ss/finance/3", (query, data["hits"])
        assert set(first) >= {"id", "article", "section", "line", "number", "text", "snippet", "score"}
        assert first["article"] == "ss" and first["number"] == 3 and len(data["hits"]) <= 3


def test_search_human_output_and_nothing_found(tmp_path: Path):
    out = run("search", "роуминг", "--index", str(tmp_path)).stdout
    assert "Финансовые вопросы" in out and "п.3" in out and "СС" in out
    assert "ничего не найдено" in run("search", "qqqqzzzzxxxx", "--index", str(tmp_path)).stdout.lower()


def test_index_verb_builds_and_rebuilds_with_progress(tmp_path: Path):
    proc = run("index", "--rebuild", "--index", str(tmp_path / "ix"))
    assert "Индекс готов: статей — 3, правил — 67" in proc.stdout
    assert "100%" in proc.stderr


# ------------------------------------------------------------------ Windows code pages, no console


def run_with_stdio(encoding: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """A verb with stdout and stderr redirected as on Windows: the ANSI code page, strictly."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUTF8", "PYTHONIOENCODING")}
    env["PYTHONIOENCODING"] = f"{encoding}:strict"
    return subprocess.run(
        [sys.executable, "-m", "desktop_app.cli", *args], cwd=ROOT, env=env, capture_output=True, timeout=120
    )


def _no_traceback(proc: subprocess.CompletedProcess[bytes]) -> str:
    err = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "UnicodeEncodeError" not in err, err
    return err


@pytest.mark.parametrize("encoding", ["cp1251", "cp1252"])
def test_json_is_utf8_whatever_the_code_page(encoding: str, tmp_path: Path):
    proc = run_with_stdio(encoding, "search", "--json", "--index", str(tmp_path), "😀 роуминг")
    _no_traceback(proc)
    data = json.loads(proc.stdout.decode("utf-8"))
    assert data["query"] == "😀 роуминг" and data["hits"][0]["id"] == "ss/finance/3"
    listing = run_with_stdio(encoding, "list", "--json")
    assert json.loads(listing.stdout.decode("utf-8"))["articles"][0]["title"].startswith("Перевод")


@pytest.mark.parametrize("encoding", ["cp1251", "cp1252"])
def test_human_output_never_fails_on_a_strict_code_page(encoding: str, tmp_path: Path):
    for verb in [("list",), ("index", "--rebuild", "--index", str(tmp_path)), ("--help",)]:
        proc = run_with_stdio(encoding, *verb)
        _no_traceback(proc)
        assert proc.returncode == 0, (verb, proc.stderr)
        assert proc.stdout.decode(encoding).strip(), verb  # every byte is of the code page
    search = run_with_stdio(encoding, "search", "--index", str(tmp_path), "роуминг 😀")
    _no_traceback(search)
    assert "[ss/finance/3]" in search.stdout.decode(encoding)
    if encoding == "cp1251":  # Russian stays Russian; only what the code page lacks is replaced
        assert "Финансовые вопросы" in search.stdout.decode(encoding)
    missing = run_with_stdio(encoding, "show", "нет/такого/1")
    assert missing.returncode == 1
    _no_traceback(missing)


def test_verbs_work_without_stdout_and_stderr(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """A windowed exe (pythonw, PyInstaller without a console) has sys.stdout = sys.stderr = None."""
    from desktop_app import cli

    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    assert cli.main(["list"]) == 0
    assert cli.main(["index", "--rebuild", "--index", str(tmp_path)]) == 0
    assert cli.main(["search", "--json", "--index", str(tmp_path), "роуминг"]) == 0
    assert cli.main(["show", "нет/такого/1"]) == 1


# ------------------------------------------------------------------ wording


def test_layout_fix_is_stated_as_the_window_states_it(tmp_path: Path):
    out = run("search", "--index", str(tmp_path), "hjevbyu").stdout
    assert out.splitlines()[0] == "Раскладка исправлена: «hjevbyu» → «роуминг»"
    assert "Возможно" not in out


def test_typo_fix_is_offered(tmp_path: Path):
    out = run("search", "--index", str(tmp_path), "роумниг").stdout
    assert out.splitlines()[0].startswith("Возможно, вы имели в виду: роуминг")
    assert "Раскладка" not in out


def test_help_speaks_russian():
    for args in (("--help",), ("search", "--help"), ("index", "-h")):
        out = run(*args).stdout
        assert out.startswith("Использование: kb-browser") and "показать эту справку и выйти" in out
        assert "параметры:" in out
        assert "show this help" not in out and "usage:" not in out
    bad = run("search", "--limit", "x", "роуминг", check=False)
    assert bad.returncode == 2 and "ошибка: аргумент --limit: не целое число: 'x'" in bad.stderr
    unknown = run("поиск", check=False)
    assert "недопустимое значение: 'поиск'" in unknown.stderr and "invalid choice" not in unknown.stderr


def test_suggest_verb_is_wired_and_reads_the_memory(tmp_path: Path):
    """`kb-browser suggest` prints, for KB editors, what agents chose that the text does not rank first."""
    from desktop_app.learning import QueryMemory

    memory = QueryMemory(tmp_path / "memory.json")
    for _ in range(2):
        assert memory.record("погода на завтра 8 916 123-45-67", "ss/finance/3", "open")
    assert memory.record_miss("котики")
    out = run("suggest", "--memory", str(tmp_path / "memory.json")).stdout
    assert "ss/finance/3" in out and "> [!customer]" in out and "погода на завтра" in out
    assert "котики" in out
    assert not any(ch.isdigit() for line in out.splitlines() if line.startswith("   > - ") for ch in line)


def test_verbs_use_the_kb_it_configured_for_the_seat(tmp_path: Path, monkeypatch):
    """KB_BROWSER_KB (or kb-browser.ini beside the program) is every verb's default KB, as the window's."""
    kb = tmp_path / "shared-kb"
    kb.mkdir()
    (kb / "a.md").write_text(
        "---\nid: a\ntitle: Общая база\nline: СС\n---\n\n## Раздел\n\n1. Правило общей базы.\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KB_BROWSER_KB", str(kb))
    out = run("list").stdout
    assert "Общая база" in out and "Перевод на линию старших специалистов" not in out
    assert "Перевод на линию старших специалистов" in run("list", "--kb", str(bundled_kb_dir())).stdout


def test_suggest_reads_the_kb_configured_for_the_seat(tmp_path: Path, monkeypatch):
    """Suggestions name the seat's KB file and its rules, as every other verb does."""
    from desktop_app.learning import QueryMemory

    kb = tmp_path / "shared-kb"
    kb.mkdir()
    (kb / "a.md").write_text(
        "---\nid: a\ntitle: Общая база\nline: СС\n---\n\n## Раздел {#part}\n\n"
        "1. Правило про шумоподавитель.\n2. Правило про антенну.\n",
        encoding="utf-8",
    )
    memory = QueryMemory(tmp_path / "memory.json")
    for _ in range(2):
        assert memory.record("шумоподавитель антенна", "a/part/2", "open")
    monkeypatch.setenv("KB_BROWSER_KB", str(kb))
    out = run("suggest", "--memory", str(tmp_path / "memory.json")).stdout
    assert "a.md" in out and "a/part/2" in out
