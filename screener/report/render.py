"""The scan report in JSON, CSV, Markdown and a self-contained HTML page."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from html import escape

from screener import ParsedDocument
from screener.findings import Finding
from screener.report.highlight import highlight, legend
from screener.rules import categories

SEVERITY_VI = {1: "Thấp", 2: "Trung bình", 3: "Cao"}


def summary(findings: list[Finding]) -> dict:
    return {
        "findings": len(findings),
        "by_category": dict(Counter(f.category for f in findings).most_common()),
        "by_severity": {str(k): v for k, v in sorted(Counter(f.severity for f in findings).items())},
        "by_chapter": dict(Counter(f.chapter or "(ngoài chương)" for f in findings).most_common()),
        "provisions_flagged": len({f.start for f in findings}),
    }


def to_json(parsed: ParsedDocument, findings: list[Finding], meta: dict) -> str:
    return json.dumps({"document": parsed.document.metadata.to_dict(), "screening": meta,
                       "units_screened": len(parsed.units), "summary": summary(findings),
                       "findings": [f.to_dict() for f in findings]}, ensure_ascii=False, indent=1)


CSV_FIELDS = ("rank", "label", "page_start", "category", "category_name", "severity", "score",
              "triggers", "reason", "suggested_fix", "article_title", "chapter", "text", "id")


def to_csv(findings: list[Finding]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_FIELDS)
    for rank, f in enumerate(findings, 1):
        row = f.to_dict() | {"rank": rank, "triggers": " | ".join(t.text for t in f.triggers)}
        w.writerow([row[k] for k in CSV_FIELDS])
    return buf.getvalue()


def _pages_vi(pages: list[int]) -> str:
    """"trang 3", "các trang 1, 2, 5"."""
    return ("trang " if len(pages) == 1 else "các trang ") + ", ".join(map(str, pages))


def ocr_note(parsed: ParsedDocument) -> str | None:
    """The reader's warning that the text came from OCR (and which pages read poorly or not at all)."""
    from screener.ingest.ocr import LOW_CONFIDENCE

    doc = parsed.document
    if not doc.ocr_pages and not doc.ocr_unread:
        return None
    parts = []
    if doc.ocr_pages:
        pages = sorted(doc.ocr_pages)
        scope = "Văn bản" if len(pages) == len(doc.page_starts) else f"{_pages_vi(pages).capitalize()}"
        confs = [c for c in doc.ocr_pages.values() if c is not None]
        mean = f" (độ tin cậy trung bình {sum(confs) / len(confs):.0f}%)" if confs else ""
        parts.append(f"{scope} được nhận dạng quang học (OCR) từ ảnh scan{mean}; lỗi nhận dạng có thể "
                     "làm sai hoặc bỏ sót nội dung, cần đối chiếu với bản gốc")
        low = [(p, c) for p, c in sorted(doc.ocr_pages.items()) if c is not None and c < LOW_CONFIDENCE]
        if low:
            parts.append("; ".join(f"trang {p} có độ tin cậy thấp ({c:.0f}%)" for p, c in low))
    if doc.ocr_unread:
        missing = any("apt-get install" in w for w in doc.ocr_warnings)
        why = ("cần cài Tesseract: apt-get install tesseract-ocr tesseract-ocr-vie" if missing
               else "nhận dạng bị lỗi hoặc quá thời gian")
        parts.append(f"{_pages_vi(doc.ocr_unread).capitalize()} không có lớp văn bản và chưa nhận dạng "
                     f"được ({why}), nên chưa được rà soát")
    return "; ".join(parts) + "."


def reading_notices(parsed: ParsedDocument) -> list[str]:
    """How the document was read, in Vietnamese: a legacy encoding converted, no articles found
    (then it was screened paragraph by paragraph)."""
    return list(parsed.notices_vi)


def _ocr_mark(parsed: ParsedDocument, f: Finding) -> str:
    """" · OCR (72%)" after a finding whose pages were OCR'd, with the lowest page confidence."""
    confs = [parsed.document.ocr_pages[p] for p in range(f.page_start, f.page_end + 1)
             if p in parsed.document.ocr_pages]
    if not confs:
        return ""
    known = [c for c in confs if c is not None]
    return " · văn bản OCR" + (f", độ tin cậy {min(known):.0f}%" if known else "")


