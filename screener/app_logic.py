"""Pure helpers for the review app (``app.py``): limits, Vietnamese messages, filtering,
tables, the risk map, highlighted HTML and the CSV/JSON of reviewed findings.

Nothing here imports Streamlit; ``app.py`` arranges widgets and calls these.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html import escape

from screener import ParsedDocument
from screener.errors import InputError, LimitExceededError
from screener.limits import current as current_limits
from screener.findings import Finding
from screener.report.highlight import highlight, legend
from screener.review.decisions import STATUS_VI, ReviewedFinding, effective_finding
from screener.rules import categories, get_category

#: what the app accepts, from ``screener.limits`` (``SCREENER_MAX_FILE_MB``, ``SCREENER_MAX_PAGES``,
#: ...: read when the app starts); ``.streamlit/config.toml`` caps uploads (``maxUploadSize``) at
#: the same size by default: raise both together
_LIMITS = current_limits()
MAX_UPLOAD_MB = int(_LIMITS.max_file_mb) if float(_LIMITS.max_file_mb).is_integer() else _LIMITS.max_file_mb
MAX_PAGES = _LIMITS.max_pages
MAX_CHARS = _LIMITS.max_chars
ACCEPTED_TYPES = ["pdf", "docx", "txt", "md"]


def _vi_num(n: float) -> str:
    return f"{n:,.0f}".replace(",", ".") if float(n).is_integer() else f"{n:g}".replace(".", ",")


def limits_vi() -> str:
    """What the app accepts, with the limits in force (shown under the uploader)."""
    return (f"PDF (bản scan được nhận dạng ký tự), DOCX, TXT; tối đa {_vi_num(MAX_UPLOAD_MB)} MB, "
            f"{_vi_num(MAX_PAGES)} trang và {_vi_num(MAX_CHARS)} ký tự mỗi tệp; "
            f"mỗi tệp được đọc trong tối đa {_vi_num(_LIMITS.max_seconds)} giây.")


LIMITS_VI = limits_vi()

SEVERITY_VI = {1: "Thấp", 2: "Trung bình", 3: "Cao"}
NO_CHAPTER = "(ngoài chương)"

_SPLIT_VI = "Hãy tách văn bản thành các phần nhỏ hơn rồi tải lên từng phần."
#: ``InputError.code`` → what the user reads
ERROR_VI = {
    "unsupported_format": "Định dạng tệp không được hỗ trợ. Hãy tải lên tệp PDF, DOCX hoặc TXT; "
                          "tệp .doc cũ cần mở bằng Word và lưu lại dưới dạng .docx.",
    "macros": "Tệp Word có chứa macro (mã VBA); công cụ không mở tệp có macro. Hãy mở tệp bằng Word, "
              "chọn Lưu thành “Word Document (*.docx)” (macro sẽ bị loại bỏ) rồi tải lên lại.",
    "empty": "Tệp không có nội dung văn bản để rà soát.",
    "scanned_pdf": "Tệp PDF là bản scan (ảnh chụp), không có lớp văn bản và không nhận dạng được chữ (OCR) từ các "
                   "trang của tệp. Hãy tải lên bản DOCX hoặc bản PDF xuất trực tiếp từ Word.",
    "encrypted": "Tệp PDF được đặt mật khẩu. Hãy lưu một bản không có mật khẩu rồi tải lên lại.",
    "limit": f"Tệp vượt quá giới hạn cho phép (tối đa {_vi_num(MAX_UPLOAD_MB)} MB, {_vi_num(MAX_PAGES)} trang "
             f"và {_vi_num(MAX_CHARS)} ký tự). {_SPLIT_VI}",
    "unreadable": "Không đọc được tệp: tệp có thể bị hỏng, bị cắt cụt hoặc không đúng định dạng. "
                  "Hãy mở tệp bằng Word hoặc trình đọc PDF, lưu lại rồi tải lên lần nữa.",
}
#: ``LimitExceededError.limit`` → a more precise sentence than ``ERROR_VI["limit"]``
LIMIT_VI = {
    "file_size": f"Tệp lớn hơn giới hạn {_vi_num(MAX_UPLOAD_MB)} MB. {_SPLIT_VI}",
    "pages": f"Tệp có nhiều hơn {_vi_num(MAX_PAGES)} trang, vượt quá giới hạn. {_SPLIT_VI}",
    "chars": f"Văn bản dài hơn {_vi_num(MAX_CHARS)} ký tự, vượt quá giới hạn. {_SPLIT_VI}",
    "unzipped": (f"Tệp DOCX khi giải nén lớn hơn {_vi_num(_LIMITS.max_unzipped_mb)} MB (có thể là tệp độc hại "
                 "dạng “bom nén”). Hãy mở tệp bằng Word, lưu lại không kèm tệp nhúng rồi tải lên lần nữa."),
    "stream": ("Tệp PDF chứa dữ liệu nén quá lớn (có thể là tệp độc hại dạng “bom nén”). Hãy xuất lại tệp PDF "
               "từ Word hoặc tải lên bản DOCX."),
    "time": (f"Đọc tệp mất quá {_vi_num(_LIMITS.max_seconds)} giây: văn bản quá lớn hoặc quá phức tạp. "
             f"{_SPLIT_VI}"),
    "memory": "Tệp cần quá nhiều bộ nhớ để đọc. Hãy xuất lại tệp PDF từ Word hoặc tải lên bản DOCX.",
}
UNEXPECTED_VI = ("Đã xảy ra lỗi ngoài dự kiến khi xử lý tệp. Tệp chưa được rà soát; hãy thử lại hoặc "
                 "báo cho bộ phận kỹ thuật (kèm tên tệp).")


def error_message_vi(exc: BaseException, name: str | None = None) -> str:
    """One Vietnamese sentence for the user; never a traceback."""
    if isinstance(exc, LimitExceededError) and getattr(exc, "limit", None) in LIMIT_VI:
        msg = LIMIT_VI[exc.limit]
    elif isinstance(exc, InputError):
        msg = ERROR_VI.get(getattr(exc, "code", "unreadable"), ERROR_VI["unreadable"])
    else:
        msg = UNEXPECTED_VI
    return f"{name}: {msg}" if name else msg


def check_size(data: bytes, name: str) -> None:
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        raise LimitExceededError(f"{name} is larger than {MAX_UPLOAD_MB} MB", "file_size")


def check_pages(parsed: ParsedDocument, name: str) -> None:
    pages = parsed.document.metadata.pages or len(parsed.document.page_starts)
    if pages > MAX_PAGES:
        raise LimitExceededError(f"{name} has {pages} pages; the limit is {MAX_PAGES}", "pages")


def app_limits():
    """The ingest limits with the app's own (``MAX_UPLOAD_MB``, ``MAX_PAGES``, ``MAX_CHARS``)."""
    from dataclasses import replace

    return replace(current_limits(), max_file_mb=MAX_UPLOAD_MB, max_pages=MAX_PAGES, max_chars=MAX_CHARS)


