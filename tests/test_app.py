"""The review app: its pure helpers (``screener.app_logic``) and every page and flow through
``streamlit.testing.v1.AppTest`` (upload, overview, map, filter, decide, add a missed risk,
document view, export, compare, maintainer page, bad input)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from screener import app_logic as L
from screener import parse_file
from screener.errors import (EmptyDocumentError, EncryptedPDFError, InputError, LimitExceededError,
                             ScannedPDFError, UnsupportedFormatError)
from screener.findings import rules_scorer, screen
from screener.review import (CONFIRMED, DISMISSED, OPEN, Decision, ReviewStore, apply_decisions, decision_for,
                             document_hash)

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
SAMPLE = REPO / "screener" / "samples" / "du_thao_nghi_dinh_mau.txt"
TIMEOUT = 180


@pytest.fixture(scope="module")
def sample():
    data = SAMPLE.read_bytes()
    parsed = parse_file(data, name=SAMPLE.name)
    return document_hash(data), parsed, screen(parsed, scorer=rules_scorer)


# ---- pure helpers ----------------------------------------------------------------------------

@pytest.mark.parametrize("exc, words", [
    (ScannedPDFError("x"), "bản scan"), (EncryptedPDFError("x"), "mật khẩu"),
    (UnsupportedFormatError("x"), "Định dạng tệp không được hỗ trợ"), (EmptyDocumentError("x"), "không có nội dung"),
    (LimitExceededError("x"), "vượt quá giới hạn"), (InputError("x"), "Không đọc được tệp"),
    (RuntimeError("boom"), "lỗi ngoài dự kiến"),
])
def test_error_messages_are_vietnamese(exc, words):
    msg = L.error_message_vi(exc, "a.pdf")
    assert msg.startswith("a.pdf: ") and words in msg
    assert "boom" not in msg and "Traceback" not in msg


def test_every_input_error_code_has_a_message():
    import screener.errors as E

    codes = {cls.code for cls in vars(E).values() if isinstance(cls, type) and issubclass(cls, InputError)}
    assert codes <= set(L.ERROR_VI)


def test_size_limit():
    L.check_size(b"x" * 10, "a.txt")
    with pytest.raises(LimitExceededError):
        L.check_size(b"x" * (L.MAX_UPLOAD_MB * 1024 * 1024 + 1), "big.pdf")


def test_filter_findings(sample):
    h, parsed, findings = sample
    items = apply_decisions(findings, [], parsed)
    assert [it.id for it in L.filter_findings(items, L.FilterSpec())] == [f.id for f in findings]
    cat = findings[0].category
    only = L.filter_findings(items, L.FilterSpec(categories=[cat]))
    assert only and all(it.category == cat for it in only)
    high = L.filter_findings(items, L.FilterSpec(min_score=0.65))
    assert high and all(it.finding.score >= 0.65 for it in high)
    assert all(it.severity == 3 for it in L.filter_findings(items, L.FilterSpec(severities=[3])))
    art = L.filter_findings(items, L.FilterSpec(article="Điều 6"))
    assert art and all("Điều 6" in it.finding.label for it in art)
    assert L.filter_findings(items, L.FilterSpec(chapters=["Chương I"])) == []
    d = decision_for(findings[0], "dismiss", reviewer="An", doc_hash=h, parsed=parsed)
    d.id, d.created_at = 1, "2026-01-01T00:00:00+00:00"
    items = apply_decisions(findings, [d], parsed)
    assert [it.id for it in L.filter_findings(items, L.FilterSpec(statuses=[DISMISSED]))] == [findings[0].id]
    assert len(L.filter_findings(items, L.FilterSpec(statuses=[OPEN]))) == len(findings) - 1
    assert L.filter_findings(items, L.FilterSpec(query="90%"))[0].finding.label == "khoản 2 Điều 6"


def test_risk_map_and_chart_rows(sample):
    h, parsed, findings = sample
    items = apply_decisions(findings, [], parsed)
    rmap = L.risk_map(items)
    assert [c["chapter"] for c in rmap] == ["Chương II"]
    arts = rmap[0]["articles"]
    assert [a["article"] for a in arts] == ["Điều 4", "Điều 5", "Điều 6"]
    assert sum(a["n"] for a in arts) == rmap[0]["n"] == len(findings)
    assert arts[0]["title"] == "Điều kiện đối với tổ chức kiểm định" and arts[0]["max_severity"] == 3
    rows = L.category_severity_counts(items)
    assert sum(r["Tổng"] for r in rows) == len(findings)
    assert all(r["Tổng"] == r["Thấp"] + r["Trung bình"] + r["Cao"] for r in rows)
    # dismissed findings leave the map
    d = Decision(h, findings[0].id, "dismiss", reviewer="An", created_at="2026-01-01T00:00:00+00:00", id=1)
    rmap = L.risk_map(apply_decisions(findings, [d], parsed))
    assert rmap[0]["n"] == len(findings) - 1


def test_html_escapes_document_text(sample):
    h, parsed, findings = sample
    evil = parse_file("Điều 1. Thử\n1. Trong trường hợp cần thiết, <script>alert(1)</script> Bộ trưởng có thể "
                      "quyết định.\n".encode(), name="evil.txt")
    items = apply_decisions(screen(evil, scorer=rules_scorer), [], evil)
    html = L.document_html(evil, items)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<mark" in html
    for it in items:
        assert "<script>" not in L.finding_html(it) + L.finding_header_html(it, 1) + L.finding_details_html(it)
    assert L.md_escape("**x** <b>") == "\\*\\*x\\*\\* &lt;b&gt;"


def test_citation_and_tables(sample):
    h, parsed, findings = sample
    f = next(f for f in findings if f.label == "khoản 2 Điều 6")
    assert L.citation(f) == "khoản 2 Điều 6 (trang 1)" and L.article_of(f) == "Điều 6"
    items = apply_decisions(findings, [], parsed)
    table = L.findings_table(items)
    assert table[0]["STT"] == 1 and table[0]["Trạng thái"] == "Chưa xem xét"
    assert dict(L.metadata_rows(parsed))["Loại văn bản"] == "Nghị định"
    assert L.unit_choices(parsed)[0][1].startswith(parsed.units[0].label)
    assert L.safe_stem("Dự thảo Nghị định (lần 2).docx") == "Du_thao_Nghi_dinh_lan_2"


def test_ocr_note(sample):
    h, parsed, findings = sample
    assert L.ocr_note_vi(parsed) is None
    import copy

    p = copy.deepcopy(parsed)
    p.document.ocr_pages, p.document.ocr_unread = {2: 91.0, 3: 95.0}, [4]
    note = L.ocr_note_vi(p)
    assert note.startswith("2 trang") and "93%" in note and "Không đọc được trang: 4." in note


def test_read_document_checks_limits(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_text("Điều 1. Thử\n1. Nội dung.\n", encoding="utf-8")
    assert L.read_document(str(path), "a.txt").units
    monkeypatch.setattr(L, "MAX_PAGES", 0)
    with pytest.raises(LimitExceededError):
        L.read_document(str(path), "a.txt")


def test_local_time_is_vietnam_time():
    assert L.local_time("2026-03-05T20:30:00+00:00") == "06/03/2026 03:30"
    assert L.local_time("bad") == "bad"


def test_csv_and_json_of_reviewed_findings(sample):
    h, parsed, findings = sample
    d = decision_for(findings[0], "confirm", reviewer="An", doc_hash=h, parsed=parsed, note="đồng ý")
    d.id, d.created_at = 1, "2026-01-01T00:00:00+00:00"
    items = apply_decisions(findings, [d], parsed)
    rows = list(csv.DictReader(io.StringIO(L.reviewed_to_csv(items).lstrip("\ufeff"))))
    assert len(rows) == len(findings) and rows[0]["status"] == "Đã xác nhận" and rows[0]["notes"] == "An: đồng ý"
    data = json.loads(L.reviewed_to_json(parsed, items, {"model_version": "m"}))
    assert data["review"]["model_version"] == "m" and len(data["findings"]) == len(findings)
    assert data["document"]["type"] == "Nghị định"


# ---- the app ---------------------------------------------------------------------------------

@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A fresh review database; the app screens with the rules alone (no trained model), so
    what it shows can be checked against ``screen(parsed, scorer=rules_scorer)``."""
    monkeypatch.setenv("SCREENER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SCREENER_MODEL", str(tmp_path / "no-model"))
    return tmp_path / "data"


