"""Model folders: the model file, its card and metrics; the ``CURRENT`` pointer; promotion.

A model folder ``models/<name>/`` holds ``model.skops`` (skops), ``MODEL_CARD.md`` (data,
date, version, metrics, intended use, limits and the sha256 of ``model.skops``, which
:func:`screener.classifier.model.load_model` checks) and ``metrics.json``.
``models/CURRENT`` names the active folder; ``models/HISTORY`` lists every change of it
(time, action, name) so that :func:`rollback` can undo a promotion. Old folders are kept.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from .model import CARD_FILE, METRICS_FILE, MODEL_FILE, ScreenerModel, file_sha256, save_model

__all__ = ["write_model_dir", "update_card", "set_current", "read_current", "history", "rollback", "list_models"]

INTENDED_USE = """\
Ranks the provisions (khoản, điểm, article lead-ins) of Vietnamese draft regulations by the
risk that they give an agency, an official or a narrow group a discretionary advantage, in
the nine categories of `../shared/GUIDELINE.md` (v1.1), for a human reviewer who decides.
It is a screening aid: it does not decide whether a clause is justified, and a provision it
does not flag is not thereby cleared."""

LIMITS = """\
- The bars of issue 4 on dev (flag F1 >= 0.80, category micro-F1 >= 0.65) are not met by
  the honest (nested grouped CV) figures above; see "Calibration finding" for why.
- Trained on enacted laws, decrees and circulars (real provisions), on provisions written
  in this project and on dev (425 provisions, 120 of them from real drafts); drafts, OCR
  noise and other document types (provincial decisions) are under-represented.
- The corpus labels are by careful, model-assisted annotators following the guideline; they
  apply rule 4 (routine severity-1 indicators) less liberally than the dev labellers. The
  model is calibrated to dev's convention through dev (weighted in the base models, alone in
  the flag stacker and thresholds): 425 provisions, 86 flagged, so its thresholds and its
  calibration carry the sampling noise of a small set (see the sd over seeds).
- Rare categories (`missing_procedure`, `weak_accountability`, `designated_provider`) have
  few real positives: their probabilities and thresholds are unreliable.
- The base rate of flags in a given draft may differ from dev's (~20%); the threshold is
  chosen for dev's mix.
