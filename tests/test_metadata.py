"""Metadata from the header of the canonical text: type, number, issuer, date, title, draft."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from screener.ingest import read
from screener.ingest.metadata import extract, split_type_line

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real documents not available: {path} is missing (expected beside the repo)")
    return path


@cache
def read_real(path: Path):
    return read(path)


def fields(text: str, **kw) -> tuple:
    m = extract(text, **kw)
    return m.type, m.number, m.issuer, m.date, m.title, m.is_draft


def test_issued_decree():
    text = ("CHÍNH PHỦ\nSố: 49/2026/NĐ-CP\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "Độc lập - Tự do - Hạnh phúc\nHà Nội, ngày 31 tháng 01 năm 2026\nNGHỊ ĐỊNH\n"
            "Quy định chi tiết và hướng dẫn một số điều của Nghị quyết số 254/2025/QH15\n"
            "Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;\nChương I\nQUY ĐỊNH CHUNG")
    assert fields(text) == ("Nghị định", "49/2026/NĐ-CP", "Chính phủ", "2026-01-31",
                            "Quy định chi tiết và hướng dẫn một số điều của Nghị quyết số 254/2025/QH15",
                            False)
    m = extract(text, source_format="pdf", pages=29)
    assert (m.pages, m.source_format) == (29, "pdf")


def test_draft_decree_with_blank_number_and_date():
    text = ("CHÍNH PHỦ\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
            "Số:      /2025/ND-CP\nHà Nội, ngày     tháng     năm 2025\nNGHỊ ĐỊNH\n"
            "Quy định điều kiện kinh doanh\nCăn cứ Luật Đo lường ngày 11 tháng 11 năm 2011;")
    assert fields(text) == ("Nghị định", "/2025/NĐ-CP", "Chính phủ", None,
                            "Quy định điều kiện kinh doanh", True)


def test_draft_label_alone_marks_a_draft():
    text = "BỘ TÀI CHÍNH\nDỰ THẢO\nSố: 12/2025/TT-BTC\nHà Nội, ngày 02 tháng 3 năm 2025\nTHÔNG TƯ\nHướng dẫn"
    assert fields(text)[-1] is True
    assert extract(text.replace("DỰ THẢO\n", "")).is_draft is False


def test_law_with_one_word_title():
    text = ("QUỐC HỘI\nLuật số: 45/2019/QH14\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "Độc lập - Tự do - Hạnh phúc\nBỘ LUẬT\nLAO ĐỘNG\nCăn cứ Hiến pháp nước Cộng hòa xã hội "
            "chủ nghĩa Việt Nam;")
    assert fields(text) == ("Bộ luật", "45/2019/QH14", "Quốc hội", None, "Lao động", False)


def test_ocr_noise():
    text = ("QUOC HOI CONG HOA XA HOI CHU NGHIA VIET NAM\nLuậtsố: /2025/QH15 Hà Nội ngày tháng năm 2025\n"
            "03.4.2025 LU AT\nSỬA DOI, BO SUNG MOT SO DIEU CUA LUAT ĐẦU THAU; LUAT ĐẦU\n"
            "TU THEO PHƯƠNG THỨC ĐÔI TAC CONG TƯ\nCăn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;")
    assert fields(text) == ("Luật", "/2025/QH15", "Quốc hội", None,
                            "Sửa doi, bo sung mot so dieu cua luat đầu thau; luat đầu tu theo phương "
                            "thức đôi tac cong tư", True)
    assert split_type_line("NGHI DINH") == ("Nghị định", "")


@pytest.mark.parametrize("line, expected", [
    ("NGHỊ ĐỊNH", ("Nghị định", "")), ("LUẬT", ("Luật", "")), ("BỘ LUẬT", ("Bộ luật", "")),
    ("THÔNG TƯ LIÊN TỊCH", ("Thông tư liên tịch", "")), ("THÔNG TƯ", ("Thông tư", "")),
    ("QUYẾT ĐỊNH", ("Quyết định", "")), ("NGHỊ QUYẾT", ("Nghị quyết", "")),
    ("PHÁP LỆNH", ("Pháp lệnh", "")), ("LUẬT THUẾ GIÁ TRỊ GIA TĂNG", ("Luật", "THUẾ GIÁ TRỊ GIA TĂNG")),
    ("Nghị định này quy định", None), ("BỘ TÀI CHÍNH", None), ("QUỐC HỘI", None),
])
def test_type_lines(line, expected):
    assert split_type_line(line) == expected


@pytest.mark.parametrize("header, issuer", [
    ("BỘ KHOA HỌC VÀ CÔNG NGHỆ", "Bộ Khoa học và Công nghệ"),
    ("BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "Bộ Nông nghiệp và Môi trường"),
    ("BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "Bộ Văn hóa, Thể thao và Du lịch"),
    ("ỦY BAN NHÂN DÂN TỈNH HÀ GIANG", "Ủy ban nhân dân tỉnh Hà Giang"),
    ("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HỒ CHÍ MINH", "Ủy ban nhân dân thành phố Hồ Chí Minh"),
    ("HỘI ĐỒNG THẨM PHÁN\nTÒA ÁN NHÂN DÂN TỐI CAO", "Hội đồng Thẩm phán Tòa án nhân dân tối cao"),
    ("THỦ TƯỚNG CHÍNH PHỦ", "Thủ tướng Chính phủ"),
    ("NGÂN HÀNG NHÀ NƯỚC VIỆT NAM", "Ngân hàng Nhà nước Việt Nam"),
    ("VĂN PHÒNG QUỐC HỘI CỘNG HOA XÃ HOI CHU NGHĨA VIET NAM", "Văn phòng Quốc hội"),
    ("CHÍNH PHỦ__________", "Chính phủ"),
])
def test_issuers(header, issuer):
    text = f"{header}\nSố: 01/2025/QĐ-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nQUYẾT ĐỊNH\nVề việc"
    assert extract(text).issuer == issuer


def test_body_dates_are_not_the_issue_date():
    text = ("ÁN LỆ SỐ 43/2021/AL\nVề hiệu lực của hợp đồng thế chấp\nĐược Hội đồng Thẩm phán thông qua "
            "ngày 24 tháng 02 năm 2021 và được công bố theo Quyết định số 42/QĐ-CA ngày 12 tháng 3 năm 2021")
    assert fields(text) == (None, None, None, None, None, False)


def test_resolution_title_stops_at_the_issuing_body():
    text = ("HỘI ĐỒNG THẨM PHÁN\nTÒA ÁN NHÂN DÂN TỐI CAO\nSố: 01/2019/NQ-HĐTP\nHà Nội, ngày 11 tháng 01 "
            "năm 2019\nNGHỊ QUYẾT\nHƯỚNG DẪN ÁP DỤNG MỘT SỐ QUY ĐỊNH CỦA PHÁP LUẬT VỀ LÃI\n"
            "HỘI ĐỒNG THẨM PHÁN TÒA ÁN NHÂN DÂN TỐI CAO\nCăn cứ Luật Tổ chức Tòa án nhân dân;")
    assert fields(text) == ("Nghị quyết", "01/2019/NQ-HĐTP", "Hội đồng Thẩm phán Tòa án nhân dân tối cao",
                            "2019-01-11", "Hướng dẫn áp dụng một số quy định của pháp luật về lãi", False)


def test_no_header():
    assert fields("Điều 1. Phạm vi điều chỉnh\nNội dung.") == (None, None, None, None, None, False)


# -- real documents ------------------------------------------------------------------------

@pytest.mark.parametrize("path, expected", [
    ("pdf/text/49-2026-ND-CP.pdf",
     ("Nghị định", "49/2026/NĐ-CP", "Chính phủ", "2026-01-31", False, 29, "pdf")),
    ("docx/nghi_dinh_03_2026_ND_CP.docx",
     ("Nghị định", "03/2026/NĐ-CP", "Chính phủ", "2026-01-09", False, None, "docx")),
    ("docx/bo_luat_91_2015_QH13.docx", ("Bộ luật", "91/2015/QH13", "Quốc hội", None, False, None, "docx")),
    ("docx/nghi_quyet_02_2022_NQ_HDTP.docx",
     ("Nghị quyết", "02/2022/NQ-HĐTP", "Hội đồng Thẩm phán Tòa án nhân dân tối cao", "2022-09-06", False,
      None, "docx")),
    ("drafts/ifc_nd_3_du_thao.md", ("Nghị định", "/2025/NĐ-CP", "Chính phủ", None, True, 6, "markdown")),
    ("drafts/documents_nd_du_thao_luat.md",
     ("Luật", "/2019/QH14", "Văn phòng Quốc hội", None, True, 18, "markdown")),
    ("drafts/gtgt_21feb2024_dt_luat_thue.md", ("Luật", "/20…/QH…", "Quốc hội", None, True, 20, "markdown")),
    ("drafts/tndn_2024_dt_luat_thue.md", ("Luật", None, None, None, True, 35, "markdown")),
])
def test_real_documents(path, expected):
    m = read_real(shared(path)).metadata
    *head, pages, source_format = expected
    assert (m.type, m.number, m.issuer, m.date, m.is_draft) == tuple(head)
    assert m.source_format == source_format and m.title
    if pages is not None:  # a DOCX has the pages Word last recorded
        assert m.pages == pages


def test_real_titles():
    assert read_real(shared("pdf/text/49-2026-ND-CP.pdf")).metadata.title == (
        "Quy định chi tiết và hướng dẫn một số điều của Nghị quyết số 254/2025/QH15 của Quốc hội quy "
        "định một số cơ chế, chính sách tháo gỡ khó khăn, vướng mắc trong tổ chức thi hành Luật Đất đai")
    assert read_real(shared("docx/bo_luat_91_2015_QH13.docx")).metadata.title == "Dân sự"
    assert read_real(shared("drafts/gtgt_21feb2024_dt_luat_thue.md")).metadata.title == "Thuế giá trị gia tăng"
