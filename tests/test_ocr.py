"""OCR of PDF pages without a text layer (issue 8).

Most tests replace Tesseract (missing, a fake that sleeps, or canned page texts) so they run
fast everywhere; those that run the real Tesseract skip when it is not installed, and those
that need ../shared skip when it is absent. Real OCR here reads 2 pages in all.
"""

from __future__ import annotations

import io
import json
import re
import stat
import sys
from pathlib import Path

import pytest

from screener import parse_document
from screener.cli import main
from screener.errors import ScannedPDFError
from screener.ingest import ocr, read
from support import hostile

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "screener/samples/du_thao_nghi_dinh_mau.txt"
SHARED = ROOT.parent / "shared"
TEXT_PDF = SHARED / "data/pdf/text/49-2026-ND-CP.pdf"
SCANS = SHARED / "data/pdf/scanned"
ADVICE = "apt-get install tesseract-ocr tesseract-ocr-vie"


def _tesseract_missing_reason() -> str | None:
    try:
        ocr.check_available(ocr.OcrSettings())
    except ocr.OcrUnavailable as exc:
        return str(exc)
    return None


_NO_TESSERACT = _tesseract_missing_reason()
needs_tesseract = pytest.mark.skipif(_NO_TESSERACT is not None,
                                     reason=f"real OCR test skipped: {_NO_TESSERACT}")
needs_shared = pytest.mark.skipif(not TEXT_PDF.is_file(),
                                  reason=f"{TEXT_PDF} not present (../shared sits beside the repo)")


# ---------------------------------------------------------------- building test PDFs

def _add_image_page(dst, bitmap, w: float, h: float) -> None:
    import pypdfium2 as pdfium

    page = dst.new_page(w, h)
    image = pdfium.PdfImage.new(dst)
    image.set_bitmap(bitmap)
    image.set_matrix(pdfium.PdfMatrix().scale(w, h))
    page.insert_obj(image)
    page.gen_content()


def build_pdf(pages: list) -> bytes:
    """Pages in order: a list of lines (text layer; [] a blank page) or "image" (a scan: a
    picture, no text)."""
    import pypdfium2 as pdfium

    dst = pdfium.PdfDocument.new()
    for spec in pages:
        if spec == []:  # nothing drawn at all
            dst.new_page(595, 842)
        elif isinstance(spec, list):
            dst.import_pages(pdfium.PdfDocument(hostile.make_pdf([spec])))
        else:
            bitmap = pdfium.PdfBitmap.new_native(200, 280, pdfium.raw.FPDFBitmap_Gray)
            arr = bitmap.to_numpy()
            arr[:] = 255
            arr[40:60, 20:180] = 0  # a black bar: something drawn, not a blank page
            _add_image_page(dst, bitmap, 595, 842)
    buf = io.BytesIO()
    dst.save(buf)
    return buf.getvalue()


@pytest.fixture
def no_tesseract(monkeypatch):
    """Tesseract is not installed (the binary lookup finds nothing)."""
    monkeypatch.setattr(ocr, "find_tesseract", lambda binary="tesseract": None)


# the bundled sample draft, as if OCR read it from three scanned pages
_SAMPLE_LINES = SAMPLE.read_text(encoding="utf-8").splitlines()
_CUTS = [0, _SAMPLE_LINES.index(next(l for l in _SAMPLE_LINES if l.startswith("Điều 3."))),
         _SAMPLE_LINES.index(next(l for l in _SAMPLE_LINES if l.startswith("Điều 6."))), len(_SAMPLE_LINES)]
SAMPLE_PAGES = ["\n".join(_SAMPLE_LINES[a:b]) for a, b in zip(_CUTS, _CUTS[1:])]
CONFIDENCE = {0: 95.0, 1: 62.5, 2: 90.0}


@pytest.fixture
def fake_ocr(monkeypatch):
    """Tesseract "reads" the sample draft, one third per page; page 2 with low confidence."""
    calls = []

    def ocr_image(image, settings=None, *, page=0):
        assert image.startswith(b"P5\n")  # a rendered greyscale page
        calls.append(page)
        return ocr.PageOcr(page, SAMPLE_PAGES[page], CONFIDENCE[page], 100, 0.01)

    monkeypatch.setattr(ocr, "check_available", lambda settings=None: "/usr/bin/tesseract")
    monkeypatch.setattr(ocr, "ocr_image", ocr_image)
    return calls