def read_document(path: str, name: str, progress=None) -> ParsedDocument:
    """Read, check the limits and parse one file; ``progress(done, total)`` follows the OCR of
    scanned pages, if any. The limits are checked by ingest before the work they bound."""
    from pathlib import Path

    from screener import parse_document
    from screener.ingest import read

    size = Path(path).stat().st_size
    if size > MAX_UPLOAD_MB * 1024 * 1024:
        raise LimitExceededError(f"{name} is larger than {MAX_UPLOAD_MB} MB", "file_size")
    data = Path(path).read_bytes()
    document = read(data, name=name, progress=progress, limits=app_limits())
    parsed = parse_document(document)
    check_pages(parsed, name)
    return parsed


def notices_vi(parsed: ParsedDocument) -> list[str]:
    """How the document was read (Vietnamese): legacy encoding converted, no articles found."""
    return list(parsed.notices_vi)


def ocr_note_vi(parsed: ParsedDocument) -> str | None:
    """A warning when some pages were read by OCR (their text may hold recognition errors)."""
    pages = getattr(parsed.document, "ocr_pages", None) or {}
    unread = getattr(parsed.document, "ocr_unread", None) or []
    if not pages and not unread:
        return None
    msg = ""
    if pages:
        conf = [c for c in pages.values() if c is not None]
        msg = (f"{len(pages)} trang không có lớp văn bản đã được nhận dạng ký tự (OCR)"
               + (f", độ tin cậy trung bình {sum(conf) / len(conf):.0f}%" if conf else "")
               + "; nội dung có thể sai chính tả, hãy đối chiếu với bản gốc.")
    if unread:
        msg += f" Không đọc được trang: {', '.join(str(p) for p in unread)}."
    return msg.strip()


