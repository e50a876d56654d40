"""What a search marks: the query's words and their strong alternatives, not stray parts of weak phrases."""

from __future__ import annotations

import pytest

from index.highlight import highlight_terms
from index.knowledge_index import KnowledgeIndex
from index.query import Alternative, Concept, QueryPlan


def plan_of(*alternatives: tuple[tuple[str, ...], float]) -> QueryPlan:
    concept = Concept("x", [Alternative(stems, boost) for stems, boost in alternatives])
    return QueryPlan(query="x", concepts=[concept], corrected=None, layout_converted=False)


def test_weak_multi_word_alternatives_are_not_marked_word_by_word():
    plan = plan_of((("роуминг",), 1.0), (("границ",), 0.4), (("друг", "стран"), 0.4))
    assert highlight_terms(plan) == ("роуминг", "границ")


def test_the_query_s_own_phrase_and_strong_synonyms_are_marked():
    plan = plan_of((("лицев", "счет"), 1.0), (("лс",), 0.9), (("баланс", "номер"), 0.85))
    assert highlight_terms(plan) == ("лицев", "счет", "лс", "баланс", "номер")


def test_roaming_marks_no_pronoun_of_a_weak_phrase(bundled_index: KnowledgeIndex):
    result = bundled_index.search("роуминг")
    assert "роуминг" in result.terms
    assert "друг" not in result.terms
    assert "<b>" in result.hits[0].snippet


@pytest.mark.parametrize(
    "text",
    ["Сим-карта и SIM–карта, P-to-P, МТС—Коннект.", "İstanbul: сим-карта", "a--b -x- ‐‑ ёлка", "", "ﬁ-ﬂ"],
)
def test_the_word_stems_are_those_of_index_terms_with_or_without_stored_stems(text: str):
    from index.analysis import flat_stems
    from index.highlight import _stemmed, _stemmed_terms

    expected = _stemmed_terms(text)
    assert _stemmed.__wrapped__(text) == expected
    assert _stemmed.__wrapped__(text, " ".join(flat_stems(text))) == expected  # as documents store them
    assert _stemmed.__wrapped__(text, "не в лад с текстом") == expected  # stems that do not line up
