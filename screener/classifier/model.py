"""The statistical model: training, saving (skops), trusted loading, prediction.

Two layers, all scikit-learn:

1. **Base models** over sparse features of :func:`screener.classifier.features.extract`
   (word 1-2-grams of the segmented text, character 2-5-grams, word n-grams of the article
   title, and the rule features in a ``DictVectorizer``):
   - ``flag``: logistic regression, P(the provision is flagged);
   - ``cat[c]``: one logistic regression per category trained on the flagged provisions
     only, P(category c | flagged).
2. **Stackers** (logistic regressions on a few dense columns): the flag from the rules'
   nine category scores, their maximum and flag, and the logits of the base probabilities;
   each category from its rule score, the rules' maximum, the base flag logit and the base
   category logit. They are fitted on out-of-fold base probabilities (grouped K-fold: the
   groups are documents for real provisions) of the *real* examples (hand-labelled real
   provisions, review decisions and, with ``--include-dev``, dev), because synthetic
   provisions do not have the real base rate.

Decision thresholds (flag, and per category) are chosen on those out-of-fold stacked
probabilities to maximise F1 -- on the training corpus, never on the measuring set.

A saved model is a plain ``dict`` of scikit-learn objects and numbers dumped with
``skops.io``; :func:`load_model` loads it with an explicit allow-list of trusted types and
refuses a file whose sha256 does not match its model card.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from scipy.sparse import csr_matrix, hstack

from screener.rules import RULES_VERSION, category_ids

from .features import FEATURES_VERSION, RawFeatures

__all__ = ["TrainConfig", "ScreenerModel", "train_model", "save_model", "load_model",
           "ModelError", "TRUSTED_TYPES", "file_sha256", "MODEL_FILE", "nested_cv"]

MODEL_FILE = "model.skops"
CARD_FILE = "MODEL_CARD.md"
METRICS_FILE = "metrics.json"

#: the only types a model file may contain besides skops' own defaults (builtins, numpy
#: arrays and dtypes); anything else makes :func:`load_model` refuse the file
TRUSTED_TYPES = frozenset({
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction._dict_vectorizer.DictVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "numpy.float64",
    "numpy.float32",
    "numpy.int64",
    "numpy.int32",
    "builtins.float",
    "builtins.int",
    "builtins.str",
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.bool",
    "builtins.NoneType",
    "numpy.ndarray",
    "numpy.dtype",
    "scipy.sparse._csr.csr_matrix",
})


class ModelError(Exception):
    """A model that cannot be trained, found or trusted."""


@dataclass
class TrainConfig:
    C: float = 1.0  # base logistic regressions
    stack_C: float = 1.0
    folds: int = 5
    synthetic_weight: float = 0.5
    review_weight: float = 2.0
    dev_weight: float = 1.0
    #: weight of dev rows (``--include-dev``) in the stackers and the threshold choice
    dev_stack_weight: float = 10.0
    word_max_features: int = 40000
    char_max_features: int = 60000
    title_weight: float = 0.5
    seed: int = 13
    #: separate flag thresholds for provisions the rules flag and the others (tried: worse on
    #: dev in both settings of benchmarks/model_dev.py, so off)
    split_flag_threshold: bool = False
    #: categories with fewer real positives than this keep a threshold of 0.5
    min_support_for_threshold: int = 8
    # -- domain adaptation to the target convention (dev: real drafts and enacted texts
    #    labelled by the measuring set's labellers); used when the training data hold at
    #    least ``min_target`` target examples (``--include-dev``), see ``_train_target``
    target_sources: tuple = ("dev",)
    min_target: int = 100
    #: weights of a target example in the base models; more than one: chosen by inner
    #: grouped CV over the target examples
    target_weight_grid: tuple = (1.0, 3.0, 10.0)
    #: inverse regularisation of the base models in target mode, chosen with the target weight
    #: by the same inner CV (the corpus's own out-of-fold figures do not depend on it)
    target_C_grid: tuple = (1.0, 3.0)
    target_folds: int = 5
    #: the flag stacker's columns: "full" (rules' nine scores, max, flag, base flag logit,
    #: nine base category logits) or "small" (rules' max, flag, base flag logit)
    flag_stack: str = "small"
    #: weight of a real corpus example in the stackers and thresholds relative to a target
    #: one (0: fitted on target examples only)
    flag_stack_corpus_weight: float = 0.0
    cat_stack_corpus_weight: float = 0.1
    #: flag every provision the rules flag (flag = rule flag OR stacked probability >= t)
    rule_or: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def _lr(C: float, balanced: bool = True):
    from sklearn.linear_model import LogisticRegression

    # liblinear's dual solver shuffles with numpy's global generator unless seeded: seeded,
    # the same data give the same model (in one process or in a pool's)
    return LogisticRegression(C=C, solver="liblinear", dual=True, max_iter=5000,
                              class_weight="balanced" if balanced else None, random_state=0)


def _stack_lr(C: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, solver="lbfgs", max_iter=2000)


def _best_threshold(y: np.ndarray, p: np.ndarray, lo: float = 0.1, hi: float = 0.9,
                    w: np.ndarray | None = None) -> tuple[float, float]:
    """The threshold in [lo, hi] that maximises the (weighted) F1 of ``p >= t``."""
    best = (0.0, 0.5)
    w = np.ones(len(y)) if w is None else w
    for t in np.arange(lo, hi + 1e-9, 0.01):
        pred = p >= t
        tp = float(np.sum(w[pred & (y == 1)]))
        fp = float(np.sum(w[pred & (y == 0)]))
        fn = float(np.sum(w[~pred & (y == 1)]))
        f = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f > best[0] + 1e-9:
            best = (f, float(round(t, 2)))
    return best[1], best[0]


def _best_pair(y: np.ndarray, p: np.ndarray, rule_flag: np.ndarray, w: np.ndarray,
               lo: float = 0.05, hi: float = 0.95) -> tuple[float, float, float]:
    """Flag thresholds (for provisions the rules do not flag, for those they flag) that
    maximise the weighted F1 of the flag together."""
    grid = np.round(np.arange(lo, hi + 1e-9, 0.01), 2)

    def counts(mask):
        yy, pp, ww = y[mask], p[mask], w[mask]
        # weighted tp and fp for every threshold of the grid
        tp = np.array([ww[(pp >= t) & (yy == 1)].sum() for t in grid])
        fp = np.array([ww[(pp >= t) & (yy == 0)].sum() for t in grid])
        return tp, fp, ww[yy == 1].sum()

    tp0, fp0, pos0 = counts(~rule_flag)
    tp1, fp1, pos1 = counts(rule_flag)
    tp = tp0[:, None] + tp1[None, :]
    fp = fp0[:, None] + fp1[None, :]
    pos = pos0 + pos1
    f1 = np.where(tp > 0, 2 * tp / np.maximum(tp + fp + pos, 1e-9), 0.0)
    i, j = np.unravel_index(int(np.argmax(f1)), f1.shape)
    return float(grid[i]), float(grid[j]), float(f1[i, j])


# ------------------------------------------------------------------ the model object
class ScreenerModel:
    """A trained model: ``state`` is the plain dict that is saved."""

    def __init__(self, state: dict):
        self.state = state
        self.categories: list[str] = list(state["categories"])

    @property
    def version(self) -> str:
        return str(self.state["meta"]["version"])

    @property
    def meta(self) -> dict:
        return self.state["meta"]

    @property
    def thresholds(self) -> dict:
        return self.state["thresholds"]

    # -- features
    def _sparse(self, F: RawFeatures) -> csr_matrix:
        return _transform(self.state["vec"], F, self.state["config"]["title_weight"])

    def base_probs(self, F: RawFeatures, X: csr_matrix | None = None) -> tuple[np.ndarray, np.ndarray]:
        X = self._sparse(F) if X is None else X
        pf = self.state["base_flag"].predict_proba(X)[:, 1]
        pc = np.column_stack([_cat_prob(m, X) for m in self.state["base_cat"]])
        return pf, pc

    def predict_proba(self, F: RawFeatures) -> tuple[np.ndarray, np.ndarray]:
        """(P(flag) of each item, P(category) matrix items x categories), stacked."""
        pf, pc = self.base_probs(F)
        R = _rule_matrix(F, self.categories)
        return _stack_predict(self.state, R, pf, pc)

    def decide(self, p_flag: np.ndarray, p_cat: np.ndarray,
               rule_flag: np.ndarray | None = None) -> list[tuple[bool, list[str]]]:
        """(flag, categories) per item; ``rule_flag``: whether the rules flag each item (the
        flag threshold differs for provisions the rules flag and those they do not)."""
        return _decide(p_flag, p_cat, self.thresholds, self.categories, rule_flag)


def _cat_prob(m, X) -> np.ndarray:
    if isinstance(m, (float, int)):  # a category with a single class in training
        return np.full(X.shape[0], float(m))
    return m.predict_proba(X)[:, 1]


def _fit_vectorizers(F: RawFeatures, cfg: TrainConfig) -> dict:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfVectorizer

    tok = r"(?u)[^\s]+"
    word = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                           max_features=cfg.word_max_features, token_pattern=tok, lowercase=False)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True,
                           max_features=cfg.char_max_features, lowercase=False)
    title = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=tok,
                            lowercase=False)
    rules = DictVectorizer()
    word.fit(F.words)
    char.fit(F.chars)
    try:
        title.fit(F.titles)
    except ValueError:  # no title term in two provisions (e.g. no titles at all)
        title.fit(["_", "_"])
    rules.fit(F.rules)
    for v in (word, char, title):
        # the terms cut by min_df / max_features: large and not needed to transform
        if hasattr(v, "stop_words_"):
            v.stop_words_ = None
        # plain ints: numpy integers would each be stored as an object in the skops file
        v.vocabulary_ = {k: int(i) for k, i in v.vocabulary_.items()}
    rules.vocabulary_ = {k: int(i) for k, i in rules.vocabulary_.items()}
    return {"word": word, "char": char, "title": title, "rules": rules}


def _transform(vec: dict, F: RawFeatures, title_weight: float) -> csr_matrix:
    parts = [vec["word"].transform(F.words), vec["char"].transform(F.chars),
             title_weight * vec["title"].transform(F.titles), vec["rules"].transform(F.rules)]
    return hstack(parts).tocsr()


def _rule_matrix(F: RawFeatures, cats: Sequence[str]) -> np.ndarray:
    rows = []
    for j in F.judgements:
        s = [float(j.category_scores.get(c, 0.0)) for c in cats]
        rows.append(s + [max(s) if s else 0.0, float(j.flag)])
    return np.asarray(rows, dtype=float).reshape(len(F.judgements), len(cats) + 2)


def _stack_flag_X(R: np.ndarray, pf: np.ndarray, pc: np.ndarray, kind: str = "full") -> np.ndarray:
    if kind == "small":  # the rules' maximum and flag, the base flag logit
        ncat = pc.shape[1]
        return np.column_stack([R[:, ncat], R[:, ncat + 1], _logit(pf)])
    return np.column_stack([R, _logit(pf), _logit(pc)])


def _stack_cat_X(R: np.ndarray, pf: np.ndarray, pc: np.ndarray, k: int) -> np.ndarray:
    ncat = pc.shape[1]
    return np.column_stack([R[:, k], R[:, ncat], R[:, ncat + 1], _logit(pf), _logit(pc[:, k])])


def _stack_predict(state: dict, R: np.ndarray, pf: np.ndarray, pc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sf = state["stack_flag"]
    p_flag = sf.predict_proba(_stack_flag_X(R, pf, pc, state.get("config", {}).get("flag_stack", "full")))[:, 1]
    cols = []
    for k, m in enumerate(state["stack_cat"]):
        if isinstance(m, (float, int)):
            cols.append(np.full(len(pf), float(m)) * p_flag)
        else:
            cols.append(m.predict_proba(_stack_cat_X(R, pf, pc, k))[:, 1])
    return p_flag, np.column_stack(cols) if cols else np.zeros((len(pf), 0))


def _decide(p_flag: np.ndarray, p_cat: np.ndarray, thresholds: dict, cats: Sequence[str],
            rule_flag: np.ndarray | None = None) -> list[tuple[bool, list[str]]]:
    out = []
    tf = thresholds["flag"]
    tr = thresholds.get("flag_rules", tf)
    rf = np.zeros(len(p_flag), dtype=bool) if rule_flag is None else np.asarray(rule_flag, dtype=bool)
    tc = np.array([thresholds["categories"][c] for c in cats])
    for i in range(len(p_flag)):
        if p_flag[i] < (tr if rf[i] else tf):
            out.append((False, []))
            continue
        chosen = [c for k, c in enumerate(cats) if p_cat[i, k] >= tc[k]]
        if not chosen:  # flagged: report the category closest to its threshold
            k = int(np.argmax(p_cat[i] / tc))
            chosen = [cats[k]]
        out.append((True, chosen))
    return out


# ------------------------------------------------------------------ training
def _weights(sources: Sequence[str], cfg: TrainConfig) -> np.ndarray:
    w = {"synthetic": cfg.synthetic_weight, "review": cfg.review_weight, "dev": cfg.dev_weight}
    return np.array([w.get(s, 1.0) for s in sources], dtype=float)


def _fit_base(X, y, Y, w, cfg: TrainConfig):
    flag = _lr(cfg.C).fit(X, y, sample_weight=w)
    pos = np.flatnonzero(y == 1)
    cats = []
    for k in range(Y.shape[1]):
        yk = Y[pos, k]
        if len(pos) == 0 or yk.min() == yk.max():
            cats.append(float(yk.mean()) if len(pos) else 0.0)
        else:
            cats.append(_lr(cfg.C).fit(X[pos], yk, sample_weight=w[pos]))
    return flag, cats


def _group_folds(groups: Sequence[str], y: np.ndarray, n: int, seed: int) -> list[np.ndarray]:
    """Test indices of ``n`` folds; every group in one fold, folds balanced in size and in
    positives (greedy, groups in a seeded random order, biggest first)."""
    rng = np.random.default_rng(seed)
    by: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        by.setdefault(g, []).append(i)
    keys = list(by)
    rng.shuffle(keys)
    keys.sort(key=lambda g: -len(by[g]))
    size = np.zeros(n)
    pos = np.zeros(n)
    folds: list[list[int]] = [[] for _ in range(n)]
    tot_pos = max(1.0, float(y.sum()))
    for g in keys:
        idx = by[g]
        gp = float(y[idx].sum())
        k = int(np.argmin(size / max(1, len(y)) + pos / tot_pos))
        folds[k].extend(idx)
        size[k] += len(idx)
        pos[k] += gp
    return [np.array(sorted(f), dtype=int) for f in folds if f]


def _target_mask(sources: Sequence[str], cfg: TrainConfig) -> np.ndarray:
    return np.array([s in tuple(cfg.target_sources) for s in sources], dtype=bool)


def _use_target_mode(y: np.ndarray, target: np.ndarray, cfg: TrainConfig) -> bool:
    return bool(target.sum() >= cfg.min_target and y[target].sum() >= 10
                and y[target].sum() < target.sum() and (~target).sum() > 0)


def _base_oof(X, y, Y, w, folds: list[np.ndarray], cfg: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold base probabilities: for each fold, base models fitted on the other rows."""
    n = X.shape[0]
    oof_f = np.zeros(n)
    oof_c = np.zeros((n, Y.shape[1]))
    for te in folds:
        tr = np.setdiff1d(np.arange(n), te)
        if y[tr].min() == y[tr].max():
            oof_f[te] = y[tr].mean()
            continue
        bf, bc = _fit_base(X[tr], y[tr], Y[tr], w[tr], cfg)
        oof_f[te] = bf.predict_proba(X[te])[:, 1]
        oof_c[te] = np.column_stack([_cat_prob(m, X[te]) for m in bc])
    return oof_f, oof_c


