"""Hard limits on what one document may cost: the one place they are set.

Every limit has a default and an environment variable that overrides it (a missing, invalid or
non-positive value keeps the default). Ingest enforces them before the expensive work:

- ``SCREENER_MAX_FILE_MB`` (50): the file's size, checked before it is read;
- ``SCREENER_MAX_PAGES`` (500): a PDF's page count, checked before any text is extracted
  (and a DOCX's pages, as far as Word recorded them);
- ``SCREENER_MAX_CHARS`` (3,000,000): characters of canonical text, checked before the
  structure is parsed (about 1,500 pages of a decree);
- ``SCREENER_MAX_UNZIPPED_MB`` (200): what a DOCX (a ZIP package) may inflate to, all its parts
  together, read from the ZIP directory before anything is inflated; also the most any one
  PDF stream may inflate to (``SCREENER_MAX_STREAM_MB``, default 64);
- ``SCREENER_MAX_SECONDS`` (300): time to read one document (text layer and parsing; the
  scanned pages' OCR has its own limits, ``SCREENER_OCR_TIMEOUT`` per page and
  ``SCREENER_OCR_MAX_PAGES``, see ``screener.ingest.ocr``), checked between pages;
- ``SCREENER_MAX_PAGE_MEGAPIXELS`` (60): a page rendered for OCR larger than this (a "huge
  page") is rendered at a lower resolution so that it fits.

``Limits.from_env()`` reads them at call time, so a test or a server can change them without
restarting; ``describe()`` / ``describe_vi()`` say them to a person.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, fields

from screener.errors import LimitExceededError

#: (field, environment variable, default, kind, what it is)
_SPEC = (
    ("max_file_mb", "SCREENER_MAX_FILE_MB", 50.0, float, "file size (MB)"),
    ("max_pages", "SCREENER_MAX_PAGES", 500, int, "pages"),
    ("max_chars", "SCREENER_MAX_CHARS", 3_000_000, int, "characters of text"),
    ("max_unzipped_mb", "SCREENER_MAX_UNZIPPED_MB", 200.0, float, "DOCX unpacked size (MB)"),
    ("max_stream_mb", "SCREENER_MAX_STREAM_MB", 64.0, float, "one PDF stream unpacked (MB)"),
    ("max_seconds", "SCREENER_MAX_SECONDS", 300.0, float, "seconds to read one document"),
    ("max_page_megapixels", "SCREENER_MAX_PAGE_MEGAPIXELS", 60.0, float,
     "megapixels of a page rendered for OCR"),
)
#: most ZIP entries a DOCX may have (a real one has a few dozen)
MAX_ZIP_ENTRIES = 5000
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_file_mb: float = 50.0
    max_pages: int = 500
    max_chars: int = 3_000_000
    max_unzipped_mb: float = 200.0
    max_stream_mb: float = 64.0
    max_seconds: float = 300.0
    max_page_megapixels: float = 60.0

    @classmethod
    def from_env(cls) -> Limits:
        values = {}
        for name, var, default, kind, _ in _SPEC:
            raw = os.environ.get(var)
            try:
                value = kind(raw) if raw not in (None, "") else default
            except ValueError:
                value = default
            values[name] = value if value > 0 else default
        return cls(**values)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * MB)

    @property
    def max_unzipped_bytes(self) -> int:
        return int(self.max_unzipped_mb * MB)

    @property
    def max_stream_bytes(self) -> int:
        return int(self.max_stream_mb * MB)

    # ---- checks (each raises LimitExceededError with what to do) -------------------------
    def check_file_size(self, size: int, name: str) -> None:
        if size > self.max_file_bytes:
            raise LimitExceededError(
                f"{name} is {size / MB:.1f} MB; the limit is {_num(self.max_file_mb)} MB "
                "(SCREENER_MAX_FILE_MB). Split the document or remove embedded images and try again.",
                "file_size")

    def check_pages(self, pages: int, name: str) -> None:
        if pages > self.max_pages:
            raise LimitExceededError(
                f"{name} has {pages} pages; the limit is {self.max_pages} (SCREENER_MAX_PAGES). "
                "Split the document into parts and screen each one.", "pages")

    def check_chars(self, chars: int, name: str) -> None:
        if chars > self.max_chars:
            raise LimitExceededError(
                f"{name} holds {chars:,} characters of text; the limit is {self.max_chars:,} "
                "(SCREENER_MAX_CHARS). Split the document into parts and screen each one.", "chars")

    def deadline(self) -> Deadline:
        return Deadline(self.max_seconds)


def _num(x: float) -> str:
    return f"{x:g}"


class Deadline:
    """The time budget of reading one document; ``check(name)`` raises once it is spent."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.start = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def check(self, name: str, what: str = "reading") -> None:
        if self.elapsed > self.seconds:
            raise LimitExceededError(
                f"{name}: {what} took longer than {_num(self.seconds)} s (SCREENER_MAX_SECONDS); "
                "the document is too large or too complex. Split it, or export it again as a "
                "simple PDF or DOCX, and try again.", "time")


def current() -> Limits:
    """The limits in force now (defaults overridden by the environment)."""
    return Limits.from_env()


def describe(limits: Limits | None = None) -> str:
    """One English sentence, for ``--help`` and the README."""
    lim = limits or current()
    return (f"Limits: {_num(lim.max_file_mb)} MB per file, {lim.max_pages} pages, "
            f"{lim.max_chars:,} characters, {_num(lim.max_unzipped_mb)} MB unpacked (DOCX), "
            f"{_num(lim.max_seconds)} s per document; set SCREENER_MAX_FILE_MB, SCREENER_MAX_PAGES, "
            "SCREENER_MAX_CHARS, SCREENER_MAX_UNZIPPED_MB, SCREENER_MAX_SECONDS to change them.")


def describe_vi(limits: Limits | None = None) -> str:
    """The same for the app (Vietnamese)."""
    lim = limits or current()
    return (f"tối đa {_num(lim.max_file_mb)} MB, {lim.max_pages} trang và "
            f"{lim.max_chars:,} ký tự mỗi tệp".replace(",", "."))


def as_dict(limits: Limits | None = None) -> dict:
    lim = limits or current()
    return {f.name: getattr(lim, f.name) for f in fields(lim)}


ENV_VARS = tuple(var for _, var, _, _, _ in _SPEC)
