"""Ingest + structure on the real documents in ../shared/data (issue 2's bars).

For every text-layer PDF and DOCX: the number of Điều parsed against the number in the
document (counted independently, from the raw extracted text), provision texts that still
hold a page number or running header, and line breaks that cut a sentence. For every OCR'd
draft: front matter, PAGE BREAK markers and stray page numbers gone, every article found,
each page break mapped to a page.

Run: python benchmarks/documents.py
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screener import parse_file  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
_ARTICLE_LINE = re.compile(r"^[\s*#]*[ĐÐ]i[eêề]u\s+(\d+)\s*[.:]", re.M)
_MARKER = re.compile(r"^\s*(?:[-+•*]|\d+[a-zđ]?[.,)]|[a-zđ]\d*\)|[“\"(]|Điều|Chương|Mục|Phần|PHẦN|CHƯƠNG|MỤC)")
_TERMINAL = tuple(".;:!?…”\"')]")
_PAGE_NUMBER = re.compile(r"^\s*(?:-\s*)?\d{1,3}(?:\s*-)?\s*$|^\s*Trang\s+\d+")


def reference_article_count(raw: str) -> int:
    """Điều numbers at line starts of the raw text: 1..N when they run without a gap."""
    numbers = {int(n) for n in _ARTICLE_LINE.findall(raw)}
    if numbers and numbers == set(range(1, max(numbers) + 1)):
        return max(numbers)
    return len(numbers)


def raw_text(path: Path) -> tuple[str, list[str]]:
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        pages = [p.extract_text() or "" for p in PdfReader(path).pages]
        return "\n".join(pages), pages
    if path.suffix == ".docx":
        import docx

        return "\n".join(p.text for p in docx.Document(path).paragraphs), []
    text = path.read_text(encoding="utf-8")
    return text, text.split("--- PAGE BREAK ---")


def running_lines(pages: list[str]) -> set[str]:
    """Lines that stand at the top or bottom of at least half of the pages."""
    if len(pages) < 3:
        return set()
    seen = Counter()
    for page in pages:
        lines = [l.strip() for l in page.splitlines() if l.strip()]
        seen.update(set(lines[:2] + lines[-2:]))
    return {line for line, n in seen.items() if n >= len(pages) / 2 and len(line) > 3 and not line[0].isdigit()}


def cut_sentences(text: str) -> list[str]:
    """Line breaks inside a sentence: the next line continues it (starts in lower case, or
    the break follows a comma) and is not a list marker."""
    out = []
    lines = text.split("\n")
    for a, b in zip(lines, lines[1:]):
        a, b = a.rstrip(), b.lstrip()
        if not a or not b or a.endswith(_TERMINAL) or _MARKER.match(b):
            continue
        if b[0].islower() or a.endswith(","):
            out.append(f"{a[-40:]!r} / {b[:40]!r}")
    return out


def check_document(path: Path) -> dict:
    raw, pages = raw_text(path)
    t0 = time.perf_counter()
    parsed = parse_file(path)
    seconds = time.perf_counter() - t0
    text = parsed.text
    headers = running_lines(pages) if path.suffix == ".pdf" else set()
    found = sum(p.kind == "article" and "trích" not in p.label for p in parsed.provisions)
    page_numbers = headers_left = 0
    cuts: list[str] = []
    for u in parsed.units:
        body = text[u.start:u.end]
        page_numbers += sum(bool(_PAGE_NUMBER.match(line)) for line in body.split("\n")[1:])
        headers_left += sum(h in body for h in headers)
        cuts += cut_sentences(body)
    return {"file": path.name, "pages": parsed.document.metadata.pages, "expected": reference_article_count(raw),
            "found": found, "page_numbers": page_numbers, "headers": headers_left, "cuts": len(cuts),
            "cut_examples": cuts[:2], "seconds": seconds, "parsed": parsed, "raw": raw}


def check_draft(path: Path) -> dict:
    row = check_document(path)
    text = row["parsed"].text
    raw = row["raw"]
    # an article heading line, not a wrapped line of quoted text ("Điều 66.”.")
    expected = {int(n) for n in re.findall(r"^[\s*#]*[ĐÐ]i[eêề]u\s+(\d+)\s*[.:](?![^\n]*[”\"]\W*$)", raw, re.M)}
    got = {int(p.number) for p in row["parsed"].provisions
           if p.kind == "article" and not p.quoted and p.number.isdigit()}
    row.update({
        "expected": len(expected), "found": len(expected & got), "missing": sorted(expected - got)[:10],
        "markers_left": text.count("PAGE BREAK"),
        "front_matter_left": int(bool(re.match(r"\s*---\s*\n\s*title:", text))),
        "page_breaks": raw.count("--- PAGE BREAK ---"),
        "pages_mapped": len(row["parsed"].document.page_starts) - 1,
    })
    return row


def main() -> None:
    if not DATA.is_dir():
        sys.exit(f"skipped: {DATA} not found (the shared data sits beside the repo)")
    print(f"{'document':42} {'pages':>5} {'Điều doc':>8} {'parsed':>6} {'pageno':>6} {'header':>6} {'cuts':>5} {'sec':>5}")
    for path in sorted((DATA / "pdf/text").glob("*.pdf")) + sorted((DATA / "docx").glob("*.docx")):
        r = check_document(path)
        ok = r["expected"] == r["found"]
        print(f"{r['file']:42} {r['pages'] or '':>5} {r['expected']:8} {r['found']:6}{'' if ok else '!'} "
              f"{r['page_numbers']:6} {r['headers']:6} {r['cuts']:5} {r['seconds']:5.2f}")
        for example in r["cut_examples"]:
            print(f"    cut: {example}")
    print()
    print(f"{'draft':42} {'pages':>5} {'Điều doc':>8} {'found':>6} {'markers':>7} {'mapped':>6} {'left':>5} {'cuts':>5}")
    for path in sorted((DATA / "drafts").glob("*.md")):
        r = check_draft(path)
        left = r["markers_left"] + r["front_matter_left"] + r["page_numbers"]
        print(f"{r['file']:42} {r['pages'] or '':>5} {r['expected']:8} {r['found']:6} {r['page_breaks']:7} "
              f"{r['pages_mapped']:6} {left:5} {r['cuts']:5}" + (f"  missing {r['missing']}" if r["missing"] else ""))


if __name__ == "__main__":
    main()
