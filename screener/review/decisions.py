"""Reviewer decisions applied to the screener's findings (pure functions, no database).

The log of ``Decision`` rows for a document folds into one ``ReviewedFinding`` per finding:
its status (open, confirmed, dismissed), the category and severity the reviewers hold, their
notes, and the risks a reviewer added by hand (``action == "add"``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace

from screener import ParsedDocument
from screener.findings import Finding, FindingTrigger
from screener.review.store import Decision
from screener.rules import get_category

OPEN, CONFIRMED, DISMISSED = "open", "confirmed", "dismissed"
STATUSES = (OPEN, CONFIRMED, DISMISSED)
STATUS_VI = {OPEN: "Chưa xem xét", CONFIRMED: "Đã xác nhận", DISMISSED: "Đã bác bỏ"}
_ACTION_STATUS = {"confirm": CONFIRMED, "dismiss": DISMISSED, "reopen": OPEN, "add": CONFIRMED}
ACTION_VI = {"confirm": "xác nhận", "dismiss": "bác bỏ", "reopen": "mở lại", "edit": "sửa",
             "note": "ghi chú", "add": "bổ sung rủi ro"}


@dataclass
class Note:
    reviewer: str
    created_at: str
    text: str


@dataclass
class ReviewedFinding:
    """A finding as the reviewers left it; ``finding`` keeps the screener's own view."""

    finding: Finding
    status: str = OPEN
    category: str = ""
    severity: int = 1
    notes: list[Note] = field(default_factory=list)
    history: list[Decision] = field(default_factory=list)
    manual: bool = False  # added by a reviewer

    @property
    def id(self) -> str:
        return self.finding.id

    @property
    def category_name(self) -> str:
        return get_category(self.category).name_vi

    @property
    def changed(self) -> bool:
        return self.category != self.finding.category or self.severity != self.finding.severity

    @property
    def last(self) -> Decision | None:
        return self.history[-1] if self.history else None


def document_hash(data: bytes) -> str:
    """The key of a document in the store: SHA-256 of the uploaded file's bytes."""
    return hashlib.sha256(data).hexdigest()


def _unit_at(parsed: ParsedDocument, start: int, end: int):
    for unit in parsed.units:
        if unit.start == start and unit.end == end:
            return unit
    for unit in parsed.units:
        if unit.start <= start < unit.end:
            return unit
    return None


def _manual_finding(d: Decision, parsed: ParsedDocument | None) -> Finding:
    cat = get_category(d.category)
    start, end = d.unit_start or 0, d.unit_end or 0
    page_start = page_end = 1
    chapter, path = None, [d.label or ""]
    text = d.text or ""
    if parsed is not None:
        page_start = parsed.document.page_at(start)
        page_end = parsed.document.page_at(max(start, end - 1))
        unit = _unit_at(parsed, start, end)
        if unit is not None:
            chapter = unit.chapter
            path, i = [], unit.provision
            while i is not None:
                path.append(parsed.provisions[i].label)
                i = parsed.provisions[i].parent
            path.reverse()
        text = parsed.text[start:end] or text
    triggers = [FindingTrigger(t["text"], t["start"], t["end"], d.category, "reviewer")
                for t in d.triggers]
    first = triggers[0].text if triggers else text[:60]
    return Finding(
        id=d.finding_id, label=d.label or "", path=path, page_start=page_start, page_end=page_end,
        article_title=d.article_title, chapter=chapter, category=d.category, category_name=cat.name_vi,
        severity=int(d.severity or 2), score=1.0, start=start, end=end, text=text, triggers=triggers,
        reason=cat.reason_for(first), question=cat.reviewer_question, suggested_fix=cat.suggested_fix,
        sources=[f"reviewer:{d.reviewer}"])


