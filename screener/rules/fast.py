"""The rule pipeline, faster: the same Docs as ``nlp.pipe``, for every caller of the rules.

The rule pipeline (:func:`screener.rules.matcher.get_nlp`) is a syllable tokenizer and two
SpanRulers. A SpanRuler's token Matcher tries each of its ~170 token patterns at every token
of every provision, which is most of the rules' time. :func:`rule_docs` gives the same Docs
(same spans, same order: tests/test_batch.py compares them with ``nlp.pipe``) but tries a
token pattern only on a Doc that contains every literal token the pattern requires (a token
without "OP" whose LOWER/ORTH is a string or an IN list). The phrase matchers run as they are.
"""

from __future__ import annotations

from typing import Iterable

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
        from .matcher import get_nlp

        nlp = get_nlp()
    comps = _fast_pipeline(nlp)
    for text in texts:
        doc = nlp.make_doc(text)
        for comp in comps:
            doc = comp(doc)
        yield doc