# ---- citations, metadata -------------------------------------------------------------------

def citation(f: Finding) -> str:
    """"khoản 2 Điều 5 (trang 3)"."""
    return f"{f.label} ({f.page_label})" if f.label else f.page_label


def article_of(f: Finding) -> str:
    """The label of the article the finding sits in ("Điều 5"), else its own label."""
    for label in f.path:
        if label.startswith("Điều"):
            return label
    return f.label


def metadata_rows(parsed: ParsedDocument, name: str | None = None) -> list[tuple[str, str]]:
    m = parsed.document.metadata
    rows = [("Tệp", name or parsed.document.name or ""), ("Loại văn bản", m.type or "—"),
            ("Số, ký hiệu", m.number or "—"), ("Cơ quan ban hành", m.issuer or "—"),
            ("Ngày", m.date or "—"), ("Trích yếu", m.title or "—"),
            ("Dự thảo", "Có" if m.is_draft else "Không"), ("Số trang", str(m.pages or "—"))]
    return rows


# ---- filtering -----------------------------------------------------------------------------

@dataclass
class FilterSpec:
    """Empty lists mean "all"."""

    categories: list[str] = field(default_factory=list)
    severities: list[int] = field(default_factory=list)
    min_score: float = 0.0
    chapters: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    article: str | None = None  # "Điều 5", from the risk map
    query: str = ""


def filter_findings(items: list[ReviewedFinding], spec: FilterSpec) -> list[ReviewedFinding]:
    """Keep the items that pass every filter; ranked by score, then severity, then position."""
    q = spec.query.strip().lower()
    out = []
    for it in items:
        f = it.finding
        if spec.categories and it.category not in spec.categories:
            continue
        if spec.severities and it.severity not in spec.severities:
            continue
        if f.score < spec.min_score:
            continue
        if spec.chapters and (f.chapter or NO_CHAPTER) not in spec.chapters:
            continue
        if spec.statuses and it.status not in spec.statuses:
            continue
        if spec.article and article_of(f) != spec.article:
            continue
        if q and q not in f.text.lower() and q not in f.label.lower():
            continue
        out.append(it)
    out.sort(key=lambda it: (-it.finding.score, -it.severity, it.finding.start))
    return out


def chapters_of(items: list[ReviewedFinding]) -> list[str]:
    seen = []
    for it in sorted(items, key=lambda it: it.finding.start):
        c = it.finding.chapter or NO_CHAPTER
        if c not in seen:
            seen.append(c)
    return seen


# ---- tables and the map --------------------------------------------------------------------

def category_severity_counts(items: list[ReviewedFinding]) -> list[dict]:
    """One row per category (guideline order) with counts per severity, for the chart."""
    counts = Counter((it.category, it.severity) for it in items)
    rows = []
    for cat in categories():
        row = {"Nhóm rủi ro": cat.name_vi, "id": cat.id}
        for sev, name in SEVERITY_VI.items():
            row[name] = counts.get((cat.id, sev), 0)
        row["Tổng"] = sum(row[n] for n in SEVERITY_VI.values())
        if row["Tổng"]:
            rows.append(row)
    return rows


def findings_table(items: list[ReviewedFinding]) -> list[dict]:
    return [{"STT": i, "Vị trí": it.finding.label, "Trang": it.finding.page_label,
             "Nhóm rủi ro": it.category_name, "Mức độ": SEVERITY_VI[it.severity],
             "Điểm": round(it.finding.score, 2), "Trạng thái": STATUS_VI[it.status]}
            for i, it in enumerate(items, 1)]


