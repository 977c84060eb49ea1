"""Provision-level context: who holds the power, and what bounds it.

The cues come from ``screener/data/context.jsonl`` (``doc.spans["context"]``), found in the
provision and in its article title. Cue labels:

- ``AUTHORITY``: a state body or official ("cơ quan có thẩm quyền", "Bộ trưởng", "Ủy ban nhân
  dân", "Sở", "Cục", "Chủ tịch", "Thủ trưởng" ...).
- ``PRIVATE``: a private party as the subject ("các bên", "người lao động", "doanh nghiệp" ...);
  counts only at the head of the provision (after its number).
- ``CRITERIA``: criteria given or pointed to ("theo quy định tại khoản", "tiêu chí", "các điều
  kiện sau đây", a list lead-in).
- ``DEADLINE``: "trong thời hạn ... ngày", "chậm nhất", "ngày làm việc" ...
- ``REASONS``: "nêu rõ lý do", "trả lời bằng văn bản" ...
- ``RECUSAL``: a conflict-of-interest rule for a council.
- ``CAP``: a numeric limit ("tối đa", "không quá").
- ``NEGATION``: "không được", "không phải", "nghiêm cấm" ... (local: right before a trigger).
- ``ROUTINE_DELEGATION``: "Chính phủ quy định chi tiết", forms and templates.
- ``FEE_KEPT`` / ``BUDGET``: a fee kept by the collector vs. paid to the state budget.
- ``SUBMIT_UP``: a matter submitted up the hierarchy ("trình Chính phủ", "trình Thủ tướng").
- ``MEDICAL``: "chỉ định" in its medical sense ("chỉ định điều trị", "chống chỉ định").
- ``CIVIL_CAPACITY``: "năng lực hành vi/pháp luật dân sự" (a legal status, not a vague test).
- ``FEE``: a fee or charge is named in the provision.
- ``TITLE_EXEMPT``: article titles normally not flagged ("Giải thích từ ngữ", "Phạm vi điều
  chỉnh", "Đối tượng áp dụng", "Hiệu lực thi hành"); ``TITLE_CRIME``: "Tội ..." (title head).
- ``POST_LICENCE``: reissue, renewal, revocation or changes of an existing licence;
  ``STATE_INTERNAL``: plans, budgets, projects, appointments inside the state;
  ``DOSSIER_ITEM``: an item of a dossier list ("Bản sao ...", "Đơn đề nghị ...", at the head).
- ``TITLE_PRINCIPLE`` (principles, purposes, policies), ``TITLE_DOSSIER`` (dossiers),
  ``TITLE_FEE``, ``TITLE_LICENSING``, ``TITLE_CONDITIONS``: what the article is about.
- ``TITLE_*`` cues count only in the title; the others count in the text, and ``AUTHORITY``
  also in the title (the article "Trách nhiệm của Bộ Y tế" names who acts in its khoản).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from .matcher import CONTEXT_KEY

__all__ = ["Context", "build_context", "NEGATION_WINDOW"]

#: a negation cue ending at most this many tokens before a trigger negates it
NEGATION_WINDOW = 2
#: the subject of a provision is looked for in this many tokens after its number
SUBJECT_WINDOW = 3

_TITLE_ONLY_PREFIX = "TITLE_"
_HEAD_ONLY = {"PRIVATE", "TITLE_CRIME", "DOSSIER_ITEM"}


def _head_index(doc: Doc) -> int:
    """Index of the first token after a leading enumerator ("1.", "a)", "-", "*")."""
    i, n = 0, len(doc)
    while i < n:
        t = doc[i]
        if t.is_space or t.text in {"-", "+", "*", "•", ".", ")", "(", "#"}:
            i += 1
        elif (t.like_num or (len(t.text) <= 2 and t.text.isalpha() and t.text.islower()
                             and i + 1 < n and doc[i + 1].text in {")", "."})):
            i += 1
        else:
            break
    return i


@dataclass
class Context:
    text_cues: dict[str, list[Span]] = field(default_factory=dict)
    title_cues: dict[str, list[Span]] = field(default_factory=dict)

    def has(self, label: str) -> bool:
        if label.startswith(_TITLE_ONLY_PREFIX):
            return bool(self.title_cues.get(label))
        if label == "AUTHORITY":
            return bool(self.text_cues.get(label) or self.title_cues.get(label))
        return bool(self.text_cues.get(label))

    def has_any(self, labels) -> bool:
        return any(self.has(x) for x in labels)

    @property
    def authority(self) -> bool:
        """A state body or official is named in the provision or its title."""
        return self.has("AUTHORITY")

    @property
    def private_subject(self) -> bool:
        return bool(self.text_cues.get("PRIVATE"))

    def negated(self, span: Span) -> bool:
        for neg in self.text_cues.get("NEGATION", ()):
            if neg.end <= span.start and span.start - neg.end <= NEGATION_WINDOW:
                return True
            if neg.start <= span.start < neg.end:  # trigger inside the negation phrase
                return True
        return False


def _collect(doc: Doc | None, title: bool) -> dict[str, list[Span]]:
    out: dict[str, list[Span]] = {}
    if doc is None or CONTEXT_KEY not in doc.spans:
        return out
    head = _head_index(doc)
    for sp in doc.spans[CONTEXT_KEY]:
        label = sp.label_
        if label.startswith(_TITLE_ONLY_PREFIX) != title:
            if not (title and label == "AUTHORITY"):
                continue
        if label in _HEAD_ONLY and not (head <= sp.start <= head + SUBJECT_WINDOW):
            continue
        out.setdefault(label, []).append(sp)
    return out


def build_context(doc: Doc, title_doc: Doc | None = None) -> Context:
    return Context(_collect(doc, title=False), _collect(title_doc, title=True))
