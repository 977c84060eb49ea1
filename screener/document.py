"""The canonical document: one normalised text, its pages, and its metadata.

Every offset in screener (provisions, tokens, findings) indexes ``Document.text``.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Metadata:
    type: str | None = None  # "Luật", "Nghị định", ...
    number: str | None = None  # "49/2026/NĐ-CP"; for a draft the blank form "/2026/NĐ-CP"
    issuer: str | None = None  # "Chính phủ", "Bộ Tài chính", ...
    date: str | None = None  # ISO "2026-01-31" when complete
    title: str | None = None
    is_draft: bool = False
    pages: int | None = None
    source_format: str | None = None  # "pdf", "docx", "text", "markdown"
    #: only when pages were read by OCR or could not be read: {"pages": {"3": 91.2},
    #: "unread": [4], "warnings": [...]} (OCR'd page -> mean word confidence 0-100; pages
    #: without a text layer left unread); absent from ``to_dict`` otherwise
    ocr: dict | None = field(default=None, compare=False)

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["ocr"] is None:
            del d["ocr"]
        return d


@dataclass
class Document:
    text: str
    #: offset in ``text`` where each page starts; ``page_starts[0] == 0``
    page_starts: list[int] = field(default_factory=lambda: [0])
    metadata: Metadata = field(default_factory=Metadata)
    name: str | None = None
    #: 1-based page -> mean Tesseract word confidence (0-100, None if no word) of OCR'd pages
    ocr_pages: dict[int, float | None] = field(default_factory=dict)
    #: 1-based pages without a text layer that OCR could not read (not installed, timed out)
    ocr_unread: list[int] = field(default_factory=list)
    #: why pages could not be read (English, for the user)
    ocr_warnings: list[str] = field(default_factory=list)
    #: what ingest changed or could not do that the user should know (English)
    notices: list[str] = field(default_factory=list)
    #: "tcvn3" or "vni" when the text came in a legacy font encoding and was converted
    legacy_encoding: str | None = None

    def page_at(self, offset: int) -> int:
        """1-based page number of the character at ``offset``."""
        return max(1, bisect_right(self.page_starts, offset))
