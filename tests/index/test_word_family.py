"""Derivational families (index/morphology.py ``family``) and the thesaurus matching by them."""

from __future__ import annotations

import pytest

from index import morphology
from index.analysis import stem
from index.thesaurus import CustomerThesaurus, content_form, word_keys
from kb.model import Thesaurus, ThesaurusEntry

pytestmark = pytest.mark.skipif(not morphology.available(), reason="pymorphy3 dictionary not installed")


@pytest.mark.parametrize(
    ("word", "relative"),
    [
        ("решения", "решить"),
        ("решили", "решение"),
        ("хамство", "хамить"),
        ("нахамили", "хамство"),
        ("списали", "списание"),
        ("заблокировали", "блокировка"),
        ("блокировка", "блокировать"),
        ("зачислились", "зачисление"),
    ],
)
def test_a_word_finds_the_other_part_of_speech_of_its_family(word: str, relative: str):
    assert relative in morphology.family(word)


@pytest.mark.parametrize("word", ["почти", "там", "роумниг", "sim", "", "мтс"])
def test_words_without_a_family_give_none(word: str):
    assert morphology.family(word) == ()


def test_family_members_are_dictionary_lemmas_never_the_word_itself():
    for word in ("решение", "списать", "оплата"):
        family = morphology.family(word)
        assert word not in family
        assert all(morphology.lemma(m) == m for m in family)


def test_word_keys_hold_the_family_stems():
    assert stem("хамство") in word_keys("нахамили")
    assert stem("решили") in word_keys("решения")


def test_the_thesaurus_matches_across_the_family():
    entry = ThesaurusEntry(colloquial=("нахамили",), formal=("качество обслуживания",))
    table = CustomerThesaurus(Thesaurus(entries=(entry,))).table
    at, values = table.match([word_keys("хамство")], 0)
    assert at == (0,) and (content_form("качество обслуживания"), 1.0) in values[0]


def test_a_word_without_forms_is_matched_only_by_itself():
    assert not word_keys("почти") & word_keys("почтой")
    assert word_keys("опять") == word_keys("Опять".lower())


def test_an_ordinary_word_is_no_place_name():
    from index.query import _may_be_place

    assert not _may_be_place(["данных"])
    assert _may_be_place(["турции"]) and _may_be_place(["южной", "корее"])


def test_a_name_steps_over_pronouns_and_prepositions_but_not_negations():
    from index.thesaurus import PhraseTable, query_keys

    table = PhraseTable()
    table.add("сняли деньги", "charge")
    table.add("пришли деньги", "paid")
    keys = [query_keys(w) for w in ("сняли", "с", "меня", "деньги")]
    at, values = table.match(keys, 0)
    assert at == (0, 3) and set(values) == {"charge"}
    keys = [query_keys(w) for w in ("пришли", "не", "деньги")]
    assert table.match(keys, 0) == ((), [])


def test_a_known_word_gets_its_lemma_stem_weakly():
    from pathlib import Path

    from index.query import KNOWN_LEMMA_BOOST, understand
    from index.synonyms import Synonyms
    from index.vocabulary import Vocabulary
    from kb.model import KnowledgeBase

    vocab = Vocabulary.build({"уйти": 1, "ушли": 1}, {stem("уйти"): 1, stem("ушли"): 1})
    concept = understand("ушли", vocab, Synonyms.for_kb(KnowledgeBase(Path(".")))).concepts[0]
    forms = {a.stems: a.boost for a in concept.alternatives}
    assert forms[(stem("ушли"),)] == 1.0 and forms[(stem("уйти"),)] == KNOWN_LEMMA_BOOST
