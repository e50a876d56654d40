"""Corrections that are right: correct words are never «corrected», suggestions are dictionary words."""

from __future__ import annotations

import pytest

from index import KnowledgeIndex
from index.query import understand
from index.synonyms import Synonyms
from index.vocabulary import Vocabulary
from kb.model import Glossary


@pytest.mark.parametrize(
    "query", ["не работает интернет", "погода в москве", "списали деньги в роуминге", "работает"]
)
def test_correctly_spelled_words_are_not_corrected(bundled_index: KnowledgeIndex, query: str):
    assert bundled_index.search(query).corrected is None


def test_a_correct_word_keeps_its_near_words_only_as_weak_alternatives(bundled_index: KnowledgeIndex):
    bundled_index.search("x")  # opens the searcher and its vocabulary
    plan = understand("работает", bundled_index._vocab, Synonyms(Glossary()))
    near = [a for a in plan.concepts[0].alternatives if a.stems == ("работ",)]
    assert near and near[0].boost < 0.45  # below every kind index/confidence.py counts as found


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("роумниг", "роуминг"),  # not the stem-derived «роуминге»
        ("тарификацыя в роуминге", "тарификация в роуминге"),
        ("hjevbyu", "роуминг"),
    ],
)
def test_suggestions_are_dictionary_words(bundled_index: KnowledgeIndex, query: str, shown: str):
    assert bundled_index.search(query).corrected == shown


def test_spelling_prefers_the_lemma_then_the_form_closest_to_what_was_typed():
    vocab = Vocabulary.build({"роуминге": 5, "роуминга": 2}, {"роуминг": 7})
    assert vocab.spelling("роуминг") == "роуминг"  # the lemma, though the KB only says «роуминге»
    assert vocab.spelling("роуминг", "роумниге") == "роуминге"  # closer to what was typed
    assert vocab.spelling("нет") is None
    jargon = Vocabulary.build({"портации": 3, "портацию": 1}, {"портац": 4})  # no dictionary lemma
    assert jargon.spelling("портац", "портацыю") == "портацию"
    assert jargon.spelling("портац") == "портации"  # the commonest form
