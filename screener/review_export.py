"""Reviewers' decisions -> corpus rows (``corpus/reviews/*.jsonl``) for retraining.

The review app calls :func:`decisions_to_corpus` with decision dicts::

    {"decision": "confirm" | "dismiss" | "change" | "add",
     "text": provision text, "article_title": ..., "doc_type": ...,
     "category": the finding's category (for "add": the missed one),
     "new_category": the right category (for "change"),
     "severity": 1-3 or null, "triggers": [exact substrings of text], "note": ...,
     "reviewer": ..., "decided_at": ISO 8601 time, "document_sha256": ..., "model_version": ...,
     "label": citation ("điểm a khoản 2 Điều 5")}

and gets one corpus row per provision text (format: ``corpus/README.md``, "Review rows"):
the decisions on a provision are applied in time order -- ``confirm`` and ``add`` put the
category in, ``dismiss`` takes it out, ``change`` takes ``category`` out and puts
``new_category`` in (a later decision on the same category wins). What remains is the label;
if nothing remains the row has ``flag`` 0. Categories no reviewer decided on are not labels
and are not in the row. Severity is the highest severity given to a remaining category (1 if
none was given); triggers are the given trigger strings of the remaining categories that are
found in the text (the head of the provision if none is). :func:`write_reviews` writes them
to ``corpus/reviews/``.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Iterable

from screener.rules import category_ids

__all__ = ["decisions_to_corpus", "write_reviews", "review_id", "DECISIONS"]

DECISIONS = ("confirm", "dismiss", "change", "add")


def review_id(text: str) -> str:
    """Stable id of a reviewed provision: ``rev-`` + 16 hex digits of the text's sha256."""
    return "rev-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _head(text: str) -> str:
    from screener.classifier.scorer import head_span

    a, b = head_span(text)
    return text[a:b]


def decisions_to_corpus(decisions: Iterable[dict]) -> list[dict]:
    cats = set(category_ids())
    by_text: dict[str, list[tuple[int, dict]]] = {}
    for n, d in enumerate(decisions):
        kind = d.get("decision")
        if kind not in DECISIONS:
            raise ValueError(f"decision {n}: unknown decision {kind!r} (one of {', '.join(DECISIONS)})")
        text = d.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"decision {n}: no provision text")
        for key in ("category",) + (("new_category",) if kind == "change" else ()):
            if d.get(key) not in cats:
                raise ValueError(f"decision {n}: {key} {d.get(key)!r} is not a category id")
        by_text.setdefault(text, []).append((n, d))
    rows = []
    for text, items in by_text.items():
        items.sort(key=lambda nd: (str(nd[1].get("decided_at") or ""), nd[0]))
        state: dict[str, dict | None] = {}  # category -> the decision that put it in, or None
        for _, d in items:
            kind = d["decision"]
            if kind in ("confirm", "add"):
                state[d["category"]] = d
            elif kind == "dismiss":
                state[d["category"]] = None
            else:  # change
                state[d["category"]] = None
                state[d["new_category"]] = d
        kept = {c: d for c, d in state.items() if d is not None}
        categories = [c for c in category_ids() if c in kept]
        triggers: list[str] = []
        for c in categories:
            for t in kept[c].get("triggers") or ():
                if isinstance(t, str) and t and t in text and t not in triggers:
                    triggers.append(t)
        if categories and not triggers:
            triggers = [_head(text)]
        sevs = [int(kept[c]["severity"]) for c in categories
                if isinstance(kept[c].get("severity"), int) and 1 <= kept[c]["severity"] <= 3]
        last = items[-1][1]
        notes = [str(d.get("note")).strip() for _, d in items if d.get("note")]
        reviewers = sorted({str(d.get("reviewer")) for _, d in items if d.get("reviewer")})
        rows.append({
            "id": review_id(text),
            "text": text,
            "article_title": last.get("article_title"),
            "doc_type": last.get("doc_type"),
            "flag": 1 if categories else 0,
            "categories": categories,
            "severity": (max(sevs) if sevs else 1) if categories else None,
            "triggers": triggers if categories else [],
            "note": " ".join(dict.fromkeys(notes)) or ("reviewed: no risk" if not categories else "reviewed"),
            "source": "review",
            "reviewer": ", ".join(reviewers),
            "decided_at": last.get("decided_at"),
            "document_sha256": last.get("document_sha256"),
            "model_version": last.get("model_version"),
            "label": last.get("label"),
            "decisions": [{k: d.get(k) for k in ("decision", "category", "new_category", "reviewer",
                                                  "decided_at", "model_version")} for _, d in items],
        })
    return rows


def write_reviews(decisions: Iterable[dict], out_dir: str | Path | None = None,
                  name: str | None = None) -> Path:
    """Write :func:`decisions_to_corpus` rows to ``corpus/reviews/<name>.jsonl`` (default
    name: ``reviews-<UTC time>``); ``screener train --corpus corpus/reviews/*.jsonl`` uses
    them (the default corpus includes them)."""
    rows = decisions_to_corpus(decisions)
    out = Path(out_dir) if out_dir else Path(__file__).resolve().parents[1] / "corpus" / "reviews"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name or 'reviews-' + time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path