def new_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def goto(at: AppTest, page: str) -> AppTest:
    at.radio(key="page").set_value(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def html_text(at: AppTest) -> str:
    return "\n".join(h.value for h in at.get("html"))


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="uploads").set_value([(n, d, "application/octet-stream") for n, d in files]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_sample_opens_with_overview(data_dir, sample):
    h, parsed, findings = sample
    at = new_app()
    assert any("dự thảo mẫu" in i.value for i in at.info)
    assert at.header[0].value == parsed.document.metadata.title
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Điều, khoản, điểm đã rà soát"] == str(len(parsed.units))
    assert metrics["Phát hiện"] == str(len(findings))
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert [b.label for b in at.button if b.key and b.key.startswith("map-")] == ["Xem ➜"] * 3
    assert at.query_params["doc"] == [h] or at.query_params["doc"] == h
    assert not at.error


def test_reviewer_name_survives_a_reload(data_dir):
    at = new_app()
    at.text_input(key="reviewer").input("Nguyễn Thị Lan").run()
    name = at.query_params["reviewer"]
    assert name in ("Nguyễn Thị Lan", ["Nguyễn Thị Lan"])
    reloaded = AppTest.from_file(APP, default_timeout=TIMEOUT)  # a new session on the same URL
    reloaded.query_params["reviewer"] = "Nguyễn Thị Lan"
    reloaded.query_params["page"] = "phat-hien"
    reloaded.run()
    assert not reloaded.exception
    assert reloaded.text_input(key="reviewer").value == "Nguyễn Thị Lan"
    assert reloaded.radio(key="page").value == "phat-hien"


def test_risk_map_leads_to_the_findings_of_an_article(data_dir):
    at = new_app()
    at.button(key="map-0-2").click().run()  # Điều 6
    assert at.radio(key="page").value == "phat-hien"
    cards = [h.value for h in at.get("html") if "(trang" in h.value and "<b>" in h.value]
    assert cards and all("Điều 6" in c for c in cards)
    assert at.button(key="clear_article").label.endswith("Điều 6")
    at.button(key="clear_article").click().run()
    assert len([h for h in at.get("html") if "(trang" in h.value and "<b>" in h.value]) > len(cards)


def test_findings_page_shows_each_finding_in_full(data_dir, sample):
    h, parsed, findings = sample
    at = goto(new_app(), "phat-hien")
    text = html_text(at)
    top = findings[0]
    assert f"1. {top.label} ({top.page_label})" in text
    assert top.reason in text or top.reason.replace('"', "&quot;") in text
    assert "Câu hỏi rà soát" in text and "Đề xuất sửa đổi" in text and f"Điểm: {top.score:.2f}" in text
    assert '<mark class="cat-' + top.category in text
    assert any(f"Hiển thị {len(findings)}/{len(findings)}" in c.value for c in at.caption)


def test_filters(data_dir, sample):
    h, parsed, findings = sample
    at = goto(new_app(), "phat-hien")
    at.multiselect(key="f_categories").set_value(["vague_criteria"]).run()
    n = sum(f.category == "vague_criteria" for f in findings)
    assert any(f"Hiển thị {n}/{len(findings)}" in c.value for c in at.caption)
    at.multiselect(key="f_categories").set_value([]).run()
    at.slider(key="f_min_score").set_value(0.7).run()
    n = sum(f.score >= 0.7 for f in findings)
    assert any(f"Hiển thị {n}/{len(findings)}" in c.value for c in at.caption)
    at.slider(key="f_min_score").set_value(0.0).run()
    at.multiselect(key="f_severities").set_value([3]).run()
    n = sum(f.severity == 3 for f in findings)
    assert any(f"Hiển thị {n}/{len(findings)}" in c.value for c in at.caption)
    at.multiselect(key="f_severities").set_value([]).run()
    at.multiselect(key="f_statuses").set_value([CONFIRMED]).run()
    assert any("Không có phát hiện nào khớp bộ lọc" in i.value for i in at.info)
    assert any("Nhập tên người rà soát" in i.value for i in at.info)


def test_decide_and_reopen_in_a_new_session(data_dir, sample):
    h, parsed, findings = sample
    top, second = findings[0], findings[1]
    at = goto(new_app(), "phat-hien")
    assert at.button(key=f"confirm-{top.id}").disabled  # no reviewer name yet
    at.text_input(key="reviewer").input("Nguyễn Thị Lan").run()
    at.button(key=f"confirm-{top.id}").click().run()
    assert any("Đã ghi: xác nhận" in s.value for s in at.success)
    assert at.button(key=f"confirm-{top.id}").disabled  # already confirmed
    # change category and severity of another finding, with a note, through its form
    other = next(c for c in L.category_options() if c != second.category)
    at.selectbox(key=f"cat-{second.id}").set_value(other)
    at.selectbox(key=f"sev-{second.id}").set_value(3)
    at.selectbox(key=f"st-{second.id}").set_value(CONFIRMED)
    at.text_area(key=f"note-{second.id}").input("Cần nêu tiêu chí cụ thể.")
    next(b for b in at.button if b.label == "Lưu quyết định" and b.form_id == f"form-{second.id}").click().run()
    assert not at.exception
    # a third is dismissed
    third = findings[2]
    at.button(key=f"dismiss-{third.id}").click().run()
    # a note alone on the first: recorded as a note, its status stays
    at.text_area(key=f"note-{top.id}").input("Đã trao đổi với ban soạn thảo.")
    next(b for b in at.button if b.label == "Lưu quyết định" and b.form_id == f"form-{top.id}").click().run()
    assert any(f"Đã ghi: ghi chú cho {top.label}" in s.value for s in at.success)
    # saving an unchanged form says so and stores nothing
    next(b for b in at.button if b.label == "Lưu quyết định" and b.form_id == f"form-{top.id}").click().run()
    assert any("Không có thay đổi" in e.value for e in at.error)

    store = ReviewStore(data_dir / "reviews.sqlite3")
    log = store.decisions(h)
    assert [d.action for d in log] == ["confirm", "confirm", "dismiss", "note"]
    assert all(d.reviewer == "Nguyễn Thị Lan" and d.model_version.startswith("rules-") for d in log)
    assert log[1].category == other and log[1].severity == 3 and log[1].note == "Cần nêu tiêu chí cụ thể."

    # closing the browser loses nothing: a new session shows every decision
    at2 = goto(new_app(), "phat-hien")
    text = html_text(at2)
    assert "Đã xác nhận" in text and "Đã bác bỏ" in text and "Cần nêu tiêu chí cụ thể." in text
    assert L.category_label(other) + " (đã sửa)" in text
    metrics = {m.label: m.value for m in goto(at2, "tong-quan").metric}
    assert metrics["Đã xác nhận"] == "2" and metrics["Đã bác bỏ / chưa xem xét"] == f"1 / {len(findings) - 3}"


def test_add_a_missed_risk(data_dir, sample):
    h, parsed, findings = sample
    at = goto(new_app(), "phat-hien")
    at.text_input(key="reviewer").input("Trần Văn Bình").run()
    i = next(k for k, u in enumerate(parsed.units) if "hiệu lực thi hành" in parsed.text[u.start:u.end])
    at.selectbox(key="add_unit").set_value(i).run()
    at.selectbox(key="add_cat").set_value("weak_accountability")
    at.text_area(key="add_trigger").input("không có trong văn bản")
    next(b for b in at.button if b.label == "Ghi rủi ro bổ sung").click().run()
    assert any("Không tìm thấy" in e.value for e in at.error)
    at.selectbox(key="add_cat").set_value("weak_accountability")
    at.text_area(key="add_trigger").input("có hiệu lực thi hành")
    next(b for b in at.button if b.label == "Ghi rủi ro bổ sung").click().run()
    assert any("Đã bổ sung rủi ro tại khoản 1 Điều 7" in s.value for s in at.success)
    [d] = ReviewStore(data_dir / "reviews.sqlite3").decisions(h)
    assert d.action == "add" and d.triggers[0]["text"] == "có hiệu lực thi hành"
    assert "Người rà soát bổ sung" in html_text(at)


def test_full_document_view(data_dir, sample):
    h, parsed, findings = sample
    at = goto(new_app(), "toan-van")
    [doc] = [x.value for x in at.get("html") if "scr-legend" in x.value]
    assert doc.count("<mark") >= len({(t.start, t.end) for f in findings for t in f.triggers})
    assert "Quyền tùy nghi không có tiêu chí" in doc and "Điều 7. Hiệu lực thi hành" in doc


def test_export_page(data_dir, sample):
    h, parsed, findings = sample
    at = new_app()
    at.text_input(key="reviewer").input("An").run()
    goto(at, "phat-hien").button(key=f"confirm-{findings[0].id}").click().run()
    at = goto(at, "xuat")
    labels = {b.label for b in at.get("download_button")}
    assert labels == {"Báo cáo rà soát (DOCX)", "Bảng tổng hợp ý kiến (DOCX)", "CSV", "JSON"}
    assert any("1 phát hiện đã xác nhận" in m.value for m in at.markdown)
    at.radio(key="x_scope").set_value("all").run()
    assert not at.exception


def test_upload_documents_and_bad_input(data_dir):
    at = new_app()
    text = "DỰ THẢO\nNGHỊ ĐỊNH\nQuy định thử\nĐiều 1. Cấp phép\n1. Trong trường hợp cần thiết, Giám đốc Sở có thể " \
           "yêu cầu bổ sung các giấy tờ khác có liên quan.\n"
    upload(at, ("thu.txt", text.encode()), ("hong.pdf", b"%PDF-1.4 garbage"), ("hong.docx", b"not a zip"))
    errors = [e.value for e in at.error]
    assert any(e.startswith("hong.pdf: Không đọc được tệp") for e in errors)
    assert any(e.startswith("hong.docx: Không đọc được tệp") for e in errors)
    assert not at.exception
    # the readable one is open, and was stored so it can be reopened
    doc_hash = at.selectbox(key="doc").value
    assert at.header[0].value == "Quy định thử"
    stored = ReviewStore(data_dir / "reviews.sqlite3").document(doc_hash)
    assert stored["name"] == "thu.txt" and Path(stored["stored_path"]).read_bytes() == text.encode()


def test_switching_documents_resets_their_filters(data_dir, sample):
    h, parsed, findings = sample
    text = "DỰ THẢO\nNGHỊ ĐỊNH\nQuy định thử\nChương IV\nĐiều 1. Cấp phép\n1. Trong trường hợp cần thiết, Giám đốc Sở " \
           "có thể yêu cầu bổ sung các giấy tờ khác có liên quan.\n"
    at = upload(new_app(), ("thu.txt", text.encode()))
    at = goto(at, "phat-hien")
    at.multiselect(key="f_chapters").set_value(["Chương IV"]).run()
    at.selectbox(key="doc").set_value(h).run()
    assert not at.exception
    assert at.multiselect(key="f_chapters").value == []
    assert any(f"Hiển thị {len(findings)}/{len(findings)}" in c.value for c in at.caption)


def test_scanned_pdf_gets_a_clear_message(data_dir):
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(595, 842)
    buf = io.BytesIO()
    w.write(buf)
    at = upload(new_app(), ("scan.pdf", buf.getvalue()))
    assert any("scan.pdf: Tệp PDF là bản scan" in e.value for e in at.error)
    assert not at.exception


def test_compare_page(data_dir):
    base = "DỰ THẢO\nNGHỊ ĐỊNH\nQuy định thử\nĐiều 1. Cấp phép\n1. Tổ chức nộp hồ sơ tại Sở.\n"
    v1 = base + "2. Trong trường hợp cần thiết, Giám đốc Sở có thể yêu cầu bổ sung các giấy tờ khác có liên quan.\n"
    v2 = base + "2. Giám đốc Sở yêu cầu bổ sung hồ sơ trong thời hạn 05 ngày làm việc.\n" \
                "3. Việc kiểm định chỉ được thực hiện tại tổ chức do Bộ Khoa học và Công nghệ chỉ định.\n"
    at = upload(new_app(), ("v1.txt", v1.encode()), ("v2.txt", v2.encode()))
    at = goto(at, "so-sanh")
    at.selectbox(key="cmp_old").set_value(document_hash(v1.encode())).run()
    at.selectbox(key="cmp_new").set_value(document_hash(v2.encode())).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Quy định rủi ro bổ sung"] == "1" and metrics["Quy định rủi ro sửa đổi"] == "1"
    text = html_text(at)
    assert "Bổ sung" in text and "Sửa đổi" in text and "khoản 3 Điều 1" in text


def test_maintainer_page(data_dir, sample, monkeypatch, tmp_path):
    from screener.review import maintainer

    h, parsed, findings = sample
    at = goto(new_app(), "quan-tri")
    assert at.header[0].value == "Quản trị mô hình"
    assert any("Phiên bản" in m.value for m in at.markdown)
    assert any("bộ quy tắc" in i.value for i in at.info)  # no trained model in this test
    assert not at.button(key="m_train").disabled or not maintainer.TRAIN_SCRIPT.is_file()
    if maintainer.status().can_export:
        ReviewStore(data_dir / "reviews.sqlite3").add(
            decision_for(findings[0], "confirm", reviewer="An", doc_hash=h, parsed=parsed))
        monkeypatch.setattr(maintainer, "REVIEWS_DIR", tmp_path / "reviews")
        at.button(key="m_export").click().run()
        assert any("Đã ghi 1 mẫu" in s.value for s in at.success), [e.value for e in at.error]
        assert len(list((tmp_path / "reviews").glob("*.jsonl"))) == 1
    assert not at.exception


def test_maintainer_retrain_then_discard_or_promote(data_dir, monkeypatch, tmp_path):
    """The page's flow, with training replaced by a stub (real training takes minutes)."""
    from screener.review import maintainer

    calls = []
    cand = maintainer.Candidate("screener-test", tmp_path / "m", {"F1 (gắn cờ)": 0.81}, {"F1 (gắn cờ)": 0.74},
                                "rules", not_worse=True)
    monkeypatch.setattr(maintainer, "status", lambda: maintainer.MaintainerStatus("rules-x", can_train=True))
    monkeypatch.setattr(maintainer, "train_candidate", lambda: calls.append("train") or cand)
    monkeypatch.setattr(maintainer, "discard", lambda c: calls.append(("discard", c.name)))
    monkeypatch.setattr(maintainer, "promote", lambda c: calls.append(("promote", c.name)))
    at = goto(new_app(), "quan-tri")
    at.button(key="m_train").click().run()
    [table] = at.dataframe
    assert list(table.value.columns) == ["Chỉ số", "Hiện tại (rules)", "Mới (screener-test)"]
    assert table.value.iloc[0].tolist() == ["F1 (gắn cờ)", "0.740", "0.810"]
    at.button(key="m_discard").click().run()
    assert calls == ["train", ("discard", "screener-test")] and not at.dataframe
    at.button(key="m_train").click().run()
    at.button(key="m_promote").click().run()
    assert calls[-1] == ("promote", "screener-test")
    assert any("Đã đưa screener-test vào sử dụng" in s.value for s in at.success)
    assert not at.exception


def test_a_worse_candidate_is_promoted_only_when_forced(data_dir, monkeypatch, tmp_path):
    """The CLI's rule in the app: worse on the held-out labels -> the button stays disabled
    until the maintainer explicitly overrides it."""
    from screener.review import maintainer

    calls = []
    worse = maintainer.Candidate("screener-worse", tmp_path / "m", {"F1 (gắn cờ)": 0.61}, {"F1 (gắn cờ)": 0.74},
                                 "rules", not_worse=False)
    monkeypatch.setattr(maintainer, "status", lambda: maintainer.MaintainerStatus("rules-x", can_train=True))
    monkeypatch.setattr(maintainer, "train_candidate", lambda: worse)
    monkeypatch.setattr(maintainer, "promote", lambda c: calls.append(("promote", c.name)))
    at = goto(new_app(), "quan-tri")
    at.button(key="m_train").click().run()
    assert any("KÉM HƠN" in w.value for w in at.warning)
    assert at.button(key="m_promote").disabled
    at.checkbox(key="m_force").check().run()
    assert not at.button(key="m_promote").disabled
    at.button(key="m_promote").click().run()
    assert calls == [("promote", "screener-worse")] and not at.exception


def test_not_worse_is_the_cli_rule():
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "training"))
    from train import not_worse

    def r(f1, auc):
        return {"flag": {"f1": f1, "pr_auc": auc}}

    assert not_worse(r(0.75, 0.70), r(0.74, 0.70))
    assert not not_worse(r(0.75, 0.69), r(0.74, 0.70))
    assert not not_worse(r(0.73, 0.71), r(0.74, 0.70))
    assert not_worse(r(0.73, 0.71), r(0.74, 0.70), tolerance=0.02)


def test_switching_pages_never_screens_again(data_dir, monkeypatch):
    import uuid

    import screener.findings

    calls = []
    real = screener.findings.screen
    monkeypatch.setattr(screener.findings, "screen", lambda *a, **k: calls.append(1) or real(*a, **k))
    text = f"DỰ THẢO\nNGHỊ ĐỊNH\nQuy định {uuid.uuid4().hex}\nĐiều 1. Cấp phép\n1. Trong trường hợp cần thiết, " \
           "Giám đốc Sở có thể yêu cầu bổ sung.\n"
    at = new_app()  # the sample is screened here, unless an earlier test did it
    calls.clear()
    upload(at, ("moi.txt", text.encode()))
    assert len(calls) == 1
    for page in ("phat-hien", "toan-van", "xuat", "tong-quan", "phat-hien"):
        goto(at, page)
    assert len(calls) == 1
    # a new session (another reviewer) gets the cached result too
    at2 = new_app()
    at2.selectbox(key="doc").set_value(at.selectbox(key="doc").value).run()
    assert len(calls) == 1 and at2.header[0].value.startswith("Quy định ")
