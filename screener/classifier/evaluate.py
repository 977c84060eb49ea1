"""Measures of a scorer against labelled provisions (``screener evaluate``).

:func:`evaluate_judgements` takes gold rows (``flag``, ``categories``, optionally ``id``,
``text``, ``doc_ref``) and judgements (``flag``, ``score``, ``categories``,
``category_scores``) and returns: flag precision / recall / F1 and PR-AUC (average
precision of ``score``); per category the same (PR-AUC of ``category_scores``) and the
micro average; calibration of ``score`` (Brier score and a reliability table in ten bins);
the worst errors (highest-scored false positives, lowest-scored false negatives); and, where
the rows carry ``doc_ref``, the same flag figures per document, averaged over documents
(each document counts once, whatever its size).
"""

from __future__ import annotations

import json
from typing import Sequence

import numpy as np

from screener.rules import category_ids

__all__ = ["evaluate_judgements", "format_report", "prf", "summarise_runs"]


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def _ap(y: np.ndarray, s: np.ndarray) -> float | None:
    if y.sum() == 0 or y.sum() == len(y):
        return None
    from sklearn.metrics import average_precision_score

    return round(float(average_precision_score(y, s)), 4)


def _reliability(y: np.ndarray, s: np.ndarray, bins: int = 10) -> list[dict]:
    out = []
    edges = np.linspace(0, 1, bins + 1)
    for k in range(bins):
        lo, hi = edges[k], edges[k + 1]
        m = (s >= lo) & ((s < hi) if k < bins - 1 else (s <= hi))
        if m.sum():
            out.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": int(m.sum()),
                        "mean_score": round(float(s[m].mean()), 4),
                        "flag_rate": round(float(y[m].mean()), 4)})
    return out


def _get(j, key):
    return j[key] if isinstance(j, dict) else getattr(j, key)


def evaluate_judgements(gold: Sequence[dict], judgements: Sequence, n_errors: int = 10) -> dict:
    cats = category_ids()
    y = np.array([int(bool(g.get("flag"))) for g in gold])
    pred = np.array([int(bool(_get(j, "flag"))) for j in judgements])
    score = np.array([float(_get(j, "score")) for j in judgements])
    tp = int(np.sum((pred == 1) & (y == 1)))
    fp = int(np.sum((pred == 1) & (y == 0)))
    fn = int(np.sum((pred == 0) & (y == 1)))
    out: dict = {"n": len(gold), "n_flagged": int(y.sum()), "flag": prf(tp, fp, fn)}
    out["flag"]["pr_auc"] = _ap(y, score)
    out["calibration"] = {"brier": round(float(np.mean((score - y) ** 2)), 4) if len(y) else None,
                          "reliability": _reliability(y, score)}
    per = {}
    micro = [0, 0, 0]
    for c in cats:
        g = np.array([c in (x.get("categories") or ()) for x in gold])
        p = np.array([c in _get(j, "categories") for j in judgements])
        s = np.array([float(_get(j, "category_scores").get(c, 0.0)) for j in judgements])
        ctp, cfp, cfn = int(np.sum(g & p)), int(np.sum(~g & p)), int(np.sum(g & ~p))
        micro = [micro[0] + ctp, micro[1] + cfp, micro[2] + cfn]
        per[c] = prf(ctp, cfp, cfn)
        per[c]["support"] = int(g.sum())
        per[c]["pr_auc"] = _ap(g.astype(int), s)
    out["categories"] = per
    out["category_micro"] = prf(*micro)
    # worst errors
    fps = [i for i in range(len(y)) if pred[i] and not y[i]]
    fns = [i for i in range(len(y)) if y[i] and not pred[i]]
    fps.sort(key=lambda i: -score[i])
    fns.sort(key=lambda i: score[i])

    def row(i):
        g = gold[i]
        return {"id": g.get("id"), "score": round(float(score[i]), 4), "gold": g.get("categories") or [],
                "predicted": list(_get(judgements[i], "categories")),
                "article_title": g.get("article_title"), "text": (g.get("text") or "")[:240]}

    out["worst_false_positives"] = [row(i) for i in fps[:n_errors]]
    out["worst_false_negatives"] = [row(i) for i in fns[:n_errors]]
    # by document
    if any(g.get("doc_ref") for g in gold):
        docs: dict[str, list[int]] = {}
        for i, g in enumerate(gold):
            docs.setdefault(str(g.get("doc_ref")), []).append(i)
        accs, recalls, precisions = [], [], []
        for idx in docs.values():
            yi, pi = y[idx], pred[idx]
            accs.append(float(np.mean(yi == pi)))
            if yi.sum():
                recalls.append(float(np.sum(yi & pi) / yi.sum()))
            if pi.sum():
                precisions.append(float(np.sum(yi & pi) / pi.sum()))
        big = sorted(docs.items(), key=lambda kv: -len(kv[1]))[:5]
        out["by_document"] = {
            "documents": len(docs),
            "mean_accuracy": round(float(np.mean(accs)), 4),
            "mean_recall_docs_with_flags": round(float(np.mean(recalls)), 4) if recalls else None,
            "mean_precision_docs_with_predictions": round(float(np.mean(precisions)), 4) if precisions else None,
            "largest": [{"doc_ref": d, "n": len(idx), **{k: v for k, v in prf(
                int(np.sum(y[idx] & pred[idx])), int(np.sum((1 - y[idx]) & pred[idx])),
                int(np.sum(y[idx] & (1 - pred[idx])))).items() if k in ("precision", "recall", "f1")}}
                for d, idx in big],
        }
    return out