def risk_map(items: list[ReviewedFinding]) -> list[dict]:
    """Where the risks sit: chapters in document order, each with its articles and their counts.

    ``[{"chapter", "n", "articles": [{"article", "title", "n", "max_severity", "counts":
    {category: n}, "page"}]}]``; dismissed findings are left out.
    """
    chapters: dict[str, dict] = {}
    arts: dict[tuple[str, str], dict] = {}
    for it in sorted(items, key=lambda it: it.finding.start):
        if it.status == "dismissed":
            continue
        f = it.finding
        ch = f.chapter or NO_CHAPTER
        chapter = chapters.setdefault(ch, {"chapter": ch, "n": 0, "articles": []})
        chapter["n"] += 1
        key = (ch, article_of(f))
        art = arts.get(key)
        if art is None:
            art = {"article": key[1], "title": f.article_title or "", "n": 0, "max_severity": 0,
                   "counts": defaultdict(int), "page": f.page_start}
            arts[key] = art
            chapter["articles"].append(art)
        art["n"] += 1
        art["max_severity"] = max(art["max_severity"], it.severity)
        art["counts"][it.category] += 1
    for art in arts.values():
        art["counts"] = dict(art["counts"])
    return list(chapters.values())


def chips_html(counts: dict[str, int]) -> str:
    """Small coloured chips, one per category, with its count (escaped)."""
    out = []
    for cat in categories():
        n = counts.get(cat.id, 0)
        if n:
            out.append(f'<span title="{escape(cat.name_vi)}" style="background:{escape(cat.color)};'
                       f'border-radius:4px;padding:1px 6px;margin:0 4px 3px 0;font-size:0.85em;display:inline-block;'
                       f'white-space:nowrap">'
                       f'{escape(cat.name_vi.split(",")[0])}: {n}</span>')
    return "".join(out)


# ---- highlighted HTML ----------------------------------------------------------------------

_DOC_CSS = ("<style>.scr-doc{font-family:'Times New Roman',serif;font-size:1.05rem;line-height:1.6}"
            ".scr-doc mark{padding:0 2px;border-radius:3px}.scr-legend mark{padding:1px 6px;border-radius:3px;"
            "margin-right:6px;font-size:.9em}</style>")


def finding_html(item: ReviewedFinding) -> str:
    """The provision's text with its triggers marked in the (reviewed) category's colour."""
    f = effective_finding(item)
    spans = [(t.start, t.end, f.category, f"{f.category_name}: {t.text}") for t in f.triggers]
    return f'{_DOC_CSS}<div class="scr-doc">{highlight(f.text, spans, offset=f.start)}</div>'


def document_html(parsed: ParsedDocument, items: list[ReviewedFinding]) -> str:
    """The whole document with every trigger of every finding not dismissed, and a legend."""
    spans, cats = [], []
    for it in items:
        if it.status == "dismissed":
            continue
        f = effective_finding(it)
        if f.category not in cats:
            cats.append(f.category)
        for t in f.triggers:
            spans.append((t.start, t.end, f.category, f"{f.label}: {f.category_name}"))
    order = [c.id for c in categories() if c.id in cats]
    return (f'{_DOC_CSS}<div class="scr-legend">{legend(order)}</div><hr>'
            f'<div class="scr-doc">{highlight(parsed.text, spans)}</div>')


def legend_html(category_ids: list[str] | None = None) -> str:
    ids = category_ids if category_ids is not None else [c.id for c in categories()]
    return f'{_DOC_CSS}<div class="scr-legend">{legend(ids)}</div>'


# ---- provisions for "add a missed risk" ----------------------------------------------------

def unit_choices(parsed: ParsedDocument, width: int = 70) -> list[tuple[int, str]]:
    out = []
    for i, u in enumerate(parsed.units):
        snippet = " ".join(parsed.text[u.start:u.end].split())
        if len(snippet) > width:
            snippet = snippet[:width - 1] + "…"
        out.append((i, f"{u.label} — {snippet}"))
    return out


