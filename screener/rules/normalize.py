"""Text normalisation for rule matching, with a map back to the caller's offsets.

Rules match on one spelling: Unicode NFC, the official tone-mark placement ("hoà" -> "hòa",
"uỷ" -> "ủy"), the look-alike "Ð" (U+00D0) read as "Đ", typographic quotes and exotic spaces
read as plain ones. :func:`normalize_for_matching` returns that text together with, for every
character of it, the span of the input it came from, so a trigger found in the normalised text
is reported at the exact offsets of the input (``text[start:end] == trigger.text``).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize_tones", "normalize_for_matching", "NormalizedText"]

# Tone marks move from the second to the first vowel of an open "oa", "oe", "uy"
# (hoà -> hòa, khoẻ -> khỏe, uỷ -> ủy, thuỷ -> thủy), the spelling of official documents.
_TONED = {
    ch: (base, i)
    for base, forms in {"a": "àáảãạ", "e": "èéẻẽẹ", "y": "ỳýỷỹỵ",
                        "A": "ÀÁẢÃẠ", "E": "ÈÉẺẼẸ", "Y": "ỲÝỶỸỴ"}.items()
    for i, ch in enumerate(forms)
}
_TONE_ON = {"o": "òóỏõọ", "O": "ÒÓỎÕỌ", "u": "ùúủũụ", "U": "ÙÚỦŨỤ"}
# "oa"/"oe"/"uy" at the end of a syllable (no letter after): the tone goes on the first vowel.
# "qu" + "y" keeps the tone on "y" (quý), and a closed syllable ("hoàn", "thuyết") is untouched.
_MISPLACED_TONE = re.compile(
    r"(?:([oO])([àáảãạèéẻẽẹÀÁẢÃẠÈÉẺẼẸ])|(?<![qQ])([uU])([ỳýỷỹỵỲÝỶỸỴ]))(?![^\W\d_])")

# one-to-one character replacements (length-preserving)
_CHAR_MAP = str.maketrans({
    "\u00d0": "Đ",  # Ð (Icelandic eth) used for Đ
    "\u0110": "Đ",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ", "\t": " ",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'",
    "\u2013": "-", "\u2014": "-",
})


def _move_tone(m: re.Match) -> str:
    glide, toned = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    base, tone = _TONED[toned]
    return _TONE_ON[glide][tone] + base


def normalize_tones(s: str) -> str:
    """Old-style tone placement to the official one ("hoà" -> "hòa"); same length, idempotent.

    Expects NFC text (a decomposed tone mark is not a toned vowel).
    """
    return _MISPLACED_TONE.sub(_move_tone, s)


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
