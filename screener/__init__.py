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

__version__ = "0.1.0"


@dataclass
class ParsedDocument:
    document: Document
    provisions: list[Provision]
    units: list[Unit]

    @property
    def text(self) -> str:
        return self.document.text

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
