"""The query memory: masking, opting out, the boost it gives, clearing, a corrupt file, the cap."""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

import pytest

from desktop_app import learning
from desktop_app.index_session import IndexSession
from desktop_app.learning import COPY, MISS, OPEN, QueryMemory, default_memory_path, mask
from index import KnowledgeIndex
from kb.paths import bundled_kb_dir

SECRET = "клиент 89161234567 ЛС 4071234 в турции сняли 1 500,50 рублей"


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory):
    index = KnowledgeIndex.open(bundled_kb_dir(), tmp_path_factory.mktemp("learning") / "index")
    yield index
    index.close()


@pytest.fixture
def memory(tmp_path: Path) -> QueryMemory:
    return QueryMemory(tmp_path / "data" / "query-memory.json")


def test_digits_are_masked_before_anything_is_stored(memory: QueryMemory):
    assert mask(SECRET) == "клиент # ЛС # в турции сняли # #,# рублей"
    assert memory.record(SECRET, "ss/finance/3", OPEN)
    assert memory.record_miss(f"{SECRET} 2024")
    memory.record("ошибка 404 на ٣٤٥ странице", "ss/technical/1", COPY)  # other scripts' digits too
    text = memory.path.read_text(encoding="utf-8")
    stored = json.loads(text)["entries"]
    assert len(stored) == 3 and not any(re.search(r"\d", e["query"]) for e in stored)
    # digits left in the file are only the format version, rule ids, counts and sequence numbers
    assert not re.search(r"\d", re.sub(r'"(version":\d+|rule_id":"[^"]*|count":\d+|seq":\d+)', "", text))
    assert all(not re.search(r"\d", e.query) for e in memory.entries())
    assert "89161234567" not in text and "4071234" not in text and "٣٤٥" not in text


def test_entries_count_repeats_most_recent_first(memory: QueryMemory):
    memory.record("роуминг", "ss/finance/3", OPEN)
    memory.record("роуминг", "ss/finance/3", OPEN)
    memory.record("блокировка", "ss/finance/8", COPY)
    entries = memory.entries()
    assert [(e.query, e.rule_id, e.action, e.count) for e in entries] == [
        ("блокировка", "ss/finance/8", COPY, 1),
        ("роуминг", "ss/finance/3", OPEN, 2),
    ]
    again = QueryMemory(memory.path)  # read back from the file
    assert [(e.query, e.count) for e in again.entries()] == [("блокировка", 1), ("роуминг", 2)]
    again.record("курьер", "ss/technical/12", OPEN)  # numbered after what the file holds
    assert [e.query for e in QueryMemory(memory.path).entries()] == ["курьер", "блокировка", "роуминг"]
    assert not memory.record("роуминг", "ss/finance/3", "print")  # unknown action
    assert not memory.record("   ", "ss/finance/3", OPEN) and not memory.record("роуминг", "", OPEN)


def test_opting_out_records_nothing_and_turns_the_boost_off(tmp_path: Path, ix: KnowledgeIndex):
    path = tmp_path / "m.json"
    off = QueryMemory(path, enabled=False)
    assert not off.record("блокировка", "sv/two-step/11", OPEN) and not off.record_miss("погода")
    assert not path.exists() and off.entries() == []
    on = QueryMemory(path)
    for _ in range(3):
        on.record("блокировка", "sv/two-step/11", OPEN)
    assert on.feedback().boost("блокировка")
    on.enabled = False
    assert on.feedback().boost("блокировка") == {}
    assert not on.record("блокировка", "sv/two-step/11", OPEN)
    assert on.entries()[0].count == 3  # kept until cleared


def test_recording_lifts_the_chosen_rule_and_leaves_other_queries_alone(
    memory: QueryMemory, ix: KnowledgeIndex
):
    before = ix.search("блокировка").hits
    chosen = before[1].id
    assert before[0].id != chosen
    roaming = [h.id for h in ix.search("роуминг").hits]
    try:
        for action in (OPEN, COPY, OPEN):
            memory.record("блокировка", chosen, action)
        ix.set_feedback(memory.feedback())
        assert ix.search("блокировка").hits[0].id == chosen
        assert ix.search("Блокировки").hits[0].id == chosen  # the same query in another form
        assert [h.id for h in ix.search("роуминг").hits] == roaming
    finally:
        ix.set_feedback(None)


