"""From page texts to one canonical text: page furniture removed, wrapped lines re-joined.

Shared by every format. The structure parser reads the result line by line, so a line
break must mean "new paragraph" (or a structural marker), never "the page was too narrow".
"""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

from screener.ingest.normalize import fold, normalize_text

_SEPARATOR = re.compile(r"[_\-—–=─━*]+")
_PAGE_NUMBER = re.compile(
    r"(?:[-–—]\s*)?(\d{1,4})(?:\s*[-–—])?"
    r"|(?:Trang|trang|TRANG|Page|page)\s*(\d{1,4})(?:\s*(?:/|của|of)\s*\d{1,4})?"
    r"|(\d{1,4})\s*/\s*\d{1,4}")
_MARKER = re.compile(
    r"[“\"'‘«]?\s*(?:"
    r"(?:Phần|PHẦN)\s+(?:thứ|THỨ|[IVXLC]+\b|\d+\b)"
    r"|(?:Chương|CHƯƠNG)\s+(?:[IVXLC]+|\d+)\b"
    r"|(?:Tiểu mục|TIỂU MỤC|Mục|MỤC)\s+(?:\d+|[IVX]+)\b"
    r"|(?:[ĐÐ]iều|[ĐÐ]IỀU)\s+\d+[a-zđ]?\s*[.:]"
    r"|\d{1,3}(?:\.\d{1,3})*[a-zđ]?\.(?:\s|$)"  # khoản "1. ", "2a. ", "1.1. "
    r"|\d{1,3}[a-zđ]?\s*,\s+[A-ZĐ]"  # OCR'd khoản "4, Dịch vụ"
    r"|[a-zđ]\d{0,2}\)|[a-zđ](?:\.\d{1,2})+\)|\((?:[ivx]+|[a-zđ])\)"  # "a)", "b1)", "a.1)", "(ii)"
    r"|(?:Phụ lục|PHỤ LỤC)\b"
    r"|[-+•●▪◦*–]\s|[\uf0a7\uf0b7\uf0d8]"  # bullets
    r"|\[\d{1,3}\]|\(\d{1,3}\)\s"
    r"|(?:C[aă]n c[ứưu]|Theo đề nghị|Xét đề nghị|Nơi nhận)\b)")  # preamble and closing paragraphs
_HEADING = re.compile(r"(?:Phần|PHẦN|Chương|CHƯƠNG|Mục|MỤC|Tiểu mục|TIỂU MỤC|Phụ lục|PHỤ LỤC)\b")
_CLOSERS = "”\"’')]»*"
_OPENERS = "“\"‘'([«"
_TERMINAL = ".;:!?…"

# a paragraph does not end on these words, nor is it one or two words long
_GLUE_WORDS = {"của", "và", "các", "theo", "tại", "số", "ngày", "về", "với", "cho", "được", "là",
               "có", "trong", "hoặc", "bởi", "từ", "những", "mà", "thì", "để", "do", "như",
               "nhưng", "bằng", "đến", "trên", "dưới", "giữa", "khi", "nếu", "hay"}
_RANGE_END = re.compile(r"[-–]\s*\d{4}\b")
_ARTICLE = re.compile(r"(?:[ĐÐ]iều|[ĐÐ]IỀU)\s+\d+[a-zđ]?\s*[.:]")
_SHORT_END = re.compile(r"[^\W\d_]+(?: [^\W\d_]+)?[.;,]")  # "Đà" + "Nẵng;"

ZONE = 3  # lines at each end of a page where headers, footers and page numbers live


def is_marker(line: str) -> bool:
    return _MARKER.match(line) is not None


