"""Re-joins Vietnamese syllables that PDF text extraction split apart ("th ực" -> "thực").

Word-generated PDFs position some precomposed vowels on their own, and pypdf then emits a
space before them. A syllable is only re-joined when the two pieces form one valid
Vietnamese syllable and the first piece cannot stand alone, so real two-word sequences
("cho ăn", "bà L ở") are left as they are.
"""

from __future__ import annotations

import re
import unicodedata

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_STOP_TONES = "\u0301\u0323"  # the only tones allowed before a final c, ch, p, t
_RHYMES = """
a ai ao au ay an ang anh am ap at ac ach ăn ăng ăm ăp ăt ăc âu ây ân âng âm âp ât âc
e eo en eng em ep et ec ê êu ên ênh êm êp êt êch
i ia iu in inh im ip it ich iêu iên iêng iêm iêp iêt iêc
o oi on ong om op ot oc oong ooc oa oai oay oan oang oanh oam oap oat oac oach
oăn oăng oăm oăt oăc oe oeo oen oem oet ô ôi ôn ông ôm ôp ôt ôc ơ ơi ơn ơm ơp ơt
u ua ui un ung um up ut uc uân uâng uât uây uê uêch uênh uy uya uyên uyêt uych uyt uynh uyn
uyu uôi uôn uông uôm uôt uôc uơ ư ưa ưi ưu ưng ưn ưt ưc ưm ươi ươu ươn ương ươm ươp ươt ươc
y yêu yên yêm yêt
""".split()
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?(?:%s)"
    % "|".join(sorted(_RHYMES, key=len, reverse=True)))
_VOWELS = set("aăâeêioôơuưy")
_TONED_VOWELS = {unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES}
_MARKED_VOWELS = _TONED_VOWELS | set("ăâêôơư")
_GLIDE_END = set("iyuư")  # "hi|ện", "quy|ền", "ngư|ời", "lu|ật"
_GLIDE_NEXT = set("êơôâ")
# vowel-initial words that follow a person's initial in court texts: "bà L ở", "ông T ứng"
_STANDALONE = {"ở", "ấy", "ủy", "ủng", "ạ", "ổn", "ước", "ấn", "ẩn", "ốm", "ép", "ắt", "ít", "ích",
               "ý", "ảnh", "ấm", "ẩm", "ế", "ổ", "ống", "ớt", "ấp", "ứng", "ừ", "ồ"}
_PAIR = re.compile(r"(?<![^\W\d_])([^\W\d_]{1,5}) (?=([^\W\d_]+))")


def _split_tone(word: str) -> tuple[str, str]:
    d = unicodedata.normalize("NFD", word.lower())
    tones = "".join(c for c in d if c in _TONES)
    return unicodedata.normalize("NFC", "".join(c for c in d if c not in _TONES)), tones


def is_syllable(word: str) -> bool:
    base, tones = _split_tone(word)
    if len(tones) > 1 or not _SYLLABLE.fullmatch(base):
        return False
    return not tones or tones in _STOP_TONES or not re.search(r"(?:[cpt]|ch)$", base)


def _should_join(x: str, y: str) -> bool:
    if not y[0].islower() or not is_syllable(x + y):
        return False
    base, _ = _split_tone(x)
    if base in ("gi", "qu") or not any(c in _VOWELS for c in base):  # "th", "gi", "B": no word
        if not x.islower():
            return y[0] in _TONED_VOWELS and (len(x) > 1 or y not in _STANDALONE)
        # a lone letter may be a point label: "điểm c hoặc d"
        return len(x) > 1 or y[0] in _MARKED_VOWELS or not is_syllable(y)
    return (y[0] in _TONED_VOWELS and base[-1] in _GLIDE_END
            and _split_tone(y[0])[0] in _GLIDE_NEXT)


def rejoin(text: str) -> str:
    """Removes the spaces that split single syllables; text must be NFC."""
    return _PAIR.sub(lambda m: m.group(1) + ("" if _should_join(m.group(1), m.group(2)) else " "),
                     text)
