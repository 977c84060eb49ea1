"""screener.ingest: canonical text, page mapping and input errors.

Synthetic documents (text, Markdown, a DOCX built with python-docx, PDFs written by hand)
run everywhere; the real documents in the repo's sibling ``../shared`` are used when present.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
import unicodedata
import zipfile
from functools import cache
from pathlib import Path

import pytest

from screener.errors import (EmptyDocumentError, EncryptedPDFError, InputError, ScannedPDFError,
                             UnsupportedFormatError)
from screener.ingest import layout, normalize_text, read
from screener.ingest.layout import is_marker
from screener.ingest.normalize import fold, normalize_tones
from screener.ingest.pdf import read_pdf
from screener.ingest.plaintext import read_text
from screener.ingest.syllables import rejoin
from support import hostile

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real documents not available: {path} is missing (expected beside the repo)")
    return path


def shared_files(folder: str, pattern: str) -> list[Path]:
    return sorted(shared(folder).glob(pattern))


@cache
def read_real(path: Path):
    """Real documents are read once per test run (pypdf is slow)."""
    return read(path)


@cache
def pdf_pages(path: Path) -> list[list[str]]:
    return [layout.split_lines(t) for t in read_pdf(path.read_bytes(), path.name)]


# -- helpers -------------------------------------------------------------------------------

def _cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: precomposed letters, combining tone marks."""
    out = b""
    for c in text:
        try:
            out += c.encode("cp1258")
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", c)
            out += unicodedata.normalize("NFC", d[:-1]).encode("cp1258") + d[-1].encode("cp1258")
    return out



def cut_lines(text: str) -> list[tuple[str, str]]:
    """Line breaks inside a sentence: no end punctuation, and the next line goes on in lowercase
    (or with the rest of a number or a date) without being a structural marker."""
    lines = text.split("\n")
    cuts = []
    for prev, line in zip(lines, lines[1:]):
        if is_marker(line) or layout.is_caps(line) or prev.rstrip("”\"’')]»")[-1:] in ".;:!?…":
            continue
        first = line.lstrip("“\"‘'([«")[:1]
        if first.islower() or prev.endswith((",", " số", " ngày")):
            cuts.append((prev[-60:], line[:40]))
    return cuts


def page_numbers_left(text: str) -> list[str]:
    return [line for line in text.split("\n") if layout.page_number(line) is not None]


def assert_page_mapping(doc, pages_lines: list[list[str]]) -> None:
    """A distinctive line of each source page is found in the text on that page."""
    for i, lines in enumerate(pages_lines):
        candidates = sorted((line for line in lines[2:-2] if len(line) > 30), key=len, reverse=True)
        for line in candidates[:3]:
            if doc.text.count(line) == 1:
                assert doc.page_at(doc.text.index(line)) == i + 1, (i + 1, line)


def check_page_starts(doc) -> None:
    starts = doc.page_starts
    assert starts[0] == 0
    assert all(a <= b for a, b in zip(starts, starts[1:]))
    assert starts[-1] <= len(doc.text)
    assert doc.metadata.pages == len(starts)


# -- normalisation -------------------------------------------------------------------------

@pytest.mark.parametrize("old, new", [
    ("hoà", "hòa"), ("Hoà", "Hòa"), ("HOÀ", "HÒA"), ("thoả thuận", "thỏa thuận"),
    ("Uỷ ban", "Ủy ban"), ("thuỷ lợi", "thủy lợi"), ("khoẻ", "khỏe"), ("hoạ", "họa"),
    ("tuỳ", "tùy"), ("luỹ kế", "lũy kế"), ("loè", "lòe"),
])
def test_tone_marks_use_the_official_convention(old, new):
    assert normalize_text(old) == new
    assert len(normalize_tones(old)) == len(old)


@pytest.mark.parametrize("word", ["quý", "Quỳnh", "QUỶ", "hoàn", "toán", "khoảng", "quyết", "thuyền",
                                  "ngoài", "xoáy", "khuỷu", "hòa", "Ủy", "thủy", "khỏe"])
