"""Customer language: phrasings in a field of their own, the thesaurus step, place and operator names,
lemmas, and long pasted sentences — on small KBs built in the test."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from index import KnowledgeIndex
from index.analysis import stem
from index.documents import article_documents, article_hash
from index.query import understand
from index.synonyms import Synonyms
from index.thesaurus import CustomerThesaurus, PhraseTable, content_form, word_keys
from index.vocabulary import Vocabulary
from kb.loader import load_kb
from kb.model import KnowledgeBase, Thesaurus, ThesaurusEntry

PHRASINGS = {
    "alpha/finance/1": ("за границей сняли кучу денег", "в отпуске списали деньги за звонки"),
    "alpha/technical/1": ("хочу новую симку привезти домой",),
    "beta/questions/2": ("перейти на другой тариф подешевле",),
}


def with_phrasings(kb: KnowledgeBase, phrasings: dict[str, tuple[str, ...]]) -> KnowledgeBase:
    articles = []
    for article in kb.articles:
        sections = tuple(
            dataclasses.replace(
                s, rules=tuple(dataclasses.replace(r, phrasings=phrasings.get(r.id, ())) for r in s.rules)
            )
            for s in article.sections
        )
        articles.append(dataclasses.replace(article, sections=sections))
    return dataclasses.replace(kb, articles=tuple(articles))


def open_kb(kb: KnowledgeBase, tmp_path: Path) -> KnowledgeIndex:
    ix = KnowledgeIndex(kb.root, tmp_path / "index", kb)
    ix.refresh(kb=kb)
    return ix


@pytest.fixture
def phrased(small_kb: Path, tmp_path: Path):
    kb = with_phrasings(load_kb(small_kb), PHRASINGS)
    with open_kb(kb, tmp_path) as ix:
        yield ix


def test_a_phrasing_finds_its_rule_and_the_snippet_stays_the_procedure_text(phrased: KnowledgeIndex):
    hit = phrased.search("сняли кучу денег").hits[0]
    assert hit.id == "alpha/finance/1"
    assert hit.text.startswith("Неверная тарификация") and "кучу" not in hit.snippet


def test_phrasing_words_are_known_words_not_typos(phrased: KnowledgeIndex):
    result = phrased.search("кучу денег")
    assert result.corrected is None
    assert result.hits[0].id == "alpha/finance/1"


def test_rule_text_outweighs_a_phrasing_with_the_same_word(phrased: KnowledgeIndex):
    # "тариф" is in beta/questions/2's phrasing and in alpha/finance/1's text (тарификация differs):
    # "роуминг" is only in the text of alpha/finance/1.
    assert phrased.search("роуминг").hits[0].id == "alpha/finance/1"


def test_phrasings_change_the_article_hash_and_documents(small_kb: Path):
    kb = load_kb(small_kb)
    plain = kb.article("alpha")
    phrased = with_phrasings(kb, PHRASINGS).article("alpha")
    assert article_hash(plain) != article_hash(phrased)
    docs = {d["id"]: d for d in article_documents(phrased)}
    assert docs["alpha/finance/1"]["phrasing_stems"].split("\n")[0].split()[0] == stem("за")
    assert stem("кучу") in docs["alpha/finance/1"]["phrasings"]
    assert "phrasings" not in {d["id"]: d for d in article_documents(plain)}["alpha/finance/1"]


def test_a_kb_without_phrasings_hashes_as_before(small_kb: Path):
    kb = load_kb(small_kb)
    same = with_phrasings(kb, {})
    assert [article_hash(a) for a in kb.articles] == [article_hash(a) for a in same.articles]


THESAURUS = Thesaurus(
    entries=(
        ThesaurusEntry(colloquial=("симка", "симку поменять"), formal=("sim-карта",)),
        ThesaurusEntry(colloquial=("не дозвониться",), formal=("входящие вызовы",)),
        ThesaurusEntry(colloquial=("уйти к другому оператору",), formal=("портация",)),
    )
)


def test_thesaurus_matches_word_forms_in_both_directions():
    table = CustomerThesaurus(THESAURUS).table
    keys = [frozenset({stem(w)}) for w in ("симку", "поменяли")]
    at, values = table.match(keys, 0)
    assert at == (0, 1) and (content_form("sim-карта"), 1.0) in values[0]
    at, values = table.match([frozenset({stem("портации")})], 0)
    assert at == (0,) and content_form("уйти к другому оператору") in [f for f, _ in values[0]]


def test_phrase_table_takes_the_longest_name():
    table = PhraseTable()
    table.add("Южная Корея", "kr")
    table.add("Корея", "kp")
    keys = [word_keys(w) for w in ("южной", "корее")]  # «корее» stems to «кор», its lemma to «коре»
    assert table.match(keys, 0) == ((0, 1), ["kr"])
    assert table.match(keys, 1) == ((1,), ["kp"])


def plan_for(query: str, thesaurus: Thesaurus = THESAURUS, vocab: Vocabulary | None = None):
    kb = KnowledgeBase(Path("."), thesaurus=thesaurus)
    vocab = vocab or Vocabulary.build({}, {})
    return understand(query, vocab, Synonyms.for_kb(kb))


def test_a_colloquial_span_becomes_one_concept_with_the_formal_side():
    plan = plan_for("клиент не может дозвониться")
    labels = [c.label for c in plan.concepts]
    assert "не может дозвониться" not in labels and "не дозвониться" not in labels  # not adjacent
    plan = plan_for("не дозвониться до абонента")
    concept = next(c for c in plan.concepts if c.label == "не дозвониться")
    forms = {a.stems: a.boost for a in concept.alternatives}
    assert forms[(stem("дозвониться"),)] == 1.0
    assert forms[(stem("входящие"), stem("вызовы"))] < 1.0


def test_formal_words_bring_the_customer_wording():
    concept = plan_for("портация").concepts[0]
    assert content_form("уйти к другому оператору") in [a.stems for a in concept.alternatives]


def test_thesaurus_in_a_kb_puts_the_formal_rule_first(small_kb: Path, tmp_path: Path):
    thesaurus = Thesaurus(
        entries=(ThesaurusEntry(colloquial=("свалить к конкурентам",), formal=("портация",)),)
    )
    kb = dataclasses.replace(load_kb(small_kb), thesaurus=thesaurus)
    with open_kb(kb, tmp_path) as ix:
        result = ix.search("хочу свалить к конкурентам")
        assert result.hits[0].id == "beta/questions/1"


@pytest.mark.parametrize("query", ["в турции списали деньги", "отдыхаю в Египте", "я сейчас в Стамбуле"])
def test_a_country_or_a_foreign_city_means_roaming(small_kb: Path, tmp_path: Path, query: str):
    with open_kb(load_kb(small_kb), tmp_path) as ix:
        assert ix.search(query).hits[0].id == "alpha/finance/1"


def test_a_home_city_is_not_abroad():
    concept = plan_for("москва").concepts[0]
    assert (stem("роуминг"),) not in [a.stems for a in concept.alternatives]


def test_another_operators_name_means_leaving(small_kb: Path, tmp_path: Path):
    with open_kb(load_kb(small_kb), tmp_path) as ix:
        assert ix.search("ухожу на мегафон").hits[0].id == "beta/questions/1"
        assert ix.search("перехожу в Теле2").hits[0].id == "beta/questions/1"


def test_numbers_fillers_and_the_own_name_weigh_little():
    plan = plan_for("мтс списывает 20 000 рублей мне")
    weights = {c.label: c.weight for c in plan.concepts}
    assert weights["20"] < 0.5 and weights["000"] < 0.5 and weights["мтс"] < 0.5
    assert weights["рублей"] == 1.0 and weights["списывает"] == 1.0


def test_glossary_jargon_is_not_a_function_word(bundled_index: KnowledgeIndex):
    plan = understand("сим", bundled_index._vocab, bundled_index._synonyms)
    assert plan.concepts[0].weight == 1.0


def test_a_long_pasted_sentence_is_not_cut_before_its_informative_words(small_kb: Path, tmp_path: Path):
    query = "добрый день я хочу сказать что у меня вообще ничего не работает уже третий день и вот " * 1
    query += "сегодня утром пришло смс о том что с меня сняли деньги за роуминг"
    with open_kb(load_kb(small_kb), tmp_path) as ix:
        assert ix.search(query).hits[0].id == "alpha/finance/1"


def test_an_unknown_word_gets_its_lemma_stem_when_the_index_has_it():
    vocab = Vocabulary.build({"уйти": 1}, {stem("уйти"): 1})
    concept = plan_for("ушел", vocab=vocab).concepts[0]
    assert (stem("уйти"),) in [a.stems for a in concept.alternatives]


def test_a_russian_dictionary_word_is_never_converted_to_the_other_layout(bundled_index: KnowledgeIndex):
    result = bundled_index.search("целый день сижу без связи")
    assert not result.layout_converted
    assert "cb" not in " ".join(result.terms)


def test_the_bundled_kb_without_phrasings_and_thesaurus_ranks_as_before(tmp_path: Path):
    """Customer-language steps add nothing a plain KB would rank differently: R@1 0.966 as before."""
    from index.relevance_report import by_kind, load_queries, run
    from kb.paths import bundled_kb_dir

    plain = dataclasses.replace(with_phrasings(load_kb(bundled_kb_dir()), {}), thesaurus=Thesaurus())
    with open_kb(plain, tmp_path) as ix:
        overall = by_kind(run(ix, load_queries()))["ALL"]
    assert overall.r1 >= 0.96 and overall.r3 == 1.0
