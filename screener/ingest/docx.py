"""DOCX body text (python-docx): paragraphs and table cells in reading order.

Word does not store page numbers; explicit page breaks, section breaks and the page breaks
Word recorded when it last laid the document out (``lastRenderedPageBreak``) are used when
present, otherwise the whole document is one page.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from screener.errors import InputError, LimitExceededError, MacroDocumentError, UnsupportedFormatError
from screener.ingest.layout import Line, split_lines
from screener.limits import MAX_ZIP_ENTRIES, MB, Deadline, Limits
from screener.limits import current as current_limits

_READS = "screener reads PDF (scans through OCR), DOCX, TXT and Markdown."

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


_WORD_MAIN = "word/document.xml"
_MACRO_TYPES = ("macroEnabled", "vbaProject")
#: what a ZIP that is not a Word document holds, and what to call it
_OTHER_PACKAGES = (("xl/", "an Excel workbook (.xlsx)"), ("ppt/", "a PowerPoint presentation (.pptx)"),
                   ("content.xml", "an OpenDocument file (.odt/.ods)"))


def check_package(data: bytes, name: str, limits: Limits | None = None) -> None:
    """Refuses, from the ZIP directory alone and before anything is inflated, a DOCX that is
    another kind of ZIP, carries macros, or would unpack past the limits (a ZIP bomb)."""
    limits = limits or current_limits()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise InputError(f"{name} is not a readable DOCX file (a damaged ZIP package: {exc}); "
                         "open it in Word and save it again as .docx.") from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise LimitExceededError(f"{name} is a ZIP package of {len(infos)} parts (more than "
                                 f"{MAX_ZIP_ENTRIES}); it is not a normal Word document.", "unzipped")
    names = {i.filename for i in infos}
    if _WORD_MAIN not in names:
        for prefix, kind in _OTHER_PACKAGES:
            if any(n.startswith(prefix) for n in names):
                raise UnsupportedFormatError(
                    f"{name} is {kind}, not a Word document; {_READS}")
        raise UnsupportedFormatError(
            f"{name} is a ZIP archive without a Word document in it (no {_WORD_MAIN}); {_READS}")
    total = sum(i.file_size for i in infos)
    if total > limits.max_unzipped_bytes:
        biggest = max(infos, key=lambda i: i.file_size)
        raise LimitExceededError(
            f"{name} would unpack to {total / MB:,.0f} MB ({biggest.filename}: "
            f"{biggest.file_size / MB:,.0f} MB from {biggest.compress_size / MB:,.2f} MB); the limit "
            f"is {limits.max_unzipped_mb:g} MB (SCREENER_MAX_UNZIPPED_MB). It may be a ZIP bomb; "
            "open it in Word and save it again, without embedded files.", "unzipped")
    macros = [n for n in names if n.lower().endswith("vbaproject.bin") or n.lower().endswith(".bin")
              and "vba" in n.lower()]
    content_types = ""
    if "[Content_Types].xml" in names:
        info = next(i for i in infos if i.filename == "[Content_Types].xml")
        if info.file_size < 1_000_000:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                try:
                    content_types = z.read(info).decode("utf-8", "replace")
                except Exception:  # noqa: BLE001 - python-docx reports a broken package below
                    content_types = ""
    if macros or any(t in content_types for t in _MACRO_TYPES):
        raise MacroDocumentError(
            f"{name} is a macro-enabled Word document (it carries VBA macros"
            + (f": {', '.join(sorted(macros))}" if macros else "") + "); screener does not open "
            "documents with macros. In Word, save it as \"Word Document (*.docx)\" (macros are "
            "removed) and try again.")


def read_docx(data: bytes, name: str, limits: Limits | None = None,
              deadline: Deadline | None = None) -> tuple[list[Line], int]:
    """Lines with their pages, and the number of pages."""
    check_package(data, name, limits)
    try:
        import docx

        body = docx.Document(io.BytesIO(data)).element.body
    except InputError:
        raise
    except MemoryError:
        raise LimitExceededError(f"{name} needs more memory to read than is available; "
                                 "open it in Word and save it again.", "memory") from None
    except Exception as exc:  # zip, XML and package errors
        raise InputError(
            f"{name} is not a readable DOCX file ({exc}); open it in Word and save it "
            "again as .docx.") from exc
    collector = _Collector()
    for n, event in enumerate(_blocks(body)):
        collector.feed(event)
        if deadline is not None and n % 5000 == 0:
            deadline.check(name)
    collector.flush(cut=False)
    return collector.lines, collector.page + 1
