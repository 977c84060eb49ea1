"""Training glue behind ``screener train``, ``screener evaluate`` and ``screener models``.

    screener train [--corpus PATH ...] [--out models/NAME] [--include-dev] [--promote]
    screener evaluate LABELS.jsonl [--model PATH | --rules]
    screener models list | promote NAME | rollback

Data: the corpus files (default ``corpus/real/*.jsonl``, ``corpus/synthetic/*.jsonl``,
``corpus/reviews/*.jsonl``); references resolve from ``../shared/data/clauses.jsonl.gz``
(beside the repo). Provisions whose text is in ``../shared/labels/dev.jsonl`` are always
dropped from the corpus; ``--include-dev`` adds dev itself (then no dev figure is held out,
and the model card says so).

Promotion: a new model becomes active (``models/CURRENT``) only if, on held-out labels
(``--holdout``, default dev), its flag F1 and flag PR-AUC are not worse than the active
model's (within ``--tolerance``); the comparison is printed; the old folder is kept and
``screener models rollback`` undoes a promotion. Where both models were trained with dev and
the held-out labels are dev, their model cards' nested-CV figures are compared.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from screener.classifier.card import (list_models, read_current, rollback, set_current,  # noqa: E402
                                      write_model_dir)
from screener.classifier.evaluate import evaluate_judgements, format_report  # noqa: E402
from screener.classifier.features import extract_parallel  # noqa: E402
from screener.classifier.model import ModelError, TrainConfig, load_model, train_model  # noqa: E402
from screener.classifier.scorer import CombinedScorer  # noqa: E402
from screener.corpus import (DEFAULT_CORPUS, Example, LoadReport, dev_group, expand_paths,  # noqa: E402
                             load_examples)
from screener.rules import category_ids, detect_many  # noqa: E402

SHARED = ROOT.parent / "shared"
DEV = SHARED / "labels" / "dev.jsonl"
MODELS = ROOT / "models"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def read_labels(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def dev_examples(rows: list[dict]) -> list[Example]:
    return [Example(id=str(r.get("id")), text=r["text"], article_title=r.get("article_title"),
                    doc_type=r.get("doc_type"), flag=int(r["flag"]), categories=list(r["categories"]),
                    severity=r.get("severity"), triggers=list(r.get("triggers") or []), source="dev",
                    group=f"doc:{dev_group(r.get('doc_ref')) or r.get('id')}", files=["dev.jsonl"])
            for r in rows]


def load_training_data(corpus: list[str] | None, include_dev: bool = False,
                       dev_path: Path = DEV) -> tuple[list[Example], LoadReport, list[dict]]:
    """Examples for training and what happened while loading them; dev rows if present."""
    files = expand_paths(corpus or list(DEFAULT_CORPUS), ROOT)
    report = LoadReport()
    dev_rows = read_labels(dev_path) if dev_path.is_file() else []
    if not dev_path.is_file():
        report.messages.append(f"{dev_path} is absent: no dev texts to exclude and no dev figures")
    examples = load_examples(files, exclude_texts={r["text"] for r in dev_rows}, report=report)
    if include_dev:
        if not dev_rows:
            raise ModelError(f"--include-dev: {dev_path} is absent")
        examples += dev_examples(dev_rows)
        report.counts["dev"] = len(dev_rows)
    return examples, report, dev_rows


def per_category(examples: list[Example]) -> dict:
    return {c: (sum(c in e.categories for e in examples if e.source != "synthetic"),
                sum(c in e.categories for e in examples)) for c in category_ids()}


def evaluate_scorer(scorer, rows: list[dict], n_errors: int = 10) -> dict:
    items = [(r["text"], r.get("article_title"), r.get("doc_type")) for r in rows]
    return evaluate_judgements(rows, scorer(items), n_errors=n_errors)


def train_command(corpus: list[str] | None, out: str | None, include_dev: bool, promote: bool,
                  holdout: str | None, tolerance: float, workers: int | None = None,
                  command: str = "") -> int:
    t0 = time.perf_counter()
    try:
        examples, report, dev_rows = load_training_data(corpus, include_dev)
    except ModelError as exc:
        log(f"screener train: {exc}")
        return 2
    for m in report.messages:
        log(f"note: {m}")
    if not examples:
        log("screener train: nothing to train on: no corpus example could be loaded "
            f"(files: {len(report.files)}; skipped: {report.skipped}). Put shared/ beside the repo "
            "or give --corpus files with text rows.")
        return 2
    log(f"training data: {len(examples)} examples ({', '.join(f'{k} {v}' for k, v in sorted(report.counts.items()))})"
        + (f"; skipped {report.skipped}" if report.skipped else ""))
    t1 = time.perf_counter()
    F = extract_parallel(examples, workers=workers)
    feat_s = time.perf_counter() - t1
    log(f"features: {feat_s:.1f} s")
    version = time.strftime("%Y.%m.%d")
    name = Path(out).name if out else f"screener-{version}"
    out_dir = Path(out) if out else MODELS / name
    if not out and out_dir.exists():
        k = 2
        while (MODELS / f"{name}-{k}").exists():
            k += 1
        out_dir = MODELS / f"{name}-{k}"
    summary = {"files": [str(Path(f).resolve().relative_to(ROOT)) if str(Path(f).resolve()).startswith(str(ROOT)) else str(f)
                         for f in report.files],
               "include_dev": include_dev, "messages": report.messages, "skipped": report.skipped,
               "per_category": per_category(examples), "feature_seconds": round(feat_s, 1),
               "command": command or "screener train"}
    try:
        model = train_model(examples, F, TrainConfig(), version=version, log=log, data_summary=summary,
                            workers=workers or os.cpu_count() or 1)
    except ModelError as exc:
        log(f"screener train: {exc}")
        return 2
    total = time.perf_counter() - t0
    model.meta["total_seconds"] = round(total, 1)
    metrics: dict = {"total_seconds": round(total, 1)}
    if dev_rows:
        scorer = CombinedScorer(model, name=out_dir.name)
        r = evaluate_scorer(scorer, dev_rows)
        key = "dev_in_sample" if include_dev else "dev"
        metrics[key] = {k: r[k] for k in ("n", "flag", "category_micro", "calibration", "categories")}
        metrics[key]["held_out"] = not include_dev
        metrics[key]["in_sample"] = include_dev
        if include_dev:
            metrics["dev_grouped_cv"] = ("not measured by `screener train`: run `benchmarks/model_dev.py "
                                         f"--card {out_dir}` (nested grouped CV over dev)")
    write_model_dir(model, out_dir, metrics)
    print(f"model {out_dir.name} -> {out_dir} ({(out_dir / 'model.skops').stat().st_size / 1e6:.1f} MB); "
          f"training took {total:.1f} s (features {feat_s:.1f} s)")
    oof = model.meta["oof"]
    where = ("inner grouped CV over dev (cross-fitted stackers)" if model.meta.get("mode") == "target"
             else "out-of-fold on the training corpus")
    print(f"{where}: flag F1 {oof['flag_f1']:.3f}, PR-AUC {oof['flag_pr_auc']:.3f}, "
          f"category micro-F1 {oof['category_micro_f1']:.3f}")
    if "dev" in metrics or "dev_in_sample" in metrics:
        d = metrics.get("dev") or metrics["dev_in_sample"]
        tag = "held out" if not include_dev else "IN-SAMPLE: dev is in training; honest figure: benchmarks/model_dev.py"
        print(f"dev ({tag}): flag F1 {d['flag']['f1']:.3f}, PR-AUC {d['flag']['pr_auc']:.3f}, "
              f"category micro-F1 {d['category_micro']['f1']:.3f}")
    if promote:
        return promote_command(out_dir.name, holdout, tolerance, force=False)
    print(f"not promoted: `screener models promote {out_dir.name}` makes it active")
    return 0


def nested_cv_figures(model_dir: Path) -> dict | None:
    """A model trained with dev, as its card measured it held out (``dev_grouped_cv``, written
    by ``benchmarks/model_dev.py --card``), in the shape of :func:`compare`'s figures."""
    f = Path(model_dir) / "metrics.json"
    m = json.loads(f.read_text(encoding="utf-8")) if f.is_file() else {}
    mean = (m.get("dev_grouped_cv") or {}).get("mean")
    if not (m.get("include_dev") and mean):
        return None
    return {"n": m["dev_grouped_cv"].get("n"), "flag": {"f1": mean["f1"], "pr_auc": mean["pr_auc"]},
            "category_micro": {"f1": mean["cat_f1"]}, "_how": "nested grouped CV over dev (model cards)"}