def _fit_stackers(R, pf, pc, y, Y, w_flag, w_cat, cfg: TrainConfig):
    """Flag stacker (rows with ``w_flag`` > 0) and category stackers (``w_cat`` > 0)."""
    mf = w_flag > 0
    stack_flag = _stack_lr(cfg.stack_C).fit(_stack_flag_X(R[mf], pf[mf], pc[mf], cfg.flag_stack), y[mf],
                                            sample_weight=w_flag[mf])
    mc = w_cat > 0
    stack_cat: list = []
    for k in range(Y.shape[1]):
        yk = Y[mc, k]
        if yk.sum() < 2 or yk.sum() == len(yk):
            stack_cat.append(float(0.5 if Y[:, k].sum() else 0.0))
        else:
            stack_cat.append(_stack_lr(cfg.stack_C).fit(_stack_cat_X(R[mc], pf[mc], pc[mc], k), yk,
                                                        sample_weight=w_cat[mc]))
    return stack_flag, stack_cat


def _choose_thresholds(y, Y, p_flag, p_cat, rule_flag, w_flag, w_cat, cats, cfg: TrainConfig):
    """Flag and category thresholds maximising the (weighted) F1 of held-out stacked scores."""
    mf = w_flag > 0
    if cfg.rule_or:  # the rules' flags stand; the threshold is for the others
        t_flag, f_flag = _best_threshold(y[mf & ~rule_flag], p_flag[mf & ~rule_flag], 0.05, 0.95,
                                         w=w_flag[mf & ~rule_flag])
        # F1 of the whole rule-OR decision
        pred = (p_flag >= t_flag) | rule_flag
        ww, yy, pp = w_flag[mf], y[mf], pred[mf]
        tp, fp, fn = ww[pp & (yy == 1)].sum(), ww[pp & (yy == 0)].sum(), ww[~pp & (yy == 1)].sum()
        f_flag = float(2 * tp / max(2 * tp + fp + fn, 1e-9))
        t_rules = 0.0
    elif cfg.split_flag_threshold:
        t_flag, t_rules, f_flag = _best_pair(y[mf], p_flag[mf], rule_flag[mf], w_flag[mf])
    else:
        t_flag, f_flag = _best_threshold(y[mf], p_flag[mf], w=w_flag[mf])
        t_rules = t_flag
    mc = w_cat > 0
    t_cat, f_cat = {}, {}
    for k, c in enumerate(cats):
        yk = Y[mc, k]
        if yk.sum() >= cfg.min_support_for_threshold:
            t_cat[c], f_cat[c] = _best_threshold(yk, p_cat[mc, k], 0.15, 0.85, w=w_cat[mc])
        else:
            t_cat[c], f_cat[c] = 0.5, None
    return {"flag": t_flag, "flag_rules": t_rules, "categories": t_cat}, f_flag


