"""Document metadata read from the header of the canonical text.

A Vietnamese regulation opens with a fixed header: issuer, "Số: ..." number, place and date,
the type line (NGHỊ ĐỊNH, LUẬT, ...) and the title. Drafts leave the number and date blank.
OCR'd drafts lose diacritics, so matching is done on folded (diacritic-free) text.
"""

from __future__ import annotations

import re
from datetime import date

from screener.document import Metadata
from screener.ingest.normalize import fold

HEAD_CHARS = 3000

_TYPES = {  # longest first: "THÔNG TƯ LIÊN TỊCH" before "THÔNG TƯ", "BỘ LUẬT" before "LUẬT"
    "THONGTULIENTICH": "Thông tư liên tịch", "NGHIQUYET": "Nghị quyết", "NGHIDINH": "Nghị định",
    "QUYETDINH": "Quyết định", "PHAPLENH": "Pháp lệnh", "THONGTU": "Thông tư",
    "BOLUAT": "Bộ luật", "LUAT": "Luật",
}
_KNOWN_ISSUERS = {
    "CHINHPHU": "Chính phủ", "QUOCHOI": "Quốc hội", "THUTUONGCHINHPHU": "Thủ tướng Chính phủ",
    "UYBANTHUONGVUQUOCHOI": "Ủy ban Thường vụ Quốc hội", "VANPHONGQUOCHOI": "Văn phòng Quốc hội",
    "VANPHONGCHINHPHU": "Văn phòng Chính phủ", "CHUTICHNUOC": "Chủ tịch nước",
    "NGANHANGNHANUOCVIETNAM": "Ngân hàng Nhà nước Việt Nam",
    "TOAANNHANDANTOICAO": "Tòa án nhân dân tối cao",
    "VIENKIEMSATNHANDANTOICAO": "Viện kiểm sát nhân dân tối cao",
    "HOIDONGTHAMPHANTOAANNHANDANTOICAO": "Hội đồng Thẩm phán Tòa án nhân dân tối cao",
    "KIEMTOANNHANUOC": "Kiểm toán nhà nước",
}
# issuer names that continue on the next header line
_UNFINISHED_ISSUERS = {"HOIDONGTHAMPHAN", "UYBANNHANDAN", "HOIDONGNHANDAN", "UYBANTHUONGVU"}
_CODE_FIXES = {"ND": "NĐ", "QD": "QĐ", "HDTP": "HĐTP", "HDND": "HĐND"}
_NUMBER_LABEL = re.compile(r"(?:(?<![a-z])|(?<=luat))s[oe]\s*[:.]", re.I)
# "<Place>, ngày 31 tháng 01 năm 2026"; body dates ("thông qua ngày ...") follow a lowercase word
_DATE = re.compile(r"(?:^|,|\b[A-Z][a-z]+)\s*[Nn]gay\s*(\d{1,2})?[\s.…_/-]*thang\s*(\d{1,2})?"
                   r"[\s.…_/-]*nam\s*(\d{4})?")
_COUNTRY = re.compile(r"CONG\s*HOA\b", re.I)
_DRAFT = re.compile(r"^\W*(?:du|Du|DU)\s*(?:thao|THAO)\b|\bDU\s*THAO\b")
_BODY_START = re.compile(r"(?:Can cu|Dieu\s+1\b|Chuong\s+I\b|CHUONG\s+I\b)")
_TITLE_STOP = re.compile(r"(?:Can cu|Theo de nghi|Xet de nghi|Chuong|CHUONG|Dieu\s+\d|Phan thu)\b"
                         # the issuing authority line of a resolution or decision
                         r"|(?:BO TRUONG|THU TUONG|CHU TICH|HOI DONG|UY BAN|THONG DOC|TONG)\b")


def _folded(line: str) -> str:
    """Folded line, same length as ``line`` so match offsets apply to both."""
    f = fold(line)
    return f if len(f) == len(line) else line


def _key(line: str) -> str:
    return "".join(c for c in fold(line) if c.isalpha()).upper()


