"""Maintainer actions for the app's "Quản trị mô hình" page, over the classifier's API.

Export the review decisions to the corpus (``screener.review_export.decisions_to_corpus`` →
``corpus/reviews/*.jsonl``), retrain, compare the candidate with the current model on
held-out labels, promote or discard it. Whatever part of the classifier's API is not there
yet is reported in ``status().missing`` (Vietnamese) and its buttons stay disabled.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REVIEWS_DIR = REPO / "corpus" / "reviews"


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


@dataclass
class MaintainerStatus:
    current_version: str
    card: str = ""
    metrics: dict = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    can_export: bool = False
    can_train: bool = False


def current_scorer():
    """(scorer, version) of the promoted model combined with the rules, or None."""
    return None


def status() -> MaintainerStatus:
    from screener.rules import RULES_VERSION

    st = MaintainerStatus(current_version=f"rules-{RULES_VERSION}")
    export = _module("screener.review_export")
    st.can_export = bool(export and hasattr(export, "decisions_to_corpus"))
    if not st.can_export:
        st.missing.append("Chưa có screener.review_export.decisions_to_corpus: chưa xuất được quyết định sang kho ngữ liệu.")
    st.missing.append("Chưa có API huấn luyện, đánh giá và đưa mô hình vào sử dụng trong screener.classifier.")
    return st


def export_decisions(store, out_dir: Path | None = None) -> tuple[Path, int]:
    """Write every decision in ``store`` as corpus rows to ``corpus/reviews/<timestamp>.jsonl``."""
    from screener.review_export import decisions_to_corpus

    rows = decisions_to_corpus(store.decisions())
    out_dir = out_dir or REVIEWS_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"reviews_{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path, len(rows)


def metrics_rows(metrics: dict) -> list[dict]:
    return [{"Chỉ số": k, "Giá trị": v} for k, v in metrics.items()]


def compare_rows(current: dict, candidate: dict) -> list[dict]:
    keys = list(dict.fromkeys(list(current) + list(candidate)))
    return [{"Chỉ số": k, "Mô hình hiện tại": current.get(k), "Mô hình mới": candidate.get(k)} for k in keys]


def train_candidate():
    raise NotImplementedError("classifier training API not available")


def promote(candidate) -> None:
    raise NotImplementedError


def discard(candidate) -> None:
    raise NotImplementedError
