"""The pymorphy3 wrapper: lemmas, dictionary words, lazy thread-safe loading and the fallback."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from index import morphology


def test_lemma_is_the_normal_form_lowercase_without_yo():
    assert morphology.lemma("Списали") == "списать"
    assert morphology.lemma("звонят") == "звонить"
    assert morphology.lemma("роуминге") == "роуминг"
    assert morphology.lemma("ёлки") == "елка"


def test_lemma_of_an_unknown_word_is_the_word():
    assert morphology.lemma("роумниг") == "роумниг"
    assert morphology.lemma("Портации") == "портации"
    assert morphology.lemma("sim") == "sim"
    assert morphology.lemma("20") == "20"
    assert morphology.lemma("") == ""


def test_is_known_tells_dictionary_words_from_typos():
    for word in ("списывает", "роуминге", "Дозвониться", "ещё", "еще", "симку"):
        assert morphology.is_known(word), word
    for word in ("роумниг", "портации", "hjevbyu", "sim", "12", "", "спсиали"):
        assert not morphology.is_known(word), word


def test_concurrent_first_calls_load_one_analyzer(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(morphology, "_analyzer", None)
    monkeypatch.setattr(morphology, "_failed", False)
    morphology._reading.cache_clear()
    loaded = []
    real = morphology._load

    def run() -> None:
        loaded.append(real())

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(a is loaded[0] for a in loaded) and loaded[0] is not None
    morphology._reading.cache_clear()


def test_without_pymorphy3_words_fall_back(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(morphology, "_analyzer", None)
    monkeypatch.setattr(morphology, "_failed", False)
    monkeypatch.setitem(sys.modules, "pymorphy3", None)  # import raises ImportError
    morphology._reading.cache_clear()
    try:
        assert morphology.lemma("Списали") == "списали"
        assert not morphology.is_known("списали")
        assert not morphology.available()
    finally:
        morphology._reading.cache_clear()


def test_importing_the_module_loads_nothing():
    code = "import sys, index.morphology; print('pymorphy3' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", check=True
    )
    assert out.stdout.strip() == "False"


def test_place_names_and_function_words_by_the_dictionary():
    assert morphology.is_geographic("Турции") and morphology.is_geographic("стамбуле")
    assert not morphology.is_geographic("тариф") and not morphology.is_geographic("роумниг")
    for word in ("мне", "двадцать", "пожалуйста", "нужно"):
        assert morphology.is_function_word(word), word
    for word in ("тариф", "списали", "роуминг", "роумниг", "sim"):
        assert not morphology.is_function_word(word), word
