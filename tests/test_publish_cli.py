"""``kb-browser publish KB_DIR``: a broken KB writes nothing and names each file:line; an unchanged
KB writes nothing new; a change is the next version with the previous one kept."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from desktop_app import cli
from kb.manifest import MANIFEST_NAME, PUBLISH_DIR, read_manifest, read_version
from kb.paths import bundled_kb_dir

ROOT = Path(__file__).resolve().parents[1]
ROAMING = "ss/finance/3"


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    dst = tmp_path / "kb"
    shutil.copytree(bundled_kb_dir(), dst)
    return dst


def publish(kb_dir: Path, capsys) -> tuple[int, str, str]:
    rc = cli.main(["publish", str(kb_dir)])
    out, err = capsys.readouterr()
    return rc, out, err


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.rglob("*")
    }


# ------------------------------------------------------------------ validation


def test_broken_kb_publishes_nothing_and_names_every_file_and_line(kb_dir: Path, capsys):
    (kb_dir / "bad.md").write_text("---\nid: bad\ntitle: Плохая\n---\n\n# Плохая\n", encoding="utf-8")
    dup = (kb_dir / "mnp.md").read_text(encoding="utf-8")
    (kb_dir / "z-mnp.md").write_text(dup, encoding="utf-8")  # the same article id again
    _edit(kb_dir / "ss.md", "[см. п.7](#ss/finance/7)", "[см. п.77](#ss/finance/77)")
    with (kb_dir / "sv.md").open("a", encoding="utf-8") as f:
        f.write("\n## Ссылки {#links}\n\n1. Памятка: [файл](missing.md), [сайт](http://10.0.0.1/x).\n")
    with (kb_dir / "glossary.md").open("a", encoding="utf-8") as f:
        f.write("| ОДНА |\n")
    with (kb_dir / "thesaurus.md").open("a", encoding="utf-8") as f:
        f.write("| симка | |\n")

    rc, out, err = publish(kb_dir, capsys)

    assert rc == 1 and not out
    assert not (kb_dir / PUBLISH_DIR).exists()
    expected = [
        "bad.md:1: front matter lacks line",
        "z-mnp.md:2: duplicate article id 'mnp' (also in mnp.md)",
        f"ss.md:{_line_of(kb_dir / 'ss.md', '#ss/finance/77')}: "
        "ссылка на несуществующее правило или раздел #ss/finance/77",
        f"sv.md:{_line_of(kb_dir / 'sv.md', 'missing.md')}: ссылка на несуществующий файл missing.md",
        f"glossary.md:{_line_of(kb_dir / 'glossary.md', 'ОДНА')}: glossary row needs",
        f"thesaurus.md:{_line_of(kb_dir / 'thesaurus.md', '| симка | |')}: thesaurus row has an empty",
    ]
    errors = [line.removeprefix("ошибка: ") for line in err.splitlines() if line.startswith("ошибка: ")]
    for want in expected:
        assert any(e.startswith(want) for e in errors), (want, err)
    assert len(errors) == len(expected)  # the web link is text, not a cross-reference
    assert f"Ошибок: {len(expected)}. Ничего не опубликовано." in err


def test_duplicate_rule_id_is_an_error_with_its_line(kb_dir: Path, capsys):
    # rule ids are article/section/number: a number given twice in a section is the duplicate id
    # (a second article with the same id is caught above, so its rule ids never clash)
    _edit(kb_dir / "ss.md", "\n2. Подробные", "\n1. Подробные")
    rc, _, err = publish(kb_dir, capsys)
    line = _line_of(kb_dir / "ss.md", "1. Подробные")
    assert rc == 1 and f"ошибка: ss.md:{line}: duplicate rule number 1 in 'finance'" in err
    assert not (kb_dir / PUBLISH_DIR).exists()


def test_links_to_rules_sections_articles_and_files_that_exist_pass(kb_dir: Path, capsys):
    (kb_dir / "docs").mkdir()
    (kb_dir / "docs" / "памятка.md").write_text("---\nid: memo\ntitle: П\nline: СС\n---\n", encoding="utf-8")
    with (kb_dir / "sv.md").open("a", encoding="utf-8") as f:
        f.write(
            "\n## Ссылки {#links}\n\n1. См. [правило](#ss/finance/3), [раздел](#ss/finance), "
            "[статью](#mnp), [файл](docs/памятка.md), [правило в файле](ss.md#ss/finance/7), "
            "`[не ссылка](#nowhere)`, [почта](mailto:a@b.c).\n"
        )
    rc, out, err = publish(kb_dir, capsys)
    assert rc == 0, err
    assert "Опубликована версия 1" in out


def test_empty_folder_is_not_published(tmp_path: Path, capsys):
    rc, _, err = publish(tmp_path, capsys)
    assert rc == 1 and "нет ни одной статьи" in err and not (tmp_path / PUBLISH_DIR).exists()


def test_missing_folder_is_an_error_not_a_traceback(tmp_path: Path, capsys):
    rc, _, err = publish(tmp_path / "nowhere", capsys)
    assert rc == 1 and "does not exist" in err and "Traceback" not in err
    assert not (tmp_path / "nowhere").exists()


# ------------------------------------------------------------------ publishing


def test_publish_writes_manifest_and_index_in_the_kb_dot_folder(kb_dir: Path, capsys):
    rc, out, _ = publish(kb_dir, capsys)
    assert rc == 0 and "Опубликована версия 1" in out and "правил — 67" in out
    folder = kb_dir / PUBLISH_DIR
    manifest = read_manifest(kb_dir)
    assert manifest.version == 1 and len(manifest.rules) == 67
    assert manifest.rules[ROAMING].changed == date.today().isoformat()
    assert read_version(kb_dir, 1) == manifest
    pointer = (folder / "index" / "current").read_text(encoding="utf-8").strip()
    gen = folder / "index" / pointer
    meta = json.loads((gen / "kbindex.json").read_text(encoding="utf-8"))
    assert set(meta["articles"]["hashes"]) == {"ss", "sv", "mnp"} and "words.tsv" in meta["files"]
    assert not list(folder.rglob("kbcache*"))
    assert not [p for p in folder.rglob(".*")]  # no temporary file left


def test_publishing_twice_without_change_writes_nothing(kb_dir: Path, capsys):
    assert publish(kb_dir, capsys)[0] == 0
    before = _snapshot(kb_dir / PUBLISH_DIR)
    rc, out, _ = publish(kb_dir, capsys)
    assert rc == 0 and "Изменений нет: версия 1 уже опубликована" in out
    assert _snapshot(kb_dir / PUBLISH_DIR) == before
    assert read_manifest(kb_dir).version == 1


def test_publish_after_a_change_is_the_next_version_and_keeps_the_previous(kb_dir: Path, capsys):
    assert publish(kb_dir, capsys)[0] == 0
    first = read_manifest(kb_dir)
    first_gen = (kb_dir / PUBLISH_DIR / "index" / "current").read_text(encoding="utf-8").strip()
    old_date = "2026-01-01"  # as if version 1 had been published long ago
    data = json.loads((kb_dir / PUBLISH_DIR / MANIFEST_NAME).read_text(encoding="utf-8"))
    for entry in data["rules"].values():
        entry["changed"] = old_date
    (kb_dir / PUBLISH_DIR / MANIFEST_NAME).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    _edit(kb_dir / "ss.md", "Неверная тарификация:", "Неверная тарификация звонков:")

    rc, out, _ = publish(kb_dir, capsys)

    assert rc == 0 and "Опубликована версия 2" in out
    assert "новых правил — 0, изменённых — 1, удалённых — 0" in out
    second = read_manifest(kb_dir)
    assert second.version == 2 and read_version(kb_dir, 1) == first
    assert second.rules[ROAMING].changed == date.today().isoformat()
    assert {r.changed for rid, r in second.rules.items() if rid != ROAMING} == {old_date}
    index = kb_dir / PUBLISH_DIR / "index"
    assert (index / "current").read_text(encoding="utf-8").strip() != first_gen
    assert (index / first_gen).is_dir()  # a workstation may be copying it right now


def test_publish_verb_is_a_real_command(kb_dir: Path):
    proc = subprocess.run(
        [sys.executable, "-m", "desktop_app.cli", "publish", str(kb_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Опубликована версия 1" in proc.stdout
    assert (kb_dir / PUBLISH_DIR / MANIFEST_NAME).is_file()


def test_a_deleted_published_index_is_rebuilt_under_the_same_version(kb_dir: Path, capsys):
    assert publish(kb_dir, capsys)[0] == 0
    shutil.rmtree(kb_dir / PUBLISH_DIR / "index")
    rc, out, _ = publish(kb_dir, capsys)
    assert rc == 0 and "Версия 1 не изменилась" in out and "индекс для рабочих мест построен заново" in out
    assert (kb_dir / PUBLISH_DIR / "index" / "current").is_file() and read_manifest(kb_dir).version == 1


def test_an_article_saved_as_cp1251_is_published_with_a_notice(kb_dir: Path, capsys):
    text = (kb_dir / "mnp.md").read_text(encoding="utf-8")
    (kb_dir / "mnp.md").write_bytes(text.encode("cp1251", errors="replace"))
    rc, out, err = publish(kb_dir, capsys)
    assert rc == 0 and "Опубликована версия 1" in out
    assert "замечание: mnp.md:" in err and "ошибка" not in err


def test_the_folder_watcher_does_not_see_what_publishing_writes(kb_dir: Path, capsys):
    from desktop_app.kb_watcher import scan

    before = scan(kb_dir)
    assert publish(kb_dir, capsys)[0] == 0
    assert (kb_dir / PUBLISH_DIR).is_dir() and scan(kb_dir) == before
