"""kb/changes: rule states, the rule-level diff, word marks, freshness and article versions."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from kb.changes import (
    ADDED,
    CHANGED,
    DELETE,
    EQUAL,
    INSERT,
    REMOVED,
    RuleChange,
    RuleState,
    article_version,
    diff,
    parse_date,
    recent_changes,
    snapshot,
    states_from_manifest,
    word_diff,
)
from kb.fingerprints import rule_fingerprint
from kb.loader import load_kb
from kb.manifest import MANIFEST_FORMAT, Manifest, load_manifest_file, manifest_from_json
from kb.paths import bundled_kb_dir

BUNDLED = bundled_kb_dir()


def _state(rid: str, text: str, number: int | None = None) -> RuleState:
    article, _, n = rid.split("/")
    return RuleState(rid, article, "Статья", "Раздел", number or int(n), f"h-{text}", text)


def _states(*pairs: tuple[str, str]) -> dict[str, RuleState]:
    return {rid: _state(rid, text) for rid, text in pairs}


def _sides(changes_list: list[RuleChange]) -> list[tuple[str, str]]:
    return [(c.id, c.kind) for c in changes_list]


# ---------------------------------------------------------------------------- snapshot
def test_snapshot_holds_every_bundled_rule_in_kb_order_with_its_place_and_hash():
    kb = load_kb(BUNDLED)
    states = snapshot(kb)
    assert list(states) == [r.id for r in kb.rules]
    assert len(states) == 67
    article, section, rule = kb.find_rule("ss/finance/3")
    s = states["ss/finance/3"]
    assert (s.article_id, s.article_title, s.section_title, s.number) == (
        "ss",
        article.title,
        section.title,
        3,
    )
    assert s.hash == rule_fingerprint(rule) and s.text == rule.text
    assert s.place == f"{section.title}, п.3"


# ---------------------------------------------------------------------------- diff
def test_diff_names_added_changed_and_removed_rules():
    old = _states(("a/s/1", "один"), ("a/s/2", "два"), ("a/s/3", "три"))
    new = _states(("a/s/1", "один"), ("a/s/3", "три с половиной"), ("a/s/4", "четыре"))
    changes = diff(old, new)
    assert _sides(changes) == [("a/s/2", REMOVED), ("a/s/3", CHANGED), ("a/s/4", ADDED)]
    removed, changed, added = changes
    assert (removed.old, removed.new) == (old["a/s/2"], None)
    assert (changed.old, changed.new) == (old["a/s/3"], new["a/s/3"])
    assert (added.old, added.new) == (None, new["a/s/4"])
    assert diff(old, old) == [] and diff({}, {}) == []


def test_diff_places_a_removed_rule_after_its_old_neighbour():
    old = _states(("a/s/1", "x"), ("a/s/2", "y"), ("a/s/3", "z"), ("b/s/1", "w"))
    new = _states(("b/s/1", "w"), ("a/s/3", "z"), ("a/s/9", "новое"))
    # a/s/1 had no surviving rule before it: it comes first; a/s/2 follows a/s/1 (both gone)
    assert _sides(diff(old, new)) == [("a/s/1", REMOVED), ("a/s/2", REMOVED), ("a/s/9", ADDED)]
    old = _states(("a/s/1", "x"), ("a/s/2", "y"), ("a/s/3", "z"))
    new = _states(("a/s/1", "x"), ("a/s/0", "раньше"), ("a/s/3", "z2"))
    # a/s/2 sits right after a/s/1, where it stood, before the rule added after a/s/1
    assert _sides(diff(old, new)) == [("a/s/2", REMOVED), ("a/s/0", ADDED), ("a/s/3", CHANGED)]


def test_diff_follows_the_hash_not_the_place():
    old = _states(("a/s/1", "x"))
    moved = {"a/s/1": replace(old["a/s/1"], section_title="Другой раздел", number=1)}
    assert diff(old, moved) == []


# ---------------------------------------------------------------------------- word marks
def _side(runs: list[tuple[str, str]], drop: str) -> str:
    return "".join(text for op, text in runs if op != drop)


def test_word_diff_marks_the_changed_words_and_rebuilds_both_texts():
    old = "Клиент  просит\nвернуть деньги за роуминг в Турции"
    new = "Клиент просит вернуть деньги за международный роуминг в Египте и Турции"
    runs = word_diff(old, new)
    assert _side(runs, INSERT) == "Клиент просит вернуть деньги за роуминг в Турции"
    assert _side(runs, DELETE) == new
    assert (INSERT, "международный ") in runs
    assert (INSERT, "Египте и ") in runs
    assert all(op in (EQUAL, DELETE, INSERT) for op, _ in runs)


def test_word_diff_reads_a_replacement_of_several_words_as_one():
    runs = word_diff("оплата картой банка", "оплата наличными в кассе")
    assert runs == [(EQUAL, "оплата "), (DELETE, "картой банка"), (INSERT, "наличными в кассе")]


def test_word_diff_of_an_added_and_a_removed_rule():
    added = RuleChange("a/s/1", ADDED, None, _state("a/s/1", "новое правило"))
    removed = RuleChange("a/s/1", REMOVED, _state("a/s/1", "старое правило"), None)
    assert added.word_diff() == [(INSERT, "новое правило")]
    assert removed.word_diff() == [(DELETE, "старое правило")]
    assert word_diff("", "") == []


# ---------------------------------------------------------------------------- manifest side
def _manifest_json(kb_dir: Path, version: int = 3, day: str = "2026-12-01") -> dict:
    kb = load_kb(kb_dir)
    states = snapshot(kb)
    return {
        "format": MANIFEST_FORMAT,
        "version": version,
        "date": day,
        "articles": {
            a.id: {"path": f"{a.id}.md", "sha256": "0" * 64, "rules": [r.id for r in a.rules]}
            for a in kb.articles
        },
        "rules": {
            rid: {"article": s.article_id, "hash": s.hash, "changed": day, "text": s.text}
            for rid, s in states.items()
        },
    }


def test_states_from_a_manifest_file_match_the_kb_it_was_published_from(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(_manifest_json(BUNDLED), ensure_ascii=False), encoding="utf-8")
    manifest = load_manifest_file(path)
    kb = load_kb(BUNDLED)
    assert states_from_manifest(manifest, titles=kb) == snapshot(kb)
    bare = states_from_manifest(manifest)  # no KB to take titles from: the ids stand in
    assert bare["ss/finance/3"].section_title == "finance"
    assert bare["ss/finance/3"].hash == snapshot(kb)["ss/finance/3"].hash
    assert diff(bare, snapshot(kb)) == []


def test_states_from_a_manifest_object_with_attributes():
    entry = SimpleNamespace(article="ops/line", hash="abc", changed="2026-12-01", text="текст")
    manifest = SimpleNamespace(rules={"ops/line/two/7": entry})
    state = states_from_manifest(manifest)["ops/line/two/7"]
    assert (state.article_id, state.section_title, state.number, state.hash, state.text) == (
        "ops/line",
        "two",
        7,
        "abc",
        "текст",
    )


@pytest.mark.parametrize("content", ["[]", '{"version": 1}', "not json"])
def test_a_file_that_is_not_a_manifest_is_refused(tmp_path, content):
    path = tmp_path / "m.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError):
        load_manifest_file(path)


# ---------------------------------------------------------------------------- freshness
def _manifest(version: int, day: str, rules: dict[str, dict]) -> Manifest:
    """A manifest of one article "a" holding ``rules`` (entries as kb/manifest.py writes them)."""
    article = {"path": "a.md", "sha256": "0" * 64, "rules": list(rules)}
    data = {"format": MANIFEST_FORMAT, "version": version, "date": day, "articles": {"a": article}}
    return manifest_from_json({**data, "rules": rules})


def test_recent_changes_use_the_manifest_date_while_the_hash_matches():
    current = _states(("a/s/1", "x"), ("a/s/2", "y"), ("a/s/3", "z"), ("a/s/4", "w"))
    manifest = _manifest(
        2,
        "2026-12-01",
        {
            "a/s/1": {"article": "a", "hash": "h-x", "changed": "2026-11-28", "text": "x"},
            "a/s/2": {"article": "a", "hash": "h-y", "changed": "2026-10-01", "text": "y"},
            "a/s/3": {"article": "a", "hash": "h-old", "changed": "2026-10-01", "text": "old"},
            "a/s/9": {
                "article": "a",
                "hash": "h-v",
                "changed": "2026-09-01",
                "text": "v",
            },  # first publication
        },
    )
    seat = {"a/s/2": date(2026, 11, 30), "a/s/3": date(2026, 11, 29), "a/s/4": date(2026, 12, 1)}
    got = recent_changes(current, manifest, seat, days=14, today=date(2026, 12, 1))
    # 1: published recently; 2: published long ago (the seat's later date is ignored);
    # 3: edited after publishing, so the seat's date; 4: not published at all, the seat's date
    assert got == {"a/s/1": date(2026, 11, 28), "a/s/3": date(2026, 11, 29), "a/s/4": date(2026, 12, 1)}
    assert recent_changes(current, manifest, seat, days=2, today=date(2026, 12, 1)) == {
        "a/s/3": date(2026, 11, 29),
        "a/s/4": date(2026, 12, 1),
    }
    assert recent_changes(current, None, seat, days=14, today=date(2026, 12, 1)) == seat


def test_the_first_publication_is_not_a_change():
    current = _states(("a/s/1", "x"), ("a/s/2", "y"))
    first = {
        rid: {"article": "a", "hash": s.hash, "changed": "2026-11-30", "text": s.text}
        for rid, s in current.items()
    }
    manifest = _manifest(1, "2026-11-30", first)
    assert recent_changes(current, manifest, {}, days=14, today=date(2026, 12, 1)) == {}
    later = {**first, "a/s/2": {**first["a/s/2"], "changed": "2026-12-01"}}
    manifest = _manifest(2, "2026-12-01", later)
    assert recent_changes(current, manifest, {}, days=14, today=date(2026, 12, 1)) == {
        "a/s/2": date(2026, 12, 1)
    }


def test_article_version_from_the_manifest_else_the_front_matter(tmp_path):
    kb_dir = tmp_path / "kb"
    shutil.copytree(BUNDLED, kb_dir)
    manifest = load_manifest_file(_write(tmp_path / "m.json", _manifest_json(kb_dir, 12, "2026-12-01")))
    ss = load_kb(kb_dir).article("ss")
    assert article_version(ss, manifest) == "версия 12 от 01.12.2026"
    assert article_version(ss, None) == "от 22.11.2017"  # front matter "date: 2017-11-22"
    path = kb_dir / "ss.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Подробные", "Краткие"), encoding="utf-8")
    edited = load_kb(kb_dir).article("ss")
    assert article_version(edited, manifest) == "от 22.11.2017"  # edited after publishing
    assert article_version(replace(edited, date=""), None) == ""


def _write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_parse_date_reads_iso_and_russian_dates():
    assert parse_date("2026-12-01") == date(2026, 12, 1)
    assert parse_date("2026-12-01T10:00:00+00:00") == date(2026, 12, 1)
    assert parse_date("01.12.2026") == date(2026, 12, 1)
    assert parse_date("завтра") is None and parse_date(None) is None
