"""``detect``: a provision in, a :class:`Judgement` out.

1. The text is normalised for matching (NFC, tone marks; :mod:`screener.rules.normalize`),
   with a map back to the caller's offsets.
2. The rule pipeline (:func:`screener.rules.matcher.get_nlp`) finds trigger spans and context
   cues in the provision and in its article title.
3. Each trigger is judged in its context (:class:`screener.rules.matcher.Pattern`): dropped
   when it needs a state body and there is none, when a required cue is missing, when an
   excluding cue is present or when it is negated; damped (``block_factor``) when the power is
   bounded (criteria, deadline, reasons ...), and damped for article titles that are
   normally not flagged (definitions, scope, entry into force, criminal offences).
4. Per category, non-overlapping triggers are combined by noisy-or:
   ``1 - prod(1 - score)``. The provision is flagged when a category reaches
   :data:`THRESHOLD`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable, Mapping

from spacy.tokens import Doc, Span

from .context import Context, build_context
from .fast import rule_docs
from .matcher import TRIGGERS_KEY, Pattern, pattern_index
from .normalize import NormalizedText, normalize_for_matching
from .taxonomy import category_ids

__all__ = ["Trigger", "Judgement", "detect", "detect_many", "THRESHOLD", "RULES_VERSION"]

#: version of the rule set (patterns + context cues + scoring); bump on every change
RULES_VERSION = "2026.11.27"

#: a category is reported (and the provision flagged) at this score or above; tuned on the
#: corpus/real tuning set (benchmarks/rules_dev.py)
THRESHOLD = 0.35
#: weight of the k-th (0-based) non-overlapping trigger of a category in its noisy-or
COMBINE_DECAY = 0.5
#: scores in an article whose title is normally not flagged are multiplied by this
TITLE_EXEMPT_FACTOR = 0.4
#: criminal-offence articles ("Tội ...") are about sanctions, not discretionary advantage
TITLE_CRIME_FACTOR = 0.2


@dataclass(frozen=True)
class Trigger:
    text: str
    start: int
    end: int
    category: str
    rule: str
    severity: int
    score: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Judgement:
    flag: bool
    score: float
    severity: int | None
    categories: list[str]
    category_scores: dict[str, float]
    triggers: list[Trigger] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["triggers"] = [t.to_dict() for t in self.triggers]
        return d


@dataclass
class _Candidate:
    span: Span
    pattern: Pattern
    score: float


def _dedupe_spans(spans: Iterable[Span]) -> list[Span]:
    """Of the matches of one pattern, keep those that contain no other match of it
    (wildcard patterns match many nested variants; the tightest is the trigger)."""
    by_rule: dict[str, list[Span]] = {}
    for sp in spans:
        by_rule.setdefault(sp.id_, []).append(sp)
    out = []
    for rule_spans in by_rule.values():
        rule_spans.sort(key=lambda s: (s.end - s.start, s.start))
        kept: list[Span] = []
        for sp in rule_spans:
            if any(k.start >= sp.start and k.end <= sp.end for k in kept):
                continue
            kept.append(sp)
        out.extend(kept)
    return out


def _judge(p: Pattern, sp: Span, ctx: Context) -> float:
    if p.requires and not ctx.has_any(p.requires):
        return 0.0
    if p.excludes and ctx.has_any(p.excludes):
        return 0.0
    if p.negatable and ctx.negated(sp):
        return 0.0
    score = p.score
    if p.needs_authority and not ctx.authority:
        score *= p.no_authority_factor
        if score <= 0:
            return 0.0
    if p.blocked_by and ctx.has_any(p.blocked_by):
        score *= p.block_factor
    for cue, factor in p.damped_by:
        if ctx.has(cue):
            score *= factor
    if p.title_exempt_ok:
        pass
    elif ctx.has("TITLE_CRIME"):
        score *= TITLE_CRIME_FACTOR
    elif ctx.has("TITLE_EXEMPT"):
        score *= TITLE_EXEMPT_FACTOR
    return score


_INTEREST = {"selective_privilege", "agency_self_interest", "designated_provider"}


def _severity(cands: list[_Candidate], all_cands: list[_Candidate], ctx: Context) -> int:
    """Severity of a flagged provision from its reported triggers (``cands``) and context;
    ``all_cands`` (every trigger that survived its context rules) tells whether a narrow
    group is named."""
    sev = max(c.pattern.severity for c in cands)
    cats = {c.pattern.label for c in cands}
    # a permit or decision step with a deadline and reasons for refusal is routine
    if cats <= {"licensing_barrier", "missing_procedure"} and ctx.has("DEADLINE") \
            and ctx.has("REASONS"):
        return 1
    # benefit to a narrow group (units under the drafting agency) or money and mandatory
    # services flowing back to it: strong
    interest = [c for c in cands if c.pattern.label in _INTEREST]
    narrow = any(c.pattern.extra.get("narrow_group") for c in all_cands)
    if narrow and interest and len({c.span.start for c in interest} |
                                    {c.span.start for c in all_cands
                                     if c.pattern.extra.get("narrow_group")}) >= 2:
        return 3
    strong = {c.pattern.label for c in all_cands
              if c.pattern.label in _INTEREST and c.score >= THRESHOLD}
    if interest and len(strong) >= 2 and sev >= 2:
        return 3
    # open discretion over rights: authority, no criteria, no deadline
    if sev == 2 and "unbounded_discretion" in cats and ctx.authority \
            and not ctx.has_any(("CRITERIA", "DEADLINE", "CAP")):
        return 3 if any(c.pattern.extra.get("open_power") for c in cands) else 2
    return max(1, min(3, sev))


def _judgement(doc: Doc, norm: NormalizedText, title_doc: Doc | None) -> Judgement:
    ctx = build_context(doc, title_doc)
    pats = pattern_index()
    cands: list[_Candidate] = []
    found = doc.spans[TRIGGERS_KEY] if TRIGGERS_KEY in doc.spans else ()
    # a wildcard ("*") bridges at most the pattern's max_len tokens
    found = [sp for sp in found if len(sp) <= pats[sp.id_].extra.get("max_len", len(sp))]
    for sp in _dedupe_spans(found):
        p = pats[sp.id_]
        trim = int(p.extra.get("trim_end", 0))
        if trim and len(sp) > trim:  # a look-ahead token is a condition, not the trigger
            sp = doc[sp.start:sp.end - trim]
        s = _judge(p, sp, ctx)
        if s > 0:
            cands.append(_Candidate(sp, p, s))
    ids = category_ids()
    scores = {c: 0.0 for c in ids}
    accepted: dict[str, list[_Candidate]] = {c: [] for c in ids}
    for c in sorted(cands, key=lambda c: (-c.score, c.span.start)):
        acc = accepted[c.pattern.label]
        if any(a.span.start < c.span.end and c.span.start < a.span.end for a in acc):
            continue
        # noisy-or with diminishing weight: the k-th trigger of a category counts
        # COMBINE_DECAY**k (many weak words of one kind in a long clause are not many signals)
        weight = COMBINE_DECAY ** len(acc)
        acc.append(c)
        scores[c.pattern.label] = 1 - (1 - scores[c.pattern.label]) * (1 - weight * c.score)
    scores = {k: round(v, 4) for k, v in scores.items()}
    cats = [c for c in ids if scores[c] >= THRESHOLD]
    top = max(scores.values()) if scores else 0.0
    if not cats:
        return Judgement(False, top, None, [], scores, [])
    chosen = [c for cat in cats for c in accepted[cat]]
    # severity per reported category (a trigger carries its category's severity), and of the
    # provision: the highest
    cat_sev = {cat: _severity(accepted[cat], cands, ctx) for cat in cats}
    triggers = []
    for c in sorted(chosen, key=lambda c: (c.span.start_char, c.span.end_char)):
        start, end = norm.to_input(c.span.start_char, c.span.end_char)
        triggers.append(Trigger(norm.original[start:end], start, end, c.pattern.label,
                                c.pattern.id, cat_sev[c.pattern.label], round(c.score, 4)))
    return Judgement(True, top, max(cat_sev.values()), cats, scores, triggers)


def detect(text: str, article_title: str | None = None, doc_type: str | None = None) -> Judgement:
    """Judge one provision (a khoản, điểm or article lead-in) read with its article title.

    ``doc_type`` ("Luật", "Nghị định", "Thông tư", ...) is accepted for the API's sake; the
    rules do not use it yet.
    """
    return detect_many([(text, article_title, doc_type)])[0]


def _as_item(item) -> tuple[str, str | None, str | None]:
    if isinstance(item, str):
        return item, None, None
    if isinstance(item, Mapping):
        return (item.get("text") or "", item.get("article_title") or item.get("title"),
                item.get("doc_type"))
    t = tuple(item) + (None, None)
    return t[0] or "", t[1], t[2]


def detect_many(items: Iterable) -> list[Judgement]:
    """Judge many provisions at once (:func:`screener.rules.fast.rule_docs`). Items are strings, ``(text, title,
    doc_type)`` tuples or mappings with ``text`` / ``article_title`` / ``doc_type`` keys."""
    rows = [_as_item(it) for it in items]
    norms = [normalize_for_matching(t) for t, _, _ in rows]
    titles = sorted({normalize_for_matching(ti).text for _, ti, _ in rows if ti})
    title_docs = dict(zip(titles, rule_docs(titles)))
    out = []
    for (text, title, _), norm, doc in zip(rows, norms, rule_docs(n.text for n in norms)):
        tdoc = title_docs.get(normalize_for_matching(title).text) if title else None
        out.append(_judgement(doc, norm, tdoc))
    return out