def test_tone_marks_left_alone(word):
    assert normalize_text(word) == word


def test_normalize_text_cleans_characters_and_spaces():
    decomposed = unicodedata.normalize("NFD", "Nghị định")
    raw = ("\ufeff" + decomposed + "\u00a0số\u2003 12\t\t/2025\r\nđiều\u00adchỉnh\u200b  \x07\n"
           "  Chương I   \r\n")
    assert normalize_text(raw) == "Nghị định số 12 /2025\nđiềuchỉnh\n Chương I\n"


def test_normalize_text_is_idempotent():
    samples = ["  a  b \n\n c\u00a0", "Hoà  bình\u00ad", "x\u200by", "Uỷ ban\r\nthuỷ"]
    for s in samples:
        once = normalize_text(s)
        assert normalize_text(once) == once


def test_normalize_text_on_law_texts():
    path = shared("laws.jsonl.gz")
    old_style = re.compile(r"(?<![qQ])[uU][ỳýỷỹỵỲÝỶỸỴ](?![^\W\d_])|[oO][àáảãạèéẻẽẹÀÁẢÃẠÈÉẺẼẸ](?![^\W\d_])")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for row in map(json.loads, f):
            once = normalize_text(row["text"])
            assert normalize_text(once) == once, row["doc_id"]
            assert once == unicodedata.normalize("NFC", once)
            assert not old_style.search(once), row["doc_id"]
            assert not re.search(r"[\u00a0\u00ad\u200b\ufeff\t]| {2}| \n", once), row["doc_id"]


# -- syllables split by PDF extraction ------------------------------------------------------

def test_split_syllables_are_rejoined():
    assert rejoin("các bên chưa th ực hi ện vi ệc giao nh ận nhà") == "các bên chưa thực hiện việc giao nhận nhà"
    assert rejoin("Bà Phùng Th ị N, ông Nguy ễn Văn A; B ộ luật; gi ấy c hứng nh ận") == \
        "Bà Phùng Thị N, ông Nguyễn Văn A; Bộ luật; giấy c hứng nhận"


@pytest.mark.parametrize("text", ["điểm c hoặc d", "bà L ở Hà Nội", "cho ăn", "do ảnh hưởng",
                                  "có yêu cầu", "vô ý", "Bộ Y tế", "thú y"])
def test_real_word_pairs_are_not_joined(text):
    assert rejoin(text) == text


# -- line joining and page furniture -------------------------------------------------------

WRAPPED_PAGE_1 = [
    "CHÍNH PHỦ", "Số: 12/2025/NĐ-CP", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc", "_______________", "Hà Nội, ngày 05 tháng 3 năm 2025",
    "NGHỊ ĐỊNH", "Quy định chi tiết một số điều của Luật Thử nghiệm về quản lý và sử dụng",
    "tài sản công tại cơ quan nhà nước", "Căn cứ Luật Tổ chức Chính phủ số 63/2025/QH15;",
    "Chương I", "QUY ĐỊNH CHUNG", "Điều 1. Phạm vi điều chỉnh",
    "Nghị định này quy định chi tiết về việc quản lý, sử dụng tài sản công tại các cơ quan",
    "nhà nước, đơn vị sự nghiệp công lập và tổ chức được giao quản lý tài sản công theo quy",
    "định của pháp luật hiện hành.", "Điều 2. Đối tượng áp dụng",
    "1. Cơ quan nhà nước, đơn vị sự nghiệp công lập, tổ chức chính trị - xã hội được giao",
    "quản lý, sử dụng tài sản công theo quy định tại Nghị định này và các văn bản có liên",
]
WRAPPED_PAGE_2 = [
    "- 2 -", "Nghị định số 12/2025/NĐ-CP",
    "quan;", "2. Tổ chức, cá nhân khác có liên quan.", "a) Trường hợp thứ nhất;",
    "đ) Trường hợp thứ năm;", "b1) Trường hợp riêng;", "- Ý thứ nhất;", "+ Ý thứ hai.",
    "“Điều 5. Điều khoản được sửa đổi", "Chương II", "QUY ĐỊNH CHI TIẾT VÀ HƯỚNG DẪN",
    "MỘT SỐ ĐIỀU CỦA LUẬT", "Mục 1", "QUẢN LÝ TÀI SẢN", "Điều 3. Nguyên tắc quản lý",
    "Tài sản công được quản lý thống nhất theo quy định tại Nghị định số 151/2025/NĐ-",
    "CP và các văn bản quy phạm pháp luật khác có liên quan đến việc quản lý tài sản công.",
]
WRAPPED_PAGE_3 = [
    "Trang 3", "Nghị định số 12/2025/NĐ-CP",
    "Điều 4. Hiệu lực thi hành", "Nghị định này có hiệu lực kể từ ngày ký ban hành và áp dụng",
    "thống nhất trong cả nước đối với mọi cơ quan, tổ chức, cá nhân có liên quan đến việc",
    "quản lý tài sản công.", "Phụ lục I", "DANH MỤC TÀI SẢN", "3/3",
]


