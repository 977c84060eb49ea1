"""Rule-based detection core of the screener.

Patterns (``screener/data/patterns/<category_id>.jsonl``) and context cues
(``screener/data/context.jsonl``) run as spaCy SpanRulers over a syllable tokenizer; context
rules decide whether a trigger counts (who holds the power, criteria, deadline, reasons,
negation, routine delegation, fees kept or paid to the budget, article title).

Public API::

    from screener.rules import detect, detect_many, categories, get_category, RULES_VERSION
    j = detect("Trong trường hợp cần thiết, Giám đốc Sở có thể yêu cầu ...", article_title=...)
    j.flag, j.score, j.severity, j.categories, j.category_scores, j.triggers
"""

from .engine import RULES_VERSION, THRESHOLD, Judgement, Trigger, detect, detect_many
from .matcher import Cue, Pattern, get_nlp, load_cues, load_patterns
from .normalize import normalize_for_matching, normalize_tones
from .taxonomy import TAXONOMY_VERSION, Category, categories, category_ids, get_category
from .tokenizer import SYLLABLE_TOKENIZER, SyllableTokenizer

__all__ = [
    "RULES_VERSION",
    "SYLLABLE_TOKENIZER",
    "TAXONOMY_VERSION",
    "THRESHOLD",
    "Category",
    "Cue",
    "Judgement",
    "Pattern",
    "SyllableTokenizer",
    "Trigger",
    "categories",
    "category_ids",
    "detect",
    "detect_many",
    "get_category",
    "get_nlp",
    "load_cues",
    "load_patterns",
    "normalize_for_matching",
    "normalize_tones",
]
