"""Country, city and operator names as query knowledge (index/world.py)."""

from __future__ import annotations

import sys

import pytest

from index import world
from index.thesaurus import word_keys


def _match(table, text: str):
    keys = [word_keys(w) for w in text.split()]
    return table.match(keys, 0)


def test_countries_and_foreign_cities_come_from_cldr():
    names = world.place_names()
    assert {"Турция", "Египет", "ОАЭ", "Стамбул", "Дубай"} <= set(names)
    assert "Россия" not in names and "Москва" not in names and "Новосибирск" not in names


def test_inflected_and_multi_word_places_are_found():
    places, _ = world.tables()
    assert _match(places, "турции")[0] == (0,)
    assert _match(places, "египте")[0] == (0,)  # Snowball: египт / египет; the lemma joins them
    assert _match(places, "новой зеландии")[0] == (0, 1)


def test_a_city_whose_name_is_an_ordinary_word_is_left_out():
    names = set(world.place_names())
    assert "Восток" not in names and "Тролль" not in names  # Antarctic stations in CLDR
    assert "Вена" in names and "Ливан" in names  # a country stays whatever the dictionary says


def test_other_operators_in_both_scripts():
    _, operators = world.tables()
    for text in ("мегафон", "мегафоне", "билайн", "теле2", "tele2", "йота", "тинькофф мобайл"):
        assert _match(operators, text)[0], text
    assert not _match(operators, "мтс")[0]


def test_without_babel_no_place_is_known(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "babel", None)
    assert world.place_names() == []
