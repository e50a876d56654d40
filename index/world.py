"""What libraries know about the world, as query knowledge: a country or a big foreign city means the
customer is abroad (роуминг); another operator's name means moving the number away (MNP).

Countries and cities come from Babel's CLDR data in Russian: the territory names (ISO 3166 codes,
short forms such as «ОАЭ») and the exemplar cities of the time zones outside Russia (Стамбул, Дубай,
Бангкок). Loading them costs ~30 ms and ~7 MB, so the tables are built on first use, once per
process. No library lists Russia's mobile operators in Russian, so they are a short list here.
"""

from __future__ import annotations

import logging
import threading

from index import morphology
from index.analysis import STOP_WORDS
from index.thesaurus import Form, PhraseTable, content_form

log = logging.getLogger(__name__)

HOME_TERRITORY = "RU"
MIN_NAME_LETTERS = 4  # shorter names (Чад, Мали as a word) are too often something else
# What a rule says when the customer is abroad, and when they leave for another operator.
ABROAD = ("роуминг", "за границей", "заграница", "за рубежом", "зарубежье")
LEAVING = ("другой оператор", "сменить оператора", "перенос номера", "MNP", "портация", "расторжение")
OWN_NAMES = frozenset({"мтс", "mts"})  # normalised: the operator whose agents use this app
OPERATORS = (
    "МегаФон", "Билайн", "Beeline", "Вымпелком", "Tele2", "Теле2", "Т2", "Yota", "Йота", "Ёта",
    "Ростелеком", "Тинькофф Мобайл", "Т-Мобайл", "СберМобайл", "Сбер Мобайл", "Мотив", "Летай",
    "Danycom", "Даником", "ВТБ Мобайл", "Газпромбанк Мобайл", "MegaFon",
)  # fmt: skip

_lock = threading.Lock()
_tables: tuple[PhraseTable, PhraseTable] | None = None


def abroad_forms() -> list[tuple[Form, float]]:
    return [(content_form(t), 1.0) for t in ABROAD]


def leaving_forms() -> list[tuple[Form, float]]:
    return [(content_form(t), 1.0) for t in LEAVING]


def tables() -> tuple[PhraseTable, PhraseTable]:
    """(places → the abroad forms, other operators → the leaving forms), built once per process."""
    global _tables
    if _tables is None:
        with _lock:
            if _tables is None:
                _tables = (_places_table(), _operators_table())
    return _tables


def _operators_table() -> PhraseTable:
    table = PhraseTable()
    forms = leaving_forms()
    for name in OPERATORS:
        table.add(name, forms)
    return table


def _places_table() -> PhraseTable:
    table = PhraseTable()
    forms = abroad_forms()
    for name in place_names():
        if _usable(name):
            table.add(name, forms, lemmas=False)
    return table


def _usable(name: str) -> bool:
    """A name that will not be mistaken for an ordinary word of a query."""
    letters = name.replace(" ", "").replace("-", "")
    return len(letters) >= MIN_NAME_LETTERS and name.lower() not in STOP_WORDS and "." not in name


def place_names() -> list[str]:
    """Russian names of the countries and of the big cities outside Russia, from CLDR (Babel); a city
    whose name is an ordinary word first (Восток, Тролль, Дарвин: Antarctic stations) is left out."""
    try:
        from babel import Locale
        from babel.core import get_global
    except ImportError:
        log.info("Babel unavailable: country and city names are not known to search")
        return []
    locale = Locale("ru")
    names = [n for code, n in locale.territories.items() if len(code) == 2 and code != HOME_TERRITORY]
    zones = get_global("zone_territories")
    names += [
        zone["city"]
        for tz, zone in locale.time_zones.items()
        if "city" in zone and zones.get(tz) not in (HOME_TERRITORY, None) and _city_name(zone["city"])
    ]
    return list(dict.fromkeys(names))


def _city_name(name: str) -> bool:
    one_word = " " not in name and "-" not in name
    return not (one_word and morphology.is_known(name) and not morphology.is_geographic(name))
