"""PDF pages to text: the text layer (pypdf), and OCR (``screener.ingest.ocr``) where a page has none."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from screener.errors import (EmptyDocumentError, EncryptedPDFError, InputError, LimitExceededError,
                             ScannedPDFError)
from screener.ingest.legacy import fix_legacy
from screener.limits import Deadline, Limits
from screener.limits import current as current_limits
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


def _pypdf_limits(limits: Limits):
    """pypdf's own bomb guards, tightened to ours: no stream inflates past ``max_stream_mb``."""
    from pypdf import apply_configuration

    cap = limits.max_stream_bytes
    return apply_configuration(
        maximum_declared_stream_length=cap, array_based_stream_maximum_output_length=cap,
        zlib_maximum_output_length=cap, lzw_maximum_output_length=cap,
        run_length_maximum_output_length=cap, brotli_maximum_output_length=cap,
        jbig2_maximum_output_length=cap, image_maximum_buffer_size=cap,
        stream_decoding_work_maximum_length=4 * cap)


def _check_streams(page, limits: Limits) -> None:
    """Inflates, within pypdf's limits, what pdfium would inflate to draw a page without text:
    its content streams and the images and forms it draws (``LimitReachedError`` past them)."""
    from pypdf.errors import LimitReachedError

    contents = page.get_contents()
    if contents is not None:
        contents.get_data()
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    if xobjects is None:
        return
    budget = limits.max_stream_bytes
    for ref in list(xobjects.get_object().values())[:1000]:
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Image":
            w, h = int(obj.get("/Width", 0) or 0), int(obj.get("/Height", 0) or 0)
            if w * h > budget:  # one byte a pixel at least
                raise LimitReachedError(f"an image of {w} x {h} pixels")
        data = obj.get_data()
        budget -= len(data)
        if budget < 0:
            raise LimitReachedError("the images of one page")


def _extract(data: bytes, name: str, limits: Limits | None = None,
             deadline: Deadline | None = None) -> list[str]:
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, LimitReachedError

    limits = limits or current_limits()
    deadline = deadline or limits.deadline()
    try:
        with _pypdf_limits(limits):
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
            # the page count first: a PDF of thousands of pages is refused before any extraction
            limits.check_pages(len(reader.pages), name)
            texts = []
            for page in reader.pages:
                deadline.check(name, "extracting the text layer")
                texts.append(page.extract_text() or "")
                limits.check_chars(sum(map(len, texts)), name)
                if not _has_text(texts[-1]):  # pdfium will open it (OCR): bombs stop here first
                    _check_streams(page, limits)
            return texts
    except InputError:
        raise
    except LimitReachedError as exc:  # a compression bomb, or a page tree or array too large
        raise LimitExceededError(
            f"{name} contains a stream or structure larger than the limit ({exc}); it may be a "
            f"compression bomb. Each PDF stream may unpack to at most {limits.max_stream_mb:g} MB "
            "(SCREENER_MAX_STREAM_MB); export the document again as a plain PDF.", "stream") from None
    except MemoryError:
        raise LimitExceededError(
            f"{name} needs more memory to read than is available; export it again as a plain "
            "PDF or upload the DOCX.", "memory") from None
    except RecursionError:
        raise InputError(f"{name} is not a readable PDF (its objects nest without end); "
                         "open it in a PDF viewer and save or export it again.") from None
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
    #: the legacy font encoding the text layer was in ("tcvn3", "vni"), converted to Unicode
    legacy: str | None = None


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
            try:
                kinds = {obj.type for obj in pdf[i].get_objects(max_depth=4)}
            except Exception:  # pdfium cannot load this page: OCR will try and report it
                marked.append(i)
                continue
            if kinds & {raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_SHADING}:
                marked.append(i)
    finally:
        pdf.close()
    return marked


def _page_list(pages: list[int]) -> str:
    nums = [str(i + 1) for i in pages]
    return ("page " if len(nums) == 1 else "pages ") + ", ".join(nums)


def read_pdf_pages(data: bytes, name: str, *, progress: Callable[[int, int], None] | None = None,
                   ocr: bool = True, limits: Limits | None = None,
                   deadline: Deadline | None = None) -> PdfText:
    """Text of each page: the text layer where there is one, else OCR (``ocr=False``: no OCR).

    ``progress(done, total)`` is called as OCR advances over the ``total`` pages it reads; it
    is not called when no page needs OCR. Without Tesseract the pages with a text layer are
    still read and ``warnings`` names the others; a PDF with no text layer at all then raises
    ``ScannedPDFError`` with the install advice.
    """
    with _quiet_pypdf():
        texts = _extract(data, name, limits, deadline)
    if not texts:
        raise EmptyDocumentError(f"{name} has no pages.")
    joined, legacy = fix_legacy("\f".join(texts))  # a text layer in .VnTime or VNI fonts
    if legacy:
        texts = joined.split("\f")
    result = PdfText([_repair(t) for t in texts], legacy=legacy)
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
    if deadline is not None:
        deadline.check(name)
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
