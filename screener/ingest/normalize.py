"""Character-level normalisation: one spelling for the same text, whatever produced it.

Later stages match words and markers against the canonical text, so invisible characters,
exotic spaces, decomposed diacritics and the two tone-mark conventions must all collapse
to one form here.
"""

from __future__ import annotations

import re
import unicodedata

from screener.text import normalize_tones
from functools import cache

_LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n",
                "\u2028": "\n", "\u2029": "\n"}
_LINE_BREAK_RE = re.compile("|".join(map(re.escape, _LINE_BREAKS)))


@cache
def _char_table() -> dict[int, str | None]:
    """Deletes format/control characters and turns every Unicode space into ' '."""
    table: dict[int, str | None] = {}
    for cp in range(0x10000):
        cat = unicodedata.category(chr(cp))
        if cat == "Cf" or (cat == "Cc" and cp != 0x0A):
            table[cp] = None
        elif cat == "Zs" and cp != 0x20:
            table[cp] = " "
    table[0x09] = " "
    table[0xD0] = "Đ"  # the look-alike "Ð" (Icelandic eth) typed for "Đ"
    for cp in range(0xE0000, 0xE0080):  # language tags
        table[cp] = None
    return table


def normalize_text(s: str) -> str:
    """NFC, official tone marks, no invisible characters, single spaces, no trailing spaces."""
    s = _LINE_BREAK_RE.sub(lambda m: _LINE_BREAKS[m.group()], s)
    s = unicodedata.normalize("NFC", s.translate(_char_table()))
    if not s.isascii():
        s = normalize_tones(s)
    s = re.sub(r" {2,}", " ", s)
    return re.sub(r" +(?=\n|\Z)", "", s)


def fold(s: str) -> str:
    """Strips diacritics (``Nghị định`` -> ``Nghi dinh``) for matching OCR'd or typed-ASCII text."""
    s = unicodedata.normalize("NFD", s)
    return "".join(c for c in s if not unicodedata.combining(c)).replace("đ", "d").replace("Đ", "D")
