"""The reader lexicon's one-pass prefix scan gives what the term-by-term look-ups give."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from whoosh import index as windex
from whoosh.fields import KEYWORD, Schema
from whoosh.writing import NO_MERGE

from index.vocabulary import WORDS, ReaderLexicon, WordTable

SEGMENTS = (
    "роуминг роуминге роумингом баланс",
    "роуминг роуминга блокировка баланса",
    "роуминге блок блокировки",
)


@pytest.fixture
def lexicon(tmp_path: Path):
    ix = windex.create_in(str(tmp_path), Schema(words=KEYWORD, other=KEYWORD))
    for text in SEGMENTS:  # one segment each: the look-ups sum over segments
        with ix.writer() as writer:
            writer.mergetype = NO_MERGE
            for word in text.split():
                writer.add_document(words=f"{word} {text.split()[0]}", other="роуминг")
    table = WordTable(sorted(["роум", "роуминг", "блоками"]), {"роум": 2, "роуминг": 5, "блоками": 1})
    with ix.reader() as reader:
        assert len(reader.leaf_readers()) == len(SEGMENTS)
        yield ReaderLexicon(reader, table)


@pytest.mark.parametrize("prefix", ["р", "роум", "роуминге", "бло", "баланс", "я", ""])
@pytest.mark.parametrize("limit", [1, 2, 3, 200])
def test_prefixed_df_is_the_first_terms_with_their_dfs(lexicon: ReaderLexicon, prefix: str, limit: int):
    expected = [(t, lexicon.df(WORDS, t)) for t in itertools.islice(lexicon.prefixed(WORDS, prefix), limit)]
    assert lexicon.prefixed_df(WORDS, prefix, limit) == expected


def test_prefixed_df_of_another_field_leaves_the_word_table_out(lexicon: ReaderLexicon):
    assert lexicon.prefixed_df("other", "роум", 10) == [("роуминг", lexicon.df("other", "роуминг"))]
    assert lexicon.prefixed_df("missing", "роум", 10) == []


def test_doc_frequency_skips_segments_without_the_field_and_sums_the_rest(tmp_path: Path):
    from index.postings import PostingsCache, doc_frequency, has_terms

    ix = windex.create_in(str(tmp_path), Schema(words=KEYWORD, other=KEYWORD))
    for docs in ([{"other": "а б"}], [{"words": "роуминг", "other": "б"}], [{"words": "роуминг баланс"}]):
        with ix.writer() as writer:
            writer.mergetype = NO_MERGE
            for doc in docs:
                writer.add_document(**doc)
    with ix.reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        assert [has_terms(leaf, "words") for leaf in leaves] == [False, True, True]
        for field, term in [("words", "роуминг"), ("words", "баланс"), ("other", "б"), ("words", "нет")]:
            assert doc_frequency(reader, field, term) == reader.doc_frequency(field, term)
        assert list(PostingsCache(reader).get("words", "роуминг")[0]) == [1, 2]