def test_layout_rejoins_wrapped_lines_and_keeps_structure():
    text, starts = layout.assemble(["\n".join(p) for p in (WRAPPED_PAGE_1, WRAPPED_PAGE_2,
                                                          WRAPPED_PAGE_3)])
    lines = text.split("\n")
    assert lines[:7] == ["CHÍNH PHỦ", "Số: 12/2025/NĐ-CP", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                         "Độc lập - Tự do - Hạnh phúc", "Hà Nội, ngày 05 tháng 3 năm 2025",
                         "NGHỊ ĐỊNH", "Quy định chi tiết một số điều của Luật Thử nghiệm về quản "
                         "lý và sử dụng tài sản công tại cơ quan nhà nước"]
    for line in ["Chương I", "QUY ĐỊNH CHUNG", "Điều 1. Phạm vi điều chỉnh",
                 "Nghị định này quy định chi tiết về việc quản lý, sử dụng tài sản công tại các cơ "
                 "quan nhà nước, đơn vị sự nghiệp công lập và tổ chức được giao quản lý tài sản "
                 "công theo quy định của pháp luật hiện hành.",
                 "2. Tổ chức, cá nhân khác có liên quan.", "a) Trường hợp thứ nhất;",
                 "đ) Trường hợp thứ năm;", "b1) Trường hợp riêng;", "- Ý thứ nhất;", "+ Ý thứ hai.",
                 "“Điều 5. Điều khoản được sửa đổi", "Chương II",
                 "QUY ĐỊNH CHI TIẾT VÀ HƯỚNG DẪN MỘT SỐ ĐIỀU CỦA LUẬT", "Mục 1", "QUẢN LÝ TÀI SẢN",
                 "Phụ lục I", "DANH MỤC TÀI SẢN"]:
        assert line in lines
    # a sentence running over the page break is one line; page 2 starts at its continuation
    clause = next(line for line in lines if line.startswith("1. Cơ quan nhà nước"))
    assert clause.endswith("và các văn bản có liên quan;")
    assert text[starts[1]:].startswith("quan;")
    assert text[starts[2]:].startswith("Điều 4. Hiệu lực thi hành")
    assert "Nghị định số 151/2025/NĐ-CP và các văn bản" in text  # hyphenated wrap
    assert "Nghị định số 12/2025/NĐ-CP\n" not in text  # running header
    assert not page_numbers_left(text) and "_____" not in text
    assert not cut_lines(text)


def test_sentence_cut_at_page_end_keeps_the_page_of_each_character():
    text, starts = layout.assemble(["Điều 1. Phạm vi\nNghị định này quy định về việc thực hiện",
                                    "2\nchính sách đất đai.\nĐiều 2. Đối tượng"])
    assert text == "Điều 1. Phạm vi\nNghị định này quy định về việc thực hiện chính sách đất đai.\nĐiều 2. Đối tượng"
    assert starts == [0, text.index("chính sách")]


