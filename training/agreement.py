"""Agreement between two annotators' files of the same batch (corpus/real/*.A.jsonl vs *.B.jsonl).

Prints Cohen's kappa and F1 on the flag, category micro-F1, and trigger overlap.
Usage: python training/agreement.py corpus/real/batch_01.A.jsonl corpus/real/batch_01.B.jsonl
A file in the guideline's own format (text and trigger strings, e.g. ../shared/labels/dev.jsonl)
may stand on either side: python training/agreement.py ../shared/labels/dev.jsonl corpus/calibration/dev_blind.jsonl
Further files on the right are second passes laid over the first (same ref: the later label
wins, as in ``screener.corpus.adjudicate``):
python training/agreement.py ../shared/labels/dev.jsonl corpus/calibration/dev_blind.jsonl corpus/calibration/dev_blind_review.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def agreement(a_rows: list[dict], b_rows: list[dict]) -> dict:
    b_by = {r["ref"]: r for r in b_rows}
    pairs = [(a, b_by[a["ref"]]) for a in a_rows if a["ref"] in b_by]
    n = len(pairs)
    both = sum(a["flag"] and b["flag"] for a, b in pairs)
    fa = sum(a["flag"] for a, _ in pairs)
    fb = sum(b["flag"] for _, b in pairs)
    po = sum(a["flag"] == b["flag"] for a, b in pairs) / n
    pe = (fa / n) * (fb / n) + (1 - fa / n) * (1 - fb / n)
    ca = sum(len(a["categories"]) for a, _ in pairs)
    cb = sum(len(b["categories"]) for _, b in pairs)
    cboth = sum(len(set(a["categories"]) & set(b["categories"])) for a, b in pairs)
    overlap = [any(s < be and bs < e for s, e in a["triggers"] for bs, be in b["triggers"])
               for a, b in pairs if a["flag"] and b["flag"]]
    return {"n": n, "flags_a": fa, "flags_b": fb, "kappa": (po - pe) / (1 - pe) if pe < 1 else 1.0,
            "flag_f1": 2 * both / (fa + fb) if fa + fb else 1.0,
            "category_micro_f1": 2 * cboth / (ca + cb) if ca + cb else 1.0,
            "trigger_overlap": sum(overlap) / len(overlap) if overlap else None}


def load(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    return [r if "ref" in r else _as_reference(r) for r in rows]


def overlay(*passes: list[dict]) -> list[dict]:
    """The first pass's rows, each replaced by the last later pass that labels the same ref."""
    later = {r["ref"]: r for rows in passes[1:] for r in rows}
    return [later.get(r["ref"], r) for r in passes[0]]


def _as_reference(row: dict) -> dict:
    spans = [[row["text"].find(t), row["text"].find(t) + len(t)] for t in row["triggers"]]
    return {"ref": row["id"], "flag": row["flag"], "categories": row["categories"], "triggers": spans}


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: python training/agreement.py A.jsonl B.jsonl [B_SECOND_PASS.jsonl ...]")
    result = agreement(load(Path(sys.argv[1])), overlay(*(load(Path(p)) for p in sys.argv[2:])))
    print(json.dumps(result, indent=1))