# ---------------------------------------------------------------- units

def test_tsv_to_text_and_confidence():
    tsv = ("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
           "1\t1\t0\t0\t0\t0\t0\t0\t10\t10\t-1\t\n"
           "5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t96.5\tĐiều\n"
           "5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t90.5\t1.\n"
           "5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t50\tPhạm\n"
           "5\t1\t1\t1\t2\t2\t0\t0\t1\t1\t-1\t \n"
           "5\t1\t2\t1\t1\t1\t0\t0\t1\t1\t83\t\"vi\"\n")
    text, conf, words = ocr.parse_tsv(tsv)
    assert text == "Điều 1.\nPhạm\n\n\"vi\""
    assert words == 4 and conf == pytest.approx((96.5 + 90.5 + 50 + 83) / 4, abs=0.05)


def test_words_far_apart_on_a_line_are_two_columns():
    head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
    row = "5\t1\t1\t1\t1\t{}\t{}\t0\t{}\t20\t90\t{}\n"
    words = [(100, 60, "CHÍNH"), (170, 40, "PHỦ"), (600, 60, "CỘNG"), (670, 50, "HÒA")]
    tsv = head + "".join(row.format(i, left, width, w) for i, (left, width, w) in enumerate(words))
    assert ocr.parse_tsv(tsv)[0] == "CHÍNH PHỦ\nCỘNG HÒA"


def test_clean_repairs_article_numbers_and_normalises():
    assert ocr.clean("Điều I. Phạm vi\nĐiều l2: Hiệu lực\nĐiều 3. x") == \
        "Điều 1. Phạm vi\nĐiều 12: Hiệu lực\nĐiều 3. x"
    assert ocr.clean("Ủy ban hoà giải") == "Ủy ban hòa giải"  # the canonical tone marks
    assert ocr.clean("theo khoản I Điều I1, điểm l khoản 2 của Luật số 64/2025/QHI5; Chương II") == \
        "theo khoản 1 Điều 11, điểm l khoản 2 của Luật số 64/2025/QH15; Chương II"
    assert ocr.clean("Hà Nội, ngày II tháng I0 năm 2025") == "Hà Nội, ngày 11 tháng 10 năm 2025"
    assert ocr.clean("Số: 188\n\"\nl\n:\nHà Nội\n2\na)") == "Số: 188\nHà Nội\n2\na)"  # specks go
    # a syllable ending in a stop cannot be toneless: the lost mark above was a sắc
    assert ocr.clean("cấp giấy chứng nhận quyền sử dụng đât, QUYÊT ĐỊNH; Đăk Tô; Internet") == \
        "cấp giấy chứng nhận quyền sử dụng đất, QUYẾT ĐỊNH; Đăk Tô; Internet"
    # scanner dust, a header rule and a comma for a dot would hide a clause or a heading
    assert ocr.clean(". 1, Nghị định này quy định\n————— Độc lập - Tự do\n2, 3 và 4\n- Như Điều 3;") == \
        "1. Nghị định này quy định\nĐộc lập - Tự do\n2, 3 và 4\n- Như Điều 3;"


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SCREENER_OCR_DPI", "150")
    monkeypatch.setenv("SCREENER_OCR_TIMEOUT", "7.5")
    s = ocr.OcrSettings.from_env()
    assert (s.dpi, s.timeout, s.lang, s.psm) == (150, 7.5, ocr.LANG, ocr.PSM)
    monkeypatch.setenv("SCREENER_OCR_DPI", "high")
    assert ocr.OcrSettings.from_env().dpi == ocr.DPI


# ---------------------------------------------------------------- Tesseract missing

