"""The shipped scorer: rules + model, with the :data:`screener.findings.Scorer` signature.

``CombinedScorer(model)(items)`` judges ``(text, article_title, doc_type)`` items and returns
:class:`CombinedJudgement` objects (a :class:`screener.rules.Judgement` with a ``model``
attribute naming the model version):

- ``score``: the stacked probability that the provision is flagged (rules' evidence and the
  model's, see :mod:`screener.classifier.model`); ``flag``: ``score`` at or above the model's
  flag threshold (chosen by cross-validation on the training corpus).
- ``categories`` / ``category_scores``: the stacked category probabilities and the categories
  that pass their thresholds (a flagged provision always has at least one).
- ``triggers``: the rules' triggers of the reported categories. Where the model reports a
  category for which the rules kept no trigger, the trigger is the most relevant span there
  is: a span the rules found for that category before their context rules (if any), else
  the strongest rule trigger of any category, else the head of the provision (its first
  clause, up to 120 characters, after the enumerator); such triggers have ``rule`` =
  ``"model"``.
- ``severity``: per category, the rules' severity where the rules report it too; otherwise
  1, or 2 when the category probability is 0.75 or more. The provision's is the highest.

:func:`load_default_scorer` loads the active model (``models/CURRENT``, or the
``SCREENER_MODEL`` environment variable: a model folder) and falls back to the rules with a
warning when there is none.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from screener.rules import Judgement, Trigger, detect_many, normalize_for_matching

from .features import as_items, extract
from .model import ModelError, ScreenerModel, load_model

__all__ = ["CombinedJudgement", "CombinedScorer", "load_default_scorer", "models_root",
           "current_model_dir", "head_span"]

_HEAD = re.compile(r"^\s*(?:[0-9]+(?:\.[0-9]+)*[.)]?|[a-zđ][0-9]?\)|[-+*•])?\s*", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[;:,.](\s|$)")


@dataclass
class CombinedJudgement(Judgement):
    model: str = ""


def head_span(text: str, limit: int = 120) -> tuple[int, int]:
    """The first clause of a provision (after its enumerator), at most ``limit`` characters."""
    m = _HEAD.match(text)
    start = m.end() if m else 0
    end_m = _CLAUSE_END.search(text, start)
    end = end_m.start() if end_m else len(text)
    end = min(end, start + limit, len(text))
    if end <= start:
        start, end = 0, min(len(text), limit)
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _raw_spans_for(text: str, title: str | None, category: str) -> list[tuple[int, int]]:
    """Spans the rule patterns of ``category`` match in ``text`` before context rules."""
    from screener.rules import get_nlp
    from screener.rules.matcher import TRIGGERS_KEY

    norm = normalize_for_matching(text)
    doc = get_nlp()(norm.text)
    out = []
    for sp in (doc.spans[TRIGGERS_KEY] if TRIGGERS_KEY in doc.spans else ()):
        if sp.label_ == category:
            out.append(norm.to_input(sp.start_char, sp.end_char))
    return sorted(set(out))


class CombinedScorer:
    """Rules + model; call it with a sequence of ``(text, article_title, doc_type)``."""

    def __init__(self, model: ScreenerModel, name: str | None = None):
        self.model = model
        self.name = name or f"screener-{model.version}"

    @property
    def version(self) -> str:
        return self.name

    def __call__(self, items: Sequence) -> list[CombinedJudgement]:
        rows = as_items(items)
        if not rows:
            return []
        return self.judge(rows, extract(rows))

    def judge(self, rows: Sequence[tuple], F) -> list[CombinedJudgement]:
        """Judgements of ``rows`` whose features (:func:`extract`) are ``F``."""
        p_flag, p_cat = self.model.predict_proba(F)
        decisions = self.model.decide(p_flag, p_cat, [bool(j.flag) for j in F.judgements])
        cats = self.model.categories
        out = []
        for i, ((text, title, _), rj, (flag, chosen)) in enumerate(zip(rows, F.judgements, decisions)):
            scores = {c: round(float(p_cat[i, k]), 4) for k, c in enumerate(cats)}
            score = round(float(p_flag[i]), 4)
            if not flag:
                out.append(CombinedJudgement(False, score, None, [], scores, [], model=self.name))
                continue
            triggers: list[Trigger] = []
            sev: dict[str, int] = {}
            for c in chosen:
                own = [t for t in rj.triggers if t.category == c]
                if own:
                    triggers.extend(own)
                    sev[c] = max(t.severity for t in own)
                    continue
                s = 2 if scores[c] >= 0.75 else 1
                sev[c] = s
                spans = _raw_spans_for(text, title, c)
                if spans:
                    a, b = spans[0]
                elif rj.triggers:
                    best = max(rj.triggers, key=lambda t: t.score)
                    a, b = best.start, best.end
                else:
                    a, b = head_span(text)
                triggers.append(Trigger(text[a:b], a, b, c, "model", s, scores[c]))
            triggers.sort(key=lambda t: (t.start, t.end, t.category))
            out.append(CombinedJudgement(True, score, max(sev.values()), list(chosen), scores,
                                         triggers, model=self.name))
        return out


def models_root() -> Path:
    return Path(__file__).resolve().parents[2] / "models"


def current_model_dir(root: Path | None = None) -> Path | None:
    """The active model folder: ``$SCREENER_MODEL`` or ``models/<name in models/CURRENT>``."""
    env = os.environ.get("SCREENER_MODEL")
    if env:
        return Path(env)
    root = root or models_root()
    pointer = root / "CURRENT"
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    return root / name if name else None


_default = None


def _rules_only(items):
    return detect_many(items)


def load_default_scorer(model_dir: str | Path | None = None, quiet: bool = False):
    """The combined scorer of the active model; the rules alone (with a warning on stderr)
    when no model is installed or it cannot be trusted."""
    global _default
    if model_dir is None and _default is not None:
        return _default
    d = Path(model_dir) if model_dir else current_model_dir()
    scorer = None
    if d is None or not d.exists():
        msg = ("no trained model found (models/CURRENT or SCREENER_MODEL): using the rules alone; "
               "run `screener train` to build one")
    else:
        try:
            scorer = CombinedScorer(load_model(d), name=d.name)
            msg = ""
        except ModelError as exc:
            msg = f"model not used ({exc}): using the rules alone"
    if scorer is None:
        if not quiet:
            print(f"screener: warning: {msg}", file=sys.stderr)
        scorer = _rules_only
    if model_dir is None:
        _default = scorer
    return scorer
