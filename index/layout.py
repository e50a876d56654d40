"""Text typed with the wrong keyboard layout (ЙЦУКЕН ↔ QWERTY), converted key for key."""

from __future__ import annotations

import re

_EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,./`" + 'QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>?~'
_RU = "йцукенгшщзхъфывапролджэячсмитьбю.ё" + "ЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ,Ё"

_EN_TO_RU = str.maketrans(dict(zip(_EN, _RU, strict=True)))
_RU_TO_EN = str.maketrans(dict(zip(_RU, _EN, strict=True)))
_LATIN_RE = re.compile(r"[A-Za-z]")
_CYRILLIC_RE = re.compile(r"[А-Яа-яЁё]")


def en_to_ru(text: str) -> str:
    """What the keys would have typed on the Russian layout: "hjevbyu" -> "роуминг"."""
    return text.translate(_EN_TO_RU)


def ru_to_en(text: str) -> str:
    """What the keys would have typed on the English layout: "ьтз" -> "mnp"."""
    return text.translate(_RU_TO_EN)


def swap_layout(chunk: str) -> str | None:
    """The chunk as typed on the other layout, or None when it mixes scripts or has no letters."""
    latin, cyrillic = bool(_LATIN_RE.search(chunk)), bool(_CYRILLIC_RE.search(chunk))
    if latin and not cyrillic:
        return en_to_ru(chunk)
    if cyrillic and not latin:
        return ru_to_en(chunk)
    return None