@pytest.mark.parametrize("lines, joined", [
    (["Nghị định số 151/2025/NĐ-CP, Nghị định số", "226/2025/NĐ-CP)."], True),
    (["quy hoạch tỉnh thời kỳ 2021", "- 2030, tầm nhìn đến năm 2050"], True),
    (["Điều 18. Quy định chuyển tiếp về quy hoạch;", "giao đất, cho thuê đất"], True),
    (["theo quy định của", "Quốc hội."], True),
    (["- HĐND, UBND thành phố Đà", "Nẵng;"], True),
    (["cơ quan quản lý nhà nước về", "KH&CN."], True),
    (["Luật số: 45/2019/QH14", "LUẬT"], False),
    (["Vì các lẽ trên,", "QUYẾT ĐỊNH:"], False),
    (["b) Diện tích đất không bao gồm:", "đất do cơ quan nhà nước quản lý;"], False),
    (["Điều 2. Đối tượng áp dụng", "Nghị định này áp dụng đối với cơ quan."], False),
    (["CHÍNH PHỦ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"], False),
    (["Chương I", "QUY ĐỊNH CHUNG"], False),
])
def test_join_decisions(lines, joined):
    text, _ = layout.assemble(["\n".join(lines)])
    assert ("\n" not in text) == joined, text


def test_pages_without_text_get_a_start():
    text, starts = layout.assemble(["Điều 1. Một", "", "Điều 2. Hai"])
    assert starts == [0, text.index("Điều 2"), text.index("Điều 2")]


# -- plain text and Markdown ---------------------------------------------------------------

DRAFT_MD = """---
title: "ND Undated Du thao"
category: "Draft"
---

CHÍNH PHỦ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: /2025/NĐ-CP Hà Nội, ngày tháng năm 2025
# NGHỊ ĐỊNH
**Về thử nghiệm** chính sách
Điều 1. Phạm vi điều chỉnh
Nghị định này quy định *chi tiết* việc thử nghiệm các chính sách mới trong lĩnh

2


--- PAGE BREAK ---

vực tài chính.
Điều 2. Đối tượng áp dụng
* Cơ quan nhà nước;

--- PAGE BREAK ---

3
Điều 3. Hiệu lực
"""


def test_markdown_draft():
    doc = read(DRAFT_MD.encode(), name="du_thao.md")
    assert doc.text == ("CHÍNH PHỦ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                        "Số: /2025/NĐ-CP Hà Nội, ngày tháng năm 2025\nNGHỊ ĐỊNH\n"
                        "Về thử nghiệm chính sách\nĐiều 1. Phạm vi điều chỉnh\n"
                        "Nghị định này quy định chi tiết việc thử nghiệm các chính sách mới trong "
                        "lĩnh vực tài chính.\nĐiều 2. Đối tượng áp dụng\n- Cơ quan nhà nước;\n"
                        "Điều 3. Hiệu lực")
    assert doc.page_starts == [0, doc.text.index("vực tài"), doc.text.index("Điều 3")]
    assert doc.metadata.source_format == "markdown" and doc.metadata.pages == 3


_WORDS = ("an bình cao dân em gia hòa khoa lao minh nam phong quang sơn tâm uy vân xuân yên bắc "
          "cầu đông giang hải kim lâm mai ngọc phú quế thanh trung vinh việt hùng dũng tiến thắng "
          "lợi phát hưng thịnh long đức").split()


def _wrapped_page(n: int) -> list[str]:
    """20 different lines, cut mid-sentence like a page layout does."""
    return [" ".join(_WORDS[(n * 131 + i * 17 + k * k * 7) % len(_WORDS)] for k in range(12))
            for i in range(20)]


def test_text_without_page_breaks_splits_at_page_numbers():
    lines = _wrapped_page(1) + ["2"] + _wrapped_page(2) + ["3"] + _wrapped_page(3)
    doc = read("\n".join(lines).encode(), name="x.txt")
    assert len(doc.page_starts) == 3
    for n, start in enumerate(doc.page_starts, 1):
        assert doc.text[start:].startswith(_wrapped_page(n)[0])
    assert not page_numbers_left(doc.text)


