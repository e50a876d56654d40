"""Golden files: each tests/kb/golden/<case>/input.* imports to exactly expected/*.md.

Refresh after an intended change with ``KB_GOLDEN_UPDATE=1 pytest tests/kb/test_importer_golden.py``
and read the diff before committing.
"""

from __future__ import annotations

import difflib
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from kb.article_md import strip_phrasing_blocks
from kb.importer import ImportPlan, plan_import, write_import
from kb.importer.keep import existing_phrasings, keep_phrasings
from kb.loader import load_kb
from kb.model import Article, KnowledgeBase
from kb.paths import bundled_kb_dir, bundled_source

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir() and any(p.glob("input.*")))
BUNDLED_FILES = ("ss.md", "sv.md", "mnp.md")
UPDATE = os.environ.get("KB_GOLDEN_UPDATE") == "1"


def assert_same_text(actual: str, expected: str, name: str) -> None:
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"expected/{name}",
            tofile=f"imported/{name}",
        )
        pytest.fail(f"{name} differs from the golden file:\n{''.join(diff)}", pytrace=False)


def assert_files(plan: ImportPlan, expected_dir: Path) -> None:
    files = plan.files()
    assert sorted(files) == sorted(p.name for p in expected_dir.glob("*.md"))
    for name, text in files.items():
        assert_same_text(text, (expected_dir / name).read_text(encoding="utf-8"), name)


def test_golden_cases_exist() -> None:
    assert {"other_site", "extra_article", "section_order", "cp1251_crlf", "utf16_bom", "html"} <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: str) -> None:
    folder = GOLDEN / case
    plan = plan_import(next(folder.glob("input.*")))
    expected = folder / "expected"
    if UPDATE:
        expected.mkdir(exist_ok=True)
        for old in expected.glob("*.md"):
            old.unlink()
        for name, text in plan.files().items():
            (expected / name).write_text(text, encoding="utf-8", newline="\n")
    assert_files(plan, expected)


def test_reimport_reproduces_bundled_kb_byte_for_byte() -> None:
    """The procedure text of every bundled article is the import's, byte for byte; the customer
    phrasings KB editors add (whatever they are) are the only other content of the files."""
    plan = plan_import(bundled_source())
    assert sorted(plan.files()) == sorted(BUNDLED_FILES)
    for name, text in plan.files().items():
        on_disk = (bundled_kb_dir() / name).read_bytes()
        assert_same_text(text, strip_phrasing_blocks(on_disk.decode("utf-8")), name)
        assert text.encode("utf-8") == strip_phrasing_blocks(on_disk.decode("utf-8")).encode("utf-8")


def test_reimport_with_the_bundled_phrasings_reproduces_each_file_byte_for_byte() -> None:
    plan = plan_import(bundled_source())
    for article in plan.articles:
        on_disk = (bundled_kb_dir() / plan.file_name(article)).read_bytes()
        kept = keep_phrasings(article, existing_phrasings(on_disk) or {})
        assert kept.lost == ()
        assert_same_text(plan.markdown(kept.article), on_disk.decode("utf-8"), plan.file_name(article))


