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
- Trained on enacted laws, decrees and circulars (real provisions) and on provisions written
  in this project; drafts, OCR noise and other document types (provincial decisions) are
  under-represented.
- The real labels are by careful, model-assisted annotators following the guideline, one
  pass per batch (two passes on two batches); they disagree with the measuring set's
  labellers on borderline routine indicators, and the model inherits those choices.
- Rare categories (`missing_procedure`, `weak_accountability`) have few real positives:
  their probabilities and thresholds are unreliable.
- Thresholds are chosen by cross-validation on the training corpus, whose base rate of
  flags (about 15% in real provisions) may differ from a given draft's.
- Triggers come from the rules; a category reported by the model alone points at the most
  relevant span found (rule `model`), which may be imprecise."""


def _fmt(x) -> str:
    return "-" if x is None else (f"{x:.3f}" if isinstance(x, float) else str(x))


def _card(name: str, model: ScreenerModel, sha: str, metrics: dict) -> str:
    m = model.meta
    d = m.get("data", {})
    lines = [f"# Model card: {name}", "",
             f"- version: {m['version']}",
             f"- trained: {m['trained_at']}",
             f"- file: `{MODEL_FILE}` (skops; load with `screener.classifier.model.load_model`, "
             "which checks the allow-list of types and this hash)",
             f"- sha256: `{sha}`",
             f"- rules version: {m['rules_version']}; features version: {m['features_version']}",
             f"- training time: {m['train_seconds']} s (model fitting; feature extraction "
             f"{d.get('feature_seconds', '-')} s)",
             f"- reproduce: `{d.get('command', 'screener train')}`", "",
             "## Intended use", "", INTENDED_USE, "",
             "## Data", "",
             f"{m['n_examples']} labelled provisions, {m['n_flagged']} flagged. By source: "
             + ", ".join(f"{k} {v}" for k, v in m["n_by_source"].items()) + ".",
             ""]
    if d.get("files"):
        lines.append(f"Corpus files: {len(d['files'])} (" + ", ".join(sorted({Path(f).parent.name for f in d['files']})) + ").")
    lines.append(f"Measuring set (`../shared/labels/dev.jsonl`) in training: "
                 f"{'YES' if d.get('include_dev') else 'no'}.")
    if d.get("include_dev"):
        lines.extend(["", "Why dev is included: dev is the only labelled set with real *drafts* "
                      "(OCR'd consultation drafts), the documents the screener is for. Grouped "
                      "cross-validation over dev (benchmark (b) below: corpus + the other dev folds, "
                      "each dev document judged by a model that did not see it) scores higher than the "
                      "corpus-only model (a), so the shipped model uses it. Its dev figures are therefore "
                      "(b)'s, not the in-sample ones; a promotion compared on dev is not held out."])
    if d.get("messages"):
        lines.extend(["", *[f"Note: {x}" for x in d["messages"]]])
    if d.get("per_category"):
        lines.extend(["", "| category | positives (real) | positives (all) |", "|---|---:|---:|"])
        for c, (r, a) in d["per_category"].items():
            lines.append(f"| {c} | {r} | {a} |")
    lines.extend(["", "Real provisions labelled by two annotators get one label: agreement -> "
                  "annotator A's; disagreement on the flag -> flagged with severity 1 (guideline "
                  "rule 4). See `corpus/README.md`.", "",
                  "## Model", "",
                  "Base logistic regressions (flag; each category given flagged) over word 1-2-grams "
                  "of the underthesea-segmented text, character 2-5-grams, article-title n-grams and "
                  "rule features (category scores, trigger counts before/after context rules, "
                  "patterns, context cues); stacked with the rules' category scores by logistic "
                  "regressions fitted on out-of-fold probabilities of the real examples; "
                  "thresholds chosen by grouped cross-validation on the training corpus.", "",
                  f"Thresholds: flag {model.thresholds['flag']:.2f}; categories " +
                  ", ".join(f"{c} {t:.2f}" for c, t in model.thresholds["categories"].items()) + ".",
                  "", "## Metrics", ""])
    oof = m.get("oof", {})
    lines.append(f"Out-of-fold on the training corpus (real examples, grouped by document; "
                 f"n={oof.get('n')}): flag F1 {_fmt(oof.get('flag_f1'))}, PR-AUC "
                 f"{_fmt(oof.get('flag_pr_auc'))}, category micro-F1 {_fmt(oof.get('category_micro_f1'))}.")
    for key, title in (("dev", "On `../shared/labels/dev.jsonl`"),):
        r = metrics.get(key)
        if r:
            note = (" -- dev was IN the training data: this is NOT a held-out figure; see "
                    "`benchmarks/model_dev.py` for the cross-validated one") if d.get("include_dev") else " (held out)"
            lines.append(f"{title}{note}: flag F1 {_fmt(r['flag']['f1'])}, PR-AUC "
                         f"{_fmt(r['flag']['pr_auc'])}, category micro-F1 {_fmt(r['category_micro']['f1'])}, "
                         f"Brier {_fmt(r['calibration']['brier'])}.")
    if metrics.get("benchmark"):
        lines.extend(["", "From `benchmarks/model_dev.py`:", "", "```", metrics["benchmark"].rstrip(), "```"])
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
