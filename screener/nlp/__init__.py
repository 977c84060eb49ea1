"""Vietnamese NLP for screener: underthesea word segmentation inside a spaCy pipeline.

Importing this package registers, with spaCy, the tokenizer ``screener.vi_tokenizer.v1`` and
the component factory ``screener_provisions``; a pipeline saved with ``nlp.to_disk(path)``
loads again with ``spacy.load(path)`` in any process that has imported ``screener.nlp``.
underthesea itself is imported on the first segmentation, not here.

- :func:`segment` / :func:`segmented_text` / :func:`words`: segmentation without spaCy.
- :func:`make_pipeline` / :func:`get_pipeline` / :func:`to_doc`: the spaCy side.
"""

from .pipeline import (
    MAX_LENGTH,
    PROVISIONS_FACTORY,
    PROVISIONS_KEY,
    ProvisionsComponent,
    get_pipeline,
    make_pipeline,
    to_doc,
)
from .tokenizer import (
    TOKENIZER_NAME,
    ScreenerTokenizer,
    create_tokenizer,
    segment,
    segmented_text,
    vi_norm,
    words,
)

__all__ = [
    "MAX_LENGTH",
    "PROVISIONS_FACTORY",
    "PROVISIONS_KEY",
    "ProvisionsComponent",
    "ScreenerTokenizer",
    "TOKENIZER_NAME",
    "create_tokenizer",
    "get_pipeline",
    "make_pipeline",
    "segment",
    "segmented_text",
    "to_doc",
    "vi_norm",
    "words",
]
