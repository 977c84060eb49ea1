"""OCR (issue 8): accuracy on rendered text PDFs, and the real scans.

1. Accuracy. Each text-layer PDF in ../shared/data/pdf/text/ is rendered to an image-only
   PDF (``--scan-dpi``, greyscale, or black and white with ``--bilevel`` like the real
   scans), so the true text is known. The image PDF goes through ``screener.ingest.read``
   (the OCR path) and the text PDF through the same function (the text layer); the
   character error rate is the edit distance between the two canonical texts, page by page
   with runs of whitespace as one space, over the length of the text-layer text. "Điều" is
   the share of the text layer's articles that the structure parser finds in the OCR text,
   "page ok" the share of those that start on the same page.
2. Real scans (../shared/data/pdf/scanned/): per file, pages, seconds per page, mean word
   confidence, and the units found (Điều, khoản, điểm, paragraphs).

Run: .venv/bin/python benchmarks/ocr.py [--pages N] [--dpi D] [--psm P] [--bilevel]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screener import parse_document  # noqa: E402
from screener.ingest import ocr, read  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "pdf"
_SPACE = re.compile(r"\s+")


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insert, delete, substitute: 1 each); Hyyrö's bit-parallel algorithm."""
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq: dict[str, int] = {}
    for i, c in enumerate(b):
        peq[c] = peq.get(c, 0) | (1 << i)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for c in a:
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | ~(xh | pv)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = (ph << 1) | 1
        mh <<= 1
        pv = (mh | ~(xv | ph)) & mask
        mv = ph & xv
    return score


def image_pdf(path: Path, dpi: int, bilevel: bool, pages: int | None) -> bytes:
    """The PDF's pages as images only (no text layer), like a scan of a clean print."""
    import numpy as np
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(path)
    dst = pdfium.PdfDocument.new()
    n = len(src) if pages is None else min(pages, len(src))
    for i in range(n):
        page = src[i]
        w, h = page.get_size()
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        if bilevel:  # threshold to black and white, as a fax-mode (CCITT) scanner does
            arr = bitmap.to_numpy().reshape(bitmap.height, -1)[:, : bitmap.width]
            bw = np.where(arr < 160, 0, 255).astype(np.uint8)
            bitmap = pdfium.PdfBitmap.new_native(bitmap.width, bitmap.height,
                                                 pdfium.raw.FPDFBitmap_Gray)
            bitmap.to_numpy()[:, : bw.shape[1]] = bw
        new = dst.new_page(w, h)
        image = pdfium.PdfImage.new(dst)
        image.set_bitmap(bitmap)
        image.set_matrix(pdfium.PdfMatrix().scale(w, h))
        new.insert_obj(image)
        new.gen_content()
    buf = io.BytesIO()
    dst.save(buf)
    return buf.getvalue()


def page_texts(doc) -> list[str]:
    ends = doc.page_starts[1:] + [len(doc.text)]
    return [_SPACE.sub(" ", doc.text[s:e]).strip() for s, e in zip(doc.page_starts, ends)]


def articles(parsed) -> dict[str, int]:
    return {p.number: p.page_start for p in parsed.provisions if p.kind == "article" and not p.quoted}


def accuracy(args) -> None:
    paths = sorted((DATA / "text").glob("*.pdf"))
    print(f"1. Accuracy: text-layer PDFs rendered at {args.scan_dpi} dpi "
          f"{'black and white' if args.bilevel else 'greyscale'}, OCR at {args.dpi} dpi, psm {args.psm}")
    print(f"{'document':28} {'pages':>5} {'chars':>7} {'CER %':>6} {'Điều':>7} {'page ok':>7} "
          f"{'conf':>5} {'s/page':>6}")
    tot_dist = tot_len = tot_art = tot_found = tot_page = tot_pages = 0
    tot_sec = 0.0
    worst: list[tuple[float, str, int, str, str]] = []
    for path in paths:
        ref = read(path)
        n = len(ref.page_starts) if args.pages is None else min(args.pages, len(ref.page_starts))
        data = image_pdf(path, args.scan_dpi, args.bilevel, args.pages)
        t0 = time.perf_counter()
        got = read(data, name=path.name)
        sec = time.perf_counter() - t0
        ref_pages, got_pages = page_texts(ref)[:n], page_texts(got)
        dist = length = 0
        for i, (r, g) in enumerate(zip(ref_pages, got_pages + [""] * n)):
            d = levenshtein(r, g)
            dist += d
            length += len(r)
            worst.append((d / max(len(r), 1), path.name, i + 1, r, g))
        # articles: on the pages OCR'd (a whole document unless --pages)
        ref_art = {k: p for k, p in articles(parse_document(ref)).items() if p <= n}
        got_art = articles(parse_document(got))
        found = sum(k in got_art for k in ref_art)
        same_page = sum(got_art.get(k) == p for k, p in ref_art.items())
        confs = [c for c in got.ocr_pages.values() if c is not None]
        print(f"{path.stem[:28]:28} {n:5} {length:7} {100 * dist / max(length, 1):6.2f} "
              f"{found:3}/{len(ref_art):<3} {same_page:3}/{len(ref_art):<3} "
              f"{sum(confs) / max(len(confs), 1):5.1f} {sec / n:6.2f}")
        missing = sorted(set(ref_art) - set(got_art), key=lambda x: (len(x), x))
        if missing:
            print(f"    Điều missing: {', '.join(missing)}")
        tot_dist += dist
        tot_len += length
        tot_art += len(ref_art)
        tot_found += found
        tot_page += same_page
        tot_pages += n
        tot_sec += sec
    print(f"{'all':28} {tot_pages:5} {tot_len:7} {100 * tot_dist / max(tot_len, 1):6.2f} "
          f"{tot_found:3}/{tot_art:<3} {tot_page:3}/{tot_art:<3} {'':5} {tot_sec / max(tot_pages, 1):6.2f}")
    print(f"CER {100 * tot_dist / max(tot_len, 1):.2f}% (target < 3%); Điều recovered "
          f"{tot_found}/{tot_art} ({100 * tot_found / max(tot_art, 1):.1f}%), on the right page "
          f"{tot_page}/{tot_art}")
    if args.show_worst:
        import difflib

        for cer, name, page, r, g in sorted(worst, reverse=True)[: args.show_worst]:
            print(f"\n--- {name} page {page}: CER {100 * cer:.1f}%")
            sm = difflib.SequenceMatcher(None, r, g, autojunk=False)
            for op, a1, a2, b1, b2 in sm.get_opcodes():
                if op != "equal":
                    print(f"  {op:7} {r[max(0, a1 - 15):a2 + 5]!r} -> {g[max(0, b1 - 15):b2 + 5]!r}")


