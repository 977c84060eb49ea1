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

__all__ = ["FEATURES_VERSION", "RawFeatures", "extract", "extract_parallel", "as_items"]

#: bump when anything below changes what a model sees
FEATURES_VERSION = "1"

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


# ------------------------------------------------------------------ the rule pipeline, faster
# The rule pipeline (screener.rules.matcher.get_nlp) is a syllable tokenizer and two
# SpanRulers. A SpanRuler's token Matcher tries each of its ~170 token patterns at every token
# of every provision, which is most of the rules' time. ``rule_docs`` gives the same Docs
# (same spans, same order: the tests compare them with ``nlp.pipe``) but tries a token pattern
# only on a Doc that contains every literal token the pattern requires (a token without "OP"
# whose LOWER/ORTH is a string or an IN list). The phrase matchers run as they are.

_LITERAL_ATTRS = {"LOWER": "LOWER", "ORTH": "ORTH", "TEXT": "ORTH"}


def _required(pattern: list) -> list[tuple[str, frozenset]]:
    """(attribute, values): literal conditions that some token of a matching Doc must meet."""
    out = []
    for tok in pattern:
        if not isinstance(tok, dict) or tok.get("OP", tok.get("op")) not in (None, "1", "+"):
            continue
        for k, v in tok.items():
            attr = _LITERAL_ATTRS.get(str(k).upper())
            if attr is None:
                continue
            if isinstance(v, str):
                out.append((attr, frozenset([v])))
            elif isinstance(v, dict) and set(v) == {"IN"} and isinstance(v["IN"], list):
                out.append((attr, frozenset(v["IN"])))
    return out


class _FastRuler:
    """A SpanRuler's ``__call__`` with its token patterns pre-filtered per Doc."""

    def __init__(self, ruler):
        from spacy.matcher import Matcher

        strings = ruler.nlp.vocab.strings
        self.ruler = ruler
        self.n_patterns = len(ruler)
        self.matchers = []  # per token pattern: its own Matcher
        self.reqs = []  # per token pattern: [(attr index 0=ORTH 1=LOWER, frozenset of hashes)]
        self.always = []  # token patterns with no literal condition: tried on every Doc
        self.index: dict[tuple[int, int], list[int]] = {}  # (attr, hash) of a first condition
        for entry in ruler.patterns:
            pattern = entry["pattern"]
            if not isinstance(pattern, list):
                continue
            label = repr((entry["label"], entry.get("id", "")))
            m = Matcher(ruler.nlp.vocab, validate=False)
            m.add(label, [pattern])
            k = len(self.matchers)
            self.matchers.append(m)
            reqs = [(1 if attr == "LOWER" else 0, frozenset(strings.add(x) for x in vals))
                    for attr, vals in _required(pattern)]
            self.reqs.append(reqs)
            if not reqs:
                self.always.append(k)
                continue
            # index by the condition with the fewest values (usually one rare syllable)
            a, hashes = min(reqs, key=lambda r: len(r[1]))
            for h in hashes:
                self.index.setdefault((a, h), []).append(k)

    def candidates(self, doc) -> list[int]:
        from spacy.attrs import LOWER, ORTH

        arr = doc.to_array([ORTH, LOWER])
        present = (set(arr[:, 0].tolist()), set(arr[:, 1].tolist())) if len(arr) else (set(), set())
        found = set(self.always)
        index = self.index
        for a in (0, 1):
            for h in present[a]:
                ks = index.get((a, h))
                if ks:
                    found.update(ks)
        return sorted(k for k in found
                      if all(not present[a].isdisjoint(hs) for a, hs in self.reqs[k]))

    def __call__(self, doc):
        from spacy.tokens import Span

        r = self.ruler
        matches = [m for k in self.candidates(doc) for m in self.matchers[k](doc)]
        matches += list(r.phrase_matcher(doc))
        labels = r._match_label_id_map
        spans = sorted(set(Span(doc, start, end, label=labels[m_id]["label"], span_id=labels[m_id]["id"])
                           for m_id, start, end in matches if start != end))
        # SpanRuler.set_annotations with its defaults (overwrite, no filter, no entities)
        doc.spans[r.key] = spans
        return doc


_fast: dict[int, tuple] = {}


def _fast_pipeline(nlp):
    """The pipeline's components, with SpanRulers replaced by :class:`_FastRuler` (built once
    per pipeline; rebuilt when a ruler's patterns change)."""
    from spacy.pipeline import SpanRuler

    key = id(nlp)
    cached = _fast.get(key)
    sig = tuple((name, len(pipe) if isinstance(pipe, SpanRuler) else -1) for name, pipe in nlp.pipeline)
    if cached is None or cached[0] is not nlp or cached[1] != sig:
        comps = []
        for name, pipe in nlp.pipeline:
            ok = (isinstance(pipe, SpanRuler) and pipe.key and not pipe.annotate_ents
                  and pipe.spans_filter is None and pipe.overwrite)
            comps.append(_FastRuler(pipe) if ok else pipe)
        cached = (nlp, sig, comps)
        _fast[key] = cached
    return cached[2]


def rule_docs(texts: Iterable[str], nlp=None):
    """The rule pipeline's Docs of ``texts``: the same as ``nlp.pipe(texts)`` (the pipeline of
    :func:`screener.rules.get_nlp` by default), faster."""
    if nlp is None:
        from screener.rules import get_nlp

        nlp = get_nlp()
    comps = _fast_pipeline(nlp)
    for text in texts:
        doc = nlp.make_doc(text)
        for comp in comps:
            doc = comp(doc)
        yield doc


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
        f[f"dt:{(doc_type or '?').strip().lower()}"] = 1.0
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
