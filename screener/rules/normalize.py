"""Text normalisation for rule matching, with a map back to the caller's offsets.

Rules match on one spelling: Unicode NFC, the official tone-mark placement ("hoà" -> "hòa",
"uỷ" -> "ủy"), the look-alike "Ð" (U+00D0) read as "Đ", typographic quotes and exotic spaces
read as plain ones. :func:`normalize_for_matching` returns that text together with, for every
character of it, the span of the input it came from, so a trigger found in the normalised text
is reported at the exact offsets of the input (``text[start:end] == trigger.text``).
"""

from __future__ import annotations

import unicodedata

from screener.text import normalize_tones

__all__ = ["normalize_tones", "normalize_for_matching", "NormalizedText"]

# one-to-one character replacements (length-preserving)
_CHAR_MAP = str.maketrans({
    "\u00d0": "Đ",  # Ð (Icelandic eth) used for Đ
    "\u0110": "Đ",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ", "\t": " ",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'",
    "\u2013": "-", "\u2014": "-",
})


class NormalizedText:
    """``text``: the normalised string; ``to_input(start, end)``: the input span it came from."""

    __slots__ = ("original", "text", "_starts", "_ends")

    def __init__(self, original: str, text: str, starts: list[int] | None,
                 ends: list[int] | None):
        self.original = original
        self.text = text
        self._starts = starts  # None: identity map
        self._ends = ends

    def to_input(self, start: int, end: int) -> tuple[int, int]:
        if self._starts is None:
            return start, end
        if end <= start:
            pos = self._starts[start] if start < len(self._starts) else len(self.original)
            return pos, pos
        return self._starts[start], self._ends[end - 1]


def normalize_for_matching(text: str) -> NormalizedText:
    """NFC + official tone marks + one-to-one character clean-up, with an offset map."""
    if text.isascii():
        return NormalizedText(text, text, None, None)
    if unicodedata.is_normalized("NFC", text):
        out = normalize_tones(text.translate(_CHAR_MAP))
        return NormalizedText(text, out, None, None)
    # Compose cluster by cluster (a base character and the combining marks after it), so that
    # every output character knows which input characters it came from.
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        composed = unicodedata.normalize("NFC", text[i:j])
        for ch in composed:
            pieces.append(ch)
            starts.append(i)
            ends.append(j)
        i = j
    out = normalize_tones("".join(pieces).translate(_CHAR_MAP))
    return NormalizedText(text, out, starts, ends)