def _stack_target(R, oof_f, oof_c, y, Y, groups, target, real, cats, cfg: TrainConfig, log=None) -> dict:
    """Stackers and thresholds for the target convention, from out-of-fold base
    probabilities. The stackers are fitted on the target examples (and the real corpus ones
    with ``*_stack_corpus_weight``); the thresholds are chosen on *cross-fitted* stacked
    scores of the target examples (grouped folds over the target examples: each one is
    scored by stackers that did not see its document). Returns the stackers, thresholds,
    the cross-fitted scores and their figures."""
    n = len(y)
    corpus = real & ~target
    w_flag = np.where(target, 1.0, np.where(corpus, cfg.flag_stack_corpus_weight, 0.0))
    w_cat = np.where(target, 1.0, np.where(corpus, cfg.cat_stack_corpus_weight, 0.0))
    rule_flag = R[:, -1] > 0
    tidx = np.flatnonzero(target)
    cv_f = np.zeros(n)
    cv_c = np.zeros((n, len(cats)))
    tgroups = [groups[i] for i in tidx]
    for te_local in _group_folds(tgroups, y[tidx], cfg.target_folds, cfg.seed + 1):
        te = tidx[te_local]
        wf, wc = w_flag.copy(), w_cat.copy()
        wf[te] = 0.0
        wc[te] = 0.0
        sf, sc = _fit_stackers(R, oof_f, oof_c, y, Y, wf, wc, cfg)
        pf, pc = _stack_predict({"stack_flag": sf, "stack_cat": sc, "config": {"flag_stack": cfg.flag_stack}},
                                R[te], oof_f[te], oof_c[te])
        cv_f[te] = pf
        cv_c[te] = pc
    stack_flag, stack_cat = _fit_stackers(R, oof_f, oof_c, y, Y, w_flag, w_cat, cfg)
    full = {"stack_flag": stack_flag, "stack_cat": stack_cat, "config": {"flag_stack": cfg.flag_stack}}
    # corpus rows (category thresholds with a corpus weight): scored by the final stackers
    if corpus.any():
        pf, pc = _stack_predict(full, R[corpus], oof_f[corpus], oof_c[corpus])
        cv_f[corpus] = pf
        cv_c[corpus] = pc
    thresholds, _ = _choose_thresholds(y, Y, cv_f, cv_c, rule_flag, np.where(target, 1.0, 0.0), w_cat, cats, cfg)
    dec = _decide(cv_f[tidx], cv_c[tidx], thresholds, cats, rule_flag[tidx])
    figures = _oof_metrics(y[tidx], Y[tidx], cv_f[tidx], dec, cats)
    return {"stack_flag": stack_flag, "stack_cat": stack_cat, "thresholds": thresholds,
            "cv_flag": cv_f[tidx], "cv_cat": cv_c[tidx], "figures": figures}


