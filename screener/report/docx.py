"""Word reports of a review, in the administrative format of Decree 30/2020/NĐ-CP.

- ``review_report_docx``: "Báo cáo rà soát" -- the document, a summary table, each confirmed
  finding with its citation, text, reason and proposed fix, and the reviewers' notes.
- ``comment_table_docx``: "Bảng tổng hợp ý kiến" -- the same findings as the comment table
  drafting offices use in consultation (STT, provision, content of the comment, proposed
  handling).

Both: A4 portrait, margins top 20 mm, bottom 20 mm, left 30 mm, right 15 mm, Times New Roman
14 pt (13 pt in tables), page number centred in the header, so they can go into a dossier as
they are.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from screener import ParsedDocument
from screener.review.decisions import CONFIRMED, DISMISSED, OPEN, ReviewedFinding, effective_finding
from screener.rules import categories

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 13
PAGE = (Mm(210), Mm(297))
MARGINS = {"top": Mm(20), "bottom": Mm(20), "left": Mm(30), "right": Mm(15)}
SEVERITY_VI = {1: "Thấp", 2: "Trung bình", 3: "Cao"}

__all__ = ["review_report_docx", "comment_table_docx", "FONT", "MARGINS", "PAGE"]


def _set_font(style_or_run, size: int | None = None) -> None:
    font = style_or_run.font
    font.name = FONT
    if size:
        font.size = Pt(size)
    rpr = style_or_run.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)


def _page_number_header(section) -> None:
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    _set_font(run, BODY_PT)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    # Decree 30: no number on the first page
    section.different_first_page_header_footer = True


def _new_document():
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    for name in ("Normal", "Table Grid", "Header", "Footer"):
        try:
            _set_font(doc.styles[name], TABLE_PT if name == "Table Grid" else BODY_PT)
        except KeyError:
            pass
    pf = doc.styles["Normal"].paragraph_format
    pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(6), 1.15
    _page_number_header(section)
    return doc


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """Text that XML can hold (Word rejects control characters)."""
    return _XML_BAD.sub("", text or "")


def _para(doc_or_cell, text: str = "", *, bold=False, italic=False, align=None, size=None,
          space_after=None):
    p = doc_or_cell.add_paragraph()
    if text:
        run = p.add_run(_clean(text))
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
    if align is not None:
        p.alignment = align
    if space_after is not None:
        p.paragraph_format.space_after = Pt(space_after)
    return p


def _labelled(doc, label: str, text: str, italic=False):
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    p.add_run(label).bold = True
    run = p.add_run(_clean(text))
    run.italic = italic
    return p


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def _cell_text(cell, text: str, *, bold=False, italic=False, align=None, size=TABLE_PT):
    cell.text = ""
    lines = _clean(text).split("\n") if text else [""]
    for i, line in enumerate(lines):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        run = p.add_run(line)
        run.bold, run.italic = bold, italic
        run.font.size = Pt(size)
        p.paragraph_format.space_after = Pt(2)
        if align is not None:
            p.alignment = align


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _vn_date(d: date) -> str:
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def _heading_block(doc, organization: str, when: date, place: str) -> None:
    """Decree 30 header: issuing body on the left, national motto on the right, then the date."""
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left.width, right.width = Mm(65), Mm(100)
    _cell_text(left, organization.upper(), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell_text(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    p = right.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = p.add_run("Độc lập - Tự do - Hạnh phúc")
    r.bold, r.font.size = True, Pt(BODY_PT)
    _para(doc, f"{place}, {_vn_date(when)}", italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT)


def _doc_title(parsed: ParsedDocument, name: str | None) -> str:
    """"dự thảo Nghị định quy định điều kiện ..." (a blank draft number "/2026/NĐ-CP" left out)."""
    m = parsed.document.metadata
    number = (m.number or "").strip()
    if number.startswith("/") or "…" in number or "..." in number:
        number = ""
    kind = " ".join(x for x in ((m.type or "văn bản"), number) if x)
    draft = "dự thảo " if m.is_draft else ""
    title = m.title or ""
    if title and not title[:2].isupper():
        title = title[0].lower() + title[1:]
    return " ".join(x for x in (f"{draft}{kind}", title) if x).strip() or (name or "văn bản")


def _counts(items: list[ReviewedFinding]) -> Counter:
    return Counter(it.status for it in items)


def _save(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def review_report_docx(parsed: ParsedDocument, items: list[ReviewedFinding], *, doc_name: str | None = None,
                       reviewers: list[str] | None = None, model_version: str = "",
                       organization: str = "Tổ rà soát dự thảo", place: str = "Hà Nội",
                       when: date | None = None) -> bytes:
    """The review report (DOCX bytes): confirmed findings in full, all counted in the summary."""
    when = when or date.today()
    doc = _new_document()
    _heading_block(doc, organization, when, place)
    _para(doc, "BÁO CÁO RÀ SOÁT", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(doc, f"Rủi ro lồng ghép lợi ích nhóm, lợi ích cục bộ trong {_doc_title(parsed, doc_name)}",
          bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)

    m = parsed.document.metadata
    confirmed = [it for it in items if it.status == CONFIRMED]
    counts = _counts(items)
    reviewers = reviewers if reviewers is not None else sorted({d.reviewer for it in items for d in it.history})

    _para(doc, "I. VĂN BẢN ĐƯỢC RÀ SOÁT", bold=True)
    rows = [("Tệp", doc_name or parsed.document.name or ""), ("Loại văn bản", m.type or "—"),
            ("Số, ký hiệu", m.number or "—"), ("Cơ quan chủ trì soạn thảo", m.issuer or "—"),
            ("Trích yếu", m.title or "—"), ("Số trang", str(m.pages or "—")),
            ("Số điều, khoản, điểm đã rà soát", str(len(parsed.units)))]
    table = doc.add_table(rows=0, cols=2, style="Table Grid")
    for k, v in rows:
        cells = table.add_row().cells
        _cell_text(cells[0], k, bold=True)
        _cell_text(cells[1], v)
    _para(doc)

    _para(doc, "II. TỔNG HỢP KẾT QUẢ", bold=True)
    _para(doc, f"Công cụ rà soát phát hiện {sum(not it.manual for it in items)} dấu hiệu rủi ro; người rà soát "
               f"bổ sung {sum(it.manual for it in items)}. Kết quả xem xét: {counts[CONFIRMED]} xác nhận, "
               f"{counts[DISMISSED]} bác bỏ, {counts[OPEN]} chưa xem xét.").alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    table = doc.add_table(rows=1, cols=5, style="Table Grid")
    for cell, head in zip(table.rows[0].cells, ("STT", "Nhóm rủi ro", "Đã xác nhận", "Trong đó mức cao",
                                                "Bác bỏ / chưa xem xét")):
        _cell_text(cell, head, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _repeat_header(table.rows[0])
    n = 0
    for cat in categories():
        mine = [it for it in items if it.category == cat.id]
        if not mine:
            continue
        n += 1
        conf = [it for it in mine if it.status == CONFIRMED]
        cells = table.add_row().cells
        for cell, value, align in ((cells[0], str(n), WD_ALIGN_PARAGRAPH.CENTER), (cells[1], cat.name_vi, None),
                                   (cells[2], str(len(conf)), WD_ALIGN_PARAGRAPH.CENTER),
                                   (cells[3], str(sum(it.severity == 3 for it in conf)), WD_ALIGN_PARAGRAPH.CENTER),
                                   (cells[4], str(len(mine) - len(conf)), WD_ALIGN_PARAGRAPH.CENTER)):
            _cell_text(cell, value, align=align)
    cells = table.add_row().cells
    _cell_text(cells[1], "Tổng cộng", bold=True)
    _cell_text(cells[2], str(len(confirmed)), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell_text(cells[3], str(sum(it.severity == 3 for it in confirmed)), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell_text(cells[4], str(len(items) - len(confirmed)), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc)

    _para(doc, "III. CÁC QUY ĐỊNH CÓ RỦI RO ĐÃ XÁC NHẬN", bold=True)
    if not confirmed:
        _para(doc, "Chưa có phát hiện nào được xác nhận.", italic=True)
    for i, it in enumerate(sorted(confirmed, key=lambda it: it.finding.start), 1):
        f = effective_finding(it)
        _para(doc, f"{i}. {f.label} ({f.page_label}) — {f.category_name}; mức độ {SEVERITY_VI[f.severity].lower()}",
              bold=True)
        _labelled(doc, "Nội dung quy định: ", "“" + " ".join(f.text.split()) + "”", italic=True)
        if f.triggers:
            _labelled(doc, "Dấu hiệu: ", "; ".join(f"“{t.text}”" for t in f.triggers))
        _labelled(doc, "Lý do: ", f.reason)
        _labelled(doc, "Đề xuất sửa đổi: ", f.suggested_fix)
        if it.notes:
            _labelled(doc, "Ý kiến người rà soát: ", " ".join(f"{n.text} ({n.reviewer})." for n in it.notes))
        if it.manual:
            _para(doc, "(Rủi ro do người rà soát bổ sung.)", italic=True)

    _para(doc, "IV. GHI CHÚ", bold=True)
    _para(doc, "Báo cáo được lập từ kết quả của công cụ rà soát tự động và quyết định của người rà soát; "
               "kết luận cuối cùng thuộc về cơ quan thẩm định, thẩm tra."
               + (f" Phiên bản mô hình: {model_version}." if model_version else "")).alignment = \
        WD_ALIGN_PARAGRAPH.JUSTIFY
    _para(doc)
    _para(doc, "NGƯỜI RÀ SOÁT", bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=0)
    _para(doc, ", ".join(reviewers) if reviewers else "", align=WD_ALIGN_PARAGRAPH.RIGHT)
    return _save(doc)


def comment_table_docx(parsed: ParsedDocument, items: list[ReviewedFinding], *, doc_name: str | None = None,
                       commenter: str = "Tổ rà soát dự thảo", place: str = "Hà Nội",
                       when: date | None = None) -> bytes:
    """The confirmed findings as a consultation comment table ("Bảng tổng hợp ý kiến"), DOCX bytes."""
    when = when or date.today()
    doc = _new_document()
    _heading_block(doc, commenter, when, place)
    _para(doc, "BẢNG TỔNG HỢP Ý KIẾN", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(doc, f"về {_doc_title(parsed, doc_name)}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(doc, "(Ý kiến về rủi ro lồng ghép lợi ích nhóm, lợi ích cục bộ)", italic=True,
          align=WD_ALIGN_PARAGRAPH.CENTER)
    confirmed = sorted((it for it in items if it.status == CONFIRMED), key=lambda it: it.finding.start)
    table = doc.add_table(rows=1, cols=4, style="Table Grid")
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Mm(12), Mm(33), Mm(70), Mm(50))
    for cell, head, w in zip(table.rows[0].cells, ("STT", "Điều, khoản, điểm", "Nội dung ý kiến", "Đề xuất xử lý"),
                             widths):
        _cell_text(cell, head, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        cell.width = w
    _repeat_header(table.rows[0])
    for i, it in enumerate(confirmed, 1):
        f = effective_finding(it)
        comment = f"{f.reason} {f.question}"
        if f.triggers:
            comment = "Quy định “" + "”, “".join(t.text for t in f.triggers) + f"” ({f.category_name.lower()}). " + comment
        if it.notes:
            comment += "\n" + " ".join(n.text for n in it.notes)
        cells = table.add_row().cells
        for cell, value, w in zip(cells, (str(i), f"{f.label}\n({f.page_label})", comment, f.suggested_fix), widths):
            _cell_text(cell, value, align=WD_ALIGN_PARAGRAPH.CENTER if value == str(i) else None)
            cell.width = w
    if not confirmed:
        cells = table.add_row().cells
        _cell_text(cells[2], "Chưa có ý kiến (chưa xác nhận phát hiện nào).", italic=True)
    return _save(doc)
