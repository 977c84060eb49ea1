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


def _wb_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """scikit-learn's ``char_wb`` n-grams of one word (``_char_wb_ngrams``, same order)."""
    w = " " + word + " "
    w_len = len(w)
    out = []
    for n in range(min_n, max_n + 1):
        offset = 0
        out.append(w[offset:offset + n])
        while offset + n < w_len:
            offset += 1
            out.append(w[offset:offset + n])
        if offset == 0:
            break
    return out


class FastVectors:
    """The model's feature matrix (``ScreenerModel._sparse``), the same numbers, faster.

    ``char_wb`` n-grams never cross a word, so a provision's n-gram counts are the sum of its
    words' counts: words are counted per provision (a sparse provisions x words matrix) and
    multiplied by a words x n-grams matrix whose rows are computed once per distinct word
    (and cached). Titles are transformed once per distinct title (the units of an article
    share it). The word and rule vectorisers are scikit-learn's own. The tf-idf weighting is
    the vectoriser's own ``_tfidf.transform``. ``tests/test_batch.py`` checks the matrix is
    identical to ``ScreenerModel._sparse``.
    """

    max_cache = 400_000

    def __init__(self, vec: dict, title_weight: float):
        self.vec = vec
        self.title_weight = title_weight
        self._cols: dict[str, tuple[int, ...]] = {}
        char = vec["char"]
        self._fast_char = (getattr(char, "analyzer", None) == "char_wb" and not char.lowercase
                           and char.strip_accents is None and char.preprocessor is None
                           and not char.binary and char.input == "content" and char.use_idf is not None)

    def _char_counts(self, docs: Sequence[str]):
        import numpy as np
        from scipy.sparse import csr_matrix

        char = self.vec["char"]
        vocab = char.vocabulary_
        min_n, max_n = char.ngram_range
        cols = self._cols
        if len(cols) > self.max_cache:
            cols.clear()
        local: dict[str, int] = {}
        d_ind: list[int] = []
        d_ptr = [0]
        for doc in docs:
            for w in doc.split():
                j = local.get(w)
                if j is None:
                    j = local[w] = len(local)
                d_ind.append(j)
            d_ptr.append(len(d_ind))
        w_ind: list[int] = []
        w_ptr = [0]
        for w in local:
            c = cols.get(w)
            if c is None:
                c = cols[w] = tuple(vocab[g] for g in _wb_ngrams(w, min_n, max_n) if g in vocab)
            w_ind.extend(c)
            w_ptr.append(len(w_ind))
        D = csr_matrix((np.ones(len(d_ind), dtype=np.float64), np.asarray(d_ind, dtype=np.int32),
                        np.asarray(d_ptr, dtype=np.int32)), shape=(len(docs), len(local)))
        D.sum_duplicates()
        W = csr_matrix((np.ones(len(w_ind), dtype=np.float64), np.asarray(w_ind, dtype=np.int32),
                        np.asarray(w_ptr, dtype=np.int32)), shape=(len(local), len(vocab)))
        W.sum_duplicates()
        X = (D @ W).tocsr()
        X.eliminate_zeros()
        X.sort_indices()
        X = csr_matrix((X.data.astype(char.dtype), X.indices.astype(np.int32), X.indptr.astype(np.int32)),
                       shape=X.shape)
        return X

    def chars(self, docs: Sequence[str]):
        char = self.vec["char"]
        if not self._fast_char:
            return char.transform(docs)
        return char._tfidf.transform(self._char_counts(docs), copy=False)

    def titles(self, titles: Sequence[str]):
        uniq: dict[str, int] = {}
        rows = [uniq.setdefault(t, len(uniq)) for t in titles]
        T = self.vec["title"].transform(list(uniq))
        return T[rows]

    def transform(self, F):
        from scipy.sparse import hstack

        parts = [self.vec["word"].transform(F.words), self.chars(F.chars),
                 self.title_weight * self.titles(F.titles), self.vec["rules"].transform(F.rules)]
        return hstack(parts).tocsr()


class CombinedScorer:
    """Rules + model; call it with a sequence of ``(text, article_title, doc_type)``."""

    def __init__(self, model: ScreenerModel, name: str | None = None):
        self.model = model
        self.name = name or f"screener-{model.version}"
        self.vectors = FastVectors(model.state["vec"], model.state["config"]["title_weight"])
        # the model computes its feature matrix with FastVectors (the same matrix, faster);
        # everything else in ScreenerModel.predict_proba is the model's own
        model._sparse = self.vectors.transform

    def predict_proba(self, F):
        """``ScreenerModel.predict_proba`` (its feature matrix by :class:`FastVectors`)."""
        return self.model.predict_proba(F)

    @property
    def version(self) -> str:
        return self.name

    #: a dict to which :meth:`__call__` adds the seconds of each stage (``normalisation``,
    #: ``rules``, ``tokenization``, ``features``, ``classifier``); None: not measured
    timings: dict | None = None

    def __call__(self, items: Sequence) -> list[CombinedJudgement]:
        rows = as_items(items)
        if not rows:
            return []
        F = extract(rows, timings=self.timings)
        if self.timings is None:
            return self.judge(rows, F)
        from . import features

        t = features.timer()
        out = self.judge(rows, F)
        self.timings["classifier"] = self.timings.get("classifier", 0.0) + features.timer() - t
        return out

    def judge(self, rows: Sequence[tuple], F) -> list[CombinedJudgement]:
        """Judgements of ``rows`` whose features (:func:`extract`) are ``F``."""
        p_flag, p_cat = self.predict_proba(F)
        decisions = self.model.decide(p_flag, p_cat, [bool(j.flag) for j in F.judgements])
        cats = self.model.categories
        out = []
        known_raw = len(F.raw_spans) == len(rows)
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
                # the spans the features' rule pass found (no second pass over the text)
                spans = F.raw_spans[i].get(c, []) if known_raw else _raw_spans_for(text, title, c)
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


def load_model_once(path: str | Path) -> ScreenerModel:
    """:func:`screener.classifier.model.load_model` with the same checks (the model card's
    sha256, every type on :data:`~screener.classifier.model.TRUSTED_TYPES`, format 1), reading
    and auditing the file's 30 MB schema once instead of twice (``get_untrusted_types`` then
    ``load``): about 0.7 s less at start-up. Falls back to ``load_model`` if skops' internals
    are not the expected ones."""
    try:
        import json
        import zipfile

        from skops.io._audit import audit_tree, get_tree
        from skops.io._utils import LoadContext
        from skops.io.exceptions import UntrustedTypesFoundException
    except ImportError:  # pragma: no cover - another skops version
        return load_model(path)
    from .model import TRUSTED_TYPES, model_from_state, verified_model_file

    file = verified_model_file(path)
    trusted = sorted(TRUSTED_TYPES)
    try:
        with zipfile.ZipFile(file, "r") as z:
            schema = json.loads(z.read("schema.json"))
            tree = get_tree(schema, LoadContext(src=z, protocol=schema["protocol"]), trusted=trusted)
            try:
                audit_tree(tree, trusted)
            except UntrustedTypesFoundException as exc:
                bad = sorted(set(tree.get_unsafe_set()) - TRUSTED_TYPES)
                raise ModelError(f"{file} contains types that are not on the allow-list: "
                                 f"{', '.join(bad) or exc}") from None
            state = tree.construct()
    except ModelError:
        raise
    except Exception as exc:  # skops raises several kinds for a damaged file
        raise ModelError(f"cannot load {file}: {exc}") from exc
    return model_from_state(state, file)


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
            scorer = CombinedScorer(load_model_once(d), name=d.name)
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
