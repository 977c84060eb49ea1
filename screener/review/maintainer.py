"""Maintainer actions behind the app's "Quản trị mô hình" page, over the classifier's API.

- ``status()``: the active model (``models/CURRENT`` via ``screener.classifier``), its card
  and metrics; the rules when no model is installed.
- ``export_decisions(store)``: the review decisions as corpus rows
  (``screener.review_export.decisions_to_corpus``) in ``corpus/reviews/reviews_<time>.jsonl``.
- ``train_candidate()``: ``training/train.py`` (``screener train`` without ``--promote``)
  into a new ``models/<name>/``, then both models measured on the held-out labels
  (``../shared/labels/dev.jsonl``) with ``training/train.py:compare``.
- ``promote(candidate)`` (``screener.classifier.card.set_current``, kept in
  ``models/HISTORY``, undone by ``screener models rollback``) or ``discard(candidate)``.

What the classifier's side does not provide yet is listed in ``status().missing``, in
Vietnamese, and the page disables the matching buttons.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REVIEWS_DIR = REPO / "corpus" / "reviews"
TRAIN_SCRIPT = REPO / "training" / "train.py"


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _training():
    """``training/train.py`` (the training glue is not packaged), or None."""
    if not TRAIN_SCRIPT.is_file():
        return None
    spec = importlib.util.spec_from_file_location("screener_training_train", TRAIN_SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def models_root() -> Path:
    scorer = _module("screener.classifier.scorer")
    return scorer.models_root() if scorer and hasattr(scorer, "models_root") else REPO / "models"


@dataclass
class MaintainerStatus:
    current_version: str
    current_dir: Path | None = None
    card: str = ""
    metrics: dict = field(default_factory=dict)  # headline figures of the active model
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    can_export: bool = False
    can_train: bool = False
    holdout: Path | None = None


def headline(metrics: dict) -> dict:
    """A few figures from a model's ``metrics.json`` or an ``evaluate_judgements`` result."""
    src = metrics.get("dev", metrics) if isinstance(metrics, dict) else {}
    out = {}
    flag = src.get("flag") or {}
    cat = src.get("category_micro") or {}
    for key, value in (("Số mẫu đánh giá", src.get("n")), ("Precision (gắn cờ)", flag.get("precision")),
                       ("Recall (gắn cờ)", flag.get("recall")), ("F1 (gắn cờ)", flag.get("f1")),
                       ("PR-AUC (gắn cờ)", flag.get("pr_auc")), ("F1 nhóm rủi ro (micro)", cat.get("f1"))):
        if value is not None:
            out[key] = round(value, 3) if isinstance(value, float) else value
    if "held_out" in src:
        out["Nhãn đánh giá độc lập với dữ liệu huấn luyện"] = "có" if src["held_out"] else "không"
    oof = metrics.get("oof") if isinstance(metrics, dict) else None
    if oof:
        out["F1 gắn cờ (kiểm định chéo trên tập huấn luyện)"] = round(oof.get("flag_f1", 0), 3)
    return out


def status() -> MaintainerStatus:
    from screener.rules import RULES_VERSION

    st = MaintainerStatus(current_version=f"rules-{RULES_VERSION} (chỉ bộ quy tắc)")
    scorer_mod = _module("screener.classifier.scorer")
    card_mod = _module("screener.classifier.card")
    if scorer_mod is None or not hasattr(scorer_mod, "current_model_dir"):
        st.missing.append("Chưa có screener.classifier.scorer.current_model_dir: không đọc được mô hình đang dùng.")
    else:
        d = scorer_mod.current_model_dir()
        if d is not None and d.exists():
            st.current_dir = d
            st.current_version = d.name
            card = d / "MODEL_CARD.md"
            st.card = card.read_text(encoding="utf-8") if card.is_file() else ""
            mfile = d / "metrics.json"
            if mfile.is_file():
                raw = json.loads(mfile.read_text(encoding="utf-8"))
                st.metrics = headline(raw)
                if raw.get("include_dev"):
                    st.notes.append("Mô hình đang dùng được huấn luyện cả trên nhãn dev: các chỉ số trên dev của nó, "
                                    "và phép so sánh với mô hình mới trên dev, không phải là đánh giá độc lập.")
        else:
            st.notes.append("Chưa có mô hình được huấn luyện và đưa vào sử dụng: công cụ đang dùng bộ quy tắc.")
    export = _module("screener.review_export")
    st.can_export = bool(export and hasattr(export, "decisions_to_corpus"))
    if not st.can_export:
        st.missing.append("Chưa có screener.review_export.decisions_to_corpus: chưa xuất được quyết định rà soát "
                          "sang kho ngữ liệu (corpus/reviews/).")
    train = TRAIN_SCRIPT.is_file()
    st.can_train = bool(train and card_mod and hasattr(card_mod, "set_current"))
    if not train:
        st.missing.append(f"Chưa có {TRAIN_SCRIPT.relative_to(REPO)}: chưa huấn luyện lại được.")
    if card_mod is None or not hasattr(card_mod, "set_current"):
        st.missing.append("Chưa có screener.classifier.card.set_current: chưa đưa mô hình mới vào sử dụng được.")
    holdout = REPO.parent / "shared" / "labels" / "dev.jsonl"
    st.holdout = holdout if holdout.is_file() else None
    if st.holdout is None:
        st.notes.append(f"Không có nhãn đánh giá độc lập ({holdout}): không so sánh được mô hình mới với mô hình "
                        "hiện tại.")
    return st