# ---- CSV / JSON of the reviewed findings ---------------------------------------------------

EXPORT_FIELDS = ("stt", "label", "page", "chapter", "article_title", "category", "category_name", "severity",
                 "score", "status", "screener_category", "triggers", "reason", "suggested_fix", "notes",
                 "reviewers", "text", "id", "added_by_reviewer")


def export_rows(items: list[ReviewedFinding]) -> list[dict]:
    rows = []
    for i, it in enumerate(items, 1):
        f = effective_finding(it)
        rows.append({
            "stt": i, "label": f.label, "page": f.page_label, "chapter": f.chapter or "",
            "article_title": f.article_title or "", "category": f.category, "category_name": f.category_name,
            "severity": f.severity, "score": f.score, "status": STATUS_VI[it.status],
            "screener_category": "" if it.manual else it.finding.category,
            "triggers": " | ".join(t.text for t in f.triggers), "reason": f.reason,
            "suggested_fix": f.suggested_fix,
            "notes": " | ".join(f"{n.reviewer}: {n.text}" for n in it.notes),
            "reviewers": ", ".join(sorted({d.reviewer for d in it.history})), "text": f.text, "id": f.id,
            "added_by_reviewer": it.manual,
        })
    return rows


def reviewed_to_csv(items: list[ReviewedFinding]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS)
    w.writeheader()
    w.writerows(export_rows(items))
    return "\ufeff" + buf.getvalue()  # BOM: Excel opens Vietnamese UTF-8 correctly


def reviewed_to_json(parsed: ParsedDocument, items: list[ReviewedFinding], meta: dict) -> str:
    return json.dumps({"document": parsed.document.metadata.to_dict(), "review": meta,
                       "units_screened": len(parsed.units), "findings": export_rows(items)},
                      ensure_ascii=False, indent=1)


def category_options() -> list[str]:
    return [c.id for c in categories()]


def category_label(cid: str) -> str:
    return get_category(cid).name_vi


# ---- small HTML pieces for the app (all document text escaped) -----------------------------

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ACTION_DONE_VI = {"confirm": "xác nhận", "dismiss": "bác bỏ", "reopen": "mở lại", "edit": "sửa nhóm, mức độ của",
                  "note": "ghi chú cho", "add": "bổ sung rủi ro tại"}
_STATUS_STYLE = {"open": ("#eeeeee", "#444"), "confirmed": ("#d4edda", "#155724"),
                 "dismissed": ("#f8d7da", "#721c24")}
_SEV_STYLE = {1: "#F2D16B", 2: "#F29B4B", 3: "#D64541"}


VN_TZ = timezone(timedelta(hours=7))  # Vietnam: UTC+7, no daylight saving


def local_time(iso: str) -> str:
    """"2026-03-05T01:30:00+00:00" → "05/03/2026 08:30" (Vietnam time)."""
    try:
        t = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso or ""
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def md_escape(s: str) -> str:
    """Text safe inside ``st.markdown`` (no markup, no HTML)."""
    out = escape(s or "", quote=False)
    for ch in "\\`*_{}[]()#+-.!|>~":
        out = out.replace(ch, "\\" + ch)
    return out


def _pill(text: str, bg: str, fg: str = "#222") -> str:
    return (f'<span style="background:{escape(bg)};color:{escape(fg)};border-radius:10px;padding:1px 8px;'
            f'margin:2px 6px 2px 0;font-size:.85em;display:inline-block;white-space:nowrap">{escape(text)}</span>')


def status_pill(status: str) -> str:
    bg, fg = _STATUS_STYLE[status]
    return _pill(STATUS_VI[status], bg, fg)


