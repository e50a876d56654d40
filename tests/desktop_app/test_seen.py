"""desktop_app/seen: what this workstation has seen of a KB — «новое», «изменено», «удалено»."""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from desktop_app import seen as seen_mod
from desktop_app.seen import REMOVED_DAYS, SeenStore, default_data_dir, seen_path
from kb.changes import ADDED, CHANGED, REMOVED, RuleState, snapshot
from kb.loader import load_kb
from kb.paths import bundled_kb_dir

DAY1 = date(2026, 12, 1)


def _state(rid: str, text: str) -> RuleState:
    article, _, n = rid.split("/")
    return RuleState(rid, article, "Статья", "Раздел", int(n), f"h-{text}", text)


def _kb(*pairs: tuple[str, str]) -> dict[str, RuleState]:
    return {rid: _state(rid, text) for rid, text in pairs}


def _kinds(changes) -> list[tuple[str, str]]:
    return [(c.id, c.kind) for c in changes]


def _reload(store: SeenStore, data_dir: Path) -> SeenStore:
    store.save()
    return SeenStore.load(data_dir, store.kb_dir)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


V1 = _kb(("a/s/1", "один"), ("a/s/2", "два"), ("a/s/3", "три"))


def test_first_start_counts_everything_as_read(data_dir, tmp_path):
    current = snapshot(load_kb(bundled_kb_dir()))
    store = SeenStore.load(data_dir, bundled_kb_dir())
    assert store.changes(current, DAY1) == []
    assert all(store.status(rid) is None and store.changed_on(rid) is None for rid in current)
    store = _reload(store, data_dir)
    assert store.changes(current, DAY1 + timedelta(days=1)) == []
    assert store.changed_dates() == {}


def test_added_and_changed_rules_are_marked_until_read_and_survive_a_restart(data_dir, tmp_path):
    store = SeenStore.load(data_dir, tmp_path / "kb")
    store.changes(V1, DAY1)
    v2 = _kb(("a/s/1", "один"), ("a/s/2", "два с половиной"), ("a/s/3", "три"), ("a/s/4", "четыре"))
    day2 = DAY1 + timedelta(days=1)
    changes = store.changes(v2, day2)
    assert _kinds(changes) == [("a/s/2", CHANGED), ("a/s/4", ADDED)]
    assert changes[0].old.text == "два" and changes[0].new.text == "два с половиной"
    assert [store.status(r) for r in v2] == [None, "changed", None, "new"]
    assert store.changed_on("a/s/2") == day2 and store.changed_on("a/s/1") is None

    store = _reload(store, data_dir)  # another day, the app restarted: still unread
    later = day2 + timedelta(days=3)
    changes = store.changes(v2, later)
    assert _kinds(changes) == [("a/s/2", CHANGED), ("a/s/4", ADDED)]
    assert changes[0].old.text == "два"  # the old text is kept across restarts
    assert store.changed_on("a/s/2") == day2  # the day it was first seen, not today
    assert store.changed_dates() == {"a/s/2": day2, "a/s/4": day2}

    store.mark_all_read(v2, later)
    assert store.changes(v2, later) == []
    assert [store.status(r) for r in v2] == [None, None, None, None]
    assert store.changed_on("a/s/2") == day2  # freshness outlives reading
    store = _reload(store, data_dir)
    assert store.changes(v2, later) == [] and store.changed_on("a/s/4") == day2


def test_a_rule_changed_twice_before_reading_shows_the_text_last_read(data_dir, tmp_path):
    store = SeenStore.load(data_dir, tmp_path / "kb")
    store.changes(V1, DAY1)
    store.changes({**V1, "a/s/1": _state("a/s/1", "один и")}, DAY1 + timedelta(days=1))
    changes = store.changes({**V1, "a/s/1": _state("a/s/1", "один и два")}, DAY1 + timedelta(days=2))
    assert [(c.old.text, c.new.text) for c in changes] == [("один", "один и два")]
    assert store.changed_on("a/s/1") == DAY1 + timedelta(days=2)
    back = store.changes(V1, DAY1 + timedelta(days=3))  # changed back to what was read
    assert back == [] and store.status("a/s/1") is None


def test_removed_rules_are_listed_with_their_old_text_for_thirty_days(data_dir, tmp_path):
    store = SeenStore.load(data_dir, tmp_path / "kb")
    store.changes(V1, DAY1)
    v2 = _kb(("a/s/1", "один"), ("a/s/3", "три"))
    day2 = DAY1 + timedelta(days=1)
    changes = store.changes(v2, day2)
    assert _kinds(changes) == [("a/s/2", REMOVED)]
    assert changes[0].old.text == "два" and changes[0].new is None
    assert store.status("a/s/2") is None and store.removed_on("a/s/2") == day2

    store.mark_all_read(v2, day2)  # read: still findable in the changes view
    store = _reload(store, data_dir)
    assert _kinds(store.changes(v2, day2 + timedelta(days=REMOVED_DAYS))) == [("a/s/2", REMOVED)]
    store = _reload(store, data_dir)
    assert store.changes(v2, day2 + timedelta(days=REMOVED_DAYS + 1)) == []  # then dropped
    store = _reload(store, data_dir)
    assert store.changes(v2, day2 + timedelta(days=REMOVED_DAYS + 2)) == []


