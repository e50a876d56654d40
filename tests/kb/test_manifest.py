"""The published KB's manifest: versions, per-rule change dates, kept versions, safe reading."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kb.fingerprints import file_fingerprint, rule_fingerprint
from kb.loader import load_kb
from kb.manifest import (
    KEEP_VERSIONS,
    ArticleEntry,
    Manifest,
    RuleEntry,
    build_manifest,
    kept_versions,
    latest_manifest,
    manifest_path,
    read_manifest,
    read_version,
    write_manifest,
)
from kb.paths import bundled_kb_dir

DAY1 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone(timedelta(hours=3)))
DAY2 = datetime(2026, 12, 1, 9, 30, tzinfo=timezone(timedelta(hours=3)))
ROAMING = "ss/finance/3"


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    dst = tmp_path / "kb"
    shutil.copytree(bundled_kb_dir(), dst)
    return dst


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_first_manifest_lists_every_article_and_rule_with_hashes(kb_dir: Path):
    kb = load_kb(kb_dir)
    m = build_manifest(kb, None, DAY1)
    assert m.version == 1 and m.date == "2026-11-24T10:00:00+03:00"
    assert set(m.articles) == {a.id for a in kb.articles}
    assert list(m.rules) == [r.id for r in kb.rules] and len(m.rules) == 67
    ss = m.articles["ss"]
    assert ss.path == "ss.md" and ss.sha256 == file_fingerprint(kb_dir / "ss.md")
    assert ss.rules == tuple(r.id for r in kb.article("ss").rules)
    _, _, rule = kb.find_rule(ROAMING)
    entry = m.rules[ROAMING]
    assert entry == RuleEntry("ss", rule_fingerprint(rule), "2026-11-24", rule.text)
    assert set(m.files) == {"glossary.md", "thesaurus.md"}


def test_nested_article_path_is_relative_posix(kb_dir: Path):
    (kb_dir / "sub").mkdir()
    shutil.move(kb_dir / "mnp.md", kb_dir / "sub" / "mnp.md")
    m = build_manifest(load_kb(kb_dir), None, DAY1)
    assert m.articles["mnp"].path == "sub/mnp.md"


def test_unchanged_kb_keeps_version_date_and_change_dates(kb_dir: Path):
    first = build_manifest(load_kb(kb_dir), None, DAY1)
    again = build_manifest(load_kb(kb_dir), first, DAY2)
    assert again == first


def test_changed_added_and_removed_rules_get_todays_date_others_keep_theirs(kb_dir: Path):
    first = build_manifest(load_kb(kb_dir), None, DAY1)
    _edit(kb_dir / "ss.md", "Неверная тарификация:", "Неверная тарификация звонков:")
    _edit(kb_dir / "ss.md", "2. Подробные консультации", "99. Подробные консультации")
    second = build_manifest(load_kb(kb_dir), first, DAY2)
    assert second.version == 2 and second.date == "2026-12-01T09:30:00+03:00"
    assert second.rules[ROAMING].changed == "2026-12-01" and "звонков" in second.rules[ROAMING].text
    assert second.rules[ROAMING].hash != first.rules[ROAMING].hash
    assert second.rules["ss/finance/99"].changed == "2026-12-01"
    assert "ss/finance/2" not in second.rules
    untouched = [rid for rid in second.rules if rid in first.rules and rid != ROAMING]
    assert len(untouched) == 65
    assert all(second.rules[rid] == first.rules[rid] for rid in untouched)
    assert second.articles["ss"].sha256 != first.articles["ss"].sha256
    assert second.articles["sv"] == first.articles["sv"]


def test_rewrapped_rule_keeps_its_change_date_but_the_version_moves(kb_dir: Path):
    first = build_manifest(load_kb(kb_dir), None, DAY1)
    _edit(kb_dir / "ss.md", "Неверная тарификация:", "Неверная  тарификация:")
    second = build_manifest(load_kb(kb_dir), first, DAY2)
    assert second.version == 2  # the file changed
    assert second.rules[ROAMING].changed == "2026-11-24"


def test_glossary_edit_is_a_new_version(kb_dir: Path):
    first = build_manifest(load_kb(kb_dir), None, DAY1)
    with (kb_dir / "glossary.md").open("a", encoding="utf-8") as f:
        f.write("| ЗЗЗ | новое сокращение | |\n")
    second = build_manifest(load_kb(kb_dir), first, DAY2)
    assert second.version == 2 and second.files["glossary.md"] != first.files["glossary.md"]
    assert second.rules == first.rules


def test_write_then_read_gives_the_same_manifest(kb_dir: Path):
    m = build_manifest(load_kb(kb_dir), None, DAY1)
    assert write_manifest(kb_dir, m) is True
    assert read_manifest(kb_dir) == m == read_version(kb_dir, 1)
    data = json.loads(manifest_path(kb_dir).read_text(encoding="utf-8"))
    assert data["version"] == 1 and data["rules"][ROAMING]["article"] == "ss"
    assert not [p for p in manifest_path(kb_dir).parent.iterdir() if p.name.startswith(".")]


def test_writing_the_same_manifest_again_touches_no_file(kb_dir: Path):
    m = build_manifest(load_kb(kb_dir), None, DAY1)
    write_manifest(kb_dir, m)
    folder = manifest_path(kb_dir).parent
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}
    assert write_manifest(kb_dir, m) is False
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*")} == before


def _manifest(version: int) -> Manifest:
    return Manifest(
        version,
        f"2026-12-{version:02d}T10:00:00+03:00",
        {"a": ArticleEntry("a.md", "0" * 64, ("a/s/1",))},
        {"a/s/1": RuleEntry("a", f"{version:016x}", f"2026-12-{version:02d}", f"правило {version}")},
    )


def test_the_newest_versions_are_kept(tmp_path: Path):
    for version in range(1, KEEP_VERSIONS + 3):
        write_manifest(tmp_path, _manifest(version))
    newest = KEEP_VERSIONS + 2
    assert kept_versions(tmp_path) == list(range(newest - KEEP_VERSIONS + 1, newest + 1))
    assert read_version(tmp_path, newest - 1) == _manifest(newest - 1)
    assert read_manifest(tmp_path) == _manifest(newest)


def test_a_lost_current_manifest_numbers_after_the_newest_kept_version(tmp_path: Path):
    for version in (1, 2, 3):
        write_manifest(tmp_path, _manifest(version))
    manifest_path(tmp_path).unlink()
    assert latest_manifest(tmp_path) == _manifest(3)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[]",
        b'{"format": 1, "version": "3", "date": "x", "articles": {}, "rules": {}}',
        b'{"format": 2, "version": 3, "date": "x", "articles": {}, "rules": {}}',
        b'{"format": 1, "version": 3, "date": "x", "articles": {"a": {"path": 1}}, "rules": {}}',
        b'{"format": 1, "version": 3, "date": "x", "articles": {}, "rules": {"r": {"hash": "1"}}}',
    ],
)
def test_unreadable_manifest_reads_as_none(tmp_path: Path, content: bytes):
    path = manifest_path(tmp_path)
    path.parent.mkdir()
    path.write_bytes(content)
    assert read_manifest(tmp_path) is None


def test_absent_manifest_reads_as_none(tmp_path: Path):
    assert read_manifest(tmp_path) is None and read_manifest(tmp_path / "nowhere") is None
    assert latest_manifest(tmp_path) is None and kept_versions(tmp_path) == []
