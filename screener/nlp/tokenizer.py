"""Vietnamese word segmentation aligned to the original text, and the spaCy tokenizer built on it.

underthesea's ``word_tokenize`` returns *strings* (syllables of a word joined by one space),
NFC-normalised and with old-style tone marks rewritten ("hoà" -> "hòa", "Uỷ" -> "Ủy"). Those
strings no longer index the caller's text, so everything here works with character offsets:

* :func:`segment` calls ``word_tokenize`` once per line and aligns every syllable back to the
  text in one left-to-right pass (linear: the next syllable is expected at the next non-space
  character, as written or as the word there that underthesea's tone-mark table rewrites to
  it). Input that underthesea's character normalisation changes (NFD, "ð") is aligned through
  an offset map; anything that still cannot be found is split on whitespace instead. It never
  raises for any ``str`` and never loses a character.
  Tone-mark normalisation is left on (underthesea's default) because the CRF segments
  normalised syllables better and consistently: "Uỷ ban ... hoà giải thuỷ lợi" gets the same
  words as "Ủy ban ... hòa giải thủy lợi", and the call is exactly the baseline
  ``word_tokenize(line)`` of the speed budget.
* :func:`segmented_text` is the "cơ_quan nhà_nước" form for scikit-learn, from the same spans.
* :class:`ScreenerTokenizer` turns the spans into a ``Doc`` whose ``doc.text`` is the input,
  character for character; a multi-syllable word is one token ("cơ quan"), the single space
  after a word is its ``whitespace_`` and any other whitespace (newlines, tabs, runs of
  spaces, NBSP) becomes whitespace tokens, as spaCy's own tokenizer does.

Why line by line: on the first five laws of shared/data/laws.jsonl.gz, ``word_tokenize`` over
each line takes about half the time of one call over the whole text (the CRF featuriser and
tagger slow down on very long sequences) and it never joins words across a line break
("BỘ LUẬT\\nHÌNH SỰ" is two words, not "BỘ LUẬT HÌNH SỰ").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable, Iterable

from spacy.attrs import NORM
from spacy.tokens import Doc
from spacy.util import DummyTokenizer, registry
from spacy.vocab import Vocab

__all__ = [
    "TOKENIZER_NAME",
    "ScreenerTokenizer",
    "create_tokenizer",
    "segment",
    "segmented_text",
    "words",
    "vi_norm",
]

#: name under which the tokenizer is in spaCy's registry (and in a saved pipeline's config.cfg)
TOKENIZER_NAME = "screener.vi_tokenizer.v1"

Span = tuple[int, int]

# A "line": a maximal run of characters that str.splitlines() would not break on. underthesea
# treats all of those separators as whitespace, so nothing is lost between lines.
_LINE = re.compile(r"[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
_NONSPACE = re.compile(r"\S")
_NONSPACE_RUN = re.compile(r"\S+")
_WORD = re.compile(r"\w+")
# how far ahead (characters) to look for a syllable that is not where it is expected
_RESYNC_WINDOW = 64

_backend: tuple[Callable, Callable[[str], str], dict[str, str]] | None = None


def _get_backend() -> tuple[Callable, Callable[[str], str], dict[str, str]]:
    """underthesea's word_tokenize, its character normaliser and its token (tone-mark)
    normalisation table, imported on first use.

    Importing underthesea takes about two seconds; ``import screener.nlp`` (needed only to
    register the tokenizer for ``spacy.load``) should not pay for it.
    """
    global _backend
    if _backend is None:
        from underthesea.pipeline.word_tokenize import word_tokenize

        try:  # the exact normalisation word_tokenize applies before its regex tokeniser
            from underthesea.pipeline.text_normalize.character_normalize import (
                normalize_characters_in_text as normalize,
            )
        except ImportError:  # pragma: no cover - other underthesea versions

            def normalize(text: str) -> str:
                return unicodedata.normalize("NFC", text)

        try:
            from underthesea.pipeline.text_normalize.text_normalizer import token_map
        except ImportError:  # pragma: no cover - other underthesea versions
            token_map = {}
        _backend = (word_tokenize, normalize, token_map)
    return _backend


_token_map: dict[str, str] | None = None


def _get_token_map() -> dict[str, str]:
    global _token_map
    if _token_map is None:
        _token_map = {k.lower(): v.lower() for k, v in _get_backend()[2].items()}
    return _token_map


def _whitespace_split(text: str, start: int, end: int, out: list[Span]) -> None:
    for m in _NONSPACE_RUN.finditer(text, start, end):
        out.append(m.span())


def _align(norm: str, words: Iterable[str], out: list[Span], token_map: dict[str, str]) -> None:
    """Append the span in ``norm`` of each word in ``words`` (underthesea's output for ``norm``).

    A syllable is expected at the next non-space character, as written or as the word there
    that underthesea's ``token_map`` rewrites to it ("hoà" -> "hòa"). Every non-space
    character of ``norm`` ends up in exactly one span.
    """
    n = len(norm)
    pos = 0  # end of the last syllable consumed
    for word in words:
        ws = -1  # start of the current word, -1 when none of its syllables was found yet
        we = -1
        for syl in word.split(" "):
            if not syl:
                continue
            length = len(syl)
            if norm.startswith(syl, pos):  # glued to the previous one ("hòa" ",")
                s = pos
            else:
                m = _NONSPACE.search(norm, pos)
                s = m.start() if m else n
                if not norm.startswith(syl, s):
                    m = _WORD.match(norm, s)
                    if m is not None and token_map.get(m.group()) == syl:
                        length = m.end() - s  # a word underthesea re-spelt ("hoà")
                    else:
                        # rewritten in some other way: look a little further ahead, and
                        # split what was skipped on whitespace
                        s = norm.find(syl, s, s + _RESYNC_WINDOW + length)
                        if s < 0:
                            continue  # dropped; its characters are covered later
                        if ws >= 0:
                            out.append((ws, we))
                            ws = -1
                        _whitespace_split(norm, pos, s, out)
            if ws < 0:
                ws = s
            we = pos = s + length
        if ws >= 0:
            out.append((ws, we))
    _whitespace_split(norm, pos, n, out)


def _offset_map(line: str, norm: str, normalize: Callable[[str], str]):
    """For a line that normalisation changes: per character of ``norm``, its start and end in
    ``line``; None when the change cannot be attributed to base-plus-combining-marks clusters."""
    starts: list[int] = []
    ends: list[int] = []
    pieces: list[str] = []
    combining = unicodedata.combining
    i = 0
    n = len(line)
    while i < n:
        j = i + 1
        if not line[i].isspace():  # marks after a space are a cluster of their own
            while j < n and combining(line[j]):
                j += 1
        cluster = line[i:j]
        normed = normalize(cluster)
        if normed == cluster:
            starts.extend(range(i, j))
            ends.extend(range(i + 1, j + 1))
        else:
            starts.extend([i] * len(normed))
            ends.extend([j] * len(normed))
        pieces.append(normed)
        i = j
    if "".join(pieces) != norm:
        return None
    return starts, ends


def _segment_line(line: str, base: int, out: list[Span]) -> None:
    word_tokenize, normalize, token_map = _get_backend()
    try:
        tokens = word_tokenize(line)
        norm = normalize(line)
    except Exception:  # noqa: BLE001 - a tokenizer must not fail on odd input
        spans: list[Span] = []
        _whitespace_split(line, 0, len(line), spans)
        out.extend((s + base, e + base) for s, e in spans)
        return
    if norm == line:
        if base:
            spans = []
            _align(line, tokens, spans, token_map)
            out.extend((s + base, e + base) for s, e in spans)
        else:
            _align(line, tokens, out, token_map)
        return
    spans = []
    maps = _offset_map(line, norm, normalize)
    if maps is None:
        _whitespace_split(line, 0, len(line), spans)
        out.extend((s + base, e + base) for s, e in spans)
        return
    _align(norm, tokens, spans, token_map)
    starts, ends = maps
    last = len(out)  # spans of this line only are merged below
    for s, e in spans:
        s, e = starts[s] + base, ends[e - 1] + base
        if len(out) > last and s < out[-1][1]:  # boundary inside one changed cluster
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))


def segment(text: str) -> list[Span]:
    """Word spans of ``text`` as ``(start, end)`` character offsets, in order.

    Spans do not overlap, never start or end on whitespace, and together cover every
    non-whitespace character of ``text``. A multi-syllable word ("cơ quan nhà nước" ->
    "cơ quan", "nhà nước") is one span that contains the space(s) between its syllables.
    """
    out: list[Span] = []
    for m in _LINE.finditer(text):
        line = m.group()
        if not line.isspace():
            _segment_line(line, m.start(), out)
    return out


def words(text: str) -> list[str]:
    """The words of ``text`` as they are written in it (``text[start:end]`` of each span)."""
    return [text[s:e] for s, e in segment(text)]


def segmented_text(text: str, spans: list[Span] | None = None) -> str:
    """``text`` as underthesea's ``format="text"``: syllables of a word joined by "_", words
    by one space ("cơ_quan nhà_nước ban_hành"). The input form for a scikit-learn vectoriser.

    Characters are kept as written (no case or tone-mark normalisation). Pass ``spans`` from
    :func:`segment` to avoid segmenting the same text twice.
    """
    if spans is None:
        spans = segment(text)
    return " ".join("_".join(text[s:e].split()) for s, e in spans)


def vi_norm(string: str) -> str:
    """The ``NORM`` of a token: lower case, NFC (and "ð" -> "đ"), underthesea's tone-mark normalisation per
    syllable ("Hoà" -> "hòa", "Uỷ" -> "ủy") and one space between syllables, so rules can
    match spelling variants with ``{"NORM": ...}``. ``lower_`` stays as written."""
    token_map = _get_token_map()
    parts = _get_backend()[1](string).lower().split()
    if not parts:  # whitespace token
        return string
    return " ".join(token_map.get(p, p) for p in parts)


def _build_doc(vocab: Vocab, text: str, spans: list[Span]) -> Doc:
    words_: list[str] = []
    spaces: list[bool] = []
    last = 0
    for s, e in spans:
        if s > last:
            gap = text[last:s]
            if words_ and gap[0] == " ":
                spaces[-1] = True
                gap = gap[1:]
            if gap:
                words_.append(gap)
                spaces.append(False)
        words_.append(text[s:e])
        spaces.append(False)
        last = e
    if last < len(text):
        gap = text[last:]
        if words_ and gap[0] == " ":
            spaces[-1] = True
            gap = gap[1:]
        if gap:
            words_.append(gap)
            spaces.append(False)
    return Doc(vocab, words=words_, spaces=spaces)


class ScreenerTokenizer(DummyTokenizer):
    """spaCy tokenizer over :func:`segment`. Has no state to save: ``to_disk``/``from_disk``
    are DummyTokenizer's no-ops and the config names :data:`TOKENIZER_NAME`."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        return _build_doc(self.vocab, text, segment(text))

    def __reduce__(self):
        return ScreenerTokenizer, (self.vocab,)


@registry.tokenizers(TOKENIZER_NAME)
def create_tokenizer() -> Callable:
    """``[nlp.tokenizer] @tokenizers = "screener.vi_tokenizer.v1"``.

    Also makes the vocabulary compute ``NORM`` with :func:`vi_norm`. This is done here, not
    in a Language subclass, so that it happens again whenever spacy.load rebuilds the
    pipeline from its config.
    """

    def tokenizer_factory(nlp) -> ScreenerTokenizer:
        nlp.vocab.lex_attr_getters[NORM] = vi_norm
        return ScreenerTokenizer(nlp.vocab)

    return tokenizer_factory
