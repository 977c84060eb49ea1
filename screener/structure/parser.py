"""Phần/Chương/Mục/Tiểu mục/Điều/khoản/điểm/Phụ lục parser over the canonical text.

The text is read line by line (ingest has already re-joined lines broken by the layout), so
a structural marker is recognised only at the start of a line. Sequence checks keep a line
that merely starts with a cross-reference ("Điều 5 Luật này ...") or a stray number from
opening a provision. Text quoted inside an amending article ("“Điều 5. ...”") is parsed into
nested provisions under the amending khoản or điểm instead of opening new top-level articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from screener.document import Document

LEVEL = {"appendix": 0, "part": 0, "chapter": 1, "section": 2, "subsection": 3,
         "article": 4, "clause": 5, "point": 6}
QUOTE_DEPTH = 10  # levels of quoted provisions sit below every real provision

_HEADING = [
    ("part", re.compile(r"(?:Phần|PHẦN)\s+(?:thứ\s+|THỨ\s+)?((?<=ứ\s)\w+|(?<=Ứ\s)\w+|[IVXLC]+\b|\d+\b)\s*[.:]?\s*(.*)$")),
    ("chapter", re.compile(r"(?:Chương|CHƯƠNG)\s+([IVXLC]+|\d+)\b\s*[.:\-–]?\s*(.*)$")),
    ("subsection", re.compile(r"(?:Tiểu mục|TIỂU MỤC)\s+(\d+)\s*[.:]?\s*(.*)$")),
    ("section", re.compile(r"(?:Mục|MỤC)\s+(\d+|[IVX]+)\b\s*[.:]?\s*(.*)$")),
    ("appendix", re.compile(r"(?:Phụ lục|PHỤ LỤC)\b\s*([IVXLC]+|\d+[a-z]?)?\b\s*[.:\-–]?\s*(.*)$")),
    ("article", re.compile(r"(?:[ĐÐ]iều|[ĐÐ]IỀU)\s+(\d+[a-zđ]?)(?:\s*[.:]\s*(.*))?$")),
    ("clause", re.compile(r"(\d{1,3}[a-zđ]?)(?:\.\s+(?=\S)|\s*,\s+(?=[^\W\d_]))(.*)$")),
    ("point", re.compile(r"([a-zđ]\d{0,2})\)\s*(.*)$")),
]
_QUOTE_OPEN = "“\"'‘«"
_QUOTE_CLOSE = re.compile(r"[”\"'’»]\s*[.;,]?\s*$")
_CLOSING = re.compile(
    r"(?:Nơi nhận\s*:|(?:TM|KT|TL|TUQ|Q)\.\s|(?:Bộ luật|Luật|Pháp lệnh|Nghị quyết) này (?:đã )?được .{0,80}thông qua)")


@dataclass
class Provision:
    kind: str
    number: str | None
    title: str | None
    label: str
    start: int
    end: int
    page_start: int
    page_end: int
    parent: int | None
    #: first character after the heading line (articles and above); equals ``start`` otherwise
    body_start: int
    quoted: bool = False

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in
                ("kind", "number", "title", "label", "start", "end", "page_start", "page_end", "parent")}


def _match_heading(line: str) -> tuple[str, str | None, str] | None:
    for kind, rx in _HEADING:
        m = rx.match(line)
        if m and kind == "clause" and "," in line[:m.start(2)] and not m.group(2)[:1].isupper():
            continue  # OCR "4, Dịch vụ" is a khoản; "4, 5 và 6 ..." is not
        if m:
            return kind, m.group(1), (m.group(2) or "").strip()
    return None


def _is_caps_title(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters) and len(line) < 200


def _roman(s: str) -> int | None:
    vals = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    if not s or any(c not in vals for c in s):
        return None
    total = 0
    for a, b in zip(s, s[1:] + " "):
        v = vals[a]
        total += -v if b != " " and vals.get(b, 0) > v else v
    return total


def _num(s: str) -> int:
    m = re.match(r"\d+", s)
    return int(m.group()) if m else (_roman(s) or 0)


_ALPHABET = "abcdđeghiklmnopqrstuvxy"


def _letter_rank(s: str) -> int:
    return _ALPHABET.find(s[0]) if s else -1


class _Builder:
    def __init__(self, text: str, doc: Document | None):
        self.text = text
        self.doc = doc
        self.nodes: list[Provision] = []
        self.stack: list[tuple[int, int]] = []  # (level, node index)

    def open(self, kind: str, number: str | None, title: str | None, start: int, body_start: int,
             quoted: bool, depth: int) -> int:
        level = LEVEL[kind] + depth
        self.close_to(level, start)
        parent = self.stack[-1][1] if self.stack else None
        self.nodes.append(Provision(kind, number, title or None, "", start, start, 0, 0, parent,
                                    body_start, quoted))
        self.stack.append((level, len(self.nodes) - 1))
        return len(self.nodes) - 1

    def close_to(self, level: int, at: int) -> None:
        while self.stack and self.stack[-1][0] >= level:
            self._close(self.stack.pop()[1], at)

    def _close(self, idx: int, at: int) -> None:
        end = at
        while end > self.nodes[idx].start and self.text[end - 1].isspace():
            end -= 1
        node = self.nodes[idx]
        node.end = end
        node.body_start = min(node.body_start, end)  # a heading with no body


def _label(nodes: list[Provision], i: int) -> str:
    n = nodes[i]
    own = {"part": f"Phần {n.number}", "chapter": f"Chương {n.number}", "section": f"Mục {n.number}",
           "subsection": f"Tiểu mục {n.number}", "article": f"Điều {n.number}",
           "clause": f"khoản {n.number}", "point": f"điểm {n.number}",
           "appendix": f"Phụ lục {n.number}" if n.number else "Phụ lục"}[n.kind]
    p = n.parent
    if n.kind in ("clause", "point"):
        while p is not None and nodes[p].kind in ("clause", "article") and nodes[p].quoted == n.quoted:
            own += " " + _label_own(nodes[p])
            if nodes[p].kind == "article":
                break
            p = nodes[p].parent
    elif n.kind == "section" and p is not None and nodes[p].kind == "chapter":
        own += " " + _label_own(nodes[p])
    if n.quoted:
        outer = p
        while outer is not None and nodes[outer].quoted:
            outer = nodes[outer].parent
        if outer is not None:
            own += f" (trích tại {nodes[outer].label})"
    return own


def _label_own(n: Provision) -> str:
    return {"article": f"Điều {n.number}", "clause": f"khoản {n.number}", "chapter": f"Chương {n.number}"}[n.kind]


def parse(text: str, doc: Document | None = None) -> list[Provision]:
    """Parse ``text`` into a flat list of provisions in document order (parents before children).

    ``doc`` supplies page numbers; without it every provision is on page 1.
    """
    b = _Builder(text, doc)
    last_article = 0
    in_quote = False
    quote_owner = None  # index of the provision that holds the quoted text
    pos = 0
    lines = text.split("\n")
    for i, raw in enumerate(lines):
        start = pos
        pos += len(raw) + 1
        line = raw.strip()
        if not line:
            continue
        lead = start + (len(raw) - len(raw.lstrip()))
        body_line = line
        opens_quote = False
        if line[0] in _QUOTE_OPEN and b.stack and not in_quote:
            inner = _match_heading(line[1:].lstrip())
            if inner and inner[0] in ("article", "clause", "point", "chapter", "section"):
                opens_quote = True
        if opens_quote:
            in_quote = True
            quote_owner = b.stack[-1][1]
            body_line = line[1:].lstrip()
            lead += len(line) - len(body_line)
        elif in_quote and line[0] in _QUOTE_OPEN:
            body_line = line[1:].lstrip()
            lead += len(line) - len(body_line)

        if not in_quote and _CLOSING.match(line) and last_article:
            b.close_to(0, start)
            continue

        h = _match_heading(body_line)
        if h and in_quote and not opens_quote and h[0] == "article" and line[0] not in _QUOTE_OPEN \
                and _num(h[1]) == last_article + 1:
            # the closing quote was lost (OCR): the next article of the amending law ends the quote
            b.close_to(QUOTE_DEPTH, start)
            in_quote, quote_owner = False, None
        if h:
            kind, number, title = h
            accepted = _accept(b, kind, number, title, body_line, in_quote, last_article, quote_owner)
            if accepted:
                depth = QUOTE_DEPTH if in_quote else 0
                body_start = pos if kind not in ("clause", "point") else lead
                if kind in ("part", "chapter", "section", "subsection", "appendix") and not title:
                    # the title is on the next line(s) in capitals
                    j = i + 1
                    extra = []
                    while j < len(lines) and _is_caps_title(lines[j].strip()) and not _match_heading(lines[j].strip()):
                        extra.append(lines[j].strip())
                        body_start += len(lines[j]) + 1
                        j += 1
                        if kind != "appendix" or len(extra) >= 2:
                            break
                    title = " ".join(extra)
                if kind == "article" and not title and i + 1 < len(lines) and not in_quote:
                    nxt = lines[i + 1].strip()
                    if nxt and not _match_heading(nxt) and not _CLOSING.match(nxt) and len(nxt) < 200 \
                            and not nxt.endswith((".", ";", ":")):
                        title = nxt  # old style: "Điều 5" alone, title on the next line
                        body_start += len(lines[i + 1]) + 1
                if kind in ("clause", "point"):
                    title = None
                b.open(kind, number, title, lead, body_start, in_quote, depth)
                if kind == "article" and not in_quote:
                    last_article = _num(number)
        if in_quote and _QUOTE_CLOSE.search(line) and not (opens_quote and len(line) < 3):
            b.close_to(QUOTE_DEPTH, start + len(raw.rstrip()))
            in_quote = False
            quote_owner = None
    b.close_to(0, len(text))
    nodes = b.nodes
    for i, n in enumerate(nodes):
        n.label = _label(nodes, i)
        if doc is not None:
            n.page_start = doc.page_at(n.start)
            n.page_end = doc.page_at(max(n.start, n.end - 1))
        else:
            n.page_start = n.page_end = 1
    return nodes


def _accept(b: _Builder, kind: str, number: str, title: str, line: str, in_quote: bool,
            last_article: int, quote_owner: int | None) -> bool:
    """Reject markers that break the numbering: they are text, not headings."""
    nodes = b.nodes
    if kind == "article":
        if in_quote:
            return True
        n = _num(number)
        return n > last_article and (n - last_article) < 50 and not (title or "X")[0].islower()
    if kind in ("part", "chapter", "section", "subsection"):
        if kind != "part" and _num(number or "") == 0:
            return False
        return not line.rstrip().endswith((";", ",")) and len(line) < 300
    if kind == "appendix":
        return not in_quote and (line.isupper() or bool(number)) and len(line) < 200 and not line.endswith((";", ","))
    # clause / point: must sit inside an article (or inside quoted text)
    container = [idx for lvl, idx in b.stack if (lvl >= QUOTE_DEPTH) == in_quote]
    if in_quote:
        container = [idx for lvl, idx in b.stack if lvl >= QUOTE_DEPTH] or ([quote_owner] if quote_owner is not None else [])
        if not container:
            return False
        return True
    if not any(nodes[idx].kind == "article" for idx in container):
        return False
    prev = _previous_sibling(b, kind)
    if kind == "clause":
        n = _num(number)
        if prev is None:
            return n in (1, 2)
        return _num(prev.number) < n <= _num(prev.number) + 2
    if prev is None:
        return 0 <= _letter_rank(number) <= 5
    if number[0] == prev.number[0]:
        return number[1:] != prev.number[1:] and len(number) > 1
    return _letter_rank(number) > _letter_rank(prev.number) and _letter_rank(number) - _letter_rank(prev.number) <= 3


def _previous_sibling(b: _Builder, kind: str) -> Provision | None:
    """The last provision of ``kind`` under the currently open container of that kind."""
    level = LEVEL[kind]
    parent_idx = None
    for lvl, idx in reversed(b.stack):
        if lvl < level:
            parent_idx = idx
            break
    for lvl, idx in reversed(b.stack):
        if lvl == level:
            return b.nodes[idx]
    for node in reversed(b.nodes):
        if node.parent == parent_idx and node.kind == kind and not node.quoted:
            return node
        if node.kind == b.nodes[parent_idx].kind if parent_idx is not None else False:
            break
    return None