def test_import_onto_a_copy_of_the_bundled_kb_leaves_every_file_unchanged(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(bundled_kb_dir(), folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    report = write_import(plan_import(bundled_source()), folder)
    assert sorted(p.name for p in report.unchanged) == sorted(BUNDLED_FILES)
    assert report.created == report.conflicts == report.overwritten == [] and report.lost_phrasings == {}
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def _rule_numbers(plan_or_kb: ImportPlan | KnowledgeBase) -> dict[str, list[int]]:
    return {
        f"{article.id}/{section.id}": [rule.number for rule in section.rules]
        for article in plan_or_kb.articles
        for section in article.sections
    }


EXPECTED_NUMBERS = {
    "ss/finance": list(range(1, 15)),
    "ss/technical": [*range(1, 14), *range(15, 23)],
    "ss/claims": [1],
    "sv/one-step": [1, 2, 3, 4, 5, 6, 8, 9, 10, 11],
    "sv/two-step": list(range(1, 16)),
    "mnp/questions": list(range(1, 7)),
}


def test_bundled_import_warns_only_about_the_missing_numbers() -> None:
    assert plan_import(bundled_source()).warnings == [
        "ss/technical: нет пункта 14 (нумерация сохранена как в источнике)",
        "sv/one-step: нет пункта 7 (нумерация сохранена как в источнике)",
    ]


def test_bundled_kb_has_the_procedure_rules() -> None:
    kb = load_kb(bundled_kb_dir())
    assert kb.errors == ()
    assert [(a.id, a.line) for a in kb.articles] == [("ss", "СС"), ("sv", "СВ"), ("mnp", "MNP")]  # page order
    assert _rule_numbers(kb) == EXPECTED_NUMBERS
    assert len(kb.rules) == 67
    assert all(a.date == "2017-11-22" and a.source == "procedure.txt" for a in kb.articles)


def test_bundled_kb_blocks_and_table() -> None:
    kb = load_kb(bundled_kb_dir())
    ss, sv, mnp = kb.article("ss"), kb.article("sv"), kb.article("mnp")
    assert [b.kind for b in ss.blocks] == ["phrase", "greeting"]
    assert ss.greeting().text.startswith("Здравствуйте/Добрый день/утро/вечер")
    assert sv.blocks == ()
    one, two = sv.section("one-step"), sv.section("two-step")
    assert [b.label for b in one.blocks] == ["Для перевода на линию Супервизоров в 1 шаг используйте фразу"]
    assert [b.label for b in two.blocks] == ["Для перевода на линию Супервизоров в 2 шага используйте фразу"]
    assert sv.phrase_for(sv.rule("sv/two-step/3")).text.startswith("Для уточнения информации")
    assert [b.kind for b in mnp.blocks] == ["phrase"]
    (table,) = mnp.tables
    assert table.title == "On-line очереди для перевода"
    assert table.rows == (
        ("Новосибирск, Барнаул", "700262", "MNP_hot_line_ASIA"),
        ("Самара, Ульяновск", "700125", "MNP_hot_line_EUROPA"),
    )


@pytest.mark.parametrize(
    "needle", ["КиберПедия", "cyberpedia", "©", "Поделиться", "Заказать", "Папиллярные", "оценок", "0.014"]
)
def test_bundled_kb_has_no_site_clutter(needle: str) -> None:
    for name in BUNDLED_FILES:
        assert needle not in (bundled_kb_dir() / name).read_text(encoding="utf-8"), name


def test_bundled_rules_are_complete() -> None:
    kb = load_kb(bundled_kb_dir())
    technical_13 = kb.find_rule("ss/technical/13")[2]
    assert technical_13.markdown.count("\n- http") == 5
    assert technical_13.text.endswith("(интерфейс по Лёгкому платежу);")
    one_step_6 = kb.find_rule("sv/one-step/6")[2].text
    assert "В случае поступления на линию ООКМС вызова от нового клиента" in one_step_6
    assert one_step_6.endswith("(например, SOHO).")
    assert kb.find_rule("ss/finance/3")[2].markdown.count("\n- ") == 2
    assert "[см. п.7](#ss/finance/7)" in kb.find_rule("ss/finance/6")[2].markdown
    assert "процедуреПретензии" in kb.find_rule("ss/technical/1")[2].text  # typos kept as written
    assert "производиться" in kb.find_rule("ss/technical/8")[2].text
    assert kb.find_rule("mnp/questions/6")[2].text.endswith("но в siebel не создан СЗ")
    assert kb.find_rule("sv/two-step/15")[2].text == "Изменение категории надежности в АСР"


def _without_source(plan: ImportPlan) -> list[Article]:
    return [replace(a, source="") for a in plan.articles]


@pytest.mark.parametrize("case", ["cp1251_crlf", "utf16_bom", "utf8_bom", "html", "other_site"])
def test_variant_imports_to_the_same_articles(case: str) -> None:
    reference = _without_source(plan_import(bundled_source()))
    assert _without_source(plan_import(next((GOLDEN / case).glob("input.*")))) == reference


def test_section_order_variant_keeps_ids_and_phrases() -> None:
    plan = plan_import(GOLDEN / "section_order" / "input.txt")
    ss, sv, _ = plan.articles
    assert [s.id for s in ss.sections] == ["claims", "technical", "finance"]
    assert [s.id for s in sv.sections] == ["two-step", "one-step"]
    assert "в 2 шага" in sv.section("two-step").blocks[0].label
    assert "в 1 шаг" in sv.section("one-step").blocks[0].label
    assert _rule_numbers(plan) == EXPECTED_NUMBERS


def test_extra_article_variant() -> None:
    plan = plan_import(GOLDEN / "extra_article" / "input.txt")
    lines = [(a.id, a.line) for a in plan.articles]
    assert lines == [("ss", "СС"), ("sv", "СВ"), ("mnp", "MNP"), ("tp", "ТП")]
    tp = plan.articles[-1]
    assert [r.number for r in tp.rules] == [1, 2, 3]
    assert tp.rules[2].text == "Замена sim-карты в модеме (3х и более) по п.7) регламента."
    assert tp.rules[1].markdown.splitlines()[1:] == ["- проверить настройки", "- проверить баланс"]
    assert "(#tp/voprosy-oborudovaniyu/2)" in tp.rules[0].markdown


def test_html_page_in_cp1251_with_crlf(tmp_path: Path) -> None:
    html = (GOLDEN / "html" / "input.html").read_text(encoding="utf-8")
    html = html.replace('<meta charset="utf-8">', '<meta charset="windows-1251">').replace("\n", "\r\n")
    source = tmp_path / "page.html"
    source.write_bytes(html.encode("cp1251"))
    assert _without_source(plan_import(source)) == _without_source(plan_import(bundled_source()))