def export_decisions(store, out_dir: Path | None = None) -> tuple[Path, int]:
    """Write the reviewers' final decisions as corpus rows (``screener.review_export``) to
    ``corpus/reviews/reviews-<time>.jsonl``; returns the file and its number of rows."""
    from screener.review.decisions import corpus_decisions
    from screener.review_export import write_reviews

    path = write_reviews(corpus_decisions(store.decisions()), out_dir=out_dir or REVIEWS_DIR)
    with open(path, encoding="utf-8") as fh:
        n = sum(1 for line in fh if line.strip())
    return path, n


@dataclass
class Candidate:
    name: str
    path: Path
    metrics: dict  # headline figures on the held-out labels
    current_metrics: dict  # the active model (or the rules) on the same labels
    current_name: str
    #: the CLI's promotion rule on the held-out labels; None when there are none to compare on
    not_worse: bool | None = None


def train_candidate(workers: int | None = None) -> Candidate:
    """Train a new model (not promoted) and measure it beside the active one."""
    train = _training()
    if train is None:
        raise RuntimeError(f"{TRAIN_SCRIPT} not found")
    root = models_root()
    name = f"screener-{time.strftime('%Y.%m.%d-%H%M%S')}"
    out = root / name
    code = train.train_command(None, str(out), False, False, None, 0.0, workers, command="app: Quản trị mô hình")
    if code != 0 or not (out / "model.skops").is_file():
        raise RuntimeError(f"training failed (exit status {code}); see the server log")
    from screener.classifier.card import read_current

    cur = read_current(root)
    hold = REPO.parent / "shared" / "labels" / "dev.jsonl"
    new_m, cur_m, cur_name, ok = {}, {}, cur or "rules", None
    if hold.is_file():
        new, current = train.compare(out, root / cur if cur else None, hold)
        new_m, cur_m = headline(new), headline(current)
        cur_name = current.get("_name") or cur_name
        ok = train.not_worse(new, current)
    return Candidate(name, out, new_m, cur_m, cur_name, ok)


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def comparison_rows(candidate: Candidate) -> list[dict]:
    """The active model and the candidate side by side (text cells, for a table)."""
    keys = list(dict.fromkeys(list(candidate.current_metrics) + list(candidate.metrics)))
    return [{"Chỉ số": k, f"Hiện tại ({candidate.current_name})": _fmt(candidate.current_metrics.get(k)),
             f"Mới ({candidate.name})": _fmt(candidate.metrics.get(k))} for k in keys]


def metrics_rows(metrics: dict) -> list[dict]:
    return [{"Chỉ số": k, "Giá trị": _fmt(v)} for k, v in metrics.items()]


def promote(candidate: Candidate) -> None:
    from screener.classifier.card import set_current

    set_current(models_root(), candidate.name)


def discard(candidate: Candidate) -> None:
    from screener.classifier.card import read_current

    root = models_root()
    if read_current(root) == candidate.name:
        raise ValueError("the active model cannot be discarded")
    if candidate.path.resolve().parent == root.resolve() and candidate.path.exists():
        shutil.rmtree(candidate.path)
