"""The DOCX review report and comment table: content, and the Decree 30/2020 format."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm, Pt

from screener import parse_file
from screener.findings import rules_scorer, screen
from screener.report import comment_table_docx, review_report_docx
from screener.review import Decision, apply_decisions, decision_for, document_hash, missed_risk

SAMPLE = Path(__file__).resolve().parents[1] / "screener" / "samples" / "du_thao_nghi_dinh_mau.txt"


@pytest.fixture(scope="module")
def reviewed():
    data = SAMPLE.read_bytes()
    parsed = parse_file(data, name=SAMPLE.name)
    findings = screen(parsed, scorer=rules_scorer)
    h = document_hash(data)
    i_unit = next(k for k, u in enumerate(parsed.units) if "hiệu lực thi hành" in parsed.text[u.start:u.end])
    log = [decision_for(findings[0], "confirm", reviewer="Nguyễn Thị Lan", doc_hash=h, parsed=parsed,
                        note="Đề nghị nộp toàn bộ phí vào ngân sách."),
           decision_for(findings[1], "confirm", reviewer="Trần Văn Bình", doc_hash=h, parsed=parsed, severity=3),
           decision_for(findings[2], "dismiss", reviewer="Trần Văn Bình", doc_hash=h, parsed=parsed),
           missed_risk(parsed, i_unit, "weak_accountability", "có hiệu lực thi hành", reviewer="Nguyễn Thị Lan",
                       doc_hash=h, note="Ngày hiệu lực để trống.")]
    for n, d in enumerate(log, 1):
        d.id, d.created_at = n, f"2026-03-0{n}T08:00:00+00:00"
    return parsed, findings, apply_decisions(findings, log, parsed)


def _open(data: bytes):
    return Document(io.BytesIO(data))


def _check_decree_30_format(doc):
    for s in doc.sections:
        assert abs(s.page_width - Mm(210)) < Mm(0.5) and abs(s.page_height - Mm(297)) < Mm(0.5)
        assert Mm(20) - Mm(0.1) <= s.top_margin <= Mm(25) + Mm(0.1)
        assert Mm(20) - Mm(0.1) <= s.bottom_margin <= Mm(25) + Mm(0.1)
        assert Mm(30) - Mm(0.1) <= s.left_margin <= Mm(35) + Mm(0.1)
        assert Mm(15) - Mm(0.1) <= s.right_margin <= Mm(20) + Mm(0.1)
    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman" and Pt(13) <= normal.size <= Pt(14)
    rfonts = doc.styles["Normal"].element.rPr.rFonts
    assert rfonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "Times New Roman"
    runs = [r for p in doc.paragraphs for r in p.runs]
    runs += [r for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    assert runs
    for r in runs:
        assert r.font.name in (None, "Times New Roman")
        assert r.font.size is None or Pt(13) <= r.font.size <= Pt(14)


def _all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_review_report_content_and_format(reviewed):
    parsed, findings, items = reviewed
    data = review_report_docx(parsed, items, doc_name="mau.txt", model_version="rules-1",
                              when=date(2026, 3, 5))
    doc = _open(data)
    _check_decree_30_format(doc)
    text = _all_text(doc)
    assert "BÁO CÁO RÀ SOÁT" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "ngày 05 tháng 03 năm 2026" in text
    assert "điều kiện kinh doanh dịch vụ kiểm định thiết bị đo lường" in text
    confirmed = [it for it in items if it.status == "confirmed"]
    assert len(confirmed) == 3
    for it in confirmed:
        assert it.finding.label in text and it.finding.reason.split("“")[0][:20] in text
    dismissed = next(it for it in items if it.status == "dismissed")
    assert f"{dismissed.finding.label} ({dismissed.finding.page_label}) —" not in text
    assert "Đề nghị nộp toàn bộ phí vào ngân sách." in text and "Ngày hiệu lực để trống." in text
    assert "Nguyễn Thị Lan" in text and "rules-1" in text
    # summary table: header and total row agree with the decisions
    summary = next(t for t in doc.tables if t.rows[0].cells[0].text == "STT")
    assert [c.text for c in summary.rows[0].cells][:3] == ["STT", "Nhóm rủi ro", "Đã xác nhận"]
    assert summary.rows[-1].cells[1].text == "Tổng cộng" and summary.rows[-1].cells[2].text == "3"
    assert sum(int(r.cells[2].text) for r in summary.rows[1:-1]) == 3


def test_comment_table_content_and_format(reviewed):
    parsed, findings, items = reviewed
    doc = _open(comment_table_docx(parsed, items, doc_name="mau.txt"))
    _check_decree_30_format(doc)
    assert "BẢNG TỔNG HỢP Ý KIẾN" in _all_text(doc)
    table = doc.tables[-1]
    assert [c.text for c in table.rows[0].cells] == ["STT", "Điều, khoản, điểm", "Nội dung ý kiến", "Đề xuất xử lý"]
    body = table.rows[1:]
    assert [r.cells[0].text for r in body] == ["1", "2", "3"]
    confirmed = sorted((it for it in items if it.status == "confirmed"), key=lambda it: it.finding.start)
    for row, it in zip(body, confirmed):
        assert row.cells[1].text.startswith(it.finding.label)
        assert it.finding.triggers[0].text in row.cells[2].text
        assert row.cells[3].text  # proposed handling
    # the header row repeats on each page
    assert table.rows[0]._tr.trPr.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is not None


def test_reports_without_confirmed_findings(reviewed):
    parsed, findings, _ = reviewed
    items = apply_decisions(findings, [], parsed)
    assert "Chưa có phát hiện nào được xác nhận." in _all_text(_open(review_report_docx(parsed, items)))
    doc = _open(comment_table_docx(parsed, items))
    assert len(doc.tables[-1].rows) == 2 and "Chưa có ý kiến" in doc.tables[-1].rows[1].cells[2].text


def test_document_text_is_not_interpreted(reviewed):
    """Text from the document goes into the DOCX as text, whatever characters it holds."""
    parsed, findings, _ = reviewed
    d = Decision("h", findings[0].id, "confirm", reviewer="<b>X</b> & Y", note="ghi chú <script>\x0b",
                 created_at="2026-01-01T00:00:00+00:00", id=1)
    items = apply_decisions(findings, [d], parsed)
    text = _all_text(_open(review_report_docx(parsed, items)))
    assert "<b>X</b> & Y" in text and "ghi chú <script>" in text