def format_report(r: dict, title: str = "") -> str:
    lines = []
    if title:
        lines.append(f"== {title}")
    f = r["flag"]
    lines.append(f"{r['n']} provisions, {r['n_flagged']} flagged by the labels")
    lines.append(f"flag      P {f['precision']:.3f}  R {f['recall']:.3f}  F1 {f['f1']:.3f}  "
                 f"PR-AUC {f['pr_auc'] if f['pr_auc'] is not None else float('nan'):.3f}  "
                 f"(tp {f['tp']}, fp {f['fp']}, fn {f['fn']})")
    lines.append(f"{'category':24} {'P':>6} {'R':>6} {'F1':>6} {'PR-AUC':>7} {'support':>8}")
    for c, m in r["categories"].items():
        ap = f"{m['pr_auc']:.3f}" if m["pr_auc"] is not None else "   -"
        lines.append(f"{c:24} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {ap:>7} {m['support']:8d}")
    m = r["category_micro"]
    lines.append(f"{'micro':24} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f}")
    cal = r["calibration"]
    lines.append(f"calibration: Brier {cal['brier']:.4f}; reliability (bin: n, mean score -> flag rate):")
    for b in cal["reliability"]:
        lines.append(f"  {b['bin']}: {b['n']:4d}  {b['mean_score']:.3f} -> {b['flag_rate']:.3f}")
    if "by_document" in r:
        d = r["by_document"]
        lines.append(f"by document ({d['documents']} documents, each counted once): mean accuracy "
                     f"{d['mean_accuracy']:.3f}, mean recall {d['mean_recall_docs_with_flags']}, "
                     f"mean precision {d['mean_precision_docs_with_predictions']}")
        for x in d["largest"]:
            lines.append(f"  {x['doc_ref']}: n {x['n']}, P {x['precision']:.3f} R {x['recall']:.3f} F1 {x['f1']:.3f}")
    for kind, key in (("false positives (highest score)", "worst_false_positives"),
                      ("false negatives (lowest score)", "worst_false_negatives")):
        if r.get(key):
            lines.append(f"worst {kind}:")
            for e in r[key]:
                lines.append(f"  {e['score']:.3f} {e['id']} gold={e['gold']} pred={e['predicted']} | "
                             f"{e['article_title']} | {json.dumps(e['text'][:160], ensure_ascii=False)}")
    return "\n".join(lines)


def summarise_runs(runs: Sequence[dict]) -> tuple[dict, dict]:
    """Mean and standard deviation (over runs, e.g. seeds of a repeated CV) of each
    numeric figure of flat figure dicts."""
    keys = [k for k in runs[0] if isinstance(runs[0][k], (int, float))]
    mean = {k: round(float(np.mean([r[k] for r in runs])), 4) for k in keys}
    sd = {k: round(float(np.std([r[k] for r in runs], ddof=1)) if len(runs) > 1 else 0.0, 4) for k in keys}
    return mean, sd
