"""Reading a PDF, DOCX, text or Markdown file into one canonical ``Document``.

Every later offset refers to ``Document.text``: Unicode NFC, official tone marks, page
furniture removed, lines broken by the page layout re-joined, one paragraph per line.
Failures are ``screener.errors.InputError`` subclasses, never a library's own exception.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from screener.document import Document
from screener.errors import EmptyDocumentError, InputError, UnsupportedFormatError
from screener.ingest import layout, legacy, metadata
from screener.ingest.legacy import fix_legacy
from screener.ingest.normalize import normalize_text
from screener.limits import Limits
from screener.limits import current as current_limits

_TEXT_EXTS = {".txt", ".text", ""}
_MARKDOWN_EXTS = {".md", ".markdown"}
_OTHER_FORMATS = {".doc": "legacy Word .doc", ".rtf": "RTF", ".odt": "OpenDocument",
                  ".xls": "Excel", ".xlsx": "Excel", ".pptx": "PowerPoint", ".html": "HTML",
                  ".htm": "HTML", ".png": "image", ".jpg": "image", ".jpeg": "image"}
_READS = "screener reads PDF (scans through OCR), DOCX, TXT and Markdown."

__all__ = ["read", "normalize_text", "detect_format"]


def detect_format(data: bytes, name: str) -> str:
    """"pdf", "docx", "markdown" or "text", from the magic bytes first, then the extension."""
    ext = Path(name).suffix.lower()
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        if ext in (".docx", ".docm", ".dotx") or b"word/" in data[:65536]:
            return "docx"
        raise UnsupportedFormatError(f"{name} is a ZIP archive, not a Word document; {_READS}")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnsupportedFormatError(
            f"{name} is a legacy Word .doc file; open it in Word and save it as .docx.")
    if ext == ".pdf":
        raise InputError(f"{name} is not a valid PDF (it does not start with %PDF); "
                         "it may be damaged or be another kind of file.")
    if ext == ".docx":
        raise InputError(f"{name} is not a valid DOCX file (it is not a ZIP package); "
                         "open it in Word and save it again as .docx.")
    if ext in _MARKDOWN_EXTS:
        return "markdown"
    if ext in _TEXT_EXTS:
        return "text"
    kind = _OTHER_FORMATS.get(ext, ext)
    raise UnsupportedFormatError(f"{name}: {kind} files are not supported; {_READS}")


def _load(source: str | Path | bytes, name: str | None, limits: Limits) -> tuple[bytes, str]:
    """The file's bytes; its size is checked against the limit before it is read."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        name = name or "document"
        limits.check_file_size(len(source), name)
        return bytes(source), name
    path = Path(source)
    shown = name or path.name
    try:
        if path.is_file():
            limits.check_file_size(path.stat().st_size, shown)
        with open(path, "rb") as fh:  # a FIFO or device: never read more than the limit
            data = fh.read(limits.max_file_bytes + 1)
        limits.check_file_size(len(data), shown)
        return data, shown
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a document.") from None
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror or exc}.") from None


def read(source: str | Path | bytes, *, name: str | None = None,
         progress: Callable[[int, int], None] | None = None, ocr: bool = True,
         limits: Limits | None = None) -> Document:
    """Reads a document from a path or from bytes (``name`` then gives its file name).

    PDF pages without a text layer are read by OCR (Tesseract; ``ocr=False`` turns it off):
    ``progress(done, total)`` is called as the ``total`` pages to OCR are read, and the
    document records them in ``ocr_pages`` (page -> mean confidence) and ``ocr_warnings``.

    ``limits`` (default ``screener.limits.current()``: file size, pages, characters, unpacked
    size, time) are checked before the work they bound; going past one raises
    ``LimitExceededError``. Text in a legacy Vietnamese font encoding (TCVN3, VNI) is
    converted; ``document.notices`` then says so.
    """
    limits = limits or current_limits()
    deadline = limits.deadline()
    data, name = _load(source, name, limits)
    if not data.strip():
        raise EmptyDocumentError(f"{name} is empty.")
    fmt = detect_format(data, name)
    ocr_pages: dict[int, float | None] = {}
    unread: list[int] = []
    warnings: list[str] = []
    legacy_enc = None
    if fmt == "pdf":
        from screener.ingest.pdf import read_pdf_pages

        pdf = read_pdf_pages(data, name, progress=progress, ocr=ocr, limits=limits, deadline=deadline)
        ocr_pages, unread, warnings = pdf.ocr_pages, pdf.unread, pdf.warnings
        legacy_enc = pdf.legacy
        limits.check_chars(sum(map(len, pdf.pages)), name)
        # OCR'd running headers differ from page to page: match them loosely
        text, starts = layout.assemble(pdf.pages, ocr=bool(ocr_pages) and len(pdf.pages) > 1)
    elif fmt == "docx":
        from screener.ingest.docx import read_docx

        lines, n_pages = read_docx(data, name, limits, deadline)
        limits.check_pages(n_pages, name)
        limits.check_chars(sum(len(line[0]) for line in lines), name)
        joined, legacy_enc = fix_legacy("\n".join(line[0] for line in lines))
        if legacy_enc:
            lines = [(t, *line[1:]) for t, line in zip(joined.split("\n"), lines)]
        text, starts = layout.join(lines, n_pages, wrapped=False)
    else:
        from screener.ingest.plaintext import decode_text, split_pages

        raw, legacy_enc = decode_text(data, name)
        limits.check_chars(len(raw), name)
        text, starts = layout.assemble(split_pages(raw, markdown=fmt == "markdown"), ocr=True)
    deadline.check(name)
    if not text.strip():
        raise EmptyDocumentError(f"{name} contains no text.")
    limits.check_chars(len(text), name)
    meta = metadata.extract(text, source_format=fmt, pages=len(starts))
    if ocr_pages or unread or warnings:
        meta = replace(meta, ocr={"pages": {str(p): c for p, c in sorted(ocr_pages.items())},
                                  "unread": list(unread), "warnings": list(warnings)})
    doc = Document(text=text, page_starts=starts, metadata=meta, name=name,
                   ocr_pages=dict(ocr_pages), ocr_unread=list(unread),
                   ocr_warnings=list(warnings))
    notices = [legacy.notice(legacy_enc, name)] if legacy_enc else []
    doc.notices = notices
    doc.legacy_encoding = legacy_enc
    return doc
