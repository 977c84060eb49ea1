"""The model's bars on ../shared/labels/dev.jsonl, rules vs combined, in one command.

(a) the model trained on the corpus only (dev texts excluded), evaluated on all of dev;
(b) the model trained on the corpus + dev folds: grouped 5-fold cross-validation over dev by
    document (doc_ref); every dev provision is judged by a model that did not see its
    document.
Both are printed beside the rules alone; then the bars: flag F1 >= 0.80, category micro-F1
>= 0.65, combined beats rules on flag F1 and PR-AUC, training on the whole corpus < 2 min.

Run: .venv/bin/python benchmarks/model_dev.py [--errors N] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

import numpy as np  # noqa: E402

from screener.classifier.evaluate import evaluate_judgements, format_report  # noqa: E402
from screener.classifier.features import extract_parallel  # noqa: E402
from screener.classifier.model import TrainConfig, train_model  # noqa: E402
from screener.classifier.scorer import CombinedScorer  # noqa: E402
from train import DEV, dev_examples, load_training_data  # noqa: E402

FOLDS = 5


def dev_folds(rows: list[dict], k: int = FOLDS, seed: int = 0) -> list[list[int]]:
    """Folds of dev grouped by doc_ref, balanced greedily in size."""
    rng = np.random.default_rng(seed)
    docs: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        docs.setdefault(str(r.get("doc_ref") or r.get("id")), []).append(i)
    keys = list(docs)
    rng.shuffle(keys)
    keys.sort(key=lambda d: -len(docs[d]))
    folds: list[list[int]] = [[] for _ in range(k)]
    for d in keys:
        min(folds, key=len).extend(docs[d])
    return [sorted(f) for f in folds]


def line(name: str, r: dict) -> str:
    f = r["flag"]
    return (f"{name:34} {f['precision']:6.3f} {f['recall']:6.3f} {f['f1']:6.3f} "
            f"{(f['pr_auc'] or 0):7.3f} {r['category_micro']['f1']:8.3f} {r['calibration']['brier']:7.4f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--errors", type=int, default=0, help="print the N worst errors of (a)")
    ap.add_argument("--json", help="write all figures here")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--card", help="also put these figures into the model card of this model folder")
    args = ap.parse_args(argv)
    if not DEV.is_file():
        print(f"SKIP: {DEV} not found (shared/ is not beside the repo): no dev figures")
        return 0
    import contextlib
    import io

    buf = io.StringIO()

    class Tee(io.TextIOBase):
        def write(self, x):
            buf.write(x)
            return sys.__stdout__.write(x)

    with contextlib.redirect_stdout(Tee()):
        status = _run(args)
    if args.card:
        from screener.classifier.card import update_card

        update_card(Path(args.card), {"benchmark": buf.getvalue()})
        print(f"figures written into {Path(args.card) / 'MODEL_CARD.md'}")
    return status


def _run(args) -> int:
    t0 = time.perf_counter()
    examples, report, dev_rows = load_training_data(None)
    for m in report.messages:
        print(f"note: {m}")
    print(f"corpus: {len(examples)} examples ({', '.join(f'{k} {v}' for k, v in sorted(report.counts.items()))}); "
          f"dev: {len(dev_rows)} provisions, {sum(r['flag'] for r in dev_rows)} flagged, "
          f"{len({r['doc_ref'] for r in dev_rows})} documents")
    F = extract_parallel(examples, workers=args.workers)
    t_feat = time.perf_counter() - t0
    t1 = time.perf_counter()
    model = train_model(examples, F, TrainConfig())
    t_train = time.perf_counter() - t1
    total = time.perf_counter() - t0
    dev_ex = dev_examples(dev_rows)
    D = extract_parallel(dev_ex, workers=args.workers)
    items = [(r["text"], r.get("article_title"), r.get("doc_type")) for r in dev_rows]

    rules = evaluate_judgements(dev_rows, D.judgements, n_errors=args.errors)
    a = evaluate_judgements(dev_rows, CombinedScorer(model, "a").judge(items, D), n_errors=args.errors)

    # (b) grouped CV over dev: corpus + the other dev folds
    t2 = time.perf_counter()
    preds: list = [None] * len(dev_rows)
    for k, test in enumerate(dev_folds(dev_rows)):
        tset = set(test)
        train_idx = [i for i in range(len(dev_rows)) if i not in tset]
        ex_k = examples + [dev_ex[i] for i in train_idx]
        F_k = F + D.subset(train_idx)
        m_k = train_model(ex_k, F_k, TrainConfig())
        js = CombinedScorer(m_k, f"b{k}").judge([items[i] for i in test], D.subset(test))
        for i, j in zip(test, js):
            preds[i] = j
    b = evaluate_judgements(dev_rows, preds, n_errors=args.errors)
    t_cv = time.perf_counter() - t2

    print(f"\n{'dev.jsonl (n=%d)' % len(dev_rows):34} {'P':>6} {'R':>6} {'F1':>6} {'PR-AUC':>7} {'cat-F1':>8} {'Brier':>7}")
    print(line("rules alone", rules))
    print(line("(a) combined, corpus only", a))
    print(line("(b) combined, corpus+dev, 5-fold CV", b))
    print(f"\ntraining on the whole corpus ({len(examples)} examples, 2 cores): {total:.1f} s "
          f"(features {t_feat:.1f} s, model {t_train:.1f} s); (b) 5 trainings: {t_cv:.1f} s")
    real = [i for i, e in enumerate(examples) if e.source != "synthetic"]
    rc = evaluate_judgements([{"flag": examples[i].flag, "categories": examples[i].categories} for i in real],
                             [F.judgements[i] for i in real], n_errors=0)
    oof = model.meta["oof"]
    print(f"\nreal corpus provisions (n={len(real)}), the other measure:")
    print(f"  rules alone:                          flag F1 {rc['flag']['f1']:.3f}  PR-AUC {rc['flag']['pr_auc']:.3f}"
          f"  cat-F1 {rc['category_micro']['f1']:.3f}")
    print(f"  combined, out-of-fold (grouped by doc): flag F1 {oof['flag_f1']:.3f}  PR-AUC {oof['flag_pr_auc']:.3f}"
          f"  cat-F1 {oof['category_micro_f1']:.3f}")
    print(f"flag threshold (chosen by CV on the corpus): {model.thresholds['flag']:.2f}")

    def bar(name, ok, value):
        print(f"bar: {name}: {'PASS' if ok else 'FAIL'} ({value})")
        return ok

    print()
    for tag, r in (("(a)", a), ("(b)", b)):
        bar(f"{tag} flag F1 >= 0.80", r["flag"]["f1"] >= 0.80, f"{r['flag']['f1']:.3f}")
        bar(f"{tag} category micro-F1 >= 0.65", r["category_micro"]["f1"] >= 0.65, f"{r['category_micro']['f1']:.3f}")
        bar(f"{tag} combined beats rules on flag F1", r["flag"]["f1"] > rules["flag"]["f1"],
            f"{r['flag']['f1']:.3f} vs {rules['flag']['f1']:.3f}")
        bar(f"{tag} combined beats rules on PR-AUC", (r["flag"]["pr_auc"] or 0) > (rules["flag"]["pr_auc"] or 0),
            f"{r['flag']['pr_auc']:.3f} vs {rules['flag']['pr_auc']:.3f}")
    bar("training on the whole corpus < 120 s", total < 120, f"{total:.1f} s")
    if args.errors:
        print()
        print(format_report(a, "(a) combined, corpus only: details"))
        print()
        print(format_report(b, "(b) combined, grouped CV: details"))
    if args.json:
        Path(args.json).write_text(json.dumps({"rules": rules, "a": a, "b": b, "train_seconds": total},
                                              ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
