"""screener: finds clauses in Vietnamese draft regulations that give an agency, an official
or a narrow group a discretionary advantage ("lợi ích nhóm, lợi ích cục bộ").

Public API: ``parse_file`` / ``parse_document`` (file or text → ``ParsedDocument``: canonical
text, metadata and provision tree). Submodules hold one task each: ``ingest``,
``structure``, ``nlp``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from screener.document import Document, Metadata
from screener.structure import Provision, Unit, parse, units
from screener.structure.units import NO_ARTICLES, NO_ARTICLES_ITEMS, NO_ARTICLES_ITEMS_VI, NO_ARTICLES_VI

__version__ = "0.1.0"


@dataclass
class ParsedDocument:
    document: Document
    provisions: list[Provision]
    units: list[Unit]

    @property
    def text(self) -> str:
        return self.document.text

    @property
    def has_articles(self) -> bool:
        """False when no Điều was found; ``units`` are then paragraphs (if nothing else was)."""
        return any(p.kind == "article" for p in self.provisions)

    @property
    def notices(self) -> list[str]:
        """What the reader should know about how the document was read (English): a legacy
        font encoding converted, no articles found."""
        out = list(self.document.notices)
        if not self.has_articles:
            name = self.document.name or "the document"
            out.append(f"{name}: {NO_ARTICLES if self.by_paragraph else NO_ARTICLES_ITEMS}")
        return out

    @property
    def by_paragraph(self) -> bool:
        """The units are paragraphs: the parser found no article, khoản or điểm."""
        return all(u.kind == "paragraph" for u in self.units)

    @property
    def notices_vi(self) -> list[str]:
        """The same for the app and the reports (Vietnamese)."""
        out = []
        enc = self.document.legacy_encoding
        if enc:
            font = {"tcvn3": "TCVN3 (ABC, phông .VnTime)", "vni": "VNI (phông VNI-Times)"}.get(enc, enc)
            out.append(f"Văn bản được gõ bằng bảng mã cũ {font} và đã được chuyển sang Unicode; hãy đối "
                       "chiếu với bản gốc (chữ hoa gõ bằng phông chữ hoa có thể thành chữ thường).")
        if not self.has_articles:
            out.append(NO_ARTICLES_VI if self.by_paragraph else NO_ARTICLES_ITEMS_VI)
        return out

    def to_dict(self) -> dict:
        """The ``screener parse --format json`` contract."""
        return {
            "document": self.document.metadata.to_dict(),
            "text": self.document.text,
            "provisions": [p.to_dict() for p in self.provisions],
        }


def parse_document(document: Document) -> ParsedDocument:
    provisions = parse(document.text, document)
    return ParsedDocument(document, provisions, units(provisions, document.text))


def parse_file(source: str | Path | bytes, *, name: str | None = None) -> ParsedDocument:
    """Read a PDF, DOCX, TXT or Markdown file and parse its provision tree."""
    from screener.ingest import read

    return parse_document(read(source, name=name))


__all__ = ["Document", "Metadata", "ParsedDocument", "Provision", "Unit", "parse_document",
           "parse_file", "__version__"]
