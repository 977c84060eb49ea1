"""Ứng dụng rà soát dự thảo văn bản quy phạm pháp luật (Streamlit).

Thin over the library: every computation is a function in ``screener`` (``app_logic``,
``review``, ``report``, ``compare``, ``maintainer``); this file arranges widgets and calls them.

    streamlit run app.py            # or: make run
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from screener import ParsedDocument
from screener import app_logic as L
from screener.compare import ADDED, CHANGED, KIND_VI, REMOVED, compare_versions
from screener.errors import InputError
from screener.findings import screen
from screener.report import comment_table_docx, review_report_docx
from screener.review import (CONFIRMED, DISMISSED, OPEN, STATUS_VI, STATUSES, ReviewStore, apply_decisions,
                             counts_by_status, data_dir, decision_for, document_hash, missed_risk)

log = logging.getLogger("screener.app")
SAMPLE = Path(__file__).resolve().parent / "screener" / "samples" / "du_thao_nghi_dinh_mau.txt"
PAGES = {"tong-quan": ":material/dashboard: Tổng quan", "phat-hien": ":material/fact_check: Phát hiện",
         "toan-van": ":material/description: Toàn văn", "so-sanh": ":material/compare: So sánh phiên bản",
         "xuat": ":material/download: Xuất báo cáo", "quan-tri": ":material/settings: Quản trị mô hình"}
PAGE_SIZE = 10

st.set_page_config(page_title="Rà soát dự thảo – lợi ích nhóm", page_icon="⚖️", layout="wide")


# ---- resources and cached work ---------------------------------------------------------------

@st.cache_resource(show_spinner=False)
def get_store(path: str) -> ReviewStore:
    return ReviewStore(path)


def store() -> ReviewStore:
    return get_store(str(data_dir() / "reviews.sqlite3"))


@st.cache_resource(show_spinner="Đang nạp bộ quy tắc và mô hình…")
def get_engine():
    """(scorer, model version): the promoted model with the rules if there is one, else the rules."""
    return L.load_scorer()


@st.cache_data(show_spinner=False, max_entries=64)
def parse_cached(doc_hash: str, name: str, path: str, _seed: ParsedDocument | None = None) -> ParsedDocument:
    """The parsed document of a file, by hash; ``_seed`` stores one read with a progress bar."""
    return _seed if _seed is not None else L.read_document(path, name)


@st.cache_resource(show_spinner=False)
def _parsed_hashes() -> set:
    """Hashes whose parse is (most likely) in ``parse_cached``: no need to read them again."""
    return set()


@st.cache_data(show_spinner=False, max_entries=64)
def screen_cached(doc_hash: str, model_version: str, _parsed: ParsedDocument):
    scorer, _ = get_engine()
    return screen(_parsed, scorer=scorer)


@st.cache_data(show_spinner=False, max_entries=16)
def compare_cached(old_hash: str, new_hash: str, model_version: str, _old, _new, _old_f, _new_f):
    return compare_versions(_old, _new, _old_f, _new_f)


def analyse(doc_hash: str, name: str, path: str):
    """Parse and screen one document (cached by hash), with a progress bar the first time."""
    _, version = get_engine()
    seen = st.session_state.setdefault("_analysed", set())
    if (doc_hash, version) in seen:
        parsed = parse_cached(doc_hash, name, path)
        return parsed, screen_cached(doc_hash, version, parsed)
    bar = st.progress(0, text=f"Đang đọc văn bản “{name}”…")
    try:
        if doc_hash in _parsed_hashes():
            parsed = parse_cached(doc_hash, name, path)
        else:
            def ocr_progress(done: int, total: int) -> None:
                bar.progress(min(40, int(40 * done / max(total, 1))),
                             text=f"Đang nhận dạng ký tự (OCR) trang {done}/{total} của “{name}”…")

            parsed = parse_cached(doc_hash, name, path, _seed=L.read_document(path, name, ocr_progress))
            _parsed_hashes().add(doc_hash)
        bar.progress(45, text=f"Đang rà soát {len(parsed.units)} điều, khoản, điểm…")
        findings = screen_cached(doc_hash, version, parsed)
        bar.progress(100, text="Hoàn tất.")
    finally:
        bar.empty()
    seen.add((doc_hash, version))
    return parsed, findings


# ---- documents -------------------------------------------------------------------------------

def _save_upload(data: bytes, name: str) -> tuple[str, Path]:
    h = document_hash(data)
    folder = data_dir() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{h}{Path(name).suffix.lower()[:8]}"
    if not path.exists():
        path.write_bytes(data)
    return h, path


def register_uploads(files) -> list[str]:
    """Read and screen each new upload (cached by hash) and return the hashes of the readable
    ones; a file that cannot be read gets its Vietnamese message and is not kept."""
    docs = st.session_state.setdefault("docs", {})
    known = st.session_state.setdefault("_upload_ids", {})
    errors = st.session_state.setdefault("_errors", {})
    new = []
    for f in files or []:
        if f.file_id in known:
            continue
        known[f.file_id] = None
        path = None
        try:
            data = f.getvalue()
            L.check_size(data, f.name)
            h, path = _save_upload(data, f.name)
            analyse(h, f.name, str(path))
        except Exception as exc:  # InputError, or a bug: the user gets one Vietnamese sentence
            if not isinstance(exc, InputError):
                log.exception("failed to read %s", f.name)
            errors[f.file_id] = L.error_message_vi(exc, f.name)
            if path is not None and not any(d["path"] == str(path) for d in docs.values()):
                path.unlink(missing_ok=True)
            continue
        known[f.file_id] = h
        docs[h] = {"name": f.name, "path": str(path)}
        new.append(h)
    current = {f.file_id for f in files or []}
    for file_id in list(errors):
        if file_id not in current:  # the user removed the file: its message goes too
            del errors[file_id]
    return new


def available_docs() -> dict[str, dict]:
    """Documents of this session, documents reviewed before (from the store), and the sample."""
    out = dict(st.session_state.get("docs", {}))
    for row in store().documents():
        if row["doc_hash"] not in out and row.get("stored_path") and Path(row["stored_path"]).exists():
            out[row["doc_hash"]] = {"name": row["name"], "path": row["stored_path"]}
    sample_hash = document_hash(SAMPLE.read_bytes())
    out.setdefault(sample_hash, {"name": SAMPLE.name, "label": f"{SAMPLE.name} (dự thảo mẫu)", "path": str(SAMPLE)})
    st.session_state["_sample_hash"] = sample_hash
    return out


def _doc_label(meta: dict) -> str:
    return meta.get("label") or meta["name"]


def load_document(doc_hash: str, meta: dict):
    """(parsed, findings) or None after showing the Vietnamese error."""
    try:
        parsed, findings = analyse(doc_hash, meta["name"], meta["path"])
    except InputError as exc:
        st.error(L.error_message_vi(exc, meta["name"]))
        return None
    except Exception as exc:  # a bug: the user still gets a sentence, the log gets the traceback
        log.exception("failed to screen %s", meta["name"])
        st.error(L.error_message_vi(exc, meta["name"]))
        return None
    m = parsed.document.metadata
    stored = meta["path"] if meta["path"] != str(SAMPLE) else None
    key = ("_remembered", doc_hash)
    if key not in st.session_state:
        store().remember_document(doc_hash, meta["name"], title=m.title,
                                  doc_type=m.type, number=m.number, stored_path=stored)
        st.session_state[key] = True
    return parsed, findings


# ---- decisions (callbacks) -------------------------------------------------------------------

def _reviewer() -> str:
    return (st.session_state.get("reviewer") or "").strip()


def _flash(kind: str, text: str) -> None:
    st.session_state["_flash"] = (kind, text)


def record(action: str, finding, doc_hash: str, parsed, **fields) -> None:
    reviewer = _reviewer()
    if not reviewer:
        _flash("error", "Hãy nhập tên người rà soát ở thanh bên trước khi ghi quyết định.")
        return
    _, version = get_engine()
    store().add(decision_for(finding, action, reviewer=reviewer, doc_hash=doc_hash, model_version=version,
                             parsed=parsed, **fields))
    for prefix in ("st-", "cat-", "sev-"):  # the edit form starts again from the new state
        st.session_state.pop(f"{prefix}{finding.id}", None)
    _flash("success", f"Đã ghi: {L.ACTION_DONE_VI[action]} {finding.label}.")


def record_edit(finding, doc_hash: str, parsed, current_status: str, current_category: str,
                current_severity: int) -> None:
    """The "Sửa nhóm, mức độ, thêm ghi chú" form: one decision row with what changed."""
    fid = finding.id
    status = st.session_state.get(f"st-{fid}")
    category = st.session_state.get(f"cat-{fid}")
    severity = st.session_state.get(f"sev-{fid}")
    note = (st.session_state.get(f"note-{fid}") or "").strip() or None
    if status != current_status:
        action = {CONFIRMED: "confirm", DISMISSED: "dismiss", OPEN: "reopen"}[status]
    elif category != current_category or severity != current_severity:
        action = "edit"
    elif note:
        action = "note"
    else:
        _flash("error", "Không có thay đổi nào để lưu.")
        return
    record(action, finding, doc_hash, parsed,
           category=category if category != current_category or action == "edit" else None,
           severity=severity if severity != current_severity or action == "edit" else None, note=note)
    st.session_state[f"note-{fid}"] = ""


def record_missed(doc_hash: str, parsed) -> None:
    reviewer = _reviewer()
    if not reviewer:
        _flash("error", "Hãy nhập tên người rà soát ở thanh bên trước khi ghi quyết định.")
        return
    _, version = get_engine()
    try:
        d = missed_risk(parsed, st.session_state.get("add_unit", -1), st.session_state.get("add_cat"),
                        st.session_state.get("add_trigger", ""), reviewer=reviewer, doc_hash=doc_hash,
                        severity=st.session_state.get("add_sev", 2), model_version=version,
                        note=(st.session_state.get("add_note") or "").strip() or None)
    except ValueError as exc:
        _flash("error", str(exc))
        return
    store().add(d)
    st.session_state["add_trigger"] = ""
    st.session_state["add_note"] = ""
    _flash("success", f"Đã bổ sung rủi ro tại {d.label}.")


def goto_article(chapter: str, article: str) -> None:
    st.session_state["f_article"] = article
    st.session_state["f_chapters"] = []
    st.session_state["page"] = "phat-hien"


def clear_article() -> None:
    st.session_state["f_article"] = None


# ---- pages -----------------------------------------------------------------------------------

def show_flash() -> None:
    flash = st.session_state.pop("_flash", None)
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])


def _category_chart(rows):
    import altair as alt

    long = pd.DataFrame([{"Nhóm rủi ro": r["Nhóm rủi ro"], "Mức độ": sev, "Số phát hiện": r[sev],
                          "thứ tự": k} for r in rows for k, sev in enumerate(L.SEVERITY_VI.values()) if r[sev]])
    order = [r["Nhóm rủi ro"] for r in rows]
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("Số phát hiện:Q", stack="zero", axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("Nhóm rủi ro:N", sort=order, title=None, axis=alt.Axis(labelLimit=330)),
        color=alt.Color("Mức độ:N", sort=list(L.SEVERITY_VI.values()),
                        scale=alt.Scale(domain=list(L.SEVERITY_VI.values()), range=["#F2D16B", "#F29B4B", "#D64541"]),
                        legend=alt.Legend(orient="bottom", title="Mức độ")),
        order=alt.Order("thứ tự:Q"),
        tooltip=["Nhóm rủi ro", "Mức độ", "Số phát hiện"],
    ).properties(height=alt.Step(28))


def page_overview(ctx) -> None:
    parsed, items, name = ctx["parsed"], ctx["items"], ctx["name"]
    m = parsed.document.metadata
    st.header(L.md_escape(m.title or name))  # document text: shown as text, never as markup
    st.caption(L.md_escape(" · ".join(x for x in (m.type, m.number, m.issuer, "dự thảo" if m.is_draft else None)
                                      if x)))
    note = L.ocr_note_vi(parsed)
    if note:
        st.warning(note)
    for notice in L.notices_vi(parsed):  # legacy encoding converted, no articles found
        st.warning(notice)
    counts = counts_by_status(items)
    c = st.columns(5)
    c[0].metric("Điều, khoản, điểm đã rà soát", len(parsed.units))
    c[1].metric("Phát hiện", len(items))
    c[2].metric("Quy định có rủi ro", len({it.finding.start for it in items}))
    c[3].metric("Đã xác nhận", counts[CONFIRMED])
    c[4].metric("Đã bác bỏ / chưa xem xét", f"{counts[DISMISSED]} / {counts[OPEN]}")

    left, right = st.columns([3, 2])
    with left:
        st.subheader("Phát hiện theo nhóm rủi ro và mức độ")
        rows = L.category_severity_counts(items)
        if rows:
            st.altair_chart(_category_chart(rows), width="stretch")
        else:
            st.info("Không có phát hiện nào.")
    with right:
        st.subheader("Thông tin văn bản")
        st.table(pd.DataFrame(L.metadata_rows(parsed, name), columns=["Mục", "Nội dung"]).set_index("Mục"))

    st.subheader("Bản đồ rủi ro theo chương, điều")
    st.caption("Bấm “Xem” để mở các phát hiện của điều đó.")
    rmap = L.risk_map(items)
    if not rmap:
        st.info("Không có rủi ro nào cần xem.")
    for ci, chapter in enumerate(rmap):
        st.markdown(f"**{L.md_escape(chapter['chapter'])}** — {chapter['n']} phát hiện")
        for ai, art in enumerate(chapter["articles"]):
            cols = st.columns([3, 6, 1.2, 1])
            cols[0].markdown(f"{L.md_escape(art['article'])}. {L.md_escape(art['title'])}")
            cols[1].html(L.chips_html(art["counts"]))
            cols[2].markdown(f"Mức cao nhất: **{L.SEVERITY_VI[art['max_severity']]}**")
            cols[3].button("Xem ➜", key=f"map-{ci}-{ai}", on_click=goto_article,
                           args=(chapter["chapter"], art["article"]))


def _filters(items) -> L.FilterSpec:
    with st.container(border=True):
        c = st.columns([3, 2, 2])
        cats = c[0].multiselect("Nhóm rủi ro", L.category_options(), format_func=L.category_label,
                                key="f_categories", placeholder="Tất cả")
        sev = c[1].multiselect("Mức độ", [3, 2, 1], format_func=L.SEVERITY_VI.get, key="f_severities",
                               placeholder="Tất cả")
        status = c[2].multiselect("Trạng thái", list(STATUSES), format_func=STATUS_VI.get, key="f_statuses",
                                  placeholder="Tất cả")
        c = st.columns([3, 2, 2])
        chapters = c[0].multiselect("Chương", L.chapters_of(items), key="f_chapters", placeholder="Tất cả")
        min_score = c[1].slider("Điểm tối thiểu", 0.0, 1.0, step=0.05, key="f_min_score")
        query = c[2].text_input("Tìm trong nội dung", key="f_query")
        article = st.session_state.get("f_article")
        if article:
            st.button(f"✖ Bỏ lọc: chỉ {article}", key="clear_article", on_click=clear_article)
    return L.FilterSpec(categories=cats, severities=sev, min_score=min_score, chapters=chapters,
                        statuses=status, article=article, query=query or "")


def _finding_card(it, rank: int, ctx) -> None:
    f, fid = it.finding, it.id
    base = (it.status, it.category, it.severity)
    if st.session_state.get(f"base-{fid}") != base:  # decided meanwhile (here or by someone else)
        for prefix in ("st-", "cat-", "sev-"):
            st.session_state.pop(f"{prefix}{fid}", None)
        st.session_state[f"base-{fid}"] = base
    with st.container(border=True, key=f"card-{fid}"):
        st.html(L.finding_header_html(it, rank))
        if f.path or f.article_title:
            st.caption(L.md_escape(" › ".join(f.path) + (f" — {f.article_title}" if f.article_title else "")))
        st.html(L.finding_html(it))
        st.html(L.finding_details_html(it))
        args = (f, ctx["hash"], ctx["parsed"])
        disabled = not _reviewer()
        help_ = "Nhập tên người rà soát ở thanh bên để ghi quyết định." if disabled else None
        c = st.columns([1.2, 1.2, 1.2, 5])
        c[0].button("✔ Xác nhận", key=f"confirm-{fid}", on_click=record, args=("confirm", *args),
                    disabled=disabled or it.status == CONFIRMED, help=help_, type="primary")
        c[1].button("✖ Bác bỏ", key=f"dismiss-{fid}", on_click=record, args=("dismiss", *args),
                    disabled=disabled or it.status == DISMISSED, help=help_)
        c[2].button("↺ Mở lại", key=f"reopen-{fid}", on_click=record, args=("reopen", *args),
                    disabled=disabled or it.status == OPEN, help=help_)
        with st.expander("Sửa nhóm, mức độ, thêm ghi chú"):
            with st.form(key=f"form-{fid}", border=False):
                fc = st.columns(3)
                fc[0].selectbox("Trạng thái", list(STATUSES), index=list(STATUSES).index(it.status),
                                format_func=STATUS_VI.get, key=f"st-{fid}")
                fc[1].selectbox("Nhóm rủi ro", L.category_options(),
                                index=L.category_options().index(it.category), format_func=L.category_label,
                                key=f"cat-{fid}")
                fc[2].selectbox("Mức độ", [1, 2, 3], index=it.severity - 1, format_func=L.SEVERITY_VI.get,
                                key=f"sev-{fid}")
                st.text_area("Ghi chú", key=f"note-{fid}", placeholder="Ví dụ: đã có tiêu chí tại khoản 3…")
                st.form_submit_button("Lưu quyết định", on_click=record_edit, disabled=disabled,
                                      args=(*args, it.status, it.category, it.severity))


def page_findings(ctx) -> None:
    items = ctx["items"]
    st.header("Phát hiện")
    for notice in L.notices_vi(ctx["parsed"]):
        st.warning(notice)
    spec = _filters(items)
    shown = L.filter_findings(items, spec)
    rank = {it.id: i for i, it in enumerate(L.filter_findings(items, L.FilterSpec()), 1)}
    if not _reviewer():
        st.info("Nhập tên người rà soát ở thanh bên để xác nhận, bác bỏ hoặc sửa phát hiện.")
    st.caption(f"Hiển thị {len(shown)}/{len(items)} phát hiện, xếp theo điểm rủi ro.")
    if not shown:
        st.info("Không có phát hiện nào khớp bộ lọc.")
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    page = st.session_state.get("f_page", 1)
    page = page if isinstance(page, int) and 1 <= page <= pages else 1
    for it in shown[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]:
        _finding_card(it, rank[it.id], ctx)
    if pages > 1:
        st.pagination(pages, key="f_page")

    st.divider()
    with st.expander(":material/add_circle: Bổ sung rủi ro mà công cụ bỏ sót", expanded=False):
        parsed = ctx["parsed"]
        choices = L.unit_choices(parsed)
        if not choices:
            st.info("Văn bản không có điều, khoản, điểm nào.")
            return
        st.selectbox("Điều, khoản, điểm", [i for i, _ in choices], format_func=dict(choices).get, key="add_unit")
        unit = parsed.units[st.session_state.get("add_unit") or 0]
        st.html(L.plain_html(parsed.text[unit.start:unit.end]))
        with st.form("add_form", border=False):
            c = st.columns(2)
            c[0].selectbox("Nhóm rủi ro", L.category_options(), format_func=L.category_label, key="add_cat")
            c[1].selectbox("Mức độ", [1, 2, 3], index=1, format_func=L.SEVERITY_VI.get, key="add_sev")
            st.text_area("Đoạn chứa dấu hiệu rủi ro (chép nguyên văn; nhiều đoạn thì mỗi đoạn một dòng)",
                         key="add_trigger")
            st.text_area("Ghi chú", key="add_note")
            st.form_submit_button("Ghi rủi ro bổ sung", on_click=record_missed, args=(ctx["hash"], parsed),
                                  disabled=not _reviewer())


def page_document(ctx) -> None:
    st.header("Toàn văn có đánh dấu")
    st.caption("Các dấu hiệu rủi ro được tô màu theo nhóm; di chuột lên đoạn tô màu để xem vị trí và nhóm. "
               "Phát hiện đã bác bỏ không được tô.")
    with st.container(height=750, border=True):
        st.html(L.document_html(ctx["parsed"], ctx["items"]))


def page_compare(ctx, docs: dict) -> None:
    st.header("So sánh hai phiên bản dự thảo")
    st.caption("Tải cả hai phiên bản lên ở thanh bên (có thể chọn nhiều tệp một lúc), rồi chọn dưới đây. "
               "Các quy định được ghép theo số hiệu điều, khoản, điểm và theo độ tương đồng nội dung.")
    hashes = list(docs)
    if len(hashes) < 2:
        st.info("Cần ít nhất hai văn bản để so sánh.")
        return
    c = st.columns(2)
    old_h = c[0].selectbox("Phiên bản trước", hashes, format_func=lambda h: _doc_label(docs[h]), key="cmp_old",
                           index=0)
    new_h = c[1].selectbox("Phiên bản sau", hashes, format_func=lambda h: _doc_label(docs[h]), key="cmp_new",
                           index=1)
    if old_h == new_h:
        st.warning("Hãy chọn hai văn bản khác nhau.")
        return
    a, b = load_document(old_h, docs[old_h]), load_document(new_h, docs[new_h])
    if not a or not b:
        return
    _, version = get_engine()
    comp = compare_cached(old_h, new_h, version, a[0], b[0], a[1], b[1])
    s = comp.summary()
    m = st.columns(5)
    m[0].metric("Quy định rủi ro bổ sung", s["added_risky"])
    m[1].metric("Quy định rủi ro bị bỏ", s["removed_risky"])
    m[2].metric("Quy định rủi ro sửa đổi", s["changed_risky"])
    m[3].metric("Nhóm rủi ro mới xuất hiện", s["risks_gained"])
    m[4].metric("Nhóm rủi ro đã hết", s["risks_lost"])
    st.caption(f"Tổng: {s['added']} quy định bổ sung, {s['removed']} bãi bỏ, {s['changed']} sửa đổi, "
               f"{s['unchanged']} giữ nguyên.")
    kinds = st.multiselect("Loại thay đổi", [ADDED, REMOVED, CHANGED], default=[ADDED, REMOVED, CHANGED],
                           format_func=KIND_VI.get, key="cmp_kinds")
    changes = [ch for ch in comp.risky_changes if ch.kind in kinds]
    if not changes:
        st.info("Không có thay đổi nào liên quan đến rủi ro.")
    for ch in changes:
        with st.container(border=True):
            st.html(L.change_header_html(ch))
            cols = st.columns(2)
            for col, side, title in ((cols[0], ch.old, "Phiên bản trước"), (cols[1], ch.new, "Phiên bản sau")):
                col.markdown(f"**{title}**")
                if side is None:
                    col.caption("(không có)")
                else:
                    col.html(L.side_html(side))


def page_export(ctx) -> None:
    parsed, items, name = ctx["parsed"], ctx["items"], ctx["name"]
    st.header("Xuất báo cáo")
    counts = counts_by_status(items)
    st.write(f"{counts[CONFIRMED]} phát hiện đã xác nhận, {counts[DISMISSED]} bác bỏ, {counts[OPEN]} chưa xem xét.")
    if counts[OPEN]:
        st.warning("Còn phát hiện chưa xem xét: báo cáo DOCX chỉ gồm các phát hiện đã xác nhận.")
    c = st.columns(2)
    org = c[0].text_input("Cơ quan, đơn vị rà soát", value="Tổ rà soát dự thảo", key="x_org")
    place = c[1].text_input("Địa danh", value="Hà Nội", key="x_place")
    stem = L.safe_stem(name)
    _, version = get_engine()
    st.subheader("Văn bản Word (trình bày theo Nghị định 30/2020/NĐ-CP)")
    c = st.columns(2)
    c[0].download_button("Báo cáo rà soát (DOCX)", key="dl_report", icon=":material/description:",
                         data=review_report_docx(parsed, items, doc_name=name, model_version=version,
                                                 organization=org, place=place, when=date.today()),
                         file_name=f"bao_cao_ra_soat_{stem}.docx", mime=L.DOCX_MIME)
    c[1].download_button("Bảng tổng hợp ý kiến (DOCX)", key="dl_comments", icon=":material/table_view:",
                         data=comment_table_docx(parsed, items, doc_name=name, commenter=org, place=place,
                                                 when=date.today()),
                         file_name=f"bang_tong_hop_y_kien_{stem}.docx", mime=L.DOCX_MIME)
    st.subheader("Dữ liệu (CSV, JSON)")
    scope = st.radio("Phạm vi", ["confirmed", "all"], horizontal=True, key="x_scope",
                     format_func={"confirmed": "Chỉ phát hiện đã xác nhận",
                                  "all": "Tất cả phát hiện (kèm trạng thái)"}.get)
    chosen = [it for it in items if scope == "all" or it.status == CONFIRMED]
    meta = {"model_version": version, "exported": date.today().isoformat(), "scope": scope,
            "document_hash": ctx["hash"], "file": name}
    c = st.columns(2)
    c[0].download_button("CSV", icon=":material/download:", data=L.reviewed_to_csv(chosen), file_name=f"phat_hien_{stem}.csv",
                         mime="text/csv", key="dl_csv")
    c[1].download_button("JSON", icon=":material/download:", data=L.reviewed_to_json(parsed, chosen, meta), file_name=f"phat_hien_{stem}.json",
                         mime="application/json", key="dl_json")


def page_maintainer() -> None:
    import screener.review.maintainer as M

    st.header("Quản trị mô hình")
    status = M.status()
    for line in status.missing:
        st.warning(line)
    for line in status.notes:
        st.info(line)
    st.subheader("Mô hình đang dùng")
    _, version = get_engine()
    st.markdown(f"Phiên bản: **{L.md_escape(status.current_version)}** · ứng dụng đang rà soát bằng "
                f"**{L.md_escape(version)}**")
    if status.metrics:
        st.dataframe(pd.DataFrame(M.metrics_rows(status.metrics)), hide_index=True)
    if status.card:
        with st.expander("Thẻ mô hình (model card)"):
            st.markdown(status.card)

    st.subheader("1. Xuất quyết định rà soát sang kho ngữ liệu")
    s = store()
    st.write(f"Cơ sở dữ liệu rà soát có {s.count()} quyết định trên {len(s.documents())} văn bản.")
    if st.button("Xuất sang corpus/reviews/", key="m_export", disabled=not status.can_export,
                 icon=":material/upload_file:"):
        try:
            path, n = M.export_decisions(s)
            st.success(f"Đã ghi {n} mẫu vào {path}.")
        except Exception as exc:  # noqa: BLE001 - shown to the maintainer, logged with traceback
            log.exception("export failed")
            st.error(f"Không xuất được: {exc}")

    st.subheader("2. Huấn luyện lại, so sánh trên nhãn đánh giá độc lập")
    if st.button("Huấn luyện mô hình mới", key="m_train", disabled=not status.can_train, icon=":material/model_training:"):
        with st.spinner("Đang huấn luyện… (có thể mất vài phút)"):
            try:
                st.session_state["candidate"] = M.train_candidate()
            except Exception as exc:  # noqa: BLE001
                log.exception("training failed")
                st.error(f"Huấn luyện thất bại: {exc}")
    cand = st.session_state.get("candidate")
    if cand is not None:
        st.markdown(f"Mô hình mới: **{L.md_escape(cand.name)}**")
        if cand.metrics:
            st.dataframe(pd.DataFrame(M.comparison_rows(cand)), hide_index=True)
        else:
            st.info("Không có nhãn đánh giá độc lập để so sánh.")
        forced = True
        if cand.not_worse is False:
            st.warning("Mô hình mới KÉM HƠN mô hình hiện tại (F1 hoặc PR-AUC gắn cờ thấp hơn) trên nhãn đánh giá "
                       "độc lập; theo quy tắc, không nên đưa vào sử dụng.")
            forced = st.checkbox("Tôi vẫn muốn đưa mô hình kém hơn vào sử dụng", key="m_force")
        elif cand.not_worse is None:
            st.warning("Không có nhãn đánh giá độc lập nên không so sánh được với mô hình hiện tại.")
            forced = st.checkbox("Tôi vẫn muốn đưa mô hình chưa được so sánh vào sử dụng", key="m_force")
        c = st.columns(2)
        c[0].button("Đưa vào sử dụng", key="m_promote", type="primary", icon=":material/check:",
                    on_click=_promote_candidate, disabled=not forced)
        c[1].button("Bỏ mô hình mới", key="m_discard", icon=":material/close:", on_click=_discard_candidate)


def _promote_candidate() -> None:
    import screener.review.maintainer as M

    cand = st.session_state.pop("candidate", None)
    if cand is None:
        return
    try:
        M.promote(cand)
    except Exception as exc:  # noqa: BLE001
        log.exception("promotion failed")
        _flash("error", f"Không đưa được mô hình vào sử dụng: {exc}")
        return
    get_engine.clear()
    st.session_state["_analysed"] = set()
    _flash("success", f"Đã đưa {cand.name} vào sử dụng; các văn bản sẽ được rà soát lại bằng mô hình mới.")


def _discard_candidate() -> None:
    import screener.review.maintainer as M

    cand = st.session_state.pop("candidate", None)
    if cand is None:
        return
    try:
        M.discard(cand)
    except Exception as exc:  # noqa: BLE001
        log.exception("discard failed")
        _flash("error", f"Không bỏ được mô hình: {exc}")
        return
    _flash("success", f"Đã bỏ {cand.name}.")


def _init_from_url() -> None:
    """On a session's first run, take the page, the document and the reviewer from the URL."""
    if st.session_state.get("_url_read"):
        return
    st.session_state["_url_read"] = True
    page = st.query_params.get("page")
    if page in PAGES:
        st.session_state["page"] = page
    st.session_state["_url_doc"] = st.query_params.get("doc")
    name = (st.query_params.get("reviewer") or "").strip()
    if name and not st.session_state.get("reviewer"):
        st.session_state["reviewer"] = name[:100]


