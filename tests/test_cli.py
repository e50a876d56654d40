"""The ``kb-browser`` command's verbs, run as a user runs them (a subprocess)."""

from __future__ import annotations

import json
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
