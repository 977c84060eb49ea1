"""Hostile and bad input through the CLI: outcome, message, time and peak memory per case.

Every file is generated here, in a temporary folder (nothing is downloaded): empty, not a PDF,
truncated and corrupted PDFs, a password, thousands of pages, a huge page, a compression bomb
in a PDF stream and in a DOCX, a scan (OCR, with its page limit), macros, an Excel workbook and
a plain ZIP named .docx, legacy encodings (Windows-1258, TCVN3, VNI, a TCVN3 PDF text layer),
text with no legal structure, and the size/character limits set low by environment variables.

Each case runs ``screener parse FILE`` in its own process with a timeout; the peak memory is
that process's ``ru_maxrss`` (``os.wait4``). A case passes when the exit status is the one
expected (0 read, 2 refused with a message), stderr has no traceback, and the message says
what it should.

Run: .venv/bin/python benchmarks/hostile.py [--keep DIR] [--timeout S] [--only NAME ...]

``tests/test_hostile.py`` builds the same files with ``make_cases`` and reads them in-process.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAW = ["CHÍNH PHỦ", "Số: 12/2026/NĐ-CP", "NGHỊ ĐỊNH", "Quy định về quản lý thử nghiệm",
       "Điều 1. Phạm vi điều chỉnh",
       "1. Nghị định này quy định về việc cấp phép do cơ quan có thẩm quyền quyết định.",
       "2. Bộ trưởng quy định chi tiết các trường hợp khác.",
       "Điều 2. Đối tượng áp dụng",
       "Nghị định này áp dụng đối với cơ quan, tổ chức, cá nhân có liên quan."]


# ---- PDF by hand --------------------------------------------------------------------------

def pdf_from_objects(objs: list[bytes], root: int = 1, trailer_extra: bytes = b"") -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += (b"trailer\n<< /Size %d /Root %d 0 R " % (len(objs) + 1, root) + trailer_extra
            + b">>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"", compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def make_pdf(pages: list[list[str]], *, media_box: tuple[int, int] = (595, 842),
             compress: bool = False) -> bytes:
    """A PDF with a text layer: one Helvetica line per string, any Unicode letter (up to 127
    distinct non-ASCII ones) through /Differences glyph names."""
    extra = sorted({c for page in pages for line in page for c in line if ord(c) > 126})
    assert len(extra) < 128
    code = {c: 128 + i for i, c in enumerate(extra)}

    def encode(line: str) -> bytes:
        out = bytearray()
        for c in line:
            out += b"\\" + c.encode() if c in "()\\" else bytes([code.get(c, ord(c))])
        return bytes(out)

    n = len(pages)
    font = 3 + 2 * n
    w, h = media_box
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(n))
            + b"] /Count %d >>" % n]
    for i, page in enumerate(pages):
        content = b"".join(b"BT /F1 11 Tf 50 %d Td (" % (h - 42 - 14 * j) + encode(line) + b") Tj ET\n"
                           for j, line in enumerate(page)) or b"0 0 m 100 100 l S\n"
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources "
                    b"<< /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (w, h, font, 4 + 2 * i))
        objs.append(_stream(content, compress=compress))
    diffs = " ".join(f"/uni{ord(c):04X}" for c in extra).encode()
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding "
                b"/BaseEncoding /WinAnsiEncoding /Differences [128 " + diffs + b"] >> >>")
    return pdf_from_objects(objs)


def many_pages_pdf(n: int) -> bytes:
    """``n`` pages sharing one font and one small content stream (a few hundred KB)."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"",  # pages tree filled below
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            _stream(b"BT /F1 11 Tf 50 800 Td (Dieu 1. Noi dung cua trang nay duoc lap lai.) Tj ET\n")]
    kids = []
    for _ in range(n):
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
                    b"<< /Font << /F1 3 0 R >> >> /Contents 4 0 R >>")
        kids.append(b"%d 0 R" % len(objs))
    objs[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % n
    return pdf_from_objects(objs)


def stream_bomb_pdf(megabytes: int = 400) -> bytes:
    """One page whose content stream inflates from about 400 KB to ``megabytes`` MB."""
    comp = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    body = b"".join(comp.compress(chunk) for _ in range(megabytes)) + comp.flush()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"]
    return pdf_from_objects(objs)


def huge_page_pdf() -> bytes:
    """A normal page with text, then a 200 x 200 inch page (PDF's largest) with only a drawing:
    the second has no text layer, so OCR renders it, within the pixel budget."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
            b"<< /Font << /F1 7 0 R >> >> /Contents 4 0 R >>",
            _stream(b"".join(b"BT /F1 11 Tf 50 %d Td (%s) Tj ET\n" % (800 - 14 * j, line.encode())
                             for j, line in enumerate(
                                 ["Scope of this test document", "A page of text, then a huge page."]))),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] /Contents 6 0 R >>",
            _stream(b"10 w 100 100 m 14000 14000 l S\n"),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    return pdf_from_objects(objs)


_FONTS = ("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
          "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _page_image(lines: list[str], dpi: int) -> tuple[bytes, int, int]:
    """A greyscale picture of an A4 page with ``lines`` on it (PIL with a system TrueType font
    that has Vietnamese letters; pdfium's render of the text page otherwise)."""
    w, h = int(8.27 * dpi), int(11.69 * dpi)
    font_file = next((f for f in _FONTS if Path(f).is_file()), None)
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        font_file = None
    if font_file is None:
        import pypdfium2 as pdfium

        src = pdfium.PdfDocument(make_pdf([lines]))
        arr = src[0].render(scale=dpi / 72, grayscale=True).to_numpy()
        src.close()
        arr = arr[:, :, 0] if arr.ndim == 3 else arr
        return arr.tobytes(), arr.shape[1], arr.shape[0]
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(font_file, int(13 / 72 * dpi))
    y = int(0.8 * dpi)
    for line in lines:
        draw.text((int(0.9 * dpi), y), line, fill=0, font=font)
        y += int(20 / 72 * dpi)
    return img.tobytes(), w, h


def scanned_pdf(lines_per_page: list[list[str]], dpi: int = 200) -> bytes:
    """A scan: each page is only a picture of its lines, no text layer."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for lines in lines_per_page:
        pixels, w, h = _page_image(lines, dpi)
        objs.append(_stream(pixels, b" /Type /XObject /Subtype /Image /Width %d /Height %d "
                            b"/ColorSpace /DeviceGray /BitsPerComponent 8" % (w, h), compress=True))
        img = len(objs)
        objs.append(_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q\n"))
        content = len(objs)
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
                    b"<< /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>" % (img, content))
        kids.append(b"%d 0 R" % len(objs))
    objs[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(kids)
    return pdf_from_objects(objs)


def encrypted_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(make_pdf([LAW])))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---- DOCX by hand -------------------------------------------------------------------------

_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/word/document.xml" ContentType="{main}"/>{extra}</Types>')
_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_MAIN_MACRO = "application/vnd.ms-word.document.macroEnabled.main+xml"
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _document_xml(paragraphs: list[str]) -> str:
    from xml.sax.saxutils import escape

    body = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W}">'
            f"<w:body>{body}</w:body></w:document>")


def make_docx(paragraphs: list[str], *, macros: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        extra = ('<Override PartName="/word/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                 if macros else "")
        z.writestr("[Content_Types].xml", _CT.format(main=_MAIN_MACRO if macros else _MAIN, extra=extra))
        z.writestr("_rels/.rels", _RELS)
        z.writestr("word/document.xml", _document_xml(paragraphs))
        if macros:
            z.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + bytes(512))
    return out.getvalue()


def docx_bomb(megabytes: int = 1024) -> bytes:
    """A DOCX whose document.xml inflates from about 1 MB to ``megabytes`` MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CT.format(main=_MAIN, extra=""))
        z.writestr("_rels/.rels", _RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(f'<?xml version="1.0"?><w:document xmlns:w="{_W}"><w:body><w:p><w:r><w:t>'.encode())
            chunk = b"a" * (1 << 20)
            for _ in range(megabytes):
                fh.write(chunk)
            fh.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return out.getvalue()


def xlsx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "Điều 1. Không phải tài liệu Word.")
        z.writestr("data/a.csv", "a,b\n1,2\n")
    return out.getvalue()


# ---- legacy encodings ---------------------------------------------------------------------

_TCVN3 = str.maketrans("àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĂÂĐÊÔƠƯ",
                       "µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑªÒÕÓÔÖ×ÝØÜÞßãáâä«åèæçé¬êíëìîïóñòô\u00adõøö÷ùúýûüþ¡¢§£¤¥¦")


def to_tcvn3(text: str) -> str:
    """Unicode -> TCVN3 (capitals with a tone have no code: typed lower case, as the fonts do)."""
    import unicodedata

    out = []
    for c in unicodedata.normalize("NFC", text):
        t = c.translate(_TCVN3)
        if t == c and c.isupper() and not c.isascii():
            t = c.lower().translate(_TCVN3)
        out.append(t)
    return "".join(out)


_VNI = {"á": "aù", "à": "aø", "ả": "aû", "ã": "aõ", "ạ": "aï", "ă": "aê", "ắ": "aé", "ằ": "aè", "ẳ": "aú",
        "ẵ": "aü", "ặ": "aë", "â": "aâ", "ấ": "aá", "ầ": "aà", "ẩ": "aå", "ẫ": "aã", "ậ": "aä", "đ": "ñ",
        "é": "eù", "è": "eø", "ẻ": "eû", "ẽ": "eõ", "ẹ": "eï", "ê": "eâ", "ế": "eá", "ề": "eà", "ể": "eå",
        "ễ": "eã", "ệ": "eä", "í": "í", "ì": "ì", "ỉ": "æ", "ĩ": "ó", "ị": "ò", "ó": "où", "ò": "oø",
        "ỏ": "oû", "õ": "oõ", "ọ": "oï", "ô": "oâ", "ố": "oá", "ồ": "oà", "ổ": "oå", "ỗ": "oã", "ộ": "oä",
        "ơ": "ô", "ớ": "ôù", "ờ": "ôø", "ở": "ôû", "ỡ": "ôõ", "ợ": "ôï", "ú": "uù", "ù": "uø", "ủ": "uû",
        "ũ": "uõ", "ụ": "uï", "ư": "ö", "ứ": "öù", "ừ": "öø", "ử": "öû", "ữ": "öõ", "ự": "öï", "ý": "yù",
        "ỳ": "yø", "ỷ": "yû", "ỹ": "yõ", "ỵ": "î"}


def to_vni(text: str) -> str:
    import unicodedata

    out = []
    for c in unicodedata.normalize("NFC", text):
        low = c.lower()
        if low in _VNI:
            v = _VNI[low]
            out.append(v.upper() if c.isupper() else v)
        else:
            out.append(c)
    return "".join(out)


ENGLISH = ["MEMORANDUM OF UNDERSTANDING", "This memorandum records the intentions of the parties.",
           "The parties will meet every quarter to review progress and agree on next steps.",
           "Nothing in this memorandum creates legal obligations.",
           "Signed in two copies, one for each party."]


# ---- the cases ----------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    file: str  # file name inside the folder
    #: what should happen: "ok" (exit 0) or "refused" (exit 2, no traceback)
    expect: str
    #: a phrase the message (stderr) must hold, case-insensitive regular expression
    says: str = ""
    #: the error code (``InputError.code``) when refused, checked by tests/test_hostile.py
    code: str | None = None
    env: dict = field(default_factory=dict)
    what: str = ""
    slow: bool = False  # OCR: skipped by the tests without Tesseract


def make_cases(folder: Path, *, big: bool = True) -> list[Case]:
    """Writes the hostile files into ``folder`` and returns the cases; ``big=False`` makes the
    bombs and the thousands of pages smaller (still past the limits set for them)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    good = make_pdf([LAW[:5], LAW[5:]])
    rnd = random.Random(7)

    def put(name: str, data: bytes | str) -> str:
        (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        return name

    cases = [
        Case("empty file", put("empty.pdf", b""), "refused", r"empty", "empty"),
        Case("only spaces", put("blank.txt", b"  \n\t \n"), "refused", r"empty", "empty"),
        Case("not a PDF despite the name", put("page.pdf", b"<!doctype html><html><body>Not a PDF</body></html>"),
             "refused", r"not a valid PDF", "unreadable"),
        Case("truncated PDF", put("truncated.pdf", good[: len(good) // 2]), "refused",
             r"not a readable PDF|damaged|truncated|no text", None),
        Case("corrupted PDF", put("corrupted.pdf", b"%PDF-1.7\n" + bytes(rnd.randrange(256) for _ in range(20000))),
             "refused", r"not a readable PDF|damaged", "unreadable"),
        Case("password-protected PDF", put("password.pdf", encrypted_pdf()), "refused", r"password", "encrypted"),
        Case("PDF with 5000 pages", put("pages_5000.pdf", many_pages_pdf(5000 if big else 600)), "refused",
             r"pages; the limit is 500", "limit"),
        Case("PDF stream bomb (400 MB of spaces)", put("stream_bomb.pdf", stream_bomb_pdf(400 if big else 80)),
             "refused", r"compression bomb|larger than the limit", "limit"),
        Case("huge page (200 x 200 in) without text", put("huge_page.pdf", huge_page_pdf()), "ok", "", None,
             what="the page is rendered for OCR within SCREENER_MAX_PAGE_MEGAPIXELS", slow=True),
        Case("DOCX zip bomb (1 GB document.xml)", put("bomb.docx", docx_bomb(1024 if big else 250)), "refused",
             r"unpack to .* MB.*ZIP bomb", "limit"),
        Case("DOCX with macros (.docm)", put("macros.docm", make_docx(LAW, macros=True)), "refused",
             r"macro", "macros"),
        Case("DOCX with vbaProject.bin named .docx", put("macros.docx", make_docx(LAW, macros=True)), "refused",
             r"macro", "macros"),
        Case("Excel workbook renamed .docx", put("sheet.docx", xlsx_bytes()), "refused", r"Excel workbook",
             "unsupported_format"),
        Case("plain ZIP renamed .docx", put("archive.docx", plain_zip()), "refused", r"ZIP archive",
             "unsupported_format"),
        Case("legacy Word .doc renamed .docx", put("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000)),
             "refused", r"legacy Word", "unsupported_format"),
        Case("binary garbage as .txt", put("garbage.txt", bytes(range(256)) * 50), "refused",
             r"not a text file", "unreadable"),
        Case("Windows-1258 text", put("cp1258.txt", _cp1258("\n".join(LAW))), "ok", ""),
        Case("TCVN3 (ABC) text", put("tcvn3.txt", to_tcvn3("\n".join(LAW)).encode("latin-1")), "ok",
             r"TCVN3.*converted"),
        Case("VNI text", put("vni.txt", to_vni("\n".join(LAW)).encode("cp1252")), "ok", r"VNI.*converted"),
        Case("TCVN3 in UTF-8 (re-saved) text", put("tcvn3_utf8.txt", to_tcvn3("\n".join(LAW))), "ok",
             r"TCVN3.*converted"),
        Case("TCVN3 PDF text layer", put("tcvn3.pdf", make_pdf([[to_tcvn3(x) for x in LAW]])), "ok",
             r"TCVN3.*converted"),
        Case("English text, no legal structure", put("memo.txt", "\n".join(ENGLISH)), "ok",
             r"no articles .*paragraph"),
        Case("PDF with <script> and Markdown in its text", put("script.pdf", make_pdf([LAW[:5] + [
            "1. <script>alert('x')</script> **bold** [link](http://x) <b>tag</b>"]])), "ok", ""),
        Case("file over SCREENER_MAX_FILE_MB=1", put("big.txt", ("\n".join(LAW) + "\n") * 6000), "refused",
             r"MB; the limit is 1 MB", "limit", env={"SCREENER_MAX_FILE_MB": "1"}),
        Case("text over SCREENER_MAX_CHARS=20000", put("long.txt", ("\n".join(LAW) + "\n") * 200), "refused",
             r"characters of text; the limit is 20,000", "limit", env={"SCREENER_MAX_CHARS": "20000"}),
        Case("scan, 3 pages, SCREENER_OCR_MAX_PAGES=2", put("scan.pdf", scanned_pdf([LAW[:5], LAW[5:], LAW[:5]])),
             "ok", r"OCR is limited to 2 pages", None, env={"SCREENER_OCR_MAX_PAGES": "2"}, slow=True),
        Case("missing file", "no_such_file.pdf", "refused", r"no such file", "unreadable"),
    ]
    return cases


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letters and combining tone marks."""
    import unicodedata

    out = b""
    for c in unicodedata.normalize("NFC", text):
        try:
            out += c.encode("cp1258")
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", c)
            base = unicodedata.normalize("NFC", d[:-1])
            out += base.encode("cp1258", "replace") + d[-1].encode("cp1258", "replace")
    return out


# ---- running ------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", help="write the files here (kept) instead of a temporary folder")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per case (default 120)")
    ap.add_argument("--only", nargs="*", help="run the cases whose name contains one of these")
    ap.add_argument("--no-ocr", action="store_true", help="skip the cases that need OCR")
    args = ap.parse_args(argv)
    tmp = None
    if args.keep:
        folder = Path(args.keep)
    else:
        tmp = tempfile.mkdtemp(prefix="screener-hostile-")
        folder = Path(tmp)
    try:
        t0 = time.monotonic()
        cases = make_cases(folder)
        print(f"{len(cases)} hostile files written to {folder} in {time.monotonic() - t0:.1f} s\n")
        rows = []
        for case in cases:
            if args.only and not any(o.lower() in case.name.lower() for o in args.only):
                continue
            if args.no_ocr and case.slow:
                continue
            # peak memory of this case alone: each case in a fresh child, measured with wait4
            rows.append(_run_measured(case, folder, args.timeout))
            r = rows[-1]
            print(f"{'PASS' if r['ok'] else 'FAIL'}  {r['case']:<42} exit {str(r['exit']):>7}  "
                  f"{r['seconds']:6.2f} s  {r['peak_mb']:6.0f} MB  {r['message'][:150]}", flush=True)
        bad = [r for r in rows if not r["ok"]]
        print(f"\n{len(rows) - len(bad)}/{len(rows)} cases as expected; slowest "
              f"{max(r['seconds'] for r in rows):.1f} s, highest peak memory {max(r['peak_mb'] for r in rows):.0f} MB")
        return 1 if bad else 0
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def _run_measured(case: Case, folder: Path, timeout: float) -> dict:
    """Runs one case (``screener parse``) and measures the child's own peak RSS, from ``os.wait4``."""
    exe = shutil.which("screener", path=str(Path(sys.executable).parent)) or "screener"
    env = dict(os.environ, **case.env)
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([exe, "parse", str(folder / case.file), "--format", "json"],
                                stdout=out, stderr=err, env=env)
        timed_out = False
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - t0
        err.seek(0)
        err_text = err.read().decode("utf-8", "replace")
        out.seek(0, 2)
        out_bytes = out.tell()
    code = proc.returncode
    traceback = "Traceback" in err_text
    ok = (code == 0 if case.expect == "ok" else code == 2) and not traceback and not timed_out
    ok = ok and (bool(re.search(case.says, err_text, re.I | re.S)) if case.says else True)
    lines = [l for l in err_text.splitlines() if l.startswith("screener:") and not l.startswith("screener: OCR")]
    message = " ".join(lines) or ("(read, no message)" if code == 0 else err_text.strip()[-200:])
    return {"case": case.name, "exit": "timeout" if timed_out else code, "ok": ok, "seconds": seconds,
            "peak_mb": usage.ru_maxrss / 1024, "message": message, "stdout_bytes": out_bytes}


if __name__ == "__main__":
    sys.exit(main())