def test_numbered_table_rows_are_not_pages():
    lines = ["Bảng giá", "1", "Phí kiểm dịch động vật", "2", "Phí thẩm định", "3", "Lệ phí cấp phép"]
    doc = read("\n".join(lines).encode(), name="x.txt")
    assert doc.page_starts == [0]
    assert doc.text.split() == " ".join(lines).split()  # numbers kept, wherever lines were joined


def test_form_feed_starts_a_page():
    doc = read("Điều 1. Một.\fĐiều 2. Hai.".encode(), name="x.txt")
    assert doc.page_starts == [0, doc.text.index("Điều 2")]


@pytest.mark.parametrize("data", [
    "Điều 1. Hoà bình".encode("utf-8"),
    codecs.BOM_UTF8 + "Điều 1. Hoà bình".encode("utf-8"),
    "Điều 1. Hoà bình".encode("utf-16"),
    _cp1258("Điều 1. Hoà bình"),
])
def test_text_encodings(data):
    assert read(data, name="a.txt").text == "Điều 1. Hòa bình"


def test_markdown_markup_is_stripped():
    md = "## Điều 1. Tiêu đề ##\n> **Đậm** và *nghiêng* và [liên kết](http://x)\n| a | b |\n|---|---|\n1\\. Khoản"
    assert read(md.encode(), name="a.md").text == "Điều 1. Tiêu đề\nĐậm và nghiêng và liên kết\n| a | b |\n1. Khoản"


# -- DOCX ----------------------------------------------------------------------------------

def _docx_bytes() -> bytes:
    import docx
    from docx.enum.text import WD_BREAK
    from docx.oxml import OxmlElement

    d = docx.Document()
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "BỘ TÀI CHÍNH"
    table.cell(0, 0).add_paragraph("______")
    table.cell(0, 0).add_paragraph("Số: 15/2024/TT-BTC")
    table.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    table.cell(0, 1).add_paragraph("Hà Nội, ngày 28 tháng 02 năm 2024")
    d.add_paragraph("THÔNG TƯ")
    d.add_paragraph("Hướng dẫn thử nghiệm")
    d.add_paragraph("Điều 1. Phạm vi điều chỉnh")
    p = d.add_paragraph("Thông tư này hướng dẫn việc thoả thuận ")
    p.add_run().add_break(WD_BREAK.PAGE)
    p.add_run("giữa các bên.")
    d.add_paragraph("Điều 2. Đối tượng áp dụng")
    p = d.add_paragraph()
    p.add_run()._r.append(OxmlElement("w:lastRenderedPageBreak"))
    p.add_run("Tổ chức, cá nhân có liên quan.")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_docx_body_tables_and_page_breaks():
    doc = read(_docx_bytes(), name="tt.docx")
    assert doc.text == ("BỘ TÀI CHÍNH\nSố: 15/2024/TT-BTC\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
                        "Hà Nội, ngày 28 tháng 02 năm 2024\nTHÔNG TƯ\nHướng dẫn thử nghiệm\n"
                        "Điều 1. Phạm vi điều chỉnh\nThông tư này hướng dẫn việc thỏa thuận giữa "
                        "các bên.\nĐiều 2. Đối tượng áp dụng\nTổ chức, cá nhân có liên quan.")
    assert doc.page_starts == [0, doc.text.index("giữa các bên"), doc.text.index("Tổ chức, cá nhân")]
    m = doc.metadata
    assert (m.type, m.number, m.issuer, m.date, m.title, m.is_draft, m.pages, m.source_format) == (
        "Thông tư", "15/2024/TT-BTC", "Bộ Tài chính", "2024-02-28", "Hướng dẫn thử nghiệm", False,
        3, "docx")


