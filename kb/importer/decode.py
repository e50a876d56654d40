"""Step 1: bytes to clean text (encoding detection, line ends, odd whitespace)."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SINGLE_BYTE = ("cp1251", "koi8-r", "cp866")
_ODD_SPACES_RE = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE_RE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff\x00-\x08\x0e-\x1b\x1f\x7f]")
_LINE_BREAKS_RE = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x1c-\x1e\x85]")  # all str.splitlines() breaks
_SPACES_RE = re.compile(r" {2,}")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


def decode(data: bytes) -> Decoded:
    """Decode a source file: a BOM wins, then UTF-8, UTF-16 without BOM, then Cyrillic 8-bit codepages."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _decode_as(data[len(bom) :], name)
    if (utf16 := _utf16_without_bom(data)) is not None:
        return _decode_as(data, utf16)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return _decode_as(data, "utf-8")
    return _decode_as(data, best_single_byte(data))


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 text with a few broken bytes (a bad copy) rather than an 8-bit codepage."""
    text = data.decode("utf-8", errors="replace")
    letters = sum(ch.isalpha() and ord(ch) > 127 for ch in text)
    return letters > 20 * text.count("\ufffd")


def _decode_as(data: bytes, encoding: str) -> Decoded:
    text = data.decode(encoding, errors="replace")
    bad = text.count("\ufffd")
    warnings = (f"заменено нечитаемых байтов: {bad} (кодировка {encoding})",) if bad else ()
    return Decoded(text, encoding, warnings)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text of Latin or Cyrillic letters has 0x00 or 0x04 in every other byte."""
    sample = data[:4000]
    if len(sample) < 8:
        return None
    for offset, name in ((1, "utf-16-le"), (0, "utf-16-be")):
        high = sample[offset::2]
        if sum(b in (0x00, 0x04) for b in high) > 0.9 * len(high):
            return name
    return None


def best_single_byte(data: bytes) -> str:
    """The 8-bit Cyrillic codepage under which the text reads most like Russian (mostly lowercase)."""
    return max(_SINGLE_BYTE, key=lambda enc: _russian_score(data.decode(enc, errors="replace")))


def _russian_score(text: str) -> int:
    lower = sum("а" <= ch <= "я" or ch == "ё" for ch in text)
    upper = sum("А" <= ch <= "Я" or ch == "Ё" for ch in text)
    return lower - 2 * upper - 5 * text.count("\ufffd")


def normalize_text(text: str) -> str:
    """LF line ends, one plain space for every odd space, no invisible characters, lines stripped."""
    text = _LINE_BREAKS_RE.sub("\n", text)
    text = _INVISIBLE_RE.sub("", text)
    text = _ODD_SPACES_RE.sub(" ", text)
    return "\n".join(_SPACES_RE.sub(" ", line).strip() for line in text.split("\n"))
