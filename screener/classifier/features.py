"""Text to features: the one function shared by training and inference.

:func:`extract` turns ``(text, article_title, doc_type)`` items into :class:`RawFeatures`:

- ``words``: the provision, normalised (NFC, one tone-mark convention; the rules'
  :func:`screener.rules.normalize_for_matching`), lower-cased and word-segmented by underthesea
  (:func:`screener.nlp.segmented_text`: "cơ_quan nhà_nước") -- for word n-grams. The text is
  segmented *before* the vectoriser (no ``tokenizer=`` callable inside the model), so the
  saved model holds only scikit-learn types that skops can load as trusted.
- ``chars``: the normalised lower-cased text with its leading enumerator ("2.", "a)")
  removed -- for character n-grams.
- ``titles``: the article title, segmented the same way.
- ``rules``: a dict of rule features per item from :mod:`screener.rules` -- the nine category
  scores after context, per category the number of triggers found before and after the
  context rules, which patterns fired, the context cues of the provision and of its title
  (who holds the power, criteria, deadline, reasons, negation, cap, fees, routine
  delegation ...), the document type and the length.
- ``judgements``: the rules' :class:`screener.rules.Judgement` of each item (the combined
  scorer reports its triggers, so the rules run once).
"""

from __future__ import annotations

import math
import os
import re
import time
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from screener.rules import Judgement, category_ids, normalize_for_matching
from screener.rules.fast import rule_docs

__all__ = ["FEATURES_VERSION", "RawFeatures", "extract", "extract_parallel", "as_items"]

#: bump when anything below changes what a model sees
FEATURES_VERSION = "2"

#: the clock of ``extract(..., timings=)`` (benchmarks/perf.py sets ``time.process_time``)
timer = time.perf_counter

_ENUM = re.compile(r"^\s*(?:[0-9]+(?:\.[0-9]+)*[.)]?|[a-zđ][0-9]?\)|[-+*•])\s*", re.IGNORECASE)


@dataclass
class RawFeatures:
    words: list[str] = field(default_factory=list)
    chars: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    rules: list[dict] = field(default_factory=list)
    judgements: list[Judgement] = field(default_factory=list)
    #: per item, category -> the spans (input offsets, sorted) its rule patterns matched
    #: before the context rules: where the combined scorer points when only the model reports
    #: a category (not a feature; empty when unknown)
    raw_spans: list[dict] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.words)

    def subset(self, idx: Sequence[int]) -> "RawFeatures":
        raw = [self.raw_spans[i] for i in idx] if len(self.raw_spans) == len(self.words) else []
        return RawFeatures([self.words[i] for i in idx], [self.chars[i] for i in idx],
                           [self.titles[i] for i in idx], [self.rules[i] for i in idx],
                           [self.judgements[i] for i in idx], raw)

    def __add__(self, other: "RawFeatures") -> "RawFeatures":
        both = len(self.raw_spans) == len(self.words) and len(other.raw_spans) == len(other.words)
        return RawFeatures(self.words + other.words, self.chars + other.chars,
                           self.titles + other.titles, self.rules + other.rules,
                           self.judgements + other.judgements,
                           self.raw_spans + other.raw_spans if both else [])


def as_items(items: Iterable) -> list[tuple[str, str | None, str | None]]:
    out = []
    for it in items:
        if isinstance(it, str):
            out.append((it, None, None))
        elif isinstance(it, dict):
            out.append((it.get("text") or "", it.get("article_title") or it.get("title"), it.get("doc_type")))
        elif hasattr(it, "text") and hasattr(it, "article_title"):
            out.append((it.text, it.article_title, getattr(it, "doc_type", None)))
        else:
            t = tuple(it) + (None, None)
            out.append((t[0] or "", t[1], t[2]))
    return out


def _segment(text: str) -> str:
    from screener.nlp import segmented_text

    if not text or not text.strip():
        return ""
    return segmented_text(text).lower()


def _base_type(doc_type: str | None) -> str:
    """The document type without "(dự thảo)": a draft is judged like the enacted text it will
    become (dev's drafts come from three documents, too few to learn a draft effect from)."""
    return re.sub(r"\s*\(\s*dự thảo\s*\)", "", (doc_type or "?").strip().lower()) or "?"