def apply_decisions(findings: list[Finding], decisions: list[Decision],
                    parsed: ParsedDocument | None = None) -> list[ReviewedFinding]:
    """Fold the decision log over the findings; hand-added risks come after, in log order.

    Decisions about findings that no longer exist (e.g. a different model) are ignored.
    """
    reviewed = {f.id: ReviewedFinding(f, category=f.category, severity=f.severity) for f in findings}
    order = [f.id for f in findings]
    for d in sorted(decisions, key=lambda d: (d.created_at, d.id or 0)):
        item = reviewed.get(d.finding_id)
        if item is None:
            if d.action != "add" or not d.category:
                continue
            item = ReviewedFinding(_manual_finding(d, parsed), category=d.category,
                                   severity=int(d.severity or 2), manual=True)
            reviewed[d.finding_id] = item
            order.append(d.finding_id)
        if d.action in _ACTION_STATUS:
            item.status = _ACTION_STATUS[d.action]
        if d.category:
            item.category = d.category
        if d.severity:
            item.severity = int(d.severity)
        if d.note and d.note.strip():
            item.notes.append(Note(d.reviewer, d.created_at, d.note.strip()))
        item.history.append(d)
    return [reviewed[i] for i in order]


def effective_finding(item: ReviewedFinding) -> Finding:
    """The finding with the reviewers' category and severity (for reports and highlights)."""
    f = item.finding
    if item.category == f.category and item.severity == f.severity:
        return f
    cat = get_category(item.category)
    return replace(f, category=item.category, category_name=cat.name_vi, severity=item.severity,
                   triggers=[replace(t, category=item.category) for t in f.triggers],
                   question=cat.reviewer_question, suggested_fix=cat.suggested_fix,
                   reason=cat.reason_for(f.triggers[0].text if f.triggers else f.text[:60]))


def decision_for(finding: Finding, action: str, *, reviewer: str, doc_hash: str, model_version: str = "",
                 parsed: ParsedDocument | None = None, category: str | None = None,
                 severity: int | None = None, note: str | None = None) -> Decision:
    """A decision about ``finding``, carrying what a corpus export needs to read it alone."""
    doc_type = parsed.document.metadata.type if parsed is not None else None
    if category == finding.category and action != "add":
        category = None  # unchanged
    if severity == finding.severity and action != "add":
        severity = None
    return Decision(
        doc_hash=doc_hash, finding_id=finding.id, action=action, reviewer=reviewer,
        model_version=model_version, category=category, severity=severity, note=note or None,
        label=finding.label, unit_start=finding.start, unit_end=finding.end, text=finding.text,
        article_title=finding.article_title, doc_type=doc_type, original_category=finding.category,
        triggers=[{"text": t.text, "start": t.start, "end": t.end} for t in finding.triggers])


def _find_trigger(unit_text: str, wanted: str) -> tuple[int, int] | None:
    i = unit_text.find(wanted)
    if i >= 0:
        return i, i + len(wanted)
    # tolerate different spacing and letter case
    words = [re.escape(w) for w in wanted.split()]
    if not words:
        return None
    m = re.search(r"\s+".join(words), unit_text, flags=re.IGNORECASE)
    return (m.start(), m.end()) if m else None


