"""A syllable tokenizer for rule matching, registered with spaCy.

Vietnamese writes one syllable per space-separated unit, so syllables are a stable unit for
patterns (unlike word segmentation, whose output depends on context). Words are runs of
letters and digits (with any combining marks), every other non-space character is a token of
its own, and whitespace other than one plain space after a token becomes a whitespace token,
so ``doc.text`` is always the input, character for character.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab

__all__ = ["SYLLABLE_TOKENIZER", "SyllableTokenizer", "create_syllable_tokenizer"]

SYLLABLE_TOKENIZER = "screener.syllable_tokenizer.v1"

_TOKEN = re.compile(r"[^\W_][\w\u0300-\u036f]*|[^\w\s]|_+")


class SyllableTokenizer:
    def __init__(self, vocab: Vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []
        pos = 0
        for m in _TOKEN.finditer(text):
            s, e = m.span()
            if s > pos:
                self._gap(text[pos:s], words, spaces)
            words.append(m.group())
            spaces.append(False)
            pos = e
        if pos < len(text):
            self._gap(text[pos:], words, spaces)
        return Doc(self.vocab, words=words, spaces=spaces)

    @staticmethod
    def _gap(gap: str, words: list[str], spaces: list[bool]) -> None:
        # a single space after a token is its trailing whitespace; anything else is a token
        if words and not spaces[-1] and gap[0] == " ":
            spaces[-1] = True
            gap = gap[1:]
        if gap:
            words.append(gap)
            spaces.append(False)

    # spaCy calls these when a pipeline is saved/loaded; the tokenizer has no state
    def to_bytes(self, **kwargs) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs) -> "SyllableTokenizer":
        return self

    def to_disk(self, path, **kwargs) -> None:
        pass

    def from_disk(self, path, **kwargs) -> "SyllableTokenizer":
        return self


@registry.tokenizers(SYLLABLE_TOKENIZER)
def create_syllable_tokenizer():
    def make(nlp) -> SyllableTokenizer:
        return SyllableTokenizer(nlp.vocab)

    return make
