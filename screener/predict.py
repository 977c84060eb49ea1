"""``screener predict``: judge single provisions given as JSON Lines.

The output fields are an interface that the evaluation relies on: keep them stable.
"""

from __future__ import annotations

import json
from pathlib import Path

from screener.errors import InputError
from screener.findings import rules_scorer


def _read_items(path: Path) -> list[dict]:
    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}; give a UTF-8 JSON Lines file") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: not valid JSON ({exc.msg}); each line must be one JSON object") from exc
        if not isinstance(row, dict) or "id" not in row or not isinstance(row.get("text"), str):
            raise InputError(f'{path}:{n}: each line needs "id" and a string "text"')
        items.append(row)
    return items


def judgement_record(item_id, judgement) -> dict:
    return {
        "id": item_id,
        "flag": int(judgement.flag),
        "score": round(judgement.score, 4),
        "severity": judgement.severity if judgement.flag else None,
        "categories": list(judgement.categories),
        "category_scores": {k: round(v, 4) for k, v in judgement.category_scores.items()},
        "triggers": [{"text": t.text, "start": t.start, "end": t.end, "category": t.category, "rule": t.rule}
                     for t in judgement.triggers],
    }


def predict_file(input_path: str | Path, output_path: str | Path, scorer=None) -> int:
    items = _read_items(Path(input_path))
    scorer = scorer or rules_scorer
    judgements = scorer([(r["text"], r.get("article_title"), r.get("doc_type")) for r in items])
    with open(output_path, "w", encoding="utf-8") as out:
        for row, judgement in zip(items, judgements):
            out.write(json.dumps(judgement_record(row["id"], judgement), ensure_ascii=False) + "\n")
    return len(items)
