"""The parsed KB saved beside the index: used when intact, ignored when damaged, stale or of the wrong
shape, and never more than data (see tests/index/test_cache_security.py for planted files)."""

from __future__ import annotations

import marshal
import random
import shutil
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from index import KnowledgeIndex, kb_cache
from index.documents import article_hash
from kb.loader import LoadCache, load_kb
from kb.model import Article, Glossary, LoadError, Thesaurus
from kb.paths import bundled_kb_dir


def _article(aid: str, word: str) -> str:
    head = f"---\nid: {aid}\ntitle: Статья {aid}\nline: СС\n---\n\n# Статья {aid}\n\n"
    return head + f"## Раздел {{#main}}\n\n1. Правило про {word}.\n"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    for i in range(4):
        (folder / f"a{i}.md").write_text(_article(f"a{i}", f"слово{i}"), encoding="utf-8")
    return folder


@pytest.fixture
def full_kb(tmp_path: Path) -> Path:
    """Every kind of value the model holds: the bundled KB (phrases, tables, phrasings, glossary,
    thesaurus), an article with ``order`` and an unknown front-matter key, a file that fails."""
    folder = tmp_path / "full"
    shutil.copytree(bundled_kb_dir(), folder)
    text = _article("extra", "доставку").replace("line: СС\n", "line: СС\norder: 2\nowner: отдел качества\n")
    (folder / "extra.md").write_text(text, encoding="utf-8")
    (folder / "broken.md").write_text("---\nid: Плохой id\n---\n", encoding="utf-8")
    return folder


def _same_kb(a, b) -> bool:
    keys = ("articles", "glossary", "thesaurus", "errors", "notices")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def test_a_fresh_open_parses_nothing_when_the_kb_is_unchanged(kb: Path, tmp_path: Path):
    KnowledgeIndex.open(kb, tmp_path / "ix").close()
    assert (tmp_path / "ix" / kb_cache.CACHE_NAME).is_file()
    with KnowledgeIndex.open(kb, tmp_path / "ix") as ix:
        assert ix._load_cache.parsed == 0
        assert [a.id for a in ix.kb.articles] == ["a0", "a1", "a2", "a3"]
        assert ix.search("слово2").hits[0].id == "a2/main/1"


def test_every_model_value_comes_back_equal_and_of_its_own_type(full_kb: Path, tmp_path: Path):
    cache = LoadCache()
    load_kb(full_kb, cache)
    kinds = {type(parsed) for _, parsed in cache.files.values()}
    assert kinds == {Article, Glossary, Thesaurus, LoadError}
    hashes = {p: article_hash(a) for p, (_, a) in cache.files.items() if isinstance(a, Article)}
    kb_cache.save(tmp_path, full_kb, cache, hashes)
    loaded, loaded_hashes = kb_cache.load(tmp_path, full_kb)
    assert loaded.files == cache.files and loaded_hashes == hashes
    extra = next(a for _, a in loaded.files.values() if isinstance(a, Article) and a.id == "extra")
    assert extra.order == 2 and extra.extra == {"owner": "отдел качества"} and isinstance(extra.path, Path)
    rules = [r for _, a in loaded.files.values() if isinstance(a, Article) for r in a.rules]
    assert any(r.phrasings for r in rules) and all(type(r.phrasings) is tuple for r in rules)
    tables = [t for _, a in loaded.files.values() if isinstance(a, Article) for t in a.tables]
    tables += [
        t for _, a in loaded.files.values() if isinstance(a, Article) for s in a.sections for t in s.tables
    ]
    assert tables and all(type(t.rows) is tuple and all(type(r) is tuple for r in t.rows) for t in tables)
    assert _same_kb(load_kb(full_kb, loaded), load_kb(full_kb))


def test_a_file_changed_since_the_cache_was_saved_is_parsed_again(kb: Path, tmp_path: Path):
    KnowledgeIndex.open(kb, tmp_path / "ix").close()
    (kb / "a1.md").write_text(_article("a1", "роуминг"), encoding="utf-8")
    (kb / "a3.md").unlink()
    with KnowledgeIndex.open(kb, tmp_path / "ix") as ix:
        assert ix._load_cache.parsed == 1
        assert [a.id for a in ix.kb.articles] == ["a0", "a1", "a2"]
        assert ix.search("роуминг").hits[0].id == "a1/main/1"
        assert not ix.search("слово3").hits or ix.search("слово3").hits[0].article != "a3"


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
        lambda p: p.write_bytes(p.read_bytes()[:8] + b"\0" * 40 + p.read_bytes()[48:]),
        lambda p: p.write_bytes(b""),
        lambda p: p.write_bytes(b"garbage that is not a cache"),
    ],
    ids=["truncated", "garbled", "empty", "garbage"],
)
def test_a_damaged_cache_is_ignored(kb: Path, tmp_path: Path, damage):
    KnowledgeIndex.open(kb, tmp_path / "ix").close()
    damage(tmp_path / "ix" / kb_cache.CACHE_NAME)
    assert kb_cache.load(tmp_path / "ix", kb) is None
    with KnowledgeIndex.open(kb, tmp_path / "ix") as ix:
        assert ix._load_cache.parsed == 4 and len(ix.kb.articles) == 4
        assert ix.search("слово1").hits[0].id == "a1/main/1"
    assert kb_cache.load(tmp_path / "ix", kb) is not None  # written again