def _criterion(fig: dict) -> float:
    """What the inner CV maximises when it chooses the target weight: the two bars' figures."""
    return float(fig["flag_f1"]) + float(fig["category_micro_f1"])


_GRID: tuple | None = None  # the training data of train_model's grid, for its worker processes


def _grid_job(job: tuple) -> tuple:
    """One (target weight, C) of the target-mode grid: inner-CV stackers and figures."""
    tw, C = job
    X, y, Y, w, folds, cfg, R, groups, target, real, cats = _GRID
    oof_f, oof_c = _base_oof(X, y, Y, np.where(target, tw, w), folds, replace(cfg, C=C))
    return tw, C, _stack_target(R, oof_f, oof_c, y, Y, groups, target, real, cats, cfg)


def _run_jobs(fn: Callable, jobs: list, workers: int) -> list:
    """``fn`` over ``jobs`` in order, in ``workers`` forked processes where that is possible
    (not inside a worker of :func:`nested_cv`, which is itself a pool process)."""
    import multiprocessing as mp

    if workers > 1 and len(jobs) > 1 and not mp.current_process().daemon and "fork" in mp.get_all_start_methods():
        with mp.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            return pool.map(fn, jobs)
    return [fn(j) for j in jobs]


def train_model(examples: Sequence, F: RawFeatures, cfg: TrainConfig | None = None,
                version: str | None = None, log: Callable[[str], None] | None = None,
                data_summary: dict | None = None, workers: int = 1) -> ScreenerModel:
    """Fit vectorisers, base models, stackers and thresholds on ``examples`` (objects with
    ``flag``, ``categories``, ``source`` and ``group``) whose features are ``F``.

    Two modes. Without target examples (``cfg.target_sources``: dev, with
    ``--include-dev``), stackers and thresholds are fitted on the out-of-fold base
    probabilities of the real corpus examples. With at least ``cfg.min_target`` of them
    (*target mode*, domain adaptation to the measuring set's convention): the base models
    are trained on everything with target examples weighted (the weight chosen from
    ``cfg.target_weight_grid`` by inner grouped CV), the stackers are fitted on the target
    examples' out-of-fold base probabilities (:func:`_stack_target`) and the thresholds on
    their cross-fitted stacked scores. Nothing in either mode uses examples outside
    ``examples``: :func:`nested_cv` relies on it. ``workers`` > 1 runs the target-mode grid in
    that many processes (the same model as with one)."""
    cfg = cfg or TrainConfig()
    log = log or (lambda s: None)
    t0 = time.perf_counter()
    cats = category_ids()
    n = len(examples)
    if n == 0:
        raise ModelError("no training examples")
    y = np.array([int(e.flag) for e in examples])
    if y.min() == y.max():
        raise ModelError("the training examples are all flagged or all unflagged: cannot train")
    Y = np.array([[int(c in e.categories) for c in cats] for e in examples]).reshape(n, len(cats))
    sources = [e.source for e in examples]
    groups = [e.group for e in examples]
    w = _weights(sources, cfg)
    vec = _fit_vectorizers(F, cfg)
    X = _transform(vec, F, cfg.title_weight)
    R = _rule_matrix(F, cats)
    log(f"features: {X.shape[1]} columns, {n} examples")
    folds = _group_folds(groups, y, cfg.folds, cfg.seed)
    real = np.array([s != "synthetic" for s in sources])
    target = _target_mask(sources, cfg)
    extra_meta: dict = {}

    if _use_target_mode(y, target, cfg):
        best = None
        trials = []
        grid = list(cfg.target_weight_grid) or [cfg.dev_weight]
        jobs = [(tw, C) for tw in grid for C in (cfg.target_C_grid or (cfg.C,))]
        global _GRID
        _GRID = (X, y, Y, w, folds, cfg, R, groups, target, real, cats)
        try:
            for tw, C, st in _run_jobs(_grid_job, jobs, workers):
                crit = _criterion(st["figures"])
                trials.append({"target_weight": tw, "C": C, **st["figures"]})
                log(f"target weight {tw:g}, C {C:g}: inner CV over {int(target.sum())} target examples: flag "
                    f"F1 {st['figures']['flag_f1']:.3f}, PR-AUC {st['figures']['flag_pr_auc']:.3f}, category "
                    f"micro-F1 {st['figures']['category_micro_f1']:.3f} ({time.perf_counter() - t0:.1f} s)")
                if best is None or crit > best[0] + 1e-9:
                    best = (crit, tw, C, st)
        finally:
            _GRID = None
        _, tw, C, st = best
        w = np.where(target, tw, w)
        base_flag, base_cat = _fit_base(X, y, Y, w, replace(cfg, C=C))
        stack_flag, stack_cat, thresholds = st["stack_flag"], st["stack_cat"], st["thresholds"]
        oof_metrics = dict(st["figures"], on="target examples, inner grouped CV (cross-fitted stackers)")
        extra_meta = {"mode": "target", "target_weight": tw, "target_C": C, "target_trials": trials,
                      "n_target": int(target.sum())}
        log(f"target mode: weight {tw:g}, C {C:g}; thresholds flag {thresholds['flag']:.2f}"
            + (" (or the rules flag)" if cfg.rule_or else ""))
    else:
        # out-of-fold base probabilities for the stackers and the thresholds
        oof_f, oof_c = _base_oof(X, y, Y, w, folds, cfg)
        log(f"out-of-fold base models: {len(folds)} folds ({time.perf_counter() - t0:.1f} s)")
        base_flag, base_cat = _fit_base(X, y, Y, w, cfg)
        if real.sum() < 50 or y[real].min() == y[real].max():
            real = np.ones(n, dtype=bool)  # e.g. shared/ absent: synthetic + reviews only
            log("stackers and thresholds fitted on all examples (fewer than 50 real ones)")
        sw = np.where(real, np.array([cfg.dev_stack_weight if s == "dev" else 1.0 for s in sources]), 0.0)
        stack_flag, stack_cat = _fit_stackers(R, oof_f, oof_c, y, Y, sw, sw, cfg)
        state_partial = {"stack_flag": stack_flag, "stack_cat": stack_cat, "config": cfg.to_dict()}
        p_flag, p_cat = _stack_predict(state_partial, R, oof_f, oof_c)
        rfl = R[:, -1] > 0
        thresholds, f_flag = _choose_thresholds(y, Y, p_flag, p_cat, rfl, sw, sw, cats, cfg)
        log(f"thresholds (out-of-fold, {int(real.sum())} real examples): flag {thresholds['flag']:.2f} "
            f"(F1 {f_flag:.3f})")
        dec = _decide(p_flag[real], p_cat[real], thresholds, cats, rfl[real])
        oof_metrics = dict(_oof_metrics(y[real], Y[real], p_flag[real], dec, cats),
                           on="real examples, out-of-fold grouped by document")
        extra_meta = {"mode": "corpus"}
    version = version or time.strftime("%Y.%m.%d")
    meta = {
        "version": version,
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "features_version": FEATURES_VERSION,
        "rules_version": RULES_VERSION,
        "n_examples": n,
        "n_by_source": {s: sources.count(s) for s in sorted(set(sources))},
        "n_flagged": int(y.sum()),
        "n_features": int(X.shape[1]),
        "train_seconds": round(time.perf_counter() - t0, 1),
        "oof": oof_metrics,
        "data": data_summary or {},
        **extra_meta,
    }
    state = {
        "format": 1,
        "categories": cats,
        "config": cfg.to_dict(),
        "vec": vec,
        "base_flag": base_flag,
        "base_cat": base_cat,
        "stack_flag": stack_flag,
        "stack_cat": stack_cat,
        "thresholds": thresholds,
        "meta": meta,
    }
    return ScreenerModel(state)


