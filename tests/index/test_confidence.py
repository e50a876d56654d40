"""Match confidence: fixed queries over the bundled KB, and the verdict rule on hand-made hits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest

from index import KnowledgeIndex, format_hits, search_json
from index.confidence import Judge, document_stems, verdict
from index.query import Alternative, Concept, QueryPlan
from index.results import CORRECTED, EXACT, NONE, PARTIAL, STRONG, SYNONYM, WEAK, Hit
from index.vocabulary import Vocabulary
from tests.index.signals_kb import write_kb

ROAMING = "ss/finance/3"


@pytest.mark.parametrize("query", ["роуминг", "тарификация в роуминге", "роуминге", "тарификации в роуминге"])
def test_roaming_queries_are_strong_exact(bundled_index: KnowledgeIndex, query: str):
    result = bundled_index.search(query)
    assert result.confidence == STRONG
    top = result.hits[0]
    assert top.id == ROAMING and top.match == EXACT and top.coverage == 1.0
    assert result.candidates[0].id == ROAMING


@pytest.mark.parametrize("query", ["погода в москве", "купить слона в роуминге"])
def test_one_accidental_word_of_several_is_weak(bundled_index: KnowledgeIndex, query: str):
    result = bundled_index.search(query)
    assert result.hits and result.confidence == WEAK
    assert result.hits[0].match == PARTIAL and result.hits[0].coverage < 0.5
    assert len(result.candidates) == min(3, len(result.hits))
    assert [h.id for h in result.candidates] == [h.id for h in result.hits[: len(result.candidates)]]


@pytest.mark.parametrize("query", ["ыволдаыол", "qqqqzzzz", "погода", "!!!", ""])
def test_nonsense_is_none(bundled_index: KnowledgeIndex, query: str):
    result = bundled_index.search(query)
    assert not result.hits and result.confidence == NONE and result.candidates == ()


@pytest.mark.parametrize("query", ["роумниг", "hjevbyu", "тарификацыя в роуминге"])
def test_typo_and_layout_hits_are_corrected(bundled_index: KnowledgeIndex, query: str):
    result = bundled_index.search(query)
    top = result.hits[0]
    assert top.id == ROAMING and top.match == CORRECTED and top.coverage == 1.0
    assert result.confidence == STRONG


# ---------------------------------------------------------------------------- a KB made for the cases


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeIndex]:
    folder = tmp_path_factory.mktemp("signals")
    ix = KnowledgeIndex.open(write_kb(folder / "kb"), folder / "index")
    yield ix
    ix.close()


def test_a_correct_word_only_near_a_rule_word_is_accidental(small: KnowledgeIndex):
    # «работает» is a dictionary word the KB does not hold: «работы» is only near it; «интернет» is
    # in two rules: neither answers the query
    result = small.search("не работает интернет")
    assert result.confidence == WEAK and result.corrected is None
    assert [h.id for h in result.candidates] == ["ss/technical/3", "ss/technical/4"]
    assert all(h.match == PARTIAL and h.coverage < 0.5 for h in result.hits)


def test_the_only_rule_holding_the_specific_word_is_strong(small: KnowledgeIndex):
    result = small.search("не работает переадресация")  # «работает» in no rule, «переадресация» in one
    assert result.hits[0].id == "ss/technical/2" and result.hits[0].match == PARTIAL
    assert result.confidence == STRONG and not result.ambiguous


def test_glossary_synonym_is_marked(small: KnowledgeIndex):
    result = small.search("перенос номера")  # the glossary: перенос номера = MNP
    assert result.hits[0].id == "ss/technical/5" and result.hits[0].match == SYNONYM
    assert result.confidence == STRONG


def test_one_part_of_a_compound_is_partial(small: KnowledgeIndex):
    by_id = {h.id: h for h in small.search("сим-карта").hits}
    assert by_id["ss/technical/1"].coverage == 1.0 and by_id["ss/technical/1"].match == SYNONYM  # sim-карты
    assert by_id["sv/questions/2"].match == PARTIAL  # «карт» alone


def test_equal_fits_on_different_lines_are_ambiguous(small: KnowledgeIndex):
    result = small.search("блокировка номера")  # СС finance/3 and СВ questions/1 both hold it
    assert result.confidence == STRONG and result.ambiguous
    assert sorted(h.line for h in result.candidates) == ["СВ", "СС"]
    plain = small.search("роуминг")
    assert plain.confidence == STRONG and not plain.ambiguous and len(plain.candidates) == 1


def test_limit_does_not_change_the_verdict(small: KnowledgeIndex):
    for query in ("не работает интернет", "блокировка", "роуминг"):
        one, many = small.search(query, limit=1), small.search(query, limit=30)
        assert (one.confidence, one.ambiguous) == (many.confidence, many.ambiguous)
        assert len(one.hits) == 1
    assert small.search("роуминг", limit=0).confidence == NONE


def test_json_and_human_output_carry_confidence(small: KnowledgeIndex):
    data = json.loads(json.dumps(search_json(small.search("не работает интернет"))))
    assert data["confidence"] == WEAK and data["ambiguous"] is False
    assert data["candidates"] == ["ss/technical/3", "ss/technical/4"]
    assert data["hits"][0]["match"] == PARTIAL and 0 < data["hits"][0]["coverage"] < 0.5
    assert "точного совпадения нет" in format_hits(small.search("не работает интернет"))
    assert "точного совпадения нет" not in format_hits(small.search("роуминг"))
    assert search_json(small.search("блокировка"))["ambiguous"] is True


# ---------------------------------------------------------------------------- units


def _plan(query: str, *concepts: Concept) -> QueryPlan:
    return QueryPlan(query=query, concepts=list(concepts), corrected=None, layout_converted=False)


def _concept(label: str, *alts: tuple[tuple[str, ...], float]) -> Concept:
    return Concept(label, [Alternative(stems, boost) for stems, boost in alts])


VOCAB = Vocabulary.build({"роуминге": 1, "тарификация": 1}, {"роуминг": 1, "тарификац": 1})


def test_judge_weights_coverage_by_concept_weight():
    plan = _plan(
        "тарификация роуминг",
        _concept("тарификация", (("тарификац",), 1.0)),
        _concept("роуминг", (("роуминг",), 1.0)),
    )
    judge = Judge(plan, [2.0, 3.0], VOCAB)
    assert judge.fit({"stems": "роуминг звонк"}).coverage == 0.6
    assert judge.fit({"stems": "роуминг звонк"}).match == PARTIAL
    light = Judge(plan, [1.0, 3.0], VOCAB)  # a concept under INFORMATIVE_SHARE of the heaviest may be missing
    assert light.fit({"stems": "роуминг"}) == type(light.fit({}))(0.75, EXACT)
    assert judge.fit({"stems": "тарификац", "phrasing_stems": "роуминг"}).match == EXACT  # phrasings count
    assert judge.fit({"title_stems": "тарификац роуминг"}).coverage == 1.0


def test_judge_tells_synonyms_fixes_and_near_words_apart():
    plan = _plan(
        "лс роумниг",
        _concept("лс", (("лс",), 1.0), (("лицев", "счет"), 0.9)),
        _concept("роумниг", (("роумниг",), 1.0), (("роуминг",), 0.75)),
    )
    judge = Judge(plan, [1.0, 1.0], VOCAB)
    fit = judge.fit({"stems": "лицев счет роуминг"})
    assert fit == type(fit)(1.0, CORRECTED)
    assert judge.fit({"stems": "лицев счет"}).match == PARTIAL
    synonym_only = Judge(_plan("лс", plan.concepts[0]), [1.0], VOCAB)
    assert synonym_only.fit({"stems": "лицев счет"}).match == SYNONYM
    # a correctly spelled word's near vocabulary word (low boost) is not the word found
    near = Judge(_plan("работает", _concept("работает", (("работа",), 1.0), (("работ",), 0.3))), [1.0], VOCAB)
    assert near.fit({"stems": "работ"}).coverage == 0.0


def test_document_stems_reads_every_stems_field():
    assert document_stems({"stems": "a b", "title_stems": "c", "phrasing_stems": "d\ne", "text": "x"}) == {
        "a", "b", "c", "d", "e",
    }  # fmt: skip


def _hit(hid: str, score: float, coverage: float, match: str = EXACT, line: str = "СС") -> Hit:
    return Hit(hid, "rule", "a", "A", line, line, "s", "s", 1, "t", "t", score, coverage, match)


def test_verdict_rule():
    assert verdict([]).confidence == NONE
    strong = verdict([_hit("a", 10, 1.0), _hit("b", 9, 1.0)])
    assert strong.confidence == STRONG and not strong.ambiguous and [h.id for h in strong.candidates] == ["a"]
    other_line = verdict([_hit("a", 10, 1.0), _hit("b", 8.5, 1.0, line="СВ"), _hit("c", 8.4, 1.0, line="СВ")])
    assert other_line.ambiguous and [h.id for h in other_line.candidates] == ["a", "b"]
    far = verdict([_hit("a", 10, 1.0), _hit("b", 5, 1.0, line="СВ")])
    assert not far.ambiguous
    partial = verdict([_hit("a", 10, 0.6, PARTIAL), _hit("b", 3, 0.6, PARTIAL), _hit("c", 2, 0.3, PARTIAL)])
    assert partial.confidence == WEAK and len(partial.candidates) == 3
    alone = verdict([_hit("a", 10, 0.6, PARTIAL), _hit("b", 2, 0.6, PARTIAL), _hit("c", 9, 0.3, PARTIAL)])
    assert alone.confidence == STRONG  # the only hit holding that much
    assert verdict([_hit("a", 10, 0.4, PARTIAL)]).confidence == WEAK
    assert verdict([replace(_hit("a", 10, 0.9), match=PARTIAL)]).confidence == STRONG  # alone, 0.9
