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
from desktop_app.seen import REMOVED_DAYS, SeenStore, default_data_dir, seen_path, texts_path
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
    assert [store.unread(r) for r in v2] == [False, True, False, True]
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

    assert store.unread("a/s/2") and not store.unread("a/s/1")
    store.mark_all_read(v2, day2)  # read: still findable in the changes view, no longer unread
    assert not store.unread("a/s/2")
    store = _reload(store, data_dir)
    assert _kinds(store.changes(v2, day2 + timedelta(days=REMOVED_DAYS))) == [("a/s/2", REMOVED)]
    assert not store.unread("a/s/2")  # read survives a restart
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
    store.mark_all_read(_kb(("a/s/1", "один")), DAY1 + timedelta(days=2))  # removed, read
    assert store.changes(V1, DAY1 + timedelta(days=3)) == []  # back as it was read: nothing to show
    assert not store.unread("a/s/2") and store.status("a/s/2") is None
    store.changes(_kb(("a/s/1", "один")), DAY1 + timedelta(days=4))  # and gone again: unread
    assert store.unread("a/s/2")


def test_removed_rules_keep_their_place_after_mark_all_read(data_dir, tmp_path):
    store = SeenStore.load(data_dir, tmp_path / "kb")
    store.changes(V1, DAY1)
    v2 = _kb(("a/s/1", "один"), ("a/s/3", "три"), ("a/s/5", "пять"))
    store.mark_all_read(v2, DAY1)
    v3 = {**v2, "a/s/3": _state("a/s/3", "три!")}
    assert _kinds(store.changes(v3, DAY1)) == [("a/s/2", REMOVED), ("a/s/3", CHANGED)]


def test_a_kb_out_of_reach_is_not_observed(data_dir, tmp_path):
    store = SeenStore.load(data_dir, tmp_path / "kb")
    assert store.changes({}, DAY1) == []  # first start with the share not mapped yet
    store.mark_all_read({}, DAY1)
    store.save()
    store = SeenStore.load(data_dir, tmp_path / "kb")
    assert store.changes(V1, DAY1) == []  # the real first look: everything counts as read
    assert store.changes({}, DAY1 + timedelta(days=1)) == []  # out of reach again: nothing removed
    assert store.removed_on("a/s/1") is None
    assert store.changes(V1, DAY1 + timedelta(days=2)) == []


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
    names = sorted(p.name for p in data_dir.iterdir())  # no temporary file left
    assert names == sorted([store.path.name, texts_path(store.path).name])


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


# ---------------------------------------------------------------------------- the texts file
def _numbered(n: int, version: int) -> dict[str, RuleState]:
    return _kb(*((f"a/s/{i}", f"правило {i} редакция {version}") for i in range(1, n + 1)))


def test_old_texts_survive_many_rounds_and_the_texts_file_is_compacted(data_dir, tmp_path):
    store = SeenStore.load(data_dir, tmp_path / "kb")
    store.changes(_numbered(600, 0), DAY1)
    store.save()
    texts = texts_path(store.path)
    sizes = [texts.stat().st_size]
    for version in range(1, 8):  # every rule rewritten, read, and the app restarted each time
        store = SeenStore.load(data_dir, tmp_path / "kb")
        changes = store.changes(_numbered(600, version), DAY1 + timedelta(days=version))
        assert len(changes) == 600
        assert changes[0].old.text == f"правило 1 редакция {version - 1}"
        assert changes[-1].new.text == f"правило 600 редакция {version}"
        store.mark_all_read(_numbered(600, version), DAY1 + timedelta(days=version))
        store.save()
        sizes.append(texts.stat().st_size)
    assert sizes[1] > sizes[0] and sizes[2] > sizes[1]  # appended
    assert min(sizes[3:]) < sizes[2]  # rewritten with only the texts still needed
    assert max(sizes) < 5 * sizes[0]


def test_the_texts_file_is_read_only_when_an_old_text_is_needed(data_dir, tmp_path, monkeypatch):
    store = SeenStore.load(data_dir, tmp_path / "kb")
    store.changes(V1, DAY1)
    store.save()
    reads = []
    real = seen_mod._read_texts
    monkeypatch.setattr(seen_mod, "_read_texts", lambda path: reads.append(path) or real(path))
    store = SeenStore.load(data_dir, tmp_path / "kb")
    assert store.changes({**V1, **_kb(("a/s/4", "четыре"))}, DAY1) != [] and reads == []
    changed = store.changes({**V1, "a/s/2": _state("a/s/2", "два!")}, DAY1)
    assert reads == [texts_path(store.path)] and changed[-1].old.text == "два"


def test_a_damaged_texts_file_loses_old_texts_not_the_state(data_dir, tmp_path, caplog):
    store = SeenStore.load(data_dir, tmp_path / "kb")
    store.changes(V1, DAY1)
    store.save()
    v2 = {**V1, "a/s/3": _state("a/s/3", "три!")}
    store.mark_all_read(v2, DAY1)
    store.save()  # a second member: the text "три!"
    texts = texts_path(store.path)
    texts.write_bytes(texts.read_bytes()[:-6])  # the last write cut short
    store = SeenStore.load(data_dir, tmp_path / "kb")
    v3 = {rid: _state(rid, s.text + " (новое)") for rid, s in v2.items()}
    with caplog.at_level(logging.WARNING, logger="desktop_app.seen"):
        changes = store.changes(v3, DAY1)
    assert "damaged" in caplog.text
    assert [(c.id, c.kind, c.old.text) for c in changes] == [
        ("a/s/1", CHANGED, "один"),
        ("a/s/2", CHANGED, "два"),
        ("a/s/3", CHANGED, ""),  # lost with the damaged member: shown empty
    ]


def test_a_texts_file_left_from_a_lost_state_is_replaced(data_dir, tmp_path):
    store = SeenStore.load(data_dir, tmp_path / "kb")
    store.changes(_numbered(300, 0), DAY1)
    store.save()
    texts = texts_path(store.path)
    store.path.unlink()  # the state is lost, its texts file stays
    store = SeenStore.load(data_dir, tmp_path / "kb")
    store.changes(V1, DAY1)
    store.save()
    assert texts.stat().st_size < 200