def _md_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_") \
        .replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def to_markdown(parsed: ParsedDocument, findings: list[Finding]) -> str:
    m = parsed.document.metadata
    s = summary(findings)
    lines = [f"# Báo cáo rà soát: {_md_escape(' '.join(x for x in (m.type, m.number) if x) or 'văn bản')}", ""]
    if m.title:
        lines += [f"**{_md_escape(m.title)}**", ""]
    note = ocr_note(parsed)
    if note:
        lines += [f"> **Lưu ý:** {_md_escape(note)}", ""]
    for notice in reading_notices(parsed):
        lines += [f"> **Lưu ý:** {_md_escape(notice)}", ""]
    lines += [f"Số đơn vị đã rà soát: {len(parsed.units)}; số phát hiện: {s['findings']}.", "",
              "| Nhóm rủi ro | Số phát hiện |", "|---|---|"]
    names = {c.id: c.name_vi for c in categories()}
    lines += [f"| {names[k]} | {v} |" for k, v in s["by_category"].items()]
    lines += ["", "| Chương | Số phát hiện |", "|---|---|"]
    lines += [f"| {_md_escape(k)} | {v} |" for k, v in s["by_chapter"].items()]
    for i, f in enumerate(findings, 1):
        lines += ["", f"## {i}. {_md_escape(f.label)} ({f.page_label}): {f.category_name}",
                  f"Mức độ: {SEVERITY_VI[f.severity]} · điểm {f.score:.2f}{_ocr_mark(parsed, f)}", "",
                  f"> {_md_escape(f.text)}", "",
                  "Dấu hiệu: " + "; ".join(f"“{_md_escape(t.text)}”" for t in f.triggers),
                  f"Lý do: {_md_escape(f.reason)}", f"Câu hỏi rà soát: {_md_escape(f.question)}",
                  f"Đề xuất: {_md_escape(f.suggested_fix)}"]
    return "\n".join(lines) + "\n"


_CSS = """body{font-family:'Times New Roman',serif;max-width:60rem;margin:2rem auto;line-height:1.5}
table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2rem .5rem}
.finding{border-left:4px solid #999;padding:.3rem 1rem;margin:1rem 0}.doc{white-space:normal}
mark{padding:0 .1rem}.meta{color:#555}.ocr{border:1px solid #c90;background:#fff8e1;padding:.3rem .6rem}"""


def to_html(parsed: ParsedDocument, findings: list[Finding]) -> str:
    """A self-contained page: summary, findings, and the document with every trigger marked."""
    m = parsed.document.metadata
    s = summary(findings)
    names = {c.id: c.name_vi for c in categories()}
    title = escape(" ".join(x for x in (m.type, m.number) if x) or "văn bản")
    parts = [f"<!doctype html><html lang=vi><head><meta charset=utf-8><title>Báo cáo rà soát: {title}</title>",
             f"<style>{_CSS}</style></head><body>",
             f"<h1>Báo cáo rà soát: {title}</h1>"]
    if m.title:
        parts.append(f"<p><b>{escape(m.title)}</b></p>")
    note = ocr_note(parsed)
    if note:
        parts.append(f"<p class=ocr><b>Lưu ý:</b> {escape(note)}</p>")
    for notice in reading_notices(parsed):
        parts.append(f"<p class=ocr><b>Lưu ý:</b> {escape(notice)}</p>")
    parts.append(f"<p class=meta>Đơn vị đã rà soát: {len(parsed.units)} · phát hiện: {s['findings']}</p>")
    parts.append("<table><tr><th>Nhóm rủi ro</th><th>Số phát hiện</th></tr>")
    parts += [f"<tr><td>{escape(names[k])}</td><td>{v}</td></tr>" for k, v in s["by_category"].items()]
    parts.append("</table><h2>Phát hiện</h2>")
    for i, f in enumerate(findings, 1):
        spans = [(t.start, t.end, t.category, t.rule) for t in f.triggers]
        parts.append(
            f'<div class=finding id="f-{escape(f.id)}"><h3>{i}. {escape(f.label)} ({escape(f.page_label)}): '
            f"{escape(f.category_name)}</h3><p class=meta>Mức độ {SEVERITY_VI[f.severity]} · điểm {f.score:.2f}"
            f"{escape(_ocr_mark(parsed, f))}</p>"
            f"<p>{highlight(f.text, spans, offset=f.start)}</p><p><b>Lý do:</b> {escape(f.reason)}</p>"
            f"<p><b>Câu hỏi rà soát:</b> {escape(f.question)}</p>"
            f"<p><b>Đề xuất:</b> {escape(f.suggested_fix)}</p></div>")
    all_spans = [(t.start, t.end, t.category, f.category_name) for f in findings for t in f.triggers]
    parts.append(f"<h2>Toàn văn</h2><p>{legend(s['by_category'])}</p>")
    parts.append(f"<div class=doc>{highlight(parsed.text, all_spans)}</div></body></html>")
    return "\n".join(parts)