def test_docx_without_page_breaks_is_one_page():
    import docx

    d = docx.Document()
    d.add_paragraph("Điều 1. Một")
    d.add_paragraph("Nội dung.")
    out = io.BytesIO()
    d.save(out)
    assert read(out.getvalue(), name="a.docx").page_starts == [0]


# -- PDF -----------------------------------------------------------------------------------

def test_pdf_pages_numbers_and_joined_sentences():
    body = "Nghị định này quy định chi tiết về việc quản lý, sử dụng tài sản công tại các"
    pages = [["CHÍNH PHỦ", "Số: 7/2025/NĐ-CP", "NGHỊ ĐỊNH", "Về thử nghiệm", "Điều 1. Phạm vi",
              body, body, body, body],
             ["2", "cơ quan nhà nước.", "Điều 2. Đối tượng", body, body, body, body + " đơn vị."],
             ["3", "Điều 3. Hiệu lực", body, body, body, body + " cơ quan."]]
    doc = read(hostile.make_pdf(pages), name="nd.pdf")
    assert "\n2\n" not in doc.text and "\n3\n" not in doc.text
    assert f"{body} cơ quan nhà nước.\nĐiều 2. Đối tượng" in doc.text
    assert doc.page_starts == [0, doc.text.index("cơ quan nhà nước."), doc.text.index("Điều 3.")]
    assert doc.metadata.source_format == "pdf" and doc.metadata.number == "7/2025/NĐ-CP"
    assert not cut_lines(doc.text)


def test_pdf_without_text_layer_is_a_scan():
    with pytest.raises(ScannedPDFError, match="no text layer.*OCR"):
        read(hostile.make_pdf([[], [], []]), name="scan.pdf")


def test_encrypted_pdf():
    from pypdf import PdfWriter

    plain = hostile.make_pdf([["Điều 1. Nội dung của văn bản được bảo vệ bằng mật khẩu."]])
    for user_password, works in (("secret", False), ("", True)):
        writer = PdfWriter(clone_from=io.BytesIO(plain))
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
        out = io.BytesIO()
        writer.write(out)
        if works:
            assert read(out.getvalue(), name="e.pdf").text.startswith("Điều 1.")
        else:
            with pytest.raises(EncryptedPDFError, match="password"):
                read(out.getvalue(), name="e.pdf")


# -- errors --------------------------------------------------------------------------------

def _zip_without_word() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("a.txt", "x")
    return out.getvalue()


@pytest.mark.parametrize("data, name, error", [
    (b"", "a.pdf", EmptyDocumentError),
    (b"  \n\t", "a.txt", EmptyDocumentError),
    (b"hello", "a.pdf", InputError),
    (b"%PDF-1.7\n" + bytes(range(256)) * 20, "a.pdf", InputError),
    (hostile.make_pdf([["Điều 1. Nội dung của văn bản thử nghiệm đủ dài."]])[:300], "a.pdf", InputError),
    (b"PK\x03\x04" + bytes(500), "a.docx", InputError),
    (_zip_without_word(), "a.docx", InputError),
    (b"not a zip", "a.docx", InputError),
    (b"\xd0\xcf\x11\xe0" + bytes(100), "a.doc", UnsupportedFormatError),
    (b"\x89PNG\r\n", "a.png", UnsupportedFormatError),
    (bytes(range(256)), "a.txt", InputError),
    (b"\x81\x8a\x8d\x8e\x8f", "a.txt", InputError),
])
def test_bad_inputs_raise_input_errors(data, name, error):
    with pytest.raises(error) as info:
        read(data, name=name)
    assert name in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read(tmp_path / "nothing.pdf")
    with pytest.raises(InputError, match="folder"):
        read(tmp_path)


def test_read_from_path_uses_the_file_name(tmp_path):
    path = tmp_path / "du_thao.txt"
    path.write_text("Điều 1. Nội dung.", encoding="utf-8")
    assert read(path).name == "du_thao.txt"
    assert read(str(path), name="other.txt").name == "other.txt"


# -- real documents ------------------------------------------------------------------------