# ---- layout ----------------------------------------------------------------------------------

def main() -> None:
    with st.sidebar:
        st.title("⚖️ Rà soát dự thảo")
        st.caption("Phát hiện quy định có nguy cơ lồng ghép lợi ích nhóm, lợi ích cục bộ.")
        _init_from_url()
        page = st.radio("Trang", list(PAGES), format_func=PAGES.get, key="page", label_visibility="collapsed")
        st.divider()
        st.text_input("Người rà soát", key="reviewer", placeholder="Họ và tên",
                      help="Mỗi quyết định được ghi kèm tên người rà soát và thời điểm.")
        files = st.file_uploader("Tải dự thảo lên", type=L.ACCEPTED_TYPES, accept_multiple_files=True,
                                 key="uploads", help=L.LIMITS_VI)
        st.caption(L.LIMITS_VI)
        new = register_uploads(files)
        for msg in st.session_state.get("_errors", {}).values():
            st.error(msg)
        docs = available_docs()
        if new:
            st.session_state["doc"] = new[-1]
        if st.session_state.get("doc") not in docs:
            st.session_state.pop("doc", None)
        order = list(st.session_state.get("docs", {})) + [h for h in docs if h not in st.session_state.get("docs", {})]
        if "doc" not in st.session_state and st.session_state.get("_url_doc") in docs:
            st.session_state["doc"] = st.session_state["_url_doc"]
        doc_hash = st.selectbox("Văn bản đang xem", order, format_func=lambda h: _doc_label(docs[h]), key="doc")
        st.caption(f"Dữ liệu rà soát: {data_dir().resolve()}")

    if st.session_state.get("_filters_doc") != doc_hash:  # another document: its own filters
        for key in ("f_article", "f_chapters", "f_page", "add_unit"):
            st.session_state.pop(key, None)
        st.session_state["_filters_doc"] = doc_hash
    # the URL names the page, the document and the reviewer, so a reload (a new session)
    # reopens both and keeps the name
    st.query_params["page"] = page
    if doc_hash:
        st.query_params["doc"] = doc_hash
    if _reviewer():
        st.query_params["reviewer"] = _reviewer()
    else:
        st.query_params.pop("reviewer", None)
    show_flash()
    if page == "quan-tri":
        page_maintainer()
        return
    if doc_hash is None:
        st.info("Hãy tải một dự thảo lên.")
        return
    if doc_hash == st.session_state.get("_sample_hash") and not st.session_state.get("docs"):
        st.info("Đang hiển thị **dự thảo mẫu** đi kèm công cụ. Tải dự thảo của bạn lên ở thanh bên "
                f"({L.LIMITS_VI})")
    meta = docs[doc_hash]
    loaded = load_document(doc_hash, meta)
    if loaded is None:
        return
    parsed, findings = loaded
    items = apply_decisions(findings, store().decisions(doc_hash), parsed)
    ctx = {"hash": doc_hash, "name": meta["name"], "parsed": parsed, "findings": findings, "items": items}
    if page == "tong-quan":
        page_overview(ctx)
    elif page == "phat-hien":
        page_findings(ctx)
    elif page == "toan-van":
        page_document(ctx)
    elif page == "so-sanh":
        page_compare(ctx, docs)
    elif page == "xuat":
        page_export(ctx)


main()
