"""Spelling normalisation shared by ingest (the canonical text) and the rules (matching)."""

from __future__ import annotations

import re

# Tone marks move from the second to the first vowel of an open "oa", "oe", "uy"
# (hoà -> hòa, khoẻ -> khỏe, uỷ -> ủy, thuỷ -> thủy), the spelling of official documents.
# "qu" + "y" keeps the tone on "y" (quý), and a closed syllable ("hoàn", "thuyết") is untouched.
_TONED = {
    ch: (base, i)
    for base, forms in {"a": "àáảãạ", "e": "èéẻẽẹ", "y": "ỳýỷỹỵ",
                        "A": "ÀÁẢÃẠ", "E": "ÈÉẺẼẸ", "Y": "ỲÝỶỸỴ"}.items()
    for i, ch in enumerate(forms)
}
_TONE_ON = {"o": "òóỏõọ", "O": "ÒÓỎÕỌ", "u": "ùúủũụ", "U": "ÙÚỦŨỤ"}
_MISPLACED_TONE = re.compile(
    r"(?:([oO])([àáảãạèéẻẽẹÀÁẢÃẠÈÉẺẼẸ])|(?<![qQ])([uU])([ỳýỷỹỵỲÝỶỸỴ]))(?![^\W\d_])")


def _move_tone(m: re.Match) -> str:
    glide, toned = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    base, tone = _TONED[toned]
    return _TONE_ON[glide][tone] + base


def normalize_tones(s: str) -> str:
    """Old-style tone placement to the official one ("hoà" -> "hòa"); same length, idempotent.

    Expects NFC text (a decomposed tone mark is not a toned vowel).
    """
    return _MISPLACED_TONE.sub(_move_tone, s)
