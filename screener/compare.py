"""Compare two versions of one draft: which risky provisions were added, removed or changed.

Provisions (the judged units: article lead-ins, khoản, điểm) are matched in four passes:

1. the same text (ignoring spacing, case and the leading "2." / "a)"), one to one, the
   same citation label first;
2. the same citation label with text similarity >= ``label_threshold``;
3. any remaining pair with similarity >= ``threshold`` (a provision moved or renumbered),
   best pairs first; candidates share a word trigram, so long drafts stay fast;
4. the rest: removed (old only) or added (new only).

Similarity is ``difflib.SequenceMatcher`` over words. A change is *risky* when either side
has a finding; the comparison reports the risk categories gained and lost.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from screener import ParsedDocument
from screener.findings import Finding

ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"
KIND_VI = {ADDED: "Bổ sung", REMOVED: "Bãi bỏ", CHANGED: "Sửa đổi", UNCHANGED: "Giữ nguyên"}

_ENUM = re.compile(r"^\s*(?:\d+[a-zđ]?\s*[.)]|[a-zđ]\d?\s*\)|[-+•])\s*", re.IGNORECASE)
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Side:
    label: str
    start: int
    end: int
    page: int
    text: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def categories(self) -> set[str]:
        return {f.category for f in self.findings}

    @property
    def max_severity(self) -> int:
        return max((f.severity for f in self.findings), default=0)


@dataclass
class ProvisionChange:
    kind: str  # ADDED, REMOVED, CHANGED, UNCHANGED
    old: Side | None
    new: Side | None
    similarity: float  # 1.0 for the same text, 0 for added/removed

    @property
    def risky(self) -> bool:
        return bool((self.old and self.old.findings) or (self.new and self.new.findings))

    @property
    def risks_added(self) -> list[str]:
        return sorted((self.new.categories if self.new else set()) - (self.old.categories if self.old else set()))

    @property
    def risks_removed(self) -> list[str]:
        return sorted((self.old.categories if self.old else set()) - (self.new.categories if self.new else set()))

    @property
    def label(self) -> str:
        if self.old and self.new and self.old.label != self.new.label:
            return f"{self.old.label} → {self.new.label}"
        return (self.new or self.old).label

    @property
    def renumbered(self) -> bool:
        return bool(self.old and self.new and self.old.label != self.new.label)


@dataclass
class Comparison:
    changes: list[ProvisionChange]  # every provision of both versions, in the new version's order

    def of_kind(self, kind: str, risky_only: bool = True) -> list[ProvisionChange]:
        return [c for c in self.changes if c.kind == kind and (c.risky or not risky_only)]

    @property
    def risky_changes(self) -> list[ProvisionChange]:
        """Added, removed or changed provisions with a finding on either side."""
        return [c for c in self.changes if c.kind != UNCHANGED and c.risky]

    def summary(self) -> dict:
        out = {}
        for kind in (ADDED, REMOVED, CHANGED, UNCHANGED):
            out[kind] = len(self.of_kind(kind, risky_only=False))
            out[f"{kind}_risky"] = len(self.of_kind(kind))
        out["risks_gained"] = sum(len(c.risks_added) for c in self.changes)
        out["risks_lost"] = sum(len(c.risks_removed) for c in self.changes)
        return out


def normalize(text: str) -> str:
    return " ".join(_ENUM.sub("", text, count=1).split()).lower()


def _words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


def similarity(a: str, b: str) -> float:
    """0..1, over words, ignoring spacing, case and the leading enumerator."""
    wa, wb = _words(a), _words(b)
    if not wa and not wb:
        return 1.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def _sides(parsed: ParsedDocument, findings: list[Finding]) -> list[Side]:
    by_unit = defaultdict(list)
    for f in findings:
        by_unit[(f.start, f.end)].append(f)
    return [Side(u.label, u.start, u.end, parsed.document.page_at(u.start), parsed.text[u.start:u.end],
                 by_unit.get((u.start, u.end), [])) for u in parsed.units]


def _trigrams(words: list[str]) -> set[tuple[str, ...]]:
    if len(words) < 3:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}


def compare_versions(old: ParsedDocument, new: ParsedDocument, old_findings: list[Finding] | None = None,
                     new_findings: list[Finding] | None = None, *, scorer=None, threshold: float = 0.6,
                     label_threshold: float = 0.35) -> Comparison:
    """Match the provisions of ``old`` and ``new`` and say what changed; findings not given
    are screened with ``scorer`` (default: ``screener.findings.screen``'s)."""
    if old_findings is None or new_findings is None:
        from screener.findings import screen

        old_findings = screen(old, scorer=scorer) if old_findings is None else old_findings
        new_findings = screen(new, scorer=scorer) if new_findings is None else new_findings
    olds, news = _sides(old, old_findings), _sides(new, new_findings)
    o_norm, n_norm = [normalize(s.text) for s in olds], [normalize(s.text) for s in news]
    match: dict[int, tuple[int, float]] = {}  # new index -> (old index, similarity)
    used_old: set[int] = set()

    # 1. same text, same label first
    by_text = defaultdict(list)
    for i, t in enumerate(o_norm):
        by_text[t].append(i)
    for prefer_label in (True, False):
        for j, t in enumerate(n_norm):
            if j in match:
                continue
            for i in by_text.get(t, []):
                if i not in used_old and (not prefer_label or olds[i].label == news[j].label):
                    match[j] = (i, 1.0)
                    used_old.add(i)
                    break

    o_words = [_WORD.findall(t) for t in o_norm]
    n_words = [_WORD.findall(t) for t in n_norm]

    def sim(i: int, j: int) -> float:
        if not o_words[i] and not n_words[j]:
            return 1.0
        return SequenceMatcher(None, o_words[i], n_words[j], autojunk=False).ratio()

    # 2. same label, similar enough
    old_by_label = defaultdict(list)
    for i, s in enumerate(olds):
        old_by_label[s.label].append(i)
    for j, s in enumerate(news):
        if j in match:
            continue
        for i in old_by_label.get(s.label, []):
            if i in used_old:
                continue
            r = sim(i, j)
            if r >= label_threshold:
                match[j] = (i, r)
                used_old.add(i)
                break

    # 3. moved or renumbered: best remaining pairs sharing a trigram
    index = defaultdict(set)
    for i, w in enumerate(o_words):
        if i not in used_old:
            for g in _trigrams(w):
                index[g].add(i)
    pairs = []
    for j, w in enumerate(n_words):
        if j in match:
            continue
        cands = set()
        for g in _trigrams(w):
            cands |= index.get(g, set())
        for i in cands:
            if i not in used_old:
                r = sim(i, j)
                if r >= threshold:
                    pairs.append((r, j, i))
    for r, j, i in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if j not in match and i not in used_old:
            match[j] = (i, r)
            used_old.add(i)

    # 4. assemble in the new version's order; a removed provision follows its old predecessor
    changes: list[tuple[float, ProvisionChange]] = []
    new_pos_of_old = {}
    for j, s in enumerate(news):
        if j in match:
            i, r = match[j]
            new_pos_of_old[i] = j
            kind = UNCHANGED if o_norm[i] == n_norm[j] else CHANGED
            changes.append((j, ProvisionChange(kind, olds[i], s, round(r, 3))))
        else:
            changes.append((j, ProvisionChange(ADDED, None, s, 0.0)))
    last = -1.0
    for i, s in enumerate(olds):
        if i in new_pos_of_old:
            last = new_pos_of_old[i]
        else:
            last += 1e-3
            changes.append((last, ProvisionChange(REMOVED, s, None, 0.0)))
    changes.sort(key=lambda p: p[0])
    return Comparison([c for _, c in changes])
