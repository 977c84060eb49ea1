"""The screener's spaCy pipeline: Vietnamese, underthesea-segmented, with the provision tree.

Language class: spaCy's own ``Vietnamese`` (lang "vi"), built from a config whose
``[nlp.tokenizer]`` names :data:`~screener.nlp.tokenizer.TOKENIZER_NAME`. ``spacy.blank("vi")``
would build the default tokenizer, which imports pyvi (not installed); with the tokenizer
replaced in the config, pyvi is never touched, and we keep what "vi" brings: Vietnamese
stop words (``is_stop``), ``like_num`` for number words ("hai", "mười") and ``doc.lang_ == "vi"``.
The saved config.cfg names only spaCy's "vi" and our two registered functions (the tokenizer
and the ``screener_provisions`` factory), and the tokenizer has no data of its own, so
``spacy.load(path)`` works in any process that has imported ``screener.nlp`` first. A custom
Language subclass would need the same import and add a non-standard language code.
"""

from __future__ import annotations

import threading
from typing import Any, Iterable, Mapping

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup
from spacy.util import get_lang_class

from .tokenizer import TOKENIZER_NAME

__all__ = [
    "PROVISIONS_FACTORY",
    "PROVISIONS_KEY",
    "MAX_LENGTH",
    "ProvisionsComponent",
    "make_pipeline",
    "get_pipeline",
    "to_doc",
]

PROVISIONS_FACTORY = "screener_provisions"
#: key of the span group in ``doc.spans`` and of the input in ``doc.user_data``
PROVISIONS_KEY = "provisions"
#: characters; spaCy's default (1,000,000) guards models with big memory needs per token,
#: this pipeline has none (the longest law in shared/ is about 550,000 characters)
MAX_LENGTH = 10_000_000


def _citation(span: Span) -> str | None:
    return span.id_ or None


# The citation ("điểm a khoản 2 Điều 5") is stored as the span's own ``id_``, so it travels
# with the span (span groups serialise it) and two provisions with the same offsets cannot
# overwrite each other, as values kept in doc.user_data by offsets would.
if not Span.has_extension("citation"):
    Span.set_extension("citation", getter=_citation)


def _field(provision: Any, name: str) -> Any:
    if isinstance(provision, Mapping):
        return provision.get(name)
    return getattr(provision, name, None)


class ProvisionsComponent:
    """Builds ``doc.spans["provisions"]`` from ``doc.user_data["provisions"]``.

    Each provision (a dict or an object) has ``start`` and ``end`` (character offsets into
    ``doc.text``), ``kind`` ("article", "clause", ...; becomes ``span.label_``) and ``label``
    (the citation; becomes ``span._.citation`` and ``span.id_``). Offsets are expanded to
    token boundaries; provisions that are empty or outside the text are left out. Spans are
    ordered by start, a parent before the provisions inside it.
    """

    def __init__(self, nlp: Language, name: str = PROVISIONS_FACTORY):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        provisions: Iterable[Any] = doc.user_data.get(PROVISIONS_KEY) or ()
        n = len(doc.text)
        spans = []
        for p in provisions:
            start, end = _field(p, "start"), _field(p, "end")
            if start is None or end is None:
                continue
            start, end = max(0, int(start)), min(n, int(end))
            if start >= end:
                continue
            kind = _field(p, "kind")
            label = _field(p, "label")
            span = doc.char_span(
                start,
                end,
                label=str(kind) if kind else 0,
                alignment_mode="expand",
                span_id=str(label) if label else 0,
            )
            if span is not None:
                spans.append(span)
        spans.sort(key=lambda s: (s.start_char, -s.end_char))
        doc.spans[PROVISIONS_KEY] = SpanGroup(doc, name=PROVISIONS_KEY, spans=spans)
        return doc


@Language.factory(PROVISIONS_FACTORY)
def make_provisions_component(nlp: Language, name: str) -> ProvisionsComponent:
    return ProvisionsComponent(nlp, name)


def make_pipeline() -> Language:
    """A new pipeline: the underthesea tokenizer, then ``screener_provisions``."""
    config = {"nlp": {"tokenizer": {"@tokenizers": TOKENIZER_NAME}}}
    nlp = get_lang_class("vi").from_config(config)
    nlp.add_pipe(PROVISIONS_FACTORY)
    nlp.max_length = MAX_LENGTH
    return nlp


_pipeline: Language | None = None
_lock = threading.Lock()


def get_pipeline() -> Language:
    """The process's shared pipeline, built on first use."""
    global _pipeline
    if _pipeline is None:
        with _lock:
            if _pipeline is None:
                _pipeline = make_pipeline()
    return _pipeline


def to_doc(text: str, provisions: Iterable[Any] = (), nlp: Language | None = None) -> Doc:
    """Run the pipeline over ``text`` with its provisions (see :class:`ProvisionsComponent`)."""
    nlp = nlp or get_pipeline()
    doc = nlp.make_doc(text)
    doc.user_data[PROVISIONS_KEY] = list(provisions)
    return nlp(doc)