def scans(args) -> None:
    paths = sorted((DATA / "scanned").glob("*.pdf"))
    print("\n2. Real scans (no text layer)")
    print(f"{'document':26} {'pages':>5} {'s/page':>6} {'conf':>5} {'low':>5} {'type':12} {'Điều':>4} "
          f"{'khoản':>5} {'điểm':>4} {'paras':>5} {'units':>5}")
    tot_pages = 0
    tot_sec = 0.0
    for path in paths:
        t0 = time.perf_counter()
        doc = read(path)
        sec = time.perf_counter() - t0
        parsed = parse_document(doc)
        kinds = [p.kind for p in parsed.provisions]
        paras = sum(1 for line in doc.text.split("\n") if len(line.split()) >= 5)
        pages = len(doc.page_starts)
        confs = [c for c in doc.ocr_pages.values() if c is not None]
        low = [str(p) for p, c in doc.ocr_pages.items() if c is not None and c < ocr.LOW_CONFIDENCE]
        print(f"{path.name.replace('.signed.pdf', ''):26} {pages:5} {sec / pages:6.2f} "
              f"{sum(confs) / max(len(confs), 1):5.1f} {','.join(low) or '-':>5} "
              f"{(doc.metadata.type or '-')[:12]:12} {kinds.count('article'):4} {kinds.count('clause'):5} "
              f"{kinds.count('point'):4} {paras:5} {len(parsed.units):5}")
        for w in doc.ocr_warnings:
            print(f"    warning: {w}")
        tot_pages += pages
        tot_sec += sec
    print(f"{len(paths)} scans, {tot_pages} pages, {tot_sec:.1f} s: {tot_sec / max(tot_pages, 1):.2f} s/page "
          f"({ocr.OcrSettings.from_env().workers} pages at once on {os.cpu_count()} CPUs)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, help="only the first N pages of each text PDF (quick)")
    ap.add_argument("--scan-dpi", type=int, default=300, help="resolution of the rendered 'scans'")
    ap.add_argument("--bilevel", action="store_true", help="black-and-white 'scans', like the real ones")
    ap.add_argument("--dpi", type=int, help=f"OCR rendering resolution (default {ocr.DPI})")
    ap.add_argument("--psm", type=int, help=f"Tesseract page segmentation mode (default {ocr.PSM})")
    ap.add_argument("--show-worst", type=int, default=0, metavar="N", help="diff the N worst pages")
    ap.add_argument("--only", choices=("accuracy", "scans"))
    args = ap.parse_args()
    if args.dpi:
        os.environ["SCREENER_OCR_DPI"] = str(args.dpi)
    if args.psm is not None:
        os.environ["SCREENER_OCR_PSM"] = str(args.psm)
    settings = ocr.OcrSettings.from_env()
    args.dpi, args.psm = settings.dpi, settings.psm
    if not DATA.is_dir():
        sys.exit(f"skipped: {DATA} not found (the shared data sits beside the repo)")
    try:
        ocr.check_available(settings)
    except ocr.OcrUnavailable as exc:
        sys.exit(f"skipped: {exc}")
    if args.only != "scans":
        accuracy(args)
    if args.only != "accuracy":
        scans(args)


if __name__ == "__main__":
    main()