def compare(new_dir: Path, cur_dir: Path | None, holdout: Path) -> tuple[dict, dict | None]:
    """Figures of the new and the active model on ``holdout``. Where both were trained with
    dev and ``holdout`` is dev, dev is not held out for either: their cards' nested-CV
    figures are compared instead."""
    if Path(holdout).resolve() == DEV.resolve() and cur_dir is not None:
        both = nested_cv_figures(new_dir), nested_cv_figures(cur_dir)
        if None not in both:
            return both
    rows = read_labels(holdout)
    new = evaluate_scorer(CombinedScorer(load_model(new_dir), name=new_dir.name), rows, 0)
    cur = None
    if cur_dir is not None and cur_dir.exists():
        try:
            cur = evaluate_scorer(CombinedScorer(load_model(cur_dir), name=cur_dir.name), rows, 0)
        except ModelError as exc:
            log(f"note: the active model {cur_dir.name} cannot be loaded ({exc}); comparing with the rules")
    if cur is None:
        cur = evaluate_judgements(rows, detect_many([(r["text"], r.get("article_title"), r.get("doc_type"))
                                                     for r in rows]), 0)
        cur["_name"] = "rules"
    return new, cur


def not_worse(new: dict, cur: dict, tolerance: float = 0.0) -> bool:
    """The promotion rule (CLI and app): neither flag F1 nor PR-AUC drops by more than ``tolerance``."""
    return (new["flag"]["f1"] >= cur["flag"]["f1"] - tolerance
            and (new["flag"]["pr_auc"] or 0) >= (cur["flag"]["pr_auc"] or 0) - tolerance)