def test_clear_forgets_everything(memory: QueryMemory):
    memory.record("роуминг", "ss/finance/3", OPEN)
    memory.record_miss("погода")
    assert memory.path.exists()
    memory.clear()
    assert memory.entries() == [] and not memory.path.exists()
    assert memory.feedback().boost("роуминг") == {}
    assert QueryMemory(memory.path).entries() == []
    memory.clear()  # twice: nothing to delete, no error


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"version": 1, "entries": [{"query": 5}]}', b"\xff\xfe\x00", b"[]", b""],
)
def test_a_corrupt_file_starts_empty_with_a_warning(tmp_path: Path, caplog, content: bytes):
    path = tmp_path / "m.json"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="desktop_app.learning"):
        memory = QueryMemory(path)
    assert memory.entries() == []
    assert any("query memory" in r.getMessage().lower() for r in caplog.records)
    assert memory.record("роуминг", "ss/finance/3", OPEN)  # and it recovers: a valid file again
    assert [e.query for e in QueryMemory(path).entries()] == ["роуминг"]


def test_the_file_is_capped_oldest_dropped(memory: QueryMemory, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(learning, "MAX_ENTRIES", 5)
    for n in range(8):
        memory.record(f"запрос {'а' * (n + 1)}", "ss/finance/3", OPEN)
    memory.record("запрос ааааа", "ss/finance/3", OPEN)  # used again: now the newest
    queries = [e.query for e in memory.entries()]
    assert len(queries) == 5 and queries[0] == "запрос ааааа"
    assert "запрос а" not in queries and "запрос аааааааа" in queries
    assert len(json.loads(memory.path.read_text(encoding="utf-8"))["entries"]) == 5


def test_writes_are_atomic(memory: QueryMemory, monkeypatch: pytest.MonkeyPatch):
    memory.record("роуминг", "ss/finance/3", OPEN)
    good = memory.path.read_bytes()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    memory.record("блокировка", "ss/finance/8", OPEN)  # fails to write: logged, not raised
    assert memory.path.read_bytes() == good
    assert [p.name for p in memory.path.parent.iterdir()] == [memory.path.name]  # no temporary left


def test_misses_are_kept_apart_from_choices(memory: QueryMemory):
    memory.record_miss("погода в москве")
    assert [(e.query, e.rule_id, e.action) for e in memory.entries()] == [("погода в москве", "", MISS)]
    assert len(memory.feedback()) == 0


def test_default_path_is_in_the_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("KB_BROWSER_DATA_DIR", str(tmp_path / "d"))
    assert default_memory_path() == tmp_path / "d" / "query-memory.json"
    monkeypatch.delenv("KB_BROWSER_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_memory_path().is_relative_to(tmp_path / "xdg")


def test_session_ranks_with_the_memory_and_follows_each_record(qtbot, tmp_path: Path, ix: KnowledgeIndex):
    memory = QueryMemory(tmp_path / "m.json")
    session = IndexSession(tmp_path, None)
    with qtbot.waitSignal(session.opened):
        session.open(opener=lambda kb_dir, index_dir, progress: ix)
    session.set_memory(memory)
    try:
        chosen = ix.search("блокировка").hits[1].id
        shown = []
        session.results.connect(shown.append)
        for _ in range(3):
            memory.record("блокировка", chosen, OPEN)  # the session refreshes the index's feedback
        with qtbot.waitSignal(session.results):
            session.search("блокировка")
        assert shown[-1].hits[0].id == chosen
        memory.enabled = False
        with qtbot.waitSignal(session.results):
            session.search("блокировка ")
        assert shown[-1].hits[0].id != chosen
    finally:
        session.wait()
        session._ix = None  # the module's index outlives this session
        ix.set_feedback(None)


def test_feedback_kept_up_to_date_equals_a_fresh_build(memory: QueryMemory, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(learning, "MAX_ENTRIES", 4)
    memory.record("роуминг списали", "ss/finance/3", OPEN)
    memory.feedback()  # built now, then changed with every record and every entry dropped
    for query, rule in [("блокировка", "a"), ("списали в роуминге", "ss/finance/3"), ("курьер", "b"),
                        ("ещё запрос", "c"), ("блокировка", "a")]:  # fmt: skip
        memory.record(query, rule, COPY)
    memory.record_miss("погода")
    fresh = QueryMemory(memory.path).feedback()
    for query in ("роуминг списали", "блокировка", "курьер", "ещё запрос"):
        assert memory.feedback().boost(query) == fresh.boost(query)
