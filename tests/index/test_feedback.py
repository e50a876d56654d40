"""Learning from use: query → rule choices re-rank the next search for that query or a close form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index import KnowledgeIndex
from index.feedback import CLOSE_OVERLAP, MAX_BOOST, Feedback, overlap, query_key, strength
from index.results import STRONG
from tests.index.signals_kb import write_kb


@pytest.fixture
def ix(bundled_index: KnowledgeIndex) -> Iterator[KnowledgeIndex]:
    yield bundled_index
    bundled_index.set_feedback(None)  # the session index is shared: leave it as found


def test_query_key_is_the_set_of_content_stems():
    same = query_key("роуминг списали")
    assert same == query_key("списали в роуминге") == query_key("Списали, в РОУМИНГЕ!")
    assert query_key("в турции сняли 500 рублей") == query_key("в турции сняли # рублей")
    assert query_key("не на") == frozenset({"не", "на"})  # only function words: keep them
    assert query_key("") == frozenset()


def test_strength_grows_and_saturates():
    values = [strength(n) for n in (1, 2, 3, 5, 10, 1000)]
    assert values == sorted(values) and values[-1] <= MAX_BOOST
    assert strength(1) < 0.5 < 1.0 < strength(3)  # one choice is a hint, three put a rule first
    assert strength(0) == 0.0


def test_boost_matches_same_and_close_forms_only():
    fb = Feedback([("списали деньги в роуминге", "ss/finance/3", 2), ("роуминг", "other/x/1", 1)])
    assert fb.boost("деньги списали в роуминге") == {"ss/finance/3": strength(2)}
    close = fb.boost("списали деньги в роуминге турция")  # 3 of 4 stems
    shared = overlap(query_key("списали деньги в роуминге турция"), query_key("списали деньги роуминг"))
    assert shared >= CLOSE_OVERLAP
    assert 0 < close["ss/finance/3"] < strength(2)
    assert fb.boost("деньги в роуминге") == {}  # 2 of 3: too far
    assert fb.boost("роуминг") == {"other/x/1": strength(1)}
    assert Feedback().boost("роуминг") == {}


def test_counts_of_the_same_normalised_query_add_up():
    fb = Feedback([("роуминг списали", "r", 1), ("списали в роуминге", "r", 2)])
    assert fb.boost("роуминг списали")["r"] == pytest.approx(strength(3))


def test_a_rule_not_first_becomes_first_after_being_chosen(ix: KnowledgeIndex):
    query = "блокировка"
    before = ix.search(query)
    second = before.hits[1].id
    assert before.hits[0].id != second
    ix.set_feedback(Feedback([(query, second, 3)]))
    after = ix.search(query)
    assert after.hits[0].id == second and after.hits[0].learned == pytest.approx(strength(3), abs=1e-3)
    assert after.confidence == STRONG
    assert ix.search("роуминг").hits[0].id == "ss/finance/3"  # an unrelated query is unaffected
    assert all(h.learned == 0 for h in ix.search("роуминг").hits)


def test_one_stray_choice_does_not_bury_an_exact_match(ix: KnowledgeIndex):
    hits = ix.search("тарификация в роуминге").hits
    assert hits[0].id == "ss/finance/3"
    ix.set_feedback(Feedback([("тарификация в роуминге", hits[1].id, 1)]))
    assert ix.search("тарификация в роуминге").hits[0].id == "ss/finance/3"


def test_a_learned_rule_the_ranking_misses_is_fetched_by_id(tmp_path: Path):
    with KnowledgeIndex.open(write_kb(tmp_path / "kb"), tmp_path / "index") as ix:
        query = "курьерская доставка 2 раза"
        assert "ss/finance/2" not in [h.id for h in ix.search(query).hits]
        ix.set_feedback(Feedback([("курьерская доставка # раза", "ss/finance/2", 3)]))
        result = ix.search(query)
        top = result.hits[0]
        assert top.id == "ss/finance/2" and top.kind == "rule" and top.line == "СС"
        assert top.text.startswith("Перенос денежных средств") and top.article == "ss"
        assert result.confidence == STRONG and result.hits[1].id == "ss/technical/1"
        assert ix.search("ничего такого нет").hits == []
        ix.set_feedback(Feedback([("ничего такого нет", "ss/finance/2", 3)]))
        assert [h.id for h in ix.search("ничего такого нет").hits] == ["ss/finance/2"]
        ix.set_feedback(Feedback([(query, "no/such/1", 5)]))  # a rule no longer in the KB: ignored
        assert "no/such/1" not in [h.id for h in ix.search(query).hits]


def test_feedback_off_restores_the_text_ranking(ix: KnowledgeIndex):
    plain = [h.id for h in ix.search("блокировка").hits]
    ix.set_feedback(Feedback([("блокировка", plain[1], 5)]))
    ix.set_feedback(None)
    assert [h.id for h in ix.search("блокировка").hits] == plain


def test_layout_typed_query_matches_what_was_learned(ix: KnowledgeIndex):
    second = ix.search("блокировка").hits[1].id
    ix.set_feedback(Feedback([("блокировка", second, 3)]))
    assert ix.search(",kjrbhjdrf").hits[0].id == second  # «блокировка» on the English layout


def test_changed_gives_what_building_again_gives():
    choices = [("роуминг списали", "a", 2), ("блокировка", "b", 1), ("списали в роуминге", "c", 1)]
    fb = Feedback(choices)
    more = fb.changed("списали в роуминге", "a", 1).changed("блокировка", "b", -1).changed("новое", "d", 1)
    fresh = Feedback([("роуминг списали", "a", 3), ("списали в роуминге", "c", 1), ("новое", "d", 1)])
    for query in ("роуминг списали", "блокировка", "новое", "списали роуминг турция"):
        assert more.boost(query) == fresh.boost(query)
    assert fb.boost("блокировка") == {"b": strength(1)}  # the original is untouched
    assert len(more) == len(fresh) == 2
