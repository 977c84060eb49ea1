"""PDF pages to text: the text layer (pypdf), and OCR (``screener.ingest.ocr``) where a page has none."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from screener.errors import EmptyDocumentError, EncryptedPDFError, InputError, ScannedPDFError
from screener.ingest.normalize import normalize_text
from screener.ingest.syllables import rejoin

#: a page with fewer letters and digits than this carries no real text layer
MIN_PAGE_CHARS = 40

# Word draws the footnote separator as a run of spaces; the notes below it start with their number
_FOOTNOTE_RULE = re.compile(r"\n[ \t\u00a0]{20,}\n(?=\d{1,3}\s*\S)")
_SPLIT_YEAR = re.compile(r"(năm )(19|20) (\d\d)\b")  # "năm 20 21"
_SPLIT_DATE = re.compile(r"(\d) /(\d)")  # "ngày 04 /12/2009"


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs each repair of a damaged file; the user gets one error message instead."""
    logger = logging.getLogger("pypdf")  # its modules log through child loggers
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _extract(data: bytes, name: str) -> list[str]:
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                decrypted = reader.decrypt("") != PasswordType.NOT_DECRYPTED
            except DependencyError:  # AES needs the optional cryptography package
                decrypted = False
            if not decrypted:
                raise EncryptedPDFError(
                    f"{name} is encrypted and cannot be opened without a password; "
                    "save an unprotected copy and try again.")
        return [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files
        raise InputError(
            f"{name} is not a readable PDF (it may be damaged or truncated: {exc}); "
            "open it in a PDF viewer and save or export it again.") from exc


@dataclass
class PdfText:
    """Each page's text, and how it was read."""

    pages: list[str]
    #: 1-based page -> mean word confidence (0-100) of the pages read by OCR
    ocr_pages: dict[int, float | None] = field(default_factory=dict)
    #: what could not be read, for the user (English): pages whose OCR failed or was skipped
    warnings: list[str] = field(default_factory=list)
    #: 1-based pages without a text layer that OCR did not read (not installed, timed out...)
    unread: list[int] = field(default_factory=list)


def _alnum(text: str) -> int:
    return sum(c.isalnum() for c in text)


def _has_text(text: str) -> bool:
    return _alnum(text) >= MIN_PAGE_CHARS


def _pages_with_marks(data: bytes, pages: list[int]) -> list[int]:
    """Those of ``pages`` that draw something (an image or vector paths): blank pages are skipped."""
    import pypdfium2 as pdfium
    from pypdfium2 import raw

    marked = []
    try:
        pdf = pdfium.PdfDocument(data)
    except Exception:  # pdfium cannot open what pypdf could: try every page
        return pages
    try:
        for i in pages:
            kinds = {obj.type for obj in pdf[i].get_objects(max_depth=4)}
            if kinds & {raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_SHADING}:
                marked.append(i)
    finally:
        pdf.close()
    return marked


def _page_list(pages: list[int]) -> str:
    nums = [str(i + 1) for i in pages]
    return ("page " if len(nums) == 1 else "pages ") + ", ".join(nums)


def read_pdf_pages(data: bytes, name: str, *, progress: Callable[[int, int], None] | None = None,
                   ocr: bool = True) -> PdfText:
    """Text of each page: the text layer where there is one, else OCR (``ocr=False``: no OCR).

    ``progress(done, total)`` is called as OCR advances over the ``total`` pages it reads; it
    is not called when no page needs OCR. Without Tesseract the pages with a text layer are
    still read and ``warnings`` names the others; a PDF with no text layer at all then raises
    ``ScannedPDFError`` with the install advice.
    """
    with _quiet_pypdf():
        texts = _extract(data, name)
    if not texts:
        raise EmptyDocumentError(f"{name} has no pages.")
    result = PdfText([_repair(t) for t in texts])
    textless = [i for i, t in enumerate(texts) if not _has_text(t)]
    if not textless:
        return result
    to_read = _pages_with_marks(data, textless)
    any_text = len(textless) < len(texts)
    if not to_read:
        if not any_text:
            raise ScannedPDFError(
                f"{name} has no text layer and its pages are blank: there is nothing to read, "
                "even with OCR.")
        return result
    from screener.ingest import ocr as _ocr

    if not ocr:
        if not any_text:
            raise ScannedPDFError(
                f"{name} has no text layer on its {len(texts)} pages (it is a scan) and OCR is "
                "off; upload the DOCX or text of the document.")
        result.warnings.append(f"{_page_list(to_read)} of {name} have no text layer and were "
                               "not read (OCR is off)")
        result.unread = [i + 1 for i in to_read]
        return result
    try:
        read = _ocr.ocr_pdf(data, to_read, progress=progress)
    except _ocr.OcrUnavailable as exc:
        if not any_text:
            raise ScannedPDFError(
                f"{name} has no text layer on its {len(texts)} pages (it is a scan) and "
                f"cannot be OCR'd: {exc}; or upload the DOCX or text of the document.") from None
        result.warnings.append(f"{_page_list(to_read)} of {name} have no text layer and were "
                               f"not read: {exc}")
        result.unread = [i + 1 for i in to_read]
        return result
    result.warnings += read.warnings
    for i, page in read.pages.items():
        text = _repair(_ocr.clean(page.text))  # the text layer's repairs too: "199 /2026"
        # a page with a few words of text layer keeps them unless OCR reads more
        if page.error is None and _alnum(text) > _alnum(result.pages[i]):
            result.pages[i] = text
            result.ocr_pages[i + 1] = page.confidence
    result.unread = [i + 1 for i in to_read if i + 1 not in result.ocr_pages
                     and not _has_text(result.pages[i])]
    if not any(_has_text(t) for t in result.pages):
        raise ScannedPDFError(
            f"{name} has no text layer and OCR found no text on its {len(texts)} pages"
            + (f" ({'; '.join(result.warnings)})" if result.warnings else "")
            + "; upload the DOCX or text of the document.")
    return result


def read_pdf(data: bytes, name: str) -> list[str]:
    """Text of each page, repaired (see ``_repair``); OCR'd where there is no text layer."""
    return read_pdf_pages(data, name).pages


def _repair(raw: str) -> str:
    """Undoes what extraction does to the text: footnotes mixed in, split words and numbers."""
    rule = None
    for rule in _FOOTNOTE_RULE.finditer(raw):
        pass
    if rule and len(raw) - rule.start() < 0.4 * len(raw):
        raw = raw[: rule.start()]
    text = rejoin(normalize_text(raw))
    return _SPLIT_DATE.sub(r"\1/\2", _SPLIT_YEAR.sub(r"\1\2\3", text))