def finding_header_html(item: ReviewedFinding, rank: int) -> str:
    f = item.finding
    cat = get_category(item.category)
    changed = " (đã sửa)" if item.changed and not item.manual else ""
    parts = [f'<div style="font-size:1.05rem"><b>{rank}. {escape(citation(f))}</b> &nbsp;',
             _pill(cat.name_vi + changed, cat.color),
             _pill(f"Mức độ: {SEVERITY_VI[item.severity]}", _SEV_STYLE[item.severity],
                   "#fff" if item.severity == 3 else "#222"),
             _pill(f"Điểm: {f.score:.2f}", "#e8eef7"), status_pill(item.status)]
    if item.manual:
        parts.append(_pill("Người rà soát bổ sung", "#e2d9f3"))
    last = item.last
    if last is not None:
        parts.append(f'<span style="color:#666;font-size:.8em">{escape(last.reviewer)}, '
                     f'{escape(local_time(last.created_at))}</span>')
    return "".join(parts) + "</div>"


def finding_details_html(item: ReviewedFinding) -> str:
    f = effective_finding(item)
    rows = [("Lý do", f.reason), ("Câu hỏi rà soát", f.question), ("Đề xuất sửa đổi", f.suggested_fix)]
    html = "".join(f'<p style="margin:.2rem 0"><b>{escape(k)}:</b> {escape(v)}</p>' for k, v in rows)
    if item.notes:
        html += '<p style="margin:.2rem 0"><b>Ghi chú của người rà soát:</b></p><ul style="margin:0">'
        html += "".join(f"<li>{escape(n.text)} <i style='color:#666'>({escape(n.reviewer)}, "
                        f"{escape(local_time(n.created_at))})</i></li>" for n in item.notes)
        html += "</ul>"
    return f'<div style="font-size:.95rem">{html}</div>'


def plain_html(text: str) -> str:
    return f'{_DOC_CSS}<div class="scr-doc" style="background:#f7f7f7;padding:.5rem">{highlight(text, [])}</div>'


def side_html(side) -> str:
    """One side of a compared provision: its label, categories and text with triggers marked."""
    spans = [(t.start, t.end, t.category, f.category_name) for f in side.findings for t in f.triggers]
    cats = "".join(_pill(get_category(c).name_vi, get_category(c).color) for c in sorted(side.categories))
    return (f'{_DOC_CSS}<div><b>{escape(side.label)}</b> (trang {side.page}) {cats}</div>'
            f'<div class="scr-doc">{highlight(side.text, spans, offset=side.start)}</div>')


def change_header_html(change) -> str:
    from screener.compare import KIND_VI

    colors = {"added": "#fde2c8", "removed": "#d9e8d2", "changed": "#e8eef7", "unchanged": "#eeeeee"}
    out = [f"<b>{escape(change.label)}</b> &nbsp;", _pill(KIND_VI[change.kind], colors[change.kind])]
    if change.kind == "changed":
        out.append(_pill(f"Tương đồng {change.similarity:.0%}", "#f0f0f0"))
    for c in change.risks_added:
        out.append(_pill("+ " + get_category(c).name_vi, get_category(c).color))
    for c in change.risks_removed:
        out.append(_pill("− " + get_category(c).name_vi, "#dddddd"))
    return "<div>" + "".join(out) + "</div>"


def safe_stem(name: str) -> str:
    """A file-name stem from a document name (ASCII letters, digits, _ and -)."""
    import re
    import unicodedata
    from pathlib import Path

    stem = Path(name or "van_ban").stem.replace("đ", "d").replace("Đ", "D")
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")
    return stem[:60] or "van_ban"


# ---- the scorer the app uses ---------------------------------------------------------------

def load_scorer():
    """(scorer, model version): the active classifier model combined with the rules
    (``models/CURRENT`` or ``SCREENER_MODEL``, via ``screener.classifier``), else the rules
    alone. Never raises: a model that cannot be loaded falls back to the rules."""
    from screener.findings import rules_scorer
    from screener.rules import RULES_VERSION

    try:
        from screener.classifier.scorer import current_model_dir, load_default_scorer

        d = current_model_dir()
        if d is not None and d.exists():
            scorer = load_default_scorer(model_dir=d, quiet=True)
            version = getattr(scorer, "version", None)
            if version:
                return scorer, str(version)
    except Exception:  # noqa: BLE001 - the rules always work
        import logging

        logging.getLogger("screener.app").exception("model not loaded; using the rules")
    return rules_scorer, f"rules-{RULES_VERSION}"