def test_a_removed_rule_that_comes_back_is_no_longer_removed(data_dir, tmp_path):
    store = SeenStore.load(data_dir, tmp_path / "kb")
    store.changes(V1, DAY1)
    store.changes(_kb(("a/s/1", "один")), DAY1)
    assert store.changes(V1, DAY1 + timedelta(days=1)) == []
    assert store.removed_on("a/s/2") is None


def test_removed_rules_keep_their_place_after_mark_all_read(data_dir, tmp_path):
    store = SeenStore.load(data_dir, tmp_path / "kb")
    store.changes(V1, DAY1)
    v2 = _kb(("a/s/1", "один"), ("a/s/3", "три"), ("a/s/5", "пять"))
    store.mark_all_read(v2, DAY1)
    v3 = {**v2, "a/s/3": _state("a/s/3", "три!")}
    assert _kinds(store.changes(v3, DAY1)) == [("a/s/2", REMOVED), ("a/s/3", CHANGED)]


def test_a_rule_added_and_removed_before_it_was_read_leaves_nothing(data_dir, tmp_path):
    store = SeenStore.load(data_dir, tmp_path / "kb")
    store.changes(V1, DAY1)
    store.changes({**V1, **_kb(("a/s/9", "мимолётное"))}, DAY1)
    assert store.changes(V1, DAY1) == [] and store.status("a/s/9") is None


def test_one_file_per_kb_folder(data_dir, tmp_path):
    one, two = SeenStore.load(data_dir, tmp_path / "kb1"), SeenStore.load(data_dir, tmp_path / "kb2")
    assert one.path != two.path and one.path.parent == data_dir
    one.changes(V1, DAY1)
    one.save()
    two.changes(_kb(("a/s/1", "другая база")), DAY1)
    two.save()
    one = SeenStore.load(data_dir, tmp_path / "kb1")
    assert one.changes({**V1, **_kb(("a/s/7", "x"))}, DAY1) != []
    assert seen_path(data_dir, tmp_path / "kb1" / ".." / "kb1") == one.path  # the same folder


def test_default_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KB_BROWSER_DATA_DIR", str(tmp_path / "d"))
    assert default_data_dir() == tmp_path / "d"
    store = SeenStore.load(None, tmp_path / "kb")
    store.changes(V1, DAY1)
    store.save()
    assert store.path.parent == tmp_path / "d" and store.path.exists()


@pytest.mark.parametrize(
    "content",
    [b"not gzip at all", gzip.compress(b"{broken json"), gzip.compress(b"[1, 2]"),
     gzip.compress(json.dumps({"format": 1, "places": [], "read": [["a/s/1", "h", 5, 1, "x"]],
                               "observed": {}, "removed": {}}).encode()),
     gzip.compress(json.dumps({"format": 99}).encode()), b""],
)  # fmt: skip
def test_a_corrupt_file_starts_afresh_with_a_log_line(data_dir, tmp_path, caplog, content):
    path = seen_path(data_dir, tmp_path / "kb")
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="desktop_app.seen"):
        store = SeenStore.load(data_dir, tmp_path / "kb")
    assert "corrupt" in caplog.text
    assert store.changes(V1, DAY1) == []  # afresh: everything counts as read
    store.save()
    assert SeenStore.load(data_dir, tmp_path / "kb").changes(V1, DAY1) == []


def test_a_failed_write_is_logged_and_loses_the_old_file_never(data_dir, tmp_path, caplog, monkeypatch):
    store = SeenStore.load(data_dir, tmp_path / "kb")
    store.changes(V1, DAY1)
    store.save()
    before = store.path.read_bytes()

    def busy(src, dst):
        raise PermissionError(13, "sharing violation", str(dst))

    monkeypatch.setattr(seen_mod, "replace_retrying", busy)
    store.mark_all_read({**V1, **_kb(("a/s/4", "x"))}, DAY1)
    with caplog.at_level(logging.WARNING, logger="desktop_app.seen"):
        store.save()
    assert "cannot write" in caplog.text
    assert store.path.read_bytes() == before
    assert [p.name for p in data_dir.iterdir()] == [store.path.name]  # no temporary file left


def test_nothing_is_written_when_nothing_changed(data_dir, tmp_path, monkeypatch):
    store = SeenStore.load(data_dir, tmp_path / "kb")
    store.changes(V1, DAY1)
    store.save()
    store = SeenStore.load(data_dir, tmp_path / "kb")
    store.changes(V1, DAY1 + timedelta(days=1))
    writes = []
    monkeypatch.setattr(seen_mod, "_write_atomically", lambda path, data: writes.append(path) or True)
    store.save()
    assert writes == []


def test_the_baseline_keeps_the_place_of_each_rule(data_dir, tmp_path):
    store = SeenStore.load(data_dir, tmp_path / "kb")
    v1 = {**V1, "a/s/1": replace(V1["a/s/1"], article_title="Перевод на СС", section_title="Финансы")}
    store.changes(v1, DAY1)
    store = _reload(store, data_dir)
    changes = store.changes({**v1, "a/s/1": _state("a/s/1", "новый текст")}, DAY1)
    assert changes[0].old == v1["a/s/1"]
