"""DOCX body text (python-docx): paragraphs and table cells in reading order.

Word does not store page numbers; explicit page breaks, section breaks and the page breaks
Word recorded when it last laid the document out (``lastRenderedPageBreak``) are used when
present, otherwise the whole document is one page.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from screener.errors import InputError
from screener.ingest.layout import Line, split_lines

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _TR, _TC, _T, _BR = (_W + t for t in ("p", "tbl", "tr", "tc", "t", "br"))
_CONTAINERS = {_W + "sdt", _W + "sdtContent", _W + "customXml"}
_INLINE = {_W + "tab": "\t", _W + "cr": "\n", _W + "noBreakHyphen": "-"}
_SKIP = {_W + "pPr", _W + "rPr", _W + "del", _W + "moveFrom", _W + "instrText",
         "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"}
_PAGE_BREAK = object()
_PARAGRAPH_END = object()


def _blocks(el) -> Iterator[object]:
    for child in el:
        if child.tag == _P:
            yield from _paragraph(child)
        elif child.tag == _TBL:  # row by row, cell by cell
            for tr in child.iterchildren(_TR):
                for tc in tr.iterchildren(_TC):
                    yield from _blocks(tc)
        elif child.tag in _CONTAINERS:
            yield from _blocks(child)


def _paragraph(p) -> Iterator[object]:
    boxes: list = []
    yield from _runs(p, boxes)
    yield _PARAGRAPH_END
    for box in boxes:  # text boxes ("DỰ THẢO" labels) become paragraphs of their own
        yield from _blocks(box)
    sect = p.find(f"{_W}pPr/{_W}sectPr")
    if sect is not None:
        kind = sect.find(_W + "type")
        if kind is None or kind.get(_W + "val") != "continuous":
            yield _PAGE_BREAK


def _runs(el, boxes: list) -> Iterator[object]:
    for child in el:
        tag = child.tag
        if tag == _T:
            yield child.text or ""
        elif tag in _INLINE:
            yield _INLINE[tag]
        elif tag == _BR:
            yield _PAGE_BREAK if child.get(_W + "type") == "page" else "\n"
        elif tag == _W + "lastRenderedPageBreak":
            yield _PAGE_BREAK
        elif tag == _W + "txbxContent":
            boxes.append(child)
        elif isinstance(tag, str) and tag not in _SKIP:
            yield from _runs(child, boxes)


class _Collector:
    """Turns the event stream into lines; a paragraph cut by a page break stays one paragraph."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.page = 0
        self.pending = False  # a page break was seen; the next text opens a new page
        self.parts: list[str] = []
        #: the paragraph was cut by a page break: did the cut fall on a space?
        self.cut_space: bool | None = None

    def flush(self, *, cut: bool) -> None:
        raw = "".join(self.parts)
        self.parts = []
        texts = split_lines(raw)
        if texts and self.pending:
            self.page += 1
            self.pending = False
        for i, t in enumerate(texts):
            glue = None
            if i == 0 and self.cut_space is not None:
                glue = " " if self.cut_space or raw[:1].isspace() else ""
            self.lines.append((t, self.page, glue))
        self.cut_space = raw[-1:].isspace() if cut and texts else None

    def feed(self, event: object) -> None:
        if event is _PAGE_BREAK:
            self.flush(cut=True)
            self.pending = bool(self.lines)
        elif event is _PARAGRAPH_END:
            self.flush(cut=False)
        else:
            self.parts.append(event)


def read_docx(data: bytes, name: str) -> tuple[list[Line], int]:
    """Lines with their pages, and the number of pages."""
    try:
        import docx

        body = docx.Document(io.BytesIO(data)).element.body
    except Exception as exc:  # zip, XML and package errors
        raise InputError(
            f"{name} is not a readable DOCX file ({exc}); open it in Word and save it "
            "again as .docx.") from exc
    collector = _Collector()
    for event in _blocks(body):
        collector.feed(event)
    collector.flush(cut=False)
    return collector.lines, collector.page + 1