def missed_risk(parsed: ParsedDocument, unit_index: int, category: str, trigger_text: str, *,
                reviewer: str, doc_hash: str, severity: int = 2, model_version: str = "",
                note: str | None = None) -> Decision:
    """A risk the screener missed: provision ``parsed.units[unit_index]``, in ``category``,
    carried by ``trigger_text`` (one or more passages of that provision, one per line).

    Raises ``ValueError`` with a message in Vietnamese when the input does not fit.
    """
    if not 0 <= unit_index < len(parsed.units):
        raise ValueError("Chưa chọn điều, khoản, điểm có rủi ro.")
    try:
        get_category(category)
    except KeyError:
        raise ValueError("Nhóm rủi ro không hợp lệ.") from None
    if severity not in (1, 2, 3):
        raise ValueError("Mức độ phải là 1, 2 hoặc 3.")
    unit = parsed.units[unit_index]
    unit_text = parsed.text[unit.start:unit.end]
    passages = [p.strip() for p in (trigger_text or "").splitlines() if p.strip()]
    if not passages:
        raise ValueError("Hãy chép nguyên văn đoạn chứa dấu hiệu rủi ro trong điều, khoản, điểm đã chọn.")
    triggers = []
    for p in passages:
        span = _find_trigger(unit_text, p)
        if span is None:
            raise ValueError(f"Không tìm thấy đoạn “{p}” trong {unit.label}; hãy chép nguyên văn từ văn bản.")
        triggers.append({"text": unit_text[span[0]:span[1]], "start": unit.start + span[0],
                         "end": unit.start + span[1]})
    raw = f"{doc_hash}|{unit.label}|{unit.start}|{category}|manual"
    fid = "m" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:15]
    return Decision(
        doc_hash=doc_hash, finding_id=fid, action="add", reviewer=reviewer, model_version=model_version,
        category=category, severity=severity, note=note or None, label=unit.label,
        unit_start=unit.start, unit_end=unit.end, text=unit_text, article_title=unit.article_title,
        doc_type=parsed.document.metadata.type, original_category=None, triggers=triggers)


def counts_by_status(items: list[ReviewedFinding]) -> dict[str, int]:
    out = {s: 0 for s in STATUSES}
    for it in items:
        out[it.status] += 1
    return out


def corpus_decisions(decisions: list[Decision]) -> list[dict]:
    """The final word of the reviewers on each finding, as the decision dicts that
    ``screener.review_export.decisions_to_corpus`` reads (one per finding decided).

    Confirmed: ``confirm`` (or ``change`` from the screener's category to the reviewers', or
    ``add`` for a risk a reviewer added); dismissed: ``dismiss`` of the screener's category (a
    hand-added risk later dismissed leaves nothing); reopened or never decided: nothing.
    """
    state: dict[tuple[str, str], dict] = {}
    for d in sorted(decisions, key=lambda d: (d.created_at, d.id or 0)):
        key = (d.doc_hash, d.finding_id)
        s = state.get(key)
        if s is None:
            manual = d.action == "add"
            s = {"manual": manual, "original": None if manual else (d.original_category or d.category),
                 "category": d.category if manual else (d.original_category or d.category),
                 "status": OPEN, "severity": None, "notes": [], "text": d.text, "article_title": d.article_title,
                 "doc_type": d.doc_type, "label": d.label, "triggers": [t["text"] for t in d.triggers],
                 "doc_hash": d.doc_hash}
            state[key] = s
        s["status"] = _ACTION_STATUS.get(d.action, s["status"])
        if d.category:
            s["category"] = d.category
        if d.severity:
            s["severity"] = int(d.severity)
        if d.note and d.note.strip():
            s["notes"].append(d.note.strip())
        s.update(reviewer=d.reviewer, decided_at=d.created_at, model_version=d.model_version)
        if d.text and not s["text"]:
            s["text"] = d.text
    out = []
    for s in state.values():
        if not s["text"] or not s["category"] or s["status"] == OPEN:
            continue
        if s["status"] == DISMISSED:
            if s["manual"] or not s["original"]:
                continue
            kind, category, new = "dismiss", s["original"], None
        elif s["manual"]:
            kind, category, new = "add", s["category"], None
        elif s["category"] != s["original"]:
            kind, category, new = "change", s["original"], s["category"]
        else:
            kind, category, new = "confirm", s["category"], None
        row = {"decision": kind, "text": s["text"], "article_title": s["article_title"], "doc_type": s["doc_type"],
               "category": category, "severity": s["severity"], "triggers": s["triggers"],
               "note": " ".join(s["notes"]) or None, "reviewer": s["reviewer"], "decided_at": s["decided_at"],
               "document_sha256": s["doc_hash"], "model_version": s["model_version"], "label": s["label"]}
        if new:
            row["new_category"] = new
        out.append(row)
    return out
