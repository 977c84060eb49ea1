"""Pattern data and the spaCy pipeline that finds triggers and context cues.

Two SpanRulers over the syllable tokenizer (see :mod:`screener.rules.tokenizer`):

- ``trigger_ruler`` (``doc.spans["triggers"]``): the risk patterns of
  ``screener/data/patterns/<category_id>.jsonl``; a span's ``label_`` is the category and its
  ``id_`` the pattern id.
- ``context_ruler`` (``doc.spans["context"]``): the context cues of
  ``screener/data/context.jsonl`` (who holds the power, criteria, deadline, reasons,
  negation, routine delegation, fees kept or paid to the budget, ...).

Both use ``phrase_matcher_attr="LOWER"``, so phrase patterns are case-insensitive and are
tokenized by the same syllable tokenizer as the text: they always align. The pipeline is built
once per process (:func:`get_nlp`).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import spacy
from spacy.language import Language

from .taxonomy import category_ids
from .tokenizer import SYLLABLE_TOKENIZER

__all__ = ["Pattern", "Cue", "load_patterns", "load_cues", "get_nlp", "make_nlp",
           "TRIGGERS_KEY", "CONTEXT_KEY"]

TRIGGERS_KEY = "triggers"
CONTEXT_KEY = "context"
_SPACY_KEYS = {"id", "label", "pattern"}


@dataclass(frozen=True)
class Pattern:
    """One trigger pattern and the context rules the engine applies to it.

    - ``score``: strength of the signal when its context conditions hold (0-1).
    - ``severity``: 1 routine/bounded, 2 clear, 3 strong (guideline).
    - ``needs_authority``: the power must belong to a state body or official named in the
      provision or its article title; otherwise the score is multiplied by
      ``no_authority_factor`` (0: dropped).
    - ``blocked_by``: context cues (e.g. ``CRITERIA``, ``DEADLINE``) whose presence in the
      provision bounds the power: the score is multiplied by ``block_factor``.
    - ``requires``: at least one of these cues must be present, else the trigger is dropped.
    - ``excludes``: the trigger is dropped if one of these cues is present.
    - ``negatable``: dropped when a negation cue stands right before it.
    - ``damped_by``: ``{cue: factor}``: the score is multiplied by ``factor`` when the cue is
      present (e.g. a licence named in an article about the dossier).
    - ``extra``: other fields of the JSONL line: ``max_len`` (a match with a ``*`` wildcard
      spans at most this many tokens), ``trim_end`` (the last N tokens are a look-ahead
      condition, not part of the trigger), ``narrow_group`` (names units under the drafting
      agency: raises severity), ``open_power`` (an open power over rights: severity 3 when
      nothing bounds it).
    - ``title_exempt_ok``: not damped in articles whose title is normally not flagged
      (keeping a document unpublished matters wherever it is said).
    """

    id: str
    label: str
    pattern: Any
    score: float = 0.5
    severity: int = 1
    needs_authority: bool = False
    no_authority_factor: float = 0.0
    blocked_by: tuple[str, ...] = ()
    block_factor: float = 0.3
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    negatable: bool = True
    damped_by: tuple[tuple[str, float], ...] = ()
    title_exempt_ok: bool = False
    note: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def from_dict(cls, d: dict) -> "Pattern":
        known = {"id", "label", "pattern", "score", "severity", "needs_authority",
                 "no_authority_factor", "blocked_by", "block_factor", "requires", "excludes",
                 "negatable", "damped_by", "title_exempt_ok", "note"}
        return cls(
            id=d["id"], label=d["label"], pattern=d["pattern"],
            score=float(d.get("score", 0.5)), severity=int(d.get("severity", 1)),
            needs_authority=bool(d.get("needs_authority", False)),
            no_authority_factor=float(d.get("no_authority_factor", 0.0)),
            blocked_by=tuple(d.get("blocked_by", ())),
            block_factor=float(d.get("block_factor", 0.3)),
            requires=tuple(d.get("requires", ())), excludes=tuple(d.get("excludes", ())),
            negatable=bool(d.get("negatable", True)),
            damped_by=tuple((str(k), float(v)) for k, v in (d.get("damped_by") or {}).items()),
            title_exempt_ok=bool(d.get("title_exempt_ok", False)),
            note=str(d.get("note", "")),
            extra={k: v for k, v in d.items() if k not in known},
        )

    def spacy_pattern(self) -> dict:
        return {"id": self.id, "label": self.label, "pattern": self.pattern}


@dataclass(frozen=True)
class Cue:
    """A context cue: ``label`` is its kind (AUTHORITY, CRITERIA, DEADLINE, ...)."""

    id: str
    label: str
    pattern: Any
    note: str = ""


def _read_jsonl(path) -> list[dict]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as e:  # pragma: no cover - data error
            raise ValueError(f"{path.name}:{n}: {e}") from None
    return out


@lru_cache(maxsize=1)
def load_patterns() -> tuple[Pattern, ...]:
    """All trigger patterns, category by category, in taxonomy order."""
    root = resources.files("screener.data").joinpath("patterns")
    pats: list[Pattern] = []
    for cid in category_ids():
        f = root.joinpath(f"{cid}.jsonl")
        if f.is_file():
            pats.extend(Pattern.from_dict(d) for d in _read_jsonl(f))
    return tuple(pats)


@lru_cache(maxsize=1)
def load_cues() -> tuple[Cue, ...]:
    f = resources.files("screener.data").joinpath("context.jsonl")
    return tuple(Cue(d["id"], d["label"], d["pattern"], d.get("note", ""))
                 for d in _read_jsonl(f))


@lru_cache(maxsize=1)
def pattern_index() -> dict[str, Pattern]:
    return {p.id: p for p in load_patterns()}


def make_nlp() -> Language:
    """A new blank pipeline: syllable tokenizer + trigger and context span rulers."""
    nlp = spacy.blank("xx", config={"nlp": {"tokenizer": {"@tokenizers": SYLLABLE_TOKENIZER}}})
    nlp.max_length = 10_000_000
    trig = nlp.add_pipe("span_ruler", name="trigger_ruler",
                        config={"spans_key": TRIGGERS_KEY, "phrase_matcher_attr": "LOWER",
                                "validate": True})
    trig.add_patterns([p.spacy_pattern() for p in load_patterns()])
    ctx = nlp.add_pipe("span_ruler", name="context_ruler",
                       config={"spans_key": CONTEXT_KEY, "phrase_matcher_attr": "LOWER",
                               "validate": True})
    ctx.add_patterns([{"id": c.id, "label": c.label, "pattern": c.pattern}
                      for c in load_cues()])
    return nlp


_nlp: Language | None = None
_lock = threading.Lock()


def get_nlp() -> Language:
    """The process's shared rule pipeline, built on first use."""
    global _nlp
    if _nlp is None:
        with _lock:
            if _nlp is None:
                _nlp = make_nlp()
    return _nlp