def test_a_cache_for_another_folder_is_not_used(kb: Path, tmp_path: Path):
    KnowledgeIndex.open(kb, tmp_path / "ix").close()
    assert kb_cache.load(tmp_path / "ix", tmp_path / "elsewhere") is None


# ----------------------------------------------------------------------------- wrong shapes
# Each case is valid marshal with an intact header: only the decoders' type checks stand between
# it and a KnowledgeBase that is not what the files say.


def _rewrite(path: Path, change: Callable[[tuple], object]) -> None:
    """Replace the cache's data by ``change(data)``, with a header that matches (CRC included)."""
    raw = path.read_bytes()
    payload = marshal.dumps(change(marshal.loads(raw[8:])), 4)
    path.write_bytes(kb_cache.MAGIC + zlib.crc32(payload).to_bytes(4, "big") + payload)


def _set(obj: tuple, where: tuple[int, ...], value: object) -> tuple:
    """``obj`` with the item at index path ``where`` replaced (tuples rebuilt along the way)."""
    if len(where) == 1:
        return (*obj[: where[0]], value, *obj[where[0] + 1 :])
    return _set(obj, where[:1], _set(obj[where[0]], where[1:], value))


def _get(obj: tuple, where: tuple[int, ...]) -> object:
    for i in where:
        obj = obj[i]
    return obj


def _first_article(data: tuple) -> int:
    return next(i for i, e in enumerate(data[3]) if e[2] == kb_cache._KINDS.index(Article))


# Index paths inside one file entry (name, signature, kind, value, digest); an article's value is
# its fields in order, section 0's rules (field 4 of a section) are columns, one per Rule field.
ENTRY, VALUE = 3, 3
SECTIONS, EXTRA, ORDER, RULES = 8, 11, 12, 4
RULE_NUMBER, RULE_PHRASINGS = 3, 7
_CASES: dict[str, Callable[[tuple, int], object]] = {
    "foreign format version": lambda d, a: _set(d, (0,), kb_cache.FORMAT_VERSION - 1),
    "another model": lambda d, a: _set(d, (1,), (("Rule", (("id", "str"),)),)),
    "not a tuple at all": lambda d, a: {"files": d[3]},
    "files as a list": lambda d, a: _set(d, (ENTRY,), list(d[ENTRY])),
    "entry with a field missing": lambda d, a: _set(d, (ENTRY, a), d[ENTRY][a][:4]),
    "path as bytes": lambda d, a: _set(d, (ENTRY, a, 0), d[ENTRY][a][0].encode()),
    "signature of two ints": lambda d, a: _set(d, (ENTRY, a, 1), d[ENTRY][a][1][:2]),
    "signature holding a float": lambda d, a: _set(d, (ENTRY, a, 1, 0), 1.5),
    "unknown kind": lambda d, a: _set(d, (ENTRY, a, 2), 9),
    "article read as a load error": lambda d, a: _set(d, (ENTRY, a, 2), kb_cache._KINDS.index(LoadError)),
    "article with a field missing": lambda d, a: _set(d, (ENTRY, a, VALUE), d[ENTRY][a][VALUE][:-1]),
    "title as an int": lambda d, a: _set(d, (ENTRY, a, VALUE, 1), 7),
    "order as a float": lambda d, a: _set(d, (ENTRY, a, VALUE, ORDER), 2.0),
    "order as a bool": lambda d, a: _set(d, (ENTRY, a, VALUE, ORDER), True),
    "extra as pairs": lambda d, a: _set(d, (ENTRY, a, VALUE, EXTRA), (("k", "v"),)),
    "extra with an int value": lambda d, a: _set(d, (ENTRY, a, VALUE, EXTRA), {"k": 1}),
    "sections as a list": lambda d, a: _set(
        d, (ENTRY, a, VALUE, SECTIONS), list(d[ENTRY][a][VALUE][SECTIONS])
    ),
    "rule number as text": lambda d, a: _set(d, (ENTRY, a, VALUE, SECTIONS, 0, RULES, RULE_NUMBER, 0), "1"),
    "rule text as a code object": lambda d, a: _set(
        d, (ENTRY, a, VALUE, SECTIONS, 0, RULES, 5, 0), compile("open('x', 'w')", "cache", "exec")
    ),
    "rule columns of unequal lengths": lambda d, a: _set(
        d, (ENTRY, a, VALUE, SECTIONS, 0, RULES, 0), _get(d, (ENTRY, a, VALUE, SECTIONS, 0, RULES, 0))[:-1]
    ),
    "rule phrasing as an int": lambda d, a: _set(
        d, (ENTRY, a, VALUE, SECTIONS, 0, RULES, RULE_PHRASINGS, 0), (1,)
    ),
    "article digest as bytes": lambda d, a: _set(d, (ENTRY, a, 4), b"digest"),
}


