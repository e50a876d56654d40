"""Decoding a KB file: UTF-8 (a BOM allowed), UTF-16 with a BOM, or Windows cp1251 with a notice."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from kb.article_md import ArticleError

CP1251 = "cp1251"
CP1251_NOTICE = "файл не в UTF-8, прочитан как cp1251 (Windows); сохраните его в UTF-8"

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF8_CYRILLIC_RE = re.compile(rb"[\xd0\xd1][\x80-\xbf]")  # how Russian letters look as UTF-8 bytes
_CONTROL_RE = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f\x98]")  # never in a text file; 0x98 is unused


@dataclass(frozen=True)
class DecodedFile:
    text: str
    encoding: str  # "utf-8", "utf-16" or CP1251

    @property
    def guessed(self) -> bool:
        """Read in an encoding the file does not declare: the editor should be told."""
        return self.encoding == CP1251


def decode_kb_bytes(data: bytes) -> DecodedFile:
    """A KB file's text; raises ArticleError with the line of the first byte that cannot be read."""
    if data.startswith(_UTF16_BOMS):
        return DecodedFile(_decode(data, "utf-16"), "utf-16")
    if data.startswith(codecs.BOM_UTF8):
        return DecodedFile(_decode(data[len(codecs.BOM_UTF8) :], "utf-8"), "utf-8")
    try:
        return DecodedFile(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        if plausibly_cp1251(data):
            return DecodedFile(data.decode(CP1251), CP1251)
        raise _not_readable(data, exc, "UTF-8 nor Windows cp1251") from None


def plausibly_cp1251(data: bytes) -> bool:
    """Russian text saved by Notepad as "ANSI": no control bytes, mostly Cyrillic letters, mostly
    lowercase, and not UTF-8 with a few bad bytes (most Cyrillic would then be UTF-8 pairs)."""
    if _CONTROL_RE.search(data):
        return False
    high = sum(b >= 0x80 for b in data)
    utf8_bytes = 2 * len(_UTF8_CYRILLIC_RE.findall(data))
    if 2 * utf8_bytes > high:
        return False
    text = data.decode(CP1251)
    lower = sum("а" <= ch <= "я" or ch == "ё" for ch in text)
    upper = sum("А" <= ch <= "Я" or ch == "Ё" for ch in text)
    return lower > upper and lower + upper >= 0.7 * high


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _not_readable(data, exc, encoding.upper()) from None


def _not_readable(data: bytes, exc: UnicodeDecodeError, what: str) -> ArticleError:
    line = data[: exc.start].decode(exc.encoding, errors="replace").count("\n") + 1
    return ArticleError(line, f"not valid {what} (byte 0x{data[exc.start]:02x}): save the file as UTF-8")
