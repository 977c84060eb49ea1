"""A faster text layer: pdfium (pypdfium2) instead of pypdf's ``extract_text``.

pypdf interprets every content stream in Python (about 50 ms a page on the decrees of
``../shared/data/pdf/text``); pdfium does it in C (about 4 ms a page). :func:`extract_pages`
returns one string per page in the form ``pypdf``'s ``extract_text`` gives to
``screener.ingest.pdf`` (lines separated by "\\n"), so the layout re-joining, running-header
removal and repairs downstream are unchanged; ``benchmarks/perf.py`` and
``tests/test_batch.py`` compare the canonical text and provision tree of both on every
text PDF.

It returns None when pdfium cannot open the file or a page (damaged, encrypted with a
password, unusual encodings): the caller then uses pypdf, as before. Wiring, in
``screener/ingest/pdf.py`` ``_extract`` (pypdf still opens the file, decrypts, counts pages
and enforces the limits)::

    from screener.ingest.pdf_text import extract_pages
    ...
    limits.check_pages(len(reader.pages), name)
    fast = extract_pages(data)                       # None: use pypdf
    texts = []
    for i, page in enumerate(reader.pages):
        deadline.check(name, "extracting the text layer")
        texts.append(fast[i] if fast is not None else (page.extract_text() or ""))
        ...                                          # the checks that follow are unchanged
"""

from __future__ import annotations

import re

__all__ = ["extract_pages", "compare_canonical", "ENGINE"]

ENGINE = "pdfium"

_BREAKS = re.compile(r"\r\n|\r")
# pdfium marks a hyphen it inferred at a line end as U+0002 and a soft hyphen as U+FFFE
_PDFIUM_MARKS = str.maketrans({"\x02": "-", "\ufffe": "-"})


def _page_text(page) -> str:
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
    finally:
        textpage.close()
    return _BREAKS.sub("\n", text).translate(_PDFIUM_MARKS)


def extract_pages(data: bytes, password: str | None = None) -> list[str] | None:
    """Each page's text layer (may be "" for a page without one), or None when pdfium cannot
    read the file: then use pypdf."""
    try:
        import pypdfium2 as pdfium
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    try:
        pdf = pdfium.PdfDocument(data, password=password)
    except Exception:  # noqa: BLE001 - damaged or encrypted: pypdf decides what to say
        return None
    try:
        out = []
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                out.append(_page_text(page))
            finally:
                page.close()
        return out
    except Exception:  # noqa: BLE001
        return None
    finally:
        pdf.close()


def compare_canonical(data: bytes, name: str = "document.pdf") -> str:
    """Whether ``screener.ingest.read`` gives the same canonical text and provision tree with
    pdfium's text layer as with pypdf's: "same", or what differs (for the benchmark and the
    tests; it swaps the extractor of ``screener.ingest.pdf`` for the duration of the call)."""
    from difflib import SequenceMatcher
    from unittest import mock

    from screener import parse_document
    from screener.ingest import pdf as pdf_mod
    from screener.ingest import read

    a = parse_document(read(data, name=name, ocr=False))
    fast = extract_pages(data)
    if fast is None:
        return "pdfium cannot open it (pypdf kept)"

    def _extract(*args, **kwargs):
        return list(fast)

    with mock.patch.object(pdf_mod, "_extract", _extract):
        b = parse_document(read(data, name=name, ocr=False))
    tree_a = [(p.kind, p.label, p.page_start) for p in a.provisions]
    tree_b = [(p.kind, p.label, p.page_start) for p in b.provisions]
    if a.text == b.text and tree_a == tree_b:
        return "same"
    # line by line (a character-level diff of whole documents is slow and memory-hungry)
    la, lb = a.text.splitlines(), b.text.splitlines()
    same_lines = sum(m.size for m in SequenceMatcher(None, la, lb, autojunk=False).get_matching_blocks())
    ratio = 2 * same_lines / max(1, len(la) + len(lb))
    return (f"text {'same' if a.text == b.text else f'differs ({ratio:.1%} of lines the same)'}, "
            f"provisions {'same' if tree_a == tree_b else f'{len(tree_a)} vs {len(tree_b)}'}")
