"""Re-import onto a KB with customer phrasings: kept by rule id, never silently dropped."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kb.article_md import article_to_markdown, parse_article
from kb.importer import ImportPlan, import_text, plan_import, write_import
from kb.loader import load_kb
from kb.paths import bundled_source
from kb.report import format_import_report

NAMES = ["mnp.md", "ss.md", "sv.md"]
PHRASINGS = {
    "ss/finance/3": ("за границей списали кучу денег", "в турции сняли две тысячи"),
    "ss/finance/4": ("баланс не сходится",),
    "ss/finance/12": ("коллекторы звонят",),
    "sv/one-step/1": ("хочу поговорить со старшим",),
}


@pytest.fixture(scope="module")
def plan() -> ImportPlan:
    return plan_import(bundled_source())


def source_text() -> str:
    return bundled_source().read_text(encoding="utf-8")


def edited_plan(old: str, new: str) -> ImportPlan:
    text = source_text()
    assert old in text
    return import_text(text.replace(old, new), "procedure.txt")


def add_phrasings(folder: Path, phrasings: dict[str, tuple[str, ...]]) -> None:
    """Give rules phrasings, as a KB editor would, in the canonical format."""
    for name in NAMES:
        path = folder / name
        article = parse_article(path.read_text(encoding="utf-8"), path)
        sections = tuple(
            replace(s, rules=tuple(replace(r, phrasings=phrasings.get(r.id, r.phrasings)) for r in s.rules))
            for s in article.sections
        )
        path.write_text(article_to_markdown(replace(article, sections=sections)), encoding="utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def names(paths: list[Path]) -> list[str]:
    return sorted(p.name for p in paths)


def phrasings_on_disk(folder: Path) -> dict[str, tuple[str, ...]]:
    return {r.id: r.phrasings for r in load_kb(folder).rules if r.phrasings}


@pytest.fixture
def kb_dir(plan: ImportPlan, tmp_path: Path) -> Path:
    write_import(plan, tmp_path)
    add_phrasings(tmp_path, PHRASINGS)
    return tmp_path


def test_an_article_that_differs_only_by_phrasings_is_unchanged_and_untouched(
    plan: ImportPlan, kb_dir: Path
) -> None:
    before = snapshot(kb_dir)
    assert b"[!customer]" in before["ss.md"] and b"[!customer]" in before["sv.md"]
    report = write_import(plan, kb_dir)
    assert names(report.unchanged) == NAMES
    assert report.conflicts == report.overwritten == report.created == [] and report.ok
    assert report.lost_phrasings == {}
    assert snapshot(kb_dir) == before


def test_phrasings_in_a_tolerant_format_are_still_only_phrasings(plan: ImportPlan, tmp_path: Path) -> None:
    write_import(plan, tmp_path)
    path = tmp_path / "ss.md"
    text = path.read_text(encoding="utf-8")
    anchor = "4. Рассинхронизация баланса."
    path.write_text(
        text.replace(anchor, "\n> [!customer]\n> * где мои деньги\n\n\n" + anchor), encoding="utf-8"
    )
    before = snapshot(tmp_path)
    assert load_kb(tmp_path).find_rule("ss/finance/3")[2].phrasings == ("где мои деньги",)
    report = write_import(plan, tmp_path)
    assert names(report.unchanged) == NAMES and report.conflicts == []
    assert snapshot(tmp_path) == before


def test_the_same_page_under_another_name_with_phrasings_is_unchanged(kb_dir: Path) -> None:
    before = snapshot(kb_dir)
    report = write_import(import_text(source_text(), "procedure (2).txt"), kb_dir)
    assert names(report.unchanged) == NAMES and snapshot(kb_dir) == before


def test_a_changed_procedure_is_a_conflict_and_force_keeps_the_phrasings_by_rule_id(kb_dir: Path) -> None:
    new = edited_plan("4) Рассинхронизация баланса.", "4) Рассинхронизация баланса и счёта.")
    before = snapshot(kb_dir)
    report = write_import(new, kb_dir)
    assert report.conflicts == [kb_dir / "ss.md"] and report.lost_phrasings == {}
    assert names(report.unchanged) == ["mnp.md", "sv.md"]
    assert snapshot(kb_dir) == before
    forced = write_import(new, kb_dir, force=True)
    assert forced.overwritten == [kb_dir / "ss.md"] and forced.lost_phrasings == {}
    kb = load_kb(kb_dir)
    assert kb.find_rule("ss/finance/4")[2].text == "Рассинхронизация баланса и счёта."  # text from the import
    assert phrasings_on_disk(kb_dir) == PHRASINGS  # phrasings from the file
    assert (kb_dir / "ss.md").read_text(encoding="utf-8") == article_to_markdown(kb.article("ss"))


def test_a_rule_with_phrasings_gone_from_the_procedure_is_named_and_the_file_kept(kb_dir: Path) -> None:
    new = edited_plan(" 12) Обращения по вопросам ДЗ с тематикой Аутсорсинг, Дело в суде, Продажа ДЗ", "")
    before = snapshot(kb_dir)
    report = write_import(new, kb_dir)
    assert report.conflicts == [kb_dir / "ss.md"] and not report.ok
    assert report.lost_phrasings == {kb_dir / "ss.md": ("ss/finance/12",)}
    assert snapshot(kb_dir) == before
    text = format_import_report(report)
    assert "в новой процедуре нет пунктов с фразами клиента: ss/finance/12" in text
    assert f"НЕ перезаписано: файл изменён (используйте --force): {kb_dir / 'ss.md'}" in text


def test_forcing_past_lost_phrasings_drops_only_those_and_says_so(kb_dir: Path) -> None:
    new = edited_plan(" 12) Обращения по вопросам ДЗ с тематикой Аутсорсинг, Дело в суде, Продажа ДЗ", "")
    dry = write_import(new, kb_dir, dry_run=True, force=True)
    assert dry.overwritten == [kb_dir / "ss.md"] and dry.lost_phrasings == {
        kb_dir / "ss.md": ("ss/finance/12",)
    }
    assert "будут удалены фразы клиента пунктов, которых нет в новой процедуре: ss/finance/12" in (
        format_import_report(dry, dry_run=True)
    )
    report = write_import(new, kb_dir, force=True)
    assert report.overwritten == [kb_dir / "ss.md"]
    assert report.lost_phrasings == {kb_dir / "ss.md": ("ss/finance/12",)}
    assert "удалены фразы клиента пунктов, которых нет в новой процедуре: ss/finance/12" in (
        format_import_report(report)
    )
    assert phrasings_on_disk(kb_dir) == {k: v for k, v in PHRASINGS.items() if k != "ss/finance/12"}
    assert load_kb(kb_dir).find_rule("ss/finance/12") is None


def test_a_rule_without_phrasings_gone_is_a_plain_conflict(plan: ImportPlan, tmp_path: Path) -> None:
    write_import(plan, tmp_path)
    add_phrasings(tmp_path, {"ss/finance/3": ("за границей списали",)})
    new = edited_plan(" 12) Обращения по вопросам ДЗ с тематикой Аутсорсинг, Дело в суде, Продажа ДЗ", "")
    report = write_import(new, tmp_path)
    assert report.conflicts == [tmp_path / "ss.md"] and report.lost_phrasings == {}
    write_import(new, tmp_path, force=True)
    assert phrasings_on_disk(tmp_path) == {"ss/finance/3": ("за границей списали",)}


def test_a_first_import_writes_no_phrasings(plan: ImportPlan, tmp_path: Path) -> None:
    report = write_import(plan, tmp_path)
    assert names(report.created) == NAMES and report.lost_phrasings == {}
    assert all(b"[!customer]" not in data for data in snapshot(tmp_path).values())


def test_an_article_saved_as_upper_case_md_is_the_one_compared_and_written(kb_dir: Path) -> None:
    (kb_dir / "ss.md").rename(kb_dir / "SS.MD")
    before = snapshot(kb_dir)
    report = write_import(plan_import(bundled_source()), kb_dir)
    assert kb_dir / "SS.MD" in report.unchanged and snapshot(kb_dir) == before  # no twin ss.md
    new = edited_plan("4) Рассинхронизация баланса.", "4) Рассинхронизация баланса и счёта.")
    assert write_import(new, kb_dir).conflicts == [kb_dir / "SS.MD"]
    assert write_import(new, kb_dir, force=True).overwritten == [kb_dir / "SS.MD"]
    assert sorted(p.name for p in kb_dir.iterdir()) == ["SS.MD", "mnp.md", "sv.md"]
    assert phrasings_on_disk(kb_dir) == PHRASINGS


def test_phrasings_in_a_file_that_does_not_read_as_an_article_are_named(kb_dir: Path) -> None:
    path = kb_dir / "ss.md"
    broken = path.read_text(encoding="utf-8").replace("2. Подробные", "1. Подробные")  # duplicate number
    path.write_text(broken, encoding="utf-8")
    report = write_import(plan_import(bundled_source()), kb_dir)
    assert report.conflicts == [path] and report.unmerged_phrasings == [path]
    assert path.read_text(encoding="utf-8") == broken
    assert "фразы клиента не перенести: файл не читается как статья" in format_import_report(report)
    forced = write_import(plan_import(bundled_source()), kb_dir, force=True)
    assert forced.overwritten == [path] and forced.unmerged_phrasings == [path]
    assert "фразы клиента не перенесены" in format_import_report(forced)
