"""Searching: what the issue names, query understanding, hits, and the CLI output contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import Hit, KnowledgeIndex, SearchResult, format_hits, search_json
from index.analysis import stem

ROAMING = "ss/finance/3"


@pytest.mark.parametrize("query", ["роуминг", "hjevbyu", "роумниг", "тарификация в роуминге"])
def test_issue_queries_put_roaming_first(bundled_index: KnowledgeIndex, query: str):
    assert bundled_index.search(query).hits[0].id == ROAMING


def test_hit_carries_place_text_snippet_and_score(bundled_index: KnowledgeIndex):
    hit = bundled_index.search("роуминге", limit=1).hits[0]
    assert isinstance(hit, Hit)
    assert (hit.id, hit.kind, hit.article, hit.line, hit.section_id, hit.number) == (
        ROAMING, "rule", "ss", "СС", "finance", 3,
    )  # fmt: skip
    assert hit.section == "Финансовые вопросы" and hit.line_label == "СС"
    assert hit.article_title.startswith("Перевод на линию")
    assert "роуминге" in hit.text and "<b>" not in hit.text
    assert "<b>роуминге</b>" in hit.snippet
    assert hit.score > 0


def test_line_label_names_the_steps(bundled_index: KnowledgeIndex):
    hit = bundled_index.search("стажер не справляется", limit=1).hits[0]
    assert hit.id == "sv/two-step/9" and hit.line_label == "СВ · 2 шага"


def test_highlight_by_stem_when_query_form_differs(bundled_index: KnowledgeIndex):
    result = bundled_index.search("отмены портаций", limit=1)
    assert result.hits[0].id == "mnp/questions/5"
    assert "<b>Отмена</b> <b>портации</b>" in result.hits[0].snippet
    assert stem("портация") in result.terms


def test_layout_detection_keeps_latin_words_the_index_knows(bundled_index: KnowledgeIndex):
    for query in ("sim", "MNP", "SMS", "Red Box", "HD"):
        result = bundled_index.search(query)
        assert not result.layout_converted, query
        assert result.hits, query
    converted = bundled_index.search("ьтз")  # "mnp" typed on the Russian layout
    assert converted.layout_converted and converted.hits[0].article == "mnp"


def test_typo_gives_a_correction_from_the_vocabulary(bundled_index: KnowledgeIndex):
    result = bundled_index.search("мошеничество")
    assert result.corrected == "мошенничеству" or result.corrected.startswith("мошенничеств")
    assert result.hits[0].id == "sv/two-step/10"
    assert bundled_index.search("роуминг").corrected is None


def test_glossary_expands_abbreviations_both_ways(bundled_index: KnowledgeIndex):
    by_abbr = bundled_index.search("перенос ДС")
    assert by_abbr.hits[0].id == "ss/finance/9"  # "денежных средств" found through ДС
    by_words = bundled_index.search("лицевой счет перенос")
    assert by_words.hits[0].id == "ss/finance/9"  # "ЛС" found through "лицевой счет"
    assert bundled_index.search("МНП").hits[0].article == "mnp"


def test_only_stop_words_still_finds_something(bundled_index: KnowledgeIndex):
    assert bundled_index.search("не на").hits


def test_all_terms_close_together_rank_first(small_kb: Path):
    with KnowledgeIndex.open(small_kb) as ix:
        assert ix.search("перенос средств лс").hits[0].id == "alpha/finance/2"
        assert ix.search("sim карта курьер").hits[0].id == "alpha/technical/1"


@pytest.mark.parametrize(
    "query, rule",
    [
        ("sim-карты", "alpha/technical/1"),
        ("сим карта", "alpha/technical/1"),
        ("сим-карта", "alpha/technical/1"),
        ("симка", "alpha/technical/1"),
        ("P-to-P", "alpha/finance/3"),
        ("МТС-Инфо", "alpha/technical/2"),
        ("мтс инфо", "alpha/technical/2"),
        ("Red Box", "alpha/technical/2"),
        ("смс экстра", "alpha/technical/2"),
        ("емкость", "alpha/technical/3"),
        ("ёлочной", "alpha/technical/3"),
        ("тариф архивный", "beta/questions/2"),
    ],
)
def test_compounds_variants_and_yo_are_findable(small_kb: Path, query: str, rule: str):
    with KnowledgeIndex.open(small_kb) as ix:
        assert ix.search(query).hits[0].id == rule


def test_compound_with_an_unknown_part_still_finds_the_known_one(bundled_index: KnowledgeIndex):
    assert bundled_index.search("фемто-точка").hits[0].id.startswith("ss/technical/")


def test_phrases_and_intro_are_documents_but_yield_to_rules(small_kb: Path):
    with KnowledgeIndex.open(small_kb) as ix:
        phrase = ix.search("дождитесь ответа экспертного").hits[0]
        assert phrase.kind == "phrase" and phrase.id == "alpha/phrase-1" and phrase.number is None
        intro = ix.search("звонки запрещены").hits[0]
        assert intro.kind == "intro" and intro.article == "beta" and intro.section == ""


def test_limit_is_respected(bundled_index: KnowledgeIndex):
    assert len(bundled_index.search("клиент", limit=3).hits) == 3
    assert bundled_index.search("клиент", limit=0).hits == []
    assert bundled_index.search("клиент", limit=-5).hits == []
    assert len(bundled_index.search("клиент", limit=10**12).hits) <= 100
    assert bundled_index.search("клиент", limit=None).hits  # a bad limit means the default


def test_search_json_contract(bundled_index: KnowledgeIndex):
    data = json.loads(json.dumps(search_json(bundled_index.search("hjevbyu", limit=2))))
    assert set(data) >= {"query", "corrected", "hits"}
    assert data["query"] == "hjevbyu" and data["corrected"] == "роуминг"
    hit = data["hits"][0]
    assert set(hit) >= {"id", "article", "section", "line", "number", "text", "snippet", "score"}
    assert hit["id"] == ROAMING and hit["number"] == 3
    empty = search_json(bundled_index.search("qqqqzzzz"))
    assert empty["hits"] == []


def test_format_hits_human_output(bundled_index: KnowledgeIndex):
    text = format_hits(bundled_index.search("роумниг", limit=1))
    assert "Возможно, вы имели в виду: роуминг\n" in text  # the dictionary word, not a stem form
    assert "СС · Финансовые вопросы · п.3" in text and "«роуминге»" in text
    assert format_hits(SearchResult(query="x")) == "ничего не найдено"
    assert "\x1b[1m" in format_hits(bundled_index.search("роуминг"), emphasis=True)


@pytest.mark.parametrize(
    "query", ["ро\u0301уминг", "роу\u00adминг", "роу\u200bминг", "\ud800роуминг", "РОУМИНГ"]
)
def test_stress_marks_soft_hyphens_and_case_are_ignored(bundled_index: KnowledgeIndex, query: str):
    assert bundled_index.search(query).hits[0].id == ROAMING


def test_warm_up_then_typo_correction_still_works(small_kb: Path):
    with KnowledgeIndex.open(small_kb) as ix:
        ix.warm_up()
        assert ix.search("роумниг").hits[0].id == "alpha/finance/1"
        (small_kb / "gamma.md").write_text(
            "---\nid: gamma\ntitle: Новая\nline: СВ\n---\n\n## Раздел {#s}\n\n1. Крокодилы зелёные.\n",
            encoding="utf-8",
        )
        ix.refresh()
        ix.warm_up()  # the typo index now knows the new words
        assert ix.search("кракодилы").hits[0].id == "gamma/s/1"


def test_warm_up_reads_common_postings_ahead_and_answers_stay_the_same(small_kb: Path, monkeypatch):
    import index.ranking as R

    queries = ["роуминг", "роумниг", "баланс клиента", "hjevbyu"]
    with KnowledgeIndex.open(small_kb) as ix:
        cold = [[h.id for h in ix.search(q).hits] for q in queries]
    monkeypatch.setattr(R, "COMMON_MIN_DOCS", 1)  # the fixture KB has no term in 200 documents
    with KnowledgeIndex.open(small_kb) as ix:
        ix.warm_up()
        assert ix._postings._size > 0  # read ahead
        assert [[h.id for h in ix.search(q).hits] for q in queries] == cold


def test_warm_up_builds_the_customer_language_tables_the_first_query_would(small_kb: Path):
    with KnowledgeIndex.open(small_kb) as ix:
        ix.warm_up()
        synonyms = ix._synonyms
        assert synonyms.thesaurus._table is not None and synonyms._customer_stems is not None


def test_searches_run_while_warm_up_builds_the_typo_index(small_kb: Path, monkeypatch):
    import threading

    from index.vocabulary import Vocabulary

    inside, release, built = threading.Event(), threading.Event(), threading.Event()
    build = Vocabulary.typo_index

    def slow_typo_index(targets):
        inside.set()
        release.wait(5)
        built.set()
        return build(targets)

    monkeypatch.setattr(Vocabulary, "typo_index", staticmethod(slow_typo_index))
    with KnowledgeIndex.open(small_kb) as ix:
        warming = threading.Thread(target=ix.warm_up)
        warming.start()
        assert inside.wait(10)
        hits = ix.search("роуминг").hits  # would wait for ``release`` if warm_up held the lock
        assert not built.is_set() and hits[0].id == "alpha/finance/1"
        release.set()
        warming.join(10)
        assert ix.search("роумниг").hits[0].id == "alpha/finance/1"


def test_warm_up_after_close_does_not_reopen_the_index(small_kb: Path):
    ix = KnowledgeIndex.open(small_kb)
    ix.close()
    ix.warm_up()
    assert ix._ix is None


def test_a_typo_of_a_common_word_gathers_by_its_correction():
    """On a large index the gathering keeps the rare terms and drops the common ones; a misspelt
    word is in no document at all, which is not 'rare': its correction must still gather."""
    from index.query import Concept, QueryPlan
    from index.ranking import candidate_terms

    typo = Concept("роумниг")
    typo.add(("роумниг",), 1.0)
    typo.add(("роуминг",), 0.75)
    plan = QueryPlan("роумниг", [typo], corrected="роуминг", layout_converted=False)
    assert candidate_terms(plan, {"роумниг": 0, "роуминг": 5_000}, 100_000) == {
        "роумниг": 1.0,
        "роуминг": 0.75,
    }


def test_typo_of_a_word_common_in_the_index_is_found(small_kb: Path, monkeypatch):
    import index.ranking as R

    monkeypatch.setattr(R, "COMMON_MIN_DOCS", 0)
    monkeypatch.setattr(R, "COMMON_SHARE", 0.0)  # every indexed word counts as common here
    with KnowledgeIndex.open(small_kb) as ix:
        assert ix.search("роумниг").hits[0].id == "alpha/finance/1"


def test_a_refresh_that_changes_nothing_keeps_the_warm_searcher(small_kb: Path):
    with KnowledgeIndex.open(small_kb) as ix:
        ix.warm_up()
        warm = ix._postings
        assert not ix.refresh().added and ix.search("роуминг").hits
        assert ix._postings is warm  # F5 or a watcher event without a change costs nothing
        (small_kb / "gamma.md").write_text(
            "---\nid: gamma\ntitle: Новая\nline: СВ\n---\n\n## Раздел {#s}\n\n1. Крокодилы зелёные.\n",
            encoding="utf-8",
        )
        assert ix.refresh().added == ("gamma",)
        assert ix.search("крокодилы").hits[0].id == "gamma/s/1"
        assert ix._postings is not warm  # the index changed: a new searcher, new caches


@pytest.mark.parametrize(
    ("query", "rule"),
    [
        ("за две минуты в турции мтс списывает 20 000 рублей", "ss/finance/3"),  # the issue's sentence
        ("хочу уйти на мегафон со своим номером", "mnp/questions/1"),
    ],
)
def test_customer_sentences_find_their_rule(bundled_index: KnowledgeIndex, query: str, rule: str):
    assert bundled_index.search(query).hits[0].id == rule