def test_text_pdfs():
    for path in shared_files("pdf/text", "*.pdf"):
        doc = read_real(path)
        check_page_starts(doc)
        assert doc.metadata.pages == len(pdf_pages(path))
        assert not page_numbers_left(doc.text), path.name
        assert not cut_lines(doc.text), (path.name, cut_lines(doc.text))
        assert not re.search(r"^[_\-—=]+$", doc.text, re.M), path.name
        assert_page_mapping(doc, pdf_pages(path))


def test_precedent_pdfs_have_whole_words_and_no_footnotes():
    for path in shared_files("pdf/text", "an_le_*.pdf"):
        doc = read_real(path)
        assert "Án lệ này do" not in doc.text, path.name  # the footnote on page 1
        assert not re.search(r"\b(?:th|nh|ph|tr|ch|đ) [ạảãàáặẳẵằắậẩẫầấẹẻẽèéệểễềếịỉĩìíọỏõòóộổỗồốợởỡờớụủũùúựửữừứ]",
                             doc.text), path.name


def test_decree_49_2026_pdf():
    doc = read_real(shared("pdf/text/49-2026-ND-CP.pdf"))
    assert len(doc.page_starts) == 29
    assert doc.page_at(doc.text.index("Điều 2. Đối tượng áp dụng")) == 2
    assert "\nĐiều 18. Quy định chuyển tiếp về quy hoạch, kế hoạch sử dụng đất; giao đất, cho thuê đất\n" in doc.text
    assert "Nghị định số 151/2025/NĐ-CP, Nghị định số 226/2025/NĐ-CP" in doc.text
    assert "\nChương I\nQUY ĐỊNH CHUNG\n" in doc.text
    assert "\nQUY ĐỊNH CHI TIẾT VÀ HƯỚNG DẪN MỘT SỐ ĐIỀU CỦA NGHỊ QUYẾT SỐ 254/2025/QH15\n" in doc.text


def test_scanned_pdfs_are_refused_without_tesseract(monkeypatch):
    from screener.ingest import ocr

    monkeypatch.setattr(ocr, "find_tesseract", lambda binary="tesseract": None)
    paths = shared_files("pdf/scanned", "*.pdf")
    assert paths
    for path in paths:
        with pytest.raises(ScannedPDFError, match="tesseract-ocr-vie"):
            read(path)


def test_docx_files():
    for path in shared_files("docx", "*.docx"):
        doc = read_real(path)
        check_page_starts(doc)
        assert not cut_lines(doc.text), (path.name, cut_lines(doc.text))
        assert not re.search(r"^[_\-—=]+$", doc.text, re.M), path.name


def _source_pages(path: Path) -> list[list[str]]:
    return [layout.split_lines(t) for t in read_text(path.read_bytes(), path.name, markdown=True)]


def test_ocr_drafts():
    for path in shared_files("drafts", "*.md"):
        doc = read_real(path)
        raw = path.read_text(encoding="utf-8")
        check_page_starts(doc)
        assert "PAGE BREAK" not in doc.text and "conversion_date" not in doc.text, path.name
        assert not doc.text.startswith("---") and not page_numbers_left(doc.text), path.name
        breaks = raw.count("--- PAGE BREAK ---")
        if breaks:
            assert len(doc.page_starts) == breaks + 1, path.name
            assert_page_mapping(doc, _source_pages(path))
        assert len(cut_lines(doc.text)) <= 1, (path.name, cut_lines(doc.text))
        if "doc3391" not in path.name:  # that one has lost its header
            assert doc.metadata.is_draft, path.name


def test_ocr_drafts_running_footers_removed():
    doc = read(shared("drafts/documents_nd_du_thao_luat.md"))
    assert "chu in nghi" not in fold(doc.text).lower()  # "Phần chữ in nghiêng ...", OCR'd 18 ways
    doc = read(shared("drafts/gtgt_21feb2024_dt_luat_thue.md"))
    assert "Gạch ngang: Bỏ so với" not in doc.text and len(doc.page_starts) == 20
