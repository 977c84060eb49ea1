"""Rule-based detector (screener.rules) against the labelled provisions.

- MEASURE: ``../shared/labels/dev.jsonl`` (adjudicated labels, guideline v1.1).
- TUNING set: the hand-labelled real provisions of ``corpus/real`` (texts resolved from
  ``../shared``). The rules were developed on its first-pass labels.

Prints flag precision / recall / F1, per-category precision / recall / F1 / support, trigger
overlap (share of gold triggers, over flagged gold items, that some predicted trigger
overlaps) and the time ``detect_many`` takes per 1000 provisions.

Run: python benchmarks/rules_dev.py [--errors N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screener.rules import RULES_VERSION, THRESHOLD, category_ids, detect_many  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEV = SHARED / "labels" / "dev.jsonl"


def load_dev(path: Path = DEV) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def load_corpus_real() -> list[dict]:
    """The hand-labelled real provisions of corpus/real (one adjudicated label per provision,
    texts resolved from ../shared); empty when ../shared is absent."""
    from screener.corpus import load_examples

    examples = load_examples(sorted((ROOT / "corpus/real").glob("*.jsonl")))
    return [{"id": e.id, "text": e.text, "article_title": e.article_title, "doc_type": e.doc_type,
             "flag": e.flag, "categories": e.categories, "triggers": e.triggers} for e in examples]


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(items: list[dict]) -> dict:
    t0 = time.perf_counter()
    preds = detect_many(items)
    elapsed = time.perf_counter() - t0
    tp = fp = fn = 0
    cat = {c: [0, 0, 0] for c in category_ids()}
    gold_trig = hit_trig = 0
    errors = {"fp": [], "fn": []}
    for it, j in zip(items, preds):
        g = bool(it.get("flag"))
        if g and j.flag:
            tp += 1
        elif j.flag:
            fp += 1
            errors["fp"].append((it, j))
        elif g:
            fn += 1
            errors["fn"].append((it, j))
        gc, pc = set(it.get("categories") or ()), set(j.categories)
        for c in cat:
            cat[c][0] += c in gc and c in pc
            cat[c][1] += c in pc and c not in gc
            cat[c][2] += c in gc and c not in pc
        if g:
            text = it["text"]
            spans = [(t.start, t.end) for t in j.triggers]
            for trig in it.get("triggers") or ():
                s = text.find(trig)
                if s < 0:
                    continue
                e = s + len(trig)
                gold_trig += 1
                hit_trig += any(a < e and s < b for a, b in spans)
    return {"n": len(items), "flag": (tp, fp, fn), "cat": cat, "gold_trig": gold_trig,
            "hit_trig": hit_trig, "seconds": elapsed, "errors": errors}


def report(name: str, r: dict, n_errors: int = 0) -> float:
    tp, fp, fn = r["flag"]
    p, rc, f = prf(tp, fp, fn)
    print(f"\n== {name}: {r['n']} provisions, {tp + fn} flagged by the labels")
    print(f"flag   precision {p:.3f}  recall {rc:.3f}  F1 {f:.3f}   (tp {tp}, fp {fp}, fn {fn})")
    print(f"{'category':24} {'P':>6} {'R':>6} {'F1':>6} {'support':>8} {'pred':>6}")
    micro = [0, 0, 0]
    for c, (ctp, cfp, cfn) in r["cat"].items():
        cp, cr, cf = prf(ctp, cfp, cfn)
        micro = [micro[0] + ctp, micro[1] + cfp, micro[2] + cfn]
        print(f"{c:24} {cp:6.3f} {cr:6.3f} {cf:6.3f} {ctp + cfn:8d} {ctp + cfp:6d}")
    mp, mr, mf = prf(*micro)
    print(f"{'micro':24} {mp:6.3f} {mr:6.3f} {mf:6.3f}")
    ov = r["hit_trig"] / r["gold_trig"] if r["gold_trig"] else 0.0
    print(f"trigger overlap: {r['hit_trig']}/{r['gold_trig']} gold triggers = {ov:.3f}")
    print(f"detect_many: {r['seconds']:.2f} s, {1000 * r['seconds'] / max(1, r['n']):.2f} s "
          f"per 1000 provisions")
    for kind in ("fp", "fn"):
        for it, j in r["errors"][kind][:n_errors]:
            trig = "; ".join(f"{t.rule}:{t.text}" for t in j.triggers)
            print(f"  [{kind}] {it.get('id')} | {it.get('article_title')} | "
                  f"{it['text'][:200]!r}\n      gold={it.get('categories')} "
                  f"{it.get('triggers')} pred={trig} {max(j.category_scores.values()):.2f}")
    return f


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--errors", type=int, default=0, help="print N false positives/negatives")
    ap.add_argument("--only", choices=["dev", "corpus"], default=None)
    args = ap.parse_args(argv)
    print(f"rules {RULES_VERSION}, threshold {THRESHOLD}")
    detect_many(["Khởi động."])  # build the pipeline outside the timing
    if args.only != "dev":
        lw = load_corpus_real()
        if lw:
            report("corpus/real (tuning set)", evaluate(lw), args.errors)
        else:
            print("\ncorpus/real texts not resolved (../shared absent): tuning figures skipped")
    if args.only != "corpus":
        if not DEV.is_file():
            print(f"\nSKIP: {DEV} not found (shared/ is not beside the repo): no dev figures")
            return 0
        f = report("dev.jsonl (measure)", evaluate(load_dev()), args.errors)
        print(f"\nbar: flag F1 >= 0.70 on dev: {'PASS' if f >= 0.70 else 'FAIL'} ({f:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
