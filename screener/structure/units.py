"""The units the screener judges: khoản, điểm, and the lead-in text of each article.

A khoản with điểm contributes its own lead-in ("1. Người lao động có các quyền sau đây:") as a
unit and each điểm as another, so that no character is judged twice.

A text in which the parser finds no article, khoản or điểm (another language, a letter, a
report) is screened paragraph by paragraph instead (``paragraph_units``: kind "paragraph",
label "đoạn N", no provision), and ``NO_ARTICLES`` / ``NO_ARTICLES_VI`` tell the reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from screener.structure.parser import Provision

_JUDGED = ("article", "clause", "point")


@dataclass(frozen=True)
class Unit:
    provision: int | None  # index into the provision list; None for a paragraph unit
    start: int
    end: int
    label: str
    kind: str  # "article" (its lead-in), "clause", "point", or "paragraph" (no structure found)
    article_title: str | None
    chapter: str | None  # label of the enclosing chapter, for summaries


NO_ARTICLES = ("no articles (Điều) were found: the text does not have the structure of a legal "
               "document, so it was screened paragraph by paragraph")
NO_ARTICLES_VI = ("Không tìm thấy điều (Điều) nào: văn bản không có cấu trúc của văn bản quy phạm pháp "
                  "luật, nên được rà soát theo từng đoạn văn.")
NO_ARTICLES_ITEMS = "no articles (Điều) were found; its numbered items (khoản, điểm) were screened"
NO_ARTICLES_ITEMS_VI = ("Không tìm thấy điều (Điều) nào; công cụ đã rà soát các khoản, điểm được đánh số "
                        "trong văn bản.")
#: a paragraph unit is cut at a line end past this many characters (a text without line breaks)
PARAGRAPH_MAX = 4000


def has_articles(provisions: list[Provision]) -> bool:
    return any(p.kind == "article" for p in provisions)


def paragraph_units(text: str) -> list[Unit]:
    """Every non-blank line (a paragraph in the canonical text) as a unit; a line longer than
    ``PARAGRAPH_MAX`` is cut at sentence ends (or spaces) into pieces of about that size."""
    out: list[Unit] = []
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        while start < end:
            piece_end = end
            if piece_end - start > PARAGRAPH_MAX:
                window = text[start:start + PARAGRAPH_MAX]
                cut = max(window.rfind(". "), window.rfind("; "))
                if cut < PARAGRAPH_MAX // 2:
                    cut = window.rfind(" ")
                piece_end = start + (cut + 1 if cut > 0 else PARAGRAPH_MAX)
            a, b = start, piece_end
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if b > a and any(c.isalnum() for c in text[a:b]):
                out.append(Unit(None, a, b, f"đoạn {len(out) + 1}", "paragraph", None, None))
            start = piece_end
    return out


def units(provisions: list[Provision], text: str) -> list[Unit]:
    """The judged units; paragraphs (``paragraph_units``) when the text has no article,
    khoản or điểm at all."""
    out = _provision_units(provisions, text)
    if not out and not has_articles(provisions):
        return paragraph_units(text)
    return out


def _provision_units(provisions: list[Provision], text: str) -> list[Unit]:
    first_child: dict[int, int] = {}
    for node in provisions:
        if node.parent is not None and node.kind in _JUDGED and node.parent not in first_child:
            first_child[node.parent] = node.start
    out = []
    for i, node in enumerate(provisions):
        if node.kind not in _JUDGED:
            continue
        start = node.body_start
        end = min(first_child.get(i, node.end), node.end)
        while end > start and text[end - 1].isspace():
            end -= 1
        while start < end and text[start].isspace():
            start += 1
        if end <= start:
            continue
        article, chapter = _context(provisions, i)
        out.append(Unit(i, start, end, node.label, node.kind,
                        article.title if article else None, chapter.label if chapter else None))
    return out


def _context(provisions: list[Provision], i: int) -> tuple[Provision | None, Provision | None]:
    article = chapter = None
    p: int | None = i
    while p is not None:
        node = provisions[p]
        if node.kind == "article" and article is None:
            article = node
        if node.kind == "chapter" and chapter is None:
            chapter = node
        p = node.parent
    return article, chapter
