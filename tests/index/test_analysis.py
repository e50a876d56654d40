"""Russian analysis, keyboard layouts, edit distance and highlighting, without an index."""

from __future__ import annotations

import pickle

from index.analysis import index_terms, normalize, stem, stem_analyzer, words
from index.documents import make_schema
from index.highlight import match_spans, snippet
from index.layout import en_to_ru, ru_to_en, swap_layout
from index.vocabulary import Vocabulary, edit_distance


def test_compounds_are_indexed_whole_and_in_parts():
    terms = [t for t, _, _ in index_terms("доставка sim-карты, P-to-P-переводом и МТС–Инфо")]
    assert "sim-карты" in terms and "sim" in terms and "карты" in terms
    assert "p-to-p-переводом" in terms and "p" in terms and "переводом" in terms
    assert "мтс-инфо" in terms and "инфо" in terms


def test_spans_of_compound_parts_point_into_the_text():
    text = "доставка sim-карты"
    for term, start, end in index_terms(text):
        assert normalize(text[start:end]) == term


def test_lowercase_and_yo_folding():
    assert normalize("Ёмкость ЁЛКИ") == "емкость елки"
    assert stem(normalize("Роуминге")) == stem("роуминг")


def test_stemmer_unifies_inflections():
    assert len({stem(w) for w in ("роуминг", "роуминге", "роумингом")}) == 1
    assert stem("sim-карты") == "sim-" + stem("карты")


def test_analyzer_and_schema_pickle_without_the_stemmer():
    analyzer = stem_analyzer()
    assert [t.text for t in analyzer("Тарификация в роуминге")] == ["тарификац", "в", "роуминг"]
    restored = pickle.loads(pickle.dumps(make_schema()))
    assert [t.text for t in restored["content"].analyzer("роуминге")] == ["роуминг"]


def test_words_ignore_punctuation_and_syntax():
    assert [w.norm for w in words('(роуминг) AND "sim" field:value ~2 *')] == [
        "роуминг", "and", "sim", "field", "value", "2",
    ]  # fmt: skip


def test_layout_round_trip_both_ways():
    assert en_to_ru("hjevbyu") == "роуминг"
    assert ru_to_en("ьтз") == "mnp"
    assert en_to_ru(",kjrbhjdrf") == "блокировка"
    assert swap_layout("роуминг1") == "hjevbyu1"
    assert swap_layout("sim-карта") is None  # mixed scripts are left alone
    assert swap_layout("123") is None


def test_edit_distance_counts_a_swap_as_one():
    assert edit_distance("роумниг", "роуминг", 2) == 1
    assert edit_distance("стажор", "стажер", 2) == 1
    assert edit_distance("абв", "где", 1) == 2  # beyond the limit reports limit + 1


def test_vocabulary_nearest_and_completions():
    vocab = Vocabulary.build({"роуминге": 1, "роуминг": 2, "рассинхронизация": 1}, {"роуминг": 2})
    assert vocab.nearest("роумниг")[0] == ("роуминг", 1)
    assert vocab.near_stems("роумниг") == [("роуминг", 1)]
    assert vocab.completions("роу")[:1] == ["роуминг"]
    assert vocab.nearest("abc") == []  # too short to guess


def test_match_spans_find_other_word_forms():
    text = "Тарификация в роуминге и sim-карты"
    spans = match_spans(text, {stem("роуминг"), "sim"})
    assert [text[s:e] for s, e in spans] == ["роуминге", "sim"]
    assert match_spans(text, ()) == []


def test_snippet_escapes_html_and_marks_matches():
    html = snippet("<script>роуминг</script> & тарификация", {stem("роуминг")})
    assert "<script>" not in html
    assert "&lt;script&gt;<b>роуминг</b>&lt;/script&gt; &amp;" in html


def test_long_snippet_is_a_window_around_the_match():
    text = "слово " * 200 + "роуминге " + "слово " * 200
    html = snippet(text, {stem("роуминг")})
    assert "<b>роуминге</b>" in html and html.startswith("…") and html.endswith("…")
    assert len(html) < 400