def split_type_line(line: str) -> tuple[str, str] | None:
    """("Nghị định", "") for "NGHỊ ĐỊNH"; ("Luật", "THUẾ ...") for "LUẬT THUẾ ..."; OCR-tolerant."""
    if any(c.islower() for c in line) or len(line) > 300:
        return None
    key = _key(line)
    for type_key, name in _TYPES.items():
        if key == type_key or (key.startswith(type_key) and len(key) - len(type_key) >= 4):
            count = 0  # skip the letters of the type words in the original line
            for i, c in enumerate(line):
                if count == len(type_key):
                    return name, line[i:].strip()
                count += c.isalpha()
            return name, ""
    return None


def _title_case(words: list[str]) -> str:
    """Official capitalisation: "BỘ KHOA HỌC VÀ CÔNG NGHỆ" -> "Bộ Khoa học và Công nghệ"."""
    out = []
    for i, w in enumerate(words):
        prev = words[i - 1] if i else ""
        if prev in {"TỈNH", "PHỐ"}:  # a place name: every word capitalised
            out += [x.capitalize() for x in words[i:]]
            break
        capital = not i or prev in {"BỘ", "VÀ", "-", "–"} or prev.endswith(",")
        out.append(w.capitalize() if capital else w.lower())
    return " ".join(out)


def _issuer_part(line: str) -> str | None:
    """The issuer's words on a header line (before "CỘNG HÒA ..." when both share it)."""
    m = _COUNTRY.search(_folded(line))
    line = (line[: m.start()] if m else line).strip(" _-—–.:")
    letters = [c for c in line if c.isalpha()]
    if len(letters) < 3 or any(c.islower() for c in letters) or any(c.isdigit() for c in line):
        return None
    if _DRAFT.search(_folded(line)) or split_type_line(line):
        return None
    return line


def _issuer(header: list[str]) -> str | None:
    for i, line in enumerate(header[:4]):
        name = _issuer_part(line)
        if name is None:
            continue
        if _key(name) in _UNFINISHED_ISSUERS and i + 1 < len(header):
            name += " " + (_issuer_part(header[i + 1]) or "")
        return _KNOWN_ISSUERS.get(_key(name)) or _title_case(name.split())
    return None


def _number(line: str) -> str | None:
    m = _NUMBER_LABEL.search(_folded(line))
    if not m:
        return None
    for token in line[m.end():].split()[:3]:
        if "/" in token:
            token = token.lstrip("—–-_.…:").rstrip(".,;:")
            return "/".join("-".join(_CODE_FIXES.get(x, x) for x in part.split("-"))
                            for part in token.split("/"))
    return None


def _date(line: str) -> tuple[bool, str | None]:
    """(found a place-and-date line, ISO date or None when left blank)."""
    m = _DATE.search(_folded(line))
    if not m:
        return False, None
    d, mo, y = m.groups()
    if not (d and mo and y):
        return True, None
    try:
        return True, date(int(y), int(mo), int(d)).isoformat()
    except ValueError:
        return True, None


def _sentence_case(s: str) -> str:
    return s[:1].upper() + s[1:].lower() if s.isupper() else s


def _title(first: str, following: list[str]) -> str | None:
    parts = [first] if first else []
    for line in following[:6]:
        if _TITLE_STOP.match(_folded(line)) or (parts and line.isupper() != parts[-1].isupper()):
            break
        parts.append(line)
    return _sentence_case(" ".join(parts)) or None


def extract(text: str, *, source_format: str | None = None, pages: int | None = None) -> Metadata:
    lines = [line for line in text[:HEAD_CHARS].split("\n") if line.strip()]
    type_at, doc_type, title = None, None, None
    for i, line in enumerate(lines[:40]):
        if _BODY_START.match(_folded(line)):
            break
        found = split_type_line(line)
        if found:
            type_at, (doc_type, rest) = i, found
            title = _title(rest, lines[i + 1:])
            break
    header = lines[: 8 if type_at is None else type_at]

    number = next((n for n in map(_number, header) if n), None)
    iso, date_blank = None, False
    for line in header:
        found, iso = _date(line)
        if found:
            date_blank = iso is None
            break
    top = lines[: (8 if type_at is None else type_at) + 4]
    is_draft = bool(
        (number and (number.startswith("/") or "…" in number or "..." in number))
        or date_blank
        or any(_DRAFT.search(_folded(line)) for line in top))
    return Metadata(type=doc_type, number=number, issuer=_issuer(header), date=iso, title=title,
                    is_draft=is_draft, pages=pages, source_format=source_format)
