"""The units the screener judges: khoản, điểm, and the lead-in text of each article.

A khoản with điểm contributes its own lead-in ("1. Người lao động có các quyền sau đây:") as a
unit and each điểm as another, so that no character is judged twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from screener.structure.parser import Provision

_JUDGED = ("article", "clause", "point")


@dataclass(frozen=True)
class Unit:
    provision: int  # index into the provision list
    start: int
    end: int
    label: str
    kind: str  # "article" (its lead-in), "clause" or "point"
    article_title: str | None
    chapter: str | None  # label of the enclosing chapter, for summaries


def units(provisions: list[Provision], text: str) -> list[Unit]:
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
