"""Legacy Vietnamese font encodings: TCVN3 (ABC, the ``.VnTime`` fonts) and VNI (``VNI-Times``).

Before Unicode, Vietnamese documents were typed in 8-bit fonts whose letters sit on Latin-1
code points: TCVN3 writes "Cộng hòa" as "Céng hoµ", VNI as "Coäng hoøa". Such text reaches
screener as a .txt file, or as the text layer of a PDF printed from it. ``fix_legacy`` finds
out whether a text is in one of them (the converted text must read as many more valid
Vietnamese syllables than the original does) and converts it; otherwise the text is returned
unchanged. Run it on the raw text, before ``normalize_text`` (TCVN3's "ư" is U+00AD, a soft
hyphen that normalisation deletes).

TCVN3 has no upper-case toned vowels (the ``.VnTimeH`` fonts draw the same codes as capitals),
so a heading typed in such a font comes out in lower case.
"""

from __future__ import annotations

import re
import unicodedata

from screener.ingest.syllables import is_syllable

# TCVN3 code (as the Latin-1 character it is read as) -> Unicode
_TCVN3_SRC = ("µ¸¶·¹" "¨»¾¼½Æ" "©ÇÊÈÉË" "®" "ÌÐÎÏÑ" "ªÒÕÓÔÖ" "×ÝØÜÞ" "ßãáâä" "«åèæçé"
              "¬êíëìî" "ïóñòô" "\u00adõøö÷ù" "úýûüþ" "¡¢§£¤¥¦")
_TCVN3_DST = ("àáảãạ" "ăằắẳẵặ" "âầấẩẫậ" "đ" "èéẻẽẹ" "êềếểễệ" "ìíỉĩị" "òóỏõọ" "ôồốổỗộ"
              "ơờớởỡợ" "ùúủũụ" "ưừứửữự" "ỳýỷỹỵ" "ĂÂĐÊÔƠƯ")
assert len(_TCVN3_SRC) == len(_TCVN3_DST)
_TCVN3 = str.maketrans(_TCVN3_SRC, _TCVN3_DST)

# VNI: a base letter followed by a mark character
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_CIRC, _BREVE = "\u0302", "\u0306"
_VNI_TONE = {"ù": _ACUTE, "ø": _GRAVE, "û": _HOOK, "õ": _TILDE, "ï": _DOT}
_VNI_CIRC = {"â": "", "á": _ACUTE, "à": _GRAVE, "å": _HOOK, "ã": _TILDE, "ä": _DOT}  # after a, e, o
_VNI_BREVE = {"ê": "", "é": _ACUTE, "è": _GRAVE, "ú": _HOOK, "ü": _TILDE, "ë": _DOT}  # after a
_VNI_MARKS = "".join(set(_VNI_TONE) | set(_VNI_CIRC) | set(_VNI_BREVE))
_VNI_MARKS += _VNI_MARKS.upper()
_VNI_PAIR = re.compile(f"([aeiouyAEIOUYôÔöÖ])([{_VNI_MARKS}])")
# letters of their own: ơ ư đ and the toned i, y that VNI writes as one character
_VNI_SINGLE = str.maketrans("ôÔöÖñÑæÆóÓòÒîÎ", "ơƠưƯđĐỉỈĩĨịỊỵỴ")


def tcvn3_to_unicode(text: str) -> str:
    return text.translate(_TCVN3)


def _vni_pair(m: re.Match) -> str:
    base, mark = m.group(1), m.group(2)
    low = mark.lower()
    base_low = base.lower()
    if base_low in "ôö":
        base = base.translate(_VNI_SINGLE)
    if low in _VNI_TONE:
        return base + _VNI_TONE[low]
    if base_low in "aeo" and low in _VNI_CIRC:
        return base + _CIRC + _VNI_CIRC[low]
    if base_low == "a" and low in _VNI_BREVE:
        return base + _BREVE + _VNI_BREVE[low]
    return m.group(0)


def vni_to_unicode(text: str) -> str:
    text = _VNI_PAIR.sub(_vni_pair, text)
    return unicodedata.normalize("NFC", text.translate(_VNI_SINGLE))


_WORD = re.compile(r"[^\W\d_]+")
#: letters only Unicode Vietnamese has (toned vowels, ă â đ ê ô ơ ư)
_VIET = re.compile("[\u1ea0-\u1ef9ăâđêôơưĂÂĐÊÔƠƯ]")
_TCVN3_HINT = re.compile("[µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑªÒÕÓÔÖ×ÝØÜÞß«åæçé¬êíëìîïñòõø÷ùúûüþ§\u00ad]")
_VNI_HINT = re.compile(f"[aeouyAEOUY][{_VNI_MARKS}]|[ñÑöÖ]")
SAMPLE = 200_000  # characters looked at to decide


def _valid_share(text: str) -> tuple[float, int]:
    """(share of the non-ASCII words that are Vietnamese syllables, number of such words)."""
    words = [w for w in _WORD.findall(text) if not w.isascii()]
    if not words:
        return 0.0, 0
    good = sum(is_syllable(w) for w in words)
    return good / len(words), len(words)


def detect(text: str) -> str | None:
    """"tcvn3", "vni" or None (Unicode, another language, or too little to tell)."""
    sample = text[:SAMPLE]
    hints_tcvn3 = len(_TCVN3_HINT.findall(sample))
    hints_vni = len(_VNI_HINT.findall(sample))
    viet = len(_VIET.findall(sample))
    if max(hints_tcvn3, hints_vni) < 5 or viet > max(hints_tcvn3, hints_vni):
        return None
    base, _ = _valid_share(unicodedata.normalize("NFC", sample))
    best, best_share = None, base
    for name, fn in (("tcvn3", tcvn3_to_unicode), ("vni", vni_to_unicode)):
        share, n = _valid_share(unicodedata.normalize("NFC", fn(sample)))
        if n >= 5 and share >= 0.6 and share > best_share + 0.2:
            best, best_share = name, share
    return best


NAMES = {"tcvn3": "TCVN3 (ABC, .VnTime fonts)", "vni": "VNI (VNI-Times fonts)"}


def fix_legacy(text: str) -> tuple[str, str | None]:
    """(the text in Unicode, the legacy encoding it was in or None)."""
    enc = detect(text)
    if enc == "tcvn3":
        return tcvn3_to_unicode(text), enc
    if enc == "vni":
        return vni_to_unicode(text), enc
    return text, None


def notice(enc: str, name: str) -> str:
    return (f"{name} was typed in the legacy {NAMES[enc]} encoding and has been converted to "
            "Unicode; check the converted text against the original (capitals typed in the "
            "heading fonts may come out in lower case).")