def test_mixed_pdf_without_tesseract_reads_the_text_pages(no_tesseract, tmp_path, capsys):
    data = build_pdf([["Điều 1. Phạm vi điều chỉnh", "Nghị định này quy định về phí kiểm định."],
                      "image",
                      ["Điều 3. Hiệu lực thi hành", "Nghị định này có hiệu lực từ ngày ký."]])
    doc = read(data, name="mixed.pdf")
    assert "Điều 1. Phạm vi" in doc.text and "Điều 3. Hiệu lực" in doc.text
    assert len(doc.page_starts) == 3 and doc.page_at(doc.text.index("Điều 3.")) == 3
    assert doc.ocr_pages == {} and doc.ocr_unread == [2]
    assert len(doc.ocr_warnings) == 1
    assert "page 2" in doc.ocr_warnings[0] and ADVICE in doc.ocr_warnings[0]
    assert doc.metadata.to_dict()["ocr"] == {"pages": {}, "unread": [2], "warnings": doc.ocr_warnings}

    # the CLI screens the text pages and says what it could not read
    path = tmp_path / "mixed.pdf"
    path.write_bytes(data)
    assert main(["parse", str(path), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    labels = [p["label"] for p in json.loads(out)["provisions"]]
    assert "Điều 1" in labels and "Điều 3" in labels
    assert "warning" in err and ADVICE in err

    # and the report tells the reader which page was not screened
    from screener import report

    note = report.render.ocr_note(parse_document(doc))
    assert "Trang 2 không có lớp văn bản" in note and "tesseract-ocr-vie" in note


def test_scan_without_tesseract_raises_with_install_advice(no_tesseract):
    with pytest.raises(ScannedPDFError) as err:
        read(build_pdf(["image", "image"]), name="scan.pdf")
    msg = str(err.value)
    assert "no text layer" in msg and "Tesseract OCR is not installed" in msg and ADVICE in msg


def test_missing_vietnamese_model_is_named(monkeypatch):
    monkeypatch.setattr(ocr, "find_tesseract", lambda binary="tesseract": "/usr/bin/tesseract")
    monkeypatch.setattr(ocr, "_languages", lambda path: frozenset({"eng", "osd"}))
    with pytest.raises(ScannedPDFError, match="no 'vie' language model.*tesseract-ocr-vie"):
        read(build_pdf(["image"]), name="scan.pdf")


def test_blank_pages_are_not_ocred(fake_ocr):
    with pytest.raises(ScannedPDFError, match="no text layer.*blank"):
        read(build_pdf([[], []]), name="blank.pdf")
    assert fake_ocr == []


def test_page_timeout_is_reported_not_a_hang(tmp_path, monkeypatch):
    fake = tmp_path / "tesseract"
    fake.write_text(f"#!{sys.executable}\nimport sys, time\n"
                    "if sys.argv[1:] == ['--list-langs']:\n    print('vie')\nelse:\n    time.sleep(30)\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("SCREENER_TESSERACT", str(fake))
    monkeypatch.setenv("SCREENER_OCR_TIMEOUT", "0.5")
    data = build_pdf([["Điều 1. Phạm vi điều chỉnh", "Nghị định này quy định về phí kiểm định."], "image"])
    doc = read(data, name="slow.pdf")
    assert doc.ocr_unread == [2] and doc.ocr_pages == {}
    assert any("page 2" in w and "timed out after 0.5 s" in w for w in doc.ocr_warnings)
    from screener.report.render import ocr_note

    assert "Trang 2 không có lớp văn bản và chưa nhận dạng được (nhận dạng bị lỗi hoặc quá thời gian)" \
        in ocr_note(parse_document(doc))
    with pytest.raises(ScannedPDFError, match="timed out"):
        read(build_pdf(["image"]), name="slow-scan.pdf")


# ---------------------------------------------------------------- OCR'd text downstream (canned OCR)

def test_ocr_pages_keep_their_page_numbers_and_progress(fake_ocr):
    seen = []
    doc = read(build_pdf(["image", "image", "image"]), name="scan.pdf",
               progress=lambda done, total: seen.append((done, total)))
    assert sorted(fake_ocr) == [0, 1, 2]
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert doc.ocr_pages == {1: 95.0, 2: 62.5, 3: 90.0} and doc.ocr_unread == []
    assert doc.metadata.type == "Nghị định" and doc.metadata.is_draft
    parsed = parse_document(doc)
    pages = {p.label: p.page_start for p in parsed.provisions if p.kind == "article"}
    assert pages == {"Điều 1": 1, "Điều 2": 1, "Điều 3": 2, "Điều 4": 2, "Điều 5": 2,
                     "Điều 6": 3, "Điều 7": 3}
    clause = next(p for p in parsed.provisions if p.label == "khoản 2 Điều 6")
    assert clause.page_start == 3 and parsed.text[clause.start:].startswith("2. Tổ chức kiểm định")


def test_cli_prints_progress_and_json_adds_only_an_ocr_key(fake_ocr, tmp_path, capsys):
    path = tmp_path / "scan.pdf"
    path.write_bytes(build_pdf(["image", "image", "image"]))
    assert main(["parse", str(path), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert "OCR 3/3 pages" in err
    doc = json.loads(out)["document"]
    assert set(doc) == {"type", "number", "issuer", "date", "title", "is_draft", "pages",
                        "source_format", "ocr"}
    assert doc["ocr"] == {"pages": {"1": 95.0, "2": 62.5, "3": 90.0}, "unread": [], "warnings": []}
    assert main(["parse", str(path)]) == 0
    assert "OCR: p.1 95%, p.2 62%, p.3 90%" in capsys.readouterr().out


def test_report_marks_ocr_text(fake_ocr):
    from screener import report
    from screener.findings import screen

    parsed = parse_document(read(build_pdf(["image", "image", "image"]), name="scan.pdf"))
    findings = screen(parsed)
    assert findings
    md = report.to_markdown(parsed, findings)
    assert "Văn bản được nhận dạng quang học (OCR)" in md
    assert "trang 2 có độ tin cậy thấp (62%)" in md
    assert "văn bản OCR, độ tin cậy" in md  # findings on OCR'd pages say so
    html = report.to_html(parsed, findings)
    assert "Văn bản được nhận dạng quang học (OCR)" in html and "trang 2 có độ tin cậy thấp (62%)" in html
    assert json.loads(report.to_json(parsed, findings, {}))["document"]["ocr"]["pages"]["2"] == 62.5

    # a document with a text layer has no such note
    text_parsed = parse_document(read(SAMPLE))
    assert "OCR" not in report.to_markdown(text_parsed, screen(text_parsed))
    assert "ocr" not in text_parsed.document.metadata.to_dict()


# ---------------------------------------------------------------- real Tesseract

def _cer(ref: str, got: str) -> float:
    import difflib

    ref, got = " ".join(ref.split()), " ".join(got.split())
    sm = difflib.SequenceMatcher(None, ref, got, autojunk=False)
    errors = sum(max(a2 - a1, b2 - b1) for op, a1, a2, b1, b2 in sm.get_opcodes() if op != "equal")
    return errors / len(ref)


@needs_tesseract
@needs_shared
def test_real_ocr_of_a_rendered_page_matches_its_text_layer():
    """Pages 1 and 3 of a decree keep their text layer, page 2 is only a picture of itself."""
    import pypdfium2 as pdfium

    dst = pdfium.PdfDocument.new()
    src = pdfium.PdfDocument(TEXT_PDF)
    dst.import_pages(src, [0])
    w, h = src[1].get_size()
    _add_image_page(dst, src[1].render(scale=300 / 72, grayscale=True), w, h)
    dst.import_pages(src, [2])
    buf = io.BytesIO()
    dst.save(buf)

    truth = read(TEXT_PDF)
    doc = read(buf.getvalue(), name="mixed.pdf")
    assert list(doc.ocr_pages) == [2] and doc.ocr_pages[2] > 80
    assert not doc.ocr_unread and not doc.ocr_warnings

    def page(d, n):
        return d.text[d.page_starts[n - 1]:(d.page_starts + [len(d.text)])[n]]

    assert _cer(page(truth, 2), page(doc, 2)) < 0.05

    # the articles that start on the OCR'd page are found, on page 2
    want = {p.label: p.page_start for p in parse_document(truth).provisions
            if p.kind == "article" and not p.quoted and p.page_start <= 3}
    got = {p.label: p.page_start for p in parse_document(doc).provisions
           if p.kind == "article" and not p.quoted}
    assert 2 in want.values() and {k: got.get(k) for k in want} == want


@needs_tesseract
@pytest.mark.skipif(not SCANS.is_dir(), reason=f"{SCANS} not present (../shared sits beside the repo)")
def test_real_one_page_scan_is_read():
    scan = SCANS / "2450-kgvx.signed.pdf"
    doc = read(scan)
    assert list(doc.ocr_pages) == [1] and doc.ocr_pages[1] > 80
    assert re.search(r"Số: ?2450", doc.text) and "Kính gửi" in doc.text
    # an official letter (công văn): no Điều, but its paragraphs are there
    assert sum(len(line.split()) >= 10 for line in doc.text.split("\n")) >= 4