def promote_command(name: str, holdout: str | None, tolerance: float, force: bool) -> int:
    new_dir = MODELS / name
    if not (new_dir / "model.skops").is_file():
        log(f"screener models promote: no model at {new_dir}")
        return 2
    cur_name = read_current(MODELS)
    if cur_name == name:
        print(f"{name} is already the active model")
        return 0
    hold = Path(holdout) if holdout else DEV
    if not hold.is_file():
        if not force:
            log(f"screener models promote: held-out labels {hold} are absent: cannot compare "
                "(give --holdout LABELS.jsonl, or --force)")
            return 2
        set_current(MODELS, name)
        print(f"promoted {name} without comparison (--force)")
        return 0
    metrics = json.loads((new_dir / "metrics.json").read_text(encoding="utf-8")) if (new_dir / "metrics.json").is_file() else {}
    try:
        new, cur = compare(new_dir, MODELS / cur_name if cur_name else None, hold)
    except ModelError as exc:
        log(f"screener models promote: {exc}")
        return 2
    if metrics.get("include_dev") and hold.resolve() == DEV.resolve() and "_how" not in new:
        print(f"warning: {name} was trained with dev: the comparison on dev is not held out "
              f"(`benchmarks/model_dev.py --card models/{name}` measures it held out)")
    cur_label = cur.get("_name") or cur_name
    print(f"comparison on {hold} ({new['n']} provisions{', ' + new['_how'] if '_how' in new else ''}):")
    print(f"  {'':28} {'flag F1':>8} {'PR-AUC':>8} {'cat F1':>8}")
    for label, r in ((f"new  {name}", new), (f"active {cur_label}", cur)):
        print(f"  {label:28} {r['flag']['f1']:8.3f} {r['flag']['pr_auc'] or 0:8.3f} {r['category_micro']['f1']:8.3f}")
    ok = not_worse(new, cur, tolerance)
    if ok or force:
        set_current(MODELS, name)
        print(f"promoted {name}" + ("" if ok else " (--force, although it is worse)")
              + (f"; the previous model {cur_name} is kept: `screener models rollback` undoes this" if cur_name else ""))
        return 0
    print(f"NOT promoted: {name} is worse than {cur_label} on flag F1 or PR-AUC (tolerance {tolerance})")
    return 1


def rollback_command() -> int:
    try:
        old, new = rollback(MODELS)
    except FileNotFoundError as exc:
        log(f"screener models rollback: {exc}")
        return 2
    print(f"rolled back: {old} -> {new} (both folders kept)")
    return 0


def list_command() -> int:
    rows = list_models(MODELS)
    if not rows:
        print("no models in models/")
    for r in rows:
        print(f"{'*' if r['current'] else ' '} {r['name']:32} trained {r['trained_at']}  "
              f"{r['size_mb']} MB{'  (dev in training)' if r['include_dev'] else ''}")
    return 0


def evaluate_command(labels: str, model: str | None, rules: bool, as_json: bool, n_errors: int) -> int:
    path = Path(labels)
    if not path.is_file():
        log(f"screener evaluate: no such file: {path}")
        return 2
    rows = read_labels(path)
    if rows and "text" not in rows[0]:  # corpus files by reference
        ex = load_examples([path])
        rows = [{"id": e.id, "text": e.text, "article_title": e.article_title, "doc_type": e.doc_type,
                 "flag": e.flag, "categories": e.categories, "doc_ref": e.group} for e in ex]
        if not rows:
            log(f"screener evaluate: no provision of {path} could be resolved (is ../shared present?)")
            return 2
    if rules:
        scorer, name = detect_many, "rules"
    else:
        from screener.classifier.scorer import current_model_dir

        d = Path(model) if model else current_model_dir()
        if d is None or not d.exists():
            log("screener evaluate: no model (models/CURRENT); give --model PATH or --rules")
            return 2
        try:
            scorer, name = CombinedScorer(load_model(d), name=d.name), d.name
        except ModelError as exc:
            log(f"screener evaluate: {exc}")
            return 2
    r = evaluate_scorer(scorer, rows, n_errors)
    if as_json:
        print(json.dumps(r, ensure_ascii=False, indent=1))
    else:
        print(format_report(r, f"{name} on {path}"))
    return 0
