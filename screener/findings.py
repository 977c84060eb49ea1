"""Findings: one per (judged unit, category), each explainable on its own.

A finding carries where it sits (citation label, path of enclosing provisions, pages), what
it is (category, severity, score), why (trigger spans with offsets into the canonical text,
the reason, the reviewer's question, a suggested fix) and who said so (rule ids, model).
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Callable, Sequence

from screener import ParsedDocument
from screener.structure import Unit

if TYPE_CHECKING:  # the rules (spaCy) are imported when a document is screened, not here
    from screener.rules import Judgement


@dataclass(frozen=True)
class FindingTrigger:
    text: str
    start: int  # offsets into the canonical document text
    end: int
    category: str
    rule: str


@dataclass
class Finding:
    id: str
    label: str  # "điểm a khoản 2 Điều 5"
    path: list[str]  # enclosing provisions, outermost first
    page_start: int
    page_end: int
    article_title: str | None
    chapter: str | None
    category: str
    category_name: str
    severity: int
    score: float
    start: int  # the judged unit in the canonical text
    end: int
    text: str
    triggers: list[FindingTrigger]
    reason: str
    question: str
    suggested_fix: str
    sources: list[str] = field(default_factory=list)

    @property
    def page_label(self) -> str:
        return f"trang {self.page_start}" + (f"-{self.page_end}" if self.page_end != self.page_start else "")

    def to_dict(self) -> dict:
        return asdict(self)


#: judges many (text, article_title, doc_type) items at once; the rules, or rules + model
Scorer = Callable[[Sequence[tuple[str, "str | None", "str | None"]]], "list[Judgement]"]


def rules_scorer(items):
    from screener.rules import detect_many

    return detect_many(items)


def default_scorer() -> Scorer:
    """The shipped scorer: rules + the active model (``models/CURRENT``; see
    :mod:`screener.classifier.scorer`), whose judgements carry a ``model`` attribute; the
    rules alone, with a warning on stderr, when no model is installed."""
    _import_model_format_first()
    from screener.classifier.scorer import load_default_scorer

    return load_default_scorer()


def _import_model_format_first() -> None:
    """Import skops (the model file format) before spaCy when neither is imported yet.

    On its first import skops looks up the module of each numpy/scipy ufunc by scanning
    ``sys.modules``; after spaCy, thinc and their dependencies are loaded that scan takes
    about 1.3 s longer (CPU). Start-up order only: nothing else changes.
    """
    if "skops.io" in sys.modules or "spacy" in sys.modules:
        return
    try:
        import skops.io  # noqa: F401
    except ImportError:  # the rules alone still work
        pass


def _path(parsed: ParsedDocument, unit: Unit) -> list[str]:
    out, i = [], unit.provision
    while i is not None:
        out.append(parsed.provisions[i].label)
        i = parsed.provisions[i].parent
    return list(reversed(out))


def _finding_id(doc_key: str, unit: Unit, category: str) -> str:
    raw = f"{doc_key}|{unit.label}|{unit.start}|{category}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def screen(parsed: ParsedDocument, scorer: Scorer | None = None, min_score: float = 0.0) -> list[Finding]:
    """Judge every unit of ``parsed`` and return its findings, highest score first."""
    from screener.rules import get_category

    scorer = scorer or default_scorer()
    text = parsed.text
    doc_type = parsed.document.metadata.type
    items = [(text[u.start:u.end], u.article_title, doc_type) for u in parsed.units]
    judgements = scorer(items) if items else []
    doc_key = hashlib.sha1(text.encode("utf-8")).hexdigest()
    findings = []
    for unit, judgement in zip(parsed.units, judgements):
        for category in judgement.categories:
            score = judgement.category_scores.get(category, judgement.score)
            if score < min_score:
                continue
            triggers = [FindingTrigger(t.text, unit.start + t.start, unit.start + t.end, t.category, t.rule)
                        for t in judgement.triggers if t.category == category]
            cat = get_category(category)
            severity = max([t.severity for t in judgement.triggers if t.category == category]
                           or [judgement.severity or 1])
            first = triggers[0].text if triggers else text[unit.start:unit.end][:60]
            findings.append(Finding(
                id=_finding_id(doc_key, unit, category), label=unit.label, path=_path(parsed, unit),
                page_start=parsed.document.page_at(unit.start),
                page_end=parsed.document.page_at(max(unit.start, unit.end - 1)),
                article_title=unit.article_title, chapter=unit.chapter, category=category,
                category_name=cat.name_vi, severity=severity,
                score=round(score, 4), start=unit.start, end=unit.end,
                text=text[unit.start:unit.end], triggers=triggers, reason=cat.reason_for(first),
                question=cat.reviewer_question, suggested_fix=cat.suggested_fix,
                sources=sorted({f"rule:{t.rule}" for t in triggers} | _model_sources(judgement)),
            ))
    findings.sort(key=lambda f: (-f.score, -f.severity, f.start))
    return findings


def _model_sources(judgement: Judgement) -> set[str]:
    model = getattr(judgement, "model", None)
    return {f"model:{model}"} if model else set()