def _rule_features(items, judgements_out: list, norms: list | None = None,
                   title_norms: dict[str, str] | None = None,
                   raw_out: list | None = None) -> list[dict]:
    """Run the rule pipeline once: the rules' judgement and the rule features of each item.
    ``norms`` / ``title_norms``: the items' :func:`normalize_for_matching` and their titles'
    normalised text, when the caller has them already."""
    from screener.rules import engine
    from screener.rules.context import build_context
    from screener.rules.matcher import TRIGGERS_KEY, pattern_index

    pats = pattern_index()
    cats = category_ids()
    if norms is None:
        norms = [normalize_for_matching(t) for t, _, _ in items]
    if title_norms is None:
        title_norms = {ti: normalize_for_matching(ti).text for ti in {ti for _, ti, _ in items if ti}}
    titles = sorted(set(title_norms.values()))
    title_docs = dict(zip(titles, rule_docs(titles)))
    feats = []
    for (text, title, doc_type), norm, doc in zip(items, norms, rule_docs(n.text for n in norms)):
        tdoc = title_docs.get(title_norms[title]) if title else None
        j = engine._judgement(doc, norm, tdoc)
        judgements_out.append(j)
        ctx = build_context(doc, tdoc)
        f: dict[str, float] = {}
        for c in cats:
            s = float(j.category_scores.get(c, 0.0))
            if s:
                f[f"rs:{c}"] = s
        top = max(j.category_scores.values()) if j.category_scores else 0.0
        f["rmax"] = float(top)
        f["rflag"] = float(j.flag)
        f["rncat"] = float(len(j.categories))
        raw = doc.spans[TRIGGERS_KEY] if TRIGGERS_KEY in doc.spans else ()
        if raw_out is not None:
            by_cat: dict[str, set] = {}
            for sp in raw:
                by_cat.setdefault(sp.label_, set()).add(norm.to_input(sp.start_char, sp.end_char))
            raw_out.append({c: sorted(v) for c, v in by_cat.items()})
        n_raw: dict[str, int] = {}
        n_ok: dict[str, int] = {}
        for sp in raw:
            p = pats.get(sp.id_)
            if p is None:
                continue
            n_raw[p.label] = n_raw.get(p.label, 0) + 1
            f[f"rp:{p.id}"] = 1.0
            s = engine._judge(p, sp, ctx)
            if s > 0:
                n_ok[p.label] = n_ok.get(p.label, 0) + 1
                f[f"ra:{p.id}"] = max(f.get(f"ra:{p.id}", 0.0), float(s))
        for c, k in n_raw.items():
            f[f"rn:{c}"] = math.log1p(k)
        for c, k in n_ok.items():
            f[f"rk:{c}"] = math.log1p(k)
        for label, spans in ctx.text_cues.items():
            if spans:
                f[f"cue:{label}"] = 1.0
        for label, spans in ctx.title_cues.items():
            if spans:
                f[f"tcue:{label}"] = 1.0
        if ctx.authority:
            f["authority"] = 1.0
        if ctx.private_subject:
            f["private"] = 1.0
        f[f"dt:{_base_type(doc_type)}"] = 1.0
        f["len"] = math.log1p(len(text)) / 7.0
        if not title:
            f["no_title"] = 1.0
        feats.append(f)
    return feats


def extract(items: Iterable, timings: dict | None = None) -> RawFeatures:
    """Features of ``items`` (strings, ``(text, article_title, doc_type)`` tuples, dicts or
    :class:`screener.corpus.Example`).

    Each text is normalised once, run through the rules once and word-segmented once (each
    distinct title once). ``timings``: a dict to which the seconds of ``normalisation``,
    ``rules``, ``tokenization`` (underthesea) and ``features`` (the rest) are added."""
    perf_counter = timer
    t0 = perf_counter()
    rows = as_items(items)
    norms = [normalize_for_matching(t) for t, _, _ in rows]
    title_norms = {ti: normalize_for_matching(ti).text for ti in {ti for _, ti, _ in rows if ti}}
    t1 = perf_counter()
    judgements: list[Judgement] = []
    raw_spans: list[dict] = []
    rules = _rule_features(rows, judgements, norms, title_norms, raw_spans)
    t2 = perf_counter()
    words = [_segment(n.text) for n in norms]
    title_words = {ti: _segment(tn) for ti, tn in title_norms.items()}
    t3 = perf_counter()
    chars = [" " + _ENUM.sub("", n.text.lower(), count=1).strip() + " " for n in norms]
    titles = [title_words[title] if title else "" for _, title, _ in rows]
    if timings is not None:
        for k, v in (("normalisation", t1 - t0), ("rules", t2 - t1), ("tokenization", t3 - t2),
                     ("features", perf_counter() - t3)):
            timings[k] = timings.get(k, 0.0) + v
    return RawFeatures(words, chars, titles, rules, judgements, raw_spans)


def _extract_chunk(rows):
    return extract(rows)


def extract_parallel(items: Iterable, workers: int | None = None, min_chunk: int = 400) -> RawFeatures:
    """:func:`extract` over several processes (training: segmentation and the rules cost
    about 11 ms per provision on one core). Same result as :func:`extract`."""
    rows = as_items(items)
    workers = workers or min(4, os.cpu_count() or 1)  # one process per core
    if workers <= 1 or len(rows) < 2 * min_chunk:
        return extract(rows)
    import multiprocessing as mp

    n = workers * 2
    size = math.ceil(len(rows) / n)
    chunks = [rows[i:i + size] for i in range(0, len(rows), size)]
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    with ctx.Pool(workers) as pool:
        parts = pool.map(_extract_chunk, chunks)
    out = RawFeatures()
    for p in parts:
        out = out + p
    return out