def is_caps(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 2 and not any(c.islower() for c in letters)


def _caps_heading(line: str) -> bool:
    """An all-caps line with a word in it: not "226/2025/NĐ-CP)." nor "KH&CN."."""
    return is_caps(line) and any(len(w) > 1 and w.isalpha() for w in
                                 (t.strip(".,;:()“”\"") for t in line.split()))


def page_number(line: str) -> int | None:
    m = _PAGE_NUMBER.fullmatch(line)
    return int(next(g for g in m.groups() if g)) if m else None


def split_lines(text: str) -> list[str]:
    """Normalised, stripped, non-empty lines without separator rules."""
    lines = (line.strip() for line in normalize_text(text).split("\n"))
    return [line for line in lines if line and not _SEPARATOR.fullmatch(line)]


def _key(line: str) -> str:
    """Letters only, without diacritics: the same header reads alike on every page."""
    return "".join(c for c in fold(line).lower() if c.isalpha())


def _repeated_keys(pages: list[list[str]], zone: slice, fuzzy: bool) -> set[str]:
    """Keys of lines found in ``zone`` of at least half the pages (``fuzzy``: despite OCR noise)."""
    per_page = [{_key(line) for line in lines[zone] if not is_marker(line)} for lines in pages]
    keys = [k for ks in per_page for k in ks if len(k) >= 4]
    need = max(2, len(pages) // 2)
    counts = Counter(keys)
    found = {k for k, c in counts.items() if c >= need}
    if fuzzy and len(pages) <= 120:
        rest = [k for k in counts if k not in found and len(k) >= 20]
        for k in rest:
            sm = SequenceMatcher(None, b=k, autojunk=False)
            hits = 0
            for other in rest:
                sm.set_seq1(other)
                if (sm.real_quick_ratio() >= 0.85 and sm.quick_ratio() >= 0.85
                        and sm.ratio() >= 0.85):
                    hits += counts[other]
            if hits >= need:
                found.add(k)
    return found


def strip_furniture(pages: list[list[str]], *, fuzzy: bool = False) -> None:
    """Removes page numbers, running headers/footers at the top and bottom of each page."""
    repeated = set()
    if len(pages) >= 3:
        repeated = (_repeated_keys(pages, slice(0, ZONE), fuzzy)
                    | _repeated_keys(pages, slice(-ZONE, None), fuzzy))
    for lines in pages:
        for end in (0, -1):
            for _ in range(ZONE):
                if lines and (page_number(lines[end]) is not None or _key(lines[end]) in repeated):
                    lines.pop(end)
                else:
                    break


def infer_pages(lines: list[str]) -> list[list[str]]:
    """Splits wrapped text without page breaks at lone page numbers that count up 2, 3, 4...

    The split is kept only when it gives pages of similar length, so the numbered column of
    a table is not taken for page numbers.
    """
    pages: list[list[str]] = [[]]
    for line in lines:
        if page_number(line) == len(pages) + 1:
            pages.append([])
        else:
            pages[-1].append(line)
    sizes = sorted(len(p) for p in pages[:-1])
    median = sizes[len(sizes) // 2] if sizes else 0
    regular = median >= 15 and sizes[0] >= median / 2 and sizes[-1] <= median * 1.5
    return pages if regular and _typical_width(lines) else [lines]


def _terminal(line: str) -> bool:
    return line.rstrip(_CLOSERS)[-1:] in _TERMINAL


class _Joiner:
    """Decides, line after line, between a paragraph break and a soft wrap."""

    def __init__(self, width: float | None):
        self.width = width
        self.title = False  # the previous line is a caps title under a heading
        self.after_heading = False

    def separator(self, prev: str, line: str) -> str:
        if prev[-1:].isdigit() and _RANGE_END.match(line):
            return " "  # "thời kỳ 2021" + "- 2030"
        if is_marker(line):
            return "\n"
        if prev.endswith("-") and prev[-2:-1].isalnum() and line[:1].isalnum():
            return ""  # "NĐ-" + "CP"
        first = line.lstrip(_OPENERS)[:1]
        wide = self.width and len(prev) >= self.width
        if first.islower():  # after ";" or ":" a lowercase line may be a list item
            return "\n" if prev[-1:] in ";:" and not wide and not _ARTICLE.match(prev) else " "
        if _caps_heading(prev):
            return " " if self.title and _caps_heading(line) and not _terminal(prev) else "\n"
        if _terminal(prev) or _caps_heading(line):
            return "\n"
        if (first.isdigit() or prev.endswith(",") or wide or _SHORT_END.fullmatch(line)
                or prev[prev.rfind(" ") + 1:].lower() in _GLUE_WORDS):
            return " "  # "... Nghị định số" + "226/2025/NĐ-CP"
        return "\n"

    def advance(self, line: str, *, joined: bool) -> None:
        if joined:
            self.after_heading = False
            self.title = self.title and _caps_heading(line)
            return
        heading = _HEADING.match(line) is not None
        self.title = not heading and _caps_heading(line) and (self.after_heading or self.title)
        self.after_heading = heading


def _typical_width(lines: list[str]) -> float | None:
    """Length from which a line counts as full: None when lines are whole paragraphs."""
    lengths = sorted(len(line) for line in lines if len(line) >= 20)
    if len(lengths) < 10:
        return None
    full = lengths[int(len(lengths) * 0.9)]
    return 0.8 * full if full <= 160 else None


#: a line of text, its 0-based page, and the separator forced before it (None: decide)
Line = tuple[str, int, "str | None"]


def join(lines: list[Line], n_pages: int, *, wrapped: bool = True) -> tuple[str, list[int]]:
    """Canonical text and page starts; ``wrapped`` when lines were cut by a page width."""
    joiner = _Joiner(_typical_width([t for t, _, _ in lines]) if wrapped else None)
    parts: list[str] = []
    starts: list[int | None] = [None] * max(n_pages, 1)
    pos = 0
    prev = None
    for text, page, glue in lines:
        if prev is None:
            sep = ""
        else:
            sep = joiner.separator(prev, text) if glue is None else glue
        parts.append(sep)
        pos += len(sep)
        if starts[page] is None:
            starts[page] = pos
        parts.append(text)
        pos += len(text)
        joiner.advance(text, joined=prev is not None and sep != "\n")
        prev = text
    # a page without text starts where the next text does
    for i in range(len(starts) - 1, -1, -1):
        if starts[i] is None:
            starts[i] = starts[i + 1] if i + 1 < len(starts) else pos
    starts[0] = 0
    return "".join(parts), starts


def assemble(page_texts: list[str], *, ocr: bool = False) -> tuple[str, list[int]]:
    """Page texts of a laid-out document (PDF, text) to canonical text and page starts.

    ``ocr``: text that may come from OCR, where running headers differ from page to page and
    page breaks may be missing (then split at lone page numbers counting up).
    """
    pages = [split_lines(t) for t in page_texts]
    if ocr and len(pages) == 1:
        pages = infer_pages(pages[0])
    strip_furniture(pages, fuzzy=ocr)
    lines = [(line, i, None) for i, page in enumerate(pages) for line in page]
    return join(lines, len(pages))