_NESTED: tuple | None = None  # (examples, F, cfg, fit) for the worker processes of nested_cv


def _nested_job(job: tuple) -> tuple:
    seed, k, te = job
    examples, F, cfg, fit = _NESTED
    held_out = {examples[i].group for i in te}
    tr = np.array([i for i, e in enumerate(examples) if e.group not in held_out], dtype=int)
    t0 = time.perf_counter()
    m = fit([examples[i] for i in tr], F.subset(tr), cfg)
    secs = time.perf_counter() - t0
    Ft = F.subset(te)
    pf, pc = m.predict_proba(Ft)
    dec = m.decide(pf, pc, [bool(j.flag) for j in Ft.judgements])
    info = {"seed": seed, "fold": k, "n_test": int(len(te)), "target_weight": m.meta.get("target_weight"),
            "target_C": m.meta.get("target_C"), "mode": m.meta.get("mode"), "thresholds": m.thresholds, "train_seconds": round(secs, 1),
            "test_index": [int(i) for i in te]}
    return pf, pc, dec, info


def nested_cv(examples: Sequence, F: RawFeatures, cfg: TrainConfig | None = None,
              seeds: Sequence[int] = (0, 1, 2), outer_folds: int = 5,
              log: Callable[[str], None] | None = None,
              fit: Callable | None = None, workers: int = 1) -> list[dict]:
    """Honest figures for the target examples (``cfg.target_sources``) of ``examples``.

    For each seed, the target examples are split into ``outer_folds`` folds grouped by
    document (``group``); for each fold a model is trained by :func:`train_model` on
    *everything else* (the corpus and the other target folds) except the examples of the
    fold's documents (corpus provisions of a held-out document are held out too) -- so every choice (target
    weight, stackers, thresholds, even the vectorisers' vocabulary) is made on the
    outer-training part, by its inner grouped CV -- and judges the fold's examples. Returns
    one dict per seed: ``index`` (positions in ``examples`` of the target rows, in order),
    ``p_flag``, ``p_cat``, ``decisions`` (flag, categories) and ``folds`` (per fold: the
    test rows, the chosen target weight and thresholds). ``fit`` replaces
    :func:`train_model` (tests); ``workers`` > 1 trains folds in parallel (fork)."""
    global _NESTED
    cfg = cfg or TrainConfig()
    log = log or (lambda s: None)
    fit = fit or train_model
    cats = category_ids()
    sources = [e.source for e in examples]
    target = np.flatnonzero(_target_mask(sources, cfg))
    if len(target) == 0:
        raise ModelError("nested_cv: no target examples")
    y = np.array([int(e.flag) for e in examples])
    groups = [examples[i].group for i in target]
    jobs = []
    local_of = {int(t): j for j, t in enumerate(target)}
    for seed in seeds:
        for k, te_local in enumerate(_group_folds(groups, y[target], outer_folds, 1000 + seed)):
            jobs.append((seed, k, target[te_local]))
    _NESTED = (examples, F, cfg, fit)
    try:
        if workers > 1:
            import multiprocessing as mp

            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
            with ctx.Pool(workers) as pool:
                results = []
                for r in pool.imap(_nested_job, jobs):
                    results.append(r)
                    log(f"nested CV seed {r[3]['seed']} fold {r[3]['fold'] + 1}/{outer_folds}: weight "
                        f"{r[3]['target_weight']}, flag threshold {r[3]['thresholds']['flag']:.2f} "
                        f"({r[3]['train_seconds']} s)")
        else:
            results = []
            for job in jobs:
                r = _nested_job(job)
                results.append(r)
                log(f"nested CV seed {r[3]['seed']} fold {r[3]['fold'] + 1}/{outer_folds}: weight "
                    f"{r[3]['target_weight']}, flag threshold {r[3]['thresholds']['flag']:.2f} "
                    f"({r[3]['train_seconds']} s)")
    finally:
        _NESTED = None
    out = []
    for seed in seeds:
        p_flag = np.zeros(len(target))
        p_cat = np.zeros((len(target), len(cats)))
        decisions: list = [None] * len(target)
        folds = []
        for pf, pc, dec, info in results:
            if info["seed"] != seed:
                continue
            loc = [local_of[i] for i in info["test_index"]]
            p_flag[loc] = pf
            p_cat[loc] = pc
            for i, d in zip(loc, dec):
                decisions[i] = d
            folds.append(info)
        out.append({"seed": seed, "index": [int(i) for i in target], "p_flag": p_flag, "p_cat": p_cat,
                    "decisions": decisions, "folds": folds})
    return out