@pytest.mark.parametrize("case", list(_CASES), ids=list(_CASES))
def test_a_cache_of_the_wrong_shape_is_ignored_and_the_kb_parsed_as_before(kb: Path, tmp_path: Path, case):
    KnowledgeIndex.open(kb, tmp_path / "ix").close()
    path = tmp_path / "ix" / kb_cache.CACHE_NAME
    _rewrite(path, lambda data: _CASES[case](data, _first_article(data)))
    assert kb_cache.load(tmp_path / "ix", kb) is None
    with KnowledgeIndex.open(kb, tmp_path / "ix") as ix:
        assert ix._load_cache.parsed == 4
        assert _same_kb(ix.kb, load_kb(kb))
        assert ix.search("слово1").hits[0].id == "a1/main/1"
    assert kb_cache.load(tmp_path / "ix", kb) is not None  # written again, right this time


def test_the_shape_checks_would_see_each_change(kb: Path, tmp_path: Path):
    """The cases above change the file where it matters: unchanged, the same file loads."""
    KnowledgeIndex.open(kb, tmp_path / "ix").close()
    _rewrite(tmp_path / "ix" / kb_cache.CACHE_NAME, lambda data: data)
    assert kb_cache.load(tmp_path / "ix", kb) is not None


def _damaged(payload: bytes, rng: random.Random) -> bytes:
    """1–4 bytes replaced, sometimes cut short. The new bytes are never a container's type code:
    marshal would read the next four bytes as a length and allocate that many slots before finding
    the data short (up to 16 GB), which only a crafted file can do (random damage fails the CRC)."""
    containers = {ord(c) | flag for c in "([<>{" for flag in (0, 0x80)}
    values = [v for v in range(256) if v not in containers]
    broken = bytearray(payload)
    for _ in range(rng.randint(1, 4)):
        broken[rng.randrange(len(broken))] = rng.choice(values)
    if rng.random() < 0.2:
        broken = broken[: rng.randrange(len(broken))]
    return bytes(broken)


@pytest.fixture
def saved_full_kb(full_kb: Path, tmp_path: Path) -> tuple[Path, bytes, LoadCache]:
    cache = LoadCache()
    load_kb(full_kb, cache)
    kb_cache.save(tmp_path, full_kb, cache, {})
    return tmp_path / kb_cache.CACHE_NAME, (tmp_path / kb_cache.CACHE_NAME).read_bytes(), cache


def test_random_damage_is_caught_by_the_checksum(full_kb: Path, saved_full_kb):
    path, raw, _ = saved_full_kb
    rng = random.Random(14)
    for _ in range(200):
        path.write_bytes(raw[:8] + _damaged(raw[8:], rng))
        assert kb_cache.load(path.parent, full_kb) is None


def test_random_damage_past_the_checksum_never_raises_and_gives_only_model_values(
    full_kb: Path, saved_full_kb
):
    """With the CRC made to match, marshal and the decoders see the damage: each load gives no
    cache, or files of the model's own types (a flip inside a text gives another text: only the
    checksum can tell that, and the first test shows it does)."""
    path, raw, _ = saved_full_kb
    rng = random.Random(14)
    ignored = 0
    for _ in range(300):
        broken = _damaged(raw[8:], rng)
        path.write_bytes(kb_cache.MAGIC + zlib.crc32(broken).to_bytes(4, "big") + broken)
        loaded = kb_cache.load(path.parent, full_kb)
        if loaded is None:
            ignored += 1
            continue
        for _sig, parsed in loaded[0].files.values():
            encode, decode = kb_cache.codec(type(parsed))
            assert decode(marshal.loads(marshal.dumps(encode(parsed)))) == parsed  # plain model values
        assert load_kb(full_kb, loaded[0]).root == full_kb
    assert ignored > 0


def test_writing_the_cache_removes_a_leftover_pickle(kb: Path, tmp_path: Path):
    (tmp_path / "ix").mkdir(mode=0o700)
    (tmp_path / "ix" / "kbcache.pickle").write_bytes(b"old cache")
    KnowledgeIndex.open(kb, tmp_path / "ix").close()
    assert not (tmp_path / "ix" / "kbcache.pickle").exists()
    assert (tmp_path / "ix" / kb_cache.CACHE_NAME).is_file()
