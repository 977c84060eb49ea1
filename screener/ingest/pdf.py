"""PDF text layer (pypdf), one string per page."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

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


def read_pdf(data: bytes, name: str) -> list[str]:
    """Text of each page, repaired (see ``_repair``)."""
    with _quiet_pypdf():
        texts = _extract(data, name)
    if not texts:
        raise EmptyDocumentError(f"{name} has no pages.")
    with_text = sum(sum(c.isalnum() for c in t) >= MIN_PAGE_CHARS for t in texts)
    if with_text * 2 < len(texts):
        raise ScannedPDFError(
            f"{name} has no text layer on {len(texts) - with_text} of its {len(texts)} pages "
            "(it is a scan); run OCR first, or upload the DOCX or text of the document.")
    return [_repair(t) for t in texts]


def _repair(raw: str) -> str:
    """Undoes what extraction does to the text: footnotes mixed in, split words and numbers."""
    rule = None
    for rule in _FOOTNOTE_RULE.finditer(raw):
        pass
    if rule and len(raw) - rule.start() < 0.4 * len(raw):
        raw = raw[: rule.start()]
    text = rejoin(normalize_text(raw))
    return _SPLIT_DATE.sub(r"\1/\2", _SPLIT_YEAR.sub(r"\1\2\3", text))