def _oof_metrics(y, Y, p_flag, dec, cats) -> dict:
    from sklearn.metrics import average_precision_score

    pred = np.array([d[0] for d in dec])
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    ctp = cfp = cfn = 0
    for i, (_, cs) in enumerate(dec):
        gold = {c for k, c in enumerate(cats) if Y[i, k]}
        ctp += len(gold & set(cs))
        cfp += len(set(cs) - gold)
        cfn += len(gold - set(cs))
    return {
        "n": int(len(y)),
        "flag_f1": round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0,
        "flag_pr_auc": round(float(average_precision_score(y, p_flag)), 4),
        "category_micro_f1": round(2 * ctp / (2 * ctp + cfp + cfn), 4) if ctp else 0.0,
    }


# ------------------------------------------------------------------ saving and loading
def save_model(model: ScreenerModel, path: str | Path) -> Path:
    """Dump the model's state with skops to ``path`` (a file); returns the path."""
    import skops.io as sio

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    import zipfile

    sio.dump(model.state, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    return path


def card_sha256(card_path: Path) -> str | None:
    if not card_path.is_file():
        return None
    for line in card_path.read_text(encoding="utf-8").splitlines():
        s = line.strip().strip("-*` |")
        low = s.lower()
        if low.startswith("sha256"):
            digest = s.split(":", 1)[-1].strip().strip("` ")
            if len(digest) == 64:
                return digest.lower()
    return None


def verified_model_file(path: str | Path, verify: bool = True) -> Path:
    """The model file of a folder (or the file itself), refused when its sha256 does not match
    the one in the folder's ``MODEL_CARD.md``."""
    path = Path(path)
    file = path / MODEL_FILE if path.is_dir() else path
    if not file.is_file():
        raise ModelError(f"no model file at {file}")
    if verify:
        card = file.parent / CARD_FILE
        expected = card_sha256(card)
        if expected is None:
            raise ModelError(f"{card} is missing or names no sha256: refusing to load {file}")
        actual = file_sha256(file)
        if actual != expected:
            raise ModelError(f"{file}: sha256 {actual[:12]}... does not match the model card "
                             f"({expected[:12]}...): refusing to load a modified model")
    return file


def load_model(path: str | Path, verify: bool = True) -> ScreenerModel:
    """Load a model folder (or its ``model.skops``): the sha256 of the file must match the
    one in the folder's ``MODEL_CARD.md`` (``verify``), and every type in the file must be
    on :data:`TRUSTED_TYPES`."""
    import skops.io as sio

    file = verified_model_file(path, verify)
    untrusted = sio.get_untrusted_types(file=file)
    bad = [t for t in untrusted if t not in TRUSTED_TYPES]
    if bad:
        raise ModelError(f"{file} contains types that are not on the allow-list: {', '.join(bad)}")
    try:
        state = sio.load(file, trusted=list(untrusted))
    except Exception as exc:  # skops raises several kinds for a damaged file
        raise ModelError(f"cannot load {file}: {exc}") from exc
    return model_from_state(state, file)


def model_from_state(state, file: Path) -> ScreenerModel:
    """A loaded state as a model, refused unless it is a screener model of format 1."""
    need = ("categories", "vec", "base_flag", "base_cat", "stack_flag", "stack_cat", "thresholds", "meta")
    if not isinstance(state, dict) or state.get("format") != 1 or any(k not in state for k in need):
        raise ModelError(f"{file} is not a screener model (format 1)")
    return ScreenerModel(state)