- Triggers come from the rules; a category reported by the model alone points at the most
  relevant span found (rule `model`), which may be imprecise."""

CALIBRATION = """\
The annotation process was checked blind against dev (`corpus/calibration/`; `python
training/agreement.py ../shared/labels/dev.jsonl corpus/calibration/dev_blind.jsonl
corpus/calibration/dev_blind_review.jsonl`): the first pass alone was precise but strict on
guideline rule 4 (flag F1 0.775, kappa 0.73); with the recall-oriented second pass (annotator
"R", applied to every first-pass negative of the corpus: `corpus/real/review_*.R.jsonl`) it
reaches flag F1 0.842, kappa 0.80, category micro-F1 0.64 -- about the agreement of two
careful readers, and a rough ceiling for a model trained on labels of this kind. The dev
convention is also learnt from dev itself (target mode), with every choice made by inner
grouped CV."""


def _fmt(x) -> str:
    return "-" if x is None else (f"{x:.3f}" if isinstance(x, float) else str(x))


def _mean_sd(d: dict, key: str) -> str:
    m, sd = d.get("mean", {}).get(key), d.get("sd", {}).get(key)
    if m is None:
        return "-"
    return f"{m:.3f} ± {sd:.3f}" if sd is not None else f"{m:.3f}"


def _card(name: str, model: ScreenerModel, sha: str, metrics: dict) -> str:
    m = model.meta
    d = m.get("data", {})
    cfg = model.state.get("config", {})
    target = m.get("mode") == "target"
    lines = [f"# Model card: {name}", "",
             f"- version: {m['version']}",
             f"- trained: {m['trained_at']}",
             f"- file: `{MODEL_FILE}` (skops; load with `screener.classifier.model.load_model`, "
             "which checks the allow-list of types and this hash)",
             f"- sha256: `{sha}`",
             f"- rules version: {m['rules_version']}; features version: {m['features_version']}",
             f"- training time: {m['train_seconds']} s (model fitting; feature extraction "
             f"{d.get('feature_seconds', '-')} s)",
             f"- reproduce: `{d.get('command', 'screener train')}`; honest dev figures: "
             f"`.venv/bin/python benchmarks/model_dev.py --card models/{name}`", "",
             "## Intended use", "", INTENDED_USE, ""]
    cv = metrics.get("dev_grouped_cv")
    base = metrics.get("dev_baselines") or {}
    lines.extend(["## Headline: dev, nested grouped cross-validation (`dev_grouped_cv`)", ""])
    if isinstance(cv, dict):
        lines.extend([
            f"{cv.get('method', '')}. Every dev provision is judged by a model that saw neither it nor its "
            "document; mean ± sd over seeds.", "",
            "| on dev (n=425) | flag P | flag R | flag F1 | PR-AUC | category micro-F1 | Brier |",
            "|---|---:|---:|---:|---:|---:|---:|"])
        for label, r in (("rules alone", base.get("rules")),
                         ("(a) corpus only, without dev's documents", base.get("a_corpus_only"))):
            if r:
                lines.append(f"| {label} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | "
                             f"{r['pr_auc']:.3f} | {r['cat_f1']:.3f} | {r['brier']:.4f} |")
        lines.append("| **this configuration, nested CV** | " + " | ".join(
            _mean_sd(cv, k) for k in ("precision", "recall", "f1", "pr_auc", "cat_f1", "brier")) + " |")
        lines.extend(["", f"Bars: flag F1 >= 0.80: {'PASS' if cv['mean']['f1'] >= 0.80 else 'FAIL'}; "
                      f"category micro-F1 >= 0.65: {'PASS' if cv['mean']['cat_f1'] >= 0.65 else 'FAIL'}; "
                      + (f"beats the rules on flag F1: {'yes' if cv['mean']['f1'] > base['rules']['f1'] else 'NO'}, "
                         f"on PR-AUC: {'yes' if cv['mean']['pr_auc'] > base['rules']['pr_auc'] else 'NO'}."
                         if base.get("rules") else ""), ""])
    else:
        lines.extend([str(cv or "not measured yet: run `benchmarks/model_dev.py --card models/" + name + "`"), ""])
    lines.extend(["## Data", "",
                  f"{m['n_examples']} labelled provisions, {m['n_flagged']} flagged. By source: "
                  + ", ".join(f"{k} {v}" for k, v in m["n_by_source"].items()) + ".", ""])
    if d.get("files"):
        lines.append(f"Corpus files: {len(d['files'])} (" + ", ".join(sorted({Path(f).parent.name for f in d['files']})) + ").")
    lines.append(f"Measuring set (`../shared/labels/dev.jsonl`) in training: "
                 f"{'YES' if d.get('include_dev') else 'no'}.")
    if d.get("include_dev"):
        lines.extend(["", "Why dev is included: dev carries the target labelling convention, and 120 of its 425 "
                      "provisions come from real *drafts*, the documents the screener is for. The headline "
                      "above compares the dev-adapted configuration, in nested grouped CV, with the rules and "
                      "with the corpus-only model (a); the shipped model is trained on all of dev, so its own "
                      "dev figure (below, `in_sample`) is not a measure; promotion between two models trained "
                      "with dev compares their nested-CV figures."])
    if d.get("messages"):
        lines.extend(["", *[f"Note: {x}" for x in d["messages"]]])
    if d.get("per_category"):
        lines.extend(["", "| category | positives (real + dev) | positives (all) |", "|---|---:|---:|"])
        for c, (r, a) in d["per_category"].items():
            lines.append(f"| {c} | {r} | {a} |")
    lines.extend(["", "Real provisions labelled more than once get one label (`screener.corpus.adjudicate`): "
                  "a second-pass label (annotator R) replaces the first; otherwise agreement -> annotator "
                  "A's; disagreement on the flag -> flagged with severity 1 (guideline rule 4). See "
                  "`corpus/README.md`.", "",
                  "## Calibration finding", "", CALIBRATION, "",
                  "## Model", "",
                  "Base logistic regressions (flag; each category given flagged) over word 1-2-grams "
                  "of the underthesea-segmented text, character 2-5-grams, article-title n-grams and "
                  "rule features (category scores, trigger counts before/after context rules, "
                  "patterns, context cues); stacked with the rules' scores by small logistic "
                  "regressions."])
    if target:
        trials = ", ".join(f"{t['target_weight']:g}: flag F1 {t['flag_f1']:.3f} / cat-F1 "
                           f"{t['category_micro_f1']:.3f}" for t in m.get("target_trials", []))
        lines.extend(["", f"Training mode: **target** (domain adaptation to dev's convention). Dev examples "
                      f"weigh {m.get('target_weight')}× in the base models (chosen from "
                      f"{list(cfg.get('target_weight_grid', []))} by inner grouped CV over dev: {trials}). "
                      f"The flag stacker ({cfg.get('flag_stack')} columns) is fitted on dev's out-of-fold "
                      f"base probabilities only (corpus weight {cfg.get('flag_stack_corpus_weight')}); the "
                      f"category stackers on dev's and the real corpus's (corpus weight "
                      f"{cfg.get('cat_stack_corpus_weight')}); the thresholds on dev's cross-fitted "
                      "stacked scores (grouped by document)."
                      + (" A provision the rules flag is flagged (rule OR model)." if cfg.get("rule_or") else "")])
    else:
        lines.extend(["", "Training mode: **corpus** (stackers fitted on out-of-fold probabilities of the real "
                      "corpus examples; thresholds by grouped CV on the corpus)."])
    lines.extend(["", f"Thresholds: flag {model.thresholds['flag']:.2f}"
                  + (f" (provisions the rules flag: {model.thresholds.get('flag_rules', 0):.2f})"
                     if model.thresholds.get("flag_rules", model.thresholds["flag"]) != model.thresholds["flag"] else "")
                  + "; categories " + ", ".join(f"{c} {t:.2f}" for c, t in model.thresholds["categories"].items()) + ".",
                  "", "## Other metrics", ""])
    oof = m.get("oof", {})
    lines.append(f"Inner CV of this training ({oof.get('on', 'out-of-fold')}; n={oof.get('n')}): flag F1 "
                 f"{_fmt(oof.get('flag_f1'))}, PR-AUC {_fmt(oof.get('flag_pr_auc'))}, category micro-F1 "
                 f"{_fmt(oof.get('category_micro_f1'))} (slightly optimistic: the dev weight was chosen on it).")
    r = metrics.get("dev_in_sample")
    if r:
        lines.append(f"On dev, `in_sample` (dev is IN the training data -- NOT a measure of quality): flag F1 "
                     f"{_fmt(r['flag']['f1'])}, PR-AUC {_fmt(r['flag']['pr_auc'])}, category micro-F1 "
                     f"{_fmt(r['category_micro']['f1'])}, Brier {_fmt(r['calibration']['brier'])}.")
    r = metrics.get("dev")
    if r:
        lines.append(f"On dev (held out): flag F1 {_fmt(r['flag']['f1'])}, PR-AUC {_fmt(r['flag']['pr_auc'])}, "
                     f"category micro-F1 {_fmt(r['category_micro']['f1'])}, Brier {_fmt(r['calibration']['brier'])}.")
    if metrics.get("benchmark"):
        lines.extend(["", "Output of `benchmarks/model_dev.py`:", "", "```", metrics["benchmark"].rstrip(), "```"])
    lines.extend(["", "## Limits", "", LIMITS, ""])
    return "\n".join(lines)


def write_model_dir(model: ScreenerModel, out_dir: str | Path, metrics: dict | None = None) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    file = save_model(model, out / MODEL_FILE)
    sha = file_sha256(file)
    metrics = dict(metrics or {})
    metrics.update({"name": out.name, "version": model.version, "sha256": sha,
                    "trained_at": model.meta["trained_at"], "oof": model.meta.get("oof"),
                    "thresholds": model.thresholds, "n_by_source": model.meta["n_by_source"],
                    "include_dev": bool(model.meta.get("data", {}).get("include_dev"))})
    (out / METRICS_FILE).write_text(json.dumps(metrics, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out / CARD_FILE).write_text(_card(out.name, model, sha, metrics), encoding="utf-8")
    return out


def update_card(out_dir: Path, extra: dict) -> None:
    """Add ``extra`` to a model folder's metrics.json and rewrite its card (the model file
    and its sha256 do not change)."""
    from .model import load_model

    out_dir = Path(out_dir)
    model = load_model(out_dir)
    metrics = json.loads((out_dir / METRICS_FILE).read_text(encoding="utf-8"))
    metrics.update(extra)
    (out_dir / METRICS_FILE).write_text(json.dumps(metrics, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out_dir / CARD_FILE).write_text(_card(out_dir.name, model, metrics["sha256"], metrics), encoding="utf-8")


def read_current(root: Path) -> str | None:
    p = root / "CURRENT"
    if not p.is_file():
        return None
    return p.read_text(encoding="utf-8").strip() or None


def history(root: Path) -> list[tuple[str, str, str]]:
    p = root / "HISTORY"
    if not p.is_file():
        return []
    out = []
    for line in p.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3:
            out.append((parts[0], parts[1], parts[2]))
    return out


def set_current(root: Path, name: str, action: str = "promote") -> None:
    if not (root / name / MODEL_FILE).is_file():
        raise FileNotFoundError(f"{root / name} holds no {MODEL_FILE}")
    root.mkdir(parents=True, exist_ok=True)
    (root / "CURRENT").write_text(name + "\n", encoding="utf-8")
    with open(root / "HISTORY", "a", encoding="utf-8") as fh:
        fh.write(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\t{action}\t{name}\n")


def _active_stack(root: Path) -> list[str]:
    """The stack of active models: a promotion pushes, a rollback pops."""
    stack: list[str] = []
    for _, action, name in history(root):
        if action == "rollback":
            if stack:
                stack.pop()
            if not stack or stack[-1] != name:
                stack.append(name)
        else:
            stack.append(name)
    return stack


def rollback(root: Path) -> tuple[str | None, str]:
    """Make the model that was active before the current one active again; returns
    (old current, new current). The old folder is kept."""
    cur = read_current(root)
    stack = _active_stack(root)
    if stack and stack[-1] == cur:
        stack.pop()
    prev = [n for n in stack if n != cur and (root / n / MODEL_FILE).is_file()]
    if not prev:
        raise FileNotFoundError("no earlier model to roll back to (see models/HISTORY)")
    target = prev[-1]
    set_current(root, target, action="rollback")
    return cur, target


def list_models(root: Path) -> list[dict]:
    cur = read_current(root)
    out = []
    for d in sorted(root.glob("*/")):
        if (d / MODEL_FILE).is_file():
            m = {}
            if (d / METRICS_FILE).is_file():
                m = json.loads((d / METRICS_FILE).read_text(encoding="utf-8"))
            out.append({"name": d.name, "current": d.name == cur, "trained_at": m.get("trained_at"),
                        "include_dev": m.get("include_dev"),
                        "size_mb": round((d / MODEL_FILE).stat().st_size / 1e6, 2)})
    return out
